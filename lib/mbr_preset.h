/* mbr_preset.h: how an export's columns map to the canonical order.
 *
 * A preset is the same JSON a user writes for --map, so every built-in
 * export (Tmall, JD, Shopify, ...) is an example of the format and
 * nothing about one platform hides in code.  The format (mbr-ingest(1)
 * MAP FILES):
 *
 *   { "name": "tmall",
 *     "detect": ["订单编号", "买家实际支付金额"],   header columns that
 *                                                    identify the export
 *     "line_items": false,          one row per order, or per line item
 *     "fields": { "order_id": "订单编号",
 *                 "ts": ["订单付款时间", "订单创建时间"], ... },
 *     "identity": [ {"type": "phone", "column": "联系手机"},
 *                   {"type": "nick", "platform": "tmall",
 *                    "column": "买家会员名"} ],
 *     "constants": { "channel": "tmall", "currency": "CNY" },
 *     "status": { "交易成功": "paid", ... },
 *     "default_status": "paid",
 *     "id_prefix": { "C": "cancelled", "A": "reject:adjustment" },
 *     "keep": false }               pass unmapped columns through
 *
 * For behaviour events (mbr-ingest --kind events) a map gives the
 * fields event, ts, sku, category, campaign_id (and channel), an
 * "events" table like "status" ({"pv": "view", "buy": "reject:..."},
 * to view, cart, favorite, signup, login, click or open), and, for an
 * export without a header, "columns": its names in order.  A map with
 * an event field need not make orders.
 *
 * "kind": "members" makes a map of member profiles: its fields are
 * those of the profile record (name, gender, birthday, signup_ts,
 * phone, email, wechat_openid, ..., updated_at), member_id comes from
 * the identity rules as for orders, and it has no status or events
 * table.  "kind": "orders" or "events" says which the map makes when
 * --kind does not.  Any map may give "identifiers", a column of
 * identifiers already '|'-joined (a canonical record read again).
 *
 * "detect" lists columns the header must all have; an entry that is a
 * list is met by any one of its columns.  "detect_not" lists columns
 * whose presence rules the preset out (a profile file has member_id
 * but no order_id).
 *
 * A field maps to one column or a list of candidates: the first
 * non-empty one in the row is used.  Or it is made: "@line" is the
 * row's place, "orders.csv:12" (the file's name without its directory,
 * and the row's first line), for exports without an order id; and
 * {"join": ["Invoice", "StockCode"], "sep": "-"} joins the columns'
 * values (sep "-" when not given). */
#ifndef MBR_PRESET_H
#define MBR_PRESET_H
#include <stddef.h>
#include "mbr_err.h"
#include "mbr_ident.h"

/* Canonical order fields, and the line-item inputs to them. */
enum {
	MBR_F_ORDER_ID, MBR_F_TS, MBR_F_AMOUNT, MBR_F_CURRENCY, MBR_F_STATUS,
	MBR_F_CHANNEL, MBR_F_STORE, MBR_F_ITEMS, MBR_F_SKUS,
	MBR_F_CATEGORIES, MBR_F_QUANTITY, MBR_F_PRICE, MBR_F_MEMBER_ID,
	/* behaviour events (--kind events) */
	MBR_F_EVENT, MBR_F_SKU, MBR_F_CATEGORY, MBR_F_CAMPAIGN,
	/* every kind: identifiers already joined */
	MBR_F_IDENTIFIERS,
	/* member profiles (--kind members), in the record's order */
	MBR_F_NAME, MBR_F_GENDER, MBR_F_BIRTHDAY, MBR_F_SIGNUP_TS,
	MBR_F_PHONE, MBR_F_EMAIL, MBR_F_WECHAT_OPENID, MBR_F_WECOM_ID,
	MBR_F_APP_TOKEN, MBR_F_CONSENT_SMS, MBR_F_CONSENT_EMAIL,
	MBR_F_CONSENT_WECHAT, MBR_F_CONSENT_WECOM, MBR_F_CONSENT_APP,
	MBR_F_CONSENT_CALL, MBR_F_TIER, MBR_F_TZ, MBR_F_UPDATED_AT,
	MBR_F_N
};
#define MBR_F_PROFILE0	MBR_F_NAME	/* the first profile field */
extern const char *const mbr_field_names[MBR_F_N];

enum { MBR_ST_PAID, MBR_ST_REFUNDED, MBR_ST_CANCELLED, MBR_ST_PENDING,
	MBR_ST_N, MBR_ST_REJECT = 100 };
extern const char *const mbr_status_names[MBR_ST_N];

/* The behaviour events of DESIGN.md; MBR_ST_REJECT for "reject:why". */
enum { MBR_EV_VIEW, MBR_EV_CART, MBR_EV_FAVORITE, MBR_EV_SIGNUP,
	MBR_EV_LOGIN, MBR_EV_CLICK, MBR_EV_OPEN, MBR_EV_N };
extern const char *const mbr_event_names[MBR_EV_N];

/* What a map makes; 0 in a map: orders, unless --kind says. */
enum { MBR_KIND_ORDERS = 1, MBR_KIND_EVENTS, MBR_KIND_MEMBERS };

typedef struct {
	char	**v;
	size_t	  n;
} mbr_strv;

typedef struct {
	int		 type;		/* MBR_ID_* (mbr_ident.h) */
	char		*platform;	/* for nick: "tmall" */
	mbr_strv	 cols;
} mbr_ident_rule;

typedef struct {
	char		*from;
	int		 to;		/* MBR_ST_*, or MBR_ST_REJECT */
	char		*why;		/* for MBR_ST_REJECT */
} mbr_status_rule;

/* A field's value as the export writes it, and as the record does
 * ("金卡" -> "gold"); to is "" for no value. */
typedef struct {
	char		*from;
	char		*to;
} mbr_value_rule;

/* Columns a field may name: candidates or joined. */
#define MBR_PRESET_MAXCOLS 8

typedef struct {
	char		*name;
	int		 kind;		/* MBR_KIND_*, 0 if not said */
	mbr_strv	*detect;	/* each: any of these columns */
	size_t		 ndetect;
	mbr_strv	 detect_not;
	int		 line_items;
	int		 keep;
	mbr_strv	 cols[MBR_F_N];
	char		*constant[MBR_F_N];
	char		*join[MBR_F_N];	/* non-NULL: cols joined with it */
	unsigned char	 at_line[MBR_F_N];	/* "@line" */
	int		 made;		/* some field is joined or @line */
	mbr_ident_rule	*ident;
	size_t		 nident;
	mbr_status_rule	*status;	/* value -> status */
	size_t		 nstatus;
	int		 default_status;	/* -1: a status column is needed */
	mbr_status_rule	*prefix;	/* order_id prefix -> status */
	size_t		 nprefix;
	mbr_status_rule	*events;	/* value -> MBR_EV_* */
	size_t		 nevents;
	mbr_value_rule	*values[MBR_F_N];	/* the "values" tables */
	size_t		 nvalues[MBR_F_N];
	char		*columns;	/* "a,b,c": a headerless export's
					 * names, or NULL */
	char		*order_err;	/* why it cannot make orders (a
					 * map for events only, or of
					 * member profiles), or NULL */
} mbr_preset;

/* Parses a map (JSON text); name is for messages (the file).
 * Errors are MBR_EUSAGE: "map.json: line 3: status \"paid\" ...". */
int	mbr_preset_parse(mbr_preset **p, const char *json, size_t n,
	    const char *name, mbr_err *err);
int	mbr_preset_load(mbr_preset **p, const char *path, mbr_err *err);
void	mbr_preset_free(mbr_preset *p);
/* The built-in presets, in detection order; NULL-terminated names. */
extern const char *const mbr_preset_names[];
int	mbr_preset_builtin(mbr_preset **p, const char *name, mbr_err *err);
/* The JSON text of a built-in (for --show-preset). */
const char *mbr_preset_text(const char *name);
/* Looks up a status value (trimmed, ASCII case-insensitive); -1 if the
 * table does not have it. */
const mbr_status_rule *mbr_preset_status(const mbr_preset *p,
	    const char *s, size_t n);
/* The same for an event value ("pv" -> view). */
const mbr_status_rule *mbr_preset_event(const mbr_preset *p,
	    const char *s, size_t n);
#endif
