/* mbr_pstate.h: what mbr-points carries from one night to the next:
 * each member's counters, lots, tier and qualifying days, and the ids
 * of the orders and points events already booked.
 *
 * In memory it is three mbr_tab tables (members, orders, events) and a
 * pool of list nodes (a member's lots and qualifying days, a few each).
 * On disk it is a text file of tab-separated lines, ending in a line
 * that counts the lines before it and gives their CRC-32, so that a
 * state cut short (a disk full, a copy interrupted) is refused rather
 * than read as fewer members. */
#ifndef MBR_PSTATE_H
#define MBR_PSTATE_H
#include <stdint.h>
#include "mbr.h"
#include "mbr_err.h"
#include "mbr_program.h"
#include "mbr_tab.h"

#define MBR_PSTATE_VERSION 1

/* A lot (day: its last day, or INT32_MAX for one that does not expire
 * by date; v: points) or a qualifying day (v: spend, w: points). */
typedef struct {
	int32_t		 day;
	uint32_t	 next;	/* the next node of the list, 0: none */
	int64_t		 v, w;
} mbr_pnode;

/* A list of nodes in day order; tail makes the common case, a day
 * after all the others, a step rather than a walk of cache misses. */
typedef struct {
	uint32_t	 head, tail;
} mbr_plist;

enum {
	MBR_PM_KNOWN = 1,	/* has a record booked */
	MBR_PM_SIGNED = 2,	/* signup bonus given */
	MBR_PM_PROFILE = 4,	/* in this run's --members */
	MBR_PM_DORMANT = 8	/* its points expired for inactivity, and
				 * there was no activity since */
};

typedef struct {
	int64_t		 earned, redeemed, expired, clawed, adjusted, debt;
	int64_t		 since, tier_since;
	int64_t		 bday_next;	/* next birthday bonus, INT64_MAX */
	int64_t		 cap_used;	/* points earned on cap_day */
	int32_t		 cap_day, last_act;
	mbr_plist	 lots, qual;
	int64_t		 qspend, qpts;	/* sums over qual's nodes */
	uint32_t	 rank;		/* run only: place by member_id */
	uint32_t	 prof;		/* run only: its profile's fields */
	int16_t		 tier;
	uint8_t		 bday_m, bday_d;
	uint8_t		 flags;
} mbr_pmem;

enum {
	MBR_PO_PAID_SEEN = 1,	/* a paid record was read */
	MBR_PO_STATUS = 2,	/* the entry of a refunded, cancelled or
				 * pending record, keyed "ORDER_ID\x1fS" (S:
				 * its status's first letter), which holds
				 * its member, time and amount to judge the
				 * same record read again */
	MBR_PO_EARNED = 4,	/* its paid record was booked */
	MBR_PO_REFUNDED = 8	/* its refund was booked */
};

typedef struct {
	int64_t		 ts, amount, earned;
	uint32_t	 mem;
	int32_t		 lot;	/* the lot its points went to */
	uint8_t		 flags;
} mbr_porder;

enum { MBR_PE_REDEEM = 1, MBR_PE_ADJUST = 2 };
enum { MBR_PE_REJECTED = 1 };

typedef struct {
	int64_t		 ts, points;
	uint32_t	 mem;		/* UINT32_MAX: no such member */
	uint8_t		 type, flags;
	const char	*rawmem;	/* the member_id as written */
	size_t		 rawmemn;
	/* this run's: for rejects and the ledger */
	unsigned long	 line;
	const char	*raw, *reason;
	size_t		 rawn;
} mbr_pevent;

/* The pool of list nodes is in chunks that never move, numbered
 * through: node i is chunk i >> MBR_PNODE_BITS, so that threads
 * replaying members of their own (mbr_pstate_fork) each take and free
 * nodes from a cursor of their own while the others' stay put. */
#define MBR_PNODE_BITS	17
#define MBR_PNODE_CHUNK	(1u << MBR_PNODE_BITS)

typedef struct mbr_ppool mbr_ppool;

typedef struct {
	mbr_tab		*mem, *ord, *ev;
	mbr_arena	*arena;		/* events' member ids */
	mbr_pnode	**chunk;	/* the pool's chunks (pool's) */
	mbr_ppool	*pool;		/* shared by forks */
	uint32_t	 next, end;	/* this cursor's chunk: [next, end) */
	uint32_t	 freenode;	/* nodes this cursor freed, linked */
	int		 fork;		/* a fork: frees nothing but itself */
	int64_t		 asof;		/* the as-of of the run that wrote it */
	int		 asof_set;
} mbr_pstate;

void	mbr_pstate_init(mbr_pstate *st);
void	mbr_pstate_free(mbr_pstate *st);

/* Member number of an id, the member created if new. */
uint32_t mbr_pstate_member(mbr_pstate *st, const char *id, size_t n);
/* The same with the id's mbr_hash computed (and its slot prefetched:
 * mbr_tab_prefetch on st->mem). */
uint32_t mbr_pstate_member_h(mbr_pstate *st, const char *id, size_t n,
	    uint64_t h);
/* The same without creating: UINT32_MAX if unknown. */
uint32_t mbr_pstate_member_find(const mbr_pstate *st, const char *id,
	    size_t n);
size_t	 mbr_pstate_nmem(const mbr_pstate *st);

static inline mbr_pmem *
mbr_pstate_mem(const mbr_pstate *st, uint32_t i)
{
	return mbr_tab_val(st->mem, i);
}

static inline mbr_slice
mbr_pstate_id(const mbr_pstate *st, uint32_t i)
{
	return mbr_tab_key(st->mem, i);
}

static inline mbr_pnode *
mbr_pstate_node(const mbr_pstate *st, uint32_t i)
{
	return &st->chunk[i >> MBR_PNODE_BITS][i & (MBR_PNODE_CHUNK - 1)];
}

/* A new node (zeroed); nodes never move. */
uint32_t mbr_pstate_node_new(mbr_pstate *st);
void	 mbr_pstate_node_free(mbr_pstate *st, uint32_t i);
/* Node numbers below this have been handed out (for checks). */
size_t	 mbr_pstate_node_limit(const mbr_pstate *st);
/* A copy of st for a thread that replays members no other thread
 * touches: the same tables and pool, a node cursor of its own.  Free it
 * with mbr_pstate_free; the nodes it took stay in the pool. */
void	 mbr_pstate_fork(const mbr_pstate *st, mbr_pstate *copy);

/* The node of day d in list l, made (v, w zero) in its place if there
 * is none. */
mbr_pnode *mbr_plist_at(mbr_pstate *st, mbr_plist *l, int32_t day);
/* Removes the node *at links to (a link of list l). */
void	 mbr_plist_unlink(mbr_pstate *st, mbr_plist *l, uint32_t *at);

uint32_t mbr_pstate_order_get(mbr_pstate *st, const char *id, size_t n,
	    int *isnew);
uint32_t mbr_pstate_order_get_h(mbr_pstate *st, const char *id, size_t n,
	    uint64_t h, int *isnew);

static inline mbr_porder *
mbr_pstate_order(const mbr_pstate *st, uint32_t i)
{
	return mbr_tab_val(st->ord, i);
}

static inline mbr_slice
mbr_pstate_order_id(const mbr_pstate *st, uint32_t i)
{
	return mbr_tab_key(st->ord, i);
}

uint32_t mbr_pstate_event_get(mbr_pstate *st, const char *id, size_t n,
	    int *isnew);

static inline mbr_pevent *
mbr_pstate_event(const mbr_pstate *st, uint32_t i)
{
	return mbr_tab_val(st->ev, i);
}

static inline mbr_slice
mbr_pstate_event_id(const mbr_pstate *st, uint32_t i)
{
	return mbr_tab_key(st->ev, i);
}

/* Reads a state file into an empty st.  A state of another programme
 * (its checksum) is MBR_EUSAGE unless reprogram, and then a tier the
 * programme lacks is; a file cut short or altered, MBR_EIO. */
int	mbr_pstate_read(mbr_pstate *st, const char *path,
	    const mbr_program *p, int reprogram, mbr_err *err);
/* Parses a state file's text (for the fuzz target); as above. */
int	mbr_pstate_parse(mbr_pstate *st, const char *src, const char *text,
	    size_t n, const mbr_program *p, int reprogram, mbr_err *err);
/* Writes the members that have a record booked, with their lots,
 * qualifying days, orders and events, atomically. */
int	mbr_pstate_write(const mbr_pstate *st, const char *path,
	    const mbr_program *p, mbr_err *err);
#endif
