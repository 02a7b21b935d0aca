/* mbr.h: what every module shares: the version, byte slices, value types.
 *
 * A slice points into memory owned by someone else (a read block, an
 * arena); its lifetime is stated by whoever hands it out. */
#ifndef MBR_H
#define MBR_H
#include <stddef.h>
#include <stdint.h>

#define MBR_VERSION "0.1.0"

typedef struct {
	const char	*p;	/* NULL: absent */
	size_t		 n;
} mbr_slice;

/* The type of a field value.  CSV gives only strings; NDJSON keeps the
 * JSON type so that a value passes through unchanged. */
enum {
	MBR_V_ABSENT = 0,	/* no such field in this record */
	MBR_V_NULL,		/* JSON null */
	MBR_V_STR,		/* text, unescaped, valid UTF-8 */
	MBR_V_NUM,		/* JSON number, its text as written */
	MBR_V_BOOL,		/* "true" or "false" */
	MBR_V_RAW,		/* a nested JSON object or array, its text */
	/* Writers only: text a program formatted itself (a time, an
	 * amount, a name of its own) that holds no quote, backslash,
	 * control character or separator, so that it is written without
	 * being scanned: as it is in CSV, between quotes in JSON. */
	MBR_V_PLAIN
};

/* Character classes for data: ASCII only, whatever the locale (the C
 * library's isdigit and isblank follow it). */
static inline int
mbr_isdigit(int c)
{
	return (unsigned)c - '0' < 10;
}

static inline int
mbr_isblank(int c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

#define MBR_SLICE(s)	((mbr_slice){ (s), sizeof(s) - 1 })

static inline int
mbr_slice_eq(mbr_slice a, const char *s, size_t n)
{
	extern int memcmp(const void *, const void *, size_t);
	return a.p != NULL && a.n == n && memcmp(a.p, s, n) == 0;
}
#endif
