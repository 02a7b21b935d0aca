/* mbr_tab.c: see mbr_tab.h.
 *
 * Linear probing over a power-of-two array of 64-bit slots, each the
 * entry number plus one in the low half and 32 bits of the hash in the
 * high half: a probe compares hashes without touching the entry, so a
 * miss costs one cache line.  Entries live in chunks of 2^16 that never
 * move. */
#define _GNU_SOURCE	/* mremap */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "mbr_err.h"
#include "mbr_tab.h"

#define ARENA_BLOCK	(1u << 20)
#define CHUNK_BITS	16
#define CHUNK		(1u << CHUNK_BITS)

struct ablock {
	struct ablock	*next;
	size_t		 used, cap;
	char		 mem[];
};

struct mbr_arena {
	struct ablock	*head;
	size_t		 bytes;
};

mbr_arena *
mbr_arena_new(void)
{
	return mbr_xcalloc(1, sizeof(mbr_arena));
}

void
mbr_arena_free(mbr_arena *a)
{
	struct ablock *b, *next;

	if (a == NULL)
		return;
	for (b = a->head; b != NULL; b = next) {
		next = b->next;
		free(b);
	}
	free(a);
}

static void *
arena_raw(mbr_arena *a, size_t n)
{
	struct ablock *b = a->head;
	void *p;

	n = (n + 7) & ~(size_t)7;
	if (b == NULL || b->cap - b->used < n) {
		size_t cap = n > ARENA_BLOCK / 4 ? n : ARENA_BLOCK;

		b = mbr_xmalloc(sizeof(*b) + cap);
		b->used = 0;
		b->cap = cap;
		a->bytes += sizeof(*b) + cap;
		if (cap == ARENA_BLOCK || a->head == NULL) {
			b->next = a->head;
			a->head = b;
		} else {
			/* A big one-off block goes behind the current one,
			 * which keeps serving small requests. */
			b->next = a->head->next;
			a->head->next = b;
		}
	}
	p = b->mem + b->used;
	b->used += n;
	return p;
}

void *
mbr_arena_alloc(mbr_arena *a, size_t n)
{
	void *p = arena_raw(a, n);

	memset(p, 0, n);
	return p;
}

char *
mbr_arena_strndup(mbr_arena *a, const char *s, size_t n)
{
	char *p = arena_raw(a, n + 1);

	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

size_t
mbr_arena_bytes(const mbr_arena *a)
{
	return a->bytes;
}

/* A key of up to INLINE bytes (most member ids: "phone:+8613800138000"
 * is 20) is kept in the entry itself, so that a lookup touches the slot
 * and the entry and nothing else; a longer one lives in the arena. */
#define INLINE	24

struct entry {
	uint32_t	 n;
	uint32_t	 hash;
	union {
		const char	*p;
		char		 in[INLINE];
	} key;
	/* the value follows, 8-byte aligned */
};

static const char *
ekey(const struct entry *e)
{
	return e->n <= INLINE ? e->key.in : e->key.p;
}

struct mbr_tab {
	uint64_t	*slot;
	size_t		 mask;		/* slots - 1 */
	size_t		 count;
	size_t		 esize;		/* entry header + value, rounded */
	size_t		 valsize;
	char		**chunk;
	size_t		 nchunk;
	mbr_arena	*keys;
	/* mbr_tab_reserve's: chunks made ahead, in one piece, and the
	 * threads faulting them and the slots in */
	char		*spare;
	size_t		 nspare;
	mbr_prefault	*pfspare, *pfslot;
};

uint64_t
mbr_hash(const char *p, size_t n)
{
	return mbr_hash_end(mbr_hash_mix(0x9e3779b97f4a7c15ULL ^
	    (n * 0xff51afd7ed558ccdULL), p, n));
}

/* Straight from mmap rather than calloc: zero pages the kernel fills as
 * they are first touched (no memset of 400 MB up front on the thread
 * that asked), aligned to 2 MiB so that every part of a large table can
 * be a huge page, and so to 64 bytes: calloc's 16-byte offset put each
 * 64-byte entry of the member table across two cache lines, and a
 * prefetch brought only one of them. */
void *
mbr_hugealloc(size_t bytes)
{
	size_t align = 2u << 20, len = (bytes + 4095) & ~(size_t)4095;
	size_t extra = len >= align ? align : 0;
	char *p, *a;

	if (len == 0)
		len = 4096;
	p = mmap(NULL, len + extra, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		mbr_nomem(bytes);
	if (extra == 0)
		return p;
	a = (char *)(((uintptr_t)p + align - 1) & ~(uintptr_t)(align - 1));
	if (a > p)
		munmap(p, (size_t)(a - p));
	if (a + len < p + len + extra)
		munmap(a + len, (size_t)(p + len + extra - (a + len)));
#ifdef MADV_HUGEPAGE
	madvise(a, len, MADV_HUGEPAGE);
#endif
	return a;
}

void *
mbr_hugerealloc(void *p, size_t old, size_t bytes)
{
	size_t olen = (old + 4095) & ~(size_t)4095;
	char *a = mbr_hugealloc(bytes);

	if (p == NULL)
		return a;
#ifdef MREMAP_FIXED
	/* The old pages replace the head of the new, aligned, mapping. */
	if (olen > 0 && olen <= bytes && mremap(p, olen, olen,
	    MREMAP_MAYMOVE | MREMAP_FIXED, a) != MAP_FAILED)
		return a;
#endif
	memcpy(a, p, old < bytes ? old : bytes);
	mbr_hugefree(p, old);
	return a;
}

#if defined(__linux__) && !defined(MADV_POPULATE_WRITE)
#define MADV_POPULATE_WRITE	23	/* Linux 5.14; older headers */
#endif

struct mbr_prefault {
	pthread_t	 t;
	char		*p;
	size_t		 len;
	atomic_int	 stop;
};

static void *
prefault(void *arg)
{
	mbr_prefault *pf = arg;
	size_t step = 2u << 20, off = pf->len;

	/* 2 MiB at a time, so that a stop request is heard soon. */
	while (off > 0 && !atomic_load(&pf->stop)) {
		size_t k = off >= step ? step : off;

		off -= k;
		if (madvise(pf->p + off, k, MADV_POPULATE_WRITE) != 0)
			break;	/* not this kernel, or no memory: faults later */
	}
	return NULL;
}

mbr_prefault *
mbr_prefault_start(void *p, size_t bytes)
{
#ifdef MADV_POPULATE_WRITE
	mbr_prefault *pf;

	if (p == NULL || bytes < (16u << 20))
		return NULL;
	pf = mbr_xcalloc(1, sizeof(*pf));
	pf->p = p;
	pf->len = (bytes + 4095) & ~(size_t)4095;
	atomic_init(&pf->stop, 0);
	if (pthread_create(&pf->t, NULL, prefault, pf) != 0) {
		free(pf);
		return NULL;
	}
	return pf;
#else
	(void)p;
	(void)bytes;
	return NULL;
#endif
}

void
mbr_prefault_end(mbr_prefault *pf)
{
	if (pf == NULL)
		return;
	atomic_store(&pf->stop, 1);
	pthread_join(pf->t, NULL);
	free(pf);
}

void
mbr_hugegrow(void **p, size_t *cap, size_t n, size_t sz, mbr_prefault **pf)
{
	size_t ncap = *cap ? *cap : 4096, old = *cap * sz, from;

	if (n <= *cap)
		return;
	/* the first size asked is taken as it is (a caller's estimate of
	 * all it needs, when it has one: rounding 11M up to 16M would
	 * fault in a third more than is used) */
	if (*cap == 0 && n > ncap)
		ncap = n;
	/* then by half again: a move costs no copy (mbr_hugerealloc), and
	 * what is added is faulted in whole */
	while (ncap < n)
		ncap += ncap / 2;
	mbr_prefault_end(*pf);
	*p = mbr_hugerealloc(*p, old, ncap * sz);
	from = (old + 4095) & ~(size_t)4095;	/* madvise wants pages */
	*pf = from < ncap * sz ? mbr_prefault_start((char *)*p + from,
	    ncap * sz - from) : NULL;
	*cap = ncap;
}

void
mbr_hugefree(void *p, size_t bytes)
{
	size_t len = (bytes + 4095) & ~(size_t)4095;

	if (p != NULL)
		munmap(p, len ? len : 4096);
}

mbr_tab *
mbr_tab_new(size_t valsize)
{
	mbr_tab *t = mbr_xcalloc(1, sizeof(*t));

	t->valsize = valsize;
	t->esize = (sizeof(struct entry) + valsize + 7) & ~(size_t)7;
	t->mask = 1023;
	t->slot = mbr_hugealloc((t->mask + 1) * sizeof(uint64_t));
	t->keys = mbr_arena_new();
	return t;
}

void
mbr_tab_free(mbr_tab *t)
{
	size_t i;

	if (t == NULL)
		return;
	mbr_prefault_end(t->pfspare);
	mbr_prefault_end(t->pfslot);
	for (i = 0; i < t->nchunk; i++)
		mbr_hugefree(t->chunk[i], CHUNK * t->esize);
	mbr_hugefree(t->spare, t->nspare * CHUNK * t->esize);
	free(t->chunk);
	mbr_hugefree(t->slot, (t->mask + 1) * sizeof(uint64_t));
	mbr_arena_free(t->keys);
	free(t);
}

static struct entry *
entry_at(const mbr_tab *t, size_t i)
{
	return (struct entry *)(t->chunk[i >> CHUNK_BITS] +
	    (i & (CHUNK - 1)) * t->esize);
}

/* A slot holds the hash's low 32 bits over the entry's number plus
 * one (0: empty). */
static struct entry *
slot_entry(const mbr_tab *t, uint64_t s)
{
	return entry_at(t, (s & 0xffffffffu) - 1);
}

/* Doubles the slots (or more: nmask + 1 of them): the old ones are
 * moved into the head of the new array and cleared (pages already
 * touched), and every entry is put back from the entries themselves,
 * read in order, each one's slot fetched a few entries ahead (the slots
 * are written at random: without it half the time of the growths was
 * that wait). */
static void
resize(mbr_tab *t, size_t nmask)
{
	size_t obytes = (t->mask + 1) * sizeof(uint64_t), i, j;
	uint64_t *ns;

	mbr_prefault_end(t->pfslot);
	t->pfslot = NULL;
	ns = mbr_hugerealloc(t->slot, obytes, (nmask + 1) * sizeof(uint64_t));

	memset(ns, 0, obytes);
	for (i = 0; i < t->count; i++) {
		uint32_t h = entry_at(t, i)->hash;

		if (i + 16 < t->count)
			__builtin_prefetch(&ns[entry_at(t, i + 16)->hash &
			    nmask], 1);

		j = h & nmask;
		while (ns[j] != 0)
			j = (j + 1) & nmask;
		ns[j] = ((uint64_t)h << 32) | (i + 1);
	}
	t->slot = ns;
	t->mask = nmask;
}

static void
grow(mbr_tab *t)
{
	resize(t, t->mask * 2 + 1);
}

void
mbr_tab_reserve(mbr_tab *t, size_t n)
{
	size_t want, nmask = t->mask, need;

	/* Entries are numbered in 32 bits (a slot's low half). */
	if (t->count >= (size_t)1 << 31)
		return;
	if (n > ((size_t)1 << 31) - t->count)
		n = ((size_t)1 << 31) - t->count;
	want = t->count + n;
	while (want * 4 > (nmask + 1) * 3)
		nmask = nmask * 2 + 1;
	if (nmask != t->mask) {
		resize(t, nmask);
		/* slots filled at random from the first key on: all their
		 * pages at once (see mbr_prefault_start) */
		if (t->count == 0)
			t->pfslot = mbr_prefault_start(t->slot, (nmask + 1) *
			    sizeof(uint64_t));
	}
	/* and the entries' chunks, in one piece faulted in from its end
	 * while the table fills from its front: with the slots, most of
	 * the fresh memory an insert touched, where 10M order ids spent a
	 * second of one thread in page faults */
	need = (want + CHUNK - 1) / CHUNK;
	if (t->nspare == 0 && need > t->nchunk) {
		t->nspare = need - t->nchunk;
		t->spare = mbr_hugealloc(t->nspare * CHUNK * t->esize);
		mbr_prefault_end(t->pfspare);
		t->pfspare = mbr_prefault_start(t->spare, t->nspare * CHUNK *
		    t->esize);
	}
}

/* Whether n-byte keys a and b are equal.  Member ids are mostly 8 to
 * 40 bytes: a few word compares, the last one overlapping, in place of
 * a call to memcmp for each order. */
static inline int
key_eq(const char *a, const char *b, size_t n)
{
	uint64_t x, y;
	size_t i;

	if (n < 8)
		return memcmp(a, b, n) == 0;
	for (i = 0; i + 8 < n; i += 8) {
		memcpy(&x, a + i, 8);
		memcpy(&y, b + i, 8);
		if (x != y)
			return 0;
	}
	memcpy(&x, a + n - 8, 8);
	memcpy(&y, b + n - 8, 8);
	return x == y;
}

static size_t
find(const mbr_tab *t, const char *key, size_t n, uint32_t h, int *found)
{
	size_t j = h & t->mask;

	for (;; j = (j + 1) & t->mask) {
		uint64_t s = t->slot[j];
		struct entry *e;

		if (s == 0) {
			*found = 0;
			return j;
		}
		if ((uint32_t)(s >> 32) != h)
			continue;
		e = slot_entry(t, s);
		if (e->n == n && key_eq(ekey(e), key, n)) {
			*found = 1;
			return j;
		}
	}
}

void *
mbr_tab_upsert(mbr_tab *t, const char *key, size_t n, int *isnew)
{
	return mbr_tab_upsert_h(t, key, n, mbr_hash(key, n), isnew);
}

/* A member's slot is found within its first few slots almost always,
 * but at loads near 3/4 linear probing makes runs longer than the 8
 * slots of a cache line: measured on 1.7M real-shaped member ids, only
 * two-thirds of the lookups found their entry in the first two slots,
 * and the rest stalled on an entry nobody had fetched.  So the slot's
 * line and the next are fetched (9 to 16 slots from the first), and the
 * entry's fetch looks up to PROBE slots on: 98% of lookups then find
 * their entry fetched, and a fold of 9.5M orders went from 50 to 38 ns
 * an order. */
#define PROBE	12

void
mbr_tab_prefetch(const mbr_tab *t, uint64_t h)
{
	size_t j = (uint32_t)h & t->mask;

	__builtin_prefetch(&t->slot[j]);
	__builtin_prefetch(&t->slot[(j + 8) & t->mask]);
}

void
mbr_tab_prefetch_entry(const mbr_tab *t, uint64_t h64)
{
	uint32_t h = (uint32_t)h64;
	size_t k;

	for (k = 0; k < PROBE; k++) {
		uint64_t s = t->slot[(h + k) & t->mask];

		if (s == 0)
			return;		/* a new member: no entry yet */
		if ((uint32_t)(s >> 32) == h) {
			__builtin_prefetch(slot_entry(t, s), 1);
			return;
		}
	}
}

size_t
mbr_tab_upsert_ix(mbr_tab *t, const char *key, size_t n, uint64_t h64,
    int *isnew)
{
	uint32_t h = (uint32_t)h64;
	struct entry *e;
	int found;
	size_t j = find(t, key, n, h, &found);

	if (found) {
		if (isnew != NULL)
			*isnew = 0;
		return (t->slot[j] & 0xffffffffu) - 1;
	}
	if ((t->count + 1) * 4 > (t->mask + 1) * 3) {
		grow(t);
		j = find(t, key, n, h, &found);
	}
	if ((t->count & (CHUNK - 1)) == 0) {
		t->chunk = mbr_xrealloc(t->chunk,
		    (t->nchunk + 1) * sizeof(char *));
		if (t->nspare > 0) {
			t->chunk[t->nchunk++] = t->spare;
			t->spare = --t->nspare > 0 ? t->spare + CHUNK *
			    t->esize : NULL;
		} else
			t->chunk[t->nchunk++] = mbr_hugealloc(CHUNK * t->esize);
	}
	e = entry_at(t, t->count);
	memset(e, 0, t->esize);
	if (n <= INLINE)
		memcpy(e->key.in, key, n);
	else
		e->key.p = mbr_arena_strndup(t->keys, key, n);
	e->n = (uint32_t)n;
	e->hash = h;
	t->count++;
	t->slot[j] = ((uint64_t)h << 32) | t->count;
	if (isnew != NULL)
		*isnew = 1;
	return t->count - 1;
}

void *
mbr_tab_upsert_h(mbr_tab *t, const char *key, size_t n, uint64_t h64,
    int *isnew)
{
	return mbr_tab_val(t, mbr_tab_upsert_ix(t, key, n, h64, isnew));
}

void *
mbr_tab_get(const mbr_tab *t, const char *key, size_t n)
{
	return mbr_tab_get_h(t, key, n, mbr_hash(key, n));
}

void *
mbr_tab_get_h(const mbr_tab *t, const char *key, size_t n, uint64_t h64)
{
	uint32_t h = (uint32_t)h64;
	int found;
	size_t j = find(t, key, n, h, &found);

	if (!found)
		return NULL;
	return (char *)slot_entry(t, t->slot[j]) +
	    sizeof(struct entry);
}

void *
mbr_tab_take_index(mbr_tab *t, size_t *bytes)
{
	void *p = t->slot;

	mbr_prefault_end(t->pfslot);
	t->pfslot = NULL;
	*bytes = (t->mask + 1) * sizeof(uint64_t);
	t->slot = NULL;
	return p;
}

size_t
mbr_tab_count(const mbr_tab *t)
{
	return t->count;
}

void *
mbr_tab_val(const mbr_tab *t, size_t i)
{
	return (char *)entry_at(t, i) + sizeof(struct entry);
}

mbr_slice
mbr_tab_key(const mbr_tab *t, size_t i)
{
	struct entry *e = entry_at(t, i);

	return (mbr_slice){ ekey(e), e->n };
}

size_t
mbr_tab_index(const mbr_tab *t, const void *v)
{
	const struct entry *e = (const struct entry *)
	    ((const char *)v - sizeof(struct entry));
	size_t c;

	/* Entries never move, so the chunk holding e names the entry. */
	for (c = 0; c < t->nchunk; c++) {
		const char *base = t->chunk[c];
		if ((const char *)e >= base &&
		    (const char *)e < base + CHUNK * t->esize)
			return (c << CHUNK_BITS) +
			    (size_t)((const char *)e - base) / t->esize;
	}
	abort();
}

size_t
mbr_tab_bytes(const mbr_tab *t)
{
	return (t->slot != NULL ? (t->mask + 1) * sizeof(uint64_t) : 0) +
	    t->nchunk * CHUNK * t->esize + mbr_arena_bytes(t->keys);
}
