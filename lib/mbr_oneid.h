/* mbr_oneid.h: one stable id per person across channels (mbr-oneid(1)).
 *
 * Records of any kind carry a member_id and the identifiers of their
 * row; identifiers that records join are one person.  The work is a
 * union-find over the distinct identifier sets the records carry, so
 * memory follows identifiers, not records: a set seen in a million
 * orders is one entry with a count.  The inputs are read twice (link,
 * then rewrite); what cannot be read twice is spooled (mbr_spool). */
#ifndef MBR_ONEID_H
#define MBR_ONEID_H
#include <stdint.h>
#include "mbr_cli.h"

#define MBR_ONEID_MAXCAPS 8

typedef struct {
	const char	*map;		/* --map: the previous identity map */
	const char	*map_out;	/* --map-out */
	const char	*audit;		/* --audit */
	const char	*profiles_out;	/* --profiles-out */
	const char	*ignore;	/* --ignore-identifiers */
	const char	*explain;	/* --explain IDENTIFIER */
	const char	*outdir;	/* --outdir: each input's records to
					 * its own file there */
	uint64_t	 max_members;	/* --max-members-per-identifier */
	struct {
		char	 type[24];	/* "email" */
		uint32_t max;
	} cap[MBR_ONEID_MAXCAPS];	/* --max-per-person */
	int		 ncap;
} mbr_oneid_opts;

#define MBR_ONEID_OPTS_DEFAULT { .max_members = 20 }

/* Adds "email=3,phone=2" to o's caps; MBR_EUSAGE with a message. */
int	mbr_oneid_parse_caps(mbr_oneid_opts *o, const char *s, mbr_err *err);
int	mbr_oneid_run(const mbr_cli *c, const mbr_oneid_opts *o, int nfiles,
	    char *const files[], mbr_err *err);
#endif
