/* mbr-report: the membership team's KPIs, cohorts and RFM migration. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mbr_cli.h"
#include "mbr_report.h"

static const char usage_text[] =
    "usage: mbr-report [-qz] [--as-of time] [--tz zone]\n"
    "                  [--period month|week|day] [--periods n]\n"
    "                  [--cohorts n] [--by field] [--currency code]\n"
    "                  [--members file] [--rfm file [--previous file]]\n"
    "                  [--points file] [--sends file] [--abtest file]\n"
    "                  [--format records|text]\n"
    "                  [--html file] [--lang en|zh]\n"
    "                  [--alert rule ...] [--partial | --merge]\n"
    "                  [--input-format fmt]\n"
    "                  [--output-format fmt] [-o file] [--rejects file]\n"
    "                  [--max-rejects n|n%] [--threads n] [file ...]\n";

static const char help_text[] =
"KPIs, cohorts and RFM migration from orders (mbr-report(1)).\n"
"      --period month|week|day  the KPIs' period (month)\n"
"      --periods N         how many, the latest holding --as-of (12)\n"
"      --cohorts N         monthly first-order cohorts, the last N (12;\n"
"                          0: none)\n"
"      --by FIELD          the KPIs per value of an order field too\n"
"      --currency CODE     the run's currency (default: the first order's)\n"
"      --members FILE      member profiles: members are they and who ordered\n"
"      --rfm FILE          this run's mbr-rfm output: segment sizes\n"
"      --previous FILE     an earlier mbr-rfm output: the migration matrix\n"
"      --points FILE       mbr-points balances: points liability\n"
"      --sends FILE        send lists: campaign reach by channel\n""      --abtest FILE       mbr-abtest analyze's results: the tests' variants\n"
"      --format records|text  records (CSV, NDJSON), or tables to read\n"
"      --html FILE         the report as one self-contained HTML page too\n"
"      --lang en|zh        the page's language (en)\n"
"      --alert RULE        exit 1 when the latest changes meet RULE\n"
"                          ('active_30d < -5%'); repeatable\n"
"      --partial           write sums for --merge instead (shards of members)\n"
"      --merge             the inputs are partials: add them up\n";

enum {
	OPT_ABTEST = MBR_OPT_FIRST_OWN,
	OPT_ALERT,
	OPT_BY,
	OPT_COHORTS,
	OPT_CURRENCY,
	OPT_FORMAT,
	OPT_HTML,
	OPT_LANG,
	OPT_MEMBERS,
	OPT_MERGE,
	OPT_PARTIAL,
	OPT_PERIOD,
	OPT_PERIODS,
	OPT_POINTS,
	OPT_PREVIOUS,
	OPT_RFM,
	OPT_SENDS
};

int
main(int argc, char *argv[])
{
	static const struct option lopts[] = {
		{ "abtest",	required_argument, NULL, OPT_ABTEST },
		{ "alert",	required_argument, NULL, OPT_ALERT },
		{ "by",		required_argument, NULL, OPT_BY },
		{ "cohorts",	required_argument, NULL, OPT_COHORTS },
		{ "currency",	required_argument, NULL, OPT_CURRENCY },
		{ "format",	required_argument, NULL, OPT_FORMAT },
		{ "html",	required_argument, NULL, OPT_HTML },
		{ "lang",	required_argument, NULL, OPT_LANG },
		{ "members",	required_argument, NULL, OPT_MEMBERS },
		{ "merge",	no_argument,	   NULL, OPT_MERGE },
		{ "partial",	no_argument,	   NULL, OPT_PARTIAL },
		{ "period",	required_argument, NULL, OPT_PERIOD },
		{ "periods",	required_argument, NULL, OPT_PERIODS },
		{ "points",	required_argument, NULL, OPT_POINTS },
		{ "previous",	required_argument, NULL, OPT_PREVIOUS },
		{ "rfm",	required_argument, NULL, OPT_RFM },
		{ "sends",	required_argument, NULL, OPT_SENDS },
		MBR_CLI_LONGOPTS
	};
	mbr_cli c = { .usage = usage_text, .help = help_text };
	mbr_report_opts o = MBR_REPORT_OPTS_DEFAULT;
	mbr_err err = { 0 };
	int ch, alerts = 0;

	mbr_setprogname("mbr-report");
	while ((ch = getopt_long(argc, argv, MBR_CLI_SHORTOPTS, lopts,
	    NULL)) != -1) {
		if (mbr_cli_opt(&c, ch, optarg))
			continue;
		switch (ch) {
		case OPT_ABTEST:
			o.abtest = optarg;
			break;
		case OPT_ALERT:
			if (o.nalert == MBR_REPORT_MAXALERTS)
				mbr_usage_error(&c, "--alert: at most %d rules",
				    MBR_REPORT_MAXALERTS);
			o.alert[o.nalert++] = optarg;
			break;
		case OPT_BY:
			if (*optarg == '\0')
				mbr_usage_error(&c, "--by: no field named");
			o.by = optarg;
			break;
		case OPT_COHORTS:
			o.cohorts = (int)mbr_opt_int("--cohorts", optarg, 0,
			    MBR_REPORT_MAXCOHORTS);
			break;
		case OPT_CURRENCY:
			o.currency = optarg;
			break;
		case OPT_FORMAT:
			if (strcmp(optarg, "text") == 0)
				o.text = 1;
			else if (strcmp(optarg, "records") != 0)
				mbr_usage_error(&c, "--format: \"%s\" is not "
				    "records or text", optarg);
			break;
		case OPT_HTML:
			o.html = optarg;
			break;
		case OPT_LANG:
			if (strcmp(optarg, "zh") == 0)
				o.zh = 1;
			else if (strcmp(optarg, "en") == 0)
				o.zh = 0;
			else
				mbr_usage_error(&c, "--lang: \"%s\" is not en "
				    "or zh", optarg);
			break;
		case OPT_MEMBERS:
			o.members = optarg;
			break;
		case OPT_MERGE:
			o.merge = 1;
			break;
		case OPT_PARTIAL:
			o.partial = 1;
			break;
		case OPT_PERIOD:
			if (strcmp(optarg, "month") == 0)
				o.period = MBR_PERIOD_MONTH;
			else if (strcmp(optarg, "week") == 0)
				o.period = MBR_PERIOD_WEEK;
			else if (strcmp(optarg, "day") == 0)
				o.period = MBR_PERIOD_DAY;
			else
				mbr_usage_error(&c, "--period: \"%s\" is not "
				    "month, week or day", optarg);
			break;
		case OPT_PERIODS:
			o.periods = (int)mbr_opt_int("--periods", optarg, 1,
			    MBR_REPORT_MAXPERIODS);
			break;
		case OPT_POINTS:
			o.points = optarg;
			break;
		case OPT_PREVIOUS:
			o.previous = optarg;
			break;
		case OPT_RFM:
			o.rfm = optarg;
			break;
		case OPT_SENDS:
			o.sends = optarg;
			break;
		default:
			fputs(usage_text, stderr);
			return MBR_EUSAGE;
		}
	}
	if (o.previous != NULL && o.rfm == NULL)
		mbr_usage_error(&c, "--previous needs --rfm: the migration is "
		    "from the earlier segments to this run's");
	if (o.partial && o.merge)
		mbr_usage_error(&c, "--merge and --partial do not go together: "
		    "merge the partials in one run");
	if (o.partial && (o.text || o.nalert > 0 || o.html != NULL ||
	    o.abtest != NULL))
		mbr_usage_error(&c, "--partial writes sums, not a report: "
		    "give --%s to the --merge", o.text ? "format text" :
		    o.html != NULL ? "html" : o.abtest != NULL ? "abtest" :
		    "alert");
	if (o.merge && (o.members || o.rfm || o.points || o.sends))
		mbr_usage_error(&c, "--merge reads partials only: give --%s "
		    "to the --partial runs", o.members ? "members" : o.rfm ?
		    "rfm" : o.points ? "points" : "sends");
	if (mbr_report_run(&c, &o, argc - optind, argv + optind, &alerts,
	    &err) != MBR_OK)
		return mbr_exit(&err);
	return alerts > 0 ? MBR_EDATA : 0;
}
