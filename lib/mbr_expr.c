/* mbr_expr.c: see mbr_expr.h and man/mbr-expr.5.
 *
 * The parser is recursive descent over tokens read on demand, so that
 * the parser can ask for a regular expression right after =~ (a slash
 * there starts a pattern, elsewhere it divides).  It appends nodes to
 * one flat array: children are indices, a function's arguments and an
 * in-list are chained through next.  Nesting is limited (MAXDEPTH), so
 * the evaluator's recursion, the only stack it uses, is bounded.
 *
 * Evaluation allocates nothing: field values are slices of the record,
 * strings made by lower() and upper() go to a fixed scratch area reset
 * per evaluation, and each regular expression has its match data from
 * compile time. */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <math.h>
#include <pcre2.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mbr_expr.h"
#include "mbr_utf8.h"

#define MAXDEPTH	64		/* nesting of the source */
#define SCRATCH		65536		/* bytes of strings made per eval */
#define MAXDEC		18		/* significant digits held exactly */

enum {
	OP_CONST, OP_FIELD, OP_NEG, OP_NOT, OP_AND, OP_OR,
	OP_EQ, OP_NE, OP_LT, OP_LE, OP_GT, OP_GE,
	OP_ADD, OP_SUB, OP_MUL, OP_DIV, OP_MOD,
	OP_MATCH, OP_NMATCH, OP_IN, OP_NOTIN, OP_BETWEEN, OP_NOTBETWEEN,
	OP_CALL
};

enum {
	F_DAYS_SINCE, F_DAYS_UNTIL, F_DAYS_UNTIL_BIRTHDAY, F_MONTH, F_YEAR,
	F_DAY, F_TODAY, F_NOW, F_DATE, F_LOWER, F_UPPER, F_LEN, F_COALESCE,
	F_HAS, F_CONTAINS, F_COUNT, F_NUMBER, F_ABS, F_MIN, F_MAX,
	F_STARTS_WITH, F_ENDS_WITH, F_HOUR, F_WEEKDAY
};

static const struct fn {
	const char	*name;
	int		 id, min, max;	/* max -1: any */
} fns[] = {
	{ "abs",		F_ABS,			1, 1 },
	{ "coalesce",		F_COALESCE,		1, -1 },
	{ "contains",		F_CONTAINS,		2, 2 },
	{ "count",		F_COUNT,		1, 1 },
	{ "date",		F_DATE,			1, 1 },
	{ "day",		F_DAY,			0, 1 },
	{ "days_since",		F_DAYS_SINCE,		1, 1 },
	{ "days_until",		F_DAYS_UNTIL,		1, 1 },
	{ "days_until_birthday", F_DAYS_UNTIL_BIRTHDAY,	1, 1 },
	{ "ends_with",		F_ENDS_WITH,		2, 2 },
	{ "has",		F_HAS,			1, 1 },
	{ "hour",		F_HOUR,			0, 1 },
	{ "len",		F_LEN,			1, 1 },
	{ "lower",		F_LOWER,		1, 1 },
	{ "max",		F_MAX,			1, -1 },
	{ "min",		F_MIN,			1, -1 },
	{ "month",		F_MONTH,		0, 1 },
	{ "now",		F_NOW,			0, 0 },
	{ "number",		F_NUMBER,		1, 1 },
	{ "starts_with",	F_STARTS_WITH,		2, 2 },
	{ "today",		F_TODAY,		0, 0 },
	{ "upper",		F_UPPER,		1, 1 },
	{ "weekday",		F_WEEKDAY,		0, 1 },
	{ "year",		F_YEAR,			0, 1 },
};

struct node {
	uint8_t			 op;
	int			 a, b, c;	/* children; -1: none */
	int			 next;		/* next argument */
	int			 fn;		/* OP_CALL: F_* */
	int			 fld;		/* OP_FIELD: index in fields */
	mbr_xval		 k;		/* OP_CONST */
	pcre2_code		*re;		/* OP_MATCH, OP_NMATCH */
	pcre2_match_data	*md;
};

struct field {
	char	*name;
	size_t	 n;
	int	 col;
	int	 quoted;	/* written "in double quotes" somewhere */
	char	 where[80];	/* the first use, or the first quoted one */
};

struct mbr_expr {
	struct node	*nodes;
	size_t		 nnodes, capnodes;
	int		*roots;		/* node of each expression */
	size_t		 nroots, caproots;
	mbr_expr_rule	*rules;
	size_t		 nrules, caprules;
	struct field	*fields;
	size_t		 nfields, capfields;
	char		**strs;		/* names and literals we own */
	size_t		 nstrs, capstrs;
	mbr_tz		*tz;
	mbr_time	 now;
	int64_t		 today;		/* the local day of now in tz */
	char		*scratch;
	size_t		 used;
	/* strings made past the scratch area in one evaluation (a
	 * lower() of a field over 64 KiB), freed by the next */
	char		**big;
	size_t		 nbig, capbig;
};

/* Tokens. */
enum {
	T_EOF, T_NL, T_NUM, T_STR, T_NAME, T_QNAME, T_LP, T_RP, T_COMMA,
	T_PLUS, T_MINUS, T_STAR, T_SLASH, T_PCT, T_EQ, T_EQ1, T_NE, T_LT,
	T_LE, T_GT, T_GE, T_MATCH, T_NMATCH, T_AND, T_OR, T_NOT, T_IN,
	T_BETWEEN, T_TRUE, T_FALSE, T_NULL
};

struct tok {
	int		 t;
	size_t		 off, len;	/* where in the text */
	const char	*s;		/* T_STR, T_QNAME: unescaped */
	size_t		 n;
};

struct parser {
	mbr_expr	*x;
	const char	*src;
	const char	*text;
	size_t		 n, pos;
	int		 lines;		/* newlines end statements */
	int		 paren;		/* open parentheses */
	int		 depth;
	struct tok	 tk;		/* the current token */
	int		 have;		/* tk is read */
	mbr_err		*err;
	char		 buf[1024];	/* unescaping */
};

/* -- Allocation at compile time. */

static void *
grow(void *p, size_t *cap, size_t need, size_t size)
{
	if (need <= *cap)
		return p;
	*cap = *cap ? *cap * 2 : 16;
	if (*cap < need)
		*cap = need;
	return mbr_xrealloc(p, *cap * size);
}

static char *
keep(mbr_expr *x, const char *s, size_t n)
{
	char *p = mbr_xstrndup(s, n);

	x->strs = grow(x->strs, &x->capstrs, x->nstrs + 1, sizeof(char *));
	x->strs[x->nstrs++] = p;
	return p;
}

static void
free_big(mbr_expr *x)
{
	while (x->nbig > 0)
		free(x->big[--x->nbig]);
}

mbr_expr *
mbr_expr_new(void)
{
	mbr_expr *x = mbr_xcalloc(1, sizeof(*x));

	x->scratch = mbr_xmalloc(SCRATCH);
	return x;
}

void
mbr_expr_free(mbr_expr *x)
{
	size_t i;

	if (x == NULL)
		return;
	for (i = 0; i < x->nnodes; i++) {
		pcre2_match_data_free(x->nodes[i].md);
		pcre2_code_free(x->nodes[i].re);
	}
	for (i = 0; i < x->nstrs; i++)
		free(x->strs[i]);
	for (i = 0; i < x->nfields; i++)
		free(x->fields[i].name);
	free(x->nodes);
	free(x->roots);
	free(x->rules);
	free(x->fields);
	free(x->strs);
	free(x->scratch);
	free_big(x);
	free(x->big);
	free(x);
}

/* -- Messages. */

/* Display width of the code point at p (CJK is two columns), so that
 * the caret stands under the spot in a terminal. */
static size_t
cpwidth(const unsigned char *p, size_t n, size_t *len)
{
	uint32_t c;

	if (p[0] < 0x80 || n < 2) {
		*len = 1;
		return 1;
	}
	if ((p[0] & 0xe0) == 0xc0) {
		*len = 2;
		return 1;
	}
	if ((p[0] & 0xf0) == 0xe0 && n >= 3) {
		*len = 3;
		c = ((uint32_t)(p[0] & 0x0f) << 12) |
		    ((uint32_t)(p[1] & 0x3f) << 6) | (p[2] & 0x3f);
		return (c >= 0x1100 && c <= 0x115f) ||
		    (c >= 0x2e80 && c <= 0xa4cf) ||
		    (c >= 0xac00 && c <= 0xd7a3) ||
		    (c >= 0xf900 && c <= 0xfaff) ||
		    (c >= 0xff00 && c <= 0xff60) ||
		    (c >= 0xffe0 && c <= 0xffe6) ? 2 : 1;
	}
	*len = n >= 4 ? 4 : n;
	return 2;
}

/* Line and column (in characters, from 1) of offset off. */
static void
place(const char *text, size_t off, unsigned long *line, unsigned long *col,
    size_t *bol)
{
	size_t i, k;

	*line = 1;
	*bol = 0;
	for (i = 0; i < off; i++)
		if (text[i] == '\n') {
			(*line)++;
			*bol = i + 1;
		}
	*col = 1;
	for (i = *bol; i < off; i += k) {
		cpwidth((const unsigned char *)text + i, off - i, &k);
		(*col)++;
	}
}

/* "src:line:col: msg", then the line and a caret under off. */
static int
perr(struct parser *ps, size_t off, const char *fmt, ...)
{
	char msg[256], caret[160];
	unsigned long line, col;
	size_t bol, eol, i, k, w = 0, show;
	va_list ap;

	if (ps->err->code != MBR_OK)
		return ps->err->code;	/* the first error is the one */
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (off > ps->n)
		off = ps->n;
	place(ps->text, off, &line, &col, &bol);
	for (eol = bol; eol < ps->n && ps->text[eol] != '\n' &&
	    ps->text[eol] != '\r'; eol++)
		continue;
	/* A long line is shown up to its first 150 bytes past the spot. */
	show = eol - bol;
	if (show > off - bol + 150)
		show = off - bol + 150;
	/* Tabs stay tabs under the line, so the caret lines up however
	 * wide the terminal shows them. */
	for (i = bol; i < off && w + 3 < sizeof(caret); i += k) {
		size_t cw = cpwidth((const unsigned char *)ps->text + i,
		    off - i, &k);
		if (ps->text[i] == '\t')
			caret[w++] = '\t';
		else
			while (cw-- > 0 && w + 3 < sizeof(caret))
				caret[w++] = ' ';
	}
	caret[w] = '^';
	caret[w + 1] = '\0';
	mbr_err_set(ps->err, MBR_EUSAGE, "%s:%lu:%lu: %s\n    %.*s\n    %s",
	    ps->src, line, col, msg, (int)show, ps->text + bol, caret);
	return MBR_EUSAGE;
}

/* -- Numbers. */

static const int64_t pow10s[19] = {
	1LL, 10LL, 100LL, 1000LL, 10000LL, 100000LL, 1000000LL, 10000000LL,
	100000000LL, 1000000000LL, 10000000000LL, 100000000000LL,
	1000000000000LL, 10000000000000LL, 100000000000000LL,
	1000000000000000LL, 10000000000000000LL, 100000000000000000LL,
	1000000000000000000LL
};

static void
set_dbl(mbr_xval *v, double d)
{
	memset(v, 0, sizeof(*v));
	v->t = MBR_X_NUM;
	v->dbl = 1;
	v->d = d;
}

/* A decimal m / 10^scale from a wider result; trailing zeros are shed
 * only when needed to fit.  Doubles beyond 18 digits. */
static void
set_dec(mbr_xval *v, __int128 m, int scale)
{
	while (scale > MAXDEC || m > INT64_MAX || m < -INT64_MAX) {
		if (scale == 0 || m % 10 != 0) {
			set_dbl(v, (double)m / pow(10, scale));
			return;
		}
		m /= 10;
		scale--;
	}
	memset(v, 0, sizeof(*v));
	v->t = MBR_X_NUM;
	v->m = (int64_t)m;
	v->scale = (uint8_t)scale;
}

static double
todbl(const mbr_xval *v)
{
	return v->dbl ? v->d : (double)v->m / (double)pow10s[v->scale];
}

static int
isdig(int c)
{
	return c >= '0' && c <= '9';
}

int
mbr_xval_num(mbr_xval *v, const char *s, size_t n)
{
	const char *p = s, *e = s + n;
	uint64_t m = 0;
	int neg = 0, sig = 0, frac = 0, drop = 0, digits = 0, ex = 0, eneg = 0;
	int scale;

	if (p < e && (*p == '-' || *p == '+'))
		neg = *p++ == '-';
	for (; p < e && isdig(*p); p++, digits++) {
		if (sig == 0 && *p == '0')
			continue;
		if (sig < 19) {
			m = m * 10 + (uint64_t)(*p - '0');
			sig++;
		} else {
			drop++;
			sig++;
		}
	}
	if (p < e && *p == '.') {
		for (p++; p < e && isdig(*p); p++, digits++) {
			if (sig == 0 && *p == '0') {
				frac++;
				continue;
			}
			if (sig < 19) {
				m = m * 10 + (uint64_t)(*p - '0');
				frac++;
				sig++;
			} else
				sig++;
		}
	}
	if (digits == 0)
		return 0;
	if (p < e && (*p == 'e' || *p == 'E')) {
		p++;
		if (p < e && (*p == '-' || *p == '+'))
			eneg = *p++ == '-';
		if (p == e || !isdig(*p))
			return 0;
		for (; p < e && isdig(*p); p++)
			if (ex < 10000)
				ex = ex * 10 + (*p - '0');
		if (eneg)
			ex = -ex;
	}
	if (p != e)
		return 0;
	scale = frac - ex - drop;
	if (sig <= MAXDEC && scale >= 0 && scale <= MAXDEC) {
		memset(v, 0, sizeof(*v));
		v->t = MBR_X_NUM;
		v->m = neg ? -(int64_t)m : (int64_t)m;
		v->scale = (uint8_t)scale;
		return 1;
	}
	if (sig <= MAXDEC && scale < 0 && scale >= -MAXDEC &&
	    sig - scale <= MAXDEC) {
		set_dec(v, (__int128)m * pow10s[-scale] * (neg ? -1 : 1), 0);
		return 1;
	}
	set_dbl(v, (neg ? -1.0 : 1.0) * (double)m * pow(10, -scale));
	return 1;
}

int
mbr_xval_numcmp(const mbr_xval *a, const mbr_xval *b)
{
	__int128 x, y;
	double p, q;

	if (!a->dbl && !b->dbl) {
		x = a->m;
		y = b->m;
		if (a->scale < b->scale)
			x *= pow10s[b->scale - a->scale];
		else
			y *= pow10s[a->scale - b->scale];
		return x < y ? -1 : x > y;
	}
	p = todbl(a);
	q = todbl(b);
	return p < q ? -1 : p > q;
}

/* The text of a number, exactly as its decimal. */
static size_t
fmt_num(const mbr_xval *v, char *buf, size_t size)
{
	char d[24], out[48];
	uint64_t u;
	size_t k = 0, i, len = 0;
	int neg;

	if (v->dbl)
		/* The programs never call setlocale, so %g writes a '.'. */
		return (size_t)snprintf(buf, size, "%.15g", v->d);
	neg = v->m < 0;
	u = neg ? (uint64_t)0 - (uint64_t)v->m : (uint64_t)v->m;
	do {
		d[k++] = (char)('0' + u % 10);
		u /= 10;
	} while (u > 0 || k <= v->scale);
	if (neg)
		out[len++] = '-';
	for (i = k; i > 0; i--) {
		out[len++] = d[i - 1];
		if (i - 1 == v->scale && v->scale > 0)
			out[len++] = '.';
	}
	if (size > 0) {
		memcpy(buf, out, len < size ? len : size - 1);
		buf[len < size ? len : size - 1] = '\0';
	}
	return len;
}

size_t
mbr_xval_fmt(const mbr_xval *v, char *buf, size_t size)
{
	char tmp[MBR_TIME_MAX + 1];
	size_t n;

	switch (v->t) {
	case MBR_X_BOOL:
		return (size_t)snprintf(buf, size, "%s", v->m ? "true" :
		    "false");
	case MBR_X_NUM:
		if (v->fld && v->p != NULL)
			break;
		return fmt_num(v, buf, size);
	case MBR_X_STR:
		break;
	case MBR_X_DATE:
		n = mbr_date_fmt(tmp, v->m);
		return (size_t)snprintf(buf, size, "%.*s", (int)n, tmp);
	case MBR_X_TIME:
		n = mbr_time_fmt(tmp, v->tm);
		return (size_t)snprintf(buf, size, "%.*s", (int)n, tmp);
	default:
		return (size_t)snprintf(buf, size, "null");
	}
	return (size_t)snprintf(buf, size, "%.*s", (int)v->n, v->p);
}

/* -- The lexer. */

static int
isname(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    c == '_' || isdig(c) || (c & 0x80);
}

static int
kwd(const char *s, size_t n, const char *k)
{
	size_t i;

	if (strlen(k) != n)
		return 0;
	for (i = 0; i < n; i++) {
		int c = (unsigned char)s[i];
		if (c >= 'A' && c <= 'Z')
			c += 'a' - 'A';
		if (c != k[i])
			return 0;
	}
	return 1;
}

/* Skips blanks and comments; a newline is a token only between the
 * statements of a rules file. */
static int
skip(struct parser *ps)
{
	const char *t = ps->text;

	for (;;) {
		while (ps->pos < ps->n && (t[ps->pos] == ' ' ||
		    t[ps->pos] == '\t' || t[ps->pos] == '\r'))
			ps->pos++;
		if (ps->pos < ps->n && t[ps->pos] == '#')
			while (ps->pos < ps->n && t[ps->pos] != '\n')
				ps->pos++;
		if (ps->pos < ps->n && t[ps->pos] == '\n') {
			ps->pos++;
			if (!ps->lines || ps->paren > 0 ||
			    (ps->pos < ps->n && (t[ps->pos] == ' ' ||
			    t[ps->pos] == '\t')))
				continue;
			return 1;
		}
		return 0;
	}
}

/* Reads a quoted string or name at pos into ps->buf: the quote itself
 * doubled or a backslash escape (\\ \' \" \n \t) stands for one. */
static int
quoted(struct parser *ps, struct tok *tk)
{
	const char *t = ps->text;
	char q = t[ps->pos];
	size_t i = ps->pos + 1, k = 0;

	for (;;) {
		if (i >= ps->n || t[i] == '\n')
			return perr(ps, ps->pos, "unterminated %s",
			    q == '"' ? "quoted name" : "string");
		if (t[i] == q) {
			if (i + 1 < ps->n && t[i + 1] == q) {
				i++;
			} else
				break;
		} else if (t[i] == '\\' && i + 1 < ps->n) {
			i++;
			if (t[i] == 'n' || t[i] == 't') {
				if (k + 1 >= sizeof(ps->buf))
					goto long_;
				ps->buf[k++] = t[i] == 'n' ? '\n' : '\t';
				i++;
				continue;
			}
			if (t[i] != '\\' && t[i] != '\'' && t[i] != '"')
				return perr(ps, i - 1, "unknown escape "
				    "\"\\%c\"", t[i]);
		}
		if (k + 1 >= sizeof(ps->buf))
			goto long_;
		ps->buf[k++] = t[i++];
	}
	tk->t = q == '"' ? T_QNAME : T_STR;
	tk->s = ps->buf;
	tk->n = k;
	tk->len = i + 1 - ps->pos;
	return MBR_OK;
long_:
	return perr(ps, ps->pos, "string longer than %zu bytes",
	    sizeof(ps->buf) - 1);
}

static int	isodate(const char *, size_t, int64_t *);

/* The length of a date or time literal at s (YYYY-MM-DD, then perhaps
 * THH:MM[:SS[.fff]] and Z or an offset), 0 if none begins there. */
static size_t
datelit(const char *s, size_t n)
{
	size_t i;

	if (n < 10 || !isdig(s[0]) || !isdig(s[1]) || !isdig(s[2]) ||
	    !isdig(s[3]) || s[4] != '-' || !isdig(s[5]) || !isdig(s[6]) ||
	    s[7] != '-' || !isdig(s[8]) || !isdig(s[9]))
		return 0;
	i = 10;
	if (i + 1 < n && s[i] == 'T' && isdig(s[i + 1])) {
		for (i++; i < n && (isdig(s[i]) || s[i] == ':' || s[i] == '.');
		    i++)
			continue;
		if (i < n && s[i] == 'Z')
			i++;
		else if (i + 2 < n && (s[i] == '+' || s[i] == '-') &&
		    isdig(s[i + 1]) && isdig(s[i + 2]))
			for (i += 3; i < n && (isdig(s[i]) || s[i] == ':'); i++)
				continue;
	}
	return i;
}

/* Whether what follows a '%' at t[j..n) ends an operand rather than
 * begins one: the end, a closing parenthesis or comma, a comparison, a
 * connective (and, or, not, in, between) or a comment. */
static int
pct_ends(const char *t, size_t j, size_t n)
{
	static const char *const kw[] = { "and", "or", "not", "in",
	    "between" };
	size_t i, k;

	while (j < n && (t[j] == ' ' || t[j] == '\t' || t[j] == '\r'))
		j++;
	if (j == n || (t[j] != '\0' && strchr("),\n#<>=&|", t[j]) != NULL))
		return 1;
	if (t[j] == '!')
		return j + 1 < n && t[j + 1] == '=';
	if (!isname((unsigned char)t[j]) || isdig(t[j]))
		return 0;
	for (i = j; i < n && isname((unsigned char)t[i]); i++)
		continue;
	for (k = 0; k < sizeof(kw) / sizeof(kw[0]); k++)
		if (kwd(t + j, i - j, kw[k]))
			return 1;
	return 0;
}

static int
lex(struct parser *ps)
{
	static const struct { const char *s; int t; } ops[] = {
		{ "==", T_EQ }, { "!=", T_NE }, { "<>", T_NE }, { "<=", T_LE },
		{ ">=", T_GE }, { "=~", T_MATCH }, { "!~", T_NMATCH },
		{ "&&", T_AND }, { "||", T_OR }, { "(", T_LP }, { ")", T_RP },
		{ ",", T_COMMA }, { "+", T_PLUS }, { "-", T_MINUS },
		{ "*", T_STAR }, { "/", T_SLASH }, { "%", T_PCT },
		{ "=", T_EQ1 }, { "<", T_LT }, { ">", T_GT }, { "!", T_NOT },
	};
	static const struct { const char *k; int t; } kws[] = {
		{ "and", T_AND }, { "or", T_OR }, { "not", T_NOT },
		{ "in", T_IN }, { "between", T_BETWEEN }, { "true", T_TRUE },
		{ "false", T_FALSE }, { "null", T_NULL },
	};
	struct tok *tk = &ps->tk;
	const char *t = ps->text;
	size_t i, j;

	if (ps->have)
		return MBR_OK;
	memset(tk, 0, sizeof(*tk));
	if (skip(ps)) {
		tk->t = T_NL;
		tk->off = ps->pos - 1;
		tk->len = 1;
		ps->have = 1;
		return MBR_OK;
	}
	tk->off = ps->pos;
	if (ps->pos >= ps->n) {
		tk->t = T_EOF;
		ps->have = 1;
		return MBR_OK;
	}
	if ((i = datelit(t + ps->pos, ps->n - ps->pos)) > 0) {
		/* 2024-11-11, 2024-11-11T00:00:05+08:00: the quoted
		 * string's sugar */
		mbr_time tm;
		int64_t day;

		if (!(i == 10 ? isodate(t + ps->pos, 10, &day) :
		    mbr_time_parse(&tm, t + ps->pos, i, NULL, NULL) ==
		    MBR_OK))
			return perr(ps, ps->pos, "bad date \"%.*s\"", (int)i,
			    t + ps->pos);
		tk->t = T_STR;
		tk->len = i;
		tk->s = t + ps->pos;
		tk->n = i;
	} else if (isdig(t[ps->pos]) || (t[ps->pos] == '.' &&
	    ps->pos + 1 < ps->n && isdig(t[ps->pos + 1]))) {
		i = ps->pos;
		while (i < ps->n && (isdig(t[i]) || t[i] == '.'))
			i++;
		if (i < ps->n && (t[i] == 'e' || t[i] == 'E')) {
			j = i + 1;
			if (j < ps->n && (t[j] == '+' || t[j] == '-'))
				j++;
			if (j < ps->n && isdig(t[j]))
				for (i = j; i < ps->n && isdig(t[i]); i++)
					continue;
		}
		if (i < ps->n && isname((unsigned char)t[i]))
			return perr(ps, ps->pos, "bad number \"%.*s\"",
			    (int)(i + 1 - ps->pos), t + ps->pos);
		/* 5% is 0.05 when no operand follows the sign, so that
		 * mbr-report's alerts read as analysts write them
		 * (active_30d < -5%); 7 % 3 and 7%x stay remainders. */
		if (i < ps->n && t[i] == '%' && pct_ends(t, i + 1, ps->n))
			i++;
		tk->t = T_NUM;
		tk->len = i - ps->pos;
	} else if (isname((unsigned char)t[ps->pos])) {
		for (i = ps->pos; i < ps->n && isname((unsigned char)t[i]); i++)
			continue;
		tk->t = T_NAME;
		tk->len = i - ps->pos;
		tk->s = t + ps->pos;
		tk->n = tk->len;
		for (j = 0; j < sizeof(kws) / sizeof(kws[0]); j++)
			if (kwd(tk->s, tk->n, kws[j].k))
				tk->t = kws[j].t;
	} else if (t[ps->pos] == '\'' || t[ps->pos] == '"') {
		if (quoted(ps, tk) != MBR_OK)
			return MBR_EUSAGE;
	} else {
		for (j = 0; j < sizeof(ops) / sizeof(ops[0]); j++) {
			size_t l = strlen(ops[j].s);
			if (ps->pos + l <= ps->n &&
			    memcmp(t + ps->pos, ops[j].s, l) == 0)
				break;
		}
		if (j == sizeof(ops) / sizeof(ops[0])) {
			size_t k;
			cpwidth((const unsigned char *)t + ps->pos,
			    ps->n - ps->pos, &k);
			return perr(ps, ps->pos, "unexpected \"%.*s\"", (int)k,
			    t + ps->pos);
		}
		tk->t = ops[j].t;
		tk->len = strlen(ops[j].s);
		if (tk->t == T_LP)
			ps->paren++;
		else if (tk->t == T_RP && ps->paren > 0)
			ps->paren--;
	}
	ps->pos += tk->len;
	ps->have = 1;
	return MBR_OK;
}

static int
peek(struct parser *ps)
{
	if (lex(ps) != MBR_OK) {
		ps->tk.t = -1;	/* the error is in ps->err */
		return -1;
	}
	return ps->tk.t;
}

static void
eat(struct parser *ps)
{
	ps->have = 0;
}

static const char *
tokname(int t)
{
	switch (t) {
	case T_EOF:
		return "end of rule";
	case T_NL:
		return "end of line";
	case T_RP:
		return "\")\"";
	default:
		return NULL;
	}
}

static int
unexpected(struct parser *ps, const char *want)
{
	const char *what = tokname(ps->tk.t);

	if (what != NULL)
		return perr(ps, ps->tk.off, "%s where %s was expected", what,
		    want);
	return perr(ps, ps->tk.off, "unexpected \"%.*s\" where %s was "
	    "expected", (int)(ps->tk.len > 40 ? 40 : ps->tk.len),
	    ps->text + ps->tk.off, want);
}

/* -- The parser. */

static int
node(struct parser *ps, int op)
{
	mbr_expr *x = ps->x;
	struct node *nd;

	x->nodes = grow(x->nodes, &x->capnodes, x->nnodes + 1,
	    sizeof(*x->nodes));
	nd = &x->nodes[x->nnodes];
	memset(nd, 0, sizeof(*nd));
	nd->op = (uint8_t)op;
	nd->a = nd->b = nd->c = nd->next = -1;
	return (int)x->nnodes++;
}

#define N(i)	(ps->x->nodes[(i)])

static int	expr(struct parser *, int *);

static int
field_ref(struct parser *ps, const char *s, size_t n, size_t off,
    int quoted)
{
	mbr_expr *x = ps->x;
	unsigned long line, col;
	size_t i, bol;
	int nd, isnew = 0;

	for (i = 0; i < x->nfields; i++)
		if (x->fields[i].n == n && memcmp(x->fields[i].name, s, n) == 0)
			break;
	if (i == x->nfields) {
		isnew = 1;
		x->fields = grow(x->fields, &x->capfields, x->nfields + 1,
		    sizeof(*x->fields));
		x->fields[i].name = mbr_xstrndup(s, n);
		x->fields[i].n = n;
		x->fields[i].col = -1;
		x->fields[i].quoted = 0;
		x->nfields++;
	}
	if (isnew || (quoted && !x->fields[i].quoted)) {
		place(ps->text, off, &line, &col, &bol);
		snprintf(x->fields[i].where, sizeof(x->fields[i].where),
		    "%s:%lu:%lu", ps->src, line, col);
	}
	x->fields[i].quoted |= quoted;
	nd = node(ps, OP_FIELD);
	N(nd).fld = (int)i;
	return nd;
}

static int
call(struct parser *ps, const char *s, size_t n, size_t off, int *out)
{
	const struct fn *f = NULL;
	int nd, arg, last = -1, nargs = 0;
	size_t i;

	for (i = 0; i < sizeof(fns) / sizeof(fns[0]); i++)
		if (strlen(fns[i].name) == n && memcmp(fns[i].name, s, n) == 0)
			f = &fns[i];
	if (f == NULL)
		return perr(ps, off, "unknown function \"%.*s\"", (int)n, s);
	eat(ps);	/* ( */
	nd = node(ps, OP_CALL);
	N(nd).fn = f->id;
	if (peek(ps) == T_RP)
		eat(ps);
	else
		for (;;) {
			size_t aoff = ps->tk.off;
			if (expr(ps, &arg) != MBR_OK)
				return MBR_EUSAGE;
			if (f->id == F_HAS && N(arg).op != OP_FIELD)
				return perr(ps, aoff, "has() takes a field "
				    "name");
			if (last < 0)
				N(nd).a = arg;
			else
				N(last).next = arg;
			last = arg;
			nargs++;
			if (peek(ps) == T_COMMA) {
				eat(ps);
				continue;
			}
			if (ps->tk.t != T_RP)
				return unexpected(ps, "\",\" or \")\"");
			eat(ps);
			break;
		}
	if (nargs < f->min || (f->max >= 0 && nargs > f->max)) {
		if (f->min == f->max)
			return perr(ps, off, "%s() takes %d argument%s, not %d",
			    f->name, f->min, f->min == 1 ? "" : "s", nargs);
		return perr(ps, off, "%s() takes %s %d argument%s, not %d",
		    f->name, nargs < f->min ? "at least" : "at most",
		    nargs < f->min ? f->min : f->max,
		    (nargs < f->min ? f->min : f->max) == 1 ? "" : "s", nargs);
	}
	*out = nd;
	return MBR_OK;
}

/* v / 100, exactly while the digits fit. */
static void
percent(mbr_xval *v)
{
	if (v->dbl)
		set_dbl(v, v->d / 100);
	else
		set_dec(v, v->m, v->scale + 2);
}

static int
primary(struct parser *ps, int *out)
{
	struct tok tk;
	int nd, pct;

	if (peek(ps) < 0)
		return MBR_EUSAGE;
	tk = ps->tk;
	switch (tk.t) {
	case T_NUM:
		nd = node(ps, OP_CONST);
		pct = ps->text[tk.off + tk.len - 1] == '%';
		if (!mbr_xval_num(&N(nd).k, ps->text + tk.off, tk.len - pct))
			return perr(ps, tk.off, "bad number \"%.*s\"",
			    (int)tk.len, ps->text + tk.off);
		if (pct)
			percent(&N(nd).k);
		eat(ps);
		break;
	case T_STR:
		nd = node(ps, OP_CONST);
		N(nd).k.t = MBR_X_STR;
		N(nd).k.p = keep(ps->x, tk.s, tk.n);
		N(nd).k.n = tk.n;
		eat(ps);
		break;
	case T_TRUE:
	case T_FALSE:
		nd = node(ps, OP_CONST);
		N(nd).k.t = MBR_X_BOOL;
		N(nd).k.m = tk.t == T_TRUE;
		eat(ps);
		break;
	case T_NULL:
		nd = node(ps, OP_CONST);
		eat(ps);
		break;
	case T_QNAME:
		if (tk.n == 0)
			return perr(ps, tk.off, "empty field name");
		nd = field_ref(ps, tk.s, tk.n, tk.off, 1);
		eat(ps);
		break;
	case T_NAME:
		eat(ps);
		if (peek(ps) == T_LP)
			return call(ps, tk.s, tk.n, tk.off, out);
		if (ps->tk.t < 0)
			return MBR_EUSAGE;
		nd = field_ref(ps, tk.s, tk.n, tk.off, 0);
		break;
	case T_LP:
		eat(ps);
		if (expr(ps, &nd) != MBR_OK)
			return MBR_EUSAGE;
		if (peek(ps) != T_RP)
			return ps->tk.t < 0 ? MBR_EUSAGE :
			    unexpected(ps, "\")\"");
		eat(ps);
		break;
	default:
		return unexpected(ps, "a value");
	}
	*out = nd;
	return MBR_OK;
}

static int
unary(struct parser *ps, int *out)
{
	int nd, a;

	if (peek(ps) == T_MINUS) {
		eat(ps);
		if (++ps->depth > MAXDEPTH)
			return perr(ps, ps->tk.off, "nested too deeply");
		if (unary(ps, &a) != MBR_OK)
			return MBR_EUSAGE;
		ps->depth--;
		if (N(a).op == OP_CONST && N(a).k.t == MBR_X_NUM) {
			/* fold "-5" into a constant */
			if (N(a).k.dbl)
				N(a).k.d = -N(a).k.d;
			else
				N(a).k.m = -N(a).k.m;
			*out = a;
			return MBR_OK;
		}
		nd = node(ps, OP_NEG);
		N(nd).a = a;
		*out = nd;
		return MBR_OK;
	}
	if (ps->tk.t < 0)
		return MBR_EUSAGE;
	return primary(ps, out);
}

static int
binary(struct parser *ps, int *out, int level)
{
	int nd, a, b, t, op;

	if ((level == 0 ? unary(ps, &a) : binary(ps, &a, 0)) != MBR_OK)
		return MBR_EUSAGE;
	for (;;) {
		t = peek(ps);
		if (level == 0 && t == T_STAR)
			op = OP_MUL;
		else if (level == 0 && t == T_SLASH)
			op = OP_DIV;
		else if (level == 0 && t == T_PCT)
			op = OP_MOD;
		else if (level == 1 && t == T_PLUS)
			op = OP_ADD;
		else if (level == 1 && t == T_MINUS)
			op = OP_SUB;
		else
			break;
		eat(ps);
		if ((level == 0 ? unary(ps, &b) : binary(ps, &b, 0)) != MBR_OK)
			return MBR_EUSAGE;
		nd = node(ps, op);
		N(nd).a = a;
		N(nd).b = b;
		a = nd;
	}
	if (t < 0)
		return MBR_EUSAGE;
	*out = a;
	return MBR_OK;
}

static int
regex(struct parser *ps, int nd)
{
	const char *t = ps->text;
	size_t start, i, k = 0;
	uint32_t opt = PCRE2_UTF;
	int ec;
	PCRE2_SIZE eo;
	pcre2_code *re;

	ps->have = 0;
	while (ps->pos < ps->n && (t[ps->pos] == ' ' || t[ps->pos] == '\t'))
		ps->pos++;
	start = ps->pos;
	if (ps->pos < ps->n && (t[ps->pos] == '\'' || t[ps->pos] == '"')) {
		struct tok tk;
		if (quoted(ps, &tk) != MBR_OK)
			return MBR_EUSAGE;
		ps->pos += tk.len;
		k = tk.n;
	} else if (ps->pos < ps->n && t[ps->pos] == '/') {
		for (i = ps->pos + 1; i < ps->n && t[i] != '/'; i++) {
			if (t[i] == '\\' && i + 1 < ps->n && t[i + 1] != '\n')
				i++;
		}
		if (i >= ps->n || t[i] != '/')
			return perr(ps, start, "unterminated regular "
			    "expression");
		k = i - ps->pos - 1;
		if (k >= sizeof(ps->buf))
			return perr(ps, start, "regular expression longer "
			    "than %zu bytes", sizeof(ps->buf) - 1);
		memcpy(ps->buf, t + ps->pos + 1, k);
		ps->pos = i + 1;
		for (; ps->pos < ps->n && isname((unsigned char)t[ps->pos]);
		    ps->pos++)
			switch (t[ps->pos]) {
			case 'i':
				opt |= PCRE2_CASELESS;
				break;
			case 'm':
				opt |= PCRE2_MULTILINE;
				break;
			case 's':
				opt |= PCRE2_DOTALL;
				break;
			case 'x':
				opt |= PCRE2_EXTENDED;
				break;
			default:
				return perr(ps, ps->pos, "unknown regular "
				    "expression flag \"%c\" (flags are i m s "
				    "x)", t[ps->pos]);
			}
	} else
		return perr(ps, start, "a regular expression /.../ was "
		    "expected");
	re = pcre2_compile((PCRE2_SPTR)ps->buf, k, opt, &ec, &eo, NULL);
	if (re == NULL) {
		PCRE2_UCHAR msg[160];
		pcre2_get_error_message(ec, msg, sizeof(msg));
		/* The offset is in the pattern, one past the slash. */
		return perr(ps, start + 1 + eo, "bad regular expression: %s",
		    (char *)msg);
	}
	/* JIT is several times faster on a hot loop; without it (a
	 * platform PCRE2 does not support) matching still works. */
	(void)pcre2_jit_compile(re, PCRE2_JIT_COMPLETE);
	N(nd).re = re;
	N(nd).md = pcre2_match_data_create_from_pattern(re, NULL);
	if (N(nd).md == NULL) {
		fprintf(stderr, "%s: out of memory\n", mbr_progname());
		exit(MBR_EIO);
	}
	return MBR_OK;
}

static int
comparison(struct parser *ps, int *out)
{
	static const struct { int t, op; } cmps[] = {
		{ T_EQ, OP_EQ }, { T_EQ1, OP_EQ }, { T_NE, OP_NE },
		{ T_LT, OP_LT }, { T_LE, OP_LE }, { T_GT, OP_GT },
		{ T_GE, OP_GE },
	};
	int nd, a, b, c, t, neg = 0, last = -1;
	size_t i;

	if (binary(ps, &a, 1) != MBR_OK)
		return MBR_EUSAGE;
	t = peek(ps);
	if (t == T_NOT) {
		/* "x not in (...)", "x not between a and b" */
		eat(ps);
		t = peek(ps);
		if (t != T_IN && t != T_BETWEEN)
			return t < 0 ? MBR_EUSAGE :
			    unexpected(ps, "\"in\" or \"between\"");
		neg = 1;
	}
	for (i = 0; i < sizeof(cmps) / sizeof(cmps[0]); i++)
		if (t == cmps[i].t) {
			eat(ps);
			if (binary(ps, &b, 1) != MBR_OK)
				return MBR_EUSAGE;
			nd = node(ps, cmps[i].op);
			N(nd).a = a;
			N(nd).b = b;
			*out = nd;
			goto chained;
		}
	switch (t) {
	case T_MATCH:
	case T_NMATCH:
		nd = node(ps, t == T_MATCH ? OP_MATCH : OP_NMATCH);
		N(nd).a = a;
		if (regex(ps, nd) != MBR_OK)
			return MBR_EUSAGE;
		*out = nd;
		goto chained;
	case T_IN:
		eat(ps);
		if (peek(ps) != T_LP)
			return ps->tk.t < 0 ? MBR_EUSAGE :
			    unexpected(ps, "\"(\"");
		eat(ps);
		nd = node(ps, neg ? OP_NOTIN : OP_IN);
		N(nd).a = a;
		for (;;) {
			if (binary(ps, &b, 1) != MBR_OK)
				return MBR_EUSAGE;
			if (last < 0)
				N(nd).b = b;
			else
				N(last).next = b;
			last = b;
			if (peek(ps) == T_COMMA) {
				eat(ps);
				continue;
			}
			if (ps->tk.t != T_RP)
				return ps->tk.t < 0 ? MBR_EUSAGE :
				    unexpected(ps, "\",\" or \")\"");
			eat(ps);
			break;
		}
		*out = nd;
		goto chained;
	case T_BETWEEN:
		eat(ps);
		if (binary(ps, &b, 1) != MBR_OK)
			return MBR_EUSAGE;
		if (peek(ps) != T_AND)
			return ps->tk.t < 0 ? MBR_EUSAGE :
			    unexpected(ps, "\"and\"");
		eat(ps);
		if (binary(ps, &c, 1) != MBR_OK)
			return MBR_EUSAGE;
		nd = node(ps, neg ? OP_NOTBETWEEN : OP_BETWEEN);
		N(nd).a = a;
		N(nd).b = b;
		N(nd).c = c;
		*out = nd;
		goto chained;
	}
	if (t < 0)
		return MBR_EUSAGE;
	*out = a;
	return MBR_OK;
chained:
	/* "1 < x < 5" reads as a range in school but would be (1 < x) < 5
	 * here; refusing it is kinder than a silent surprise. */
	t = peek(ps);
	for (i = 0; i < sizeof(cmps) / sizeof(cmps[0]); i++)
		if (t == cmps[i].t || t == T_MATCH || t == T_NMATCH ||
		    t == T_IN || t == T_BETWEEN)
			return perr(ps, ps->tk.off, "comparisons do not "
			    "chain; join them with \"and\"");
	return t < 0 ? MBR_EUSAGE : MBR_OK;
}

static int
negation(struct parser *ps, int *out)
{
	int nd, a;

	if (peek(ps) == T_NOT) {
		eat(ps);
		if (++ps->depth > MAXDEPTH)
			return perr(ps, ps->tk.off, "nested too deeply");
		if (negation(ps, &a) != MBR_OK)
			return MBR_EUSAGE;
		ps->depth--;
		nd = node(ps, OP_NOT);
		N(nd).a = a;
		*out = nd;
		return MBR_OK;
	}
	if (ps->tk.t < 0)
		return MBR_EUSAGE;
	return comparison(ps, out);
}

static int
logic(struct parser *ps, int *out, int or)
{
	int nd, a, b, t;

	if ((or ? logic(ps, &a, 0) : negation(ps, &a)) != MBR_OK)
		return MBR_EUSAGE;
	while ((t = peek(ps)) == (or ? T_OR : T_AND)) {
		eat(ps);
		if ((or ? logic(ps, &b, 0) : negation(ps, &b)) != MBR_OK)
			return MBR_EUSAGE;
		nd = node(ps, or ? OP_OR : OP_AND);
		N(nd).a = a;
		N(nd).b = b;
		a = nd;
	}
	if (t < 0)
		return MBR_EUSAGE;
	*out = a;
	return MBR_OK;
}

static int
expr(struct parser *ps, int *out)
{
	int rc;

	if (++ps->depth > MAXDEPTH)
		return perr(ps, ps->tk.off, "nested too deeply");
	rc = logic(ps, out, 1);
	ps->depth--;
	return rc;
}

/* Rules are matched against valid UTF-8 with PCRE2's check off, so
 * their own text must be valid too. */
static int
utf8(struct parser *ps)
{
	size_t bad = mbr_utf8_check(ps->text, ps->n);

	if (bad < ps->n)
		return perr(ps, bad, "invalid UTF-8");
	return MBR_OK;
}

static int
add_root(mbr_expr *x, int nd)
{
	x->roots = grow(x->roots, &x->caproots, x->nroots + 1, sizeof(int));
	x->roots[x->nroots] = nd;
	return (int)x->nroots++;
}

int
mbr_expr_add(mbr_expr *x, const char *src, const char *text, size_t n,
    mbr_err *err)
{
	struct parser ps;
	int nd;

	memset(&ps, 0, sizeof(ps));
	ps.x = x;
	ps.src = src;
	ps.text = text;
	ps.n = n;
	ps.err = err;
	if (utf8(&ps) != MBR_OK)
		return -1;
	if (peek(&ps) == T_EOF) {
		perr(&ps, 0, "empty expression");
		return -1;
	}
	if (ps.tk.t < 0 || expr(&ps, &nd) != MBR_OK)
		return -1;
	if (peek(&ps) != T_EOF) {
		if (ps.tk.t >= 0)
			unexpected(&ps, "an operator or the end");
		return -1;
	}
	return add_root(x, nd);
}

int
mbr_expr_load(mbr_expr *x, const char *src, const char *text, size_t n,
    const char *const *kinds, mbr_err *err)
{
	struct parser ps;
	struct tok tk;
	mbr_expr_rule *r;
	unsigned long line, col;
	size_t bol, i;
	int nd, kind, t;
	char want[128];

	memset(&ps, 0, sizeof(ps));
	ps.x = x;
	ps.src = src;
	ps.text = text;
	ps.n = n;
	ps.err = err;
	ps.lines = 1;
	if (utf8(&ps) != MBR_OK)
		return MBR_EUSAGE;
	for (;;) {
		if ((t = peek(&ps)) < 0)
			return MBR_EUSAGE;
		if (t == T_EOF)
			return MBR_OK;
		if (t == T_NL) {
			eat(&ps);
			continue;
		}
		tk = ps.tk;
		kind = -1;
		for (i = 0; t == T_NAME && kinds[i] != NULL; i++)
			if (strlen(kinds[i]) == tk.n &&
			    memcmp(kinds[i], tk.s, tk.n) == 0)
				kind = (int)i;
		if (kind < 0) {
			want[0] = '\0';
			for (i = 0; kinds[i] != NULL; i++)
				snprintf(want + strlen(want), sizeof(want) -
				    strlen(want), "%s\"%s\"", i == 0 ? "" :
				    kinds[i + 1] == NULL ? " or " : ", ",
				    kinds[i]);
			return perr(&ps, tk.off, "a rule starts with %s", want);
		}
		eat(&ps);
		if ((t = peek(&ps)) != T_NAME && t != T_QNAME && t != T_STR)
			return t < 0 ? MBR_EUSAGE : unexpected(&ps,
			    "a name");
		tk = ps.tk;
		if (tk.n == 0)
			return perr(&ps, tk.off, "empty name");
		x->rules = grow(x->rules, &x->caprules, x->nrules + 1,
		    sizeof(*x->rules));
		r = &x->rules[x->nrules];
		memset(r, 0, sizeof(*r));
		r->kind = kind;
		r->name = keep(x, tk.s, tk.n);
		r->namelen = tk.n;
		r->src = src;
		place(text, tk.off, &line, &col, &bol);
		r->line = line;
		eat(&ps);
		if ((t = peek(&ps)) != T_EQ1)
			return t < 0 ? MBR_EUSAGE : unexpected(&ps, "\"=\"");
		eat(&ps);
		if (expr(&ps, &nd) != MBR_OK)
			return MBR_EUSAGE;
		if ((t = peek(&ps)) != T_NL && t != T_EOF)
			return t < 0 ? MBR_EUSAGE :
			    unexpected(&ps, "an operator or the end of line");
		r->expr = add_root(x, nd);
		x->nrules++;
	}
}

size_t
mbr_expr_nrules(const mbr_expr *x)
{
	return x->nrules;
}

const mbr_expr_rule *
mbr_expr_rule_at(const mbr_expr *x, size_t i)
{
	return &x->rules[i];
}

size_t
mbr_expr_nfields(const mbr_expr *x)
{
	return x->nfields;
}

mbr_slice
mbr_expr_field(const mbr_expr *x, size_t i)
{
	return (mbr_slice){ x->fields[i].name, x->fields[i].n };
}

int
mbr_expr_field_quoted(const mbr_expr *x, size_t i)
{
	return x->fields[i].quoted;
}

const char *
mbr_expr_field_where(const mbr_expr *x, size_t i)
{
	return x->fields[i].where;
}

void
mbr_expr_bind(mbr_expr *x, int (*col)(void *, const char *, size_t),
    void *ctx)
{
	size_t i;

	for (i = 0; i < x->nfields; i++)
		x->fields[i].col = col(ctx, x->fields[i].name, x->fields[i].n);
}

static int64_t
local_day(mbr_tz *tz, int64_t t)
{
	mbr_time tm = { t, tz != NULL ? mbr_tz_offset_at(tz, t) : 0 };

	return mbr_time_day(tm);
}

void
mbr_expr_setenv(mbr_expr *x, mbr_tz *tz, mbr_time now)
{
	x->tz = tz;
	x->now = now;
	x->today = local_day(tz, now.t);
}

/* -- Evaluation. */

static void
set_null(mbr_xval *v)
{
	memset(v, 0, sizeof(*v));
}

static void
set_bool(mbr_xval *v, int b)
{
	memset(v, 0, sizeof(*v));
	v->t = MBR_X_BOOL;
	v->m = b != 0;
}

static void
set_int(mbr_xval *v, int64_t i)
{
	memset(v, 0, sizeof(*v));
	v->t = MBR_X_NUM;
	v->m = i;
}

static void
set_day(mbr_xval *v, int64_t day)
{
	memset(v, 0, sizeof(*v));
	v->t = MBR_X_DATE;
	v->m = day;
}

static int
truth(const mbr_xval *v)
{
	switch (v->t) {
	case MBR_X_BOOL:
		return v->m != 0;
	case MBR_X_NUM:
		return v->dbl ? v->d != 0 : v->m != 0;
	case MBR_X_STR:
		return v->n > 0;
	case MBR_X_DATE:
	case MBR_X_TIME:
		return 1;
	default:
		return 0;
	}
}

/* A number from a number, or from a string that reads as one. */
static int
asnum(const mbr_xval *v, mbr_xval *out)
{
	if (v->t == MBR_X_NUM) {
		*out = *v;
		return 1;
	}
	if (v->t == MBR_X_STR)
		return mbr_xval_num(out, v->p, v->n);
	return 0;
}

/* n bytes for a string made in this evaluation: in the scratch area,
 * or when it is full, a block of their own until the next evaluation
 * (the strings made before stay where they are). */
static char *
room(mbr_expr *x, size_t n)
{
	char *p;

	if (SCRATCH - x->used >= n) {
		p = x->scratch + x->used;
		x->used += n;
		return p;
	}
	x->big = grow(x->big, &x->capbig, x->nbig + 1, sizeof(*x->big));
	p = mbr_xmalloc(n ? n : 1);
	x->big[x->nbig++] = p;
	return p;
}

/* The text of a value: strings as they are, others written into the
 * scratch area.  0 for null. */
static int
astext(mbr_expr *x, const mbr_xval *v, const char **p, size_t *n)
{
	char buf[64];
	size_t k;

	if (v->t == MBR_X_STR || (v->t == MBR_X_NUM && v->p != NULL)) {
		*p = v->p;
		*n = v->n;
		return 1;
	}

	if (v->t == MBR_X_NULL)
		return 0;
	k = mbr_xval_fmt(v, buf, sizeof(buf));
	if (k >= sizeof(buf))
		k = sizeof(buf) - 1;	/* a number is at most 40 */
	*p = memcpy(room(x, k), buf, k);
	*n = k;
	return 1;
}

/* A time from a time, or a string or number (epoch) that reads as
 * one in tz. */
static int
astime(mbr_expr *x, const mbr_xval *v, mbr_time *tm)
{
	if (v->t == MBR_X_TIME) {
		*tm = v->tm;
		return 1;
	}
	if (v->t == MBR_X_DATE) {
		int64_t local = v->m * 86400;
		tm->off = x->tz != NULL ? mbr_tz_offset_local(x->tz, local) : 0;
		tm->t = local - tm->off;
		return 1;
	}
	if ((v->t == MBR_X_STR || v->t == MBR_X_NUM) && v->p != NULL)
		return mbr_time_parse(tm, v->p, v->n, x->tz, NULL) == MBR_OK;
	return 0;
}

/* "YYYY-MM-DD" is a day in any zone: birthdays need no time zone
 * lookup (which over decades of birthdays misses every cache). */
static int
isodate(const char *s, size_t n, int64_t *day)
{
	static const unsigned char mdays[13] = { 0, 31, 29, 31, 30, 31, 30,
	    31, 31, 30, 31, 30, 31 };
	int y, m, d, i;

	if (n != 10 || s[4] != '-' || s[7] != '-')
		return 0;
	for (i = 0; i < 10; i++)
		if (i != 4 && i != 7 && !isdig(s[i]))
			return 0;
	y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 +
	    (s[3] - '0');
	m = (s[5] - '0') * 10 + (s[6] - '0');
	d = (s[8] - '0') * 10 + (s[9] - '0');
	if (m < 1 || m > 12 || d < 1 || d > mdays[m] || (m == 2 && d == 29 &&
	    !((y % 4 == 0 && y % 100 != 0) || y % 400 == 0)))
		return 0;
	*day = mbr_days_from_civil(y, (unsigned)m, (unsigned)d);
	return 1;
}

/* The calendar day of a value in --tz: a date is its own day; a time
 * is shown in the zone first, so that 2024-11-11T00:00:05+08:00 is
 * the 10th for an analyst in London, as in mbr-rfm's recency. */
static int
asday(mbr_expr *x, const mbr_xval *v, int64_t *day)
{
	mbr_time tm;

	if (v->t == MBR_X_DATE) {
		*day = v->m;
		return 1;
	}
	if (v->t == MBR_X_STR && isodate(v->p, v->n, day))
		return 1;
	if (!astime(x, v, &tm))
		return 0;
	*day = local_day(x->tz, tm.t);
	return 1;
}

/* A string literal's reading against a field (see compare): an ISO
 * date, or an ISO time (a date, then T or a blank and a clock). */
static int
isotime_text(const char *s, size_t n)
{
	int64_t day;

	return n > 10 && (s[10] == 'T' || s[10] == ' ') && isodate(s, 10,
	    &day);
}

/* Orders a and b into *r; 0 if they cannot be compared (a null, or
 * kinds that do not meet), which makes every comparison false.  ord:
 * for <, <=, >, >= and between, where a string literal that reads as a
 * number compares with a field that reads as one as numbers (for ==
 * and in it stays text: member_id == '007'). */
static int
compare(mbr_expr *x, const mbr_xval *a, const mbr_xval *b, int ord, int *r)
{
	mbr_xval na, nb;
	int64_t da, db;
	mbr_time ta, tb;
	int c;
	size_t n;

	if (a->t == MBR_X_NULL || b->t == MBR_X_NULL)
		return 0;
	if (a->t == MBR_X_NUM || b->t == MBR_X_NUM) {
		if (!asnum(a, &na) || !asnum(b, &nb))
			return 0;
		*r = mbr_xval_numcmp(&na, &nb);
		return 1;
	}
	if (a->t == MBR_X_STR && b->t == MBR_X_STR) {
		/* Two fields that both read as numbers compare as numbers
		 * (CSV has no types; "9" < "10"); a quoted literal keeps a
		 * comparison textual. */
		if ((a->fld && b->fld) || (ord && (a->fld || b->fld))) {
			if (mbr_xval_num(&na, a->p, a->n) &&
			    mbr_xval_num(&nb, b->p, b->n)) {
				*r = mbr_xval_numcmp(&na, &nb);
				return 1;
			}
		}
		/* A field against a literal date or time: as days or
		 * instants, so that last_order_ts > '2011-11-10' means what
		 * date(last_order_ts) > '2011-11-10' does. */
		if (a->fld != b->fld) {
			const mbr_xval *lit = a->fld ? b : a;

			if (lit->n == 10 && isodate(lit->p, 10, &da) &&
			    asday(x, a, &da) && asday(x, b, &db)) {
				*r = da < db ? -1 : da > db;
				return 1;
			}
			if (isotime_text(lit->p, lit->n) && astime(x, a, &ta) &&
			    astime(x, b, &tb)) {
				*r = ta.t < tb.t ? -1 : ta.t > tb.t;
				return 1;
			}
		}
		n = a->n < b->n ? a->n : b->n;
		c = n > 0 ? memcmp(a->p, b->p, n) : 0;
		if (c == 0)
			c = a->n < b->n ? -1 : a->n > b->n;
		*r = c < 0 ? -1 : c > 0;
		return 1;
	}
	if (a->t == MBR_X_DATE || b->t == MBR_X_DATE) {
		if (!asday(x, a, &da) || !asday(x, b, &db))
			return 0;
		*r = da < db ? -1 : da > db;
		return 1;
	}
	if (a->t == MBR_X_TIME || b->t == MBR_X_TIME) {
		if (!astime(x, a, &ta) || !astime(x, b, &tb))
			return 0;
		*r = ta.t < tb.t ? -1 : ta.t > tb.t;
		return 1;
	}
	if (a->t == MBR_X_BOOL || b->t == MBR_X_BOOL) {
		const mbr_xval *s = a->t == MBR_X_BOOL ? b : a;
		int64_t ba, bb;

		if (s->t == MBR_X_STR) {
			/* CSV writes booleans as text */
			if (s->n == 4 && memcmp(s->p, "true", 4) == 0)
				c = 1;
			else if (s->n == 5 && memcmp(s->p, "false", 5) == 0)
				c = 0;
			else
				return 0;
		} else if (s->t == MBR_X_BOOL)
			c = (int)s->m;
		else
			return 0;
		ba = a->t == MBR_X_BOOL ? a->m : c;
		bb = b->t == MBR_X_BOOL ? b->m : c;
		*r = ba < bb ? -1 : ba > bb;
		return 1;
	}
	return 0;
}

static void	ev(mbr_expr *, int, const mbr_slice *, const uint8_t *,
		    mbr_xval *);

static void
arith(mbr_expr *x, int op, const mbr_xval *a, const mbr_xval *b,
    mbr_xval *out)
{
	mbr_xval na, nb;
	__int128 p, q;
	int s;

	if (a->t == MBR_X_NULL || b->t == MBR_X_NULL) {
		set_null(out);
		return;
	}
	/* Dates move by whole days: today() - 30, birthday + 7. */
	if (a->t == MBR_X_DATE && (op == OP_ADD || op == OP_SUB)) {
		int64_t db;
		if (op == OP_SUB && b->t != MBR_X_NUM && asday(x, b, &db)) {
			set_int(out, a->m - db);
			return;
		}
		if (asnum(b, &nb) && !nb.dbl && nb.scale == 0) {
			set_day(out, op == OP_ADD ? a->m + nb.m : a->m - nb.m);
			return;
		}
		set_null(out);
		return;
	}
	if (b->t == MBR_X_DATE && op == OP_ADD) {
		arith(x, op, b, a, out);
		return;
	}
	if (!asnum(a, &na) || !asnum(b, &nb)) {
		set_null(out);
		return;
	}
	if (!na.dbl && !nb.dbl && op != OP_DIV) {
		p = na.m;
		q = nb.m;
		s = na.scale > nb.scale ? na.scale : nb.scale;
		if (op == OP_MUL) {
			set_dec(out, p * q, na.scale + nb.scale);
			return;
		}
		p *= pow10s[s - na.scale];
		q *= pow10s[s - nb.scale];
		if (op == OP_ADD)
			set_dec(out, p + q, s);
		else if (op == OP_SUB)
			set_dec(out, p - q, s);
		else if (q == 0)
			set_null(out);
		else
			set_dec(out, p % q, s);
		return;
	}
	switch (op) {
	case OP_ADD:
		set_dbl(out, todbl(&na) + todbl(&nb));
		break;
	case OP_SUB:
		set_dbl(out, todbl(&na) - todbl(&nb));
		break;
	case OP_MUL:
		set_dbl(out, todbl(&na) * todbl(&nb));
		break;
	case OP_DIV:
		if (todbl(&nb) == 0) {
			set_null(out);
			break;
		}
		/* Exact when the quotient is a short decimal (1000 / 4,
		 * 99.90 / 3 is not); a double otherwise. */
		if (!na.dbl && !nb.dbl) {
			s = na.scale > nb.scale ? na.scale : nb.scale;
			p = (__int128)na.m * pow10s[s - na.scale];
			q = (__int128)nb.m * pow10s[s - nb.scale];
			for (int k = 0; k <= 6; k++) {
				if (p % q == 0) {
					set_dec(out, p / q, k);
					return;
				}
				p *= 10;
			}
		}
		set_dbl(out, todbl(&na) / todbl(&nb));
		break;
	default:
		if (todbl(&nb) == 0)
			set_null(out);
		else
			set_dbl(out, fmod(todbl(&na), todbl(&nb)));
	}
}

static void
fieldval(mbr_expr *x, int fi, const mbr_slice *f, const uint8_t *ty,
    mbr_xval *out)
{
	int col = x->fields[fi].col;

	set_null(out);
	if (col < 0 || f[col].p == NULL)
		return;
	switch (ty[col]) {
	case MBR_V_NUM:
		if (!mbr_xval_num(out, f[col].p, f[col].n)) {
			set_null(out);
			out->t = MBR_X_STR;
		}
		break;
	case MBR_V_BOOL:
		out->t = MBR_X_BOOL;
		out->m = f[col].p[0] == 't';
		break;
	case MBR_V_STR:
	case MBR_V_RAW:
		/* An empty CSV field is the usual way to say "none". */
		if (f[col].n == 0)
			return;
		out->t = MBR_X_STR;
		break;
	default:
		return;
	}
	out->fld = 1;
	out->p = f[col].p;
	out->n = f[col].n;
}

/* A string made here: lower(), upper(). */
static void
casefold(mbr_expr *x, const mbr_xval *v, int up, mbr_xval *out)
{
	const char *p;
	size_t n, i;
	char *q;

	if (!astext(x, v, &p, &n)) {
		set_null(out);
		return;
	}
	q = room(x, n);
	/* ASCII only: the C library's toupper would follow the locale,
	 * and Chinese has no case. */
	for (i = 0; i < n; i++) {
		char c = p[i];
		if (up && c >= 'a' && c <= 'z')
			c = (char)(c - 'a' + 'A');
		else if (!up && c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		q[i] = c;
	}
	set_null(out);
	out->t = MBR_X_STR;
	out->p = q;
	out->n = n;
}

static void
fcall(mbr_expr *x, const struct node *nd, const mbr_slice *f,
    const uint8_t *ty, mbr_xval *out)
{
	mbr_xval a, b;
	const char *p, *q;
	size_t n, k, i;
	int64_t day, y;
	unsigned mo, d;
	int arg = nd->a, r;

	switch (nd->fn) {
	case F_TODAY:
		set_day(out, x->today);
		return;
	case F_NOW:
		set_null(out);
		out->t = MBR_X_TIME;
		out->tm = x->now;
		return;
	case F_HAS:
		ev(x, arg, f, ty, &a);
		set_bool(out, a.t != MBR_X_NULL);
		return;
	case F_COALESCE:
		for (; arg >= 0; arg = x->nodes[arg].next) {
			ev(x, arg, f, ty, out);
			if (out->t != MBR_X_NULL)
				return;
		}
		return;
	case F_MIN:
	case F_MAX:
		set_null(out);
		for (; arg >= 0; arg = x->nodes[arg].next) {
			ev(x, arg, f, ty, &a);
			if (a.t == MBR_X_NULL)
				continue;
			if (out->t == MBR_X_NULL || (compare(x, &a, out, 1,
			    &r) &&
			    (nd->fn == F_MIN ? r < 0 : r > 0)))
				*out = a;
		}
		return;
	case F_HOUR: {
		/* the hour of the clock in --tz, as days are counted */
		mbr_time tm;
		int64_t loc;

		if (arg >= 0)
			ev(x, arg, f, ty, &a);
		else {
			a.t = MBR_X_TIME;
			a.tm = x->now;
		}
		if (!astime(x, &a, &tm)) {
			set_null(out);
			return;
		}
		loc = tm.t + (x->tz != NULL ? mbr_tz_offset_at(x->tz, tm.t) :
		    tm.off);
		set_int(out, (loc % 86400 + 86400) % 86400 / 3600);
		return;
	}
	}
	if (arg >= 0)
		ev(x, arg, f, ty, &a);
	else
		set_day(&a, x->today);
	switch (nd->fn) {
	case F_DAYS_SINCE:
	case F_DAYS_UNTIL:
	case F_DAYS_UNTIL_BIRTHDAY:
	case F_DATE:
	case F_MONTH:
	case F_YEAR:
	case F_DAY:
	case F_WEEKDAY:
		if (!asday(x, &a, &day)) {
			set_null(out);
			return;
		}
		mbr_civil_from_days(day, &y, &mo, &d);
		switch (nd->fn) {
		case F_DAYS_SINCE:
			set_int(out, x->today - day);
			break;
		case F_DAYS_UNTIL:
			set_int(out, day - x->today);
			break;
		case F_DAYS_UNTIL_BIRTHDAY:
			set_int(out, mbr_birthday_days(x->today, day));
			break;
		case F_DATE:
			set_day(out, day);
			break;
		case F_MONTH:
			set_int(out, mo);
			break;
		case F_YEAR:
			set_int(out, y);
			break;
		case F_WEEKDAY:
			/* ISO: Monday 1 ... Sunday 7; 1970-01-01 was a
			 * Thursday */
			set_int(out, (day % 7 + 7 + 3) % 7 + 1);
			break;
		default:
			set_int(out, d);
		}
		return;
	case F_LOWER:
	case F_UPPER:
		casefold(x, &a, nd->fn == F_UPPER, out);
		return;
	case F_LEN:
		if (!astext(x, &a, &p, &n)) {
			set_null(out);
			return;
		}
		for (i = k = 0; i < n; i++)
			k += ((unsigned char)p[i] & 0xc0) != 0x80;
		set_int(out, (int64_t)k);
		return;
	case F_COUNT:
		if (!astext(x, &a, &p, &n) || n == 0) {
			set_int(out, 0);
			return;
		}
		for (i = 0, k = 1; i < n; i++)
			k += p[i] == '|';
		set_int(out, (int64_t)k);
		return;
	case F_NUMBER:
		if (!asnum(&a, out))
			set_null(out);
		return;
	case F_ABS:
		if (!asnum(&a, out)) {
			set_null(out);
			return;
		}
		if (out->dbl)
			out->d = fabs(out->d);
		else if (out->m < 0)
			out->m = -out->m;
		out->p = NULL;
		out->fld = 0;
		return;
	}
	/* Two arguments: contains, starts_with, ends_with. */
	ev(x, x->nodes[arg].next, f, ty, &b);
	if (!astext(x, &a, &p, &n) || !astext(x, &b, &q, &k)) {
		set_null(out);
		return;
	}
	switch (nd->fn) {
	case F_CONTAINS:
		/* An element of a |-joined list, whole. */
		for (i = 0; i <= n;) {
			size_t j = i;
			while (j < n && p[j] != '|')
				j++;
			if (j - i == k && memcmp(p + i, q, k) == 0) {
				set_bool(out, 1);
				return;
			}
			i = j + 1;
		}
		set_bool(out, 0);
		return;
	case F_STARTS_WITH:
		set_bool(out, k <= n && memcmp(p, q, k) == 0);
		return;
	default:
		set_bool(out, k <= n && memcmp(p + n - k, q, k) == 0);
	}
}

static void
ev(mbr_expr *x, int i, const mbr_slice *f, const uint8_t *ty, mbr_xval *out)
{
	const struct node *nd = &x->nodes[i];
	mbr_xval a, b, c;
	const char *p;
	size_t n;
	int r, r2, j;

	switch (nd->op) {
	case OP_CONST:
		*out = nd->k;
		return;
	case OP_FIELD:
		fieldval(x, nd->fld, f, ty, out);
		return;
	case OP_NEG:
		ev(x, nd->a, f, ty, &a);
		set_int(&b, 0);
		arith(x, OP_SUB, &b, &a, out);
		return;
	case OP_NOT:
		ev(x, nd->a, f, ty, &a);
		set_bool(out, !truth(&a));
		return;
	case OP_AND:
		ev(x, nd->a, f, ty, &a);
		if (!truth(&a)) {
			set_bool(out, 0);
			return;
		}
		ev(x, nd->b, f, ty, &b);
		set_bool(out, truth(&b));
		return;
	case OP_OR:
		ev(x, nd->a, f, ty, &a);
		if (truth(&a)) {
			set_bool(out, 1);
			return;
		}
		ev(x, nd->b, f, ty, &b);
		set_bool(out, truth(&b));
		return;
	case OP_EQ:
	case OP_NE:
	case OP_LT:
	case OP_LE:
	case OP_GT:
	case OP_GE:
		ev(x, nd->a, f, ty, &a);
		ev(x, nd->b, f, ty, &b);
		if (!compare(x, &a, &b, nd->op != OP_EQ && nd->op != OP_NE,
		    &r)) {
			set_bool(out, 0);
			return;
		}
		switch (nd->op) {
		case OP_EQ:
			set_bool(out, r == 0);
			break;
		case OP_NE:
			set_bool(out, r != 0);
			break;
		case OP_LT:
			set_bool(out, r < 0);
			break;
		case OP_LE:
			set_bool(out, r <= 0);
			break;
		case OP_GT:
			set_bool(out, r > 0);
			break;
		default:
			set_bool(out, r >= 0);
		}
		return;
	case OP_ADD:
	case OP_SUB:
	case OP_MUL:
	case OP_DIV:
	case OP_MOD:
		ev(x, nd->a, f, ty, &a);
		ev(x, nd->b, f, ty, &b);
		arith(x, nd->op, &a, &b, out);
		return;
	case OP_MATCH:
	case OP_NMATCH:
		ev(x, nd->a, f, ty, &a);
		if (!astext(x, &a, &p, &n)) {
			set_bool(out, 0);	/* null matches neither way */
			return;
		}
		/* The reader has checked the UTF-8 of every field. */
		r = pcre2_match(nd->re, (PCRE2_SPTR)p, n, 0,
		    PCRE2_NO_UTF_CHECK, nd->md, NULL) >= 0;
		set_bool(out, nd->op == OP_MATCH ? r : !r);
		return;
	case OP_IN:
	case OP_NOTIN:
		ev(x, nd->a, f, ty, &a);
		if (a.t == MBR_X_NULL) {
			set_bool(out, 0);
			return;
		}
		for (j = nd->b; j >= 0; j = x->nodes[j].next) {
			ev(x, j, f, ty, &b);
			if (compare(x, &a, &b, 0, &r) && r == 0) {
				set_bool(out, nd->op == OP_IN);
				return;
			}
		}
		set_bool(out, nd->op == OP_NOTIN);
		return;
	case OP_BETWEEN:
	case OP_NOTBETWEEN:
		ev(x, nd->a, f, ty, &a);
		ev(x, nd->b, f, ty, &b);
		ev(x, nd->c, f, ty, &c);
		if (!compare(x, &a, &b, 1, &r) || !compare(x, &a, &c, 1,
		    &r2)) {
			set_bool(out, 0);
			return;
		}
		r = r >= 0 && r2 <= 0;
		set_bool(out, nd->op == OP_BETWEEN ? r : !r);
		return;
	default:
		fcall(x, nd, f, ty, out);
	}
}

void
mbr_expr_eval(mbr_expr *x, int e, const mbr_slice *f, const uint8_t *type,
    mbr_xval *out)
{
	x->used = 0;
	if (x->nbig > 0)
		free_big(x);
	ev(x, x->roots[e], f, type, out);
}

int
mbr_expr_test(mbr_expr *x, int e, const mbr_slice *f, const uint8_t *type)
{
	mbr_xval v;

	x->used = 0;
	if (x->nbig > 0)
		free_big(x);
	ev(x, x->roots[e], f, type, &v);
	return truth(&v);
}
