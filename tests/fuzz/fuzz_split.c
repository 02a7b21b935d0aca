/* fuzz_split: the chunk splitter (lib/mbr_split.h) against the plain
 * reader.
 *
 * The first byte chooses the chunk size (MBR_SPLIT_CHUNK, 1 to 64
 * bytes, so that a small input is cut everywhere) and 1 or 2 threads;
 * the rest is a CSV file (a memfd, so a regular file that mbr_split
 * cuts).  As tests/unit/test_split.c does, it is read once by
 * mbr_reader_next alone and once through mbr_split_input, each record
 * written as its line, verdict, reason, raw text and fields by name,
 * bad records rejected (a rejects file each, also a memfd).  Checked:
 * the same records with the same lines and the same bad reasons, in
 * the same order, the same rejects file, and the same count. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mbr_buf.h"
#include "mbr_reader.h"
#include "mbr_reject.h"
#include "mbr_split.h"
#include "fuzz.h"

struct item {
	unsigned long	 line;
	const char	*text;
	size_t		 n;
};

struct ctx {
	mbr_reader	*rd;
	mbr_buf		 got;
	unsigned long	 nrec;
};

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

static void
begin(void *vc, mbr_chunk *ck, void *vs, const void *prev, int after)
{
}

static void
map(void *vc, mbr_chunk *ck, void *vs, const mbr_rec *rec)
{
	struct ctx *c = vc;
	struct item *it;
	mbr_buf b;
	void *x;

	mbr_buf_init(&b);
	describe(&b, c->rd, rec);
	it = mbr_chunk_add(ck, b.n, &x);
	memcpy(x, b.p, b.n);
	it->text = x;
	it->n = b.n;
	it->line = rec->line;
	mbr_buf_release(&b);
	if (rec->bad != NULL)
		mbr_chunk_reject(ck, rec, rec->bad, rec->why);
}

static int
commit(void *vc, mbr_chunk *ck, void *vs, mbr_err *err)
{
	struct ctx *c = vc;
	struct item *it;
	size_t n, i;

	it = mbr_chunk_items(ck, &n);
	for (i = 0; i < n; i++) {
		mbr_buf_addf(&c->got, "%lu", it[i].line + mbr_chunk_line(ck));
		mbr_buf_add(&c->got, it[i].text, it[i].n);
	}
	c->nrec += n;
	return MBR_OK;
}

/* Reads files alone into out, rejecting into rjpath. */
static void
reference(char *const files[], const char *rjpath, mbr_buf *out)
{
	mbr_reader_opts ro = { 0 };
	mbr_reader *rd;
	mbr_rejects *rj;
	mbr_err err = { 0 };
	mbr_rec rec;
	int r;

	FUZZ_CHECK(mbr_reader_open(&rd, &ro, 1, files, &err) == MBR_OK);
	FUZZ_CHECK(mbr_rejects_open(&rj, rjpath, 1, &err) == MBR_OK);
	while ((r = mbr_reader_next(rd, &rec, &err)) != MBR_READ_END) {
		if (r != MBR_READ_REC)
			continue;
		mbr_buf_addf(out, "%lu", rec.line);
		describe(out, rd, &rec);
		if (rec.bad != NULL)
			mbr_reject(rj, rd, &rec, rec.bad, rec.why);
	}
	mbr_buf_addf(out, "end %d %s\n", err.code,
	    err.code != MBR_OK ? err.msg : "");
	FUZZ_CHECK(mbr_rejects_close(rj, 0, NULL, &err) == MBR_OK);
	mbr_reader_free(rd);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const mbr_split_fns fns = { sizeof(struct item), 0, begin,
	    map, commit };
	mbr_reader_opts ro = { 0 };
	mbr_rejects *rj;
	mbr_split *sp;
	mbr_err err = { 0 };
	mbr_rec rec;
	struct ctx c;
	mbr_buf want;
	char path[24], rwant[24], rgot[24], chunk[8];
	char *files[1] = { path };
	char *wrej, *grej;
	size_t nw, ng;
	int fd, fw, fg, r;

	if (size < 1)
		return 0;
	if ((fd = fuzz_memfd(data + 1, size - 1, path)) < 0)
		return 0;
	fw = fuzz_memfd("", 0, rwant);
	fg = fuzz_memfd("", 0, rgot);
	FUZZ_CHECK(fw >= 0 && fg >= 0);
	mbr_buf_init(&want);
	reference(files, rwant, &want);

	memset(&c, 0, sizeof(c));
	mbr_buf_init(&c.got);
	snprintf(chunk, sizeof(chunk), "%d", 1 + (data[0] & 63));
	setenv("MBR_SPLIT_CHUNK", chunk, 1);
	FUZZ_CHECK(mbr_reader_open(&c.rd, &ro, 1, files, &err) == MBR_OK);
	FUZZ_CHECK(mbr_rejects_open(&rj, rgot, 1, &err) == MBR_OK);
	sp = mbr_split_new(&fns, &c, data[0] & 64 ? 2 : 1, c.rd, rj);
	while ((r = mbr_reader_next(c.rd, &rec, &err)) != MBR_READ_END) {
		FUZZ_CHECK(r == MBR_READ_FILE);
		if (mbr_split_input(sp, &err) != MBR_OK)
			break;
	}
	mbr_buf_addf(&c.got, "end %d %s\n", err.code,
	    err.code != MBR_OK ? err.msg : "");
	FUZZ_CHECK(mbr_reader_count(c.rd) == c.nrec);
	mbr_split_free(sp);
	FUZZ_CHECK(mbr_rejects_close(rj, 0, NULL, &err) == MBR_OK);
	mbr_reader_free(c.rd);
	unsetenv("MBR_SPLIT_CHUNK");

	if (c.got.n != want.n || memcmp(c.got.p, want.p, want.n) != 0) {
		fprintf(stderr, "records differ (chunk %s, threads %d)\n"
		    "--- reader\n", chunk, data[0] & 64 ? 2 : 1);
		fwrite(want.p, 1, want.n, stderr);
		fputs("--- split\n", stderr);
		fwrite(c.got.p, 1, c.got.n, stderr);
		abort();
	}
	wrej = fuzz_slurp(fw, &nw);
	grej = fuzz_slurp(fg, &ng);
	if (nw != ng || memcmp(wrej, grej, nw) != 0) {
		fputs("rejects differ\n--- reader\n", stderr);
		fwrite(wrej, 1, nw, stderr);
		fputs("--- split\n", stderr);
		fwrite(grej, 1, ng, stderr);
		abort();
	}
	free(wrej);
	free(grej);
	mbr_buf_release(&want);
	mbr_buf_release(&c.got);
	close(fd);
	close(fw);
	close(fg);
	return 0;
}
