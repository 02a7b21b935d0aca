/* mbr-clv: fit BG/NBD and Gamma-Gamma to the orders, and predict each
 * member's chance of being alive, purchases and lifetime value. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mbr_cli.h"
#include "mbr_clv.h"

static const char usage_text[] =
    "usage: mbr-clv fit [-qz] [--as-of time] [--tz zone] [--unit days|weeks]\n"
    "               [--calibration-end date [--holdout-end date]]\n"
    "               [--monetary repeat|all] [--penalizer c]\n"
    "               [--currency code] [--partial | --merge]\n"
    "               [--output-format fmt] [-o file] [--rejects file]\n"
    "               [--max-rejects n|n%] [--threads n] [file ...]\n"
    "       mbr-clv predict --model file [-qz] [--as-of time] [--tz zone]\n"
    "               [--members file] [--horizon Nd] [--discount rate]\n"
    "               [--output-format fmt] [-o file] [--rejects file]\n"
    "               [--max-rejects n|n%] [--threads n] [file ...]\n";

#define HELP_FIT \
"Fits BG/NBD and Gamma-Gamma to the orders; writes the model (mbr-clv(1)).\n" \
"      --unit days|weeks   the unit of time of the model (days)\n" \
"      --calibration-end DATE  fit on the orders up to DATE, inclusive\n" \
"      --holdout-end DATE  and compare with the purchases after, to DATE\n" \
"      --monetary repeat|all  mean spend of the repeat purchases\n" \
"                          (lifetimes') or of every purchase\n" \
"      --penalizer C       L2 penalty, as lifetimes' penalizer_coef (0)\n" \
"      --currency CODE     the run's currency (default: the first order's)\n" \
"      --partial           write sums for --merge instead\n" \
"      --merge             the inputs are partials\n"

#define HELP_PREDICT \
"Writes each member's p_alive, expected purchases, AOV and CLV\n" \
"(mbr-clv(1)).\n" \
"      --model FILE        a model from mbr-clv fit\n" \
"      --members FILE      add the fields to these member records\n" \
"      --horizon Nd        expected purchases and CLV over N days (90d)\n" \
"      --discount RATE     monthly discount rate of the CLV (0.01, or 1%)\n"

static const char help_fit[] = HELP_FIT;
static const char help_predict[] = HELP_PREDICT;
static const char help_all[] = HELP_FIT "\n" HELP_PREDICT;

enum {
	OPT_CAL_END = MBR_OPT_FIRST_OWN,
	OPT_CURRENCY,
	OPT_DISCOUNT,
	OPT_HOLDOUT_END,
	OPT_HORIZON,
	OPT_MEMBERS,
	OPT_MERGE,
	OPT_MODEL,
	OPT_MONETARY,
	OPT_PARTIAL,
	OPT_PENALIZER,
	OPT_UNIT
};

static const struct option lopts[] = {
	{ "calibration-end",	required_argument, NULL, OPT_CAL_END },
	{ "currency",		required_argument, NULL, OPT_CURRENCY },
	{ "discount",		required_argument, NULL, OPT_DISCOUNT },
	{ "holdout-end",	required_argument, NULL, OPT_HOLDOUT_END },
	{ "horizon",		required_argument, NULL, OPT_HORIZON },
	{ "members",		required_argument, NULL, OPT_MEMBERS },
	{ "merge",		no_argument,	   NULL, OPT_MERGE },
	{ "model",		required_argument, NULL, OPT_MODEL },
	{ "monetary",		required_argument, NULL, OPT_MONETARY },
	{ "partial",		no_argument,	   NULL, OPT_PARTIAL },
	{ "penalizer",		required_argument, NULL, OPT_PENALIZER },
	{ "unit",		required_argument, NULL, OPT_UNIT },
	MBR_CLI_LONGOPTS
};

/* Which options each subcommand takes: another's is a usage error, not
 * silently ignored. */
static int
takes(int cmd, int ch)
{
	switch (ch) {
	case OPT_CAL_END:
	case OPT_CURRENCY:
	case OPT_HOLDOUT_END:
	case OPT_MERGE:
	case OPT_MONETARY:
	case OPT_PARTIAL:
	case OPT_PENALIZER:
	case OPT_UNIT:
		return cmd == MBR_CLV_FIT;
	case OPT_DISCOUNT:
	case OPT_HORIZON:
	case OPT_MEMBERS:
	case OPT_MODEL:
		return cmd == MBR_CLV_PREDICT;
	default:
		return 1;
	}
}

/* A number from lo to hi; pct: "1%" is 0.01. */
static double
opt_num(const mbr_cli *c, const char *opt, const char *s, double lo,
    double hi, int pct)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (pct && end != s && *end == '%' && end[1] == '\0') {
		v /= 100;
		end++;
	}
	if (*s == '\0' || *end != '\0' || errno != 0 || !isfinite(v) ||
	    v < lo || v > hi)
		mbr_usage_error(c, "--%s: \"%s\" is not a number from %g to "
		    "%g%s", opt, s, lo, hi, pct ? " (or a percentage)" : "");
	return v;
}

/* "90d", "13w" or "90": a number of days. */
static int64_t
opt_days(const mbr_cli *c, const char *opt, const char *s)
{
	char buf[32];
	const char *arg = s;
	size_t n = strlen(s);
	int mult = 1;

	if (n > 1 && n < sizeof(buf) && (s[n - 1] == 'd' ||
	    s[n - 1] == 'w')) {
		mult = s[n - 1] == 'w' ? 7 : 1;
		memcpy(buf, s, n - 1);
		buf[n - 1] = '\0';
		s = buf;
	}
	if (*s == '\0' || strspn(s, "0123456789") != strlen(s) ||
	    strlen(s) > 6 || atol(s) * mult < 1 || atol(s) * mult > 36500)
		mbr_usage_error(c, "--%s: \"%s\" is not a number of days "
		    "from 1 to 36500 (90d, 13w)", opt, arg);
	return (int64_t)atol(s) * mult;
}

int
main(int argc, char *argv[])
{
	static const char *const cmds[] = { "fit", "predict" };
	mbr_cli c = { .usage = usage_text };
	mbr_clv_opts o = MBR_CLV_OPTS_DEFAULT;
	mbr_err err = { 0 };
	int ch, cmd = -1, i, penalizer = 0;

	mbr_setprogname("mbr-clv");
	if (argc >= 2)
		for (i = 0; i < 2; i++)
			if (strcmp(argv[1], cmds[i]) == 0)
				cmd = i;
	if (cmd < 0) {
		/* --help and --version before any subcommand */
		if (argc >= 2 && (strcmp(argv[1], "--help") == 0 ||
		    strcmp(argv[1], "-h") == 0)) {
			c.help = help_all;
			mbr_cli_opt(&c, 'h', NULL);
		}
		if (argc >= 2 && (strcmp(argv[1], "--version") == 0 ||
		    strcmp(argv[1], "-V") == 0))
			mbr_cli_opt(&c, 'V', NULL);
		if (argc < 2)
			mbr_usage_error(&c, "no subcommand: fit or predict");
		mbr_usage_error(&c, "\"%s\" is no subcommand: fit or predict",
		    argv[1]);
	}
	c.help = cmd == MBR_CLV_FIT ? help_fit : help_predict;
	o.cmd = cmd;
	argc--;
	argv++;
	while ((ch = getopt_long(argc, argv, MBR_CLI_SHORTOPTS, lopts,
	    NULL)) != -1) {
		if (ch != '?' && !takes(cmd, ch)) {
			const struct option *lo = lopts;

			while (lo->name != NULL && lo->val != ch)
				lo++;
			mbr_usage_error(&c, "--%s: not an option of %s",
			    lo->name != NULL ? lo->name : "?", cmds[cmd]);
		}
		if (mbr_cli_opt(&c, ch, optarg))
			continue;
		switch (ch) {
		case OPT_CAL_END:
			o.calibration_end = optarg;
			break;
		case OPT_CURRENCY:
			o.currency = optarg;
			break;
		case OPT_DISCOUNT:
			o.discount = opt_num(&c, "discount", optarg, 0, 10, 1);
			break;
		case OPT_HOLDOUT_END:
			o.holdout_end = optarg;
			break;
		case OPT_HORIZON:
			o.horizon = opt_days(&c, "horizon", optarg);
			break;
		case OPT_MEMBERS:
			o.members = optarg;
			break;
		case OPT_MERGE:
			o.merge = 1;
			break;
		case OPT_MODEL:
			o.model = optarg;
			break;
		case OPT_MONETARY:
			if (strcmp(optarg, "all") == 0)
				o.monetary_all = 1;
			else if (strcmp(optarg, "repeat") != 0)
				mbr_usage_error(&c, "--monetary: \"%s\" is not "
				    "repeat or all", optarg);
			else
				o.monetary_all = 0;
			o.monetary_set = 1;
			break;
		case OPT_PARTIAL:
			o.partial = 1;
			break;
		case OPT_PENALIZER:
			o.penalizer = opt_num(&c, "penalizer", optarg, 0, 1e6,
			    0);
			penalizer = 1;
			break;
		case OPT_UNIT:
			if (strcmp(optarg, "weeks") == 0)
				o.unit = 7;
			else if (strcmp(optarg, "days") != 0)
				mbr_usage_error(&c, "--unit: \"%s\" is not "
				    "days or weeks", optarg);
			else
				o.unit = 1;
			o.unit_set = 1;
			break;
		default:
			fputs(usage_text, stderr);
			return MBR_EUSAGE;
		}
	}
	if (cmd == MBR_CLV_PREDICT && o.model == NULL)
		mbr_usage_error(&c, "predict: --model is needed");
	if (o.merge && o.partial)
		mbr_usage_error(&c, "--merge and --partial do not go together: "
		    "merge the partials in one run");
	/* a partial is sums, not a fit: the penalty is the merge's */
	if (o.partial && penalizer)
		mbr_usage_error(&c, "--penalizer goes with the fit, not "
		    "--partial: give it to --merge");
	if (cmd == MBR_CLV_FIT && !o.partial &&
	    c.out_format != MBR_FMT_AUTO)
		mbr_usage_error(&c, "--output-format goes with --partial: the "
		    "model is JSON");
	mbr_clv_run(&c, &o, argc - optind, argv + optind, &err);
	return mbr_exit(&err);
}
