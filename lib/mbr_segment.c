/* mbr_segment.c: see mbr_segment.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "mbr_buf.h"
#include "mbr_expr.h"
#include "mbr_segment.h"
#include "mbr_split.h"
#include "mbr_time.h"

static const char *const kinds[] = { "segment", "tag", NULL };
enum { K_SEGMENT, K_TAG };

/* A segment or a tag: several rules may share one name (an "or"). */
struct name {
	const char	*s;
	size_t		 n;
	mbr_writer	*w;		/* --split */
};

/* An exact --sum: a wide mantissa at the largest scale seen. */
struct sum {
	__int128	m;
	int		scale;
};

/* What classifies records: the compiled rules and the scratch of one
 * record, and what --count has counted with them.  The run has one;
 * with a file parsed in chunks (mbr_split) each slot has its own, the
 * rules compiled again, since evaluating uses the handle's scratch, and
 * its counts are added to the run's as each chunk is committed. */
struct cls {
	mbr_expr	*x;
	uint64_t	*stamp;		/* [tag]: the record it was last given to */
	uint64_t	 recno;		/* records evaluated */
	mbr_buf		 tags;		/* the record's tags, joined */
	mbr_writer	*w;		/* a slot's fork of the run's writer */
	mbr_writer	**sw;		/* --split: [segment] a fork, or NULL */
	size_t		*first, nfirst;	/* --split: the segments with records
					 * in the chunk, in order of the
					 * first */
	size_t		 nseg;		/* sw's length */
	uint64_t	 total;		/* records counted */
	uint64_t	*n;		/* [segment, then tag]: records */
	struct sum	*sums;		/* [segment, then tag][--sum] */
};

struct seg {
	const mbr_cli		*c;
	const mbr_segment_opts	*o;
	struct cls		 k;		/* the run's classifier */
	struct cls		 slot[MBR_SPLIT_SLOTS];
	mbr_split		*split;
	mbr_writer		*model;		/* --split: forks' header */
	mbr_time		 now;
	mbr_tz			*tz;
	mbr_run			 run;
	int			 where;		/* expression, or -1 */
	struct name		*seg, *tag;
	size_t			 nseg, ntag;
	int			*rule_name;	/* rule -> seg or tag index */
	size_t			 dflt;		/* the default segment */
	int			 add_seg, add_tags;
	int			*sumcol;
	struct sum		*sums;		/* [name][nsum] */
	unsigned char		*skip;		/* columns replaced */
	size_t			 nskip;
	int			 ix_seg, ix_tags;
	struct text {
		char	*p;
		size_t	 n;
	}			*text;		/* [src]: a rules file's text,
						 * read once: each slot's rules
						 * are compiled from it again,
						 * and -r may be a pipe */
	uint64_t		 written;
	int			 checked;	/* the fields were checked */
	unsigned char		*warned;	/* [field]: said so */
};

static int
col(void *ctx, const char *name, size_t n)
{
	return mbr_reader_col(ctx, name, n);
}

static size_t
intern(struct name **v, size_t *n, const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < *n; i++)
		if ((*v)[i].n == len && memcmp((*v)[i].s, s, len) == 0)
			return i;
	*v = mbr_xrealloc(*v, (*n + 1) * sizeof(**v));
	memset(&(*v)[*n], 0, sizeof(**v));
	(*v)[*n].s = s;
	(*v)[*n].n = len;
	return (*n)++;
}

/* Reads a rules file whole: rule sets are a few kilobytes. */
static int
slurp(const char *path, char **text, size_t *n, mbr_err *err)
{
	FILE *fp;
	mbr_buf b;
	char blk[8192];
	size_t k;

	if ((fp = fopen(path, "r")) == NULL)
		return mbr_err_set(err, MBR_EUSAGE, "%s: %s", path,
		    strerror(errno));
	mbr_buf_init(&b);
	while ((k = fread(blk, 1, sizeof(blk), fp)) > 0)
		mbr_buf_add(&b, blk, k);
	if (ferror(fp)) {
		fclose(fp);
		mbr_buf_release(&b);
		return mbr_err_set(err, MBR_EUSAGE, "%s: read error", path);
	}
	fclose(fp);
	*text = b.p;
	*n = b.n;
	return MBR_OK;
}

/* Loads the rules and --where into x; *where: --where's expression.
 * The rules files are read the first time. */
static int
load(struct seg *g, mbr_expr *x, int *where, mbr_err *err)
{
	const mbr_segment_opts *o = g->o;
	size_t i, first;
	int rc;

	if (g->text == NULL)
		g->text = mbr_xcalloc(o->nsrc + 1, sizeof(*g->text));
	for (i = 0; i < o->nsrc; i++) {
		first = mbr_expr_nrules(x);
		if (o->src[i].path != NULL) {
			if (g->text[i].p == NULL &&
			    (rc = slurp(o->src[i].path, &g->text[i].p,
			    &g->text[i].n, err)) != MBR_OK)
				return rc;
			rc = mbr_expr_load(x, o->src[i].path, g->text[i].p,
			    g->text[i].n, kinds, err);
		} else
			rc = mbr_expr_load(x, "-e", o->src[i].text,
			    strlen(o->src[i].text), kinds, err);
		if (rc != MBR_OK)
			return rc;
		if (o->src[i].path == NULL && mbr_expr_nrules(x) == first)
			return mbr_err_set(err, MBR_EUSAGE, "-e: \"%s\" has no "
			    "rule", o->src[i].text);
	}
	*where = -1;
	if (o->where != NULL && (*where = mbr_expr_add(x, "--where",
	    o->where, strlen(o->where), err)) < 0)
		return MBR_EUSAGE;
	return MBR_OK;
}

static int
compile(struct seg *g, mbr_err *err)
{
	const mbr_segment_opts *o = g->o;
	const mbr_expr_rule *r;
	const char *d;
	size_t i, n;
	int rc;

	if ((rc = load(g, g->k.x, &g->where, err)) != MBR_OK)
		return rc;
	n = mbr_expr_nrules(g->k.x);
	g->rule_name = mbr_xcalloc(n + 1, sizeof(int));
	for (i = 0; i < n; i++) {
		r = mbr_expr_rule_at(g->k.x, i);
		if (r->kind == K_SEGMENT) {
			g->rule_name[i] = (int)intern(&g->seg, &g->nseg,
			    r->name, r->namelen);
			g->add_seg = 1;
		} else {
			g->rule_name[i] = (int)intern(&g->tag, &g->ntag,
			    r->name, r->namelen);
			g->add_tags = 1;
		}
	}
	d = o->default_segment != NULL ? o->default_segment : "";
	if (o->default_segment != NULL)
		g->add_seg = 1;
	g->dflt = intern(&g->seg, &g->nseg, d, strlen(d));
	if (o->split != NULL)
		for (i = 0; i < g->nseg; i++) {
			const char *s = g->seg[i].s;
			if (memchr(s, '/', g->seg[i].n) != NULL ||
			    strcmp(s, ".") == 0 || strcmp(s, "..") == 0 ||
			    strlen(s) != g->seg[i].n)
				return mbr_err_set(err, MBR_EUSAGE, "--split: "
				    "segment \"%s\" cannot be a file name", s);
		}
	return MBR_OK;
}

/* Every field a rule names should be in the input, which for CSV is
 * its header and for NDJSON the keys of the records so far: a field
 * that is not is null for every record, so it is a warning on
 * standard error, with what was likely meant (a string in double
 * quotes, which name fields; a near name), each field once.  With
 * --strict it is an error. */
static int
check_fields(struct seg *g, int strict, const char *scope, mbr_err *err)
{
	mbr_reader *rd = g->run.rd;
	size_t i;
	mbr_slice f, near;
	int k, c;
	char hint[300];

	for (i = 0; i < mbr_expr_nfields(g->k.x); i++) {
		f = mbr_expr_field(g->k.x, i);
		k = mbr_reader_col(rd, f.p, f.n);
		if (mbr_reader_has(rd, k) || (!strict && g->warned[i]))
			continue;
		hint[0] = '\0';
		if ((c = mbr_reader_closest(rd, f.p, f.n)) >= 0) {
			near = mbr_reader_colname(rd, c);
			snprintf(hint, sizeof(hint), "; did you mean \"%.*s\"?",
			    (int)(near.n < 200 ? near.n : 200), near.p);
		} else if (mbr_expr_field_quoted(g->k.x, i))
			snprintf(hint, sizeof(hint), "; strings take single "
			    "quotes");
		if (strict)
			return mbr_err_set(err, MBR_EUSAGE, "%s: unknown field "
			    "\"%.*s\" (--strict)%s",
			    mbr_expr_field_where(g->k.x, i), (int)f.n, f.p,
			    hint);
		g->warned[i] = 1;
		fprintf(stderr, "%s: %s: no field \"%.*s\" %s%s\n",
		    mbr_progname(), mbr_expr_field_where(g->k.x, i), (int)f.n,
		    f.p, scope, hint);
	}
	return MBR_OK;
}

/* The columns the output replaces: a record segmented again gets new
 * segment and tags, not a second pair. */
static void
grow_skip(struct seg *g)
{
	size_t n = (size_t)mbr_reader_ncols(g->run.rd);

	if (n <= g->nskip)
		return;
	g->skip = mbr_xrealloc(g->skip, n);
	memset(g->skip + g->nskip, 0, n - g->nskip);
	g->nskip = n;
	if (g->add_seg)
		g->skip[g->ix_seg] = 1;
	if (g->add_tags)
		g->skip[g->ix_tags] = 1;
}

static void
put_fields(struct seg *g, struct cls *k, mbr_writer *w, size_t s)
{
	if (g->add_seg)
		mbr_writer_str(w, "segment", g->seg[s].s, g->seg[s].n);
	if (g->add_tags)
		mbr_writer_str(w, "tags", k->tags.p, k->tags.n);
}

static int
split_writer(struct seg *g, size_t s, mbr_writer **w, mbr_err *err)
{
	char path[4096];
	int fmt = g->c->out_format;

	if (g->seg[s].w != NULL) {
		*w = g->seg[s].w;
		return MBR_OK;
	}
	if (fmt == MBR_FMT_AUTO)
		fmt = mbr_reader_format(g->run.rd);
	snprintf(path, sizeof(path), "%s/%s.%s%s", g->o->split,
	    g->seg[s].n > 0 ? g->seg[s].s : "_none",
	    fmt == MBR_FMT_NDJSON ? "ndjson" : fmt == MBR_FMT_TSV ? "tsv" :
	    "csv", g->c->gzip ? ".gz" : "");
	return mbr_writer_open(&g->seg[s].w, path, fmt, g->c->gzip, 0,
	    err) == MBR_OK ? (*w = g->seg[s].w, MBR_OK) : err->code;
}

/* a += b, at the larger scale of the two. */
static void
sum_add(struct sum *a, __int128 m, int scale)
{
	for (; a->scale < scale; a->scale++)
		a->m *= 10;
	for (int i = scale; i < a->scale; i++)
		m *= 10;
	a->m += m;
}

/* Reads --sum field k of rec into x: 1, or 0 when it is empty or null,
 * or -1 with msg saying why it is not a number. */
static int
sum_value(struct seg *g, const mbr_rec *rec, size_t k, mbr_xval *x,
    char *msg, size_t size)
{
	mbr_slice v = rec->f[g->sumcol[k]];

	if (v.p == NULL || v.n == 0 || rec->type[g->sumcol[k]] == MBR_V_NULL)
		return 0;
	if (!mbr_xval_num(x, v.p, v.n)) {
		snprintf(msg, size, "%s \"%.*s\" is not a number",
		    g->o->sum[k], (int)(v.n > 200 ? 200 : v.n), v.p);
		return -1;
	}
	/* A number the language holds as a double is no exact decimal:
	 * rejected all the same, but not as "not a number", which
	 * 92233720368547758.07 is (tests/golden/mbr-segment/
	 * sum-not-exact). */
	if (x->dbl) {
		snprintf(msg, size, "%s \"%.*s\" has more digits than --sum "
		    "adds exactly (18)",
		    g->o->sum[k], (int)(v.n > 200 ? 200 : v.n), v.p);
		return -1;
	}
	return 1;
}

static size_t
fmt128(char *buf, __int128 m, int scale)
{
	char d[48];
	unsigned __int128 u = m < 0 ? -(unsigned __int128)m :
	    (unsigned __int128)m;
	size_t k = 0, n = 0, i;

	do {
		d[k++] = (char)('0' + (int)(u % 10));
		u /= 10;
	} while (u > 0 || k <= (size_t)scale);
	if (m < 0)
		buf[n++] = '-';
	for (i = k; i > 0; i--) {
		buf[n++] = d[i - 1];
		if (i - 1 == (size_t)scale && scale > 0)
			buf[n++] = '.';
	}
	buf[n] = '\0';
	return n;
}

/* share: records / total with four decimals, rounded half up. */
static size_t
fmt_share(char *buf, uint64_t k, uint64_t total)
{
	__int128 q = total == 0 ? 0 :
	    ((__int128)k * 20000 + (__int128)total) / ((__int128)total * 2);

	return fmt128(buf, q, 4);
}

static int
write_counts(struct seg *g, mbr_err *err)
{
	int tags = g->o->count == MBR_COUNT_TAGS;
	struct name *v = tags ? g->tag : g->seg;
	size_t n = tags ? g->ntag : g->nseg, nsum = g->o->nsum, i, k, at;
	mbr_writer *w = g->run.w;
	char share[64], (*sum)[64] = mbr_xcalloc(nsum + 1, sizeof(*sum));
	mbr_buf *fname = mbr_xcalloc(nsum + 1, sizeof(*fname));
	int rc = MBR_OK;

	for (k = 0; k < nsum; k++) {
		mbr_buf_init(&fname[k]);
		mbr_buf_adds(&fname[k], "sum_");
		mbr_buf_adds(&fname[k], g->o->sum[k]);
	}
	for (i = 0; i < n && rc == MBR_OK; i++) {
		at = tags ? g->nseg + i : i;
		/* The unnamed default shows only when it has records. */
		if (!tags && i == g->dflt && i + 1 == g->nseg &&
		    g->o->default_segment == NULL && g->k.n[at] == 0 &&
		    (g->add_seg || g->o->where == NULL))
			continue;
		/* Without segment rules the records --where kept are one
		 * unnamed group: the row is named by the expression. */
		if (!tags && i == g->dflt && !g->add_seg && g->o->where != NULL)
			mbr_writer_str(w, "segment", g->o->where,
			    strlen(g->o->where));
		else
			mbr_writer_str(w, tags ? "tag" : "segment", v[i].s,
			    v[i].n);
		mbr_writer_int(w, "records", (int64_t)g->k.n[at]);
		mbr_writer_field(w, MBR_SLICE("share"), (mbr_slice){ share,
		    fmt_share(share, g->k.n[at], g->k.total) }, MBR_V_NUM);
		for (k = 0; k < nsum; k++) {
			struct sum *a = &g->k.sums[at * nsum + k];
			mbr_writer_field(w, (mbr_slice){ fname[k].p,
			    fname[k].n }, (mbr_slice){ sum[k],
			    fmt128(sum[k], a->m, a->scale) }, MBR_V_NUM);
		}
		rc = mbr_writer_end(w, err);
	}
	for (k = 0; k < nsum; k++)
		mbr_buf_release(&fname[k]);
	free(fname);
	free(sum);
	return rc;
}

/* Classifies rec with k: 0 if --where leaves it out, else 1 with *s
 * its segment, k->tags its tags and k->stamp[t] == k->recno for each
 * of its tags t. */
static int
classify(struct seg *g, struct cls *k, const mbr_rec *rec, size_t *s)
{
	size_t nr = mbr_expr_nrules(k->x), i;
	const mbr_expr_rule *r;
	int found = 0;

	*s = g->dflt;
	if (g->where >= 0 &&
	    mbr_expr_test(k->x, g->where, rec->f, rec->type) == g->o->invert)
		return 0;
	mbr_buf_reset(&k->tags);
	k->recno++;
	for (i = 0; i < nr; i++) {
		r = mbr_expr_rule_at(k->x, i);
		if (r->kind == K_SEGMENT) {
			if (found || !mbr_expr_test(k->x, r->expr, rec->f,
			    rec->type))
				continue;
			*s = (size_t)g->rule_name[i];
			found = 1;
		} else {
			int t = g->rule_name[i];
			if (k->stamp[t] == k->recno ||
			    !mbr_expr_test(k->x, r->expr, rec->f, rec->type))
				continue;
			k->stamp[t] = k->recno;
			if (k->tags.n > 0)
				mbr_buf_addc(&k->tags, '|');
			mbr_buf_add(&k->tags, g->tag[t].s, g->tag[t].n);
		}
	}
	return 1;
}

/* Counts a record that c classified into segment s (--count); a bad
 * --sum value rejects it before it is counted anywhere: MBR_EDATA with
 * msg saying why. */
static int
count(struct seg *g, struct cls *c, const mbr_rec *rec, size_t s,
    char *msg, size_t size)
{
	size_t i, k, nsum = g->o->nsum;
	mbr_xval x;

	for (k = 0; k < nsum; k++)
		if (sum_value(g, rec, k, &x, msg, size) < 0)
			return MBR_EDATA;
	for (k = 0; k < nsum; k++) {
		if (sum_value(g, rec, k, &x, msg, size) == 0)
			continue;
		if (g->o->count == MBR_COUNT_SEGMENTS)
			sum_add(&c->sums[s * nsum + k], x.m, x.scale);
		else
			for (i = 0; i < g->ntag; i++)
				if (c->stamp[i] == c->recno)
					sum_add(&c->sums[(g->nseg + i) * nsum +
					    k], x.m, x.scale);
	}
	c->total++;
	c->n[s]++;
	for (i = 0; i < g->ntag; i++)
		if (c->stamp[i] == c->recno)
			c->n[g->nseg + i]++;
	return MBR_OK;
}

static int
record(struct seg *g, const mbr_rec *rec, mbr_err *err)
{
	const mbr_segment_opts *o = g->o;
	size_t s;
	int rc;
	mbr_writer *w = g->run.w;
	char msg[300];

	if (!classify(g, &g->k, rec, &s))
		return MBR_OK;
	if (o->count != MBR_COUNT_NONE) {
		if (count(g, &g->k, rec, s, msg, sizeof(msg)) != MBR_OK)
			mbr_reject(g->run.rj, g->run.rd, rec,
			    "bad --sum value", msg);
		return MBR_OK;
	}
	if (o->split != NULL && (rc = split_writer(g, s, &w, err)) != MBR_OK)
		return rc;
	grow_skip(g);
	mbr_writer_rec(w, g->run.rd, rec, g->skip);
	put_fields(g, &g->k, w, s);
	if ((rc = mbr_writer_end(w, err)) != MBR_OK) {
		mbr_err_at(err, rec->file, rec->line);
		return rc;
	}
	g->written++;
	return MBR_OK;
}

/* Declares w's CSV header: the input's columns but those replaced, then
 * segment and tags, as the first record would make it. */
static void
out_header(struct seg *g, mbr_writer *w)
{
	size_t nh, i, n = 0;
	const int *h = mbr_reader_header(g->run.rd, &nh);
	mbr_slice *v = mbr_xcalloc(nh + 2, sizeof(*v));

	for (i = 0; i < nh; i++)
		if (!g->skip[h[i]])
			v[n++] = mbr_reader_colname(g->run.rd, h[i]);
	if (g->add_seg)
		v[n++] = MBR_SLICE("segment");
	if (g->add_tags)
		v[n++] = MBR_SLICE("tags");
	mbr_writer_header(w, v, n);
	free(v);
}

/* --- a CSV file parsed in chunks ---
 *
 * Writing or counting records needs nothing of the records before: map
 * classifies each with its slot's own compiled rules and formats it
 * into the slot's fork of the writer (with --split, its fork for the
 * record's segment), or counts it in the slot's counts; commit writes
 * the chunk's text in file order, or adds its counts to the run's. */

struct schunk {
	uint64_t	 total;
	int		 rc;		/* a writer's error, at line */
	unsigned long	 line;
	mbr_err		 err;
};

/* Empties the slot of what it held of its last chunk, or of this one
 * when it is mapped again from a later start (a cut inside a quoted
 * field), which may leave it no record to do so. */
static void
sbegin(void *ctx, mbr_chunk *ck, void *st, const void *prev, int after)
{
	struct seg *g = ctx;
	struct cls *k = &g->slot[mbr_chunk_slot(ck)];
	size_t i, nsum = (g->nseg + g->ntag) * g->o->nsum;

	(void)st;
	(void)prev;
	(void)after;
	if (k->w != NULL)
		mbr_writer_clear(k->w);
	for (i = 0; i < k->nfirst; i++)
		mbr_writer_clear(k->sw[k->first[i]]);
	k->nfirst = 0;
	k->total = 0;
	for (i = 0; i < g->nseg + g->ntag; i++)
		k->n[i] = 0;
	for (i = 0; i < nsum; i++)
		k->sums[i] = (struct sum){ 0, 0 };
}

static void
smap(void *ctx, mbr_chunk *ck, void *st, const mbr_rec *rec)
{
	struct seg *g = ctx;
	struct schunk *c = st;
	struct cls *k = &g->slot[mbr_chunk_slot(ck)];
	size_t s;
	char msg[300];
	mbr_writer *w;

	if (c->rc != MBR_OK)
		return;
	if (rec->bad != NULL) {
		mbr_chunk_reject(ck, rec, rec->bad, rec->why);
		return;
	}
	if (!classify(g, k, rec, &s))
		return;
	if (g->o->count != MBR_COUNT_NONE) {
		if (count(g, k, rec, s, msg, sizeof(msg)) != MBR_OK)
			mbr_chunk_reject(ck, rec, "bad --sum value", msg);
		return;
	}
	c->total++;
	w = k->w;
	if (g->o->split != NULL) {
		if (k->sw[s] == NULL)
			k->sw[s] = mbr_writer_fork(g->model);
		w = k->sw[s];
		if (mbr_writer_held(w) == 0)
			k->first[k->nfirst++] = s;
	}
	mbr_writer_rec(w, g->run.rd, rec, g->skip);
	put_fields(g, k, w, s);
	if ((c->rc = mbr_writer_end(w, &c->err)) != MBR_OK) {
		c->line = rec->line;
		c->total--;	/* not written */
	}
}

static int
scommit(void *ctx, mbr_chunk *ck, void *st, mbr_err *err)
{
	struct seg *g = ctx;
	struct schunk *c = st;
	struct cls *k = &g->slot[mbr_chunk_slot(ck)];
	size_t i, nsum = (g->nseg + g->ntag) * g->o->nsum;

	if (c->rc == MBR_OK && g->o->count != MBR_COUNT_NONE) {
		g->k.total += k->total;
		for (i = 0; i < g->nseg + g->ntag; i++)
			g->k.n[i] += k->n[i];
		for (i = 0; i < nsum; i++)
			sum_add(&g->k.sums[i], k->sums[i].m, k->sums[i].scale);
		return MBR_OK;
	}
	for (i = 0; i < k->nfirst; i++) {
		size_t s = k->first[i];
		int fresh = g->seg[s].w == NULL, rc;
		mbr_writer *w;

		if ((rc = split_writer(g, s, &w, err)) != MBR_OK)
			return rc;
		if (fresh)
			out_header(g, w);
		mbr_writer_put(w, k->sw[s]);
	}
	k->nfirst = 0;
	if (g->o->split == NULL)
		mbr_writer_put(g->run.w, k->w);
	g->written += c->total;
	if (c->rc != MBR_OK) {
		/* after the records before it, as on one thread */
		*err = c->err;
		mbr_err_at(err, mbr_reader_filename(g->run.rd,
		    mbr_reader_current(g->run.rd)), c->line +
		    mbr_chunk_line(ck));
		return c->rc;
	}
	return MBR_OK;
}

/* The scratch and counts of a classifier whose rules are compiled. */
static void
cls_init(struct seg *g, struct cls *k)
{
	size_t names = g->nseg + g->ntag;

	k->stamp = mbr_xcalloc(g->ntag + 1, sizeof(*k->stamp));
	mbr_buf_init(&k->tags);
	k->n = mbr_xcalloc(names + 1, sizeof(*k->n));
	k->sums = mbr_xcalloc(names * g->o->nsum + 1, sizeof(*k->sums));
	k->sw = mbr_xcalloc(g->nseg + 1, sizeof(*k->sw));
	k->first = mbr_xcalloc(g->nseg + 1, sizeof(*k->first));
	k->nseg = g->nseg;
}

static void
cls_release(struct cls *k)
{
	size_t i;

	for (i = 0; k->sw != NULL && i < k->nseg; i++)
		mbr_writer_close(k->sw[i], NULL);
	free(k->sw);
	free(k->first);
	mbr_expr_free(k->x);
	free(k->stamp);
	free(k->n);
	free(k->sums);
	mbr_buf_release(&k->tags);
	mbr_writer_close(k->w, NULL);
	memset(k, 0, sizeof(*k));
}

static const mbr_split_fns sfns = { 0, sizeof(struct schunk), sbegin,
	smap, scommit };

/* Whether a --split file is open: an input after it is classified on
 * one thread, whose writing finds a header that does not fit it (the
 * chunks' forks would take the new input's). */
static int
split_open(const struct seg *g)
{
	size_t i;

	for (i = 0; g->o->split != NULL && i < g->nseg; i++)
		if (g->seg[i].w != NULL)
			return 1;
	return 0;
}

/* The input just begun, parsed in chunks on every thread. */
static int
split_file(struct seg *g, mbr_err *err)
{
	int i, rc = MBR_OK, where;

	int counting = g->o->count != MBR_COUNT_NONE;
	int fmt = g->c->out_format;

	grow_skip(g);
	if (g->o->split != NULL) {
		if (fmt == MBR_FMT_AUTO)
			fmt = mbr_reader_format(g->run.rd);
		mbr_writer_close(g->model, NULL);
		g->model = mbr_writer_mem(fmt, 0);	/* as split_writer's */
		out_header(g, g->model);
	} else if (!counting && mbr_writer_count(g->run.w) == 0)
		out_header(g, g->run.w);
	for (i = 0; i < MBR_SPLIT_SLOTS && rc == MBR_OK; i++) {
		struct cls *k = &g->slot[i];

		if (k->x == NULL) {
			cls_init(g, k);
			k->x = mbr_expr_new();
			if ((rc = load(g, k->x, &where, err)) != MBR_OK)
				break;
			mbr_expr_bind(k->x, col, g->run.rd);
			mbr_expr_setenv(k->x, g->tz, g->now);
		}
		mbr_writer_close(k->w, NULL);
		k->w = counting || g->o->split != NULL ? NULL :
		    mbr_writer_fork(g->run.w);
	}
	if (rc == MBR_OK)
		rc = mbr_split_input(g->split, err);
	return rc;
}

int
mbr_segment_run(const mbr_cli *c, const mbr_segment_opts *o, int nfiles,
    char *const files[], mbr_err *err)
{
	struct seg g;
	mbr_time now;
	mbr_rec rec;
	mbr_err e2;
	size_t i;
	int r, rc, pending = 0;	/* an NDJSON input's fields unchecked */
	unsigned long nrec = 0;

	memset(&g, 0, sizeof(g));
	g.c = c;
	g.o = o;
	g.where = -1;
	g.k.x = mbr_expr_new();
	if ((rc = compile(&g, err)) != MBR_OK)
		goto out;
	cls_init(&g, &g.k);
	if ((rc = mbr_cli_tz(c, &g.tz, err)) != MBR_OK)
		goto out;
	if ((rc = mbr_time_now(&now, c->as_of, g.tz, err)) != MBR_OK)
		goto out;
	mbr_expr_setenv(g.k.x, g.tz, now);
	g.now = now;
	if (o->split != NULL && mkdir(o->split, 0777) != 0 &&
	    errno != EEXIST) {
		rc = mbr_err_set(err, MBR_EIO, "%s: %s", o->split,
		    strerror(errno));
		goto out;
	}
	if ((rc = mbr_run_open(&g.run, c, nfiles, files, o->split == NULL,
	    err)) != MBR_OK)
		goto close;
	if (o->split != NULL && (rc = mbr_reader_start(g.run.rd, err)) !=
	    MBR_OK)
		goto close;
	mbr_expr_bind(g.k.x, col, g.run.rd);
	g.split = mbr_split_new(&sfns, &g, mbr_cli_threads(c),
		    g.run.rd, g.run.rj);
	g.ix_seg = mbr_reader_col(g.run.rd, "segment", 7);
	g.ix_tags = mbr_reader_col(g.run.rd, "tags", 4);
	g.sumcol = mbr_xcalloc(o->nsum + 1, sizeof(int));
	for (i = 0; i < o->nsum; i++)
		g.sumcol[i] = mbr_reader_col(g.run.rd, o->sum[i],
		    strlen(o->sum[i]));
	g.warned = mbr_xcalloc(mbr_expr_nfields(g.k.x) + 1, 1);
	rc = MBR_OK;
	while ((r = mbr_reader_next(g.run.rd, &rec, err)) != MBR_READ_END) {
		if (r == MBR_READ_FILE) {
			size_t nh;

			/* an NDJSON input before this one is judged on
			 * what it had */
			if (pending)
				check_fields(&g, 0, "in the input", err);
			pending = 0;
			nrec = 0;
			g.checked = mbr_reader_format(g.run.rd) ==
			    MBR_FMT_NDJSON ? 0 : 1;
			mbr_reader_header(g.run.rd, &nh);
			if (g.checked && nh > 0 && (rc = check_fields(&g,
			    o->strict, "in the header", err)) != MBR_OK)
				break;
			pending = !g.checked;
			if (g.checked && g.split != NULL &&
			    mbr_split_cuts(g.split) && !split_open(&g) &&
			    (rc = split_file(&g, err)) != MBR_OK)
				break;
			continue;
		}
		if (rec.bad != NULL) {
			mbr_reject(g.run.rj, g.run.rd, &rec, rec.bad, rec.why);
			continue;
		}
		if (!g.checked) {
			g.checked = 1;
			if (o->strict && (rc = check_fields(&g, 1, "", err)) !=
			    MBR_OK)
				break;
		}
		/* NDJSON records need not all have every key: a field no
		 * record of the first 1,000 has is worth a warning */
		if (pending && ++nrec == 1000) {
			check_fields(&g, 0, "in the first 1000 records", err);
			pending = 0;
		}
		if ((rc = record(&g, &rec, err)) != MBR_OK)
			break;
	}
	if (rc == MBR_OK)
		rc = err->code;
	if (rc == MBR_OK && pending)
		check_fields(&g, 0, "in the input", err);
	/* No record written from a CSV input with a header (a header
	 * alone, or nothing kept by --where): the header row is still
	 * written, so that the next program of the pipeline finds its
	 * columns (mbr_writer_close writes a declared header). */
	if (rc == MBR_OK && o->count == MBR_COUNT_NONE && o->split == NULL &&
	    mbr_writer_count(g.run.w) == 0 &&
	    mbr_reader_format(g.run.rd) == MBR_FMT_CSV) {
		size_t nh;

		mbr_reader_header(g.run.rd, &nh);
		if (nh > 0) {
			grow_skip(&g);
			out_header(&g, g.run.w);
		}
	}
	if (rc == MBR_OK && o->count != MBR_COUNT_NONE)
		rc = write_counts(&g, err);
	if (rc == MBR_OK && !c->quiet)
		fprintf(stderr, "%s: %llu records, %llu %s, %llu rejected\n",
		    mbr_progname(), mbr_reader_count(g.run.rd),
		    (unsigned long long)(o->count ? g.k.total : g.written),
		    o->count ? "counted" : "written",
		    (unsigned long long)mbr_rejects_count(g.run.rj));
close:
	for (i = 0; i < g.nseg; i++) {
		memset(&e2, 0, sizeof(e2));
		if (g.seg[i].w != NULL && mbr_writer_close(g.seg[i].w, &e2) !=
		    MBR_OK && rc == MBR_OK) {
			*err = e2;
			rc = e2.code;
		}
	}
	if (rc != MBR_OK && err->code == MBR_OK)
		err->code = rc;
	rc = mbr_run_close(&g.run, c, err);
out:
	mbr_tz_free(g.tz);
	mbr_split_free(g.split);
	mbr_writer_close(g.model, NULL);
	for (i = 0; i < MBR_SPLIT_SLOTS; i++)
		cls_release(&g.slot[i]);
	cls_release(&g.k);
	free(g.seg);
	free(g.tag);
	free(g.warned);
	free(g.rule_name);
	free(g.sumcol);
	free(g.skip);
	for (i = 0; g.text != NULL && i < o->nsrc; i++)
		free(g.text[i].p);
	free(g.text);
	return rc;
}
