/* mbr_page.c: mbr-report's HTML page (see mbr_page.h). */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mbr_err.h"
#include "mbr_page.h"
#include "mbr_svg.h"

/* Labels in English and Chinese, by the records' names. */
static const struct label {
	const char	*name, *en, *zh;
} labels[] = {
	{ "members", "Members", "会员数" },
	{ "buyers", "Buyers", "购买会员" },
	{ "new_buyers", "New buyers", "新购买会员" },
	{ "active_30d", "Active, 30 days", "30天活跃会员" },
	{ "active_60d", "Active, 60 days", "60天活跃会员" },
	{ "active_90d", "Active, 90 days", "90天活跃会员" },
	{ "repurchase_rate", "Repurchase rate", "复购率" },
	{ "orders", "Orders", "订单数" },
	{ "revenue", "Revenue", "销售额" },
	{ "aov", "Average order value", "客单价" },
	{ "revenue_per_buyer", "Revenue per buyer", "人均消费" },
	{ "pareto_buyers", "Top 20% of buyers", "前20%买家数" },
	{ "pareto_share", "Their share of revenue", "前20%买家销售额占比" },
	{ "refunded_orders", "Refunded orders", "退款订单" },
	{ "refunds", "Refunds", "退款金额" },
	{ "refund_rate", "Refund rate", "退款率" },
	{ "outstanding", "Outstanding points", "未使用积分" },
	{ "holders", "Members holding points", "持有积分会员" },
	{ "expiring", "Points expiring next month", "下月到期积分" },
	{ "sends", "Messages sent", "发送条数" },
	{ "size", "Cohort size", "同期群人数" },
	{ "retention", "Retention", "留存率" },
	{ "title", "Membership report", "会员运营报告" },
	{ "as_of", "as of", "截至" },
	{ "kpi", "KPI", "指标" },
	{ "previous", "previous", "上期" },
	{ "change", "change", "变化" },
	{ "trends", "Trends", "趋势" },
	{ "all", "all orders", "全部订单" },
	{ "pareto", "Pareto: share of revenue by share of buyers",
	    "帕累托：买家占比与销售额占比" },
	{ "share_buyers", "top buyers", "头部买家占比" },
	{ "share_revenue", "share of revenue", "销售额占比" },
	{ "cohorts", "First-order cohorts: retention by months since",
	    "首单同期群：各月留存率" },
	{ "cohort", "cohort", "同期群" },
	{ "month", "month", "月" },
	{ "segments", "RFM segments", "RFM 分群" },
	{ "migration", "Segment migration since the previous run",
	    "分群迁移（与上次对比）" },
	{ "before", "before", "之前" },
	{ "now", "now", "现在" },
	{ "points", "Points liability", "积分负债" },
	{ "reach", "Campaign reach by channel", "各渠道触达" },
	{ "channel", "channel", "渠道" },
	{ "records", "All records", "全部记录" },
	{ "bring", "bring", "贡献了" },
	{ "of_members", "of members", "的会员" },
	{ "of_revenue", "of revenue", "的销售额" },
	{ "currency", "currency", "币种" },
	{ "group", "group", "分组" },
	{ "abtest", "A/B test", "A/B 测试" },
	{ "variant", "variant", "组别" },
	{ "converters", "converters", "转化会员" },
	{ "conversion_rate", "conversion rate", "转化率" },
	{ "revenue_per_member", "revenue per member", "人均销售额" },
	{ "lift", "lift", "提升" },
	{ "lift_low", "lift, low", "提升下限" },
	{ "lift_high", "lift, high", "提升上限" },
	{ "p_holm", "p (Holm)", "p 值（Holm）" },
	{ "chance_to_beat_control", "chance to beat control", "胜过对照组的概率" },
	{ "srm_p", "sample ratio p", "样本比例检验 p 值" },
	{ "verdict", "verdict", "结论" },
};

static const char *
L(const mbr_page_opts *o, const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(labels) / sizeof(labels[0]); i++)
		if (strcmp(labels[i].name, name) == 0)
			return o->zh ? labels[i].zh : labels[i].en;
	return name;
}

static const char *
S(const char *s)
{
	return s != NULL ? s : "";
}

static int
eq(const char *a, const char *b)
{
	return strcmp(S(a), S(b)) == 0;
}

/* The KPIs whose values are rates (shown as percentages). */
static int
is_rate(const char *section, const char *kpi)
{
	return strcmp(kpi, "repurchase_rate") == 0 ||
	    strcmp(kpi, "pareto_share") == 0 ||
	    strcmp(kpi, "refund_rate") == 0 ||
	    strcmp(kpi, "retention") == 0 ||
	    strcmp(section, "pareto") == 0;
}

static double
num(const char *s)
{
	char *end;
	double v;

	if (s == NULL || *s == '\0')
		return NAN;
	v = strtod(s, &end);
	return *end == '\0' ? v : NAN;
}

void
mbr_page_pct(mbr_buf *b, const char *s, int sign)
{
	const char *p = S(s), *dot;
	int neg = 0;
	int64_t micro = 0, t;
	size_t i;

	/* "-?D+.DDDDDD" exactly, as the records write rates */
	if (*p == '-') {
		neg = 1;
		p++;
	}
	dot = strchr(p, '.');
	if (dot == NULL || dot == p || strlen(dot + 1) != 6 ||
	    (size_t)(dot - p) > 12)
		goto copy;
	for (i = 0; p + i < dot; i++) {
		if (p[i] < '0' || p[i] > '9')
			goto copy;
		micro = micro * 10 + (p[i] - '0');
	}
	for (i = 1; i <= 6; i++) {
		if (dot[i] < '0' || dot[i] > '9')
			goto copy;
		micro = micro * 10 + (dot[i] - '0');
	}
	/* tenths of a percent: 1.000000 is 100.0%, a thousand
	 * millionths a tenth; half away from zero */
	t = (micro + 500) / 1000;
	if (neg && t > 0)
		mbr_buf_addc(b, '-');
	else if (sign && t > 0)
		mbr_buf_addc(b, '+');
	mbr_buf_addf(b, "%lld.%lld%%", (long long)(t / 10),
	    (long long)(t % 10));
	return;
copy:
	mbr_svg_esc(b, S(s));
}

/* A figure as the page shows it. */
static void
shown(mbr_buf *b, const char *section, const char *kpi, const char *s)
{
	if (is_rate(section, kpi))
		mbr_page_pct(b, s, 0);
	else
		mbr_svg_esc(b, S(s));
}

/* The data attributes that give back the record of r. */
static void
keys(mbr_buf *b, const mbr_page_rec *r)
{
	mbr_buf_adds(b, "data-section=\"");
	mbr_svg_esc(b, S(r->section));
	mbr_buf_adds(b, "\" data-kpi=\"");
	mbr_svg_esc(b, S(r->kpi));
	mbr_buf_adds(b, "\" data-period=\"");
	mbr_svg_esc(b, S(r->period));
	mbr_buf_adds(b, "\" data-group=\"");
	mbr_svg_esc(b, S(r->group));
	mbr_buf_adds(b, "\" data-key=\"");
	mbr_svg_esc(b, S(r->key));
	mbr_buf_addc(b, '"');
}

/* A table cell holding one field of r. */
static void
cell(mbr_buf *b, const mbr_page_rec *r, const char *field, const char *s,
    int rate, int sign)
{
	mbr_buf_adds(b, "<td class=\"num\" ");
	keys(b, r);
	mbr_buf_addf(b, " data-field=\"%s\" data-value=\"", field);
	mbr_svg_esc(b, S(s));
	mbr_buf_adds(b, "\">");
	if (rate)
		mbr_page_pct(b, s, sign);
	else
		mbr_svg_esc(b, S(s));
	mbr_buf_adds(b, "</td>");
}

/* The strings of a field over the records that pass, in first-seen
 * order, each once. */
struct list {
	const char	**v;
	size_t		  n;
};

static size_t
list_at(const struct list *l, const char *s)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (eq(l->v[i], s))
			return i;
	return (size_t)-1;
}

static void
list_add(struct list *l, const char *s)
{
	if (list_at(l, s) != (size_t)-1)
		return;
	l->v = mbr_xrealloc(l->v, (l->n + 1) * sizeof(*l->v));
	l->v[l->n++] = S(s);
}

static const char *
style(const mbr_page_opts *o)
{
	(void)o;
	return "<style>\n"
	    "body{font-family:\"Noto Sans CJK SC\",\"Source Han Sans SC\","
	    "\"PingFang SC\",\"Microsoft YaHei\",\"WenQuanYi Micro Hei\","
	    "\"Helvetica Neue\",Arial,sans-serif;margin:24px;color:#222;"
	    "background:#fff}\n"
	    "h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;"
	    "margin:28px 0 8px}p.meta{color:#555;margin:0 0 12px}\n"
	    "table{border-collapse:collapse;font-size:13px}"
	    "th,td{padding:3px 10px;border-bottom:1px solid #ddd;"
	    "text-align:left}td.num{text-align:right;"
	    "font-variant-numeric:tabular-nums}\n"
	    ".charts,.groups{display:flex;flex-wrap:wrap;gap:12px 28px}"
	    "svg.chart{background:#fff;border:1px solid #e4e4e4}\n"
	    "svg text{font-size:11px;fill:#333}svg text.title{font-size:13px;"
	    "font-weight:600}svg text.cellv{font-size:10px}"
	    "svg text.dark{fill:#fff}\n"
	    "svg line.grid{stroke:#e8e8e8}svg line.diagonal{stroke:#999}\n"
	    "p.pareto{font-size:15px}details{margin-top:28px}\n"
	    "</style>\n";
}

/* The latest period's KPIs of one group, against the previous. */
static void
kpi_table(mbr_buf *b, const mbr_page_rec *r, size_t n, const char *group,
    const char *latest, const mbr_page_opts *o)
{
	size_t i;

	mbr_buf_adds(b, "<table class=\"kpis\"><tr><th>");
	mbr_svg_esc(b, L(o, "kpi"));
	mbr_buf_adds(b, "</th><th>");
	mbr_svg_esc(b, latest);
	mbr_buf_adds(b, "</th><th>");
	mbr_svg_esc(b, L(o, "previous"));
	mbr_buf_adds(b, "</th><th>");
	mbr_svg_esc(b, L(o, "change"));
	mbr_buf_adds(b, "</th></tr>\n");
	for (i = 0; i < n; i++) {
		int rate;

		if (!eq(r[i].section, "kpi") || !eq(r[i].group, group) ||
		    !eq(r[i].period, latest))
			continue;
		rate = is_rate("kpi", S(r[i].kpi));
		mbr_buf_adds(b, "<tr><th>");
		mbr_svg_esc(b, L(o, S(r[i].kpi)));
		mbr_buf_adds(b, "</th>");
		cell(b, &r[i], "value", r[i].value, rate, 0);
		cell(b, &r[i], "previous", r[i].previous, rate, 0);
		cell(b, &r[i], "change", r[i].change, 1, 1);
		mbr_buf_adds(b, "</tr>\n");
	}
	mbr_buf_adds(b, "</table>\n");
}

/* Trend lines of the KPIs most looked at, all orders and up to seven
 * groups a chart. */
static void
trends(mbr_buf *b, const mbr_page_rec *r, size_t n, const struct list *per,
    const struct list *grp, const mbr_page_opts *o)
{
	static const char *const show[] = { "members", "buyers",
	    "new_buyers", "active_30d", "repurchase_rate", "revenue", "aov",
	    "refund_rate" };
	size_t ns = grp->n < 8 ? grp->n : 8, i, k, j, p, g;
	mbr_svg_point *pt = mbr_xcalloc(ns * per->n + 1, sizeof(*pt));
	mbr_svg_series *se = mbr_xcalloc(ns + 1, sizeof(*se));
	char **attr = mbr_xcalloc(ns * per->n + 1, sizeof(*attr));
	mbr_buf a;

	mbr_buf_init(&a);
	mbr_buf_adds(b, "<h2>");
	mbr_svg_esc(b, L(o, "trends"));
	mbr_buf_adds(b, "</h2>\n<div class=\"charts\">\n");
	for (k = 0; k < sizeof(show) / sizeof(show[0]); k++) {
		mbr_svg_chart c = { NULL, L(o, show[k]), 400, 220,
		    is_rate("kpi", show[k]) };
		char id[64];
		int any = 0;

		for (j = 0; j < ns * per->n; j++) {
			pt[j] = (mbr_svg_point){ NAN, NULL, NULL, NULL };
			free(attr[j]);
			attr[j] = NULL;
		}
		for (i = 0; i < n; i++) {
			if (!eq(r[i].section, "kpi") || !eq(r[i].kpi, show[k]))
				continue;
			if ((g = list_at(grp, r[i].group)) >= ns ||
			    (p = list_at(per, r[i].period)) == (size_t)-1)
				continue;
			j = g * per->n + p;
			pt[j].y = num(r[i].value);
			pt[j].text = r[i].value;
			pt[j].label = per->v[p];
			mbr_buf_reset(&a);
			keys(&a, &r[i]);
			attr[j] = mbr_xstrdup(a.p);
			pt[j].attr = attr[j];
			any = 1;
		}
		if (!any)
			continue;
		for (g = 0; g < ns; g++) {
			se[g].name = *grp->v[g] != '\0' ? grp->v[g] :
			    L(o, "all");
			se[g].pt = pt + g * per->n;
		}
		snprintf(id, sizeof(id), "trend-%s", show[k]);
		c.id = id;
		mbr_svg_lines(b, &c, per->v, per->n, se, ns);
	}
	mbr_buf_adds(b, "</div>\n");
	for (j = 0; j < ns * per->n; j++)
		free(attr[j]);
	free(attr);
	free(pt);
	free(se);
	mbr_buf_release(&a);
}

/* The latest Pareto curve, and its line in words. */
static void
pareto(mbr_buf *b, const mbr_page_rec *r, size_t n, const char *latest,
    const mbr_page_opts *o)
{
	const mbr_page_rec *pb = NULL, *ps = NULL, *pm = NULL;
	mbr_svg_point *pt = mbr_xcalloc(n + 1, sizeof(*pt));
	double *x = mbr_xcalloc(n + 1, sizeof(*x));
	char **attr = mbr_xcalloc(n + 1, sizeof(*attr));
	mbr_svg_chart c = { "pareto", NULL, 420, 400, 1 };
	size_t i, np = 0;
	mbr_buf a;

	mbr_buf_init(&a);
	for (i = 0; i < n; i++) {
		if (eq(r[i].section, "kpi") && eq(r[i].group, "") &&
		    eq(r[i].period, latest)) {
			if (eq(r[i].kpi, "pareto_buyers"))
				pb = &r[i];
			else if (eq(r[i].kpi, "pareto_share"))
				ps = &r[i];
			else if (eq(r[i].kpi, "members"))
				pm = &r[i];
		}
		if (!eq(r[i].section, "pareto"))
			continue;
		x[np] = num(r[i].key) / 100;
		pt[np].y = num(r[i].value);
		pt[np].text = r[i].value;
		pt[np].label = r[i].key;
		mbr_buf_reset(&a);
		keys(&a, &r[i]);
		attr[np] = mbr_xstrdup(a.p);
		pt[np].attr = attr[np];
		if (isnan(x[np]))
			free(attr[np]);
		else
			np++;
	}
	if (np > 0 || ps != NULL) {
		mbr_buf_adds(b, "<h2>");
		mbr_svg_esc(b, L(o, "pareto"));
		mbr_buf_adds(b, "</h2>\n");
	}
	if (pb != NULL && ps != NULL && pm != NULL && S(ps->value)[0] != '\0') {
		/* "26% of members bring 63% of revenue": the top fifth of
		 * the buyers as a share of the members */
		double m = num(pm->value), k = num(pb->value);
		char share[32];

		snprintf(share, sizeof(share), "%.6f", m > 0 ? k / m : 0.0);
		mbr_buf_adds(b, "<p class=\"pareto\">");
		mbr_page_pct(b, share, 0);
		mbr_buf_addc(b, ' ');
		mbr_svg_esc(b, L(o, "of_members"));
		mbr_buf_addf(b, " (<span ");
		keys(b, pb);
		mbr_buf_adds(b, " data-field=\"value\" data-value=\"");
		mbr_svg_esc(b, S(pb->value));
		mbr_buf_adds(b, "\">");
		mbr_svg_esc(b, S(pb->value));
		mbr_buf_adds(b, "</span>) ");
		mbr_svg_esc(b, L(o, "bring"));
		mbr_buf_adds(b, " <span ");
		keys(b, ps);
		mbr_buf_adds(b, " data-field=\"value\" data-value=\"");
		mbr_svg_esc(b, S(ps->value));
		mbr_buf_adds(b, "\">");
		mbr_page_pct(b, ps->value, 0);
		mbr_buf_adds(b, "</span> ");
		mbr_svg_esc(b, L(o, "of_revenue"));
		mbr_buf_adds(b, "</p>\n");
	}
	if (np > 0) {
		c.title = latest;
		mbr_svg_curve(b, &c, x, pt, np, L(o, "share_buyers"),
		    L(o, "share_revenue"));
	}
	for (i = 0; i < np; i++)
		free(attr[i]);
	free(attr);
	free(x);
	free(pt);
	mbr_buf_release(&a);
}

/* A heat map of one kpi of a section, rows by period (cohorts) or
 * group (migration), columns by key; shaded by value, or by value over
 * the row's sum when share is set (the migration's counts). */
static void
heat(mbr_buf *b, const mbr_page_rec *r, size_t n, const char *section,
    const char *kpi, int byperiod, int share, const char *id,
    const char *title, const char *rowname, const char *colname,
    const mbr_page_opts *o)
{
	struct list rows = { NULL, 0 }, cols = { NULL, 0 };
	mbr_svg_point *pt;
	char **attr, **txt;
	double *sum;
	size_t i, j, ri, ci;
	mbr_svg_chart c;
	mbr_buf a;

	for (i = 0; i < n; i++)
		if (eq(r[i].section, section) && eq(r[i].kpi, kpi)) {
			list_add(&rows, byperiod ? r[i].period : r[i].group);
			list_add(&cols, r[i].key);
		}
	if (rows.n == 0)
		return;
	pt = mbr_xcalloc(rows.n * cols.n, sizeof(*pt));
	attr = mbr_xcalloc(rows.n * cols.n, sizeof(*attr));
	txt = mbr_xcalloc(rows.n * cols.n, sizeof(*txt));
	sum = mbr_xcalloc(rows.n, sizeof(*sum));
	for (j = 0; j < rows.n * cols.n; j++)
		pt[j].y = NAN;
	mbr_buf_init(&a);
	for (i = 0; i < n; i++) {
		if (!eq(r[i].section, section) || !eq(r[i].kpi, kpi))
			continue;
		ri = list_at(&rows, byperiod ? r[i].period : r[i].group);
		ci = list_at(&cols, r[i].key);
		j = ri * cols.n + ci;
		pt[j].y = num(r[i].value);
		pt[j].text = r[i].value;
		pt[j].label = rows.v[ri];
		if (!isnan(pt[j].y))
			sum[ri] += pt[j].y;
		mbr_buf_reset(&a);
		keys(&a, &r[i]);
		attr[j] = mbr_xstrdup(a.p);
		pt[j].attr = attr[j];
		mbr_buf_reset(&a);
		shown(&a, section, kpi, r[i].value);
		txt[j] = mbr_xstrdup(a.p);
	}
	if (share)
		for (j = 0; j < rows.n * cols.n; j++)
			if (!isnan(pt[j].y))
				pt[j].y = sum[j / cols.n] > 0 ?
				    pt[j].y / sum[j / cols.n] : 0;
	c.id = id;
	c.title = title;
	c.percent = 0;
	c.width = 140 + 56 * (int)cols.n;
	if (c.width < 360)
		c.width = 360;
	c.height = 64 + 24 * (int)rows.n;
	mbr_svg_heat(b, &c, rows.v, rows.n, cols.v, cols.n, pt,
	    (const char *const *)txt, rowname, colname);
	for (j = 0; j < rows.n * cols.n; j++) {
		free(attr[j]);
		free(txt[j]);
	}
	free(attr);
	free(txt);
	free(sum);
	free(pt);
	free(rows.v);
	free(cols.v);
	mbr_buf_release(&a);
	(void)o;
}

static void
segments(mbr_buf *b, const mbr_page_rec *r, size_t n,
    const mbr_page_opts *o)
{
	const char **lab = mbr_xcalloc(n + 1, sizeof(*lab));
	mbr_svg_point *pt = mbr_xcalloc(n + 1, sizeof(*pt));
	char **attr = mbr_xcalloc(n + 1, sizeof(*attr));
	mbr_svg_chart c = { "segments", L(o, "segments"), 520, 0, 0 };
	size_t i, k = 0;
	mbr_buf a;

	mbr_buf_init(&a);
	for (i = 0; i < n; i++) {
		if (!eq(r[i].section, "segments"))
			continue;
		lab[k] = S(r[i].group);
		pt[k].y = num(r[i].value);
		pt[k].text = r[i].value;
		pt[k].label = lab[k];
		mbr_buf_reset(&a);
		keys(&a, &r[i]);
		attr[k] = mbr_xstrdup(a.p);
		pt[k].attr = attr[k];
		k++;
	}
	if (k > 0) {
		c.height = 40 + 22 * (int)k;
		mbr_svg_bars(b, &c, lab, pt, k);
	}
	for (i = 0; i < k; i++)
		free(attr[i]);
	free(attr);
	free(pt);
	free(lab);
	mbr_buf_release(&a);
}

/* The records of one section as a table of kpi, group and value. */
static void
plain(mbr_buf *b, const mbr_page_rec *r, size_t n, const char *section,
    const char *title, const char *groupname, const mbr_page_opts *o)
{
	size_t i;
	int any = 0;

	for (i = 0; i < n; i++) {
		if (!eq(r[i].section, section))
			continue;
		if (!any) {
			mbr_buf_adds(b, "<h2>");
			mbr_svg_esc(b, title);
			mbr_buf_adds(b, "</h2>\n<table class=\"");
			mbr_svg_esc(b, section);
			mbr_buf_adds(b, "\"><tr><th>");
			mbr_svg_esc(b, L(o, "kpi"));
			mbr_buf_adds(b, "</th><th>");
			mbr_svg_esc(b, groupname);
			mbr_buf_adds(b, "</th><th></th></tr>\n");
			any = 1;
		}
		mbr_buf_adds(b, "<tr><th>");
		mbr_svg_esc(b, L(o, S(r[i].kpi)));
		if (S(r[i].period)[0] != '\0') {
			mbr_buf_adds(b, " (");
			mbr_svg_esc(b, r[i].period);
			mbr_buf_addc(b, ')');
		}
		mbr_buf_adds(b, "</th><td>");
		mbr_svg_esc(b, S(r[i].group)[0] != '\0' ? r[i].group :
		    L(o, "all"));
		mbr_buf_adds(b, "</td>");
		cell(b, &r[i], "value", r[i].value, 0, 0);
		mbr_buf_adds(b, "</tr>\n");
	}
	if (any)
		mbr_buf_adds(b, "</table>\n");
}

/* mbr-abtest's results: a table a test, its variants by its measures,
 * each as the records have it. */
static void
abtest(mbr_buf *b, const mbr_page_rec *r, size_t n, const mbr_page_opts *o)
{
	struct list ex = { NULL, 0 }, var = { NULL, 0 }, ms = { NULL, 0 };
	size_t e, v, m, i;

	for (i = 0; i < n; i++)
		if (eq(r[i].section, "abtest"))
			list_add(&ex, r[i].group);
	for (e = 0; e < ex.n; e++) {
		var.n = ms.n = 0;
		for (i = 0; i < n; i++)
			if (eq(r[i].section, "abtest") &&
			    eq(r[i].group, ex.v[e])) {
				list_add(&var, r[i].key);
				list_add(&ms, r[i].kpi);
			}
		mbr_buf_adds(b, "<h2>");
		mbr_svg_esc(b, L(o, "abtest"));
		mbr_buf_addc(b, ' ');
		mbr_svg_esc(b, ex.v[e]);
		mbr_buf_adds(b, "</h2>\n<table class=\"abtest\"><tr><th>");
		mbr_svg_esc(b, L(o, "variant"));
		mbr_buf_adds(b, "</th>");
		for (m = 0; m < ms.n; m++) {
			mbr_buf_adds(b, "<th>");
			mbr_svg_esc(b, L(o, ms.v[m]));
			mbr_buf_adds(b, "</th>");
		}
		mbr_buf_adds(b, "</tr>\n");
		for (v = 0; v < var.n; v++) {
			mbr_buf_adds(b, "<tr><th>");
			mbr_svg_esc(b, var.v[v]);
			mbr_buf_adds(b, "</th>");
			for (m = 0; m < ms.n; m++) {
				for (i = 0; i < n; i++)
					if (eq(r[i].section, "abtest") &&
					    eq(r[i].group, ex.v[e]) &&
					    eq(r[i].key, var.v[v]) &&
					    eq(r[i].kpi, ms.v[m]))
						break;
				if (i < n)
					cell(b, &r[i], "value", r[i].value, 0,
					    0);
				else
					mbr_buf_adds(b, "<td></td>");
			}
			mbr_buf_adds(b, "</tr>\n");
		}
		mbr_buf_adds(b, "</table>\n");
	}
	free(ex.v);
	free(var.v);
	free(ms.v);
}

/* Every record, in order, as the CSV has them. */
static void
all_records(mbr_buf *b, const mbr_page_rec *r, size_t n,
    const mbr_page_opts *o)
{
	static const char *const f[] = { "section", "kpi", "period",
	    "period_start", "group", "key", "value", "previous", "change" };
	size_t i, k;

	mbr_buf_adds(b, "<details><summary>");
	mbr_svg_esc(b, L(o, "records"));
	mbr_buf_adds(b, "</summary>\n<table class=\"records\"><tr>");
	for (k = 0; k < 9; k++)
		mbr_buf_addf(b, "<th>%s</th>", f[k]);
	mbr_buf_adds(b, "</tr>\n");
	for (i = 0; i < n; i++) {
		const char *v[9] = { r[i].section, r[i].kpi, r[i].period,
		    r[i].period_start, r[i].group, r[i].key, r[i].value,
		    r[i].previous, r[i].change };

		mbr_buf_adds(b, "<tr class=\"record\">");
		for (k = 0; k < 9; k++) {
			mbr_buf_adds(b, "<td>");
			mbr_svg_esc(b, S(v[k]));
			mbr_buf_adds(b, "</td>");
		}
		mbr_buf_adds(b, "</tr>\n");
	}
	mbr_buf_adds(b, "</table></details>\n");
}

void
mbr_page_write(mbr_buf *b, const mbr_page_rec *r, size_t n,
    const mbr_page_opts *o)
{
	struct list per = { NULL, 0 }, grp = { NULL, 0 };
	const char *latest;
	size_t i, g;

	for (i = 0; i < n; i++)
		if (eq(r[i].section, "kpi")) {
			list_add(&per, r[i].period);
			list_add(&grp, r[i].group);
		}
	latest = per.n > 0 ? per.v[per.n - 1] : "";
	mbr_buf_addf(b, "<!DOCTYPE html>\n<html lang=\"%s\">\n<head>\n"
	    "<meta charset=\"utf-8\">\n<title>", o->zh ? "zh-CN" : "en");
	mbr_svg_esc(b, L(o, "title"));
	mbr_buf_adds(b, "</title>\n");
	mbr_buf_adds(b, style(o));
	mbr_buf_adds(b, "</head>\n<body>\n<h1>");
	mbr_svg_esc(b, L(o, "title"));
	mbr_buf_adds(b, "</h1>\n<p class=\"meta\">");
	mbr_svg_esc(b, L(o, "as_of"));
	mbr_buf_addc(b, ' ');
	mbr_svg_esc(b, S(o->as_of));
	if (o->tz != NULL) {
		mbr_buf_adds(b, " (");
		mbr_svg_esc(b, o->tz);
		mbr_buf_addc(b, ')');
	}
	if (o->currency != NULL) {
		mbr_buf_adds(b, "; ");
		mbr_svg_esc(b, L(o, "currency"));
		mbr_buf_addc(b, ' ');
		mbr_svg_esc(b, o->currency);
	}
	mbr_buf_adds(b, "</p>\n");
	mbr_buf_adds(b, "<div class=\"groups\">\n");
	for (g = 0; g < grp.n; g++) {
		mbr_buf_adds(b, "<div class=\"group\"><h2>");
		if (*grp.v[g] == '\0')
			mbr_svg_esc(b, L(o, "all"));
		else {
			mbr_svg_esc(b, o->by != NULL ? o->by : L(o, "group"));
			mbr_buf_adds(b, ": ");
			mbr_svg_esc(b, grp.v[g]);
		}
		mbr_buf_adds(b, "</h2>\n");
		kpi_table(b, r, n, grp.v[g], latest, o);
		mbr_buf_adds(b, "</div>\n");
	}
	mbr_buf_adds(b, "</div>\n");
	if (per.n > 0)
		trends(b, r, n, &per, &grp, o);
	pareto(b, r, n, latest, o);
	for (i = 0; i < n && !eq(r[i].section, "cohort"); i++)
		;
	if (i < n) {
		mbr_buf_adds(b, "<h2>");
		mbr_svg_esc(b, L(o, "cohorts"));
		mbr_buf_adds(b, "</h2>\n");
		heat(b, r, n, "cohort", "retention", 1, 0, "cohorts",
		    L(o, "retention"), L(o, "cohort"), L(o, "month"), o);
	}
	for (i = 0; i < n && !eq(r[i].section, "segments"); i++)
		;
	if (i < n) {
		mbr_buf_adds(b, "<h2>");
		mbr_svg_esc(b, L(o, "segments"));
		mbr_buf_adds(b, "</h2>\n<div class=\"charts\">\n");
		segments(b, r, n, o);
		heat(b, r, n, "migration", "members", 0, 1, "migration",
		    L(o, "migration"), L(o, "before"), L(o, "now"), o);
		mbr_buf_adds(b, "</div>\n");
	}
	plain(b, r, n, "points", L(o, "points"), L(o, "group"), o);
	plain(b, r, n, "reach", L(o, "reach"), L(o, "channel"), o);
	abtest(b, r, n, o);
	all_records(b, r, n, o);
	mbr_buf_adds(b, "</body>\n</html>\n");
	free(per.v);
	free(grp.v);
}
