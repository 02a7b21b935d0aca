/* mbr_rfm.c: see mbr_rfm.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mbr_buf.h"
#include "mbr_csv.h"
#include "mbr_money.h"
#include "mbr_oidset.h"
#include "mbr_split.h"
#include "mbr_rfm.h"
#include "mbr_tab.h"
#include "mbr_time.h"

/* --- scoring --- */

void
mbr_rfm_breaks(mbr_breaks *br, const int64_t *v, size_t n, int k,
    int64_t unit)
{
	int i;

	br->nb = k + 1;
	br->b[0] = (mbr_frac){ (__int128)v[0], 1 };
	for (i = 1; i < k; i++)
		br->b[i] = mbr_frac_add(mbr_quantile7(v, n, (unsigned)i,
		    (unsigned)k), unit);
	br->b[k] = (mbr_frac){ (__int128)v[n - 1] + unit, 1 };
}

int
mbr_rfm_score(const mbr_breaks *br, int64_t x)
{
	int i, s = 1;

	/* Bins are [b[i-1], b[i]); coinciding breaks leave a bin empty,
	 * as R's rfm does. */
	for (i = 1; i < br->nb - 1; i++)
		if (mbr_frac_cmp(x, br->b[i]) >= 0)
			s = i + 1;
	return s;
}

int
mbr_rfm_rank_score(const int64_t *v, size_t n, int k, int64_t x)
{
	size_t r = mbr_lower_bound(v, n, x);	/* rank_min - 1 */

	return 1 + (int)((r * (size_t)k) / n);
}

static int
parse_int(const char **p, int64_t *out, unsigned exp)
{
	int64_t v = 0;
	unsigned d = 0, frac = 0;
	const char *s = *p;

	if (*s < '0' || *s > '9')
		return -1;
	while (*s >= '0' && *s <= '9') {
		if (v > INT64_MAX / 100)
			return -1;
		v = v * 10 + (*s++ - '0');
	}
	if (*s == '.' && exp > 0) {
		s++;
		while (*s >= '0' && *s <= '9' && frac < exp) {
			v = v * 10 + (*s++ - '0');
			frac++;
		}
		if (*s >= '0' && *s <= '9')
			return -1;
	}
	for (d = frac; d < exp; d++)
		v *= 10;
	*out = v;
	*p = s;
	return 0;
}

int
mbr_rfm_parse_bins(const char *spec, unsigned exp,
    int64_t v[3][MBR_RFM_MAXBINS], int n[3], mbr_err *err)
{
	const char *s = spec;
	int d;

	n[0] = n[1] = n[2] = 0;
	while (*s != '\0') {
		while (*s == ' ')
			s++;
		if (*s == '\0')
			break;
		if ((*s != 'r' && *s != 'f' && *s != 'm') || s[1] != '=')
			goto bad;
		d = *s == 'r' ? 0 : *s == 'f' ? 1 : 2;
		s += 2;
		for (;;) {
			if (n[d] == MBR_RFM_MAXBINS - 1 ||
			    parse_int(&s, &v[d][n[d]], d == 2 ? exp : 0) != 0)
				goto bad;
			if (n[d] > 0 && v[d][n[d]] <= v[d][n[d] - 1])
				goto bad;
			n[d]++;
			if (*s != ',')
				break;
			s++;
		}
		if (*s != ' ' && *s != '\0')
			goto bad;
	}
	for (d = 0; d < 3; d++)
		if (n[d] == 0)
			return mbr_err_set(err, MBR_EUSAGE, "--bins: \"%s\" "
			    "gives no thresholds for %c", spec, "rfm"[d]);
	return MBR_OK;
bad:
	return mbr_err_set(err, MBR_EUSAGE, "--bins: \"%s\" is not like "
	    "'r=30,60,90 f=1,2,3 m=100,500,1000' (ascending numbers, at most "
	    "%d per letter)", spec, MBR_RFM_MAXBINS - 1);
}

int
mbr_rfm_parse_carry(mbr_rfm_opts *o, char *spec, mbr_err *err)
{
	static const char *const how[] = { "last", "first", "mode" };
	static const char *const metrics[] = { "member_id", "first_order_ts",
	    "last_order_ts", "recency_days", "frequency", "monetary", "aov",
	    "tenure_days", "r_score", "f_score", "m_score", "rfm",
	    "rfm_segment", "lifecycle", NULL };
	const char *colon = strrchr(spec, ':');
	size_t n = colon != NULL ? (size_t)(colon - spec) : strlen(spec);
	int h = MBR_CARRY_LAST, i;

	if (colon != NULL) {
		for (h = 0; h < 3; h++)
			if (strcmp(colon + 1, how[h]) == 0)
				break;
		if (h == 3)
			return mbr_err_set(err, MBR_EUSAGE, "--carry: \"%s\": "
			    "\"%s\" is not first, last or mode", spec,
			    colon + 1);
	}
	if (n == 0)
		return mbr_err_set(err, MBR_EUSAGE, "--carry: \"%s\" names "
		    "no field", spec);
	for (i = 0; metrics[i] != NULL; i++)
		if (strlen(metrics[i]) == n &&
		    memcmp(metrics[i], spec, n) == 0)
			return mbr_err_set(err, MBR_EUSAGE, "--carry: %.*s is "
			    "a metric of mbr-rfm's own", (int)n, spec);
	for (i = 0; i < o->ncarry; i++)
		if (o->carry[i].n == n && memcmp(o->carry[i].field, spec,
		    n) == 0)
			return mbr_err_set(err, MBR_EUSAGE, "--carry: %.*s is "
			    "carried twice", (int)n, spec);
	if (o->ncarry == MBR_RFM_MAXCARRY)
		return mbr_err_set(err, MBR_EUSAGE, "--carry: at most %d "
		    "fields", MBR_RFM_MAXCARRY);
	spec[n] = '\0';	/* the field's name, now */
	o->carry[o->ncarry].field = spec;
	o->carry[o->ncarry].n = n;
	o->carry[o->ncarry].how = h;
	o->ncarry++;
	return MBR_OK;
}

/* --- segments --- */

/* The rules are R rfm's ten segments (its vignette's table), reordered
 * and completed so that with "first match wins" each is reachable and
 * every score combination has a segment (R's own table leaves 36 of
 * the 125 as "Others" and never reaches three of its segments). */
static const mbr_segrule rfm11[] = {
	{ "champions",		"冠军客户",	{ 4, 4, 4 }, { 5, 5, 5 } },
	{ "loyal",		"忠诚客户",	{ 2, 3, 3 }, { 5, 5, 5 } },
	{ "new",		"新晋客户",	{ 4, 1, 1 }, { 5, 1, 5 } },
	{ "promising",		"有潜力新客户",	{ 3, 1, 1 }, { 3, 1, 5 } },
	{ "need_attention",	"需要关注客户",	{ 2, 2, 2 }, { 3, 3, 3 } },
	{ "potential_loyalist",	"潜力客户",	{ 3, 1, 1 }, { 5, 5, 5 } },
	{ "cannot_lose",	"不能失去客户",	{ 1, 4, 4 }, { 1, 5, 5 } },
	{ "at_risk",		"流失风险客户",	{ 1, 2, 2 }, { 2, 5, 5 } },
	{ "about_to_sleep",	"即将沉睡客户",	{ 2, 1, 1 }, { 2, 2, 2 } },
	{ "lost",		"已流失客户",	{ 1, 1, 1 }, { 1, 2, 2 } },
	{ "hibernating",	"休眠客户",	{ 1, 1, 1 }, { 2, 5, 5 } },
};

const mbr_segrule *
mbr_rfm11(size_t *n)
{
	*n = sizeof(rfm11) / sizeof(rfm11[0]);
	return rfm11;
}

const mbr_segrule *
mbr_rfm_segment(const mbr_segrule *rules, size_t n, int r, int f, int m)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (r >= rules[i].lo[0] && r <= rules[i].hi[0] &&
		    f >= rules[i].lo[1] && f <= rules[i].hi[1] &&
		    m >= rules[i].lo[2] && m <= rules[i].hi[2])
			return &rules[i];
	return NULL;
}

/* "4-5", "3", "1-5" */
static int
range(const char *s, size_t n, int *lo, int *hi)
{
	if (n == 1 && s[0] >= '1' && s[0] <= '9') {
		*lo = *hi = s[0] - '0';
		return 0;
	}
	if (n == 3 && s[1] == '-' && s[0] >= '1' && s[0] <= '9' &&
	    s[2] >= '1' && s[2] <= '9' && s[0] <= s[2]) {
		*lo = s[0] - '0';
		*hi = s[2] - '0';
		return 0;
	}
	if (n == 2 && s[0] == '1' && s[1] == '0') {
		*lo = *hi = 10;
		return 0;
	}
	return -1;
}

int
mbr_rfm_load_segments(mbr_segrule **rules, size_t *nrules, const char *path,
    mbr_err *err)
{
	mbr_reader_opts ro = { 0 };
	mbr_reader *rd;
	mbr_rec rec;
	int r, ix[4], i, rc;
	static const char *const col[] = { "segment", "r", "f", "m" };
	char *files[1] = { (char *)path };
	size_t n = 0;
	mbr_segrule *v = NULL;

	*rules = NULL;
	*nrules = 0;
	if ((rc = mbr_reader_open(&rd, &ro, 1, files, err)) != MBR_OK)
		return rc;
	for (i = 0; i < 4; i++)
		ix[i] = mbr_reader_col(rd, col[i], strlen(col[i]));
	while ((r = mbr_reader_next(rd, &rec, err)) != MBR_READ_END) {
		if (r == MBR_READ_FILE) {
			for (i = 0; i < 4; i++)
				if (!mbr_reader_has(rd, ix[i])) {
					rc = mbr_err_set(err, MBR_EUSAGE,
					    "missing column \"%s\" (a segments "
					    "file has segment,r,f,m)", col[i]);
					mbr_err_at(err, path, 1);
					goto fail;
				}
			continue;
		}
		if (rec.bad != NULL) {
			rc = mbr_err_set(err, MBR_EUSAGE, "%s", rec.why);
			mbr_err_at(err, path, rec.line);
			goto fail;
		}
		v = mbr_xrealloc(v, (n + 1) * sizeof(*v));
		memset(&v[n], 0, sizeof(v[n]));
		v[n].name = mbr_xstrndup(rec.f[ix[0]].p, rec.f[ix[0]].n);
		v[n].name_zh = NULL;
		n++;
		for (i = 0; i < 3; i++) {
			mbr_slice s = rec.f[ix[i + 1]];
			if (range(s.p, s.n, &v[n - 1].lo[i], &v[n - 1].hi[i])) {
				rc = mbr_err_set(err, MBR_EUSAGE, "%s \"%.*s\" "
				    "is not a score or a range like 4-5",
				    col[i + 1], (int)s.n, s.p);
				mbr_err_at(err, path, rec.line);
				goto fail;
			}
		}
	}
	if (err->code != MBR_OK) {
		rc = err->code;
		goto fail;
	}
	mbr_reader_free(rd);
	*rules = v;
	*nrules = n;
	return MBR_OK;
fail:
	mbr_reader_free(rd);
	for (size_t k = 0; k < n; k++)
		free(v[k].name);
	free(v);
	return rc;
}

/* --- the run --- */

/* HAS_ORDER: a refunded, cancelled or pending order, none paid yet */
enum { HAS_PAID = 1, EMITTED = 2, HAS_ORDER = 4 };

struct mem {
	int64_t		first_t, last_t;
	int64_t		monetary;
	uint32_t	freq;
	uint32_t	flags;
	/* then, for each --also window: uint32 freq, int64 monetary, in
	 * two arrays (see ALSO_F, ALSO_M) */
};
#define ALSO_M(m, i)	(((int64_t *)((struct mem *)(m) + 1))[i])
#define ALSO_F(m, n, i)	(((uint32_t *)(&ALSO_M(m, n)))[i])

/* Then, 8-byte aligned at g->carry_off, one slot per --carry: the
 * value chosen so far (an index into g->vals, 0 for none) and the time
 * of its order, or for :mode the values counted. */
struct cnode {
	struct cnode	*next;
	uint32_t	 val, n;
};
struct cslot {
	int64_t		 t;
	uint32_t	 val;
	struct cnode	*list;	/* :mode, in order of first sight */
};
#define CARRY(g, m, i)	((struct cslot *)((char *)(m) + (g)->carry_off) + (i))

/* (member, day) pairs for --frequency days. */
struct dayset {
	uint64_t	*s;
	size_t		 mask, n;
};

static int
dayset_add(struct dayset *d, uint64_t key)
{
	size_t j;

	key++;	/* 0 marks an empty slot */
	if (d->s == NULL || (d->n + 1) * 4 > (d->mask + 1) * 3) {
		struct dayset nd;
		size_t i;

		nd.mask = d->s ? d->mask * 2 + 1 : 4095;
		nd.s = mbr_xcalloc(nd.mask + 1, sizeof(uint64_t));
		nd.n = d->n;
		for (i = 0; d->s && i <= d->mask; i++) {
			uint64_t k = d->s[i];
			if (k == 0)
				continue;
			for (j = (k * 0x9e3779b97f4a7c15ULL) >> 20 & nd.mask;
			    nd.s[j] != 0; j = (j + 1) & nd.mask)
				;
			nd.s[j] = k;
		}
		free(d->s);
		*d = nd;
	}
	for (j = (key * 0x9e3779b97f4a7c15ULL) >> 20 & d->mask; d->s[j] != 0;
	    j = (j + 1) & d->mask)
		if (d->s[j] == key)
			return 0;
	d->s[j] = key;
	d->n++;
	return 1;
}

/* A writer and the record it is writing: its fields' names, values
 * and types (the text of the values in buf and abuf).  row: the writer
 * knows the names already (a fork), so that the record is written by
 * position (mbr_writer_row). */
#define OUTF	(16 + 2 * MBR_RFM_MAXALSO + MBR_RFM_MAXCARRY)
struct out {
	mbr_writer	*w;
	int		 row;
	const char	*name[OUTF];
	mbr_slice	 val[OUTF];
	uint8_t		 type[OUTF];
	size_t		 nf;
	char		 buf[12][64];
	char		 abuf[MBR_RFM_MAXALSO][2][32];
	int		 rc;
	mbr_err		 err;
};

struct rfm {
	const mbr_cli		*c;
	const mbr_rfm_opts	*o;
	mbr_run			 run;
	mbr_tz			*tz;
	mbr_time		 asof;
	int64_t			 asof_day;
	mbr_tab			*m;
	struct dayset		 days;
	int			 ix_id, ix_ts, ix_amt, ix_st, ix_cur, ix_oid;
	char			 cur[8];
	char			 cur0[8];	/* --currency, or CNY: never
						 * changed, read by map */
	int			 exp;		/* -1 until known */
	uint64_t		 n_paid, n_other, n_future, n_dup;
	mbr_oidset		 oids;		/* paid orders' ids */
	unsigned long		 lineadd;	/* the chunk's (commit) */
	mbr_split		*chunks;	/* see struct chunk */
	/* scoring */
	size_t			 nscored;
	int64_t			*sv[3];		/* sorted r, f, m */
	int			 svheap[3];	/* sv[d] is malloc's */
	char			*scratch;	/* the member index's slots,
						 * after the orders */
	size_t			 nscratch;
	mbr_breaks		 br[3];
	int			 k[3];		/* bins per dimension */
	mbr_frac		 split[3];	/* rfm8 */
	const mbr_segrule	*rules;
	size_t			 nrules;
	mbr_segrule		*own;
	uint8_t			*ntype;		/* each rule's name's
						 * mbr_writer_plain, twice */
	/* output */
	char			 aname[MBR_RFM_MAXALSO][2][32];
	struct out		 out;		/* the run's writer */
	struct out		*outs;		/* MBR_SPLIT_SLOTS forks */
	size_t			 from;		/* the first member they write */
	char			 ovf[208];	/* a member whose sum
						 * overflowed, or "" */
	/* --carry */
	int			 ix_carry[MBR_RFM_MAXCARRY];
	size_t			 carry_off;
	mbr_tab			*vals;		/* carried values; index + 1 */
	mbr_arena		*arena;		/* :mode's nodes */
	/* summary */
	struct segsum {
		const char	*name;
		uint64_t	 members;
		int64_t		 monetary, rsum;
		uint64_t	 fsum;
		uint64_t	 paid;		/* members with a paid order */
		int		 rank;
	}			*sum;
	size_t			 nsum;
};

static int64_t
local_day(struct rfm *g, int64_t t)
{
	mbr_time tm = { t, mbr_tz_offset_at(g->tz, t) };

	return mbr_time_day(tm);
}

static int
begin_orders(struct rfm *g, const char *file, mbr_err *err)
{
	static const char *const need[] = { "member_id", "ts", "amount",
	    "status" };
	int ix[4] = { g->ix_id, g->ix_ts, g->ix_amt, g->ix_st }, i;
	size_t nh;

	if (mbr_reader_format(g->run.rd) != MBR_FMT_CSV)
		return MBR_OK;
	mbr_reader_header(g->run.rd, &nh);
	if (nh == 0)
		return MBR_OK;	/* empty */
	for (i = 0; i < 4; i++)
		if (!mbr_reader_has(g->run.rd, ix[i])) {
			mbr_err_set(err, MBR_EUSAGE, "missing column \"%s\" "
			    "(orders need member_id, ts, amount, status)",
			    need[i]);
			mbr_err_at(err, file, 1);
			return MBR_EUSAGE;
		}
	/* The order-id set sized once for the rows to come (see
	 * mbr-ingest's), when the rows have ids to keep. */
	if (!g->o->no_dedupe && mbr_reader_has(g->run.rd, g->ix_oid)) {
		unsigned long long rows = mbr_reader_rows_hint(g->run.rd);

		mbr_oidset_reserve(&g->oids, g->oids.n + rows + rows / 8);
	}
	/* a field to carry that the orders lack is a typo, not nulls */
	for (i = 0; i < g->o->ncarry; i++)
		if (!mbr_reader_has(g->run.rd, g->ix_carry[i])) {
			mbr_err_set(err, MBR_EUSAGE, "--carry: no column "
			    "\"%s\"", g->o->carry[i].field);
			mbr_err_at(err, file, 1);
			return MBR_EUSAGE;
		}
	return MBR_OK;
}

/* A paid order on its way to its member (see fold); t NOT_PAID for an
 * order of another status, which only makes its member known. */
#define NOT_PAID INT64_MIN
struct paid {
	uint64_t	 h;		/* mbr_hash of the key */
	int64_t		 t, day;	/* instant, local day */
	int64_t		 a;		/* amount */
	const char	*key;
	size_t		 n;
	/* the order id's mbr_hash (0: none, or --no-dedupe), the
	 * fingerprint of member, time and amount, and the row as read and
	 * its line (in the chunk), for a conflict's reject */
	uint64_t	 oh, fp;
	const char	*raw, *oid;
	size_t		 rawn, oidn;
	unsigned long	 line;
};

/* What a chunk of orders (mbr_split) counted and decided while it was
 * parsed, perhaps beside the folding of the chunks before it: the run's
 * currency is the first priced order's, so a chunk that met one before
 * knowing what came earlier says so (set), and commit checks. */
struct chunk {
	uint64_t	 n_paid, n_other, n_future;
	char		 cur[8];
	int		 exp;		/* -1 until known */
	int		 set;		/* this chunk set cur and exp */
};

/* The carried values of paid order p, behind its key: for each, its
 * length (4 bytes) and its text; an empty one carries nothing.  first
 * keeps the earliest order's (the first read of equal times), last the
 * latest's (the last read), mode the most frequent (the first seen of
 * equal counts). */
static void
carry(struct rfm *g, struct mem *m, const struct paid *p)
{
	const char *q = p->key + p->n;
	int i;

	for (i = 0; i < g->o->ncarry; i++) {
		struct cslot *c = CARRY(g, m, i);
		struct cnode *nd, **at;
		uint32_t n, v;

		memcpy(&n, q, 4);
		q += 4;
		if (n == 0)
			continue;
		v = (uint32_t)mbr_tab_index(g->vals, mbr_tab_upsert(g->vals,
		    q, n, NULL)) + 1;
		q += n;
		switch (g->o->carry[i].how) {
		case MBR_CARRY_FIRST:
			if (c->val == 0 || p->t < c->t) {
				c->val = v;
				c->t = p->t;
			}
			break;
		case MBR_CARRY_LAST:
			if (c->val == 0 || p->t >= c->t) {
				c->val = v;
				c->t = p->t;
			}
			break;
		default:
			for (at = &c->list; (nd = *at) != NULL; at = &nd->next)
				if (nd->val == v)
					break;
			if (nd == NULL) {
				nd = mbr_arena_alloc(g->arena, sizeof(*nd));
				nd->val = v;
				*at = nd;
			}
			nd->n++;
		}
	}
}

/* A sum past 2^63 - 1 minor units (92,233,720,368,547,758.07 of a
 * two-place currency): no real member's, so the data are wrong, and the
 * run fails naming the first member it met (see mbr_rfm_run). */
static void
overflow(struct rfm *g, const char *key, size_t n)
{
	if (g->ovf[0] == '\0')
		snprintf(g->ovf, sizeof(g->ovf), "%.*s", (int)(n < 200 ? n :
		    200), key);
}

static void
apply(struct rfm *g, const struct paid *p)
{
	const mbr_rfm_opts *o = g->o;
	struct mem *m = mbr_tab_upsert_h(g->m, p->key, p->n, p->h, NULL);
	int64_t t = p->t, a = p->a, day = p->day, age;
	int i, newday = 1;

	if (t == NOT_PAID) {
		m->flags |= HAS_ORDER;
		return;
	}
	age = g->asof_day - day;
	if (!(m->flags & HAS_PAID)) {
		m->flags |= HAS_PAID;
		m->first_t = m->last_t = t;
	} else {
		if (t < m->first_t)
			m->first_t = t;
		if (t > m->last_t)
			m->last_t = t;
	}
	/* A paid order with a negative amount is a return booked as an
	 * order of its own: it lowers monetary and is not a purchase. */
	if (o->freq_days && a >= 0)
		newday = dayset_add(&g->days, ((uint64_t)mbr_tab_index(g->m,
		    m) << 24) | (uint64_t)(day & 0xffffff));
	if (o->window == 0 || age < o->window) {
		if (__builtin_add_overflow(m->monetary, a, &m->monetary))
			overflow(g, p->key, p->n);
		if (a >= 0 && newday)
			m->freq++;
	}
	for (i = 0; i < o->nalso; i++)
		if (age < o->also[i]) {
			if (__builtin_add_overflow(ALSO_M(m, i), a,
			    &ALSO_M(m, i)))
				overflow(g, p->key, p->n);
			if (a >= 0 && newday)
				ALSO_F(m, o->nalso, i)++;
		}
	if (o->ncarry > 0)
		carry(g, m, p);
}

/* Whether paid order p is the first of its order id: the same order
 * again (member, time and amount too: a file read twice, exports that
 * overlap) is counted as a duplicate, and another order under the same
 * id is rejected as a conflict, so that no order counts twice. */
static int
seen_first(struct rfm *g, mbr_chunk *ck, const struct paid *p)
{
	mbr_oid *e = mbr_oidset_find(&g->oids, p->oh);
	char msg[500];

	if (e->h == 0) {
		e = mbr_oidset_add(&g->oids, p->oh);
		e->fp = p->fp;
		e->file = (uint16_t)mbr_reader_current(g->run.rd);
		e->line = (uint32_t)(p->line + g->lineadd);
		return 1;
	}
	g->n_paid--;
	if (e->fp == p->fp) {
		g->n_dup++;
		return 0;
	}
	snprintf(msg, sizeof(msg), "order_id \"%.*s\" conflicts with the "
	    "order at %s:%lu (another member, time or amount)",
	    (int)(p->oidn < 100 ? p->oidn : 100), p->oid,
	    mbr_reader_filename(g->run.rd, e->file), (unsigned long)e->line);
	mbr_chunk_reject_raw(ck, p->line, p->raw, p->rawn,
	    "conflicting order_id", msg);
	return 0;
}

/* The member table is probed at random, two cache misses an order (its
 * slot, then its entry) that dominated the run at millions of members.
 * Paid orders come here a chunk at a time (mbr_split),
 * and each member's slot is fetched 16 orders ahead and its entry 8
 * ahead, so that both are in the cache by its turn.  Batches arrive in
 * input order, so members enter the table in the order of their first
 * paid order whether or not a second thread folds them. */
static void
fold(struct rfm *g, mbr_chunk *ck, struct paid *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (i + 16 < n) {
			mbr_tab_prefetch(g->m, p[i + 16].h);
			if (p[i + 16].oh != 0)
				mbr_oidset_prefetch(&g->oids, p[i + 16].oh);
		}
		if (i + 8 < n)
			mbr_tab_prefetch_entry(g->m, p[i + 8].h);
		if (p[i].oh != 0 && !seen_first(g, ck, &p[i]))
			continue;
		apply(g, &p[i]);
	}
}

static void
begin_chunk(void *ctx, mbr_chunk *ck, void *st, const void *prev,
    int after)
{
	struct rfm *g = ctx;
	struct chunk *k = st;
	const struct chunk *p = prev;

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

/* An item for the fold: member id's key copied behind it, with room
 * for extra bytes after the key (the carried values). */
static struct paid *
add_item(mbr_chunk *ck, mbr_slice id, size_t extra, int64_t t, int64_t a,
    int64_t day)
{
	void *key;
	struct paid *p = mbr_chunk_add(ck, id.n + extra, &key);

	memcpy(key, id.p, id.n);
	p->key = key;
	p->n = id.n;
	p->h = mbr_hash(id.p, id.n);
	p->t = t;
	p->a = a;
	p->day = day;
	return p;
}

/* Parses an order: a paid one becomes an item to fold. */
static void
order(void *ctx, mbr_chunk *ck, void *st, const mbr_rec *rec)
{
	struct rfm *g = ctx;
	struct chunk *k = st;
	mbr_slice id = rec->f[g->ix_id], ts = rec->f[g->ix_ts];
	mbr_slice amt = rec->f[g->ix_amt], st_ = rec->f[g->ix_st];
	mbr_slice cur = rec->f[g->ix_cur], oid = rec->f[g->ix_oid];
	mbr_err e;
	mbr_time t;
	int64_t a;
	struct paid *p;
	const char *why;
	int dedupe;
	mbr_buf msg;		/* made by mbr_currency_judge on a reject */

	mbr_err_clear(&e);
	if (rec->bad != NULL) {
		mbr_chunk_reject(ck, rec, rec->bad, rec->why);
		return;
	}
	/* JSON's null is no value, not the text "null" */
	if (rec->type[g->ix_id] == MBR_V_NULL)
		id.p = NULL;
	if (rec->type[g->ix_ts] == MBR_V_NULL)
		ts.p = NULL;
	if (rec->type[g->ix_amt] == MBR_V_NULL)
		amt.p = NULL;
	if (rec->type[g->ix_st] == MBR_V_NULL)
		st_.p = NULL;
	if (rec->type[g->ix_cur] == MBR_V_NULL)
		cur.p = NULL;
	if (st_.p == NULL || st_.n == 0) {
		mbr_chunk_reject(ck, rec, "missing status",
		    "status is missing");
		return;
	}
	if (!mbr_slice_eq(st_, "paid", 4)) {
		if (mbr_slice_eq(st_, "refunded", 8) ||
		    mbr_slice_eq(st_, "cancelled", 9) ||
		    mbr_slice_eq(st_, "pending", 7)) {
			k->n_other++;
			/* its member is known, with frequency 0, so
			 * that every ordering member has a record; not
			 * from an order after --as-of */
			if (id.p != NULL && id.n > 0 && ts.p != NULL &&
			    mbr_time_parse(&t, ts.p, ts.n, g->tz, &e) ==
			    MBR_OK && t.t <= g->asof.t) {
				add_item(ck, id, 0, NOT_PAID, 0, 0);
			}
			return;
		}
		mbr_chunk_rejectf(ck, rec, "unknown status", "status \"%.*s\" "
		    "is not paid, refunded, cancelled or pending", (int)st_.n,
		    st_.p);
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
	if ((why = mbr_currency_judge(k->cur, &k->exp, &k->set, cur.p, cur.n,
	    &msg)) != NULL) {
		mbr_chunk_reject(ck, rec, why, msg.p);
		mbr_buf_release(&msg);
		return;
	}
	if (amt.p == NULL || mbr_money_parse(&a, amt.p, amt.n,
	    (unsigned)k->exp, g->c->decimal_comma ? MBR_MONEY_DECIMAL_COMMA :
	    0, &e) != MBR_OK) {
		mbr_chunk_reject(ck, rec, "bad amount", amt.p ? e.msg :
		    "amount is missing");
		return;
	}
	if (t.t > g->asof.t) {
		k->n_future++;	/* after --as-of: not yet happened */
		return;
	}
	k->n_paid++;
	/* An order without an id cannot be told from another: counted. */
	dedupe = !g->o->no_dedupe && oid.p != NULL && oid.n > 0 &&
	    rec->type[g->ix_oid] != MBR_V_NULL;
	if (g->o->ncarry > 0 || dedupe) {
		size_t extra = dedupe ? rec->raw.n + oid.n : 0;
		char *q;
		int i;

		for (i = 0; i < g->o->ncarry; i++)
			extra += 4 + rec->f[g->ix_carry[i]].n;
		p = add_item(ck, id, extra, t.t, a, local_day(g, t.t));
		for (i = 0, q = (char *)p->key + id.n; i < g->o->ncarry; i++) {
			mbr_slice v = rec->f[g->ix_carry[i]];
			uint32_t n = v.p != NULL && rec->type[g->ix_carry[i]] !=
			    MBR_V_NULL ? (uint32_t)v.n : 0;

			memcpy(q, &n, 4);
			if (n > 0)
				memcpy(q + 4, v.p, n);
			q += 4 + n;
		}
		if (dedupe) {
			uint64_t fp = mbr_hash_mix(0x9e3779b97f4a7c15ULL ^
			    id.n, id.p, id.n);

			fp = mbr_hash_mum(fp ^ (uint64_t)t.t, (uint64_t)a ^
			    0xe7037ed1a0b428dbULL);
			p->oh = mbr_hash(oid.p, oid.n);
			if (p->oh == 0)
				p->oh = 1;
			p->fp = mbr_hash_end(fp);
			if (rec->raw.n > 0)
				memcpy(q, rec->raw.p, rec->raw.n);
			p->raw = q;
			p->rawn = rec->raw.n;
			memcpy(q + rec->raw.n, oid.p, oid.n);
			p->oid = q + rec->raw.n;
			p->oidn = oid.n;
			p->line = rec->line;
		}
	} else
		add_item(ck, id, 0, t.t, a, local_day(g, t.t));
}

/* Folds a chunk's paid orders, in input order, once the currency it
 * assumed is known to be the run's. */
static int
commit_chunk(void *ctx, mbr_chunk *ck, void *st, mbr_err *err)
{
	struct rfm *g = ctx;
	struct chunk *k = st;
	size_t n;
	void *items;

	(void)err;
	if (k->set) {
		if (g->exp < 0) {
			memcpy(g->cur, k->cur, sizeof(g->cur));
			g->exp = k->exp;
		} else if (g->exp != k->exp || strcmp(g->cur, k->cur) != 0)
			return MBR_SPLIT_AGAIN;
	}
	g->n_paid += k->n_paid;
	g->n_other += k->n_other;
	g->n_future += k->n_future;
	g->lineadd = mbr_chunk_line(ck);
	items = mbr_chunk_items(ck, &n);
	fold(g, ck, items, n);
	return MBR_OK;
}

static void
score_prepare(struct rfm *g)
{
	const mbr_rfm_opts *o = g->o;
	size_t i, n = mbr_tab_count(g->m), k = 0;
	int d, keep = o->scoring == MBR_SCORE_RANK;
	int64_t bins[3][MBR_RFM_MAXBINS], unit[3] = { 1, 1, 1 };
	int nb[3];
	mbr_err e = { 0 };

	/* Rank scores look each member up in the three sorted columns;
	 * quantile and fixed bins need only the break points, so one
	 * column at a time will do: 16 bytes a member fewer at the peak. */
	char *sp = g->scratch;
	size_t room = g->nscratch, col = (n ? n : 1) * sizeof(int64_t);
	int64_t *tmp;

	/* The member index's slots, touched already, hold the columns and
	 * the sort's scratch where they are large enough (at a load up to
	 * a half): fresh memory for them cost 2 ms a MB here, 80 ms at a
	 * million members, on one thread. */
	for (d = 0; d < (keep ? 3 : 1); d++) {
		if (room >= col) {
			g->sv[d] = (int64_t *)(void *)sp;
			sp += col;
			room -= col;
		} else {
			g->sv[d] = mbr_xmalloc(col);
			g->svheap[d] = 1;
		}
	}
	tmp = room >= col ? (int64_t *)(void *)sp : NULL;
	for (d = 0; d < g->exp; d++)
		unit[2] *= 10;	/* one major unit */
	if (o->scoring == MBR_SCORE_BINS)
		/* validated in mbr_rfm_run */
		mbr_rfm_parse_bins(o->bins, (unsigned)g->exp, bins, nb, &e);
	for (d = 0; d < 3; d++) {
		int64_t *v = g->sv[keep ? d : 0];

		for (i = k = 0; i < n; i++) {
			struct mem *m = mbr_tab_val(g->m, i);
			if (!(m->flags & HAS_PAID))
				continue;
			v[k++] = d == 0 ? g->asof_day - local_day(g, m->last_t) :
			    d == 1 ? (int64_t)m->freq : m->monetary;
		}
		g->nscored = k;
		if (k == 0)
			return;
		mbr_sort_i64_with(v, k, tmp);
		if (o->scoring == MBR_SCORE_BINS) {
			int j;
			g->k[d] = nb[d] + 1;
			g->br[d].nb = nb[d] + 2;
			g->br[d].b[0] = (mbr_frac){ v[0], 1 };
			for (j = 0; j < nb[d]; j++)
				g->br[d].b[j + 1] = (mbr_frac){ bins[d][j], 1 };
			g->br[d].b[nb[d] + 1] = (mbr_frac){
			    (__int128)v[k - 1] + unit[d], 1 };
		} else {
			g->k[d] = o->k;
			mbr_rfm_breaks(&g->br[d], v, k, o->k, unit[d]);
		}
		g->split[d] = o->split_median ? mbr_quantile7(v, k, 1, 2) :
		    mbr_mean(v, k);
	}
}

static int
score(struct rfm *g, int d, int64_t x)
{
	int s;

	if (g->o->scoring == MBR_SCORE_RANK) {
		if (d == 0) {
			/* fewer days is better: rank by -recency, i.e.
			 * count the members with more days */
			size_t above = g->nscored - mbr_lower_bound(g->sv[0],
			    g->nscored, x + 1);
			return 1 + (int)(above * (size_t)g->k[0] /
			    g->nscored);
		}
		return mbr_rfm_rank_score(g->sv[d], g->nscored, g->k[d], x);
	}
	s = mbr_rfm_score(&g->br[d], x);
	return d == 0 ? g->k[0] + 1 - s : s;
}

/* rfm11's ranges are for five scores; other K are mapped onto 1..5 by
 * the middle of each score's share of the range: for K = 3, 1 3 5. */
static int
five(int s, int k)
{
	return 1 + (2 * s - 1) * 5 / (2 * k);
}

static const char *const rfm8_en[8] = {
	"general_winback", "important_winback", "general_retention",
	"important_retention", "general_development",
	"important_development", "general_value", "important_value"
};
static const char *const rfm8_zh[8] = {
	"一般挽留客户", "重要挽留客户", "一般保持客户", "重要保持客户",
	"一般发展客户", "重要发展客户", "一般价值客户", "重要价值客户"
};

/* The member's segment, and in *type how to write it. */
static const char *
segment(struct rfm *g, int64_t rv, int64_t fv, int64_t mv, int r, int f,
    int m, int *type)
{
	const mbr_segrule *s;

	*type = MBR_V_PLAIN;	/* our own names */
	if (g->o->model == MBR_MODEL_RFM8) {
		/* high R is a recency below the split */
		int hr = mbr_frac_cmp(rv, g->split[0]) < 0;
		int hf = mbr_frac_cmp(fv, g->split[1]) > 0;
		int hm = mbr_frac_cmp(mv, g->split[2]) > 0;
		int i = hr * 4 + hf * 2 + hm;
		return g->o->zh ? rfm8_zh[i] : rfm8_en[i];
	}
	s = mbr_rfm_segment(g->rules, g->nrules, five(r, g->k[0]),
	    five(f, g->k[1]), five(m, g->k[2]));
	if (s == NULL)
		return g->o->zh ? "其他" : "others";
	if (g->o->zh && s->name_zh) {
		*type = g->ntype[2 * (s - g->rules) + 1];
		return s->name_zh;
	}
	*type = g->ntype[2 * (s - g->rules)];
	return s->name;
}

static const char *
lifecycle(struct rfm *g, const struct mem *m, int64_t rec, int64_t tenure)
{
	static const char *const en[] = { "prospect", "new", "active",
	    "sleeping", "churned" };
	static const char *const zh[] = { "潜在客户", "新客户", "活跃客户",
	    "沉睡客户", "流失客户" };
	const char *const *t = g->o->zh ? zh : en;

	if (m == NULL || !(m->flags & HAS_PAID))
		return t[0];
	if (tenure <= g->o->new_days)
		return t[1];
	if (rec <= g->o->sleeping_days)
		return t[2];
	if (rec <= g->o->churned_days)
		return t[3];
	return t[4];
}

static void
tally(struct rfm *g, const char *seg, const struct mem *m, int64_t rec)
{
	size_t i;

	for (i = 0; i < g->nsum; i++)
		if (strcmp(g->sum[i].name, seg) == 0)
			break;
	if (i == g->nsum) {
		g->sum = mbr_xrealloc(g->sum, (g->nsum + 1) * sizeof(*g->sum));
		memset(&g->sum[i], 0, sizeof(g->sum[i]));
		g->sum[i].name = seg;
		g->nsum++;
	}
	g->sum[i].members++;
	if (m != NULL && (m->flags & HAS_PAID)) {
		g->sum[i].paid++;
		if (__builtin_add_overflow(g->sum[i].monetary, m->monetary,
		    &g->sum[i].monetary))
			overflow(g, seg, strlen(seg));
		g->sum[i].rsum += rec;
		g->sum[i].fsum += m->freq;
	}
}

/* Writes integer v at p (no NUL) and returns its length: a single
 * digit, as scores mostly are, without the general formatter. */
static size_t
put_int(char *p, int64_t v)
{
	if (v >= 0 && v < 10) {
		p[0] = (char)('0' + v);
		return 1;
	}
	return mbr_money_fmt(p, v, 0);	/* no printf */
}

static mbr_slice
num(struct out *o, int slot, int64_t v)
{
	return (mbr_slice){ o->buf[slot], put_int(o->buf[slot], v) };
}

static mbr_slice
money(struct rfm *g, struct out *o, int slot, int64_t v)
{
	size_t n = mbr_money_fmt(o->buf[slot], v, (unsigned)g->exp);
	return (mbr_slice){ o->buf[slot], n };
}

static void
field(struct out *o, const char *name, mbr_slice v, int type)
{
	o->name[o->nf] = name;
	o->val[o->nf] = v;
	o->type[o->nf++] = (uint8_t)type;
}

static void
null(struct out *o, const char *name)
{
	field(o, name, (mbr_slice){ "null", 4 }, MBR_V_NULL);
}

/* Hands the fields put_metrics gathered to the writer, by name: after a
 * profile's own fields, or as the first record. */
static void
give_fields(struct out *o)
{
	size_t i;

	for (i = 0; i < o->nf; i++)
		mbr_writer_field(o->w, (mbr_slice){ o->name[i],
		    strlen(o->name[i]) }, o->val[i], o->type[i]);
	o->nf = 0;
}

/* Writes the metrics of member m (NULL or without a paid order: a
 * prospect, with nulls), or in --summary only counts them. */
static int
put_metrics(struct rfm *g, struct out *out, const struct mem *m)
{
	const mbr_rfm_opts *o = g->o;
	mbr_writer *w = o->summary ? NULL : out->w;
	int64_t rec = 0, tenure = 0;
	int i, r = 0, f = 0, mm = 0, st = MBR_V_STR;
	int paid = m != NULL && (m->flags & HAS_PAID);
	const char *seg = NULL, *life;
	mbr_time t1, t2;
	size_t n;

	if (paid) {
		t1 = (mbr_time){ m->first_t, mbr_tz_offset_at(g->tz,
		    m->first_t) };
		t2 = (mbr_time){ m->last_t, mbr_tz_offset_at(g->tz,
		    m->last_t) };
		rec = g->asof_day - mbr_time_day(t2);
		tenure = g->asof_day - mbr_time_day(t1);
		r = score(g, 0, rec);
		f = score(g, 1, m->freq);
		mm = score(g, 2, m->monetary);
		seg = segment(g, rec, m->freq, m->monetary, r, f, mm, &st);
	}
	life = lifecycle(g, m, rec, tenure);
	if (w == NULL) {
		tally(g, seg ? seg : life, m, rec);
		return MBR_OK;
	}
	if (!paid) {
		static const char *const nulls[] = { "first_order_ts",
		    "last_order_ts", "recency_days", "frequency", "monetary",
		    "aov", "tenure_days" };
		/* orders, none paid: no purchase yet, but a member who
		 * ordered, counted (frequency and monetary 0) */
		int ordered = m != NULL && (m->flags & HAS_ORDER);
		mbr_slice zero = { "0", 1 }, zm = money(g, out, 4, 0);

		for (i = 0; i < 7; i++)
			if (ordered && (i == 3 || i == 4))
				field(out, nulls[i], i == 3 ? zero : zm,
				    i == 3 ? MBR_V_NUM : MBR_V_PLAIN);
			else
				null(out, nulls[i]);
		for (i = 0; i < o->nalso; i++) {
			if (ordered) {
				field(out, g->aname[i][0], zero, MBR_V_NUM);
				field(out, g->aname[i][1], zm, MBR_V_PLAIN);
				continue;
			}
			null(out, g->aname[i][0]);
			null(out, g->aname[i][1]);
		}
		null(out, "r_score");
		null(out, "f_score");
		null(out, "m_score");
		null(out, "rfm");
		null(out, "rfm_segment");
		field(out, "lifecycle", (mbr_slice){ life, strlen(life) },
		    MBR_V_PLAIN);
		return MBR_OK;
	}
	/* Times, amounts and names of our own are written unscanned
	 * (MBR_V_PLAIN): a fifth of the writing was looking for quotes. */
	n = mbr_time_fmt(out->buf[0], t1);
	field(out, "first_order_ts", (mbr_slice){ out->buf[0], n },
	    MBR_V_PLAIN);
	n = mbr_time_fmt(out->buf[1], t2);
	field(out, "last_order_ts", (mbr_slice){ out->buf[1], n },
	    MBR_V_PLAIN);
	field(out, "recency_days", num(out, 2, rec), MBR_V_NUM);
	field(out, "frequency", num(out, 3, m->freq), MBR_V_NUM);
	field(out, "monetary", money(g, out, 4, m->monetary), MBR_V_PLAIN);
	if (m->freq > 0) {
		/* aov rounds half away from zero to the minor unit */
		int64_t q = m->monetary / (int64_t)m->freq;
		int64_t rm = m->monetary % (int64_t)m->freq;
		if (2 * (rm < 0 ? -rm : rm) >= (int64_t)m->freq)
			q += m->monetary < 0 ? -1 : 1;
		field(out, "aov", money(g, out, 5, q), MBR_V_PLAIN);
	} else
		null(out, "aov");
	field(out, "tenure_days", num(out, 6, tenure), MBR_V_NUM);
	for (i = 0; i < o->nalso; i++) {
		n = mbr_money_fmt(out->abuf[i][0], ALSO_F(m, o->nalso, i), 0);
		field(out, g->aname[i][0], (mbr_slice){ out->abuf[i][0], n },
		    MBR_V_NUM);
		n = mbr_money_fmt(out->abuf[i][1], ALSO_M(m, i),
		    (unsigned)g->exp);
		field(out, g->aname[i][1], (mbr_slice){ out->abuf[i][1], n },
		    MBR_V_PLAIN);
	}
	field(out, "r_score", num(out, 7, r), MBR_V_NUM);
	field(out, "f_score", num(out, 8, f), MBR_V_NUM);
	field(out, "m_score", num(out, 9, mm), MBR_V_NUM);
	n = put_int(out->buf[10], r);	/* "%d%d%d", no printf */
	n += put_int(out->buf[10] + n, f);
	n += put_int(out->buf[10] + n, mm);
	field(out, "rfm", (mbr_slice){ out->buf[10], n }, MBR_V_PLAIN);
	field(out, "rfm_segment", (mbr_slice){ seg, strlen(seg) }, st);
	field(out, "lifecycle", (mbr_slice){ life, strlen(life) }, MBR_V_PLAIN);
	return MBR_OK;
}

/* The --carry fields, after the metrics: null for a member without a
 * paid order that had the field. */
static void
put_carried(struct rfm *g, struct out *o, const struct mem *m)
{
	int i;

	for (i = 0; i < g->o->ncarry; i++) {
		const struct cslot *c = m != NULL ? CARRY(g, m, i) : NULL;
		const char *name = g->o->carry[i].field;
		uint32_t v = 0, best = 0;
		const struct cnode *nd;

		if (c != NULL && g->o->carry[i].how == MBR_CARRY_MODE) {
			for (nd = c->list; nd != NULL; nd = nd->next)
				if (nd->n > best) {
					best = nd->n;
					v = nd->val;
				}
		} else if (c != NULL)
			v = c->val;
		if (v == 0)
			null(o, name);
		else
			field(o, name, mbr_tab_key(g->vals, v - 1),
			    MBR_V_STR);
	}
}

static int
put_member(struct rfm *g, struct out *o, mbr_slice id, const struct mem *m,
    mbr_err *err)
{
	if (g->o->summary)
		return put_metrics(g, o, m);
	o->nf = 0;
	field(o, "member_id", id, MBR_V_STR);
	put_metrics(g, o, m);
	put_carried(g, o, m);
	if (o->row)
		return mbr_writer_row(o->w, o->val, o->type, o->nf, err);
	give_fields(o);
	return mbr_writer_end(o->w, err);
}

/* Members are written in blocks formatted on every thread (a third of
 * the run, single-threaded, at a million members) and written in
 * order. */
#define OUTBLOCK	4096

static void
out_run(void *ctx, int slot, long k)
{
	struct rfm *g = ctx;
	struct out *o = &g->outs[slot];
	size_t i = g->from + (size_t)k * OUTBLOCK, n = mbr_tab_count(g->m);
	size_t end = n - i < OUTBLOCK ? n : i + OUTBLOCK;

	for (o->rc = MBR_OK; i < end && o->rc == MBR_OK; i++) {
		const struct mem *m = mbr_tab_val(g->m, i);

		if (!(m->flags & EMITTED))
			o->rc = put_member(g, o, mbr_tab_key(g->m, i), m,
			    &o->err);
	}
}

static int
out_done(void *ctx, int slot, long k, mbr_err *err)
{
	struct rfm *g = ctx;
	struct out *o = &g->outs[slot];

	(void)k;
	if (o->rc != MBR_OK) {
		*err = o->err;
		return o->rc;
	}
	mbr_writer_put(g->run.w, o->w);
	return MBR_OK;
}

/* Writes the members not written with their profiles, in table order.
 * The first is written here, which fixes the CSV header the forks
 * keep. */
static int
put_members(struct rfm *g, mbr_err *err)
{
	size_t i, n = mbr_tab_count(g->m);
	int rc = MBR_OK, j, threads = mbr_cli_threads(g->c);

	for (i = 0; i < n; i++) {
		const struct mem *m = mbr_tab_val(g->m, i);

		if (m->flags & EMITTED)
			continue;
		if ((rc = put_member(g, &g->out, mbr_tab_key(g->m, i), m,
		    err)) != MBR_OK)
			return rc;
		/* The first record named the fields; the rest have the same
		 * (not so after profiles, which have columns of their own). */
		g->out.row = g->o->members == NULL;
		if (!g->o->summary && threads > 1 && n - i > OUTBLOCK)
			break;
	}
	if (i++ >= n)
		return MBR_OK;
	g->from = i;
	g->outs = mbr_xcalloc(MBR_SPLIT_SLOTS, sizeof(*g->outs));
	for (j = 0; j < MBR_SPLIT_SLOTS; j++) {
		g->outs[j].w = mbr_writer_fork(g->run.w);
		g->outs[j].row = g->o->members == NULL;
	}
	rc = mbr_split_tasks(threads, (long)((n - i + OUTBLOCK - 1) /
	    OUTBLOCK), out_run, out_done, g, err);
	for (j = 0; j < MBR_SPLIT_SLOTS; j++)
		mbr_writer_close(g->outs[j].w, NULL);
	free(g->outs);
	g->outs = NULL;
	return rc;
}

/* The metric names, which a profile's own columns do not repeat. */
static int
is_metric(struct rfm *g, mbr_slice name)
{
	static const char *const names[] = { "member_id", "first_order_ts",
	    "last_order_ts", "recency_days", "frequency", "monetary", "aov",
	    "tenure_days", "r_score", "f_score", "m_score", "rfm",
	    "rfm_segment", "lifecycle", NULL };
	int i;

	for (i = 0; names[i] != NULL; i++)
		if (mbr_slice_eq(name, names[i], strlen(names[i])))
			return 1;
	for (i = 0; i < g->o->ncarry; i++)
		if (mbr_slice_eq(name, g->o->carry[i].field,
		    g->o->carry[i].n))
			return 1;
	for (i = 0; i < g->o->nalso; i++)
		if (mbr_slice_eq(name, g->aname[i][0],
		    strlen(g->aname[i][0])) ||
		    mbr_slice_eq(name, g->aname[i][1],
		    strlen(g->aname[i][1])))
			return 1;
	return 0;
}

/* --members: each profile in its file's order, with its metrics. */
static int
profiles(struct rfm *g, mbr_err *err)
{
	mbr_reader_opts ro = g->c->ro;
	mbr_reader *rd;
	mbr_rec rec;
	char *files[1] = { (char *)g->o->members };
	unsigned char *skip = NULL;
	int r, ix, rc = MBR_OK, i;
	size_t k;
	mbr_tab *seen = mbr_tab_new(sizeof(unsigned long));

	ro.progress = 0;
	if ((rc = mbr_reader_open(&rd, &ro, 1, files, err)) != MBR_OK) {
		mbr_tab_free(seen);
		return rc;
	}
	ix = mbr_reader_col(rd, "member_id", 9);
	while ((r = mbr_reader_next(rd, &rec, err)) != MBR_READ_END) {
		mbr_slice id;
		struct mem *m;
		unsigned long *at;
		int isnew;

		if (r == MBR_READ_FILE) {
			size_t nh;
			mbr_reader_header(rd, &nh);
			if (mbr_reader_format(rd) == MBR_FMT_CSV && nh > 0 &&
			    !mbr_reader_has(rd, ix)) {
				rc = mbr_err_set(err, MBR_EUSAGE, "missing "
				    "column \"member_id\"");
				mbr_err_at(err, g->o->members, 1);
				break;
			}
			continue;
		}
		if (rec.bad != NULL) {
			mbr_reject(g->run.rj, rd, &rec, rec.bad, rec.why);
			continue;
		}
		id = rec.f[ix];
		if (id.p == NULL || id.n == 0) {
			mbr_reject(g->run.rj, rd, &rec, "missing member_id",
			    "member_id is missing");
			continue;
		}
		at = mbr_tab_upsert(seen, id.p, id.n, &isnew);
		if (!isnew) {
			mbr_rejectf(g->run.rj, rd, &rec, "duplicate member",
			    "member_id \"%.*s\" is already at line %lu",
			    (int)id.n, id.p, *at);
			continue;
		}
		*at = rec.line;
		m = mbr_tab_get(g->m, id.p, id.n);
		if (m != NULL)
			m->flags |= EMITTED;
		if (g->o->summary) {
			put_metrics(g, &g->out, m);
			continue;
		}
		k = (size_t)mbr_reader_ncols(rd);
		skip = mbr_xrealloc(skip, k + 1);
		for (i = 0; i < (int)k; i++)
			skip[i] = (unsigned char)is_metric(g,
			    mbr_reader_colname(rd, i));
		mbr_writer_field(g->run.w, MBR_SLICE("member_id"), id,
		    MBR_V_STR);
		mbr_writer_rec(g->run.w, rd, &rec, skip);
		g->out.nf = 0;
		put_metrics(g, &g->out, m);
		put_carried(g, &g->out, m);
		give_fields(&g->out);
		if ((rc = mbr_writer_end(g->run.w, err)) != MBR_OK)
			break;
	}
	if (rc == MBR_OK)
		rc = err->code;
	/* its rejects are judged against its records too, not against
	 * the orders alone */
	g->run.side += mbr_reader_count(rd);
	free(skip);
	mbr_tab_free(seen);
	mbr_reader_free(rd);
	return rc;
}

static int
write_thresholds(struct rfm *g, mbr_err *err)
{
	static const char *const dim[] = { "recency_days", "frequency",
	    "monetary" };
	mbr_writer *w;
	int d, i, rc;
	char lo[64], hi[64];

	if ((rc = mbr_writer_open(&w, g->o->thresholds,
	    mbr_writer_format(g->run.w), 0, 0, err)) != MBR_OK)
		return rc;
	for (d = 0; d < 3 && g->nscored > 0; d++)
		for (i = 0; i < g->br[d].nb - 1; i++) {
			int64_t sc = d == 2 ? 1 : 1;
			int s = d == 0 ? g->k[0] - i : i + 1;

			for (int e = 0; d == 2 && e < g->exp; e++)
				sc *= 10;
			mbr_frac_fmt(lo, g->br[d].b[i], sc, 4);
			mbr_frac_fmt(hi, g->br[d].b[i + 1], sc, 4);
			mbr_writer_cstr(w, "metric", dim[d]);
			mbr_writer_int(w, "score", s);
			mbr_writer_cstr(w, "from", lo);
			mbr_writer_cstr(w, "below", hi);
			if ((rc = mbr_writer_end(w, err)) != MBR_OK) {
				mbr_writer_close(w, &(mbr_err){ 0 });
				return rc;
			}
		}
	return mbr_writer_close(w, err);
}

static void
show_breaks(struct rfm *g)
{
	static const char *const dim[] = { "recency_days", "frequency",
	    "monetary" };
	int d, i;
	char v[64];

	if (g->c->quiet || g->nscored == 0)
		return;
	for (d = 0; d < 3; d++) {
		int64_t sc = 1;

		for (i = 0; d == 2 && i < g->exp; i++)
			sc *= 10;
		fprintf(stderr, "%s: %s breaks:", mbr_progname(), dim[d]);
		for (i = 0; i < g->br[d].nb; i++) {
			mbr_frac_fmt(v, g->br[d].b[i], sc, 4);
			fprintf(stderr, " %s", v);
		}
		fputc('\n', stderr);
	}
}

/* The order of a segment in the model, for the summary: the model's
 * table order, then the lifecycle stages of members without a score. */
static int
seg_rank(struct rfm *g, const char *name)
{
	size_t i;

	if (g->o->model == MBR_MODEL_RFM8) {
		for (i = 0; i < 8; i++)
			if (strcmp(name, rfm8_en[7 - i]) == 0 ||
			    strcmp(name, rfm8_zh[7 - i]) == 0)
				return (int)i;
	} else
		for (i = 0; i < g->nrules; i++)
			if (strcmp(name, g->rules[i].name) == 0 ||
			    (g->rules[i].name_zh != NULL &&
			    strcmp(name, g->rules[i].name_zh) == 0))
				return (int)i;
	return 1000;
}

static int
cmp_seg(const void *a, const void *b)
{
	const struct segsum *x = a, *y = b;

	return x->rank != y->rank ? (x->rank > y->rank) - (x->rank < y->rank) :
	    strcmp(x->name, y->name);
}

static int
write_summary(struct rfm *g, mbr_err *err)
{
	mbr_writer *w = g->run.w;
	uint64_t members = 0;
	int64_t money = 0;
	size_t i;
	char b[6][64];
	int rc;

	for (i = 0; i < g->nsum; i++)
		g->sum[i].rank = seg_rank(g, g->sum[i].name);
	qsort(g->sum, g->nsum, sizeof(*g->sum), cmp_seg);
	for (i = 0; i < g->nsum; i++) {
		members += g->sum[i].members;
		money += g->sum[i].monetary;
	}
	for (i = 0; i < g->nsum; i++) {
		struct segsum *s = &g->sum[i];
		uint64_t paid = s->paid;
		mbr_frac f;

		mbr_writer_cstr(w, "segment", s->name);
		mbr_writer_int(w, "members", (int64_t)s->members);
		f = (mbr_frac){ (__int128)s->members * 100,
		    (int64_t)(members ? members : 1) };
		mbr_frac_fmt(b[0], f, 1, 1);
		mbr_writer_cstr(w, "share_pct", b[0]);
		mbr_money_fmt(b[1], s->monetary, (unsigned)g->exp);
		mbr_writer_cstr(w, "monetary", b[1]);
		f = (mbr_frac){ (__int128)s->monetary * 100,
		    money != 0 ? money : 1 };
		mbr_frac_fmt(b[2], f, 1, 1);
		mbr_writer_cstr(w, "monetary_share_pct", b[2]);
		if (paid > 0) {
			f = (mbr_frac){ s->rsum, (int64_t)paid };
			mbr_frac_fmt(b[3], f, 1, 1);
			mbr_writer_cstr(w, "avg_recency_days", b[3]);
			f = (mbr_frac){ (__int128)s->fsum, (int64_t)paid };
			mbr_frac_fmt(b[4], f, 1, 2);
			mbr_writer_cstr(w, "avg_frequency", b[4]);
		} else {
			mbr_writer_null(w, "avg_recency_days");
			mbr_writer_null(w, "avg_frequency");
		}
		if ((rc = mbr_writer_end(w, err)) != MBR_OK)
			return rc;
	}
	return MBR_OK;
}

/* No member at all: a CSV still gets its header row, so that the
 * next program reads an empty table, not a broken file. */
static void
empty_header(struct rfm *g)
{
	static const char *const sum[] = { "segment", "members", "share_pct",
	    "monetary", "monetary_share_pct", "avg_recency_days",
	    "avg_frequency" };
	static const char *const head[] = { "member_id", "first_order_ts",
	    "last_order_ts", "recency_days", "frequency", "monetary", "aov",
	    "tenure_days" };
	static const char *const tail[] = { "r_score", "f_score", "m_score",
	    "rfm", "rfm_segment", "lifecycle" };
	mbr_slice v[8 + 2 * MBR_RFM_MAXALSO + 6];
	size_t n = 0, i;

	if (g->o->summary) {
		for (i = 0; i < 7; i++)
			v[n++] = (mbr_slice){ sum[i], strlen(sum[i]) };
	} else {
		for (i = 0; i < 8; i++)
			v[n++] = (mbr_slice){ head[i], strlen(head[i]) };
		for (i = 0; i < (size_t)g->o->nalso; i++) {
			v[n++] = (mbr_slice){ g->aname[i][0],
			    strlen(g->aname[i][0]) };
			v[n++] = (mbr_slice){ g->aname[i][1],
			    strlen(g->aname[i][1]) };
		}
		for (i = 0; i < 6; i++)
			v[n++] = (mbr_slice){ tail[i], strlen(tail[i]) };
	}
	mbr_writer_header(g->run.w, v, n);
}

int
mbr_rfm_run(const mbr_cli *c, const mbr_rfm_opts *o, int nfiles,
    char *const files[], mbr_err *err)
{
	struct rfm g;
	mbr_rec rec;
	int r, rc, i;
	size_t n;
	int64_t tb[3][MBR_RFM_MAXBINS];
	int tn[3];

	memset(&g, 0, sizeof(g));
	g.c = c;
	g.o = o;
	g.exp = -1;
	if (o->currency != NULL) {
		if (strlen(o->currency) >= sizeof(g.cur) ||
		    (g.exp = mbr_currency_exp(o->currency,
		    strlen(o->currency))) < 0) {
			rc = mbr_err_set(err, MBR_EUSAGE, "--currency: \"%s\" "
			    "is not a currency code", o->currency);
			goto out;
		}
		snprintf(g.cur, sizeof(g.cur), "%s", o->currency);
	} else
		snprintf(g.cur, sizeof(g.cur), "CNY");
	memcpy(g.cur0, g.cur, sizeof(g.cur0));
	if (o->bins != NULL && (rc = mbr_rfm_parse_bins(o->bins, 2, tb, tn,
	    err)) != MBR_OK)
		goto out;
	for (i = 0; i < o->nalso; i++) {
		snprintf(g.aname[i][0], sizeof(g.aname[i][0]),
		    "frequency_%dd", o->also[i]);
		snprintf(g.aname[i][1], sizeof(g.aname[i][1]),
		    "monetary_%dd", o->also[i]);
	}
	if (o->segments != NULL) {
		if ((rc = mbr_rfm_load_segments(&g.own, &g.nrules,
		    o->segments, err)) != MBR_OK)
			goto out;
		g.rules = g.own;
	} else
		g.rules = mbr_rfm11(&g.nrules);
	g.ntype = mbr_xcalloc(2 * g.nrules + 1, 1);
	for (n = 0; n < g.nrules; n++) {
		const mbr_segrule *sr = &g.rules[n];

		g.ntype[2 * n] = (uint8_t)mbr_writer_plain(sr->name,
		    strlen(sr->name));
		g.ntype[2 * n + 1] = sr->name_zh == NULL ? MBR_V_STR :
		    (uint8_t)mbr_writer_plain(sr->name_zh,
		    strlen(sr->name_zh));
	}
	if ((rc = mbr_cli_tz(c, &g.tz, err)) != MBR_OK)
		goto out;
	if ((rc = mbr_time_now(&g.asof, c->as_of, g.tz, err)) != MBR_OK)
		goto out;
	g.asof_day = local_day(&g, g.asof.t);
	g.carry_off = (sizeof(struct mem) + (size_t)o->nalso *
	    (sizeof(int64_t) + sizeof(uint32_t)) + 7) & ~(size_t)7;
	g.m = mbr_tab_new(g.carry_off + (size_t)o->ncarry *
	    sizeof(struct cslot));
	if (o->ncarry > 0) {
		g.vals = mbr_tab_new(1);
		g.arena = mbr_arena_new();
	}
	if ((rc = mbr_run_open(&g.run, c, nfiles, files, 1, err)) != MBR_OK)
		goto close;	/* what it opened before failing */
	g.out.w = g.run.w;
	{
		static const mbr_split_fns fns = { sizeof(struct paid),
		    sizeof(struct chunk), begin_chunk, order, commit_chunk };

		g.chunks = mbr_split_new(&fns, &g, mbr_cli_threads(c),
		    g.run.rd, g.run.rj);
	}
	g.ix_id = mbr_reader_col(g.run.rd, "member_id", 9);
	g.ix_ts = mbr_reader_col(g.run.rd, "ts", 2);
	g.ix_amt = mbr_reader_col(g.run.rd, "amount", 6);
	g.ix_st = mbr_reader_col(g.run.rd, "status", 6);
	g.ix_cur = mbr_reader_col(g.run.rd, "currency", 8);
	g.ix_oid = mbr_reader_col(g.run.rd, "order_id", 8);
	for (i = 0; i < o->ncarry; i++)
		g.ix_carry[i] = mbr_reader_col(g.run.rd, o->carry[i].field,
		    o->carry[i].n);
	rc = MBR_OK;
	while ((r = mbr_reader_next(g.run.rd, &rec, err)) != MBR_READ_END) {
		if (r == MBR_READ_FILE) {
			if ((rc = begin_orders(&g, rec.file, err)) != MBR_OK)
				break;
			if ((rc = mbr_split_input(g.chunks, err)) != MBR_OK)
				break;
		}
	}
	if (rc == MBR_OK)
		rc = err->code;
	if (rc == MBR_OK && g.ovf[0] != '\0')
		rc = mbr_err_set(err, MBR_EDATA, "monetary of member \"%s\" "
		    "is out of range (over 2^63 - 1 minor units): amounts "
		    "that large are wrong data", g.ovf);
	if (rc != MBR_OK)
		goto close;
	if (g.exp < 0)
		g.exp = 2;
	/* Every order is in: unless profiles are still to be matched, the
	 * member index and the purchase days have done their work, and
	 * the memory goes back before the sort needs its own. */
	if (o->members == NULL)
		g.scratch = mbr_tab_take_index(g.m, &g.nscratch);
	free(g.days.s);
	g.days.s = NULL;
	mbr_oidset_free(&g.oids);
	score_prepare(&g);
	if (o->members != NULL && (rc = profiles(&g, err)) != MBR_OK)
		goto close;
	if ((rc = put_members(&g, err)) != MBR_OK)
		goto close;
	if (o->summary) {
		show_breaks(&g);
		if (g.ovf[0] != '\0') {
			rc = mbr_err_set(err, MBR_EDATA, "monetary of segment "
			    "\"%s\" is out of range (over 2^63 - 1 minor "
			    "units)", g.ovf);
			goto close;
		}
		if ((rc = write_summary(&g, err)) != MBR_OK)
			goto close;
	}
	if (o->thresholds != NULL &&
	    (rc = write_thresholds(&g, err)) != MBR_OK)
		goto close;
	if (mbr_writer_count(g.run.w) == 0)
		empty_header(&g);
	if (!c->quiet) {
		char dup[64] = "";

		/* said only when there are, as scripts read the line */
		if (g.n_dup > 0)
			snprintf(dup, sizeof(dup), ", %llu duplicates",
			    (unsigned long long)g.n_dup);
		fprintf(stderr, "%s: %llu orders: %llu paid, %llu refunded, "
		    "cancelled or pending, %llu after --as-of%s, %llu "
		    "rejected; %zu members with paid orders\n",
		    mbr_progname(), mbr_reader_count(g.run.rd),
		    (unsigned long long)g.n_paid, (unsigned long long)g.n_other,
		    (unsigned long long)g.n_future, dup,
		    (unsigned long long)mbr_rejects_count(g.run.rj),
		    g.nscored);
	}
close:
	rc = mbr_run_close(&g.run, c, err);
out:
	for (i = 0; i < 3; i++)
		if (g.svheap[i])
			free(g.sv[i]);
	mbr_hugefree(g.scratch, g.nscratch);
	if (g.own != NULL) {
		for (n = 0; n < g.nrules; n++)
			free(g.own[n].name);
		free(g.own);
	}
	mbr_split_free(g.chunks);
	free(g.ntype);
	free(g.sum);
	free(g.days.s);
	mbr_oidset_free(&g.oids);
	mbr_tab_free(g.m);
	mbr_tab_free(g.vals);
	mbr_arena_free(g.arena);
	mbr_tz_free(g.tz);
	return rc;
}
