/* mbr_conf.h: reading a JSON rule file strictly.
 *
 * A loyalty programme and a campaign are the brand's rules, kept as
 * JSON: a key misspelt or a value out of range is a rule silently left
 * out, so each is refused with the file and the key's path in the
 * message (points.json: earn.per: "1.23456" has more than 4
 * decimals), MBR_EUSAGE.  Rates, factors and costs are exact decimals,
 * never doubles. */
#ifndef MBR_CONF_H
#define MBR_CONF_H
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "mbr_err.h"

/* An exact decimal: m / 10^scale. */
typedef struct {
	int64_t	m;
	int	scale;
} mbr_dec;

/* The file being read: src names it in messages, err takes them. */
typedef struct {
	const char	*src;
	mbr_err		*err;
} mbr_conf;

/* Parses text (duplicate keys refused); NULL with the line in err. */
json_t	*mbr_conf_parse(mbr_conf *r, const char *text, size_t n);
/* Sets err to "SRC: KEY: message"; returns MBR_EUSAGE. */
int	mbr_conf_bad(mbr_conf *r, const char *key, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));
/* o must be an object whose every key is one of keys (NULL-ended). */
int	mbr_conf_keys(mbr_conf *r, json_t *o, const char *what,
	    const char *const *keys);
/* The text of a number given as a JSON number or a decimal string. */
int	mbr_conf_numtext(mbr_conf *r, json_t *v, const char *key, char *buf,
	    size_t n);
/* Reads a decimal of at most 4 places ("0.05", "12"): 0, or -1 for no
 * number, -2 for more than 4 decimals. */
int	mbr_dec_parse(const char *s, mbr_dec *d);
/* d in units of 10^-places (places >= d.scale, at most 4). */
int64_t	mbr_dec_scaled(mbr_dec d, int places);
/* A decimal of at most 4 places, 0 <= v <= max (max < 10^14). */
int	mbr_conf_dec(mbr_conf *r, json_t *v, const char *key, mbr_dec *d,
	    int64_t max);
/* A whole number from lo to hi; intkey reads o's member name, leaving
 * *out alone when there is none. */
int	mbr_conf_int(mbr_conf *r, json_t *v, const char *key, int64_t lo,
	    int64_t hi, int64_t *out);
int	mbr_conf_intkey(mbr_conf *r, json_t *o, const char *name,
	    const char *key, int64_t lo, int64_t hi, int64_t *out);
/* One of the words of a NULL-terminated list, its index in *out; *out
 * left alone when o has no member name. */
int	mbr_conf_word(mbr_conf *r, json_t *o, const char *name,
	    const char *key, const char *const *words, int *out);
#endif
