/* fuzz_report: mbr-report's whole run (lib/mbr_report.h,
 * man/mbr-report.1), its partials' reader and its page.
 *
 * The first byte chooses options; the rest is a file of orders (CSV or
 * NDJSON, told by its first byte), or of partials with bit 7.
 * Bits 0-1: --period month, week, day (3: month); 2: --by channel;
 * 3: --output-format ndjson (else csv); 4: --tz Asia/Shanghai (else
 * UTC); 5: --html; 6: --lang zh; 7: --merge over the input.  --as-of
 * 2024-11-30T12:00:00Z, --periods 3, --cohorts 3, one thread.
 *
 * Checked, beyond the sanitizers and the leak checker (no run may leak
 * on any exit path):
 *   - every run ends MBR_OK, _EDATA, _EUSAGE or _EIO, with a message
 *     when not MBR_OK;
 *   - a run over orders that ends well: the same orders through
 *     --partial and then --merge give the same bytes (man page,
 *     Partials), and --merge also ends well;
 *   - with --html, a run that ends well writes one HTML document, with
 *     no script, holding one row of the table of all records a record
 *     of the CSV output. */
#include <stdint.h>
#include <string.h>

#include "mbr_cli.h"
#include "mbr_report.h"
#include "fuzz.h"

static void
status_check(int rc, const mbr_err *err, const char *what)
{
	if (rc != MBR_OK && rc != MBR_EDATA && rc != MBR_EUSAGE &&
	    rc != MBR_EIO) {
		fprintf(stderr, "%s: status %d: %s\n", what, rc, err->msg);
		abort();
	}
	if (rc != MBR_OK && err->msg[0] == '\0') {
		fprintf(stderr, "%s: status %d without a message\n", what, rc);
		abort();
	}
}

/* One run of mbr-report over path; its output (and page) into memfds. */
static int
run(uint8_t b, const char *path, int partial, int merge, int fmt,
    struct fuzz_out *out, struct fuzz_out *page, const char *what)
{
	static const int per[4] = { MBR_PERIOD_MONTH, MBR_PERIOD_WEEK,
	    MBR_PERIOD_DAY, MBR_PERIOD_MONTH };
	mbr_report_opts o = MBR_REPORT_OPTS_DEFAULT;
	struct fuzz_out rej;
	char *files[1];
	mbr_cli c;
	mbr_err err;
	int rc, alerts = 0;

	memset(&c, 0, sizeof(c));
	c.quiet = 1;
	c.threads = 1;
	c.as_of = "2024-11-30T12:00:00Z";
	c.tz = (b & 16) ? "Asia/Shanghai" : "UTC";
	c.out_format = fmt;
	fuzz_out_new(out);
	fuzz_out_new(&rej);
	c.output = out->path;
	c.rejects = rej.path;
	o.period = per[b & 3];
	o.periods = 3;
	o.cohorts = 3;
	o.by = (b & 4) ? "channel" : NULL;
	o.partial = partial;
	o.merge = merge;
	if (page != NULL) {
		fuzz_out_new(page);
		o.html = page->path;
		o.zh = (b & 64) != 0;
	}
	files[0] = (char *)path;
	mbr_err_clear(&err);
	rc = mbr_report_run(&c, &o, 1, files, &alerts, &err);
	status_check(rc, &err, what);
	FUZZ_CHECK(alerts == 0);
	close(rej.fd);
	return rc;
}

static size_t
count(const char *hay, const char *needle)
{
	size_t n = 0;

	for (; (hay = strstr(hay, needle)) != NULL; hay++)
		n++;
	return n;
}

/* Records of a CSV output: its lines but the header; fields with
 * quoted newlines count once per record, so lines of the form the
 * writer gives are counted by their record-start "section" values. */
static size_t
records(const char *p)
{
	static const char *const sec[] = { "\nkpi,", "\npareto,",
	    "\ncohort,", "\nsegments,", "\nmigration,", "\npoints,",
	    "\nreach,", "\nabtest," };
	size_t i, n = 0;

	for (i = 0; i < sizeof(sec) / sizeof(sec[0]); i++)
		n += count(p, sec[i]);
	return n;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_out in, o1, pg, pa, o2;
	char *a, *b, *page;
	size_t an, bn, pn;
	uint8_t b0;
	int fmt, rc, html;

	if (size < 1)
		return 0;
	b0 = data[0];
	fmt = (b0 & 8) ? MBR_FMT_NDJSON : MBR_FMT_CSV;
	html = (b0 & 32) != 0;
	FUZZ_CHECK((in.fd = fuzz_memfd(data + 1, size - 1, in.path)) >= 0);

	rc = run(b0, in.path, 0, (b0 & 128) != 0, fmt, &o1,
	    html ? &pg : NULL, "run");
	if (html) {
		page = fuzz_slurp(pg.fd, &pn);
		if (rc == MBR_OK) {
			a = fuzz_slurp(o1.fd, &an);
			FUZZ_CHECK(strncmp(page, "<!DOCTYPE html>", 15) == 0);
			FUZZ_CHECK(count(page, "</html>") == 1);
			FUZZ_CHECK(count(page, "<script") == 0);
			if (fmt == MBR_FMT_CSV)
				FUZZ_CHECK(count(page,
				    "<tr class=\"record\">") == records(a));
			free(a);
		}
		/* A run that fails may have written the page: a memfd is
		 * written in place, as a FIFO would be (mbr_output_open);
		 * a named file is replaced whole or not at all. */
		free(page);
		close(pg.fd);
	}
	if (rc == MBR_OK && !(b0 & 128)) {
		/* the same orders as a partial, merged */
		rc = run(b0, in.path, 1, 0, MBR_FMT_CSV, &pa, NULL,
		    "partial");
		FUZZ_CHECK(rc == MBR_OK);
		rc = run(b0, pa.path, 0, 1, fmt, &o2, NULL, "merge");
		FUZZ_CHECK(rc == MBR_OK);
		a = fuzz_slurp(o1.fd, &an);
		b = fuzz_slurp(o2.fd, &bn);
		if (an != bn || memcmp(a, b, an) != 0) {
			fprintf(stderr, "merge of the partial differs:\n%s\n---\n"
			    "%s\n", a, b);
			abort();
		}
		free(a);
		free(b);
		close(pa.fd);
		close(o2.fd);
	}
	close(o1.fd);
	close(in.fd);
	return 0;
}
