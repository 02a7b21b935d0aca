/* fuzz_clv: what mbr-clv reads without having computed it (lib/mbr_clv.h,
 * man/mbr-clv.1).  The first byte, modulo 3, says what the rest is; its
 * bits 2-3 choose the merge's options (below).
 *
 *   0  a model for predict --model.  mbr_clv_model_read gives MBR_OK,
 *      or MBR_EUSAGE or MBR_EIO with a message naming the file; read,
 *      r from 1e-8 to 1e4, alpha, a, b to 1e8, p, q and gamma finite
 *      and positive or none of them, the unit 1 or 7 days, a currency known or none.
 *      Then predict with it (mbr_clv_run) over fixed orders of five
 *      members (one purchase; three purchase days; a return and a
 *      purchase of nothing; twenty purchase days; the first in 1990),
 *      as of 2024-04-01 in UTC: the same status as the read, and when
 *      MBR_OK five records whose p_alive is a number in [0, 1],
 *      expected_purchases a finite number >= 0, expected_aov and clv
 *      finite numbers or empty (no Gamma-Gamma), and none without
 *      Gamma-Gamma.
 *   1  up to 3 partials (the rest cut at 0xff bytes, never in UTF-8)
 *      for fit --merge, merged in order and reversed: MBR_OK both ways
 *      or neither (two files wrong in two ways fail on the first read),
 *      each status MBR_OK, _EDATA or _EUSAGE with a message, _EUSAGE
 *      naming one of the files, or an option; MBR_OK writes the same
 *      bytes both ways, a model that mbr_clv_model_read reads back as
 *      above.
 *   2  orders: fit of them in one run, and fit --partial of them (on 1
 *      or 2 threads, the input's length odd: 2, in chunks of 1 to 61
 *      bytes) then fit --merge of that partial: the same status, and
 *      MBR_OK, the same model, byte for byte.
 *
 * Options of the merge (1) and of both runs (2): bits 2-3 of the first
 * byte: none, --unit weeks, --monetary all, --penalizer 0.01.  Every
 * run is quiet, as of 2024-04-01T00:00:00Z in UTC, its output and
 * rejects in memfds.  Beyond these, the sanitizers and the leak checker:
 * no run may leak on any of its exit paths. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mbr_cli.h"
#include "mbr_clv.h"
#include "mbr_money.h"
#include "fuzz.h"

#define MAXPARTS 3
#define ASOF "2024-04-01T00:00:00Z"

/* Whole amounts, no currency: they read in any currency a model has. */
static const char orders[] =
    "order_id,member_id,ts,amount,status\n"
    "1,one,2024-02-01T10:00:00Z,8,paid\n"
    "2,three,2024-01-01T10:00:00Z,10,paid\n"
    "3,three,2024-01-11T10:00:00Z,20,paid\n"
    "4,three,2024-01-31T10:00:00Z,30,paid\n"
    "5,ret,2024-01-01T09:00:00Z,50,paid\n"
    "6,ret,2024-01-11T09:00:00Z,-5,paid\n"
    "7,ret,2024-01-31T09:00:00Z,0,paid\n"
    "8,old,1990-06-01T09:00:00Z,1000,paid\n"
    "9,old,2020-06-01T09:00:00Z,3,paid\n"
    "10,many,2024-01-01T09:00:00Z,1,paid\n"
    "11,many,2024-01-02T09:00:00Z,2,paid\n"
    "12,many,2024-01-03T09:00:00Z,3,paid\n"
    "13,many,2024-01-04T09:00:00Z,4,paid\n"
    "14,many,2024-01-05T09:00:00Z,5,paid\n"
    "15,many,2024-01-06T09:00:00Z,6,paid\n"
    "16,many,2024-01-07T09:00:00Z,7,paid\n"
    "17,many,2024-01-08T09:00:00Z,8,paid\n"
    "18,many,2024-01-09T09:00:00Z,9,paid\n"
    "19,many,2024-01-10T09:00:00Z,10,paid\n"
    "20,many,2024-01-21T09:00:00Z,11,paid\n"
    "21,many,2024-01-22T09:00:00Z,12,paid\n"
    "22,many,2024-01-23T09:00:00Z,13,paid\n"
    "23,many,2024-01-24T09:00:00Z,14,paid\n"
    "24,many,2024-01-25T09:00:00Z,15,paid\n"
    "25,many,2024-01-26T09:00:00Z,16,paid\n"
    "26,many,2024-01-27T09:00:00Z,17,paid\n"
    "27,many,2024-01-28T09:00:00Z,18,paid\n"
    "28,many,2024-01-29T09:00:00Z,19,paid\n"
    "29,many,2024-01-30T09:00:00Z,20,paid\n"
    "30,many,2024-03-30T09:00:00Z,21,paid\n";

struct files {
	int	 fd[MAXPARTS];
	char	 path[MAXPARTS][24];
	char	*list[MAXPARTS];
	char	*rev[MAXPARTS];
	int	 n;
};

/* The parts of data between 0xff bytes, each a memfd. */
static int
cut(const uint8_t *data, size_t size, struct files *f)
{
	const uint8_t *p = data, *end = data + size, *q;
	int i;

	f->n = 0;
	while (f->n < MAXPARTS) {
		q = f->n == MAXPARTS - 1 ? NULL : memchr(p, 0xff,
		    (size_t)(end - p));
		if (q == NULL)
			q = end;
		if ((f->fd[f->n] = fuzz_memfd(p, (size_t)(q - p),
		    f->path[f->n])) < 0) {
			for (i = 0; i < f->n; i++)
				close(f->fd[i]);
			return -1;
		}
		f->list[f->n] = f->path[f->n];
		f->n++;
		if (q == end)
			break;
		p = q + 1;
	}
	for (i = 0; i < f->n; i++)
		f->rev[i] = f->list[f->n - 1 - i];
	return 0;
}

static void
files_close(struct files *f)
{
	int i;

	for (i = 0; i < f->n; i++)
		close(f->fd[i]);
}

static void
status_check(int rc, const mbr_err *err)
{
	if (rc != MBR_OK + 0 && rc != MBR_EDATA && rc != MBR_EUSAGE &&
	    rc != MBR_EIO) {
		fprintf(stderr, "status %d: %s\n", rc, err->msg);
		abort();
	}
	FUZZ_CHECK(rc == err->code);
	if (rc != MBR_OK && err->msg[0] == '\0') {
		fprintf(stderr, "status %d without a message\n", rc);
		abort();
	}
}

/* Whether the error names path: as its place, or in its text. */
static int
names(const mbr_err *err, const char *path)
{
	return strcmp(err->file, path) == 0 || strstr(err->msg, path) != NULL;
}

static int
same_bytes(int fa, int fb, const char *what)
{
	size_t na, nb;
	char *a = fuzz_slurp(fa, &na), *b = fuzz_slurp(fb, &nb);
	int same = na == nb && memcmp(a, b, na) == 0;

	if (!same)
		fprintf(stderr, "%s differ:\n--- %zu bytes\n%.*s\n--- %zu "
		    "bytes\n%.*s\n", what, na, (int)(na < 2000 ? na : 2000), a,
		    nb, (int)(nb < 2000 ? nb : 2000), b);
	free(a);
	free(b);
	return same;
}

static int
pos_finite(double v)
{
	return isfinite(v) && v > 0;
}

static void
model_check(const mbr_clv_model *m)
{
	FUZZ_CHECK(pos_finite(m->bg.r) && pos_finite(m->bg.alpha) &&
	    pos_finite(m->bg.a) && pos_finite(m->bg.b));
	/* man/mbr-clv.1's bounds, where predictions are computed */
	FUZZ_CHECK(m->bg.r >= 1e-8 && m->bg.r <= 1e4 &&
	    m->bg.alpha >= 1e-8 && m->bg.alpha <= 1e8 &&
	    m->bg.a >= 1e-8 && m->bg.a <= 1e8 &&
	    m->bg.b >= 1e-8 && m->bg.b <= 1e8);
	if (m->have_gg)
		FUZZ_CHECK(pos_finite(m->gg.p) && pos_finite(m->gg.q) &&
		    pos_finite(m->gg.gamma));
	FUZZ_CHECK(m->unit == 1 || m->unit == 7);
	FUZZ_CHECK(m->monetary_all == 0 || m->monetary_all == 1);
	if (m->exp >= 0)
		FUZZ_CHECK(mbr_currency_exp(m->cur, strlen(m->cur)) == m->exp);
	else
		FUZZ_CHECK(m->cur[0] == '\0');
}

/* A decimal number of the predictions' form, its value in *v. */
static int
number(const char *s, size_t n, double *v)
{
	char buf[64], *end;

	if (n == 0 || n >= sizeof(buf))
		return 0;
	memcpy(buf, s, n);
	buf[n] = '\0';
	if (strspn(buf, "-0123456789.") != n)
		return 0;
	*v = strtod(buf, &end);
	return *end == '\0' && isfinite(*v);
}

/* predict's CSV: member_id, x, t_x, T, mean_spend, p_alive,
 * expected_purchases, expected_aov, clv; five members. */
static void
predictions_check(int fd, const mbr_clv_model *m)
{
	static const char head[] = "member_id,x,t_x,T,mean_spend,p_alive,"
	    "expected_purchases,expected_aov,clv\n";

	size_t n, k;
	char *text = fuzz_slurp(fd, &n), *line, *next;
	int rows = 0;

	FUZZ_CHECK(strncmp(text, head, sizeof(head) - 1) == 0);
	for (line = strchr(text, '\n') + 1; *line != '\0'; line = next) {
		const char *f[9];
		size_t len[9];
		char *p = line;
		double v;

		next = strchr(line, '\n');
		FUZZ_CHECK(next != NULL);
		*next++ = '\0';
		for (k = 0; k < 9; k++) {
			f[k] = p;
			len[k] = strcspn(p, ",");
			p += len[k];
			FUZZ_CHECK(k == 8 ? *p == '\0' : *p == ',');
			p++;
		}
		FUZZ_CHECK(number(f[5], len[5], &v) && v >= 0 && v <= 1);
		FUZZ_CHECK(number(f[6], len[6], &v) && v >= 0);
		for (k = 7; k < 9; k++) {
			FUZZ_CHECK(len[k] == 0 || number(f[k], len[k], &v));
			FUZZ_CHECK(m->have_gg || len[k] == 0);
		}
		rows++;
	}
	FUZZ_CHECK(rows == 5);
	free(text);
}

static void
base_cli(mbr_cli *c)
{
	memset(c, 0, sizeof(*c));
	c->quiet = 1;
	c->threads = 1;
	c->as_of = ASOF;
	c->tz = "UTC";
}

static void
model(const uint8_t *data, size_t size)
{
	mbr_clv_opts o = MBR_CLV_OPTS_DEFAULT;
	mbr_clv_model m;
	struct fuzz_out mf, of, out, rej;
	mbr_err err = { 0 }, perr = { 0 };
	mbr_cli c;
	char *files[1];
	int rc, prc;

	FUZZ_CHECK((mf.fd = fuzz_memfd(data, size, mf.path)) >= 0);
	rc = mbr_clv_model_read(&m, mf.path, &err);
	status_check(rc, &err);
	if (rc != MBR_OK)
		FUZZ_CHECK(names(&err, mf.path));
	else
		model_check(&m);

	FUZZ_CHECK((of.fd = fuzz_memfd(orders, sizeof(orders) - 1,
	    of.path)) >= 0);
	fuzz_out_new(&out);
	fuzz_out_new(&rej);
	base_cli(&c);
	c.out_format = MBR_FMT_CSV;
	c.output = out.path;
	c.rejects = rej.path;
	o.cmd = MBR_CLV_PREDICT;
	o.model = mf.path;
	files[0] = of.path;
	prc = mbr_clv_run(&c, &o, 1, files, &perr);
	status_check(prc, &perr);
	if (prc != rc) {
		fprintf(stderr, "model read: %d (%s); predict: %d (%s)\n", rc,
		    err.msg, prc, perr.msg);
		abort();
	}
	if (prc == MBR_OK)
		predictions_check(out.fd, &m);
	close(mf.fd);
	close(of.fd);
	close(out.fd);
	close(rej.fd);
}

/* The merge's (and the runs') options from bits 2-3. */
static void
fit_opts(uint8_t b0, mbr_clv_opts *o)
{
	*o = (mbr_clv_opts)MBR_CLV_OPTS_DEFAULT;
	o->cmd = MBR_CLV_FIT;
	switch ((b0 >> 2) & 3) {
	case 1:
		o->unit = 7;
		o->unit_set = 1;
		break;
	case 2:
		o->monetary_all = 1;
		o->monetary_set = 1;
		break;
	case 3:
		o->penalizer = 0.01;
		break;
	}
}

static int
run(mbr_cli *c, const mbr_clv_opts *o, int n, char **files,
    struct fuzz_out *out, struct fuzz_out *rej, mbr_err *err)
{
	int rc;

	fuzz_out_new(out);
	fuzz_out_new(rej);
	c->output = out->path;
	c->rejects = rej->path;
	mbr_err_clear(err);
	rc = mbr_clv_run(c, o, n, files, err);
	status_check(rc, err);
	return rc;
}

static void
merge(uint8_t b0, const uint8_t *data, size_t size)
{
	mbr_clv_opts o;
	mbr_clv_model m;
	mbr_cli c;
	struct files f;
	struct fuzz_out o1, r1, o2, r2;
	mbr_err e1, e2, e3 = { 0 };
	int rc1, rc2, i, named = 0;

	if (cut(data, size, &f) != 0)
		return;
	fit_opts(b0, &o);
	o.merge = 1;
	base_cli(&c);
	c.as_of = NULL;		/* the partials' */
	c.tz = NULL;
	rc1 = run(&c, &o, f.n, f.list, &o1, &r1, &e1);
	rc2 = run(&c, &o, f.n, f.rev, &o2, &r2, &e2);
	/* Two files wrong in two ways fail on the first one read, so
	 * only success is the same both ways round. */
	if ((rc1 == MBR_OK) != (rc2 == MBR_OK)) {
		fprintf(stderr, "merged in order: %d (%s); reversed: %d "
		    "(%s)\n", rc1, e1.msg, rc2, e2.msg);
		abort();
	}
	for (i = 0; i < f.n; i++)
		named |= names(&e1, f.path[i]) << 1 | names(&e2, f.path[i]);
	if (rc1 == MBR_EUSAGE)
		FUZZ_CHECK((named & 2) || strncmp(e1.msg, "--", 2) == 0);
	if (rc2 == MBR_EUSAGE)
		FUZZ_CHECK((named & 1) || strncmp(e2.msg, "--", 2) == 0);
	if (rc1 == MBR_OK) {
		if (!same_bytes(o1.fd, o2.fd, "models merged both ways"))
			abort();
		if (mbr_clv_model_read(&m, o1.path, &e3) != MBR_OK) {
			fprintf(stderr, "the merged model does not read: "
			    "%s\n", e3.msg);
			abort();
		}
		model_check(&m);
	}
	close(o1.fd);
	close(r1.fd);
	close(o2.fd);
	close(r2.fd);
	files_close(&f);
}

static void
partial(uint8_t b0, const uint8_t *data, size_t size)
{
	mbr_clv_opts o, op, om;
	mbr_cli c;
	struct fuzz_out in, o1, r1, p, pr, o2, r2;
	mbr_err e1, e2;
	char *files[1], chunk[8];
	int rc1, prc, rc2;

	FUZZ_CHECK((in.fd = fuzz_memfd(data, size, in.path)) >= 0);
	files[0] = in.path;
	fit_opts(b0, &o);
	base_cli(&c);
	rc1 = run(&c, &o, 1, files, &o1, &r1, &e1);

	op = o;
	op.partial = 1;
	op.penalizer = 0;
	c.out_format = MBR_FMT_CSV;
	c.threads = 1 + (int)(size & 1);
	snprintf(chunk, sizeof(chunk), "%d", 1 + (int)(size % 61));
	setenv("MBR_SPLIT_CHUNK", chunk, 1);
	prc = run(&c, &op, 1, files, &p, &pr, &e2);
	unsetenv("MBR_SPLIT_CHUNK");
	c.threads = 1;
	c.out_format = MBR_FMT_AUTO;
	if (prc == MBR_OK) {
		om = o;
		om.merge = 1;
		files[0] = p.path;
		rc2 = run(&c, &om, 1, files, &o2, &r2, &e2);
		if (rc2 != rc1) {
			fprintf(stderr, "one run: %d (%s); partial (%d "
			    "threads, chunks of %s bytes) and merge: %d "
			    "(%s)\n", rc1, e1.msg, 1 + (int)(size & 1), chunk,
			    rc2, e2.msg);
			abort();
		}
		if (rc1 == MBR_OK && !same_bytes(o1.fd, o2.fd,
		    "one run's model and the merged partial's"))
			abort();
		close(o2.fd);
		close(r2.fd);
	} else if (prc != rc1) {
		fprintf(stderr, "one run: %d (%s); partial: %d (%s)\n", rc1,
		    e1.msg, prc, e2.msg);
		abort();
	}
	close(in.fd);
	close(o1.fd);
	close(r1.fd);
	close(p.fd);
	close(pr.fd);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	switch (data[0] % 3) {
	case 0:
		model(data + 1, size - 1);
		break;
	case 1:
		merge(data[0], data + 1, size - 1);
		break;
	default:
		partial(data[0], data + 1, size - 1);
		break;
	}
	return 0;
}
