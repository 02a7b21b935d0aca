/* fuzz_money: amounts (lib/mbr_money.h), parse and format.
 *
 * The first byte chooses the decimals (0 to 4) and whether a comma is
 * the decimal point; the rest is the amount.  Checked: whatever parses
 * formats (within MBR_MONEY_LEN), the text formatted is canonical and
 * parses again, without flags, to the same minor units; a parse error
 * has a message; a text that mbr_money_canonical calls canonical under
 * the same flags is the text mbr_money_fmt writes for its value (with
 * the decimal comma, "1.234" in three places is 1234.000, issue 13
 * item 5). */
#include <stdint.h>
#include <string.h>

#include "mbr_money.h"
#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data + 1;
	char buf[MBR_MONEY_LEN + 1];
	mbr_err err = { 0 };
	int64_t minor, back;
	unsigned exp;
	size_t n, k;
	int flags;

	if (size < 1)
		return 0;
	n = size - 1;
	exp = (data[0] & 7) % 5;
	flags = data[0] & 8 ? MBR_MONEY_DECIMAL_COMMA : 0;
	(void)mbr_currency_exp(s, n);
	if (mbr_money_parse(&minor, s, n, exp, flags, &err) != MBR_OK) {
		FUZZ_CHECK(err.code == MBR_EDATA && err.msg[0] != '\0');
		return 0;
	}
	k = mbr_money_fmt(buf, minor, exp);
	FUZZ_CHECK(k > 0 && k < MBR_MONEY_LEN);
	FUZZ_CHECK(mbr_money_canonical(buf, k, exp, 0));
	FUZZ_CHECK(mbr_money_parse(&back, buf, k, exp, 0, &err) == MBR_OK);
	FUZZ_CHECK(back == minor);
	if (mbr_money_canonical(s, n, exp, flags))
		FUZZ_CHECK(k == n && memcmp(buf, s, n) == 0);
	return 0;
}
