/* mbr_abtest.c: mbr-abtest analyze and size (man/mbr-abtest.1). */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mbr_abtest.h"
#include "mbr_dist.h"
#include "mbr_ident.h"
#include "mbr_io.h"
#include "mbr_money.h"
#include "mbr_power.h"
#include "mbr_split.h"
#include "mbr_stats.h"
#include "mbr_tab.h"
#include "mbr_time.h"

#define HOLD	(-1)		/* a member's variant: held out */
#define PARTIAL	"mbr-abtest-partial-1"	/* what a partial says it is */

/* What a variant (or the holdout) sums to: exact, so that shards add up
 * to the one run.  Money in minor units; x, the CUPED covariate, in its
 * own units (minor units of spend, or 10^-6 of a field's value). */
struct acc {
	int64_t		n, conv, orders;
	__int128	rev, rev2, x, x2, xrev;
};

struct var {
	char		*name;
	size_t		 len;
	struct acc	 a;
};

/* One assigned or held-out member: 48 bytes. */
struct mem {
	int64_t		start;	/* window opens */
	int64_t		x;	/* covariate */
	int64_t		rev;	/* paid in the window */
	int64_t		pre;	/* paid in the pre-period (pre_spend) */
	uint32_t	orders;
	int32_t		var;	/* index into vars, or HOLD */
};

/* A comparison of B against A, NaN where a statistic is undefined (it
 * is then written as an empty field, never as "nan"). */
struct cmp {
	double	lift, lo, hi, rel, rlo, rhi, z, p, p_holm;
	double	diff, dlo, dhi, t, df, pr, pr_holm, chance, vr;
	double	inc_conv, inc_rev, roi;
	const char *verdict;
};

struct ab {
	const mbr_cli		*c;
	const mbr_analyze_opts	*o;
	mbr_run			 run;
	mbr_tz			*tz;
	mbr_time		 now;
	mbr_tab			*mem;
	mbr_arena		*ar;
	struct var		*vars;
	size_t			 nvars;
	struct acc		 hold;
	int			 have_hold;
	char			*experiment;	/* the one analysed */
	char			 cur[8];	/* the run's currency */
	int			 exp;		/* its decimals; -1: none yet */
	int			 pre;		/* covariate is pre_spend */
	int			 oix[5];	/* the orders' columns */
	int64_t			 window;	/* --window, or the partials' */
	char			 ovf[208];	/* a member whose sums overflowed */
	int			 sum_ovf;	/* a variant's sums overflowed */
	int			 cuped;		/* a covariate, ours or theirs */
	int64_t			 pre_window;
	int64_t			 last_start;
	/* counts for the summary */
	uint64_t		 outside, repeated, other_exp, foreign;
	uint64_t		 not_paid, used;
	/* a partial's run facts, to check that merged partials agree */
	char			 p_window[24], p_cov[64];
	int			 p_seen;
};

static mbr_slice
fld(const mbr_rec *rec, int ix)
{
	mbr_slice s = rec->f[ix];

	if (s.p == NULL || rec->type[ix] == MBR_V_NULL)
		return (mbr_slice){ NULL, 0 };
	mbr_trim(&s.p, &s.n);
	return s;
}

/* A field as written, absent when JSON's null: orders are read as
 * mbr-rfm reads them, "paid " being no status. */
static mbr_slice
val(const mbr_rec *rec, int ix)
{
	if (rec->type[ix] == MBR_V_NULL)
		return (mbr_slice){ NULL, 0 };
	return rec->f[ix];
}

/* A member_id as written (a key is exact, as mbr-rfm keys it), or
 * absent when null, empty or only blanks. */
static mbr_slice
idfld(const mbr_rec *rec, int ix)
{
	mbr_slice s = rec->f[ix];
	size_t i;

	if (s.p == NULL || rec->type[ix] == MBR_V_NULL)
		return (mbr_slice){ NULL, 0 };
	for (i = 0; i < s.n; i++)
		if (!mbr_isblank((unsigned char)s.p[i]) && s.p[i] != '\n')
			return s;
	return (mbr_slice){ NULL, 0 };
}

static int
find_var(struct ab *g, mbr_slice s)
{
	size_t i;

	for (i = 0; i < g->nvars; i++)
		if (g->vars[i].len == s.n && memcmp(g->vars[i].name, s.p,
		    s.n) == 0)
			return (int)i;
	return -1;
}

static int
add_var(struct ab *g, const char *s, size_t n)
{
	struct var *v;

	g->vars = mbr_xrealloc(g->vars, (g->nvars + 1) * sizeof(*g->vars));
	v = &g->vars[g->nvars];
	memset(v, 0, sizeof(*v));
	v->name = mbr_arena_strndup(g->ar, s, n);
	v->len = n;
	return (int)g->nvars++;
}

/* A covariate's value in millionths: a decimal of up to 6 places as it
 * is, a longer one rounded (p_alive from a model has 15). */
static int
covariate(mbr_slice s, int64_t *x)
{
	char buf[64], *end;
	double d;
	mbr_err e = { 0 };

	if (s.p == NULL || s.n == 0 || s.n >= sizeof(buf))
		return -1;
	if (mbr_money_parse(x, s.p, s.n, 6, 0, &e) == MBR_OK)
		return 0;
	memcpy(buf, s.p, s.n);
	buf[s.n] = '\0';
	errno = 0;
	d = strtod(buf, &end);
	if (*end != '\0' || errno != 0 || !isfinite(d) || fabs(d) > 9e12)
		return -1;
	*x = llround(d * 1e6);
	return 0;
}

/* --- the assignments and the holdout --- */

enum { A_ID, A_VAR, A_EXP, A_CAMP, A_AT, A_SEND, A_COV, A_N };

static int
read_assign(struct ab *g, const char *path, int holdout, mbr_err *err)
{
	static const char *need[A_N] = { "member_id", "variant", "experiment",
	    "campaign_id", "assigned_at", "send_at", NULL };
	const mbr_analyze_opts *o = g->o;
	int cov = o->covariate != NULL && !g->pre && !holdout;
	mbr_reader *rd;
	mbr_rec rec;
	int ix[A_N], r, rc, n = cov ? A_N : A_COV;

	need[A_COV] = o->covariate;
	if ((rc = mbr_side_open(g->c, &rd, path, need, ix, n, 1, err)) !=
	    MBR_OK) {
		mbr_reader_free(rd);
		return rc;
	}
	while ((r = mbr_reader_next(rd, &rec, err)) != MBR_READ_END) {
		mbr_slice id, var, ex, at;
		mbr_time t;
		mbr_err e = { 0 };
		struct mem *m;
		int v, isnew, sendlist;
		int64_t x = 0;

		if (r == MBR_READ_FILE) {
			size_t nh;

			/* an empty file has no header to judge: no rows */
			if (mbr_reader_format(rd) == MBR_FMT_CSV &&
			    (mbr_reader_header(rd, &nh), nh == 0))
				continue;
			if (mbr_reader_format(rd) == MBR_FMT_CSV &&
			    !mbr_reader_has(rd, ix[A_AT]) &&
			    !mbr_reader_has(rd, ix[A_SEND])) {
				rc = mbr_err_set(err, MBR_EUSAGE, "%s: neither "
				    "assigned_at nor send_at: no assignments "
				    "or send list", rec.file);
				break;
			}
			if (!holdout && mbr_reader_format(rd) ==
			    MBR_FMT_CSV && !mbr_reader_has(rd, ix[A_VAR])) {
				rc = mbr_err_set(err, MBR_EUSAGE, "%s: no "
				    "variant column", rec.file);
				break;
			}
			if (cov && mbr_reader_format(rd) == MBR_FMT_CSV &&
			    !mbr_reader_has(rd, ix[A_COV])) {
				rc = mbr_err_set(err, MBR_EUSAGE, "%s: no "
				    "column %s (--covariate)", rec.file,
				    o->covariate);
				break;
			}
			continue;
		}
		if (rec.bad != NULL) {
			mbr_reject(g->run.rj, rd, &rec, rec.bad, rec.why);
			continue;
		}
		ex = fld(&rec, ix[A_EXP]);
		if (ex.p == NULL)
			ex = fld(&rec, ix[A_CAMP]);
		if (ex.p == NULL)
			ex = (mbr_slice){ "", 0 };
		if (o->experiment != NULL && !mbr_slice_eq(ex, o->experiment,
		    strlen(o->experiment))) {
			g->other_exp++;
			continue;
		}
		if (o->experiment == NULL && g->experiment != NULL &&
		    !mbr_slice_eq(ex, g->experiment, strlen(g->experiment))) {
			rc = mbr_err_set(err, MBR_EUSAGE, "%s:%lu: experiment "
			    "\"%.*s\" after \"%s\": the file holds several; "
			    "name one with --experiment", rec.file, rec.line,
			    (int)ex.n, ex.p, g->experiment);
			break;
		}
		id = idfld(&rec, ix[A_ID]);
		if (id.p == NULL) {
			mbr_reject(g->run.rj, rd, &rec, "missing member_id",
			    "member_id is missing");
			continue;
		}
		at = fld(&rec, ix[A_AT]);
		sendlist = at.p == NULL;
		if (sendlist)
			at = fld(&rec, ix[A_SEND]);
		if (at.p == NULL || at.n == 0) {
			mbr_reject(g->run.rj, rd, &rec, "bad assigned_at",
			    "assigned_at is missing");
			continue;
		}
		if (mbr_time_parse(&t, at.p, at.n, g->tz, &e) != MBR_OK) {
			mbr_rejectf(g->run.rj, rd, &rec, "bad assigned_at",
			    "%s \"%.*s\" is not a time", sendlist ? "send_at" :
			    "assigned_at", (int)at.n, at.p != NULL ? at.p : "");
			continue;
		}
		if (holdout)
			v = HOLD;
		else {
			var = fld(&rec, ix[A_VAR]);
			if (o->rest != NULL && mbr_slice_eq(var, o->rest,
			    strlen(o->rest))) {
				g->outside++;	/* assign's --rest */
				continue;
			}
			if (var.p == NULL || var.n == 0) {
				if (!sendlist) {
					g->outside++;
					continue;
				}
				var = MBR_SLICE("sent");
			}
			if ((v = find_var(g, var)) < 0) {
				if (o->v != NULL) {
					mbr_rejectf(g->run.rj, rd, &rec,
					    "unknown variant", "variant \"%.*s\" "
					    "is not one of --variants",
					    (int)var.n, var.p);
					continue;
				}
				v = add_var(g, var.p, var.n);
			}
		}
		if (cov && covariate(fld(&rec, ix[A_COV]), &x) != 0) {
			mbr_slice s = fld(&rec, ix[A_COV]);

			mbr_rejectf(g->run.rj, rd, &rec, "bad covariate",
			    "%s \"%.*s\" is not a number", o->covariate,
			    (int)s.n, s.p != NULL ? s.p : "");
			continue;
		}
		m = mbr_tab_upsert(g->mem, id.p, id.n, &isnew);
		if (!isnew) {
			if (m->var != v) {
				mbr_rejectf(g->run.rj, rd, &rec,
				    holdout || m->var == HOLD ?
				    "held out and assigned" :
				    "member in two variants", "member %.*s is "
				    "already in %s", (int)id.n, id.p,
				    m->var == HOLD ? "the holdout" :
				    g->vars[m->var].name);
				continue;
			}
			g->repeated++;	/* a follow-up row, say */
			if (t.t < m->start) {
				m->start = t.t;
				m->x = x;
			}
			continue;
		}
		m->var = v;
		m->start = t.t;
		m->x = x;
		if (holdout)
			g->have_hold = 1;
		/* the experiment is named by the rows taken, not by a reject */
		if (g->experiment == NULL)
			g->experiment = mbr_arena_strndup(g->ar, ex.p, ex.n);
	}
	g->run.side += mbr_reader_count(rd);
	mbr_reader_free(rd);
	return rc != MBR_OK ? rc : err->code;
}

/* --- the orders --- */

enum { O_ID, O_TS, O_AMT, O_CUR, O_ST, O_N };

/* A paid order on its way to its member, the member_id's text behind
 * it. */
struct hit {
	uint64_t	 h;	/* mbr_hash of the member_id */
	int64_t		 t, a;
	const char	*key;
	size_t		 n;
};

/* What a chunk of orders (mbr_split) counted and decided.  The run's
 * currency is the first priced order's; a chunk that met one before
 * knowing the chunks before says so (set), and commit checks. */
struct ochunk {
	uint64_t	 not_paid;
	char		 cur[8];
	int		 exp;		/* -1 until known */
	int		 set;
};

/* Orders are parsed on whichever thread is free (map) and folded into
 * their members in input order (commit), where the table of members,
 * probed at random, costs two cache misses an order unless fetched
 * ahead: as mbr-rfm's fold, each slot 16 orders ahead, each entry 8. */
static void
obegin(void *ctx, mbr_chunk *ck, void *st, const void *prev, int after)
{
	struct ab *g = ctx;
	struct ochunk *k = st;
	const struct ochunk *p = prev;

	(void)ck;
	strcpy(k->cur, "CNY");	/* the default, as mbr-rfm's */
	k->exp = -1;
	if (after && g->exp >= 0) {
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
	struct ab *g = ctx;
	struct ochunk *k = st;
	mbr_slice id, ts, amt, cur, stt;
	mbr_time t;
	mbr_err e = { 0 };
	struct hit *h;
	void *key;
	int64_t a;
	const char *why;
	mbr_buf msg;		/* made by mbr_currency_judge on a reject */

	if (rec->bad != NULL) {
		mbr_chunk_reject(ck, rec, rec->bad, rec->why);
		return;
	}
	stt = val(rec, g->oix[O_ST]);
	if (stt.p == NULL || stt.n == 0) {
		mbr_chunk_reject(ck, rec, "missing status", "status is missing");
		return;
	}
	if (!mbr_slice_eq(stt, "paid", 4)) {
		if (mbr_slice_eq(stt, "refunded", 8) ||
		    mbr_slice_eq(stt, "cancelled", 9) ||
		    mbr_slice_eq(stt, "pending", 7)) {
			k->not_paid++;
			return;
		}
		mbr_chunk_rejectf(ck, rec, "unknown status", "status \"%.*s\" "
		    "is not paid, refunded, cancelled or pending", (int)stt.n,
		    stt.p);
		return;
	}
	id = idfld(rec, g->oix[O_ID]);
	if (id.p == NULL) {
		mbr_chunk_reject(ck, rec, "missing member_id",
		    "member_id is missing");
		return;
	}
	ts = val(rec, g->oix[O_TS]);
	if (ts.p == NULL || mbr_time_parse(&t, ts.p, ts.n, g->tz, &e) !=
	    MBR_OK) {
		mbr_chunk_reject(ck, rec, "bad ts", ts.p ? e.msg :
		    "ts is missing");
		return;
	}
	cur = val(rec, g->oix[O_CUR]);
	if ((why = mbr_currency_judge(k->cur, &k->exp, &k->set, cur.p, cur.n,
	    &msg)) != NULL) {
		mbr_chunk_reject(ck, rec, why, msg.p);
		mbr_buf_release(&msg);
		return;
	}
	amt = val(rec, g->oix[O_AMT]);
	if (amt.p == NULL || mbr_money_parse(&a, amt.p, amt.n,
	    (unsigned)k->exp, g->c->decimal_comma ? MBR_MONEY_DECIMAL_COMMA :
	    0, &e) != MBR_OK) {
		mbr_chunk_reject(ck, rec, "bad amount", amt.p ? e.msg :
		    "amount is missing");
		return;
	}
	h = mbr_chunk_add(ck, id.n, &key);
	memcpy(key, id.p, id.n);
	h->key = key;
	h->n = id.n;
	h->h = mbr_hash(id.p, id.n);
	h->t = t.t;
	h->a = a;
}

/* A member's sum past 2^63 - 1 minor units: no real member's, so the
 * data are wrong, and the run fails naming the first (as mbr-rfm). */
static void
overflow(struct ab *g, const char *key, size_t n)
{
	if (g->ovf[0] == '\0')
		snprintf(g->ovf, sizeof(g->ovf), "%.*s", (int)(n < 200 ? n :
		    200), key);
}

static int
ocommit(void *ctx, mbr_chunk *ck, void *st, mbr_err *err)
{
	struct ab *g = ctx;
	struct ochunk *k = st;
	struct hit *h;
	size_t n, i;

	(void)err;
	if (k->set) {
		if (g->exp < 0) {
			memcpy(g->cur, k->cur, sizeof(g->cur));
			g->exp = k->exp;
		} else if (g->exp != k->exp || strcmp(g->cur, k->cur) != 0)
			return MBR_SPLIT_AGAIN;
	}
	g->not_paid += k->not_paid;
	h = mbr_chunk_items(ck, &n);
	for (i = 0; i < n; i++) {
		struct mem *m;
		int64_t t = h[i].t;

		if (i + 16 < n)
			mbr_tab_prefetch(g->mem, h[i + 16].h);
		if (i + 8 < n)
			mbr_tab_prefetch_entry(g->mem, h[i + 8].h);
		if ((m = mbr_tab_get_h(g->mem, h[i].key, h[i].n, h[i].h)) ==
		    NULL)
			g->foreign++;
		else if (t >= m->start && t - m->start < g->window) {
			m->orders++;
			if (__builtin_add_overflow(m->rev, h[i].a, &m->rev))
				overflow(g, h[i].key, h[i].n);
			g->used++;
		} else if (g->pre && t < m->start && m->start - t <=
		    g->pre_window &&
		    __builtin_add_overflow(m->pre, h[i].a, &m->pre))
			overflow(g, h[i].key, h[i].n);
	}
	return MBR_OK;
}

static const mbr_split_fns ofns = { sizeof(struct hit), sizeof(struct ochunk),
	obegin, omap, ocommit };

static int
read_orders(struct ab *g, mbr_err *err)
{
	static const char *const name[O_N] = { "member_id", "ts", "amount",
	    "currency", "status" };
	mbr_reader *rd = g->run.rd;
	mbr_split *sp;
	mbr_rec rec;
	int i, r, rc = MBR_OK;

	for (i = 0; i < O_N; i++)
		g->oix[i] = mbr_reader_col(rd, name[i], strlen(name[i]));
	sp = mbr_split_new(&ofns, g, mbr_cli_threads(g->c), rd, g->run.rj);
	while (rc == MBR_OK &&
	    (r = mbr_reader_next(rd, &rec, err)) != MBR_READ_END) {
		size_t nh;

		if (r != MBR_READ_FILE)
			continue;	/* mbr_split_input reads them all */
		if (mbr_reader_format(rd) == MBR_FMT_CSV)
			mbr_reader_header(rd, &nh);
		else
			nh = 1;
		for (i = 0; nh > 0 && i < O_N; i++)
			if (i != O_CUR && mbr_reader_format(rd) ==
			    MBR_FMT_CSV && !mbr_reader_has(rd, g->oix[i])) {
				rc = mbr_err_set(err, MBR_EUSAGE, "%s: no "
				    "column %s: not canonical orders "
				    "(mbr-ingest writes them)", rec.file,
				    name[i]);
				break;
			}
		if (rc == MBR_OK)
			rc = mbr_split_input(sp, err);
	}
	mbr_split_free(sp);
	return rc != MBR_OK ? rc : err->code;
}

/* a += b, or -1 (a unchanged in part) when a sum would overflow: sums
 * of squares of money reach 2^127 only with data no shop has, but then
 * the run must say so, not wrap. */
static int
acc_add(struct acc *a, const struct acc *b)
{
	int o = 0;

	o |= __builtin_add_overflow(a->n, b->n, &a->n);
	o |= __builtin_add_overflow(a->conv, b->conv, &a->conv);
	o |= __builtin_add_overflow(a->orders, b->orders, &a->orders);
	o |= __builtin_add_overflow(a->rev, b->rev, &a->rev);
	o |= __builtin_add_overflow(a->rev2, b->rev2, &a->rev2);
	o |= __builtin_add_overflow(a->x, b->x, &a->x);
	o |= __builtin_add_overflow(a->x2, b->x2, &a->x2);
	o |= __builtin_add_overflow(a->xrev, b->xrev, &a->xrev);
	return o ? -1 : 0;
}

/* Each member's sums into its variant's. */
static void
fold(struct ab *g)
{
	size_t i, n = mbr_tab_count(g->mem);

	for (i = 0; i < n; i++) {
		struct mem *m = mbr_tab_val(g->mem, i);
		struct acc *a = m->var == HOLD ? &g->hold :
		    &g->vars[m->var].a;
		__int128 x = g->pre ? m->pre : m->x;
		struct acc one;

		one = (struct acc){ 1, m->orders > 0, m->orders, m->rev,
		    (__int128)m->rev * m->rev, x, x * x, x * m->rev };
		if (acc_add(a, &one) != 0)
			g->sum_ovf = 1;
		if (m->start > g->last_start)
			g->last_start = m->start;
	}
}

/* --- partials --- */

static size_t
fmt_i128(char *buf, __int128 v)
{
	return mbr_frac_fmt(buf, (mbr_frac){ v, 1 }, 1, 0);
}

static int
parse_i128(mbr_slice s, __int128 *v)
{
	size_t i = 0;
	int neg = 0;
	__int128 r = 0;

	if (s.p == NULL || s.n == 0)
		return -1;
	if (s.p[0] == '-') {
		neg = 1;
		i = 1;
	}
	if (i == s.n || s.n - i > 39)
		return -1;
	for (; i < s.n; i++) {
		if (!mbr_isdigit((unsigned char)s.p[i]) ||
		    __builtin_mul_overflow(r, 10, &r) ||
		    __builtin_add_overflow(r, s.p[i] - '0', &r))
			return -1;
	}
	*v = neg ? -r : r;
	return 0;
}

enum { P_TAG, P_EXP, P_VAR, P_ROLE, P_N, P_CONV, P_ORD, P_REV, P_REV2,
	P_X, P_X2, P_XREV, P_CUR, P_WIN, P_COV, P_NF };
static const char *const pname[P_NF] = { "partial", "experiment",
	"variant", "role", "members", "converters", "orders", "revenue",
	"revenue_sq", "x_sum", "x_sq", "x_revenue", "currency", "window",
	"covariate" };

static int
write_partial_row(struct ab *g, mbr_writer *w, const char *name,
    size_t len, const char *role, const struct acc *a, mbr_err *err)
{
	char b[8][48], win[24];

	mbr_writer_cstr(w, pname[P_TAG], PARTIAL);
	mbr_writer_cstr(w, pname[P_EXP], g->experiment ? g->experiment : "");
	mbr_writer_str(w, pname[P_VAR], name, len);
	mbr_writer_cstr(w, pname[P_ROLE], role);
	mbr_writer_int(w, pname[P_N], a->n);
	mbr_writer_int(w, pname[P_CONV], a->conv);
	mbr_writer_int(w, pname[P_ORD], a->orders);
	fmt_i128(b[0], a->rev);
	fmt_i128(b[1], a->rev2);
	fmt_i128(b[2], a->x);
	fmt_i128(b[3], a->x2);
	fmt_i128(b[4], a->xrev);
	mbr_writer_cstr(w, pname[P_REV], b[0]);
	mbr_writer_cstr(w, pname[P_REV2], b[1]);
	mbr_writer_cstr(w, pname[P_X], b[2]);
	mbr_writer_cstr(w, pname[P_X2], b[3]);
	mbr_writer_cstr(w, pname[P_XREV], b[4]);
	mbr_writer_cstr(w, pname[P_CUR], g->cur);
	snprintf(win, sizeof(win), "%llds", (long long)g->window);
	mbr_writer_cstr(w, pname[P_WIN], win);
	mbr_writer_cstr(w, pname[P_COV], g->o->covariate ? g->o->covariate :
	    "");
	return mbr_writer_end(w, err);
}

static int
write_partial(struct ab *g, mbr_err *err)
{
	size_t i;
	int rc = MBR_OK;

	for (i = 0; i < g->nvars && rc == MBR_OK; i++)
		rc = write_partial_row(g, g->run.w, g->vars[i].name,
		    g->vars[i].len, "variant", &g->vars[i].a, err);
	if (rc == MBR_OK && g->have_hold)
		rc = write_partial_row(g, g->run.w, "holdout", 7, "holdout",
		    &g->hold, err);
	return rc;
}

/* A partial's run fact, the same in every partial. */
static int
same_fact(struct ab *g, const mbr_rec *rec, char *kept, size_t nkept,
    mbr_slice s, const char *what, mbr_err *err)
{
	if (!g->p_seen) {
		if (s.n >= nkept)
			s.n = nkept - 1;
		memcpy(kept, s.p ? s.p : "", s.n);
		kept[s.n] = '\0';
		return MBR_OK;
	}
	if (s.n == strlen(kept) && (s.n == 0 || memcmp(kept, s.p, s.n) == 0))
		return MBR_OK;
	mbr_err_set(err, MBR_EUSAGE, "%s \"%.*s\" differs from \"%s\" of the "
	    "partials before: they are not of one analysis", what, (int)s.n,
	    s.p ? s.p : "", kept);
	mbr_err_at(err, rec->file, rec->line);
	return MBR_EUSAGE;
}

static int
read_partials(struct ab *g, mbr_err *err)
{
	mbr_reader *rd = g->run.rd;
	int ix[P_NF], i, r, rc;
	mbr_rec rec;

	for (i = 0; i < P_NF; i++)
		ix[i] = mbr_reader_col(rd, pname[i], strlen(pname[i]));
	while ((r = mbr_reader_next(rd, &rec, err)) != MBR_READ_END) {
		struct acc a;
		__int128 v[8];
		mbr_slice s, name;
		int bad = 0, k;

		if (r == MBR_READ_FILE)
			continue;
		if (rec.bad != NULL) {
			mbr_reject(g->run.rj, rd, &rec, rec.bad, rec.why);
			continue;
		}
		if (!mbr_slice_eq(fld(&rec, ix[P_TAG]), PARTIAL,
		    strlen(PARTIAL))) {
			mbr_err_set(err, MBR_EUSAGE, "not a partial of "
			    "mbr-abtest analyze --partial (its field partial "
			    "is not \"%s\")", PARTIAL);
			mbr_err_at(err, rec.file, rec.line);
			return MBR_EUSAGE;
		}
		for (k = 0; k < 8; k++)
			if (parse_i128(fld(&rec, ix[P_N + k]), &v[k]) != 0)
				bad = 1;
		if (bad || v[0] < 0 || v[1] < 0 || v[1] > v[0] || v[2] < 0 ||
		    v[0] > INT64_MAX || v[2] > INT64_MAX) {
			mbr_reject(g->run.rj, rd, &rec, "bad partial",
			    "a sum is not a whole number in range");
			continue;
		}
		if ((rc = same_fact(g, &rec, g->cur, sizeof(g->cur),
		    fld(&rec, ix[P_CUR]), "currency", err)) != MBR_OK ||
		    (rc = same_fact(g, &rec, g->p_window, sizeof(g->p_window),
		    fld(&rec, ix[P_WIN]), "window", err)) != MBR_OK ||
		    (rc = same_fact(g, &rec, g->p_cov, sizeof(g->p_cov),
		    fld(&rec, ix[P_COV]), "covariate", err)) != MBR_OK)
			return rc;
		s = fld(&rec, ix[P_EXP]);
		if (!g->p_seen)
			g->experiment = mbr_arena_strndup(g->ar, s.p ? s.p :
			    "", s.n);
		else if (!mbr_slice_eq(s, g->experiment,
		    strlen(g->experiment)) && !(s.n == 0 &&
		    g->experiment[0] == '\0')) {
			mbr_err_set(err, MBR_EUSAGE, "experiment \"%.*s\" "
			    "differs from \"%s\" of the partials before",
			    (int)s.n, s.p ? s.p : "", g->experiment);
			mbr_err_at(err, rec.file, rec.line);
			return MBR_EUSAGE;
		}
		g->p_seen = 1;
		a = (struct acc){ (int64_t)v[0], (int64_t)v[1], (int64_t)v[2],
		    v[3], v[4], v[5], v[6], v[7] };
		if (mbr_slice_eq(fld(&rec, ix[P_ROLE]), "holdout", 7)) {
			if (acc_add(&g->hold, &a) != 0)
				g->sum_ovf = 1;
			g->have_hold = 1;
			continue;
		}
		name = fld(&rec, ix[P_VAR]);
		if (name.p == NULL || name.n == 0) {
			mbr_reject(g->run.rj, rd, &rec, "bad partial",
			    "variant is empty");
			continue;
		}
		if ((i = find_var(g, name)) < 0) {
			if (g->o->v != NULL) {
				mbr_rejectf(g->run.rj, rd, &rec,
				    "unknown variant", "variant \"%.*s\" is "
				    "not one of --variants", (int)name.n,
				    name.p);
				continue;
			}
			i = add_var(g, name.p, name.n);
		}
		if (acc_add(&g->vars[i].a, &a) != 0)
			g->sum_ovf = 1;
	}
	if (g->cur[0] != '\0')
		g->exp = mbr_currency_exp(g->cur, strlen(g->cur));
	/* what the shards were analysed with is what the merge is; an
	 * option saying otherwise is a mistake, not a wish */
	if (g->p_seen) {
		const mbr_analyze_opts *o = g->o;
		char *end;
		long long w = strtoll(g->p_window, &end, 10);

		if (w > 0 && strcmp(end, "s") == 0)
			g->window = w;
		if (o->window_set && o->window != g->window)
			return mbr_err_set(err, MBR_EUSAGE, "--window: the "
			    "partials were made with a window of %s", g->p_window);
		if (o->covariate != NULL && strcmp(o->covariate, g->p_cov) != 0)
			return mbr_err_set(err, MBR_EUSAGE, "--covariate: the "
			    "partials were made with %s%s", g->p_cov[0] ? "" :
			    "none", g->p_cov);
		g->cuped = g->p_cov[0] != '\0';
	}
	return err->code;
}

/* --- statistics --- */

/* Mean and sample variance of a sum s and sum of squares ss over n,
 * in the sums' units; exact in integers while they fit. */
static void
moments(int64_t n, __int128 s, __int128 ss, long double *mean,
    long double *var)
{
	__int128 a, b;

	*mean = n > 0 ? (long double)s / n : NAN;
	if (n < 2) {
		*var = NAN;
		return;
	}
	if (!__builtin_mul_overflow(ss, (__int128)n, &a) &&
	    !__builtin_mul_overflow(s, s, &b))
		*var = (long double)(a - b) / ((long double)n * (n - 1));
	else
		*var = ((long double)ss - (long double)s * s / n) / (n - 1);
}

/* The covariance of x and y in the same way. */
static long double
comoment(int64_t n, __int128 sx, __int128 sy, __int128 sxy)
{
	__int128 a, b;

	if (n < 2)
		return NAN;
	if (!__builtin_mul_overflow(sxy, (__int128)n, &a) &&
	    !__builtin_mul_overflow(sx, sy, &b))
		return (long double)(a - b) / ((long double)n * (n - 1));
	return ((long double)sxy - (long double)sx * sy / n) / (n - 1);
}

/* var(y - theta x) from var y, var x and cov(x, y).  When x explains
 * y wholly, the terms cancel to rounding noise, which must read as no
 * variance at all, not as a tiny one that makes any difference
 * "significant". */
static long double
adjusted(long double vy, long double theta, long double vx, long double c)
{
	long double v = vy + theta * theta * vx - 2 * theta * c;
	long double scale = vy + theta * theta * vx;

	return v <= scale * 1e-12L ? 0 : v;
}

/* B against A.  theta: the CUPED coefficient (0: none); mx: the pooled
 * mean of x it centres on; unit: 10^decimals, money's minor units to
 * major. */
static void
compare(const struct acc *A, const struct acc *B, double alpha,
    int cuped, long double theta, long double unit, struct cmp *r)
{
	double nA = (double)A->n, nB = (double)B->n;
	double pA, pB, pp, se, q = mbr_norm_ppf(1 - alpha / 2);
	long double mA, vA, mB, vB, xA, xvA, xB, xvB, cA, cB, seW;

	r->lift = r->lo = r->hi = r->rel = r->rlo = r->rhi = NAN;
	r->z = r->p = r->p_holm = r->diff = r->dlo = r->dhi = NAN;
	r->t = r->df = r->pr = r->pr_holm = r->chance = r->vr = NAN;
	r->inc_conv = r->inc_rev = r->roi = NAN;
	if (A->n == 0 || B->n == 0)
		return;
	pA = A->conv / nA;
	pB = B->conv / nB;
	r->lift = pB - pA;
	se = sqrt(pA * (1 - pA) / nA + pB * (1 - pB) / nB);
	if (se > 0) {
		r->lo = r->lift - q * se;
		r->hi = r->lift + q * se;
	}
	if (pA > 0) {
		double v = pB * (1 - pB) / nB / (pA * pA) +
		    pB * pB * pA * (1 - pA) / nA / (pA * pA * pA * pA);

		r->rel = pB / pA - 1;
		if (v > 0) {
			r->rlo = r->rel - q * sqrt(v);
			r->rhi = r->rel + q * sqrt(v);
		}
	}
	pp = (double)(A->conv + B->conv) / (nA + nB);
	se = sqrt(pp * (1 - pp) * (1 / nA + 1 / nB));
	if (se > 0) {
		r->z = (pB - pA) / se;
		r->p = 2 * mbr_norm_sf(fabs(r->z));
	}
	r->chance = mbr_beta_gt(1 + (double)A->conv, 1 + nA - A->conv,
	    1 + (double)B->conv, 1 + nB - B->conv);

	moments(A->n, A->rev, A->rev2, &mA, &vA);
	moments(B->n, B->rev, B->rev2, &mB, &vB);
	if (cuped) {
		moments(A->n, A->x, A->x2, &xA, &xvA);
		moments(B->n, B->x, B->x2, &xB, &xvB);
		cA = comoment(A->n, A->x, A->rev, A->xrev);
		cB = comoment(B->n, B->x, B->rev, B->xrev);
		/* the pooled mean of x is the same on both sides: only the
		 * difference of the variants' means of x moves the lift */
		mA -= theta * xA;
		mB -= theta * xB;
		vA = adjusted(vA, theta, xvA, cA);
		vB = adjusted(vB, theta, xvB, cB);
	}
	r->diff = (double)((mB - mA) / unit);
	if (A->n < 2 || B->n < 2)
		return;
	seW = sqrtl(vA / A->n + vB / B->n);
	if (!(seW > 0))
		return;
	{
		long double a = vA / A->n, b = vB / B->n;
		double df = (double)(seW * seW * seW * seW /
		    (a * a / (A->n - 1) + b * b / (B->n - 1)));
		double tq = mbr_t_ppf(1 - alpha / 2, df);

		r->t = (double)((mB - mA) / seW);
		r->df = df;
		r->pr = 2 * mbr_t_sf(fabs(r->t), df);
		r->dlo = (double)((mB - mA - tq * seW) / unit);
		r->dhi = (double)((mB - mA + tq * seW) / unit);
	}
}

/* Holm's step-down over the k - 1 comparisons p[i] (NaN: the control,
 * skip[i]; or a p that is undefined, which stays in the family as 1, as
 * R's p.adjust counts its NAs: a variant whose test failed must not
 * make the correction of the others weaker). */
static void
holm(const double *p, const unsigned char *skip, double *out, size_t n)
{
	size_t *ord = mbr_xcalloc(n + 1, sizeof(*ord));
	double *q = mbr_xcalloc(n + 1, sizeof(*q));
	size_t i, j, m = 0;
	double run = 0;

	for (i = 0; i < n; i++) {
		out[i] = NAN;
		if (skip[i])
			continue;
		q[i] = isnan(p[i]) ? 1 : p[i];
		ord[m++] = i;
	}
	/* insertion sort: a few variants; ties keep their order */
	for (i = 1; i < m; i++)
		for (j = i; j > 0 && q[ord[j]] < q[ord[j - 1]]; j--) {
			size_t t = ord[j];

			ord[j] = ord[j - 1];
			ord[j - 1] = t;
		}
	for (i = 0; i < m; i++) {
		double v = (double)(m - i) * q[ord[i]];

		if (v > 1)
			v = 1;
		if (v > run)
			run = v;
		if (!isnan(p[ord[i]]))
			out[ord[i]] = run;
	}
	free(ord);
	free(q);
}

/* --- output --- */

static void
put_num(mbr_writer *w, const char *name, double v, char *buf)
{
	if (isnan(v) || isinf(v)) {
		mbr_writer_null(w, name);	/* CSV: empty */
		return;
	}
	if (v == 0)
		v = 0;	/* no "-0" */
	snprintf(buf, 32, "%.10g", v);
	mbr_writer_field(w, (mbr_slice){ name, strlen(name) },
	    (mbr_slice){ buf, strlen(buf) }, MBR_V_NUM);
}

static void
put_frac(mbr_writer *w, const char *name, __int128 num, int64_t den,
    int64_t scale, int places, char *buf)
{
	if (den <= 0) {
		mbr_writer_null(w, name);
		return;
	}
	mbr_frac_fmt(buf, (mbr_frac){ num, den }, scale, places);
	mbr_writer_field(w, (mbr_slice){ name, strlen(name) },
	    (mbr_slice){ buf, strlen(buf) }, MBR_V_NUM);
}

static int64_t
pow10i(int e)
{
	int64_t v = 1;

	while (e-- > 0)
		v *= 10;
	return v;
}

/* What a run is finally judged on, shared by the records and the text. */
struct res {
	size_t		 ctl;		/* control's index */
	size_t		*order;		/* variants in output order */
	struct cmp	*cmp;		/* [variant] against control */
	struct cmp	 hcmp;		/* the sent against the holdout */
	struct acc	 sent;
	double		 srm;
	double		 vr;		/* CUPED's variance reduction */
	int		 srm_bad;
	int		 cuped;
	int64_t		 cost;		/* 10^-4 units a send; -1: none */
};

static const char *
verdict(const struct ab *g, const struct acc *A, const struct acc *B,
    const struct cmp *c, double p, int srm_bad)
{
	const mbr_analyze_opts *o = g->o;
	double effect = o->metric == MBR_METRIC_REVENUE ? c->diff : c->lift;

	if (A->n < o->min_members || B->n < o->min_members ||
	    A->conv + B->conv < 10)
		return "not enough data";
	if (srm_bad)
		return "inconclusive";
	if (!isnan(p) && p < o->alpha && !isnan(effect) && effect != 0)
		return effect > 0 ? "winner" : "loser";
	return "inconclusive";
}

static void
judge(struct ab *g, struct res *s)
{
	const mbr_analyze_opts *o = g->o;
	size_t i, k = 0, nv = g->nvars;
	double *p = mbr_xcalloc(nv + 1, sizeof(double));
	double *pr = mbr_xcalloc(nv + 1, sizeof(double));
	double *ph = mbr_xcalloc(nv + 1, sizeof(double));
	double *prh = mbr_xcalloc(nv + 1, sizeof(double));
	unsigned char *skip = mbr_xcalloc(nv + 1, 1);
	long double theta = 0, unit = (long double)pow10i(g->exp);
	struct acc pool = { 0 };
	int found = -1;

	s->cmp = mbr_xcalloc(nv + 1, sizeof(*s->cmp));
	s->order = mbr_xcalloc(nv + 1, sizeof(*s->order));
	/* control: --control, else the variant named control, else the
	 * first of --variants, else the first name in byte order */
	if (o->control != NULL)
		found = find_var(g, (mbr_slice){ o->control,
		    strlen(o->control) });
	else if ((found = find_var(g, MBR_SLICE("control"))) < 0 && nv > 0) {
		found = 0;
		for (i = 1; o->v == NULL && i < nv; i++)
			if (strcmp(g->vars[i].name, g->vars[found].name) < 0)
				found = (int)i;
	}
	s->ctl = found < 0 ? 0 : (size_t)found;
	/* output order: control, then --variants' order, else by name */
	if (nv > 0)
		s->order[k++] = s->ctl;
	for (i = 0; i < nv; i++)
		if (i != s->ctl)
			s->order[k++] = i;
	if (o->v == NULL && k > 2) {
		size_t a, b;

		for (a = 2; a < k; a++)
			for (b = a; b > 1 && strcmp(g->vars[s->order[b]].name,
			    g->vars[s->order[b - 1]].name) < 0; b--) {
				size_t t = s->order[b];

				s->order[b] = s->order[b - 1];
				s->order[b - 1] = t;
			}
	}
	for (i = 0; i < nv; i++)
		(void)acc_add(&pool, &g->vars[i].a);	/* checked as merged */
	s->sent = pool;
	s->cuped = g->cuped;
	s->vr = NAN;
	if (s->cuped) {
		long double vx, mx, vy, my, cxy;

		moments(pool.n, pool.x, pool.x2, &mx, &vx);
		moments(pool.n, pool.rev, pool.rev2, &my, &vy);
		cxy = comoment(pool.n, pool.x, pool.rev, pool.xrev);
		if (vx > 0 && !isnan((double)cxy))
			theta = cxy / vx;
		/* var(y - theta x) = var y - cov^2 / var x: what is left is
		 * 1 - corr^2, over every member of the variants */
		if (vy > 0)
			s->vr = (double)(theta * cxy / vy);
	}
	/* sample-ratio mismatch over the variants' members */
	s->srm = NAN;
	if (nv >= 2 && pool.n > 0) {
		double chi = 0, *w = mbr_xcalloc(nv, sizeof(double));
		int df = -1, zero_hit = 0;

		for (i = 0; i < nv; i++)
			w[i] = o->v != NULL ? o->v->w[i] : 1.0 / (double)nv;
		for (i = 0; i < nv; i++) {
			double e = (double)pool.n * w[i];
			double d = (double)g->vars[i].a.n - e;

			if (w[i] > 0) {
				chi += d * d / e;
				df++;
			} else if (g->vars[i].a.n > 0)
				zero_hit = 1;
		}
		if (zero_hit)
			s->srm = 0;
		else if (df >= 1)
			s->srm = mbr_chi2_sf(chi, df);
		free(w);
	}
	s->srm_bad = !isnan(s->srm) && s->srm < 0.001;
	for (i = 0; i < nv; i++) {
		p[i] = pr[i] = NAN;
		if (i == s->ctl)
			continue;
		compare(&g->vars[s->ctl].a, &g->vars[i].a, o->alpha, s->cuped,
		    theta, unit, &s->cmp[i]);
		p[i] = s->cmp[i].p;
		pr[i] = s->cmp[i].pr;
	}
	skip[s->ctl] = 1;
	holm(p, skip, ph, nv);
	holm(pr, skip, prh, nv);
	for (i = 0; i < nv; i++) {
		struct cmp *c = &s->cmp[i];

		c->vr = s->vr;
		if (i == s->ctl) {
			memset(c, 0, sizeof(*c));
			c->lift = c->lo = c->hi = c->rel = c->rlo = c->rhi =
			    c->z = c->p = c->p_holm = c->diff = c->dlo =
			    c->dhi = c->t = c->df = c->pr = c->pr_holm =
			    c->chance = c->inc_conv = c->inc_rev = c->roi = NAN;
			c->vr = s->vr;
			c->verdict = "";
			continue;
		}
		c->p_holm = ph[i];
		c->pr_holm = prh[i];
		c->verdict = verdict(g, &g->vars[s->ctl].a, &g->vars[i].a, c,
		    o->metric == MBR_METRIC_REVENUE ? c->pr_holm : c->p_holm,
		    s->srm_bad);
	}
	if (g->have_hold) {
		struct cmp *c = &s->hcmp;

		/* never adjusted: a field's covariate is not read for the
		 * held out */
		compare(&g->hold, &pool, o->alpha, 0, 0, unit, c);
		c->verdict = verdict(g, &g->hold, &pool, c,
		    o->metric == MBR_METRIC_REVENUE ? c->pr : c->p,
		    s->srm_bad);
		if (!isnan(c->lift))
			c->inc_conv = c->lift * (double)pool.n;
		if (pool.n > 0 && g->hold.n > 0)
			c->inc_rev = (double)(((long double)pool.rev / pool.n -
			    (long double)g->hold.rev / g->hold.n) * pool.n /
			    unit);
		if (s->cost > 0 && !isnan(c->inc_rev)) {
			long double cost = (long double)s->cost * pool.n / 1e4L;

			c->roi = (double)((c->inc_rev - cost) / cost);
		}
	}
	free(p);
	free(pr);
	free(ph);
	free(prh);
	free(skip);
}

static int
write_row(struct ab *g, const struct res *s, const char *name, size_t len,
    const struct acc *a, const struct cmp *c, int holdout, mbr_err *err)
{
	mbr_writer *w = g->run.w;
	int64_t unit = pow10i(g->exp);
	char b[40][64];	/* a buffer a field, at most 36 fields */
	int k = 0;

	mbr_writer_cstr(w, "experiment", g->experiment ? g->experiment : "");
	mbr_writer_str(w, "variant", name, len);
	mbr_writer_int(w, "members", a->n);
	mbr_writer_int(w, "converters", a->conv);
	put_num(w, "conversion_rate", a->n ? (double)a->conv / a->n : NAN,
	    b[k++]);
	mbr_writer_int(w, "orders", a->orders);
	put_num(w, "orders_per_member", a->n ? (double)a->orders / a->n :
	    NAN, b[k++]);
	if (a->rev >= INT64_MIN && a->rev <= INT64_MAX) {
		mbr_money_fmt(b[k], (int64_t)a->rev, (unsigned)g->exp);
		/* money is a decimal string, as mbr(7) has it */
		mbr_writer_field(w, MBR_SLICE("revenue"), (mbr_slice){ b[k],
		    strlen(b[k]) }, MBR_V_PLAIN);
		k++;
	} else
		put_frac(w, "revenue", a->rev, 1, unit, g->exp, b[k++]);
	put_num(w, "revenue_per_member", a->n ? (double)((long double)a->rev /
	    a->n / unit) : NAN, b[k++]);
	put_num(w, "lift", c->lift, b[k++]);
	put_num(w, "lift_low", c->lo, b[k++]);
	put_num(w, "lift_high", c->hi, b[k++]);
	put_num(w, "lift_rel", c->rel, b[k++]);
	put_num(w, "lift_rel_low", c->rlo, b[k++]);
	put_num(w, "lift_rel_high", c->rhi, b[k++]);
	put_num(w, "z", c->z, b[k++]);
	put_num(w, "p_value", c->p, b[k++]);
	put_num(w, "p_holm", c->p_holm, b[k++]);
	put_num(w, "revenue_diff", c->diff, b[k++]);
	put_num(w, "revenue_diff_low", c->dlo, b[k++]);
	put_num(w, "revenue_diff_high", c->dhi, b[k++]);
	put_num(w, "t", c->t, b[k++]);
	put_num(w, "df", c->df, b[k++]);
	put_num(w, "p_revenue", c->pr, b[k++]);
	put_num(w, "p_revenue_holm", c->pr_holm, b[k++]);
	put_num(w, "chance_to_beat_control", c->chance, b[k++]);
	if (s->cuped)
		put_num(w, "variance_reduction", c->vr, b[k++]);
	put_num(w, "srm_p", s->srm, b[k++]);
	if (g->have_hold) {
		char *q = b[k++];

		put_num(w, "incremental_conversions", c->inc_conv, b[k++]);
		if (isnan(c->inc_rev))
			mbr_writer_null(w, "incremental_revenue");
		else {
			snprintf(q, 64, "%.*f", g->exp, c->inc_rev == 0 ? 0 :
			    c->inc_rev);
			mbr_writer_cstr(w, "incremental_revenue", q);
		}
		if (holdout && s->cost >= 0) {
			/* money: a decimal string */
			mbr_frac_fmt(b[k], (mbr_frac){ (__int128)s->cost *
			    s->sent.n, 1 }, 10000, 4);
			mbr_writer_field(w, MBR_SLICE("cost"), (mbr_slice){
			    b[k], strlen(b[k]) }, MBR_V_PLAIN);
			k++;
		}
		else
			mbr_writer_null(w, "cost");
		put_num(w, "roi", c->roi, b[k++]);
	}
	mbr_writer_cstr(w, "verdict", c->verdict ? c->verdict : "");
	return mbr_writer_end(w, err);
}

static void
header(struct ab *g, const struct res *s)
{
	static const char *const base[] = { "experiment", "variant",
	    "members", "converters", "conversion_rate", "orders",
	    "orders_per_member", "revenue", "revenue_per_member", "lift",
	    "lift_low", "lift_high", "lift_rel", "lift_rel_low",
	    "lift_rel_high", "z", "p_value", "p_holm", "revenue_diff",
	    "revenue_diff_low", "revenue_diff_high", "t", "df", "p_revenue",
	    "p_revenue_holm", "chance_to_beat_control" };
	mbr_slice h[40];
	size_t n = 0, i;

	for (i = 0; i < sizeof(base) / sizeof(base[0]); i++)
		h[n++] = (mbr_slice){ base[i], strlen(base[i]) };
	if (s->cuped)
		h[n++] = MBR_SLICE("variance_reduction");
	h[n++] = MBR_SLICE("srm_p");
	if (g->have_hold) {
		h[n++] = MBR_SLICE("incremental_conversions");
		h[n++] = MBR_SLICE("incremental_revenue");
		h[n++] = MBR_SLICE("cost");
		h[n++] = MBR_SLICE("roi");
	}
	h[n++] = MBR_SLICE("verdict");
	mbr_writer_header(g->run.w, h, n);
}

/* "+10.97" percentage points, "-" when undefined. */
static void
fmt_pp(char *b, size_t n, double v)
{
	if (isnan(v))
		snprintf(b, n, "-");
	else
		snprintf(b, n, "%+.2f", v * 100 == 0 ? 0 : v * 100);
}

static void
fmt_p(char *b, size_t n, double v)
{
	if (isnan(v))
		snprintf(b, n, "-");
	else if (v < 0.0001)
		snprintf(b, n, "<0.0001");
	else
		snprintf(b, n, "%.4f", v);
}

/* A lift and its interval in percentage points: "+10.97 [+3.74, +18.20]". */
static void
fmt_lift(char *b, size_t n, const struct cmp *c)
{
	char x[24], lo[24], hi[24];

	fmt_pp(x, sizeof(x), c->lift);
	if (isnan(c->lo))
		snprintf(b, n, "%s", x);
	else {
		fmt_pp(lo, sizeof(lo), c->lo);
		fmt_pp(hi, sizeof(hi), c->hi);
		snprintf(b, n, "%s [%s, %s]", x, lo, hi);
	}
}

/* --format text: a table for a person; the records are the contract. */
static int
write_text(struct ab *g, const struct res *s, mbr_err *err)
{
	FILE *fp = stdout;
	size_t i;
	int rc = MBR_OK, lvl = (int)lround(100 * (1 - g->o->alpha));
	const long double unit = (long double)pow10i(g->exp);

	if (g->c->output != NULL && strcmp(g->c->output, "-") != 0 &&
	    (fp = fopen(g->c->output, "w")) == NULL)
		return mbr_err_set(err, MBR_EIO, "%s: %s", g->c->output,
		    strerror(errno));
	fprintf(fp, "experiment %s, window %lld%s, control: %s, metric: %s\n",
	    g->experiment && *g->experiment ? g->experiment : "(unnamed)",
	    (long long)(g->window % 86400 == 0 ? g->window / 86400 :
	    g->window % 3600 == 0 ? g->window / 3600 : g->window),
	    g->window % 86400 == 0 ? "d" : g->window % 3600 == 0 ?
	    "h" : "s", g->nvars ? g->vars[s->ctl].name : "-",
	    g->o->metric == MBR_METRIC_REVENUE ? "revenue per member" :
	    "conversion");
	if (!isnan(s->srm))
		fprintf(fp, "sample ratio: chi-square p = %.4g%s\n", s->srm,
		    s->srm_bad ? ", MISMATCH: no verdict" : ", fine");
	if (s->cuped && !isnan(s->vr))
		fprintf(fp, "CUPED on revenue: variance reduced by %.1f%%\n",
		    100 * s->vr);
	fprintf(fp, "\n%-12s %8s %7s %7s %10s  %-26s %8s %8s %7s  %s\n",
	    "variant", "members", "buyers", "rate", "rev/member",
	    "lift, pp [CI]", "p", "p(holm)", "chance", "verdict");
	for (i = 0; i < g->nvars; i++) {
		size_t v = s->order[i];
		const struct acc *a = &g->vars[v].a;
		const struct cmp *c = &s->cmp[v];
		char rate[24], rpm[40], lift[80], p[16], ph[16], ch[16];

		snprintf(rate, sizeof(rate), a->n ? "%.2f%%" : "-",
		    a->n ? 100.0 * a->conv / a->n : 0);
		snprintf(rpm, sizeof(rpm), a->n ? "%.2f" : "-", a->n ?
		    (double)((long double)a->rev / a->n / unit) : 0);
		if (v == s->ctl) {
			fprintf(fp, "%-12s %8lld %7lld %7s %10s  (control)\n",
			    g->vars[v].name, (long long)a->n,
			    (long long)a->conv, rate, rpm);
			continue;
		}
		fmt_lift(lift, sizeof(lift), c);
		fmt_p(p, sizeof(p), c->p);
		fmt_p(ph, sizeof(ph), c->p_holm);
		if (isnan(c->chance))
			snprintf(ch, sizeof(ch), "-");
		else if (c->chance > 0.999)
			snprintf(ch, sizeof(ch), ">99.9%%");
		else if (c->chance < 0.001)
			snprintf(ch, sizeof(ch), "<0.1%%");
		else
			snprintf(ch, sizeof(ch), "%.1f%%", 100 * c->chance);
		fprintf(fp, "%-12s %8lld %7lld %7s %10s  %-26s %8s %8s %7s  %s\n",
		    g->vars[v].name, (long long)a->n, (long long)a->conv, rate,
		    rpm, lift, p, ph, ch, c->verdict);
	}
	fprintf(fp, "lift: the variant's rate minus the control's, in "
	    "percentage points, %d%% interval\n", lvl);
	if (g->have_hold) {
		const struct cmp *c = &s->hcmp;
		const struct acc *h = &g->hold;
		char lift[80], p[16];

		fmt_lift(lift, sizeof(lift), c);
		fmt_p(p, sizeof(p), c->p);
		fprintf(fp, "\nholdout: %.2f%% of %lld sent bought, %.2f%% of "
		    "%lld held out: %s pp, p %s, %s\n", s->sent.n ? 100.0 *
		    s->sent.conv / s->sent.n : 0, (long long)s->sent.n, h->n ?
		    100.0 * h->conv / h->n : 0, (long long)h->n, lift, p,
		    c->verdict);
		if (!isnan(c->inc_conv))
			fprintf(fp, "sending added about %.0f buyers and %.2f "
			    "%s of revenue", c->inc_conv, isnan(c->inc_rev) ? 0 :
			    c->inc_rev, g->cur);
		if (!isnan(c->inc_conv) && !isnan(c->roi))
			fprintf(fp, ", for %.2f %s of sends: ROI %.0f%%",
			    (double)((long double)s->cost * s->sent.n / 1e4L),
			    g->cur, 100 * c->roi);
		if (!isnan(c->inc_conv))
			fputc('\n', fp);
	}
	if (fflush(fp) != 0 || ferror(fp))
		rc = mbr_err_set(err, MBR_EIO, "%s: write error: %s",
		    fp == stdout ? "stdout" : g->c->output, strerror(errno));
	if (fp != stdout && fclose(fp) != 0 && rc == MBR_OK)
		rc = mbr_err_set(err, MBR_EIO, "%s: %s", g->c->output,
		    strerror(errno));
	return rc;
}

static int
write_results(struct ab *g, mbr_err *err)
{
	struct res s;
	size_t i;
	int rc = MBR_OK;
	mbr_err e = { 0 };

	memset(&s, 0, sizeof(s));
	s.cost = -1;
	if (g->o->cost != NULL) {
		int64_t c;

		if (mbr_money_parse(&c, g->o->cost, strlen(g->o->cost), 4, 0,
		    &e) != MBR_OK || c < 0)
			return mbr_err_set(err, MBR_EUSAGE, "--cost-per-send: "
			    "\"%s\" is not an amount of up to 4 decimals",
			    g->o->cost);
		s.cost = c;
	}
	judge(g, &s);
	if (s.srm_bad) {	/* even under -q: it voids the verdicts */
		fprintf(stderr, "%s: sample ratio mismatch: chi-square p = "
		    "%.3g < 0.001 for members", mbr_progname(), s.srm);
		for (i = 0; i < g->nvars; i++)
			fprintf(stderr, "%s %s %lld", i ? "," : "",
			    g->vars[s.order[i]].name,
			    (long long)g->vars[s.order[i]].a.n);
		fprintf(stderr, " against the weights: the assignment is "
		    "broken, no verdict is given\n");
	}
	/* --strict: a broken assignment yields no records at all */
	if (s.srm_bad && g->o->strict)
		rc = mbr_err_set(err, MBR_EDATA, "sample ratio mismatch "
		    "(p = %.3g): --strict", s.srm);
	else if (g->o->text)
		rc = write_text(g, &s, err);
	else {
		header(g, &s);
		for (i = 0; i < g->nvars && rc == MBR_OK; i++) {
			struct var *v = &g->vars[s.order[i]];

			rc = write_row(g, &s, v->name, v->len, &v->a,
			    &s.cmp[s.order[i]], 0, err);
		}
		if (rc == MBR_OK && g->have_hold)
			rc = write_row(g, &s, "holdout", 7, &g->hold, &s.hcmp,
			    1, err);
	}
	free(s.cmp);
	free(s.order);
	return rc;
}

int
mbr_analyze_run(const mbr_cli *c, const mbr_analyze_opts *o, int nfiles,
    char *const files[], mbr_err *err)
{
	struct ab g;
	size_t i;
	int rc;

	memset(&g, 0, sizeof(g));
	g.c = c;
	g.o = o;
	g.exp = -1;
	g.ar = mbr_arena_new();
	g.mem = mbr_tab_new(sizeof(struct mem));
	g.pre = o->covariate != NULL && strcmp(o->covariate, "pre_spend") == 0;
	g.pre_window = o->pre_window > 0 ? o->pre_window : o->window;
	g.window = o->window;
	g.cuped = o->covariate != NULL;
	g.last_start = INT64_MIN;
	if (o->experiment != NULL)
		g.experiment = (char *)o->experiment;
	if (o->v != NULL)
		for (i = 0; i < (size_t)o->v->n; i++)
			add_var(&g, o->v->name[i], o->v->namelen[i]);
	if ((rc = mbr_cli_tz(c, &g.tz, err)) != MBR_OK)
		goto out;
	if ((rc = mbr_time_now(&g.now, c->as_of, g.tz, err)) != MBR_OK)
		goto out;
	if ((rc = mbr_run_open(&g.run, c, nfiles, files, !o->text, err)) !=
	    MBR_OK)
		goto close;
	if (o->merge)
		rc = read_partials(&g, err);
	else {
		if ((rc = read_assign(&g, o->assignments, 0, err)) == MBR_OK &&
		    o->experiment != NULL && mbr_tab_count(g.mem) == 0 &&
		    g.other_exp > 0)
			rc = mbr_err_set(err, MBR_EUSAGE, "%s: no assignment of "
			    "experiment \"%s\" (%llu of others)",
			    o->assignments, o->experiment,
			    (unsigned long long)g.other_exp);
		if (rc == MBR_OK && o->holdout != NULL)
			rc = read_assign(&g, o->holdout, 1, err);
		if (rc == MBR_OK)
			rc = read_orders(&g, err);
		if (rc == MBR_OK && g.ovf[0] != '\0')
			rc = mbr_err_set(err, MBR_EDATA, "revenue of member "
			    "\"%s\" is out of range (over 2^63 - 1 minor "
			    "units): amounts that large are wrong data", g.ovf);
		if (rc == MBR_OK)
			fold(&g);
	}
	if (rc == MBR_OK && g.sum_ovf)
		rc = mbr_err_set(err, MBR_EDATA, "a variant's sums of revenue "
		    "squared pass 2^127: the amounts are wrong");
	if (rc == MBR_OK && g.exp < 0) {	/* no order priced: as mbr-rfm */
		strcpy(g.cur, "CNY");
		g.exp = 2;
	}
	if (rc == MBR_OK && o->control != NULL && find_var(&g,
	    (mbr_slice){ o->control, strlen(o->control) }) < 0)
		rc = mbr_err_set(err, MBR_EUSAGE, "--control: no variant \"%s\""
		    " in the assignments", o->control);
	if (rc == MBR_OK)
		rc = o->partial ? write_partial(&g, err) :
		    write_results(&g, err);
	if (rc == MBR_OK && !c->quiet && !o->merge) {
		fprintf(stderr, "%s: %zu members in %zu variant%s%s, %llu "
		    "orders in their windows", mbr_progname(),
		    mbr_tab_count(g.mem), g.nvars, g.nvars == 1 ? "" : "s",
		    g.have_hold ?
		    " and a holdout" : "", (unsigned long long)g.used);
		if (g.outside)
			fprintf(stderr, ", %llu assignments outside the test",
			    (unsigned long long)g.outside);
		if (g.repeated)
			fprintf(stderr, ", %llu repeated rows merged",
			    (unsigned long long)g.repeated);
		if (g.other_exp)
			fprintf(stderr, ", %llu rows of other experiments",
			    (unsigned long long)g.other_exp);
		fprintf(stderr, "; orders of others %llu, not paid %llu\n",
		    (unsigned long long)g.foreign,
		    (unsigned long long)g.not_paid);
	}
	/* a warning, not a summary: -q keeps it */
	if (rc == MBR_OK && !o->merge && g.last_start != INT64_MIN &&
	    g.last_start + o->window > g.now.t) {
		long long h = (g.last_start + o->window - g.now.t + 3599) /
		    3600;

		fprintf(stderr, "%s: warning: windows still open at --as-of: "
		    "the last assigned member's ends %lld hour%s later, and "
		    "its orders are not all in\n", mbr_progname(), h,
		    h == 1 ? "" : "s");
	}
close:
	if (rc != MBR_OK && err->code == MBR_OK)
		err->code = rc;
	rc = mbr_run_close(&g.run, c, err);
out:
	mbr_tz_free(g.tz);
	mbr_tab_free(g.mem);
	mbr_arena_free(g.ar);
	free(g.vars);
	return rc;
}

/* --- size --- */

int
mbr_size_run(const mbr_cli *c, const mbr_size_opts *o, mbr_err *err)
{
	double p1 = o->baseline, p2, h, n, a = o->alpha;
	int k = o->variants, sided = o->one_sided ? 1 : 2;
	mbr_writer *w;
	char b[16][64];
	int rc, fmt = c->out_format == MBR_FMT_AUTO ? MBR_FMT_CSV :
	    c->out_format;
	long long nper;

	if (k > 2)
		a = o->alpha / (k - 1);
	if (o->n > 0) {
		nper = (long long)((double)o->n * o->coverage / k);
		if (nper < 2)
			return mbr_err_set(err, MBR_EUSAGE, "--n %lld at "
			    "coverage %g leaves %lld members a variant: too "
			    "few", o->n, o->coverage, nper);
		if (mbr_power_h((double)nper, a, o->power, sided, &h) != 0)
			return mbr_err_set(err, MBR_EUSAGE, "no effect size "
			    "reaches power %g", o->power);
		/* the upward effect: p2 above p1 */
		{
			double s = asin(sqrt(p1)) + h / 2;

			p2 = s >= M_PI / 2 ? NAN : sin(s) * sin(s);
		}
		n = (double)nper;
	} else {
		p2 = o->rel ? p1 * (1 + o->mde / 100) : p1 + o->mde;
		if (!(p2 > 0 && p2 < 1) || p2 == p1)
			return mbr_err_set(err, MBR_EUSAGE, "--mde: the target "
			    "rate %g is not between 0 and 1 and apart from "
			    "the baseline", p2);
		h = 2 * asin(sqrt(p2)) - 2 * asin(sqrt(p1));
		if (mbr_power_n(fabs(h), a, o->power, sided, &n) != 0)
			return mbr_err_set(err, MBR_EUSAGE, "no sample size "
			    "reaches power %g", o->power);
		nper = (long long)ceil(n - 1e-9);
	}
	if (o->text) {
		printf("baseline %.4g%%, target %.4g%% (%+.4g%%, %+.4g%% "
		    "relative)\n", 100 * p1, 100 * p2, 100 * (p2 - p1),
		    100 * (p2 / p1 - 1));
		printf("alpha %.4g%s, power %.4g, %d variants%s\n", o->alpha,
		    k > 2 ? " (Bonferroni over the comparisons with control)"
		    : "", o->power, k, o->one_sided ? ", one-sided" : "");
		printf("%lld members a variant, %lld in all\n", nper,
		    nper * k);
		if (fflush(stdout) != 0 || ferror(stdout))
			return mbr_err_set(err, MBR_EIO, "stdout: write "
			    "error: %s", strerror(errno));
		return MBR_OK;
	}
	if ((rc = mbr_writer_open(&w, c->output, fmt, c->gzip, 0, err)) !=
	    MBR_OK)
		return rc;
	put_num(w, "baseline", p1, b[0]);
	put_num(w, "target", p2, b[1]);
	put_num(w, "mde", p2 - p1, b[2]);
	put_num(w, "mde_relative", p2 / p1 - 1, b[3]);
	put_num(w, "effect_size", h, b[4]);
	put_num(w, "alpha", o->alpha, b[5]);
	put_num(w, "alpha_corrected", a, b[6]);
	put_num(w, "power", o->power, b[7]);
	mbr_writer_int(w, "variants", k);
	mbr_writer_cstr(w, "alternative", o->one_sided ? "one-sided" :
	    "two-sided");
	mbr_writer_int(w, "n_per_variant", nper);
	mbr_writer_int(w, "n_total", nper * k);
	put_num(w, "n_exact", n, b[8]);
	if ((rc = mbr_writer_end(w, err)) != MBR_OK) {
		mbr_writer_close(w, NULL);
		return rc;
	}
	return mbr_writer_close(w, err);
}
