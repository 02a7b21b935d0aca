/* mbr_conf.c: see mbr_conf.h. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "mbr.h"
#include "mbr_conf.h"

json_t *
mbr_conf_parse(mbr_conf *r, const char *text, size_t n)
{
	json_error_t je;
	json_t *root;

	root = json_loadb(text, n, JSON_REJECT_DUPLICATES, &je);
	if (root == NULL)
		mbr_err_set(r->err, MBR_EUSAGE, "%s:%d: %s", r->src, je.line,
		    je.text);
	return root;
}

int
mbr_conf_bad(mbr_conf *r, const char *key, const char *fmt, ...)
{
	char msg[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return mbr_err_set(r->err, MBR_EUSAGE, "%s: %s: %s", r->src, key,
	    msg);
}

/* Every key of o must be one of keys: a misspelt rule is refused, not
 * silently left out. */
int
mbr_conf_keys(mbr_conf *r, json_t *o, const char *what,
    const char *const *keys)
{
	const char *k;
	json_t *v;
	int i;

	if (!json_is_object(o))
		return mbr_conf_bad(r, what, "is not an object");
	json_object_foreach(o, k, v) {
		for (i = 0; keys[i] != NULL; i++)
			if (strcmp(k, keys[i]) == 0)
				break;
		if (keys[i] == NULL)
			return mbr_conf_bad(r, what, "unknown key \"%s\"", k);
	}
	return MBR_OK;
}

/* The text of a number given as a JSON number or a decimal string:
 * jansson keeps a real as a double, whose shortest form ("1.2") is the
 * decimal written, for the few digits a rate or factor has. */
int
mbr_conf_numtext(mbr_conf *r, json_t *v, const char *key, char *buf,
    size_t n)
{
	if (json_is_integer(v))
		snprintf(buf, n, "%lld", (long long)json_integer_value(v));
	else if (json_is_real(v))
		snprintf(buf, n, "%.15g", json_real_value(v));
	else if (json_is_string(v) && json_string_length(v) < n)
		snprintf(buf, n, "%s", json_string_value(v));
	else
		return mbr_conf_bad(r, key, "is not a number");
	return MBR_OK;
}

int
mbr_dec_parse(const char *s, mbr_dec *d)
{
	int64_t m = 0;
	int scale = -1, digits = 0;

	for (; *s != '\0'; s++) {
		if (*s == '.' && scale < 0) {
			scale = 0;
			continue;
		}
		if (!mbr_isdigit(*s) || ++digits > 15)
			return -1;
		m = m * 10 + (*s - '0');
		if (scale >= 0 && ++scale > 4)
			return -2;
	}
	if (digits == 0)
		return -1;
	d->m = m;
	d->scale = scale < 0 ? 0 : scale;
	while (d->scale > 0 && d->m % 10 == 0) {
		d->m /= 10;
		d->scale--;
	}
	return 0;
}

int64_t
mbr_dec_scaled(mbr_dec d, int places)
{
	int64_t m = d.m;
	int i;

	for (i = d.scale; i < places; i++)
		m *= 10;
	return m;
}

int
mbr_conf_dec(mbr_conf *r, json_t *v, const char *key, mbr_dec *d,
    int64_t max)
{
	char buf[64];
	int rc;

	if (mbr_conf_numtext(r, v, key, buf, sizeof(buf)) != MBR_OK)
		return MBR_EUSAGE;
	if ((rc = mbr_dec_parse(buf, d)) == -2)
		return mbr_conf_bad(r, key, "\"%s\" has more than 4 decimals",
		    buf);
	if (rc != 0)
		return mbr_conf_bad(r, key, "\"%s\" is not a number from 0 to "
		    "%lld", buf, (long long)max);
	if (mbr_dec_scaled(*d, 4) > max * 10000)
		return mbr_conf_bad(r, key, "\"%s\" is more than %lld", buf,
		    (long long)max);
	return MBR_OK;
}

/* A whole number from lo to hi. */
int
mbr_conf_int(mbr_conf *r, json_t *v, const char *key, int64_t lo, int64_t hi,
    int64_t *out)
{
	if (!json_is_integer(v) || json_integer_value(v) < lo ||
	    json_integer_value(v) > hi)
		return mbr_conf_bad(r, key, "is not a whole number from %lld to %lld",
		    (long long)lo, (long long)hi);
	*out = json_integer_value(v);
	return MBR_OK;
}

int
mbr_conf_intkey(mbr_conf *r, json_t *o, const char *name, const char *key,
    int64_t lo, int64_t hi, int64_t *out)
{
	json_t *v = json_object_get(o, name);

	return v == NULL ? MBR_OK : mbr_conf_int(r, v, key, lo, hi, out);
}

/* One of the words of a NULL-terminated list; its index in *out. */
int
mbr_conf_word(mbr_conf *r, json_t *o, const char *name, const char *key,
    const char *const *words, int *out)
{
	json_t *v = json_object_get(o, name);
	int i;

	if (v == NULL)
		return MBR_OK;
	if (json_is_string(v))
		for (i = 0; words[i] != NULL; i++)
			if (strcmp(json_string_value(v), words[i]) == 0) {
				*out = i;
				return MBR_OK;
			}
	{
		char list[200] = "";
		for (i = 0; words[i] != NULL; i++)
			snprintf(list + strlen(list), sizeof(list) -
			    strlen(list), "%s%s", i == 0 ? "" : words[i + 1] ==
			    NULL ? " or " : ", ", words[i]);
		return mbr_conf_bad(r, key, "is not %s", list);
	}
}
