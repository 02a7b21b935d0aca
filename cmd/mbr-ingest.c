/* mbr-ingest: turn raw exports into canonical order, behaviour-event or
 * member-profile records. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mbr_cli.h"
#include "mbr_ingest.h"
#include "mbr_money.h"
#include "mbr_preset.h"

static const char usage_text[] =
    "usage: mbr-ingest [-qz] [--check] [--preset name | --map file.json]\n"
    "                  [--default-country cc] [--currency code] [--tz zone]\n"
    "                  [--encoding enc] [-d delim] [--decimal-comma]\n"
    "                  [--round half-even|half-up] [--kind orders|events|members]\n"
    "                  [--input-format fmt] [--output-format fmt] [-o file]\n"
    "                  [--rejects file] [--max-rejects n|n%] [--threads n]\n"
    "                  [--show-preset name] [file ...]\n";

static const char help_text[] =
"Turns exports into canonical orders, events or profiles (mbr-ingest(1)).\n"
"      --preset NAME       online-retail, shopify, woocommerce, tmall, jd,\n"
"                          taobao, wechat-members, members or canonical\n"
"                          (default: told by each file's header)\n"
"      --map FILE.json     the layout of another export (mbr-ingest(1) MAP FILES)\n"
"      --show-preset NAME  print a preset: a map to start from\n"
"      --currency CODE     currency of exports that do not say (CNY)\n"
"      --default-country CC  calling code of phones without one (86)\n"
"      --round half-even|half-up  round amounts finer than the minor unit\n"
"                          (default: reject them)\n"
"      --check             validate only: write nothing, any reject fails\n"
"      --kind orders|events|members  canonical orders, behaviour events\n"
"                          (member_id, ts, event, sku, ...) or member profiles\n"
"                          (member_id, name, ..., consent_sms, ...); default:\n"
"                          what the preset makes, orders if it does not say\n";

enum {
	OPT_CHECK = MBR_OPT_FIRST_OWN,
	OPT_CURRENCY,
	OPT_DEFAULT_COUNTRY,
	OPT_KIND,
	OPT_MAP,
	OPT_PRESET,
	OPT_ROUND,
	OPT_SHOW_PRESET
};

int
main(int argc, char *argv[])
{
	static const struct option lopts[] = {
		{ "check",		no_argument,	   NULL, OPT_CHECK },
		{ "currency",		required_argument, NULL, OPT_CURRENCY },
		{ "default-country",	required_argument, NULL,
		    OPT_DEFAULT_COUNTRY },
		{ "kind",		required_argument, NULL, OPT_KIND },
		{ "map",		required_argument, NULL, OPT_MAP },
		{ "preset",		required_argument, NULL, OPT_PRESET },
		{ "round",		required_argument, NULL, OPT_ROUND },
		{ "show-preset",	required_argument, NULL, OPT_SHOW_PRESET },
		MBR_CLI_LONGOPTS
	};
	mbr_cli c = { .usage = usage_text, .help = help_text };
	mbr_ingest_opts o = { .cc = 86, .currency = "CNY" };
	mbr_err err = { 0 };
	const char *text;
	int ch;

	mbr_setprogname("mbr-ingest");
	while ((ch = getopt_long(argc, argv, MBR_CLI_SHORTOPTS, lopts,
	    NULL)) != -1) {
		if (mbr_cli_opt(&c, ch, optarg))
			continue;
		switch (ch) {
		case OPT_CHECK:
			o.check = 1;
			break;
		case OPT_CURRENCY:
			o.currency = optarg;
			break;
		case OPT_DEFAULT_COUNTRY:
			o.cc = (unsigned)mbr_opt_int("--default-country",
			    optarg, 1, 999);
			break;
		case OPT_KIND:
			if (strcmp(optarg, "events") == 0)
				o.kind = MBR_KIND_EVENTS;
			else if (strcmp(optarg, "orders") == 0)
				o.kind = MBR_KIND_ORDERS;
			else if (strcmp(optarg, "members") == 0)
				o.kind = MBR_KIND_MEMBERS;
			else
				mbr_usage_error(&c, "--kind: \"%s\" is not "
				    "orders, events or members", optarg);
			break;
		case OPT_MAP:
			o.map = optarg;
			break;
		case OPT_PRESET:
			o.preset = optarg;
			break;
		case OPT_ROUND:
			if (strcmp(optarg, "half-even") == 0)
				o.round = MBR_ROUND_HALF_EVEN;
			else if (strcmp(optarg, "half-up") == 0)
				o.round = MBR_ROUND_HALF_UP;
			else
				mbr_usage_error(&c, "--round: \"%s\" is not "
				    "half-even or half-up", optarg);
			break;
		case OPT_SHOW_PRESET:
			if ((text = mbr_preset_text(optarg)) == NULL)
				mbr_usage_error(&c, "--show-preset: unknown "
				    "preset \"%s\"", optarg);
			mbr_cli_print_exit(text);
		default:
			fputs(usage_text, stderr);
			return MBR_EUSAGE;
		}
	}
	mbr_ingest_run(&c, &o, argc - optind, argv + optind, &err);
	return mbr_exit(&err);
}
