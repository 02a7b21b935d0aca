/* mbr_pstate.c: mbr-points' state, in memory and on disk
 * (mbr_pstate.h).
 *
 * The file, one record a line, fields separated by tabs, ids escaped
 * (\t \n \r \\), numbers in decimal, days as day numbers:
 *
 *	mbr-points-state  VERSION  CHECKSUM  AS_OF
 *	m  ID FLAGS SINCE TIER TIER_SINCE EARNED REDEEMED EXPIRED CLAWED
 *	   ADJUSTED DEBT CAP_DAY CAP_USED LAST_ACT BDAY_M BDAY_D BDAY_NEXT
 *	l  DAY POINTS			a lot of the member above
 *	q  DAY SPEND POINTS		a qualifying day of it
 *	o  ID MEMBER TS AMOUNT EARNED LOT FLAGS
 *	e  ID MEMBER_ID TS TYPE POINTS REJECTED
 *	end  LINES CRC32
 *
 * MEMBER is the number of an m line, from 0. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "mbr_buf.h"
#include "mbr_io.h"
#include "mbr_pstate.h"

/* MBR_PNODE_CHUNK nodes a chunk, 2^32 nodes in all. */
#define MAXCHUNK	(1u << (32 - MBR_PNODE_BITS))

struct mbr_ppool {
	pthread_mutex_t	 mu;
	uint32_t	 nchunk;
};

void
mbr_pstate_init(mbr_pstate *st)
{
	memset(st, 0, sizeof(*st));
	st->mem = mbr_tab_new(sizeof(mbr_pmem));
	st->ord = mbr_tab_new(sizeof(mbr_porder));
	st->ev = mbr_tab_new(sizeof(mbr_pevent));
	st->arena = mbr_arena_new();
	st->pool = mbr_xcalloc(1, sizeof(*st->pool));
	pthread_mutex_init(&st->pool->mu, NULL);
	/* untouched until used: calloc's pages of zeros */
	st->chunk = mbr_xcalloc(MAXCHUNK, sizeof(*st->chunk));
}

void
mbr_pstate_fork(const mbr_pstate *st, mbr_pstate *copy)
{
	*copy = *st;
	copy->next = copy->end = 0;
	copy->freenode = 0;
	copy->fork = 1;
}

void
mbr_pstate_free(mbr_pstate *st)
{
	uint32_t c;

	if (!st->fork) {
		mbr_tab_free(st->mem);
		mbr_tab_free(st->ord);
		mbr_tab_free(st->ev);
		mbr_arena_free(st->arena);
		if (st->pool != NULL) {
			for (c = 0; c < st->pool->nchunk; c++)
				mbr_hugefree(st->chunk[c], MBR_PNODE_CHUNK *
				    sizeof(mbr_pnode));
			pthread_mutex_destroy(&st->pool->mu);
		}
		free(st->pool);
		free(st->chunk);
	}
	memset(st, 0, sizeof(*st));
}

static void
mem_init(mbr_pmem *m)
{
	m->bday_next = INT64_MAX;
	m->cap_day = INT32_MIN;
}

uint32_t
mbr_pstate_member(mbr_pstate *st, const char *id, size_t n)
{
	return mbr_pstate_member_h(st, id, n, mbr_hash(id, n));
}

uint32_t
mbr_pstate_member_h(mbr_pstate *st, const char *id, size_t n, uint64_t h)
{
	int isnew;
	size_t i = mbr_tab_upsert_ix(st->mem, id, n, h, &isnew);

	if (isnew)
		mem_init(mbr_tab_val(st->mem, i));
	return (uint32_t)i;
}

uint32_t
mbr_pstate_member_find(const mbr_pstate *st, const char *id, size_t n)
{
	mbr_pmem *m = mbr_tab_get(st->mem, id, n);

	return m == NULL ? UINT32_MAX : (uint32_t)mbr_tab_index(st->mem, m);
}

size_t
mbr_pstate_nmem(const mbr_pstate *st)
{
	return mbr_tab_count(st->mem);
}

size_t
mbr_pstate_node_limit(const mbr_pstate *st)
{
	uint32_t n;

	pthread_mutex_lock(&st->pool->mu);
	n = st->pool->nchunk;
	pthread_mutex_unlock(&st->pool->mu);
	return (size_t)n << MBR_PNODE_BITS;
}

/* A fresh chunk for st's cursor: the lock keeps two threads from
 * taking the same number; the chunk is then st's alone. */
static void
take_chunk(mbr_pstate *st)
{
	uint32_t c;

	pthread_mutex_lock(&st->pool->mu);
	if ((c = st->pool->nchunk) == MAXCHUNK - 1) {	/* end stays < 2^32 */
		fprintf(stderr, "%s: more than 2^32 lots and qualifying "
		    "days\n", mbr_progname());
		abort();
	}
	st->chunk[c] = mbr_hugealloc(MBR_PNODE_CHUNK * sizeof(mbr_pnode));
	st->pool->nchunk++;
	pthread_mutex_unlock(&st->pool->mu);
	st->next = c << MBR_PNODE_BITS;
	st->end = st->next + MBR_PNODE_CHUNK;
	if (st->next == 0)
		st->next = 1;	/* node 0 is "none" */
}

uint32_t
mbr_pstate_node_new(mbr_pstate *st)
{
	uint32_t i;

	if (st->freenode != 0) {
		i = st->freenode;
		st->freenode = mbr_pstate_node(st, i)->next;
	} else {
		if (st->next == st->end)
			take_chunk(st);
		i = st->next++;
	}
	memset(mbr_pstate_node(st, i), 0, sizeof(mbr_pnode));
	return i;
}

void
mbr_pstate_node_free(mbr_pstate *st, uint32_t i)
{
	mbr_pstate_node(st, i)->next = st->freenode;
	st->freenode = i;
}

mbr_pnode *
mbr_plist_at(mbr_pstate *st, mbr_plist *l, int32_t day)
{
	uint32_t *at = &l->head, n;
	mbr_pnode *nd;

	if (l->tail != 0) {
		nd = mbr_pstate_node(st, l->tail);
		if (nd->day == day)
			return nd;
		if (nd->day < day)
			at = &nd->next;		/* the common case: a new last */
	}
	for (; *at != 0 && mbr_pstate_node(st, *at)->day < day;
	    at = &mbr_pstate_node(st, *at)->next)
		;
	if (*at != 0 && (nd = mbr_pstate_node(st, *at))->day == day)
		return nd;
	n = mbr_pstate_node_new(st);
	nd = mbr_pstate_node(st, n);
	nd->day = day;
	nd->next = *at;
	if (nd->next == 0)
		l->tail = n;
	*at = n;
	return nd;
}

void
mbr_plist_unlink(mbr_pstate *st, mbr_plist *l, uint32_t *at)
{
	uint32_t n = *at, k;

	*at = mbr_pstate_node(st, n)->next;
	if (l->tail == n) {
		/* the node before it is the tail now: lists are short */
		l->tail = 0;
		for (k = l->head; k != 0; k = mbr_pstate_node(st, k)->next)
			l->tail = k;
	}
	mbr_pstate_node_free(st, n);
}

uint32_t
mbr_pstate_order_get(mbr_pstate *st, const char *id, size_t n, int *isnew)
{
	return (uint32_t)mbr_tab_upsert_ix(st->ord, id, n, mbr_hash(id, n),
	    isnew);
}

uint32_t
mbr_pstate_order_get_h(mbr_pstate *st, const char *id, size_t n, uint64_t h,
    int *isnew)
{
	return (uint32_t)mbr_tab_upsert_ix(st->ord, id, n, h, isnew);
}

uint32_t
mbr_pstate_event_get(mbr_pstate *st, const char *id, size_t n, int *isnew)
{
	return (uint32_t)mbr_tab_upsert_ix(st->ev, id, n, mbr_hash(id, n),
	    isnew);
}

/* ---- writing ---- */

struct w {
	mbr_output	*out;
	mbr_buf		 b;
	uLong		 crc;
	unsigned long	 lines;
};

static void
flush(struct w *w)
{
	w->crc = crc32(w->crc, (const Bytef *)w->b.p, (uInt)w->b.n);
	mbr_output_write(w->out, w->b.p, w->b.n);
	mbr_buf_reset(&w->b);
}

static void
esc(mbr_buf *b, mbr_slice s)
{
	size_t i;

	for (i = 0; i < s.n; i++)
		switch (s.p[i]) {
		case '\t':
			mbr_buf_add(b, "\\t", 2);
			break;
		case '\n':
			mbr_buf_add(b, "\\n", 2);
			break;
		case '\r':
			mbr_buf_add(b, "\\r", 2);
			break;
		case '\\':
			mbr_buf_add(b, "\\\\", 2);
			break;
		default:
			mbr_buf_addc(b, s.p[i]);
		}
}

static void
endline(struct w *w)
{
	mbr_buf_addc(&w->b, '\n');
	w->lines++;
	if (w->b.n >= 60000)
		flush(w);
}

int
mbr_pstate_write(const mbr_pstate *st, const char *path,
    const mbr_program *p, mbr_err *err)
{
	struct w w;
	size_t i, n = mbr_tab_count(st->mem);
	uint32_t *num = mbr_xcalloc(n + 1, sizeof(*num)), k = 0, x;
	int rc;

	if ((rc = mbr_output_open(&w.out, path, MBR_OUT_ATOMIC, err)) !=
	    MBR_OK) {
		free(num);
		return rc;
	}
	mbr_buf_init(&w.b);
	w.crc = crc32(0, NULL, 0);
	w.lines = 0;
	mbr_buf_addf(&w.b, "mbr-points-state\t%d\t%s\t%lld",
	    MBR_PSTATE_VERSION, p->checksum, (long long)st->asof);
	endline(&w);
	for (i = 0; i < n; i++) {
		const mbr_pmem *m = mbr_tab_val(st->mem, i);

		num[i] = UINT32_MAX;
		if (!(m->flags & MBR_PM_KNOWN))
			continue;
		num[i] = k++;
		mbr_buf_addc(&w.b, 'm');
		mbr_buf_addc(&w.b, '\t');
		esc(&w.b, mbr_tab_key(st->mem, i));
		mbr_buf_addf(&w.b, "\t%d\t%lld\t", m->flags & (MBR_PM_SIGNED |
		    MBR_PM_DORMANT),
		    (long long)m->since);
		esc(&w.b, (mbr_slice){ p->levels[m->tier].name,
		    strlen(p->levels[m->tier].name) });
		mbr_buf_addf(&w.b, "\t%lld\t%lld\t%lld\t%lld\t%lld\t%lld\t%lld"
		    "\t%ld\t%lld\t%ld\t%u\t%u\t%lld",
		    (long long)m->tier_since, (long long)m->earned,
		    (long long)m->redeemed, (long long)m->expired,
		    (long long)m->clawed, (long long)m->adjusted,
		    (long long)m->debt, (long)m->cap_day,
		    (long long)m->cap_used, (long)m->last_act,
		    (unsigned)m->bday_m, (unsigned)m->bday_d,
		    (long long)m->bday_next);
		endline(&w);
		for (x = m->lots.head; x != 0; x = mbr_pstate_node(st,
		    x)->next) {
			mbr_buf_addf(&w.b, "l\t%ld\t%lld",
			    (long)mbr_pstate_node(st, x)->day,
			    (long long)mbr_pstate_node(st, x)->v);
			endline(&w);
		}
		for (x = m->qual.head; x != 0; x = mbr_pstate_node(st,
		    x)->next) {
			mbr_buf_addf(&w.b, "q\t%ld\t%lld\t%lld",
			    (long)mbr_pstate_node(st, x)->day,
			    (long long)mbr_pstate_node(st, x)->v,
			    (long long)mbr_pstate_node(st, x)->w);
			endline(&w);
		}
	}
	n = mbr_tab_count(st->ord);
	for (i = 0; i < n; i++) {
		const mbr_porder *o = mbr_tab_val(st->ord, i);

		if (o->mem >= mbr_tab_count(st->mem) ||
		    num[o->mem] == UINT32_MAX)
			continue;
		mbr_buf_add(&w.b, "o\t", 2);
		esc(&w.b, mbr_tab_key(st->ord, i));
		mbr_buf_addf(&w.b, "\t%lu\t%lld\t%lld\t%lld\t%ld\t%u",
		    (unsigned long)num[o->mem], (long long)o->ts,
		    (long long)o->amount, (long long)o->earned, (long)o->lot,
		    (unsigned)o->flags);
		endline(&w);
	}
	n = mbr_tab_count(st->ev);
	for (i = 0; i < n; i++) {
		const mbr_pevent *e = mbr_tab_val(st->ev, i);

		mbr_buf_add(&w.b, "e\t", 2);
		esc(&w.b, mbr_tab_key(st->ev, i));
		mbr_buf_addc(&w.b, '\t');
		esc(&w.b, (mbr_slice){ e->rawmem, e->rawmemn });
		mbr_buf_addf(&w.b, "\t%lld\t%u\t%lld\t%d", (long long)e->ts,
		    (unsigned)e->type, (long long)e->points,
		    (e->flags & MBR_PE_REJECTED) != 0);
		endline(&w);
	}
	flush(&w);
	mbr_buf_addf(&w.b, "end\t%lu\t%08lx\n", w.lines, (unsigned long)w.crc);
	mbr_output_write(w.out, w.b.p, w.b.n);
	mbr_buf_release(&w.b);
	free(num);
	return mbr_output_close(w.out, err);
}

/* ---- reading ---- */

struct r {
	const char	*src;
	unsigned long	 line;
	char		*f[20];	/* the line's fields, cut in place */
	int		 nf;
	mbr_buf		 id;
	mbr_err		*err;
};

static int
corrupt(struct r *r, const char *what)
{
	mbr_err_set(r->err, MBR_EIO, "not a whole mbr-points state (%s): "
	    "was it cut short or edited?", what);
	mbr_err_at(r->err, r->src, r->line);
	return MBR_EIO;
}

static int
num(struct r *r, int i, int64_t lo, int64_t hi, int64_t *out)
{
	char *end;
	long long v;

	if (i >= r->nf || r->f[i][0] == '\0')
		return corrupt(r, "a field is missing");
	v = strtoll(r->f[i], &end, 10);
	if (*end != '\0' || v < lo || v > hi)
		return corrupt(r, "a number is out of place");
	*out = v;
	return MBR_OK;
}

static int
unesc(struct r *r, const char *s)
{
	mbr_buf_reset(&r->id);
	for (; *s != '\0'; s++) {
		if (*s != '\\') {
			mbr_buf_addc(&r->id, *s);
			continue;
		}
		switch (*++s) {
		case 't':
			mbr_buf_addc(&r->id, '\t');
			break;
		case 'n':
			mbr_buf_addc(&r->id, '\n');
			break;
		case 'r':
			mbr_buf_addc(&r->id, '\r');
			break;
		case '\\':
			mbr_buf_addc(&r->id, '\\');
			break;
		default:
			return corrupt(r, "a bad escape");
		}
	}
	if (r->id.n == 0)
		return corrupt(r, "an empty id");
	return MBR_OK;
}

/* Cuts line [p, e) at its tabs. */
static void
cut(struct r *r, char *p, char *e)
{
	r->nf = 0;
	*e = '\0';
	for (;;) {
		char *t = memchr(p, '\t', (size_t)(e - p));

		if (r->nf == (int)(sizeof(r->f) / sizeof(r->f[0])))
			return;
		r->f[r->nf++] = p;
		if (t == NULL)
			return;
		*t = '\0';
		p = t + 1;
	}
}

#define BIG (INT64_MAX / 4)

static int
member_line(mbr_pstate *st, struct r *r, const mbr_program *p,
    mbr_pmem **cur)
{
	int64_t v[16];
	int i, isnew, tier;
	mbr_pmem *m;

	if (r->nf != 18)
		return corrupt(r, "a member line of another length");
	if (unesc(r, r->f[1]) != MBR_OK)
		return MBR_EIO;
	for (i = 0; i < 16; i++) {
		int64_t lo = -BIG, hi = BIG;

		if (i == 2)
			continue;	/* the tier */
		if (i == 0 || i == 13 || i == 14) {
			lo = 0;
			hi = i == 0 ? MBR_PM_SIGNED | MBR_PM_DORMANT :
			    i == 13 ? 12 : 31;
		}
		if (i == 15)
			hi = INT64_MAX;
		if (num(r, i + 2, lo, hi, &v[i]) != MBR_OK)
			return MBR_EIO;
	}
	tier = mbr_program_level_named(p, r->f[4], strlen(r->f[4]));
	if (tier < 0) {
		mbr_err_set(r->err, MBR_EUSAGE, "tier \"%s\" is not in the "
		    "programme", r->f[4]);
		mbr_err_at(r->err, r->src, r->line);
		return MBR_EUSAGE;
	}
	m = mbr_tab_upsert(st->mem, r->id.p, r->id.n, &isnew);
	if (!isnew)
		return corrupt(r, "a member twice");
	mem_init(m);
	if (v[0] & ~(int64_t)(MBR_PM_SIGNED | MBR_PM_DORMANT))
		return corrupt(r, "unknown flags");
	m->flags = (uint8_t)(MBR_PM_KNOWN | v[0]);
	m->since = v[1];
	m->tier = (int16_t)tier;
	m->tier_since = v[3];
	m->earned = v[4];
	m->redeemed = v[5];
	m->expired = v[6];
	m->clawed = v[7];
	m->adjusted = v[8];
	m->debt = v[9];
	if (v[10] < INT32_MIN || v[10] > INT32_MAX || v[12] < INT32_MIN ||
	    v[12] > INT32_MAX)
		return corrupt(r, "a day out of range");
	m->cap_day = (int32_t)v[10];
	m->cap_used = v[11];
	m->last_act = (int32_t)v[12];
	m->bday_m = (uint8_t)v[13];
	m->bday_d = (uint8_t)v[14];
	m->bday_next = v[15];
	*cur = m;
	return MBR_OK;
}

/* A node of the member above (lines come in day order). */
static int
node_line(mbr_pstate *st, struct r *r, mbr_pmem *m, mbr_plist *l, int q)
{
	int64_t day, v, w = 0;
	mbr_pnode *nd;

	if (m == NULL)
		return corrupt(r, "a lot before any member");
	if (r->nf != (q ? 4 : 3) || num(r, 1, -100000000, INT32_MAX, &day) !=
	    MBR_OK || num(r, 2, -BIG, BIG, &v) != MBR_OK ||
	    (q && num(r, 3, -BIG, BIG, &w) != MBR_OK))
		return corrupt(r, "a bad lot or day");
	if (l->tail != 0 && mbr_pstate_node(st, l->tail)->day >= day)
		return corrupt(r, "days out of order");
	nd = mbr_plist_at(st, l, (int32_t)day);
	nd->v = v;
	nd->w = w;
	if (q && (__builtin_add_overflow(m->qspend, v, &m->qspend) ||
	    __builtin_add_overflow(m->qpts, w, &m->qpts)))
		return corrupt(r, "sums out of range");
	return MBR_OK;
}

/* Whether every member's lots, less its debt, are its balance: a state
 * whose CRC holds but whose numbers do not add up was made by hand, and
 * its sums would overflow further on. */
static int
balanced(const mbr_pstate *st, struct r *r)
{
	size_t i, n = mbr_tab_count(st->mem);

	r->line = 0;
	for (i = 0; i < n; i++) {
		const mbr_pmem *m = mbr_tab_val(st->mem, i);
		int64_t lots = 0, bal = m->earned;
		uint32_t x;

		for (x = m->lots.head; x != 0; x = mbr_pstate_node(st,
		    x)->next)
			if (mbr_pstate_node(st, x)->v <= 0 ||
			    __builtin_add_overflow(lots, mbr_pstate_node(st,
			    x)->v, &lots))
				return corrupt(r, "a lot out of range");
		if (m->earned < 0 || m->redeemed < 0 || m->expired < 0 ||
		    m->clawed < 0 || m->debt < 0 || m->cap_used < 0 ||
		    (m->debt > 0 && lots > 0) ||
		    __builtin_add_overflow(bal, m->adjusted, &bal) ||
		    __builtin_sub_overflow(bal, m->clawed, &bal) ||
		    __builtin_sub_overflow(bal, m->redeemed, &bal) ||
		    __builtin_sub_overflow(bal, m->expired, &bal) ||
		    bal != lots - m->debt)
			return corrupt(r, "a member's points do not add up");
	}
	return MBR_OK;
}

int
mbr_pstate_parse(mbr_pstate *st, const char *src, const char *text,
    size_t n, const mbr_program *p, int reprogram, mbr_err *err)
{
	struct r r = { .src = src, .err = err };
	char *buf, *s, *e, *end;
	const char *last;
	unsigned long lines = 0, want;
	uLong crc;
	mbr_pmem *cur = NULL;
	int rc = MBR_OK, isnew;
	int64_t v[6];
	size_t nmem;

	/* the end line first: is it all there? */
	if (n == 0 || text[n - 1] != '\n') {
		r.line = 0;
		return corrupt(&r, "no end line");
	}
	last = text + n - 1;
	while (last > text && last[-1] != '\n')
		last--;
	{
		char tail[64], c;
		unsigned long x;
		size_t tn = (size_t)(text + n - last);

		if (tn >= sizeof(tail) || last == text)
			return corrupt(&r, "no end line");
		memcpy(tail, last, tn);
		tail[tn] = '\0';
		if (sscanf(tail, "end\t%lu\t%8lx%c", &want, &x, &c) != 3 ||
		    c != '\n')
			return corrupt(&r, "no end line");
		crc = crc32(crc32(0, NULL, 0), (const Bytef *)text,
		    (uInt)(last - text));
		if (crc != x)
			return corrupt(&r, "its check sum differs");
	}
	buf = mbr_xmalloc((size_t)(last - text) + 1);
	memcpy(buf, text, (size_t)(last - text));
	end = buf + (last - text);
	*end = '\0';
	mbr_buf_init(&r.id);
	for (s = buf; s < end && rc == MBR_OK; s = e + 1) {
		e = memchr(s, '\n', (size_t)(end - s));
		if (e == NULL)
			e = end;
		r.line = ++lines;
		cut(&r, s, e);
		if (lines == 1) {
			if (r.nf != 4 || strcmp(r.f[0], "mbr-points-state") != 0) {
				mbr_err_set(err, MBR_EUSAGE, "not an "
				    "mbr-points state");
				mbr_err_at(err, src, 1);
				rc = MBR_EUSAGE;
				break;
			}
			if (strcmp(r.f[1], "1") != 0) {
				mbr_err_set(err, MBR_EUSAGE, "a state of "
				    "format %s, not %d (another version of "
				    "mbr-points)", r.f[1], MBR_PSTATE_VERSION);
				mbr_err_at(err, src, 1);
				rc = MBR_EUSAGE;
				break;
			}
			if (strcmp(r.f[2], p->checksum) != 0 && !reprogram) {
				mbr_err_set(err, MBR_EUSAGE, "the state was "
				    "made under another programme (checksum "
				    "%s, this one's %s): give --reprogram to "
				    "carry it on under this one", r.f[2],
				    p->checksum);
				mbr_err_at(err, src, 1);
				rc = MBR_EUSAGE;
				break;
			}
			if ((rc = num(&r, 3, -BIG, BIG, &st->asof)) != MBR_OK)
				break;
			st->asof_set = 1;
			continue;
		}
		switch (r.f[0][0] != '\0' && r.f[0][1] == '\0' ? r.f[0][0] :
		    0) {
		case 'm':
			rc = member_line(st, &r, p, &cur);
			break;
		case 'l':
			rc = node_line(st, &r, cur, cur ? &cur->lots : NULL, 0);
			break;
		case 'q':
			rc = node_line(st, &r, cur, cur ? &cur->qual : NULL, 1);
			break;
		case 'o':
			cur = NULL;
			nmem = mbr_tab_count(st->mem);
			if (r.nf != 8 || unesc(&r, r.f[1]) != MBR_OK ||
			    num(&r, 2, 0, (int64_t)nmem - 1, &v[0]) != MBR_OK ||
			    num(&r, 3, -BIG, BIG, &v[1]) != MBR_OK ||
			    num(&r, 4, -BIG, BIG, &v[2]) != MBR_OK ||
			    num(&r, 5, -BIG, BIG, &v[3]) != MBR_OK ||
			    num(&r, 6, INT32_MIN, INT32_MAX, &v[4]) != MBR_OK ||
			    num(&r, 7, 0, 15, &v[5]) != MBR_OK) {
				rc = r.err->code ? r.err->code :
				    corrupt(&r, "a bad order line");
				break;
			}
			{
				mbr_porder *o = mbr_tab_upsert(st->ord,
				    r.id.p, r.id.n, &isnew);

				if (!isnew) {
					rc = corrupt(&r, "an order twice");
					break;
				}
				o->mem = (uint32_t)v[0];
				o->ts = v[1];
				o->amount = v[2];
				o->earned = v[3];
				o->lot = (int32_t)v[4];
				o->flags = (uint8_t)v[5];
			}
			break;
		case 'e':
			cur = NULL;
			if (r.nf != 7 || unesc(&r, r.f[2]) != MBR_OK ||
			    num(&r, 3, -BIG, BIG, &v[1]) != MBR_OK ||
			    num(&r, 4, 1, 2, &v[2]) != MBR_OK ||
			    num(&r, 5, -BIG, BIG, &v[3]) != MBR_OK ||
			    num(&r, 6, 0, 1, &v[4]) != MBR_OK) {
				rc = r.err->code ? r.err->code :
				    corrupt(&r, "a bad event line");
				break;
			}
			{
				mbr_pevent *ev;
				char *mid = mbr_arena_strndup(st->arena,
				    r.id.p, r.id.n);
				size_t midn = r.id.n;

				if (unesc(&r, r.f[1]) != MBR_OK) {
					rc = MBR_EIO;
					break;
				}
				ev = mbr_tab_upsert(st->ev, r.id.p, r.id.n,
				    &isnew);
				if (!isnew) {
					rc = corrupt(&r, "an event twice");
					break;
				}
				ev->rawmem = mid;
				ev->rawmemn = midn;
				ev->mem = mbr_pstate_member_find(st, mid, midn);
				ev->ts = v[1];
				ev->type = (uint8_t)v[2];
				ev->points = v[3];
				ev->flags = v[4] ? MBR_PE_REJECTED : 0;
			}
			break;
		default:
			rc = corrupt(&r, "a line of no known kind");
		}
	}
	if (rc == MBR_OK && lines != want) {
		r.line = lines;
		rc = corrupt(&r, "lines are missing");
	}
	if (rc == MBR_OK && !st->asof_set)
		rc = corrupt(&r, "no header");
	if (rc == MBR_OK)
		rc = balanced(st, &r);
	mbr_buf_release(&r.id);
	free(buf);
	return rc;
}

int
mbr_pstate_read(mbr_pstate *st, const char *path, const mbr_program *p,
    int reprogram, mbr_err *err)
{
	mbr_buf b;
	int rc;

	mbr_buf_init(&b);
	if ((rc = mbr_input_slurp(path, &b, err)) == MBR_OK)
		rc = mbr_pstate_parse(st, path, b.p, b.n, p, reprogram, err);
	mbr_buf_release(&b);
	return rc;
}
