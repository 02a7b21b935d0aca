/*
 * campaign_gen: the send history and the suppression list of the bench's
 * campaign workload (bench/run.sh, bench/campaign.json), made from the
 * member profiles tests/bench/gen writes.
 *
 * usage: campaign_gen [--seed n] --profiles FILE --as-of TIME
 *                     [--history-rows n] --history FILE --suppress FILE
 *
 * Build: cc -O2 -std=c11 -D_POSIX_C_SOURCE=200809L -Wall -Wextra
 *        -o campaign_gen tests/bench/campaign_gen.c
 *
 * The orders and profiles of gen stay as they are: this writes two files
 * beside them.
 *
 * --history FILE: earlier send lists, in the send list's columns
 * (campaign_id, member_id, channel, address, send_at, message,
 * sms_parts, coupon_code, variant; man/mbr-campaign.1), --history-rows
 * rows (default 2.5 a member; at least the edge rows below), in send_at
 * order.  Sends go out on the 60 days before --as-of at 10:00 or 19:30
 * local time plus up to an hour (a night's batch takes a while), the
 * more the nearer --as-of (the day is the nearer of two uniform draws),
 * from seven campaigns, winback-60 among them; 0.5% are scheduled up to
 * two days after --as-of.  A fifth of the members (the "heavy" ones) get
 * 70% of the messages, so that the frequency cap bites.  Besides, 4% of
 * the members have a row exactly on the edge the bench's cap (7 days)
 * or cooldown (30 days) draws, or one second inside it (with a second
 * row three days before --as-of for the cap), so that an edge counted
 * wrongly changes the send list.
 * The channel is one the member has an address on (sms, email, wechat);
 * the message names the member; sms_parts is filled for sms rows.
 *
 * --suppress FILE: about 1% of the members, by member_id (30%), phone
 * (40%: E.164, 11 national digits, or "+86 138 0013 8000") or e-mail
 * (30%: a third of them in upper case with blanks around), as opt-out
 * lists are written; a member with neither is listed by member_id.
 * Members whose id is phone:... or email:... are sometimes listed by it
 * (both a member_id and an address).  Besides: a comment, blank lines,
 * and 0.2% of the members' number of values that match nobody (phones
 * on prefixes gen never uses, unknown addresses and ids).
 *
 * Deterministic: splitmix64 streams keyed by (seed, member index, row),
 * the same bytes on any machine.  Memory: the profiles' ids, names and
 * addresses, and 16 bytes a history row.
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
	fprintf(stderr, "campaign_gen: ");
	fprintf(stderr, fmt, a);
	fputc('\n', stderr);
	exit(errno == 0 ? 1 : 3);
}

/* --- the profiles -------------------------------------------------- */

enum { F_ID, F_NAME, F_PHONE, F_EMAIL, F_OPENID, NF };
static const char *const want[NF] = {
	"member_id", "name", "phone", "email", "wechat_openid"
};

typedef struct {
	char *f[NF];
} member;

static member *mem;
static size_t nmem, capmem;

/* Splits a CSV line (RFC 4180, no newline inside quotes) in place;
 * returns the number of fields. */
static size_t
split(char *s, char **out, size_t max)
{
	size_t n = 0;

	for (;;) {
		char *w = s, *start = s;

		if (*s == '"') {
			s++;
			for (;;) {
				if (*s == '\0')
					break;
				if (*s == '"') {
					if (s[1] == '"') {
						*w++ = '"';
						s += 2;
						continue;
					}
					s++;
					break;
				}
				*w++ = *s++;
			}
			while (*s != ',' && *s != '\0')
				s++;
		} else {
			while (*s != ',' && *s != '\0')
				*w++ = *s++;
		}
		if (n < max)
			out[n] = start;
		n++;
		if (*s == '\0') {
			*w = '\0';
			return n;
		}
		*w = '\0';
		s++;
	}
}

static void
read_profiles(const char *path)
{
	FILE *f = fopen(path, "r");
	char *line = NULL, *fl[64];
	size_t cap = 0, n, i, j;
	int col[NF];
	ssize_t len;

	if (f == NULL)
		die("%s: cannot open", path);
	if ((len = getline(&line, &cap, f)) <= 0)
		die("%s: empty", path);
	while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
		line[--len] = '\0';
	n = split(line, fl, NELEM(fl));
	for (j = 0; j < NF; j++) {
		col[j] = -1;
		for (i = 0; i < n && i < NELEM(fl); i++)
			if (strcmp(fl[i], want[j]) == 0)
				col[j] = (int)i;
		if (col[j] < 0 && j != F_OPENID)
			die("profiles have no field %s", want[j]);
	}
	while ((len = getline(&line, &cap, f)) > 0) {
		while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			line[--len] = '\0';
		if (len == 0)
			continue;
		n = split(line, fl, NELEM(fl));
		if (nmem == capmem) {
			capmem = capmem ? capmem * 2 : 1024;
			mem = realloc(mem, capmem * sizeof(*mem));
			if (mem == NULL)
				die("%s", "out of memory");
		}
		for (j = 0; j < NF; j++) {
			const char *v = col[j] >= 0 && (size_t)col[j] < n ?
			    fl[col[j]] : "";
			mem[nmem].f[j] = strdup(v);
			if (mem[nmem].f[j] == NULL)
				die("%s", "out of memory");
		}
		nmem++;
	}
	if (ferror(f))
		die("%s: read error", path);
	fclose(f);
	free(line);
	if (nmem == 0)
		die("%s: no members", path);
}

/* --- time ---------------------------------------------------------- */

static int64_t
days_from_civil(int64_t y, unsigned m, unsigned d)
{
	y -= m <= 2;
	const int64_t era = (y >= 0 ? y : y - 399) / 400;
	const unsigned yoe = (unsigned)(y - era * 400);
	const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

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

static int64_t asof;		/* epoch seconds */
static int offset;		/* seconds east of UTC, as --as-of gives it */
static char offs[16];

static void
parse_asof(const char *s)
{
	int y, mo, d, h, mi, se, oh, om, n = 0;
	char sign;

	if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &se,
	    &n) != 6)
		die("--as-of %s: want YYYY-MM-DDTHH:MM:SS+HH:MM", s);
	if (s[n] == 'Z' && s[n + 1] == '\0') {
		offset = 0;
	} else if (sscanf(s + n, "%c%2d:%2d", &sign, &oh, &om) == 3 &&
	    (sign == '+' || sign == '-')) {
		offset = (oh * 3600 + om * 60) * (sign == '-' ? -1 : 1);
	} else
		die("--as-of %s: want an offset", s);
	asof = days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 +
	    h * 3600 + mi * 60 + se - offset;
	snprintf(offs, sizeof(offs), "%c%02d:%02d", offset < 0 ? '-' : '+',
	    abs(offset) / 3600, abs(offset) % 3600 / 60);
}

static void
put_time(FILE *o, int64_t t)
{
	int64_t l = t + offset, day = l >= 0 ? l / 86400 : (l - 86399) / 86400;
	int64_t sec = l - day * 86400;
	int y;
	unsigned m, d;

	civil_from_days(day, &y, &m, &d);
	fprintf(o, "%04d-%02u-%02uT%02d:%02d:%02d%s", y, m, d,
	    (int)(sec / 3600), (int)(sec / 60 % 60), (int)(sec % 60), offs);
}

/* --- history ------------------------------------------------------- */

static const struct {
	const char *id, *text;	/* text: %s is the name */
	unsigned w, coupon;
} camps[] = {
	{ "member-day", "%s，会员日全场8折，今日有效，点击领取专属权益", 25, 1 },
	{ "new-arrivals", "%s，春季新品已上架，会员抢先购，回复TD退订", 20, 0 },
	{ "double12", "%s，双12会员专享价提前看，最高立减200元", 17, 1 },
	{ "winback-60", "%s，好久不见，送您一张20元无门槛券，回来看看吧", 9, 1 },
	{ "birthday", "%s，生日快乐！您的生日礼券已到账，本月内有效", 6, 1 },
	{ "tier-up", "%s，恭喜升级！新等级权益已生效，快来看看吧", 8, 0 },
	{ "browse-reminder", "%s，您看过的商品降价了，库存不多，速来", 15, 0 },
};

typedef struct {
	int64_t t;
	uint32_t m;
	uint8_t c, ch;
} hrow;

static int
by_time(const void *a, const void *b)
{
	const hrow *x = a, *y = b;

	if (x->t != y->t)
		return x->t < y->t ? -1 : 1;
	if (x->m != y->m)
		return x->m < y->m ? -1 : 1;
	return (int)x->c - (int)y->c;
}

/* UTF-16 code units of a UTF-8 string. */
static size_t
units(const char *s)
{
	size_t n = 0;

	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if ((c & 0xc0) != 0x80)
			n += c >= 0xf0 ? 2 : 1;
	}
	return n;
}

/* m, or the next member after it with an address: only those are in
 * a history. */
static uint32_t
reachable(uint32_t m)
{
	size_t k;

	for (k = 0; k < nmem; k++, m = (uint32_t)((m + 1) % nmem))
		if (mem[m].f[F_PHONE][0] || mem[m].f[F_EMAIL][0] ||
		    mem[m].f[F_OPENID][0])
			return m;
	die("%s", "no member has an address");
	return 0;
}

static const char *const chname[] = { "sms", "email", "wechat" };

static void
write_history(const char *path, uint64_t seed, size_t rows)
{
	FILE *o = fopen(path, "w");
	hrow *h = malloc((rows + nmem / 8 + 16) * sizeof(*h));
	uint32_t *heavy = malloc(nmem * sizeof(*heavy)), nheavy = 0;
	unsigned wsum = 0, i;
	size_t k, nh = 0, nedge;
	char msg[512];

	if (o == NULL)
		die("%s: cannot open", path);
	if (h == NULL || heavy == NULL)
		die("%s", "out of memory");
	for (k = 0; k < nmem; k++)
		if (mix(seed ^ 0x4ea7ULL ^ (k << 8)) % 5 == 0)
			heavy[nheavy++] = (uint32_t)k;
	if (nheavy == 0)
		heavy[nheavy++] = 0;
	for (i = 0; i < NELEM(camps); i++)
		wsum += camps[i].w;
	/* The edges of the bench's cap (7 days) and cooldown (30 days): 4%
	 * of the members get a row exactly on one or one second inside it,
	 * with one three days ago beside it for the cap, so that counting
	 * the edge in or out decides whether they are capped. */
	for (k = 0; k < nmem; k++) {
		uint64_t x = mix(seed ^ 0xed9eULL ^ ((uint64_t)k << 12)) % 100;
		uint32_t m = (uint32_t)k;
		const member *p = &mem[k];
		uint8_t ch;

		if (x >= 4 || !(p->f[F_PHONE][0] || p->f[F_EMAIL][0] ||
		    p->f[F_OPENID][0]))
			continue;
		ch = p->f[F_PHONE][0] ? 0 : p->f[F_EMAIL][0] ? 1 : 2;
		h[nh] = (hrow){ asof - (x == 0 ? 7 * 86400 : x == 1 ?
		    7 * 86400 - 1 : x == 2 ? 30 * 86400 : 30 * 86400 - 1),
		    m, x < 2 ? 0 : 3, ch };
		nh++;
		if (x < 2) {
			h[nh] = (hrow){ asof - 3 * 86400 + 9 * 3600, m, 1, ch };
			nh++;
		}
	}
	nedge = nh;
	for (k = 0; k + nedge < rows; k++) {
		rng r = { seed * 0x100000001b3ULL ^ (k * 0x9e37ULL) ^ 0x415ULL };
		uint32_t m, x;
		const member *p;
		int has[3], n;

		rnext(&r);
		m = rbelow(&r, 100) < 70 ? heavy[rbelow(&r, nheavy)] :
		    rbelow(&r, (uint32_t)nmem);
		m = reachable(m);
		x = rbelow(&r, wsum);
		for (i = 0; i < NELEM(camps) - 1 && x >= camps[i].w; i++)
			x -= camps[i].w;
		h[nh].m = m;
		h[nh].c = (uint8_t)i;
		if (rbelow(&r, 1000) < 5) {
			/* scheduled: up to two days after --as-of */
			h[nh].t = asof + 60 + rbelow(&r, 2 * 86400 - 60);
		} else {
			/* a night's batch: day 1..60 before, 10:00 or 19:30
			 * local, plus up to an hour */
			int64_t lday = (asof + offset) / 86400;
			/* denser towards --as-of: the smaller of two
			 * uniform days */
			uint32_t a1 = rbelow(&r, 60), a2 = rbelow(&r, 60);
			int64_t dd = lday - 1 - (a1 < a2 ? a1 : a2);
			int64_t at = rbelow(&r, 2) ? 10 * 3600 : 19 * 3600 + 1800;
			h[nh].t = dd * 86400 + at + rbelow(&r, 3600) - offset;
		}
		p = &mem[m];
		has[0] = p->f[F_PHONE][0] != '\0';
		has[1] = p->f[F_EMAIL][0] != '\0';
		has[2] = p->f[F_OPENID][0] != '\0';
		n = has[0] + has[1] + has[2];
		{
			int pick = (int)rbelow(&r, (uint32_t)n);
			for (i = 0; i < 3; i++)
				if (has[i] && pick-- == 0)
					break;
			h[nh].ch = (uint8_t)i;
		}
		nh++;
	}
	qsort(h, nh, sizeof(*h), by_time);
	fputs("campaign_id,member_id,channel,address,send_at,message,"
	    "sms_parts,coupon_code,variant\n", o);
	for (k = 0; k < nh; k++) {
		const member *p = &mem[h[k].m];
		const char *name = p->f[F_NAME][0] ? p->f[F_NAME] : "亲爱的会员";
		const char *addr = p->f[h[k].ch == 0 ? F_PHONE :
		    h[k].ch == 1 ? F_EMAIL : F_OPENID];

		snprintf(msg, sizeof(msg), camps[h[k].c].text, name);
		fprintf(o, "%s,%s,%s,%s,", camps[h[k].c].id, p->f[F_ID],
		    chname[h[k].ch], addr);
		put_time(o, h[k].t);
		fprintf(o, ",%s,", msg);
		if (h[k].ch == 0) {
			size_t u = units(msg);
			fprintf(o, "%zu", u <= 70 ? (size_t)1 : (u + 66) / 67);
		}
		fputc(',', o);
		if (camps[h[k].c].coupon) {
			uint64_t c = mix(seed ^ ((uint64_t)k << 20) ^ 0xc0ULL);
			fprintf(o, "C%010llu", (unsigned long long)(c % 10000000000ULL));
		}
		fputs(",\n", o);
	}
	if (fclose(o) != 0)
		die("%s: write error", path);
	free(h);
	free(heavy);
}

/* --- suppression --------------------------------------------------- */

static void
put_phone_form(FILE *o, const char *e164, unsigned form)
{
	/* e164 is "+86" and 11 digits */
	const char *nat = e164 + 3;

	switch (form) {
	case 0:
		fprintf(o, "%s\n", e164);
		break;
	case 1:
		fprintf(o, "%s\n", nat);
		break;
	default:
		fprintf(o, "+86 %.3s %.4s %.4s\n", nat, nat + 3, nat + 7);
		break;
	}
}

static void
write_suppress(const char *path, uint64_t seed)
{
	FILE *o = fopen(path, "w");
	size_t k, noise;

	if (o == NULL)
		die("%s: cannot open", path);
	fputs("# opt-outs, complaints and staff, one a line\n", o);
	for (k = 0; k < nmem; k++) {
		rng r = { seed ^ 0x5a99ULL ^ ((uint64_t)k << 24) };
		const member *p = &mem[k];
		int hp = p->f[F_PHONE][0] == '+' && strlen(p->f[F_PHONE]) == 14;
		int he = p->f[F_EMAIL][0] != '\0';
		uint32_t x;

		rnext(&r);
		if (rbelow(&r, 100) != 0)
			continue;
		x = rbelow(&r, 100);
		if (k % 97 == 0)
			fputc('\n', o);	/* a blank line now and then */
		if (x < 40 && hp) {
			put_phone_form(o, p->f[F_PHONE], rbelow(&r, 3));
		} else if (x >= 40 && x < 70 && he) {
			if (rbelow(&r, 3) == 0) {
				const char *s;
				fputs("  ", o);
				for (s = p->f[F_EMAIL]; *s; s++)
					fputc(*s >= 'a' && *s <= 'z' ?
					    *s - 'a' + 'A' : *s, o);
				fputs(" \n", o);
			} else
				fprintf(o, "%s\n", p->f[F_EMAIL]);
		} else {
			fprintf(o, "%s\n", p->f[F_ID]);
		}
	}
	/* values that match nobody: gen's phones begin 13x, 15x, 18x */
	noise = nmem / 500 + 3;
	for (k = 0; k < noise; k++) {
		uint64_t x = mix(seed ^ 0x0dd5ULL ^ (k << 16));
		switch (k % 3) {
		case 0:
			fprintf(o, "+86177%08llu\n",
			    (unsigned long long)(x % 100000000ULL));
			break;
		case 1:
			fprintf(o, "nobody_%llu@example.com\n",
			    (unsigned long long)(x % 1000000000ULL));
			break;
		default:
			fprintf(o, "nick:jd:ghost%llu\n",
			    (unsigned long long)(x % 1000000000ULL));
			break;
		}
	}
	if (fclose(o) != 0)
		die("%s: write error", path);
}

int
main(int argc, char **argv)
{
	const char *profiles = NULL, *hist = NULL, *sup = NULL, *as = NULL;
	uint64_t seed = 1;
	long long rows = -1;
	int a;

	for (a = 1; a < argc; a++) {
		const char *o = argv[a];
		if (a + 1 >= argc)
			die("%s: wants a value", o);
		if (strcmp(o, "--seed") == 0)
			seed = strtoull(argv[++a], NULL, 10);
		else if (strcmp(o, "--profiles") == 0)
			profiles = argv[++a];
		else if (strcmp(o, "--as-of") == 0)
			as = argv[++a];
		else if (strcmp(o, "--history-rows") == 0)
			rows = strtoll(argv[++a], NULL, 10);
		else if (strcmp(o, "--history") == 0)
			hist = argv[++a];
		else if (strcmp(o, "--suppress") == 0)
			sup = argv[++a];
		else
			die("unknown option %s", o);
	}
	if (profiles == NULL || hist == NULL || sup == NULL || as == NULL) {
		fputs("usage: campaign_gen [--seed n] --profiles FILE --as-of TIME "
		    "[--history-rows n] --history FILE --suppress FILE\n", stderr);
		return 2;
	}
	errno = 0;
	parse_asof(as);
	read_profiles(profiles);
	if (rows < 0)
		rows = (long long)(nmem * 5 / 2);
	write_history(hist, seed, (size_t)rows);
	write_suppress(sup, seed);
	return 0;
}
