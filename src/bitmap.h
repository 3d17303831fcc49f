/* SPDX-License-Identifier: MIT */
/* Bit ranges over arrays of uint64_t words; bit i of the array is bit
 * (i % 64) of word i / 64. Ranges are [start, start + n). */
#ifndef LB_BITMAP_H
#define LB_BITMAP_H

#include <stdint.h>

#define LB_WORDS(nbits) (((nbits) + 63) / 64)

static inline int bit_test(const uint64_t *map, uint64_t i)
{
	return (int)((map[i >> 6] >> (i & 63)) & 1);
}

static inline void bit_set(uint64_t *map, uint64_t i)
{
	map[i >> 6] |= UINT64_C(1) << (i & 63);
}

static inline void bit_clear(uint64_t *map, uint64_t i)
{
	map[i >> 6] &= ~(UINT64_C(1) << (i & 63));
}

/* Mask of the bits of word w (bits [w*64, w*64+64)) that lie in [s, e). */
static inline uint64_t bits_word_mask(uint64_t w, uint64_t s, uint64_t e)
{
	uint64_t lo = w * 64, m = ~UINT64_C(0);

	if (s > lo)
		m &= ~UINT64_C(0) << (s - lo);
	if (e < lo + 64)
		m &= ~(~UINT64_C(0) << (e - lo));
	return m;
}

/* Set bits in a word. GCC makes __builtin_popcountll a libgcc call
 * (__popcountdi2) where the target has no popcount instruction (x86-64
 * without -mpopcnt, the default): a freestanding core may call nothing but
 * memset, memcpy and memmove, and a hosted one would pay a call on every
 * hand-out (the fresh-page record); both count them inline. (GCC before 14
 * inlines it on aarch64 only with SIMD, which kernels often leave out.) */
static inline uint64_t word_popcount(uint64_t x)
{
#if !defined(__POPCNT__) && !(defined(__aarch64__) && defined(__ARM_NEON))
	x -= (x >> 1) & UINT64_C(0x5555555555555555);
	x = (x & UINT64_C(0x3333333333333333)) + ((x >> 2) & UINT64_C(0x3333333333333333));
	x = (x + (x >> 4)) & UINT64_C(0x0f0f0f0f0f0f0f0f);
	return (x * UINT64_C(0x0101010101010101)) >> 56;
#else
	return (uint64_t)__builtin_popcountll(x);
#endif
}

/* Count the set bits in [s, s + n). */
static inline uint64_t bits_count(const uint64_t *map, uint64_t s, uint64_t n)
{
	uint64_t e = s + n, c = 0;

	for (uint64_t w = s >> 6; w < LB_WORDS(e); w++)
		c += word_popcount(map[w] & bits_word_mask(w, s, e));
	return c;
}

/* Set (val != 0) or clear the bits [s, s + n); returns how many changed. */
static inline uint64_t bits_assign(uint64_t *map, uint64_t s, uint64_t n, int val)
{
	uint64_t e = s + n, changed = 0;

	for (uint64_t w = s >> 6; w < LB_WORDS(e); w++) {
		uint64_t m = bits_word_mask(w, s, e);
		uint64_t diff = val ? (~map[w] & m) : (map[w] & m);

		changed += word_popcount(diff);
		map[w] ^= diff;
	}
	return changed;
}

/* First set bit at or after i, or n if none below n. */
static inline uint64_t bits_next_set(const uint64_t *map, uint64_t i, uint64_t n)
{
	while (i < n) {
		uint64_t word = map[i >> 6] & (~UINT64_C(0) << (i & 63));

		if (word) {
			i = (i & ~UINT64_C(63)) + (uint64_t)__builtin_ctzll(word);
			return i < n ? i : n;
		}
		i = (i | 63) + 1;
	}
	return n;
}

#endif /* LB_BITMAP_H */
