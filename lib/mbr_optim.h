/* mbr_optim.h: minimising a smooth function of a few variables.
 *
 * A maximum-likelihood fit (mbr-clv's BG/NBD and Gamma-Gamma models)
 * minimises a negative log-likelihood over a handful of parameters,
 * taken as logarithms so that every real point is a valid model.  The
 * function may still fail far from the optimum: a log-parameter of 800
 * overflows, a likelihood term turns to NaN.  So a point where f is not
 * finite counts as "outside": the optimiser steps back from it and
 * never returns it, and a result is always a point where f and (when
 * asked) its gradient are finite.
 *
 * The method is written once here: Nelder-Mead, which needs no
 * gradient and tolerates a poor start, brings the point near the
 * optimum; BFGS with a backtracking line search then converges fast
 * on the gradient (the caller's analytic one, or central differences);
 * last, Newton steps on a difference Hessian settle the last digits, so
 * that the result does not depend on rounding that differs between C
 * libraries.  Convergence is judged on the gradient: every component
 * at most gtol in absolute value. */
#ifndef MBR_OPTIM_H
#define MBR_OPTIM_H

/* Variables at most: the models have 3 and 4. */
#define MBR_OPTIM_MAXN	8

/* f(x) for x[0..n).  When g is not NULL, also the gradient into
 * g[0..n) (only asked of a function that says it gives one).  NaN or
 * an infinity means x is outside the function's domain. */
typedef double (*mbr_optim_fn)(void *ctx, const double *x, double *g);

typedef struct {
	int	 gradient;	/* fn gives its gradient; 0: differences */
	int	 nm_iter;	/* Nelder-Mead iterations at most */
	double	 nm_ftol;	/* Nelder-Mead stops when the simplex's
				 * values differ by less than this,
				 * relative to 1 + |f| */
	double	 nm_step;	/* the first simplex's edge */
	int	 max_iter;	/* BFGS iterations at most */
	double	 gtol;		/* converged: every |g_i| <= gtol */
} mbr_optim_opts;

#define MBR_OPTIM_OPTS_DEFAULT { .gradient = 0, .nm_iter = 400, \
	.nm_ftol = 1e-6, .nm_step = 0.5, .max_iter = 400, .gtol = 1e-8 }

typedef struct {
	double		 f;		/* f at the point returned */
	double		 gmax;		/* its largest |g_i| */
	int		 nm_iter;	/* Nelder-Mead iterations */
	int		 iter;		/* BFGS and Newton iterations */
	int		 evals;		/* evaluations of f (with or without
					 * its gradient) */
	int		 converged;	/* gmax <= gtol */
	const char	*why;		/* how it ended, a phrase: "gradient
					 * below tolerance", "line search
					 * found no lower point", "iteration
					 * limit" */
} mbr_optim_result;

/* Minimises fn from x[0..n), n <= MBR_OPTIM_MAXN, leaving the best
 * point found in x and a report in res (o NULL: the defaults).  0, or
 * -1 when fn is not finite at the start (x unchanged, res->why says
 * so).  A result that did not converge is still the best point seen,
 * finite. */
int	mbr_optim_minimize(mbr_optim_fn fn, void *ctx, int n, double *x,
	    const mbr_optim_opts *o, mbr_optim_result *res);

/* The Hessian of fn at x into h[n * n] (row-major, made symmetric), by
 * central differences of the gradient (gradient set: fn gives it) or
 * of f.  0, or -1 when an evaluation near x was not finite. */
int	mbr_optim_hessian(mbr_optim_fn fn, void *ctx, int n, const double *x,
	    int gradient, double *h);

/* The inverse of a symmetric positive definite a[n * n] into inv, by
 * Cholesky; -1 (inv undefined) when a is not positive definite. */
int	mbr_optim_spd_inverse(int n, const double *a, double *inv);
#endif
