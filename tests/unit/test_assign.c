/* test_assign.c: --variants and --coverage as mbr-abtest assign reads
 * them, and --stratify's apportionment of a stratum over its cells.
 *
 * The weights' doubles are checked bit for bit: GrowthBook's range
 * code gets them, so they must be what an SDK config holding the same
 * shares holds (0.5, 1.0 / 3, the literal 0.333).  Where the sum is
 * above 2^53, so that a division of two doubles would round twice, the
 * expected doubles are Python's float(Fraction(p, q)), which rounds
 * once, correctly; each case below says which way the naive division
 * goes wrong.  The cell sizes are worked out by hand in the comments. */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "mbr_assign.h"
#include "mbr_bucket.h"
#include "t.h"

static char msg[300];

/* Parses spec, which must be good. */
static int
good(mbr_variants *v, const char *spec)
{
	int rc = mbr_variants_parse(v, spec, msg, sizeof(msg));

	if (rc != 0)
		fprintf(stderr, "%s: %s\n", spec, msg);
	T_EQ_I(rc, 0);
	return rc == 0;
}

/* spec must be refused with message want. */
static void
bad(const char *spec, const char *want)
{
	mbr_variants v;

	msg[0] = '\0';
	T_EQ_I(mbr_variants_parse(&v, spec, msg, sizeof(msg)), -1);
	T_EQ_S(msg, want);
	T_EQ_I(v.n, 0);
	T_OK(v.name == NULL && v.w == NULL);
	mbr_variants_free(&v);
}

static void
test_weighted(void)
{
	mbr_variants v;

	if (!good(&v, "control=50,a=25,b=25"))
		return;
	T_EQ_I(v.n, 3);
	T_EQ_S(v.name[0], "control");
	T_EQ_I(v.namelen[0], 7);
	T_EQ_S(v.name[2], "b");
	/* 50/100 is 1/2 in lowest terms: 2/4, 1/4, 1/4 */
	T_EQ_I(v.num[0], 2);
	T_EQ_I(v.num[1], 1);
	T_EQ_I(v.num[2], 1);
	T_EQ_I(v.den, 4);
	T_OK(v.w[0] == 0.5 && v.w[1] == 0.25 && v.w[2] == 0.25);
	T_EQ_I(mbr_variants_find(&v, "a", 1), 1);
	T_EQ_I(mbr_variants_find(&v, "control", 7), 0);
	T_EQ_I(mbr_variants_find(&v, "contro", 6), -1);
	T_EQ_I(mbr_variants_find(&v, "x", 1), -1);
	mbr_variants_free(&v);
	mbr_variants_free(&v);	/* twice is harmless */

	/* A sum that is no power of ten: 1/3 and 2/3, correctly rounded. */
	if (good(&v, "a=1,b=2")) {
		T_OK(v.w[0] == 1.0 / 3 && v.w[1] == 2.0 / 3);
		T_EQ_I(v.den, 3);
		mbr_variants_free(&v);
	}
	/* Decimals at two scales: 0.50 and 1.25 are 50 and 125
	 * hundredths, 2 and 5 in lowest terms, of 7. */
	if (good(&v, "a=0.5,b=1.25")) {
		T_EQ_I(v.num[0], 2);
		T_EQ_I(v.num[1], 5);
		T_EQ_I(v.den, 7);
		T_OK(v.w[0] == 2.0 / 7 && v.w[1] == 5.0 / 7);
		mbr_variants_free(&v);
	}
	/* The shares an SDK config writes as 0.333, 0.333, 0.334. */
	if (good(&v, "c=33.3,a=33.3,b=33.4")) {
		T_EQ_I(v.den, 1000);
		T_OK(v.w[0] == 0.333 && v.w[1] == 0.333 && v.w[2] == 0.334);
		mbr_variants_free(&v);
	}
	/* A weight of 0: a variant in the list that nobody gets. */
	if (good(&v, "a=0,b=1")) {
		T_EQ_I(v.num[0], 0);
		T_EQ_I(v.den, 1);
		T_OK(v.w[0] == 0 && v.w[1] == 1);
		mbr_variants_free(&v);
	}
	/* mbr_dec_parse's forms: ".5" and "5." are 1/2 and 5. */
	if (good(&v, "a=.5,b=5.")) {
		T_EQ_I(v.num[0], 1);
		T_EQ_I(v.num[1], 10);
		T_EQ_I(v.den, 11);
		mbr_variants_free(&v);
	}
	/* UTF-8 names, and a name that is a number. */
	if (good(&v, "对照=1,实验=1,2=2")) {
		T_EQ_S(v.name[0], "对照");
		T_EQ_I(v.namelen[1], 6);
		T_EQ_I(mbr_variants_find(&v, "2", 1), 2);
		T_OK(v.w[2] == 0.5);
		mbr_variants_free(&v);
	}
}

/* Sums above 2^53: the long division in ratio().  A weight with four
 * decimals puts the others at that scale, so "0.0001" beside a whole
 * number of 13 digits makes a sum of 17. */
static void
test_wide(void)
{
	mbr_variants v;

	/* 1 / 12345678901230001 and 12345678901230000 / 12345678901230001:
	 * (double)p / (double)q, q rounded first, gives
	 * 0x1.758bec1149c78p-54 (an ulp high) and 1.0 (an ulp high). */
	if (good(&v, "a=0.0001,b=1234567890123")) {
		T_EQ_I(v.num[0], 1);
		T_EQ_I(v.num[1], 12345678901230000ULL);
		T_EQ_I(v.den, 12345678901230001ULL);
		T_OK(v.w[0] == 0x1.758bec1149c77p-54);
		T_OK(v.w[1] == 0x1.fffffffffffffp-1);
		mbr_variants_free(&v);
	}
	/* 987654321098760000 / 987654321098760001 is nearer 1 than the
	 * double below it: 1.0, where the naive division gives
	 * 0x1.fffffffffffffp-1; 1 / 987654321098760001 likewise one ulp
	 * up from the naive 0x1.2ad656468ab22p-60. */
	if (good(&v, "a=0.0001,b=98765432109876")) {
		T_OK(v.w[0] == 0x1.2ad656468ab23p-60);
		T_OK(v.w[1] == 1.0);
		mbr_variants_free(&v);
	}
	/* 31415 and 9999999999999990000 share a 5: 6283 and
	 * 1999999999999998000 of 2000000000000004283; the latter is
	 * 0x1.fffffffffffe4p-1, not the naive ...e3. */
	if (good(&v, "a=3.1415,b=999999999999999")) {
		T_EQ_I(v.num[0], 6283);
		T_EQ_I(v.den, 2000000000000004283ULL);
		T_OK(v.w[1] == 0x1.fffffffffffe4p-1);
		mbr_variants_free(&v);
	}
	/* 12345678901230000 / 12345678901230007: 0x1.ffffffffffffbp-1,
	 * not the naive ...fa. */
	if (good(&v, "a=0.0007,b=1234567890123")) {
		T_OK(v.w[1] == 0x1.ffffffffffffbp-1);
		mbr_variants_free(&v);
	}
	/* 15 digits and 4 decimals at once: the sum passes 2^62. */
	bad("a=0.0001,b=999999999999999",
	    "the weights are too large to add up");
}

static void
test_equal(void)
{
	mbr_variants v;
	double w[5];
	int n, i;

	/* getEqualWeights(n) is 1 / n in one division: 1.0 / 3 for
	 * three, 0.2 for five. */
	for (n = 2; n <= 5; n++) {
		const char *spec[] = { "", "", "control,a", "control,a,b",
		    "a,b,c,d", "a,b,c,d,e" };

		if (!good(&v, spec[n]))
			continue;
		T_EQ_I(v.n, n);
		T_EQ_I(v.den, n);
		mbr_gb_equal_weights(n, w);
		for (i = 0; i < n; i++) {
			T_OK(v.w[i] == w[i]);
			T_EQ_I(v.num[i], 1);
		}
		mbr_variants_free(&v);
	}
	/* 1,1,1 written out is the same. */
	if (good(&v, "x=1,y=1,z=1")) {
		T_OK(v.w[0] == 1.0 / 3 && v.w[2] == 1.0 / 3);
		mbr_variants_free(&v);
	}
}

static void
test_bad(void)
{
	bad("", "a variant without a name in \"\"");
	bad("a", "at least 2 variants are needed, \"a\" has 1");
	bad("a=5", "at least 2 variants are needed, \"a=5\" has 1");
	bad("a,a", "name \"a\" is given twice");
	bad("a=1,b=1,a=2", "name \"a\" is given twice");
	bad("a,,b", "a variant without a name in \"a,,b\"");
	bad("a,b,", "a variant without a name in \"a,b,\"");
	bad(",a,b", "a variant without a name in \",a,b\"");
	bad("=1,b=2", "a variant without a name in \"=1,b=2\"");
	bad("a=1,b", "give every variant a weight or none (\"b\")");
	bad("a,b=1", "give every variant a weight or none (\"b=1\")");
	bad("a, b", "name \" b\" begins or ends with a blank");
	bad("a ,b", "name \"a \" begins or ends with a blank");
	bad("a=1, b=1", "name \" b\" begins or ends with a blank");
	bad("a\xff,b", "name \"a\xff\" is not UTF-8");
	bad("a=,b=1", "the weight of \"a\" \"\" is not a number >= 0");
	bad("a=-1,b=1", "the weight of \"a\" \"-1\" is not a number >= 0");
	bad("a=1x,b=1", "the weight of \"a\" \"1x\" is not a number >= 0");
	bad("a=1e3,b=1", "the weight of \"a\" \"1e3\" is not a number >= 0");
	bad("a=NaN,b=1", "the weight of \"a\" \"NaN\" is not a number >= 0");
	bad("a=1=2,b=1", "the weight of \"a\" \"1=2\" is not a number >= 0");
	bad("a=50%,b=50%", "the weight of \"a\" \"50%\" is not a number >= 0");
	bad("a=1,b=0.12345", "the weight of \"b\" \"0.12345\" has more than 4 "
	    "decimals");
	bad("a=1,b=1234567890123456", "the weight of \"b\" "
	    "\"1234567890123456\" has more than 15 digits");
	bad("a=1,b=123456789012.3456", "the weight of \"b\" "
	    "\"123456789012.3456\" has more than 15 digits");
	bad("a=0,b=0", "the weights add up to 0");
	bad("a=0,b=0.0", "the weights add up to 0");
}

static void
test_coverage(void)
{
	uint64_t n, d;
	double c;

	T_EQ_I(mbr_coverage_parse("0.2", &n, &d, &c, msg, sizeof(msg)), 0);
	T_EQ_I(n, 2);
	T_EQ_I(d, 10);
	T_OK(c == 0.2);
	T_EQ_I(mbr_coverage_parse("1", &n, &d, &c, msg, sizeof(msg)), 0);
	T_OK(n == 1 && d == 1 && c == 1);
	T_EQ_I(mbr_coverage_parse("1.0000", &n, &d, &c, msg, sizeof(msg)), 0);
	T_OK(n == 1 && d == 1 && c == 1);
	T_EQ_I(mbr_coverage_parse("0", &n, &d, &c, msg, sizeof(msg)), 0);
	T_OK(n == 0 && c == 0);
	T_EQ_I(mbr_coverage_parse("0.3333", &n, &d, &c, msg, sizeof(msg)), 0);
	T_OK(n == 3333 && d == 10000 && c == 0.3333);
	T_EQ_I(mbr_coverage_parse("1.0001", &n, &d, &c, msg, sizeof(msg)), -1);
	T_EQ_S(msg, "\"1.0001\" is more than 1");
	T_EQ_I(mbr_coverage_parse("20%", &n, &d, &c, msg, sizeof(msg)), -1);
	T_EQ_S(msg, "\"20%\" is not a number >= 0");
	T_EQ_I(mbr_coverage_parse("-0.5", &n, &d, &c, msg, sizeof(msg)), -1);
	T_EQ_I(mbr_coverage_parse("", &n, &d, &c, msg, sizeof(msg)), -1);
	T_EQ_I(mbr_coverage_parse("0.12345", &n, &d, &c, msg, sizeof(msg)),
	    -1);
	T_EQ_S(msg, "\"0.12345\" has more than 4 decimals");
}

/* Cells of n members under spec at coverage cov: want is the variants'
 * sizes and then the rest's. */
static void
cells(const char *spec, const char *cov, uint64_t n, const uint64_t *want)
{
	mbr_variants v;
	uint64_t c[16], cn, cd;
	double d;
	int i;

	if (!good(&v, spec))
		return;
	T_EQ_I(mbr_coverage_parse(cov, &cn, &cd, &d, msg, sizeof(msg)), 0);
	mbr_assign_cells(&v, cn, cd, n, NULL, c);
	for (i = 0; i <= v.n; i++)
		if (c[i] != want[i]) {
			fprintf(stderr, "%s at %s, n %llu: cell %d\n", spec, cov,
			    (unsigned long long)n, i);
			T_EQ_I(c[i], want[i]);
		} else
			T_EQ_I(c[i], want[i]);
	mbr_variants_free(&v);
}

static void
test_cells(void)
{
	/* n=7 over 50/25/25 at coverage 1: quotas 3.5, 1.75, 1.75, 0;
	 * floors 3, 1, 1, 0 leave 2; the largest remainders are a's and
	 * b's .75 (control's is .5): 3, 2, 2 (not 4, 2, 1). */
	cells("control=50,a=25,b=25", "1", 7, (uint64_t[]){ 3, 2, 2, 0 });
	/* n=10: 5, 2.5, 2.5; one left, a and b tie at .5: the earlier,
	 * a, takes it. */
	cells("control=50,a=25,b=25", "1", 10, (uint64_t[]){ 5, 3, 2, 0 });
	/* n=8: exact. */
	cells("control=50,a=25,b=25", "1", 8, (uint64_t[]){ 4, 2, 2, 0 });
	/* One member over three equal shares: all remainders 1/3, the
	 * first cell takes it; two members: the first two. */
	cells("control,a,b", "1", 1, (uint64_t[]){ 1, 0, 0, 0 });
	cells("control,a,b", "1", 2, (uint64_t[]){ 1, 1, 0, 0 });
	cells("control,a,b", "1", 0, (uint64_t[]){ 0, 0, 0, 0 });
	/* n=1000000007 over thirds: 333333335 2/3 each, 2 left, to the
	 * first two. */
	cells("control,a,b", "1", 1000000007ULL,
	    (uint64_t[]){ 333333336, 333333336, 333333335, 0 });
	/* Coverage 0.2 of two equal variants: shares .1, .1, .8; n=7:
	 * .7, .7, 5.6; floors 0, 0, 5 leave 2; remainders .7, .7, .6:
	 * control and a. */
	cells("control,a", "0.2", 7, (uint64_t[]){ 1, 1, 5 });
	/* Coverage 0.2 of 50/25/25: .1, .05, .05, .8; n=10: 1, .5, .5,
	 * 8; one left, a and b tie: a. */
	cells("control=50,a=25,b=25", "0.2", 10, (uint64_t[]){ 1, 1, 0, 8 });
	/* The rest ties a variant and loses, being last: coverage .5 of
	 * two, n=3: .75, .75, 1.5; floors 0, 0, 1 leave 2; remainders
	 * .75, .75, .5: control and a; n=4 is exact. */
	cells("control,a", "0.5", 3, (uint64_t[]){ 1, 1, 1 });
	cells("control,a", "0.5", 4, (uint64_t[]){ 1, 1, 2 });
	/* A zero weight gets nothing: 1/4, 0, 3/4 of 3 is .75, 0, 2.25;
	 * one left, to the .75. */
	cells("a=1,b=0,c=3", "1", 3, (uint64_t[]){ 1, 0, 2, 0 });
	/* Coverage 0: all rest. */
	cells("control,a", "0", 5, (uint64_t[]){ 0, 0, 5 });
	/* Shares with four decimals: coverage .3333 of .333, .333, .334
	 * is .1109889, .1109889, .1113222 and .6667; of 10000 members
	 * 1109.889, 1109.889, 1113.222, 6667: floors sum to 9998, the two
	 * left go to the .889s. */
	cells("c=33.3,a=33.3,b=33.4", "0.3333", 10000,
	    (uint64_t[]){ 1110, 1110, 1113, 6667 });
	/* Exactly, where doubles would not be: coverage .7 of weights
	 * 0.1, 0.2, 0.7 and n=100 is 7, 14, 49 and 30 with no remainder,
	 * but 0.7 * 0.1 * 100 in doubles is 6.999999999999999, whose
	 * floor would leave a member to the remainders. */
	cells("a=0.1,b=0.2,c=0.7", "0.7", 100,
	    (uint64_t[]){ 7, 14, 49, 30 });
}

/* Every n up to 300 over a few specs: the cells add up to n, each is
 * its quota's floor or one more, and whoever got one more has a
 * remainder no smaller than anyone's who did not. */
static void
test_cells_props(void)
{
	static const char *const specs[] = { "a=50,b=25,c=25", "a,b,c",
	    "a=1,b=0,c=3", "a=0.3,b=0.3,c=0.4", "x=7,y=11" };
	static const char *const covs[] = { "1", "0.2", "0.3333", "0" };
	mbr_variants v;
	uint64_t c[8], cn, cd, sum, n;
	double d;
	size_t s, k;
	int i, j, ok = 1;

	for (s = 0; s < sizeof(specs) / sizeof(specs[0]); s++) {
		if (!good(&v, specs[s]))
			continue;
		for (k = 0; k < sizeof(covs) / sizeof(covs[0]); k++) {
			mbr_coverage_parse(covs[k], &cn, &cd, &d, msg,
			    sizeof(msg));
			for (n = 0; n <= 300; n++) {
				unsigned __int128 t = (unsigned __int128)cd *
				    v.den, a[8], q, r[8];
				int up[8];

				mbr_assign_cells(&v, cn, cd, n, NULL, c);
				for (sum = 0, i = 0; i <= v.n; i++) {
					a[i] = i < v.n ? (unsigned __int128)cn *
					    v.num[i] : (unsigned __int128)
					    (cd - cn) * v.den;
					q = a[i] * n / t;
					r[i] = a[i] * n % t;
					up[i] = c[i] == q + 1;
					if (c[i] != q && !up[i])
						ok = 0;
					sum += c[i];
				}
				if (sum != n)
					ok = 0;
				for (i = 0; i <= v.n; i++)
					for (j = 0; j <= v.n; j++)
						if (up[i] && !up[j] && (r[i] <
						    r[j] || (r[i] == r[j] &&
						    i > j)))
							ok = 0;
			}
		}
		mbr_variants_free(&v);
	}
	T_OK(ok);
}

int
main(void)
{
	test_weighted();
	test_wide();
	test_equal();
	test_bad();
	test_coverage();
	test_cells();
	test_cells_props();
	return T_DONE();
}
