/* test_reader.c: mbr_reader's header and input bookkeeping.
 *
 * The readers' parsing is tested against libcsv and jansson elsewhere
 * (test_csv_diff, test_ndjson_diff); here, what the record reader adds
 * over them: the names a header's repeats get, and what a record says
 * about the input it came from. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "mbr_csv.h"
#include "mbr_reader.h"
#include "t.h"

static char dir[] = "/tmp/test_reader.XXXXXX";

/* Writes text to dir/name; returns the path (static). */
static const char *
put(const char *name, const char *text, size_t n)
{
	static char path[8][256];
	static int k;
	char *p = path[k++ % 8];
	FILE *f;

	snprintf(p, 256, "%s/%s", dir, name);
	if ((f = fopen(p, "w")) == NULL || fwrite(text, 1, n, f) != n ||
	    fclose(f) != 0) {
		perror(p);
		exit(2);
	}
	return p;
}

/* The column names of the current header, joined with spaces. */
static void
names(mbr_reader *rd, char *out, size_t cap)
{
	const int *h;
	size_t n, i, len = 0;

	h = mbr_reader_header(rd, &n);
	out[0] = '\0';
	for (i = 0; i < n && len < cap; i++) {
		mbr_slice s = mbr_reader_colname(rd, h[i]);

		len += (size_t)snprintf(out + len, cap - len, "%s%.*s",
		    i ? " " : "", (int)s.n, s.p);
	}
}

/* A repeated name is numbered from 2, past names the header itself
 * has; every input numbers its own repeats from 2 again, so that a
 * name means one column in every file. */
static void
test_repeats(void)
{
	const char *a = put("a.csv", "a,a,a_2,a,b\n1,2,3,4,5\n", 22);
	const char *b = put("b.csv", "b,a,a\n6,7,8\n", 12);
	char *files[] = { (char *)a, (char *)b }, got[256];
	mbr_reader_opts ro = { 0 };
	mbr_reader *rd;
	mbr_err err = { 0 };
	mbr_rec rec;

	T_EQ_I(mbr_reader_open(&rd, &ro, 2, files, &err), MBR_OK);
	T_EQ_I(mbr_reader_next(rd, &rec, &err), MBR_READ_FILE);
	names(rd, got, sizeof(got));
	T_EQ_S(got, "a a_2 a_2_2 a_3 b");
	T_OK(mbr_reader_has(rd, mbr_reader_col(rd, "a_3", 3)));
	T_OK(!mbr_reader_has(rd, mbr_reader_col(rd, "a_4", 3)));
	T_EQ_I(mbr_reader_next(rd, &rec, &err), MBR_READ_REC);
	T_EQ_SN(rec.f[mbr_reader_col(rd, "a_2_2", 5)].p, 1, "3");
	T_EQ_I(mbr_reader_next(rd, &rec, &err), MBR_READ_FILE);
	names(rd, got, sizeof(got));
	T_EQ_S(got, "b a a_2");
	T_OK(!mbr_reader_has(rd, mbr_reader_col(rd, "a_3", 3)));
	T_OK(mbr_reader_has(rd, mbr_reader_col(rd, "b", 1)));
	T_EQ_I(mbr_reader_next(rd, &rec, &err), MBR_READ_REC);
	T_EQ_SN(rec.f[mbr_reader_col(rd, "a_2", 3)].p, 1, "8");
	T_EQ_I(mbr_reader_next(rd, &rec, &err), MBR_READ_END);
	T_EQ_I(err.code, MBR_OK);
	mbr_reader_free(rd);
}

/* 20,001 empty names are "", _2, ..., _20001, read in linear time (it
 * was cubic: minutes; the suite's timeout catches a relapse). */
static void
test_many_repeats(void)
{
	size_t n = 20000, i;
	char *text = malloc(2 * n + 4), *files[1];
	mbr_reader_opts ro = { 0 };
	mbr_reader *rd;
	mbr_err err = { 0 };
	mbr_rec rec;
	const int *h;
	size_t nh;
	mbr_slice last;

	for (i = 0; i < n; i++)
		text[i] = ',';
	text[n] = '\n';
	for (i = 0; i < n; i++)
		text[n + 1 + i] = ',';
	memcpy(text + 2 * n + 1, "x\n", 2);
	files[0] = (char *)put("many.csv", text, 2 * n + 3);
	free(text);
	T_EQ_I(mbr_reader_open(&rd, &ro, 1, files, &err), MBR_OK);
	T_EQ_I(mbr_reader_next(rd, &rec, &err), MBR_READ_FILE);
	h = mbr_reader_header(rd, &nh);
	T_EQ_I(nh, n + 1);
	T_EQ_SN(mbr_reader_colname(rd, h[0]).p, 0, "");
	T_EQ_SN(mbr_reader_colname(rd, h[1]).p, 2, "_2");
	last = mbr_reader_colname(rd, h[n]);
	T_EQ_SN(last.p, last.n, "_20001");
	T_EQ_I(mbr_reader_next(rd, &rec, &err), MBR_READ_REC);
	T_EQ_SN(rec.f[h[n]].p, rec.f[h[n]].n, "x");
	mbr_reader_free(rd);
}

/* MBR_READ_FILE names the input that begins (mbr-rfm printed the name
 * of a file missing a column from a record not yet set). */
static void
test_file_named(void)
{
	const char *a = put("one.csv", "x\n1\n", 4);
	const char *b = put("two.ndjson", "{\"x\":2}\n", 8);
	char *files[] = { (char *)a, (char *)b };
	mbr_reader_opts ro = { 0 };
	mbr_reader *rd;
	mbr_err err = { 0 };
	mbr_rec rec;

	memset(&rec, 0x5a, sizeof(rec));
	T_EQ_I(mbr_reader_open(&rd, &ro, 2, files, &err), MBR_OK);
	T_EQ_I(mbr_reader_next(rd, &rec, &err), MBR_READ_FILE);
	T_EQ_S(rec.file, a);
	T_EQ_I(rec.fileno, 0);
	T_EQ_I(mbr_reader_next(rd, &rec, &err), MBR_READ_REC);
	memset(&rec, 0x5a, sizeof(rec));
	T_EQ_I(mbr_reader_next(rd, &rec, &err), MBR_READ_FILE);
	T_EQ_S(rec.file, b);
	T_EQ_I(rec.fileno, 1);
	mbr_reader_free(rd);
}

/* Reads every record of one file; writes each as "line:f1|f2|..." (or
 * "line:bad:why"), joined with spaces, to out. */
static void
read_all(const mbr_reader_opts *ro, const char *path, char *out,
    size_t cap)
{
	char *files[] = { (char *)path };
	mbr_reader *rd;
	mbr_err err = { 0 };
	mbr_rec rec;
	size_t len = 0, i;
	int r;

	out[0] = '\0';
	T_EQ_I(mbr_reader_open(&rd, ro, 1, files, &err), MBR_OK);
	while ((r = mbr_reader_next(rd, &rec, &err)) != MBR_READ_END) {
		const int *h;
		size_t nh;

		if (r == MBR_READ_FILE)
			continue;
		len += (size_t)snprintf(out + len, cap - len, "%s%lu:",
		    len ? " " : "", rec.line);
		if (rec.bad != NULL) {
			len += (size_t)snprintf(out + len, cap - len,
			    "bad:%s", rec.why);
			continue;
		}
		h = mbr_reader_header(rd, &nh);
		for (i = 0; i < nh; i++) {
			mbr_slice v = rec.f[h[i]];
			mbr_slice k = mbr_reader_colname(rd, h[i]);

			len += (size_t)snprintf(out + len, cap - len,
			    "%s%.*s=%.*s", i ? "|" : "", (int)k.n, k.p,
			    (int)v.n, v.p);
		}
	}
	T_EQ_I(err.code, MBR_OK);
	mbr_reader_free(rd);
}

/* Runs of blanks (CDNOW's aligned columns), named by --columns or by
 * the file's first line, or by --columns over a first line dropped. */
static void
test_blanks_and_columns(void)
{
	/* the first five lines of CDNOW_master.txt, CRLF as there */
	static const char cdnow[] =
	    " customer_id  date number_of_cds  dollar_value\r\n"
	    " 00001 19970101  1   11.77\r\n"
	    " 00002 19970112  1   12.00\r\n"
	    "   \t \r\n"
	    " 00002 19970112  5   77.00\r\n"
	    " 00003 19970102  2\r\n";
	const char *f = put("cdnow.txt", cdnow, sizeof(cdnow) - 1);
	const char *g = put("plain.csv", "1,2\n3,4\n", 8);
	mbr_reader_opts ro = { 0 };
	char got[1024];

	ro.delim = MBR_CSV_BLANKS;
	read_all(&ro, f, got, sizeof(got));
	T_EQ_S(got, "2:customer_id=00001|date=19970101|number_of_cds=1|"
	    "dollar_value=11.77 3:customer_id=00002|date=19970112|"
	    "number_of_cds=1|dollar_value=12.00 5:customer_id=00002|"
	    "date=19970112|number_of_cds=5|dollar_value=77.00 "
	    "6:bad:row has 3 fields, header has 4");
	ro.columns = "id,day,cds,usd";
	ro.skip_header = 1;
	read_all(&ro, f, got, sizeof(got));
	T_EQ_S(got, "2:id=00001|day=19970101|cds=1|usd=11.77 "
	    "3:id=00002|day=19970112|cds=1|usd=12.00 "
	    "5:id=00002|day=19970112|cds=5|usd=77.00 "
	    "6:bad:row has 3 fields, header has 4");
	/* without a header, the first line is data, its delimiter
	 * sniffed */
	memset(&ro, 0, sizeof(ro));
	ro.columns = "a, b";
	read_all(&ro, g, got, sizeof(got));
	T_EQ_S(got, "1:a=1|b=2 2:a=3|b=4");
	ro.columns = "x,x";
	read_all(&ro, g, got, sizeof(got));
	T_EQ_S(got, "1:x=1|x_2=2 2:x=3|x_2=4");
	ro.skip_header = 1;
	read_all(&ro, g, got, sizeof(got));
	T_EQ_S(got, "2:x=3|x_2=4");
	/* a title above the header, a quote and no delimiter in it */
	memset(&ro, 0, sizeof(ro));
	ro.skip_header = 1;
	f = put("title.csv", "\"Orders; 2024\nid;amt\n1;2\n", 24);
	read_all(&ro, f, got, sizeof(got));
	T_EQ_S(got, "3:id=1|amt=2");
}

int
main(void)
{
	char cmd[300];
	int rc;

	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 2;
	}
	test_repeats();
	test_many_repeats();
	test_file_named();
	test_blanks_and_columns();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	rc = T_DONE();
	return system(cmd) != 0 ? 2 : rc;
}
