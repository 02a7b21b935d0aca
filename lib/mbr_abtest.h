/* mbr_abtest.h: what an experiment or a holdout did (mbr-abtest
 * analyze), and how many members one needs (mbr-abtest size).
 *
 * analyze keeps one small record per assigned member (its variant, the
 * start of its window, what it bought in it) and streams the orders past
 * them, so memory grows with the members of the test, never with the
 * orders.  What it finally judges on are exact sums per variant (counts,
 * money in minor units and their squares), which --partial writes and
 * --merge adds up: shards of members analysed apart and merged give the
 * one run's records. */
#ifndef MBR_ABTEST_H
#define MBR_ABTEST_H
#include <stdint.h>
#include "mbr_assign.h"
#include "mbr_cli.h"

enum { MBR_METRIC_CONVERSION, MBR_METRIC_REVENUE };

typedef struct {
	const char		*assignments;	/* --assignments FILE */
	const char		*holdout;	/* --holdout FILE, or NULL */
	const char		*experiment;	/* --experiment, or NULL */
	const char		*control;	/* --control, or NULL */
	const char		*rest;		/* --rest: outside the test */
	const char		*covariate;	/* FIELD, "pre_spend", or NULL */
	const mbr_variants	*v;		/* --variants, or NULL */
	int64_t			 window;	/* seconds */
	int			 window_set;	/* --window given */
	int64_t			 pre_window;	/* seconds; 0: window */
	int			 metric;	/* MBR_METRIC_* */
	double			 alpha;
	int64_t			 min_members;
	const char		*cost;		/* --cost-per-send, or NULL */
	int			 text;		/* --format text */
	int			 strict;
	int			 partial;	/* write sums */
	int			 merge;		/* read sums */
} mbr_analyze_opts;

int	mbr_analyze_run(const mbr_cli *c, const mbr_analyze_opts *o,
	    int nfiles, char *const files[], mbr_err *err);

typedef struct {
	double		 baseline;	/* p1 */
	double		 mde;		/* absolute, or percent when rel */
	int		 rel;		/* --mde given as D% */
	int		 have_mde;
	double		 alpha, power;
	int		 variants;	/* k >= 2 */
	int		 one_sided;
	long long	 n;		/* --n: the reverse; 0: not given */
	double		 coverage;	/* --coverage, share of n tested */
	int		 text;
} mbr_size_opts;

int	mbr_size_run(const mbr_cli *c, const mbr_size_opts *o, mbr_err *err);
#endif
