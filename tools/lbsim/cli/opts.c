/* SPDX-License-Identifier: MIT */
/* lbsim's options: their parsers, and the table (opts.h). */
#include "opts.h"

#include <string.h>

#include "../model/cost.h"

/* ------------------------------------------------------------- parsers */

static int bad(struct lbs_opt_state *s, const char *fmt, const char *name, const char *val)
{
	fprintf(s->err, fmt, name, val);
	return 2;
}

static int size_value(struct lbs_opt_state *s, const struct lbs_opt *o, const char *val, uint64_t *out)
{
	if (lbs_parse_size(val, out) != 0)
		return bad(s, "lbsim: --%s: bad size '%s' (bytes, or a number with K, M, G or T)\n",
			   o->name, val);
	return 0;
}

static int p_memory(struct lbs_opt_state *s, const struct lbs_opt *o, const char *val)
{
	uint64_t *m = &s->cli->sim.memory_bytes;

	if (size_value(s, o, val, m))
		return 2;
	if (*m < LBS_MIN_MEMORY || *m % LB_PAGE_SIZE || *m > LB_ZONE_MAX_SPAN)
		return bad(s, "lbsim: --%s %s: must be a multiple of 4K, 4M to 16T (the most one "
			      "lazybuddy zone spans)\n", o->name, val);
	s->memory_arg = val;
	return 0;
}

static int p_pre_accepted(struct lbs_opt_state *s, const struct lbs_opt *o, const char *val)
{
	if (size_value(s, o, val, &s->cli->sim.pre_accepted_bytes))
		return 2;
	if (s->cli->sim.pre_accepted_bytes % LB_PAGE_SIZE)
		return bad(s, "lbsim: --%s %s: must be a multiple of 4K\n", o->name, val);
	s->pre_arg = val;
	return 0;
}

static int p_unit(struct lbs_opt_state *s, const struct lbs_opt *o, const char *val)
{
	uint64_t u = 0;

	if (size_value(s, o, val, &u))
		return 2;
	if (u < LB_PAGE_SIZE || u > (LB_PAGE_SIZE << LB_MAX_ORDER) || (u & (u - 1u)))
		return bad(s, "lbsim: --%s %s: must be a power of two from 4K to 4M\n", o->name,
			   val);
	s->cli->sim.unit_bytes = u;
	return 0;
}

static int p_reserve_batch(struct lbs_opt_state *s, const struct lbs_opt *o, const char *val)
{
	uint64_t *dst = o->name[0] == 'r' ? &s->cli->sim.reserve_bytes : &s->cli->sim.batch_bytes;

	if (size_value(s, o, val, dst))
		return 2;
	if (*dst < LB_PAGE_SIZE || *dst % LB_PAGE_SIZE)
		return bad(s, "lbsim: --%s %s: must be a multiple of 4K, at least 4K\n", o->name,
			   val);
	return 0;
}

typedef int (*name_parser)(const char *);
typedef const char *(*name_of)(int);

static int policy_parse(const char *s)
{
	return lb_policy_parse(s);
}

static const char *policy_name(int p)
{
	return lb_policy_name((enum lb_policy)p);
}

static const char *workload_name(int w)
{
	return lbs_workload_name((enum lbs_workload)w);
}

_Static_assert(LB_POLICY_COUNT <= 16 && LBS_WL_COUNT <= 16, "parse_list's seen[] is too small");

/* Comma list of names, or "all". Fills out[] in order without repeats. */
static int parse_list(struct lbs_opt_state *s, const char *arg, const char *what, name_parser parse,
		      name_of name, int count, int *out, size_t *n)
{
	char buf[256];
	int seen[16] = {0};

	*n = 0;
	if (strcmp(arg, "all") == 0) {
		for (int i = 0; i < count; i++)
			out[(*n)++] = i;
		return 0;
	}
	if (strlen(arg) >= sizeof buf) {
		fprintf(s->err, "lbsim: --%s list too long\n", what);
		return 2;
	}
	memcpy(buf, arg, strlen(arg) + 1);
	char *p = buf;
	for (;;) {
		char *comma = strchr(p, ',');
		if (comma)
			*comma = '\0';
		int v = *p ? parse(p) : -1;
		if (v < 0 || v >= count) {
			fprintf(s->err, "lbsim: unknown %s '%s' (expected all or a comma list of:",
				what, p);
			for (int i = 0; i < count; i++)
				fprintf(s->err, " %s", name(i));
			fprintf(s->err, ")\n");
			return 2;
		}
		if (!seen[v]) {
			seen[v] = 1;
			out[(*n)++] = v;
		}
		if (!comma)
			break;
		p = comma + 1;
	}
	return 0;
}

static int p_policy(struct lbs_opt_state *s, const struct lbs_opt *o, const char *val)
{
	int pol[LB_POLICY_COUNT];
	size_t n;

	if (parse_list(s, val, o->name, policy_parse, policy_name, LB_POLICY_COUNT, pol, &n))
		return 2;
	s->cli->npolicy = n;
	for (size_t k = 0; k < n; k++)
		s->cli->policy[k] = (enum lb_policy)pol[k];
	return 0;
}

static int p_workload(struct lbs_opt_state *s, const struct lbs_opt *o, const char *val)
{
	int wl[LBS_WL_COUNT];
	size_t n;

	if (parse_list(s, val, o->name, lbs_workload_parse, workload_name, LBS_WL_COUNT, wl, &n))
		return 2;
	s->cli->nworkload = n;
	for (size_t k = 0; k < n; k++)
		s->cli->workload[k] = (enum lbs_workload)wl[k];
	return 0;
}

static int p_backend(struct lbs_opt_state *s, const struct lbs_opt *o, const char *val)
{
	(void)o;
	if (strlen(val) >= sizeof s->cli->sim.backend || !lbs_backend_valid(val)) {
		fprintf(s->err, "lbsim: unknown backend '%s' (expected tdx, snp or null)\n", val);
		return 2;
	}
	snprintf(s->cli->sim.backend, sizeof s->cli->sim.backend, "%s", val);
	return 0;
}

/* --cost PRESET|FILE: a preset as --backend names it, a file's figures
 * carried in the config (lbs_sim_model). */
static int p_cost(struct lbs_opt_state *s, const struct lbs_opt *o, const char *val)
{
	struct lbs_sim_config *c = &s->cli->sim;
	struct lbs_model mp;
	char name[LBS_NAME_MAX], msg[1024];
	int kind;

	(void)o;
	if (!*val) {
		fprintf(s->err, "lbsim: --cost needs a preset name or a file name\n");
		return 2;
	}
	kind = lbs_cost_load(val, &mp, name, sizeof name, msg, sizeof msg);
	if (kind < 0) {
		fprintf(s->err, "lbsim: --cost: %s\n", msg);
		return kind == LBS_COST_BAD_NAME ? 2 : 1; /* 1: the file is the problem */
	}
	memcpy(c->backend, name, sizeof name);
	c->have_model = kind == LBS_COST_FILE;
	s->cli->cost_file = c->have_model ? val : NULL;
	memset(&c->model, 0, sizeof c->model);
	if (c->have_model) {
		c->model = mp;
		c->model.call.name = NULL; /* c->backend is the name (lbs_sim_model) */
	}
	return 0;
}

static int p_seed(struct lbs_opt_state *s, const struct lbs_opt *o, const char *val)
{
	if (lbs_parse_u64(val, &s->cli->sim.seed) != 0)
		return bad(s, "lbsim: --%s '%s': expected a non-negative integer\n", o->name, val);
	return 0;
}

/* --trace, --report, --csv: a name, kept as given. */
static int p_path(struct lbs_opt_state *s, const struct lbs_opt *o, const char *val)
{
	if (!*val) {
		fprintf(s->err, "lbsim: --%s needs a file name\n", o->name);
		return 2;
	}
	if (o->name[0] == 't')
		s->cli->trace = val;
	else if (o->name[0] == 'r')
		s->cli->report_dir = val;
	else
		s->cli->csv_path = val;
	return 0;
}

static int p_accept_lock(struct lbs_opt_state *s, const struct lbs_opt *o, const char *val)
{
	if (strcmp(val, "unit") == 0)
		s->cli->sim.lock = LBS_LOCK_UNIT;
	else if (strcmp(val, "global") == 0)
		s->cli->sim.lock = LBS_LOCK_GLOBAL;
	else
		return bad(s, "lbsim: --%s '%s': expected unit or global\n", o->name, val);
	return 0;
}

static int p_rate(struct lbs_opt_state *s, const struct lbs_opt *o, const char *val)
{
	/* At most one operation a nanosecond keeps the times exact. */
	if (strcmp(val, "max") == 0) {
		s->cli->sim.rate = LBS_RATE_MAX;
	} else if (lbs_parse_u64(val, &s->cli->sim.rate) != 0 || s->cli->sim.rate == 0 ||
		   s->cli->sim.rate > UINT64_C(1000000000)) {
		return bad(s, "lbsim: --%s '%s': expected operations per second, 1 to 1000000000, "
			      "or max\n", o->name, val);
	}
	return 0;
}

static int p_ops(struct lbs_opt_state *s, const struct lbs_opt *o, const char *val)
{
	if (lbs_parse_u64(val, &s->cli->sim.churn_ops) != 0 || s->cli->sim.churn_ops == 0)
		return bad(s, "lbsim: --%s '%s': expected a positive integer\n", o->name, val);
	return 0;
}

/* --vcpus, --acceptors: 1 to their maximum. */
static int p_count(struct lbs_opt_state *s, const struct lbs_opt *o, const char *val)
{
	int vcpus = o->name[0] == 'v';
	uint64_t v = 0, max = vcpus ? LBS_MAX_VCPUS : LB_ACCEPTOR_MAX_THREADS;

	if (lbs_parse_u64(val, &v) != 0 || v == 0 || v > max) {
		fprintf(s->err, "lbsim: --%s '%s': expected 1 to %llu\n", o->name, val,
			(unsigned long long)max);
		return 2;
	}
	if (vcpus)
		s->cli->sim.vcpus = (unsigned)v;
	else
		s->cli->sim.acceptors = (unsigned)v;
	return 0;
}

static int p_cpus(struct lbs_opt_state *s, const struct lbs_opt *o, const char *val)
{
	uint64_t v = 0;

	if (lbs_parse_u64(val, &v) != 0 || v == 0 || v > LBS_MAX_CPUS)
		return bad(s, "lbsim: --%s '%s': expected 1 to 256\n", o->name, val);
	s->cli->sim.cpus = (unsigned)v;
	return 0;
}

static int p_load(struct lbs_opt_state *s, const struct lbs_opt *o, const char *val)
{
	uint64_t v = 0;

	if (lbs_parse_u64(val, &v) != 0 || v > 100u)
		return bad(s, "lbsim: --%s '%s': expected a whole percentage, 0 to 100\n", o->name,
			   val);
	s->cli->sim.load_pct = (unsigned)v;
	s->cli->load_given = 1;
	return 0;
}

static int p_horizon(struct lbs_opt_state *s, const struct lbs_opt *o, const char *val)
{
	uint64_t ms = 0;

	if (lbs_parse_u64(val, &ms) != 0 || ms == 0 || ms > UINT64_C(3600000))
		return bad(s, "lbsim: --%s '%s': expected milliseconds, 1 to 3600000\n", o->name,
			   val);
	s->cli->sim.horizon_ns = ms * UINT64_C(1000000);
	return 0;
}

/* The flags: each sets its own field. */
static int p_flag(struct lbs_opt_state *s, const struct lbs_opt *o, const char *val)
{
	struct lbs_cli *c = s->cli;

	(void)val;
	if (strcmp(o->name, "no-boot") == 0)
		c->boot = 0;
	else if (strcmp(o->name, "allow-unknown") == 0)
		c->allow_unknown = 1;
	else if (strcmp(o->name, "json") == 0)
		c->json = 1;
	else if (strcmp(o->name, "legend") == 0)
		c->legend = 1;
	else if (strcmp(o->name, "wide") == 0)
		c->wide = 1;
	else if (strcmp(o->name, "first-write") == 0)
		c->sim.first_write = 1;
	else if (strcmp(o->name, "fidelity") == 0)
		c->fidelity = 1;
	else if (strcmp(o->name, "calibrate") == 0)
		c->fidelity = c->calibrate = 1; /* the fidelity rows, fitted to */
	else if (strcmp(o->name, "policy-bench") == 0)
		c->policy_bench = 1;
	else if (strcmp(o->name, "help") == 0)
		c->help = 1;
	else
		c->version = 1;
	return 0;
}

/* ------------------------------------------------------------ the table */

#define ACCEPTOR_POLICIES (POL(LB_POLICY_BACKGROUND) | POL(LB_POLICY_ADAPTIVE))

/* The help text's figures that the code defines. */
_Static_assert(LBS_MAX_VCPUS == 256 && LBS_MAX_CPUS == 256 && LB_ACCEPTOR_MAX_THREADS == 64,
	       "--vcpus', --cpus' and --acceptors' help texts give the maximum");
_Static_assert(LBS_LOAD_DEFAULT == 50, "--load's help text gives its default");
_Static_assert(LBS_MIN_MEMORY == UINT64_C(4) << 20 && LB_ZONE_MAX_SPAN == UINT64_C(16) << 40,
	       "--memory's help text and message give its range");

static const struct lbs_opt table[] = {
	{"trace", "FILE", "replay FILE (ftrace, trace-cmd or perf script text, plain, .gz, .xz or "
	 ".zst); default: the shipped trace", M_TRACE, 0, 0, 1, NULL, p_path},
	{"workload", "LIST|all", "run synthetic workloads instead, comma-separated:{workloads}",
	 M_WORKLOAD, 0, 0, 1, NULL, p_workload},
	{"allow-unknown", NULL, "replay what was understood of a trace most of whose lines are "
	 "not (refused otherwise)", M_TRACE, 0, 0, 0,
	 "applies to trace replays (synthetic workloads have no lines to skip)", p_flag},
	{"memory", "SIZE", "guest memory, 4M to 16T (default 16G); suffixes K M G T", M_RUN, 0, 0, 0, NULL,
	 p_memory},
	{"pre-accepted", "SIZE", "memory from address 0 accepted by firmware, at most --memory "
	 "(default 4G, or all of a smaller guest)", M_RUN, 0, 0, 0, NULL, p_pre_accepted},
	{"unit", "SIZE", "acceptance unit, a power of two in 4K..4M (default 2M)", M_RUN, 0, 0, 0,
	 NULL, p_unit},
	{"policy", "LIST|all", "policies, comma-separated (default all):{policies}", M_RUN, 0, 0,
	 0, NULL, p_policy},
	{"cost", "PRESET|FILE", "acceptance costs in virtual time: a model preset (tdx, snp, "
	 "free, ...) or a file of key = value lines (docs/model.md) (default {cost})", M_RUN, 0, 0,
	 0, NULL, p_cost},
	{"backend", "NAME", "the older name of --cost PRESET (tdx-4k, the default, tdx, snp-4k, "
	 "snp, free), and null: acceptance costs nothing; not with --cost", M_RUN, 0, 0, 0,
	 NULL, p_backend},
	{"accept-lock", "KIND", "unit (different blocks accept in parallel, the default) or "
	 "global (one lock held across every accept, as the first Linux code did)", M_RUN, 0, 0, 0,
	 NULL, p_accept_lock},
	{"no-boot", NULL, "no boot allocations before the trace", M_TRACE, 0, 0, 0,
	 "applies to trace replays (the boot workload is --workload boot)", p_flag},
	{"seed", "N", "PRNG seed; results are deterministic for a seed (default~1); a trace "
	 "replay draws only its boot allocations from it", M_RUN, 0, 0, 0, NULL, p_seed},
	{"vcpus", "N", "vCPUs, 1 to 256, each running its own stream of the workload at the rate "
	 "(default~1); a trace has one vCPU per traced CPU", M_WORKLOAD, 0, 0, 0,
	 "applies to --workload runs (a trace has one vCPU per traced CPU)", p_count},
	{"cpus", "N", "the guest's CPUs, 1 to 256, at least one per vCPU (default: one per vCPU); "
	 "its acceptor threads and releaser run on them: on an idle one when there is one, "
	 "delaying a vCPU that needs its CPU back before the pass ends, else preempting a "
	 "vCPU", M_RUN, 0, 0, 0, NULL, p_cpus},
	{"load", "PCT", "how busy a vCPU's CPU is between its operations, 0 to 100 percent "
	 "(default~50); a trace that recorded when its CPUs were idle replays that instead",
	 M_RUN, 0, 0, 0, NULL, p_load},
	{"first-write", NULL, "each vCPU writes every page it is handed, at the cost model's "
	 "first_write_per_gib_ns (0.1 s a GiB on the presets), as a workload that touches its "
	 "memory does; without it lbsim's times are acceptance alone", M_RUN, 0, 0, 0, NULL,
	 p_flag},
	{"ops", "N", "churn operations in all (default about 1M for 16G, scaled down)",
	 M_WORKLOAD, 0, WL(LBS_WL_CHURN), 0,
	 "applies to the churn workload (a trace has its own operations)", p_ops},
	{"rate", "N|max", "operations per virtual second per vCPU, 1 to 1000000000, or max (back "
	 "to back, no idle time); default per workload: boot 200000, fill 262144 (1~GiB/s), churn "
	 "100000", M_WORKLOAD, 0, 0, 0,
	 "applies to --workload runs (a trace has its own times)", p_rate},
	{"acceptors", "N", "acceptor threads, 1 to 64 (default: half the CPUs, at least one, "
	 "as the library starts them, for background and adaptive alike; adaptive parks those "
	 "demand does not need)", M_RUN, ACCEPTOR_POLICIES, 0, 0,
	 "applies to the background and adaptive policies (choose one with --policy)", p_count},
	{"reserve", "SIZE", "the acceptor's reserve (default 64M; adaptive sizes it from the "
	 "allocation rate)", M_RUN, POL(LB_POLICY_BACKGROUND), 0, 0,
	 "applies to the background policy (adaptive sizes its reserve from the allocation rate: "
	 "see --horizon)", p_reserve_batch},
	{"batch", "SIZE", "most one acceptor pass accepts (default: a quarter of the reserve, 2M "
	 "to 16M)", M_RUN, POL(LB_POLICY_BACKGROUND), 0, 0,
	 "applies to the background policy (adaptive sizes its batch from its reserve)",
	 p_reserve_batch},
	{"horizon", "MS", "the reserve covers this much demand, in milliseconds, 1 to 3600000 "
	 "(default: twice what the acceptor takes to answer, as measured, kept between 5 and "
	 "100)",
	 M_RUN, POL(LB_POLICY_ADAPTIVE), 0, 0,
	 "applies to the adaptive policy (background's reserve is fixed: see --reserve)",
	 p_horizon},
	{"fidelity", NULL, "compare lbsim with published measurements (a table of figures, "
	 "sources, PASS or MISS; docs/fidelity.md); no other option but --json", M_FIDELITY, 0,
	 0, 1, NULL, p_flag},
	{"calibrate", NULL, "fit the model's fitted figures again to their rows of --fidelity, by "
	 "the procedure tools/lbsim/bench/calibrate.c states, beside the table's values; exit 1 "
	 "unless every fit reproduces the table (docs/fidelity.md)", M_FIDELITY, 0, 0, 1, NULL,
	 p_flag},
	{"policy-bench", NULL, "every policy on the same terms on about 600 rows (4 presets, 3 "
	 "firmware sizes, 2 units; boot, fill, churn on 1, 4, 16 vCPUs at 2 rates, re-run at "
	 "half the host's reach when beyond it; the trace): each row's winner set and "
	 "adaptive's targets (docs/adaptive.md); exit 1 unless adaptive is in every row's "
	 "winner set and meets every target judged. A worker process per CPU online "
	 "(LBS_BENCH_JOBS=N to choose): 12 minutes with 2 workers on the 2-CPU development "
	 "machine. No other option but --json", M_PBENCH, 0, 0, 1, NULL, p_flag},
	{"legend", NULL, "under the table, what each column means (the report has it always, "
	 "and --help shows it)", M_RUN, 0, 0, 0, NULL, p_flag},
	{"wide", NULL, "all the terminal table's columns (without it, those that fit about "
	 "100 columns at the usual sizes, the ones the verdicts judge among them; the report's "
	 "table has more still)", M_RUN, 0, 0, 0, NULL, p_flag},
	{"json", NULL, "print a JSON array instead of the table: one object per policy and "
	 "workload, with --fidelity one per row, with --policy-bench one per row and policy",
	 M_ANY, 0, 0, 0, NULL, p_flag},
	{"csv", "FILE", "also write the results as CSV", M_RUN, 0, 0, 0, NULL, p_path},
	{"report", "DIR", "also write DIR/index.html, charts and the table", M_RUN, 0, 0, 0, NULL,
	 p_path},
	{"help", NULL, "this text (-h too)", M_ANY, 0, 0, 0, NULL, p_flag},
	{"version", NULL, "lbsim's version (the library's) and exit", M_ANY, 0, 0, 0, NULL, p_flag},
};

_Static_assert(sizeof table / sizeof table[0] <= 64, "lbs_cli.given has a bit per option");

const struct lbs_opt *const lbs_opts = table;
const size_t lbs_nopts = sizeof table / sizeof table[0];
