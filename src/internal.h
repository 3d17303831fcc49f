/* SPDX-License-Identifier: MIT */
/*
 * Private definitions shared by the core's source files.
 *
 * Memory is described in page indices relative to base_pfn, which is
 * aligned to a section (one max-order block, 1024 pages), so that buddy
 * arithmetic on indices equals buddy arithmetic on physical addresses.
 *
 * Out-of-band metadata, all inside the caller's buffer:
 *   pages[]   one 12-byte descriptor per page; only the first page (head)
 *             of a block carries kind and order, the others are K_NONE;
 *   pristine  one bit per section: free, unaccepted, never touched. Such a
 *             section is a free max-order block that is on no list and
 *             whose descriptors have never been written;
 *   active    one bit per section: its descriptors are valid. A section is
 *             activated (descriptors zeroed) the first time any block in it
 *             is formed, so set-up never writes per-page metadata for
 *             memory that has never been accepted;
 *   fresh     one bit per page: accepted by the zone, not handed out since
 *             (over-acceptance);
 *   shadow    one bit per page: accepted (LB_CFG_SHADOW only), the record
 *             the checker trusts to catch double accepts and unaccepted
 *             hand-outs.
 * fresh and shadow bits of a section are valid only while it is active.
 *
 * Naming: functions shared between the core's files carry the private
 * prefix lbi_ (never exported: src/lazybuddy.map exports lb_* alone);
 * the rest are static.
 *
 * Locking: z->lock protects everything in the zone; it is taken and
 * dropped only through zone_lock() and zone_unlock(). Every lbi_ function,
 * and every static function of the core, expects it held unless its
 * comment says otherwise (Linux marks these "__name"; that prefix is
 * reserved to the C implementation); debug builds assert it
 * (LB_ASSERT_LOCKED). Backend calls are made with it dropped: the block
 * is first marked K_INFLIGHT, so no other thread can take or merge it
 * (inflight.c).
 */
#ifndef LB_INTERNAL_H
#define LB_INTERNAL_H

#include "lazybuddy.h"
#include "platform.h"
#include "bitmap.h"

#include <stdbool.h>
#include <stddef.h>

#ifdef LB_FREESTANDING
/* All the core needs of a C library, which compilers may also emit calls
 * to; the embedder supplies them (C11 7.1.4 lets a program declare them). */
void *memset(void *s, int c, size_t n);
void *memcpy(void *restrict dst, const void *restrict src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
#else
#include <string.h>
#endif

#ifndef LB_DEBUG
#define LB_DEBUG 0 /* 1: internal assertions; 2: also the full checker, often */
#endif

/* Assertions: LB_ASSERT is cheap and always on; LB_DBG_ASSERT is internal. */
#if defined(LB_FREESTANDING)
#define lb_panic(msg) __builtin_trap()
#else
#include <stdio.h>
#include <stdlib.h>
#define lb_panic(msg)                                                            \
	do {                                                                     \
		fprintf(stderr, "lazybuddy: %s:%d: %s\n", __FILE__, __LINE__, msg); \
		abort();                                                         \
	} while (0)
#endif
#define LB_ASSERT(c)                                \
	do {                                        \
		if (__builtin_expect(!(c), 0))      \
			lb_panic("assertion " #c);  \
	} while (0)
#if LB_DEBUG >= 1
#define LB_DBG_ASSERT(c) LB_ASSERT(c)
#else
#define LB_DBG_ASSERT(c) ((void)0)
#endif

#define LB_ZONE_MAGIC UINT64_C(0x6c617a7962756479) /* "lazybudy" */
/* Page indices are 32-bit: a zone spans 2^32 pages (LB_ZONE_MAX_SPAN) at
 * most, and then every 32-bit value is a page. So no link value can mean
 * "none": a free list ends in a link to the block itself (pg_next()), and
 * positions kept in 64 bits (list ends, cursors) use LB_NIL. */
#define ZONE_MAX_PAGES (LB_ZONE_MAX_SPAN >> LB_PAGE_SHIFT)
#define LB_NIL UINT64_MAX
#define SECTION_ORDER LB_MAX_ORDER
#define SECTION_PAGES (UINT64_C(1) << SECTION_ORDER)
#define NR_ORDERS (LB_MAX_ORDER + 1)
#define BLOCK_ORDER_MAX (21 - LB_PAGE_SHIFT) /* 2 MiB: adaptive's largest block */
#define ACCEPT_RUN_SECTIONS 256 /* batch limit for runs of sections: 1 GiB */
/* Failed backend calls one operation may make (retry.c): an allocation,
 * an acceptor pass, a call of lb_zone_accept() or lb_zone_setup_accept()
 * (and a switch to eager, a piece of set-up). */
#define ALLOC_FAILS 4
#define PASS_FAILS 1
#define CALL_FAILS 4
#define NR_SUSPECTS 16 /* failed ranges remembered, not passed whole again */

/* What a head descriptor says about its block. The states and every
 * transition between them: docs/protocol.md (tests/state_table.sh checks
 * it against this enum and the functions it names). */
enum { K_NONE = 0, K_FREE, K_ALLOC, K_INFLIGHT, K_QUARANTINE, K_CACHED };
/* The acceptance state of a free block. */
enum { S_ACCEPTED = 0, S_UNACCEPTED = 1 };

struct lb_page {
	uint32_t next, prev; /* free list links (page index); a link to itself ends */
	union {
		struct {
			uint8_t kind;  /* K_* */
			uint8_t order;
		};
		uint16_t kind_order; /* both at once, for pg_claim() */
	};
	uint8_t state;       /* S_*, for K_FREE */
	uint8_t flags;       /* F_* and a tag, for K_FREE; cleared when it joins a list */
};

_Static_assert(sizeof(struct lb_page) == 12, "page descriptor size");
_Static_assert(offsetof(struct lb_page, kind) == offsetof(struct lb_page, kind_order) &&
		       offsetof(struct lb_page, order) == offsetof(struct lb_page, kind) + 1,
	       "pg_pair: kind, then order");

#define F_SEEN 0x1 /* the releaser saw this free block on its last pass */
/* The rest of flags: the tag of the cache whose refill split this free
 * block off (a half left over) or that drained it, 0 for none. Other
 * caches' refills take such a block only when no untagged block, one of
 * their own or a finished cache's fits (lbi_take_free_near): a CPU's
 * batches then come from blocks it split, not interleaved with another
 * CPU's, whose descriptors its caches would keep taking lines of. */
#define F_TAG_SHIFT 1
#define TAG_COUNT 127 /* tags 1..127: caches beyond share them */

static inline unsigned pg_tag(const struct lb_page *p)
{
	return p->flags >> F_TAG_SHIFT;
}

/* The flags of a free block tagged tag (F_SEEN clear: it just joined). */
static inline uint8_t tag_flags(unsigned tag)
{
	return (uint8_t)(tag << F_TAG_SHIFT);
}

/* The tag t of a free block, from a cache that is still there: its owner
 * may come back for it. */
#define TAG_LIVE(z, t) ((z)->tag_users[t] != 0)

/*
 * kind is the one descriptor field changed without the zone lock: a
 * per-CPU cache flips its own blocks between K_CACHED and K_ALLOC, and a
 * free claims a block with pg_claim(), which matches kind and order in
 * one compare-and-swap (a check of the order apart from the claim would
 * let a stale free claim a block reallocated meanwhile at another order).
 * Every access that can race with those goes through these (relaxed
 * atomics; the zone lock orders everything else).
 */
#define ORDER_UNSET 0xff /* a block just made K_ALLOC, before pg_set_order() */

/* A slow path kept out of line, so that the fast path around it needs no
 * more registers than its own work (no pushes on every call). */
#define LB_COLD __attribute__((noinline, cold))

/* A fast path with two entries (the public one, which checks its
 * argument, and the library's own): inlined into both, not called. */
#define LB_HOT_INLINE inline __attribute__((always_inline))

/* kind_order as a value: kind is its first byte in memory. Arithmetic,
 * not a type pun through a struct on the stack: two byte stores read back
 * as one word miss store forwarding, on every free. */
static inline uint16_t pg_pair(unsigned kind, unsigned order)
{
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	return (uint16_t)(kind << 8 | order);
#else
	return (uint16_t)(order << 8 | kind);
#endif
}

static inline unsigned pg_kind(const struct lb_page *p)
{
	return __atomic_load_n(&p->kind, __ATOMIC_RELAXED);
}

/* order as read where a claim (pg_claim) may meet it: any head. */
static inline unsigned pg_order(const struct lb_page *p)
{
	return __atomic_load_n(&p->order, __ATOMIC_RELAXED);
}

/* Making a block K_ALLOC unsets its order in the same store: its order
 * comes next (pg_set_order(), as inflight.c's mark does), and in between
 * no claim may match the order the block had before. */
static inline void pg_set_kind(struct lb_page *p, unsigned kind)
{
	if (kind == K_ALLOC)
		__atomic_store_n(&p->kind_order, pg_pair(K_ALLOC, ORDER_UNSET), __ATOMIC_RELAXED);
	else
		__atomic_store_n(&p->kind, (uint8_t)kind, __ATOMIC_RELAXED);
}

static inline void pg_set_order(struct lb_page *p, unsigned order)
{
	__atomic_store_n(&p->order, (uint8_t)order, __ATOMIC_RELAXED);
}

static inline void pg_set_kind_order(struct lb_page *p, unsigned kind, unsigned order)
{
	__atomic_store_n(&p->kind_order, pg_pair(kind, order), __ATOMIC_RELAXED);
}

/* {from, order} becomes {to, order} in one step, or nothing happens. It
 * looks first, so a refused free only reads the descriptor. */
static inline bool pg_claim(struct lb_page *p, unsigned from, unsigned to, unsigned order)
{
	uint16_t expect = pg_pair(from, order);

	return __atomic_load_n(&p->kind_order, __ATOMIC_RELAXED) == expect &&
	       __atomic_compare_exchange_n(&p->kind_order, &expect, pg_pair(to, order), false,
					   __ATOMIC_RELAXED, __ATOMIC_RELAXED);
}

/*
 * A broken invariant, as the checker finds it or the shadow record notes
 * it on the fly: a code, the invariant, and the numbers its message shows
 * (v[], in the message's order). The core keeps no text, so freestanding
 * builds need no printf; lbi_finding_text() (format.c) writes it.
 */
enum {
	FIND_NONE = 0,
	FIND_MISPLACED,      /* I4: v0 block, v1 order */
	FIND_INNER_HEAD,     /* I4: v0 page, v1 the block it is inside */
	FIND_BAD_STATE,      /* I4: v0 free block */
	FIND_UNMERGED,       /* I5: v0, v1 free buddies, v2 order */
	FIND_FREE_UNACC,     /* I1: v0 free block marked accepted */
	FIND_FREE_ACC,       /* I2: v0 free block marked unaccepted */
	FIND_ALLOC_UNACC,    /* I1: v0 allocated block */
	FIND_BAD_KIND,       /* I4: v0 page, v1 kind */
	FIND_PRISTINE,       /* I4: v0 pristine section misfiled */
	FIND_LIST_OUTSIDE,   /* I4: v0 state, v1 order */
	FIND_LIST_CORRUPT,   /* I4: v0 state, v1 order, v2 block */
	FIND_LIST_COUNT,     /* I4: v0 state, v1 order, v2 listed, v3 found */
	FIND_COUNTERS,       /* I4: the walk's free v0/v1, allocated v2 (cached v3),
				in flight v4, quarantined v5, fresh v6 */
	FIND_CURSOR,         /* I4: v0 the releaser's position, v1 its order */
	FIND_ACC_INFLIGHT,   /* I4: v0 the acceptor's pages in flight, v1 the zone's */
	FIND_PAGE_SUM,       /* I4: v0 pages accounted for, v1 managed */
	FIND_NOTE_ACCEPT,    /* I2: accept of accepted pages [v0, v1), refused */
	FIND_NOTE_RELEASE,   /* I2: release of unaccepted pages [v0, v1) */
	FIND_NOTE_HANDOUT,   /* I1: hand-out of unaccepted pages [v0, v1), refused */
	FIND_COUNT
};
#define FIND_VALUES 7

struct finding {
	unsigned code; /* FIND_* */
	unsigned inv;  /* the invariant broken, 1-6 */
	uint64_t v[FIND_VALUES];
};

/*
 * The acceptor's or the releaser's threads (thread.c), where the platform
 * has threads. ctl is held across a whole start and a whole stop, so
 * concurrent calls take turns; a thread sleeps on cv between passes, and
 * stop wakes it.
 */
#ifdef LB_PLATFORM_THREADS
struct lb_worker {
	lb_lock_t ctl;
	lb_lock_t mu;      /* guards stop, for cv */
	lb_wait_t cv;
	lb_task_t thread[LB_ACCEPTOR_MAX_THREADS];
	unsigned nthreads; /* running, under ctl */
	int stop;          /* written under mu, read atomically */
};
#else
struct lb_worker {
	int none;
};
#endif

/* What demand.c, scale.c and keep.c keep: the allocation rate and its
 * predictors, the acceptor's passes (SCALE's windows and the throughput
 * seen per count of passes allowed) and rests, the releaser's view. */
struct lb_demand {
	uint64_t rate_pps, trend_pps, peak_pps, pred_pps; /* pages per second */
	uint64_t last_ns, last_pages;  /* the rate window's start */
	uint64_t pred_ns, pred_pages;  /* the predictors' window's start */
	/* the rest (lbi_acceptor_resting): a step found nothing to do with
	 * rest_out pages handed out, and finds the same until rest_until;
	 * rest_seen is the latest clock a look found it still on */
	bool rest_on, rested;          /* resting; since rest_ns, not yet woken */
	uint64_t rest_ns, rest_out, rest_until, rest_seen;
	unsigned started;              /* threads lb_acceptor_start() started */
	unsigned passes;               /* acceptor passes in flight */
	unsigned active, ceiling;      /* passes allowed at once; most worth trying */
	unsigned active_peak;          /* the most active has been */
	uint64_t ceiling_ns;           /* when the ceiling was found */
	uint64_t pass_ns;              /* an acceptor pass, measured */
	uint64_t passes_done;
	uint64_t win_t0, win_pages0, win_done0;
	unsigned win_k, prev_k;        /* passes allowed in this window, the last */
	bool win_behind;
	uint64_t tput[LB_ACCEPTOR_MAX_THREADS + 1]; /* acceptor pages/s with k allowed */
	/* the largest order handed out, this PEAK_DECAY_NS window and the
	 * last, and since the last sample */
	unsigned char big_order, big_order_last, big_new;
	uint64_t big_t0;
	/* the releaser's (lbi_demand_use_pass) */
	uint64_t use_peak, use_peak_last; /* most pages out since the last pass, before */
	uint64_t use_hold;                /* the peak, forgotten slowly */
	bool forgetting;                  /* after a phase's end, until a new peak */
	uint64_t accepted_last;           /* accepted_pages at the last pass */
	uint64_t reserve_peak, reserve_peak_last; /* the reserve at its highest, likewise */
	uint64_t reserve_max;             /* and ever (lb_stats) */
	uint64_t use_passes;
	unsigned quiet_run, quiet_need;   /* quiet passes in a row; needed to release */
	bool released_last;               /* the last pass released */
};

struct free_area {
	uint64_t head, tail; /* LB_NIL: empty */
	uint64_t nr; /* blocks on the list */
};

/* What a policy does, one row each (policy.c, lbi_policies): the rest of
 * the library reads the row, never the policy's name. */
enum demand_accept {
	DEMAND_LARGEST,  /* the largest free unaccepted block (eager, linux) */
	DEMAND_UNIT,     /* the smallest of at least one unit and the request */
	DEMAND_EXACT,    /* just the request */
	DEMAND_CHEAPEST, /* what costs least per page (lbi_adaptive_want) */
};
struct lbi_policy {
	const char *name;
	unsigned char on_demand; /* DEMAND_*: an allocation that finds no
				    accepted memory accepts this */
	bool at_setup;           /* everything at set-up and on a switch to it */
	bool top_up;             /* each allocation tops free accepted memory
				    up to the promo watermark; set-up leaves
				    unaccepted only whole sections (Linux) */
	bool threads;            /* acceptor threads keep a reserve ahead of
				    demand (lb_policy_runs_acceptor) */
	bool adapts;             /* reserve, horizon, passes, sizes measured
				    (demand.c, LB_ADAPT_*); else the
				    acceptor's configuration, fixed */
};
extern const struct lbi_policy lbi_policies[LB_POLICY_COUNT];


struct lb_zone {
	/* Read on every operation, written only at set-up: apart from the
	 * lock and the counters, so that one CPU's trip to the zone lock
	 * does not take these lines from the others' fast paths. */
	uint64_t magic;
	/* what every operation reads first, at the start */
	unsigned ncpu;           /* the CPU lists (cpulist.c) */
	unsigned unit_order;
	struct cpu_list *cpu;
	uint64_t base_pfn;       /* section-aligned */
	uint64_t span_pages;     /* from base_pfn to the end of the highest range */
	struct lb_page *pages;   /* metadata, in the caller's buffer */
	uint64_t *active;
	uint64_t nsections;
	uint64_t managed_pages;
	uint64_t *pristine, *fresh, *shadow;
	uint64_t cache_max;      /* pages a cache may hold (cache.c) */

	/* The lock starts a line, so that no line holds both it and the
	 * fields above, with what every trip to the zone writes: taking the
	 * lock brings them to the CPU. The zone starts a line too (zone.c). */
	lb_lock_t lock __attribute__((aligned(64)));
	/* Allocations waiting for memory in flight elsewhere sleep here, with
	 * the lock, counted in nr_waiters; zone_wake() wakes them. */
	lb_wait_t wait;
	unsigned nr_waiters;
	/* a drain the caches were asked for (cache.c): held, caches passing
	 * their blocks through, until an allocation of drain_order or more
	 * has had its chance, or DRAIN_HOLD_ALLOCS smaller ones went by */
	uint8_t drain_order;     /* DRAIN_NONE: none held */
	uint8_t drain_left;
	/* page counters (I4) */
	uint64_t nr_free[2];   /* pages on the lists, by state */
	uint64_t nr_alloc;     /* pages out of the zone: allocated or in a cache */
	uint64_t out_pages_total;  /* pages handed out since set-up: the rate's source */
	uint64_t over_accepted; /* accepted pages never handed out (the fresh bitmap's) */

	struct free_area area[2][NR_ORDERS]; /* the free lists */
	uint64_t nr_pristine;   /* pristine sections */
	uint64_t pristine_hint; /* no pristine section below this one */
	uint64_t nr_inflight, nr_quarantine;
	uint64_t acc_inflight; /* of nr_inflight: the acceptor's batches */
	struct lb_cache *caches; /* attached per-CPU caches, CPU lists included */
	unsigned last_tag;       /* the tag the last cache set up got */
	uint32_t tag_users[TAG_COUNT + 1]; /* caches set up and not finished, by tag */
	/* free unaccepted ranges whose accept failed: tried in halves only */
	struct {
		uint32_t idx, pages;
	} suspect[NR_SUSPECTS];
	unsigned nr_suspects;

	/* behaviour */
	enum lb_policy policy;
	struct lb_watermarks wmark;
	struct lb_backend backend;
	unsigned flags;

	/* the acceptor and the releaser (acceptor.c, releaser.c, thread.c) */
	struct lb_acceptor_cfg acc_cfg;
	struct lb_releaser_cfg rel_cfg;
	uint64_t reserve_pages;    /* the acceptor's current target */
	struct lb_demand demand;   /* demand.c, scale.c, keep.c */
	uint64_t rel_last_pass_ns;
	/* The releaser's scan resumes where its last pass stopped: the next
	 * block to look at on area[S_ACCEPTED][rel_order], walking from the
	 * tail (LB_NIL: start at the tail; REL_DONE: that list is done).
	 * lbi_list_del() moves it off a block that leaves the list. */
	unsigned rel_order;
	uint64_t rel_next;
	uint64_t rel_looked; /* blocks the last pass looked at */
	struct lb_worker workers[2]; /* the acceptor's and releaser's threads (thread.c) */

	/* statistics */
	uint64_t accept_calls, accepted_pages, setup_accepted_pages;
	uint64_t background_accepted, release_calls, released_pages;
	uint64_t accept_failures;
	uint64_t allocs, frees, alloc_failures, accept_waits;
	uint64_t demand_unit_accepts, demand_own_accepts; /* policy.c */
	bool in_setup;

	/* first broken invariant seen on the fly (shadow record): FIND_NOTE_* */
	struct finding note;
#if LB_DEBUG >= 2
	uint64_t ops_since_check;
#endif
#if LB_DEBUG >= 1
	bool lock_held;         /* set by zone_lock(), cleared by zone_unlock() */
	lb_thread_t lock_owner; /* valid while lock_held */
#endif
};

#define REL_DONE (LB_NIL - 1) /* not a page index: indices are 32-bit */

/*
 * The zone lock: every core function but the entry points expects it held
 * (see the header). Debug builds record the holder, so that those
 * functions can assert it (LB_ASSERT_LOCKED), as Linux's
 * lockdep_assert_held() does; release builds keep the plain lock.
 */
#if LB_DEBUG >= 1
static inline bool zone_locked(const struct lb_zone *z)
{
	return z->lock_held && lb_thread_same(z->lock_owner, lb_thread_self());
}
#define LB_ASSERT_LOCKED(z) LB_ASSERT(zone_locked(z))
#else
#define LB_ASSERT_LOCKED(z) ((void)0)
#endif

static inline void zone_lock(struct lb_zone *z)
{
	lb_lock(&z->lock);
#if LB_DEBUG >= 1
	z->lock_owner = lb_thread_self();
	z->lock_held = true;
#endif
}

static inline void zone_unlock(struct lb_zone *z)
{
#if LB_DEBUG >= 1
	LB_ASSERT(zone_locked(z));
	z->lock_held = false;
#endif
	lb_unlock(&z->lock);
}

/* Sleep until zone_wake() (or less: the caller looks again), the lock
 * released meanwhile; lbi_alloc() waits for memory in flight here. */
static inline void zone_wait(struct lb_zone *z)
{
#if LB_DEBUG >= 1
	LB_ASSERT(zone_locked(z));
	z->lock_held = false;
#endif
	z->nr_waiters++;
	lb_wait(&z->wait, &z->lock);
	z->nr_waiters--;
#if LB_DEBUG >= 1
	z->lock_owner = lb_thread_self();
	z->lock_held = true;
#endif
}

/* Memory was published (freed to the lists) or left flight: whoever waits
 * for it looks again. Nothing to do, and no call, when nobody waits. */
static inline void zone_wake(struct lb_zone *z)
{
	if (z->nr_waiters)
		lb_wake_all(&z->wait);
}

/* The answers that say memory was short (the header's list), not a
 * backend's failure (accept_failures) or bad input. */
static inline bool short_answer(int rc)
{
	return rc == LB_ENOMEM || rc == LB_EAGAIN || rc == LB_EBUSY;
}

/* lb_stats.alloc_failures: the short answers. */
static inline void count_alloc_failure(struct lb_zone *z, int rc)
{
	if (short_answer(rc))
		z->alloc_failures++;
}

static inline uint64_t idx_to_addr(const struct lb_zone *z, uint64_t idx)
{
	return (z->base_pfn + idx) << LB_PAGE_SHIFT;
}

/* A freed address's block: 0, or LB_EORDER, LB_EALIGN, LB_ERANGE. Inline:
 * every free on the per-CPU fast path starts here. */
static inline int addr_to_idx(const struct lb_zone *z, uint64_t addr, unsigned order,
			      uint64_t *idx)
{
	uint64_t pfn = addr >> LB_PAGE_SHIFT;

	if (order > LB_MAX_ORDER)
		return LB_EORDER;
	if (addr & (LB_PAGE_SIZE - 1))
		return LB_EALIGN;
	if (pfn < z->base_pfn || pfn - z->base_pfn >= z->span_pages)
		return LB_ERANGE;
	*idx = pfn - z->base_pfn;
	if (*idx & ((UINT64_C(1) << order) - 1))
		return LB_EALIGN;
	return 0;
}

/* The neighbours of free block i on its list, LB_NIL at the ends. */
static inline uint64_t pg_next(const struct lb_zone *z, uint64_t i)
{
	uint32_t n = z->pages[i].next;

	return n == (uint32_t)i ? LB_NIL : n;
}

static inline uint64_t pg_prev(const struct lb_zone *z, uint64_t i)
{
	uint32_t n = z->pages[i].prev;

	return n == (uint32_t)i ? LB_NIL : n;
}

static inline uint64_t free_unaccepted_pages(const struct lb_zone *z)
{
	return z->nr_free[S_UNACCEPTED] + z->nr_pristine * SECTION_PAGES;
}

/* The largest order of an aligned block at idx that ends at or before e. */
static inline unsigned carve_order(uint64_t idx, uint64_t e)
{
	unsigned o = LB_MAX_ORDER;

	while (o && ((idx & ((UINT64_C(1) << o) - 1)) || idx + (UINT64_C(1) << o) > e))
		o--;
	return o;
}

/* The per-CPU cache (cache.c). Its owner writes count/slots without the
 * zone lock; pages/allocs/frees are read by others with atomics. A zone's
 * CPU list (cpulist.c) is a cache whose owner is its lock's holder. */
#define CACHE_ORDERS NR_ORDERS
#define CACHE_SLOTS 416 /* 256 + 64 + 32 + 16 + 5 x 8 + 2 x 4 */
/* Its stacks, one per order, laid end to end in its slots: the most blocks
 * each holds (cache.c says why) and where each starts. */
#define CACHE_CAPS { 256, 64, 32, 16, 8, 8, 8, 8, 8, 4, 4 }
#define CACHE_BASES { 0, 256, 320, 352, 368, 376, 384, 392, 400, 408, 412 }
struct lb_cache {
	uint64_t magic;
	struct lb_zone *z;
	struct lb_cache *next; /* the zone's list, under the zone lock */
	uint64_t pages, allocs, frees;
	uint64_t max; /* pages it may hold: the zone's cache_max */
	uint32_t count[CACHE_ORDERS];
	uint32_t drain_asked; /* set by the zone (under its lock), cleared by the owner */
	unsigned tag;         /* marks the halves its refills leave and what it drains */
	uint32_t slot[CACHE_SLOTS];
};

/* Stack o of cache c, coldest (bottom) block first. */
static inline uint32_t *cache_stack(struct lb_cache *c, unsigned o)
{
	static const uint16_t base[CACHE_ORDERS] = CACHE_BASES;

	return &c->slot[base[o]];
}

/* A cache's counter: its owner is the only writer; others read with
 * atomics. */
static inline void cache_bump(uint64_t *v, int64_t d)
{
	__atomic_store_n(v, *v + (uint64_t)d, __ATOMIC_RELAXED);
}

/* A CPU list: a cache and the lock that makes its holder the owner, on
 * cache lines of its own (cpulist.c). */
struct cpu_list {
	lb_lock_t lock;
	struct lb_cache c;
} __attribute__((aligned(64)));

/* Translate and validate the address of a block of 2^order pages. Reads
 * only the zone's geometry: no lock needed. */

/* buddy.c: free lists, sections, split and merge */
void lbi_section_activate(struct lb_zone *z, uint64_t sec);
void lbi_list_add(struct lb_zone *z, uint64_t idx, unsigned order, unsigned state, bool tail);
void lbi_list_del(struct lb_zone *z, uint64_t idx);
uint64_t lbi_free_block(struct lb_zone *z, uint64_t idx, unsigned order, unsigned state, bool tail);
void lbi_free_pieces(struct lb_zone *z, const uint32_t *s, uint32_t n, unsigned o, unsigned tag);
void lbi_split(struct lb_zone *z, uint64_t idx, unsigned from, unsigned to, unsigned state);
bool lbi_take_free_near(struct lb_zone *z, unsigned min_order, unsigned tag, uint64_t *idx,
			unsigned *order);
bool lbi_take_free(struct lb_zone *z, unsigned state, unsigned min_order, uint64_t *idx,
		 unsigned *order);
bool lbi_take_largest_unaccepted(struct lb_zone *z, uint64_t *idx, unsigned *order);
uint64_t lbi_take_pristine_run(struct lb_zone *z, uint64_t max_sections, uint64_t *first);
bool lbi_find_block(const struct lb_zone *z, uint64_t idx, uint64_t *head);
bool lbi_unaccepted_fits(const struct lb_zone *z, unsigned order);
bool lbi_find_mixed(const struct lb_zone *z, unsigned order, uint64_t *run);

/* inflight.c: the in-flight protocol (accept and release), the batch
 * accept engine, the shadow record, quarantine, hand-out */
enum { ACC_CALLER, ACC_ACCEPTOR, ACC_SETUP, ACC_RELEASER }; /* on whose behalf a call runs */
/* One operation's backend calls: its budget of failed accepts (*_FAILS),
 * on whose behalf, the pages a partial accept freed to the lists, its
 * error. */
struct acc_op {
	unsigned fails;    /* failed calls it may still make */
	unsigned why;
	uint64_t accepted;
	int err;
	unsigned failures; /* failed calls it made */
	bool halving;      /* its one refill for a full suspect table is spent */
};
#define ALLOC_OP { .fails = ALLOC_FAILS, .why = ACC_CALLER } /* an allocation's */
int lbi_accept_blocks(struct lb_zone *z, uint64_t idx, unsigned order, uint64_t count,
		      struct acc_op *op, bool keep);
int lbi_accept_mixed(struct lb_zone *z, uint64_t r, unsigned order, struct acc_op *op);
int lbi_accept_setup_range(struct lb_zone *z, uint64_t idx, uint64_t npages);
int64_t lbi_accept_call(struct lb_zone *z, uint64_t left, struct acc_op *op);
int64_t lbi_accept_some(struct lb_zone *z, uint64_t max_pages);
#define RELEASE_MAX_BATCH 64 /* blocks a releaser pass may take */
#define REL_SCAN_BUDGET 1024 /* free blocks a releaser pass looks at, at most */
void lbi_release_claim(struct lb_zone *z, uint64_t idx);
uint64_t lbi_release_blocks(struct lb_zone *z, const uint32_t *idx, unsigned n);
void lbi_note_corrupt(struct lb_zone *z, unsigned code, unsigned inv, uint64_t idx,
		      uint64_t npages);
int lbi_give_out(struct lb_zone *z, uint64_t idx, unsigned order, unsigned kind);
unsigned lbi_give_out_pieces(struct lb_zone *z, uint64_t idx, unsigned from, unsigned order,
			     unsigned kind, uint32_t *out);
int lbi_hand_out(struct lb_zone *z, uint64_t idx, unsigned order);

/* zone_alloc.c: the zone's own allocation, and why a free was refused */
#define LB_ALLOC_FLAGS (LB_ALLOC_NOWAIT | LB_ALLOC_ATOMIC) /* every valid flag */
int lbi_alloc(struct lb_zone *z, unsigned order, unsigned flags, uint64_t *idx,
	      struct acc_op *op);
int lbi_bad_free(const struct lb_zone *z, uint64_t idx);

/* drain.c: blocks back from the caches to the zone, the zone lock held */
uint64_t lbi_cached_pages(const struct lb_zone *z);
void lbi_cache_request_drain(struct lb_zone *z, unsigned order);
void lbi_cache_alloc_seen(struct lb_zone *z, unsigned order);
void lbi_cache_drain(struct lb_cache *c, unsigned o, uint32_t n);
uint64_t lbi_cache_drain_all(struct lb_cache *c);
uint64_t lbi_cpu_lists_drain(struct lb_zone *z);

/* cache.c */
void lbi_cache_setup(struct lb_cache *c, struct lb_zone *z, bool cpu_list);
/* the public calls on a valid cache, without the lock: a CPU list's
 * holder makes them */
int lbi_cache_alloc(struct lb_cache *c, unsigned order, unsigned flags, uint64_t *addr);
int lbi_cache_free(struct lb_cache *c, uint64_t addr, unsigned order);
/* cpulist.c: lbi_cpu_list_alloc() and _free() without the zone lock: the
 * call's answer through the caller's CPU's list, or CPU_LIST_HELD where
 * that list is held (then the zone serves it); lbi_cpu_lists_drain()
 * with the zone lock */
#define CPU_LISTS_MAX 1024
#define CPU_LIST_HELD 1 /* not an answer: answers are 0 or negative */
int lbi_cpu_list_alloc(struct lb_zone *z, unsigned order, unsigned flags, uint64_t *addr);
int lbi_cpu_list_free(struct lb_zone *z, uint64_t addr, unsigned order);
int lbi_cpu_lists_init(struct lb_zone *z, void *mem, unsigned n);
void lbi_cpu_lists_fini(struct lb_zone *z);
#define DRAIN_NONE 0xff
#define DRAIN_HOLD_ALLOCS 64

/* demand.c: the acceptor's reserve, from the allocation rate */
uint64_t lbi_acceptor_reserve(struct lb_zone *z, uint64_t now_ns);
struct demand_view {
	uint64_t reserve; /* pages */
	unsigned order;   /* lbi_demand_order() */
};
void lbi_demand_view(const struct lb_zone *z, uint64_t now_ns, struct demand_view *v);
uint64_t lbi_demand_set_reserve(struct lb_zone *z, uint64_t r);
uint64_t lbi_demand_free(const struct lb_zone *z);
uint64_t lbi_demand_free_in(const struct lb_zone *z, unsigned order);
unsigned lbi_demand_order(const struct lb_zone *z);
/* scale.c: the acceptor's passes allowed at once, and its rests */
bool lbi_acceptor_resting(struct lb_zone *z, uint64_t now_ns);
void lbi_acceptor_rest(struct lb_zone *z, uint64_t now_ns, uint64_t have);
unsigned lbi_demand_passes(struct lb_zone *z, uint64_t now_ns, bool behind);
void lbi_acceptor_wake(struct lb_zone *z, uint64_t now_ns);
/* keep.c: what the releaser leaves accepted */
uint64_t lbi_demand_keep(const struct lb_zone *z, const struct demand_view *v);
void lbi_demand_use_pass(struct lb_zone *z, uint64_t reserve);

/* thread.c: the workers' synchronisation, set up and torn down with the
 * zone (no lock needed: nothing else runs on the zone then) */
int lbi_workers_init(struct lb_zone *z);
void lbi_workers_fini(struct lb_zone *z);

/* policy.c (lbi_derive_watermarks: arithmetic only, no lock needed) */
static inline const struct lbi_policy *lbi_pol(const struct lb_zone *z)
{
	return &lbi_policies[z->policy];
}
void lbi_derive_watermarks(uint64_t managed_pages, struct lb_watermarks *w);
int lbi_policy_accept(struct lb_zone *z, unsigned order, uint64_t *idx, struct acc_op *op);
void lbi_policy_top_up(struct lb_zone *z, unsigned order, struct acc_op *op);
/* adaptive: the order the backend accepts cheapest per page, and the
 * order an allocation of 2^order pages accepts on demand */
unsigned lbi_cheapest_order(const struct lb_zone *z);
unsigned lbi_adaptive_want(const struct lb_zone *z, unsigned order);

/* check.c: 0, or LB_ECORRUPT with *f the first broken invariant */
int lbi_zone_check(struct lb_zone *z, struct finding *f, bool quiescent);

/* format.c: f as text in msg (NUL-terminated, cut to len; "" for
 * FIND_NONE); hosted builds write the numbers, freestanding ones a
 * constant. No lock needed. */
void lbi_finding_text(const struct finding *f, char *msg, size_t len);

#endif /* LB_INTERNAL_H */
