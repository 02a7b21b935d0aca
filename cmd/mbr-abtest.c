/* mbr-abtest: assign, size and analyse experiments and holdouts. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mbr_abtest.h"
#include "mbr_assign.h"
#include "mbr_cli.h"
#include "mbr_time.h"

static const char usage_text[] =
    "usage: mbr-abtest assign --experiment key --variants spec\n"
    "                  [--coverage share] [--rest name] [--seed seed]\n"
    "                  [--hash-version 1|2] [--stratify field[,field]]\n"
    "                  [--as-of time] [-o file] [--rejects file] [file ...]\n"
    "       mbr-abtest size --baseline rate (--mde d[%] | --n members)\n"
    "                  [--alpha a] [--power p] [--variants k] [--coverage s]\n"
    "                  [--one-sided] [--format csv|ndjson|text]\n"
    "       mbr-abtest analyze --assignments file [--holdout file]\n"
    "                  [--window 7d] [--experiment key] [--variants spec]\n"
    "                  [--control name] [--rest name]\n"
    "                  [--metric conversion|revenue]\n"
    "                  [--covariate field|pre_spend] [--pre-window 7d]\n"
    "                  [--cost-per-send amount] [--alpha a]\n"
    "                  [--min-members n] [--strict] [--partial | --merge]\n"
    "                  [--format csv|ndjson|text] [orders ...]\n";

#define HELP_ASSIGN \
"Assigns members to variants, as GrowthBook does (mbr-abtest(1)).\n" \
"      --experiment KEY    the experiment's key (and default seed)\n" \
"      --variants SPEC     control=50,a=25,b=25, or control,a,b (equal)\n" \
"      --coverage SHARE    share of members in the test, 0 to 1 (1)\n" \
"      --rest NAME         variant of members outside it (empty)\n" \
"      --seed SEED         hash seed (the key)\n" \
"      --hash-version N    GrowthBook's hash version, 1 or 2 (2)\n" \
"      --stratify FIELDS   exact proportions within each stratum\n"

#define HELP_SIZE \
"Members needed per variant for a conversion test (mbr-abtest(1)).\n" \
"      --baseline RATE     the control's conversion rate, 0 to 1\n" \
"      --mde D | D%        the smallest lift worth finding: absolute\n" \
"                          (0.02) or relative (20%)\n" \
"      --n MEMBERS         instead: the lift an audience can find\n" \
"      --coverage SHARE    with --n, the share of it tested (1)\n" \
"      --alpha A           significance level (0.05)\n" \
"      --power P           power (0.8)\n" \
"      --variants K        variants, control included (2)\n" \
"      --one-sided         a one-sided test\n" \
"      --format FMT        csv, ndjson or text\n"

#define HELP_ANALYZE \
"Analyses an experiment or holdout from orders (mbr-abtest(1)).\n" \
"  -a, --assignments FILE  assignments or a send list\n" \
"      --holdout FILE      held-out members (mbr-campaign --holdout-out)\n" \
"      --window DUR        orders counted after assignment (7d)\n" \
"      --experiment KEY    the experiment, when FILE holds several\n" \
"      --variants SPEC     the configured weights, for the ratio check\n" \
"      --control NAME      the control variant\n" \
"      --rest NAME         assign's --rest: members outside the test\n" \
"      --metric M          conversion or revenue: what decides\n" \
"      --covariate F       CUPED on revenue with field F or pre_spend\n" \
"      --pre-window DUR    pre_spend's period before assignment (window)\n" \
"      --cost-per-send X   for the holdout's ROI\n" \
"      --alpha A           significance level (0.05)\n" \
"      --min-members N     fewer in a variant: not enough data (100)\n" \
"      --strict            a sample-ratio mismatch fails the run\n" \
"      --partial           write sums for --merge instead\n" \
"      --merge             the inputs are partials\n" \
"      --format FMT        csv, ndjson or text\n"

static const char help_assign[] = HELP_ASSIGN;
static const char help_size[] = HELP_SIZE;
static const char help_analyze[] = HELP_ANALYZE;
static const char help_all[] = HELP_ASSIGN "\n" HELP_SIZE "\n" HELP_ANALYZE;

enum {
	OPT_ALPHA = MBR_OPT_FIRST_OWN,
	OPT_BASELINE,
	OPT_CONTROL,
	OPT_COST,
	OPT_COVARIATE,
	OPT_COVERAGE,
	OPT_EXPERIMENT,
	OPT_FORMAT,
	OPT_HASHV,
	OPT_HOLDOUT,
	OPT_MDE,
	OPT_MERGE,
	OPT_METRIC,
	OPT_MIN_MEMBERS,
	OPT_N,
	OPT_ONE_SIDED,
	OPT_PARTIAL,
	OPT_POWER,
	OPT_PRE_WINDOW,
	OPT_REST,
	OPT_SEED,
	OPT_STRATIFY,
	OPT_STRICT,
	OPT_VARIANTS,
	OPT_WINDOW
};

static const struct option lopts[] = {
	{ "alpha",		required_argument, NULL, OPT_ALPHA },
	{ "assignments",	required_argument, NULL, 'a' },
	{ "baseline",		required_argument, NULL, OPT_BASELINE },
	{ "control",		required_argument, NULL, OPT_CONTROL },
	{ "cost-per-send",	required_argument, NULL, OPT_COST },
	{ "covariate",		required_argument, NULL, OPT_COVARIATE },
	{ "coverage",		required_argument, NULL, OPT_COVERAGE },
	{ "experiment",		required_argument, NULL, OPT_EXPERIMENT },
	{ "format",		required_argument, NULL, OPT_FORMAT },
	{ "hash-version",	required_argument, NULL, OPT_HASHV },
	{ "holdout",		required_argument, NULL, OPT_HOLDOUT },
	{ "mde",		required_argument, NULL, OPT_MDE },
	{ "merge",		no_argument,	   NULL, OPT_MERGE },
	{ "metric",		required_argument, NULL, OPT_METRIC },
	{ "min-members",	required_argument, NULL, OPT_MIN_MEMBERS },
	{ "n",			required_argument, NULL, OPT_N },
	{ "one-sided",		no_argument,	   NULL, OPT_ONE_SIDED },
	{ "partial",		no_argument,	   NULL, OPT_PARTIAL },
	{ "power",		required_argument, NULL, OPT_POWER },
	{ "pre-window",		required_argument, NULL, OPT_PRE_WINDOW },
	{ "rest",		required_argument, NULL, OPT_REST },
	{ "seed",		required_argument, NULL, OPT_SEED },
	{ "stratify",		required_argument, NULL, OPT_STRATIFY },
	{ "strict",		no_argument,	   NULL, OPT_STRICT },
	{ "variants",		required_argument, NULL, OPT_VARIANTS },
	{ "window",		required_argument, NULL, OPT_WINDOW },
	MBR_CLI_LONGOPTS
};

enum { CMD_ASSIGN, CMD_SIZE, CMD_ANALYZE };

/* Which options each subcommand takes: another's is a usage error, not
 * silently ignored. */
static int
takes(int cmd, int ch)
{
	switch (ch) {
	case OPT_EXPERIMENT:
	case OPT_VARIANTS:
		return 1;
	case OPT_COVERAGE:
		return cmd != CMD_ANALYZE;
	case OPT_REST:
		return cmd != CMD_SIZE;
	case OPT_SEED:
	case OPT_HASHV:
	case OPT_STRATIFY:
		return cmd == CMD_ASSIGN;
	case OPT_BASELINE:
	case OPT_MDE:
	case OPT_N:
	case OPT_POWER:
	case OPT_ONE_SIDED:
		return cmd == CMD_SIZE;
	case OPT_ALPHA:
	case OPT_FORMAT:
		return cmd != CMD_ASSIGN;
	default:
		return cmd == CMD_ANALYZE;
	}
}

/* A number from lo to hi (open or closed ends as the caller checks). */
static double
opt_num(const mbr_cli *c, const char *opt, const char *s, double lo,
    double hi)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (*s == '\0' || *end != '\0' || errno != 0 || !isfinite(v) ||
	    v < lo || v > hi)
		mbr_usage_error(c, "--%s: \"%s\" is not a number from %g to %g",
		    opt, s, lo, hi);
	return v;
}

static int64_t
opt_dur(const mbr_cli *c, const char *opt, const char *s)
{
	int64_t v;

	if (mbr_dur_parse(s, &v) != 0 || v <= 0)
		mbr_usage_error(c, "--%s: \"%s\" is not a length of time such "
		    "as 7d, 48h or 30m", opt, s);
	return v;
}

int
main(int argc, char *argv[])
{
	static const char *const cmds[] = { "assign", "size", "analyze" };
	mbr_cli c = { .usage = usage_text };
	mbr_assign_opts ao;
	mbr_analyze_opts an;
	mbr_size_opts so;
	mbr_variants v;
	mbr_err err = { 0 };
	const char *variants = NULL, *coverage = NULL, *mde = NULL;
	char **strat = NULL, *stratbuf = NULL, msg[256];
	int ch, cmd = -1, i, rc, have_v = 0;

	mbr_setprogname("mbr-abtest");
	memset(&ao, 0, sizeof(ao));
	memset(&an, 0, sizeof(an));
	memset(&so, 0, sizeof(so));
	memset(&v, 0, sizeof(v));
	if (argc >= 2)
		for (i = 0; i < 3; i++)
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
			mbr_usage_error(&c, "no subcommand: assign, size or "
			    "analyze");
		mbr_usage_error(&c, "\"%s\" is no subcommand: assign, size or "
		    "analyze", argv[1]);
	}
	c.help = cmd == CMD_ASSIGN ? help_assign : cmd == CMD_SIZE ?
	    help_size : help_analyze;
	argc--;
	argv++;
	ao.hash_version = 2;
	an.window = 7 * 86400;
	an.alpha = 0.05;
	an.min_members = 100;
	so.alpha = 0.05;
	so.power = 0.8;
	so.variants = 2;
	so.coverage = 1;
	while ((ch = getopt_long(argc, argv, MBR_CLI_SHORTOPTS "a:", lopts,
	    NULL)) != -1) {
		if (mbr_cli_opt(&c, ch, optarg))
			continue;
		if (ch != '?' && !takes(cmd, ch == 'a' ? 0 : ch)) {
			const struct option *lo = lopts;

			while (lo->name != NULL && lo->val != ch)
				lo++;
			mbr_usage_error(&c, "--%s: not an option of %s",
			    lo->name != NULL ? lo->name : "?", cmds[cmd]);
		}
		switch (ch) {
		case 'a':
			an.assignments = optarg;
			break;
		case OPT_ALPHA:
			an.alpha = so.alpha = opt_num(&c, "alpha", optarg,
			    1e-9, 0.5);
			break;
		case OPT_BASELINE:
			so.baseline = opt_num(&c, "baseline", optarg, 1e-9,
			    1 - 1e-9);
			break;
		case OPT_CONTROL:
			an.control = optarg;
			break;
		case OPT_COST:
			an.cost = optarg;
			break;
		case OPT_COVARIATE:
			an.covariate = optarg;
			break;
		case OPT_COVERAGE:
			coverage = optarg;
			so.coverage = opt_num(&c, "coverage", optarg, 0, 1);
			break;
		case OPT_EXPERIMENT:
			ao.experiment = an.experiment = optarg;
			break;
		case OPT_FORMAT:
			if (strcmp(optarg, "text") == 0)
				an.text = so.text = 1;
			else if ((c.out_format = mbr_format_parse(optarg)) <
			    0 || c.out_format == MBR_FMT_TSV)
				mbr_usage_error(&c, "--format: \"%s\" is not "
				    "csv, ndjson or text", optarg);
			break;
		case OPT_HASHV:
			ao.hash_version = (int)mbr_opt_int("--hash-version",
			    optarg, 1, 2);
			break;
		case OPT_HOLDOUT:
			an.holdout = optarg;
			break;
		case OPT_MDE:
			mde = optarg;
			break;
		case OPT_MERGE:
			an.merge = 1;
			break;
		case OPT_METRIC:
			if (strcmp(optarg, "conversion") == 0)
				an.metric = MBR_METRIC_CONVERSION;
			else if (strcmp(optarg, "revenue") == 0)
				an.metric = MBR_METRIC_REVENUE;
			else
				mbr_usage_error(&c, "--metric: \"%s\" is not "
				    "conversion or revenue", optarg);
			break;
		case OPT_MIN_MEMBERS:
			an.min_members = mbr_opt_int("--min-members", optarg,
			    0, INT64_MAX);
			break;
		case OPT_N:
			so.n = mbr_opt_int("--n", optarg, 2, 1LL << 50);
			break;
		case OPT_ONE_SIDED:
			so.one_sided = 1;
			break;
		case OPT_PARTIAL:
			an.partial = 1;
			break;
		case OPT_POWER:
			so.power = opt_num(&c, "power", optarg, 0.01, 0.9999);
			break;
		case OPT_PRE_WINDOW:
			an.pre_window = opt_dur(&c, "pre-window", optarg);
			break;
		case OPT_REST:
			ao.rest = an.rest = optarg;
			break;
		case OPT_SEED:
			ao.seed = optarg;
			break;
		case OPT_STRATIFY:
			stratbuf = optarg;
			break;
		case OPT_STRICT:
			an.strict = 1;
			break;
		case OPT_VARIANTS:
			variants = optarg;
			break;
		case OPT_WINDOW:
			an.window = opt_dur(&c, "window", optarg);
			an.window_set = 1;
			break;
		default:
			fputs(usage_text, stderr);
			return MBR_EUSAGE;
		}
	}
	argc -= optind;
	argv += optind;
	/* size's --variants is a count, or the names */
	if (variants != NULL && cmd == CMD_SIZE) {
		char *end;
		long k = strtol(variants, &end, 10);

		if (*end == '\0' && k >= 2 && k <= 100)
			so.variants = (int)k;
		else if (mbr_variants_parse(&v, variants, msg,
		    sizeof(msg)) == 0) {
			so.variants = v.n;
			have_v = 1;
		} else
			mbr_usage_error(&c, "--variants: \"%s\" is not a "
			    "count from 2 to 100 or a list of variants",
			    variants);
	} else if (variants != NULL) {
		if (mbr_variants_parse(&v, variants, msg, sizeof(msg)) != 0)
			mbr_usage_error(&c, "--variants: %s", msg);
		have_v = 1;
	}
	switch (cmd) {
	case CMD_ASSIGN:
		if (ao.experiment == NULL)
			mbr_usage_error(&c, "assign: --experiment is needed");
		if (!have_v)
			mbr_usage_error(&c, "assign: --variants is needed");
		ao.v = &v;
		ao.coverage = coverage;
		if (stratbuf != NULL) {
			char *p, *save = NULL;
			size_t n = 0;

			stratbuf = mbr_xstrdup(stratbuf);
			strat = mbr_xcalloc(strlen(stratbuf) + 1,
			    sizeof(*strat));
			for (p = strtok_r(stratbuf, ",", &save); p != NULL;
			    p = strtok_r(NULL, ",", &save))
				strat[n++] = p;
			if (n == 0)
				mbr_usage_error(&c, "--stratify: no field");
			ao.stratify = (const char *const *)strat;
			ao.nstratify = n;
		}
		rc = mbr_assign_run(&c, &ao, argc, argv, &err);
		break;
	case CMD_SIZE:
		if (argc > 0)
			mbr_usage_error(&c, "size reads no input: \"%s\"",
			    argv[0]);
		if (so.baseline == 0)
			mbr_usage_error(&c, "size: --baseline is needed");
		if ((mde == NULL) == (so.n == 0))
			mbr_usage_error(&c, "size: give --mde or --n, one of "
			    "them");
		if (coverage != NULL && so.n == 0)
			mbr_usage_error(&c, "size: --coverage goes with --n");
		if (mde != NULL) {
			size_t n = strlen(mde);
			char buf[64];

			if (n > 0 && n < sizeof(buf) && mde[n - 1] == '%') {
				memcpy(buf, mde, n - 1);
				buf[n - 1] = '\0';
				so.rel = 1;
				so.mde = opt_num(&c, "mde", buf, -100, 1e6);
			} else
				so.mde = opt_num(&c, "mde", mde, -1, 1);
			so.have_mde = 1;
		}
		rc = mbr_size_run(&c, &so, &err);
		break;
	default:
		if (an.merge && an.partial)
			mbr_usage_error(&c, "--merge and --partial do not go "
			    "together: merge the partials in one run");
		if (an.merge && (an.assignments != NULL ||
		    an.holdout != NULL))
			mbr_usage_error(&c, "--merge reads partials, not "
			    "--assignments or --holdout");
		if (have_v)
			for (i = 0; i < v.n; i++)
				if (v.num[i] == 0)
					mbr_usage_error(&c, "--variants: %s has "
					    "weight 0: nobody can be in it",
					    v.name[i]);
		if (!an.merge && an.assignments == NULL)
			mbr_usage_error(&c, "analyze: --assignments is needed");
		if (an.text && an.partial)
			mbr_usage_error(&c, "--partial writes records, not "
			    "--format text");
		if (an.pre_window > 0 && (an.covariate == NULL ||
		    strcmp(an.covariate, "pre_spend") != 0))
			mbr_usage_error(&c, "--pre-window goes with "
			    "--covariate pre_spend");
		if (an.cost != NULL && an.holdout == NULL && !an.merge)
			mbr_usage_error(&c, "--cost-per-send goes with "
			    "--holdout");
		an.v = have_v ? &v : NULL;
		rc = mbr_analyze_run(&c, &an, argc, argv, &err);
		break;
	}
	(void)rc;
	mbr_variants_free(&v);
	free(strat);
	free(stratbuf);
	return mbr_exit(&err);
}
