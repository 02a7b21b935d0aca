/* mbr_utf8.h: UTF-8 validation.
 *
 * Invalid UTF-8 is a reject, never passed on (a JSON consumer would
 * choke on it).  Most export text is ASCII, so the check runs eight
 * bytes at a time until it meets a high bit. */
#ifndef MBR_UTF8_H
#define MBR_UTF8_H
#include <stddef.h>

/* Returns n if s[0..n) is valid UTF-8 (no overlongs, no surrogates,
 * nothing above U+10FFFF), else the offset of the first bad byte. */
size_t	mbr_utf8_check(const char *s, size_t n);
#endif
