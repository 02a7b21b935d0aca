/* mbr_pipe.c: see mbr_pipe.h.
 *
 * NB batches in a ring: the reader fills batch pi while the worker
 * folds batch ci; a full batch is handed over under the mutex.  Batches
 * are large (thousands of items) so the lock is taken a few thousand
 * times a run, not per row. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "mbr_err.h"
#include "mbr_pipe.h"

#define NB		4
#define ITEMS		4096
#define SIDE		(256u << 10)	/* extra bytes a batch */

struct batch {
	char		*items;
	size_t		 n;
	char		*side;
	size_t		 nside, capside;
	int		 full;		/* handed to the worker */
};

struct mbr_pipe {
	size_t		 isize;
	mbr_pipe_fn	 fn;
	void		*ctx;
	int		 threaded;
	struct batch	 b[NB];
	int		 pi, ci;	/* filled by the reader, folded next */
	int		 quit;
	pthread_t	 th;
	pthread_mutex_t	 mu;
	pthread_cond_t	 ready, done;
};

static void *
worker(void *arg)
{
	mbr_pipe *p = arg;
	struct batch *b;

	for (;;) {
		pthread_mutex_lock(&p->mu);
		while (!p->b[p->ci].full && !p->quit)
			pthread_cond_wait(&p->ready, &p->mu);
		b = &p->b[p->ci];
		if (!b->full) {		/* quit, and nothing left */
			pthread_mutex_unlock(&p->mu);
			return NULL;
		}
		pthread_mutex_unlock(&p->mu);
		p->fn(p->ctx, b->items, b->n);
		pthread_mutex_lock(&p->mu);
		b->full = 0;
		p->ci = (p->ci + 1) % NB;
		pthread_cond_signal(&p->done);
		pthread_mutex_unlock(&p->mu);
	}
}

mbr_pipe *
mbr_pipe_new(size_t itemsize, int threads, mbr_pipe_fn fn, void *ctx)
{
	mbr_pipe *p = mbr_xcalloc(1, sizeof(*p));
	int i;

	p->isize = (itemsize + 7) & ~(size_t)7;
	p->fn = fn;
	p->ctx = ctx;
	for (i = 0; i < NB; i++) {
		p->b[i].items = mbr_xmalloc(ITEMS * p->isize);
		p->b[i].side = mbr_xmalloc(SIDE);
		p->b[i].capside = SIDE;
	}
	if (threads > 1) {
		pthread_mutex_init(&p->mu, NULL);
		pthread_cond_init(&p->ready, NULL);
		pthread_cond_init(&p->done, NULL);
		/* Without a worker (no threads left), fold on this one. */
		p->threaded = pthread_create(&p->th, NULL, worker, p) == 0;
	}
	return p;
}

/* Hands the batch being filled to the worker (or folds it), and makes
 * the next one ready to fill. */
static void
submit(mbr_pipe *p)
{
	struct batch *b = &p->b[p->pi];

	if (b->n == 0)
		return;
	if (!p->threaded) {
		p->fn(p->ctx, b->items, b->n);
		b->n = b->nside = 0;
		return;
	}
	pthread_mutex_lock(&p->mu);
	b->full = 1;
	pthread_cond_signal(&p->ready);
	p->pi = (p->pi + 1) % NB;
	b = &p->b[p->pi];
	while (b->full)
		pthread_cond_wait(&p->done, &p->mu);
	pthread_mutex_unlock(&p->mu);
	b->n = b->nside = 0;
}

void *
mbr_pipe_add(mbr_pipe *p, size_t extra, void **xp)
{
	struct batch *b = &p->b[p->pi];
	void *it;

	extra = (extra + 7) & ~(size_t)7;
	if (b->n == ITEMS || b->capside - b->nside < extra) {
		submit(p);
		b = &p->b[p->pi];
		if (extra > b->capside) {	/* an outsize item: its own */
			free(b->side);
			b->side = mbr_xmalloc(extra);
			b->capside = extra;
		}
	}
	it = b->items + b->n++ * p->isize;
	memset(it, 0, p->isize);
	if (xp != NULL) {
		*xp = b->side + b->nside;
		b->nside += extra;
	}
	return it;
}

void
mbr_pipe_drain(mbr_pipe *p)
{
	int i, busy;

	submit(p);
	if (!p->threaded)
		return;
	pthread_mutex_lock(&p->mu);
	for (;;) {
		for (busy = 0, i = 0; i < NB; i++)
			busy |= p->b[i].full;
		if (!busy)
			break;
		pthread_cond_wait(&p->done, &p->mu);
	}
	pthread_mutex_unlock(&p->mu);
}

void
mbr_pipe_free(mbr_pipe *p)
{
	int i;

	if (p == NULL)
		return;
	mbr_pipe_drain(p);
	if (p->threaded) {
		pthread_mutex_lock(&p->mu);
		p->quit = 1;
		pthread_cond_signal(&p->ready);
		pthread_mutex_unlock(&p->mu);
		pthread_join(p->th, NULL);
		pthread_mutex_destroy(&p->mu);
		pthread_cond_destroy(&p->ready);
		pthread_cond_destroy(&p->done);
	}
	for (i = 0; i < NB; i++) {
		free(p->b[i].items);
		free(p->b[i].side);
	}
	free(p);
}
