/* SPDX-License-Identifier: MIT */
/*
 * Tests of the shipped backends (include/lazybuddy_backends.h): null counts;
 * model chunking, cost arithmetic, clock sums and presets (checked against
 * hand-computed values and a literal page-by-page greedy walk); mmap with the
 * MMU as referee (unaccepted pages fault, accepted ones are writable,
 * released ones fault and come back zero); fault injection.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "harness.h"
#include "lazybuddy_backends.h"

#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define KiB(x) ((uint64_t)(x) << 10)
#define MiB(x) ((uint64_t)(x) << 20)
#define GiB(x) ((uint64_t)(x) << 30)
#define LV(k) (1u << (k))

static int acc(struct lb_backend b, uint64_t addr, uint64_t size)
{
	return b.ops->accept(b.ctx, addr, size);
}

static int rel(struct lb_backend b, uint64_t addr, uint64_t size)
{
	return b.ops->release(b.ctx, addr, size);
}

/* ------------------------------------------------------------------ null */

TEST(backend_null_counts)
{
	struct lb_null_backend nb;
	struct lb_backend b;

	memset(&nb, 0xa5, sizeof nb); /* init must clear, not rely on zeroed memory */
	lb_null_backend_init(&nb, &b);
	REQUIRE(b.ops && b.ops->accept && b.ops->release && b.ctx == &nb);
	CHECK(strcmp(b.ops->name, "null") == 0);
	CHECK_EQ(acc(b, 0, KiB(4)), LB_OK);
	CHECK_EQ(acc(b, MiB(2), MiB(2)), LB_OK);
	CHECK_EQ(acc(b, GiB(8), KiB(12)), LB_OK);
	CHECK_EQ(rel(b, MiB(2), MiB(2)), LB_OK);
	CHECK_EQ(nb.accept_calls, 3);
	CHECK_EQ(nb.accepted_bytes, KiB(4) + MiB(2) + KiB(12));
	CHECK_EQ(nb.release_calls, 1);
	CHECK_EQ(nb.released_bytes, MiB(2));
	/* Bad ranges are refused and not counted. */
	CHECK_EQ(acc(b, 0x800, KiB(4)), LB_EINVAL);
	CHECK_EQ(acc(b, 0, 100), LB_EINVAL);
	CHECK_EQ(acc(b, 0, 0), LB_EINVAL);
	CHECK_EQ(acc(b, UINT64_MAX - KiB(4) + 1, KiB(8)), LB_EINVAL); /* wraps */
	CHECK_EQ(rel(b, KiB(4), KiB(2)), LB_EINVAL);
	CHECK_EQ(nb.accept_calls, 3);
	CHECK_EQ(nb.release_calls, 1);
}

#define NTHREADS 4
#define PER_THREAD 2000

struct thr_arg {
	struct lb_backend b;
	unsigned id;
	int errors;
};

/* Each thread accepts its own disjoint 2 MiB-aligned 2 MiB ranges. */
static void *accept_many(void *p)
{
	struct thr_arg *a = p;

	for (unsigned i = 0; i < PER_THREAD; i++) {
		uint64_t addr = (uint64_t)(a->id * PER_THREAD + i) * MiB(2);

		if (acc(a->b, addr, MiB(2)) != LB_OK)
			a->errors++;
	}
	return NULL;
}

static int run_threads(struct lb_backend b)
{
	pthread_t t[NTHREADS];
	struct thr_arg a[NTHREADS];
	int errors = 0;

	for (unsigned i = 0; i < NTHREADS; i++) {
		a[i].b = b;
		a[i].id = i;
		a[i].errors = 0;
		if (pthread_create(&t[i], NULL, accept_many, &a[i]) != 0)
			return -1;
	}
	for (unsigned i = 0; i < NTHREADS; i++) {
		pthread_join(t[i], NULL);
		errors += a[i].errors;
	}
	return errors;
}

TEST_TSAN(backend_null_threads)
{
	struct lb_null_backend nb;
	struct lb_backend b;

	lb_null_backend_init(&nb, &b);
	REQUIRE(run_threads(b) == 0);
	CHECK_EQ(nb.accept_calls, NTHREADS * PER_THREAD);
	CHECK_EQ(nb.accepted_bytes, (uint64_t)NTHREADS * PER_THREAD * MiB(2));
}

/* ----------------------------------------------------------------- model */

/* Easy figures so the expected costs can be worked out by hand. */
static const struct lb_model_params easy = {
	.name = "easy", .call_ns = 1000, .page_ns = 10,
	.release_call_ns = 300, .release_page_ns = 2,
	.levels = LV(0) | LV(9) | LV(18),
};

struct cost {
	int rc;
	uint64_t ns, arch, pages;
};

static struct cost model_acc(struct lb_model_backend *m, struct lb_backend b,
			     uint64_t addr, uint64_t size)
{
	struct cost c;
	uint64_t t0 = lb_model_clock(m), a0 = m->arch_calls, p0 = m->accepted_pages;

	c.rc = acc(b, addr, size);
	c.ns = lb_model_clock(m) - t0;
	c.arch = m->arch_calls - a0;
	c.pages = m->accepted_pages - p0;
	return c;
}

TEST(backend_model_chunking)
{
	struct lb_model_backend m;
	struct lb_backend b;
	struct cost c;
	uint64_t total = 0;

	lb_model_backend_init(&m, &easy, &b);
	REQUIRE(b.ctx == &m && b.ops->release != NULL);
	CHECK(strcmp(b.ops->name, "model") == 0);
	CHECK_EQ(lb_model_clock(&m), 0);

	/* 2 MiB at a 2 MiB boundary: one 2M call. 1000 + 512*10. */
	c = model_acc(&m, b, MiB(2), MiB(2));
	CHECK_EQ(c.rc, LB_OK);
	CHECK_EQ(c.arch, 1);
	CHECK_EQ(c.pages, 512);
	CHECK_EQ(c.ns, 6120);
	total += c.ns;

	/* 2 MiB + 4 KiB at a 2 MiB boundary: 2M + 4K. 2000 + 513*10. */
	c = model_acc(&m, b, MiB(4), MiB(2) + KiB(4));
	CHECK_EQ(c.arch, 2);
	CHECK_EQ(c.ns, 7130);
	total += c.ns;

	/* 2 MiB at a 4 KiB offset never holds an aligned 2M chunk: 512 x 4K. */
	c = model_acc(&m, b, MiB(2) + KiB(4), MiB(2));
	CHECK_EQ(c.arch, 512);
	CHECK_EQ(c.ns, 512 * 1000 + 5120);
	total += c.ns;

	/* 4 MiB at 4 KiB: 511 x 4K head, one 2M, one 4K tail. */
	c = model_acc(&m, b, KiB(4), MiB(4));
	CHECK_EQ(c.arch, 513);
	CHECK_EQ(c.pages, 1024);
	CHECK_EQ(c.ns, 513 * 1000 + 10240);
	total += c.ns;

	/* 1G + 2M + 4K at 1 GiB: one call of each level. */
	c = model_acc(&m, b, GiB(1), GiB(1) + MiB(2) + KiB(4));
	CHECK_EQ(c.arch, 3);
	CHECK_EQ(c.pages, 262144 + 512 + 1);
	CHECK_EQ(c.ns, 3000 + 2626570);
	total += c.ns;

	/* [1G - 2M, 2G + 2M): 2M head, 1G, 2M tail. */
	c = model_acc(&m, b, GiB(1) - MiB(2), GiB(1) + MiB(4));
	CHECK_EQ(c.arch, 3);
	total += c.ns;

	/* 1 GiB at 1G + 4K: 511 x 4K, 511 x 2M, 1 x 4K; no 1G chunk. */
	c = model_acc(&m, b, GiB(1) + KiB(4), GiB(1));
	CHECK_EQ(c.arch, 1023);
	CHECK_EQ(c.ns, 1023 * 1000 + 262144 * 10);
	total += c.ns;

	CHECK_EQ(m.accept_calls, 7);
	CHECK_EQ(lb_model_clock(&m), total);

	/* Release: same split, its own figures; accept counters untouched. */
	uint64_t t0 = lb_model_clock(&m), a0 = m.arch_calls;
	CHECK_EQ(rel(b, MiB(2), MiB(2)), LB_OK);
	CHECK_EQ(lb_model_clock(&m) - t0, 300 + 512 * 2);
	CHECK_EQ(rel(b, MiB(2) + KiB(4), MiB(2)), LB_OK);
	CHECK_EQ(lb_model_clock(&m) - t0, 300 + 1024 + 512 * 300 + 1024);
	CHECK_EQ(m.release_calls, 2);
	CHECK_EQ(m.released_pages, 1024);
	CHECK_EQ(m.arch_calls, a0);
	CHECK_EQ(m.accept_calls, 7);

	/* Bad ranges cost nothing. */
	t0 = lb_model_clock(&m);
	CHECK_EQ(acc(b, KiB(2), KiB(4)), LB_EINVAL);
	CHECK_EQ(acc(b, 0, 0), LB_EINVAL);
	CHECK_EQ(rel(b, 0, 100), LB_EINVAL);
	CHECK_EQ(lb_model_clock(&m), t0);
	CHECK_EQ(m.accept_calls, 7);
}

TEST(backend_model_levels)
{
	struct lb_model_params p = easy;
	struct lb_model_backend m;
	struct lb_backend b;

	/* 4K and 16K chunks, pages 1..9: 4K x3 (1,2,3), 16K (4-7), 4K x2 (8,9). */
	p.levels = LV(0) | LV(2);
	lb_model_backend_init(&m, &p, &b);
	CHECK_EQ(model_acc(&m, b, KiB(4), KiB(36)).arch, 6);

	/* 4K only: one call per page, even when 2M-aligned. */
	p.levels = LV(0);
	lb_model_backend_init(&m, &p, &b);
	CHECK_EQ(model_acc(&m, b, MiB(2), MiB(2)).arch, 512);

	/* No level at all: 4 KiB is implied. */
	p.levels = 0;
	lb_model_backend_init(&m, &p, &b);
	CHECK_EQ(model_acc(&m, b, MiB(2), MiB(2)).arch, 512);

	/* A level without 4K below it still gets 4K for the ragged ends. */
	p.levels = LV(9);
	lb_model_backend_init(&m, &p, &b);
	CHECK_EQ(model_acc(&m, b, MiB(2) - KiB(4), MiB(2) + KiB(8)).arch, 3);
}

/* The contract, literally: at each page the largest fitting aligned chunk. */
static uint64_t greedy_ref(uint64_t s, uint64_t e, unsigned levels)
{
	uint64_t calls = 0;

	levels |= 1u;
	while (s < e) {
		for (int k = 31; k >= 0; k--) {
			uint64_t n = UINT64_C(1) << k;

			if ((levels & (1u << k)) && (s & (n - 1)) == 0 && e - s >= n) {
				s += n;
				break;
			}
		}
		calls++;
	}
	return calls;
}

TEST(backend_model_matches_greedy_walk)
{
	struct lb_model_params p = easy;
	struct lb_model_backend m;
	struct lb_backend b;
	uint64_t x = 88172645463325252u; /* xorshift64 */
	int mismatches = 0;

	for (int i = 0; i < 3000; i++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		uint64_t s = x % 70000, n = 1 + (x >> 20) % 9000;
		p.levels = (unsigned)(x >> 40) & 0x3fffu; /* levels 0..13 */
		lb_model_backend_init(&m, &p, &b);
		struct cost c = model_acc(&m, b, s << LB_PAGE_SHIFT, n << LB_PAGE_SHIFT);
		uint64_t want = greedy_ref(s, s + n, p.levels);

		if (c.rc != LB_OK || c.arch != want || c.ns != want * 1000 + n * 10) {
			if (mismatches++ < 3)
				printf("    s=%llu n=%llu levels=%#x: %llu calls, want %llu\n",
				       (unsigned long long)s, (unsigned long long)n, p.levels,
				       (unsigned long long)c.arch, (unsigned long long)want);
		}
	}
	CHECK_EQ(mismatches, 0);
}

/* The contract with tries, literally: at each page the sizes from the
 * largest down; a tried size that fits is refused, a level is accepted. */
static void greedy_tries_ref(uint64_t s, uint64_t e, unsigned levels, unsigned tries,
			     uint64_t *calls, uint64_t *refused)
{
	levels |= 1u;
	*calls = *refused = 0;
	while (s < e) {
		for (int k = 31; k >= 0; k--) {
			uint64_t n = UINT64_C(1) << k;

			if (!((levels | tries) & (1u << k)) || (s & (n - 1)) || e - s < n)
				continue;
			if (!(levels & (1u << k))) {
				(*refused)++;
				continue;
			}
			s += n;
			(*calls)++;
			break;
		}
	}
}

TEST(backend_model_tries_match_walk)
{
	struct lb_model_params p = easy;
	struct lb_model_backend m;
	struct lb_backend b;
	uint64_t x = 2463534242u, calls, refused;
	int mismatches = 0;

	p.refused_ns = 77;
	for (int i = 0; i < 3000; i++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		uint64_t s = x % 70000, n = 1 + (x >> 20) % 9000;
		p.levels = (unsigned)(x >> 40) & 0x3fffu;
		p.tries = (unsigned)(x >> 26) & 0x3ffeu & ~p.levels;
		lb_model_backend_init(&m, &p, &b);
		struct cost c = model_acc(&m, b, s << LB_PAGE_SHIFT, n << LB_PAGE_SHIFT);
		greedy_tries_ref(s, s + n, p.levels, p.tries, &calls, &refused);

		if (c.rc != LB_OK || c.arch != calls || m.refused_calls != refused ||
		    c.ns != calls * 1000 + refused * 77 + n * 10) {
			if (mismatches++ < 3)
				printf("    s=%llu n=%llu levels=%#x tries=%#x: %llu/%llu, want "
				       "%llu/%llu\n", (unsigned long long)s, (unsigned long long)n,
				       p.levels, p.tries, (unsigned long long)c.arch,
				       (unsigned long long)m.refused_calls,
				       (unsigned long long)calls, (unsigned long long)refused);
		}
	}
	CHECK_EQ(mismatches, 0);
}

/* Linux on TDX tries 1 GiB, then 2 MiB, then 4 KiB. With the host mapping
 * private memory at 2 MiB, a 1 GiB range costs one refused try and 512
 * calls; at 4 KiB, also 512 refused 2 MiB tries and 262144 calls. */
TEST(backend_model_refused_tries_and_host_faults)
{
	struct lb_model_params p = easy;
	struct lb_model_backend m;
	struct lb_backend b;
	struct cost c;

	p.levels = LV(0) | LV(9);
	p.tries = LV(18);
	p.refused_ns = 500;
	lb_model_backend_init(&m, &p, &b);
	c = model_acc(&m, b, GiB(1), GiB(1));
	CHECK_EQ(c.arch, 512);
	CHECK_EQ(m.refused_calls, 1);
	CHECK_EQ(c.ns, 512 * 1000 + 500 + 262144 * 10);
	/* A range that is not 1 GiB aligned tries no 1 GiB. */
	c = model_acc(&m, b, GiB(1) + MiB(2), MiB(4));
	CHECK_EQ(c.arch, 2);
	CHECK_EQ(m.refused_calls, 1);

	p.levels = LV(0);
	p.tries = LV(9) | LV(18);
	lb_model_backend_init(&m, &p, &b);
	c = model_acc(&m, b, GiB(1), GiB(1));
	CHECK_EQ(c.arch, 262144);
	CHECK_EQ(m.refused_calls, 1 + 512);

	/* Faults: one per host granule, prorated below it; more with vCPUs. */
	p = easy;
	p.levels = LV(0) | LV(9);
	p.fault_ns = 2000;
	p.fault_vcpu_ns = 100;
	p.host_order = 9;
	lb_model_backend_init(&m, &p, &b);
	CHECK_EQ(model_acc(&m, b, MiB(2), MiB(2)).ns, 1000 + 512 * 10 + 2000);
	CHECK_EQ(model_acc(&m, b, MiB(4), KiB(64)).ns, 16 * 1000 + 16 * 10 + 16 * 2000 / 512);
	m.vcpus = 11;
	CHECK_EQ(model_acc(&m, b, MiB(6), MiB(2)).ns, 1000 + 512 * 10 + 3000);
	p.host_order = 0;
	lb_model_backend_init(&m, &p, &b);
	CHECK_EQ(model_acc(&m, b, MiB(2), MiB(2)).ns, 1000 + 512 * 10 + 512 * 2000);
}

TEST_TSAN(backend_model_threads)
{
	struct lb_model_backend m;
	struct lb_backend b;

	lb_model_backend_init(&m, &easy, &b);
	REQUIRE(run_threads(b) == 0);
	CHECK_EQ(m.accept_calls, NTHREADS * PER_THREAD);
	CHECK_EQ(m.arch_calls, NTHREADS * PER_THREAD);
	CHECK_EQ(m.accepted_pages, NTHREADS * PER_THREAD * 512);
	CHECK_EQ(lb_model_clock(&m), (uint64_t)NTHREADS * PER_THREAD * 6120);
}

TEST(backend_model_presets)
{
	struct lb_model_params p, q;
	struct lb_model_backend m;
	struct lb_backend b;

	/* tdx-4k: the host maps 4 KiB, so a 1 GiB range is one refused 1 GiB
	 * try, 512 refused 2 MiB tries and 262144 calls of 4 KiB, each with a
	 * fault: ~8 us per 4 KiB (dstack PR 1220), ~2.1 s per GiB. */
	REQUIRE(lb_model_preset("tdx-4k", &p) == LB_OK);
	CHECK(strcmp(p.name, "tdx-4k") == 0);
	CHECK_EQ(p.levels, LV(0));
	CHECK_EQ(p.tries, LV(9) | LV(18));
	lb_model_backend_init(&m, &p, &b);
	struct cost c = model_acc(&m, b, GiB(1), GiB(1));
	CHECK_EQ(c.arch, 262144);
	CHECK_EQ(m.refused_calls, 513);
	CHECK_EQ(c.ns, 262144 * (p.call_ns + p.page_ns + p.fault_ns) + 513 * p.refused_ns);
	CHECK(c.ns > UINT64_C(2000000000) && c.ns < UINT64_C(2200000000));
	CHECK_EQ(p.call_ns + p.page_ns + p.fault_ns, 8000);
	/* 248 vCPUs online (late in SMP bring-up): ~153 us per fault. */
	m.vcpus = 248;
	c = model_acc(&m, b, GiB(2), KiB(4));
	CHECK(c.ns > 150000 && c.ns < 156000);

	/* tdx: the host maps 2 MiB; 1 GiB is refused, 2 MiB accepted, one
	 * fault per 2 MiB. 4 KiB calls then cost more per page. */
	REQUIRE(lb_model_preset("tdx", &p) == LB_OK);
	CHECK(strcmp(p.name, "tdx") == 0);
	CHECK_EQ(p.levels, LV(0) | LV(9));
	CHECK_EQ(p.tries, LV(18));
	CHECK_EQ(p.host_order, 9);
	lb_model_backend_init(&m, &p, &b);
	c = model_acc(&m, b, GiB(1), GiB(1));
	CHECK_EQ(c.arch, 512);
	CHECK_EQ(m.refused_calls, 1);
	uint64_t big = model_acc(&m, b, GiB(4), MiB(2)).ns;
	uint64_t small = model_acc(&m, b, GiB(4) + MiB(2) + KiB(4), MiB(2)).ns;
	CHECK(small > big);
	CHECK_EQ(small - big, 511 * p.call_ns);

	REQUIRE(lb_model_preset("snp", &p) == LB_OK);
	CHECK(strcmp(p.name, "snp") == 0);
	CHECK_EQ(p.levels, LV(0) | LV(9));
	CHECK(p.call_ns > 0 && p.page_ns > 0);
	lb_model_backend_init(&m, &p, &b);
	CHECK_EQ(model_acc(&m, b, GiB(1), GiB(1)).arch, 512); /* no 1G try */
	CHECK_EQ(m.refused_calls, 0);
	REQUIRE(lb_model_preset("snp-4k", &p) == LB_OK);
	lb_model_backend_init(&m, &p, &b);
	CHECK_EQ(model_acc(&m, b, MiB(4), MiB(4)).arch, 1024);
	CHECK_EQ(m.refused_calls, 2);

	REQUIRE(lb_model_preset("free", &p) == LB_OK);
	CHECK(strcmp(p.name, "free") == 0);
	CHECK(p.call_ns == 0 && p.page_ns == 0 && p.release_call_ns == 0 &&
	      p.release_page_ns == 0);
	lb_model_backend_init(&m, &p, &b);
	CHECK_EQ(acc(b, KiB(4), GiB(2)), LB_OK);
	CHECK_EQ(rel(b, KiB(4), GiB(2)), LB_OK);
	CHECK_EQ(lb_model_clock(&m), 0);
	CHECK(m.arch_calls > 0); /* still counted */

	/* NULL params: the free preset. */
	lb_model_backend_init(&m, NULL, &b);
	CHECK(m.p.name && strcmp(m.p.name, "free") == 0);

	/* Unknown names fail and leave p alone. */
	memset(&q, 0x5a, sizeof q);
	p = q;
	CHECK_EQ(lb_model_preset(NULL, &p), LB_EINVAL);
	CHECK_EQ(lb_model_preset("", &p), LB_EINVAL);
	CHECK_EQ(lb_model_preset("sev", &p), LB_EINVAL);
	CHECK_EQ(lb_model_preset("td", &p), LB_EINVAL);
	CHECK_EQ(lb_model_preset("tdx2", &p), LB_EINVAL);
	CHECK_EQ(lb_model_preset("TDX", &p), LB_EINVAL);
	CHECK(memcmp(&p, &q, sizeof p) == 0);
	CHECK_EQ(lb_model_preset("tdx", NULL), LB_EINVAL);
}

/* ------------------------------------------------------------------ mmap */

static sigjmp_buf fault_jmp;

static void on_fault(int sig)
{
	(void)sig;
	siglongjmp(fault_jmp, 1);
}

/* Does reading (or writing) *p fault? The old handlers come back after. */
static int faults(volatile unsigned char *p, int write)
{
	struct sigaction sa, old_segv, old_bus;
	volatile int faulted = 0;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_fault;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGSEGV, &sa, &old_segv);
	sigaction(SIGBUS, &sa, &old_bus);
	if (sigsetjmp(fault_jmp, 1) == 0) {
		if (write)
			*p = 0x5a;
		else
			(void)*p;
	} else {
		faulted = 1;
	}
	sigaction(SIGSEGV, &old_segv, NULL);
	sigaction(SIGBUS, &old_bus, NULL);
	return faulted;
}

/* Resident pages of [p, p + len) (len <= 8 MiB). */
static int resident(void *p, uint64_t len)
{
	static unsigned char vec[2048];
	int n = 0;

	if (mincore(p, (size_t)len, vec) != 0)
		return -1;
	for (uint64_t i = 0; i < len / LB_PAGE_SIZE; i++)
		n += vec[i] & 1;
	return n;
}

/* [2M, 4M) accepted by firmware, [4M, 8M) unaccepted, [8M, 9M) reserved. */
static const struct lb_range map3[] = {
	{ MiB(4), MiB(4), LB_MEM_UNACCEPTED },
	{ MiB(2), MiB(2), LB_MEM_ACCEPTED },
	{ MiB(8), MiB(1), LB_MEM_RESERVED },
};

static int mmap_setup(struct lb_mmap_backend *mb, struct lb_backend *b)
{
	int rc = lb_mmap_backend_init(mb, map3, 3, b);

	if (rc == LB_ENOTSUP && sysconf(_SC_PAGESIZE) != 4096)
		printf("    skipped: system page size is not 4 KiB\n");
	return rc;
}

TEST(backend_mmap_mmu_enforces)
{
	struct lb_mmap_backend mb;
	struct lb_backend b;
	unsigned char *p;

	REQUIRE(mmap_setup(&mb, &b) == LB_OK);
	CHECK(strcmp(b.ops->name, "mmap") == 0);
	CHECK_EQ(mb.phys_base, MiB(2));
	CHECK_EQ(mb.size, MiB(7));

	/* Firmware-accepted: writable, but not populated until touched. */
	p = lb_mmap_ptr(&mb, MiB(2));
	REQUIRE(p == mb.base);
	CHECK_EQ(resident(p, MiB(2)), 0);
	CHECK(!faults(p, 1));
	CHECK(!faults(p + MiB(2) - 1, 1));
	CHECK_EQ(p[0], 0x5a);

	/* Unaccepted and reserved memory faults on read and on write. */
	CHECK(faults(lb_mmap_ptr(&mb, MiB(4)), 0));
	CHECK(faults(lb_mmap_ptr(&mb, MiB(8) - 1), 0));
	CHECK(faults(lb_mmap_ptr(&mb, MiB(4)), 1));
	CHECK(faults(lb_mmap_ptr(&mb, MiB(8)), 0));

	/* Accept 64 KiB: writable and populated; its neighbours still fault. */
	p = lb_mmap_ptr(&mb, MiB(5));
	CHECK_EQ(acc(b, MiB(5), KiB(64)), LB_OK);
	CHECK_EQ(mb.accept_calls, 1);
	CHECK_EQ(mb.accepted_bytes, KiB(64));
	CHECK(mb.populate_mode == 0 || mb.populate_mode == 1);
	CHECK_EQ(resident(p, KiB(64)), 16);
	CHECK(!faults(p, 0));
	CHECK(!faults(p + KiB(64) - 1, 1));
	CHECK(faults(p + KiB(64), 0));
	CHECK(faults(p - 1, 0));
	memset(p, 0xee, KiB(64));

	/* Release: unreachable again, pages given back; re-accept reads zero. */
	CHECK_EQ(rel(b, MiB(5), KiB(64)), LB_OK);
	CHECK_EQ(mb.release_calls, 1);
	CHECK_EQ(mb.released_bytes, KiB(64));
	CHECK(faults(p, 0));
	CHECK(faults(p + KiB(60), 0));
	CHECK_EQ(resident(p, KiB(64)), 0);
	CHECK_EQ(acc(b, MiB(5), KiB(64)), LB_OK);
	int nonzero = 0;
	for (uint64_t i = 0; i < KiB(64); i++)
		nonzero += p[i] != 0;
	CHECK_EQ(nonzero, 0);

	/* Forced touch mode populates too, and stays chosen. */
	mb.populate_mode = 0;
	p = lb_mmap_ptr(&mb, MiB(6));
	CHECK_EQ(acc(b, MiB(6), KiB(32)), LB_OK);
	CHECK_EQ(mb.populate_mode, 0);
	CHECK_EQ(resident(p, KiB(32)), 8);
	CHECK(!faults(p + KiB(32) - 1, 1));
	CHECK(faults(p + KiB(32), 0));
	CHECK_EQ(mb.accept_calls, 3);

	lb_mmap_backend_fini(&mb);
	CHECK(mb.base == NULL);
	CHECK(lb_mmap_ptr(&mb, MiB(2)) == NULL);
}

TEST(backend_mmap_bounds_and_errors)
{
	struct lb_mmap_backend mb;
	struct lb_backend b;
	unsigned char *base;

	REQUIRE(mmap_setup(&mb, &b) == LB_OK);
	base = mb.base;
	CHECK(lb_mmap_ptr(&mb, MiB(2)) == base);
	CHECK(lb_mmap_ptr(&mb, MiB(9) - 1) == base + MiB(7) - 1);
	CHECK(lb_mmap_ptr(&mb, MiB(3) + 123) == base + MiB(1) + 123);
	CHECK(lb_mmap_ptr(&mb, MiB(2) - 1) == NULL);
	CHECK(lb_mmap_ptr(&mb, MiB(9)) == NULL);
	CHECK(lb_mmap_ptr(&mb, 0) == NULL);
	CHECK(lb_mmap_ptr(&mb, UINT64_MAX) == NULL);
	CHECK(lb_mmap_ptr(NULL, MiB(2)) == NULL);

	CHECK_EQ(acc(b, MiB(4) + 1, KiB(4)), LB_EINVAL);
	CHECK_EQ(acc(b, MiB(4), 100), LB_EINVAL);
	CHECK_EQ(acc(b, MiB(4), 0), LB_EINVAL);
	CHECK_EQ(acc(b, MiB(1), KiB(4)), LB_ERANGE);
	CHECK_EQ(acc(b, MiB(2) - KiB(4), KiB(8)), LB_ERANGE); /* straddles start */
	CHECK_EQ(acc(b, MiB(9) - KiB(4), KiB(8)), LB_ERANGE); /* straddles end */
	CHECK_EQ(acc(b, MiB(9), KiB(4)), LB_ERANGE);
	CHECK_EQ(acc(b, MiB(4), UINT64_MAX - KiB(4) + 1), LB_ERANGE); /* huge */
	CHECK_EQ(rel(b, MiB(4) + 8, KiB(4)), LB_EINVAL);
	CHECK_EQ(rel(b, MiB(10), KiB(4)), LB_ERANGE);
	CHECK_EQ(mb.accept_calls, 0);
	CHECK_EQ(mb.release_calls, 0);
	CHECK(faults(lb_mmap_ptr(&mb, MiB(4)), 0)); /* nothing got mapped */
	/* Up to the very end of the span is fine. */
	CHECK_EQ(acc(b, MiB(4), MiB(5)), LB_OK);
	CHECK(!faults(base + MiB(7) - 1, 1));
	lb_mmap_backend_fini(&mb);
	lb_mmap_backend_fini(&mb); /* twice is harmless */

	struct lb_range bad[2] = {
		{ MiB(2), MiB(2), LB_MEM_ACCEPTED },
		{ MiB(4), MiB(2), LB_MEM_UNACCEPTED },
	};
	CHECK_EQ(lb_mmap_backend_init(&mb, bad, 0, &b), LB_EINVAL);
	CHECK_EQ(lb_mmap_backend_init(&mb, NULL, 2, &b), LB_EINVAL);
	bad[1].start = MiB(4) + 512;
	CHECK_EQ(lb_mmap_backend_init(&mb, bad, 2, &b), LB_EINVAL);
	bad[1].start = MiB(4);
	bad[1].size = KiB(6);
	CHECK_EQ(lb_mmap_backend_init(&mb, bad, 2, &b), LB_EINVAL);
	bad[1].size = 0;
	CHECK_EQ(lb_mmap_backend_init(&mb, bad, 2, &b), LB_EINVAL);
	bad[1].start = UINT64_MAX - KiB(4) + 1;
	bad[1].size = KiB(8);
	CHECK_EQ(lb_mmap_backend_init(&mb, bad, 2, &b), LB_EINVAL);
}

/* Reserving a large span costs no memory; accepting in it works. */
TEST(backend_mmap_large_span)
{
	static const struct lb_range big[] = {
		{ GiB(4), GiB(64), LB_MEM_UNACCEPTED },
	};
	struct lb_mmap_backend mb;
	struct lb_backend b;
	unsigned char *p;

	REQUIRE(lb_mmap_backend_init(&mb, big, 1, &b) == LB_OK);
	p = lb_mmap_ptr(&mb, GiB(36));
	REQUIRE(p != NULL);
	CHECK(faults(p, 0));
	CHECK_EQ(acc(b, GiB(36), MiB(2)), LB_OK);
	CHECK(!faults(p + MiB(2) - 1, 1));
	CHECK(faults(p + MiB(2), 0));
	CHECK_EQ(rel(b, GiB(36), MiB(2)), LB_OK);
	CHECK(faults(p, 0));
	lb_mmap_backend_fini(&mb);
}

/* ----------------------------------------------------------------- fault */

TEST(backend_fault_every)
{
	struct lb_null_backend nb;
	struct lb_fault_backend fb;
	struct lb_backend inner, b;
	int rcs[10];

	lb_null_backend_init(&nb, &inner);
	memset(&fb, 0xa5, sizeof fb);
	lb_fault_backend_init(&fb, inner, &b);
	CHECK_EQ(fb.fail_every, 0);
	CHECK(fb.fail_addr == UINT64_MAX);
	CHECK(strcmp(b.ops->name, "fault") == 0);

	/* Defaults: everything forwarded. */
	CHECK_EQ(acc(b, 0, KiB(4)), LB_OK);
	CHECK_EQ(nb.accept_calls, 1);
	CHECK_EQ(fb.calls, 1);
	CHECK_EQ(fb.failures, 0);

	/* Every third call, counted from the first call ever: 3, 6, 9. */
	fb.fail_every = 3;
	for (int i = 0; i < 10; i++)
		rcs[i] = acc(b, (uint64_t)i * MiB(2), MiB(2)); /* calls 2..11 */
	for (int i = 0; i < 10; i++)
		CHECK_EQ(rcs[i], (i + 2) % 3 == 0 ? LB_EBACKEND : LB_OK);
	CHECK_EQ(fb.calls, 11);
	CHECK_EQ(fb.failures, 3);
	CHECK_EQ(nb.accept_calls, 1 + 7);
	CHECK_EQ(nb.accepted_bytes, KiB(4) + 7 * MiB(2));

	/* Inner errors come back unchanged and are not injected failures. */
	fb.fail_every = 0;
	CHECK_EQ(acc(b, 0x10, KiB(4)), LB_EINVAL);
	CHECK_EQ(fb.failures, 3);

	/* Release is forwarded. */
	CHECK_EQ(rel(b, 0, MiB(2)), LB_OK);
	CHECK_EQ(nb.release_calls, 1);
	CHECK_EQ(nb.released_bytes, MiB(2));

	fb.fail_every = 1;
	CHECK_EQ(acc(b, GiB(1), KiB(4)), LB_EBACKEND);
	CHECK_EQ(acc(b, GiB(1), KiB(4)), LB_EBACKEND);
	CHECK_EQ(nb.accept_calls, 8);
}

TEST(backend_fault_addr)
{
	struct lb_model_backend m;
	struct lb_fault_backend fb;
	struct lb_backend inner, b;

	lb_model_backend_init(&m, &easy, &inner);
	lb_fault_backend_init(&fb, inner, &b);
	fb.fail_addr = 0x5000;
	CHECK_EQ(acc(b, 0x4000, 0x2000), LB_EBACKEND);  /* holds it */
	CHECK_EQ(acc(b, 0x5000, 0x1000), LB_EBACKEND);  /* starts at it */
	CHECK_EQ(acc(b, 0x0000, MiB(2)), LB_EBACKEND);  /* well inside */
	CHECK_EQ(acc(b, 0x4000, 0x1000), LB_OK);        /* ends just before */
	CHECK_EQ(acc(b, 0x6000, 0x1000), LB_OK);        /* starts after */
	CHECK_EQ(fb.calls, 5);
	CHECK_EQ(fb.failures, 3);
	CHECK_EQ(m.accept_calls, 2);
	CHECK_EQ(lb_model_clock(&m), 2 * (1000 + 10)); /* failed calls cost nothing */
	/* Ranges ending at the top of the address space do not wrap. */
	fb.fail_addr = 0;
	CHECK_EQ(acc(b, UINT64_MAX - KiB(8) + 1, KiB(4)), LB_OK);
}

static int no_accept(void *ctx, uint64_t addr, uint64_t size)
{
	(void)ctx, (void)addr, (void)size;
	return LB_OK;
}

TEST(backend_fault_no_release)
{
	static const struct lb_backend_ops norel = { "norel", no_accept, NULL, NULL };
	struct lb_backend inner = { &norel, NULL }, b;
	struct lb_fault_backend fb;

	lb_fault_backend_init(&fb, inner, &b);
	/* The wrapper advertises the inner backend's capability. */
	CHECK(b.ops->release == NULL);
	CHECK_EQ(acc(b, 0, KiB(4)), LB_OK);

	/* Swapping in an inner backend without release after init: ENOTSUP. */
	struct lb_null_backend nb;
	struct lb_backend withrel;
	lb_null_backend_init(&nb, &withrel);
	lb_fault_backend_init(&fb, withrel, &b);
	REQUIRE(b.ops->release != NULL);
	fb.inner = inner;
	CHECK_EQ(rel(b, 0, KiB(4)), LB_ENOTSUP);
}

/* An injected failure leaves real memory unaccepted. */
TEST(backend_fault_over_mmap)
{
	struct lb_mmap_backend mb;
	struct lb_fault_backend fb;
	struct lb_backend inner, b;

	REQUIRE(mmap_setup(&mb, &inner) == LB_OK);
	lb_fault_backend_init(&fb, inner, &b);
	fb.fail_addr = MiB(6);
	CHECK_EQ(acc(b, MiB(6), MiB(1)), LB_EBACKEND);
	CHECK(faults(lb_mmap_ptr(&mb, MiB(6)), 0));
	CHECK_EQ(mb.accept_calls, 0);
	CHECK_EQ(acc(b, MiB(4), MiB(1)), LB_OK);
	CHECK(!faults(lb_mmap_ptr(&mb, MiB(4)), 1));
	CHECK_EQ(rel(b, MiB(4), MiB(1)), LB_OK);
	CHECK(faults(lb_mmap_ptr(&mb, MiB(4)), 0));
	lb_mmap_backend_fini(&mb);
}
