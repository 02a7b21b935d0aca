/*
 * oneid_gen: the orders of the bench's oneid workload (bench/run.sh,
 * issue #18): canonical orders whose identifiers join into people only
 * through chains, for mbr-oneid and the connected components of
 * bench/peers/oneid.sql.
 *
 * usage: oneid_gen [--seed n] [--orders n] [--people n] [--stats FILE]
 *                  [-o FILE]
 *
 * Build: cc -O2 -std=c11 -D_POSIX_C_SOURCE=200809L -Wall -Wextra
 *        -o oneid_gen tests/bench/oneid_gen.c
 *
 * Defaults: --seed 1, --orders 10000, --people orders * 3 / 25 (1.2M
 * for 10M orders), standard output.
 *
 * The orders are CSV with the header order_id, member_id, ts, amount,
 * currency, status, channel, identifiers, as mbr-ingest writes them:
 * member_id the identifier the channel found first, identifiers every
 * identifier of the row (member_id first), |-joined.  Nothing in them
 * needs quoting.
 *
 * People.  Person p has 1 to 4 identifiers (15/30/30/25%: 2.65 on
 * average) of distinct types drawn from phone:+86..., email:...,
 * openid:o..., nick:tmall:... (a fifth of the nicks in Chinese) and
 * card:88..., in a random order: the person's chain.  One person in 20
 * also carries an identifier of one of the 1000 people before it (a
 * family's shared phone or card), at the start or the end of its
 * chain, so that some people join others and some components span
 * several of them (at seed 1, 10M orders: 2.9M identifiers in 1.25M
 * components, the largest of 17, and label propagation takes 10
 * passes).
 * An identifier's text depends on (person, type) only, through an
 * affine bijection of the person's index, so that no two people's
 * identifiers collide by chance; the rest depends on --seed.
 *
 * Orders.  Order i belongs to a person drawn uniformly from all of them
 * or, half the time, from the first fifth (the heavy buyers: about 25
 * orders each against 4 at the default ratio).  Its identifiers are a
 * window of its person's chain: one identifier (30%), two neighbours
 * (60%) or three (10%), the member_id one of them at random, so that
 * the identifiers of a person are linked only through the chain (each
 * link by the orders that carry both ends), never all to one.  An
 * identifier no order draws is not in the data.  ts runs through 2024
 * in +08:00 in file order (order_id, zero-padded, too); status, amount
 * and channel (from the member_id's type) are drawn as shops see them.
 *
 * --stats FILE writes, one "key<TAB>value" a line: oneid_orders,
 * oneid_people, oneid_identifiers (the distinct identifiers in the
 * orders), oneid_components (the connected components of the orders'
 * identifiers: the people of plain connected components),
 * oneid_largest (identifiers in the largest), oneid_bytes.
 *
 * Deterministic: splitmix64 streams keyed by (seed, person) and (seed,
 * order), the same bytes on any machine.  Memory: about 50 bytes a
 * person (its chain, and the union-find of its four possible
 * identifiers that --stats counts with), never the orders.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static uint64_t
mix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

typedef struct {
	uint64_t s;
} rng;

static rng
rstream(uint64_t seed, uint64_t kind, uint64_t key)
{
	rng r = { mix(mix(seed * 0x100000001b3ULL + kind) ^ key) };

	return r;
}

static uint64_t
rnext(rng *r)
{
	r->s += 0x9e3779b97f4a7c15ULL;
	return mix(r->s);
}

static uint32_t
rbelow(rng *r, uint32_t n)
{
	return (uint32_t)((rnext(r) >> 32) * n >> 32);
}

static void
die(const char *fmt, const char *a)
{
	fprintf(stderr, "oneid_gen: ");
	fprintf(stderr, fmt, a);
	fputc('\n', stderr);
	exit(errno == 0 ? 1 : 3);
}

/* --- people -------------------------------------------------------- */

enum { T_PHONE, T_EMAIL, T_OPENID, T_NICK, T_CARD, NTYPE };
enum { MAXOWN = 4, NONE = UINT32_MAX };

typedef struct {
	uint32_t borrow;	/* person whose identifier it shares, or NONE */
	uint8_t k;		/* own identifiers, 1..MAXOWN */
	uint8_t type[MAXOWN];	/* their types, in chain order */
	uint8_t bslot;		/* the shared one: that person's slot */
	uint8_t bend;		/* 1: at the end of the chain, 0: the start */
} person;

static person *pp;
static uint32_t npeople;

static void
make_people(uint64_t seed)
{
	uint32_t p, i;

	pp = calloc(npeople, sizeof(*pp));
	if (pp == NULL)
		die("%s", "out of memory");
	for (p = 0; p < npeople; p++) {
		rng r = rstream(seed, 1, p);
		uint8_t t[NTYPE] = { 0, 1, 2, 3, 4 };
		uint32_t u = rbelow(&r, 100);
		person *q = &pp[p];

		q->k = u < 15 ? 1 : u < 45 ? 2 : u < 75 ? 3 : 4;
		for (i = 0; i < q->k; i++) {	/* partial Fisher-Yates */
			uint32_t j = i + rbelow(&r, NTYPE - i);
			uint8_t x = t[i];

			t[i] = t[j];
			t[j] = x;
			q->type[i] = t[i];
		}
		q->borrow = NONE;
		if (p > 0 && rbelow(&r, 20) == 0) {
			uint32_t back = p < 1000 ? p : 1000;

			q->borrow = p - 1 - rbelow(&r, back);
			q->bslot = (uint8_t)rbelow(&r, pp[q->borrow].k);
			q->bend = (uint8_t)rbelow(&r, 2);
		}
	}
}

/* A chain entry: (person, slot) as one number. */
static uint32_t
node(uint32_t p, unsigned slot)
{
	return p * MAXOWN + slot;
}

/* The chain of person p: its own identifiers, with the shared one
 * before or after; returns its length. */
static unsigned
chain(uint32_t p, uint32_t *c)
{
	const person *q = &pp[p];
	unsigned n = 0, i;

	if (q->borrow != NONE && !q->bend)
		c[n++] = node(q->borrow, q->bslot);
	for (i = 0; i < q->k; i++)
		c[n++] = node(p, i);
	if (q->borrow != NONE && q->bend)
		c[n++] = node(q->borrow, q->bslot);
	return n;
}

/* --- identifiers' text --------------------------------------------- */

static char *
put_digits(char *o, uint64_t v, int width)
{
	int i;

	for (i = width - 1; i >= 0; i--) {
		o[i] = (char)('0' + v % 10);
		v /= 10;
	}
	return o + width;
}

static char *
put_str(char *o, const char *s)
{
	size_t n = strlen(s);

	memcpy(o, s, n);
	return o + n;
}

static const char b64[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
static const char b36[] = "0123456789abcdefghijklmnopqrstuvwxyz";
static const char *const pinyin[] = {
	"wang", "li", "zhang", "liu", "chen", "yang", "huang", "zhao", "wu",
	"zhou", "xu", "sun", "ma", "zhu", "hu", "guo", "he", "lin", "luo",
	"gao", "xiaomei", "jing", "lei", "tingting", "yan", "fang", "min",
	"jun", "hui", "qiang"
};
static const char *const hanzi[] = {
	"小王", "小李", "阿明", "静静", "大伟", "婷婷", "晓燕", "丽丽",
	"小芳", "阿杰", "思思", "小雨"
};
static const char *const domains[] = {
	"qq.com", "163.com", "126.com", "gmail.com", "outlook.com",
	"sina.com", "foxmail.com", "icloud.com"
};

/* Writes the identifier of entry n (person, slot); returns the end. */
static char *
put_ident(char *o, uint32_t n)
{
	uint32_t p = n / MAXOWN;
	unsigned type = pp[p].type[n % MAXOWN];
	/* a bijection of [0, 10^9) for each type: distinct people,
	 * distinct digits (and a person's phone and card do not share
	 * theirs) */
	uint64_t a = ((uint64_t)p * 387420489ULL + 123456789ULL +
	    type * 271828183ULL) % 1000000000ULL;
	uint64_t h = mix(((uint64_t)p << 3) | type);
	int i;

	switch (type) {
	case T_PHONE:
		o = put_str(o, "phone:+861");
		*o++ = "3456789"[h % 7];
		o = put_digits(o, a, 9);
		break;
	case T_EMAIL:
		o = put_str(o, "email:");
		o = put_str(o, pinyin[h % NELEM(pinyin)]);
		if (h >> 8 & 1)
			*o++ = '.';
		o = put_str(o, pinyin[(h >> 16) % NELEM(pinyin)]);
		for (i = 0; i < 6; i++) {	/* 36^6 > 10^9 */
			*o++ = b36[a % 36];
			a /= 36;
		}
		*o++ = '@';
		o = put_str(o, domains[(h >> 24) % NELEM(domains)]);
		break;
	case T_OPENID:
		o = put_str(o, "openid:o6_bm");
		for (i = 0; i < 5; i++) {	/* 64^5 > 10^9 */
			*o++ = b64[a % 64];
			a /= 64;
		}
		for (i = 0; i < 17; i++) {
			*o++ = b64[h & 63];
			h = i % 8 == 7 ? mix(h) : h >> 6;
		}
		break;
	case T_NICK:
		o = put_str(o, "nick:tmall:");
		if (h % 5 == 0)
			o = put_str(o, hanzi[(h >> 8) % NELEM(hanzi)]);
		else {
			o = put_str(o, pinyin[(h >> 8) % NELEM(pinyin)]);
			*o++ = '_';
		}
		o = put_digits(o, a, 9);
		break;
	default:
		o = put_str(o, "card:88");
		o = put_digits(o, a, 10);
		break;
	}
	return o;
}

/* --- union-find (--stats) ------------------------------------------ */

static uint32_t *uf;

static uint32_t
find(uint32_t x)
{
	while (uf[x] != x) {
		uf[x] = uf[uf[x]];
		x = uf[x];
	}
	return x;
}

static void
unite(uint32_t a, uint32_t b)
{
	a = find(a);
	b = find(b);
	if (a != b) {
		if (a < b)
			uf[b] = a;
		else
			uf[a] = b;
	}
}

/* --- time ---------------------------------------------------------- */

static void
civil_from_days(int64_t z, int *y, unsigned *m, unsigned *d)
{
	z += 719468;
	const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	const unsigned doe = (unsigned)(z - era * 146097);
	const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	const unsigned mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = (int)(yoe + era * 400 + (*m <= 2));
}

/* 2024-01-01 in days since 1970-01-01, and 2024's seconds. */
enum { DAY0 = 19723, SPAN = 366 * 86400 };

static char *
put_ts(char *o, int64_t sec)
{
	int y;
	unsigned m, d;
	int64_t s = sec % 86400;

	civil_from_days(DAY0 + sec / 86400, &y, &m, &d);
	o = put_digits(o, (uint64_t)y, 4);
	*o++ = '-';
	o = put_digits(o, m, 2);
	*o++ = '-';
	o = put_digits(o, d, 2);
	*o++ = 'T';
	o = put_digits(o, (uint64_t)(s / 3600), 2);
	*o++ = ':';
	o = put_digits(o, (uint64_t)(s / 60 % 60), 2);
	*o++ = ':';
	o = put_digits(o, (uint64_t)(s % 60), 2);
	return put_str(o, "+08:00");
}

/* --- orders -------------------------------------------------------- */

static const char *const channel_of[NTYPE] = {
	"store", "web", "wechat", "tmall", "store"
};

int
main(int argc, char **argv)
{
	uint64_t seed = 1, norders = 10000, npeople_opt = 0, i, nbytes = 0;
	const char *out = NULL, *stats = NULL;
	FILE *o = stdout;
	static char buf[1 << 20];
	size_t used = 0;
	uint8_t *seen;
	int a;

	for (a = 1; a < argc; a += 2) {
		const char *v = a + 1 < argc ? argv[a + 1] : NULL;
		char *end;

		if (strcmp(argv[a], "-o") == 0 && v) {
			out = v;
		} else if (strcmp(argv[a], "--stats") == 0 && v) {
			stats = v;
		} else if ((strcmp(argv[a], "--seed") == 0 ||
		    strcmp(argv[a], "--orders") == 0 ||
		    strcmp(argv[a], "--people") == 0) && v) {
			uint64_t x;

			errno = 0;
			x = strtoull(v, &end, 10);
			if (errno || *end || end == v)
				die("%s: not a number", v);
			if (argv[a][2] == 's')
				seed = x;
			else if (argv[a][2] == 'o')
				norders = x;
			else
				npeople_opt = x;
		} else {
			fprintf(stderr, "usage: oneid_gen [--seed n] "
			    "[--orders n] [--people n] [--stats FILE] "
			    "[-o FILE]\n");
			return 2;
		}
	}
	errno = 0;
	if (npeople_opt == 0)
		npeople_opt = norders * 3 / 25 > 0 ? norders * 3 / 25 : 1;
	if (npeople_opt > 250000000)
		die("%s", "--people: at most 250000000");
	npeople = (uint32_t)npeople_opt;
	make_people(seed);
	seen = calloc((size_t)npeople * MAXOWN, 1);
	uf = malloc((size_t)npeople * MAXOWN * sizeof(*uf));
	if (seen == NULL || uf == NULL)
		die("%s", "out of memory");
	for (i = 0; i < (uint64_t)npeople * MAXOWN; i++)
		uf[i] = (uint32_t)i;
	if (out && (o = fopen(out, "w")) == NULL)
		die("%s: cannot open", out);

	{
		static const char head[] = "order_id,member_id,ts,amount,"
		    "currency,status,channel,identifiers\n";

		memcpy(buf, head, sizeof(head) - 1);
		used = sizeof(head) - 1;
	}
	for (i = 0; i < norders; i++) {
		rng r = rstream(seed, 2, i);
		uint32_t heavy = npeople / 5 ? npeople / 5 : 1;
		uint32_t p = rbelow(&r, 2) ? rbelow(&r, npeople) :
		    rbelow(&r, heavy);
		uint32_t c[MAXOWN + 1], w[3];
		unsigned m = chain(p, c), len, start, first, j;
		uint32_t u = rbelow(&r, 100), cents;
		char *s, *mid;

		if (m == 1)
			len = 1;
		else if (u < 30)
			len = 1;
		else if (u < 90 || m == 2)
			len = 2;
		else
			len = 3;
		start = rbelow(&r, m - len + 1);
		first = rbelow(&r, len);
		w[0] = c[start + first];	/* member_id first, then the rest */
		for (j = 0; j < len; j++)
			if (j != first)
				w[j < first ? j + 1 : j] = c[start + j];
		for (j = 0; j < len; j++) {
			seen[w[j]] = 1;
			if (j)
				unite(w[0], w[j]);
		}

		if (used > sizeof(buf) - 1024) {
			if (fwrite(buf, 1, used, o) != used)
				die("%s: write error", out ? out : "stdout");
			nbytes += used;
			used = 0;
		}
		s = buf + used;
		s = put_str(s, "OD");
		s = put_digits(s, i + 1, 10);
		*s++ = ',';
		mid = s;
		s = put_ident(s, w[0]);
		*s++ = ',';
		s = put_ts(s, (int64_t)(i * (uint64_t)SPAN / norders));
		*s++ = ',';
		/* 9.90 to about 2000.00, most under 300 */
		cents = 990 + rbelow(&r, 20000) * (1 + rbelow(&r, 10)) / 2 * 2;
		s += sprintf(s, "%u.%02u", cents / 100, cents % 100);
		s = put_str(s, ",CNY,");
		u = rbelow(&r, 100);
		s = put_str(s, u < 88 ? "paid" : u < 94 ? "refunded" :
		    u < 98 ? "cancelled" : "pending");
		*s++ = ',';
		s = put_str(s, channel_of[pp[w[0] / MAXOWN].type[w[0] % MAXOWN]]);
		*s++ = ',';
		memmove(s, mid, (size_t)(strchr(mid, ',') - mid));
		s += strchr(mid, ',') - mid;
		for (j = 1; j < len; j++) {
			*s++ = '|';
			s = put_ident(s, w[j]);
		}
		*s++ = '\n';
		used = (size_t)(s - buf);
	}
	if (used && fwrite(buf, 1, used, o) != used)
		die("%s: write error", out ? out : "stdout");
	nbytes += used;
	if (fflush(o) != 0 || ferror(o) || (out && fclose(o) != 0))
		die("%s: write error", out ? out : "stdout");

	if (stats) {
		FILE *f = fopen(stats, "w");
		uint64_t ids = 0, comps = 0, largest = 0;
		uint32_t *size = calloc((size_t)npeople * MAXOWN, sizeof(*size));

		if (f == NULL)
			die("%s: cannot open", stats);
		if (size == NULL)
			die("%s", "out of memory");
		for (i = 0; i < (uint64_t)npeople * MAXOWN; i++) {
			uint32_t root;

			if (!seen[i])
				continue;
			ids++;
			root = find((uint32_t)i);
			if (root == i)
				comps++;
			if (++size[root] > largest)
				largest = size[root];
		}
		fprintf(f, "oneid_orders\t%llu\noneid_people\t%u\n"
		    "oneid_identifiers\t%llu\noneid_components\t%llu\n"
		    "oneid_largest\t%llu\noneid_bytes\t%llu\n",
		    (unsigned long long)norders, npeople,
		    (unsigned long long)ids, (unsigned long long)comps,
		    (unsigned long long)largest, (unsigned long long)nbytes);
		if (fflush(f) != 0 || ferror(f) || fclose(f) != 0)
			die("%s: write error", stats);
		free(size);
	}
	return 0;
}
