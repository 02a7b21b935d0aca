/* mbr_campaign.c: reading a campaign (mbr_campaign.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "mbr_buf.h"
#include "mbr_campaign.h"
#include "mbr_io.h"

const char *const mbr_channel_name[MBR_NCHAN] = { "wechat", "wecom", "app",
	"sms", "email", "call" };
const char *const mbr_channel_addr[MBR_NCHAN] = { "wechat_openid",
	"wecom_id", "app_token", "phone", "email", "phone" };
const char *const mbr_channel_consent[MBR_NCHAN] = { "consent_wechat",
	"consent_wecom", "consent_app", "consent_sms", "consent_email",
	"consent_call" };

static const char *const trig_name[] = { "batch", "inactive_days",
	"signup_no_order", "birthday", "member_day", "tier_up",
	"browse_no_buy", NULL };

static int
template(mbr_conf *r, json_t *v, const char *key, mbr_tmpl **t)
{
	char where[200];

	if (!json_is_string(v))
		return mbr_conf_bad(r, key, "is not a text");
	snprintf(where, sizeof(where), "%s: %s", r->src, key);
	return mbr_tmpl_compile(t, where, json_string_value(v),
	    json_string_length(v), r->err);
}

/* "message" and "messages" of o, into tx. */
static int
texts(mbr_conf *r, json_t *o, const char *pfx, mbr_ctexts *tx)
{
	json_t *v, *m;
	const char *k;
	char key[160];

	if ((v = json_object_get(o, "message")) != NULL) {
		snprintf(key, sizeof(key), "%smessage", pfx);
		if (template(r, v, key, &tx->message) != MBR_OK)
			return MBR_EUSAGE;
	}
	if ((v = json_object_get(o, "messages")) == NULL)
		return MBR_OK;
	snprintf(key, sizeof(key), "%smessages", pfx);
	if (!json_is_object(v))
		return mbr_conf_bad(r, key, "is not an object of texts by "
		    "variant");
	tx->by = mbr_xcalloc(json_object_size(v) + 1, sizeof(*tx->by));
	json_object_foreach(v, k, m) {
		mbr_cmsg *cm = &tx->by[tx->nby++];

		cm->variant = mbr_xstrdup(k);
		snprintf(key, sizeof(key), "%smessages.%s", pfx, k);
		if (template(r, m, key, &cm->t) != MBR_OK)
			return MBR_EUSAGE;
	}
	return MBR_OK;
}

/* "HH:MM" as seconds of the day. */
static int
clock_time(const char *s, int *sec)
{
	int h, m;

	if (!mbr_isdigit(s[0]) || !mbr_isdigit(s[1]) || s[2] != ':' ||
	    !mbr_isdigit(s[3]) || !mbr_isdigit(s[4]))
		return -1;
	h = (s[0] - '0') * 10 + s[1] - '0';
	m = (s[3] - '0') * 10 + s[4] - '0';
	if (h > 23 || m > 59)
		return -1;
	*sec = h * 3600 + m * 60;
	return 0;
}

static int
channel(mbr_conf *r, json_t *o, const char *key, mbr_cchan *ch, int follow)
{
	static const char *const k[] = { "channel", "consent", "quiet_hours",
	    "cost", "message", "messages", "template_id", "url", "data",
	    "follow_up", "delay_hours", "delay_minutes", NULL };
	static const char *const consent[] = { "opt-in", "opt-out", NULL };
	/* mbr_conf_word's list ends with a NULL; mbr_channel_name has
	 * none. */
	static const char *const chan[MBR_NCHAN + 1] = { "wechat", "wecom",
	    "app", "sms", "email", "call", NULL };
	json_t *v, *d;
	const char *s, *dk;
	char sub[160], pfx[160];
	mbr_dec dec;
	int64_t x;
	int i;

	if (json_is_string(o) && follow)
		return mbr_conf_bad(r, key, "is not an object with a channel "
		    "and a delay");
	if (json_is_string(o)) {
		s = json_string_value(o);
		for (i = 0; i < MBR_NCHAN; i++)
			if (strcmp(s, mbr_channel_name[i]) == 0)
				break;
		if (i == MBR_NCHAN)
			return mbr_conf_bad(r, key, "\"%s\" is not wechat, "
			    "wecom, app, sms, email or call", s);
		ch->ch = i;
		return MBR_OK;
	}
	if (mbr_conf_keys(r, o, key, k) != MBR_OK)
		return MBR_EUSAGE;
	snprintf(sub, sizeof(sub), "%s.channel", key);
	if ((v = json_object_get(o, "channel")) == NULL)
		return mbr_conf_bad(r, sub, "is missing");
	ch->ch = -1;
	if (mbr_conf_word(r, o, "channel", sub, chan, &ch->ch) != MBR_OK)
		return MBR_EUSAGE;
	snprintf(sub, sizeof(sub), "%s.consent", key);
	if (mbr_conf_word(r, o, "consent", sub, consent, &ch->optout) !=
	    MBR_OK)
		return MBR_EUSAGE;
	if ((v = json_object_get(o, "quiet_hours")) != NULL) {
		snprintf(sub, sizeof(sub), "%s.quiet_hours", key);
		s = json_is_string(v) ? json_string_value(v) : "";
		if (strlen(s) != 11 || s[5] != '-' ||
		    clock_time(s, &ch->quiet_from) != 0 ||
		    clock_time(s + 6, &ch->quiet_to) != 0)
			return mbr_conf_bad(r, sub, "is not \"HH:MM-HH:MM\"");
		if (ch->quiet_from == ch->quiet_to)
			return mbr_conf_bad(r, sub, "begins where it ends");
		ch->quiet = 1;
	}
	if ((v = json_object_get(o, "cost")) != NULL) {
		snprintf(sub, sizeof(sub), "%s.cost", key);
		if (mbr_conf_dec(r, v, sub, &dec, 1000000000) != MBR_OK)
			return MBR_EUSAGE;
		ch->cost = mbr_dec_scaled(dec, 4);
	}
	snprintf(pfx, sizeof(pfx), "%s.", key);
	if (texts(r, o, pfx, &ch->texts) != MBR_OK)
		return MBR_EUSAGE;
	if (ch->ch != MBR_CH_WECHAT)
		for (i = 0; k[6 + i] != NULL && i < 3; i++)
			if (json_object_get(o, k[6 + i]) != NULL) {
				snprintf(sub, sizeof(sub), "%s.%s", key,
				    k[6 + i]);
				return mbr_conf_bad(r, sub, "is for wechat "
				    "only");
			}
	if ((v = json_object_get(o, "template_id")) != NULL) {
		snprintf(sub, sizeof(sub), "%s.template_id", key);
		if (!json_is_string(v) || json_string_length(v) == 0)
			return mbr_conf_bad(r, sub, "is not a text");
		ch->template_id = mbr_xstrdup(json_string_value(v));
	}
	if ((v = json_object_get(o, "url")) != NULL) {
		snprintf(sub, sizeof(sub), "%s.url", key);
		if (template(r, v, sub, &ch->url) != MBR_OK)
			return MBR_EUSAGE;
	}
	if ((v = json_object_get(o, "data")) != NULL) {
		snprintf(sub, sizeof(sub), "%s.data", key);
		if (!json_is_object(v) || json_object_size(v) == 0)
			return mbr_conf_bad(r, sub, "is not an object of "
			    "texts");
		ch->data_key = mbr_xcalloc(json_object_size(v),
		    sizeof(*ch->data_key));
		ch->data = mbr_xcalloc(json_object_size(v), sizeof(*ch->data));
		json_object_foreach(v, dk, d) {
			ch->data_key[ch->ndata] = mbr_xstrdup(dk);
			snprintf(sub, sizeof(sub), "%s.data.%s", key, dk);
			if (template(r, d, sub, &ch->data[ch->ndata++]) !=
			    MBR_OK)
				return MBR_EUSAGE;
		}
	}
	if (ch->ch == MBR_CH_WECHAT && (ch->ndata > 0) !=
	    (ch->template_id != NULL)) {
		snprintf(sub, sizeof(sub), "%s.%s", key, ch->ndata > 0 ?
		    "template_id" : "data");
		return mbr_conf_bad(r, sub, "is missing");
	}
	if (!follow) {
		if (json_object_get(o, "delay_hours") != NULL ||
		    json_object_get(o, "delay_minutes") != NULL)
			return mbr_conf_bad(r, key, "a delay is for a "
			    "follow_up");
		if ((v = json_object_get(o, "follow_up")) == NULL)
			return MBR_OK;
		snprintf(sub, sizeof(sub), "%s.follow_up", key);
		ch->follow = mbr_xcalloc(1, sizeof(*ch->follow));
		return channel(r, v, sub, ch->follow, 1);
	}
	if (json_object_get(o, "follow_up") != NULL)
		return mbr_conf_bad(r, key, "a follow_up has no follow_up");
	if ((json_object_get(o, "delay_hours") == NULL) ==
	    (json_object_get(o, "delay_minutes") == NULL))
		return mbr_conf_bad(r, key, "needs \"delay_hours\" or "
		    "\"delay_minutes\" (one of them)");
	x = 0;
	snprintf(sub, sizeof(sub), "%s.delay_hours", key);
	if (mbr_conf_intkey(r, o, "delay_hours", sub, 0, 8760, &x) != MBR_OK)
		return MBR_EUSAGE;
	ch->delay = x * 3600;
	snprintf(sub, sizeof(sub), "%s.delay_minutes", key);
	x = 0;
	if (mbr_conf_intkey(r, o, "delay_minutes", sub, 0, 525600, &x) !=
	    MBR_OK)
		return MBR_EUSAGE;
	ch->delay += x * 60;
	return MBR_OK;
}

static int
words(mbr_conf *r, json_t *v, const char *key, char ***out, int *n)
{
	json_t *w;
	size_t i;

	if (!json_is_array(v) || json_array_size(v) == 0)
		return mbr_conf_bad(r, key, "is not a list of names");
	*out = mbr_xcalloc(json_array_size(v), sizeof(**out));
	json_array_foreach(v, i, w) {
		if (!json_is_string(w) || json_string_length(w) == 0)
			return mbr_conf_bad(r, key, "is not a list of names");
		(*out)[(*n)++] = mbr_xstrdup(json_string_value(w));
	}
	return MBR_OK;
}

static int
trigger(mbr_conf *r, mbr_campaign *c, json_t *o)
{
	/* The keys of each type after "type", the first required. */
	static const char *const k[][5] = {
		{ "type", NULL },
		{ "type", "days", NULL },
		{ "type", "hours", NULL },
		{ "type", "days_before", NULL },
		{ "type", "day", NULL },
		{ "type", "hours", "tiers", NULL },
		{ "type", "hours", "window_hours", "events", NULL },
	};
	static const int64_t hi[] = { 0, 36600, 87600, 365, 31, 87600,
	    87600 };
	json_t *v;
	int64_t w = 24;
	char sub[80];

	c->trig = MBR_TRIG_BATCH;
	if (json_is_string(o) && strcmp(json_string_value(o), "batch") == 0)
		return MBR_OK;
	if (!json_is_object(o) || json_object_get(o, "type") == NULL)
		return mbr_conf_bad(r, "trigger", "is not \"batch\" or an "
		    "object with a \"type\"");
	c->trig = -1;
	if (mbr_conf_word(r, o, "type", "trigger.type", trig_name,
	    &c->trig) != MBR_OK ||
	    mbr_conf_keys(r, o, "trigger", k[c->trig]) != MBR_OK)
		return MBR_EUSAGE;
	if (c->trig == MBR_TRIG_BATCH)
		return MBR_OK;
	snprintf(sub, sizeof(sub), "trigger.%s", k[c->trig][1]);
	if ((v = json_object_get(o, k[c->trig][1])) == NULL) {
		if (c->trig != MBR_TRIG_TIER_UP)
			return mbr_conf_bad(r, sub, "is missing");
		c->n = 24;
	} else if (mbr_conf_int(r, v, sub, c->trig == MBR_TRIG_MEMBER_DAY ||
	    c->trig == MBR_TRIG_TIER_UP ? 1 : 0, hi[c->trig], &c->n) !=
	    MBR_OK)
		return MBR_EUSAGE;
	if (c->trig == MBR_TRIG_TIER_UP) {
		c->window = c->n * 3600;
		if ((v = json_object_get(o, "tiers")) != NULL)
			return words(r, v, "trigger.tiers", &c->tiers,
			    &c->ntiers);
	}
	if (c->trig != MBR_TRIG_BROWSE)
		return MBR_OK;
	if (mbr_conf_intkey(r, o, "window_hours", "trigger.window_hours", 1,
	    87600, &w) != MBR_OK)
		return MBR_EUSAGE;
	c->window = w * 3600;
	if ((v = json_object_get(o, "events")) != NULL)
		return words(r, v, "trigger.events", &c->events, &c->nevents);
	c->events = mbr_xcalloc(2, sizeof(*c->events));
	c->events[c->nevents++] = mbr_xstrdup("view");
	c->events[c->nevents++] = mbr_xstrdup("cart");
	return MBR_OK;
}

static int
has_text(const mbr_campaign *c, const mbr_cchan *ch)
{
	return ch->texts.message != NULL || ch->texts.nby > 0 ||
	    c->texts.message != NULL || c->texts.nby > 0 || ch->ndata > 0;
}

static int
parse(mbr_conf *r, mbr_campaign *c, json_t *root)
{
	static const char *const k[] = { "id", "name", "audience", "trigger",
	    "channels", "message", "messages", "cooldown_days", "cap",
	    "send_window_hours", NULL };
	static const char *const kcap[] = { "messages", "days", NULL };
	json_t *v, *o;
	const char *s;
	size_t i;
	int j;
	char key[80];
	int64_t x;

	if (mbr_conf_keys(r, root, "campaign", k) != MBR_OK)
		return MBR_EUSAGE;
	v = json_object_get(root, "id");
	s = json_is_string(v) ? json_string_value(v) : "";
	if (*s == '\0' || strspn(s, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.") != strlen(s))
		return mbr_conf_bad(r, "id", "is not a name of letters, "
		    "digits, '_', '-' and '.'");
	c->id = mbr_xstrdup(s);
	if ((v = json_object_get(root, "name")) != NULL && !json_is_string(v))
		return mbr_conf_bad(r, "name", "is not a text");
	c->x = mbr_expr_new();
	c->audience = -1;
	if ((v = json_object_get(root, "audience")) != NULL) {
		char where[200];

		if (!json_is_string(v))
			return mbr_conf_bad(r, "audience", "is not an "
			    "expression (a text)");
		snprintf(where, sizeof(where), "%s: audience", r->src);
		c->audience_src = mbr_xstrdup(where);
		c->audience_text = mbr_xstrdup(json_string_value(v));
		c->audience = mbr_expr_add(c->x, where, json_string_value(v),
		    json_string_length(v), r->err);
		if (c->audience < 0)
			return MBR_EUSAGE;
	}
	if ((v = json_object_get(root, "trigger")) != NULL &&
	    trigger(r, c, v) != MBR_OK)
		return MBR_EUSAGE;
	if (texts(r, root, "", &c->texts) != MBR_OK)
		return MBR_EUSAGE;
	v = json_object_get(root, "channels");
	if (!json_is_array(v) || json_array_size(v) == 0 ||
	    json_array_size(v) > MBR_NCHAN)
		return mbr_conf_bad(r, "channels", "is not a list of 1 to %d "
		    "channels", MBR_NCHAN);
	json_array_foreach(v, i, o) {
		mbr_cchan *ch = &c->chan[i];

		snprintf(key, sizeof(key), "channels[%zu]", i);
		if (channel(r, o, key, ch, 0) != MBR_OK)
			return MBR_EUSAGE;
		c->nchan++;
		for (j = 0; j < (int)i; j++)
			if (c->chan[j].ch == ch->ch)
				return mbr_conf_bad(r, key, "%s is listed "
				    "twice", mbr_channel_name[ch->ch]);
		if (!has_text(c, ch) || (ch->follow != NULL &&
		    !has_text(c, ch->follow)))
			return mbr_conf_bad(r, key, "has no message, nor has "
			    "the campaign");
	}
	if (mbr_conf_intkey(r, root, "cooldown_days", "cooldown_days", 0,
	    36600, &c->cooldown) != MBR_OK)
		return MBR_EUSAGE;
	if ((v = json_object_get(root, "cap")) != NULL) {
		if (mbr_conf_keys(r, v, "cap", kcap) != MBR_OK)
			return MBR_EUSAGE;
		if (json_object_get(v, "messages") == NULL ||
		    json_object_get(v, "days") == NULL)
			return mbr_conf_bad(r, "cap", "needs \"messages\" and "
			    "\"days\"");
		if (mbr_conf_intkey(r, v, "messages", "cap.messages", 1,
		    1000000, &c->cap_n) != MBR_OK ||
		    mbr_conf_intkey(r, v, "days", "cap.days", 1, 36600,
		    &c->cap_days) != MBR_OK)
			return MBR_EUSAGE;
	}
	c->send_window = -1;
	x = -1;
	if (mbr_conf_intkey(r, root, "send_window_hours", "send_window_hours",
	    0, 87600, &x) != MBR_OK)
		return MBR_EUSAGE;
	if (x >= 0)
		c->send_window = x * 3600;
	return MBR_OK;
}

int
mbr_campaign_parse(mbr_campaign **cp, const char *src, const char *text,
    size_t n, mbr_err *err)
{
	mbr_campaign *c;
	mbr_conf r = { src, err };
	json_t *root;
	int rc;

	*cp = NULL;
	if ((root = mbr_conf_parse(&r, text, n)) == NULL)
		return MBR_EUSAGE;
	c = mbr_xcalloc(1, sizeof(*c));
	rc = parse(&r, c, root);
	json_decref(root);
	if (rc != MBR_OK) {
		mbr_campaign_free(c);
		return rc;
	}
	*cp = c;
	return MBR_OK;
}

int
mbr_campaign_load(mbr_campaign **cp, const char *path, mbr_err *err)
{
	mbr_buf b;
	int rc;

	*cp = NULL;
	mbr_buf_init(&b);
	if ((rc = mbr_input_slurp(path, &b, err)) == MBR_OK)
		rc = mbr_campaign_parse(cp, path, b.p, b.n, err);
	mbr_buf_release(&b);
	return rc;
}

static void
free_texts(mbr_ctexts *tx)
{
	int i;

	mbr_tmpl_free(tx->message);
	for (i = 0; i < tx->nby; i++) {
		free(tx->by[i].variant);
		mbr_tmpl_free(tx->by[i].t);
	}
	free(tx->by);
}

static void
free_chan(mbr_cchan *ch)
{
	int i;

	free_texts(&ch->texts);
	free(ch->template_id);
	mbr_tmpl_free(ch->url);
	for (i = 0; i < ch->ndata; i++) {
		free(ch->data_key[i]);
		mbr_tmpl_free(ch->data[i]);
	}
	free(ch->data_key);
	free(ch->data);
	if (ch->follow != NULL) {
		free_chan(ch->follow);
		free(ch->follow);
	}
}

void
mbr_campaign_free(mbr_campaign *c)
{
	int i;

	if (c == NULL)
		return;
	free(c->id);
	mbr_expr_free(c->x);
	free(c->audience_src);
	free(c->audience_text);
	for (i = 0; i < c->ntiers; i++)
		free(c->tiers[i]);
	free(c->tiers);
	for (i = 0; i < c->nevents; i++)
		free(c->events[i]);
	free(c->events);
	for (i = 0; i < MBR_NCHAN; i++)
		free_chan(&c->chan[i]);
	free_texts(&c->texts);
	free(c);
}

static mbr_tmpl *
by_variant(const mbr_ctexts *tx, const char *v, size_t vn)
{
	int i;

	if (v != NULL)
		for (i = 0; i < tx->nby; i++)
			if (strlen(tx->by[i].variant) == vn &&
			    memcmp(tx->by[i].variant, v, vn) == 0)
				return tx->by[i].t;
	return tx->message;
}

mbr_tmpl *
mbr_campaign_text(const mbr_campaign *c, const mbr_cchan *ch, const char *v,
    size_t vn)
{
	mbr_tmpl *t;

	if ((t = by_variant(&ch->texts, v, vn)) != NULL)
		return t;
	return by_variant(&c->texts, v, vn);
}

static void
each_texts(mbr_ctexts *tx, void (*fn)(mbr_tmpl *, void *), void *ctx)
{
	int i;

	if (tx->message != NULL)
		fn(tx->message, ctx);
	for (i = 0; i < tx->nby; i++)
		fn(tx->by[i].t, ctx);
}

static void
each_chan(mbr_cchan *ch, void (*fn)(mbr_tmpl *, void *), void *ctx)
{
	int i;

	each_texts(&ch->texts, fn, ctx);
	if (ch->url != NULL)
		fn(ch->url, ctx);
	for (i = 0; i < ch->ndata; i++)
		fn(ch->data[i], ctx);
	if (ch->follow != NULL)
		each_chan(ch->follow, fn, ctx);
}

void
mbr_campaign_each_tmpl(mbr_campaign *c, void (*fn)(mbr_tmpl *, void *),
    void *ctx)
{
	int i;

	each_texts(&c->texts, fn, ctx);
	for (i = 0; i < c->nchan; i++)
		each_chan(&c->chan[i], fn, ctx);
}
