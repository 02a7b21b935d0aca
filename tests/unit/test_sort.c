/* test_sort.c: the radix sort, against qsort on the same elements. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "mbr_sort.h"
#include "t.h"

/* Keys after a few bytes of something else, so that the key's offset
 * counts; seq is each element's place before the sort, to see that
 * equal keys keep their order. */
struct el {
	uint32_t	 pad;
	uint32_t	 seq;
	uint64_t	 k;
	char		 tail[5];
};

static int
cmp_el(const void *a, const void *b)
{
	const struct el *x = a, *y = b;

	if (x->k != y->k)
		return x->k < y->k ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static uint64_t
rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* n elements whose keys vary in the bits of mask only: some digits of
 * 16 bits are then the same in every key (the pass skipped), and few
 * distinct keys give long runs of equal ones.  With scratch, the sort
 * is given its scratch space. */
static void
check(size_t n, uint64_t mask, uint64_t seed, int scratch)
{
	struct el *a = calloc(n + 1, sizeof(*a)), *b = calloc(n + 1,
	    sizeof(*b)), *tmp;
	size_t i, ok = 1;

	for (i = 0; i < n; i++) {
		a[i].k = rnd(&seed) & mask;
		a[i].seq = (uint32_t)i;
		a[i].pad = (uint32_t)rnd(&seed);
		a[i].tail[0] = (char)i;
	}
	memcpy(b, a, n * sizeof(*a));
	tmp = scratch ? calloc(n + 1, sizeof(*tmp)) : NULL;
	mbr_radix_sort(a, n, sizeof(*a), offsetof(struct el, k), tmp);
	free(tmp);
	qsort(b, n, sizeof(*b), cmp_el);
	for (i = 0; i < n; i++)
		ok &= memcmp(&a[i], &b[i], sizeof(a[i])) == 0;
	T_OK(ok);
	free(a);
	free(b);
}

int
main(void)
{
	check(0, ~0ULL, 1, 0);
	check(1, ~0ULL, 2, 0);
	check(2, ~0ULL, 3, 0);
	check(100000, ~0ULL, 4, 0);
	check(100000, 0xffff0000ffff0000ULL, 5, 0);	/* two passes skipped */
	check(100000, 0x7, 6, 0);		/* eight keys, long runs */
	check(1000, 0, 7, 0);			/* one key: every pass skipped */
	check(100000, ~0ULL, 8, 1);		/* in the caller's scratch */
	check(100001, 0xffff0000ULL, 9, 1);
	return T_DONE();
}
