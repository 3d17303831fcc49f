/* SPDX-License-Identifier: MIT */
/*
 * Several threads on one zone.
 *
 *   threads_mixed_*      4 threads x 20k random operations (mixed orders,
 *                        frees, a few lb_zone_accept() calls), each with its
 *                        own live set and seed, under each policy;
 *   threads_nowait_*     the same with a quarter of the allocations
 *                        LB_ALLOC_NOWAIT: such a call must never accept
 *                        (counted per thread by the backend, which runs in
 *                        the caller's thread);
 *   threads_policy_switch  the mixed run while the main thread switches
 *                        policies under the workers' feet;
 *   threads_contention_* memory nearly all unaccepted, the threads released
 *                        at once by a barrier, every allocation on the slow
 *                        path, a backend that takes its time: the threads
 *                        allocate until LB_ENOMEM and must then own every
 *                        managed page between them, none twice;
 *   threads_accept_no_block_*  I6: while one thread's acceptance is held in
 *                        the backend, another thread allocates from accepted
 *                        memory, gets LB_EAGAIN at once under NOWAIT, and
 *                        accepts a different block in parallel.
 *
 * Ownership is an atomic byte per page: a thread claims each page of a block
 * it was handed with a compare-and-swap from 0, and gives it back before
 * freeing; a page found owned by another thread is a failure. Every handed
 * out block must also be wholly accepted in the strict backend's record
 * (I1). At the end: join, check the counters against the sum of what the
 * threads saw, sweep every page, free all, fx_ok() (no double accept).
 * The strict backend's lock probe is off (f.sb.check_lock = false): with
 * other threads about, a busy lock proves nothing.
 */
#include "fixture.h"
#include "harness.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define PG LB_PAGE_SIZE
#define PB (UINT64_C(4) << 30) /* physical base of the maps (section-aligned) */
#define NT 4
#define OPS 20000

/* 32 MiB: accepted head, a hole, unaccepted with a reserved range inside,
 * ends off unit boundaries. */
static const struct lb_range tmap[] = {
	{ PB, 2 * MiB + 36 * KiB, LB_MEM_ACCEPTED },
	{ PB + 3 * MiB + 4 * KiB, 17 * MiB - 4 * KiB, LB_MEM_UNACCEPTED },
	{ PB + 20 * MiB, 512 * KiB, LB_MEM_RESERVED },
	{ PB + 20 * MiB + 512 * KiB, 11 * MiB + 500 * KiB, LB_MEM_UNACCEPTED },
};

/* Nearly all unaccepted: 64 KiB accepted, then 32 MiB - 68 KiB unaccepted. */
static const struct lb_range cmap[] = {
	{ PB, 64 * KiB, LB_MEM_ACCEPTED },
	{ PB + 64 * KiB, 32 * MiB - 68 * KiB, LB_MEM_UNACCEPTED },
};

/* 2 MiB + 36 KiB accepted (no 4 MiB block), two unaccepted sections. */
static const struct lb_range gmap[] = {
	{ PB, 2 * MiB + 36 * KiB, LB_MEM_ACCEPTED },
	{ PB + 4 * MiB, 8 * MiB, LB_MEM_UNACCEPTED },
};

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* ------------------------------------------------------- inner backend */

/* Accepts run in the calling thread: count them per thread. */
static _Thread_local uint64_t tl_accepts;

struct tb {
	unsigned delay_us;      /* sleep in every accept (widens in-flight windows) */
	int cur, max;           /* accepts running now, most at once */
	/* The gate: the first accept after arming waits for go (3 s at most). */
	int armed, in_gate, go, timed_out;
	uint64_t gate_addr, gate_size;
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void sleep_us(unsigned us)
{
	struct timespec ts = { 0, (long)us * 1000 };

	nanosleep(&ts, NULL);
}

static int tb_accept(void *ctx, uint64_t addr, uint64_t size)
{
	struct tb *b = ctx;
	int c = __atomic_add_fetch(&b->cur, 1, __ATOMIC_SEQ_CST);
	int m = __atomic_load_n(&b->max, __ATOMIC_SEQ_CST);

	while (c > m && !__atomic_compare_exchange_n(&b->max, &m, c, false, __ATOMIC_SEQ_CST,
						     __ATOMIC_SEQ_CST))
		;
	tl_accepts++;
	if (__atomic_exchange_n(&b->armed, 0, __ATOMIC_SEQ_CST)) {
		uint64_t deadline = now_ns() + UINT64_C(3000000000);

		b->gate_addr = addr;
		b->gate_size = size;
		__atomic_store_n(&b->in_gate, 1, __ATOMIC_SEQ_CST);
		while (!__atomic_load_n(&b->go, __ATOMIC_SEQ_CST)) {
			if (now_ns() > deadline) {
				__atomic_store_n(&b->timed_out, 1, __ATOMIC_SEQ_CST);
				break;
			}
			sleep_us(100);
		}
	} else if (b->delay_us) {
		sleep_us(b->delay_us);
	}
	__atomic_sub_fetch(&b->cur, 1, __ATOMIC_SEQ_CST);
	return 0;
}

static const struct lb_backend_ops tb_ops = { .name = "threads", .accept = tb_accept };

/* ------------------------------------------------------------ the setup */

struct blk {
	uint64_t addr;
	unsigned order;
};

struct shared {
	struct fx f;
	struct tb tb;
	const struct lb_range *map;
	size_t nmap;
	uint64_t base, npages, managed_pages, fw_pages;
	uint8_t *managed;       /* per page of the span */
	uint8_t *owner;         /* per page: 0 or thread id + 1 (atomic) */
	pthread_barrier_t bar;
	unsigned nowait_pct;    /* of allocations */
	unsigned accept_permille; /* of operations: lb_zone_accept(small) */
	int done;               /* workers finished (atomic) */
};

struct worker {
	struct shared *s;
	pthread_t th;
	unsigned id;
	uint64_t seed;
	struct blk *live;
	size_t nlive;
	uint64_t live_pages;
	uint64_t allocs, fails, frees, nowait, accepted_bytes;
	uint64_t errors;
	char msg[200];
};

__attribute__((format(printf, 2, 3))) static void werr(struct worker *w, const char *fmt, ...)
{
	va_list ap;

	if (w->errors++)
		return;
	va_start(ap, fmt);
	vsnprintf(w->msg, sizeof w->msg, fmt, ap);
	va_end(ap);
}

static bool sh_init(struct shared *s, const struct lb_range *map, size_t n, enum lb_policy p,
		    uint64_t unit)
{
	struct lb_backend inner = { &tb_ops, NULL };
	uint64_t hi = 0;
	int rc;

	memset(s, 0, sizeof *s);
	inner.ctx = &s->tb;
	s->map = map;
	s->nmap = n;
	s->base = PB;
	for (size_t i = 0; i < n; i++)
		if (map[i].type != LB_MEM_RESERVED && map[i].start + map[i].size > hi)
			hi = map[i].start + map[i].size;
	s->npages = (hi - s->base) / PG;
	s->managed = calloc(s->npages, 1);
	s->owner = calloc(s->npages, 1);
	if (!s->managed || !s->owner)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (map[i].type == LB_MEM_RESERVED)
			continue;
		for (uint64_t a = map[i].start; a < map[i].start + map[i].size; a += PG)
			s->managed[(a - s->base) / PG] = 1;
		s->managed_pages += map[i].size / PG;
		if (map[i].type == LB_MEM_ACCEPTED)
			s->fw_pages += map[i].size / PG;
	}
	rc = fx_init_with(&s->f, map, n, p, unit, 0, inner);
	CHECK_EQ(rc, 0);
	if (rc)
		return false;
	s->f.sb.check_lock = false;
	return true;
}

static void sh_fini(struct shared *s)
{
	fx_fini(&s->f);
	free(s->managed);
	free(s->owner);
}

/* Take ownership of a block just handed to w. */
static void claim(struct worker *w, uint64_t addr, unsigned order)
{
	struct shared *s = w->s;
	uint64_t n = UINT64_C(1) << order, size = n * PG, first = (addr - s->base) / PG;
	int st;

	if ((addr & (size - 1)) || addr < s->base || first + n > s->npages) {
		werr(w, "block 0x%llx of order %u misaligned or outside the span",
		     (unsigned long long)addr, order);
		return;
	}
	for (uint64_t i = first; i < first + n; i++) {
		uint8_t exp = 0;

		if (!s->managed[i]) {
			werr(w, "block 0x%llx: page 0x%llx not managed", (unsigned long long)addr,
			     (unsigned long long)(s->base + i * PG));
			return;
		}
		if (!__atomic_compare_exchange_n(&s->owner[i], &exp, (uint8_t)(w->id + 1), false,
						 __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST)) {
			werr(w, "page 0x%llx handed to thread %u while thread %u owns it",
			     (unsigned long long)(s->base + i * PG), w->id, exp - 1u);
			return;
		}
	}
	if (!sb_all_accepted(&s->f.sb, addr, size))
		werr(w, "block 0x%llx of order %u handed out unaccepted (I1)",
		     (unsigned long long)addr, order);
	st = lb_zone_page_state(s->f.z, addr + size - PG);
	if (st != LB_PAGE_ALLOCATED)
		werr(w, "block 0x%llx owned by thread %u is in state %d", (unsigned long long)addr,
		     w->id, st);
	w->live[w->nlive].addr = addr;
	w->live[w->nlive].order = order;
	w->nlive++;
	w->live_pages += n;
	w->allocs++;
}

/* Give back and free w's k-th live block. */
static void release(struct worker *w, size_t k)
{
	struct shared *s = w->s;
	struct blk b = w->live[k];
	uint64_t n = UINT64_C(1) << b.order, first = (b.addr - s->base) / PG;
	int rc;

	w->live[k] = w->live[--w->nlive];
	w->live_pages -= n;
	for (uint64_t i = first; i < first + n; i++) {
		uint8_t exp = (uint8_t)(w->id + 1);

		if (!__atomic_compare_exchange_n(&s->owner[i], &exp, 0, false, __ATOMIC_SEQ_CST,
						 __ATOMIC_SEQ_CST)) {
			werr(w, "page 0x%llx of thread %u's block found owned by %d",
			     (unsigned long long)(s->base + i * PG), w->id, exp - 1);
			return;
		}
	}
	rc = lb_free(s->f.z, b.addr, b.order);
	if (rc)
		werr(w, "lb_free(0x%llx, %u) = %d", (unsigned long long)b.addr, b.order, rc);
	else
		w->frees++;
}

static void alloc_one(struct worker *w, unsigned order, unsigned flags)
{
	uint64_t c0 = tl_accepts, addr = 0;
	int rc = lb_alloc(w->s->f.z, order, flags, &addr);

	if (flags & LB_ALLOC_NOWAIT) {
		w->nowait++;
		if (tl_accepts != c0)
			werr(w, "an LB_ALLOC_NOWAIT allocation of order %u accepted memory", order);
	}
	if (rc == 0)
		claim(w, addr, order);
	else if (rc == LB_ENOMEM || (rc == LB_EAGAIN && (flags & LB_ALLOC_NOWAIT)))
		w->fails++;
	else
		werr(w, "lb_alloc(order %u, flags %u) = %d", order, flags, rc);
}

/* Random operations; occupancy ramps up towards a quarter of memory each. */
static void *mixed_worker(void *arg)
{
	struct worker *w = arg;
	struct shared *s = w->s;
	uint64_t share = s->managed_pages / NT;

	pthread_barrier_wait(&s->bar);
	for (uint64_t op = 0; op < OPS && !w->errors; op++) {
		uint64_t target = share * 11 / 10 * op / OPS, r = fx_rand(&w->seed) % 1000;
		unsigned alloc_pct;

		if (op % 2048 >= 1024)
			target /= 2;
		alloc_pct = w->live_pages < target ? 75 : 30;
		if (r < s->accept_permille) {
			uint64_t bytes = 1 + fx_rand(&w->seed) % (64 * KiB);
			int64_t got = lb_zone_accept(s->f.z, bytes);

			if (got < 0 || (uint64_t)got > (bytes + PG - 1) / PG * PG || got % (int64_t)PG)
				werr(w, "lb_zone_accept(%llu) = %lld", (unsigned long long)bytes,
				     (long long)got);
			else
				w->accepted_bytes += (uint64_t)got;
		} else if (r % 100 < alloc_pct || !w->nlive) {
			unsigned flags = fx_rand(&w->seed) % 100 < s->nowait_pct ? LB_ALLOC_NOWAIT : 0;

			alloc_one(w, fx_pick_order(&w->seed, LB_MAX_ORDER), flags);
		} else {
			release(w, (size_t)(fx_rand(&w->seed) % w->nlive));
		}
	}
	__atomic_add_fetch(&s->done, 1, __ATOMIC_SEQ_CST);
	return NULL;
}

/* Allocate until even order 0 gets LB_ENOMEM; no frees. */
static void *fill_worker(void *arg)
{
	struct worker *w = arg;
	struct shared *s = w->s;
	unsigned maxo = 3;

	pthread_barrier_wait(&s->bar);
	for (uint64_t i = 0; i < 2 * s->npages && !w->errors; i++) {
		unsigned order = fx_pick_order(&w->seed, maxo);
		uint64_t addr = 0;
		int rc = lb_alloc(s->f.z, order, 0, &addr);

		if (rc == 0) {
			claim(w, addr, order);
		} else if (rc == LB_ENOMEM) {
			w->fails++;
			if (!order) {
				struct lb_stats st;

				/* Nothing is freed here: a page refused means none
				 * is free, and none is being accepted (an allocation
				 * waits for that rather than fail). */
				lb_zone_stats(s->f.z, &st);
				if (st.allocated_pages + st.quarantined_pages != st.managed_pages)
					werr(w, "LB_ENOMEM for a page with %llu pages free, %llu in flight",
					     (unsigned long long)(st.free_accepted_pages +
								  st.free_unaccepted_pages),
					     (unsigned long long)st.in_flight_pages);
				break;
			}
			maxo = order - 1;
		} else {
			werr(w, "lb_alloc(order %u) = %d", order, rc);
		}
	}
	__atomic_add_fetch(&s->done, 1, __ATOMIC_SEQ_CST);
	return NULL;
}

/* Every page of the span against the owners, the map and the strict
 * backend's record, and the counts against the statistics. Single thread. */
static void sweep(struct shared *s)
{
	uint64_t cnt[LB_PAGE_QUARANTINED + 1] = { 0 }, owned = 0, acc_bits = 0;
	struct lb_stats st;

	for (uint64_t i = 0; i < s->npages; i++) {
		uint64_t a = s->base + i * PG;
		int ps = lb_zone_page_state(s->f.z, a);
		bool ok, acc = false;

		if (ps < 0 || ps > LB_PAGE_QUARANTINED) {
			CHECK(ps >= 0 && ps <= LB_PAGE_QUARANTINED);
			return;
		}
		cnt[ps]++;
		owned += s->owner[i] != 0;
		if (!s->managed[i]) {
			ok = ps == LB_PAGE_RESERVED && !s->owner[i];
		} else {
			acc = sb_all_accepted(&s->f.sb, a, PG);
			acc_bits += acc;
			if (ps == LB_PAGE_ALLOCATED)
				ok = s->owner[i] && acc;
			else if (ps == LB_PAGE_FREE_ACCEPTED)
				ok = !s->owner[i] && acc;
			else if (ps == LB_PAGE_FREE_UNACCEPTED)
				ok = !s->owner[i] && !acc;
			else
				ok = false;
		}
		if (!ok) {
			printf("    page 0x%llx: state %d, managed %d, owner %d, accepted %d\n",
			       (unsigned long long)a, ps, s->managed[i], s->owner[i], acc);
			CHECK(ok);
			return;
		}
	}
	lb_zone_stats(s->f.z, &st);
	CHECK_EQ(st.managed_pages, s->managed_pages);
	CHECK_EQ(cnt[LB_PAGE_RESERVED], st.reserved_pages);
	CHECK_EQ(cnt[LB_PAGE_ALLOCATED], st.allocated_pages);
	CHECK_EQ(cnt[LB_PAGE_ALLOCATED], owned);
	CHECK_EQ(cnt[LB_PAGE_FREE_ACCEPTED], st.free_accepted_pages);
	CHECK_EQ(cnt[LB_PAGE_FREE_UNACCEPTED], st.free_unaccepted_pages);
	CHECK_EQ(st.in_flight_pages, 0);
	CHECK_EQ(st.quarantined_pages, 0);
	CHECK_EQ(st.free_accepted_pages + st.free_unaccepted_pages + st.allocated_pages,
		 st.managed_pages);
	CHECK_EQ(s->f.sb.pages, st.accepted_pages);
	CHECK_EQ(s->f.sb.calls, st.accept_calls);
	CHECK_EQ(acc_bits, s->fw_pages + st.accepted_pages);
}

static bool start_workers(struct shared *s, struct worker *w, void *(*fn)(void *), uint64_t seed)
{
	bool ok = true;

	pthread_barrier_init(&s->bar, NULL, NT);
	for (unsigned i = 0; i < NT; i++) {
		memset(&w[i], 0, sizeof w[i]);
		w[i].s = s;
		w[i].id = i;
		w[i].seed = seed * 1000003u + i;
		w[i].live = calloc(s->npages, sizeof *w[i].live);
		if (!w[i].live)
			ok = false;
	}
	if (!ok)
		return false;
	for (unsigned i = 0; i < NT; i++)
		if (pthread_create(&w[i].th, NULL, fn, &w[i]))
			return false;
	return true;
}

/* Join (unless done), report the threads' failures, check the sums and
 * every page, then free everything and check again. */
static void finish(struct shared *s, struct worker *w, bool joined)
{
	uint64_t allocs = 0, fails = 0, frees = 0;
	struct lb_stats st;

	for (unsigned i = 0; !joined && i < NT; i++)
		pthread_join(w[i].th, NULL);
	pthread_barrier_destroy(&s->bar);
	for (unsigned i = 0; i < NT; i++) {
		if (w[i].errors)
			printf("    thread %u: %s (%llu errors)\n", i, w[i].msg,
			       (unsigned long long)w[i].errors);
		CHECK_EQ(w[i].errors, 0);
		allocs += w[i].allocs;
		fails += w[i].fails;
		frees += w[i].frees;
	}
	lb_zone_stats(s->f.z, &st);
	CHECK_EQ(st.allocs, allocs);
	CHECK_EQ(st.frees, frees);
	CHECK_EQ(st.alloc_failures, fails);
	CHECK(fx_ok(&s->f));
	sweep(s);
	for (unsigned i = 0; i < NT; i++) {
		while (w[i].nlive && !w[i].errors)
			release(&w[i], w[i].nlive - 1);
		CHECK_EQ(w[i].errors, 0);
		free(w[i].live);
	}
	CHECK(fx_ok(&s->f));
	CHECK_EQ(s->f.sb.double_accepts, 0);
	sweep(s);
	lb_zone_stats(s->f.z, &st);
	CHECK_EQ(st.allocated_pages, 0);
	CHECK_EQ(st.in_flight_pages, 0);
	CHECK_EQ(st.free_accepted_pages + st.free_unaccepted_pages + st.quarantined_pages,
		 st.managed_pages);
}

static void run_mixed(enum lb_policy p, uint64_t unit, unsigned nowait_pct, bool switches,
		      uint64_t seed)
{
	struct shared s;
	struct worker w[NT];
	uint64_t sw = seed, nowait = 0, allocs = 0;

	if (!sh_init(&s, tmap, N(tmap), p, unit)) {
		CHECK(0);
		sh_fini(&s);
		return;
	}
	s.nowait_pct = nowait_pct;
	s.accept_permille = 3;
	if (!start_workers(&s, w, mixed_worker, seed)) {
		printf("    cannot start the threads\n");
		abort();
	}
	while (switches && __atomic_load_n(&s.done, __ATOMIC_SEQ_CST) < NT) {
		static const enum lb_policy four[] = { LB_POLICY_EAGER, LB_POLICY_UNIT,
						       LB_POLICY_EXACT, LB_POLICY_LINUX };
		enum lb_policy q = four[fx_rand(&sw) % 4];

		sleep_us(300 + (unsigned)(fx_rand(&sw) % 700));
		CHECK_EQ(lb_zone_set_policy(s.f.z, q), 0);
		CHECK_EQ(lb_zone_policy(s.f.z), q);
	}
	finish(&s, w, false);
	for (unsigned i = 0; i < NT; i++) {
		nowait += w[i].nowait;
		allocs += w[i].allocs;
	}
	CHECK(allocs > (uint64_t)NT * OPS / 4);
	if (nowait_pct)
		CHECK(nowait > 0);
	sh_fini(&s);
}

TEST_TSAN(threads_mixed_eager)
{
	run_mixed(LB_POLICY_EAGER, 0, 0, false, 1);
}

TEST_TSAN(threads_mixed_unit)
{
	run_mixed(LB_POLICY_UNIT, 0, 0, false, 2);
}

TEST_TSAN(threads_mixed_exact)
{
	run_mixed(LB_POLICY_EXACT, 0, 0, false, 3);
}

TEST_TSAN(threads_mixed_linux)
{
	run_mixed(LB_POLICY_LINUX, 0, 0, false, 4);
}

TEST_TSAN(threads_nowait_eager)
{
	run_mixed(LB_POLICY_EAGER, 0, 25, false, 5);
}

TEST_TSAN(threads_nowait_unit)
{
	run_mixed(LB_POLICY_UNIT, 64 * KiB, 25, false, 6);
}

TEST_TSAN(threads_nowait_exact)
{
	run_mixed(LB_POLICY_EXACT, 0, 25, false, 7);
}

TEST_TSAN(threads_nowait_linux)
{
	run_mixed(LB_POLICY_LINUX, 0, 25, false, 8);
}

TEST_TSAN(threads_policy_switch)
{
	run_mixed(LB_POLICY_EXACT, 0, 10, true, 9);
}

/* All threads on the slow path at once over nearly unaccepted memory. */
static void run_contention(enum lb_policy p, uint64_t unit, unsigned delay_us, uint64_t seed)
{
	struct shared s;
	struct worker w[NT];
	struct lb_stats st;
	uint64_t pages = 0;

	if (!sh_init(&s, cmap, N(cmap), p, unit)) {
		CHECK(0);
		sh_fini(&s);
		return;
	}
	s.tb.delay_us = delay_us;
	lb_zone_stats(s.f.z, &st);
	if (p != LB_POLICY_EAGER)
		CHECK(st.free_unaccepted_pages * 4 > st.managed_pages * 3);
	if (!start_workers(&s, w, fill_worker, seed)) {
		printf("    cannot start the threads\n");
		abort();
	}
	for (unsigned i = 0; i < NT; i++)
		pthread_join(w[i].th, NULL);
	/* Every thread ended on LB_ENOMEM for order 0: then no page may be
	 * left free, and each page is owned exactly once. */
	lb_zone_stats(s.f.z, &st);
	for (unsigned i = 0; i < NT; i++) {
		pages += w[i].live_pages;
		CHECK(w[i].fails > 0 || w[i].errors);
	}
	CHECK_EQ(st.free_accepted_pages, 0);
	CHECK_EQ(st.free_unaccepted_pages, 0);
	CHECK_EQ(st.quarantined_pages, 0);
	CHECK_EQ(pages, s.managed_pages);
	CHECK_EQ(st.allocated_pages, s.managed_pages);
	/* Exact accepts each thread's block separately: with every thread on
	 * the slow path, acceptances overlap unless they are serialized. */
	if (p == LB_POLICY_EXACT)
		CHECK(s.tb.max >= 2);
	finish(&s, w, true);
	sh_fini(&s);
}

TEST_TSAN(threads_contention_eager)
{
	run_contention(LB_POLICY_EAGER, 0, 0, 11);
}

TEST_TSAN(threads_contention_unit)
{
	run_contention(LB_POLICY_UNIT, 0, 300, 12);
}

TEST_TSAN(threads_contention_unit_64k)
{
	run_contention(LB_POLICY_UNIT, 64 * KiB, 50, 13);
}

TEST_TSAN(threads_contention_exact)
{
	run_contention(LB_POLICY_EXACT, 0, 20, 14);
}

TEST_TSAN(threads_contention_linux)
{
	run_contention(LB_POLICY_LINUX, 0, 300, 15);
}

/* ------------------------------------------------------------------ I6 */

struct gate_thread {
	struct lb_zone *z;
	uint64_t addr;
	int rc;
};

static void *gate_alloc(void *arg)
{
	struct gate_thread *g = arg;

	__atomic_store_n(&g->rc, lb_alloc(g->z, LB_MAX_ORDER, 0, &g->addr), __ATOMIC_SEQ_CST);
	return NULL;
}

/*
 * Thread A allocates 4 MiB, which no accepted block can serve: its accept
 * of one of the two unaccepted sections is held in the backend. Meanwhile
 * the main thread must get through the zone: allocate a page of accepted
 * memory, be told LB_EAGAIN at once for 4 MiB under NOWAIT, accept the
 * other section in parallel (without NOWAIT), and then, with nothing left
 * but A's block in flight, still be told LB_EAGAIN at once under NOWAIT.
 * If any of these waited for A, A's gate times out after 3 s and the test
 * fails rather than hangs.
 */
static void run_gate(enum lb_policy p)
{
	struct shared s;
	struct gate_thread g = { 0 }, w = { 0 };
	pthread_t th, waiter;
	struct lb_stats st;
	uint64_t small = 0, big = 0, extra = 0, deadline, big_size = PG << LB_MAX_ORDER;

	if (!sh_init(&s, gmap, N(gmap), p, 0)) {
		CHECK(0);
		sh_fini(&s);
		return;
	}
	g.z = s.f.z;
	lb_zone_stats(s.f.z, &st);
	CHECK_EQ(st.free_blocks[0][LB_MAX_ORDER], 0);
	CHECK(st.free_accepted_pages > 0);
	__atomic_store_n(&s.tb.armed, 1, __ATOMIC_SEQ_CST);
	REQUIRE(pthread_create(&th, NULL, gate_alloc, &g) == 0);
	deadline = now_ns() + UINT64_C(3000000000);
	while (!__atomic_load_n(&s.tb.in_gate, __ATOMIC_SEQ_CST) && now_ns() < deadline)
		sleep_us(100);
	CHECK(__atomic_load_n(&s.tb.in_gate, __ATOMIC_SEQ_CST));

	/* A's block is in flight, and says so. */
	lb_zone_stats(s.f.z, &st);
	CHECK_EQ(st.in_flight_pages, s.tb.gate_size / PG);
	CHECK_EQ(s.tb.gate_size, big_size);
	CHECK_EQ(lb_zone_page_state(s.f.z, s.tb.gate_addr), LB_PAGE_IN_FLIGHT);
	CHECK_EQ(lb_zone_page_state(s.f.z, s.tb.gate_addr + s.tb.gate_size - PG),
		 LB_PAGE_IN_FLIGHT);
	/* Accepted memory is served meanwhile, with no accept. */
	tl_accepts = 0;
	CHECK_EQ(lb_alloc(s.f.z, 0, 0, &small), 0);
	CHECK_EQ(tl_accepts, 0);
	CHECK(sb_all_accepted(&s.f.sb, small, PG));
	CHECK_EQ(lb_zone_page_state(s.f.z, small), LB_PAGE_ALLOCATED);
	/* NOWAIT does not wait for A's accept. */
	CHECK_EQ(lb_alloc(s.f.z, LB_MAX_ORDER, LB_ALLOC_NOWAIT, &big), LB_EAGAIN);
	CHECK_EQ(tl_accepts, 0);
	/* A second acceptance runs beside A's, on another block. */
	CHECK_EQ(lb_alloc(s.f.z, LB_MAX_ORDER, 0, &big), 0);
	CHECK(tl_accepts >= 1);
	CHECK(big + big_size <= s.tb.gate_addr || s.tb.gate_addr + big_size <= big);
	CHECK(sb_all_accepted(&s.f.sb, big, big_size));
	CHECK_EQ(s.tb.max, 2);
	/* Only A's block is left, in flight: NOWAIT still does not wait. */
	lb_zone_stats(s.f.z, &st);
	CHECK_EQ(st.free_unaccepted_pages, 0);
	CHECK_EQ(st.in_flight_pages, big_size / PG);
	tl_accepts = 0;
	CHECK_EQ(lb_alloc(s.f.z, LB_MAX_ORDER, LB_ALLOC_NOWAIT, &extra), LB_EAGAIN);
	CHECK_EQ(lb_alloc(s.f.z, 0, LB_ALLOC_NOWAIT, &extra), 0);
	CHECK_EQ(tl_accepts, 0);
	CHECK_EQ(lb_free(s.f.z, extra, 0), 0);
	CHECK_EQ(__atomic_load_n(&s.tb.timed_out, __ATOMIC_SEQ_CST), 0);
	/* Without NOWAIT, a 4 MiB request waits for A's accept (it never
	 * accepts that block itself), then finds A took it: LB_ENOMEM. */
	w.z = s.f.z;
	w.rc = 1;
	REQUIRE(pthread_create(&waiter, NULL, gate_alloc, &w) == 0);
	deadline = now_ns() + UINT64_C(3000000000);
	do {
		sleep_us(1000);
		lb_zone_stats(s.f.z, &st);
	} while (!st.accept_waits && now_ns() < deadline);
	CHECK_EQ(st.accept_waits, 1);
	sleep_us(5000);
	CHECK_EQ(__atomic_load_n(&w.rc, __ATOMIC_SEQ_CST), 1); /* still waiting */

	__atomic_store_n(&s.tb.go, 1, __ATOMIC_SEQ_CST);
	pthread_join(th, NULL);
	pthread_join(waiter, NULL);
	CHECK_EQ(w.rc, LB_ENOMEM);
	lb_zone_stats(s.f.z, &st);
	CHECK_EQ(st.accept_waits, 1); /* counted once, however long */
	CHECK_EQ(__atomic_load_n(&s.tb.timed_out, __ATOMIC_SEQ_CST), 0);
	CHECK_EQ(g.rc, 0);
	CHECK_EQ(g.addr, s.tb.gate_addr);
	CHECK(sb_all_accepted(&s.f.sb, g.addr, big_size));
	CHECK_EQ(lb_zone_page_state(s.f.z, g.addr), LB_PAGE_ALLOCATED);
	CHECK(fx_ok(&s.f));
	CHECK_EQ(lb_free(s.f.z, g.addr, LB_MAX_ORDER), 0);
	CHECK_EQ(lb_free(s.f.z, big, LB_MAX_ORDER), 0);
	CHECK_EQ(lb_free(s.f.z, small, 0), 0);
	CHECK(fx_ok(&s.f));
	lb_zone_stats(s.f.z, &st);
	CHECK_EQ(st.allocated_pages, 0);
	CHECK_EQ(st.in_flight_pages, 0);
	sh_fini(&s);
}

TEST_TSAN(threads_accept_no_block_unit)
{
	run_gate(LB_POLICY_UNIT);
}

TEST_TSAN(threads_accept_no_block_exact)
{
	run_gate(LB_POLICY_EXACT);
}

TEST_TSAN(threads_accept_no_block_linux)
{
	run_gate(LB_POLICY_LINUX);
}
