/* fuzz_ident: identity normalisation (lib/mbr_ident.h).
 *
 * The first byte chooses the default calling code (86, 1, 44, 39);
 * the rest is the value.  Checked: a phone that normalises is "+" and
 * digits, and normalises again to itself; an e-mail that normalises has
 * one '@' and no blank, and normalises again to itself; an error
 * appends nothing and has a message; unguarding and trimming give a
 * part of the value, trimmed without blanks at either end. */
#include <stdint.h>
#include <string.h>

#include "mbr_ident.h"
#include "fuzz.h"

/* Whether t is a part of s[0..n). */
static int
inside(const char *t, size_t tn, const char *s, size_t n)
{
	return tn == 0 || (t >= s && t + tn <= s + n);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const unsigned ccs[] = { 86, 1, 44, 39 };
	const char *s = (const char *)data + 1, *t;
	mbr_buf a, b;
	mbr_err err = { 0 };
	unsigned cc;
	size_t n, tn, i;

	if (size < 1)
		return 0;
	n = size - 1;
	cc = ccs[data[0] & 3];
	mbr_buf_init(&a);
	mbr_buf_init(&b);
	if (mbr_phone_norm(&a, s, n, cc, &err) == MBR_OK) {
		FUZZ_CHECK(a.n >= 2 && a.p[0] == '+');
		for (i = 1; i < a.n; i++)
			FUZZ_CHECK(mbr_isdigit(a.p[i]));
		FUZZ_CHECK(mbr_phone_norm(&b, a.p, a.n, cc, &err) == MBR_OK);
		FUZZ_CHECK(a.n == b.n && memcmp(a.p, b.p, a.n) == 0);
	} else
		FUZZ_CHECK(a.n == 0 && err.msg[0] != '\0');
	mbr_buf_reset(&a);
	mbr_buf_reset(&b);
	memset(&err, 0, sizeof(err));
	if (mbr_email_norm(&a, s, n, &err) == MBR_OK) {
		FUZZ_CHECK(memchr(a.p, '@', a.n) != NULL);
		FUZZ_CHECK(memchr(a.p, '@', a.n) ==
		    memrchr(a.p, '@', a.n));
		FUZZ_CHECK(a.n > 0 && !mbr_isblank(a.p[0]) &&
		    !mbr_isblank(a.p[a.n - 1]));
		FUZZ_CHECK(mbr_email_norm(&b, a.p, a.n, &err) == MBR_OK);
		FUZZ_CHECK(a.n == b.n && memcmp(a.p, b.p, a.n) == 0);
	} else
		FUZZ_CHECK(a.n == 0 && err.msg[0] != '\0');
	t = s;
	tn = n;
	mbr_ident_unguard(&t, &tn);
	FUZZ_CHECK(inside(t, tn, s, n));
	t = s;
	tn = n;
	mbr_trim(&t, &tn);
	FUZZ_CHECK(inside(t, tn, s, n));
	FUZZ_CHECK(tn == 0 || (!mbr_isblank(t[0]) && !mbr_isblank(t[tn - 1])));
	mbr_buf_release(&a);
	mbr_buf_release(&b);
	return 0;
}
