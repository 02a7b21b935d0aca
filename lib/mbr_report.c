/* mbr_report.c: mbr-report, the KPI dashboard's records
 * (man/mbr-report.1). */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mbr_expr.h"
#include "mbr_ident.h"
#include "mbr_io.h"
#include "mbr_money.h"
#include "mbr_page.h"
#include "mbr_report.h"
#include "mbr_split.h"
#include "mbr_stats.h"
#include "mbr_tab.h"
#include "mbr_time.h"

#define NONE_DAY_HI	INT32_MAX	/* no first purchase */
#define NONE_DAY_LO	INT32_MIN	/* no last order */

static const char *const kpi_names[MBR_KPI_N] = {
	"members", "buyers", "new_buyers", "active_30d", "active_60d",
	"active_90d", "repurchase_rate", "orders", "revenue", "aov",
	"revenue_per_buyer", "pareto_buyers", "pareto_share",
	"refunded_orders", "refunds", "refund_rate"
};

const char *
mbr_report_kpi_name(int kpi)
{
	return kpi >= 0 && kpi < MBR_KPI_N ? kpi_names[kpi] : NULL;
}

/* The record's columns, one schema for every section. */
enum { C_SECTION, C_KPI, C_PERIOD, C_START, C_GROUP, C_KEY, C_VALUE,
	C_PREV, C_CHANGE, C_N };
static const char *const col_names[C_N] = { "section", "kpi", "period",
	"period_start", "group", "key", "value", "previous", "change" };

/* A member's (or, with --by, a member's in one group) numbers for one
 * period: 16 bytes. */
struct cell {
	int64_t		rev;	/* paid amounts, returns included */
	uint32_t	orders;	/* purchases: paid, amount >= 0 */
	int32_t		last;	/* last paid order's local day */
};

/* A member, or a (member, group) pair; its np cells follow, and for a
 * member nc cohort months' revenue after them. */
struct ent {
	int64_t		seen;	/* first order of any status, or signup */
	int32_t		first;	/* first purchase's local day */
	int32_t		lastpre;	/* last paid order before the periods */
	uint32_t	mi;	/* a pair's member */
	uint32_t	gi;	/* a pair's group */
	uint64_t	cmask;	/* cohort months with a purchase */
};

#define CELLS(e)	((struct cell *)(void *)((char *)(e) + \
			    sizeof(struct ent)))
#define CREV(g, e)	((int64_t *)(void *)((char *)(e) + \
			    sizeof(struct ent) + (size_t)(g)->np * \
			    sizeof(struct cell)))

/* Refunded orders of a period, counted apart from the members: a
 * refunded order makes no buyer. */
struct racc {
	uint64_t	refunded;
	int64_t		refunds;
};

enum { K_PAID, K_REFUNDED, K_OTHER };

/* An order on its way from map to commit; the member_id, a NUL and the
 * group's value (with --by) behind it. */
struct item {
	uint64_t	 h, ph;		/* hashes of member, member+group */
	int64_t		 t, a;
	int32_t		 day;
	int16_t		 p;		/* period, -1 before the first */
	int8_t		 cm;		/* cohort month, -1 outside */
	int8_t		 kind;
	const char	*key;
	uint32_t	 n, gn;
};

struct ochunk {
	uint64_t	 paid, refunded, other, future;
	char		 cur[8];
	int		 exp;
	int		 set;
};

/* A growing list of the buyers' revenues of one period. */
struct vec {
	int64_t		*v;
	size_t		 n, cap;
};

enum { Q_MEM, Q_BUY, Q_NEWB, Q_A30, Q_A60, Q_A90, Q_REP, Q_ORD, NQ };

/* One population's counts per period, then its KPIs: np periods of
 * NQ counts, and of MBR_KPI_N values. */
struct grpres {
	const char	*name;	/* NULL: all orders */
	size_t		 n;
	uint64_t	*q;
	__int128	*rev;
	struct racc	*r;
	struct vec	*sv;
	mbr_kval	*v;
};

/* A segment's members in this run's mbr-rfm output and the previous. */
struct segc {
	uint64_t	cur, prev;
};

/* Points liability from mbr-points balances. */
struct pts {
	__int128	 points, expiring;
	uint64_t	 holders;
	int64_t		 last;	/* last day of next month */
};

/* --abtest: the measures of mbr-abtest analyze's records shown, as
 * they are written there (the report recomputes nothing of a test). */
static const char *const ab_names[] = { "members", "converters",
    "conversion_rate", "revenue_per_member", "lift", "lift_low",
    "lift_high", "p_holm", "chance_to_beat_control", "srm_p", "verdict" };
#define NAB	(sizeof(ab_names) / sizeof(ab_names[0]))

/* A variant of a test: its experiment, its name and its measures, in
 * an arena; NULL for a measure the file lacks or leaves empty. */
struct abrow {
	const char	*exp, *var;
	const char	*v[NAB];
};

/* Campaign reach: sends and distinct members, per channel. */
struct reach {
	mbr_tab		*ch;	/* channel -> struct rch */
	mbr_tab		*who;	/* member + NUL + channel */
	mbr_tab		*all;	/* member */
	uint64_t	 sends, members;
	mbr_buf		 key;
};

struct rch {
	uint64_t	sends, members;
};

struct rep {
	const mbr_cli		*c;
	const mbr_report_opts	*o;
	mbr_run			 run;
	mbr_tz			*tz;
	mbr_time		 asof;
	int64_t			 asof_day;
	int			 np;	/* periods computed: --periods + 1 */
	int64_t			*start;	/* np + 1 first days */
	int64_t			*endt;	/* np: a period's end, exclusive */
	int64_t			*endday;	/* np: its as-of day */
	int			 ym0;	/* month number of period 0 */
	int			 nc, cm0;	/* cohort months, the first */
	mbr_tab			*mem, *pair, *grp;
	size_t			 entsize;	/* a member's bytes */
	struct racc		*racc;	/* np: the total's */
	char			 cur[8], cur0[8];
	int			 exp;
	int			 ix_id, ix_ts, ix_amt, ix_cur, ix_st, ix_by;
	uint64_t		 paid, refunded, other, future;
	char			 ovf[208];
	int			 priced;	/* the currency is known */
	int			 have[4];	/* rfm, previous, points,
						 * sends sections */
	/* results, each adding up over shards of members */
	struct grpres		*res;
	size_t			 nres;
	mbr_tab			*mgrp;	/* --merge: group -> res index */
	mbr_kval		 curve[10];	/* the latest Pareto curve */
	uint64_t		*coh_size, *coh_buy;	/* nc, nc * nc */
	__int128		*coh_rev;
	mbr_tab			*segc;	/* segment -> struct segc */
	mbr_tab			*mig;	/* from NUL to -> count */
	struct pts		 pts;
	struct reach		 reach;
	int			 facts_seen;
	mbr_buf			 key;
	/* output */
	mbr_writer		*w;
	mbr_output		*out;	/* --format text */
	/* --abtest */
	struct abrow		*ab;
	size_t			 nab, capab;
	mbr_arena		*abstr;
	/* --html: every record kept, its fields in an arena, for the
	 * page written at the end */
	mbr_output		*hout;
	mbr_page_rec		*hrec;
	size_t			 nhrec, caphrec;
	mbr_arena		*hstr;
	mbr_buf			 txt;
};

/* --- numbers --- */

int64_t
mbr_div_round(__int128 a, __int128 b)
{
	int neg = a < 0;
	__int128 q;

	if (neg)
		a = -a;
	q = (2 * a + b) / (2 * b);
	return (int64_t)(neg ? -q : q);
}

/* A fraction too wide to be scaled by 10^places and doubled is shed of
 * low bits first: only sums near 2^100 minor units come here, which no
 * shop's are. */
size_t
mbr_ratio_fmt(char *buf, __int128 num, __int128 den, int places)
{
	static const __int128 lim = (__int128)1 << 100;
	char dig[64];
	__int128 q, scale = 1;
	int neg, i, k = 0;
	size_t n = 0;

	if (den < 0) {
		num = -num;
		den = -den;
	}
	neg = num < 0;
	if (neg)
		num = -num;
	while (num >= lim || den >= lim) {
		num >>= 1;
		den >>= 1;
		if (den == 0)
			den = 1;
	}
	for (i = 0; i < places; i++)
		scale *= 10;
	q = (2 * num * scale + den) / (2 * den);
	if (q == 0)
		neg = 0;
	do {
		dig[k++] = (char)('0' + (int)(q % 10));
		q /= 10;
	} while (q > 0 || k <= places);
	if (neg)
		buf[n++] = '-';
	while (k > 0) {
		buf[n++] = dig[--k];
		if (k == places && places > 0)
			buf[n++] = '.';
	}
	buf[n] = '\0';
	return n;
}

mbr_kval
mbr_kval_change(mbr_kval v, mbr_kval p)
{
	mbr_kval c = { .kind = MBR_KV_RATE, .den = 1 };

	if (v.null || p.null || p.num == 0) {
		c.null = 1;
		return c;
	}
	/* (v - p) / |p|, v = a/b, p = c/d: (ad - cb) / |c| b */
	c.num = v.num * p.den - p.num * v.den;
	c.den = (p.num < 0 ? -p.num : p.num) * v.den;
	return c;
}

static mbr_kval
kcount(uint64_t n)
{
	return (mbr_kval){ .kind = MBR_KV_COUNT, .num = n, .den = 1 };
}

static mbr_kval
kmoney(__int128 m)
{
	return (mbr_kval){ .kind = MBR_KV_MONEY, .num = m, .den = 1 };
}

static mbr_kval
krate(__int128 num, __int128 den)
{
	mbr_kval v = { .kind = MBR_KV_RATE, .num = num, .den = den };

	if (den <= 0)
		v.null = 1;
	return v;
}

/* --- periods --- */

static int
month_of(int64_t day)
{
	int64_t y;
	unsigned m, d;

	mbr_civil_from_days(day, &y, &m, &d);
	return (int)(y * 12 + (int64_t)m - 1);
}

static int64_t
month_start(int ym)
{
	int y = ym >= 0 ? ym / 12 : -((-ym + 11) / 12);

	return mbr_days_from_civil(y, (unsigned)(ym - y * 12 + 1), 1);
}

void
mbr_report_periods(int unit, int64_t day, int n, int64_t *start)
{
	int64_t mon;
	int i, ym;

	for (i = 0; i < n; i++)
		switch (unit) {
		case MBR_PERIOD_MONTH:
			ym = month_of(day);
			start[i] = month_start(ym - (n - 1) + i);
			break;
		case MBR_PERIOD_WEEK:
			/* 1970-01-01 was a Thursday: Monday is 0 */
			mon = day - (((day + 3) % 7) + 7) % 7;
			start[i] = mon - 7 * (int64_t)(n - 1 - i);
			break;
		default:
			start[i] = day - (n - 1 - i);
		}
	start[n] = day + 1;
}

size_t
mbr_report_label(char *buf, int unit, int64_t start)
{
	int64_t y, thu, y1;
	unsigned m, d;

	if (unit == MBR_PERIOD_WEEK) {
		/* ISO 8601: the week belongs to the year of its Thursday */
		thu = start + 3;
		mbr_civil_from_days(thu, &y, &m, &d);
		y1 = mbr_days_from_civil(y, 1, 1);
		return (size_t)snprintf(buf, 16, "%04lld-W%02lld",
		    (long long)y, (long long)((thu - y1) / 7 + 1));
	}
	mbr_civil_from_days(start, &y, &m, &d);
	if (unit == MBR_PERIOD_MONTH)
		return (size_t)snprintf(buf, 16, "%04lld-%02u", (long long)y,
		    m);
	return (size_t)snprintf(buf, 16, "%04lld-%02u-%02u", (long long)y, m,
	    d);
}

static int64_t
local_day(struct rep *g, int64_t t)
{
	mbr_time tm = { t, mbr_tz_offset_at(g->tz, t) };

	return mbr_time_day(tm);
}

/* The period of local day d: -1 before the first. */
static int
period_of(const struct rep *g, int64_t d)
{
	if (d < g->start[0])
		return -1;
	if (d >= g->start[g->np])
		return g->np;	/* not reached: no order after --as-of */
	switch (g->o->period) {
	case MBR_PERIOD_MONTH:
		return month_of(d) - g->ym0;
	case MBR_PERIOD_WEEK:
		return (int)((d - g->start[0]) / 7);
	default:
		return (int)(d - g->start[0]);
	}
}

static int
cohort_of(const struct rep *g, int64_t d)
{
	int k = month_of(d) - g->cm0;

	return k >= 0 && k < g->nc ? k : -1;
}

/* --- fields --- */

static mbr_slice
val(const mbr_rec *rec, int ix)
{
	if (rec->type[ix] == MBR_V_NULL)
		return (mbr_slice){ NULL, 0 };
	return rec->f[ix];
}

static mbr_slice
trimmed(const mbr_rec *rec, int ix)
{
	mbr_slice s = val(rec, ix);

	if (s.p != NULL)
		mbr_trim(&s.p, &s.n);
	if (s.n == 0)
		s.p = NULL;
	return s;
}

/* A member_id as written (a key is exact, as mbr-rfm keys it), absent
 * when null, empty or blank. */
static mbr_slice
idfld(const mbr_rec *rec, int ix)
{
	mbr_slice s = val(rec, ix);
	size_t i;

	for (i = 0; s.p != NULL && i < s.n; i++)
		if (!mbr_isblank((unsigned char)s.p[i]) && s.p[i] != '\n')
			return s;
	return (mbr_slice){ NULL, 0 };
}

/* --- the orders --- */

static void
init_ent(const struct rep *g, struct ent *e)
{
	struct cell *c = CELLS(e);
	int i;

	e->seen = INT64_MAX;
	e->first = NONE_DAY_HI;
	e->lastpre = NONE_DAY_LO;
	for (i = 0; i < g->np; i++)
		c[i].last = NONE_DAY_LO;
}

static void
obegin(void *ctx, mbr_chunk *ck, void *st, const void *prev, int after)
{
	struct rep *g = ctx;
	struct ochunk *k = st;
	const struct ochunk *p = prev;

	(void)ck;
	memcpy(k->cur, g->cur0, sizeof(k->cur));
	k->exp = -1;
	if (g->o->currency != NULL)
		k->exp = g->exp;
	else if (after && g->exp >= 0) {
		memcpy(k->cur, g->cur, sizeof(k->cur));
		k->exp = g->exp;
	} else if (p != NULL && p->exp >= 0) {
		memcpy(k->cur, p->cur, sizeof(k->cur));
		k->exp = p->exp;
	}
}

static void
omap(void *ctx, mbr_chunk *ck, void *st, const mbr_rec *rec)
{
	struct rep *g = ctx;
	struct ochunk *k = st;
	mbr_slice id, ts, stt, cur, amt, gv = { NULL, 0 };
	mbr_err e;
	mbr_time t;
	int64_t a = 0, day;
	int kind;
	struct item *it;
	char *x;
	const char *why;
	mbr_buf msg;

	mbr_err_clear(&e);
	if (rec->bad != NULL) {
		mbr_chunk_reject(ck, rec, rec->bad, rec->why);
		return;
	}
	stt = val(rec, g->ix_st);
	if (stt.p == NULL || stt.n == 0) {
		mbr_chunk_reject(ck, rec, "missing status",
		    "status is missing");
		return;
	}
	if (mbr_slice_eq(stt, "paid", 4))
		kind = K_PAID;
	else if (mbr_slice_eq(stt, "refunded", 8))
		kind = K_REFUNDED;
	else if (mbr_slice_eq(stt, "cancelled", 9) ||
	    mbr_slice_eq(stt, "pending", 7))
		kind = K_OTHER;
	else {
		mbr_chunk_rejectf(ck, rec, "unknown status", "status \"%.*s\" "
		    "is not paid, refunded, cancelled or pending", (int)stt.n,
		    stt.p);
		return;
	}
	id = idfld(rec, g->ix_id);
	if (id.p == NULL) {
		mbr_chunk_reject(ck, rec, "missing member_id",
		    "member_id is missing");
		return;
	}
	ts = val(rec, g->ix_ts);
	if (ts.p == NULL || mbr_time_parse(&t, ts.p, ts.n, g->tz, &e) !=
	    MBR_OK) {
		mbr_chunk_reject(ck, rec, "bad ts", ts.p ? e.msg :
		    "ts is missing");
		return;
	}
	if (kind != K_OTHER) {
		cur = val(rec, g->ix_cur);
		if ((why = mbr_currency_judge(k->cur, &k->exp, &k->set, cur.p,
		    cur.n, &msg)) != NULL) {
			mbr_chunk_reject(ck, rec, why, msg.p);
			mbr_buf_release(&msg);
			return;
		}
		amt = val(rec, g->ix_amt);
		if (amt.p == NULL || mbr_money_parse(&a, amt.p, amt.n,
		    (unsigned)k->exp, g->c->decimal_comma ?
		    MBR_MONEY_DECIMAL_COMMA : 0, &e) != MBR_OK) {
			mbr_chunk_reject(ck, rec, "bad amount", amt.p ? e.msg :
			    "amount is missing");
			return;
		}
	}
	if (t.t > g->asof.t) {
		k->future++;	/* after --as-of: not yet happened */
		return;
	}
	if (kind == K_PAID)
		k->paid++;
	else if (kind == K_REFUNDED)
		k->refunded++;
	else
		k->other++;
	if (g->ix_by >= 0) {
		gv = trimmed(rec, g->ix_by);
		if (gv.p == NULL)
			gv = MBR_SLICE("(none)");
	}
	it = mbr_chunk_add(ck, id.n + 1 + gv.n, (void **)&x);
	memcpy(x, id.p, id.n);
	x[id.n] = '\0';
	if (gv.n > 0)
		memcpy(x + id.n + 1, gv.p, gv.n);
	day = local_day(g, t.t);
	it->key = x;
	it->n = (uint32_t)id.n;
	it->gn = (uint32_t)gv.n;
	it->h = mbr_hash(id.p, id.n);
	if (g->ix_by >= 0)
		it->ph = mbr_hash(x, id.n + 1 + gv.n);
	it->t = t.t;
	it->a = a;
	it->day = (int32_t)day;
	it->p = (int16_t)period_of(g, day);
	it->cm = (int8_t)cohort_of(g, day);
	it->kind = (int8_t)kind;
}

/* A sum past 2^63 - 1 minor units: no real member's, so the data are
 * wrong, and the run fails naming the first (as mbr-rfm). */
static void
overflow(struct rep *g, const char *key, size_t n)
{
	if (g->ovf[0] == '\0')
		snprintf(g->ovf, sizeof(g->ovf), "%.*s", (int)(n < 200 ? n :
		    200), key);
}

static void
fold_ent(struct rep *g, struct ent *e, const struct item *it, int member)
{
	struct cell *c;

	if (it->t < e->seen)
		e->seen = it->t;
	if (it->kind != K_PAID)
		return;
	if (it->p < 0) {
		if (it->day > e->lastpre)
			e->lastpre = it->day;
	} else {
		c = &CELLS(e)[it->p];
		if (it->day > c->last)
			c->last = it->day;
		if (__builtin_add_overflow(c->rev, it->a, &c->rev))
			overflow(g, it->key, it->n);
		/* A paid order with a negative amount is a return booked
		 * as an order of its own: revenue, not a purchase. */
		if (it->a >= 0)
			c->orders++;
	}
	if (it->a >= 0 && it->day < e->first)
		e->first = it->day;
	if (member && it->cm >= 0) {
		int64_t *r = &CREV(g, e)[it->cm];

		if (__builtin_add_overflow(*r, it->a, r))
			overflow(g, it->key, it->n);
		if (it->a >= 0)
			e->cmask |= (uint64_t)1 << it->cm;
	}
}

static void
refund(struct rep *g, struct racc *r, const struct item *it)
{
	if (it->kind != K_REFUNDED || it->p < 0)
		return;
	r[it->p].refunded++;
	if (__builtin_add_overflow(r[it->p].refunds, it->a,
	    &r[it->p].refunds))
		overflow(g, it->key, it->n);
}

static int
ocommit(void *ctx, mbr_chunk *ck, void *st, mbr_err *err)
{
	struct rep *g = ctx;
	struct ochunk *k = st;
	struct item *it;
	size_t n, i;
	int isnew;

	(void)err;
	if (k->set) {
		if (g->exp < 0) {
			memcpy(g->cur, k->cur, sizeof(g->cur));
			g->exp = k->exp;
		} else if (g->exp != k->exp || strcmp(g->cur, k->cur) != 0)
			return MBR_SPLIT_AGAIN;
	}
	g->paid += k->paid;
	g->refunded += k->refunded;
	g->other += k->other;
	g->future += k->future;
	it = mbr_chunk_items(ck, &n);
	for (i = 0; i < n; i++, it++) {
		struct ent *m, *pe;
		struct racc *gr;

		/* The member's slot fetched 16 orders ahead and its entry 8
		 * ahead, as mbr-rfm does: without, each order waited on a
		 * cache miss (53% of a large --by run was that probe). */
		if (i + 16 < n) {
			mbr_tab_prefetch(g->mem, it[16].h);
			if (g->ix_by >= 0)
				mbr_tab_prefetch(g->pair, it[16].ph);
		}
		if (i + 8 < n) {
			mbr_tab_prefetch_entry(g->mem, it[8].h);
			if (g->ix_by >= 0)
				mbr_tab_prefetch_entry(g->pair, it[8].ph);
		}
		m = mbr_tab_upsert_h(g->mem, it->key, it->n, it->h, &isnew);
		if (isnew)
			init_ent(g, m);
		fold_ent(g, m, it, 1);
		refund(g, g->racc, it);
		if (g->ix_by < 0)
			continue;
		gr = mbr_tab_upsert(g->grp, it->key + it->n + 1, it->gn, NULL);
		pe = mbr_tab_upsert_h(g->pair, it->key, (size_t)it->n + 1 +
		    it->gn, it->ph, &isnew);
		if (isnew) {
			init_ent(g, pe);
			pe->mi = (uint32_t)mbr_tab_index(g->mem, m);
			pe->gi = (uint32_t)mbr_tab_index(g->grp, gr);
		}
		fold_ent(g, pe, it, 0);
		refund(g, gr, it);
	}
	return MBR_OK;
}

static int
read_orders(struct rep *g, mbr_err *err)
{
	static const mbr_split_fns fns = { sizeof(struct item),
	    sizeof(struct ochunk), obegin, omap, ocommit };
	static const char *const need[] = { "member_id", "ts", "amount",
	    "status" };
	mbr_reader *rd = g->run.rd;
	mbr_split *sp;
	mbr_rec rec;
	int r, i, rc = MBR_OK;
	size_t nh;

	g->ix_id = mbr_reader_col(rd, "member_id", 9);
	g->ix_ts = mbr_reader_col(rd, "ts", 2);
	g->ix_amt = mbr_reader_col(rd, "amount", 6);
	g->ix_st = mbr_reader_col(rd, "status", 6);
	g->ix_cur = mbr_reader_col(rd, "currency", 8);
	g->ix_by = g->o->by == NULL ? -1 : mbr_reader_col(rd, g->o->by,
	    strlen(g->o->by));
	sp = mbr_split_new(&fns, g, mbr_cli_threads(g->c), rd, g->run.rj);
	while (rc == MBR_OK &&
	    (r = mbr_reader_next(rd, &rec, err)) != MBR_READ_END) {
		if (r != MBR_READ_FILE)
			continue;	/* mbr_split_input reads them all */
		if (mbr_reader_format(rd) == MBR_FMT_CSV) {
			int ix[4] = { g->ix_id, g->ix_ts, g->ix_amt,
			    g->ix_st };

			mbr_reader_header(rd, &nh);
			for (i = 0; nh > 0 && i < 4; i++)
				if (!mbr_reader_has(rd, ix[i])) {
					mbr_err_set(err, MBR_EUSAGE, "missing "
					    "column \"%s\" (orders need "
					    "member_id, ts, amount, status)",
					    need[i]);
					mbr_err_at(err, rec.file, 1);
					rc = MBR_EUSAGE;
					break;
				}
			/* a --by field the orders lack is a typo, not a
			 * group of nulls */
			if (rc == MBR_OK && nh > 0 && g->ix_by >= 0 &&
			    !mbr_reader_has(rd, g->ix_by)) {
				int k = mbr_reader_closest(rd, g->o->by,
				    strlen(g->o->by));
				mbr_slice s = k >= 0 ?
				    mbr_reader_colname(rd, k) :
				    (mbr_slice){ "", 0 };

				mbr_err_set(err, MBR_EUSAGE, "--by: no column "
				    "\"%s\"%s%.*s%s", g->o->by, k >= 0 ?
				    " (did you mean \"" : "", (int)s.n, s.p,
				    k >= 0 ? "\"?)" : "");
				mbr_err_at(err, rec.file, 1);
				rc = MBR_EUSAGE;
			}
		}
		if (rc == MBR_OK)
			rc = mbr_split_input(sp, err);
	}
	mbr_split_free(sp);
	if (rc == MBR_OK)
		rc = err->code;
	if (rc == MBR_OK && g->ovf[0] != '\0')
		rc = mbr_err_set(err, MBR_EDATA, "revenue of member \"%s\" is "
		    "out of range (over 2^63 - 1 minor units): amounts that "
		    "large are wrong data", g->ovf);
	return rc;
}

/* --- side inputs --- */

/* Reads a side input's records, rejecting bad ones; calls fn for each
 * good one. */
static int
side_read(struct rep *g, const char *path, const char *const *need,
    int *ix, int n, int nreq,
    void (*fn)(struct rep *, mbr_reader *, const mbr_rec *, const int *,
    void *), void *arg, mbr_err *err)
{
	mbr_reader *rd = NULL;
	mbr_rec rec;
	int r, rc;

	if ((rc = mbr_side_open(g->c, &rd, path, need, ix, n, nreq, err)) !=
	    MBR_OK) {
		mbr_reader_free(rd);
		return rc;
	}
	while ((r = mbr_reader_next(rd, &rec, err)) != MBR_READ_END) {
		if (r == MBR_READ_FILE)
			continue;
		g->run.side++;
		if (rec.bad != NULL)
			mbr_reject(g->run.rj, rd, &rec, rec.bad, rec.why);
		else
			fn(g, rd, &rec, ix, arg);
	}
	mbr_reader_free(rd);
	return err->code;
}

static void
profile(struct rep *g, mbr_reader *rd, const mbr_rec *rec, const int *ix,
    void *arg)
{
	mbr_slice id = idfld(rec, ix[0]), su = trimmed(rec, ix[1]);
	mbr_time t = { INT64_MIN, 0 };
	mbr_err e;
	struct ent *m;
	int isnew;

	(void)arg;
	mbr_err_clear(&e);
	if (id.p == NULL) {
		mbr_reject(g->run.rj, rd, rec, "missing member_id",
		    "member_id is missing");
		return;
	}
	if (su.p != NULL && mbr_time_parse(&t, su.p, su.n, g->tz, &e) !=
	    MBR_OK) {
		mbr_rejectf(g->run.rj, rd, rec, "bad signup_ts", "signup_ts "
		    "\"%.*s\" is not a valid time", (int)su.n, su.p);
		return;
	}
	m = mbr_tab_upsert(g->mem, id.p, id.n, &isnew);
	if (isnew)
		init_ent(g, m);
	/* A profile without signup_ts has been a member all along. */
	if (t.t < m->seen)
		m->seen = t.t;
}

/* RFM segments of one mbr-rfm output: member -> 1 + its segment's
 * number in segs. */
struct segread {
	mbr_tab		*who;	/* uint32_t values */
	mbr_tab		*segs;	/* segment names, values unused */
	int		 prev;
};

static void
segrow(struct rep *g, mbr_reader *rd, const mbr_rec *rec, const int *ix,
    void *arg)
{
	struct segread *s = arg;
	mbr_slice id = idfld(rec, ix[0]), seg = trimmed(rec, ix[1]);
	uint32_t *v;
	int isnew;

	if (id.p == NULL) {
		mbr_reject(g->run.rj, rd, rec, "missing member_id",
		    "member_id is missing");
		return;
	}
	/* a prospect has no segment: one cell of its own */
	if (seg.p == NULL)
		seg = MBR_SLICE("(none)");
	v = mbr_tab_upsert(s->who, id.p, id.n, &isnew);
	if (!isnew) {
		mbr_rejectf(g->run.rj, rd, rec, "duplicate member_id",
		    "member_id \"%.*s\" is in %s twice", (int)(id.n < 200 ?
		    id.n : 200), id.p, s->prev ? "--previous" : "--rfm");
		return;
	}
	*v = 1 + (uint32_t)mbr_tab_index(s->segs, mbr_tab_upsert(s->segs,
	    seg.p, seg.n, NULL));
}

static int
parse_int(mbr_slice s, int64_t *v)
{
	size_t i = 0;
	int neg = 0;
	int64_t x = 0;

	if (s.p == NULL)
		return 0;
	if (s.n > 0 && (s.p[0] == '-' || s.p[0] == '+'))
		neg = s.p[i++] == '-';
	if (i == s.n)
		return 0;
	for (; i < s.n; i++) {
		if (!mbr_isdigit((unsigned char)s.p[i]) ||
		    __builtin_mul_overflow(x, 10, &x) ||
		    __builtin_add_overflow(x, s.p[i] - '0', &x))
			return 0;
	}
	*v = neg ? -x : x;
	return 1;
}

static void
ptsrow(struct rep *g, mbr_reader *rd, const mbr_rec *rec, const int *ix,
    void *arg)
{
	struct pts *p = arg;
	mbr_slice pt = trimmed(rec, ix[1]), ex = trimmed(rec, ix[2]);
	mbr_slice on = trimmed(rec, ix[3]);
	int64_t v, x = 0;
	mbr_time t;

	if (!parse_int(pt, &v)) {
		mbr_rejectf(g->run.rj, rd, rec, "bad points", "points \"%.*s\" "
		    "is not a whole number", (int)pt.n, pt.p ? pt.p : "");
		return;
	}
	if (ex.p != NULL && !parse_int(ex, &x)) {
		mbr_rejectf(g->run.rj, rd, rec, "bad points", "expiring_points "
		    "\"%.*s\" is not a whole number", (int)ex.n, ex.p);
		return;
	}
	if (on.p != NULL && (on.n != 10 || mbr_time_parse(&t, on.p, on.n,
	    g->tz, NULL) != MBR_OK)) {
		mbr_rejectf(g->run.rj, rd, rec, "bad expiring_on",
		    "expiring_on \"%.*s\" is not a date", (int)on.n, on.p);
		return;
	}
	p->points += v;
	if (v > 0)
		p->holders++;
	if (on.p != NULL && local_day(g, t.t) <= p->last)
		p->expiring += x;
}

static void
sendrow(struct rep *g, mbr_reader *rd, const mbr_rec *rec, const int *ix,
    void *arg)
{
	struct reach *r = arg;
	mbr_slice id = idfld(rec, ix[0]), ch = trimmed(rec, ix[1]);
	struct rch *c;
	int isnew;

	if (id.p == NULL) {
		mbr_reject(g->run.rj, rd, rec, "missing member_id",
		    "member_id is missing");
		return;
	}
	if (ch.p == NULL)
		ch = MBR_SLICE("(none)");
	c = mbr_tab_upsert(r->ch, ch.p, ch.n, NULL);
	c->sends++;
	r->sends++;
	r->key.n = 0;
	mbr_buf_add(&r->key, id.p, id.n);
	mbr_buf_addc(&r->key, '\0');
	mbr_buf_add(&r->key, ch.p, ch.n);
	mbr_tab_upsert(r->who, r->key.p, r->key.n, &isnew);
	if (isnew)
		c->members++;
	mbr_tab_upsert(r->all, id.p, id.n, &isnew);
	if (isnew)
		r->members++;
}

/* --- the KPIs --- */

/* The sum of the k largest of v[0..n), sorted ascending. */
static __int128
top_sum(const int64_t *v, size_t n, size_t k)
{
	__int128 s = 0;
	size_t i;

	for (i = n - k; i < n; i++)
		s += v[i];
	return s;
}

static void
vec_add(struct vec *v, int64_t x)
{
	if (v->n == v->cap) {
		v->cap = v->cap ? 2 * v->cap : 64;
		v->v = mbr_xrealloc(v->v, v->cap * sizeof(int64_t));
	}
	v->v[v->n++] = x;
}

static void
res_init(const struct rep *g, struct grpres *r, const char *name, size_t n)
{
	size_t np = (size_t)g->np;

	r->name = name;
	r->n = n;
	r->q = mbr_xcalloc(np * NQ, sizeof(uint64_t));
	r->rev = mbr_xcalloc(np, sizeof(__int128));
	r->r = mbr_xcalloc(np, sizeof(struct racc));
	r->sv = mbr_xcalloc(np, sizeof(struct vec));
	r->v = mbr_xcalloc(np * MBR_KPI_N, sizeof(mbr_kval));
}

/* Gives up what only the KPIs' computing needs; v stays. */
static void
res_done(const struct rep *g, struct grpres *r)
{
	int p;

	for (p = 0; r->sv != NULL && p < g->np; p++)
		free(r->sv[p].v);
	free(r->sv);
	free(r->q);
	free(r->rev);
	free(r->r);
	r->sv = NULL;
	r->q = NULL;
	r->rev = NULL;
	r->r = NULL;
}

/* Counts a population into r: the members (pairs 0), or the pairs of
 * one group; ents[0..n).  Everything here adds up over shards of
 * members (--partial), the buyers' revenues as a list. */
static void
gather(struct rep *g, struct ent **ents, size_t n, int pairs,
    struct grpres *r)
{
	int np = g->np, p;
	size_t i;

	for (i = 0; i < n; i++) {
		const struct ent *e = ents[i];
		const struct cell *c = CELLS(e);
		int32_t last = e->lastpre, first;
		int fp;

		first = pairs ? ((const struct ent *)mbr_tab_val(g->mem,
		    e->mi))->first : e->first;
		fp = first == NONE_DAY_HI ? -2 : period_of(g, first);
		for (p = 0; p < np; p++) {
			uint64_t *q = r->q + (size_t)p * NQ;

			if (c[p].last > last)
				last = c[p].last;
			if (e->seen < g->endt[p])
				q[Q_MEM]++;
			if (last != NONE_DAY_LO) {
				int64_t d = g->endday[p] - last;

				q[Q_A30] += d <= 30;
				q[Q_A60] += d <= 60;
				q[Q_A90] += d <= 90;
			}
			r->rev[p] += c[p].rev;
			if (c[p].orders > 0) {
				q[Q_BUY]++;
				q[Q_ORD] += c[p].orders;
				q[Q_REP] += c[p].orders >= 2;
				q[Q_NEWB] += fp == p;
				vec_add(&r->sv[p], c[p].rev);
			}
		}
	}
}

/* The KPIs of r's counts, and the latest period's Pareto curve into
 * curve when not NULL. */
static int
finish(struct rep *g, struct grpres *r, mbr_kval *curve, mbr_err *err)
{
	int p, j;

	for (p = 0; p < g->np; p++) {
		const uint64_t *q = r->q + (size_t)p * NQ;
		mbr_kval *o = r->v + (size_t)p * MBR_KPI_N;
		const struct racc *ra = &r->r[p];
		struct vec *sv = &r->sv[p];
		__int128 rev = r->rev[p], top;
		size_t ntop;

		if (rev > INT64_MAX || rev < -INT64_MAX || ra->refunds >
		    INT64_MAX || ra->refunds < -INT64_MAX)
			return mbr_err_set(err, MBR_EDATA, "revenue of a "
			    "period is out of range (over 2^63 - 1 minor "
			    "units)");
		if (sv->n != q[Q_BUY])
			return mbr_err_set(err, MBR_EDATA, "partials disagree: "
			    "%llu buyers, %zu buyers' revenues",
			    (unsigned long long)q[Q_BUY], sv->n);
		mbr_sort_i64(sv->v, sv->n);
		/* the top 20% of buyers, rounded up: one of 1 to 5 */
		ntop = (sv->n + 4) / 5;
		top = top_sum(sv->v, sv->n, ntop);
		o[MBR_KPI_MEMBERS] = kcount(q[Q_MEM]);
		o[MBR_KPI_BUYERS] = kcount(q[Q_BUY]);
		o[MBR_KPI_NEW_BUYERS] = kcount(q[Q_NEWB]);
		o[MBR_KPI_ACTIVE_30D] = kcount(q[Q_A30]);
		o[MBR_KPI_ACTIVE_60D] = kcount(q[Q_A60]);
		o[MBR_KPI_ACTIVE_90D] = kcount(q[Q_A90]);
		o[MBR_KPI_REPURCHASE_RATE] = krate(q[Q_REP], q[Q_BUY]);
		o[MBR_KPI_ORDERS] = kcount(q[Q_ORD]);
		o[MBR_KPI_REVENUE] = kmoney(rev);
		o[MBR_KPI_AOV] = kmoney(q[Q_ORD] ? mbr_div_round(rev,
		    q[Q_ORD]) : 0);
		o[MBR_KPI_AOV].null = q[Q_ORD] == 0;
		o[MBR_KPI_REVENUE_PER_BUYER] = kmoney(q[Q_BUY] ?
		    mbr_div_round(rev, q[Q_BUY]) : 0);
		o[MBR_KPI_REVENUE_PER_BUYER].null = q[Q_BUY] == 0;
		o[MBR_KPI_PARETO_BUYERS] = kcount(ntop);
		o[MBR_KPI_PARETO_SHARE] = krate(top, rev);
		o[MBR_KPI_REFUNDED_ORDERS] = kcount(ra->refunded);
		o[MBR_KPI_REFUNDS] = kmoney(ra->refunds);
		o[MBR_KPI_REFUND_RATE] = krate(ra->refunded, ra->refunded +
		    q[Q_ORD]);
		if (curve != NULL && p == g->np - 1)
			for (j = 1; j <= 10; j++)
				curve[j - 1] = krate(top_sum(sv->v, sv->n,
				    (sv->n * (size_t)j + 9) / 10), rev);
	}
	return MBR_OK;
}

struct gname {
	const char	*p;
	size_t		 n;
	uint32_t	 i;
};

static int
cmp_gname(const void *a, const void *b)
{
	const struct gname *x = a, *y = b;
	int c = memcmp(x->p, y->p, x->n < y->n ? x->n : y->n);

	return c != 0 ? c : (x->n > y->n) - (x->n < y->n);
}

/* Names of a table's keys, sorted bytewise: what reaches output never
 * comes in hash or input order. */
static struct gname *
sorted_keys(const mbr_tab *t, size_t *n)
{
	struct gname *v;
	size_t i;

	*n = t == NULL ? 0 : mbr_tab_count(t);
	v = mbr_xmalloc((*n ? *n : 1) * sizeof(*v));
	for (i = 0; i < *n; i++) {
		mbr_slice s = mbr_tab_key(t, i);

		v[i] = (struct gname){ s.p, s.n, (uint32_t)i };
	}
	qsort(v, *n, sizeof(*v), cmp_gname);
	return v;
}

static int	partial_res(struct rep *, const struct grpres *, mbr_err *);

/* Counts each population and, one at a time (the buyers' revenues of
 * one group in memory at once), writes its partial or works out its
 * KPIs: all orders first, then the groups in byte order. */
static int
compute(struct rep *g, mbr_err *err)
{
	size_t n = mbr_tab_count(g->mem), i, ng, *off, *at;
	struct ent **ents;
	struct gname *gs;
	int rc;

	ng = g->grp ? mbr_tab_count(g->grp) : 0;
	g->nres = 1 + ng;
	g->res = mbr_xcalloc(g->nres, sizeof(*g->res));
	res_init(g, &g->res[0], NULL, 0);
	ents = mbr_xmalloc((n ? n : 1) * sizeof(*ents));
	for (i = 0; i < n; i++)
		ents[i] = mbr_tab_val(g->mem, i);
	gather(g, ents, n, 0, &g->res[0]);
	memcpy(g->res[0].r, g->racc, (size_t)g->np * sizeof(struct racc));
	free(ents);
	rc = g->o->partial ? partial_res(g, &g->res[0], err) :
	    finish(g, &g->res[0], g->curve, err);
	res_done(g, &g->res[0]);
	if (rc != MBR_OK || g->grp == NULL)
		return rc;
	/* the pairs, grouped by a counting sort on their group */
	n = mbr_tab_count(g->pair);
	off = mbr_xcalloc(ng + 1, sizeof(size_t));
	at = mbr_xcalloc(ng + 1, sizeof(size_t));
	ents = mbr_xmalloc((n ? n : 1) * sizeof(*ents));
	for (i = 0; i < n; i++)
		off[((struct ent *)mbr_tab_val(g->pair, i))->gi + 1]++;
	for (i = 0; i < ng; i++)
		off[i + 1] += off[i];
	memcpy(at, off, (ng + 1) * sizeof(size_t));
	for (i = 0; i < n; i++) {
		struct ent *e = mbr_tab_val(g->pair, i);

		ents[at[e->gi]++] = e;
	}
	gs = sorted_keys(g->grp, &ng);
	for (i = 0; rc == MBR_OK && i < ng; i++) {
		struct grpres *r = &g->res[1 + i];
		uint32_t gi = gs[i].i;

		res_init(g, r, gs[i].p, gs[i].n);
		gather(g, ents + off[gi], off[gi + 1] - off[gi], 1, r);
		memcpy(r->r, mbr_tab_val(g->grp, gi), (size_t)g->np *
		    sizeof(struct racc));
		rc = g->o->partial ? partial_res(g, r, err) :
		    finish(g, r, NULL, err);
		res_done(g, r);
	}
	free(gs);
	free(off);
	free(at);
	free(ents);
	return rc;
}

/* Cohort cells of the members (additive: a partial's are summed). */
static void
cohorts_gather(struct rep *g)
{
	size_t n = mbr_tab_count(g->mem), i, nc = (size_t)g->nc;
	int c, k;

	for (i = 0; i < n; i++) {
		const struct ent *e = mbr_tab_val(g->mem, i);
		const int64_t *cr = CREV(g, e);

		if (e->first == NONE_DAY_HI ||
		    (c = cohort_of(g, e->first)) < 0)
			continue;
		g->coh_size[c]++;
		for (k = 0; c + k < g->nc; k++) {
			g->coh_buy[(size_t)c * nc + (size_t)k] +=
			    e->cmask >> (c + k) & 1;
			g->coh_rev[(size_t)c * nc + (size_t)k] += cr[c + k];
		}
	}
}

/* The segment counts and the migration matrix of two mbr-rfm outputs,
 * by name (a partial's are summed). */
static void
seg_add(struct rep *g, mbr_slice name, uint64_t cur, uint64_t prev)
{
	struct segc *s = mbr_tab_upsert(g->segc, name.p, name.n, NULL);

	s->cur += cur;
	s->prev += prev;
}

static void
mig_add(struct rep *g, mbr_slice from, mbr_slice to, uint64_t n)
{
	uint64_t *v;

	g->key.n = 0;
	mbr_buf_add(&g->key, from.p, from.n);
	mbr_buf_addc(&g->key, '\0');
	mbr_buf_add(&g->key, to.p, to.n);
	v = mbr_tab_upsert(g->mig, g->key.p, g->key.n, NULL);
	*v += n;
}

static int
rfm_gather(struct rep *g, mbr_err *err)
{
	struct segread cur = { 0 }, prev = { 0 };
	static const char *const need[] = { "member_id", "rfm_segment" };
	int ix[2], rc;
	mbr_tab *segs = mbr_tab_new(1);
	size_t i, n;

	cur.who = mbr_tab_new(sizeof(uint32_t));
	cur.segs = prev.segs = segs;
	prev.prev = 1;
	prev.who = mbr_tab_new(sizeof(uint32_t));
	rc = side_read(g, g->o->rfm, need, ix, 2, 2, segrow, &cur, err);
	if (rc == MBR_OK && g->o->previous != NULL)
		rc = side_read(g, g->o->previous, need, ix, 2, 2, segrow,
		    &prev, err);
	if (rc != MBR_OK)
		goto out;
	/* every segment of either, zeros too */
	for (i = 0; i < mbr_tab_count(segs); i++)
		seg_add(g, mbr_tab_key(segs, i), 0, 0);
	n = mbr_tab_count(cur.who);
	for (i = 0; i < n; i++) {
		mbr_slice k = mbr_tab_key(cur.who, i);
		mbr_slice to = mbr_tab_key(segs, *(uint32_t *)
		    mbr_tab_val(cur.who, i) - 1);
		uint32_t *from = mbr_tab_get(prev.who, k.p, k.n);

		seg_add(g, to, 1, 0);
		if (g->o->previous != NULL)
			mig_add(g, from ? mbr_tab_key(segs, *from - 1) :
			    MBR_SLICE("(new)"), to, 1);
	}
	n = mbr_tab_count(prev.who);
	for (i = 0; i < n; i++) {
		mbr_slice k = mbr_tab_key(prev.who, i);
		mbr_slice from = mbr_tab_key(segs, *(uint32_t *)
		    mbr_tab_val(prev.who, i) - 1);

		seg_add(g, from, 0, 1);
		if (mbr_tab_get(cur.who, k.p, k.n) == NULL)
			mig_add(g, from, MBR_SLICE("(gone)"), 1);
	}
out:
	mbr_tab_free(cur.who);
	mbr_tab_free(prev.who);
	mbr_tab_free(segs);
	return rc;
}

static uint64_t
mig_get(struct rep *g, mbr_slice from, mbr_slice to)
{
	uint64_t *v;

	g->key.n = 0;
	mbr_buf_add(&g->key, from.p, from.n);
	mbr_buf_addc(&g->key, '\0');
	mbr_buf_add(&g->key, to.p, to.n);
	v = mbr_tab_get(g->mig, g->key.p, g->key.n);
	return v ? *v : 0;
}

static int
points_gather(struct rep *g, mbr_err *err)
{
	static const char *const need[] = { "member_id", "points",
	    "expiring_points", "expiring_on" };
	int ix[4];

	g->pts.last = month_start(month_of(g->asof_day) + 2) - 1;
	return side_read(g, g->o->points, need, ix, 4, 2, ptsrow, &g->pts,
	    err);
}

static void
abrow(struct rep *g, mbr_reader *rd, const mbr_rec *rec, const int *ix,
    void *arg)
{
	mbr_slice e = trimmed(rec, ix[0]), v = trimmed(rec, ix[1]), m;
	struct abrow *a;
	size_t k;

	(void)arg;
	if (e.p == NULL || v.p == NULL) {
		mbr_reject(g->run.rj, rd, rec, e.p == NULL ?
		    "missing experiment" : "missing variant", e.p == NULL ?
		    "experiment is missing" : "variant is missing");
		return;
	}
	if (g->nab == g->capab) {
		g->capab = g->capab ? g->capab * 2 : 16;
		g->ab = mbr_xrealloc(g->ab, g->capab * sizeof(*g->ab));
	}
	a = &g->ab[g->nab++];
	a->exp = mbr_arena_strndup(g->abstr, e.p, e.n);
	a->var = mbr_arena_strndup(g->abstr, v.p, v.n);
	for (k = 0; k < NAB; k++) {
		m = ix[2 + k] >= 0 ? trimmed(rec, ix[2 + k]) :
		    (mbr_slice){ NULL, 0 };
		a->v[k] = m.p != NULL ? mbr_arena_strndup(g->abstr, m.p, m.n) :
		    NULL;
	}
}

/* Whether s is a number as JSON writes one (NDJSON gets it bare). */
static int
isnum(const char *s)
{
	const char *p = s;

	if (*p == '-')
		p++;
	if (*p < '0' || *p > '9' || (*p == '0' && p[1] >= '0' &&
	    p[1] <= '9'))
		return 0;
	while (*p >= '0' && *p <= '9')
		p++;
	if (*p == '.') {
		if (*++p < '0' || *p > '9')
			return 0;
		while (*p >= '0' && *p <= '9')
			p++;
	}
	if (*p == 'e' || *p == 'E') {
		p++;
		if (*p == '+' || *p == '-')
			p++;
		if (*p < '0' || *p > '9')
			return 0;
		while (*p >= '0' && *p <= '9')
			p++;
	}
	return *p == '\0';
}

/* --abtest: the tests' variants, in the file's order. */
static int
abtest_gather(struct rep *g, mbr_err *err)
{
	const char *need[2 + NAB] = { "experiment", "variant" };
	int ix[2 + NAB];
	size_t k;

	for (k = 0; k < NAB; k++)
		need[2 + k] = ab_names[k];
	g->abstr = mbr_arena_new();
	return side_read(g, g->o->abtest, need, ix, (int)(2 + NAB), 2, abrow,
	    NULL, err);
}

static int
reach_gather(struct rep *g, mbr_err *err)
{
	static const char *const need[] = { "member_id", "channel" };
	int ix[2], rc;

	g->reach.who = mbr_tab_new(1);
	g->reach.all = mbr_tab_new(1);
	mbr_buf_init(&g->reach.key);
	rc = side_read(g, g->o->sends, need, ix, 2, 2, sendrow, &g->reach,
	    err);
	/* the distinct members are counted: their keys can go */
	mbr_tab_free(g->reach.who);
	mbr_tab_free(g->reach.all);
	mbr_buf_release(&g->reach.key);
	g->reach.who = g->reach.all = NULL;
	return rc;
}

/* --- output --- */

/* A value's text and type for the writer; buf holds 64 bytes. */
static mbr_slice
kval_text(const struct rep *g, mbr_kval v, char *buf, uint8_t *type)
{
	size_t n;

	if (v.null) {
		*type = MBR_V_NULL;
		return (mbr_slice){ NULL, 0 };
	}
	switch (v.kind) {
	case MBR_KV_COUNT:
		n = (size_t)snprintf(buf, 64, "%lld", (long long)v.num);
		*type = MBR_V_NUM;
		break;
	case MBR_KV_MONEY:
		n = mbr_money_fmt(buf, (int64_t)v.num, (unsigned)g->exp);
		*type = MBR_V_PLAIN;
		break;
	default:
		n = mbr_ratio_fmt(buf, v.num, v.den, MBR_REPORT_PLACES);
		*type = MBR_V_NUM;
	}
	return (mbr_slice){ buf, n };
}

struct row {
	mbr_slice	f[C_N];
	uint8_t		t[C_N];
	char		b[3][64], per[16], start[16], key[24];
};

static void
row_init(struct row *r, const char *section, const char *kpi)
{
	int i;

	for (i = 0; i < C_N; i++) {
		r->f[i] = (mbr_slice){ NULL, 0 };
		r->t[i] = MBR_V_NULL;
	}
	r->f[C_SECTION] = (mbr_slice){ section, strlen(section) };
	r->t[C_SECTION] = MBR_V_PLAIN;
	r->f[C_KPI] = (mbr_slice){ kpi, strlen(kpi) };
	r->t[C_KPI] = MBR_V_PLAIN;
}

static void
row_period(struct row *r, int unit, int64_t start)
{
	size_t n = mbr_report_label(r->per, unit, start);

	r->f[C_PERIOD] = (mbr_slice){ r->per, n };
	r->t[C_PERIOD] = MBR_V_PLAIN;
	n = mbr_date_fmt(r->start, start);
	r->f[C_START] = (mbr_slice){ r->start, n };
	r->t[C_START] = MBR_V_PLAIN;
}

static void
row_str(struct row *r, int col, const char *p, size_t n)
{
	if (p == NULL)
		return;
	r->f[col] = (mbr_slice){ p, n };
	r->t[col] = (uint8_t)mbr_writer_plain(p, n);
}

static void
row_key(struct row *r, long long k)
{
	size_t n = (size_t)snprintf(r->key, sizeof(r->key), "%lld", k);

	r->f[C_KEY] = (mbr_slice){ r->key, n };
	r->t[C_KEY] = MBR_V_NUM;
}

static void
row_vals(const struct rep *g, struct row *r, const mbr_kval *v,
    const mbr_kval *prev)
{
	r->f[C_VALUE] = kval_text(g, *v, r->b[0], &r->t[C_VALUE]);
	if (prev != NULL) {
		r->f[C_PREV] = kval_text(g, *prev, r->b[1], &r->t[C_PREV]);
		r->f[C_CHANGE] = kval_text(g, mbr_kval_change(*v, *prev),
		    r->b[2], &r->t[C_CHANGE]);
	}
}

/* Field by field, not mbr_writer_row: NDJSON has no header to go by,
 * and a few thousand records are no hot loop. */
/* A record kept for the page: its fields as the CSV writes them. */
static void
row_keep(struct rep *g, const struct row *r)
{
	const char *f[C_N];
	int i;

	for (i = 0; i < C_N; i++)
		f[i] = r->t[i] == MBR_V_NULL ? "" :
		    mbr_arena_strndup(g->hstr, r->f[i].p, r->f[i].n);
	if (g->nhrec == g->caphrec) {
		g->caphrec = g->caphrec ? g->caphrec * 2 : 256;
		g->hrec = mbr_xrealloc(g->hrec, g->caphrec * sizeof(*g->hrec));
	}
	g->hrec[g->nhrec++] = (mbr_page_rec){ f[C_SECTION], f[C_KPI],
	    f[C_PERIOD], f[C_START], f[C_GROUP], f[C_KEY], f[C_VALUE],
	    f[C_PREV], f[C_CHANGE] };
}

static int
row_put(struct rep *g, struct row *r, mbr_err *err)
{
	int i;

	if (g->hout != NULL)
		row_keep(g, r);
	if (g->w == NULL)
		return MBR_OK;
	for (i = 0; i < C_N; i++) {
		mbr_slice name = { col_names[i], strlen(col_names[i]) };

		if (r->t[i] == MBR_V_NULL)
			mbr_writer_null(g->w, col_names[i]);
		else
			mbr_writer_field(g->w, name, r->f[i], r->t[i]);
	}
	return mbr_writer_end(g->w, err);
}

/* Text: a KPI's value for a person, "12.5%" for rates. */
static size_t
kval_human(const struct rep *g, mbr_kval v, char *buf)
{
	if (v.null)
		return (size_t)snprintf(buf, 64, "-");
	if (v.kind == MBR_KV_RATE)
		return mbr_ratio_fmt(buf, v.num * 100, v.den, 1) +
		    (size_t)snprintf(buf + strlen(buf), 2, "%%");
	return kval_text(g, v, buf, &(uint8_t){ 0 }).n;
}

static size_t
change_human(mbr_kval c, char *buf)
{
	size_t n;

	if (c.null)
		return (size_t)snprintf(buf, 64, "-");
	n = mbr_ratio_fmt(buf + 1, c.num * 100, c.den, 1);
	if (buf[1] == '-') {
		memmove(buf, buf + 1, n + 1);
		n--;
	} else
		buf[0] = '+';
	buf[n + 1] = '%';
	buf[n + 2] = '\0';
	return n + 2;
}

/* A table for the terminal: cells added row by row, then written with
 * each column as wide as its widest cell (display columns: a CJK
 * segment name takes two), the first left-aligned, the rest right. */
struct tbl {
	mbr_buf		 cells;	/* NUL-separated */
	size_t		 ncol;
	size_t		 ncell;
	size_t		*w;	/* ncol widths */
};

static size_t
dwidth(const char *s)
{
	size_t w = 0;
	const unsigned char *p = (const unsigned char *)s;

	for (; *p; p++)
		if ((*p & 0xc0) != 0x80)
			w += *p >= 0xe0 ? 2 : 1;
	return w;
}

static void
tbl_celln(struct tbl *t, const char *s, size_t n)
{
	size_t i = t->ncell++ % t->ncol, w;

	if (t->w == NULL)
		t->w = mbr_xcalloc(t->ncol, sizeof(size_t));
	mbr_buf_add(&t->cells, s, n);
	mbr_buf_addc(&t->cells, '\0');
	w = dwidth(t->cells.p + t->cells.n - n - 1);
	if (w > t->w[i])
		t->w[i] = w;
}

static void
tbl_cell(struct tbl *t, const char *s)
{
	tbl_celln(t, s, strlen(s));
}

static void
tbl_put(struct rep *g, struct tbl *t)
{
	const char *s = t->cells.p;
	size_t i, j, w;

	for (i = 0; i < t->ncell; i++) {
		j = i % t->ncol;
		w = dwidth(s);
		if (j > 0)
			mbr_buf_adds(&g->txt, "  ");
		if (j > 0)
			while (w++ < t->w[j])
				mbr_buf_addc(&g->txt, ' ');
		mbr_buf_adds(&g->txt, s);
		if (j == 0 && t->ncol > 1)
			while (w++ < t->w[j])
				mbr_buf_addc(&g->txt, ' ');
		if (j == t->ncol - 1) {
			/* an empty last cell leaves no blanks behind */
			while (g->txt.n > 0 && g->txt.p[g->txt.n - 1] == ' ')
				g->txt.n--;
			mbr_buf_addc(&g->txt, '\n');
		}
		s += strlen(s) + 1;
	}
	mbr_buf_release(&t->cells);
	free(t->w);
	memset(t, 0, sizeof(*t));
}

static void
text_kpis(struct rep *g, const struct grpres *r)
{
	struct tbl t = { .ncol = 4 };
	const mbr_kval *v = r->v + (size_t)(g->np - 1) * MBR_KPI_N;
	const mbr_kval *pv = v - MBR_KPI_N;
	char b[64], lab[16], plab[16];
	int k;

	mbr_report_label(lab, g->o->period, g->start[g->np - 1]);
	mbr_report_label(plab, g->o->period, g->start[g->np - 2]);
	if (r->name == NULL)
		mbr_buf_addf(&g->txt, "KPIs %s (previous %s)\n", lab, plab);
	else
		mbr_buf_addf(&g->txt, "\n%s %.*s, %s (previous %s)\n",
		    g->o->by, (int)r->n, r->name, lab, plab);
	tbl_cell(&t, "kpi");
	tbl_cell(&t, "value");
	tbl_cell(&t, "previous");
	tbl_cell(&t, "change");
	for (k = 0; k < MBR_KPI_N; k++) {
		tbl_cell(&t, kpi_names[k]);
		kval_human(g, v[k], b);
		tbl_cell(&t, b);
		kval_human(g, pv[k], b);
		tbl_cell(&t, b);
		change_human(mbr_kval_change(v[k], pv[k]), b);
		tbl_cell(&t, b);
	}
	tbl_put(g, &t);
	/* "26% of members bring 63% of revenue" */
	if (!v[MBR_KPI_PARETO_SHARE].null && v[MBR_KPI_MEMBERS].num > 0) {
		char a[64];

		mbr_ratio_fmt(a, v[MBR_KPI_PARETO_BUYERS].num * 100,
		    v[MBR_KPI_MEMBERS].num, 0);
		mbr_ratio_fmt(b, v[MBR_KPI_PARETO_SHARE].num * 100,
		    v[MBR_KPI_PARETO_SHARE].den, 0);
		mbr_buf_addf(&g->txt, "%s%% of members bring %s%% of revenue\n",
		    a, b);
	}
}

/* --- the sections --- */

static int
put_kpis(struct rep *g, mbr_err *err)
{
	struct row r;
	size_t i;
	int k, p, rc;

	for (i = 0; i < g->nres; i++) {
		const struct grpres *gr = &g->res[i];

		if (g->out != NULL) {
			text_kpis(g, gr);
			continue;
		}
		for (k = 0; k < MBR_KPI_N; k++)
			for (p = 1; p < g->np; p++) {
				const mbr_kval *v = gr->v + (size_t)p *
				    MBR_KPI_N + k;

				row_init(&r, "kpi", kpi_names[k]);
				row_period(&r, g->o->period, g->start[p]);
				row_str(&r, C_GROUP, gr->name, gr->n);
				row_vals(g, &r, v, v - MBR_KPI_N);
				if ((rc = row_put(g, &r, err)) != MBR_OK)
					return rc;
			}
	}
	if (g->out != NULL)
		return MBR_OK;
	for (k = 0; k < 10; k++) {
		row_init(&r, "pareto", "revenue_share");
		row_period(&r, g->o->period, g->start[g->np - 1]);
		row_key(&r, 10 * (k + 1));
		row_vals(g, &r, &g->curve[k], NULL);
		if ((rc = row_put(g, &r, err)) != MBR_OK)
			return rc;
	}
	return MBR_OK;
}

static int
put_cohorts(struct rep *g, mbr_err *err)
{
	size_t nc = (size_t)g->nc;
	struct tbl t = { .ncol = 2 + nc };
	struct row r;
	char b[64];
	int c, k, rc = MBR_OK;

	if (g->out != NULL) {
		mbr_buf_adds(&g->txt, "\ncohort retention by months since "
		    "the first order\n");
		tbl_cell(&t, "cohort");
		tbl_cell(&t, "size");
		for (k = 0; k < g->nc; k++) {
			snprintf(b, sizeof(b), "%d", k);
			tbl_cell(&t, b);
		}
	}
	for (c = 0; rc == MBR_OK && c < g->nc; c++) {
		int64_t st = month_start(g->cm0 + c);
		uint64_t size = g->coh_size[c];

		if (g->out != NULL) {
			mbr_report_label(b, MBR_PERIOD_MONTH, st);
			tbl_cell(&t, b);
			snprintf(b, sizeof(b), "%llu",
			    (unsigned long long)size);
			tbl_cell(&t, b);
			for (k = 0; k < g->nc; k++) {
				if (c + k >= g->nc) {
					tbl_cell(&t, "");
					continue;
				}
				kval_human(g, krate(g->coh_buy[(size_t)c * nc +
				    (size_t)k], size), b);
				tbl_cell(&t, b);
			}
			continue;
		}
		row_init(&r, "cohort", "size");
		row_period(&r, MBR_PERIOD_MONTH, st);
		row_vals(g, &r, &(mbr_kval){ .kind = MBR_KV_COUNT,
		    .num = size, .den = 1 }, NULL);
		if ((rc = row_put(g, &r, err)) != MBR_OK)
			break;
		for (k = 0; c + k < g->nc; k++) {
			size_t x = (size_t)c * nc + (size_t)k;
			mbr_kval v[3] = { kcount(g->coh_buy[x]),
			    krate(g->coh_buy[x], size), kmoney(g->coh_rev[x]) };
			static const char *const nm[3] = { "buyers",
			    "retention", "revenue" };
			int j;

			if (g->coh_rev[x] > INT64_MAX ||
			    g->coh_rev[x] < -INT64_MAX)
				v[2].null = 1;
			for (j = 0; j < 3; j++) {
				row_init(&r, "cohort", nm[j]);
				row_period(&r, MBR_PERIOD_MONTH, st);
				row_key(&r, k);
				row_vals(g, &r, &v[j], NULL);
				if ((rc = row_put(g, &r, err)) != MBR_OK)
					break;
			}
		}
	}
	if (g->out != NULL)
		tbl_put(g, &t);
	return rc;
}

static int
put_rfm(struct rep *g, mbr_err *err)
{
	struct gname *sn;
	size_t ns, i, j;
	struct row r;
	struct tbl t = { 0 };
	char b[64];
	int rc = MBR_OK, prev = g->have[1];

	sn = sorted_keys(g->segc, &ns);
	if (g->out != NULL) {
		mbr_buf_adds(&g->txt, "\nRFM segments\n");
		t.ncol = 4;
		tbl_cell(&t, "segment");
		tbl_cell(&t, "members");
		tbl_cell(&t, "previous");
		tbl_cell(&t, "change");
	}
	for (i = 0; i < ns; i++) {
		const struct segc *s = mbr_tab_val(g->segc, sn[i].i);
		mbr_kval v = kcount(s->cur), p = kcount(s->prev);

		if (g->out != NULL) {
			tbl_celln(&t, sn[i].p, sn[i].n);
			kval_human(g, v, b);
			tbl_cell(&t, b);
			kval_human(g, p, b);
			tbl_cell(&t, prev ? b : "-");
			change_human(mbr_kval_change(v, p), b);
			tbl_cell(&t, prev ? b : "-");
			continue;
		}
		row_init(&r, "segments", "members");
		row_str(&r, C_GROUP, sn[i].p, sn[i].n);
		row_vals(g, &r, &v, prev ? &p : NULL);
		if ((rc = row_put(g, &r, err)) != MBR_OK)
			goto out;
	}
	if (g->out != NULL)
		tbl_put(g, &t);
	if (!prev)
		goto out;
	/* rows: the segment before, then (new); columns: the segment now,
	 * then (gone) */
	if (g->out != NULL) {
		mbr_buf_adds(&g->txt, "\nRFM migration (rows: previous "
		    "segment, columns: this one)\n");
		t.ncol = ns + 2;
		tbl_cell(&t, "from");
		for (j = 0; j < ns; j++)
			tbl_celln(&t, sn[j].p, sn[j].n);
		tbl_cell(&t, "(gone)");
	}
	for (i = 0; i <= ns; i++) {
		mbr_slice from = i < ns ? (mbr_slice){ sn[i].p, sn[i].n } :
		    MBR_SLICE("(new)");

		if (g->out != NULL)
			tbl_celln(&t, from.p, from.n);
		for (j = 0; j <= ns; j++) {
			mbr_slice to = j < ns ? (mbr_slice){ sn[j].p,
			    sn[j].n } : MBR_SLICE("(gone)");
			mbr_kval v = kcount(mig_get(g, from, to));

			if (g->out != NULL) {
				kval_human(g, v, b);
				tbl_cell(&t, i == ns && j == ns ? "" : b);
				continue;
			}
			if (i == ns && j == ns)
				continue;
			row_init(&r, "migration", "members");
			row_str(&r, C_GROUP, from.p, from.n);
			row_str(&r, C_KEY, to.p, to.n);
			row_vals(g, &r, &v, NULL);
			if ((rc = row_put(g, &r, err)) != MBR_OK)
				goto out;
		}
	}
	if (g->out != NULL)
		tbl_put(g, &t);
out:
	free(sn);
	return rc;
}

static int
put_points(struct rep *g, mbr_err *err)
{
	int rc, m = month_of(g->asof_day), i;
	struct row r;
	mbr_kval v[3];
	static const char *const nm[3] = { "outstanding", "holders",
	    "expiring" };
	char b[64], lab[16];

	v[0] = kcount(0);
	v[0].num = g->pts.points;
	v[1] = kcount(g->pts.holders);
	v[2] = kcount(0);
	v[2].num = g->pts.expiring;
	mbr_report_label(lab, MBR_PERIOD_MONTH, month_start(m + 1));
	if (g->out != NULL) {
		mbr_buf_addf(&g->txt, "\npoints: %s outstanding, held by %llu "
		    "members; ", (kval_human(g, v[0], b), b),
		    (unsigned long long)g->pts.holders);
		mbr_buf_addf(&g->txt, "%s expiring by the end of %s\n",
		    (kval_human(g, v[2], b), b), lab);
		return MBR_OK;
	}
	for (i = 0; i < 3; i++) {
		row_init(&r, "points", nm[i]);
		/* what expires is told for next month, the rest as of
		 * now */
		row_period(&r, MBR_PERIOD_MONTH, month_start(m + (i == 2)));
		row_vals(g, &r, &v[i], NULL);
		if ((rc = row_put(g, &r, err)) != MBR_OK)
			return rc;
	}
	return MBR_OK;
}

static int
put_reach(struct rep *g, mbr_err *err)
{
	struct gname *cs;
	int rc = MBR_OK;
	size_t n, i;
	struct row r;
	struct tbl t = { .ncol = 3 };
	char b[64];

	cs = sorted_keys(g->reach.ch, &n);
	if (g->out != NULL) {
		mbr_buf_adds(&g->txt, "\ncampaign reach\n");
		tbl_cell(&t, "channel");
		tbl_cell(&t, "sends");
		tbl_cell(&t, "members");
	}
	for (i = 0; i <= n; i++) {
		const struct rch *c = i < n ? mbr_tab_val(g->reach.ch,
		    cs[i].i) : NULL;
		mbr_kval v[2] = { kcount(c ? c->sends : g->reach.sends),
		    kcount(c ? c->members : g->reach.members) };
		static const char *const nm[2] = { "sends", "members" };
		int j;

		if (g->out != NULL) {
			if (c != NULL)
				tbl_celln(&t, cs[i].p, cs[i].n);
			else
				tbl_cell(&t, "all");
			for (j = 0; j < 2; j++) {
				kval_human(g, v[j], b);
				tbl_cell(&t, b);
			}
			continue;
		}
		for (j = 0; j < 2; j++) {
			row_init(&r, "reach", nm[j]);
			if (c != NULL)
				row_str(&r, C_GROUP, cs[i].p, cs[i].n);
			row_vals(g, &r, &v[j], NULL);
			if ((rc = row_put(g, &r, err)) != MBR_OK)
				goto out;
		}
	}
	if (g->out != NULL)
		tbl_put(g, &t);
out:
	free(cs);
	return rc;
}

/* --- partials --- */

/* A partial (DESIGN.md, Scale-out) is records of the fields below, each
 * saying what it is in its first: the counts of one shard of members,
 * all of which add up, and each period's buyers' revenues for the
 * Pareto share, which needs them all.  Numbers are exact integers
 * (money in minor units), several in one field joined by '|'. */
#define PARTIAL		"mbr-report-partial-1"
#define REVS_PER_ROW	512
enum { P_TAG, P_KIND, P_GROUP, P_I, P_KEY, P_V, P_N };
static const char *const pcol[P_N] = { "partial", "kind", "group", "i",
	"key", "v" };

/* The run's facts, which every partial of one report shares. */
enum { F_ASOF, F_TZ, F_PERIOD, F_PERIODS, F_COHORTS, F_BY, F_RFM,
	F_PREVIOUS, F_POINTS, F_SENDS, F_CURRENCY, F_N };
static const char *const fname[F_N] = { "as_of", "tz", "period",
	"periods", "cohorts", "by", "rfm", "previous", "points", "sends",
	"currency" };

static void
fact_text(const struct rep *g, int f, char *buf, size_t size)
{
	static const char *const unit[] = { "month", "week", "day" };
	const mbr_report_opts *o = g->o;
	char t[MBR_TIME_MAX + 1];

	switch (f) {
	case F_ASOF:
		t[mbr_time_fmt(t, (mbr_time){ g->asof.t,
		    mbr_tz_offset_at(g->tz, g->asof.t) })] = '\0';
		snprintf(buf, size, "%s", t);
		break;
	case F_TZ:
		snprintf(buf, size, "%s", g->c->tz ? g->c->tz :
		    getenv("TZ") ? getenv("TZ") : "");
		break;
	case F_PERIOD:
		snprintf(buf, size, "%s", unit[o->period]);
		break;
	case F_PERIODS:
		snprintf(buf, size, "%d", o->periods);
		break;
	case F_COHORTS:
		snprintf(buf, size, "%d", o->cohorts);
		break;
	case F_BY:
		snprintf(buf, size, "%s", o->by ? o->by : "");
		break;
	case F_RFM:
		snprintf(buf, size, "%d", g->have[0]);
		break;
	case F_PREVIOUS:
		snprintf(buf, size, "%d", g->have[1]);
		break;
	case F_POINTS:
		snprintf(buf, size, "%d", g->have[2]);
		break;
	case F_SENDS:
		snprintf(buf, size, "%d", g->have[3]);
		break;
	default:
		snprintf(buf, size, "%s", g->exp >= 0 && g->priced ? g->cur :
		    "");
	}
}

static int
prow(struct rep *g, const char *kind, mbr_slice group, long i,
    mbr_slice key, const char *v, size_t vn, mbr_err *err)
{
	char ib[24];

	mbr_writer_cstr(g->w, pcol[P_TAG], PARTIAL);
	mbr_writer_cstr(g->w, pcol[P_KIND], kind);
	if (group.p != NULL)
		mbr_writer_str(g->w, pcol[P_GROUP], group.p, group.n);
	else
		mbr_writer_null(g->w, pcol[P_GROUP]);
	if (i >= 0) {
		snprintf(ib, sizeof(ib), "%ld", i);
		mbr_writer_cstr(g->w, pcol[P_I], ib);
	} else
		mbr_writer_null(g->w, pcol[P_I]);
	if (key.p != NULL)
		mbr_writer_str(g->w, pcol[P_KEY], key.p, key.n);
	else
		mbr_writer_null(g->w, pcol[P_KEY]);
	mbr_writer_str(g->w, pcol[P_V], v, vn);
	return mbr_writer_end(g->w, err);
}

static void
addnum(mbr_buf *b, __int128 x)
{
	char d[48];
	int k = 0, neg = x < 0;

	if (b->n > 0)
		mbr_buf_addc(b, '|');
	if (neg)
		mbr_buf_addc(b, '-');
	do {
		int r = (int)(x % 10);

		d[k++] = (char)('0' + (r < 0 ? -r : r));
		x /= 10;
	} while (x != 0);
	while (k > 0)
		mbr_buf_addc(b, d[--k]);
}

static const mbr_slice NOSLICE = { NULL, 0 };

static int
partial_facts(struct rep *g, mbr_err *err)
{
	char v[256];
	int f, rc;

	for (f = 0; f < F_N; f++) {
		fact_text(g, f, v, sizeof(v));
		if ((rc = prow(g, "fact", NOSLICE, -1, (mbr_slice){ fname[f],
		    strlen(fname[f]) }, v, strlen(v), err)) != MBR_OK)
			return rc;
	}
	return MBR_OK;
}

static int
partial_res(struct rep *g, const struct grpres *r, mbr_err *err)
{
	mbr_slice grp = r->name ? (mbr_slice){ r->name, r->n } :
	    MBR_SLICE("");
	mbr_buf b;
	size_t i;
	int p, q, rc = MBR_OK;

	mbr_buf_init(&b);
	for (p = 0; rc == MBR_OK && p < g->np; p++) {
		b.n = 0;
		for (q = 0; q < NQ; q++)
			addnum(&b, r->q[(size_t)p * NQ + (size_t)q]);
		addnum(&b, r->rev[p]);
		addnum(&b, r->r[p].refunded);
		addnum(&b, r->r[p].refunds);
		rc = prow(g, "acc", grp, p, NOSLICE, b.p, b.n, err);
		for (i = 0; rc == MBR_OK && i < r->sv[p].n; i++) {
			if (i % REVS_PER_ROW == 0)
				b.n = 0;
			addnum(&b, r->sv[p].v[i]);
			if (i % REVS_PER_ROW == REVS_PER_ROW - 1 ||
			    i + 1 == r->sv[p].n)
				rc = prow(g, "rev", grp, p, NOSLICE, b.p, b.n,
				    err);
		}
	}
	mbr_buf_release(&b);
	return rc;
}

static int
partial_rest(struct rep *g, mbr_err *err)
{
	size_t nc = (size_t)g->nc, i, n;
	mbr_buf b;
	int c, k, rc = MBR_OK;
	char kb[24];

	mbr_buf_init(&b);
	for (c = 0; rc == MBR_OK && c < g->nc; c++) {
		b.n = 0;
		addnum(&b, g->coh_size[c]);
		rc = prow(g, "cohort", NOSLICE, c, NOSLICE, b.p, b.n, err);
		for (k = 0; rc == MBR_OK && c + k < g->nc; k++) {
			b.n = 0;
			addnum(&b, g->coh_buy[(size_t)c * nc + (size_t)k]);
			addnum(&b, g->coh_rev[(size_t)c * nc + (size_t)k]);
			snprintf(kb, sizeof(kb), "%d", k);
			rc = prow(g, "cohort", NOSLICE, c, (mbr_slice){ kb,
			    strlen(kb) }, b.p, b.n, err);
		}
	}
	n = g->segc ? mbr_tab_count(g->segc) : 0;
	for (i = 0; rc == MBR_OK && i < n; i++) {
		const struct segc *s = mbr_tab_val(g->segc, i);

		b.n = 0;
		addnum(&b, s->cur);
		addnum(&b, s->prev);
		rc = prow(g, "seg", NOSLICE, -1, mbr_tab_key(g->segc, i), b.p,
		    b.n, err);
	}
	n = g->mig ? mbr_tab_count(g->mig) : 0;
	for (i = 0; rc == MBR_OK && i < n; i++) {
		mbr_slice ft = mbr_tab_key(g->mig, i);
		size_t z = strlen(ft.p);	/* from, NUL, to */

		b.n = 0;
		addnum(&b, *(uint64_t *)mbr_tab_val(g->mig, i));
		rc = prow(g, "mig", (mbr_slice){ ft.p, z }, -1, (mbr_slice){
		    ft.p + z + 1, ft.n - z - 1 }, b.p, b.n, err);
	}
	if (rc == MBR_OK && g->have[2]) {
		b.n = 0;
		addnum(&b, g->pts.points);
		addnum(&b, g->pts.holders);
		addnum(&b, g->pts.expiring);
		rc = prow(g, "points", NOSLICE, -1, NOSLICE, b.p, b.n, err);
	}
	n = g->have[3] ? mbr_tab_count(g->reach.ch) : 0;
	for (i = 0; rc == MBR_OK && i <= n && g->have[3]; i++) {
		const struct rch *r = i < n ? mbr_tab_val(g->reach.ch, i) :
		    NULL;

		b.n = 0;
		addnum(&b, r ? r->sends : g->reach.sends);
		addnum(&b, r ? r->members : g->reach.members);
		rc = prow(g, "reach", r ? mbr_tab_key(g->reach.ch, i) :
		    MBR_SLICE(""), -1, NOSLICE, b.p, b.n, err);
	}
	if (rc == MBR_OK) {
		b.n = 0;
		addnum(&b, g->paid);
		addnum(&b, g->refunded);
		addnum(&b, g->other);
		addnum(&b, g->future);
		rc = prow(g, "orders", NOSLICE, -1, NOSLICE, b.p, b.n, err);
	}
	mbr_buf_release(&b);
	return rc;
}

/* Up to max numbers of a '|'-joined field; their count, or -1. */
static int
nums(mbr_slice s, __int128 *v, int max)
{
	size_t i = 0;
	int n = 0;

	if (s.p == NULL || s.n == 0)
		return -1;
	while (i <= s.n) {
		__int128 x = 0;
		int neg = 0, dig = 0;

		if (n == max)
			return -1;
		if (i < s.n && s.p[i] == '-') {
			neg = 1;
			i++;
		}
		for (; i < s.n && mbr_isdigit((unsigned char)s.p[i]); i++) {
			if (x > ((__int128)1 << 120))
				return -1;
			x = x * 10 + (s.p[i] - '0');
			dig++;
		}
		if (dig == 0 || (i < s.n && s.p[i] != '|'))
			return -1;
		v[n++] = neg ? -x : x;
		i++;
	}
	return n;
}

/* The group of a partial's row: the total for "", made on first
 * sight. */
static struct grpres *
merge_group(struct rep *g, mbr_slice name)
{
	size_t *ix;
	int isnew;

	if (name.p == NULL || name.n == 0)
		return &g->res[0];
	ix = mbr_tab_upsert(g->mgrp, name.p, name.n, &isnew);
	if (isnew) {
		g->res = mbr_xrealloc(g->res, (g->nres + 1) * sizeof(*g->res));
		res_init(g, &g->res[g->nres], NULL, 0);
		*ix = g->nres++;
	}
	return &g->res[*ix];
}

static int
merge_fact(struct rep *g, const mbr_rec *rec, mbr_slice key, mbr_slice v,
    mbr_err *err)
{
	char mine[256];
	int f;

	for (f = 0; f < F_N; f++)
		if (key.n == strlen(fname[f]) && memcmp(key.p, fname[f],
		    key.n) == 0)
			break;
	if (f == F_N)
		return MBR_OK;	/* a later version's: its rows will say */
	if (v.p == NULL)
		v = MBR_SLICE("");
	if (f == F_CURRENCY) {
		/* a shard without a priced order has none */
		if (v.n == 0)
			return MBR_OK;
		if (!g->priced) {
			snprintf(g->cur, sizeof(g->cur), "%.*s", (int)v.n,
			    v.p);
			g->exp = mbr_currency_exp(g->cur, strlen(g->cur));
			if (v.n < sizeof(g->cur) && g->exp >= 0) {
				g->priced = 1;
				return MBR_OK;
			}
		} else if (v.n == strlen(g->cur) && memcmp(v.p, g->cur,
		    v.n) == 0)
			return MBR_OK;
		mbr_err_set(err, MBR_EDATA, "partial's currency \"%.*s\" is "
		    "not %s, the others'", (int)v.n, v.p, g->cur);
		mbr_err_at(err, rec->file, rec->line);
		return MBR_EDATA;
	}
	if (f >= F_RFM && f <= F_SENDS) {
		/* the sections' files went to the partial runs */
		int h = v.n == 1 && v.p[0] == '1';

		if (g->facts_seen && g->have[f - F_RFM] != h)
			goto differ;
		g->have[f - F_RFM] = h;
		return MBR_OK;
	}
	fact_text(g, f, mine, sizeof(mine));
	if (v.n == strlen(mine) && memcmp(v.p, mine, v.n) == 0)
		return MBR_OK;
	mbr_err_set(err, MBR_EUSAGE, "partial made with %s \"%.*s\", this run "
	    "has \"%s\": merge with the options the partials were made with",
	    fname[f], (int)v.n, v.p, mine);
	mbr_err_at(err, rec->file, rec->line);
	return MBR_EUSAGE;
differ:
	mbr_err_set(err, MBR_EUSAGE, "partials differ in %s: they are not of "
	    "one report", fname[f]);
	mbr_err_at(err, rec->file, rec->line);
	return MBR_EUSAGE;
}

/* Adds one partial's row in; a row that is not one is rejected. */
static int
merge_row(struct rep *g, const mbr_rec *rec, const int *ix, mbr_err *err)
{
	mbr_slice tag = trimmed(rec, ix[P_TAG]), kind = val(rec, ix[P_KIND]);
	mbr_slice grp = val(rec, ix[P_GROUP]), key = val(rec, ix[P_KEY]);
	mbr_slice is = val(rec, ix[P_I]), vs = val(rec, ix[P_V]);
	__int128 v[REVS_PER_ROW], iv[1];
	long i = -1;
	int n, k;

	if (!mbr_slice_eq(tag, PARTIAL, strlen(PARTIAL))) {
		if (tag.p == NULL)
			mbr_reject(g->run.rj, g->run.rd, rec, "not a partial",
			    "no field \"partial\": not a partial of "
			    "mbr-report --partial");
		else
			mbr_rejectf(g->run.rj, g->run.rd, rec, "not a partial",
			    "partial \"%.*s\" is not %s: of another version, "
			    "or no partial", (int)(tag.n < 60 ? tag.n : 60),
			    tag.p, PARTIAL);
		return MBR_OK;
	}
	if (mbr_slice_eq(kind, "fact", 4))
		return merge_fact(g, rec, key, vs, err);
	if (is.p != NULL && is.n > 0) {
		if (nums(is, iv, 1) != 1 || iv[0] < 0 || iv[0] > 100000)
			goto bad;
		i = (long)iv[0];
	}
	if ((n = nums(vs, v, REVS_PER_ROW)) < 0)
		goto bad;
	if (mbr_slice_eq(kind, "acc", 3)) {
		struct grpres *r;

		if (n != NQ + 3 || i < 0 || i >= g->np)
			goto bad;
		r = merge_group(g, grp);
		for (k = 0; k < NQ; k++)
			r->q[(size_t)i * NQ + (size_t)k] += (uint64_t)v[k];
		r->rev[i] += v[NQ];
		r->r[i].refunded += (uint64_t)v[NQ + 1];
		r->r[i].refunds += (int64_t)v[NQ + 2];
	} else if (mbr_slice_eq(kind, "rev", 3)) {
		struct grpres *r;

		if (i < 0 || i >= g->np)
			goto bad;
		r = merge_group(g, grp);
		for (k = 0; k < n; k++) {
			if (v[k] > INT64_MAX || v[k] < -INT64_MAX)
				goto bad;
			vec_add(&r->sv[i], (int64_t)v[k]);
		}
	} else if (mbr_slice_eq(kind, "cohort", 6)) {
		size_t nc = (size_t)g->nc;

		if (i < 0 || i >= g->nc)
			goto bad;
		if (key.p == NULL || key.n == 0) {
			if (n != 1)
				goto bad;
			g->coh_size[i] += (uint64_t)v[0];
		} else {
			if (n != 2 || nums(key, iv, 1) != 1 || iv[0] < 0 ||
			    i + iv[0] >= g->nc)
				goto bad;
			g->coh_buy[(size_t)i * nc + (size_t)iv[0]] +=
			    (uint64_t)v[0];
			g->coh_rev[(size_t)i * nc + (size_t)iv[0]] += v[1];
		}
	} else if (mbr_slice_eq(kind, "seg", 3)) {
		if (n != 2 || key.p == NULL || key.n == 0)
			goto bad;
		seg_add(g, key, (uint64_t)v[0], (uint64_t)v[1]);
	} else if (mbr_slice_eq(kind, "mig", 3)) {
		if (n != 1 || key.p == NULL || grp.p == NULL)
			goto bad;
		mig_add(g, grp, key, (uint64_t)v[0]);
	} else if (mbr_slice_eq(kind, "points", 6)) {
		if (n != 3)
			goto bad;
		g->pts.points += v[0];
		g->pts.holders += (uint64_t)v[1];
		g->pts.expiring += v[2];
	} else if (mbr_slice_eq(kind, "reach", 5)) {
		struct rch *c;

		if (n != 2)
			goto bad;
		if (grp.p == NULL || grp.n == 0) {
			g->reach.sends += (uint64_t)v[0];
			g->reach.members += (uint64_t)v[1];
		} else {
			c = mbr_tab_upsert(g->reach.ch, grp.p, grp.n, NULL);
			c->sends += (uint64_t)v[0];
			c->members += (uint64_t)v[1];
		}
	} else if (mbr_slice_eq(kind, "orders", 6)) {
		if (n != 4)
			goto bad;
		g->paid += (uint64_t)v[0];
		g->refunded += (uint64_t)v[1];
		g->other += (uint64_t)v[2];
		g->future += (uint64_t)v[3];
	} else
		goto bad;
	return MBR_OK;
bad:
	mbr_rejectf(g->run.rj, g->run.rd, rec, "bad partial", "partial row "
	    "of kind \"%.*s\" does not read", (int)(kind.n < 40 ? kind.n : 40),
	    kind.p ? kind.p : "");
	return MBR_OK;
}

static int
read_partials(struct rep *g, mbr_err *err)
{
	mbr_reader *rd = g->run.rd;
	int ix[P_N], i, r, rc = MBR_OK;
	mbr_rec rec;
	struct gname *gs;
	struct grpres *res;
	size_t n;

	for (i = 0; i < P_N; i++)
		ix[i] = mbr_reader_col(rd, pcol[i], strlen(pcol[i]));
	g->nres = 1;
	g->res = mbr_xcalloc(1, sizeof(*g->res));
	res_init(g, &g->res[0], NULL, 0);
	g->mgrp = mbr_tab_new(sizeof(size_t));
	while (rc == MBR_OK &&
	    (r = mbr_reader_next(rd, &rec, err)) != MBR_READ_END) {
		if (r == MBR_READ_FILE) {
			/* each partial says its facts again */
			g->facts_seen = rec.fileno > 0;
			continue;
		}
		if (rec.bad != NULL)
			mbr_reject(g->run.rj, rd, &rec, rec.bad, rec.why);
		else
			rc = merge_row(g, &rec, ix, err);
	}
	if (rc == MBR_OK)
		rc = err->code;
	if (rc != MBR_OK)
		return rc;
	/* all orders first, then the groups in byte order, as one run */
	gs = sorted_keys(g->mgrp, &n);
	res = mbr_xcalloc(1 + n, sizeof(*res));
	res[0] = g->res[0];
	for (i = 0; i < (int)n; i++) {
		res[1 + i] = g->res[*(size_t *)mbr_tab_val(g->mgrp, gs[i].i)];
		res[1 + i].name = gs[i].p;
		res[1 + i].n = gs[i].n;
	}
	free(g->res);
	g->res = res;
	free(gs);
	for (i = 0; rc == MBR_OK && i < (int)g->nres; i++) {
		rc = finish(g, &g->res[i], i == 0 ? g->curve : NULL, err);
		res_done(g, &g->res[i]);
	}
	return rc;
}

/* --- alerts --- */

/* An alert's fields: a KPI's name is its change, NAME_value and
 * NAME_previous its values, in the latest period, over all. */
static int
alert_col(void *ctx, const char *s, size_t n)
{
	int k;

	(void)ctx;
	for (k = 0; k < MBR_KPI_N; k++) {
		size_t l = strlen(kpi_names[k]);

		if (n < l || memcmp(s, kpi_names[k], l) != 0)
			continue;
		if (n == l)
			return 3 * k;
		if (n == l + 6 && memcmp(s + l, "_value", 6) == 0)
			return 3 * k + 1;
		if (n == l + 9 && memcmp(s + l, "_previous", 9) == 0)
			return 3 * k + 2;
	}
	return -1;
}

static int
alerts_compile(const mbr_report_opts *o, mbr_expr **xp, int *e,
    mbr_err *err)
{
	mbr_expr *x = mbr_expr_new();
	size_t i;
	int a;

	*xp = x;
	for (a = 0; a < o->nalert; a++)
		if ((e[a] = mbr_expr_add(x, "--alert", o->alert[a],
		    strlen(o->alert[a]), err)) < 0)
			return MBR_EUSAGE;
	for (i = 0; i < mbr_expr_nfields(x); i++) {
		mbr_slice f = mbr_expr_field(x, i);

		if (alert_col(NULL, f.p, f.n) < 0)
			return mbr_err_set(err, MBR_EUSAGE, "--alert: \"%.*s\" "
			    "is no KPI (a KPI's name is its change; "
			    "NAME_value, NAME_previous its values)",
			    (int)f.n, f.p);
	}
	mbr_expr_bind(x, alert_col, NULL);
	return MBR_OK;
}

/* Whether text names field s (as a whole word, perhaps quoted): the
 * fields are those of every alert, and a message tells its own. */
static int
isword(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '_' || (c & 0x80);
}

static int
uses(const char *text, mbr_slice s)
{
	size_t n = strlen(text), i;

	for (i = 0; s.n > 0 && i + s.n <= n; i++)
		if (memcmp(text + i, s.p, s.n) == 0 &&
		    (i == 0 || !isword((unsigned char)text[i - 1])) &&
		    !isword((unsigned char)text[i + s.n]))
			return 1;
	return 0;
}

static int
alerts_check(struct rep *g, mbr_expr *x, const int *e)
{
	const mbr_kval *v = g->res[0].v + (size_t)(g->np - 1) * MBR_KPI_N;
	const mbr_kval *pv = v - MBR_KPI_N;
	mbr_slice f[3 * MBR_KPI_N];
	uint8_t t[3 * MBR_KPI_N];
	char b[3 * MBR_KPI_N][64], lab[16];
	int k, a, n = 0;
	size_t i;
	uint32_t told;
	mbr_buf m;

	for (k = 0; k < MBR_KPI_N; k++) {
		f[3 * k] = kval_text(g, mbr_kval_change(v[k], pv[k]),
		    b[3 * k], &t[3 * k]);
		f[3 * k + 1] = kval_text(g, v[k], b[3 * k + 1], &t[3 * k + 1]);
		f[3 * k + 2] = kval_text(g, pv[k], b[3 * k + 2],
		    &t[3 * k + 2]);
		for (a = 0; a < 3; a++)
			if (t[3 * k + a] == MBR_V_PLAIN)
				t[3 * k + a] = MBR_V_NUM;
	}
	mbr_expr_setenv(x, g->tz, g->asof);
	mbr_report_label(lab, g->o->period, g->start[g->np - 1]);
	for (a = 0; a < g->o->nalert; a++) {
		if (!mbr_expr_test(x, e[a], f, t))
			continue;
		n++;
		/* the alert, then each KPI it names: its change and the
		 * values it was worked out from */
		mbr_buf_init(&m);
		mbr_buf_addf(&m, "alert: %s: in %s", g->o->alert[a], lab);
		told = 0;
		for (i = 0; i < mbr_expr_nfields(x); i++) {
			mbr_slice s = mbr_expr_field(x, i);
			char c[64], p[64], q[64];

			k = alert_col(NULL, s.p, s.n) / 3;
			if (told & (uint32_t)1 << k ||
			    !uses(g->o->alert[a], s))
				continue;
			told |= (uint32_t)1 << k;
			change_human(mbr_kval_change(v[k], pv[k]), c);
			kval_human(g, v[k], p);
			kval_human(g, pv[k], q);
			mbr_buf_addf(&m, ", %s %s (%s to %s)", kpi_names[k],
			    c, q, p);
		}
		mbr_warn("%s", m.p);
		mbr_buf_release(&m);
	}
	return n;
}

/* --- the run --- */

static int
setup(struct rep *g, mbr_err *err)
{
	const mbr_report_opts *o = g->o;
	int rc, i, np;
	size_t nc;

	g->exp = -1;
	if (o->currency != NULL) {
		if (strlen(o->currency) >= sizeof(g->cur) ||
		    (g->exp = mbr_currency_exp(o->currency,
		    strlen(o->currency))) < 0)
			return mbr_err_set(err, MBR_EUSAGE, "--currency: "
			    "\"%s\" is not a currency code", o->currency);
		snprintf(g->cur, sizeof(g->cur), "%s", o->currency);
		g->priced = 1;
	} else
		snprintf(g->cur, sizeof(g->cur), "CNY");
	memcpy(g->cur0, g->cur, sizeof(g->cur0));
	/* The side inputs are read after the orders; one that cannot be
	 * read fails now, before a byte is written. */
	for (i = 0; i < 5; i++) {
		const char *path[5] = { o->members, o->rfm, o->previous,
		    o->points, o->sends };
		mbr_input *in;

		if (path[i] == NULL)
			continue;
		if ((rc = mbr_input_open(&in, path[i], g->c->ro.encoding,
		    err)) != MBR_OK)
			return rc;
		mbr_input_close(in);
	}
	g->have[0] = o->rfm != NULL;
	g->have[1] = o->previous != NULL;
	g->have[2] = o->points != NULL;
	g->have[3] = o->sends != NULL;
	if ((rc = mbr_cli_tz(g->c, &g->tz, err)) != MBR_OK)
		return rc;
	if ((rc = mbr_time_now(&g->asof, g->c->as_of, g->tz, err)) != MBR_OK)
		return rc;
	g->asof_day = local_day(g, g->asof.t);
	np = g->np = o->periods + 1;
	g->start = mbr_xcalloc((size_t)np + 1, sizeof(int64_t));
	g->endt = mbr_xcalloc((size_t)np, sizeof(int64_t));
	g->endday = mbr_xcalloc((size_t)np, sizeof(int64_t));
	mbr_report_periods(o->period, g->asof_day, np, g->start);
	g->ym0 = month_of(g->start[0]);
	/* A period is looked at as of its end: midnight as it closes, in
	 * --tz, or for the latest, --as-of. */
	for (i = 0; i < np; i++) {
		if (i == np - 1) {
			g->endt[i] = g->asof.t + 1;
			g->endday[i] = g->asof_day;
		} else {
			int64_t l = g->start[i + 1] * 86400;

			g->endt[i] = l - mbr_tz_offset_local(g->tz, l);
			g->endday[i] = g->start[i + 1];
		}
	}
	g->nc = o->cohorts;
	g->cm0 = month_of(g->asof_day) - (g->nc - 1);
	nc = (size_t)(g->nc ? g->nc : 1);
	g->coh_size = mbr_xcalloc(nc, sizeof(uint64_t));
	g->coh_buy = mbr_xcalloc(nc * nc, sizeof(uint64_t));
	g->coh_rev = mbr_xcalloc(nc * nc, sizeof(__int128));
	g->segc = mbr_tab_new(sizeof(struct segc));
	g->mig = mbr_tab_new(sizeof(uint64_t));
	g->reach.ch = mbr_tab_new(sizeof(struct rch));
	mbr_buf_init(&g->key);
	g->entsize = sizeof(struct ent) + (size_t)np * sizeof(struct cell) +
	    (size_t)g->nc * sizeof(int64_t);
	g->mem = mbr_tab_new(g->entsize);
	g->racc = mbr_xcalloc((size_t)np, sizeof(struct racc));
	if (o->by != NULL) {
		g->pair = mbr_tab_new(sizeof(struct ent) + (size_t)np *
		    sizeof(struct cell));
		g->grp = mbr_tab_new((size_t)np * sizeof(struct racc));
	}
	return MBR_OK;
}

static void
header(struct rep *g, const char *const *names, size_t n)
{
	mbr_slice h[16];	/* C_N or P_N */
	size_t i;

	for (i = 0; i < n; i++)
		h[i] = (mbr_slice){ names[i], strlen(names[i]) };
	mbr_writer_header(g->w, h, n);
}

/* Reads the orders and the side inputs, and writes the partial or
 * works out the KPIs. */
static int
from_orders(struct rep *g, uint64_t *nrej, mbr_err *err)
{
	const mbr_report_opts *o = g->o;
	int rc;

	if ((rc = read_orders(g, err)) != MBR_OK)
		return rc;
	*nrej = mbr_rejects_count(g->run.rj);	/* the orders' own */
	g->priced = g->exp >= 0;
	if (g->exp < 0)
		g->exp = mbr_currency_exp(g->cur, strlen(g->cur)) < 0 ? 2 :
		    mbr_currency_exp(g->cur, strlen(g->cur));
	if (o->members != NULL) {
		static const char *const need[] = { "member_id",
		    "signup_ts" };
		int ix[2];

		if ((rc = side_read(g, o->members, need, ix, 2, 1, profile,
		    NULL, err)) != MBR_OK)
			return rc;
	}
	if (o->rfm != NULL && (rc = rfm_gather(g, err)) != MBR_OK)
		return rc;
	if (o->points != NULL && (rc = points_gather(g, err)) != MBR_OK)
		return rc;
	if (o->sends != NULL && (rc = reach_gather(g, err)) != MBR_OK)
		return rc;
	if (g->nc > 0)
		cohorts_gather(g);
	/* The header only now: a run that failed before wrote nothing. */
	if (o->partial) {
		header(g, pcol, P_N);
		if ((rc = partial_facts(g, err)) != MBR_OK)
			return rc;
	}
	if ((rc = compute(g, err)) != MBR_OK)
		return rc;
	if (o->partial)
		return partial_rest(g, err);
	return MBR_OK;
}

/* The tests' variants: a record a measure, the experiment in group and
 * the variant in key, each value as mbr-abtest wrote it. */
static int
put_abtest(struct rep *g, mbr_err *err)
{
	struct tbl t = { .ncol = 7 };
	static const int shown[6] = { 0, 1, 2, 4, 7, 10 };
	const char *exp = NULL;
	struct row r;
	size_t i, k;
	int rc;

	for (i = 0; i < g->nab; i++) {
		const struct abrow *a = &g->ab[i];

		if (g->out != NULL) {
			if (exp == NULL || strcmp(exp, a->exp) != 0) {
				if (exp != NULL)
					tbl_put(g, &t);
				t = (struct tbl){ .ncol = 7 };
				mbr_buf_addf(&g->txt, "\nA/B test %s\n", a->exp);
				tbl_cell(&t, "variant");
				for (k = 0; k < 6; k++)
					tbl_cell(&t, ab_names[shown[k]]);
				exp = a->exp;
			}
			tbl_cell(&t, a->var);
			for (k = 0; k < 6; k++)
				tbl_cell(&t, a->v[shown[k]] != NULL ?
				    a->v[shown[k]] : "-");
			continue;
		}
		for (k = 0; k < NAB; k++) {
			row_init(&r, "abtest", ab_names[k]);
			row_str(&r, C_GROUP, a->exp, strlen(a->exp));
			row_str(&r, C_KEY, a->var, strlen(a->var));
			row_str(&r, C_VALUE, a->v[k], a->v[k] != NULL ?
			    strlen(a->v[k]) : 0);
			if (a->v[k] != NULL && isnum(a->v[k]))
				r.t[C_VALUE] = MBR_V_NUM;
			if ((rc = row_put(g, &r, err)) != MBR_OK)
				return rc;
		}
	}
	if (g->out != NULL && exp != NULL)
		tbl_put(g, &t);
	return MBR_OK;
}

static int
put_sections(struct rep *g, mbr_err *err)
{
	int rc;

	if ((rc = put_kpis(g, err)) != MBR_OK)
		return rc;
	if (g->nc > 0 && (rc = put_cohorts(g, err)) != MBR_OK)
		return rc;
	if (g->have[0] && (rc = put_rfm(g, err)) != MBR_OK)
		return rc;
	if (g->have[2] && (rc = put_points(g, err)) != MBR_OK)
		return rc;
	if (g->have[3] && (rc = put_reach(g, err)) != MBR_OK)
		return rc;
	if (g->o->abtest != NULL && (rc = put_abtest(g, err)) != MBR_OK)
		return rc;
	return MBR_OK;
}

static int
put_all(struct rep *g, mbr_err *err)
{
	int rc;

	if (g->w != NULL)
		header(g, col_names, C_N);
	if ((rc = put_sections(g, err)) != MBR_OK)
		return rc;
	if (g->out != NULL) {
		mbr_output_write(g->out, g->txt.p, g->txt.n);
		rc = mbr_output_close(g->out, err);
		g->out = NULL;
		if (rc != MBR_OK)
			return rc;
		/* --format text made tables, not records: the page's
		 * records are made again, kept and written nowhere */
		if (g->hout != NULL && (rc = put_sections(g, err)) != MBR_OK)
			return rc;
	}
	if (g->hout != NULL) {
		mbr_page_opts po = { g->o->zh, g->c->as_of, g->c->tz,
		    g->cur[0] != '\0' ? g->cur : NULL, g->o->by };
		mbr_buf b;

		mbr_buf_init(&b);
		mbr_page_write(&b, g->hrec, g->nhrec, &po);
		mbr_output_write(g->hout, b.p, b.n);
		mbr_buf_release(&b);
		rc = mbr_output_close(g->hout, err);
		g->hout = NULL;
	}
	return rc;
}

int
mbr_report_run(const mbr_cli *c, const mbr_report_opts *o, int nfiles,
    char *const files[], int *alerts, mbr_err *err)
{
	struct rep g;
	mbr_expr *x = NULL;
	int e[MBR_REPORT_MAXALERTS], rc;
	uint64_t nrej = 0;
	size_t i;

	memset(&g, 0, sizeof(g));
	g.c = c;
	g.o = o;
	*alerts = 0;
	mbr_buf_init(&g.txt);
	if ((rc = alerts_compile(o, &x, e, err)) != MBR_OK)
		goto out;
	if ((rc = setup(&g, err)) != MBR_OK)
		goto out;
	if ((rc = mbr_run_open(&g.run, c, nfiles, files, !o->text, err)) !=
	    MBR_OK)
		goto close;
	g.w = g.run.w;
	if (o->text && (rc = mbr_output_open(&g.out, c->output,
	    MBR_OUT_ATOMIC | (c->gzip ? MBR_OUT_GZIP : 0), err)) != MBR_OK)
		goto close;
	/* the page's file opened first, so that a bad path fails before
	 * the orders are read */
	if (o->html != NULL) {
		g.hstr = mbr_arena_new();
		if ((rc = mbr_output_open(&g.hout, o->html, MBR_OUT_ATOMIC,
		    err)) != MBR_OK)
			goto close;
	}
	if (o->merge) {
		if ((rc = read_partials(&g, err)) != MBR_OK)
			goto close;
		if (g.exp < 0)
			g.exp = 2;
		nrej = mbr_rejects_count(g.run.rj);
	} else if ((rc = from_orders(&g, &nrej, err)) != MBR_OK)
		goto close;
	/* a test's results are the whole population's, not a shard's:
	 * read by the run that writes the report */
	if (o->abtest != NULL && (rc = abtest_gather(&g, err)) != MBR_OK)
		goto close;
	if (!o->partial && (rc = put_all(&g, err)) != MBR_OK)
		goto close;
	if (!c->quiet)
		fprintf(stderr, "%s: %llu %s: %llu paid, %llu refunded, "
		    "%llu cancelled or pending, %llu after --as-of, %llu "
		    "rejected; %zu members\n", mbr_progname(),
		    o->merge ? (unsigned long long)(g.paid + g.refunded +
		    g.other + g.future) :
		    mbr_reader_count(g.run.rd), o->merge ? "orders in the "
		    "partials" : "orders", (unsigned long long)g.paid,
		    (unsigned long long)g.refunded,
		    (unsigned long long)g.other,
		    (unsigned long long)g.future, (unsigned long long)nrej,
		    o->merge ? (size_t)g.res[0].v[(size_t)(g.np - 1) *
		    MBR_KPI_N + MBR_KPI_MEMBERS].num : mbr_tab_count(g.mem));
close:
	if (g.out != NULL)
		mbr_output_discard(g.out);
	if (g.hout != NULL)
		mbr_output_discard(g.hout);
	rc = mbr_run_close(&g.run, c, err);
	/* Alerts are judged on a run that ended well: its records are
	 * written, and exit 1 tells the cron job. */
	if (rc == MBR_OK && o->nalert > 0)
		*alerts = alerts_check(&g, x, e);
out:
	mbr_expr_free(x);
	for (i = 0; g.res != NULL && i < g.nres; i++) {
		res_done(&g, &g.res[i]);
		free(g.res[i].v);
	}
	free(g.res);
	free(g.start);
	free(g.endt);
	free(g.endday);
	free(g.racc);
	free(g.coh_size);
	free(g.coh_buy);
	free(g.coh_rev);
	mbr_tab_free(g.segc);
	mbr_tab_free(g.mig);
	mbr_tab_free(g.reach.ch);
	mbr_tab_free(g.mgrp);
	mbr_buf_release(&g.key);
	mbr_tab_free(g.mem);
	mbr_tab_free(g.pair);
	mbr_tab_free(g.grp);
	mbr_tz_free(g.tz);
	mbr_buf_release(&g.txt);
	free(g.hrec);
	mbr_arena_free(g.hstr);
	free(g.ab);
	mbr_arena_free(g.abstr);
	return rc;
}
