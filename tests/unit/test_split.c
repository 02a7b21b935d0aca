/* test_split.c: mbr_split gives every record of an input, in order, with
 * the lines, fields and verdicts the reader gives reading alone, and
 * writes the same rejects, whatever the chunk size (cuts inside quoted
 * fields, CRLF pairs, blank lines, long records) and threads; a chunk
 * whose commit says MBR_SPLIT_AGAIN is mapped again, not doubled.
 * Rejects made by commit (mbr_chunk_reject_raw) come out in line order
 * with map's. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mbr_buf.h"
#include "mbr_reader.h"
#include "mbr_reject.h"
#include "mbr_split.h"
#include "t.h"

struct item {
	unsigned long	 line;
	const char	*text, *raw;
	size_t		 n, rawn;
	int		 late;	/* to be rejected by commit */
};

struct state {
	int		 guessed;	/* begun with neither prev nor after */
	unsigned long	 nrec;
	unsigned long	 carried;	/* records of this input before it,
					 * when known from prev */
};

struct ctx {
	mbr_reader	*rd;
	mbr_rejects	*rj;
	mbr_buf		 got;
	unsigned long	 commits, agains, nrec;
	int		 prev_wrong;
};

/* A record as text: its verdict, raw text and fields by name. */
static void
describe(mbr_buf *b, const mbr_reader *rd, const mbr_rec *rec)
{
	size_t i;

	mbr_buf_addf(b, "|%s|%s|", rec->bad ? rec->bad : "-",
	    rec->bad ? rec->why : "-");
	mbr_buf_add(b, rec->raw.p, rec->raw.n);
	for (i = 0; i < rec->n; i++) {
		mbr_slice nm = mbr_reader_colname(rd, rec->order[i]);
		mbr_slice v = rec->f[rec->order[i]];

		mbr_buf_addc(b, '|');
		mbr_buf_add(b, nm.p, nm.n);
		mbr_buf_addc(b, '=');
		mbr_buf_add(b, v.p, v.n);
	}
	mbr_buf_addc(b, '\n');
}

/* Rejects the bad records, and good ones whose first field is "r";
 * good ones whose first field is "x", later, at commit (late). */
static int
first_is(const mbr_rec *rec, char c)
{
	return rec->bad == NULL && rec->n > 0 &&
	    rec->f[rec->order[0]].n == 1 && rec->f[rec->order[0]].p[0] == c;
}

static int
rejected(const mbr_rec *rec)
{
	return rec->bad != NULL || first_is(rec, 'r');
}

static int
late(const mbr_rec *rec)
{
	return first_is(rec, 'x');
}

static void
begin(void *vc, mbr_chunk *ck, void *vs, const void *prev, int after)
{
	struct state *s = vs;
	const struct state *p = prev;

	(void)vc;
	s->guessed = prev == NULL && !after;
	if (p != NULL)
		s->carried = p->carried + p->nrec;
}

static void
map(void *vc, mbr_chunk *ck, void *vs, const mbr_rec *rec)
{
	struct ctx *c = vc;
	struct state *s = vs;
	mbr_buf b;
	struct item *it;
	void *x;

	s->nrec++;
	mbr_buf_init(&b);
	describe(&b, c->rd, rec);
	it = mbr_chunk_add(ck, b.n + rec->raw.n, &x);
	memcpy(x, b.p, b.n);
	if (rec->raw.n > 0)
		memcpy((char *)x + b.n, rec->raw.p, rec->raw.n);
	it->text = x;
	it->n = b.n;
	it->raw = (char *)x + b.n;
	it->rawn = rec->raw.n;
	it->late = late(rec);
	it->line = rec->line;
	mbr_buf_release(&b);
	if (rejected(rec))
		mbr_chunk_reject(ck, rec, rec->bad ? rec->bad : "test",
		    rec->bad ? rec->why : "first field is r");
}

static int
commit(void *vc, mbr_chunk *ck, void *vs, mbr_err *err)
{
	struct ctx *c = vc;
	struct state *s = vs;
	struct item *it;
	size_t n, i;

	(void)err;
	/* Every third guessed chunk is sent back once. */
	if (s->guessed && c->commits++ % 3 == 1) {
		c->agains++;
		return MBR_SPLIT_AGAIN;
	}
	if (!s->guessed && s->carried != 0 && s->carried != c->nrec)
		c->prev_wrong++;
	it = mbr_chunk_items(ck, &n);
	for (i = 0; i < n; i++) {
		mbr_buf_addf(&c->got, "%lu", it[i].line + mbr_chunk_line(ck));
		mbr_buf_add(&c->got, it[i].text, it[i].n);
		if (it[i].late)
			mbr_chunk_reject_raw(ck, it[i].line, it[i].raw,
			    it[i].rawn, "late", "first field is x");
	}
	c->nrec += n;
	return MBR_OK;
}

static char *
slurp(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	mbr_buf b;
	char tmp[4096];
	size_t r;

	mbr_buf_init(&b);
	if (f == NULL)
		return b.p;
	while ((r = fread(tmp, 1, sizeof(tmp), f)) > 0)
		mbr_buf_add(&b, tmp, r);
	fclose(f);
	*n = b.n;
	return b.p;
}

static const char *tmpdir;

/* Reads path alone: the records as text, the rejects file. */
static void
reference(const char *path, mbr_buf *out, char **rej, size_t *nrej)
{
	mbr_reader_opts ro = { 0 };
	mbr_reader *rd;
	mbr_rejects *rj;
	mbr_err err = { 0 };
	mbr_rec rec;
	char *const files[] = { (char *)path };
	char rpath[512];
	int r;

	snprintf(rpath, sizeof(rpath), "%s/ref.ndjson", tmpdir);
	T_EQ_I(mbr_reader_open(&rd, &ro, 1, files, &err), MBR_OK);
	T_EQ_I(mbr_rejects_open(&rj, rpath, 1, &err), MBR_OK);
	while ((r = mbr_reader_next(rd, &rec, &err)) != MBR_READ_END) {
		if (r != MBR_READ_REC)
			continue;
		mbr_buf_addf(out, "%lu", rec.line);
		describe(out, rd, &rec);
		if (rejected(&rec))
			mbr_reject(rj, rd, &rec, rec.bad ? rec.bad : "test",
			    rec.bad ? rec.why : "first field is r");
		if (late(&rec))
			mbr_reject_raw(rj, path, rec.line, rec.raw.p,
			    rec.raw.n, "late", "first field is x");
	}
	T_EQ_I(err.code, MBR_OK);
	T_EQ_I(mbr_rejects_close(rj, 0, NULL, &err), MBR_OK);
	mbr_reader_free(rd);
	*rej = slurp(rpath, nrej);
}

/* Reads path through mbr_split and compares with the reference. */
static void
check(const char *path, const char *chunk, int threads, const char *what)
{
	mbr_reader_opts ro = { 0 };
	mbr_err err = { 0 };
	mbr_rec rec;
	char *const files[] = { (char *)path };
	char rpath[512];
	static const mbr_split_fns fns = { sizeof(struct item),
	    sizeof(struct state), begin, map, commit };
	struct ctx c;
	mbr_buf want;
	char *wrej, *grej;
	size_t nw = 0, ng = 0;
	mbr_split *sp;
	int r;

	mbr_buf_init(&want);
	reference(path, &want, &wrej, &nw);
	memset(&c, 0, sizeof(c));
	mbr_buf_init(&c.got);
	snprintf(rpath, sizeof(rpath), "%s/got.ndjson", tmpdir);
	setenv("MBR_SPLIT_CHUNK", chunk, 1);
	T_EQ_I(mbr_reader_open(&c.rd, &ro, 1, files, &err), MBR_OK);
	T_EQ_I(mbr_rejects_open(&c.rj, rpath, 1, &err), MBR_OK);
	sp = mbr_split_new(&fns, &c, threads, c.rd, c.rj);
	while ((r = mbr_reader_next(c.rd, &rec, &err)) != MBR_READ_END) {
		T_EQ_I(r, MBR_READ_FILE);
		T_EQ_I(mbr_split_input(sp, &err), MBR_OK);
	}
	T_EQ_I(err.code, MBR_OK);
	T_EQ_I(mbr_reader_count(c.rd), c.nrec);
	mbr_split_free(sp);
	T_EQ_I(mbr_rejects_close(c.rj, 0, NULL, &err), MBR_OK);
	mbr_reader_free(c.rd);
	unsetenv("MBR_SPLIT_CHUNK");
	grej = slurp(rpath, &ng);
	if (c.got.n != want.n || memcmp(c.got.p, want.p, want.n) != 0) {
		printf("FAIL %s chunk %s threads %d: records differ\n", what,
		    chunk, threads);
		printf("--- want\n%s--- got\n%s", want.p, c.got.p);
		t_fail++;
	} else
		t_pass++;
	T_EQ_SN(grej, ng, wrej);
	T_EQ_I(c.prev_wrong, 0);
	free(wrej);
	free(grej);
	mbr_buf_release(&want);
	mbr_buf_release(&c.got);
}

static void
put(const char *path, const char *s, size_t n)
{
	FILE *f = fopen(path, "wb");

	fwrite(s, 1, n, f);
	fclose(f);
}

/* mbr_reader_rows_hint of a file: its records, from the first 64 KB
 * after the header. */
static unsigned long long
hint(const char *path)
{
	mbr_reader_opts ro = { 0 };
	mbr_reader *rd;
	mbr_err err = { 0 };
	mbr_rec rec;
	char *const files[] = { (char *)path };
	unsigned long long h = 0;

	if (mbr_reader_open(&rd, &ro, 1, files, &err) != MBR_OK)
		return ~0ULL;
	if (mbr_reader_next(rd, &rec, &err) == MBR_READ_FILE)
		h = mbr_reader_rows_hint(rd);
	mbr_reader_free(rd);
	return h;
}

/* 1000 rows of 18 bytes: about 1000.  The same behind 60000 blank
 * lines, which are no records: not 60000 more (it once promised 4
 * billion, and mbr-ingest sized its order-id set for them). */
static void
rows_hint(const char *dir)
{
	char path[512];
	mbr_buf b;
	unsigned long long h;
	int i;

	mbr_buf_init(&b);
	snprintf(path, sizeof(path), "%s/hint.csv", dir);
	mbr_buf_adds(&b, "id,name\n");
	for (i = 0; i < 1000; i++)
		mbr_buf_addf(&b, "%08d,abcdefgh\n", i);
	put(path, b.p, b.n);
	h = hint(path);
	T_OK(h >= 900 && h <= 1100);
	mbr_buf_reset(&b);
	mbr_buf_adds(&b, "id,name\n");
	for (i = 0; i < 60000; i++)
		mbr_buf_addc(&b, '\n');
	for (i = 0; i < 1000; i++)
		mbr_buf_addf(&b, "%08d,abcdefgh\n", i);
	put(path, b.p, b.n);
	h = hint(path);
	T_OK(h <= 1100);
	/* too few lines to tell */
	put(path, "id,name\n1,a\n", 12);
	T_EQ_I(hint(path), 0);
	mbr_buf_release(&b);
}

static const char *const chunks[] = { "1", "2", "3", "5", "8", "13", "64",
    "1000", "0" };

/* Every chunk size and thread count over one text. */
static void
all(const char *text, size_t n, const char *what)
{
	char path[512];
	size_t i;
	int t;

	snprintf(path, sizeof(path), "%s/in.csv", tmpdir);
	put(path, text, n);
	for (i = 0; i < sizeof(chunks) / sizeof(chunks[0]); i++)
		for (t = 1; t <= 3; t++)
			check(path, chunks[i], t, what);
}

static uint64_t rng = 88172645463325252ULL;

static unsigned
rnd(unsigned n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (unsigned)(rng % n);
}

/* A random CSV body of nrows under header a,b,c: quoted fields with
 * commas, quotes and line ends, blank lines, CRLF and lone CR, rows of
 * the wrong width, bad UTF-8, a NUL, a Chinese word. */
static size_t
random_csv(mbr_buf *b, int nrows)
{
	static const char *const atoms[] = { "x", "r", "12.50", "\xe4\xb8\xad",
	    "\"q,1\"", "\"a\"\"b\"", "\"l1\nl2\"", "\"c\r\nd\"", "",
	    "\"\"", "\xff", "long-long-long-value", "\"\n\n\"" };
	static const char *const ends[] = { "\n", "\n", "\n", "\r\n", "\r",
	    "\n\n", "\n \n" };
	int i, j, nf;

	mbr_buf_reset(b);
	mbr_buf_adds(b, "a,b,c\n");
	for (i = 0; i < nrows; i++) {
		nf = rnd(10) == 0 ? 2 + (int)rnd(3) : 3;
		for (j = 0; j < nf; j++) {
			if (j > 0)
				mbr_buf_addc(b, ',');
			mbr_buf_adds(b, atoms[rnd(sizeof(atoms) /
			    sizeof(atoms[0]))]);
		}
		if (rnd(50) == 0)
			mbr_buf_add(b, "\0", 1);
		mbr_buf_adds(b, ends[rnd(sizeof(ends) / sizeof(ends[0]))]);
	}
	return b->n;
}

int
main(void)
{
	char dir[] = "/tmp/test_split.XXXXXX";
	char path[512];
	mbr_buf b;
	int i;

	if (mkdtemp(dir) == NULL)
		return 1;
	tmpdir = dir;
	mbr_buf_init(&b);

	rows_hint(dir);
	all("a,b\n1,2\n3,4\n", 12, "plain");
	all("a,b\n1,2\n3,4", 11, "no last line end");
	all("a,b\n", 4, "header only");
	all("a,b\r\n1,2\r\n3,4\r\n\r\n", 18, "crlf");
	all("a,b\r1,2\r3,4\r", 12, "lone cr");
	all("a,b\n\n\n1,2\n\n3,4\n\n", 16, "blank lines");
	all("a,b\n\"x\ny\nz\",1\nr,\"\n\"\n", 20, "quoted line ends");
	all("a,b\n1,\"open\n2,3\n", 16, "unterminated quote");
	all("\xef\xbb\xbf" "a,b\nr,1\n2\n1,2,3\n", 20, "bom, widths");
	all("a,b\nx,1\nr,2\nx,3\n\"\xff\",4\nx,5\n", 26, "late rejects");

	/* A field longer than a read (256 KiB), cut anywhere. */
	mbr_buf_reset(&b);
	mbr_buf_adds(&b, "a,b\n1,\"");
	for (i = 0; i < 300000; i++)
		mbr_buf_addc(&b, i % 1000 == 999 ? '\n' : 'v');
	mbr_buf_adds(&b, "\"\nr,2\n3,4\n");
	snprintf(path, sizeof(path), "%s/in.csv", dir);
	put(path, b.p, b.n);
	check(path, "1", 2, "long field");
	check(path, "4096", 2, "long field");
	check(path, "100000", 3, "long field");

	for (i = 0; i < 40; i++) {
		char what[32];
		size_t n = random_csv(&b, 1 + (int)rnd(60));

		snprintf(what, sizeof(what), "random %d", i);
		snprintf(path, sizeof(path), "%s/in.csv", dir);
		put(path, b.p, n);
		check(path, (const char *[]){ "1", "3", "17", "50" }[i % 4],
		    1 + i % 3, what);
	}
	mbr_buf_release(&b);
	snprintf(path, sizeof(path), "%s/in.csv", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/ref.ndjson", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/got.ndjson", dir);
	unlink(path);
	rmdir(dir);
	return T_DONE();
}
