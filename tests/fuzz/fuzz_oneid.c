/* fuzz_oneid: mbr-oneid's whole run (lib/mbr_oneid.h, man/mbr-oneid.1).
 * The first two bytes choose options from small fixed tables; the rest
 * is cut at 0xff bytes (never in UTF-8) into the files of a run, each a
 * memfd: a previous --map (first byte bit 6), an --ignore-identifiers
 * list (bit 5), then 1 to 3 files of records (CSV or NDJSON: member_id,
 * identifiers joined with '|', source_member_id, ts / updated_at /
 * signup_ts, order_id or event for the kinds).
 *
 * Options: first byte bits 0-2 --max-members-per-identifier (0-4: 1 to
 * 5, else 10^9), 3-4 --max-per-person (none, email=1, phone=1,email=2,
 * member=1,nick=1), 5 the ignore list, 6 the map, 7 --tz Asia/Shanghai
 * (else UTC); second byte bit 0 --output-format ndjson (else csv), 1
 * the first records file gzipped (in the target), 2 --profiles-out, 3
 * --audit, 4 a run with --explain, 5 a run over the first run's own
 * output, 6 --input-format: the first records file's (csv or ndjson by
 * its first byte, before gzip) forced, and the output in it (the map
 * is read in the format --input-format gives).
 *
 * Checked, beyond the sanitizers and the leak checker (no run may leak
 * on any of its exit paths):
 *   - every run ends MBR_OK, _EDATA, _EUSAGE or _EIO, with a message
 *     when not MBR_OK;
 *   - ending well: every record read (a reader of our own over the same
 *     files counts them) is written, in input order, with the
 *     source_member_id it came with (its source_member_id, else its
 *     member_id, else its first identifier), or rejected once with its file:line and a reason; the
 *     output, the rejects (each line a JSON object), the map, the audit
 *     and the profiles read back without a bad record; every member_id
 *     written is the current id of its record's identifiers in the new
 *     map; the map has one row per identifier of the records and the
 *     old map (none of the ignore list alone), ids of the form the man
 *     page gives, seen never less than the old map's; an identifier of
 *     the ignore list has an id of its own (CAVEATS);
 *   - the same records again with --map set to that map: the same
 *     member_id for every record, and the same map (identifier,
 *     member_id, first_seen, merged_into) but for seen, which grows by
 *     the records of the run (doubles, when there was no map before);
 *   - the record files in the reverse order: the same member_id for
 *     every record, the same map (first_seen the same instant);
 *   - with no guard at work (no cap, no ignore list, 10^9 members per
 *     identifier): two records have the same member_id exactly when a
 *     chain of records (and of the map's people) joins their
 *     identifiers: a union-find of our own over the written records;
 *   - --explain of the map's first identifier: MBR_OK and "X is ID, a
 *     person of N identifiers", ID and N as the map says;
 *   - over the first run's own output, with its map: the same member_id
 *     for every record (man page: "a second run over its own output
 *     gives the same result");
 *   - --profiles-out: one profile per person, ids each once, its
 *     identifiers those the map gives its id, in byte order. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>

#include <jansson.h>
#include <zlib.h>

#include "mbr_buf.h"
#include "mbr_cli.h"
#include "mbr_ident.h"
#include "mbr_oneid.h"
#include "mbr_reader.h"
#include "mbr_tab.h"
#include "mbr_time.h"
#include "fuzz.h"

#define MAXPARTS 5
#define HUGE_MM 1000000000u

static const char *const caps[4] = { NULL, "email=1", "phone=1,email=2",
    "member=1,nick=1" };

struct part {
	int	 fd;
	char	 path[24];
};

struct files {
	struct part	 p[MAXPARTS];
	int		 n;
};

static void
files_close(struct files *f)
{
	int i;

	for (i = 0; i < f->n; i++)
		close(f->p[i].fd);
	f->n = 0;
}

static int
add_part(struct files *f, const void *p, size_t n)
{
	struct part *x = &f->p[f->n];

	if ((x->fd = fuzz_memfd(p, n, x->path)) < 0)
		return -1;
	f->n++;
	return 0;
}

/* p[0..n) gzipped, malloc'd, its length in *zn. */
static unsigned char *
gzip(const uint8_t *p, size_t n, size_t *zn)
{
	z_stream z;
	unsigned char *out;
	size_t cap = compressBound((uLong)n) + 64;

	memset(&z, 0, sizeof(z));
	FUZZ_CHECK(deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8,
	    Z_DEFAULT_STRATEGY) == Z_OK);
	out = malloc(cap);
	FUZZ_CHECK(out != NULL);
	z.next_in = (unsigned char *)(uintptr_t)p;
	z.avail_in = (uInt)n;
	z.next_out = out;
	z.avail_out = (uInt)cap;
	FUZZ_CHECK(deflate(&z, Z_FINISH) == Z_STREAM_END);
	*zn = z.total_out;
	deflateEnd(&z);
	return out;
}

/* --- tables read back --- */

/* Rows of named columns, each value a NUL-terminated copy (absent and
 * null: ""), trimmed of blanks when asked. */
struct table {
	char	**v;		/* [row * ncol + col] */
	size_t	  nrow, ncol, cap;
};

static void
table_free(struct table *t)
{
	size_t i;

	for (i = 0; i < t->nrow * t->ncol; i++)
		free(t->v[i]);
	free(t->v);
	memset(t, 0, sizeof(*t));
}

static char *
sdup(mbr_slice s, uint8_t type, int trim)
{
	const char *p = s.p;
	size_t n = s.n;
	char *r;

	if (p == NULL || type == MBR_V_NULL)
		p = "", n = 0;
	if (trim)
		mbr_trim(&p, &n);
	r = malloc(n + 1);
	FUZZ_CHECK(r != NULL);
	memcpy(r, p, n);
	r[n] = '\0';
	return r;
}

/* Reads path (format fmt) into t: every record must be good.  input:
 * a file given to the run (its separator sniffed, as the run's reader
 * does, and its values trimmed of blanks, as mbr-oneid reads them),
 * else one the run wrote (CSV with ','). */
static void
table_read(const char *path, int fmt, const char *const *names, size_t nc,
    int input, struct table *t)
{
	mbr_reader_opts ro = { 0 };
	char *files[1] = { (char *)path };
	mbr_reader *rd;
	mbr_err err = { 0 };
	mbr_rec rec;
	int ix[8], r;
	size_t k;

	FUZZ_CHECK(nc <= 8);
	memset(t, 0, sizeof(*t));
	t->ncol = nc;
	ro.format = fmt;
	ro.delim = input ? 0 : ',';
	FUZZ_CHECK(mbr_reader_open(&rd, &ro, 1, files, &err) == MBR_OK);
	for (k = 0; k < nc; k++)
		ix[k] = mbr_reader_col(rd, names[k], strlen(names[k]));
	while ((r = mbr_reader_next(rd, &rec, &err)) != MBR_READ_END) {
		if (r != MBR_READ_REC)
			continue;
		if (rec.bad != NULL) {
			fprintf(stderr, "%s:%lu: a bad record in what the run "
			    "wrote: %s\n", path, rec.line, rec.why);
			abort();
		}
		if (t->nrow == t->cap) {
			t->cap = t->cap ? t->cap * 2 : 16;
			t->v = realloc(t->v, t->cap * nc * sizeof(*t->v));
			FUZZ_CHECK(t->v != NULL);
		}
		for (k = 0; k < nc; k++)
			t->v[t->nrow * nc + k] = sdup(rec.f[ix[k]],
			    rec.type[ix[k]], input);
		t->nrow++;
	}
	if (err.code != MBR_OK) {
		fprintf(stderr, "%s: what the run wrote does not read back: "
		    "%s\n", path, err.msg);
		abort();
	}
	mbr_reader_free(rd);
}

static const char *
cell(const struct table *t, size_t row, size_t col)
{
	return t->v[row * t->ncol + col];
}

/* --- a run --- */

static void
out_close(struct fuzz_out *o)
{
	if (o->fd >= 0)
		close(o->fd);
	o->fd = -1;
}

struct setup {
	uint8_t		 b0, b1;
	int		 fmt;		/* MBR_FMT_CSV or _NDJSON, output */
	int		 infmt;		/* --input-format */
	const char	*tz;
	const char	*ignore;	/* path or NULL */
	int		 ignfd;
	const char	*map;		/* the fuzzed map, or NULL */
	struct table	 old;		/* it, read as the run reads it */
	mbr_oneid_opts	 o;
	int		 guarded;	/* a guard may be at work */
};

struct run {
	int		 rc;
	mbr_err		 err;
	struct fuzz_out	 out, rej, map, aud, prof;
};

static void
run_free(struct run *r)
{
	out_close(&r->out);
	out_close(&r->rej);
	out_close(&r->map);
	out_close(&r->aud);
	out_close(&r->prof);
}

static void
cli_of(const struct setup *s, mbr_cli *c)
{
	memset(c, 0, sizeof(*c));
	c->quiet = 1;
	c->threads = 1;
	c->tz = s->tz;
	c->out_format = s->fmt;
	c->ro.format = s->infmt;
}

static void
status_check(int rc, const mbr_err *err, const char *what)
{
	if (rc != MBR_OK && rc != MBR_EDATA && rc != MBR_EUSAGE &&
	    rc != MBR_EIO) {
		fprintf(stderr, "%s: status %d: %s\n", what, rc, err->msg);
		abort();
	}
	if (rc != err->code) {
		fprintf(stderr, "%s: returned %d, err says %d (%s)\n", what,
		    rc, err->code, err->msg);
		abort();
	}
	if (rc != MBR_OK && err->msg[0] == '\0') {
		fprintf(stderr, "%s: status %d without a message\n", what, rc);
		abort();
	}
}

/* One run over files, with map (NULL: none) and the options of s. */
static void
run_once(const struct setup *s, const char *map, int nfiles,
    char *const files[], int extras, struct run *r, const char *what)
{
	mbr_cli c;
	mbr_oneid_opts o = s->o;

	cli_of(s, &c);
	memset(r, 0, sizeof(*r));
	r->out.fd = r->rej.fd = r->map.fd = r->aud.fd = r->prof.fd = -1;
	fuzz_out_new(&r->out);
	fuzz_out_new(&r->rej);
	fuzz_out_new(&r->map);
	c.output = r->out.path;
	c.rejects = r->rej.path;
	o.map = map;
	o.map_out = r->map.path;
	o.ignore = s->ignore;
	if (extras && (s->b1 & 8)) {
		fuzz_out_new(&r->aud);
		o.audit = r->aud.path;
	}
	if (extras && (s->b1 & 4)) {
		fuzz_out_new(&r->prof);
		o.profiles_out = r->prof.path;
	}
	mbr_err_clear(&r->err);
	r->rc = mbr_oneid_run(&c, &o, nfiles, files, &r->err);
	status_check(r->rc, &r->err, what);
}

/* --- the checks --- */

enum { O_MEMBER, O_SRC, O_IDS };
static const char *const out_cols[] = { "member_id", "source_member_id",
    "identifiers" };
enum { M_ID, M_MEMBER, M_FIRST, M_MERGED, M_SEEN };
static const char *const map_cols[] = { "identifier", "member_id",
    "first_seen", "merged_into", "seen" };

/* The map's current id of a row: merged_into, else member_id. */
static const char *
map_cur(const struct table *m, size_t i)
{
	return cell(m, i, M_MERGED)[0] != '\0' ? cell(m, i, M_MERGED) :
	    cell(m, i, M_MEMBER);
}

/* "oneid:" and at least 9 digits. */
static int
our_id(const char *s)
{
	size_t n = strlen(s);

	return n >= 15 && memcmp(s, "oneid:", 6) == 0 &&
	    strspn(s + 6, "0123456789") == n - 6;
}

/* The identifier -> row of a map. */
static mbr_tab *
map_index(const struct table *m)
{
	mbr_tab *t = mbr_tab_new(sizeof(size_t));
	size_t i;

	for (i = 0; i < m->nrow; i++) {
		int nw;
		size_t *v = mbr_tab_upsert(t, cell(m, i, M_ID),
		    strlen(cell(m, i, M_ID)), &nw);

		if (!nw) {
			fprintf(stderr, "map-out: identifier \"%s\" twice\n",
			    cell(m, i, M_ID));
			abort();
		}
		*v = i;
	}
	return t;
}

/* An identifier of a written record: each one, the way the man page
 * splits them (its source_member_id, else member_id; then the
 * identifiers field at '|', blanks trimmed, empty ones dropped). */
typedef void (*id_fn)(const char *s, size_t n, void *ctx);

static void
each_id(const char *prim, const char *ids, id_fn fn, void *ctx)
{
	const char *p = ids, *q, *x = prim;
	size_t n = strlen(prim);

	mbr_trim(&x, &n);
	if (n > 0)
		fn(x, n, ctx);
	while (*p != '\0') {
		q = strchr(p, '|');
		if (q == NULL)
			q = p + strlen(p);
		x = p;
		n = (size_t)(q - p);
		mbr_trim(&x, &n);
		if (n > 0)
			fn(x, n, ctx);
		if (*q == '\0')
			break;
		p = q + 1;
	}
}

static void
first_id(const char *s, size_t n, void *ctx)
{
	char **w = ctx;

	if (*w == NULL)
		*w = strndup(s, n);
}

struct idcheck {
	mbr_tab			*ix;	/* the new map's identifiers */
	int			 n;
};

/* Every identifier of a written record is in the map. */
static void
in_map(const char *s, size_t n, void *ctx)
{
	struct idcheck *k = ctx;
	size_t *row = mbr_tab_get(k->ix, s, n);

	if (row == NULL) {
		fprintf(stderr, "identifier \"%.*s\" of a written record is "
		    "not in --map-out\n", (int)n, s);
		abort();
	}
	k->n++;
}

/* The accounting of one run: every record of the inputs written (in
 * order) or rejected once.  keep: the member_id of each written record,
 * by input (file order of files[]), in *ids: "fileno\tmember_id\n". */
static void
account(const struct setup *s, int nfiles, char *const files[],
    const struct run *r, const struct table *out, mbr_buf *ids,
    const int *fileno_of)
{
	mbr_reader_opts ro = { 0 };
	mbr_reader *rd;
	mbr_err err = { 0 };
	mbr_rec rec;
	mbr_tab *rej = mbr_tab_new(sizeof(int));
	size_t nrej = 0, used = 0, at = 0, n;
	char *text, *line, *e;
	int rr, csrc, cmem, cids;

	/* The rejects: each line a JSON object, its source once. */
	text = fuzz_slurp(r->rej.fd, &n);
	for (line = text; line < text + n; line = e + 1) {
		json_error_t jerr;
		json_t *j;
		const char *src;
		int nw;

		e = memchr(line, '\n', (size_t)(text + n - line));
		FUZZ_CHECK(e != NULL);
		/* (jansson refuses numbers past a double or a long long,
		 * which a record may hold and its reject repeats) */
		j = json_loadb(line, (size_t)(e - line), 0, &jerr);
		if ((j == NULL && strstr(jerr.text, "overflow") == NULL &&
		    strstr(jerr.text, "too big") == NULL) ||
		    (j != NULL && !json_is_object(j))) {
			fprintf(stderr, "a reject that is no JSON object (%s): "
			    "%.*s\n", j == NULL ? jerr.text : "", (int)(e - line),
			    line);
			abort();
		}
		/* (its own fields follow: the first reject_source is
		 * the run's) */
		FUZZ_CHECK(strncmp(line, "{\"reject_reason\":\"", 18) == 0);
		src = strstr(line, "\",\"reject_source\":\"");
		FUZZ_CHECK(src != NULL && src < e);
		src += 19;
		FUZZ_CHECK(strchr(src, '"') != NULL);
		*(int *)mbr_tab_upsert(rej, src, (size_t)(strchr(src, '"') -
		    src), &nw) = 0;
		if (!nw) {
			fprintf(stderr, "a record rejected twice: %.*s\n",
			    (int)(strchr(src, '"') - src), src);
			abort();
		}
		if (j != NULL)
			json_decref(j);
		nrej++;
	}
	free(text);

	/* The inputs as the run read them. */
	ro.format = s->infmt;
	FUZZ_CHECK(mbr_reader_open(&rd, &ro, nfiles, files, &err) == MBR_OK);
	csrc = mbr_reader_col(rd, "source_member_id", 16);
	cmem = mbr_reader_col(rd, "member_id", 9);
	cids = mbr_reader_col(rd, "identifiers", 11);
	while ((rr = mbr_reader_next(rd, &rec, &err)) != MBR_READ_END) {
		char key[64];
		int *hit;
		char *want, *got;

		if (rr != MBR_READ_REC)
			continue;
		snprintf(key, sizeof(key), "%s:%lu", rec.file, rec.line);
		if ((hit = mbr_tab_get(rej, key, strlen(key))) != NULL) {
			FUZZ_CHECK(*hit == 0);
			*hit = 1;
			used++;
			continue;
		}
		if (rec.bad != NULL) {
			fprintf(stderr, "%s: a bad record (%s) not rejected\n",
			    key, rec.why);
			abort();
		}
		if (at == out->nrow) {
			fprintf(stderr, "%s: neither written nor rejected\n",
			    key);
			abort();
		}
		/* written with the source_member_id it came with */
		want = sdup(rec.f[csrc], rec.type[csrc], 1);
		if (want[0] == '\0') {
			free(want);
			want = sdup(rec.f[cmem], rec.type[cmem], 1);
		}
		if (want[0] == '\0') {	/* else its first identifier */
			char *l = sdup(rec.f[cids], rec.type[cids], 0);

			free(want);
			want = NULL;
			each_id("", l, first_id, &want);
			free(l);
			if (want == NULL)
				want = strdup("");
		}
		got = sdup((mbr_slice){ cell(out, at, O_SRC),
		    strlen(cell(out, at, O_SRC)) }, MBR_V_STR, 1);
		if (strcmp(want, got) != 0) {
			fprintf(stderr, "%s: written as record %zu with "
			    "source_member_id \"%s\", not \"%s\"\n", key, at,
			    got, want);
			abort();
		}
		free(want);
		free(got);
		if (ids != NULL)
			mbr_buf_addf(ids, "%d\t%s\n",
			    fileno_of[rec.fileno], cell(out, at, O_MEMBER));
		at++;
	}
	if (err.code != MBR_OK) {
		/* the run read them all well */
		fprintf(stderr, "the run ended well, its inputs do not read: "
		    "%s\n", err.msg);
		abort();
	}
	mbr_reader_free(rd);
	if (at != out->nrow) {
		fprintf(stderr, "%zu records written, %zu read and not "
		    "rejected\n", out->nrow, at);
		abort();
	}
	if (used != nrej) {
		fprintf(stderr, "%zu rejects, %zu of them of records read\n",
		    nrej, used);
		abort();
	}
	mbr_tab_free(rej);
}

/* The output agrees with the map: each record's member_id is the
 * current id of every identifier of it that links, and the map's rows
 * are each an identifier, ids of our form or the old map's. */
static void
known_id(const char *s, size_t n, void *ctx)
{
	(void)mbr_tab_upsert(ctx, s, n, NULL);
}

/* The identifiers of the ignore list, as mbr-oneid reads it. */
static mbr_tab *
ignored(const struct setup *s)
{
	mbr_tab *t = mbr_tab_new(1);
	size_t n;
	char *text, *p, *e;

	if (s->ignore == NULL)
		return t;
	text = fuzz_slurp(s->ignfd, &n);
	for (p = text; p < text + n; p = e + 1) {
		const char *x = p;
		size_t k;

		if ((e = memchr(p, '\n', (size_t)(text + n - p))) == NULL)
			e = text + n;
		k = (size_t)(e - p);
		while (k > 0 && (x[k - 1] == '\n' || x[k - 1] == '\r'))
			k--;
		mbr_trim(&x, &k);
		if (k > 0 && x[0] != '#')
			(void)mbr_tab_upsert(t, x, k, NULL);
	}
	free(text);
	return t;
}

static void
agree(const struct setup *s, const struct table *out, const struct table *m)
{
	mbr_tab *ix = map_index(m), *known = mbr_tab_new(1), *ign, *cur;
	size_t i;

	/* The map has the identifiers of the records and of the old map,
	 * no others (not those of the ignore list no record has). */
	for (i = 0; i < out->nrow; i++)
		each_id(cell(out, i, O_SRC), cell(out, i, O_IDS), known_id,
		    known);
	for (i = 0; i < s->old.nrow; i++)
		known_id(cell(&s->old, i, M_ID), strlen(cell(&s->old, i, M_ID)),
		    known);
	for (i = 0; i < m->nrow; i++)
		if (mbr_tab_get(known, cell(m, i, M_ID),
		    strlen(cell(m, i, M_ID))) == NULL) {
			fprintf(stderr, "map-out: identifier \"%s\" of no "
			    "record and not in the map\n", cell(m, i, M_ID));
			abort();
		}
	/* An identifier set aside is a person of its own: its id is no
	 * other identifier's (man page, CAVEATS: also one the map had
	 * joined). */
	ign = ignored(s);
	cur = mbr_tab_new(sizeof(size_t));
	for (i = 0; i < m->nrow; i++)
		++*(size_t *)mbr_tab_upsert(cur, map_cur(m, i),
		    strlen(map_cur(m, i)), NULL);
	for (i = 0; i < m->nrow; i++)
		if (mbr_tab_get(ign, cell(m, i, M_ID),
		    strlen(cell(m, i, M_ID))) != NULL &&
		    *(size_t *)mbr_tab_get(cur, map_cur(m, i),
		    strlen(map_cur(m, i))) != 1) {
			fprintf(stderr, "map-out: \"%s\" is listed in "
			    "--ignore-identifiers, and its id %s is another "
			    "identifier's too\n", cell(m, i, M_ID),
			    map_cur(m, i));
			abort();
		}
	/* seen only grows */
	for (i = 0; i < s->old.nrow; i++) {
		const char *id = cell(&s->old, i, M_ID);
		size_t *row = mbr_tab_get(ix, id, strlen(id));

		FUZZ_CHECK(row != NULL);
		if (strtoull(cell(m, *row, M_SEEN), NULL, 10) <
		    strtoull(cell(&s->old, i, M_SEEN), NULL, 10)) {
			fprintf(stderr, "map-out: %s seen %s, the map said "
			    "%s\n", id, cell(m, *row, M_SEEN),
			    cell(&s->old, i, M_SEEN));
			abort();
		}
	}
	mbr_tab_free(known);
	mbr_tab_free(ign);
	mbr_tab_free(cur);

	for (i = 0; i < m->nrow; i++) {
		FUZZ_CHECK(cell(m, i, M_ID)[0] != '\0');
		FUZZ_CHECK(cell(m, i, M_MEMBER)[0] != '\0');
		/* a new id is ours; an old one comes from the map */
		if (s->map == NULL && !our_id(cell(m, i, M_MEMBER))) {
			fprintf(stderr, "map-out: id \"%s\" without a map\n",
			    cell(m, i, M_MEMBER));
			abort();
		}
		FUZZ_CHECK(strcmp(cell(m, i, M_MERGED),
		    cell(m, i, M_MEMBER)) != 0);
		FUZZ_CHECK(strspn(cell(m, i, M_SEEN), "0123456789") ==
		    strlen(cell(m, i, M_SEEN)) && cell(m, i, M_SEEN)[0]);
	}
	for (i = 0; i < out->nrow; i++) {
		struct idcheck k = { ix, 0 };

		FUZZ_CHECK(cell(out, i, O_MEMBER)[0] != '\0');
		each_id(cell(out, i, O_SRC), cell(out, i, O_IDS), in_map, &k);
		FUZZ_CHECK(k.n > 0);
		if (!s->guarded) {
			/* no guard: every identifier of it is its person */
			const char *p = cell(out, i, O_SRC);
			size_t np = strlen(p), *row;

			mbr_trim(&p, &np);
			if (np == 0)
				continue;
			row = mbr_tab_get(ix, p, np);
			if (strcmp(map_cur(m, *row), cell(out, i,
			    O_MEMBER)) != 0) {
				fprintf(stderr, "record %zu: member_id %s, "
				    "its member_id %.*s is %s in the map\n", i,
				    cell(out, i, O_MEMBER), (int)np, p,
				    map_cur(m, *row));
				abort();
			}
		}
	}
	mbr_tab_free(ix);
}

/* --- the union-find of our own --- */

struct uf {
	mbr_tab		*ids;	/* identifier -> index */
	uint32_t	*parent;
	size_t		 cap;
	int64_t		 first;	/* the record's first identifier */
};

static uint32_t
uf_find(struct uf *u, uint32_t i)
{
	while (u->parent[i] != i)
		i = u->parent[i] = u->parent[u->parent[i]];
	return i;
}

static uint32_t
uf_id(struct uf *u, const char *s, size_t n)
{
	int nw;
	void *v = mbr_tab_upsert(u->ids, s, n, &nw);
	size_t i = mbr_tab_index(u->ids, v);

	if (!nw)
		return (uint32_t)i;
	if (i >= u->cap) {
		u->cap = u->cap ? u->cap * 2 : 64;
		u->parent = realloc(u->parent, u->cap * sizeof(*u->parent));
		FUZZ_CHECK(u->parent != NULL);
	}
	u->parent[i] = (uint32_t)i;
	return (uint32_t)i;
}

static void
uf_join(struct uf *u, uint32_t a, uint32_t b)
{
	a = uf_find(u, a);
	b = uf_find(u, b);
	if (a != b)
		u->parent[b] = a;
}

static void
uf_rec(const char *s, size_t n, void *ctx)
{
	struct uf *u = ctx;
	uint32_t i = uf_id(u, s, n);

	if (u->first < 0)
		u->first = i;
	else
		uf_join(u, (uint32_t)u->first, i);
}

/* With no guard at work: same member_id <=> joined by a chain of
 * records or the map's people (map NULL: none). */
static void
union_find(const struct table *out, const struct table *m)
{
	struct uf u = { 0 };
	mbr_tab *idof, *rootof, *byid;
	size_t i;

	u.ids = mbr_tab_new(1);
	/* the old map's people: rows of one current id */
	byid = mbr_tab_new(sizeof(uint32_t));
	for (i = 0; i < m->nrow; i++) {
		const char *cur = map_cur(m, i);
		uint32_t x = uf_id(&u, cell(m, i, M_ID),
		    strlen(cell(m, i, M_ID))), *an;
		int nw;

		an = mbr_tab_upsert(byid, cur, strlen(cur), &nw);
		if (nw)
			*an = x;
		else
			uf_join(&u, *an, x);
	}
	mbr_tab_free(byid);
	for (i = 0; i < out->nrow; i++) {
		u.first = -1;
		each_id(cell(out, i, O_SRC), cell(out, i, O_IDS), uf_rec, &u);
	}
	/* root -> member_id and member_id -> root, both one-to-one */
	idof = mbr_tab_new(sizeof(size_t));
	rootof = mbr_tab_new(sizeof(uint32_t));
	for (i = 0; i < out->nrow; i++) {
		const char *mid = cell(out, i, O_MEMBER);
		char rk[16];
		size_t *w;
		uint32_t *rt, root;
		int nw;

		u.first = -1;
		each_id(cell(out, i, O_SRC), cell(out, i, O_IDS), uf_rec, &u);
		root = uf_find(&u, (uint32_t)u.first);
		snprintf(rk, sizeof(rk), "%u", root);
		w = mbr_tab_upsert(idof, rk, strlen(rk), &nw);
		if (nw)
			*w = i;
		else if (strcmp(cell(out, *w, O_MEMBER), mid) != 0) {
			fprintf(stderr, "records %zu and %zu share identifiers "
			    "(through records or the map) but have member_id "
			    "%s and %s\n", *w, i, cell(out, *w, O_MEMBER),
			    mid);
			abort();
		}
		rt = mbr_tab_upsert(rootof, mid, strlen(mid), &nw);
		if (nw)
			*rt = root;
		else if (*rt != root) {
			fprintf(stderr, "record %zu: member_id %s, as records "
			    "that share no identifier with it (through "
			    "records or the map)\n", i, mid);
			abort();
		}
	}
	mbr_tab_free(idof);
	mbr_tab_free(rootof);
	mbr_tab_free(u.ids);
	free(u.parent);
}

/* Two maps: the same rows but for seen (seen: 0 the same, 1 b's the
 * larger (twice a's when twice), 2 no check); first_seen the same
 * text, or (inst) the same instant. */
static void
maps_same(const struct table *a, const struct table *b, int seen,
    int twice, int inst, const char *what)
{
	size_t i;
	int c;

	if (a->nrow != b->nrow) {
		fprintf(stderr, "%s: %zu map rows, then %zu\n", what, a->nrow,
		    b->nrow);
		abort();
	}
	for (i = 0; i < a->nrow; i++)
		for (c = 0; c < 5; c++) {
			const char *x = cell(a, i, c), *y = cell(b, i, c);
			int same = strcmp(x, y) == 0;

			if (c == M_FIRST && !same && inst) {
				mbr_time tx, ty;
				mbr_err e = { 0 };

				same = x[0] != '\0' && y[0] != '\0' &&
				    mbr_time_parse(&tx, x, strlen(x), NULL,
				    &e) == MBR_OK && mbr_time_parse(&ty, y,
				    strlen(y), NULL, &e) == MBR_OK &&
				    tx.t == ty.t;
			}
			if (c == M_SEEN && seen == 1) {
				unsigned long long sx = strtoull(x, NULL, 10);
				unsigned long long sy = strtoull(y, NULL, 10);

				same = twice ? sy == 2 * sx : sy >= sx;
			} else if (c == M_SEEN && seen == 2)
				same = 1;
			if (!same) {
				fprintf(stderr, "%s: map row %zu (%s): %s "
				    "\"%s\", then \"%s\"\n", what, i,
				    cell(a, i, M_ID), map_cols[c], x, y);
				abort();
			}
		}
}

static void
ids_same(const mbr_buf *a, const mbr_buf *b, const char *what)
{
	if (a->n != b->n || memcmp(a->p, b->p, a->n) != 0) {
		fprintf(stderr, "%s: the records' ids differ\n--- one\n%.*s"
		    "--- other\n%.*s", what, (int)a->n, a->p, (int)b->n,
		    b->p);
		abort();
	}
}

/* The per-input lists of "fileno\tid\n", put in file order. */
static void
by_file(const mbr_buf *in, int nfiles, mbr_buf *out)
{
	int f;
	const char *p, *e;

	mbr_buf_reset(out);
	for (f = 0; f < nfiles; f++)
		for (p = in->p; p != NULL && p < in->p + in->n; p = e + 1) {
			e = memchr(p, '\n', (size_t)(in->p + in->n - p));
			if (atoi(p) == f)
				mbr_buf_add(out, p, (size_t)(e - p + 1));
		}
}

/* --explain of the map's first identifier. */
static void
explain(const struct setup *s, const char *map, int nfiles,
    char *const files[], const struct table *m)
{
	mbr_cli c;
	mbr_oneid_opts o = s->o;
	mbr_err err;
	const char *x, *cur;
	char *text, head[512];
	size_t n, i, people = 0;
	int fd, saved, rc;
	char path[24];

	if (m->nrow == 0 || strlen(cell(m, 0, M_ID)) > 200 ||
	    strlen(map_cur(m, 0)) > 200)
		return;
	x = cell(m, 0, M_ID);
	cur = map_cur(m, 0);
	for (i = 0; i < m->nrow; i++)
		people += strcmp(map_cur(m, i), cur) == 0;
	cli_of(s, &c);
	o.map = map;
	o.ignore = s->ignore;
	o.explain = x;
	FUZZ_CHECK((fd = fuzz_memfd("", 0, path)) >= 0);
	fflush(stdout);
	saved = dup(1);
	FUZZ_CHECK(saved >= 0 && dup2(fd, 1) == 1);
	mbr_err_clear(&err);
	rc = mbr_oneid_run(&c, &o, nfiles, files, &err);
	fflush(stdout);
	dup2(saved, 1);
	close(saved);
	status_check(rc, &err, "--explain");
	if (rc != MBR_OK) {
		fprintf(stderr, "--explain %s: status %d (%s), the same run "
		    "ended well\n", x, rc, err.msg);
		abort();
	}
	text = fuzz_slurp(fd, &n);
	snprintf(head, sizeof(head), "%s is %s, a person of %zu identifier%s\n",
	    x, cur, people, people == 1 ? "" : "s");
	if (strncmp(text, head, strlen(head)) != 0) {
		fprintf(stderr, "--explain %s: \"%.*s\", not \"%s\"\n", x,
		    (int)(strchr(text, '\n') ? strchr(text, '\n') - text :
		    (long)n), text, head);
		abort();
	}
	free(text);
	close(fd);
}

/* --profiles-out: ids each once; each profile's identifiers those the
 * map gives its id, in byte order (as the map has them), '|'-joined. */
static void
profiles(const struct run *r, const struct table *m, int fmt)
{
	static const char *const cols[] = { "member_id", "identifiers" };
	struct table p;
	mbr_tab *seen = mbr_tab_new(1);
	mbr_buf want;
	size_t i, k;

	mbr_buf_init(&want);
	table_read(r->prof.path, fmt, cols, 2, 0, &p);
	for (i = 0; i < p.nrow; i++) {
		const char *id = cell(&p, i, 0);
		int nw;

		(void)mbr_tab_upsert(seen, id, strlen(id), &nw);
		if (!nw) {
			fprintf(stderr, "--profiles-out: %s twice\n", id);
			abort();
		}
		mbr_buf_reset(&want);
		for (k = 0; k < m->nrow; k++)
			if (strcmp(map_cur(m, k), id) == 0) {
				if (want.n > 0)
					mbr_buf_addc(&want, '|');
				mbr_buf_adds(&want, cell(m, k, M_ID));
			}
		if (want.n != strlen(cell(&p, i, 1)) || (want.n > 0 &&
		    memcmp(want.p, cell(&p, i, 1), want.n) != 0)) {
			fprintf(stderr, "--profiles-out: %s has identifiers "
			    "\"%s\", the map \"%.*s\"\n", id, cell(&p, i, 1),
			    (int)want.n, want.p ? want.p : "");
			abort();
		}
	}
	table_free(&p);
	mbr_tab_free(seen);
	mbr_buf_release(&want);
}

static void
audit(const struct run *r, int fmt)
{
	static const char *const cols[] = { "reason", "identifier" };
	struct table a;
	size_t i;

	table_read(r->aud.path, fmt, cols, 2, 0, &a);
	for (i = 0; i < a.nrow; i++) {
		const char *w = cell(&a, i, 0);

		FUZZ_CHECK(strcmp(w, "ignored") == 0 ||
		    strcmp(w, "placeholder") == 0 || strcmp(w, "cut") == 0);
		FUZZ_CHECK(cell(&a, i, 1)[0] != '\0');
	}
	table_free(&a);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int named;
	struct setup s;
	struct files f;
	struct run a, b, c;
	struct table oa, ma, ob, mb;
	const uint8_t *p, *end, *q;
	char *recs[3], *rev[3];
	int nrec = 0, i, fileno_of[3], rev_of[3];
	mbr_buf ia, ib;
	mbr_err err = { 0 };

	if (!named) {
		mbr_setprogname("mbr-oneid");
		/* (as fuzz_abtest: huge pages made each run's tables cost
		 * more than the rest) */
		(void)prctl(PR_SET_THP_DISABLE, 1, 0, 0, 0);
		named = 1;
	}
	if (size < 3)
		return 0;
	memset(&s, 0, sizeof(s));
	s.b0 = data[0];
	s.b1 = data[1];
	s.fmt = s.b1 & 1 ? MBR_FMT_NDJSON : MBR_FMT_CSV;
	s.tz = s.b0 & 0x80 ? "Asia/Shanghai" : "UTC";
	s.o = (mbr_oneid_opts)MBR_ONEID_OPTS_DEFAULT;
	s.o.max_members = (s.b0 & 7) < 5 ? (uint64_t)(s.b0 & 7) + 1 : HUGE_MM;
	if (caps[(s.b0 >> 3) & 3] != NULL)
		FUZZ_CHECK(mbr_oneid_parse_caps(&s.o, caps[(s.b0 >> 3) & 3],
		    &err) == MBR_OK);

	/* the parts */
	f.n = 0;
	p = data + 2;
	end = data + size;
	while (f.n < MAXPARTS) {
		q = f.n == MAXPARTS - 1 ? NULL : memchr(p, 0xff,
		    (size_t)(end - p));
		if (q == NULL)
			q = end;
		if (add_part(&f, p, (size_t)(q - p)) != 0) {
			files_close(&f);
			return 0;
		}
		if (q == end)
			break;
		p = q + 1;
	}
	i = 0;
	if (s.b0 & 0x40)
		s.map = f.p[i++].path;
	if (s.b0 & 0x20 && i < f.n) {
		s.ignfd = f.p[i].fd;
		s.ignore = f.p[i++].path;
	}
	for (; i < f.n && nrec < 3; i++)
		recs[nrec++] = f.p[i].path;
	if (nrec == 0) {
		files_close(&f);
		return 0;
	}
	if (s.b1 & 0x40) {
		size_t n;
		char *t = fuzz_slurp(f.p[i - nrec].fd, &n);

		/* (and the output in it: --input-format is the map's too) */
		s.infmt = n > 0 && t[0] == '{' ? MBR_FMT_NDJSON : MBR_FMT_CSV;
		s.fmt = s.infmt;
		free(t);
	}
	if (s.b1 & 2) {
		/* the first records file gzipped: read twice as such */
		size_t n, zn;
		char *t = fuzz_slurp(f.p[i - nrec].fd, &n);
		unsigned char *z = gzip((const uint8_t *)t, n, &zn);

		FUZZ_CHECK(ftruncate(f.p[i - nrec].fd, 0) == 0);
		FUZZ_CHECK(pwrite(f.p[i - nrec].fd, z, zn, 0) == (ssize_t)zn);
		free(t);
		free(z);
	}
	s.guarded = s.ignore != NULL || s.o.ncap > 0 ||
	    s.o.max_members != HUGE_MM;
	for (i = 0; i < nrec; i++) {
		fileno_of[i] = i;
		rev[i] = recs[nrec - 1 - i];
		rev_of[i] = nrec - 1 - i;
	}

	/* the run */
	run_once(&s, s.map, nrec, recs, 1, &a, "the run");
	if (a.rc != MBR_OK) {
		run_free(&a);
		files_close(&f);
		return 0;
	}
	mbr_buf_init(&ia);
	mbr_buf_init(&ib);
	if (s.map != NULL)
		table_read(s.map, s.infmt, map_cols, 5, 1, &s.old);
	table_read(a.out.path, s.fmt, out_cols, 3, 0, &oa);
	table_read(a.map.path, s.fmt, map_cols, 5, 0, &ma);
	account(&s, nrec, recs, &a, &oa, &ia, fileno_of);
	agree(&s, &oa, &ma);
	if (!s.guarded)
		union_find(&oa, &s.old);
	if (a.aud.fd >= 0)
		audit(&a, s.fmt);
	if (a.prof.fd >= 0)
		profiles(&a, &ma, s.fmt);

	/* again, with its map */
	run_once(&s, a.map.path, nrec, recs, 0, &b, "the run again");
	if (b.rc != MBR_OK) {
		fprintf(stderr, "the run again with its --map-out: status %d "
		    "(%s)\n", b.rc, b.err.msg);
		abort();
	}
	table_read(b.out.path, s.fmt, out_cols, 3, 0, &ob);
	table_read(b.map.path, s.fmt, map_cols, 5, 0, &mb);
	account(&s, nrec, recs, &b, &ob, &ib, fileno_of);
	ids_same(&ia, &ib, "the run again with its --map-out");
	maps_same(&ma, &mb, 1, s.map == NULL, 0,
	    "the run again with its --map-out");
	table_free(&ob);
	table_free(&mb);
	run_free(&b);

	/* the files the other way round */
	if (nrec > 1) {
		mbr_buf ic, sorted;

		run_once(&s, s.map, nrec, rev, 0, &c, "the files reversed");
		if (c.rc != MBR_OK) {
			fprintf(stderr, "the files reversed: status %d (%s)\n",
			    c.rc, c.err.msg);
			abort();
		}
		mbr_buf_init(&ic);
		mbr_buf_init(&sorted);
		table_read(c.out.path, s.fmt, out_cols, 3, 0, &ob);
		table_read(c.map.path, s.fmt, map_cols, 5, 0, &mb);
		account(&s, nrec, rev, &c, &ob, &ic, rev_of);
		by_file(&ic, nrec, &sorted);
		ids_same(&ia, &sorted, "the files reversed");
		maps_same(&ma, &mb, 0, 0, 1, "the files reversed");
		table_free(&ob);
		table_free(&mb);
		run_free(&c);
		mbr_buf_release(&ic);
		mbr_buf_release(&sorted);
	}

	if (s.b1 & 0x10)
		explain(&s, s.map, nrec, recs, &ma);

	/* over its own output, with its map */
	if (s.b1 & 0x20) {
		char *own[1] = { a.out.path };
		struct setup s2 = s;

		s2.infmt = s.fmt;
		run_once(&s2, a.map.path, 1, own, 0, &c, "its own output");
		if (c.rc != MBR_OK) {
			fprintf(stderr, "its own output again: status %d "
			    "(%s)\n", c.rc, c.err.msg);
			abort();
		}
		table_read(c.out.path, s.fmt, out_cols, 3, 0, &ob);
		FUZZ_CHECK(ob.nrow == oa.nrow);
		for (i = 0; i < (int)oa.nrow; i++)
			if (strcmp(cell(&oa, i, O_MEMBER),
			    cell(&ob, i, O_MEMBER)) != 0) {
				fprintf(stderr, "its own output again: record "
				    "%d was %s, now %s\n", i,
				    cell(&oa, i, O_MEMBER),
				    cell(&ob, i, O_MEMBER));
				abort();
			}
		table_free(&ob);
		run_free(&c);
	}

	table_free(&oa);
	table_free(&ma);
	table_free(&s.old);
	mbr_buf_release(&ia);
	mbr_buf_release(&ib);
	run_free(&a);
	files_close(&f);
	return 0;
}
