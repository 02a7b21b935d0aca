/* test_ndjson_diff.c: mbr_ndjson_parse against jansson
 * (mbr_ndjson_ref_parse).
 *
 * Inputs: every line of every file in the corpus directory (argv[1],
 * else tests/corpus/ndjson, from the repository root), then 20000 lines
 * from a seeded xorshift: half valid flat records with every type,
 * escape and width of UTF-8, blanks between tokens and nested values,
 * half those same lines with bytes changed, inserted, dropped or cut.
 * Each line is parsed from a heap copy of exactly its bytes, so ASan
 * sees a read past the end.
 *
 * Both must accept or both reject.  When both accept, the field lists
 * must match after resolving duplicate keys the way jansson does (and
 * mbr_reader with ours): one field per key, at the place of the key's
 * first occurrence, holding the last occurrence's value.  Values
 * compare by type and
 *   string, true, false, null	byte for byte;
 *   number			as the double strtod makes of each text,
 *				since jansson keeps only the double
 *				(JSON_DECODE_INT_AS_REAL) and we keep
 *				the text;
 *   object, array		our raw text loaded by jansson and dumped
 *				compact against jansson's dump of its own.
 *
 * One difference is by design: a number too large for a double (1e400)
 * is valid JSON, kept as text by us, "real number overflow" to jansson.
 * Such a line must also pass both parsers, and match, once every number
 * in it is replaced by 0.
 *
 * Beyond agreement, ours must keep its contract on every line: each
 * slice points into the line or into scratch, a string is valid UTF-8
 * without NUL, an error reads "not a JSON object", "invalid JSON at
 * column N: ..." or "invalid UTF-8 at column N" with N within the line
 * (N may be one past its end), and a generated valid line is accepted. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "mbr_ndjson.h"
#include "mbr_utf8.h"
#include "t.h"

static uint64_t rng = 0x2545f4914f6cdd1dULL;	/* fixed: reruns agree */

static uint64_t
xorshift(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static mbr_jrec fast, ref;
static long nlines, nok, nbad, noverflow, nmismatch;

static void
show(const char *why, const char *in, size_t n, const mbr_err *ef,
    const mbr_err *er)
{
	size_t i;

	if (nmismatch++ >= 10)
		return;
	fprintf(stderr, "mismatch: %s\n  line (%zu bytes) \"", why, n);
	for (i = 0; i < n && i < 300; i++)
		if (in[i] >= 0x20 && in[i] < 0x7f && in[i] != '"' &&
		    in[i] != '\\')
			fputc(in[i], stderr);
		else
			fprintf(stderr, "\\x%02x", (unsigned char)in[i]);
	fprintf(stderr, "%s\"\n  ours:    %s\n  jansson: %s\n",
	    i < n ? "..." : "", ef->code ? ef->msg : "ok",
	    er->code ? er->msg : "ok");
}

/* Parses the digits at *s as a column, advancing *s; 0 if none. */
static size_t
column(const char **s)
{
	size_t c = 0;

	while (**s >= '0' && **s <= '9')
		c = c * 10 + (size_t)(*(*s)++ - '0');
	return c;
}

/* Our error message has one of the three forms, its column in range. */
static int
goodmsg(const char *m, const char *in, size_t n)
{
	static const char pj[] = "invalid JSON at column ";
	static const char pu[] = "invalid UTF-8 at column ";
	size_t c;

	if (strcmp(m, "not a JSON object") == 0)
		return 1;
	if (strncmp(m, pj, sizeof(pj) - 1) == 0) {
		m += sizeof(pj) - 1;
		c = column(&m);
		return c >= 1 && c <= n + 1 && m[0] == ':' && m[1] == ' ' &&
		    m[2] != '\0';
	}
	if (strncmp(m, pu, sizeof(pu) - 1) == 0) {
		m += sizeof(pu) - 1;
		c = column(&m);
		return c >= 1 && c <= n && *m == '\0' &&
		    (unsigned char)in[c - 1] >= 0x80;
	}
	return 0;
}

static int
within(mbr_slice s, const char *p, size_t n)
{
	return s.p != NULL && s.p >= p && s.p + s.n <= p + n;
}

/* Our record keeps the contract of mbr_ndjson.h. */
static int
goodrec(const char *in, size_t n)
{
	const mbr_buf *sb = &fast.scratch;
	size_t i;

	for (i = 0; i < fast.nkv; i++) {
		mbr_kv *kv = &fast.kv[i];

		if (!within(kv->key, in, n) && !within(kv->key, sb->p, sb->n))
			return 0;
		if (!within(kv->val, in, n) && !within(kv->val, sb->p, sb->n))
			return 0;
		if (mbr_utf8_check(kv->key.p, kv->key.n) != kv->key.n ||
		    memchr(kv->key.p, '\0', kv->key.n) != NULL)
			return 0;
		if (kv->type == MBR_V_STR &&
		    (mbr_utf8_check(kv->val.p, kv->val.n) != kv->val.n ||
		    memchr(kv->val.p, '\0', kv->val.n) != NULL))
			return 0;
		if (kv->type == MBR_V_RAW && kv->val.p[0] != '{' &&
		    kv->val.p[0] != '[')
			return 0;
	}
	return 1;
}

/* Duplicates resolved as jansson does: first place, last value.  A
 * quadratic look-back; records here are small. */
static size_t
resolve(const mbr_jrec *r, mbr_kv *out)
{
	size_t i, j, k = 0;

	for (i = 0; i < r->nkv; i++) {
		for (j = 0; j < k; j++)
			if (out[j].key.n == r->kv[i].key.n &&
			    memcmp(out[j].key.p, r->kv[i].key.p,
			    out[j].key.n) == 0)
				break;
		if (j < k) {
			out[j].val = r->kv[i].val;
			out[j].type = r->kv[i].type;
		} else
			out[k++] = r->kv[i];
	}
	return k;
}

static double
num(mbr_slice s)
{
	char *c = malloc(s.n + 1);
	double d;

	memcpy(c, s.p, s.n);
	c[s.n] = '\0';
	d = strtod(c, NULL);
	free(c);
	return d;
}

/* Our raw text as jansson would write it, compared with ref's. */
static int
samejson(mbr_slice ours, mbr_slice theirs)
{
	size_t flags = JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENCODE_ANY;
	json_t *j = json_loadb(ours.p, ours.n, JSON_DECODE_INT_AS_REAL, NULL);
	size_t k;
	char *d;
	int same;

	if (j == NULL)
		return 0;
	k = json_dumpb(j, NULL, 0, flags);
	d = malloc(k + 1);
	json_dumpb(j, d, k, flags);
	same = k == theirs.n && memcmp(d, theirs.p, k) == 0;
	free(d);
	json_decref(j);
	return same;
}

static int
samerec(void)
{
	mbr_kv *a = malloc((fast.nkv + 1) * sizeof(a[0]));
	size_t na, i;
	int same;

	na = resolve(&fast, a);
	same = na == ref.nkv;
	for (i = 0; same && i < na; i++) {
		mbr_kv *x = &a[i], *y = &ref.kv[i];

		same = x->type == y->type && x->key.n == y->key.n &&
		    memcmp(x->key.p, y->key.p, x->key.n) == 0;
		if (!same)
			break;
		switch (x->type) {
		case MBR_V_NUM:
			same = num(x->val) == num(y->val);
			break;
		case MBR_V_RAW:
			same = samejson(x->val, y->val);
			break;
		default:
			same = x->val.n == y->val.n &&
			    memcmp(x->val.p, y->val.p, x->val.n) == 0;
		}
	}
	free(a);
	return same;
}

/* in with every number outside strings replaced by 0.  Only called on
 * lines we accepted, so strings are tracked exactly by their quotes. */
static char *
zeronums(const char *in, size_t n, size_t *zn)
{
	char *z = malloc(n + 1);
	size_t i = 0, k = 0;
	int instr = 0;

	while (i < n) {
		if (instr) {
			if (in[i] == '\\')
				z[k++] = in[i++];
			else if (in[i] == '"')
				instr = 0;
			z[k++] = in[i++];
		} else if (in[i] == '-' || (in[i] >= '0' && in[i] <= '9')) {
			while (i < n && strchr("-+.eE0123456789", in[i]) &&
			    in[i] != '\0')
				i++;
			z[k++] = '0';
		} else {
			instr = in[i] == '"';
			z[k++] = in[i++];
		}
	}
	*zn = k;
	return z;
}

/* One line: both parsers, then their agreement.  valid: we generated
 * it as valid JSON, so ours must accept it. */
static int
check(const char *line, size_t n, int valid)
{
	char *in = malloc(n > 0 ? n : 1), *z;
	mbr_err ef, er;
	int rf, rr, ok = 1;
	size_t zn;

	memcpy(in, line, n);
	memset(&ef, 0, sizeof(ef));
	memset(&er, 0, sizeof(er));
	rf = mbr_ndjson_parse(in, n, &fast, &ef);
	rr = mbr_ndjson_ref_parse(in, n, &ref, &er);
	nlines++;
	if (rf != MBR_OK && !goodmsg(ef.msg, in, n)) {
		show("badly formed error message", in, n, &ef, &er);
		ok = 0;
	} else if (rf != MBR_OK && fast.nkv != 0) {
		show("fields left after an error", in, n, &ef, &er);
		ok = 0;
	} else if (rf == MBR_OK && !goodrec(in, n)) {
		show("record breaks the contract", in, n, &ef, &er);
		ok = 0;
	} else if (valid && rf != MBR_OK) {
		show("generated valid line rejected", in, n, &ef, &er);
		ok = 0;
	} else if (rf == MBR_OK && rr != MBR_OK &&
	    strstr(er.msg, "real number overflow") != NULL) {
		noverflow++;
		/* Counted once, as an overflow: not again as accepted. */
		z = zeronums(in, n, &zn);
		ok = check(z, zn, 1);
		nlines--;
		nok -= ok;
		free(z);
		if (!ok)
			show("differs once numbers are 0", in, n, &ef, &er);
	} else if (rf != rr) {
		show("one accepts, one rejects", in, n, &ef, &er);
		ok = 0;
	} else if (rf == MBR_OK && !samerec()) {
		show("different fields", in, n, &ef, &er);
		ok = 0;
	} else if (rf == MBR_OK)
		nok++;
	else
		nbad++;
	free(in);
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
	struct dirent *de;
	DIR *d;
	FILE *fp;
	char **names = NULL, path[4096], *in, *p, *e, *nl;
	size_t nn = 0, i, len, lineno;
	int ok;

	if ((d = opendir(dir)) == NULL) {
		fprintf(stderr, "test_ndjson_diff: %s: cannot open\n", dir);
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
	T_OK(nn >= 7);
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
		/* One case a line; the last may lack its LF. */
		for (p = in, e = in + len, lineno = 1; p < e; lineno++) {
			nl = memchr(p, '\n', (size_t)(e - p));
			if (nl == NULL)
				nl = e;
			ok = check(p, (size_t)(nl - p), 0);
			if (!ok)
				fprintf(stderr, "  at %s:%zu\n", names[i],
				    lineno);
			T_OK(ok);
			p = nl + 1;
		}
		free(in);
		free(names[i]);
	}
	free(names);
}

/* Random text for strings: ASCII, every escape, raw UTF-8 of each
 * width (boundary code points too), \u escapes and surrogate pairs. */
static void
genstr(mbr_buf *b)
{
	static const char *const raw[] = {
		"a", "Z", "0", " ", "~", "\x7f", "\xc2\x80", "\xc3\xa9",
		"\xdf\xbf", "\xe0\xa0\x80", "\xe4\xb8\xad", "\xed\x9f\xbf",
		"\xee\x80\x80", "\xef\xbf\xbf", "\xf0\x90\x80\x80",
		"\xf0\x9f\x98\x80", "\xf4\x8f\xbf\xbf", "\\\"", "\\\\",
		"\\/", "\\b", "\\f", "\\n", "\\r", "\\t", "{", "}", "[",
		"]", ":", ",", "'"
	};
	size_t n = xorshift() % 12, i;
	unsigned long cp, hi, lo;

	if (xorshift() % 16 == 0)
		n += xorshift() % 200;	/* past any fixed-width step */
	mbr_buf_addc(b, '"');
	for (i = 0; i < n; i++) {
		switch (xorshift() % 8) {
		case 0:
			/* Any BMP scalar value but NUL, as \u. */
			do
				cp = 1 + xorshift() % 0xffff;
			while (cp >= 0xd800 && cp <= 0xdfff);
			mbr_buf_addf(b, xorshift() % 2 ? "\\u%04lx" :
			    "\\u%04lX", cp);
			break;
		case 1:
			cp = 0x10000 + xorshift() % 0x100000;
			hi = 0xd800 + ((cp - 0x10000) >> 10);
			lo = 0xdc00 + ((cp - 0x10000) & 0x3ff);
			mbr_buf_addf(b, "\\u%04lx\\u%04lx", hi, lo);
			break;
		case 2:
		case 3:
			mbr_buf_adds(b,
			    raw[xorshift() % (sizeof(raw) / sizeof(raw[0]))]);
			break;
		default:
			mbr_buf_addc(b, 'a' + (int)(xorshift() % 26));
		}
	}
	mbr_buf_addc(b, '"');
}

static void
gendigits(mbr_buf *b, size_t n)
{
	while (n-- > 0)
		mbr_buf_addc(b, '0' + (int)(xorshift() % 10));
}

static void
gennum(mbr_buf *b)
{
	if (xorshift() % 3 == 0)
		mbr_buf_addc(b, '-');
	if (xorshift() % 4 == 0)
		mbr_buf_addc(b, '0');
	else {
		mbr_buf_addc(b, '1' + (int)(xorshift() % 9));
		gendigits(b, xorshift() % (xorshift() % 8 ? 6 : 30));
	}
	if (xorshift() % 3 == 0) {
		mbr_buf_addc(b, '.');
		gendigits(b, 1 + xorshift() % 6);
	}
	if (xorshift() % 4 == 0) {
		mbr_buf_addc(b, "eE"[xorshift() % 2]);
		if (xorshift() % 2)
			mbr_buf_addc(b, "+-"[xorshift() % 2]);
		/* Now and then past a double's range. */
		gendigits(b, 1 + xorshift() % (xorshift() % 16 ? 2 : 3));
	}
}

static void
genws(mbr_buf *b)
{
	static const char *const ws[] = { " ", "\t", "\r", "\n", "  ",
	    " \r\n\t" };

	if (xorshift() % 5 == 0)
		mbr_buf_adds(b, ws[xorshift() % (sizeof(ws) / sizeof(ws[0]))]);
}

static void genvalue(mbr_buf *, int);

static void
genkey(mbr_buf *b)
{
	static const char *const common[] = { "\"a\"", "\"order_id\"",
	    "\"amount\"", "\"\"", "\"a\\u0062\"", "\"ab\"" };

	/* A small pool, so that duplicates come often. */
	if (xorshift() % 2)
		mbr_buf_adds(b, common[xorshift() %
		    (sizeof(common) / sizeof(common[0]))]);
	else
		genstr(b);
}

/* A container at depth d (the record being 1), its values at d + 1. */
static void
gencontainer(mbr_buf *b, int obj, int d)
{
	size_t n = xorshift() % (d > 1 ? 4 : 10), i;

	mbr_buf_addc(b, obj ? '{' : '[');
	genws(b);
	for (i = 0; i < n; i++) {
		if (i > 0) {
			mbr_buf_addc(b, ',');
			genws(b);
		}
		if (obj) {
			genkey(b);
			genws(b);
			mbr_buf_addc(b, ':');
			genws(b);
		}
		genvalue(b, d + 1);
		genws(b);
	}
	mbr_buf_addc(b, obj ? '}' : ']');
}

static void
genvalue(mbr_buf *b, int d)
{
	switch (xorshift() % (d < 5 ? 9 : 7)) {
	case 0:
	case 1:
	case 2:
		genstr(b);
		break;
	case 3:
	case 4:
		gennum(b);
		break;
	case 5:
		mbr_buf_adds(b, (const char *const[]){ "true", "false",
		    "null" }[xorshift() % 3]);
		break;
	case 6:
		genstr(b);
		break;
	default:
		gencontainer(b, (int)(xorshift() % 2), d);
	}
}

/* One change to b: a byte set, inserted or dropped, or a cut. */
static void
mutate(mbr_buf *b)
{
	static const char hot[] = "\"\\{}[]:,0123456789-+.eEtfnu/bnrt "
	    "\x01\x1f\x7f\x80\xbf\xc0\xc2\xe0\xed\xf0\xf4\xf5\xff";
	size_t at = b->n > 0 ? xorshift() % b->n : 0;
	int c = xorshift() % 4 ? hot[xorshift() % (sizeof(hot) - 1)] :
	    (int)(xorshift() % 256);

	switch (xorshift() % 4) {
	case 0:
		if (b->n > 0)
			b->p[at] = (char)c;
		break;
	case 1:
		mbr_buf_addc(b, 0);
		memmove(b->p + at + 1, b->p + at, b->n - 1 - at);
		b->p[at] = (char)c;
		break;
	case 2:
		if (b->n > 0) {
			memmove(b->p + at, b->p + at + 1, b->n - at - 1);
			b->n--;
		}
		break;
	default:
		b->n = at;
	}
	b->p[b->n] = '\0';
}

static void
randomized(void)
{
	mbr_buf b;
	long i, k, nmut;

	mbr_buf_init(&b);
	for (i = 0; i < 10000; i++) {
		mbr_buf_reset(&b);
		genws(&b);
		gencontainer(&b, 1, 1);
		genws(&b);
		T_OK(check(b.p, b.n, 1));
		nmut = 1 + (long)(xorshift() % 3);
		for (k = 0; k < nmut; k++)
			mutate(&b);
		T_OK(check(b.p, b.n, 0));
	}
	mbr_buf_release(&b);
}

int
main(int argc, char *argv[])
{
	mbr_jrec_init(&fast);
	mbr_jrec_init(&ref);
	corpus(argc > 1 ? argv[1] : "tests/corpus/ndjson");
	randomized();
	printf("ndjson diff: %ld lines: %ld accepted by both, %ld rejected "
	    "by both, %ld overflow only for jansson, %ld mismatched\n",
	    nlines, nok, nbad, noverflow, nmismatch);
	T_EQ_I(nmismatch, 0);
	mbr_jrec_release(&fast);
	mbr_jrec_release(&ref);
	return T_DONE();
}
