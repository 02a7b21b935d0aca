/* mbr_optim.c: see mbr_optim.h.
 *
 * Nelder-Mead with the dimension-dependent coefficients of Gao & Han
 * (2012, "Implementing the Nelder-Mead simplex algorithm with adaptive
 * parameters"), BFGS on the inverse Hessian with the first step's
 * scaling of Nocedal & Wright (2006, eq. 6.20) and an Armijo line
 * search that backtracks by quadratic interpolation, then Newton. */
#include <math.h>
#include <string.h>

#include "mbr_optim.h"

#define N	MBR_OPTIM_MAXN

/* The function with its evaluations counted; a value that is not
 * finite (NaN, either infinity), or a gradient that is not, comes back
 * as +inf: "outside", which every comparison below ranks last. */
struct fn {
	mbr_optim_fn	 fn;
	void		*ctx;
	int		 n;
	int		 grad;
	int		 evals;
};

static double
f_only(struct fn *e, const double *x)
{
	double f;

	e->evals++;
	f = e->fn(e->ctx, x, NULL);
	return isfinite(f) ? f : INFINITY;
}

/* Central differences, one-sided where one side is outside.  The step
 * is the cube root of the machine epsilon, scaled: it balances the
 * truncation error (h^2) against rounding (eps / h). */
static int
diff_grad(struct fn *e, const double *x, double f, double *g)
{
	double xx[N], fp, fm, h;
	int i;

	memcpy(xx, x, sizeof(double) * (size_t)e->n);
	for (i = 0; i < e->n; i++) {
		h = 6e-6 * fmax(1, fabs(x[i]));
		xx[i] = x[i] + h;
		fp = f_only(e, xx);
		xx[i] = x[i] - h;
		fm = f_only(e, xx);
		xx[i] = x[i];
		if (isfinite(fp) && isfinite(fm))
			g[i] = (fp - fm) / (2 * h);
		else if (isfinite(fp))
			g[i] = (fp - f) / h;
		else if (isfinite(fm))
			g[i] = (f - fm) / h;
		else
			return -1;
	}
	return 0;
}

/* f and its gradient. */
static double
f_grad(struct fn *e, const double *x, double *g)
{
	double f;
	int i;

	if (!e->grad) {
		f = f_only(e, x);
		if (!isfinite(f) || diff_grad(e, x, f, g) != 0)
			return INFINITY;
		return f;
	}
	e->evals++;
	f = e->fn(e->ctx, x, g);
	if (!isfinite(f))
		return INFINITY;
	for (i = 0; i < e->n; i++)
		if (!isfinite(g[i]))
			return INFINITY;
	return f;
}

static double
gmax_of(const double *g, int n)
{
	double m = 0;
	int i;

	for (i = 0; i < n; i++)
		if (fabs(g[i]) > m)
			m = fabs(g[i]);
	return m;
}

/* --- Nelder-Mead --- */

/* Orders the simplex by value, best first; ties keep their order, so
 * that the run is the same on every machine. */
static void
nm_sort(double p[][N], double *fv, int n)
{
	double tp[N], tf;
	int i, j;

	for (i = 1; i <= n; i++) {
		tf = fv[i];
		memcpy(tp, p[i], sizeof(tp));
		for (j = i; j > 0 && fv[j - 1] > tf; j--) {
			fv[j] = fv[j - 1];
			memcpy(p[j], p[j - 1], sizeof(tp));
		}
		fv[j] = tf;
		memcpy(p[j], tp, sizeof(tp));
	}
}

static int
nelder_mead(struct fn *e, double *x, double *fx, const mbr_optim_opts *o)
{
	double p[N + 1][N], fv[N + 1], c[N], xr[N], xe[N], xc[N];
	double fr, fe, fc, chi, gam, del;
	int n = e->n, i, j, it;

	/* Gao & Han's coefficients shrink less and expand less as n grows;
	 * for n <= 2 they are the classic 1, 2, 1/2, 1/2. */
	chi = n > 2 ? 1 + 2.0 / n : 2;
	gam = n > 2 ? 0.75 - 1 / (2.0 * n) : 0.5;
	del = n > 2 ? 1 - 1.0 / n : 0.5;
	memcpy(p[0], x, sizeof(double) * (size_t)n);
	fv[0] = *fx;
	for (i = 1; i <= n; i++) {
		memcpy(p[i], x, sizeof(double) * (size_t)n);
		p[i][i - 1] += o->nm_step;
		fv[i] = f_only(e, p[i]);
		if (!isfinite(fv[i])) {
			/* the other way, before leaving it outside */
			p[i][i - 1] = x[i - 1] - o->nm_step;
			fv[i] = f_only(e, p[i]);
		}
	}
	for (it = 0; it < o->nm_iter; it++) {
		nm_sort(p, fv, n);
		if (isfinite(fv[n]) && fv[n] - fv[0] <= o->nm_ftol *
		    (1 + fabs(fv[0])))
			break;
		for (j = 0; j < n; j++) {
			c[j] = 0;
			for (i = 0; i < n; i++)
				c[j] += p[i][j];
			c[j] /= n;
		}
		for (j = 0; j < n; j++)
			xr[j] = c[j] + (c[j] - p[n][j]);
		fr = f_only(e, xr);
		if (fr < fv[0]) {
			for (j = 0; j < n; j++)
				xe[j] = c[j] + chi * (xr[j] - c[j]);
			fe = f_only(e, xe);
			if (fe < fr) {
				memcpy(p[n], xe, sizeof(double) * (size_t)n);
				fv[n] = fe;
			} else {
				memcpy(p[n], xr, sizeof(double) * (size_t)n);
				fv[n] = fr;
			}
			continue;
		}
		if (fr < fv[n - 1]) {
			memcpy(p[n], xr, sizeof(double) * (size_t)n);
			fv[n] = fr;
			continue;
		}
		if (fr < fv[n]) {	/* outside contraction */
			for (j = 0; j < n; j++)
				xc[j] = c[j] + gam * (xr[j] - c[j]);
			fc = f_only(e, xc);
			if (fc <= fr) {
				memcpy(p[n], xc, sizeof(double) * (size_t)n);
				fv[n] = fc;
				continue;
			}
		} else {		/* inside contraction */
			for (j = 0; j < n; j++)
				xc[j] = c[j] + gam * (p[n][j] - c[j]);
			fc = f_only(e, xc);
			if (fc < fv[n]) {
				memcpy(p[n], xc, sizeof(double) * (size_t)n);
				fv[n] = fc;
				continue;
			}
		}
		for (i = 1; i <= n; i++) {	/* shrink towards the best */
			for (j = 0; j < n; j++)
				p[i][j] = p[0][j] + del * (p[i][j] - p[0][j]);
			fv[i] = f_only(e, p[i]);
		}
	}
	nm_sort(p, fv, n);
	memcpy(x, p[0], sizeof(double) * (size_t)n);
	*fx = fv[0];
	return it;
}

/* --- BFGS --- */

static void
identity(double h[][N], int n)
{
	int i, j;

	for (i = 0; i < n; i++)
		for (j = 0; j < n; j++)
			h[i][j] = i == j;
}

/* A step of a log-parameter of more than this (a factor e^8 on the
 * parameter) is cut to it: the line search then starts from a point
 * that is still a model. */
#define MAXSTEP	8.0

/* Relative differences of f below this are rounding: 16 units in the
 * last place of a double. */
#define NOISE	3.6e-15

static int
bfgs(struct fn *e, double *x, double *f, double *g, const mbr_optim_opts *o,
    mbr_optim_result *res)
{
	double h[N][N], p[N], xn[N], gn[N], s[N], y[N], hy[N];
	double slope, t, fnew, sy, yhy, pm, tn, q;
	int n = e->n, i, j, it, ls, fresh = 1, scaled = 0, stall = 0;

	identity(h, n);
	for (it = 0; it < o->max_iter; it++) {
		res->gmax = gmax_of(g, n);
		if (res->gmax <= o->gtol) {
			res->why = "gradient below tolerance";
			return it;
		}
		for (i = 0; i < n; i++) {
			p[i] = 0;
			for (j = 0; j < n; j++)
				p[i] -= h[i][j] * g[j];
		}
		slope = 0;
		for (i = 0; i < n; i++)
			slope += g[i] * p[i];
		if (!(slope < 0)) {	/* not downhill: start again */
			identity(h, n);
			fresh = 1;
			for (i = 0; i < n; i++)
				p[i] = -g[i];
			for (i = 0, slope = 0; i < n; i++)
				slope -= g[i] * g[i];
		}
		pm = gmax_of(p, n);
		if (pm > MAXSTEP) {
			for (i = 0; i < n; i++)
				p[i] *= MAXSTEP / pm;
			slope *= MAXSTEP / pm;
		}
		for (t = 1, ls = 0; ls < 60; ls++) {
			for (i = 0; i < n; i++)
				xn[i] = x[i] + t * p[i];
			fnew = f_grad(e, xn, gn);
			if (fnew <= *f + 1e-4 * t * slope)
				break;
			/* Near the optimum the decrease Armijo asks for,
			 * t |g|^2 / 10^4, falls below the rounding of f (a
			 * sum of a million terms): a step that leaves f
			 * the same to its last bits and shrinks the
			 * gradient is progress all the same. */
			if (fnew <= *f + NOISE * fabs(*f) &&
			    gmax_of(gn, n) < res->gmax)
				break;
			if (isfinite(fnew)) {
				/* the minimum of the parabola through f,
				 * slope and fnew, kept within [t/10, t/2] */
				q = fnew - *f - slope * t;
				tn = q > 0 ? -slope * t * t / (2 * q) : t / 2;
				t = fmin(fmax(tn, t / 10), t / 2);
			} else
				t /= 5;
		}
		if (ls == 60) {
			if (!fresh) {	/* the model of the curvature misled */
				identity(h, n);
				fresh = 1;
				continue;
			}
			res->why = "line search found no lower point";
			return it;
		}
		sy = yhy = 0;
		for (i = 0; i < n; i++) {
			s[i] = xn[i] - x[i];
			y[i] = gn[i] - g[i];
			sy += s[i] * y[i];
		}
		memcpy(x, xn, sizeof(double) * (size_t)n);
		memcpy(g, gn, sizeof(double) * (size_t)n);
		/* f no longer moves: what is left is for Newton, which
		 * judges its steps by the gradient alone */
		stall = *f - fnew <= NOISE * (1 + fabs(*f)) ? stall + 1 : 0;
		*f = fnew;
		if (stall >= 3) {
			res->gmax = gmax_of(g, n);
			res->why = "no measurable progress";
			return it + 1;
		}
		if (!(sy > 0))
			continue;	/* no curvature information */
		if (!scaled) {
			double yy = 0;

			for (i = 0; i < n; i++)
				yy += y[i] * y[i];
			identity(h, n);
			for (i = 0; i < n; i++)
				h[i][i] = sy / yy;
			scaled = 1;
		}
		for (i = 0; i < n; i++) {
			hy[i] = 0;
			for (j = 0; j < n; j++)
				hy[i] += h[i][j] * y[j];
			yhy += y[i] * hy[i];
		}
		/* H += (1 + y'Hy / s'y) ss' / s'y - (Hy s' + s y'H) / s'y */
		for (i = 0; i < n; i++)
			for (j = 0; j < n; j++)
				h[i][j] += (1 + yhy / sy) * s[i] * s[j] / sy -
				    (hy[i] * s[j] + s[i] * hy[j]) / sy;
		fresh = 0;
	}
	res->gmax = gmax_of(g, n);
	res->why = res->gmax <= o->gtol ? "gradient below tolerance" :
	    "iteration limit";
	return it;
}

static int	hessian(struct fn *e, const double *x, double *h);

/* Newton steps on the difference Hessian, while they lower the
 * gradient: two or three from where BFGS stopped bring it down to
 * rounding. */
static int
newton(struct fn *e, double *x, double *f, double *g, mbr_optim_result *res)
{
	double h[N * N], inv[N * N], p[N], xn[N], gn[N], fnew, gm, gmn;
	int n = e->n, i, j, it;

	gm = gmax_of(g, n);
	for (it = 0; it < 4 && gm > 0; it++) {
		if (hessian(e, x, h) != 0 ||
		    mbr_optim_spd_inverse(n, h, inv) != 0)
			break;
		for (i = 0; i < n; i++) {
			p[i] = 0;
			for (j = 0; j < n; j++)
				p[i] -= inv[i * n + j] * g[j];
			xn[i] = x[i] + p[i];
		}
		fnew = f_grad(e, xn, gn);
		gmn = gmax_of(gn, n);
		if (!isfinite(fnew) || fnew > *f + 1e-12 * (1 + fabs(*f)) ||
		    !(gmn < gm))
			break;
		memcpy(x, xn, sizeof(double) * (size_t)n);
		memcpy(g, gn, sizeof(double) * (size_t)n);
		*f = fnew;
		gm = gmn;
	}
	res->gmax = gm;
	return it;
}

int
mbr_optim_minimize(mbr_optim_fn fn, void *ctx, int n, double *x,
    const mbr_optim_opts *o, mbr_optim_result *res)
{
	static const mbr_optim_opts def = MBR_OPTIM_OPTS_DEFAULT;
	struct fn e = { fn, ctx, n, 0, 0 };
	double xx[N], g[N], f;

	if (o == NULL)
		o = &def;
	e.grad = o->gradient;
	memset(res, 0, sizeof(*res));
	if (n < 1 || n > N) {
		res->why = "too many variables";
		return -1;
	}
	memcpy(xx, x, sizeof(double) * (size_t)n);
	f = f_only(&e, xx);
	if (!isfinite(f)) {
		res->f = f;
		res->evals = e.evals;
		res->why = "the function is not finite at the start";
		return -1;
	}
	if (o->nm_iter > 0)
		res->nm_iter = nelder_mead(&e, xx, &f, o);
	f = f_grad(&e, xx, g);
	if (!isfinite(f)) {
		/* Nelder-Mead's best point is finite, but the gradient
		 * there is not: give it back as it is. */
		memcpy(x, xx, sizeof(double) * (size_t)n);
		res->f = f_only(&e, xx);
		res->gmax = INFINITY;
		res->evals = e.evals;
		res->why = "the gradient is not finite";
		return 0;
	}
	res->iter = bfgs(&e, xx, &f, g, o, res);
	res->iter += newton(&e, xx, &f, g, res);
	memcpy(x, xx, sizeof(double) * (size_t)n);
	res->f = f;
	res->evals = e.evals;
	res->converged = res->gmax <= o->gtol;
	if (res->converged)
		res->why = "gradient below tolerance";
	return 0;
}

static int
hessian(struct fn *e, const double *x, double *h)
{
	double xx[N], gp[N], gm[N], hs[N], f0, fpp, fpm, fmp, fmm;
	int n = e->n, gradient = e->grad, i, j;

	memcpy(xx, x, sizeof(double) * (size_t)n);
	if (gradient) {
		/* differences of the gradient: the cube root of eps */
		for (i = 0; i < n; i++) {
			hs[i] = 6e-6 * fmax(1, fabs(x[i]));
			xx[i] = x[i] + hs[i];
			if (!isfinite(f_grad(e, xx, gp)))
				return -1;
			xx[i] = x[i] - hs[i];
			if (!isfinite(f_grad(e, xx, gm)))
				return -1;
			xx[i] = x[i];
			for (j = 0; j < n; j++)
				h[i * n + j] = (gp[j] - gm[j]) / (2 * hs[i]);
		}
	} else {
		/* second differences of f: the fourth root of eps */
		f0 = f_only(e, xx);
		if (!isfinite(f0))
			return -1;
		for (i = 0; i < n; i++)
			hs[i] = 1e-4 * fmax(1, fabs(x[i]));
		for (i = 0; i < n; i++)
			for (j = i; j < n; j++) {
				xx[i] += hs[i];
				xx[j] += hs[j];
				fpp = f_only(e, xx);
				xx[j] -= 2 * hs[j];
				fpm = f_only(e, xx);
				xx[i] -= 2 * hs[i];
				fmm = f_only(e, xx);
				xx[j] += 2 * hs[j];
				fmp = f_only(e, xx);
				xx[i] = x[i];
				xx[j] = x[j];
				if (!isfinite(fpp) || !isfinite(fpm) ||
				    !isfinite(fmp) || !isfinite(fmm))
					return -1;
				h[i * n + j] = (fpp - fpm - fmp + fmm) /
				    (4 * hs[i] * hs[j]);
			}
		for (i = 0; i < n; i++)
			for (j = 0; j < i; j++)
				h[i * n + j] = h[j * n + i];
		return 0;
	}
	for (i = 0; i < n; i++)
		for (j = 0; j < i; j++)
			h[i * n + j] = h[j * n + i] = (h[i * n + j] +
			    h[j * n + i]) / 2;
	return 0;
}

int
mbr_optim_spd_inverse(int n, const double *a, double *inv)
{
	double l[N][N], y[N], s;
	int i, j, k, c;

	if (n < 1 || n > N)
		return -1;
	memset(l, 0, sizeof(l));
	for (j = 0; j < n; j++) {
		s = a[j * n + j];
		for (k = 0; k < j; k++)
			s -= l[j][k] * l[j][k];
		if (!(s > 0) || !isfinite(s))
			return -1;
		l[j][j] = sqrt(s);
		for (i = j + 1; i < n; i++) {
			s = a[i * n + j];
			for (k = 0; k < j; k++)
				s -= l[i][k] * l[j][k];
			l[i][j] = s / l[j][j];
		}
	}
	/* column c of the inverse: solve L y = e_c, then L' x = y */
	for (c = 0; c < n; c++) {
		for (i = 0; i < n; i++) {
			s = i == c;
			for (k = 0; k < i; k++)
				s -= l[i][k] * y[k];
			y[i] = s / l[i][i];
		}
		for (i = n - 1; i >= 0; i--) {
			s = y[i];
			for (k = i + 1; k < n; k++)
				s -= l[k][i] * inv[k * n + c];
			inv[i * n + c] = s / l[i][i];
		}
	}
	return 0;
}

int
mbr_optim_hessian(mbr_optim_fn fn, void *ctx, int n, const double *x,
    int gradient, double *h)
{
	struct fn e = { fn, ctx, n, gradient, 0 };

	if (n < 1 || n > N)
		return -1;
	return hessian(&e, x, h);
}
