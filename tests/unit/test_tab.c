/* test_tab.c: the hash table that member tables and order-id sets stand
 * on, its hash, and the aligned zeroed memory they live in. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "mbr_tab.h"
#include "t.h"

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Counts equal neighbours once sorted: 0 means no two hashes agree. */
static size_t
collisions(uint64_t *h, size_t n)
{
	size_t i, c = 0;

	qsort(h, n, sizeof(*h), cmp_u64);
	for (i = 1; i < n; i++)
		c += h[i] == h[i - 1];
	return c;
}

/* Keys that differ little, as order ids and phones do: the 64-bit hash
 * is the order-id set's identity, so two of them agreeing would make
 * two orders one.  Among 2^20 keys a random 64-bit function collides
 * with odds of 3e-8; any collision here is a flaw. */
static void
test_hash_near_keys(void)
{
	size_t n = 1u << 20, i, k = 0;
	uint64_t *h = malloc(3 * n * sizeof(*h));
	char s[64];
	int len;

	for (i = 0; i < n; i++) {
		len = snprintf(s, sizeof(s), "J2022%012zu", i);
		h[k++] = mbr_hash(s, (size_t)len);
		len = snprintf(s, sizeof(s), "phone:+86138%08zu", i);
		h[k++] = mbr_hash(s, (size_t)len);
		len = snprintf(s, sizeof(s), "%zu", i);
		h[k++] = mbr_hash(s, (size_t)len);
	}
	T_EQ_I(collisions(h, k), 0);
	free(h);
}

/* Every length 0-80 of one text, and every one-byte change of every
 * position: the tail words overlap, so this is where a careless tail
 * would lose bytes. */
static void
test_hash_every_byte(void)
{
	char s[81];
	uint64_t h[81 + 81 * 80 * 2];
	size_t k = 0, n, i;

	memset(s, 'a', sizeof(s));
	for (n = 0; n <= 80; n++)
		h[k++] = mbr_hash(s, n);
	for (n = 1; n <= 80; n++)
		for (i = 0; i < n; i++) {
			s[i] = 'b';
			h[k++] = mbr_hash(s, n);
			s[i] = '\0';
			h[k++] = mbr_hash(s, n);
			s[i] = 'a';
		}
	T_EQ_I(collisions(h, k), 0);
	/* the same bytes give the same hash wherever they lie */
	memcpy(s + 1, "phone:+8613800138000", 20);
	T_EQ_I(mbr_hash(s + 1, 20) == mbr_hash("phone:+8613800138000", 20),
	    1);
}

/* The low bits pick the slot: keys 0..n-1 should spread over 2^10
 * buckets about evenly (no bucket at twice its share). */
static void
test_hash_low_bits(void)
{
	static unsigned count[1024];
	char s[32];
	unsigned max = 0;
	int i, len;

	for (i = 0; i < 1024 * 64; i++) {
		len = snprintf(s, sizeof(s), "%d", i);
		count[mbr_hash(s, (size_t)len) & 1023]++;
	}
	for (i = 0; i < 1024; i++)
		if (count[i] > max)
			max = count[i];
	T_OK(max < 128);
}

/* resv: entries reserved first (mbr_tab_reserve: slots, and chunks of
 * entries made ahead, in one piece); more keys than that come from
 * chunks made as they are needed. */
static void
test_tab(size_t resv)
{
	mbr_tab *t = mbr_tab_new(sizeof(uint64_t));
	size_t n = 200000, i, ok = 1;
	char s[64];
	int len, isnew;
	uint64_t *v;
	mbr_slice key;

	if (resv > 0)
		mbr_tab_reserve(t, resv);
	for (i = 0; i < n; i++) {
		/* every 7th key longer than fits in the entry */
		len = snprintf(s, sizeof(s), i % 7 ? "m%zu" :
		    "a-member-id-too-long-for-the-entry-%zu", i);
		v = mbr_tab_upsert(t, s, (size_t)len, &isnew);
		ok &= isnew == 1 && *v == 0;
		*v = i * 3;
	}
	T_OK(ok);
	T_EQ_I(mbr_tab_count(t), n);
	for (i = 0; i < n; i += 997) {
		len = snprintf(s, sizeof(s), i % 7 ? "m%zu" :
		    "a-member-id-too-long-for-the-entry-%zu", i);
		v = mbr_tab_upsert(t, s, (size_t)len, &isnew);
		ok &= isnew == 0 && *v == i * 3;
		ok &= mbr_tab_get(t, s, (size_t)len) == v;
		ok &= mbr_tab_index(t, v) == i;
		ok &= mbr_tab_upsert_ix(t, s, (size_t)len, mbr_hash(s,
		    (size_t)len), &isnew) == i && isnew == 0;
		key = mbr_tab_key(t, i);
		ok &= key.n == (size_t)len && memcmp(key.p, s, key.n) == 0;
		ok &= *(uint64_t *)mbr_tab_val(t, i) == i * 3;
	}
	T_OK(ok);
	T_OK(mbr_tab_get(t, "m", 1) == NULL);
	T_OK(mbr_tab_get(t, "m200000", 7) == NULL);
	/* a new key by number: the next one, its value zeroed */
	T_EQ_I(mbr_tab_upsert_ix(t, "m200000", 7, mbr_hash("m200000", 7),
	    &isnew), n);
	T_EQ_I(isnew, 1);
	T_EQ_I(*(uint64_t *)mbr_tab_val(t, n), 0);
	T_OK(mbr_tab_get(t, "m200000", 7) == mbr_tab_val(t, n));
	mbr_tab_free(t);
}

/* A len-byte key (10 to 31) holding x's eight digits at its start, in
 * its middle or at its end (at = 0, 1, 2) and a filler elsewhere, so
 * that two keys may differ in one word of the compare alone. */
static void
put_key(char *s, int len, int at, size_t x)
{
	int pre = at * (len - 8) / 2;

	memset(s, 'f', (size_t)len);
	snprintf(s + pre, 9, "%08zu", x % 100000000);
	if (pre + 8 < len)
		s[pre + 8] = 'f';
	s[len] = '\0';
}

/* Keys of 8 bytes and more are compared a word at a time.  The compare
 * runs only when the slot's 32 hash bits agree, so enough keys of one
 * length are made for some to agree (checked) and every key must still
 * get an entry and a value of its own. */
static void
test_tab_word_compare(void)
{
	static const int lens[] = { 10, 16, 20, 24, 31 };
	const int nlens = (int)(sizeof(lens) / sizeof(lens[0]));
	size_t per = 150000, i, n = 0, same = 0, ok = 1;
	uint64_t *h = malloc(per * sizeof(*h));
	mbr_tab *t = mbr_tab_new(sizeof(uint64_t));
	char s[32];
	int k, at, isnew;
	uint64_t *v;

	for (k = 0; k < nlens; k++)
		for (at = 0; at < 3; at++) {
			for (i = 0; i < per; i++) {
				put_key(s, lens[k], at, i * 7919);
				h[i] = (uint32_t)mbr_hash(s, (size_t)lens[k]);
				v = mbr_tab_upsert(t, s, (size_t)lens[k],
				    &isnew);
				ok &= isnew == 1;
				*v = n++;
			}
			same += collisions(h, per);
		}
	T_OK(same > 0);
	T_OK(ok);
	T_EQ_I(mbr_tab_count(t), n);
	for (k = 0, n = 0; k < nlens; k++)
		for (at = 0; at < 3; at++)
			for (i = 0; i < per; i++, n++) {
				put_key(s, lens[k], at, i * 7919);
				v = mbr_tab_get(t, s, (size_t)lens[k]);
				ok &= v != NULL && *v == n;
			}
	T_OK(ok);
	/* one byte off anywhere is another key */
	for (k = 0; k < nlens; k++)
		for (i = 0; i < (size_t)lens[k]; i++) {
			put_key(s, lens[k], 1, 0);
			s[i] = 'x';
			ok &= mbr_tab_get(t, s, (size_t)lens[k]) == NULL;
		}
	T_OK(ok);
	free(h);
	mbr_tab_free(t);
}

/* Zeroed, 64-byte aligned below 2 MiB and 2 MiB aligned from there. */
static void
test_hugealloc(void)
{
	size_t sizes[] = { 1, 4096, 65536 * 24, 4u << 20, (6u << 20) + 8 };
	size_t i, j, zero;

	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		unsigned char *p = mbr_hugealloc(sizes[i]);

		T_EQ_I((uintptr_t)p % 64, 0);
		if (sizes[i] >= 2u << 20)
			T_EQ_I((uintptr_t)p % (2u << 20), 0);
		for (j = 0, zero = 1; j < sizes[i]; j += 511)
			zero &= p[j] == 0;
		T_OK(zero && p[sizes[i] - 1] == 0);
		p[0] = p[sizes[i] - 1] = 1;
		mbr_hugefree(p, sizes[i]);
	}
}

/* Faulting a table in behind its user's back keeps what the user
 * writes, before, during and after. */
static void
test_prefault(void)
{
	size_t bytes = 96u << 20, i, step = 4096 * 7 + 8, ok = 1;
	unsigned char *p = mbr_hugealloc(bytes);
	mbr_prefault *pf;

	for (i = 0; i < bytes; i += step * 2)
		p[i] = (unsigned char)(i / step);
	pf = mbr_prefault_start(p, bytes);
	for (i = step; i < bytes; i += step * 2)
		p[i] = (unsigned char)(i / step);
	mbr_prefault_end(pf);
	for (i = 0; i < bytes; i += step)
		ok &= p[i] == (unsigned char)(i / step);
	for (i = 0; i < bytes; i += 4096)
		ok &= i % step == 0 || p[i] == 0;
	T_OK(ok);
	/* small or absent memory is not worth a thread */
	T_OK(mbr_prefault_start(p, 4096) == NULL);
	T_OK(mbr_prefault_start(NULL, bytes) == NULL);
	mbr_prefault_end(NULL);
	mbr_hugefree(p, bytes);
}

int
main(void)
{
	test_hash_near_keys();
	test_hash_every_byte();
	test_hash_low_bits();
	test_tab(0);
	test_tab(200000);	/* all of them: four chunks ahead */
	test_tab(70000);	/* two chunks ahead, then two more */
	test_tab(10);		/* one */
	test_tab_word_compare();
	test_hugealloc();
	test_prefault();
	return T_DONE();
}
