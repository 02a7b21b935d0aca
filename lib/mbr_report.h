/* mbr_report.h: the membership team's KPIs, cohorts and RFM-segment
 * migration, as records (man/mbr-report.1).
 *
 * One streaming pass over the orders fills a table of members, each
 * holding a few numbers per period (orders, revenue, last order day) and
 * per cohort month; with --by, a second table keyed by member and group
 * holds the same per group.  Orders are never kept, so memory grows
 * with the members (and their groups), not with the orders.  Every KPI
 * is computed from those tables once the orders are in, exactly, in
 * integers: a rate is a fraction written to a fixed number of places. */
#ifndef MBR_REPORT_H
#define MBR_REPORT_H
#include <stdint.h>
#include "mbr_cli.h"

enum { MBR_PERIOD_MONTH, MBR_PERIOD_WEEK, MBR_PERIOD_DAY };

#define MBR_REPORT_MAXALERTS	32
#define MBR_REPORT_MAXPERIODS	1000
#define MBR_REPORT_MAXCOHORTS	60	/* a month is a bit of a uint64 */
#define MBR_REPORT_PLACES	6	/* decimals of rates and changes */

typedef struct {
	int		 period;	/* MBR_PERIOD_* */
	int		 periods;	/* --periods: written, the latest
					 * holding --as-of */
	int		 cohorts;	/* --cohorts: months of cohorts */
	const char	*by;		/* --by FIELD, or NULL */
	const char	*currency;	/* --currency, else the first order's */
	const char	*members;	/* --members FILE: profiles */
	const char	*rfm;		/* --rfm FILE: this run's mbr-rfm */
	const char	*previous;	/* --previous FILE: an earlier one */
	const char	*points;	/* --points FILE: mbr-points balances */
	const char	*sends;		/* --sends FILE: send lists */
	const char	*abtest;	/* --abtest FILE: mbr-abtest analyze */
	int		 text;		/* --format text */
	int		 partial;	/* --partial: sums to merge */
	int		 merge;		/* --merge: the inputs are partials */
	const char	*alert[MBR_REPORT_MAXALERTS];	/* --alert */
	int		 nalert;
	const char	*html;		/* --html FILE: the page */
	int		 zh;		/* --lang zh */
} mbr_report_opts;

#define MBR_REPORT_OPTS_DEFAULT { .period = MBR_PERIOD_MONTH, \
	.periods = 12, .cohorts = 12 }

/* The KPIs, in the order they are written. */
enum {
	MBR_KPI_MEMBERS, MBR_KPI_BUYERS, MBR_KPI_NEW_BUYERS,
	MBR_KPI_ACTIVE_30D, MBR_KPI_ACTIVE_60D, MBR_KPI_ACTIVE_90D,
	MBR_KPI_REPURCHASE_RATE, MBR_KPI_ORDERS, MBR_KPI_REVENUE,
	MBR_KPI_AOV, MBR_KPI_REVENUE_PER_BUYER, MBR_KPI_PARETO_BUYERS,
	MBR_KPI_PARETO_SHARE, MBR_KPI_REFUNDED_ORDERS, MBR_KPI_REFUNDS,
	MBR_KPI_REFUND_RATE, MBR_KPI_N
};
const char *mbr_report_kpi_name(int kpi);

/* A KPI's value, exact: a count, an amount in minor units, or a rate
 * num/den.  null when it is undefined (a rate over nothing). */
enum { MBR_KV_COUNT, MBR_KV_MONEY, MBR_KV_RATE };
typedef struct {
	int		 null;
	int		 kind;		/* MBR_KV_* */
	__int128	 num;
	__int128	 den;		/* > 0; 1 but for rates */
} mbr_kval;

/* The relative change from prev to v, (v - prev) / |prev|, as a rate;
 * null when either is null or prev is 0. */
mbr_kval mbr_kval_change(mbr_kval v, mbr_kval prev);
/* Writes num/den with exactly places decimals, the last rounded half
 * away from zero ("0.083333", "-1.000000"); buf holds 64 bytes.
 * Returns the length. */
size_t	mbr_ratio_fmt(char *buf, __int128 num, __int128 den, int places);
/* a / b rounded half away from zero to an integer; b > 0. */
int64_t	mbr_div_round(__int128 a, __int128 b);

/* The period holding local day `day` and the n - 1 before it: the first
 * day of period i (0 the oldest) into start[i], i = 0..n-1, and into
 * start[n] the day after `day`. */
void	mbr_report_periods(int unit, int64_t day, int n, int64_t *start);
/* The label of the period beginning on day start: "2024-11",
 * "2024-W47" (ISO 8601 week, Monday first), "2024-11-05"; buf holds
 * 16 bytes.  Returns the length. */
size_t	mbr_report_label(char *buf, int unit, int64_t start);

/* Runs the report.  *alerts is set to the number of --alert rules
 * breached (each told on stderr); the records are written all the
 * same, and the caller exits 1 when there were any. */
int	mbr_report_run(const mbr_cli *c, const mbr_report_opts *o,
	    int nfiles, char *const files[], int *alerts, mbr_err *err);
#endif
