/* SPDX-License-Identifier: MIT */
/*
 * Accepting: what each caller asks of the in-flight protocol (inflight.c)
 * to accept memory. Blocks an allocation took (lbi_accept_blocks), a
 * range at set-up (lbi_accept_setup_range), a free run of blocks of both
 * states (lbi_accept_mixed), and the batch engine behind the acceptor,
 * lb_zone_accept(), lb_zone_setup_accept() and eager's set-up
 * (lbi_accept_call, lbi_accept_some): each claims, has retry.c make the
 * call (and retry its failures), and publishes.
 */
#include "inflight.h"

/*
 * Accept count contiguous blocks of one order starting at idx, taken off
 * the lists by the caller. Returns 0 with the blocks accepted: kept by the
 * caller (keep: taken, state S_ACCEPTED, for a hand-out), else published
 * to the lists. Otherwise what lbi_accept_inflight() says, with every part
 * published.
 */
int lbi_accept_blocks(struct lb_zone *z, uint64_t idx, unsigned order, uint64_t count,
		      struct acc_op *op, bool keep)
{
	uint64_t bs = UINT64_C(1) << order, n = count << order;
	int rc;

	LB_ASSERT_LOCKED(z);
	for (uint64_t i = 0; i < count; i++)
		lbi_claim(z, idx + i * bs, order, S_UNACCEPTED, op);
	rc = lbi_accept_inflight(z, idx, idx + n, op);
	if (rc)
		return rc;
	if (!keep)
		lbi_publish(z, idx, idx + n, op);
	else
		for (uint64_t i = 0; i < count; i++)
			lbi_publish_kept(z, idx + i * bs, order, op);
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

		lbi_claim(z, i, o, S_UNACCEPTED, &op);
		i += UINT64_C(1) << o;
	}
	rc = lbi_accept_inflight(z, idx, e, &op);
	if (!rc)
		lbi_publish(z, idx, e, &op);
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
		lbi_claim(z, j, o, st, op);
		j += UINT64_C(1) << o;
	}
	for (i = r; i < e; i = j) {
		j = i + (UINT64_C(1) << pg_order(&z->pages[i]));
		if (z->pages[i].state == S_ACCEPTED)
			continue;
		while (j < e && z->pages[j].state == S_UNACCEPTED)
			j += UINT64_C(1) << pg_order(&z->pages[j]);
		rc = lbi_accept_inflight(z, i, j, op);
		if (rc)
			break;
	}
	if (rc) {
		/* [i, j) is placed already, and what was placed may be anyone's
		 * by now: put back only the rest, still ours. */
		lbi_publish(z, r, i, op);
		lbi_publish(z, j, e, op);
		return rc;
	}
	for (i = r; i < e; i = j) {
		unsigned o = pg_order(&z->pages[i]);

		j = i + (UINT64_C(1) << o);
		lbi_publish_kept(z, i, o, op);
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
	if (left >= SECTION_PAGES && z->lists[LIST_UNACC].area[LB_MAX_ORDER].head == LB_NIL &&
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
		lbi_split(z, idx, got, order, S_UNACCEPTED, 0);
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
