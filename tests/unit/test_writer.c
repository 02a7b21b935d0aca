/* test_writer.c: a record written by position (mbr_writer_row) is the
 * record written by name, in CSV and NDJSON, from the writer itself and
 * from a fork; a row of another width is refused.  A record passed
 * through as its raw text (mbr_writer_rec_raw) is the record passed
 * through field by field (mbr_writer_rec), byte for byte, whichever
 * way it goes.
 *
 * The expected text is written out by hand from RFC 4180 and JSON. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mbr_buf.h"
#include "mbr_reader.h"
#include "mbr_writer.h"
#include "t.h"

/* The file's text (to free). */
static char *
slurp(const char *path)
{
	FILE *fp = fopen(path, "r");
	char *text;
	long n;

	if (fp == NULL) {
		perror(path);
		exit(2);
	}
	fseek(fp, 0, SEEK_END);
	n = ftell(fp);
	rewind(fp);
	text = calloc(1, (size_t)n + 1);
	if (fread(text, 1, (size_t)n, fp) != (size_t)n)
		exit(2);
	fclose(fp);
	return text;
}

static void
spew(const char *path, const char *text, size_t n)
{
	FILE *fp = fopen(path, "w");

	if (fp == NULL || fwrite(text, 1, n, fp) != n || fclose(fp) != 0) {
		perror(path);
		exit(2);
	}
}

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
	text = slurp(path);
	unlink(path);
	return text;
}

/* How a pass-through goes: by field (mbr_writer_rec) or as raw text
 * (mbr_writer_rec_raw); into the writer or a fork of it; with the
 * header declared (from the input's) or made by the first record. */
enum { BY_FIELD = 1, DECLARE = 2, FORK = 4 };

/* Passes every record of the inputs through a writer of format fmt
 * (and its separator, 0 for ','), each followed by a field "v" of
 * value 1 and, when twice, by one bearing the input's second column's
 * name.  Returns the output's text; rawv[i] is set to what
 * mbr_writer_rec_raw said of record i (and of a fork, the record's
 * text read back begins with rec.raw when it said 1). */
static char *
pass(int nfiles, char *files[], int fmt, int delim, int how, int twice,
    int *rawv, int *rc)
{
	char path[] = "/tmp/mbr-test-writer-XXXXXX";
	static const mbr_slice v = { "1", 1 };
	mbr_reader_opts ro = { 0 };
	mbr_reader *rd;
	mbr_writer *w, *f = NULL;
	mbr_err err = { 0 };
	mbr_rec rec;
	int fd = mkstemp(path), r, k = 0, israw;
	size_t off;
	char *text;

	close(fd);
	*rc = MBR_OK;
	T_EQ_I(mbr_reader_open(&rd, &ro, nfiles, files, &err), MBR_OK);
	T_EQ_I(mbr_writer_open(&w, path, fmt, 0, delim, &err), MBR_OK);
	while ((r = mbr_reader_next(rd, &rec, &err)) != MBR_READ_END) {
		mbr_writer *to;

		if (r == MBR_READ_FILE) {
			size_t nh, i;
			const int *h = mbr_reader_header(rd, &nh);
			mbr_slice *names = calloc(nh + 1, sizeof(*names));

			if ((how & DECLARE) && mbr_writer_count(w) == 0 &&
			    f == NULL) {
				for (i = 0; i < nh; i++)
					names[i] = mbr_reader_colname(rd, h[i]);
				names[i++] = (mbr_slice){ "v", 1 };
				mbr_writer_header(w, names, i);
			}
			free(names);
			if ((how & FORK) && f == NULL)
				f = mbr_writer_fork(w);
			continue;
		}
		if (rec.bad != NULL)
			continue;
		to = f != NULL ? f : w;
		off = mbr_writer_held(to);
		if (how & BY_FIELD) {
			mbr_writer_rec(to, rd, &rec, NULL);
			israw = 0;
		} else
			israw = mbr_writer_rec_raw(to, rd, &rec, NULL);
		mbr_writer_field(to, (mbr_slice){ "v", 1 }, v, MBR_V_NUM);
		if (twice)
			mbr_writer_field(to, mbr_reader_colname(rd,
			    rec.order[1]), v, MBR_V_NUM);
		if ((*rc = mbr_writer_end(to, &err)) != MBR_OK)
			break;
		if (f != NULL && israw)
			T_OK(memcmp(mbr_writer_held_at(f, off), rec.raw.p,
			    rec.raw.n) == 0);
		if (rawv != NULL)
			rawv[k] = israw;
		k++;
	}
	if (f != NULL) {
		mbr_writer_put(w, f);
		mbr_writer_close(f, NULL);
	}
	mbr_writer_close(w, &err);
	mbr_reader_free(rd);
	text = slurp(path);
	unlink(path);
	return text;
}

/* The same text both ways, for every way; the raw answers of the
 * writer itself with its header declared. */
static char *
both(int nfiles, char *files[], int fmt, int delim, int *rawv)
{
	char *t[8] = { NULL };
	int how, rc;

	/* a fork needs a known header: declared */
	for (how = 0; how < 8; how++) {
		if ((how & FORK) && !(how & DECLARE))
			continue;
		t[how] = pass(nfiles, files, fmt, delim, how,
		    0, how == DECLARE ? rawv : NULL, &rc);
		T_EQ_I(rc, MBR_OK);
	}
	for (how = 0; how < 8; how += 2)
		if (t[how] != NULL && strcmp(t[how], t[how | BY_FIELD]) != 0) {
			T_OK(0);
			fprintf(stderr, "how %d:\n%s\nby field:\n%s\n", how,
			    t[how], t[how | BY_FIELD]);
		}
	T_OK(strcmp(t[0], t[DECLARE]) == 0);
	for (how = 0; how < 8; how++)
		if (how != DECLARE)
			free(t[how]);
	return t[DECLARE];
}

/* Records made by hand, as a reader that kept other text than its
 * fields' might make them: whatever raw says, the fields are what is
 * written. */
static void
test_made_rec(const char *path)
{
	char *files[1] = { (char *)path }, *text;
	char wpath[] = "/tmp/mbr-test-writer-XXXXXX";
	static const struct {
		const char	*raw;		/* the record's text */
		int		 off[3];	/* its fields: raw + off, */
		int		 n[3];		/* or "a,b" + 0 when -1 */
		const char	*out;
	} c[] = {
		{ "a,b,c", { 0, 2, 4 }, { 1, 1, 1 }, "a,b,c,1\n" },
		/* a separator inside a field, which the text does not
		 * quote */
		{ "a,b,c,d", { 0, 2, 6 }, { 1, 3, 1 }, "a,\"b,c\",d,1\n" },
		{ "0123456789,abcdefghijklmnop,q,r", { 0, 28, 30 },
		    { 27, 1, 1 }, "\"0123456789,abcdefghijklmnop\",q,r,1\n" },
		/* another byte than the separator between two fields */
		{ "a;b,,c", { 0, 2, 5 }, { 1, 2, 1 }, "a,\"b,\",c,1\n" },
		/* fields that are not the text's */
		{ "x,y,z", { -1, -1, -1 }, { 1, 1, 1 }, "a,a,a,1\n" },
		/* text past the last field */
		{ "a,b,cX", { 0, 2, 4 }, { 1, 1, 1 }, "a,b,c,1\n" },
	};
	mbr_reader_opts ro = { 0 };
	mbr_reader *rd;
	mbr_writer *w;
	mbr_err err = { 0 };
	mbr_rec rec, made;
	mbr_slice f[8];
	uint8_t type[8];
	unsigned char skip[8];
	int order[3], fd = mkstemp(wpath), r;
	size_t i, k;
	mbr_buf want;

	close(fd);
	spew(path, "p,q,r\n1,2,3\n", 12);
	T_EQ_I(mbr_reader_open(&rd, &ro, 1, files, &err), MBR_OK);
	T_EQ_I(mbr_writer_open(&w, wpath, MBR_FMT_CSV, 0, 0, &err), MBR_OK);
	mbr_writer_header(w, (const mbr_slice[]){ { "p", 1 }, { "q", 1 },
	    { "r", 1 }, { "v", 1 } }, 4);
	while ((r = mbr_reader_next(rd, &rec, &err)) == MBR_READ_FILE)
		;
	T_EQ_I(r, MBR_READ_REC);
	T_EQ_I(rec.n, 3);
	mbr_buf_init(&want);
	mbr_buf_adds(&want, "p,q,r,v\n");
	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		made = rec;
		memset(type, MBR_V_STR, sizeof(type));
		for (k = 0; k < 3; k++) {
			order[k] = rec.order[k];
			f[order[k]] = c[i].off[k] < 0 ?
			    (mbr_slice){ "a,b", c[i].n[k] } :
			    (mbr_slice){ c[i].raw + c[i].off[k], c[i].n[k] };
		}
		made.f = f;
		made.type = type;
		made.order = order;
		made.raw = (mbr_slice){ c[i].raw, strlen(c[i].raw) };
		T_EQ_I(mbr_writer_rec_raw(w, rd, &made, NULL), i == 0);
		mbr_writer_field(w, (mbr_slice){ "v", 1 }, (mbr_slice){ "1", 1 },
		    MBR_V_NUM);
		T_EQ_I(mbr_writer_end(w, &err), MBR_OK);
		mbr_buf_adds(&want, c[i].out);
	}
	/* a null is written empty, and a skipped field not at all: the
	 * text "a,null,c" is neither */
	made.raw = (mbr_slice){ "a,null,c", 8 };
	f[order[0]] = (mbr_slice){ made.raw.p, 1 };
	f[order[1]] = (mbr_slice){ made.raw.p + 2, 4 };
	f[order[2]] = (mbr_slice){ made.raw.p + 7, 1 };
	type[order[1]] = MBR_V_NULL;
	T_EQ_I(mbr_writer_rec_raw(w, rd, &made, NULL), 0);
	T_EQ_I(mbr_writer_end(w, &err), MBR_OK);
	mbr_buf_adds(&want, "a,,c,\n");
	type[order[1]] = MBR_V_STR;
	memset(skip, 0, sizeof(skip));
	skip[order[1]] = 1;
	T_EQ_I(mbr_writer_rec_raw(w, rd, &made, skip), 0);
	T_EQ_I(mbr_writer_end(w, &err), MBR_OK);
	mbr_buf_adds(&want, "a,,c,\n");
	T_EQ_I(mbr_writer_rec_raw(w, rd, &made, NULL), 1);
	T_EQ_I(mbr_writer_end(w, &err), MBR_OK);
	mbr_buf_adds(&want, "a,null,c,\n");
	mbr_writer_close(w, &err);
	mbr_reader_free(rd);
	text = slurp(wpath);
	unlink(wpath);
	T_EQ_S(text, want.p);
	free(text);
	mbr_buf_release(&want);
}

static void
test_rec_raw(void)
{
	char dir[] = "/tmp/test_writer.XXXXXX", a[64], b[64], c[64], d[64];
	char *files[2], *t;
	int raw[64], rc, i;
	/* Which records can go as they were read: not a quoted one (even
	 * one that needs no quotes), not a blank next to a separator or at
	 * either end, not a quote inside a field; a blank or a tab inside
	 * a field is fine, and so is an empty field. */
	static const char in[] =
	    "id,name,note\n"
	    "1,plain,x\n"
	    "2, lead,x\n"
	    "3,\"quoted\",x\n"
	    "4,\"a,b\",x\n"
	    "5,q\"uote,x\n"
	    "6,,x\n"
	    "7,tab\tin,x\n"
	    "8,trail\t,x\n"
	    "9,\"two\nlines\",x\r\n"
	    "10,crlf,x\r\n"
	    "11,a b,x \n"
	    "12,long enough to take more than one step of sixteen,y\n"
	    "13,long enough to take more than one step of sixteen ,y\n"
	    "14,long enough to take more than one step of sixteen\\,y\n"
	    /* a separator last of a step, and a blank first of the next,
	     * which overlaps it: no blank next to a separator */
	    "x,abc defghijkl,mnopq\n";
	static const char out[] =
	    "id,name,note,v\n"
	    "1,plain,x,1\n"
	    "2,\" lead\",x,1\n"
	    "3,quoted,x,1\n"
	    "4,\"a,b\",x,1\n"
	    "5,\"q\"\"uote\",x,1\n"
	    "6,,x,1\n"
	    "7,tab\tin,x,1\n"
	    "8,\"trail\t\",x,1\n"
	    "9,\"two\nlines\",x,1\n"
	    "10,crlf,x,1\n"
	    "11,a b,\"x \",1\n"
	    "12,long enough to take more than one step of sixteen,y,1\n"
	    "13,\"long enough to take more than one step of sixteen \",y,1\n"
	    "14,long enough to take more than one step of sixteen\\,y,1\n"
	    "x,abc defghijkl,mnopq,1\n";
	static const int want[] = { 1, 0, 0, 0, 0, 1, 1, 0, 0, 1, 0, 1, 0, 1,
	    1 };
	/* TSV: no quotes, so blanks are as they are; what it escapes (a
	 * backslash) is not. */
	static const char tin[] =
	    "id\tname\n"
	    "1\tback\\slash\n"
	    "2\t lead \n"
	    "3\t\"q\"\n"
	    "4\ta,b\n";
	static const char tout[] =
	    "id\tname\tv\n"
	    "1\tback\\\\slash\t1\n"
	    "2\t lead \t1\n"
	    "3\tq\t1\n"
	    "4\ta,b\t1\n";
	static const int twant[] = { 0, 1, 0, 1 };

	if (mkdtemp(dir) == NULL)
		exit(2);
	snprintf(a, sizeof(a), "%s/a.csv", dir);
	snprintf(b, sizeof(b), "%s/b.csv", dir);
	snprintf(c, sizeof(c), "%s/c.tsv", dir);
	snprintf(d, sizeof(d), "%s/d.csv", dir);
	spew(a, in, sizeof(in) - 1);
	files[0] = a;
	t = both(1, files, MBR_FMT_CSV, 0, raw);
	T_EQ_S(t, out);
	free(t);
	for (i = 0; i < 15; i++)
		if (raw[i] != want[i]) {
			T_OK(0);
			fprintf(stderr, "record %d: raw %d\n", i + 1, raw[i]);
		}
	/* a writer of another separator, or NDJSON: never raw */
	t = both(1, files, MBR_FMT_CSV, ';', raw);
	for (i = 0; i < 15; i++)
		T_EQ_I(raw[i], 0);
	free(t);
	t = both(1, files, MBR_FMT_NDJSON, 0, raw);
	for (i = 0; i < 15; i++)
		T_EQ_I(raw[i], 0);
	free(t);
	/* ';' in, ';' out */
	spew(b, "id;name\n1;a,b\n2;a;\n2;\"a;b\"\n", 26);
	files[0] = b;
	t = both(1, files, MBR_FMT_CSV, ';', raw);
	T_EQ_S(t, "id;name;v\n1;a,b;1\n2;\"a;b\";1\n");
	T_EQ_I(raw[0], 1);
	T_EQ_I(raw[1], 0);
	free(t);
	spew(c, tin, sizeof(tin) - 1);
	files[0] = c;
	t = both(1, files, MBR_FMT_TSV, 0, raw);
	T_EQ_S(t, tout);
	free(t);
	for (i = 0; i < 4; i++)
		T_EQ_I(raw[i], twant[i]);
	/* A second input of other columns, or of them in another order:
	 * its records go by field, under the first's header. */
	spew(d, "name,id,note\nn,1,x\n", 19);
	files[0] = a;
	files[1] = d;
	t = both(2, files, MBR_FMT_CSV, 0, raw);
	T_OK(strstr(t, "\n1,n,x,1\n") != NULL);
	T_EQ_I(raw[14], 1);
	T_EQ_I(raw[15], 0);
	free(t);
	/* A field after the raw text that bears one of its names: an
	 * error, and nothing of the record written. */
	files[0] = a;
	t = pass(1, files, MBR_FMT_CSV, 0, DECLARE, 1, NULL, &rc);
	T_EQ_I(rc, MBR_EDATA);
	T_OK(strstr(t, "plain") == NULL);
	free(t);
	/* a record of 300 fields and 4,600 bytes: separators counted past
	 * a lane's 255 */
	{
		char *big = malloc(20000), *p = big;
		int j;

		for (j = 0; j < 300; j++)
			p += sprintf(p, "%sc%d", j ? "," : "", j);
		*p++ = '\n';
		for (j = 0; j < 300; j++)
			p += sprintf(p, "%s%s", j ? "," : "",
			    "0123456789abcde");
		*p++ = '\n';
		spew(a, big, (size_t)(p - big));
		files[0] = a;
		t = both(1, files, MBR_FMT_CSV, 0, raw);
		T_EQ_I(raw[0], 1);
		/* the record as it was, and the field after it */
		T_OK(strncmp(strchr(t, '\n'), strchr(big, '\n'),
		    (size_t)(p - strchr(big, '\n') - 1)) == 0);
		T_EQ_S(t + strlen(t) - 3, ",1\n");
		free(t);
		/* one blank, at each place in turn: never raw (a blank first
		 * in its field, last, and the same a byte later, so that
		 * the separator is on either side of a step's edge) */
		for (j = 0; j < 80; j++) {
			int k = j % 40, sh = j >= 40;
			char *r = strchr(big, '\n') + 1, *first, *last, was;

			if (j == 40) {
				memmove(r + 1, r, (size_t)(p - r));
				*r = 'x';
				p++;
			}
			/* field k's first and last bytes */
			first = r + 16 * k + (sh && k > 0);
			last = r + 16 * k + 14 + sh;
			was = *first;
			*first = ' ';
			spew(a, big, (size_t)(p - big));
			t = both(1, files, MBR_FMT_CSV, 0, raw);
			T_EQ_I(raw[0], 0);
			free(t);
			*first = was;
			was = *last;
			*last = '\t';
			spew(a, big, (size_t)(p - big));
			t = both(1, files, MBR_FMT_CSV, 0, raw);
			T_EQ_I(raw[0], 0);
			free(t);
			*last = was;
		}
		/* a backslash at each place of a TSV record: never raw */
		p = big;
		p += sprintf(p, "a\tb\tc\n");
		for (j = 0; j < 3; j++)
			p += sprintf(p, "%s%s", j ? "\t" : "",
			    "0123456789abcdefghijklmnopqrstuvwxyz");
		*p++ = '\n';
		spew(c, big, (size_t)(p - big));
		files[0] = c;
		t = both(1, files, MBR_FMT_TSV, 0, raw);
		T_EQ_I(raw[0], 1);
		free(t);
		for (j = 0; j < 110; j++) {
			char *q = strchr(big, '\n') + 1 + j, was = *q;

			if (was == '\t')
				continue;
			*q = '\\';
			spew(c, big, (size_t)(p - big));
			t = both(1, files, MBR_FMT_TSV, 0, raw);
			T_EQ_I(raw[0], 0);
			free(t);
			*q = was;
		}
		free(big);
	}
	test_made_rec(a);
	unlink(a);
	unlink(b);
	unlink(c);
	unlink(d);
	rmdir(dir);
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
	test_rec_raw();
	return T_DONE();
}
