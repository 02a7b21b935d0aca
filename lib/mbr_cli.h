/* mbr_cli.h: the options every program shares, and the opening and
 * closing of a run that every program does the same way.
 *
 * Only cmd/ calls this: the mbr_opt_* parsers print and exit 2 on a bad
 * value ("mbr-rfm: --scores: \"12\" is not between 3 and 10"). */
#ifndef MBR_CLI_H
#define MBR_CLI_H
#include <getopt.h>
#include <stdint.h>
#include "mbr_reader.h"
#include "mbr_reject.h"
#include "mbr_time.h"
#include "mbr_writer.h"

enum {
	MBR_OPT_AS_OF = 256,
	MBR_OPT_TZ,
	MBR_OPT_REJECTS,
	MBR_OPT_MAX_REJECTS,
	MBR_OPT_INPUT_FORMAT,
	MBR_OPT_OUTPUT_FORMAT,
	MBR_OPT_ENCODING,
	MBR_OPT_DELIM,
	MBR_OPT_QUIET,
	MBR_OPT_GZIP,
	MBR_OPT_OUTPUT,
	MBR_OPT_DECIMAL_COMMA,
	MBR_OPT_HELP,
	MBR_OPT_THREADS,
	MBR_OPT_VERSION,
	MBR_OPT_WHITESPACE,
	MBR_OPT_COLUMNS,
	MBR_OPT_HEADER_ROW,
	MBR_OPT_WIDTHS,
	MBR_OPT_DATE_ORDER,
	MBR_OPT_FIRST_OWN	/* a program's own options start here */
};

/* getopt_long entries for the shared options; a program's table lists
 * its own and then MBR_CLI_LONGOPTS. */
#define MBR_CLI_LONGOPTS						\
	{ "as-of",		required_argument, NULL, MBR_OPT_AS_OF }, \
	{ "columns",		required_argument, NULL, MBR_OPT_COLUMNS }, \
	{ "date-order",		required_argument, NULL, MBR_OPT_DATE_ORDER }, \
	{ "decimal-comma",	no_argument,	   NULL, MBR_OPT_DECIMAL_COMMA }, \
	{ "delimiter",		required_argument, NULL, 'd' },		\
	{ "encoding",		required_argument, NULL, MBR_OPT_ENCODING }, \
	{ "gzip",		no_argument,	   NULL, 'z' },		\
	{ "header-row",		required_argument, NULL, MBR_OPT_HEADER_ROW }, \
	{ "help",		no_argument,	   NULL, 'h' },		\
	{ "input-format",	required_argument, NULL, MBR_OPT_INPUT_FORMAT }, \
	{ "max-rejects",	required_argument, NULL, MBR_OPT_MAX_REJECTS }, \
	{ "output",		required_argument, NULL, 'o' },		\
	{ "output-format",	required_argument, NULL, MBR_OPT_OUTPUT_FORMAT }, \
	{ "quiet",		no_argument,	   NULL, 'q' },		\
	{ "rejects",		required_argument, NULL, MBR_OPT_REJECTS }, \
	{ "threads",		required_argument, NULL, MBR_OPT_THREADS }, \
	{ "tz",			required_argument, NULL, MBR_OPT_TZ },	\
	{ "version",		no_argument,	   NULL, 'V' },		\
	{ "whitespace",		no_argument,	   NULL, MBR_OPT_WHITESPACE }, \
	{ "widths",		required_argument, NULL, MBR_OPT_WIDTHS }, \
	{ NULL, 0, NULL, 0 }
/* The short options they bring. */
#define MBR_CLI_SHORTOPTS "d:ho:qVz"

#define MBR_MAXWIDTHS 1024

typedef struct {
	mbr_reader_opts	 ro;
	int		 out_format;	/* MBR_FMT_AUTO: as the input */
	int		 gzip;		/* -z */
	const char	*output;	/* -o; NULL: stdout */
	const char	*rejects;
	mbr_limit	 max_rejects;
	const char	*as_of;
	const char	*tz;
	int		 date_order;	/* --date-order: MBR_DATE_* */
	int		 quiet;
	int		 decimal_comma;
	int		 threads;	/* --threads; 0: the default */
	unsigned	 widths[MBR_MAXWIDTHS];	/* --widths */
	const char	*usage;		/* the program's usage text */
	const char	*help;		/* its own options, a line each, for
					 * --help before the shared ones */
} mbr_cli;

/* Handles a shared option; returns 1 if ch was one.  -h and -V print
 * and exit 0 (mbr_cli_print_exit). */
int	mbr_cli_opt(mbr_cli *c, int ch, const char *arg);
/* Writes text (and whatever else is buffered) to standard output and
 * exits 0, or 3 with "prog: stdout: write error: ..." when it cannot be
 * written: --help > /dev/full is no success. */
void	mbr_cli_print_exit(const char *text) __attribute__((noreturn));

/* Opens --tz (mbr_tz_open), reading slash dates in --date-order. */
int	mbr_cli_tz(const mbr_cli *c, mbr_tz **tz, mbr_err *err);

/* The threads to use: --threads, else 2 when the machine has two cores
 * or more, else 1. */
int	mbr_cli_threads(const mbr_cli *c);

/* Option value parsers: exit 2 with a message naming the option. */
long long mbr_opt_int(const char *opt, const char *s, long long min,
	    long long max);
void	mbr_opt_limit(mbr_limit *l, const char *opt, const char *s);
/* Prints "prog: msg" and the usage to stderr, exits 2. */
void	mbr_usage_error(const mbr_cli *c, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3), noreturn));

/* A run's streams: opened in this order, so that an unreadable input
 * exits 3 before a byte is written. */
typedef struct {
	mbr_reader	*rd;
	mbr_writer	*w;	/* NULL if the program opens none */
	mbr_rejects	*rj;
	uint64_t	 side;	/* records read from other inputs (profiles,
				 * events), whose rejects count too */
} mbr_run;

/* Opens the inputs, then (if want_writer) the output in the input's
 * format unless --output-format says, then the rejects, so that an
 * unreadable input or an unwritable -o or --rejects file fails before
 * any work.  Holds the run's named output files (mbr_output_hold):
 * -o's, and any the program opens with mbr_writer_open until
 * mbr_run_close. */
int	mbr_run_open(mbr_run *r, const mbr_cli *c, int nfiles,
	    char *const files[], int want_writer, mbr_err *err);
/* Closes all; the rejects summary and limit are judged against the
 * records read.  Returns the first error's code (err filled), which
 * is err's own when it comes in set: a run that failed.  Only when the
 * run ends well do its named output files replace the old ones
 * (mbr_output_release); the rejects file is written in place. */
int	mbr_run_close(mbr_run *r, const mbr_cli *c, mbr_err *err);
/* Opens a side input (a program's --events, --members, --history ...)
 * with the run's reader options, no progress line: its columns need[0..n)
 * in ix; a CSV header without one of the first nreq is a usage error
 * naming the file. */
int	mbr_side_open(const mbr_cli *c, mbr_reader **rd, const char *path,
	    const char *const *need, int *ix, int n, int nreq, mbr_err *err);
/* For cmd/: prints err if set, returns the exit status. */
int	mbr_exit(const mbr_err *err);
#endif
