/* mbr-rfm: score members by recency, frequency and monetary value. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mbr_cli.h"
#include "mbr_io.h"
#include "mbr_rfm.h"

static const char usage_text[] =
    "usage: mbr-rfm [-qz] [--as-of time] [--tz zone] [--window Nd]\n"
    "               [--also Nd,...] [--frequency orders|days]\n"
    "               [--carry field[:first|last|mode]]\n"
    "               [--members file] [--scoring quantile|rank] [--scores k]\n"
    "               [--bins spec] [--model rfm11|rfm8] [--split mean|median]\n"
    "               [--segments file] [--lang en|zh] [--new-days n]\n"
    "               [--sleeping-days n] [--churned-days n] [--summary]\n"
    "               [--thresholds file] [--currency code] [--no-dedupe]\n"
    "               [--input-format fmt] [--output-format fmt] [-o file]\n"
    "               [--rejects file] [--max-rejects n|n%] [--threads n]\n"
    "               [file ...]\n";

static const char help_text[] =
"Scores members by recency, frequency and monetary value (mbr-rfm(1)).\n"
"      --window Nd         frequency and monetary over the last N days\n"
"      --also Nd,...       frequency_Nd and monetary_Nd besides\n"
"      --frequency orders|days  count paid orders, or days with one\n"
"      --carry F[:first|last|mode]  an order field on the member (last)\n"
"      --members FILE      member profiles, in their order, with prospects\n"
"      --scoring quantile|rank  how scores are cut (quantile: R rfm's)\n"
"      --scores K          scores 1..K (5)\n"
"      --bins SPEC         fixed cuts: 'r=30,60,90 f=1,2,3 m=100,500,1000'\n"
"      --model rfm11|rfm8  the 11 named segments, or the 8-class model\n"
"      --split mean|median  rfm8's cut between high and low (mean)\n"
"      --segments FILE     segments of your own (CSV: segment,r,f,m)\n"
"      --lang en|zh        segment and lifecycle names in Chinese\n"
"      --new-days N        new: first order within N days (30)\n"
"      --sleeping-days N   active up to N days since the last order (60)\n"
"      --churned-days N    sleeping up to N days, churned after (90)\n"
"      --summary           one row per segment instead of the members\n"
"      --thresholds FILE   the score cuts, to FILE\n"
"      --currency CODE     the run's currency (default: the first order's)\n"
"      --no-dedupe         keep no order ids: an order read twice counts twice\n";

enum {
	OPT_ALSO = MBR_OPT_FIRST_OWN,
	OPT_CARRY,
	OPT_BINS,
	OPT_CHURNED,
	OPT_CURRENCY,
	OPT_FREQUENCY,
	OPT_LANG,
	OPT_MEMBERS,
	OPT_MODEL,
	OPT_NEW,
	OPT_NO_DEDUPE,
	OPT_SCORES,
	OPT_SCORING,
	OPT_SEGMENTS,
	OPT_SLEEPING,
	OPT_SPLIT,
	OPT_SUMMARY,
	OPT_THRESHOLDS,
	OPT_WINDOW
};

/* "365d" or "365": a number of days. */
static int
days(const mbr_cli *c, const char *opt, const char *s)
{
	char buf[32];
	size_t n = strlen(s);

	if (n > 0 && n < sizeof(buf) && s[n - 1] == 'd') {
		memcpy(buf, s, n - 1);
		buf[n - 1] = '\0';
		s = buf;
	}
	return (int)mbr_opt_int(opt, s, 1, 100000);
}

int
main(int argc, char *argv[])
{
	static const struct option lopts[] = {
		{ "also",		required_argument, NULL, OPT_ALSO },
		{ "bins",		required_argument, NULL, OPT_BINS },
		{ "carry",		required_argument, NULL, OPT_CARRY },
		{ "churned-days",	required_argument, NULL, OPT_CHURNED },
		{ "currency",		required_argument, NULL, OPT_CURRENCY },
		{ "frequency",		required_argument, NULL, OPT_FREQUENCY },
		{ "lang",		required_argument, NULL, OPT_LANG },
		{ "members",		required_argument, NULL, OPT_MEMBERS },
		{ "model",		required_argument, NULL, OPT_MODEL },
		{ "new-days",		required_argument, NULL, OPT_NEW },
		{ "no-dedupe",		no_argument,	   NULL, OPT_NO_DEDUPE },
		{ "scores",		required_argument, NULL, OPT_SCORES },
		{ "scoring",		required_argument, NULL, OPT_SCORING },
		{ "segments",		required_argument, NULL, OPT_SEGMENTS },
		{ "sleeping-days",	required_argument, NULL, OPT_SLEEPING },
		{ "split",		required_argument, NULL, OPT_SPLIT },
		{ "summary",		no_argument,	   NULL, OPT_SUMMARY },
		{ "thresholds",		required_argument, NULL, OPT_THRESHOLDS },
		{ "window",		required_argument, NULL, OPT_WINDOW },
		MBR_CLI_LONGOPTS
	};
	mbr_cli c = { .usage = usage_text, .help = help_text };
	mbr_rfm_opts o = MBR_RFM_OPTS_DEFAULT;
	mbr_err err = { 0 };
	char *s, *tok, *save;
	int ch;

	mbr_setprogname("mbr-rfm");
	while ((ch = getopt_long(argc, argv, MBR_CLI_SHORTOPTS, lopts,
	    NULL)) != -1) {
		if (mbr_cli_opt(&c, ch, optarg))
			continue;
		switch (ch) {
		case OPT_ALSO:
			s = mbr_xstrdup(optarg);
			for (tok = strtok_r(s, ",", &save); tok != NULL;
			    tok = strtok_r(NULL, ",", &save)) {
				if (o.nalso == MBR_RFM_MAXALSO)
					mbr_usage_error(&c, "--also: at most "
					    "%d windows", MBR_RFM_MAXALSO);
				o.also[o.nalso++] = days(&c, "--also", tok);
			}
			free(s);
			break;
		case OPT_CARRY:
			if (mbr_rfm_parse_carry(&o, optarg, &err) != MBR_OK)
				mbr_usage_error(&c, "%s", err.msg);
			break;
		case OPT_BINS:
			o.bins = optarg;
			o.scoring = MBR_SCORE_BINS;
			break;
		case OPT_CHURNED:
			o.churned_days = days(&c, "--churned-days", optarg);
			break;
		case OPT_CURRENCY:
			o.currency = optarg;
			break;
		case OPT_FREQUENCY:
			if (strcmp(optarg, "days") == 0)
				o.freq_days = 1;
			else if (strcmp(optarg, "orders") != 0)
				mbr_usage_error(&c, "--frequency: \"%s\" is "
				    "not orders or days", optarg);
			break;
		case OPT_LANG:
			if (strcmp(optarg, "zh") == 0)
				o.zh = 1;
			else if (strcmp(optarg, "en") != 0)
				mbr_usage_error(&c, "--lang: \"%s\" is not en "
				    "or zh", optarg);
			break;
		case OPT_MEMBERS:
			o.members = optarg;
			break;
		case OPT_MODEL:
			if (strcmp(optarg, "rfm8") == 0)
				o.model = MBR_MODEL_RFM8;
			else if (strcmp(optarg, "rfm11") != 0)
				mbr_usage_error(&c, "--model: \"%s\" is not "
				    "rfm11 or rfm8", optarg);
			break;
		case OPT_NEW:
			o.new_days = days(&c, "--new-days", optarg);
			break;
		case OPT_SCORES:
			o.k = (int)mbr_opt_int("--scores", optarg, 3, 10);
			break;
		case OPT_SCORING:
			if (strcmp(optarg, "rank") == 0)
				o.scoring = MBR_SCORE_RANK;
			else if (strcmp(optarg, "quantile") != 0)
				mbr_usage_error(&c, "--scoring: \"%s\" is not "
				    "quantile or rank", optarg);
			break;
		case OPT_SEGMENTS:
			o.segments = optarg;
			break;
		case OPT_SLEEPING:
			o.sleeping_days = days(&c, "--sleeping-days", optarg);
			break;
		case OPT_SPLIT:
			if (strcmp(optarg, "median") == 0)
				o.split_median = 1;
			else if (strcmp(optarg, "mean") != 0)
				mbr_usage_error(&c, "--split: \"%s\" is not "
				    "mean or median", optarg);
			break;
		case OPT_NO_DEDUPE:
			o.no_dedupe = 1;
			break;
		case OPT_SUMMARY:
			o.summary = 1;
			break;
		case OPT_THRESHOLDS:
			o.thresholds = optarg;
			break;
		case OPT_WINDOW:
			o.window = days(&c, "--window", optarg);
			break;
		default:
			fputs(usage_text, stderr);
			return MBR_EUSAGE;
		}
	}
	if (o.sleeping_days > o.churned_days)
		mbr_usage_error(&c, "--sleeping-days %d is more than "
		    "--churned-days %d", o.sleeping_days, o.churned_days);
	/* The thresholds are written last: a path that cannot take them
	 * fails now, not after the orders are read. */
	if (o.thresholds != NULL &&
	    mbr_output_check(o.thresholds, &err) != MBR_OK)
		return mbr_exit(&err);
	mbr_rfm_run(&c, &o, argc - optind, argv + optind, &err);
	return mbr_exit(&err);
}
