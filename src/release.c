/* SPDX-License-Identifier: MIT */
/*
 * Releasing: the in-flight protocol (inflight.c) run backwards for the
 * releaser (releaser.c). It claims free accepted blocks
 * (lbi_release_claim), each is released in a call of its own with the
 * lock dropped once for the batch, and each is published unaccepted to the
 * tail of the lists, or quarantined when its call failed: its state is
 * then unknown (lbi_release_blocks).
 */
#include "inflight.h"

/* Step 3 of a release of the block at idx, whose call answered rc: its
 * pages become unaccepted and it goes to the TAIL of the unaccepted
 * lists, or, if the call failed, its state is unknown: quarantined. */
static uint64_t release_publish(struct lb_zone *z, uint64_t idx, int rc, const struct acc_op *op)
{
	uint64_t n = UINT64_C(1) << pg_order(&z->pages[idx]);

	LB_DBG_ASSERT(inflight_all(z, idx, idx + n, S_ACCEPTED));
	if (rc) {
		lbi_quarantine(z, idx, idx + n, op);
		return 0;
	}
	z->over_accepted -= bits_assign(z->fresh, idx, n, 0);
	if (z->shadow && bits_assign(z->shadow, idx, n, 0) != n)
		lbi_note_corrupt(z, FIND_NOTE_RELEASE, 2, idx, n);
	lbi_inflight_set_state(z, idx, idx + n, S_UNACCEPTED);
	lbi_publish(z, idx, idx + n, op);
	z->release_calls++;
	z->released_pages += n;
	return n;
}

/* Step 1 of a release: the free accepted block at idx, off its list and
 * in flight. */
void lbi_release_claim(struct lb_zone *z, uint64_t idx)
{
	const struct acc_op op = { .why = ACC_RELEASER };
	unsigned o = pg_order(&z->pages[idx]);

	LB_ASSERT_LOCKED(z);
	LB_DBG_ASSERT(pg_kind(&z->pages[idx]) == K_FREE && z->pages[idx].state == S_ACCEPTED);
	lbi_list_del(z, idx);
	lbi_claim(z, idx, o, S_ACCEPTED, &op);
}

/* Steps 2 and 3 for n blocks claimed by lbi_release_claim(): each released
 * in a call of its own with the lock dropped once, then published. Returns
 * the pages released. */
uint64_t lbi_release_blocks(struct lb_zone *z, const uint32_t *idx, unsigned n)
{
	const struct acc_op op = { .why = ACC_RELEASER };
	unsigned order[RELEASE_MAX_BATCH];
	int rc[RELEASE_MAX_BATCH];
	uint64_t done = 0;

	LB_ASSERT_LOCKED(z);
	LB_ASSERT(n <= RELEASE_MAX_BATCH);
	for (unsigned k = 0; k < n; k++) {
		order[k] = pg_order(&z->pages[idx[k]]);
		LB_DBG_ASSERT(inflight_all(z, idx[k], idx[k] + (UINT64_C(1) << order[k]),
					   S_ACCEPTED));
	}
	zone_unlock(z);
	for (unsigned k = 0; k < n; k++)
		rc[k] = z->backend.ops->release(z->backend.ctx, idx_to_addr(z, idx[k]),
						LB_PAGE_SIZE << order[k]);
	zone_lock(z);
	for (unsigned k = 0; k < n; k++)
		done += release_publish(z, idx[k], rc[k], &op);
	return done;
}
