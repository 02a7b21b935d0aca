/* mbr_csv.c: see mbr_csv.h.
 *
 * The grammar is libcsv 3.0.3's, read with options 0 and a space
 * function that says no byte is a space, so that no state ever trims.
 * What that leaves of libcsv's state machine (libcsv.c, csv_parse):
 *
 *	at a field start	'"' opens a quoted field; the delimiter ends
 *				an empty field; CR or LF ends the row (an
 *				empty last field) or, before any field, is
 *				a blank line and no row at all
 *	in an unquoted field	the delimiter ends the field, CR or LF the
 *				row; anything else, '"' too, is kept
 *	in a quoted field	'"' may close it; CR, LF and the delimiter
 *				are kept
 *	after that '"'		the delimiter, CR or LF closes the field
 *				(the quote is dropped); '"' is an escaped
 *				quote; anything else keeps the quote, keeps
 *				the byte and leaves the field open, so that
 *				"ab"c,d is still inside quotes at the comma
 *
 * At the end of input libcsv's csv_fini ends a field left open in any
 * state; we make an open quoted field an error instead, since its text
 * runs to the end of the file and was surely not meant.
 *
 * Two things libcsv leaves to its caller are ours: where a record ends
 * in bytes, and line numbers.  CRLF is one line end, so a record ended
 * by CR also consumes the LF after it; when that CR is the last byte
 * and more input may come, the record is not complete yet.  libcsv
 * would end the row at the CR and skip the LF as a blank line. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <csv.h>

#include "mbr_csv.h"

enum { START, UNQUOTED, QUOTED, QUOTE_END };

void
mbr_csvrec_init(mbr_csvrec *r)
{
	r->cap = 32;
	r->f = mbr_xmalloc(r->cap * sizeof(r->f[0]));
	r->nf = 0;
	r->nlines = 0;
	r->skipped = 0;
	r->raw = NULL;
	r->rawn = 0;
	r->widths = NULL;
	r->nwidths = 0;
	mbr_buf_init(&r->rawbuf);
	mbr_buf_init(&r->ref);
}

void
mbr_csvrec_release(mbr_csvrec *r)
{
	free(r->f);
	r->f = NULL;
	r->nf = r->cap = 0;
	r->raw = NULL;
	r->rawn = 0;
	mbr_buf_release(&r->rawbuf);
	mbr_buf_release(&r->ref);
}

static void
grow(mbr_csvrec *r)
{
	r->cap *= 2;
	r->f = mbr_xrealloc(r->f, r->cap * sizeof(r->f[0]));
}

static inline void
addfield(mbr_csvrec *r, const char *p, size_t n)
{
	if (r->nf == r->cap)
		grow(r);
	r->f[r->nf].p = p;
	r->f[r->nf].n = n;
	r->nf++;
}

/* Blank lines before a record: libcsv skips CR and LF outside a row
 * without a callback (CSV_REPALL_NL is off).  Counts them, CRLF as one;
 * a CR that is the last byte counts too, which only matters when the
 * caller gets 0 back anyway. */
static size_t
skipblank(const char *p, size_t n, unsigned long *lines)
{
	unsigned long k = 0;
	size_t i = 0;

	while (i < n && (p[i] == '\n' || p[i] == '\r')) {
		if (p[i] == '\r' && i + 1 < n && p[i + 1] == '\n')
			i++;
		i++;
		k++;
	}
	*lines = k;
	return i;
}

/* Splits b[0..e) at the delimiter if it holds no quote and no CR; 0
 * sends the record to the state machine.  Without a quote, libcsv's
 * states reduce to this, and a CR would end the record early. */
static int
splitplain(const char *b, const char *e, const char *fs, int delim,
    mbr_csvrec *r)
{
	const char *d;

	if (memchr(b, '"', (size_t)(e - b)) != NULL ||
	    memchr(b, '\r', (size_t)(e - b)) != NULL)
		return 0;
	while ((d = memchr(b, delim, (size_t)(e - b))) != NULL) {
		addfield(r, fs, (size_t)(d - fs));
		fs = b = d + 1;
	}
	addfield(r, fs, (size_t)(e - fs));
	return 1;
}

/* SSE2 is in every x86-64; elsewhere, or with MBR_CSV_NO_SIMD (to
 * test the other path), the line is split by memchr alone. */
#include "mbr_simd.h"
#if defined(MBR_SIMD) && !defined(MBR_CSV_NO_SIMD)
#define CSV_SIMD 1

static inline uint64_t
eq16(__m128i v, __m128i c)
{
	return (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, c));
}

/* Bit i of the result is set where byte i of v[0..4) equals c's. */
static inline uint64_t
eq64(const __m128i v[4], __m128i c)
{
	return eq16(v[0], c) | eq16(v[1], c) << 16 | eq16(v[2], c) << 32 |
	    eq16(v[3], c) << 48;
}
#endif

/* A one-line record from p[s] to le, ended by the LF at e. */
static inline long
lineend(const char *p, size_t s, const char *e, const char *le,
    mbr_csvrec *r)
{
	r->nlines = 1;
	r->raw = p + s;
	r->rawn = (size_t)(le - (p + s));
	return (long)(e + 1 - p);
}

/* The fast path: a record on one line ended by LF or CRLF, with no
 * quote and no other CR, at p[s..), p[s] neither CR nor LF.  Returns
 * the bytes consumed, or 0 for the state machine.
 *
 * Where it can, it looks at 64 bytes at a time and walks the bits of
 * the delimiter mask.  What costs is not comparing bytes but the
 * branch that ends each field's loop: a memchr per field mispredicts
 * once per field, a 64-bit mask about once per 64 bytes.  On 76-byte
 * order rows of 8 fields, read in 1 MB blocks on one core, the memchr
 * split ran at 1.6 GB/s, eight-byte SWAR words no faster, this at
 * 2.7 GB/s (libcsv: 0.23 GB/s; cat | wc -l: 1.9 GB/s). */
static long
fastpath_end(char *p, size_t n, size_t s, const char *b, const char *fs,
    int delim, mbr_csvrec *r)
{
	const char *e, *le;

	/* Fewer than 64 bytes are left in the block (or no SIMD). */
	if ((e = memchr(b, '\n', (size_t)(p + n - b))) == NULL)
		return 0;
	le = e > b && e[-1] == '\r' ? e - 1 : e;
	if (!splitplain(b, le, fs, delim, r))
		return 0;
	return lineend(p, s, e, le, r);
}

/* The block at b: its delimiters, quotes, CRs and LFs as masks md, mq,
 * mcr, mlf.  What follows is the same for every way of finding them:
 * fields up to the first LF, or 0 at a quote or a CR before it. */
#define FASTPATH_BLOCK(p, s, b, fs, r) do {				\
	uint64_t below_ = ~0ULL;					\
	mbr_slice *f_;							\
	int k_;								\
									\
	if (mlf != 0) {							\
		k_ = __builtin_ctzll(mlf);				\
		below_ = (1ULL << k_) - 1;				\
		/* The CR of a CRLF is the line end, not a CR in the	\
		 * record.  If the LF is at b[0], a CR before it was in	\
		 * the last block and sent us away. */			\
		if (k_ > 0)						\
			mcr &= ~(1ULL << (k_ - 1));			\
	}								\
	if (((mq | mcr) & below_) != 0)					\
		return 0;						\
	/* Room for a block's fields first, so that the loop keeps	\
	 * its place in registers rather than in r. */			\
	while (r->cap - r->nf < 65)					\
		grow(r);						\
	f_ = r->f + r->nf;						\
	for (md &= below_; md != 0; md &= md - 1) {			\
		k_ = __builtin_ctzll(md);				\
		f_->p = fs;						\
		f_->n = (size_t)(b + k_ - fs);				\
		f_++;							\
		fs = b + k_ + 1;					\
	}								\
	if (mlf != 0) {							\
		const char *e_ = b + __builtin_ctzll(mlf);		\
		const char *le_ = e_[-1] == '\r' ? e_ - 1 : e_;		\
		f_->p = fs;						\
		f_->n = (size_t)(le_ - fs);				\
		r->nf = (size_t)(f_ + 1 - r->f);			\
		return lineend(p, s, e_, le_, r);			\
	}								\
	r->nf = (size_t)(f_ - r->f);					\
} while (0)

#ifdef CSV_SIMD
static long
fastpath_sse2(char *p, size_t n, size_t s, int delim, mbr_csvrec *r)
{
	const char *b = p + s, *fs = b;
	const __m128i vd = _mm_set1_epi8((char)delim);
	const __m128i vq = _mm_set1_epi8('"');
	const __m128i vcr = _mm_set1_epi8('\r');
	const __m128i vlf = _mm_set1_epi8('\n');
	__m128i v[4];
	uint64_t md, mq, mcr, mlf;

	for (; p + n - b >= 64; b += 64) {
		v[0] = _mm_loadu_si128((const void *)b);
		v[1] = _mm_loadu_si128((const void *)(b + 16));
		v[2] = _mm_loadu_si128((const void *)(b + 32));
		v[3] = _mm_loadu_si128((const void *)(b + 48));
		md = eq64(v, vd);
		mq = eq64(v, vq);
		mcr = eq64(v, vcr);
		mlf = eq64(v, vlf);
		FASTPATH_BLOCK(p, s, b, fs, r);
	}
	return fastpath_end(p, n, s, b, fs, delim, r);
}

#if defined(__x86_64__) && (__GNUC__ >= 8 || defined(__clang__))
#define CSV_AVX512 1
#include <immintrin.h>

/* The same with one AVX-512 compare for each byte of interest: the
 * SSE2 steps make each mask from four compares and four movemasks.
 * (Taking a block's fields eight at a time without a branch on their
 * count, as simdjson does, was slower here: 0.83 s against 0.78 s for
 * the 10M-order file.) */
__attribute__((target("avx512bw")))
static long
fastpath_avx512(char *p, size_t n, size_t s, int delim, mbr_csvrec *r)
{
	const char *b = p + s, *fs = b;
	const __m512i vd = _mm512_set1_epi8((char)delim);
	const __m512i vq = _mm512_set1_epi8('"');
	const __m512i vcr = _mm512_set1_epi8('\r');
	const __m512i vlf = _mm512_set1_epi8('\n');
	uint64_t md, mq, mcr, mlf;

	for (; p + n - b >= 64; b += 64) {
		__m512i v = _mm512_loadu_si512((const void *)b);

		md = _mm512_cmpeq_epi8_mask(v, vd);
		mq = _mm512_cmpeq_epi8_mask(v, vq);
		mcr = _mm512_cmpeq_epi8_mask(v, vcr);
		mlf = _mm512_cmpeq_epi8_mask(v, vlf);
		FASTPATH_BLOCK(p, s, b, fs, r);
	}
	return fastpath_end(p, n, s, b, fs, delim, r);
}
#endif
#endif

/* -1: the best there is; else forced by mbr_csv_impl (tests). */
static int csv_forced = -1;

static int
csv_best(void)
{
#ifdef CSV_AVX512
	if (__builtin_cpu_supports("avx512bw"))
		return 2;
#endif
#ifdef CSV_SIMD
	return 1;
#else
	return 0;
#endif
}

int
mbr_csv_impl(int level)
{
	int best = csv_best();

	csv_forced = level < 0 || level > best ? -1 : level;
	return level < 0 || level > best ? best : level;
}

/* The fast path: one line, found by the best scan there is (asked each
 * time: a load of what the C runtime found at start). */
static long
fastpath(char *p, size_t n, size_t s, int delim, mbr_csvrec *r)
{
	int level = csv_forced >= 0 ? csv_forced : csv_best();

#ifdef CSV_AVX512
	if (level == 2)
		return fastpath_avx512(p, n, s, delim, r);
#endif
#ifdef CSV_SIMD
	if (level >= 1)
		return fastpath_sse2(p, n, s, delim, r);
#endif
	(void)level;
	return fastpath_end(p, n, s, p + s, p + s, delim, r);
}

/* Ends the quoted field whose text (quotes and all) is p[fs..fe).  A
 * field with no quote inside is the slice between its quotes, and p
 * stays as it was.  Any other is left as its raw text, which begins
 * with '"', to be unescaped once the record is known to be complete
 * (unescape()): nothing in p may change before that. */
static void
addquoted(mbr_csvrec *r, const char *p, size_t fs, size_t fe, int messy)
{
	if (messy)
		addfield(r, p + fs, fe - fs);
	else
		addfield(r, p + fs + 1, fe - fs - 2);
}

/* Unescapes a quoted field's raw text in place, as libcsv builds it: a
 * '"' is kept when it is doubled or followed by a plain byte, dropped
 * when it closes the field.  The text ends with the closing quote, as
 * the field ended in QUOTE_END.  The output never outruns the input. */
static size_t
unescape(char *q, size_t n)
{
	size_t i, w = 0;
	int st = QUOTED;

	for (i = 1; i < n; i++) {
		if (st == QUOTED) {
			q[w++] = q[i];
			if (q[i] == '"')
				st = QUOTE_END;
		} else {
			if (q[i] != '"')
				q[w++] = q[i];
			st = QUOTED;
		}
	}
	return w - 1;
}

/* The record at p[s..), s < n, in libcsv's state machine (see the top
 * of the file).  One pass finds the end and the fields without
 * writing, so that p is unchanged when the record is incomplete;
 * quoted fields with quotes inside are unescaped after that. */
static long
slowpath(char *p, size_t n, size_t s, int eof, int delim, mbr_csvrec *r,
    mbr_err *err)
{
	unsigned long lines = 0;
	size_t i, fs = s, t, used;
	int st = START, messy = 0, anymessy = 0, c;

	for (i = s; i < n; i++) {
		c = (unsigned char)p[i];
		switch (st) {
		case START:
			fs = i;
			if (c == '"') {
				st = QUOTED;
				messy = 0;
			} else if (c == delim)
				addfield(r, p + i, 0);
			else if (c == '\n' || c == '\r') {
				addfield(r, p + i, 0);
				goto end;
			} else
				st = UNQUOTED;
			break;
		case UNQUOTED:
			if (c == delim) {
				addfield(r, p + fs, i - fs);
				st = START;
			} else if (c == '\n' || c == '\r') {
				addfield(r, p + fs, i - fs);
				goto end;
			}
			break;
		case QUOTED:
			if (c == '"')
				st = QUOTE_END;
			else if (c == '\n')
				lines++;
			else if (c == '\r' && (i + 1 == n || p[i + 1] != '\n'))
				lines++;
			break;
		case QUOTE_END:
			if (c == delim) {
				addquoted(r, p, fs, i, messy);
				st = START;
			} else if (c == '\n' || c == '\r') {
				addquoted(r, p, fs, i, messy);
				goto end;
			} else {
				/* "" or a quote followed by text: both
				 * leave the field open. */
				messy = anymessy = 1;
				st = QUOTED;
			}
			break;
		}
	}

	/* The input ends inside the record. */
	if (!eof)
		return 0;
	r->raw = p + s;
	r->rawn = n - s;
	if (st == QUOTED) {
		r->nf = 0;
		c = (unsigned char)p[n - 1];
		r->nlines = lines + (c != '\n' && c != '\r');
		mbr_err_set(err, MBR_EDATA, "unterminated quoted field");
		return -(long)n;
	}
	if (st == START)	/* after a delimiter: an empty last field */
		addfield(r, p + n, 0);
	else if (st == UNQUOTED)
		addfield(r, p + fs, n - fs);
	else
		addquoted(r, p, fs, n, messy);
	r->nlines = lines + 1;
	used = n;
	goto done;

end:
	t = i;
	if (p[t] == '\r' && t + 1 == n && !eof)
		return 0;	/* the LF of a CRLF may be in the next read */
	used = t + 1;
	if (p[t] == '\r' && t + 1 < n && p[t + 1] == '\n')
		used++;
	r->nlines = lines + 1;
	r->raw = p + s;
	r->rawn = t - s;

done:
	if (anymessy) {
		/* Keep the text as read for the rejects file before the
		 * fields are unescaped over it. */
		mbr_buf_reset(&r->rawbuf);
		mbr_buf_add(&r->rawbuf, r->raw, r->rawn);
		r->raw = r->rawbuf.p;
		for (i = 0; i < r->nf; i++) {
			/* Only such fields begin with '"': an unquoted
			 * field never does, a clean quoted one holds no
			 * quote at all. */
			if (r->f[i].n > 0 && r->f[i].p[0] == '"')
				r->f[i].n = unescape((char *)r->f[i].p,
				    r->f[i].n);
		}
	}
	return (long)used;
}

static int
isblank_(int c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

/* The next line of the layouts without quotes (MBR_CSV_BLANKS,
 * MBR_CSV_WIDTHS) that is not blanks alone, the blank ones counted in
 * r->skipped: its text in r->raw, r->rawn (without the line end).  The
 * bytes it takes, or 0: none whole yet, or only blanks to the end (as
 * mbr_csv_next). */
static size_t
plain_line(const char *p, size_t n, int eof, mbr_csvrec *r)
{
	size_t s = 0, le, i;
	const char *nl;

	for (;;) {
		nl = memchr(p + s, '\n', n - s);
		if (nl == NULL && !eof)
			return 0;
		le = nl != NULL ? (size_t)(nl - p) : n;
		for (i = s; i < le && isblank_(p[i]); i++)
			continue;
		if (i < le)
			break;
		if (nl == NULL)
			return 0;	/* blanks to the end */
		s = le + 1;
		r->skipped++;
	}
	r->raw = p + s;
	r->rawn = le - s;
	while (r->rawn > 0 && p[s + r->rawn - 1] == '\r')
		r->rawn--;
	r->nlines = 1;
	return nl != NULL ? le + 1 : n;
}

/* MBR_CSV_BLANKS: the next line's words, split at runs of blanks
 * (space, tab, CR); lines of blanks alone are blank lines. */
static long
blanks_next(char *p, size_t n, int eof, mbr_csvrec *r)
{
	size_t used = plain_line(p, n, eof, r), i = 0;
	const char *q = r->raw;

	while (used > 0 && i < r->rawn) {
		size_t b;

		while (i < r->rawn && isblank_(q[i]))
			i++;
		if (i == r->rawn)
			break;
		for (b = i; i < r->rawn && !isblank_(q[i]); i++)
			continue;
		addfield(r, q + b, i - b);
	}
	return (long)used;
}

/* The display columns of the character at p (of n bytes), and its
 * length in *len: two for the wide East Asian ranges, one for the rest
 * and for a byte that begins no valid character. */
static unsigned
colwidth(const unsigned char *p, size_t n, size_t *len)
{
	uint32_t c;

	if (p[0] < 0xc2 || p[0] > 0xf4) {
		*len = 1;
		return 1;
	}
	*len = p[0] < 0xe0 ? 2 : p[0] < 0xf0 ? 3 : 4;
	if (*len > n) {
		*len = 1;
		return 1;
	}
	if (*len == 2)
		return 1;
	c = *len == 3 ? (uint32_t)(p[0] & 0x0f) << 12 |
	    (uint32_t)(p[1] & 0x3f) << 6 | (p[2] & 0x3f) :
	    (uint32_t)(p[0] & 0x07) << 18 | (uint32_t)(p[1] & 0x3f) << 12 |
	    (uint32_t)(p[2] & 0x3f) << 6 | (p[3] & 0x3f);
	return (c >= 0x1100 && c <= 0x115f) || (c >= 0x2e80 && c <= 0xa4cf) ||
	    (c >= 0xac00 && c <= 0xd7a3) || (c >= 0xf900 && c <= 0xfaff) ||
	    (c >= 0xfe30 && c <= 0xfe4f) || (c >= 0xff00 && c <= 0xff60) ||
	    (c >= 0xffe0 && c <= 0xffe6) || (c >= 0x20000 && c <= 0x3fffd) ?
	    2 : 1;
}

/* MBR_CSV_WIDTHS: the next line cut at r->widths; text past the last
 * width is one more field, which the reader rejects. */
static long
widths_next(char *p, size_t n, int eof, mbr_csvrec *r)
{
	size_t used = plain_line(p, n, eof, r), i, k, len, le = r->rawn;
	const char *q = r->raw;

	if (used == 0)
		return 0;
	for (i = 0, k = 0; k <= r->nwidths; k++) {
		size_t b = i, e;
		unsigned w = 0;

		if (k == r->nwidths) {
			if (i == le)
				break;
			e = le;		/* past the last width */
		} else {
			while (i < le && w < r->widths[k]) {
				w += colwidth((const unsigned char *)q + i,
				    le - i, &len);
				i += len;
			}
			e = i;
		}
		while (b < e && isblank_(q[b]))
			b++;
		while (e > b && isblank_(q[e - 1]))
			e--;
		addfield(r, q + b, e - b);
		if (k == r->nwidths)
			break;
	}
	return (long)used;
}

long
mbr_csv_next(char *p, size_t n, int eof, int delim, mbr_csvrec *r,
    mbr_err *err)
{
	size_t s = 0;
	long rv;

	r->nf = 0;
	r->skipped = 0;
	if (delim == MBR_CSV_BLANKS)
		return blanks_next(p, n, eof, r);
	if (delim == MBR_CSV_WIDTHS)
		return widths_next(p, n, eof, r);
	if (n > 0 && (p[0] == '\n' || p[0] == '\r'))
		s = skipblank(p, n, &r->skipped);
	if (s == n)
		return 0;

	if ((rv = fastpath(p, n, s, delim, r)) > 0)
		return rv;
	r->nf = 0;
	return slowpath(p, n, s, eof, delim, r, err);
}

int
mbr_csv_sniff(const char *line, size_t n)
{
	static const char cand[] = { ',', ';', '\t', '|' };
	size_t count[4] = { 0 }, i;
	int inq = 0, best = 0, k;

	for (i = 0; i < n; i++) {
		if (line[i] == '"')
			inq = !inq;
		else if (inq)
			continue;
		else if (line[i] == '\n' || line[i] == '\r')
			break;	/* the caller may pass a whole block */
		for (k = 0; k < 4; k++)
			if (line[i] == cand[k])
				count[k]++;
	}
	for (k = 1; k < 4; k++)
		if (count[k] > count[best])
			best = k;
	return cand[best];
}

void
mbr_csv_quote(mbr_buf *out, const char *s, size_t n, int delim)
{
	const char *q, *e = s + n;
	size_t i;
	int need = 0;

	if (n > 0 && (s[0] == ' ' || s[0] == '\t' || s[n - 1] == ' ' ||
	    s[n - 1] == '\t'))
		need = 1;
	i = 0;
#ifdef CSV_SIMD
	/* Sixteen bytes a step, a short field in one: most need no
	 * quotes. */
	{
		const __m128i vd = _mm_set1_epi8((char)delim);
		const __m128i vq = _mm_set1_epi8('"');
		const __m128i vcr = _mm_set1_epi8('\r');
		const __m128i vlf = _mm_set1_epi8('\n');
		__m128i v;

#define SPECIAL(v) ((unsigned)_mm_movemask_epi8(_mm_or_si128(		\
	    _mm_or_si128(_mm_cmpeq_epi8(v, vd), _mm_cmpeq_epi8(v, vq)),	\
	    _mm_or_si128(_mm_cmpeq_epi8(v, vcr), _mm_cmpeq_epi8(v, vlf)))))
		if (!need && n > 0 && n < 16) {
			v = mbr_load_short(s, n);
			need = (SPECIAL(v) & ((1u << n) - 1)) != 0;
			i = n;
		}
		for (; !need && n - i >= 16; i += 16) {
			v = _mm_loadu_si128((const void *)(s + i));
			need = SPECIAL(v) != 0;
		}
#undef SPECIAL
	}
#endif
	for (; i < n && !need; i++)
		if (s[i] == delim || s[i] == '"' || s[i] == '\r' ||
		    s[i] == '\n')
			need = 1;
	if (!need) {
		mbr_buf_add(out, s, n);
		return;
	}
	mbr_buf_grow(out, n + 2);
	mbr_buf_addc(out, '"');
	while ((q = memchr(s, '"', (size_t)(e - s))) != NULL) {
		mbr_buf_add(out, s, (size_t)(q - s) + 1);
		mbr_buf_addc(out, '"');
		s = q + 1;
	}
	mbr_buf_add(out, s, (size_t)(e - s));
	mbr_buf_addc(out, '"');
}

/*
 * The reference, by libcsv.
 */

#define REFPIECE	65536

struct refctx {
	mbr_csvrec	*r;
	int		 row;	/* the row callback fired */
};

static int
refnospace(unsigned char c)
{
	(void)c;
	return 0;	/* keep every space: we never trim */
}

static void
reffield(void *s, size_t n, void *data)
{
	struct refctx *x = data;

	/* Offsets into r->ref, which may move as it grows: the pointers
	 * are set once the row is complete. */
	mbr_buf_add(&x->r->ref, s, n);
	addfield(x->r, NULL, n);
}

static void
refrow(int c, void *data)
{
	struct refctx *x = data;

	(void)c;
	x->row = 1;
}

/* Physical line ends in p[a..b), CRLF as one; a CR at p[n-1] counts.
 * Written apart from the state machine's count on purpose. */
static unsigned long
reflines(const char *p, size_t a, size_t b, size_t n)
{
	unsigned long k = 0;

	for (; a < b; a++)
		if (p[a] == '\n' ||
		    (p[a] == '\r' && (a + 1 >= n || p[a + 1] != '\n')))
			k++;
	return k;
}

long
mbr_csv_ref_next(char *p, size_t n, int eof, int delim, mbr_csvrec *r,
    mbr_err *err)
{
	struct csv_parser cp;
	struct refctx x = { r, 0 };
	size_t s, i, j = 0, t, used, off;
	long rv;

	r->nf = 0;
	mbr_buf_reset(&r->ref);
	for (s = 0; s < n && (p[s] == '\r' || p[s] == '\n'); s++)
		;
	if (s == n)
		return 0;
	r->skipped = reflines(p, 0, s, n);

	csv_init(&cp, 0);
	csv_set_space_func(&cp, refnospace);
	csv_set_delim(&cp, (unsigned char)delim);
	csv_set_realloc_func(&cp, mbr_xrealloc);

	/* A row ends only on a CR or an LF, so feed libcsv up to and
	 * including the next one and see whether the row ended there.
	 * libcsv grows its field buffer by a fixed block, quadratic on a
	 * 10 MB field; feeding at most REFPIECE bytes at a time and
	 * raising the block to the buffer's size makes it double. */
	for (i = s; i < n; i = j) {
		for (j = i; j < n && j - i < REFPIECE && p[j] != '\r' &&
		    p[j] != '\n'; j++)
			;
		if (j < n && (p[j] == '\r' || p[j] == '\n'))
			j++;
		if (csv_get_buffer_size(&cp) > REFPIECE)
			csv_set_blk_size(&cp, csv_get_buffer_size(&cp));
		csv_parse(&cp, p + i, j - i, reffield, refrow, &x);
		if (x.row)
			break;
	}
	if (x.row) {
		t = j - 1;
		if (p[t] == '\r' && t + 1 == n && !eof) {
			rv = 0;
			goto out;
		}
		used = t + 1;
		if (p[t] == '\r' && t + 1 < n && p[t + 1] == '\n')
			used++;
		r->nlines = reflines(p, s, t, n) + 1;
		r->raw = p + s;
		r->rawn = t - s;
	} else if (!eof) {
		rv = 0;
		goto out;
	} else {
		/* Instead of csv_fini, which ends whatever is open, an LF:
		 * it ends the row exactly as csv_fini would, unless a
		 * quoted field is still open and takes it as text. */
		csv_parse(&cp, "\n", 1, reffield, refrow, &x);
		r->raw = p + s;
		r->rawn = n - s;
		if (!x.row) {
			r->nf = 0;
			r->nlines = reflines(p, s, n, n) +
			    (p[n - 1] != '\n' && p[n - 1] != '\r');
			mbr_err_set(err, MBR_EDATA,
			    "unterminated quoted field");
			rv = -(long)n;
			goto out;
		}
		r->nlines = reflines(p, s, n, n) + 1;
		used = n;
	}
	for (i = 0, off = 0; i < r->nf; i++) {
		r->f[i].p = r->ref.p + off;
		off += r->f[i].n;
	}
	rv = (long)used;
out:
	csv_free(&cp);
	return rv;
}
