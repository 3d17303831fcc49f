/* SPDX-License-Identifier: MIT */
#include "output.h"

#include <inttypes.h>
#include <string.h>

void lbs_json_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		switch (*p) {
		case '"': fputs("\\\"", f); break;
		case '\\': fputs("\\\\", f); break;
		case '\b': fputs("\\b", f); break;
		case '\f': fputs("\\f", f); break;
		case '\n': fputs("\\n", f); break;
		case '\r': fputs("\\r", f); break;
		case '\t': fputs("\\t", f); break;
		default:
			if (*p < 0x20 || *p == 0x7f)
				fprintf(f, "\\u%04x", *p);
			else
				fputc(*p, f);
		}
	}
	fputc('"', f);
}

void lbs_json_key_str(FILE *f, const char *k, const char *v, int last)
{
	fprintf(f, "    \"%s\": ", k);
	lbs_json_string(f, v ? v : "");
	fputs(last ? "\n" : ",\n", f);
}

void lbs_json_key_u64(FILE *f, const char *k, uint64_t v)
{
	fprintf(f, "    \"%s\": %" PRIu64 ",\n", k, v);
}

void lbs_print_json(FILE *f, const struct lbs_result *r, size_t n)
{
	fputs("[", f);
	for (size_t i = 0; i < n; i++) {
		const struct lbs_result *x = &r[i];
		fputs(i ? ",\n  {\n" : "\n  {\n", f);
		lbs_json_key_str(f, "policy", x->policy, 0);
		lbs_json_key_str(f, "workload", x->workload, 0);
		lbs_json_key_str(f, "backend", x->backend, 0);
		lbs_json_key_u64(f, "seed", x->seed);
		lbs_json_key_u64(f, "memory_bytes", x->memory_bytes);
		lbs_json_key_u64(f, "managed_bytes", x->managed_bytes);
		lbs_json_key_u64(f, "pre_accepted_bytes", x->pre_accepted_bytes);
		lbs_json_key_u64(f, "unit_bytes", x->unit_bytes);
		lbs_json_key_u64(f, "meta_bytes", x->meta_bytes);
		lbs_json_key_u64(f, "accept_calls", x->accept_calls);
		lbs_json_key_u64(f, "arch_calls", x->arch_calls);
		lbs_json_key_u64(f, "refused_calls", x->refused_calls);
		lbs_json_key_u64(f, "accepted_bytes", x->accepted_bytes);
		lbs_json_key_u64(f, "setup_accepted_bytes", x->setup_accepted_bytes);
		lbs_json_key_u64(f, "over_accepted_bytes", x->over_accepted_bytes);
		lbs_json_key_u64(f, "unaccepted_bytes_end", x->unaccepted_bytes_end);
		lbs_json_key_u64(f, "allocated_bytes_end", x->allocated_bytes_end);
		lbs_json_key_u64(f, "init_ns", x->init_ns);
		lbs_json_key_u64(f, "setup_virtual_ns", x->setup_virtual_ns);
		lbs_json_key_u64(f, "virtual_time_ns", x->virtual_time_ns);
		lbs_json_key_u64(f, "bg_tail_ns", x->bg_tail_ns);
		lbs_json_key_u64(f, "vcpus", x->vcpus);
		lbs_json_key_u64(f, "acceptors", x->acceptors);
		lbs_json_key_str(f, "accept_lock", x->lock, 0);
		fprintf(f,
			"    \"alloc_latency_ns\": {\"p50\": %" PRIu64 ", \"p99\": %" PRIu64
			", \"p999\": %" PRIu64 ", \"max\": %" PRIu64 "},\n",
			x->lat_p50, x->lat_p99, x->lat_p999, x->lat_max);
		fprintf(f,
			"    \"lag_ns\": {\"p50\": %" PRIu64 ", \"p99\": %" PRIu64
			", \"p999\": %" PRIu64 ", \"max\": %" PRIu64 "},\n",
			x->lag_p50, x->lag_p99, x->lag_p999, x->max_lag_ns);
		lbs_json_key_u64(f, "max_call_ns", x->max_call_ns);
		lbs_json_key_u64(f, "max_alloc_accept_ns", x->max_alloc_accept_ns);
		fprintf(f, "    \"fits_pre_accepted\": %s,\n",
			x->fits_pre_accepted ? "true" : "false");
		lbs_json_key_u64(f, "peak_held_bytes", x->peak_held_bytes);
		lbs_json_key_u64(f, "allocations", x->allocations);
		lbs_json_key_u64(f, "alloc_failures", x->alloc_failures);
		lbs_json_key_u64(f, "nowait_failures", x->nowait_failures);
		lbs_json_key_u64(f, "busy_failures", x->busy_failures);
		lbs_json_key_u64(f, "boot_ns", x->boot_ns);
		lbs_json_key_u64(f, "boot_other_ns", x->boot_other_ns);
		lbs_json_key_u64(f, "frees", x->frees);
		lbs_json_key_u64(f, "ops", x->ops);
		/* Both modes run on vCPU clocks with the background threads. */
		lbs_json_key_u64(f, "vcpu_accept_ns", x->vcpu_accept_ns);
		lbs_json_key_u64(f, "wait_ns", x->wait_ns);
		lbs_json_key_u64(f, "max_lag_ns", x->max_lag_ns);
		lbs_json_key_u64(f, "acceptor_cpu_ns", x->acceptor_cpu_ns);
		lbs_json_key_u64(f, "releaser_cpu_ns", x->releaser_cpu_ns);
		lbs_json_key_u64(f, "release_calls", x->release_calls);
		lbs_json_key_u64(f, "released_bytes", x->released_bytes);
		lbs_json_key_u64(f, "committed_bytes_peak", x->committed_bytes_peak);
		lbs_json_key_u64(f, "committed_bytes_end", x->committed_bytes_end);
		if (x->is_trace)
			lbs_print_json_trace(f, x);
		else
			lbs_json_key_u64(f, "rate_ops_per_sec", x->rate);
		lbs_json_key_str(f, "check", x->check, 1);
		fputs("  }", f);
	}
	fputs(n ? "\n]\n" : "]\n", f);
}

static double mib(uint64_t b)
{
	return (double)b / (1024.0 * 1024.0);
}

static void size_text(char *buf, size_t len, uint64_t b)
{
	static const char suf[] = "KMGT";
	int i = -1;
	while (i < 3 && b >= 1024u && b % 1024u == 0) {
		b /= 1024u;
		i++;
	}
	if (i < 0)
		snprintf(buf, len, "%" PRIu64 " B", b);
	else
		snprintf(buf, len, "%" PRIu64 " %ciB", b, suf[i]);
}

/* The rate of each workload, "boot 200000/s" or "back to back". */
static void rate_text(char *buf, size_t len, const struct lbs_sim_config *c)
{
	size_t n = 0;

	buf[0] = '\0';
	if (c->rate == LBS_RATE_MAX) {
		snprintf(buf, len, "back to back");
		return;
	}
	for (int w = 0; w < LBS_WL_COUNT && n < len; w++) {
		uint64_t r = c->rate ? c->rate : lbs_workload_default_rate((enum lbs_workload)w);
		n += (size_t)snprintf(buf + n, len - n, "%s%s %" PRIu64 "/s", w ? ", " : "",
				      lbs_workload_name((enum lbs_workload)w), r);
	}
}

const char *lbs_model_kind(const struct lbs_sim_config *c)
{
	if (c->have_model)
		return " (cost file)";
	return strcmp(c->backend, "null") == 0 ? " (no costs)" : " (cost model)";
}

void lbs_print_heading(FILE *f, const struct lbs_sim_config *c)
{
	char mem[32], pre[32], unit[32], rate[128];
	uint64_t p = c->pre_accepted_bytes < c->memory_bytes ? c->pre_accepted_bytes
							      : c->memory_bytes;
	size_text(mem, sizeof mem, c->memory_bytes);
	size_text(pre, sizeof pre, p);
	size_text(unit, sizeof unit, c->unit_bytes ? c->unit_bytes : LB_UNIT_DEFAULT);
	rate_text(rate, sizeof rate, c);
	unsigned n = c->vcpus ? c->vcpus : 1u;

	fprintf(f, "lbsim: %s guest, %s accepted by firmware, unit %s, backend %s%s, seed %" PRIu64
		"\n       %u vCPU%s, accept lock %s; operations arrive at %s%s\n\n",
		mem, pre, unit, c->backend, lbs_model_kind(c),
		c->seed, n, n == 1 ? "" : "s", c->lock == LBS_LOCK_GLOBAL ? "global" : "per block",
		rate, n == 1 ? "" : " on each");
}

static void vtime_text(char *buf, size_t len, uint64_t ns)
{
	if (ns >= UINT64_C(1000000000))
		snprintf(buf, len, "%.2f s", (double)ns / 1e9);
	else
		snprintf(buf, len, "%.2f ms", (double)ns / 1e6);
}

enum { NCOL = 18, CELL = LBS_CELL };

/* Columns of the displayed width (UTF-8 continuation bytes take no column). */
size_t lbs_display_width(const char *s)
{
	size_t w = 0;
	for (; *s; s++)
		w += ((unsigned char)*s & 0xc0u) != 0x80u;
	return w;
}

void lbs_put_cell(FILE *f, const char *s, size_t width, int left)
{
	size_t w = lbs_display_width(s);
	if (!left)
		for (; w < width; w++)
			fputc(' ', f);
	fputs(s, f);
	if (left)
		for (; w < width; w++)
			fputc(' ', f);
}

/* The cells, then "  " and the check text, untruncated. */
static void put_row(FILE *f, const struct lbs_table *t, char cells[][LBS_CELL],
		    const size_t *width, const char *check)
{
	for (int c = 0; c < t->ncol - 1; c++) {
		if (c)
			fputc(' ', f);
		lbs_put_cell(f, cells[c], width[c], c < t->nleft); /* names left, numbers right */
	}
	if (*check) {
		fputs("  ", f);
		fputs(check, f);
	}
	fputc('\n', f);
}

void lbs_print_cells(FILE *f, const struct lbs_table *t, const struct lbs_result *r, size_t n)
{
	size_t width[LBS_MAXCOL];
	char cells[LBS_MAXCOL][LBS_CELL];

	for (int c = 0; c < t->ncol; c++) {
		size_t a = lbs_display_width(t->head[0][c]), b = lbs_display_width(t->head[1][c]);
		width[c] = a > b ? a : b;
	}
	for (size_t i = 0; i < n; i++) {
		t->row(&r[i], cells);
		for (int c = 0; c < t->ncol - 1; c++)
			if (lbs_display_width(cells[c]) > width[c])
				width[c] = lbs_display_width(cells[c]);
	}
	for (int l = 0; l < 2; l++) {
		for (int c = 0; c < t->ncol; c++)
			snprintf(cells[c], LBS_CELL, "%s", t->head[l][c]);
		put_row(f, t, cells, width, t->head[l][t->ncol - 1]);
	}
	for (size_t i = 0; i < n; i++) {
		t->row(&r[i], cells);
		put_row(f, t, cells, width, r[i].check);
	}
}

static void row_cells(const struct lbs_result *x, char cells[][CELL])
{
	snprintf(cells[0], CELL, "%s", x->policy);
	snprintf(cells[1], CELL, "%s", x->workload);
	snprintf(cells[2], CELL, "%" PRIu64, x->accept_calls);
	snprintf(cells[3], CELL, "%.1f", mib(x->accepted_bytes));
	snprintf(cells[4], CELL, "%.1f", mib(x->over_accepted_bytes));
	snprintf(cells[5], CELL, "%.1f", mib(x->committed_bytes_peak));
	vtime_text(cells[6], CELL, x->virtual_time_ns);
	snprintf(cells[7], CELL, "%.2f", (double)x->lat_p50 / 1e3);
	snprintf(cells[8], CELL, "%.2f", (double)x->lat_p99 / 1e3);
	snprintf(cells[9], CELL, "%.1f", (double)x->lat_p999 / 1e3);
	snprintf(cells[10], CELL, "%.1f", (double)x->lat_max / 1e3);
	snprintf(cells[11], CELL, "%.2f", (double)x->lag_p99 / 1e9);
	snprintf(cells[12], CELL, "%.2f", (double)x->max_lag_ns / 1e9);
	snprintf(cells[13], CELL, "%.1f", (double)x->vcpu_accept_ns / 1e6);
	snprintf(cells[14], CELL, "%.1f", (double)x->wait_ns / 1e6);
	snprintf(cells[15], CELL, "%.1f", (double)(x->acceptor_cpu_ns + x->releaser_cpu_ns) / 1e6);
	snprintf(cells[16], CELL, "%" PRIu64, x->alloc_failures);
	cells[17][0] = '\0'; /* check: printed from the result, untruncated */
}

/* The table has no wall-clock column, so that it is the same on any machine. */
void lbs_print_table(FILE *f, const struct lbs_result *r, size_t n)
{
	static const char *const head[2][NCOL] = {
		{"policy", "workload", "accept", "accepted", "over-acc", "committed", "virtual",
		 "p50", "p99", "p99.9", "max", "lag p99", "max lag", "vCPU acc", "wait", "bg cpu",
		 "alloc", "check"},
		{"", "", "calls", "MiB", "MiB", "peak MiB", "time", "µs", "µs", "µs", "µs", "s", "s",
		 "ms", "ms", "ms", "fails", ""},
	};
	const struct lbs_table t = { NCOL, 2, { head[0], head[1] }, row_cells };

	lbs_print_cells(f, &t, r, n);
	lbs_print_fits(f, r, n);
}

void lbs_print_fits(FILE *f, const struct lbs_result *r, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char held[32], pre[32];
		uint64_t most = 0;
		int fits = 1;
		size_t j;

		/* Once per workload, when every policy's run fits. */
		for (j = 0; j < i && strcmp(r[j].workload, r[i].workload) != 0; j++)
			;
		if (j < i || !r[i].pre_accepted_bytes)
			continue;
		for (j = i; j < n; j++) {
			if (strcmp(r[j].workload, r[i].workload) != 0)
				continue;
			fits &= r[j].fits_pre_accepted;
			most = r[j].peak_held_bytes > most ? r[j].peak_held_bytes : most;
		}
		if (!fits)
			continue;
		lbs_bytes_text(held, sizeof held, most);
		lbs_bytes_text(pre, sizeof pre, r[i].pre_accepted_bytes);
		fprintf(f, "note: %s never holds more than %s, within the %s firmware accepted, "
			"so lazy policies never need to accept here; try --pre-accepted 0 to "
			"compare them\n",
			r[i].is_trace ? "the trace (with boot)" : r[i].workload, held, pre);
	}
}

void lbs_print_legend(FILE *f)
{
	fputs("\n"
	      "Each row is one workload run under one policy on a fresh zone. Each vCPU runs\n"
	      "its stream of the workload at the rate, on its own virtual clock; a vCPU\n"
	      "delayed by acceptance runs them late (\"max lag\" is the furthest it fell behind)\n"
	      "and catches up when it has idle time. background and adaptive also run the\n"
	      "library's acceptor and releaser as threads on their own clocks, as in a trace\n"
	      "replay. \"accept calls\" and \"accepted\" are the zone's, set-up included\n"
	      "(firmware's part not); \"over-acc\" is memory accepted but not handed out since;\n"
	      "\"committed peak\" the most the host backed at once, firmware's part included.\n"
	      "\"virtual time\" is when the vCPUs' last operation ended, set-up included. p50\n"
	      "to max are allocation latencies: the vCPU's time across lb_alloc(), failed\n"
	      "calls included; \"lag\" is how late an allocation completes against its\n"
	      "arrival. \"vCPU acc\" is vCPU time spent accepting, \"wait\" vCPU time lost\n"
	      "waiting for memory another actor was accepting (or for the global lock),\n"
	      "\"bg cpu\" the acceptor's and releaser's time. \"check\" is \"ok\" when\n"
	      "lb_zone_check() found the invariants I1-I6 intact\n"
	      "and the zone's count of allocated pages matches the workload's, else the first\n"
	      "thing found broken (lbsim then exits with status 1).\n",
	      f);
}
