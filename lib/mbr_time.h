/* mbr_time.h: timestamps, zones and calendar days.
 *
 * A time is epoch seconds (UTC) plus the UTC offset it is shown in.
 * Exports write times many ways (Tmall "2024年11月11日 00:00:05", US
 * "11/11/2024 0:00", epoch milliseconds); all parse here, once per
 * row, without the C library's locale or a malloc.  Times without an
 * offset are read in the zone given by --tz. */
#ifndef MBR_TIME_H
#define MBR_TIME_H
#include <stddef.h>
#include <stdint.h>
#include "mbr_err.h"

typedef struct {
	int64_t	t;	/* seconds since 1970-01-01T00:00:00Z */
	int32_t	off;	/* seconds east of UTC the time is shown in */
} mbr_time;

/* A zone: a fixed offset ("+08:00", "UTC") or a tz database name
 * ("Asia/Shanghai"), read through the C library.  One process uses one
 * named zone at a time (it sets TZ). */
typedef struct mbr_tz mbr_tz;

/* name NULL or "": the TZ environment, else the system's zone.
 * An unknown name is MBR_EUSAGE ("unknown time zone \"Mars/Base\""). */
int	mbr_tz_open(mbr_tz **tz, const char *name, mbr_err *err);
void	mbr_tz_free(mbr_tz *tz);
/* Offset east of UTC at instant t. */
int32_t	mbr_tz_offset_at(mbr_tz *tz, int64_t t);
/* Offset for a local wall-clock time given as seconds since the epoch
 * as if the wall clock were UTC.  A time in a DST gap or fold is read
 * with the offset in force before the change: a fold gives the earlier
 * instant, and 02:30 in a 02:00->03:00 gap is 03:30 daylight time (as
 * Python's zoneinfo with fold=0; glibc's mktime(3) with tm_isdst = -1
 * answers folds by its previous call, so it is not used). */
int32_t	mbr_tz_offset_local(mbr_tz *tz, int64_t local);

/* How slash dates with the year last read in this zone's times:
 * MBR_DATE_MDY (the default, as US exports: 12/1/2010 is 1 December),
 * MBR_DATE_DMY (13/02/2011), or MBR_DATE_YMD (only 2011/02/13; the
 * others are errors).  --date-order; mbr_date_order_parse reads its
 * name, -1 if unknown. */
enum { MBR_DATE_MDY, MBR_DATE_DMY, MBR_DATE_YMD };
void	mbr_tz_date_order(mbr_tz *tz, int order);
int	mbr_date_order_parse(const char *s);

/* Parses one timestamp.  Accepted forms:
 *   ISO 8601: 2024-11-11T00:00:05+08:00, ...Z, ...+0800, ...+08:05:43
 *     (an offset to the second), fractions of a second (dropped), a
 *     space instead of T, date only (midnight);
 *   YYYY-MM-DD HH:MM[:SS], YYYY/MM/DD HH:MM[:SS], YYYY/M/D too;
 *   M/D/YYYY H:MM[:SS] (US exports), or D/M/YYYY (mbr_tz_date_order);
 *   YYYY年MM月DD日 HH:MM[:SS] (and without the time);
 *   epoch seconds (9 to 11 digits) and milliseconds (12 to 14 digits);
 *   YYYYMMDD (CDNOW and other fixed-width logs).
 * Leading and trailing blanks are ignored.  Fields are range-checked
 * (month 13, day 31 in April, hour 24 are errors; leap years obeyed).
 * Without an offset the time is local to tz.  Errors are MBR_EDATA:
 *   ts "2024-13-01" is not a valid time */
int	mbr_time_parse(mbr_time *out, const char *s, size_t n, mbr_tz *tz,
	    mbr_err *err);

/* Writes "2024-11-11T00:00:05+08:00" (or "...Z" never: always an
 * offset, "+00:00" for UTC) to buf, which must hold MBR_TIME_MAX + 1
 * bytes; returns the length: MBR_TIME_LEN (25), or 28 for an offset
 * with seconds, written "+08:05:43" (local mean time of old dates:
 * never cut to the minute, which would move the instant or the clock). */
#define MBR_TIME_LEN 25
#define MBR_TIME_MAX 28
size_t	mbr_time_fmt(char *buf, mbr_time tm);
/* Whether s, which mbr_time_parse read as a valid time, is the text
 * mbr_time_fmt writes for that time, so that a program may copy it
 * rather than format it again: "2024-03-05T14:41:35+08:00", digits
 * and separators in place, and not the offset "-00:00" (written
 * "+00:00"). */
int	mbr_time_canonical(const char *s, size_t n);
/* Writes "YYYY-MM-DD" for a day number; buf holds 11 bytes; returns 10. */
size_t	mbr_date_fmt(char *buf, int64_t day);

/* Calendar arithmetic in days since 1970-01-01 (may be negative). */
int64_t	mbr_days_from_civil(int64_t y, unsigned m, unsigned d);
void	mbr_civil_from_days(int64_t day, int64_t *y, unsigned *m,
	    unsigned *d);
/* Days from day today to the next birthday of one born on day bday (0
 * on the day).  A 29 February birthday is kept on the 28th in other
 * years, as most members and most CRM suites do; mbr-expr(5)'s
 * days_until_birthday and mbr-campaign's trigger both count so. */
int64_t	mbr_birthday_days(int64_t today, int64_t bday);
/* The local calendar day of a time, in its own offset. */
static inline int64_t
mbr_time_day(mbr_time tm)
{
	int64_t s = tm.t + tm.off;
	return s >= 0 ? s / 86400 : -((-s + 86399) / 86400);
}
/* "Now" for --as-of: an ISO 8601 date or time (2024-12-01,
 * 2024-12-01T00:00:00+08:00; without an offset, local to tz), read as
 * mbr_time_parse reads it; NULL means the clock.  Anything else is
 * MBR_EUSAGE, naming the option. */
int	mbr_time_now(mbr_time *out, const char *as_of, mbr_tz *tz,
	    mbr_err *err);
/* A length of time as options write it: a whole number and a unit,
 * "7d", "48h", "90m", "30s" (w for weeks too); *secs set.  0, or -1 for
 * anything else (no unit, a fraction, a sign, overflow).  A day is 24
 * hours here: an experiment's window is a span of time, not calendar
 * days in a zone. */
int	mbr_dur_parse(const char *s, int64_t *secs);
#endif
