/* mbr_time.c: see mbr_time.h.
 *
 * Named zones go through the C library (localtime_r), which costs a
 * microsecond or so a call; every program asks once per row, so each
 * zone keeps a cache of answers per UTC day.  mktime(3) is not used:
 * glibc's mktime with tm_isdst = -1 answers a time in a DST fold from
 * a guess left by its previous call, so the same row could come out
 * two ways depending on the rows before it; DESIGN.md wants the same
 * bytes on every run.  Wall-clock times are resolved here from
 * localtime_r's offsets instead, which depend on the instant alone. */
#include <stdio.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mbr.h"
#include "mbr_time.h"

/* Every offset change in the tz database (tzdata 2025b, all zones, by
 * reading the TZif files) comes at least 344400 s (Africa/Freetown,
 * 1939) after the one before it; regular DST is months apart.  So a
 * UTC day holds at most one change, and a window of 3 days around an
 * instant at most one too.  The cache and the wall-clock resolution
 * rest on that: a day with equal offsets at both ends has the one
 * offset throughout; a day with two gets the instant of the change by
 * bisection, once.  DST changes usually fall on the hour, but not all
 * (America/St_Johns changes at 05:30 UTC, Australia/Lord_Howe by half
 * an hour), so nothing here assumes hours. */
#define DAY		86400
#define WINDOW		(3 * DAY / 2)	/* > any offset, < half a change gap */
#define CACHE_DAYS	4096		/* 11 years; a power of two */
/* Instants are clamped to about 142 million years either side, where
 * the arithmetic below cannot overflow; the C library has no answer
 * beyond them anyway (tm_year is an int). */
#define T_LIMIT		((int64_t)1 << 52)

struct day_ent {
	uint64_t id;		/* the zone's (mbr_tz.id); 0: empty */
	int64_t	day;		/* UTC day number */
	int64_t	change;		/* first instant at offset after */
	int32_t	before;		/* offset before change */
	int32_t	after;		/* offset from change on */
};

struct mbr_tz {
	int		 fixed;	/* 1: off is the whole answer */
	int32_t		 off;	/* the fixed offset */
	const char	*env;	/* TZ value the C library needs; NULL: unset */
	char		*name;	/* owned copy of the zone name, or NULL */
	uint64_t	 id;	/* names its days in the cache; unique, > 0 */
	int		 dorder;	/* MBR_DATE_*: slash dates */
};

/* The C library holds one zone at a time (TZ); the zone it holds now,
 * so that two named zones in one process each get their own answers,
 * switching only on a cache miss. */
static const mbr_tz *tz_active;
/* Held while the C library's zone is asked: it is the process's, and
 * records are parsed on two threads. */
static pthread_mutex_t tz_mu = PTHREAD_MUTEX_INITIALIZER;
static uint64_t tz_ids;
/* Each thread has its own cache of days, so that a hit takes no lock;
 * entries name their zone, so that a program asking in the zones of
 * its members (mbr-campaign), one after another, keeps each zone's
 * days rather than emptying the cache at every change of zone. */
static __thread struct day_ent tc[CACHE_DAYS];
/* TZ as the process started, for zones that follow the environment:
 * saved before the first setenv. */
static int tz_saved;
static char *tz_orig;


/* ASCII only: the C library's strcasecmp follows the locale. */
static int
eqfold(const char *a, const char *b)
{
	for (; *a != '\0' && *b != '\0'; a++, b++)
		if ((*a | 0x20) != (*b | 0x20))
			return 0;
	return *a == *b;
}

static int64_t
floordiv(int64_t a, int64_t b)
{
	int64_t q = a / b;

	return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

static int64_t
clamp_t(int64_t t)
{
	if (t < -T_LIMIT)
		return -T_LIMIT;
	if (t > T_LIMIT)
		return T_LIMIT;
	return t;
}

/* Reads "+HH:MM", "+HHMM", "+HH" (or '-') spanning all of [p, e), and
 * "+HH:MM:SS" or "+HHMMSS", the local mean time of old dates that
 * mbr_time_fmt writes; returns 0 if it is not one.  Hours up to 23, as
 * RFC 3339 allows. */
static int
parse_off(const unsigned char *p, const unsigned char *e, int32_t *off)
{
	size_t n = (size_t)(e - p);
	int sign, h, m = 0, sec = 0, colon;

	if (n < 3 || (p[0] != '+' && p[0] != '-'))
		return 0;
	sign = p[0] == '-' ? -1 : 1;
	if (!mbr_isdigit(p[1]) || !mbr_isdigit(p[2]))
		return 0;
	h = (p[1] - '0') * 10 + (p[2] - '0');
	p += 3;
	colon = p < e && *p == ':';
	if (colon ? n != 6 && n != 9 : n != 3 && n != 5 && n != 7)
		return 0;
	if (p < e) {
		p += colon;
		if (!mbr_isdigit(p[0]) || !mbr_isdigit(p[1]))
			return 0;
		m = (p[0] - '0') * 10 + (p[1] - '0');
		p += 2;
	}
	if (p < e) {
		if (colon && *p++ != ':')
			return 0;
		if (!mbr_isdigit(p[0]) || !mbr_isdigit(p[1]))
			return 0;
		sec = (p[0] - '0') * 10 + (p[1] - '0');
	}
	if (h > 23 || m > 59 || sec > 59)
		return 0;
	*off = sign * (h * 3600 + m * 60 + sec);
	return 1;
}

/* The fixed zones: "UTC", "GMT", "Z" (any case) and offsets.  "UTC+8"
 * is deliberately not one: as a POSIX TZ string it means 8 hours WEST
 * of UTC, and Etc/GMT+8 likewise, so no reading of it is safe. */
static int
fixed_zone(const char *name, int32_t *off)
{
	const unsigned char *p = (const unsigned char *)name;

	if (eqfold(name, "UTC") || eqfold(name, "GMT") || eqfold(name, "Z")) {
		*off = 0;
		return 1;
	}
	return parse_off(p, p + strlen(name), off);
}

/* A tz database name is known if TZDIR (or /usr/share/zoneinfo, as
 * glibc looks) holds a TZif file of that name: a directory ("Asia")
 * or a table ("zone.tab") is not a zone. */
static int
zone_exists(const char *name)
{
	const char *dir = getenv("TZDIR");
	char path[4096], magic[4];
	FILE *f;
	int ok;

	if (*name == ':')	/* POSIX allows TZ=":Asia/Shanghai" */
		name++;
	if (*name == '\0' || strstr(name, "..") != NULL)
		return 0;
	if (dir == NULL || *dir == '\0')
		dir = "/usr/share/zoneinfo";
	if (*name == '/') {
		if ((size_t)snprintf(path, sizeof(path), "%s", name) >=
		    sizeof(path))
			return 0;
	} else if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir,
	    name) >= sizeof(path))
		return 0;
	if ((f = fopen(path, "rb")) == NULL)
		return 0;
	ok = fread(magic, 1, 4, f) == 4 && memcmp(magic, "TZif", 4) == 0;
	fclose(f);
	return ok;
}

static void
activate(const mbr_tz *tz)
{
	if (tz_active == tz)
		return;
	if (tz->env == NULL)
		unsetenv("TZ");
	else
		setenv("TZ", tz->env, 1);
	tzset();
	tz_active = tz;
}

static int32_t
sys_off(int64_t t)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (localtime_r(&tt, &tm) == NULL)
		return 0;
	return (int32_t)tm.tm_gmtoff;
}

static void
fill(mbr_tz *tz, struct day_ent *e, int64_t day)
{
	int64_t lo = day * DAY, hi = lo + DAY - 1, mid;
	int32_t a, b;

	activate(tz);
	a = sys_off(lo);
	b = sys_off(hi);
	e->id = tz->id;
	e->day = day;
	e->before = a;
	e->after = b;
	if (a == b) {
		e->change = lo;
		return;
	}
	/* At most one change in a day (see the top): bisect to it. */
	while (hi - lo > 1) {
		mid = lo + (hi - lo) / 2;
		if (sys_off(mid) == a)
			lo = mid;
		else
			hi = mid;
	}
	e->change = hi;
}

int
mbr_tz_open(mbr_tz **tzp, const char *name, mbr_err *err)
{
	mbr_tz *tz;
	int32_t off;

	*tzp = NULL;
	if (!tz_saved) {
		const char *v = getenv("TZ");

		tz_orig = v != NULL ? mbr_xstrdup(v) : NULL;
		tz_saved = 1;
	}
	tz = mbr_xcalloc(1, sizeof(*tz));
	if (name == NULL || *name == '\0') {
		/* TZ="" is UTC to the C library too. */
		if (tz_orig != NULL && (*tz_orig == '\0' ||
		    fixed_zone(tz_orig, &off))) {
			tz->fixed = 1;
			tz->off = *tz_orig == '\0' ? 0 : off;
		} else
			tz->env = tz_orig;
	} else if (fixed_zone(name, &off)) {
		tz->fixed = 1;
		tz->off = off;
	} else if (zone_exists(name)) {
		tz->name = mbr_xstrdup(name);
		tz->env = tz->name;
	} else {
		free(tz);
		return mbr_err_set(err, MBR_EUSAGE,
		    "unknown time zone \"%s\"", name);
	}
	pthread_mutex_lock(&tz_mu);
	tz->id = ++tz_ids;
	pthread_mutex_unlock(&tz_mu);
	*tzp = tz;
	return MBR_OK;
}

void
mbr_tz_free(mbr_tz *tz)
{
	if (tz == NULL)
		return;
	pthread_mutex_lock(&tz_mu);
	if (tz_active == tz)
		tz_active = NULL;
	pthread_mutex_unlock(&tz_mu);
	free(tz->name);
	free(tz);
}

int32_t
mbr_tz_offset_at(mbr_tz *tz, int64_t t)
{
	struct day_ent *e;
	int64_t day;

	if (tz == NULL)
		return 0;
	if (tz->fixed)
		return tz->off;
	t = clamp_t(t);
	day = floordiv(t, DAY);
	e = &tc[((uint64_t)day + tz->id * 0x9e3779b1U) & (CACHE_DAYS - 1)];
	if (e->day != day || e->id != tz->id) {
		pthread_mutex_lock(&tz_mu);
		fill(tz, e, day);
		pthread_mutex_unlock(&tz_mu);
	}
	return t < e->change ? e->before : e->after;
}

/* Resolves wall-clock time local (as if UTC) to an instant *t and the
 * offset that instant is shown in.  With a the offset before the
 * nearby change and b the one after, local is read with a unless it
 * does not exist with a but does with b.  So a fold gives its earlier
 * instant (01:30 on the night clocks go back is the first 01:30, as
 * Python and java.time read it; GNU date(1) takes the second) and a
 * gap is read with the offset before it (02:30 when clocks go forward
 * from 02:00 to 03:00 is 03:30 daylight time, as glibc's mktime and
 * Python read it). */
static void
local_to_time(mbr_tz *tz, int64_t local, int64_t *t, int32_t *shown)
{
	int32_t a, b, o;

	if (tz == NULL || tz->fixed) {
		o = tz == NULL ? 0 : tz->off;
		*t = local - o;
		*shown = o;
		return;
	}
	local = clamp_t(local);
	a = mbr_tz_offset_at(tz, local - WINDOW);
	b = mbr_tz_offset_at(tz, local + WINDOW);
	if (a == b) {
		*t = local - a;
		*shown = a;
		return;
	}
	if (mbr_tz_offset_at(tz, local - a) == a ||
	    mbr_tz_offset_at(tz, local - b) != b)
		o = a;
	else
		o = b;
	*t = local - o;
	*shown = mbr_tz_offset_at(tz, *t);
}

int32_t
mbr_tz_offset_local(mbr_tz *tz, int64_t local)
{
	int64_t t;
	int32_t shown;

	if (tz == NULL || tz->fixed)
		return tz == NULL ? 0 : tz->off;
	local = clamp_t(local);
	local_to_time(tz, local, &t, &shown);
	return (int32_t)(local - t);
}

int64_t
mbr_days_from_civil(int64_t y, unsigned m, unsigned d)
{
	int64_t era;
	unsigned yoe, doy, doe;

	/* Beyond any calendar in an export; keeps the arithmetic
	 * defined. */
	if (y > 1000000000000LL)
		y = 1000000000000LL;
	if (y < -1000000000000LL)
		y = -1000000000000LL;
	/* Howard Hinnant's days_from_civil: a year that starts in March
	 * puts the leap day last. */
	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);			/* [0, 399] */
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;	/* [0, 365] */
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;		/* [0, 146096] */
	return era * 146097 + (int64_t)doe - 719468;
}

void
mbr_civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
	int64_t era;
	unsigned doe, yoe, doy, mp;

	if (z > INT64_MAX - 719468)
		z = INT64_MAX - 719468;
	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = (unsigned)(z - era * 146097);			/* [0, 146096] */
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);		/* [0, 365] */
	mp = (5 * doy + 2) / 153;				/* [0, 11] */
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = (int64_t)yoe + era * 400 + (*m <= 2);
}

static int
leap(int y)
{
	return y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
}

static int
mdays(int y, int m)
{
	static const unsigned char dm[12] =
	    { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	return m == 2 && leap(y) ? 29 : dm[m - 1];
}

/* Reads min to max digits into *v; returns the new position, NULL if
 * there are fewer than min. */
static const unsigned char *
num(const unsigned char *p, const unsigned char *e, int min, int max,
    int *v)
{
	int k = 0, x = 0;

	while (k < max && p < e && mbr_isdigit(*p)) {
		x = x * 10 + (*p++ - '0');
		k++;
	}
	if (k < min)
		return NULL;
	*v = x;
	return p;
}

static const unsigned char *
lit(const unsigned char *p, const unsigned char *e, const char *s,
    size_t n)
{
	if (p == NULL || (size_t)(e - p) < n || memcmp(p, s, n) != 0)
		return NULL;
	return p + n;
}

/* H:MM[:SS[.fraction]]; the fraction is dropped, not rounded, as the
 * second it falls in is the one that happened. */
static const unsigned char *
clock_(const unsigned char *p, const unsigned char *e, int *h, int *mi,
    int *sec)
{
	if ((p = num(p, e, 1, 2, h)) == NULL ||
	    (p = lit(p, e, ":", 1)) == NULL ||
	    (p = num(p, e, 2, 2, mi)) == NULL)
		return NULL;
	*sec = 0;
	if (p < e && *p == ':') {
		if ((p = num(p + 1, e, 2, 2, sec)) == NULL)
			return NULL;
		if (p < e && *p == '.') {
			if (++p == e || !mbr_isdigit(*p))
				return NULL;
			while (p < e && mbr_isdigit(*p))
				p++;
		}
	}
	return p;
}

#define NIAN	"\xe5\xb9\xb4"	/* 年 */
#define YUE	"\xe6\x9c\x88"	/* 月 */
#define RI	"\xe6\x97\xa5"	/* 日 */

/* The quoted value in messages: as written, cut at a length no
 * message needs. */
#define QLEN(n)	((int)((n) > 200 ? 200 : (n)))

#define DIG(c)	((unsigned)((c) - '0') < 10)
#define D2(p)	(((p)[0] - '0') * 10 + ((p)[1] - '0'))

/* The day of a valid date, the last one asked on this thread kept:
 * orders come in time order, and the calendar arithmetic and its
 * checks were a fifth of parsing a time. */
static __thread struct { int key; int64_t day; } last_date;

static inline int
civil_day(int y, int mo, int d, int64_t *day)
{
	int key = y * 10000 + mo * 100 + d;	/* two digits each */

	if (key == last_date.key && key != 0) {
		*day = last_date.day;
		return 1;
	}
	if (mo < 1 || mo > 12 || d < 1 || d > mdays(y, mo))
		return 0;
	*day = mbr_days_from_civil(y, (unsigned)mo, (unsigned)d);
	last_date.key = key;
	last_date.day = *day;
	return 1;
}

/* Whether s[0..19) has the shape of "2024-03-05T14:41:35" (or a blank
 * for the T, unless t_only): digits and separators where they go, the
 * values unchecked. */
static inline int
iso_shape(const unsigned char *s, int t_only)
{
	/* Written out: a loop over the digits' places was a third slower
	 * per time parsed. */
	return DIG(s[0]) && DIG(s[1]) && DIG(s[2]) && DIG(s[3]) &&
	    s[4] == '-' && DIG(s[5]) && DIG(s[6]) && s[7] == '-' &&
	    DIG(s[8]) && DIG(s[9]) &&
	    (s[10] == 'T' || (!t_only && s[10] == ' ')) &&
	    DIG(s[11]) && DIG(s[12]) && s[13] == ':' && DIG(s[14]) &&
	    DIG(s[15]) && s[16] == ':' && DIG(s[17]) && DIG(s[18]);
}

/* Whether s[0..6) has the shape of "+08:00". */
static inline int
off_shape(const unsigned char *s)
{
	return (s[0] == '+' || s[0] == '-') && DIG(s[1]) && DIG(s[2]) &&
	    s[3] == ':' && DIG(s[4]) && DIG(s[5]);
}

/* The form nearly every export writes, read without the general
 * parser's search: "2024-03-05T14:41:35" or with a blank for the T,
 * then "+08:00", "-05:00", "Z" or nothing.  0 sends anything else (and
 * anything invalid) to the general parser, which says what is wrong. */
static int
iso_fast(mbr_time *out, const unsigned char *p, size_t n, mbr_tz *tz)
{
	int h, mi, sec;
	int32_t off, shown;
	int64_t day, local, t;

	if ((n != 19 && n != 20 && n != 25) || !iso_shape(p, 0))
		return 0;
	h = D2(p + 11);
	mi = D2(p + 14);
	sec = D2(p + 17);
	if (h > 23 || mi > 59 || sec > 59 || !civil_day(D2(p) * 100 +
	    D2(p + 2), D2(p + 5), D2(p + 8), &day))
		return 0;
	local = day * DAY + h * 3600 + mi * 60 + sec;
	if (n == 19) {
		local_to_time(tz, local, &t, &shown);
		out->t = t;
		out->off = shown;
		return 1;
	}
	if (n == 20) {
		if (p[19] != 'Z')
			return 0;
		off = 0;
	} else if (!parse_off(p + 19, p + n, &off))
		return 0;
	out->t = local - off;
	out->off = off;
	return 1;
}

int
mbr_time_parse(mbr_time *out, const char *s, size_t n, mbr_tz *tz,
    mbr_err *err)
{
	const unsigned char *p = (const unsigned char *)s, *e = p + n, *q;
	int y = 0, mo = 0, d = 0, h = 0, mi = 0, sec = 0, iso = 0, has_off = 0;
	int slash = 0;
	int32_t off = 0, shown;
	int64_t day, local, t;
	size_t k;

	if (iso_fast(out, p, n, tz))
		return MBR_OK;

	while (p < e && mbr_isblank(*p))
		p++;
	while (e > p && mbr_isblank(e[-1]))
		e--;
	for (q = p; q < e && mbr_isdigit(*q); q++)
		continue;
	k = (size_t)(q - p);
	if (q == e) {
		/* All digits: a date or an epoch, told apart by length. */
		uint64_t v = 0;

		if (k == 8) {
			y = (p[0] - '0') * 1000 + (p[1] - '0') * 100 +
			    (p[2] - '0') * 10 + (p[3] - '0');
			mo = (p[4] - '0') * 10 + (p[5] - '0');
			d = (p[6] - '0') * 10 + (p[7] - '0');
			goto civil;
		}
		if (k < 9 || k > 14)
			goto bad;
		for (q = p; q < e; q++)
			v = v * 10 + (uint64_t)(*q - '0');
		t = (int64_t)(k >= 12 ? v / 1000 : v);
		out->t = t;
		out->off = mbr_tz_offset_at(tz, t);
		return MBR_OK;
	}
	if (k == 4 && (*q == '-' || *q == '/')) {
		int sep = *q;

		y = (p[0] - '0') * 1000 + (p[1] - '0') * 100 +
		    (p[2] - '0') * 10 + (p[3] - '0');
		if ((p = num(q + 1, e, 1, 2, &mo)) == NULL ||
		    p == e || *p++ != sep ||
		    (p = num(p, e, 1, 2, &d)) == NULL)
			goto bad;
		if (p == e)
			goto civil;
		if (*p != ' ' && !(sep == '-' && *p == 'T'))
			goto bad;
		if ((p = clock_(p + 1, e, &h, &mi, &sec)) == NULL)
			goto bad;
		iso = sep == '-';
	} else if (k == 4) {
		y = (p[0] - '0') * 1000 + (p[1] - '0') * 100 +
		    (p[2] - '0') * 10 + (p[3] - '0');
		p = lit(q, e, NIAN, 3);
		if (p == NULL || (p = num(p, e, 1, 2, &mo)) == NULL ||
		    (p = lit(p, e, YUE, 3)) == NULL ||
		    (p = num(p, e, 1, 2, &d)) == NULL ||
		    (p = lit(p, e, RI, 3)) == NULL)
			goto bad;
		if (p == e)
			goto civil;
		if (*p == ' ')
			p++;
		if ((p = clock_(p, e, &h, &mi, &sec)) == NULL)
			goto bad;
	} else if ((k == 1 || k == 2) && *q == '/') {
		/* Month first as US exports, unless --date-order says
		 * day first (European ones) or year first only. */
		int dmy = tz != NULL && tz->dorder == MBR_DATE_DMY;

		slash = 1;
		if ((tz != NULL && tz->dorder == MBR_DATE_YMD) ||
		    (p = num(p, e, 1, 2, dmy ? &d : &mo)) == NULL ||
		    (p = lit(p, e, "/", 1)) == NULL ||
		    (p = num(p, e, 1, 2, dmy ? &mo : &d)) == NULL ||
		    (p = lit(p, e, "/", 1)) == NULL ||
		    (p = num(p, e, 4, 4, &y)) == NULL)
			goto bad;
		if (p == e)
			goto civil;
		if (*p != ' ' ||
		    (p = clock_(p + 1, e, &h, &mi, &sec)) == NULL)
			goto bad;
	} else
		goto bad;
	/* Shopify writes "2024-03-05 14:41:35 +0800": one blank before
	 * the offset. */
	if (iso && e - p > 1 && *p == ' ' && (p[1] == '+' || p[1] == '-'))
		p++;
	if (p < e) {
		if (!iso)
			goto bad;
		if (e - p == 1 && *p == 'Z')
			off = 0;
		else if (!parse_off(p, e, &off))
			goto bad;
		has_off = 1;
	}
	if (h > 23 || mi > 59 || sec > 59)
		goto bad;
civil:
	if (!civil_day(y, mo, d, &day))
		goto bad;
	local = day * DAY + h * 3600 + mi * 60 + sec;
	if (has_off) {
		out->t = local - off;
		out->off = off;
		return MBR_OK;
	}
	local_to_time(tz, local, &t, &shown);
	out->t = t;
	out->off = shown;
	return MBR_OK;
bad:
	/* a hint only where the other order would have read a date */
	if (slash && (tz == NULL || tz->dorder != MBR_DATE_YMD) &&
	    !(mo > 12 && mo <= 31 && d >= 1 && d <= 12))
		slash = 0;
	if (slash)
		return mbr_err_set(err, MBR_EDATA, "ts \"%.*s\" is not a valid "
		    "time (%s)", QLEN(n), s, tz == NULL || tz->dorder ==
		    MBR_DATE_MDY ? "month first; --date-order dmy reads day "
		    "first" : tz->dorder == MBR_DATE_DMY ? "day first, as "
		    "--date-order dmy says" : "--date-order ymd: year first "
		    "only");
	return mbr_err_set(err, MBR_EDATA, "ts \"%.*s\" is not a valid time",
	    QLEN(n), s);
}

void
mbr_tz_date_order(mbr_tz *tz, int order)
{
	tz->dorder = order;
}

int
mbr_date_order_parse(const char *s)
{
	if (strcmp(s, "mdy") == 0)
		return MBR_DATE_MDY;
	if (strcmp(s, "dmy") == 0)
		return MBR_DATE_DMY;
	if (strcmp(s, "ymd") == 0)
		return MBR_DATE_YMD;
	return -1;
}

static char *
put2(char *p, unsigned v)
{
	p[0] = (char)('0' + v / 10 % 10);
	p[1] = (char)('0' + v % 10);
	return p + 2;
}

/* Days of 0000-01-01 and 9999-12-31: the years four digits hold.
 * Text is clamped to them so that it always fits its buffer (a time
 * that far out is a bug upstream, not data). */
#define DAY_MIN	(-719528)
#define DAY_MAX	2932896

/* Dates written lately, by day: a program writing a million members'
 * first and last orders meets the same thousand days again and again,
 * and the calendar arithmetic was a sixth of writing a member. */
#define DATE_CACHE	1024
static __thread struct date_ent {
	int64_t	key;		/* day - DAY_MIN + 1; 0: empty */
	char	text[10];
} dc[DATE_CACHE];

static char *
put_date(char *p, int64_t day)
{
	struct date_ent *c;
	int64_t y;
	unsigned m, d;
	char *q = p;

	if (day < DAY_MIN)
		day = DAY_MIN;
	if (day > DAY_MAX)
		day = DAY_MAX;
	c = &dc[day & (DATE_CACHE - 1)];
	if (c->key == day - DAY_MIN + 1) {
		memcpy(p, c->text, 10);
		return p + 10;
	}
	mbr_civil_from_days(day, &y, &m, &d);
	p = put2(p, (unsigned)(y / 100));
	p = put2(p, (unsigned)(y % 100));
	*p++ = '-';
	p = put2(p, m);
	*p++ = '-';
	p = put2(p, d);
	c->key = day - DAY_MIN + 1;
	memcpy(c->text, q, 10);
	return p;
}

size_t
mbr_time_fmt(char *buf, mbr_time tm)
{
	int32_t off = tm.off;
	int64_t local, day, sec;
	unsigned a;
	char *p = buf;

	if (off > 23 * 3600 + 59 * 60 + 59 || off < -(23 * 3600 + 59 * 60 + 59))
		off = 0;	/* no zone is that far: a bug upstream */
	local = clamp_t(tm.t) + off;
	if (local < (int64_t)DAY_MIN * DAY)
		local = (int64_t)DAY_MIN * DAY;
	if (local > (int64_t)DAY_MAX * DAY + DAY - 1)
		local = (int64_t)DAY_MAX * DAY + DAY - 1;
	day = floordiv(local, DAY);
	sec = local - day * DAY;
	p = put_date(p, day);
	*p++ = 'T';
	p = put2(p, (unsigned)(sec / 3600));
	*p++ = ':';
	p = put2(p, (unsigned)(sec / 60 % 60));
	*p++ = ':';
	p = put2(p, (unsigned)(sec % 60));
	*p++ = off < 0 ? '-' : '+';
	a = (unsigned)(off < 0 ? -off : off);
	p = put2(p, a / 3600);
	*p++ = ':';
	p = put2(p, a / 60 % 60);
	if (a % 60 != 0) {
		/* Local mean time before the zones (Shanghai's +08:05:43
		 * until 1901): the offset to the second, as Python's
		 * isoformat and java.time write it.  Cut to the minute,
		 * either the instant or the wall clock would move. */
		*p++ = ':';
		p = put2(p, a % 60);
	}
	*p = '\0';
	return (size_t)(p - buf);
}

int
mbr_time_canonical(const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;

	if (n != MBR_TIME_LEN || !iso_shape(s, 1) || !off_shape(s + 19))
		return 0;
	return s[19] == '+' || memcmp(s + 20, "00:00", 5) != 0;
}

size_t
mbr_date_fmt(char *buf, int64_t day)
{
	char *p = put_date(buf, day);

	*p = '\0';
	return (size_t)(p - buf);
}

int
mbr_time_now(mbr_time *out, const char *as_of, mbr_tz *tz, mbr_err *err)
{
	const unsigned char *s = (const unsigned char *)as_of;
	size_t n;

	if (as_of == NULL) {
		out->t = (int64_t)time(NULL);
		out->off = mbr_tz_offset_at(tz, out->t);
		return MBR_OK;
	}
	/* ISO 8601 only: an export's "12/01/2024" is a guess at an order,
	 * which a pinned "now" must never be. */
	n = strlen(as_of);
	if (n < 10 || !mbr_isdigit(s[0]) || !mbr_isdigit(s[1]) ||
	    !mbr_isdigit(s[2]) || !mbr_isdigit(s[3]) || s[4] != '-' ||
	    !mbr_isdigit(s[5]) || !mbr_isdigit(s[6]) || s[7] != '-' ||
	    !mbr_isdigit(s[8]) || !mbr_isdigit(s[9]) ||
	    (n > 10 && s[10] != 'T' && s[10] != ' ') ||
	    mbr_time_parse(out, as_of, n, tz, NULL) != MBR_OK)
		return mbr_err_set(err, MBR_EUSAGE, "--as-of: \"%s\" is not an "
		    "ISO 8601 time (2024-12-01 or 2024-12-01T00:00:00+08:00)",
		    as_of);
	return MBR_OK;
}

int64_t
mbr_birthday_days(int64_t today, int64_t bday)
{
	int64_t y, by, day;
	unsigned m, d, bm, bd, dd;
	int k;

	mbr_civil_from_days(today, &y, &m, &d);
	mbr_civil_from_days(bday, &by, &bm, &bd);
	for (k = 0; k < 2; k++, y++) {
		dd = bd;
		if (bm == 2 && bd == 29 && !((y % 4 == 0 && y % 100 != 0) ||
		    y % 400 == 0))
			dd = 28;
		day = mbr_days_from_civil(y, bm, dd);
		if (day >= today)
			return day - today;
	}
	return 0;	/* not reached: next year's always is */
}

int
mbr_dur_parse(const char *s, int64_t *secs)
{
	int64_t v = 0, unit;
	const char *p = s;

	if (!mbr_isdigit((unsigned char)*p))
		return -1;
	while (mbr_isdigit((unsigned char)*p)) {
		if (v > (INT64_MAX - 9) / 10)
			return -1;
		v = v * 10 + (*p++ - '0');
	}
	switch (*p++) {
	case 'w':
		unit = 7 * 86400;
		break;
	case 'd':
		unit = 86400;
		break;
	case 'h':
		unit = 3600;
		break;
	case 'm':
		unit = 60;
		break;
	case 's':
		unit = 1;
		break;
	default:
		return -1;
	}
	/* a century is more than any window needs and keeps sums of times
	 * far from overflow */
	if (*p != '\0' || v > 100LL * 366 * 86400 / unit)
		return -1;
	*secs = v * unit;
	return 0;
}
