/* SPDX-License-Identifier: MIT */
#include "replay_bg.h"

#include <string.h>

int lbs_bg_init(struct lbs_bg *bg, struct lb_zone *z, struct lbs_timed *t, enum lb_policy p,
		uint64_t acc_period, uint64_t rel_period, uint64_t start)
{
	struct lb_acceptor_cfg acfg;
	struct lb_releaser_cfg rcfg;
	int rc;

	memset(bg, 0, sizeof *bg);
	bg->z = z;
	bg->t = t;
	bg->on = p == LB_POLICY_BACKGROUND || p == LB_POLICY_ADAPTIVE;
	if (!bg->on)
		return 0;
	bg->acc_period = acc_period ? acc_period : UINT64_C(1000000);
	bg->rel_period = rel_period ? rel_period : UINT64_C(100000000);
	bg->acc_next = bg->rel_next = start;
	memset(&acfg, 0, sizeof acfg); /* the library's reserve and batch */
	acfg.period_ns = bg->acc_period;
	memset(&rcfg, 0, sizeof rcfg);  /* 2 s delay, order >= 9, 32 a pass */
	rc = lb_acceptor_config(z, &acfg);
	if (!rc)
		rc = lb_releaser_config(z, &rcfg);
	return rc;
}

/*
 * One pass of the acceptor (which = 0) or the releaser, at its next time.
 * The acceptor's backend call may run operations (timed.h's in-flight
 * hook), which may come back here: it makes no second pass meanwhile.
 */
static void pass(struct lbs_bg *bg, int which)
{
	struct lbs_timed *t = bg->t;
	unsigned a = which ? LBS_ACTOR_RELEASER(t->nvcpus) : LBS_ACTOR_ACCEPTOR(t->nvcpus);
	uint64_t *next = which ? &bg->rel_next : &bg->acc_next;
	int64_t rc;

	if (t->clock[a] < *next)
		t->clock[a] = *next;
	*next = UINT64_MAX; /* busy */
	lbs_timed_set_actor(t, a);
	rc = which ? lb_releaser_step(bg->z, t->clock[a]) : lb_acceptor_step(bg->z, t->clock[a]);
	if (rc < 0 && !bg->err)
		bg->err = (int)rc;
	if (which) {
		*next = t->clock[a] + bg->rel_period;
		bg->rel_passes++;
	} else {
		/* As the library's thread: on at once while behind, else a nap. */
		*next = t->clock[a] + (rc > 0 ? 0 : bg->acc_period);
		bg->acc_passes++;
	}
}

void lbs_bg_run_until(struct lbs_bg *bg, uint64_t until)
{
	if (!bg->on)
		return;
	while (!bg->err && (bg->acc_next <= until || bg->rel_next <= until))
		pass(bg, bg->rel_next < bg->acc_next);
}

int lbs_bg_error(const struct lbs_bg *bg)
{
	return bg->err;
}

void lbs_bg_fini(struct lbs_bg *bg)
{
	bg->on = 0;
}
