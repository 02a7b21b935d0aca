/* mbr_tmpl.h: message templates: text with {{field}} and
 * {{field|fallback}} placeholders (man/mbr-campaign.1, MESSAGES).
 *
 * A campaign's texts are compiled once and made once per recipient
 * from the member's fields, looked up by column number as the
 * expressions are: nothing is searched by name per member. */
#ifndef MBR_TMPL_H
#define MBR_TMPL_H
#include <stddef.h>
#include <stdint.h>
#include "mbr.h"
#include "mbr_buf.h"
#include "mbr_err.h"

typedef struct mbr_tmpl mbr_tmpl;

/* Compiles text; where names it in messages ("winback.json:
 * channels[1].message").  A "{{" without its "}}", or an empty field
 * name, is MBR_EUSAGE. */
int	mbr_tmpl_compile(mbr_tmpl **t, const char *where, const char *text,
	    size_t n, mbr_err *err);
void	mbr_tmpl_free(mbr_tmpl *t);
const char *mbr_tmpl_where(const mbr_tmpl *t);
/* The placeholders' field names, in the order written (a name may come
 * twice), for binding: each gets a column number. */
size_t	mbr_tmpl_nfields(const mbr_tmpl *t);
mbr_slice mbr_tmpl_field(const mbr_tmpl *t, size_t i);
void	mbr_tmpl_bind(mbr_tmpl *t, size_t i, int col);
/* Appends the text made with the fields f[col] (type[col] MBR_V_*; a
 * field absent, null or empty takes its fallback). */
void	mbr_tmpl_render(const mbr_tmpl *t, const mbr_slice *f,
	    const uint8_t *type, mbr_buf *out);
#endif
