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
 * strings; the count of records is what was returned. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

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

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const enc[] = { NULL, "utf-8", "gb18030",
	    "utf-16" };
	static const int fmt[] = { MBR_FMT_AUTO, MBR_FMT_CSV, MBR_FMT_NDJSON,
	    MBR_FMT_AUTO };
	static const int delim[] = { 0, ',', ';', '\t' };
	mbr_reader_opts o = { 0 };
	mbr_reader *rd;
	mbr_err err = { 0 };
	mbr_rec rec;
	char path[24];
	char *files[2];
	unsigned char *z = NULL;
	const uint8_t *body;
	size_t n, i;
	unsigned long long nrec = 0;
	unsigned long line = 0;
	int fd, r, nfiles, cur = -1;

	if (size < 1 || fuzz_wide_header(data + 1, size - 1, 256))
		return 0;
	o.encoding = enc[data[0] & 3];
	o.format = fmt[(data[0] >> 3) & 3];
	o.delim = delim[(data[0] >> 5) & 3];
	nfiles = data[0] & 0x80 ? 2 : 1;
	body = data + 1;
	n = size - 1;
	if (data[0] & 4) {
		z = gzip(body, n, &n);
		body = z;
	}
	fd = fuzz_memfd(body, n, path);
	free(z);
	if (fd < 0)
		return 0;
	files[0] = files[1] = path;
	if (mbr_reader_open(&rd, &o, nfiles, files, &err) != MBR_OK) {
		FUZZ_CHECK(err.code != MBR_OK && err.msg[0] != '\0');
		close(fd);
		return 0;
	}
	while ((r = mbr_reader_next(rd, &rec, &err)) != MBR_READ_END) {
		if (r == MBR_READ_FILE) {
			FUZZ_CHECK(mbr_reader_current(rd) == cur + 1);
			cur++;
			line = 0;
			continue;
		}
		FUZZ_CHECK(r == MBR_READ_REC);
		FUZZ_CHECK(rec.fileno == cur);
		FUZZ_CHECK(rec.line >= line);
		line = rec.line;
		nrec++;
		if (rec.bad != NULL) {
			FUZZ_CHECK(rec.why != NULL && rec.why[0] != '\0');
			FUZZ_CHECK(rec.n == 0);
			continue;
		}
		for (i = 0; i < rec.n; i++) {
			int c = rec.order[i];
			mbr_slice v = rec.f[c];

			FUZZ_CHECK(c >= 0 && c < mbr_reader_ncols(rd));
			FUZZ_CHECK(v.p != NULL);
			FUZZ_CHECK(mbr_reader_colname(rd, c).p != NULL);
			if (rec.type[c] != MBR_V_STR)
				continue;
			FUZZ_CHECK(mbr_utf8_check(v.p, v.n) == v.n);
			FUZZ_CHECK(memchr(v.p, '\0', v.n) == NULL);
		}
	}
	if (err.code != MBR_OK)
		FUZZ_CHECK(err.msg[0] != '\0');
	else
		FUZZ_CHECK(cur == nfiles - 1);
	FUZZ_CHECK(mbr_reader_count(rd) == nrec);
	mbr_reader_free(rd);
	close(fd);
	return 0;
}
