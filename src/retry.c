/* SPDX-License-Identifier: MIT */
/*
 * An accept call and its failures: the call for a range of unaccepted
 * blocks in flight (steps 2 and 3 of the protocol, inflight.c), and what
 * follows when it fails.
 *
 * A failed call is retried in halves (down to the unit,
 * or to the block itself when it is smaller), so that one bad page does
 * not cost a whole batch; a part whose own call fails at that size is
 * quarantined. Each operation has a budget of failed calls (struct
 * acc_op): when it runs out, the parts not tried go back to the free lists
 * as they were, and the range whose call failed last goes back as a
 * *suspect*: it is never passed to the backend whole again, only its
 * halves. The zone remembers NR_SUSPECTS of them; when the table is full,
 * the operation gets its budget once more, log2(range in pages) failed
 * calls, and goes on halving instead of quarantining the range whole. So
 * a bad page costs each operation at most its budget plus log2(range in
 * pages) failed calls (a range: a block, at most 4 MiB, 10; a run of
 * lb_zone_accept(), at most 1 GiB, 18; an acceptor batch, at most 16 MiB,
 * 12, or background's batch_bytes, at most 1 GiB, 18) and, in the end,
 * its unit. This relies on the backend contract: a call that fails
 * accepts nothing.
 */
#include "inflight.h"

/* Steps 2 and 3 of an accept of [idx, idx + npages): unaccepted blocks in
 * flight. On success the pages are accepted in the zone's records; the
 * blocks stay in flight for the caller to publish. */
static int accept_range(struct lb_zone *z, uint64_t idx, uint64_t npages)
{
	int rc;

	LB_ASSERT_LOCKED(z);
	LB_DBG_ASSERT(inflight_all(z, idx, idx + npages, S_UNACCEPTED));
	LB_DBG_ASSERT(!bits_count(z->fresh, idx, npages)); /* nothing accepted since taken */
	if (z->shadow && bits_count(z->shadow, idx, npages)) {
		lbi_note_corrupt(z, FIND_NOTE_ACCEPT, 2, idx, npages);
		return LB_ECORRUPT;
	}
	zone_unlock(z);
	rc = z->backend.ops->accept(z->backend.ctx, idx_to_addr(z, idx),
				    npages << LB_PAGE_SHIFT);
	zone_lock(z);
	if (rc) { /* whatever the backend says: its own failure, never the
		   * shadow record's LB_ECORRUPT, which quarantines at once */
		z->accept_failures++;
		return LB_EBACKEND;
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

/*
 * Split [s, e), blocks in flight, at its most aligned inner point: between
 * two of its blocks (no point inside a block is more aligned than the
 * block's ends), or, for one block, into halves that become blocks.
 */
static uint64_t halve(struct lb_zone *z, uint64_t s, uint64_t e)
{
	struct lb_page *p = &z->pages[s];
	unsigned o = pg_order(p), k;

	LB_DBG_ASSERT(e > s + 1 && pg_kind(p) == K_INFLIGHT);
	if (s + (UINT64_C(1) << o) == e) {
		o--;
		pg_set_order(p, o);
		block_mark(z, s + (UINT64_C(1) << o), o, K_INFLIGHT);
		z->pages[s + (UINT64_C(1) << o)].state = p->state;
		return s + (UINT64_C(1) << o);
	}
	k = 63u - (unsigned)__builtin_clzll(s ^ (e - 1));
	return (e - 1) & ~((UINT64_C(1) << k) - 1);
}

/* Can a failed [s, e) be tried in parts? Not below the unit, nor below one
 * block the caller took. */
static bool can_halve(const struct lb_zone *z, uint64_t s, uint64_t e)
{
	return e - s > (UINT64_C(1) << z->unit_order) ||
	       s + (UINT64_C(1) << pg_order(&z->pages[s])) != e;
}

/* ---------------------------------------------------------- suspects */

/* Is a suspect inside [s, e)? Then [s, e) is not passed whole. */
static bool holds_suspect(const struct lb_zone *z, uint64_t s, uint64_t e)
{
	for (unsigned i = 0; i < z->nr_suspects; i++)
		if (z->suspect[i].idx >= s &&
		    (uint64_t)z->suspect[i].idx + z->suspect[i].pages <= e) /* no wrap at 2^32 */
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
	if (rc != LB_ECORRUPT) { /* the shadow refused it: no call was made */
		op->fails--;
		op->failures++;
	}
	return rc;
}

/* Halvings of n pages down to one: log2(n) rounded up. */
static unsigned halvings(uint64_t n)
{
	unsigned k = 0;

	for (; n > 1; n = (n + 1) / 2)
		k++;
	return k;
}

/* The call for [s, e) failed with rc: try its halves while the budget
 * lasts; what cannot be split is quarantined; what the budget leaves
 * unresolved goes back, suspect. */
static void failed(struct lb_zone *z, uint64_t s, uint64_t e, int rc, struct acc_op *op)
{
	uint64_t m;

	if (rc == LB_ECORRUPT || !can_halve(z, s, e)) {
		suspect_forget(z, s, e, false);
		lbi_quarantine(z, s, e, op);
		return;
	}
	if (!op->fails) {
		if (suspect_add(z, s, e) || op->halving) {
			lbi_publish(z, s, e, op);
			return;
		}
		/* The table is full: this operation pays calls, not pages,
		 * once: a failed call for each halving of [s, e), enough to
		 * find one bad page down to its block; what that leaves
		 * unresolved goes back as it was. */
		op->halving = true;
		op->fails = halvings(e - s);
	}
	m = halve(z, s, e);
	settle(z, s, m, op);
	settle(z, m, e, op);
}

/* Split [s, e) around the suspect it holds, with no call for it whole. */
static void split_suspect(struct lb_zone *z, uint64_t s, uint64_t e, struct acc_op *op)
{
	uint64_t m;

	suspect_forget(z, s, e, true);
	m = halve(z, s, e);
	settle(z, s, m, op);
	settle(z, m, e, op);
}

/* Accept what can be of [s, e), a part of a larger range, and publish it
 * all to the lists. */
static void settle(struct lb_zone *z, uint64_t s, uint64_t e, struct acc_op *op)
{
	int rc;

	LB_ASSERT_LOCKED(z);
	if (!op->fails) {
		lbi_publish(z, s, e, op); /* not tried: back as it was */
	} else if (holds_suspect(z, s, e)) {
		split_suspect(z, s, e, op);
	} else if ((rc = backend_accept(z, s, e, op)) != 0) {
		failed(z, s, e, rc, op);
	} else {
		lbi_inflight_set_state(z, s, e, S_ACCEPTED);
		lbi_publish(z, s, e, op);
		op->accepted += e - s;
	}
}

/*
 * Accept [s, e), unaccepted blocks in flight, in one call if it can.
 * Returns 0 with all of it accepted (state S_ACCEPTED) and still in flight
 * (the caller publishes it). Else every part is published (accepted ones
 * on the free lists, counted in op->accepted) and the answer is LB_EAGAIN
 * when it was accepted in parts without a failure (it held a suspect), or
 * an error.
 */
int lbi_accept_inflight(struct lb_zone *z, uint64_t s, uint64_t e, struct acc_op *op)
{
	unsigned fails = op->fails, failures = op->failures;
	int rc, err = op->err;

	LB_ASSERT_LOCKED(z);
	if (!fails) {
		lbi_publish(z, s, e, op);
		return err ? err : LB_EBACKEND;
	}
	if (holds_suspect(z, s, e)) {
		split_suspect(z, s, e, op);
		return op->failures == failures && op->err == err ? LB_EAGAIN : op->err;
	}
	rc = backend_accept(z, s, e, op);
	if (rc)
		failed(z, s, e, rc, op);
	else
		lbi_inflight_set_state(z, s, e, S_ACCEPTED);
	return rc;
}
