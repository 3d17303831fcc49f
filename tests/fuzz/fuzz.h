/* SPDX-License-Identifier: MIT */
/*
 * The fuzz target: one input drives one zone through every public entry
 * point and checks each answer against a reference model (fuzz_zone.c and
 * the files fz_internal.h lists).
 * Built twice: with libFuzzer (make fuzz, clang) and with the plain driver
 * (driver.c, in make test in every variant).
 */
#ifndef LB_FUZZ_H
#define LB_FUZZ_H

#include <stddef.h>
#include <stdint.h>

/*
 * Checks of defects found and fixed. Each was held back (0) while its
 * defect was open; set one to 0 (here, or FUZZ_DEFS=-DFZ_CHECK_...=0)
 * to hold it back again, e.g. to bisect before the fix.
 */
#ifndef FZ_CHECK_ENOMEM_MIXED_RUN
/* Fixed (6a167a6): an allocation of order k failed with LB_ENOMEM although
 * a free aligned run of 2^k pages existed, part accepted, part not (and
 * NOWAIT said LB_EAGAIN where accepting could not help). Checked: neither. */
#define FZ_CHECK_ENOMEM_MIXED_RUN 1
#endif
#ifndef FZ_CHECK_FAILURE_CONTAINED
/* Fixed (08e9372): a failing backend quarantined everything, one public
 * call taking fresh memory after each failed accept. Checked: at most
 * FZ_MAX_FAILED_CALLS failed backend calls per public call, plus one a
 * halving once the zone's suspects are all taken (fz_failed_bound). (Either way
 * LB_EBACKEND is a legitimate answer of a call in which the backend
 * failed.) */
#define FZ_CHECK_FAILURE_CONTAINED 1
#endif
#ifndef FZ_MAX_FAILED_CALLS
#define FZ_MAX_FAILED_CALLS 4
#endif
#ifndef FZ_CHECK_CACHE_REINIT
/* Fixed (8925a1e): lb_cache_init() on a live cache corrupted the zone's
 * cache list (lb_zone_stats then loops for ever). Checked: the fuzzer
 * re-inits live caches and expects a refusal or intact invariants. */
#define FZ_CHECK_CACHE_REINIT 1
#endif
#ifndef FZ_CHECK_NULL_ARGS
/* Fixed (904362e): lb_zone_policy(NULL), lb_zone_watermarks(NULL/z, NULL)
 * and lb_zone_stats(z, NULL) crashed. Checked: LB_EINVAL (needs the int
 * returns of 904362e to compile). */
#define FZ_CHECK_NULL_ARGS 1
#endif
#ifndef FZ_CHECK_WMARK_EXTREMES
/* Fixed (1fe1ab5): watermarks near UINT64_MAX overflowed the releaser's
 * floor (low + reserve), so it released memory it must keep. Checked: such
 * watermarks at set-up, refused at run time above the managed pages (the
 * floor itself is checked on every releaser step either way). */
#define FZ_CHECK_WMARK_EXTREMES 1
#endif

/* libFuzzer's entry point: runs one input; aborts on a broken check. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The plain driver's hooks: with a handler set, a broken check calls it
 * (it must not return: the driver longjmps out) instead of abort(). */
void fz_set_fail_handler(void (*fn)(void));
/* Print every operation as it runs (reproducers). */
void fz_set_trace(int on);
/* Totals since start: inputs run, operations run. */
void fz_counts(uint64_t *inputs, uint64_t *ops);
/* Forget the zone of an input whose check broke (frees its buffer). */
void fz_reset(void);

#endif
