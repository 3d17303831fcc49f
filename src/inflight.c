/* SPDX-License-Identifier: MIT */
/*
 * The in-flight protocol: how a block changes acceptance state, accepted
 * or released, without a slow call under the zone lock (I6), without any
 * page being accepted twice (I2) or handed out unaccepted (I1), and
 * without losing a page (I4). Allocations, the acceptor, set-up and the
 * releaser all go through it. docs/protocol.md holds the block states,
 * their transitions and what checks each invariant;
 * tests/spin/protocol.pml models it: change the three together.
 *
 *   1. Claim, under the lock: the caller takes the block off the free
 *      lists (or the pristine bitmap, buddy.c) and it is marked K_INFLIGHT
 *      here, its pages counted in nr_inflight (and acc_inflight for the
 *      acceptor). From then on no other thread can allocate it, merge with
 *      it, accept it or release it.
 *   2. Call, lock dropped: the backend accepts the whole contiguous range
 *      in one call (batching), or releases each block in a call of its
 *      own; other threads allocate meanwhile.
 *   3. Publish, lock retaken: on success the pages' records change (shadow
 *      and fresh bits) and the blocks are freed to the lists in their new
 *      state (accepted: to the FRONT for the acceptor, found first, else
 *      the tail; unaccepted: to the TAIL, found last), or, for an
 *      allocation, kept for its hand-out. What failed is quarantined (a
 *      failed release leaves the block's state unknown), or goes back as
 *      it was when the operation's budget of failures is spent. A block
 *      leaving flight wakes the allocations waiting for memory in flight
 *      (zone_wake, when there are any): they look again.
 *
 * Block states (the kind of a head descriptor, K_* in page.h) and
 * every transition between them, with the function that makes it: the one
 * table is docs/protocol.md ("Block states", "Transitions");
 * tests/state_table.sh checks it against the code. The protocol's steps
 * are the verbs here: claim (lbi_claim), the new state once a call
 * succeeded (lbi_inflight_set_state), publish to the lists
 * (lbi_publish), or to the allocation that accepted (lbi_publish_kept),
 * or quarantine (lbi_quarantine). Their users: accept.c and retry.c (the
 * calls to accept, and their failures), release.c, handout.c (blocks
 * leaving the zone, I1 checked).
 *
 * A block's acceptance state (S_ACCEPTED, S_UNACCEPTED) changes only in
 * flight, through these verbs: nowhere else is a page accepted or
 * released.
 *
 * With LB_CFG_SHADOW the shadow record is consulted before every accept
 * and on every hand-out, so a double accept or an unaccepted hand-out is
 * refused and reported instead of happening. Debug builds also assert
 * each call's preconditions from the descriptors (in flight, in the state
 * the call changes), as Linux's VM_BUG_ON_PAGE does.
 */
#include "inflight.h"

void lbi_note_corrupt(struct lb_zone *z, unsigned code, unsigned inv, uint64_t idx,
		      uint64_t npages)
{
	LB_ASSERT_LOCKED(z);
	if (z->note.code)
		return; /* keep the first */
	z->note.code = code;
	z->note.inv = inv;
	z->note.v[0] = idx_to_addr(z, idx);
	z->note.v[1] = idx_to_addr(z, idx + npages);
}

/* ------------------------------------------------------ the verbs */

/* Claim: a block taken off the lists (or never on them) goes in flight;
 * its state says what it holds, for whoever places it. */
void lbi_claim(struct lb_zone *z, uint64_t idx, unsigned order, unsigned state,
	       const struct acc_op *op)
{
	uint64_t n = UINT64_C(1) << order;

	LB_ASSERT_LOCKED(z);
	LB_DBG_ASSERT(pg_kind(&z->pages[idx]) == K_NONE && !(idx & (n - 1)));
	block_mark(z, idx, order, K_INFLIGHT);
	z->pages[idx].state = (uint8_t)state;
	z->nr_inflight += n;
	if (op->why == ACC_ACCEPTOR)
		z->acc_inflight += n;
}

/* The blocks in flight among [s, e) take state: a call changed it. */
void lbi_inflight_set_state(struct lb_zone *z, uint64_t s, uint64_t e, unsigned state)
{
	for (uint64_t i = s; i < e; i += UINT64_C(1) << pg_order(&z->pages[i])) {
		LB_DBG_ASSERT(pg_kind(&z->pages[i]) == K_INFLIGHT);
		z->pages[i].state = (uint8_t)state;
	}
}

/* Publish to the allocation that accepted it: the block leaves flight
 * unmarked (K_NONE), kept by the caller, who hands it out (or places it:
 * lbi_publish, lbi_quarantine). */
void lbi_publish_kept(struct lb_zone *z, uint64_t idx, unsigned order, const struct acc_op *op)
{
	uint64_t n = UINT64_C(1) << order;

	LB_ASSERT_LOCKED(z);
	LB_DBG_ASSERT(pg_kind(&z->pages[idx]) == K_INFLIGHT && pg_order(&z->pages[idx]) == order);
	pg_set_kind(&z->pages[idx], K_NONE);
	z->nr_inflight -= n;
	if (op->why == ACC_ACCEPTOR)
		z->acc_inflight -= n;
	zone_wake(z); /* a waiter may find it free, or nothing left to wait for */
}

/* Publish the blocks of [s, e), all ours and in flight, to the free lists
 * by their state: accepted ones to the front for the acceptor (found
 * first), else the tail; unaccepted ones to the tail, found last. A block
 * freed here merges only with free blocks below it or beyond e: the rest
 * of [s, e) is still in flight. */
void lbi_publish(struct lb_zone *z, uint64_t s, uint64_t e, const struct acc_op *op)
{
	LB_ASSERT_LOCKED(z);
	for (uint64_t i = s; i < e;) {
		struct lb_page *p = &z->pages[i];
		unsigned o = pg_order(p), st = p->state;

		lbi_publish_kept(z, i, o, op);
		lbi_free_block(z, i, o, st, 0, st == S_UNACCEPTED || op->why != ACC_ACCEPTOR);
		i += UINT64_C(1) << o;
	}
}

/* Quarantine the blocks of [s, e), all ours and in flight: failed at their
 * size, a failed release (their state unknown), or refused by the shadow
 * record. Never handed out, merged or passed to the backend again. */
void lbi_quarantine(struct lb_zone *z, uint64_t s, uint64_t e, const struct acc_op *op)
{
	LB_ASSERT_LOCKED(z);
	for (uint64_t i = s; i < e;) {
		unsigned o = pg_order(&z->pages[i]);

		lbi_publish_kept(z, i, o, op);
		block_mark(z, i, o, K_QUARANTINE);
		i += UINT64_C(1) << o;
	}
}
