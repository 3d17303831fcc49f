/* SPDX-License-Identifier: MIT */
/* Output of trace replays: the JSON members, the heading, the table. */
#include "output.h"

#include <inttypes.h>
#include <string.h>

void lbs_bytes_text(char *buf, size_t len, uint64_t b)
{
	static const char *const suf[] = {"B", "KiB", "MiB", "GiB", "TiB"};
	double v = (double)b;
	int i = 0;

	while (i < 4 && v >= 1024.0) {
		v /= 1024.0;
		i++;
	}
	if (i == 0)
		snprintf(buf, len, "%" PRIu64 " B", b);
	else
		snprintf(buf, len, "%.1f %s", v, suf[i]);
}

void lbs_ns_text(char *buf, size_t len, uint64_t ns)
{
	if (ns >= UINT64_C(1000000000))
		snprintf(buf, len, "%.2f s", (double)ns / 1e9);
	else if (ns >= UINT64_C(1000000))
		snprintf(buf, len, "%.2f ms", (double)ns / 1e6);
	else
		snprintf(buf, len, "%.2f µs", (double)ns / 1e3);
}

void lbs_print_json_trace(FILE *f, const struct lbs_result *x)
{
	lbs_json_key_u64(f, "trace_events", x->trace_events);
	lbs_json_key_u64(f, "replayed_events", x->replayed_events);
	lbs_json_key_u64(f, "unknown_lines", x->unknown_lines);
	fputs("    \"inconsistencies\": {", f);
	for (int k = 0; k < LB_TRACE_NINCONS; k++)
		fprintf(f, "\"%s\": %" PRIu64 ", ", lb_trace_incons_name((enum lb_trace_incons)k),
			x->incons[k]);
	fprintf(f, "\"total\": %" PRIu64 "},\n", x->incons_total);
	lbs_json_key_u64(f, "allocs_too_large", x->trace_allocs_too_large);
	lbs_json_key_u64(f, "footprint_bytes", x->footprint_bytes);
	lbs_json_key_u64(f, "peak_live_bytes", x->peak_live_bytes);
	lbs_json_key_u64(f, "trace_span_ns", x->trace_span_ns);
	lbs_json_key_u64(f, "replay_wall_ns", x->replay_wall_ns);
	lbs_json_key_u64(f, "events_per_sec", x->events_per_sec);
}

void lbs_print_trace_heading(FILE *f, const struct lbs_result *r, const char *path,
			     const struct lbs_sim_config *c, int boot)
{
	char fp[32], peak[32], span[32], mem[32], pre[32], unit[32];

	lbs_bytes_text(fp, sizeof fp, r->footprint_bytes);
	lbs_bytes_text(peak, sizeof peak, r->peak_live_bytes);
	lbs_ns_text(span, sizeof span, r->trace_span_ns);
	lbs_bytes_text(mem, sizeof mem, c->memory_bytes);
	lbs_bytes_text(pre, sizeof pre, r->pre_accepted_bytes);
	lbs_bytes_text(unit, sizeof unit, r->unit_bytes ? r->unit_bytes : LB_UNIT_DEFAULT);
	fprintf(f, "lbsim: trace %s: %" PRIu64 " events over %s on %u CPU%s; footprint %s,"
		" at most %s held at once\n", path, r->trace_events, span, r->vcpus,
		r->vcpus == 1 ? "" : "s", fp, peak);
	if (r->trace_allocs_too_large)
		fprintf(f, "       %" PRIu64 " allocations above order 10 (larger than any buddy"
			" block) left out\n", r->trace_allocs_too_large);
	fprintf(f, "       unknown lines %" PRIu64 "; inconsistencies %" PRIu64 " (", r->unknown_lines,
		r->incons_total);
	for (int k = 0, first = 1; k < LB_TRACE_NINCONS; k++) {
		if (k == LB_TRACE_INC_BATCHED_REPEAT || !r->incons[k])
			continue;
		fprintf(f, "%s%s %" PRIu64, first ? "" : ", ",
			lb_trace_incons_name((enum lb_trace_incons)k), r->incons[k]);
		first = 0;
	}
	fprintf(f, "%s; batched repeats %" PRIu64 ", normal on kernels >= 3.3)\n",
		r->incons_total ? "" : "none", r->incons[LB_TRACE_INC_BATCHED_REPEAT]);
	fprintf(f, "guest: %s, %s accepted by firmware, unit %s, backend %s%s, accept lock %s,"
		" %s\n\n", mem, pre, unit, c->backend, c->have_model ? " (cost file)" : "",
		strcmp(r->lock, "global") == 0 ? "global" : "per block",
		boot ? "boot allocations first" : "no boot allocations");
}

enum { NCOL = 18, CELL = LBS_CELL };

static void row_cells(const struct lbs_result *x, char cells[][CELL])
{
	const double mib = 1024.0 * 1024.0;

	snprintf(cells[0], CELL, "%s", x->policy);
	snprintf(cells[1], CELL, "%" PRIu64, x->accept_calls);
	snprintf(cells[2], CELL, "%.1f", (double)x->accepted_bytes / mib);
	snprintf(cells[3], CELL, "%.1f", (double)x->released_bytes / mib);
	snprintf(cells[4], CELL, "%.1f", (double)x->committed_bytes_peak / mib);
	snprintf(cells[5], CELL, "%.1f", (double)x->committed_bytes_end / mib);
	snprintf(cells[6], CELL, "%.1f", (double)x->over_accepted_bytes / mib);
	snprintf(cells[7], CELL, "%.2f", (double)x->boot_ns / 1e9);
	snprintf(cells[8], CELL, "%.1f", (double)x->vcpu_accept_ns / 1e6);
	snprintf(cells[9], CELL, "%.1f", (double)x->wait_ns / 1e6);
	snprintf(cells[10], CELL, "%.2f", (double)x->lat_p99 / 1e3);
	snprintf(cells[11], CELL, "%.1f", (double)x->lat_p999 / 1e3);
	snprintf(cells[12], CELL, "%.1f", (double)x->lat_max / 1e3);
	snprintf(cells[13], CELL, "%.2f", (double)x->lag_p99 / 1e6);
	snprintf(cells[14], CELL, "%.2f", (double)x->max_lag_ns / 1e6);
	snprintf(cells[15], CELL, "%.1f", (double)(x->acceptor_cpu_ns + x->releaser_cpu_ns) / 1e6);
	snprintf(cells[16], CELL, "%" PRIu64, x->alloc_failures);
	cells[17][0] = '\0';
}

void lbs_print_trace_table(FILE *f, const struct lbs_result *r, size_t n)
{
	static const char *const head[2][NCOL] = {
		{"policy", "accept", "accepted", "released", "committed", "committed", "over-acc",
		 "boot", "vCPU acc", "wait", "p99", "p99.9", "max", "lag p99", "max lag", "bg cpu",
		 "alloc", "check"},
		{"", "calls", "MiB", "MiB", "peak MiB", "end MiB", "MiB", "s", "ms", "ms", "µs", "µs",
		 "µs", "ms", "ms", "ms", "fails", ""},
	};
	const struct lbs_table t = { NCOL, 1, { head[0], head[1] }, row_cells };

	lbs_print_cells(f, &t, r, n);
	lbs_print_fits(f, r, n);
}

void lbs_print_trace_legend(FILE *f)
{
	fputs("\n"
	      "Each row replays the trace under one policy on a fresh zone, each trace CPU a\n"
	      "vCPU with its own virtual clock. \"accepted\" is what the zone accepted (set-up\n"
	      "included, firmware's part not), \"released\" what the releaser gave back;\n"
	      "\"committed\" is the memory the host backs (firmware's part included), at its\n"
	      "peak and at the end. \"boot\" is the virtual time set-up and the boot\n"
	      "allocations took before the trace starts. \"vCPU acc\" is vCPU time spent\n"
	      "accepting, \"wait\" vCPU time lost waiting for memory another vCPU or the\n"
	      "acceptor was accepting (or for the lock, with --accept-lock global). p99 to max\n"
	      "are allocation latencies: the vCPU's time across lb_alloc(), acceptance and\n"
	      "waits included; \"lag\" is how late an allocation completes against its time in\n"
	      "the trace (a vCPU that acceptance delayed runs late until the trace leaves it\n"
	      "idle). \"bg cpu\" is the acceptor's and releaser's time. \"alloc fails\" are\n"
	      "allocations refused: no memory, or atomic ones that found only memory in flight.\n"
	      "\"check\" is \"ok\" when the invariants I1-I6 hold and the zone's count of\n"
	      "allocated pages matches the replay's.\n",
	      f);
}
