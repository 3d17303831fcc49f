/* SPDX-License-Identifier: MIT */
/* The summary of a trace: what was read, counted, and printing it. */
#include "trace.h"

#include <inttypes.h>
#include <string.h>

static const char *const kind_names[LB_TRACE_NKINDS] = {
	"mm_page_alloc", "mm_page_free", "mm_page_free_batched",
	"mm_page_pcpu_drain", "mm_page_alloc_zone_locked",
};

static const char *const format_names[LB_TRACE_NFORMATS] = {
	"unknown", "ftrace", "trace-cmd", "perf",
};

const char *lb_trace_kind_name(enum lb_trace_kind kind)
{
	if (kind == LB_TRACE_SCHED_SWITCH)
		return "sched_switch";
	return (unsigned)kind < LB_TRACE_NKINDS ? kind_names[kind] : "?";
}

const char *lb_trace_format_name(enum lb_trace_format fmt)
{
	return (unsigned)fmt < LB_TRACE_NFORMATS ? format_names[fmt] : "?";
}

void lb_trace_summary_init(struct lb_trace_summary *s)
{
	memset(s, 0, sizeof *s);
	s->pfn_min = UINT64_MAX;
}

void lb_trace_summary_event(struct lb_trace_summary *s, const struct lb_trace_event *ev)
{
	uint64_t events = 0;

	for (int k = 0; k < LB_TRACE_NKINDS; k++)
		events += s->events[k];
	s->events[ev->kind]++;
	if (ev->format < LB_TRACE_NFORMATS)
		s->format_lines[ev->format]++;
	s->flag_cols_lines[ev->flag_cols == 5 ? 2 : ev->flag_cols == 4 ? 1 : 0]++;
	if (ev->kind == LB_TRACE_ALLOC && ev->gfp_form < 4)
		s->gfp_forms[ev->gfp_form]++;
	if (ev->flags & LB_TRACE_EV_PFN_HEX)
		s->pfn_hex_events++;
	else
		s->pfn_dec_events++;
	if (ev->failed) {
		s->failed_allocs++;
	} else if (ev->pfn < ((uint64_t)1 << 52)) { /* else no such page */
		uint64_t last = ev->pfn + ((uint64_t)1 << ev->order) - 1;
		if (ev->pfn < s->pfn_min)
			s->pfn_min = ev->pfn;
		if (last > s->pfn_max)
			s->pfn_max = last;
		if (ev->order > s->max_order)
			s->max_order = ev->order;
	}
	if (events == 0) {
		s->ts_first = s->ts_last = ev->ts_ns;
	} else {
		if (ev->ts_ns < s->ts_last && s->ts_backwards++ == 0)
			s->ts_backwards_line = ev->line;
		if (ev->ts_ns < s->ts_first)
			s->ts_first = ev->ts_ns;
		if (ev->ts_ns > s->ts_last)
			s->ts_last = ev->ts_ns;
	}
	if (ev->cpu != LB_TRACE_CPU_NONE) {
		if (ev->cpu < LB_TRACE_MAX_CPUS) {
			uint8_t bit = (uint8_t)(1u << (ev->cpu & 7));
			if (!(s->cpu_bits[ev->cpu / 8] & bit)) {
				s->cpu_bits[ev->cpu / 8] |= bit;
				s->cpus_seen++;
			}
		}
		if (ev->cpu > s->cpu_max)
			s->cpu_max = ev->cpu;
	}
}

uint64_t lb_trace_summary_incons(const struct lb_trace_summary *s)
{
	uint64_t n = 0;

	for (int k = 0; k < LB_TRACE_NINCONS; k++)
		n += s->check.incons[k];
	return n;
}

static uint64_t total_events(const struct lb_trace_summary *s)
{
	uint64_t n = 0;

	for (int k = 0; k < LB_TRACE_NKINDS; k++)
		n += s->events[k];
	return n;
}

void lb_trace_summary_print(const struct lb_trace_summary *s, FILE *out)
{
	uint64_t ev = total_events(s);
	uint64_t span = ev ? s->ts_last - s->ts_first : 0;
	enum lb_trace_format fmt = LB_TRACE_FMT_UNKNOWN;

	for (int f = 1; f < LB_TRACE_NFORMATS; f++)
		if (s->format_lines[f])
			fmt = (enum lb_trace_format)f; /* perf > trace-cmd > ftrace */
	fprintf(out, "input: %s, %" PRIu64 " bytes (%" PRIu64 " bytes of text)\n",
		lb_trace_compression_name(s->compression), s->bytes_in,
		s->bytes_out);
	fprintf(out, "format: %s; irq-flag columns: none %" PRIu64 ", 4 %" PRIu64
		", 5 %" PRIu64 "; pfn: hex %" PRIu64 ", decimal %" PRIu64 "\n",
		lb_trace_format_name(fmt), s->flag_cols_lines[0],
		s->flag_cols_lines[1], s->flag_cols_lines[2], s->pfn_hex_events,
		s->pfn_dec_events);
	fprintf(out, "lines: %" PRIu64 " (events %" PRIu64 ", ", s->lines, ev);
	if (s->sched_lines) /* not page events: counted apart */
		fprintf(out, "sched_switch %" PRIu64 ", ", s->sched_lines);
	fprintf(out, "comments %" PRIu64 ", other events %" PRIu64 ", unknown %" PRIu64
		", lost-event markers %" PRIu64 " for %" PRIu64 " events)\n",
		s->comment_lines, s->other_lines, s->unknown_lines, s->lost_markers,
		s->lost_events);
	if (s->first_unknown_line)
		fprintf(out, "  first unknown line %" PRIu64 ": %s\n",
			s->first_unknown_line, s->first_unknown);

	fprintf(out, "events:");
	for (int k = 0; k < LB_TRACE_NKINDS; k++)
		fprintf(out, " %s %" PRIu64 "%s", kind_names[k], s->events[k],
			k + 1 < LB_TRACE_NKINDS ? "," : "\n");
	fprintf(out, "  failed allocations %" PRIu64 "; gfp flags: symbolic %" PRIu64
		", hex %" PRIu64 ", none %" PRIu64 ", absent %" PRIu64 "\n",
		s->failed_allocs, s->gfp_forms[LB_TRACE_GFP_SYMBOLIC],
		s->gfp_forms[LB_TRACE_GFP_HEX], s->gfp_forms[LB_TRACE_GFP_NONE],
		s->gfp_forms[LB_TRACE_GFP_ABSENT]);
	if (s->pfn_min <= s->pfn_max)
		fprintf(out, "pfns: 0x%" PRIx64 "..0x%" PRIx64 " (%.1f MiB span), "
			"%" PRIu64 " distinct (%.1f MiB), max order %u\n",
			s->pfn_min, s->pfn_max,
			(double)(s->pfn_max - s->pfn_min + 1) * 4096 / 1048576.0,
			s->pages_distinct, (double)s->pages_distinct * 4096 / 1048576.0,
			s->max_order);
	fprintf(out, "time: %" PRIu64 ".%09" PRIu64 " .. %" PRIu64 ".%09" PRIu64
		" s (%.6f s), %" PRIu64 " steps backwards\n",
		s->ts_first / 1000000000u, s->ts_first % 1000000000u,
		s->ts_last / 1000000000u, s->ts_last % 1000000000u, span / 1e9,
		s->ts_backwards);
	fprintf(out, "cpus: %u seen, highest %u\n", s->cpus_seen,
		ev ? s->cpu_max : 0);
	if (!s->checked)
		return;
	fprintf(out, "inconsistencies: %" PRIu64 " (%.2f%% of events):",
		lb_trace_summary_incons(s),
		ev ? 100.0 * (double)lb_trace_summary_incons(s) / (double)ev : 0.0);
	for (int k = 0; k < LB_TRACE_NINCONS; k++)
		fprintf(out, " %s %" PRIu64 "%s",
			lb_trace_incons_name((enum lb_trace_incons)k),
			s->check.incons[k], k + 1 < LB_TRACE_NINCONS ? "," : "\n");
	fprintf(out, "checked stream:");
	for (int k = 0; k < LB_TRACE_NKINDS; k++)
		fprintf(out, " %s %" PRIu64 ",", kind_names[k], s->check.delivered[k]);
	fprintf(out, " dropped %" PRIu64 "\n", s->check.dropped);
	fprintf(out, "  synthetic frees %" PRIu64 ", frees of block pieces %" PRIu64
		", whole-block frees from pieces %" PRIu64 "; live at end: %" PRIu64
		" blocks, %" PRIu64 " pages\n",
		s->check.synthetic_frees, s->check.split_frees,
		s->check.merged_frees, s->check.live_blocks, s->check.live_pages);
}
