/* touch.c: how fast this machine gives a process fresh memory.
 *
 *	touch MB
 *
 * Maps MB mebibytes, writes a byte in each 4 KiB page (so that the
 * kernel clears every page, on huge pages where it can, as it does for
 * mbr's tables) and prints MB/s.  In a virtual machine whose host takes
 * back the pages the guest frees (free page reporting), the first touch
 * after a pause also waits for the host: bench/run.sh runs this after a
 * pause and again at once, and the report gives both, since every
 * program's peak memory costs time at the first rate. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <time.h>

static double
now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

int
main(int argc, char *argv[])
{
	size_t mb = argc > 1 ? (size_t)atol(argv[1]) : 0, n = mb << 20, i;
	volatile char *p;
	double t;

	if (mb == 0) {
		fprintf(stderr, "usage: touch MB\n");
		return 2;
	}
	p = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
	    -1, 0);
	if (p == MAP_FAILED) {
		perror("touch: mmap");
		return 1;
	}
#ifdef MADV_HUGEPAGE
	madvise((void *)p, n, MADV_HUGEPAGE);
#endif
	t = now();
	for (i = 0; i < n; i += 4096)
		p[i] = 1;
	t = now() - t;
	printf("%.0f\n", (double)mb / (t > 1e-9 ? t : 1e-9));
	return 0;
}
