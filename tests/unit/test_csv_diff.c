/* test_csv_diff.c: mbr_csv_next against libcsv (mbr_csv_ref_next).
 *
 * Both parse the same input as the reader would feed them: a buffer
 * holding the unconsumed tail, topped up by a chunk of random size
 * whenever 0 comes back, eof with the last chunk.  Each writes a
 * transcript of what it returned (consumed bytes, fields, nlines,
 * skipped, raw, error text); the transcripts must be identical, and
 * must not depend on the chunking.  Inputs are every file in the
 * corpus directory (argv[1], else tests/corpus/csv, from the repository
 * root), with each delimiter, and 20000 random strings over the bytes
 * that matter to the grammar.
 *
 * The unconsumed bytes always end where their allocation ends, so that
 * ASan sees a read past the block, and a 0 return must leave the
 * block unchanged (mbr_csv.h). */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mbr_csv.h"
#include "t.h"

typedef long (*nextfn)(char *, size_t, int, int, mbr_csvrec *, mbr_err *);

static uint64_t rng = 0x9e3779b97f4a7c15ULL;	/* fixed: reruns agree */

static uint64_t
xorshift(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static void
addbytes(mbr_buf *t, const char *p, size_t n)
{
	mbr_buf_addf(t, "%zu:", n);
	mbr_buf_add(t, p, n);
}

static long nrec, nerr, nmismatch;

/* Parses in[0..len) with fn, chunks of 1..maxchunk bytes, into t.
 * count: add the records and errors to the totals. */
static void
run(nextfn fn, const char *in, size_t len, int delim, size_t maxchunk,
    mbr_buf *t, int count)
{
	mbr_csvrec r;
	mbr_err err;
	size_t cap = len > 0 ? len : 1, beg = cap, pos = 0, k, i;
	char *buf = malloc(cap), *save = malloc(cap);
	int eof = len == 0;
	long rv;

	/* The unconsumed bytes are buf[beg..cap): flush with the end of
	 * the allocation, so that ASan catches a read past the block. */
	mbr_csvrec_init(&r);
	mbr_buf_reset(t);
	for (;;) {
		memcpy(save, buf + beg, cap - beg);
		memset(&err, 0, sizeof(err));
		rv = fn(buf + beg, cap - beg, eof, delim, &r, &err);
		if (rv > 0) {
			mbr_buf_addf(t, "R %ld lines %lu skip %lu raw ", rv,
			    r.nlines, r.skipped);
			addbytes(t, r.raw, r.rawn);
			mbr_buf_addf(t, " nf %zu", r.nf);
			for (i = 0; i < r.nf; i++) {
				mbr_buf_addc(t, ' ');
				addbytes(t, r.f[i].p, r.f[i].n);
			}
			mbr_buf_addc(t, '\n');
			nrec += count;
			if ((size_t)rv > cap - beg) {
				mbr_buf_adds(t, "OVERRUN\n");
				break;
			}
			beg += (size_t)rv;
			continue;
		}
		if (rv < 0) {
			mbr_buf_addf(t, "E %ld lines %lu skip %lu code %d "
			    "msg %s raw ", rv, r.nlines, r.skipped, err.code,
			    err.msg);
			addbytes(t, r.raw, r.rawn);
			mbr_buf_addc(t, '\n');
			nerr += count;
			if ((size_t)-rv != cap - beg || !eof)
				mbr_buf_adds(t, "BAD ERROR RETURN\n");
			break;
		}
		if (memcmp(save, buf + beg, cap - beg) != 0)
			mbr_buf_adds(t, "CHANGED ON 0\n");
		if (eof) {
			mbr_buf_addf(t, "Z %zu\n", cap - beg);
			break;
		}
		k = 1 + xorshift() % maxchunk;
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

static void
show(const char *what, const char *in, size_t len, int delim,
    const mbr_buf *want, const mbr_buf *got)
{
	size_t i;

	fprintf(stderr, "mismatch (%s), delim 0x%02x, input \"", what,
	    delim);
	for (i = 0; i < len && i < 200; i++)
		if (in[i] >= 0x20 && in[i] < 0x7f && in[i] != '"' &&
		    in[i] != '\\')
			fputc(in[i], stderr);
		else
			fprintf(stderr, "\\x%02x", (unsigned char)in[i]);
	fprintf(stderr, "\"\n--- libcsv\n%.*s--- mbr_csv_next\n%.*s",
	    (int)want->n, want->p, (int)got->n, got->p);
}

/* One input, one delimiter: libcsv once, ours with chunk limits cl. */
static int
diff(const char *in, size_t len, int delim, const size_t *cl, size_t ncl)
{
	mbr_buf want, got, again;
	size_t i;
	int ok = 1;

	mbr_buf_init(&want);
	mbr_buf_init(&got);
	mbr_buf_init(&again);
	run(mbr_csv_ref_next, in, len, delim, cl[0], &want, 1);
	for (i = 0; i < ncl && ok; i++) {
		run(mbr_csv_next, in, len, delim, cl[i], &got, 0);
		if (got.n != want.n || memcmp(got.p, want.p, got.n) != 0) {
			if (nmismatch++ < 5)
				show("mbr_csv_next", in, len, delim, &want,
				    &got);
			ok = 0;
		}
	}
	/* The reference must not depend on the chunking either. */
	run(mbr_csv_ref_next, in, len, delim, cl[ncl - 1], &again, 0);
	if (ok && (again.n != want.n ||
	    memcmp(again.p, want.p, want.n) != 0)) {
		if (nmismatch++ < 5)
			show("libcsv chunked", in, len, delim, &want, &again);
		ok = 0;
	}
	mbr_buf_release(&want);
	mbr_buf_release(&got);
	mbr_buf_release(&again);
	return ok;
}

static int
cmpname(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void
corpus(const char *dir)
{
	static const int delims[] = { ',', ';', '\t', '|' };
	struct dirent *de;
	DIR *d;
	FILE *fp;
	char **names = NULL, path[4096], *in;
	size_t nn = 0, i, j, len, cl[5];
	int ok;

	if ((d = opendir(dir)) == NULL) {
		fprintf(stderr, "test_csv_diff: %s: cannot open\n", dir);
		T_OK(0);
		return;
	}
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		names = realloc(names, (nn + 1) * sizeof(names[0]));
		names[nn++] = strdup(de->d_name);
	}
	closedir(d);
	if (nn > 0)
		qsort(names, nn, sizeof(names[0]), cmpname);
	T_OK(nn >= 20);
	for (i = 0; i < nn; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		if ((fp = fopen(path, "rb")) == NULL) {
			T_OK(0);
			continue;
		}
		fseek(fp, 0, SEEK_END);
		len = (size_t)ftell(fp);
		rewind(fp);
		in = malloc(len + 1);
		T_OK(fread(in, 1, len, fp) == len);
		fclose(fp);
		/* Byte by byte on the small files; on the long fields that
		 * would be quadratic, each call rescanning the open field. */
		cl[0] = len / 32 + 1;
		cl[1] = len / 8 + 3;
		cl[2] = 4096;
		cl[3] = 65536 + 7;
		cl[4] = len + 1;
		for (j = 0; j < 4; j++) {
			ok = diff(in, len, delims[j], cl, 5);
			if (!ok)
				fprintf(stderr, "corpus file %s\n", names[i]);
			T_OK(ok);
		}
		free(in);
		free(names[i]);
	}
	free(names);
}

/* Random strings over the bytes that steer the grammar, weighted so
 * that quotes, line ends and delimiters come often.  Every other one
 * is long and sparse instead (inputs of 40 to 440 bytes, a special byte
 * now and then), for the fast path's 64-byte steps and their edges. */
static void
randomized(void)
{
	static const char *const alpha[] = {
		"a", "a", "a", "a", "b", ",", ",", ";", "\"", "\"", "\"",
		"\r", "\n", "\n", "\r\n", "", " ", "\xc3\xa9", "\t", "|"
	};
	static const int delims[] = { ',', ',', ',', ';', ';', '\t', '|' };
	static const size_t cl[] = { 1, 3, 64 }, cls[] = { 9, 64, 1000 };
	char in[1024];
	size_t len, want, i, k, sparse;
	long bad = 0, n;

	for (n = 0; n < 20000; n++) {
		sparse = n % 2 ? 30 + xorshift() % 300 : 0;
		want = sparse ? 40 + xorshift() % 400 : xorshift() % 48;
		len = 0;
		while (len < want) {
			if (sparse && xorshift() % sparse != 0) {
				in[len++] = xorshift() % 8 ? 'x' :
				    ",;\t|"[xorshift() % 4];
				continue;
			}
			i = xorshift() % (sizeof(alpha) / sizeof(alpha[0]));
			if (alpha[i][0] == '\0')
				in[len++] = '\0';	/* NUL */
			else {
				k = strlen(alpha[i]);
				memcpy(in + len, alpha[i], k);
				len += k;
			}
		}
		bad += !diff(in, len, delims[xorshift() % 7],
		    sparse ? cls : cl, 3);
	}
	T_EQ_I(bad, 0);
}

int
main(int argc, char *argv[])
{
	int level, best = mbr_csv_impl(-1);

	/* every way of scanning a line this build and CPU have */
	for (level = 0; level <= best; level++) {
		T_EQ_I(mbr_csv_impl(level), level);
		corpus(argc > 1 ? argv[1] : "tests/corpus/csv");
		randomized();
	}
	mbr_csv_impl(-1);
	/* Not vacuous: plenty of records and of errors were compared. */
	printf("compared %ld records, %ld inputs ending in an error\n",
	    nrec, nerr);
	T_OK(nrec > 30000);
	T_OK(nerr > 2000);
	return T_DONE();
}
