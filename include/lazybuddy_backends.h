/* SPDX-License-Identifier: MIT */
/*
 * Backends shipped with lazybuddy. Each fills a struct lb_backend that is
 * passed in lb_config.backend; the state struct must outlive the zone.
 * All of them are safe to call from several threads for disjoint ranges
 * (the contract of struct lb_backend_ops in lazybuddy.h).
 */
#ifndef LAZYBUDDY_BACKENDS_H
#define LAZYBUDDY_BACKENDS_H

#include "lazybuddy.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------ null */
/* Accepts and releases instantly; counts. */
struct lb_null_backend {
	uint64_t accept_calls, accepted_bytes;
	uint64_t release_calls, released_bytes;
};
void lb_null_backend_init(struct lb_null_backend *nb, struct lb_backend *out);

/* ----------------------------------------------------------------- model */
/*
 * A cost model in virtual time. One backend call covering a contiguous range
 * is split into the fewest architectural calls the platform allows (aligned
 * chunks of 2^k pages for each k in levels), and costs
 *     arch_calls * call_ns + pages * page_ns
 * (release likewise with its own figures). The virtual clock is the sum of
 * all costs charged; callers read it before and after an operation to learn
 * what that operation cost.
 */
struct lb_model_params {
	const char *name;
	uint64_t call_ns;          /* fixed cost of one architectural accept call */
	uint64_t page_ns;          /* per 4 KiB page accepted */
	uint64_t release_call_ns;  /* fixed cost of one release call */
	uint64_t release_page_ns;  /* per 4 KiB page released */
	unsigned levels;           /* bit k: one call can cover an aligned 2^k-page chunk */
	unsigned contention_pct;   /* host contention: each other accept in flight
				      when a call starts adds this % to its cost
				      (applied by callers that know what overlaps
				      in time, such as lbsim; the backend itself
				      charges every call alone) */
};

/* Fill p with a named preset ("tdx", "snp", "free"); LB_EINVAL if unknown.
 * The figures and their sources are in src/backend/model.c and the README. */
int lb_model_preset(const char *name, struct lb_model_params *p);

struct lb_model_backend {
	struct lb_model_params p;
	uint64_t clock_ns;         /* virtual time charged so far (atomic) */
	uint64_t accept_calls, arch_calls, accepted_pages;
	uint64_t release_calls, released_pages;
};
void lb_model_backend_init(struct lb_model_backend *m, const struct lb_model_params *p,
			   struct lb_backend *out);
uint64_t lb_model_clock(const struct lb_model_backend *m);

/* ------------------------------------------------------------------ mmap */
/*
 * Real memory where the MMU enforces the rules. The span of the memory map
 * is reserved PROT_NONE; ranges the map marks accepted are made read/write
 * at init (as firmware-accepted memory); accept makes a range read/write and
 * populates it (MADV_POPULATE_WRITE where the kernel has it, else by
 * touching every page); release discards it (MADV_DONTNEED) and makes it
 * PROT_NONE again. Any touch of unaccepted memory faults at once.
 */
struct lb_mmap_backend {
	unsigned char *base;   /* mapping of phys_base */
	uint64_t phys_base, size;
	int populate_mode;     /* 1: MADV_POPULATE_WRITE, 0: touching */
	uint64_t accept_calls, accepted_bytes, release_calls, released_bytes;
};
int lb_mmap_backend_init(struct lb_mmap_backend *mb, const struct lb_range *ranges,
			 size_t nranges, struct lb_backend *out);
void lb_mmap_backend_fini(struct lb_mmap_backend *mb);
/* Pointer for a physical address of the span, or NULL outside it. */
void *lb_mmap_ptr(const struct lb_mmap_backend *mb, uint64_t addr);

/* ----------------------------------------------------------------- fault */
/* Wraps another backend and makes chosen accept calls fail with LB_EBACKEND. */
struct lb_fault_backend {
	struct lb_backend inner;
	uint64_t fail_every;   /* fail every n-th accept call (0: never) */
	uint64_t fail_addr;    /* fail calls whose range holds this address (UINT64_MAX: none) */
	uint64_t calls, failures;
};
void lb_fault_backend_init(struct lb_fault_backend *fb, struct lb_backend inner,
			   struct lb_backend *out);

#ifdef __cplusplus
}
#endif
#endif /* LAZYBUDDY_BACKENDS_H */
