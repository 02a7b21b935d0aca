/* mbr_expr.h: the rule language of man/mbr-expr.5.
 *
 * Membership teams change their segments weekly, so the rules are data:
 * text compiled once into a flat array of nodes (children by index,
 * fields by column number, regular expressions compiled by PCRE2 with
 * their match data), then evaluated for every record with no heap
 * allocation.  mbr-segment and mbr-campaign share it.
 *
 * A program compiles its rules and expressions into one mbr_expr,
 * binds the field names to the reader's columns, sets "now" and the
 * zone, and evaluates:
 *
 *	x = mbr_expr_new();
 *	mbr_expr_load(x, "rules", text, n, kinds, &err);   KIND NAME = EXPR
 *	e = mbr_expr_add(x, "--where", s, strlen(s), &err); one EXPR
 *	mbr_expr_bind(x, col, rd);			   once
 *	mbr_expr_setenv(x, tz, now);
 *	while (... a record ...)
 *		if (mbr_expr_test(x, e, rec.f, rec.type)) ...
 *
 * Compile errors are MBR_EUSAGE, with the source, line and column and
 * the line shown with a caret under the spot, in err->msg. */
#ifndef MBR_EXPR_H
#define MBR_EXPR_H
#include <stddef.h>
#include <stdint.h>
#include "mbr.h"
#include "mbr_err.h"
#include "mbr_time.h"

typedef struct mbr_expr mbr_expr;

/* A value while evaluating.  Numbers are exact decimals (mantissa and
 * scale) up to 18 significant digits, doubles beyond: money compares
 * to the cent.  A string borrows its bytes from the record or from the
 * evaluator's scratch space, valid until the next evaluation. */
enum {
	MBR_X_NULL,	/* null, a missing field, an empty CSV field */
	MBR_X_BOOL,
	MBR_X_NUM,
	MBR_X_STR,
	MBR_X_DATE,	/* a calendar day (days since 1970-01-01) */
	MBR_X_TIME	/* an instant and the offset it is shown in */
};

typedef struct {
	uint8_t		 t;	/* MBR_X_* */
	uint8_t		 fld;	/* a string read from a field: compares as
				 * a number when it reads as one */
	uint8_t		 dbl;	/* number held in d, not m and scale */
	uint8_t		 scale;	/* number is m / 10^scale */
	int64_t		 m;	/* number; BOOL 0/1; DATE day */
	double		 d;
	const char	*p;	/* STR */
	size_t		 n;
	mbr_time	 tm;	/* TIME */
} mbr_xval;

/* A statement of a rules file: kind (an index into the kinds given to
 * mbr_expr_load), name, and the expression to evaluate. */
typedef struct {
	int		 kind;
	const char	*name;	/* NUL-terminated, owned by the mbr_expr */
	size_t		 namelen;
	int		 expr;
	const char	*src;	/* where it was written, for messages */
	unsigned long	 line;
} mbr_expr_rule;

mbr_expr *mbr_expr_new(void);
void	mbr_expr_free(mbr_expr *x);

/* Compiles a rules text: lines "KIND NAME = EXPR" (KIND one of kinds,
 * a NULL-terminated list), blank lines and # comments; a line that
 * begins with a blank continues the one before, as does any line
 * inside open parentheses.  NAME is a bare word or quoted.  src names
 * the text in messages ("rules", "-e").  Returns MBR_OK or
 * MBR_EUSAGE. */
int	mbr_expr_load(mbr_expr *x, const char *src, const char *text,
	    size_t n, const char *const *kinds, mbr_err *err);
/* Compiles one expression; returns its number (>= 0) or -1 with err
 * set (MBR_EUSAGE). */
int	mbr_expr_add(mbr_expr *x, const char *src, const char *text,
	    size_t n, mbr_err *err);
size_t	mbr_expr_nrules(const mbr_expr *x);
const mbr_expr_rule *mbr_expr_rule_at(const mbr_expr *x, size_t i);

/* The field names the expressions use, for checks (--strict). */
size_t	mbr_expr_nfields(const mbr_expr *x);
mbr_slice mbr_expr_field(const mbr_expr *x, size_t i);
/* Where field i is first used, or first used in double quotes:
 * "rules:3:12". */
const char *mbr_expr_field_where(const mbr_expr *x, size_t i);
/* Whether field i was written "in double quotes" (an analyst may have
 * meant a string). */
int	mbr_expr_field_quoted(const mbr_expr *x, size_t i);

/* Resolves every field name to a column number through col(ctx,
 * name, len); before the first evaluation. */
void	mbr_expr_bind(mbr_expr *x, int (*col)(void *, const char *, size_t),
	    void *ctx);
/* Pins the zone of calendar days and "now" (today(), now(),
 * days_since() ...).  tz is borrowed for the life of x. */
void	mbr_expr_setenv(mbr_expr *x, mbr_tz *tz, mbr_time now);

/* Evaluates expression e over a record's fields (f[col], type[col] as
 * mbr_rec has them).  mbr_expr_test gives its truth: null, false, 0
 * and "" are false. */
void	mbr_expr_eval(mbr_expr *x, int e, const mbr_slice *f,
	    const uint8_t *type, mbr_xval *out);
int	mbr_expr_test(mbr_expr *x, int e, const mbr_slice *f,
	    const uint8_t *type);
/* Writes a value as text (numbers exactly, dates YYYY-MM-DD, times
 * ISO 8601, null as "null"), NUL-terminated, truncated to size;
 * returns the full length. */
size_t	mbr_xval_fmt(const mbr_xval *v, char *buf, size_t size);
/* Reads a decimal number as the language does ("1299.00", "-3",
 * "1e3"); 0 if s is not one. */
int	mbr_xval_num(mbr_xval *v, const char *s, size_t n);
/* Orders two numbers exactly: -1, 0, 1. */
int	mbr_xval_numcmp(const mbr_xval *a, const mbr_xval *b);
#endif
