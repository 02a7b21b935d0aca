/* mbr-points: the loyalty points ledger and one balance per member. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mbr_cli.h"
#include "mbr_io.h"
#include "mbr_points.h"

static const char usage_text[] =
    "usage: mbr-points [-qz] --program file [--as-of time] [--tz zone]\n"
    "                  [--events file] [--members file] [--state file]\n"
    "                  [--state-out file] [--reprogram] [--ledger file]\n"
    "                  [--expiring-days n] [--input-format fmt]\n"
    "                  [--output-format fmt] [-o file] [--rejects file]\n"
    "                  [--max-rejects n|n%] [file ...]\n"
    "       mbr-points --audit ledger --program file [--tz zone]\n";

static const char help_text[] =
"Replays orders and points events into a ledger and one balance per\n"
"member (mbr-points(1)).\n"
"      --program FILE      the programme: earn rules, tiers, expiry (JSON)\n"
"      --events FILE       redemptions and adjustments\n"
"      --members FILE      profiles: birthdays, signups, fields passed on\n"
"      --state FILE        last night's state, to carry on from\n"
"      --state-out FILE    tonight's state, for the next run\n"
"      --reprogram         carry a state on under a changed programme\n"
"      --ledger FILE       every event: earn, redeem, expire, tier_up ...\n"
"      --expiring-days N   expiring_points: within N days (30)\n"
"      --audit LEDGER      check a ledger against the programme\n";

enum {
	OPT_AUDIT = MBR_OPT_FIRST_OWN,
	OPT_EVENTS,
	OPT_EXPIRING,
	OPT_LEDGER,
	OPT_MEMBERS,
	OPT_PROGRAM,
	OPT_REPROGRAM,
	OPT_STATE,
	OPT_STATE_OUT
};

int
main(int argc, char *argv[])
{
	static const struct option lopts[] = {
		{ "audit",		required_argument, NULL, OPT_AUDIT },
		{ "events",		required_argument, NULL, OPT_EVENTS },
		{ "expiring-days",	required_argument, NULL, OPT_EXPIRING },
		{ "ledger",		required_argument, NULL, OPT_LEDGER },
		{ "members",		required_argument, NULL, OPT_MEMBERS },
		{ "program",		required_argument, NULL, OPT_PROGRAM },
		{ "reprogram",		no_argument,	   NULL, OPT_REPROGRAM },
		{ "state",		required_argument, NULL, OPT_STATE },
		{ "state-out",		required_argument, NULL, OPT_STATE_OUT },
		MBR_CLI_LONGOPTS
	};
	mbr_cli c = { .usage = usage_text, .help = help_text };
	mbr_points_opts o = MBR_POINTS_OPTS_DEFAULT;
	mbr_err err = { 0 };
	int ch;

	mbr_setprogname("mbr-points");
	while ((ch = getopt_long(argc, argv, MBR_CLI_SHORTOPTS, lopts,
	    NULL)) != -1) {
		if (mbr_cli_opt(&c, ch, optarg))
			continue;
		switch (ch) {
		case OPT_AUDIT:
			o.audit = optarg;
			break;
		case OPT_EVENTS:
			o.events = optarg;
			break;
		case OPT_EXPIRING:
			o.expiring_days = (int)mbr_opt_int("--expiring-days",
			    optarg, 0, 36600);
			break;
		case OPT_LEDGER:
			o.ledger = optarg;
			break;
		case OPT_MEMBERS:
			o.members = optarg;
			break;
		case OPT_PROGRAM:
			o.program = optarg;
			break;
		case OPT_REPROGRAM:
			o.reprogram = 1;
			break;
		case OPT_STATE:
			o.state = optarg;
			break;
		case OPT_STATE_OUT:
			o.state_out = optarg;
			break;
		default:
			fputs(usage_text, stderr);
			return MBR_EUSAGE;
		}
	}
	if (o.program == NULL)
		mbr_usage_error(&c, "--program is required (the programme's "
		    "rules, see mbr-points(1))");
	if (o.audit != NULL) {
		if (optind < argc)
			mbr_usage_error(&c, "--audit reads the ledger it names, "
			    "not \"%s\"", argv[optind]);
		mbr_points_audit(&c, &o, &err);
		return mbr_exit(&err);
	}
	if (o.state != NULL && o.state_out != NULL &&
	    strcmp(o.state, o.state_out) == 0 && strcmp(o.state, "-") == 0)
		mbr_usage_error(&c, "--state and --state-out cannot both be "
		    "standard input and output");
	mbr_points_run(&c, &o, argc - optind, argv + optind, &err);
	return mbr_exit(&err);
}
