/* fuzz_csv: the CSV splitter (lib/mbr_csv.h) against libcsv.
 *
 * The first byte picks the delimiter and the largest chunk; the rest is
 * the text.  It is fed as the reader feeds it: the unconsumed tail,
 * topped up by chunks of pseudo-random size whenever 0 comes back, eof
 * with the last one, the tail flush with the end of its allocation so
 * that ASan sees a read past it.  Checked: mbr_csv_next, with every
 * line scan the machine has (memchr, SSE2, AVX-512), writes the same
 * transcript (bytes consumed, fields, lines, blank lines skipped, raw
 * text, error) as libcsv (mbr_csv_ref_next) read in one piece; a 0
 * return leaves the block unchanged; a record never claims more bytes
 * than it was given, and an error consumes all of them, at eof. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mbr_csv.h"
#include "fuzz.h"

typedef long (*nextfn)(char *, size_t, int, int, mbr_csvrec *, mbr_err *);

static void
addbytes(mbr_buf *t, const char *p, size_t n)
{
	mbr_buf_addf(t, "%zu:", n);
	mbr_buf_add(t, p, n);
}

/* Parses in[0..len) with fn in chunks of 1..maxchunk bytes into t. */
static void
run(nextfn fn, const char *in, size_t len, int delim, size_t maxchunk,
    uint32_t seed, mbr_buf *t)
{
	mbr_csvrec r;
	mbr_err err;
	size_t cap = len > 0 ? len : 1, beg = cap, pos = 0, k, i;
	char *buf = malloc(cap), *save = malloc(cap);
	int eof = len == 0;
	long rv;

	mbr_csvrec_init(&r);
	mbr_buf_reset(t);
	for (;;) {
		memcpy(save, buf + beg, cap - beg);
		memset(&err, 0, sizeof(err));
		rv = fn(buf + beg, cap - beg, eof, delim, &r, &err);
		if (rv > 0) {
			FUZZ_CHECK((size_t)rv <= cap - beg);
			mbr_buf_addf(t, "R %ld lines %lu skip %lu raw ", rv,
			    r.nlines, r.skipped);
			addbytes(t, r.raw, r.rawn);
			mbr_buf_addf(t, " nf %zu", r.nf);
			for (i = 0; i < r.nf; i++) {
				mbr_buf_addc(t, ' ');
				addbytes(t, r.f[i].p, r.f[i].n);
			}
			mbr_buf_addc(t, '\n');
			beg += (size_t)rv;
			continue;
		}
		if (rv < 0) {
			FUZZ_CHECK(eof && (size_t)-rv == cap - beg);
			mbr_buf_addf(t, "E %ld lines %lu skip %lu code %d "
			    "msg %s raw ", rv, r.nlines, r.skipped, err.code,
			    err.msg);
			addbytes(t, r.raw, r.rawn);
			mbr_buf_addc(t, '\n');
			break;
		}
		FUZZ_CHECK(memcmp(save, buf + beg, cap - beg) == 0);
		if (eof) {
			mbr_buf_addf(t, "Z %zu\n", cap - beg);
			break;
		}
		seed = seed * 1103515245u + 12345u;
		k = 1 + (seed >> 8) % maxchunk;
		if (k > len - pos)
			k = len - pos;
		memmove(buf + beg - k, buf + beg, cap - beg);
		beg -= k;
		memcpy(buf + cap - k, in + pos, k);
		pos += k;
		eof = pos == len;
	}
	free(save);
	free(buf);
	mbr_csvrec_release(&r);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const int delims[] = { ',', ';', '\t', '|' };
	const char *in = (const char *)data + 1;
	size_t len, maxchunk;
	mbr_buf want, got;
	int delim, level, top;

	if (size < 1)
		return 0;
	len = size - 1;
	delim = delims[data[0] & 3];
	maxchunk = (data[0] >> 2) == 0 ? (len > 0 ? len : 1) :
	    (size_t)(data[0] >> 2);
	mbr_buf_init(&want);
	mbr_buf_init(&got);
	run(mbr_csv_ref_next, in, len, delim, len > 0 ? len : 1, 0, &want);
	top = mbr_csv_impl(-1);
	for (level = 0; level <= top; level++) {
		if (mbr_csv_impl(level) != level)
			continue;
		run(mbr_csv_next, in, len, delim, maxchunk, (uint32_t)len,
		    &got);
		if (got.n != want.n || memcmp(got.p, want.p, got.n) != 0) {
			fprintf(stderr, "line scan %d differs from libcsv\n"
			    "--- libcsv\n%.*s--- mbr_csv_next\n%.*s", level,
			    (int)want.n, want.p, (int)got.n, got.p);
			abort();
		}
	}
	mbr_csv_impl(-1);
	mbr_buf_release(&want);
	mbr_buf_release(&got);
	return 0;
}
