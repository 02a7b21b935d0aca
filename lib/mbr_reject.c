/* mbr_reject.c: see mbr_reject.h. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mbr_buf.h"
#include "mbr_csv.h"
#include "mbr_io.h"
#include "mbr_ndjson.h"
#include "mbr_reject.h"
#include "mbr_utf8.h"
#include "mbr_writer.h"

struct reason {
	char		*name;
	uint64_t	 n;
};

struct mbr_rejects {
	mbr_output	*out;		/* NULL: stderr preview */
	int		 csv;
	int		 quiet;
	uint64_t	 n;
	struct reason	*r;
	size_t		 nr;
	mbr_buf		 line;
	mbr_buf		 tmp;
};

int
mbr_rejects_open(mbr_rejects **rjp, const char *path, int quiet,
    mbr_err *err)
{
	mbr_rejects *rj = mbr_xcalloc(1, sizeof(*rj));
	size_t n;
	int rc;

	*rjp = NULL;
	if (path != NULL) {
		/* Written in place, not atomically: the rejects are the
		 * account of this run, wanted most when it fails (over
		 * --max-rejects), and a run killed halfway should leave its
		 * partial account, not yesterday's whole one. */
		if ((rc = mbr_output_open(&rj->out, path, 0, err)) != MBR_OK) {
			free(rj);
			return rc;
		}
		n = strlen(path);
		rj->csv = n >= 4 && strcmp(path + n - 4, ".csv") == 0;
	}
	rj->quiet = quiet;
	mbr_buf_init(&rj->line);
	mbr_buf_init(&rj->tmp);
	if (rj->csv)
		mbr_output_write(rj->out, "reject_reason,reject_source,raw\n",
		    32);
	*rjp = rj;
	return MBR_OK;
}

/* Replaces bytes that are not UTF-8 by the text \xNN, so that the raw
 * record can be shown and still be valid JSON or CSV. */
static void
lossy(mbr_buf *out, const char *s, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";
	const char *e = s + n, *z = NULL;
	char x[4] = { '\\', 'x', 0, 0 };
	size_t ok;

	while (s < e) {
		/* NUL is valid UTF-8, but neither a JSON reader (as \u0000)
		 * nor a CSV one takes it: it is shown as \x00 too.  The
		 * next NUL is looked for once, and the UTF-8 check stops
		 * at it: checking all the rest at each NUL made a record of
		 * 10 MB of NUL bytes take hours (tests/bad/nul-run-4mb). */
		if ((z == NULL || z < s) &&
		    (z = memchr(s, '\0', (size_t)(e - s))) == NULL)
			z = e;
		ok = mbr_utf8_check(s, (size_t)(z - s));
		mbr_buf_add(out, s, ok);
		if (s + ok == e)
			break;
		x[2] = hex[(unsigned char)s[ok] >> 4];
		x[3] = hex[(unsigned char)s[ok] & 15];
		mbr_buf_add(out, x, 4);
		s += ok + 1;
	}
}

static void
count(mbr_rejects *rj, const char *reason)
{
	size_t i;

	rj->n++;
	for (i = 0; i < rj->nr; i++)
		if (strcmp(rj->r[i].name, reason) == 0) {
			rj->r[i].n++;
			return;
		}
	rj->r = mbr_xrealloc(rj->r, (rj->nr + 1) * sizeof(*rj->r));
	rj->r[rj->nr].name = mbr_xstrdup(reason);
	rj->r[rj->nr].n = 1;
	rj->nr++;
}

static int
preview(mbr_rejects *rj, const char *file, unsigned long line,
    const char *msg)
{
	if (rj->out != NULL)
		return 0;
	if (rj->n <= MBR_REJECTS_SHOWN && !rj->quiet)
		fprintf(stderr, "%s: %s:%lu: %s\n", mbr_progname(), file, line,
		    msg);
	return 1;
}

static void
head(mbr_rejects *rj, const char *file, unsigned long line,
    const char *msg)
{
	mbr_buf *b = &rj->line;

	mbr_buf_reset(b);
	mbr_buf_reset(&rj->tmp);
	mbr_buf_addf(&rj->tmp, "%s:%lu", file, line);
	if (rj->csv) {
		mbr_csv_quote(b, msg, strlen(msg), ',');
		mbr_buf_addc(b, ',');
		mbr_csv_quote(b, rj->tmp.p, rj->tmp.n, ',');
		mbr_buf_addc(b, ',');
		return;
	}
	mbr_buf_adds(b, "{\"reject_reason\":");
	mbr_json_quote(b, msg, strlen(msg));
	mbr_buf_adds(b, ",\"reject_source\":");
	mbr_json_quote(b, rj->tmp.p, rj->tmp.n);
}

/* The part of a reject's line after reject_source: the raw text, or
 * (NDJSON) the record's fields, and the line end. */
static void
body(const mbr_rejects *rj, mbr_buf *b, const mbr_reader *rd,
    const mbr_rec *rec, const char *raw, size_t rawn)
{
	size_t i;

	if (rj->csv || rec == NULL || rec->bad != NULL || rec->n == 0) {
		mbr_buf tmp;

		mbr_buf_init(&tmp);
		lossy(&tmp, raw, rawn);
		if (rj->csv) {
			mbr_csv_quote(b, tmp.p, tmp.n, ',');
			mbr_buf_addc(b, '\n');
		} else {
			mbr_buf_adds(b, ",\"raw\":");
			mbr_json_quote(b, tmp.p, tmp.n);
			mbr_buf_adds(b, "}\n");
		}
		mbr_buf_release(&tmp);
		return;
	}
	for (i = 0; i < rec->n; i++) {
		int col = rec->order[i];
		mbr_slice nm = mbr_reader_colname(rd, col);
		mbr_slice v = rec->f[col];

		mbr_buf_addc(b, ',');
		mbr_json_quote(b, nm.p, nm.n);
		mbr_buf_addc(b, ':');
		switch (rec->type[col]) {
		case MBR_V_STR:
			mbr_json_quote(b, v.p, v.n);
			break;
		case MBR_V_NULL:
			mbr_buf_adds(b, "null");
			break;
		default:
			mbr_buf_add(b, v.p, v.n);
			break;
		}
	}
	mbr_buf_adds(b, "}\n");
}

void
mbr_reject_raw(mbr_rejects *rj, const char *file, unsigned long line,
    const char *raw, size_t rawn, const char *reason, const char *msg)
{
	count(rj, reason);
	if (preview(rj, file, line, msg))
		return;
	head(rj, file, line, msg);
	body(rj, &rj->line, NULL, NULL, raw, rawn);
	mbr_output_write(rj->out, rj->line.p, rj->line.n);
}

void
mbr_reject(mbr_rejects *rj, const mbr_reader *rd, const mbr_rec *rec,
    const char *reason, const char *msg)
{
	count(rj, reason);
	if (preview(rj, rec->file, rec->line, msg))
		return;
	head(rj, rec->file, rec->line, msg);
	body(rj, &rj->line, rd, rec, rec->raw.p, rec->raw.n);
	mbr_output_write(rj->out, rj->line.p, rj->line.n);
}

void
mbr_rejectf(mbr_rejects *rj, const mbr_reader *rd, const mbr_rec *rec,
    const char *reason, const char *fmt, ...)
{
	mbr_buf m;
	va_list ap;

	mbr_buf_init(&m);
	va_start(ap, fmt);
	mbr_buf_vaddf(&m, fmt, ap);
	va_end(ap);
	mbr_reject(rj, rd, rec, reason, m.p);
	mbr_buf_release(&m);
}

/* A held reject in a buffer: this header, then reason, msg and body,
 * each NUL-terminated. */
struct held {
	unsigned long	line;
	size_t		size;	/* of the whole entry, 8-byte aligned */
};

static void
hold(const mbr_rejects *rj, mbr_buf *b, const mbr_reader *rd,
    const mbr_rec *rec, unsigned long line, const char *raw, size_t rawn,
    const char *reason, const char *msg)
{
	size_t at = b->n;
	struct held h = { line, 0 };

	mbr_buf_add(b, (const char *)&h, sizeof(h));
	mbr_buf_add(b, reason, strlen(reason) + 1);
	mbr_buf_add(b, msg, strlen(msg) + 1);
	if (rj->out != NULL)
		body(rj, b, rd, rec, raw, rawn);
	mbr_buf_addc(b, '\0');
	while ((b->n - at) % 8 != 0)
		mbr_buf_addc(b, '\0');
	h.size = b->n - at;
	memcpy(b->p + at, &h, sizeof(h));
}

void
mbr_reject_hold(const mbr_rejects *rj, mbr_buf *b, const mbr_reader *rd,
    const mbr_rec *rec, const char *reason, const char *msg)
{
	hold(rj, b, rd, rec, rec->line, rec->raw.p, rec->raw.n, reason, msg);
}

void
mbr_reject_hold_raw(const mbr_rejects *rj, mbr_buf *b, unsigned long line,
    const char *raw, size_t rawn, const char *reason, const char *msg)
{
	hold(rj, b, NULL, NULL, line, raw, rawn, reason, msg);
}

static void
held_one(mbr_rejects *rj, const char *file, unsigned long add,
    const char *p)
{
	struct held h;
	const char *reason, *msg, *bd;

	memcpy(&h, p, sizeof(h));
	reason = p + sizeof(h);
	msg = reason + strlen(reason) + 1;
	bd = msg + strlen(msg) + 1;
	count(rj, reason);
	if (!preview(rj, file, h.line + add, msg)) {
		head(rj, file, h.line + add, msg);
		mbr_buf_adds(&rj->line, bd);
		mbr_output_write(rj->out, rj->line.p, rj->line.n);
	}
}

static int
cmp_held(const void *a, const void *b)
{
	struct held x, y;

	memcpy(&x, *(const char *const *)a, sizeof(x));
	memcpy(&y, *(const char *const *)b, sizeof(y));
	if (x.line != y.line)
		return x.line < y.line ? -1 : 1;
	/* one line's own, in the order held */
	return *(const char *const *)a < *(const char *const *)b ? -1 : 1;
}

void
mbr_reject_held(mbr_rejects *rj, const char *file, unsigned long add,
    mbr_slice b)
{
	size_t at, n = 0, i;
	unsigned long last = 0;
	int sorted = 1;
	const char **e;

	for (at = 0; at < b.n; n++) {
		struct held h;

		memcpy(&h, b.p + at, sizeof(h));
		if (h.line < last)
			sorted = 0;
		last = h.line;
		at += h.size;
	}
	if (sorted) {
		for (at = 0; at < b.n; ) {
			struct held h;

			memcpy(&h, b.p + at, sizeof(h));
			held_one(rj, file, add, b.p + at);
			at += h.size;
		}
		return;
	}
	/* Some were held after the records that followed them (found when
	 * the chunk was committed): written in line order all the same. */
	e = mbr_xcalloc(n, sizeof(*e));
	for (at = 0, i = 0; at < b.n; i++) {
		struct held h;

		memcpy(&h, b.p + at, sizeof(h));
		e[i] = b.p + at;
		at += h.size;
	}
	qsort(e, n, sizeof(*e), cmp_held);
	for (i = 0; i < n; i++)
		held_one(rj, file, add, e[i]);
	free(e);
}

uint64_t
mbr_rejects_count(const mbr_rejects *rj)
{
	return rj->n;
}

int
mbr_limit_over(const mbr_limit *l, uint64_t rejects, uint64_t records)
{
	if (l == NULL || !l->set)
		return 0;
	if (!l->pct)
		return rejects > l->n;
	/* rejects / records > ppm / 1e6, in integers */
	return (unsigned __int128)rejects * 1000000u >
	    (unsigned __int128)l->ppm * records;
}

int
mbr_rejects_close(mbr_rejects *rj, uint64_t records, const mbr_limit *max,
    mbr_err *err)
{
	size_t i;
	int rc = MBR_OK;

	if (rj == NULL)
		return MBR_OK;
	if (!rj->quiet) {
		if (rj->out == NULL && rj->n > MBR_REJECTS_SHOWN)
			fprintf(stderr, "%s: ... %llu more not shown (keep "
			    "them all with --rejects FILE)\n", mbr_progname(),
			    (unsigned long long)(rj->n - MBR_REJECTS_SHOWN));
		for (i = 0; i < rj->nr; i++)
			fprintf(stderr, "%s: %llu rejected: %s\n",
			    mbr_progname(), (unsigned long long)rj->r[i].n,
			    rj->r[i].name);
	}
	if (rj->out != NULL)
		rc = mbr_output_close(rj->out, err);
	if (rc == MBR_OK && mbr_limit_over(max, rj->n, records))
		rc = mbr_err_set(err, MBR_EDATA, "%llu of %llu records "
		    "rejected, over --max-rejects %s",
		    (unsigned long long)rj->n, (unsigned long long)records,
		    max->text);
	/* Without a limit, a run that used nothing fails all the same:
	 * a nightly job must notice an export whose layout changed. */
	else if (rc == MBR_OK && (max == NULL || !max->set) && records > 0 &&
	    rj->n >= records)
		rc = mbr_err_set(err, MBR_EDATA, "all %llu records rejected "
		    "(--max-rejects 100%% allows it)",
		    (unsigned long long)records);
	for (i = 0; i < rj->nr; i++)
		free(rj->r[i].name);
	free(rj->r);
	mbr_buf_release(&rj->line);
	mbr_buf_release(&rj->tmp);
	free(rj);
	return rc;
}
