/* SPDX-License-Identifier: MIT */
/*
 * lazybuddy: a buddy page allocator over memory that must be accepted
 * before first use (Intel TDX, AMD SEV-SNP, Arm CCA guests).
 *
 * A zone manages a physical address space described by a firmware-style
 * memory map. Free blocks are wholly accepted or wholly unaccepted; a policy
 * decides when and how much unaccepted memory to accept; a backend performs
 * the acceptance (a cost model, real mmap'd memory, or a test double).
 *
 * Addresses are physical (uint64_t) and never dereferenced: all metadata
 * lives out of band, in memory the caller provides (lb_zone_meta_size()).
 * No function allocates memory or keeps global state; every zone is
 * independent and safe to use from several threads at once.
 *
 * Errors are negative LB_E* codes; lb_strerror() names them. A call that
 * fails with bad input leaves the zone unchanged.
 */
#ifndef LAZYBUDDY_H
#define LAZYBUDDY_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The version of this header. 0.x: the project is pre-1.0, so a minor
 * release may still change the API and ABI; a patch release does not. */
#define LB_VERSION_MAJOR 0
#define LB_VERSION_MINOR 3
#define LB_VERSION_PATCH 0

/* The version of the library linked in, "MAJOR.MINOR.PATCH" (a shared
 * library may be newer than the header a program was built with). */
const char *lb_version(void);

#define LB_PAGE_SHIFT   12
#define LB_PAGE_SIZE    (UINT64_C(1) << LB_PAGE_SHIFT)
#define LB_MAX_ORDER    10                 /* largest block: 2^10 pages, 4 MiB */
#define LB_UNIT_DEFAULT (UINT64_C(2) << 20) /* firmware bitmap granule, 2 MiB */
/* The largest span of one zone: page indices are 32-bit, 2^32 pages of
 * 4 KiB. Split a larger memory map into zones (README, "Guests larger
 * than 16 TiB"); boundaries at multiples of it always fit. */
#define LB_ZONE_MAX_SPAN (UINT64_C(1) << 44) /* 16 TiB */

/* Error codes (always negative). */
enum {
	LB_OK = 0,
	LB_EINVAL = -1,      /* invalid argument */
	LB_ENOMEM = -2,      /* no free memory can serve that order */
	LB_EAGAIN = -3,      /* would have to accept memory (LB_ALLOC_NOWAIT) */
	LB_ERANGE = -4,      /* address outside the zone */
	LB_EALIGN = -5,      /* address not aligned to the block's order */
	LB_EORDER = -6,      /* order above LB_MAX_ORDER */
	LB_EDOUBLEFREE = -7, /* block is already free */
	LB_ENOTALLOC = -8,   /* not the start of an allocated block of that order */
	LB_EOVERLAP = -9,    /* memory map ranges overlap */
	LB_EUNIT = -10,      /* unit not a power of two in [4 KiB, 4 MiB] */
	LB_ENOSPACE = -11,   /* metadata buffer too small or misaligned */
	LB_EBACKEND = -12,   /* backend failed to accept or release */
	LB_ECORRUPT = -13,   /* an invariant is broken (checker, shadow record) */
	LB_ENOTSUP = -14,    /* not supported by this build or backend */
	LB_EEMPTY = -15,     /* memory map holds no usable memory */
	LB_EBUSY = -16,      /* only memory in flight elsewhere could serve (LB_ALLOC_ATOMIC) */
	LB_ETOOBIG = -17,    /* zone spans more than LB_ZONE_MAX_SPAN (16 TiB) */
	LB_ERRNO_COUNT = 18
};

/* Name and description of an error code, e.g. "LB_EDOUBLEFREE: block is already free". */
const char *lb_strerror(int err);

/* ---------------------------------------------------------------- backends */

/*
 * The platform contract of a backend. The zone calls these without holding
 * its lock, possibly from several threads at once, but never for ranges that
 * overlap: a range is accepted by one thread exactly once between releases.
 * Ranges are page-aligned and non-empty, and contiguous memory is passed in
 * one call so that the backend can use its largest mapping level.
 * Return 0 or a negative LB_E* code: any failure is the backend's, counted
 * as LB_EBACKEND whatever the code (LB_ECORRUPT from the zone is its own
 * shadow record's). A call that fails must accept nothing of its range:
 * the zone may pass parts of it again. What the zone does with a failure
 * (every entry point alike):
 *   - it counts the call (lb_stats.accept_failures) and tries the halves
 *     of the range, down to the unit, or to the block the range was when
 *     that is smaller; a part whose own call fails at that size is
 *     quarantined: never handed out, never passed to the backend again;
 *   - each operation makes a bounded number of failed calls: 4 for an
 *     allocation (lb_alloc(), lb_cache_alloc(), the linux top-up and
 *     eager's block per shortfall included), 1 for an acceptor pass, 4 for
 *     a call of lb_zone_accept() or lb_zone_setup_accept(), for a switch
 *     to eager and for each piece of set-up in lb_zone_init();
 *   - when the bound is reached, the parts not tried go back to the free
 *     lists as they were, and the part whose call failed last goes back
 *     as a suspect: never passed whole again, only its halves, by later
 *     operations. The zone remembers 16 suspects; when they are all
 *     taken, the operation goes on halving instead, with its budget
 *     given once more: log2 of the range in pages (a block of at most
 *     4 MiB: 10; a run of lb_zone_accept(), at most 1 GiB: 18; an
 *     acceptor pass of 16 MiB: 12, or background's batch_bytes, at most
 *     1 GiB: 18), enough to find one bad page. So a bad page costs each
 *     operation a bounded number of calls and, in the end, only its
 *     unit; a host that fails every call costs each operation a few
 *     units, not the zone.
 * A failed release leaves the block's state unknown: it is quarantined.
 *
 * accept_cost (may be NULL, or answer 0: unknown) says what one accept of
 * an aligned range of size bytes would take, in ns, without accepting
 * anything. The
 * adaptive policy compares its answers for different sizes (per page) to
 * choose what an allocation accepts; it is called with the zone's lock
 * held, so it must be cheap and must not call into the zone.
 */
struct lb_backend_ops {
	const char *name;
	int (*accept)(void *ctx, uint64_t addr, uint64_t size);
	int (*release)(void *ctx, uint64_t addr, uint64_t size); /* may be NULL */
	uint64_t (*accept_cost)(void *ctx, uint64_t size);       /* may be NULL */
};

struct lb_backend {
	const struct lb_backend_ops *ops;
	void *ctx;
};

/* --------------------------------------------------------------- the zone */

enum lb_mem_type {
	LB_MEM_ACCEPTED,   /* usable as is (accepted by firmware) */
	LB_MEM_UNACCEPTED, /* must be accepted before first touch */
	LB_MEM_RESERVED    /* not managed (holes, firmware, MMIO) */
};

/* One entry of the memory map. Gaps between ranges are holes. */
struct lb_range {
	uint64_t start; /* physical address, page-aligned */
	uint64_t size;  /* bytes, page multiple */
	enum lb_mem_type type;
};

enum lb_policy {
	LB_POLICY_EAGER, /* accept everything at set-up */
	LB_POLICY_UNIT,  /* on demand, whole unit(s) around the allocated block */
	LB_POLICY_EXACT, /* on demand, exactly the allocated block */
	LB_POLICY_LINUX, /* Linux 6.5+: max-order blocks below the promo watermark */
	LB_POLICY_BACKGROUND, /* unit on demand + the acceptor with a fixed reserve */
	LB_POLICY_ADAPTIVE,   /* the cheapest block per page on demand + the
	                         acceptor, reserve and batch sized from the
	                         recent allocation rate */
	LB_POLICY_COUNT
};

const char *lb_policy_name(enum lb_policy p);
int lb_policy_parse(const char *name); /* policy, or LB_EINVAL */
/* 1 if policy p's acceptor threads keep accepted memory ahead of demand
 * (background, adaptive: lb_acceptor_start() is how it runs as meant), 0
 * if not, LB_EINVAL for no policy. */
int lb_policy_runs_acceptor(enum lb_policy p);

/* Watermarks in pages. All zero: "not set yet", as in Linux before the
 * postcore initcall sets them: the linux policy then accepts one max-order
 * block on every allocation that may accept, however much accepted memory
 * is free (Linux's cond_accept_memory() with a zero watermark). */
struct lb_watermarks {
	uint64_t min, low, high, promo;
};

/* lb_config.flags */
#define LB_CFG_SHADOW   0x1u /* keep a shadow record of accepted pages and
                                verify I1/I2 on every accept and hand-out */
#define LB_CFG_WMARK    0x2u /* use cfg->wmark instead of deriving them */
#define LB_CFG_SETUP_LATER 0x4u /* eager: lb_zone_init() accepts nothing; the
                                   caller's CPUs share set-up acceptance through
                                   lb_zone_setup_accept() (as firmware accepts
                                   on all CPUs at boot) */

/* Zero it before filling it in (= { 0 } or memset): a field a later
 * version adds is then 0, its default. */
struct lb_config {
	const struct lb_range *ranges; /* the memory map, any order */
	size_t nranges;
	uint64_t unit;           /* acceptance unit in bytes; 0 = 2 MiB */
	enum lb_policy policy;
	struct lb_backend backend;
	unsigned flags;          /* LB_CFG_* */
	struct lb_watermarks wmark; /* used with LB_CFG_WMARK */
	/* CPU lists: lb_alloc() and lb_free() go through a per-CPU cache of
	 * the zone's own, the list of the CPU they run on (of cpus lists,
	 * the CPU's number modulo cpus), so that CPUs do not take turns on
	 * the zone lock; 0: none, every call takes the zone lock. At most
	 * 1024; the hosted platforms have them (elsewhere LB_ENOTSUP: see
	 * docs/platform.md). A list holds what a cache holds (each at most
	 * 42 MiB and 1/32 of memory, or 64 pages if more); an allocation
	 * that finds no accepted free memory drains the lists it can lock
	 * before it accepts, waits or answers. */
	unsigned cpus;
};

struct lb_zone; /* opaque; lives at the start of the metadata buffer */

/*
 * Bytes of metadata the zone needs for cfg (about 12 bytes per page of the
 * span, plus bitmaps, the zone's own 13 KiB and the CPU lists). Validates cfg: returns 0 and sets *size, or an error:
 * LB_ETOOBIG when the span, from the lowest managed range's 4 MiB section
 * to the end of the highest, exceeds LB_ZONE_MAX_SPAN (16 TiB; split the
 * map into zones), LB_ENOSPACE when the size does not fit a size_t.
 */
int lb_zone_meta_size(const struct lb_config *cfg, size_t *size);

/*
 * Initialise a zone in meta (16-byte aligned, at least lb_zone_meta_size()
 * bytes, contents need not be zeroed: else LB_ENOSPACE; a span above
 * LB_ZONE_MAX_SPAN is LB_ETOOBIG; neither touches meta). The cost does not
 * grow with unaccepted memory beyond one bit per 4 MiB: descriptors of
 * memory that was never accepted are not touched. Under LB_POLICY_EAGER all unaccepted memory is
 * accepted here, unless LB_CFG_SETUP_LATER is set: then the zone starts as
 * a lazy one does (only pieces smaller than a unit accepted, as firmware
 * does) and eager accepts one block per shortfall until the caller's
 * lb_zone_setup_accept() calls are done. On success *out points into meta.
 * Set-up acceptance that the backend fails (see struct lb_backend_ops)
 * does not fail the init: eager stops after 4 failed calls and leaves the
 * rest unaccepted, as LB_CFG_SETUP_LATER does.
 */
int lb_zone_init(struct lb_zone **out, void *meta, size_t meta_size,
		 const struct lb_config *cfg);

/* Stop the zone's acceptor and releaser threads and release its platform
 * resources (its lock and wait). Finish its caches first, and return from
 * every call on the zone. Memory is not touched. */
void lb_zone_fini(struct lb_zone *z);

/*
 * lb_alloc() flags, after Linux's allocation contexts. Acceptance does not
 * sleep, so by default an allocation accepts what it needs and, when only
 * memory another thread is accepting could serve it, waits for that: it
 * sleeps on the platform's wait (hosted builds: a condition variable with
 * the zone lock; the freestanding spin platform spins), is woken when
 * memory is freed or an accept or release ends, and looks again.
 *   LB_ALLOC_ATOMIC  may accept, never waits for another thread's
 *                    acceptance: LB_EBUSY instead (GFP_ATOMIC, GFP_NOWAIT:
 *                    Linux accepts for them, it does not wait for them);
 *   LB_ALLOC_NOWAIT  neither accepts nor waits: LB_EAGAIN when accepting
 *                    would be needed (Linux's ALLOC_TRYLOCK, the
 *                    allocations that may not even take a lock).
 * With both, NOWAIT rules.
 */
#define LB_ALLOC_NOWAIT 0x1u
#define LB_ALLOC_ATOMIC 0x2u

/*
 * Allocate an accepted block of 2^order pages; *addr gets its address.
 * Free accepted memory serves first. Else the policy accepts memory: a
 * free unaccepted block of at least that order, or, when there is none,
 * a free aligned run of 2^order pages whose blocks are of both states
 * (free blocks of one state never merge with the other's): its unaccepted
 * blocks are accepted, each stretch in one call, and the run is handed
 * out as one block; its accepted blocks are held in flight meanwhile
 * (LB_PAGE_IN_FLIGHT), so no one else takes them. So an allocation
 * succeeds whenever a free aligned run of 2^order pages exists, whatever
 * the state of its pages. The answers:
 *   0             the block, wholly accepted;
 *   LB_ENOMEM     no free memory can serve it: no accepted or unaccepted
 *                 block that large, no such run, nothing in flight in the
 *                 zone, and no failed backend call on the way. If
 *                 per-CPU caches hold free blocks, each is asked to drain
 *                 itself at its next lb_cache_alloc() or lb_cache_free()
 *                 (a cache is its owner's: lb_alloc() cannot drain it),
 *                 so a retry after they ran finds those blocks: until an
 *                 allocation of this order or more, or 64 smaller ones,
 *                 the caches pass blocks through rather than fill again;
 *   LB_EAGAIN     (NOWAIT) only accepting a block or a run, or waiting for
 *                 memory in flight, could serve it; no backend call made;
 *   LB_EBUSY      (ATOMIC) only memory another thread is accepting (or
 *                 holds in flight) could serve it; without flags the
 *                 allocation waits for that memory instead;
 *   LB_EBACKEND   the backend failed: 4 failed calls at most (see struct
 *                 lb_backend_ops; the linux top-up and eager's block per
 *                 shortfall count in the same 4), then, or as soon as the
 *                 failures leave nothing that could serve it, this answer,
 *                 never LB_ENOMEM: a failing host is not a full zone. What
 *                 failed is quarantined, what was accepted stays free;
 *   LB_ECORRUPT   the shadow record (LB_CFG_SHADOW) refused an accept or a
 *                 hand-out (the memory is quarantined);
 *   LB_EINVAL, LB_EORDER  bad input, nothing changed.
 */
int lb_alloc(struct lb_zone *z, unsigned order, unsigned flags, uint64_t *addr);

/* Free a block returned by lb_alloc() with the same order. */
int lb_free(struct lb_zone *z, uint64_t addr, unsigned order);

/* Switch policy at run time. Switching to eager accepts all free
 * unaccepted memory before returning, within 4 failed backend calls: what
 * a failing backend leaves unaccepted is accepted on demand, a block per
 * shortfall. */
int lb_zone_set_policy(struct lb_zone *z, enum lb_policy p);
/* The zone's policy (an enum lb_policy), or LB_EINVAL. */
int lb_zone_policy(struct lb_zone *z);

/* Override the watermarks (pages); all zero means "not set yet". They
 * must be ordered (min <= low <= high <= promo) and promo at most the
 * zone's managed pages, else LB_EINVAL. */
int lb_zone_set_watermarks(struct lb_zone *z, const struct lb_watermarks *w);
/* Read them into *w: 0, or LB_EINVAL (bad zone, NULL w; *w untouched). */
int lb_zone_watermarks(struct lb_zone *z, struct lb_watermarks *w);

/* Accept up to max_bytes of free unaccepted memory now (0: all of it).
 * Returns bytes accepted (>= 0) or an error. Memory in flight on other
 * threads is not free: it is not waited for. The call stops after 4 failed
 * backend calls (see struct lb_backend_ops) and returns what it accepted,
 * or LB_EBACKEND when calls failed and it accepted nothing. */
int64_t lb_zone_accept(struct lb_zone *z, uint64_t max_bytes);

/*
 * One share of set-up acceptance (LB_CFG_SETUP_LATER): accept up to
 * max_bytes (0: up to 1 GiB; rounded up to whole pages; at most 1 GiB a
 * call) of free unaccepted memory in ONE backend call, counted as set-up
 * acceptance (lb_stats.setup_accepted_pages). Returns the bytes accepted,
 * 0 when nothing unaccepted is left to take (memory in flight on other
 * threads is not waited for), or an error: LB_EINVAL for a bad zone,
 * LB_EBACKEND when the call failed and nothing was accepted. A failed call
 * is retried in halves, 4 failed calls at most (see struct lb_backend_ops):
 * what failed at the unit is quarantined, what was accepted is counted in
 * the answer, what was not tried is left for the next calls. Several
 * threads may call it at once: each takes other memory, so N CPUs looping
 * on it until it returns 0 share eager's set-up. Allocations may run
 * meanwhile. It works on any zone, counting what it accepts as set-up.
 */
int64_t lb_zone_setup_accept(struct lb_zone *z, uint64_t max_bytes);

/* ---------------------------------------------------------- introspection */

enum lb_page_state {
	LB_PAGE_RESERVED,
	LB_PAGE_FREE_ACCEPTED,
	LB_PAGE_FREE_UNACCEPTED,
	LB_PAGE_ALLOCATED,
	LB_PAGE_IN_FLIGHT,
	LB_PAGE_QUARANTINED
};

/* State of the page holding addr, or LB_ERANGE. */
int lb_zone_page_state(struct lb_zone *z, uint64_t addr);

struct lb_stats {
	uint64_t span_pages;        /* pages from the lowest to the highest range */
	uint64_t managed_pages;     /* accepted + unaccepted pages in the map */
	uint64_t reserved_pages;    /* reserved pages and holes in the span */
	uint64_t free_blocks[2][LB_MAX_ORDER + 1]; /* [0] accepted, [1] unaccepted */
	uint64_t free_accepted_pages;
	uint64_t free_unaccepted_pages; /* lists and never-touched 4 MiB blocks */
	uint64_t allocated_pages;
	uint64_t in_flight_pages;   /* being accepted, released, or held by an
				       allocation accepting a mixed run */
	uint64_t quarantined_pages;
	uint64_t accept_calls;      /* backend accept calls */
	uint64_t accepted_pages;    /* pages accepted (set-up included) */
	uint64_t setup_accepted_pages; /* of which at set-up */
	uint64_t over_accepted_pages; /* accepted, not handed out since */
	uint64_t accept_failures;   /* backend accept calls that failed (each
				       retry of a part counts) */
	uint64_t allocs, frees;
	uint64_t alloc_failures;    /* LB_ENOMEM, LB_EAGAIN and LB_EBUSY answers */
	uint64_t accept_waits;      /* times an allocation waited for another's accept */
	uint64_t cached_pages;      /* free pages held in per-CPU caches */
	uint64_t background_accepted_pages; /* accepted by the acceptor */
	uint64_t release_calls, released_pages; /* given back to the host */
	uint64_t reserve_pages;     /* the acceptor's current target */
	unsigned acceptor_passes;   /* adaptive: acceptor passes allowed at once now */
	unsigned acceptor_passes_peak; /* and the most they have been */
	uint64_t reserve_peak_pages; /* the most the reserve has been */
	unsigned reserve_order;     /* adaptive: the order the reserve is kept in */
	/* allocations that found no accepted memory and accepted a whole unit
	 * or, adaptive, a larger block (more than they asked for), or just
	 * their own pages */
	uint64_t demand_unit_accepts, demand_own_accepts;
};

/* 0, or LB_EINVAL (bad zone, NULL st; *st untouched). */
int lb_zone_stats(struct lb_zone *z, struct lb_stats *st);

/* /proc/meminfo-style text (MemTotal, MemFree, Unaccepted, ... in kB).
 * Returns the length it needed (as snprintf), or an error. Freestanding
 * builds (LB_FREESTANDING) format no text: LB_ENOTSUP, and
 * lb_zone_stats() has the numbers. */
int lb_zone_meminfo(struct lb_zone *z, char *buf, size_t len);

/* ---------------------------------------------------------- per-CPU caches */

/*
 * A cache of free accepted blocks of every order (0..LB_CACHE_MAX_ORDER)
 * owned by one thread (or CPU): allocation and free take no lock while the
 * cache can serve them; it is refilled and drained in batches under the
 * zone lock, and the slow path goes to the zone. It holds at most 640
 * pages of orders 0-3 and a few blocks of each larger order, 42 MiB, and
 * never more than 1/32 of the zone's memory (or 64 pages if more). Before
 * the zone accepts memory for it, its own blocks go back to the zone
 * (they may serve the allocation). A block may be freed into any cache of
 * its zone. The memory (lb_cache_size() bytes, 16-byte aligned)
 * is the caller's; a cache must not be used by two threads at once.
 */
#define LB_CACHE_MAX_ORDER LB_MAX_ORDER

struct lb_cache;

size_t lb_cache_size(void);
/* mem need not be zeroed; mem holding a live cache of z is LB_EINVAL. */
int lb_cache_init(struct lb_cache **out, struct lb_zone *z, void *mem, size_t size);
/* Give every cached block back to the zone and detach the cache; its
 * memory may then be freed or initialised again. */
void lb_cache_fini(struct lb_cache *c);
/*
 * As lb_alloc() and lb_free() (same flags and answers), through the cache.
 * Each call first honours a drain another thread's failed allocation asked
 * for (see lb_alloc()): the cache gives all its blocks back to the zone
 * (a free does so after its checks, so bad input still changes nothing),
 * and until that allocation's retry has had its chance it passes blocks
 * through (an allocation takes one block from the zone, a free gives it
 * back). When the zone cannot serve the cache's own allocation, the cache
 * gives its own blocks back at once, where they may merge into what is
 * asked, and the zone is asked again before LB_ENOMEM, or with NOWAIT or
 * ATOMIC before LB_EAGAIN or LB_EBUSY.
 */
int lb_cache_alloc(struct lb_cache *c, unsigned order, unsigned flags, uint64_t *addr);
int lb_cache_free(struct lb_cache *c, uint64_t addr, unsigned order);
/* Give every cached block back to the zone. */
void lb_cache_drain(struct lb_cache *c);

/*
 * Give back every block the zone's CPU lists (lb_config.cpus) hold, as
 * Linux's drain_all_pages(): the pages given back (0 without lists), or
 * LB_EINVAL. A list in use is waited for. An allocation that finds memory
 * short drains the lists it can lock by itself; this is for the caller
 * that wants the zone whole (before lb_zone_check(), a CPU going offline).
 */
int64_t lb_zone_drain_lists(struct lb_zone *z);

/* ------------------------------------------- acceptor and releaser */

/*
 * The background acceptor (the seed's proposal): takes free unaccepted
 * memory, a batch per pass in one backend call outside the lock, and puts
 * it at the FRONT of the free lists, until free accepted memory reaches
 * the reserve; then it stops, so the host does not commit memory the guest
 * never uses.
 * Fixed reserve and batch for LB_POLICY_BACKGROUND; sized from the recent
 * allocation rate for LB_POLICY_ADAPTIVE (or when reserve_bytes is 0),
 * which also runs only as many of its threads as demand needs and accepts
 * just what an allocation asks for on demand (docs/adaptive.md).
 */
#define LB_ACCEPTOR_MAX_THREADS 64

/* The defaults the 0s below stand for, each defined once: the library's
 * threads and lbsim's simulated ones use these. */
#define LB_ACCEPTOR_PERIOD_NS UINT64_C(1000000)       /* a thread's pause at the reserve */
#define LB_BACKGROUND_RESERVE_BYTES (UINT64_C(64) << 20) /* background's fixed reserve */
#define LB_RELEASER_DELAY_NS  UINT64_C(2000000000)    /* free this long before released */
#define LB_RELEASER_NAP_MAX_NS UINT64_C(100000000)    /* the releaser's longest pause */

/* The acceptor threads lb_acceptor_start() starts when lb_acceptor_cfg.threads
 * is 0, on a machine of ncpus CPUs: the same for background and adaptive
 * (adaptive parks those demand does not need): half the CPUs, 1 to
 * LB_ACCEPTOR_MAX_THREADS. A simulator gives its guest's CPUs. */
unsigned lb_acceptor_default_threads(unsigned ncpus);

/* The releaser thread's pause between passes for a delay (0: the default):
 * a quarter of the delay, at most LB_RELEASER_NAP_MAX_NS, so no block
 * waits more than that past its delay. */
uint64_t lb_releaser_nap_ns(uint64_t delay_ns);

struct lb_acceptor_cfg {
	uint64_t reserve_bytes; /* 0: from the allocation rate (background:
				   LB_BACKGROUND_RESERVE_BYTES, 64 MiB) */
	uint64_t batch_bytes;   /* per pass, one backend call, at most 1 GiB
				   (more is taken as 1 GiB); 0: automatic */
	uint64_t period_ns;     /* each thread: pause when at the reserve; 0:
				   LB_ACCEPTOR_PERIOD_NS (1 ms) */
	uint64_t horizon_ns;    /* rate-sized reserve: this much demand; 0: 100 ms
				   (adaptive: twice the acceptor's measured
				   response, 5 to 100 ms) */
	unsigned threads;       /* lb_acceptor_start() starts this many (for
				   adaptive, the most that work at once); 0:
				   lb_acceptor_default_threads(the CPUs the
				   calling thread may run on); at most
				   LB_ACCEPTOR_MAX_THREADS */
	unsigned adapt_off;     /* LB_ADAPT_* parts of adaptive left out, to
				   measure each; 0: all in */
};

/* The parts of LB_POLICY_ADAPTIVE (src/demand.c, src/scale.c, src/policy.c). */
#define LB_ADAPT_TREND   1u  /* follow a rising rate at once, projected */
#define LB_ADAPT_PEAK    2u  /* a reserve floor from the recent peak rate */
#define LB_ADAPT_HORIZON 4u  /* horizon_ns 0: what the acceptor takes to answer */
#define LB_ADAPT_SCALE   8u  /* threads work as demand needs, while they pay */
#define LB_ADAPT_SIZE    16u /* an allocation accepts what costs least per page */
#define LB_ADAPT_ORDER   32u /* the reserve in the largest blocks demand takes */
#define LB_ADAPT_IDLE    64u /* on one CPU, threads only when it would idle */
#define LB_ADAPT_ALL    127u

/*
 * The releaser (the reverse path, like free page reporting): free accepted
 * blocks of order >= min_order that stayed free for delay_ns are released
 * through the backend, up to batch blocks a pass, and put back unaccepted
 * at the TAIL; they are accepted again on demand. It never takes free
 * accepted memory below the low watermark plus the acceptor's reserve. A
 * pass looks at 1024 free blocks at most, so it holds the zone lock for a
 * bounded time; the next pass goes on where it stopped.
 */
struct lb_releaser_cfg {
	uint64_t delay_ns;  /* 0: LB_RELEASER_DELAY_NS (2 s) */
	unsigned min_order; /* 0: 9 */
	unsigned batch;     /* 0: 32 */
};

/* Bad input (threads above LB_ACCEPTOR_MAX_THREADS, a releaser batch above
 * 64 or min_order above LB_MAX_ORDER) is LB_EINVAL and changes nothing.
 * threads takes effect at the next lb_acceptor_start(). */
int lb_acceptor_config(struct lb_zone *z, const struct lb_acceptor_cfg *cfg);
int lb_releaser_config(struct lb_zone *z, const struct lb_releaser_cfg *cfg);

/* One pass at time now_ns (any monotonic clock, virtual time included).
 * Return the bytes accepted or released (>= 0), or an error. These are
 * what the threads run; a simulator calls them on its own clock.
 * Acceptor passes may run concurrently (the acceptor's threads): each
 * takes other memory and makes one backend call (one per part when its
 * batch holds a suspect, see struct lb_backend_ops), and the reserve
 * counts the batches still in flight, so N passes never overshoot it:
 * a pass accepts only while free accepted memory plus the acceptor's
 * batches in flight is below the reserve, and at most the shortfall
 * rounded up to a whole unit, so together they never take that sum above
 * the reserve plus one unit less a page.
 * Failures: an acceptor pass makes one failed call at most (more only
 * while the zone's 16 suspects are all taken: then log2 of its batch in
 * pages, as struct lb_backend_ops says); its batch then goes back to the
 * free lists (a suspect: later passes try its halves), and the pass
 * returns LB_EBACKEND if it accepted nothing (the threads then pause for
 * a period). A releaser pass releases each block
 * of its batch in its own call; a block whose release fails is
 * quarantined (its state is unknown), the others go on, and the pass
 * returns the bytes released (0 if none, never LB_EBACKEND). Neither
 * waits for memory in flight elsewhere: it is not free. */
int64_t lb_acceptor_step(struct lb_zone *z, uint64_t now_ns);
int64_t lb_releaser_step(struct lb_zone *z, uint64_t now_ns);

/* Would a step at now_ns do nothing and change nothing? 1 (with *until_ns,
 * if not NULL, the time from which it may find work again, UINT64_MAX for
 * none), 0, or LB_EINVAL. The acceptor rests after a step that found free
 * accepted memory at the reserve, until memory is handed out or released,
 * a pass ends, its configuration or the policy changes, or the clock
 * reaches *until_ns (the end of a window that holds allocations not yet
 * counted). The releaser rests for its delay after each pass. A thread, or
 * a simulator, may sleep until one of these instead of stepping every
 * period: the steps it skips would have done nothing. A look that answers
 * 1 also tells the acceptor that nothing was handed out by now_ns, which
 * a step that comes late needs to count the allocations since. */
int lb_acceptor_resting(struct lb_zone *z, uint64_t now_ns, uint64_t *until_ns);
int lb_releaser_resting(struct lb_zone *z, uint64_t now_ns, uint64_t *until_ns);

/* Hosted builds: run them on threads of their own (the acceptor on
 * lb_acceptor_cfg.threads threads, the releaser on one). Start while
 * running is LB_EINVAL. Stop wakes the threads, joins them all and returns
 * once their current passes end; start and stop may be called from
 * several threads at once (they take turns). */
int lb_acceptor_start(struct lb_zone *z);
int lb_acceptor_stop(struct lb_zone *z);
int lb_releaser_start(struct lb_zone *z);
int lb_releaser_stop(struct lb_zone *z);

/*
 * Walk the zone and verify invariants I1-I6 (README, "Reliability"). Returns 0, or
 * LB_ECORRUPT with the first broken invariant described in msg (cut to
 * len bytes with its NUL; msg may be NULL), e.g.
 * "I5: free buddies 0x200000 and 0x201000 of order 0 not merged";
 * freestanding builds (LB_FREESTANDING, no printf) write a constant that
 * names the invariant, without the numbers: "I5: free buddies not merged".
 * Must be called with no allocation in progress on the zone for I4's
 * counters to be exact.
 */
int lb_zone_check(struct lb_zone *z, char *msg, size_t len);

#ifdef __cplusplus
}
#endif
#endif /* LAZYBUDDY_H */
