/* mbr_tmpl.c: see mbr_tmpl.h. */
#include <stdlib.h>
#include <string.h>

#include "mbr_ident.h"
#include "mbr_tmpl.h"

/* A run of text, or a placeholder (col >= -1 and name set). */
struct part {
	const char	*p;	/* literal text, or the field name */
	size_t		 n;
	int		 field;
	int		 col;
	const char	*fb;	/* fallback; NULL: none */
	size_t		 fbn;
};

struct mbr_tmpl {
	char		*text;	/* a copy: parts point into it */
	char		*where;
	struct part	*parts;
	size_t		 nparts;
	size_t		*fields;	/* part index of each placeholder */
	size_t		 nfields;
};

/* The first "cc" in [s, end), or NULL. */
static const char *
pair(const char *s, const char *end, int c)
{
	for (; s + 1 < end; s++)
		if (s[0] == c && s[1] == c)
			return s;
	return NULL;
}

static void
add(mbr_tmpl *t, struct part pt)
{
	t->parts = mbr_xrealloc(t->parts, (t->nparts + 1) *
	    sizeof(*t->parts));
	t->parts[t->nparts++] = pt;
	if (pt.field) {
		t->fields = mbr_xrealloc(t->fields, (t->nfields + 1) *
		    sizeof(*t->fields));
		t->fields[t->nfields++] = t->nparts - 1;
	}
}

int
mbr_tmpl_compile(mbr_tmpl **tp, const char *where, const char *text,
    size_t n, mbr_err *err)
{
	mbr_tmpl *t = mbr_xcalloc(1, sizeof(*t));
	const char *s, *end, *open, *close, *bar, *name, *fb;
	size_t nn, fbn;

	t->text = mbr_xmalloc(n + 1);
	memcpy(t->text, text, n);
	t->text[n] = '\0';
	t->where = mbr_xstrdup(where);
	s = t->text;
	end = s + n;
	while (s < end) {
		open = pair(s, end, '{');
		if (open == NULL) {
			add(t, (struct part){ s, (size_t)(end - s), 0, -1,
			    NULL, 0 });
			break;
		}
		if (open > s)
			add(t, (struct part){ s, (size_t)(open - s), 0, -1,
			    NULL, 0 });
		close = pair(open + 2, end, '}');
		/* "{{name|member, your code {{coupon_code}}": the first is
		 * unclosed, not a fallback that swallows the second. */
		if (close != NULL && pair(open + 2, close + 1, '{') != NULL)
			close = NULL;
		if (close == NULL) {
			mbr_err_set(err, MBR_EUSAGE, "%s: \"{{\" at byte %zu "
			    "has no \"}}\"", where, (size_t)(open - t->text) +
			    1);
			mbr_tmpl_free(t);
			*tp = NULL;
			return MBR_EUSAGE;
		}
		name = open + 2;
		bar = memchr(name, '|', (size_t)(close - name));
		nn = (size_t)((bar != NULL ? bar : close) - name);
		mbr_trim(&name, &nn);
		if (nn == 0) {
			mbr_err_set(err, MBR_EUSAGE, "%s: \"%.*s\" names no "
			    "field", where, (int)(close + 2 - open), open);
			mbr_tmpl_free(t);
			*tp = NULL;
			return MBR_EUSAGE;
		}
		fb = bar != NULL ? bar + 1 : NULL;
		fbn = bar != NULL ? (size_t)(close - bar - 1) : 0;
		if (fb != NULL)
			mbr_trim(&fb, &fbn);
		add(t, (struct part){ name, nn, 1, -1, fb, fbn });
		s = close + 2;
	}
	*tp = t;
	return MBR_OK;
}

void
mbr_tmpl_free(mbr_tmpl *t)
{
	if (t == NULL)
		return;
	free(t->text);
	free(t->where);
	free(t->parts);
	free(t->fields);
	free(t);
}

const char *
mbr_tmpl_where(const mbr_tmpl *t)
{
	return t->where;
}

size_t
mbr_tmpl_nfields(const mbr_tmpl *t)
{
	return t->nfields;
}

mbr_slice
mbr_tmpl_field(const mbr_tmpl *t, size_t i)
{
	const struct part *pt = &t->parts[t->fields[i]];

	return (mbr_slice){ pt->p, pt->n };
}

void
mbr_tmpl_bind(mbr_tmpl *t, size_t i, int col)
{
	t->parts[t->fields[i]].col = col;
}

void
mbr_tmpl_render(const mbr_tmpl *t, const mbr_slice *f, const uint8_t *type,
    mbr_buf *out)
{
	const struct part *pt;
	size_t i;

	for (i = 0; i < t->nparts; i++) {
		pt = &t->parts[i];
		if (!pt->field)
			mbr_buf_add(out, pt->p, pt->n);
		else if (pt->col >= 0 && f[pt->col].p != NULL &&
		    f[pt->col].n > 0 && type[pt->col] != MBR_V_NULL)
			mbr_buf_add(out, f[pt->col].p, f[pt->col].n);
		else if (pt->fb != NULL)
			mbr_buf_add(out, pt->fb, pt->fbn);
	}
}
