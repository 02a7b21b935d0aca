/* mbr_clv.h: each member's chance of still being a customer, the
 * purchases to expect, and the value of them: the BG/NBD model of
 * Fader, Hardie & Lee (2005, "Counting your customers the easy way")
 * for the number and timing of purchases, and the Gamma-Gamma model
 * (Fader, Hardie & Lee 2005, "RFM and CLV"; Hardie's note 025) for the
 * spend per purchase, as Python's lifetimes package computes them.
 *
 * A member's history is three numbers, in a unit of time (days or
 * weeks): x, the repeat purchases (purchase days after the first), t_x,
 * the time from the first purchase to the last, and T, from the first
 * purchase to the end of the period observed; for spend, the mean of the
 * repeat purchases.  mbr-clv fit builds them from the orders and fits
 * both models by maximum likelihood; predict applies a fitted model.
 *
 * The likelihood is a sum over members, and members with the same (x,
 * t_x, T) give the same term: the fit sums over those groups, counted
 * (1.7 million members of three years in days: 843,000 groups), and
 * the terms that depend on x alone are computed once per x.  Those
 * groups, the groups of spend and the data's counts are all a fit reads
 * of the orders: fit --partial writes them for a shard of the members,
 * fit --merge adds shards' up, whole numbers, and fits the same model,
 * to the bit, as one run over all the orders. */
#ifndef MBR_CLV_H
#define MBR_CLV_H
#include <stddef.h>
#include <stdint.h>
#include "mbr_cli.h"
#include "mbr_optim.h"

/* --- the models, in the unit of time they were fitted in --- */

typedef struct {
	double	r, alpha;	/* Gamma(r, alpha): the purchase rates */
	double	a, b;		/* Beta(a, b): the chance to drop out after
				 * a purchase */
} mbr_bgnbd;

typedef struct {
	double	p, q, gamma;	/* spend per purchase ~ Gamma(p, nu), nu ~
				 * Gamma(q, gamma) over members */
} mbr_gamgam;

/* The log-likelihood of one member's (x, t_x, T): lifetimes'
 * BetaGeoFitter._negative_log_likelihood, negated, for one member. */
double	mbr_bgnbd_loglik(const mbr_bgnbd *m, double x, double tx, double T);
/* P(alive | x, t_x, T) (Hardie's note 021): 1 for x = 0. */
double	mbr_bgnbd_p_alive(const mbr_bgnbd *m, double x, double tx, double T);
/* The expected purchases in (T, T + t] given x, t_x, T: equation (10)
 * of the paper.  The Gauss hypergeometric function in it is summed as
 * the series of its Euler transform, 2F1(a + b - 1 - r, a - 1;
 * a + b + x - 1; z) with z = t / (alpha + T + t), whose factor a - 1 is
 * divided out on paper: so a = 1, where the published form is 0 / 0,
 * is no special case.  The series converges as z^k: slowly only when t
 * is many times alpha + T.  For a >= r + x + 1, or r above a + b + 9,
 * where its terms would rise past a long double or alternate and cancel,
 * the published series, all positive, is summed instead, in logs.
 * NaN where neither sums to a number: t millions of times alpha + T
 * (z too near 1 to converge), or terms that cancel past the precision. */
double	mbr_bgnbd_expected(const mbr_bgnbd *m, double t, double x, double tx,
	    double T);
/* The log-likelihood of a member's mean spend m over k purchases
 * (lifetimes' GammaGammaFitter, negated): k >= 1, m > 0. */
double	mbr_gamgam_loglik(const mbr_gamgam *g, double k, double m);
/* E(spend per purchase | k purchases of mean m): the population mean
 * gamma p / (q - 1) and m, weighted by q - 1 and p k (equation 5 of
 * note 025).  NaN when q <= 1: the population mean is infinite. */
double	mbr_gamgam_aov(const mbr_gamgam *g, double k, double m);
/* The discounted expected purchases over horizon days: lifetimes'
 * customer_lifetime_value without the spend, in steps of 30 days
 * (a month; the last step shorter when horizon is no multiple of 30),
 * each step's expected purchases discounted by (1 + discount) to the
 * power of its end in months.  unit: days per unit of the model (1, 7). */
double	mbr_bgnbd_discounted(const mbr_bgnbd *m, double horizon, double unit,
	    double discount, double x, double tx, double T);

/* --- fitting --- */

/* Members with the same history in days: x, t_x and T, and how many;
 * hold, their purchase days in the holdout (the fit ignores it). */
typedef struct {
	uint32_t	x, tx, T;
	uint64_t	n;
	uint64_t	hold;
} mbr_clv_hist;

/* Members with the same spend: k purchases summing to spend (minor
 * units), and how many. */
typedef struct {
	uint32_t	k;
	int64_t		spend;
	uint64_t	n;
} mbr_clv_spend;

typedef struct {
	double		 est[4];	/* r, alpha (per unit), a, b; or p,
					 * q, gamma (major units) */
	double		 se[4];		/* standard errors from the Hessian;
					 * -1 where it could not be inverted */
	double		 ll;		/* the log-likelihood, summed over
					 * members (the penalty left out) */
	uint64_t	 members;
	mbr_optim_result opt;
} mbr_clv_fit;

/* Fits BG/NBD to n groups of histories in days, with unit days per unit
 * of time, and penalizer as lifetimes' penalizer_coef: the objective is
 * the mean negative log-likelihood over members with the times scaled
 * so that the largest T is 1, plus penalizer times the sum of the
 * squared parameters so scaled.  MBR_EDATA when there is no member, or
 * when the optimiser could not start; a fit that did not converge is
 * MBR_OK with fit->opt.converged 0.  threads: how many may share the
 * likelihood's groups (the fit is the same to the bit on any number). */
int	mbr_clv_fit_bgnbd(const mbr_clv_hist *h, size_t n, double unit,
	    double penalizer, int threads, mbr_clv_fit *fit, mbr_err *err);
/* Fits Gamma-Gamma to n groups of positive spend (exp decimals of the
 * currency): the mean of each is spend / k / 10^exp; lifetimes' penalty
 * on p, q and gamma in major units. */
int	mbr_clv_fit_gamgam(const mbr_clv_spend *s, size_t n, unsigned exp,
	    double penalizer, mbr_clv_fit *fit, mbr_err *err);

/* --- a model as fit writes it --- */

typedef struct {
	mbr_bgnbd	bg;
	mbr_gamgam	gg;		/* have_gg: p, q, gamma given */
	int		have_gg;
	int		unit;		/* days per unit: 1 or 7 */
	int		monetary_all;	/* "monetary": "all" */
	char		cur[8];		/* its currency, "" if none */
	int		exp;		/* the currency's places, -1 if none */
} mbr_clv_model;

/* Reads the model in path (predict --model): a JSON object of format
 * "mbr-clv model 1" with fit's keys, r, alpha, a, b positive finite
 * numbers, p, q, gamma all such or all absent or null.  Anything else
 * is MBR_EUSAGE with a message naming path; MBR_EIO when it cannot be
 * read. */
int	mbr_clv_model_read(mbr_clv_model *m, const char *path, mbr_err *err);

/* --- the program --- */

enum { MBR_CLV_FIT, MBR_CLV_PREDICT };

typedef struct {
	int		 cmd;		/* MBR_CLV_* */
	int		 unit;		/* --unit: days per unit, 1 or 7 */
	int		 monetary_all;	/* --monetary all */
	int		 unit_set;	/* --unit given (merge checks it) */
	int		 monetary_set;	/* --monetary given */
	int		 partial;	/* fit --partial: write the sums */
	int		 merge;		/* fit --merge: the inputs are
					 * partials */
	const char	*calibration_end;	/* --calibration-end DATE */
	const char	*holdout_end;	/* --holdout-end DATE */
	double		 penalizer;	/* --penalizer */
	const char	*currency;	/* --currency */
	const char	*model;		/* predict --model FILE */
	const char	*members;	/* predict --members FILE */
	int64_t		 horizon;	/* --horizon, in days */
	double		 discount;	/* --discount, a month's rate */
} mbr_clv_opts;

#define MBR_CLV_OPTS_DEFAULT { .unit = 1, .horizon = 90, .discount = 0.01 }

int	mbr_clv_run(const mbr_cli *c, const mbr_clv_opts *o, int nfiles,
	    char *const files[], mbr_err *err);
#endif
