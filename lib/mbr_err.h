/* mbr_err.h: errors, exit codes and the allocation wrappers.
 *
 * Library code fills an mbr_err and returns its code; only cmd/ prints
 * and exits, save for running out of memory (below) and a failed write
 * (mbr_output_write in mbr_io.h).  The code doubles as the exit status
 * (DESIGN.md). */
#ifndef MBR_ERR_H
#define MBR_ERR_H
#include <stddef.h>

enum { MBR_OK, MBR_EDATA, MBR_EUSAGE, MBR_EIO };	/* = exit 0 1 2 3 */

typedef struct {
	int		code;
	char		file[256];	/* "" when not about a file */
	unsigned long	line;		/* 0: not about a line */
	char		msg[512];
} mbr_err;

/* Empties err without a memset: an mbr_err is 784 bytes, which per
 * input row was a good part of the stores a row costs (`= { 0 }`). */
static inline void
mbr_err_clear(mbr_err *err)
{
	err->code = 0;
	err->file[0] = err->msg[0] = '\0';
	err->line = 0;
}

/* Sets code and message (printf-style); returns code, so that
 * `return mbr_err_set(err, MBR_EDATA, ...)` reads as one thought.
 * err may be NULL: the code is still returned. */
int	mbr_err_set(mbr_err *err, int code, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));
/* Adds the place; file NULL leaves it unchanged. */
void	mbr_err_at(mbr_err *err, const char *file, unsigned long line);
/* Writes "prog: file:line: msg" to stderr and returns err->code. */
int	mbr_err_print(const mbr_err *err);
/* "prog: " + printf-style message + newline to stderr. */
void	mbr_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The first call of every main: names the program in messages, and
 * opens a closed standard descriptor on /dev/null (see mbr_err.c). */
void		 mbr_setprogname(const char *name);
const char	*mbr_progname(void);

/* Allocation never fails for the caller: out of memory prints and
 * exits 3 (mandoc_aux.c does the same); mbr_nomem is that exit, for
 * memory got otherwise (mmap). */
void	mbr_nomem(size_t n) __attribute__((noreturn));
void	*mbr_xmalloc(size_t n);
void	*mbr_xcalloc(size_t nmemb, size_t size);
void	*mbr_xrealloc(void *p, size_t n);
char	*mbr_xstrdup(const char *s);
char	*mbr_xstrndup(const char *s, size_t n);
#endif
