/* mbr_cli.c: see mbr_cli.h. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mbr.h"
#include "mbr_cli.h"
#include "mbr_csv.h"
#include "mbr_io.h"

void
mbr_usage_error(const mbr_cli *c, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", mbr_progname());
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	if (c != NULL && c->usage != NULL)
		fputs(c->usage, stderr);
	exit(MBR_EUSAGE);
}

long long
mbr_opt_int(const char *opt, const char *s, long long min, long long max)
{
	long long v = 0;
	const char *p = s;
	int neg = 0;

	if (*p == '-' || *p == '+')
		neg = *p++ == '-';
	if (*p == '\0')
		goto bad;
	for (; *p; p++) {
		if (*p < '0' || *p > '9' || v > (max > 0 ? max : -min))
			goto bad;
		v = v * 10 + (*p - '0');
	}
	if (neg)
		v = -v;
	if (v < min || v > max) {
		fprintf(stderr, "%s: %s: \"%s\" is not between %lld and "
		    "%lld\n", mbr_progname(), opt, s, min, max);
		exit(MBR_EUSAGE);
	}
	return v;
bad:
	fprintf(stderr, "%s: %s: \"%s\" is not a whole number\n",
	    mbr_progname(), opt, s);
	exit(MBR_EUSAGE);
}

void
mbr_opt_limit(mbr_limit *l, const char *opt, const char *s)
{
	size_t n = strlen(s);
	uint64_t v = 0, frac = 0, scale = 10000;
	const char *p = s;

	memset(l, 0, sizeof(*l));
	l->set = 1;
	snprintf(l->text, sizeof(l->text), "%s", s);
	if (n > 1 && s[n - 1] == '%') {
		/* P%, with up to four decimals: parts per million */
		l->pct = 1;
		for (; *p >= '0' && *p <= '9' && v < 1000; p++)
			v = v * 10 + (uint64_t)(*p - '0');
		if (*p == '.')
			for (p++; *p >= '0' && *p <= '9' && scale > 1; p++) {
				scale /= 10;
				frac += (uint64_t)(*p - '0') * scale;
			}
		if (p != s + n - 1 || v > 100 || p == s)
			goto bad;
		l->ppm = v * 10000 + frac;
		if (l->ppm > 1000000)
			goto bad;
		return;
	}
	l->n = (uint64_t)mbr_opt_int(opt, s, 0, (long long)1 << 62);
	return;
bad:
	fprintf(stderr, "%s: %s: \"%s\" is not a count or a percentage\n",
	    mbr_progname(), opt, s);
	exit(MBR_EUSAGE);
}

/* The shared options, a line each, for every program's --help. */
static const char shared_help[] =
"Input and output:\n"
"  -d, --delimiter C       CSV delimiter (default: the one of , ; TAB | most\n"
"                          found in the header; ' ' as --whitespace)\n"
"      --whitespace        fields split at runs of blanks (aligned text)\n"
"      --widths W1,W2,...  fixed-width fields, in display columns\n"
"      --columns A,B,...   names for a file without a header\n"
"      --header-row use|skip  skip: the first line is no data\n"
"      --encoding ENC      convert from gb18030, gbk, utf-16, ... (else UTF-8)\n"
"      --input-format F    csv, tsv, ndjson or auto (default: detected)\n"
"      --output-format F   csv, tsv or ndjson (default: as the input)\n"
"  -o, --output FILE       write to FILE, replaced when the run ends well\n"
"  -z, --gzip              gzip the output\n"
"      --rejects FILE      records that cannot be used, with reason and place\n"
"      --max-rejects N|P%  fail (exit 1) past this many rejects (default:\n"
"                          fail only when every record is rejected)\n"
"Time and money:\n"
"      --as-of TIME        \"now\", ISO 8601 (default: the clock)\n"
"      --tz ZONE           zone of times without an offset, and of days\n"
"      --date-order ORD    slash dates: mdy (default), dmy or ymd\n"
"      --decimal-comma     amounts written 1.234,56\n"
"Running:\n"
"      --threads N         threads to use (default: 2 on two cores or more)\n"
"  -q, --quiet             no progress line, no summary\n"
"  -h, --help              this help\n"
"  -V, --version           the version\n"
"Exit status: 0 success, 1 data errors over the limit, 2 usage, 3 I/O.\n";

int
mbr_cli_opt(mbr_cli *c, int ch, const char *arg)
{
	switch (ch) {
	case MBR_OPT_AS_OF:
		c->as_of = arg;
		break;
	case MBR_OPT_TZ:
		c->tz = arg;
		break;
	case MBR_OPT_REJECTS:
		c->rejects = arg;
		break;
	case MBR_OPT_MAX_REJECTS:
		mbr_opt_limit(&c->max_rejects, "--max-rejects", arg);
		break;
	case MBR_OPT_INPUT_FORMAT:
		if ((c->ro.format = mbr_format_parse(arg)) == MBR_FMT_TSV) {
			c->ro.format = MBR_FMT_CSV;
			c->ro.delim = '\t';
		} else if (c->ro.format < 0)
			mbr_usage_error(c, "--input-format: \"%s\" is not "
			    "csv, tsv, ndjson or auto", arg);
		break;
	case MBR_OPT_OUTPUT_FORMAT:
		if ((c->out_format = mbr_format_parse(arg)) < 0)
			mbr_usage_error(c, "--output-format: \"%s\" is not "
			    "csv, tsv or ndjson", arg);
		break;
	case MBR_OPT_ENCODING:
		c->ro.encoding = arg;
		break;
	case MBR_OPT_WHITESPACE:
		c->ro.delim = MBR_CSV_BLANKS;
		break;
	case MBR_OPT_COLUMNS:
		if (*arg == '\0')
			mbr_usage_error(c, "--columns: no column names");
		c->ro.columns = arg;
		break;
	case MBR_OPT_DATE_ORDER:
		if ((c->date_order = mbr_date_order_parse(arg)) < 0)
			mbr_usage_error(c, "--date-order: \"%s\" is not mdy, "
			    "dmy or ymd", arg);
		break;
	case MBR_OPT_WIDTHS: {
		const char *p = arg;
		char *e;
		unsigned long w;

		c->ro.nwidths = 0;
		for (;;) {
			w = strtoul(p, &e, 10);
			if (e == p || *p < '0' || *p > '9' || w == 0 ||
			    w > 1000000 || (*e != ',' && *e != '\0') ||
			    c->ro.nwidths == MBR_MAXWIDTHS)
				mbr_usage_error(c, "--widths: \"%s\" is not a "
				    "list of column widths (6,10,8)", arg);
			c->widths[c->ro.nwidths++] = (unsigned)w;
			if (*e == '\0')
				break;
			p = e + 1;
		}
		c->ro.widths = c->widths;
		break;
	}
	case MBR_OPT_HEADER_ROW:
		if (strcmp(arg, "skip") == 0)
			c->ro.skip_header = 1;
		else if (strcmp(arg, "use") == 0)
			c->ro.skip_header = 0;
		else
			mbr_usage_error(c, "--header-row: \"%s\" is not use "
			    "or skip", arg);
		break;
	case 'd':
		/* -d ' ' is --whitespace: runs of blanks */
		if (strcmp(arg, "\\t") == 0 || strcmp(arg, "tab") == 0)
			c->ro.delim = '\t';
		else if (strlen(arg) == 1 && arg[0] != '"' &&
		    arg[0] != '\n' && arg[0] != '\r')
			c->ro.delim = (unsigned char)arg[0];
		else
			mbr_usage_error(c, "-d: \"%s\" is not a one-character "
			    "delimiter", arg);
		break;
	case 'q':
		c->quiet = 1;
		break;
	case 'z':
		c->gzip = 1;
		break;
	case 'o':
		c->output = arg;
		break;
	case MBR_OPT_THREADS:
		c->threads = (int)mbr_opt_int("--threads", arg, 1, 1024);
		break;
	case MBR_OPT_DECIMAL_COMMA:
		c->decimal_comma = 1;
		break;
	case 'h': {
		mbr_buf b;

		mbr_buf_init(&b);
		mbr_buf_adds(&b, c->usage);
		if (c->help != NULL) {
			mbr_buf_adds(&b, "\n");
			mbr_buf_adds(&b, c->help);
		}
		mbr_buf_adds(&b, "\n");
		mbr_buf_adds(&b, shared_help);
		mbr_cli_print_exit(b.p);	/* (b goes with the process) */
	}
	case 'V':
		printf("%s %s\n", mbr_progname(), MBR_VERSION);
		mbr_cli_print_exit("");
	default:
		return 0;
	}
	return 1;
}

void
mbr_cli_print_exit(const char *text)
{
	if (fputs(text, stdout) == EOF || fflush(stdout) != 0) {
		fprintf(stderr, "%s: stdout: write error: %s\n",
		    mbr_progname(), strerror(errno));
		exit(MBR_EIO);
	}
	exit(0);
}

int
mbr_run_open(mbr_run *r, const mbr_cli *c, int nfiles, char *const files[],
    int want_writer, mbr_err *err)
{
	mbr_reader_opts ro = c->ro;
	int rc, fmt;

	memset(r, 0, sizeof(*r));
	mbr_output_hold();
	ro.progress = !c->quiet;
	if ((rc = mbr_reader_open(&r->rd, &ro, nfiles, files, err)) != MBR_OK)
		return rc;
	if (want_writer) {
		/* The output follows the first input's format unless
		 * --output-format says. */
		fmt = c->out_format;
		if (fmt == MBR_FMT_AUTO) {
			if ((rc = mbr_reader_start(r->rd, err)) != MBR_OK)
				return rc;
			fmt = mbr_reader_format(r->rd);
		}
		if ((rc = mbr_writer_open(&r->w, c->output, fmt, c->gzip, 0,
		    err)) != MBR_OK)
			return rc;
	}
	if ((rc = mbr_rejects_open(&r->rj, c->rejects, c->quiet, err)) !=
	    MBR_OK && r->w != NULL) {
		/* Nothing written yet: the -o file stays as it was. */
		mbr_writer_close(r->w, &(mbr_err){ 0 });
		r->w = NULL;
		mbr_output_release(0, NULL);
	}
	return rc;
}

int
mbr_run_close(mbr_run *r, const mbr_cli *c, mbr_err *err)
{
	mbr_err e2 = { 0 };
	int rc = err->code, rc2;

	rc2 = mbr_rejects_close(r->rj, (r->rd ? mbr_reader_count(r->rd) :
	    0) + r->side, &c->max_rejects, &e2);
	if (rc == MBR_OK && rc2 != MBR_OK) {
		*err = e2;
		rc = rc2;
	}
	e2.code = 0;
	rc2 = mbr_writer_close(r->w, &e2);
	if (rc2 != MBR_OK && (rc == MBR_OK || rc2 == MBR_EIO)) {
		*err = e2;
		rc = rc2;
	}
	/* The named files the run wrote replace yesterday's only if it
	 * ended well; over --max-rejects too it leaves them as they were
	 * (the rejects file, written in place, tells why). */
	e2.code = 0;
	rc2 = mbr_output_release(rc == MBR_OK, &e2);
	if (rc2 != MBR_OK && rc == MBR_OK) {
		*err = e2;
		rc = rc2;
	}
	mbr_reader_free(r->rd);
	memset(r, 0, sizeof(*r));
	return rc;
}

int
mbr_exit(const mbr_err *err)
{
	if (err->code == MBR_OK)
		return 0;
	return mbr_err_print(err);
}

int
mbr_cli_tz(const mbr_cli *c, mbr_tz **tz, mbr_err *err)
{
	int rc;

	if ((rc = mbr_tz_open(tz, c->tz, err)) == MBR_OK)
		mbr_tz_date_order(*tz, c->date_order);
	return rc;
}

int
mbr_cli_threads(const mbr_cli *c)
{
	long n;

	if (c->threads > 0)
		return c->threads;
	n = sysconf(_SC_NPROCESSORS_ONLN);
	return n >= 2 ? 2 : 1;
}

int
mbr_side_open(const mbr_cli *c, mbr_reader **rd, const char *path,
    const char *const *need, int *ix, int n, int nreq, mbr_err *err)
{
	mbr_reader_opts ro = c->ro;
	char *files[1] = { (char *)path };
	size_t nh;
	int i, rc;

	ro.progress = 0;
	ro.columns = NULL;
	if ((rc = mbr_reader_open(rd, &ro, 1, files, err)) != MBR_OK)
		return rc;
	for (i = 0; i < n; i++)
		ix[i] = mbr_reader_col(*rd, need[i], strlen(need[i]));
	if ((rc = mbr_reader_start(*rd, err)) != MBR_OK)
		return rc;
	mbr_reader_header(*rd, &nh);
	if (mbr_reader_format(*rd) == MBR_FMT_CSV && nh > 0)
		for (i = 0; i < nreq; i++)
			if (!mbr_reader_has(*rd, ix[i])) {
				mbr_err_set(err, MBR_EUSAGE, "missing column "
				    "\"%s\"", need[i]);
				mbr_err_at(err, path, 1);
				return MBR_EUSAGE;
			}
	return MBR_OK;
}
