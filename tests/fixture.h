/* SPDX-License-Identifier: MIT */
/*
 * Test fixture: a zone over a memory map with malloc'd metadata and the
 * "strict" test backend, which keeps its own record of accepted pages
 * (independent of the zone's shadow) and counts every rule broken:
 * a page accepted twice (I2), a call made while the zone lock is held
 * (I6, single-threaded fixtures only), a misaligned or empty range.
 */
#ifndef LB_TEST_FIXTURE_H
#define LB_TEST_FIXTURE_H

#include "lazybuddy.h"
#include "lazybuddy_backends.h"

#include <pthread.h>
#include <stdbool.h>

#define MiB (UINT64_C(1) << 20)

/* Memory maps the tests share: 4 MiB the firmware accepted, then the rest
 * unaccepted, 16 MiB, 64 MiB or 1 GiB in all; and 4 MiB, accepted. */
extern const struct lb_range fx_map16[2], fx_map64[2], fx_map1g[2], fx_map4acc[1];

/* Room for an lb_cache, aligned as a cache line (free() it). */
void *fx_cache_mem(void);
#define GiB (UINT64_C(1) << 30)
#define KiB (UINT64_C(1) << 10)

struct strict_backend {
	uint64_t base, npages;   /* physical span it records */
	uint64_t *accepted;      /* one bit per page (atomic updates) */
	uint64_t *released;      /* likewise: released, not accepted since */
	struct lb_zone *zone;    /* checked for I6 when check_lock */
	bool check_lock;
	struct lb_backend inner; /* called after the checks (optional) */
	uint64_t calls, pages, double_accepts, lock_held, bad_ranges, releases;
	uint64_t reaccepted;     /* pages accepted again after a release */
};

struct fx {
	struct lb_zone *z;
	void *meta;
	struct strict_backend sb;
	struct lb_config cfg;
};

/* Set up a zone over ranges with policy and unit (0: default), the strict
 * backend wrapping inner (ops NULL: none) and the given LB_CFG_* flags
 * (LB_CFG_SHADOW is always added). Returns the lb_zone_init() result. */
int fx_init_with(struct fx *f, const struct lb_range *ranges, size_t n, enum lb_policy policy,
		 uint64_t unit, unsigned flags, struct lb_backend inner);
int fx_init(struct fx *f, const struct lb_range *ranges, size_t n, enum lb_policy policy);
/* fx_init_with() for a zone with cpus CPU lists (lb_config.cpus). */
int fx_init_cpus(struct fx *f, const struct lb_range *ranges, size_t n, enum lb_policy policy,
		 uint64_t unit, unsigned flags, struct lb_backend inner, unsigned cpus);
void fx_fini(struct fx *f);

/* lb_zone_check() == 0 and the strict backend saw no broken rule; prints
 * the reason otherwise. */
bool fx_ok(struct fx *f);

/* Claim the pages of a block just handed out in a per-page ownership map
 * of the span [base, base + npages pages): false, with the reason printed,
 * if it is misaligned, outside the span, unmanaged or already owned. */
bool fx_claim(uint8_t *owned, const uint8_t *managed, uint64_t base, uint64_t npages,
	      uint64_t addr, unsigned order);

/* tests/fixtures/NAME, from this file's path as compiled (the tests run
 * from the top of the tree); a static buffer, valid until the next call. */
const char *fx_fixture(const char *name);

/* Does the strict backend's record say every page of [addr, +size) is accepted? */
bool sb_all_accepted(const struct strict_backend *sb, uint64_t addr, uint64_t size);

/*
 * The gate: a backend whose accepts wait until the test opens it, so that
 * memory stays in flight while other threads run. A call waits 3 s at
 * most (then timed_out is set and it succeeds all the same), so a test
 * that would otherwise wait for ever fails instead. Wrap it in the strict
 * backend (fx_init_with's inner) for the record of accepted pages.
 */
struct gate_backend {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	unsigned held;  /* calls waiting in the gate now */
	unsigned calls; /* calls so far */
	bool open, timed_out;
};

void gate_init(struct gate_backend *g, struct lb_backend *out);
void gate_fini(struct gate_backend *g);
/* Wait until n calls are held in the gate (2 s at most): true if they are. */
bool gate_wait_held(struct gate_backend *g, unsigned n);
void gate_open(struct gate_backend *g);

/* A deterministic PRNG (splitmix64) for the tests. */
static inline uint64_t fx_rand(uint64_t *s)
{
	uint64_t z = (*s += UINT64_C(0x9e3779b97f4a7c15));

	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

/* An order mostly 0, some 1-3, a few 4-6 and 7-10; at most maxo. */
static inline unsigned fx_pick_order(uint64_t *seed, unsigned maxo)
{
	uint64_t r = fx_rand(seed) % 100;
	unsigned o;

	if (r < 70)
		o = 0;
	else if (r < 90)
		o = 1 + (unsigned)(fx_rand(seed) % 3);
	else if (r < 98)
		o = 4 + (unsigned)(fx_rand(seed) % 3);
	else
		o = 7 + (unsigned)(fx_rand(seed) % 4);
	return o < maxo ? o : maxo;
}

#endif
