/* mbr_ingest.h: raw exports to canonical order, behaviour-event and
 * member-profile records.
 *
 * Each input is matched to a preset (mbr_preset.h) by its header, or
 * takes the one named.  Order-level exports stream: a row in, an order
 * out.  Line-item exports (one row per item) are gathered per order
 * until the end of input, since the rows of an order may be anywhere
 * in the file; their memory grows with the orders of those files.
 *
 * Every row ends up in an order, among the duplicates counted, or in
 * the rejects.  An order_id seen again is an exact duplicate (dropped
 * and counted), a status update from a later export (applied: when all
 * inputs are files, a first pass learns each order's last status before
 * anything is written), or a conflict (rejected, naming both places).
 *
 * Behaviour events and member profiles (--kind, or a preset's "kind")
 * stream as order-level rows do; a profile seen twice, every field the
 * same, is written once.  Every record carries identifiers: each
 * identifier the row has, typed as member_id is (mbr_ident.h), for
 * mbr-oneid to link. */
#ifndef MBR_INGEST_H
#define MBR_INGEST_H
#include "mbr_cli.h"

typedef struct {
	const char	*preset;	/* --preset; NULL: detect per input */
	const char	*map;		/* --map FILE */
	unsigned	 cc;		/* --default-country, 86 */
	const char	*currency;	/* --currency when the export has none */
	int		 check;		/* --check: validate, write nothing */
	int		 round;		/* --round: MBR_ROUND_*; NONE rejects
					 * amounts finer than the minor unit */
	int		 kind;		/* --kind: MBR_KIND_* (mbr_preset.h);
					 * 0: as the preset says */
} mbr_ingest_opts;

int	mbr_ingest_run(const mbr_cli *c, const mbr_ingest_opts *o,
	    int nfiles, char *const files[], mbr_err *err);
#endif
