/* mbr_ndjson.h: reading one flat JSON object per line, and writing JSON
 * strings.
 *
 * NDJSON records are flat by contract (DESIGN.md), so a record is a
 * list of key/value slices; a scanner that knows only that shape runs
 * several times faster than building a jansson tree per line.
 * mbr_ndjson_ref_parse does the same through jansson and is kept as the
 * reference that tests/unit/test_ndjson_diff.c compares against.  A
 * nested object or array is not an error: it is kept as its raw JSON
 * text (MBR_V_RAW) and passes through. */
#ifndef MBR_NDJSON_H
#define MBR_NDJSON_H
#include <stddef.h>
#include "mbr.h"
#include "mbr_buf.h"
#include "mbr_err.h"

typedef struct {
	mbr_slice	key;	/* unescaped */
	mbr_slice	val;	/* unescaped for strings; text for numbers,
				 * true/false, null, raw JSON */
	int		type;	/* MBR_V_STR, _NUM, _BOOL, _NULL, _RAW */
} mbr_kv;

typedef struct {
	mbr_kv	*kv;
	size_t	 nkv;
	size_t	 cap;
	mbr_buf	 scratch;	/* unescaped strings live here */
} mbr_jrec;

void	mbr_jrec_init(mbr_jrec *r);
void	mbr_jrec_release(mbr_jrec *r);

/* Parses the object in line[0..n) (no newline; surrounding blanks are
 * allowed).  Slices point into line (when a string has no escape) or
 * into r->scratch (which is reserved to n bytes first, so it never
 * moves during a parse); both are valid until the next call.  Keys keep
 * their order and duplicates (the caller decides; the last wins).
 * Errors, MBR_EDATA, name the column (1-based byte offset):
 *   not a JSON object
 *   invalid JSON at column 17: expected ':'
 *   invalid JSON at column 9: bad escape "\x"
 *   invalid JSON at column 30: trailing characters after the object
 * Strings must be valid UTF-8 (invalid UTF-8 at column N); \u escapes
 * produce UTF-8, surrogate pairs combined; a lone surrogate and \u0000
 * are errors. */
int	mbr_ndjson_parse(const char *line, size_t n, mbr_jrec *r,
	    mbr_err *err);
/* The same through jansson (errors carry jansson's text). */
int	mbr_ndjson_ref_parse(const char *line, size_t n, mbr_jrec *r,
	    mbr_err *err);

/* Appends s as a JSON string with quotes: escapes " \ and control
 * characters (\n \r \t \b \f and \u00XX); UTF-8 passes as is. */
void	mbr_json_quote(mbr_buf *out, const char *s, size_t n);
#endif
