/* fuzz_tmpl: message templates (lib/mbr_tmpl.h, man/mbr-campaign.1
 * MESSAGES) and SMS part counting (lib/mbr_sms.h).
 *
 * The input is a control byte, then the template text, then up to
 * eight field values, each after a 0xff byte (which UTF-8 never has).
 * Bits 0-2 of the control byte: which of the fields are null rather
 * than strings (each bit for three of them); bits 3-7: which
 * placeholders bind to no column.  Checked, beyond the sanitizers and
 * the leak checker: the template compiles exactly when every "{{" has
 * a "}}" after it and names a field (blanks trimmed), and an error is
 * MBR_EUSAGE naming the place and the "{{" (its byte, or the empty
 * placeholder whole), word for word; the placeholders
 * are those of a plain reading, in order; the text made is the
 * literal text with each placeholder replaced by its field's value,
 * or its fallback (blanks trimmed) when the field is unbound, null or
 * empty; and the SMS parts of the text made (and of the template
 * itself) agree with a reading through iconv(3): GSM-7 exactly when every character is in
 * GSM 03.38's basic table or its extension (the latter two septets),
 * else UTF-16 units, and parts packed 153 septets or 67 units at most
 * (one part up to 160 or 70), a part never ending inside a character. */
#include <iconv.h>
#include <stdint.h>
#include <string.h>

#include "mbr_sms.h"
#include "mbr_tmpl.h"
#include "fuzz.h"

#define NV 8
#define MAXP 4096

/* GSM 03.38's basic table (less the escape) and its extension table,
 * as UTF-8. */
static const char gsm_basic[] = "@\xc2\xa3$\xc2\xa5\xc3\xa8\xc3\xa9\xc3\xb9"
    "\xc3\xac\xc3\xb2\xc3\x87\n\xc3\x98\xc3\xb8\r\xc3\x85\xc3\xa5\xce\x94_"
    "\xce\xa6\xce\x93\xce\x9b\xce\xa9\xce\xa0\xce\xa8\xce\xa3\xce\x98"
    "\xce\x9e\xc3\x86\xc3\xa6\xc3\x9f\xc3\x89 !\"#\xc2\xa4%&'()*+,-./"
    "0123456789:;<=>?\xc2\xa1" "ABCDEFGHIJKLMNOPQRSTUVWXYZ\xc3\x84\xc3\x96"
    "\xc3\x91\xc3\x9c\xc2\xa7\xc2\xbf" "abcdefghijklmnopqrstuvwxyz\xc3\xa4"
    "\xc3\xb6\xc3\xb1\xc3\xbc\xc3\xa0";
static const char gsm_ext[] = "\f^{}\\[~]|\xe2\x82\xac";

static uint32_t basic[160], ext[16];
static size_t nbasic, next;
static iconv_t to32;

/* s[0..n) as UTF-32 code points into out (room for n); their number,
 * or (size_t)-1 when s is not UTF-8. */
static size_t
utf32(const char *s, size_t n, uint32_t *out)
{
	char *in = (char *)s, *o = (char *)out;
	size_t left = n, room = n * 4;

	iconv(to32, NULL, NULL, NULL, NULL);
	if (iconv(to32, &in, &left, &o, &room) == (size_t)-1)
		return (size_t)-1;
	return (size_t)(o - (char *)out) / 4;
}

static void
init(void)
{
	to32 = iconv_open("UTF-32LE", "UTF-8");
	FUZZ_CHECK(to32 != (iconv_t)-1);
	nbasic = utf32(gsm_basic, strlen(gsm_basic), basic);
	next = utf32(gsm_ext, strlen(gsm_ext), ext);
	FUZZ_CHECK(nbasic == 127 && next == 10);
}

static int
in(const uint32_t *set, size_t n, uint32_t c)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (set[i] == c)
			return 1;
	return 0;
}

/* Parts of total units packed into parts of `part` (characters of
 * width 1 or 2 in w[0..n)), one part when total <= one. */
static unsigned
packed(const uint8_t *w, size_t n, size_t one, size_t part)
{
	size_t i, fill = 0, total = 0;
	unsigned parts = 1;

	for (i = 0; i < n; i++)
		total += w[i];
	if (total <= one)
		return 1;
	for (i = 0; i < n; i++) {
		if (fill + w[i] > part) {
			parts++;
			fill = 0;
		}
		fill += w[i];
	}
	return parts;
}

static void
check_sms(const char *s, size_t n)
{
	mbr_sms_info si;
	uint32_t *cp = malloc((n + 1) * 4);
	uint8_t *w = malloc(n + 1);
	size_t nc, i, units = 0;
	int gsm = 1;

	FUZZ_CHECK(cp != NULL && w != NULL);
	mbr_sms_count(s, n, &si);
	FUZZ_CHECK(si.parts >= 1);
	if (n == 0)
		FUZZ_CHECK(si.parts == 1 && si.units == 0 && si.ucs2 == 0);
	if ((nc = utf32(s, n, cp)) == (size_t)-1) {
		/* Not UTF-8: UCS-2, a unit at least for each bad byte's
		 * place, never more units than bytes. */
		FUZZ_CHECK(si.ucs2 == 1);
		FUZZ_CHECK(si.units >= 1 && si.units <= n);
		FUZZ_CHECK(si.parts == (si.units <= 70 ? 1 :
		    (si.units + 66) / 67) || (si.parts > (si.units + 66) / 67 &&
		    si.parts <= (si.units + 65) / 66));
		goto out;
	}
	for (i = 0; i < nc && gsm; i++) {
		if (in(basic, nbasic, cp[i]))
			w[i] = 1;
		else if (in(ext, next, cp[i]))
			w[i] = 2;
		else
			gsm = 0;
	}
	if (gsm) {
		for (i = 0; i < nc; i++)
			units += w[i];
		FUZZ_CHECK(si.ucs2 == 0);
		FUZZ_CHECK(si.units == units);
		FUZZ_CHECK(si.parts == packed(w, nc, 160, 153));
	} else {
		for (i = 0; i < nc; i++) {
			w[i] = cp[i] >= 0x10000 ? 2 : 1;
			units += w[i];
		}
		FUZZ_CHECK(si.ucs2 == 1);
		FUZZ_CHECK(si.units == units);
		FUZZ_CHECK(si.parts == packed(w, nc, 70, 67));
	}
out:
	free(cp);
	free(w);
}

/* A plain reading of a template: its placeholders (name and fallback
 * as offsets into s) and literal runs; -1 with the byte of the "{{"
 * that has no "}}" (or names nothing) in *bad, and in *badc the byte
 * of the "}}" of one that names nothing, else (size_t)-1. */
struct ph {
	size_t	lit, litn;	/* the literal text before it */
	size_t	name, namen;
	long	fb;		/* -1: none */
	size_t	fbn;
};

static int
blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

static int
reference(const char *s, size_t n, struct ph *ph, size_t *nph, size_t *tail,
    size_t *bad, size_t *badc)
{
	size_t pos = 0, o, c, b, a, z;
	const char *q;

	*nph = 0;
	*badc = (size_t)-1;
	for (;;) {
		q = pos < n ? memmem(s + pos, n - pos, "{{", 2) : NULL;
		if (q == NULL) {
			*tail = pos;
			return 0;
		}
		o = (size_t)(q - s);
		q = memmem(s + o + 2, n - o - 2, "}}", 2);
		if (q == NULL) {
			*bad = o;
			return -1;
		}
		c = (size_t)(q - s);
		/* A "{{" before the "}}" leaves the first unclosed. */
		if (memmem(s + o + 2, c - o - 2 + 1, "{{", 2) != NULL) {
			*bad = o;
			return -1;
		}
		for (b = o + 2; b < c && s[b] != '|'; b++)
			;
		for (a = o + 2; a < b && blank(s[a]); a++)
			;
		for (z = b; z > a && blank(s[z - 1]); z--)
			;
		if (z == a) {
			*bad = o;
			*badc = c;
			return -1;
		}
		if (*nph == MAXP)
			return -2;
		ph[*nph] = (struct ph){ pos, o - pos, a, z - a, -1, 0 };
		if (b < c) {
			/* The fallback, blanks trimmed too. */
			for (a = b + 1; a < c && blank(s[a]); a++)
				;
			for (z = c; z > a && blank(s[z - 1]); z--)
				;
			ph[*nph].fb = (long)a;
			ph[*nph].fbn = z - a;
		}
		(*nph)++;
		pos = c + 2;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct ph ph[MAXP];
	mbr_slice f[NV];
	uint8_t type[NV];
	const char *s, *p, *end, *q;
	size_t n, i, nph, tail, bad = 0, badc, nv = 0;
	mbr_tmpl *t = NULL;
	mbr_err err = { 0 };
	mbr_buf got, want;
	unsigned ctl;
	int rc, ref, col;
	char want_msg[sizeof(err.msg)];

	if (to32 == NULL)
		init();
	if (size < 1)
		return 0;
	ctl = data[0];
	s = (const char *)data + 1;
	end = (const char *)data + size;
	q = memchr(s, 0xff, (size_t)(end - s));
	n = (size_t)((q != NULL ? q : end) - s);
	memset(f, 0, sizeof(f));
	for (i = 0; i < NV; i++)
		type[i] = MBR_V_ABSENT;
	for (p = q; p != NULL && nv < NV; nv++) {
		p++;
		q = memchr(p, 0xff, (size_t)(end - p));
		f[nv].p = p;
		f[nv].n = (size_t)((q != NULL ? q : end) - p);
		type[nv] = (ctl >> (nv % 3)) & 1 ? MBR_V_NULL : MBR_V_STR;
		p = q;
	}

	ref = reference(s, n, ph, &nph, &tail, &bad, &badc);
	if (ref == -2)
		return 0;
	rc = mbr_tmpl_compile(&t, "tmpl.json: message", s, n, &err);
	if (ref < 0) {
		FUZZ_CHECK(rc == MBR_EUSAGE && t == NULL);
		FUZZ_CHECK(err.code == MBR_EUSAGE);
		FUZZ_CHECK(strncmp(err.msg, "tmpl.json: message: ", 20) == 0);
		/* The whole message, as the man page words it (cut where
		 * mbr_err cuts it). */
		if (badc == (size_t)-1)
			snprintf(want_msg, sizeof(want_msg), "tmpl.json: message: "
			    "\"{{\" at byte %zu has no \"}}\"", bad + 1);
		else
			snprintf(want_msg, sizeof(want_msg), "tmpl.json: message: "
			    "\"%.*s\" names no field", (int)(badc + 2 - bad),
			    s + bad);
		FUZZ_CHECK(strcmp(err.msg, want_msg) == 0);
		check_sms(s, n);
		return 0;
	}
	FUZZ_CHECK(rc == MBR_OK && t != NULL);
	FUZZ_CHECK(strcmp(mbr_tmpl_where(t), "tmpl.json: message") == 0);
	FUZZ_CHECK(mbr_tmpl_nfields(t) == nph);
	for (i = 0; i < nph; i++) {
		mbr_slice nm = mbr_tmpl_field(t, i);

		FUZZ_CHECK(nm.n == ph[i].namen &&
		    memcmp(nm.p, s + ph[i].name, nm.n) == 0);
		/* Placeholder i reads field i % 8, or none. */
		col = (ctl >> (3 + i % 5)) & 1 ? -1 : (int)(i % NV);
		mbr_tmpl_bind(t, i, col);
	}

	mbr_buf_init(&got);
	mbr_buf_init(&want);
	mbr_tmpl_render(t, f, type, &got);
	for (i = 0; i < nph; i++) {
		col = (ctl >> (3 + i % 5)) & 1 ? -1 : (int)(i % NV);
		mbr_buf_add(&want, s + ph[i].lit, ph[i].litn);
		if (col >= 0 && f[col].p != NULL && f[col].n > 0 &&
		    type[col] == MBR_V_STR)
			mbr_buf_add(&want, f[col].p, f[col].n);
		else if (ph[i].fb >= 0)
			mbr_buf_add(&want, s + ph[i].fb, ph[i].fbn);
	}
	mbr_buf_add(&want, s + tail, n - tail);
	FUZZ_CHECK(got.n == want.n && memcmp(got.p, want.p, got.n) == 0);
	/* Without placeholders the text is itself. */
	if (nph == 0)
		FUZZ_CHECK(got.n == n && memcmp(got.p, s, n) == 0);
	check_sms(got.p, got.n);
	check_sms(s, n);

	/* Made again into a buffer that has text: appended. */
	mbr_buf_reset(&want);
	mbr_buf_add(&want, "x", 1);
	mbr_tmpl_render(t, f, type, &want);
	FUZZ_CHECK(want.n == got.n + 1 && memcmp(want.p + 1, got.p, got.n) ==
	    0);
	mbr_buf_release(&got);
	mbr_buf_release(&want);
	mbr_tmpl_free(t);
	return 0;
}
