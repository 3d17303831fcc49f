/* SPDX-License-Identifier: MIT */
/*
 * Wall-clock time for lbbench, and the latency sampler.
 *
 * Reading CLOCK_MONOTONIC costs 20-40 ns (vDSO), as much as the operations
 * measured, so not every operation is timed. The sampler times one
 * operation in every `every` on average, at a random distance (uniform in
 * [1, 2 * every - 1], so that no periodic pattern of the workload is
 * favoured), and subtracts the clock's own cost, measured once as the
 * median of back-to-back readings. With every = 256 the two extra reads
 * add about 0.3 ns to an operation on average (under 2% of a 20 ns one);
 * throughput (ns per operation) is the wall time of the whole run divided
 * by its operations, so it includes that and nothing else.
 */
#ifndef LBB_CLOCK_H
#define LBB_CLOCK_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

static inline uint64_t lbb_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* The cost of one timing (two readings back to back), median of many. */
uint64_t lbb_clock_overhead_ns(void);

/* xorshift64*: cheap and good enough to pick slots and sampling gaps. */
static inline uint64_t lbb_rand(uint64_t *s)
{
	uint64_t x = *s;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*s = x;
	return x * UINT64_C(0x2545f4914f6cdd1d);
}

/* A uniform index below n (n < 2^32), without a division. */
static inline uint32_t lbb_rand_below(uint64_t *s, uint32_t n)
{
	return (uint32_t)(((lbb_rand(s) >> 32) * (uint64_t)n) >> 32);
}

struct lbb_sampler {
	uint64_t *lat;      /* sampled latencies, ns, clock cost removed */
	size_t n, cap;      /* samples beyond cap are dropped */
	uint64_t countdown; /* operations until the next timed one */
	uint32_t every;     /* mean distance between timed operations */
	uint64_t overhead;  /* subtracted from every sample */
	uint64_t rng;
};

static inline void lbb_sampler_rearm(struct lbb_sampler *s)
{
	s->countdown = 1 + lbb_rand_below(&s->rng, 2 * s->every - 1);
}

static inline void lbb_sampler_add(struct lbb_sampler *s, uint64_t ns)
{
	if (s->n < s->cap)
		s->lat[s->n++] = ns > s->overhead ? ns - s->overhead : 0;
	lbb_sampler_rearm(s);
}

#endif
