/* mbr_sort.h: sorting large arrays by an integer key. */
#ifndef MBR_SORT_H
#define MBR_SORT_H
#include <stddef.h>

/* Sorts n elements of size bytes by the uint64_t at byte off of each,
 * stably, by LSD radix, 16 bits a pass, a pass skipped where every key
 * has the same digit.  Millions of elements sort in tens of
 * milliseconds, where qsort took a second (glibc sorts elements over 32
 * bytes through pointers, a cache miss a comparison).  Stable, so that
 * a sort by a second key and then by a first orders by both. */
/* tmp: n * size bytes of scratch, or NULL to allocate them. */
void	mbr_radix_sort(void *base, size_t n, size_t size, size_t off,
	    void *tmp);
#endif
