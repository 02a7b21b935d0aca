/* mbr_sort.c: sorting large arrays by an integer key (mbr_sort.h). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mbr_err.h"
#include "mbr_sort.h"

void
mbr_radix_sort(void *base, size_t n, size_t size, size_t off, void *scratch)
{
	char *a = base, *tmp, *src = a, *dst;
	size_t *cnt, i, sum, c;
	uint64_t k;
	int pass;

	if (n < 2)
		return;
	tmp = scratch != NULL ? scratch : mbr_xmalloc(n * size);
	cnt = mbr_xmalloc(65536 * sizeof(*cnt));
	dst = tmp;
	for (pass = 0; pass < 4; pass++) {
		int sh = pass * 16;

		memset(cnt, 0, 65536 * sizeof(*cnt));
		for (i = 0; i < n; i++) {
			memcpy(&k, src + i * size + off, sizeof(k));
			cnt[k >> sh & 0xffff]++;
		}
		memcpy(&k, src + off, sizeof(k));
		if (cnt[k >> sh & 0xffff] == n)
			continue;
		for (i = 0, sum = 0; i < 65536; i++) {
			c = cnt[i];
			cnt[i] = sum;
			sum += c;
		}
		for (i = 0; i < n; i++) {
			memcpy(&k, src + i * size + off, sizeof(k));
			memcpy(dst + cnt[k >> sh & 0xffff]++ * size,
			    src + i * size, size);
		}
		dst = src;
		src = src == a ? tmp : a;
	}
	if (src != a)
		memcpy(a, src, n * size);
	free(cnt);
	if (scratch == NULL)
		free(tmp);
}
