/* mbr_program.c: reading a loyalty programme (mbr_program.h). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "mbr_buf.h"
#include "mbr_conf.h"
#include "mbr_io.h"
#include "mbr_money.h"
#include "mbr_program.h"
#include "mbr_tab.h"

/* The reading of one file: where messages point. */
struct rd {
	mbr_conf	 c;
	mbr_program	*p;
	mbr_tz		*tz;
};

/* Money in the programme's currency, >= 0. */
static int
money(struct rd *r, json_t *v, const char *key, int64_t *out)
{
	char buf[64];
	mbr_err e;

	if (mbr_conf_numtext(&r->c, v, key, buf, sizeof(buf)) != MBR_OK)
		return MBR_EUSAGE;
	mbr_err_clear(&e);
	if (mbr_money_parse(out, buf, strlen(buf), r->p->exp, 0, &e) !=
	    MBR_OK)
		return mbr_conf_bad(&r->c, key, "%s", e.msg);
	if (*out < 0)
		return mbr_conf_bad(&r->c, key, "\"%s\" is negative", buf);
	return MBR_OK;
}

static char *
name(json_t *v)
{
	return mbr_xstrdup(json_is_string(v) ? json_string_value(v) : "");
}

/* A promotion's from or to: an instant, a date meaning its local
 * midnight. */
static int
instant(struct rd *r, json_t *v, const char *key, int64_t *out)
{
	mbr_time t;
	mbr_err e;
	const char *s;

	if (!json_is_string(v))
		return mbr_conf_bad(&r->c, key, "is not a date or time");
	s = json_string_value(v);
	mbr_err_clear(&e);
	if (mbr_time_parse(&t, s, strlen(s), r->tz, &e) != MBR_OK)
		return mbr_conf_bad(&r->c, key, "\"%s\" is not a date or time", s);
	*out = t.t;
	return MBR_OK;
}

static int
earn(struct rd *r, json_t *o)
{
	static const char *const k[] = { "per", "ladder", "rounding",
	    "min_amount", NULL };
	static const char *const kstep[] = { "from", "per", "points", NULL };
	static const char *const rounding[] = { "floor", "round", "ceil",
	    NULL };
	mbr_program *p = r->p;
	json_t *v, *s;
	size_t i;
	char key[64];

	if (mbr_conf_keys(&r->c, o, "earn", k) != MBR_OK ||
	    mbr_conf_word(&r->c, o, "rounding", "earn.rounding", rounding,
	    &p->rounding) != MBR_OK)
		return MBR_EUSAGE;
	if ((v = json_object_get(o, "min_amount")) != NULL &&
	    money(r, v, "earn.min_amount", &p->min_amount) != MBR_OK)
		return MBR_EUSAGE;
	v = json_object_get(o, "ladder");
	if ((json_object_get(o, "per") == NULL) == (v == NULL))
		return mbr_conf_bad(&r->c, "earn", "needs \"per\" or \"ladder\" (one of "
		    "them)");
	if (v == NULL)
		return mbr_conf_dec(&r->c, json_object_get(o, "per"), "earn.per", &p->per,
		    10000);
	if (!json_is_array(v) || json_array_size(v) == 0 ||
	    json_array_size(v) > MBR_PROG_MAXSTEPS)
		return mbr_conf_bad(&r->c, "earn.ladder", "is not a list of 1 to %d steps",
		    MBR_PROG_MAXSTEPS);
	json_array_foreach(v, i, s) {
		mbr_step *st = &p->steps[i];
		char m[MBR_MONEY_LEN];

		snprintf(key, sizeof(key), "earn.ladder[%zu]", i);
		if (mbr_conf_keys(&r->c, s, key, kstep) != MBR_OK)
			return MBR_EUSAGE;
		snprintf(key, sizeof(key), "earn.ladder[%zu].from", i);
		if (json_object_get(s, "from") == NULL)
			return mbr_conf_bad(&r->c, key, "is missing");
		if (money(r, json_object_get(s, "from"), key, &st->from) !=
		    MBR_OK)
			return MBR_EUSAGE;
		if (i == 0 && st->from != 0)
			return mbr_conf_bad(&r->c, key, "of the first step is not 0");
		if (i > 0 && st->from <= p->steps[i - 1].from)
			return mbr_conf_bad(&r->c, key, "is not above the step before");
		if ((json_object_get(s, "per") == NULL) ==
		    (json_object_get(s, "points") == NULL))
			return mbr_conf_bad(&r->c, key, "needs \"per\" or \"points\" (one "
			    "of them)");
		if (json_object_get(s, "points") != NULL) {
			st->fixed = 1;
			snprintf(key, sizeof(key), "earn.ladder[%zu].points",
			    i);
			if (mbr_conf_int(&r->c, json_object_get(s, "points"), key, 0,
			    1000000000, &st->points) != MBR_OK)
				return MBR_EUSAGE;
		} else {
			snprintf(key, sizeof(key), "earn.ladder[%zu].per", i);
			if (mbr_conf_dec(&r->c, json_object_get(s, "per"), key, &st->per,
			    10000) != MBR_OK)
				return MBR_EUSAGE;
		}
		mbr_money_fmt(m, st->from, p->exp);
		snprintf(st->label, sizeof(st->label), "ladder:%s", m);
		p->nsteps++;
	}
	return MBR_OK;
}

static int
multipliers(struct rd *r, json_t *a)
{
	static const char *const k[] = { "name", "factor", "month",
	    "monthday", "weekday", "from", "to", "when", NULL };
	mbr_program *p = r->p;
	json_t *o, *v;
	size_t i;
	char key[80];

	if (!json_is_array(a) || json_array_size(a) > MBR_PROG_MAXMULT)
		return mbr_conf_bad(&r->c, "multipliers", "is not a list of at most %d",
		    MBR_PROG_MAXMULT);
	json_array_foreach(a, i, o) {
		mbr_mult *m = &p->mult[i];
		int64_t x = 0;

		m->expr = -1;
		snprintf(key, sizeof(key), "multipliers[%zu]", i);
		if (mbr_conf_keys(&r->c, o, key, k) != MBR_OK)
			return MBR_EUSAGE;
		p->nmult++;
		m->name = name(json_object_get(o, "name"));
		if (m->name[0] == '\0' || strpbrk(m->name, "|") != NULL)
			return mbr_conf_bad(&r->c, key, "needs a \"name\" (without '|')");
		snprintf(key, sizeof(key), "multipliers[%zu].factor", i);
		if (json_object_get(o, "factor") == NULL)
			return mbr_conf_bad(&r->c, key, "is missing");
		if (mbr_conf_dec(&r->c, json_object_get(o, "factor"), key, &m->factor,
		    100) != MBR_OK)
			return MBR_EUSAGE;
		if (m->factor.m == 0)
			return mbr_conf_bad(&r->c, key, "is 0");
		snprintf(key, sizeof(key), "multipliers[%zu].month", i);
		if (mbr_conf_intkey(&r->c, o, "month", key, 1, 12, &x) != MBR_OK)
			return MBR_EUSAGE;
		m->month = (int)x;
		x = 0;
		snprintf(key, sizeof(key), "multipliers[%zu].monthday", i);
		if (mbr_conf_intkey(&r->c, o, "monthday", key, 1, 31, &x) != MBR_OK)
			return MBR_EUSAGE;
		m->monthday = (int)x;
		x = 0;
		snprintf(key, sizeof(key), "multipliers[%zu].weekday", i);
		if (mbr_conf_intkey(&r->c, o, "weekday", key, 1, 7, &x) != MBR_OK)
			return MBR_EUSAGE;
		m->weekday = (int)x;
		if ((v = json_object_get(o, "from")) != NULL) {
			snprintf(key, sizeof(key), "multipliers[%zu].from", i);
			if (instant(r, v, key, &m->from) != MBR_OK)
				return MBR_EUSAGE;
			m->has_from = 1;
		}
		if ((v = json_object_get(o, "to")) != NULL) {
			snprintf(key, sizeof(key), "multipliers[%zu].to", i);
			if (instant(r, v, key, &m->to) != MBR_OK)
				return MBR_EUSAGE;
			m->has_to = 1;
			if (m->has_from && m->to <= m->from)
				return mbr_conf_bad(&r->c, key, "is not after from");
		}
		if ((v = json_object_get(o, "when")) != NULL) {
			const char *s = json_string_value(v);
			mbr_buf where;
			int x;

			snprintf(key, sizeof(key), "multipliers[%zu].when", i);
			if (s == NULL)
				return mbr_conf_bad(&r->c, key, "is not an expression");
			if (p->x == NULL)
				p->x = mbr_expr_new();
			/* messages of the expression name the file too */
			mbr_buf_init(&where);
			mbr_buf_addf(&where, "%s: %s", r->c.src, key);
			x = mbr_expr_add(p->x, where.p, s, strlen(s), r->c.err);
			mbr_buf_release(&where);
			if ((m->expr = x) < 0)
				return MBR_EUSAGE;
		}
	}
	return MBR_OK;
}

static int
tiers(struct rd *r, json_t *o)
{
	static const char *const k[] = { "basis", "period", "review",
	    "grace_days", "levels", NULL };
	static const char *const kl[] = { "name", "from", "factor", "gift",
	    NULL };
	static const char *const basis[] = { "spend", "points", NULL };
	static const char *const period[] = { "rolling", "calendar", NULL };
	mbr_program *p = r->p;
	json_t *a, *l, *v;
	size_t i, j;
	int64_t x;
	char key[64];

	if (mbr_conf_keys(&r->c, o, "tiers", k) != MBR_OK ||
	    mbr_conf_word(&r->c, o, "basis", "tiers.basis", basis, &p->tier_points) !=
	    MBR_OK ||
	    mbr_conf_word(&r->c, o, "period", "tiers.period", period, &p->calendar) !=
	    MBR_OK)
		return MBR_EUSAGE;
	x = 0;
	if (mbr_conf_intkey(&r->c, o, "grace_days", "tiers.grace_days", 0, 366, &x) !=
	    MBR_OK)
		return MBR_EUSAGE;
	p->grace = (int)x;
	if ((v = json_object_get(o, "review")) != NULL) {
		const char *s = json_string_value(v);
		unsigned mm, dd;
		char c;

		if (p->calendar)
			return mbr_conf_bad(&r->c, "tiers.review", "is 01-01 for a calendar "
			    "period (leave it out)");
		if (s == NULL || strlen(s) != 5 || !mbr_isdigit(s[0]) ||
		    !mbr_isdigit(s[1]) || s[2] != '-' || !mbr_isdigit(s[3]) ||
		    !mbr_isdigit(s[4]) ||
		    sscanf(s, "%2u-%2u%c", &mm, &dd, &c) != 2 ||
		    mm < 1 || mm > 12 || dd < 1 || dd > 28)
			return mbr_conf_bad(&r->c, "tiers.review", "is not MM-DD (a day "
			    "from 01 to 28)");
		p->review_m = (int)mm;
		p->review_d = (int)dd;
	}
	a = json_object_get(o, "levels");
	if (!json_is_array(a) || json_array_size(a) == 0 ||
	    json_array_size(a) > MBR_PROG_MAXLEVELS)
		return mbr_conf_bad(&r->c, "tiers.levels", "is not a list of 1 to %d levels",
		    MBR_PROG_MAXLEVELS);
	json_array_foreach(a, i, l) {
		mbr_level *lv = &p->levels[i];

		snprintf(key, sizeof(key), "tiers.levels[%zu]", i);
		if (mbr_conf_keys(&r->c, l, key, kl) != MBR_OK)
			return MBR_EUSAGE;
		p->nlevels++;
		lv->name = name(json_object_get(l, "name"));
		if (lv->name[0] == '\0')
			return mbr_conf_bad(&r->c, key, "needs a \"name\"");
		for (j = 0; j < i; j++)
			if (strcmp(p->levels[j].name, lv->name) == 0)
				return mbr_conf_bad(&r->c, key, "\"%s\" is named twice",
				    lv->name);
		snprintf(key, sizeof(key), "tiers.levels[%zu].from", i);
		if ((v = json_object_get(l, "from")) == NULL)
			return mbr_conf_bad(&r->c, key, "is missing");
		if (p->tier_points ? mbr_conf_int(&r->c, v, key, 0, INT64_MAX / 4,
		    &lv->from) != MBR_OK : money(r, v, key, &lv->from) !=
		    MBR_OK)
			return MBR_EUSAGE;
		if (i == 0 && lv->from != 0)
			return mbr_conf_bad(&r->c, key, "of the first level is not 0");
		if (i > 0 && lv->from <= p->levels[i - 1].from)
			return mbr_conf_bad(&r->c, key, "is not above the level before");
		if ((v = json_object_get(l, "factor")) != NULL) {
			snprintf(key, sizeof(key), "tiers.levels[%zu].factor",
			    i);
			if (mbr_conf_dec(&r->c, v, key, &lv->factor, 100) != MBR_OK)
				return MBR_EUSAGE;
			if (lv->factor.m == 0)
				return mbr_conf_bad(&r->c, key, "is 0");
			lv->has_factor = 1;
		}
		snprintf(key, sizeof(key), "tiers.levels[%zu].gift", i);
		if (mbr_conf_intkey(&r->c, l, "gift", key, 0, 1000000000, &lv->gift) !=
		    MBR_OK)
			return MBR_EUSAGE;
	}
	return MBR_OK;
}

static int
expiry(struct rd *r, json_t *o)
{
	static const char *const k[] = { "months", "at", "year_end",
	    "inactive_days", NULL };
	static const char *const at[] = { "day", "month_end", NULL };
	mbr_program *p = r->p;
	int64_t x = 0;
	int n = 0, end = 0;

	if (mbr_conf_keys(&r->c, o, "expiry", k) != MBR_OK)
		return MBR_EUSAGE;
	n = (json_object_get(o, "months") != NULL) +
	    (json_object_get(o, "year_end") != NULL) +
	    (json_object_get(o, "inactive_days") != NULL);
	if (n != 1)
		return mbr_conf_bad(&r->c, "expiry", "needs one of \"months\", \"year_end\""
		    " or \"inactive_days\"");
	if (json_object_get(o, "at") != NULL &&
	    json_object_get(o, "months") == NULL)
		return mbr_conf_bad(&r->c, "expiry.at", "goes with \"months\" only");
	if (json_object_get(o, "months") != NULL) {
		if (mbr_conf_int(&r->c, json_object_get(o, "months"), "expiry.months",
		    1, 1200, &x) != MBR_OK ||
		    mbr_conf_word(&r->c, o, "at", "expiry.at", at, &end) != MBR_OK)
			return MBR_EUSAGE;
		p->expiry = end ? MBR_EXP_MONTH_END : MBR_EXP_MONTHS;
	} else if (json_object_get(o, "year_end") != NULL) {
		if (mbr_conf_int(&r->c, json_object_get(o, "year_end"),
		    "expiry.year_end", 0, 100, &x) != MBR_OK)
			return MBR_EUSAGE;
		p->expiry = MBR_EXP_YEAR_END;
	} else {
		if (mbr_conf_int(&r->c, json_object_get(o, "inactive_days"),
		    "expiry.inactive_days", 1, 36600, &x) != MBR_OK)
			return MBR_EUSAGE;
		p->expiry = MBR_EXP_INACTIVE;
	}
	p->exp_n = (int)x;
	return MBR_OK;
}

static int
parse(struct rd *r, json_t *root)
{
	static const char *const k[] = { "name", "currency", "earn",
	    "multipliers", "combine", "caps", "tiers", "expiry", "clawback",
	    "bonuses", NULL };
	static const char *const kcaps[] = { "per_order", "per_day", NULL };
	static const char *const kbon[] = { "signup", "birthday",
	    "birthday_on", NULL };
	static const char *const combine[] = { "multiply", "best", NULL };
	static const char *const claw[] = { "negative", "forgive", NULL };
	static const char *const bday[] = { "day", "month", NULL };
	mbr_program *p = r->p;
	json_t *v;
	const char *s;
	int x;

	if (mbr_conf_keys(&r->c, root, "the programme", k) != MBR_OK)
		return MBR_EUSAGE;
	if ((v = json_object_get(root, "name")) != NULL && !json_is_string(v))
		return mbr_conf_bad(&r->c, "name", "is not a string");
	p->name = name(json_object_get(root, "name"));
	v = json_object_get(root, "currency");
	s = json_string_value(v);
	if (s == NULL || strlen(s) >= sizeof(p->cur) ||
	    (x = mbr_currency_exp(s, strlen(s))) < 0)
		return mbr_conf_bad(&r->c, "currency", "is missing or not an ISO 4217 "
		    "code");
	snprintf(p->cur, sizeof(p->cur), "%s", s);
	p->exp = (unsigned)x;
	if ((v = json_object_get(root, "earn")) == NULL)
		return mbr_conf_bad(&r->c, "earn", "is missing");
	if (earn(r, v) != MBR_OK)
		return MBR_EUSAGE;
	if ((v = json_object_get(root, "multipliers")) != NULL &&
	    multipliers(r, v) != MBR_OK)
		return MBR_EUSAGE;
	if (mbr_conf_word(&r->c, root, "combine", "combine", combine, &p->best) !=
	    MBR_OK || mbr_conf_word(&r->c, root, "clawback", "clawback", claw,
	    &p->forgive) != MBR_OK)
		return MBR_EUSAGE;
	if ((v = json_object_get(root, "caps")) != NULL &&
	    (mbr_conf_keys(&r->c, v, "caps", kcaps) != MBR_OK ||
	    mbr_conf_intkey(&r->c, v, "per_order", "caps.per_order", 1, 1000000000,
	    &p->cap_order) != MBR_OK ||
	    mbr_conf_intkey(&r->c, v, "per_day", "caps.per_day", 1, 1000000000,
	    &p->cap_day) != MBR_OK))
		return MBR_EUSAGE;
	p->review_m = p->review_d = 1;
	if ((v = json_object_get(root, "tiers")) != NULL) {
		if (tiers(r, v) != MBR_OK)
			return MBR_EUSAGE;
	} else {
		/* one level: everyone is a member */
		p->levels[0].name = mbr_xstrdup("member");
		p->nlevels = 1;
	}
	if ((v = json_object_get(root, "expiry")) != NULL &&
	    expiry(r, v) != MBR_OK)
		return MBR_EUSAGE;
	if ((v = json_object_get(root, "bonuses")) != NULL &&
	    (mbr_conf_keys(&r->c, v, "bonuses", kbon) != MBR_OK ||
	    mbr_conf_intkey(&r->c, v, "signup", "bonuses.signup", 0, 1000000000,
	    &p->signup) != MBR_OK ||
	    mbr_conf_intkey(&r->c, v, "birthday", "bonuses.birthday", 0, 1000000000,
	    &p->birthday) != MBR_OK ||
	    mbr_conf_word(&r->c, v, "birthday_on", "bonuses.birthday_on", bday,
	    &p->bday_month) != MBR_OK))
		return MBR_EUSAGE;
	return MBR_OK;
}

int
mbr_program_parse(mbr_program **pp, const char *src, const char *text,
    size_t n, mbr_tz *tz, mbr_err *err)
{
	struct rd r;
	json_t *root;
	char *dump;

	*pp = NULL;
	r.c.src = src;
	r.c.err = err;
	r.tz = tz;
	if ((root = mbr_conf_parse(&r.c, text, n)) == NULL)
		return MBR_EUSAGE;
	r.p = mbr_xcalloc(1, sizeof(*r.p));
	if (parse(&r, root) != MBR_OK) {
		json_decref(root);
		mbr_program_free(r.p);
		return MBR_EUSAGE;
	}
	/* The checksum is of the rules, not of their layout: a file
	 * re-indented is the same programme. */
	dump = json_dumps(root, JSON_COMPACT | JSON_SORT_KEYS);
	if (dump == NULL)
		mbr_nomem(n);
	snprintf(r.p->checksum, sizeof(r.p->checksum), "%016llx",
	    (unsigned long long)mbr_hash(dump, strlen(dump)));
	free(dump);
	json_decref(root);
	*pp = r.p;
	return MBR_OK;
}

int
mbr_program_load(mbr_program **p, const char *path, mbr_tz *tz,
    mbr_err *err)
{
	mbr_buf b;
	int rc;

	*p = NULL;
	mbr_buf_init(&b);
	if ((rc = mbr_input_slurp(path, &b, err)) == MBR_OK)
		rc = mbr_program_parse(p, path, b.p, b.n, tz, err);
	mbr_buf_release(&b);
	return rc;
}

void
mbr_program_free(mbr_program *p)
{
	int i;

	if (p == NULL)
		return;
	free(p->name);
	for (i = 0; i < p->nmult; i++)
		free(p->mult[i].name);
	for (i = 0; i < p->nlevels; i++)
		free(p->levels[i].name);
	mbr_expr_free(p->x);
	free(p);
}

int
mbr_program_level(const mbr_program *p, int64_t v)
{
	int i;

	for (i = p->nlevels - 1; i > 0; i--)
		if (v >= p->levels[i].from)
			break;
	return i;
}

int
mbr_program_level_named(const mbr_program *p, const char *s, size_t n)
{
	int i;

	for (i = 0; i < p->nlevels; i++)
		if (strlen(p->levels[i].name) == n &&
		    memcmp(p->levels[i].name, s, n) == 0)
			return i;
	return -1;
}
