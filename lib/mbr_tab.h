/* mbr_tab.h: a string-keyed hash table of fixed-size values, and the
 * arena that holds its keys.
 *
 * Per-member state (DESIGN.md) lives here: one open-addressing table
 * keyed by the member_id, each key copied once into an arena.  Entries
 * stay in insertion order and never move, so a value pointer stays
 * valid for the table's life and iteration is deterministic (nothing in
 * hash order reaches output).  Memory per entry: 32 bytes of header
 * holding keys of up to 24 bytes (longer ones go to an arena), the
 * value, and 8 bytes a slot at a load of at most 3/4. */
#ifndef MBR_TAB_H
#define MBR_TAB_H
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include "mbr.h"

typedef struct mbr_arena mbr_arena;

mbr_arena	*mbr_arena_new(void);
void		 mbr_arena_free(mbr_arena *a);
/* 8-byte aligned, zeroed, valid until mbr_arena_free. */
void		*mbr_arena_alloc(mbr_arena *a, size_t n);
char		*mbr_arena_strndup(mbr_arena *a, const char *s, size_t n);
size_t		 mbr_arena_bytes(const mbr_arena *a);

typedef struct mbr_tab mbr_tab;

/* valsize: bytes of each value, zeroed when the entry is created. */
mbr_tab	*mbr_tab_new(size_t valsize);
void	 mbr_tab_free(mbr_tab *t);
/* Room for n more entries without the slots growing again: for a
 * caller that knows about how many keys are coming (a CSV file's rows,
 * mbr_reader_rows_hint), so that the slots are made once at their size
 * instead of doubling, each time every entry put back and fresh memory
 * touched at random.  The slots (made from empty) and the entries to
 * come are faulted in on threads of their own (mbr_prefault_start).
 * Too large a guess costs slots and entries never used. */
void	 mbr_tab_reserve(mbr_tab *t, size_t n);
/* The value for key, created if absent (*isnew set to 1, else 0;
 * isnew may be NULL). */
void	*mbr_tab_upsert(mbr_tab *t, const char *key, size_t n, int *isnew);
/* The same, with the key's mbr_hash already computed: a caller that
 * knows the key early hashes it, calls mbr_tab_prefetch, and does its
 * other work while the slot's cache line arrives. */
void	*mbr_tab_upsert_h(mbr_tab *t, const char *key, size_t n, uint64_t h,
	    int *isnew);
/* The same, giving the entry's number (mbr_tab_index of the value
 * walks the table's chunks: 3% of mbr-points' run at 10M orders). */
size_t	 mbr_tab_upsert_ix(mbr_tab *t, const char *key, size_t n,
	    uint64_t h, int *isnew);
void	 mbr_tab_prefetch(const mbr_tab *t, uint64_t h);
/* Once the slot has arrived: fetches the entry it points to, so that a
 * caller running a few keys ahead finds both in the cache. */
void	 mbr_tab_prefetch_entry(const mbr_tab *t, uint64_t h);
/* The value for key, or NULL; _h with its mbr_hash computed (and
 * prefetched, as for upsert). */
void	*mbr_tab_get(const mbr_tab *t, const char *key, size_t n);
void	*mbr_tab_get_h(const mbr_tab *t, const char *key, size_t n,
	    uint64_t h);
/* Gives up the slots, keeping the entries: for a table that is
 * complete and only iterated from now on (upsert and get must not
 * follow).  Their memory is handed to the caller as scratch, *bytes of
 * it with content undefined, to free with mbr_hugefree: pages a process
 * has touched cost nothing to use again, where fresh ones cost a fault
 * each (see mbr_hugerealloc). */
void	*mbr_tab_take_index(mbr_tab *t, size_t *bytes);
/* Entries are numbered 0..count-1 in insertion order. */
size_t	 mbr_tab_count(const mbr_tab *t);
void	*mbr_tab_val(const mbr_tab *t, size_t i);
mbr_slice mbr_tab_key(const mbr_tab *t, size_t i);
/* The number of the entry whose value is v. */
size_t	 mbr_tab_index(const mbr_tab *t, const void *v);
/* Bytes held: slots, entries and keys. */
size_t	 mbr_tab_bytes(const mbr_tab *t);

uint64_t mbr_hash(const char *p, size_t n);

/* mbr_hash in two steps, for one hash over several strings (a record's
 * fingerprint): mbr_hash_mix folds n bytes into h, sixteen at a time
 * with one 64x64->128-bit multiply (wyhash's "mum"), the last 1-16
 * bytes read as two words that may overlap (the length, which the
 * caller folds in first, tells them apart); mbr_hash_end (murmur3's
 * finaliser) makes every bit of h reach the low ones, which pick the
 * slot.  The chain of one multiply per 8 bytes it replaced was a tenth
 * of mbr-ingest's time, fingerprinting every order. */
static inline uint64_t
mbr_hash_mum(uint64_t a, uint64_t b)
{
	__uint128_t r = (__uint128_t)a * b;

	return (uint64_t)r ^ (uint64_t)(r >> 64);
}

static inline uint64_t
mbr_hash_mix(uint64_t h, const char *p, size_t n)
{
	const uint64_t k1 = 0xa0761d6478bd642fULL, k2 = 0xe7037ed1a0b428dbULL;
	uint64_t a, b;
	uint32_t x, y;

	for (; n > 16; p += 16, n -= 16) {
		memcpy(&a, p, 8);
		memcpy(&b, p + 8, 8);
		h = mbr_hash_mum(a ^ k1, b ^ h ^ k2);
	}
	if (n >= 8) {
		memcpy(&a, p, 8);
		memcpy(&b, p + n - 8, 8);
	} else if (n >= 4) {
		memcpy(&x, p, 4);
		memcpy(&y, p + n - 4, 4);
		a = x;
		b = y;
	} else if (n > 0) {
		a = (uint64_t)(unsigned char)p[0] << 16 |
		    (uint64_t)(unsigned char)p[n >> 1] << 8 |
		    (unsigned char)p[n - 1];
		b = 0;
	} else
		return h;
	return mbr_hash_mum(a ^ k1, b ^ h ^ k2);
}

static inline uint64_t
mbr_hash_end(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	return h ^ (h >> 33);
}

/* Zeroed memory for a large table probed at random, aligned to 64
 * bytes and, from 2 MiB up, to 2 MiB (free with mbr_hugefree, giving the
 * same size).
 * Each probe is a cache miss, and on 4 KiB pages a TLB miss too, a
 * costly one in a virtual machine: from 2 MiB up it is asked for on
 * huge pages, which cut a 13M-order ingest by a fifth here. */
void	*mbr_hugealloc(size_t bytes);
/* Grows p (from mbr_hugealloc, old bytes) to bytes, contents kept and
 * the rest zeroed, by moving its pages rather than copying them: memory
 * a process has not touched yet costs a fault to clear, at 0.5 GB/s on
 * first use in this virtual machine (24 GB/s reused), and a table that
 * doubles would otherwise take all of its size fresh each time. */
void	*mbr_hugerealloc(void *p, size_t old, size_t bytes);
void	 mbr_hugefree(void *p, size_t bytes);
/* Faults in p's bytes (from mbr_hugealloc) on a thread of its own,
 * contents kept, from the end back, while the caller goes on using
 * them: a table probed at random from its first entry touches all its
 * pages at once, and there each fresh page waited for this machine's
 * host on the one thread inserting (10M orders: 0.8 s with the other
 * core idle).  mbr_prefault_end waits for it; call it before freeing
 * or moving p.  NULL where the kernel cannot (MADV_POPULATE_WRITE,
 * Linux 5.14) or p is small. */
typedef struct mbr_prefault mbr_prefault;
mbr_prefault *mbr_prefault_start(void *p, size_t bytes);
void	 mbr_prefault_end(mbr_prefault *pf);
/* An array on mbr_hugealloc that grows: room for n elements of sz bytes
 * at *p (*cap of them now), by half again, moved by mbr_hugerealloc; each
 * new part is faulted in on a thread of its own (*pf) while the caller
 * fills the part before it.  Free with mbr_prefault_end(*pf), then
 * mbr_hugefree(*p, *cap * sz). */
void	 mbr_hugegrow(void **p, size_t *cap, size_t n, size_t sz,
	    mbr_prefault **pf);
#endif
