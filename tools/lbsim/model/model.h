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
	uint64_t boot_ns;            /* a boot's time that is not acceptance */
	uint64_t boot_gib_ns;        /* and its part per GiB of guest memory */
};

/* host_capacity_pct at most: a host serving a thousand accepts at once
 * serves every guest lbsim simulates without limit. */
#define LBS_CAPACITY_MAX_PCT 100000u

/* Fill m with a named preset (lb_model_preset()'s names): the library's
 * call costs and lbsim's host and boot figures. LB_EINVAL if unknown. */
int lbs_model_preset(const char *name, struct lbs_model *m);

/* The host's capacity, the one rule: each of k accepts in flight at once
 * progresses at *num / *den of full speed, min(1, H / k), H =
 * capacity_pct / 100 (0: no limit). The timed backend applies it to calls
 * that overlap in virtual time; the policy bench to size its rates. */
void lbs_host_pace(unsigned capacity_pct, unsigned k, uint64_t *num, uint64_t *den);

#endif
