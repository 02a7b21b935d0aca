/* fuzz_pstate: the mbr-points state file parser (lib/mbr_pstate.h),
 * against a fixed small programme (three levels, 12-month expiry:
 * the one tests/fuzz/corpus/pstate was made with).
 *
 * First byte: bit 0 clear, the rest is a whole state file, end line
 * and all (most inputs then stop at the end line's CRC-32); bit 0 set,
 * the rest is the body of one, and the target appends a newline if it
 * lacks one and a valid "end N CRC32" line, so that the line parser
 * itself is exercised; with bit 2 also set, N is off by (byte >> 3) -
 * 16.  Bit 1: --reprogram.
 *
 * Checked, beyond the sanitizers and the leak checker: a state that
 * is refused is MBR_EUSAGE or MBR_EIO with a message; one that is read
 * has its as-of, every member a tier of the programme, lots and
 * qualifying days in strictly ascending day order, every order and
 * event a member that exists; and what mbr_pstate_write writes of it
 * reads back, and writes again byte for byte the same. */
#include <stdint.h>
#include <string.h>

#include <zlib.h>

#include "mbr_program.h"
#include "mbr_pstate.h"
#include "fuzz.h"

static const char prog_text[] =
    "{\"name\":\"fuzz\",\"currency\":\"CNY\",\"earn\":{\"per\":1},"
    "\"tiers\":{\"levels\":[{\"name\":\"member\",\"from\":0},"
    "{\"name\":\"silver\",\"from\":500},{\"name\":\"gold\",\"from\":2000,"
    "\"factor\":1.2,\"gift\":100}]},"
    "\"expiry\":{\"months\":12,\"at\":\"day\"},"
    "\"bonuses\":{\"signup\":10,\"birthday\":20}}";

static mbr_program *prog;

/* A list: days strictly ascending, no cycle, tail its last node. */
static void
check_list(const mbr_pstate *st, const mbr_plist *l)
{
	uint32_t x, last = 0, n = 0;
	int64_t prev = INT64_MIN;
	size_t lim = mbr_pstate_node_limit(st);

	for (x = l->head; x != 0; x = mbr_pstate_node(st, x)->next) {
		FUZZ_CHECK(x < lim);
		FUZZ_CHECK(mbr_pstate_node(st, x)->day > prev);
		prev = mbr_pstate_node(st, x)->day;
		FUZZ_CHECK(++n < lim);
		last = x;
	}
	FUZZ_CHECK(l->tail == last);
}

static void
check(const mbr_pstate *st)
{
	size_t i, nmem = mbr_pstate_nmem(st);

	FUZZ_CHECK(st->asof_set);
	for (i = 0; i < nmem; i++) {
		const mbr_pmem *m = mbr_pstate_mem(st, (uint32_t)i);

		FUZZ_CHECK(m->flags & MBR_PM_KNOWN);
		FUZZ_CHECK(m->tier >= 0 && m->tier < prog->nlevels);
		FUZZ_CHECK(m->bday_m <= 12 && m->bday_d <= 31);
		FUZZ_CHECK(mbr_pstate_id(st, (uint32_t)i).n > 0);
		check_list(st, &m->lots);
		check_list(st, &m->qual);
	}
	for (i = 0; i < mbr_tab_count(st->ord); i++)
		FUZZ_CHECK(mbr_pstate_order(st, (uint32_t)i)->mem < nmem);
	for (i = 0; i < mbr_tab_count(st->ev); i++) {
		const mbr_pevent *e = mbr_pstate_event(st, (uint32_t)i);

		FUZZ_CHECK(e->mem < nmem);
		FUZZ_CHECK(e->type == MBR_PE_REDEEM ||
		    e->type == MBR_PE_ADJUST);
	}
}

/* The state as mbr_pstate_write writes it, malloc'd; its length in *n. */
static char *
write_state(const mbr_pstate *st, size_t *n)
{
	char path[24];
	mbr_err err = { 0 };
	char *text;
	int fd = fuzz_memfd("", 0, path);

	FUZZ_CHECK(fd >= 0);
	FUZZ_CHECK(mbr_pstate_write(st, path, prog, &err) == MBR_OK);
	text = fuzz_slurp(fd, n);
	close(fd);
	return text;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	mbr_pstate st, st2;
	mbr_err err = { 0 };
	const char *text;
	char *buf = NULL, *w1, *w2;
	size_t n, n1, n2, i;
	int rc, ctl;

	if (prog == NULL) {
		mbr_tz *tz;

		FUZZ_CHECK(mbr_tz_open(&tz, "Asia/Shanghai", &err) == MBR_OK);
		FUZZ_CHECK(mbr_program_parse(&prog, "fuzz.json", prog_text,
		    strlen(prog_text), tz, &err) == MBR_OK);
		/* the programme keeps no pointer to the zone */
		mbr_tz_free(tz);
	}
	if (size < 1)
		return 0;
	ctl = data[0];
	text = (const char *)data + 1;
	n = size - 1;
	if (ctl & 1) {
		unsigned long lines = 0;
		uLong crc;
		char end[64];
		int k;

		buf = malloc(n + 1 + sizeof(end));
		FUZZ_CHECK(buf != NULL);
		memcpy(buf, text, n);
		if (n > 0 && buf[n - 1] != '\n')
			buf[n++] = '\n';
		for (i = 0; i < n; i++)
			lines += buf[i] == '\n';
		crc = crc32(crc32(0, NULL, 0), (const Bytef *)buf, (uInt)n);
		if (ctl & 4)
			lines += (unsigned long)(ctl >> 3) - 16;
		k = snprintf(end, sizeof(end), "end\t%lu\t%08lx\n", lines,
		    (unsigned long)crc);
		memcpy(buf + n, end, (size_t)k);
		n += (size_t)k;
		text = buf;
	}

	mbr_pstate_init(&st);
	rc = mbr_pstate_parse(&st, "fuzz.state", text, n, prog,
	    (ctl & 2) != 0, &err);
	if (rc != MBR_OK) {
		FUZZ_CHECK((rc == MBR_EUSAGE || rc == MBR_EIO) &&
		    err.code == rc && err.msg[0] != '\0');
		mbr_pstate_free(&st);
		free(buf);
		return 0;
	}
	check(&st);

	/* written, read back, written again: the same bytes */
	w1 = write_state(&st, &n1);
	mbr_pstate_init(&st2);
	memset(&err, 0, sizeof(err));
	rc = mbr_pstate_parse(&st2, "again.state", w1, n1, prog, 0, &err);
	if (rc != MBR_OK)
		fprintf(stderr, "written state refused: %s\n%.*s", err.msg,
		    (int)(n1 < 4000 ? n1 : 4000), w1);
	FUZZ_CHECK(rc == MBR_OK);
	check(&st2);
	FUZZ_CHECK(mbr_pstate_nmem(&st2) == mbr_pstate_nmem(&st));
	FUZZ_CHECK(mbr_tab_count(st2.ord) == mbr_tab_count(st.ord));
	FUZZ_CHECK(mbr_tab_count(st2.ev) == mbr_tab_count(st.ev));
	FUZZ_CHECK(st2.asof == st.asof);
	w2 = write_state(&st2, &n2);
	FUZZ_CHECK(n1 == n2 && memcmp(w1, w2, n1) == 0);
	free(w1);
	free(w2);
	mbr_pstate_free(&st2);
	mbr_pstate_free(&st);
	free(buf);
	return 0;
}
