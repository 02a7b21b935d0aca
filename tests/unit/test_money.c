/* test_money.c: mbr_money.
 *
 * Expected minor units are worked out by hand from the text; the
 * int64 limits are 9223372036854775807 and -9223372036854775808. */
#include <math.h>
#include <stdint.h>

#include "mbr_money.h"
#include "t.h"

#define COMMA	MBR_MONEY_DECIMAL_COMMA

#define T_AMT(s, exp, flags, want) do {				\
	int64_t m_ = -7;						\
	mbr_err e_ = { 0 };						\
	T_EQ_I(mbr_money_parse(&m_, (s), strlen(s), (exp), (flags), &e_), \
	    MBR_OK);							\
	T_EQ_I(m_, (want));						\
} while (0)

/* An error with its exact message; *minor is left alone. */
#define T_BAD(s, exp, flags, want) do {				\
	int64_t m_ = -7;						\
	mbr_err e_ = { 0 };						\
	T_EQ_I(mbr_money_parse(&m_, (s), strlen(s), (exp), (flags), &e_), \
	    MBR_EDATA);							\
	T_EQ_I(m_, -7);							\
	T_EQ_S(e_.msg, (want));						\
} while (0)

#define T_NAN(s, exp, flags)						\
	T_BAD((s), (exp), (flags), "amount \"" s "\" is not a number")

#define T_FMT(minor, exp, want) do {					\
	char b_[MBR_MONEY_LEN];						\
	size_t n_ = mbr_money_fmt(b_, (minor), (exp));			\
	T_EQ_I(n_, strlen(want));					\
	T_EQ_S(b_, (want));						\
} while (0)

static void
test_parse(void)
{
	/* Plain numbers and fractions. */
	T_AMT("129.00", 2, 0, 12900);
	T_AMT("129", 2, 0, 12900);
	T_AMT("0", 2, 0, 0);
	T_AMT("-0", 2, 0, 0);
	T_AMT("007", 2, 0, 700);
	T_AMT("12.3", 2, 0, 1230);
	T_AMT(".5", 2, 0, 50);
	T_AMT("5.", 2, 0, 500);
	T_AMT("-.5", 2, 0, -50);
	T_AMT("+12.30", 2, 0, 1230);
	T_AMT("  12.30 \t\r", 2, 0, 1230);
	/* Zeros past the currency's decimals are exact, so accepted. */
	T_AMT("1.500", 2, 0, 150);
	T_AMT("12.0", 0, 0, 12);
	T_AMT("1.234", 3, 0, 1234);		/* BHD */
	T_BAD("1.005", 2, 0, "amount \"1.005\" has more than 2 decimals");
	T_BAD("1.0050", 2, 0, "amount \"1.0050\" has more than 2 decimals");
	T_BAD("12.5", 0, 0, "amount \"12.5\" has more than 0 decimals");

	/* Thousands separators, groups of three only. */
	T_AMT("1,234.56", 2, 0, 123456);
	T_AMT("1,234,567.89", 2, 0, 123456789);
	T_AMT("123,456", 2, 0, 12345600);
	T_AMT("1'234.50", 2, 0, 123450);
	T_AMT("1 234 567", 2, 0, 123456700);
	T_AMT("1\xc2\xa0" "234.56", 2, 0, 123456);	/* no-break space */
	T_NAN("12,34.5", 2, 0);
	T_NAN("1,2345", 2, 0);
	T_NAN("1234,567", 2, 0);
	T_NAN("1,234,56", 2, 0);
	T_NAN("1,234 567", 2, 0);
	T_NAN("1 23", 2, 0);
	T_NAN("1,", 2, 0);
	T_NAN(",123", 2, 0);
	T_NAN("1,5", 2, 0);
	/* Decimal comma. */
	T_AMT("1.234,56", 2, COMMA, 123456);
	T_AMT("1.234.567,89", 2, COMMA, 123456789);
	T_AMT("12,3", 2, COMMA, 1230);
	T_AMT("1 234,56", 2, COMMA, 123456);
	T_AMT("\xe2\x82\xac 1.234,56", 2, COMMA, 123456);
	T_NAN("1,234.56", 2, COMMA);
	T_NAN("1.5", 2, COMMA);
	T_BAD("1,005", 2, COMMA, "amount \"1,005\" has more than 2 decimals");

	/* Signs, parentheses and currency marks. */
	T_AMT("(12.30)", 2, 0, -1230);
	T_AMT("-\xc2\xa5" "12.30", 2, 0, -1230);	/* -¥12.30 */
	T_AMT("\xc2\xa5-12.30", 2, 0, -1230);		/* ¥-12.30 */
	T_AMT("\xc2\xa5" "12.30", 2, 0, 1230);
	T_AMT("\xef\xbf\xa5" "12.30", 2, 0, 1230);	/* ￥ */
	T_AMT("\xef\xbf\xa5 -12.30", 2, 0, -1230);
	T_AMT("(\xc2\xa5" "12.30)", 2, 0, -1230);
	T_AMT("\xc2\xa5(12.30)", 2, 0, -1230);
	T_AMT("(12.30) USD", 2, 0, -1230);
	T_AMT("(12.30 USD)", 2, 0, -1230);
	T_AMT("$5", 2, 0, 500);
	T_AMT("\xc2\xa3" "3", 2, 0, 300);		/* £ */
	T_AMT("\xe2\x82\xac" "3.10", 2, 0, 310);	/* € */
	T_AMT("\xe2\x82\xa9" "1,000", 0, 0, 1000);	/* ₩ */
	T_AMT("12.30\xe5\x85\x83", 2, 0, 1230);	/* 12.30元 */
	T_AMT("RMB 12.3", 2, 0, 1230);
	T_AMT("CNY12.30", 2, 0, 1230);
	T_AMT("12.30 CNY", 2, 0, 1230);
	T_AMT("12.30CNY", 2, 0, 1230);
	T_AMT("usd 1", 2, 0, 100);
	T_AMT("US$ 9.99", 2, 0, 999);
	T_AMT("HK$100", 2, 0, 10000);
	T_AMT("NT$1,200", 2, 0, 120000);
	T_AMT("- $ 5", 2, 0, -500);
	T_AMT("\xc2\xa5" "1,290", 0, 0, 1290);	/* JPY */
	T_NAN("1e3", 2, 0);
	T_NAN("-", 2, 0);
	T_NAN("\xc2\xa5", 2, 0);
	T_NAN("()", 2, 0);
	T_NAN("(-1)", 2, 0);
	T_NAN("-(1)", 2, 0);
	T_NAN("--1", 2, 0);
	T_NAN("+-1", 2, 0);
	T_NAN("\xc2\xa5\xc2\xa5" "1", 2, 0);
	T_NAN("USD 1 EUR", 2, 0);
	T_NAN("$1 USD", 2, 0);
	T_NAN("12.30-", 2, 0);
	T_NAN("1.2.3", 2, 0);
	T_NAN("(12.30", 2, 0);
	T_NAN("12.30)", 2, 0);
	T_NAN("USDX 1", 2, 0);
	T_NAN("XYZ 1", 2, 0);
	T_NAN(".", 2, 0);
	T_NAN("12,3x", 2, 0);
	T_NAN("\xef\xbc\x91\xef\xbc\x92", 2, 0);	/* fullwidth １２ */
	T_NAN("1 2", 0, 0);
	T_BAD("", 2, 0, "amount is empty");
	T_BAD(" \t ", 2, 0, "amount is empty");

	/* The int64 limits, both ways. */
	T_AMT("92233720368547758.07", 2, 0, INT64_MAX);
	T_AMT("92,233,720,368,547,758.07", 2, 0, INT64_MAX);
	T_BAD("92233720368547758.08", 2, 0,
	    "amount \"92233720368547758.08\" is out of range");
	T_AMT("-92233720368547758.08", 2, 0, INT64_MIN);
	T_AMT("(92233720368547758.08)", 2, 0, INT64_MIN);
	T_BAD("-92233720368547758.09", 2, 0,
	    "amount \"-92233720368547758.09\" is out of range");
	T_AMT("9223372036854775807", 0, 0, INT64_MAX);
	T_BAD("9223372036854775808", 0, 0,
	    "amount \"9223372036854775808\" is out of range");
	T_AMT("-9223372036854775808", 0, 0, INT64_MIN);
	T_BAD("18446744073709551615", 0, 0,
	    "amount \"18446744073709551615\" is out of range");
	T_BAD("18446744073709551616", 0, 0,
	    "amount \"18446744073709551616\" is out of range");
	T_BAD("184467440737095516.16", 2, 0,
	    "amount \"184467440737095516.16\" is out of range");
	T_BAD("99999999999999999999", 2, 0,
	    "amount \"99999999999999999999\" is out of range");
	/* 92233720368547758 with 2 more places of padding overflows. */
	T_BAD("922337203685477581", 2, 0,
	    "amount \"922337203685477581\" is out of range");
	T_AMT("0", 30, 0, 0);
	T_BAD("1", 30, 0, "amount \"1\" is out of range");
	/* Format is judged first, then decimals, then range. */
	T_NAN("99999999999999999999x", 2, 0);
	T_BAD("99999999999999999999.005", 2, 0,
	    "amount \"99999999999999999999.005\" has more than 2 decimals");

	/* A length, not a C string. */
	{
		int64_t m = 0;

		T_EQ_I(mbr_money_parse(&m, "12.30abc", 5, 2, 0, NULL),
		    MBR_OK);
		T_EQ_I(m, 1230);
		T_EQ_I(mbr_money_parse(&m, "12.30", 0, 2, 0, NULL),
		    MBR_EDATA);
	}
}

static void
test_fmt(void)
{
	char b[MBR_MONEY_LEN];
	int64_t m, v[] = { 0, 1, -1, 5, 99, 100, -1230, 123456789,
	    INT64_MAX, INT64_MIN };
	unsigned i, exp;

	T_FMT(-1230, 2, "-12.30");
	T_FMT(1290, 0, "1290");
	T_FMT(5, 2, "0.05");
	T_FMT(-5, 3, "-0.005");
	T_FMT(0, 2, "0.00");
	T_FMT(0, 0, "0");
	T_FMT(12900, 2, "129.00");
	T_FMT(INT64_MAX, 0, "9223372036854775807");
	T_FMT(INT64_MIN, 0, "-9223372036854775808");
	T_FMT(INT64_MIN, 2, "-92233720368547758.08");
	T_FMT(1, 28, "0.0000000000000000000000000001");
	T_FMT(INT64_MIN, 28, "-0.0000000009223372036854775808");
	/* More places than any currency: clamped, never past the buffer. */
	T_FMT(1, 200, "0.0000000000000000000000000001");

	/* Written amounts read back as themselves. */
	for (exp = 0; exp <= 4; exp++)
		for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
			size_t n = mbr_money_fmt(b, v[i], exp);

			m = -7;
			T_EQ_I(mbr_money_parse(&m, b, n, exp, 0, NULL), MBR_OK);
			T_EQ_I(m, v[i]);
		}
}

static void
test_currency(void)
{
	T_EQ_I(mbr_currency_exp("CNY", 3), 2);
	T_EQ_I(mbr_currency_exp("cny", 3), 2);
	T_EQ_I(mbr_currency_exp("RMB", 3), 2);
	T_EQ_I(mbr_currency_exp("USD", 3), 2);
	T_EQ_I(mbr_currency_exp("EUR", 3), 2);
	T_EQ_I(mbr_currency_exp("GBP", 3), 2);
	T_EQ_I(mbr_currency_exp("HKD", 3), 2);
	T_EQ_I(mbr_currency_exp("TWD", 3), 2);
	T_EQ_I(mbr_currency_exp("JPY", 3), 0);
	T_EQ_I(mbr_currency_exp("KRW", 3), 0);
	T_EQ_I(mbr_currency_exp("VND", 3), 0);
	T_EQ_I(mbr_currency_exp("ISK", 3), 0);
	T_EQ_I(mbr_currency_exp("BHD", 3), 3);
	T_EQ_I(mbr_currency_exp("KWD", 3), 3);
	T_EQ_I(mbr_currency_exp("JOD", 3), 3);
	T_EQ_I(mbr_currency_exp("TND", 3), 3);
	T_EQ_I(mbr_currency_exp("CLF", 3), 4);
	/* The first and last of the table, for the binary search. */
	T_EQ_I(mbr_currency_exp("AED", 3), 2);
	T_EQ_I(mbr_currency_exp("ZWL", 3), 2);
	T_EQ_I(mbr_currency_exp("AAA", 3), -1);
	T_EQ_I(mbr_currency_exp("ZZZ", 3), -1);
	T_EQ_I(mbr_currency_exp("XYZ", 3), -1);
	T_EQ_I(mbr_currency_exp("USDX", 4), -1);
	T_EQ_I(mbr_currency_exp("USD", 2), -1);
	T_EQ_I(mbr_currency_exp("", 0), -1);
}

static void
test_arith(void)
{
	mbr_err err = { 0 };
	int64_t a;

	a = 100;
	T_EQ_I(mbr_money_add(&a, -250, &err), MBR_OK);
	T_EQ_I(a, -150);
	a = INT64_MAX;
	T_EQ_I(mbr_money_add(&a, 0, &err), MBR_OK);
	T_EQ_I(mbr_money_add(&a, 1, &err), MBR_EDATA);
	T_EQ_I(a, INT64_MAX);
	T_EQ_S(err.msg, "sum of amounts is out of range");
	a = INT64_MIN;
	T_EQ_I(mbr_money_add(&a, -1, &err), MBR_EDATA);
	T_EQ_I(a, INT64_MIN);
	T_EQ_I(mbr_money_add(&a, INT64_MAX, &err), MBR_OK);
	T_EQ_I(a, -1);

	T_EQ_I(mbr_money_mul(&a, 3, 1290, &err), MBR_OK);
	T_EQ_I(a, 3870);
	T_EQ_I(mbr_money_mul(&a, -1, INT64_MAX, &err), MBR_OK);
	T_EQ_I(a, -INT64_MAX);
	T_EQ_I(mbr_money_mul(&a, INT64_MAX, 2, &err), MBR_EDATA);
	T_EQ_I(a, -INT64_MAX);
	T_EQ_S(err.msg, "quantity times price is out of range");
	T_EQ_I(mbr_money_mul(&a, INT64_MIN, -1, &err), MBR_EDATA);
	/* 4294967296 * 2147483648 = 2^63, one past INT64_MAX. */
	T_EQ_I(mbr_money_mul(&a, 4294967296LL, 2147483648LL, &err),
	    MBR_EDATA);
	T_EQ_I(mbr_money_mul(&a, -4294967296LL, 2147483648LL, &err),
	    MBR_OK);
	T_EQ_I(a, INT64_MIN);
}

/* mbr_money_canonical says yes to what mbr_money_fmt writes, and where
 * it says yes formatting the parsed amount gives back the very text
 * (mbr-ingest then copies it). */
static void
test_canonical(void)
{
	static const struct {
		const char *s;
		unsigned exp;
		int want;
	} c[] = {
		{ "19.90", 2, 1 }, { "-159.00", 2, 1 }, { "0.05", 2, 1 },
		{ "0.00", 2, 1 }, { "1290", 0, 1 }, { "0", 0, 1 },
		{ "-7", 0, 1 }, { "1.234", 3, 1 },
		{ "-0.00", 2, 0 }, { "-0", 0, 0 }, { "01.00", 2, 0 },
		{ "00", 0, 0 }, { "+1.00", 2, 0 }, { "1.0", 2, 0 },
		{ "1.000", 2, 0 }, { "1,000.00", 2, 0 }, { " 1.00", 2, 0 },
		{ "1.00 ", 2, 0 }, { "\xc2\xa5" "1.00", 2, 0 }, { "", 2, 0 },
		{ "-", 0, 0 }, { ".50", 2, 0 }, { "1.", 0, 0 }, { "1", 2, 0 },
		{ "1.00", 0, 0 }, { "1,00", 2, 0 },
	};
	/* Under --decimal-comma a '.' groups: "1.234" is 1234.000 in a
	 * 3-place currency (BHD), never to be copied as it is. */
	static const struct {
		const char *s;
		unsigned exp;
		int want;
	} dc[] = {
		{ "1.234", 3, 0 }, { "1.23", 2, 0 }, { "1,23", 2, 0 },
		{ "1234", 0, 1 }, { "-7", 0, 1 }, { "1.234", 0, 0 },
	};
	char buf[MBR_MONEY_LEN];
	uint64_t x = 88172645463325252ULL;
	size_t i, n;
	int64_t v, back;
	unsigned exp;
	int ok = 1;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++)
		T_EQ_I(mbr_money_canonical(c[i].s, strlen(c[i].s), c[i].exp,
		    0), c[i].want);
	for (i = 0; i < sizeof(dc) / sizeof(dc[0]); i++)
		T_EQ_I(mbr_money_canonical(dc[i].s, strlen(dc[i].s), dc[i].exp,
		    MBR_MONEY_DECIMAL_COMMA), dc[i].want);
	for (i = 0; i < 100000; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		/* all magnitudes, small ones often */
		v = (int64_t)(x >> (x % 61));
		if (x & 1)
			v = -v;
		exp = (unsigned)(x >> 7) % 5;
		n = mbr_money_fmt(buf, v, exp);
		ok &= mbr_money_canonical(buf, n, exp, 0) == 1;
		ok &= mbr_money_parse(&back, buf, n, exp, 0, NULL) == MBR_OK &&
		    back == v;
	}
	T_OK(ok);
	/* and the other way: texts of the form, built digit by digit,
	 * format back to themselves */
	for (i = 0, ok = 1; i < 100000; i++) {
		char s[40], f[MBR_MONEY_LEN];
		size_t k = 0, d, nd;
		int fl;

		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		exp = (unsigned)(x % 5);
		if (x & 8)
			s[k++] = '-';
		nd = 1 + (x >> 4) % 12;
		for (d = 0; d < nd; d++)
			s[k++] = (char)('0' + (d == 0 && nd > 1 ?
			    1 + (x >> (8 + d)) % 9 : (x >> (8 + 3 * d)) % 10));
		if (exp > 0)
			s[k++] = '.';
		for (d = 0; d < exp; d++)
			s[k++] = (char)('0' + (x >> (40 + 4 * d)) % 10);
		fl = x & 16 ? MBR_MONEY_DECIMAL_COMMA : 0;
		if (!mbr_money_canonical(s, k, exp, fl))
			continue;	/* -0.00, or a point read as grouping */
		ok &= mbr_money_parse(&v, s, k, exp, fl, NULL) == MBR_OK &&
		    mbr_money_fmt(f, v, exp) == k && memcmp(f, s, k) == 0;
	}
	T_OK(ok);
}

/* Plain amounts ("1234.50", "-19.9") have a fast reading of their own;
 * it must agree with the general parser on every string.  The general
 * parser is reached with a leading blank, which it skips.  Strings are
 * drawn from the characters that matter, mostly digits. */
static void
test_plain(void)
{
	static const char chars[] = "0123456789012345678901234567890123456789"
	    ".,-+ ()$\xc2\xa5" "e";
	unsigned long seed = 11;
	int i, k, agree = 0, ok = 0, bad = 0;

	for (i = 0; i < 400000; i++) {
		char a[32], b[33];
		int64_t x = 1, y = 2;
		size_t n;
		unsigned exp;
		int flags, r1, r2;

		seed = seed * 6364136223846793005UL + 1442695040888963407UL;
		n = (seed >> 33) % 22;
		exp = (unsigned)((seed >> 40) % 5);
		flags = (seed >> 45) % 4 == 0 ? MBR_MONEY_DECIMAL_COMMA : 0;
		for (k = 0; k < (int)n; k++) {
			seed = seed * 6364136223846793005UL +
			    1442695040888963407UL;
			a[k] = chars[(seed >> 33) % (sizeof(chars) - 1)];
		}
		/* Most strings plain: a sign now and then, one point. */
		if ((seed >> 50) % 3 != 0) {
			for (k = 0; k < (int)n; k++)
				a[k] = (char)('0' + (seed >> (k % 40)) % 10);
			if (n > 2 && (seed >> 20) % 2)
				a[n - 1 - (seed >> 22) % 4 % n] =
				    flags ? ',' : '.';
			if (n > 1 && (seed >> 24) % 4 == 0)
				a[0] = '-';
		}
		a[n] = '\0';
		b[0] = ' ';
		memcpy(b + 1, a, n + 1);
		r1 = mbr_money_parse(&x, a, n, exp, flags, NULL);
		r2 = mbr_money_parse(&y, b, n + 1, exp, flags, NULL);
		if (r1 == r2 && (r1 != MBR_OK || x == y))
			agree++;
		else if (bad++ < 5)
			fprintf(stderr, "plain and general differ on \"%s\" "
			    "exp %u\n", a, exp);
		ok += r1 == MBR_OK;
	}
	T_EQ_I(agree, 400000);
	T_OK(ok > 100000 && ok < 350000);
	/* By hand: the largest that the fast reading takes, and past. */
	T_AMT("999999999999999.99", 2, 0, 99999999999999999);
	T_AMT("-9999999999999999", 2, 0, -999999999999999900);
	T_AMT("12,50", 2, MBR_MONEY_DECIMAL_COMMA, 1250);
	T_AMT("1.500", 2, 0, 150);
	T_AMT("-0", 2, 0, 0);
}

/* --round: expectations from Python's decimal module,
 * Decimal(v).scaleb(-places).quantize(Decimal(1), ROUND_HALF_EVEN or
 * ROUND_HALF_UP). */
static void
test_round(void)
{
	static const struct {
		int64_t v;
		unsigned places;
		int64_t even, up;
	} c[] = {
		{ 5, 1, 0, 1 }, { 15, 1, 2, 2 }, { 25, 1, 2, 3 },
		{ -25, 1, -2, -3 }, { -15, 1, -2, -2 }, { 14, 1, 1, 1 },
		{ 16, 1, 2, 2 }, { 1250, 3, 1, 1 }, { 1251, 3, 1, 1 },
		{ 3500, 3, 4, 4 }, { 2500, 3, 2, 3 }, { -2500, 3, -2, -3 },
		{ 12345, 4, 1, 1 }, { 0, 2, 0, 0 }, { -1, 4, 0, 0 },
		{ 99995, 4, 10, 10 }, { 1, 0, 1, 1 }, { -7, 0, -7, -7 },
	};
	size_t i;
	int inexact;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		int64_t d = 1;
		unsigned k;

		for (k = 0; k < c[i].places; k++)
			d *= 10;
		inexact = 0;
		T_EQ_I(mbr_money_round(c[i].v, c[i].places,
		    MBR_ROUND_HALF_EVEN, &inexact), c[i].even);
		T_EQ_I(inexact, c[i].v % d != 0);
		T_EQ_I(mbr_money_round(c[i].v, c[i].places, MBR_ROUND_HALF_UP,
		    &inexact), c[i].up);
	}
	inexact = 0;
	T_EQ_I(mbr_money_round(INT64_MIN, 4, MBR_ROUND_HALF_EVEN, &inexact),
	    -922337203685478);	/* -922337203685477.5808 */
}

/* What mbr_fixed6_fmt replaced: printf's, trailing zeros cut. */
static size_t
fixed6_printf(char *buf, double v)
{
	int n = snprintf(buf, MBR_FIXED6_LEN, "%.6f", v);

	while (n > 0 && buf[n - 1] == '0')
		n--;
	if (n > 0 && buf[n - 1] == '.')
		n--;
	if (n == 2 && buf[0] == '-' && buf[1] == '0')
		buf[0] = '0', n = 1;
	buf[n] = '\0';
	return (size_t)n;
}

/* Whether v comes out as printf writes it; the first few that do not
 * are named. */
static int
fixed6_same(double v)
{
	static int named;
	char a[MBR_FIXED6_LEN], b[MBR_FIXED6_LEN];
	size_t na = mbr_fixed6_fmt(a, v), nb = fixed6_printf(b, v);

	if (na == nb && memcmp(a, b, na) == 0)
		return 1;
	if (named++ < 5)
		fprintf(stderr, "mbr_fixed6_fmt(%a) = \"%s\", printf's \"%s\"\n",
		    v, a, b);
	return 0;
}

static void
test_fixed6(void)
{
	/* ties at the sixth place (k / 2^7 is k 78125 / 10^7), their
	 * neighbours, the ends of the integers' range (2^43), the least
	 * and largest doubles */
	static const double v[] = { 0, 1, 0.5, 0.25, 0.0078125, 0.0234375,
	    0.0390625, 1.0078125, 0.0000005, 0.00000050000000000000001,
	    0.0000015, 0.0000025, 0.9999995, 0.99999949999999995,
	    1e-7, 4.9e-7, 5.1e-7, 1e-300, 4.9e-324, 123456.789,
	    8796093022207.9995, 8796093022208.0, 8796093022208.5,
	    9e12, 1e15, 4503599627370495.5, 1e200, 1.7976931348623157e308 };
	char buf[MBR_FIXED6_LEN];
	uint64_t x = 88172645463325252ULL, bits;
	double d;
	size_t i;
	long bad = 0;
	int k, s;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		for (s = 1; s > -3; s -= 2) {
			bad += !fixed6_same(s * v[i]);
			bad += !fixed6_same(nextafter(s * v[i], 0));
			bad += !fixed6_same(nextafter(s * v[i], s * 1e300));
		}
	/* every tie k / 2^7 up to 2^14 of them, and k / 2^n nearby */
	for (k = 0; k < 16384; k++)
		for (s = 1; s <= 12; s++)
			bad += !fixed6_same(ldexp(k, -s)) + !fixed6_same(-ldexp(k,
			    -s));
	/* doubles of every exponent (xorshift's bits), and numbers as
	 * predictions have them */
	for (i = 0; i < 200000; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		bits = x;
		memcpy(&d, &bits, sizeof(d));
		if (isfinite(d))
			bad += !fixed6_same(d);
		d = (double)(x >> 11) / 9007199254740992.0;	/* [0, 1) */
		bad += !fixed6_same(d) + !fixed6_same(d * 1000) +
		    !fixed6_same(-d * 1e13) + !fixed6_same(d / 7e3);
		bad += !fixed6_same((double)(x % 2000000) / 7);
	}
	T_EQ_I(bad, 0);
	T_EQ_I(mbr_fixed6_fmt(buf, NAN), 0);
	T_EQ_I(mbr_fixed6_fmt(buf, -INFINITY), 0);
	T_EQ_SN(buf, mbr_fixed6_fmt(buf, -0.0), "0");
	T_EQ_SN(buf, mbr_fixed6_fmt(buf, -0.0000004), "0");
	T_EQ_SN(buf, mbr_fixed6_fmt(buf, -0.0000006), "-0.000001");
	T_EQ_SN(buf, mbr_fixed6_fmt(buf, 0.0078125), "0.007812");
	T_EQ_SN(buf, mbr_fixed6_fmt(buf, 0.0234375), "0.023438");
	T_EQ_SN(buf, mbr_fixed6_fmt(buf, 2.5), "2.5");
	T_EQ_SN(buf, mbr_fixed6_fmt(buf, 1e15), "1000000000000000");
}

int
main(void)
{
	test_parse();
	test_fmt();
	test_currency();
	test_arith();
	test_canonical();
	test_plain();
	test_round();
	test_fixed6();
	return T_DONE();
}
