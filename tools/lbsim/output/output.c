/* SPDX-License-Identifier: MIT */
/* The synthetic workloads' heading and legend. */
#include "output.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../results/format.h"

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
	lbs_size_text(mem, sizeof mem, c->memory_bytes);
	lbs_size_text(pre, sizeof pre, p);
	lbs_size_text(unit, sizeof unit, c->unit_bytes ? c->unit_bytes : LB_UNIT_DEFAULT);
	rate_text(rate, sizeof rate, c);
	unsigned n = c->vcpus ? c->vcpus : 1u, cpus = c->cpus ? c->cpus : n;

	fprintf(f, "lbsim: %s guest, %s accepted by firmware, unit %s, backend %s%s, seed %" PRIu64
		"\n       %u vCPU%s on %u CPU%s, each busy %u%% between its operations (--load),"
		" accept lock %s;\n       operations arrive at %s%s\n\n",
		mem, pre, unit, c->backend, lbs_model_kind(c), c->seed, n, n == 1 ? "" : "s", cpus,
		cpus == 1 ? "" : "s", c->load_pct, c->lock == LBS_LOCK_GLOBAL ? "global" : "per block",
		rate, n == 1 ? "" : " on each");
}

void lbs_print_legend(FILE *f)
{
	fputs("\n"
	      "Each row is one workload run under one policy on a fresh zone. Each vCPU runs\n"
	      "its stream of the workload at the rate, on its own virtual clock; a vCPU\n"
	      "delayed by acceptance runs them late (\"max lag\" is the furthest it fell behind)\n"
	      "and catches up only in the idle share of its CPU (--load). background and\n"
	      "adaptive also run the library's acceptor threads and releaser on the guest's\n"
	      "CPUs: on an idle one, or taking time from a vCPU, which then runs later.\n"
	      "\"accept calls\" and \"accepted\" are the zone's, set-up included\n"
	      "(firmware's part not); \"over-acc\" is memory accepted but not handed out since;\n"
	      "\"committed peak\" the most the host backed at once, firmware's part included.\n"
	      "\"virtual time\" is when the vCPUs' last operation ended, set-up included. p50\n"
	      "to max are allocation latencies: the vCPU's time across lb_alloc(), failed\n"
	      "calls included; \"lag\" is how late an allocation completes against its\n"
	      "arrival. \"wait\" is vCPU time lost waiting for memory another actor was\n"
	      "accepting (or for the global lock); \"acc cpu\" the CPU time of every accept\n"
	      "and release call, the vCPUs' and the background threads'; \"bg cpu\" the share\n"
	      "of the guest's CPUs the background threads held; \"stolen\" how much later the\n"
	      "vCPUs ran because a pass held their CPU. \"alloc fails\" are allocations\n"
	      "refused: no memory, or atomic ones that found only memory in flight.\n"
	      "\"check\" is \"ok\" when lb_zone_check() found the invariants I1-I6 intact and\n"
	      "the zone's count of allocated pages matches the workload's, else the first\n"
	      "thing found broken (lbsim then exits with status 1).\n",
	      f);
}

int lbs_locale_utf8(void)
{
	const char *v = getenv("LC_ALL");

	if (!v || !*v)
		v = getenv("LC_CTYPE");
	if (!v || !*v)
		v = getenv("LANG");
	/* "C.UTF-8", "en_US.utf8", or macOS's bare "UTF-8" */
	for (; v && *v; v++)
		if (strncasecmp(v, "utf-8", 5) == 0 || strncasecmp(v, "utf8", 4) == 0)
			return 1;
	return 0;
}

void lbs_put_text(FILE *f, const char *s, int ascii)
{
	static const char micro[] = "\xc2\xb5"; /* U+00B5 in UTF-8 */

	if (!ascii) {
		fputs(s, f);
		return;
	}
	for (const char *p; (p = strstr(s, micro)) != NULL; s = p + 2) {
		fwrite(s, 1, (size_t)(p - s), f);
		fputc('u', f);
	}
	fputs(s, f);
}
