/* mbr_sendlist.c: a campaign's send list (mbr_sendlist.h). */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "mbr_bucket.h"
#include "mbr_campaign.h"
#include "mbr_ident.h"
#include "mbr_io.h"
#include "mbr_oidset.h"
#include "mbr_sendlist.h"
#include "mbr_sms.h"
#include "mbr_split.h"
#include "mbr_tab.h"
#include "mbr_utf8.h"

/* Why a triggered member of the audience was not sent, in the order of
 * man/mbr-campaign.1's SELECTION. */
enum { R_SUPPRESSED, R_GHOLD, R_UNREACHABLE, R_NO_CONSENT, R_COOLDOWN,
	R_CAPPED, R_HOLDOUT, R_QUIET, R_BUDGET, R_COUPONS, NREASON };
static const char *const reason_name[NREASON] = { "suppressed",
	"global_holdout", "unreachable", "no_consent", "cooldown", "capped",
	"holdout", "quiet_hours", "budget", "coupons" };

/* Fields the program makes, which a text or --keep may name. */
enum { S_CAMPAIGN, S_CHANNEL, S_COUPON, S_SEND_AT, S_TRIG_TS, S_TRIG_TIER,
	S_TRIG_EVENT, S_TRIG_SKU, S_TRIG_CAT, NSPECIAL };
static const char *const special_name[NSPECIAL] = { "campaign_id",
	"channel", "coupon_code", "send_at", "trigger_ts", "trigger_tier",
	"trigger_event", "trigger_sku", "trigger_category" };

/* The send list's own fields. */
enum { F_CAMPAIGN, F_MEMBER, F_CHANNEL, F_ADDRESS, F_SEND_AT, F_MESSAGE,
	F_PARTS, F_COUPON, F_VARIANT, NFIELD };
static const char *const field_name[NFIELD] = { "campaign_id", "member_id",
	"channel", "address", "send_at", "message", "sms_parts",
	"coupon_code", "variant" };

enum { C_UNKNOWN, C_YES, C_NO };

#define DAY 86400
#define GLOBAL_SEED "mbr-global-holdout"

/* A tier_up row or a browse event that triggers: the latest in the
 * window, per member. */
struct trig {
	mbr_time	 t;
	mbr_slice	 a, b, c;	/* tier; or event, sku, category */
};

/* A member's history in the cap's window. */
struct hist {
	uint32_t	n;	/* messages */
	uint8_t		cool;	/* this campaign, in the cooldown */
};

struct zone {
	mbr_tz	*tz;	/* NULL: not a zone */
};

/* A joined record: its fields in the run's columns. */
struct jfield {
	int		col;
	uint8_t		type;
	mbr_slice	v;
};
struct jrec {
	size_t		n;
	struct jfield	f[];
};

/* A member to be sent (unless the budget or the coupons say no). */
struct cand {
	mbr_slice	 id;
	const mbr_cchan	*ch;
	mbr_slice	 addr;
	mbr_time	 at;
	const mbr_cchan	*fu;		/* NULL: no follow-up row */
	int		 fu_lost;	/* one, but not reachable */
	mbr_slice	 fuaddr;
	mbr_time	 fuat;
	int		 has_prio;
	mbr_xval	 prio;
	int64_t		 cost;
	mbr_slice	 variant;
	mbr_slice	*vals;		/* the text columns (tcols) */
	uint8_t		*types;
	mbr_slice	*keep;		/* the --keep columns */
	uint8_t		*ktypes;
	mbr_slice	 coupon;
};

struct expl {
	mbr_slice	 id;
	int		 reason;
	const char	*detail;
};

/* A send-list row: a candidate's message or its follow-up. */
struct row {
	mbr_time	 at;
	struct cand	*k;
	int		 fu;
};

/* What judge decided of a record. */
enum { O_REJECT, O_OUT, O_EXPLAIN, O_HOLD, O_CAND };

struct cg;

/* What a thread judging members needs of its own (mbr_split's slots,
 * and one for the end): a member's fields in the run's columns, the
 * audience compiled for it (an mbr_expr evaluates in scratch of its
 * own), buffers; and judge's verdict on the last record. */
struct sl {
	struct cg	*g;
	mbr_slice	*v;
	uint8_t		*vt;
	size_t		 cap;
	int		*dirty;		/* the columns set since the last
					 * clear, so that a clear is not a
					 * memset of every column a record */
	size_t		 ndirty;
	mbr_expr	*x;
	int		 aud;		/* -1: everyone */
	mbr_buf		 phone, email, tmp, txt, held;
	char		 ts[MBR_TIME_MAX + 1];
	int		 out;		/* O_* */
	uint8_t		 in_aud, in_trig;
	int		 reason;
	struct cand	 k;
};

struct cg {
	const mbr_cli			*c;
	const mbr_sendlist_opts		*o;
	mbr_campaign			*cp;
	mbr_tz				*tz;
	mbr_time			 now;
	mbr_run				 run;
	mbr_arena			*ar;
	/* The run's columns: every input's fields and the program's
	 * own, by name; f[] of a member holds them. */
	mbr_tab		*cols;		/* name -> int */
	mbr_slice	*v;
	uint8_t		*vt;
	uint8_t		*seen;		/* some input has it */
	size_t		 ncol, capcol;
	int		*rmap;		/* the main reader's column -> ours */
	size_t		 nrmap;
	int		 c_id, c_tz, c_last, c_signup, c_bday, c_variant, c_prio;
	int		 c_phone, c_email;
	int		 c_addr[MBR_NCHAN], c_consent[MBR_NCHAN];
	int		*tcols;		/* columns the texts use */
	size_t		 ntcols;
	int		*kcols;		/* --keep */
	const char	**knames;
	size_t		 nkeep;
	int		 budget;	/* --max-recipients or --max-cost */
	int		 chan_used[MBR_NCHAN];	/* a channel or follow-up */
	/* What the side inputs left. */
	mbr_tab		**join;
	mbr_tab		*hist, *supp, *trig, *zones, *members;
	/* the member_ids read, to find one given twice: their hashes
	 * (mbr_oidset), not a copy of 2M keys; a hash shared by two ids
	 * (odds near 1e-7 at 2M) would show as a reject, never be lost */
	mbr_oidset	 ids;
	int64_t		 cap_n, cap_days;
	mbr_buf		 cbuf;		/* the coupon file */
	mbr_slice	*codes;
	size_t		 ncodes;
	mbr_slice	 longest;
	/* Results. */
	struct cand	*cand;
	size_t		 ncand, capcand;
	struct expl	*ex;
	size_t		 nex, capex;
	mbr_slice	*hold;
	size_t		 nhold, caphold;
	uint64_t	 n_audience, n_trig, n_fu_unreach;
	uint64_t	 n_reason[NREASON], n_chan[MBR_NCHAN];
	mbr_writer	*hw;		/* --history-out */
	struct sl	 s0;		/* the caller's */
	struct sl	 sl[MBR_SPLIT_SLOTS];
	pthread_mutex_t	 zmu;		/* zones */
};

static mbr_slice
slice(const char *s)
{
	return (mbr_slice){ s, strlen(s) };
}

static mbr_slice
keep_str(struct cg *g, const char *p, size_t n)
{
	return (mbr_slice){ mbr_arena_strndup(g->ar, p, n), n };
}

/* The run's column for a name, made if new. */
static int
col(void *ctx, const char *name, size_t n)
{
	struct cg *g = ctx;
	int isnew, *ix;

	ix = mbr_tab_upsert(g->cols, name, n, &isnew);
	if (!isnew)
		return *ix;
	if (g->ncol == g->capcol) {
		g->capcol = g->capcol ? g->capcol * 2 : 64;
		g->seen = mbr_xrealloc(g->seen, g->capcol);
	}
	g->seen[g->ncol] = 0;
	*ix = (int)g->ncol++;
	return *ix;
}

static int
cname(struct cg *g, const char *name)
{
	return col(g, name, strlen(name));
}

static mbr_slice
colname(const struct cg *g, int c)
{
	return mbr_tab_key(g->cols, (size_t)c);
}

/* The main reader's column rc as ours. */
static int
rcol(struct cg *g, const mbr_reader *rd, int rc)
{
	mbr_slice nm;
	size_t i;

	if ((size_t)rc >= g->nrmap) {
		i = g->nrmap;
		g->nrmap = 2 * (size_t)rc + 16;
		g->rmap = mbr_xrealloc(g->rmap, g->nrmap * sizeof(*g->rmap));
		for (; i < g->nrmap; i++)
			g->rmap[i] = -1;
	}
	if (g->rmap[rc] < 0) {
		nm = mbr_reader_colname(rd, rc);
		g->rmap[rc] = col(g, nm.p, nm.n);
		g->seen[g->rmap[rc]] = 1;
	}
	return g->rmap[rc];
}

/* A value trimmed; p NULL when absent, null or empty. */
static mbr_slice
present(mbr_slice s, uint8_t type)
{
	if (s.p == NULL || type == MBR_V_NULL)
		return (mbr_slice){ NULL, 0 };
	mbr_trim(&s.p, &s.n);
	if (s.n == 0)
		s.p = NULL;
	return s;
}

static mbr_slice
fld(const mbr_rec *rec, int ix)
{
	return present(rec->f[ix], rec->type[ix]);
}

/* Room in s for every column of the run, all absent: the columns set
 * since the last clear, and the program's own. */
static void
sl_clear(struct sl *s)
{
	size_t n = s->g->ncol, i;

	if (s->cap < n) {
		size_t old = s->cap;

		s->cap = 2 * n + 16;
		s->v = mbr_xrealloc(s->v, s->cap * sizeof(*s->v));
		s->vt = mbr_xrealloc(s->vt, s->cap);
		s->dirty = mbr_xrealloc(s->dirty, s->cap * sizeof(*s->dirty));
		memset(s->v + old, 0, (s->cap - old) * sizeof(*s->v));
		memset(s->vt + old, MBR_V_ABSENT, s->cap - old);
	}
	for (i = 0; i < s->ndirty; i++) {
		s->v[s->dirty[i]] = (mbr_slice){ NULL, 0 };
		s->vt[s->dirty[i]] = MBR_V_ABSENT;
	}
	s->ndirty = 0;
	for (i = 0; i < NSPECIAL; i++) {
		s->v[i] = (mbr_slice){ NULL, 0 };
		s->vt[i] = MBR_V_ABSENT;
	}
}

/* Sets column c of s (each column at most once between clears). */
static inline void
sl_set(struct sl *s, int c, mbr_slice v, uint8_t t)
{
	if (s->vt[c] == MBR_V_ABSENT && s->v[c].p == NULL)
		s->dirty[s->ndirty++] = c;
	s->v[c] = v;
	s->vt[c] = t;
}

/* Member field c, as present() gives it. */
static mbr_slice
val(const struct sl *sl, int c)
{
	return present(sl->v[c], sl->vt[c]);
}

static int
parse_time(mbr_time *t, mbr_slice s, mbr_tz *tz)
{
	mbr_err e;

	mbr_err_clear(&e);
	return mbr_time_parse(t, s.p, s.n, tz, &e);
}

static int64_t
day_of(int64_t t, mbr_tz *tz)
{
	return mbr_time_day((mbr_time){ t, mbr_tz_offset_at(tz, t) });
}

/* --join: each file's records by member_id. */
static int
read_join(struct cg *g, size_t k, mbr_err *err)
{
	static const char *const need[] = { "member_id" };
	mbr_reader *rd;
	mbr_rec rec;
	int ix, r, rc, isnew, c;
	size_t i;

	g->join[k] = mbr_tab_new(sizeof(struct jrec *));
	if ((rc = mbr_side_open(g->c, &rd, g->o->join[k], need, &ix, 1, 1,
	    err)) != MBR_OK) {
		mbr_reader_free(rd);
		return rc;
	}
	while ((r = mbr_reader_next(rd, &rec, err)) != MBR_READ_END) {
		struct jrec **jp, *j;
		mbr_slice id;

		if (r == MBR_READ_FILE)
			continue;
		if (rec.bad != NULL) {
			mbr_reject(g->run.rj, rd, &rec, rec.bad, rec.why);
			continue;
		}
		if ((id = fld(&rec, ix)).p == NULL) {
			mbr_reject(g->run.rj, rd, &rec, "missing member_id",
			    "member_id is missing");
			continue;
		}
		jp = mbr_tab_upsert(g->join[k], id.p, id.n, &isnew);
		if (!isnew) {
			mbr_rejectf(g->run.rj, rd, &rec, "duplicate member_id",
			    "member_id \"%.*s\" is joined twice from %s",
			    (int)id.n, id.p, rec.file);
			continue;
		}
		j = mbr_arena_alloc(g->ar, sizeof(*j) + rec.n *
		    sizeof(j->f[0]));
		for (i = 0; i < rec.n; i++) {
			struct jfield *f = &j->f[j->n];
			mbr_slice nm = mbr_reader_colname(rd, rec.order[i]);

			if (rec.order[i] == ix)
				continue;
			c = col(g, nm.p, nm.n);
			g->seen[c] = 1;
			f->col = c;
			f->type = rec.type[rec.order[i]];
			f->v = keep_str(g, rec.f[rec.order[i]].p,
			    rec.f[rec.order[i]].n);
			j->n++;
		}
		*jp = j;
	}
	g->run.side += mbr_reader_count(rd);
	mbr_reader_free(rd);
	return err->code;
}

/* A history row as map leaves it for commit: the member, whether it
 * counts, and its fields when --history-out copies them. */
struct hitem {
	uint64_t	 h;
	const char	*id;
	uint32_t	 idn;
	uint8_t		 cap, cool, count;
	mbr_slice	*f;		/* NFIELD, or NULL */
	uint8_t		*t;
};

/* The history reader's columns, for map. */
struct hctx {
	struct cg	*g;
	int		 ix[NFIELD];
	int64_t		 capfrom, coolfrom;
};

/* Neither split decides anything from the chunks before a chunk. */
static void
nobegin(void *ctx, mbr_chunk *ck, void *st, const void *prev, int after)
{
}

/* Parses a row on any thread: send_at, the windows, the member's
 * hash; copies the fields for --history-out. */
static void
hmap(void *ctx, mbr_chunk *ck, void *st, const mbr_rec *rec)
{
	struct hctx *hc = ctx;
	struct cg *g = hc->g;
	struct hitem *it;
	mbr_slice id, cid, at, *f = NULL;
	uint8_t *ft = NULL;
	mbr_time t;
	void *x;
	char *p;
	size_t need = 0;
	int i, cap = 0, cool = 0, ok;

	if (rec->bad != NULL) {
		mbr_chunk_reject(ck, rec, rec->bad, rec->why);
		return;
	}
	id = fld(rec, hc->ix[F_MEMBER]);
	cid = fld(rec, hc->ix[F_CAMPAIGN]);
	at = fld(rec, hc->ix[F_SEND_AT]);
	if (id.p == NULL) {
		mbr_chunk_reject(ck, rec, "missing member_id",
		    "member_id is missing");
		ok = 0;
	} else if (at.p == NULL || parse_time(&t, at, g->tz) != MBR_OK) {
		mbr_chunk_rejectf(ck, rec, "bad send_at", "send_at \"%.*s\" is "
		    "not a time", (int)at.n, at.p != NULL ? at.p : "");
		ok = 0;
	} else {
		ok = 1;
		cap = g->cap_n > 0 && t.t > hc->capfrom;
		cool = g->cp->cooldown > 0 && t.t > hc->coolfrom &&
		    cid.p != NULL && cid.n == strlen(g->cp->id) &&
		    memcmp(cid.p, g->cp->id, cid.n) == 0;
	}
	if (g->hw == NULL && !cap && !cool)
		return;
	if (ok)
		need += id.n;
	if (g->hw != NULL) {
		need += NFIELD * (sizeof(mbr_slice) + 1);
		for (i = 0; i < NFIELD; i++)
			need += rec->f[hc->ix[i]].n;
	}
	it = mbr_chunk_add(ck, need, &x);
	p = x;
	if (g->hw != NULL) {
		f = (mbr_slice *)(void *)p;
		p += NFIELD * sizeof(mbr_slice);
		for (i = 0; i < NFIELD; i++) {
			mbr_slice v = rec->f[hc->ix[i]];

			f[i].p = NULL;
			f[i].n = v.n;
			if (v.p != NULL) {
				memcpy(p, v.p, v.n);
				f[i].p = p;
				p += v.n;
			}
		}
		ft = (uint8_t *)p;
		for (i = 0; i < NFIELD; i++)
			ft[i] = rec->type[hc->ix[i]];
		p += NFIELD;
	}
	it->f = f;
	it->t = ft;
	if (ok) {
		memcpy(p, id.p, id.n);
		it->id = p;
		it->idn = (uint32_t)id.n;
		it->h = mbr_hash(p, id.n);
		it->cap = (uint8_t)cap;
		it->cool = (uint8_t)cool;
		it->count = (uint8_t)(cap || cool);
	}
}

/* In file order: the members' counts, each slot fetched a few rows
 * ahead; and the copy to --history-out. */
static int
hcommit(void *ctx, mbr_chunk *ck, void *st, mbr_err *err)
{
	struct hctx *hc = ctx;
	struct cg *g = hc->g;
	struct hitem *it = NULL;
	struct hist *h;
	size_t n, i, j;
	int k;

	it = mbr_chunk_items(ck, &n);
	for (i = 0; i < n; i++) {
		for (j = i + 8; j < n && j < i + 9; j++)
			if (it[j].count)
				mbr_tab_prefetch(g->hist, it[j].h);
		if (g->hw != NULL) {
			for (k = 0; k < NFIELD; k++) {
				if (it[i].f[k].p == NULL)
					mbr_writer_null(g->hw, field_name[k]);
				else
					mbr_writer_field(g->hw,
					    slice(field_name[k]), it[i].f[k],
					    it[i].t[k]);
			}
			if (mbr_writer_end(g->hw, err) != MBR_OK)
				return err->code;
		}
		if (!it[i].count)
			continue;
		h = mbr_tab_upsert_h(g->hist, it[i].id, it[i].idn, it[i].h,
		    NULL);
		h->n += it[i].cap;
		h->cool |= it[i].cool;
	}
	return MBR_OK;
}

static const mbr_split_fns hfns = { sizeof(struct hitem), 0, nobegin, hmap,
	hcommit };

/* --history: the messages of each member in the cap's window, and this
 * campaign's in its cooldown; copied to --history-out.  Read as
 * mbr_split reads: a file on both threads. */
static int
read_history(struct cg *g, const char *path, mbr_err *err)
{
	static const char *const need[] = { "campaign_id", "member_id",
	    "send_at" };
	struct hctx hc;
	mbr_split *sp;
	mbr_reader *rd;
	mbr_rec rec;
	int r, rc, i;

	memset(&hc, 0, sizeof(hc));
	hc.g = g;
	hc.capfrom = g->now.t - g->cap_days * DAY;
	hc.coolfrom = g->now.t - g->cp->cooldown * DAY;
	if ((rc = mbr_side_open(g->c, &rd, path, need, hc.ix, 3, 3,
	    err)) != MBR_OK) {
		mbr_reader_free(rd);
		return rc;
	}
	for (i = 0; i < NFIELD; i++)
		hc.ix[i] = mbr_reader_col(rd, field_name[i],
		    strlen(field_name[i]));
	sp = mbr_split_new(&hfns, &hc, mbr_cli_threads(g->c), rd, g->run.rj);
	rc = MBR_OK;
	while (rc == MBR_OK &&
	    (r = mbr_reader_next(rd, &rec, err)) != MBR_READ_END)
		if (r == MBR_READ_FILE)
			rc = mbr_split_input(sp, err);
	mbr_split_free(sp);
	g->run.side += mbr_reader_count(rd);
	mbr_reader_free(rd);
	return err->code;
}

static int
is_word(mbr_slice s, const char *const *w, int n)
{
	int i;

	for (i = 0; i < n; i++)
		if (s.n == strlen(w[i]) && memcmp(s.p, w[i], s.n) == 0)
			return 1;
	return 0;
}

/* --ledger (tier_up) or --events (browse_no_buy): the latest row in
 * the trigger's window, per member. */
static int
read_trig(struct cg *g, mbr_err *err)
{
	static const char *const lneed[] = { "member_id", "ts", "type",
	    "tier" };
	static const char *const eneed[] = { "member_id", "ts", "event",
	    "sku", "category" };
	const mbr_campaign *cp = g->cp;
	int tier = cp->trig == MBR_TRIG_TIER_UP;
	const char *path = tier ? g->o->ledger : g->o->events;
	mbr_reader *rd;
	mbr_rec rec;
	int ix[5], r, rc, isnew;
	int64_t from, to;

	if (tier) {
		from = g->now.t - cp->window;
		to = g->now.t;
		rc = mbr_side_open(g->c, &rd, path, lneed, ix, 4, 3, err);
	} else {
		to = g->now.t - cp->n * 3600;
		from = to - cp->window;
		rc = mbr_side_open(g->c, &rd, path, eneed, ix, 5, 3, err);
	}
	if (rc != MBR_OK) {
		mbr_reader_free(rd);
		return rc;
	}
	while ((r = mbr_reader_next(rd, &rec, err)) != MBR_READ_END) {
		mbr_slice id, ts, ty;
		mbr_time t;
		struct trig *tr;

		if (r == MBR_READ_FILE)
			continue;
		if (rec.bad != NULL) {
			mbr_reject(g->run.rj, rd, &rec, rec.bad, rec.why);
			continue;
		}
		ty = fld(&rec, ix[2]);
		if (ty.p == NULL || (tier ? !mbr_slice_eq(ty, "tier_up", 7) :
		    !is_word(ty, (const char *const *)cp->events,
		    cp->nevents)))
			continue;
		if (tier && cp->ntiers > 0 && (fld(&rec, ix[3]).p == NULL ||
		    !is_word(fld(&rec, ix[3]), (const char *const *)cp->tiers,
		    cp->ntiers)))
			continue;
		id = fld(&rec, ix[0]);
		ts = fld(&rec, ix[1]);
		if (id.p == NULL) {
			mbr_reject(g->run.rj, rd, &rec, "missing member_id",
			    "member_id is missing");
			continue;
		}
		if (ts.p == NULL || parse_time(&t, ts, g->tz) != MBR_OK) {
			mbr_rejectf(g->run.rj, rd, &rec, "bad ts",
			    "ts \"%.*s\" is not a time", (int)ts.n,
			    ts.p != NULL ? ts.p : "");
			continue;
		}
		if (t.t <= from || t.t > to)
			continue;
		tr = mbr_tab_upsert(g->trig, id.p, id.n, &isnew);
		if (!isnew && t.t < tr->t.t)
			continue;
		tr->t = t;
		if (tier)
			tr->a = keep_str(g, rec.f[ix[3]].p ? rec.f[ix[3]].p :
			    "", rec.f[ix[3]].n);
		else {
			tr->a = keep_str(g, ty.p, ty.n);
			tr->b = keep_str(g, rec.f[ix[3]].p ? rec.f[ix[3]].p :
			    "", rec.f[ix[3]].n);
			tr->c = keep_str(g, rec.f[ix[4]].p ? rec.f[ix[4]].p :
			    "", rec.f[ix[4]].n);
		}
	}
	g->run.side += mbr_reader_count(rd);
	mbr_reader_free(rd);
	return err->code;
}

/* The lines of a text file (suppression, coupons): trimmed, blank
 * lines and # comments skipped; fn(ctx, line, number). */
static int
each_line(const char *path, mbr_buf *b, int (*fn)(struct cg *, mbr_slice,
    unsigned long, const char *, mbr_err *), struct cg *g, mbr_err *err)
{
	const char *p, *end, *nl;
	unsigned long line = 0;
	mbr_slice s;
	int rc;

	if ((rc = mbr_input_slurp(path, b, err)) != MBR_OK)
		return rc;
	for (p = b->p, end = b->p + b->n; p < end; p = nl + 1) {
		line++;
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		s.p = p;
		s.n = (size_t)(nl - p);
		mbr_trim(&s.p, &s.n);
		if (line == 1 && s.n >= 3 && memcmp(s.p, "\xef\xbb\xbf", 3) ==
		    0) {
			s.p += 3;
			s.n -= 3;
		}
		if (s.n == 0 || s.p[0] == '#')
			continue;
		if ((rc = fn(g, s, line, path, err)) != MBR_OK)
			return rc;
	}
	return MBR_OK;
}

static void
supp_add(struct cg *g, int kind, const char *p, size_t n)
{
	mbr_buf *b = &g->s0.tmp;

	mbr_buf_reset(b);
	mbr_buf_addc(b, kind);
	mbr_buf_add(b, p, n);
	mbr_tab_upsert(g->supp, b->p, b->n, NULL);
}

static int
supp_line(struct cg *g, mbr_slice s, unsigned long line, const char *path,
    mbr_err *err)
{
	mbr_slice v = s;
	mbr_err e;
	size_t i;
	int typed = 0;

	/* A list that is not text (a binary file, UTF-16) would suppress
	 * nobody, silently: it fails the run. */
	for (i = 0; i < s.n; i++)
		if ((unsigned char)s.p[i] < 0x20 && s.p[i] != '\t')
			break;
	if (i < s.n || mbr_utf8_check(s.p, s.n) != s.n) {
		mbr_err_set(err, MBR_EDATA, "not a line of text (a control "
		    "character or invalid UTF-8): is this a suppression "
		    "list?");
		mbr_err_at(err, path, line);
		return MBR_EDATA;
	}

	if (s.n > 6 && memcmp(s.p, "phone:", 6) == 0) {
		v.p += 6;
		v.n -= 6;
		typed = 'p';
	} else if (s.n > 6 && memcmp(s.p, "email:", 6) == 0) {
		v.p += 6;
		v.n -= 6;
		typed = 'e';
	}
	if (typed)
		supp_add(g, 'i', s.p, s.n);
	mbr_err_clear(&e);
	mbr_buf_reset(&g->s0.phone);
	if (typed != 'p' && memchr(v.p, '@', v.n) != NULL) {
		if (mbr_email_norm(&g->s0.phone, v.p, v.n, &e) == MBR_OK)
			supp_add(g, 'e', g->s0.phone.p, g->s0.phone.n);
		else if (!typed)
			supp_add(g, 'i', s.p, s.n);
	} else if (mbr_phone_norm(&g->s0.phone, v.p, v.n, g->o->cc, &e) ==
	    MBR_OK)
		supp_add(g, 'p', g->s0.phone.p, g->s0.phone.n);
	else if (!typed)
		supp_add(g, 'i', s.p, s.n);
	return MBR_OK;
}

static int
coupon_line(struct cg *g, mbr_slice s, unsigned long line, const char *path,
    mbr_err *err)
{
	unsigned long *first;
	int isnew;

	first = mbr_tab_upsert(g->members, s.p, s.n, &isnew);
	if (!isnew) {
		mbr_err_set(err, MBR_EDATA, "coupon code \"%.*s\" appears "
		    "twice (line %lu)", (int)s.n, s.p, *first);
		mbr_err_at(err, path, line);
		return MBR_EDATA;
	}
	*first = line;
	if (g->ncodes % 1024 == 0)
		g->codes = mbr_xrealloc(g->codes, (g->ncodes + 1024) *
		    sizeof(*g->codes));
	g->codes[g->ncodes++] = s;
	if (s.n > g->longest.n)
		g->longest = s;
	return MBR_OK;
}

static int
read_coupons(struct cg *g, mbr_err *err)
{
	int rc;

	/* The members table is free until the members come: it finds
	 * the codes given twice. */
	rc = each_line(g->o->coupons, &g->cbuf, coupon_line, g, err);
	mbr_tab_free(g->members);
	g->members = mbr_tab_new(sizeof(unsigned long));
	return rc;
}

static void
explain(struct cg *g, mbr_slice id, int reason, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void
explain(struct cg *g, mbr_slice id, int reason, const char *fmt, ...)
{
	struct expl *x;
	va_list ap;

	g->n_reason[reason]++;
	if (g->o->explain == NULL)
		return;
	if (g->nex == g->capex) {
		g->capex = g->capex ? g->capex * 2 : 1024;
		g->ex = mbr_xrealloc(g->ex, g->capex * sizeof(*g->ex));
	}
	x = &g->ex[g->nex++];
	x->id = keep_str(g, id.p, id.n);
	x->reason = reason;
	mbr_buf_reset(&g->s0.tmp);
	va_start(ap, fmt);
	mbr_buf_vaddf(&g->s0.tmp, fmt, ap);
	va_end(ap);
	x->detail = mbr_arena_strndup(g->ar, g->s0.tmp.p, g->s0.tmp.n);
}

/* judge's verdict of not sending: the reason, the detail in s->tmp. */
static void
s_explain(struct sl *s, int reason, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
s_explain(struct sl *s, int reason, const char *fmt, ...)
{
	va_list ap;

	s->out = O_EXPLAIN;
	s->reason = reason;
	mbr_buf_reset(&s->tmp);
	va_start(ap, fmt);
	mbr_buf_vaddf(&s->tmp, fmt, ap);
	va_end(ap);
}

/* judge's reject, held until the record's turn comes (a duplicate is
 * found only then, and goes first). */
static void
s_reject(struct sl *s, const mbr_reader *rd, const mbr_rec *rec,
    const char *reason, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

static void
s_reject(struct sl *s, const mbr_reader *rd, const mbr_rec *rec,
    const char *reason, const char *fmt, ...)
{
	va_list ap;

	s->out = O_REJECT;
	mbr_buf_reset(&s->tmp);
	va_start(ap, fmt);
	mbr_buf_vaddf(&s->tmp, fmt, ap);
	va_end(ap);
	mbr_buf_reset(&s->held);
	mbr_reject_hold(s->g->run.rj, &s->held, rd, rec, reason, s->tmp.p);
}

/* A consent field: C_YES, C_NO, C_UNKNOWN, or -1 for a value that is
 * neither. */
static int
consent(mbr_slice s)
{
	/* By length, so that a member's two or three consents cost a
	 * compare or two, not a search of both lists. */
	static const struct {
		const char	*w;
		int		 v;
	} words[] = { { "y", C_YES }, { "1", C_YES }, { "n", C_NO },
	    { "0", C_NO }, { "no", C_NO }, { "yes", C_YES }, { "true", C_YES },
	    { "false", C_NO }, { "opt-in", C_YES }, { "opt-out", C_NO } };
	char low[8];
	size_t i;

	if (s.p == NULL)
		return C_UNKNOWN;
	if (s.n >= sizeof(low))
		return -1;
	for (i = 0; i < s.n; i++)
		low[i] = (char)(s.p[i] >= 'A' && s.p[i] <= 'Z' ? s.p[i] + 32 :
		    s.p[i]);
	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (strlen(words[i].w) == s.n &&
		    memcmp(low, words[i].w, s.n) == 0)
			return words[i].v;
	return -1;
}

/* The member's address on channel ch, normalised; p NULL: none. */
static mbr_slice
address(struct sl *s, int ch)
{
	if (ch == MBR_CH_SMS || ch == MBR_CH_CALL)
		return s->phone.n > 0 ? (mbr_slice){ s->phone.p, s->phone.n } :
		    (mbr_slice){ NULL, 0 };
	if (ch == MBR_CH_EMAIL)
		return s->email.n > 0 ? (mbr_slice){ s->email.p, s->email.n } :
		    (mbr_slice){ NULL, 0 };
	return val(s, s->g->c_addr[ch]);
}

/* t moved out of ch's quiet hours in zone tz: the first minute after
 * them. */
static int64_t
unquiet(const mbr_cchan *ch, mbr_tz *tz, int64_t t)
{
	int64_t local, sod, day0, L;

	if (!ch->quiet)
		return t;
	local = t + mbr_tz_offset_at(tz, t);
	sod = ((local % DAY) + DAY) % DAY;
	day0 = local - sod;
	if (ch->quiet_from < ch->quiet_to) {
		if (sod < ch->quiet_from || sod >= ch->quiet_to)
			return t;
		L = day0 + ch->quiet_to;
	} else {
		if (sod >= ch->quiet_to && sod < ch->quiet_from)
			return t;
		L = day0 + ch->quiet_to + (sod >= ch->quiet_from ? DAY : 0);
	}
	return L - mbr_tz_offset_local(tz, L);
}

static mbr_time
shown(int64_t t, mbr_tz *tz)
{
	return (mbr_time){ t, mbr_tz_offset_at(tz, t) };
}

/* Makes text t for the member in s->v (the program's own fields set
 * here) into s->txt. */
static void
render(struct sl *s, const mbr_tmpl *t, const mbr_cchan *ch, mbr_time at,
    mbr_slice coupon)
{
	const struct cg *g = s->g;
	mbr_slice *f = s->v;
	uint8_t *ft = s->vt;
	char ts[MBR_TIME_MAX + 1];
	size_t n = mbr_time_fmt(ts, at);

	f[S_CAMPAIGN] = slice(g->cp->id);
	f[S_CHANNEL] = slice(mbr_channel_name[ch->ch]);
	f[S_COUPON] = coupon;
	f[S_SEND_AT] = (mbr_slice){ ts, n };
	ft[S_CAMPAIGN] = ft[S_CHANNEL] = ft[S_COUPON] = ft[S_SEND_AT] =
	    MBR_V_STR;
	mbr_buf_reset(&s->txt);
	if (t != NULL)
		mbr_tmpl_render(t, f, ft, &s->txt);
	f[S_SEND_AT] = (mbr_slice){ NULL, 0 };
}

/* What a message on ch costs, and its parts when an SMS. */
static int
message_check(struct sl *s, const mbr_cchan *ch, mbr_time at,
    mbr_slice variant, int64_t *cost, unsigned *parts)
{
	const struct cg *g = s->g;
	mbr_tmpl *t = mbr_campaign_text(g->cp, ch, variant.p, variant.n);
	mbr_sms_info si;

	*parts = 0;
	if (t == NULL && ch->ndata == 0)
		return -1;
	if (ch->ch == MBR_CH_SMS && (g->o->max_sms_parts > 0 ||
	    ch->cost > 0)) {
		render(s, t, ch, at, g->longest);
		mbr_sms_count(s->txt.p, s->txt.n, &si);
		*parts = si.parts;
		*cost += ch->cost * si.parts;
	} else
		*cost += ch->cost;
	return 0;
}

/* Keeps candidate k, whose strings are in its chunk, in the arena. */
static void
add_cand(struct cg *g, const struct cand *k)
{
	struct cand *c;
	size_t i, n = g->ntcols + g->nkeep;

	if (g->ncand == g->capcand) {
		g->capcand = g->capcand ? g->capcand * 2 : 1024;
		g->cand = mbr_xrealloc(g->cand, g->capcand * sizeof(*g->cand));
	}
	c = &g->cand[g->ncand++];
	*c = *k;
	c->id = keep_str(g, k->id.p, k->id.n);
	c->addr = keep_str(g, k->addr.p, k->addr.n);
	if (k->fu != NULL)
		c->fuaddr = keep_str(g, k->fuaddr.p, k->fuaddr.n);
	if (k->variant.p != NULL)
		c->variant = keep_str(g, k->variant.p, k->variant.n);
	c->vals = mbr_arena_alloc(g->ar, n * sizeof(*c->vals) + 1);
	c->types = mbr_arena_alloc(g->ar, n + 1);
	for (i = 0; i < n; i++) {
		if (k->vals[i].p != NULL)
			c->vals[i] = keep_str(g, k->vals[i].p, k->vals[i].n);
		c->types[i] = k->types[i];
	}
	c->keep = c->vals + g->ntcols;
	c->ktypes = c->types + g->ntcols;
}

/* Whether the member in s->v is triggered (SELECTION, 2). */
static int
triggered(struct sl *s, mbr_tz *mz, int64_t today, const mbr_time *last,
    const mbr_time *signup, int64_t bday, int has_bday)
{
	const struct cg *g = s->g;
	const mbr_campaign *cp = g->cp;
	int64_t y;
	unsigned m, d, md;
	struct trig *tr;
	mbr_slice id = val(s, g->c_id);

	switch (cp->trig) {
	case MBR_TRIG_BATCH:
		return 1;
	case MBR_TRIG_INACTIVE:
		return last != NULL && today - day_of(last->t, mz) == cp->n;
	case MBR_TRIG_SIGNUP:
		return signup != NULL && g->now.t - signup->t >= cp->n * 3600 &&
		    g->now.t - signup->t < cp->n * 3600 + DAY &&
		    (last == NULL || last->t < signup->t);
	case MBR_TRIG_BIRTHDAY:
		return has_bday && mbr_birthday_days(today, bday) == cp->n;
	case MBR_TRIG_MEMBER_DAY:
		mbr_civil_from_days(today, &y, &m, &d);
		md = (unsigned)(mbr_days_from_civil(m == 12 ? y + 1 : y,
		    m == 12 ? 1 : m + 1, 1) - mbr_days_from_civil(y, m, 1));
		return d == cp->n || (cp->n > md && d == md);
	case MBR_TRIG_TIER_UP:
		return mbr_tab_get(g->trig, id.p, id.n) != NULL;
	case MBR_TRIG_BROWSE:
		tr = mbr_tab_get(g->trig, id.p, id.n);
		return tr != NULL && (last == NULL || last->t < tr->t.t);
	}
	return 0;
}

static void
set_trig_fields(struct sl *s, mbr_slice id)
{
	const struct cg *g = s->g;
	struct trig *tr;
	int i;

	for (i = S_TRIG_TS; i <= S_TRIG_CAT; i++) {
		s->v[i] = (mbr_slice){ NULL, 0 };
		s->vt[i] = MBR_V_ABSENT;
	}
	if (g->trig == NULL || (tr = mbr_tab_get(g->trig, id.p, id.n)) == NULL)
		return;
	s->v[S_TRIG_TS] = (mbr_slice){ s->ts, mbr_time_fmt(s->ts, tr->t) };
	if (g->cp->trig == MBR_TRIG_TIER_UP)
		s->v[S_TRIG_TIER] = tr->a;
	else {
		s->v[S_TRIG_EVENT] = tr->a;
		s->v[S_TRIG_SKU] = tr->b;
		s->v[S_TRIG_CAT] = tr->c;
	}
	for (i = S_TRIG_TS; i <= S_TRIG_CAT; i++)
		s->vt[i] = MBR_V_STR;
}

static mbr_tz *
member_zone(struct cg *g, mbr_slice z, int *bad)
{
	struct zone *zp;
	char name[128];
	mbr_err e;
	int isnew;

	*bad = 0;
	if (z.p == NULL)
		return g->tz;
	pthread_mutex_lock(&g->zmu);
	zp = mbr_tab_upsert(g->zones, z.p, z.n, &isnew);
	if (isnew && z.n < sizeof(name)) {
		memcpy(name, z.p, z.n);
		name[z.n] = '\0';
		mbr_err_clear(&e);
		if (mbr_tz_open(&zp->tz, name, &e) != MBR_OK)
			zp->tz = NULL;
	}
	if (zp->tz == NULL)
		*bad = 1;
	pthread_mutex_unlock(&g->zmu);
	return zp->tz;
}

/* One member record, in s->v, judged on any thread: s->out says
 * whether it is a reject (held in s->held), outside the audience or
 * not triggered, explained (s->reason, the detail in s->tmp), or a
 * candidate (s->k).  Whether the member_id came before is for the
 * commit, in input order. */
static void
judge(struct sl *sl, const mbr_reader *rd, const mbr_rec *rec)
{
	struct cg *g = sl->g;
	const mbr_campaign *cp = g->cp;
	mbr_slice id, s, variant;
	mbr_time last, signup, bt;
	int has_last = 0, has_signup = 0, has_bday = 0, bad, i, j;
	int cons[MBR_NCHAN], any_addr, nochan;
	int64_t today, bday = 0;
	struct cand k;
	struct hist *h;
	mbr_tz *mz;
	uint32_t num, den;
	unsigned p1 = 0, p2 = 0;
	mbr_err e;
	char why[160] = "";

	sl->out = O_OUT;
	sl->in_aud = sl->in_trig = 0;
	id = val(sl, g->c_id);
	if (id.p == NULL) {
		s_reject(sl, rd, rec, "missing member_id",
		    "member_id is missing");
		return;
	}
	for (i = 0; i < (int)g->o->njoin; i++) {
		struct jrec **jp = mbr_tab_get(g->join[i], id.p, id.n);

		if (jp == NULL)
			continue;
		for (j = 0; j < (int)(*jp)->n; j++) {
			struct jfield *f = &(*jp)->f[j];

			/* An empty cell is no value: a profile's empty
			 * app_token column must not hide the app's. */
			if (sl->v[f->col].p == NULL || sl->v[f->col].n == 0)
				sl_set(sl, f->col, f->v, f->type);
		}
	}
	s = val(sl, g->c_tz);
	mz = member_zone(g, s, &bad);
	if (bad) {
		s_reject(sl, rd, rec, "bad tz", "tz \"%.*s\" is not a "
		    "known time zone", (int)s.n, s.p);
		return;
	}
	for (i = 0; i < MBR_NCHAN; i++) {
		cons[i] = C_UNKNOWN;
		if (!g->chan_used[i])
			continue;
		s = val(sl, g->c_consent[i]);
		if ((cons[i] = consent(s)) < 0) {
			s_reject(sl, rd, rec, "bad consent", "%s \"%.*s\" "
			    "is not yes or no", mbr_channel_consent[i],
			    (int)s.n, s.p);
			return;
		}
	}
	/* The fields the trigger reads. */
	if (cp->trig == MBR_TRIG_INACTIVE || cp->trig == MBR_TRIG_SIGNUP ||
	    cp->trig == MBR_TRIG_BROWSE) {
		s = val(sl, g->c_last);
		if (s.p != NULL && parse_time(&last, s, mz) != MBR_OK) {
			s_reject(sl, rd, rec, "bad last_order_ts",
			    "last_order_ts \"%.*s\" is not a time", (int)s.n,
			    s.p);
			return;
		}
		has_last = s.p != NULL;
	}
	if (cp->trig == MBR_TRIG_SIGNUP) {
		s = val(sl, g->c_signup);
		if (s.p != NULL && parse_time(&signup, s, mz) != MBR_OK) {
			s_reject(sl, rd, rec, "bad signup_ts",
			    "signup_ts \"%.*s\" is not a time", (int)s.n, s.p);
			return;
		}
		has_signup = s.p != NULL;
	}
	if (cp->trig == MBR_TRIG_BIRTHDAY) {
		s = val(sl, g->c_bday);
		if (s.p != NULL && parse_time(&bt, s, mz) != MBR_OK) {
			s_reject(sl, rd, rec, "bad birthday",
			    "birthday \"%.*s\" is not a date", (int)s.n, s.p);
			return;
		}
		if ((has_bday = s.p != NULL))
			bday = mbr_time_day(bt);
	}
	memset(&k, 0, sizeof(k));
	if (g->budget) {
		s = val(sl, g->c_prio);
		if (s.p != NULL && !mbr_xval_num(&k.prio, s.p, s.n)) {
			s_reject(sl, rd, rec, "bad priority", "%s \"%.*s\" "
			    "is not a number", g->o->priority ?
			    g->o->priority : "monetary", (int)s.n, s.p);
			return;
		}
		k.has_prio = s.p != NULL;
	}
	set_trig_fields(sl, id);
	if (sl->aud >= 0 && !mbr_expr_test(sl->x, sl->aud, sl->v, sl->vt))
		return;
	sl->in_aud = 1;
	today = day_of(g->now.t, mz);
	if (!triggered(sl, mz, today, has_last ? &last : NULL, has_signup ?
	    &signup : NULL, bday, has_bday))
		return;
	sl->in_trig = 1;

	/* Suppression: the member_id, the phone or the e-mail. */
	mbr_buf_reset(&sl->phone);
	mbr_buf_reset(&sl->email);
	/* A member known only from orders has no phone field, but an id
	 * "phone:+86..." that is one. */
	s = val(sl, g->c_phone);
	if (s.p == NULL && id.n > 6 && memcmp(id.p, "phone:", 6) == 0)
		s = (mbr_slice){ id.p + 6, id.n - 6 };
	mbr_err_clear(&e);
	if (s.p != NULL && mbr_phone_norm(&sl->phone, s.p, s.n, g->o->cc,
	    &e) != MBR_OK)
		mbr_buf_reset(&sl->phone);
	s = val(sl, g->c_email);
	if (s.p == NULL && id.n > 6 && memcmp(id.p, "email:", 6) == 0)
		s = (mbr_slice){ id.p + 6, id.n - 6 };
	if (s.p != NULL && mbr_email_norm(&sl->email, s.p, s.n, &e) != MBR_OK)
		mbr_buf_reset(&sl->email);
	if (g->supp != NULL) {
		const char *what = NULL;

		mbr_buf_reset(&sl->tmp);
		mbr_buf_addc(&sl->tmp, 'i');
		mbr_buf_add(&sl->tmp, id.p, id.n);
		if (mbr_tab_get(g->supp, sl->tmp.p, sl->tmp.n) != NULL)
			what = "member_id";
		if (what == NULL && sl->phone.n > 0) {
			mbr_buf_reset(&sl->tmp);
			mbr_buf_addc(&sl->tmp, 'p');
			mbr_buf_add(&sl->tmp, sl->phone.p, sl->phone.n);
			if (mbr_tab_get(g->supp, sl->tmp.p, sl->tmp.n) != NULL)
				what = "phone";
		}
		if (what == NULL && sl->email.n > 0) {
			mbr_buf_reset(&sl->tmp);
			mbr_buf_addc(&sl->tmp, 'e');
			mbr_buf_add(&sl->tmp, sl->email.p, sl->email.n);
			if (mbr_tab_get(g->supp, sl->tmp.p, sl->tmp.n) != NULL)
				what = "email";
		}
		if (what != NULL) {
			s_explain(sl, R_SUPPRESSED, "%s on a suppression "
			    "list", what);
			return;
		}
	}
	if (g->o->global_holdout >= 0) {
		const char *seed = g->o->global_seed ? g->o->global_seed :
		    GLOBAL_SEED;

		mbr_gb_hash(seed, strlen(seed), id.p, id.n, 2, &num, &den);
		if (num < (uint32_t)g->o->global_holdout) {
			s_explain(sl, R_GHOLD, "hash %.4f below %d.%02d%%",
			    num / (double)den, g->o->global_holdout / 100,
			    g->o->global_holdout % 100);
			return;
		}
	}

	/* The first channel with an address and consent. */
	any_addr = 0;
	nochan = 1;
	for (i = 0; i < cp->nchan; i++) {
		const mbr_cchan *ch = &cp->chan[i];

		s = address(sl, ch->ch);
		if (s.p == NULL)
			continue;
		if (cons[ch->ch] == C_YES || (cons[ch->ch] == C_UNKNOWN &&
		    ch->optout)) {
			k.ch = ch;
			k.addr = s;
			nochan = 0;
			break;
		}
		if (!any_addr) {
			mbr_slice cv = val(sl, g->c_consent[ch->ch]);

			snprintf(why, sizeof(why), "%s %.*s",
			    mbr_channel_consent[ch->ch], cv.p ? (int)cv.n : 5,
			    cv.p ? cv.p : "empty");
		}
		any_addr = 1;
	}
	if (nochan) {
		if (any_addr)
			s_explain(sl, R_NO_CONSENT, "%s", why);
		else
			s_explain(sl, R_UNREACHABLE, "no address for any "
			    "channel");
		return;
	}
	if (k.ch->follow != NULL) {
		const mbr_cchan *fu = k.ch->follow;

		s = address(sl, fu->ch);
		if (s.p != NULL && (cons[fu->ch] == C_YES ||
		    (cons[fu->ch] == C_UNKNOWN && fu->optout))) {
			k.fu = fu;
			k.fuaddr = s;
		} else
			k.fu_lost = 1;
	}
	h = g->hist != NULL ? mbr_tab_get(g->hist, id.p, id.n) : NULL;
	if (h != NULL && h->cool) {
		s_explain(sl, R_COOLDOWN, "sent %s in the last %lld days",
		    cp->id, (long long)cp->cooldown);
		return;
	}
	if (g->cap_n > 0 && (h != NULL ? h->n : 0) + 1 + (k.fu != NULL) >
	    g->cap_n) {
		uint32_t had = h != NULL ? h->n : 0;

		s_explain(sl, R_CAPPED, "%u message%s in %lld days (cap "
		    "%lld%s)", had, had == 1 ? "" : "s",
		    (long long)g->cap_days, (long long)g->cap_n, k.fu != NULL ?
		    "; this send is 2 with its follow-up" : "");
		return;
	}

	/* When, and the text. */
	k.at = shown(unquiet(k.ch, mz, g->now.t), mz);
	if (k.fu != NULL)
		k.fuat = shown(unquiet(k.fu, mz, k.at.t + k.fu->delay), mz);
	variant = val(sl, g->c_variant);
	k.variant = variant;
	if (message_check(sl, k.ch, k.at, variant, &k.cost, &p1) != 0 ||
	    (k.fu != NULL && message_check(sl, k.fu, k.fuat, variant, &k.cost,
	    &p2) != 0)) {
		s_reject(sl, rd, rec, "no message", "variant \"%.*s\" has "
		    "no message", (int)variant.n, variant.p ? variant.p : "");
		return;
	}
	if (g->o->max_sms_parts > 0 && (p1 > (unsigned)g->o->max_sms_parts ||
	    p2 > (unsigned)g->o->max_sms_parts)) {
		s_reject(sl, rd, rec, "sms too long", "an SMS of %u parts, "
		    "over --max-sms-parts %d", p1 > p2 ? p1 : p2,
		    g->o->max_sms_parts);
		return;
	}
	if (g->o->holdout >= 0) {
		mbr_gb_hash(cp->id, strlen(cp->id), id.p, id.n, 2, &num, &den);
		if (num < (uint32_t)g->o->holdout) {
			s_explain(sl, R_HOLDOUT, "hash %.4f below %d.%02d%%",
			    num / (double)den, g->o->holdout / 100,
			    g->o->holdout % 100);
			sl->out = O_HOLD;
			return;
		}
	}
	if (cp->send_window >= 0 && k.at.t - g->now.t > cp->send_window) {
		char ts[MBR_TIME_MAX + 1];

		mbr_time_fmt(ts, k.at);
		s_explain(sl, R_QUIET, "quiet hours until %s", ts);
		return;
	}
	k.id = id;
	sl->k = k;
	sl->out = O_CAND;
}

/* qsort, which may not be given a NULL array even for no elements. */
static void
sort(void *p, size_t n, size_t size, int (*cmp)(const void *, const void *))
{
	if (n > 1)
		qsort(p, n, size, cmp);
}

static int
prio_cmp(const void *a, const void *b)
{
	const struct cand *x = a, *y = b;
	size_t n;
	int c;

	if (x->has_prio != y->has_prio)
		return x->has_prio ? -1 : 1;
	if (x->has_prio && (c = mbr_xval_numcmp(&y->prio, &x->prio)) != 0)
		return c;
	n = x->id.n < y->id.n ? x->id.n : y->id.n;
	if ((c = memcmp(x->id.p, y->id.p, n)) != 0)
		return c;
	return (x->id.n > y->id.n) - (x->id.n < y->id.n);
}

static int
id_cmp(mbr_slice a, mbr_slice b)
{
	size_t n = a.n < b.n ? a.n : b.n;
	int c = memcmp(a.p, b.p, n);

	return c != 0 ? c : (a.n > b.n) - (a.n < b.n);
}

static int
cand_cmp(const void *a, const void *b)
{
	const struct cand *x = a, *y = b;

	if (x->at.t != y->at.t)
		return x->at.t < y->at.t ? -1 : 1;
	return id_cmp(x->id, y->id);
}

static int
row_cmp(const void *a, const void *b)
{
	const struct row *x = a, *y = b;
	int c;

	if (x->at.t != y->at.t)
		return x->at.t < y->at.t ? -1 : 1;
	if ((c = id_cmp(x->k->id, y->k->id)) != 0)
		return c;
	return x->fu - y->fu;
}

static int
expl_cmp(const void *a, const void *b)
{
	const struct expl *x = a, *y = b;

	return id_cmp(x->id, y->id);
}

static int
slice_cmp(const void *a, const void *b)
{
	return id_cmp(*(const mbr_slice *)a, *(const mbr_slice *)b);
}

/* Declares a CSV output's header, so that an empty one still has it. */
static void
header(mbr_writer *w, const char *const *names, size_t n,
    const char *const *more, size_t nmore)
{
	mbr_slice h[NFIELD + 64];
	size_t i, k = 0;

	for (i = 0; i < n; i++)
		h[k++] = slice(names[i]);
	for (i = 0; i < nmore && k < sizeof(h) / sizeof(h[0]); i++)
		h[k++] = slice(more[i]);
	mbr_writer_header(w, h, k);
}

/* Cost as a decimal of at most 4 places, trailing zeros dropped. */
static void
cost_fmt(char *buf, size_t n, int64_t c)
{
	int len;

	len = snprintf(buf, n, "%lld.%04lld", (long long)(c / 10000),
	    (long long)(c % 10000));
	while (len > 0 && buf[len - 1] == '0')
		buf[--len] = '\0';
	if (len > 0 && buf[len - 1] == '.')
		buf[--len] = '\0';
}

/* A send-list row of candidate k (its follow-up when fu). */
static int
write_row(struct cg *g, mbr_writer *w, mbr_writer *pw, const struct row *r,
    int keep, mbr_err *err)
{
	const struct cand *k = r->k;
	const mbr_cchan *ch = r->fu ? k->fu : k->ch;
	mbr_slice addr = r->fu ? k->fuaddr : k->addr;
	mbr_tmpl *t = mbr_campaign_text(g->cp, ch, k->variant.p, k->variant.n);
	char ts[MBR_TIME_MAX + 1], parts[16];
	mbr_sms_info si;
	struct sl *s = &g->s0;
	size_t i;

	sl_clear(s);
	for (i = 0; i < g->ntcols; i++) {
		s->v[g->tcols[i]] = k->vals[i];
		s->vt[g->tcols[i]] = k->types[i];
	}
	render(s, t, ch, r->at, k->coupon);
	mbr_writer_cstr(w, "campaign_id", g->cp->id);
	mbr_writer_str(w, "member_id", k->id.p, k->id.n);
	mbr_writer_cstr(w, "channel", mbr_channel_name[ch->ch]);
	mbr_writer_str(w, "address", addr.p, addr.n);
	mbr_writer_field(w, slice("send_at"), (mbr_slice){ ts,
	    mbr_time_fmt(ts, r->at) }, MBR_V_PLAIN);
	mbr_writer_str(w, "message", s->txt.p, s->txt.n);
	if (ch->ch == MBR_CH_SMS) {
		mbr_sms_count(s->txt.p, s->txt.n, &si);
		snprintf(parts, sizeof(parts), "%u", si.parts);
		mbr_writer_field(w, slice("sms_parts"), slice(parts),
		    MBR_V_NUM);
	} else
		mbr_writer_null(w, "sms_parts");
	if (k->coupon.p != NULL)
		mbr_writer_str(w, "coupon_code", k->coupon.p, k->coupon.n);
	else
		mbr_writer_null(w, "coupon_code");
	if (k->variant.p != NULL)
		mbr_writer_str(w, "variant", k->variant.p, k->variant.n);
	else
		mbr_writer_null(w, "variant");
	for (i = 0; keep && i < g->nkeep; i++) {
		if (k->keep[i].p != NULL)
			mbr_writer_field(w, slice(g->knames[i]), k->keep[i],
			    k->ktypes[i]);
		else
			mbr_writer_null(w, g->knames[i]);
	}
	if (mbr_writer_end(w, err) != MBR_OK)
		return MBR_EDATA;
	if (pw != NULL && ch->ch == MBR_CH_WECHAT && ch->template_id != NULL) {
		json_t *d = json_object();
		char *dump;
		int j;

		for (j = 0; j < ch->ndata; j++) {
			render(s, ch->data[j], ch, r->at, k->coupon);
			json_object_set_new(d, ch->data_key[j],
			    json_pack("{s:s%}", "value", s->txt.p, s->txt.n));
		}
		mbr_writer_str(pw, "touser", addr.p, addr.n);
		mbr_writer_cstr(pw, "template_id", ch->template_id);
		if (ch->url != NULL) {
			render(s, ch->url, ch, r->at, k->coupon);
			mbr_writer_str(pw, "url", s->txt.p, s->txt.n);
		}
		dump = json_dumps(d, JSON_COMPACT);
		if (dump == NULL)
			mbr_nomem(0);
		mbr_writer_field(pw, slice("data"), slice(dump), MBR_V_RAW);
		json_decref(d);
		if (mbr_writer_end(pw, err) != MBR_OK) {
			free(dump);
			return MBR_EDATA;
		}
		free(dump);
	}
	return MBR_OK;
}

/* Budget, coupons, the sort, and every output. */
static int
finish(struct cg *g, mbr_err *err)
{
	static const char *const enames[] = { "campaign_id", "member_id",
	    "reason", "detail" };
	static const char *const hnames[] = { "experiment", "member_id",
	    "variant", "assigned_at" };
	const mbr_sendlist_opts *o = g->o;
	struct cand *k;
	struct row *rows;
	size_t i, n = g->ncand, nrows = 0, sent;
	int64_t spent = 0;
	mbr_writer *ew = NULL, *hw = NULL, *pw = NULL;
	mbr_output *co = NULL;
	int fmt = mbr_writer_format(g->run.w), rc = MBR_OK;
	uint64_t need;
	char buf[64];

	/* Budget: by priority; the first who does not fit ends it. */
	if (g->budget) {
		sort(g->cand, n, sizeof(*g->cand), prio_cmp);
		for (i = 0; i < n; i++) {
			k = &g->cand[i];
			if ((o->max_recipients >= 0 &&
			    (int64_t)i >= o->max_recipients) ||
			    (o->max_cost >= 0 && spent + k->cost >
			    o->max_cost))
				break;
			spent += k->cost;
		}
		for (sent = i; i < n; i++)
			explain(g, g->cand[i].id, R_BUDGET, "%s",
			    o->max_recipients >= 0 && (int64_t)sent >=
			    o->max_recipients ? "--max-recipients reached" :
			    "--max-cost reached");
		n = sent;
	} else
		for (i = 0; i < n; i++)
			spent += g->cand[i].cost;
	sort(g->cand, n, sizeof(*g->cand), cand_cmp);
	need = o->coupons != NULL ? n : 0;
	if (o->coupons != NULL && n > g->ncodes &&
	    (o->coupons_skip || !o->dry_run)) {
		if (!o->coupons_skip) {
			mbr_err_set(err, MBR_EDATA, "--coupons: %llu codes "
			    "needed, %zu in %s", (unsigned long long)n,
			    g->ncodes, o->coupons);
			return MBR_EDATA;
		}
		for (i = g->ncodes; i < n; i++) {
			spent -= g->cand[i].cost;
			explain(g, g->cand[i].id, R_COUPONS, "%zu codes for "
			    "%llu recipients", g->ncodes,
			    (unsigned long long)need);
		}
		n = g->ncodes;
	}
	for (i = 0; i < n; i++) {
		g->n_chan[g->cand[i].ch->ch]++;
		g->n_fu_unreach += g->cand[i].fu_lost;
		if (o->coupons != NULL && i < g->ncodes)
			g->cand[i].coupon = g->codes[i];
	}
	if (o->dry_run) {
		static const char *const names[] = { "members", "audience",
		    "triggered", "sent" };
		uint64_t v[4], fus = 0;
		static const char *const cnames[] = { "campaign_id",
		    "measure", "count" };
		mbr_writer *w = g->run.w;
		char m[64];
		int j;

		header(w, cnames, 3, NULL, 0);
		for (i = 0; i < n; i++)
			fus += g->cand[i].fu != NULL;
		v[0] = mbr_reader_count(g->run.rd);
		v[1] = g->n_audience;
		v[2] = g->n_trig;
		v[3] = n;
#define COUNT(name, val) do {						\
	mbr_writer_cstr(w, "campaign_id", g->cp->id);			\
	mbr_writer_cstr(w, "measure", (name));				\
	mbr_writer_field(w, slice("count"), slice(val), MBR_V_NUM);	\
	if ((rc = mbr_writer_end(w, err)) != MBR_OK)			\
		return rc;						\
} while (0)
		for (j = 0; j < 4; j++) {
			snprintf(buf, sizeof(buf), "%llu",
			    (unsigned long long)v[j]);
			COUNT(names[j], buf);
		}
		for (j = 0; j < g->cp->nchan; j++) {
			snprintf(m, sizeof(m), "sent.%s",
			    mbr_channel_name[g->cp->chan[j].ch]);
			snprintf(buf, sizeof(buf), "%llu", (unsigned long long)
			    g->n_chan[g->cp->chan[j].ch]);
			COUNT(m, buf);
		}
		for (j = 0; j < NREASON; j++) {
			snprintf(m, sizeof(m), "not_sent.%s", reason_name[j]);
			snprintf(buf, sizeof(buf), "%llu",
			    (unsigned long long)g->n_reason[j]);
			COUNT(m, buf);
		}
		snprintf(buf, sizeof(buf), "%llu", (unsigned long long)(n +
		    fus));
		COUNT("rows", buf);
		snprintf(buf, sizeof(buf), "%llu",
		    (unsigned long long)g->n_fu_unreach);
		COUNT("follow_ups_unreachable", buf);
		cost_fmt(buf, sizeof(buf), spent);
		COUNT("cost", buf);
		snprintf(buf, sizeof(buf), "%llu", (unsigned long long)need);
		COUNT("coupons_needed", buf);
#undef COUNT
		return MBR_OK;
	}

	/* The rows, in send-list order. */
	rows = mbr_xcalloc(2 * n + 1, sizeof(*rows));
	for (i = 0; i < n; i++) {
		rows[nrows++] = (struct row){ g->cand[i].at, &g->cand[i], 0 };
		if (g->cand[i].fu != NULL)
			rows[nrows++] = (struct row){ g->cand[i].fuat,
			    &g->cand[i], 1 };
	}
	sort(rows, nrows, sizeof(*rows), row_cmp);
	if (o->payload_wechat != NULL)
		rc = mbr_writer_open(&pw, o->payload_wechat, MBR_FMT_NDJSON,
		    g->c->gzip, 0, err);
	header(g->run.w, field_name, NFIELD, g->knames, g->nkeep);
	for (i = 0; rc == MBR_OK && i < nrows; i++)
		rc = write_row(g, g->run.w, pw, &rows[i], 1, err);
	for (i = 0; rc == MBR_OK && g->hw != NULL && i < nrows; i++)
		rc = write_row(g, g->hw, NULL, &rows[i], 0, err);
	free(rows);
	if (pw != NULL && mbr_writer_close(pw, err) != MBR_OK && rc == MBR_OK)
		rc = err->code;
	if (rc != MBR_OK)
		return rc;
	if (o->explain != NULL) {
		if ((rc = mbr_writer_open(&ew, o->explain, fmt, g->c->gzip, 0,
		    err)) != MBR_OK)
			return rc;
		header(ew, enames, 4, NULL, 0);
		sort(g->ex, g->nex, sizeof(*g->ex), expl_cmp);
		for (i = 0; rc == MBR_OK && i < g->nex; i++) {
			mbr_writer_cstr(ew, "campaign_id", g->cp->id);
			mbr_writer_str(ew, "member_id", g->ex[i].id.p,
			    g->ex[i].id.n);
			mbr_writer_cstr(ew, "reason",
			    reason_name[g->ex[i].reason]);
			mbr_writer_cstr(ew, "detail", g->ex[i].detail);
			rc = mbr_writer_end(ew, err);
		}
		if (mbr_writer_close(ew, rc == MBR_OK ? err :
		    &(mbr_err){ 0 }) != MBR_OK && rc == MBR_OK)
			rc = err->code;
	}
	if (rc == MBR_OK && o->holdout_out != NULL) {
		char ts[MBR_TIME_MAX + 1];

		mbr_time_fmt(ts, g->now);
		if ((rc = mbr_writer_open(&hw, o->holdout_out, fmt, g->c->gzip,
		    0, err)) != MBR_OK)
			return rc;
		header(hw, hnames, 4, NULL, 0);
		sort(g->hold, g->nhold, sizeof(*g->hold), slice_cmp);
		for (i = 0; rc == MBR_OK && i < g->nhold; i++) {
			mbr_writer_cstr(hw, "experiment", g->cp->id);
			mbr_writer_str(hw, "member_id", g->hold[i].p,
			    g->hold[i].n);
			mbr_writer_cstr(hw, "variant", "holdout");
			mbr_writer_field(hw, slice("assigned_at"), slice(ts),
			    MBR_V_PLAIN);
			rc = mbr_writer_end(hw, err);
		}
		if (mbr_writer_close(hw, rc == MBR_OK ? err :
		    &(mbr_err){ 0 }) != MBR_OK && rc == MBR_OK)
			rc = err->code;
	}
	if (rc == MBR_OK && o->coupons_out != NULL) {
		if ((rc = mbr_output_open(&co, o->coupons_out, MBR_OUT_ATOMIC |
		    (g->c->gzip ? MBR_OUT_GZIP : 0), err)) != MBR_OK)
			return rc;
		for (i = n; i < g->ncodes; i++) {
			mbr_output_write(co, g->codes[i].p, g->codes[i].n);
			mbr_output_write(co, "\n", 1);
		}
		rc = mbr_output_close(co, err);
	}
	return rc;
}

static void
bind_tmpl(mbr_tmpl *t, void *ctx)
{
	struct cg *g = ctx;
	size_t i, j;
	mbr_slice nm;
	int c;

	for (i = 0; i < mbr_tmpl_nfields(t); i++) {
		nm = mbr_tmpl_field(t, i);
		c = col(g, nm.p, nm.n);
		mbr_tmpl_bind(t, i, c);
		/* The program's own fields but the trigger's are set as
		 * each row is made. */
		if (c < S_TRIG_TS)
			continue;
		for (j = 0; j < g->ntcols; j++)
			if (g->tcols[j] == c)
				break;
		if (j == g->ntcols) {
			g->tcols = mbr_xrealloc(g->tcols, (g->ntcols + 1) *
			    sizeof(*g->tcols));
			g->tcols[g->ntcols++] = c;
		}
	}
}

/* A placeholder or --keep field that no input has (checked once all
 * are read: NDJSON has no header to tell). */
static int
check_fields(struct cg *g, mbr_err *err)
{
	mbr_slice nm, hint = { NULL, 0 };
	size_t i;
	int near;

	for (i = 0; i < g->ntcols; i++)
		if (!g->seen[g->tcols[i]]) {
			nm = colname(g, g->tcols[i]);
			near = mbr_reader_closest(g->run.rd, nm.p, nm.n);
			if (near >= 0)
				hint = mbr_reader_colname(g->run.rd, near);
			return mbr_err_set(err, MBR_EUSAGE, "%s: a message "
			    "names the field \"%.*s\", which no input has%s"
			    "%.*s%s", g->o->campaign, (int)nm.n, nm.p,
			    near >= 0 ? " (did you mean \"" : "",
			    (int)hint.n, hint.p ? hint.p : "", near >= 0 ?
			    "\"?)" : "");
		}
	for (i = 0; i < g->nkeep; i++)
		if (g->kcols[i] >= NSPECIAL && !g->seen[g->kcols[i]])
			return mbr_err_set(err, MBR_EUSAGE, "--keep: no input "
			    "has the field \"%s\"", g->knames[i]);
	return MBR_OK;
}

static void
summary(struct cg *g)
{
	uint64_t sent = 0, not = 0;
	int i, first;

	for (i = 0; i < MBR_NCHAN; i++)
		sent += g->n_chan[i];
	for (i = 0; i < NREASON; i++)
		not += g->n_reason[i];
	fprintf(stderr, "%s: %s: %llu members, %llu in the audience, %llu "
	    "triggered, %llu sent", mbr_progname(), g->cp->id,
	    (unsigned long long)mbr_reader_count(g->run.rd),
	    (unsigned long long)g->n_audience,
	    (unsigned long long)g->n_trig, (unsigned long long)sent);
	for (i = 0, first = 1; i < MBR_NCHAN; i++)
		if (g->n_chan[i] > 0) {
			fprintf(stderr, "%s%s %llu", first ? " (" : ", ",
			    mbr_channel_name[i],
			    (unsigned long long)g->n_chan[i]);
			first = 0;
		}
	fprintf(stderr, "%s, %llu not sent", first ? "" : ")",
	    (unsigned long long)not);
	for (i = 0, first = 1; i < NREASON; i++)
		if (g->n_reason[i] > 0) {
			fprintf(stderr, "%s%s %llu", first ? " (" : ", ",
			    reason_name[i],
			    (unsigned long long)g->n_reason[i]);
			first = 0;
		}
	fprintf(stderr, "%s\n", first ? "" : ")");
}

/* A CSV input without a member_id column is a usage error, as in the
 * other programs, not a run of rejects. */
static int
need_id(struct cg *g, const mbr_reader *rd, mbr_err *err)
{
	const int *hdr;
	size_t nh, i;

	hdr = mbr_reader_header(rd, &nh);
	if (mbr_reader_format(rd) != MBR_FMT_CSV || nh == 0)
		return MBR_OK;
	for (i = 0; i < nh; i++)
		if (g->rmap[hdr[i]] == g->c_id)
			return MBR_OK;
	mbr_err_set(err, MBR_EUSAGE, "missing column \"member_id\"");
	mbr_err_at(err, mbr_reader_filename(rd, mbr_reader_current(rd)), 1);
	return MBR_EUSAGE;
}

/* A member record as map leaves it for commit. */
struct mitem {
	uint64_t	 h;
	mbr_slice	 id;		/* p NULL: none */
	mbr_slice	 raw;		/* for a duplicate's reject */
	unsigned long	 line;		/* in the chunk */
	uint8_t		 out, in_aud, in_trig;
	int		 reason;
	mbr_slice	 detail;	/* O_EXPLAIN, O_HOLD */
	mbr_slice	 held;		/* O_REJECT: mbr_reject_hold's */
	struct cand	*k;		/* O_CAND */
};

static char *
pack(char *p, mbr_slice *s)
{
	if (s->p != NULL) {
		memcpy(p, s->p, s->n);
		s->p = p;
		p += s->n;
	}
	return p;
}

/* Judges a member record on any thread, and packs the verdict with the
 * strings it needs into the chunk. */
static void
mmap_(void *ctx, mbr_chunk *ck, void *st, const mbr_rec *rec)
{
	struct cg *g = ctx;
	struct sl *s = &g->sl[mbr_chunk_slot(ck)];
	const mbr_reader *rd = g->run.rd;
	struct mitem *it;
	struct cand *k = NULL;
	mbr_slice id;
	size_t need, i, nv = g->ntcols + g->nkeep;
	char *p;
	void *x;

	if (rec->bad != NULL) {
		s->out = O_REJECT;
		mbr_buf_reset(&s->held);
		mbr_reject_hold(g->run.rj, &s->held, rd, rec, rec->bad,
		    rec->why);
	} else {
		/* A CSV input's columns are mapped already; an NDJSON
		 * record's new keys make columns here, before the clear
		 * makes room for them. */
		for (i = 0; i < rec->n; i++)
			if ((size_t)rec->order[i] >= g->nrmap ||
			    g->rmap[rec->order[i]] < 0)
				rcol(g, rd, rec->order[i]);
		sl_clear(s);
		for (i = 0; i < rec->n; i++) {
			int rc = rec->order[i];

			sl_set(s, g->rmap[rc], rec->f[rc], rec->type[rc]);
		}
		judge(s, rd, rec);
	}
	id = rec->bad == NULL ? val(s, g->c_id) : (mbr_slice){ NULL, 0 };
	need = 0;
	if (id.p != NULL)
		need += id.n + rec->raw.n;
	if (s->out == O_REJECT)
		need += s->held.n + 8;
	if (s->out == O_EXPLAIN || s->out == O_HOLD)
		need += s->tmp.n;
	if (s->out == O_CAND)
		need += sizeof(*k) + s->k.addr.n + s->k.fuaddr.n +
		    s->k.variant.n + nv * (sizeof(mbr_slice) + 1) + 8;
	for (i = 0; s->out == O_CAND && i < nv; i++)
		need += s->v[i < g->ntcols ? g->tcols[i] :
		    g->kcols[i - g->ntcols]].n;
	it = mbr_chunk_add(ck, need, &x);
	p = x;
	it->out = (uint8_t)s->out;
	it->line = rec->line;
	if (s->out == O_CAND) {
		/* The struct first: the extra is 8-byte aligned. */
		k = (struct cand *)(void *)p;
		*k = s->k;
		p += sizeof(*k);
		k->vals = (mbr_slice *)(void *)p;
		p += nv * sizeof(mbr_slice);
		k->types = (uint8_t *)p;
		p += nv;
		for (i = 0; i < nv; i++) {
			int c = i < g->ntcols ? g->tcols[i] :
			    g->kcols[i - g->ntcols];

			k->vals[i] = s->v[c];
			k->types[i] = s->vt[c];
			p = pack(p, &k->vals[i]);
		}
		p = pack(p, &k->addr);
		p = pack(p, &k->fuaddr);
		p = pack(p, &k->variant);
		it->k = k;
	}
	if (s->out == O_REJECT) {
		/* Held rejects are read as words: keep them aligned. */
		p += (8 - ((uintptr_t)p & 7)) & 7;
		it->held = (mbr_slice){ s->held.p, s->held.n };
		p = pack(p, &it->held);
	}
	if (id.p == NULL)
		return;
	it->id = id;
	p = pack(p, &it->id);
	it->h = mbr_hash(it->id.p, it->id.n);
	it->raw = rec->raw;
	p = pack(p, &it->raw);
	if (k != NULL)
		k->id = it->id;
	it->in_aud = s->in_aud;
	it->in_trig = s->in_trig;
	it->reason = s->reason;
	if (s->out == O_EXPLAIN || s->out == O_HOLD) {
		it->detail = (mbr_slice){ s->tmp.p, s->tmp.n };
		p = pack(p, &it->detail);
	}
}

/* In input order: the first record of a member_id is the member's, a
 * later one a reject; then the verdict. */
static int
mcommit(void *ctx, mbr_chunk *ck, void *st, mbr_err *err)
{
	struct cg *g = ctx;
	const mbr_reader *rd = g->run.rd;
	const char *file = mbr_reader_filename(rd, mbr_reader_current(rd));
	unsigned long add = mbr_chunk_line(ck);
	mbr_oid *first;
	struct mitem *it;
	size_t n, i;

	it = mbr_chunk_items(ck, &n);
	for (i = 0; i < n; i++) {
		struct mitem *m = &it[i];

		if (i + 8 < n && it[i + 8].id.p != NULL)
			mbr_oidset_prefetch(&g->ids, it[i + 8].h);
		if (m->id.p == NULL) {
			mbr_reject_held(g->run.rj, file, add, m->held);
			continue;
		}
		first = mbr_oidset_find(&g->ids, m->h);
		if (first->h != 0) {
			mbr_buf_reset(&g->s0.tmp);
			mbr_buf_addf(&g->s0.tmp, "member_id \"%.*s\" appears "
			    "twice (first at line %lu)", (int)m->id.n, m->id.p,
			    (unsigned long)first->line);
			mbr_reject_raw(g->run.rj, file, m->line + add,
			    m->raw.p, m->raw.n, "duplicate member_id",
			    g->s0.tmp.p);
			continue;
		}
		first = mbr_oidset_add(&g->ids, m->h);
		first->line = (uint32_t)(m->line + add);
		g->n_audience += m->in_aud;
		g->n_trig += m->in_trig;
		switch (m->out) {
		case O_REJECT:
			mbr_reject_held(g->run.rj, file, add, m->held);
			break;
		case O_EXPLAIN:
		case O_HOLD:
			explain(g, m->id, m->reason, "%.*s", (int)m->detail.n,
			    m->detail.p);
			if (m->out == O_HOLD) {
				if (g->nhold == g->caphold) {
					g->caphold = g->caphold ?
					    g->caphold * 2 : 1024;
					g->hold = mbr_xrealloc(g->hold,
					    g->caphold * sizeof(*g->hold));
				}
				g->hold[g->nhold++] = keep_str(g, m->id.p,
				    m->id.n);
			}
			break;
		case O_CAND:
			add_cand(g, m->k);
			break;
		}
	}
	return MBR_OK;
}

static const mbr_split_fns mfns = { sizeof(struct mitem), 0, nobegin, mmap_,
	mcommit };

static int
sl_init(struct cg *g, struct sl *s, mbr_err *err)
{
	const mbr_campaign *cp = g->cp;

	s->g = g;
	s->aud = -1;
	mbr_buf_init(&s->phone);
	mbr_buf_init(&s->email);
	mbr_buf_init(&s->tmp);
	mbr_buf_init(&s->txt);
	mbr_buf_init(&s->held);
	if (cp->audience_text == NULL)
		return MBR_OK;
	s->x = mbr_expr_new();
	s->aud = mbr_expr_add(s->x, cp->audience_src, cp->audience_text,
	    strlen(cp->audience_text), err);
	if (s->aud < 0)
		return MBR_EUSAGE;
	mbr_expr_bind(s->x, col, g);
	mbr_expr_setenv(s->x, g->tz, g->now);
	return MBR_OK;
}

static void
sl_free(struct sl *s)
{
	mbr_expr_free(s->x);
	mbr_buf_release(&s->phone);
	mbr_buf_release(&s->email);
	mbr_buf_release(&s->tmp);
	mbr_buf_release(&s->txt);
	mbr_buf_release(&s->held);
	free(s->v);
	free(s->vt);
	free(s->dirty);
}

static int
run(struct cg *g, int nfiles, char *const files[], mbr_err *err)
{
	const mbr_sendlist_opts *o = g->o;
	mbr_campaign *cp = g->cp;
	mbr_reader *rd;
	mbr_split *sp;
	mbr_rec rec;
	size_t i;
	int r, rc, j;
	mbr_buf sb;

	for (i = 0; i < NSPECIAL; i++) {
		cname(g, special_name[i]);
		g->seen[i] = 1;
	}
	g->c_id = cname(g, "member_id");
	g->c_tz = cname(g, "tz");
	g->c_last = cname(g, "last_order_ts");
	g->c_signup = cname(g, "signup_ts");
	g->c_bday = cname(g, "birthday");
	g->c_variant = cname(g, "variant");
	g->c_prio = cname(g, o->priority != NULL ? o->priority : "monetary");
	g->c_phone = cname(g, "phone");
	g->c_email = cname(g, "email");
	for (j = 0; j < MBR_NCHAN; j++) {
		g->c_addr[j] = cname(g, mbr_channel_addr[j]);
		g->c_consent[j] = cname(g, mbr_channel_consent[j]);
	}
	for (j = 0; j < cp->nchan; j++) {
		g->chan_used[cp->chan[j].ch] = 1;
		if (cp->chan[j].follow != NULL)
			g->chan_used[cp->chan[j].follow->ch] = 1;
	}
	mbr_campaign_each_tmpl(cp, bind_tmpl, g);
	if (o->keep != NULL) {
		const char *p = o->keep, *q;

		for (;;) {
			q = strchr(p, ',');
			if (q == NULL)
				q = p + strlen(p);
			if (q == p)
				return mbr_err_set(err, MBR_EUSAGE, "--keep: "
				    "an empty field name");
			g->kcols = mbr_xrealloc(g->kcols, (g->nkeep + 1) *
			    sizeof(*g->kcols));
			g->knames = mbr_xrealloc(g->knames, (g->nkeep + 1) *
			    sizeof(*g->knames));
			g->kcols[g->nkeep] = col(g, p, (size_t)(q - p));
			g->knames[g->nkeep++] = mbr_arena_strndup(g->ar, p,
			    (size_t)(q - p));
			if (*q == '\0')
				break;
			p = q + 1;
		}
	}
	if ((rc = sl_init(g, &g->s0, err)) != MBR_OK)
		return rc;
	for (j = 0; j < MBR_SPLIT_SLOTS; j++)
		if ((rc = sl_init(g, &g->sl[j], err)) != MBR_OK)
			return rc;

	if (!o->dry_run && o->history_out != NULL &&
	    (rc = mbr_writer_open(&g->hw, o->history_out,
	    mbr_writer_format(g->run.w), g->c->gzip, 0, err)) != MBR_OK)
		return rc;
	if (g->hw != NULL)
		header(g->hw, field_name, NFIELD, NULL, 0);
	for (i = 0; i < o->njoin; i++)
		if ((rc = read_join(g, i, err)) != MBR_OK)
			return rc;
	/* Read even when nothing counts, for its rejects. */
	if (o->nhistory > 0 || g->hw != NULL) {
		g->hist = mbr_tab_new(sizeof(struct hist));
		for (i = 0; i < o->nhistory; i++)
			if ((rc = read_history(g, o->history[i], err)) !=
			    MBR_OK)
				return rc;
	}
	if (cp->trig == MBR_TRIG_TIER_UP || cp->trig == MBR_TRIG_BROWSE) {
		if ((cp->trig == MBR_TRIG_TIER_UP ? o->ledger : o->events) ==
		    NULL)
			return mbr_err_set(err, MBR_EUSAGE, "the %s trigger "
			    "needs %s", cp->trig == MBR_TRIG_TIER_UP ?
			    "tier_up" : "browse_no_buy", cp->trig ==
			    MBR_TRIG_TIER_UP ? "--ledger" : "--events");
		g->trig = mbr_tab_new(sizeof(struct trig));
		if ((rc = read_trig(g, err)) != MBR_OK)
			return rc;
	}
	if (o->nsuppress > 0) {
		g->supp = mbr_tab_new(1);
		mbr_buf_init(&sb);
		for (i = 0; i < o->nsuppress; i++) {
			mbr_buf_reset(&sb);
			if ((rc = each_line(o->suppress[i], &sb, supp_line, g,
			    err)) != MBR_OK)
				break;
		}
		mbr_buf_release(&sb);
		if (rc != MBR_OK)
			return rc;
	}
	if (o->coupons != NULL && (rc = read_coupons(g, err)) != MBR_OK)
		return rc;

	/* A message naming a field no input has fails before anything is
	 * written: with one CSV input, its header tells now; else once
	 * every record is read (an NDJSON output has no header to give
	 * away). */
	rd = g->run.rd;
	if ((rc = mbr_reader_start(rd, err)) != MBR_OK)
		return rc;
	if (nfiles <= 1 && mbr_reader_format(rd) == MBR_FMT_CSV) {
		const int *hdr;
		size_t nh;

		hdr = mbr_reader_header(rd, &nh);
		for (i = 0; i < nh; i++)
			rcol(g, rd, hdr[i]);
		if ((rc = need_id(g, rd, err)) != MBR_OK ||
		    (rc = check_fields(g, err)) != MBR_OK)
			return rc;
	}
	/* Members judged on both threads (mbr_split), the verdicts taken
	 * in input order.  A CSV input's columns are the run's before its
	 * chunks are mapped, so that map only reads them. */
	sp = mbr_split_new(&mfns, g, mbr_cli_threads(g->c), rd, g->run.rj);
	rc = MBR_OK;
	while (rc == MBR_OK &&
	    (r = mbr_reader_next(rd, &rec, err)) != MBR_READ_END) {
		const int *hdr;
		size_t nh;

		if (r != MBR_READ_FILE)
			continue;
		hdr = mbr_reader_header(rd, &nh);
		for (i = 0; i < nh; i++)
			rcol(g, rd, hdr[i]);
		if ((rc = need_id(g, rd, err)) != MBR_OK)
			break;
		{
			/* sized once for the rows to come */
			unsigned long long rows = mbr_reader_rows_hint(rd);

			mbr_oidset_reserve(&g->ids, g->ids.n + rows +
			    rows / 8);
		}
		rc = mbr_split_input(sp, err);
	}
	mbr_split_free(sp);
	if (err->code != MBR_OK)
		return err->code;
	if ((rc = check_fields(g, err)) != MBR_OK)
		return rc;
	if ((rc = finish(g, err)) != MBR_OK)
		return rc;
	if (!g->c->quiet)
		summary(g);
	return MBR_OK;
}

int
mbr_sendlist_run(const mbr_cli *c, const mbr_sendlist_opts *o, int nfiles,
    char *const files[], mbr_err *err)
{
	struct cg g;
	mbr_err e2 = { 0 };
	size_t i;
	int rc, j;

	memset(&g, 0, sizeof(g));
	g.c = c;
	g.o = o;
	if ((rc = mbr_cli_tz(c, &g.tz, err)) != MBR_OK)
		return rc;
	if ((rc = mbr_time_now(&g.now, c->as_of, g.tz, err)) != MBR_OK ||
	    (rc = mbr_campaign_load(&g.cp, o->campaign, err)) != MBR_OK) {
		mbr_tz_free(g.tz);
		return rc;
	}
	g.cap_n = o->cap_n > 0 ? o->cap_n : g.cp->cap_n;
	g.cap_days = o->cap_n > 0 ? o->cap_days : g.cp->cap_days;
	g.budget = o->max_recipients >= 0 || o->max_cost >= 0;
	g.ar = mbr_arena_new();
	g.cols = mbr_tab_new(sizeof(int));
	g.members = mbr_tab_new(sizeof(unsigned long));
	g.zones = mbr_tab_new(sizeof(struct zone));
	g.join = mbr_xcalloc(o->njoin + 1, sizeof(*g.join));
	mbr_buf_init(&g.cbuf);
	pthread_mutex_init(&g.zmu, NULL);
	if ((rc = mbr_run_open(&g.run, c, nfiles, files, 1, err)) == MBR_OK)
		rc = run(&g, nfiles, files, err);
	if (g.hw != NULL && mbr_writer_close(g.hw, rc == MBR_OK ? err :
	    &e2) != MBR_OK && rc == MBR_OK)
		rc = err->code;
	rc = mbr_run_close(&g.run, c, err);

	for (i = 0; i < mbr_tab_count(g.zones); i++)
		mbr_tz_free(((struct zone *)mbr_tab_val(g.zones, i))->tz);
	for (i = 0; i < o->njoin; i++)
		mbr_tab_free(g.join[i]);
	free(g.join);
	mbr_tab_free(g.zones);
	mbr_tab_free(g.members);
	mbr_tab_free(g.cols);
	mbr_tab_free(g.hist);
	mbr_oidset_free(&g.ids);
	mbr_tab_free(g.supp);
	mbr_tab_free(g.trig);
	mbr_arena_free(g.ar);
	mbr_buf_release(&g.cbuf);
	sl_free(&g.s0);
	for (j = 0; j < MBR_SPLIT_SLOTS; j++)
		sl_free(&g.sl[j]);
	pthread_mutex_destroy(&g.zmu);
	free(g.seen);
	free(g.rmap);
	free(g.tcols);
	free(g.kcols);
	free(g.knames);
	free(g.cand);
	free(g.ex);
	free(g.hold);
	free(g.codes);
	mbr_campaign_free(g.cp);
	mbr_tz_free(g.tz);
	return rc;
}
