/* fuzz_preset: the preset and --map loader (lib/mbr_preset.h); the
 * input is the JSON text of a map file.  Checked, beyond the
 * sanitizers and the leak checker: a map that does not load is
 * MBR_EUSAGE with a message and no preset; one that loads has a name
 * and only known statuses, and looks up each of its own status values
 * (and a few others) without fault. */
#include <stdint.h>
#include <string.h>

#include "mbr_preset.h"
#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const probe[] = { "paid", " PAID ", "", "交易成功",
	    "refunded" };
	mbr_preset *p = NULL;
	mbr_err err = { 0 };
	const mbr_status_rule *st;
	size_t i;

	if (mbr_preset_parse(&p, (const char *)data, size, "map.json",
	    &err) != MBR_OK) {
		FUZZ_CHECK(err.code == MBR_EUSAGE && err.msg[0] != '\0');
		FUZZ_CHECK(p == NULL);
		return 0;
	}
	FUZZ_CHECK(p != NULL);
	for (i = 0; i < p->nstatus; i++) {
		FUZZ_CHECK(p->status[i].from != NULL);
		FUZZ_CHECK((p->status[i].to >= 0 &&
		    p->status[i].to < MBR_ST_N) ||
		    p->status[i].to == MBR_ST_REJECT);
		st = mbr_preset_status(p, p->status[i].from,
		    strlen(p->status[i].from));
		FUZZ_CHECK(st != NULL);
	}
	for (i = 0; i < sizeof(probe) / sizeof(probe[0]); i++)
		(void)mbr_preset_status(p, probe[i], strlen(probe[i]));
	mbr_preset_free(p);
	return 0;
}
