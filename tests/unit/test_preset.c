/* test_preset.c: mbr_preset, the maps of exports.
 *
 * Every built-in preset parses; a map's kind, detection lists and
 * identity types are read as mbr-ingest(1) MAP FILES says, and a map
 * that cannot be used is refused with the message naming why. */
#include "mbr_preset.h"
#include "t.h"

static mbr_preset *
parse(const char *json)
{
	mbr_preset *p = NULL;
	mbr_err e = { 0 };

	if (mbr_preset_parse(&p, json, strlen(json), "map.json", &e) !=
	    MBR_OK)
		fprintf(stderr, "parse: %s\n", e.msg);
	return p;
}

/* The map is refused with exactly this message. */
#define T_BAD(json, want) do {						\
	mbr_preset *p_ = NULL;						\
	mbr_err e_ = { 0 };						\
	T_EQ_I(mbr_preset_parse(&p_, (json), strlen(json), "map.json",	\
	    &e_), MBR_EUSAGE);						\
	T_OK(p_ == NULL);						\
	T_EQ_S(e_.msg, (want));						\
} while (0)

static void
test_builtin(void)
{
	mbr_preset *p;
	mbr_err e = { 0 };
	size_t i, n = 0;

	for (i = 0; mbr_preset_names[i] != NULL; i++) {
		T_EQ_I(mbr_preset_builtin(&p, mbr_preset_names[i], &e),
		    MBR_OK);
		T_OK(p != NULL && strcmp(p->name, mbr_preset_names[i]) == 0);
		mbr_preset_free(p);
		n++;
	}
	T_EQ_I(n, 9);
	/* canonical last: inputs of no preset are read as canonical */
	T_EQ_S(mbr_preset_names[n - 1], "canonical");

	T_EQ_I(mbr_preset_builtin(&p, "members", &e), MBR_OK);
	T_EQ_I(p->kind, MBR_KIND_MEMBERS);
	T_EQ_I(p->ndetect, 2);
	T_EQ_S(p->detect[0].v[0], "member_id");
	T_EQ_I(p->detect[1].n, 16);
	T_EQ_I(p->detect_not.n, 2);
	T_EQ_S(p->detect_not.v[0], "order_id");
	T_EQ_S(p->detect_not.v[1], "event");
	T_EQ_I(p->nident, 4);
	T_EQ_I(p->ident[3].type, MBR_ID_OPENID);
	T_EQ_S(p->cols[MBR_F_WECHAT_OPENID].v[0], "wechat_openid");
	T_EQ_S(p->cols[MBR_F_IDENTIFIERS].v[0], "identifiers");
	T_OK(p->order_err != NULL);
	mbr_preset_free(p);

	T_EQ_I(mbr_preset_builtin(&p, "wechat-members", &e), MBR_OK);
	T_EQ_I(p->kind, MBR_KIND_MEMBERS);
	T_EQ_I(p->nident, 4);
	T_EQ_I(p->ident[0].type, MBR_ID_CARD);
	T_EQ_I(p->ident[1].type, MBR_ID_PHONE);
	T_EQ_I(p->ident[2].type, MBR_ID_OPENID);
	T_EQ_I(p->ident[3].type, MBR_ID_UNIONID);
	T_EQ_I(p->cols[MBR_F_NAME].n, 2);
	mbr_preset_free(p);

	/* the maps of orders say no kind: orders, or as --kind says */
	T_EQ_I(mbr_preset_builtin(&p, "tmall", &e), MBR_OK);
	T_EQ_I(p->kind, 0);
	T_EQ_I(p->ndetect, 3);
	T_EQ_I(p->detect[0].n, 1);
	T_EQ_I(p->detect_not.n, 0);
	T_EQ_I(p->nident, 2);
	T_EQ_I(p->cols[MBR_F_IDENTIFIERS].n, 0);
	mbr_preset_free(p);

	T_EQ_I(mbr_preset_builtin(&p, "canonical", &e), MBR_OK);
	T_EQ_S(p->cols[MBR_F_IDENTIFIERS].v[0], "identifiers");
	mbr_preset_free(p);

	T_EQ_I(mbr_preset_builtin(&p, "nosuch", &e), MBR_EUSAGE);
	T_EQ_S(e.msg, "unknown preset \"nosuch\" (presets: online-retail, "
	    "shopify, woocommerce, tmall, jd, taobao, wechat-members, "
	    "members, canonical)");
}

static void
test_maps(void)
{
	mbr_preset *p;

	/* A map of member profiles needs no ts, status or amount. */
	p = parse("{\"kind\": \"members\", \"fields\": {\"birthday\": \"bd\","
	    " \"consent_sms\": \"sms\", \"tz\": \"zone\"},"
	    " \"constants\": {\"tier\": \"member\"},"
	    " \"identity\": [{\"type\": \"card\", \"column\": \"no\"},"
	    " {\"type\": \"unionid\", \"column\": [\"u1\", \"u2\"]}]}");
	T_OK(p != NULL);
	if (p != NULL) {
		T_EQ_I(p->kind, MBR_KIND_MEMBERS);
		T_EQ_S(p->cols[MBR_F_BIRTHDAY].v[0], "bd");
		T_EQ_S(p->cols[MBR_F_TZ].v[0], "zone");
		T_EQ_S(p->constant[MBR_F_TIER], "member");
		T_EQ_I(p->ident[1].type, MBR_ID_UNIONID);
		T_EQ_I(p->ident[1].cols.n, 2);
		T_EQ_I(p->ndetect, 0);
		mbr_preset_free(p);
	}
	/* detect: a list within it is met by any of its columns */
	p = parse("{\"detect\": [\"a\", [\"b\", \"c\"]], \"detect_not\": "
	    "\"d\", \"kind\": \"orders\", \"fields\": {\"order_id\": \"a\","
	    " \"ts\": \"t\", \"amount\": \"x\", \"identifiers\": \"ids\"},"
	    " \"default_status\": \"paid\","
	    " \"identity\": [{\"type\": \"member_id\", \"column\": \"m\"}]}");
	T_OK(p != NULL);
	if (p != NULL) {
		T_EQ_I(p->kind, MBR_KIND_ORDERS);
		T_EQ_I(p->ndetect, 2);
		T_EQ_I(p->detect[1].n, 2);
		T_EQ_S(p->detect[1].v[1], "c");
		T_EQ_I(p->detect_not.n, 1);
		T_EQ_S(p->cols[MBR_F_IDENTIFIERS].v[0], "ids");
		mbr_preset_free(p);
	}

	T_BAD("{\"kind\": \"profiles\", \"identity\": [{\"type\": "
	    "\"member_id\", \"column\": \"m\"}]}",
	    "map.json: kind \"profiles\" is not orders, events or members");
	T_BAD("{\"kind\": \"members\", \"fields\": {\"ts\": \"t\"},"
	    " \"identity\": [{\"type\": \"member_id\", \"column\": \"m\"}]}",
	    "map.json: fields: \"ts\" is not a member profile field");
	T_BAD("{\"fields\": {\"order_id\": \"o\", \"ts\": \"t\", "
	    "\"phone\": \"p\"}, \"identity\": [{\"type\": \"member_id\", "
	    "\"column\": \"m\"}]}",
	    "map.json: fields: \"phone\" is not an order field (a member "
	    "profile's: \"kind\": \"members\")");
	T_BAD("{\"kind\": \"members\", \"constants\": {\"amount\": \"1\"},"
	    " \"identity\": [{\"type\": \"member_id\", \"column\": \"m\"}]}",
	    "map.json: constants: \"amount\" is not a member profile field "
	    "with a string");
	T_BAD("{\"kind\": \"members\", \"status\": {\"ok\": \"paid\"},"
	    " \"identity\": [{\"type\": \"member_id\", \"column\": \"m\"}]}",
	    "map.json: status is for orders and events, not member profiles");
	T_BAD("{\"kind\": \"members\", \"line_items\": true,"
	    " \"identity\": [{\"type\": \"member_id\", \"column\": \"m\"}]}",
	    "map.json: line_items is for orders and events, not member "
	    "profiles");
	T_BAD("{\"kind\": \"members\", \"fields\": {\"member_id\": \"m\"},"
	    " \"identity\": [{\"type\": \"member_id\", \"column\": \"m\"}]}",
	    "map.json: fields: \"member_id\" is not a member profile field");
	T_BAD("{\"kind\": \"members\", \"identity\": [{\"type\": \"wechat\","
	    " \"column\": \"m\"}]}",
	    "map.json: identity type \"wechat\" is not member_id, phone, "
	    "email, nick, customer, openid, unionid or card");
	T_BAD("{\"kind\": \"members\", \"fields\": {\"name\": \"n\"}}",
	    "map.json: identity must list at least one identifier");
	T_BAD("{\"kind\": \"events\", \"fields\": {\"ts\": \"t\"},"
	    " \"identity\": [{\"type\": \"member_id\", \"column\": \"m\"}]}",
	    "map.json: kind events needs an event field and an events table");
	/* said to make orders, a map must be able to */
	T_BAD("{\"kind\": \"orders\", \"fields\": {\"ts\": \"t\", \"event\": "
	    "\"e\"}, \"events\": {\"pv\": \"view\"}, \"identity\": "
	    "[{\"type\": \"member_id\", \"column\": \"m\"}]}",
	    "map.json: fields: order_id is required (a column, or "
	    "\"@line\")");
	T_BAD("{\"detect\": \"a\", \"identity\": [{\"type\": \"member_id\", "
	    "\"column\": \"m\"}]}", "map.json: detect must be a list of "
	    "columns");
	T_BAD("{\"detect\": [\"a\", 3], \"identity\": [{\"type\": "
	    "\"member_id\", \"column\": \"m\"}]}", "map.json: detect must be "
	    "a column name or a list of them");
}

int
main(void)
{
	test_builtin();
	test_maps();
	return T_DONE();
}
