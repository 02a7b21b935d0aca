/* mbr_oidset.h: a set of order ids seen, kept as 64-bit hashes of the
 * ids rather than the ids, so that tens of millions of orders cost 24
 * bytes each (at most three quarters full, 32 on average).  Each entry
 * keeps a fingerprint of the rest of its record, so that an order seen
 * again is told apart as the same order (a duplicate) or another order
 * with the same id (a conflict), and where it was first seen, for the
 * message.  Two ids sharing a hash (odds near 1e-6 at 10M orders) show
 * as a conflict reject, never as a silent drop.  mbr-ingest
 * de-duplicates orders and profiles with it, mbr-rfm paid orders. */
#ifndef MBR_OIDSET_H
#define MBR_OIDSET_H
#include <stddef.h>
#include <stdint.h>

typedef struct {
	uint64_t	h;	/* the id's hash; 0: an empty slot */
	uint64_t	fp;	/* fingerprint of the rest of the record */
	uint32_t	line;	/* where the order was first seen */
	uint16_t	file;
	uint8_t		st0;	/* free for the caller: mbr-ingest's */
	uint8_t		st;	/* first and last status */
} mbr_oid;

typedef struct {
	mbr_oid		*s;
	size_t		 cap, n;		/* slots, entries */
	struct mbr_prefault *pf;	/* s being faulted in (mbr_prefault_start) */
} mbr_oidset;

/* A set is zeroed to begin with. */
void	 mbr_oidset_free(mbr_oidset *s);
/* Room for n entries in all, allocated at once: each doubling touched
 * fresh memory again and moved every entry.  A set not yet allocated
 * only learns its size. */
void	 mbr_oidset_reserve(mbr_oidset *s, size_t n);
/* h's entry, or the empty slot where it would go (h 0 there). */
mbr_oid	*mbr_oidset_find(mbr_oidset *s, uint64_t h);
/* h's entry, added (zeroed but for h) when it was not there. */
mbr_oid	*mbr_oidset_add(mbr_oidset *s, uint64_t h);

/* The slot where h's probe begins, to prefetch ahead of a find. */
static inline void
mbr_oidset_prefetch(const mbr_oidset *s, uint64_t h)
{
	/* h's high bits scaled to the slots (Lemire's "fastrange"), so
	 * that the set can have any number of slots: a power of two had
	 * left a 10M-order set at 16.8M slots, 400 MB of fresh memory,
	 * where 15M hold it at the same load. */
	if (s->s != NULL)
		__builtin_prefetch(&s->s[((unsigned __int128)(h ? h : 1) *
		    s->cap) >> 64]);
}
#endif
