/* test_io.c: outputs (mbr_io.h).  An atomic output replaces its target
 * whole at close, keeping its permissions, or leaves it as it was: when
 * discarded, when a write fails halfway (RLIMIT_FSIZE, in a child, which
 * the error ends with exit 3), when the program exits without closing
 * it, and when it is killed outright (SIGKILL) mid-write, where only
 * its own .NAME.tmp.PID stays, for the next good close to remove.  A
 * run's held outputs are all renamed, or all removed, at release.
 * What a rename cannot replace (/dev/full) is written in place, and a
 * directory or a missing one fails at open, naming the file. */
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "mbr_io.h"
#include "t.h"

static char dir[] = "/tmp/mbr-test-io-XXXXXX";
static char path[512];		/* dir/state, the usual target */

static const char *
at(const char *name)
{
	static char buf[4][512];
	static int i;

	i = (i + 1) % 4;
	snprintf(buf[i], sizeof(buf[i]), "%s/%s", dir, name);
	return buf[i];
}

/* The file's bytes (NUL-terminated), *n its size; NULL if unreadable. */
static char *
slurp(const char *p, size_t *n)
{
	FILE *fp = fopen(p, "rb");
	char *s;
	long k;

	if (fp == NULL)
		return NULL;
	fseek(fp, 0, SEEK_END);
	k = ftell(fp);
	rewind(fp);
	s = calloc(1, (size_t)k + 1);
	*n = fread(s, 1, (size_t)k, fp);
	fclose(fp);
	return s;
}

static int
has(const char *p, const char *want)
{
	size_t n;
	char *s = slurp(p, &n);
	int r = s != NULL && n == strlen(want) && memcmp(s, want, n) == 0;

	free(s);
	return r;
}

static void
put_file(const char *p, const char *text)
{
	FILE *fp = fopen(p, "w");

	fputs(text, fp);
	fclose(fp);
}

/* The names in dir, space-separated and sorted ("" for none). */
static const char *
listing(void)
{
	static char buf[4096];
	char names[32][256];
	struct dirent *e;
	DIR *d = opendir(dir);
	int n = 0, i, j;

	while ((e = readdir(d)) != NULL && n < 32)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			snprintf(names[n++], sizeof(names[0]), "%s", e->d_name);
	closedir(d);
	for (i = 1; i < n; i++)
		for (j = i; j > 0 && strcmp(names[j - 1], names[j]) > 0; j--) {
			char t[256];

			memcpy(t, names[j], sizeof(t));
			memcpy(names[j], names[j - 1], sizeof(t));
			memcpy(names[j - 1], t, sizeof(t));
		}
	buf[0] = '\0';
	for (i = 0; i < n; i++) {
		if (i > 0)
			strcat(buf, " ");
		strcat(buf, names[i]);
	}
	return buf;
}

static const char *
tmpname(long pid)
{
	static char buf[64];

	snprintf(buf, sizeof(buf), ".state.tmp.%ld", pid);
	return buf;
}

/* Writes n bytes of a pattern, in pieces, as a writer would. */
static void
fill(mbr_output *out, size_t n)
{
	char line[100];

	memset(line, 'x', sizeof(line) - 1);
	line[sizeof(line) - 1] = '\n';
	for (; n >= sizeof(line); n -= sizeof(line))
		mbr_output_write(out, line, sizeof(line));
	mbr_output_write(out, line, n);
}

static void
test_atomic_ok(void)
{
	mbr_output *out;
	mbr_err err = { 0 };
	struct stat st;
	size_t n;
	char *s;

	put_file(path, "yesterday\n");
	chmod(path, 0640);
	T_EQ_I(mbr_output_open(&out, path, MBR_OUT_ATOMIC, &err), MBR_OK);
	fill(out, 3u << 20);		/* three buffers' worth: flushed */
	/* Until it is closed, the old file is what readers see. */
	T_OK(has(path, "yesterday\n"));
	{
		char want[128];

		snprintf(want, sizeof(want), "%s state", tmpname(getpid()));
		T_EQ_S(listing(), want);
	}
	T_EQ_I(mbr_output_close(out, &err), MBR_OK);
	s = slurp(path, &n);
	T_EQ_I(n, 3u << 20);
	T_OK(s != NULL && s[0] == 'x' && s[99] == '\n');
	free(s);
	T_EQ_S(listing(), "state");
	T_OK(stat(path, &st) == 0 && (st.st_mode & 07777) == 0640);

	/* A new file. */
	unlink(path);
	T_EQ_I(mbr_output_open(&out, path, MBR_OUT_ATOMIC, &err), MBR_OK);
	mbr_output_write(out, "new\n", 4);
	T_EQ_I(mbr_output_close(out, &err), MBR_OK);
	T_OK(has(path, "new\n"));
	T_EQ_S(listing(), "state");

	/* Compressed. */
	T_EQ_I(mbr_output_open(&out, path, MBR_OUT_ATOMIC | MBR_OUT_GZIP,
	    &err), MBR_OK);
	mbr_output_write(out, "zipped\n", 7);
	T_EQ_I(mbr_output_close(out, &err), MBR_OK);
	{
		gzFile gz = gzopen(path, "rb");
		char buf[32] = { 0 };

		T_EQ_I(gzread(gz, buf, sizeof(buf) - 1), 7);
		T_EQ_S(buf, "zipped\n");
		gzclose(gz);
	}
	T_EQ_S(listing(), "state");
}

static void
test_discard_hold(void)
{
	mbr_output *a, *b;
	mbr_err err = { 0 };

	put_file(path, "yesterday\n");
	T_EQ_I(mbr_output_open(&a, path, MBR_OUT_ATOMIC, &err), MBR_OK);
	fill(a, 2u << 20);
	mbr_output_discard(a);
	T_OK(has(path, "yesterday\n"));
	T_EQ_S(listing(), "state");

	/* Held: nothing replaced at close, then all or nothing. */
	put_file(at("other"), "old other\n");
	mbr_output_hold();
	T_EQ_I(mbr_output_open(&a, path, MBR_OUT_ATOMIC, &err), MBR_OK);
	T_EQ_I(mbr_output_open(&b, at("other"), MBR_OUT_ATOMIC, &err),
	    MBR_OK);
	mbr_output_write(a, "a\n", 2);
	mbr_output_write(b, "b\n", 2);
	T_EQ_I(mbr_output_close(a, &err), MBR_OK);
	T_EQ_I(mbr_output_close(b, &err), MBR_OK);
	T_OK(has(path, "yesterday\n"));
	T_OK(has(at("other"), "old other\n"));
	T_EQ_I(mbr_output_release(0, &err), MBR_OK);
	T_OK(has(path, "yesterday\n"));
	T_OK(has(at("other"), "old other\n"));
	T_EQ_S(listing(), "other state");

	mbr_output_hold();
	T_EQ_I(mbr_output_open(&a, path, MBR_OUT_ATOMIC, &err), MBR_OK);
	T_EQ_I(mbr_output_open(&b, at("other"), MBR_OUT_ATOMIC, &err),
	    MBR_OK);
	mbr_output_write(a, "a\n", 2);
	mbr_output_write(b, "b\n", 2);
	T_EQ_I(mbr_output_close(a, &err), MBR_OK);
	T_EQ_I(mbr_output_close(b, &err), MBR_OK);
	T_EQ_I(mbr_output_release(1, &err), MBR_OK);
	T_OK(has(path, "a\n"));
	T_OK(has(at("other"), "b\n"));
	T_EQ_S(listing(), "other state");
	/* The hold ended: the next close replaces at once. */
	T_EQ_I(mbr_output_open(&a, path, MBR_OUT_ATOMIC, &err), MBR_OK);
	mbr_output_write(a, "c\n", 2);
	T_EQ_I(mbr_output_close(a, &err), MBR_OK);
	T_OK(has(path, "c\n"));
	unlink(at("other"));
}

static void
test_open_errors(void)
{
	mbr_output *out;
	mbr_err err;
	struct stat st;

	memset(&err, 0, sizeof(err));
	T_EQ_I(mbr_output_open(&out, at("nodir/x"), MBR_OUT_ATOMIC, &err),
	    MBR_EIO);
	T_EQ_S(err.file, at("nodir/x"));
	T_EQ_S(err.msg, "No such file or directory");
	T_EQ_I(mbr_output_check(at("nodir/x"), &err), MBR_EIO);

	mkdir(at("sub"), 0777);
	memset(&err, 0, sizeof(err));
	T_EQ_I(mbr_output_open(&out, at("sub"), MBR_OUT_ATOMIC, &err),
	    MBR_EIO);
	T_EQ_S(err.file, at("sub"));
	T_EQ_S(err.msg, "Is a directory");
	T_EQ_I(mbr_output_check(at("sub"), &err), MBR_EIO);
	T_EQ_I(mbr_output_open(&out, at("sub/"), MBR_OUT_ATOMIC, &err),
	    MBR_EIO);
	T_EQ_S(err.msg, "Is a directory");
	rmdir(at("sub"));
	T_EQ_I(mbr_output_check(path, &err), MBR_OK);
	T_EQ_I(mbr_output_check("/dev/null", &err), MBR_OK);
	T_EQ_I(mbr_output_check("-", &err), MBR_OK);
	T_EQ_S(listing(), "state");

	/* A device is written in place, not renamed over; its error
	 * comes at close, naming it. */
	memset(&err, 0, sizeof(err));
	T_EQ_I(mbr_output_open(&out, "/dev/full", MBR_OUT_ATOMIC, &err),
	    MBR_OK);
	mbr_output_write(out, "x\n", 2);
	T_EQ_I(mbr_output_close(out, &err), MBR_EIO);
	T_EQ_S(err.file, "/dev/full");
	T_EQ_S(err.msg, "write error: No space left on device");
	T_OK(stat("/dev/full", &st) == 0 && S_ISCHR(st.st_mode));

	/* The same file twice in one run. */
	{
		mbr_output *a;

		T_EQ_I(mbr_output_open(&a, path, MBR_OUT_ATOMIC, &err), MBR_OK);
		memset(&err, 0, sizeof(err));
		T_EQ_I(mbr_output_open(&out, path, MBR_OUT_ATOMIC, &err),
		    MBR_EIO);
		T_EQ_S(err.msg, "written twice by this run");
		mbr_output_discard(a);
	}
}

/* A link to the file: the file is replaced, the link stays a link. */
static void
test_symlink(void)
{
	mbr_output *out;
	mbr_err err = { 0 };
	struct stat st;

	put_file(path, "yesterday\n");
	T_EQ_I(symlink("state", at("link")), 0);
	T_EQ_I(mbr_output_open(&out, at("link"), MBR_OUT_ATOMIC, &err),
	    MBR_OK);
	mbr_output_write(out, "linked\n", 7);
	T_EQ_I(mbr_output_close(out, &err), MBR_OK);
	T_OK(lstat(at("link"), &st) == 0 && S_ISLNK(st.st_mode));
	T_OK(has(path, "linked\n"));
	unlink(at("link"));
	T_EQ_S(listing(), "state");

	/* A descriptor (2>log, --thresholds /dev/stderr) is written in
	 * place: a rename would swap the file from under it. */
	{
		char fdpath[64];
		struct stat before;
		int fd = open(path, O_WRONLY | O_TRUNC);

		fstat(fd, &before);
		snprintf(fdpath, sizeof(fdpath), "/dev/fd/%d", fd);
		T_EQ_I(mbr_output_open(&out, fdpath, MBR_OUT_ATOMIC, &err),
		    MBR_OK);
		mbr_output_write(out, "through fd\n", 11);
		T_EQ_I(mbr_output_close(out, &err), MBR_OK);
		close(fd);
		T_OK(stat(path, &st) == 0 && st.st_ino == before.st_ino);
		T_OK(has(path, "through fd\n"));
		T_EQ_S(listing(), "state");
	}
}

/* Runs fn in a child with stderr into a pipe: its exit status (or
 * 128 + signal), and its stderr in errbuf. */
static int
child(void (*fn)(void), char *errbuf, size_t cap)
{
	int p[2], st;
	pid_t pid;
	ssize_t r;
	size_t n = 0;

	if (pipe(p) != 0)
		return -1;
	fflush(NULL);
	if ((pid = fork()) == 0) {
		dup2(p[1], 2);
		close(p[0]);
		close(p[1]);
		fn();
		_exit(0);
	}
	close(p[1]);
	while (n + 1 < cap && (r = read(p[0], errbuf + n, cap - 1 - n)) > 0)
		n += (size_t)r;
	errbuf[n] = '\0';
	close(p[0]);
	waitpid(pid, &st, 0);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* A file size limit of 64 KiB, met after 1 MiB is buffered: the write
 * error ends the child. */
static void
write_too_much(void)
{
	struct rlimit rl = { 64 << 10, 64 << 10 };
	mbr_output *out;
	mbr_err err = { 0 };

	signal(SIGXFSZ, SIG_IGN);
	setrlimit(RLIMIT_FSIZE, &rl);
	if (mbr_output_open(&out, path, MBR_OUT_ATOMIC, &err) != MBR_OK)
		_exit(10);
	fill(out, 4u << 20);
	_exit(11);		/* not reached */
}

/* Exits without closing (a usage error found late, say). */
static void
exit_unclosed(void)
{
	mbr_output *out;
	mbr_err err = { 0 };

	if (mbr_output_open(&out, path, MBR_OUT_ATOMIC, &err) != MBR_OK)
		_exit(10);
	fill(out, 2u << 20);
	exit(0);
}

static void
test_failures(void)
{
	char buf[1024], want[1024];

	put_file(path, "yesterday\n");
	T_EQ_I(child(write_too_much, buf, sizeof(buf)), 3);
	snprintf(want, sizeof(want), "test_io: %s: write error: File too "
	    "large\n", path);
	T_EQ_S(buf, want);
	T_OK(has(path, "yesterday\n"));
	T_EQ_S(listing(), "state");

	T_EQ_I(child(exit_unclosed, buf, sizeof(buf)), 0);
	T_EQ_S(buf, "");
	T_OK(has(path, "yesterday\n"));
	T_EQ_S(listing(), "state");
}

/* Killed while writing: the target stays whole; the child's temporary
 * file stays too, until the next good close removes it, its process
 * being gone.  One of a live process is left alone. */
static void
test_killed(void)
{
	mbr_output *out;
	mbr_err err = { 0 };
	struct stat st;
	pid_t pid;
	char want[256], live[64];
	int i, status;

	put_file(path, "yesterday\n");
	fflush(NULL);
	if ((pid = fork()) == 0) {
		if (mbr_output_open(&out, path, MBR_OUT_ATOMIC, &err) !=
		    MBR_OK)
			_exit(10);
		for (;;)
			fill(out, 1u << 20);
	}
	for (i = 0; i < 2000; i++) {
		if (stat(at(tmpname(pid)), &st) == 0 && st.st_size > (2 << 20))
			break;
		usleep(10000);
	}
	T_OK(i < 2000);
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	T_OK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	T_OK(has(path, "yesterday\n"));
	snprintf(want, sizeof(want), "%s state", tmpname(pid));
	T_EQ_S(listing(), want);

	/* Another run's, alive (our parent), and a name not ours. */
	snprintf(live, sizeof(live), "%s", tmpname(getppid()));
	put_file(at(live), "busy\n");
	put_file(at(".state.tmp.x1"), "?\n");
	/* One of an earlier process that had our pid: replaced. */
	put_file(at(tmpname(getpid())), "stale\n");
	T_EQ_I(mbr_output_open(&out, path, MBR_OUT_ATOMIC, &err), MBR_OK);
	mbr_output_write(out, "today\n", 6);
	T_EQ_I(mbr_output_close(out, &err), MBR_OK);
	T_OK(has(path, "today\n"));
	snprintf(want, sizeof(want), "%s .state.tmp.x1 state", live);
	T_EQ_S(listing(), want);
	unlink(at(live));
	unlink(at(".state.tmp.x1"));
}

int
main(void)
{
	mbr_setprogname("test_io");
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(path, sizeof(path), "%s/state", dir);
	test_atomic_ok();
	test_discard_hold();
	test_open_errors();
	test_symlink();
	test_failures();
	test_killed();
	unlink(path);
	T_OK(rmdir(dir) == 0);
	return T_DONE();
}
