/* SPDX-License-Identifier: MIT */
/*
 * The guest lbsim runs, synthetic or replayed: its memory, CPUs, cost
 * model and acceptor settings (struct lbs_sim_config), their defaults,
 * and its memory map. The guest's physical memory is [0, memory_bytes).
 * Firmware has accepted the first pre_accepted_bytes (4 GiB by default,
 * as current TDX/SNP firmware does; all of a smaller guest); the rest is
 * unaccepted. The legacy hole [640 KiB, 1 MiB) is reserved.
 */
#ifndef LBS_GUEST_H
#define LBS_GUEST_H

#include <stddef.h>
#include <stdint.h>

#include "lazybuddy.h"
#include "lazybuddy_backends.h"
#include "../results/result.h"
#include "timed.h"

#define LBS_HOLE_START   UINT64_C(0xA0000)   /* 640 KiB */
#define LBS_HOLE_END     UINT64_C(0x100000)  /* 1 MiB */
#define LBS_MIN_MEMORY   (UINT64_C(4) << 20) /* one max-order block */
#define LBS_MAX_RANGES   8
#define LBS_MAX_VCPUS    256
#define LBS_MAX_CPUS     LBS_MAX_VCPUS
/* --load's default: a stream's CPU is busy half of the time between its
 * operations (an assumption: cpus.h, docs/model.md). */
#define LBS_LOAD_DEFAULT 50u

struct lbs_sim_config {
	uint64_t memory_bytes;       /* guest size, page multiple, >= LBS_MIN_MEMORY */
	uint64_t pre_accepted_bytes; /* accepted by firmware from address 0, page multiple */
	uint64_t unit_bytes;         /* acceptance unit; 0: LB_UNIT_DEFAULT */
	char backend[LBS_NAME_MAX];  /* the cost model's name: a preset ("tdx", "snp"),
					"null", or a cost file's (have_model) */
	struct lbs_model model;      /* have_model: a cost file's figures (--cost FILE);
					model.call.name is unused: backend is the name */
	int have_model;
	uint64_t seed;
	uint64_t churn_ops;          /* 0: lbs_churn_default_ops() */
	uint64_t rate;               /* operations per second (workload.h); 0: each
					workload's default, LBS_RATE_MAX: back to back */
	unsigned vcpus;              /* synthetic workloads: vCPUs, a stream each; 0: 1 */
	unsigned cpus;               /* the guest's CPUs (cpus.h); 0: one per stream */
	unsigned load_pct;           /* a stream's CPU is busy this share of the time
					between its operations (cpus.h), 0 to 100 */
	int first_write;             /* a vCPU writes each page it is handed, at the
					model's write_gib_ns, on its own CPU */
	enum lbs_lock lock;          /* per-unit (parallel) or one global accept lock */
	/* The acceptor (background, adaptive); 0: the library's defaults. */
	unsigned acceptors;          /* threads; 0: what the library starts on the
					guest's CPUs (lb_acceptor_default_threads) */
	uint64_t reserve_bytes, batch_bytes, horizon_ns;
	unsigned adapt_off;          /* LB_ADAPT_* parts of adaptive left out */
	int keep_extra;              /* fill lbs_result.extra (the latency histogram) */
};

/* 16 GiB guest, 4 GiB pre-accepted, 2 MiB unit, tdx-4k model, seed 1, one
 * vCPU, a CPU per vCPU, busy LBS_LOAD_DEFAULT percent of the time, per-unit
 * accept lock, the library's count of acceptor threads. */
void lbs_sim_defaults(struct lbs_sim_config *c);

/* Is name a backend lbsim knows ("null" or a model preset)? */
int lbs_backend_valid(const char *name);

/* The run's model: the cost file's figures when loaded, else the preset
 * backend names ("free" for "null"); out->name is the name to show, and
 * points into c for a file. 0, or LB_EINVAL for an unknown backend. */
int lbs_sim_model(const struct lbs_sim_config *c, struct lbs_model *out);

/* The guest's memory map; *n gets the number of ranges. 0 or LB_EINVAL. */
int lbs_sim_build_map(const struct lbs_sim_config *c, struct lb_range *ranges, size_t max,
		      size_t *n);

#endif
