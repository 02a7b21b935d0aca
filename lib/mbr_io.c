/* mbr_io.c: see mbr_io.h. */
#include <errno.h>
#include <fcntl.h>
#include <iconv.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

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

/* Looks at the first bytes once: gzip magic, UTF-16 byte-order mark. */
static int
peek(mbr_input *in, mbr_err *err)
{
	long r;

	in->peeked = 1;
	while (in->rend < 4 && !in->eof)
		if ((r = fill_raw(in, err)) < 0)
			return -1;
	if (in->rend >= 2 && in->raw[0] == 0x1f && in->raw[1] == 0x8b) {
		if (inflateInit2(&in->zs, 16 + MAX_WBITS) != Z_OK)
			return -mbr_err_set(err, MBR_EIO, "zlib: cannot start");
		in->gz = 1;
	} else if (in->cd == (iconv_t)-1 && in->rend >= 2 &&
	    ((in->raw[0] == 0xff && in->raw[1] == 0xfe) ||
	    (in->raw[0] == 0xfe && in->raw[1] == 0xff))) {
		/* Excel's "Unicode text" export: UTF-16 with a BOM, which
		 * iconv's "UTF-16" reads and drops. */
		if ((in->cd = iconv_open("UTF-8", "UTF-16")) == (iconv_t)-1)
			return -mbr_err_set(err, MBR_EIO, "iconv: UTF-16");
		in->conv = mbr_xmalloc(CONVSZ);
	}
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

struct mbr_output {
	int		 fd;
	char		*name;
	char		*buf;
	size_t		 n;
	int		 gz;
	z_stream	 zs;
	unsigned char	*zbuf;
	int		 errnum;	/* first write error */
};

int
mbr_output_open(mbr_output **outp, const char *path, int gzip,
    mbr_err *err)
{
	mbr_output *out;
	int fd = 1;

	*outp = NULL;
	if (path != NULL && strcmp(path, "-") != 0 &&
	    (fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0666)) < 0) {
		mbr_err_set(err, MBR_EIO, "%s", strerror(errno));
		mbr_err_at(err, path, 0);
		return MBR_EIO;
	}
	out = mbr_xcalloc(1, sizeof(*out));
	out->fd = fd;
	out->name = mbr_xstrdup(fd == 1 ? "stdout" : path);
	out->buf = mbr_xmalloc(OUTSZ);
	if (gzip) {
		/* Level 6 as gzip(1); the header carries no name and no
		 * time, so the same records give the same bytes. */
		if (deflateInit2(&out->zs, 6, Z_DEFLATED, 16 + MAX_WBITS, 8,
		    Z_DEFAULT_STRATEGY) != Z_OK) {
			free(out->buf);
			free(out->name);
			free(out);
			return mbr_err_set(err, MBR_EIO, "zlib: cannot start");
		}
		out->gz = 1;
		out->zbuf = mbr_xmalloc(OUTSZ);
	}
	*outp = out;
	return MBR_OK;
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
		if (finish ? zr == Z_STREAM_END : out->zs.avail_in == 0)
			break;
		if (zr == Z_STREAM_ERROR) {
			out->errnum = EIO;
			break;
		}
	}
	out->n = 0;
}

void
mbr_output_write(mbr_output *out, const void *p, size_t n)
{
	if (out->n + n > OUTSZ) {
		flush(out, 0);
		if (n > OUTSZ) {
			/* A huge field: compress or write it straight. */
			if (out->gz) {
				const char *s = p;
				while (n > 0) {
					size_t k = n > OUTSZ ? OUTSZ : n;
					memcpy(out->buf, s, k);
					out->n = k;
					flush(out, 0);
					s += k;
					n -= k;
				}
			} else
				put(out, p, n);
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
		flush(out, 0);
	return out->buf + out->n;
}

void
mbr_output_commit(mbr_output *out, size_t n)
{
	out->n += n;
}

int
mbr_output_close(mbr_output *out, mbr_err *err)
{
	int rc = MBR_OK;

	if (out == NULL)
		return MBR_OK;
	flush(out, 1);
	if (out->gz)
		deflateEnd(&out->zs);
	if (out->fd != 1 && close(out->fd) < 0 && out->errnum == 0)
		out->errnum = errno;
	if (out->errnum != 0) {
		rc = mbr_err_set(err, MBR_EIO, "write error: %s",
		    strerror(out->errnum));
		mbr_err_at(err, out->name, 0);
	}
	free(out->zbuf);
	free(out->buf);
	free(out->name);
	free(out);
	return rc;
}
