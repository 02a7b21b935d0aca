/* test_tmpl.c: message templates (mbr_tmpl.h), by hand. */
#include <stdlib.h>

#include "mbr_tmpl.h"
#include "t.h"

/* Makes text with the fields name (column 0) and tier (column 1). */
static void
check(const char *text, const char *name, const char *tier, const char *want)
{
	mbr_tmpl *t;
	mbr_err err = { 0 };
	mbr_slice f[2] = { { name, name ? strlen(name) : 0 },
	    { tier, tier ? strlen(tier) : 0 } };
	uint8_t ty[2] = { name ? MBR_V_STR : MBR_V_ABSENT,
	    tier ? MBR_V_STR : MBR_V_ABSENT };
	mbr_buf b;
	size_t i;

	T_EQ_I(mbr_tmpl_compile(&t, "x", text, strlen(text), &err), MBR_OK);
	if (t == NULL)
		return;
	for (i = 0; i < mbr_tmpl_nfields(t); i++) {
		mbr_slice nm = mbr_tmpl_field(t, i);

		mbr_tmpl_bind(t, i, nm.n == 4 && memcmp(nm.p, "name", 4) == 0 ?
		    0 : nm.n == 4 && memcmp(nm.p, "tier", 4) == 0 ? 1 : -1);
	}
	mbr_buf_init(&b);
	mbr_tmpl_render(t, f, ty, &b);
	T_EQ_SN(b.p, b.n, want);
	mbr_buf_release(&b);
	mbr_tmpl_free(t);
}

static void
bad(const char *text, const char *msg)
{
	mbr_tmpl *t;
	mbr_err err = { 0 };

	T_EQ_I(mbr_tmpl_compile(&t, "c.json: message", text, strlen(text),
	    &err), MBR_EUSAGE);
	T_OK(t == NULL);
	T_EQ_S(err.msg, msg);
}

int
main(void)
{
	check("", "王芳", NULL, "");
	check("plain", "王芳", NULL, "plain");
	check("{{name}}", "王芳", NULL, "王芳");
	check("{{name|亲爱的会员}}，您好", "王芳", NULL, "王芳，您好");
	check("{{name|亲爱的会员}}，您好", NULL, NULL, "亲爱的会员，您好");
	check("{{name|亲爱的会员}}，您好", "", NULL, "亲爱的会员，您好");
	/* Blanks around the name and the fallback do not count. */
	check("{{ name | 会员 }}!", NULL, NULL, "会员!");
	check("{{ name }}!", "Bo", NULL, "Bo!");
	/* No fallback: nothing; an empty fallback likewise. */
	check("[{{tier}}]", NULL, NULL, "[]");
	check("[{{tier|}}]", NULL, NULL, "[]");
	/* A field no column has (bound to -1) takes its fallback. */
	check("{{nope|x}}{{nope}}", "a", "b", "x");
	/* Only the first '|' splits: the fallback may hold one. */
	check("{{tier|a|b}}", NULL, NULL, "a|b");
	/* Braces that open no placeholder are text. */
	check("{x} }} {", "a", NULL, "{x} }} {");
	/* The first "{{" opens: "{{{name}}}" names the field "{name"
	 * (which mbr-campaign finds no input has), then "}" is text. */
	check("{{{name}}}", "a", NULL, "}");
	check("{{name}}{{tier}}{{name}}", "a", "b", "aba");
	bad("hi {{name", "c.json: message: \"{{\" at byte 4 has no \"}}\"");
	bad("{{ |x}}", "c.json: message: \"{{ |x}}\" names no field");
	bad("{{}}", "c.json: message: \"{{}}\" names no field");
	return T_DONE();
}
