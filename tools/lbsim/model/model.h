/* SPDX-License-Identifier: MIT */
/*
 * lbsim's model of a confidential guest and its host: what one backend call
 * costs (the library's model backend, struct lb_model_params) and what only
 * a simulation of a whole guest needs: the host's capacity for accepts in
 * flight at once and a boot's time that is not acceptance. The library
 * never reads these two; they live here, with their sources in model.c and
 * docs/model.md.
 */
#ifndef LBS_MODEL_H
#define LBS_MODEL_H

#include <stdint.h>

#include "lazybuddy_backends.h"

struct lbs_model {
	struct lb_model_params call; /* one backend call's cost */
	unsigned host_capacity_pct;  /* the host's acceptance at most, in percent
					of one accept alone (lbs_host_pace); 0: no
					limit */
	unsigned host_contention_bp; /* what each further accept in flight costs
					every other, in hundredths of a percent
					(lbs_host_pace); 0: none */
	uint64_t boot_ns;            /* a boot's time that is not acceptance */
	uint64_t boot_gib_ns;        /* and its part per GiB of guest memory */
	uint64_t write_gib_ns;       /* a vCPU's first write of each GiB it is handed,
					charged only in runs that ask for it
					(lbs_sim_config.first_write) */
};

/* host_capacity_pct at most: a host serving a thousand accepts at once
 * serves every guest lbsim simulates without limit. */
#define LBS_CAPACITY_MAX_PCT 100000u
/* host_contention_bp at most: each further accept doubling every other's
 * time is already a host that serves one accept at a time. */
#define LBS_CONTENTION_MAX_BP 10000u

/* Fill m with a named preset (lb_model_preset()'s names): the library's
 * call costs and lbsim's host and boot figures. LB_EINVAL if unknown. */
int lbs_model_preset(const char *name, struct lbs_model *m);

/* The host's pace, the one rule: each of k accepts in flight at once
 * progresses at *num / *den of full speed,
 *   min(1, H / k, 1 / (1 + c (k - 1))),
 * H = host_capacity_pct / 100 (0: no limit), c = host_contention_bp /
 * 10000. Two forms of contention (docs/model.md): a capacity, full speed
 * up to H accepts and shared beyond; and Amdahl's, where every accept in
 * flight slows every other a little, so k together do k / (1 + c (k - 1))
 * accepts' worth, at most 1 / c. Calibration keeps at most one (today
 * none: both 0); with both, the slower rules, so k + 1 accepts never do
 * less than k.
 * The timed backend applies it to calls that overlap in virtual time; the
 * policy bench to size its rates. */
void lbs_host_pace(const struct lbs_model *m, unsigned k, uint64_t *num, uint64_t *den);

#endif
