/* mbr_writer.h: writing records as CSV or NDJSON.
 *
 * A program adds a record's fields one by one and ends the record; the
 * writer quotes (RFC 4180 or JSON) and buffers.  For CSV the header is
 * the first record's field names, or what mbr_writer_header declares;
 * a later record may omit fields (written empty) and may give them in
 * another order, but may not bring a field the header lacks: that is an
 * error, since CSV cannot hold it and a dropped field is data lost. */
#ifndef MBR_WRITER_H
#define MBR_WRITER_H
#include <stddef.h>
#include <stdint.h>
#include "mbr.h"
#include "mbr_err.h"
#include "mbr_reader.h"

typedef struct mbr_writer mbr_writer;

/* path NULL or "-": stdout.  format MBR_FMT_CSV or _NDJSON.  gzip: -z.
 * delim is the CSV separator (0 for ',').  A named file is a complete
 * product, written atomically (MBR_OUT_ATOMIC in mbr_io.h): it replaces
 * the file of that name at mbr_writer_close, or, in a run, when the run
 * ends well (mbr_run_close); a failed run leaves the old one. */
int	mbr_writer_open(mbr_writer **w, const char *path, int format,
	    int gzip, int delim, mbr_err *err);
/* Declares the CSV header (ignored for NDJSON); before the first
 * record only.  The names are copied. */
void	mbr_writer_header(mbr_writer *w, const mbr_slice *names, size_t n);
/* Adds a field to the current record.  The value must stay valid
 * until mbr_writer_end; the name's text must not change while the
 * writer is open (it is recognised by its pointer from one record to
 * the next: a literal, a reader's column name). */
void	mbr_writer_field(mbr_writer *w, mbr_slice name, mbr_slice val,
	    int type);
/* MBR_V_PLAIN when text s can be written as one (no CSV separator
 * would have it quoted and JSON would not escape it), else MBR_V_STR:
 * for names of a program's own that come from its options. */
int	mbr_writer_plain(const char *s, size_t n);
/* Conveniences: a string, a C string, an integer, a null. */
void	mbr_writer_str(mbr_writer *w, const char *name, const char *v,
	    size_t n);
void	mbr_writer_cstr(mbr_writer *w, const char *name, const char *v);
void	mbr_writer_int(mbr_writer *w, const char *name, int64_t v);
void	mbr_writer_null(mbr_writer *w, const char *name);
/* Every present field of an input record, in input order, except the
 * columns for which skip[col] is set (skip may be NULL; it must have
 * mbr_reader_ncols entries). */
void	mbr_writer_rec(mbr_writer *w, const mbr_reader *rd,
	    const mbr_rec *rec, const unsigned char *skip);
/* mbr_writer_rec, for a program that passes records through: when the
 * record's text as read (rec->raw) is what they would be written as,
 * it is copied whole at mbr_writer_end rather than field by field, the
 * same bytes at a fraction of the cost.  That is so when w writes CSV
 * (or TSV) with the input's separator, the raw text is the fields
 * joined by it (not quoted, as a slice of the block they were parsed
 * from shows), no field would be quoted (or TSV-escaped), none is
 * skipped, and w's header has the record's columns first, in the
 * record's order (declared, written or to be made from this record).
 * Returns 1 then: the record's text will begin with rec->raw, unless a
 * field added after this one bears one of its names; else 0. */
int	mbr_writer_rec_raw(mbr_writer *w, const mbr_reader *rd,
	    const mbr_rec *rec, const unsigned char *skip);
/* Writes the record.  MBR_EDATA for a field missing from the CSV
 * header. */
int	mbr_writer_end(mbr_writer *w, mbr_err *err);
/* Writes a record of n values (and their MBR_V_ types) that are the
 * fields w already knows, in their order: the CSV header's (declared
 * or written), or the names of the records written before (a fork
 * knows its parent's).  Nothing is looked up by name, for a program
 * writing millions of records of the same fields.  MBR_EDATA when w
 * knows other than n names (mbr_writer_names). */
int	mbr_writer_row(mbr_writer *w, const mbr_slice *vals,
	    const uint8_t *types, size_t n, mbr_err *err);
size_t	mbr_writer_names(const mbr_writer *w);
/* Writes the CSV header if no record was written (so that an empty
 * result is still a valid CSV), flushes, closes; MBR_EIO on a write
 * error at the end (one before it ends the program: mbr_io.h).  Frees
 * w. */
int	mbr_writer_close(mbr_writer *w, mbr_err *err);
/* A writer with w's format, separator and header names that keeps its
 * records in memory, so that blocks of records can be formatted on
 * other threads: mbr_writer_put writes f's records to w's output (after
 * w's header) and empties f.  w must know its header (declared, or a
 * record written).  Close f with mbr_writer_close. */
mbr_writer *mbr_writer_fork(const mbr_writer *w);
/* A writer that keeps its records in memory and writes nowhere: a model
 * to fork from when the writer the records are for is not open yet
 * (mbr-segment's --split files, opened as their first record comes). */
mbr_writer *mbr_writer_mem(int format, int delim);
void	mbr_writer_put(mbr_writer *w, mbr_writer *f);
/* For a program that writes only some of a fork's records: the bytes f
 * holds (its next record's offset), f's bytes [off, off + n) written
 * to w as that many records, and f emptied. */
size_t	mbr_writer_held(const mbr_writer *f);
/* f's bytes from off (at most mbr_writer_held) on, to read back what a
 * record was formatted as (a fork's record begins at the offset
 * mbr_writer_held gave before it): valid until f next changes. */
const char *mbr_writer_held_at(const mbr_writer *f, size_t off);
void	mbr_writer_put_span(mbr_writer *w, const mbr_writer *f, size_t off,
	    size_t n, unsigned long long records);
void	mbr_writer_clear(mbr_writer *f);
int	mbr_writer_format(const mbr_writer *w);
unsigned long long mbr_writer_count(const mbr_writer *w);
#endif
