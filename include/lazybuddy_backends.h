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
 * is made the way a guest kernel drives the platform: at each page, the
 * largest aligned chunk that fits is tried first; a size in `tries` is
 * refused (Linux on TDX tries 1 GiB, which the TDX module never accepts; on
 * a host that maps private memory at 4 KiB a 2 MiB accept is refused with a
 * page-size mismatch) and the next smaller size is tried on the same
 * memory; a size in `levels` is accepted in one architectural call. The
 * call costs
 *     arch_calls * call_ns + refused * refused_ns + pages * page_ns
 *       + pages * fault / 2^host_order
 * where fault = fault_ns + fault_vcpu_ns * (vcpus - 1): each host mapping
 * granule (2^host_order pages) the accepts fault in costs an exit, an
 * EPT/NPT violation and the host's page add, and that grows with the
 * vCPUs online, whose own exits compete on the host. Release costs
 * release_call_ns per `levels` chunk plus release_page_ns per page. Costs,
 * and the clock, saturate at UINT64_MAX rather than wrap. The virtual
 * clock is the sum of all costs charged; callers read it before and after
 * an operation to learn what that operation cost. Every call is charged
 * alone: what overlapping calls cost a shared host, and a whole boot, are
 * for callers that model a whole guest (lbsim's model, tools/lbsim/model).
 */
struct lb_model_params {
	const char *name;
	uint64_t call_ns;          /* one architectural accept call that succeeds */
	uint64_t page_ns;          /* per 4 KiB page accepted (clearing, commit) */
	uint64_t release_call_ns;  /* fixed cost of one release call */
	uint64_t release_page_ns;  /* per 4 KiB page released */
	unsigned levels;           /* bit k: one call can cover an aligned 2^k-page chunk */
	unsigned tries;            /* bit k: the guest tries 2^k pages first and the
				      platform refuses; it then tries smaller */
	uint64_t refused_ns;       /* one refused try */
	unsigned host_order;       /* the host maps private memory in 2^k-page
				      granules (0: 4 KiB, 9: 2 MiB) */
	uint64_t fault_ns;         /* per granule faulted in, one vCPU online */
	uint64_t fault_vcpu_ns;    /* added per further vCPU online */
};

/* Fill p with a named preset ("tdx", "tdx-4k", "snp", "snp-4k", "free");
 * LB_EINVAL if unknown. The figures and their sources are in
 * src/backend/model.c and docs/model.md. */
int lb_model_preset(const char *name, struct lb_model_params *p);

struct lb_model_backend {
	struct lb_model_params p;
	uint64_t clock_ns;         /* virtual time charged so far (atomic) */
	uint64_t accept_calls, arch_calls, accepted_pages;
	uint64_t refused_calls;    /* tries the platform refused */
	uint64_t release_calls, released_pages;
	unsigned vcpus;            /* vCPUs online, for fault_vcpu_ns (0 counts as 1);
				      the caller may change it at any time */
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
