/* SPDX-License-Identifier: MIT */
/* The policy bench as JSON (`lbsim --policy-bench --json`): an object per
 * row and policy. */
#include "pbench.h"

#include <inttypes.h>

#include "../output/output.h"

static void u64(FILE *f, const char *key, uint64_t v)
{
	fprintf(f, ", \"%s\": %" PRIu64, key, v);
}

static void text(FILE *f, const char *key, const char *s)
{
	fprintf(f, ", \"%s\": ", key);
	lbs_json_string(f, s);
}

static void targets(FILE *f, const struct lbs_pb_outcome *o)
{
	fputs(", \"targets\": {", f);
	for (int t = 0; t < LBS_PB_NTARGETS; t++) {
		fprintf(f, "%s\"%s\": ", t ? ", " : "", lbs_pb_target_key[t]);
		if (o->target[t] == LBS_PB_UNJUDGED)
			fputs("null", f);
		else
			lbs_json_string(f, o->target[t] == LBS_PB_PASS ? "PASS" : "MISS");
	}
	fputc('}', f);
}

static void object(FILE *f, size_t i, const struct lbs_pb_row *r,
		   const struct lbs_pb_outcome *o, enum lb_policy p)
{
	const struct lbs_pb_run *x = &o->run[p];

	fprintf(f, "  {\"row\": %zu", i + 1);
	text(f, "preset", r->preset);
	u64(f, "pre_accepted_bytes", r->pre);
	text(f, "workload", lbs_pb_workload_name(r));
	u64(f, "vcpus", r->vcpus);
	u64(f, "cpus", x->cpus);
	u64(f, "rate", r->rate);
	u64(f, "unit_bytes", r->unit);
	fprintf(f, ", \"rerun\": %s", r->rerun ? "true" : "false");
	fputs(", \"demand_bytes_per_s\": ", f);
	if (r->demand > 0)
		lbs_json_number(f, r->demand);
	else
		fputs("null", f);
	fputs(", \"reach_bytes_per_s\": ", f);
	lbs_json_number(f, r->reach);
	text(f, "policy", lb_policy_name(p));
	u64(f, "acceptors", x->acceptors);
	u64(f, "lat_p999_ns", x->m[LBS_PB_P999]);
	u64(f, "max_lag_ns", x->m[LBS_PB_LAG]);
	u64(f, "committed_peak_bytes", x->m[LBS_PB_COMMITTED]);
	u64(f, "accepted_bytes", x->m[LBS_PB_ACCEPTED]);
	u64(f, "total_accept_cpu_ns", x->m[LBS_PB_CPU]);
	u64(f, "boot_ns", x->m[LBS_PB_BOOT]);
	text(f, "check", x->check);
	fprintf(f, ", \"winner\": %s", o->win[p] ? "true" : "false");
	if (p == LB_POLICY_ADAPTIVE)
		targets(f, o);
	fputc('}', f);
}

void lbs_pb_print_json(FILE *f, const struct lbs_pb_row *rows,
		       const struct lbs_pb_outcome *o, size_t n)
{
	int first = 1;

	fputc('[', f);
	for (size_t i = 0; i < n; i++)
		for (int p = 0; p < LB_POLICY_COUNT; p++) {
			fputs(first ? "\n" : ",\n", f);
			first = 0;
			object(f, i, &rows[i], &o[i], (enum lb_policy)p);
		}
	fputs(first ? "]\n" : "\n]\n", f);
}
