/* mbr_sms.c: see mbr_sms.h. */
#include <stddef.h>
#include <stdint.h>

#include "mbr_sms.h"
#include "mbr_utf8.h"

#define GSM_ONE		160	/* septets in a text of one part */
#define GSM_PART	153	/* septets in a part of a longer text */
#define UCS2_ONE	70
#define UCS2_PART	67

/* Septets of an ASCII character in GSM 03.38: the basic table holds
 * ASCII's printable characters but for ` and the eight the extension
 * table has (2 each, as form feed), and LF and CR of the controls.
 * @ $ _ are in the basic table, at other codes than ASCII's. */
static const unsigned char ascii_septets[128] = {
	['\n'] = 1, ['\r'] = 1, ['\f'] = 2,
	[' '] = 1, ['!'] = 1, ['"'] = 1, ['#'] = 1, ['$'] = 1, ['%'] = 1,
	['&'] = 1, ['\''] = 1, ['('] = 1, [')'] = 1, ['*'] = 1, ['+'] = 1,
	[','] = 1, ['-'] = 1, ['.'] = 1, ['/'] = 1,
	['0'] = 1, ['1'] = 1, ['2'] = 1, ['3'] = 1, ['4'] = 1,
	['5'] = 1, ['6'] = 1, ['7'] = 1, ['8'] = 1, ['9'] = 1,
	[':'] = 1, [';'] = 1, ['<'] = 1, ['='] = 1, ['>'] = 1, ['?'] = 1,
	['@'] = 1,
	['A'] = 1, ['B'] = 1, ['C'] = 1, ['D'] = 1, ['E'] = 1, ['F'] = 1,
	['G'] = 1, ['H'] = 1, ['I'] = 1, ['J'] = 1, ['K'] = 1, ['L'] = 1,
	['M'] = 1, ['N'] = 1, ['O'] = 1, ['P'] = 1, ['Q'] = 1, ['R'] = 1,
	['S'] = 1, ['T'] = 1, ['U'] = 1, ['V'] = 1, ['W'] = 1, ['X'] = 1,
	['Y'] = 1, ['Z'] = 1,
	['['] = 2, ['\\'] = 2, [']'] = 2, ['^'] = 2, ['_'] = 1,
	['a'] = 1, ['b'] = 1, ['c'] = 1, ['d'] = 1, ['e'] = 1, ['f'] = 1,
	['g'] = 1, ['h'] = 1, ['i'] = 1, ['j'] = 1, ['k'] = 1, ['l'] = 1,
	['m'] = 1, ['n'] = 1, ['o'] = 1, ['p'] = 1, ['q'] = 1, ['r'] = 1,
	['s'] = 1, ['t'] = 1, ['u'] = 1, ['v'] = 1, ['w'] = 1, ['x'] = 1,
	['y'] = 1, ['z'] = 1,
	['{'] = 2, ['|'] = 2, ['}'] = 2, ['~'] = 2,
};

/* Septets of code point c in GSM 03.38, 0 if it has none. */
static unsigned
septets(uint32_t c)
{
	if (c < 0x80)
		return ascii_septets[c];
	switch (c) {
	/* Latin-1 letters and signs of the basic table; the rest of
	 * Latin-1 (ç, á, í, ó, ú, â, ê, ...) is not in it. */
	case 0xa1: case 0xa3: case 0xa4: case 0xa5: case 0xa7:	/* ¡£¤¥§ */
	case 0xbf:						/* ¿ */
	case 0xc4: case 0xc5: case 0xc6: case 0xc7: case 0xc9:	/* ÄÅÆÇÉ */
	case 0xd1: case 0xd6: case 0xd8: case 0xdc: case 0xdf:	/* ÑÖØÜß */
	case 0xe0: case 0xe4: case 0xe5: case 0xe6: case 0xe8:	/* àäåæè */
	case 0xe9: case 0xec: case 0xf1: case 0xf2: case 0xf6:	/* éìñòö */
	case 0xf8: case 0xf9: case 0xfc:			/* øùü */
	/* The capital Greek letters that do not look like Latin ones. */
	case 0x393: case 0x394: case 0x398: case 0x39b: case 0x39e: /* ΓΔΘΛΞ */
	case 0x3a0: case 0x3a3: case 0x3a6: case 0x3a8: case 0x3a9: /* ΠΣΦΨΩ */
		return 1;
	case 0x20ac:						/* € */
		return 2;
	default:
		return 0;
	}
}

/* Packing: a part of `size` takes whole characters of width w until the
 * next does not fit.  Widths are 1 or 2, so a part ends at most one
 * unit short. */
typedef struct {
	size_t		total;	/* units of the whole text */
	size_t		fill;	/* units in the last part so far */
	unsigned	parts;	/* parts of `size`, 1 with the first unit */
} pack;

static void
pack_add(pack *p, unsigned w, size_t size)
{
	p->total += w;
	if (p->parts == 0 || p->fill + w > size) {
		p->parts++;
		p->fill = 0;
	}
	p->fill += w;
}

void
mbr_sms_count(const char *str, size_t n, mbr_sms_info *out)
{
	pack gsm = { 0, 0, 0 }, ucs = { 0, 0, 0 };
	int isgsm = 1;
	size_t i = 0, len;
	uint32_t c;
	unsigned w;

	/* Both countings in one pass; the GSM one stops at the first
	 * character it cannot encode. */
	while (i < n) {
		len = mbr_utf8_decode(str + i, n - i, &c);
		if (c == MBR_UTF8_BAD) {
			/* A unit for each bad byte. */
			c = 0xfffd;
			isgsm = 0;
			len = 1;
		}
		i += len;
		if (isgsm) {
			if ((w = septets(c)) == 0)
				isgsm = 0;
			else
				pack_add(&gsm, w, GSM_PART);
		}
		pack_add(&ucs, c < 0x10000 ? 1 : 2, UCS2_PART);
	}
	if (isgsm) {
		out->ucs2 = 0;
		out->units = gsm.total;
		out->parts = gsm.total <= GSM_ONE ? 1 : gsm.parts;
	} else {
		out->ucs2 = 1;
		out->units = ucs.total;
		out->parts = ucs.total <= UCS2_ONE ? 1 : ucs.parts;
	}
}
