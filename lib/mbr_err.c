/* mbr_err.c: see mbr_err.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mbr_err.h"

static const char *progname = "mbr";

void
mbr_setprogname(const char *name)
{
	int fd;

	progname = name;
	/* A closed descriptor 0, 1 or 2 would go to the next file opened,
	 * and stdout's records into the rejects file (prog >&-).  Each is
	 * opened on /dev/null the wrong way round, read-only for 1 and 2,
	 * so that writing to it still fails (EBADF) and is reported. */
	for (fd = 0; fd < 3; fd++)
		if (fcntl(fd, F_GETFD) < 0 && errno == EBADF &&
		    open("/dev/null", fd == 0 ? O_WRONLY : O_RDONLY) < 0)
			break;
}

const char *
mbr_progname(void)
{
	return progname;
}

int
mbr_err_set(mbr_err *err, int code, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL)
		return code;
	err->code = code;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return code;
}

void
mbr_err_at(mbr_err *err, const char *file, unsigned long line)
{
	if (err == NULL || file == NULL)
		return;
	snprintf(err->file, sizeof(err->file), "%s", file);
	err->line = line;
}

int
mbr_err_print(const mbr_err *err)
{
	if (err->file[0] != '\0' && err->line > 0)
		fprintf(stderr, "%s: %s:%lu: %s\n", progname, err->file,
		    err->line, err->msg);
	else if (err->file[0] != '\0')
		fprintf(stderr, "%s: %s: %s\n", progname, err->file, err->msg);
	else
		fprintf(stderr, "%s: %s\n", progname, err->msg);
	return err->code;
}

void
mbr_warn(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", progname);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void
mbr_nomem(size_t n)
{
	fprintf(stderr, "%s: out of memory (%zu bytes)\n", progname, n);
	exit(MBR_EIO);
}

void *
mbr_xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (p == NULL)
		mbr_nomem(n);
	return p;
}

void *
mbr_xcalloc(size_t nmemb, size_t size)
{
	void *p = calloc(nmemb ? nmemb : 1, size ? size : 1);

	if (p == NULL)
		mbr_nomem(nmemb * size);
	return p;
}

void *
mbr_xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);

	if (q == NULL)
		mbr_nomem(n);
	return q;
}

char *
mbr_xstrdup(const char *s)
{
	return mbr_xstrndup(s, strlen(s));
}

char *
mbr_xstrndup(const char *s, size_t n)
{
	char *p = mbr_xmalloc(n + 1);

	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}
