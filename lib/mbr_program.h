/* mbr_program.h: a loyalty programme, read from its JSON file.
 *
 * The programme is the brand's rule book (man/mbr-points.1): how orders
 * earn points, which multipliers and caps apply, the tiers, when points
 * expire, what a refund takes back.  It is read once, checked whole (an
 * unknown key is a typo, and a typo in a rule book is points wrongly
 * given), and kept as plain numbers: rates and factors as exact
 * decimals, money in minor units, times as instants. */
#ifndef MBR_PROGRAM_H
#define MBR_PROGRAM_H
#include <stdint.h>
#include "mbr_conf.h"
#include "mbr_err.h"
#include "mbr_expr.h"
#include "mbr_time.h"

#define MBR_PROG_MAXLEVELS	16
#define MBR_PROG_MAXMULT	32
#define MBR_PROG_MAXSTEPS	32


enum { MBR_ROUND_FLOOR, MBR_ROUND_NEAREST, MBR_ROUND_CEIL };
enum { MBR_EXP_NEVER, MBR_EXP_MONTHS, MBR_EXP_MONTH_END, MBR_EXP_YEAR_END,
	MBR_EXP_INACTIVE };

typedef struct {
	char	*name;
	mbr_dec	 factor;
	int	 month, monthday, weekday;	/* 0: any */
	int	 has_from, has_to;
	int64_t	 from, to;			/* instants, [from, to) */
	int	 expr;				/* "when": mbr_expr number, -1 */
} mbr_mult;

typedef struct {
	char	*name;
	int64_t	 from;		/* minor units (spend) or points */
	int	 has_factor;
	mbr_dec	 factor;
	int64_t	 gift;
} mbr_level;

typedef struct {
	int64_t	 from;		/* minor units */
	int	 fixed;		/* points, not per */
	mbr_dec	 per;
	int64_t	 points;
	char	 label[40];	/* "ladder:500.00" */
} mbr_step;

typedef struct {
	char		*name;
	char		 cur[8];
	unsigned	 exp;		/* the currency's decimals */
	/* earn */
	mbr_dec		 per;
	mbr_step	 steps[MBR_PROG_MAXSTEPS];
	int		 nsteps;	/* 0: per */
	int		 rounding;	/* MBR_ROUND_* */
	int64_t		 min_amount;
	/* multipliers */
	mbr_mult	 mult[MBR_PROG_MAXMULT];
	int		 nmult;
	int		 best;		/* combine: best, not multiply */
	int64_t		 cap_order, cap_day;	/* 0: none */
	/* tiers */
	mbr_level	 levels[MBR_PROG_MAXLEVELS];
	int		 nlevels;	/* at least 1: the base level */
	int		 tier_points;	/* basis points, not spend */
	int		 calendar;	/* period calendar, not rolling */
	int		 review_m, review_d;
	int		 grace;
	/* expiry */
	int		 expiry;	/* MBR_EXP_* */
	int		 exp_n;		/* months, years or days */
	int		 forgive;	/* clawback: forgive, not negative */
	int64_t		 signup, birthday;
	int		 bday_month;	/* birthday_on: month */
	char		 checksum[17];	/* 16 hex digits */
	mbr_expr	*x;		/* the "when" expressions, or NULL */
} mbr_program;

/* Reads and checks a programme; times in it are local to tz.  A bad
 * file is MBR_EUSAGE with its name and the key at fault ("points.json:
 * earn.rounding: \"down\" is not floor, round or ceil"); an unreadable
 * one MBR_EIO. */
int	mbr_program_load(mbr_program **p, const char *path, mbr_tz *tz,
	    mbr_err *err);
/* The same from text, src naming it in messages. */
int	mbr_program_parse(mbr_program **p, const char *src, const char *text,
	    size_t n, mbr_tz *tz, mbr_err *err);
void	mbr_program_free(mbr_program *p);
/* The level of a qualifying value: the highest whose from it reaches. */
int	mbr_program_level(const mbr_program *p, int64_t v);
/* A level by name, or -1. */
int	mbr_program_level_named(const mbr_program *p, const char *s,
	    size_t n);
#endif
