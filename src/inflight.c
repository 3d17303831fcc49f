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
 * Block states (the kind of a head descriptor, K_* in internal.h) and
 * every transition between them, with the function that makes it: the one
 * table is docs/protocol.md ("Block states", "Transitions");
 * tests/state_table.sh checks it against the code. The protocol's own
 * steps are here: claim (inflight_add), halve a failed range
 * (inflight_split), publish (inflight_place, inflight_drop), hand out
 * (lbi_give_out).
 *
 * A block's acceptance state (S_ACCEPTED, S_UNACCEPTED) changes only in
 * flight, here: nowhere else is a page accepted or released.
 *
 * Accept failures: a failed call is retried in halves (down to the unit,
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
 *
 * With LB_CFG_SHADOW the shadow record is consulted before every accept
 * and on every hand-out, so a double accept or an unaccepted hand-out is
 * refused and reported instead of happening. Debug builds also assert
 * each call's preconditions from the descriptors (in flight, in the state
 * the call changes), as Linux's VM_BUG_ON_PAGE does.
 */
#include "internal.h"

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

static void mark(struct lb_zone *z, uint64_t idx, unsigned order, unsigned kind)
{
	pg_set_kind(&z->pages[idx], kind);
	pg_set_order(&z->pages[idx], order);
	if (kind == K_QUARANTINE)
		z->nr_quarantine += UINT64_C(1) << order;
}

/* ------------------------------------------------------ blocks in flight */

#if LB_DEBUG >= 1
/* Is [s, e) wholly blocks in flight, all in state? */
static bool all_inflight(const struct lb_zone *z, uint64_t s, uint64_t e, unsigned state)
{
	uint64_t i = s;

	while (i < e) {
		const struct lb_page *p = &z->pages[i];

		if (pg_kind(p) != K_INFLIGHT || p->state != state)
			return false;
		i += UINT64_C(1) << pg_order(p);
	}
	return i == e;
}
#endif

/* Claim: a block taken off the lists (or never on them) goes in flight;
 * its state says what it holds, for whoever places it. */
static void inflight_add(struct lb_zone *z, uint64_t idx, unsigned order, unsigned state,
			 const struct acc_op *op)
{
	uint64_t n = UINT64_C(1) << order;

	LB_ASSERT_LOCKED(z);
	LB_DBG_ASSERT(pg_kind(&z->pages[idx]) == K_NONE && !(idx & (n - 1)));
	mark(z, idx, order, K_INFLIGHT);
	z->pages[idx].state = (uint8_t)state;
	z->nr_inflight += n;
	if (op->why == ACC_ACCEPTOR)
		z->acc_inflight += n;
}

/* The block leaves flight, unmarked (K_NONE): the caller places it. */
static void inflight_drop(struct lb_zone *z, uint64_t idx, unsigned order,
			  const struct acc_op *op)
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

enum { TO_STATE, TO_QUARANTINE }; /* where inflight_place() puts blocks */

/*
 * Publish the blocks of [s, e), all ours and in flight, by their state
 * (TO_STATE: back on the free lists; accepted ones to the front for the
 * acceptor, else the tail; unaccepted ones to the tail, found last) or
 * quarantine them. A block freed here merges only with free blocks below
 * it or beyond e: the rest of [s, e) is still in flight.
 */
static void inflight_place(struct lb_zone *z, uint64_t s, uint64_t e, unsigned to,
			   const struct acc_op *op)
{
	LB_ASSERT_LOCKED(z);
	for (uint64_t i = s; i < e;) {
		struct lb_page *p = &z->pages[i];
		unsigned o = pg_order(p), st = p->state;

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
	for (uint64_t i = s; i < e; i += UINT64_C(1) << pg_order(&z->pages[i])) {
		LB_DBG_ASSERT(pg_kind(&z->pages[i]) == K_INFLIGHT);
		z->pages[i].state = (uint8_t)state;
	}
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

	LB_DBG_ASSERT(e > s + 1 && pg_kind(p) == K_INFLIGHT);
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

/* ---------------------------------------------------------- the calls */

/* Steps 2 and 3 of an accept of [idx, idx + npages): unaccepted blocks in
 * flight. On success the pages are accepted in the zone's records; the
 * blocks stay in flight for the caller to publish. */
static int accept_range(struct lb_zone *z, uint64_t idx, uint64_t npages)
{
	int rc;

	LB_ASSERT_LOCKED(z);
	LB_DBG_ASSERT(all_inflight(z, idx, idx + npages, S_UNACCEPTED));
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

/* Step 3 of a release of the block at idx, whose call answered rc: its
 * pages become unaccepted and it goes to the TAIL of the unaccepted
 * lists, or, if the call failed, its state is unknown: quarantined. */
static uint64_t release_publish(struct lb_zone *z, uint64_t idx, int rc, const struct acc_op *op)
{
	uint64_t n = UINT64_C(1) << pg_order(&z->pages[idx]);

	LB_DBG_ASSERT(all_inflight(z, idx, idx + n, S_ACCEPTED));
	if (rc) {
		inflight_place(z, idx, idx + n, TO_QUARANTINE, op);
		return 0;
	}
	z->over_accepted -= bits_assign(z->fresh, idx, n, 0);
	if (z->shadow && bits_assign(z->shadow, idx, n, 0) != n)
		lbi_note_corrupt(z, FIND_NOTE_RELEASE, 2, idx, n);
	inflight_state(z, idx, idx + n, S_UNACCEPTED);
	inflight_place(z, idx, idx + n, TO_STATE, op);
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
	inflight_add(z, idx, o, S_ACCEPTED, &op);
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
		LB_DBG_ASSERT(all_inflight(z, idx[k], idx[k] + (UINT64_C(1) << order[k]),
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

	if (rc == LB_ECORRUPT || !can_split(z, s, e)) {
		suspect_forget(z, s, e, false);
		inflight_place(z, s, e, TO_QUARANTINE, op);
		return;
	}
	if (!op->fails) {
		if (suspect_add(z, s, e) || op->halving) {
			inflight_place(z, s, e, TO_STATE, op);
			return;
		}
		/* The table is full: this operation pays calls, not pages,
		 * once: a failed call for each halving of [s, e), enough to
		 * find one bad page down to its block; what that leaves
		 * unresolved goes back as it was. */
		op->halving = true;
		op->fails = halvings(e - s);
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

/* Accept what can be of [s, e), a part of a larger range, and publish it
 * all to the lists. */
static void settle(struct lb_zone *z, uint64_t s, uint64_t e, struct acc_op *op)
{
	int rc;

	LB_ASSERT_LOCKED(z);
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
 * Returns 0 with all of it accepted (state S_ACCEPTED) and still in flight
 * (the caller publishes it). Else every part is published (accepted ones
 * on the free lists, counted in op->accepted) and the answer is LB_EAGAIN
 * when it was accepted in parts without a failure (it held a suspect), or
 * an error.
 */
static int accept_inflight(struct lb_zone *z, uint64_t s, uint64_t e, struct acc_op *op)
{
	unsigned fails = op->fails, failures = op->failures;
	int rc, err = op->err;

	LB_ASSERT_LOCKED(z);
	if (!fails) {
		inflight_place(z, s, e, TO_STATE, op);
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
		inflight_state(z, s, e, S_ACCEPTED);
	return rc;
}

/*
 * Accept count contiguous blocks of one order starting at idx, taken off
 * the lists by the caller. Returns 0 with the blocks accepted: kept by the
 * caller (keep: taken, state S_ACCEPTED, for a hand-out), else published
 * to the lists. Otherwise what accept_inflight() says, with every part
 * published.
 */
int lbi_accept_blocks(struct lb_zone *z, uint64_t idx, unsigned order, uint64_t count,
		      struct acc_op *op, bool keep)
{
	uint64_t bs = UINT64_C(1) << order, n = count << order;
	int rc;

	LB_ASSERT_LOCKED(z);
	for (uint64_t i = 0; i < count; i++)
		inflight_add(z, idx + i * bs, order, S_UNACCEPTED, op);
	rc = accept_inflight(z, idx, idx + n, op);
	if (rc)
		return rc;
	if (!keep)
		inflight_place(z, idx, idx + n, TO_STATE, op);
	else
		for (uint64_t i = 0; i < count; i++)
			inflight_drop(z, idx + i * bs, order, op);
	return 0;
}

/* Accept [idx, idx + npages) at set-up (no block is formed there yet, and
 * no other thread can see the zone) and free it as accepted memory. */
int lbi_accept_setup_range(struct lb_zone *z, uint64_t idx, uint64_t npages)
{
	struct acc_op op = { .fails = CALL_FAILS, .why = ACC_CALLER };
	uint64_t e = idx + npages;
	int rc;

	LB_ASSERT_LOCKED(z);
	for (uint64_t i = idx; i < e;) {
		unsigned o = carve_order(i, e);

		inflight_add(z, i, o, S_UNACCEPTED, &op);
		i += UINT64_C(1) << o;
	}
	rc = accept_inflight(z, idx, e, &op);
	if (!rc)
		inflight_place(z, idx, e, TO_STATE, &op);
	return rc;
}

/*
 * Allocate the free aligned run [r, r + 2^order) of blocks of both states
 * (I5 keeps them apart): take them all off the lists and put them in
 * flight (the accepted ones too, so nobody else takes them meanwhile),
 * accept each stretch of unaccepted blocks in one call, and make the run
 * one block for the caller: 0, the run taken (K_NONE). On a failure, what
 * failed is quarantined, the rest goes back, and the error is returned.
 */
int lbi_accept_mixed(struct lb_zone *z, uint64_t r, unsigned order, struct acc_op *op)
{
	uint64_t e = r + (UINT64_C(1) << order), i, j = r;
	int rc = 0;

	LB_ASSERT_LOCKED(z);
	z->demand.rest_on = false; /* its accepted blocks leave the lists meanwhile */
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

/* ------------------------------------------------- the batch engine */

/*
 * One backend call: take up to left pages of free unaccepted memory (a run
 * of pristine sections, up to 1 GiB, when left allows; else the smallest
 * block that holds left, so pieces left by earlier splits go before a
 * fresh 4 MiB block; else the largest fragment, whole), accept it and
 * publish it to the lists: to the front for the acceptor (found first),
 * else to the tail. op->why (ACC_*) says on whose behalf, for the
 * counters; the acceptor's pages count in acc_inflight while its call
 * runs. A failed call is retried in halves within op's budget. Returns
 * the pages accepted, 0 if there was nothing to take, or the error when
 * nothing was accepted (what failed was quarantined: progress all the
 * same).
 */
int64_t lbi_accept_call(struct lb_zone *z, uint64_t left, struct acc_op *op)
{
	uint64_t idx, first, n, pages, before = op->accepted;
	unsigned order;
	int rc;

	LB_ASSERT_LOCKED(z);
	if (left >= SECTION_PAGES && z->area[S_UNACCEPTED][LB_MAX_ORDER].head == LB_NIL &&
	    (n = lbi_take_pristine_run(z, left / SECTION_PAGES < ACCEPT_RUN_SECTIONS
						  ? left / SECTION_PAGES
						  : ACCEPT_RUN_SECTIONS,
				       &first))) {
		idx = first * SECTION_PAGES;
		order = LB_MAX_ORDER;
	} else {
		unsigned got, want = LB_MAX_ORDER;

		while (want && (UINT64_C(1) << want) > left)
			want--;
		if (!lbi_take_free(z, S_UNACCEPTED, want, &idx, &got) &&
		    !lbi_take_largest_unaccepted(z, &idx, &got))
			return 0;
		order = got < want ? got : want;
		lbi_split(z, idx, got, order, S_UNACCEPTED);
		n = 1;
	}
	rc = lbi_accept_blocks(z, idx, order, n, op, false);
	pages = rc ? op->accepted - before : n << order;
	if (op->why == ACC_ACCEPTOR)
		z->background_accepted += pages;
	else if (op->why == ACC_SETUP)
		z->setup_accepted_pages += pages;
	return pages ? (int64_t)pages : rc;
}

/* Accept up to max_pages of free unaccepted memory (0: all), in as few
 * backend calls as the lists allow, with CALL_FAILS failed calls at most.
 * Returns the pages accepted, or the error when calls failed and nothing
 * was accepted. */
int64_t lbi_accept_some(struct lb_zone *z, uint64_t max_pages)
{
	struct acc_op op = { .fails = CALL_FAILS, .why = ACC_CALLER };
	uint64_t done = 0;

	LB_ASSERT_LOCKED(z);
	while ((!max_pages || done < max_pages) && op.fails) {
		int64_t got = lbi_accept_call(z, max_pages ? max_pages - done : UINT64_MAX, &op);

		if (!got)
			break;
		if (got > 0)
			done += (uint64_t)got;
	}
	return done || !op.err ? (int64_t)done : op.err;
}

/* ----------------------------------------------------------- hand-out */

/* n pages at idx, in blocks of order, have left the zone: the counts. */
static void count_out(struct lb_zone *z, uint64_t idx, uint64_t n, unsigned order)
{
	z->nr_alloc += n;
	z->out_pages_total += n;
	/* demand.c's: use at its highest, the largest order lately */
	if (z->nr_alloc > z->demand.use_peak)
		z->demand.use_peak = z->nr_alloc;
	if (order > z->demand.big_new)
		z->demand.big_new = (unsigned char)order;
	z->over_accepted -= bits_assign(z->fresh, idx, n, 0);
}

/* A block leaves the zone, to a caller (K_ALLOC) or a per-CPU cache
 * (K_CACHED). I1: it must be wholly accepted. */
int lbi_give_out(struct lb_zone *z, uint64_t idx, unsigned order, unsigned kind)
{
	uint64_t n = UINT64_C(1) << order;

	LB_ASSERT_LOCKED(z);
	LB_DBG_ASSERT(pg_kind(&z->pages[idx]) == K_NONE && !(idx & (n - 1)));
	if (z->shadow && bits_count(z->shadow, idx, n) != n) {
		lbi_note_corrupt(z, FIND_NOTE_HANDOUT, 1, idx, n);
		mark(z, idx, order, K_QUARANTINE);
		z->demand.rest_on = false; /* less free accepted memory */
		return LB_ECORRUPT;
	}
	mark(z, idx, order, kind);
	count_out(z, idx, n, order);
	return 0;
}

/* A taken block of order `from` leaves the zone as 2^(from - order)
 * blocks of order, to a per-CPU cache: their heads go into out[], lowest
 * first; returns how many. What lbi_give_out() does for each, done once
 * for the whole: a refill's pieces cost no list surgery. With the shadow
 * record each piece is checked and given out on its own, so a bad page
 * quarantines its piece, not the block. */
unsigned lbi_give_out_pieces(struct lb_zone *z, uint64_t idx, unsigned from, unsigned order,
			     unsigned kind, uint32_t *out)
{
	uint64_t n = UINT64_C(1) << from, piece = UINT64_C(1) << order;
	unsigned got = 0;

	LB_ASSERT_LOCKED(z);
	LB_DBG_ASSERT(pg_kind(&z->pages[idx]) == K_NONE && !(idx & (n - 1)) && from >= order);
	if (z->shadow) {
		for (uint64_t i = idx; i < idx + n; i += piece)
			if (!lbi_give_out(z, i, order, kind))
				out[got++] = (uint32_t)i;
		return got;
	}
	for (uint64_t i = idx; i < idx + n; i += piece) {
		mark(z, i, order, kind);
		out[got++] = (uint32_t)i;
	}
	count_out(z, idx, n, order);
	return got;
}

int lbi_hand_out(struct lb_zone *z, uint64_t idx, unsigned order)
{
	int rc = lbi_give_out(z, idx, order, K_ALLOC);

	LB_ASSERT_LOCKED(z);
	if (!rc)
		z->allocs++;
	return rc;
}
