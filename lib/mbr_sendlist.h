/* mbr_sendlist.h: a campaign's send list (man/mbr-campaign.1).
 *
 * Member records stream through once: each is judged (audience,
 * trigger, suppression, holdouts, channel and consent, cooldown, cap,
 * text, quiet hours) and, when it is to be sent, kept as a candidate
 * with the few fields its texts need.  What needs the whole list
 * (budget, coupons, the sort) is done on the candidates at the end, so
 * memory grows with the members sent and the recent history, not with
 * the input. */
#ifndef MBR_SENDLIST_H
#define MBR_SENDLIST_H
#include <stdint.h>
#include "mbr_cli.h"

typedef struct {
	const char		*campaign;	/* --campaign */
	const char *const	*join;		/* --join FILE ... */
	size_t			 njoin;
	const char		*ledger;
	const char		*events;
	const char *const	*suppress;
	size_t			 nsuppress;
	const char *const	*history;
	size_t			 nhistory;
	const char		*history_out;
	int64_t			 cap_n, cap_days;	/* 0: the campaign's */
	const char		*coupons;
	const char		*coupons_out;
	int			 coupons_skip;
	int64_t			 max_recipients;	/* -1: none */
	int64_t			 max_cost;	/* 10^-4 units; -1: none */
	const char		*priority;	/* NULL: monetary */
	int			 holdout;	/* basis points; -1: none */
	const char		*holdout_out;
	int			 global_holdout;	/* basis points; -1 */
	const char		*global_seed;	/* NULL: the default */
	int			 max_sms_parts;	/* 0: any */
	unsigned		 cc;		/* --default-country */
	const char		*keep;		/* "a,b", or NULL */
	const char		*explain;
	int			 dry_run;
	const char		*payload_wechat;
} mbr_sendlist_opts;

#define MBR_SENDLIST_OPTS_DEFAULT { .max_recipients = -1, .max_cost = -1, \
	.holdout = -1, .global_holdout = -1, .cc = 86 }

int	mbr_sendlist_run(const mbr_cli *c, const mbr_sendlist_opts *o,
	    int nfiles, char *const files[], mbr_err *err);
#endif
