/* mbr_csv.h: splitting CSV text into records of fields, in place.
 *
 * The reader (mbr_reader.c) hands this module a block of text; it finds
 * the next record, splits it into fields and unescapes quoted fields in
 * the block itself, so a field is a slice of the block and nothing is
 * allocated per field.  Rows without a quote take a fast path (memchr
 * for the line end, a scan for the delimiter); rows with quotes take a
 * state machine.  mbr_csv_ref_* is the same job done by libcsv, kept as
 * the reference that tests/unit/test_csv_diff.c compares against.
 *
 * The dialect is RFC 4180 as libcsv reads it without CSV_STRICT, with
 * spaces kept (no trimming): records end at LF, CRLF or a lone CR
 * outside quotes; a quoted field may hold delimiters, CR and LF, and ""
 * for a quote; a quote inside an unquoted field is kept as a character;
 * characters after a closing quote are appended to the field (libcsv).
 * Blank lines are not records.  A quoted field still open at the end of
 * input is an error. */
#ifndef MBR_CSV_H
#define MBR_CSV_H
#include <stddef.h>
#include "mbr.h"
#include "mbr_buf.h"
#include "mbr_err.h"

typedef struct mbr_csvrec_ {
	mbr_slice	*f;		/* the fields, slices of the block */
	size_t		 nf;		/* fields in this record */
	size_t		 cap;		/* slots in f; grown as needed */
	unsigned long	 nlines;	/* lines the record spans (>= 1) */
	unsigned long	 skipped;	/* blank lines skipped before it */
	const char	*raw;		/* the record's text as it was read, */
	size_t		 rawn;		/* without its line end (see mbr_csv_next) */
	mbr_buf		 rawbuf;	/* raw copy when the record had quotes */
	mbr_buf		 ref;		/* mbr_csv_ref_next's field storage */
	const unsigned	*widths;	/* MBR_CSV_WIDTHS: the caller's */
	size_t		 nwidths;
} mbr_csvrec;

void	mbr_csvrec_init(mbr_csvrec *r);
void	mbr_csvrec_release(mbr_csvrec *r);

/* Finds and splits the next record in p[0..n).
 *   > 0: a record was found; returns the bytes consumed, including its
 *        line end and any blank lines before it.  Fields point into p
 *        (quoted fields are unescaped in place, so p[] changes inside
 *        the record) or into r's storage.  raw/rawn give the record's
 *        original text: a slice of p for a record without quotes, a copy
 *        in r->rawbuf for one with quotes (taken before unescaping).
 *        All are valid until the next call or until p changes.
 *   0:   no complete record in p[0..n) and eof is 0: read more and call
 *        again with the same start (nothing in p was changed).  With eof
 *        set, 0 means only blank lines or nothing remained; the bytes
 *        to skip are then n.
 *   < 0: an error (MBR_EDATA in err): a quoted field still open at the
 *        end of input (eof set): "unterminated quoted field".  The
 *        return is -(bytes consumed), here always -n; nlines and raw
 *        describe the unterminated record.
 * Without eof, a record must end with a line end inside p[0..n); with
 * eof, the last line needs none.  delim is the field separator
 * (',' ';' '\t' '|'), or MBR_CSV_BLANKS: each line a record whose
 * fields are split at runs of blanks (space, tab), leading and trailing
 * ones ignored, quotes plain characters (CDNOW's aligned columns, old
 * POS logs). */
#define MBR_CSV_BLANKS ' '
/* delim MBR_CSV_WIDTHS: each line a record cut into fields of r->widths
 * display columns each (a wide CJK character takes two, as in a GBK
 * file's bytes; a tab is one), blanks around a field trimmed; a short
 * line's missing fields are empty, and text past the last width makes
 * the return -(bytes consumed) with err set ("line is longer than the
 * widths"): a bad record, not a lost one. */
#define MBR_CSV_WIDTHS 1
long	mbr_csv_next(char *p, size_t n, int eof, int delim, mbr_csvrec *r,
	    mbr_err *err);

/* Picks the delimiter for a header line: the one of , ; TAB | that
 * occurs most often outside quotes (ties in that order); ',' if none. */
int	mbr_csv_sniff(const char *line, size_t n);

/* For tests: forces how mbr_csv_next scans a line (0 by memchr, 1 in
 * SSE2 steps of 64 bytes, 2 in AVX-512 steps; -1 the best the CPU and
 * the build have) and returns the level in use, lower when the one
 * asked for is missing. */
int	mbr_csv_impl(int level);
/* The reference: the same contract as mbr_csv_next, computed by libcsv
 * (slower, allocates; fields point into r's own storage). */
long	mbr_csv_ref_next(char *p, size_t n, int eof, int delim,
	    mbr_csvrec *r, mbr_err *err);

/* Appends s as one CSV field, quoted if it holds the delimiter, a quote,
 * CR or LF, or begins or ends with a blank (RFC 4180). */
void	mbr_csv_quote(mbr_buf *out, const char *s, size_t n,
	    int delim);
#endif
