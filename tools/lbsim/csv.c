/* SPDX-License-Identifier: MIT */
#include "csv.h"

#include <inttypes.h>
#include <string.h>

/* A field quoted when it holds a comma, a quote or a line break. */
static void field(FILE *f, const char *s)
{
	if (!strpbrk(s, ",\"\r\n")) {
		fputs(s, f);
		return;
	}
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

#define U64_FIELDS(X)                                                                     \
	X(memory_bytes) X(managed_bytes) X(pre_accepted_bytes) X(unit_bytes) X(accept_calls) \
	X(arch_calls) X(refused_calls) X(accepted_bytes) X(setup_accepted_bytes) X(over_accepted_bytes)       \
	X(unaccepted_bytes_end) X(allocated_bytes_end) X(setup_virtual_ns)                   \
	X(virtual_time_ns) X(lat_p50) X(lat_p99) X(lat_p999) X(lat_max) X(allocations)       \
	X(alloc_failures) X(frees) X(ops) X(rate) X(trace_events) X(replayed_events)                 \
	X(unknown_lines) X(incons_total) X(footprint_bytes) X(peak_live_bytes) X(vcpus)      \
	X(boot_ns) X(boot_other_ns) X(vcpu_accept_ns) X(wait_ns) X(max_lag_ns) X(acceptor_cpu_ns) X(releaser_cpu_ns)        \
	X(release_calls) X(released_bytes) X(committed_bytes_peak) X(committed_bytes_end)    \
	X(nowait_failures) X(busy_failures) X(acceptors) X(lag_p50) X(lag_p99) X(lag_p999)    \
	X(bg_tail_ns) X(max_call_ns) X(max_alloc_accept_ns) X(peak_held_bytes)              \
	X(fits_pre_accepted) X(init_ns) X(replay_wall_ns) X(events_per_sec)

void lbs_print_csv(FILE *f, const struct lbs_result *r, size_t n)
{
	fputs("policy,workload,backend,accept_lock,seed", f);
#define HEAD(name) fputs("," #name, f);
	U64_FIELDS(HEAD)
#undef HEAD
	fputs(",check\n", f);
	for (size_t i = 0; i < n; i++) {
		const struct lbs_result *x = &r[i];
		field(f, x->policy ? x->policy : "");
		fputc(',', f);
		field(f, x->workload ? x->workload : "");
		fputc(',', f);
		field(f, x->backend);
		fputc(',', f);
		field(f, x->lock);
		fprintf(f, ",%" PRIu64, x->seed);
#define VAL(name) fprintf(f, ",%" PRIu64, (uint64_t)x->name);
		U64_FIELDS(VAL)
#undef VAL
		fputc(',', f);
		field(f, x->check);
		fputc('\n', f);
	}
}

int lbs_write_csv(const char *path, const struct lbs_result *r, size_t n)
{
	FILE *f = fopen(path, "w");
	int bad;

	if (!f)
		return -1;
	lbs_print_csv(f, r, n);
	bad = ferror(f);
	if (fclose(f) != 0 || bad)
		return -1;
	return 0;
}
