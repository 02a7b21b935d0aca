/* mbr_preset.c: see mbr_preset.h.  The built-in presets follow the
 * column layouts of the platforms' own export files. */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mbr_buf.h"
#include "mbr_preset.h"

const char *const mbr_field_names[MBR_F_N] = {
	"order_id", "ts", "amount", "currency", "status", "channel", "store",
	"items", "skus", "categories", "quantity", "price", "member_id",
	"event", "sku", "category", "campaign_id", "identifiers",
	"name", "gender", "birthday", "signup_ts", "phone", "email",
	"wechat_openid", "wecom_id", "app_token", "consent_sms",
	"consent_email", "consent_wechat", "consent_wecom", "consent_app",
	"consent_call", "tier", "tz", "updated_at"
};

const char *const mbr_event_names[MBR_EV_N] = {
	"view", "cart", "favorite", "signup", "login", "click", "open"
};

const char *const mbr_status_names[MBR_ST_N] = {
	"paid", "refunded", "cancelled", "pending"
};

static const char canonical_json[] =
"{\"name\": \"canonical\",\n"
" \"detect\": [\"order_id\", \"member_id\", \"ts\", \"amount\"],\n"
" \"keep\": true,\n"
" \"fields\": {\"order_id\": \"order_id\", \"ts\": \"ts\",\n"
"   \"amount\": \"amount\", \"currency\": \"currency\",\n"
"   \"status\": \"status\", \"channel\": \"channel\", \"store\": \"store\",\n"
"   \"items\": \"items\", \"skus\": \"skus\",\n"
"   \"categories\": \"categories\", \"identifiers\": \"identifiers\"},\n"
" \"identity\": [{\"type\": \"member_id\", \"column\": \"member_id\"}],\n"
" \"status\": {\"paid\": \"paid\", \"refunded\": \"refunded\",\n"
"   \"cancelled\": \"cancelled\", \"pending\": \"pending\"}}\n";

/* mbr's own member-profile records: member_id and no order or event,
 * and a column only a profile has. */
static const char members_json[] =
"{\"name\": \"members\",\n"
" \"kind\": \"members\",\n"
" \"detect\": [\"member_id\", [\"name\", \"gender\", \"birthday\",\n"
"   \"signup_ts\", \"phone\", \"email\", \"wechat_openid\", \"wecom_id\",\n"
"   \"app_token\", \"consent_sms\", \"consent_email\", \"consent_wechat\",\n"
"   \"consent_wecom\", \"consent_app\", \"consent_call\", \"updated_at\"]],\n"
" \"detect_not\": [\"order_id\", \"event\"],\n"
" \"keep\": true,\n"
" \"fields\": {\"name\": \"name\", \"gender\": \"gender\",\n"
"   \"birthday\": \"birthday\", \"signup_ts\": \"signup_ts\",\n"
"   \"phone\": \"phone\", \"email\": \"email\",\n"
"   \"wechat_openid\": \"wechat_openid\", \"wecom_id\": \"wecom_id\",\n"
"   \"app_token\": \"app_token\", \"consent_sms\": \"consent_sms\",\n"
"   \"consent_email\": \"consent_email\",\n"
"   \"consent_wechat\": \"consent_wechat\",\n"
"   \"consent_wecom\": \"consent_wecom\", \"consent_app\": \"consent_app\",\n"
"   \"consent_call\": \"consent_call\", \"tier\": \"tier\", \"tz\": \"tz\",\n"
"   \"updated_at\": \"updated_at\", \"identifiers\": \"identifiers\"},\n"
" \"identity\": [{\"type\": \"member_id\", \"column\": \"member_id\"},\n"
"   {\"type\": \"phone\", \"column\": \"phone\"},\n"
"   {\"type\": \"email\", \"column\": \"email\"},\n"
"   {\"type\": \"openid\", \"column\": \"wechat_openid\"}]}\n";

/* A WeChat mini-program mall's member export (会员列表导出, as the
 * common SaaS malls write it): a row per member, the card number the
 * mall issued, the phone the member authorised, the openid of the
 * mini-program and the unionid across the brand's WeChat accounts. */
static const char wechat_members_json[] =
"{\"name\": \"wechat-members\",\n"
" \"comment\": \"member export of a WeChat mini-program mall (会员列表导出): a row per member; the card number the mall issued, the phone the member authorised, the mini-program's openid and the brand's unionid; 是/否 consents\",\n"
" \"kind\": \"members\",\n"
" \"detect\": [\"会员卡号\", \"手机号\", \"openid\"],\n"
" \"fields\": {\"name\": [\"姓名\", \"昵称\"], \"gender\": \"性别\",\n"
"   \"birthday\": \"生日\", \"signup_ts\": [\"注册时间\", \"开卡时间\"],\n"
"   \"phone\": \"手机号\", \"email\": \"邮箱\", \"wechat_openid\": \"openid\",\n"
"   \"consent_sms\": \"是否接收短信\",\n"
"   \"consent_wechat\": \"是否接收订阅消息\", \"tier\": \"会员等级\",\n"
"   \"updated_at\": \"最后更新时间\"},\n"
" \"identity\": [{\"type\": \"card\", \"column\": \"会员卡号\"},\n"
"   {\"type\": \"phone\", \"column\": \"手机号\"},\n"
"   {\"type\": \"openid\", \"column\": \"openid\"},\n"
"   {\"type\": \"unionid\", \"column\": \"unionid\"}]}\n";

/* Taobao/Tmall seller centre, 订单报表 (one row per order). */
static const char tmall_json[] =
"{\"name\": \"tmall\",\n"
" \"detect\": [\"订单编号\", \"买家会员名\", \"订单状态\"],\n"
" \"fields\": {\"order_id\": \"订单编号\",\n"
"   \"ts\": [\"订单付款时间\", \"订单创建时间\"],\n"
"   \"amount\": [\"买家实际支付金额\", \"总金额\"],\n"
"   \"status\": \"订单状态\", \"store\": \"店铺名称\",\n"
"   \"items\": \"宝贝标题\"},\n"
" \"identity\": [{\"type\": \"phone\", \"column\": \"联系手机\"},\n"
"   {\"type\": \"nick\", \"platform\": \"tmall\", \"column\": \"买家会员名\"}],\n"
" \"constants\": {\"channel\": \"tmall\", \"currency\": \"CNY\"},\n"
" \"status\": {\"交易成功\": \"paid\", \"交易完成\": \"paid\",\n"
"   \"买家已付款，等待卖家发货\": \"paid\", \"买家已付款,等待卖家发货\": \"paid\",\n"
"   \"等待卖家发货\": \"paid\", \"卖家已发货，等待买家确认\": \"paid\",\n"
"   \"卖家已发货,等待买家确认\": \"paid\", \"等待买家确认收货\": \"paid\",\n"
"   \"卖家部分发货\": \"paid\", \"买家已付款\": \"paid\",\n"
"   \"等待买家付款\": \"pending\", \"等待付款\": \"pending\",\n"
"   \"交易关闭\": \"cancelled\",\n"
"   \"付款以前，卖家或买家主动关闭交易\": \"cancelled\",\n"
"   \"退款成功\": \"refunded\",\n"
"   \"付款以后用户退款成功，交易自动关闭\": \"refunded\"}}\n";

/* JD (京东) POP merchant order export: one row per SKU, the order's
 * columns repeated on each. */
static const char jd_json[] =
"{\"name\": \"jd\",\n"
" \"detect\": [\"订单号\", \"订单状态\", \"下单帐号\"],\n"
" \"line_items\": true,\n"
" \"fields\": {\"order_id\": \"订单号\",\n"
"   \"ts\": [\"付款确认时间\", \"下单时间\"],\n"
"   \"amount\": [\"应付金额\", \"订单金额\"],\n"
"   \"status\": \"订单状态\", \"store\": \"店铺名称\",\n"
"   \"items\": \"商品名称\", \"skus\": [\"商品ID\", \"商家SKUID\"],\n"
"   \"quantity\": \"订购数量\", \"price\": \"京东价\"},\n"
" \"identity\": [{\"type\": \"phone\", \"column\": \"联系电话\"},\n"
"   {\"type\": \"nick\", \"platform\": \"jd\", \"column\": \"下单帐号\"}],\n"
" \"constants\": {\"channel\": \"jd\", \"currency\": \"CNY\"},\n"
" \"status\": {\"完成\": \"paid\", \"已完成\": \"paid\",\n"
"   \"等待出库\": \"paid\", \"正在出库\": \"paid\", \"等待发货\": \"paid\",\n"
"   \"等待确认收货\": \"paid\", \"已发货\": \"paid\",\n"
"   \"等待付款\": \"pending\", \"等待付款确认\": \"pending\",\n"
"   \"锁定\": \"pending\", \"暂停\": \"pending\",\n"
"   \"已取消\": \"cancelled\", \"取消\": \"cancelled\",\n"
"   \"退款成功\": \"refunded\", \"已退款\": \"refunded\"}}\n";

/* Shopify admin, Orders > Export: one row per line item; the order's
 * columns only on its first row. */
static const char shopify_json[] =
"{\"name\": \"shopify\",\n"
" \"detect\": [\"Name\", \"Financial Status\", \"Lineitem quantity\"],\n"
" \"line_items\": true,\n"
" \"fields\": {\"order_id\": \"Name\", \"ts\": [\"Paid at\", \"Created at\"],\n"
"   \"amount\": \"Total\", \"currency\": \"Currency\",\n"
"   \"status\": \"Financial Status\", \"items\": \"Lineitem name\",\n"
"   \"skus\": \"Lineitem sku\", \"quantity\": \"Lineitem quantity\",\n"
"   \"price\": \"Lineitem price\", \"store\": \"Location\"},\n"
" \"identity\": [{\"type\": \"email\", \"column\": \"Email\"},\n"
"   {\"type\": \"phone\", \"column\": [\"Phone\", \"Billing Phone\",\n"
"     \"Shipping Phone\"]}],\n"
" \"constants\": {\"channel\": \"shopify\"},\n"
" \"status\": {\"paid\": \"paid\", \"partially_refunded\": \"paid\",\n"
"   \"refunded\": \"refunded\", \"pending\": \"pending\",\n"
"   \"authorized\": \"pending\", \"partially_paid\": \"pending\",\n"
"   \"voided\": \"cancelled\", \"expired\": \"cancelled\"}}\n";

/* WooCommerce, as the common order-export plugins write it: one row
 * per line item, the order's columns repeated. */
static const char woocommerce_json[] =
"{\"name\": \"woocommerce\",\n"
" \"detect\": [\"Order Number\", \"Order Status\", \"Order Date\"],\n"
" \"line_items\": true,\n"
" \"fields\": {\"order_id\": [\"Order Number\", \"Order ID\"],\n"
"   \"ts\": [\"Paid Date\", \"Order Date\"],\n"
"   \"amount\": [\"Order Total Amount\", \"Order Total\"],\n"
"   \"currency\": [\"Order Currency\", \"Currency\"],\n"
"   \"status\": \"Order Status\", \"items\": [\"Item Name\", \"Product Name\"],\n"
"   \"skus\": \"SKU\", \"quantity\": [\"Quantity (- Refund)\", \"Quantity\"],\n"
"   \"price\": [\"Item Cost\", \"Item Price\"]},\n"
" \"identity\": [{\"type\": \"email\", \"column\": [\"Email (Billing)\",\n"
"     \"Billing Email\", \"Customer Email\"]},\n"
"   {\"type\": \"phone\", \"column\": [\"Phone (Billing)\", \"Billing Phone\"]}],\n"
" \"constants\": {\"channel\": \"woocommerce\"},\n"
" \"status\": {\"completed\": \"paid\", \"processing\": \"paid\",\n"
"   \"wc-completed\": \"paid\", \"wc-processing\": \"paid\",\n"
"   \"refunded\": \"refunded\", \"wc-refunded\": \"refunded\",\n"
"   \"cancelled\": \"cancelled\", \"wc-cancelled\": \"cancelled\",\n"
"   \"failed\": \"cancelled\", \"wc-failed\": \"cancelled\",\n"
"   \"pending\": \"pending\", \"pending payment\": \"pending\",\n"
"   \"wc-pending\": \"pending\", \"on-hold\": \"pending\",\n"
"   \"on hold\": \"pending\", \"wc-on-hold\": \"pending\"}}\n";

/* UCI Online Retail and Online Retail II: one row per line item,
 * invoices numbered C... are cancellations, A... bad-debt adjustments
 * that are not orders. */
static const char online_retail_json[] =
"{\"name\": \"online-retail\",\n"
" \"detect\": [\"StockCode\", \"Quantity\", \"InvoiceDate\"],\n"
" \"line_items\": true,\n"
" \"fields\": {\"order_id\": [\"InvoiceNo\", \"Invoice\"],\n"
"   \"ts\": \"InvoiceDate\", \"items\": \"Description\",\n"
"   \"skus\": \"StockCode\", \"quantity\": \"Quantity\",\n"
"   \"price\": [\"UnitPrice\", \"Price\"]},\n"
" \"identity\": [{\"type\": \"customer\",\n"
"   \"column\": [\"CustomerID\", \"Customer ID\"]}],\n"
" \"constants\": {\"channel\": \"online\", \"currency\": \"GBP\"},\n"
" \"default_status\": \"paid\",\n"
" \"id_prefix\": {\"C\": \"cancelled\",\n"
"   \"A\": \"reject:adjustment invoice, not an order\"}}\n";

/* Taobao's UserBehavior data (Tianchi): no header, no prices.  As
 * events, each row but a buy; as orders, each buy, of amount 0. */
static const char taobao_json[] =
"{\"name\": \"taobao\",\n"
" \"comment\": \"Taobao UserBehavior (Tianchi): user_id, item_id, category_id, behavior_type (pv, cart, fav, buy), timestamp (Unix seconds), no header and no prices; --kind events for the behaviour, --kind orders for the buys (amount 0)\",\n"
" \"columns\": [\"user_id\", \"item_id\", \"category_id\",\n"
"   \"behavior_type\", \"timestamp\"],\n"
" \"detect\": [\"user_id\", \"item_id\", \"behavior_type\"],\n"
" \"fields\": {\"order_id\": \"@line\", \"ts\": \"timestamp\",\n"
"   \"status\": \"behavior_type\", \"skus\": \"item_id\",\n"
"   \"categories\": \"category_id\", \"event\": \"behavior_type\",\n"
"   \"sku\": \"item_id\", \"category\": \"category_id\"},\n"
" \"identity\": [{\"type\": \"customer\", \"column\": \"user_id\"}],\n"
" \"constants\": {\"channel\": \"taobao\", \"currency\": \"CNY\",\n"
"   \"amount\": \"0.00\"},\n"
" \"status\": {\"buy\": \"paid\",\n"
"   \"pv\": \"reject:a page view, not an order (--kind events)\",\n"
"   \"cart\": \"reject:an add to cart, not an order (--kind events)\",\n"
"   \"fav\": \"reject:a favourite, not an order (--kind events)\"},\n"
" \"events\": {\"pv\": \"view\", \"cart\": \"cart\", \"fav\": \"favorite\",\n"
"   \"buy\": \"reject:a purchase, not a behaviour event (--kind orders)\"}}\n";

static const struct {
	const char *name, *json;
} builtin[] = {
	{ "online-retail", online_retail_json },
	{ "shopify", shopify_json },
	{ "woocommerce", woocommerce_json },
	{ "tmall", tmall_json },
	{ "jd", jd_json },
	{ "taobao", taobao_json },
	{ "wechat-members", wechat_members_json },
	{ "members", members_json },
	{ "canonical", canonical_json },
};

/* canonical last: an input of no preset (NDJSON, an empty file) is
 * read as canonical records. */
const char *const mbr_preset_names[] = {
	"online-retail", "shopify", "woocommerce", "tmall", "jd", "taobao",
	"wechat-members", "members", "canonical", NULL
};

const char *
mbr_preset_text(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(builtin) / sizeof(builtin[0]); i++)
		if (strcmp(builtin[i].name, name) == 0)
			return builtin[i].json;
	return NULL;
}

int
mbr_preset_builtin(mbr_preset **p, const char *name, mbr_err *err)
{
	const char *json = mbr_preset_text(name);

	*p = NULL;
	if (json == NULL)
		return mbr_err_set(err, MBR_EUSAGE, "unknown preset \"%s\" "
		    "(presets: online-retail, shopify, woocommerce, tmall, "
		    "jd, taobao, wechat-members, members, canonical)", name);
	return mbr_preset_parse(p, json, strlen(json), name, err);
}

static void
strv_free(mbr_strv *v)
{
	size_t i;

	for (i = 0; i < v->n; i++)
		free(v->v[i]);
	free(v->v);
	v->v = NULL;
	v->n = 0;
}

/* A column name or a list of them. */
static int
strv_get(mbr_strv *v, json_t *j, const char *what, const char *name,
    mbr_err *err)
{
	size_t i;
	json_t *e;

	if (json_is_string(j)) {
		v->v = mbr_xcalloc(1, sizeof(char *));
		v->v[0] = mbr_xstrdup(json_string_value(j));
		v->n = 1;
		return MBR_OK;
	}
	if (!json_is_array(j) || json_array_size(j) == 0)
		return mbr_err_set(err, MBR_EUSAGE, "%s: %s must be a column "
		    "name or a list of them", name, what);
	v->v = mbr_xcalloc(json_array_size(j), sizeof(char *));
	json_array_foreach(j, i, e) {
		if (!json_is_string(e))
			return mbr_err_set(err, MBR_EUSAGE, "%s: %s must be a "
			    "column name or a list of them", name, what);
		v->v[v->n++] = mbr_xstrdup(json_string_value(e));
	}
	return MBR_OK;
}

static int
status_of(const char *s)
{
	int i;

	for (i = 0; i < MBR_ST_N; i++)
		if (strcmp(s, mbr_status_names[i]) == 0)
			return i;
	return -1;
}

/* "paid" or "reject:why". */
static int
status_rule(mbr_status_rule *r, const char *from, json_t *to,
    const char *what, const char *name, mbr_err *err)
{
	const char *s = json_is_string(to) ? json_string_value(to) : "";

	r->from = mbr_xstrdup(from);
	if (strncmp(s, "reject:", 7) == 0) {
		r->to = MBR_ST_REJECT;
		r->why = mbr_xstrdup(s + 7);
		return MBR_OK;
	}
	if ((r->to = status_of(s)) < 0)
		return mbr_err_set(err, MBR_EUSAGE, "%s: %s \"%s\" maps to "
		    "\"%s\", not paid, refunded, cancelled, pending or "
		    "reject:REASON", name, what, from, s);
	return MBR_OK;
}

/* "view" or "reject:why", for the events table. */
static int
event_rule(mbr_status_rule *r, const char *from, json_t *to,
    const char *name, mbr_err *err)
{
	const char *s = json_is_string(to) ? json_string_value(to) : "";
	int i;

	r->from = mbr_xstrdup(from);
	if (strncmp(s, "reject:", 7) == 0) {
		r->to = MBR_ST_REJECT;
		r->why = mbr_xstrdup(s + 7);
		return MBR_OK;
	}
	for (i = 0; i < MBR_EV_N; i++)
		if (strcmp(s, mbr_event_names[i]) == 0) {
			r->to = i;
			return MBR_OK;
		}
	return mbr_err_set(err, MBR_EUSAGE, "%s: events \"%s\" maps to "
	    "\"%s\", not view, cart, favorite, signup, login, click, open "
	    "or reject:REASON", name, from, s);
}

static int
field_of(const char *s)
{
	int i;

	for (i = 0; i < MBR_F_N; i++)
		if (strcmp(s, mbr_field_names[i]) == 0)
			return i;
	return -1;
}

/* Whether a map of this kind may give field f: a profile's fields and
 * an order's (or event's) are apart, so that a map naming "phone" for
 * orders is told that identity rules say who the buyer is. */
static int
field_for(int kind, int f)
{
	if (f < 0 || f == MBR_F_MEMBER_ID)
		return 0;
	if (f == MBR_F_IDENTIFIERS)
		return 1;
	return (kind == MBR_KIND_MEMBERS) == (f >= MBR_F_PROFILE0);
}

/* Whether a map gives field f: columns, made, or a constant. */
static int
given(const mbr_preset *p, int f)
{
	return p->cols[f].n > 0 || p->at_line[f] || p->constant[f] != NULL;
}

static int
parse(mbr_preset *p, json_t *root, const char *name, mbr_err *err)
{
	json_t *j, *v;
	const char *k;
	size_t i;
	int f, rc;

	if (!json_is_object(root))
		return mbr_err_set(err, MBR_EUSAGE, "%s: a map is a JSON "
		    "object", name);
	json_object_foreach(root, k, v) {
		static const char *const known[] = { "name", "detect",
		    "line_items", "keep", "fields", "identity", "constants",
		    "status", "default_status", "id_prefix", "comment",
		    "events", "columns", "kind", "detect_not", "values",
		    NULL };
		for (i = 0; known[i] != NULL; i++)
			if (strcmp(k, known[i]) == 0)
				break;
		if (known[i] == NULL)
			return mbr_err_set(err, MBR_EUSAGE, "%s: unknown key "
			    "\"%s\"", name, k);
	}
	j = json_object_get(root, "name");
	p->name = mbr_xstrdup(json_is_string(j) ? json_string_value(j) : name);
	if ((j = json_object_get(root, "kind")) != NULL) {
		static const char *const kinds[] = { "orders", "events",
		    "members", NULL };
		const char *ks = json_is_string(j) ? json_string_value(j) : "";

		for (i = 0; kinds[i] != NULL; i++)
			if (strcmp(ks, kinds[i]) == 0)
				p->kind = MBR_KIND_ORDERS + (int)i;
		if (p->kind == 0)
			return mbr_err_set(err, MBR_EUSAGE, "%s: kind \"%s\" "
			    "is not orders, events or members", name, ks);
	}
	if ((j = json_object_get(root, "detect")) != NULL) {
		json_t *e;

		if (!json_is_array(j))
			return mbr_err_set(err, MBR_EUSAGE, "%s: detect must "
			    "be a list of columns", name);
		p->detect = mbr_xcalloc(json_array_size(j) + 1,
		    sizeof(*p->detect));
		json_array_foreach(j, i, e)
			if ((rc = strv_get(&p->detect[p->ndetect++], e,
			    "detect", name, err)) != MBR_OK)
				return rc;
	}
	if ((j = json_object_get(root, "detect_not")) != NULL &&
	    (rc = strv_get(&p->detect_not, j, "detect_not", name, err)) !=
	    MBR_OK)
		return rc;
	p->line_items = json_is_true(json_object_get(root, "line_items"));
	p->keep = json_is_true(json_object_get(root, "keep"));
	json_object_foreach(json_object_get(root, "fields"), k, v) {
		if (!field_for(p->kind, f = field_of(k)))
			return mbr_err_set(err, MBR_EUSAGE, "%s: fields: "
			    "\"%s\" is not %s field%s", name, k,
			    p->kind == MBR_KIND_MEMBERS ? "a member profile" :
			    "an order", field_for(MBR_KIND_MEMBERS, f) ?
			    " (a member profile's: \"kind\": \"members\")" :
			    "");
		if (json_is_string(v) &&
		    strcmp(json_string_value(v), "@line") == 0) {
			p->at_line[f] = 1;
			p->made = 1;
			continue;
		}
		if (json_is_object(v)) {
			json_t *sep = json_object_get(v, "sep");
			const char *jk;
			json_t *jv;

			json_object_foreach(v, jk, jv)
				if (strcmp(jk, "join") != 0 &&
				    strcmp(jk, "sep") != 0)
					return mbr_err_set(err, MBR_EUSAGE,
					    "%s: fields: %s: unknown key "
					    "\"%s\" (join, sep)", name, k, jk);
			if (sep != NULL && !json_is_string(sep))
				return mbr_err_set(err, MBR_EUSAGE, "%s: "
				    "fields: %s: sep must be a string", name,
				    k);
			if ((rc = strv_get(&p->cols[f], json_object_get(v,
			    "join"), "join", name, err)) != MBR_OK)
				return rc;
			p->join[f] = mbr_xstrdup(sep != NULL ?
			    json_string_value(sep) : "-");
			p->made = 1;
		} else if ((rc = strv_get(&p->cols[f], v, k, name, err)) !=
		    MBR_OK)
			return rc;
		if (p->cols[f].n > MBR_PRESET_MAXCOLS)
			return mbr_err_set(err, MBR_EUSAGE, "%s: fields: %s "
			    "names %zu columns, more than %d", name, k,
			    p->cols[f].n, MBR_PRESET_MAXCOLS);
	}
	json_object_foreach(json_object_get(root, "constants"), k, v) {
		if (!field_for(p->kind, f = field_of(k)) || !json_is_string(v))
			return mbr_err_set(err, MBR_EUSAGE, "%s: constants: "
			    "\"%s\" is not %s field with a string", name, k,
			    p->kind == MBR_KIND_MEMBERS ? "a member profile" :
			    "an order");
		p->constant[f] = mbr_xstrdup(json_string_value(v));
	}
	json_object_foreach(json_object_get(root, "values"), k, v) {
		const char *vk;
		json_t *vv;

		f = field_of(k);
		if (f == MBR_F_STATUS || f == MBR_F_EVENT)
			return mbr_err_set(err, MBR_EUSAGE, "%s: values: %s "
			    "has a table of its own (\"%s\": {...})", name, k,
			    f == MBR_F_STATUS ? "status" : "events");
		if (!field_for(p->kind, f) || f == MBR_F_IDENTIFIERS ||
		    !json_is_object(v))
			return mbr_err_set(err, MBR_EUSAGE, "%s: values: "
			    "\"%s\" is not %s field with an object of "
			    "values", name, k, p->kind == MBR_KIND_MEMBERS ?
			    "a member profile" : "an order");
		p->values[f] = mbr_xcalloc(json_object_size(v) + 1,
		    sizeof(*p->values[f]));
		json_object_foreach(v, vk, vv) {
			mbr_value_rule *r = &p->values[f][p->nvalues[f]];

			if (!json_is_string(vv))
				return mbr_err_set(err, MBR_EUSAGE, "%s: "
				    "values: %s: \"%s\" must map to a "
				    "string", name, k, vk);
			r->from = mbr_xstrdup(vk);
			r->to = mbr_xstrdup(json_string_value(vv));
			p->nvalues[f]++;
		}
	}
	j = json_object_get(root, "identity");
	if (!json_is_array(j) || json_array_size(j) == 0)
		return mbr_err_set(err, MBR_EUSAGE, "%s: identity must list "
		    "at least one identifier", name);
	p->ident = mbr_xcalloc(json_array_size(j), sizeof(*p->ident));
	json_array_foreach(j, i, v) {
		mbr_ident_rule *r = &p->ident[p->nident++];
		const char *t = json_string_value(json_object_get(v, "type"));
		int ti;

		for (ti = 0; t != NULL && ti < MBR_ID_N; ti++)
			if (strcmp(t, mbr_ident_types[ti]) == 0)
				break;
		if (t == NULL || ti == MBR_ID_N)
			return mbr_err_set(err, MBR_EUSAGE, "%s: identity "
			    "type \"%s\" is not member_id, phone, email, nick, "
			    "customer, openid, unionid or card", name,
			    t ? t : "");
		r->type = ti;
		if (ti == MBR_ID_NICK) {
			const char *pl = json_string_value(
			    json_object_get(v, "platform"));
			if (pl == NULL)
				return mbr_err_set(err, MBR_EUSAGE, "%s: a nick "
				    "identity needs a platform", name);
			r->platform = mbr_xstrdup(pl);
		}
		if ((rc = strv_get(&r->cols, json_object_get(v, "column"),
		    "identity column", name, err)) != MBR_OK)
			return rc;
	}
	j = json_object_get(root, "status");
	p->status = mbr_xcalloc(json_object_size(j) + 1, sizeof(*p->status));
	json_object_foreach(j, k, v)
		if ((rc = status_rule(&p->status[p->nstatus++], k, v,
		    "status", name, err)) != MBR_OK)
			return rc;
	j = json_object_get(root, "id_prefix");
	p->prefix = mbr_xcalloc(json_object_size(j) + 1, sizeof(*p->prefix));
	json_object_foreach(j, k, v)
		if ((rc = status_rule(&p->prefix[p->nprefix++], k, v,
		    "id_prefix", name, err)) != MBR_OK)
			return rc;
	p->default_status = -1;
	if ((j = json_object_get(root, "default_status")) != NULL &&
	    (!json_is_string(j) ||
	    (p->default_status = status_of(json_string_value(j))) < 0))
		return mbr_err_set(err, MBR_EUSAGE, "%s: default_status must "
		    "be paid, refunded, cancelled or pending", name);
	j = json_object_get(root, "events");
	p->events = mbr_xcalloc(json_object_size(j) + 1, sizeof(*p->events));
	json_object_foreach(j, k, v)
		if ((rc = event_rule(&p->events[p->nevents++], k, v, name,
		    err)) != MBR_OK)
			return rc;
	if ((j = json_object_get(root, "columns")) != NULL) {
		mbr_strv cv = { NULL, 0 };
		mbr_buf b;

		if ((rc = strv_get(&cv, j, "columns", name, err)) != MBR_OK)
			return rc;
		mbr_buf_init(&b);
		for (i = 0; i < cv.n; i++) {
			if (i > 0)
				mbr_buf_addc(&b, ',');
			mbr_buf_adds(&b, cv.v[i]);
		}
		p->columns = mbr_xstrdup(b.p);
		mbr_buf_release(&b);
		strv_free(&cv);
	}
	if (p->kind == MBR_KIND_MEMBERS) {
		/* a profile has no time, status or event of its own */
		static const char *const notfor[] = { "line_items", "status",
		    "default_status", "id_prefix", "events", NULL };

		for (i = 0; notfor[i] != NULL; i++)
			if (json_object_get(root, notfor[i]) != NULL)
				return mbr_err_set(err, MBR_EUSAGE, "%s: %s is "
				    "for orders and events, not member "
				    "profiles", name, notfor[i]);
		p->order_err = mbr_xstrdup("a map of member profiles");
		return MBR_OK;
	}
	if (!given(p, MBR_F_TS))
		return mbr_err_set(err, MBR_EUSAGE, "%s: fields: ts is "
		    "required", name);
	if (p->kind == MBR_KIND_EVENTS && !given(p, MBR_F_EVENT))
		return mbr_err_set(err, MBR_EUSAGE, "%s: kind events needs "
		    "an event field and an events table", name);
	if (given(p, MBR_F_EVENT) && p->nevents == 0)
		return mbr_err_set(err, MBR_EUSAGE, "%s: an event field needs "
		    "an events table (\"pv\": \"view\", ...)", name);
	/* What orders need: an error at once for a map of orders, kept
	 * for --kind orders in a map that also makes events. */
	if (!given(p, MBR_F_ORDER_ID))
		p->order_err = mbr_xstrdup("fields: order_id is required (a "
		    "column, or \"@line\")");
	else if (!given(p, MBR_F_AMOUNT) && (!given(p, MBR_F_QUANTITY) ||
	    !given(p, MBR_F_PRICE)))
		p->order_err = mbr_xstrdup("fields: amount, or quantity and "
		    "price, are required");
	else if (!given(p, MBR_F_STATUS) && p->default_status < 0)
		p->order_err = mbr_xstrdup("fields: status, or a "
		    "default_status, is required");
	if (p->order_err != NULL && (!given(p, MBR_F_EVENT) ||
	    p->kind == MBR_KIND_ORDERS))
		return mbr_err_set(err, MBR_EUSAGE, "%s: %s", name,
		    p->order_err);
	return MBR_OK;
}

int
mbr_preset_parse(mbr_preset **pp, const char *text, size_t n,
    const char *name, mbr_err *err)
{
	json_error_t je;
	json_t *root;
	mbr_preset *p;
	int rc;

	*pp = NULL;
	if ((root = json_loadb(text, n, JSON_REJECT_DUPLICATES, &je)) ==
	    NULL) {
		mbr_err_set(err, MBR_EUSAGE, "%s", je.text);
		mbr_err_at(err, name, (unsigned long)(je.line > 0 ? je.line :
		    0));
		return MBR_EUSAGE;
	}
	p = mbr_xcalloc(1, sizeof(*p));
	rc = parse(p, root, name, err);
	json_decref(root);
	if (rc != MBR_OK) {
		mbr_preset_free(p);
		return rc;
	}
	*pp = p;
	return MBR_OK;
}

int
mbr_preset_load(mbr_preset **pp, const char *path, mbr_err *err)
{
	FILE *fp = fopen(path, "rb");
	char *text = NULL;
	size_t n = 0, cap = 0, r;
	int rc;

	*pp = NULL;
	if (fp == NULL) {
		mbr_err_set(err, MBR_EIO, "cannot open map: %s",
		    strerror(errno));
		mbr_err_at(err, path, 0);
		return MBR_EIO;
	}
	do {
		if (n == cap)
			text = mbr_xrealloc(text, cap = cap ? cap * 2 : 4096);
		r = fread(text + n, 1, cap - n, fp);
		n += r;
	} while (r > 0);
	fclose(fp);
	rc = mbr_preset_parse(pp, text, n, path, err);
	free(text);
	return rc;
}

void
mbr_preset_free(mbr_preset *p)
{
	size_t i;

	if (p == NULL)
		return;
	free(p->name);
	for (i = 0; i < p->ndetect; i++)
		strv_free(&p->detect[i]);
	free(p->detect);
	strv_free(&p->detect_not);
	for (i = 0; i < MBR_F_N; i++) {
		size_t k;

		strv_free(&p->cols[i]);
		free(p->constant[i]);
		free(p->join[i]);
		for (k = 0; k < p->nvalues[i]; k++) {
			free(p->values[i][k].from);
			free(p->values[i][k].to);
		}
		free(p->values[i]);
	}
	for (i = 0; i < p->nident; i++) {
		free(p->ident[i].platform);
		strv_free(&p->ident[i].cols);
	}
	free(p->ident);
	for (i = 0; i < p->nstatus; i++) {
		free(p->status[i].from);
		free(p->status[i].why);
	}
	free(p->status);
	for (i = 0; i < p->nprefix; i++) {
		free(p->prefix[i].from);
		free(p->prefix[i].why);
	}
	free(p->prefix);
	for (i = 0; i < p->nevents; i++) {
		free(p->events[i].from);
		free(p->events[i].why);
	}
	free(p->events);
	free(p->columns);
	free(p->order_err);
	free(p);
}

static const mbr_status_rule *
lookup(const mbr_status_rule *v, size_t nv, const char *s, size_t n)
{
	size_t i, j;

	for (i = 0; i < nv; i++) {
		const char *f = v[i].from;

		for (j = 0; j < n && f[j] != '\0'; j++) {
			int a = (unsigned char)s[j], b = (unsigned char)f[j];
			if (a >= 'A' && a <= 'Z')
				a += 32;
			if (b >= 'A' && b <= 'Z')
				b += 32;
			if (a != b)
				break;
		}
		if (j == n && f[j] == '\0')
			return &v[i];
	}
	return NULL;
}

const mbr_status_rule *
mbr_preset_status(const mbr_preset *p, const char *s, size_t n)
{
	return lookup(p->status, p->nstatus, s, n);
}

const mbr_status_rule *
mbr_preset_event(const mbr_preset *p, const char *s, size_t n)
{
	return lookup(p->events, p->nevents, s, n);
}
