/* fuzz_program: the mbr-points programme parser (lib/mbr_program.h);
 * the input is the JSON text of a programme, read in Asia/Shanghai.
 * Checked, beyond the sanitizers and the leak checker: a programme that
 * does not parse is MBR_EUSAGE with a message and no programme; one
 * that parses keeps the contract of man/mbr-points.1 (a known
 * currency, 1 to 16 levels from 0 strictly ascending, each found by
 * its name and by its own from, ladder steps from 0 strictly
 * ascending, factors and rates > 0 and within range, a 16-hex-digit
 * checksum); each input is read again under a long file name (the name
 * goes into messages) with the same outcome; and the same rules laid
 * out differently (jansson's indented dump of the text) parse to the
 * same checksum. */
#include <stdint.h>
#include <string.h>

#include <jansson.h>

#include "mbr_money.h"
#include "mbr_program.h"
#include "fuzz.h"

static mbr_tz *tz;
static const char longname[] = "/srv/loyalty/brands/lanxu/programmes/"
    "2024-11-double-eleven/with-a-rather-long-directory-name/points.json";

static int
dec_ok(mbr_dec d, int64_t max)
{
	int64_t lim = max;
	int i;

	if (d.scale < 0 || d.scale > 4 || d.m < 0)
		return 0;
	for (i = 0; i < d.scale; i++)
		lim *= 10;
	return d.m <= lim;
}

static void
check(const mbr_program *p)
{
	int i;

	FUZZ_CHECK(p->name != NULL);
	FUZZ_CHECK(mbr_currency_exp(p->cur, strlen(p->cur)) == (int)p->exp);
	FUZZ_CHECK(p->nlevels >= 1 && p->nlevels <= MBR_PROG_MAXLEVELS);
	FUZZ_CHECK(p->levels[0].from == 0);
	for (i = 0; i < p->nlevels; i++) {
		const mbr_level *l = &p->levels[i];

		FUZZ_CHECK(l->name != NULL && l->name[0] != '\0');
		FUZZ_CHECK(i == 0 || l->from > p->levels[i - 1].from);
		FUZZ_CHECK(mbr_program_level(p, l->from) == i);
		FUZZ_CHECK(mbr_program_level_named(p, l->name,
		    strlen(l->name)) == i);
		FUZZ_CHECK(!l->has_factor || (l->factor.m > 0 &&
		    dec_ok(l->factor, 100)));
		FUZZ_CHECK(l->gift >= 0);
	}
	FUZZ_CHECK(p->nsteps >= 0 && p->nsteps <= MBR_PROG_MAXSTEPS);
	if (p->nsteps == 0)
		FUZZ_CHECK(dec_ok(p->per, 10000));
	for (i = 0; i < p->nsteps; i++) {
		const mbr_step *s = &p->steps[i];

		FUZZ_CHECK(i == 0 ? s->from == 0 : s->from >
		    p->steps[i - 1].from);
		FUZZ_CHECK(s->fixed ? s->points >= 0 : dec_ok(s->per, 10000));
		FUZZ_CHECK(strncmp(s->label, "ladder:", 7) == 0);
	}
	FUZZ_CHECK(p->nmult >= 0 && p->nmult <= MBR_PROG_MAXMULT);
	for (i = 0; i < p->nmult; i++) {
		const mbr_mult *m = &p->mult[i];

		FUZZ_CHECK(m->name != NULL && m->name[0] != '\0' &&
		    strchr(m->name, '|') == NULL);
		FUZZ_CHECK(m->factor.m > 0 && dec_ok(m->factor, 100));
		FUZZ_CHECK(m->month >= 0 && m->month <= 12);
		FUZZ_CHECK(m->monthday >= 0 && m->monthday <= 31);
		FUZZ_CHECK(m->weekday >= 0 && m->weekday <= 7);
		FUZZ_CHECK(!(m->has_from && m->has_to) || m->to > m->from);
		FUZZ_CHECK(m->expr == -1 || p->x != NULL);
	}
	FUZZ_CHECK(p->min_amount >= 0 && p->cap_order >= 0 &&
	    p->cap_day >= 0 && p->signup >= 0 && p->birthday >= 0);
	FUZZ_CHECK(p->review_m >= 1 && p->review_m <= 12 &&
	    p->review_d >= 1 && p->review_d <= 28);
	FUZZ_CHECK(p->grace >= 0 && p->grace <= 366);
	FUZZ_CHECK(p->expiry == MBR_EXP_NEVER || p->exp_n >= 0);
	FUZZ_CHECK(strlen(p->checksum) == 16 &&
	    strspn(p->checksum, "0123456789abcdef") == 16);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	mbr_program *p = NULL, *q = NULL;
	mbr_err err = { 0 };
	json_t *root;
	char *again;

	if (tz == NULL)
		FUZZ_CHECK(mbr_tz_open(&tz, "Asia/Shanghai", &err) == MBR_OK);
	if (mbr_program_parse(&p, "program.json", (const char *)data, size,
	    tz, &err) != MBR_OK) {
		FUZZ_CHECK(err.code == MBR_EUSAGE && err.msg[0] != '\0');
		FUZZ_CHECK(p == NULL);
		memset(&err, 0, sizeof(err));
		FUZZ_CHECK(mbr_program_parse(&p, longname, (const char *)data,
		    size, tz, &err) == MBR_EUSAGE);
		FUZZ_CHECK(err.msg[0] != '\0' && p == NULL);
		return 0;
	}
	FUZZ_CHECK(p != NULL);
	check(p);

	/* The file's name goes into messages: a long one (a --program
	 * path deep in a tree) reads the same. */
	memset(&err, 0, sizeof(err));
	FUZZ_CHECK(mbr_program_parse(&q, longname, (const char *)data, size,
	    tz, &err) == MBR_OK);
	FUZZ_CHECK(strcmp(p->checksum, q->checksum) == 0);
	mbr_program_free(q);
	q = NULL;

	/* The same rules, re-indented and keys in another order: the
	 * same programme, the same checksum. */
	root = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES,
	    NULL);
	FUZZ_CHECK(root != NULL);
	again = json_dumps(root, JSON_INDENT(3) | JSON_PRESERVE_ORDER);
	json_decref(root);
	FUZZ_CHECK(again != NULL);
	memset(&err, 0, sizeof(err));
	FUZZ_CHECK(mbr_program_parse(&q, "again.json", again, strlen(again),
	    tz, &err) == MBR_OK);
	FUZZ_CHECK(strcmp(p->checksum, q->checksum) == 0);
	FUZZ_CHECK(p->nlevels == q->nlevels && p->nsteps == q->nsteps &&
	    p->nmult == q->nmult && p->per.m == q->per.m &&
	    p->per.scale == q->per.scale);
	free(again);
	mbr_program_free(q);
	mbr_program_free(p);
	return 0;
}
