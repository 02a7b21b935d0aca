/* mbr_points.h: the points ledger: orders and points events replayed
 * under a programme (mbr_program.h) into ledger events and one balance
 * per member, carried from night to night in a state file.
 *
 * A member's points depend on the order of what happened to them (a
 * tier reached raises the next order's points; a lot expires before
 * a redemption or after it), and exports are not in time order, so
 * the run's records are kept compactly (an order is 24 bytes and its
 * entry in the table of order ids, which idempotency needs anyway) and
 * replayed sorted by time.  Expiries, reviews and birthdays come from
 * a queue of members keyed by time, so that the ledger is in time
 * order across members and N nightly runs write what one run over the
 * same records writes. */
#ifndef MBR_POINTS_H
#define MBR_POINTS_H
#include "mbr_cli.h"
#include "mbr_program.h"

typedef struct {
	const char	*program;	/* --program FILE */
	const char	*events;	/* --events FILE */
	const char	*members;	/* --members FILE */
	const char	*state;		/* --state FILE */
	const char	*state_out;	/* --state-out FILE */
	int		 reprogram;	/* --reprogram */
	const char	*ledger;	/* --ledger FILE */
	int		 expiring_days;	/* --expiring-days (30) */
	const char	*audit;		/* --audit LEDGER */
} mbr_points_opts;

#define MBR_POINTS_OPTS_DEFAULT { .expiring_days = 30 }

int	mbr_points_run(const mbr_cli *c, const mbr_points_opts *o, int nfiles,
	    char *const files[], mbr_err *err);
/* --audit: checks a ledger against the programme; MBR_EDATA naming the
 * first offending line. */
int	mbr_points_audit(const mbr_cli *c, const mbr_points_opts *o,
	    mbr_err *err);
#endif
