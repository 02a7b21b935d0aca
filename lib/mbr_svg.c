/* mbr_svg.c: charts as inline SVG (see mbr_svg.h). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "mbr_svg.h"

/* The margins around a plot: room for the title above, the y labels
 * to the left, the x labels below. */
#define TOP	30
#define BOTTOM	34
#define RIGHT	14

/* Colour-blind-safe enough and the usual order (matplotlib's). */
static const char *const palette[] = { "#1f77b4", "#ff7f0e", "#2ca02c",
    "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f" };
#define NPAL (sizeof(palette) / sizeof(palette[0]))

void
mbr_svg_esc(mbr_buf *b, const char *s)
{
	for (; s != NULL && *s != '\0'; s++)
		switch (*s) {
		case '&':	mbr_buf_adds(b, "&amp;"); break;
		case '<':	mbr_buf_adds(b, "&lt;"); break;
		case '>':	mbr_buf_adds(b, "&gt;"); break;
		case '"':	mbr_buf_adds(b, "&quot;"); break;
		case '\'':	mbr_buf_adds(b, "&#39;"); break;
		default:	mbr_buf_addc(b, *s); break;
		}
}

static void
open_svg(mbr_buf *b, const mbr_svg_chart *c)
{
	mbr_buf_adds(b, "<svg xmlns=\"http://www.w3.org/2000/svg\" id=\"");
	mbr_svg_esc(b, c->id);
	mbr_buf_addf(b, "\" class=\"chart\" width=\"%d\" height=\"%d\" "
	    "viewBox=\"0 0 %d %d\" role=\"img\" aria-label=\"", c->width,
	    c->height, c->width, c->height);
	mbr_svg_esc(b, c->title);
	mbr_buf_adds(b, "\">\n<text class=\"title\" x=\"4\" y=\"16\">");
	mbr_svg_esc(b, c->title);
	mbr_buf_adds(b, "</text>\n");
}

/* A mark's tooltip and the attributes that give its value back. */
static void
mark_data(mbr_buf *b, const mbr_svg_point *p)
{
	if (p->attr != NULL) {
		mbr_buf_addc(b, ' ');
		mbr_buf_adds(b, p->attr);
	}
	if (p->text != NULL) {
		mbr_buf_adds(b, " data-value=\"");
		mbr_svg_esc(b, p->text);
		mbr_buf_addc(b, '"');
	}
}

static void
mark_title(mbr_buf *b, const mbr_svg_point *p)
{
	mbr_buf_adds(b, "<title>");
	if (p->label != NULL) {
		mbr_svg_esc(b, p->label);
		mbr_buf_adds(b, ": ");
	}
	mbr_svg_esc(b, p->text != NULL ? p->text : "");
	mbr_buf_adds(b, "</title>");
}

/* A round step for about n ticks over range: 1, 2 or 5 times a power
 * of ten. */
static double
nice_step(double range, int n)
{
	double raw = range / n, mag = pow(10, floor(log10(raw))), r = raw / mag;

	return (r <= 1 ? 1 : r <= 2 ? 2 : r <= 5 ? 5 : 10) * mag;
}

/* A tick's label: as many decimals as the step needs, thousands as k
 * and millions as M, so that a revenue axis stays narrow. */
static void
tick_label(mbr_buf *b, double v, double step, int percent)
{
	const char *suf = "";
	int dec;

	if (percent) {
		v *= 100;
		step *= 100;
		suf = "%";
	} else if (step >= 1e6) {
		v /= 1e6;
		step /= 1e6;
		suf = "M";
	} else if (step >= 1e3) {
		v /= 1e3;
		step /= 1e3;
		suf = "k";
	}
	dec = step >= 1 ? 0 : (int)ceil(-log10(step) - 1e-9);
	if (fabs(v) < step / 2)
		v = 0;
	mbr_buf_addf(b, "%.*f%s", dec, v, suf);
}

struct axis {
	double	lo, hi, step;
	int	nt;
};

static struct axis
axis_of(double lo, double hi)
{
	struct axis a;

	if (lo > 0)
		lo = 0;
	if (hi < 0)
		hi = 0;
	if (!(hi > lo))
		hi = lo + 1;
	a.step = nice_step(hi - lo, 4);
	a.lo = floor(lo / a.step + 1e-9) * a.step;
	a.hi = ceil(hi / a.step - 1e-9) * a.step;
	a.nt = (int)floor((a.hi - a.lo) / a.step + 0.5);
	return a;
}

/* The y axis at x = left over [top, bot]: gridlines and labels. */
static void
y_axis(mbr_buf *b, const struct axis *a, double left, double right,
    double top, double bot, int percent)
{
	int i;

	for (i = 0; i <= a->nt; i++) {
		double v = a->lo + i * a->step;
		double y = bot - (bot - top) * i / a->nt;

		mbr_buf_addf(b, "<line class=\"grid\" x1=\"%.1f\" y1=\"%.1f\" "
		    "x2=\"%.1f\" y2=\"%.1f\"/><text class=\"tick\" "
		    "x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">", left, y,
		    right, y, left - 4, y + 4);
		tick_label(b, v, a->step, percent);
		mbr_buf_adds(b, "</text>\n");
	}
}

static double
ypos(const struct axis *a, double v, double top, double bot)
{
	return bot - (bot - top) * (v - a->lo) / (a->hi - a->lo);
}

void
mbr_svg_lines(mbr_buf *b, const mbr_svg_chart *c,
    const char *const *xlabels, size_t npoints, const mbr_svg_series *s,
    size_t nseries)
{
	double lo = 0, hi = 0, left = 52, right = c->width - RIGHT;
	double top = TOP, bot = c->height - BOTTOM, x;
	size_t i, k, every;
	struct axis a;

	if (nseries > 1)
		bot -= 16;	/* the legend */
	for (k = 0; k < nseries; k++)
		for (i = 0; i < npoints; i++)
			if (!isnan(s[k].pt[i].y)) {
				lo = fmin(lo, s[k].pt[i].y);
				hi = fmax(hi, s[k].pt[i].y);
			}
	a = axis_of(lo, hi);
	open_svg(b, c);
	y_axis(b, &a, left, right, top, bot, c->percent);
	/* a label every so many points, so that they do not overlap */
	every = npoints * 64 / (size_t)(right - left) + 1;
	for (i = 0; i < npoints; i += every) {
		x = npoints == 1 ? (left + right) / 2 :
		    left + (right - left) * (double)i / (double)(npoints - 1);
		/* the ends' labels inside the frame */
		mbr_buf_addf(b, "<text class=\"tick\" x=\"%.1f\" y=\"%.1f\" "
		    "text-anchor=\"%s\">", x, bot + 14, npoints == 1 ?
		    "middle" : i == 0 ? "start" : i + 1 == npoints ? "end" :
		    "middle");
		mbr_svg_esc(b, xlabels[i]);
		mbr_buf_adds(b, "</text>\n");
	}
	for (k = 0; k < nseries; k++) {
		const char *col = palette[k % NPAL];
		int open = 0;

		/* a path broken where a point is missing */
		mbr_buf_addf(b, "<path class=\"line\" fill=\"none\" "
		    "stroke=\"%s\" stroke-width=\"2\" d=\"", col);
		for (i = 0; i < npoints; i++) {
			if (isnan(s[k].pt[i].y)) {
				open = 0;
				continue;
			}
			x = npoints == 1 ? (left + right) / 2 : left +
			    (right - left) * (double)i / (double)(npoints - 1);
			mbr_buf_addf(b, "%s%.1f %.1f", open ? " L" : " M", x,
			    ypos(&a, s[k].pt[i].y, top, bot));
			open = 1;
		}
		mbr_buf_adds(b, "\"/>\n");
		for (i = 0; i < npoints; i++) {
			if (isnan(s[k].pt[i].y))
				continue;
			x = npoints == 1 ? (left + right) / 2 : left +
			    (right - left) * (double)i / (double)(npoints - 1);
			mbr_buf_addf(b, "<circle class=\"point\" cx=\"%.1f\" "
			    "cy=\"%.1f\" r=\"3\" fill=\"%s\"", x,
			    ypos(&a, s[k].pt[i].y, top, bot), col);
			mark_data(b, &s[k].pt[i]);
			mbr_buf_addc(b, '>');
			mark_title(b, &s[k].pt[i]);
			mbr_buf_adds(b, "</circle>\n");
		}
		if (nseries > 1) {
			x = left + (right - left) * (double)k /
			    (double)nseries;
			mbr_buf_addf(b, "<rect x=\"%.1f\" y=\"%.1f\" width=\"10\" "
			    "height=\"10\" fill=\"%s\"/><text class=\"legend\" "
			    "x=\"%.1f\" y=\"%.1f\">", x, bot + 22, col, x + 14,
			    bot + 31);
			mbr_svg_esc(b, s[k].name);
			mbr_buf_adds(b, "</text>\n");
		}
	}
	mbr_buf_adds(b, "</svg>\n");
}

void
mbr_svg_curve(mbr_buf *b, const mbr_svg_chart *c, const double *xs,
    const mbr_svg_point *pt, size_t n, const char *xname, const char *yname)
{
	double left = 52, top = TOP, bot = c->height - BOTTOM - 12;
	double side = fmin(c->width - RIGHT - left, bot - top);
	double right = left + side;
	size_t i;
	int k;

	top = bot - side;
	open_svg(b, c);
	for (k = 0; k <= 4; k++) {
		double y = bot - side * k / 4, x = left + side * k / 4;

		mbr_buf_addf(b, "<line class=\"grid\" x1=\"%.1f\" y1=\"%.1f\" "
		    "x2=\"%.1f\" y2=\"%.1f\"/><text class=\"tick\" x=\"%.1f\" "
		    "y=\"%.1f\" text-anchor=\"end\">%d%%</text>"
		    "<text class=\"tick\" x=\"%.1f\" y=\"%.1f\" "
		    "text-anchor=\"middle\">%d%%</text>\n", left, y, right, y,
		    left - 4, y + 4, k * 25, x, bot + 14, k * 25);
	}
	mbr_buf_addf(b, "<line class=\"diagonal\" x1=\"%.1f\" y1=\"%.1f\" "
	    "x2=\"%.1f\" y2=\"%.1f\" stroke-dasharray=\"4 3\"/>\n", left, bot,
	    right, top);
	mbr_buf_addf(b, "<text class=\"axis\" x=\"%.1f\" y=\"%.1f\" "
	    "text-anchor=\"middle\">", (left + right) / 2, bot + 30);
	mbr_svg_esc(b, xname);
	mbr_buf_addf(b, "</text><text class=\"axis\" x=\"12\" y=\"%.1f\" "
	    "transform=\"rotate(-90 12 %.1f)\" text-anchor=\"middle\">",
	    (top + bot) / 2, (top + bot) / 2);
	mbr_svg_esc(b, yname);
	mbr_buf_addf(b, "</text>\n<path class=\"line\" fill=\"none\" "
	    "stroke=\"%s\" stroke-width=\"2\" d=\"M%.1f %.1f", palette[0],
	    left, bot);
	for (i = 0; i < n; i++)
		if (!isnan(pt[i].y))
			mbr_buf_addf(b, " L%.1f %.1f", left + side * xs[i],
			    bot - side * fmin(pt[i].y, 1.0));
	mbr_buf_adds(b, "\"/>\n");
	for (i = 0; i < n; i++) {
		if (isnan(pt[i].y))
			continue;
		mbr_buf_addf(b, "<circle class=\"point\" cx=\"%.1f\" "
		    "cy=\"%.1f\" r=\"3\" fill=\"%s\"", left + side * xs[i],
		    bot - side * fmin(pt[i].y, 1.0), palette[0]);
		mark_data(b, &pt[i]);
		mbr_buf_addc(b, '>');
		mark_title(b, &pt[i]);
		mbr_buf_adds(b, "</circle>\n");
	}
	mbr_buf_adds(b, "</svg>\n");
}

void
mbr_svg_bars(mbr_buf *b, const mbr_svg_chart *c, const char *const *labels,
    const mbr_svg_point *pt, size_t n)
{
	double left = 130, right = c->width - RIGHT - 60, top = TOP;
	double bot = c->height - 8, hi = 0, h, w, y;
	size_t i;

	for (i = 0; i < n; i++)
		if (!isnan(pt[i].y))
			hi = fmax(hi, pt[i].y);
	h = n > 0 ? (bot - top) / (double)n : 0;
	open_svg(b, c);
	for (i = 0; i < n; i++) {
		y = top + h * (double)i;
		w = hi > 0 && !isnan(pt[i].y) ? (right - left) * pt[i].y / hi :
		    0;
		mbr_buf_addf(b, "<text class=\"tick\" x=\"%.1f\" y=\"%.1f\" "
		    "text-anchor=\"end\">", left - 6, y + h / 2 + 4);
		mbr_svg_esc(b, labels[i]);
		mbr_buf_addf(b, "</text><rect class=\"bar\" x=\"%.1f\" "
		    "y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\"",
		    left, y + h * 0.15, w, h * 0.7, palette[0]);
		mark_data(b, &pt[i]);
		mbr_buf_addc(b, '>');
		mark_title(b, &pt[i]);
		mbr_buf_addf(b, "</rect><text class=\"tick\" x=\"%.1f\" "
		    "y=\"%.1f\">", left + w + 4, y + h / 2 + 4);
		mbr_svg_esc(b, pt[i].text != NULL ? pt[i].text : "");
		mbr_buf_adds(b, "</text>\n");
	}
	mbr_buf_adds(b, "</svg>\n");
}

void
mbr_svg_heat(mbr_buf *b, const mbr_svg_chart *c, const char *const *rows,
    size_t nrows, const char *const *cols, size_t ncols,
    const mbr_svg_point *pt, const char *const *shown, const char *rowname,
    const char *colname)
{
	double left = 110, top = TOP + 18, right = c->width - RIGHT;
	double bot = c->height - 8, cw, ch;
	size_t r, k;

	cw = ncols > 0 ? (right - left) / (double)ncols : 0;
	ch = nrows > 0 ? (bot - top) / (double)nrows : 0;
	open_svg(b, c);
	mbr_buf_addf(b, "<text class=\"axis\" x=\"%.1f\" y=\"%.1f\" "
	    "text-anchor=\"end\">", left - 6, top - 6);
	mbr_svg_esc(b, rowname);
	mbr_buf_addf(b, " \\ ");
	mbr_svg_esc(b, colname);
	mbr_buf_adds(b, "</text>\n");
	for (k = 0; k < ncols; k++) {
		mbr_buf_addf(b, "<text class=\"tick\" x=\"%.1f\" y=\"%.1f\" "
		    "text-anchor=\"middle\">", left + cw * ((double)k + 0.5),
		    top - 6);
		mbr_svg_esc(b, cols[k]);
		mbr_buf_adds(b, "</text>\n");
	}
	for (r = 0; r < nrows; r++) {
		mbr_buf_addf(b, "<text class=\"tick\" x=\"%.1f\" y=\"%.1f\" "
		    "text-anchor=\"end\">", left - 6,
		    top + ch * ((double)r + 0.5) + 4);
		mbr_svg_esc(b, rows[r]);
		mbr_buf_adds(b, "</text>\n");
		for (k = 0; k < ncols; k++) {
			const mbr_svg_point *p = &pt[r * ncols + k];
			const char *t = shown != NULL &&
			    shown[r * ncols + k] != NULL ?
			    shown[r * ncols + k] : p->text;
			double v;

			if (isnan(p->y))
				continue;
			v = fmax(0.0, fmin(1.0, p->y));
			/* from a near-white to a deep blue */
			mbr_buf_addf(b, "<rect class=\"cell\" x=\"%.1f\" "
			    "y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
			    "fill=\"rgb(%d,%d,%d)\"", left + cw * (double)k,
			    top + ch * (double)r, cw - 1, ch - 1,
			    (int)lround(247 - v * 239), (int)lround(251 - v * 170),
			    (int)lround(255 - v * 99));
			mark_data(b, p);
			mbr_buf_addc(b, '>');
			mark_title(b, p);
			/* a class, not a fill: the page's style would win
			 * over a presentation attribute */
			mbr_buf_addf(b, "</rect><text class=\"cellv%s\" "
			    "x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">",
			    v > 0.55 ? " dark" : "",
			    left + cw * ((double)k + 0.5),
			    top + ch * ((double)r + 0.5) + 4);
			mbr_svg_esc(b, t != NULL ? t : "");
			mbr_buf_adds(b, "</text>\n");
		}
	}
	mbr_buf_adds(b, "</svg>\n");
}
