/* readspeed: the record reader alone, for `make bench` and the notes.
 *
 *	readspeed [file ...]
 *
 * Reads every record through mbr_reader (block reads, CSV or NDJSON
 * parsing, UTF-8 and NUL checks, fields by column) and prints records,
 * bytes, seconds and MB/s on stderr. */
#include <stdio.h>
#include <time.h>

#include "mbr_reader.h"

int
main(int argc, char *argv[])
{
	mbr_reader_opts o = { 0 };
	mbr_reader *rd;
	mbr_rec rec;
	mbr_err err = { 0 };
	struct timespec t0, t1;
	unsigned long long n = 0, bad = 0, fields = 0;
	double s;
	int r;

	mbr_setprogname("readspeed");
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (mbr_reader_open(&rd, &o, argc - 1, argv + 1, &err) != MBR_OK)
		return mbr_err_print(&err);
	while ((r = mbr_reader_next(rd, &rec, &err)) != MBR_READ_END) {
		if (r != MBR_READ_REC)
			continue;
		n++;
		bad += rec.bad != NULL;
		fields += rec.n;
	}
	if (err.code != MBR_OK)
		return mbr_err_print(&err);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	s = (double)(t1.tv_sec - t0.tv_sec) +
	    (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	fprintf(stderr, "%llu records (%llu bad, %llu fields), %llu bytes, "
	    "%.3f s, %.0f MB/s\n", n, bad, fields, mbr_reader_bytes(rd), s,
	    (double)mbr_reader_bytes(rd) / s / 1e6);
	mbr_reader_free(rd);
	return 0;
}
