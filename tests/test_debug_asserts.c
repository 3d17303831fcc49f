/* SPDX-License-Identifier: MIT */
/*
 * Debug builds (LB_DEBUG >= 1) stop on a broken precondition, as Linux's
 * VM_BUG_ON_PAGE does: a core function called without the zone lock (or
 * with another thread's), a split of a block not taken or not of the
 * order claimed, a free or merge whose state the shadow record denies, a
 * claim of a block still on a list, an accept of a range the zone holds
 * accepted, a release of unaccepted memory. Each case runs in a child,
 * which must die of the assertion (SIGABRT). Release builds skip them.
 */
#include "fixture.h"
#include "harness.h"

#include "../src/internal.h"

#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#if LB_DEBUG >= 1

/* 8 MiB accepted, then an unaccepted pristine section [8M, 12M) and an
 * unaccepted order-9 block on a list at 12M. */
static const struct lb_range map[] = {
	{ 0, 8 * MiB, LB_MEM_ACCEPTED },
	{ 8 * MiB, 6 * MiB, LB_MEM_UNACCEPTED },
};

#define IDX(addr) ((addr) >> LB_PAGE_SHIFT)

/* Run fn on a fresh zone in a child: did the child die of SIGABRT? */
static bool dies(void (*fn)(struct lb_zone *z))
{
	struct fx f;
	pid_t pid;
	int status;

	if (fx_init(&f, map, 2, LB_POLICY_EXACT))
		return false;
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid == 0) {
		int fd = open("/dev/null", O_WRONLY);

		if (fd >= 0)
			dup2(fd, 2); /* the assertion's message */
		fn(f.z);
		_exit(0);
	}
	fx_fini(&f);
	return pid > 0 && waitpid(pid, &status, 0) == pid && WIFSIGNALED(status) &&
	       WTERMSIG(status) == SIGABRT;
}

static void unlocked_call(struct lb_zone *z)
{
	(void)lbi_unaccepted_fits(z, 0);
}

static void locked_call(struct lb_zone *z)
{
	zone_lock(z);
	(void)lbi_unaccepted_fits(z, 0);
	zone_unlock(z);
}

static void *hold_lock(void *arg)
{
	zone_lock(arg);
	for (;;)
		pause();
	return NULL;
}

static void others_lock_call(struct lb_zone *z)
{
	pthread_t t;

	if (pthread_create(&t, NULL, hold_lock, z))
		_exit(2);
	while (!__atomic_load_n(&z->lock_held, __ATOMIC_ACQUIRE))
		sched_yield();
	(void)lbi_unaccepted_fits(z, 0);
}

TEST(debug_asserts_lock_held)
{
	CHECK(dies(unlocked_call));
	CHECK(!dies(locked_call));
	CHECK(dies(others_lock_call));
}

static void split_listed(struct lb_zone *z)
{
	zone_lock(z);
	lbi_split(z, z->lists[0].area[LB_MAX_ORDER].head, LB_MAX_ORDER, 0, S_ACCEPTED, 0);
}

static void split_wrong_order(struct lb_zone *z)
{
	uint64_t b;
	unsigned got;

	zone_lock(z);
	if (lbi_take_free(z, S_ACCEPTED, LB_MAX_ORDER, &b, &got))
		lbi_split(z, b, got - 1, 0, S_ACCEPTED, 0);
	_exit(3);
}

static void split_wrong_state(struct lb_zone *z)
{
	uint64_t b;
	unsigned got;

	zone_lock(z);
	if (lbi_take_free(z, S_ACCEPTED, LB_MAX_ORDER, &b, &got))
		lbi_split(z, b, got, 0, S_UNACCEPTED, 0);
	_exit(3);
}

TEST(debug_asserts_split)
{
	CHECK(dies(split_listed));
	CHECK(dies(split_wrong_order));
	CHECK(dies(split_wrong_state));
}

static void free_listed(struct lb_zone *z)
{
	zone_lock(z);
	lbi_free_block(z, z->lists[0].area[LB_MAX_ORDER].head, LB_MAX_ORDER, S_ACCEPTED, 0,
		       false);
}

/* Accepted memory freed as unaccepted: the shadow record denies it. */
static void free_wrong_state(struct lb_zone *z)
{
	uint64_t b;
	unsigned got;

	zone_lock(z);
	if (lbi_take_free(z, S_ACCEPTED, 0, &b, &got))
		lbi_free_block(z, b, got, S_UNACCEPTED, 0, false);
	_exit(3);
}

/* A merge with a buddy whose pages the shadow record holds accepted
 * although the buddy is free unaccepted. */
static void merge_denied(struct lb_zone *z)
{
	uint64_t b;
	unsigned got;

	zone_lock(z);
	if (!lbi_take_free(z, S_UNACCEPTED, 9, &b, &got) || b != IDX(12 * MiB) || got != 9)
		_exit(3);
	lbi_split(z, b, 9, 8, S_UNACCEPTED, 0); /* 13M is now free, order 8 */
	bit_set(z->shadow, IDX(13 * MiB + 512 * KiB));
	lbi_free_block(z, b, 8, S_UNACCEPTED, 0, false);
	_exit(4);
}

TEST(debug_asserts_free_and_merge)
{
	CHECK(dies(free_listed));
	CHECK(dies(free_wrong_state));
	CHECK(dies(merge_denied));
}

static void claim_listed(struct lb_zone *z)
{
	struct acc_op op = { .fails = CALL_FAILS, .why = ACC_CALLER };

	zone_lock(z);
	lbi_accept_blocks(z, IDX(12 * MiB), 9, 1, &op, true);
	_exit(3);
}

/* The zone's own record (fresh: accepted, not handed out) says a page of
 * the range is accepted already. */
static void accept_accepted(struct lb_zone *z)
{
	struct acc_op op = { .fails = CALL_FAILS, .why = ACC_CALLER };
	uint64_t b;
	unsigned got;

	zone_lock(z);
	if (!lbi_take_free(z, S_UNACCEPTED, 9, &b, &got) || got != 9)
		_exit(3);
	bit_set(z->fresh, b + 3);
	lbi_accept_blocks(z, b, 9, 1, &op, true);
	_exit(4);
}

static void release_unaccepted(struct lb_zone *z)
{
	zone_lock(z);
	lbi_release_claim(z, IDX(12 * MiB));
	_exit(3);
}

TEST(debug_asserts_claim_accept_release)
{
	CHECK(dies(claim_listed));
	CHECK(dies(accept_accepted));
	CHECK(dies(release_unaccepted));
}

#else

TEST(debug_asserts_skipped_in_release_builds)
{
	printf("    (LB_DEBUG is 0: no internal assertions to test)\n");
}

#endif
