/* SPDX-License-Identifier: MIT */
/*
 * Judging a row of the policy bench: its winner set (no policy in it is
 * beaten by another on all six counts at once), and adaptive's targets
 * (docs/adaptive.md), which hold only where the host can serve the row at
 * half its capacity.
 */
#include "pbench.h"

#include <string.h>

#define P999_MAX_NS UINT64_C(100000)  /* 100 us */
#define LAG_MAX_NS UINT64_C(50000000) /* 50 ms */
#define OF_EXACT_TENTHS 11u           /* accepted, committed: <= 1.1x exact's */
#define BOOT_SLACK_PCT 1u             /* boot: <= the fastest lazy one's + 1% */

const char *const lbs_pb_target_key[LBS_PB_NTARGETS] = {
	"p999", "max_lag", "accepted", "committed_peak", "boot",
};

const char *const lbs_pb_target_text[LBS_PB_NTARGETS] = {
	"p99.9 <= 100 us", "max lag <= 50 ms", "accepted <= 1.1x exact's",
	"committed peak <= 1.1x exact's", "boot <= fastest lazy + 1%",
};

int lbs_pb_run_bad(const struct lbs_pb_run *r)
{
	return r->rc != 0 || strcmp(r->check, "ok") != 0;
}

int lbs_pb_dominates(const struct lbs_pb_run *q, const struct lbs_pb_run *p)
{
	int better = 0;

	for (int k = 0; k < LBS_PB_NMETRICS; k++) {
		if (q->m[k] > p->m[k])
			return 0;
		better |= q->m[k] < p->m[k];
	}
	return better;
}

static int verdict(int pass)
{
	return pass ? LBS_PB_PASS : LBS_PB_MISS;
}

/* x <= 1.1 base, in integers (bytes stay far below 2^60). */
static int within_tenth(uint64_t x, uint64_t base)
{
	return x * 10u <= base * OF_EXACT_TENTHS;
}

static void targets(struct lbs_pb_outcome *o)
{
	const struct lbs_pb_run *a = &o->run[LB_POLICY_ADAPTIVE], *e = &o->run[LB_POLICY_EXACT];
	uint64_t fastest = UINT64_MAX;

	for (int p = 0; p < LB_POLICY_COUNT; p++)
		if (p != LB_POLICY_EAGER && o->run[p].m[LBS_PB_BOOT] < fastest)
			fastest = o->run[p].m[LBS_PB_BOOT];
	o->target[LBS_PB_T_P999] = verdict(a->m[LBS_PB_P999] <= P999_MAX_NS);
	o->target[LBS_PB_T_LAG] = verdict(a->m[LBS_PB_LAG] <= LAG_MAX_NS);
	o->target[LBS_PB_T_ACCEPTED] =
		verdict(within_tenth(a->m[LBS_PB_ACCEPTED], e->m[LBS_PB_ACCEPTED]));
	o->target[LBS_PB_T_COMMITTED] =
		verdict(within_tenth(a->m[LBS_PB_COMMITTED], e->m[LBS_PB_COMMITTED]));
	o->target[LBS_PB_T_BOOT] =
		verdict(a->m[LBS_PB_BOOT] * 100u <= fastest * (100u + BOOT_SLACK_PCT));
}

void lbs_pb_judge(struct lbs_pb_outcome *o, int judged)
{
	for (int p = 0; p < LB_POLICY_COUNT; p++) {
		o->win[p] = !lbs_pb_run_bad(&o->run[p]);
		for (int q = 0; q < LB_POLICY_COUNT && o->win[p]; q++)
			if (q != p && !lbs_pb_run_bad(&o->run[q]) &&
			    lbs_pb_dominates(&o->run[q], &o->run[p]))
				o->win[p] = 0;
	}
	for (int t = 0; t < LBS_PB_NTARGETS; t++)
		o->target[t] = LBS_PB_UNJUDGED;
	if (judged)
		targets(o);
}
