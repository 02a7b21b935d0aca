/* test_report: mbr-report's exact numbers and periods (lib/mbr_report.c,
 * man/mbr-report.1).  The expected values are worked out by hand. */
#include <string.h>

#include "mbr_report.h"
#include "mbr_time.h"
#include "t.h"

static const char *
ratio(__int128 num, __int128 den, int places)
{
	static char buf[64];

	mbr_ratio_fmt(buf, num, den, places);
	return buf;
}

static void
ratios(void)
{
	T_EQ_S(ratio(1, 3, 6), "0.333333");
	T_EQ_S(ratio(2, 3, 6), "0.666667");
	T_EQ_S(ratio(-2, 3, 6), "-0.666667");
	T_EQ_S(ratio(2, -3, 6), "-0.666667");
	T_EQ_S(ratio(0, 7, 6), "0.000000");
	/* half away from zero, both ways */
	T_EQ_S(ratio(1, 8, 2), "0.13");
	T_EQ_S(ratio(-1, 8, 2), "-0.13");
	T_EQ_S(ratio(1, 2000000, 6), "0.000001");
	T_EQ_S(ratio(-1, 2000000, 6), "-0.000001");
	/* what rounds to zero loses its sign */
	T_EQ_S(ratio(-1, 3000000, 6), "0.000000");
	T_EQ_S(ratio(670, 90, 6), "7.444444");
	T_EQ_S(ratio(21, 1, 6), "21.000000");
	T_EQ_S(ratio(5, 3, 0), "2");
	T_EQ_S(ratio(1000, 1, 1), "1000.0");
	/* sums near 2^100 are shed of low bits, not overflowed */
	T_EQ_S(ratio((__int128)1 << 110, (__int128)1 << 111, 6), "0.500000");
	T_EQ_S(ratio(((__int128)1 << 120) / 3, (__int128)1 << 120, 6),
	    "0.333333");
}

static void
rounding(void)
{
	T_EQ_I(mbr_div_round(53000, 3), 17667);
	T_EQ_I(mbr_div_round(76000, 3), 25333);
	T_EQ_I(mbr_div_round(5, 2), 3);
	T_EQ_I(mbr_div_round(-5, 2), -3);
	T_EQ_I(mbr_div_round(-4, 3), -1);
	T_EQ_I(mbr_div_round(0, 9), 0);
}

static mbr_kval
kv(int kind, __int128 num, __int128 den)
{
	mbr_kval v = { .kind = kind, .num = num, .den = den };

	return v;
}

static const char *
change(mbr_kval v, mbr_kval p)
{
	static char buf[64];
	mbr_kval c = mbr_kval_change(v, p);

	if (c.null)
		return "null";
	mbr_ratio_fmt(buf, c.num, c.den, 6);
	return buf;
}

static void
changes(void)
{
	mbr_kval nul = { .null = 1, .kind = MBR_KV_RATE, .den = 1 };

	T_EQ_S(change(kv(MBR_KV_COUNT, 6, 1), kv(MBR_KV_COUNT, 5, 1)),
	    "0.200000");
	T_EQ_S(change(kv(MBR_KV_COUNT, 1, 1), kv(MBR_KV_COUNT, 3, 1)),
	    "-0.666667");
	T_EQ_S(change(kv(MBR_KV_COUNT, 2, 1), kv(MBR_KV_COUNT, 0, 1)), "null");
	T_EQ_S(change(nul, kv(MBR_KV_COUNT, 1, 1)), "null");
	T_EQ_S(change(kv(MBR_KV_COUNT, 1, 1), nul), "null");
	/* from a negative revenue: over its size, so up is positive */
	T_EQ_S(change(kv(MBR_KV_MONEY, 60000, 1), kv(MBR_KV_MONEY, -3000, 1)),
	    "21.000000");
	T_EQ_S(change(kv(MBR_KV_MONEY, -6000, 1), kv(MBR_KV_MONEY, -3000, 1)),
	    "-1.000000");
	/* rates: (600/760) / (120/90) - 1 */
	T_EQ_S(change(kv(MBR_KV_RATE, 600, 760), kv(MBR_KV_RATE, 120, 90)),
	    "-0.407895");
	T_EQ_S(change(kv(MBR_KV_RATE, 0, 1), kv(MBR_KV_RATE, 1, 2)),
	    "-1.000000");
	T_EQ_S(change(kv(MBR_KV_RATE, 1, 3), kv(MBR_KV_RATE, 0, 1)), "null");
}

static int64_t
day(int y, unsigned m, unsigned d)
{
	return mbr_days_from_civil(y, m, d);
}

static const char *
label(int unit, int64_t start)
{
	static char buf[16];

	mbr_report_label(buf, unit, start);
	return buf;
}

static void
periods(void)
{
	int64_t s[8];

	/* months across a year's end; the last "start" is the next day */
	mbr_report_periods(MBR_PERIOD_MONTH, day(2025, 1, 15), 3, s);
	T_EQ_I(s[0], day(2024, 11, 1));
	T_EQ_I(s[1], day(2024, 12, 1));
	T_EQ_I(s[2], day(2025, 1, 1));
	T_EQ_I(s[3], day(2025, 1, 16));
	mbr_report_periods(MBR_PERIOD_MONTH, day(2024, 3, 1), 2, s);
	T_EQ_I(s[0], day(2024, 2, 1));
	T_EQ_I(s[1], day(2024, 3, 1));
	/* weeks from Monday: 2025-01-01 is a Wednesday */
	mbr_report_periods(MBR_PERIOD_WEEK, day(2025, 1, 1), 2, s);
	T_EQ_I(s[0], day(2024, 12, 23));
	T_EQ_I(s[1], day(2024, 12, 30));
	T_EQ_I(s[2], day(2025, 1, 2));
	/* a Monday and a Sunday begin and end their weeks */
	mbr_report_periods(MBR_PERIOD_WEEK, day(2024, 12, 30), 1, s);
	T_EQ_I(s[0], day(2024, 12, 30));
	mbr_report_periods(MBR_PERIOD_WEEK, day(2024, 12, 29), 1, s);
	T_EQ_I(s[0], day(2024, 12, 23));
	/* before 1970 too */
	mbr_report_periods(MBR_PERIOD_WEEK, day(1969, 12, 31), 1, s);
	T_EQ_I(s[0], day(1969, 12, 29));
	mbr_report_periods(MBR_PERIOD_DAY, day(2024, 3, 1), 3, s);
	T_EQ_I(s[0], day(2024, 2, 28));
	T_EQ_I(s[1], day(2024, 2, 29));
	T_EQ_I(s[2], day(2024, 3, 1));

	T_EQ_S(label(MBR_PERIOD_MONTH, day(2024, 11, 1)), "2024-11");
	T_EQ_S(label(MBR_PERIOD_DAY, day(2024, 2, 29)), "2024-02-29");
	/* ISO weeks: the year of the week's Thursday */
	T_EQ_S(label(MBR_PERIOD_WEEK, day(2024, 12, 30)), "2025-W01");
	T_EQ_S(label(MBR_PERIOD_WEEK, day(2024, 12, 23)), "2024-W52");
	T_EQ_S(label(MBR_PERIOD_WEEK, day(2020, 12, 28)), "2020-W53");
	T_EQ_S(label(MBR_PERIOD_WEEK, day(2021, 1, 4)), "2021-W01");
	T_EQ_S(label(MBR_PERIOD_WEEK, day(2024, 11, 18)), "2024-W47");
}

static void
names(void)
{
	T_EQ_S(mbr_report_kpi_name(MBR_KPI_MEMBERS), "members");
	T_EQ_S(mbr_report_kpi_name(MBR_KPI_REFUND_RATE), "refund_rate");
	T_OK(mbr_report_kpi_name(MBR_KPI_N) == NULL);
	T_OK(mbr_report_kpi_name(-1) == NULL);
}

int
main(void)
{
	ratios();
	rounding();
	changes();
	periods();
	names();
	return T_DONE();
}
