/* SPDX-License-Identifier: MIT */
/*
 * The freestanding core at work: build/freestanding/spin/lazybuddy.o (the
 * built-in spin platform, no C library) linked into a hosted program,
 * whose C library supplies memset, memcpy and memmove. What freestanding
 * builds do differently: lb_zone_check() writes a constant naming the
 * invariant, lb_zone_meminfo() and the threads answer LB_ENOTSUP, and an
 * allocation waiting for memory in flight spins (the spin platform's
 * wait) until the accept ends. Prints "N passed, M failed" for
 * tests/run.sh.
 */
#include "lazybuddy.h"
#include "lazybuddy_backends.h"

#include "../../src/internal.h" /* built with LB_FREESTANDING: the spin object's layout */

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MiB (UINT64_C(1) << 20)

static int passed, failed;

#define CHECK(name, expr)                                              \
	do {                                                           \
		if (expr) {                                            \
			passed++;                                      \
			printf("ok   freestanding run: %s\n", name);   \
		} else {                                               \
			failed++;                                      \
			printf("FAIL freestanding run: %s (%s)\n", name, #expr); \
		}                                                      \
	} while (0)

/* A backend whose accepts wait until opened: memory stays in flight. */
static pthread_mutex_t gate_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t gate_cv = PTHREAD_COND_INITIALIZER;
static int gate_held, gate_open;

static int gate_accept(void *ctx, uint64_t addr, uint64_t size)
{
	(void)ctx;
	(void)addr;
	(void)size;
	pthread_mutex_lock(&gate_mu);
	gate_held++;
	pthread_cond_broadcast(&gate_cv);
	while (!gate_open)
		pthread_cond_wait(&gate_cv, &gate_mu);
	pthread_mutex_unlock(&gate_mu);
	return 0;
}

static const struct lb_backend_ops gate_ops = { .name = "gate", .accept = gate_accept };

struct job {
	struct lb_zone *z;
	uint64_t addr;
	int64_t got;
	int rc;
};

static void *accept_all(void *p)
{
	struct job *j = p;

	j->got = lb_zone_accept(j->z, 0);
	return NULL;
}

static void *alloc_big(void *p)
{
	struct job *j = p;

	j->rc = lb_alloc(j->z, LB_MAX_ORDER, 0, &j->addr);
	return NULL;
}

int main(void)
{
	static const struct lb_range map[] = {
		{ 0, 4 * MiB, LB_MEM_ACCEPTED },
		{ 4 * MiB, 4 * MiB, LB_MEM_UNACCEPTED },
	};
	struct lb_config cfg = { .ranges = map, .nranges = 2, .policy = LB_POLICY_UNIT };
	struct job acc = { 0 }, w = { 0 };
	struct lb_stats st;
	pthread_t ta, tw;
	struct lb_zone *z;
	char msg[64];
	uint64_t a;
	size_t size;
	void *meta;

	cfg.backend.ops = &gate_ops;
	if (lb_zone_meta_size(&cfg, &size) || !(meta = aligned_alloc(16, (size + 15) & ~(size_t)15)) ||
	    lb_zone_init(&z, meta, size, &cfg)) {
		printf("FAIL freestanding run: no zone\n0 passed, 1 failed\n");
		return 1;
	}
	CHECK("allocation from accepted memory", lb_alloc(z, LB_MAX_ORDER, 0, &a) == 0 && a == 0);
	CHECK("meminfo is LB_ENOTSUP", lb_zone_meminfo(z, msg, sizeof msg) == LB_ENOTSUP);
	CHECK("no threads: LB_ENOTSUP", lb_acceptor_start(z) == LB_ENOTSUP);
	CHECK("the checker passes, msg empty",
	      lb_zone_check(z, msg, sizeof msg) == 0 && msg[0] == 0);
	z->nr_alloc++;
	CHECK("the checker's constant message",
	      lb_zone_check(z, msg, sizeof msg) == LB_ECORRUPT &&
		      strcmp(msg, "I4: counters disagree with the walk") == 0);
	CHECK("cut to len", lb_zone_check(z, msg, 5) == LB_ECORRUPT && strcmp(msg, "I4: ") == 0);
	z->nr_alloc--;

	/* The only unaccepted memory in flight, held in the gate: a waiter
	 * spins on the spin platform's wait until the accept ends. */
	acc.z = w.z = z;
	pthread_create(&ta, NULL, accept_all, &acc);
	pthread_mutex_lock(&gate_mu);
	while (!gate_held)
		pthread_cond_wait(&gate_cv, &gate_mu);
	pthread_mutex_unlock(&gate_mu);
	pthread_create(&tw, NULL, alloc_big, &w);
	do
		lb_zone_stats(z, &st);
	while (!st.accept_waits);
	pthread_mutex_lock(&gate_mu);
	gate_open = 1;
	pthread_cond_broadcast(&gate_cv);
	pthread_mutex_unlock(&gate_mu);
	pthread_join(ta, NULL);
	pthread_join(tw, NULL);
	CHECK("a waiter gets the memory when the accept ends",
	      acc.got == (int64_t)(4 * MiB) && w.rc == 0 && w.addr == 4 * MiB);
	CHECK("frees", lb_free(z, a, LB_MAX_ORDER) == 0 && lb_free(z, w.addr, LB_MAX_ORDER) == 0);
	CHECK("the checker passes at the end", lb_zone_check(z, NULL, 0) == 0);
	lb_zone_fini(z);
	free(meta);
	printf("%d passed, %d failed\n", passed, failed);
	return failed != 0;
}
