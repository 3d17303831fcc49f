/* SPDX-License-Identifier: MIT */
/*
 * The zone (struct lb_zone) and what it holds: the checker's findings,
 * the workers, demand's state, the free lists, the policy's row; its lock
 * and wait, and address arithmetic on its geometry.
 */
#ifndef LB_ZONE_TYPES_H
#define LB_ZONE_TYPES_H

#include "bitmap.h"
#include "page.h"

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
	FIND_LIST_CORRUPT,   /* I4: v0 state, v1 order, v2 block, v4 tag */
	FIND_LIST_COUNT,     /* I4: v0 state, v1 order, v2 listed, v3 found, v4 tag */
	FIND_COUNTERS,       /* I4: the walk's free v0/v1, allocated v2 (cached v3),
				in flight v4, quarantined v5, fresh v6 */
	FIND_CURSOR,         /* I4: v0 the releaser's position, v1 its order */
	FIND_TAG_MASKS,      /* I4: v0 holding, v1 live_tags */
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
	bool big_seen;             /* a PEAK_DECAY_NS window of them has closed */
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

/* The free lists of one list id, one per order, on cache lines of their
 * own. Ids 0..TAG_COUNT hold accepted blocks by tag (page.h), so that a
 * cache's trips write its own list heads, not lines another CPU's trips
 * write; LIST_UNACC holds the unaccepted blocks. A free block's
 * descriptor carries its list's id (pg_tag), so a buddy is unlinked from
 * its list without a search. */
#define LIST_UNACC (TAG_COUNT + 1)
#define CACHE_LISTS (((UINT64_C(1) << TAG_COUNT) - 1) << 1) /* the caches' ids' bits */
struct free_lists {
	struct free_area area[NR_ORDERS];
	uint32_t orders; /* a cache's (ids 1..TAG_COUNT): bit o, area[o] not empty */
} __attribute__((aligned(64)));

/* Is list id a cache's? Those keep their masks (orders, holding): the
 * others are looked at head by head, as every zone without caches is. */
static inline bool cache_list(unsigned id)
{
	return id - 1 < TAG_COUNT;
}

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

	/* bit id: a cache's list id (lists, below) holds blocks of some
	 * order; written only when all its lists are empty, or no longer */
	uint64_t holding;
	uint64_t live_tags;      /* bit t: a cache set up and not finished has tag t */
	uint64_t nr_pristine;   /* pristine sections */
	uint64_t pristine_hint; /* no pristine section below this one */
	uint64_t nr_inflight, nr_quarantine;
	uint64_t acc_inflight; /* of nr_inflight: the acceptor's batches */
	struct lb_cache *caches; /* attached per-CPU caches, CPU lists included */
	unsigned last_tag;       /* the tag the last cache set up got */
	uint32_t tag_users[TAG_COUNT + 1]; /* caches set up and not finished, by tag */
	struct free_lists lists[LIST_UNACC + 1]; /* the free lists, by list id */
	/* free unaccepted ranges whose accept failed: tried in halves only */
	struct {
		uint32_t idx, pages;
	} suspect[NR_SUSPECTS];
	unsigned nr_suspects;

	/* behaviour */
	enum lb_policy policy;
	const struct lbi_policy *pol; /* its row of lbi_policies: set with policy */
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
	 * block to look at on the accepted list of tag rel_tag and order
	 * rel_order, walking from the tail (LB_NIL: start at the tail;
	 * REL_DONE: that list is done). lbi_list_del() moves it off a block
	 * that leaves the list. */
	unsigned rel_order, rel_tag;
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

/* The list id of a free block of state and tag (0 for unaccepted). */
static inline unsigned list_id(unsigned state, unsigned tag)
{
	return state == S_ACCEPTED ? tag : LIST_UNACC;
}

/* Free accepted blocks of order o, on every tag's list. */
static inline uint64_t free_accepted_blocks(const struct lb_zone *z, unsigned o)
{
	uint64_t n = z->lists[0].area[o].nr;

	for (uint64_t m = z->holding; m; m &= m - 1)
		n += z->lists[__builtin_ctzll(m)].area[o].nr;
	return n;
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

#endif
