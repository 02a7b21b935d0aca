/* mbr_buf.c: see mbr_buf.h. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mbr_buf.h"
#include "mbr_err.h"

void
mbr_buf_init(mbr_buf *b)
{
	b->cap = 64;
	b->p = mbr_xmalloc(b->cap);
	b->n = 0;
	b->p[0] = '\0';
}

void
mbr_buf_release(mbr_buf *b)
{
	free(b->p);
	b->p = NULL;
	b->n = b->cap = 0;
}

void
mbr_buf_grow(mbr_buf *b, size_t n)
{
	size_t want = b->n + n + 1;

	if (want <= b->cap)
		return;
	while (b->cap < want)
		b->cap = b->cap < 64 ? 64 : b->cap * 2;
	b->p = mbr_xrealloc(b->p, b->cap);
}

void
mbr_buf_adds(mbr_buf *b, const char *s)
{
	mbr_buf_add(b, s, strlen(s));
}

void
mbr_buf_vaddf(mbr_buf *b, const char *fmt, va_list ap)
{
	va_list again;
	int len;

	va_copy(again, ap);
	len = vsnprintf(b->p + b->n, b->cap - b->n, fmt, ap);
	if (len >= 0 && (size_t)len >= b->cap - b->n) {
		mbr_buf_grow(b, (size_t)len);
		vsnprintf(b->p + b->n, b->cap - b->n, fmt, again);
	}
	va_end(again);
	if (len >= 0)
		b->n += (size_t)len;
}

void
mbr_buf_addf(mbr_buf *b, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	mbr_buf_vaddf(b, fmt, ap);
	va_end(ap);
}
