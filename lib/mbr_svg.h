/* mbr_svg.h: charts as inline SVG, for a page that must show without
 * a script, a network or a font download (mbr-report --html).
 *
 * Each chart is one <svg> element written into a buffer: a line chart
 * over labelled points (KPI trends), a curve over [0, 1] x [0, 1] (the
 * Pareto curve), horizontal bars (segment sizes) and a heat map (cohort
 * retention, segment migration).  Every figure a chart draws is given
 * as the text the records have, which the chart writes unchanged into a
 * data-value attribute and a <title> (a tooltip), so that a test can
 * read back from the page what it drew; the double beside it only
 * places the mark.  Coordinates are written with one decimal and labels
 * escaped, so the same input gives the same bytes. */
#ifndef MBR_SVG_H
#define MBR_SVG_H
#include <stddef.h>
#include "mbr_buf.h"

/* A chart's frame: its id (the page's tests find the chart by it), the
 * title drawn above it, its size in CSS pixels. */
typedef struct {
	const char	*id;
	const char	*title;
	int		 width, height;
	int		 percent;	/* y ticks as percentages */
} mbr_svg_chart;

/* A point of a chart: where it goes (NAN: no point, a gap in a line)
 * and its value as written in the records ("1368.40", "0.333333"),
 * NULL when there is none.  label is the tooltip's lead ("2024-11"),
 * attr an attribute list written as is on the mark
 * ("data-kpi=\"revenue\" data-period=\"2024-11\""), or NULL; the caller
 * escapes what it puts there (mbr_svg_esc). */
typedef struct {
	double		 y;
	const char	*text;
	const char	*label;
	const char	*attr;
} mbr_svg_point;

typedef struct {
	const char		*name;
	const mbr_svg_point	*pt;	/* npoints of them */
} mbr_svg_series;

/* Lines over npoints x labels (periods, oldest first), a y axis from
 * 0 (or below, for negative values) to a round number above the
 * largest, a legend when there is more than one series. */
void	mbr_svg_lines(mbr_buf *b, const mbr_svg_chart *c,
	    const char *const *xlabels, size_t npoints,
	    const mbr_svg_series *s, size_t nseries);
/* A curve through (x[i], pt[i].y), both in [0, 1] (NAN y: left out),
 * over the diagonal y = x: the Pareto curve's share of revenue by
 * share of buyers. */
void	mbr_svg_curve(mbr_buf *b, const mbr_svg_chart *c, const double *x,
	    const mbr_svg_point *pt, size_t n, const char *xname,
	    const char *yname);
/* One bar a label, longest the largest value (values >= 0). */
void	mbr_svg_bars(mbr_buf *b, const mbr_svg_chart *c,
	    const char *const *labels, const mbr_svg_point *pt, size_t n);
/* A grid of nrows x ncols cells (row-major), each shaded by its y in
 * [0, 1] (NAN: an empty cell, no mark) and showing shown[i] (or its
 * text when shown is NULL or shown[i] is). */
void	mbr_svg_heat(mbr_buf *b, const mbr_svg_chart *c,
	    const char *const *rows, size_t nrows, const char *const *cols,
	    size_t ncols, const mbr_svg_point *pt, const char *const *shown,
	    const char *rowname, const char *colname);

/* s escaped for XML text and attribute values (& < > " '). */
void	mbr_svg_esc(mbr_buf *b, const char *s);
#endif
