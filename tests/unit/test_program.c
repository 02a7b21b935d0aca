/* test_program.c: reading a loyalty programme (mbr_program.h) and the
 * state file's checks (mbr_pstate.h).  Expected values by hand. */
#include <stdlib.h>
#include <string.h>

#include "mbr_program.h"
#include "mbr_pstate.h"
#include "t.h"
#include <zlib.h>

static mbr_program *
load(const char *text, mbr_tz *tz, mbr_err *err)
{
	mbr_program *p;

	mbr_err_clear(err);
	if (mbr_program_parse(&p, "p.json", text, strlen(text), tz, err) !=
	    MBR_OK)
		return NULL;
	return p;
}

/* The error of a programme that must be refused, or "" if it was not. */
static const char *
refused(const char *text, mbr_tz *tz, mbr_err *err)
{
	mbr_program *p = load(text, tz, err);

	if (p != NULL) {
		mbr_program_free(p);
		return "";
	}
	T_EQ_I(err->code, MBR_EUSAGE);
	return err->msg;
}

int
main(void)
{
	mbr_tz *tz;
	mbr_err err;
	mbr_program *p, *q;
	mbr_pstate st;
	const char *base = "{\"currency\":\"CNY\",\"earn\":{\"per\":1}}";

	mbr_err_clear(&err);
	T_EQ_I(mbr_tz_open(&tz, "Asia/Shanghai", &err), MBR_OK);

	/* decimals kept exact: 1.2 is 12/10, "0.0125" is 125/10000 */
	p = load("{\"currency\":\"CNY\",\"earn\":{\"per\":\"0.0125\"},"
	    "\"multipliers\":[{\"name\":\"x\",\"factor\":1.2},"
	    "{\"name\":\"y\",\"factor\":\"2.50\",\"monthday\":8}]}", tz, &err);
	T_OK(p != NULL);
	if (p != NULL) {
		T_EQ_I(p->per.m, 125);
		T_EQ_I(p->per.scale, 4);
		T_EQ_I(p->mult[0].factor.m, 12);
		T_EQ_I(p->mult[0].factor.scale, 1);
		T_EQ_I(p->mult[1].factor.m, 25);	/* 2.50: 25/10 */
		T_EQ_I(p->mult[1].factor.scale, 1);
		T_EQ_I(p->mult[1].monthday, 8);
		T_EQ_I(p->exp, 2);
		T_EQ_I(p->nlevels, 1);			/* "member" */
		T_EQ_I(p->rounding, MBR_ROUND_FLOOR);
		mbr_program_free(p);
	}

	/* a ladder: from in money, labels as written to the cent */
	p = load("{\"currency\":\"JPY\",\"earn\":{\"ladder\":[{\"from\":0,"
	    "\"per\":0.01},{\"from\":10000,\"points\":300}],\"rounding\":"
	    "\"ceil\"}}", tz, &err);
	T_OK(p != NULL);
	if (p != NULL) {
		T_EQ_I(p->exp, 0);
		T_EQ_I(p->nsteps, 2);
		T_EQ_I(p->steps[1].from, 10000);
		T_OK(p->steps[1].fixed);
		T_EQ_I(p->steps[1].points, 300);
		T_EQ_S(p->steps[1].label, "ladder:10000");
		T_EQ_I(p->rounding, MBR_ROUND_CEIL);
		mbr_program_free(p);
	}

	/* tiers: money thresholds in minor units, a promotion's "to" at
	 * local midnight: 2024-11-12 00:00 +08:00 is 1731340800 */
	p = load("{\"currency\":\"CNY\",\"earn\":{\"per\":1},\"multipliers\":"
	    "[{\"name\":\"d11\",\"factor\":2,\"from\":\"2024-11-11\","
	    "\"to\":\"2024-11-12\"}],\"tiers\":{\"review\":\"04-01\","
	    "\"grace_days\":30,\"levels\":[{\"name\":\"m\",\"from\":0},"
	    "{\"name\":\"g\",\"from\":\"5000.50\",\"factor\":1.5,\"gift\":"
	    "100}]},\"expiry\":{\"months\":24,\"at\":\"month_end\"}}", tz,
	    &err);
	T_OK(p != NULL);
	if (p != NULL) {
		T_EQ_I(p->mult[0].to, 1731340800);
		T_EQ_I(p->mult[0].from, 1731340800 - 86400);
		T_EQ_I(p->levels[1].from, 500050);
		T_EQ_I(p->levels[1].gift, 100);
		T_EQ_I(p->review_m, 4);
		T_EQ_I(p->grace, 30);
		T_EQ_I(p->expiry, MBR_EXP_MONTH_END);
		T_EQ_I(p->exp_n, 24);
		T_EQ_I(mbr_program_level(p, 500049), 0);
		T_EQ_I(mbr_program_level(p, 500050), 1);
		T_EQ_I(mbr_program_level_named(p, "g", 1), 1);
		T_EQ_I(mbr_program_level_named(p, "x", 1), -1);
		mbr_program_free(p);
	}

	/* the checksum is of the rules, not the layout */
	p = load(base, tz, &err);
	q = load("{ \"earn\" : { \"per\" : 1 },\n \"currency\" : \"CNY\" }",
	    tz, &err);
	T_OK(p != NULL && q != NULL);
	if (p != NULL && q != NULL)
		T_EQ_S(p->checksum, q->checksum);
	mbr_program_free(q);
	q = load("{\"currency\":\"CNY\",\"earn\":{\"per\":2}}", tz, &err);
	if (p != NULL && q != NULL)
		T_OK(strcmp(p->checksum, q->checksum) != 0);
	mbr_program_free(q);

	/* refused, naming the key */
	T_OK(strstr(refused("{\"currency\":\"CNY\",\"earn\":{\"per\":1,"
	    "\"roundng\":\"floor\"}}", tz, &err), "unknown key \"roundng\"")
	    != NULL);
	T_OK(strstr(refused("{\"currency\":\"CNY\",\"earn\":{\"per\":"
	    "\"1.23456\"}}", tz, &err), "more than 4 decimals") != NULL);
	T_OK(strstr(refused("{\"currency\":\"XXX\",\"earn\":{\"per\":1}}",
	    tz, &err), "currency") != NULL);
	T_OK(strstr(refused("{\"currency\":\"CNY\"}", tz, &err), "earn")
	    != NULL);
	T_OK(strstr(refused("{\"currency\":\"CNY\",\"earn\":{\"per\":1,"
	    "\"ladder\":[{\"from\":0,\"per\":1}]}}", tz, &err), "one of")
	    != NULL);
	T_OK(strstr(refused("{\"currency\":\"CNY\",\"earn\":{\"ladder\":"
	    "[{\"from\":5,\"per\":1}]}}", tz, &err), "first step") != NULL);
	T_OK(strstr(refused("{\"currency\":\"CNY\",\"earn\":{\"per\":1},"
	    "\"multipliers\":[{\"name\":\"x\",\"factor\":101}]}", tz, &err),
	    "more than 100") != NULL);
	T_OK(strstr(refused("{\"currency\":\"CNY\",\"earn\":{\"per\":1},"
	    "\"tiers\":{\"levels\":[{\"name\":\"a\",\"from\":0},{\"name\":"
	    "\"b\",\"from\":0}]}}", tz, &err), "not above") != NULL);
	T_OK(strstr(refused("{\"currency\":\"CNY\",\"earn\":{\"per\":1},"
	    "\"tiers\":{\"period\":\"calendar\",\"review\":\"02-01\","
	    "\"levels\":[{\"name\":\"a\",\"from\":0}]}}", tz, &err),
	    "calendar") != NULL);
	T_OK(strstr(refused("{\"currency\":\"CNY\",\"earn\":{\"per\":1},"
	    "\"expiry\":{\"months\":12,\"year_end\":1}}", tz, &err),
	    "one of") != NULL);
	T_OK(strstr(refused("{\"currency\":\"CNY\",\"earn\":{\"per\":1},"
	    "\"multipliers\":[{\"name\":\"x\",\"factor\":2,\"when\":"
	    "\"amount >\"}]}", tz, &err), "when") != NULL);
	T_OK(strstr(refused("{\"currency\":\"CNY\",", tz, &err), "p.json:1")
	    != NULL);
	T_OK(strstr(refused("{\"currency\":\"CNY\",\"currency\":\"CNY\","
	    "\"earn\":{\"per\":1}}", tz, &err), "duplicate") != NULL);

	/* a state: the end line's count and CRC-32 (zlib's, computed
	 * here) guard it; one of another programme is refused unless
	 * carried on */
	if (p != NULL) {
		char body[512], text[600];
		int n;

		n = snprintf(body, sizeof(body), "mbr-points-state\t1\t%s\t100\n"
		    "m\tx\t2\t50\tmember\t50\t10\t0\t0\t0\t0\t0\t-2147483648"
		    "\t0\t3\t0\t0\t9223372036854775807\nl\t20000\t10\n",
		    p->checksum);
		snprintf(text, sizeof(text), "%send\t3\t%08lx\n", body,
		    (unsigned long)crc32(crc32(0, NULL, 0),
		    (const unsigned char *)body, (unsigned)n));
		mbr_pstate_init(&st);
		mbr_err_clear(&err);
		T_EQ_I(mbr_pstate_parse(&st, "s", text, strlen(text), p, 0,
		    &err), MBR_OK);
		T_EQ_I(mbr_pstate_nmem(&st), 1);
		T_EQ_I(st.asof, 100);
		if (mbr_pstate_nmem(&st) == 1) {
			mbr_pmem *m = mbr_pstate_mem(&st, 0);

			T_EQ_I(m->earned, 10);
			T_EQ_I(m->last_act, 3);
			T_OK(m->flags & MBR_PM_SIGNED);
			T_EQ_I(mbr_pstate_node(&st, m->lots.head)->day, 20000);
			T_EQ_I(mbr_pstate_node(&st, m->lots.head)->v, 10);
		}
		mbr_pstate_free(&st);
		/* a byte changed: the sum differs */
		text[strlen(body) - 2] = '9';
		mbr_pstate_init(&st);
		T_EQ_I(mbr_pstate_parse(&st, "s", text, strlen(text), p, 0,
		    &err), MBR_EIO);
		T_OK(strstr(err.msg, "check sum") != NULL);
		mbr_pstate_free(&st);
		/* cut short: no end line */
		mbr_pstate_init(&st);
		T_EQ_I(mbr_pstate_parse(&st, "s", body, (size_t)n - 5, p, 0,
		    &err), MBR_EIO);
		T_OK(strstr(err.msg, "no end line") != NULL);
		mbr_pstate_free(&st);
		mbr_pstate_init(&st);
		T_EQ_I(mbr_pstate_parse(&st, "s", "", 0, p, 0, &err), MBR_EIO);
		mbr_pstate_free(&st);
		/* the CRC holds but the points do not add up: five lots of
		 * 2^61 - 1 overflow, earned 10 is not 10 + 1 */
		{
			char b2[1024], t2[1100];
			int n2, k;

			n2 = snprintf(b2, sizeof(b2), "mbr-points-state\t1\t%s\t"
			    "100\nm\tx\t0\t50\tmember\t50\t10\t0\t0\t0\t0\t0\t"
			    "-2147483648\t0\t3\t0\t0\t9223372036854775807\n",
			    p->checksum);
			for (k = 0; k < 5; k++)
				n2 += snprintf(b2 + n2, sizeof(b2) - (size_t)n2,
				    "l\t%d\t2305843009213693951\n", 20000 + k);
			snprintf(t2, sizeof(t2), "%send\t7\t%08lx\n", b2,
			    (unsigned long)crc32(crc32(0, NULL, 0),
			    (const unsigned char *)b2, (unsigned)n2));
			mbr_pstate_init(&st);
			T_EQ_I(mbr_pstate_parse(&st, "s", t2, strlen(t2), p, 0,
			    &err), MBR_EIO);
			T_OK(strstr(err.msg, "out of range") != NULL ||
			    strstr(err.msg, "add up") != NULL);
			mbr_pstate_free(&st);
			n2 = snprintf(b2, sizeof(b2), "mbr-points-state\t1\t%s\t"
			    "100\nm\tx\t0\t50\tmember\t50\t10\t0\t0\t0\t0\t0\t"
			    "-2147483648\t0\t3\t0\t0\t9223372036854775807\n"
			    "l\t20000\t11\n", p->checksum);
			snprintf(t2, sizeof(t2), "%send\t3\t%08lx\n", b2,
			    (unsigned long)crc32(crc32(0, NULL, 0),
			    (const unsigned char *)b2, (unsigned)n2));
			mbr_pstate_init(&st);
			T_EQ_I(mbr_pstate_parse(&st, "s", t2, strlen(t2), p, 0,
			    &err), MBR_EIO);
			T_OK(strstr(err.msg, "add up") != NULL);
			mbr_pstate_free(&st);
		}
		/* another programme's */
		q = load("{\"currency\":\"CNY\",\"earn\":{\"per\":2}}", tz,
		    &err);
		text[strlen(body) - 2] = '0';
		mbr_pstate_init(&st);
		T_EQ_I(mbr_pstate_parse(&st, "s", text, strlen(text), q, 0,
		    &err), MBR_EUSAGE);
		T_OK(strstr(err.msg, "another programme") != NULL);
		mbr_pstate_free(&st);
		mbr_pstate_init(&st);
		T_EQ_I(mbr_pstate_parse(&st, "s", text, strlen(text), q, 1,
		    &err), MBR_OK);
		mbr_pstate_free(&st);
		mbr_program_free(q);
	}
	mbr_program_free(p);
	mbr_tz_free(tz);
	return T_DONE();
}
