/* mbr_ident.c: see mbr_ident.h.
 *
 * Phones become E.164 ("+8613800138000") so that one member's phone
 * written five ways in five exports is one key.  The rules are the
 * national conventions exports actually show, not a full numbering
 * plan: a wrong guess would merge two members, so anything doubtful
 * (masked digits, letters, extensions) is refused rather than fixed. */
#include <string.h>

#include "mbr.h"
#include "mbr_ident.h"

/* The value quoted in messages: as written, cut at a length no
 * message needs. */
#define QLEN(n)	((int)((n) > 200 ? 200 : (n)))

/* E.164 allows 15 digits with the country code.  Fewer than 7 written
 * digits is a short code or a fragment, not a member's number. */
#define PHONE_MIN	7
#define PHONE_MAX	15


void
mbr_trim(const char **s, size_t *n)
{
	const char *p = *s;
	size_t k = *n;

	while (k > 0 && mbr_isblank((unsigned char)*p)) {
		p++;
		k--;
	}
	while (k > 0 && mbr_isblank((unsigned char)p[k - 1]))
		k--;
	*s = p;
	*n = k;
}

/* Excel reads ="0086..." as a formula yielding text and '0086 as text,
 * which is how exports keep leading zeros and long ids from becoming
 * numbers; Tmall and other Chinese exports add a tab for the same
 * reason, which trimming removes. */
void
mbr_ident_unguard_all(const char **s, size_t *n)
{
	mbr_trim(s, n);
	if (*n >= 3 && (*s)[0] == '=' && (*s)[1] == '"' &&
	    (*s)[*n - 1] == '"') {
		*s += 2;
		*n -= 3;
		mbr_trim(s, n);
	}
	if (*n >= 1 && (*s)[0] == '\'') {
		*s += 1;
		*n -= 1;
		mbr_trim(s, n);
	}
}

/* Whether a national number for cc keeps its leading 0 in E.164:
 * Italy, San Marino and the Vatican dial the 0 from abroad too. */
static int
keeps_zero(unsigned cc)
{
	return cc == 39 || cc == 378 || cc == 379;
}

int
mbr_phone_norm(mbr_buf *out, const char *s, size_t n, unsigned cc,
    mbr_err *err)
{
	const char *v = s;
	size_t vn = n, i, nd = 0;
	char d[PHONE_MAX + 8], ccs[8];
	const char *num;
	size_t nn, ncc;
	int intl = 0;

	mbr_ident_unguard(&v, &vn);
	for (i = 0; i < vn; i++) {
		unsigned char c = (unsigned char)v[i];

		if (mbr_isdigit(c)) {
			if (nd == sizeof(d))
				goto bad;
			d[nd++] = (char)c;
		} else if (c == '+' && nd == 0 && !intl) {
			intl = 1;
		} else if (c == '(' && (intl || (nd > 2 && d[0] == '0' &&
		    d[1] == '0')) && i + 2 < vn && v[i + 1] == '0' &&
		    v[i + 2] == ')') {
			/* "+44 (0)20 7946 0958": the trunk 0 shown for
			 * callers at home, not dialled from abroad. */
			i += 2;
		} else if (!(mbr_isblank(c) || c == '-' || c == '.' ||
		    c == '(' || c == ')'))
			goto bad;	/* '*', 'x', letters, anything else */
	}
	num = d;
	nn = nd;
	if (!intl && nn >= 2 && d[0] == '0' && d[1] == '0') {
		intl = 1;		/* "0086 138...": dialled abroad */
		num += 2;
		nn -= 2;
	}
	if (nn < PHONE_MIN || nn > PHONE_MAX)
		goto bad;
	if (intl) {
		if (num[0] == '0')
			goto bad;	/* no country code begins with 0 */
		mbr_buf_addc(out, '+');
		mbr_buf_add(out, num, nn);
		return MBR_OK;
	}
	if (cc == 0 || cc > 999)
		goto bad;		/* no country to assume */
	/* The number already carries the country code, as exports often
	 * write it without the '+'. */
	if ((cc == 86 && nn == 13 && memcmp(num, "861", 3) == 0) ||
	    (cc == 1 && nn == 11 && num[0] == '1')) {
		mbr_buf_addc(out, '+');
		mbr_buf_add(out, num, nn);
		return MBR_OK;
	}
	/* A national number: the trunk prefix 0 ("010 6552 9988" in
	 * Beijing, "020 7946 0958" in London) is dropped; NANP has no
	 * trunk 0 and wants 10 digits. */
	if (cc == 1) {
		if (nn != 10)
			goto bad;
	} else if (num[0] == '0' && !keeps_zero(cc)) {
		num++;
		nn--;
	}
	ncc = (size_t)(cc >= 100 ? 3 : cc >= 10 ? 2 : 1);
	if (nn == 0 || ncc + nn > PHONE_MAX ||
	    (num[0] == '0' && !keeps_zero(cc)))
		goto bad;
	ccs[0] = (char)('0' + cc / 100);
	ccs[1] = (char)('0' + cc / 10 % 10);
	ccs[2] = (char)('0' + cc % 10);
	mbr_buf_addc(out, '+');
	mbr_buf_add(out, ccs + 3 - ncc, ncc);
	mbr_buf_add(out, num, nn);
	return MBR_OK;
bad:
	return mbr_err_set(err, MBR_EDATA,
	    "phone \"%.*s\" is not a usable number", QLEN(n), s);
}

int
mbr_email_norm(mbr_buf *out, const char *s, size_t n, mbr_err *err)
{
	const char *v = s, *at = NULL, *dom;
	size_t vn = n, i, dn;
	char *w;

	mbr_trim(&v, &vn);
	for (i = 0; i < vn; i++) {
		unsigned char c = (unsigned char)v[i];

		if (c <= ' ' || c == 0x7f)
			goto bad;	/* blanks, controls: two values run on */
		if (c == '@') {
			if (at != NULL)
				goto bad;
			at = v + i;
		}
	}
	if (at == NULL || at == v)
		goto bad;
	dom = at + 1;
	dn = (size_t)(v + vn - dom);
	/* A domain is labels joined by dots: one dot at least, none at
	 * either end or doubled. */
	if (dn < 3 || dom[0] == '.' || dom[dn - 1] == '.' ||
	    memchr(dom, '.', dn) == NULL)
		goto bad;
	for (i = 1; i < dn; i++)
		if (dom[i] == '.' && dom[i - 1] == '.')
			goto bad;
	/* Lower-case ASCII only: domains are case-blind, and local parts
	 * are in practice; bytes of other scripts are left alone. */
	mbr_buf_grow(out, vn);
	w = out->p + out->n;
	for (i = 0; i < vn; i++) {
		unsigned char c = (unsigned char)v[i];

		w[i] = (char)(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
	}
	out->n += vn;
	out->p[out->n] = '\0';
	return MBR_OK;
bad:
	return mbr_err_set(err, MBR_EDATA,
	    "email \"%.*s\" is not a valid address", QLEN(n), s);
}

const char *const mbr_ident_types[MBR_ID_N] = {
	"member_id", "phone", "email", "nick", "customer", "openid",
	"unionid", "card"
};

/* "17850.0" -> "17850": ids that a spreadsheet turned into numbers. */
static void
strip_point_zero(const char *s, size_t *n)
{
	size_t i;

	if (*n < 3 || s[*n - 2] != '.' || s[*n - 1] != '0')
		return;
	for (i = 0; i + 2 < *n; i++)
		if (!mbr_isdigit((unsigned char)s[i]))
			return;
	*n -= 2;
}

int
mbr_ident_norm(mbr_buf *out, int type, const char *platform,
    const char *s, size_t n, unsigned cc, mbr_err *err)
{
	size_t at = out->n;
	int rc = MBR_OK;

	if (type < 0 || type >= MBR_ID_N)
		return mbr_err_set(err, MBR_EUSAGE, "identity type %d is "
		    "unknown", type);
	if (n == 0)
		return mbr_err_set(err, MBR_EDATA, "%s is empty",
		    mbr_ident_types[type]);
	if (type != MBR_ID_MEMBER) {
		mbr_buf_adds(out, mbr_ident_types[type]);
		mbr_buf_addc(out, ':');
	}
	switch (type) {
	case MBR_ID_PHONE:
		rc = mbr_phone_norm(out, s, n, cc, err);
		break;
	case MBR_ID_EMAIL:
		rc = mbr_email_norm(out, s, n, err);
		break;
	case MBR_ID_NICK:
		mbr_buf_adds(out, platform != NULL ? platform : "");
		mbr_buf_addc(out, ':');
		mbr_buf_add(out, s, n);
		break;
	case MBR_ID_CUSTOMER:
	case MBR_ID_CARD:
		strip_point_zero(s, &n);
		/* FALLTHROUGH */
	default:
		mbr_buf_add(out, s, n);
		break;
	}
	if (rc != MBR_OK) {
		out->n = at;
		out->p[at] = '\0';
	}
	return rc;
}

int
mbr_ident_list_has(const char *l, size_t ln, const char *s, size_t n)
{
	const char *p = l, *end = l + ln, *bar;
	size_t k;

	while (p < end) {
		bar = memchr(p, '|', (size_t)(end - p));
		k = bar != NULL ? (size_t)(bar - p) : (size_t)(end - p);
		if (k == n && memcmp(p, s, n) == 0)
			return 1;
		p += k + 1;
	}
	return 0;
}

int
mbr_ident_list_add(mbr_buf *list, const char *s, size_t n)
{
	if (n == 0 || memchr(s, '|', n) != NULL ||
	    mbr_ident_list_has(list->p, list->n, s, n))
		return 0;
	if (list->n > 0)
		mbr_buf_addc(list, '|');
	mbr_buf_add(list, s, n);
	return 1;
}

size_t
mbr_ident_list_merge(mbr_buf *list, const char *s, size_t n)
{
	const char *p = s, *end = s + n, *bar, *e;
	size_t k, added = 0;

	while (p < end) {
		bar = memchr(p, '|', (size_t)(end - p));
		k = bar != NULL ? (size_t)(bar - p) : (size_t)(end - p);
		e = p;
		mbr_trim(&e, &k);
		added += (size_t)mbr_ident_list_add(list, e, k);
		p = bar != NULL ? bar + 1 : end;
	}
	return added;
}
