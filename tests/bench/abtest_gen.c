/*
 * abtest_gen: the inputs of the bench's abtest workloads (bench/run.sh,
 * mbr-abtest assign and analyze), made from the member records and the
 * orders tests/bench/gen and mbr-rfm --members wrote for the size.
 *
 * usage: abtest_gen [--seed n] --members FILE [--orders FILE]
 *                   [--population n] [--population-out FILE]
 *                   [--experiment KEY] [--start TIME]
 *                   [--assignments FILE]
 *
 * Build: cc -O2 -std=c11 -D_POSIX_C_SOURCE=200809L -Wall -Wextra
 *        -o abtest_gen tests/bench/abtest_gen.c
 *
 * --members FILE: member records with member_id, rfm_segment and tier
 * (bench/data/SIZE/members-rfm.csv, mbr-rfm --members over the
 * profiles: every member of the size, buyers or not).
 *
 * --population-out FILE: the input of assign, --population records
 * (default five times the members: 10M at the large size) of
 * member_id,segment,tier.  Every member of --members is among them, with
 * its rfm_segment (empty for a member without a paid order) and tier;
 * the others are made up, spread evenly between them, with a
 * (segment, tier) pair copied from a member drawn at random (so the
 * strata of --stratify segment,tier keep the members' mix).  Their ids
 * have gen's forms but can never be one of gen's: phones on the 17x
 * prefixes (gen draws 13x, 15x, 18x), e-mails on domains gen never uses
 * (yeah.net, 139.com, hotmail.com, aliyun.com), nicks of eight base-36
 * digits (gen's have at most seven) or with an emoji (a surrogate pair
 * in the UTF-16 the GrowthBook SDK hashes); one in 20011 holds a comma
 * or a double quote, so that the id must be quoted.  Distinct by
 * construction: the number in each is a bijection of the record index.
 *
 * --assignments FILE: the input of analyze, experiment,member_id,
 * variant,assigned_at for every member of --members (in their order):
 * variants control, a and b at 50/25/25 (a draw of the seed and the
 * member's index, not GrowthBook's hash), 1% with an empty variant
 * (outside the test: analyze skips them).  assigned_at is --start
 * (default 2024-11-01T10:00:00+08:00: the bench's orders run from
 * 2022-01-01 to 2024-12-31, so a 30-day window after it and a 28-day
 * pre-period before it both hold orders, 11-11 among them) for 80% of
 * the members, and 10:00 local on one of the six days after it for the
 * others (the test enrolled over a week).  With --orders, besides, a
 * member drawn for an edge (30% of them, a third for each) that has a
 * paid order for it (about 1.5% of the members) is on the edge:
 * assigned_at exactly at the ts of an order near --start (the window's
 * start is inclusive: the order counts), exactly 30 days before an
 * order near --start + 30 days (the end is exclusive: it does not), or
 * exactly 28 days after one near --start - 28 days (the pre-period's
 * start is inclusive).  0.2% of the members assigned have a second row
 * at the end of the file, same variant, two days later or earlier than
 * the first (analyze keeps the earlier; never a member on an edge).
 *
 * Times are written as RFC 3339 with the offset of --start.
 *
 * Deterministic: splitmix64 of (seed, member index, purpose); the same
 * bytes on any machine.  Memory: the members' ids and a hash table of
 * them (about 80 bytes a member); the orders stream.
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

/* A draw below n for (seed, index, tag). */
static uint32_t
draw(uint64_t seed, uint64_t k, uint64_t tag, uint32_t n)
{
	uint64_t x = mix(mix(seed ^ (tag << 48)) ^ (k * 0xd1342543de82ef95ULL));

	return (uint32_t)((x >> 32) * n >> 32);
}

static void
die(const char *fmt, const char *a)
{
	fprintf(stderr, "abtest_gen: ");
	fprintf(stderr, fmt, a);
	fputc('\n', stderr);
	exit(errno == 0 ? 1 : 3);
}

static void *
xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (p == NULL)
		die("%s", "out of memory");
	return p;
}

/* --- CSV ----------------------------------------------------------- */

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
			start = w = s;
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
put_field(FILE *o, const char *s)
{
	if (strpbrk(s, ",\"\r\n") == NULL) {
		fputs(s, o);
		return;
	}
	fputc('"', o);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', o);
		fputc(*s, o);
	}
	fputc('"', o);
}

static ssize_t
getline_trim(char **line, size_t *cap, FILE *f)
{
	ssize_t len = getline(line, cap, f);

	while (len > 0 && ((*line)[len - 1] == '\n' || (*line)[len - 1] == '\r'))
		(*line)[--len] = '\0';
	return len;
}

/* The column of name in a header line (split in place), or -1. */
static int
column(char **fl, size_t n, const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(fl[i], name) == 0)
			return (int)i;
	return -1;
}

/* --- the members --------------------------------------------------- */

typedef struct {
	char *id, *seg, *tier;
	int64_t edge_t;		/* the edge order's ts, or INT64_MIN */
	uint8_t edge;		/* 0 none, 1 start, 2 end, 3 pre-period */
} member;

static member *mem;
static size_t nmem;

static void
read_members(const char *path)
{
	FILE *f = fopen(path, "r");
	char *line = NULL, *fl[64];
	size_t cap = 0, capmem = 0, n;
	int cid, cseg, ctier;
	ssize_t len;

	if (f == NULL)
		die("%s: cannot open", path);
	if (getline_trim(&line, &cap, f) <= 0)
		die("%s: empty", path);
	if (strncmp(line, "\xef\xbb\xbf", 3) == 0)
		memmove(line, line + 3, strlen(line + 3) + 1);
	n = split(line, fl, NELEM(fl));
	if (n > NELEM(fl))
		n = NELEM(fl);
	cid = column(fl, n, "member_id");
	cseg = column(fl, n, "rfm_segment");
	if (cseg < 0)
		cseg = column(fl, n, "segment");
	ctier = column(fl, n, "tier");
	if (cid < 0)
		die("%s: no member_id column", path);
	while ((len = getline_trim(&line, &cap, f)) >= 0) {
		const char *v[3];
		int c[3] = { cid, cseg, ctier }, j;

		if (len == 0)
			continue;
		n = split(line, fl, NELEM(fl));
		for (j = 0; j < 3; j++)
			v[j] = c[j] >= 0 && (size_t)c[j] < n ? fl[c[j]] : "";
		if (v[0][0] == '\0')
			continue;
		if (nmem == capmem) {
			capmem = capmem ? capmem * 2 : 4096;
			mem = realloc(mem, capmem * sizeof(*mem));
			if (mem == NULL)
				die("%s", "out of memory");
		}
		mem[nmem].id = strdup(v[0]);
		mem[nmem].seg = strdup(v[1]);
		mem[nmem].tier = strdup(v[2]);
		if (!mem[nmem].id || !mem[nmem].seg || !mem[nmem].tier)
			die("%s", "out of memory");
		mem[nmem].edge = 0;
		mem[nmem].edge_t = INT64_MIN;
		nmem++;
	}
	if (ferror(f))
		die("%s: read error", path);
	fclose(f);
	free(line);
	if (nmem == 0)
		die("%s: no members", path);
}

/* member_id -> index, open addressing */
static uint32_t *tab;
static size_t tabmask;

static uint64_t
strhash(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3ULL;
	return mix(h);
}

static void
build_table(void)
{
	size_t size = 1024, k, i;

	while (size < nmem * 2)
		size *= 2;
	tab = xmalloc(size * sizeof(*tab));
	memset(tab, 0xff, size * sizeof(*tab));
	tabmask = size - 1;
	for (k = 0; k < nmem; k++) {
		for (i = strhash(mem[k].id) & tabmask; tab[i] != UINT32_MAX;
		    i = (i + 1) & tabmask)
			if (strcmp(mem[tab[i]].id, mem[k].id) == 0)
				die("member %s twice in --members", mem[k].id);
		tab[i] = (uint32_t)k;
	}
}

static long
lookup(const char *id)
{
	size_t i;

	for (i = strhash(id) & tabmask; tab[i] != UINT32_MAX;
	    i = (i + 1) & tabmask)
		if (strcmp(mem[tab[i]].id, id) == 0)
			return (long)tab[i];
	return -1;
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

/* RFC 3339 with offset (or Z) to epoch seconds; INT64_MIN when not. */
static int64_t
parse_time(const char *s, int *off)
{
	int y, mo, d, h, mi, se, oh, om, n = 0, o;
	char sign;

	if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &se,
	    &n) != 6 || n != 19)
		return INT64_MIN;
	if (s[n] == 'Z' && s[n + 1] == '\0')
		o = 0;
	else if (sscanf(s + n, "%c%2d:%2d", &sign, &oh, &om) == 3 &&
	    (sign == '+' || sign == '-') && strlen(s + n) == 6)
		o = (oh * 3600 + om * 60) * (sign == '-' ? -1 : 1);
	else
		return INT64_MIN;
	if (off != NULL)
		*off = o;
	return days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 +
	    h * 3600 + mi * 60 + se - o;
}

static int offset;		/* of --start, seconds east of UTC */

static void
put_time(FILE *o, int64_t t)
{
	int64_t l = t + offset, day = l >= 0 ? l / 86400 : (l - 86399) / 86400;
	int64_t sec = l - day * 86400;
	int y, a = abs(offset);
	unsigned m, d;

	civil_from_days(day, &y, &m, &d);
	fprintf(o, "%04d-%02u-%02uT%02d:%02d:%02d", y, m, d,
	    (int)(sec / 3600), (int)(sec / 60 % 60), (int)(sec % 60));
	if (offset == 0)
		fputc('Z', o);
	else
		fprintf(o, "%c%02d:%02d", offset < 0 ? '-' : '+', a / 3600,
		    a % 3600 / 60);
}

/* --- the edges, from the orders ------------------------------------ */

#define DAY	86400
#define WINDOW	(30 * DAY)
#define PRE	(28 * DAY)

static void
read_orders(const char *path, uint64_t seed, int64_t start)
{
	FILE *f = fopen(path, "r");
	char *line = NULL, *fl[32];
	size_t cap = 0, n, k, edges = 0, found = 0;
	int cid, cts, cst;
	ssize_t len;

	if (f == NULL)
		die("%s: cannot open", path);
	for (k = 0; k < nmem; k++) {
		uint32_t x = draw(seed, k, 0xed9e, 100);
		if (x < 30) {
			mem[k].edge = (uint8_t)(x % 3 + 1);
			edges++;
		}
	}
	if (getline_trim(&line, &cap, f) <= 0)
		die("%s: empty", path);
	n = split(line, fl, NELEM(fl));
	if (n > NELEM(fl))
		n = NELEM(fl);
	cid = column(fl, n, "member_id");
	cts = column(fl, n, "ts");
	cst = column(fl, n, "status");
	if (cid < 0 || cts < 0 || cst < 0)
		die("%s: want member_id, ts and status columns", path);
	while ((len = getline_trim(&line, &cap, f)) >= 0) {
		int64_t t, lo, hi;
		long m;

		if (len == 0)
			continue;
		n = split(line, fl, NELEM(fl));
		if ((size_t)cid >= n || (size_t)cts >= n || (size_t)cst >= n ||
		    strcmp(fl[cst], "paid") != 0)
			continue;
		if ((m = lookup(fl[cid])) < 0 || mem[m].edge == 0 ||
		    mem[m].edge_t != INT64_MIN)
			continue;
		if ((t = parse_time(fl[cts], NULL)) == INT64_MIN)
			continue;
		switch (mem[m].edge) {
		case 1:	lo = start - 3 * DAY; hi = start + 3 * DAY; break;
		case 2:	lo = start + WINDOW - 3 * DAY; hi = start + WINDOW + 3 * DAY; break;
		default: lo = start - PRE - 3 * DAY; hi = start - PRE + 3 * DAY; break;
		}
		if (t >= lo && t < hi) {
			mem[m].edge_t = t;
			found++;
		}
	}
	if (ferror(f))
		die("%s: read error", path);
	fclose(f);
	free(line);
	fprintf(stderr, "abtest_gen: %zu of %zu members drawn for an edge "
	    "have an order for it\n", found, edges);
}

/* --- assignments --------------------------------------------------- */

static const char *const vname[] = { "control", "a", "b" };

static void
write_assignments(const char *path, uint64_t seed, const char *exp,
    int64_t start)
{
	FILE *o = fopen(path, "w");
	size_t k, pass;

	if (o == NULL)
		die("%s: cannot open", path);
	fputs("experiment,member_id,variant,assigned_at\n", o);
	for (pass = 0; pass < 2; pass++)
		for (k = 0; k < nmem; k++) {
			const member *p = &mem[k];
			uint32_t x = draw(seed, k, 0xa551, 400);
			uint32_t wave = draw(seed, k, 0x3a7e, 10);
			const char *v = x < 4 ? "" : x < 202 ? vname[0] :
			    x < 301 ? vname[1] : vname[2];
			int64_t t = start;

			if (wave >= 8)	/* 20%: one of the next six days */
				t += (int64_t)(1 + draw(seed, k, 0xda75, 6)) * DAY;
			if (p->edge_t != INT64_MIN)
				t = p->edge == 1 ? p->edge_t :
				    p->edge == 2 ? p->edge_t - WINDOW :
				    p->edge_t + PRE;
			if (pass == 1) {
				uint32_t r = draw(seed, k, 0x4e9e, 1000);
				if (r >= 2 || *v == '\0' ||
				    p->edge_t != INT64_MIN)
					continue;
				t += r == 0 ? 2 * DAY : -2 * DAY;
			}
			put_field(o, exp);
			fputc(',', o);
			put_field(o, p->id);
			fputc(',', o);
			fputs(v, o);
			fputc(',', o);
			put_time(o, t);
			fputc('\n', o);
		}
	if (fclose(o) != 0)
		die("%s: write error", path);
}

/* --- the population for assign ------------------------------------- */

static const char *const email_dom[] = {
	"yeah.net", "139.com", "hotmail.com", "aliyun.com"
};
static const char *const stems[] = {
	"小鱼儿", "橘子汽水", "清风徐来", "糖果屋", "夏天的风", "小确幸",
	"木子李", "云朵", "lucky猫", "阿狸", "芒果布丁", "樱桃小丸子",
};
static const char *const emoji[] = {
	"🍓", "🌸", "😀", "🐱", "✨", "🍑",
};
static const char b36d[] = "0123456789abcdefghijklmnopqrstuvwxyz";

/* The made-up member j's id (j counts them from 0), in buf. */
static void
made_up_id(char *buf, size_t size, uint64_t seed, uint64_t j)
{
	uint32_t kind = draw(seed, j, 0x1d, 100);
	/* a bijection of j on [0, 1e9): 1e9 and the multiplier are
	 * coprime */
	uint64_t num = (j * 387420489ULL + 123456789ULL) % 1000000000ULL;

	if (j % 20011 == 20010) {
		/* must be quoted */
		snprintf(buf, size, j % 2 ? "nick:tmall:%s,%llu" :
		    "nick:tmall:\"%s\"%llu", stems[j % NELEM(stems)],
		    (unsigned long long)num);
	} else if (kind < 78) {
		snprintf(buf, size, "phone:+8617%09llu",
		    (unsigned long long)num);
	} else if (kind < 92) {
		snprintf(buf, size, "email:%llu@%s",
		    (unsigned long long)(num + 10000),
		    email_dom[draw(seed, j, 0xd0, NELEM(email_dom))]);
	} else {
		/* eight base-36 digits: 36^7 + num */
		uint64_t v = 78364164096ULL + num;
		char d[9];
		int i;

		for (i = 7; i >= 0; i--) {
			d[i] = b36d[v % 36];
			v /= 36;
		}
		d[8] = '\0';
		if (draw(seed, j, 0xe0, 1000) == 0)
			snprintf(buf, size, "nick:tmall:%s%s_%s",
			    stems[draw(seed, j, 0x57, NELEM(stems))],
			    emoji[draw(seed, j, 0xe1, NELEM(emoji))], d);
		else if (draw(seed, j, 0x5a, 2) == 0)
			snprintf(buf, size, "nick:tmall:tb%s", d);
		else
			snprintf(buf, size, "nick:tmall:%s_%s",
			    stems[draw(seed, j, 0x57, NELEM(stems))], d);
	}
}

static void
write_population(const char *path, uint64_t seed, uint64_t total)
{
	FILE *o = fopen(path, "w");
	uint64_t i, real = 0, fake = 0;
	char buf[128];
	static char obuf[1 << 20];

	if (o == NULL)
		die("%s: cannot open", path);
	setvbuf(o, obuf, _IOFBF, sizeof(obuf));
	if (total < nmem)
		total = nmem;
	fputs("member_id,segment,tier\n", o);
	for (i = 0; i < total; i++) {
		const member *p;

		/* record i is a member of --members when the floor of
		 * (i + 1) * nmem / total steps there */
		if ((i + 1) * nmem / total > i * nmem / total) {
			p = &mem[real++];
			put_field(o, p->id);
		} else {
			uint64_t r = draw(seed, fake, 0x9e9, 0xffffffffU);
			p = &mem[r * nmem >> 32];
			made_up_id(buf, sizeof(buf), seed, fake++);
			put_field(o, buf);
		}
		fputc(',', o);
		put_field(o, p->seg);
		fputc(',', o);
		put_field(o, p->tier);
		fputc('\n', o);
	}
	if (fclose(o) != 0)
		die("%s: write error", path);
}

int
main(int argc, char **argv)
{
	const char *members = NULL, *orders = NULL, *pop = NULL, *asg = NULL;
	const char *exp = "bench-2025", *st = "2024-11-01T10:00:00+08:00";
	uint64_t seed = 1;
	long long total = -1;
	int64_t start;
	int a;

	for (a = 1; a < argc; a++) {
		const char *o = argv[a];
		if (a + 1 >= argc)
			die("%s: wants a value", o);
		if (strcmp(o, "--seed") == 0)
			seed = strtoull(argv[++a], NULL, 10);
		else if (strcmp(o, "--members") == 0)
			members = argv[++a];
		else if (strcmp(o, "--orders") == 0)
			orders = argv[++a];
		else if (strcmp(o, "--population") == 0)
			total = strtoll(argv[++a], NULL, 10);
		else if (strcmp(o, "--population-out") == 0)
			pop = argv[++a];
		else if (strcmp(o, "--experiment") == 0)
			exp = argv[++a];
		else if (strcmp(o, "--start") == 0)
			st = argv[++a];
		else if (strcmp(o, "--assignments") == 0)
			asg = argv[++a];
		else
			die("unknown option %s", o);
	}
	if (members == NULL || (pop == NULL && asg == NULL)) {
		fputs("usage: abtest_gen [--seed n] --members FILE [--orders FILE] "
		    "[--population n] [--population-out FILE] [--experiment KEY] "
		    "[--start TIME] [--assignments FILE]\n", stderr);
		return 2;
	}
	errno = 0;
	if ((start = parse_time(st, &offset)) == INT64_MIN)
		die("--start %s: want YYYY-MM-DDTHH:MM:SS+HH:MM", st);
	read_members(members);
	if (asg != NULL) {
		if (orders != NULL) {
			build_table();
			read_orders(orders, seed, start);
		}
		write_assignments(asg, seed, exp, start);
	}
	if (pop != NULL)
		write_population(pop, seed, total < 0 ? (uint64_t)nmem * 5 :
		    (uint64_t)total);
	return 0;
}
