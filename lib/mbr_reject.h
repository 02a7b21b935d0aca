/* mbr_reject.h: records that cannot be used.
 *
 * Nothing is dropped unseen (DESIGN.md): a bad record goes to the
 * --rejects file with reject_reason and reject_source (file:line), and
 * stderr gets one summary line per reason.  Without --rejects the first
 * few are shown on stderr.  --max-rejects N or P% turns too many into a
 * failed run (exit 1); without it, a run that rejected every record
 * fails.
 *
 * The rejects file is NDJSON (the record's fields, or "raw" with its
 * text when it could not be parsed), or CSV with the columns
 * reject_reason, reject_source, raw when its name ends in ".csv". */
#ifndef MBR_REJECT_H
#define MBR_REJECT_H
#include <stdint.h>
#include "mbr_buf.h"
#include "mbr_err.h"
#include "mbr_reader.h"

typedef struct {
	int		set;
	uint64_t	n;	/* at most n rejects ... */
	uint64_t	ppm;	/* ... or, when pct, parts per million */
	int		pct;
	char		text[24];	/* as written, for messages */
} mbr_limit;

typedef struct mbr_rejects mbr_rejects;

/* path NULL: show the first MBR_REJECTS_SHOWN on stderr. */
#define MBR_REJECTS_SHOWN 5
int	mbr_rejects_open(mbr_rejects **rj, const char *path, int quiet,
	    mbr_err *err);
/* Rejects an input record.  reason is the class the summary counts
 * ("bad amount"); msg the full message (amount "12,3x" is not a
 * number).  For a bad record from the reader, pass rec->bad, rec->why. */
void	mbr_reject(mbr_rejects *rj, const mbr_reader *rd, const mbr_rec *rec,
	    const char *reason, const char *msg);
/* The same with the message made from fmt. */
void	mbr_rejectf(mbr_rejects *rj, const mbr_reader *rd, const mbr_rec *rec,
	    const char *reason, const char *fmt, ...)
	    __attribute__((format(printf, 5, 6)));
/* Rejects a record kept as its text (a row of an order that was held
 * in memory). */
void	mbr_reject_raw(mbr_rejects *rj, const char *file, unsigned long line,
	    const char *raw, size_t rawn, const char *reason, const char *msg);
/* Rejects held back, for a record seen on another thread or before the
 * lines before it are counted (mbr_split): mbr_reject_hold appends to b
 * what mbr_reject would write (rj is only read), mbr_reject_held
 * writes the rejects so held (all of b, or any run of whole ones cut
 * from it: a record's own, kept with the record) as from file, each at
 * its rec->line + add. */
void	mbr_reject_hold(const mbr_rejects *rj, mbr_buf *b,
	    const mbr_reader *rd, const mbr_rec *rec, const char *reason,
	    const char *msg);
/* The same for a record kept as its text, at line. */
void	mbr_reject_hold_raw(const mbr_rejects *rj, mbr_buf *b,
	    unsigned long line, const char *raw, size_t rawn,
	    const char *reason, const char *msg);
/* Writes them in line order, whatever order they were held in. */
void	mbr_reject_held(mbr_rejects *rj, const char *file, unsigned long add,
	    mbr_slice held);
uint64_t mbr_rejects_count(const mbr_rejects *rj);
/* 1 if the rejects so far exceed the limit, out of records. */
int	mbr_limit_over(const mbr_limit *l, uint64_t rejects,
	    uint64_t records);
/* Prints the summary (unless quiet), closes the file, frees; returns
 * MBR_EDATA with a message when rejects exceed max out of records (or
 * without max, when every record was rejected),
 * MBR_EIO when the rejects file could not be written. */
int	mbr_rejects_close(mbr_rejects *rj, uint64_t records,
	    const mbr_limit *max, mbr_err *err);
#endif
