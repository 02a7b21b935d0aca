/* mbr_writer.c: see mbr_writer.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mbr_buf.h"
#include "mbr_csv.h"
#include "mbr_io.h"
#include "mbr_money.h"
#include "mbr_ndjson.h"
#include "mbr_simd.h"
#include "mbr_writer.h"

struct slot {
	mbr_slice	 name;
	mbr_slice	 val;
	int		 type;
};

struct mbr_writer {
	mbr_output	*out;
	int		 fmt;
	int		 delim;
	int		 tsv;		/* CSV form, TSV's escapes */
	struct slot	*s;		/* the current record's fields */
	size_t		 ns, caps;
	/* CSV header, or the names the NDJSON keys were quoted for */
	mbr_buf		*hname;		/* copies of the names */
	mbr_buf		*qname;		/* "name": quoted, for NDJSON */
	size_t		 nh, caph;
	int		 header_done;	/* CSV header written */
	struct slot	**pos;		/* CSV: header position -> slot */
	const char	**lastp;	/* the name pointer last matched at
					 * each position */
	mbr_buf		 line;
	mbr_buf		 mem;		/* a fork's records (out NULL) */
	mbr_buf		*dst;		/* where the record is being put: line,
					 * or mem straight, not through line */
	size_t		 at;		/* where in dst it begins */
	char		 num[256][24];	/* formatted integers this record */
	int		 nnum;
	mbr_slice	 raw;		/* mbr_writer_rec_raw: the text of */
	size_t		 rawk;		/* the first rawk fields, or 0 */
	unsigned long long count;
};

int
mbr_writer_open(mbr_writer **wp, const char *path, int format, int gzip,
    int delim, mbr_err *err)
{
	mbr_writer *w;
	int rc;

	*wp = NULL;
	w = mbr_xcalloc(1, sizeof(*w));
	if ((rc = mbr_output_open(&w->out, path, (gzip ? MBR_OUT_GZIP : 0) |
	    MBR_OUT_ATOMIC, err)) != MBR_OK) {
		free(w);
		return rc;
	}
	w->fmt = format == MBR_FMT_NDJSON ? MBR_FMT_NDJSON : MBR_FMT_CSV;
	w->delim = delim ? delim : ',';
	if (format == MBR_FMT_TSV) {
		w->tsv = 1;
		w->delim = '\t';
	}
	mbr_buf_init(&w->line);
	mbr_buf_init(&w->mem);
	*wp = w;
	return MBR_OK;
}

int
mbr_writer_format(const mbr_writer *w)
{
	return w->fmt;
}

unsigned long long
mbr_writer_count(const mbr_writer *w)
{
	return w->count;
}

static void
add_name(mbr_writer *w, mbr_slice name)
{
	if (w->nh == w->caph) {
		size_t i, nc = w->caph ? w->caph * 2 : 32;

		w->hname = mbr_xrealloc(w->hname, nc * sizeof(mbr_buf));
		w->qname = mbr_xrealloc(w->qname, nc * sizeof(mbr_buf));
		w->pos = mbr_xrealloc(w->pos, nc * sizeof(struct slot *));
		w->lastp = mbr_xrealloc(w->lastp, nc * sizeof(char *));
		for (i = w->caph; i < nc; i++) {
			mbr_buf_init(&w->hname[i]);
			mbr_buf_init(&w->qname[i]);
		}
		w->caph = nc;
	}
	w->lastp[w->nh] = NULL;
	mbr_buf_reset(&w->hname[w->nh]);
	mbr_buf_add(&w->hname[w->nh], name.p, name.n);
	mbr_buf_reset(&w->qname[w->nh]);
	mbr_json_quote(&w->qname[w->nh], name.p, name.n);
	mbr_buf_addc(&w->qname[w->nh], ':');
	w->nh++;
}

void
mbr_writer_header(mbr_writer *w, const mbr_slice *names, size_t n)
{
	size_t i;

	if (w->fmt != MBR_FMT_CSV || w->header_done || w->nh > 0)
		return;
	for (i = 0; i < n; i++)
		add_name(w, names[i]);
}

void
mbr_writer_field(mbr_writer *w, mbr_slice name, mbr_slice val, int type)
{
	if (w->ns == w->caps) {
		w->caps = w->caps ? w->caps * 2 : 32;
		w->s = mbr_xrealloc(w->s, w->caps * sizeof(*w->s));
	}
	w->s[w->ns].name = name;
	w->s[w->ns].val = val;
	w->s[w->ns].type = type;
	w->ns++;
}

int
mbr_writer_plain(const char *s, size_t n)
{
	static const char seps[] = ",;\t|";
	mbr_buf b;
	int i, plain = 1;

	mbr_buf_init(&b);
	for (i = 0; plain && seps[i] != '\0'; i++) {
		mbr_buf_reset(&b);
		mbr_csv_quote(&b, s, n, seps[i]);
		plain = b.n == n && memcmp(b.p, s, n) == 0;
	}
	if (plain) {
		mbr_buf_reset(&b);
		mbr_json_quote(&b, s, n);
		plain = b.n == n + 2 && memcmp(b.p + 1, s, n) == 0;
	}
	mbr_buf_release(&b);
	return plain ? MBR_V_PLAIN : MBR_V_STR;
}

void
mbr_writer_str(mbr_writer *w, const char *name, const char *v, size_t n)
{
	mbr_writer_field(w, (mbr_slice){ name, strlen(name) },
	    (mbr_slice){ v, n }, MBR_V_STR);
}

void
mbr_writer_cstr(mbr_writer *w, const char *name, const char *v)
{
	mbr_writer_str(w, name, v, strlen(v));
}

void
mbr_writer_int(mbr_writer *w, const char *name, int64_t v)
{
	char *p;
	int n;

	if (w->nnum == 256)
		abort();	/* no program writes that many numbers */
	p = w->num[w->nnum++];
	n = (int)mbr_money_fmt(p, v, 0);	/* an integer, without printf */
	mbr_writer_field(w, (mbr_slice){ name, strlen(name) },
	    (mbr_slice){ p, (size_t)n }, MBR_V_NUM);
}

void
mbr_writer_null(mbr_writer *w, const char *name)
{
	mbr_writer_field(w, (mbr_slice){ name, strlen(name) },
	    (mbr_slice){ "null", 4 }, MBR_V_NULL);
}

void
mbr_writer_rec(mbr_writer *w, const mbr_reader *rd, const mbr_rec *rec,
    const unsigned char *skip)
{
	size_t i;

	for (i = 0; i < rec->n; i++) {
		int col = rec->order[i];

		if (skip != NULL && skip[col])
			continue;
		mbr_writer_field(w, mbr_reader_colname(rd, col), rec->f[col],
		    rec->type[col]);
	}
}

static inline int
same(mbr_slice a, const mbr_buf *b)
{
	return a.n == b->n && memcmp(a.p, b->p, a.n) == 0;
}

/* Programs name a field with the same pointer record after record (a
 * literal, a reader's column name): once matched at a position, that
 * pointer matches again without a compare. */
static inline int
same_at(mbr_writer *w, mbr_slice a, size_t i)
{
	if (a.p == w->lastp[i] && a.n == w->hname[i].n)
		return 1;
	if (!same(a, &w->hname[i]))
		return 0;
	w->lastp[i] = a.p;
	return 1;
}

/* Whether raw text s[0..n), known to be k fields joined by the
 * separator, is what they are written as: it holds k - 1 separators
 * (so none is inside a field) and, for CSV, no quote, no line end and
 * no field beginning or ending with a blank (mbr_csv_quote's reasons to
 * quote: a blank next to a separator or at either end); for TSV no
 * line end and no backslash (what tsv_escape escapes).  Sixteen bytes
 * a step, a hundred-byte record in seven, the last step overlapping
 * the one before: fields are short, and a test per field and a loop
 * over the last bytes took as long as the rest of the writer. */
static int
raw_as_is(const mbr_writer *w, const char *s, size_t n, size_t k)
{
	const char q = w->tsv ? '\\' : '"';
	const int d = w->delim, csv = !w->tsv;
	size_t i = 0, seps = 0;

	if (n > 0 && csv && (s[0] == ' ' || s[0] == '\t' || s[n - 1] == ' ' ||
	    s[n - 1] == '\t'))
		return 0;
#ifdef MBR_SIMD
	if (n >= 16) {
		const __m128i vd = _mm_set1_epi8((char)d);
		const __m128i vq = _mm_set1_epi8(q);
		const __m128i vcr = _mm_set1_epi8('\r');
		const __m128i vlf = _mm_set1_epi8('\n');
		const __m128i vsp = _mm_set1_epi8(' ');
		const __m128i vtab = _mm_set1_epi8('\t');
		const __m128i lane = _mm_setr_epi8(0, 1, 2, 3, 4, 5, 6, 7, 8,
		    9, 10, 11, 12, 13, 14, 15);
		/* Separators are counted in byte lanes (each one -1,
		 * subtracted), added up before a lane can overflow:
		 * popcount is a call to libgcc without -mpopcnt. */
		__m128i acc = _mm_setzero_si128(), sum;
		unsigned cd = 0, cb = 0;	/* the last byte before */
		int steps = 0;

		for (;;) {
			size_t at = i + 16 <= n ? i : n - 16;
			__m128i v = _mm_loadu_si128((const void *)(s + at));
			__m128i isd = _mm_cmpeq_epi8(v, vd);
			unsigned md = (unsigned)_mm_movemask_epi8(isd);
			unsigned mb = csv ? (unsigned)_mm_movemask_epi8(
			    _mm_or_si128(_mm_cmpeq_epi8(v, vsp),
			    _mm_cmpeq_epi8(v, vtab))) : 0;

			if (_mm_movemask_epi8(_mm_or_si128(
			    _mm_cmpeq_epi8(v, vq), _mm_or_si128(
			    _mm_cmpeq_epi8(v, vcr), _mm_cmpeq_epi8(v, vlf)))) !=
			    0)
				return 0;
			/* The last step's first byte follows one of the step
			 * before, not its last: that pair was seen then. */
			if (at < i)
				cd = cb = 0;
			/* a blank after a separator, or before one */
			if ((mb & (md << 1 | cd)) != 0 ||
			    (md & (mb << 1 | cb)) != 0)
				return 0;
			if (at < i)	/* the last step: its new lanes only */
				isd = _mm_and_si128(isd, _mm_cmpgt_epi8(lane,
				    _mm_set1_epi8((char)(i - at - 1))));
			acc = _mm_sub_epi8(acc, isd);
			i = at + 16;
			cd = md >> 15;
			cb = mb >> 15;
			if (++steps == 255 || i == n) {
				sum = _mm_sad_epu8(acc, _mm_setzero_si128());
				seps += (size_t)_mm_cvtsi128_si32(sum) +
				    (size_t)_mm_cvtsi128_si32(
				    _mm_srli_si128(sum, 8));
				acc = _mm_setzero_si128();
				steps = 0;
			}
			if (i == n)
				return seps + 1 == k;
		}
	}
#endif
	for (; i < n; i++) {
		if (s[i] == q || s[i] == '\r' || s[i] == '\n')
			return 0;
		if (s[i] != d)
			continue;
		seps++;
		if (csv && ((i > 0 && (s[i - 1] == ' ' || s[i - 1] == '\t')) ||
		    (i + 1 < n && (s[i + 1] == ' ' || s[i + 1] == '\t'))))
			return 0;
	}
	return seps + 1 == k;
}

/* Whether rec's fields, all of them, are written as rec->raw: see
 * mbr_writer_rec_raw.  What is read per field is in locals, which the
 * stores of same_at would otherwise have reloaded. */
static int
raw_fits(mbr_writer *w, const mbr_reader *rd, const mbr_rec *rec,
    const unsigned char *skip)
{
	const int *order = rec->order;
	const mbr_slice *f = rec->f;
	const uint8_t *type = rec->type;
	const char *r = rec->raw.p, *at = r, *end;
	const char delim = (char)w->delim;
	size_t i, n = rec->n;

	/* The header is known (else the first record makes it, slot by
	 * slot) and begins with the record's columns. */
	if (w->fmt != MBR_FMT_CSV || w->ns != 0 || w->nh < n || r == NULL ||
	    n == 0)
		return 0;
	end = r + rec->raw.n;
	for (i = 0; i < n; i++) {
		int col = order[i];
		mbr_slice v = f[col], name;

		if ((skip != NULL && skip[col]) || type[col] == MBR_V_ABSENT ||
		    type[col] == MBR_V_NULL)
			return 0;
		/* the value is the raw text at its place: not unquoted */
		if (v.p != at || v.n > (size_t)(end - at))
			return 0;
		at += v.n;
		if (i + 1 < n && (at == end || *at++ != delim))
			return 0;
		name = mbr_reader_colname(rd, col);
		if ((name.p != w->lastp[i] || name.n != w->hname[i].n) &&
		    !same_at(w, name, i))
			return 0;
	}
	return at == end && raw_as_is(w, r, rec->raw.n, n);
}

int
mbr_writer_rec_raw(mbr_writer *w, const mbr_reader *rd, const mbr_rec *rec,
    const unsigned char *skip)
{
	if (raw_fits(w, rd, rec, skip)) {
		w->raw = rec->raw;
		w->rawk = rec->n;
		return 1;
	}
	mbr_writer_rec(w, rd, rec, skip);
	return 0;
}

/* Room in d for n more bytes and the NUL; where they go.  A record's
 * short values are put there by mbr_copy_short: memcpy's call, and the
 * NUL that mbr_buf_add writes after each, cost more than the copy of
 * 20 bytes, ten times a record. */
static inline char *
room(mbr_buf *d, size_t n)
{
	if (d->cap - d->n <= n)
		mbr_buf_grow(d, n);
	return d->p + d->n;
}

/* Whether a value is written as it is: a number (JSON's grammar, or
 * one of ours) or MBR_V_PLAIN holds no separator, quote, line end or
 * blank, so there is nothing to look for. */
static inline int
as_is(int type)
{
	return type == MBR_V_NUM || type == MBR_V_PLAIN;
}

/* A TSV value: what would end its field or line escaped as \t, \n,
 * \r, and the backslash itself as \\ (PostgreSQL's COPY text, Miller's
 * TSV), so that no quotes are needed. */
static void
tsv_escape(mbr_buf *d, const char *s, size_t n)
{
	size_t i, b = 0;

	for (i = 0; i < n; i++) {
		char e = s[i] == '\t' ? 't' : s[i] == '\n' ? 'n' :
		    s[i] == '\r' ? 'r' : s[i] == '\\' ? '\\' : 0;

		if (e == 0)
			continue;
		mbr_buf_add(d, s + b, i - b);
		mbr_buf_addc(d, '\\');
		mbr_buf_addc(d, e);
		b = i + 1;
	}
	mbr_buf_add(d, s + b, n - b);
}

/* A CSV value, quoted as it needs, or a TSV value, escaped. */
static void
put_value(mbr_writer *w, const char *s, size_t n)
{
	if (w->tsv)
		tsv_escape(w->dst, s, n);
	else
		mbr_csv_quote(w->dst, s, n, w->delim);
}

/* Adds the CSV header row to the line. */
static void
put_header(mbr_writer *w)
{
	size_t i;

	for (i = 0; i < w->nh; i++) {
		if (i > 0)
			mbr_buf_addc(w->dst, w->delim);
		put_value(w, w->hname[i].p, w->hname[i].n);
	}
	mbr_buf_addc(w->dst, '\n');
	w->header_done = 1;
}

/* Writes the CSV header by itself, if it is known and not written yet:
 * before records formatted elsewhere (a fork's), or at close. */
static void
header_now(mbr_writer *w)
{
	if (w->out == NULL || w->fmt != MBR_FMT_CSV || w->header_done ||
	    w->nh == 0)
		return;
	mbr_buf_reset(&w->line);
	w->dst = &w->line;
	put_header(w);
	mbr_output_write(w->out, w->line.p, w->line.n);
}

/* The i-th field of a CSV record, with the separator before it. */
static inline void
csv_field(mbr_writer *w, size_t i, mbr_slice v, int type)
{
	mbr_buf *d = w->dst;
	char *o;

	if (type != MBR_V_ABSENT && type != MBR_V_NULL && !as_is(type)) {
		if (i > 0)
			mbr_buf_addc(d, w->delim);
		put_value(w, v.p, v.n);
		return;
	}
	o = room(d, 1 + (as_is(type) ? v.n : 0));
	if (i > 0)
		*o++ = (char)w->delim;
	if (as_is(type))
		o = mbr_copy_short(o, v.p, v.n);
	d->n = (size_t)(o - d->p);
}

/* The i-th field of an NDJSON record, its key quoted once in qname[i],
 * with the comma before it unless it is the first. */
static inline void
json_field(mbr_writer *w, size_t i, mbr_slice v, int type)
{
	mbr_buf *d = w->dst;
	char *o;

	if (d->n > w->at + 1)
		mbr_buf_addc(d, ',');
	if (type == MBR_V_STR) {
		mbr_buf_add(d, w->qname[i].p, w->qname[i].n);
		mbr_json_quote(d, v.p, v.n);
		return;
	}
	/* the key and a value written as it is, or null */
	o = room(d, w->qname[i].n + (type == MBR_V_NULL ? 4 : v.n) + 2);
	o = mbr_copy_short(o, w->qname[i].p, w->qname[i].n);
	if (type == MBR_V_NULL)
		o = mbr_copy_short(o, "null", 4);
	else if (type == MBR_V_PLAIN) {
		*o++ = '"';
		o = mbr_copy_short(o, v.p, v.n);
		*o++ = '"';
	} else
		o = mbr_copy_short(o, v.p, v.n);
	d->n = (size_t)(o - d->p);
}

static int
end_csv(mbr_writer *w, mbr_err *err)
{
	size_t i, j, k = w->rawk;

	if (!w->header_done && w->nh == 0)
		for (i = 0; i < w->ns; i++)
			add_name(w, w->s[i].name);
	if (!w->header_done)
		put_header(w);
	/* After a raw text (mbr_writer_rec_raw), which stands for the
	 * header's first k fields, the slots hold the fields after. */
	for (i = k; i < w->nh; i++)
		w->pos[i] = NULL;
	for (i = 0; i < w->ns; i++) {
		struct slot *s = &w->s[i];

		/* Fields usually come in header order. */
		if (k + i < w->nh && same_at(w, s->name, k + i)) {
			w->pos[k + i] = s;
			continue;
		}
		for (j = 0; j < w->nh; j++)
			if (same(s->name, &w->hname[j]))
				break;
		if (j == w->nh)
			return mbr_err_set(err, MBR_EDATA, "field \"%.*s\" is "
			    "not in the CSV header (records differ in their "
			    "fields: use --output-format ndjson)",
			    (int)s->name.n, s->name.p);
		if (j < k)
			return mbr_err_set(err, MBR_EDATA, "field \"%.*s\" is "
			    "given twice", (int)s->name.n, s->name.p);
		w->pos[j] = s;
	}
	i = 0;
	if (k > 0) {
		char *o = room(w->dst, w->raw.n);

		memcpy(o, w->raw.p, w->raw.n);
		w->dst->n += w->raw.n;
		i = k;
	}
	for (; i < w->nh; i++) {
		const struct slot *s = w->pos[i];

		csv_field(w, i, s ? s->val : (mbr_slice){ NULL, 0 },
		    s ? s->type : MBR_V_ABSENT);
	}
	mbr_buf_addc(w->dst, '\n');
	return MBR_OK;
}

static void
end_ndjson(mbr_writer *w)
{
	size_t i;

	mbr_buf_addc(w->dst, '{');
	for (i = 0; i < w->ns; i++) {
		struct slot *s = &w->s[i];

		if (s->type == MBR_V_ABSENT)
			continue;
		/* Keys repeat record after record: quote each once. */
		if (i >= w->nh || !same_at(w, s->name, i)) {
			if (i >= w->nh) {
				while (w->nh < i)
					add_name(w, (mbr_slice){ "", 0 });
				add_name(w, s->name);
			} else {
				w->lastp[i] = NULL;
				mbr_buf_reset(&w->hname[i]);
				mbr_buf_add(&w->hname[i], s->name.p,
				    s->name.n);
				mbr_buf_reset(&w->qname[i]);
				mbr_json_quote(&w->qname[i], s->name.p,
				    s->name.n);
				mbr_buf_addc(&w->qname[i], ':');
			}
		}
		json_field(w, i, s->val, s->type);
	}
	mbr_buf_add(w->dst, "}\n", 2);
}

/* Where a record goes: a fork's straight to its memory. */
static void
begin_rec(mbr_writer *w)
{
	mbr_buf_reset(&w->line);
	w->dst = w->out != NULL ? &w->line : &w->mem;
	w->at = w->dst->n;
}

static void
finish_rec(mbr_writer *w, int rc)
{
	if (rc != MBR_OK) {
		w->dst->n = w->at;	/* nothing of it */
		w->dst->p[w->dst->n] = '\0';
		return;
	}
	if (w->out != NULL)
		mbr_output_write(w->out, w->line.p, w->line.n);
	w->count++;
}

int
mbr_writer_end(mbr_writer *w, mbr_err *err)
{
	int rc = MBR_OK;

	begin_rec(w);
	if (w->fmt == MBR_FMT_CSV)
		rc = end_csv(w, err);
	else
		end_ndjson(w);
	finish_rec(w, rc);
	w->ns = 0;
	w->nnum = 0;
	w->rawk = 0;
	return rc;
}

size_t
mbr_writer_names(const mbr_writer *w)
{
	return w->nh;
}

int
mbr_writer_row(mbr_writer *w, const mbr_slice *vals, const uint8_t *types,
    size_t n, mbr_err *err)
{
	size_t i;

	if (n != w->nh)
		return mbr_err_set(err, MBR_EDATA, "a row of %zu fields where "
		    "%zu are known", n, w->nh);
	begin_rec(w);
	if (w->fmt == MBR_FMT_CSV) {
		if (!w->header_done)
			put_header(w);
		for (i = 0; i < n; i++)
			csv_field(w, i, vals[i], types[i]);
		mbr_buf_addc(w->dst, '\n');
	} else {
		mbr_buf_addc(w->dst, '{');
		for (i = 0; i < n; i++)
			if (types[i] != MBR_V_ABSENT)
				json_field(w, i, vals[i], types[i]);
		mbr_buf_add(w->dst, "}\n", 2);
	}
	finish_rec(w, MBR_OK);
	return MBR_OK;
}

mbr_writer *
mbr_writer_mem(int format, int delim)
{
	mbr_writer *w = mbr_xcalloc(1, sizeof(*w));

	w->fmt = format == MBR_FMT_NDJSON ? MBR_FMT_NDJSON : MBR_FMT_CSV;
	w->delim = delim ? delim : ',';
	if (format == MBR_FMT_TSV) {
		w->tsv = 1;
		w->delim = '\t';
	}
	mbr_buf_init(&w->line);
	mbr_buf_init(&w->mem);
	return w;
}

mbr_writer *
mbr_writer_fork(const mbr_writer *w)
{
	mbr_writer *f = mbr_xcalloc(1, sizeof(*f));
	size_t i;

	f->fmt = w->fmt;
	f->delim = w->delim;
	f->tsv = w->tsv;
	for (i = 0; i < w->nh; i++)
		add_name(f, (mbr_slice){ w->hname[i].p, w->hname[i].n });
	f->header_done = 1;	/* w's to write */
	mbr_buf_init(&f->line);
	mbr_buf_init(&f->mem);
	return f;
}

void
mbr_writer_put(mbr_writer *w, mbr_writer *f)
{
	mbr_writer_put_span(w, f, 0, f->mem.n, f->count);
	mbr_writer_clear(f);
}

size_t
mbr_writer_held(const mbr_writer *f)
{
	return f->mem.n;
}

const char *
mbr_writer_held_at(const mbr_writer *f, size_t off)
{
	return f->mem.p + off;
}

void
mbr_writer_put_span(mbr_writer *w, const mbr_writer *f, size_t off,
    size_t n, unsigned long long records)
{
	header_now(w);
	mbr_output_write(w->out, f->mem.p + off, n);
	w->count += records;
}

void
mbr_writer_clear(mbr_writer *f)
{
	f->count = 0;
	mbr_buf_reset(&f->mem);
}

int
mbr_writer_close(mbr_writer *w, mbr_err *err)
{
	size_t i;
	int rc = MBR_OK;

	if (w == NULL)
		return MBR_OK;
	header_now(w);
	if (w->out != NULL)
		rc = mbr_output_close(w->out, err);
	for (i = 0; i < w->caph; i++) {
		mbr_buf_release(&w->hname[i]);
		mbr_buf_release(&w->qname[i]);
	}
	free(w->hname);
	free(w->qname);
	free(w->pos);
	free(w->lastp);
	free(w->s);
	mbr_buf_release(&w->line);
	mbr_buf_release(&w->mem);
	free(w);
	return rc;
}
