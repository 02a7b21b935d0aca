/* mbr_reader.h: reading records from CSV or NDJSON inputs.
 *
 * Every program reads through this.  Inputs are read in large blocks
 * and parsed in place; a record is an array of field slices indexed by
 * column number.  Column numbers are shared by all inputs of a run
 * (a name means one column, whichever file it came from), resolved
 * against each CSV header once and per NDJSON record through a cache
 * of the previous record's keys, so programs look fields up by index:
 *
 *	int ix = mbr_reader_col(rd, "amount");	   once, before the loop
 *	while ((r = mbr_reader_next(rd, &rec, &err)) > 0) {
 *		if (r == MBR_READ_FILE) continue;  a new input began
 *		if (rec.bad != NULL) { reject it; continue; }
 *		mbr_slice a = rec.f[ix];	   p NULL: absent
 *	}
 *	if (err.code != MBR_OK) fail;
 *
 * A record that cannot be parsed (wrong field count, invalid UTF-8, a
 * NUL byte, invalid JSON) is still returned, with bad and why set and
 * no fields, so that the program can reject it: nothing is dropped
 * unseen. */
#ifndef MBR_READER_H
#define MBR_READER_H
#include <stddef.h>
#include <stdint.h>
#include "mbr.h"
#include "mbr_err.h"

/* MBR_FMT_TSV: for output, tab-separated with \\t \\n \\r \\\\ escaped
 * (no quotes); as an input format, CSV with tabs. */
enum { MBR_FMT_AUTO, MBR_FMT_CSV, MBR_FMT_NDJSON, MBR_FMT_TSV };

typedef struct {
	int		 format;	/* MBR_FMT_*; AUTO detects per input */
	int		 delim;		/* CSV separator; 0 sniffs the header;
					 * MBR_CSV_BLANKS: runs of blanks */
	const char	*columns;	/* "a,b,c": a CSV input's column names,
					 * its first line being data; NULL: its
					 * header names them */
	const unsigned	*widths;	/* non-NULL: fixed-width lines, cut
					 * at these display columns */
	size_t		 nwidths;
	int		 skip_header;	/* the first line is no data: a title
					 * above the header, or with columns
					 * a header to drop */
	const char	*encoding;	/* NULL: UTF-8 */
	int		 progress;	/* show a progress line on stderr */
	const char *const *names;	/* NULL, or per input its name in
					 * messages and rec.file when not
					 * NULL: "stdin" for a copy of it
					 * opened as /dev/fd/N (mbr_spool) */
} mbr_reader_opts;

typedef struct {
	const mbr_slice	*f;	/* f[col]; f[col].p NULL when absent */
	const uint8_t	*type;	/* type[col]: MBR_V_* */
	const int	*order;	/* the columns present, in input order */
	size_t		 n;	/* entries in order */
	const char	*file;	/* input name, "stdin" for - */
	int		 fileno;	/* 0-based index of the input */
	unsigned long	 line;	/* the record's first line */
	mbr_slice	 raw;	/* its text as read (without line end) */
	const char	*bad;	/* NULL, or the reason class of a bad record */
	const char	*why;	/* the message for a bad record */
} mbr_rec;

typedef struct mbr_reader mbr_reader;

enum { MBR_READ_END = 0, MBR_READ_REC = 1, MBR_READ_FILE = 2 };

/* Opens every input (an unreadable one is MBR_EIO before anything is
 * read).  nfiles 0 reads stdin. */
int	mbr_reader_open(mbr_reader **rd, const mbr_reader_opts *o,
	    int nfiles, char *const files[], mbr_err *err);
/* Begins the first input (its format, its CSV header) so that
 * mbr_reader_format can be asked before the first mbr_reader_next,
 * which still returns MBR_READ_FILE for it. */
int	mbr_reader_start(mbr_reader *rd, mbr_err *err);
void	mbr_reader_free(mbr_reader *rd);
/* MBR_READ_REC: rec holds the next record, valid until the next call.
 * MBR_READ_FILE: an input begins (rec->file and rec->fileno name it;
 *   nothing else of rec is set); for CSV its header has been read, so
 *   mbr_reader_has tells which columns it has.
 * MBR_READ_END (0): no more input, or an error (err->code set: MBR_EIO
 *   for read errors, MBR_EDATA for a header that cannot be read). */
int	mbr_reader_next(mbr_reader *rd, mbr_rec *rec, mbr_err *err);
/* The column number for a name, created if no input has had it. */
int	mbr_reader_col(mbr_reader *rd, const char *name, size_t n);
/* 1 if the current CSV input's header has the column (for NDJSON: if
 * any record so far had it). */
int	mbr_reader_has(const mbr_reader *rd, int col);
mbr_slice mbr_reader_colname(const mbr_reader *rd, int col);
/* For a name that is no column of the input (mbr_reader_has): the
 * column whose name is nearest, within an edit or two (one for names of
 * up to 4 bytes; case ignored), or -1: "did you mean ...?". */
int	mbr_reader_closest(const mbr_reader *rd, const char *s, size_t n);
int	mbr_reader_ncols(const mbr_reader *rd);
/* The current input's format (MBR_FMT_CSV or _NDJSON) and, for CSV,
 * its separator. */
int	mbr_reader_format(const mbr_reader *rd);
int	mbr_reader_delim(const mbr_reader *rd);
/* The current CSV input's header as column numbers, in file order. */
const int *mbr_reader_header(const mbr_reader *rd, size_t *n);
/* Records returned so far (good and bad), and input bytes. */
unsigned long long mbr_reader_count(const mbr_reader *rd);
unsigned long long mbr_reader_bytes(const mbr_reader *rd);
/* Records returned from input i. */
unsigned long long mbr_reader_count_in(const mbr_reader *rd, int i);
const char *mbr_reader_filename(const mbr_reader *rd, int i);
int	mbr_reader_nfiles(const mbr_reader *rd);
/* The index of the input being read. */
int	mbr_reader_current(const mbr_reader *rd);
/* About how many records are left in the input just begun, from its
 * size and the lines that are not blank in the first 64 KB read of it,
 * at most one per 16 bytes; 0 when that cannot be told (any input but
 * a CSV file read as it is, see mbr_reader_plain; a block of few
 * lines).  For sizing a table once rather
 * than growing it row by row; a file whose first rows are much shorter
 * than the rest gets more than it needs. */
unsigned long long mbr_reader_rows_hint(const mbr_reader *rd);

/* mbr_reader_next, except that at the end of the current input it
 * returns MBR_READ_END instead of beginning the next one (which the
 * next mbr_reader_next does). */
int	mbr_reader_next_in(mbr_reader *rd, mbr_rec *rec, mbr_err *err);

/* For mbr_split, which parses a large CSV file on several threads:
 * mbr_reader_plain tells whether the input just begun (its
 * MBR_READ_FILE returned, its header read) is a regular file read as it
 * is, and if so gives its descriptor, at *off the file offset of its
 * first record and at *line that record's line; else -1.  mbr_reader_csvrec makes a record of what
 * mbr_csv_next returned (r) with the checks the reader makes (NUL
 * bytes, UTF-8, field count, an unterminated quote), setting f[col] for
 * the header's columns and rec's raw, bad, why (in why), order and n;
 * returns 1 for a good record.  clean: its text is known to be UTF-8
 * without NUL (mbr_utf8_clean_lines), so it is not checked again.  mbr_reader_advance counts records and
 * bytes read by other means; mbr_reader_end_input says the rest of the
 * input was, so that the next mbr_reader_next begins the next one. */
int	mbr_reader_plain(const mbr_reader *rd, long long *off,
	    unsigned long *line);
struct mbr_csvrec_;
int	mbr_reader_csvrec(const mbr_reader *rd, long r,
	    const struct mbr_csvrec_ *cr, int clean, mbr_slice *f,
	    mbr_rec *rec, char *why, size_t nwhy);
void	mbr_reader_advance(mbr_reader *rd, unsigned long long records,
	    unsigned long long bytes);
void	mbr_reader_end_input(mbr_reader *rd);

/* Parses a --input-format / --output-format name; -1 if unknown. */
int	mbr_format_parse(const char *s);
#endif
