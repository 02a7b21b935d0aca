/* mbr_assign.h: members assigned to the variants of an experiment
 * (mbr-abtest assign).
 *
 * Without --stratify a member's variant is GrowthBook's (mbr_bucket.h):
 * a function of the seed and the member_id alone, so that the same
 * member lands where a GrowthBook-instrumented app puts it, in any run,
 * in any order, in any shard.  With --stratify the variants are dealt
 * out within each stratum (the tuple of the named fields' values) by
 * exact shares, so that every stratum is split as the weights say, not
 * about as they say; the price is that a member's variant depends on
 * who else is in its stratum, and the input is read twice.
 *
 * Weights and coverage are exact decimals: the shares that
 * --stratify deals out are rationals computed in integers, and the
 * doubles handed to GrowthBook's range code are the doubles nearest
 * those rationals, as an SDK config holding 0.5, 0.25, 0.25 or 1/3
 * would have them. */
#ifndef MBR_ASSIGN_H
#define MBR_ASSIGN_H
#include <stddef.h>
#include <stdint.h>
#include "mbr_cli.h"

/* --variants: "control=50,a=25,b=25" or "control,a,b" (equal). */
typedef struct {
	char		**name;		/* [n]: NUL-terminated copies */
	size_t		 *namelen;
	double		 *w;		/* [n]: the double nearest num[i] / den
					 * (50,25,25: 0.5, 0.25, 0.25; 1,1,1:
					 * 1.0 / 3, as getEqualWeights(3)) */
	uint64_t	 *num;		/* [n]: weight_i / sum = num[i] / den
					 * exactly, in lowest terms */
	uint64_t	  den;		/* the sum of num, > 0 */
	int		  n;		/* >= 2 */
} mbr_variants;

/* Parses spec: at least 2 variants, names unique, not empty, without
 * '=' or ',' or a blank at either end, valid UTF-8; every variant with
 * a weight or none; weights decimals >= 0 of at most 4 decimals and 15
 * digits (mbr_dec_parse), adding up to more than 0.  Returns 0, or -1
 * with msg saying why, without the option's name ("name \"a\" is given
 * twice"); v is then empty (mbr_variants_free is still allowed). */
int	mbr_variants_parse(mbr_variants *v, const char *spec, char *msg,
	    size_t nmsg);
void	mbr_variants_free(mbr_variants *v);
/* The index of the variant named s[0..n), or -1. */
int	mbr_variants_find(const mbr_variants *v, const char *s, size_t n);

/* A coverage ("0.2"): 0 <= c <= 1, at most 4 decimals; c = *num / *den
 * exactly (den a power of ten) and *d the double nearest it.  Returns
 * 0, or -1 with msg as mbr_variants_parse. */
int	mbr_coverage_parse(const char *s, uint64_t *num, uint64_t *den,
	    double *d, char *msg, size_t nmsg);

/* --stratify's cell sizes for a stratum of n members: the largest
 * remainder apportionment of n over the shares coverage * w_i (the
 * variants, in order) and 1 - coverage (the rest, last), coverage being
 * cnum / cden.  cells[0..v->n]: cells[v->n] is the rest.  Computed in
 * integers: quota_i = n * share_i, each cell gets its quota's floor,
 * and the members left over go one each to the cells of the largest
 * fractional parts, a tie to the earlier cell.  So each cell is within
 * one member of its quota.
 *
 * Over many small strata that alone is biased: three members at
 * 50/25/25 and coverage 0.5 give control one and a and b none, in
 * every stratum.  With carry (k = v->n + 1 entries, zero to begin,
 * in units of 1 / (cden * v->den)), what each cell fell short of or
 * beyond its quotas in the strata before is added to its fractional
 * part, so the extra members go where they are owed: each stratum is
 * still within one member of its quotas, and the sums over strata
 * stay within one member of the shares too.  NULL: no carry.
 * n < 2^40. */
void	mbr_assign_cells(const mbr_variants *v, uint64_t cnum, uint64_t cden,
	    uint64_t n, __int128 *carry, uint64_t *cells);

typedef struct {
	const char		*experiment;	/* --experiment KEY */
	const char		*seed;		/* --seed; NULL or "": the key,
						 * as in GrowthBook */
	int			 hash_version;	/* 1 or 2; 0: 2 */
	const mbr_variants	*v;
	const char		*coverage;	/* --coverage text; NULL: 1 */
	const char		*rest;		/* --rest: the variant of members
						 * outside the coverage; NULL:
						 * empty */
	const char *const	*stratify;	/* --stratify's fields */
	size_t			 nstratify;
} mbr_assign_opts;

/* Reads member records and writes each with experiment, variant and
 * assigned_at (--as-of, with --tz's offset at that instant) added,
 * replacing input columns of those names.  A bad --coverage, --rest,
 * --hash-version or --as-of is MBR_EUSAGE before any input is opened;
 * so is a CSV input without member_id or a --stratify field.  A record
 * without member_id, or with one seen before in the run, is a reject. */
int	mbr_assign_run(const mbr_cli *c, const mbr_assign_opts *o, int nfiles,
	    char *const files[], mbr_err *err);
#endif
