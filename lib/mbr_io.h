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
#include "mbr_buf.h"
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
/* Names the input in messages from now on (a copy of stdin: "stdin"). */
void		 mbr_input_rename(mbr_input *in, const char *name);
int		 mbr_input_gzipped(const mbr_input *in);
/* For an input that is a regular file read as it is (no gzip, no
 * conversion): its descriptor, and at *off the file offset of the next
 * byte mbr_input_read would give, for a caller that reads the rest
 * itself with pread.  Otherwise -1. */
int		 mbr_input_plain(const mbr_input *in, long long *off);
/* Bytes read from the file itself (compressed bytes for gzip). */
unsigned long long mbr_input_rawbytes(const mbr_input *in);
void		 mbr_input_close(mbr_input *in);
/* Reads a whole input (a rule book, a state file) into b, after what
 * b holds: mbr_input_open and mbr_input_read's errors. */
int		 mbr_input_slurp(const char *path, mbr_buf *b, mbr_err *err);

typedef struct mbr_output mbr_output;

/* Flags of mbr_output_open. */
enum {
	MBR_OUT_GZIP = 1,	/* compress (-z) */
	MBR_OUT_ATOMIC = 2	/* replace a named file whole or not at all */
};

/* path NULL or "-" is standard output.  A named file is created
 * (truncated) at open; with MBR_OUT_ATOMIC, for a file that is a
 * complete product (an output file, a state or map file), it is instead
 * written to a temporary file beside it, .NAME.tmp.PID, which close
 * fsyncs and renames over it only when every byte was written, so that
 * a reader sees yesterday's file or today's, whole, and a failed run
 * leaves yesterday's as it was, with no temporary file behind (removed
 * by close, mbr_output_discard, or at exit).  The new file takes the
 * old one's permissions.  What a rename cannot replace is written in
 * place, as without the flag: a device (/dev/null), a FIFO, a symbolic
 * link that leads nowhere; a link to a file replaces that file.
 *
 * A directory, a missing directory or one without write permission is
 * MBR_EIO naming path ("out/x.csv: No such file or directory"), so that
 * a program opening its outputs first fails before doing any work.
 *
 * A run killed outright (SIGKILL, power loss) leaves its temporary
 * file, hidden by the leading dot; the next one to replace the same
 * target removes those whose process is gone. */
int	mbr_output_open(mbr_output **out, const char *path, int flags,
	    mbr_err *err);
/* What mbr_output_open(path, MBR_OUT_ATOMIC) would refuse, found
 * without creating anything: for a file a program writes only at the
 * end of its run (mbr-rfm --thresholds), checked before it starts. */
int	mbr_output_check(const char *path, mbr_err *err);
/* Buffered.  A write error ends the program, as running out of memory
 * does (mbr_nomem): "prog: stdout: write error: Broken pipe" on stderr,
 * the temporary files of atomic outputs removed, exit 3.  Nothing that
 * comes after a failed write can reach its reader, and the error is
 * found on whichever thread writes (an mbr_pipe worker, a chunk's
 * commit), with no way back to the loop that reads: stopping there is
 * what keeps a program from reading the rest of a 10 GB input into a
 * closed pipe when SIGPIPE is ignored.  (Where SIGPIPE is at its
 * default, the write has killed the program already, silently, as it
 * kills cat.) */
void	mbr_output_write(mbr_output *out, const void *p, size_t n);
/* A direct view of the buffer for writers that format in place:
 * returns room for at least n bytes; mbr_output_commit adds them. */
char	*mbr_output_reserve(mbr_output *out, size_t n);
void	mbr_output_commit(mbr_output *out, size_t n);
/* Flushes, finishes the gzip stream, closes, frees; MBR_EIO naming the
 * output if a write failed here, at the end ("stdout: write error: No
 * space left on device"), when the temporary file of an atomic output
 * is removed.  An atomic output written whole is fsynced and renamed
 * over its target (MBR_EIO if that fails), or, while outputs are held,
 * left for mbr_output_release. */
int	mbr_output_close(mbr_output *out, mbr_err *err);
/* Closes and frees, keeping nothing: an atomic output's temporary file
 * is removed and its target left as it was.  For a program that fails
 * after it began writing.  A plain output is closed as it stands. */
void	mbr_output_discard(mbr_output *out);

/* A run holds its atomic outputs (mbr_run_open, mbr_run_close): those
 * closed after mbr_output_hold wait, written and fsynced, for
 * mbr_output_release, which renames them all over their targets when
 * keep is set or removes them when not.  So a run that fails after one
 * of its files was finished (mbr-segment --split's, closed before the
 * rejects are counted against --max-rejects) replaces none of them.
 * Release is MBR_EIO naming the file whose rename failed (those after
 * it are removed); it ends the hold.  One run at a time. */
void	mbr_output_hold(void);

/* A copy of path (a pipe, standard input for "-") in a file unlinked
 * at once, in $TMPDIR else /tmp, for a program that reads its inputs
 * twice: *fd is its descriptor, to open as /dev/fd/N.  why names the
 * option or pass in messages ("copying stdin for --stratify"). */
int	mbr_spool(const char *path, const char *why, int *fd, mbr_err *err);
int	mbr_output_release(int keep, mbr_err *err);
#endif
