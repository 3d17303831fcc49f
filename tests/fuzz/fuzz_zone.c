/* SPDX-License-Identifier: MIT */
/*
 * The fuzz target: the input sets up one zone (a small generated memory
 * map, a unit, a policy, flags, watermarks, a backend that fails chosen
 * calls) and then drives every public entry point, one operation per few
 * bytes, on a virtual clock. A reference model checks every answer:
 *
 *   - the blocks the caller holds (owned pages): each block handed out is
 *     inside the zone, aligned, on managed pages, disjoint from every
 *     other held block, accepted in the zone's shadow record (LB_CFG_SHADOW)
 *     and in the recording backend's own record, and reported allocated;
 *   - a free of a block the model does not hold fails and changes nothing
 *     (statistics and page state compared before and after);
 *   - a failed allocation is legitimate: no free aligned run of accepted
 *     pages could serve it, and after LB_ENOMEM (not NOWAIT) no run of
 *     unaccepted pages either; LB_EBACKEND only when a backend call failed;
 *   - after every step lb_zone_check() passes, nothing is in flight, free
 *     + held + cached + quarantined pages add up to the managed pages, the
 *     held pages are the zone's allocated pages, every quarantined page was
 *     in a backend call that failed, the zone's accept and release counters
 *     match the backend's, and the shadow record matches the backend's
 *     record page for page;
 *   - the recording backend sees no double accept (I2), no call under the
 *     zone lock (I6), no release of unaccepted memory, no call on a page
 *     already quarantined, no bad range.
 *
 * Input layout: 6 header bytes (policy and flags, unit, backend, accept and
 * release failure patterns, map shape), 3 bytes per memory range, 4 bytes
 * of watermarks with LB_CFG_WMARK, then operations (a selector byte and its
 * arguments) until the input ends. Bytes past the end read as 0.
 *
 * Checks of defects fixed lately can be held back by the FZ_CHECK_*
 * switches in fuzz.h (all on).
 */
#include "fuzz.h"

#include "lazybuddy.h"
#include "lazybuddy_backends.h"

#include "../../src/internal.h" /* the lock (I6 probe), shadow, descriptors */

#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PG LB_PAGE_SIZE
#define SEC SECTION_PAGES
#define MAX_SPAN_PAGES (8 * SEC) /* 32 MiB: every check stays cheap */
#define MAX_RANGES 5
#define MAX_OPS 1500
#define NCACHE 3
#define NFREED 16

/* ------------------------------------------------------------ reporting */

static void (*fail_handler)(void);
static int trace_on;
static uint64_t total_inputs, total_ops, cur_op;

void fz_set_fail_handler(void (*fn)(void))
{
	fail_handler = fn;
}

void fz_set_trace(int on)
{
	trace_on = on;
}

void fz_counts(uint64_t *inputs, uint64_t *ops)
{
	*inputs = total_inputs;
	*ops = total_ops;
}

__attribute__((format(printf, 1, 2), noreturn)) static void fz_fail(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "lbfuzz: op %llu: ", (unsigned long long)cur_op);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	fflush(stderr);
	if (fail_handler)
		fail_handler(); /* longjmps */
	abort();
}

#define REQUIRE(c, ...)                       \
	do {                                  \
		if (__builtin_expect(!(c), 0)) \
			fz_fail(__VA_ARGS__); \
	} while (0)

#define TRACE(...)                                    \
	do {                                          \
		if (trace_on)                         \
			fprintf(stderr, __VA_ARGS__); \
	} while (0)

#define ULL(x) ((unsigned long long)(x))

/* ---------------------------------------------------------------- input */

struct in {
	const uint8_t *p;
	size_t n, i;
};

static unsigned u8(struct in *in)
{
	return in->i < in->n ? in->p[in->i++] : 0;
}

static unsigned u16(struct in *in)
{
	unsigned lo = u8(in);

	return lo | u8(in) << 8;
}

/* ----------------------------------------------- the recording backend */

/* What the backend saw, by kind; compared with the zone's counters. */
struct rec_count {
	uint64_t accept_calls, accept_ok, accept_ok_pages, accept_fail;
	uint64_t release_calls, release_ok, release_ok_pages, release_fail;
	uint64_t fail_pages; /* of failed accepts and releases: the quarantine */
	uint64_t double_accepts, lock_held, bad_ranges, bad_releases;
	uint64_t quarantined_again; /* calls covering a quarantined page */
	uint64_t min_release_pages; /* smallest release since reset */
};

/*
 * Keeps its own record of accepted pages (independent of the zone's
 * shadow), checks each call, fails calls by a pattern from the input and
 * forwards the others to an inner backend (null, or the fault backend
 * over the model) when there is one.
 */
struct rec {
	uint64_t base, npages;
	uint64_t acc[MAX_SPAN_PAGES / 64];
	uint64_t failed[MAX_SPAN_PAGES / 64]; /* passed to a call that failed */
	uint64_t quar[MAX_SPAN_PAGES / 64];   /* quarantined, as last seen */
	struct lb_zone *zone; /* for the I6 probe */
	struct lb_backend inner;
	unsigned accept_fail_pat, release_fail_pat; /* bit 7: on; bits 0-6: calls n % 7 */
	struct rec_count c;
};

static bool rec_range_ok(struct rec *r, uint64_t addr, uint64_t size)
{
	if (size && !((addr | size) & (PG - 1)) && addr >= r->base &&
	    (addr - r->base) / PG + size / PG <= r->npages)
		return true;
	r->c.bad_ranges++;
	return false;
}

static void rec_probe_lock(struct rec *r)
{
	if (r->zone && pthread_mutex_trylock(&r->zone->lock) == 0)
		pthread_mutex_unlock(&r->zone->lock);
	else if (r->zone)
		r->c.lock_held++;
}

static bool pat_fails(unsigned pat, uint64_t n)
{
	return (pat & 0x80) && (pat >> ((n - 1) % 7) & 1);
}

static int rec_accept(void *ctx, uint64_t addr, uint64_t size)
{
	struct rec *r = ctx;
	uint64_t n = ++r->c.accept_calls, first, np;
	int rc = 0;

	if (!rec_range_ok(r, addr, size))
		return LB_EINVAL;
	rec_probe_lock(r);
	first = (addr - r->base) / PG;
	np = size / PG;
	for (uint64_t i = first; i < first + np; i++)
		if (bit_test(r->acc, i))
			r->c.double_accepts++; /* I2, whatever the call's outcome */
	if (bits_count(r->quar, first, np))
		r->c.quarantined_again++;
	if (pat_fails(r->accept_fail_pat, n))
		rc = LB_EBACKEND;
	else if (r->inner.ops)
		rc = r->inner.ops->accept(r->inner.ctx, addr, size);
	if (rc) {
		r->c.accept_fail++;
		r->c.fail_pages += np;
		bits_assign(r->failed, first, np, 1);
		return rc;
	}
	bits_assign(r->acc, first, np, 1);
	r->c.accept_ok++;
	r->c.accept_ok_pages += np;
	return 0;
}

static int rec_release(void *ctx, uint64_t addr, uint64_t size)
{
	struct rec *r = ctx;
	uint64_t n = ++r->c.release_calls, first, np;
	int rc = 0;

	if (!rec_range_ok(r, addr, size))
		return LB_EINVAL;
	rec_probe_lock(r);
	first = (addr - r->base) / PG;
	np = size / PG;
	if (bits_count(r->acc, first, np) != np)
		r->c.bad_releases++;
	if (bits_count(r->quar, first, np))
		r->c.quarantined_again++;
	if (np < r->c.min_release_pages)
		r->c.min_release_pages = np;
	if (pat_fails(r->release_fail_pat, n))
		rc = LB_EBACKEND;
	else if (r->inner.ops && r->inner.ops->release)
		rc = r->inner.ops->release(r->inner.ctx, addr, size);
	if (rc) { /* the zone quarantines it; still accepted as far as we know */
		r->c.release_fail++;
		r->c.fail_pages += np;
		bits_assign(r->failed, first, np, 1);
		return rc;
	}
	bits_assign(r->acc, first, np, 0);
	r->c.release_ok++;
	r->c.release_ok_pages += np;
	return 0;
}

static const struct lb_backend_ops rec_ops = {
	.name = "fuzz-rec", .accept = rec_accept, .release = rec_release
};
static const struct lb_backend_ops rec_ops_norelease = {
	.name = "fuzz-rec", .accept = rec_accept, .release = NULL
};

static bool rec_all(const struct rec *r, uint64_t idx, uint64_t n)
{
	return bits_count(r->acc, idx, n) == n;
}

/* ---------------------------------------------------- the model's state */

struct blk {
	uint64_t addr;
	unsigned order;
};

static struct fz {
	/* the memory map and the span, as the zone computes it */
	struct lb_range map[MAX_RANGES];
	size_t nmap;
	uint64_t base, npages, managed, unit_pages;
	uint8_t managed_map[MAX_SPAN_PAGES];

	/* what the caller holds */
	uint8_t owned[MAX_SPAN_PAGES];
	struct blk held[MAX_SPAN_PAGES];
	size_t nheld;
	uint64_t held_pages;
	struct blk freed[NFREED]; /* recently freed: double-free material */
	unsigned nfreed;

	/* the zone */
	struct lb_config cfg;
	struct lb_zone *z;
	void *meta;
	int policy;
	struct rec rec;
	struct lb_fault_backend fault;
	struct lb_null_backend null;
	struct lb_model_backend model;
	struct lb_cache *cache[NCACHE];
	bool live[NCACHE];
	unsigned rel_min_order;
	uint64_t now; /* the virtual clock, ns */
	uint64_t rnd; /* sampling, seeded from the input */
	uint8_t map_scratch[MAX_SPAN_PAGES];
} S;

static void *cache_mem[NCACHE];

static uint64_t rnd(void)
{
	uint64_t z = (S.rnd += UINT64_C(0x9e3779b97f4a7c15));

	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

static uint64_t pidx(uint64_t addr)
{
	return (addr - S.base) / PG;
}

static bool in_span(uint64_t addr)
{
	return addr >= S.base && pidx(addr) < S.npages;
}

static void stats(struct lb_stats *st)
{
	memset(st, 0, sizeof *st);
	lb_zone_stats(S.z, st);
}

static uint64_t round_pages(uint64_t bytes)
{
	return bytes / PG + !!(bytes % PG);
}

static uint64_t sat_add(uint64_t a, uint64_t b)
{
	return a + b < a ? UINT64_MAX : a + b;
}

/* ------------------------------------------------------------- checks */

/* Per page of the span, its state (enum lb_page_state) from the zone's
 * descriptors, walked as the checker walks them: cheap enough for every
 * step, and checked against lb_zone_page_state() on samples. */
static void state_map(uint8_t *m)
{
	struct lb_zone *z = S.z;

	memset(m, LB_PAGE_RESERVED, S.npages);
	for (uint64_t sec = 0; sec * SEC < S.npages; sec++) {
		uint64_t first = sec * SEC, end = first + SEC < S.npages ? first + SEC : S.npages;

		if (bit_test(z->pristine, sec)) {
			memset(m + first, LB_PAGE_FREE_UNACCEPTED, end - first);
			continue;
		}
		if (!bit_test(z->active, sec))
			continue;
		for (uint64_t i = first; i < end;) {
			const struct lb_page *p = &z->pages[i];
			uint64_t n = UINT64_C(1) << p->order;
			unsigned k = pg_kind(p), v;

			if (k == K_NONE) {
				i++;
				continue;
			}
			v = k == K_FREE	      ? (p->state == S_ACCEPTED ? LB_PAGE_FREE_ACCEPTED
								: LB_PAGE_FREE_UNACCEPTED)
			    : k == K_INFLIGHT ? LB_PAGE_IN_FLIGHT
			    : k == K_QUARANTINE ? LB_PAGE_QUARANTINED
						: LB_PAGE_ALLOCATED;
			memset(m + i, (int)v, i + n <= end ? n : end - i);
			i += n;
		}
	}
}

/* Is there an aligned run of 2^order pages whose states are all in mask
 * (FA: free accepted, FU: free unaccepted)? */
#define FA (1u << LB_PAGE_FREE_ACCEPTED)
#define FU (1u << LB_PAGE_FREE_UNACCEPTED)
static bool free_run(const uint8_t *m, unsigned order, unsigned mask)
{
	uint64_t n = UINT64_C(1) << order;

	for (uint64_t s = 0; s + n <= S.npages; s += n) {
		uint64_t i = s;

		while (i < s + n && (mask >> m[i] & 1))
			i++;
		if (i == s + n)
			return true;
	}
	return false;
}

/* Page addr in state s (enum lb_page_state), against the model. */
static void check_state(uint64_t addr, int s)
{
	uint64_t i;

	if (!in_span(addr)) {
		REQUIRE(s == LB_ERANGE, "page 0x%llx outside the span: state %d", ULL(addr), s);
		return;
	}
	i = pidx(addr);
	if (!S.managed_map[i]) {
		REQUIRE(s == LB_PAGE_RESERVED, "unmanaged page 0x%llx: state %d", ULL(addr), s);
		return;
	}
	if (S.owned[i]) {
		REQUIRE(s == LB_PAGE_ALLOCATED, "held page 0x%llx: state %d", ULL(addr), s);
		return;
	}
	switch (s) {
	case LB_PAGE_FREE_ACCEPTED:
		REQUIRE(bit_test(S.rec.acc, i), "I1: page 0x%llx free accepted, backend never "
			"accepted it", ULL(addr));
		break;
	case LB_PAGE_FREE_UNACCEPTED:
		REQUIRE(!bit_test(S.rec.acc, i), "I2: page 0x%llx free unaccepted, backend has "
			"it accepted", ULL(addr));
		break;
	case LB_PAGE_ALLOCATED: /* in a cache */
		REQUIRE(bit_test(S.rec.acc, i), "I1: cached page 0x%llx not accepted", ULL(addr));
		break;
	case LB_PAGE_QUARANTINED:
		break;
	default:
		fz_fail("managed page 0x%llx, not held: state %d", ULL(addr), s);
	}
}

static void check_page(uint64_t addr)
{
	check_state(addr, lb_zone_page_state(S.z, addr));
}

/* Every page of the span against the model and the statistics; the
 * public query on a sample (all of it asks up to 1024 steps a page). */
static void sweep(void)
{
	uint64_t cnt[LB_PAGE_QUARANTINED + 1] = { 0 }, owned = 0;
	uint8_t *m = S.map_scratch;
	struct lb_stats st;

	state_map(m);
	for (uint64_t i = 0; i < S.npages; i++) {
		check_state(S.base + i * PG, m[i]);
		cnt[m[i]]++;
		owned += S.owned[i];
	}
	for (uint64_t k = 0; k < 256 && k < S.npages; k++) {
		uint64_t i = S.npages <= 256 ? k : rnd() % S.npages;
		int s = lb_zone_page_state(S.z, S.base + i * PG);

		REQUIRE(s == m[i], "page 0x%llx: lb_zone_page_state says %d, the descriptors %d",
			ULL(S.base + i * PG), s, m[i]);
	}
	stats(&st);
	REQUIRE(cnt[LB_PAGE_FREE_ACCEPTED] == st.free_accepted_pages &&
		cnt[LB_PAGE_FREE_UNACCEPTED] == st.free_unaccepted_pages &&
		cnt[LB_PAGE_ALLOCATED] == st.allocated_pages + st.cached_pages &&
		cnt[LB_PAGE_QUARANTINED] == st.quarantined_pages && !cnt[LB_PAGE_IN_FLIGHT] &&
		cnt[LB_PAGE_RESERVED] == S.npages - S.managed && owned == S.held_pages,
		"sweep: pages by state %llu/%llu/%llu/%llu/%llu/%llu, stats free %llu/%llu "
		"allocated %llu cached %llu quarantined %llu",
		ULL(cnt[0]), ULL(cnt[1]), ULL(cnt[2]), ULL(cnt[3]), ULL(cnt[4]), ULL(cnt[5]),
		ULL(st.free_accepted_pages), ULL(st.free_unaccepted_pages),
		ULL(st.allocated_pages), ULL(st.cached_pages), ULL(st.quarantined_pages));
	if (S.base >= PG)
		check_page(S.base - PG);
	check_page(S.base + S.npages * PG);
}

/* After every step. */
static void verify(void)
{
	struct lb_zone *z = S.z;
	const struct rec_count *c = &S.rec.c;
	struct lb_stats st;
	char msg[256];
	int rc = lb_zone_check(z, msg, sizeof msg);

	REQUIRE(rc == 0, "lb_zone_check: %s", msg);
	REQUIRE(!c->double_accepts, "I2: %llu pages accepted twice", ULL(c->double_accepts));
	REQUIRE(!c->lock_held, "I6: %llu backend calls under the zone lock", ULL(c->lock_held));
	REQUIRE(!c->bad_ranges, "%llu backend calls with a bad range", ULL(c->bad_ranges));
	REQUIRE(!c->bad_releases, "%llu releases of unaccepted pages", ULL(c->bad_releases));
	REQUIRE(!c->quarantined_again, "%llu backend calls on quarantined pages",
		ULL(c->quarantined_again));

	stats(&st);
	REQUIRE(st.managed_pages == S.managed && st.span_pages == S.npages,
		"geometry: managed %llu span %llu, model %llu %llu", ULL(st.managed_pages),
		ULL(st.span_pages), ULL(S.managed), ULL(S.npages));
	REQUIRE(st.in_flight_pages == 0, "I4: %llu pages in flight between calls",
		ULL(st.in_flight_pages));
	REQUIRE(st.allocated_pages == S.held_pages, "I4: zone says %llu pages allocated, "
		"the caller holds %llu", ULL(st.allocated_pages), ULL(S.held_pages));
	REQUIRE(st.free_accepted_pages + st.free_unaccepted_pages + st.allocated_pages +
			st.cached_pages + st.in_flight_pages + st.quarantined_pages ==
		S.managed, "I4: free %llu+%llu held %llu cached %llu quarantined %llu of %llu",
		ULL(st.free_accepted_pages), ULL(st.free_unaccepted_pages),
		ULL(st.allocated_pages), ULL(st.cached_pages), ULL(st.quarantined_pages),
		ULL(S.managed));
	REQUIRE(st.quarantined_pages <= c->fail_pages, "quarantine %llu pages, failed backend "
		"calls covered %llu", ULL(st.quarantined_pages), ULL(c->fail_pages));
	REQUIRE(st.accept_failures == c->accept_fail && st.accept_calls == c->accept_ok &&
		st.accepted_pages == c->accept_ok_pages,
		"accept counters: zone %llu calls %llu pages %llu failures, backend %llu %llu %llu",
		ULL(st.accept_calls), ULL(st.accepted_pages), ULL(st.accept_failures),
		ULL(c->accept_ok), ULL(c->accept_ok_pages), ULL(c->accept_fail));
	REQUIRE(st.release_calls == c->release_ok && st.released_pages == c->release_ok_pages,
		"release counters: zone %llu calls %llu pages, backend %llu %llu",
		ULL(st.release_calls), ULL(st.released_pages), ULL(c->release_ok),
		ULL(c->release_ok_pages));
	/* Accepted, never handed out: free accepted, or quarantined by a
	 * failed release. */
	REQUIRE(st.over_accepted_pages <= st.free_accepted_pages + st.quarantined_pages,
		"over-accepted %llu pages, only %llu free accepted, %llu quarantined",
		ULL(st.over_accepted_pages), ULL(st.free_accepted_pages),
		ULL(st.quarantined_pages));

	/* The shadow record against the backend's, section by section: equal
	 * where the section is active, nothing accepted where it is pristine. */
	for (uint64_t sec = 0; sec * SEC < S.npages; sec++) {
		const uint64_t *r = &S.rec.acc[sec * SEC / 64];

		if (bit_test(z->active, sec)) {
			REQUIRE(!memcmp(&z->shadow[sec * SEC / 64], r, SEC / 8),
				"shadow record and backend disagree in section 0x%llx",
				ULL(S.base + sec * SEC * PG));
		} else {
			for (unsigned w = 0; w < SEC / 64; w++)
				REQUIRE(!r[w], "inactive section 0x%llx holds accepted pages",
					ULL(S.base + sec * SEC * PG));
		}
	}
	/* Every quarantined page was in a failed call; none is passed to the
	 * backend again (the recording backend checks against this record). */
	state_map(S.map_scratch);
	for (uint64_t i = 0, nq = 0; i <= S.npages; i++) {
		if (i == S.npages) {
			REQUIRE(nq == st.quarantined_pages, "%llu pages quarantined, counted %llu",
				ULL(nq), ULL(st.quarantined_pages));
			break;
		}
		if (S.map_scratch[i] != LB_PAGE_QUARANTINED)
			continue;
		REQUIRE(bit_test(S.rec.failed, i), "page 0x%llx quarantined, no call on it failed",
			ULL(S.base + i * PG));
		bit_set(S.rec.quar, i);
		nq++;
	}
	for (int k = 0; k < 3; k++)
		check_page(S.base + rnd() % S.npages * PG);
}

/* A block just handed out: the model takes it. */
static void take(uint64_t addr, unsigned order, const char *who)
{
	uint64_t n = UINT64_C(1) << order, i;

	REQUIRE(!(addr & (n * PG - 1)), "%s: block 0x%llx of order %u misaligned", who,
		ULL(addr), order);
	REQUIRE(in_span(addr) && pidx(addr) + n <= S.npages, "%s: block 0x%llx of order %u "
		"outside the zone", who, ULL(addr), order);
	i = pidx(addr);
	for (uint64_t j = i; j < i + n; j++) {
		REQUIRE(S.managed_map[j], "%s: block 0x%llx order %u holds unmanaged page 0x%llx",
			who, ULL(addr), order, ULL(S.base + j * PG));
		REQUIRE(!S.owned[j], "%s: block 0x%llx order %u overlaps a held block at 0x%llx",
			who, ULL(addr), order, ULL(S.base + j * PG));
	}
	REQUIRE(bits_count(S.z->shadow, i, n) == n, "I1: %s: block 0x%llx order %u not "
		"accepted in the shadow record", who, ULL(addr), order);
	REQUIRE(rec_all(&S.rec, i, n), "I1: %s: block 0x%llx order %u never accepted by the "
		"backend", who, ULL(addr), order);
	memset(S.owned + i, 1, n);
	S.held[S.nheld++] = (struct blk){ addr, order };
	S.held_pages += n;
	check_page(addr);
	check_page(addr + (n - 1) * PG);
}

/* The model gives up held block k (freed). */
static void drop(size_t k)
{
	struct blk b = S.held[k];
	uint64_t n = UINT64_C(1) << b.order;

	memset(S.owned + pidx(b.addr), 0, n);
	S.held_pages -= n;
	S.held[k] = S.held[--S.nheld];
	S.freed[S.nfreed++ % NFREED] = b;
}

static struct lb_cache *pick_cache(unsigned sel)
{
	unsigned s = sel % NCACHE;

	return S.live[s] ? S.cache[s] : NULL;
}

/* ---------------------------------------------------------- operations */

/* One allocation; false when it failed. */
static bool alloc_one(unsigned order, unsigned flags, bool bad_flags, struct lb_cache *c)
{
	bool nowait = flags & LB_ALLOC_NOWAIT;
	struct lb_stats st0, st1;
	struct rec_count r0 = S.rec.c;
	uint64_t addr = 0, fails, dacc;
	int rc;

	TRACE("alloc%s order %u flags 0x%x\n", c ? " (cache)" : "", order, flags);
	stats(&st0);
	rc = c ? lb_cache_alloc(c, order, flags, &addr) : lb_alloc(S.z, order, flags, &addr);
	stats(&st1);
	TRACE("  -> %d 0x%llx\n", rc, ULL(addr));
	fails = S.rec.c.accept_fail - r0.accept_fail;
	dacc = S.rec.c.accept_ok_pages - r0.accept_ok_pages;
	if (bad_flags || order > LB_MAX_ORDER) {
		REQUIRE(rc == (bad_flags ? LB_EINVAL : LB_EORDER), "alloc order %u flags 0x%x: %d",
			order, flags, rc);
		REQUIRE(!memcmp(&st0, &st1, sizeof st0), "refused alloc changed the zone");
		return false;
	}
	REQUIRE(!FZ_CHECK_FAILURE_CONTAINED || fails <= FZ_MAX_FAILED_CALLS,
		"alloc order %u: %llu failed accepts in one call", order, ULL(fails));
	if (nowait)
		REQUIRE(S.rec.c.accept_calls == r0.accept_calls, "NOWAIT alloc called the backend");
	if (rc == 0) {
		take(addr, order, c ? "lb_cache_alloc" : "lb_alloc");
		if (fails)
			return true;
		/* Accepted memory first: no accept when a free accepted block fit
		 * (linux tops up to its watermark on any allocation). */
		for (unsigned o = order; o <= LB_MAX_ORDER && S.policy != LB_POLICY_LINUX; o++)
			REQUIRE(!st0.free_blocks[0][o] || !dacc, "alloc order %u accepted %llu pages "
				"with a free accepted block of order %u", order, ULL(dacc), o);
		/* exact: never more than the block (less on a run that is part
		 * accepted); unit: never more than the block or its unit. */
		if (S.policy == LB_POLICY_EXACT)
			REQUIRE(dacc <= UINT64_C(1) << order,
				"exact: alloc of order %u accepted %llu pages", order, ULL(dacc));
		if (S.policy == LB_POLICY_UNIT)
			REQUIRE(dacc <= (S.unit_pages > UINT64_C(1) << order ? S.unit_pages
									: UINT64_C(1) << order),
				"unit: alloc of order %u accepted %llu pages", order, ULL(dacc));
		return true;
	}
	{
		bool ok = rc == LB_ENOMEM || (rc == LB_EAGAIN && nowait) ||
			  (rc == LB_EBACKEND && fails);

		REQUIRE(ok, "alloc order %u flags 0x%x: unexpected %d (%s)", order, flags, rc,
			lb_strerror(rc));
	}
	REQUIRE(st1.alloc_failures == st0.alloc_failures + 1, "a failed alloc counted %llu",
		ULL(st1.alloc_failures - st0.alloc_failures));
	state_map(S.map_scratch);
	REQUIRE(!free_run(S.map_scratch, order, FA),
		"alloc order %u flags 0x%x failed (%d) with free accepted pages that fit", order,
		flags, rc);
	if (rc == LB_ENOMEM && !nowait) {
		REQUIRE(!free_run(S.map_scratch, order, FU),
			"alloc order %u: LB_ENOMEM with a free unaccepted run that fits", order);
		REQUIRE(!FZ_CHECK_ENOMEM_MIXED_RUN || !free_run(S.map_scratch, order, FA | FU),
			"alloc order %u: LB_ENOMEM with a free run of accepted and unaccepted pages",
			order);
	}
	/* NOWAIT: LB_EAGAIN only where accepting would serve it. */
	if (FZ_CHECK_ENOMEM_MIXED_RUN && nowait)
		REQUIRE((rc == LB_EAGAIN) == free_run(S.map_scratch, order, FA | FU),
			"NOWAIT alloc order %u: %d, yet a free run to accept %s", order, rc,
			rc == LB_EAGAIN ? "is not there" : "is there");
	return false;
}

/* An allocation, or a burst of them (until the first failure). */
static void op_alloc(struct in *in, bool cached, bool burst)
{
	unsigned a = u8(in), b = u8(in), rep = burst ? 1 + u8(in) % 128 : 1;
	unsigned order = a % 12, flags = b & 3; /* order 11: LB_EORDER */
	bool bad_flags = (b & 0xc0) == 0xc0;
	struct lb_cache *c = cached ? pick_cache(b >> 2) : NULL;

	if (bad_flags)
		flags |= 4u << (b >> 2 & 3);
	while (rep-- && alloc_one(order, flags, bad_flags, c))
		;
}

static void free_one(size_t k, struct lb_cache *c)
{
	struct blk b = S.held[k];
	struct lb_stats st0, st1;
	int rc;

	TRACE("free%s 0x%llx order %u\n", c ? " (cache)" : "", ULL(b.addr), b.order);
	stats(&st0);
	rc = c ? lb_cache_free(c, b.addr, b.order) : lb_free(S.z, b.addr, b.order);
	REQUIRE(rc == 0, "free of held block 0x%llx order %u: %d (%s)", ULL(b.addr), b.order,
		rc, lb_strerror(rc));
	drop(k);
	stats(&st1);
	REQUIRE(st1.frees == st0.frees + 1, "a free counted %llu", ULL(st1.frees - st0.frees));
	if (!c || b.order > LB_CACHE_MAX_ORDER)
		REQUIRE(lb_zone_page_state(S.z, b.addr) == LB_PAGE_FREE_ACCEPTED,
			"freed block 0x%llx is not free accepted", ULL(b.addr));
}

/* A free of a held block, or a burst of them. */
static void op_free(struct in *in, bool burst)
{
	unsigned k = u16(in), route = u8(in), rep = burst ? 1 + u8(in) % 128 : 1;
	struct lb_cache *c = route & 1 ? pick_cache(route >> 1) : NULL;

	while (rep-- && S.nheld) {
		free_one(k % S.nheld, c);
		k = k * 7 + 3;
	}
}

/* A free the model does not hold: refused, nothing changed. */
static void op_bad_free(struct in *in)
{
	unsigned kind = u8(in), x = u8(in), y = u16(in);
	struct lb_cache *c = kind & 0x80 ? pick_cache(kind >> 4) : NULL;
	uint64_t addr = S.base;
	unsigned order = x % (LB_MAX_ORDER + 1);
	int want = 0, rc, ps0 = 0, ps1 = 0;
	struct lb_stats st0, st1;
	struct rec_count r0 = S.rec.c;

	switch (kind % 7) {
	case 0: /* a recent double free */
		if (S.nfreed) {
			struct blk b = S.freed[(S.nfreed - 1 - y % NFREED) % NFREED];

			if (y % NFREED >= S.nfreed) /* the ring is not full yet */
				b = S.freed[(S.nfreed - 1) % NFREED];
			addr = b.addr;
			order = b.order;
		}
		break;
	case 1: /* a held block at another order */
		if (S.nheld) {
			struct blk b = S.held[y % S.nheld];

			addr = b.addr;
			order = (b.order + 1 + x % LB_MAX_ORDER) % (LB_MAX_ORDER + 1);
		}
		break;
	case 2: /* inside a held block */
		if (S.nheld) {
			struct blk b = S.held[y % S.nheld];

			if (b.order)
				addr = b.addr + (1 + x % ((UINT64_C(1) << b.order) - 1)) * PG;
			order = 0;
		}
		break;
	case 3: /* anywhere in the span */
		addr = S.base + (uint64_t)y % S.npages * PG;
		break;
	case 4: /* outside it */
		want = LB_ERANGE;
		order = 0;
		addr = x & 1 && S.base >= (1 + (uint64_t)y) * PG ? S.base - (1 + (uint64_t)y) * PG
								 : S.base + (S.npages + y) * PG;
		break;
	case 5: /* not page-aligned */
		want = LB_EALIGN;
		addr = S.base + (uint64_t)y % S.npages * PG + 1 + x % (PG - 1);
		order = 0;
		break;
	default: /* order above the maximum */
		want = LB_EORDER;
		order = LB_MAX_ORDER + 1 + x;
		break;
	}
	for (size_t i = 0; i < S.nheld; i++)
		if (S.held[i].addr == addr && S.held[i].order == order)
			return; /* that one is a valid free */
	TRACE("bad free%s 0x%llx order %u\n", c ? " (cache)" : "", ULL(addr), order);
	stats(&st0);
	if (in_span(addr))
		ps0 = lb_zone_page_state(S.z, addr & ~(PG - 1));
	rc = c ? lb_cache_free(c, addr, order) : lb_free(S.z, addr, order);
	if (want)
		REQUIRE(rc == want, "bad free 0x%llx order %u: %d, expected %d", ULL(addr), order,
			rc, want);
	else
		REQUIRE(rc == LB_EDOUBLEFREE || rc == LB_ENOTALLOC || rc == LB_EALIGN,
			"free of unheld 0x%llx order %u: %d (%s)", ULL(addr), order, rc,
			lb_strerror(rc));
	if (!want && (ps0 == LB_PAGE_FREE_ACCEPTED || ps0 == LB_PAGE_FREE_UNACCEPTED) &&
	    !(addr % PG) &&
	    rc != LB_EALIGN && lb_zone_page_state(S.z, addr) == ps0 && S.managed_map[pidx(addr)] &&
	    !bit_test(S.z->pristine, pidx(addr) / SEC))
		REQUIRE(rc == LB_EDOUBLEFREE, "free of free block 0x%llx order %u: %d", ULL(addr),
			order, rc);
	stats(&st1);
	REQUIRE(!memcmp(&st0, &st1, sizeof st0), "refused free 0x%llx order %u changed the "
		"statistics", ULL(addr), order);
	REQUIRE(!memcmp(&r0, &S.rec.c, sizeof r0), "refused free called the backend");
	if (in_span(addr)) {
		ps1 = lb_zone_page_state(S.z, addr & ~(PG - 1));
		REQUIRE(ps0 == ps1, "refused free changed page 0x%llx from %d to %d", ULL(addr),
			ps0, ps1);
	}
}

static void op_cache(struct in *in)
{
	unsigned sel = u8(in), s = (sel >> 3) % NCACHE, what = (sel & 7) % 6;
	struct lb_stats st0, st1;
	struct lb_cache *c = NULL;
	int rc;

	stats(&st0);
	switch (what) {
	case 0: /* init */
		if (S.live[s] && !FZ_CHECK_CACHE_REINIT)
			return;
		TRACE("cache %u init%s\n", s, S.live[s] ? " (live)" : "");
		if (!S.live[s])
			memset(cache_mem[s], 0x5a ^ (int)sel, lb_cache_size()); /* garbage */
		rc = lb_cache_init(&c, S.z, cache_mem[s], lb_cache_size());
		if (S.live[s]) {
			REQUIRE(rc != 0 || c == S.cache[s], "re-init of a live cache: %d", rc);
			break;
		}
		REQUIRE(rc == 0 && c, "lb_cache_init: %d", rc);
		S.cache[s] = c;
		S.live[s] = true;
		break;
	case 1: /* init with bad arguments */
		TRACE("cache init, bad arguments\n");
		REQUIRE(lb_cache_init(NULL, S.z, cache_mem[s], lb_cache_size()) == LB_EINVAL,
			"lb_cache_init(NULL out)");
		REQUIRE(lb_cache_init(&c, NULL, cache_mem[s], lb_cache_size()) == LB_EINVAL,
			"lb_cache_init(NULL zone)");
		REQUIRE(lb_cache_init(&c, S.z, NULL, lb_cache_size()) == LB_EINVAL,
			"lb_cache_init(NULL mem)");
		if (!S.live[s]) {
			REQUIRE(lb_cache_init(&c, S.z, cache_mem[s], lb_cache_size() - 1) ==
					LB_ENOSPACE, "lb_cache_init(short)");
			REQUIRE(lb_cache_init(&c, S.z, (char *)cache_mem[s] + 8, lb_cache_size()) ==
					LB_ENOSPACE, "lb_cache_init(misaligned)");
		}
		break;
	case 2: /* drain */
		TRACE("cache %u drain%s\n", s, S.live[s] ? "" : " (dead)");
		lb_cache_drain(S.live[s] ? S.cache[s] : (struct lb_cache *)cache_mem[s]);
		break;
	case 3: /* fini */
		TRACE("cache %u fini%s\n", s, S.live[s] ? "" : " (dead)");
		lb_cache_fini(S.live[s] ? S.cache[s] : (struct lb_cache *)cache_mem[s]);
		S.live[s] = false;
		break;
	default: { /* a cache that is not live refuses everything */
		uint64_t addr = 0;

		if (S.live[s])
			return;
		TRACE("cache %u (dead) alloc and free\n", s);
		c = cache_mem[s];
		REQUIRE(lb_cache_alloc(c, sel >> 5, 0, &addr) == LB_EINVAL, "dead cache alloc");
		REQUIRE(lb_cache_free(c, S.nheld ? S.held[0].addr : S.base, 0) == LB_EINVAL,
			"dead cache free");
		REQUIRE(lb_cache_alloc(NULL, 0, 0, &addr) == LB_EINVAL, "NULL cache alloc");
		REQUIRE(lb_cache_free(NULL, S.base, 0) == LB_EINVAL, "NULL cache free");
		lb_cache_drain(NULL);
		lb_cache_fini(NULL);
		stats(&st1);
		REQUIRE(!memcmp(&st0, &st1, sizeof st0), "dead cache calls changed the zone");
		return;
	}
	}
	stats(&st1);
	/* Caches move blocks between the zone's free lists and themselves. */
	REQUIRE(st1.allocated_pages == st0.allocated_pages && st1.accept_calls == st0.accept_calls,
		"cache op %u changed allocated or accepted memory", what);
	if (what == 2 || what == 3)
		REQUIRE(st1.cached_pages <= st0.cached_pages &&
			st1.free_accepted_pages - st0.free_accepted_pages ==
				st0.cached_pages - st1.cached_pages,
			"drain: cached %llu -> %llu, free accepted %llu -> %llu",
			ULL(st0.cached_pages), ULL(st1.cached_pages), ULL(st0.free_accepted_pages),
			ULL(st1.free_accepted_pages));
}

static uint64_t pick_bytes(unsigned sel)
{
	if (sel < 16)
		return 0;
	if (sel < 96)
		return (uint64_t)(sel - 15) * PG + (sel & 1 ? 123 : 0); /* odd sizes round up */
	if (sel < 200)
		return (uint64_t)(sel - 95) * 64 * PG;
	return (uint64_t)(sel - 199) * SEC * PG;
}

static void op_accept(struct in *in)
{
	uint64_t max = pick_bytes(u8(in)), maxp = round_pages(max), pages, fails, dq;
	struct lb_stats st0, st1;
	struct rec_count r0 = S.rec.c;
	int64_t got;

	TRACE("zone accept %llu bytes\n", ULL(max));
	stats(&st0);
	got = lb_zone_accept(S.z, max);
	stats(&st1);
	TRACE("  -> %lld\n", (long long)got);
	fails = S.rec.c.accept_fail - r0.accept_fail;
	REQUIRE(!FZ_CHECK_FAILURE_CONTAINED || fails <= FZ_MAX_FAILED_CALLS,
		"lb_zone_accept: %llu failed calls", ULL(fails));
	if (got == LB_EBACKEND && fails)
		return;
	REQUIRE(got >= 0 && !(got % (int64_t)PG), "lb_zone_accept(%llu): %lld", ULL(max),
		(long long)got);
	pages = (uint64_t)got / PG;
	dq = st1.quarantined_pages - st0.quarantined_pages;
	REQUIRE(!max || pages <= maxp, "lb_zone_accept(%llu pages) accepted %llu", ULL(maxp),
		ULL(pages));
	REQUIRE(st0.free_unaccepted_pages - st1.free_unaccepted_pages == pages + dq,
		"lb_zone_accept: unaccepted %llu -> %llu, accepted %llu, quarantined %llu",
		ULL(st0.free_unaccepted_pages), ULL(st1.free_unaccepted_pages), ULL(pages), ULL(dq));
	if (!max && !fails)
		REQUIRE(!st1.free_unaccepted_pages, "lb_zone_accept(0) left %llu pages unaccepted",
			ULL(st1.free_unaccepted_pages));
	else if (!fails)
		REQUIRE(pages == (maxp < st0.free_unaccepted_pages ? maxp
								   : st0.free_unaccepted_pages),
			"lb_zone_accept(%llu pages) accepted %llu of %llu", ULL(maxp), ULL(pages),
			ULL(st0.free_unaccepted_pages));
}

static void op_setup_accept(struct in *in)
{
	uint64_t max = pick_bytes(u8(in)), maxp = max ? round_pages(max) : SEC * 256, pages;
	uint64_t fails, dq;
	struct lb_stats st0, st1;
	struct rec_count r0 = S.rec.c;
	int64_t got;

	TRACE("setup accept %llu bytes\n", ULL(max));
	stats(&st0);
	got = lb_zone_setup_accept(S.z, max);
	stats(&st1);
	TRACE("  -> %lld\n", (long long)got);
	fails = S.rec.c.accept_fail - r0.accept_fail;
	dq = st1.quarantined_pages - st0.quarantined_pages;
	REQUIRE(!FZ_CHECK_FAILURE_CONTAINED || fails <= FZ_MAX_FAILED_CALLS,
		"lb_zone_setup_accept: %llu failed calls", ULL(fails));
	if (got == LB_EBACKEND && fails)
		return;
	REQUIRE(got >= 0 && !(got % (int64_t)PG), "lb_zone_setup_accept(%llu): %lld", ULL(max),
		(long long)got);
	pages = (uint64_t)got / PG;
	REQUIRE(pages <= maxp && pages <= SEC * 256, "lb_zone_setup_accept(%llu pages): %llu",
		ULL(maxp), ULL(pages));
	REQUIRE(st1.setup_accepted_pages - st0.setup_accepted_pages == pages &&
			st0.free_unaccepted_pages - st1.free_unaccepted_pages == pages + dq,
		"lb_zone_setup_accept: %llu pages, counted %llu, unaccepted %llu -> %llu",
		ULL(pages), ULL(st1.setup_accepted_pages - st0.setup_accepted_pages),
		ULL(st0.free_unaccepted_pages), ULL(st1.free_unaccepted_pages));
	if (!pages && !fails)
		REQUIRE(!st1.free_unaccepted_pages, "lb_zone_setup_accept: 0 with %llu pages left",
			ULL(st1.free_unaccepted_pages));
}

static void op_policy(struct in *in)
{
	unsigned p = u8(in) % (LB_POLICY_COUNT + 1);
	struct lb_stats st0, st1;
	struct rec_count r0 = S.rec.c;
	uint64_t fails;
	int rc;

	TRACE("set policy %u\n", p);
	stats(&st0);
	rc = lb_zone_set_policy(S.z, (enum lb_policy)p);
	stats(&st1);
	fails = S.rec.c.accept_fail - r0.accept_fail;
	REQUIRE(!FZ_CHECK_FAILURE_CONTAINED || fails <= FZ_MAX_FAILED_CALLS,
		"set_policy(%u): %llu failed calls", p, ULL(fails));
	if (p == LB_POLICY_COUNT) {
		REQUIRE(rc == LB_EINVAL, "set_policy(%u): %d", p, rc);
		REQUIRE(!memcmp(&st0, &st1, sizeof st0), "refused set_policy changed the zone");
	} else {
		REQUIRE(rc == 0, "set_policy(%u): %d", p, rc);
		S.policy = (int)p;
		if (p == LB_POLICY_EAGER)
			REQUIRE(fails || !st1.free_unaccepted_pages,
				"eager left %llu pages unaccepted", ULL(st1.free_unaccepted_pages));
		else
			REQUIRE(st1.accept_calls == st0.accept_calls &&
				st1.accept_failures == st0.accept_failures,
				"set_policy(%u) accepted memory", p);
	}
	REQUIRE((int)lb_zone_policy(S.z) == S.policy, "lb_zone_policy: %d, set %d",
		(int)lb_zone_policy(S.z), S.policy);
}

static void op_watermarks(struct in *in)
{
	unsigned mode = u8(in), a = u8(in), b = u8(in), c = u8(in), d = u8(in);
	struct lb_watermarks w, old, now;
	bool valid = true;
	int rc;

	lb_zone_watermarks(S.z, &old);
	switch (mode % 4) {
	case 0: /* ordered, small */
		w.min = a;
		w.low = w.min + b;
		w.high = w.low + c;
		w.promo = w.high + d;
		break;
	case 1: /* out of order */
		w = (struct lb_watermarks){ (uint64_t)a + 1, a, b, c };
		valid = false;
		break;
	case 2: /* not set yet */
		w = (struct lb_watermarks){ 0, 0, 0, 0 };
		break;
	default: /* large: up to all of memory, or past it (refused once fixed) */
		w.min = S.managed * a / 1024;
		w.low = w.min + S.managed * b / 4096;
		w.high = w.low;
		w.promo = w.high;
#if FZ_CHECK_WMARK_EXTREMES
		if (d & 1) {
			w.promo = d & 2 ? UINT64_MAX : S.managed + 1 + c;
			w.high = d & 4 ? w.promo : w.high;
			valid = false;
		}
#endif
		break;
	}
	if (valid && w.promo > S.managed) { /* scale into the zone: promo <= managed */
		w.min = w.min * S.managed / w.promo;
		w.low = w.low * S.managed / w.promo;
		w.high = w.high * S.managed / w.promo;
		w.promo = S.managed;
	}
	TRACE("set watermarks %llu %llu %llu %llu\n", ULL(w.min), ULL(w.low), ULL(w.high),
	      ULL(w.promo));
	rc = lb_zone_set_watermarks(S.z, &w);
	lb_zone_watermarks(S.z, &now);
	if (valid) {
		REQUIRE(rc == 0, "set_watermarks(ordered): %d", rc);
		REQUIRE(!memcmp(&now, &w, sizeof w), "watermarks read back differ");
	} else {
		REQUIRE(rc == LB_EINVAL, "set_watermarks(invalid): %d", rc);
		REQUIRE(!memcmp(&now, &old, sizeof w), "refused watermarks changed them");
	}
	REQUIRE(lb_zone_set_watermarks(S.z, NULL) == LB_EINVAL, "set_watermarks(NULL)");
}

static uint64_t advance(unsigned sel)
{
	/* Mostly short steps, some past the releaser's delays. */
	S.now += sel & 0x80 ? (uint64_t)(sel & 0x7f) * 50000000 : (uint64_t)sel * 10000;
	return S.now;
}

static void op_acceptor(struct in *in)
{
	unsigned sel = u8(in), a = u8(in), b = u8(in);

	if (sel & 1) { /* configure */
		struct lb_acceptor_cfg cfg = {
			.reserve_bytes = a & 1 ? 0 : (uint64_t)a * 16 * PG,
			.batch_bytes = b & 1 ? 0 : (uint64_t)b * 8 * PG + (b & 2 ? 5 : 0),
			.period_ns = (uint64_t)a * 1000,
			.horizon_ns = (uint64_t)(b >> 2) * 1000000,
			.threads = (sel >> 1) % 70, /* above 64: refused */
		};
		int rc = lb_acceptor_config(S.z, &cfg);

		TRACE("acceptor config reserve %llu batch %llu threads %u\n",
		      ULL(cfg.reserve_bytes), ULL(cfg.batch_bytes), cfg.threads);
		REQUIRE(rc == (cfg.threads > LB_ACCEPTOR_MAX_THREADS ? LB_EINVAL : 0),
			"lb_acceptor_config(threads %u): %d", cfg.threads, rc);
		REQUIRE(lb_acceptor_config(S.z, NULL) == LB_EINVAL, "lb_acceptor_config(NULL)");
		return;
	}
	{
		struct lb_stats st0, st1;
		struct rec_count r0 = S.rec.c;
		uint64_t now = advance(a), pages, dq, unit = S.unit_pages;
		int64_t got;

		TRACE("acceptor step at %llu\n", ULL(now));
		stats(&st0);
		got = lb_acceptor_step(S.z, now);
		stats(&st1);
		TRACE("  -> %lld\n", (long long)got);
		/* One call a pass (lazybuddy.h), one per part when the batch
		 * holds a suspect, which only an earlier failure leaves; one
		 * failed call at most. */
		REQUIRE((r0.accept_fail || S.rec.c.accept_calls - r0.accept_calls <= 1) &&
				(!FZ_CHECK_FAILURE_CONTAINED ||
				 S.rec.c.accept_fail - r0.accept_fail <= 1),
			"acceptor pass made %llu backend calls, %llu failed",
			ULL(S.rec.c.accept_calls - r0.accept_calls),
			ULL(S.rec.c.accept_fail - r0.accept_fail));
		if (got == LB_EBACKEND && S.rec.c.accept_fail != r0.accept_fail)
			return;
		REQUIRE(got >= 0 && !(got % (int64_t)PG), "lb_acceptor_step: %lld", (long long)got);
		pages = (uint64_t)got / PG;
		dq = st1.quarantined_pages - st0.quarantined_pages;
		REQUIRE(st0.free_unaccepted_pages - st1.free_unaccepted_pages == pages + dq &&
				st1.background_accepted_pages - st0.background_accepted_pages == pages,
			"acceptor pass: %llu pages, unaccepted %llu -> %llu, background %llu",
			ULL(pages), ULL(st0.free_unaccepted_pages), ULL(st1.free_unaccepted_pages),
			ULL(st1.background_accepted_pages - st0.background_accepted_pages));
		/* Only below the reserve, at most the shortfall in whole units. */
		if (pages || dq)
			REQUIRE(st0.free_accepted_pages < st1.reserve_pages &&
					pages <= (st1.reserve_pages - st0.free_accepted_pages + unit -
						  1) / unit * unit,
				"acceptor pass took %llu pages with %llu free accepted, reserve %llu",
				ULL(pages + dq), ULL(st0.free_accepted_pages),
				ULL(st1.reserve_pages));
	}
}

static void op_releaser(struct in *in)
{
	unsigned sel = u8(in), a = u8(in), b = u8(in);

	if (sel & 1) { /* configure */
		struct lb_releaser_cfg cfg = {
			.delay_ns = a & 1 ? 0 : (uint64_t)a * 1000000,
			.min_order = b % 12, /* 11: refused */
			.batch = (sel >> 1) % 70, /* above 64: refused */
		};
		int rc = lb_releaser_config(S.z, &cfg);
		bool bad = cfg.min_order > LB_MAX_ORDER || cfg.batch > 64;

		TRACE("releaser config delay %llu min order %u batch %u\n", ULL(cfg.delay_ns),
		      cfg.min_order, cfg.batch);
		REQUIRE(rc == (bad ? LB_EINVAL : 0), "lb_releaser_config: %d", rc);
		if (!bad)
			S.rel_min_order = cfg.min_order ? cfg.min_order : 9;
		REQUIRE(lb_releaser_config(S.z, NULL) == LB_EINVAL, "lb_releaser_config(NULL)");
		return;
	}
	{
		struct lb_stats st0, st1;
		struct lb_watermarks w;
		uint64_t now = advance(a), pages, failed;
		int64_t got;

		TRACE("releaser step at %llu\n", ULL(now));
		stats(&st0);
		S.rec.c.min_release_pages = UINT64_MAX;
		got = lb_releaser_step(S.z, now);
		stats(&st1);
		TRACE("  -> %lld\n", (long long)got);
		if (!S.cfg.backend.ops->release) {
			REQUIRE(got == LB_ENOTSUP, "lb_releaser_step without release: %lld",
				(long long)got);
			return;
		}
		REQUIRE(got >= 0 && !(got % (int64_t)PG), "lb_releaser_step: %lld", (long long)got);
		pages = (uint64_t)got / PG;
		failed = st1.quarantined_pages - st0.quarantined_pages;
		REQUIRE(st1.free_unaccepted_pages - st0.free_unaccepted_pages == pages &&
				st0.free_accepted_pages - st1.free_accepted_pages == pages + failed &&
				st1.released_pages - st0.released_pages == pages,
			"releaser pass: %llu pages (%llu failed), free %llu/%llu -> %llu/%llu",
			ULL(pages), ULL(failed), ULL(st0.free_accepted_pages),
			ULL(st0.free_unaccepted_pages), ULL(st1.free_accepted_pages),
			ULL(st1.free_unaccepted_pages));
		REQUIRE(S.rec.c.min_release_pages == UINT64_MAX ||
				S.rec.c.min_release_pages >= UINT64_C(1) << S.rel_min_order,
			"releaser released a block of %llu pages, min order %u",
			ULL(S.rec.c.min_release_pages), S.rel_min_order);
		/* Never below the floor: the low watermark plus the reserve. */
		lb_zone_watermarks(S.z, &w);
		if (pages + failed)
			REQUIRE(st1.free_accepted_pages >= sat_add(w.low, st1.reserve_pages),
				"releaser left %llu pages free accepted, floor %llu + %llu",
				ULL(st1.free_accepted_pages), ULL(w.low), ULL(st1.reserve_pages));
	}
}

static void op_page_state(struct in *in)
{
	unsigned sel = u8(in), y = u16(in);

	switch (sel % 4) {
	case 0:
		TRACE("sweep\n");
		sweep();
		break;
	case 1:
		if (S.nheld) {
			struct blk b = S.held[y % S.nheld];

			check_page(b.addr + (y >> 4) % (UINT64_C(1) << b.order) * PG);
		}
		break;
	case 2:
		check_page(S.base + (uint64_t)y * PG);
		check_page(S.base - (S.base >= PG ? PG : 0));
		break;
	default:
		REQUIRE(lb_zone_page_state(NULL, S.base) == LB_EINVAL, "page_state(NULL)");
		check_page(S.base + (uint64_t)y % S.npages * PG);
		break;
	}
}

static uint64_t meminfo_kb(const char *buf, const char *key)
{
	const char *p = strstr(buf, key);

	REQUIRE(p, "meminfo has no %s", key);
	return strtoull(p + strlen(key) + 1, NULL, 10);
}

static void op_meminfo(struct in *in)
{
	char buf[1024];
	unsigned sel = u8(in);
	size_t len = sel % 8 ? sizeof buf : sel % 64; /* some too short */
	struct lb_stats st;
	int need, rc;

	TRACE("meminfo into %zu bytes\n", len);
	stats(&st);
	need = lb_zone_meminfo(S.z, NULL, 0);
	REQUIRE(need > 0 && (size_t)need < sizeof buf, "meminfo needs %d", need);
	memset(buf, 'x', sizeof buf);
	rc = lb_zone_meminfo(S.z, buf, len);
	REQUIRE(rc == need, "meminfo into %zu: %d, needs %d", len, rc, need);
	if (len)
		REQUIRE(memchr(buf, 0, len) && (len == sizeof buf || buf[len] == 'x'),
			"meminfo overran %zu bytes", len);
	REQUIRE(lb_zone_meminfo(S.z, NULL, 5) == LB_EINVAL, "meminfo(NULL, 5)");
	REQUIRE(lb_zone_meminfo(NULL, buf, sizeof buf) == LB_EINVAL, "meminfo(NULL zone)");
	if (len < sizeof buf)
		return;
	REQUIRE(meminfo_kb(buf, "MemTotal:") == S.managed * 4 &&
			meminfo_kb(buf, "MemFree:") ==
				(st.free_accepted_pages + st.free_unaccepted_pages) * 4 &&
			meminfo_kb(buf, "Unaccepted:") == st.free_unaccepted_pages * 4 &&
			meminfo_kb(buf, "Quarantined:") == st.quarantined_pages * 4 &&
			meminfo_kb(buf, "InFlight:") == 0,
		"meminfo disagrees with the statistics:\n%s", buf);
}

/* Calls with bad arguments: refused, nothing changed. */
static void op_misc(struct in *in)
{
	unsigned sel = u8(in);
	struct lb_stats st0, st1, junk;
	struct lb_watermarks w;
	uint64_t addr;
	size_t size;

	TRACE("bad arguments\n");
	stats(&st0);
	REQUIRE(lb_strerror((int)(int8_t)sel) != NULL, "lb_strerror");
	REQUIRE(lb_policy_name((enum lb_policy)(sel % 10)) != NULL, "lb_policy_name");
	if (sel % 10 < LB_POLICY_COUNT)
		REQUIRE(lb_policy_parse(lb_policy_name((enum lb_policy)(sel % 10))) ==
				(int)(sel % 10), "lb_policy_parse");
	REQUIRE(lb_policy_parse("nope") == LB_EINVAL && lb_policy_parse(NULL) == LB_EINVAL,
		"lb_policy_parse(bad)");
	REQUIRE(lb_alloc(NULL, 0, 0, &addr) == LB_EINVAL, "lb_alloc(NULL)");
	REQUIRE(lb_alloc(S.z, 0, 0, NULL) == LB_EINVAL, "lb_alloc(NULL addr)");
	REQUIRE(lb_free(NULL, S.base, 0) == LB_EINVAL, "lb_free(NULL)");
	REQUIRE(lb_zone_accept(NULL, 0) == LB_EINVAL, "lb_zone_accept(NULL)");
	REQUIRE(lb_zone_setup_accept(NULL, 0) == LB_EINVAL, "lb_zone_setup_accept(NULL)");
	REQUIRE(lb_zone_set_policy(NULL, LB_POLICY_UNIT) == LB_EINVAL, "set_policy(NULL)");
	REQUIRE(lb_zone_set_policy(S.z, (enum lb_policy)-1) == LB_EINVAL, "set_policy(-1)");
	w = (struct lb_watermarks){ 0, 0, 0, 0 };
	REQUIRE(lb_zone_set_watermarks(NULL, &w) == LB_EINVAL, "set_watermarks(NULL)");
	REQUIRE(lb_zone_check(NULL, NULL, 0) == LB_EINVAL, "lb_zone_check(NULL)");
	REQUIRE(lb_zone_check(S.z, NULL, 0) == 0, "lb_zone_check(no message)");
	REQUIRE(lb_acceptor_step(NULL, S.now) == LB_EINVAL, "lb_acceptor_step(NULL)");
	REQUIRE(lb_releaser_step(NULL, S.now) == LB_EINVAL, "lb_releaser_step(NULL)");
	REQUIRE(lb_acceptor_config(NULL, NULL) == LB_EINVAL, "lb_acceptor_config(NULL)");
	REQUIRE(lb_releaser_config(NULL, NULL) == LB_EINVAL, "lb_releaser_config(NULL)");
	REQUIRE(lb_zone_meta_size(NULL, &size) == LB_EINVAL, "lb_zone_meta_size(NULL)");
	REQUIRE(lb_zone_meta_size(&S.cfg, NULL) == LB_EINVAL, "lb_zone_meta_size(cfg, NULL)");
	REQUIRE(lb_zone_init(NULL, S.meta, 1 << 20, &S.cfg) == LB_EINVAL, "lb_zone_init(NULL)");
	lb_zone_stats(NULL, &junk);
	lb_zone_fini(NULL);
#if FZ_CHECK_NULL_ARGS
	REQUIRE(lb_zone_policy(NULL) == LB_EINVAL, "lb_zone_policy(NULL)");
	REQUIRE(lb_zone_watermarks(NULL, &w) == LB_EINVAL, "lb_zone_watermarks(NULL, w)");
	REQUIRE(lb_zone_watermarks(S.z, NULL) == LB_EINVAL, "lb_zone_watermarks(z, NULL)");
	REQUIRE(lb_zone_stats(S.z, NULL) == LB_EINVAL, "lb_zone_stats(z, NULL)");
	REQUIRE(lb_zone_stats(NULL, &junk) == LB_EINVAL, "lb_zone_stats(NULL, st)");
#endif
	stats(&st1);
	REQUIRE(!memcmp(&st0, &st1, sizeof st0), "calls with bad arguments changed the zone");
}

/* Change which backend calls fail, mid-run. */
static void op_knobs(struct in *in)
{
	unsigned a = u8(in), b = u8(in);

	S.rec.accept_fail_pat = a & 0x80 ? a : 0;
	S.rec.release_fail_pat = b & 0x80 ? b : 0;
	S.fault.fail_every = a & 0x80 ? 0 : a % 5;
	S.fault.fail_addr = b & 0x40 ? S.base + (uint64_t)(b & 0x3f) * 128 * PG : UINT64_MAX;
	TRACE("knobs: accept pattern 0x%x release pattern 0x%x fault every %llu addr 0x%llx\n",
	      S.rec.accept_fail_pat, S.rec.release_fail_pat, ULL(S.fault.fail_every),
	      ULL(S.fault.fail_addr));
}

/* ---------------------------------------------------------------- set-up */

static uint64_t size_pages(unsigned s)
{
	switch (s >> 6) {
	case 0: /* a few pages: below any unit */
		return 1 + (s & 63);
	case 1: /* 256 KiB steps, some off by 3 pages */
		return 64 * (1 + (uint64_t)(s & 15)) + (s & 16 ? 3 : 0);
	case 2: /* whole 2 MiB units */
		return 512 * (1 + (uint64_t)(s & 7));
	default: /* sections, some with a ragged end */
		return SEC * (1 + (uint64_t)(s & 3)) + (uint64_t)(s >> 2 & 15) * 16;
	}
}

static uint64_t gap_pages(unsigned g)
{
	switch (g >> 6) {
	case 0:
		return 0;
	case 1:
		return 1 + (g & 63);
	case 2:
		return 512 * (1 + (uint64_t)(g & 1));
	default:
		return (uint64_t)(g & 15) * 16;
	}
}

/* Configurations lb_zone_meta_size() and lb_zone_init() must refuse. */
static void bad_configs(unsigned sel, size_t meta_size)
{
	struct lb_range r[MAX_RANGES + 1];
	struct lb_config cfg = S.cfg;
	size_t size;
	int want, rc;

	memcpy(r, S.map, S.nmap * sizeof r[0]);
	cfg.ranges = r;
	switch (sel % 9) {
	case 0:
		r[S.nmap] = r[0]; /* overlaps itself */
		cfg.nranges = S.nmap + 1;
		want = LB_EOVERLAP;
		break;
	case 1:
		r[0].start += 8;
		want = LB_EALIGN;
		break;
	case 2:
		r[0].size = 0;
		want = LB_EINVAL;
		break;
	case 3:
		r[0].start = UINT64_MAX & ~(PG - 1);
		r[0].size = 2 * PG; /* wraps */
		want = LB_ERANGE;
		break;
	case 4:
		cfg.unit = sel & 0x10 ? 3 * PG : 8 << 20;
		want = LB_EUNIT;
		break;
	case 5:
		if (sel & 0x10)
			cfg.policy = LB_POLICY_COUNT;
		else
			cfg.flags |= 0x100;
		want = LB_EINVAL;
		break;
	case 6:
		cfg.flags |= LB_CFG_WMARK;
		cfg.wmark = (struct lb_watermarks){ 2, 1, 3, 4 };
		want = LB_EINVAL;
		break;
	case 7:
		if (sel & 0x10) {
			cfg.nranges = 0;
			want = LB_EEMPTY;
		} else {
			cfg.ranges = NULL;
			want = LB_EINVAL;
		}
		break;
	default:
		cfg.backend.ops = NULL;
		want = LB_EINVAL;
		break;
	}
	TRACE("bad config %u: expect %d\n", sel % 9, want);
	rc = lb_zone_meta_size(&cfg, &size);
	REQUIRE(rc == want, "meta_size of bad config %u: %d, expected %d", sel % 9, rc, want);
	rc = lb_zone_init(&S.z, S.meta, meta_size, &cfg);
	REQUIRE(rc == want, "init of bad config %u: %d, expected %d", sel % 9, rc, want);
	/* A good config in a short or misaligned buffer. */
	REQUIRE(lb_zone_init(&S.z, S.meta, meta_size - 1, &S.cfg) == LB_ENOSPACE,
		"init in a short buffer");
	REQUIRE(lb_zone_init(&S.z, (char *)S.meta + 8, meta_size, &S.cfg) == LB_ENOSPACE,
		"init in a misaligned buffer");
	S.z = NULL;
}

static bool setup(struct in *in)
{
	unsigned h0 = u8(in), h1 = u8(in), h2 = u8(in), h3 = u8(in), h4 = u8(in), h5 = u8(in);
	unsigned flags = LB_CFG_SHADOW, nr = 1 + (h5 & 7) % MAX_RANGES, rot;
	uint64_t base_pages = (h5 >> 3 & 3) * SEC + (h5 & 0x20 ? UINT64_C(1) << 18 : 0);
	uint64_t cur = base_pages, lo = UINT64_MAX, hi = 0;
	struct lb_range tmp[MAX_RANGES];
	struct lb_backend inner = { 0 };
	struct lb_stats st;
	size_t size;
	int rc;

	S.policy = (int)((h0 & 0x3f) % LB_POLICY_COUNT);
	flags |= h0 & 0x40 ? LB_CFG_SETUP_LATER : 0;
	flags |= h0 & 0x80 ? LB_CFG_WMARK : 0;

	/* The map: ranges in address order with gaps, then rotated. */
	for (unsigned i = 0; i < nr; i++) {
		uint64_t gap = gap_pages(u8(in)), sz = size_pages(u8(in));
		unsigned t = u8(in) % 4;

		if (cur + gap + sz > base_pages + MAX_SPAN_PAGES)
			break;
		S.map[S.nmap++] = (struct lb_range){ (cur + gap) * PG, sz * PG,
						     t == 0 ? LB_MEM_ACCEPTED
						     : t == 3 ? LB_MEM_RESERVED
							      : LB_MEM_UNACCEPTED };
		cur += gap + sz;
	}
	rot = S.nmap ? (h5 >> 6) % S.nmap : 0;
	for (size_t i = 0; i < S.nmap; i++)
		tmp[i] = S.map[(i + rot) % S.nmap];
	memcpy(S.map, tmp, S.nmap * sizeof tmp[0]);
	for (size_t i = 0; i < S.nmap; i++) {
		if (S.map[i].type == LB_MEM_RESERVED)
			continue;
		lo = S.map[i].start < lo ? S.map[i].start : lo;
		hi = S.map[i].start + S.map[i].size > hi ? S.map[i].start + S.map[i].size : hi;
		S.managed += S.map[i].size / PG;
	}

	S.cfg.ranges = S.map;
	S.cfg.nranges = S.nmap;
	S.cfg.unit = h1 % 12 == 11 ? 0 : PG << (h1 % 12); /* 0: the default */
	S.unit_pages = S.cfg.unit ? S.cfg.unit / PG : LB_UNIT_DEFAULT / PG;
	S.cfg.policy = (enum lb_policy)S.policy;
	S.cfg.flags = flags;
	if (flags & LB_CFG_WMARK) {
		struct lb_watermarks *w = &S.cfg.wmark;

		w->min = u8(in);
		w->low = w->min + u8(in);
		w->high = w->low + u8(in);
		w->promo = w->high + u8(in);
#if FZ_CHECK_WMARK_EXTREMES
		if (h4 & 0x40)
			*w = (struct lb_watermarks){ UINT64_MAX, UINT64_MAX, UINT64_MAX, UINT64_MAX };
#endif
	}
	TRACE("zone: policy %s unit %llu flags 0x%x backend mode %u patterns 0x%x/0x%x\n",
	      lb_policy_name((enum lb_policy)S.policy), ULL(S.unit_pages * PG), flags, h2 & 3,
	      h3, h4);
	for (size_t i = 0; i < S.nmap; i++)
		TRACE("  range [0x%llx, 0x%llx) %s\n", ULL(S.map[i].start),
		      ULL(S.map[i].start + S.map[i].size),
		      S.map[i].type == LB_MEM_ACCEPTED	 ? "accepted"
		      : S.map[i].type == LB_MEM_RESERVED ? "reserved"
							 : "unaccepted");

	/* The recording backend over the span; firmware-accepted pages are
	 * accepted from the start. */
	S.rec.accept_fail_pat = h3 & 0x80 ? h3 : 0;
	S.rec.release_fail_pat = h4 & 0x80 ? h4 : 0;
	switch (h2 & 3) {
	case 1: /* the fault backend over null, failing every n-th call */
		lb_null_backend_init(&S.null, &inner);
		lb_fault_backend_init(&S.fault, inner, &S.rec.inner);
		S.fault.fail_every = h2 >> 2 & 7;
		break;
	case 2: { /* the fault backend over the tdx model, failing one address */
		struct lb_model_params p;

		lb_model_preset("tdx", &p);
		lb_model_backend_init(&S.model, &p, &inner);
		lb_fault_backend_init(&S.fault, inner, &S.rec.inner);
		break;
	}
	default:
		break;
	}
	S.cfg.backend.ops = (h2 & 3) == 3 ? &rec_ops_norelease : &rec_ops;
	S.cfg.backend.ctx = &S.rec;

	if (!S.managed) {
		rc = lb_zone_meta_size(&S.cfg, &size);
		REQUIRE(rc == LB_EEMPTY, "a map with no managed memory: %d", rc);
		return false;
	}
	S.base = lo / PG / SEC * SEC * PG;
	S.npages = hi / PG - S.base / PG;
	S.rec.base = S.base;
	S.rec.npages = S.npages;
	for (size_t i = 0; i < S.nmap; i++) {
		uint64_t s = pidx(S.map[i].start), n = S.map[i].size / PG;

		if (S.map[i].type == LB_MEM_RESERVED)
			continue;
		memset(S.managed_map + s, 1, n);
		if (S.map[i].type == LB_MEM_ACCEPTED)
			bits_assign(S.rec.acc, s, n, 1);
	}
	if ((h2 & 3) == 2 && (h2 & 0x80))
		S.fault.fail_addr = S.base + (uint64_t)(h2 >> 2) * 97 % S.npages * PG;

	rc = lb_zone_meta_size(&S.cfg, &size);
	REQUIRE(rc == 0, "lb_zone_meta_size: %d", rc);
	REQUIRE(!posix_memalign(&S.meta, 64, size), "out of memory");
	memset(S.meta, 0xa5, size); /* the zone must not rely on zeroed metadata */
	if (h1 >= 0xf0)
		bad_configs(h1 >> 1 ^ h0, size);
	S.rec.zone = S.meta; /* where lb_zone_init() puts the zone */
	rc = lb_zone_init(&S.z, S.meta, size, &S.cfg);
	REQUIRE(rc == 0, "lb_zone_init: %d (%s)", rc, lb_strerror(rc));
	S.rel_min_order = 9;
	verify();
	stats(&st);
	if (S.policy == LB_POLICY_EAGER && !(flags & LB_CFG_SETUP_LATER) && !S.rec.c.accept_fail)
		REQUIRE(!st.free_unaccepted_pages, "eager set-up left %llu pages unaccepted",
			ULL(st.free_unaccepted_pages));
	REQUIRE(st.setup_accepted_pages == st.accepted_pages,
		"set-up accepted %llu pages, counted %llu as set-up", ULL(st.accepted_pages),
		ULL(st.setup_accepted_pages));
	return true;
}

/* Give everything back; the zone must be whole again. */
static void finish(void)
{
	struct lb_stats st;

	cur_op = 0;
	TRACE("finish: %zu blocks held\n", S.nheld);
	for (unsigned s = 0; s < NCACHE; s++)
		if (S.live[s]) {
			lb_cache_fini(S.cache[s]);
			S.live[s] = false;
		}
	verify();
	while (S.nheld) {
		struct blk b = S.held[S.nheld - 1];
		int rc = lb_free(S.z, b.addr, b.order);

		REQUIRE(rc == 0, "final free of 0x%llx order %u: %d", ULL(b.addr), b.order, rc);
		drop(S.nheld - 1);
	}
	verify();
	sweep();
	stats(&st);
	REQUIRE(!st.allocated_pages && !st.cached_pages &&
			st.free_accepted_pages + st.free_unaccepted_pages + st.quarantined_pages ==
				S.managed,
		"after everything was freed: allocated %llu cached %llu", ULL(st.allocated_pages),
		ULL(st.cached_pages));
	lb_zone_fini(S.z);
	S.z = NULL;
	free(S.meta);
	S.meta = NULL;
}

void fz_reset(void)
{
	/* After a broken check the zone is abandoned, not finished: its lock
	 * is free (checks run between calls), only the buffer is ours. */
	free(S.meta);
	S.meta = NULL;
	S.z = NULL;
	for (unsigned s = 0; s < NCACHE; s++) /* its caches point at it */
		if (cache_mem[s])
			memset(cache_mem[s], 0, lb_cache_size());
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct in in = { data, size, 0 };
	uint64_t h = UINT64_C(1469598103934665603);
	unsigned ops = 0;

	if (!cache_mem[0])
		for (unsigned s = 0; s < NCACHE; s++)
			if (posix_memalign(&cache_mem[s], 64, lb_cache_size() + 64))
				abort();
	free(S.meta);
	memset(&S, 0, sizeof S);
	for (size_t i = 0; i < size; i++)
		h = (h ^ data[i]) * UINT64_C(1099511628211);
	S.rnd = h;
	total_inputs++;
	cur_op = 0;
	if (!setup(&in))
		return 0;
	while (in.i < in.n && ops < MAX_OPS) {
		unsigned op = u8(&in);

		cur_op = ++ops;
		total_ops++;
		switch (op % 20) {
		case 0:
		case 1:
		case 2:
			op_alloc(&in, false, op & 0x80);
			break;
		case 3:
			op_alloc(&in, true, op & 0x80);
			break;
		case 4:
		case 5:
			op_free(&in, op & 0x80);
			break;
		case 6:
			op_bad_free(&in);
			break;
		case 7:
		case 8:
			op_cache(&in);
			break;
		case 9:
			op_accept(&in);
			break;
		case 10:
			op_setup_accept(&in);
			break;
		case 11:
			op_policy(&in);
			break;
		case 12:
			op_watermarks(&in);
			break;
		case 13:
		case 14:
			op_acceptor(&in);
			break;
		case 15:
		case 16:
			op_releaser(&in);
			break;
		case 17:
			op_page_state(&in);
			break;
		case 18:
			op_meminfo(&in);
			break;
		default:
			if (op & 0x80)
				op_knobs(&in);
			else
				op_misc(&in);
			break;
		}
		verify();
	}
	finish();
	return 0;
}
