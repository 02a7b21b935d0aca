/* fuzz_ndjson: the NDJSON scanner (lib/mbr_ndjson.h) against jansson.
 *
 * The input is one line.  Checked: mbr_ndjson_parse accepts exactly
 * what jansson (mbr_ndjson_ref_parse) accepts, except a number too
 * large for a double, valid JSON that jansson calls an overflow, and a
 * line holding a NUL byte, which only jansson accepts (and ours must
 * reject); when
 * both accept, each key has, as jansson resolves duplicates (the last
 * value wins), the same type, and strings, true, false and null the
 * same bytes; every slice lies in the line or the scratch space; every
 * string value, quoted by mbr_json_quote and parsed again, comes back
 * byte for byte; an error reads "not a JSON object" or "invalid JSON
 * (or UTF-8) at column N" with N at most one past the line. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mbr_ndjson.h"
#include "mbr_utf8.h"
#include "fuzz.h"

static int
within(mbr_slice s, const char *p, size_t n)
{
	return s.n == 0 || (s.p >= p && s.p + s.n <= p + n);
}

static void
goodmsg(const char *m, size_t n)
{
	const char *c;
	unsigned long col;

	if (strcmp(m, "not a JSON object") == 0)
		return;
	if (strncmp(m, "invalid JSON at column ", 23) == 0)
		c = m + 23;
	else if (strncmp(m, "invalid UTF-8 at column ", 24) == 0)
		c = m + 24;
	else {
		fprintf(stderr, "unexpected message: %s\n", m);
		abort();
	}
	col = strtoul(c, NULL, 10);
	FUZZ_CHECK(col >= 1 && col <= n + 1);
}

/* The last occurrence of key k in r, or NULL. */
static const mbr_kv *
last(const mbr_jrec *r, mbr_slice k)
{
	size_t i;

	for (i = r->nkv; i-- > 0;)
		if (r->kv[i].key.n == k.n &&
		    memcmp(r->kv[i].key.p, k.p, k.n) == 0)
			return &r->kv[i];
	return NULL;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *in = (const char *)data;
	mbr_jrec ours, ref, back;
	mbr_err eo = { 0 }, er = { 0 }, eb = { 0 };
	mbr_buf q;
	size_t i;
	int ro, rr;

	mbr_jrec_init(&ours);
	mbr_jrec_init(&ref);
	mbr_jrec_init(&back);
	mbr_buf_init(&q);
	ro = mbr_ndjson_parse(in, size, &ours, &eo);
	rr = mbr_ndjson_ref_parse(in, size, &ref, &er);
	if (ro != MBR_OK)
		goodmsg(eo.msg, size);
	/* jansson takes a NUL byte between tokens for the end of the
	 * text and accepts what comes before; JSON has no place for one,
	 * and ours rejects it. */
	if (memchr(in, '\0', size) != NULL) {
		FUZZ_CHECK(ro != MBR_OK);
		rr = ro;
	}
	if (ro != MBR_OK && rr == MBR_OK) {
		fprintf(stderr, "rejected what jansson accepts: %s\n", eo.msg);
		abort();
	}
	if (ro == MBR_OK && rr != MBR_OK &&
	    strstr(er.msg, "real number overflow") == NULL) {
		fprintf(stderr, "accepted what jansson rejects: %s\n", er.msg);
		abort();
	}
	if (ro == MBR_OK) {
		for (i = 0; i < ours.nkv; i++) {
			const mbr_kv *kv = &ours.kv[i];

			FUZZ_CHECK(within(kv->key, in, size) ||
			    within(kv->key, ours.scratch.p, ours.scratch.n));
			FUZZ_CHECK(within(kv->val, in, size) ||
			    within(kv->val, ours.scratch.p, ours.scratch.n));
			FUZZ_CHECK(mbr_utf8_check(kv->key.p, kv->key.n) ==
			    kv->key.n);
			FUZZ_CHECK(memchr(kv->key.p, '\0', kv->key.n) == NULL);
			if (kv->type != MBR_V_STR)
				continue;
			FUZZ_CHECK(mbr_utf8_check(kv->val.p, kv->val.n) ==
			    kv->val.n);
			FUZZ_CHECK(memchr(kv->val.p, '\0', kv->val.n) == NULL);
			mbr_buf_reset(&q);
			mbr_buf_adds(&q, "{\"k\":");
			mbr_json_quote(&q, kv->val.p, kv->val.n);
			mbr_buf_addc(&q, '}');
			FUZZ_CHECK(mbr_ndjson_parse(q.p, q.n, &back, &eb) ==
			    MBR_OK);
			FUZZ_CHECK(back.nkv == 1 && back.kv[0].type ==
			    MBR_V_STR && back.kv[0].val.n == kv->val.n &&
			    memcmp(back.kv[0].val.p, kv->val.p, kv->val.n) == 0);
		}
	}
	if (ro == MBR_OK && rr == MBR_OK) {
		for (i = 0; i < ref.nkv; i++) {
			const mbr_kv *a = &ref.kv[i];
			const mbr_kv *b = last(&ours, a->key);

			FUZZ_CHECK(b != NULL);
			FUZZ_CHECK(a->type == b->type);
			if (a->type == MBR_V_STR || a->type == MBR_V_BOOL ||
			    a->type == MBR_V_NULL)
				FUZZ_CHECK(a->val.n == b->val.n &&
				    memcmp(a->val.p, b->val.p, a->val.n) == 0);
		}
		for (i = 0; i < ours.nkv; i++)
			FUZZ_CHECK(last(&ref, ours.kv[i].key) != NULL);
	}
	mbr_buf_release(&q);
	mbr_jrec_release(&ours);
	mbr_jrec_release(&ref);
	mbr_jrec_release(&back);
	return 0;
}
