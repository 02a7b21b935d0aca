/* test_optim.c: the optimiser on functions whose minimum is known. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "mbr_optim.h"
#include "t.h"

#define NEAR(a, b, tol) (fabs((a) - (b)) <= (tol))

/* A quadratic with a cross term: minimum at (1, -2, 3), value 5. */
static double
quad(void *ctx, const double *x, double *g)
{
	double a = x[0] - 1, b = x[1] + 2, c = x[2] - 3;

	(void)ctx;
	if (g != NULL) {
		g[0] = 2 * a + b;
		g[1] = 8 * b + a;
		g[2] = 20 * c;
	}
	return 5 + a * a + 4 * b * b + 10 * c * c + a * b;
}

/* Rosenbrock's valley in n dimensions (the chained form): minimum 0
 * at (1, ..., 1). */
static double
rosen(void *ctx, const double *x, double *g)
{
	int n = *(int *)ctx, i;
	double f = 0;

	if (g != NULL)
		memset(g, 0, sizeof(double) * (size_t)n);
	for (i = 0; i + 1 < n; i++) {
		double u = x[i + 1] - x[i] * x[i], v = 1 - x[i];

		f += 100 * u * u + v * v;
		if (g != NULL) {
			g[i] += -400 * x[i] * u - 2 * v;
			g[i + 1] += 200 * u;
		}
	}
	return f;
}

/* Defined only for x > 0.5 (NaN elsewhere, as a likelihood whose
 * log-parameter overflowed): minimum 0 at (1, 2). */
static double
nanregion(void *ctx, const double *x, double *g)
{
	(void)ctx;
	if (!(x[0] > 0.5))
		return NAN;
	if (g != NULL) {
		g[0] = 2 * (x[0] - 1);
		g[1] = 2 * (x[1] - 2);
	}
	return (x[0] - 1) * (x[0] - 1) + (x[1] - 2) * (x[1] - 2);
}

/* Its minimum lies outside the domain (x > 0): the optimiser must end
 * inside, finite, and say it did not converge. */
static double
edge(void *ctx, const double *x, double *g)
{
	(void)ctx;
	if (!(x[0] > 0))
		return x[0] < -1 ? INFINITY : NAN;
	if (g != NULL)
		g[0] = 2 * (x[0] + 1);
	return (x[0] + 1) * (x[0] + 1);
}

/* Overflows to inf for large x, as exp of a log-parameter does: the
 * minimum, at x = log 2, is still found. */
static double
overflow(void *ctx, const double *x, double *g)
{
	double e = exp(exp(x[0]));

	(void)ctx;
	if (g != NULL)
		g[0] = e * exp(x[0]) - 2 * exp(x[0]);
	return e - 2 * exp(x[0]);
}

static void
test_quadratic(void)
{
	mbr_optim_opts o = MBR_OPTIM_OPTS_DEFAULT;
	mbr_optim_result r;
	double x[3];
	int grad;

	for (grad = 0; grad <= 1; grad++) {
		o.gradient = grad;
		x[0] = x[1] = x[2] = 0;
		T_EQ_I(mbr_optim_minimize(quad, NULL, 3, x, &o, &r), 0);
		T_OK(r.converged);
		T_OK(NEAR(x[0], 1, 1e-7));
		T_OK(NEAR(x[1], -2, 1e-7));
		T_OK(NEAR(x[2], 3, 1e-7));
		T_OK(NEAR(r.f, 5, 1e-12));
		T_OK(r.gmax <= o.gtol);
		T_OK(r.evals > 0);
	}
	/* without Nelder-Mead: BFGS alone from the start */
	o.gradient = 1;
	o.nm_iter = 0;
	x[0] = x[1] = x[2] = 10;
	T_EQ_I(mbr_optim_minimize(quad, NULL, 3, x, &o, &r), 0);
	T_OK(r.converged);
	T_EQ_I(r.nm_iter, 0);
	T_OK(NEAR(x[1], -2, 1e-7));
}

static void
test_rosenbrock(void)
{
	mbr_optim_opts o = MBR_OPTIM_OPTS_DEFAULT;
	mbr_optim_result r, r2;
	double x[4], x2[4];
	int n, grad, i;

	for (grad = 0; grad <= 1; grad++) {
		o.gradient = grad;
		n = 2;
		x[0] = -1.2;
		x[1] = 1;
		T_EQ_I(mbr_optim_minimize(rosen, &n, 2, x, &o, &r), 0);
		T_OK(r.converged);
		T_OK(NEAR(x[0], 1, 1e-6));
		T_OK(NEAR(x[1], 1, 1e-6));
		T_OK(r.f < 1e-12);
		n = 4;
		for (i = 0; i < 4; i++)
			x[i] = i % 2 ? 1 : -1.2;
		T_EQ_I(mbr_optim_minimize(rosen, &n, 4, x, &o, &r), 0);
		T_OK(r.converged);
		for (i = 0; i < 4; i++)
			T_OK(NEAR(x[i], 1, 1e-6));
	}
	/* the same bits twice: nothing depends on memory or time */
	o.gradient = 1;
	n = 4;
	for (i = 0; i < 4; i++)
		x[i] = x2[i] = i % 2 ? 1 : -1.2;
	mbr_optim_minimize(rosen, &n, 4, x, &o, &r);
	mbr_optim_minimize(rosen, &n, 4, x2, &o, &r2);
	T_OK(memcmp(x, x2, sizeof(x)) == 0);
	T_EQ_I(r.evals, r2.evals);
}

static void
test_nan_region(void)
{
	mbr_optim_opts o = MBR_OPTIM_OPTS_DEFAULT;
	mbr_optim_result r;
	double x[2];
	int grad;

	for (grad = 0; grad <= 1; grad++) {
		o.gradient = grad;
		/* starts near the edge; big first steps land in the NaN */
		x[0] = 0.6;
		x[1] = -30;
		T_EQ_I(mbr_optim_minimize(nanregion, NULL, 2, x, &o, &r), 0);
		T_OK(r.converged);
		T_OK(NEAR(x[0], 1, 1e-7));
		T_OK(NEAR(x[1], 2, 1e-7));
		T_OK(isfinite(r.f));
		/* the minimum beyond the edge: the result stays inside */
		x[0] = 5;
		T_EQ_I(mbr_optim_minimize(edge, NULL, 1, x, &o, &r), 0);
		T_OK(x[0] > 0 && x[0] < 1e-3);
		T_OK(isfinite(r.f) && !isnan(r.f));
		T_OK(!r.converged);
		T_OK(r.why != NULL);
	}
	/* outside at the start: refused, x unchanged */
	x[0] = 0.2;
	x[1] = 7;
	T_EQ_I(mbr_optim_minimize(nanregion, NULL, 2, x, NULL, &r), -1);
	T_OK(x[0] == 0.2 && x[1] == 7);
	T_OK(!r.converged);
	/* overflow to inf beside the minimum */
	o.gradient = 1;
	x[0] = 3;
	T_EQ_I(mbr_optim_minimize(overflow, NULL, 1, x, &o, &r), 0);
	T_OK(r.converged);
	T_OK(NEAR(x[0], log(log(2)), 1e-7));
}

static void
test_hessian(void)
{
	double x[3] = { 0.3, 0.7, -1 }, h[9], inv[9], a[4], ai[4];
	int grad, i;
	/* quad's Hessian: [[2, 1, 0], [1, 8, 0], [0, 0, 20]] */
	static const double want[9] = { 2, 1, 0, 1, 8, 0, 0, 0, 20 };

	for (grad = 0; grad <= 1; grad++) {
		T_EQ_I(mbr_optim_hessian(quad, NULL, 3, x, grad, h), 0);
		for (i = 0; i < 9; i++)
			T_OK(NEAR(h[i], want[i], 1e-5));
	}
	T_EQ_I(mbr_optim_spd_inverse(3, want, inv), 0);
	/* inverse of [[2,1],[1,8]] is [[8,-1],[-1,2]] / 15 */
	T_OK(NEAR(inv[0], 8.0 / 15, 1e-15));
	T_OK(NEAR(inv[1], -1.0 / 15, 1e-15));
	T_OK(NEAR(inv[3], -1.0 / 15, 1e-15));
	T_OK(NEAR(inv[4], 2.0 / 15, 1e-15));
	T_OK(NEAR(inv[8], 1.0 / 20, 1e-15));
	T_OK(NEAR(inv[2], 0, 1e-15));
	/* not positive definite */
	a[0] = 1;
	a[1] = a[2] = 2;
	a[3] = 1;
	T_EQ_I(mbr_optim_spd_inverse(2, a, ai), -1);
	a[1] = a[2] = 0;
	a[3] = -1;
	T_EQ_I(mbr_optim_spd_inverse(2, a, ai), -1);
	a[3] = NAN;
	T_EQ_I(mbr_optim_spd_inverse(2, a, ai), -1);
	/* a Hessian near the NaN region: refused, not NaN */
	x[0] = 0.5 + 1e-9;
	x[1] = 0;
	T_EQ_I(mbr_optim_hessian(nanregion, NULL, 2, x, 1, h), -1);
}

int
main(void)
{
	test_quadratic();
	test_rosenbrock();
	test_nan_region();
	test_hessian();
	return T_DONE();
}
