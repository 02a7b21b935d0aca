/* mbr_io.c: see mbr_io.h. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <iconv.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "mbr_buf.h"
#include "mbr_io.h"

#define RAWSZ	(256u << 10)
#define CONVSZ	(256u << 10)
#define OUTSZ	(1u << 20)

struct mbr_input {
	int		 fd;
	char		*name;
	unsigned long long rawbytes;
	int		 eof;		/* the file is exhausted */
	/* raw bytes read from the file but not yet consumed */
	unsigned char	*raw;
	size_t		 rbeg, rend;
	int		 gz;		/* 0 none, 1 inflating, 2 between members */
	z_stream	 zs;
	iconv_t		 cd;		/* (iconv_t)-1: UTF-8 */
	char		*conv;		/* decoded but not yet converted */
	size_t		 cbeg, cend;
	int		 dec_eof;	/* no more decoded bytes */
	int		 peeked;
	int		 held;		/* conv holds UTF-8 read by peek */
};

static long
fill_raw(mbr_input *in, mbr_err *err)
{
	ssize_t r;

	if (in->rbeg > 0 && in->rbeg == in->rend)
		in->rbeg = in->rend = 0;
	if (in->eof || in->rend == RAWSZ)
		return 0;
	do
		r = read(in->fd, in->raw + in->rend, RAWSZ - in->rend);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		return -mbr_err_set(err, MBR_EIO, "read error: %s",
		    strerror(errno));
	if (r == 0)
		in->eof = 1;
	in->rend += (size_t)r;
	in->rawbytes += (unsigned long long)r;
	return r;
}

static int
iseq(const char *a, const char *b)
{
	for (; *a && *b; a++, b++) {
		int ca = *a >= 'A' && *a <= 'Z' ? *a + 32 : *a;
		int cb = *b >= 'A' && *b <= 'Z' ? *b + 32 : *b;
		if (ca != cb)
			return 0;
	}
	return *a == *b;
}

int
mbr_input_open(mbr_input **inp, const char *path, const char *encoding,
    mbr_err *err)
{
	mbr_input *in;
	int fd;

	*inp = NULL;
	if (path == NULL || strcmp(path, "-") == 0) {
		fd = 0;
		path = "stdin";
	} else if ((fd = open(path, O_RDONLY)) < 0) {
		mbr_err_set(err, MBR_EIO, "%s", strerror(errno));
		mbr_err_at(err, path, 0);
		return MBR_EIO;
	}
	{
		struct stat st;

		/* A directory opens, and fails only at the first read,
		 * after other inputs' records were written. */
		if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
			if (fd > 0)
				close(fd);
			mbr_err_set(err, MBR_EIO, "%s", strerror(EISDIR));
			mbr_err_at(err, path, 0);
			return MBR_EIO;
		}
	}
	in = mbr_xcalloc(1, sizeof(*in));
	in->fd = fd;
	in->name = mbr_xstrdup(path);
	in->raw = mbr_xmalloc(RAWSZ);
	in->cd = (iconv_t)-1;
	if (encoding != NULL && !iseq(encoding, "utf-8") &&
	    !iseq(encoding, "utf8")) {
		in->cd = iconv_open("UTF-8", encoding);
		if (in->cd == (iconv_t)-1) {
			mbr_input_close(in);
			return mbr_err_set(err, MBR_EUSAGE,
			    "unknown encoding \"%s\"", encoding);
		}
		in->conv = mbr_xmalloc(CONVSZ);
	}
	*inp = in;
	return MBR_OK;
}

static long decode(mbr_input *, char *, size_t, mbr_err *);

/* Opens the UTF-16 converter when the text begins with a byte-order
 * mark: Excel's "Unicode text" export, which iconv's "UTF-16" reads and
 * drops. */
static int
bom(mbr_input *in, const unsigned char *p, size_t n, mbr_err *err)
{
	if (in->cd != (iconv_t)-1 || n < 2 ||
	    !((p[0] == 0xff && p[1] == 0xfe) || (p[0] == 0xfe && p[1] == 0xff)))
		return 0;
	if ((in->cd = iconv_open("UTF-8", "UTF-16")) == (iconv_t)-1)
		return -mbr_err_set(err, MBR_EIO, "iconv: UTF-16");
	if (in->conv == NULL)
		in->conv = mbr_xmalloc(CONVSZ);
	return 0;
}

/* Looks at the first bytes once: gzip magic, then the byte-order mark
 * of the text itself, inside the gzip stream when there is one. */
static int
peek(mbr_input *in, mbr_err *err)
{
	long r;

	in->peeked = 1;
	while (in->rend < 4 && !in->eof)
		if ((r = fill_raw(in, err)) < 0)
			return -1;
	if (in->rend < 2 || in->raw[0] != 0x1f || in->raw[1] != 0x8b)
		return bom(in, in->raw, in->rend, err);
	if (inflateInit2(&in->zs, 16 + MAX_WBITS) != Z_OK)
		return -mbr_err_set(err, MBR_EIO, "zlib: cannot start");
	in->gz = 1;
	if (in->cd != (iconv_t)-1)
		return 0;
	/* The first decompressed bytes wait in conv: read as UTF-16 when
	 * they are a mark, else handed out before the rest. */
	in->conv = mbr_xmalloc(CONVSZ);
	while (in->cend < 2 && !in->dec_eof) {
		if ((r = decode(in, in->conv + in->cend, CONVSZ - in->cend,
		    err)) < 0)
			return -1;
		if (r == 0)
			in->dec_eof = 1;
		in->cend += (size_t)r;
	}
	if (bom(in, (unsigned char *)in->conv, in->cend, err) < 0)
		return -1;
	in->held = in->cd == (iconv_t)-1;
	return 0;
}

/* Gives decoded (decompressed) bytes: > 0, 0 at the end, < 0 error. */
static long
decode(mbr_input *in, char *buf, size_t cap, mbr_err *err)
{
	long r;
	int zr;

	if (in->gz == 0) {
		if (in->rbeg == in->rend && (r = fill_raw(in, err)) <= 0)
			return r;
		r = (long)(in->rend - in->rbeg);
		if ((size_t)r > cap)
			r = (long)cap;
		memcpy(buf, in->raw + in->rbeg, (size_t)r);
		in->rbeg += (size_t)r;
		return r;
	}
	for (;;) {
		if (in->rbeg == in->rend) {
			if ((r = fill_raw(in, err)) < 0)
				return r;
			if (r == 0 && in->rbeg == in->rend) {
				if (in->gz == 2)
					return 0;
				return -mbr_err_set(err, MBR_EIO,
				    "truncated gzip input (unexpected end "
				    "of file)");
			}
		}
		if (in->gz == 2) {
			/* Another member follows (cat a.gz b.gz). */
			if (inflateReset(&in->zs) != Z_OK)
				return -mbr_err_set(err, MBR_EIO, "zlib reset");
			in->gz = 1;
		}
		in->zs.next_in = in->raw + in->rbeg;
		in->zs.avail_in = (uInt)(in->rend - in->rbeg);
		in->zs.next_out = (unsigned char *)buf;
		in->zs.avail_out = (uInt)(cap > (1u << 30) ? 1u << 30 : cap);
		zr = inflate(&in->zs, Z_NO_FLUSH);
		in->rbeg = in->rend - in->zs.avail_in;
		r = (long)((char *)in->zs.next_out - buf);
		if (zr == Z_STREAM_END)
			in->gz = 2;
		else if (zr != Z_OK && zr != Z_BUF_ERROR)
			return -mbr_err_set(err, MBR_EIO,
			    "corrupt gzip input: %s",
			    in->zs.msg ? in->zs.msg : "inflate failed");
		if (r > 0)
			return r;
	}
}

long
mbr_input_read(mbr_input *in, char *buf, size_t cap, mbr_err *err)
{
	char *ip, *op;
	size_t il, ol;
	long r;

	if (!in->peeked && peek(in, err) < 0)
		return -1;
	if (in->held) {
		r = (long)(in->cend - in->cbeg);
		if ((size_t)r > cap)
			r = (long)cap;
		memcpy(buf, in->conv + in->cbeg, (size_t)r);
		in->cbeg += (size_t)r;
		in->held = in->cbeg < in->cend;
		if (r > 0 || in->dec_eof)
			return r;
	}
	if (in->cd == (iconv_t)-1)
		return decode(in, buf, cap, err);
	for (;;) {
		if (!in->dec_eof && in->cend < CONVSZ) {
			if (in->cbeg > 0) {
				memmove(in->conv, in->conv + in->cbeg,
				    in->cend - in->cbeg);
				in->cend -= in->cbeg;
				in->cbeg = 0;
			}
			r = decode(in, in->conv + in->cend,
			    CONVSZ - in->cend, err);
			if (r < 0)
				return r;
			if (r == 0)
				in->dec_eof = 1;
			in->cend += (size_t)r;
		}
		if (in->cbeg == in->cend)
			return 0;
		ip = in->conv + in->cbeg;
		il = in->cend - in->cbeg;
		op = buf;
		ol = cap;
		if (iconv(in->cd, &ip, &il, &op, &ol) == (size_t)-1) {
			if (errno == EILSEQ ||
			    (errno == EINVAL && in->dec_eof)) {
				/* Mark the spot for the record's UTF-8
				 * check, skip one byte, go on. */
				if (op < buf + cap) {
					*op++ = (char)0xff;
					ip++;
				}
			} else if (errno != EINVAL && errno != E2BIG)
				return -mbr_err_set(err, MBR_EIO, "iconv: %s",
				    strerror(errno));
		}
		in->cbeg = (size_t)(ip - in->conv);
		if (op > buf)
			return (long)(op - buf);
		if (in->dec_eof && in->cbeg == in->cend)
			return 0;
	}
}

void
mbr_input_rename(mbr_input *in, const char *name)
{
	free(in->name);
	in->name = mbr_xstrdup(name);
}

const char *
mbr_input_name(const mbr_input *in)
{
	return in->name;
}

int
mbr_input_gzipped(const mbr_input *in)
{
	return in->gz != 0;
}

int
mbr_input_plain(const mbr_input *in, long long *off)
{
	struct stat st;

	if (in->gz != 0 || in->cd != (iconv_t)-1 || !in->peeked ||
	    fstat(in->fd, &st) != 0 || !S_ISREG(st.st_mode))
		return -1;
	*off = (long long)(in->rawbytes - (in->rend - in->rbeg));
	return in->fd;
}

unsigned long long
mbr_input_rawbytes(const mbr_input *in)
{
	return in->rawbytes;
}

void
mbr_input_close(mbr_input *in)
{
	if (in == NULL)
		return;
	if (in->fd > 0)
		close(in->fd);
	if (in->gz)
		inflateEnd(&in->zs);
	if (in->cd != (iconv_t)-1)
		iconv_close(in->cd);
	free(in->conv);
	free(in->raw);
	free(in->name);
	free(in);
}

/* Outputs.
 *
 * An atomic output's temporary file is on a list from its creation
 * until it is renamed or removed, so that an exit on any path (a write
 * error, mbr_nomem, a usage error found late) removes it: the list is
 * walked by an atexit handler.  The list is short (a run's outputs) and
 * its lock is taken at open and close only. */
struct atomic {
	char		*tmp;		/* dir/.NAME.tmp.PID */
	char		*target;	/* what it replaces (a link resolved) */
	char		*name;		/* target as the user wrote it */
	pid_t		 pid;		/* whose: not a forked child's */
	int		 held;		/* closed whole, waiting for release */
	struct atomic	*next;
};

static pthread_mutex_t amu = PTHREAD_MUTEX_INITIALIZER;
static struct atomic *alist;
static int holding;

struct mbr_output {
	int		 fd;
	char		*name;
	char		*buf;
	size_t		 n;
	int		 gz;
	z_stream	 zs;
	unsigned char	*zbuf;
	int		 errnum;	/* first write error */
	int		 std;		/* standard output, not ours to close */
	struct atomic	*at;		/* NULL: written in place */
};

static void
afree(struct atomic *a)
{
	free(a->tmp);
	free(a->target);
	free(a->name);
	free(a);
}

/* Takes a off the list (under amu). */
static void
aunlink_list(struct atomic *a)
{
	struct atomic **pp;

	for (pp = &alist; *pp != NULL; pp = &(*pp)->next)
		if (*pp == a) {
			*pp = a->next;
			return;
		}
}

/* Removes a's temporary file and forgets it (both under the lock, so
 * that an exit meanwhile on another thread finds it on the list or
 * gone). */
static void
adrop(struct atomic *a)
{
	pthread_mutex_lock(&amu);
	unlink(a->tmp);
	aunlink_list(a);
	pthread_mutex_unlock(&amu);
	afree(a);
}

/* At exit, by whatever path: no temporary file of this process stays.
 * Only unlink(2) here, which is safe whichever thread is exiting; the
 * list stays as it is, so that LeakSanitizer, which looks after this
 * handler has run, still finds its entries reachable. */
static void
atexit_cleanup(void)
{
	struct atomic *a;
	pid_t me = getpid();

	pthread_mutex_lock(&amu);
	for (a = alist; a != NULL; a = a->next)
		if (a->pid == me)
			unlink(a->tmp);
	pthread_mutex_unlock(&amu);
}

static int
ioerr(mbr_err *err, const char *path, int errnum)
{
	mbr_err_set(err, MBR_EIO, "%s", strerror(errnum));
	mbr_err_at(err, path, 0);
	return MBR_EIO;
}

/* The directory part of path ("." for none) and the last component. */
static void
split_path(const char *path, char **dir, const char **base)
{
	const char *sl = strrchr(path, '/');

	if (sl == NULL) {
		*dir = mbr_xstrdup(".");
		*base = path;
	} else {
		*dir = mbr_xstrndup(path, sl == path ? 1 : (size_t)(sl - path));
		*base = sl + 1;
	}
}

/* 1 if the symbolic link path leads through /proc: /dev/stdout,
 * /dev/fd/1, /proc/self/fd/1 are descriptors, to be written in place
 * even when they resolve to a file (2>log: a rename would swap the
 * file away from under the descriptor, and >>log would lose what it
 * held). */
static int
via_proc(const char *path)
{
	char cur[PATH_MAX], link[PATH_MAX], *d, *r;
	const char *base;
	ssize_t n;
	int hops, in;

	snprintf(cur, sizeof(cur), "%s", path);
	for (hops = 0; hops < 40; hops++) {
		split_path(cur, &d, &base);
		r = realpath(d, NULL);
		in = r != NULL && strncmp(r, "/proc/", 6) == 0;
		free(r);
		if (in || (n = readlink(cur, link, sizeof(link) - 1)) < 0) {
			free(d);
			return in;
		}
		link[n] = '\0';
		in = snprintf(cur, sizeof(cur), "%s%s%s", link[0] == '/' ?
		    "" : d, link[0] == '/' ? "" : "/", link) >=
		    (int)sizeof(cur);
		free(d);
		if (in)
			return 0;	/* no such path: open(2) will say */
		if (strncmp(cur, "/proc/", 6) == 0)
			return 1;
	}
	return 0;
}

/* Looks at what an atomic output to path would replace: 0 with *target
 * (to free) and *st (st_nlink 0: none yet) when it can be done by a
 * rename, 1 when path is to be written in place, -1 with err set when
 * it cannot be written at all. */
static int
atomic_target(const char *path, char **target, struct stat *old,
    mbr_err *err)
{
	struct stat st;
	size_t n = strlen(path);

	*target = NULL;
	memset(old, 0, sizeof(*old));
	if (n == 0 || path[n - 1] == '/') {
		ioerr(err, path, n == 0 ? ENOENT : EISDIR);
		return -1;
	}
	if (lstat(path, &st) != 0) {
		if (errno != ENOENT) {
			ioerr(err, path, errno);
			return -1;
		}
		/* The directory's existence and permission show when the
		 * temporary file is created. */
		*target = mbr_xstrdup(path);
		return 0;
	}
	if (S_ISLNK(st.st_mode)) {
		char *r;

		if (via_proc(path))
			return 1;
		/* A dangling link: open(2) creates what it names. */
		if ((r = realpath(path, NULL)) == NULL || stat(r, &st) != 0) {
			free(r);
			return 1;
		}
		*target = mbr_xstrdup(r);
		free(r);
	} else
		*target = mbr_xstrdup(path);
	if (S_ISDIR(st.st_mode)) {
		ioerr(err, path, EISDIR);
		free(*target);
		*target = NULL;
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		free(*target);
		*target = NULL;
		return 1;
	}
	/* A file that could not be written in place is not replaced
	 * either (a rename needs only the directory's permission). */
	if (access(*target, W_OK) != 0) {
		ioerr(err, path, errno);
		free(*target);
		*target = NULL;
		return -1;
	}
	*old = st;
	return 0;
}

int
mbr_output_check(const char *path, mbr_err *err)
{
	char *target, *dir;
	const char *base;
	struct stat st;
	int r;

	if (path == NULL || strcmp(path, "-") == 0)
		return MBR_OK;
	if ((r = atomic_target(path, &target, &st, err)) < 0)
		return MBR_EIO;
	if (r > 0)
		return MBR_OK;
	split_path(target, &dir, &base);
	r = access(dir, W_OK | X_OK) == 0 ? MBR_OK : ioerr(err, path, errno);
	free(dir);
	free(target);
	return r;
}

/* Creates the temporary file for an atomic output to path: its
 * descriptor, or -1 with err set; *ap NULL when path is to be written
 * in place. */
static int
open_atomic(const char *path, struct atomic **ap, mbr_err *err)
{
	static int registered;
	struct atomic *a, *o;
	char *target, *dir, pid[24];
	const char *base;
	mbr_buf b;
	struct stat st;
	int fd, r, tries;

	*ap = NULL;
	if ((r = atomic_target(path, &target, &st, err)) < 0)
		return -1;
	if (r > 0) {
		if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
		    0666)) < 0)
			ioerr(err, path, errno);
		return fd;
	}
	split_path(target, &dir, &base);
	snprintf(pid, sizeof(pid), "%ld", (long)getpid());
	mbr_buf_init(&b);
	mbr_buf_addf(&b, "%s/.%s.tmp.%s", dir, base, pid);
	free(dir);
	a = mbr_xcalloc(1, sizeof(*a));
	a->tmp = mbr_xstrndup(b.p, b.n);
	a->target = target;
	a->name = mbr_xstrdup(path);
	a->pid = getpid();
	mbr_buf_release(&b);
	for (tries = 0; ; tries++) {
		fd = open(a->tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
		    0666);
		if (fd >= 0 || errno != EEXIST || tries > 0)
			break;
		/* Ours, if this run writes the same file twice; otherwise
		 * left by an earlier process that had our pid and was
		 * killed: stale. */
		pthread_mutex_lock(&amu);
		for (o = alist; o != NULL; o = o->next)
			if (o->pid == a->pid && strcmp(o->tmp, a->tmp) == 0)
				break;
		pthread_mutex_unlock(&amu);
		if (o != NULL) {
			mbr_err_set(err, MBR_EIO, "written twice by this run");
			mbr_err_at(err, path, 0);
			afree(a);
			return -1;
		}
		unlink(a->tmp);
	}
	if (fd < 0) {
		ioerr(err, path, errno);
		afree(a);
		return -1;
	}
	/* The old file's owner (where we may: as root) and permissions. */
	if (st.st_nlink > 0) {
		(void)fchown(fd, st.st_uid, st.st_gid);
		(void)fchmod(fd, st.st_mode & 07777);
	}
	pthread_mutex_lock(&amu);
	if (!registered) {
		registered = 1;
		atexit(atexit_cleanup);
	}
	a->next = alist;
	alist = a;
	pthread_mutex_unlock(&amu);
	*ap = a;
	return fd;
}
int
mbr_output_open(mbr_output **outp, const char *path, int flags,
    mbr_err *err)
{
	mbr_output *out;
	struct atomic *a = NULL;
	int fd = 1;

	*outp = NULL;
	if (path != NULL && strcmp(path, "-") != 0) {
		if (flags & MBR_OUT_ATOMIC)
			fd = open_atomic(path, &a, err);
		else if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC |
		    O_CLOEXEC, 0666)) < 0)
			ioerr(err, path, errno);
		if (fd < 0)
			return MBR_EIO;
	}
	out = mbr_xcalloc(1, sizeof(*out));
	out->fd = fd;
	out->std = path == NULL || strcmp(path, "-") == 0;
	out->at = a;
	out->name = mbr_xstrdup(out->std ? "stdout" : path);
	out->buf = mbr_xmalloc(OUTSZ);
	if (flags & MBR_OUT_GZIP) {
		/* Level 6 as gzip(1); the header carries no name and no
		 * time, so the same records give the same bytes. */
		if (deflateInit2(&out->zs, 6, Z_DEFLATED, 16 + MAX_WBITS, 8,
		    Z_DEFAULT_STRATEGY) != Z_OK) {
			mbr_output_discard(out);
			return mbr_err_set(err, MBR_EIO, "zlib: cannot start");
		}
		out->gz = 1;
		out->zbuf = mbr_xmalloc(OUTSZ);
	}
	*outp = out;
	return MBR_OK;
}

/* A write error before the end: see mbr_output_write.  One thread
 * reports and exits; another that fails meanwhile (a second output to
 * the same closed pipe) waits for the exit. */
static void
die(const mbr_output *out)
{
	static atomic_flag dying = ATOMIC_FLAG_INIT;
	mbr_err err;

	if (atomic_flag_test_and_set(&dying))
		for (;;)
			pause();
	mbr_err_clear(&err);
	mbr_err_set(&err, MBR_EIO, "write error: %s", strerror(out->errnum));
	mbr_err_at(&err, out->name, 0);
	mbr_err_print(&err);
	exit(MBR_EIO);		/* atexit_cleanup removes temporary files */
}

static void
put(mbr_output *out, const void *p, size_t n)
{
	const char *s = p;
	ssize_t w;

	while (n > 0 && out->errnum == 0) {
		w = write(out->fd, s, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			/* A job runner may hand us a non-blocking pipe:
			 * wait for room rather than call it an error. */
			struct pollfd pfd = { out->fd, POLLOUT, 0 };

			(void)poll(&pfd, 1, -1);
			continue;
		}
		if (w <= 0) {
			out->errnum = w < 0 ? errno : EIO;
			return;
		}
		s += w;
		n -= (size_t)w;
	}
}

static void
flush(mbr_output *out, int finish)
{
	if (!out->gz) {
		put(out, out->buf, out->n);
		out->n = 0;
		return;
	}
	out->zs.next_in = (unsigned char *)out->buf;
	out->zs.avail_in = (uInt)out->n;
	for (;;) {
		int zr;

		out->zs.next_out = out->zbuf;
		out->zs.avail_out = OUTSZ;
		zr = deflate(&out->zs, finish ? Z_FINISH : Z_NO_FLUSH);
		put(out, out->zbuf, OUTSZ - out->zs.avail_out);
		if (out->errnum != 0)
			break;
		if (finish ? zr == Z_STREAM_END : out->zs.avail_in == 0)
			break;
		if (zr == Z_STREAM_ERROR) {
			out->errnum = EIO;
			break;
		}
	}
	out->n = 0;
}

/* A flush before the end, which may not fail. */
static void
flush_or_die(mbr_output *out)
{
	flush(out, 0);
	if (out->errnum != 0)
		die(out);
}

void
mbr_output_write(mbr_output *out, const void *p, size_t n)
{
	if (out->n + n > OUTSZ) {
		flush_or_die(out);
		if (n > OUTSZ) {
			/* A huge field: compress or write it straight. */
			if (out->gz) {
				const char *s = p;
				while (n > 0) {
					size_t k = n > OUTSZ ? OUTSZ : n;
					memcpy(out->buf, s, k);
					out->n = k;
					flush_or_die(out);
					s += k;
					n -= k;
				}
			} else {
				put(out, p, n);
				if (out->errnum != 0)
					die(out);
			}
			return;
		}
	}
	memcpy(out->buf + out->n, p, n);
	out->n += n;
}

char *
mbr_output_reserve(mbr_output *out, size_t n)
{
	if (n > OUTSZ)
		abort();	/* callers reserve small, bounded room */
	if (out->n + n > OUTSZ)
		flush_or_die(out);
	return out->buf + out->n;
}

void
mbr_output_commit(mbr_output *out, size_t n)
{
	out->n += n;
}

/* Removes the temporary files other runs left for target: those named
 * as ours would be but for the pid, whose process is gone.  A pid that
 * lives may be a run writing the same file now; it is left alone. */
static void
sweep(const char *target)
{
	char *dir;
	const char *base;
	size_t bn;
	DIR *d;
	struct dirent *e;
	pid_t me = getpid();

	split_path(target, &dir, &base);
	bn = strlen(base);
	if ((d = opendir(dir)) != NULL) {
		while ((e = readdir(d)) != NULL) {
			const char *p = e->d_name;
			long pid = 0;

			if (p[0] != '.' || strncmp(p + 1, base, bn) != 0 ||
			    strncmp(p + 1 + bn, ".tmp.", 5) != 0)
				continue;
			for (p += 1 + bn + 5; *p >= '0' && *p <= '9' &&
			    pid < 1L << 40; p++)
				pid = pid * 10 + (*p - '0');
			if (*p != '\0' || pid <= 0 || pid == (long)me ||
			    pid >= 1L << 40)
				continue;
			if (kill((pid_t)pid, 0) != 0 && errno == ESRCH)
				(void)unlinkat(dirfd(d), e->d_name, 0);
		}
		closedir(d);
	}
	free(dir);
}

/* Renames a's file over its target; MBR_EIO if that fails (and the
 * file is removed).  a is freed. */
static int
publish(struct atomic *a, mbr_err *err)
{
	char *dir;
	const char *base;
	int rc = MBR_OK, fd;

	pthread_mutex_lock(&amu);
	if (rename(a->tmp, a->target) != 0) {
		rc = ioerr(err, a->name, errno);
		unlink(a->tmp);
	}
	aunlink_list(a);
	pthread_mutex_unlock(&amu);
	if (rc != MBR_OK) {
		afree(a);
		return rc;
	}
	/* The rename itself is durable once the directory is synced;
	 * where that cannot be done (some file systems refuse it), the
	 * file is whole all the same. */
	split_path(a->target, &dir, &base);
	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0) {
		(void)fsync(fd);
		close(fd);
	}
	free(dir);
	sweep(a->target);
	afree(a);
	return rc;
}

/* Frees out and what it holds but its atomic file. */
static void
out_free(mbr_output *out)
{
	if (out->gz)
		deflateEnd(&out->zs);
	free(out->zbuf);
	free(out->buf);
	free(out->name);
	free(out);
}

int
mbr_output_close(mbr_output *out, mbr_err *err)
{
	struct atomic *a;
	int rc = MBR_OK;

	if (out == NULL)
		return MBR_OK;
	a = out->at;
	flush(out, 1);
	/* fsync before the rename: else a crash soon after may leave the
	 * new name on an empty file.  A file system that cannot sync
	 * (EINVAL) is no write error. */
	if (a != NULL && out->errnum == 0 && fsync(out->fd) != 0 &&
	    errno != EINVAL)
		out->errnum = errno;
	if (!out->std && close(out->fd) < 0 && out->errnum == 0)
		out->errnum = errno;
	if (out->errnum != 0) {
		rc = mbr_err_set(err, MBR_EIO, "write error: %s",
		    strerror(out->errnum));
		mbr_err_at(err, out->name, 0);
		if (a != NULL)
			adrop(a);
	} else if (a != NULL) {
		int held;

		pthread_mutex_lock(&amu);
		held = a->held = holding;
		pthread_mutex_unlock(&amu);
		if (!held)
			rc = publish(a, err);
	}
	out_free(out);
	return rc;
}

void
mbr_output_discard(mbr_output *out)
{
	if (out == NULL)
		return;
	if (!out->std)
		close(out->fd);
	if (out->at != NULL)
		adrop(out->at);
	out_free(out);
}

void
mbr_output_hold(void)
{
	pthread_mutex_lock(&amu);
	holding = 1;
	pthread_mutex_unlock(&amu);
}

int
mbr_output_release(int keep, mbr_err *err)
{
	struct atomic *a, *held;
	pid_t me = getpid();
	int rc = MBR_OK;

	/* Oldest first: the list holds the newest at its head. */
	for (;;) {
		pthread_mutex_lock(&amu);
		holding = 0;
		for (held = NULL, a = alist; a != NULL; a = a->next)
			if (a->held && a->pid == me)
				held = a;
		pthread_mutex_unlock(&amu);
		if (held == NULL)
			return rc;
		if (keep && rc == MBR_OK)
			rc = publish(held, err);
		else
			adrop(held);
	}
}

int
mbr_input_slurp(const char *path, mbr_buf *b, mbr_err *err)
{
	mbr_input *in;
	long got;
	int rc;

	if ((rc = mbr_input_open(&in, path, NULL, err)) != MBR_OK)
		return rc;
	do {
		mbr_buf_grow(b, 65536);
		got = mbr_input_read(in, b->p + b->n, 65536, err);
		if (got > 0)
			b->n += (size_t)got;
	} while (got > 0);
	if (b->cap > 0)
		b->p[b->n] = '\0';
	mbr_input_close(in);
	return got < 0 ? err->code : MBR_OK;
}

int
mbr_spool(const char *path, const char *why, int *fd, mbr_err *err)
{
	const char *dir = getenv("TMPDIR");
	const char *name = strcmp(path, "-") == 0 ? "stdin" : path;
	char tpl[4096], blk[65536];
	ssize_t r, w, k;
	int in;

	if (dir == NULL || *dir == '\0')
		dir = "/tmp";
	snprintf(tpl, sizeof(tpl), "%s/%s.XXXXXX", dir, mbr_progname());
	if ((*fd = mkstemp(tpl)) < 0) {
		mbr_err_set(err, MBR_EIO, "%s (copying %s for %s)",
		    strerror(errno), name, why);
		mbr_err_at(err, dir, 0);
		return MBR_EIO;
	}
	unlink(tpl);
	in = strcmp(path, "-") == 0 ? 0 : open(path, O_RDONLY);
	if (in < 0) {
		mbr_err_set(err, MBR_EIO, "%s", strerror(errno));
		mbr_err_at(err, path, 0);
		return MBR_EIO;
	}
	for (;;) {
		r = read(in, blk, sizeof(blk));
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		for (k = 0; k < r; k += w)
			if ((w = write(*fd, blk + k, (size_t)(r - k))) < 0 &&
			    errno != EINTR) {
				if (in > 0)
					close(in);
				mbr_err_set(err, MBR_EIO, "write error: %s "
				    "(copying %s for %s)",
				    strerror(errno), name, why);
				mbr_err_at(err, dir, 0);
				return MBR_EIO;
			} else if (w < 0)
				w = 0;
	}
	if (r < 0) {
		mbr_err_set(err, MBR_EIO, "read error: %s", strerror(errno));
		mbr_err_at(err, name, 0);
		if (in > 0)
			close(in);
		return MBR_EIO;
	}
	if (in > 0)
		close(in);
	return MBR_OK;
}
