/* test_writer.c: a record written by position (mbr_writer_row) is the
 * record written by name, in CSV and NDJSON, from the writer itself and
 * from a fork; a row of another width is refused.
 *
 * The expected text is written out by hand from RFC 4180 and JSON. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mbr_writer.h"
#include "t.h"

static const char *const names[5] = { "id", "n", "ts", "note", "gone" };
static const mbr_slice vals[5] = {
	{ "a,b", 3 }, { "42", 2 }, { "2024-01-02T03:04:05+08:00", 25 },
	{ "say \"hi\"", 8 }, { "null", 4 }
};
static const uint8_t types[5] = { MBR_V_STR, MBR_V_NUM, MBR_V_PLAIN,
	MBR_V_STR, MBR_V_NULL };

/* Writes the record by name, then by position (on w, or on a fork of w
 * put back into it), and returns the file's text. */
static char *
write_both(int format, int fork)
{
	char path[] = "/tmp/mbr-test-writer-XXXXXX", *text;
	mbr_writer *w, *f;
	mbr_err err;
	FILE *fp;
	long n;
	int fd = mkstemp(path), i;

	memset(&err, 0, sizeof(err));
	close(fd);
	T_EQ_I(mbr_writer_open(&w, path, format, 0, ',', &err), MBR_OK);
	for (i = 0; i < 5; i++)
		mbr_writer_field(w, (mbr_slice){ names[i], strlen(names[i]) },
		    vals[i], types[i]);
	T_EQ_I(mbr_writer_end(w, &err), MBR_OK);
	if (fork) {
		f = mbr_writer_fork(w);
		T_EQ_I(mbr_writer_row(f, vals, types, 5, &err), MBR_OK);
		mbr_writer_put(w, f);
		mbr_writer_close(f, NULL);
	} else
		T_EQ_I(mbr_writer_row(w, vals, types, 5, &err), MBR_OK);
	/* one field short: refused, and nothing of it written */
	T_EQ_I(mbr_writer_row(w, vals, types, 4, &err), MBR_EDATA);
	T_EQ_I(mbr_writer_count(w), 2);
	T_EQ_I(mbr_writer_close(w, &err), MBR_OK);
	fp = fopen(path, "r");
	fseek(fp, 0, SEEK_END);
	n = ftell(fp);
	rewind(fp);
	text = calloc(1, (size_t)n + 1);
	T_EQ_I(fread(text, 1, (size_t)n, fp), n);
	fclose(fp);
	unlink(path);
	return text;
}

int
main(void)
{
	static const char csv[] =
	    "id,n,ts,note,gone\n"
	    "\"a,b\",42,2024-01-02T03:04:05+08:00,\"say \"\"hi\"\"\",\n"
	    "\"a,b\",42,2024-01-02T03:04:05+08:00,\"say \"\"hi\"\"\",\n";
	static const char json[] =
	    "{\"id\":\"a,b\",\"n\":42,\"ts\":\"2024-01-02T03:04:05+08:00\","
	    "\"note\":\"say \\\"hi\\\"\",\"gone\":null}\n"
	    "{\"id\":\"a,b\",\"n\":42,\"ts\":\"2024-01-02T03:04:05+08:00\","
	    "\"note\":\"say \\\"hi\\\"\",\"gone\":null}\n";
	int fork;
	char *t;

	for (fork = 0; fork < 2; fork++) {
		t = write_both(MBR_FMT_CSV, fork);
		T_OK(strcmp(t, csv) == 0);
		free(t);
		t = write_both(MBR_FMT_NDJSON, fork);
		T_OK(strcmp(t, json) == 0);
		free(t);
	}
	/* our own text needs no quotes; a comma, a quote or a blank end
	 * does */
	T_EQ_I(mbr_writer_plain("champions", 9), MBR_V_PLAIN);
	T_EQ_I(mbr_writer_plain("重要价值客户", 18), MBR_V_PLAIN);
	T_EQ_I(mbr_writer_plain("a,b", 3), MBR_V_STR);
	T_EQ_I(mbr_writer_plain("a|b", 3), MBR_V_STR);
	T_EQ_I(mbr_writer_plain("say \"hi\"", 8), MBR_V_STR);
	T_EQ_I(mbr_writer_plain("back\\slash", 10), MBR_V_STR);
	T_EQ_I(mbr_writer_plain("trailing ", 9), MBR_V_STR);
	return T_DONE();
}
