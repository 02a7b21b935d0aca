/* mbr_segment.h: segments and tags by rules, over any record stream.
 *
 * Membership teams keep their tiers and tags as rules (man/mbr-expr.5)
 * and change them weekly; this applies a rule set to records, one
 * record at a time: the first matching segment rule names the record's
 * segment, every matching tag rule adds a tag.  Nothing is kept per
 * record, so memory does not grow with the input; --count keeps one
 * row of counters per segment or tag. */
#ifndef MBR_SEGMENT_H
#define MBR_SEGMENT_H
#include <stddef.h>
#include "mbr_cli.h"

/* A source of rules: a file (-r) or the text of one -e. */
typedef struct {
	const char	*path;	/* -r FILE, or NULL */
	const char	*text;	/* -e RULE when path is NULL */
} mbr_segment_src;

enum { MBR_COUNT_NONE, MBR_COUNT_SEGMENTS, MBR_COUNT_TAGS };

typedef struct {
	const mbr_segment_src	*src;	/* in command-line order */
	size_t			 nsrc;
	const char		*where;	/* --where EXPR, or NULL */
	int			 invert;	/* -v */
	const char		*default_segment;	/* NULL: "" */
	int			 count;	/* MBR_COUNT_* */
	const char *const	*sum;	/* --sum FIELD ... */
	size_t			 nsum;
	const char		*split;	/* --split DIR */
	int			 strict;	/* --strict */
} mbr_segment_opts;

/* Compiles the rules (a bad rule is MBR_EUSAGE with the place and a
 * caret), then reads the inputs and writes the records with segment
 * and tags added, or the counts, or one file per segment. */
int	mbr_segment_run(const mbr_cli *c, const mbr_segment_opts *o,
	    int nfiles, char *const files[], mbr_err *err);
#endif
