/* mbr_ndjson.c: see mbr_ndjson.h.
 *
 * The scanner reads RFC 8259 JSON in one pass over the line and knows
 * one shape: an object whose values are scalars.  A nested object or
 * array is walked by a small state machine that only validates and
 * then kept as its text, so a record never costs more than a look at
 * each byte, and nothing is allocated per field.
 *
 * Where bytes go.  A string without a backslash is a slice of the
 * line.  One with a backslash is unescaped into r->scratch; no escape
 * is shorter than what it stands for (\n is one byte, \uXXXX at most
 * three, a surrogate pair four), so n bytes of scratch hold every
 * string of the line, and reserving them first means no slice moves.
 *
 * UTF-8 is checked per string, and only for a string that holds a byte
 * above 0x7f, by mbr_utf8_check over its raw text: escapes are ASCII
 * and what \u produces is well formed by construction, so the raw text
 * is valid exactly when the value is.  Outside strings such a byte is
 * a syntax error anyway.  On the order records of bench (1 GB, 180
 * bytes a line, a third with some Chinese), checking whole lines
 * instead cost 20% of the time; see plain() for the rest.
 *
 * Where we differ from jansson (the reference, mbr_ndjson_ref_parse),
 * on purpose:
 *   - numbers stay text: 1e400 is valid JSON, and is kept as written;
 *     jansson converts to double and fails with "real number overflow";
 *   - duplicate keys are all kept, in order; jansson keeps one, at the
 *     first key's place, with the last value (the reader does the same
 *     with ours).
 * Nesting follows jansson's limit: a value may sit inside at most 2047
 * objects and arrays, the record's own included, so that the two agree
 * on what is valid. */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "mbr_ndjson.h"
#include "mbr_utf8.h"

/* jansson's JSON_PARSER_MAX_DEPTH: the record is depth 1, its values
 * depth 2, and so on. */
#define MAXDEPTH	2048

/* Bytes that end a run of plain string text: '"', '\\' and the control
 * characters, which JSON requires escaped.  Bytes above 0x7f are plain
 * here; UTF-8 is checked afterwards (see above). */
static const unsigned char strstop[256] = {
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,	/* 0x00 */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,	/* 0x10 */
	0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,	/* 0x20 '"' */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,	/* 0x30 */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,	/* 0x40 */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0,	/* 0x50 '\\' */
};

/* SSE2 is in every x86-64; elsewhere, or with MBR_NDJSON_NO_SIMD (to
 * test the other path), strings are scanned a byte at a time. */
#include "mbr_simd.h"
#if defined(MBR_SIMD) && !defined(MBR_NDJSON_NO_SIMD)
#define ND_SIMD 1
#endif

struct scan {
	const unsigned char	*s;	/* the line */
	size_t			 n;
	char			*out;	/* next free byte of r->scratch */
	mbr_err			*err;
};

void
mbr_jrec_init(mbr_jrec *r)
{
	r->cap = 16;
	r->kv = mbr_xmalloc(r->cap * sizeof(r->kv[0]));
	r->nkv = 0;
	mbr_buf_init(&r->scratch);
}

void
mbr_jrec_release(mbr_jrec *r)
{
	free(r->kv);
	r->kv = NULL;
	r->nkv = r->cap = 0;
	mbr_buf_release(&r->scratch);
}

static mbr_kv *
addkv(mbr_jrec *r)
{
	if (r->nkv == r->cap) {
		r->cap *= 2;
		r->kv = mbr_xrealloc(r->kv, r->cap * sizeof(r->kv[0]));
	}
	return &r->kv[r->nkv++];
}

/* The message names the byte at s[i], 1-based. */
static int
bad(struct scan *sc, size_t i, const char *what)
{
	return mbr_err_set(sc->err, MBR_EDATA,
	    "invalid JSON at column %zu: %s", i + 1, what);
}

static inline int
isdig(int c)
{
	return c >= '0' && c <= '9';
}

static inline size_t
skipws(const unsigned char *s, size_t n, size_t i)
{
	while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' ||
	    s[i] == '\r'))
		i++;
	return i;
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c |= 0x20;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* The four hex digits at s[i..i+4) as a number, or -1. */
static long
hex4(const unsigned char *s, size_t n, size_t i)
{
	long v = 0;
	int k, d;

	if (i > n || n - i < 4)
		return -1;
	for (k = 0; k < 4; k++) {
		if ((d = hexval(s[i + k])) < 0)
			return -1;
		v = v << 4 | d;
	}
	return v;
}

static size_t
utf8put(char *o, unsigned long cp)
{
	if (cp < 0x80) {
		o[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = (char)(0xc0 | cp >> 6);
		o[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = (char)(0xe0 | cp >> 12);
		o[1] = (char)(0x80 | (cp >> 6 & 0x3f));
		o[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	o[0] = (char)(0xf0 | cp >> 18);
	o[1] = (char)(0x80 | (cp >> 12 & 0x3f));
	o[2] = (char)(0x80 | (cp >> 6 & 0x3f));
	o[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

static int
badesc(struct scan *sc, size_t i, int c)
{
	if (c > ' ' && c < 0x7f)
		return mbr_err_set(sc->err, MBR_EDATA, "invalid JSON at "
		    "column %zu: bad escape \"\\%c\"", i + 1, c);
	/* A control or non-ASCII byte would garble the message. */
	return mbr_err_set(sc->err, MBR_EDATA, "invalid JSON at column %zu: "
	    "bad escape: byte 0x%02x after \"\\\"", i + 1, (unsigned)c);
}

/* Decodes the escape whose backslash is at s[*ip] and advances *ip past
 * it.  op NULL: only check it; else write the bytes at *op and advance
 * *op.  q is the string's opening quote, for "unterminated". */
static int
unescape(struct scan *sc, size_t *ip, size_t q, char **op)
{
	const unsigned char *s = sc->s;
	size_t i = *ip, n = sc->n, k;
	char tmp[4], *o = op != NULL ? *op : tmp;
	long cp, lo;

	if (i + 1 >= n)
		return bad(sc, q, "unterminated string");
	switch (s[i + 1]) {
	case '"':
	case '\\':
	case '/':
		o[0] = (char)s[i + 1];
		break;
	case 'b':
		o[0] = '\b';
		break;
	case 'f':
		o[0] = '\f';
		break;
	case 'n':
		o[0] = '\n';
		break;
	case 'r':
		o[0] = '\r';
		break;
	case 't':
		o[0] = '\t';
		break;
	case 'u':
		if ((cp = hex4(s, n, i + 2)) < 0)
			return bad(sc, i,
			    "bad escape \"\\u\": expected four hex digits");
		/* A C consumer would take NUL for the end of the value. */
		if (cp == 0)
			return bad(sc, i, "\\u0000 is not allowed");
		if (cp >= 0xdc00 && cp <= 0xdfff)
			goto lone;
		if (cp >= 0xd800 && cp <= 0xdbff) {
			/* Only a low surrogate right after makes a pair. */
			if (n - i < 12 || s[i + 6] != '\\' || s[i + 7] != 'u' ||
			    (lo = hex4(s, n, i + 8)) < 0xdc00 || lo > 0xdfff)
				goto lone;
			cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
			*ip = i + 12;
		} else
			*ip = i + 6;
		k = utf8put(o, (unsigned long)cp);
		if (op != NULL)
			*op += k;
		return MBR_OK;
	default:
		return badesc(sc, i, s[i + 1]);
	}
	*ip = i + 2;
	if (op != NULL)
		(*op)++;
	return MBR_OK;
lone:
	return mbr_err_set(sc->err, MBR_EDATA, "invalid JSON at column %zu: "
	    "lone surrogate \"\\u%.4s\"", i + 1, (const char *)s + i + 2);
}

/* Returns the offset of the first byte in s[i..n) that strstop names,
 * or n; ORs into *hi something nonzero if a byte above 0x7f was passed.
 *
 * Most strings in a record are short (ids, timestamps, amounts, codes).
 * What costs is the branch that ends each string's loop, so 16 bytes
 * are looked at in one step and the loop usually runs once. */
static inline size_t
plain(const unsigned char *s, size_t n, size_t i, unsigned *hi)
{
#ifdef ND_SIMD
	const __m128i vq = _mm_set1_epi8('"');
	const __m128i vb = _mm_set1_epi8('\\');
	const __m128i vc = _mm_set1_epi8(0x1f);
	__m128i v;
	unsigned m;

	for (; n - i >= 16; i += 16) {
		v = _mm_loadu_si128((const void *)(s + i));
		/* max(v, 0x1f) == 0x1f: the bytes up to 0x1f, unsigned. */
		m = (unsigned)_mm_movemask_epi8(_mm_or_si128(_mm_or_si128(
		    _mm_cmpeq_epi8(v, vq), _mm_cmpeq_epi8(v, vb)),
		    _mm_cmpeq_epi8(_mm_max_epu8(v, vc), vc)));
		*hi |= (unsigned)_mm_movemask_epi8(v);
		if (m != 0)
			return i + (size_t)__builtin_ctz(m);
	}
#endif
	while (i < n && !strstop[s[i]])
		*hi |= s[i++] & 0x80;
	return i;
}

/* Scans the string whose opening quote is at s[*ip] and advances *ip
 * past its closing quote.  v NULL: only check it (inside nested
 * values); else set v to its unescaped bytes. */
static int
string(struct scan *sc, size_t *ip, mbr_slice *v)
{
	const unsigned char *s = sc->s;
	size_t q = *ip, i = q + 1, beg = i, run = i, n = sc->n, k;
	char *o = NULL;	/* writing into scratch once an escape is seen */
	unsigned hi = 0;

	for (;;) {
		i = plain(s, n, i, &hi);
		if (i == n)
			return bad(sc, q, "unterminated string");
		if (s[i] == '"')
			break;
		if (s[i] != '\\')
			return bad(sc, i, "control character in string");
		if (v != NULL && o == NULL)
			o = sc->out;
		if (o != NULL) {
			memcpy(o, s + run, i - run);
			o += i - run;
		}
		if (unescape(sc, &i, q, o != NULL ? &o : NULL) != MBR_OK)
			return MBR_EDATA;
		run = i;
	}
	if (hi != 0 && (k = mbr_utf8_check((const char *)s + beg, i - beg)) !=
	    i - beg)
		return mbr_err_set(sc->err, MBR_EDATA,
		    "invalid UTF-8 at column %zu", beg + k + 1);
	*ip = i + 1;
	if (v == NULL)
		return MBR_OK;
	if (o == NULL) {
		v->p = (const char *)s + beg;
		v->n = i - beg;
	} else {
		memcpy(o, s + run, i - run);
		o += i - run;
		v->p = sc->out;
		v->n = (size_t)(o - sc->out);
		sc->out = o;
	}
	return MBR_OK;
}

/* A number by the JSON grammar, -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?
 * [0-9]+)?, at s[*ip]; the error names the first byte that cannot go
 * on.  What follows a complete number is the caller's business. */
static int
number(struct scan *sc, size_t *ip)
{
	const unsigned char *s = sc->s;
	size_t i = *ip, n = sc->n;

	if (s[i] == '-')
		i++;
	if (i < n && s[i] == '0') {
		if (++i < n && isdig(s[i]))
			return bad(sc, i, "bad number");
	} else if (i < n && isdig(s[i])) {
		while (i < n && isdig(s[i]))
			i++;
	} else
		return bad(sc, i, "bad number");
	if (i < n && s[i] == '.') {
		if (++i == n || !isdig(s[i]))
			return bad(sc, i, "bad number");
		while (i < n && isdig(s[i]))
			i++;
	}
	if (i < n && (s[i] == 'e' || s[i] == 'E')) {
		if (++i < n && (s[i] == '+' || s[i] == '-'))
			i++;
		if (i == n || !isdig(s[i]))
			return bad(sc, i, "bad number");
		while (i < n && isdig(s[i]))
			i++;
	}
	*ip = i;
	return MBR_OK;
}

/* A scalar other than a string at s[*ip]: its type, or 0 with the
 * error set. */
static int
scalar(struct scan *sc, size_t *ip)
{
	const unsigned char *s = sc->s;
	size_t i = *ip, left = sc->n - i;

	switch (i < sc->n ? s[i] : -1) {
	case 't':
		if (left >= 4 && memcmp(s + i, "true", 4) == 0) {
			*ip = i + 4;
			return MBR_V_BOOL;
		}
		break;
	case 'f':
		if (left >= 5 && memcmp(s + i, "false", 5) == 0) {
			*ip = i + 5;
			return MBR_V_BOOL;
		}
		break;
	case 'n':
		if (left >= 4 && memcmp(s + i, "null", 4) == 0) {
			*ip = i + 4;
			return MBR_V_NULL;
		}
		break;
	case '-':
	case '0': case '1': case '2': case '3': case '4':
	case '5': case '6': case '7': case '8': case '9':
		return number(sc, ip) == MBR_OK ? MBR_V_NUM : 0;
	}
	bad(sc, i, "expected a value");
	return 0;
}

/* Checks the object or array at s[*ip], a value of the record (depth
 * 2), and advances *ip past it.  An explicit stack of one bit per
 * level (object or array) instead of recursion: depth costs 256 bytes,
 * never the C stack.  Level d, the record being 1, is bit d - 2. */
static int
nested(struct scan *sc, size_t *ip)
{
	enum { VALUE, KEY, AFTER } st = VALUE;
	unsigned char isobj[MAXDEPTH / 8];
	const unsigned char *s = sc->s;
	size_t i = *ip, n = sc->n, b;
	size_t d = 1;	/* objects and arrays open, the record's included */
	int c, obj;

	for (;;) {
		switch (st) {
		case VALUE:
			/* A value here has depth d + 1. */
			if (d + 1 > MAXDEPTH)
				return bad(sc, i,
				    "nested deeper than 2048 levels");
			c = i < n ? s[i] : -1;
			if (c == '{' || c == '[') {
				b = ++d - 2;
				if (c == '{')
					isobj[b / 8] |= 1u << b % 8;
				else
					isobj[b / 8] &= ~(1u << b % 8);
				i = skipws(s, n, i + 1);
				if (i < n && s[i] == (c == '{' ? '}' : ']')) {
					i++;
					d--;
					st = AFTER;
				} else
					st = c == '{' ? KEY : VALUE;
				break;
			}
			if (c == '"') {
				if (string(sc, &i, NULL) != MBR_OK)
					return MBR_EDATA;
			} else if (scalar(sc, &i) == 0)
				return MBR_EDATA;
			st = AFTER;
			break;
		case KEY:
			if (i == n || s[i] != '"')
				return bad(sc, i, "expected '\"'");
			if (string(sc, &i, NULL) != MBR_OK)
				return MBR_EDATA;
			i = skipws(s, n, i);
			if (i == n || s[i] != ':')
				return bad(sc, i, "expected ':'");
			i = skipws(s, n, i + 1);
			st = VALUE;
			break;
		case AFTER:
			if (d == 1) {
				*ip = i;
				return MBR_OK;
			}
			b = d - 2;
			obj = isobj[b / 8] >> b % 8 & 1;
			i = skipws(s, n, i);
			if (i < n && s[i] == ',') {
				i = skipws(s, n, i + 1);
				st = obj ? KEY : VALUE;
			} else if (i < n && s[i] == (obj ? '}' : ']')) {
				i++;
				d--;
			} else
				return bad(sc, i, obj ? "expected ',' or '}'" :
				    "expected ',' or ']'");
			break;
		}
	}
}

static int
value(struct scan *sc, size_t *ip, mbr_kv *kv)
{
	const unsigned char *s = sc->s;
	size_t i = *ip;
	int t;

	if (i < sc->n && s[i] == '"') {
		kv->type = MBR_V_STR;
		return string(sc, ip, &kv->val);
	}
	if (i < sc->n && (s[i] == '{' || s[i] == '[')) {
		if (nested(sc, ip) != MBR_OK)
			return MBR_EDATA;
		t = MBR_V_RAW;
	} else if ((t = scalar(sc, ip)) == 0)
		return MBR_EDATA;
	kv->type = t;
	kv->val.p = (const char *)s + i;
	kv->val.n = *ip - i;
	return MBR_OK;
}

static int
parse(struct scan *sc, mbr_jrec *r)
{
	const unsigned char *s = sc->s;
	size_t i, n = sc->n;
	mbr_kv *kv;

	i = skipws(s, n, 0);
	if (i == n || s[i] != '{')
		return mbr_err_set(sc->err, MBR_EDATA, "not a JSON object");
	i = skipws(s, n, i + 1);
	if (i < n && s[i] == '}')
		i++;
	else {
		for (;;) {
			if (i == n || s[i] != '"')
				return bad(sc, i, r->nkv == 0 ?
				    "expected '\"' or '}'" : "expected '\"'");
			kv = addkv(r);
			if (string(sc, &i, &kv->key) != MBR_OK)
				return MBR_EDATA;
			i = skipws(s, n, i);
			if (i == n || s[i] != ':')
				return bad(sc, i, "expected ':'");
			i = skipws(s, n, i + 1);
			if (value(sc, &i, kv) != MBR_OK)
				return MBR_EDATA;
			i = skipws(s, n, i);
			if (i < n && s[i] == ',') {
				i = skipws(s, n, i + 1);
				continue;
			}
			if (i < n && s[i] == '}') {
				i++;
				break;
			}
			return bad(sc, i, "expected ',' or '}'");
		}
	}
	i = skipws(s, n, i);
	if (i != n)
		return bad(sc, i, "trailing characters after the object");
	return MBR_OK;
}

int
mbr_ndjson_parse(const char *line, size_t n, mbr_jrec *r, mbr_err *err)
{
	struct scan sc;
	int rc;

	r->nkv = 0;
	mbr_buf_reset(&r->scratch);
	mbr_buf_grow(&r->scratch, n);
	sc.s = (const unsigned char *)line;
	sc.n = n;
	sc.out = r->scratch.p;
	sc.err = err;
	if ((rc = parse(&sc, r)) != MBR_OK)
		r->nkv = 0;
	r->scratch.n = (size_t)(sc.out - r->scratch.p);
	r->scratch.p[r->scratch.n] = '\0';
	return rc;
}

/* Appends the text of v for the reference: a string's bytes, jansson's
 * rendering of anything else (a number as the double it became, an
 * object or array compact, keys in their order).  Returns the type. */
static int
refval(mbr_buf *b, json_t *v)
{
	size_t flags, k;
	int t;

	switch (json_typeof(v)) {
	case JSON_STRING:
		mbr_buf_add(b, json_string_value(v), json_string_length(v));
		return MBR_V_STR;
	case JSON_TRUE:
	case JSON_FALSE:
		t = MBR_V_BOOL;
		break;
	case JSON_NULL:
		t = MBR_V_NULL;
		break;
	case JSON_INTEGER:
	case JSON_REAL:
		t = MBR_V_NUM;
		break;
	default:
		t = MBR_V_RAW;
		break;
	}
	/* json_dumpb writes no NUL and says how much it needs. */
	flags = JSON_ENCODE_ANY | JSON_COMPACT | JSON_PRESERVE_ORDER;
	k = json_dumpb(v, NULL, 0, flags);
	mbr_buf_grow(b, k);
	b->n += json_dumpb(v, b->p + b->n, k, flags);
	b->p[b->n] = '\0';
	return t;
}

/* JSON_DECODE_INT_AS_REAL: without it jansson rejects an integer
 * beyond int64 ("too big integer"), which is valid JSON; as a double
 * only true overflow (1e400) is left to differ.  No JSON_DECODE_ANY,
 * no JSON_DISABLE_EOF_CHECK: the line holds one object or array and
 * nothing after it but blanks; we reject the array.  No
 * JSON_ALLOW_NUL: \u0000 is an error, as in the scanner. */
int
mbr_ndjson_ref_parse(const char *line, size_t n, mbr_jrec *r, mbr_err *err)
{
	json_error_t je;
	json_t *o, *v;
	const char *key;
	size_t klen, i, off;

	r->nkv = 0;
	mbr_buf_reset(&r->scratch);
	if ((o = json_loadb(line, n, JSON_DECODE_INT_AS_REAL, &je)) == NULL)
		return mbr_err_set(err, MBR_EDATA,
		    "invalid JSON at byte %d: %s", je.position, je.text);
	if (!json_is_object(o)) {
		json_decref(o);
		return mbr_err_set(err, MBR_EDATA, "not a JSON object");
	}
	/* jansson 2.14 iterates in insertion order.  The texts go into
	 * scratch one after another and are pointed at only at the end,
	 * since scratch may move while it grows. */
	json_object_keylen_foreach(o, key, klen, v) {
		mbr_kv *kv = addkv(r);

		mbr_buf_add(&r->scratch, key, klen);
		kv->key.n = klen;
		off = r->scratch.n;
		kv->type = refval(&r->scratch, v);
		kv->val.n = r->scratch.n - off;
	}
	json_decref(o);
	for (i = 0, off = 0; i < r->nkv; i++) {
		r->kv[i].key.p = r->scratch.p + off;
		off += r->kv[i].key.n;
		r->kv[i].val.p = r->scratch.p + off;
		off += r->kv[i].val.n;
	}
	return MBR_OK;
}

/* The offset of the first byte of s[0..n) that JSON must escape, or n.
 * Fields are mostly short and clean: a string under 16 bytes is looked
 * at in one step (mbr_load_short; copying it into a padded block had
 * been a third of the time of quoting), a longer one 16 bytes a step
 * and its tail by a last, overlapping step. */
#ifdef ND_SIMD
static inline unsigned
esc16(__m128i v)
{
	const __m128i vq = _mm_set1_epi8('"');
	const __m128i vb = _mm_set1_epi8('\\');
	const __m128i vc = _mm_set1_epi8(0x1f);

	return (unsigned)_mm_movemask_epi8(_mm_or_si128(_mm_or_si128(
	    _mm_cmpeq_epi8(v, vq), _mm_cmpeq_epi8(v, vb)),
	    _mm_cmpeq_epi8(_mm_max_epu8(v, vc), vc)));
}
#endif

static inline size_t
first_escape(const unsigned char *s, size_t n)
{
#ifdef ND_SIMD
	size_t i = 0;
	unsigned m;

	if (n < 16) {
		if (n == 0)
			return 0;	/* s may be the end of a page */
		m = esc16(mbr_load_short(s, n)) & ((1u << n) - 1);
		return m != 0 ? (size_t)__builtin_ctz(m) : n;
	}
	for (; n - i > 16; i += 16)
		if ((m = esc16(_mm_loadu_si128((const void *)(s + i)))) != 0)
			return i + (size_t)__builtin_ctz(m);
	m = esc16(_mm_loadu_si128((const void *)(s + n - 16)));
	return m != 0 ? n - 16 + (size_t)__builtin_ctz(m) : n;
#else
	size_t i = 0;

	while (i < n && !strstop[s[i]])
		i++;
	return i;
#endif
}

/* Writes what python3's json.dumps(s, ensure_ascii=False) writes, hex
 * in lower case as there, so that output can be checked against it.
 * A string without escapes goes in with one copy; otherwise runs
 * between escapes do. */
void
mbr_json_quote(mbr_buf *out, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *u = (const unsigned char *)s;
	size_t i = first_escape(u, n), run = 0, k;
	char e[6], *p;

	if (out->n + n + 2 >= out->cap)
		mbr_buf_grow(out, n + 2);
	if (i == n) {
		p = out->p + out->n;
		p[0] = '"';
		mbr_copy_short(p + 1, s, n);
		p[n + 1] = '"';
		out->n += n + 2;
		out->p[out->n] = '\0';
		return;
	}
	mbr_buf_addc(out, '"');
	for (; i < n; i++) {
		if (!strstop[u[i]])
			continue;
		mbr_buf_add(out, s + run, i - run);
		run = i + 1;
		e[0] = '\\';
		k = 2;
		switch (u[i]) {
		case '"':
		case '\\':
			e[1] = (char)u[i];
			break;
		case '\b':
			e[1] = 'b';
			break;
		case '\f':
			e[1] = 'f';
			break;
		case '\n':
			e[1] = 'n';
			break;
		case '\r':
			e[1] = 'r';
			break;
		case '\t':
			e[1] = 't';
			break;
		default:
			memcpy(e + 1, "u00", 3);
			e[4] = hex[u[i] >> 4];
			e[5] = hex[u[i] & 0xf];
			k = 6;
		}
		mbr_buf_add(out, e, k);
	}
	mbr_buf_add(out, s + run, n - run);
	mbr_buf_addc(out, '"');
}
