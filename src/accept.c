/* SPDX-License-Identifier: MIT */
/*
 * The acceptance protocol: how a block goes from unaccepted to accepted
 * without a slow call under the zone lock (I6) and without any page being
 * accepted twice (I2) or handed out unaccepted (I1).
 *
 *   1. Under the lock, the caller takes the block off the free lists (or
 *      the pristine bitmap) and it is marked K_INFLIGHT here. From then on
 *      no other thread can allocate it, merge with it or accept it.
 *   2. The lock is dropped and the backend accepts the whole contiguous
 *      range in one call (batching); other threads allocate meanwhile.
 *   3. The lock is retaken. On success the pages are accepted (shadow and
 *      fresh bits set) and the caller places them.
 *
 * A failed call is retried in halves (down to the unit, or to the block
 * itself when it is smaller), so that one bad page does not cost a whole
 * batch; a part whose own call fails at that size is quarantined: counted,
 * never handed out, never merged, never passed to the backend again. Each
 * operation has a budget of failed calls (struct acc_op): when it runs out,
 * the parts not tried go back to the free lists as they were, and the
 * range whose call failed last goes back as a *suspect*: it is never
 * passed to the backend whole again, only its halves (the zone remembers
 * NR_SUSPECTS of them; beyond that, it is quarantined). So a bad page costs
 * a bounded number of failed calls per operation and, in the end, its unit.
 * This relies on the backend contract: a call that fails accepts nothing.
 *
 * With LB_CFG_SHADOW the shadow record is consulted before every backend
 * call and on every hand-out, so a double accept or an unaccepted
 * hand-out is refused and reported instead of happening.
 */
#include "internal.h"

#include <stdio.h>

void lbi_note_corrupt(struct lb_zone *z, const char *what, uint64_t idx, uint64_t npages)
{
	if (z->corrupt[0])
		return; /* keep the first */
	snprintf(z->corrupt, sizeof z->corrupt, "%s: [0x%llx, 0x%llx)", what,
		 (unsigned long long)idx_to_addr(z, idx),
		 (unsigned long long)idx_to_addr(z, idx + npages));
}

/* Steps 2 and 3 for [idx, idx + npages), whose blocks are in flight. */
static int accept_range(struct lb_zone *z, uint64_t idx, uint64_t npages)
{
	int rc;

	if (z->shadow && bits_count(z->shadow, idx, npages)) {
		lbi_note_corrupt(z, "I2: accept of pages already accepted", idx, npages);
		return LB_ECORRUPT;
	}
	lb_unlock(&z->lock);
	rc = z->backend.ops->accept(z->backend.ctx, idx_to_addr(z, idx),
				    npages << LB_PAGE_SHIFT);
	lb_lock(&z->lock);
	if (rc) {
		z->accept_failures++;
		return rc < 0 ? rc : LB_EBACKEND;
	}
	z->accept_calls++;
	z->accepted_pages += npages;
	if (z->in_setup)
		z->setup_accepted_pages += npages;
	z->over_accepted += bits_assign(z->fresh, idx, npages, 1);
	if (z->shadow)
		bits_assign(z->shadow, idx, npages, 1);
	return 0;
}

static void mark(struct lb_zone *z, uint64_t idx, unsigned order, unsigned kind)
{
	pg_set_kind(&z->pages[idx], kind);
	pg_set_order(&z->pages[idx], order);
	if (kind == K_QUARANTINE)
		z->nr_quarantine += UINT64_C(1) << order;
}

/* ------------------------------------------------------ blocks in flight */

/* A block taken off the lists (or never on them) goes in flight; its state
 * says what it holds, for whoever places it. */
static void inflight_add(struct lb_zone *z, uint64_t idx, unsigned order, unsigned state,
			   const struct acc_op *op)
{
	uint64_t n = UINT64_C(1) << order;

	mark(z, idx, order, K_INFLIGHT);
	z->pages[idx].state = (uint8_t)state;
	z->nr_inflight += n;
	if (op->why == ACC_ACCEPTOR)
		z->acc_inflight += n;
}

/* The block leaves flight, unmarked: the caller places it. */
static void inflight_drop(struct lb_zone *z, uint64_t idx, unsigned order,
			    const struct acc_op *op)
{
	uint64_t n = UINT64_C(1) << order;

	pg_set_kind(&z->pages[idx], K_NONE);
	z->nr_inflight -= n;
	if (op->why == ACC_ACCEPTOR)
		z->acc_inflight -= n;
}

enum { TO_STATE, TO_QUARANTINE }; /* where inflight_place() puts blocks */

/*
 * Place the blocks of [s, e), all ours and in flight, by their state
 * (TO_STATE: back on the free lists; accepted ones to the front for the
 * acceptor, else the tail; unaccepted ones to the tail, found last) or
 * quarantine them. A block freed here merges only with free blocks below
 * it or beyond e: the rest of [s, e) is still in flight.
 */
static void inflight_place(struct lb_zone *z, uint64_t s, uint64_t e, unsigned to,
			     const struct acc_op *op)
{
	for (uint64_t i = s; i < e;) {
		struct lb_page *p = &z->pages[i];
		unsigned o = pg_order(p), st = p->state;

		LB_DBG_ASSERT(pg_kind(p) == K_INFLIGHT);
		inflight_drop(z, i, o, op);
		if (to == TO_QUARANTINE)
			mark(z, i, o, K_QUARANTINE);
		else
			lbi_free_block(z, i, o, st, st == S_UNACCEPTED || op->why != ACC_ACCEPTOR);
		i += UINT64_C(1) << o;
	}
}

/* Set the state of the blocks in flight among [s, e). */
static void inflight_state(struct lb_zone *z, uint64_t s, uint64_t e, unsigned state)
{
	for (uint64_t i = s; i < e; i += UINT64_C(1) << pg_order(&z->pages[i]))
		z->pages[i].state = (uint8_t)state;
}

/*
 * Split [s, e), blocks in flight, at its most aligned inner point: between
 * two of its blocks (no point inside a block is more aligned than the
 * block's ends), or, for one block, into halves that become blocks.
 */
static uint64_t inflight_split(struct lb_zone *z, uint64_t s, uint64_t e)
{
	struct lb_page *p = &z->pages[s];
	unsigned o = pg_order(p), k;

	if (s + (UINT64_C(1) << o) == e) {
		o--;
		pg_set_order(p, o);
		mark(z, s + (UINT64_C(1) << o), o, K_INFLIGHT);
		z->pages[s + (UINT64_C(1) << o)].state = p->state;
		return s + (UINT64_C(1) << o);
	}
	k = 63u - (unsigned)__builtin_clzll(s ^ (e - 1));
	return (e - 1) & ~((UINT64_C(1) << k) - 1);
}

/* Can a failed [s, e) be tried in parts? Not below the unit, nor below one
 * block the caller took. */
static bool can_split(const struct lb_zone *z, uint64_t s, uint64_t e)
{
	return e - s > (UINT64_C(1) << z->unit_order) ||
	       s + (UINT64_C(1) << pg_order(&z->pages[s])) != e;
}

/* ---------------------------------------------------------- suspects */

/* Is a suspect inside [s, e)? Then [s, e) is not passed whole. */
static bool holds_suspect(const struct lb_zone *z, uint64_t s, uint64_t e)
{
	for (unsigned i = 0; i < z->nr_suspects; i++)
		if (z->suspect[i].idx >= s && (uint64_t)z->suspect[i].idx + z->suspect[i].pages <= e)
			return true;
	return false;
}

/* Forget the suspects that overlap [s, e): accepted or quarantined now, or
 * being split (exact: only [s, e) itself). */
static void suspect_forget(struct lb_zone *z, uint64_t s, uint64_t e, bool exact)
{
	for (unsigned i = 0; i < z->nr_suspects;) {
		uint64_t a = z->suspect[i].idx, b = a + z->suspect[i].pages;

		if (exact ? (a == s && b == e) : (a < e && s < b))
			z->suspect[i] = z->suspect[--z->nr_suspects];
		else
			i++;
	}
}

static bool suspect_add(struct lb_zone *z, uint64_t s, uint64_t e)
{
	if (z->nr_suspects == NR_SUSPECTS)
		return false;
	z->suspect[z->nr_suspects].idx = (uint32_t)s;
	z->suspect[z->nr_suspects++].pages = (uint32_t)(e - s);
	return true;
}

/* --------------------------------------------------- accepting in parts */

static void settle(struct lb_zone *z, uint64_t s, uint64_t e, struct acc_op *op);

/* One backend call for [s, e) in flight: 0, or its error, counted. */
static int backend_accept(struct lb_zone *z, uint64_t s, uint64_t e, struct acc_op *op)
{
	int rc = accept_range(z, s, e - s);

	if (!rc) {
		suspect_forget(z, s, e, false);
		return 0;
	}
	if (!op->err || rc == LB_ECORRUPT)
		op->err = rc;
	if (rc != LB_ECORRUPT) /* the shadow refused it: no call was made */
		op->fails--;
	return rc;
}

/* The call for [s, e) failed with rc: try its halves while the budget
 * lasts; what cannot be split is quarantined; what the budget leaves
 * unresolved goes back, suspect. */
static void failed(struct lb_zone *z, uint64_t s, uint64_t e, int rc, struct acc_op *op)
{
	uint64_t m;

	if (rc == LB_ECORRUPT || !can_split(z, s, e) ||
	    (!op->fails && !suspect_add(z, s, e))) {
		suspect_forget(z, s, e, false);
		inflight_place(z, s, e, TO_QUARANTINE, op);
		return;
	}
	if (!op->fails) {
		inflight_place(z, s, e, TO_STATE, op);
		return;
	}
	m = inflight_split(z, s, e);
	settle(z, s, m, op);
	settle(z, m, e, op);
}

/* Split [s, e) around the suspect it holds, with no call for it whole. */
static void split_suspect(struct lb_zone *z, uint64_t s, uint64_t e, struct acc_op *op)
{
	uint64_t m;

	suspect_forget(z, s, e, true);
	m = inflight_split(z, s, e);
	settle(z, s, m, op);
	settle(z, m, e, op);
}

/* Accept what can be of [s, e), a part of a larger range, and place it all. */
static void settle(struct lb_zone *z, uint64_t s, uint64_t e, struct acc_op *op)
{
	int rc;

	if (!op->fails) {
		inflight_place(z, s, e, TO_STATE, op); /* not tried: back as it was */
	} else if (holds_suspect(z, s, e)) {
		split_suspect(z, s, e, op);
	} else if ((rc = backend_accept(z, s, e, op)) != 0) {
		failed(z, s, e, rc, op);
	} else {
		inflight_state(z, s, e, S_ACCEPTED);
		inflight_place(z, s, e, TO_STATE, op);
		op->accepted += e - s;
	}
}

/*
 * Accept [s, e), unaccepted blocks in flight, in one call if it can.
 * Returns 0 with all of it accepted and still in flight (the caller places
 * it). Else every part is placed (accepted ones on the free lists, counted
 * in op->accepted) and the answer is LB_EAGAIN when it was accepted in
 * parts without a failure (it held a suspect), or an error.
 */
static int accept_inflight(struct lb_zone *z, uint64_t s, uint64_t e, struct acc_op *op)
{
	unsigned fails = op->fails;
	int rc, err = op->err;

	if (!fails) {
		inflight_place(z, s, e, TO_STATE, op);
		return err ? err : LB_EBACKEND;
	}
	if (holds_suspect(z, s, e)) {
		split_suspect(z, s, e, op);
		return op->fails == fails && op->err == err ? LB_EAGAIN : op->err;
	}
	rc = backend_accept(z, s, e, op);
	if (rc)
		failed(z, s, e, rc, op);
	return rc;
}

/*
 * Accept count contiguous blocks of one order starting at idx, taken off
 * the lists by the caller. Returns 0 with the blocks accepted and unmarked
 * (the caller places them), or what accept_inflight() says, with every
 * part placed.
 */
int lbi_accept_blocks(struct lb_zone *z, uint64_t idx, unsigned order, uint64_t count,
		    struct acc_op *op)
{
	uint64_t bs = UINT64_C(1) << order, n = count << order;
	int rc;

	for (uint64_t i = 0; i < count; i++)
		inflight_add(z, idx + i * bs, order, S_UNACCEPTED, op);
	rc = accept_inflight(z, idx, idx + n, op);
	if (!rc)
		for (uint64_t i = 0; i < count; i++)
			inflight_drop(z, idx + i * bs, order, op);
	return rc;
}

/* Accept [idx, idx + npages) at set-up (no block is formed there yet, and
 * no other thread can see the zone) and free it as accepted memory. */
int lbi_accept_setup_range(struct lb_zone *z, uint64_t idx, uint64_t npages)
{
	struct acc_op op = { .fails = CALL_FAILS, .why = ACC_CALLER };
	uint64_t e = idx + npages;
	int rc;

	for (uint64_t i = idx; i < e;) {
		unsigned o = carve_order(i, e);

		inflight_add(z, i, o, S_UNACCEPTED, &op);
		i += UINT64_C(1) << o;
	}
	rc = accept_inflight(z, idx, e, &op);
	if (!rc) {
		inflight_state(z, idx, e, S_ACCEPTED);
		inflight_place(z, idx, e, TO_STATE, &op);
	}
	return rc;
}

/*
 * Allocate the free aligned run [r, r + 2^order) of blocks of both states
 * (I5 keeps them apart): take them all off the lists and put them in
 * flight (the accepted ones too, so nobody else takes them meanwhile),
 * accept each stretch of unaccepted blocks in one call, and make the run
 * one block for the caller: 0, the run unmarked. On a failure, what failed
 * is quarantined, the rest goes back, and the error is returned.
 */
int lbi_accept_mixed(struct lb_zone *z, uint64_t r, unsigned order, struct acc_op *op)
{
	uint64_t e = r + (UINT64_C(1) << order), i, j = r;
	int rc = 0;

	while (j < e) {
		unsigned o = pg_order(&z->pages[j]), st = z->pages[j].state;

		lbi_list_del(z, j);
		inflight_add(z, j, o, st, op);
		j += UINT64_C(1) << o;
	}
	for (i = r; i < e; i = j) {
		j = i + (UINT64_C(1) << pg_order(&z->pages[i]));
		if (z->pages[i].state == S_ACCEPTED)
			continue;
		while (j < e && z->pages[j].state == S_UNACCEPTED)
			j += UINT64_C(1) << pg_order(&z->pages[j]);
		rc = accept_inflight(z, i, j, op);
		if (rc)
			break;
		inflight_state(z, i, j, S_ACCEPTED);
	}
	if (rc) {
		/* [i, j) is placed already, and what was placed may be anyone's
		 * by now: put back only the rest, still ours. */
		inflight_place(z, r, i, TO_STATE, op);
		inflight_place(z, j, e, TO_STATE, op);
		return rc;
	}
	for (i = r; i < e; i = j) {
		unsigned o = pg_order(&z->pages[i]);

		j = i + (UINT64_C(1) << o);
		inflight_drop(z, i, o, op);
	}
	return 0;
}

/* A block leaves the zone, to a caller (K_ALLOC) or a per-CPU cache
 * (K_CACHED). I1: it must be wholly accepted. */
int lbi_give_out(struct lb_zone *z, uint64_t idx, unsigned order, unsigned kind)
{
	uint64_t n = UINT64_C(1) << order;

	if (z->shadow && bits_count(z->shadow, idx, n) != n) {
		lbi_note_corrupt(z, "I1: hand-out of unaccepted pages", idx, n);
		mark(z, idx, order, K_QUARANTINE);
		return LB_ECORRUPT;
	}
	mark(z, idx, order, kind);
	z->nr_alloc += n;
	z->out_pages_total += n;
	z->over_accepted -= bits_assign(z->fresh, idx, n, 0);
	return 0;
}

int lbi_hand_out(struct lb_zone *z, uint64_t idx, unsigned order)
{
	int rc = lbi_give_out(z, idx, order, K_ALLOC);

	if (!rc)
		z->allocs++;
	return rc;
}
