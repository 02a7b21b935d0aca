/* mbr_reader.c: see mbr_reader.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mbr_csv.h"
#include "mbr_io.h"
#include "mbr_ndjson.h"
#include "mbr_reader.h"
#include "mbr_tab.h"
#include "mbr_utf8.h"

#define BLOCK		(1u << 20)
/* A record this long is taken for an unterminated quote running away
 * with the rest of the file, not for data. */
#define MAXREC		(256u << 20)

struct mbr_reader {
	mbr_reader_opts	 o;
	int		 nin;
	mbr_input	**in;
	unsigned long long *count_in;
	int		 cur;		/* current input */
	int		 started;	/* 1: begun, 2: MBR_READ_FILE returned */
	int		 fmt;		/* its format */
	int		 delim;
	unsigned long	 line;		/* next line to read */

	char		*buf;		/* the block; text in [beg, end) */
	size_t		 cap, beg, end;
	size_t		 clean;		/* buf[beg..clean) is checked text */
	int		 ieof;		/* the input has no more bytes */

	/* columns */
	mbr_tab		*cols;		/* name -> int */
	mbr_slice	*name;
	int		 ncol, capcol;
	mbr_slice	*f;
	uint8_t		*type;
	int		*order;		/* NDJSON: this record's columns */
	size_t		 norder, caporder;
	int		*hdr;		/* CSV: header position -> column */
	size_t		 nhdr;
	/* inhdr[col] == hdrgen: the column is in the current CSV header,
	 * so that a header of n names is read in time linear in n. */
	unsigned	*inhdr;
	unsigned	 hdrgen;
	mbr_slice	*colv;		/* --columns: the names */
	size_t		 ncolv;
	/* nextk[col]: the suffix to try next for a repeat of col's name,
	 * so that the k-th repeat is not probed past the k-1 before it */
	int		*nextk;
	unsigned char	*seen;		/* NDJSON: columns ever seen */

	mbr_csvrec	 crec;
	mbr_jrec	 jrec;
	int		*kcache;	/* previous record's key columns */
	size_t		 nkcache, capkcache;

	unsigned long long count, bytes;
	char		 why[512];
	/* progress */
	int		 tty;
	struct timespec	 t0, tlast;
	int		 shown;
};

int
mbr_format_parse(const char *s)
{
	if (strcmp(s, "csv") == 0)
		return MBR_FMT_CSV;
	if (strcmp(s, "ndjson") == 0 || strcmp(s, "jsonl") == 0 ||
	    strcmp(s, "json") == 0)
		return MBR_FMT_NDJSON;
	if (strcmp(s, "tsv") == 0)
		return MBR_FMT_TSV;
	if (strcmp(s, "auto") == 0)
		return MBR_FMT_AUTO;
	return -1;
}

int
mbr_reader_col(mbr_reader *rd, const char *s, size_t n)
{
	int isnew, *v = mbr_tab_upsert(rd->cols, s, n, &isnew);

	if (!isnew)
		return *v;
	if (rd->ncol == rd->capcol) {
		rd->capcol = rd->capcol ? rd->capcol * 2 : 64;
		rd->name = mbr_xrealloc(rd->name,
		    rd->capcol * sizeof(*rd->name));
		rd->f = mbr_xrealloc(rd->f, rd->capcol * sizeof(*rd->f));
		rd->type = mbr_xrealloc(rd->type, rd->capcol);
		rd->seen = mbr_xrealloc(rd->seen, rd->capcol);
		rd->inhdr = mbr_xrealloc(rd->inhdr,
		    rd->capcol * sizeof(*rd->inhdr));
		rd->nextk = mbr_xrealloc(rd->nextk,
		    rd->capcol * sizeof(*rd->nextk));
	}
	*v = rd->ncol;
	rd->name[*v] = mbr_tab_key(rd->cols, mbr_tab_index(rd->cols, v));
	rd->f[*v] = (mbr_slice){ NULL, 0 };
	rd->type[*v] = MBR_V_ABSENT;
	rd->seen[*v] = 0;
	rd->inhdr[*v] = 0;
	rd->nextk[*v] = 2;
	return rd->ncol++;
}

int
mbr_reader_has(const mbr_reader *rd, int col)
{
	if (col < 0 || col >= rd->ncol)
		return 0;
	if (rd->fmt == MBR_FMT_NDJSON)
		return rd->seen[col];
	return rd->nhdr > 0 && rd->inhdr[col] == rd->hdrgen;
}

static int
lc(int c)
{
	return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

/* Edit distance of a and b, ASCII letters' case ignored, an adjacent
 * swap one edit (optimal string alignment); over max, max + 1. */
static size_t
distance(const char *a, size_t na, const char *b, size_t nb, size_t max)
{
	size_t row[3][66], i, j, *p2, *p1, *c;

	if (na > 64 || nb > 64 || (na > nb ? na - nb : nb - na) > max)
		return max + 1;
	for (j = 0; j <= nb; j++)
		row[1][j] = j;
	p2 = row[0];
	p1 = row[1];
	c = row[2];
	for (i = 1; i <= na; i++) {
		c[0] = i;
		for (j = 1; j <= nb; j++) {
			int x = lc((unsigned char)a[i - 1]);
			int y = lc((unsigned char)b[j - 1]);
			size_t v;

			v = p1[j - 1] + (x != y);
			if (p1[j] + 1 < v)
				v = p1[j] + 1;
			if (c[j - 1] + 1 < v)
				v = c[j - 1] + 1;
			if (i > 1 && j > 1 && x == lc((unsigned char)b[j - 2]) &&
			    lc((unsigned char)a[i - 2]) == y && p2[j - 2] + 1 < v)
				v = p2[j - 2] + 1;
			c[j] = v;
		}
		{
			size_t *t = p2;
			p2 = p1;
			p1 = c;
			c = t;
		}
	}
	return p1[nb];
}

int
mbr_reader_closest(const mbr_reader *rd, const char *s, size_t n)
{
	size_t max = n <= 4 ? 1 : 2, best = max + 1, d;
	int col, found = -1;

	for (col = 0; col < rd->ncol; col++) {
		if (!mbr_reader_has(rd, col) || (rd->name[col].n == n &&
		    memcmp(rd->name[col].p, s, n) == 0))
			continue;
		d = distance(s, n, rd->name[col].p, rd->name[col].n, max);
		if (d < best) {
			best = d;
			found = col;
		}
	}
	return found;
}

mbr_slice
mbr_reader_colname(const mbr_reader *rd, int col)
{
	return rd->name[col];
}

int
mbr_reader_ncols(const mbr_reader *rd)
{
	return rd->ncol;
}

int
mbr_reader_format(const mbr_reader *rd)
{
	return rd->fmt;
}

int
mbr_reader_delim(const mbr_reader *rd)
{
	return rd->delim;
}

const int *
mbr_reader_header(const mbr_reader *rd, size_t *n)
{
	*n = rd->nhdr;
	return rd->hdr;
}

unsigned long long
mbr_reader_count(const mbr_reader *rd)
{
	return rd->count;
}

unsigned long long
mbr_reader_bytes(const mbr_reader *rd)
{
	return rd->bytes;
}

unsigned long long
mbr_reader_count_in(const mbr_reader *rd, int i)
{
	return rd->count_in[i];
}

const char *
mbr_reader_filename(const mbr_reader *rd, int i)
{
	return mbr_input_name(rd->in[i]);
}

int
mbr_reader_current(const mbr_reader *rd)
{
	return rd->cur;
}

int
mbr_reader_nfiles(const mbr_reader *rd)
{
	return rd->nin;
}

/* Reads more of the current input behind the unconsumed text.
 * Returns 0, or an error code. */
static int
refill(mbr_reader *rd, mbr_err *err)
{
	long r;

	if (rd->beg > 0) {
		memmove(rd->buf, rd->buf + rd->beg, rd->end - rd->beg);
		rd->end -= rd->beg;
		rd->clean = rd->clean > rd->beg ? rd->clean - rd->beg : 0;
		rd->beg = 0;
	}
	if (rd->end == rd->cap) {
		if (rd->cap >= MAXREC) {
			mbr_err_set(err, MBR_EDATA, "record longer than %u MiB "
			    "(an unterminated quote?)", MAXREC >> 20);
			mbr_err_at(err, mbr_input_name(rd->in[rd->cur]),
			    rd->line);
			return MBR_EDATA;
		}
		rd->cap *= 2;
		rd->buf = mbr_xrealloc(rd->buf, rd->cap);
	}
	r = mbr_input_read(rd->in[rd->cur], rd->buf + rd->end,
	    rd->cap - rd->end, err);
	if (r < 0) {
		mbr_err_at(err, mbr_input_name(rd->in[rd->cur]), 0);
		return err->code;
	}
	if (r == 0)
		rd->ieof = 1;
	rd->end += (size_t)r;
	rd->bytes += (unsigned long long)r;
	return MBR_OK;
}

/* Reads more until a line end (LF, or the lone CR some CSV files end
 * lines with) comes after the first scan bytes of the unread text,
 * which have none, or until the input ends.  The parsers look at a
 * record again only when it may have ended: a line of 100 MB read 256
 * KiB at a time is scanned once, not once a read. */
static int
more_line(mbr_reader *rd, size_t scan, mbr_err *err)
{
	int rc;

	for (;;) {
		if ((rc = refill(rd, err)) != MBR_OK)
			return rc;
		if (rd->ieof || memchr(rd->buf + rd->beg + scan, '\n',
		    rd->end - rd->beg - scan) != NULL ||
		    memchr(rd->buf + rd->beg + scan, '\r',
		    rd->end - rd->beg - scan) != NULL)
			return MBR_OK;
		scan = rd->end - rd->beg;
	}
}

static void
clear_fields(mbr_reader *rd)
{
	int i;

	for (i = 0; i < rd->ncol; i++) {
		rd->f[i] = (mbr_slice){ NULL, 0 };
		rd->type[i] = MBR_V_ABSENT;
	}
	rd->norder = 0;
}

/* Starts input cur: first bytes, BOM, format.  For CSV, reads the
 * header.  Returns 0 or an error code. */
static int
start_input(mbr_reader *rd, mbr_err *err)
{
	const char *name = mbr_input_name(rd->in[rd->cur]);
	const mbr_slice *hf;
	const char *z;
	size_t i, nhf;
	long r;
	int rc;

	rd->beg = rd->end = rd->clean = 0;
	rd->ieof = 0;
	rd->line = 1;
	rd->nhdr = 0;
	rd->nkcache = 0;
	clear_fields(rd);
	while (rd->end < 4 && !rd->ieof)
		if ((rc = refill(rd, err)) != MBR_OK)
			return rc;
	if (rd->end >= 3 && memcmp(rd->buf, "\xef\xbb\xbf", 3) == 0)
		rd->beg = 3;	/* Excel's UTF-8 byte-order mark */
	rd->fmt = rd->o.format;
	if (rd->fmt == MBR_FMT_AUTO) {
		/* The first byte that is not blank decides. */
		for (;;) {
			for (i = rd->beg; i < rd->end; i++)
				if (rd->buf[i] != ' ' && rd->buf[i] != '\t' &&
				    rd->buf[i] != '\r' && rd->buf[i] != '\n')
					break;
			if (i < rd->end || rd->ieof)
				break;
			if ((rc = refill(rd, err)) != MBR_OK)
				return rc;
		}
		rd->fmt = i < rd->end && rd->buf[i] == '{' ?
		    MBR_FMT_NDJSON : MBR_FMT_CSV;
	}
	if (rd->fmt == MBR_FMT_NDJSON)
		return MBR_OK;

	/* --header-row skip: the first line is no data (a title above
	 * the header, or a header --columns replaces), whatever it holds. */
	while (rd->o.skip_header) {
		char *nl = memchr(rd->buf + rd->beg, '\n', rd->end - rd->beg);

		if (nl != NULL || rd->ieof) {
			rd->beg = nl != NULL ? (size_t)(nl - rd->buf) + 1 :
			    rd->end;
			rd->line++;
			break;
		}
		if ((rc = more_line(rd, rd->end - rd->beg, err)) != MBR_OK)
			return rc;
	}
	/* The header: the first record, unless --columns names the
	 * columns. */
	for (;;) {
		char *p = rd->buf + rd->beg;
		size_t n = rd->end - rd->beg, lend;
		int delim = rd->o.delim;
		int own = rd->o.columns == NULL;

		if (delim == 0) {
			char *nl = memchr(p, '\n', n);

			if (nl == NULL && !rd->ieof) {
				if ((rc = more_line(rd, n, err)) != MBR_OK)
					return rc;
				continue;
			}
			lend = nl ? (size_t)(nl - p) : n;
			delim = mbr_csv_sniff(p, lend);
		}
		if (!own) {
			rd->delim = delim;
			break;
		}
		r = mbr_csv_next(p, n, rd->ieof, delim, &rd->crec, err);
		if (r == 0 && !rd->ieof) {
			if ((rc = more_line(rd, n, err)) != MBR_OK)
				return rc;
			continue;
		}
		rd->delim = delim;
		if (r == 0)
			return MBR_OK;	/* empty input: no header */
		if (r < 0) {
			mbr_err_at(err, name, rd->line);
			return err->code;
		}
		rd->line += rd->crec.skipped;
		if ((z = memchr(rd->crec.raw, '\0', rd->crec.rawn)) != NULL) {
			/* a binary file, or UTF-16 without its mark */
			mbr_err_set(err, MBR_EDATA, "header has a NUL byte at "
			    "column %zu", (size_t)(z - rd->crec.raw) + 1);
			mbr_err_at(err, name, rd->line);
			return MBR_EDATA;
		}
		if (mbr_utf8_check(rd->crec.raw, rd->crec.rawn) !=
		    rd->crec.rawn) {
			mbr_err_set(err, MBR_EDATA, "header is not valid "
			    "UTF-8 (a GB18030 export? try --encoding "
			    "gb18030)");
			mbr_err_at(err, name, rd->line);
			return MBR_EDATA;
		}
		if (delim == MBR_CSV_WIDTHS &&
		    rd->crec.nf > rd->crec.nwidths) {
			mbr_err_set(err, MBR_EDATA, "header is longer than "
			    "the widths (%zu columns)", rd->crec.nwidths);
			mbr_err_at(err, name, rd->line);
			return MBR_EDATA;
		}
		rd->line += rd->crec.nlines;
		rd->beg += (size_t)r;
		break;
	}
	if (rd->o.columns != NULL) {
		hf = rd->colv;
		nhf = rd->ncolv;
	} else {
		hf = rd->crec.f;
		nhf = rd->crec.nf;
	}
	rd->hdr = mbr_xrealloc(rd->hdr, (nhf + 1) * sizeof(int));
	rd->hdrgen++;
	for (i = 0; i < nhf; i++) {
		const char *s = hf[i].p;
		size_t n = hf[i].n;
		int col, base;

		while (n > 0 && (*s == ' ' || *s == '\t'))
			s++, n--;
		while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
			n--;
		col = mbr_reader_col(rd, s, n);
		if (rd->inhdr[col] == rd->hdrgen) {
			/* A repeated name: the second is name_2, the
			 * third name_3, so that none is lost. */
			char tmp[512];

			base = col;
			do {
				snprintf(tmp, sizeof(tmp), "%.*s_%d",
				    (int)(n > 400 ? 400 : n), s,
				    rd->nextk[base]++);
				col = mbr_reader_col(rd, tmp, strlen(tmp));
			} while (rd->inhdr[col] == rd->hdrgen);
		}
		rd->inhdr[col] = rd->hdrgen;
		rd->hdr[i] = col;
		rd->nhdr = i + 1;
	}
	/* the next input's repeats are numbered from 2 again */
	for (i = 0; i < rd->nhdr; i++)
		rd->nextk[rd->hdr[i]] = 2;
	return MBR_OK;
}

static void
progress(mbr_reader *rd, int done)
{
	struct timespec now;
	double dt, el;

	if (!rd->tty)
		return;
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (done) {
		if (rd->shown)
			fputs("\r\033[K", stderr);
		return;
	}
	dt = (double)(now.tv_sec - rd->tlast.tv_sec) +
	    (double)(now.tv_nsec - rd->tlast.tv_nsec) / 1e9;
	if (dt < 1.0)
		return;
	el = (double)(now.tv_sec - rd->t0.tv_sec) +
	    (double)(now.tv_nsec - rd->t0.tv_nsec) / 1e9;
	fprintf(stderr, "\r%s: %llu records, %.0f records/s, %.0f MB/s\033[K",
	    mbr_progname(), rd->count, (double)rd->count / el,
	    (double)rd->bytes / el / 1e6);
	rd->tlast = now;
	rd->shown = 1;
}

static int
bad(mbr_reader *rd, mbr_rec *rec, const char *reason)
{
	rec->bad = reason;
	rec->why = rd->why;
	rec->n = 0;
	return MBR_READ_REC;
}

/* Checks a parsed record's text: NUL bytes and UTF-8. */
static const char *
check_text(const char *p, size_t n, char *why, size_t nwhy)
{
	const char *z = memchr(p, '\0', n);
	size_t off;

	if (z != NULL) {
		snprintf(why, nwhy, "NUL byte at column %zu",
		    (size_t)(z - p) + 1);
		return "NUL byte";
	}
	if ((off = mbr_utf8_check(p, n)) != n) {
		snprintf(why, nwhy, "invalid UTF-8 at column %zu", off + 1);
		return "invalid UTF-8";
	}
	return NULL;
}

static unsigned
sum_widths(const mbr_csvrec *cr)
{
	unsigned t = 0;
	size_t i;

	for (i = 0; i < cr->nwidths; i++)
		t += cr->widths[i];
	return t;
}

int
mbr_reader_csvrec(const mbr_reader *rd, long r, const mbr_csvrec *cr,
    int clean, mbr_slice *f, mbr_rec *rec, char *why, size_t nwhy)
{
	size_t i;

	rec->raw = (mbr_slice){ cr->raw, cr->rawn };
	rec->bad = NULL;
	rec->why = why;
	rec->n = 0;
	if (r < 0) {
		while (rec->raw.n > 0 && (rec->raw.p[rec->raw.n - 1] == '\n' ||
		    rec->raw.p[rec->raw.n - 1] == '\r'))
			rec->raw.n--;	/* raw is without its line end */
		snprintf(why, nwhy, "unterminated quoted field (%lu lines to "
		    "the end of the input)", cr->nlines);
		rec->bad = "malformed CSV";
		return 0;
	}
	if (!clean && (rec->bad = check_text(cr->raw, cr->rawn, why, nwhy)) !=
	    NULL)
		return 0;
	if (rd->delim == MBR_CSV_WIDTHS && cr->nf > cr->nwidths) {
		snprintf(why, nwhy, "line is longer than the widths (text "
		    "after display column %u)", sum_widths(cr));
		rec->bad = "longer than the widths";
		return 0;
	}
	if (cr->nf != rd->nhdr) {
		snprintf(why, nwhy, "row has %zu field%s, header has %zu",
		    cr->nf, cr->nf == 1 ? "" : "s", rd->nhdr);
		rec->bad = "wrong field count";
		return 0;
	}
	for (i = 0; i < rd->nhdr; i++)
		f[rd->hdr[i]] = cr->f[i];
	rec->order = rd->hdr;
	rec->n = rd->nhdr;
	return 1;
}

static int
next_csv(mbr_reader *rd, mbr_rec *rec, mbr_err *err)
{
	long r;
	size_t i;
	int rc;

	for (;;) {
		if (rd->clean <= rd->beg)
			rd->clean = rd->beg + mbr_utf8_clean_lines(rd->buf +
			    rd->beg, rd->end - rd->beg);
		r = mbr_csv_next(rd->buf + rd->beg, rd->end - rd->beg,
		    rd->ieof, rd->delim, &rd->crec, err);
		if (r != 0)
			break;
		if (rd->ieof)
			return MBR_READ_END;
		if ((rc = more_line(rd, rd->end - rd->beg, err)) != MBR_OK)
			return MBR_READ_END;
	}
	rec->line = rd->line + rd->crec.skipped;
	rd->line = rec->line + rd->crec.nlines;
	rd->beg += (size_t)(r < 0 ? -r : r);
	err->code = MBR_OK;
	if (mbr_reader_csvrec(rd, r, &rd->crec, rd->beg <= rd->clean, rd->f,
	    rec, rd->why, sizeof(rd->why)))
		for (i = 0; i < rd->nhdr; i++)
			rd->type[rd->hdr[i]] = MBR_V_STR;
	return MBR_READ_REC;
}

static int
key_col(mbr_reader *rd, size_t k, mbr_slice key)
{
	int col;

	if (k < rd->nkcache) {
		mbr_slice nm = rd->name[rd->kcache[k]];
		if (nm.n == key.n && memcmp(nm.p, key.p, key.n) == 0)
			return rd->kcache[k];
	}
	col = mbr_reader_col(rd, key.p, key.n);
	if (k >= rd->capkcache) {
		rd->capkcache = k + 16;
		rd->kcache = mbr_xrealloc(rd->kcache,
		    rd->capkcache * sizeof(int));
	}
	rd->kcache[k] = col;
	if (k >= rd->nkcache)
		rd->nkcache = k + 1;
	return col;
}

static int
next_ndjson(mbr_reader *rd, mbr_rec *rec, mbr_err *err)
{
	char *p, *nl;
	size_t n, adv, i, k;
	mbr_err perr = { 0 };
	int rc;

	/* Forget the previous record's fields. */
	for (i = 0; i < rd->norder; i++) {
		rd->f[rd->order[i]] = (mbr_slice){ NULL, 0 };
		rd->type[rd->order[i]] = MBR_V_ABSENT;
	}
	rd->norder = 0;
	for (;;) {
		p = rd->buf + rd->beg;
		n = rd->end - rd->beg;
		nl = memchr(p, '\n', n);
		if (nl == NULL && !rd->ieof) {
			if ((rc = more_line(rd, n, err)) != MBR_OK)
				return MBR_READ_END;
			continue;
		}
		if (nl == NULL && n == 0)
			return MBR_READ_END;
		adv = nl ? (size_t)(nl - p) + 1 : n;
		n = nl ? (size_t)(nl - p) : n;
		rd->beg += adv;
		rec->line = rd->line++;
		if (n > 0 && p[n - 1] == '\r')
			n--;
		for (i = 0; i < n; i++)
			if (p[i] != ' ' && p[i] != '\t')
				break;
		if (i < n)
			break;	/* not a blank line */
	}
	rec->raw = (mbr_slice){ p, n };
	if (mbr_ndjson_parse(p, n, &rd->jrec, &perr) != MBR_OK) {
		const char *why;

		/* Bad text is named as such, as in a CSV input, whether
		 * or not the JSON around it holds. */
		if ((why = check_text(p, n, rd->why, sizeof(rd->why))) !=
		    NULL)
			return bad(rd, rec, why);
		snprintf(rd->why, sizeof(rd->why), "%s", perr.msg);
		return bad(rd, rec, "invalid JSON");
	}
	if (rd->jrec.nkv > rd->caporder) {
		rd->caporder = rd->jrec.nkv + 16;
		rd->order = mbr_xrealloc(rd->order,
		    rd->caporder * sizeof(int));
	}
	for (k = 0; k < rd->jrec.nkv; k++) {
		mbr_kv *kv = &rd->jrec.kv[k];
		int col = key_col(rd, k, kv->key);

		if (rd->f[col].p != NULL) {
			/* which of the two was meant is anyone's guess:
			 * the record is rejected, not read by the last */
			snprintf(rd->why, sizeof(rd->why), "duplicate key "
			    "\"%.*s\"", (int)(kv->key.n < 200 ? kv->key.n :
			    200), kv->key.p);
			rec->order = rd->order;
			return bad(rd, rec, "duplicate key");
		}
		rd->order[rd->norder++] = col;
		/* A value is never NULL-pointed, so that "present" and
		 * "absent" differ even for "" and null. */
		rd->f[col] = kv->val.p != NULL ? kv->val :
		    (mbr_slice){ "", 0 };
		rd->type[col] = (uint8_t)kv->type;
		rd->seen[col] = 1;
	}
	rec->order = rd->order;
	rec->n = rd->norder;
	return MBR_READ_REC;
}

static int
next(mbr_reader *rd, mbr_rec *rec, mbr_err *err, int stay)
{
	int r;

	for (;;) {
		if (rd->cur >= rd->nin) {
			progress(rd, 1);
			return MBR_READ_END;
		}
		if (rd->started < 2) {
			if (rd->started == 0 &&
			    start_input(rd, err) != MBR_OK)
				return MBR_READ_END;
			rd->started = 2;
			rec->file = mbr_input_name(rd->in[rd->cur]);
			rec->fileno = rd->cur;
			return MBR_READ_FILE;
		}
		rec->bad = NULL;
		rec->why = NULL;
		rec->file = mbr_input_name(rd->in[rd->cur]);
		rec->fileno = rd->cur;
		if (rd->fmt == MBR_FMT_CSV && rd->nhdr == 0 && rd->ieof &&
		    rd->beg == rd->end)
			r = MBR_READ_END;	/* empty: nothing after it */
		else if (rd->fmt == MBR_FMT_CSV)
			r = next_csv(rd, rec, err);
		else
			r = next_ndjson(rd, rec, err);
		if (err->code != MBR_OK)
			return MBR_READ_END;
		if (r == MBR_READ_REC) {
			rec->f = rd->f;
			rec->type = rd->type;
			rd->count++;
			rd->count_in[rd->cur]++;
			if ((rd->count & 0xffff) == 0)
				progress(rd, 0);
			return r;
		}
		if (stay)
			return MBR_READ_END;
		rd->cur++;
		rd->started = 0;
	}
}

int
mbr_reader_next(mbr_reader *rd, mbr_rec *rec, mbr_err *err)
{
	return next(rd, rec, err, 0);
}

int
mbr_reader_next_in(mbr_reader *rd, mbr_rec *rec, mbr_err *err)
{
	return next(rd, rec, err, 1);
}

int
mbr_reader_plain(const mbr_reader *rd, long long *off, unsigned long *line)
{
	int fd;

	/* (fixed widths are cut on one thread: a chunk's records know
	 * nothing of them) */
	if (rd->cur >= rd->nin || rd->started != 2 ||
	    rd->fmt != MBR_FMT_CSV || rd->nhdr == 0 ||
	    rd->delim == MBR_CSV_WIDTHS ||
	    (fd = mbr_input_plain(rd->in[rd->cur], off)) < 0)
		return -1;
	*off -= (long long)(rd->end - rd->beg);
	*line = rd->line;
	return fd;
}

unsigned long long
mbr_reader_rows_hint(const mbr_reader *rd)
{
	struct stat st;
	long long off;
	unsigned long line;
	const char *p, *e;
	size_t n = rd->end - rd->beg, lines = 0;
	int fd;

	if ((fd = mbr_reader_plain(rd, &off, &line)) < 0 ||
	    fstat(fd, &st) != 0)
		return 0;
	if (n > 1u << 16)
		n = 1u << 16;
	/* Blank lines are no records: a file that began with many would
	 * otherwise promise far more rows than it has. */
	for (p = rd->buf + rd->beg, e = p + n;
	    (p = memchr(p, '\n', (size_t)(e - p))) != NULL; p++)
		if (p + 1 < e && p[1] != '\n' && p[1] != '\r')
			lines++;
	if (lines < 64 || st.st_size <= off)
		return 0;	/* too little to tell */
	/* and no record is shorter than 16 bytes */
	if (n / lines < 16)
		return (unsigned long long)(st.st_size - off) / 16;
	return (unsigned long long)(st.st_size - off) * lines / n;
}

void
mbr_reader_advance(mbr_reader *rd, unsigned long long records,
    unsigned long long bytes)
{
	rd->count += records;
	rd->count_in[rd->cur] += records;
	rd->bytes += bytes;
	progress(rd, 0);
}

void
mbr_reader_end_input(mbr_reader *rd)
{
	rd->bytes -= rd->end - rd->beg;	/* counted again by the caller */
	rd->beg = rd->end;
	rd->ieof = 1;
}

int
mbr_reader_start(mbr_reader *rd, mbr_err *err)
{
	if (rd->started != 0 || rd->cur >= rd->nin)
		return MBR_OK;
	if (start_input(rd, err) != MBR_OK)
		return err->code;
	rd->started = 1;
	return MBR_OK;
}

int
mbr_reader_open(mbr_reader **rdp, const mbr_reader_opts *o, int nfiles,
    char *const files[], mbr_err *err)
{
	static char *const stdin_only[] = { "-" };
	mbr_reader *rd;
	int i, rc;

	*rdp = NULL;
	if (nfiles == 0) {
		nfiles = 1;
		files = stdin_only;
	}
	rd = mbr_xcalloc(1, sizeof(*rd));
	rd->o = *o;
	rd->nin = nfiles;
	rd->in = mbr_xcalloc((size_t)nfiles, sizeof(*rd->in));
	rd->count_in = mbr_xcalloc((size_t)nfiles, sizeof(*rd->count_in));
	for (i = 0; i < nfiles; i++)
		if ((rc = mbr_input_open(&rd->in[i], files[i], o->encoding,
		    err)) != MBR_OK) {
			mbr_reader_free(rd);
			return rc;
		} else if (o->names != NULL && o->names[i] != NULL)
			mbr_input_rename(rd->in[i], o->names[i]);
	rd->cols = mbr_tab_new(sizeof(int));
	if (o->columns != NULL) {
		const char *p = o->columns, *q;

		/* "a,b,c": blanks around a name are trimmed by the
		 * header's own rule */
		size_t k = 1;

		for (q = p; (q = strchr(q, ',')) != NULL; q++)
			k++;
		rd->colv = mbr_xcalloc(k, sizeof(*rd->colv));
		for (;; p = q + 1) {
			q = strchr(p, ',');
			if (q == NULL)
				q = p + strlen(p);
			rd->colv[rd->ncolv++] = (mbr_slice){ p,
			    (size_t)(q - p) };
			if (*q == '\0')
				break;
		}
	}
	rd->cap = BLOCK;
	rd->buf = mbr_xmalloc(rd->cap);
	mbr_csvrec_init(&rd->crec);
	if (o->widths != NULL) {
		rd->o.delim = MBR_CSV_WIDTHS;
		rd->crec.widths = o->widths;
		rd->crec.nwidths = o->nwidths;
	}
	mbr_jrec_init(&rd->jrec);
	rd->tty = o->progress && isatty(2);
	clock_gettime(CLOCK_MONOTONIC, &rd->t0);
	rd->tlast = rd->t0;
	*rdp = rd;
	return MBR_OK;
}

void
mbr_reader_free(mbr_reader *rd)
{
	int i;

	if (rd == NULL)
		return;
	for (i = 0; i < rd->nin; i++)
		mbr_input_close(rd->in[i]);
	free(rd->in);
	free(rd->count_in);
	if (rd->cols != NULL) {
		mbr_csvrec_release(&rd->crec);
		mbr_jrec_release(&rd->jrec);
	}
	mbr_tab_free(rd->cols);
	free(rd->buf);
	free(rd->name);
	free(rd->f);
	free(rd->type);
	free(rd->seen);
	free(rd->inhdr);
	free(rd->colv);
	free(rd->nextk);
	free(rd->order);
	free(rd->hdr);
	free(rd->kcache);
	free(rd);
}
