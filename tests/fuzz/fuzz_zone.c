/* SPDX-License-Identifier: MIT */
/*
 * The fuzz target: the input sets up one zone (a small generated memory
 * map, a unit, a policy, flags, watermarks, a backend that fails chosen
 * calls) and then drives every public entry point, one operation per few
 * bytes, on a virtual clock. A reference model checks every answer:
 *
 *   - the blocks the caller holds (owned pages): each block handed out is
 *     inside the zone, aligned, on managed pages, disjoint from every
 *     other held block, accepted in the zone's shadow record (LB_CFG_SHADOW)
 *     and in the recording backend's own record, and reported allocated;
 *   - a free of a block the model does not hold fails and changes nothing
 *     (statistics and page state compared before and after);
 *   - a failed allocation is legitimate: no free aligned run of accepted
 *     pages could serve it, and after LB_ENOMEM (not NOWAIT) no run of
 *     unaccepted pages either; LB_EBACKEND only when a backend call failed;
 *   - after every step lb_zone_check() passes, nothing is in flight, free
 *     + held + cached + quarantined pages add up to the managed pages, the
 *     held pages are the zone's allocated pages, every quarantined page was
 *     in a backend call that failed, the zone's accept and release counters
 *     match the backend's, and the shadow record matches the backend's
 *     record page for page;
 *   - the recording backend sees no double accept (I2), no call under the
 *     zone lock (I6), no release of unaccepted memory, no call on a page
 *     already quarantined, no bad range.
 *
 * Input layout: 6 header bytes (policy and flags, unit, backend, accept and
 * release failure patterns, map shape), 3 bytes per memory range, 4 bytes
 * of watermarks with LB_CFG_WMARK, then operations (a selector byte and its
 * arguments) until the input ends. Bytes past the end read as 0.
 *
 * Checks of defects fixed lately can be held back by the FZ_CHECK_*
 * switches in fuzz.h (all on).
 *
 * This file: the entry point (one input: set-up, the operations, each
 * followed by verify(), the tear-down) and the reporting; fz_internal.h
 * says where the rest lives.
 */
#include "fz_internal.h"

#include <stdarg.h>
#include <stdlib.h>

/* ------------------------------------------------------------ reporting */

static void (*fail_handler)(void);
int fz_trace_on;
static uint64_t total_inputs, total_ops, cur_op;

void fz_set_fail_handler(void (*fn)(void))
{
	fail_handler = fn;
}

void fz_set_trace(int on)
{
	fz_trace_on = on;
}

void fz_counts(uint64_t *inputs, uint64_t *ops)
{
	*inputs = total_inputs;
	*ops = total_ops;
}

void fz_fail(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "lbfuzz: op %llu: ", (unsigned long long)cur_op);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	fflush(stderr);
	if (fail_handler)
		fail_handler(); /* longjmps */
	abort();
}

void fz_reset(void)
{
	/* After a broken check the zone is abandoned, not finished: its lock
	 * is free (checks run between calls), only the buffer is ours. */
	free(S.meta);
	S.meta = NULL;
	S.z = NULL;
	for (unsigned s = 0; s < NCACHE; s++) /* its caches point at it */
		if (cache_mem[s])
			memset(cache_mem[s], 0, lb_cache_size());
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct in in = { data, size, 0 };
	uint64_t h = UINT64_C(1469598103934665603);
	unsigned ops = 0;

	if (!cache_mem[0])
		for (unsigned s = 0; s < NCACHE; s++)
			if (posix_memalign(&cache_mem[s], 64, lb_cache_size() + 64))
				abort();
	free(S.meta);
	memset(&S, 0, sizeof S);
	for (size_t i = 0; i < size; i++)
		h = (h ^ data[i]) * UINT64_C(1099511628211);
	S.rnd = h;
	total_inputs++;
	cur_op = 0;
	if (!setup(&in))
		return 0;
	while (in.i < in.n && ops < MAX_OPS) {
		unsigned op = u8(&in);

		cur_op = ++ops;
		total_ops++;
		switch (op % 20) {
		case 0:
		case 1:
		case 2:
			op_alloc(&in, false, op & 0x80);
			break;
		case 3:
			op_alloc(&in, true, op & 0x80);
			break;
		case 4:
		case 5:
			op_free(&in, op & 0x80);
			break;
		case 6:
			op_bad_free(&in);
			break;
		case 7:
		case 8:
			op_cache(&in);
			break;
		case 9:
			op_accept(&in);
			break;
		case 10:
			op_setup_accept(&in);
			break;
		case 11:
			op_policy(&in);
			break;
		case 12:
			op_watermarks(&in);
			break;
		case 13:
		case 14:
			op_acceptor(&in);
			break;
		case 15:
		case 16:
			op_releaser(&in);
			break;
		case 17:
			op_page_state(&in);
			break;
		case 18:
			op_meminfo(&in);
			break;
		default:
			if (op & 0x80)
				op_knobs(&in);
			else
				op_misc(&in);
			break;
		}
		verify();
	}
	cur_op = 0; /* what breaks now is no operation's */
	finish();
	return 0;
}
