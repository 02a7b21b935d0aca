/* fuzz_campaign: the mbr-campaign campaign file (lib/mbr_campaign.h,
 * man/mbr-campaign.1 CAMPAIGN); the input is its JSON text.  Checked,
 * beyond the sanitizers and the leak checker: a campaign that does not
 * parse is MBR_EUSAGE with a message naming the file, and no campaign;
 * one that parses keeps the man page's contract (an id of letters,
 * digits, '_', '-', '.'; a known trigger with its number in range; 1
 * to 6 channels, none twice, each with a text of its own, the
 * campaign's or WeChat data; quiet hours on the minute, not empty;
 * template_id and data together and only on WeChat; a follow-up with
 * a delay and no follow-up of its own; cooldown, cap and send window
 * in range), finds each variant's text where mbr_campaign_text says,
 * and every template, bound to a fixed record's columns, and the
 * audience evaluate on two records (the texts counted as SMS); the
 * same input under a long file name, and the same campaign re-indented
 * by jansson, parse to the same campaign. */
#include <stdint.h>
#include <string.h>

#include <jansson.h>

#include "mbr_buf.h"
#include "mbr_campaign.h"
#include "mbr_sms.h"
#include "fuzz.h"

#define NF 12
static const char *const names[NF] = { "member_id", "name", "monetary",
    "lifecycle", "coupon_code", "campaign_id", "send_at", "variant",
    "trigger_tier", "tz", "phone", "empty" };
static const uint8_t types[2][NF] = {
	{ MBR_V_STR, MBR_V_STR, MBR_V_NUM, MBR_V_STR, MBR_V_STR, MBR_V_STR,
	  MBR_V_STR, MBR_V_STR, MBR_V_STR, MBR_V_STR, MBR_V_STR, MBR_V_STR },
	{ MBR_V_STR, MBR_V_NULL, MBR_V_STR, MBR_V_ABSENT, MBR_V_STR,
	  MBR_V_STR, MBR_V_STR, MBR_V_ABSENT, MBR_V_NULL, MBR_V_STR,
	  MBR_V_STR, MBR_V_STR }
};
static const char *const vals[2][NF] = {
	{ "m1", "\xe5\xb0\x8f\xe7\x8e\x8b", "1299.00", "sleeping", "C-0001",
	  "winback-60", "2025-01-01T09:00:00+08:00", "a", "gold",
	  "Asia/Shanghai", "+8613800138000", "" },
	{ "phone:+8613800138000", NULL, "abc", NULL, "\xf0\x9f\x8e\x81",
	  "x", "2025-01-01", NULL, NULL, "Nowhere/Else", "", "" }
};
static const char longname[] = "/srv/crm/brands/lanxu/campaigns/"
    "2025-01-double-twelve/with-a-rather-long-directory-name/"
    "winback-60-days-second-wave.json";
static mbr_tz *tz;

static int
col(void *ctx, const char *name, size_t n)
{
	int i;

	(void)ctx;
	for (i = 0; i < NF; i++)
		if (strlen(names[i]) == n && memcmp(names[i], name, n) == 0)
			return i;
	return -1;
}

/* What a campaign is, as text, to compare two readings. */
static void
tmpl_out(mbr_buf *b, mbr_tmpl *t)
{
	mbr_slice f[NF];
	mbr_sms_info si;
	mbr_buf txt;
	size_t i, r;

	if (t == NULL) {
		mbr_buf_adds(b, "-");
		return;
	}
	mbr_buf_init(&txt);
	for (i = 0; i < mbr_tmpl_nfields(t); i++) {
		mbr_slice nm = mbr_tmpl_field(t, i);

		FUZZ_CHECK(nm.n > 0 && memchr(nm.p, '|', nm.n) == NULL);
		mbr_tmpl_bind(t, i, col(NULL, nm.p, nm.n));
	}
	for (r = 0; r < 2; r++) {
		for (i = 0; i < NF; i++)
			f[i] = (mbr_slice){ vals[r][i], vals[r][i] != NULL ?
			    strlen(vals[r][i]) : 0 };
		mbr_buf_reset(&txt);
		mbr_tmpl_render(t, f, types[r], &txt);
		mbr_sms_count(txt.p, txt.n, &si);
		FUZZ_CHECK(si.parts >= 1);
		mbr_buf_addf(b, "[%zu:", txt.n);
		mbr_buf_add(b, txt.p, txt.n);
		mbr_buf_addf(b, "|%u]", si.parts);
	}
	mbr_buf_release(&txt);
}

static void
texts_out(mbr_buf *b, const mbr_ctexts *tx)
{
	int i;

	mbr_buf_adds(b, " message=");
	tmpl_out(b, tx->message);
	for (i = 0; i < tx->nby; i++) {
		FUZZ_CHECK(tx->by[i].variant != NULL && tx->by[i].t != NULL);
		mbr_buf_addf(b, " by[%s]=", tx->by[i].variant);
		tmpl_out(b, tx->by[i].t);
	}
}

static int
has_text(const mbr_campaign *c, const mbr_cchan *ch)
{
	return ch->texts.message != NULL || ch->texts.nby > 0 ||
	    c->texts.message != NULL || c->texts.nby > 0 || ch->ndata > 0;
}

static void
chan_check(const mbr_campaign *c, mbr_cchan *ch, int follow, mbr_buf *b)
{
	int i;

	FUZZ_CHECK(ch->ch >= 0 && ch->ch < MBR_NCHAN);
	FUZZ_CHECK(ch->optout == 0 || ch->optout == 1);
	if (ch->quiet) {
		FUZZ_CHECK(ch->quiet_from >= 0 && ch->quiet_from < 86400 &&
		    ch->quiet_from % 60 == 0);
		FUZZ_CHECK(ch->quiet_to >= 0 && ch->quiet_to < 86400 &&
		    ch->quiet_to % 60 == 0);
		FUZZ_CHECK(ch->quiet_from != ch->quiet_to);
	}
	FUZZ_CHECK(ch->cost >= 0 && ch->cost <= 1000000000LL * 10000);
	FUZZ_CHECK(has_text(c, ch));
	if (ch->ch != MBR_CH_WECHAT)
		FUZZ_CHECK(ch->template_id == NULL && ch->url == NULL &&
		    ch->ndata == 0);
	else
		FUZZ_CHECK((ch->template_id != NULL) == (ch->ndata > 0));
	FUZZ_CHECK(ch->template_id == NULL || ch->template_id[0] != '\0');
	if (follow) {
		FUZZ_CHECK(ch->follow == NULL);
		FUZZ_CHECK(ch->delay >= 0 &&
		    ch->delay <= 8760 * 3600 + 525600 * 60);
	} else
		FUZZ_CHECK(ch->delay == 0);
	/* Each variant's text is the channel's, and a variant without
	 * one gets the channel's message, else the campaign's. */
	for (i = 0; i < ch->texts.nby; i++)
		FUZZ_CHECK(mbr_campaign_text(c, ch, ch->texts.by[i].variant,
		    strlen(ch->texts.by[i].variant)) == ch->texts.by[i].t);
	if (ch->texts.message != NULL)
		FUZZ_CHECK(mbr_campaign_text(c, ch, NULL, 0) ==
		    ch->texts.message);
	else if (ch->texts.nby == 0)
		FUZZ_CHECK(mbr_campaign_text(c, ch, "\xff", 1) ==
		    c->texts.message);

	mbr_buf_addf(b, " {ch=%d optout=%d quiet=%d %d-%d cost=%lld "
	    "delay=%lld", ch->ch, ch->optout, ch->quiet, ch->quiet_from,
	    ch->quiet_to, (long long)ch->cost, (long long)ch->delay);
	texts_out(b, &ch->texts);
	mbr_buf_addf(b, " template_id=%s url=", ch->template_id ?
	    ch->template_id : "-");
	tmpl_out(b, ch->url);
	for (i = 0; i < ch->ndata; i++) {
		FUZZ_CHECK(ch->data_key[i] != NULL);
		mbr_buf_addf(b, " data[%s]=", ch->data_key[i]);
		tmpl_out(b, ch->data[i]);
	}
	if (ch->follow != NULL) {
		mbr_buf_adds(b, " follow:");
		chan_check(c, ch->follow, 1, b);
	}
	mbr_buf_adds(b, "}");
}

static void
count_tmpl(mbr_tmpl *t, void *ctx)
{
	FUZZ_CHECK(t != NULL);
	FUZZ_CHECK(strncmp(mbr_tmpl_where(t), "campaign.json: ", 15) == 0 ||
	    strncmp(mbr_tmpl_where(t), longname, sizeof(longname) - 1) == 0 ||
	    strncmp(mbr_tmpl_where(t), "again.json: ", 12) == 0);
	(*(int *)ctx)++;
}

/* Checks c and describes it into b. */
static void
check(mbr_campaign *c, mbr_buf *b)
{
	static const int64_t lo[] = { 0, 0, 0, 0, 1, 1, 0 };
	static const int64_t hi[] = { 0, 36600, 87600, 365, 31, 87600,
	    87600 };
	mbr_slice f[NF];
	int i, j, ntmpl = 0, want = 0;
	size_t r;

	FUZZ_CHECK(c->id != NULL && c->id[0] != '\0');
	FUZZ_CHECK(strspn(c->id, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.") == strlen(c->id));
	FUZZ_CHECK(c->trig >= MBR_TRIG_BATCH && c->trig <= MBR_TRIG_BROWSE);
	FUZZ_CHECK(c->n >= lo[c->trig] && c->n <= hi[c->trig]);
	if (c->trig == MBR_TRIG_TIER_UP)
		FUZZ_CHECK(c->window == c->n * 3600);
	else if (c->trig == MBR_TRIG_BROWSE)
		FUZZ_CHECK(c->window >= 3600 && c->window <= 87600 * 3600 &&
		    c->nevents >= 1);
	else
		FUZZ_CHECK(c->window == 0);
	FUZZ_CHECK(c->ntiers == 0 || c->trig == MBR_TRIG_TIER_UP);
	FUZZ_CHECK(c->nevents == 0 || c->trig == MBR_TRIG_BROWSE);
	for (i = 0; i < c->ntiers; i++)
		FUZZ_CHECK(c->tiers[i] != NULL && c->tiers[i][0] != '\0');
	for (i = 0; i < c->nevents; i++)
		FUZZ_CHECK(c->events[i] != NULL && c->events[i][0] != '\0');
	FUZZ_CHECK(c->nchan >= 1 && c->nchan <= MBR_NCHAN);
	for (i = 0; i < c->nchan; i++)
		for (j = 0; j < i; j++)
			FUZZ_CHECK(c->chan[i].ch != c->chan[j].ch);
	FUZZ_CHECK(c->cooldown >= 0 && c->cooldown <= 36600);
	FUZZ_CHECK((c->cap_n == 0 && c->cap_days == 0) ||
	    (c->cap_n >= 1 && c->cap_n <= 1000000 && c->cap_days >= 1 &&
	    c->cap_days <= 36600));
	FUZZ_CHECK(c->send_window == -1 || (c->send_window >= 0 &&
	    c->send_window <= 87600 * 3600 && c->send_window % 3600 == 0));
	FUZZ_CHECK(c->x != NULL);
	FUZZ_CHECK(c->audience == -1 || c->audience >= 0);

	mbr_buf_addf(b, "id=%s trig=%d n=%lld window=%lld", c->id, c->trig,
	    (long long)c->n, (long long)c->window);
	for (i = 0; i < c->ntiers; i++)
		mbr_buf_addf(b, " tier=%s", c->tiers[i]);
	for (i = 0; i < c->nevents; i++)
		mbr_buf_addf(b, " event=%s", c->events[i]);
	mbr_buf_addf(b, " cooldown=%lld cap=%lld/%lld window=%lld",
	    (long long)c->cooldown, (long long)c->cap_n,
	    (long long)c->cap_days, (long long)c->send_window);
	texts_out(b, &c->texts);
	for (i = 0; i < c->nchan; i++) {
		chan_check(c, &c->chan[i], 0, b);
		want += 1 + (c->chan[i].follow != NULL);
	}
	for (; i < MBR_NCHAN; i++)
		FUZZ_CHECK(c->chan[i].texts.message == NULL &&
		    c->chan[i].follow == NULL);
	mbr_campaign_each_tmpl(c, count_tmpl, &ntmpl);
	(void)want;

	/* The audience, on both records. */
	if (c->audience >= 0) {
		mbr_expr_bind(c->x, col, NULL);
		mbr_expr_setenv(c->x, tz, (mbr_time){ 1735689600, 28800 });
		for (r = 0; r < 2; r++) {
			for (i = 0; i < NF; i++)
				f[i] = (mbr_slice){ vals[r][i],
				    vals[r][i] != NULL ? strlen(vals[r][i]) :
				    0 };
			mbr_buf_addf(b, " audience[%zu]=%d", r,
			    mbr_expr_test(c->x, c->audience, f, types[r]));
		}
	}
}

/* Parses text as src: the campaign's description in b, or -1. */
static int
one(const char *src, const char *text, size_t n, mbr_buf *b)
{
	mbr_campaign *c = NULL;
	mbr_err err = { 0 };

	if (mbr_campaign_parse(&c, src, text, n, &err) != MBR_OK) {
		FUZZ_CHECK(err.code == MBR_EUSAGE && err.msg[0] != '\0');
		FUZZ_CHECK(c == NULL);
		/* Every message names the file. */
		FUZZ_CHECK(strncmp(err.msg, src, strlen(src) < 40 ?
		    strlen(src) : 40) == 0);
		return -1;
	}
	FUZZ_CHECK(c != NULL && err.code == MBR_OK);
	check(c, b);
	mbr_campaign_free(c);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	mbr_buf a, b;
	mbr_err err = { 0 };
	json_t *root;
	char *again;
	int rc;

	if (tz == NULL)
		FUZZ_CHECK(mbr_tz_open(&tz, "Asia/Shanghai", &err) == MBR_OK);
	mbr_buf_init(&a);
	mbr_buf_init(&b);
	rc = one("campaign.json", (const char *)data, size, &a);
	FUZZ_CHECK(one(longname, (const char *)data, size, &b) == rc);
	if (rc != 0) {
		mbr_buf_release(&a);
		mbr_buf_release(&b);
		return 0;
	}
	FUZZ_CHECK(a.n == b.n && memcmp(a.p, b.p, a.n) == 0);

	/* The same campaign laid out another way. */
	root = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES,
	    NULL);
	FUZZ_CHECK(root != NULL);
	again = json_dumps(root, JSON_INDENT(3) | JSON_PRESERVE_ORDER);
	json_decref(root);
	FUZZ_CHECK(again != NULL);
	mbr_buf_reset(&b);
	FUZZ_CHECK(one("again.json", again, strlen(again), &b) == 0);
	FUZZ_CHECK(a.n == b.n && memcmp(a.p, b.p, a.n) == 0);
	free(again);
	mbr_buf_release(&a);
	mbr_buf_release(&b);
	return 0;
}
