/* mbr_pipe.h: fixed-size items handed, in order and in batches, from
 * the thread that reads to one worker thread that consumes them.
 *
 * A program whose per-row work splits into parsing (the reader, times,
 * amounts) and folding into per-member state (a hash table probed at
 * random) runs the two on the two cores of a laptop: the reading thread
 * adds an item per row, the worker folds batches of them.  Items are
 * consumed in the order they were added, one batch at a time, so the
 * result is the same as folding each row as it is read; with threads
 * off (or one core) the batches are folded on the reading thread, by
 * the same code.
 *
 * The consumer owns the per-member state until mbr_pipe_drain returns:
 * the reading thread must not touch it in between. */
#ifndef MBR_PIPE_H
#define MBR_PIPE_H
#include <stddef.h>

typedef struct mbr_pipe mbr_pipe;

/* Folds n items; items[i] starts at (char *)items + i * itemsize.
 * Bytes reserved with an item stay valid until the call returns. */
typedef void (*mbr_pipe_fn)(void *ctx, void *items, size_t n);

/* threads: 1 folds on the calling thread, 2 starts a worker. */
mbr_pipe *mbr_pipe_new(size_t itemsize, int threads, mbr_pipe_fn fn,
	    void *ctx);
/* Room for the next item, zeroed, and (if extra > 0) extra bytes for
 * it at *xp, 8-byte aligned: both belong to the pipe. */
void	*mbr_pipe_add(mbr_pipe *p, size_t extra, void **xp);
/* Returns once every item added so far is folded. */
void	 mbr_pipe_drain(mbr_pipe *p);
/* Drains, stops the worker and frees. */
void	 mbr_pipe_free(mbr_pipe *p);

#endif
