/* fuzz_expr: the rule language (lib/mbr_expr.h, man/mbr-expr.5).
 *
 * The input is compiled as a rules text (kinds segment and tag) and,
 * apart, as one expression; what compiles is bound to the columns of
 * three fixed records (strings, a JSON number, a boolean, null, nested
 * JSON, an empty and an absent field), and each rule and the
 * expression is evaluated on each record, in two zones, and its value
 * formatted.  Checked, beyond the sanitizers and the leak checker: a
 * compile error is MBR_EUSAGE with a message; a value formats to text
 * no longer than it says; a true test is a true value. */
#include <stdint.h>
#include <string.h>

#include "mbr_expr.h"
#include "fuzz.h"

#define NF 12
static const char *const names[NF] = { "member_id", "monetary",
    "frequency", "last_order_ts", "email", "tags", "score", "vip", "note",
    "extra", "empty", "birthday" };
static const uint8_t types[3][NF] = {
	{ MBR_V_STR, MBR_V_STR, MBR_V_STR, MBR_V_STR, MBR_V_STR, MBR_V_STR,
	  MBR_V_NUM, MBR_V_BOOL, MBR_V_NULL, MBR_V_RAW, MBR_V_STR, MBR_V_STR },
	{ MBR_V_STR, MBR_V_NUM, MBR_V_NUM, MBR_V_STR, MBR_V_STR, MBR_V_STR,
	  MBR_V_NUM, MBR_V_BOOL, MBR_V_STR, MBR_V_RAW, MBR_V_ABSENT,
	  MBR_V_STR },
	{ MBR_V_STR, MBR_V_STR, MBR_V_ABSENT, MBR_V_STR, MBR_V_ABSENT,
	  MBR_V_STR, MBR_V_NUM, MBR_V_BOOL, MBR_V_STR, MBR_V_STR, MBR_V_STR,
	  MBR_V_STR }
};
static const char *const vals[3][NF] = {
	{ "m1", "1299.00", "3", "2024-06-30T23:59:59+08:00", "a@qq.com",
	  "vip|new", "4.5", "true", "null", "{\"a\":[1,2]}", "",
	  "1990-07-01" },
	{ "phone:+8613800138000", "-0.01", "0", "2024-02-29", "B@Example.CN",
	  "", "1e400", "false", "中文", "[]", NULL, "02-29" },
	{ "", "abc", NULL, "1719763199", NULL, "|||", "-0", "true",
	  "'x'", "9999999999999999999", "  ", "" }
};

static int
col(void *ctx, const char *name, size_t n)
{
	int i;

	for (i = 0; i < NF; i++)
		if (strlen(names[i]) == n && memcmp(names[i], name, n) == 0)
			return i;
	return -1;
}

static mbr_tz *zones[2];

static void
evalall(mbr_expr *x, int e)
{
	mbr_slice f[NF];
	mbr_xval v;
	char buf[64];
	size_t k;
	int r, z, i;

	for (z = 0; z < 2; z++) {
		mbr_time now = { 1719763200, z == 0 ? 0 : 8 * 3600 };

		mbr_expr_setenv(x, zones[z], now);
		for (r = 0; r < 3; r++) {
			for (i = 0; i < NF; i++) {
				f[i].p = vals[r][i];
				f[i].n = vals[r][i] ? strlen(vals[r][i]) : 0;
			}
			mbr_expr_eval(x, e, f, types[r], &v);
			k = mbr_xval_fmt(&v, buf, sizeof(buf));
			FUZZ_CHECK(strlen(buf) == (k < sizeof(buf) ? k :
			    sizeof(buf) - 1));
			if (mbr_expr_test(x, e, f, types[r]))
				FUZZ_CHECK(v.t != MBR_X_NULL);
		}
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const kinds[] = { "segment", "tag", NULL };
	const char *s = (const char *)data;
	mbr_err err = { 0 };
	mbr_expr *x;
	size_t i;
	int e;

	if (zones[0] == NULL) {
		FUZZ_CHECK(mbr_tz_open(&zones[0], "UTC", &err) == MBR_OK);
		FUZZ_CHECK(mbr_tz_open(&zones[1], "+08:00", &err) == MBR_OK);
	}
	x = mbr_expr_new();
	if (mbr_expr_load(x, "rules", s, size, kinds, &err) == MBR_OK) {
		mbr_expr_bind(x, col, NULL);
		for (i = 0; i < mbr_expr_nrules(x); i++) {
			const mbr_expr_rule *ru = mbr_expr_rule_at(x, i);

			FUZZ_CHECK(ru->kind == 0 || ru->kind == 1);
			FUZZ_CHECK(ru->name != NULL);
			evalall(x, ru->expr);
		}
		for (i = 0; i < mbr_expr_nfields(x); i++)
			FUZZ_CHECK(mbr_expr_field_where(x, i) != NULL);
	} else
		FUZZ_CHECK(err.code == MBR_EUSAGE && err.msg[0] != '\0');
	mbr_expr_free(x);

	memset(&err, 0, sizeof(err));
	x = mbr_expr_new();
	if ((e = mbr_expr_add(x, "-e", s, size, &err)) >= 0) {
		mbr_expr_bind(x, col, NULL);
		evalall(x, e);
	} else
		FUZZ_CHECK(err.code == MBR_EUSAGE && err.msg[0] != '\0');
	mbr_expr_free(x);
	return 0;
}
