/* mbr_paudit.c: mbr-points --audit, a ledger checked against its
 * programme (mbr_points.h).
 *
 * The check is independent of how the ledger was made: it replays the
 * rows themselves, keeping per member the balance and per lot what is
 * left, and refuses the first row that breaks the arithmetic or the
 * programme's tiers. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mbr_buf.h"
#include "mbr_money.h"
#include "mbr_points.h"
#include "mbr_tab.h"

struct amem {
	int64_t	 bal;
	int	 tier;
};

struct alot {
	int64_t	 v;
	int	 expired;
};

static int
intval(mbr_slice s, int64_t *out)
{
	char buf[32], *end;

	if (s.p == NULL || s.n == 0 || s.n >= sizeof(buf))
		return 0;
	memcpy(buf, s.p, s.n);
	buf[s.n] = '\0';
	*out = strtoll(buf, &end, 10);
	return *end == '\0' && (mbr_isdigit(buf[0]) || buf[0] == '-');
}

/* A lot's last day from its name, or -1 ("open", "debt"). */
static int64_t
lotday(mbr_slice s)
{
	int64_t y, m, d;

	if (s.n != 10 || s.p[4] != '-' || s.p[7] != '-')
		return -1;
	y = (s.p[0] - '0') * 1000 + (s.p[1] - '0') * 100 + (s.p[2] - '0') *
	    10 + (s.p[3] - '0');
	m = (s.p[5] - '0') * 10 + (s.p[6] - '0');
	d = (s.p[8] - '0') * 10 + (s.p[9] - '0');
	if (m < 1 || m > 12 || d < 1 || d > 31)
		return -1;
	return mbr_days_from_civil(y, (unsigned)m, (unsigned)d);
}

static int __attribute__((format(printf, 3, 4)))
fail(mbr_err *err, const mbr_rec *rec, const char *fmt, ...)
{
	char msg[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	mbr_err_set(err, MBR_EDATA, "%s", msg);
	mbr_err_at(err, rec->file, rec->line);
	return MBR_EDATA;
}

static const char *const types[] = { "earn", "clawback", "redeem",
	"expire", "adjust", "bonus", "tier_up", "tier_down", NULL };

int
mbr_points_audit(const mbr_cli *c, const mbr_points_opts *o, mbr_err *err)
{
	static const char *const need[] = { "member_id", "ts", "type",
	    "points", "balance", "lot", "tier", "qualifying" };
	mbr_reader_opts ro = c->ro;
	mbr_reader *rd = NULL;
	mbr_program *p = NULL;
	mbr_tz *tz = NULL;
	mbr_tab *mem = mbr_tab_new(sizeof(struct amem));
	mbr_tab *lots = mbr_tab_new(sizeof(struct alot));
	mbr_buf key;
	mbr_rec rec;
	char *files[1] = { (char *)o->audit };
	int ix[8], r, rc, i, type;
	unsigned long rows = 0;

	mbr_buf_init(&key);
	ro.progress = 0;
	if ((rc = mbr_cli_tz(c, &tz, err)) != MBR_OK ||
	    (rc = mbr_program_load(&p, o->program, tz, err)) != MBR_OK ||
	    (rc = mbr_reader_open(&rd, &ro, 1, files, err)) != MBR_OK)
		goto out;
	for (i = 0; i < 8; i++)
		ix[i] = mbr_reader_col(rd, need[i], strlen(need[i]));
	while ((r = mbr_reader_next(rd, &rec, err)) != MBR_READ_END) {
		mbr_slice id, ty, lot, tier, q;
		int64_t pts, bal, day, qv;
		mbr_time t;
		struct amem *m;
		mbr_err e;
		int isnew;

		if (r == MBR_READ_FILE) {
			size_t nh;

			mbr_reader_header(rd, &nh);
			if (mbr_reader_format(rd) == MBR_FMT_CSV && nh > 0)
				for (i = 0; i < 8; i++)
					if (!mbr_reader_has(rd, ix[i])) {
						mbr_err_set(err, MBR_EUSAGE,
						    "missing column \"%s\" (not"
						    " an mbr-points ledger)",
						    need[i]);
						mbr_err_at(err, rec.file, 1);
						rc = MBR_EUSAGE;
						goto out;
					}
			continue;
		}
		if (rec.bad != NULL) {
			rc = fail(err, &rec, "%s", rec.why);
			goto out;
		}
		rows++;
		id = rec.f[ix[0]];
		ty = rec.f[ix[2]];
		lot = rec.f[ix[5]];
		tier = rec.f[ix[6]];
		q = rec.f[ix[7]];
		for (type = 0; types[type] != NULL; type++)
			if (mbr_slice_eq(ty, types[type], strlen(types[type])))
				break;
		mbr_err_clear(&e);
		if (id.p == NULL || id.n == 0 || types[type] == NULL ||
		    !intval(rec.f[ix[3]], &pts) ||
		    !intval(rec.f[ix[4]], &bal) || rec.f[ix[1]].p == NULL ||
		    mbr_time_parse(&t, rec.f[ix[1]].p, rec.f[ix[1]].n, tz,
		    &e) != MBR_OK) {
			rc = fail(err, &rec, "not a ledger row (member_id, ts, "
			    "type, points and balance are needed)");
			goto out;
		}
		m = mbr_tab_upsert(mem, id.p, id.n, &isnew);
		if (bal != m->bal + pts) {
			rc = fail(err, &rec, "balance %lld of member \"%.*s\" "
			    "is not %lld + %lld", (long long)bal, (int)id.n,
			    id.p, (long long)m->bal, (long long)pts);
			goto out;
		}
		m->bal = bal;
		if (type == 6 || type == 7) {
			int lv = tier.p ? mbr_program_level_named(p, tier.p,
			    tier.n) : -1;

			if (lv < 0) {
				rc = fail(err, &rec, "tier \"%.*s\" is not in "
				    "the programme", tier.p ? (int)tier.n : 0,
				    tier.p ? tier.p : "");
				goto out;
			}
			if (pts != 0) {
				rc = fail(err, &rec, "a tier row with points");
				goto out;
			}
			if (q.p == NULL || (p->tier_points ?
			    !intval(q, &qv) : mbr_money_parse(&qv, q.p, q.n,
			    p->exp, 0, &e) != MBR_OK)) {
				rc = fail(err, &rec, "qualifying \"%.*s\" is "
				    "not a number", q.p ? (int)q.n : 0,
				    q.p ? q.p : "");
				goto out;
			}
			if (type == 6 && (lv <= m->tier ||
			    qv < p->levels[lv].from)) {
				rc = fail(err, &rec, "tier_up of member "
				    "\"%.*s\" from %s to %s with qualifying "
				    "%.*s", (int)id.n, id.p,
				    p->levels[m->tier].name, p->levels[lv].name,
				    (int)q.n, q.p);
				goto out;
			}
			if (type == 7 && (lv >= m->tier ||
			    qv >= p->levels[m->tier].from ||
			    mbr_program_level(p, qv) != lv)) {
				rc = fail(err, &rec, "tier_down of member "
				    "\"%.*s\" from %s to %s with qualifying "
				    "%.*s", (int)id.n, id.p,
				    p->levels[m->tier].name, p->levels[lv].name,
				    (int)q.n, q.p);
				goto out;
			}
			m->tier = lv;
			continue;
		}
		if (lot.p == NULL || lot.n == 0) {
			rc = fail(err, &rec, "a %s row without a lot",
			    types[type]);
			goto out;
		}
		{
			struct alot *l;

			mbr_buf_reset(&key);
			mbr_buf_add(&key, id.p, id.n);
			mbr_buf_addc(&key, '\0');
			mbr_buf_add(&key, lot.p, lot.n);
			l = mbr_tab_upsert(lots, key.p, key.n, NULL);
			/* under inactive_days, points credited after an
			 * expiry start the open lot afresh */
			if (l->expired && pts > 0 && mbr_slice_eq(lot, "open", 4))
				l->expired = 0;
			if (l->expired) {
				rc = fail(err, &rec, "lot %.*s of member "
				    "\"%.*s\" is used after it expired",
				    (int)lot.n, lot.p, (int)id.n, id.p);
				goto out;
			}
			l->v += pts;
			if (mbr_slice_eq(lot, "debt", 4)) {
				if (l->v > 0) {
					rc = fail(err, &rec, "member \"%.*s\" "
					    "settles more debt than it owed",
					    (int)id.n, id.p);
					goto out;
				}
				if (type == 3) {
					rc = fail(err, &rec, "debt expired");
					goto out;
				}
				continue;
			}
			if (l->v < 0) {
				rc = fail(err, &rec, "lot %.*s of member "
				    "\"%.*s\" goes below zero (%lld)",
				    (int)lot.n, lot.p, (int)id.n, id.p,
				    (long long)l->v);
				goto out;
			}
			if (type != 3)
				continue;
			day = lotday(lot);
			if (l->v != 0) {
				rc = fail(err, &rec, "expiry leaves %lld points "
				    "in lot %.*s of member \"%.*s\"",
				    (long long)l->v, (int)lot.n, lot.p,
				    (int)id.n, id.p);
				goto out;
			}
			if (day >= 0) {
				int64_t loc = (day + 1) * 86400;

				if (t.t != loc - mbr_tz_offset_local(tz, loc)) {
					rc = fail(err, &rec, "lot %.*s expires "
					    "at another time than the midnight "
					    "after its last day", (int)lot.n,
					    lot.p);
					goto out;
				}
			}
			l->expired = 1;
		}
	}
	if ((rc = err->code) != MBR_OK)
		goto out;
	if (!c->quiet)
		fprintf(stderr, "%s: %s: %lu rows, %zu members: the balances, "
		    "lots and tiers hold\n", mbr_progname(), o->audit, rows,
		    mbr_tab_count(mem));
out:
	mbr_buf_release(&key);
	mbr_tab_free(mem);
	mbr_tab_free(lots);
	mbr_reader_free(rd);
	mbr_program_free(p);
	mbr_tz_free(tz);
	return rc;
}
