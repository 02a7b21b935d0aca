/* test_csv.c: mbr_csv_next, the reference, sniff and quote.
 *
 * Every expectation below is worked out by hand from the dialect in
 * mbr_csv.h.  Each parsing case runs against both mbr_csv_next and
 * mbr_csv_ref_next, on a heap copy of exactly the input's size, so
 * that ASan catches a read past the block. */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "mbr_csv.h"
#include "t.h"

typedef long (*nextfn)(char *, size_t, int, int, mbr_csvrec *, mbr_err *);

static nextfn parser;
static mbr_csvrec rec;
static mbr_err err;
static char *blk;	/* the current input, freed by the next call */

/* Parses in[0..n) once; the fields stay valid until the next call. */
static long
parse(const char *in, size_t n, int eof, int delim)
{
	free(blk);
	blk = malloc(n > 0 ? n : 1);
	memcpy(blk, in, n);
	memset(&err, 0, sizeof(err));
	return parser(blk, n, eof, delim, &rec, &err);
}

#define PARSE(lit, eof, delim)	parse((lit), sizeof(lit) - 1, (eof), (delim))
#define F(i, want)		T_EQ_SN(rec.f[i].p, rec.f[i].n, want)
#define RAW(want)		T_EQ_SN(rec.raw, rec.rawn, want)

static void
cases(void)
{
	static const char crlfq[] = "\"line1\r\nline2\nline3\",z\r\nnext\n";
	long rv;
	size_t i;
	char *big;

	/* 1. A quoted field holds the delimiter. */
	T_EQ_I(PARSE("a,\"b,c\",d\n", 0, ','), 10);
	T_EQ_I(rec.nf, 3);
	F(0, "a");
	F(1, "b,c");
	F(2, "d");
	T_EQ_I(rec.nlines, 1);
	T_EQ_I(rec.skipped, 0);
	RAW("a,\"b,c\",d");

	/* 2. "" is a quote; raw keeps the text as read. */
	T_EQ_I(PARSE("\"say \"\"hi\"\"\",x\n", 0, ','), 15);
	T_EQ_I(rec.nf, 2);
	F(0, "say \"hi\"");
	F(1, "x");
	RAW("\"say \"\"hi\"\"\",x");
	T_EQ_I(PARSE("\"\"\"\"\n", 1, ','), 5);	/* """" is one quote */
	T_EQ_I(rec.nf, 1);
	F(0, "\"");

	/* 3. CRLF and LF inside quotes: three lines, one record. */
	rv = parse(crlfq, sizeof(crlfq) - 1, 0, ',');
	T_EQ_I(rv, 24);
	T_EQ_I(rec.nf, 2);
	F(0, "line1\r\nline2\nline3");
	F(1, "z");
	T_EQ_I(rec.nlines, 3);
	RAW("\"line1\r\nline2\nline3\",z");
	T_EQ_I(parser(blk + 24, 5, 0, ',', &rec, &err), 5);
	T_EQ_I(rec.nf, 1);
	F(0, "next");
	T_EQ_I(rec.nlines, 1);
	/* A lone CR inside quotes is a line end too: LF, CR, CRLF. */
	T_EQ_I(PARSE("\"a\nb\rc\r\nd\"\n", 0, ','), 11);
	F(0, "a\nb\rc\r\nd");
	T_EQ_I(rec.nlines, 4);

	/* 4. CRLF line ends. */
	T_EQ_I(PARSE("a,b\r\nc,d\r\n", 0, ','), 5);
	T_EQ_I(rec.nf, 2);
	F(0, "a");
	F(1, "b");
	RAW("a,b");
	T_EQ_I(rec.nlines, 1);
	T_EQ_I(parser(blk + 5, 5, 0, ',', &rec, &err), 5);
	F(0, "c");
	F(1, "d");
	T_EQ_I(rec.skipped, 0);

	/* 5. A lone CR ends a record; a CR at the end of the block waits
	 * for the byte after it. */
	T_EQ_I(PARSE("a,b\rc,d\re\n", 0, ','), 4);
	F(1, "b");
	RAW("a,b");
	T_EQ_I(parser(blk + 4, 6, 0, ',', &rec, &err), 4);
	F(0, "c");
	F(1, "d");
	T_EQ_I(parser(blk + 8, 2, 0, ',', &rec, &err), 2);
	F(0, "e");
	T_EQ_I(PARSE("a,b\r", 0, ','), 0);
	T_EQ_I(PARSE("a,b\r", 1, ','), 4);
	T_EQ_I(rec.nf, 2);
	T_EQ_I(PARSE("a\r\nb", 0, ','), 3);
	T_EQ_I(rec.nlines, 1);
	T_EQ_I(PARSE("\"q\"\r", 0, ','), 0);
	T_EQ_I(PARSE("\"q\"\r\nb", 0, ','), 5);
	F(0, "q");
	/* CR CR: the second is a blank line. */
	T_EQ_I(PARSE("a\r\rb\n", 0, ','), 2);
	T_EQ_I(parser(blk + 2, 3, 0, ',', &rec, &err), 3);
	T_EQ_I(rec.skipped, 1);
	F(0, "b");

	/* 6. Empty fields. */
	T_EQ_I(PARSE(",,\n", 0, ','), 3);
	T_EQ_I(rec.nf, 3);
	for (i = 0; i < 3; i++)
		F(i, "");
	T_EQ_I(PARSE("\"\",x\n", 0, ','), 5);
	T_EQ_I(rec.nf, 2);
	F(0, "");
	F(1, "x");
	T_EQ_I(PARSE(",\n", 0, ','), 2);
	T_EQ_I(rec.nf, 2);

	/* 7. A trailing delimiter is an empty last field. */
	T_EQ_I(PARSE("a,b,\n", 0, ','), 5);
	T_EQ_I(rec.nf, 3);
	F(2, "");
	T_EQ_I(PARSE("a,b,", 1, ','), 4);
	T_EQ_I(rec.nf, 3);
	F(2, "");

	/* 8. Blank lines are skipped and counted, CRLF as one. */
	T_EQ_I(PARSE("\n\r\n\ra\n", 0, ','), 6);
	T_EQ_I(rec.skipped, 3);
	T_EQ_I(rec.nlines, 1);
	T_EQ_I(rec.nf, 1);
	F(0, "a");
	T_EQ_I(PARSE("\n\r\n", 1, ','), 0);
	T_EQ_I(PARSE("\n\n", 0, ','), 0);
	T_EQ_I(PARSE("", 1, ','), 0);
	T_EQ_I(PARSE("\"a\n\nb\"\n", 0, ','), 7);
	T_EQ_I(rec.nlines, 3);
	T_EQ_I(rec.skipped, 0);

	/* 9. The last line without a newline. */
	T_EQ_I(PARSE("x,y", 0, ','), 0);
	T_EQ_I(PARSE("x,y", 1, ','), 3);
	T_EQ_I(rec.nf, 2);
	F(0, "x");
	F(1, "y");
	T_EQ_I(rec.nlines, 1);
	RAW("x,y");
	T_EQ_I(PARSE("\n\"x\"", 1, ','), 4);
	T_EQ_I(rec.skipped, 1);
	F(0, "x");

	/* 10. A quoted field open at the end of input. */
	T_EQ_I(PARSE("a,\"bc\nd", 0, ','), 0);
	T_EQ_I(PARSE("a,\"bc\nd", 1, ','), -7);
	T_EQ_I(err.code, MBR_EDATA);
	T_EQ_S(err.msg, "unterminated quoted field");
	T_EQ_I(rec.nlines, 2);
	RAW("a,\"bc\nd");
	T_EQ_I(PARSE("\n\"x", 1, ','), -3);
	T_EQ_I(rec.skipped, 1);
	T_EQ_I(rec.nlines, 1);
	RAW("\"x");
	T_EQ_I(PARSE("\"a\"\"", 1, ','), -4);	/* "" is a quote, not the end */
	/* libcsv keeps a quote followed by text and stays in the field:
	 * "abc"def is still open at the end... */
	T_EQ_I(PARSE("\"abc\"def", 1, ','), -8);
	/* ...and runs on to a closing quote on a later line. */
	T_EQ_I(PARSE("\"abc\"def,g\nh\"\n", 0, ','), 14);
	T_EQ_I(rec.nf, 1);
	F(0, "abc\"def,g\nh");
	T_EQ_I(rec.nlines, 2);
	RAW("\"abc\"def,g\nh\"");
	T_EQ_I(PARSE("\"a\" ,b\n", 1, ','), -7);
	T_EQ_I(rec.nlines, 1);

	/* 11. A quote inside an unquoted field is a plain byte; spaces
	 * are kept. */
	T_EQ_I(PARSE("a\"b,c\n", 0, ','), 6);
	F(0, "a\"b");
	F(1, "c");
	T_EQ_I(PARSE(" a , b \n", 0, ','), 8);
	F(0, " a ");
	F(1, " b ");
	T_EQ_I(PARSE(" \"a\",b\n", 0, ','), 7);
	F(0, " \"a\"");

	/* 12. Each delimiter. */
	T_EQ_I(PARSE("a;b,c\n", 0, ';'), 6);
	T_EQ_I(rec.nf, 2);
	F(1, "b,c");
	T_EQ_I(PARSE("a\tb,c\t\"d\te\"\n", 0, '\t'), 12);
	T_EQ_I(rec.nf, 3);
	F(1, "b,c");
	F(2, "d\te");
	T_EQ_I(PARSE("a|b|\n", 0, '|'), 5);
	T_EQ_I(rec.nf, 3);
	F(1, "b");

	/* 13. A NUL byte is a byte like any other. */
	T_EQ_I(PARSE("a\0b,c\n", 0, ','), 6);
	T_EQ_I(rec.nf, 2);
	T_EQ_I(rec.f[0].n, 3);
	T_OK(memcmp(rec.f[0].p, "a\0b", 3) == 0);
	T_EQ_I(PARSE("\"\0\"\"\",\0\n", 0, ','), 8);
	T_EQ_I(rec.f[0].n, 2);
	T_OK(memcmp(rec.f[0].p, "\0\"", 2) == 0);
	T_EQ_I(rec.f[1].n, 1);
	T_EQ_I(rec.f[1].p[0], 0);

	/* 14. Many fields grow the field array. */
	big = malloc(2001);
	for (i = 0; i < 2000; i += 2) {
		big[i] = 'v';
		big[i + 1] = ',';
	}
	big[1999] = '\n';
	T_EQ_I(parse(big, 2000, 0, ','), 2000);
	T_EQ_I(rec.nf, 1000);
	F(999, "v");
	free(big);
}

/* Lines around the fast path's 64-byte steps: line ends, CRs,
 * delimiters and quotes on both sides of offset 64.  xs(k) is k x's. */
static char line[512];

static size_t
build(size_t nx, const char *tail)
{
	memset(line, 'x', nx);
	memcpy(line + nx, tail, strlen(tail));
	return nx + strlen(tail);
}

static void
steps(void)
{
	size_t n, i;

	/* xs(61) ",y" CR LF: the CR at 63, the LF at 64. */
	n = build(61, ",y\r\nz\n");
	T_EQ_I(parse(line, n, 0, ','), 65);
	T_EQ_I(rec.nf, 2);
	T_EQ_I(rec.f[0].n, 61);
	F(1, "y");
	T_EQ_I(rec.rawn, 63);
	T_EQ_I(rec.nlines, 1);
	/* The LF at 63, then at 64. */
	n = build(63, "\nz\n");
	T_EQ_I(parse(line, n, 0, ','), 64);
	T_EQ_I(rec.f[0].n, 63);
	n = build(64, "\nz\n");
	T_EQ_I(parse(line, n, 0, ','), 65);
	T_EQ_I(rec.nf, 1);
	T_EQ_I(rec.f[0].n, 64);
	/* A CR LF with the CR at 64. */
	n = build(64, "\r\n");
	T_EQ_I(parse(line, n, 0, ','), 66);
	T_EQ_I(rec.f[0].n, 64);
	T_EQ_I(rec.rawn, 64);
	/* The delimiter at 63, and at 64 before an empty last field. */
	n = build(63, ",abcdefghij\n");
	T_EQ_I(parse(line, n, 0, ','), 75);
	T_EQ_I(rec.nf, 2);
	T_EQ_I(rec.f[0].n, 63);
	F(1, "abcdefghij");
	n = build(64, ",\n");
	T_EQ_I(parse(line, n, 0, ','), 66);
	T_EQ_I(rec.nf, 2);
	F(1, "");
	/* A quote in an unquoted field past 64. */
	n = build(70, "\"q\",r\n");
	T_EQ_I(parse(line, n, 0, ','), 76);
	T_EQ_I(rec.nf, 2);
	T_EQ_I(rec.f[0].n, 73);
	T_EQ_SN(rec.f[0].p + 70, 3, "\"q\"");
	F(1, "r");
	/* A lone CR at 63 ends the record there. */
	n = build(63, "\rab\n");
	T_EQ_I(parse(line, n, 0, ','), 64);
	T_EQ_I(rec.f[0].n, 63);
	T_EQ_I(parser(blk + 64, 3, 0, ',', &rec, &err), 3);
	F(0, "ab");
	/* A quoted field from 60 to 70, across the step. */
	n = build(60, ",\"a,b\nc\"\"\",d\n");
	T_EQ_I(parse(line, n, 0, ','), 73);
	T_EQ_I(rec.nf, 3);
	F(1, "a,b\nc\"");
	F(2, "d");
	T_EQ_I(rec.nlines, 2);
	/* 200 bytes, a field every 10. */
	for (i = 0; i < 200; i += 10)
		memcpy(line + i, "012345678,", 10);
	line[199] = '\n';
	T_EQ_I(parse(line, 200, 0, ','), 200);
	T_EQ_I(rec.nf, 20);
	for (i = 0; i < 20; i++)
		F(i, "012345678");
	/* Without its line end, it is not a record until eof. */
	T_EQ_I(parse(line, 199, 0, ','), 0);
	T_EQ_I(parse(line, 199, 1, ','), 199);
	T_EQ_I(rec.nf, 20);
}

/* 10 MB fields, unquoted and quoted, at the ends of a record. */
static void
bigfield(void)
{
	size_t m = 10 * 1024 * 1024, n;
	char *in = malloc(m + 16);

	memset(in, 'x', m);
	memcpy(in + m, ",y\n", 3);
	T_EQ_I(parse(in, m + 3, 0, ','), (long)(m + 3));
	T_EQ_I(rec.nf, 2);
	T_EQ_I(rec.f[0].n, m);
	F(1, "y");
	T_EQ_I(parse(in, m + 2, 0, ','), 0);	/* no line end yet */

	/* "xxx...""x\nx" with the escape and the LF in the middle. */
	in[0] = '"';
	memcpy(in + m / 2, "\"\"\n", 3);
	memcpy(in + m, "\"\n", 2);
	n = m + 2;
	T_EQ_I(parse(in, n, 0, ','), (long)n);
	T_EQ_I(rec.nf, 1);
	T_EQ_I(rec.f[0].n, m - 2);	/* less both quotes and one of "" */
	T_EQ_I(rec.nlines, 2);
	T_EQ_I(rec.f[0].p[m / 2 - 1], '"');
	T_EQ_I(rec.f[0].p[m / 2], '\n');
	T_EQ_I(rec.f[0].p[m - 3], 'x');
	T_EQ_I(rec.rawn, m + 1);
	T_EQ_I(parse(in, n - 1, 1, ','), (long)(n - 1));
	T_EQ_I(rec.f[0].n, m - 2);
	T_EQ_I(parse(in, n - 2, 1, ','), -(long)(n - 2));
	free(in);
}

static void
sniff(void)
{
	T_EQ_I(mbr_csv_sniff("a;b;c", 5), ';');
	T_EQ_I(mbr_csv_sniff("a,b;c;d", 7), ';');
	T_EQ_I(mbr_csv_sniff("\"a;b;c\",d", 9), ',');
	T_EQ_I(mbr_csv_sniff("a\tb|c", 5), '\t');	/* a tie: in order */
	T_EQ_I(mbr_csv_sniff("a,b;c", 5), ',');
	T_EQ_I(mbr_csv_sniff("a|b|c", 5), '|');
	T_EQ_I(mbr_csv_sniff("abc", 3), ',');
	T_EQ_I(mbr_csv_sniff("", 0), ',');
	T_EQ_I(mbr_csv_sniff("a;b\nc,d,e,f", 11), ';');	/* one line only */
	T_EQ_I(mbr_csv_sniff("order_id\tmember_id\tts\tamount", 28), '\t');
}

static void
quote(void)
{
	static const struct {
		const char	*in;
		int		 delim;
		const char	*out;
	} c[] = {
		{ "abc", ',', "abc" },
		{ "", ',', "" },
		{ "a,b", ',', "\"a,b\"" },
		{ "a;b", ',', "a;b" },
		{ "a;b", ';', "\"a;b\"" },
		{ "a\tb", '\t', "\"a\tb\"" },
		{ "say \"hi\"", ',', "\"say \"\"hi\"\"\"" },
		{ "\"", ',', "\"\"\"\"" },
		{ "a\nb", ',', "\"a\nb\"" },
		{ "a\rb", ',', "\"a\rb\"" },
		{ " lead", ',', "\" lead\"" },
		{ "trail ", ',', "\"trail \"" },
		{ "\tx", ',', "\"\tx\"" },
		{ "in side", ',', "in side" },
		{ "中文", ',', "中文" },
	};
	mbr_buf b;
	size_t i;

	mbr_buf_init(&b);
	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		mbr_buf_reset(&b);
		mbr_buf_adds(&b, "<");
		mbr_csv_quote(&b, c[i].in, strlen(c[i].in), c[i].delim);
		T_EQ_SN(b.p + 1, b.n - 1, c[i].out);
	}
	mbr_buf_reset(&b);
	mbr_csv_quote(&b, "a\0b", 3, ',');
	T_EQ_I(b.n, 3);

	/* A byte that needs quotes at every place of fields of every
	 * length to 41 (one step under sixteen bytes, then sixteen at a
	 * time), and one that does not (';' with ','); what follows the
	 * field would need quotes, and must not be looked at. */
	{
		static const char sp[] = { ',', '"', '\r', '\n', ';' };
		char s[41], want[90];
		size_t k, p, w, n;

		for (n = 1; n <= sizeof(s); n++)
		for (k = 0; k < sizeof(sp); k++)
			for (p = 0; p < n; p++) {
				memset(s, ',', sizeof(s));
				memset(s, 'x', n);
				s[p] = sp[k];
				w = 0;
				if (sp[k] != ';')
					want[w++] = '"';
				memcpy(want + w, s, p + 1);
				w += p + 1;
				if (sp[k] == '"')
					want[w++] = '"';
				memcpy(want + w, s + p + 1, n - p - 1);
				w += n - p - 1;
				if (sp[k] != ';')
					want[w++] = '"';
				mbr_buf_reset(&b);
				mbr_csv_quote(&b, s, n, ',');
				T_EQ_SN(b.p, b.n, (want[w] = '\0', want));
			}
	}

	/* Fields that end where a page ends and the next cannot be read. */
	{
		long pg = sysconf(_SC_PAGESIZE);
		char *m = mmap(NULL, (size_t)pg * 2, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		size_t n;
		int ok = 1;

		T_OK(m != MAP_FAILED &&
		    mprotect(m + pg, (size_t)pg, PROT_NONE) == 0);
		for (n = 0; n <= 20; n++) {
			char *f = m + pg - n;

			memset(f, 'x', n);
			mbr_buf_reset(&b);
			mbr_csv_quote(&b, f, n, ',');
			ok &= b.n == n;
			if (n > 0) {
				f[n - 1] = ',';
				mbr_buf_reset(&b);
				mbr_csv_quote(&b, f, n, ',');
				ok &= b.n == n + 2 && b.p[0] == '"';
			}
		}
		T_OK(ok);
		munmap(m, (size_t)pg * 2);
	}
	mbr_buf_release(&b);
}

int
main(void)
{
	int level, best = mbr_csv_impl(-1);

	mbr_csvrec_init(&rec);
	parser = mbr_csv_next;
	/* every way of scanning a line this build and CPU have */
	for (level = 0; level <= best; level++) {
		T_EQ_I(mbr_csv_impl(level), level);
		cases();
		steps();
		bigfield();
	}
	mbr_csv_impl(-1);
	parser = mbr_csv_ref_next;
	cases();
	steps();
	bigfield();
	sniff();
	quote();
	free(blk);
	mbr_csvrec_release(&rec);
	return T_DONE();
}
