/* mbr_assign.c: see mbr_assign.h.
 *
 * Without --stratify a record's variant needs nothing but the record,
 * so a CSV file is cut into chunks (mbr_split): map hashes the member
 * and formats the record with its variant into the slot's fork of the
 * writer; commit, in input order, keeps the first record of each
 * member_id and writes the spans of the kept ones.  Other inputs go
 * record by record.
 *
 * With --stratify nothing can be written before every member is known:
 * pass 1 reads the inputs and keeps, per member, only the place of its
 * first record, its hash and its stratum (in the member table, in input
 * order); the strata are dealt out; pass 2 reads the inputs again and
 * writes the records that pass 1 kept, which come in the table's order,
 * so a cursor over the table finds each one's variant.  An input that
 * cannot be read twice is copied to a temporary file first. */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mbr_assign.h"
#include "mbr_bucket.h"
#include "mbr_buf.h"
#include "mbr_conf.h"
#include "mbr_io.h"
#include "mbr_split.h"
#include "mbr_tab.h"
#include "mbr_utf8.h"

/* --- variants, coverage and shares --- */

static uint64_t
gcd64(uint64_t a, uint64_t b)
{
	while (b != 0) {
		uint64_t t = a % b;

		a = b;
		b = t;
	}
	return a;
}

/* The double nearest p / q (0 <= p <= q, q > 0), ties to even.  Below
 * 2^53 both are exact doubles and one IEEE division rounds correctly;
 * above, the quotient's bits are found by long division (r < q < 2^63,
 * so 2r does not overflow). */
static double
ratio(uint64_t p, uint64_t q)
{
	uint64_t r = p, m = 0;
	int e = 0, bits = 0, d;

	if (q <= (uint64_t)1 << 53)
		return (double)p / (double)q;
	if (p >= q)
		return 1.0;
	if (p == 0)
		return 0.0;
	while (bits < 53) {
		r <<= 1;
		e++;
		d = r >= q;
		if (d)
			r -= q;
		if (bits > 0 || d) {
			m = m << 1 | (uint64_t)d;
			bits++;
		}
	}
	/* m * 2^-e, the next bit and whether anything follows it */
	r <<= 1;
	d = r >= q;
	if (d)
		r -= q;
	if (d && (r != 0 || (m & 1)))
		m++;
	return ldexp((double)m, -e);
}

static int
fail(char *msg, size_t nmsg, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
fail(char *msg, size_t nmsg, const char *fmt, ...)
{
	va_list ap;

	if (msg != NULL && nmsg > 0) {
		va_start(ap, fmt);
		vsnprintf(msg, nmsg, fmt, ap);
		va_end(ap);
	}
	return -1;
}

/* Whether s[0..n) is a decimal but for having more than 15 digits. */
static int
long_number(const char *s, size_t n)
{
	size_t i, digits = 0, dots = 0;

	for (i = 0; i < n; i++)
		if (mbr_isdigit(s[i]))
			digits++;
		else if (s[i] == '.' && dots++ == 0)
			continue;
		else
			return 0;
	return digits > 15;
}

/* A decimal option value: mbr_dec_parse's rules; what (may be "")
 * names it in what is said. */
static int
decimal(const char *s, size_t n, mbr_dec *d, const char *what, char *msg,
    size_t nmsg)
{
	char buf[32];
	int rc = -1;

	if (n < sizeof(buf)) {
		memcpy(buf, s, n);
		buf[n] = '\0';
		rc = mbr_dec_parse(buf, d);
	}
	if (rc == -2)
		return fail(msg, nmsg, "%s%s\"%.*s\" has more than 4 decimals",
		    what, *what ? " " : "", (int)n, s);
	if (rc != 0 && long_number(s, n))
		return fail(msg, nmsg, "%s%s\"%.*s\" has more than 15 digits",
		    what, *what ? " " : "", (int)n, s);
	if (rc != 0)
		return fail(msg, nmsg, "%s%s\"%.*s\" is not a number >= 0",
		    what, *what ? " " : "", (int)n, s);
	return 0;
}

static uint64_t
pow10u(int k)
{
	uint64_t p = 1;

	while (k-- > 0)
		p *= 10;
	return p;
}

int
mbr_variants_parse(mbr_variants *v, const char *spec, char *msg,
    size_t nmsg)
{
	const char *p, *q, *eq;
	mbr_dec *d = NULL;
	unsigned __int128 sum = 0;
	uint64_t g;
	size_t k, n, len;
	int weighted = -1, scale = 0;

	memset(v, 0, sizeof(*v));
	for (k = 1, p = spec; (p = strchr(p, ',')) != NULL; p++)
		k++;
	if (k > 100000)
		return fail(msg, nmsg, "more than 100000 variants");
	v->name = mbr_xcalloc(k, sizeof(*v->name));
	v->namelen = mbr_xcalloc(k, sizeof(*v->namelen));
	v->w = mbr_xcalloc(k, sizeof(*v->w));
	v->num = mbr_xcalloc(k, sizeof(*v->num));
	d = mbr_xcalloc(k, sizeof(*d));
	for (p = spec;; p = q + 1) {
		if ((q = strchr(p, ',')) == NULL)
			q = p + strlen(p);
		eq = memchr(p, '=', (size_t)(q - p));
		len = (size_t)((eq != NULL ? eq : q) - p);
		if (weighted >= 0 && weighted != (eq != NULL)) {
			fail(msg, nmsg, "give every variant a weight or none "
			    "(\"%.*s\")", (int)(q - p), p);
			goto bad;
		}
		weighted = eq != NULL;
		if (len == 0) {
			fail(msg, nmsg, "a variant without a name in \"%s\"",
			    spec);
			goto bad;
		}
		/* "control, a" is a typo, not a variant named " a" */
		if (mbr_isblank(p[0]) || mbr_isblank(p[len - 1]) ||
		    p[0] == '\n' || p[len - 1] == '\n') {
			fail(msg, nmsg, "name \"%.*s\" begins or ends with a "
			    "blank", (int)len, p);
			goto bad;
		}
		if (mbr_utf8_check(p, len) != len) {
			fail(msg, nmsg, "name \"%.*s\" is not UTF-8", (int)len,
			    p);
			goto bad;
		}
		if (mbr_variants_find(v, p, len) >= 0) {
			fail(msg, nmsg, "name \"%.*s\" is given twice",
			    (int)len, p);
			goto bad;
		}
		if (eq != NULL) {
			char what[300];

			snprintf(what, sizeof(what), "the weight of \"%.*s\"",
			    (int)(len < 200 ? len : 200), p);
			if (decimal(eq + 1, (size_t)(q - eq - 1), &d[v->n],
			    what, msg, nmsg) != 0)
				goto bad;
			if (d[v->n].scale > scale)
				scale = d[v->n].scale;
		} else
			d[v->n] = (mbr_dec){ 1, 0 };
		v->name[v->n] = mbr_xstrndup(p, len);
		v->namelen[v->n] = len;
		v->n++;
		if (*q == '\0')
			break;
	}
	if (v->n < 2) {
		fail(msg, nmsg, "at least 2 variants are needed, \"%s\" has 1",
		    spec);
		goto bad;
	}
	/* At one scale: 15 digits times 10^4 is below 2^64. */
	n = (size_t)v->n;
	g = 0;
	for (k = 0; k < n; k++) {
		v->num[k] = (uint64_t)d[k].m * pow10u(scale - d[k].scale);
		sum += v->num[k];
		g = gcd64(g, v->num[k]);
	}
	if (sum == 0) {
		fail(msg, nmsg, "the weights add up to 0");
		goto bad;
	}
	for (k = 0; k < n; k++)
		v->num[k] /= g;
	sum /= g;
	if (sum >= (unsigned __int128)1 << 62) {
		fail(msg, nmsg, "the weights are too large to add up");
		goto bad;
	}
	v->den = (uint64_t)sum;
	for (k = 0; k < n; k++)
		v->w[k] = ratio(v->num[k], v->den);
	free(d);
	return 0;
bad:
	free(d);
	mbr_variants_free(v);
	return -1;
}

void
mbr_variants_free(mbr_variants *v)
{
	int i;

	if (v == NULL)
		return;
	for (i = 0; v->name != NULL && i < v->n; i++)
		free(v->name[i]);
	free(v->name);
	free(v->namelen);
	free(v->w);
	free(v->num);
	memset(v, 0, sizeof(*v));
}

int
mbr_variants_find(const mbr_variants *v, const char *s, size_t n)
{
	int i;

	for (i = 0; i < v->n; i++)
		if (v->namelen[i] == n && memcmp(v->name[i], s, n) == 0)
			return i;
	return -1;
}

int
mbr_coverage_parse(const char *s, uint64_t *num, uint64_t *den, double *d,
    char *msg, size_t nmsg)
{
	mbr_dec c;

	if (decimal(s, strlen(s), &c, "", msg, nmsg) != 0)
		return -1;
	*den = pow10u(c.scale);
	if ((uint64_t)c.m > *den)
		return fail(msg, nmsg, "\"%s\" is more than 1", s);
	*num = (uint64_t)c.m;
	*d = ratio(*num, *den);
	return 0;
}

/* Share i of the cells is a[i] / t, with a[i] = cnum * num_i for a
 * variant and (cden - cnum) * den for the rest, t = cden * den; they add
 * up to t.  t < 2^62 * 10^4 < 2^76, so n * a[i] < 2^116 for n < 2^40. */
void
mbr_assign_cells(const mbr_variants *v, uint64_t cnum, uint64_t cden,
    uint64_t n, __int128 *carry, uint64_t *cells)
{
	__int128 rbuf[16], *r, t, a, nt;
	unsigned char pbuf[16], *picked;
	int k = v->n + 1, i, best;
	uint64_t left = n;

	r = k <= 16 ? rbuf : mbr_xcalloc((size_t)k, sizeof(*r));
	picked = k <= 16 ? pbuf : mbr_xcalloc((size_t)k, 1);
	t = (__int128)cden * v->den;
	for (i = 0; i < k; i++) {
		a = i < v->n ? (__int128)cnum * v->num[i] :
		    (__int128)(cden - cnum) * v->den;
		nt = a * (__int128)n;
		cells[i] = (uint64_t)(nt / t);
		/* the remainder, plus what the cell fell short by before */
		r[i] = nt % t + (carry != NULL ? carry[i] : 0);
		picked[i] = 0;
		left -= cells[i];
	}
	/* left < k: each floor is short of its quota by less than one */
	while (left-- > 0) {
		best = -1;
		for (i = 0; i < k; i++)
			if (!picked[i] && (best < 0 || r[i] > r[best]))
				best = i;
		picked[best] = 1;
		cells[best]++;
	}
	for (i = 0; carry != NULL && i < k; i++) {
		a = i < v->n ? (__int128)cnum * v->num[i] :
		    (__int128)(cden - cnum) * v->den;
		carry[i] += a * (__int128)n - (__int128)cells[i] * t;
	}
	if (r != rbuf)
		free(r);
	if (picked != pbuf)
		free(picked);
}

/* --- the run --- */

/* What a reading of the inputs does: without --stratify it assigns and
 * writes; with it, pass 1 only learns the members, pass 2 writes. */
enum { M_PLAIN, M_PASS1, M_PASS2 };

/* The member table's value: where the member's first record is, and
 * with --stratify what ranks and places the member.  Without it the
 * table holds only the first two fields (valsize SEEN), or of one input
 * only the line (LINE): the table is most of the memory a run touches,
 * and each page of it is fresh (mbr_hugerealloc); 8 bytes of value make
 * an entry of 40 bytes where 12 make one of 48. */
struct first {
	uint64_t	line;
	uint32_t	fileno;
	uint32_t	num;		/* hash numerator */
	uint32_t	stratum;
	int32_t		cell;		/* variant, or nv for the rest */
};
#define SEEN	offsetof(struct first, num)
#define LINE	offsetof(struct first, fileno)

/* A slot's things for map: its fork of the writer, a reject's text, a
 * stratum's key. */
struct slot {
	mbr_writer	*w;
	mbr_buf		 held;
	mbr_buf		 key;
};

struct ab {
	const mbr_cli		*c;
	const mbr_assign_opts	*o;
	const mbr_variants	*v;
	int			 nv;
	double			 (*ranges)[2];
	const char		*seed;
	size_t			 seedlen;
	int			 version;
	uint64_t		 cnum, cden;
	mbr_slice		*label;		/* [nv + 1]: the rest last */
	uint8_t			*ltype;
	uint32_t		 seedh;		/* version 2: FNV of the seed */
	mbr_slice		 exp;
	uint8_t			 exptype;
	char			 at[MBR_TIME_MAX + 1];
	size_t			 atn;
	mbr_run			 run;
	mbr_reader		*rd;		/* the reader being read */
	mbr_reader		*rd2;		/* --stratify: pass 2's */
	int			 mode;		/* M_* */
	mbr_tab			*members;	/* member_id -> struct first */
	int			 lineonly;	/* its values are LINE bytes */
	mbr_tab			*strata;	/* key -> uint32_t id */
	mbr_buf			 skey;
	size_t			 cursor;	/* pass 2: the next kept entry */
	uint64_t		*count;		/* [nv + 1]: records written */
	unsigned char		*skip;
	size_t			 nskip;
	int			 ix_id, ix_exp, ix_var, ix_at;
	int			*ix_strat;
	mbr_split		*split;
	struct slot		 slot[MBR_SPLIT_SLOTS];
	mbr_buf			 tmp;
	const char		**iname;	/* [input]: its name in messages */
	char			**spooled;	/* [input]: "/dev/fd/N", or NULL */
	int			*spoolfd;
	char *const		*files;		/* what the readers open */
	int			 nfiles;
	char			**list;		/* files when made here */
};

static const mbr_slice f_exp = { "experiment", 10 };
static const mbr_slice f_var = { "variant", 7 };
static const mbr_slice f_at = { "assigned_at", 11 };

/* The member_id: NULL when absent, null or empty. */
static mbr_slice
member(const struct ab *g, const mbr_rec *rec)
{
	mbr_slice id = rec->f[g->ix_id];

	if (id.p == NULL || id.n == 0 || rec->type[g->ix_id] == MBR_V_NULL)
		return (mbr_slice){ NULL, 0 };
	return id;
}

/* GrowthBook's variation for the member, or nv outside the coverage;
 * *num: the hash's numerator, all that pass 1 wants (0 then). */
static int
choose(const struct ab *g, mbr_slice id, uint32_t *num)
{
	uint32_t den;
	int i;

	if (g->version == 2) {
		/* mbr_gb_hash's version 2 from the seed's hash, made once
		 * (chained as mbr_fnv1a32_utf16 allows): the seed is a
		 * run's experiment key, as long as a member_id or longer,
		 * and FNV takes a multiply's latency a character. */
		char dec[10];
		size_t nd = sizeof(dec);
		uint32_t h = mbr_fnv1a32_utf16(id.p, id.n, g->seedh);

		do {
			dec[--nd] = (char)('0' + h % 10);
			h /= 10;
		} while (h > 0);
		h = mbr_fnv1a32_utf16(dec + nd, sizeof(dec) - nd,
		    MBR_BUCKET_FNV_INIT);
		*num = h % 10000;
		den = 10000;
	} else
		mbr_gb_hash(g->seed, g->seedlen, id.p, id.n, g->version, num,
		    &den);
	if (g->mode == M_PASS1)
		return 0;
	i = mbr_gb_choose(*num / (double)den,
	    (const double (*)[2])g->ranges, g->nv);
	return i < 0 ? g->nv : i;
}

/* The stratum's key in b: each field's value after its length, so that
 * ("a,b", "") and ("a", "b,") differ; absent, null or empty are one
 * value. */
static void
stratum_key(const struct ab *g, const mbr_rec *rec, mbr_buf *b)
{
	size_t i;

	mbr_buf_reset(b);
	for (i = 0; i < g->o->nstratify; i++) {
		mbr_slice s = rec->f[g->ix_strat[i]];
		uint64_t n;

		if (s.p == NULL || rec->type[g->ix_strat[i]] == MBR_V_NULL)
			s.n = 0;
		n = s.n;
		mbr_buf_add(b, &n, sizeof(n));
		mbr_buf_add(b, s.p, s.n);
	}
}

static uint32_t
stratum(struct ab *g, const char *key, size_t n)
{
	uint32_t *id;
	int isnew;

	id = mbr_tab_upsert(g->strata, key, n, &isnew);
	if (isnew)
		*id = (uint32_t)(mbr_tab_count(g->strata) - 1);
	return *id;
}

/* The columns the output replaces: a member assigned again gets new
 * experiment, variant and assigned_at, not a second set. */
static void
grow_skip(struct ab *g)
{
	size_t n = (size_t)mbr_reader_ncols(g->rd);

	if (n <= g->nskip)
		return;
	g->skip = mbr_xrealloc(g->skip, n);
	memset(g->skip + g->nskip, 0, n - g->nskip);
	g->nskip = n;
	g->skip[g->ix_exp] = 1;
	g->skip[g->ix_var] = 1;
	g->skip[g->ix_at] = 1;
}

/* Declares w's CSV header: the input's columns but those replaced,
 * then the three, as the first record would make it. */
static void
out_header(struct ab *g, mbr_writer *w)
{
	size_t nh, i, n = 0;
	const int *h = mbr_reader_header(g->rd, &nh);
	mbr_slice *v = mbr_xcalloc(nh + 3, sizeof(*v));

	for (i = 0; i < nh; i++)
		if (!g->skip[h[i]])
			v[n++] = mbr_reader_colname(g->rd, h[i]);
	v[n++] = f_exp;
	v[n++] = f_var;
	v[n++] = f_at;
	mbr_writer_header(w, v, n);
	free(v);
}

/* The fields that follow the record's own. */
static int
put_fields(struct ab *g, mbr_writer *w, int cell, mbr_err *err)
{
	mbr_writer_field(w, f_exp, g->exp, g->exptype);
	mbr_writer_field(w, f_var, g->label[cell], g->ltype[cell]);
	mbr_writer_field(w, f_at, (mbr_slice){ g->at, g->atn }, MBR_V_PLAIN);
	return mbr_writer_end(w, err);
}

/* Where a member was first seen. */
static void
first_at(const struct ab *g, struct first *f, int fileno, uint64_t line)
{
	f->line = line;
	if (!g->lineonly)
		f->fileno = (uint32_t)fileno;
}

/* A duplicate: rejected with its text, as a record held for commit
 * is, so that a file cut in chunks rejects it as one read whole. */
static void
reject_dup(struct ab *g, const char *file, unsigned long line,
    mbr_slice id, mbr_slice raw, const struct first *f)
{
	mbr_buf_reset(&g->tmp);
	mbr_buf_addf(&g->tmp, "member_id \"%.*s\" is already at %s:%llu",
	    (int)(id.n > 200 ? 200 : id.n), id.p,
	    g->iname[g->lineonly ? 0 : f->fileno],
	    (unsigned long long)f->line);
	mbr_reject_raw(g->run.rj, file, line, raw.p, raw.n,
	    "duplicate member", g->tmp.p);
}

/* Pass 2: whether the record at fileno:line with member id is the
 * next one pass 1 kept (else it was a reject or a duplicate), with its
 * cell.  -1: the input is not what pass 1 read. */
static int
kept(struct ab *g, uint32_t fileno, unsigned long line, mbr_slice id,
    int *cell)
{
	const struct first *f;
	mbr_slice k;

	if (g->cursor >= mbr_tab_count(g->members))
		return 0;
	f = mbr_tab_val(g->members, g->cursor);
	if (f->fileno != fileno || f->line != line)
		return 0;
	k = mbr_tab_key(g->members, g->cursor);
	if (id.p == NULL || k.n != id.n || memcmp(k.p, id.p, id.n) != 0)
		return -1;
	g->cursor++;
	*cell = f->cell;
	return 1;
}

static int
changed(struct ab *g, int fileno, mbr_err *err)
{
	return mbr_err_set(err, MBR_EIO, "%s: changed while it was read "
	    "(--stratify reads its inputs twice)", g->iname[fileno]);
}

/* rec with the name its input has in messages (a copy made for
 * --stratify is read through /dev/fd). */
static const mbr_rec *
named(struct ab *g, const mbr_rec *rec, mbr_rec *copy)
{
	*copy = *rec;
	copy->file = g->iname[rec->fileno];
	return copy;
}

/* One record, read on this thread. */
static int
record(struct ab *g, const mbr_rec *rec, mbr_err *err)
{
	mbr_rec cp;
	mbr_slice id;
	struct first *f;
	uint32_t num;
	int isnew, cell, rc;

	if (rec->bad != NULL) {
		if (g->mode != M_PASS2)
			mbr_reject(g->run.rj, g->rd, named(g, rec, &cp),
			    rec->bad, rec->why);
		return MBR_OK;
	}
	if ((id = member(g, rec)).p == NULL) {
		if (g->mode != M_PASS2)
			mbr_reject(g->run.rj, g->rd, named(g, rec, &cp),
			    "missing member_id", "member_id is missing");
		return MBR_OK;
	}
	if (g->mode == M_PASS2) {
		if ((rc = kept(g, (uint32_t)rec->fileno, rec->line, id,
		    &cell)) < 0)
			return changed(g, rec->fileno, err);
		if (rc == 0)
			return MBR_OK;
	} else {
		f = mbr_tab_upsert(g->members, id.p, id.n, &isnew);
		if (!isnew) {
			reject_dup(g, g->iname[rec->fileno], rec->line, id,
			    rec->raw, f);
			return MBR_OK;
		}
		first_at(g, f, rec->fileno, rec->line);
		cell = choose(g, id, &num);
		if (g->mode == M_PASS1) {
			f->num = num;
			stratum_key(g, rec, &g->skey);
			f->stratum = stratum(g, g->skey.p, g->skey.n);
			return MBR_OK;
		}
	}
	grow_skip(g);
	mbr_writer_rec_raw(g->run.w, g->rd, rec, g->skip);
	if ((rc = put_fields(g, g->run.w, cell, err)) != MBR_OK) {
		mbr_err_at(err, g->iname[rec->fileno], rec->line);
		return rc;
	}
	g->count[cell]++;
	return MBR_OK;
}

/* --- a CSV file parsed in chunks --- */

/* A record as map leaves it for commit. */
struct item {
	uint64_t	 h;		/* mbr_hash of id */
	mbr_slice	 id;		/* packed; p NULL: no member */
	mbr_slice	 raw;		/* packed, for a duplicate's reject */
	mbr_slice	 held;		/* a reject held, or p NULL */
	mbr_slice	 key;		/* pass 1: packed, the stratum's */
	unsigned long	 line;		/* in the chunk */
	size_t		 off, len;	/* the record in the slot's fork */
	uint32_t	 num;		/* pass 1: the hash numerator */
	int		 cell;
	/* Not packed but in the fork (id.p and raw.p NULL until commit):
	 * the record was written as its raw text and the rest
	 * (mbr_writer_rec_raw), so its text begins at off and its id at
	 * off + idoff.  A copy of every record, for the few that turn
	 * out to be duplicates, was a twentieth of the time. */
	uint32_t	 idoff;
	uint8_t		 inout;
};

struct chunk {
	int		 rc;		/* a writer's error, at line */
	unsigned long	 line;
	mbr_err		 err;
};

static char *
pack(char *p, mbr_slice *s)
{
	if (s->p != NULL) {
		memcpy(p, s->p, s->n);
		s->p = p;
		p += s->n;
	}
	return p;
}

/* The slot's fork emptied of its last chunk (or of this one, mapped
 * again from a later start). */
static void
sbegin(void *ctx, mbr_chunk *ck, void *st, const void *prev, int after)
{
	struct ab *g = ctx;
	struct slot *s = &g->slot[mbr_chunk_slot(ck)];

	if (s->w != NULL)
		mbr_writer_clear(s->w);
}

/* Hashes, assigns and formats a record on any thread; pass 1 only
 * hashes it and makes its stratum's key.  Pass 2 looks the member up
 * for its cell, which commit checks. */
static void
smap(void *ctx, mbr_chunk *ck, void *st, const mbr_rec *rec)
{
	struct ab *g = ctx;
	struct chunk *c = st;
	struct slot *s = &g->slot[mbr_chunk_slot(ck)];
	struct item *it;
	const struct first *f;
	mbr_slice id, raw = { NULL, 0 }, key = { NULL, 0 };
	size_t off = 0, len = 0;
	uint64_t h = 0;
	uint32_t num = 0, idoff = 0;
	int cell = -1, inout = 0;
	char *p;
	void *x = NULL;

	if (c->rc != MBR_OK)
		return;
	id = rec->bad != NULL ? (mbr_slice){ NULL, 0 } : member(g, rec);
	if (id.p == NULL) {
		if (g->mode == M_PASS2)
			return;
		mbr_buf_reset(&s->held);
		if (rec->bad != NULL)
			mbr_reject_hold(g->run.rj, &s->held, g->rd, rec,
			    rec->bad, rec->why);
		else
			mbr_reject_hold(g->run.rj, &s->held, g->rd, rec,
			    "missing member_id", "member_id is missing");
		it = mbr_chunk_add(ck, s->held.n, &x);
		it->line = rec->line;
		/* held rejects are read as words: the extra is aligned */
		it->held = (mbr_slice){ s->held.p, s->held.n };
		pack(x, &it->held);
		return;
	}
	h = mbr_hash(id.p, id.n);
	if (g->mode == M_PASS2) {
		/* The slot's line arrives while the record is formatted. */
		mbr_tab_prefetch(g->members, h);
		off = mbr_writer_held(s->w);
		mbr_writer_rec_raw(s->w, g->rd, rec, g->skip);
		f = mbr_tab_get(g->members, id.p, id.n);
		cell = f != NULL ? f->cell : g->nv;
	} else {
		raw = rec->raw;
		cell = choose(g, id, &num);
		if (g->mode == M_PASS1) {
			stratum_key(g, rec, &s->key);
			key = (mbr_slice){ s->key.p, s->key.n };
		} else {
			off = mbr_writer_held(s->w);
			inout = mbr_writer_rec_raw(s->w, g->rd, rec, g->skip);
		}
	}
	if (g->mode != M_PASS1) {
		if ((c->rc = put_fields(g, s->w, cell, &c->err)) != MBR_OK) {
			c->line = rec->line;
			return;
		}
		len = mbr_writer_held(s->w) - off;
	}
	if (inout) {
		/* the id is one of the fields the raw text is */
		idoff = (uint32_t)(id.p - rec->raw.p);
		id.p = raw.p = NULL;
	}
	it = mbr_chunk_add(ck, inout ? 0 : id.n + raw.n + key.n, &x);
	p = x;
	it->line = rec->line;
	it->id = id;
	p = pack(p, &it->id);
	it->raw = raw;
	p = pack(p, &it->raw);
	it->key = key;
	pack(p, &it->key);
	it->idoff = idoff;
	it->inout = (uint8_t)inout;
	it->h = h;
	it->num = num;
	it->off = off;
	it->len = len;
	it->cell = cell;
}

/* In input order: pass 1 (and a run without --stratify) keeps the
 * first record of a member_id and rejects the later ones; pass 2 keeps
 * the records pass 1 kept.  The kept records' text goes out in runs of
 * adjacent spans. */
static int
scommit(void *ctx, mbr_chunk *ck, void *st, mbr_err *err)
{
	struct ab *g = ctx;
	struct chunk *c = st;
	mbr_writer *w = g->slot[mbr_chunk_slot(ck)].w;
	int fileno = mbr_reader_current(g->rd), isnew, cell, rc;
	const char *file = g->iname[fileno];
	unsigned long add = mbr_chunk_line(ck);
	size_t n, i, off = 0, len = 0;
	unsigned long long nrec = 0;
	struct item *it = mbr_chunk_items(ck, &n);
	struct first *f;

	for (i = 0; i < n; i++) {
		struct item *m = &it[i];

		if (g->mode != M_PASS2 && i + 8 < n &&
		    (it[i + 8].id.p != NULL || it[i + 8].inout))
			mbr_tab_prefetch(g->members, it[i + 8].h);
		if (m->held.p != NULL) {
			mbr_reject_held(g->run.rj, file, add, m->held);
			continue;
		}
		if (m->inout) {
			m->raw.p = mbr_writer_held_at(w, m->off);
			m->id.p = m->raw.p + m->idoff;
		}
		if (g->mode == M_PASS2) {
			if ((rc = kept(g, (uint32_t)fileno, m->line + add,
			    m->id, &cell)) < 0)
				return changed(g, fileno, err);
			if (rc == 0)
				continue;
		} else {
			f = mbr_tab_upsert_h(g->members, m->id.p, m->id.n,
			    m->h, &isnew);
			if (!isnew) {
				reject_dup(g, file, m->line + add, m->id,
				    m->raw, f);
				continue;
			}
			first_at(g, f, fileno, m->line + add);
			if (g->mode == M_PASS1) {
				f->num = m->num;
				f->stratum = stratum(g, m->key.p, m->key.n);
				continue;
			}
		}
		g->count[m->cell]++;
		if (nrec > 0 && off + len == m->off) {
			len += m->len;
			nrec++;
			continue;
		}
		if (nrec > 0)
			mbr_writer_put_span(g->run.w, w, off, len, nrec);
		off = m->off;
		len = m->len;
		nrec = 1;
	}
	if (nrec > 0)
		mbr_writer_put_span(g->run.w, w, off, len, nrec);
	if (c->rc != MBR_OK) {
		/* after the records before it, as on one thread */
		*err = c->err;
		mbr_err_at(err, file, c->line + add);
		return c->rc;
	}
	return MBR_OK;
}

static const mbr_split_fns sfns = { sizeof(struct item),
	sizeof(struct chunk), sbegin, smap, scommit };

/* The input just begun, parsed in chunks on every thread. */
static int
split_file(struct ab *g, mbr_err *err)
{
	int i;

	grow_skip(g);
	if (g->mode != M_PASS1) {
		if (mbr_writer_count(g->run.w) == 0)
			out_header(g, g->run.w);
		for (i = 0; i < MBR_SPLIT_SLOTS; i++) {
			mbr_writer_close(g->slot[i].w, NULL);
			g->slot[i].w = mbr_writer_fork(g->run.w);
		}
	}
	return mbr_split_input(g->split, err);
}

/* --- reading the inputs --- */

/* A CSV input must have member_id and the --stratify fields: a column
 * that is not there is a typo, not an empty value for everyone. */
static int
check_columns(struct ab *g, mbr_err *err)
{
	const char *file = g->iname[mbr_reader_current(g->rd)];
	mbr_slice near;
	size_t nh, i;
	int k;

	if (mbr_reader_format(g->rd) != MBR_FMT_CSV)
		return MBR_OK;
	mbr_reader_header(g->rd, &nh);
	if (nh == 0)
		return MBR_OK;		/* empty */
	if (!mbr_reader_has(g->rd, g->ix_id)) {
		mbr_err_set(err, MBR_EUSAGE, "missing column \"member_id\"");
		mbr_err_at(err, file, 1);
		return MBR_EUSAGE;
	}
	for (i = 0; i < g->o->nstratify; i++) {
		if (mbr_reader_has(g->rd, g->ix_strat[i]))
			continue;
		k = mbr_reader_closest(g->rd, g->o->stratify[i],
		    strlen(g->o->stratify[i]));
		near = k >= 0 ? mbr_reader_colname(g->rd, k) :
		    (mbr_slice){ "", 0 };
		mbr_err_set(err, MBR_EUSAGE, "--stratify: no column \"%s\"%s"
		    "%.*s%s", g->o->stratify[i], k >= 0 ? " (did you mean \"" :
		    "", (int)near.n, near.p, k >= 0 ? "\"?)" : "");
		mbr_err_at(err, file, 1);
		return MBR_EUSAGE;
	}
	return MBR_OK;
}

/* Reads the inputs with rd in the given mode: its columns, a split,
 * then every record. */
static int
read_all(struct ab *g, mbr_reader *rd, int mode, mbr_err *err)
{
	mbr_rec rec;
	size_t i;
	int r, rc = MBR_OK;

	g->rd = rd;
	g->mode = mode;
	g->ix_id = mbr_reader_col(rd, "member_id", 9);
	g->ix_exp = mbr_reader_col(rd, f_exp.p, f_exp.n);
	g->ix_var = mbr_reader_col(rd, f_var.p, f_var.n);
	g->ix_at = mbr_reader_col(rd, f_at.p, f_at.n);
	for (i = 0; i < g->o->nstratify; i++)
		g->ix_strat[i] = mbr_reader_col(rd, g->o->stratify[i],
		    strlen(g->o->stratify[i]));
	free(g->skip);
	g->skip = NULL;
	g->nskip = 0;
	mbr_split_free(g->split);
	g->split = mbr_split_new(&sfns, g, mbr_cli_threads(g->c), rd,
	    g->run.rj);
	while ((r = mbr_reader_next(rd, &rec, err)) != MBR_READ_END) {
		if (r == MBR_READ_FILE) {
			if (mode != M_PASS2 &&
			    (rc = check_columns(g, err)) != MBR_OK)
				break;
			/* The member table sized once for the file's rows,
			 * not doubled as they come: 2M members spent a
			 * tenth of their time growing it.  Not past 2^27
			 * (a 2 GB file of short rows), where a wrong guess
			 * would be gigabytes of slots; beyond, it grows. */
			if (mode != M_PASS2) {
				unsigned long long rows =
				    mbr_reader_rows_hint(rd);

				mbr_tab_reserve(g->members, (size_t)(rows <
				    1ULL << 27 ? rows : 1ULL << 27));
			}
			if (mbr_reader_format(rd) == MBR_FMT_CSV &&
			    mbr_split_cuts(g->split) &&
			    (rc = split_file(g, err)) != MBR_OK)
				break;
			continue;
		}
		if ((rc = record(g, &rec, err)) != MBR_OK)
			break;
	}
	if (rc == MBR_OK)
		rc = err->code;
	/* No record written from a CSV input with a header: the header
	 * row is still written, so that the next program finds its
	 * columns. */
	if (rc == MBR_OK && mode != M_PASS1 &&
	    mbr_writer_count(g->run.w) == 0 &&
	    mbr_reader_format(rd) == MBR_FMT_CSV) {
		size_t nh;

		mbr_reader_header(rd, &nh);
		if (nh > 0) {
			grow_skip(g);
			out_header(g, g->run.w);
		}
	}
	return rc;
}

/* --- --stratify --- */

struct keyed {
	const char	*p;
	size_t		 n;
	uint32_t	 e;
};

static int
keycmp(const void *a, const void *b)
{
	const struct keyed *x = a, *y = b;
	size_t n = x->n < y->n ? x->n : y->n;
	int c = memcmp(x->p, y->p, n);

	if (c != 0)
		return c;
	return x->n < y->n ? -1 : x->n > y->n;
}

/* Orders e[lo..hi), members of one stratum of the same hash, by
 * member_id bytes. */
static void
by_id(struct ab *g, uint32_t *e, size_t lo, size_t hi)
{
	struct keyed *k = mbr_xcalloc(hi - lo, sizeof(*k));
	size_t i;

	for (i = lo; i < hi; i++) {
		mbr_slice s = mbr_tab_key(g->members, e[i]);

		k[i - lo] = (struct keyed){ s.p, s.n, e[i] };
	}
	qsort(k, hi - lo, sizeof(*k), keycmp);
	for (i = lo; i < hi; i++)
		e[i] = k[i - lo].e;
	free(k);
}

static uint32_t
num_of(const struct ab *g, uint32_t e)
{
	return ((const struct first *)mbr_tab_val(g->members, e))->num;
}

static const mbr_tab *key_tab;	/* for qsort: the strata */

/* Strata in the byte order of their values, field by field (a key is
 * each value after its length, stratum_key), so that the order is the
 * values' whatever the lengths or the machine's byte order. */
static int
key_cmp(const void *a, const void *b)
{
	mbr_slice x = mbr_tab_key(key_tab, *(const uint32_t *)a);
	mbr_slice y = mbr_tab_key(key_tab, *(const uint32_t *)b);
	size_t i = 0, j = 0;

	while (i + 8 <= x.n && j + 8 <= y.n) {
		uint64_t nx, ny;
		int c;

		memcpy(&nx, x.p + i, 8);
		memcpy(&ny, y.p + j, 8);
		i += 8;
		j += 8;
		c = memcmp(x.p + i, y.p + j, nx < ny ? nx : ny);
		if (c != 0)
			return c;
		if (nx != ny)
			return nx < ny ? -1 : 1;
		i += nx;
		j += ny;
	}
	return 0;
}

/* Every stratum's cell sizes, [stratum][cell], apportioned stratum
 * after stratum in the order of their keys (not of their first
 * members, which would make them depend on the input's order), each
 * owed what the ones before fell short by (mbr_assign_cells). */
static uint64_t *
stratum_cells(struct ab *g)
{
	size_t ns = mbr_tab_count(g->strata), k = (size_t)g->nv + 1, i;
	uint64_t *cells = mbr_xcalloc(ns * k + 1, sizeof(*cells));
	uint64_t *size = mbr_xcalloc(ns + 1, sizeof(*size));
	uint32_t *ord = mbr_xcalloc(ns + 1, sizeof(*ord));
	__int128 *carry = mbr_xcalloc(k, sizeof(*carry));

	for (i = 0; i < mbr_tab_count(g->members); i++)
		size[((struct first *)mbr_tab_val(g->members, i))->stratum]++;
	for (i = 0; i < ns; i++)
		ord[i] = (uint32_t)i;
	key_tab = g->strata;
	qsort(ord, ns, sizeof(*ord), key_cmp);
	for (i = 0; i < ns; i++)
		mbr_assign_cells(g->v, g->cnum, g->cden, size[ord[i]], carry,
		    cells + (size_t)ord[i] * k);
	free(size);
	free(ord);
	free(carry);
	return cells;
}

/* Deals every stratum out: ranks by (hash, member_id), the lowest
 * ranks to control's count, then a's, ..., the rest last.  The order
 * by stratum and hash is two stable counting sorts (hash, then
 * stratum); member_ids are compared only where a cell's edge falls
 * inside a run of equal hashes, the one place their order matters. */
static void
deal(struct ab *g)
{
	size_t n = mbr_tab_count(g->members), ns = mbr_tab_count(g->strata);
	size_t den = g->version == 1 ? 1000 : 10000, nb, i, lo, hi, at;
	size_t *cnt, sorted;
	uint32_t *a, *b;
	uint64_t *cells, *scells;
	int k;

	if (n == 0)
		return;
	a = mbr_xcalloc(n, sizeof(*a));
	b = mbr_xcalloc(n, sizeof(*b));
	nb = (den > ns ? den : ns) + 1;
	cnt = mbr_xcalloc(nb, sizeof(*cnt));
	scells = stratum_cells(g);
	for (i = 0; i < n; i++)
		cnt[num_of(g, (uint32_t)i) + 1]++;
	for (i = 1; i <= den; i++)
		cnt[i] += cnt[i - 1];
	for (i = 0; i < n; i++)
		a[cnt[num_of(g, (uint32_t)i)]++] = (uint32_t)i;
	memset(cnt, 0, nb * sizeof(*cnt));
	for (i = 0; i < n; i++)
		cnt[((struct first *)mbr_tab_val(g->members, i))->stratum +
		    1]++;
	for (i = 1; i <= ns; i++)
		cnt[i] += cnt[i - 1];
	for (i = 0; i < n; i++)
		b[cnt[((struct first *)mbr_tab_val(g->members, a[i]))->
		    stratum]++] = a[i];
	/* cnt[s] is now where stratum s + 1 begins */
	for (lo = 0; lo < n; lo = hi) {
		uint32_t s = ((struct first *)mbr_tab_val(g->members,
		    b[lo]))->stratum;

		hi = cnt[s];
		cells = scells + (size_t)s * ((size_t)g->nv + 1);
		sorted = lo;
		for (at = lo, k = 0; k <= g->nv; k++) {
			size_t edge = at + cells[k], g0, g1;

			if (edge > lo && edge < hi && edge >= sorted &&
			    num_of(g, b[edge - 1]) == num_of(g, b[edge])) {
				uint32_t h = num_of(g, b[edge]);

				for (g0 = edge - 1; g0 > lo &&
				    num_of(g, b[g0 - 1]) == h; g0--)
					;
				for (g1 = edge + 1; g1 < hi &&
				    num_of(g, b[g1]) == h; g1++)
					;
				by_id(g, b, g0, g1);
				sorted = g1;
			}
			for (; at < edge; at++)
				((struct first *)mbr_tab_val(g->members,
				    b[at]))->cell = k;
		}
	}
	free(a);
	free(b);
	free(cnt);
	free(scells);
}

/* The inputs as both passes open them: a regular file by its name,
 * anything else (standard input, a pipe) by its copy. */
static int
spool_all(struct ab *g, int nfiles, char *const files[], mbr_err *err)
{
	static char *const stdin_only[] = { "-" };
	char **list;
	struct stat st;
	int i, rc;

	if (nfiles == 0) {
		nfiles = 1;
		files = stdin_only;
	}
	list = mbr_xcalloc((size_t)nfiles, sizeof(*list));
	g->spooled = mbr_xcalloc((size_t)nfiles, sizeof(*g->spooled));
	g->spoolfd = mbr_xcalloc((size_t)nfiles, sizeof(*g->spoolfd));
	g->nfiles = nfiles;
	g->files = g->list = list;
	for (i = 0; i < nfiles; i++) {
		g->spoolfd[i] = -1;
		list[i] = files[i];
		if (strcmp(files[i], "-") != 0 &&
		    (stat(files[i], &st) != 0 || S_ISREG(st.st_mode)))
			continue;	/* a file, or the reader's error */
		if ((rc = mbr_spool(files[i], "--stratify", &g->spoolfd[i],
		    err)) != MBR_OK)
			return rc;
		g->spooled[i] = mbr_xmalloc(32);
		snprintf(g->spooled[i], 32, "/dev/fd/%d", g->spoolfd[i]);
		list[i] = g->spooled[i];
	}
	return MBR_OK;
}

/* An error the reader of a spooled input named by its copy. */
static void
rename_err(struct ab *g, mbr_err *err)
{
	int i;

	for (i = 0; g->spooled != NULL && i < g->nfiles; i++)
		if (g->spooled[i] != NULL &&
		    strcmp(err->file, g->spooled[i]) == 0)
			snprintf(err->file, sizeof(err->file), "%s",
			    g->iname[i]);
}

/* --stratify: pass 1, the strata dealt out, pass 2. */
static int
stratified(struct ab *g, mbr_err *err)
{
	mbr_reader_opts ro = g->c->ro;
	int i, rc;

	g->strata = mbr_tab_new(sizeof(uint32_t));
	if ((rc = read_all(g, g->run.rd, M_PASS1, err)) != MBR_OK)
		return rc;
	if (mbr_tab_count(g->members) >= UINT32_MAX)
		return mbr_err_set(err, MBR_EDATA, "--stratify: more than %u "
		    "members", UINT32_MAX - 1);
	deal(g);
	/* Another reader from the top of every input; a copy is read
	 * through /dev/fd, which may share the first reader's offset. */
	for (i = 0; i < g->nfiles; i++)
		if (g->spoolfd[i] >= 0)
			lseek(g->spoolfd[i], 0, SEEK_SET);
	ro.progress = 0;
	if ((rc = mbr_reader_open(&g->rd2, &ro, g->nfiles, g->files, err)) !=
	    MBR_OK)
		return rc;
	if ((rc = read_all(g, g->rd2, M_PASS2, err)) != MBR_OK)
		return rc;
	if (g->cursor != mbr_tab_count(g->members))
		return changed(g, g->nfiles - 1, err);
	return MBR_OK;
}

/* --- options and the run --- */

static int
setup(struct ab *g, const mbr_assign_opts *o, mbr_tz *tz, mbr_err *err)
{
	char msg[300];
	mbr_time now;
	double cov = 1;
	int i, rc;

	if (o->experiment == NULL || o->experiment[0] == '\0')
		return mbr_err_set(err, MBR_EUSAGE, "--experiment is needed");
	if (o->v == NULL || o->v->n < 2)
		return mbr_err_set(err, MBR_EUSAGE, "--variants is needed");
	if (mbr_utf8_check(o->experiment, strlen(o->experiment)) !=
	    strlen(o->experiment))
		return mbr_err_set(err, MBR_EUSAGE, "--experiment: not UTF-8");
	g->version = o->hash_version == 0 ? 2 : o->hash_version;
	if (g->version != 1 && g->version != 2)
		return mbr_err_set(err, MBR_EUSAGE, "--hash-version: \"%d\" is "
		    "not 1 or 2", o->hash_version);
	g->cnum = g->cden = 1;
	if (o->coverage != NULL && mbr_coverage_parse(o->coverage, &g->cnum,
	    &g->cden, &cov, msg, sizeof(msg)) != 0)
		return mbr_err_set(err, MBR_EUSAGE, "--coverage: %s", msg);
	if (o->rest != NULL && o->rest[0] != '\0') {
		if (mbr_variants_find(o->v, o->rest, strlen(o->rest)) >= 0)
			return mbr_err_set(err, MBR_EUSAGE, "--rest: \"%s\" is "
			    "a variant; members outside the test must not be "
			    "counted in one", o->rest);
		if (mbr_utf8_check(o->rest, strlen(o->rest)) !=
		    strlen(o->rest))
			return mbr_err_set(err, MBR_EUSAGE, "--rest: not "
			    "UTF-8");
	}
	if ((rc = mbr_time_now(&now, g->c->as_of, tz, err)) != MBR_OK)
		return rc;
	/* --as-of as written (its own offset), as mbr-campaign's
	 * --holdout-out writes the same record */
	g->atn = mbr_time_fmt(g->at, now);
	g->v = o->v;
	g->nv = o->v->n;
	/* GrowthBook: an experiment's seed defaults to its key. */
	g->seed = o->seed != NULL && o->seed[0] != '\0' ? o->seed :
	    o->experiment;
	g->seedlen = strlen(g->seed);
	g->seedh = mbr_fnv1a32_utf16(g->seed, g->seedlen, MBR_BUCKET_FNV_INIT);
	g->ranges = mbr_xcalloc((size_t)g->nv, sizeof(*g->ranges));
	mbr_gb_ranges(g->v->w, g->nv, g->nv, cov, g->ranges);
	g->label = mbr_xcalloc((size_t)g->nv + 1, sizeof(*g->label));
	g->ltype = mbr_xcalloc((size_t)g->nv + 1, 1);
	for (i = 0; i < g->nv; i++)
		g->label[i] = (mbr_slice){ g->v->name[i], g->v->namelen[i] };
	g->label[g->nv] = o->rest != NULL ? (mbr_slice){ o->rest,
	    strlen(o->rest) } : (mbr_slice){ "", 0 };
	for (i = 0; i <= g->nv; i++)
		g->ltype[i] = (uint8_t)mbr_writer_plain(g->label[i].p,
		    g->label[i].n);
	g->exp = (mbr_slice){ o->experiment, strlen(o->experiment) };
	g->exptype = (uint8_t)mbr_writer_plain(g->exp.p, g->exp.n);
	g->count = mbr_xcalloc((size_t)g->nv + 1, sizeof(*g->count));
	return MBR_OK;
}

static void
summary(struct ab *g)
{
	const char *rest = g->o->rest != NULL && g->o->rest[0] != '\0' ?
	    g->o->rest : "rest";
	uint64_t all = 0;
	int i;

	for (i = 0; i <= g->nv; i++)
		all += g->count[i];
	fprintf(stderr, "%s: %llu records, %llu assigned (", mbr_progname(),
	    mbr_reader_count(g->run.rd), (unsigned long long)all);
	for (i = 0; i < g->nv; i++)
		fprintf(stderr, "%s %llu, ", g->v->name[i],
		    (unsigned long long)g->count[i]);
	fprintf(stderr, "%s %llu), %llu rejected\n", rest,
	    (unsigned long long)g->count[g->nv],
	    (unsigned long long)mbr_rejects_count(g->run.rj));
}

int
mbr_assign_run(const mbr_cli *c, const mbr_assign_opts *o, int nfiles,
    char *const files[], mbr_err *err)
{
	struct ab g;
	mbr_tz *tz = NULL;
	size_t i;
	int rc, k, n;

	memset(&g, 0, sizeof(g));
	g.c = c;
	g.o = o;
	mbr_buf_init(&g.tmp);
	mbr_buf_init(&g.skey);
	for (i = 0; i < MBR_SPLIT_SLOTS; i++) {
		mbr_buf_init(&g.slot[i].held);
		mbr_buf_init(&g.slot[i].key);
	}
	if ((rc = mbr_cli_tz(c, &tz, err)) != MBR_OK)
		goto out;
	if ((rc = setup(&g, o, tz, err)) != MBR_OK)
		goto out;
	n = nfiles == 0 ? 1 : nfiles;
	g.iname = mbr_xcalloc((size_t)n, sizeof(*g.iname));
	for (k = 0; k < n; k++)
		g.iname[k] = nfiles == 0 || strcmp(files[k], "-") == 0 ?
		    "stdin" : files[k];
	g.files = files;
	g.nfiles = nfiles;
	if (o->nstratify > 0 &&
	    (rc = spool_all(&g, nfiles, files, err)) != MBR_OK)
		goto out;
	if ((rc = mbr_run_open(&g.run, c, g.nfiles, g.files, 1, err)) !=
	    MBR_OK) {
		if (o->nstratify > 0)
			rename_err(&g, err);
		goto close;
	}
	g.ix_strat = mbr_xcalloc(o->nstratify + 1, sizeof(int));
	if (o->nstratify == 0) {
		/* only where each member was first seen */
		g.lineonly = g.nfiles <= 1;
		g.members = mbr_tab_new(g.lineonly ? LINE : SEEN);
		rc = read_all(&g, g.run.rd, M_PLAIN, err);
	} else {
		g.members = mbr_tab_new(sizeof(struct first));
		rc = stratified(&g, err);
		rename_err(&g, err);
	}
	if (rc == MBR_OK && !c->quiet)
		summary(&g);
close:
	if (rc != MBR_OK && err->code == MBR_OK)
		err->code = rc;
	rc = mbr_run_close(&g.run, c, err);
out:
	mbr_tz_free(tz);
	mbr_split_free(g.split);
	mbr_reader_free(g.rd2);
	for (i = 0; i < MBR_SPLIT_SLOTS; i++) {
		mbr_writer_close(g.slot[i].w, NULL);
		mbr_buf_release(&g.slot[i].held);
		mbr_buf_release(&g.slot[i].key);
	}
	mbr_tab_free(g.members);
	mbr_tab_free(g.strata);
	mbr_buf_release(&g.skey);
	mbr_buf_release(&g.tmp);
	free(g.ranges);
	free(g.label);
	free(g.ltype);
	free(g.count);
	free(g.skip);
	free(g.ix_strat);
	free(g.iname);
	for (k = 0; g.spooled != NULL && k < g.nfiles; k++) {
		free(g.spooled[k]);
		if (g.spoolfd[k] >= 0)
			close(g.spoolfd[k]);
	}
	free(g.spooled);
	free(g.spoolfd);
	free(g.list);
	return rc;
}
