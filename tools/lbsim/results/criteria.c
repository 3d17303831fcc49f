/* SPDX-License-Identifier: MIT */
/* The criteria (criteria.h). */
#include "criteria.h"

const struct lbs_criterion lbs_criteria[] = {
	{"boot", "Fastest boot (until the run starts)", "as long", LBS_UNIT_NS, "boot_ns"},
	{"worst-allocation", "Best worst-case allocation", "as slow", LBS_UNIT_NS, "lat_max"},
	{"p99.9", "Lowest p99.9 allocation latency", "as slow", LBS_UNIT_NS, "lat_p999"},
	{"lag", "Least lag (furthest a vCPU fell behind its work)", "as much", LBS_UNIT_NS,
	 "max_lag_ns"},
	{"memory", "Lowest host memory committed (peak)", "as much", LBS_UNIT_BYTES,
	 "committed_bytes_peak"},
	{"acceptance-work", "Least time spent on acceptance (boot, vCPUs, background threads)",
	 "as much", LBS_UNIT_NS, "accept_work_ns"},
};
const size_t lbs_ncriteria = sizeof lbs_criteria / sizeof lbs_criteria[0];
const struct lbs_criterion lbs_fails_criterion = {"failures", "Fewest failed allocations",
						  "as many", LBS_UNIT_COUNT, "alloc_failures"};
