/* SPDX-License-Identifier: MIT */
/* Trace replays' heading and legend. */
#include "output.h"

#include <inttypes.h>
#include <string.h>

#include "../results/format.h"

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
	/* lines of at most 100 columns, as the table (a long path aside) */
	fprintf(f, "lbsim: trace %s: %" PRIu64 " events over %s on %u CPU%s;\n"
		"       footprint %s, at most %s held at once\n", path, r->trace_events, span,
		r->vcpus, r->vcpus == 1 ? "" : "s", fp, peak);
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
	fprintf(f, "%s;\n       batched repeats %" PRIu64 ", normal on kernels >= 3.3)\n",
		r->incons_total ? "" : "none", r->incons[LB_TRACE_INC_BATCHED_REPEAT]);
	if (r->lost_events)
		fprintf(f, "       warning: %" PRIu64 " events were lost while the trace was "
			   "recorded: an incomplete trace\n", r->lost_events);
	fprintf(f, "guest: %s, %s accepted by firmware, unit %s, backend %s%s,\n"
		"       accept lock %s, %s\n", mem, pre, unit, c->backend,
		c->have_model ? " (cost file)" : "",
		strcmp(r->lock, "global") == 0 ? "global" : "per block",
		boot ? "boot allocations first" : "no boot allocations");
	if (r->trace_idle)
		fprintf(f, "       %u CPU%s, busy when the trace recorded them busy (its idle"
			" periods replayed)\n\n", r->cpus, r->cpus == 1 ? "" : "s");
	else
		fprintf(f, "       %u CPU%s, each busy %u%% between its events (--load: the trace"
			" recorded no idle periods)\n\n", r->cpus, r->cpus == 1 ? "" : "s",
			r->load_pct);
}

void lbs_print_trace_legend(FILE *f)
{
	fputs("\n"
	      "Each row replays the trace under one policy on a fresh zone, each trace CPU a\n"
	      "vCPU with its own virtual clock. \"accept calls\" and \"accepted\" are the zone's\n"
	      "calls and what they accepted (set-up included, firmware's part not);\n"
	      "\"over-acc\" is memory accepted but not handed out since; \"released\" what the\n"
	      "releaser gave back; \"committed\" is the memory the host backs (firmware's\n"
	      "part included), at its peak and at the end. \"boot\" is the virtual time\n"
	      "set-up and the boot allocations took before the trace starts. \"wait\" is\n"
	      "vCPU time lost waiting for memory another vCPU or the acceptor was accepting\n"
	      "(or for the lock, with --accept-lock global). p99 to max are allocation latencies: the vCPU's time\n"
	      "across lb_alloc(), acceptance and waits included; \"lag\" is how late an\n"
	      "allocation completes against its time in the trace (a vCPU that acceptance\n"
	      "delayed runs late until its CPU's idle time lets it catch up). \"acc cpu\" is\n"
	      "the CPU time of every accept and release call, the vCPUs' and the background\n"
	      "threads'. The acceptor threads and the releaser run on the guest's CPUs: \"bg\n"
	      "cpu\" is the share of them they held, \"stolen\" how much later the vCPUs ran\n"
	      "because a pass held their CPU. \"alloc fails\" are allocations refused: no\n"
	      "memory, or atomic ones that found only memory in flight. \"check\" is \"ok\"\n"
	      "when the invariants I1-I6 hold and the zone's count of allocated pages matches\n"
	      "the replay's.\n",
	      f);
}
