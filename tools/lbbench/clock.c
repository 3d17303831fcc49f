/* SPDX-License-Identifier: MIT */
#include "clock.h"
#include "stats.h"

#define CALIBRATION_ROUNDS 2001

uint64_t lbb_clock_overhead_ns(void)
{
	uint64_t v[CALIBRATION_ROUNDS];

	for (size_t i = 0; i < CALIBRATION_ROUNDS; i++) {
		uint64_t t0 = lbb_now_ns();

		v[i] = lbb_now_ns() - t0;
	}
	lbb_sort_u64(v, CALIBRATION_ROUNDS);
	return lbb_percentile(v, CALIBRATION_ROUNDS, 500000);
}
