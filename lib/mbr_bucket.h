/* mbr_bucket.h: deterministic bucketing, the same as GrowthBook's.
 *
 * A holdout in mbr-campaign and an assignment in mbr-abtest must put a
 * member where a GrowthBook-instrumented app puts the same member, or
 * the two sides of a test disagree about who saw what.  So this is not
 * a hash of our choosing: it follows the JavaScript SDK
 * (packages/sdk-js/src/util.ts of growthbook/growthbook, checked at
 * commit 8f1db445, package 1.7.0 and 1.8.0) step for step, quirks
 * included.
 *
 * The SDK hashes JavaScript strings, which are UTF-16: FNV-1a 32 is
 * taken over UTF-16 code units (charCodeAt), each XORed in whole, not
 * over UTF-8 bytes.  Over ASCII the two agree; over "nick:tmall:小鱼儿"
 * they do not.  Here the UTF-8 text is decoded and its code units fed
 * in, a character above U+FFFF as its two surrogates.  Text that is not
 * valid UTF-8 is decoded as a browser's TextDecoder (WHATWG, not fatal)
 * decodes it: each maximal ill-formed subsequence becomes one U+FFFD,
 * so "\xe4\xbd" (a cut-off 你) is one U+FFFD and "\xed\xa0\x80" (an
 * encoded surrogate) three. */
#ifndef MBR_BUCKET_H
#define MBR_BUCKET_H
#include <stddef.h>
#include <stdint.h>

#define MBR_BUCKET_FNV_INIT	0x811c9dc5u	/* FNV-1a 32 offset basis */

/* FNV-1a 32 over the UTF-16 code units of the UTF-8 text s[0..n),
 * continuing from the running hash h (MBR_BUCKET_FNV_INIT to start).
 * Chaining two calls hashes the concatenation of two JavaScript strings
 * (seed + value) without copying; each part is decoded on its own, as
 * JavaScript decodes each string before it concatenates them. */
uint32_t mbr_fnv1a32_utf16(const char *s, size_t n, uint32_t h);

/* GrowthBook's hash(seed, value, version) as the exact fraction
 * *num / *den:
 *   version 1: fnv(value + seed) % 1000, den 1000 (the SDK's default,
 *     biased: 2^32 is no multiple of 1000);
 *   version 2: fnv(decimal text of fnv(seed + value)) % 10000, den
 *     10000.
 * Returns 0, or -1 for any other version (the SDK's null; *num and *den
 * are then untouched).  The SDK's value is the double
 * *num / (double)*den: one correctly rounded division, which C gives
 * bit for bit.  Note that an experiment's seed defaults to its key in
 * the SDK when empty: that is the caller's business. */
int	mbr_gb_hash(const char *seed, size_t seedlen, const char *value,
	    size_t valuelen, int version, uint32_t *num, uint32_t *den);

/* getEqualWeights(n): n weights of 1.0 / n in w[0..n).  Returns n, or 0
 * when n <= 0. */
int	mbr_gb_equal_weights(int n, double *w);

/* getBucketRanges(nvariations, coverage, weights): range i is
 * [start_i, start_i + coverage * w_i) with start_i the running sum of
 * the weights before it.  As in the SDK, silently (the SDK only warns):
 * coverage is clamped to [0, 1]; weights == NULL, nweights !=
 * nvariations, or weights summing outside [0.99, 1.01] mean equal
 * weights.  A NaN passes through as it does in JavaScript.  The
 * arithmetic is the SDK's, in doubles and in its order, so that the
 * edges agree to the bit (under FLT_EVAL_METHOD 0: SSE2, AArch64).
 * ranges holds nvariations pairs.  Returns the number of ranges,
 * nvariations, or 0 when nvariations <= 0.
 * Weights do not add up to 1 exactly, so edges drift: with 5 equal
 * variations range 2 ends at 0.6000000000000001 and a hash of 0.6
 * falls in variation 2, not 3. */
int	mbr_gb_ranges(const double *weights, int nweights, int nvariations,
	    double coverage, double (*ranges)[2]);

/* chooseVariation(n, ranges): the index of the first range with
 * start <= n < end, or -1 (a member outside the coverage). */
int	mbr_gb_choose(double n, const double (*ranges)[2], int nranges);
#endif
