/* mbr_money.c: see mbr_money.h.
 *
 * The parser reads the whole amount before it judges it, so that a
 * malformed value is "not a number" even when its digits would also
 * overflow: the analyst fixes the format first.  Digits accumulate in
 * a uint64_t, which holds the magnitude of INT64_MIN, and every step
 * is overflow-checked. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "mbr_money.h"

/* The value quoted in messages: as written, cut at a length no
 * message needs. */
#define QLEN(n)	((int)((n) > 200 ? 200 : (n)))

/* mbr_money_fmt's buffer holds a sign, the digits, a point and the
 * NUL: 28 places at most.  ISO 4217 goes to 4. */
#define EXP_MAX	28

/* ISO 4217 list one (2024), sorted, with the minor-unit digits that
 * differ from 2 being the point of the table.  RMB is not an ISO code
 * but is how Chinese exports write CNY.  Funds and metals without
 * minor units (XAU, XDR, ...) are left out: no order is paid in them. */
static const struct {
	char		code[4];
	unsigned char	exp;
} currencies[] = {
	{ "AED", 2 }, { "AFN", 2 }, { "ALL", 2 }, { "AMD", 2 }, { "ANG", 2 },
	{ "AOA", 2 }, { "ARS", 2 }, { "AUD", 2 }, { "AWG", 2 }, { "AZN", 2 },
	{ "BAM", 2 }, { "BBD", 2 }, { "BDT", 2 }, { "BGN", 2 }, { "BHD", 3 },
	{ "BIF", 0 }, { "BMD", 2 }, { "BND", 2 }, { "BOB", 2 }, { "BOV", 2 },
	{ "BRL", 2 }, { "BSD", 2 }, { "BTN", 2 }, { "BWP", 2 }, { "BYN", 2 },
	{ "BZD", 2 }, { "CAD", 2 }, { "CDF", 2 }, { "CHE", 2 }, { "CHF", 2 },
	{ "CHW", 2 }, { "CLF", 4 }, { "CLP", 0 }, { "CNY", 2 }, { "COP", 2 },
	{ "COU", 2 }, { "CRC", 2 }, { "CUP", 2 }, { "CVE", 2 }, { "CZK", 2 },
	{ "DJF", 0 }, { "DKK", 2 }, { "DOP", 2 }, { "DZD", 2 }, { "EGP", 2 },
	{ "ERN", 2 }, { "ETB", 2 }, { "EUR", 2 }, { "FJD", 2 }, { "FKP", 2 },
	{ "GBP", 2 }, { "GEL", 2 }, { "GHS", 2 }, { "GIP", 2 }, { "GMD", 2 },
	{ "GNF", 0 }, { "GTQ", 2 }, { "GYD", 2 }, { "HKD", 2 }, { "HNL", 2 },
	{ "HTG", 2 }, { "HUF", 2 }, { "IDR", 2 }, { "ILS", 2 }, { "INR", 2 },
	{ "IQD", 3 }, { "IRR", 2 }, { "ISK", 0 }, { "JMD", 2 }, { "JOD", 3 },
	{ "JPY", 0 }, { "KES", 2 }, { "KGS", 2 }, { "KHR", 2 }, { "KMF", 0 },
	{ "KPW", 2 }, { "KRW", 0 }, { "KWD", 3 }, { "KYD", 2 }, { "KZT", 2 },
	{ "LAK", 2 }, { "LBP", 2 }, { "LKR", 2 }, { "LRD", 2 }, { "LSL", 2 },
	{ "LYD", 3 }, { "MAD", 2 }, { "MDL", 2 }, { "MGA", 2 }, { "MKD", 2 },
	{ "MMK", 2 }, { "MNT", 2 }, { "MOP", 2 }, { "MRU", 2 }, { "MUR", 2 },
	{ "MVR", 2 }, { "MWK", 2 }, { "MXN", 2 }, { "MXV", 2 }, { "MYR", 2 },
	{ "MZN", 2 }, { "NAD", 2 }, { "NGN", 2 }, { "NIO", 2 }, { "NOK", 2 },
	{ "NPR", 2 }, { "NZD", 2 }, { "OMR", 3 }, { "PAB", 2 }, { "PEN", 2 },
	{ "PGK", 2 }, { "PHP", 2 }, { "PKR", 2 }, { "PLN", 2 }, { "PYG", 0 },
	{ "QAR", 2 }, { "RMB", 2 }, { "RON", 2 }, { "RSD", 2 }, { "RUB", 2 },
	{ "RWF", 0 }, { "SAR", 2 }, { "SBD", 2 }, { "SCR", 2 }, { "SDG", 2 },
	{ "SEK", 2 }, { "SGD", 2 }, { "SHP", 2 }, { "SLE", 2 }, { "SLL", 2 },
	{ "SOS", 2 }, { "SRD", 2 }, { "SSP", 2 }, { "STN", 2 }, { "SVC", 2 },
	{ "SYP", 2 }, { "SZL", 2 }, { "THB", 2 }, { "TJS", 2 }, { "TMT", 2 },
	{ "TND", 3 }, { "TOP", 2 }, { "TRY", 2 }, { "TTD", 2 }, { "TWD", 2 },
	{ "TZS", 2 }, { "UAH", 2 }, { "UGX", 0 }, { "USD", 2 }, { "USN", 2 },
	{ "UYI", 0 }, { "UYU", 2 }, { "UYW", 4 }, { "UZS", 2 }, { "VED", 2 },
	{ "VES", 2 }, { "VND", 0 }, { "VUV", 0 }, { "WST", 2 }, { "XAF", 0 },
	{ "XCD", 2 }, { "XOF", 0 }, { "XPF", 0 }, { "YER", 2 }, { "ZAR", 2 },
	{ "ZMW", 2 }, { "ZWG", 2 }, { "ZWL", 2 },
};

/* Currency signs, longest first where one begins another. */
static const struct {
	const char	*s;
	size_t		 n;
} signs[] = {
	{ "US$", 3 }, { "HK$", 3 }, { "NT$", 3 },
	{ "\xef\xbf\xa5", 3 },	/* ￥ FULLWIDTH YEN SIGN, Chinese input */
	{ "\xc2\xa5", 2 },	/* ¥ */
	{ "\xe2\x82\xac", 3 },	/* € */
	{ "\xc2\xa3", 2 },	/* £ */
	{ "\xe2\x82\xa9", 3 },	/* ₩ */
	{ "\xe5\x85\x83", 3 },	/* 元, written after the amount */
	{ "$", 1 },
};

static int
isdig(int c)
{
	return (unsigned)c - '0' < 10;
}

static int
upper(int c)
{
	return c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c;
}

static int
isalpha_c(int c)
{
	c = upper(c);
	return c >= 'A' && c <= 'Z';
}

/* Length of the blank at p, 0 if none: ASCII blanks, and the no-break
 * spaces that spreadsheets put between digit groups (U+00A0, U+202F)
 * or around a currency sign. */
static size_t
blank(const unsigned char *p, const unsigned char *e)
{
	if (p == e)
		return 0;
	if (*p == ' ' || *p == '\t' || *p == '\r')
		return 1;
	if (e - p >= 2 && p[0] == 0xc2 && p[1] == 0xa0)
		return 2;
	if (e - p >= 3 && p[0] == 0xe2 && p[1] == 0x80 && p[2] == 0xaf)
		return 3;
	return 0;
}

static const unsigned char *
skip_blanks(const unsigned char *p, const unsigned char *e)
{
	size_t k;

	while ((k = blank(p, e)) > 0)
		p += k;
	return p;
}

int
mbr_currency_exp(const char *code, size_t n)
{
	size_t lo = 0, hi = sizeof(currencies) / sizeof(currencies[0]), mid;
	uint32_t key, k;

	if (n != 3)
		return -1;
	/* The three bytes as one number, whose order is memcmp's: this
	 * is asked for each order, and memcmp called at each step of the
	 * search was 2% of mbr-ingest's profile. */
	key = (uint32_t)upper((unsigned char)code[0]) << 16 |
	    (uint32_t)upper((unsigned char)code[1]) << 8 |
	    (uint32_t)upper((unsigned char)code[2]);
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		k = (uint32_t)(unsigned char)currencies[mid].code[0] << 16 |
		    (uint32_t)(unsigned char)currencies[mid].code[1] << 8 |
		    (uint32_t)(unsigned char)currencies[mid].code[2];
		if (key == k)
			return currencies[mid].exp;
		if (key < k)
			hi = mid;
		else
			lo = mid + 1;
	}
	return -1;
}

/* Length of the currency mark at p, 0 if none.  A code must not run
 * on into more letters ("USDX" is no mark). */
static size_t
mark(const unsigned char *p, const unsigned char *e)
{
	size_t i, len = (size_t)(e - p);

	if (len >= 3 && isalpha_c(p[0]) && isalpha_c(p[1]) &&
	    isalpha_c(p[2]) && (len == 3 || !isalpha_c(p[3])) &&
	    mbr_currency_exp((const char *)p, 3) >= 0)
		return 3;
	for (i = 0; i < sizeof(signs) / sizeof(signs[0]); i++) {
		const char *s = signs[i].s;
		size_t j, n = signs[i].n;

		if (len < n)
			continue;
		for (j = 0; j < n; j++)
			if (upper(p[j]) != (unsigned char)s[j])
				break;
		if (j == n)
			return n;
	}
	return 0;
}

/* Length of the digit-group separator at p, 0 if none: the grouping
 * character of the convention, a blank, or an apostrophe (Swiss). */
static size_t
group_sep(const unsigned char *p, const unsigned char *e, int gc)
{
	if (p == e)
		return 0;
	if (*p == gc || *p == '\'')
		return 1;
	return blank(p, e);
}

/* Whether p holds the separator sp (sep bytes) and then exactly three
 * digits. */
static int
is_group(const unsigned char *p, const unsigned char *e,
    const unsigned char *sp, size_t sep, int gc)
{
	const unsigned char *g = p + sep;

	if (group_sep(p, e, gc) != sep || memcmp(p, sp, sep) != 0)
		return 0;
	return e - g >= 3 && isdig(g[0]) && isdig(g[1]) && isdig(g[2]) &&
	    (e - g == 3 || !isdig(g[3]));
}

/* v = v * 10 + d; returns 1 on overflow, leaving v meaningless (the
 * caller only reports it). */
static int
shift(uint64_t *v, int d)
{
	return __builtin_mul_overflow(*v, 10, v) ||
	    __builtin_add_overflow(*v, (uint64_t)d, v);
}

/* The form nearly every export writes, "1234.50" or "-19.9": digits,
 * then perhaps the point and up to exp digits, read without the general
 * parser's search for marks, groups and parentheses.  At most 18
 * characters with exp counted, so no overflow is possible.  0 sends
 * anything else to the general parser, which decides. */
static int
plain(int64_t *minor, const unsigned char *p, size_t n, unsigned exp,
    int point)
{
	const unsigned char *e = p + n;
	uint64_t v = 0;
	size_t nf = 0;
	int neg = *p == '-';

	if (n + exp > 18)
		return 0;
	p += neg;
	if (p == e || !isdig(*p))
		return 0;
	while (p < e && isdig(*p))
		v = v * 10 + (uint64_t)(*p++ - '0');
	if (p < e) {
		if (*p++ != point)
			return 0;
		for (; p < e && isdig(*p) && nf < exp; p++, nf++)
			v = v * 10 + (uint64_t)(*p - '0');
		if (p != e)
			return 0;
	}
	for (; nf < exp; nf++)
		v *= 10;
	*minor = neg ? -(int64_t)v : (int64_t)v;
	return 1;
}

int
mbr_money_parse(int64_t *minor, const char *s, size_t n, unsigned exp,
    int flags, mbr_err *err)
{
	const unsigned char *p = (const unsigned char *)s, *e = p + n;
	int point = flags & MBR_MONEY_DECIMAL_COMMA ? ',' : '.';
	int gc = point == ',' ? '.' : ',';
	int paren = 0, sign = 0, marked = 0, ovf = 0, extra = 0;
	size_t k, sep, ndig = 0, nfrac = 0;
	uint64_t v = 0;

	if (n > 0 && plain(minor, p, n, exp, point))
		return MBR_OK;

	p = skip_blanks(p, e);
	while (e > p && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
		e--;
	if (p == e)
		return mbr_err_set(err, MBR_EDATA, "amount is empty");

	/* Before the number: one each of '(', a sign, a mark, in any
	 * order save that the sign never precedes '(' and never goes
	 * with one, so "(-1)" and "-(1)" are refused, not guessed. */
	for (;;) {
		p = skip_blanks(p, e);
		if (p == e)
			goto nan;
		if (*p == '(' && !paren && !sign) {
			paren = 1;
			p++;
		} else if ((*p == '-' || *p == '+') && !sign && !paren) {
			sign = *p++ == '-' ? -1 : 1;
		} else if (!marked && !isdig(*p) && (k = mark(p, e)) > 0) {
			marked = 1;	/* (no mark begins with a digit) */
			p += k;
		} else
			break;
	}

	/* Integer part: digits, or a first group of one to three and
	 * then groups of exactly three, all after the same separator.  A
	 * separator not followed by a group ("12,34.5") is left to the
	 * end, where it is not a number. */
	for (; p < e && isdig(*p); p++, ndig++)
		ovf |= shift(&v, *p - '0');
	if (ndig >= 1 && ndig <= 3 && (sep = group_sep(p, e, gc)) > 0) {
		const unsigned char *sp = p;

		while (is_group(p, e, sp, sep, gc)) {
			for (p += sep, k = 0; k < 3; k++, p++, ndig++)
				ovf |= shift(&v, *p - '0');
		}
	}

	/* Fraction: digits past exp may only be zeros, which change
	 * nothing ("1.500" is 150 cents exactly); anything else would
	 * need rounding, and money is never rounded silently. */
	if (p < e && *p == point) {
		for (p++; p < e && isdig(*p); p++, nfrac++) {
			if (nfrac >= exp) {
				if (*p != '0')
					extra = 1;
				continue;
			}
			ovf |= shift(&v, *p - '0');
		}
		if (ndig == 0 && nfrac == 0)
			goto nan;
	} else if (ndig == 0)
		goto nan;
	for (k = nfrac; k < exp; k++)
		ovf |= shift(&v, 0);

	/* After the number: a mark if there was none, and ')'. */
	for (;;) {
		p = skip_blanks(p, e);
		if (p == e)
			break;
		if (*p == ')' && paren == 1) {
			paren = 2;
			p++;
		} else if (!marked && (k = mark(p, e)) > 0) {
			marked = 1;
			p += k;
		} else
			goto nan;
	}
	if (paren == 1)
		goto nan;

	if (extra)
		return mbr_err_set(err, MBR_EDATA,
		    "amount \"%.*s\" has more than %u decimals", QLEN(n), s, exp);
	if (paren || sign < 0) {
		if (ovf || v > (uint64_t)INT64_MAX + 1)
			goto range;
		*minor = v == (uint64_t)INT64_MAX + 1 ? INT64_MIN :
		    -(int64_t)v;
	} else {
		if (ovf || v > (uint64_t)INT64_MAX)
			goto range;
		*minor = (int64_t)v;
	}
	return MBR_OK;
nan:
	return mbr_err_set(err, MBR_EDATA, "amount \"%.*s\" is not a number",
	    QLEN(n), s);
range:
	return mbr_err_set(err, MBR_EDATA, "amount \"%.*s\" is out of range",
	    QLEN(n), s);
}

size_t
mbr_money_fmt(char *buf, int64_t minor, unsigned exp)
{
	/* Two digits a division: the scores, days and amounts of a million
	 * members are written with it. */
	static const char pairs[201] =
	    "00010203040506070809101112131415161718192021222324"
	    "25262728293031323334353637383940414243444546474849"
	    "50515253545556575859606162636465666768697071727374"
	    "75767778798081828384858687888990919293949596979899";
	char tmp[MBR_MONEY_LEN], *e = tmp + sizeof(tmp), *q = e;
	uint64_t u = minor < 0 ? 0 - (uint64_t)minor : (uint64_t)minor;
	size_t nd, whole;
	char *p = buf;

	if (exp > EXP_MAX)
		exp = EXP_MAX;	/* no currency has that many: a bug upstream */
	while (u >= 100) {
		q -= 2;
		memcpy(q, pairs + 2 * (u % 100), 2);
		u /= 100;
	}
	if (u >= 10) {
		q -= 2;
		memcpy(q, pairs + 2 * u, 2);
	} else
		*--q = (char)('0' + u);
	while ((size_t)(e - q) < exp + 1)
		*--q = '0';
	nd = (size_t)(e - q);
	whole = nd - exp;
	if (minor < 0)
		*p++ = '-';
	memcpy(p, q, whole);
	p += whole;
	if (exp > 0) {
		*p++ = '.';
		memcpy(p, q + whole, exp);
		p += exp;
	}
	*p = '\0';
	return (size_t)(p - buf);
}

int
mbr_money_canonical(const char *str, size_t n, unsigned exp, int flags)
{
	const unsigned char *s = (const unsigned char *)str, *e = s + n;
	int neg = n > 0 && s[0] == '-', nonzero = 0;
	size_t k;

	if (exp > EXP_MAX || (exp > 0 && (flags & MBR_MONEY_DECIMAL_COMMA)))
		return 0;
	s += neg;
	if (s == e || !isdig(*s) || (*s == '0' && e - s > 1 && isdig(s[1])))
		return 0;	/* no digit, or a leading zero */
	for (; s < e && isdig(*s); s++)
		nonzero |= *s != '0';
	if (exp > 0) {
		if (s == e || *s++ != '.')
			return 0;
		for (k = 0; k < exp; k++, s++) {
			if (s == e || !isdig(*s))
				return 0;
			nonzero |= *s != '0';
		}
	}
	return s == e && (!neg || nonzero);
}

int64_t
mbr_money_round(int64_t v, unsigned places, int mode, int *inexact)
{
	uint64_t d = 1, m, q, r;

	while (places-- > 0)
		d *= 10;
	/* on the magnitude, so that -0.005 and 0.005 round alike */
	m = v < 0 ? -(uint64_t)v : (uint64_t)v;
	q = m / d;
	r = m % d;
	if (r != 0) {
		*inexact = 1;
		if (r > d - r || (r == d - r && (mode == MBR_ROUND_HALF_UP ||
		    (q & 1) != 0)))
			q++;
	}
	return v < 0 ? -(int64_t)q : (int64_t)q;
}

int
mbr_money_add(int64_t *a, int64_t b, mbr_err *err)
{
	int64_t r;

	if (__builtin_add_overflow(*a, b, &r))
		return mbr_err_set(err, MBR_EDATA,
		    "sum of amounts is out of range");
	*a = r;
	return MBR_OK;
}

int
mbr_money_mul(int64_t *a, int64_t q, int64_t p, mbr_err *err)
{
	int64_t r;

	if (__builtin_mul_overflow(q, p, &r))
		return mbr_err_set(err, MBR_EDATA,
		    "quantity times price is out of range");
	*a = r;
	return MBR_OK;
}

const char *
mbr_currency_judge(char *cur, int *exp, int *set, const char *c, size_t n,
    mbr_buf *msg)
{
	if (c != NULL && n > 0) {
		if (*exp < 0) {
			int x = mbr_currency_exp(c, n);

			if (x < 0 || n >= 8) {
				mbr_buf_init(msg);
				mbr_buf_addf(msg, "currency \"%.*s\" is "
				    "unknown", (int)n, c);
				return "unknown currency";
			}
			memcpy(cur, c, n);
			cur[n] = '\0';
			*exp = x;
			*set = 1;
		} else if (n >= 8 || cur[n] != '\0' || memcmp(cur, c, n) != 0) {
			mbr_buf_init(msg);
			mbr_buf_addf(msg, "currency \"%.*s\" differs from %s, "
			    "the currency of the run (sums of two currencies "
			    "mean nothing)", (int)n, c, cur);
			return "other currency";
		}
	}
	if (*exp < 0) {
		*exp = mbr_currency_exp(cur, strlen(cur));
		if (*exp < 0)
			*exp = 2;
		*set = 1;
	}
	return NULL;
}

/* printf's "%.6f" took a tenth of mbr-clv predict's time, four numbers
 * a member.  v is m / 2^sh exactly (m < 2^53): v 10^6 is m 10^6 / 2^sh,
 * whose quotient and remainder (in 128 bits: m 10^6 < 2^73) round it
 * as printf does, to nearest, a tie to even. */
size_t
mbr_fixed6_fmt(char *buf, double v)
{
	static const char pairs[201] =
	    "00010203040506070809101112131415161718192021222324"
	    "25262728293031323334353637383940414243444546474849"
	    "50515253545556575859606162636465666768697071727374"
	    "75767778798081828384858687888990919293949596979899";
	uint64_t bits, m, q = 0, ip, fp;
	unsigned __int128 nm, r, half;
	int e, sh, n, neg;
	char tmp[24], *t = tmp + sizeof(tmp), *p = buf;

	if (!isfinite(v))
		return 0;
	memcpy(&bits, &v, sizeof(bits));
	neg = (int)(bits >> 63);
	e = (int)(bits >> 52 & 0x7ff);
	m = bits & (((uint64_t)1 << 52) - 1);
	if (e == 0)
		e = 1;				/* subnormal */
	else
		m |= (uint64_t)1 << 52;
	sh = 1075 - e;
	if (sh <= 0 || (sh < 64 && m >> sh >= (uint64_t)1 << 43)) {
		/* 2^43 and over: v 10^6 could pass 2^64 */
		n = snprintf(buf, MBR_FIXED6_LEN, "%.6f", v);
		if (n < 0 || n >= MBR_FIXED6_LEN)	/* NEVER */
			return 0;
		while (n > 0 && buf[n - 1] == '0')
			n--;
		if (n > 0 && buf[n - 1] == '.')
			n--;
		buf[n] = '\0';
		return (size_t)n;
	}
	/* from sh 75 on, v 10^6 < 2^73 / 2^75: 0 */
	if (sh < 75) {
		nm = (unsigned __int128)m * 1000000;
		q = (uint64_t)(nm >> sh);
		r = nm & (((unsigned __int128)1 << sh) - 1);
		half = (unsigned __int128)1 << (sh - 1);
		if (r > half || (r == half && (q & 1)))
			q++;
	}
	if (q == 0) {				/* "0", and "-0" too */
		memcpy(buf, "0", 2);
		return 1;
	}
	ip = q / 1000000;
	fp = q % 1000000;
	if (neg)
		*p++ = '-';
	while (ip >= 100) {
		t -= 2;
		memcpy(t, pairs + 2 * (ip % 100), 2);
		ip /= 100;
	}
	if (ip >= 10) {
		t -= 2;
		memcpy(t, pairs + 2 * ip, 2);
	} else
		*--t = (char)('0' + ip);
	memcpy(p, t, (size_t)(tmp + sizeof(tmp) - t));
	p += tmp + sizeof(tmp) - t;
	if (fp != 0) {
		*p++ = '.';
		while (fp != 0) {		/* its zeros cut */
			*p++ = (char)('0' + fp / 100000);
			fp = fp % 100000 * 10;
		}
	}
	*p = '\0';
	return (size_t)(p - buf);
}
