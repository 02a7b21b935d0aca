/* fuzz.h: what the libFuzzer targets share: an input as a file.
 *
 * The reader takes file names, so a target writes its input to a memfd
 * (memfd_create(2): a regular file in memory, nothing on disk) and
 * passes "/proc/self/fd/N".  FUZZ_CHECK stops the run the way a
 * sanitizer would, so that libFuzzer keeps the input. */
#ifndef FUZZ_H
#define FUZZ_H
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define FUZZ_CHECK(c) do {						\
	if (!(c)) {							\
		fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__,	\
		    __LINE__, #c);					\
		abort();						\
	}								\
} while (0)

/* A memfd holding p[0..n), its name in path (24 bytes); -1 if none. */
static inline int
fuzz_memfd(const void *p, size_t n, char *path)
{
	int fd = memfd_create("fuzz", 0);
	const char *q = p;
	ssize_t w;

	if (fd < 0)
		return -1;
	while (n > 0) {
		if ((w = write(fd, q, n)) <= 0) {
			close(fd);
			return -1;
		}
		q += w;
		n -= (size_t)w;
	}
	snprintf(path, 24, "/proc/self/fd/%d", fd);
	return fd;
}

/* An empty memfd for a run's output or rejects, and its name. */
struct fuzz_out {
	int	 fd;
	char	 path[24];
};

static inline void
fuzz_out_new(struct fuzz_out *o)
{
	FUZZ_CHECK((o->fd = fuzz_memfd("", 0, o->path)) >= 0);
}

/* The whole of a memfd, malloc'd, NUL-terminated; its length in *n. */
static inline char *
fuzz_slurp(int fd, size_t *n)
{
	off_t end = lseek(fd, 0, SEEK_END);
	char *p;

	FUZZ_CHECK(end >= 0);
	p = malloc((size_t)end + 1);
	FUZZ_CHECK(p != NULL);
	FUZZ_CHECK(pread(fd, p, (size_t)end, 0) == end);
	p[end] = '\0';
	*n = (size_t)end;
	return p;
}

#endif
