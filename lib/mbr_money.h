/* mbr_money.h: money as integer minor units.
 *
 * Money never passes through a double: reports must add up to the cent.
 * "129.00" in CNY is minor=12900 with exp=2; JPY has exp=0. */
#ifndef MBR_MONEY_H
#define MBR_MONEY_H
#include <stddef.h>
#include <stdint.h>
#include "mbr_buf.h"
#include "mbr_err.h"

enum {
	MBR_MONEY_DECIMAL_COMMA = 1	/* "1.234,56": comma is the point */
};

/* Parses an amount into minor units for a currency with exp decimals.
 * Accepted: optional sign (- or +, before or after a currency mark, or
 * parentheses for a negative as accountants write it), currency marks
 * ¥ ￥ $ € £ and codes CNY RMB USD EUR GBP JPY HKD ... before or after
 * the number with optional blanks, thousands separators (',' or with
 * MBR_MONEY_DECIMAL_COMMA '.', and also blanks and apostrophes) in
 * groups of three, an optional fraction.
 * Errors (MBR_EDATA), with the value quoted as written:
 *   amount "12,3x" is not a number
 *   amount "1.005" has more than 2 decimals
 *   amount "99999999999999999999" is out of range
 * An empty string is an error ("amount is empty"). */
int	mbr_money_parse(int64_t *minor, const char *s, size_t n,
	    unsigned exp, int flags, mbr_err *err);
/* Writes minor as a decimal with exp places ("-12.30", "1290", "0.05");
 * buf holds MBR_MONEY_LEN bytes; returns the length. */
#define MBR_MONEY_LEN 32
size_t	mbr_money_fmt(char *buf, int64_t minor, unsigned exp);
/* Whether s, which mbr_money_parse read with exp places and flags, is
 * the text mbr_money_fmt writes for it ("-12.30", "0.05": no sign but a
 * minus, no leading zero, no grouping, exactly exp places, not
 * "-0.00"), so that a program may copy it rather than format it again.
 * Under MBR_MONEY_DECIMAL_COMMA a '.' groups thousands, so only an
 * amount without places ("1234" in JPY) can be. */
int	mbr_money_canonical(const char *s, size_t n, unsigned exp,
	    int flags);
/* Decimals of an ISO 4217 code (CNY 2, JPY 0, KRW 0, BHD 3, ...), -1 if
 * unknown; the code is matched case-insensitively. */
int	mbr_currency_exp(const char *code, size_t n);
/* A priced order's currency, c[0..n), against the run's as far as it is
 * known: cur (8 bytes, the code) with exp its decimals, or exp -1 until
 * the first priced order fixes both (cur then holds the default, which
 * the first order without a currency takes).  *set is 1 once a call
 * fixed them.  Returns NULL, or the reason to reject the order
 * ("unknown currency", "other currency": sums of two currencies mean
 * nothing) with msg initialised to the message (the caller releases
 * it); msg is untouched when NULL is returned.  mbr-rfm and mbr-abtest read
 * orders so, a chunk at a time (mbr_split), and check at commit that a
 * chunk's guess was the run's. */
const char *mbr_currency_judge(char *cur, int *exp, int *set, const char *c,
	    size_t n, mbr_buf *msg);
/* Rounding to the minor unit (--round): half to even (banker's), or
 * half away from zero. */
enum { MBR_ROUND_NONE, MBR_ROUND_HALF_EVEN, MBR_ROUND_HALF_UP };
/* v, a count of 10^-places minor units, rounded to whole minor units;
 * *inexact set to 1 when that changed the value (never cleared). */
int64_t	mbr_money_round(int64_t v, unsigned places, int mode, int *inexact);
/* A number that is no money (a probability, an expected count) as
 * "%.6f" writes it, its trailing zeros cut and then its point ("1",
 * "0.25", "0.123457"), "-0" written "0": the same bytes as printf (the
 * exact binary value, a tie rounded to even), from integers for the
 * values below 2^63 / 10^6, printf's for the rest.  buf holds
 * MBR_FIXED6_LEN bytes, as "%.6f" can be of any finite double (a sign,
 * 309 digits, a point and 6 decimals); returns the length, 0 for a
 * value that is not finite. */
#define MBR_FIXED6_LEN	320
size_t	mbr_fixed6_fmt(char *buf, double v);
/* Overflow-checked a += b and a = q * p (quantity times unit price);
 * return MBR_EDATA with a message on overflow, leaving *a unchanged. */
int	mbr_money_add(int64_t *a, int64_t b, mbr_err *err);
int	mbr_money_mul(int64_t *a, int64_t q, int64_t p, mbr_err *err);
#endif
