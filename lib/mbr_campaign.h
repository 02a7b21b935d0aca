/* mbr_campaign.h: a campaign, read from its JSON file
 * (man/mbr-campaign.1, CAMPAIGN).
 *
 * Who is in the audience, what triggers a send, the channels in order
 * of preference and the texts: read once, every key checked (an
 * unknown key is a typo, and a typo in a campaign is members wrongly
 * messaged), kept as plain numbers and compiled templates. */
#ifndef MBR_CAMPAIGN_H
#define MBR_CAMPAIGN_H
#include <stdint.h>
#include "mbr_conf.h"
#include "mbr_err.h"
#include "mbr_expr.h"
#include "mbr_tmpl.h"

enum { MBR_CH_WECHAT, MBR_CH_WECOM, MBR_CH_APP, MBR_CH_SMS, MBR_CH_EMAIL,
	MBR_CH_CALL, MBR_NCHAN };
/* "wechat" ..., and the fields of each channel's address and consent. */
extern const char *const mbr_channel_name[MBR_NCHAN];
extern const char *const mbr_channel_addr[MBR_NCHAN];
extern const char *const mbr_channel_consent[MBR_NCHAN];

enum { MBR_TRIG_BATCH, MBR_TRIG_INACTIVE, MBR_TRIG_SIGNUP, MBR_TRIG_BIRTHDAY,
	MBR_TRIG_MEMBER_DAY, MBR_TRIG_TIER_UP, MBR_TRIG_BROWSE };

/* A text by variant. */
typedef struct {
	char		*variant;
	mbr_tmpl	*t;
} mbr_cmsg;

/* The texts of a channel or of the campaign. */
typedef struct {
	mbr_tmpl	*message;	/* NULL: none */
	mbr_cmsg	*by;		/* "messages" */
	int		 nby;
} mbr_ctexts;

typedef struct mbr_cchan {
	int		 ch;		/* MBR_CH_* */
	int		 optout;	/* consent "opt-out" */
	int		 quiet;		/* quiet hours given */
	int		 quiet_from;	/* seconds of the day, local */
	int		 quiet_to;
	int64_t		 cost;		/* 10^-4 units a message (a part) */
	mbr_ctexts	 texts;
	char		*template_id;	/* WeChat */
	mbr_tmpl	*url;
	char		**data_key;
	mbr_tmpl	**data;
	int		 ndata;
	struct mbr_cchan *follow;	/* NULL: none */
	int64_t		 delay;		/* the follow-up's, seconds */
} mbr_cchan;

typedef struct {
	char		*id;
	mbr_expr	*x;		/* the audience, compiled into it */
	int		 audience;	/* expression number; -1: everyone */
	char		*audience_text;	/* as written, to compile again for
					 * each thread; NULL: everyone */
	char		*audience_src;	/* "FILE: audience" */
	int		 trig;		/* MBR_TRIG_* */
	int64_t		 n;		/* days, hours, days before, day */
	int64_t		 window;	/* seconds: tier_up's hours,
					 * browse_no_buy's window */
	char		**tiers;
	int		 ntiers;
	char		**events;
	int		 nevents;
	mbr_cchan	 chan[MBR_NCHAN];
	int		 nchan;
	mbr_ctexts	 texts;
	int64_t		 cooldown;	/* days; 0: none */
	int64_t		 cap_n, cap_days;	/* cap_n 0: none */
	int64_t		 send_window;	/* seconds; -1: no limit */
} mbr_campaign;

/* Reads and checks path (MBR_EUSAGE with the key, MBR_EIO). */
int	mbr_campaign_load(mbr_campaign **c, const char *path, mbr_err *err);
/* The same from text[0..n), src naming it in messages (MBR_EUSAGE);
 * *c NULL on failure. */
int	mbr_campaign_parse(mbr_campaign **c, const char *src,
	    const char *text, size_t n, mbr_err *err);
void	mbr_campaign_free(mbr_campaign *c);
/* The template for a member of variant v (NULL, "": none) on channel
 * ch: the channel's text for v, its message, the campaign's for v, its
 * message; NULL if none. */
mbr_tmpl *mbr_campaign_text(const mbr_campaign *c, const mbr_cchan *ch,
	    const char *v, size_t vn);
/* Every template of the campaign, for binding: calls fn for each. */
void	mbr_campaign_each_tmpl(mbr_campaign *c, void (*fn)(mbr_tmpl *,
	    void *), void *ctx);
#endif
