/* mbr_oidset.c: see mbr_oidset.h. */
#include "mbr_oidset.h"
#include "mbr_tab.h"

#define OID_MIN	(1u << 16)	/* slots of a set not sized */

static size_t
slot(const mbr_oidset *s, uint64_t h)
{
	return (size_t)(((unsigned __int128)h * s->cap) >> 64);
}

mbr_oid *
mbr_oidset_find(mbr_oidset *s, uint64_t h)
{
	size_t j;

	if (h == 0)
		h = 1;
	if (s->s == NULL) {
		if (s->cap == 0)
			s->cap = OID_MIN;
		s->s = mbr_hugealloc(s->cap * sizeof(mbr_oid));
		s->pf = mbr_prefault_start(s->s, s->cap * sizeof(mbr_oid));
	}
	for (j = slot(s, h); s->s[j].h != 0; j = j + 1 == s->cap ? 0 : j + 1)
		if (s->s[j].h == h)
			return &s->s[j];
	return &s->s[j];
}

/* At most three quarters full: a probe then mostly stays within one or
 * two cache lines. */
void
mbr_oidset_reserve(mbr_oidset *s, size_t n)
{
	mbr_oidset ns = { NULL, n / 3 * 4 + 4, 0, NULL };
	size_t i;

	if (ns.cap < OID_MIN)
		ns.cap = OID_MIN;
	if (ns.cap <= s->cap)
		return;
	if (s->s == NULL) {
		s->cap = ns.cap;
		return;
	}
	ns.s = mbr_hugealloc(ns.cap * sizeof(mbr_oid));
	ns.pf = mbr_prefault_start(ns.s, ns.cap * sizeof(mbr_oid));
	mbr_prefault_end(s->pf);
	for (i = 0; i < s->cap; i++)
		if (s->s[i].h != 0)
			*mbr_oidset_find(&ns, s->s[i].h) = s->s[i];
	ns.n = s->n;
	mbr_hugefree(s->s, s->cap * sizeof(mbr_oid));
	*s = ns;
}

mbr_oid *
mbr_oidset_add(mbr_oidset *s, uint64_t h)
{
	mbr_oid *e;

	if ((s->n + 1) * 4 > s->cap * 3)
		mbr_oidset_reserve(s, s->cap / 4 * 3 * 2);
	e = mbr_oidset_find(s, h);
	if (e->h == 0) {
		e->h = h == 0 ? 1 : h;
		s->n++;
	}
	return e;
}

void
mbr_oidset_free(mbr_oidset *s)
{
	if (s->s != NULL) {
		mbr_prefault_end(s->pf);
		mbr_hugefree(s->s, s->cap * sizeof(mbr_oid));
	}
	s->s = NULL;
	s->cap = s->n = 0;
	s->pf = NULL;
}
