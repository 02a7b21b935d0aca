/* mbr_buf.h: a growable byte buffer.
 *
 * Invariant (as git's strbuf): p is never NULL after init and is always
 * NUL-terminated at p[n], so it can be handed to C string functions. */
#ifndef MBR_BUF_H
#define MBR_BUF_H
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef struct {
	char	*p;
	size_t	 n;	/* bytes used, not counting the NUL */
	size_t	 cap;	/* bytes allocated */
} mbr_buf;

void	mbr_buf_init(mbr_buf *b);
void	mbr_buf_release(mbr_buf *b);
/* Makes room for n more bytes (plus the NUL). */
void	mbr_buf_grow(mbr_buf *b, size_t n);
void	mbr_buf_adds(mbr_buf *b, const char *s);
void	mbr_buf_addf(mbr_buf *b, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
void	mbr_buf_vaddf(mbr_buf *b, const char *fmt, va_list ap)
	    __attribute__((format(printf, 2, 0)));
/* Inline: writers call these per field and per byte, and the room is
 * nearly always there. */
static inline void
mbr_buf_add(mbr_buf *b, const void *p, size_t n)
{
	if (b->n + n >= b->cap)
		mbr_buf_grow(b, n);
	if (n > 0)
		memcpy(b->p + b->n, p, n);
	b->n += n;
	b->p[b->n] = '\0';
}

static inline void
mbr_buf_addc(mbr_buf *b, int c)
{
	if (b->n + 1 >= b->cap)
		mbr_buf_grow(b, 1);
	b->p[b->n++] = (char)c;
	b->p[b->n] = '\0';
}

/* Copies s[0..n) to o and returns o + n, a field's worth without a call
 * to memcpy: loads and stores stay within both ranges (two words that
 * may overlap, from 4 bytes up).  Writers put each value so. */
static inline char *
mbr_copy_short(char *o, const char *s, size_t n)
{
	uint64_t a, b;
	uint32_t x, y;

	if (n > 16)
		memcpy(o, s, n);
	else if (n >= 8) {
		memcpy(&a, s, 8);
		memcpy(&b, s + n - 8, 8);
		memcpy(o, &a, 8);
		memcpy(o + n - 8, &b, 8);
	} else if (n >= 4) {
		memcpy(&x, s, 4);
		memcpy(&y, s + n - 4, 4);
		memcpy(o, &x, 4);
		memcpy(o + n - 4, &y, 4);
	} else if (n > 0) {
		o[0] = s[0];
		o[n / 2] = s[n / 2];
		o[n - 1] = s[n - 1];
	}
	return o + n;
}

static inline void
mbr_buf_reset(mbr_buf *b)
{
	b->n = 0;
	b->p[0] = '\0';
}
#endif
