/* SPDX-License-Identifier: MIT */
/*
 * adaptive with real threads over real memory: the mmap backend (where the
 * MMU faults any touch of unaccepted memory), the acceptor on four threads
 * (lb_acceptor_start), two allocating threads at a steady pace writing
 * every page they get. Allocations must never wait for memory another
 * thread has in flight, and the acceptor's threads, not the allocating
 * ones, must do the accepting: the backend counts its calls by thread.
 * A call from an allocating thread accepts only what that allocation
 * asked for (exact-style). The pace (about 32 MiB/s each) is far below
 * what four threads accept, so this holds on a loaded machine too, with
 * the threads at normal priority (LB_ADAPT_IDLE left out: on a machine of
 * one CPU they would be SCHED_IDLE, rightly give way to the allocating
 * threads and leave them to accept for themselves). The last test checks that
 * adaptive's threads run at SCHED_IDLE on a guest of one CPU, and
 * background's do not.
 */
#include "fixture.h"
#include "harness.h"

#include <dirent.h>
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define PB (UINT64_C(1) << 32)
#define ALLOCATORS 2
#define ROUNDS 150          /* of 1 ms each */
#define PER_ROUND 8         /* allocations per round and thread, 1-8 pages */

static const struct lb_range map[] = {
	{ PB, 4 * MiB, LB_MEM_ACCEPTED },
	{ PB + 4 * MiB, 252 * MiB, LB_MEM_UNACCEPTED },
};

/* The backend's calls, by who made them. */
static _Thread_local int tl_allocator;
struct counting {
	struct lb_backend inner;
	uint64_t calls_alloc, pages_alloc, calls_other; /* atomic */
};

static int counting_accept(void *ctx, uint64_t addr, uint64_t size)
{
	struct counting *c = ctx;

	if (tl_allocator) {
		__atomic_add_fetch(&c->calls_alloc, 1, __ATOMIC_RELAXED);
		__atomic_add_fetch(&c->pages_alloc, size / LB_PAGE_SIZE, __ATOMIC_RELAXED);
	} else {
		__atomic_add_fetch(&c->calls_other, 1, __ATOMIC_RELAXED);
	}
	return c->inner.ops->accept(c->inner.ctx, addr, size);
}

static const struct lb_backend_ops counting_ops = { "counting", counting_accept, NULL, NULL };

struct worker {
	struct lb_zone *z;
	struct lb_mmap_backend *mb;
	unsigned seed;
	uint64_t allocs, pages, failures, bad_writes;
};

static void sleep_ms(unsigned ms)
{
	struct timespec ts = { 0, (long)ms * 1000000L };

	nanosleep(&ts, NULL);
}

static void *allocate(void *p)
{
	struct worker *w = p;

	tl_allocator = 1;
	for (unsigned r = 0; r < ROUNDS; r++) {
		for (unsigned i = 0; i < PER_ROUND; i++) {
			unsigned order = (w->seed = w->seed * 1103515245u + 12345u) >> 29 & 3u;
			uint64_t a;

			if (lb_alloc(w->z, order, 0, &a) != 0) {
				w->failures++;
				continue;
			}
			/* Unaccepted memory would fault here and end the test. */
			memset(lb_mmap_ptr(w->mb, a), 0xa5, LB_PAGE_SIZE << order);
			w->allocs++;
			w->pages += UINT64_C(1) << order;
		}
		sleep_ms(1);
	}
	return NULL;
}

TEST_TSAN(adaptive_threads_allocations_do_not_wait_for_the_acceptor)
{
	struct lb_acceptor_cfg ac = { .threads = 4, .adapt_off = LB_ADAPT_IDLE };
	struct lb_mmap_backend mb;
	struct counting cb = { 0 };
	struct worker w[ALLOCATORS];
	pthread_t th[ALLOCATORS];
	struct lb_stats st;
	struct fx f;
	uint64_t allocs = 0, pages = 0;

	REQUIRE(lb_mmap_backend_init(&mb, map, 2, &cb.inner) == 0);
	REQUIRE(fx_init_with(&f, map, 2, LB_POLICY_ADAPTIVE, 0, 0,
			     (struct lb_backend){ &counting_ops, &cb }) == 0);
	f.sb.check_lock = false; /* other threads hold the lock at times */
	REQUIRE(lb_acceptor_config(f.z, &ac) == 0);
	REQUIRE(lb_acceptor_start(f.z) == 0);
	sleep_ms(20); /* the acceptor's first passes: a reserve before demand */
	for (int i = 0; i < ALLOCATORS; i++) {
		w[i] = (struct worker){ f.z, &mb, 7u + (unsigned)i, 0, 0, 0, 0 };
		REQUIRE(pthread_create(&th[i], NULL, allocate, &w[i]) == 0);
	}
	for (int i = 0; i < ALLOCATORS; i++) {
		pthread_join(th[i], NULL);
		allocs += w[i].allocs;
		pages += w[i].pages;
		CHECK_EQ(w[i].failures, 0);
	}
	CHECK_EQ(lb_acceptor_stop(f.z), 0);
	lb_zone_stats(f.z, &st);
	printf("    %llu allocations, %llu accept calls by allocating threads (%llu pages), "
	       "%llu by the acceptor; %u passes at most at once\n",
	       (unsigned long long)allocs, (unsigned long long)cb.calls_alloc,
	       (unsigned long long)cb.pages_alloc, (unsigned long long)cb.calls_other,
	       st.acceptor_passes_peak);
	CHECK_EQ(allocs, ALLOCATORS * ROUNDS * PER_ROUND);
	CHECK_EQ(st.accept_waits, 0);         /* nobody waited for memory in flight */
	CHECK(cb.calls_other > 0);            /* the acceptor's threads accepted */
	CHECK(cb.calls_alloc * 20 <= allocs); /* at most 5% of allocations accepted */
	CHECK(cb.pages_alloc <= pages);       /* and then only what they asked for */
	CHECK(st.background_accepted_pages > pages / 2);
	CHECK(fx_ok(&f));
	fx_fini(&f);
	lb_mmap_backend_fini(&mb);
}

/* Threads of this process whose scheduling class is SCHED_IDLE, or -1
 * where the platform has no such class or no /proc. */
static int idle_class_threads(void)
{
#ifdef SCHED_IDLE
	DIR *d = opendir("/proc/self/task");
	struct dirent *e;
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.' && sched_getscheduler(atoi(e->d_name)) == SCHED_IDLE)
			n++;
	closedir(d);
	return n;
#else
	return -1;
#endif
}

/* The threads an acceptor of policy p starts (two) that run in the idle
 * class, started from a thread allowed one CPU when one_cpu. */
static int idle_threads_of(enum lb_policy p, unsigned off, bool one_cpu)
{
	struct lb_acceptor_cfg ac = { .threads = 2, .adapt_off = off };
	cpu_set_t saved, one;
	struct fx f;
	int n;

	REQUIRE_OR(sched_getaffinity(0, sizeof saved, &saved) == 0, -2);
	CPU_ZERO(&one);
	for (int c = 0; c < CPU_SETSIZE; c++)
		if (CPU_ISSET(c, &saved)) {
			CPU_SET(c, &one);
			break;
		}
	REQUIRE_OR(fx_init(&f, map, 2, p) == 0, -2);
	f.sb.check_lock = false;
	REQUIRE_OR(lb_acceptor_config(f.z, &ac) == 0, -2);
	if (one_cpu)
		REQUIRE_OR(sched_setaffinity(0, sizeof one, &one) == 0, -2);
	REQUIRE_OR(lb_acceptor_start(f.z) == 0, -2);
	sched_setaffinity(0, sizeof saved, &saved);
	sleep_ms(20);
	n = idle_class_threads();
	CHECK_EQ(lb_acceptor_stop(f.z), 0);
	fx_fini(&f);
	return n;
}

/* adaptive on a guest of one CPU runs its threads in the idle class
 * (SCHED_IDLE); with more CPUs, background's, and adaptive's with
 * LB_ADAPT_IDLE left out, run as any other thread. */
TEST_TSAN(adaptive_threads_idle_class_on_one_cpu)
{
	cpu_set_t set;

	if (idle_class_threads() < 0 || sched_getaffinity(0, sizeof set, &set) != 0) {
		printf("    (no SCHED_IDLE, affinity or /proc/self/task here: skipped)\n");
		return;
	}
	CHECK_EQ(idle_class_threads(), 0);
	CHECK_EQ(idle_threads_of(LB_POLICY_ADAPTIVE, 0, true), 2);
	CHECK_EQ(idle_threads_of(LB_POLICY_ADAPTIVE, LB_ADAPT_IDLE, true), 0);
	CHECK_EQ(idle_threads_of(LB_POLICY_BACKGROUND, 0, true), 0);
	if (CPU_COUNT(&set) > 1)
		CHECK_EQ(idle_threads_of(LB_POLICY_ADAPTIVE, 0, false), 0);
}
