/* SPDX-License-Identifier: MIT */
/*
 * The cost-file reader (tools/lbsim/model/cost.c) under fuzzing: any bytes are
 * read to an end, accepted or refused. Checked: a refusal says why in one
 * printable line (no byte of the input quoted raw) and changes nothing it
 * was given; an acceptance gives a label of the characters allowed.
 */
#include "fz_reader.h"

#include <stdio.h>
#include <string.h>

#include "../../tools/lbsim/model/cost.h"
#include "../../tools/lbsim/run/sim.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct lbs_model p, before;
	char name[LBS_NAME_MAX] = "untouched", err[512] = "";
	FILE *f = size ? fmemopen((void *)(uintptr_t)data, size, "r") : fopen("/dev/null", "r");
	int rc;

	fzr_count();
	if (!f)
		return 0;
	memset(&p, 0xa5, sizeof p);
	before = p;
	rc = lbs_cost_read(f, "fuzz.cost", &p, name, sizeof name, err, sizeof err);
	fclose(f);
	if (rc == -1) {
		if (!fzr_printable(err))
			fzr_fail("a refusal's message is not one printable line", err);
		if (memcmp(&p, &before, sizeof p) || strcmp(name, "untouched"))
			fzr_fail("a refusal changed what it was given", err);
		return 0;
	}
	if (rc != LBS_COST_FILE)
		fzr_fail("an answer neither accepted nor refused", NULL);
	for (const char *c = name; *c; c++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.+", *c))
			fzr_fail("a label with a character not allowed", name);
	if (!*name || p.call.name != name)
		fzr_fail("no label", NULL);
	return 0;
}
