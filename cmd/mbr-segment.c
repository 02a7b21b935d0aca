/* mbr-segment: segments and tags by rules, over any record stream. */
#include <sys/stat.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mbr_cli.h"
#include "mbr_segment.h"

static const char usage_text[] =
    "usage: mbr-segment [-qvz] [-r rules] [-e rule] [--where expr]\n"
    "                   [--default-segment name] [--count [segments|tags]]\n"
    "                   [--sum field] [--split dir] [--strict]\n"
    "                   [--as-of time] [--tz zone] [--input-format fmt]\n"
    "                   [--output-format fmt] [-o file] [--rejects file]\n"
    "                   [--max-rejects n|n%] [--threads n] [file ...]\n";

static const char help_text[] =
"Segments and tags records by rules (mbr-segment(1), mbr-expr(5)).\n"
"  -r FILE                 rules from FILE: 'segment NAME = EXPR', 'tag ...'\n"
"  -e RULE                 one rule; -r and -e may repeat, in order\n"
"      --where EXPR        only the records EXPR holds for\n"
"  -v                      only those it does not hold for\n"
"      --default-segment NAME  segment of records no rule takes (empty)\n"
"      --count [segments|tags]  counts and shares instead of records\n"
"      --sum FIELD         with --count, FIELD's sum per row (repeatable)\n"
"      --split DIR         each segment's records to DIR/SEGMENT.csv\n"
"      --strict            a field the input lacks is an error, not a warning\n";

enum {
	OPT_COUNT = MBR_OPT_FIRST_OWN,
	OPT_DEFAULT,
	OPT_SPLIT,
	OPT_STRICT,
	OPT_SUM,
	OPT_WHERE
};

static int
split_check(const char *dir, mbr_err *err)
{
	struct stat st;

	if (stat(dir, &st) != 0)
		return MBR_OK;	/* mbr-segment makes it, or says why not */
	if (!S_ISDIR(st.st_mode))
		errno = ENOTDIR;
	else if (access(dir, W_OK | X_OK) == 0)
		return MBR_OK;
	mbr_err_set(err, MBR_EIO, "%s", strerror(errno));
	mbr_err_at(err, dir, 0);
	return MBR_EIO;
}

int
main(int argc, char *argv[])
{
	static const struct option lopts[] = {
		{ "count",		optional_argument, NULL, OPT_COUNT },
		{ "default-segment",	required_argument, NULL, OPT_DEFAULT },
		{ "split",		required_argument, NULL, OPT_SPLIT },
		{ "strict",		no_argument,	   NULL, OPT_STRICT },
		{ "sum",		required_argument, NULL, OPT_SUM },
		{ "where",		required_argument, NULL, OPT_WHERE },
		MBR_CLI_LONGOPTS
	};
	mbr_cli c = { .usage = usage_text, .help = help_text };
	mbr_segment_opts o = { 0 };
	mbr_segment_src *src;
	const char **sum;
	mbr_err err = { 0 };
	const char *arg;
	int ch;

	mbr_setprogname("mbr-segment");
	/* Each option names at most one rule source or sum field. */
	src = mbr_xcalloc((size_t)argc, sizeof(*src));
	sum = mbr_xcalloc((size_t)argc, sizeof(*sum));
	while ((ch = getopt_long(argc, argv, MBR_CLI_SHORTOPTS "e:r:v", lopts,
	    NULL)) != -1) {
		if (mbr_cli_opt(&c, ch, optarg))
			continue;
		switch (ch) {
		case 'e':
			src[o.nsrc++].text = optarg;
			break;
		case 'r':
			src[o.nsrc++].path = optarg;
			break;
		case 'v':
			o.invert = 1;
			break;
		case OPT_COUNT:
			/* "--count tags" as the issue writes it, as well as
			 * "--count=tags"; a file named tags is ./tags. */
			arg = optarg;
			if (arg == NULL && optind < argc &&
			    (strcmp(argv[optind], "tags") == 0 ||
			    strcmp(argv[optind], "segments") == 0))
				arg = argv[optind++];
			if (arg == NULL || strcmp(arg, "segments") == 0)
				o.count = MBR_COUNT_SEGMENTS;
			else if (strcmp(arg, "tags") == 0)
				o.count = MBR_COUNT_TAGS;
			else
				mbr_usage_error(&c, "--count: \"%s\" is not "
				    "segments or tags", arg);
			break;
		case OPT_DEFAULT:
			o.default_segment = optarg;
			break;
		case OPT_SPLIT:
			o.split = optarg;
			break;
		case OPT_STRICT:
			o.strict = 1;
			break;
		case OPT_SUM:
			sum[o.nsum++] = optarg;
			break;
		case OPT_WHERE:
			if (o.where != NULL)
				mbr_usage_error(&c, "--where: given twice; "
				    "join the conditions with \"and\"");
			o.where = optarg;
			break;
		default:
			fputs(usage_text, stderr);
			return MBR_EUSAGE;
		}
	}
	if (o.nsrc == 0 && o.where == NULL)
		mbr_usage_error(&c, "no rules: give -r file, -e rule or "
		    "--where expr");
	if (o.invert && o.where == NULL)
		mbr_usage_error(&c, "-v inverts --where, which is not given");
	if (o.nsum > 0 && o.count == MBR_COUNT_NONE)
		mbr_usage_error(&c, "--sum goes with --count");
	if (o.split != NULL && o.count != MBR_COUNT_NONE)
		mbr_usage_error(&c, "--split and --count do not go together");
	if (o.split != NULL && c.output != NULL)
		mbr_usage_error(&c, "--split and -o do not go together");
	/* Its files open as their segments' first records come: a --split
	 * path that is a file, or a directory that cannot be written to,
	 * fails now, before any work. */
	if (o.split != NULL && split_check(o.split, &err) != MBR_OK) {
		free(src);
		free(sum);
		return mbr_exit(&err);
	}
	o.src = src;
	o.sum = sum;
	mbr_segment_run(&c, &o, argc - optind, argv + optind, &err);
	free(src);
	free(sum);
	return mbr_exit(&err);
}
