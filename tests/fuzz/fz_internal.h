/* SPDX-License-Identifier: MIT */
/*
 * The fuzz target's private header: what its files share. One input's
 * state (S) is a global because every check compares the zone with it;
 * everything a single file needs stays static there.
 *
 *   fuzz_zone.c       the entry point, the input format, reporting
 *   fuzz_backend.c    the recording backend that fails chosen calls
 *   fuzz_model.c      the model's state and its checks (verify, take, drop)
 *   fuzz_ops_alloc.c  operations on blocks: allocations, frees, caches
 *   fuzz_ops_zone.c   operations on the zone: accept, policy, watermarks,
 *                     the background steps, queries, bad arguments
 *   fuzz_setup.c      set-up from the input's header, bad configurations,
 *                     the final tear-down
 */
#ifndef LB_FZ_INTERNAL_H
#define LB_FZ_INTERNAL_H

#include "fuzz.h"

#include "lazybuddy.h"
#include "lazybuddy_backends.h"

#include "../../src/internal.h" /* the lock (I6 probe), shadow, descriptors */

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define PG LB_PAGE_SIZE
#define SEC SECTION_PAGES
#define MAX_SPAN_PAGES (8 * SEC) /* 32 MiB: every check stays cheap */
#define MAX_RANGES 5
#define MAX_OPS 1500
#define NCACHE 32 /* (sel >> 3) picks one: tags (31) shared and reused */
#define NFREED 16

/* ------------------------------------------------------------ reporting */

/* Set by the driver's -t (fz_set_trace). */
extern int fz_trace_on;

/* A broken check: report it, then the driver's handler or abort(). */
__attribute__((format(printf, 1, 2), noreturn)) void fz_fail(const char *fmt, ...);

#define REQUIRE(c, ...)                       \
	do {                                  \
		if (__builtin_expect(!(c), 0)) \
			fz_fail(__VA_ARGS__); \
	} while (0)

#define TRACE(...)                                    \
	do {                                          \
		if (fz_trace_on)                      \
			fprintf(stderr, __VA_ARGS__); \
	} while (0)

#define ULL(x) ((unsigned long long)(x))

/* ---------------------------------------------------------------- input */

struct in {
	const uint8_t *p;
	size_t n, i;
};

static inline unsigned u8(struct in *in)
{
	return in->i < in->n ? in->p[in->i++] : 0;
}

static inline unsigned u16(struct in *in)
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

extern const struct lb_backend_ops rec_ops, rec_ops_norelease;
/* Did the backend accept all n pages from page idx? */
bool rec_all(const struct rec *r, uint64_t idx, uint64_t n);

/* ---------------------------------------------------- the model's state */

struct blk {
	uint64_t addr;
	unsigned order;
};

struct fz {
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
};

/* One input's state, zeroed before each input (fuzz_model.c). */
extern struct fz S;

/* The failed calls one public call may make: its budget, plus, once the
 * zone's suspects are all taken, log2 of the range in pages, once (a
 * block: 4 MiB at most; a run or a set-up piece: 1 GiB; an acceptor
 * batch: 16 MiB, FZ_PASS_PAGES). An acceptor pass's budget is one call
 * (fz_pass_failed_bound). */
static inline uint64_t fz_failed_bound_of(uint64_t budget, uint64_t range_pages)
{
	uint64_t b = budget;

	for (uint64_t n = 1; n < range_pages; n *= 2)
		b++;
	return b;
}

static inline uint64_t fz_failed_bound(uint64_t range_pages)
{
	return fz_failed_bound_of(FZ_MAX_FAILED_CALLS, range_pages);
}

static inline uint64_t fz_pass_failed_bound(uint64_t range_pages)
{
	return fz_failed_bound_of(1, range_pages);
}
#define FZ_BLOCK_PAGES (UINT64_C(1) << LB_MAX_ORDER)
#define FZ_RUN_PAGES (UINT64_C(1) << (30 - LB_PAGE_SHIFT))
#define FZ_PASS_PAGES (UINT64_C(16) << (20 - LB_PAGE_SHIFT)) /* an acceptor batch */
/* The caches' memory: allocated once, outlives the inputs. */
extern void *cache_mem[NCACHE];

uint64_t pidx(uint64_t addr);
bool in_span(uint64_t addr);
void stats(struct lb_stats *st);

/* ------------------------------------------------------------- checks */

/* Per page of the span, its state (enum lb_page_state) from the zone's
 * descriptors, walked as the checker walks them: cheap enough for every
 * step, and checked against lb_zone_page_state() on samples. */
void state_map(uint8_t *m);
/* Is there an aligned run of 2^order pages whose states are all in mask
 * (FA: free accepted, FU: free unaccepted)? */
#define FA (1u << LB_PAGE_FREE_ACCEPTED)
#define FU (1u << LB_PAGE_FREE_UNACCEPTED)
bool free_run(const uint8_t *m, unsigned order, unsigned mask);
/* Page addr's state from the zone, against the model. */
void check_page(uint64_t addr);
/* Every page of the span against the model and the statistics. */
void sweep(void);
/* After every step. */
void verify(void);
/* A block just handed out: the model takes it. */
void take(uint64_t addr, unsigned order, const char *who);
/* The model gives up held block k (freed). */
void drop(size_t k);
/* Cache sel % NCACHE, or NULL when it is not live. */
struct lb_cache *pick_cache(unsigned sel);

/* ---------------------------------------------------------- operations */

/* Each reads its arguments from the input, makes its calls and checks
 * the answers; the entry point verifies the whole zone after each. */
void op_alloc(struct in *in, bool cached, bool burst);
void op_free(struct in *in, bool burst);
void op_bad_free(struct in *in);
void op_cache(struct in *in);
void op_accept(struct in *in);
void op_setup_accept(struct in *in);
void op_policy(struct in *in);
void op_watermarks(struct in *in);
void op_acceptor(struct in *in);
void op_releaser(struct in *in);
void op_page_state(struct in *in);
void op_meminfo(struct in *in);
void op_misc(struct in *in);
void op_knobs(struct in *in);

/* ---------------------------------------------------------------- set-up */

/* The zone from the input's header; false when the map manages nothing. */
bool setup(struct in *in);
/* Give everything back; the zone must be whole again. */
void finish(void);

#endif
