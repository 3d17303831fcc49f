/* SPDX-License-Identifier: MIT */
/*
 * The trace reader (tools/trace/) under fuzzing: any bytes, plain or
 * compressed, are read to an end. Checked: it ends, and an error says why
 * in one printable line.
 */
#include "fz_reader.h"

#include <stdio.h>
#include <string.h>

#include "../../tools/trace/trace.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[256] = "";
	FILE *f = size ? fmemopen((void *)(uintptr_t)data, size, "r") : fopen("/dev/null", "r");
	struct lb_trace_reader *r;
	struct lb_trace_event ev;
	uint64_t events = 0;
	int rc;

	fzr_count();
	if (!f)
		return 0;
	r = lb_trace_open_file(f, 1, 0, err, sizeof err);
	if (!r) {
		if (!fzr_printable(err))
			fzr_fail("an open refused without a printable line", err);
		return 0;
	}
	while ((rc = lb_trace_next(r, &ev)) > 0)
		if (++events > (UINT64_C(1) << 26))
			fzr_fail("a reader that does not end", NULL);
	if (rc < 0 && !fzr_printable(lb_trace_error(r)))
		fzr_fail("an error without a printable line", lb_trace_error(r));
	lb_trace_close(r);
	return 0;
}
