/* mbr_points.c: the points ledger (mbr_points.h, man/mbr-points.1). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mbr_buf.h"
#include "mbr_io.h"
#include "mbr_money.h"
#include "mbr_points.h"
#include "mbr_pstate.h"
#include "mbr_sort.h"
#include "mbr_split.h"
#include "mbr_tab.h"

/* A record of the run, to replay in time order: an order (ref: its
 * entry in the table of order ids), a points event (ref: its entry in
 * the table of event ids) or a signup (ref: the member).  t is the
 * booking time; its place in the array is its place in the input. */
enum { K_PAID, K_REFUND, K_PENDING, K_EVENT, K_SIGNUP };
struct item {
	int64_t		 t;
	uint32_t	 ref;
	uint32_t	 mask;	/* the "when" multipliers that hold */
	uint32_t	 mem;
	uint8_t		 kind;
};

/* A ledger row, kept until the run's rows are written in time order
 * (members are replayed one after another, each in a hot cache). */
#define NOREF UINT32_MAX
struct lrow {
	int64_t		 t, pts, bal, qual;
	uint32_t	 rank, mem, seq;
	uint32_t	 oref, eref;	/* order, event; NOREF */
	uint32_t	 rule;		/* in g->rules */
	int32_t		 lot;
	int16_t		 tier;		/* a level, or -1 */
	uint8_t		 type, hasqual;
};

/* An order parsed and checked (mbr_split's map, on any thread), on
 * its way to be booked in input order (commit): its member and order
 * id are looked up in tables probed at random, two cache misses a
 * lookup at millions of ids, so the slots of the orders 16 ahead and
 * the entries of those 8 ahead are fetched first. */
struct pend {
	uint64_t	 mh, oh;	/* mbr_hash of member_id, order_id */
	int64_t		 ts, amount;
	uint32_t	 mask;
	uint8_t		 kind;
	char		 st;		/* the status's first letter */
	const char	*id, *oid, *raw;	/* behind the item */
	size_t		 idn, oidn, rawn;
	unsigned long	 line;		/* in its chunk */
};

/* What a chunk of orders counted while it was mapped. */
struct chunk {
	uint64_t	 n_orders, n_future;
};

struct held {
	const mbr_pevent	*e;
	const char		*reason;
	char			*msg;
};

struct pts {
	const mbr_cli		*c;
	const mbr_points_opts	*o;
	mbr_program		*p;
	mbr_tz			*tz;
	mbr_time		 asof;
	int64_t			 asof_day;
	mbr_pstate		 st;	/* members, lots, orders, events */
	mbr_run			 run;
	mbr_writer		*led;
	mbr_buf			 tmp, rule;
	/* columns of the orders */
	int			 ix_oid, ix_id, ix_ts, ix_amt, ix_cur, ix_st;
	mbr_split		*chunks;
	unsigned long		 lineadd;	/* the chunk's first line */
	/* the run's records */
	struct item		*it;
	size_t			 nit, capit;	/* mbr_hugegrow's */
	mbr_prefault		*pfit;
	uint32_t		*byrank;	/* member numbers by member_id */
	int64_t			*rev;		/* the reviews in the run */
	size_t			 nrev;
	/* the ledger's rows, and the rule texts they name */
	struct lrow		*rows;
	size_t			 nrows, caprows;
	mbr_tab			*rules;
	/* profiles: kept for the balances */
	mbr_reader		*prd;
	mbr_buf			 prof;
	/* the events' file, named by their rejects in the replay */
	char			*evfile;
	/* a replaying thread's rejects, written once the threads are
	 * done, in the order one thread would have written them */
	struct held		*held;
	size_t			 nheld, capheld;
	int			 hold;
	mbr_arena		*raw;
	/* the order table's slots, given up once the orders are read
	 * (the replay finds orders by number): memory already faulted in,
	 * for the ranking's and the replay's arrays */
	char			*scratch;
	size_t			 nscratch;
	/* counts */
	uint64_t		 n_orders, n_paid, n_refund, n_pending, n_dup,
				 n_future, n_late;
	uint64_t		 n_ev_read, n_ev_dup, n_ev_future;
	uint64_t		 n_rows;
	int64_t			 total_earned;
	/* A replay asks an order's local day and the days its lot, window
	 * and pruning run to several times, over a few hundred distinct
	 * days: the last instant's day, and those days by day (a tenth of
	 * the replay was calendar and zone arithmetic). */
	int64_t			 ld_t, ld_d;
	int			 ld_ok;
	struct dmemo		*memo;	/* MEMO_N for each of MEMO_KINDS */
};

#define MEMO_N		2048	/* a power of two */
enum { MEMO_LOT, MEMO_WIN, MEMO_KEEP, MEMO_KINDS };
struct dmemo {
	int64_t		 k;	/* the day ^ MEMO_KEY: 0 is no day */
	int64_t		 v;
};
#define MEMO_KEY	INT64_MAX

static int
memo_get(const struct pts *g, int kind, int64_t d, int64_t *v)
{
	const struct dmemo *e = &g->memo[kind * MEMO_N + (d & (MEMO_N - 1))];

	if (e->k != (d ^ MEMO_KEY))
		return 0;
	*v = e->v;
	return 1;
}

static int64_t
memo_put(struct pts *g, int kind, int64_t d, int64_t v)
{
	struct dmemo *e = &g->memo[kind * MEMO_N + (d & (MEMO_N - 1))];

	e->k = d ^ MEMO_KEY;
	e->v = v;
	return v;
}

/* ---- time ---- */

static int64_t
local_day(struct pts *g, int64_t t)
{
	mbr_time tm = { t, 0 };

	if (g->ld_ok && t == g->ld_t)
		return g->ld_d;
	tm.off = mbr_tz_offset_at(g->tz, t);
	g->ld_t = t;
	g->ld_d = mbr_time_day(tm);
	g->ld_ok = 1;
	return g->ld_d;
}

/* The instant of 00:00 local on day d. */
static int64_t
midnight(struct pts *g, int64_t d)
{
	int64_t local = d * 86400;

	return local - mbr_tz_offset_local(g->tz, local);
}

static int64_t
last_of_month(int64_t y, unsigned m)
{
	static const unsigned dm[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30,
	    31, 30, 31 };

	if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return 29;
	return dm[m - 1];
}

/* Day d plus n months (n may be negative), the day of the month kept
 * or cut to the month's last. */
static int64_t
add_months(int64_t d, int n)
{
	int64_t y, mm;
	unsigned m, dd;

	mbr_civil_from_days(d, &y, &m, &dd);
	mm = y * 12 + (m - 1) + n;
	y = mm >= 0 ? mm / 12 : -((-mm + 11) / 12);
	m = (unsigned)(mm - y * 12) + 1;
	if (dd > last_of_month(y, m))
		dd = (unsigned)last_of_month(y, m);
	return mbr_days_from_civil(y, m, dd);
}

static void
put_time(struct pts *g, char *buf, int64_t t)
{
	mbr_time tm = { t, mbr_tz_offset_at(g->tz, t) };

	buf[mbr_time_fmt(buf, tm)] = '\0';
}

/* ---- arithmetic ---- */

static int
mul_ok(__int128 *a, int64_t b)
{
	return !__builtin_mul_overflow(*a, (__int128)b, a);
}

/* num / den rounded by the programme's rule, num >= 0. */
static int64_t
rounded(const mbr_program *p, __int128 num, __int128 den)
{
	__int128 q = num / den, r = num % den;

	if (r != 0) {
		if (p->rounding == MBR_ROUND_CEIL)
			q++;
		else if (p->rounding == MBR_ROUND_NEAREST && 2 * r >= den)
			q++;
	}
	return q > INT64_MAX / 4 ? -1 : (int64_t)q;
}

/* ---- lots and qualifying entries ---- */

#define LOT_OPEN	INT32_MAX

/* The last day of points earned on day d. */
static int32_t
lot_day(struct pts *g, int64_t d)
{
	const mbr_program *p = g->p;
	int64_t y, v, d0 = d;
	unsigned m, dd;

	if (memo_get(g, MEMO_LOT, d0, &v))
		return (int32_t)v;
	switch (p->expiry) {
	case MBR_EXP_MONTHS:
		v = add_months(d, p->exp_n) - 1;
		break;
	case MBR_EXP_MONTH_END:
		d = add_months(d, p->exp_n);
		mbr_civil_from_days(d, &y, &m, &dd);
		v = mbr_days_from_civil(y, m, (unsigned)last_of_month(y, m));
		break;
	case MBR_EXP_YEAR_END:
		mbr_civil_from_days(d, &y, &m, &dd);
		v = mbr_days_from_civil(y + p->exp_n, 12, 31);
		break;
	default:
		v = LOT_OPEN;
	}
	return (int32_t)memo_put(g, MEMO_LOT, d0, v);
}

static size_t
lot_name(char *buf, int32_t day)
{
	if (day == LOT_OPEN) {
		memcpy(buf, "open", 5);
		return 4;
	}
	buf[mbr_date_fmt(buf, day)] = '\0';
	return 10;
}

static int64_t
balance(const mbr_pmem *m)
{
	return m->earned + m->adjusted - m->clawed - m->redeemed - m->expired;
}

/* ---- the ledger ---- */

enum { R_EARN, R_CLAWBACK, R_REDEEM, R_EXPIRE, R_ADJUST, R_BONUS,
	R_TIER_UP, R_TIER_DOWN };
static const char *const rtype[] = { "earn", "clawback", "redeem",
	"expire", "adjust", "bonus", "tier_up", "tier_down" };

struct row {
	int		 type;
	int64_t		 t;
	int64_t		 pts;
	uint32_t	 oref, eref;	/* order, event; NOREF */
	int32_t		 lot;		/* LOT_OPEN, a day, or -1: debt */
	int		 nolot;		/* a tier row */
	const char	*rule;
	int		 tier;		/* a level + 1; 0: none */
	int		 hasqual;
	int64_t		 qual;
};

#define LOT_DEBT	(-1)

static int
row(struct pts *g, uint32_t mi, const struct row *r, mbr_err *err)
{
	mbr_pmem *m = mbr_pstate_mem(&g->st, mi);
	struct lrow *l;
	uint32_t *rule;
	int isnew;

	g->n_rows++;
	if (g->led == NULL)
		return MBR_OK;
	if (g->nrows == g->caprows) {
		g->caprows = g->caprows ? 2 * g->caprows : 4096;
		g->rows = mbr_xrealloc(g->rows, g->caprows * sizeof(*g->rows));
	}
	l = &g->rows[g->nrows];
	l->seq = (uint32_t)g->nrows++;
	l->t = r->t;
	l->pts = r->pts;
	l->bal = balance(m);
	l->qual = r->qual;
	l->hasqual = (uint8_t)r->hasqual;
	l->rank = m->rank;
	l->mem = mi;
	l->oref = r->oref;
	l->eref = r->eref;
	rule = mbr_tab_upsert(g->rules, r->rule, strlen(r->rule), &isnew);
	if (isnew)
		*rule = (uint32_t)(mbr_tab_count(g->rules) - 1);
	l->rule = *rule;
	l->lot = r->nolot ? INT32_MIN : r->lot;
	l->tier = (int16_t)(r->tier - 1);
	l->type = (uint8_t)r->type;
	(void)err;
	return MBR_OK;
}

static int
rowcmp(const void *a, const void *b)
{
	const struct lrow *x = a, *y = b;

	if (x->t != y->t)
		return x->t < y->t ? -1 : 1;
	if (x->rank != y->rank)
		return x->rank < y->rank ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static size_t lot_name(char *buf, int32_t day);
static const char *qual_text(struct pts *g, char *buf, int64_t v);

/* Writes the rows in time order: by time, then member_id, then the
 * order they were made in. */
static int
write_ledger(struct pts *g, mbr_err *err)
{
	mbr_slice v[11];
	uint8_t ty[11];
	char ts[MBR_TIME_MAX + 1], p[24], b[24], lot[16], q[MBR_MONEY_LEN];
	size_t i, k;
	int rc;

	if (g->nrows > 1)
		qsort(g->rows, g->nrows, sizeof(*g->rows), rowcmp);
	for (k = 1; k < 11; k++)
		ty[k] = MBR_V_PLAIN;
	ty[0] = ty[5] = ty[6] = ty[8] = ty[9] = MBR_V_STR;
	for (i = 0; i < g->nrows; i++) {
		const struct lrow *l = &g->rows[i];
		static const char *const name[11] = { "member_id", "ts",
		    "type", "points", "balance", "order_id", "event_id", "lot",
		    "rule", "tier", "qualifying" };

		put_time(g, ts, l->t);
		v[0] = mbr_pstate_id(&g->st, l->mem);
		v[1] = (mbr_slice){ ts, strlen(ts) };
		v[2] = (mbr_slice){ rtype[l->type], strlen(rtype[l->type]) };
		v[3] = (mbr_slice){ p, (size_t)snprintf(p, sizeof(p), "%lld",
		    (long long)l->pts) };
		v[4] = (mbr_slice){ b, (size_t)snprintf(b, sizeof(b), "%lld",
		    (long long)l->bal) };
		v[5] = l->oref == NOREF ? (mbr_slice){ "", 0 } :
		    mbr_pstate_order_id(&g->st, l->oref);
		v[6] = l->eref == NOREF ? (mbr_slice){ "", 0 } :
		    mbr_pstate_event_id(&g->st, l->eref);
		if (l->lot == INT32_MIN)
			v[7] = (mbr_slice){ "", 0 };
		else if (l->lot == LOT_DEBT)
			v[7] = MBR_SLICE("debt");
		else
			v[7] = (mbr_slice){ lot, lot_name(lot, l->lot) };
		v[8] = mbr_tab_key(g->rules, l->rule);
		v[9] = l->tier < 0 ? (mbr_slice){ "", 0 } : (mbr_slice){
		    g->p->levels[l->tier].name,
		    strlen(g->p->levels[l->tier].name) };
		v[10] = l->hasqual ? (mbr_slice){ q, strlen(qual_text(g, q,
		    l->qual)) } : (mbr_slice){ "", 0 };
		if (i == 0) {
			/* NDJSON learns its names from a first record */
			for (k = 0; k < 11; k++)
				mbr_writer_field(g->led, (mbr_slice){ name[k],
				    strlen(name[k]) }, v[k], ty[k]);
			rc = mbr_writer_end(g->led, err);
		} else
			rc = mbr_writer_row(g->led, v, ty, 11, err);
		if (rc != MBR_OK)
			return rc;
	}
	return MBR_OK;
}

/* ---- lots ---- */

/* Adds pts to member m's lot of day (kept in day order, OPEN last). */
static void
lot_add(struct pts *g, mbr_pmem *m, int32_t day, int64_t pts)
{
	mbr_plist_at(&g->st, &m->lots, day)->v += pts;
}

static int64_t
lots_total(struct pts *g, const mbr_pmem *m)
{
	int64_t s = 0;
	uint32_t n;

	for (n = m->lots.head; n != 0; n = mbr_pstate_node(&g->st, n)->next)
		s += mbr_pstate_node(&g->st, n)->v;
	return s;
}

/* Takes up to want points from lot *at (removed when emptied), writing
 * a row of type; returns what it took. */
static int64_t
take_from(struct pts *g, uint32_t mi, uint32_t *at, int64_t want,
    struct row *r, mbr_err *err)
{
	mbr_pmem *m = mbr_pstate_mem(&g->st, mi);
	mbr_pnode *nd = mbr_pstate_node(&g->st, *at);
	int64_t k = want < nd->v ? want : nd->v;

	if (k <= 0)
		return 0;
	nd->v -= k;
	r->lot = nd->day;
	r->pts = -k;
	switch (r->type) {
	case R_CLAWBACK:
		m->clawed += k;
		break;
	case R_REDEEM:
		m->redeemed += k;
		break;
	case R_EXPIRE:
		m->expired += k;
		break;
	default:
		m->adjusted -= k;
	}
	if (nd->v == 0)
		mbr_plist_unlink(&g->st, &m->lots, at);
	if (row(g, mi, r, err) != MBR_OK)
		return -1;
	return k;
}

/* Spends want points from member mi's lots, the earliest last day
 * first, after the lot of day first (-1: none); returns what was left
 * uncovered, or -1 on a write error. */
static int64_t
spend(struct pts *g, uint32_t mi, int64_t want, int32_t first,
    struct row *r, mbr_err *err)
{
	mbr_pmem *m = mbr_pstate_mem(&g->st, mi);
	uint32_t *at;
	int64_t k;

	if (first != -1)
		for (at = &m->lots.head; *at != 0 && want > 0;
		    at = &mbr_pstate_node(&g->st, *at)->next)
			if (mbr_pstate_node(&g->st, *at)->day == first) {
				if ((k = take_from(g, mi, at, want, r, err)) <
				    0)
					return -1;
				want -= k;
				break;
			}
	while (want > 0 && m->lots.head != 0) {
		if ((k = take_from(g, mi, &m->lots.head, want, r, err)) < 0)
			return -1;
		want -= k;
	}
	return want;
}

/* ---- qualifying value ---- */

/* A member's qualifying days are a list in day order with its sums,
 * cut at the front as the days leave every window still to come, so
 * that a value is the sums less the few days before the window: the
 * list walked for every order was the run's time for members of many
 * orders. */

/* The first day any window from day today on can see: rolling, 12
 * months back (a review at midnight of a later day E sees from E - 12
 * months); calendar, this year, or last year until this year's review
 * has passed. */
static int64_t
qual_keep(struct pts *g, int64_t today)
{
	int64_t y, jan1, v;
	unsigned m, d;

	if (memo_get(g, MEMO_KEEP, today, &v))
		return v;
	if (!g->p->calendar)
		return memo_put(g, MEMO_KEEP, today, add_months(today, -12));
	mbr_civil_from_days(today, &y, &m, &d);
	jan1 = mbr_days_from_civil(y, 1, 1);
	if (today <= jan1 + g->p->grace)
		return memo_put(g, MEMO_KEEP, today,
		    mbr_days_from_civil(y - 1, 1, 1));
	return memo_put(g, MEMO_KEEP, today, jan1);
}

static void
qual_prune(struct pts *g, mbr_pmem *m, int64_t today)
{
	int64_t keep = qual_keep(g, today);
	mbr_pnode *nd;

	while (m->qual.head != 0 &&
	    (nd = mbr_pstate_node(&g->st, m->qual.head))->day < keep) {
		m->qspend -= nd->v;
		m->qpts -= nd->w;
		mbr_plist_unlink(&g->st, &m->qual, &m->qual.head);
	}
}

/* The qualifying value (spend, or points for a points basis; spend
 * always when want_spend) of the days from lo on. */
static int64_t
qual_from(struct pts *g, const mbr_pmem *m, int64_t lo, int want_spend)
{
	int spend_ = want_spend || !g->p->tier_points;
	int64_t s = spend_ ? m->qspend : m->qpts;
	uint32_t n;

	for (n = m->qual.head; n != 0; n = mbr_pstate_node(&g->st, n)->next) {
		const mbr_pnode *nd = mbr_pstate_node(&g->st, n);

		if (nd->day >= lo)
			break;
		s -= spend_ ? nd->v : nd->w;
	}
	return s;
}

/* The window's first day for a value on day d (rolling: after d - 12
 * months; calendar: the year's first day). */
static int64_t
window_lo(struct pts *g, int64_t d)
{
	int64_t y, v;
	unsigned m, dd;

	if (memo_get(g, MEMO_WIN, d, &v))
		return v;
	if (!g->p->calendar)
		return memo_put(g, MEMO_WIN, d, add_months(d, -12) + 1);
	mbr_civil_from_days(d, &y, &m, &dd);
	return memo_put(g, MEMO_WIN, d, mbr_days_from_civil(y, 1, 1));
}

/* The value on day d, as an order that day sees it. */
static int64_t
qual_at(struct pts *g, mbr_pmem *m, int64_t d, int want_spend)
{
	qual_prune(g, m, d);
	return qual_from(g, m, window_lo(g, d), want_spend);
}

/* Adds spend and points on day d (an order's, or a refunded one's,
 * which may be long past). */
static void
qual_add(struct pts *g, mbr_pmem *m, int64_t d, int64_t spend_, int64_t pts,
    int64_t today)
{
	mbr_pnode *nd;

	qual_prune(g, m, today);
	if (d < qual_keep(g, today))
		return;
	nd = mbr_plist_at(&g->st, &m->qual, (int32_t)d);
	nd->v += spend_;
	nd->w += pts;
	m->qspend += spend_;
	m->qpts += pts;
}

static const char *
qual_text(struct pts *g, char *buf, int64_t v)
{
	if (g->p->tier_points)
		snprintf(buf, 24, "%lld", (long long)v);
	else
		buf[mbr_money_fmt(buf, v, g->p->exp)] = '\0';
	return buf;
}

/* ---- what falls due ---- */

/* When member m's next lot expires: midnight after its earliest last
 * day, or for inactive_days, N days after the last activity. */
static int64_t
next_expiry(struct pts *g, const mbr_pmem *m)
{
	const mbr_pnode *nd;

	/* the inactivity clock runs out with or without points: a member
	 * whose balance was 0 then is dormant all the same */
	if (m->lots.head == 0)
		return g->p->expiry == MBR_EXP_INACTIVE &&
		    (m->flags & MBR_PM_KNOWN) && !(m->flags & MBR_PM_DORMANT) ?
		    midnight(g, (int64_t)m->last_act + g->p->exp_n + 1) :
		    INT64_MAX;
	nd = mbr_pstate_node(&g->st, m->lots.head);
	if (nd->day != LOT_OPEN)
		return midnight(g, (int64_t)nd->day + 1);
	if (g->p->expiry == MBR_EXP_INACTIVE && !(m->flags & MBR_PM_DORMANT))
		return midnight(g, (int64_t)m->last_act + g->p->exp_n + 1);
	return INT64_MAX;
}

/* The first birthday at or after day from (its midnight > after). */
static int64_t
next_birthday(struct pts *g, const mbr_pmem *m, int64_t after)
{
	int64_t y, t, d;
	unsigned mm, dd;

	if (m->bday_m == 0 || g->p->birthday == 0)
		return INT64_MAX;
	mbr_civil_from_days(local_day(g, after), &y, &mm, &dd);
	for (y -= 1;; y++) {
		dd = g->p->bday_month ? 1 : m->bday_d;
		if (dd > last_of_month(y, m->bday_m))
			dd = (unsigned)last_of_month(y, m->bday_m);
		d = mbr_days_from_civil(y, m->bday_m, dd);
		if ((t = midnight(g, d)) > after)
			return t;
	}
}

/* Member mi is known from booking time t on. */
static void
know(struct pts *g, uint32_t mi, int64_t t)
{
	mbr_pmem *m = mbr_pstate_mem(&g->st, mi);

	if (m->flags & MBR_PM_KNOWN)
		return;
	m->flags |= MBR_PM_KNOWN;
	m->since = m->tier_since = t;
	/* joining is the first activity: a signup bonus alone does not
	 * expire the day after under inactive_days */
	m->flags &= (uint8_t)~MBR_PM_DORMANT;
	m->last_act = (int32_t)local_day(g, t);
	m->bday_next = next_birthday(g, m, t);
}

/* ---- earning ---- */

static int
add_points(struct pts *g, uint32_t mi, int type, int64_t t, int64_t pts,
    uint32_t oref, uint32_t eref, const char *rule, int32_t *lotp,
    mbr_err *err)
{
	mbr_pmem *m = mbr_pstate_mem(&g->st, mi);
	struct row r = { .type = type, .t = t, .oref = oref, .eref = eref,
	    .rule = rule };
	int64_t settle;
	int32_t lot = lot_day(g, local_day(g, t));

	if (lotp != NULL)
		*lotp = lot;
	if (pts <= 0)
		return MBR_OK;
	if (m->debt > 0) {
		settle = pts < m->debt ? pts : m->debt;
		m->debt -= settle;
		if (type == R_ADJUST)
			m->adjusted += settle;
		else
			m->earned += settle;
		r.pts = settle;
		r.lot = LOT_DEBT;
		if (row(g, mi, &r, err) != MBR_OK)
			return MBR_EIO;
		pts -= settle;
	}
	if (pts == 0)
		return MBR_OK;
	lot_add(g, m, lot, pts);
	if (type == R_ADJUST)
		m->adjusted += pts;
	else
		m->earned += pts;
	r.pts = pts;
	r.lot = lot;
	if (row(g, mi, &r, err) != MBR_OK)
		return MBR_EIO;
	return MBR_OK;
}

/* Upgrades member mi when its qualifying value on day d reaches a
 * higher level: a tier_up row and the level's gift. */
static int
upgrade(struct pts *g, uint32_t mi, int64_t t, int64_t d, uint32_t oref,
    mbr_err *err)
{
	mbr_pmem *m = mbr_pstate_mem(&g->st, mi);
	int64_t v = qual_at(g, m, d, 0);
	int lv = mbr_program_level(g->p, v);
	char rule[80];
	struct row r = { .type = R_TIER_UP, .t = t, .nolot = 1,
	    .oref = oref, .eref = NOREF, .rule = "upgrade" };

	if (lv <= m->tier)
		return MBR_OK;
	m->tier = (int16_t)lv;
	m->tier_since = t;
	r.tier = lv + 1;
	r.hasqual = 1;
	r.qual = v;
	if (row(g, mi, &r, err) != MBR_OK)
		return MBR_EIO;
	if (g->p->levels[lv].gift > 0) {
		snprintf(rule, sizeof(rule), "gift:%s", g->p->levels[lv].name);
		return add_points(g, mi, R_BONUS, t, g->p->levels[lv].gift,
		    oref, NOREF, rule, NULL, err);
	}
	return MBR_OK;
}

/* The base points of amount a (> 0): *step the ladder step used. */
static int
base(const mbr_program *p, int64_t a, __int128 *num, __int128 *den,
    const char **label)
{
	const mbr_dec *per = &p->per;
	int i;

	*label = "base";
	*num = a;
	*den = 1;
	for (i = 0; i < (int)p->exp; i++)
		*den *= 10;
	if (p->nsteps > 0) {
		for (i = p->nsteps - 1; i > 0 && a < p->steps[i].from; i--)
			;
		*label = p->steps[i].label;
		if (p->steps[i].fixed) {
			*num = p->steps[i].points;
			*den = 1;
			return 1;
		}
		per = &p->steps[i].per;
	}
	if (!mul_ok(num, per->m))
		return 0;
	for (i = 0; i < per->scale; i++)
		*den *= 10;
	return 1;
}

/* Whether multiplier x holds for an order at instant ts. */
static int
holds(struct pts *g, const mbr_mult *x, int64_t ts, uint32_t mask, int i)
{
	int64_t d, y;
	unsigned m, dd;

	if (x->has_from && ts < x->from)
		return 0;
	if (x->has_to && ts >= x->to)
		return 0;
	if (x->expr >= 0 && !(mask & (1u << i)))
		return 0;
	if (x->month == 0 && x->monthday == 0 && x->weekday == 0)
		return 1;
	d = local_day(g, ts);
	mbr_civil_from_days(d, &y, &m, &dd);
	if (x->month != 0 && (int)m != x->month)
		return 0;
	if (x->monthday != 0 && (int)dd != x->monthday)
		return 0;
	if (x->weekday != 0 && ((d + 3) % 7 + 7) % 7 + 1 != x->weekday)
		return 0;
	return 1;
}

/* The points of a paid order, and the rule text that made them into
 * g->rule; -1 when they are beyond any real number. */
static int64_t
order_points(struct pts *g, const mbr_pmem *m, int64_t a, int64_t ts,
    uint32_t mask)
{
	const mbr_program *p = g->p;
	const mbr_level *lv = &p->levels[m->tier];
	const mbr_dec *f[MBR_PROG_MAXMULT + 1], *bestf = NULL;
	const char *fn[MBR_PROG_MAXMULT + 1], *label, *bestn = NULL;
	char tiern[80];
	__int128 num, den;
	int nf = 0, i, j;
	int64_t pts;

	mbr_buf_reset(&g->rule);
	if (a < p->min_amount) {
		mbr_buf_adds(&g->rule, "min_amount");
		return 0;
	}
	if (!base(p, a, &num, &den, &label))
		return -1;
	mbr_buf_adds(&g->rule, label);
	if (lv->has_factor) {
		snprintf(tiern, sizeof(tiern), "tier:%s", lv->name);
		f[nf] = &lv->factor;
		fn[nf++] = tiern;
	}
	for (i = 0; i < p->nmult; i++)
		if (holds(g, &p->mult[i], ts, mask, i)) {
			f[nf] = &p->mult[i].factor;
			fn[nf++] = p->mult[i].name;
		}
	if (p->best) {
		/* the largest: a/10^s > b/10^t by cross-multiplying */
		for (i = 0; i < nf; i++) {
			__int128 x = f[i]->m, y;

			if (bestf != NULL) {
				y = bestf->m;
				for (j = 0; j < bestf->scale; j++)
					x *= 10;
				for (j = 0; j < f[i]->scale; j++)
					y *= 10;
			}
			if (bestf == NULL || x > y) {
				bestf = f[i];
				bestn = fn[i];
			}
		}
		nf = 0;
		if (bestf != NULL) {
			f[nf] = bestf;
			fn[nf++] = bestn;
		}
	}
	for (i = 0; i < nf; i++) {
		if (!mul_ok(&num, f[i]->m))
			return -1;
		for (j = 0; j < f[i]->scale; j++)
			if (!mul_ok(&den, 10))
				return -1;
		/* keep both small: most factors end in zeros once scaled */
		while (den > 1 && num % 10 == 0 && den % 10 == 0) {
			num /= 10;
			den /= 10;
		}
		mbr_buf_addc(&g->rule, '|');
		mbr_buf_adds(&g->rule, fn[i]);
	}
	if ((pts = rounded(p, num, den)) < 0)
		return -1;
	if (p->cap_order > 0 && pts > p->cap_order) {
		pts = p->cap_order;
		mbr_buf_adds(&g->rule, "|cap:order");
	}
	return pts;
}

/* The points a partial refund of amount a (> 0) claws back: a's points
 * at the base rate. */
static int64_t
partial_points(struct pts *g, int64_t a)
{
	__int128 num, den;
	const char *label;

	if (g->p->nsteps > 0) {
		int i;

		for (i = g->p->nsteps - 1; i > 0 && a < g->p->steps[i].from;
		    i--)
			;
		if (g->p->steps[i].fixed)
			return 0;
	}
	if (!base(g->p, a, &num, &den, &label))
		return -1;
	return rounded(g->p, num, den);
}

/* Claws back want points of member mi (from lot first first). */
static int
clawback(struct pts *g, uint32_t mi, int64_t t, int64_t want, int32_t first,
    uint32_t oref, const char *why, mbr_err *err)
{
	mbr_pmem *m = mbr_pstate_mem(&g->st, mi);
	struct row r = { .type = R_CLAWBACK, .t = t, .oref = oref,
	    .eref = NOREF };
	int64_t left;

	if (want <= 0)
		return MBR_OK;
	mbr_buf_reset(&g->tmp);
	mbr_buf_adds(&g->tmp, why);
	if (g->p->forgive && lots_total(g, m) < want)
		mbr_buf_adds(&g->tmp, "|forgive");
	r.rule = g->tmp.p;
	if ((left = spend(g, mi, want, first, &r, err)) < 0)
		return MBR_EIO;
	if (left > 0 && !g->p->forgive) {
		m->debt += left;
		m->clawed += left;
		r.pts = -left;
		r.lot = LOT_DEBT;
		if (row(g, mi, &r, err) != MBR_OK)
			return MBR_EIO;
	}
	return MBR_OK;
}

static int
paid(struct pts *g, const struct item *it, mbr_err *err)
{
	mbr_porder *o = mbr_pstate_order(&g->st, it->ref);
	uint32_t mi = o->mem;
	mbr_pmem *m = mbr_pstate_mem(&g->st, mi);
	mbr_slice oid = mbr_pstate_order_id(&g->st, it->ref);
	int64_t a = o->amount, pts, d = local_day(g, o->ts), day;
	int rc;

	know(g, mi, it->t);
	if (o->flags & MBR_PO_REFUNDED)
		return MBR_OK;	/* refunded before it was paid */
	o->flags |= MBR_PO_EARNED;
	o->earned = 0;
	if (a < 0) {
		if ((pts = partial_points(g, -a)) < 0)
			pts = 0;
		qual_add(g, m, d, a, -pts, local_day(g, it->t));
		return clawback(g, mi, it->t, pts, -2, it->ref, "partial", err);
	}
	day = local_day(g, it->t);
	if ((pts = order_points(g, m, a, o->ts, it->mask)) < 0) {
		mbr_buf_reset(&g->tmp);
		mbr_buf_addf(&g->tmp, "the points of order \"%.*s\" are out "
		    "of range", (int)oid.n, oid.p);
		return mbr_err_set(err, MBR_EDATA, "%s", g->tmp.p);
	}
	if (g->p->cap_day > 0) {
		if (m->cap_day != d) {
			m->cap_day = (int32_t)d;
			m->cap_used = 0;
		}
		if (pts > g->p->cap_day - m->cap_used) {
			pts = g->p->cap_day - m->cap_used;
			mbr_buf_adds(&g->rule, "|cap:day");
		}
		m->cap_used += pts;
	}
	if (pts > 0) {
		m->flags &= (uint8_t)~MBR_PM_DORMANT;
		m->last_act = (int32_t)day;
		if ((rc = add_points(g, mi, R_EARN, it->t, pts, it->ref,
		    NOREF, g->rule.p, &o->lot, err)) != MBR_OK)
			return rc;
		g->total_earned += pts;
		}
	o->earned = pts;
	qual_add(g, m, d, a, pts, day);
	return upgrade(g, mi, it->t, day, it->ref, err);
}

static int
refund(struct pts *g, const struct item *it, mbr_err *err)
{
	mbr_porder *o = mbr_pstate_order(&g->st, it->ref);
	uint32_t mi = o->mem;
	mbr_pmem *m = mbr_pstate_mem(&g->st, mi);
	int64_t pts;

	know(g, mi, it->t);
	if (o->flags & MBR_PO_REFUNDED)
		return MBR_OK;
	o->flags |= MBR_PO_REFUNDED;
	if (!(o->flags & MBR_PO_EARNED))
		return MBR_OK;
	pts = o->earned;
	qual_add(g, m, local_day(g, o->ts), -o->amount, -pts,
	    local_day(g, it->t));
	return clawback(g, mi, it->t, pts, o->lot, it->ref, "refund", err);
}

/* ---- points events ---- */

static void
ev_reject(struct pts *g, const mbr_pevent *e, const char *reason,
    const char *msg)
{
	if (g->hold) {
		if (g->nheld == g->capheld) {
			g->capheld = g->capheld ? 2 * g->capheld : 16;
			g->held = mbr_xrealloc(g->held, g->capheld *
			    sizeof(*g->held));
		}
		g->held[g->nheld++] = (struct held){ e, reason,
		    mbr_xstrdup(msg) };
		return;
	}
	mbr_reject_raw(g->run.rj, g->evfile, e->line, e->raw, e->rawn, reason,
	    msg);
}

static int
event(struct pts *g, const struct item *it, mbr_err *err)
{
	mbr_pevent *e = mbr_pstate_event(&g->st, it->ref);
	mbr_pmem *m;
	struct row r = { .t = it->t, .oref = NOREF, .eref = it->ref };
	int64_t have;
	char msg[200];

	/* known by now: an order booked before it, a profile, the state */
	if (e->mem == UINT32_MAX || !(mbr_pstate_mem(&g->st, e->mem)->flags &
	    (MBR_PM_KNOWN | MBR_PM_PROFILE))) {
		snprintf(msg, sizeof(msg), "member_id \"%.*s\" has no order, "
		    "profile or points before it", (int)(e->rawmemn < 100 ?
		    e->rawmemn : 100), e->rawmem);
		ev_reject(g, e, "unknown member", msg);
		e->flags |= MBR_PE_REJECTED;
		return MBR_OK;
	}
	m = mbr_pstate_mem(&g->st, e->mem);
	know(g, e->mem, it->t);
	r.rule = e->reason != NULL && e->reason[0] != '\0' ? e->reason :
	    e->type == MBR_PE_REDEEM ? "redeem" : "adjust";
	if (e->type == MBR_PE_ADJUST && e->points > 0)
		return add_points(g, e->mem, R_ADJUST, it->t, e->points,
		    NOREF, it->ref, r.rule, NULL, err);
	have = balance(m);
	if (have < -e->points && e->type == MBR_PE_ADJUST) {
		snprintf(msg, sizeof(msg), "adjustment of %lld points is "
		    "more than the balance of %lld", (long long)e->points,
		    (long long)have);
		ev_reject(g, e, "insufficient points", msg);
		e->flags |= MBR_PE_REJECTED;
		return MBR_OK;
	}
	if (e->type == MBR_PE_REDEEM && have < e->points) {
		snprintf(msg, sizeof(msg), "redemption of %lld points is more "
		    "than the balance of %lld", (long long)e->points,
		    (long long)have);
		ev_reject(g, e, "insufficient points", msg);
		e->flags |= MBR_PE_REJECTED;
		return MBR_OK;
	}
	r.type = e->type == MBR_PE_REDEEM ? R_REDEEM : R_ADJUST;
	if (e->type == MBR_PE_REDEEM) {
		m->flags &= (uint8_t)~MBR_PM_DORMANT;
		m->last_act = (int32_t)local_day(g, it->t);
	}
	if (spend(g, e->mem, e->type == MBR_PE_REDEEM ? e->points :
	    -e->points, -2, &r, err) < 0)
		return MBR_EIO;
	return MBR_OK;
}

/* ---- generated events ---- */

static int
expire(struct pts *g, uint32_t mi, int64_t t, mbr_err *err)
{
	mbr_pmem *m = mbr_pstate_mem(&g->st, mi);
	struct row r = { .type = R_EXPIRE, .t = t, .rule = "expiry",
	    .oref = NOREF, .eref = NOREF };

	if (g->p->expiry == MBR_EXP_INACTIVE && next_expiry(g, m) <= t) {
		/* what is credited from now on waits for the next activity */
		m->flags |= MBR_PM_DORMANT;
		while (m->lots.head != 0)
			if (take_from(g, mi, &m->lots.head, INT64_MAX, &r,
			    err) < 0)
				return MBR_EIO;
		return MBR_OK;
	}
	while (m->lots.head != 0 && next_expiry(g, m) <= t)
		if (take_from(g, mi, &m->lots.head, INT64_MAX, &r, err) < 0)
			return MBR_EIO;
	return MBR_OK;
}

static int
review(struct pts *g, uint32_t mi, int64_t t, mbr_err *err)
{
	mbr_pmem *m = mbr_pstate_mem(&g->st, mi);
	int64_t d = local_day(g, t), v, w;
	int lv;
	struct row r = { .type = R_TIER_DOWN, .t = t, .nolot = 1,
	    .oref = NOREF, .eref = NOREF,
	    .rule = "review" };

	if (!(m->flags & MBR_PM_KNOWN) || m->since >= t || m->tier == 0)
		return MBR_OK;
	qual_prune(g, m, d);
	if (g->p->calendar) {
		int64_t y;
		unsigned mm, dd;

		/* the year just ended, or this one so far if more */
		mbr_civil_from_days(d, &y, &mm, &dd);
		w = qual_from(g, m, mbr_days_from_civil(y, 1, 1), 0);
		v = qual_from(g, m, mbr_days_from_civil(y - 1, 1, 1), 0) - w;
		if (w > v)
			v = w;
	} else
		v = qual_from(g, m, add_months(d, -12), 0);
	lv = mbr_program_level(g->p, v);
	if (lv >= m->tier)
		return MBR_OK;
	m->tier = (int16_t)lv;
	m->tier_since = t;
	r.tier = lv + 1;
	r.hasqual = 1;
	r.qual = v;
	return row(g, mi, &r, err);
}

static int
birthday(struct pts *g, uint32_t mi, int64_t t, mbr_err *err)
{
	mbr_pmem *m = mbr_pstate_mem(&g->st, mi);
	int rc;

	if (m->bday_next > t)
		return MBR_OK;
	m->bday_next = next_birthday(g, m, t);
	if ((rc = add_points(g, mi, R_BONUS, t, g->p->birthday,
	    NOREF, NOREF, "birthday", NULL, err)) !=
	    MBR_OK)
		return rc;
	return MBR_OK;
}

/* The review after instant t: midnight of the review day + grace. */
static int64_t
review_after(struct pts *g, int64_t t)
{
	int64_t y, d, r;
	unsigned m, dd;

	if (g->p->nlevels < 2)
		return INT64_MAX;
	mbr_civil_from_days(local_day(g, t), &y, &m, &dd);
	for (y -= 1;; y++) {
		d = mbr_days_from_civil(y, (unsigned)g->p->review_m,
		    (unsigned)g->p->review_d) + g->p->grace;
		if ((r = midnight(g, d)) > t)
			return r;
	}
}

static int
signup(struct pts *g, const struct item *it, mbr_err *err)
{
	mbr_pmem *m = mbr_pstate_mem(&g->st, it->ref);

	know(g, it->ref, it->t);
	if (m->flags & MBR_PM_SIGNED)
		return MBR_OK;
	m->flags |= MBR_PM_SIGNED;
	return add_points(g, it->ref, R_BONUS, it->t, g->p->signup,
	    NOREF, NOREF, "signup", NULL, err);
}

/* A record's place in its member's replay: its booking time, then its
 * place in the input. */
struct ord {
	int64_t		 t;
	uint32_t	 i;
};

static int
ordcmp(const void *a, const void *b)
{
	const struct ord *x = a, *y = b;

	if (x->t != y->t)
		return x->t < y->t ? -1 : 1;
	return x->i < y->i ? -1 : x->i > y->i;
}

static int
apply(struct pts *g, const struct item *it, mbr_err *err)
{
	switch (it->kind) {
	case K_PAID:
		return paid(g, it, err);
	case K_REFUND:
		return refund(g, it, err);
	case K_PENDING:
		know(g, it->ref, it->t);
		return MBR_OK;
	case K_EVENT:
		return event(g, it, err);
	default:
		return signup(g, it, err);
	}
}

/* Replays member mi's records, g->it[ix[0..n)] in input order, by
 * booking time, with what falls due between them (expiries, reviews,
 * birthdays: at the same instant, these first and in that order), up
 * to --as-of. */
static int
replay_member(struct pts *g, uint32_t mi, uint32_t *ix, size_t n,
    mbr_err *err)
{
	mbr_pmem *m = mbr_pstate_mem(&g->st, mi);
	size_t k, r = 0;
	int rc;

	for (k = 1; k < n; k++)
		if (g->it[ix[k - 1]].t > g->it[ix[k]].t)
			break;
	if (k < n) {
		struct ord *o = mbr_xmalloc(n * sizeof(*o));

		for (k = 0; k < n; k++)
			o[k] = (struct ord){ g->it[ix[k]].t, ix[k] };
		qsort(o, n, sizeof(*o), ordcmp);
		for (k = 0; k < n; k++)
			ix[k] = o[k].i;
		free(o);
	}
	k = 0;
	for (;;) {
		int64_t tn = k < n ? g->it[ix[k]].t : INT64_MAX;
		int64_t te = next_expiry(g, m), tb = m->bday_next;
		int64_t tr = r < g->nrev ? g->rev[r] : INT64_MAX, tg = te;

		if (tb < tg)
			tg = tb;
		if (tr < tg)
			tg = tr;
		if (tg <= tn && tg <= g->asof.t) {
			if ((te == tg && (rc = expire(g, mi, tg, err)) !=
			    MBR_OK) ||
			    (tr == tg && (rc = review(g, mi, tg, err)) !=
			    MBR_OK) ||
			    (tb == tg && (rc = birthday(g, mi, tg, err)) !=
			    MBR_OK))
				return rc;
			if (tr == tg)
				r++;
			continue;
		}
		if (k == n)
			return MBR_OK;
		if ((rc = apply(g, &g->it[ix[k++]], err)) != MBR_OK)
			return rc;
	}
}

/* Replays members [lo, hi), whose records are ix[start[i]..start[i+1]). */
static int
replay_range(struct pts *g, const size_t *start, uint32_t *ix, size_t lo,
    size_t hi, mbr_err *err)
{
	size_t i, pf = start[lo], po = start[lo];
	int rc = MBR_OK;

	for (i = lo; i < hi && rc == MBR_OK; i++) {
		mbr_pmem *m = mbr_pstate_mem(&g->st, (uint32_t)i);

		/* the records and order entries of the next few members,
		 * fetched while this one's are booked */
		for (; pf < start[hi] && pf < start[i + 1] + 32; pf++)
			__builtin_prefetch(&g->it[ix[pf]]);
		for (; po < start[hi] && po < start[i + 1] + 16; po++)
			if (g->it[ix[po]].kind <= K_REFUND)
				__builtin_prefetch(mbr_pstate_order(&g->st,
				    g->it[ix[po]].ref), 1);
		if (start[i + 1] == start[i] && !(m->flags & MBR_PM_KNOWN))
			continue;
		rc = replay_member(g, (uint32_t)i, ix + start[i],
		    start[i + 1] - start[i], err);
	}
	return rc;
}

/* A thread's share of the replay: members [lo, hi) on a copy of the
 * run whose caches, buffers, node cursor, ledger rows, rule names,
 * counters and rejects are its own; the members, their orders and
 * events are touched by this thread alone. */
struct part {
	struct pts	 g;
	struct pts	*into;		/* the run it is merged into */
	const size_t	*start;
	uint32_t	*ix;
	size_t		 lo, hi;
	int		 rc, merged;
	mbr_err		 err;
};

static void
part_init(struct part *pt, struct pts *g)
{
	memset(pt, 0, sizeof(*pt));
	pt->into = g;
	pt->g = *g;
	mbr_pstate_fork(&g->st, &pt->g.st);
	pt->g.memo = mbr_xcalloc(MEMO_KINDS * MEMO_N, sizeof(*pt->g.memo));
	pt->g.ld_ok = 0;
	mbr_buf_init(&pt->g.tmp);
	mbr_buf_init(&pt->g.rule);
	pt->g.rows = NULL;
	pt->g.nrows = pt->g.caprows = 0;
	pt->g.rules = mbr_tab_new(sizeof(uint32_t));
	pt->g.n_rows = 0;
	pt->g.total_earned = 0;
	pt->g.held = NULL;
	pt->g.nheld = pt->g.capheld = 0;
	pt->g.hold = 1;
	mbr_err_clear(&pt->err);
}

static void
part_free(struct part *pt)
{
	struct pts *h = &pt->g;
	size_t i;

	for (i = 0; i < h->nheld; i++)
		free(h->held[i].msg);
	free(h->held);
	free(h->rows);
	free(h->memo);
	mbr_tab_free(h->rules);
	mbr_buf_release(&h->tmp);
	mbr_buf_release(&h->rule);
	mbr_pstate_free(&h->st);
}

/* Takes a part's results into g, after the parts before it. */
static void
part_merge(struct pts *g, struct part *pt)
{
	struct pts *h = &pt->g;
	size_t i;

	g->n_rows += h->n_rows;
	g->total_earned += h->total_earned;
	if (g->nrows + h->nrows > g->caprows) {
		g->caprows = g->nrows + h->nrows;
		g->rows = mbr_xrealloc(g->rows, g->caprows * sizeof(*g->rows));
	}
	for (i = 0; i < h->nrows; i++) {
		struct lrow *l = &g->rows[g->nrows++];
		mbr_slice r;
		uint32_t *rule;
		int isnew;

		*l = h->rows[i];
		r = mbr_tab_key(h->rules, l->rule);
		rule = mbr_tab_upsert(g->rules, r.p, r.n, &isnew);
		if (isnew)
			*rule = (uint32_t)(mbr_tab_count(g->rules) - 1);
		l->rule = *rule;
	}
	for (i = 0; i < h->nheld; i++) {
		ev_reject(g, h->held[i].e, h->held[i].reason, h->held[i].msg);
		free(h->held[i].msg);
	}
	h->nheld = 0;
	part_free(pt);
	pt->merged = 1;
}

/* mbr_split_tasks's: task k replays part k; the parts are merged in
 * order, up to the first that failed, as one thread would have stopped
 * there. */
static void
part_run(void *ctx, int slot, long k)
{
	struct part *pt = (struct part *)ctx + k;

	(void)slot;
	pt->rc = replay_range(&pt->g, pt->start, pt->ix, pt->lo, pt->hi,
	    &pt->err);
}

static int
part_done(void *ctx, int slot, long k, mbr_err *err)
{
	struct part *pt = (struct part *)ctx + k;
	int rc = pt->rc;

	(void)slot;
	if (rc != MBR_OK)
		*err = pt->err;
	part_merge(pt->into, pt);
	return rc;
}

/* Each member's records are replayed together, one member after
 * another: a member's lots, days and order entries stay in the cache
 * through its history, where a replay of all records in time order
 * missed them at nearly every step.  Members are independent, so each
 * of --threads replays a share of them (the replay was a third of a
 * run on one thread); the ledger is put back in time order when it is
 * written either way. */
static int
replay(struct pts *g, mbr_err *err)
{
	size_t nm = mbr_pstate_nmem(&g->st), i, nrev = 0, caprev = 0, np, k, lo;
	size_t sb = (nm + 2) * sizeof(size_t), ib = (g->nit + 1) *
	    sizeof(uint32_t);
	int own = sb + ib > g->nscratch;
	size_t *start = own ? mbr_xcalloc(nm + 2, sizeof(*start)) :
	    memset(g->scratch, 0, sb);
	uint32_t *ix = own ? mbr_xmalloc(ib) : (uint32_t *)(g->scratch + sb);
	struct part *pt;
	int64_t t0 = g->st.asof_set ? g->st.asof : g->asof.t, r;
	int rc = MBR_OK;

	/* the reviews from the state's as-of, or the first record, on */
	for (i = 0; i < g->nit; i++)
		if (!g->st.asof_set && g->it[i].t - 1 < t0)
			t0 = g->it[i].t - 1;
	for (r = review_after(g, t0); r <= g->asof.t; r = review_after(g, r)) {
		if (nrev == caprev) {
			caprev = caprev ? 2 * caprev : 8;
			g->rev = mbr_xrealloc(g->rev, caprev * sizeof(*g->rev));
		}
		g->rev[nrev++] = r;
	}
	g->nrev = nrev;
	/* records by member, in input order within each (a counting
	 * sort of their numbers); those of no member (an event's unknown
	 * member) last */
	for (i = 0; i < g->nit; i++)
		start[(g->it[i].mem == NOREF ? nm : g->it[i].mem) + 1]++;
	for (i = 1; i <= nm + 1; i++)
		start[i] += start[i - 1];
	for (i = 0; i < g->nit; i++)
		ix[start[g->it[i].mem == NOREF ? nm : g->it[i].mem]++] =
		    (uint32_t)i;
	memmove(start + 1, start, (nm + 1) * sizeof(*start));
	start[0] = 0;
	for (i = start[nm]; i < g->nit && rc == MBR_OK; i++)
		rc = event(g, &g->it[ix[i]], err);
	if (rc != MBR_OK || nm == 0)
		goto out;
	if ((np = (size_t)mbr_cli_threads(g->c)) > nm)
		np = nm;
	if (np < 2) {
		rc = replay_range(g, start, ix, 0, nm, err);
		goto out;
	}
	/* np parts of about equal records and members (a member with none
	 * still has its expiries and reviews to go through) */
	pt = mbr_xcalloc(np, sizeof(*pt));
	for (k = 0, lo = 0; k < np; k++) {
		size_t hi = nm - (np - 1 - k);	/* one member each at least */

		if (k < np - 1) {
			size_t want = (start[nm] + nm) / np * (k + 1), m;

			for (m = lo + 1; m < hi && start[m] + m < want; m++)
				;
			hi = m;
		}
		part_init(&pt[k], g);
		pt[k].start = start;
		pt[k].ix = ix;
		pt[k].lo = lo;
		pt[k].hi = hi;
		lo = hi;
	}
	rc = mbr_split_tasks((int)np, (long)np, part_run, part_done, pt, err);
	for (k = 0; k < np; k++)
		if (!pt[k].merged)
			part_free(&pt[k]);
	free(pt);
out:
	if (own) {
		free(ix);
		free(start);
	}
	return rc;
}

/* ---- reading ---- */

static struct item *
add_item(struct pts *g, int64_t ts, int kind, uint32_t ref, uint32_t mem)
{
	struct item *it;

	if (g->nit == g->capit)
		mbr_hugegrow((void **)&g->it, &g->capit, g->nit + 1,
		    sizeof(*g->it), &g->pfit);
	it = &g->it[g->nit];
	it->t = g->st.asof_set && ts < g->st.asof ? g->st.asof : ts;
	if (g->st.asof_set && ts <= g->st.asof && kind != K_PENDING &&
	    kind != K_SIGNUP)
		g->n_late++;
	g->nit++;
	it->ref = ref;
	it->mem = mem;
	it->kind = (uint8_t)kind;
	it->mask = 0;
	return it;
}

static int
col(void *ctx, const char *name, size_t n)
{
	return mbr_reader_col(ctx, name, n);
}

static mbr_slice
field(const mbr_rec *rec, int ix)
{
	mbr_slice s = rec->f[ix];

	if (rec->type[ix] == MBR_V_NULL)
		s.p = NULL;
	return s;
}

static int
begin_orders(struct pts *g, const char *file, mbr_err *err)
{
	static const char *const need[] = { "order_id", "member_id", "ts",
	    "amount", "status" };
	int ix[5] = { g->ix_oid, g->ix_id, g->ix_ts, g->ix_amt, g->ix_st };
	size_t nh, i;

	if (mbr_reader_format(g->run.rd) != MBR_FMT_CSV)
		return MBR_OK;
	mbr_reader_header(g->run.rd, &nh);
	if (nh == 0)
		return MBR_OK;
	for (i = 0; i < 5; i++)
		if (!mbr_reader_has(g->run.rd, ix[i])) {
			mbr_err_set(err, MBR_EUSAGE, "missing column \"%s\" "
			    "(orders need order_id, member_id, ts, amount, "
			    "status)", need[i]);
			mbr_err_at(err, file, 1);
			return MBR_EUSAGE;
		}
	/* Sized once for the rows to come: the records and the order
	 * table (doubling, each moved every entry and touched fresh
	 * memory again, a fifth of the run in page faults).  Both are
	 * faulted in whole ahead of use, so the margin over the hint
	 * (an estimate from the file's first 64 KB) is kept small: more
	 * records than that grow them. */
	{
		unsigned long long rows = mbr_reader_rows_hint(g->run.rd);

		mbr_hugegrow((void **)&g->it, &g->capit, g->nit + rows +
		    rows / 32, sizeof(*g->it), &g->pfit);
		mbr_tab_reserve(g->st.ord, rows + rows / 16);
	}
	return MBR_OK;
}

/* Parses and checks an order (mbr_split's map: g is only read). */
static void
order(void *ctx, mbr_chunk *ck, void *state, const mbr_rec *rec)
{
	struct pts *g = ctx;
	struct chunk *k = state;
	void *x;
	char *q;
	mbr_slice oid = field(rec, g->ix_oid), id = field(rec, g->ix_id);
	mbr_slice ts = field(rec, g->ix_ts), amt = field(rec, g->ix_amt);
	mbr_slice cur = field(rec, g->ix_cur), st = field(rec, g->ix_st);
	int kind, i;
	mbr_err e;
	mbr_time t;
	int64_t a = 0;
	struct pend *pd;

	mbr_err_clear(&e);
	if (rec->bad != NULL) {
		mbr_chunk_reject(ck, rec, rec->bad, rec->why);
		return;
	}
	if (st.p == NULL || st.n == 0) {
		mbr_chunk_reject(ck, rec, "missing status", "status is missing");
		return;
	}
	if (mbr_slice_eq(st, "paid", 4))
		kind = K_PAID;
	else if (mbr_slice_eq(st, "refunded", 8) ||
	    mbr_slice_eq(st, "cancelled", 9))
		kind = K_REFUND;
	else if (mbr_slice_eq(st, "pending", 7))
		kind = K_PENDING;
	else {
		mbr_chunk_rejectf(ck, rec, "unknown status", "status \"%.*s\" "
		    "is not paid, refunded, cancelled or pending", (int)st.n,
		    st.p);
		return;
	}
	if (oid.p == NULL || oid.n == 0) {
		mbr_chunk_reject(ck, rec, "missing order_id",
		    "order_id is missing");
		return;
	}
	if (id.p == NULL || id.n == 0) {
		mbr_chunk_reject(ck, rec, "missing member_id",
		    "member_id is missing");
		return;
	}
	if (ts.p == NULL || mbr_time_parse(&t, ts.p, ts.n, g->tz, &e) !=
	    MBR_OK) {
		mbr_chunk_reject(ck, rec, "bad ts", ts.p ? e.msg :
		    "ts is missing");
		return;
	}
	if (cur.p != NULL && cur.n > 0 && (cur.n != strlen(g->p->cur) ||
	    strncasecmp(cur.p, g->p->cur, cur.n) != 0)) {
		mbr_chunk_rejectf(ck, rec, "other currency", "currency "
		    "\"%.*s\" is not the programme's, %s", (int)cur.n, cur.p,
		    g->p->cur);
		return;
	}
	if (kind == K_PAID || (amt.p != NULL && amt.n > 0)) {
		if (amt.p == NULL || mbr_money_parse(&a, amt.p, amt.n,
		    g->p->exp, g->c->decimal_comma ? MBR_MONEY_DECIMAL_COMMA :
		    0, &e) != MBR_OK) {
			mbr_chunk_reject(ck, rec, "bad amount", amt.p ? e.msg :
			    "amount is missing");
			return;
		}
	}
	if (t.t > g->asof.t) {
		k->n_future++;
		return;
	}
	k->n_orders++;
	pd = mbr_chunk_add(ck, id.n + oid.n + rec->raw.n + 1, &x);
	pd->kind = (uint8_t)kind;
	pd->st = st.p[0];
	pd->ts = t.t;
	pd->amount = a;
	pd->mask = 0;
	if (kind == K_PAID)
		for (i = 0; i < g->p->nmult; i++)
			if (g->p->mult[i].expr >= 0 && mbr_expr_test(g->p->x,
			    g->p->mult[i].expr, rec->f, rec->type))
				pd->mask |= 1u << i;
	pd->mh = mbr_hash(id.p, id.n);
	pd->oh = mbr_hash(oid.p, oid.n);
	q = x;
	memcpy(q, id.p, id.n);
	pd->id = q;
	pd->idn = id.n;
	q += id.n;
	memcpy(q, oid.p, oid.n);
	pd->oid = q;
	pd->oidn = oid.n;
	q += oid.n;
	if (rec->raw.n > 0)
		memcpy(q, rec->raw.p, rec->raw.n);
	pd->raw = q;
	pd->rawn = rec->raw.n;
	pd->line = rec->line;
}

static void
pend_reject(struct pts *g, const struct pend *pd, const char *reason,
    const char *msg)
{
	mbr_reject_raw(g->run.rj, mbr_reader_filename(g->run.rd,
	    mbr_reader_current(g->run.rd)), pd->line + g->lineadd, pd->raw,
	    pd->rawn, reason, msg);
}

/* Books an order of the batch: its member, its entry, its item. */
static void
resolve(struct pts *g, const struct pend *pd)
{
	const char *id = pd->id, *oid = pd->oid;
	int kind = pd->kind, isnew;
	uint32_t mi, oi;
	mbr_porder *o;
	struct item *it;

	mi = mbr_pstate_member_h(&g->st, id, pd->idn, pd->mh);
	if (kind != K_PAID) {
		/* a record of this status was read before: the same one,
		 * or a conflict */
		mbr_buf_reset(&g->tmp);
		mbr_buf_add(&g->tmp, oid, pd->oidn);
		mbr_buf_addc(&g->tmp, '\x1f');
		mbr_buf_addc(&g->tmp, pd->st);
		oi = mbr_pstate_order_get(&g->st, g->tmp.p, g->tmp.n, &isnew);
		o = mbr_pstate_order(&g->st, oi);
		if (!isnew) {
			if (o->mem == mi && o->ts == pd->ts &&
			    o->amount == pd->amount) {
				g->n_dup++;
				return;
			}
			mbr_buf_reset(&g->tmp);
			mbr_buf_addf(&g->tmp, "order_id \"%.*s\" was %s before "
			    "with another member, time or amount",
			    (int)pd->oidn, oid, pd->st == 'p' ? "pending" :
			    pd->st == 'c' ? "cancelled" : "refunded");
			pend_reject(g, pd, "order_id conflict", g->tmp.p);
			return;
		}
		o->mem = mi;
		o->ts = pd->ts;
		o->amount = pd->amount;
		o->flags = MBR_PO_STATUS;
	}
	if (kind == K_PENDING) {
		g->n_pending++;
		/* it only makes its member known */
		if (!(mbr_pstate_mem(&g->st, mi)->flags & MBR_PM_KNOWN))
			add_item(g, pd->ts, K_PENDING, mi, mi);
		return;
	}
	oi = mbr_pstate_order_get_h(&g->st, oid, pd->oidn, pd->oh, &isnew);
	o = mbr_pstate_order(&g->st, oi);
	if (isnew) {
		o->mem = mi;
		o->ts = pd->ts;
		o->amount = pd->amount;
	} else if (o->mem != mi) {
		mbr_buf_reset(&g->tmp);
		mbr_buf_addf(&g->tmp, "order_id \"%.*s\" was seen with member "
		    "\"%.*s\"", (int)pd->oidn, oid,
		    (int)mbr_pstate_id(&g->st, o->mem).n,
		    mbr_pstate_id(&g->st, o->mem).p);
		pend_reject(g, pd, "order_id conflict", g->tmp.p);
		return;
	}
	if (kind == K_REFUND) {
		g->n_refund++;
		add_item(g, pd->ts, K_REFUND, oi, o->mem);
		return;
	}
	if (o->flags & MBR_PO_PAID_SEEN) {
		if (o->ts == pd->ts && o->amount == pd->amount) {
			g->n_dup++;
			return;
		}
		mbr_buf_reset(&g->tmp);
		mbr_buf_addf(&g->tmp, "order_id \"%.*s\" was paid before with "
		    "another time or amount", (int)pd->oidn, oid);
		pend_reject(g, pd, "order_id conflict", g->tmp.p);
		return;
	}
	o->flags |= MBR_PO_PAID_SEEN;
	o->ts = pd->ts;
	o->amount = pd->amount;
	g->n_paid++;
	it = add_item(g, pd->ts, K_PAID, oi, mi);
	it->mask = pd->mask;
}

/* Books a chunk's orders in input order (mbr_split's commit). */
static int
commit(void *ctx, mbr_chunk *ck, void *state, mbr_err *err)
{
	struct pts *g = ctx;
	struct chunk *k = state;
	struct pend *pd;
	size_t n, i;

	(void)err;
	g->n_orders += k->n_orders;
	g->n_future += k->n_future;
	g->lineadd = mbr_chunk_line(ck);
	pd = mbr_chunk_items(ck, &n);
	for (i = 0; i < n; i++) {
		if (i + 16 < n) {
			mbr_tab_prefetch(g->st.mem, pd[i + 16].mh);
			mbr_tab_prefetch(g->st.ord, pd[i + 16].oh);
		}
		if (i + 8 < n) {
			mbr_tab_prefetch_entry(g->st.mem, pd[i + 8].mh);
			mbr_tab_prefetch_entry(g->st.ord, pd[i + 8].oh);
		}
		resolve(g, &pd[i]);
	}
	return MBR_OK;
}

static int
read_orders(struct pts *g, mbr_err *err)
{
	mbr_rec rec;
	int r, rc = MBR_OK;

	g->ix_oid = mbr_reader_col(g->run.rd, "order_id", 8);
	g->ix_id = mbr_reader_col(g->run.rd, "member_id", 9);
	g->ix_ts = mbr_reader_col(g->run.rd, "ts", 2);
	g->ix_amt = mbr_reader_col(g->run.rd, "amount", 6);
	g->ix_st = mbr_reader_col(g->run.rd, "status", 6);
	g->ix_cur = mbr_reader_col(g->run.rd, "currency", 8);
	if (g->p->x != NULL) {
		mbr_expr_bind(g->p->x, col, g->run.rd);
		mbr_expr_setenv(g->p->x, g->tz, g->asof);
	}
	{
		static const mbr_split_fns fns = { sizeof(struct pend),
		    sizeof(struct chunk), NULL, order, commit };

		/* a "when" expression evaluates with scratch space of its
		 * own: one thread then */
		g->chunks = mbr_split_new(&fns, g, g->p->x != NULL ? 1 :
		    mbr_cli_threads(g->c), g->run.rd, g->run.rj);
	}
	while ((r = mbr_reader_next(g->run.rd, &rec, err)) != MBR_READ_END) {
		if (r == MBR_READ_FILE) {
			if ((rc = begin_orders(g, rec.file, err)) != MBR_OK)
				return rc;
			if ((rc = mbr_split_input(g->chunks, err)) != MBR_OK)
				return rc;
		}
	}
	return err->code;
}

static int
read_events(struct pts *g, mbr_err *err)
{
	static const char *const need[] = { "member_id", "ts", "type",
	    "points", "event_id", "reason" };
	mbr_rejects *rj = g->run.rj;
	mbr_reader *rd;
	mbr_rec rec;
	int ix[6], r, rc, isnew;
	mbr_err e;

	if ((rc = mbr_side_open(g->c, &rd, g->o->events, need, ix, 6, 5,
	    err)) != MBR_OK) {
		mbr_reader_free(rd);
		return rc;
	}
	g->evfile = mbr_xstrdup(mbr_reader_filename(rd, 0));
	while ((r = mbr_reader_next(rd, &rec, err)) != MBR_READ_END) {
		mbr_slice id, ts, ty, pt, rs, eid;
		mbr_time t;
		int64_t p;
		int type;
		uint32_t ei;
		mbr_pevent *ev;
		char *endp, num[32];

		if (r == MBR_READ_FILE)
			continue;
		if (rec.bad != NULL) {
			mbr_reject(g->run.rj, rd, &rec, rec.bad, rec.why);
			continue;
		}
		id = field(&rec, ix[0]);
		ts = field(&rec, ix[1]);
		ty = field(&rec, ix[2]);
		pt = field(&rec, ix[3]);
		eid = field(&rec, ix[4]);
		rs = field(&rec, ix[5]);
		mbr_err_clear(&e);
		if (eid.p == NULL || eid.n == 0) {
			mbr_reject(rj, rd, &rec, "missing event_id",
			    "event_id is missing");
			continue;
		}
		if (id.p == NULL || id.n == 0) {
			mbr_reject(rj, rd, &rec, "missing member_id",
			    "member_id is missing");
			continue;
		}
		if (ts.p == NULL || mbr_time_parse(&t, ts.p, ts.n, g->tz,
		    &e) != MBR_OK) {
			mbr_reject(rj, rd, &rec, "bad ts", ts.p ? e.msg :
			    "ts is missing");
			continue;
		}
		if (mbr_slice_eq(ty, "redeem", 6))
			type = MBR_PE_REDEEM;
		else if (mbr_slice_eq(ty, "adjust", 6))
			type = MBR_PE_ADJUST;
		else {
			mbr_rejectf(rj, rd, &rec, "unknown type", "type \"%.*s\" "
			    "is not redeem or adjust", ty.p ? (int)ty.n : 0,
			    ty.p ? ty.p : "");
			continue;
		}
		if (pt.p == NULL || pt.n == 0 || pt.n >= sizeof(num)) {
			mbr_rejectf(rj, rd, &rec, "bad points", "points \"%.*s\" "
			    "is not a whole number", pt.p ? (int)(pt.n < 40 ?
			    pt.n : 40) : 0, pt.p ? pt.p : "");
			continue;
		}
		memcpy(num, pt.p, pt.n);
		num[pt.n] = '\0';
		p = strtoll(num, &endp, 10);
		if (*endp != '\0' || !(mbr_isdigit(num[0]) || ((num[0] ==
		    '-' || num[0] == '+') && mbr_isdigit(num[1]))) ||
		    p > 1000000000000LL || p < -1000000000000LL ||
		    (type == MBR_PE_REDEEM && p <= 0) || p == 0) {
			mbr_rejectf(rj, rd, &rec, "bad points", "points \"%s\" is "
			    "not a whole number %s", num, type ==
			    MBR_PE_REDEEM ? "above 0" : "other than 0");
			continue;
		}
		if (t.t > g->asof.t) {
			g->n_ev_future++;
			continue;
		}
		ei = mbr_pstate_event_get(&g->st, eid.p, eid.n, &isnew);
		ev = mbr_pstate_event(&g->st, ei);
		if (!isnew) {
			if (ev->ts == t.t && ev->points == p &&
			    ev->type == type && ev->rawmemn == id.n &&
			    memcmp(ev->rawmem, id.p, id.n) == 0) {
				g->n_ev_dup++;
				continue;
			}
			mbr_rejectf(rj, rd, &rec, "event_id conflict", "event_id "
			    "\"%.*s\" was seen with another member, time, "
			    "type or points", (int)eid.n, eid.p);
			continue;
		}
		ev->ts = t.t;
		ev->points = p;
		ev->type = (uint8_t)type;
		ev->mem = mbr_pstate_member_find(&g->st, id.p, id.n);
		ev->line = rec.line;
		ev->raw = mbr_arena_strndup(g->raw, rec.raw.p, rec.raw.n);
		ev->rawn = rec.raw.n;
		ev->rawmem = mbr_arena_strndup(g->raw, id.p, id.n);
		ev->rawmemn = id.n;
		ev->reason = rs.p != NULL ? mbr_arena_strndup(g->raw, rs.p,
		    rs.n) : NULL;
		add_item(g, t.t, K_EVENT, ei, ev->mem);
	}
	rc = err->code;
	g->n_ev_read = mbr_reader_count(rd);
	g->run.side += mbr_reader_count(rd);
	mbr_reader_free(rd);
	return rc;
}

/* A profile's birthday: YYYY-MM-DD or MM-DD. */
static int
parse_bday(mbr_slice s, unsigned *m, unsigned *d)
{
	const char *p = s.p;

	if (s.n == 10 && p[4] == '-')
		p += 5;
	else if (s.n != 5)
		return 0;
	if (!mbr_isdigit(p[0]) || !mbr_isdigit(p[1]) || p[2] != '-' ||
	    !mbr_isdigit(p[3]) || !mbr_isdigit(p[4]))
		return 0;
	*m = (unsigned)((p[0] - '0') * 10 + p[1] - '0');
	*d = (unsigned)((p[3] - '0') * 10 + p[4] - '0');
	return *m >= 1 && *m <= 12 && *d >= 1 &&
	    *d <= (unsigned)last_of_month(2000, *m);
}

static const char *const balance_fields[] = { "member_id", "points",
	"earned", "redeemed", "expired", "clawed_back", "adjusted",
	"expiring_points", "expiring_on", "tier", "tier_since",
	"qualifying_spend", "qualifying_points", "next_tier", "to_next_tier",
	NULL };

static int
is_balance_field(mbr_slice s)
{
	int i;

	for (i = 0; balance_fields[i] != NULL; i++)
		if (mbr_slice_eq(s, balance_fields[i],
		    strlen(balance_fields[i])))
			return 1;
	return 0;
}

static int
read_members(struct pts *g, mbr_err *err)
{
	static const char *const need[] = { "member_id", "birthday",
	    "signup_ts" };
	mbr_rejects *rj = g->run.rj;
	mbr_reader *rd;
	mbr_rec rec;
	int ix[3], r, rc;
	mbr_err e;
	mbr_tab *seen = mbr_tab_new(sizeof(unsigned long));

	rc = mbr_side_open(g->c, &rd, g->o->members, need, ix, 1, 1, err);
	g->prd = rd;
	if (rc != MBR_OK) {
		mbr_tab_free(seen);
		return rc;
	}
	ix[1] = mbr_reader_col(rd, "birthday", 8);
	ix[2] = mbr_reader_col(rd, "signup_ts", 9);
	while ((r = mbr_reader_next(rd, &rec, err)) != MBR_READ_END) {
		mbr_slice id, bd, su;
		uint32_t mi, at;
		mbr_pmem *m;
		unsigned long *line;
		unsigned bm, bdd;
		mbr_time t;
		size_t k, cnt;
		int isnew;

		if (r == MBR_READ_FILE)
			continue;
		if (rec.bad != NULL) {
			mbr_reject(g->run.rj, rd, &rec, rec.bad, rec.why);
			continue;
		}
		id = field(&rec, ix[0]);
		bd = field(&rec, ix[1]);
		su = field(&rec, ix[2]);
		mbr_err_clear(&e);
		if (id.p == NULL || id.n == 0) {
			mbr_reject(rj, rd, &rec, "missing member_id",
			    "member_id is missing");
			continue;
		}
		line = mbr_tab_upsert(seen, id.p, id.n, &isnew);
		if (!isnew) {
			mbr_rejectf(rj, rd, &rec, "duplicate member", "member_id "
			    "\"%.*s\" is already at line %lu", (int)id.n, id.p,
			    *line);
			continue;
		}
		*line = rec.line;
		bm = bdd = 0;
		if (bd.p != NULL && bd.n > 0 && !parse_bday(bd, &bm, &bdd)) {
			mbr_rejectf(rj, rd, &rec, "bad birthday", "birthday "
			    "\"%.*s\" is not a date, YYYY-MM-DD or MM-DD",
			    (int)(bd.n < 40 ? bd.n : 40), bd.p);
			continue;
		}
		if (su.p != NULL && su.n > 0 && mbr_time_parse(&t, su.p,
		    su.n, g->tz, &e) != MBR_OK) {
			mbr_reject(rj, rd, &rec, "bad signup_ts", e.msg);
			continue;
		}
		mi = mbr_pstate_member(&g->st, id.p, id.n);
		m = mbr_pstate_mem(&g->st, mi);
		m->flags |= MBR_PM_PROFILE;
		if (bm != 0 && (m->bday_m != bm || m->bday_d != bdd)) {
			m->bday_m = (uint8_t)bm;
			m->bday_d = (uint8_t)bdd;
			if (m->flags & MBR_PM_KNOWN) {
				m->bday_next = next_birthday(g, m,
				    g->st.asof_set ? g->st.asof : m->since);
			}
		}
		if (su.p != NULL && su.n > 0 && t.t <= g->asof.t &&
		    !(m->flags & MBR_PM_SIGNED))
			add_item(g, t.t, K_SIGNUP, mi, mi);
		/* the fields to pass on: count, then (column, type,
		 * length, bytes) each */
		at = (uint32_t)g->prof.n;
		cnt = 0;
		mbr_buf_add(&g->prof, &cnt, sizeof(cnt));
		for (k = 0; k < rec.n; k++) {
			int c = rec.order[k];
			uint32_t len = (uint32_t)rec.f[c].n;
			uint8_t ty = rec.type[c];

			if (c == ix[0] ||
			    is_balance_field(mbr_reader_colname(rd, c)))
				continue;
			mbr_buf_add(&g->prof, &c, sizeof(c));
			mbr_buf_add(&g->prof, &ty, 1);
			mbr_buf_add(&g->prof, &len, sizeof(len));
			mbr_buf_add(&g->prof, rec.f[c].p, len);
			cnt++;
		}
		memcpy(g->prof.p + at, &cnt, sizeof(cnt));
		m->prof = at + 1;
	}
	rc = err->code;
	g->run.side += mbr_reader_count(rd);
	mbr_tab_free(seen);
	return rc;
}

/* ---- writing ---- */

/* A member_id to sort, with 16 of its bytes as two big-endian numbers:
 * those after the prefix every id shares ("phone:+861"), zeros after
 * the id's end.  They order almost every id without a look at the id
 * itself; runs of equal numbers are then put in order by the whole
 * ids. */
struct byid {
	uint64_t	 k[2];
	const char	*p;
	uint32_t	 n, i;
};

static int
idcmp(const void *a, const void *b)
{
	const struct byid *x = a, *y = b;
	int c = memcmp(x->p, y->p, x->n < y->n ? x->n : y->n);

	return c != 0 ? c : (x->n > y->n) - (x->n < y->n);
}

static void
id_key(struct byid *b, size_t skip)
{
	unsigned char w[16] = { 0 };
	int j;

	if (b->n > skip)
		memcpy(w, b->p + skip, b->n - skip < 16 ? b->n - skip : 16);
	b->k[0] = b->k[1] = 0;
	for (j = 0; j < 8; j++) {
		b->k[0] = b->k[0] << 8 | w[j];
		b->k[1] = b->k[1] << 8 | w[8 + j];
	}
}

/* Members by member_id, bytewise: the order of the balances, and of
 * members whose events fall at the same instant. */
static void
rank_members(struct pts *g)
{
	size_t i, j, n = mbr_pstate_nmem(&g->st), skip = SIZE_MAX;
	size_t need = (n + 1) * sizeof(struct byid);
	struct byid *v, *tmp = NULL;

	if (2 * need <= g->nscratch) {
		v = (struct byid *)g->scratch;
		tmp = (struct byid *)(g->scratch + need);
	} else
		v = mbr_xcalloc(n + 1, sizeof(*v));

	for (i = 0; i < n; i++) {
		mbr_slice id = mbr_pstate_id(&g->st, (uint32_t)i);

		v[i] = (struct byid){ { 0, 0 }, id.p, (uint32_t)id.n,
		    (uint32_t)i };
		/* the prefix all share: no id is shorter */
		if (skip > id.n)
			skip = id.n;
		for (j = 0; j < skip && id.p[j] == v[0].p[j]; j++)
			;
		skip = j;
	}
	for (i = 0; i < n; i++)
		id_key(&v[i], skip);
	mbr_radix_sort(v, n, sizeof(*v), offsetof(struct byid, k[1]), tmp);
	mbr_radix_sort(v, n, sizeof(*v), offsetof(struct byid, k[0]), tmp);
	for (i = 0; i < n; i = j) {
		for (j = i + 1; j < n && v[j].k[0] == v[i].k[0] &&
		    v[j].k[1] == v[i].k[1]; j++)
			;
		if (j - i > 1)
			qsort(v + i, j - i, sizeof(*v), idcmp);
	}
	g->byrank = mbr_xrealloc(g->byrank, (n + 1) * sizeof(*g->byrank));
	for (i = 0; i < n; i++) {
		g->byrank[i] = v[i].i;
		mbr_pstate_mem(&g->st, v[i].i)->rank = (uint32_t)i;
	}
	if (tmp == NULL)
		free(v);
}

static void
header(struct pts *g)
{
	mbr_slice v[32 + 256];
	size_t n = 0, i, nh;
	int k;

	for (k = 0; balance_fields[k] != NULL; k++) {
		if (strcmp(balance_fields[k], "qualifying_points") == 0 &&
		    !g->p->tier_points)
			continue;
		v[n++] = (mbr_slice){ balance_fields[k],
		    strlen(balance_fields[k]) };
	}
	if (g->prd != NULL) {
		const int *h = mbr_reader_header(g->prd, &nh);
		int ix = mbr_reader_col(g->prd, "member_id", 9);

		if (mbr_reader_format(g->prd) != MBR_FMT_CSV) {
			nh = (size_t)mbr_reader_ncols(g->prd);
			h = NULL;
		}
		for (i = 0; i < nh && n < sizeof(v) / sizeof(v[0]); i++) {
			int c = h != NULL ? h[i] : (int)i;
			mbr_slice nm = mbr_reader_colname(g->prd, c);

			if (c == ix || is_balance_field(nm) ||
			    (h == NULL && !mbr_reader_has(g->prd, c)))
				continue;
			v[n++] = nm;
		}
	}
	mbr_writer_header(g->run.w, v, n);
}

static int
put_balance(struct pts *g, uint32_t mi, mbr_err *err)
{
	mbr_writer *w = g->run.w;
	mbr_pmem *m = mbr_pstate_mem(&g->st, mi);
	const mbr_program *p = g->p;
	int64_t q = 0, qs = 0, soon = 0, limit = g->asof_day +
	    g->o->expiring_days;
	int32_t first = -1;
	uint32_t n;
	char ts[MBR_TIME_MAX + 1], qb[MBR_MONEY_LEN], nb[MBR_MONEY_LEN],
	    day[16];

	mbr_writer_field(w, MBR_SLICE("member_id"), mbr_pstate_id(&g->st, mi),
	    MBR_V_STR);
	mbr_writer_int(w, "points", balance(m));
	mbr_writer_int(w, "earned", m->earned);
	mbr_writer_int(w, "redeemed", m->redeemed);
	mbr_writer_int(w, "expired", m->expired);
	mbr_writer_int(w, "clawed_back", m->clawed);
	mbr_writer_int(w, "adjusted", m->adjusted);
	for (n = m->lots.head; n != 0; n = mbr_pstate_node(&g->st, n)->next) {
		const mbr_pnode *nd = mbr_pstate_node(&g->st, n);
		int64_t last = nd->day;

		if (nd->day == LOT_OPEN) {
			if (p->expiry != MBR_EXP_INACTIVE ||
			    (m->flags & MBR_PM_DORMANT))
				break;
			last = (int64_t)m->last_act + p->exp_n;
		}
		if (last > limit)
			break;
		if (first < 0)
			first = (int32_t)last;
		soon += nd->v;
	}
	mbr_writer_int(w, "expiring_points", soon);
	if (first >= 0) {
		day[mbr_date_fmt(day, first)] = '\0';
		mbr_writer_str(w, "expiring_on", day, 10);
	} else
		mbr_writer_str(w, "expiring_on", "", 0);
	mbr_writer_field(w, MBR_SLICE("tier"), (mbr_slice){
	    p->levels[m->tier].name, strlen(p->levels[m->tier].name) },
	    MBR_V_STR);
	if (m->flags & MBR_PM_KNOWN) {
		put_time(g, ts, m->tier_since);
		mbr_writer_str(w, "tier_since", ts, strlen(ts));
		q = qual_at(g, m, g->asof_day, 0);
		qs = qual_at(g, m, g->asof_day, 1);
	} else
		mbr_writer_str(w, "tier_since", "", 0);
	qb[mbr_money_fmt(qb, qs, p->exp)] = '\0';
	mbr_writer_str(w, "qualifying_spend", qb, strlen(qb));
	if (p->tier_points)
		mbr_writer_int(w, "qualifying_points", q);
	if (m->tier + 1 < p->nlevels) {
		const mbr_level *nx = &p->levels[m->tier + 1];
		int64_t gap = nx->from - q;

		if (gap < 0)
			gap = 0;	/* refunds after reaching it */
		mbr_writer_field(w, MBR_SLICE("next_tier"), (mbr_slice){
		    nx->name, strlen(nx->name) }, MBR_V_STR);
		if (p->tier_points)
			mbr_writer_int(w, "to_next_tier", gap);
		else {
			nb[mbr_money_fmt(nb, gap, p->exp)] = '\0';
			mbr_writer_str(w, "to_next_tier", nb, strlen(nb));
		}
	} else {
		mbr_writer_str(w, "next_tier", "", 0);
		mbr_writer_str(w, "to_next_tier", "", 0);
	}
	if (m->prof != 0) {
		const char *b = g->prof.p + m->prof - 1;
		size_t cnt, k;

		memcpy(&cnt, b, sizeof(cnt));
		b += sizeof(cnt);
		for (k = 0; k < cnt; k++) {
			int c;
			uint8_t ty;
			uint32_t len;

			memcpy(&c, b, sizeof(c));
			ty = (uint8_t)b[sizeof(c)];
			memcpy(&len, b + sizeof(c) + 1, sizeof(len));
			b += sizeof(c) + 1 + sizeof(len);
			mbr_writer_field(w, mbr_reader_colname(g->prd, c),
			    (mbr_slice){ b, len }, ty);
			b += len;
		}
	}
	return mbr_writer_end(w, err);
}

/* Writes the balances of members ranked [lo, hi) with g's writer. */
static int
put_range(struct pts *g, size_t lo, size_t hi, mbr_err *err)
{
	size_t i;

	for (i = lo; i < hi; i++) {
		uint32_t mi = g->byrank[i];
		mbr_pmem *m = mbr_pstate_mem(&g->st, mi);

		/* members come in member_id order, not where they lie:
		 * each one's entry fetched 16 ahead, its first lot 8 */
		if (i + 16 < hi) {
			const char *e = (const char *)mbr_pstate_mem(&g->st,
			    g->byrank[i + 16]);

			/* its id, in the line before, and its counters */
			__builtin_prefetch(e - 24);
			__builtin_prefetch(e);
			__builtin_prefetch(e + 64);
		}
		if (i + 8 < hi)
			__builtin_prefetch(mbr_pstate_node(&g->st,
			    mbr_pstate_mem(&g->st, g->byrank[i + 8])->lots.head));

		if (!(m->flags & (MBR_PM_KNOWN | MBR_PM_PROFILE)))
			continue;
		if (put_balance(g, mi, err) != MBR_OK)
			return err->code;
	}
	return MBR_OK;
}

/* With --threads, blocks of balances are formatted on every thread,
 * each slot on a copy of the run (its own caches) with a writer that
 * keeps them in memory, and written in order: one thread spent a sixth
 * of a run here, most of it waiting for members, lots and days fetched
 * in an order unlike the one they were made in. */
#define BALBLOCK	8192

struct balout {
	struct pts	*g;
	struct part	 slot[MBR_SPLIT_SLOTS];
	int		 rc[MBR_SPLIT_SLOTS];
	mbr_err		 err[MBR_SPLIT_SLOTS];
};

static void
bal_run(void *ctx, int slot, long k)
{
	struct balout *b = ctx;
	size_t n = mbr_pstate_nmem(&b->g->st), lo = (size_t)k * BALBLOCK;

	b->rc[slot] = put_range(&b->slot[slot].g, lo, n - lo < BALBLOCK ? n :
	    lo + BALBLOCK, &b->err[slot]);
}

static int
bal_done(void *ctx, int slot, long k, mbr_err *err)
{
	struct balout *b = ctx;

	(void)k;
	if (b->rc[slot] != MBR_OK) {
		*err = b->err[slot];
		return b->rc[slot];
	}
	mbr_writer_put(b->g->run.w, b->slot[slot].g.run.w);
	return MBR_OK;
}

static int
put_balances(struct pts *g, mbr_err *err)
{
	size_t n = mbr_pstate_nmem(&g->st);
	int threads = mbr_cli_threads(g->c), rc, j;
	struct balout *b;

	header(g);
	if (threads < 2 || n <= BALBLOCK)
		return put_range(g, 0, n, err);
	b = mbr_xcalloc(1, sizeof(*b));
	b->g = g;
	for (j = 0; j < MBR_SPLIT_SLOTS; j++) {
		part_init(&b->slot[j], g);
		b->slot[j].g.run.w = mbr_writer_fork(g->run.w);
	}
	rc = mbr_split_tasks(threads, (long)((n + BALBLOCK - 1) / BALBLOCK),
	    bal_run, bal_done, b, err);
	for (j = 0; j < MBR_SPLIT_SLOTS; j++) {
		mbr_writer_close(b->slot[j].g.run.w, NULL);
		part_free(&b->slot[j]);
	}
	free(b);
	return rc;
}

static int
open_ledger(struct pts *g, mbr_err *err)
{
	static const char *const f[] = { "member_id", "ts", "type", "points",
	    "balance", "order_id", "event_id", "lot", "rule", "tier",
	    "qualifying" };
	mbr_slice v[11];
	int i, rc;

	if ((rc = mbr_writer_open(&g->led, g->o->ledger,
	    mbr_writer_format(g->run.w), g->c->gzip, 0, err)) != MBR_OK)
		return rc;
	for (i = 0; i < 11; i++)
		v[i] = (mbr_slice){ f[i], strlen(f[i]) };
	mbr_writer_header(g->led, v, 11);
	return MBR_OK;
}

int
mbr_points_run(const mbr_cli *c, const mbr_points_opts *o, int nfiles,
    char *const files[], mbr_err *err)
{
	struct pts g;
	int rc;

	memset(&g, 0, sizeof(g));
	g.memo = mbr_xcalloc(MEMO_KINDS * MEMO_N, sizeof(*g.memo));
	g.c = c;
	g.o = o;
	mbr_buf_init(&g.tmp);
	mbr_buf_init(&g.rule);
	mbr_buf_init(&g.prof);
	mbr_pstate_init(&g.st);
	g.raw = mbr_arena_new();
	if ((rc = mbr_cli_tz(c, &g.tz, err)) != MBR_OK)
		goto out;
	if ((rc = mbr_time_now(&g.asof, c->as_of, g.tz, err)) != MBR_OK)
		goto out;
	g.asof_day = local_day(&g, g.asof.t);
	if ((rc = mbr_program_load(&g.p, o->program, g.tz, err)) != MBR_OK)
		goto out;
	if (o->state != NULL && (rc = mbr_pstate_read(&g.st, o->state, g.p,
	    o->reprogram, err)) != MBR_OK)
		goto out;
	if (g.st.asof_set && g.asof.t < g.st.asof) {
		char s[MBR_TIME_MAX + 1];

		put_time(&g, s, g.st.asof);
		rc = mbr_err_set(err, MBR_EUSAGE, "--as-of is before the "
		    "state's as-of, %s", s);
		goto out;
	}
	if (o->state_out != NULL &&
	    (rc = mbr_output_check(o->state_out, err)) != MBR_OK)
		goto out;
	if ((rc = mbr_run_open(&g.run, c, nfiles, files, 1, err)) != MBR_OK)
		goto close;
	if (o->ledger != NULL && (rc = open_ledger(&g, err)) != MBR_OK)
		goto close;
	g.rules = mbr_tab_new(sizeof(uint32_t));
	if ((rc = read_orders(&g, err)) != MBR_OK)
		goto close;
	if (o->members != NULL && (rc = read_members(&g, err)) != MBR_OK)
		goto close;
	if (o->events != NULL && (rc = read_events(&g, err)) != MBR_OK)
		goto close;
	g.scratch = mbr_tab_take_index(g.st.ord, &g.nscratch);
	if (g.scratch == NULL)
		g.nscratch = 0;
	rank_members(&g);
	if ((rc = replay(&g, err)) != MBR_OK)
		goto close;
	if ((rc = put_balances(&g, err)) != MBR_OK)
		goto close;
	if (g.led != NULL) {
		if ((rc = write_ledger(&g, err)) != MBR_OK)
			goto close;
		rc = mbr_writer_close(g.led, err);
		g.led = NULL;
		if (rc != MBR_OK)
			goto close;
	}
	g.st.asof = g.asof.t;
	g.st.asof_set = 1;
	if (o->state_out != NULL && (rc = mbr_pstate_write(&g.st,
	    o->state_out, g.p, err)) != MBR_OK)
		goto close;
	if (!c->quiet) {
		fprintf(stderr, "%s: %llu orders: %llu paid, %llu refunded or "
		    "cancelled, %llu pending, %llu seen before, %llu after "
		    "--as-of", mbr_progname(),
		    mbr_reader_count(g.run.rd),
		    (unsigned long long)g.n_paid,
		    (unsigned long long)g.n_refund,
		    (unsigned long long)g.n_pending,
		    (unsigned long long)g.n_dup,
		    (unsigned long long)g.n_future);
		if (g.n_late > 0)
			fprintf(stderr, ", %llu late (booked at the state's "
			    "as-of)", (unsigned long long)g.n_late);
		if (o->events != NULL)
			fprintf(stderr, "; %llu events, %llu seen before, %llu "
			    "after --as-of", (unsigned long long)g.n_ev_read,
			    (unsigned long long)g.n_ev_dup,
			    (unsigned long long)g.n_ev_future);
		fprintf(stderr, "; %llu ledger rows, %lld points earned\n",
		    (unsigned long long)g.n_rows, (long long)g.total_earned);
	}
close:
	if (g.led != NULL)
		mbr_writer_close(g.led, NULL);
	rc = mbr_run_close(&g.run, c, err);
out:
	mbr_reader_free(g.prd);
	mbr_program_free(g.p);
	mbr_pstate_free(&g.st);
	mbr_arena_free(g.raw);
	mbr_tz_free(g.tz);
	mbr_prefault_end(g.pfit);
	mbr_hugefree(g.it, g.capit * sizeof(*g.it));
	mbr_hugefree(g.scratch, g.nscratch);
	free(g.memo);
	free(g.rows);
	free(g.rev);
	mbr_tab_free(g.rules);
	free(g.byrank);
	free(g.evfile);
	mbr_buf_release(&g.tmp);
	mbr_buf_release(&g.rule);
	mbr_buf_release(&g.prof);
	mbr_split_free(g.chunks);
	return rc;
}
