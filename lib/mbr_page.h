/* mbr_page.h: mbr-report's page, one self-contained HTML file drawn
 * from the report's records alone (mbr-report(1), --html).
 *
 * No script, no network, no font to fetch: tables and inline SVG
 * (lib/mbr_svg) styled by a <style> of its own, with a font stack that
 * has CJK glyphs for --lang zh.  What the page shows comes from the
 * records and nothing else, and every figure it shows carries the
 * record's text in a data-value attribute beside the record's keys
 * (data-section, data-kpi, data-period, data-group, data-key), so that
 * a test reads back from a browser's DOM that the page equals the
 * records; all the records are also in one table at the end. */
#ifndef MBR_PAGE_H
#define MBR_PAGE_H
#include <stddef.h>
#include "mbr_buf.h"

/* A record of mbr-report, its fields as written (NULL or "" for an
 * empty one). */
typedef struct {
	const char	*section, *kpi, *period, *period_start, *group, *key;
	const char	*value, *previous, *change;
} mbr_page_rec;

typedef struct {
	int		 zh;		/* Chinese labels */
	const char	*as_of;		/* the run's --as-of, as given */
	const char	*tz;
	const char	*currency;	/* or NULL */
	const char	*by;		/* --by's field, or NULL */
} mbr_page_opts;

/* The page, appended to b. */
void	mbr_page_write(mbr_buf *b, const mbr_page_rec *r, size_t n,
	    const mbr_page_opts *o);

/* A rate as the page shows it: "0.333333" as "33.3%" (the record's
 * six decimals, rounded half away from zero to a tenth of a percent,
 * exactly), "-1.000000" as "-100.0%"; with sign set, "+" before a
 * positive one (a change).  Text that is not such a decimal is copied. */
void	mbr_page_pct(mbr_buf *b, const char *s, int sign);
#endif
