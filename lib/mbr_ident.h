/* mbr_ident.h: member identifiers: normalising phones, e-mails and
 * platform ids into the typed form every program keys on
 * ("phone:+8613800138000", "email:a@b.cn", "nick:tmall:小王").
 *
 * Kept apart from any one export so that cross-channel unification
 * (an identity map of links) can grow here. */
#ifndef MBR_IDENT_H
#define MBR_IDENT_H
#include <stddef.h>
#include "mbr.h"
#include "mbr_buf.h"
#include "mbr_err.h"

/* Identifier types, as a map's identity rules name them
 * (mbr_ident_types): the prefix of the typed form is the name, save
 * member_id, which is written as given. */
enum { MBR_ID_MEMBER, MBR_ID_PHONE, MBR_ID_EMAIL, MBR_ID_NICK,
	MBR_ID_CUSTOMER, MBR_ID_OPENID, MBR_ID_UNIONID, MBR_ID_CARD,
	MBR_ID_N };
extern const char *const mbr_ident_types[MBR_ID_N];

/* Appends the typed identifier of a value: "phone:+8613800138000"
 * (mbr_phone_norm, with cc), "email:a@b.cn" (mbr_email_norm),
 * "nick:<platform>:NAME", "customer:17850" and "card:VIP0012" (a
 * trailing ".0" a spreadsheet added is dropped), "openid:...",
 * "unionid:...", and a member_id as given.  s is the value as a field
 * holds it after mbr_ident_unguard.  An empty value, a phone or an
 * e-mail that is not usable is MBR_EDATA, and out is as it was. */
int	mbr_ident_norm(mbr_buf *out, int type, const char *platform,
	    const char *s, size_t n, unsigned cc, mbr_err *err);

/* A list of identifiers is one field, "phone:+86...|nick:tmall:x":
 * entries joined with '|', each once, none empty.  list_add appends s
 * unless it is empty, is there already, or holds a '|' (which would
 * split it into two entries that are not identifiers); 1 if it did. */
int	mbr_ident_list_add(mbr_buf *list, const char *s, size_t n);
/* Whether the list l[0..ln) has the entry s[0..n). */
int	mbr_ident_list_has(const char *l, size_t ln, const char *s, size_t n);
/* Adds each entry of the list s[0..n) (trimmed; empty ones dropped) as
 * list_add does; returns how many were added. */
size_t	mbr_ident_list_merge(mbr_buf *list, const char *s, size_t n);

/* Appends "+<cc><national>" for a phone number written as exports write
 * them: "13800138000", "138 0013 8000", "+86 138-0013-8000",
 * "0086 13800138000", "(415) 555-0100" with cc 1, "'13800138000" and
 * "=\"13800138000\"" (spreadsheet guards; see mbr_ident_unguard).
 * cc is the default country calling code for numbers without one.
 * Masked numbers ("138****8000") and fewer than 7 or more than 15
 * digits are MBR_EDATA (phone "138****8000" is not a usable number). */
int	mbr_phone_norm(mbr_buf *out, const char *s, size_t n, unsigned cc,
	    mbr_err *err);
/* Appends the trimmed, lower-cased address; one without exactly one '@'
 * and a dot in the domain is MBR_EDATA. */
int	mbr_email_norm(mbr_buf *out, const char *s, size_t n, mbr_err *err);
/* Removes the guards that exports put around values so a spreadsheet
 * keeps them as text: ="...", a leading ', and surrounding blanks.
 * Returns the inner slice (a view of s; nothing is copied).  Inline for
 * the value with none, which is most of them: mbr-ingest asks it of
 * every field of every row. */
void	mbr_ident_unguard_all(const char **s, size_t *n);
/* Whether s[0..n) may hold a guard (or is empty): the test that spares
 * most values the call, for callers keeping their slice in registers. */
static inline int
mbr_ident_guarded(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;

	return n == 0 || p[0] == '=' || p[0] == '\'' || mbr_isblank(p[0]) ||
	    mbr_isblank(p[n - 1]);
}
static inline void
mbr_ident_unguard(const char **s, size_t *n)
{
	if (mbr_ident_guarded(*s, *n))
		mbr_ident_unguard_all(s, n);
}
/* Trims ASCII blanks (space, tab, CR) at both ends, in place of the
 * view. */
void	mbr_trim(const char **s, size_t *n);
#endif
