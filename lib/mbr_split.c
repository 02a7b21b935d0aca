/* mbr_split.c: see mbr_split.h.
 *
 * Chunk slots in a ring: chunk k lives in slot k % ns from the time
 * a thread takes it to map until it is committed.  A free thread
 * commits the next chunk when it is mapped and nobody is committing,
 * else maps the next chunk when its slot is free, else waits.  The
 * lock is taken a few times a chunk (megabytes), not per record. */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mbr_csv.h"
#include "mbr_split.h"
#include "mbr_utf8.h"

#define CHUNK	(2u << 20)	/* bytes of file between two cuts */
#define STEP	(256u << 10)	/* bytes read at a time */
#define SEQREC	8192		/* records of a chunk read by the reader */
#define SIDE	(256u << 10)	/* bytes of a side block */
/* As in mbr_reader.c: a longer record is an unterminated quote. */
#define MAXREC	(256u << 20)
#define NS	MBR_SPLIT_SLOTS

enum { FREE, MAPPING, MAPPED, COMMITTING };

/* The first error of a run, after which every thread stops. */
struct halt {
	int		 stop;
	int		 rc;
	mbr_err		 err;
};

/* Keeps rc and e if they are the first error (under the run's lock). */
static void
halt(struct halt *h, int rc, const mbr_err *e)
{
	if (rc == MBR_OK || h->stop)
		return;
	h->stop = 1;
	h->rc = rc;
	h->err = *e;
}

/* Slots in the ring: one for each thread to work on, one being
 * committed, and as many again so that a thread finds one free while
 * a slow chunk holds up the commits; more is memory for nothing. */
static int
nslots(int threads)
{
	return threads >= (NS - 1) / 2 ? NS : 2 * threads + 1;
}

struct side {
	char	*p;
	size_t	 n, cap;
};

struct mbr_chunk {
	mbr_split	*sp;
	int		 slot;		/* its index in sp->ck */
	long		 k;		/* its number in the input */
	int		 state;
	void		*st;
	/* the text of a split input: file bytes [off, off + len) */
	char		*buf;
	size_t		 cap, len;
	long long	 off;
	int		 eof;		/* buf reaches the end of the file */
	long long	 start;		/* where its first record begins */
	long long	 stop;		/* where the record after its last does */
	int		 lost;		/* no line end found: start unknown */
	unsigned long	 add;		/* lines before it (see mbr_chunk_line) */
	unsigned long	 lines;		/* lines in [start, stop) */
	unsigned long long nrec;
	int		 rc;		/* a read error, a runaway record */
	mbr_err		 err;
	unsigned long	 errline;
	mbr_csvrec	 cr;
	mbr_slice	*f;
	uint8_t		*type;
	char		 why[512];
	/* what map gives commit */
	char		*items;
	size_t		 nitems, capitems;
	struct side	*side;
	size_t		 nside, curside;
	mbr_buf		 rej;
};

struct mbr_split {
	mbr_split_fns	 fn;
	void		*ctx;
	int		 threads;
	size_t		 chunk;
	mbr_reader	*rd;
	mbr_rejects	*rj;
	struct mbr_chunk ck[NS];
	int		 ns;		/* slots in use (nslots) */
	void		*prev;		/* a sequential input's last state */
	pthread_mutex_t	 mu;
	pthread_cond_t	 cv;
	/* the input */
	int		 seq;		/* read by the reader, not split */
	int		 fd;
	const char	*file;
	int		 fileno;
	int		 delim;
	long long	 data;		/* offset of its first record */
	long		 nchunks;	/* LONG_MAX until known */
	long		 done;		/* chunks committed */
	struct halt	 h;		/* an error: everyone stops */
	long long	 verified;	/* where chunk done begins */
	unsigned long	 lbase;		/* the line it begins at */
};

mbr_split *
mbr_split_new(const mbr_split_fns *fn, void *ctx, int threads,
    mbr_reader *rd, mbr_rejects *rj)
{
	mbr_split *sp = mbr_xcalloc(1, sizeof(*sp));
	const char *e = getenv("MBR_SPLIT_CHUNK");
	int i;

	sp->fn = *fn;
	sp->ctx = ctx;
	sp->threads = threads < 1 ? 1 : threads;
	sp->rd = rd;
	sp->rj = rj;
	/* Small chunks put cuts everywhere in a small test file. */
	sp->chunk = e != NULL && atol(e) > 0 ? (size_t)atol(e) : CHUNK;
	sp->ns = nslots(sp->threads);
	for (i = 0; i < NS; i++) {
		struct mbr_chunk *c = &sp->ck[i];

		c->sp = sp;
		c->slot = i;
		c->st = mbr_xcalloc(1, fn->statesize ? fn->statesize : 1);
		mbr_csvrec_init(&c->cr);
		mbr_buf_init(&c->rej);
	}
	sp->prev = mbr_xcalloc(1, fn->statesize ? fn->statesize : 1);
	pthread_mutex_init(&sp->mu, NULL);
	pthread_cond_init(&sp->cv, NULL);
	return sp;
}

void
mbr_split_free(mbr_split *sp)
{
	int i;
	size_t j;

	if (sp == NULL)
		return;
	for (i = 0; i < NS; i++) {
		struct mbr_chunk *c = &sp->ck[i];

		free(c->st);
		free(c->buf);
		mbr_csvrec_release(&c->cr);
		free(c->f);
		free(c->type);
		free(c->items);
		for (j = 0; j < c->nside; j++)
			free(c->side[j].p);
		free(c->side);
		mbr_buf_release(&c->rej);
	}
	free(sp->prev);
	pthread_mutex_destroy(&sp->mu);
	pthread_cond_destroy(&sp->cv);
	free(sp);
}

void *
mbr_chunk_add(mbr_chunk *ck, size_t extra, void **xp)
{
	size_t isz = (ck->sp->fn.itemsize + 7) & ~(size_t)7;
	void *it;

	if (ck->nitems == ck->capitems) {
		ck->capitems = ck->capitems ? ck->capitems * 2 : 4096;
		ck->items = mbr_xrealloc(ck->items, ck->capitems * isz);
	}
	it = ck->items + ck->nitems++ * isz;
	memset(it, 0, isz);
	if (extra > 0) {
		struct side *s;

		extra = (extra + 7) & ~(size_t)7;
		while (ck->curside < ck->nside &&
		    ck->side[ck->curside].cap - ck->side[ck->curside].n <
		    extra)
			ck->curside++;
		if (ck->curside == ck->nside) {
			ck->side = mbr_xrealloc(ck->side,
			    (ck->nside + 1) * sizeof(*ck->side));
			s = &ck->side[ck->nside++];
			s->cap = extra > SIDE ? extra : SIDE;
			s->p = mbr_xmalloc(s->cap);
			s->n = 0;
		}
		s = &ck->side[ck->curside];
		*xp = s->p + s->n;
		s->n += extra;
	}
	return it;
}

unsigned long
mbr_chunk_line(const mbr_chunk *ck)
{
	return ck->add;
}

int
mbr_chunk_slot(const mbr_chunk *ck)
{
	return ck->slot;
}

void *
mbr_chunk_items(mbr_chunk *ck, size_t *n)
{
	*n = ck->nitems;
	return ck->items;
}

void
mbr_chunk_reject(mbr_chunk *ck, const mbr_rec *rec, const char *reason,
    const char *msg)
{
	mbr_reject_hold(ck->sp->rj, &ck->rej, ck->sp->rd, rec, reason, msg);
}

void
mbr_chunk_reject_raw(mbr_chunk *ck, unsigned long line, const char *raw,
    size_t rawn, const char *reason, const char *msg)
{
	mbr_reject_hold_raw(ck->sp->rj, &ck->rej, line, raw, rawn, reason,
	    msg);
}

void
mbr_chunk_rejectf(mbr_chunk *ck, const mbr_rec *rec, const char *reason,
    const char *fmt, ...)
{
	mbr_buf m;
	va_list ap;

	mbr_buf_init(&m);
	va_start(ap, fmt);
	mbr_buf_vaddf(&m, fmt, ap);
	va_end(ap);
	mbr_chunk_reject(ck, rec, reason, m.p);
	mbr_buf_release(&m);
}

/* Empties a chunk for its next use and lets the program begin it. */
static void
reset(struct mbr_chunk *c, const void *prev, int after)
{
	size_t j;

	c->nitems = 0;
	for (j = 0; j < c->nside; j++)
		c->side[j].n = 0;
	c->curside = 0;
	mbr_buf_reset(&c->rej);
	c->nrec = 0;
	c->lines = 0;
	c->lost = 0;
	c->rc = MBR_OK;
	/* Known now if every chunk before is committed (mbr_chunk_line). */
	c->add = after && !c->sp->seq ? c->sp->lbase - 1 : 0;
	memset(c->st, 0, c->sp->fn.statesize);
	if (c->sp->fn.begin != NULL)
		c->sp->fn.begin(c->sp->ctx, c, c->st, prev, after);
}

/* Reads file bytes after what buf holds (at least want more, when the
 * file has them); keeps buf from keep on.  0 or an error code. */
static int
more(struct mbr_chunk *c, long long keep, size_t want)
{
	size_t drop = (size_t)(keep - c->off), n;
	ssize_t r;

	if (drop > 0) {
		memmove(c->buf, c->buf + drop, c->len - drop);
		c->len -= drop;
		c->off = keep;
	}
	if (want < STEP)
		want = STEP;
	if (c->cap - c->len < want) {
		/* Grown, never shrunk: fresh pages cost a fault each. */
		size_t cap = c->cap ? c->cap * 2 : 4 * STEP;

		while (cap - c->len < want)
			cap *= 2;
		c->cap = cap;
		c->buf = mbr_xrealloc(c->buf, c->cap);
	}
	/* No more than want at a time: what was read is parsed while it
	 * is still in the core's cache. */
	n = c->cap - c->len;
	if (n > want)
		n = want;
	do
		r = pread(c->sp->fd, c->buf + c->len, n,
		    (off_t)(c->off + (long long)c->len));
	while (r < 0 && errno == EINTR);
	if (r < 0) {
		c->rc = mbr_err_set(&c->err, MBR_EIO, "read error: %s",
		    strerror(errno));
		return c->rc;
	}
	if (r == 0)
		c->eof = 1;
	c->len += (size_t)r;
	return MBR_OK;
}

/* Finds where chunk c's first record would begin if no quoted field
 * spans the cut: after the first line end at or after the cut. */
static void
guess_start(struct mbr_chunk *c, long long cut, long long lim)
{
	long long at = cut - 1;
	const char *nl;

	c->off = at;
	c->len = 0;
	c->eof = 0;
	for (;;) {
		if (at < c->off + (long long)c->len &&
		    (nl = memchr(c->buf + (at - c->off), '\n',
		    c->len - (size_t)(at - c->off))) != NULL) {
			c->start = c->off + (nl - c->buf) + 1;
			return;
		}
		at = c->off + (long long)c->len;
		/* A chunk without a line end holds no record's start. */
		if (c->eof || at >= lim || more(c, at, STEP) != MBR_OK) {
			c->lost = 1;
			c->start = at;
			return;
		}
	}
}

/* Reads, parses and maps chunk c from its start: the records that
 * begin before lim.  guessed: the start is a guess, and a record that
 * runs far past lim means it was wrong (a quoted field cut). */
static void
parse(struct mbr_chunk *c, long long lim, int guessed)
{
	mbr_split *sp = c->sp;
	long long pos = c->start, clean = 0;	/* [pos, clean): checked text */
	unsigned long line = 1;
	mbr_rec rec;
	mbr_err e = { 0 };
	long r;
	size_t slack = sp->chunk > (16u << 20) ? sp->chunk : 16u << 20;

	if (pos < c->off || pos > c->off + (long long)c->len) {
		c->off = pos;
		c->len = 0;
		c->eof = 0;
	}
	if (c->buf == NULL) {
		/* buf + 0 with buf NULL is undefined (clang's UBSan says
		 * so): a chunk's first parse starts with its room made. */
		c->cap = 4 * STEP;
		c->buf = mbr_xmalloc(c->cap);
	}
	memset(&rec, 0, sizeof(rec));
	rec.f = c->f;
	rec.type = c->type;
	rec.file = sp->file;
	rec.fileno = sp->fileno;
	while (pos < lim) {
		size_t at = (size_t)(pos - c->off);

		if (clean <= pos)
			clean = pos + (long long)mbr_utf8_clean_lines(c->buf +
			    at, c->len - at);
		r = mbr_csv_next(c->buf + at, c->len - at, c->eof, sp->delim,
		    &c->cr, &e);
		if (r == 0) {
			if (c->eof) {
				pos = c->off + (long long)c->len;
				break;
			}
			if (c->len - at >= MAXREC ||
			    (guessed && lim != LLONG_MAX &&
			    pos + (long long)(c->len - at) >
			    lim + (long long)slack)) {
				if (guessed) {
					c->lost = 1;
					return;
				}
				c->rc = mbr_err_set(&c->err, MBR_EDATA,
				    "record longer than %u MiB (an "
				    "unterminated quote?)", MAXREC >> 20);
				c->errline = line;
				return;
			}
			if (more(c, pos, c->len - at) != MBR_OK) {
				c->errline = line;
				return;
			}
			continue;
		}
		rec.line = line + c->cr.skipped;
		line = rec.line + c->cr.nlines;
		c->nrec++;
		pos += r < 0 ? -r : r;
		mbr_reader_csvrec(sp->rd, r, &c->cr, pos <= clean, c->f, &rec,
		    c->why, sizeof(c->why));
		sp->fn.map(sp->ctx, c, c->st, &rec);
	}
	c->stop = pos;
	c->lines = line - 1;
}

/* Maps chunk k of a split input: a guessed start, or from. */
static void
map_split(struct mbr_chunk *c, long long from, int after)
{
	mbr_split *sp = c->sp;
	long long cut = sp->data + (long long)c->k * (long long)sp->chunk;
	long long lim = c->k + 1 < sp->nchunks ? cut +
	    (long long)sp->chunk : LLONG_MAX;

	reset(c, NULL, after || c->k == 0);
	if (from >= 0) {
		c->start = from;
		c->off = from;
		c->len = 0;
		c->eof = 0;
		parse(c, lim, 0);
		return;
	}
	guess_start(c, cut, lim);
	if (!c->lost)
		parse(c, lim, 1);
}

/* Commits chunk c, mapping it again first if its start was wrong or
 * commit asks.  Called in chunk order, one at a time. */
static int
commit(mbr_split *sp, struct mbr_chunk *c, mbr_err *err)
{
	int rc, tries;

	if (!sp->seq && (c->lost || c->start != sp->verified))
		map_split(c, sp->verified, 1);
	c->add = sp->seq ? 0 : sp->lbase - 1;
	for (tries = 0; ; tries++) {
		if (c->rc != MBR_OK) {
			*err = c->err;
			mbr_err_at(err, sp->file, sp->lbase + c->errline - 1);
			return c->rc;
		}
		rc = sp->fn.commit(sp->ctx, c, c->st, err);
		if (rc != MBR_SPLIT_AGAIN)
			break;
		if (tries > 0)
			return mbr_err_set(err, MBR_EDATA, "internal error: "
			    "a chunk committed twice");
		if (sp->seq)
			return mbr_err_set(err, MBR_EDATA, "internal error: "
			    "a chunk of a sequential input mapped again");
		map_split(c, sp->verified, 1);
	}
	if (rc != MBR_OK)
		return rc;
	mbr_reject_held(sp->rj, sp->file, c->add, (mbr_slice){ c->rej.p,
	    c->rej.n });
	if (!sp->seq) {
		mbr_reader_advance(sp->rd, c->nrec,
		    (unsigned long long)(c->stop - sp->verified));
		sp->verified = c->stop;
		sp->lbase += c->lines;
	}
	return MBR_OK;
}

/* Tasks done on several threads and finished in order (see
 * mbr_split_tasks): a slot's state, and who is finishing. */
struct tasks {
	int		 threads;
	long		 n;
	void		(*run)(void *, int, long);
	int		(*done)(void *, int, long, mbr_err *);
	void		*ctx;
	int		 ns;		/* slots in use */
	int		 state[MBR_SPLIT_SLOTS];
	long		 kof[MBR_SPLIT_SLOTS];
	long		 next, ndone;
	int		 finishing;
	struct halt	 h;
	pthread_mutex_t	 mu;
	pthread_cond_t	 cv;
};

/* What every thread runs, the caller's included: finish the next task
 * if it is run and nobody is finishing, else run the next task if its
 * slot is free, else wait. */
static void *
work(void *arg)
{
	struct tasks *t = arg;
	mbr_err e = { 0 };
	int i, rc;

	pthread_mutex_lock(&t->mu);
	for (;;) {
		if (t->h.stop || t->ndone == t->n)
			break;
		i = (int)(t->ndone % t->ns);
		if (!t->finishing && t->state[i] == MAPPED &&
		    t->kof[i] == t->ndone) {
			t->finishing = 1;
			t->state[i] = COMMITTING;
			pthread_mutex_unlock(&t->mu);
			rc = t->done(t->ctx, i, t->kof[i], &e);
			pthread_mutex_lock(&t->mu);
			t->finishing = 0;
			t->state[i] = FREE;
			t->ndone++;
			halt(&t->h, rc, &e);
			pthread_cond_broadcast(&t->cv);
			continue;
		}
		i = (int)(t->next % t->ns);
		if (t->next < t->n && t->state[i] == FREE) {
			t->kof[i] = t->next++;
			t->state[i] = MAPPING;
			pthread_mutex_unlock(&t->mu);
			t->run(t->ctx, i, t->kof[i]);
			pthread_mutex_lock(&t->mu);
			t->state[i] = MAPPED;
			pthread_cond_broadcast(&t->cv);
			continue;
		}
		pthread_cond_wait(&t->cv, &t->mu);
	}
	pthread_mutex_unlock(&t->mu);
	return NULL;
}

int
mbr_split_tasks(int threads, long n, void (*run)(void *, int, long),
    int (*done)(void *, int, long, mbr_err *), void *ctx, mbr_err *err)
{
	struct tasks t;
	pthread_t th[64];
	int i, nth = 0;

	memset(&t, 0, sizeof(t));
	t.threads = threads;
	t.ns = nslots(threads);
	t.n = n;
	t.run = run;
	t.done = done;
	t.ctx = ctx;
	pthread_mutex_init(&t.mu, NULL);
	pthread_cond_init(&t.cv, NULL);
	for (i = 1; i < threads && i < 64; i++)
		if (pthread_create(&th[nth], NULL, work, &t) == 0)
			nth++;
	work(&t);
	for (i = 0; i < nth; i++)
		pthread_join(th[i], NULL);
	pthread_mutex_destroy(&t.mu);
	pthread_cond_destroy(&t.cv);
	if (t.h.stop)
		*err = t.h.err;
	return t.h.stop ? t.h.rc : MBR_OK;
}

static void
run_chunk(void *ctx, int slot, long k)
{
	mbr_split *sp = ctx;
	struct mbr_chunk *c = &sp->ck[slot];

	c->k = k;
	map_split(c, k == 0 ? sp->data : -1, sp->threads == 1);
}

static int
done_chunk(void *ctx, int slot, long k, mbr_err *err)
{
	mbr_split *sp = ctx;

	(void)k;
	return commit(sp, &sp->ck[slot], err);
}

/* A sequential input's committing thread. */
static void *
committer(void *arg)
{
	mbr_split *sp = arg;
	struct mbr_chunk *c;
	mbr_err e = { 0 };
	int rc;

	pthread_mutex_lock(&sp->mu);
	for (;;) {
		c = &sp->ck[sp->done % sp->ns];
		if (sp->h.stop || sp->done == sp->nchunks)
			break;
		if (c->state != MAPPED || c->k != sp->done) {
			pthread_cond_wait(&sp->cv, &sp->mu);
			continue;
		}
		c->state = COMMITTING;
		pthread_mutex_unlock(&sp->mu);
		rc = commit(sp, c, &e);
		pthread_mutex_lock(&sp->mu);
		c->state = FREE;
		sp->done++;
		halt(&sp->h, rc, &e);
		pthread_cond_broadcast(&sp->cv);
	}
	pthread_mutex_unlock(&sp->mu);
	return NULL;
}

/* Reads the input with the reader, SEQREC records a chunk. */
static int
run_seq(mbr_split *sp, mbr_err *err)
{
	pthread_t th;
	int threaded = sp->threads > 1, r = MBR_READ_REC, rc = MBR_OK;
	mbr_rec rec;
	long k;

	if (threaded && pthread_create(&th, NULL, committer, sp) != 0)
		threaded = 0;
	for (k = 0; r == MBR_READ_REC; k++) {
		struct mbr_chunk *c = &sp->ck[k % sp->ns];
		size_t n;

		pthread_mutex_lock(&sp->mu);
		while (c->state != FREE && !sp->h.stop)
			pthread_cond_wait(&sp->cv, &sp->mu);
		if (sp->h.stop) {
			pthread_mutex_unlock(&sp->mu);
			break;
		}
		c->k = k;
		c->state = MAPPING;
		pthread_mutex_unlock(&sp->mu);
		reset(c, k > 0 ? sp->prev : NULL, !threaded || k == 0);
		for (n = 0; n < SEQREC; n++) {
			r = mbr_reader_next_in(sp->rd, &rec, err);
			if (r != MBR_READ_REC)
				break;
			sp->fn.map(sp->ctx, c, c->st, &rec);
		}
		memcpy(sp->prev, c->st, sp->fn.statesize);
		pthread_mutex_lock(&sp->mu);
		c->state = MAPPED;
		if (r != MBR_READ_REC) {
			sp->nchunks = k + 1;
			halt(&sp->h, err->code, err);
		}
		pthread_cond_broadcast(&sp->cv);
		pthread_mutex_unlock(&sp->mu);
		if (!threaded && !sp->h.stop) {
			c->state = COMMITTING;
			rc = commit(sp, c, err);
			halt(&sp->h, rc, err);
			c->state = FREE;
			sp->done++;
		}
	}
	if (threaded)
		pthread_join(th, NULL);
	return sp->h.stop ? sp->h.rc : MBR_OK;
}

static int
run_split(mbr_split *sp, long long size, mbr_err *err)
{
	long n = (long)((size - sp->data + (long long)sp->chunk - 1) /
	    (long long)sp->chunk);

	sp->nchunks = n < 1 ? 1 : n;
	sp->verified = sp->data;
	return mbr_split_tasks(sp->threads, sp->nchunks, run_chunk,
	    done_chunk, sp, err);
}

/* Whether the input just begun is cut into chunks: a regular CSV
 * file read as it is, of two chunks or more (a file of one or two is
 * not worth the threads, unless MBR_SPLIT_CHUNK asks for cuts). */
static int
cuts(mbr_split *sp, long long *off, unsigned long *line, long long *size)
{
	struct stat st;

	sp->fd = mbr_reader_plain(sp->rd, off, line);
	if (sp->fd < 0 || fstat(sp->fd, &st) != 0)
		return 0;
	*size = st.st_size;
	return st.st_size - *off >= 2 * (long long)sp->chunk ||
	    sp->chunk != CHUNK;
}

int
mbr_split_cuts(mbr_split *sp)
{
	long long off, size;
	unsigned long line;

	return cuts(sp, &off, &line, &size);
}

int
mbr_split_input(mbr_split *sp, mbr_err *err)
{
	mbr_reader *rd = sp->rd;
	long long off = 0, size = 0;
	int i, rc, cur = mbr_reader_current(rd);
	unsigned long line = 0;
	size_t nh, j;
	const int *hdr;

	sp->file = mbr_reader_filename(rd, cur);
	sp->fileno = cur;
	sp->done = 0;
	sp->nchunks = LONG_MAX;
	memset(&sp->h, 0, sizeof(sp->h));
	for (i = 0; i < NS; i++)
		sp->ck[i].state = FREE;
	sp->seq = !cuts(sp, &off, &line, &size);
	if (sp->seq) {
		rc = run_seq(sp, err);
		if (rc != MBR_OK && err->code == MBR_OK)
			*err = sp->h.err;
		return rc;
	}
	sp->data = off;
	sp->delim = mbr_reader_delim(rd);
	hdr = mbr_reader_header(rd, &nh);
	for (i = 0; i < NS; i++) {
		struct mbr_chunk *c = &sp->ck[i];
		int nc = mbr_reader_ncols(rd);

		c->f = mbr_xrealloc(c->f, (size_t)nc * sizeof(*c->f));
		c->type = mbr_xrealloc(c->type, (size_t)nc);
		for (j = 0; j < (size_t)nc; j++) {
			c->f[j] = (mbr_slice){ NULL, 0 };
			c->type[j] = MBR_V_ABSENT;
		}
		for (j = 0; j < nh; j++)
			c->type[hdr[j]] = MBR_V_STR;
	}
	sp->lbase = line;
	if ((rc = run_split(sp, size, err)) != MBR_OK)
		return rc;
	mbr_reader_end_input(rd);
	return MBR_OK;
}
