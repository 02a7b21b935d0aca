/* mbr_sms.h: how many SMS parts a text costs, as carriers bill them.
 *
 * A campaign is budgeted per part, not per message: one character
 * outside the GSM alphabet (a "`", a "ç", a Chinese comma) switches the
 * whole text to UCS-2 and cuts a part from 160 characters to 70.
 *
 * GSM 03.38 (3GPP TS 23.038) default alphabet, as mapped to Unicode in
 * unicode.org's GSM0338.TXT: the 127 characters of its basic table cost
 * one septet; the extension table's ^ { } \ [ ~ ] | € and form feed
 * cost two (an escape, then the character).  0x09 counts as Ç only,
 * not ç, and 0x1B is the escape, not a no-break space, as in that
 * file.  National language shift tables (Turkish, Portuguese, the
 * Indian scripts) are not used: a sender has to ask for them. */
#ifndef MBR_SMS_H
#define MBR_SMS_H
#include <stddef.h>

typedef struct {
	int	 ucs2;	/* 0: GSM-7 */
	size_t	 units;	/* septets (GSM-7; an extension character
			 * counts 2) or UTF-16 code units */
	unsigned parts;
} mbr_sms_info;

/* s is UTF-8 text.  GSM-7 when every character is in the GSM 03.38
 * default alphabet or its extension table; else UCS-2 (strictly UTF-16:
 * a character above U+FFFF is two units, a surrogate pair).  One part
 * holds 160 septets or 70 units; a longer text is split into parts of
 * 153 septets or 67 units (the rest of 140 bytes is the concatenation
 * header), and a part never ends between an escape and its character
 * or between the two halves of a surrogate pair, so parts are counted
 * by packing, not by a division: after 152 septets a "€" starts the
 * next part.  An empty text is 1 part of 0 units.  Invalid UTF-8 makes
 * the text UCS-2 with each bad byte one unit (what a gateway does with
 * it varies; this bills the most likely case, a U+FFFD each). */
void	mbr_sms_count(const char *s, size_t n, mbr_sms_info *out);
#endif
