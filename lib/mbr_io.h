/* mbr_io.h: byte streams in and out: files, stdin/stdout, gzip, and
 * legacy encodings.
 *
 * Input is recognised by content, never by file name: gzip by its magic
 * bytes (concatenated members too), UTF-16 by its byte-order mark.
 * GB18030/GBK exports (Tmall, JD) are converted to UTF-8 with iconv as
 * they are read, so that everything above this module sees UTF-8. */
#ifndef MBR_IO_H
#define MBR_IO_H
#include <stddef.h>
#include "mbr_err.h"

typedef struct mbr_input mbr_input;

/* path NULL or "-" is standard input, named "stdin" in messages.
 * encoding NULL or "utf-8" reads UTF-8; "gb18030", "gbk", "gb2312",
 * "utf-16" and anything iconv knows are converted.  An unreadable file
 * is MBR_EIO; an unknown encoding MBR_EUSAGE. */
int		 mbr_input_open(mbr_input **in, const char *path,
		    const char *encoding, mbr_err *err);
/* Reads up to cap bytes of UTF-8 text into buf: > 0 bytes, 0 at the
 * end, < 0 on error (MBR_EIO: a read error or a truncated or corrupt
 * gzip stream).  A byte sequence the encoding cannot convert becomes
 * the byte 0xFF, which no UTF-8 text holds, so that the record holding
 * it is rejected as invalid rather than the whole input. */
long		 mbr_input_read(mbr_input *in, char *buf, size_t cap,
		    mbr_err *err);
const char	*mbr_input_name(const mbr_input *in);
int		 mbr_input_gzipped(const mbr_input *in);
/* For an input that is a regular file read as it is (no gzip, no
 * conversion): its descriptor, and at *off the file offset of the next
 * byte mbr_input_read would give, for a caller that reads the rest
 * itself with pread.  Otherwise -1. */
int		 mbr_input_plain(const mbr_input *in, long long *off);
/* Bytes read from the file itself (compressed bytes for gzip). */
unsigned long long mbr_input_rawbytes(const mbr_input *in);
void		 mbr_input_close(mbr_input *in);

typedef struct mbr_output mbr_output;

/* path NULL or "-" is standard output.  gzip: compress (-z).  The file
 * is created (truncated) at open. */
int	mbr_output_open(mbr_output **out, const char *path, int gzip,
	    mbr_err *err);
/* Buffered; errors are remembered and reported by close. */
void	mbr_output_write(mbr_output *out, const void *p, size_t n);
/* A direct view of the buffer for writers that format in place:
 * returns room for at least n bytes; mbr_output_commit adds them. */
char	*mbr_output_reserve(mbr_output *out, size_t n);
void	mbr_output_commit(mbr_output *out, size_t n);
/* Flushes, finishes the gzip stream, closes, frees; MBR_EIO if any
 * write failed ("write error: No space left on device"). */
int	mbr_output_close(mbr_output *out, mbr_err *err);
#endif
