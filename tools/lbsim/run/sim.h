/* SPDX-License-Identifier: MIT */
/*
 * lbsim's synthetic mode: run one (policy, workload) pair on a fresh zone
 * that models a confidential guest, and collect what the comparison
 * reports. The workload runs on vcpus vCPUs, a stream each at its rate,
 * by the driver trace replays use (drive.h): the scheduler's actors on
 * virtual time, and the acceptor and releaser as simulated threads.
 * The guest it runs on is guest.h's.
 */
#ifndef LBS_SIM_H
#define LBS_SIM_H

#include <stddef.h>
#include <stdint.h>

#include "lazybuddy.h"
#include "../results/result.h"
#include "guest.h"
#include "workload.h"

/*
 * Run workload w under policy p on a fresh zone, with the acceptor and
 * releaser for the policies that have them, until its last operation.
 * Returns 0 with *out filled
 * (a broken invariant is reported in out->check, not as an error), or a
 * negative LB_E* code if the zone could not be set up (bad config, no
 * memory for metadata).
 */
int lbs_sim_run(const struct lbs_sim_config *c, enum lb_policy p, enum lbs_workload w,
		struct lbs_result *out);

/* The same, calling progress(ctx, done) now and then with done, the share
 * of the workload's operations drawn so far, in [0, LBS_SIM_PROGRESS]
 * (an estimate: fill may end early, churn's build-up counts pages), and
 * once with LBS_SIM_PROGRESS at the end. progress may be NULL. */
#define LBS_SIM_PROGRESS (UINT64_C(1) << 20)
int lbs_sim_run_progress(const struct lbs_sim_config *c, enum lb_policy p, enum lbs_workload w,
			 struct lbs_result *out, void (*progress)(void *ctx, uint64_t done),
			 void *ctx);

#endif
