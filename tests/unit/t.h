/* t.h: the unit tests' few checks.
 *
 * Each test program counts its checks and ends with the line
 * "N passed, N failed" that tests/run.sh adds up; a failure names the
 * file and line of the check and both values. */
#ifndef T_H
#define T_H
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static int t_pass, t_fail;

#define T_OK(c) do {							\
	if (c)								\
		t_pass++;						\
	else {								\
		t_fail++;						\
		fprintf(stderr, "FAIL %s:%d: %s\n", __FILE__, __LINE__, #c); \
	}								\
} while (0)

#define T_EQ_I(a, b) do {						\
	long long t_a_ = (long long)(a), t_b_ = (long long)(b);	\
	if (t_a_ == t_b_)						\
		t_pass++;						\
	else {								\
		t_fail++;						\
		fprintf(stderr, "FAIL %s:%d: %s == %lld, want %lld\n",	\
		    __FILE__, __LINE__, #a, t_a_, t_b_);		\
	}								\
} while (0)

/* Compares a (pointer, length) pair with a C string. */
#define T_EQ_SN(p, n, want) do {					\
	const char *t_p_ = (p), *t_w_ = (want);				\
	size_t t_n_ = (n);						\
	if (t_p_ != NULL && t_n_ == strlen(t_w_) &&			\
	    memcmp(t_p_, t_w_, t_n_) == 0)				\
		t_pass++;						\
	else {								\
		t_fail++;						\
		fprintf(stderr, "FAIL %s:%d: %s == \"%.*s\", want \"%s\"\n", \
		    __FILE__, __LINE__, #p, t_p_ ? (int)t_n_ : 6,	\
		    t_p_ ? t_p_ : "(null)", t_w_);			\
	}								\
} while (0)

#define T_EQ_S(a, want) do {						\
	const char *t_s_ = (a);						\
	T_EQ_SN(t_s_, t_s_ ? strlen(t_s_) : 0, want);			\
} while (0)

#define T_DONE() (printf("%d passed, %d failed\n", t_pass, t_fail),	\
	t_fail != 0)
#endif
