/* fuzz_reader: the record reader (lib/mbr_reader.h) over a file.
 *
 * The first byte chooses how the rest is read: bits 0-1 the encoding
 * (UTF-8 by default, "utf-8", "gb18030", "utf-16"), bit 2 whether the
 * file is gzipped (compressed here with zlib), bits 3-4 the format
 * (auto, csv, ndjson), bits 5-6 the CSV separator (sniffed, ',', ';',
 * TAB), bit 7 whether the file is named twice (two inputs sharing
 * columns).  The rest is written to a memfd, named /proc/self/fd/N, and
 * every record read to the end.  Checked, beyond the sanitizers: the
 * reader ends with MBR_OK, or an error with a message; every input
 * begins once, in order; lines do not go back within an input; a bad
 * record has a reason and a message and no fields; a good one's fields
 * are present, within the columns, and valid UTF-8 without NUL when
 * strings; the count of records is what was returned.  When gzipped,
 * the same text is also read as it is, and the two give the same
 * records (lines, reasons, raw text, fields) and the same end. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "mbr_buf.h"
#include "mbr_reader.h"
#include "mbr_utf8.h"
#include "fuzz.h"

/* p[0..n) as one gzip member, malloc'd; its length in *out. */
static unsigned char *
gzip(const uint8_t *p, size_t n, size_t *out)
{
	z_stream z;
	unsigned char *b;
	size_t cap = n + n / 100 + 64;

	memset(&z, 0, sizeof(z));
	FUZZ_CHECK(deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8,
	    Z_DEFAULT_STRATEGY) == Z_OK);
	cap = deflateBound(&z, n);
	b = malloc(cap);
	z.next_in = (unsigned char *)p;
	z.avail_in = (uInt)n;
	z.next_out = b;
	z.avail_out = (uInt)cap;
	FUZZ_CHECK(deflate(&z, Z_FINISH) == Z_STREAM_END);
	*out = z.total_out;
	deflateEnd(&z);
	return b;
}

/* Reads p[0..n) as nfiles inputs under o, checking each record, and
 * writes what was read to t. */
static void
readall(const mbr_reader_opts *o, int nfiles, const void *p, size_t n,
    mbr_buf *t)
{
	mbr_reader *rd;
	mbr_err err = { 0 };
	mbr_rec rec;
	char path[24];
	char *files[2];
	size_t i;
	unsigned long long nrec = 0;
	unsigned long line = 0;
	int fd, r, cur = -1;

	if ((fd = fuzz_memfd(p, n, path)) < 0)
		abort();
	files[0] = files[1] = path;
	if (mbr_reader_open(&rd, o, nfiles, files, &err) != MBR_OK) {
		FUZZ_CHECK(err.code != MBR_OK && err.msg[0] != '\0');
		mbr_buf_addf(t, "open %d %s\n", err.code, err.msg);
		close(fd);
		return;
	}
	while ((r = mbr_reader_next(rd, &rec, &err)) != MBR_READ_END) {
		if (r == MBR_READ_FILE) {
			FUZZ_CHECK(mbr_reader_current(rd) == cur + 1);
			cur++;
			line = 0;
			mbr_buf_adds(t, "file\n");
			continue;
		}
		FUZZ_CHECK(r == MBR_READ_REC);
		FUZZ_CHECK(rec.fileno == cur);
		FUZZ_CHECK(rec.line >= line);
		line = rec.line;
		nrec++;
		mbr_buf_addf(t, "%lu|%s|%s|", rec.line, rec.bad ? rec.bad : "-",
		    rec.bad ? rec.why : "-");
		mbr_buf_add(t, rec.raw.p, rec.raw.n);
		if (rec.bad != NULL) {
			FUZZ_CHECK(rec.why != NULL && rec.why[0] != '\0');
			FUZZ_CHECK(rec.n == 0);
		}
		for (i = 0; i < rec.n; i++) {
			int c = rec.order[i];
			mbr_slice v = rec.f[c];
			mbr_slice nm = mbr_reader_colname(rd, c);

			FUZZ_CHECK(c >= 0 && c < mbr_reader_ncols(rd));
			FUZZ_CHECK(v.p != NULL && nm.p != NULL);
			mbr_buf_addf(t, "|%d:", rec.type[c]);
			mbr_buf_add(t, nm.p, nm.n);
			mbr_buf_addc(t, '=');
			mbr_buf_add(t, v.p, v.n);
			if (rec.type[c] != MBR_V_STR)
				continue;
			FUZZ_CHECK(mbr_utf8_check(v.p, v.n) == v.n);
			FUZZ_CHECK(memchr(v.p, '\0', v.n) == NULL);
		}
		mbr_buf_addc(t, '\n');
	}
	if (err.code != MBR_OK)
		FUZZ_CHECK(err.msg[0] != '\0');
	else
		FUZZ_CHECK(cur == nfiles - 1);
	mbr_buf_addf(t, "end %d %s\n", err.code,
	    err.code != MBR_OK ? err.msg : "");
	FUZZ_CHECK(mbr_reader_count(rd) == nrec);
	mbr_reader_free(rd);
	close(fd);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const enc[] = { NULL, "utf-8", "gb18030",
	    "utf-16" };
	static const int fmt[] = { MBR_FMT_AUTO, MBR_FMT_CSV, MBR_FMT_NDJSON,
	    MBR_FMT_AUTO };
	static const int delim[] = { 0, ',', ';', '\t' };
	mbr_reader_opts o = { 0 };
	mbr_buf plain, gz;
	unsigned char *z;
	size_t n;
	int nfiles;

	if (size < 1)
		return 0;
	o.encoding = enc[data[0] & 3];
	o.format = fmt[(data[0] >> 3) & 3];
	o.delim = delim[(data[0] >> 5) & 3];
	nfiles = data[0] & 0x80 ? 2 : 1;
	mbr_buf_init(&plain);
	mbr_buf_init(&gz);
	readall(&o, nfiles, data + 1, size - 1, &plain);
	if (data[0] & 4) {
		z = gzip(data + 1, size - 1, &n);
		readall(&o, nfiles, z, n, &gz);
		free(z);
		if (gz.n != plain.n || memcmp(gz.p, plain.p, gz.n) != 0) {
			fputs("gzipped and plain differ\n--- plain\n", stderr);
			fwrite(plain.p, 1, plain.n, stderr);
			fputs("--- gzipped\n", stderr);
			fwrite(gz.p, 1, gz.n, stderr);
			abort();
		}
	}
	mbr_buf_release(&plain);
	mbr_buf_release(&gz);
	return 0;
}
