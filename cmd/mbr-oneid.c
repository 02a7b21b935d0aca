/* mbr-oneid: one stable id per person across channels. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "mbr_cli.h"
#include "mbr_io.h"
#include "mbr_oneid.h"

static const char usage_text[] =
    "usage: mbr-oneid [-qz] [--map file] [--map-out file] [--audit file]\n"
    "                 [--profiles-out file]\n"
    "                 [--max-members-per-identifier n]\n"
    "                 [--ignore-identifiers file]\n"
    "                 [--max-per-person type=n,...] [--explain identifier]\n"
    "                 [--outdir dir]\n"
    "                 [--tz zone] [--input-format fmt] [--output-format fmt]\n"
    "                 [-o file] [--rejects file] [--max-rejects n|n%]\n"
    "                 [file ...]\n";

static const char help_text[] =
"Joins the records of one person across channels under one stable id\n"
"(mbr-oneid(1)).\n"
"      --map FILE          the previous run's identity map\n"
"      --map-out FILE      the new identity map\n"
"      --audit FILE        identifiers set aside and links cut, with reasons\n"
"      --profiles-out FILE one merged profile per person\n"
"      --max-members-per-identifier N  an identifier shared by more\n"
"                          would-be people links nothing (20)\n"
"      --ignore-identifiers FILE  identifiers that link nothing\n"
"      --max-per-person TYPE=N,...  caps on a person's identifiers\n"
"      --explain ID        how ID was joined to its person; nothing else\n"
"      --outdir DIR        each input's records to DIR/its name, not stdout\n";

enum {
	OPT_AUDIT = MBR_OPT_FIRST_OWN,
	OPT_EXPLAIN,
	OPT_IGNORE,
	OPT_MAP,
	OPT_MAP_OUT,
	OPT_MAX_MEMBERS,
	OPT_MAX_PER_PERSON,
	OPT_OUTDIR,
	OPT_PROFILES_OUT
};

/* --outdir: each input named, once by its name, and not the file it
 * would be written to; each output path writable (checked before the
 * inputs are read twice). */
static void
check_outdir(const mbr_cli *c, const char *dir, int n, char *const f[])
{
	mbr_err err = { 0 };
	struct stat a, b;
	char *path;
	int i, j;

	if (n == 0)
		mbr_usage_error(c, "--outdir needs the inputs named");
	for (i = 0; i < n; i++) {
		const char *base = strrchr(f[i], '/') ? strrchr(f[i], '/') + 1 :
		    f[i];

		if (strcmp(f[i], "-") == 0)
			mbr_usage_error(c, "--outdir: standard input has no "
			    "name to write it under");
		for (j = 0; j < i; j++) {
			const char *bj = strrchr(f[j], '/') ?
			    strrchr(f[j], '/') + 1 : f[j];

			if (strcmp(base, bj) == 0)
				mbr_usage_error(c, "--outdir: two inputs named "
				    "\"%s\"", base);
		}
	}
	for (i = 0; i < n; i++) {
		const char *base = strrchr(f[i], '/') ? strrchr(f[i], '/') + 1 :
		    f[i];

		path = mbr_xmalloc(strlen(dir) + strlen(base) + 2);
		sprintf(path, "%s/%s", dir, base);
		if (stat(path, &a) == 0 && stat(f[i], &b) == 0 &&
		    a.st_dev == b.st_dev && a.st_ino == b.st_ino)
			mbr_usage_error(c, "--outdir: %s would replace its "
			    "input", path);
		if (mbr_output_check(path, &err) != MBR_OK)
			exit(mbr_exit(&err));
		free(path);
	}
}

int
main(int argc, char *argv[])
{
	static const struct option lopts[] = {
		{ "audit",		required_argument, NULL, OPT_AUDIT },
		{ "explain",		required_argument, NULL, OPT_EXPLAIN },
		{ "ignore-identifiers",	required_argument, NULL, OPT_IGNORE },
		{ "map",		required_argument, NULL, OPT_MAP },
		{ "map-out",		required_argument, NULL, OPT_MAP_OUT },
		{ "max-members-per-identifier", required_argument, NULL,
		    OPT_MAX_MEMBERS },
		{ "max-per-person",	required_argument, NULL,
		    OPT_MAX_PER_PERSON },
		{ "outdir",		required_argument, NULL, OPT_OUTDIR },
		{ "profiles-out",	required_argument, NULL, OPT_PROFILES_OUT },
		MBR_CLI_LONGOPTS
	};
	mbr_cli c = { .usage = usage_text, .help = help_text };
	mbr_oneid_opts o = MBR_ONEID_OPTS_DEFAULT;
	mbr_err err = { 0 };
	const char *outs[4];
	int ch, i;

	mbr_setprogname("mbr-oneid");
	while ((ch = getopt_long(argc, argv, MBR_CLI_SHORTOPTS, lopts,
	    NULL)) != -1) {
		if (mbr_cli_opt(&c, ch, optarg))
			continue;
		switch (ch) {
		case OPT_AUDIT:
			o.audit = optarg;
			break;
		case OPT_EXPLAIN:
			o.explain = optarg;
			break;
		case OPT_IGNORE:
			o.ignore = optarg;
			break;
		case OPT_MAP:
			o.map = optarg;
			break;
		case OPT_MAP_OUT:
			o.map_out = optarg;
			break;
		case OPT_MAX_MEMBERS:
			o.max_members = (uint64_t)mbr_opt_int(
			    "--max-members-per-identifier", optarg, 1,
			    1000000000);
			break;
		case OPT_MAX_PER_PERSON:
			if (mbr_oneid_parse_caps(&o, optarg, &err) != MBR_OK)
				mbr_usage_error(&c, "%s", err.msg);
			break;
		case OPT_OUTDIR:
			o.outdir = optarg;
			break;
		case OPT_PROFILES_OUT:
			o.profiles_out = optarg;
			break;
		default:
			fputs(usage_text, stderr);
			return MBR_EUSAGE;
		}
	}
	if (o.explain != NULL && (o.map_out != NULL || o.audit != NULL ||
	    o.profiles_out != NULL || c.output != NULL || o.outdir != NULL))
		mbr_usage_error(&c, "--explain writes no files: it cannot go "
		    "with -o, --outdir, --map-out, --audit or --profiles-out");
	if (o.outdir != NULL && c.output != NULL)
		mbr_usage_error(&c, "--outdir and -o: the records go to one or "
		    "the other");
	if (o.outdir != NULL)
		check_outdir(&c, o.outdir, argc - optind, argv + optind);
	/* Files written at the end: a path that cannot take them fails
	 * now, before the inputs are read twice. */
	outs[0] = o.map_out;
	outs[1] = o.audit;
	outs[2] = o.profiles_out;
	for (i = 0; i < 3; i++)
		if (outs[i] != NULL && mbr_output_check(outs[i], &err) !=
		    MBR_OK)
			return mbr_exit(&err);
	mbr_oneid_run(&c, &o, argc - optind, argv + optind, &err);
	return mbr_exit(&err);
}
