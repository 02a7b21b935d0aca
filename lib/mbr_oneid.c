/* mbr_oneid.c: see mbr_oneid.h; the rules are mbr-oneid(1)'s. */
#define _GNU_SOURCE		/* qsort_r: the sorts compare texts in g */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mbr_buf.h"
#include "mbr_ident.h"
#include "mbr_io.h"
#include "mbr_oneid.h"
#include "mbr_tab.h"

#define NONE	UINT32_MAX
#define NOTIME	INT64_MAX

/* An identifier: the value of g->ids, keyed by its text. */
enum { F_IGNORED = 1, F_CAND = 2, F_PLACEHOLDER = 4, F_MAP = 8, F_NEW = 16 };
struct ident {
	uint64_t	 seen;		/* records, the map's and this run's */
	uint64_t	 cnt;		/* records of this run */
	int64_t		 first;		/* earliest time, NOTIME: none */
	int32_t		 off;		/* its offset, for first_seen */
	uint32_t	 old;		/* the map's id (g->oids), NONE */
	uint32_t	 hist;		/* the map row's member_id when it had
					 * merged_into, NONE */
	uint32_t	 nsets;		/* distinct sets of two or more */
	uint32_t	 ix;		/* its number (mbr_tab_index scans) */
	uint8_t		 flags;
	uint8_t		 cap;		/* 1 + its --max-per-person, 0 */
};

/* A distinct set of identifiers, keyed by their numbers, ascending
 * (their texts are compared only where the order of links matters). */
struct set {
	uint64_t	 cnt;		/* records carrying it */
	int64_t		 first;		/* earliest of their times */
	uint64_t	 line;		/* the first record's */
	uint32_t	 fileno;
};

/* A person's id, old or new: the value of g->oids. */
struct oid {
	uint64_t	 num;		/* of "oneid:NNN"; UINT64_MAX other */
	uint32_t	 survivor;	/* merged into this (g->oids), NONE */
};

/* A decision for --audit and --explain. */
enum { A_IGNORED, A_PLACEHOLDER, A_CUT };
static const char *const areason[] = { "ignored", "placeholder", "cut" };
struct aud {
	int		 why;
	uint32_t	 a, b;		/* identifier, linked_to (cut) */
	uint64_t	 people;	/* placeholder: would-be people */
	uint64_t	 records;
	uint32_t	 fileno;	/* NONE: ignore file's line */
	uint64_t	 line;
	int		 capk;		/* cut: which cap */
	uint32_t	 have;		/* cut: the count it would reach */
};

/* A link made, for --explain: set s, or the map's row of b. */
struct lnk {
	uint32_t	 a, b, s;
};

/* A profile record kept for --profiles-out. */
struct prof {
	uint32_t	 person;	/* its root */
	int64_t		 upd;		/* updated_at; INT64_MIN none */
	uint64_t	 seq;
	size_t		 f0, nf;	/* its fields in g->pf */
	uint32_t	 src;		/* its primary identifier, NONE */
};
struct pfield {
	int		 col;
	uint8_t		 type;
	size_t		 off, n;	/* in g->ptext */
};

/* The fields of a member profile (mbr(7)) but member_id and
 * identifiers: a record with a value in one of them, and no order_id
 * or event, is a profile for --profiles-out.  Records keyed by member
 * and nothing else (points events, an experiment's variants) are
 * rewritten but merged into no profile. */
static const char *const prof_fields[] = { "name", "gender", "birthday",
    "signup_ts", "phone", "email", "wechat_openid", "wecom_id",
    "app_token", "consent_sms", "consent_email", "consent_wechat",
    "consent_wecom", "consent_app", "consent_call", "tier", "tz",
    "updated_at" };
#define NPROF ((int)(sizeof(prof_fields) / sizeof(prof_fields[0])))

struct og {
	const mbr_cli		*c;
	const mbr_oneid_opts	*o;
	mbr_tz			*tz;
	mbr_run			 run;
	mbr_tab			*ids;	/* struct ident */
	mbr_tab			*sets;	/* struct set */
	mbr_tab			*oids;	/* struct oid */
	mbr_tab			*ignore;	/* --ignore-identifiers: its
					 * line */
	mbr_tab			*cuts;	/* (set, a, b) cut, each once */
	uint32_t		*parent, *size;
	uint32_t		*stamp, recno;	/* rid_add's */
	uint32_t		*capn;	/* [root * ncap + k] */
	size_t			 capids;
	uint64_t		 next;	/* the next new id's number */
	/* inputs, as both passes open them */
	int			 nfiles;
	char			**files;
	char			**names;
	int			*spoolfd;
	/* columns */
	int			 c_member, c_src, c_ids, c_order, c_event,
				 c_time[3], c_prof[NPROF];
	/* per record */
	uint32_t		*rid;
	size_t			 nrid, caprid;
	mbr_buf			 key, msg;
	/* results */
	uint32_t		*root;	/* [identifier] */
	uint32_t		*person;	/* [root]: its id (g->oids) */
	unsigned char		*live;	/* [oid]: some person's now */
	struct aud		*aud;
	size_t			 naud, capaud;
	struct lnk		*lnk;
	size_t			 nlnk, caplnk;
	uint64_t		*mapline;	/* [identifier], --explain */
	size_t			 capmapline;
	int			 changed;	/* an input changed */
	int			 exhausted;	/* no new id is left */
	int			 src_last;	/* the CSV header ends with
					 * source_member_id */
	int			 fmt;	/* the side outputs' format */
	int			 ordered;	/* links in strength order */
	uint32_t		*srt[2];	/* set_sorted's */
	size_t			 capsrt;
	uint64_t		 records, rejected, newpeople, merged, people,
				 setaside, cut;
	/* --profiles-out */
	struct prof		*prof;
	size_t			 nprof, capprof;
	struct pfield		*pf;
	size_t			 npf, cappf;
	mbr_buf			 ptext;
	unsigned char		*incol;	/* [col]: some input had it */
	int			 nincol;
	int			*outc;	/* those columns, first seen first */
	size_t			 noutc;
	unsigned char		*pcols;	/* [col]: a profile had it */
	int			 npcols;
	int			*pord;	/* those, in the order first had */
	mbr_slice		*pname;	/* [col]: its name, kept */
	size_t			 npord;
};

static struct ident *
idv(const struct og *g, uint32_t i)
{
	return mbr_tab_val(g->ids, i);
}

static mbr_slice
idk(const struct og *g, uint32_t i)
{
	return mbr_tab_key(g->ids, i);
}

static int
slcmp(mbr_slice a, mbr_slice b)
{
	int r = memcmp(a.p, b.p, a.n < b.n ? a.n : b.n);

	return r != 0 ? r : (a.n > b.n) - (a.n < b.n);
}

static int
idcmp(const struct og *g, uint32_t a, uint32_t b)
{
	return slcmp(idk(g, a), idk(g, b));
}

/* --- union-find --- */

static uint32_t
find(const struct og *g, uint32_t i)
{
	while (g->parent[i] != i) {
		g->parent[i] = g->parent[g->parent[i]];
		i = g->parent[i];
	}
	return i;
}

static void
audit_add(struct og *g, const struct aud *a)
{
	if (g->naud == g->capaud) {
		g->capaud = g->capaud ? g->capaud * 2 : 64;
		g->aud = mbr_xrealloc(g->aud, g->capaud * sizeof(*g->aud));
	}
	g->aud[g->naud++] = *a;
}

/* The identifier numbered i, made on first sight. */
static uint32_t
intern(struct og *g, const char *s, size_t n, int *isnew)
{
	struct ident *v;
	uint64_t *lp;
	size_t i;
	int nw;

	v = mbr_tab_upsert(g->ids, s, n, &nw);
	i = mbr_tab_count(g->ids) - 1;
	if (nw) {
		const char *colon = memchr(s, ':', n);
		size_t tn = colon ? (size_t)(colon - s) : 0;
		int k;

		if (i >= NONE - 1)
			mbr_nomem(0);
		v->first = NOTIME;
		v->old = v->hist = NONE;
		for (k = 0; k < g->o->ncap; k++) {
			const char *t = g->o->cap[k].type;

			if (colon ? strlen(t) == tn && memcmp(t, s, tn) == 0 :
			    strcmp(t, "member") == 0)
				v->cap = (uint8_t)(k + 1);
		}
		if (i >= g->capids) {
			g->capids = g->capids ? g->capids * 2 : 1024;
			g->parent = mbr_xrealloc(g->parent,
			    g->capids * sizeof(*g->parent));
			g->size = mbr_xrealloc(g->size,
			    g->capids * sizeof(*g->size));
			g->stamp = mbr_xrealloc(g->stamp,
			    g->capids * sizeof(*g->stamp));
		}
		g->parent[i] = (uint32_t)i;
		g->size[i] = 1;
		g->stamp[i] = 0;
		v->ix = (uint32_t)i;
		if (g->ignore != NULL && (lp = mbr_tab_get(g->ignore, s,
		    n)) != NULL) {
			/* listed: it links nothing (audited once met) */
			v->flags |= F_IGNORED;
			audit_add(g, &(struct aud){ .why = A_IGNORED,
			    .a = (uint32_t)i, .b = NONE, .fileno = NONE,
			    .line = *lp });
		}
	} else
		i = v->ix;
	if (isnew != NULL)
		*isnew = nw;
	return (uint32_t)i;
}


/* Links identifiers a and b: 1 when they became one person, 0 when
 * they were, -1 when a cap cut the link (set s audited). */
static int
link2(struct og *g, uint32_t a, uint32_t b, uint32_t s, int judge)
{
	uint32_t ra = find(g, a), rb = find(g, b), t;
	int k, nc = g->o->ncap;

	if (ra == rb)
		return 0;
	if (judge && g->capn != NULL)
		for (k = 0; k < nc; k++) {
			uint32_t x = g->capn[(size_t)ra * nc + k];
			uint32_t y = g->capn[(size_t)rb * nc + k];

			if (x > 0 && y > 0 && x + y > g->o->cap[k].max) {
				struct set *sv = mbr_tab_val(g->sets, s);
				struct aud au = { .why = A_CUT, .a = b,
				    .b = a, .records = sv->cnt,
				    .fileno = sv->fileno, .line = sv->line,
				    .capk = k, .have = x + y };
				uint32_t key[3] = { s, a, b };
				int nw;

				/* the candidates' pass meets the links of
				 * their sets again */
				if (g->cuts == NULL)
					g->cuts = mbr_tab_new(1);
				mbr_tab_upsert(g->cuts, (const char *)key,
				    sizeof(key), &nw);
				if (nw) {
					audit_add(g, &au);
					g->cut++;
				}
				return -1;
			}
		}
	if (g->size[ra] < g->size[rb]) {
		t = ra;
		ra = rb;
		rb = t;
	}
	g->parent[rb] = ra;
	g->size[ra] += g->size[rb];
	if (g->capn != NULL)
		for (k = 0; k < nc; k++)
			g->capn[(size_t)ra * nc + k] +=
			    g->capn[(size_t)rb * nc + k];
	if (g->o->explain != NULL) {
		if (g->nlnk == g->caplnk) {
			g->caplnk = g->caplnk ? g->caplnk * 2 : 256;
			g->lnk = mbr_xrealloc(g->lnk,
			    g->caplnk * sizeof(*g->lnk));
		}
		g->lnk[g->nlnk++] = (struct lnk){ a, b, s };
	}
	return 1;
}

/* --- ids --- */

/* "oneid:000000042" -> 42; UINT64_MAX for an id of another form. */
static uint64_t
oid_num(const char *s, size_t n)
{
	uint64_t v = 0;
	size_t i;

	/* 19 digits: every number below 10^19 fits, and UINT64_MAX
	 * (20 digits) stays "not ours" */
	if (n < 7 || n > 6 + 19 || memcmp(s, "oneid:", 6) != 0)
		return UINT64_MAX;
	for (i = 6; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return UINT64_MAX;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	return v;
}

static uint32_t
oid_intern(struct og *g, const char *s, size_t n)
{
	struct oid *v;
	int nw;

	v = mbr_tab_upsert(g->oids, s, n, &nw);
	if (nw) {
		v->num = oid_num(s, n);
		v->survivor = NONE;
		if (v->num != UINT64_MAX && v->num >= g->next)
			g->next = v->num + 1;
	}
	return (uint32_t)mbr_tab_index(g->oids, v);
}

/* Older first: ids of our form by number, then others by bytes. */
static int
oidcmp(const struct og *g, uint32_t a, uint32_t b)
{
	const struct oid *x = mbr_tab_val(g->oids, a);
	const struct oid *y = mbr_tab_val(g->oids, b);

	if (x->num != y->num)
		return x->num < y->num ? -1 : 1;
	if (x->num != UINT64_MAX)
		return 0;
	return slcmp(mbr_tab_key(g->oids, a), mbr_tab_key(g->oids, b));
}

/* --- inputs --- */

static int
spool_all(struct og *g, int nfiles, char *const files[], mbr_err *err)
{
	static char *const stdin_only[] = { "-" };
	struct stat st;
	int i, rc;

	if (nfiles == 0) {
		nfiles = 1;
		files = stdin_only;
	}
	g->nfiles = nfiles;
	g->files = mbr_xcalloc((size_t)nfiles, sizeof(*g->files));
	g->names = mbr_xcalloc((size_t)nfiles, sizeof(*g->names));
	g->spoolfd = mbr_xcalloc((size_t)nfiles, sizeof(*g->spoolfd));
	for (i = 0; i < nfiles; i++) {
		g->spoolfd[i] = -1;
		g->files[i] = mbr_xstrdup(files[i]);
		if (strcmp(files[i], "-") != 0 &&
		    (stat(files[i], &st) != 0 || S_ISREG(st.st_mode)))
			continue;	/* a file, or the reader's error */
		if ((rc = mbr_spool(files[i], "the second pass",
		    &g->spoolfd[i], err)) != MBR_OK)
			return rc;
		g->names[i] = mbr_xstrdup(strcmp(files[i], "-") == 0 ?
		    "stdin" : files[i]);
		free(g->files[i]);
		g->files[i] = mbr_xmalloc(32);
		snprintf(g->files[i], 32, "/dev/fd/%d", g->spoolfd[i]);
	}
	return MBR_OK;
}

static void
cols(struct og *g, mbr_reader *rd)
{
	int i;

	g->c_member = mbr_reader_col(rd, "member_id", 9);
	g->c_src = mbr_reader_col(rd, "source_member_id", 16);
	g->c_ids = mbr_reader_col(rd, "identifiers", 11);
	g->c_order = mbr_reader_col(rd, "order_id", 8);
	g->c_event = mbr_reader_col(rd, "event", 5);
	g->c_time[0] = mbr_reader_col(rd, "ts", 2);
	g->c_time[1] = mbr_reader_col(rd, "updated_at", 10);
	g->c_time[2] = mbr_reader_col(rd, "signup_ts", 9);
	for (i = 0; i < NPROF; i++)
		g->c_prof[i] = mbr_reader_col(rd, prof_fields[i],
		    strlen(prof_fields[i]));
}

static mbr_slice
field(const mbr_rec *rec, int col)
{
	mbr_slice v = rec->f[col];

	if (v.p == NULL || rec->type[col] == MBR_V_NULL)
		return (mbr_slice){ NULL, 0 };
	mbr_trim(&v.p, &v.n);
	return v.n > 0 ? v : (mbr_slice){ NULL, 0 };
}

static int
is_profile(const struct og *g, const mbr_rec *rec)
{
	int i;

	if (field(rec, g->c_order).p != NULL || field(rec, g->c_event).p != NULL)
		return 0;
	for (i = 0; i < NPROF; i++)
		if (field(rec, g->c_prof[i]).p != NULL)
			return 1;
	return 0;
}

static void
rid_add(struct og *g, uint32_t i)
{
	/* each once: a stamp per identifier, not a search of the record's
	 * (a field of 100,000 of them) */
	if (i != NONE) {
		if (g->stamp[i] == g->recno)
			return;
		g->stamp[i] = g->recno;
	}
	if (g->nrid == g->caprid) {
		g->caprid = g->caprid ? g->caprid * 2 : 16;
		g->rid = mbr_xrealloc(g->rid, g->caprid * sizeof(*g->rid));
	}
	g->rid[g->nrid++] = i;
}

/* An identifier the first pass saw; NONE when the input changed
 * between the passes (pass2 fails then). */
static uint32_t
lookup(struct og *g, const char *s, size_t n)
{
	struct ident *v = mbr_tab_get(g->ids, s, n);

	if (v == NULL) {
		g->changed = 1;
		return NONE;
	}
	return v->ix;
}

/* Whether the second pass has the identifier that gives the record's
 * person (rec_person): the last one found, when it links. */
static int
settled(const struct og *g)
{
	uint32_t i = g->rid[g->nrid - 1];

	return g->changed || (i != NONE &&
	    !(idv(g, i)->flags & (F_IGNORED | F_PLACEHOLDER)));
}

/* The record's identifiers into g->rid (its primary first when it has
 * one: *prim 1), made on first sight when make is set, else looked up
 * (the second pass, which saw them all) only up to the one that gives
 * the record's person.  Returns the number, 0 for none. */
static size_t
rec_ids(struct og *g, const mbr_rec *rec, int make, int *prim)
{
	mbr_slice m = field(rec, g->c_src), l;
	const char *p, *e, *q;

	g->nrid = 0;
	if (++g->recno == 0) {	/* wrapped: no stamp may look current */
		memset(g->stamp, 0, g->capids * sizeof(*g->stamp));
		g->recno = 1;
	}
	if (m.p == NULL)
		m = field(rec, g->c_member);
	*prim = m.p != NULL;
	if (m.p != NULL) {
		rid_add(g, make ? intern(g, m.p, m.n, NULL) :
		    lookup(g, m.p, m.n));
		if (!make && settled(g))
			return g->nrid;
	}
	l = field(rec, g->c_ids);
	e = l.p != NULL ? l.p + l.n : NULL;
	for (p = l.p; p != NULL && p < e; p = q + 1) {
		const char *s = p;
		size_t n;

		if ((q = memchr(p, '|', (size_t)(e - p))) == NULL)
			q = e;
		n = (size_t)(q - p);
		mbr_trim(&s, &n);
		if (n == 0)
			continue;
		rid_add(g, make ? intern(g, s, n, NULL) :
		    lookup(g, s, n));
		if (!make && settled(g))
			break;
	}
	return g->nrid;
}

/* The record's time: its first non-empty of ts, updated_at, signup_ts.
 * 0, 1 when it has none, -1 (msg set) when that one is no time. */
static int
rec_time(struct og *g, const mbr_rec *rec, int which, mbr_time *t)
{
	static const char *const nm[] = { "ts", "updated_at", "signup_ts" };
	mbr_err e = { 0 };
	int k;

	for (k = which < 0 ? 0 : which; k < (which < 0 ? 3 : which + 1);
	    k++) {
		mbr_slice v = field(rec, g->c_time[k]);

		if (v.p == NULL)
			continue;
		if (mbr_time_parse(t, v.p, v.n, g->tz, &e) == MBR_OK)
			return 0;
		mbr_buf_reset(&g->msg);
		mbr_buf_addf(&g->msg, "%s \"%.*s\" is not a valid time", nm[k],
		    (int)(v.n > 64 ? 64 : v.n), v.p);
		return -1;
	}
	return 1;
}

/* Whether the record is used, rejecting it (first pass) when not. */
static int
usable(struct og *g, const mbr_reader *rd, const mbr_rec *rec, int pass,
    mbr_time *t, int *hast)
{
	int r, prim;

	if (rec->bad != NULL) {
		if (pass == 1)
			mbr_reject(g->run.rj, rd, rec, rec->bad, rec->why);
		return 0;
	}
	if ((r = rec_time(g, rec, -1, t)) < 0) {
		if (pass == 1)
			mbr_reject(g->run.rj, rd, rec, "bad time", g->msg.p);
		return 0;
	}
	*hast = r == 0;
	if (rec_ids(g, rec, pass == 1, &prim) == 0) {
		if (pass == 1)
			mbr_reject(g->run.rj, rd, rec, "no member identity",
			    "no member_id and no identifiers");
		return 0;
	}
	return 1;
}

static int
idxcmp_g(const void *a, const void *b, void *arg)
{
	return idcmp(arg, *(const uint32_t *)a, *(const uint32_t *)b);
}

static int
u32cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return (x > y) - (x < y);
}

/* Notes a column some input has, in the order first seen. */
static void
note_col(struct og *g, int col)
{
	if (col >= g->nincol) {
		int n = col + 64;

		g->incol = mbr_xrealloc(g->incol, (size_t)n);
		memset(g->incol + g->nincol, 0, (size_t)(n - g->nincol));
		g->outc = mbr_xrealloc(g->outc, (size_t)n * sizeof(*g->outc));
		g->nincol = n;
	}
	if (!g->incol[col]) {
		g->incol[col] = 1;
		g->outc[g->noutc++] = col;
	}
}

/* The first pass: every record's identifiers and their set. */
static int
pass1(struct og *g, mbr_err *err)
{
	mbr_reader *rd = g->run.rd;
	mbr_rec rec;
	int r;

	cols(g, rd);
	while ((r = mbr_reader_next(rd, &rec, err)) != MBR_READ_END) {
		mbr_time t = { NOTIME, 0 };
		struct set *sv;
		size_t k, ns;
		int hast, nw;

		if (r < 0)
			break;
		if (r == MBR_READ_FILE) {
			cols(g, rd);
			if (mbr_reader_format(rd) == MBR_FMT_CSV) {
				const int *h = mbr_reader_header(rd, &k);

				for (ns = 0; ns < k; ns++)
					note_col(g, h[ns]);
			}
			continue;
		}
		g->records++;
		if (mbr_reader_format(rd) == MBR_FMT_NDJSON)
			for (k = 0; k < rec.n; k++)
				note_col(g, rec.order[k]);
		if (!usable(g, rd, &rec, 1, &t, &hast))
			continue;
		for (k = 0; k < g->nrid; k++) {
			struct ident *v = idv(g, g->rid[k]);

			v->cnt++;
			if (v->seen < UINT64_MAX)	/* a map's can be */
				v->seen++;
			if (hast && t.t < v->first) {
				v->first = t.t;
				v->off = t.off;
			}
		}
		/* The set, without the identifiers that link nothing. */
		for (k = ns = 0; k < g->nrid; k++)
			if (!(idv(g, g->rid[k])->flags & F_IGNORED))
				g->rid[ns++] = g->rid[k];
		if (ns < 2)
			continue;
		if (ns > 16)
			qsort(g->rid, ns, sizeof(*g->rid), u32cmp);
		else for (k = 1; k < ns; k++) {	/* a few: insertion */
			uint32_t x = g->rid[k];
			size_t j = k;

			for (; j > 0 && g->rid[j - 1] > x; j--)
				g->rid[j] = g->rid[j - 1];
			g->rid[j] = x;
		}
		sv = mbr_tab_upsert(g->sets, (const char *)g->rid,
		    ns * sizeof(*g->rid), &nw);
		if (nw) {
			sv->first = NOTIME;
			sv->fileno = (uint32_t)rec.fileno;
			sv->line = rec.line;
			for (k = 0; k < ns; k++)
				idv(g, g->rid[k])->nsets++;
		}
		sv->cnt++;
		if (hast && t.t < sv->first)
			sv->first = t.t;
	}
	return err->code;
}

/* --- the map and the ignore list --- */

static int
read_map(struct og *g, mbr_err *err)
{
	static const char *const need[] = { "identifier", "member_id",
	    "first_seen", "merged_into", "seen" };
	mbr_reader *rd;
	mbr_rec rec;
	mbr_tab *anchor;	/* id -> its first identifier */
	int ix[5], r, rc;

	if ((rc = mbr_side_open(g->c, &rd, g->o->map, need, ix, 5, 2,
	    err)) != MBR_OK) {
		mbr_reader_free(rd);
		if (rc == MBR_EDATA)
			err->code = rc = MBR_EUSAGE;
		return rc;
	}
	anchor = mbr_tab_new(sizeof(uint32_t));
	while ((r = mbr_reader_next(rd, &rec, err)) != MBR_READ_END) {
		mbr_slice id, mid, fs, mi, sn;
		struct ident *v;
		uint32_t i, eff, *an;
		mbr_time t;
		int nw;

		if (r < 0)
			break;
		if (r == MBR_READ_FILE)
			continue;
		if (rec.bad != NULL) {
			rc = mbr_err_set(err, MBR_EUSAGE, "%s", rec.why);
			goto bad;
		}
		id = field(&rec, ix[0]);
		mid = field(&rec, ix[1]);
		fs = field(&rec, ix[2]);
		mi = field(&rec, ix[3]);
		sn = field(&rec, ix[4]);
		if (id.p == NULL || mid.p == NULL) {
			rc = mbr_err_set(err, MBR_EUSAGE, "an identity link "
			    "needs an identifier and a member_id");
			goto bad;
		}
		i = intern(g, id.p, id.n, &nw);
		v = idv(g, i);
		if (!nw && (v->flags & F_MAP)) {
			rc = mbr_err_set(err, MBR_EUSAGE, "identifier \"%.*s\" "
			    "is in the map twice", (int)id.n, id.p);
			goto bad;
		}
		v->flags |= F_MAP;
		if (fs.p != NULL) {
			mbr_err e = { 0 };

			if (mbr_time_parse(&t, fs.p, fs.n, g->tz, &e) !=
			    MBR_OK) {
				rc = mbr_err_set(err, MBR_EUSAGE, "first_seen "
				    "\"%.*s\" is not a valid time",
				    (int)(fs.n > 64 ? 64 : fs.n), fs.p);
				goto bad;
			}
			v->first = t.t;
			v->off = t.off;
		}
		if (sn.p != NULL) {
			uint64_t s = 0;
			size_t k;

			for (k = 0; k < sn.n; k++) {
				if (sn.p[k] < '0' || sn.p[k] > '9' ||
				    s > (UINT64_MAX - (uint64_t)(sn.p[k] -
				    '0')) / 10) {
					rc = mbr_err_set(err, MBR_EUSAGE,
					    "seen \"%.*s\" is not a count",
					    (int)sn.n, sn.p);
					goto bad;
				}
				s = s * 10 + (uint64_t)(sn.p[k] - '0');
			}
			v->seen = s;
		}
		eff = oid_intern(g, mid.p, mid.n);
		if (mi.p != NULL) {
			v->hist = eff;
			eff = oid_intern(g, mi.p, mi.n);
			((struct oid *)mbr_tab_val(g->oids, v->hist))->
			    survivor = eff;
		}
		v->old = eff;
		if (g->o->explain != NULL) {
			if (i >= g->capmapline) {
				size_t n = g->capids;

				g->mapline = mbr_xrealloc(g->mapline,
				    n * sizeof(*g->mapline));
				memset(g->mapline + g->capmapline, 0,
				    (n - g->capmapline) * sizeof(*g->mapline));
				g->capmapline = n;
			}
			g->mapline[i] = rec.line;
		}
		if (v->flags & F_IGNORED)
			continue;
		an = mbr_tab_upsert(anchor, mbr_tab_key(g->oids, eff).p,
		    mbr_tab_key(g->oids, eff).n, &nw);
		if (nw)
			*an = i;
		else
			link2(g, *an, i, NONE, 0);
	}
	mbr_tab_free(anchor);
	mbr_reader_free(rd);
	if (err->code == MBR_EDATA)	/* no map to read */
		err->code = MBR_EUSAGE;
	return err->code;
bad:
	mbr_err_at(err, g->o->map, rec.line);
	mbr_tab_free(anchor);
	mbr_reader_free(rd);
	return rc;
}

static int
read_ignore(struct og *g, mbr_err *err)
{
	FILE *f;
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	uint64_t ln = 0, *lp;

	g->ignore = mbr_tab_new(sizeof(uint64_t));
	if ((f = fopen(g->o->ignore, "r")) == NULL) {
		mbr_err_set(err, MBR_EIO, "%s", strerror(errno));
		mbr_err_at(err, g->o->ignore, 0);
		return MBR_EIO;
	}
	while ((n = getline(&line, &cap, f)) >= 0) {
		const char *s = line;
		size_t k = (size_t)n;
		int nw;

		ln++;
		while (k > 0 && (s[k - 1] == '\n' || s[k - 1] == '\r'))
			k--;
		mbr_trim(&s, &k);
		if (k == 0 || s[0] == '#')
			continue;
		lp = mbr_tab_upsert(g->ignore, s, k, &nw);
		if (nw)
			*lp = ln;
	}
	free(line);
	if (ferror(f)) {
		mbr_err_set(err, MBR_EIO, "read error: %s", strerror(errno));
		mbr_err_at(err, g->o->ignore, 0);
		fclose(f);
		return MBR_EIO;
	}
	fclose(f);
	return MBR_OK;
}

/* --- linking --- */

static const uint32_t *
set_ids(const struct og *g, uint32_t s, size_t *n)
{
	mbr_slice k = mbr_tab_key(g->sets, s);

	*n = k.n / sizeof(uint32_t);
	return (const uint32_t *)(const void *)k.p;
}

/* The set's members in byte order of their texts, into g->srt. */
static const uint32_t *
set_sorted(struct og *g, uint32_t s, size_t *n, int which)
{
	const uint32_t *m = set_ids(g, s, n);
	uint32_t *v;
	size_t k, j;

	if (*n > g->capsrt) {
		g->capsrt = *n * 2;
		g->srt[0] = mbr_xrealloc(g->srt[0], g->capsrt * sizeof(**g->srt));
		g->srt[1] = mbr_xrealloc(g->srt[1], g->capsrt * sizeof(**g->srt));
	}
	v = g->srt[which];
	for (k = 0; k < *n; k++) {
		uint32_t x = m[k];

		for (j = k; j > 0 && idcmp(g, v[j - 1], x) > 0; j--)
			v[j] = v[j - 1];
		v[j] = x;
	}
	return v;
}

static int
setcmp_g(const void *a, const void *b, void *arg)
{
	struct og *g = arg;
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	const struct set *sx = mbr_tab_val(g->sets, x);
	const struct set *sy = mbr_tab_val(g->sets, y);
	const uint32_t *ix, *iy;
	size_t nx, ny, k;
	int r;

	if (sx->cnt != sy->cnt)
		return sx->cnt > sy->cnt ? -1 : 1;
	if (sx->first != sy->first)
		return sx->first < sy->first ? -1 : 1;
	ix = set_sorted(g, x, &nx, 0);
	iy = set_sorted(g, y, &ny, 1);
	for (k = 0; k < nx && k < ny; k++)
		if ((r = idcmp(g, ix[k], iy[k])) != 0)
			return r;
	return (nx > ny) - (nx < ny);
}

/* Links the set's members (those without any of the flags in skip)
 * from the first to each other: in byte order when the order shows
 * (a cap may cut a link; --explain names them), else as they are
 * (the people are the same whatever the order). */
static void
link_set(struct og *g, uint32_t s, int skip)
{
	const uint32_t *m;
	size_t n, k;
	uint32_t first = NONE;

	m = g->ordered ? set_sorted(g, s, &n, 0) : set_ids(g, s, &n);
	for (k = 0; k < n; k++) {
		if (idv(g, m[k])->flags & skip)
			continue;
		if (first == NONE)
			first = m[k];
		else
			link2(g, first, m[k], s, 1);
	}
}

struct pair {
	uint32_t	 c, r, s, m;	/* candidate, root of m, set, member */
};

static int
paircmp(const void *a, const void *b)
{
	const struct pair *x = a, *y = b;

	if (x->c != y->c)
		return x->c < y->c ? -1 : 1;
	return (x->r > y->r) - (x->r < y->r);
}

static void
link_all(struct og *g)
{
	size_t ns = mbr_tab_count(g->sets), ni = mbr_tab_count(g->ids);
	size_t i, k, n, np = 0, capp = 0, ncand = 0;
	uint32_t *order;
	struct pair *pr = NULL;
	const uint32_t *m;
	int nc = g->o->ncap;

	if (nc > 0) {
		g->capn = mbr_xcalloc(ni * (size_t)nc, sizeof(*g->capn));
		for (i = 0; i < ni; i++) {
			struct ident *v = idv(g, (uint32_t)i);

			if (v->cap > 0)
				g->capn[(size_t)find(g, (uint32_t)i) * nc +
				    v->cap - 1]++;
		}
	}
	for (i = 0; i < ni; i++) {
		struct ident *v = idv(g, (uint32_t)i);

		if (!(v->flags & F_IGNORED) && v->nsets > g->o->max_members) {
			v->flags |= F_CAND;
			ncand++;
		}
	}
	order = mbr_xmalloc((ns ? ns : 1) * sizeof(*order));
	for (i = 0; i < ns; i++)
		order[i] = (uint32_t)i;
	if (g->ordered)
		qsort_r(order, ns, sizeof(*order), setcmp_g, g);
	for (i = 0; i < ns; i++)
		link_set(g, order[i], F_CAND);
	if (ncand == 0)
		goto out;
	/* Each candidate's would-be people: the people of the others of
	 * its sets, as linked without the candidates not kept; those with
	 * few enough are kept and their sets linked, and the rest judged
	 * again against the people so made, until no more is kept (so
	 * that the next night, whose map has those links, judges the
	 * same).  A candidate is a placeholder until kept. */
	for (i = 0; i < ns; i++) {
		uint32_t s = order[i];

		m = set_ids(g, s, &n);
		for (k = 0; k < n; k++) {
			size_t j;

			if (!(idv(g, m[k])->flags & F_CAND))
				continue;
			idv(g, m[k])->flags |= F_PLACEHOLDER;
			for (j = 0; j < n; j++) {
				if (j == k)
					continue;
				if (np == capp) {
					capp = capp ? capp * 2 : 256;
					pr = mbr_xrealloc(pr,
					    capp * sizeof(*pr));
				}
				pr[np++] = (struct pair){ m[k], 0, s, m[j] };
			}
		}
	}
	for (;;) {
		size_t nk = 0, out = 0;

		for (i = 0; i < np; i++)
			pr[i].r = find(g, pr[i].m);
		qsort(pr, np, sizeof(*pr), paircmp);
		for (i = 0; i < np; ) {
			uint32_t c = pr[i].c;
			uint64_t people = 0;
			size_t i0 = i;

			for (; i < np && pr[i].c == c; i++)
				if (i == i0 || pr[i - 1].r != pr[i].r)
					people++;
			if (people <= g->o->max_members) {
				idv(g, c)->flags &= ~F_PLACEHOLDER;
				idv(g, c)->flags |= F_NEW;
				nk++;
			}
		}
		if (nk == 0)
			break;
		for (i = 0; i < ns; i++) {
			m = set_ids(g, order[i], &n);
			for (k = 0; k < n; k++)
				if (idv(g, m[k])->flags & F_NEW)
					break;
			if (k < n)
				link_set(g, order[i], F_PLACEHOLDER);
		}
		for (i = 0; i < np; i++) {
			idv(g, pr[i].c)->flags &= ~F_NEW;
			if (idv(g, pr[i].c)->flags & F_PLACEHOLDER)
				pr[out++] = pr[i];
		}
		np = out;
	}
	/* the placeholders, with what the last judgement counted and where
	 * each was first seen (the earliest set's first record) */
	for (i = 0; i < np; ) {
		uint32_t c = pr[i].c;
		size_t i0 = i;
		struct aud au = { .why = A_PLACEHOLDER, .a = c, .b = NONE,
		    .fileno = NONE, .records = idv(g, c)->cnt };

		for (; i < np && pr[i].c == c; i++) {
			const struct set *sv = mbr_tab_val(g->sets, pr[i].s);

			if (i == i0 || pr[i - 1].r != pr[i].r)
				au.people++;
			if (au.fileno == NONE || sv->fileno < au.fileno ||
			    (sv->fileno == au.fileno && sv->line < au.line)) {
				au.fileno = sv->fileno;
				au.line = sv->line;
			}
		}
		audit_add(g, &au);
	}
	free(pr);
out:
	free(order);
}

/* --- ids for the people --- */

struct newp {
	uint32_t	 root;
	int64_t		 first;
	uint32_t	 least;	/* its least identifier */
};

static int
newpcmp_g(const void *a, const void *b, void *arg)
{
	const struct newp *x = a, *y = b;

	if (x->first != y->first)
		return x->first < y->first ? -1 : 1;
	return idcmp(arg, x->least, y->least);
}

static void
assign_ids(struct og *g)
{
	size_t ni = mbr_tab_count(g->ids), i, nn = 0;
	uint32_t *best;
	struct newp *np;
	char buf[40];

	g->root = mbr_xmalloc((ni ? ni : 1) * sizeof(*g->root));
	g->person = mbr_xmalloc((ni ? ni : 1) * sizeof(*g->person));
	best = g->person;
	np = mbr_xmalloc((ni ? ni : 1) * sizeof(*np));
	for (i = 0; i < ni; i++)
		best[i] = NONE;
	for (i = 0; i < ni; i++) {
		uint32_t r = find(g, (uint32_t)i);
		uint32_t o = idv(g, (uint32_t)i)->old;

		g->root[i] = r;
		if (o != NONE && !(idv(g, (uint32_t)i)->flags & F_IGNORED) &&
		    (best[r] == NONE || oidcmp(g, o, best[r]) < 0))
			best[r] = o;
	}
	/* An identifier newly ignored has left its person, which keeps the
	 * id; it keeps one only when it was the person's last. */
	{
		size_t no = mbr_tab_count(g->oids);
		unsigned char *claimed = mbr_xcalloc(no ? no : 1, 1);

		for (i = 0; i < ni; i++)
			if (g->root[i] == i && best[i] != NONE)
				claimed[best[i]] = 1;
		for (i = 0; i < ni; i++) {
			uint32_t r = g->root[i];
			uint32_t o = idv(g, (uint32_t)i)->old;

			if (o != NONE && best[r] == NONE && !claimed[o]) {
				best[r] = o;
				claimed[o] = 1;
			}
		}
		free(claimed);
	}
	/* People without an id, by their first time, then least
	 * identifier; roots are gathered in one sweep. */
	{
		uint32_t *slot = mbr_xmalloc((ni ? ni : 1) * sizeof(*slot));

		for (i = 0; i < ni; i++)
			slot[i] = NONE;
		for (i = 0; i < ni; i++) {
			uint32_t r = g->root[i];
			struct ident *v = idv(g, (uint32_t)i);
			struct newp *p;

			if (best[r] != NONE)
				continue;
			if (slot[r] == NONE) {
				slot[r] = (uint32_t)nn;
				np[nn++] = (struct newp){ r, NOTIME,
				    (uint32_t)i };
			}
			p = &np[slot[r]];
			if (v->first < p->first)
				p->first = v->first;
			if (idcmp(g, (uint32_t)i, p->least) < 0)
				p->least = (uint32_t)i;
		}
		free(slot);
	}
	qsort_r(np, nn, sizeof(*np), newpcmp_g, g);
	if (g->next == 0)
		g->next = 1;
	if (nn > 0 && g->next + nn > 10000000000000000000ULL) {
		g->exhausted = 1;	/* never reuse one: fail the run */
		free(np);
		return;
	}
	for (i = 0; i < nn; i++) {
		int n = snprintf(buf, sizeof(buf), "oneid:%09" PRIu64,
		    g->next++);

		best[np[i].root] = oid_intern(g, buf, (size_t)n);
	}
	g->newpeople = nn;
	free(np);
	/* Ids merged away: old ids no person has now (an old id that
	 * another person kept is a split, not a merge). */
	g->live = mbr_xcalloc(mbr_tab_count(g->oids) + 1, 1);
	for (i = 0; i < ni; i++)
		if (g->root[i] == i)
			g->live[best[i]] = 1;
	for (i = 0; i < ni; i++) {
		struct ident *v = idv(g, (uint32_t)i);

		if (v->old != NONE && !g->live[v->old]) {
			struct oid *o = mbr_tab_val(g->oids, v->old);

			if (o->survivor == NONE)
				g->merged++;
			o->survivor = best[g->root[i]];
		}
		if (g->root[i] == i)
			g->people++;
		if (v->flags & (F_IGNORED | F_PLACEHOLDER))
			g->setaside++;
	}
}

/* The person of identifier i, as text. */
static mbr_slice
person_of(const struct og *g, uint32_t i)
{
	return mbr_tab_key(g->oids, g->person[g->root[i]]);
}

/* --- writing --- */

static int
rootcmp_g(const void *a, const void *b, void *arg)
{
	const struct og *g = arg;

	return oidcmp(g, g->person[*(const uint32_t *)a],
	    g->person[*(const uint32_t *)b]);
}

/* Identifiers by person (oldest id first), then byte order: the people
 * sorted, the identifiers dealt out to them, each person's few sorted. */
static uint32_t *
by_person(struct og *g)
{
	size_t ni = mbr_tab_count(g->ids), i, nr = 0;
	uint32_t *v = mbr_xmalloc((ni ? ni : 1) * sizeof(*v));
	uint32_t *roots = mbr_xmalloc((ni ? ni : 1) * sizeof(*roots));
	uint32_t *at = mbr_xcalloc(ni + 1, sizeof(*at));

	for (i = 0; i < ni; i++)
		if (g->root[i] == i)
			roots[nr++] = (uint32_t)i;
	qsort_r(roots, nr, sizeof(*roots), rootcmp_g, g);
	/* at[root]: where its identifiers begin */
	for (i = 0; i < ni; i++)
		at[g->root[i]]++;
	{
		uint32_t sum = 0, n;

		for (i = 0; i < nr; i++) {
			n = at[roots[i]];
			at[roots[i]] = sum;
			sum += n;
		}
	}
	for (i = 0; i < ni; i++)
		v[at[g->root[i]]++] = (uint32_t)i;
	for (i = 0; i < nr; i++) {
		uint32_t end = at[roots[i]];
		uint32_t beg = i == 0 ? 0 : at[roots[i - 1]];

		if (end - beg > 1)
			qsort_r(v + beg, end - beg, sizeof(*v), idxcmp_g, g);
	}
	free(roots);
	free(at);
	return v;
}

static void
wstr(mbr_writer *w, const char *name, mbr_slice v)
{
	mbr_writer_field(w, (mbr_slice){ name, strlen(name) }, v,
	    v.p == NULL ? MBR_V_NULL : MBR_V_STR);
}

static void
header(mbr_writer *w, const char *const *names, size_t n)
{
	mbr_slice h[16];
	size_t i;

	for (i = 0; i < n; i++)
		h[i] = (mbr_slice){ names[i], strlen(names[i]) };
	mbr_writer_header(w, h, n);
}

static int
write_map(struct og *g, const uint32_t *order, mbr_err *err)
{
	static const char *const nm[] = { "identifier", "member_id",
	    "first_seen", "merged_into", "seen" };
	mbr_writer *w;
	size_t ni = mbr_tab_count(g->ids), i;
	char tb[MBR_TIME_MAX + 1], sb[24];
	int rc;

	if ((rc = mbr_writer_open(&w, g->o->map_out,
	    g->fmt, 0, 0, err)) != MBR_OK)
		return rc;
	header(w, nm, 5);
	for (i = 0; i < ni && rc == MBR_OK; i++) {
		uint32_t x = order[i];
		struct ident *v = idv(g, x);
		uint32_t cur = g->person[g->root[x]];
		uint32_t mid = v->hist != NONE ? v->hist : v->old != NONE &&
		    !g->live[v->old] ? v->old : cur;
		mbr_slice e = { NULL, 0 };
		size_t n;

		wstr(w, "identifier", idk(g, x));
		wstr(w, "member_id", mbr_tab_key(g->oids, mid));
		if (v->first != NOTIME) {
			n = mbr_time_fmt(tb, (mbr_time){ v->first, v->off });
			wstr(w, "first_seen", (mbr_slice){ tb, n });
		} else
			wstr(w, "first_seen", (mbr_slice){ "", 0 });
		wstr(w, "merged_into", mid != cur ?
		    mbr_tab_key(g->oids, cur) : (mbr_slice){ "", 0 });
		(void)e;
		n = (size_t)snprintf(sb, sizeof(sb), "%" PRIu64, v->seen);
		mbr_writer_field(w, MBR_SLICE("seen"), (mbr_slice){ sb, n },
		    MBR_V_NUM);
		rc = mbr_writer_end(w, err);
	}
	if (mbr_writer_close(w, err) != MBR_OK && rc == MBR_OK)
		rc = err->code;
	return rc;
}

static int
audcmp_g(const void *a, const void *b, void *arg)
{
	const struct aud *x = a, *y = b;
	int r;

	if (x->why != y->why)
		return x->why < y->why ? -1 : 1;
	if ((r = idcmp(arg, x->a, y->a)) != 0)
		return r;
	if (x->b != y->b)
		return x->b == NONE ? -1 : y->b == NONE ? 1 :
		    idcmp(arg, x->b, y->b);
	return 0;
}

static void
aud_detail(const struct og *g, const struct aud *a, mbr_buf *b)
{
	mbr_buf_reset(b);
	switch (a->why) {
	case A_IGNORED:
		mbr_buf_addf(b, "listed in --ignore-identifiers");
		break;
	case A_PLACEHOLDER:
		mbr_buf_addf(b, "shared by %" PRIu64 " would-be people "
		    "(more than %" PRIu64 ")", a->people, g->o->max_members);
		break;
	case A_CUT:
		mbr_buf_addf(b, "the person would have %" PRIu32 " %s "
		    "identifiers (at most %" PRIu32 ")", a->have,
		    g->o->cap[a->capk].type, g->o->cap[a->capk].max);
		break;
	}
}

static void
aud_source(const struct og *g, const struct aud *a, mbr_buf *b)
{
	mbr_buf_reset(b);
	if (a->fileno == NONE)
		mbr_buf_addf(b, "%s:%" PRIu64, g->o->ignore, a->line);
	else
		mbr_buf_addf(b, "%s:%" PRIu64, g->names[a->fileno] != NULL ?
		    g->names[a->fileno] : g->files[a->fileno], a->line);
}

static int
write_audit(struct og *g, mbr_err *err)
{
	static const char *const nm[] = { "reason", "identifier",
	    "linked_to", "people", "records", "detail", "source" };
	mbr_writer *w;
	mbr_buf d, s;
	size_t i;
	int rc;

	if ((rc = mbr_writer_open(&w, g->o->audit,
	    g->fmt, 0, 0, err)) != MBR_OK)
		return rc;
	header(w, nm, 7);
	mbr_buf_init(&d);
	mbr_buf_init(&s);
	if (g->naud > 1)
		qsort_r(g->aud, g->naud, sizeof(*g->aud), audcmp_g, g);
	for (i = 0; i < g->naud && rc == MBR_OK; i++) {
		const struct aud *a = &g->aud[i];

		mbr_writer_cstr(w, "reason", areason[a->why]);
		wstr(w, "identifier", idk(g, a->a));
		wstr(w, "linked_to", a->b != NONE ? idk(g, a->b) :
		    (mbr_slice){ "", 0 });
		if (a->why == A_PLACEHOLDER)
			mbr_writer_int(w, "people", (int64_t)a->people);
		else
			wstr(w, "people", (mbr_slice){ "", 0 });
		mbr_writer_int(w, "records", (int64_t)(a->why == A_IGNORED ?
		    idv(g, a->a)->cnt : a->records));
		aud_detail(g, a, &d);
		wstr(w, "detail", (mbr_slice){ d.p, d.n });
		aud_source(g, a, &s);
		wstr(w, "source", (mbr_slice){ s.p, s.n });
		rc = mbr_writer_end(w, err);
	}
	mbr_buf_release(&d);
	mbr_buf_release(&s);
	if (mbr_writer_close(w, err) != MBR_OK && rc == MBR_OK)
		rc = err->code;
	return rc;
}

/* --- the second pass --- */

/* The record's person: that of its first identifier that links, else
 * of its first. */
static uint32_t
rec_person(const struct og *g)
{
	size_t k;

	for (k = 0; k < g->nrid; k++)
		if (!(idv(g, g->rid[k])->flags & (F_IGNORED | F_PLACEHOLDER)))
			return g->rid[k];
	return g->rid[0];
}

static void
keep_profile(struct og *g, const mbr_reader *rd, const mbr_rec *rec,
    uint32_t who, int prim)
{
	struct prof *p;
	mbr_time t;
	size_t i;
	int nc = mbr_reader_ncols(rd);

	if (g->npcols < nc) {
		g->pcols = mbr_xrealloc(g->pcols, (size_t)nc);
		memset(g->pcols + g->npcols, 0, (size_t)(nc - g->npcols));
		g->pord = mbr_xrealloc(g->pord, (size_t)nc * sizeof(*g->pord));
		g->pname = mbr_xrealloc(g->pname, (size_t)nc *
		    sizeof(*g->pname));
		g->npcols = nc;
	}
	if (g->nprof == g->capprof) {
		g->capprof = g->capprof ? g->capprof * 2 : 64;
		g->prof = mbr_xrealloc(g->prof, g->capprof * sizeof(*g->prof));
	}
	p = &g->prof[g->nprof];
	p->person = g->root[who];
	p->seq = g->nprof++;
	p->upd = rec_time(g, rec, 1, &t) == 0 ? t.t : INT64_MIN;
	p->src = g->rid[0];	/* what it came with, as written */
	p->f0 = g->npf;
	for (i = 0; i < rec->n; i++) {
		int col = rec->order[i];
		mbr_slice v = rec->f[col];

		if (!g->pcols[col]) {
			mbr_slice nm = mbr_reader_colname(rd, col);

			/* the second pass's reader is gone when they are
			 * written: the names are kept */
			g->pcols[col] = 1;
			g->pord[g->npord++] = col;
			g->pname[col] = (mbr_slice){ mbr_xstrndup(nm.p, nm.n),
			    nm.n };
		}
		if (v.n == 0 || rec->type[col] == MBR_V_NULL)
			continue;
		if (g->npf == g->cappf) {
			g->cappf = g->cappf ? g->cappf * 2 : 256;
			g->pf = mbr_xrealloc(g->pf, g->cappf * sizeof(*g->pf));
		}
		g->pf[g->npf++] = (struct pfield){ col, rec->type[col],
		    g->ptext.n, v.n };
		mbr_buf_add(&g->ptext, v.p, v.n);
	}
	p->nf = g->npf - p->f0;
}

/* The record as it came, with its person's member_id in place and the
 * member_id it came with as source_member_id (after member_id, unless
 * it had one). */
static void
write_rec(struct og *g, mbr_writer *w, const mbr_reader *rd,
    const mbr_rec *rec, uint32_t who)
{
	mbr_slice src = rec->f[g->c_src], mem = rec->f[g->c_member];
	int had = 0;
	size_t i;

	/* A record without a member_id came with its first identifier:
	 * a second run over this output takes that, not the OneID. */
	if (src.p == NULL || field(rec, g->c_src).p == NULL)
		src = field(rec, g->c_member).p != NULL ? mem : idk(g,
		    g->rid[0]);
	for (i = 0; i < rec->n; i++) {
		int col = rec->order[i];

		if (col == g->c_member) {
			wstr(w, "member_id", person_of(g, who));
			if (!g->src_last)
				wstr(w, "source_member_id", src);
			had = 1;
		} else if (col != g->c_src)
			mbr_writer_field(w, mbr_reader_colname(rd, col),
			    rec->f[col], rec->type[col]);
	}
	if (!had)
		wstr(w, "member_id", person_of(g, who));
	/* where the header has it: a field out of the header's order
	 * sends the CSV writer looking for its place */
	if (!had || g->src_last)
		wstr(w, "source_member_id", src);
}

/* --outdir: the writer of the input that begins, its own file in the
 * directory, in its format, with its columns and source_member_id
 * after member_id. */
static int
open_out(struct og *g, const mbr_reader *rd, mbr_writer **w, mbr_err *err)
{
	const char *name = g->names[mbr_reader_current(rd)];
	const char *base;
	const int *hdr;
	mbr_slice *h;
	size_t n = 0, k, nh;
	int fmt = g->c->out_format, rc, had = 0;
	char *path;

	if (name == NULL)
		name = g->files[mbr_reader_current(rd)];
	base = strrchr(name, '/') ? strrchr(name, '/') + 1 : name;
	path = mbr_xmalloc(strlen(g->o->outdir) + strlen(base) + 2);
	sprintf(path, "%s/%s", g->o->outdir, base);
	if (fmt == MBR_FMT_AUTO)
		fmt = mbr_reader_format(rd);
	rc = mbr_writer_open(w, path, fmt, g->c->gzip, 0, err);
	free(path);
	if (rc != MBR_OK || mbr_reader_format(rd) != MBR_FMT_CSV)
		return rc;
	hdr = mbr_reader_header(rd, &nh);
	h = mbr_xcalloc(nh + 2, sizeof(*h));
	for (k = 0; k < nh; k++) {
		if (hdr[k] == g->c_src)
			continue;
		h[n++] = mbr_reader_colname(rd, hdr[k]);
		if (hdr[k] == g->c_member) {
			h[n++] = MBR_SLICE("source_member_id");
			had = 1;
		}
	}
	if (!had) {
		h[n++] = MBR_SLICE("member_id");
		h[n++] = MBR_SLICE("source_member_id");
	}
	mbr_writer_header(*w, h, n);
	free(h);
	return MBR_OK;
}

static int
pass2(struct og *g, mbr_reader_opts *ro, mbr_err *err)
{
	mbr_reader *rd;
	mbr_writer *w = g->run.w;
	mbr_rec rec;
	int r, rc, prim;

	if ((rc = mbr_reader_open(&rd, ro, g->nfiles, g->files, err)) !=
	    MBR_OK)
		return rc;
	while ((r = mbr_reader_next(rd, &rec, err)) != MBR_READ_END) {
		mbr_time t;
		int hast;
		uint32_t who;

		if (r < 0)
			break;
		if (r == MBR_READ_FILE) {
			cols(g, rd);
			if (g->o->outdir == NULL)
				continue;
			if (w != NULL && mbr_writer_close(w, err) != MBR_OK)
				break;
			w = NULL;
			if (open_out(g, rd, &w, err) != MBR_OK)
				break;
			continue;
		}
		if (!usable(g, rd, &rec, 2, &t, &hast))
			continue;
		if (g->changed) {
			mbr_err_set(err, MBR_EIO, "the input changed while it "
			    "was read (an identifier the first pass did not "
			    "see)");
			mbr_err_at(err, rec.file, rec.line);
			break;
		}
		prim = field(&rec, g->c_src).p != NULL ||
		    field(&rec, g->c_member).p != NULL;
		who = rec_person(g);
		write_rec(g, w, rd, &rec, who);
		if ((rc = mbr_writer_end(w, err)) != MBR_OK)
			break;
		if (g->o->profiles_out != NULL && is_profile(g, &rec))
			keep_profile(g, rd, &rec, who, prim);
	}
	if (g->o->outdir != NULL && w != NULL &&
	    mbr_writer_close(w, err) != MBR_OK && err->code == MBR_OK)
		err->code = MBR_EIO;
	mbr_reader_free(rd);
	return err->code;
}

/* --- profiles --- */

static int
profcmp_g(const void *a, const void *b, void *arg)
{
	const struct og *g = arg;
	const struct prof *x = a, *y = b;
	int r;

	if (x->person != y->person &&
	    (r = oidcmp(g, g->person[x->person], g->person[y->person])) != 0)
		return r;
	if (x->upd != y->upd)
		return x->upd < y->upd ? -1 : 1;
	return (x->seq > y->seq) - (x->seq < y->seq);
}

/* A consent value that says no. */
static int
says_no(const char *s, size_t n)
{
	static const char *const no[] = { "no", "n", "0", "false",
	    "opt-out", "\xe5\x90\xa6" };
	size_t i, k;

	for (i = 0; i < sizeof(no) / sizeof(no[0]); i++) {
		if (strlen(no[i]) != n)
			continue;
		for (k = 0; k < n; k++)
			if ((s[k] >= 'A' && s[k] <= 'Z' ? s[k] + 32 : s[k]) !=
			    no[i][k])
				break;
		if (k == n)
			return 1;
	}
	return 0;
}

static int
write_profiles(struct og *g, const uint32_t *order, mbr_err *err)
{
	mbr_writer *w;
	size_t ni = mbr_tab_count(g->ids), i, j, k, at = 0;
	int nc = g->npcols, col, rc, c_src = -1, c_ids = -1, c_mem = -1;
	const struct pfield **val, **no;
	mbr_slice *h;
	size_t nh = 0;
	mbr_buf list, idl;

	if ((rc = mbr_writer_open(&w, g->o->profiles_out,
	    g->fmt, g->c->gzip, 0, err)) != MBR_OK)
		return rc;
	h = mbr_xcalloc((size_t)nc + 3, sizeof(*h));
	for (k = 0; k < g->npord; k++) {
		col = g->pord[k];
		h[nh] = g->pname[col];
		if (mbr_slice_eq(h[nh], "source_member_id", 16))
			c_src = col;
		else if (mbr_slice_eq(h[nh], "identifiers", 11))
			c_ids = col;
		else if (mbr_slice_eq(h[nh], "member_id", 9))
			c_mem = col;
		nh++;
	}
	if (c_mem < 0)
		h[nh++] = MBR_SLICE("member_id");
	if (c_src < 0)
		h[nh++] = MBR_SLICE("source_member_id");
	if (c_ids < 0)
		h[nh++] = MBR_SLICE("identifiers");
	mbr_writer_header(w, h, nh);
	val = mbr_xcalloc((size_t)nc + 1, sizeof(*val));
	no = mbr_xcalloc((size_t)nc + 1, sizeof(*no));
	mbr_buf_init(&list);
	mbr_buf_init(&idl);
	if (g->nprof > 1)
		qsort_r(g->prof, g->nprof, sizeof(*g->prof), profcmp_g,
		    g);
	for (i = 0; i < g->nprof && rc == MBR_OK; ) {
		uint32_t who = g->prof[i].person;
		uint32_t pid = g->person[who];

		memset(val, 0, (size_t)nc * sizeof(*val));
		memset(no, 0, (size_t)nc * sizeof(*no));
		mbr_buf_reset(&list);
		mbr_buf_reset(&idl);
		/* oldest first: a later value replaces an earlier */
		for (j = i; j < g->nprof && g->prof[j].person == who; j++) {
			const struct prof *p = &g->prof[j];

			for (k = 0; k < p->nf; k++) {
				const struct pfield *f = &g->pf[p->f0 + k];
				mbr_slice nm = g->pname[f->col];

				val[f->col] = f;
				if (nm.n > 8 && memcmp(nm.p, "consent_", 8) ==
				    0 && says_no(g->ptext.p + f->off, f->n))
					no[f->col] = f;
			}
		}
		mbr_writer_field(w, MBR_SLICE("member_id"),
		    mbr_tab_key(g->oids, pid), MBR_V_STR);
		for (k = 0; k < g->npord; k++) {
			const struct pfield *f;

			col = g->pord[k];
			f = no[col] ? no[col] : val[col];
			if (col == c_src || col == c_ids ||
			    col == c_mem || f == NULL)
				continue;
			mbr_writer_field(w, g->pname[col],
			    (mbr_slice){ g->ptext.p + f->off, f->n }, f->type);
		}
		/* the sources, each once, in byte order */
		{
			uint32_t *src = mbr_xmalloc((j - i) * sizeof(*src));
			size_t ns = 0, q;

			for (k = i; k < j; k++)
				if (g->prof[k].src != NONE)
					src[ns++] = g->prof[k].src;
			if (ns > 1)
				qsort_r(src, ns, sizeof(*src), idxcmp_g, g);
			for (q = 0; q < ns; q++) {
				mbr_slice s = idk(g, src[q]);

				if (q > 0 && src[q] == src[q - 1])
					continue;
				if (list.n > 0)
					mbr_buf_addc(&list, '|');
				mbr_buf_add(&list, s.p, s.n);
			}
			free(src);
		}
		wstr(w, "source_member_id",
		    (mbr_slice){ list.p ? list.p : "", list.n });
		/* the person's identifiers: order is by person */
		while (at < ni && oidcmp(g, g->person[g->root[order[at]]],
		    pid) < 0)
			at++;
		for (k = at; k < ni && g->root[order[k]] == who; k++) {
			mbr_slice s = idk(g, order[k]);

			if (idl.n > 0)
				mbr_buf_addc(&idl, '|');
			mbr_buf_add(&idl, s.p, s.n);
		}
		wstr(w, "identifiers", (mbr_slice){ idl.p ? idl.p : "",
		    idl.n });
		rc = mbr_writer_end(w, err);
		i = j;
	}
	free(val);
	free(no);
	free(h);
	mbr_buf_release(&list);
	mbr_buf_release(&idl);
	if (mbr_writer_close(w, err) != MBR_OK && rc == MBR_OK)
		rc = err->code;
	return rc;
}

/* --- explain --- */

static void
explain_src(const struct og *g, uint32_t s, uint32_t b, mbr_buf *o)
{
	if (s == NONE) {
		mbr_buf_addf(o, "%s:%" PRIu64 " (the map)", g->o->map,
		    g->mapline != NULL && b < g->capmapline ?
		    g->mapline[b] : 0);
		return;
	}
	{
		const struct set *sv = mbr_tab_val(g->sets, s);
		uint32_t f = sv->fileno;

		mbr_buf_addf(o, "%s:%" PRIu64, g->names[f] != NULL ?
		    g->names[f] : g->files[f], sv->line);
		if (sv->cnt > 1)
			mbr_buf_addf(o, " (and %" PRIu64 " more record%s)",
			    sv->cnt - 1, sv->cnt == 2 ? "" : "s");
	}
}

static int
explain(struct og *g, mbr_err *err)
{
	const char *x = g->o->explain;
	struct ident *v = mbr_tab_get(g->ids, x, strlen(x));
	uint32_t i, r, *q, *adj0, *adj, nq = 0, qi, k;
	unsigned char *seen;
	size_t ni = mbr_tab_count(g->ids), n, j;
	mbr_buf o, d;

	if (v == NULL) {
		mbr_err_set(err, MBR_EDATA, "identifier \"%s\" is in no input "
		    "and not in the map", x);
		return MBR_EDATA;
	}
	i = v->ix;
	r = g->root[i];
	mbr_buf_init(&o);
	mbr_buf_init(&d);
	for (n = 0, j = 0; j < ni; j++)
		n += g->root[j] == r;
	mbr_buf_addf(&o, "%s is %.*s, a person of %zu identifier%s\n", x,
	    (int)person_of(g, i).n, person_of(g, i).p, n, n == 1 ? "" : "s");
	if (v->flags & (F_IGNORED | F_PLACEHOLDER))
		mbr_buf_addf(&o, "  it links nothing: %s\n",
		    v->flags & F_IGNORED ? "listed in --ignore-identifiers" :
		    "a placeholder (see --audit)");
	/* The links of the person as an adjacency list: breadth first from
	 * the identifier. */
	adj0 = mbr_xcalloc(ni + 1, sizeof(*adj0));
	for (j = 0; j < g->nlnk; j++)
		if (g->root[g->lnk[j].a] == r) {
			adj0[g->lnk[j].a + 1]++;
			adj0[g->lnk[j].b + 1]++;
		}
	for (j = 0; j < ni; j++)
		adj0[j + 1] += adj0[j];
	adj = mbr_xmalloc((adj0[ni] ? adj0[ni] : 1) * sizeof(*adj));
	{
		uint32_t *fill = mbr_xmalloc((ni + 1) * sizeof(*fill));

		memcpy(fill, adj0, (ni + 1) * sizeof(*fill));
		for (j = 0; j < g->nlnk; j++)
			if (g->root[g->lnk[j].a] == r) {
				adj[fill[g->lnk[j].a]++] = (uint32_t)j;
				adj[fill[g->lnk[j].b]++] = (uint32_t)j;
			}
		free(fill);
	}
	seen = mbr_xcalloc(ni, 1);
	q = mbr_xmalloc((n ? n : 1) * sizeof(*q));
	q[nq++] = i;
	seen[i] = 1;
	for (qi = 0; qi < nq; qi++) {
		uint32_t a = q[qi];

		for (k = adj0[a]; k < adj0[a + 1]; k++) {
			const struct lnk *l = &g->lnk[adj[k]];
			uint32_t b = l->a == a ? l->b : l->a;

			if (seen[b])
				continue;
			seen[b] = 1;
			q[nq++] = b;
			mbr_buf_addf(&o, "  %.*s -- %.*s  ", (int)idk(g, a).n,
			    idk(g, a).p, (int)idk(g, b).n, idk(g, b).p);
			explain_src(g, l->s, l->b, &o);
			mbr_buf_addc(&o, '\n');
		}
	}
	/* What a guard kept away from it. */
	for (j = 0; j < g->naud; j++) {
		const struct aud *a = &g->aud[j];

		if (g->root[a->a] != r && (a->b == NONE || g->root[a->b] != r))
			continue;
		aud_detail(g, a, &d);
		mbr_buf_addf(&o, "  not linked: %.*s", (int)idk(g, a->a).n,
		    idk(g, a->a).p);
		if (a->b != NONE)
			mbr_buf_addf(&o, " -- %.*s", (int)idk(g, a->b).n,
			    idk(g, a->b).p);
		mbr_buf_addf(&o, " (%s: %s)  ", areason[a->why], d.p);
		aud_source(g, a, &d);
		mbr_buf_add(&o, d.p, d.n);
		mbr_buf_addc(&o, '\n');
	}
	fwrite(o.p, 1, o.n, stdout);
	free(adj0);
	free(adj);
	free(seen);
	free(q);
	mbr_buf_release(&o);
	mbr_buf_release(&d);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		mbr_err_set(err, MBR_EIO, "write error: %s", strerror(errno));
		mbr_err_at(err, "stdout", 0);
		return MBR_EIO;
	}
	return MBR_OK;
}

/* --- the run --- */

int
mbr_oneid_parse_caps(mbr_oneid_opts *o, const char *s, mbr_err *err)
{
	const char *p = s, *e, *eq;

	for (; *p != '\0'; p = *e ? e + 1 : e) {
		unsigned long long v = 0;
		const char *d;
		size_t tn;
		int k;

		e = p + strcspn(p, ",");
		eq = memchr(p, '=', (size_t)(e - p));
		if (eq == NULL || eq == p || eq + 1 == e)
			return mbr_err_set(err, MBR_EUSAGE, "--max-per-person: "
			    "\"%.*s\" is not type=n", (int)(e - p), p);
		tn = (size_t)(eq - p);
		for (d = eq + 1; d < e; d++) {
			if (*d < '0' || *d > '9' || v > 100000000)
				return mbr_err_set(err, MBR_EUSAGE,
				    "--max-per-person: \"%.*s\" is not a "
				    "count", (int)(e - eq - 1), eq + 1);
			v = v * 10 + (unsigned)(*d - '0');
		}
		if (v < 1 || v > 1000000)
			return mbr_err_set(err, MBR_EUSAGE, "--max-per-person: "
			    "%llu is not between 1 and 1000000", v);
		if (tn >= sizeof(o->cap[0].type))
			return mbr_err_set(err, MBR_EUSAGE, "--max-per-person: "
			    "type \"%.*s\" is too long", (int)tn, p);
		for (k = 0; k < o->ncap; k++)
			if (strlen(o->cap[k].type) == tn &&
			    memcmp(o->cap[k].type, p, tn) == 0)
				break;
		if (k == o->ncap) {
			if (o->ncap == MBR_ONEID_MAXCAPS)
				return mbr_err_set(err, MBR_EUSAGE,
				    "--max-per-person: at most %d types",
				    MBR_ONEID_MAXCAPS);
			o->ncap++;
		}
		memcpy(o->cap[k].type, p, tn);
		o->cap[k].type[tn] = '\0';
		o->cap[k].max = (uint32_t)v;
	}
	return MBR_OK;
}

/* The records' CSV header: every column of the inputs in the order
 * first seen, and source_member_id. */
static void
out_header(struct og *g)
{
	mbr_reader *rd = g->run.rd;
	int nc = mbr_reader_ncols(rd), col;
	mbr_slice *h = mbr_xcalloc((size_t)nc + 2, sizeof(*h));
	size_t n = 0, k;
	int have_src = 0, have_mem = 0;

	for (k = 0; k < g->noutc; k++) {
		col = g->outc[k];
		h[n++] = mbr_reader_colname(rd, col);
		have_src |= col == g->c_src;
		have_mem |= col == g->c_member;
	}
	if (!have_mem)
		h[n++] = MBR_SLICE("member_id");
	if (!have_src)
		h[n++] = MBR_SLICE("source_member_id");
	g->src_last = !have_src &&
	    mbr_writer_format(g->run.w) != MBR_FMT_NDJSON;
	mbr_writer_header(g->run.w, h, n);
	free(h);
}

int
mbr_oneid_run(const mbr_cli *c, const mbr_oneid_opts *o, int nfiles,
    char *const files[], mbr_err *err)
{
	struct og g;
	mbr_reader_opts ro = c->ro;
	uint32_t *order = NULL;
	int i, rc;
	size_t k;

	memset(&g, 0, sizeof(g));
	g.c = c;
	g.o = o;
	g.ids = mbr_tab_new(sizeof(struct ident));
	g.sets = mbr_tab_new(sizeof(struct set));
	g.oids = mbr_tab_new(sizeof(struct oid));
	mbr_buf_init(&g.key);
	mbr_buf_init(&g.msg);
	mbr_buf_init(&g.ptext);
	/* Without caps the people are the same in any order of links;
	 * --explain shows which links were made. */
	g.ordered = o->ncap > 0 || o->explain != NULL;
	if ((rc = mbr_cli_tz(c, &g.tz, err)) != MBR_OK)
		goto out;
	if ((rc = spool_all(&g, nfiles, files, err)) != MBR_OK)
		goto out;
	{
		mbr_cli c2 = *c;

		c2.ro.names = (const char *const *)g.names;
		ro.names = (const char *const *)g.names;
		ro.progress = 0;
		if ((rc = mbr_run_open(&g.run, &c2, g.nfiles, g.files,
		    o->explain == NULL && o->outdir == NULL, err)) != MBR_OK)
			goto close;
	}
	/* --map-out, --audit, --profiles-out: as the records */
	if (g.run.w != NULL)
		g.fmt = mbr_writer_format(g.run.w);
	else if ((g.fmt = c->out_format) == MBR_FMT_AUTO) {
		if ((rc = mbr_reader_start(g.run.rd, err)) != MBR_OK)
			goto close;
		g.fmt = mbr_reader_format(g.run.rd);
	}
	if (o->ignore != NULL && (rc = read_ignore(&g, err)) != MBR_OK)
		goto close;
	if (o->map != NULL && (rc = read_map(&g, err)) != MBR_OK)
		goto close;
	if ((rc = pass1(&g, err)) != MBR_OK)
		goto close;
	link_all(&g);
	assign_ids(&g);
	if (g.exhausted) {
		rc = mbr_err_set(err, MBR_EDATA, "no new id is left: the "
		    "map's ids reach oneid:%" PRIu64 " (19 digits)", g.next - 1);
		goto close;
	}
	if (o->explain != NULL) {
		rc = explain(&g, err);
		goto close;
	}
	if (g.run.w != NULL)
		out_header(&g);
	if ((rc = pass2(&g, &ro, err)) != MBR_OK)
		goto close;
	if (o->map_out != NULL || o->profiles_out != NULL)
		order = by_person(&g);
	if (o->map_out != NULL && (rc = write_map(&g, order, err)) != MBR_OK)
		goto close;
	if (o->audit != NULL && (rc = write_audit(&g, err)) != MBR_OK)
		goto close;
	if (o->profiles_out != NULL &&
	    (rc = write_profiles(&g, order, err)) != MBR_OK)
		goto close;
	if (!c->quiet)
		fprintf(stderr, "%s: %" PRIu64 " records, %zu identifiers, "
		    "%" PRIu64 " people (%" PRIu64 " new, %" PRIu64 " merged "
		    "away), %" PRIu64 " identifier%s set aside, %" PRIu64
		    " link%s cut\n", mbr_progname(), g.records,
		    mbr_tab_count(g.ids), g.people, g.newpeople, g.merged,
		    g.setaside, g.setaside == 1 ? "" : "s", g.cut,
		    g.cut == 1 ? "" : "s");
close:
	if (rc != MBR_OK && err->code == MBR_OK)
		err->code = rc;
	rc = mbr_run_close(&g.run, c, err);
out:
	mbr_tz_free(g.tz);
	mbr_tab_free(g.ids);
	mbr_tab_free(g.sets);
	mbr_tab_free(g.oids);
	mbr_tab_free(g.ignore);
	mbr_tab_free(g.cuts);
	mbr_buf_release(&g.key);
	mbr_buf_release(&g.msg);
	mbr_buf_release(&g.ptext);
	free(g.parent);
	free(g.size);
	free(g.stamp);
	free(g.capn);
	free(g.rid);
	free(g.root);
	free(g.person);
	free(g.live);
	free(g.aud);
	free(g.lnk);
	free(g.mapline);
	free(g.prof);
	free(g.pf);
	free(g.pcols);
	for (k = 0; k < g.npord; k++)
		free((char *)g.pname[g.pord[k]].p);
	free(g.pname);
	free(g.pord);
	free(g.incol);
	free(g.outc);
	free(g.srt[0]);
	free(g.srt[1]);
	free(order);
	for (i = 0; i < g.nfiles; i++) {
		free(g.files[i]);
		free(g.names[i]);
		if (g.spoolfd[i] >= 0)
			close(g.spoolfd[i]);
	}
	free(g.files);
	free(g.names);
	free(g.spoolfd);
	return rc;
}
