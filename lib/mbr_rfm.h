/* mbr_rfm.h: recency, frequency and monetary value per member, their
 * scores, segments and lifecycle stages.
 *
 * One streaming pass over the orders fills a table of members (a few
 * dozen bytes each); the scores need the distribution over members, so
 * the metrics are then sorted once per dimension.  Orders are not
 * kept, but for the hash of each paid order's id (24 bytes, mbr_oidset)
 * so that an order read twice counts once; --no-dedupe drops that. */
#ifndef MBR_RFM_H
#define MBR_RFM_H
#include <stdint.h>
#include "mbr_cli.h"
#include "mbr_stats.h"

#define MBR_RFM_MAXALSO	8
#define MBR_RFM_MAXCARRY 8
#define MBR_RFM_MAXBINS	10

enum { MBR_SCORE_QUANTILE, MBR_SCORE_RANK, MBR_SCORE_BINS };
enum { MBR_MODEL_RFM11, MBR_MODEL_RFM8 };

/* A segment rule: name and inclusive score ranges. */
typedef struct {
	char	*name;
	char	*name_zh;
	int	 lo[3], hi[3];	/* r, f, m */
} mbr_segrule;

typedef struct {
	int		 freq_days;	/* --frequency days */
	int		 window;	/* --window Nd; 0: all history */
	int		 also[MBR_RFM_MAXALSO];	/* --also, in days */
	int		 nalso;
	const char	*members;	/* --members FILE */
	int		 scoring;	/* MBR_SCORE_* */
	int		 k;		/* --scores */
	const char	*bins;		/* --bins, parsed once the currency
					 * is known */
	int		 model;		/* MBR_MODEL_* */
	int		 split_median;	/* --split median */
	int		 zh;		/* --lang zh */
	int		 new_days, sleeping_days, churned_days;
	const char	*segments;	/* --segments FILE */
	const char	*thresholds;	/* --thresholds FILE */
	int		 summary;	/* --summary */
	const char	*currency;	/* --currency, else the first order's */
	int		 no_dedupe;	/* --no-dedupe: order ids not kept */
	/* --carry FIELD[:first|last|mode]: an order attribute of the paid
	 * orders brought to the member's record under its own name */
	struct {
		const char	*field;
		size_t		 n;	/* its length */
		int		 how;	/* MBR_CARRY_* */
	}		 carry[MBR_RFM_MAXCARRY];
	int		 ncarry;
} mbr_rfm_opts;

enum { MBR_CARRY_LAST, MBR_CARRY_FIRST, MBR_CARRY_MODE };
/* Parses "country", "store:first", "channel:mode" into o->carry,
 * cutting spec at its colon (o->carry keeps the field's name in it); a
 * usage error in err. */
int	mbr_rfm_parse_carry(mbr_rfm_opts *o, char *spec, mbr_err *err);

#define MBR_RFM_OPTS_DEFAULT { .scoring = MBR_SCORE_QUANTILE, .k = 5, \
	.new_days = 30, .sleeping_days = 60, .churned_days = 90 }

/* The break points of one dimension: a value x scores 1 + the number
 * of breaks b[1..nb-1] with b <= x (x >= b[0] always); nb - 1 = K. */
typedef struct {
	mbr_frac	b[MBR_RFM_MAXBINS + 2];
	int		nb;
} mbr_breaks;

/* The R rfm rule (rfm_table_order): b[0] = min, b[i] = quantile7(i/K)
 * + unit, b[K] = max + unit, over sorted v[0..n), n > 0. */
void	mbr_rfm_breaks(mbr_breaks *br, const int64_t *sorted, size_t n,
	    int k, int64_t unit);
/* 1..K by the breaks (higher values score higher). */
int	mbr_rfm_score(const mbr_breaks *br, int64_t x);
/* --scoring rank: 1 + floor((rank_min - 1) * K / n), rank_min the
 * 1-based rank of the first of x's ties in sorted v. */
int	mbr_rfm_rank_score(const int64_t *sorted, size_t n, int k, int64_t x);

/* Parses "r=30,60 f=1,2,3 m=100,500" (m in major units, scaled by
 * 10^exp): the thresholds of each dimension, ascending, into v[d][],
 * their count into n[d].  MBR_EUSAGE on a bad spec. */
int	mbr_rfm_parse_bins(const char *s, unsigned exp,
	    int64_t v[3][MBR_RFM_MAXBINS], int n[3], mbr_err *err);
/* The built-in rfm11 table and a --segments file (CSV: segment,r,f,m
 * with ranges like 4-5). */
const mbr_segrule *mbr_rfm11(size_t *n);
int	mbr_rfm_load_segments(mbr_segrule **rules, size_t *n,
	    const char *path, mbr_err *err);
/* The first rule matching the scores, or NULL. */
const mbr_segrule *mbr_rfm_segment(const mbr_segrule *rules, size_t n,
	    int r, int f, int m);

int	mbr_rfm_run(const mbr_cli *c, const mbr_rfm_opts *o, int nfiles,
	    char *const files[], mbr_err *err);
#endif
