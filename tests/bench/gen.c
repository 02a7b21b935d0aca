/*
 * gen: deterministic synthetic orders and member profiles for benchmarks.
 *
 * usage: gen [-v] [--seed n] [--orders n] [--members m] [--bad fraction]
 *            [--start yyyy-mm-dd] [--years n] [--profiles file]
 *            [--format csv|ndjson] [-o file]
 *
 * Build: gcc -O2 -std=c11 -D_POSIX_C_SOURCE=200809L -Wall -Wextra -Werror
 *        -o gen tests/bench/gen.c -lm
 *
 * Defaults: --seed 1, --orders 10000, --members orders/5, --bad 0,
 * --start 2022-01-01, --years 3, --format csv, standard output. The
 * profiles use the orders' format.
 *
 * The member base follows the BG/NBD story. Member i signs up at a time
 * drawn uniformly over the period (in "shopping time", see below), buys
 * at a personal Poisson rate lambda_i ~ Gamma(0.6) and, after each
 * purchase, lapses for good with a personal probability p_i ~ Beta(1.2,
 * 3.5). Spend per order follows a personal price position (normal, so the
 * order value is roughly lognormal across members). Frequency and value
 * heterogeneity together give the Pareto shape: a fifth of the buyers
 * bring about two thirds of the paid revenue.
 *
 * Exactly --orders rows. One global intensity c scales every rate
 * (lambda_i * c) and divides every lapse probability (p_i / c), which
 * keeps a member's expected lifetime in calendar time. With the random
 * draws fixed, the k-th order of member i exists iff c >= theta_ik, with
 * theta_ik = max(S_ik / (lambda_i W_i), max_{j<k} p_i / U_ij): S_ik the
 * sum of k unit exponentials, W_i the time left after signup, U_ij the
 * uniform of the lapse draw after order j. theta is non-decreasing in k,
 * so choosing c as the N-th smallest theta (ties broken by member, then
 * order number) yields exactly N orders. c is found without holding
 * thetas in memory: a pass over a sample of members estimates it, a full
 * pass fills a histogram of theta keyed by the top bits of the double,
 * and a last pass collects the thetas of the one bucket holding the N-th.
 * Memory grows with the number of members (about 75 bytes each), never
 * with the number of orders.
 *
 * Shopping time warps the clock with integer weights per hour: evenings
 * busier than nights, weekends a little busier, and the promotion days
 * (11-11, 6-18, 12-12, 3-8, ...) much busier, 11-11 right after midnight
 * most of all.
 *
 * Output is in time order. Each member's next order waits, as the key
 * (second, member index), in the vector of its day; a day's vector is
 * sorted and merged with a small heap of the orders drawn that same day.
 * A member's next order is drawn as its current one is written.
 *
 * Determinism. Random numbers come from counter-based splitmix64 streams
 * keyed by (seed, member, order number), so they do not depend on the
 * order of evaluation. No libm function but sqrt (correctly rounded by
 * IEEE 754) is used: log and exp are computed here from + - * / and the
 * exact frexp/ldexp. Contraction into fused multiply-add is switched off
 * below and x87 extended precision is refused, so the same arguments give
 * byte-identical output on any IEEE 754 machine (do not add -ffast-math).
 * Amounts, prices and discounts are integer cents throughout. Member
 * identities (member_id, name, gender, phone, email, openid, birthday,
 * consents) depend on the member index only, not on --seed: the first M
 * members of a larger base are the same people. --bad changes only the
 * damaged rows: every other byte stays as without it.
 */
#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#elif defined(__GNUC__)
#pragma GCC optimize("fp-contract=off")
#endif

#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if !defined(FLT_EVAL_METHOD) || FLT_EVAL_METHOD != 0
#error "gen needs FLT_EVAL_METHOD 0 (e.g. -msse2 -mfpmath=sse on i386)"
#endif

enum { EXIT_DATA = 1, EXIT_USAGE = 2, EXIT_IO = 3 };

static const char usage_text[] =
    "usage: gen [-v] [--seed n] [--orders n] [--members m] [--bad fraction]\n"
    "           [--start yyyy-mm-dd] [--years n] [--profiles file]\n"
    "           [--format csv|ndjson] [-o file]\n";

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

/* ---------------------------------------------------------------- */
/* Random numbers */

#define GOLDEN	0x9e3779b97f4a7c15ULL

static uint64_t
mix64(uint64_t z)
{
	z ^= z >> 30;
	z *= 0xbf58476d1ce4e5b9ULL;
	z ^= z >> 27;
	z *= 0x94d049bb133111ebULL;
	z ^= z >> 31;
	return z;
}

typedef struct {
	uint64_t s;
} rng;

static uint64_t
rnext(rng *r)
{
	r->s += GOLDEN;
	return mix64(r->s);
}

/* Uniform in (0, 1]: never 0, so its log is finite. */
static double
runit(rng *r)
{
	return (double)((rnext(r) >> 11) + 1) * 0x1p-53;
}

/* Uniform in [0, n); the bias is below n / 2^32. */
static uint32_t
rbelow(rng *r, uint32_t n)
{
	return (uint32_t)(((rnext(r) >> 32) * n) >> 32);
}

/* Index drawn with integer weights w[0..n-1] summing to total. */
static int
rweighted(rng *r, const uint16_t *w, int n, uint32_t total)
{
	uint32_t x = rbelow(r, total);
	int i;

	for (i = 0; i < n - 1; i++) {
		if (x < w[i])
			return i;
		x -= w[i];
	}
	return n - 1;
}

/*
 * log and exp from basic operations only: glibc, musl and the BSDs
 * round the last bit differently, and a flipped bit could flip a
 * comparison and change the output.
 */
static double
mlog(double x)
{
	static const double c[] = {
		1.0 / 23, 1.0 / 21, 1.0 / 19, 1.0 / 17, 1.0 / 15, 1.0 / 13,
		1.0 / 11, 1.0 / 9, 1.0 / 7, 1.0 / 5, 1.0 / 3, 1.0
	};
	double m, f, s, p;
	size_t j;
	int e;

	m = frexp(x, &e);
	if (m < 0.70710678118654752440) {
		m *= 2;
		e--;
	}
	/* log m = 2 atanh f, |f| < 0.172: twelve terms reach 1e-17. */
	f = (m - 1) / (m + 1);
	s = f * f;
	p = c[0];
	for (j = 1; j < NELEM(c); j++) {
		p = p * s;
		p = p + c[j];
	}
	p = 2 * f * p;
	return p + e * 0.69314718055994530942;
}

static double
mexp(double x)
{
	double n, r, p;
	int k, j;

	if (x < -700)
		return 0;
	if (x > 700)
		x = 700;
	n = x * 1.44269504088896340736;
	k = (int)(n >= 0 ? n + 0.5 : n - 0.5);
	r = x - k * 6.93147180369123816490e-01;
	r = r - k * 1.90821492927058770002e-10;
	/* |r| < 0.35: Horner over Taylor to r^14 reaches 1e-17. */
	p = 1;
	for (j = 14; j >= 1; j--) {
		p = p * r / j;
		p = p + 1;
	}
	return ldexp(p, k);
}

/* Marsaglia's polar method: needs log and sqrt, not sin and cos. */
static double
rnormal(rng *r)
{
	double u, v, s;

	do {
		u = 2 * runit(r) - 1;
		v = 2 * runit(r) - 1;
		s = u * u + v * v;
	} while (s >= 1 || s == 0);
	return u * sqrt(-2 * mlog(s) / s);
}

/* Marsaglia and Tsang; shape below 1 by the U^(1/a) boost. */
static double
rgamma(rng *r, double a)
{
	double d, c, x, v, u;

	if (a < 1) {
		double g = rgamma(r, a + 1);

		return g * mexp(mlog(runit(r)) / a);
	}
	d = a - 1.0 / 3;
	c = 1 / sqrt(9 * d);
	for (;;) {
		do {
			x = rnormal(r);
			v = 1 + c * x;
		} while (v <= 0);
		v = v * v * v;
		u = runit(r);
		if (u < 1 - 0.0331 * x * x * x * x)
			return d * v;
		if (mlog(u) < 0.5 * x * x + d * (1 - v + mlog(v)))
			return d * v;
	}
}

/* ---------------------------------------------------------------- */
/* Calendar */

static int64_t
days_from_civil(int64_t y, unsigned m, unsigned d)
{
	int64_t era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

static void
civil_from_days(int64_t z, int *yp, int *mp, int *dp)
{
	int64_t era, y;
	unsigned doe, yoe, doy, mp_, d, m;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = (unsigned)(z - era * 146097);
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	y = (int64_t)yoe + era * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp_ = (5 * doy + 2) / 153;
	d = doy - (153 * mp_ + 2) / 5 + 1;
	m = mp_ < 10 ? mp_ + 3 : mp_ - 9;
	*yp = (int)(y + (m <= 2));
	*mp = (int)m;
	*dp = (int)d;
}

static int
days_in_month(int y, int m)
{
	static const int dim[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31,
	    30, 31 };

	if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return 29;
	return dim[m - 1];
}

/* Relative order intensity by hour of day, Beijing time. */
static const uint16_t hour_w[24] = {
	30, 15, 8, 5, 4, 5, 10, 20, 35, 50, 60, 65,
	70, 65, 60, 60, 65, 70, 80, 95, 115, 130, 120, 70
};

/* Day weight, 100 = an ordinary weekday. */
static unsigned
day_weight(int m, int d, int wday)
{
	if (m == 11 && d == 11)
		return 900;
	if (m == 11 && d < 11)
		return 160;
	if (m == 11 && d == 12)
		return 150;
	if (m == 6 && d == 18)
		return 450;
	if (m == 6 && d < 18)
		return 140;
	if ((m == 12 && d == 12) || (m == 3 && d == 8))
		return 250;
	if (m == 5 && d == 20)
		return 180;
	if (m == 2 && d == 14)
		return 160;
	return (wday == 0 || wday == 6) ? 110 : 100;
}

/* ---------------------------------------------------------------- */
/* Catalogue */

enum { SKINCARE, MAKEUP, FRAGRANCE, HAIRCARE, BODYCARE, TOOLS, NCAT };

static const char *const cat_name[NCAT] = {
	"skincare", "makeup", "fragrance", "haircare", "bodycare", "tools"
};
static const uint16_t cat_w[NCAT] = { 34, 26, 10, 12, 12, 6 };

/* Variant kinds: sizes with price multipliers (tenths), or shades. */
enum { V_SKIN, V_SHADE, V_ONE, V_BOTTLE, V_PERFUME };

/* Two names carry a comma and quotes: the CSV must quote them. */
static const struct stem {
	const char	*name;
	uint8_t		 cat;
	uint8_t		 vk;
	uint16_t	 yuan;
} stems[] = {
	{ "玻尿酸补水精华", SKINCARE, V_SKIN, 299 },
	{ "视黄醇抗老面霜", SKINCARE, V_SKIN, 459 },
	{ "氨基酸洁面乳", SKINCARE, V_SKIN, 89 },
	{ "烟酰胺美白精华液", SKINCARE, V_SKIN, 369 },
	{ "积雪草修护面膜 5片装", SKINCARE, V_ONE, 99 },
	{ "神经酰胺保湿乳液", SKINCARE, V_SKIN, 189 },
	{ "小分子爽肤水", SKINCARE, V_SKIN, 159 },
	{ "抗皱紧致眼霜", SKINCARE, V_SKIN, 529 },
	{ "清透防晒霜 SPF50+", SKINCARE, V_SKIN, 169 },
	{ "玫瑰精华油", SKINCARE, V_SKIN, 399 },
	{ "维C焕亮安瓶 7支装", SKINCARE, V_ONE, 239 },
	{ "黑绷带面霜", SKINCARE, V_SKIN, 1180 },
	{ "Hydra Serum", SKINCARE, V_SKIN, 329 },
	{ "Night Repair Cream", SKINCARE, V_SKIN, 699 },
	{ "面霜, 眼霜 套装", SKINCARE, V_ONE, 599 },
	{ "\"小棕瓶\" 修护精华", SKINCARE, V_SKIN, 690 },
	{ "丝绒哑光口红", MAKEUP, V_SHADE, 320 },
	{ "持妆粉底液 30ml", MAKEUP, V_SHADE, 420 },
	{ "大地色眼影盘", MAKEUP, V_SHADE, 389 },
	{ "纤长睫毛膏", MAKEUP, V_ONE, 149 },
	{ "柔雾腮红", MAKEUP, V_SHADE, 129 },
	{ "控油散粉", MAKEUP, V_ONE, 239 },
	{ "防水眉笔", MAKEUP, V_SHADE, 59 },
	{ "水光气垫", MAKEUP, V_SHADE, 279 },
	{ "遮瑕液", MAKEUP, V_SHADE, 99 },
	{ "镜面唇釉", MAKEUP, V_SHADE, 139 },
	{ "Velvet Lipstick", MAKEUP, V_SHADE, 350 },
	{ "淡香水 栀子", FRAGRANCE, V_PERFUME, 520 },
	{ "浓香水 玫瑰", FRAGRANCE, V_PERFUME, 880 },
	{ "香氛蜡烛 雪松 180g", FRAGRANCE, V_ONE, 399 },
	{ "香体喷雾 白茶", FRAGRANCE, V_PERFUME, 199 },
	{ "固体香膏 橙花", FRAGRANCE, V_ONE, 159 },
	{ "Eau de Parfum Jasmine", FRAGRANCE, V_PERFUME, 1099 },
	{ "氨基酸洗发水", HAIRCARE, V_BOTTLE, 79 },
	{ "丝滑护发素", HAIRCARE, V_BOTTLE, 69 },
	{ "修护发膜", HAIRCARE, V_BOTTLE, 119 },
	{ "护发精油 100ml", HAIRCARE, V_ONE, 189 },
	{ "头皮精华", HAIRCARE, V_SKIN, 329 },
	{ "防脱洗发露", HAIRCARE, V_BOTTLE, 129 },
	{ "烟酰胺身体乳", BODYCARE, V_BOTTLE, 99 },
	{ "香氛沐浴露", BODYCARE, V_BOTTLE, 79 },
	{ "滋润护手霜 3支装", BODYCARE, V_ONE, 69 },
	{ "海盐身体磨砂", BODYCARE, V_BOTTLE, 129 },
	{ "按摩精油", BODYCARE, V_SKIN, 199 },
	{ "Body Lotion Shea", BODYCARE, V_BOTTLE, 159 },
	{ "化妆刷套装 12支", TOOLS, V_ONE, 199 },
	{ "美妆蛋 2只装", TOOLS, V_ONE, 39 },
	{ "睫毛夹", TOOLS, V_ONE, 49 },
	{ "洁面仪", TOOLS, V_ONE, 899 },
	{ "负离子卷发棒", TOOLS, V_ONE, 399 },
	{ "化妆棉 200片", TOOLS, V_ONE, 19 },
	{ "LED美容仪", TOOLS, V_ONE, 2999 },
};

static const struct vkind {
	int		 n;
	const char	*suffix[4];
	uint8_t		 mult[4];	/* price multiplier in tenths */
} vkinds[] = {
	[V_SKIN] = { 3, { " 30ml", " 50ml", " 100ml" }, { 10, 15, 26 } },
	[V_SHADE] = { 4, { " #01", " #02", " #316", " #999" },
	    { 10, 10, 10, 10 } },
	[V_ONE] = { 1, { "" }, { 10 } },
	[V_BOTTLE] = { 2, { " 300ml", " 500ml" }, { 10, 15 } },
	[V_PERFUME] = { 3, { " 30ml", " 50ml", " 100ml" }, { 10, 14, 22 } },
};

#define MAXPROD	256

typedef struct {
	char		name[64];
	uint32_t	sku;
	int64_t		cents;
	uint8_t		cat;
} product;

typedef struct {
	product	p[MAXPROD];
	int	n;
	int	first[NCAT];	/* products of a category are contiguous, */
	int	count[NCAT];	/* ascending in price */
} catalogue;

static int
prodcmp(const void *a, const void *b)
{
	const product *x = a, *y = b;

	if (x->cat != y->cat)
		return x->cat < y->cat ? -1 : 1;
	if (x->cents != y->cents)
		return x->cents < y->cents ? -1 : 1;
	return x->sku < y->sku ? -1 : x->sku > y->sku;
}

/* Prices end like real ones: 89.00, 129.90, 1299.50. */
static void
catalogue_init(catalogue *cg)
{
	uint32_t serial[NCAT] = { 0 };
	size_t s;
	int v, c;

	memset(cg, 0, sizeof(*cg));
	for (s = 0; s < NELEM(stems); s++) {
		const struct stem *st = &stems[s];
		const struct vkind *vk = &vkinds[st->vk];

		for (v = 0; v < vk->n; v++) {
			product *p = &cg->p[cg->n++];
			uint64_t h = mix64(0x5eed0000ULL + s * 8 + (unsigned)v);
			int64_t y = (int64_t)st->yuan * vk->mult[v] / 10;

			snprintf(p->name, sizeof(p->name), "%s%s", st->name,
			    vk->suffix[v]);
			p->cat = st->cat;
			p->sku = (uint32_t)(st->cat + 1) * 10000 +
			    ++serial[st->cat];
			if (y >= 1000)
				y = y / 100 * 100 + 99;
			else if (y >= 30)
				y = y / 10 * 10 + 9;
			p->cents = y * 100;
			if (h % 100 < 25)
				p->cents += 90;
			else if (h % 100 < 40)
				p->cents += 50;
		}
	}
	qsort(cg->p, (size_t)cg->n, sizeof(cg->p[0]), prodcmp);
	for (c = 0; c < NCAT; c++)
		cg->first[c] = -1;
	for (v = 0; v < cg->n; v++) {
		c = cg->p[v].cat;
		if (cg->first[c] < 0)
			cg->first[c] = v;
		cg->count[c]++;
	}
}

/* ---------------------------------------------------------------- */
/* Names and identities: functions of the member index only */

static const struct syl {
	const char *han, *pin;
} surnames[] = {
	{ "王", "Wang" }, { "李", "Li" }, { "张", "Zhang" }, { "刘", "Liu" },
	{ "陈", "Chen" }, { "杨", "Yang" }, { "黄", "Huang" }, { "赵", "Zhao" },
	{ "吴", "Wu" }, { "周", "Zhou" }, { "徐", "Xu" }, { "孙", "Sun" },
	{ "马", "Ma" }, { "朱", "Zhu" }, { "胡", "Hu" }, { "郭", "Guo" },
	{ "何", "He" }, { "林", "Lin" }, { "罗", "Luo" }, { "高", "Gao" },
	{ "郑", "Zheng" }, { "梁", "Liang" }, { "谢", "Xie" }, { "宋", "Song" },
	{ "唐", "Tang" }, { "许", "Xu" }, { "韩", "Han" }, { "冯", "Feng" },
	{ "邓", "Deng" }, { "曹", "Cao" }, { "彭", "Peng" }, { "曾", "Zeng" },
	{ "萧", "Xiao" }, { "田", "Tian" }, { "董", "Dong" }, { "潘", "Pan" },
	{ "袁", "Yuan" }, { "蔡", "Cai" }, { "蒋", "Jiang" }, { "余", "Yu" },
	{ "杜", "Du" }, { "叶", "Ye" }, { "程", "Cheng" }, { "魏", "Wei" },
	{ "苏", "Su" }, { "沈", "Shen" }, { "欧阳", "Ouyang" },
	{ "上官", "Shangguan" },
};

static const struct syl female[] = {
	{ "芳", "fang" }, { "娜", "na" }, { "敏", "min" }, { "静", "jing" },
	{ "丽", "li" }, { "艳", "yan" }, { "婷", "ting" }, { "雪", "xue" },
	{ "琳", "lin" }, { "慧", "hui" }, { "颖", "ying" }, { "倩", "qian" },
	{ "玲", "ling" }, { "欣", "xin" }, { "怡", "yi" }, { "佳", "jia" },
	{ "雨", "yu" }, { "萱", "xuan" }, { "梦", "meng" }, { "诗", "shi" },
	{ "涵", "han" }, { "悦", "yue" }, { "瑶", "yao" }, { "思", "si" },
	{ "琪", "qi" }, { "璐", "lu" }, { "晓", "xiao" }, { "婧", "jing" },
};

static const struct syl male[] = {
	{ "伟", "wei" }, { "强", "qiang" }, { "磊", "lei" }, { "军", "jun" },
	{ "洋", "yang" }, { "勇", "yong" }, { "杰", "jie" }, { "涛", "tao" },
	{ "明", "ming" }, { "超", "chao" }, { "斌", "bin" }, { "鹏", "peng" },
	{ "浩", "hao" }, { "宇", "yu" }, { "辉", "hui" }, { "俊", "jun" },
	{ "峰", "feng" }, { "刚", "gang" }, { "轩", "xuan" }, { "博", "bo" },
	{ "文", "wen" }, { "凯", "kai" }, { "哲", "zhe" }, { "昊", "hao" },
};

static const char *const en_female[] = {
	"Emma", "Olivia", "Sophia", "Grace", "Chloe", "Lily", "Zoe", "Mia",
	"Amy", "Vivian", "Cherry", "Coco", "Jessica", "Linda", "Anna", "Iris",
	"Cindy", "Vicky", "Sunny", "Fiona",
};
static const char *const en_male[] = {
	"James", "Kevin", "Jason", "Eric", "David", "Leo", "Tony", "Jack",
	"Ryan", "Alex",
};

static const char *const nick_stems[] = {
	"小仙女", "爱吃鱼的猫", "柠檬不萌", "星星点灯", "奶茶三分糖",
	"晴天娃娃", "甜心宝贝", "追光者", "一只小可爱", "momo酱",
};

static const uint16_t phone_pre[30] = {
	130, 131, 132, 133, 134, 135, 136, 137, 138, 139,
	150, 151, 152, 153, 154, 155, 156, 157, 158, 159,
	180, 181, 182, 183, 184, 185, 186, 187, 188, 189,
};

static const struct {
	const char	*name;
	uint16_t	 w;
	uint8_t		 numeric;	/* local part is a QQ number */
} domains[] = {
	{ "qq.com", 40, 1 }, { "163.com", 22, 0 }, { "126.com", 8, 0 },
	{ "gmail.com", 8, 0 }, { "outlook.com", 6, 0 }, { "sina.com", 6, 0 },
	{ "foxmail.com", 5, 1 }, { "icloud.com", 5, 0 },
};

enum { ID_PHONE, ID_EMAIL, ID_NICK };

typedef struct {
	uint64_t	key;		/* identity hash */
	uint64_t	num;		/* unique number below 3e9 */
	int		kind;
	char		gender;		/* 'F', 'M' or 0 */
	char		name[48];
	char		pinyin[40];	/* lowercase, for e-mail addresses */
} ident;

/*
 * A bijection of [0, 3e9) that looks random: murmur3's finaliser is a
 * bijection of 32-bit words; walking its cycle until the value falls
 * below 3e9 again keeps it one (1.4 steps on average). Phone numbers,
 * QQ numbers and nick suffixes all come from it, so ids never collide.
 */
static uint64_t
member_num(uint32_t i)
{
	uint32_t x = i;

	do {
		x ^= 0x2545f491U;
		x ^= x >> 16;
		x *= 0x85ebca6bU;
		x ^= x >> 13;
		x *= 0xc2b2ae35U;
		x ^= x >> 16;
	} while (x >= 3000000000U);
	return x;
}

static size_t
put_u(char *p, uint64_t v, int width)
{
	char t[24];
	size_t n = 0, k = 0;

	do {
		t[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	while ((int)n < width)
		t[n++] = '0';
	while (n > 0)
		p[k++] = t[--n];
	return k;
}

static size_t
put_b36(char *p, uint64_t v)
{
	static const char dig[] = "0123456789abcdefghijklmnopqrstuvwxyz";
	char t[16];
	size_t n = 0, k = 0;

	do {
		t[n++] = dig[v % 36];
		v /= 36;
	} while (v != 0);
	while (n > 0)
		p[k++] = t[--n];
	return k;
}

static size_t
put_s(char *p, const char *s)
{
	size_t n = strlen(s);

	memcpy(p, s, n);
	return n;
}

static void
ident_init(ident *id, uint32_t i)
{
	rng r = { mix64(0x1de47177ULL + (uint64_t)i * GOLDEN) };
	const struct syl *sn, *g1, *g2 = NULL, *gv;
	size_t ngv, a, b, n = 0, pn = 0;
	uint32_t x;
	char *q;

	id->key = r.s;
	id->num = member_num(i);
	x = rbelow(&r, 100);
	id->kind = x < 78 ? ID_PHONE : x < 92 ? ID_EMAIL : ID_NICK;
	x = rbelow(&r, 100);
	id->gender = x < 78 ? 'F' : x < 96 ? 'M' : 0;
	if (id->gender == 'M' || (id->gender == 0 && x % 2 == 0)) {
		gv = male;
		ngv = NELEM(male);
	} else {
		gv = female;
		ngv = NELEM(female);
	}
	/* The smaller of two draws favours the common surnames. */
	a = rbelow(&r, NELEM(surnames));
	b = rbelow(&r, NELEM(surnames));
	sn = &surnames[a < b ? a : b];
	g1 = &gv[rbelow(&r, (uint32_t)ngv)];
	if (rbelow(&r, 100) < 70)
		g2 = &gv[rbelow(&r, (uint32_t)ngv)];

	q = id->pinyin;
	for (a = 0; sn->pin[a] != '\0'; a++)
		q[pn++] = (char)(sn->pin[a] | 0x20);
	pn += put_s(q + pn, g1->pin);
	if (g2 != NULL)
		pn += put_s(q + pn, g2->pin);
	q[pn] = '\0';

	q = id->name;
	x = rbelow(&r, 100);
	if (x < 80) {
		n += put_s(q + n, sn->han);
		n += put_s(q + n, g1->han);
		if (g2 != NULL)
			n += put_s(q + n, g2->han);
	} else if (x < 90) {
		/* Pinyin, surname first: "Li Na", "Wang Xiaoyu". */
		n += put_s(q + n, sn->pin);
		q[n++] = ' ';
		q[n++] = (char)(g1->pin[0] & ~0x20);
		n += put_s(q + n, g1->pin + 1);
		if (g2 != NULL)
			n += put_s(q + n, g2->pin);
	} else {
		/* An English given name: "Emma Chen". */
		if (gv == male)
			n += put_s(q + n, en_male[rbelow(&r, NELEM(en_male))]);
		else
			n += put_s(q + n,
			    en_female[rbelow(&r, NELEM(en_female))]);
		q[n++] = ' ';
		n += put_s(q + n, sn->pin);
	}
	q[n] = '\0';
}

static size_t
put_phone(char *p, const ident *id)
{
	size_t n = 0;

	n += put_s(p, "+86");
	n += put_u(p + n, phone_pre[id->num / 100000000], 0);
	n += put_u(p + n, id->num % 100000000, 8);
	return n;
}

static size_t
put_email(char *p, const ident *id)
{
	rng r = { id->key ^ 0xe3a11ULL };
	uint32_t x = rbelow(&r, 100);
	size_t d, n = 0;

	for (d = 0; d < NELEM(domains) - 1; d++) {
		if (x < domains[d].w)
			break;
		x -= domains[d].w;
	}
	if (domains[d].numeric)
		n += put_u(p, id->num + 10000, 0);
	else {
		n += put_s(p, id->pinyin);
		p[n++] = '_';
		n += put_b36(p + n, id->num);
	}
	p[n++] = '@';
	n += put_s(p + n, domains[d].name);
	return n;
}

static size_t
put_member_id(char *p, const ident *id)
{
	size_t n = 0;

	switch (id->kind) {
	case ID_PHONE:
		n += put_s(p, "phone:");
		n += put_phone(p + n, id);
		break;
	case ID_EMAIL:
		n += put_s(p, "email:");
		n += put_email(p + n, id);
		break;
	default:
		n += put_s(p, "nick:tmall:");
		if (id->key % 2 == 0) {
			n += put_s(p + n, "tb");
			n += put_u(p + n, id->num, 10);
		} else {
			n += put_s(p + n,
			    nick_stems[(id->key >> 8) % NELEM(nick_stems)]);
			p[n++] = '_';
			n += put_b36(p + n, id->num);
		}
		break;
	}
	return n;
}

/* Openids of one official account share their first characters. */
static size_t
put_openid(char *p, const ident *id)
{
	static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmn"
	    "opqrstuvwxyz0123456789-_";
	rng r = { id->key ^ 0x0be11dULL };
	uint64_t h = 0;
	size_t n, j;

	n = put_s(p, "o6_bmj");
	for (j = 0; j < 22; j++) {
		if (j % 10 == 0)
			h = rnext(&r);
		p[n++] = b64[h & 63];
		h >>= 6;
	}
	return n;
}

/* ---------------------------------------------------------------- */
/* Output */

typedef struct {
	FILE		*fp;
	const char	*name;
	char		*buf;
	size_t		 len, cap;
} writer;

static void
die_io(const char *name)
{
	fprintf(stderr, "gen: %s: %s\n", name, strerror(errno));
	exit(EXIT_IO);
}

static void
die_nomem(void)
{
	fprintf(stderr, "gen: out of memory\n");
	exit(EXIT_IO);
}

static void
w_flush(writer *w)
{
	if (w->len > 0 && fwrite(w->buf, 1, w->len, w->fp) != w->len)
		die_io(w->name);
	w->len = 0;
}

static void
w_put(writer *w, const char *s, size_t n)
{
	if (w->len + n > w->cap)
		w_flush(w);
	memcpy(w->buf + w->len, s, n);
	w->len += n;
}

static void
w_open(writer *w, const char *path)
{
	w->cap = 1 << 20;
	w->len = 0;
	if ((w->buf = malloc(w->cap)) == NULL)
		die_nomem();
	if (path == NULL || strcmp(path, "-") == 0) {
		w->fp = stdout;
		w->name = "stdout";
	} else {
		w->name = path;
		if ((w->fp = fopen(path, "w")) == NULL)
			die_io(path);
	}
}

static void
w_close(writer *w)
{
	w_flush(w);
	if (fflush(w->fp) != 0 || ferror(w->fp))
		die_io(w->name);
	if (w->fp != stdout && fclose(w->fp) != 0)
		die_io(w->name);
	free(w->buf);
}

typedef struct {
	const char	*name;
	const char	*v;
	size_t		 n;
} field;

/*
 * One record, CSV (RFC 4180 quoting, only where needed) or NDJSON with
 * every value a string. skip drops one field; cut > 0 ends the record
 * before field cut and without its end (a truncated export line).
 */
static void
w_record(writer *w, int json, const field *f, int nf, int skip, int cut)
{
	static const char hx[] = "0123456789abcdef";
	char tmp[1024];
	int j, first = 1;

	if (json)
		w_put(w, "{", 1);
	for (j = 0; j < nf; j++) {
		const char *s = f[j].v;
		size_t n = f[j].n, k, t = 0;

		if (j == skip)
			continue;
		if (cut > 0 && j == cut)
			break;
		if (!first)
			w_put(w, ",", 1);
		first = 0;
		if (json) {
			tmp[t++] = '"';
			t += put_s(tmp + t, f[j].name);
			tmp[t++] = '"';
			tmp[t++] = ':';
			tmp[t++] = '"';
			for (k = 0; k < n && t < sizeof(tmp) - 8; k++) {
				unsigned char c = (unsigned char)s[k];

				if (c == '"' || c == '\\') {
					tmp[t++] = '\\';
					tmp[t++] = (char)c;
				} else if (c < 0x20) {
					t += put_s(tmp + t, "\\u00");
					tmp[t++] = hx[c >> 4];
					tmp[t++] = hx[c & 15];
				} else
					tmp[t++] = (char)c;
			}
			tmp[t++] = '"';
			w_put(w, tmp, t);
			continue;
		}
		for (k = 0; k < n; k++)
			if (s[k] == ',' || s[k] == '"' || s[k] == '\n' ||
			    s[k] == '\r')
				break;
		if (k == n) {
			w_put(w, s, n);
			continue;
		}
		tmp[t++] = '"';
		for (k = 0; k < n && t < sizeof(tmp) - 4; k++) {
			if (s[k] == '"')
				tmp[t++] = '"';
			tmp[t++] = s[k];
		}
		tmp[t++] = '"';
		w_put(w, tmp, t);
	}
	if (json && cut == 0)
		w_put(w, "}", 1);
	w_put(w, "\n", 1);
}

static void
w_header(writer *w, const char *const *names, int nf)
{
	int j;

	for (j = 0; j < nf; j++) {
		if (j > 0)
			w_put(w, ",", 1);
		w_put(w, names[j], strlen(names[j]));
	}
	w_put(w, "\n", 1);
}

/* ---------------------------------------------------------------- */
/* The member base */

typedef struct {
	double		lw;	/* rate times time left, in shopping days */
	double		p;	/* lapse probability per order at c = 1 */
	double		ls;	/* signup, shopping days since start */
	double		s;	/* sum of the exponential gaps so far */
	double		l;	/* largest lapse threshold so far */
	int64_t		spend;	/* paid cents, for the tier */
	uint32_t	signup;	/* seconds since start */
	uint32_t	k;	/* orders written */
	uint16_t	q;	/* price position, 0..65535 */
} member;

/*
 * Mean purchase rate per shopping day at c = 1: 5 orders per member
 * over 3 years, the ratio of the large case, comes out near
 * c = 1, so the lapse probabilities are the ones drawn.
 */
#define BASE_RATE	(1.0 / 28)
#define RATE_SHAPE	0.6
#define LAPSE_A		1.2
#define LAPSE_B		3.5

#define HIST_SUB	12		/* mantissa bits per histogram key */
#define HIST_OCT	48		/* octaves below the limit */
#define HIST_N		((HIST_OCT << HIST_SUB) + 1)

typedef struct {
	uint64_t	 seedkey;
	uint64_t	 norders;
	uint32_t	 nmembers;
	uint32_t	 ppb_bad;	/* bad rows per 1e9 */
	int		 json;
	int		 verbose;
	int64_t		 day0;		/* days since 1970 of --start */
	uint32_t	 ndays;
	uint32_t	 nsec;
	double		*cum;		/* shopping days at each hour start */
	uint16_t	*dayw;
	double		 ltot;		/* shopping days in the period */
	member		*mem;
	catalogue	 cat;
	/* The intensity and its tie-break. */
	double		 c;
	uint32_t	 ci, ck;
	/* Running totals. */
	uint64_t	 written, nbad;
	int64_t		 revenue;
	uint32_t	 buyers;
} gen;

static void *
xcalloc(size_t n, size_t sz)
{
	void *p = calloc(n, sz);

	if (p == NULL)
		die_nomem();
	return p;
}

static uint64_t
member_key(const gen *g, uint32_t i)
{
	return mix64(g->seedkey + (uint64_t)i * GOLDEN);
}

/* Stream j of member key km: 0 parameters, then orders 1, 2, ... */
static rng
stream(uint64_t km, uint64_t j, uint64_t kind)
{
	rng r = { mix64(km ^ (j * 0xd1b54a32d192ed03ULL) ^ kind) };

	return r;
}

#define S_ARRIVAL	0
#define S_ATTR		0xa5a5a5a5a5a5a5a5ULL

/* The second where shopping time u falls. */
static uint32_t
warp_inv(const gen *g, double u)
{
	uint32_t lo = 0, hi = g->ndays * 24, h, sec;
	double f;

	/* Largest hour h with cum[h] <= u. */
	while (hi - lo > 1) {
		h = lo + (hi - lo) / 2;
		if (g->cum[h] <= u)
			lo = h;
		else
			hi = h;
	}
	h = lo;
	f = (u - g->cum[h]) / (g->cum[h + 1] - g->cum[h]);
	sec = f <= 0 ? 0 : f >= 1 ? 3599 : (uint32_t)(f * 3600);
	if (sec > 3599)
		sec = 3599;
	return h * 3600 + sec;
}

static void
member_init(const gen *g, uint32_t i, member *m)
{
	rng r = stream(member_key(g, i), 0, S_ARRIVAL);
	double lam, a, b, z;

	memset(m, 0, sizeof(*m));
	m->ls = (double)(rnext(&r) >> 11) * 0x1p-53 * g->ltot;
	lam = BASE_RATE * rgamma(&r, RATE_SHAPE) / RATE_SHAPE;
	m->lw = lam * (g->ltot - m->ls);
	if (m->lw < 1e-300)
		m->lw = 1e-300;
	a = rgamma(&r, LAPSE_A);
	b = rgamma(&r, LAPSE_B);
	m->p = a / (a + b);
	z = rnormal(&r);
	/* Logistic of the price position, centred on the cheaper third of
	 * each category: a few members buy the top shelf. */
	m->q = (uint16_t)(65535 / (1 + mexp(0.8 - 1.1 * z)));
	m->signup = warp_inv(g, m->ls);
}

/*
 * Order k of a member: draws its gap and lapse, returns its theta and,
 * in *x, its arrival in units of the member's time left. All passes call
 * this one function, so their arithmetic is identical.
 */
static double
step(uint64_t km, uint32_t k, const member *m, double *s, double *l,
    double *x)
{
	rng r = stream(km, k, S_ARRIVAL);
	double e = -mlog(runit(&r));
	double u = runit(&r);
	double th;

	*s += e;
	*x = *s / m->lw;
	th = *x < *l ? *l : *x;
	u = m->p / u;
	if (u > *l)
		*l = u;
	return th;
}

/* Positive doubles order as their bit patterns do. */
static uint64_t
hkey(double th)
{
	uint64_t b;

	memcpy(&b, &th, sizeof(b));
	return b >> (52 - HIST_SUB);
}

static double
hedge(uint64_t key)
{
	uint64_t b = key << (52 - HIST_SUB);
	double d;

	memcpy(&d, &b, sizeof(d));
	return d;
}

/* The lowest key with a bucket of its own when the limit is lim. */
static uint64_t
hist_floor(double lim)
{
	uint64_t k = hkey(lim);

	return k > HIST_N - 2 ? k - (HIST_N - 2) : 0;
}

/*
 * Counts the orders with theta <= lim of every stp-th member; with hist,
 * also files them by key, keys below klo in bucket 0.
 */
static uint64_t
scan(const gen *g, uint32_t stp, double lim, uint64_t *hist, uint64_t klo)
{
	uint64_t n = 0;
	uint32_t i, k;

	for (i = 0; i < g->nmembers; i += stp) {
		const member *m = &g->mem[i];
		uint64_t km = member_key(g, i);
		double s = 0, l = 0, x, th;

		for (k = 1; k != 0; k++) {
			th = step(km, k, m, &s, &l, &x);
			if (th > lim)
				break;
			n++;
			if (hist != NULL) {
				uint64_t key = hkey(th);

				hist[key < klo ? 0 : key - klo + 1]++;
			}
		}
		if (i > UINT32_MAX - stp)
			break;
	}
	return n;
}

typedef struct {
	double		th;
	uint32_t	i, k;
} cand;

static int
candcmp(const void *a, const void *b)
{
	const cand *x = a, *y = b;

	if (x->th != y->th)
		return x->th < y->th ? -1 : 1;
	if (x->i != y->i)
		return x->i < y->i ? -1 : 1;
	return x->k < y->k ? -1 : x->k > y->k;
}

/* Sets g->c to the N-th smallest theta, see the top of the file. */
static void
find_intensity(gen *g)
{
	uint64_t *hist = xcalloc(HIST_N, sizeof(*hist));
	uint32_t stp = g->nmembers > 65536 ? g->nmembers / 65536 : 1;
	uint32_t ns = (g->nmembers - 1) / stp + 1;
	double want = (double)g->norders * ns / g->nmembers;
	double lim, cum;
	uint64_t n, below, klo, kb, b;
	int passes = 0;
	cand *cv;
	size_t ncv, cap;
	uint32_t i, k;

	/* Without lapses the mean count would be c * rate * half the
	 * period; lapses only lower it, so this guess is low. */
	lim = (double)g->norders / g->nmembers / (BASE_RATE * g->ltot / 2);
	if (want < 1)
		want = 1;
	while ((double)scan(g, stp, lim, NULL, 0) < want)
		lim *= 2;
	klo = hist_floor(lim);
	scan(g, stp, lim, hist, klo);
	cum = 0;
	for (b = 0; b < HIST_N - 1; b++) {
		cum += (double)hist[b];
		if (cum >= want)
			break;
	}
	lim = hedge(klo + b) * 1.05;

	for (;;) {
		memset(hist, 0, HIST_N * sizeof(*hist));
		klo = hist_floor(lim);
		n = scan(g, 1, lim, hist, klo);
		passes++;
		if (n < g->norders) {
			lim *= 1.25;
			continue;
		}
		below = 0;
		for (b = 0; b < HIST_N; b++) {
			if (below + hist[b] >= g->norders)
				break;
			below += hist[b];
		}
		if (b > 0)
			break;
		/* Everything under the histogram's floor: look lower. */
		lim = hedge(klo);
	}
	if (g->verbose)
		fprintf(stderr, "gen: %d full pass(es), %llu candidate orders "
		    "at limit %.6g\n", passes, (unsigned long long)n, lim);

	/* Collect the bucket holding the N-th theta. */
	kb = klo + b - 1;
	cap = hist[b];
	cv = xcalloc(cap, sizeof(*cv));
	ncv = 0;
	for (i = 0; i < g->nmembers; i++) {
		const member *m = &g->mem[i];
		uint64_t km = member_key(g, i);
		double s = 0, l = 0, x, th, hi = hedge(kb + 1);

		for (k = 1; k != 0; k++) {
			th = step(km, k, m, &s, &l, &x);
			if (th >= hi)
				break;
			if (hkey(th) == kb && ncv < cap) {
				cv[ncv].th = th;
				cv[ncv].i = i;
				cv[ncv].k = k;
				ncv++;
			}
		}
	}
	qsort(cv, ncv, sizeof(*cv), candcmp);
	n = g->norders - below - 1;
	if (n >= ncv) {
		fprintf(stderr, "gen: internal error: bucket count\n");
		exit(EXIT_DATA);
	}
	g->c = cv[n].th;
	g->ci = cv[n].i;
	g->ck = cv[n].k;
	free(cv);
	free(hist);
}

static int
included(const gen *g, double th, uint32_t i, uint32_t k)
{
	if (th != g->c)
		return th < g->c;
	return i < g->ci || (i == g->ci && k <= g->ck);
}

/* ---------------------------------------------------------------- */
/* Orders */

enum { CH_TMALL, CH_JD, CH_WECHAT, CH_STORE, NCH };

static const char *const ch_name[NCH] = { "tmall", "jd", "wechat", "store" };
static const char ch_prefix[NCH] = { 'T', 'J', 'W', 'S' };
static const uint16_t ch_w[NCH] = { 40, 20, 25, 15 };

static const char *const field_names[] = {
	"order_id", "member_id", "ts", "amount", "currency", "status",
	"channel", "store", "items", "skus", "categories"
};
enum { F_ID, F_MEMBER, F_TS, F_AMOUNT, F_CUR, F_STATUS, F_CHANNEL,
    F_STORE, F_ITEMS, F_SKUS, F_CATS, NF };

static size_t
put_cents(char *p, int64_t c)
{
	size_t n = 0;

	if (c < 0) {
		p[n++] = '-';
		c = -c;
	}
	n += put_u(p + n, (uint64_t)c / 100, 0);
	p[n++] = '.';
	n += put_u(p + n, (uint64_t)c % 100, 2);
	return n;
}

/* "2024-11-11" for day d of the period. */
static void
day_string(const gen *g, uint32_t d, char *p)
{
	int y, m, dd;

	civil_from_days(g->day0 + d, &y, &m, &dd);
	put_u(p, (uint64_t)y, 4);
	p[4] = '-';
	put_u(p + 5, (uint64_t)m, 2);
	p[7] = '-';
	put_u(p + 8, (uint64_t)dd, 2);
	p[10] = '\0';
}

static size_t
put_ts(char *p, const char *date, uint32_t sec)
{
	uint32_t s = sec % 86400;

	memcpy(p, date, 10);
	p[10] = 'T';
	put_u(p + 11, s / 3600, 2);
	p[13] = ':';
	put_u(p + 14, s / 60 % 60, 2);
	p[16] = ':';
	put_u(p + 17, s % 60, 2);
	memcpy(p + 19, "+08:00", 6);
	return 25;
}

typedef struct {
	uint32_t	day;
	char		date[16];
} daycache;

/* Damage of the kind drawn; every kind stays within its own line. */
static void
damage(int kind, rng *r, field *f, char *amt, char *ts, const char *date,
    int *skip, int *cut)
{
	static const char *const bad_amount[] = {
		"12,3x", "1.2.3", "", "129.0O", "NaN"
	};
	static const char *const bad_status[] = {
		"shipped?", "已发货", "unknown"
	};
	uint32_t x;

	switch (kind) {
	case 0:
		x = rbelow(r, 6);
		if (x < 5) {
			f[F_AMOUNT].v = bad_amount[x];
			f[F_AMOUNT].n = strlen(bad_amount[x]);
		} else {
			memmove(amt + 2, amt, f[F_AMOUNT].n);
			memcpy(amt, "\xc2\xa5", 2);	/* ¥129.00 */
			f[F_AMOUNT].n += 2;
		}
		break;
	case 1:
		x = rbelow(r, 4);
		if (x == 0)
			memcpy(ts + 5, "13-45T25:61", 11);
		else if (x == 1) {
			ts[4] = ts[7] = '/';	/* 2024/11/11 10:00 */
			ts[10] = ' ';
			f[F_TS].n = 16;
		} else if (x == 2)
			f[F_TS].n = 0;
		else {
			memcpy(ts + 26, date + 5, 2);	/* 11/11/2024 */
			ts[28] = '/';
			memcpy(ts + 29, date + 8, 2);
			ts[31] = '/';
			memcpy(ts + 32, date, 4);
			f[F_TS].v = ts + 26;
			f[F_TS].n = 10;
		}
		break;
	case 2:
		f[F_MEMBER].n = 0;
		break;
	case 3:
		f[F_STATUS].v = bad_status[rbelow(r, 3)];
		f[F_STATUS].n = strlen(f[F_STATUS].v);
		break;
	case 4:
		*skip = F_AMOUNT;
		break;
	default:
		*cut = F_CHANNEL;
		break;
	}
}

static void
emit_order(gen *g, writer *w, daycache *dc, uint32_t i, uint32_t k,
    uint32_t sec)
{
	member *m = &g->mem[i];
	uint64_t km = member_key(g, i);
	rng r = stream(km, k, S_ATTR);
	rng mr = stream(km, 0, S_ATTR);		/* the member's habits */
	char oid[40], mid[96], ts[40], amt[40], items[512], skus[96],
	    cats[96], store[24];
	field f[NF];
	const char *status;
	uint32_t day = sec / 86400, x, y, home, hour;
	int pref, ch, fav, nitems, j, picked[3], nc = 0, bad = -1, skip = -1,
	    cut = 0, catseen[NCAT] = { 0 };
	size_t ni = 0, nk = 0, nca = 0, n;
	int64_t sub = 0;
	ident id;

	if (dc->day != day) {
		dc->day = day;
		day_string(g, day, dc->date);
	}
	g->written++;

	/* Habits: favourite channel, home store and category. The smaller
	 * of two draws: the first stores are the big ones. */
	pref = rweighted(&mr, ch_w, NCH, 100);
	x = rbelow(&mr, 20);
	y = rbelow(&mr, 20);
	home = x < y ? x : y;
	fav = rweighted(&mr, cat_w, NCAT, 100);

	/* Drawn whatever --bad says, so the good rows do not move. */
	x = rbelow(&r, 1000000000);
	y = rbelow(&r, 6);
	if (x < g->ppb_bad)
		bad = (int)y;

	ch = rbelow(&r, 100) < 80 ? pref : rweighted(&r, ch_w, NCH, 100);
	hour = sec % 86400 / 3600;
	if (ch == CH_STORE && (hour < 10 || hour >= 22))
		ch = pref == CH_STORE ? CH_TMALL : pref;	/* closed */
	switch (ch) {
	case CH_TMALL:
		strcpy(store, "tmall-flagship");
		break;
	case CH_JD:
		strcpy(store, "jd-self");
		break;
	case CH_WECHAT:
		strcpy(store, "wechat-mini");
		break;
	default:
		memcpy(store, "store-sh-", 9);
		if (rbelow(&r, 100) < 85)
			put_u(store + 9, home + 1, 3);
		else
			put_u(store + 9, rbelow(&r, 20) + 1, 3);
		store[12] = '\0';
		break;
	}

	/* Items near the member's price position. */
	x = rbelow(&r, 100);
	nitems = x < 55 ? 1 : x < 85 ? 2 : 3;
	for (j = 0; j < nitems; j++) {
		int c = rbelow(&r, 100) < 55 ? fav :
		    rweighted(&r, cat_w, NCAT, 100);
		int cnt = g->cat.count[c], pos, jj;
		int32_t noise = (int32_t)(rbelow(&r, 256) + rbelow(&r, 256) +
		    rbelow(&r, 256)) - 382;
		const product *p;

		pos = (int)((int64_t)m->q * cnt / 65536 +
		    (int64_t)noise * cnt / 1150);
		if (pos < 0)
			pos = 0;
		if (pos >= cnt)
			pos = cnt - 1;
		pos += g->cat.first[c];
		for (jj = 0; jj < nc; jj++)
			if (picked[jj] == pos)
				break;
		if (jj < nc)
			continue;	/* the same product twice: once */
		picked[nc++] = pos;
		p = &g->cat.p[pos];
		sub += p->cents * (rbelow(&r, 100) < 8 ? 2 : 1);
		if (ni > 0) {
			items[ni++] = '|';
			skus[nk++] = '|';
		}
		ni += put_s(items + ni, p->name);
		nk += put_s(skus + nk, "SKU");
		nk += put_u(skus + nk, p->sku, 0);
		if (!catseen[p->cat]) {
			catseen[p->cat] = 1;
			if (nca > 0)
				cats[nca++] = '|';
			nca += put_s(cats + nca, cat_name[p->cat]);
		}
	}

	/* Promotions: 40 off every 300 on the big days, else a member
	 * price or a coupon now and then. */
	x = rbelow(&r, 100);
	if (g->dayw[day] >= 250)
		sub -= sub / 30000 * 4000;
	else if (x < 10)
		sub = sub * 90 / 100;
	else if (x < 18 && sub >= 10000)
		sub -= 1000;

	x = rbelow(&r, 1000);
	status = x < 30 ? "refunded" : x < 50 ? "cancelled" :
	    x < 55 ? "pending" : "paid";

	n = 0;
	oid[n++] = ch_prefix[ch];
	memcpy(oid + n, dc->date, 4);
	memcpy(oid + n + 4, dc->date + 5, 2);
	memcpy(oid + n + 6, dc->date + 8, 2);
	n += 8;
	n += put_u(oid + n, g->written, 9);
	ident_init(&id, i);
	f[F_ID] = (field){ NULL, oid, n };
	f[F_MEMBER] = (field){ NULL, mid, put_member_id(mid, &id) };
	f[F_TS] = (field){ NULL, ts, put_ts(ts, dc->date, sec) };
	f[F_AMOUNT] = (field){ NULL, amt, put_cents(amt, sub) };
	f[F_CUR] = (field){ NULL, "CNY", 3 };
	f[F_STATUS] = (field){ NULL, status, strlen(status) };
	f[F_CHANNEL] = (field){ NULL, ch_name[ch], strlen(ch_name[ch]) };
	f[F_STORE] = (field){ NULL, store, strlen(store) };
	f[F_ITEMS] = (field){ NULL, items, ni };
	f[F_SKUS] = (field){ NULL, skus, nk };
	f[F_CATS] = (field){ NULL, cats, nca };
	for (j = 0; j < NF; j++)
		f[j].name = field_names[j];

	if (bad >= 0) {
		g->nbad++;
		damage(bad, &r, f, amt, ts, dc->date, &skip, &cut);
	} else if (strcmp(status, "paid") == 0) {
		m->spend += sub;
		g->revenue += sub;
	}
	if (m->k == 0)
		g->buyers++;
	w_record(w, g->json, f, NF, skip, cut);
}

/* ---------------------------------------------------------------- */
/* The day loop */

typedef struct {
	uint64_t	*v;
	size_t		 n, cap;
} vec;

static void
vec_push(vec *q, uint64_t x)
{
	if (q->n == q->cap) {
		q->cap = q->cap ? q->cap * 2 : 64;
		if ((q->v = realloc(q->v, q->cap * sizeof(*q->v))) == NULL)
			die_nomem();
	}
	q->v[q->n++] = x;
}

/* A binary min-heap in a vec. */
static void
heap_push(vec *h, uint64_t x)
{
	size_t j, p;

	vec_push(h, x);
	j = h->n - 1;
	while (j > 0) {
		p = (j - 1) / 2;
		if (h->v[p] <= x)
			break;
		h->v[j] = h->v[p];
		j = p;
	}
	h->v[j] = x;
}

static uint64_t
heap_pop(vec *h)
{
	uint64_t top = h->v[0], x = h->v[--h->n];
	size_t j = 0, c;

	for (;;) {
		c = 2 * j + 1;
		if (c >= h->n)
			break;
		if (c + 1 < h->n && h->v[c + 1] < h->v[c])
			c++;
		if (x <= h->v[c])
			break;
		h->v[j] = h->v[c];
		j = c;
	}
	if (h->n > 0)
		h->v[j] = x;
	return top;
}

static int
u64cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/*
 * Draws order k of member i; if it is in, files its key under its day,
 * or in the heap when that day is today.
 */
static void
schedule(gen *g, vec *days, vec *h, uint32_t today, uint32_t i, uint32_t k)
{
	member *m = &g->mem[i];
	double x, th, u;
	uint32_t sec, d;

	th = step(member_key(g, i), k, m, &m->s, &m->l, &x);
	if (!included(g, th, i, k))
		return;
	/* x <= theta <= c, so the order falls inside the period. */
	u = m->ls + (g->ltot - m->ls) * (x / g->c);
	sec = warp_inv(g, u);
	if (sec < m->signup)
		sec = m->signup;
	if (sec >= g->nsec)
		sec = g->nsec - 1;
	d = sec / 86400;
	if (d == today)
		heap_push(h, (uint64_t)sec << 32 | i);
	else
		vec_push(&days[d], (uint64_t)sec << 32 | i);
}

#if defined(__GNUC__)
#define PREFETCH(p)	__builtin_prefetch(p)
#else
#define PREFETCH(p)	((void)(p))
#endif

/* Members are touched in random order: fetching the one 16 orders ahead
 * hides most of the cache misses (10M orders, 2M members: 12.7 s
 * of CPU without, 9.9 s with). */
#define AHEAD	16

static void
generate(gen *g, writer *w)
{
	vec *days = xcalloc(g->ndays, sizeof(*days));
	vec h = { NULL, 0, 0 };
	daycache dc = { UINT32_MAX, "" };
	uint32_t d, i;

	for (i = 0; i < g->nmembers; i++)
		schedule(g, days, &h, UINT32_MAX, i, 1);
	for (d = 0; d < g->ndays; d++) {
		vec *q = &days[d];
		size_t j = 0;

		if (q->n > 1)
			qsort(q->v, q->n, sizeof(*q->v), u64cmp);
		for (;;) {
			uint64_t e;
			member *m;

			if (j < q->n && (h.n == 0 || q->v[j] < h.v[0]))
				e = q->v[j++];
			else if (h.n > 0)
				e = heap_pop(&h);
			else
				break;
			if (j + AHEAD < q->n)
				PREFETCH(&g->mem[(uint32_t)q->v[j + AHEAD]]);
			i = (uint32_t)e;
			m = &g->mem[i];
			emit_order(g, w, &dc, i, m->k + 1, (uint32_t)(e >> 32));
			m->k++;
			schedule(g, days, &h, d, i, m->k + 1);
		}
		free(q->v);
	}
	free(h.v);
	free(days);
}

/* ---------------------------------------------------------------- */
/* Profiles */

static const char *const profile_names[] = {
	"member_id", "name", "gender", "birthday", "signup_ts", "phone",
	"email", "wechat_openid", "consent_sms", "consent_email",
	"consent_wechat", "consent_app", "tier"
};
enum { P_ID, P_NAME, P_GENDER, P_BIRTH, P_SIGNUP, P_PHONE, P_EMAIL,
    P_OPENID, P_SMS, P_MAIL, P_WECHAT, P_APP, P_TIER, NP };

static void
write_profiles(const gen *g, writer *w)
{
	field f[NP];
	char mid[96], birth[16], signup[40], phone[24], email[80], openid[40],
	    date[16];
	int endy, endm, endd, j;
	uint32_t i;

	civil_from_days(g->day0 + g->ndays, &endy, &endm, &endd);
	if (!g->json)
		w_header(w, profile_names, NP);
	for (i = 0; i < g->nmembers; i++) {
		const member *m = &g->mem[i];
		ident id;
		rng r;
		int has_phone, has_email, has_openid, consent[4];
		const char *tier;
		size_t n;

		ident_init(&id, i);
		r.s = id.key ^ 0x9f0f11eULL;
		f[P_ID] = (field){ NULL, mid, put_member_id(mid, &id) };
		f[P_NAME] = (field){ NULL, id.name, strlen(id.name) };
		f[P_GENDER] = (field){ NULL, id.gender == 'F' ? "F" : "M",
		    id.gender ? 1 : 0 };
		if (rbelow(&r, 100) < 12)
			n = 0;
		else {
			int age = 18 + (int)rbelow(&r, 12) +
			    (int)rbelow(&r, 26);
			int by = endy - age, bm = 1 + (int)rbelow(&r, 12);
			int bd = 1 + (int)rbelow(&r,
			    (uint32_t)days_in_month(by, bm));

			put_u(birth, (uint64_t)by, 4);
			birth[4] = '-';
			put_u(birth + 5, (uint64_t)bm, 2);
			birth[7] = '-';
			put_u(birth + 8, (uint64_t)bd, 2);
			n = 10;
		}
		f[P_BIRTH] = (field){ NULL, birth, n };
		day_string(g, m->signup / 86400, date);
		f[P_SIGNUP] = (field){ NULL, signup,
		    put_ts(signup, date, m->signup) };
		has_phone = id.kind == ID_PHONE || rbelow(&r, 100) < 45;
		has_email = id.kind == ID_EMAIL || rbelow(&r, 100) < 30;
		has_openid = rbelow(&r, 100) < 60;
		f[P_PHONE] = (field){ NULL, phone,
		    has_phone ? put_phone(phone, &id) : 0 };
		f[P_EMAIL] = (field){ NULL, email,
		    has_email ? put_email(email, &id) : 0 };
		f[P_OPENID] = (field){ NULL, openid,
		    has_openid ? put_openid(openid, &id) : 0 };
		consent[0] = rbelow(&r, 100) < 70 && has_phone;
		consent[1] = rbelow(&r, 100) < 40 && has_email;
		consent[2] = rbelow(&r, 100) < 65 && has_openid;
		consent[3] = rbelow(&r, 100) < 35;
		for (j = 0; j < 4; j++)
			f[P_SMS + j] = (field){ NULL,
			    consent[j] ? "true" : "false", consent[j] ? 4 : 5 };
		tier = m->spend >= 2000000 ? "platinum" :
		    m->spend >= 500000 ? "gold" :
		    m->spend >= 100000 ? "silver" : "member";
		f[P_TIER] = (field){ NULL, tier, strlen(tier) };
		for (j = 0; j < NP; j++)
			f[j].name = profile_names[j];
		w_record(w, g->json, f, NP, -1, 0);
	}
}

/* ---------------------------------------------------------------- */
/* Options */

static void
bad_value(const char *opt, const char *v)
{
	fprintf(stderr, "gen: %s: invalid value \"%s\"\n", opt, v);
	exit(EXIT_USAGE);
}

/* Digits only: no sign, no spaces, no locale. */
static uint64_t
opt_u64(const char *opt, const char *v, uint64_t max)
{
	uint64_t n = 0, dg;
	const char *p;

	if (*v == '\0')
		bad_value(opt, v);
	for (p = v; *p != '\0'; p++) {
		if (*p < '0' || *p > '9')
			bad_value(opt, v);
		dg = (uint64_t)(*p - '0');
		if (n > (max - dg) / 10)
			bad_value(opt, v);
		n = n * 10 + dg;
	}
	return n;
}

/* A fraction in [0, 1] as parts per billion: "0.01", "1", ".5". */
static uint32_t
opt_fraction(const char *opt, const char *v)
{
	uint64_t ip = 0, fp = 0, scale = 1000000000;
	const char *p = v;
	int digits = 0;

	while (*p >= '0' && *p <= '9' && ip <= 1) {
		ip = ip * 10 + (uint64_t)(*p++ - '0');
		digits++;
	}
	if (*p == '.') {
		for (p++; *p >= '0' && *p <= '9'; p++, digits++) {
			scale /= 10;
			fp += (uint64_t)(*p - '0') * scale;
		}
	}
	if (*p != '\0' || digits == 0 || ip > 1 || (ip == 1 && fp > 0))
		bad_value(opt, v);
	return (uint32_t)(ip * 1000000000 + fp);
}

static int64_t
opt_date(const char *opt, const char *v)
{
	int y, m, d, j;

	if (strlen(v) != 10 || v[4] != '-' || v[7] != '-')
		bad_value(opt, v);
	for (j = 0; j < 10; j++)
		if (j != 4 && j != 7 && (v[j] < '0' || v[j] > '9'))
			bad_value(opt, v);
	y = (v[0] - '0') * 1000 + (v[1] - '0') * 100 + (v[2] - '0') * 10 +
	    (v[3] - '0');
	m = (v[5] - '0') * 10 + (v[6] - '0');
	d = (v[8] - '0') * 10 + (v[9] - '0');
	if (y < 1970 || y > 9000 || m < 1 || m > 12 || d < 1 ||
	    d > days_in_month(y, m))
		bad_value(opt, v);
	return days_from_civil(y, (unsigned)m, (unsigned)d);
}

/* Matches "--name value" and "--name=value"; returns the value. */
static const char *
opt_arg(int argc, char *argv[], int *ip, const char *name)
{
	const char *a = argv[*ip];
	size_t n = strlen(name);

	if (strncmp(a, name, n) != 0)
		return NULL;
	if (a[n] == '=')
		return a + n + 1;
	if (a[n] != '\0')
		return NULL;
	if (*ip + 1 >= argc) {
		fprintf(stderr, "gen: %s needs a value\n", name);
		exit(EXIT_USAGE);
	}
	return argv[++*ip];
}

/* Hourly shopping-time table; 11-11 opens at midnight. */
static void
calendar_init(gen *g)
{
	uint32_t day, h, nh = g->ndays * 24;
	uint64_t *cum = xcalloc(nh + 1, sizeof(*cum));
	double sc;
	int y, m, d;

	g->dayw = xcalloc(g->ndays, sizeof(*g->dayw));
	g->cum = xcalloc(nh + 1, sizeof(*g->cum));
	for (day = 0; day < g->ndays; day++) {
		/* 1970-01-01 was a Thursday; 0 is Sunday. */
		int wd = (int)(((g->day0 + day) % 7 + 11) % 7);

		civil_from_days(g->day0 + day, &y, &m, &d);
		g->dayw[day] = (uint16_t)day_weight(m, d, wd);
		for (h = 0; h < 24; h++) {
			uint64_t wt = (uint64_t)g->dayw[day] * hour_w[h];

			if (m == 11 && d == 11 && h < 2)
				wt *= h == 0 ? 8 : 3;
			if (m == 11 && d == 10 && h >= 20)
				wt *= 2;
			cum[day * 24 + h + 1] = cum[day * 24 + h] + wt;
		}
	}
	/* Shopping days: the same total as calendar days. */
	sc = (double)g->ndays / (double)cum[nh];
	for (h = 0; h <= nh; h++)
		g->cum[h] = (double)cum[h] * sc;
	g->ltot = g->cum[nh];
	free(cum);
}

int
main(int argc, char *argv[])
{
	static gen g;
	const char *out = NULL, *profiles = NULL, *v;
	uint64_t seed = 1, years = 3, members = 0;
	int have_members = 0, a, y, m, d;
	uint32_t i;
	writer w, pw;

	g.norders = 10000;
	g.day0 = days_from_civil(2022, 1, 1);
	for (a = 1; a < argc; a++) {
		if ((v = opt_arg(argc, argv, &a, "--seed")) != NULL)
			seed = opt_u64("--seed", v, UINT64_MAX);
		else if ((v = opt_arg(argc, argv, &a, "--orders")) != NULL)
			g.norders = opt_u64("--orders", v, 1ULL << 40);
		else if ((v = opt_arg(argc, argv, &a, "--members")) != NULL) {
			members = opt_u64("--members", v, 1000000000);
			have_members = 1;
		} else if ((v = opt_arg(argc, argv, &a, "--bad")) != NULL)
			g.ppb_bad = opt_fraction("--bad", v);
		else if ((v = opt_arg(argc, argv, &a, "--start")) != NULL)
			g.day0 = opt_date("--start", v);
		else if ((v = opt_arg(argc, argv, &a, "--years")) != NULL) {
			years = opt_u64("--years", v, 100);
			if (years == 0)
				bad_value("--years", v);
		} else if ((v = opt_arg(argc, argv, &a, "--profiles")) != NULL)
			profiles = v;
		else if ((v = opt_arg(argc, argv, &a, "--format")) != NULL) {
			if (strcmp(v, "csv") == 0)
				g.json = 0;
			else if (strcmp(v, "ndjson") == 0)
				g.json = 1;
			else
				bad_value("--format", v);
		} else if ((v = opt_arg(argc, argv, &a, "-o")) != NULL)
			out = v;
		else if (strcmp(argv[a], "-v") == 0)
			g.verbose = 1;
		else if (strcmp(argv[a], "-h") == 0 ||
		    strcmp(argv[a], "--help") == 0) {
			fputs(usage_text, stdout);
			return 0;
		} else {
			fputs(usage_text, stderr);
			return EXIT_USAGE;
		}
	}
	if (!have_members)
		members = g.norders / 5 > 0 ? g.norders / 5 : 1;
	if (members == 0 && g.norders > 0)
		bad_value("--members", "0");
	g.nmembers = (uint32_t)members;
	g.seedkey = mix64(seed ^ 0x6d6272ULL);

	/* The period ends on the same date --years later. */
	civil_from_days(g.day0, &y, &m, &d);
	g.ndays = (uint32_t)(days_from_civil(y + (int64_t)years,
	    (unsigned)m, (unsigned)d) - g.day0);
	g.nsec = g.ndays * 86400;
	calendar_init(&g);
	catalogue_init(&g.cat);

	/* Open every output before the long work. */
	w_open(&w, out);
	if (profiles != NULL)
		w_open(&pw, profiles);

	g.mem = xcalloc(g.nmembers > 0 ? g.nmembers : 1, sizeof(*g.mem));
	for (i = 0; i < g.nmembers; i++)
		member_init(&g, i, &g.mem[i]);

	if (!g.json)
		w_header(&w, field_names, NF);
	if (g.norders > 0) {
		find_intensity(&g);
		generate(&g, &w);
	}
	w_close(&w);
	if (g.written != g.norders) {
		fprintf(stderr, "gen: internal error: %llu orders, not %llu\n",
		    (unsigned long long)g.written,
		    (unsigned long long)g.norders);
		return EXIT_DATA;
	}
	if (profiles != NULL) {
		write_profiles(&g, &pw);
		w_close(&pw);
	}
	if (g.verbose) {
		char rev[32];

		rev[put_cents(rev, g.revenue)] = '\0';
		fprintf(stderr, "gen: %llu orders (%llu bad), %u members "
		    "(%u with orders), paid revenue %s CNY, intensity %.4g\n",
		    (unsigned long long)g.written,
		    (unsigned long long)g.nbad, g.nmembers, g.buyers, rev,
		    g.c);
	}
	free(g.mem);
	free(g.cum);
	free(g.dayw);
	return 0;
}
