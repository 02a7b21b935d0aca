/* mbr_split.h: an input's records worked on in chunks, on several
 * threads, and committed in input order.
 *
 * A program whose work on a record splits into a part that needs only
 * the record (parsing its time and amount, evaluating rules, formatting
 * a row: map) and a part that must see the records in input order
 * (folding into per-member state, de-duplicating, writing: commit)
 * hands both to mbr_split_input when an input begins.  A CSV input that
 * is a regular file is cut into chunks of a few MB at line ends; each
 * chunk is read (pread), parsed and mapped on whichever thread is free,
 * and the chunks are committed one at a time in file order, so that the
 * result is that of one pass over the file.  A cut is a guess: a line
 * end inside a quoted field is no record end.  The chunk before a cut
 * knows where its last record really ended; a chunk that began
 * elsewhere is read and mapped again from there before it is
 * committed.  Any other input (stdin, gzip, NDJSON, a converted
 * encoding) is read and mapped on the calling thread and committed on a
 * second one.  With one thread everything runs on the caller.
 *
 * Map sees records as mbr_reader_next gives them, except that a split
 * chunk numbers its lines from 1: map must not keep rec->line, and
 * rejects its records through mbr_chunk_reject, which holds them until
 * the chunk is committed and its lines are known.  Map must not touch
 * what commit changes; it gets a per-chunk state to count and decide
 * in, and items to hand to commit. */
#ifndef MBR_SPLIT_H
#define MBR_SPLIT_H
#include <stddef.h>
#include "mbr_err.h"
#include "mbr_reader.h"
#include "mbr_reject.h"

typedef struct mbr_split mbr_split;
typedef struct mbr_chunk mbr_chunk;

/* commit's answer when map guessed wrong about what the chunks before
 * had decided (the run's currency, say): the chunk is mapped again,
 * after those chunks, on the committing thread, and committed again.
 * Only for a chunk begun with neither prev nor after (see begin). */
#define MBR_SPLIT_AGAIN	(-1)

typedef struct {
	size_t	 itemsize;	/* bytes of an item */
	size_t	 statesize;	/* bytes of a chunk's own state */
	/* Before a chunk is mapped, st zeroed; and again when it is
	 * mapped again (a cut that was no record end, MBR_SPLIT_AGAIN):
	 * what map left in its slot's buffers (mbr_chunk_slot) is to be
	 * emptied here, not at its first record, since a chunk mapped
	 * again may have none.  What map decides from the records before
	 * the chunk can be known two ways: prev is the state of the chunk
	 * before as its map left it, when the same thread mapped that one
	 * just before (else NULL); after is 1 when every chunk before is
	 * committed (the state commit keeps may be read).  With neither,
	 * map must guess and commit check. */
	void	(*begin)(void *ctx, mbr_chunk *ck, void *st,
		    const void *prev, int after);
	void	(*map)(void *ctx, mbr_chunk *ck, void *st,
		    const mbr_rec *rec);
	/* MBR_OK, MBR_SPLIT_AGAIN, or an error code (err filled), which
	 * stops the run. */
	int	(*commit)(void *ctx, mbr_chunk *ck, void *st, mbr_err *err);
} mbr_split_fns;

/* threads: 1 runs all on the caller. */
mbr_split *mbr_split_new(const mbr_split_fns *fn, void *ctx, int threads,
	    mbr_reader *rd, mbr_rejects *rj);
void	 mbr_split_free(mbr_split *sp);
/* 1 if mbr_split_input would cut the input just begun into chunks
 * (a regular CSV file read as it is, of two chunks or more). */
int	 mbr_split_cuts(mbr_split *sp);
/* Maps and commits every record of the input that mbr_reader_next has
 * just begun (MBR_READ_FILE); the next mbr_reader_next begins the next
 * input.  MBR_OK, or the first error (a read error, a commit's). */
int	 mbr_split_input(mbr_split *sp, mbr_err *err);

/* The engine under mbr_split_input, for work that is not an input's
 * records (formatting a program's output in blocks, say): tasks 0 to
 * n-1, each run on whichever thread is free, then done one at a time in
 * order on some thread.  A task's slot (0 to MBR_SPLIT_SLOTS-1) is its
 * place in a ring of buffers the caller keeps: a slot is used again
 * only after its task is done.  Returns MBR_OK, or the first error a
 * done returned (err filled), after which no task is begun. */
#define MBR_SPLIT_SLOTS	8
int	 mbr_split_tasks(int threads, long n,
	    void (*run)(void *ctx, int slot, long k),
	    int (*done)(void *ctx, int slot, long k, mbr_err *err),
	    void *ctx, mbr_err *err);

/* For map: room for the next item (zeroed) and, if extra > 0, extra
 * bytes for it at *xp, 8-byte aligned; both stay until the chunk is
 * committed. */
void	*mbr_chunk_add(mbr_chunk *ck, size_t extra, void **xp);
/* For map: rejects rec (as mbr_reject does) once the chunk commits. */
void	 mbr_chunk_reject(mbr_chunk *ck, const mbr_rec *rec,
	    const char *reason, const char *msg);
/* For map or commit: rejects a record kept as its text (a row held
 * with an item), at the line map saw (rec->line), in line order with
 * the chunk's other rejects. */
void	 mbr_chunk_reject_raw(mbr_chunk *ck, unsigned long line,
	    const char *raw, size_t rawn, const char *reason,
	    const char *msg);
/* The same with the message made from fmt. */
void	 mbr_chunk_rejectf(mbr_chunk *ck, const mbr_rec *rec,
	    const char *reason, const char *fmt, ...)
	    __attribute__((format(printf, 4, 5)));
/* What to add to the rec->line that map saw to make it the line in the
 * file: for commit, and for map when its chunk was begun with after. */
unsigned long mbr_chunk_line(const mbr_chunk *ck);
/* The chunk's slot, 0 to MBR_SPLIT_SLOTS-1: a program keeps per-slot
 * things (a writer, buffers) for map to use. */
int	 mbr_chunk_slot(const mbr_chunk *ck);
/* For commit: the chunk's items, in input order. */
void	*mbr_chunk_items(mbr_chunk *ck, size_t *n);
#endif
