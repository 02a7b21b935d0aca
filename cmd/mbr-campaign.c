/* mbr-campaign: the send list of a triggered or batch campaign. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mbr_cli.h"
#include "mbr_conf.h"
#include "mbr_sendlist.h"

static const char usage_text[] =
    "usage: mbr-campaign [-qz] --campaign file [--as-of time] [--tz zone]\n"
    "                    [--join file] [--ledger file] [--events file]\n"
    "                    [--suppress file] [--history file]\n"
    "                    [--history-out file] [--cap n/days]\n"
    "                    [--coupons file] [--coupons-out file]\n"
    "                    [--coupons-short fail|skip] [--max-recipients n]\n"
    "                    [--max-cost amount] [--priority field]\n"
    "                    [--holdout pct] [--holdout-out file]\n"
    "                    [--global-holdout pct] [--global-holdout-seed s]\n"
    "                    [--max-sms-parts n] [--default-country cc]\n"
    "                    [--keep fields] [--explain file] [--dry-run]\n"
    "                    [--payload wechat=file] [-o file]\n"
    "                    [--rejects file] [--max-rejects n|n%] [file ...]\n";

static const char help_text[] =
"Writes the send list of a campaign from member records\n"
"(mbr-campaign(1)).\n"
"      --campaign FILE     the campaign: audience, trigger, channels, texts\n"
"      --join FILE         more member fields, by member_id (repeatable)\n"
"      --ledger FILE       mbr-points ledger, for the tier_up trigger\n"
"      --events FILE       behaviour events, for browse_no_buy\n"
"      --suppress FILE     member ids, phones, e-mails never to send to\n"
"      --history FILE      earlier send lists, for the cap and cooldown\n"
"      --history-out FILE  the history with this run's rows appended\n"
"      --cap N/DAYS        at most N messages a member in DAYS days\n"
"      --coupons FILE      single-use codes, one per recipient\n"
"      --coupons-out FILE  the codes left\n"
"      --coupons-short fail|skip  fewer codes than recipients (fail)\n"
"      --max-recipients N  send to at most N members, by priority\n"
"      --max-cost AMOUNT   spend at most AMOUNT (the channels' cost)\n"
"      --priority FIELD    who goes first under a budget (monetary)\n"
"      --holdout PCT       this campaign's control group (10%)\n"
"      --holdout-out FILE  the control group, as assignment records\n"
"      --global-holdout PCT  members kept out of every campaign\n"
"      --global-holdout-seed TEXT  its seed (mbr-global-holdout)\n"
"      --max-sms-parts N   an SMS longer than N parts is a reject\n"
"      --default-country CC  calling code of phones without one (86)\n"
"      --keep FIELDS       member fields to carry into the send list\n"
"      --explain FILE      every triggered member not sent, and why\n"
"      --dry-run           counts per reason and channel, nothing else\n"
"      --payload wechat=FILE  WeChat template messages, one a line\n";

enum {
	OPT_CAMPAIGN = MBR_OPT_FIRST_OWN,
	OPT_CAP,
	OPT_COUPONS,
	OPT_COUPONS_OUT,
	OPT_COUPONS_SHORT,
	OPT_COUNTRY,
	OPT_DRY_RUN,
	OPT_EVENTS,
	OPT_EXPLAIN,
	OPT_GHOLD,
	OPT_GSEED,
	OPT_HISTORY,
	OPT_HISTORY_OUT,
	OPT_HOLDOUT,
	OPT_HOLDOUT_OUT,
	OPT_JOIN,
	OPT_KEEP,
	OPT_LEDGER,
	OPT_MAX_COST,
	OPT_MAX_RECIP,
	OPT_MAX_SMS,
	OPT_PAYLOAD,
	OPT_PRIORITY,
	OPT_SUPPRESS
};

/* "10%", "2.5%", "0.25" (a share): basis points of a hundredth of a
 * percent, at most two decimals of a percent. */
static int
pct(const mbr_cli *c, const char *opt, const char *s)
{
	char buf[32];
	size_t n = strlen(s);
	mbr_dec d;

	if (n == 0 || n >= sizeof(buf) || s[n - 1] != '%')
		mbr_usage_error(c, "%s: \"%s\" is not a percentage (10%%)",
		    opt, s);
	memcpy(buf, s, n - 1);
	buf[n - 1] = '\0';
	if (mbr_dec_parse(buf, &d) != 0 || d.scale > 2 ||
	    mbr_dec_scaled(d, 2) > 10000)
		mbr_usage_error(c, "%s: \"%s\" is not a percentage from 0%% "
		    "to 100%% with at most two decimals", opt, s);
	return (int)mbr_dec_scaled(d, 2);
}

int
main(int argc, char *argv[])
{
	static const struct option lopts[] = {
		{ "campaign",		required_argument, NULL, OPT_CAMPAIGN },
		{ "cap",		required_argument, NULL, OPT_CAP },
		{ "coupons",		required_argument, NULL, OPT_COUPONS },
		{ "coupons-out",	required_argument, NULL,
		    OPT_COUPONS_OUT },
		{ "coupons-short",	required_argument, NULL,
		    OPT_COUPONS_SHORT },
		{ "default-country",	required_argument, NULL, OPT_COUNTRY },
		{ "dry-run",		no_argument,	   NULL, OPT_DRY_RUN },
		{ "events",		required_argument, NULL, OPT_EVENTS },
		{ "explain",		required_argument, NULL, OPT_EXPLAIN },
		{ "global-holdout",	required_argument, NULL, OPT_GHOLD },
		{ "global-holdout-seed", required_argument, NULL, OPT_GSEED },
		{ "history",		required_argument, NULL, OPT_HISTORY },
		{ "history-out",	required_argument, NULL,
		    OPT_HISTORY_OUT },
		{ "holdout",		required_argument, NULL, OPT_HOLDOUT },
		{ "holdout-out",	required_argument, NULL,
		    OPT_HOLDOUT_OUT },
		{ "join",		required_argument, NULL, OPT_JOIN },
		{ "keep",		required_argument, NULL, OPT_KEEP },
		{ "ledger",		required_argument, NULL, OPT_LEDGER },
		{ "max-cost",		required_argument, NULL, OPT_MAX_COST },
		{ "max-recipients",	required_argument, NULL,
		    OPT_MAX_RECIP },
		{ "max-sms-parts",	required_argument, NULL, OPT_MAX_SMS },
		{ "payload",		required_argument, NULL, OPT_PAYLOAD },
		{ "priority",		required_argument, NULL, OPT_PRIORITY },
		{ "suppress",		required_argument, NULL, OPT_SUPPRESS },
		MBR_CLI_LONGOPTS
	};
	mbr_cli c = { .usage = usage_text, .help = help_text };
	mbr_sendlist_opts o = MBR_SENDLIST_OPTS_DEFAULT;
	const char **join, **supp, **hist;
	mbr_err err = { 0 };
	mbr_dec d;
	char *end;
	int ch;

	mbr_setprogname("mbr-campaign");
	/* Each option names at most one file. */
	join = mbr_xcalloc((size_t)argc, sizeof(*join));
	supp = mbr_xcalloc((size_t)argc, sizeof(*supp));
	hist = mbr_xcalloc((size_t)argc, sizeof(*hist));
	o.join = join;
	o.suppress = supp;
	o.history = hist;
	while ((ch = getopt_long(argc, argv, MBR_CLI_SHORTOPTS, lopts,
	    NULL)) != -1) {
		if (mbr_cli_opt(&c, ch, optarg))
			continue;
		switch (ch) {
		case OPT_CAMPAIGN:
			o.campaign = optarg;
			break;
		case OPT_CAP:
			o.cap_n = strtoll(optarg, &end, 10);
			if (end == optarg || *end != '/' || o.cap_n < 1 ||
			    o.cap_n > 1000000)
				mbr_usage_error(&c, "--cap: \"%s\" is not "
				    "N/DAYS (2/7: two messages in 7 days)",
				    optarg);
			o.cap_days = mbr_opt_int("--cap", end + 1, 1, 36600);
			break;
		case OPT_COUPONS:
			o.coupons = optarg;
			break;
		case OPT_COUPONS_OUT:
			o.coupons_out = optarg;
			break;
		case OPT_COUPONS_SHORT:
			if (strcmp(optarg, "skip") == 0)
				o.coupons_skip = 1;
			else if (strcmp(optarg, "fail") != 0)
				mbr_usage_error(&c, "--coupons-short: \"%s\" "
				    "is not fail or skip", optarg);
			break;
		case OPT_COUNTRY:
			o.cc = (unsigned)mbr_opt_int("--default-country",
			    optarg, 1, 999);
			break;
		case OPT_DRY_RUN:
			o.dry_run = 1;
			break;
		case OPT_EVENTS:
			o.events = optarg;
			break;
		case OPT_EXPLAIN:
			o.explain = optarg;
			break;
		case OPT_GHOLD:
			o.global_holdout = pct(&c, "--global-holdout", optarg);
			break;
		case OPT_GSEED:
			o.global_seed = optarg;
			break;
		case OPT_HISTORY:
			hist[o.nhistory++] = optarg;
			break;
		case OPT_HISTORY_OUT:
			o.history_out = optarg;
			break;
		case OPT_HOLDOUT:
			o.holdout = pct(&c, "--holdout", optarg);
			break;
		case OPT_HOLDOUT_OUT:
			o.holdout_out = optarg;
			break;
		case OPT_JOIN:
			join[o.njoin++] = optarg;
			break;
		case OPT_KEEP:
			o.keep = optarg;
			break;
		case OPT_LEDGER:
			o.ledger = optarg;
			break;
		case OPT_MAX_COST:
			if (mbr_dec_parse(optarg, &d) != 0 ||
			    mbr_dec_scaled(d, 4) > 100000000000000LL)
				mbr_usage_error(&c, "--max-cost: \"%s\" is not "
				    "an amount (at most 4 decimals)", optarg);
			o.max_cost = mbr_dec_scaled(d, 4);
			break;
		case OPT_MAX_RECIP:
			o.max_recipients = mbr_opt_int("--max-recipients",
			    optarg, 0, INT64_MAX);
			break;
		case OPT_MAX_SMS:
			o.max_sms_parts = (int)mbr_opt_int("--max-sms-parts",
			    optarg, 1, 255);
			break;
		case OPT_PAYLOAD:
			if (strncmp(optarg, "wechat=", 7) != 0 ||
			    optarg[7] == '\0')
				mbr_usage_error(&c, "--payload: \"%s\" is not "
				    "wechat=FILE (WeChat template messages "
				    "are the one bulk format)", optarg);
			o.payload_wechat = optarg + 7;
			break;
		case OPT_PRIORITY:
			o.priority = optarg;
			break;
		case OPT_SUPPRESS:
			supp[o.nsuppress++] = optarg;
			break;
		default:
			fputs(usage_text, stderr);
			return MBR_EUSAGE;
		}
	}
	if (o.campaign == NULL)
		mbr_usage_error(&c, "--campaign is required (who, when, on "
		    "which channel and what: see mbr-campaign(1))");
	if (o.holdout_out != NULL && o.holdout < 0)
		mbr_usage_error(&c, "--holdout-out goes with --holdout");
	if (o.coupons_out != NULL && o.coupons == NULL)
		mbr_usage_error(&c, "--coupons-out goes with --coupons");
	if (o.dry_run && (o.history_out != NULL || o.explain != NULL ||
	    o.holdout_out != NULL || o.coupons_out != NULL ||
	    o.payload_wechat != NULL))
		mbr_usage_error(&c, "--dry-run writes no file but its counts");
	mbr_sendlist_run(&c, &o, argc - optind, argv + optind, &err);
	free(join);
	free(supp);
	free(hist);
	return mbr_exit(&err);
}
