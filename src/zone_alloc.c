/* SPDX-License-Identifier: MIT */
/*
 * An allocation from the zone itself, under its lock (lbi_alloc): what
 * lb_alloc(), a cache's refill and a CPU list's all end in when their own
 * stock is out.
 *
 * Accepted memory serves first: the smallest free accepted block that
 * fits, split (no backend call); then the blocks the CPU lists hold, given
 * back (drain.c); only then does the policy accept (policy.c, the lock
 * dropped around the backend call). When everything left is in flight on
 * other threads it waits for their acceptance rather than fail: it sleeps
 * on the zone's wait (zone_wait) until memory is freed or leaves flight
 * (zone_wake), then looks again. It never accepts memory that another
 * thread is accepting (I2), and it never waits while accepted memory could
 * serve it (I6).
 *
 * The flags are Linux's allocation contexts: LB_ALLOC_ATOMIC accepts like
 * any allocation (acceptance does not sleep) but answers LB_EBUSY where it
 * would wait for another thread; LB_ALLOC_NOWAIT neither accepts nor waits
 * (LB_EAGAIN, only where accepting would serve it), and rules when both
 * are given.
 *
 * A failing backend costs an allocation ALLOC_FAILS failed calls at most;
 * then, or when the failures left nothing to serve it, it answers
 * LB_EBACKEND, so that a caller can tell a failing host from a full zone.
 */
#include "internal.h"

/* The answer of an allocation the backend failed: its budget is spent, or
 * the failures left nothing to serve it. */
static int op_error(const struct acc_op *op)
{
	return op->err == LB_ECORRUPT ? LB_ECORRUPT : LB_EBACKEND;
}

/* Would accepting serve 2^order pages? An unaccepted block that large, or
 * a free aligned run of blocks of both states. */
static bool accepting_helps(const struct lb_zone *z, unsigned order)
{
	uint64_t run;

	return lbi_unaccepted_fits(z, order) || lbi_find_mixed(z, order, &run);
}

/* Allocate 2^order pages into *idx: lb_alloc() and a cache's slow path.
 * flags are valid LB_ALLOC_* flags; op is the operation's budget of
 * failed calls (ALLOC_OP), shared by every try of one operation. */
int lbi_alloc(struct lb_zone *z, unsigned order, unsigned flags, uint64_t *idx,
	      struct acc_op *op)
{
	bool nowait = flags & LB_ALLOC_NOWAIT, atomic = flags & LB_ALLOC_ATOMIC;
	bool waited = false, drained = false;

	LB_ASSERT_LOCKED(z);
	if (lbi_pol(z)->top_up && !nowait)
		lbi_policy_top_up(z, order, op);
	for (;;) {
		uint64_t b;
		unsigned got;
		int rc;

		if (lbi_take_free(z, S_ACCEPTED, order, &b, &got)) {
			lbi_split(z, b, got, order, S_ACCEPTED, 0);
			*idx = b;
			return lbi_hand_out(z, b, order);
		}
		if (!op->fails)
			return op_error(op);
		/* Accepted memory in the CPU lists serves before any is
		 * accepted or waited for: the lists the zone can lock give
		 * their blocks back (they may merge into what is asked). Once
		 * a call: frees into the lists meanwhile must not keep it
		 * here. */
		if (!drained) {
			drained = true;
			if (z->ncpu && lbi_cpu_lists_drain(z))
				continue;
		}
		if (nowait) {
			if (accepting_helps(z, order))
				return LB_EAGAIN;
		} else {
			rc = lbi_policy_accept(z, order, &b, op);
			if (rc == 0) {
				*idx = b;
				return lbi_hand_out(z, b, order);
			}
			if (rc != LB_ENOMEM)
				continue; /* accepted into the lists, or failed */
		}
		if (!z->nr_inflight)
			return op->err ? op_error(op) : LB_ENOMEM;
		if (nowait)
			return LB_EAGAIN;
		if (atomic)
			return LB_EBUSY; /* accepts, but never waits for another */
		/* Everything that could serve us is being accepted elsewhere:
		 * sleep until memory is published or leaves flight, then look
		 * again from the top. */
		z->accept_waits += !waited;
		waited = true;
		zone_wait(z);
	}
}

/* Why a free was refused: the block holding idx is free, or it is not. */
int lbi_bad_free(const struct lb_zone *z, uint64_t idx)
{
	uint64_t head;

	LB_ASSERT_LOCKED(z);
	if (lbi_find_block(z, idx, &head) &&
	    (pg_kind(&z->pages[head]) == K_FREE || pg_kind(&z->pages[head]) == K_CACHED))
		return LB_EDOUBLEFREE;
	return LB_ENOTALLOC;
}
