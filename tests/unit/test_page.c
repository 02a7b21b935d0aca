/* test_page.c: lib/mbr_svg and lib/mbr_page, the report's page.
 * What a browser makes of the page is tests/report-page.test.sh's;
 * here: the percentages shown for the records' rates (worked out by
 * hand), escaping, and that every figure drawn carries its record. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "mbr_page.h"
#include "mbr_svg.h"
#include "t.h"

static const char *
pct(mbr_buf *b, const char *s, int sign)
{
	mbr_buf_reset(b);
	mbr_page_pct(b, s, sign);
	return b->p;
}

static size_t
count(const char *hay, const char *needle)
{
	size_t n = 0;

	for (; (hay = strstr(hay, needle)) != NULL; hay++)
		n++;
	return n;
}

int
main(void)
{
	mbr_buf b;
	mbr_page_rec r[] = {
	    { "kpi", "members", "2024-10", "2024-10-01", "", "", "5", "3",
		"0.666667" },
	    { "kpi", "members", "2024-11", "2024-11-01", "", "", "6", "5",
		"0.200000" },
	    { "kpi", "repurchase_rate", "2024-10", "2024-10-01", "", "",
		"0.000000", "0.333333", "-1.000000" },
	    { "kpi", "repurchase_rate", "2024-11", "2024-11-01", "", "",
		"0.333333", "0.000000", "" },
	    { "kpi", "revenue", "2024-11", "2024-11-01", "", "", "760.00",
		"90.00", "7.444444" },
	    { "kpi", "members", "2024-11", "2024-11-01", "<b>&co", "", "2",
		"1", "1.000000" },
	    { "cohort", "retention", "2024-09", "2024-09-01", "", "1",
		"0.500000", "", "" },
	    { "segments", "members", "", "", "champions", "", "2", "1",
		"1.000000" },
	    { "migration", "members", "", "", "lost", "champions", "1", "",
		"" },
	};
	size_t n = sizeof(r) / sizeof(r[0]);
	mbr_page_opts o = { 0, "2024-11-20T12:00:00+08:00", "Asia/Shanghai",
	    "CNY", "channel" };

	mbr_buf_init(&b);
	/* a rate's six decimals to a tenth of a percent, half away from
	 * zero, exactly (no double on the way) */
	T_EQ_S(pct(&b, "0.333333", 0), "33.3%");
	T_EQ_S(pct(&b, "0.666667", 0), "66.7%");
	T_EQ_S(pct(&b, "0.000500", 0), "0.1%");
	T_EQ_S(pct(&b, "0.000499", 0), "0.0%");
	T_EQ_S(pct(&b, "0.123450", 0), "12.3%");
	T_EQ_S(pct(&b, "0.123550", 0), "12.4%");
	T_EQ_S(pct(&b, "1.000000", 0), "100.0%");
	T_EQ_S(pct(&b, "7.444444", 1), "+744.4%");
	T_EQ_S(pct(&b, "-1.000000", 1), "-100.0%");
	T_EQ_S(pct(&b, "-0.000499", 1), "0.0%");
	T_EQ_S(pct(&b, "-0.000500", 1), "-0.1%");
	T_EQ_S(pct(&b, "0.000000", 1), "0.0%");
	/* anything else is shown as written */
	T_EQ_S(pct(&b, "", 0), "");
	T_EQ_S(pct(&b, "0.5", 0), "0.5");
	T_EQ_S(pct(&b, "abc", 0), "abc");
	T_EQ_S(pct(&b, "1.00000x", 0), "1.00000x");

	mbr_buf_reset(&b);
	mbr_svg_esc(&b, "a<b>&\"c'");
	T_EQ_S(b.p, "a&lt;b&gt;&amp;&quot;c&#39;");

	mbr_buf_reset(&b);
	mbr_page_write(&b, r, n, &o);
	T_OK(strncmp(b.p, "<!DOCTYPE html>", 15) == 0);
	T_OK(strstr(b.p, "<html lang=\"en\">") != NULL);
	/* no script, nothing fetched */
	T_EQ_I(count(b.p, "<script"), 0);
	T_EQ_I(count(b.p, "http://") + count(b.p, "https://"),
	    count(b.p, "xmlns=\"http://www.w3.org/2000/svg\""));
	/* the latest period's table: value, previous, change */
	T_OK(strstr(b.p, "data-section=\"kpi\" data-kpi=\"revenue\" "
	    "data-period=\"2024-11\" data-group=\"\" data-key=\"\" "
	    "data-field=\"change\" data-value=\"7.444444\">+744.4%</td>") !=
	    NULL);
	T_OK(strstr(b.p, "data-kpi=\"repurchase_rate\" data-period=\"2024-11\" "
	    "data-group=\"\" data-key=\"\" data-field=\"value\" "
	    "data-value=\"0.333333\">33.3%</td>") != NULL);
	/* the group's name escaped wherever it goes */
	T_EQ_I(count(b.p, "<b>&co"), 0);
	T_OK(count(b.p, "&lt;b&gt;&amp;co") >= 3);
	/* every record once in the table of all records */
	T_EQ_I(count(b.p, "<tr class=\"record\">"), n);
	/* the charts: trends, cohorts, segments, migration */
	T_OK(strstr(b.p, "id=\"trend-members\"") != NULL);
	T_OK(strstr(b.p, "id=\"trend-repurchase_rate\"") != NULL);
	T_OK(strstr(b.p, "id=\"cohorts\"") != NULL);
	T_OK(strstr(b.p, "id=\"segments\"") != NULL);
	T_OK(strstr(b.p, "id=\"migration\"") != NULL);
	/* a trend point of the earlier period carries its record */
	T_OK(strstr(b.p, "<circle class=\"point\"") != NULL);
	T_OK(strstr(b.p, "data-kpi=\"members\" data-period=\"2024-10\" "
	    "data-group=\"\" data-key=\"\" data-value=\"5\">") != NULL);
	/* the same records, the same bytes */
	{
		mbr_buf c;

		mbr_buf_init(&c);
		mbr_page_write(&c, r, n, &o);
		T_OK(c.n == b.n && memcmp(c.p, b.p, b.n) == 0);
		mbr_buf_release(&c);
	}
	/* Chinese labels */
	o.zh = 1;
	mbr_buf_reset(&b);
	mbr_page_write(&b, r, n, &o);
	T_OK(strstr(b.p, "<html lang=\"zh-CN\">") != NULL);
	T_OK(strstr(b.p, "会员运营报告") != NULL);
	T_OK(strstr(b.p, "复购率") != NULL);
	/* no records: a page all the same */
	mbr_buf_reset(&b);
	mbr_page_write(&b, r, 0, &o);
	T_OK(strstr(b.p, "</html>") != NULL);
	T_EQ_I(count(b.p, "<svg"), 0);

	/* a line over one point, and a gap */
	{
		mbr_svg_point pt[3] = { { 1, "1", "a", NULL },
		    { NAN, NULL, "b", NULL }, { 3, "3", "c", NULL } };
		mbr_svg_series s = { "x", pt };
		const char *xl[3] = { "a", "b", "c" };
		mbr_svg_chart c = { "t", "T", 300, 200, 0 };

		mbr_buf_reset(&b);
		mbr_svg_lines(&b, &c, xl, 3, &s, 1);
		T_EQ_I(count(b.p, "<circle"), 2);
		/* two moves, no line across the gap */
		T_EQ_I(count(b.p, " M"), 2);
		T_EQ_I(count(b.p, " L"), 0);
		mbr_buf_reset(&b);
		mbr_svg_lines(&b, &c, xl, 1, &s, 1);
		T_EQ_I(count(b.p, "<circle"), 1);
	}
	mbr_buf_release(&b);
	return T_DONE();
}
