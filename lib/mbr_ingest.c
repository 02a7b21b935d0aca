/* mbr_ingest.c: see mbr_ingest.h. */
#include <stdio.h>
#include <stdlib.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/stat.h>

#include "mbr_buf.h"
#include "mbr_ident.h"
#include "mbr_ingest.h"
#include "mbr_money.h"
#include "mbr_oidset.h"
#include "mbr_pipe.h"
#include "mbr_split.h"
#include "mbr_preset.h"
#include "mbr_tab.h"
#include "mbr_time.h"

#define MAXCAND	MBR_PRESET_MAXCOLS
/* With --round, amounts and prices are read to this many places past
 * the minor unit, and totals rounded to it once. */
#define RX	4

/* Columns of one input, resolved against its header once. */
struct cols {
	int	f[MBR_F_N][MAXCAND];
	int	nf[MBR_F_N];
	int	id[16][MAXCAND];
	int	nid[16];
};

/* A canonical order under construction. */
struct order {
	mbr_slice	 id;
	uint64_t	 h;		/* hash of id */
	mbr_time	 ts;
	mbr_slice	 tstext;	/* ts as written, when it is as we
					 * write it (else p is NULL) */
	int64_t		 amount;
	mbr_slice	 amtext;	/* the same for amount */
	int		 exp;
	char		 currency[8];
	int		 status;
	int		 rounded;	/* --round changed amount */
	mbr_slice	 channel, store, items, skus, categories;
	mbr_buf		 member;
	mbr_buf		 ids;		/* identifiers, '|'-joined */
	int		 solo;		/* ids is member_id alone */
	const struct kept *kept;	/* a line-item order's columns */
	size_t		 nkept;		/* passed through ("keep") */
};

/* The table look-ups of the row before, for the next (convert, one
 * per thread): exports repeat one currency and a few statuses row
 * after row, and the two searches were 6% of the instructions of a
 * run over canonical orders (callgrind, 200,000 rows). */
struct memo {
	char		 curkey[8];	/* the currency as written */
	size_t		 curkn;		/* its length; 0: none yet */
	char		 currency[8];	/* as the order has it */
	int		 exp;
	const mbr_preset *stp;		/* the preset whose table... */
	char		 stkey[32];	/* ...had the status as written */
	size_t		 stkn;
	const mbr_status_rule *strule;	/* at this rule */
};

/* A column passed through from a line-item order's first row. */
struct kept {
	int		 col;
	uint8_t		 type;
	char		*val;
	size_t		 n;
};

/* A line-item order gathered from its rows. */
struct lirow {
	struct lirow	*next;
	unsigned long	 line;
	char		*raw;
	size_t		 rawn;
};

struct liorder {
	int		 file;
	unsigned long	 line;		/* first row */
	struct lirow	*rows, *last;
	size_t		 nrows;
	char		*id, *member, *currency, *channel, *store;
	char		*total;		/* the order total as written */
	int64_t		 sum;		/* of quantity x price */
	int		 sum_ok;	/* every row had both */
	mbr_time	 ts;
	int		 has_ts;
	int		 ts_ci;		/* the ts candidate it came from */
	int		 status;		/* -1 unknown */
	mbr_buf		*items, *skus, *cats;
	mbr_buf		*ids;		/* identifiers of all its rows */
	char		*bad_reason, *bad_msg;
	unsigned long	 bad_line;
	struct kept	*kept;		/* "keep": the first row's own */
	size_t		 nkept;
};

struct filestat {
	const char	*preset;
	uint64_t	 orders, dups, updates, rejects;
};

struct ing {
	const mbr_cli		*c;
	const mbr_ingest_opts	*o;
	mbr_run			 run;
	mbr_tz			*tz;
	mbr_preset		*forced;	/* --preset or --map */
	mbr_preset		*builtin[12];
	int			 nbuiltin;
	mbr_preset		*members;	/* the builtin "members" */
	mbr_preset		*p;		/* the current input's */
	int			 kind;		/* MBR_KIND_*, 0 until an input
						 * or an option says */
	int			 kind_from;	/* the input that said, or -1:
						 * an option */
	struct cols		 cols;
	int			 is_csv;
	int			 idcol;		/* rows may have identifiers
						 * (resolve) */
	int			 plan;		/* this is the first pass */
	int			 planned;	/* a first pass was made */
	mbr_oidset		 ids;
	mbr_oidset		 seen;		/* member profiles written */
	mbr_tab			*li;		/* "file\037id" -> liorder */
	mbr_arena		*arena;		/* line-item rows */
	struct filestat		*fs;
	int			 nfiles;
	unsigned char		*skip;		/* columns not passed on */
	int			 nskip;
	int			 own;	/* the input has columns of its own
					 * to pass through (choose_writer) */
	mbr_buf			 fpbuf, key, tmp, msg;
	mbr_buf			 idl;		/* identity()'s list, on this
						 * thread */
	mbr_buf			 mphone, memail;	/* a profile's */
	mbr_buf			 made[MBR_F_N];	/* joined, @line */
	int			 round;		/* --round: MBR_ROUND_* */
	uint64_t		 rounded;	/* orders written that it
						 * changed */
	uint64_t		 written;
	/* Orders to write, handed to a second thread (see emit_later) */
	mbr_pipe		*pipe;
	int			 piped;		/* this input's orders go there */
	atomic_int		 wfailed;	/* the writer failed there */
	mbr_err			 werr;		/* how */
	/* A CSV file parsed in chunks (see split_file) */
	mbr_split		*split;
	struct islot {
		mbr_writer	*w;	/* a fork of run.w */
		struct order	 o;
		struct memo	 memo;
		mbr_buf		 msg;
	}			 slot[MBR_SPLIT_SLOTS];
	mbr_chunk		*ck;	/* the chunk settled live, if any */
	unsigned long		 resume;	/* its rows settled before */
};

/* --- the order-id set --- */

/* --- columns and values --- */

static void
resolve(struct ing *g, mbr_preset *p)
{
	mbr_reader *rd = g->run.rd;
	size_t i, k;

	memset(&g->cols, 0, sizeof(g->cols));
	for (i = 0; i < MBR_F_N; i++)
		for (k = 0; k < p->cols[i].n && k < MAXCAND; k++)
			g->cols.f[i][g->cols.nf[i]++] = mbr_reader_col(rd,
			    p->cols[i].v[k], strlen(p->cols[i].v[k]));
	/* A column named identifiers is read as one, whatever the map
	 * (it would otherwise pass through beside the field made). */
	if (g->cols.nf[MBR_F_IDENTIFIERS] == 0 &&
	    p->constant[MBR_F_IDENTIFIERS] == NULL &&
	    !p->at_line[MBR_F_IDENTIFIERS])
		g->cols.f[MBR_F_IDENTIFIERS][g->cols.nf[MBR_F_IDENTIFIERS]++] =
		    mbr_reader_col(rd, "identifiers", 11);
	/* Whether rows may have identifiers of their own: not a CSV file
	 * whose header has none of its columns, the usual case, spared
	 * the look-up per row. */
	g->idcol = p->constant[MBR_F_IDENTIFIERS] != NULL ||
	    p->at_line[MBR_F_IDENTIFIERS] ||
	    mbr_reader_format(rd) != MBR_FMT_CSV;
	for (k = 0; k < (size_t)g->cols.nf[MBR_F_IDENTIFIERS]; k++)
		g->idcol |= mbr_reader_has(rd, g->cols.f[MBR_F_IDENTIFIERS][k]);
	for (i = 0; i < p->nident && i < 16; i++)
		for (k = 0; k < p->ident[i].cols.n && k < MAXCAND; k++)
			g->cols.id[i][g->cols.nid[i]++] = mbr_reader_col(rd,
			    p->ident[i].cols.v[k],
			    strlen(p->ident[i].cols.v[k]));
	/* The columns that the canonical fields replace are not passed
	 * on again under their own names. */
	g->nskip = mbr_reader_ncols(rd);
	g->skip = mbr_xrealloc(g->skip, (size_t)g->nskip + 1);
	memset(g->skip, 0, (size_t)g->nskip + 1);
	for (i = 0; i < MBR_F_N; i++)
		for (k = 0; k < (size_t)g->cols.nf[i]; k++)
			g->skip[g->cols.f[i][k]] = 1;
	for (i = 0; i < p->nident && i < 16; i++)
		for (k = 0; k < (size_t)g->cols.nid[i]; k++)
			g->skip[g->cols.id[i][k]] = 1;
	g->skip[mbr_reader_col(rd, "member_id", 9)] = 1;
}

/* The first non-empty candidate, unguarded and trimmed; *which is
 * set to its index. */
static mbr_slice
get_which(const mbr_rec *rec, const int *cand, int n, int *which)
{
	int i;

	for (i = 0; i < n; i++) {
		mbr_slice v = rec->f[cand[i]];

		if (v.p == NULL || rec->type[cand[i]] == MBR_V_NULL)
			continue;
		/* v's address is taken only for a guard: taken always, it
		 * had sent v through the stack for each field of each row */
		if (mbr_ident_guarded(v.p, v.n)) {
			const char *s = v.p;
			size_t n = v.n;

			mbr_ident_unguard_all(&s, &n);
			v = (mbr_slice){ s, n };
		}
		if (v.n > 0) {
			*which = i;
			return v;
		}
	}
	return (mbr_slice){ NULL, 0 };
}

static mbr_slice
get(const mbr_rec *rec, const int *cand, int n)
{
	int which;

	return get_which(rec, cand, n, &which);
}

/* Reads an amount with exp places; with --round, with RX more, rounded
 * to exp (*inexact set when that changed it: orders written with a
 * rounded amount are counted as they settle). */
static int
amount(struct ing *g, int64_t *a, mbr_slice v, int exp, int *inexact,
    mbr_err *e)
{
	int flags = g->c->decimal_comma ? MBR_MONEY_DECIMAL_COMMA : 0;

	if (g->round == MBR_ROUND_NONE)
		return mbr_money_parse(a, v.p, v.n, (unsigned)exp, flags, e);
	if (mbr_money_parse(a, v.p, v.n, (unsigned)exp + RX, flags, e) !=
	    MBR_OK)
		return e->code;
	*a = mbr_money_round(*a, RX, g->round, inexact);
	return MBR_OK;
}

/* A made field (mbr_preset.h): the row's place, or its columns joined;
 * absent when every joined column is.  Made in g, so the caller reads
 * on one thread (see pass). */
static mbr_slice
made(struct ing *g, const mbr_rec *rec, int f)
{
	mbr_buf *b = &g->made[f];
	const char *name, *sl;
	int i, any = 0;

	mbr_buf_reset(b);
	if (g->p->at_line[f]) {
		name = rec->file;
		if ((sl = strrchr(name, '/')) != NULL)
			name = sl + 1;
		mbr_buf_addf(b, "%s:%lu", name, rec->line);
		return (mbr_slice){ b->p, b->n };
	}
	for (i = 0; i < g->cols.nf[f]; i++) {
		mbr_slice v = get(rec, &g->cols.f[f][i], 1);

		if (i > 0)
			mbr_buf_add(b, g->p->join[f], strlen(g->p->join[f]));
		if (v.p != NULL) {
			mbr_buf_add(b, v.p, v.n);
			any = 1;
		}
	}
	return any ? (mbr_slice){ b->p, b->n } : (mbr_slice){ NULL, 0 };
}

/* v as the map's "values" table for f writes it (blanks around v
 * ignored): the table's value, absent for "", or v itself where the
 * table has no entry. */
static mbr_slice
value_of(const mbr_preset *p, int f, mbr_slice v)
{
	mbr_slice t = v;
	size_t i;

	mbr_trim(&t.p, &t.n);
	for (i = 0; i < p->nvalues[f]; i++) {
		const mbr_value_rule *r = &p->values[f][i];

		if (strlen(r->from) == t.n && memcmp(r->from, t.p, t.n) == 0)
			return r->to[0] == '\0' ? (mbr_slice){ NULL, 0 } :
			    (mbr_slice){ r->to, strlen(r->to) };
	}
	return v;
}

static mbr_slice
field(struct ing *g, const mbr_rec *rec, int f)
{
	mbr_slice v;

	if (g->p->made && (g->p->at_line[f] || g->p->join[f] != NULL))
		return made(g, rec, f);
	v = get(rec, g->cols.f[f], g->cols.nf[f]);

	if (v.p == NULL && g->p->constant[f] != NULL)
		v = (mbr_slice){ g->p->constant[f], strlen(g->p->constant[f]) };
	if (v.p != NULL && g->p->nvalues[f] > 0)
		v = value_of(g->p, f, v);
	return v;
}

/* Fills out with member_id from the preset's identity rules, the first
 * usable identifier, and ids with every usable one, '|'-joined: each
 * candidate column of each rule, in rule order, then the entries of
 * the row's identifiers field.  member_id is chosen as it was before
 * ids was added: of a rule's columns only the first that is not empty
 * is tried; a usable one in a later column is listed but does not make
 * the member.  Returns 0, or 1 with msg saying why no member was;
 * *solo, unless solo is NULL, says whether ids is member_id alone.  It
 * runs on every thread (imap): it writes only to what it is given. */
static int
identity(struct ing *g, const mbr_rec *rec, mbr_buf *out, mbr_buf *ids,
    mbr_buf *msg, int *solo)
{
	size_t i, at, st;
	int k, first, mine, have = 0, late = 0, n = 0, mk = 0;
	mbr_slice v;
	mbr_err e;

	mbr_err_clear(&e);
	mbr_buf_reset(out);
	mbr_buf_reset(ids);
	mbr_buf_reset(msg);
	for (i = 0; i < g->p->nident && i < 16; i++) {
		const mbr_ident_rule *r = &g->p->ident[i];

		first = 1;
		for (k = 0; k < g->cols.nid[i]; k++) {
			v = get(rec, &g->cols.id[i][k], 1);
			if (v.p == NULL)
				continue;
			/* normalised in place at the list's end, then kept
			 * or cut: nothing is copied for the usual entry */
			at = ids->n;
			if (at > 0)
				mbr_buf_addc(ids, '|');
			st = ids->n;
			mine = 0;
			/* member_id as given, the rule of canonical
			 * records, the most read, is copied without a call */
			if (r->type == MBR_ID_MEMBER ?
			    (mbr_buf_add(ids, v.p, v.n), 1) :
			    mbr_ident_norm(ids, r->type, r->platform, v.p,
			    v.n, g->o->cc, &e) == MBR_OK) {
				if (first && !have) {
					mbr_buf_add(out, ids->p + st,
					    ids->n - st);
					have = mine = 1;
					late = at > 0;
				}
				if (memchr(ids->p + st, '|', ids->n - st) ==
				    NULL && (at == 0 || !mbr_ident_list_has(
				    ids->p, at, ids->p + st, ids->n - st))) {
					mk |= mine && n == 0;
					at = ids->n;
					n++;
				}
			} else if (first && !have) {
				/* Unusable (a masked phone): say why if no
				 * rule makes the member. */
				if (msg->n > 0)
					mbr_buf_adds(msg, "; ");
				mbr_buf_adds(msg, e.msg);
			}
			ids->n = at;
			ids->p[at] = '\0';
			first = 0;
		}
	}
	if (late) {
		/* A later column of a rule whose first was unusable came
		 * before the member's: member_id leads the list all the
		 * same, as a reader may take the first entry for the
		 * member.  msg, not needed when there is a member, holds
		 * the list meanwhile. */
		mbr_buf_reset(msg);
		mbr_buf_add(msg, ids->p, ids->n);
		mbr_buf_reset(ids);
		mbr_ident_list_add(ids, out->p, out->n);
		mbr_ident_list_merge(ids, msg->p, msg->n);
		mbr_buf_reset(msg);
		n = 2;		/* not known to be one: compared below */
	}
	if (g->idcol) {
		v = field(g, rec, MBR_F_IDENTIFIERS);
		if (v.p != NULL)
			n += (int)mbr_ident_list_merge(ids, v.p, v.n);
	}
	/* Whether the list is member_id alone, as most rows' is: told
	 * without a compare when it is the one entry kept, and exactly
	 * (fingerprint relies on it) either way. */
	if (solo != NULL)
		*solo = have && ids->n == out->n && ((n == 1 && mk) ||
		    memcmp(ids->p, out->p, out->n) == 0);
	return !have;
}

/* c, if not NULL, keeps the last status looked up in the table. */
static int
status_from(struct ing *g, mbr_slice id, mbr_slice s, const char **why,
    struct memo *c)
{
	const mbr_status_rule *r;
	size_t i;

	for (i = 0; i < g->p->nprefix; i++) {
		size_t n = strlen(g->p->prefix[i].from);
		if (id.n >= n && memcmp(id.p, g->p->prefix[i].from, n) == 0) {
			*why = g->p->prefix[i].why;
			return g->p->prefix[i].to;
		}
	}
	if (s.p == NULL) {
		*why = NULL;
		return g->p->default_status;	/* -1: missing */
	}
	if (c != NULL && c->stp == g->p && c->stkn == s.n &&
	    memcmp(c->stkey, s.p, s.n) == 0)
		r = c->strule;
	else if ((r = mbr_preset_status(g->p, s.p, s.n)) == NULL)
		return -2;
	else if (c != NULL && s.n <= sizeof(c->stkey)) {
		memcpy(c->stkey, s.p, s.n);
		c->stkn = s.n;
		c->strule = r;
		c->stp = g->p;
	}
	*why = r->why;
	return r->to;
}

static int
currency_exp(struct ing *g, mbr_slice cur, char out[8], mbr_err *e)
{
	int exp;

	if (cur.p == NULL)
		cur = (mbr_slice){ g->o->currency, strlen(g->o->currency) };
	if (cur.n >= 8 || (exp = mbr_currency_exp(cur.p, cur.n)) < 0) {
		mbr_err_set(e, MBR_EDATA, "currency \"%.*s\" is unknown",
		    (int)cur.n, cur.p);
		return -1;
	}
	for (size_t i = 0; i < cur.n; i++)
		out[i] = cur.p[i] >= 'a' && cur.p[i] <= 'z' ?
		    (char)(cur.p[i] - 32) : cur.p[i];
	out[cur.n] = '\0';
	return exp;
}

/* Converts an order-level row.  Returns NULL, or the reject reason
 * class with e->msg set (e is cleared first); msg is for identity's
 * use, m the thread's memo.  prefetch: start the order-id set's cache
 * miss (on the thread that owns the set). */
static const char *
convert(struct ing *g, const mbr_rec *rec, struct order *o, mbr_err *e,
    mbr_buf *msg, struct memo *m, int prefetch)
{
	mbr_slice v;
	const char *why;
	int exp, mflags;

	mbr_err_clear(e);
	o->id = field(g, rec, MBR_F_ORDER_ID);
	if (o->id.p == NULL) {
		mbr_err_set(e, MBR_EDATA, "order_id is missing");
		return "missing order_id";
	}
	/* The order-id set is probed at random: start the cache miss now,
	 * to be over by the time settle() looks, after the row is parsed. */
	o->h = mbr_hash(o->id.p, o->id.n);
	if (prefetch)
		mbr_oidset_prefetch(&g->ids, o->h);
	v = field(g, rec, MBR_F_STATUS);
	o->status = status_from(g, o->id, v, &why, m);
	if (o->status == MBR_ST_REJECT) {
		mbr_err_set(e, MBR_EDATA, "order \"%.*s\": %s", (int)o->id.n,
		    o->id.p, why);
		return why;
	}
	if (o->status == -1) {
		mbr_err_set(e, MBR_EDATA, "status is missing");
		return "missing status";
	}
	if (o->status == -2) {
		mbr_err_set(e, MBR_EDATA, "status \"%.*s\" is unknown (map it "
		    "with --map)", (int)v.n, v.p);
		return "unknown status";
	}
	v = field(g, rec, MBR_F_TS);
	if (v.p == NULL) {
		mbr_err_set(e, MBR_EDATA, "ts is missing");
		return "missing ts";
	}
	if (mbr_time_parse(&o->ts, v.p, v.n, g->tz, e) != MBR_OK)
		return "bad ts";
	o->tstext = mbr_time_canonical(v.p, v.n) ? v : (mbr_slice){ NULL, 0 };
	v = field(g, rec, MBR_F_CURRENCY);
	if (v.p == NULL)
		v = (mbr_slice){ g->o->currency, strlen(g->o->currency) };
	if (v.n == 0 || v.n != m->curkn || memcmp(v.p, m->curkey, v.n) != 0) {
		m->curkn = 0;
		if ((m->exp = currency_exp(g, v, m->currency, e)) < 0)
			return "unknown currency";
		if (v.n < sizeof(m->curkey)) {
			memcpy(m->curkey, v.p, v.n);
			m->curkn = v.n;
		}
	}
	memcpy(o->currency, m->currency, sizeof(o->currency));
	o->exp = exp = m->exp;
	v = field(g, rec, MBR_F_AMOUNT);
	if (v.p == NULL) {
		mbr_err_set(e, MBR_EDATA, "amount is missing");
		return "missing amount";
	}
	mflags = g->c->decimal_comma ? MBR_MONEY_DECIMAL_COMMA : 0;
	o->rounded = 0;
	if (amount(g, &o->amount, v, exp, &o->rounded, e) != MBR_OK)
		return "bad amount";
	o->amtext = mbr_money_canonical(v.p, v.n, (unsigned)exp, mflags) ? v :
	    (mbr_slice){ NULL, 0 };
	if (identity(g, rec, &o->member, &o->ids, msg, &o->solo) != 0) {
		mbr_err_set(e, MBR_EDATA, "no member identity%s%s",
		    msg->n ? ": " : "", msg->p);
		return "no member identity";
	}
	o->channel = field(g, rec, MBR_F_CHANNEL);
	o->store = field(g, rec, MBR_F_STORE);
	o->items = field(g, rec, MBR_F_ITEMS);
	o->skus = field(g, rec, MBR_F_SKUS);
	o->categories = field(g, rec, MBR_F_CATEGORIES);
	return NULL;
}

/* The fingerprint of an order: every canonical field but its status,
 * hashed field by field (no text is built for it). */
static uint64_t
fp_mix(uint64_t h, uint64_t v)
{
	h ^= v + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
	return h * 0xbf58476d1ce4e5b9ULL;
}

static uint64_t
fp_slice(uint64_t h, mbr_slice s)
{
	/* the length first, so that field boundaries count */
	return s.p == NULL ? fp_mix(h, 0x51ed27) :
	    mbr_hash_mix(fp_mix(h, s.n), s.p, s.n);
}

static uint64_t
fingerprint(struct ing *g, const struct order *o)
{
	uint64_t h = fp_slice(0x9e3779b97f4a7c15ULL,
	    (mbr_slice){ o->member.p, o->member.n });

	(void)g;
	h = fp_mix(h, (uint64_t)o->ts.t);
	h = fp_mix(h, (uint64_t)o->amount);
	h = fp_slice(h, (mbr_slice){ o->currency, strlen(o->currency) });
	h = fp_slice(h, o->channel);
	h = fp_slice(h, o->store);
	h = fp_slice(h, o->items);
	h = fp_slice(h, o->skus);
	h = fp_slice(h, o->categories);
	/* identifiers that are member_id alone, most orders', count as a
	 * mark rather than being hashed a second time */
	if (o->solo)
		return mbr_hash_end(fp_mix(h, 0x1d5));
	return mbr_hash_end(fp_slice(h, (mbr_slice){ o->ids.p, o->ids.n }));
}

/* The canonical order fields, in the order they are written. */
#define NCANON	12
static const int canon[NCANON] = { MBR_F_ORDER_ID, MBR_F_MEMBER_ID,
	MBR_F_TS, MBR_F_AMOUNT, MBR_F_CURRENCY, MBR_F_STATUS, MBR_F_CHANNEL,
	MBR_F_STORE, MBR_F_ITEMS, MBR_F_SKUS, MBR_F_CATEGORIES,
	MBR_F_IDENTIFIERS };

/* Declares the CSV header of canonical orders, unless one is known;
 * kept: then the current CSV input's columns that pass through, as
 * emit() writes them. */
static void
canon_header(struct ing *g, int kept)
{
	size_t nh = 0, n = 0, i;
	const int *hd = kept && g->p->keep ?
	    mbr_reader_header(g->run.rd, &nh) : NULL;
	mbr_slice *h = mbr_xcalloc(NCANON + nh, sizeof(*h));

	for (i = 0; i < NCANON; i++)
		h[n++] = (mbr_slice){ mbr_field_names[canon[i]],
		    strlen(mbr_field_names[canon[i]]) };
	for (i = 0; i < nh; i++)
		if (hd[i] >= g->nskip || !g->skip[hd[i]])
			h[n++] = mbr_reader_colname(g->run.rd, hd[i]);
	mbr_writer_header(g->run.w, h, n);
	free(h);
}

/* A value of the record being built: absent text is null. */
static void
val(mbr_slice *v, uint8_t *type, mbr_slice s, int t)
{
	*v = s.p == NULL ? (mbr_slice){ "null", 4 } : s;
	*type = (uint8_t)(s.p == NULL ? MBR_V_NULL : t);
}

/* "keep": the record's columns that no field maps, after the canonical
 * ones (columns a later NDJSON record brings are passed on too). */
static void
pass_rest(struct ing *g, mbr_writer *w, const mbr_rec *rec)
{
	int k = mbr_reader_ncols(g->run.rd);

	if (g->nskip < k) {
		g->skip = mbr_xrealloc(g->skip, (size_t)k);
		memset(g->skip + g->nskip, 0, (size_t)(k - g->nskip));
		g->nskip = k;
	}
	mbr_writer_rec(w, g->run.rd, rec, g->skip);
}

static int
emit(struct ing *g, mbr_writer *w, const struct order *o, int status,
    const mbr_rec *rec, mbr_err *err)
{
	char amt[MBR_MONEY_LEN], ts[MBR_TIME_MAX + 1];
	mbr_slice v[NCANON];
	uint8_t t[NCANON];
	size_t n, i;
	int keep = (rec != NULL && g->p->keep && g->own) || o->nkept > 0;

	if (w == NULL)
		return MBR_OK;
	val(&v[0], &t[0], o->id, MBR_V_STR);
	val(&v[1], &t[1], (mbr_slice){ o->member.p, o->member.n }, MBR_V_STR);
	/* A time or an amount in the form we write them (formatted here,
	 * or copied once mbr_time_canonical or mbr_money_canonical said
	 * so) holds nothing to quote or escape: MBR_V_PLAIN. */
	if (o->tstext.p != NULL)
		val(&v[2], &t[2], o->tstext, MBR_V_PLAIN);
	else {
		n = mbr_time_fmt(ts, o->ts);	/* a tenth of the copy's cost */
		val(&v[2], &t[2], (mbr_slice){ ts, n }, MBR_V_PLAIN);
	}
	if (o->amtext.p != NULL)
		val(&v[3], &t[3], o->amtext, MBR_V_PLAIN);
	else {
		n = mbr_money_fmt(amt, o->amount, (unsigned)o->exp);
		val(&v[3], &t[3], (mbr_slice){ amt, n }, MBR_V_PLAIN);
	}
	val(&v[4], &t[4], (mbr_slice){ o->currency, strlen(o->currency) },
	    MBR_V_STR);
	val(&v[5], &t[5], (mbr_slice){ mbr_status_names[status],
	    strlen(mbr_status_names[status]) }, MBR_V_PLAIN);
	val(&v[6], &t[6], o->channel, MBR_V_STR);
	val(&v[7], &t[7], o->store, MBR_V_STR);
	val(&v[8], &t[8], o->items, MBR_V_STR);
	val(&v[9], &t[9], o->skus, MBR_V_STR);
	val(&v[10], &t[10], o->categories, MBR_V_STR);
	val(&v[11], &t[11], o->ids.n > 0 ? (mbr_slice){ o->ids.p, o->ids.n } :
	    (mbr_slice){ NULL, 0 }, MBR_V_STR);
	/* Once the writer knows the twelve names, by position. */
	if (!keep && mbr_writer_names(w) == NCANON)
		return mbr_writer_row(w, v, t, NCANON, err);
	for (i = 0; i < NCANON; i++)
		mbr_writer_field(w, (mbr_slice){ mbr_field_names[canon[i]],
		    strlen(mbr_field_names[canon[i]]) }, v[i], t[i]);
	for (i = 0; i < o->nkept; i++)
		mbr_writer_field(w, mbr_reader_colname(g->run.rd,
		    o->kept[i].col), (mbr_slice){ o->kept[i].val,
		    o->kept[i].n }, o->kept[i].type);
	if (keep && rec != NULL)
		pass_rest(g, w, rec);
	return mbr_writer_end(w, err);
}

/* An order on its way to the writer: its text copied out of the
 * reader's buffer, which moves on. */
struct wrec {
	struct order	 o;		/* slices point into the pipe */
	int		 status;
};

static void
copy_slice(mbr_slice *s, char **x)
{
	if (s->p == NULL)
		return;
	memcpy(*x, s->p, s->n);
	s->p = *x;
	*x += s->n;
}

/* Formatting and writing an order is a third of mbr-ingest's work, and
 * needs nothing the next rows change: with two cores, orders of an
 * input whose every column is canonical (nothing to pass through) are
 * written by a second thread, in the order they come. */
static void
write_batch(void *ctx, void *items, size_t n)
{
	struct ing *g = ctx;
	struct wrec *r = items;
	size_t i;

	for (i = 0; i < n; i++) {
		if (atomic_load(&g->wfailed))
			return;
		if (emit(g, g->run.w, &r[i].o, r[i].status, NULL, &g->werr) !=
		    MBR_OK)
			atomic_store(&g->wfailed, 1);
	}
}

/* Everything handed over is written; the writer's error, if any. */
static int
flush_writer(struct ing *g, mbr_err *err)
{
	if (g->pipe == NULL)
		return MBR_OK;
	mbr_pipe_drain(g->pipe);
	if (atomic_load(&g->wfailed)) {
		*err = g->werr;
		return err->code;
	}
	return MBR_OK;
}

static int
emit_later(struct ing *g, const struct order *o, int status, mbr_err *err)
{
	struct wrec *r;
	char *x;
	size_t need = o->id.n + o->member.n + o->tstext.n + o->amtext.n +
	    o->channel.n + o->store.n + o->items.n + o->skus.n +
	    o->categories.n + o->ids.n;

	if (atomic_load(&g->wfailed))
		return flush_writer(g, err);
	g->written++;
	r = mbr_pipe_add(g->pipe, need, (void **)&x);
	r->o = *o;
	r->o.member = (mbr_buf){ NULL, 0, 0 };
	r->o.ids = (mbr_buf){ NULL, 0, 0 };
	r->status = status;
	copy_slice(&r->o.id, &x);
	r->o.member.p = x;
	r->o.member.n = o->member.n;
	memcpy(x, o->member.p, o->member.n);
	x += o->member.n;
	r->o.ids.p = x;
	r->o.ids.n = o->ids.n;
	memcpy(x, o->ids.p, o->ids.n);
	x += o->ids.n;
	copy_slice(&r->o.tstext, &x);
	copy_slice(&r->o.amtext, &x);
	copy_slice(&r->o.channel, &x);
	copy_slice(&r->o.store, &x);
	copy_slice(&r->o.items, &x);
	copy_slice(&r->o.skus, &x);
	copy_slice(&r->o.categories, &x);
	return MBR_OK;
}

static int
put_order(struct ing *g, const struct order *o, int status,
    const mbr_rec *rec, mbr_err *err)
{
	if (g->piped && g->run.w != NULL)
		return emit_later(g, o, status, err);
	g->written++;
	return emit(g, g->run.w, o, status, rec, err);
}

static void
reject(struct ing *g, const mbr_rec *rec, const char *reason,
    const char *msg)
{
	if (g->plan)
		return;
	g->fs[rec->fileno].rejects++;
	if (g->ck != NULL)	/* held until the chunk commits */
		mbr_chunk_reject(g->ck, rec, reason, msg);
	else
		mbr_reject(g->run.rj, g->run.rd, rec, reason, msg);
}

/* What an order seen at (file, line) is against the order-id set: new
 * (added now), the planned row of its order, a duplicate of one
 * written, a later export's status (planned), or a conflict.  *ep is
 * its entry in the set. */
enum { ID_NEW, ID_PLANNED, ID_DUP, ID_UPDATE, ID_CONFLICT };

static int
judge(struct ing *g, uint64_t h, uint64_t fp, int status, int file,
    unsigned long line, mbr_oid **ep)
{
	mbr_oid *e = mbr_oidset_find(&g->ids, h);

	if (e->h == 0) {
		e = mbr_oidset_add(&g->ids, h);
		e->fp = fp;
		e->file = (uint16_t)file;
		e->line = (uint32_t)line;
		e->st0 = e->st = (uint8_t)status;
		*ep = e;
		return ID_NEW;
	}
	*ep = e;
	if (g->planned && e->file == file && e->line == line)
		return ID_PLANNED;
	if (e->fp == fp && status == e->st0)
		return ID_DUP;
	if (e->fp == fp && g->planned)
		return ID_UPDATE;
	return ID_CONFLICT;
}

/* Decides what becomes of an order seen at (file, line): written,
 * counted as a duplicate or update, or rejected as a conflict. */
static int
settle(struct ing *g, struct order *o, int file, unsigned long line,
    const mbr_rec *rec, mbr_err *err)
{
	uint64_t fp = fingerprint(g, o);
	mbr_oid *e;
	char place[300];
	int r = judge(g, o->h, fp, o->status, file, line, &e);

	if (g->plan) {
		if (r != ID_NEW && e->fp == fp)
			e->st = (uint8_t)o->status;	/* a later export */
		return MBR_OK;
	}
	switch (r) {
	case ID_NEW:
	case ID_PLANNED:
		g->fs[file].orders++;
		g->rounded += (unsigned)o->rounded;
		return put_order(g, o, e->st, rec, err);
	case ID_DUP:
		g->fs[file].dups++;
		return MBR_OK;
	case ID_UPDATE:
		g->fs[file].updates++;
		return MBR_OK;
	}
	snprintf(place, sizeof(place), "%s:%lu",
	    mbr_reader_filename(g->run.rd, e->file), (unsigned long)e->line);
	mbr_buf_reset(&g->msg);
	if (e->fp == fp)
		mbr_buf_addf(&g->msg, "order_id \"%.*s\" has status %s here "
		    "but %s at %s, already written (a later status is applied "
		    "from a later export named as a file, not within one "
		    "input)", (int)o->id.n, o->id.p,
		    mbr_status_names[o->status], mbr_status_names[e->st0],
		    place);
	else
		mbr_buf_addf(&g->msg, "order_id \"%.*s\" conflicts with the "
		    "order at %s", (int)o->id.n, o->id.p, place);
	if (rec != NULL)
		reject(g, rec, "conflicting order_id", g->msg.p);
	return -1;
}

/* --- a CSV file parsed in chunks ---
 *
 * An order needs only its row to be converted and, with nothing to pass
 * through, formatted: map does both on any thread, into its slot's
 * fork of the writer (mbr_split).  Whether its id is new, a duplicate
 * or a conflict depends on the orders before it, so commit settles the
 * chunk's orders in file order against the order-id set and writes the
 * new ones' text.  A conflict (or a planned status other than the
 * row's) is rare: commit stops at its row, and the chunk is mapped
 * again on the committing thread from there, each row settled as it is
 * converted ("live"), as the reader alone would. */

struct ichunk {
	uint64_t	 rejects;	/* rows map rejected */
	unsigned long	 nrec;		/* rows mapped */
	int		 live;		/* rows settled as mapped */
	unsigned long	 skip;		/* live: rows settled before */
	int		 rc;		/* a writer's error, */
	unsigned long	 line;		/* at this line of the chunk */
	mbr_err		 err;
};

struct iitem {
	uint64_t	 h, fp;
	size_t		 off, len;	/* its text in the slot's writer */
	unsigned long	 line, recno;
	int		 status;
	int		 rounded;
};

static void
ibegin(void *ctx, mbr_chunk *ck, void *st, const void *prev, int after)
{
	struct ing *g = ctx;
	struct ichunk *k = st;
	struct islot *sl = &g->slot[mbr_chunk_slot(ck)];

	(void)prev;
	if (sl->w != NULL)
		mbr_writer_clear(sl->w);	/* the slot's last chunk's */
	if (after) {
		k->live = 1;
		k->skip = g->resume;
	}
}

static void
imap(void *ctx, mbr_chunk *ck, void *st, const mbr_rec *rec)
{
	struct ing *g = ctx;
	struct ichunk *k = st;
	struct islot *sl = &g->slot[mbr_chunk_slot(ck)];
	unsigned long recno = k->nrec++;
	struct iitem *it;
	const char *why;
	mbr_err e;
	int rc;

	if (k->rc != MBR_OK)
		return;
	if (rec->bad != NULL) {
		mbr_chunk_reject(ck, rec, rec->bad, rec->why);
		k->rejects++;
		return;
	}
	if ((why = convert(g, rec, &sl->o, &e, &sl->msg, &sl->memo,
	    k->live)) != NULL) {
		mbr_chunk_reject(ck, rec, why, e.msg);
		k->rejects++;
		return;
	}
	if (k->live) {
		if (recno < k->skip)
			return;		/* settled by the commit before */
		g->ck = ck;
		rc = settle(g, &sl->o, rec->fileno, rec->line +
		    mbr_chunk_line(ck), rec, &k->err);
		g->ck = NULL;
		if (rc != MBR_OK && rc != -1) {
			mbr_err_at(&k->err, rec->file, rec->line +
			    mbr_chunk_line(ck));
			k->rc = rc;
		}
		return;
	}
	it = mbr_chunk_add(ck, 0, NULL);
	it->h = sl->o.h;
	it->fp = fingerprint(g, &sl->o);
	it->line = rec->line;
	it->recno = recno;
	it->status = sl->o.status;
	it->rounded = sl->o.rounded;
	if (sl->w == NULL)
		return;
	it->off = mbr_writer_held(sl->w);
	if ((rc = emit(g, sl->w, &sl->o, sl->o.status, rec, &k->err)) !=
	    MBR_OK) {
		k->rc = rc;	/* reported when the chunk commits */
		k->line = rec->line;
		return;
	}
	it->len = mbr_writer_held(sl->w) - it->off;
}

static int
icommit(void *ctx, mbr_chunk *ck, void *st, mbr_err *err)
{
	struct ing *g = ctx;
	struct ichunk *k = st;
	struct islot *sl = &g->slot[mbr_chunk_slot(ck)];
	int file = mbr_reader_current(g->run.rd);
	unsigned long add = mbr_chunk_line(ck);
	size_t n, j, off = 0, len = 0, nrun = 0;
	struct iitem *it = mbr_chunk_items(ck, &n);
	struct filestat *fs = &g->fs[file];

	for (j = 0; j < n; j++) {
		unsigned long line = it[j].line + add;
		mbr_oid *e;
		int r;

		if (j + 8 < n)
			mbr_oidset_prefetch(&g->ids, it[j + 8].h);
		r = judge(g, it[j].h, it[j].fp, it[j].status, file, line, &e);
		if (r == ID_NEW || (r == ID_PLANNED && e->st == it[j].status)) {
			fs->orders++;
			g->rounded += (unsigned)it[j].rounded;
			g->written++;
			if (nrun++ == 0)
				off = it[j].off;
			len += it[j].len;
			continue;
		}
		if (nrun > 0 && sl->w != NULL)
			mbr_writer_put_span(g->run.w, sl->w, off, len, nrun);
		nrun = len = 0;
		if (r == ID_DUP) {
			fs->dups++;
			continue;
		}
		if (r == ID_UPDATE) {
			fs->updates++;
			continue;
		}
		/* A conflict to name, or a status to rewrite: the rest
		 * of the chunk is settled row by row. */
		g->resume = it[j].recno;
		return MBR_SPLIT_AGAIN;
	}
	if (nrun > 0 && sl->w != NULL)
		mbr_writer_put_span(g->run.w, sl->w, off, len, nrun);
	g->resume = 0;
	fs->rejects += k->rejects;
	if (k->rc != MBR_OK) {
		/* after the rows before it, as one thread would */
		*err = k->err;
		if (err->file[0] == '\0')
			mbr_err_at(err, mbr_reader_filename(g->run.rd, file),
			    k->line + add);
		return k->rc;
	}
	return MBR_OK;
}

/* The input just begun, parsed in chunks on every thread. */
static int
split_file(struct ing *g, mbr_err *err)
{
	int i, rc;

	if ((rc = flush_writer(g, err)) != MBR_OK)
		return rc;
	if (g->run.w != NULL) {
		canon_header(g, 1);
		for (i = 0; i < MBR_SPLIT_SLOTS; i++)
			g->slot[i].w = mbr_writer_fork(g->run.w);
	}
	g->piped = 0;	/* live rows are written here */
	g->resume = 0;
	rc = mbr_split_input(g->split, err);
	for (i = 0; i < MBR_SPLIT_SLOTS; i++) {
		mbr_writer_close(g->slot[i].w, NULL);
		g->slot[i].w = NULL;
	}
	return rc;
}

/* --- line items --- */

static void
li_bad(struct liorder *lo, unsigned long line, const char *reason,
    const char *msg)
{
	if (lo->bad_reason != NULL)
		return;
	lo->bad_reason = mbr_xstrdup(reason);
	lo->bad_msg = mbr_xstrdup(msg);
	lo->bad_line = line;
}

/* An order-level value on one of its rows: the first one given wins;
 * a different one later is a conflict. */
static void
li_same(struct ing *g, struct liorder *lo, char **have, mbr_slice v,
    const char *what, unsigned long line)
{
	if (v.p == NULL)
		return;
	if (*have == NULL) {
		*have = mbr_arena_strndup(g->arena, v.p, v.n);
		return;
	}
	if (strlen(*have) != v.n || memcmp(*have, v.p, v.n) != 0) {
		mbr_buf_reset(&g->msg);
		mbr_buf_addf(&g->msg, "order \"%s\" has two values of %s: "
		    "\"%s\" and \"%.*s\"", lo->id, what, *have, (int)v.n, v.p);
		li_bad(lo, line, "conflicting line items", g->msg.p);
	}
}

static void
li_join(mbr_buf **b, mbr_slice v, int unique)
{
	size_t i, start;

	if (v.p == NULL)
		return;
	if (*b == NULL) {
		*b = mbr_xmalloc(sizeof(mbr_buf));
		mbr_buf_init(*b);
	} else if (unique) {
		/* categories: each once */
		const char *p = (*b)->p, *end = p + (*b)->n;
		while (p < end) {
			const char *bar = memchr(p, '|', (size_t)(end - p));
			size_t n = bar ? (size_t)(bar - p) : (size_t)(end - p);
			if (n == v.n && memcmp(p, v.p, n) == 0)
				return;
			p += n + 1;
		}
	}
	if ((*b)->n > 0)
		mbr_buf_addc(*b, '|');
	/* A '|' inside a value would split it: it becomes '/'. */
	start = (*b)->n;
	mbr_buf_add(*b, v.p, v.n);
	for (i = start; i < (*b)->n; i++)
		if ((*b)->p[i] == '|')
			(*b)->p[i] = '/';
}

/* "keep" in a line-item map: the order takes the columns of its own
 * (those no field maps) from its first row, as an order-level export's
 * row passes them on. */
static void
li_keep(struct ing *g, struct liorder *lo, const mbr_rec *rec)
{
	size_t i;

	lo->kept = mbr_arena_alloc(g->arena, (rec->n + 1) * sizeof(*lo->kept));
	for (i = 0; i < rec->n; i++) {
		int c = rec->order[i];
		mbr_slice v = rec->f[c];

		if ((c < g->nskip && g->skip[c]) || v.p == NULL)
			continue;
		lo->kept[lo->nkept].col = c;
		lo->kept[lo->nkept].type = rec->type[c];
		lo->kept[lo->nkept].val = mbr_arena_strndup(g->arena, v.p, v.n);
		lo->kept[lo->nkept].n = v.n;
		lo->nkept++;
	}
}

static void
li_row(struct ing *g, const mbr_rec *rec)
{
	mbr_slice id = field(g, rec, MBR_F_ORDER_ID), v;
	struct liorder *lo;
	struct lirow *row;
	mbr_err e;
	int isnew, st, exp, ci;
	const char *why;
	char cur[8];

	mbr_err_clear(&e);
	if (id.p == NULL) {
		reject(g, rec, "missing order_id", "order_id is missing");
		return;
	}
	mbr_buf_reset(&g->key);
	mbr_buf_addf(&g->key, "%d\037", rec->fileno);
	mbr_buf_add(&g->key, id.p, id.n);
	lo = mbr_tab_upsert(g->li, g->key.p, g->key.n, &isnew);
	if (isnew) {
		lo->file = rec->fileno;
		lo->line = rec->line;
		lo->id = mbr_arena_strndup(g->arena, id.p, id.n);
		lo->status = -1;
		lo->sum_ok = 1;
		if (g->p->keep && g->own)
			li_keep(g, lo, rec);
	}
	row = mbr_arena_alloc(g->arena, sizeof(*row));
	row->line = rec->line;
	row->raw = mbr_arena_strndup(g->arena, rec->raw.p, rec->raw.n);
	row->rawn = rec->raw.n;
	if (lo->last != NULL)
		lo->last->next = row;
	else
		lo->rows = row;
	lo->last = row;
	lo->nrows++;
	if (lo->bad_reason != NULL)
		return;

	v = field(g, rec, MBR_F_STATUS);
	st = status_from(g, id, v, &why, NULL);
	if (st == MBR_ST_REJECT) {
		mbr_buf_reset(&g->msg);
		mbr_buf_addf(&g->msg, "order \"%s\": %s", lo->id, why);
		li_bad(lo, rec->line, why, g->msg.p);
		return;
	}
	if (st == -2) {
		mbr_buf_reset(&g->msg);
		mbr_buf_addf(&g->msg, "status \"%.*s\" is unknown (map it with "
		    "--map)", (int)v.n, v.p);
		li_bad(lo, rec->line, "unknown status", g->msg.p);
		return;
	}
	if (st >= 0 && v.p != NULL) {
		if (lo->status >= 0 && lo->status != st) {
			mbr_buf_reset(&g->msg);
			mbr_buf_addf(&g->msg, "order \"%s\" has two statuses: "
			    "%s and %s", lo->id, mbr_status_names[lo->status],
			    mbr_status_names[st]);
			li_bad(lo, rec->line, "conflicting line items",
			    g->msg.p);
			return;
		}
		lo->status = st;
	} else if (st >= 0 && lo->status < 0)
		lo->status = st;	/* from the prefix or the default */

	/* Exports repeat some time columns on every row and others on the
	 * first only (Shopify: "Created at" and "Paid at"): the order's
	 * time comes from the best candidate any of its rows has. */
	v = get_which(rec, g->cols.f[MBR_F_TS], g->cols.nf[MBR_F_TS], &ci);
	if (v.p != NULL) {
		mbr_time t;
		if (mbr_time_parse(&t, v.p, v.n, g->tz, &e) != MBR_OK) {
			li_bad(lo, rec->line, "bad ts", e.msg);
			return;
		}
		/* Rows of one order may be stamped a minute apart (UCI
		 * Online Retail has 3,347 such rows, an invoice keyed in
		 * over a minute's turn): the order is as old as its first
		 * row. */
		if (!lo->has_ts || ci < lo->ts_ci ||
		    (ci == lo->ts_ci && t.t < lo->ts.t)) {
			lo->ts = t;
			lo->ts_ci = ci;
			lo->has_ts = 1;
		}
	} else if (g->p->constant[MBR_F_TS] != NULL && !lo->has_ts) {
		mbr_slice k = field(g, rec, MBR_F_TS);
		if (mbr_time_parse(&lo->ts, k.p, k.n, g->tz, &e) != MBR_OK) {
			li_bad(lo, rec->line, "bad ts", e.msg);
			return;
		}
		lo->has_ts = 1;
	}
	li_same(g, lo, &lo->currency, field(g, rec, MBR_F_CURRENCY),
	    "currency", rec->line);
	if ((exp = currency_exp(g, lo->currency ? (mbr_slice){ lo->currency,
	    strlen(lo->currency) } : (mbr_slice){ NULL, 0 }, cur, &e)) < 0) {
		li_bad(lo, rec->line, "unknown currency", e.msg);
		return;
	}
	v = field(g, rec, MBR_F_AMOUNT);
	if (v.p != NULL) {
		int64_t a;
		if (mbr_money_parse(&a, v.p, v.n, (unsigned)exp +
		    (g->round ? RX : 0), g->c->decimal_comma ?
		    MBR_MONEY_DECIMAL_COMMA : 0, &e) != MBR_OK) {
			li_bad(lo, rec->line, "bad amount", e.msg);
			return;
		}
		li_same(g, lo, &lo->total, v, "the order total", rec->line);
	}
	if (g->cols.nf[MBR_F_QUANTITY] > 0 && g->cols.nf[MBR_F_PRICE] > 0) {
		mbr_slice q = field(g, rec, MBR_F_QUANTITY);
		mbr_slice pr = field(g, rec, MBR_F_PRICE);
		int64_t qi, pi, line_amt;

		if (q.p == NULL || pr.p == NULL)
			lo->sum_ok = 0;
		else if (mbr_money_parse(&qi, q.p, q.n, 0, 0, &e) != MBR_OK) {
			mbr_buf_reset(&g->msg);
			mbr_buf_addf(&g->msg, "quantity \"%.*s\" is not a "
			    "whole number", (int)q.n, q.p);
			li_bad(lo, rec->line, "bad quantity", g->msg.p);
			return;
		} else if (mbr_money_parse(&pi, pr.p, pr.n, (unsigned)exp +
		    (g->round ? RX : 0), g->c->decimal_comma ?
		    MBR_MONEY_DECIMAL_COMMA : 0, &e) != MBR_OK) {
			/* mbr_money_parse says "amount": here it is the
			 * price */
			mbr_buf_reset(&g->msg);
			mbr_buf_addf(&g->msg, "price%s",
			    strncmp(e.msg, "amount", 6) == 0 ? e.msg + 6 :
			    e.msg);
			li_bad(lo, rec->line, "bad price", g->msg.p);
			return;
		} else if (mbr_money_mul(&line_amt, qi, pi, &e) != MBR_OK ||
		    mbr_money_add(&lo->sum, line_amt, &e) != MBR_OK) {
			li_bad(lo, rec->line, "bad amount", e.msg);
			return;
		}
	} else
		lo->sum_ok = 0;
	if (identity(g, rec, &g->tmp, &g->idl, &g->msg, NULL) == 0) {
		li_same(g, lo, &lo->member, (mbr_slice){ g->tmp.p, g->tmp.n },
		    "member identity", rec->line);
		/* Shopify gives the phone on an order's first row only:
		 * the order has what any of its rows has, each once. */
		if (lo->ids == NULL) {
			lo->ids = mbr_xmalloc(sizeof(mbr_buf));
			mbr_buf_init(lo->ids);
		}
		mbr_ident_list_merge(lo->ids, g->idl.p, g->idl.n);
	} else if (g->msg.n > 0) {
		mbr_buf_reset(&g->key);
		mbr_buf_addf(&g->key, "no member identity: %s", g->msg.p);
		li_bad(lo, rec->line, "no member identity", g->key.p);
		return;
	}
	li_same(g, lo, &lo->channel, field(g, rec, MBR_F_CHANNEL), "channel",
	    rec->line);
	li_same(g, lo, &lo->store, field(g, rec, MBR_F_STORE), "store",
	    rec->line);
	li_join(&lo->items, field(g, rec, MBR_F_ITEMS), 0);
	li_join(&lo->skus, field(g, rec, MBR_F_SKUS), 0);
	li_join(&lo->cats, field(g, rec, MBR_F_CATEGORIES), 1);
}

static void
li_reject_all(struct ing *g, struct liorder *lo)
{
	const char *file = mbr_reader_filename(g->run.rd, lo->file);
	struct lirow *r;

	for (r = lo->rows; r != NULL; r = r->next) {
		g->fs[lo->file].rejects++;
		if (r->line == lo->bad_line)
			mbr_reject_raw(g->run.rj, file, r->line, r->raw,
			    r->rawn, lo->bad_reason, lo->bad_msg);
		else {
			mbr_buf_reset(&g->msg);
			mbr_buf_addf(&g->msg, "order \"%s\" rejected for its "
			    "row at line %lu: %s", lo->id, lo->bad_line,
			    lo->bad_msg);
			mbr_reject_raw(g->run.rj, file, r->line, r->raw,
			    r->rawn, lo->bad_reason, g->msg.p);
		}
	}
}

static mbr_slice
bufslice(mbr_buf *b)
{
	return b == NULL ? (mbr_slice){ NULL, 0 } :
	    (mbr_slice){ b->p, b->n };
}

static int
li_finish(struct ing *g, mbr_err *err)
{
	size_t i, n = g->li ? mbr_tab_count(g->li) : 0;
	struct order o;
	mbr_err e = { 0 };
	int rc;

	memset(&o, 0, sizeof(o));
	mbr_buf_init(&o.member);
	mbr_buf_init(&o.ids);
	/* Line-item orders are all in memory: a first round learns the
	 * last status of each order seen in several exports, a second
	 * writes each once, as the first pass does for streamed files. */
	for (int round = 0; round < 2; round++)
	for (i = 0; i < n; i++) {
		struct liorder *lo = mbr_tab_val(g->li, i);
		int exp;

		g->plan = round == 0;
		if (round == 1)
			g->planned = 1;
		if (round == 0 && lo->bad_reason != NULL)
			continue;

		if (lo->bad_reason == NULL && lo->member == NULL)
			li_bad(lo, lo->line, "no member identity",
			    "no member identity");
		if (lo->bad_reason == NULL && !lo->has_ts)
			li_bad(lo, lo->line, "missing ts", "ts is missing");
		if (lo->bad_reason == NULL && lo->status < 0)
			li_bad(lo, lo->line, "missing status",
			    "status is missing");
		if (lo->bad_reason == NULL && lo->total == NULL && !lo->sum_ok)
			li_bad(lo, lo->line, "missing amount", "amount is "
			    "missing, and quantity and price are not on every "
			    "row");
		if (lo->bad_reason != NULL) {
			if (round == 1)
				li_reject_all(g, lo);
			continue;
		}
		o.id = (mbr_slice){ lo->id, strlen(lo->id) };
		o.h = mbr_hash(o.id.p, o.id.n);
		o.ts = lo->ts;
		o.status = lo->status;
		exp = currency_exp(g, lo->currency ? (mbr_slice){ lo->currency,
		    strlen(lo->currency) } : (mbr_slice){ NULL, 0 },
		    o.currency, &e);
		o.exp = exp;
		/* with --round, the sum of quantity times price is
		 * rounded once, as the order's total */
		o.amount = lo->sum;
		o.rounded = 0;
		if (lo->total != NULL)
			amount(g, &o.amount, (mbr_slice){ lo->total,
			    strlen(lo->total) }, exp, &o.rounded, &e);
		else if (g->round != MBR_ROUND_NONE)
			o.amount = mbr_money_round(lo->sum, RX, g->round,
			    &o.rounded);
		mbr_buf_reset(&o.member);
		mbr_buf_adds(&o.member, lo->member);
		o.channel = lo->channel ? (mbr_slice){ lo->channel,
		    strlen(lo->channel) } : (mbr_slice){ NULL, 0 };
		o.store = lo->store ? (mbr_slice){ lo->store,
		    strlen(lo->store) } : (mbr_slice){ NULL, 0 };
		o.items = bufslice(lo->items);
		o.skus = bufslice(lo->skus);
		o.categories = bufslice(lo->cats);
		mbr_buf_reset(&o.ids);
		if (lo->ids != NULL)
			mbr_buf_add(&o.ids, lo->ids->p, lo->ids->n);
		o.solo = o.ids.n == o.member.n && memcmp(o.ids.p, o.member.p,
		    o.ids.n) == 0;
		o.kept = lo->kept;
		o.nkept = lo->nkept;
		rc = settle(g, &o, lo->file, lo->line, NULL, err);
		if (rc == -1) {
			/* a conflict: every row of it is rejected */
			lo->bad_reason = mbr_xstrdup("conflicting order_id");
			lo->bad_msg = mbr_xstrdup(g->msg.p);
			lo->bad_line = lo->line;
			li_reject_all(g, lo);
		} else if (rc != MBR_OK) {
			mbr_buf_release(&o.member);
			mbr_buf_release(&o.ids);
			return rc;
		}
	}
	g->plan = 0;
	mbr_buf_release(&o.member);
	mbr_buf_release(&o.ids);
	return MBR_OK;
}

static void
li_free(struct ing *g)
{
	size_t i, n = g->li ? mbr_tab_count(g->li) : 0;

	for (i = 0; i < n; i++) {
		struct liorder *lo = mbr_tab_val(g->li, i);
		mbr_buf *b[4] = { lo->items, lo->skus, lo->cats, lo->ids };
		for (int k = 0; k < 4; k++)
			if (b[k] != NULL) {
				mbr_buf_release(b[k]);
				free(b[k]);
			}
		free(lo->bad_reason);
		free(lo->bad_msg);
	}
	mbr_tab_free(g->li);
	mbr_arena_free(g->arena);
	g->li = NULL;
	g->arena = NULL;
}

/* --- the run --- */

/* What preset p makes of kind: a map of profiles makes only them, an
 * event field and table make events, the rest orders. */
static int
makes(const mbr_preset *p, int kind)
{
	if (kind == MBR_KIND_MEMBERS || p->kind == MBR_KIND_MEMBERS)
		return kind == p->kind;
	if (kind == MBR_KIND_EVENTS)
		return p->nevents > 0;
	return p->order_err == NULL;
}

static int
matches(mbr_reader *rd, const mbr_preset *p)
{
	size_t i, k;

	for (i = 0; i < p->ndetect; i++) {
		for (k = 0; k < p->detect[i].n; k++)
			if (mbr_reader_has(rd, mbr_reader_col(rd,
			    p->detect[i].v[k], strlen(p->detect[i].v[k]))))
				break;
		if (k == p->detect[i].n)
			return 0;
	}
	for (k = 0; k < p->detect_not.n; k++)
		if (mbr_reader_has(rd, mbr_reader_col(rd, p->detect_not.v[k],
		    strlen(p->detect_not.v[k]))))
			return 0;
	return 1;
}

/* The first built-in preset the header matches, among those making the
 * run's kind when it is known (a header both could read goes to the
 * one asked for), else among all, for check_columns to say why it
 * cannot be used. */
static mbr_preset *
detect(struct ing *g)
{
	int i, any;

	for (any = g->kind == 0; any < 2; any++)
		for (i = 0; i < g->nbuiltin; i++)
			if ((any || makes(g->builtin[i], g->kind)) &&
			    matches(g->run.rd, g->builtin[i]))
				return g->builtin[i];
	return NULL;
}

static const char *
kind_name(int kind)
{
	return kind == MBR_KIND_MEMBERS ? "member profiles" :
	    kind == MBR_KIND_EVENTS ? "behaviour events" : "orders";
}

/* Whether the run can read this input's preset: of the kind --kind
 * says, or, without it, of the kind the first input's preset makes,
 * the same for every input (one output holds one kind of record). */
static int
check_kind(struct ing *g, const char *file, mbr_err *err)
{
	mbr_preset *p = g->p;
	int own = p->kind != 0 ? p->kind : MBR_KIND_ORDERS;

	if (g->kind == 0) {
		g->kind = own;
		g->kind_from = mbr_reader_current(g->run.rd);
	} else if (g->o->kind == 0 && !makes(p, g->kind)) {
		mbr_err_set(err, MBR_EUSAGE, "preset %s makes %s, but this "
		    "run makes %s (as %s does): ingest each kind in a run of "
		    "its own", p->name, kind_name(own), kind_name(g->kind),
		    g->kind_from < 0 ? g->forced->name :
		    mbr_reader_filename(g->run.rd, g->kind_from));
		mbr_err_at(err, file, 0);
		return MBR_EUSAGE;
	}
	if (makes(p, g->kind))
		return MBR_OK;
	if (g->kind == MBR_KIND_EVENTS)
		mbr_err_set(err, MBR_EUSAGE, "--kind events: preset %s makes "
		    "no events (a map needs an event field and an events "
		    "table)", p->name);
	else if (g->kind == MBR_KIND_MEMBERS)
		mbr_err_set(err, MBR_EUSAGE, "--kind members: preset %s makes "
		    "no member profiles (a map needs \"kind\": \"members\")",
		    p->name);
	else if (p->kind == MBR_KIND_MEMBERS)
		mbr_err_set(err, MBR_EUSAGE, "preset %s makes no orders: it "
		    "is a map of member profiles (--kind members reads it)",
		    p->name);
	else
		mbr_err_set(err, MBR_EUSAGE, "preset %s makes no orders: %s "
		    "(--kind events reads it)", p->name, p->order_err);
	mbr_err_at(err, file, 0);
	return MBR_EUSAGE;
}

/* A CSV input must have the columns the preset needs: a usage error
 * naming the first one missing. */
static int
check_columns(struct ing *g, const char *file, mbr_err *err)
{
	static const int need[] = { MBR_F_ORDER_ID, MBR_F_TS };
	mbr_reader *rd = g->run.rd;
	mbr_preset *p = g->p;
	size_t i, k;
	int any;

	for (i = 0; i < sizeof(need) / sizeof(need[0]) + 2; i++) {
		int f = i < 2 ? need[i] : i == 2 ? MBR_F_AMOUNT : MBR_F_STATUS;

		if (g->kind == MBR_KIND_EVENTS)
			f = i == 0 ? MBR_F_EVENT : i == 1 ? MBR_F_TS : -1;
		else if (g->kind == MBR_KIND_MEMBERS)
			f = -1;		/* only an identity is needed */
		if (f < 0)
			break;

		if (p->constant[f] != NULL || p->at_line[f])
			continue;
		if (p->join[f] != NULL) {
			/* every column joined */
			for (k = 0; k < (size_t)g->cols.nf[f]; k++)
				if (!mbr_reader_has(rd, g->cols.f[f][k])) {
					mbr_err_set(err, MBR_EUSAGE, "missing "
					    "column \"%s\" (preset %s: %s "
					    "joins it)", p->cols[f].v[k],
					    p->name, mbr_field_names[f]);
					mbr_err_at(err, file, 0);
					return MBR_EUSAGE;
				}
			continue;
		}
		if (f == MBR_F_STATUS && p->default_status >= 0)
			continue;
		if (f == MBR_F_AMOUNT && g->cols.nf[MBR_F_AMOUNT] == 0)
			continue;
		if (f == MBR_F_AMOUNT && p->line_items) {
			/* a total, or quantity and price */
			int has_q = 0, has_p = 0;
			for (k = 0; k < (size_t)g->cols.nf[MBR_F_QUANTITY]; k++)
				has_q |= mbr_reader_has(rd,
				    g->cols.f[MBR_F_QUANTITY][k]);
			for (k = 0; k < (size_t)g->cols.nf[MBR_F_PRICE]; k++)
				has_p |= mbr_reader_has(rd,
				    g->cols.f[MBR_F_PRICE][k]);
			if (has_q && has_p)
				continue;
		}
		any = 0;
		for (k = 0; k < (size_t)g->cols.nf[f]; k++)
			any |= mbr_reader_has(rd, g->cols.f[f][k]);
		if (!any) {
			mbr_err_set(err, MBR_EUSAGE, "missing column \"%s\" "
			    "(preset %s)", p->cols[f].n ? p->cols[f].v[0] :
			    mbr_field_names[f], p->name);
			mbr_err_at(err, file, 0);
			return MBR_EUSAGE;
		}
	}
	any = 0;
	for (i = 0; i < p->nident && i < 16; i++)
		for (k = 0; k < (size_t)g->cols.nid[i]; k++)
			any |= mbr_reader_has(rd, g->cols.id[i][k]);
	if (!any) {
		mbr_err_set(err, MBR_EUSAGE, "missing column \"%s\" (preset "
		    "%s: no member identity column)", p->ident[0].cols.v[0],
		    p->name);
		mbr_err_at(err, file, 0);
		return MBR_EUSAGE;
	}
	return MBR_OK;
}

/* Whether this input's orders go to the writing thread: not when
 * columns of its own are passed through (the reader's column table is
 * not the other thread's to read), nor for NDJSON with pass-through,
 * whose records may each bring other fields. */
static int
choose_writer(struct ing *g, mbr_err *err)
{
	const int *h;
	size_t nh, i;
	int own = 0;

	if (g->p->keep && !g->is_csv)
		own = 1;
	else if (g->p->keep) {
		h = mbr_reader_header(g->run.rd, &nh);
		for (i = 0; i < nh; i++)
			if (h[i] >= g->nskip || !g->skip[h[i]])
				own = 1;
	}
	g->own = own;
	if (g->pipe == NULL)
		return MBR_OK;
	if (own && g->piped) {
		g->piped = 0;
		return flush_writer(g, err);
	}
	g->piped = !own;
	return MBR_OK;
}

static int
begin_file(struct ing *g, mbr_err *err)
{
	mbr_reader *rd = g->run.rd;
	size_t nh;
	int fileno = mbr_reader_current(rd);
	const char *file;

	file = mbr_reader_filename(rd, fileno);
	g->is_csv = mbr_reader_format(rd) == MBR_FMT_CSV;
	mbr_reader_header(rd, &nh);
	if (g->is_csv && nh == 0) {
		if (!g->plan && !g->c->quiet)
			mbr_warn("%s: empty input (no header)", file);
		g->p = g->builtin[g->nbuiltin - 1];
		g->fs[fileno].preset = NULL;	/* none matched */
		return MBR_OK;
	}
	if (g->forced != NULL)
		g->p = g->forced;
	else if (!g->is_csv) {
		/* NDJSON has no header to tell: canonical records of the
		 * run's kind */
		if (g->kind == 0) {
			g->kind = MBR_KIND_ORDERS;
			g->kind_from = fileno;
		}
		g->p = g->kind == MBR_KIND_MEMBERS ? g->members :
		    g->builtin[g->nbuiltin - 1];
	} else if ((g->p = detect(g)) == NULL) {
		mbr_err_set(err, MBR_EUSAGE, "cannot tell which export this "
		    "is from its header (name one with --preset, or describe "
		    "it with --map)");
		mbr_err_at(err, file, 1);
		return MBR_EUSAGE;
	}
	g->fs[fileno].preset = g->p->name;
	if ((g->is_csv || g->forced != NULL) &&
	    check_kind(g, file, err) != MBR_OK)
		return err->code;
	resolve(g, g->p);
	if (g->is_csv && check_columns(g, file, err) != MBR_OK)
		return err->code;
	/* The set sized once for the rows to come: each doubling touched
	 * fresh memory again (800 MB in all for 10M orders, where 400 MB
	 * hold them) and moved every entry. */
	if (g->kind == MBR_KIND_MEMBERS) {
		unsigned long long rows = mbr_reader_rows_hint(rd);
		mbr_oidset_reserve(&g->seen, g->seen.n + rows + rows / 8);
	} else if (!g->p->line_items) {
		unsigned long long rows = mbr_reader_rows_hint(rd);
		mbr_oidset_reserve(&g->ids, g->ids.n + rows + rows / 8);
	}
	return choose_writer(g, err);
}

static void
put_field(mbr_writer *w, const char *name, mbr_slice x, int type)
{
	if (x.p == NULL)
		mbr_writer_field(w, (mbr_slice){ name, strlen(name) },
		    (mbr_slice){ "null", 4 }, MBR_V_NULL);
	else
		mbr_writer_field(w, (mbr_slice){ name, strlen(name) }, x,
		    type);
}

/* The reject of a row whose identity() failed, saying why. */
static void
no_identity(struct ing *g, const mbr_rec *rec)
{
	mbr_buf_reset(&g->key);
	mbr_buf_addf(&g->key, "no member identity%s%s", g->msg.n ? ": " : "",
	    g->msg.p);
	reject(g, rec, "no member identity", g->key.p);
}

/* The fields of a behaviour event, in the order they are written. */
#define NEV	8
static const char *const ev_names[NEV] = { "member_id", "ts", "event",
	"sku", "category", "channel", "campaign_id", "identifiers" };

/* --kind events: a behaviour event of the row, or its reject. */
static int
ev_row(struct ing *g, const mbr_rec *rec, mbr_err *err)
{
	static const int from[NEV] = { -1, -1, -1, MBR_F_SKU, MBR_F_CATEGORY,
	    MBR_F_CHANNEL, MBR_F_CAMPAIGN, -1 };
	const mbr_status_rule *ev;
	mbr_slice v;
	mbr_time t;
	mbr_err e;
	char ts[MBR_TIME_MAX + 1];
	size_t i, n;

	if (g->plan)
		return MBR_OK;
	mbr_err_clear(&e);
	v = field(g, rec, MBR_F_EVENT);
	if (v.p == NULL) {
		reject(g, rec, "missing event", "event is missing");
		return MBR_OK;
	}
	if ((ev = mbr_preset_event(g->p, v.p, v.n)) == NULL) {
		mbr_buf_reset(&g->msg);
		mbr_buf_addf(&g->msg, "event \"%.*s\" is unknown (map it "
		    "with --map)", (int)v.n, v.p);
		reject(g, rec, "unknown event", g->msg.p);
		return MBR_OK;
	}
	if (ev->to == MBR_ST_REJECT) {
		reject(g, rec, ev->why, ev->why);
		return MBR_OK;
	}
	v = field(g, rec, MBR_F_TS);
	if (v.p == NULL) {
		reject(g, rec, "missing ts", "ts is missing");
		return MBR_OK;
	}
	if (mbr_time_parse(&t, v.p, v.n, g->tz, &e) != MBR_OK) {
		reject(g, rec, "bad ts", e.msg);
		return MBR_OK;
	}
	if (identity(g, rec, &g->tmp, &g->idl, &g->msg, NULL) != 0) {
		no_identity(g, rec);
		return MBR_OK;
	}
	g->fs[rec->fileno].orders++;
	if (g->run.w == NULL)
		return MBR_OK;
	n = mbr_time_fmt(ts, t);
	for (i = 0; i < NEV; i++) {
		mbr_slice x;
		int type = MBR_V_STR;

		if (i == 0)
			x = (mbr_slice){ g->tmp.p, g->tmp.n };
		else if (i == 1) {
			x = (mbr_slice){ ts, n };
			type = MBR_V_PLAIN;
		} else if (i == 2) {
			x = (mbr_slice){ mbr_event_names[ev->to],
			    strlen(mbr_event_names[ev->to]) };
			type = MBR_V_PLAIN;
		} else if (i == NEV - 1)
			x = g->idl.n > 0 ? (mbr_slice){ g->idl.p, g->idl.n } :
			    (mbr_slice){ NULL, 0 };
		else
			x = field(g, rec, from[i]);
		put_field(g->run.w, ev_names[i], x, type);
	}
	if (g->p->keep && g->own)
		pass_rest(g, g->run.w, rec);
	if (mbr_writer_end(g->run.w, err) != MBR_OK)
		return err->code;
	g->written++;
	return MBR_OK;
}

/* --- member profiles --- */

/* The fields of a member profile, in the order they are written:
 * member_id, the profile's own, identifiers. */
#define NMEM	(2 + MBR_F_N - MBR_F_PROFILE0)

static const char *
mem_name(size_t i)
{
	return i == 0 ? "member_id" : i == NMEM - 1 ? "identifiers" :
	    mbr_field_names[MBR_F_PROFILE0 + i - 1];
}

/* A word of an export and what the record writes for it. */
struct word {
	const char	*w;
	const char	*v;
};

/* What words[0..n) give for s, its ASCII letters in any case; NULL
 * when it is none of them. */
static const char *
word_of(mbr_slice s, const struct word *words, size_t n)
{
	char low[16];
	size_t i;

	if (s.n >= sizeof(low))
		return NULL;
	for (i = 0; i < s.n; i++)
		low[i] = (char)(s.p[i] >= 'A' && s.p[i] <= 'Z' ? s.p[i] + 32 :
		    s.p[i]);
	for (i = 0; i < n; i++)
		if (strlen(words[i].w) == s.n &&
		    memcmp(low, words[i].w, s.n) == 0)
			return words[i].v;
	return NULL;
}

/* A consent as the profile record writes it: "yes", "no", or NULL for
 * a word that says neither.  The words are those of CRM exports and
 * of mbr-campaign's reader (y/n, 1/0, true/false, opt-in/opt-out), and
 * 是/否 of Chinese ones. */
static const char *
consent_word(mbr_slice s)
{
	static const struct word words[] = { { "y", "yes" }, { "1", "yes" },
	    { "n", "no" }, { "0", "no" }, { "yes", "yes" }, { "no", "no" },
	    { "true", "yes" }, { "false", "no" }, { "opt-in", "yes" },
	    { "opt-out", "no" }, { "\xe6\x98\xaf", "yes" },
	    { "\xe5\x90\xa6", "no" } };

	return word_of(s, words, sizeof(words) / sizeof(words[0]));
}

/* A gender as the profile record writes it: "F", "M", "O" (other), ""
 * for one the export says it does not know or was not told (保密,
 * "secret", is common in Chinese shops), or NULL for a word that says
 * none of these.  Numbers are not read: WeChat's 1 is male and 2
 * female, other systems' differ; a map's "values" table says which. */
static const char *
gender_word(mbr_slice s)
{
	static const struct word words[] = { { "f", "F" }, { "female", "F" },
	    { "woman", "F" }, { "\xe5\xa5\xb3", "F" },
	    { "\xe5\xa5\xb3\xe5\xa3\xab", "F" },
	    { "\xe5\xa5\xb3\xe6\x80\xa7", "F" }, { "m", "M" },
	    { "male", "M" }, { "man", "M" }, { "\xe7\x94\xb7", "M" },
	    { "\xe7\x94\xb7\xe5\xa3\xab", "M" },
	    { "\xe7\x94\xb7\xe6\x80\xa7", "M" },
	    { "\xe5\x85\x88\xe7\x94\x9f", "M" }, { "o", "O" },
	    { "other", "O" }, { "\xe5\x85\xb6\xe4\xbb\x96", "O" },
	    { "u", "" }, { "unknown", "" }, { "\xe6\x9c\xaa\xe7\x9f\xa5", "" },
	    { "\xe4\xbf\x9d\xe5\xaf\x86", "" } };

	return word_of(s, words, sizeof(words) / sizeof(words[0]));
}

/* MySQL writes a date it does not have as all zeros, and CRM exports
 * built on it pass that on: no date, as an empty cell is. */
static int
zero_date(mbr_slice v)
{
	return (v.n == 10 && memcmp(v.p, "0000-00-00", 10) == 0) ||
	    (v.n == 19 && memcmp(v.p, "0000-00-00 00:00:00", 19) == 0);
}

/* The message of mbr_time_parse for a field other than ts: its name
 * in place of "ts", and for a date "date" in place of "time". */
static void
time_msg(mbr_buf *b, const char *name, int date, const char *msg)
{
	static const char tm[] = " is not a valid time";
	const char *p = strstr(msg, tm);

	mbr_buf_reset(b);
	mbr_buf_adds(b, name);
	if (p == NULL || strncmp(msg, "ts ", 3) != 0) {
		mbr_buf_addc(b, ' ');
		mbr_buf_adds(b, msg);
		return;
	}
	mbr_buf_add(b, msg + 2, (size_t)(p - msg - 2));
	mbr_buf_adds(b, date ? " is not a valid date" : tm);
	mbr_buf_adds(b, p + sizeof(tm) - 1);
}

/* A profile's time field: the slice to write (v itself when written
 * as we would write it), in buf otherwise; 0, or -1 with g->msg set. */
static int
mem_time(struct ing *g, int f, mbr_slice *v, char *buf)
{
	mbr_time t;
	mbr_err e;

	mbr_err_clear(&e);
	if (mbr_time_parse(&t, v->p, v->n, g->tz, &e) != MBR_OK) {
		time_msg(&g->msg, mbr_field_names[f], f == MBR_F_BIRTHDAY,
		    e.msg);
		return -1;
	}
	if (f == MBR_F_BIRTHDAY)
		*v = (mbr_slice){ buf, mbr_date_fmt(buf, mbr_time_day(t)) };
	else if (!mbr_time_canonical(v->p, v->n))
		*v = (mbr_slice){ buf, mbr_time_fmt(buf, t) };
	return 0;
}

/* --kind members: a member profile of the row, or its reject.  The
 * same profile twice (every field written the same) is written once
 * and counted; two different profiles of one member_id are both
 * written, for mbr-oneid to merge by updated_at. */
static int
mem_row(struct ing *g, const mbr_rec *rec, mbr_err *err)
{
	mbr_slice v[NMEM];
	uint8_t t[NMEM];
	char tb[3][MBR_TIME_MAX + 1];
	const char *why = NULL, *c;
	uint64_t h = 0x243f6a8885a308d3ULL, fp = 0x13198a2e03707344ULL;
	mbr_oid *e;
	mbr_err pe;
	size_t i;
	int f, nt = 0;

	if (g->plan)
		return MBR_OK;
	if (identity(g, rec, &g->tmp, &g->idl, &g->msg, NULL) != 0) {
		no_identity(g, rec);
		return MBR_OK;
	}
	v[0] = (mbr_slice){ g->tmp.p, g->tmp.n };
	for (i = 1; i + 1 < NMEM && why == NULL; i++) {
		f = MBR_F_PROFILE0 + (int)i - 1;
		v[i] = field(g, rec, f);
		t[i] = MBR_V_STR;
		if (v[i].p == NULL)
			continue;
		mbr_err_clear(&pe);
		switch (f) {
		case MBR_F_PHONE:
			mbr_buf_reset(&g->mphone);
			if (mbr_phone_norm(&g->mphone, v[i].p, v[i].n,
			    g->o->cc, &pe) != MBR_OK) {
				why = "bad phone";
				mbr_buf_reset(&g->msg);
				mbr_buf_adds(&g->msg, pe.msg);
			}
			v[i] = (mbr_slice){ g->mphone.p, g->mphone.n };
			break;
		case MBR_F_EMAIL:
			mbr_buf_reset(&g->memail);
			if (mbr_email_norm(&g->memail, v[i].p, v[i].n, &pe) !=
			    MBR_OK) {
				why = "bad email";
				mbr_buf_reset(&g->msg);
				mbr_buf_adds(&g->msg, pe.msg);
			}
			v[i] = (mbr_slice){ g->memail.p, g->memail.n };
			break;
		case MBR_F_BIRTHDAY:
		case MBR_F_SIGNUP_TS:
		case MBR_F_UPDATED_AT:
			if (zero_date(v[i])) {
				v[i] = (mbr_slice){ NULL, 0 };
				break;
			}
			if (mem_time(g, f, &v[i], tb[nt++]) != 0)
				why = f == MBR_F_BIRTHDAY ? "bad birthday" :
				    f == MBR_F_SIGNUP_TS ? "bad signup_ts" :
				    "bad updated_at";
			else
				t[i] = MBR_V_PLAIN;
			break;
		case MBR_F_GENDER:
			mbr_trim(&v[i].p, &v[i].n);
			if ((c = gender_word(v[i])) == NULL) {
				why = "bad gender";
				mbr_buf_reset(&g->msg);
				mbr_buf_addf(&g->msg, "gender \"%.*s\" is not F, "
				    "M, O or unknown", (int)v[i].n, v[i].p);
				break;
			}
			v[i] = *c != '\0' ? (mbr_slice){ c, strlen(c) } :
			    (mbr_slice){ NULL, 0 };
			t[i] = MBR_V_PLAIN;
			break;
		case MBR_F_CONSENT_SMS:
		case MBR_F_CONSENT_EMAIL:
		case MBR_F_CONSENT_WECHAT:
		case MBR_F_CONSENT_WECOM:
		case MBR_F_CONSENT_APP:
		case MBR_F_CONSENT_CALL:
			if ((c = consent_word(v[i])) == NULL) {
				why = "bad consent";
				mbr_buf_reset(&g->msg);
				mbr_buf_addf(&g->msg, "%s \"%.*s\" is not yes "
				    "or no", mbr_field_names[f], (int)v[i].n,
				    v[i].p);
				break;
			}
			v[i] = (mbr_slice){ c, strlen(c) };
			t[i] = MBR_V_PLAIN;
			break;
		}
	}
	if (why != NULL) {
		reject(g, rec, why, g->msg.p);
		return MBR_OK;
	}
	v[NMEM - 1] = g->idl.n > 0 ? (mbr_slice){ g->idl.p, g->idl.n } :
	    (mbr_slice){ NULL, 0 };
	/* Two hashes of the record, seeded apart, as one of 128 bits:
	 * a collision would drop a profile unseen, which the order-id
	 * set's conflict reject cannot catch here. */
	for (i = 0; i < NMEM; i++) {
		h = fp_slice(h, v[i]);
		fp = fp_slice(fp, v[i]);
	}
	if (g->p->keep && g->own)
		for (i = 0; i < rec->n; i++) {
			int col = rec->order[i];

			if (col < g->nskip && g->skip[col])
				continue;
			h = fp_slice(fp_mix(h, (uint64_t)col), rec->f[col]);
			fp = fp_slice(fp_mix(fp, (uint64_t)col), rec->f[col]);
		}
	h = mbr_hash_end(h);
	fp = mbr_hash_end(fp);
	e = mbr_oidset_find(&g->seen, h);
	if (e->h != 0 && e->fp == fp) {
		g->fs[rec->fileno].dups++;
		return MBR_OK;
	}
	if (e->h == 0) {
		e = mbr_oidset_add(&g->seen, h);
		e->fp = fp;
	}
	g->fs[rec->fileno].orders++;
	if (g->run.w == NULL)
		return MBR_OK;
	t[0] = t[NMEM - 1] = MBR_V_STR;
	for (i = 0; i < NMEM; i++)
		put_field(g->run.w, mem_name(i), v[i], t[i]);
	if (g->p->keep && g->own)
		pass_rest(g, g->run.w, rec);
	if (mbr_writer_end(g->run.w, err) != MBR_OK)
		return err->code;
	g->written++;
	return MBR_OK;
}

static int
pass(struct ing *g, int nfiles, char *const files[], mbr_err *err)
{
	mbr_rec rec;
	struct order o;
	struct memo memo;
	mbr_err e;
	const char *why;
	int r, rc = MBR_OK;

	memset(&o, 0, sizeof(o));
	memset(&memo, 0, sizeof(memo));
	mbr_buf_init(&o.member);
	mbr_buf_init(&o.ids);
	while ((r = mbr_reader_next(g->run.rd, &rec, err)) != MBR_READ_END) {
		if (r == MBR_READ_FILE) {
			if ((rc = begin_file(g, err)) != MBR_OK)
				break;
			/* made fields are made in g, on one thread */
			if (!g->plan && !g->p->line_items && !g->p->made &&
			    g->kind == MBR_KIND_ORDERS &&
			    g->split != NULL &&
			    mbr_split_cuts(g->split) &&
			    (rc = split_file(g, err)) != MBR_OK)
				break;
			continue;
		}
		if (rec.bad != NULL) {
			reject(g, &rec, rec.bad, rec.why);
			continue;
		}
		if (g->kind == MBR_KIND_EVENTS) {
			if ((rc = ev_row(g, &rec, err)) != MBR_OK)
				break;
			continue;
		}
		if (g->kind == MBR_KIND_MEMBERS) {
			if ((rc = mem_row(g, &rec, err)) != MBR_OK)
				break;
			continue;
		}
		if (g->p->line_items) {
			if (!g->plan)
				li_row(g, &rec);
			continue;
		}
		if ((why = convert(g, &rec, &o, &e, &g->msg, &memo, 1)) !=
		    NULL) {
			reject(g, &rec, why, e.msg);
			continue;
		}
		rc = settle(g, &o, rec.fileno, rec.line, &rec, err);
		if (rc == -1)
			rc = MBR_OK;
		if (rc != MBR_OK) {
			if (err->file[0] == '\0')
				mbr_err_at(err, rec.file, rec.line);
			break;
		}
	}
	mbr_buf_release(&o.member);
	mbr_buf_release(&o.ids);
	if (rc == MBR_OK)
		rc = err->code;
	return rc;
}

/* A first pass is possible when every input can be read again. */
static int
rereadable(int nfiles, char *const files[])
{
	struct stat st;
	int i;

	for (i = 0; i < nfiles; i++)
		if (strcmp(files[i], "-") == 0 || stat(files[i], &st) != 0 ||
		    !S_ISREG(st.st_mode))
			return 0;
	return 1;
}

static void
summary(struct ing *g)
{
	int i;
	uint64_t rows;

	if (g->c->quiet)
		return;
	for (i = 0; i < g->nfiles; i++) {
		struct filestat *f = &g->fs[i];

		rows = mbr_reader_count_in(g->run.rd, i);
		if (g->kind == MBR_KIND_EVENTS) {
			fprintf(stderr, "%s: %s: %llu rows (%s): %llu events, "
			    "%llu rejected\n", mbr_progname(),
			    mbr_reader_filename(g->run.rd, i),
			    (unsigned long long)rows, f->preset ? f->preset :
			    "empty", (unsigned long long)f->orders,
			    (unsigned long long)f->rejects);
			continue;
		}
		if (g->kind == MBR_KIND_MEMBERS) {
			fprintf(stderr, "%s: %s: %llu rows (%s): %llu members, "
			    "%llu duplicates, %llu rejected\n", mbr_progname(),
			    mbr_reader_filename(g->run.rd, i),
			    (unsigned long long)rows, f->preset ? f->preset :
			    "empty", (unsigned long long)f->orders,
			    (unsigned long long)f->dups,
			    (unsigned long long)f->rejects);
			continue;
		}
		fprintf(stderr, "%s: %s: %llu rows (%s): %llu orders, "
		    "%llu duplicates, %llu status updates, %llu rejected\n",
		    mbr_progname(), mbr_reader_filename(g->run.rd, i),
		    (unsigned long long)rows, f->preset ? f->preset : "empty",
		    (unsigned long long)f->orders, (unsigned long long)f->dups,
		    (unsigned long long)f->updates,
		    (unsigned long long)f->rejects);
	}
	if (g->round != MBR_ROUND_NONE)
		fprintf(stderr, "%s: %llu orders' amounts rounded %s to the "
		    "minor unit\n", mbr_progname(),
		    (unsigned long long)g->rounded,
		    g->round == MBR_ROUND_HALF_EVEN ? "half-even" : "half-up");
}


int
mbr_ingest_run(const mbr_cli *c, const mbr_ingest_opts *o, int nfiles,
    char *const files[], mbr_err *err)
{
	struct ing g;
	mbr_cli cc = *c;
	mbr_reader_opts ro = c->ro;
	int i, rc, kind;

	memset(&g, 0, sizeof(g));
	g.o = o;
	g.c = &cc;
	g.round = o->round;
	g.nfiles = nfiles > 0 ? nfiles : 1;
	if (o->check && !cc.max_rejects.set) {
		cc.max_rejects.set = 1;	/* --check: no reject is fine */
		snprintf(cc.max_rejects.text, sizeof(cc.max_rejects.text),
		    "0");
	}
	if ((rc = mbr_cli_tz(c, &g.tz, err)) != MBR_OK)
		return rc;
	for (i = 0; mbr_preset_names[i] != NULL; i++) {
		if ((rc = mbr_preset_builtin(&g.builtin[g.nbuiltin++],
		    mbr_preset_names[i], err)) != MBR_OK)
			goto out;
		if (strcmp(mbr_preset_names[i], "members") == 0)
			g.members = g.builtin[g.nbuiltin - 1];
	}
	if (o->map != NULL && (rc = mbr_preset_load(&g.forced, o->map,
	    err)) != MBR_OK)
		goto out;
	if (o->map == NULL && o->preset != NULL &&
	    (rc = mbr_preset_builtin(&g.forced, o->preset, err)) != MBR_OK)
		goto out;
	/* The kind of records the run makes, when known before any input
	 * is read: --kind, or the preset named says. */
	g.kind = o->kind;
	g.kind_from = -1;
	if (g.kind == 0 && g.forced != NULL)
		g.kind = g.forced->kind != 0 ? g.forced->kind :
		    MBR_KIND_ORDERS;
	/* an export without a header: the preset names its columns */
	if (g.forced != NULL && g.forced->columns != NULL &&
	    cc.ro.columns == NULL)
		ro.columns = cc.ro.columns = g.forced->columns;
	g.fs = mbr_xcalloc((size_t)g.nfiles, sizeof(*g.fs));
	g.li = mbr_tab_new(sizeof(struct liorder));
	g.arena = mbr_arena_new();
	mbr_buf_init(&g.fpbuf);
	mbr_buf_init(&g.key);
	mbr_buf_init(&g.tmp);
	mbr_buf_init(&g.msg);
	mbr_buf_init(&g.idl);
	mbr_buf_init(&g.mphone);
	mbr_buf_init(&g.memail);
	for (i = 0; i < MBR_F_N; i++)
		mbr_buf_init(&g.made[i]);

	/* Size the order-id set for the input at once, so that it is not
	 * rebuilt again and again as it grows.  One file is sized when it
	 * begins, from its rows (mbr_reader_rows_hint), which this guess
	 * from its bytes would only oversize: 10M orders of 160 bytes
	 * took 16.8M slots for 11.3M the rows asked. */
	if (nfiles > 1) {
		struct stat st;
		uint64_t bytes = 0, want = 1u << 16;

		for (i = 0; i < nfiles; i++)
			if (stat(files[i], &st) == 0 && S_ISREG(st.st_mode))
				bytes += (uint64_t)st.st_size;
		/* Canonical rows are ~160 bytes, exports' longer: a guess
		 * too low costs one rebuild, one too high a set twice the
		 * size (10M orders: 384 MB at 128 bytes a row, 1.5 GB at
		 * 64 and half load). */
		while (want / 4 * 3 < bytes / 128 && want < (1ULL << 32))
			want <<= 1;
		g.ids.cap = (size_t)want;
	}
	kind = g.kind;
	if (nfiles > 1 && (g.kind == 0 || g.kind == MBR_KIND_ORDERS) &&
	    rereadable(nfiles, files)) {
		/* The plan: which row of each order is written, with which
		 * status.  Nothing is written or rejected in it.  Made when
		 * the kind is not known yet too, so that an input of
		 * another kind than the first stops the run before a
		 * byte is written. */
		ro.progress = 0;
		if ((rc = mbr_reader_open(&g.run.rd, &ro, nfiles, files,
		    err)) != MBR_OK)
			goto out;
		g.plan = 1;
		rc = pass(&g, nfiles, files, err);
		mbr_reader_free(g.run.rd);
		g.run.rd = NULL;
		if (rc != MBR_OK)
			goto out;
		g.plan = 0;
		g.planned = 1;
		g.kind = kind;	/* the inputs say again */
	}
	if ((rc = mbr_run_open(&g.run, &cc, nfiles, files, !o->check,
	    err)) != MBR_OK)
		goto out;
	if (g.run.w != NULL)
		g.pipe = mbr_pipe_new(sizeof(struct wrec), mbr_cli_threads(c),
		    write_batch, &g);
	{
		static const mbr_split_fns fns = { sizeof(struct iitem),
		    sizeof(struct ichunk), ibegin, imap, icommit };

		g.split = mbr_split_new(&fns, &g, mbr_cli_threads(c),
		    g.run.rd, g.run.rj);
		for (i = 0; i < MBR_SPLIT_SLOTS; i++) {
			mbr_buf_init(&g.slot[i].o.member);
			mbr_buf_init(&g.slot[i].o.ids);
			mbr_buf_init(&g.slot[i].msg);
		}
	}
	rc = pass(&g, nfiles, files, err);
	g.piped = 0;
	if (flush_writer(&g, rc == MBR_OK ? err : &(mbr_err){ 0 }) != MBR_OK &&
	    rc == MBR_OK)
		rc = err->code;
	if (rc == MBR_OK)
		rc = li_finish(&g, err);
	if (rc == MBR_OK && g.run.w != NULL && mbr_writer_count(g.run.w) == 0) {
		/* nothing written: a CSV still gets its header */
		mbr_slice h[NMEM > NEV ? NMEM : NEV];

		if (g.kind == MBR_KIND_EVENTS) {
			for (i = 0; i < NEV; i++)
				h[i] = (mbr_slice){ ev_names[i],
				    strlen(ev_names[i]) };
			mbr_writer_header(g.run.w, h, NEV);
		} else if (g.kind == MBR_KIND_MEMBERS) {
			for (i = 0; i < NMEM; i++)
				h[i] = (mbr_slice){ mem_name((size_t)i),
				    strlen(mem_name((size_t)i)) };
			mbr_writer_header(g.run.w, h, NMEM);
		} else
			canon_header(&g, 0);
	}
	if (rc == MBR_OK)
		summary(&g);
	rc = mbr_run_close(&g.run, &cc, err);
out:
	mbr_pipe_free(g.pipe);
	mbr_split_free(g.split);
	for (i = 0; i < MBR_SPLIT_SLOTS; i++) {
		mbr_buf_release(&g.slot[i].o.member);
		mbr_buf_release(&g.slot[i].o.ids);
		mbr_buf_release(&g.slot[i].msg);
	}
	if (g.run.rd != NULL)
		mbr_run_close(&g.run, &cc, &(mbr_err){ 0 });
	li_free(&g);
	mbr_oidset_free(&g.ids);
	mbr_oidset_free(&g.seen);
	free(g.fs);
	free(g.skip);
	mbr_buf_release(&g.fpbuf);
	mbr_buf_release(&g.key);
	mbr_buf_release(&g.tmp);
	mbr_buf_release(&g.msg);
	mbr_buf_release(&g.idl);
	mbr_buf_release(&g.mphone);
	mbr_buf_release(&g.memail);
	for (i = 0; i < MBR_F_N; i++)
		mbr_buf_release(&g.made[i]);
	for (i = 0; i < g.nbuiltin; i++)
		mbr_preset_free(g.builtin[i]);
	mbr_preset_free(g.forced);
	mbr_tz_free(g.tz);
	return rc;
}
