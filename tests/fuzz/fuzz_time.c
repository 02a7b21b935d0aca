/* fuzz_time: timestamps (lib/mbr_time.h), parse and format.
 *
 * The first byte chooses the zone for times without an offset (UTC,
 * +08:00, -03:30, +05:45 or America/New_York); the rest is the time.
 * Checked: whatever parses formats as MBR_TIME_LEN bytes, canonical
 * (MBR_TIME_MAX when the offset has seconds, the local mean time of
 * New York before 1883), which parse again to the same instant and
 * offset; a text that mbr_time_canonical calls canonical is the text
 * mbr_time_fmt writes for it; the calendar day goes to a date and
 * back; a parse error is MBR_EDATA with a message. */
#include <stdint.h>
#include <string.h>

#include "mbr_time.h"
#include "fuzz.h"

static mbr_tz *zones[5];

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const names[5] = { "UTC", "+08:00", "-03:30",
	    "+05:45", "America/New_York" };
	const char *s = (const char *)data + 1;
	char buf[MBR_TIME_MAX + 1], date[11];
	mbr_err err = { 0 };
	mbr_time tm, back;
	mbr_tz *tz;
	int64_t day, y;
	unsigned m, d;
	size_t n, k;

	if (size < 1)
		return 0;
	n = size - 1;
	if ((tz = zones[data[0] % 5]) == NULL) {
		FUZZ_CHECK(mbr_tz_open(&zones[data[0] % 5],
		    names[data[0] % 5], &err) == MBR_OK);
		tz = zones[data[0] % 5];
	}
	if (mbr_time_parse(&tm, s, n, tz, &err) != MBR_OK) {
		FUZZ_CHECK(err.code == MBR_EDATA && err.msg[0] != '\0');
		return 0;
	}
	k = mbr_time_fmt(buf, tm);
	if (tm.off % 60 == 0) {
		FUZZ_CHECK(k == MBR_TIME_LEN);
		FUZZ_CHECK(mbr_time_canonical(buf, k));
	} else
		FUZZ_CHECK(k == MBR_TIME_MAX);
	FUZZ_CHECK(mbr_time_parse(&back, buf, k, tz, &err) == MBR_OK);
	FUZZ_CHECK(back.t == tm.t && back.off == tm.off);
	if (mbr_time_canonical(s, n))
		FUZZ_CHECK(n == k && memcmp(s, buf, k) == 0);
	day = mbr_time_day(tm);
	mbr_civil_from_days(day, &y, &m, &d);
	FUZZ_CHECK(mbr_days_from_civil(y, m, d) == day);
	FUZZ_CHECK(mbr_date_fmt(date, day) == 10);
	FUZZ_CHECK(memcmp(date, buf, 10) == 0);
	return 0;
}
