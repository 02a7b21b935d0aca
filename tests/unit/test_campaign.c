/* test_campaign.c: reading a campaign (mbr_campaign.h): what it keeps,
 * and every refusal naming its key (man/mbr-campaign.1, CAMPAIGN). */
#include <stdlib.h>

#include "mbr_campaign.h"
#include "t.h"

static mbr_campaign *
ok(const char *text)
{
	mbr_campaign *c;
	mbr_err err = { 0 };

	T_EQ_I(mbr_campaign_parse(&c, "c.json", text, strlen(text), &err),
	    MBR_OK);
	if (err.code != MBR_OK)
		fprintf(stderr, "  %s\n", err.msg);
	return c;
}

static void
refused(const char *text, const char *msg)
{
	mbr_campaign *c;
	mbr_err err = { 0 };

	T_EQ_I(mbr_campaign_parse(&c, "c.json", text, strlen(text), &err),
	    MBR_EUSAGE);
	T_OK(c == NULL);
	T_EQ_S(err.msg, msg);
}

static void
test_kept(void)
{
	mbr_campaign *c;

	c = ok("{\"id\": \"w-60\", \"trigger\": {\"type\": \"inactive_days\", "
	    "\"days\": 60}, \"channels\": [\"sms\", {\"channel\": \"email\", "
	    "\"consent\": \"opt-out\", \"quiet_hours\": \"21:30-08:00\", "
	    "\"cost\": \"0.0125\"}], \"message\": \"hi\", \"cooldown_days\": 30, "
	    "\"cap\": {\"messages\": 2, \"days\": 7}, "
	    "\"send_window_hours\": 12}");
	if (c == NULL)
		return;
	T_EQ_S(c->id, "w-60");
	T_EQ_I(c->trig, MBR_TRIG_INACTIVE);
	T_EQ_I(c->n, 60);
	T_EQ_I(c->nchan, 2);
	T_EQ_I(c->chan[0].ch, MBR_CH_SMS);
	T_EQ_I(c->chan[0].optout, 0);
	T_EQ_I(c->chan[1].ch, MBR_CH_EMAIL);
	T_EQ_I(c->chan[1].optout, 1);
	T_EQ_I(c->chan[1].quiet, 1);
	T_EQ_I(c->chan[1].quiet_from, 21 * 3600 + 30 * 60);
	T_EQ_I(c->chan[1].quiet_to, 8 * 3600);
	T_EQ_I(c->chan[1].cost, 125);	/* 10^-4 units */
	T_EQ_I(c->cooldown, 30);
	T_EQ_I(c->cap_n, 2);
	T_EQ_I(c->cap_days, 7);
	T_EQ_I(c->send_window, 12 * 3600);
	T_EQ_I(c->audience, -1);
	mbr_campaign_free(c);

	/* Defaults: batch; tier_up's 24 hours; browse's window and events. */
	c = ok("{\"id\": \"b\", \"channels\": [\"app\"], \"message\": \"x\"}");
	if (c != NULL) {
		T_EQ_I(c->trig, MBR_TRIG_BATCH);
		T_EQ_I(c->send_window, -1);
		mbr_campaign_free(c);
	}
	c = ok("{\"id\": \"t\", \"trigger\": {\"type\": \"tier_up\"}, "
	    "\"channels\": [{\"channel\": \"call\", \"follow_up\": "
	    "{\"channel\": \"sms\", \"delay_minutes\": 90, \"message\": "
	    "\"link\"}}], \"message\": \"x\"}");
	if (c != NULL) {
		T_EQ_I(c->window, 24 * 3600);
		T_OK(c->chan[0].follow != NULL);
		if (c->chan[0].follow != NULL)
			T_EQ_I(c->chan[0].follow->delay, 90 * 60);
		mbr_campaign_free(c);
	}
	c = ok("{\"id\": \"v\", \"trigger\": {\"type\": \"browse_no_buy\", "
	    "\"hours\": 2}, \"channels\": [\"app\"], \"message\": \"x\"}");
	if (c != NULL) {
		T_EQ_I(c->n, 2);
		T_EQ_I(c->window, 24 * 3600);
		T_EQ_I(c->nevents, 2);
		mbr_campaign_free(c);
	}
}

static void
test_refused(void)
{
	refused("{\"id\": \"a\", \"channels\": [\"sms\"], \"mesage\": \"x\"}",
	    "c.json: campaign: unknown key \"mesage\"");
	refused("{\"id\": \"a b\", \"channels\": [\"sms\"], \"message\": \"x\"}",
	    "c.json: id: is not a name of letters, digits, '_', '-' and '.'");
	refused("{\"id\": \"a\", \"channels\": [\"fax\"], \"message\": \"x\"}",
	    "c.json: channels[0]: \"fax\" is not wechat, wecom, app, sms, "
	    "email or call");
	refused("{\"id\": \"a\", \"channels\": [\"sms\", \"sms\"], "
	    "\"message\": \"x\"}", "c.json: channels[1]: sms is listed twice");
	refused("{\"id\": \"a\", \"channels\": [\"sms\"]}",
	    "c.json: channels[0]: has no message, nor has the campaign");
	refused("{\"id\": \"a\", \"channels\": [], \"message\": \"x\"}",
	    "c.json: channels: is not a list of 1 to 6 channels");
	refused("{\"id\": \"a\", \"channels\": [{\"channel\": \"sms\", "
	    "\"quiet_hours\": \"21:00-9:00\"}], \"message\": \"x\"}",
	    "c.json: channels[0].quiet_hours: is not \"HH:MM-HH:MM\"");
	refused("{\"id\": \"a\", \"channels\": [{\"channel\": \"sms\", "
	    "\"quiet_hours\": \"09:00-09:00\"}], \"message\": \"x\"}",
	    "c.json: channels[0].quiet_hours: begins where it ends");
	refused("{\"id\": \"a\", \"channels\": [{\"channel\": \"sms\", "
	    "\"cost\": \"0.00001\"}], \"message\": \"x\"}",
	    "c.json: channels[0].cost: \"0.00001\" has more than 4 decimals");
	refused("{\"id\": \"a\", \"channels\": [{\"channel\": \"sms\", "
	    "\"template_id\": \"T\"}], \"message\": \"x\"}",
	    "c.json: channels[0].template_id: is for wechat only");
	refused("{\"id\": \"a\", \"channels\": [{\"channel\": \"wechat\", "
	    "\"template_id\": \"T\"}], \"message\": \"x\"}",
	    "c.json: channels[0].data: is missing");
	refused("{\"id\": \"a\", \"channels\": [{\"channel\": \"call\", "
	    "\"follow_up\": {\"channel\": \"sms\"}}], \"message\": \"x\"}",
	    "c.json: channels[0].follow_up: needs \"delay_hours\" or "
	    "\"delay_minutes\" (one of them)");
	refused("{\"id\": \"a\", \"trigger\": {\"type\": \"inactive_days\"}, "
	    "\"channels\": [\"sms\"], \"message\": \"x\"}",
	    "c.json: trigger.days: is missing");
	refused("{\"id\": \"a\", \"trigger\": {\"type\": \"birthday\", "
	    "\"days\": 3}, \"channels\": [\"sms\"], \"message\": \"x\"}",
	    "c.json: trigger: unknown key \"days\"");
	refused("{\"id\": \"a\", \"trigger\": \"weekly\", "
	    "\"channels\": [\"sms\"], \"message\": \"x\"}",
	    "c.json: trigger: is not \"batch\" or an object with a \"type\"");
	refused("{\"id\": \"a\", \"trigger\": {\"type\": \"member_day\", "
	    "\"day\": 32}, \"channels\": [\"sms\"], \"message\": \"x\"}",
	    "c.json: trigger.day: is not a whole number from 1 to 31");
	refused("{\"id\": \"a\", \"channels\": [\"sms\"], \"message\": "
	    "\"{{name\"}", "c.json: message: \"{{\" at byte 1 has no \"}}\"");
	refused("{\"id\": \"a\", \"channels\": [\"sms\"], \"message\": \"x\", "
	    "\"cap\": {\"messages\": 2}}",
	    "c.json: cap: needs \"messages\" and \"days\"");
	refused("{\"id\": \"a\", \"id\": \"b\"}",
	    "c.json:1: duplicate object key near '\"id\"'");
}

int
main(void)
{
	test_kept();
	test_refused();
	return T_DONE();
}
