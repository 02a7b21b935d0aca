/* test_ndjson.c: mbr_ndjson_parse and mbr_json_quote, case by case.
 *
 * Every expected value is worked out by hand: columns by counting
 * bytes (1-based), unescaped bytes from the JSON and UTF-8 tables,
 * quoted strings as python3's json.dumps(s, ensure_ascii=False) writes
 * them.  Each line is parsed from a heap copy of exactly its bytes, so
 * ASan sees any read past the end. */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "mbr_ndjson.h"
#include "t.h"

static mbr_jrec r;
static mbr_err err;
static char *line;

static int
parse(const char *s, size_t n)
{
	free(line);
	line = malloc(n > 0 ? n : 1);
	memcpy(line, s, n);
	memset(&err, 0, sizeof(err));
	return mbr_ndjson_parse(line, n, &r, &err);
}

#define PARSE(lit)	parse((lit), sizeof(lit) - 1)

/* lit parses to want fields. */
#define GOOD(lit, want) do {						\
	T_EQ_I(PARSE(lit), MBR_OK);					\
	T_EQ_I(r.nkv, (want));						\
} while (0)

/* lit fails with exactly the message text, and leaves no fields. */
#define BAD(lit, text) do {						\
	T_EQ_I(PARSE(lit), MBR_EDATA);					\
	T_EQ_I(err.code, MBR_EDATA);					\
	T_EQ_S(err.msg, (text));					\
	T_EQ_I(r.nkv, 0);						\
} while (0)

/* Field i has this key, type and value (a literal: may hold NULs). */
#define KV(i, k, t, v) do {						\
	T_OK((i) < r.nkv);						\
	if ((i) >= r.nkv)						\
		break;							\
	T_EQ_SN(r.kv[(i)].key.p, r.kv[(i)].key.n, (k));		\
	T_EQ_I(r.kv[(i)].type, (t));					\
	T_EQ_I(r.kv[(i)].val.n, sizeof(v) - 1);				\
	T_OK(r.kv[(i)].val.p != NULL &&					\
	    memcmp(r.kv[(i)].val.p, (v), sizeof(v) - 1) == 0);		\
} while (0)

/* The slice points into the line at offset off: no copy was made. */
#define INLINE(sl, off)	T_OK((sl).p == line + (off))

static int
inscratch(mbr_slice sl)
{
	return sl.p >= r.scratch.p && sl.p + sl.n <= r.scratch.p + r.scratch.n;
}

static void
types(void)
{
	GOOD("{\"s\":\"x\",\"n\":-1.5e3,\"t\":true,\"f\":false,\"z\":null,"
	    "\"o\":{\"a\":[1,2]},\"a\":[]}", 7);
	KV(0, "s", MBR_V_STR, "x");
	KV(1, "n", MBR_V_NUM, "-1.5e3");
	KV(2, "t", MBR_V_BOOL, "true");
	KV(3, "f", MBR_V_BOOL, "false");
	KV(4, "z", MBR_V_NULL, "null");
	KV(5, "o", MBR_V_RAW, "{\"a\":[1,2]}");
	KV(6, "a", MBR_V_RAW, "[]");
	/* {"s":"x" — the x is byte 7, offset 6. */
	INLINE(r.kv[0].val, 6);
	INLINE(r.kv[0].key, 2);
	INLINE(r.kv[1].val, 13);

	GOOD("{}", 0);
	GOOD(" \t{ \n}\r ", 0);
	GOOD("{\"\":\"\"}", 1);
	KV(0, "", MBR_V_STR, "");
	GOOD("{ \"a\" : 1 , \"b\" :\t\"x\" }", 2);
	KV(0, "a", MBR_V_NUM, "1");
	KV(1, "b", MBR_V_STR, "x");
	GOOD("\r\n{\"a\"\r\n:\r\n[ 1 , { } ]\r\n}\r\n", 1);
	KV(0, "a", MBR_V_RAW, "[ 1 , { } ]");

	/* The record is reused: the next parse replaces it. */
	GOOD("{\"a\":1,\"b\":2,\"c\":3}", 3);
	GOOD("{\"d\":4}", 1);
	KV(0, "d", MBR_V_NUM, "4");

	/* Duplicates are all kept, in order; the caller resolves them. */
	GOOD("{\"a\":1,\"b\":2,\"a\":\"x\"}", 3);
	KV(0, "a", MBR_V_NUM, "1");
	KV(1, "b", MBR_V_NUM, "2");
	KV(2, "a", MBR_V_STR, "x");

	/* More fields than the initial capacity (16). */
	GOOD("{\"0\":0,\"1\":1,\"2\":2,\"3\":3,\"4\":4,\"5\":5,\"6\":6,"
	    "\"7\":7,\"8\":8,\"9\":9,\"a\":10,\"b\":11,\"c\":12,\"d\":13,"
	    "\"e\":14,\"f\":15,\"g\":16,\"h\":17,\"i\":18,\"j\":19}", 20);
	KV(16, "g", MBR_V_NUM, "16");
	KV(19, "j", MBR_V_NUM, "19");
}

static void
escapes(void)
{
	mbr_slice a, b, c;

	GOOD("{\"e\":\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"}", 1);
	KV(0, "e", MBR_V_STR, "\"\\/\b\f\n\r\t");
	T_OK(inscratch(r.kv[0].val));

	GOOD("{\"u\":\"caf\\u00e9\"}", 1);
	KV(0, "u", MBR_V_STR, "caf\xc3\xa9");
	GOOD("{\"u\":\"caf\\u00E9\"}", 1);
	KV(0, "u", MBR_V_STR, "caf\xc3\xa9");
	/* U+1F600 as a surrogate pair; F0 9F 98 80 in UTF-8. */
	GOOD("{\"u\":\"\\ud83d\\ude00\"}", 1);
	KV(0, "u", MBR_V_STR, "\xf0\x9f\x98\x80");
	GOOD("{\"u\":\"\\uD83D\\uDE00!\"}", 1);
	KV(0, "u", MBR_V_STR, "\xf0\x9f\x98\x80!");
	/* One, two and three bytes: U+0041, U+07FF, U+0800, U+FFFF;
	 * U+10FFFF is DBFF DFFF. */
	GOOD("{\"u\":\"\\u0041\\u07ff\\u0800\\uffff\\udbff\\udfff\"}", 1);
	KV(0, "u", MBR_V_STR,
	    "A\xdf\xbf\xe0\xa0\x80\xef\xbf\xbf\xf4\x8f\xbf\xbf");
	/* U+2A6D6 is D869 DED6, F0 AA 9B 96; U+3FFFD is D8BF DFFD,
	 * F0 BF BF BD (python3: chr(cp).encode("utf-16-be"), .encode()). */
	GOOD("{\"u\":\"\\ud869\\uded6\\ud8bf\\udffd\"}", 1);
	KV(0, "u", MBR_V_STR, "\xf0\xaa\x9b\x96\xf0\xbf\xbf\xbd");
	GOOD("{\"u\":\"\\u001f\\u007f\"}", 1);
	KV(0, "u", MBR_V_STR, "\x1f\x7f");

	/* Three escaped strings, key ones too, side by side in scratch. */
	GOOD("{\"a\\n\":\"b\\t\",\"c\":\"\\u00e9\",\"plain\":\"p\"}", 3);
	a = r.kv[0].key;
	b = r.kv[0].val;
	c = r.kv[1].val;
	KV(0, "a\n", MBR_V_STR, "b\t");
	KV(1, "c", MBR_V_STR, "\xc3\xa9");
	KV(2, "plain", MBR_V_STR, "p");
	T_OK(inscratch(a) && inscratch(b) && inscratch(c));
	T_OK(a.p + a.n <= b.p && b.p + b.n <= c.p);
	INLINE(r.kv[1].key, 14);
	INLINE(r.kv[2].val, 35);

	/* Text on both sides of escapes. */
	GOOD("{\"k\":\"ab\\ncd\\\"ef\"}", 1);
	KV(0, "k", MBR_V_STR, "ab\ncd\"ef");

	/* {"a":"\x"} — the backslash is byte 7. */
	BAD("{\"a\":\"\\x\"}",
	    "invalid JSON at column 7: bad escape \"\\x\"");
	BAD("{\"a\":\"\\'\"}",
	    "invalid JSON at column 7: bad escape \"\\'\"");
	BAD("{\"a\":\"\\U00e9\"}",
	    "invalid JSON at column 7: bad escape \"\\U\"");
	BAD("{\"a\":\"x\\ \"}",
	    "invalid JSON at column 8: bad escape: byte 0x20 after \"\\\"");
	BAD("{\"a\":\"\\\xc3\xa9\"}",
	    "invalid JSON at column 7: bad escape: byte 0xc3 after \"\\\"");
	BAD("{\"a\":\"\\u12G4\"}", "invalid JSON at column 7: "
	    "bad escape \"\\u\": expected four hex digits");
	BAD("{\"a\":\"\\u00e\"}", "invalid JSON at column 7: "
	    "bad escape \"\\u\": expected four hex digits");
	BAD("{\"a\":\"\\u00", "invalid JSON at column 7: "
	    "bad escape \"\\u\": expected four hex digits");
	BAD("{\"a\":\"\\", "invalid JSON at column 6: unterminated string");
	BAD("{\"\\q\":1}", "invalid JSON at column 3: bad escape \"\\q\"");

	/* Lone surrogates, at the backslash that starts them. */
	BAD("{\"a\":\"\\ud83d\"}",
	    "invalid JSON at column 7: lone surrogate \"\\ud83d\"");
	BAD("{\"a\":\"\\ude00\"}",
	    "invalid JSON at column 7: lone surrogate \"\\ude00\"");
	BAD("{\"a\":\"\\ud83dx\"}",
	    "invalid JSON at column 7: lone surrogate \"\\ud83d\"");
	BAD("{\"a\":\"\\ud83d\\u0041\"}",
	    "invalid JSON at column 7: lone surrogate \"\\ud83d\"");
	BAD("{\"a\":\"x\\uD83D\\uD83D\"}",
	    "invalid JSON at column 8: lone surrogate \"\\uD83D\"");
	BAD("{\"a\":\"\\ude00\\ud83d\"}",
	    "invalid JSON at column 7: lone surrogate \"\\ude00\"");
	BAD("{\"a\":\"\\ud83d\\ue000\"}",
	    "invalid JSON at column 7: lone surrogate \"\\ud83d\"");
	BAD("{\"a\":\"\\udbff\\udbff\"}",
	    "invalid JSON at column 7: lone surrogate \"\\udbff\"");
	BAD("{\"a\":\"\\ud83d\\ude0\"}",
	    "invalid JSON at column 7: lone surrogate \"\\ud83d\"");
	BAD("{\"a\":\"\\ud83d", 
	    "invalid JSON at column 7: lone surrogate \"\\ud83d\"");

	/* \u0000 would end the string for any C consumer. */
	BAD("{\"a\":\"\\u0000\"}",
	    "invalid JSON at column 7: \\u0000 is not allowed");
	BAD("{\"a\\u0000\":1}",
	    "invalid JSON at column 4: \\u0000 is not allowed");
}

static void
utf8(void)
{
	/* 中 is E4 B8 AD; a string without escapes stays in the line. */
	GOOD("{\"\xe4\xb8\xad\":\"\xe4\xb8\xad\xe6\x96\x87\"}", 1);
	KV(0, "\xe4\xb8\xad", MBR_V_STR, "\xe4\xb8\xad\xe6\x96\x87");
	INLINE(r.kv[0].val, 8);
	/* U+10FFFF raw, and DEL, which JSON need not escape. */
	GOOD("{\"a\":\"\xf4\x8f\xbf\xbf\x7f\"}", 1);
	KV(0, "a", MBR_V_STR, "\xf4\x8f\xbf\xbf\x7f");

	BAD("{\"a\":\"\xff\"}", "invalid UTF-8 at column 7");
	BAD("{\"a\":\"ok\xc3\"}", "invalid UTF-8 at column 9");
	BAD("{\"a\":\"\xc3\xa9\xc3(\"}", "invalid UTF-8 at column 9");
	/* Overlong "/", an encoded surrogate, above U+10FFFF. */
	BAD("{\"a\":\"\xc0\xaf\"}", "invalid UTF-8 at column 7");
	BAD("{\"a\":\"\xed\xa0\x80\"}", "invalid UTF-8 at column 7");
	BAD("{\"a\":\"\xf4\x90\x80\x80\"}", "invalid UTF-8 at column 7");
	BAD("{\"\xfe\":1}", "invalid UTF-8 at column 3");
	BAD("{\"o\":[\"\xff\"]}", "invalid UTF-8 at column 8");
	/* Outside a string a high byte is a syntax error first. */
	BAD("{\"a\":1}\xff",
	    "invalid JSON at column 8: trailing characters after the object");
	BAD("\xef\xbb\xbf{}", "not a JSON object");

	/* Raw control characters, tab and NUL too. */
	BAD("{\"a\":\"\x01\"}",
	    "invalid JSON at column 7: control character in string");
	BAD("{\"a\":\"x\ty\"}",
	    "invalid JSON at column 8: control character in string");
	BAD("{\"a\":\"\0\"}",
	    "invalid JSON at column 7: control character in string");
	BAD("{\"a\n\":1}",
	    "invalid JSON at column 4: control character in string");
}

static void
syntax(void)
{
	BAD("", "not a JSON object");
	BAD("   ", "not a JSON object");
	BAD("[1]", "not a JSON object");
	BAD("\"x\"", "not a JSON object");
	BAD("1", "not a JSON object");
	BAD("null", "not a JSON object");
	BAD("}", "not a JSON object");

	BAD("{", "invalid JSON at column 2: expected '\"' or '}'");
	BAD("{a:1}", "invalid JSON at column 2: expected '\"' or '}'");
	BAD("{'a':1}", "invalid JSON at column 2: expected '\"' or '}'");
	BAD("{\"a\" 1}", "invalid JSON at column 6: expected ':'");
	BAD("{\"a\"", "invalid JSON at column 5: expected ':'");
	BAD("{\"a\":}", "invalid JSON at column 6: expected a value");
	BAD("{\"a\":", "invalid JSON at column 6: expected a value");
	BAD("{\"a\":1,}", "invalid JSON at column 8: expected '\"'");
	BAD("{\"a\":1,", "invalid JSON at column 8: expected '\"'");
	BAD("{\"a\":1", "invalid JSON at column 7: expected ',' or '}'");
	BAD("{\"a\":1 \"b\":2}",
	    "invalid JSON at column 8: expected ',' or '}'");
	BAD("{\"a\":1;\"b\":2}",
	    "invalid JSON at column 7: expected ',' or '}'");
	BAD("{\"a", "invalid JSON at column 2: unterminated string");
	BAD("{\"a\":\"b", "invalid JSON at column 6: unterminated string");
	BAD("{\"a\":tru}", "invalid JSON at column 6: expected a value");
	BAD("{\"a\":True}", "invalid JSON at column 6: expected a value");
	BAD("{\"a\":nul", "invalid JSON at column 6: expected a value");
	BAD("{\"a\":truex}",
	    "invalid JSON at column 10: expected ',' or '}'");
	BAD("{\"a\":'x'}", "invalid JSON at column 6: expected a value");
	/* Form feed and no-break space are not JSON blanks. */
	BAD("{\f}", "invalid JSON at column 2: expected '\"' or '}'");
	BAD("{\"a\":1}\xc2\xa0",
	    "invalid JSON at column 8: trailing characters after the object");

	BAD("{\"a\":1} x",
	    "invalid JSON at column 9: trailing characters after the object");
	BAD("{\"a\":1}{}",
	    "invalid JSON at column 8: trailing characters after the object");
	BAD("{\"a\":1}}",
	    "invalid JSON at column 8: trailing characters after the object");
	BAD("{}\0",
	    "invalid JSON at column 3: trailing characters after the object");
	GOOD("{\"a\":1}  \t\r", 1);
}

static void
numbers(void)
{
	GOOD("{\"a\":-0,\"b\":0,\"c\":1e5,\"d\":1.5E-3,\"e\":-0.0e+00,"
	    "\"f\":123456789012345678901234567890,\"g\":1e400,\"h\":10}", 8);
	KV(0, "a", MBR_V_NUM, "-0");
	KV(1, "b", MBR_V_NUM, "0");
	KV(2, "c", MBR_V_NUM, "1e5");
	KV(3, "d", MBR_V_NUM, "1.5E-3");
	KV(4, "e", MBR_V_NUM, "-0.0e+00");
	KV(5, "f", MBR_V_NUM, "123456789012345678901234567890");
	KV(6, "g", MBR_V_NUM, "1e400");
	KV(7, "h", MBR_V_NUM, "10");
	GOOD("{\"a\" : 7 }", 1);
	KV(0, "a", MBR_V_NUM, "7");

	/* The column is the first byte that cannot go on. */
	BAD("{\"a\":01}", "invalid JSON at column 7: bad number");
	BAD("{\"a\":-01}", "invalid JSON at column 8: bad number");
	BAD("{\"a\":1.}", "invalid JSON at column 8: bad number");
	BAD("{\"a\":1.e5}", "invalid JSON at column 8: bad number");
	BAD("{\"a\":-}", "invalid JSON at column 7: bad number");
	BAD("{\"a\":-", "invalid JSON at column 7: bad number");
	BAD("{\"a\":1e}", "invalid JSON at column 8: bad number");
	BAD("{\"a\":1e+}", "invalid JSON at column 9: bad number");
	BAD("{\"a\":1.5E-}", "invalid JSON at column 11: bad number");
	BAD("{\"a\":-Infinity}", "invalid JSON at column 7: bad number");
	BAD("{\"a\":.5}", "invalid JSON at column 6: expected a value");
	BAD("{\"a\":+1}", "invalid JSON at column 6: expected a value");
	BAD("{\"a\":NaN}", "invalid JSON at column 6: expected a value");
	BAD("{\"a\":Infinity}", "invalid JSON at column 6: expected a value");
	BAD("{\"a\":0x1F}", "invalid JSON at column 7: expected ',' or '}'");
	BAD("{\"a\":1 2}", "invalid JSON at column 8: expected ',' or '}'");
	BAD("{\"a\":1.5.2}",
	    "invalid JSON at column 9: expected ',' or '}'");
}

/* {"a": then d '[' then inner then d ']' then '}'. */
static char *
deep(size_t d, const char *inner, size_t *np)
{
	size_t k = strlen(inner), n = 5 + 2 * d + k + 1;
	char *s = malloc(n);

	memcpy(s, "{\"a\":", 5);
	memset(s + 5, '[', d);
	memcpy(s + 5 + d, inner, k);
	memset(s + 5 + d + k, ']', d);
	s[n - 1] = '}';
	*np = n;
	return s;
}

static void
nested(void)
{
	char *s;
	size_t n;

	/* Brackets and quotes inside strings do not count. */
	GOOD("{\"o\":{\"a\":\"}\",\"b\":[\"]\",{\"c\":\"\\\"}\"}]},\"x\":1}",
	    2);
	KV(0, "o", MBR_V_RAW, "{\"a\":\"}\",\"b\":[\"]\",{\"c\":\"\\\"}\"}]}");
	KV(1, "x", MBR_V_NUM, "1");
	INLINE(r.kv[0].val, 5);
	GOOD("{\"a\":[true,false,null,-1.5e-3,\"\\u00e9\",[[]],{}],\"b\":2}", 2);
	KV(0, "a", MBR_V_RAW,
	    "[true,false,null,-1.5e-3,\"\\u00e9\",[[]],{}]");
	GOOD("{\"a\":{ \"k\" : [ 1 , 2 ] , \"d\":{\"d\":1,\"d\":2} }}", 1);
	KV(0, "a", MBR_V_RAW,
	    "{ \"k\" : [ 1 , 2 ] , \"d\":{\"d\":1,\"d\":2} }");

	BAD("{\"o\":{\"a\":1,}}", "invalid JSON at column 13: expected '\"'");
	BAD("{\"o\":{1:1}}", "invalid JSON at column 7: expected '\"'");
	BAD("{\"o\":[1,]}", "invalid JSON at column 9: expected a value");
	BAD("{\"o\":[,1]}", "invalid JSON at column 7: expected a value");
	BAD("{\"o\":[1}", "invalid JSON at column 8: expected ',' or ']'");
	BAD("{\"o\":{\"a\":1]}",
	    "invalid JSON at column 12: expected ',' or '}'");
	BAD("{\"o\":{\"a\"}}", "invalid JSON at column 10: expected ':'");
	BAD("{\"o\":[", "invalid JSON at column 7: expected a value");
	BAD("{\"o\":[1", "invalid JSON at column 8: expected ',' or ']'");
	BAD("{\"o\":[1]", "invalid JSON at column 9: expected ',' or '}'");
	BAD("{\"o\":[\"]}", "invalid JSON at column 7: unterminated string");
	BAD("{\"o\":{\"a\":\"\\x\"}}",
	    "invalid JSON at column 12: bad escape \"\\x\"");
	BAD("{\"o\":[\"\\ud800\"]}",
	    "invalid JSON at column 8: lone surrogate \"\\ud800\"");
	BAD("{\"o\":[\"\\u0000\"]}",
	    "invalid JSON at column 8: \\u0000 is not allowed");
	BAD("{\"o\":[01]}", "invalid JSON at column 8: bad number");
	BAD("{\"o\":[tru]}", "invalid JSON at column 7: expected a value");
	BAD("{\"o\":[\"\x01\"]}",
	    "invalid JSON at column 8: control character in string");

	/* jansson's limit: a value at most 2048 deep, the record being 1.
	 * d arrays as the value of "a": the outer one is depth 2, what
	 * the innermost holds is depth d + 2. */
	s = deep(2046, "1", &n);
	T_EQ_I(parse(s, n), MBR_OK);
	T_EQ_I(r.nkv, 1);
	T_EQ_I(r.kv[0].val.n, 2 * 2046 + 1);
	free(s);
	s = deep(2047, "", &n);
	T_EQ_I(parse(s, n), MBR_OK);
	free(s);
	/* The 1 is at offset 5 + 2047: column 2053. */
	s = deep(2047, "1", &n);
	T_EQ_I(parse(s, n), MBR_EDATA);
	T_EQ_S(err.msg,
	    "invalid JSON at column 2053: nested deeper than 2048 levels");
	free(s);
	/* The 2048th '[' is at offset 5 + 2047. */
	s = deep(2048, "", &n);
	T_EQ_I(parse(s, n), MBR_EDATA);
	T_EQ_S(err.msg,
	    "invalid JSON at column 2053: nested deeper than 2048 levels");
	free(s);
	/* Deep and unclosed: the end of the line, 5 + 100000 + 1. */
	s = deep(100000, "", &n);
	T_EQ_I(parse(s, 5 + 100000), MBR_EDATA);
	T_EQ_S(err.msg,
	    "invalid JSON at column 2053: nested deeper than 2048 levels");
	free(s);
	s = deep(2000, "", &n);
	T_EQ_I(parse(s, 5 + 2000), MBR_EDATA);
	T_EQ_S(err.msg, "invalid JSON at column 2006: expected a value");
	free(s);
}

static void
longstrings(void)
{
	size_t big = 10 * 1024 * 1024, n, i;
	char *s = malloc(big + 32), *sp;
	int ok;

	/* 10 MB of text and one é (C3 A9): a slice of the line. */
	memcpy(s, "{\"k\":\"", 6);
	memset(s + 6, 'a', big);
	memcpy(s + 6 + big, "\xc3\xa9\"}", 4);
	n = 6 + big + 4;
	T_EQ_I(parse(s, n), MBR_OK);
	T_EQ_I(r.nkv, 1);
	T_EQ_I(r.kv[0].val.n, big + 2);
	INLINE(r.kv[0].val, 6);

	/* 5 MB of "\n" escapes: 5 M newlines in scratch, which was
	 * reserved first and so is where the slice says. */
	memcpy(s, "{\"k\":\"", 6);
	for (i = 0; i < big / 2; i++)
		memcpy(s + 6 + 2 * i, "\\n", 2);
	memcpy(s + 6 + big, "\"}", 2);
	n = 6 + big + 2;
	T_EQ_I(parse(s, n), MBR_OK);
	T_EQ_I(r.kv[0].val.n, big / 2);
	sp = r.scratch.p;
	T_OK(r.kv[0].val.p == sp);
	ok = 1;
	for (i = 0; i < big / 2; i++)
		ok &= r.kv[0].val.p[i] == '\n';
	T_OK(ok);
	T_OK(r.scratch.p[r.scratch.n] == '\0');

	/* Unterminated: the column is the opening quote. */
	memcpy(s, "{\"k\":\"", 6);
	memset(s + 6, 'a', big);
	T_EQ_I(parse(s, 6 + big), MBR_EDATA);
	T_EQ_S(err.msg, "invalid JSON at column 6: unterminated string");
	free(s);
}

/* One byte c at each place p of a 40-byte string: the 16-byte steps
 * of the string scan must stop at it wherever it falls.  {"a":" is 6
 * bytes, so the byte is at column 7 + p. */
static void
steps(void)
{
	char s[64], want[64];
	size_t p, n = 6 + 40 + 2;
	int ok;

	for (p = 0; p < 40; p++) {
		memcpy(s, "{\"a\":\"", 6);
		memset(s + 6, 'a', 40);
		memcpy(s + 46, "\"}", 2);

		s[6 + p] = 0x1f;
		T_EQ_I(parse(s, n), MBR_EDATA);
		snprintf(want, sizeof(want), "invalid JSON at column %zu: "
		    "control character in string", 7 + p);
		T_EQ_S(err.msg, want);
		s[6 + p] = 0x00;
		T_EQ_I(parse(s, n), MBR_EDATA);
		T_EQ_S(err.msg, want);

		s[6 + p] = (char)0xff;
		T_EQ_I(parse(s, n), MBR_EDATA);
		snprintf(want, sizeof(want), "invalid UTF-8 at column %zu",
		    7 + p);
		T_EQ_S(err.msg, want);

		/* 0x20 and 0x7f are text; 0x80 only ends nothing. */
		s[6 + p] = 0x7f;
		s[6 + (p + 1) % 40] = 0x20;
		T_EQ_I(parse(s, n), MBR_OK);
		T_EQ_I(r.kv[0].val.n, 40);

		/* A quote ends the string early: the next byte, an 'a' or
		 * the old closing quote, is garbage. */
		memset(s + 6, 'a', 40);
		s[6 + p] = '"';
		T_EQ_I(parse(s, n), MBR_EDATA);
		snprintf(want, sizeof(want), "invalid JSON at column %zu: "
		    "expected ',' or '}'", 8 + p);
		T_EQ_S(err.msg, want);

		/* An escape there: the text around it is kept.  At the
		 * last place it escapes the closing quote instead. */
		memset(s + 6, 'a', 40);
		s[6 + p] = '\\';
		s[6 + (p + 1) % 40] = 'n';
		if (p == 39)
			s[6] = 'a';
		ok = parse(s, n) == (p == 39 ? MBR_EDATA : MBR_OK);
		T_OK(ok);
		if (p < 39)
			T_EQ_I(r.kv[0].val.n, 39);
	}
}

#define QUOTE(in, want) do {						\
	mbr_buf_reset(&b);						\
	mbr_json_quote(&b, (in), sizeof(in) - 1);			\
	T_EQ_SN(b.p, b.n, (want));					\
	T_OK(b.p[b.n] == '\0');						\
} while (0)

static void
quote(void)
{
	mbr_buf b;
	char all[127];
	int i, ok;

	mbr_buf_init(&b);
	QUOTE("", "\"\"");
	QUOTE("plain", "\"plain\"");
	/* python3: json.dumps("a\"b\\c\x01\x1f\n\r\t\b\f\x7f é😀/",
	 * ensure_ascii=False) */
	QUOTE("a\"b\\c\x01\x1f\n\r\t\b\f\x7f \xc3\xa9\xf0\x9f\x98\x80/",
	    "\"a\\\"b\\\\c\\u0001\\u001f\\n\\r\\t\\b\\f\x7f "
	    "\xc3\xa9\xf0\x9f\x98\x80/\"");
	QUOTE("\x0b\x1b\x00", "\"\\u000b\\u001b\\u0000\"");
	QUOTE("\"", "\"\\\"\"");

	/* Appends to what is there. */
	mbr_buf_reset(&b);
	mbr_buf_adds(&b, "{\"k\":");
	mbr_json_quote(&b, "v\n", 2);
	mbr_buf_addc(&b, '}');
	T_EQ_SN(b.p, b.n, "{\"k\":\"v\\n\"}");

	/* Quoting then parsing gives back every byte from 1 to 127. */
	for (i = 0; i < 127; i++)
		all[i] = (char)(i + 1);
	mbr_buf_reset(&b);
	mbr_buf_adds(&b, "{\"k\":");
	mbr_json_quote(&b, all, sizeof(all));
	mbr_buf_addc(&b, '}');
	T_EQ_I(parse(b.p, b.n), MBR_OK);
	ok = r.nkv == 1 && r.kv[0].val.n == sizeof(all) &&
	    memcmp(r.kv[0].val.p, all, sizeof(all)) == 0;
	T_OK(ok);

	/* Each byte that needs an escape, and some that do not, at every
	 * place of strings of every length to 41: the scan (one padded
	 * step under 16 bytes, then 16 at a time and an overlapping last
	 * step) must stop at it wherever it falls. */
	{
		static const unsigned char sp[] = { '"', '\\', 0x00, 0x1f,
		    0x20, 0x7f, 0x80, 0xff, '\n' };
		char s[41], want[80];
		size_t k, p, w, n;

		for (n = 1; n <= sizeof(s); n++)
		for (k = 0; k < sizeof(sp); k++)
			for (p = 0; p < n; p++) {
				/* what follows the string needs escapes:
				 * a scan past n must not see them */
				memset(s, '"', sizeof(s));
				memset(s, 'a', n);
				s[p] = (char)sp[k];
				w = 0;
				want[w++] = '"';
				memset(want + w, 'a', p);
				w += p;
				if (sp[k] == '"' || sp[k] == '\\') {
					want[w++] = '\\';
					want[w++] = (char)sp[k];
				} else if (sp[k] == '\n') {
					memcpy(want + w, "\\n", 2);
					w += 2;
				} else if (sp[k] < 0x20) {
					w += (size_t)sprintf(want + w,
					    "\\u%04x", sp[k]);
				} else
					want[w++] = (char)sp[k];
				memset(want + w, 'a', n - p - 1);
				w += n - p - 1;
				want[w++] = '"';
				mbr_buf_reset(&b);
				mbr_json_quote(&b, s, n);
				T_EQ_SN(b.p, b.n, (want[w] = '\0', want));
			}
	}

	/* Strings that end where a page ends and the next page cannot be
	 * read: the one-step scan of short strings may read past a string
	 * only within its page. */
	{
		long pg = sysconf(_SC_PAGESIZE);
		char *m = mmap(NULL, (size_t)pg * 2, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		size_t n;

		T_OK(m != MAP_FAILED &&
		    mprotect(m + pg, (size_t)pg, PROT_NONE) == 0);
		for (n = 0, ok = 1; n <= 20; n++) {
			char *s = m + pg - n;

			memset(s, 'x', n);
			if (n > 0)
				s[n - 1] = '"';
			mbr_buf_reset(&b);
			mbr_json_quote(&b, s, n);
			ok &= b.n == (n > 0 ? n + 3 : 2) && b.p[0] == '"' &&
			    (n == 0 || memcmp(b.p + b.n - 3, "\\\"\"", 3) == 0);
		}
		T_OK(ok);
		munmap(m, (size_t)pg * 2);
	}

	/* A long run needs more than the first reservation. */
	mbr_buf_reset(&b);
	for (i = 0; i < 1000; i++)
		mbr_json_quote(&b, "\x01", 1);
	T_EQ_I(b.n, 1000 * 8);
	mbr_buf_release(&b);
}

int
main(void)
{
	mbr_jrec_init(&r);
	types();
	escapes();
	utf8();
	syntax();
	numbers();
	nested();
	longstrings();
	steps();
	quote();
	mbr_jrec_release(&r);
	free(line);
	return T_DONE();
}
