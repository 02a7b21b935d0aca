/* test_pipe.c: mbr_pipe hands every item over once, in order, with its
 * extra bytes intact, on one thread and on two. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mbr_cli.h"
#include "mbr_pipe.h"
#include "t.h"

struct item {
	uint64_t	 seq;
	size_t		 n;
	const char	*x;
};

struct sink {
	uint64_t	 next;		/* the seq expected */
	uint64_t	 bad;		/* out of order, or bytes wrong */
	uint64_t	 sum;
	size_t		 calls;
};

static void
fold(void *ctx, void *items, size_t n)
{
	struct sink *s = ctx;
	struct item *it = items;
	size_t i, j;

	s->calls++;
	for (i = 0; i < n; i++) {
		if (it[i].seq != s->next)
			s->bad++;
		s->next = it[i].seq + 1;
		for (j = 0; j < it[i].n; j++)
			if ((unsigned char)it[i].x[j] !=
			    (unsigned char)(it[i].seq + j))
				s->bad++;
		s->sum += it[i].seq;
	}
}

/* n items, item k with (k * 7919) % maxextra extra bytes, an outsize
 * one (1 MB, more than a batch holds) every `big` items. */
static void
run(int threads, uint64_t n, size_t maxextra, uint64_t big)
{
	struct sink s = { 0, 0, 0, 0 };
	mbr_pipe *p = mbr_pipe_new(sizeof(struct item), threads, fold, &s);
	uint64_t k;
	size_t j;

	for (k = 0; k < n; k++) {
		void *x = NULL;
		size_t ne = maxextra ? (size_t)(k * 7919) % maxextra : 0;
		struct item *it;

		if (big != 0 && k % big == big - 1)
			ne = 1u << 20;
		it = mbr_pipe_add(p, ne, ne ? &x : NULL);
		it->seq = k;
		it->n = ne;
		it->x = x;
		for (j = 0; j < ne; j++)
			((char *)x)[j] = (char)(k + j);
		/* drained halfway: everything so far is folded */
		if (k == n / 2) {
			mbr_pipe_drain(p);
			T_EQ_I(s.next, k + 1);
		}
	}
	mbr_pipe_drain(p);
	T_EQ_I(s.next, n);
	T_EQ_I(s.bad, 0);
	T_EQ_I(s.sum, n * (n - 1) / 2);
	mbr_pipe_free(p);
}

int
main(void)
{
	struct sink s = { 0, 0, 0, 0 };
	mbr_pipe *p;
	int t;

	for (t = 1; t <= 2; t++) {
		run(t, 1, 0, 0);
		run(t, 100000, 0, 0);
		run(t, 100000, 200, 0);
		run(t, 20000, 100, 5000);
	}
	/* Nothing added: the function is never called. */
	p = mbr_pipe_new(sizeof(struct item), 2, fold, &s);
	mbr_pipe_drain(p);
	mbr_pipe_free(p);
	T_EQ_I(s.calls, 0);
	{
		mbr_cli c = { .threads = 0 };

		T_OK(mbr_cli_threads(&c) >= 1 && mbr_cli_threads(&c) <= 2);
		c.threads = 5;
		T_EQ_I(mbr_cli_threads(&c), 5);
	}
	return T_DONE();
}
