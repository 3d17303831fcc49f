/* SPDX-License-Identifier: MIT */
/*
 * A minimal test harness. TEST(name) defines and registers a test; CHECK()
 * records a failure and goes on, REQUIRE() records it and leaves the test.
 * tests/main.c runs every registered test (or those whose names contain
 * one of its arguments; with --tsan first, only TEST_TSAN ones) and ends
 * with the line "N passed, M failed".
 */
#ifndef LB_TEST_HARNESS_H
#define LB_TEST_HARNESS_H

#include <stdio.h>

typedef void (*lbt_fn)(void);
void lbt_register(const char *name, lbt_fn fn, int tsan);
void lbt_fail(const char *file, int line, const char *expr);
int lbt_failed(void); /* has the current test failed so far? */

#define LBT_DEFINE(name, tsan)                                            \
	static void name(void);                                           \
	__attribute__((constructor)) static void name##_register(void)   \
	{                                                                 \
		lbt_register(#name, name, tsan);                          \
	}                                                                 \
	static void name(void)

#define TEST(name) LBT_DEFINE(name, 0)
/* A test ThreadSanitizer runs too: it runs threads, or what threads share
 * (make test's TSan build runs these alone: lbtest --tsan). */
#define TEST_TSAN(name) LBT_DEFINE(name, 1)

#define CHECK(expr)                                                       \
	do {                                                              \
		if (!(expr))                                              \
			lbt_fail(__FILE__, __LINE__, #expr);              \
	} while (0)

#define REQUIRE(expr)                                                     \
	do {                                                              \
		if (!(expr)) {                                            \
			lbt_fail(__FILE__, __LINE__, #expr);              \
			return;                                           \
		}                                                         \
	} while (0)

/* REQUIRE for the helpers that return a value. */
#define REQUIRE_OR(expr, ret)                                 \
	do {                                                  \
		if (!(expr)) {                                \
			lbt_fail(__FILE__, __LINE__, #expr);  \
			return ret;                           \
		}                                             \
	} while (0)

#define CHECK_EQ(a, b)                                                        \
	do {                                                                  \
		long long lbt_a_ = (long long)(a), lbt_b_ = (long long)(b);   \
		if (lbt_a_ != lbt_b_) {                                       \
			char lbt_m_[256];                                     \
			snprintf(lbt_m_, sizeof lbt_m_, "%s == %s (%lld != %lld)", \
				 #a, #b, lbt_a_, lbt_b_);                     \
			lbt_fail(__FILE__, __LINE__, lbt_m_);                 \
		}                                                             \
	} while (0)

/* a == b within tol (virtual-time sums that round each step up by < 1 ns) */
#define CHECK_NEAR(a, b, tol)                                                 \
	do {                                                                  \
		long long lbt_a_ = (long long)(a), lbt_b_ = (long long)(b);   \
		long long lbt_d_ = lbt_a_ > lbt_b_ ? lbt_a_ - lbt_b_ : lbt_b_ - lbt_a_; \
		if (lbt_d_ > (long long)(tol)) {                              \
			char lbt_m_[256];                                     \
			snprintf(lbt_m_, sizeof lbt_m_, "%s ~ %s (%lld vs %lld)", \
				 #a, #b, lbt_a_, lbt_b_);                     \
			lbt_fail(__FILE__, __LINE__, lbt_m_);                 \
		}                                                             \
	} while (0)

#endif
