/* mbr_utf8.h: UTF-8 validation.
 *
 * Invalid UTF-8 is a reject, never passed on (a JSON consumer would
 * choke on it).  Most export text is ASCII, so the check runs eight
 * bytes at a time until it meets a high bit. */
#ifndef MBR_UTF8_H
#define MBR_UTF8_H
#include <stddef.h>
#include <stdint.h>

/* Returns n if s[0..n) is valid UTF-8 (no overlongs, no surrogates,
 * nothing above U+10FFFF), else the offset of the first bad byte. */
size_t	mbr_utf8_check(const char *s, size_t n);
/* For tests: forces the implementation (0 the scalar one, 1 SSSE3, 2
 * AVX2, 3 AVX-512 BW; -1 the best the CPU has) and returns the one in
 * use, which is lower when the CPU lacks the one asked for. */
int	mbr_utf8_impl(int level);
/* For a reader's block: how many bytes from s on, up to its last line
 * end, are valid UTF-8 without a NUL byte, so that the records inside
 * need no check of their own.  One pass over a block costs less than a
 * call per record. */
size_t	mbr_utf8_clean_lines(const char *s, size_t n);
/* Decodes the character at s[0..n), n > 0, as the WHATWG decoder (a
 * browser's TextDecoder) does: returns its length, at least 1, and its
 * code point in *cp, or MBR_UTF8_BAD for an ill-formed sequence, which
 * then ends before the first byte that could not continue it (a
 * maximal subpart, Unicode 15 section 3.9) or with the text. */
#define MBR_UTF8_BAD	0xffffffffu
size_t	mbr_utf8_decode(const char *s, size_t n, uint32_t *cp);
#endif
