/* SPDX-License-Identifier: MIT */
/*
 * lbsim's options, one table: each option's name, its value (if any), its
 * help text, where it applies (the run it belongs to, the policies or
 * workloads one of which must be chosen) and its parser. The help text is
 * printed from the table, and an option given where it does not apply is
 * refused from it.
 */
#include "cli.h"

#include <string.h>

#include "cost.h"

/* The run an option belongs to (lbs_cli_parse's comment). */
#define M_TRACE    0x1u
#define M_WORKLOAD 0x2u
#define M_FIDELITY 0x4u
#define M_PBENCH   0x8u
#define M_RUN      (M_TRACE | M_WORKLOAD)
#define M_ANY      (M_RUN | M_FIDELITY | M_PBENCH)

#define P(p) (1u << (p))
#define W(w) (1u << (w))

struct opt;

/* What the parsers share while one command line is read. */
struct pstate {
	struct lbs_cli *cli;
	FILE *err;
	const char *memory_arg, *pre_arg; /* as given, for messages */
};

typedef int (*opt_parser)(struct pstate *s, const struct opt *o, const char *val);

struct opt {
	const char *name; /* without the "--" */
	const char *arg;  /* the value's name in the help; NULL: a flag, no value */
	const char *help; /* {policies}, {workloads}, {cost} are filled in */
	unsigned modes;   /* M_*: the runs it applies to */
	unsigned policies, workloads; /* 0, or one of these must be chosen */
	int selects;      /* it chooses the run (no "applies to" note in the help) */
	const char *why;  /* said when given where it does not apply */
	opt_parser parse;
};

/* ------------------------------------------------------------- parsers */

static int bad(struct pstate *s, const char *fmt, const char *name, const char *val)
{
	fprintf(s->err, fmt, name, val);
	return 2;
}

static int size_value(struct pstate *s, const struct opt *o, const char *val, uint64_t *out)
{
	if (lbs_parse_size(val, out) != 0)
		return bad(s, "lbsim: --%s: bad size '%s' (bytes, or a number with K, M, G or T)\n",
			   o->name, val);
	return 0;
}

static int p_memory(struct pstate *s, const struct opt *o, const char *val)
{
	uint64_t *m = &s->cli->sim.memory_bytes;

	if (size_value(s, o, val, m))
		return 2;
	if (*m < LBS_MIN_MEMORY || *m % LB_PAGE_SIZE)
		return bad(s, "lbsim: --%s %s: must be a multiple of 4K and at least 4M\n", o->name,
			   val);
	s->memory_arg = val;
	return 0;
}

static int p_pre_accepted(struct pstate *s, const struct opt *o, const char *val)
{
	if (size_value(s, o, val, &s->cli->sim.pre_accepted_bytes))
		return 2;
	if (s->cli->sim.pre_accepted_bytes % LB_PAGE_SIZE)
		return bad(s, "lbsim: --%s %s: must be a multiple of 4K\n", o->name, val);
	s->pre_arg = val;
	return 0;
}

static int p_unit(struct pstate *s, const struct opt *o, const char *val)
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

static int p_reserve_batch(struct pstate *s, const struct opt *o, const char *val)
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
static int parse_list(struct pstate *s, const char *arg, const char *what, name_parser parse,
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

static int p_policy(struct pstate *s, const struct opt *o, const char *val)
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

static int p_workload(struct pstate *s, const struct opt *o, const char *val)
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

static int p_backend(struct pstate *s, const struct opt *o, const char *val)
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
static int p_cost(struct pstate *s, const struct opt *o, const char *val)
{
	struct lbs_sim_config *c = &s->cli->sim;
	struct lb_model_params mp;
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
		return 2;
	}
	memcpy(c->backend, name, sizeof name);
	c->have_model = kind == LBS_COST_FILE;
	memset(&c->model, 0, sizeof c->model);
	if (c->have_model) {
		c->model = mp;
		c->model.name = NULL; /* c->backend is the name (lbs_sim_model) */
	}
	return 0;
}

static int p_seed(struct pstate *s, const struct opt *o, const char *val)
{
	if (lbs_parse_u64(val, &s->cli->sim.seed) != 0)
		return bad(s, "lbsim: --%s '%s': expected a non-negative integer\n", o->name, val);
	return 0;
}

/* --trace, --report, --csv: a name, kept as given. */
static int p_path(struct pstate *s, const struct opt *o, const char *val)
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

static int p_accept_lock(struct pstate *s, const struct opt *o, const char *val)
{
	if (strcmp(val, "unit") == 0)
		s->cli->sim.lock = LBS_LOCK_UNIT;
	else if (strcmp(val, "global") == 0)
		s->cli->sim.lock = LBS_LOCK_GLOBAL;
	else
		return bad(s, "lbsim: --%s '%s': expected unit or global\n", o->name, val);
	return 0;
}

static int p_rate(struct pstate *s, const struct opt *o, const char *val)
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

static int p_ops(struct pstate *s, const struct opt *o, const char *val)
{
	if (lbs_parse_u64(val, &s->cli->sim.churn_ops) != 0 || s->cli->sim.churn_ops == 0)
		return bad(s, "lbsim: --%s '%s': expected a positive integer\n", o->name, val);
	return 0;
}

/* --vcpus, --acceptors: 1 to their maximum. */
static int p_count(struct pstate *s, const struct opt *o, const char *val)
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

static int p_horizon(struct pstate *s, const struct opt *o, const char *val)
{
	uint64_t ms = 0;

	if (lbs_parse_u64(val, &ms) != 0 || ms == 0 || ms > UINT64_C(3600000))
		return bad(s, "lbsim: --%s '%s': expected milliseconds, 1 to 3600000\n", o->name,
			   val);
	s->cli->sim.horizon_ns = ms * UINT64_C(1000000);
	return 0;
}

/* The flags: each sets its own field. */
static int p_flag(struct pstate *s, const struct opt *o, const char *val)
{
	struct lbs_cli *c = s->cli;

	(void)val;
	if (strcmp(o->name, "no-boot") == 0)
		c->boot = 0;
	else if (strcmp(o->name, "allow-unknown") == 0)
		c->allow_unknown = 1;
	else if (strcmp(o->name, "json") == 0)
		c->json = 1;
	else if (strcmp(o->name, "fidelity") == 0)
		c->fidelity = 1;
	else if (strcmp(o->name, "policy-bench") == 0)
		c->policy_bench = 1;
	else if (strcmp(o->name, "help") == 0)
		c->help = 1;
	else
		c->version = 1;
	return 0;
}

/* ------------------------------------------------------------ the table */

#define ACCEPTOR_POLICIES (P(LB_POLICY_BACKGROUND) | P(LB_POLICY_ADAPTIVE))

/* The help text's figures that the code defines. */
_Static_assert(LBS_MAX_VCPUS == 256 && LB_ACCEPTOR_MAX_THREADS == 64,
	       "--vcpus' and --acceptors' help texts give the maximum");

static const struct opt opts[] = {
	{"trace", "FILE", "replay FILE (ftrace, trace-cmd or perf script text, plain, .gz, .xz or "
	 ".zst); default: the shipped trace", M_TRACE, 0, 0, 1, NULL, p_path},
	{"workload", "LIST|all", "run synthetic workloads instead, comma-separated:{workloads}",
	 M_WORKLOAD, 0, 0, 1, NULL, p_workload},
	{"allow-unknown", NULL, "replay what was understood of a trace most of whose lines are "
	 "not (refused otherwise)", M_TRACE, 0, 0, 0,
	 "applies to trace replays (synthetic workloads have no lines to skip)", p_flag},
	{"memory", "SIZE", "guest memory (default 16G); suffixes K M G T", M_RUN, 0, 0, 0, NULL,
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
	{"backend", "NAME", "tdx or snp (cost models in virtual time), or null (acceptance costs "
	 "nothing); not with --cost", M_RUN, 0, 0, 0, NULL, p_backend},
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
	{"ops", "N", "churn operations in all (default about 1M for 16G, scaled down)",
	 M_WORKLOAD, 0, W(LBS_WL_CHURN), 0,
	 "applies to the churn workload (a trace has its own operations)", p_ops},
	{"rate", "N|max", "operations per virtual second per vCPU, 1 to 1000000000, or max (back "
	 "to back, no idle time); default per workload: boot 200000, fill 262144 (1~GiB/s), churn "
	 "100000", M_WORKLOAD, 0, 0, 0,
	 "applies to --workload runs (a trace has its own times)", p_rate},
	{"acceptors", "N", "acceptor threads, 1 to 64 (default~1)", M_RUN, ACCEPTOR_POLICIES, 0, 0,
	 "applies to the background and adaptive policies (choose one with --policy)", p_count},
	{"reserve", "SIZE", "the acceptor's reserve (default 64M; adaptive sizes it from the "
	 "allocation rate)", M_RUN, P(LB_POLICY_BACKGROUND), 0, 0,
	 "applies to the background policy (adaptive sizes its reserve from the allocation rate: "
	 "see --horizon)", p_reserve_batch},
	{"batch", "SIZE", "most one acceptor pass accepts (default: a quarter of the reserve, 2M "
	 "to 16M)", M_RUN, P(LB_POLICY_BACKGROUND), 0, 0,
	 "applies to the background policy (adaptive sizes its batch from its reserve)",
	 p_reserve_batch},
	{"horizon", "MS", "the reserve covers this much demand, in milliseconds (default~100)",
	 M_RUN, P(LB_POLICY_ADAPTIVE), 0, 0,
	 "applies to the adaptive policy (background's reserve is fixed: see --reserve)",
	 p_horizon},
	{"fidelity", NULL, "compare lbsim with published measurements (a table of figures, "
	 "sources, PASS or MISS; docs/fidelity.md); no other option", M_FIDELITY, 0, 0, 1, NULL,
	 p_flag},
	{"policy-bench", NULL, "adaptive against every policy on each workload and preset: the "
	 "targets of docs/adaptive.md, PASS or MISS; no other option", M_PBENCH, 0, 0, 1, NULL,
	 p_flag},
	{"json", NULL, "print a JSON array, one object per policy and workload", M_RUN, 0, 0, 0,
	 NULL, p_flag},
	{"csv", "FILE", "also write the results as CSV", M_RUN, 0, 0, 0, NULL, p_path},
	{"report", "DIR", "also write DIR/index.html, charts and the table", M_RUN, 0, 0, 0, NULL,
	 p_path},
	{"help", NULL, "this text", M_ANY, 0, 0, 0, NULL, p_flag},
	{"version", NULL, "lbsim's version (the library's) and exit", M_ANY, 0, 0, 0, NULL, p_flag},
};

#define NOPTS (sizeof opts / sizeof opts[0])
_Static_assert(NOPTS <= 64, "lbs_cli.given has a bit per option");

static const struct opt *find_opt(const char *name, size_t len)
{
	for (size_t k = 0; k < NOPTS; k++)
		if (strlen(opts[k].name) == len && strncmp(opts[k].name, name, len) == 0)
			return &opts[k];
	return NULL;
}

static int given(const struct lbs_cli *c, const char *name)
{
	const struct opt *o = find_opt(name, strlen(name));
	return o && (c->given >> (o - opts) & 1u);
}

/* ------------------------------------------------------------- the help */

/* Help texts wrap at spaces; "~" is a space they do not wrap at. */
#define HELP_COL 23
#define HELP_WIDTH 79

/* The help text with its {names} filled in. */
static void expand(char *out, size_t len, const char *help)
{
	struct lbs_sim_config def;
	size_t n = 0;

	lbs_sim_defaults(&def);
	out[0] = '\0';
	while (*help && n + 1 < len) {
		const char *end = help[0] == '{' ? strchr(help, '}') : NULL;
		size_t klen = end ? (size_t)(end - help - 1) : 0;

		if (end && klen == 8 && strncmp(help + 1, "policies", klen) == 0) {
			for (int p = 0; p < LB_POLICY_COUNT; p++)
				n += (size_t)snprintf(out + n, n < len ? len - n : 0, " %s",
						      policy_name(p));
		} else if (end && klen == 9 && strncmp(help + 1, "workloads", klen) == 0) {
			for (int w = 0; w < LBS_WL_COUNT; w++)
				n += (size_t)snprintf(out + n, n < len ? len - n : 0, " %s",
						      workload_name(w));
		} else if (end && klen == 4 && strncmp(help + 1, "cost", klen) == 0) {
			n += (size_t)snprintf(out + n, n < len ? len - n : 0, "%s", def.backend);
		} else {
			out[n++] = *help++;
			out[n] = '\0';
			continue;
		}
		help = end + 1;
	}
	if (n >= len)
		out[len - 1] = '\0';
}

/* Where an option applies, for the help ("background, adaptive: "). */
static void scope_note(char *out, size_t len, const struct opt *o)
{
	size_t n = 0;

	out[0] = '\0';
	if (o->selects || (o->modes & M_RUN) == 0)
		return;
	if (o->modes == M_TRACE)
		n += (size_t)snprintf(out + n, len - n, "trace replay");
	if (o->modes == M_WORKLOAD && !o->workloads)
		n += (size_t)snprintf(out + n, len - n, "synthetic workloads");
	for (int w = 0, first = 1; o->workloads && w < LBS_WL_COUNT && n < len; w++) {
		if (!(o->workloads & W(w)))
			continue;
		n += (size_t)snprintf(out + n, len - n, "%s%s", first ? "" : ", ",
				      workload_name(w));
		first = 0;
	}
	if (o->workloads && n < len)
		n += (size_t)snprintf(out + n, len - n, " workload");
	for (int p = 0, first = 1; o->policies && p < LB_POLICY_COUNT && n < len; p++) {
		if (!(o->policies & P(p)))
			continue;
		n += (size_t)snprintf(out + n, len - n, "%s%s", first ? "" : ", ", policy_name(p));
		first = 0;
	}
	if (n && n < len)
		snprintf(out + n, len - n, ": ");
}

/* "  --name ARG" and the text beside it, words wrapped at HELP_WIDTH. */
static void print_opt(FILE *f, const struct opt *o)
{
	char text[1024], note[128];
	int col;

	scope_note(note, sizeof note, o);
	expand(text + strlen(note), sizeof text - strlen(note), o->help);
	memcpy(text, note, strlen(note));
	col = fprintf(f, "  --%s%s%s", o->name, o->arg ? " " : "", o->arg ? o->arg : "");
	if (col >= HELP_COL - 1) {
		fputc('\n', f);
		col = 0;
	}
	for (const char *w = text; *w;) {
		size_t wl = strcspn(w, " ");

		if (col > HELP_COL && col + 1 + (int)wl > HELP_WIDTH) {
			fputc('\n', f);
			col = 0;
		}
		if (col < HELP_COL) {
			fprintf(f, "%*s", HELP_COL - col, "");
			col = HELP_COL;
		} else {
			fputc(' ', f);
			col++;
		}
		for (size_t k = 0; k < wl; k++) /* '~': a space that does not break */
			fputc(w[k] == '~' ? ' ' : w[k], f);
		col += (int)wl;
		w += wl;
		while (*w == ' ')
			w++;
	}
	fputc('\n', f);
}

void lbs_cli_usage(FILE *f, const char *prog)
{
	fprintf(f,
		"usage: %s [options]\n"
		"       %s record [-o FILE] -- COMMAND [ARG...]\n"
		"Replay a Linux page-allocator trace (or run synthetic workloads) through\n"
		"lazybuddy's acceptance policies on a modelled confidential guest and\n"
		"compare them. With no options: the shipped trace, every policy, a 16 GiB\n"
		"guest, the report written to build/report/index.html. An option that does\n"
		"not apply to the run is refused.\n"
		"\n",
		prog, prog);
	for (size_t k = 0; k < NOPTS; k++)
		print_opt(f, &opts[k]);
}

/* ------------------------------------------------------------ the rules */

static unsigned run_of(const struct lbs_cli *c)
{
	if (c->fidelity)
		return M_FIDELITY;
	if (c->policy_bench)
		return M_PBENCH;
	return c->nworkload ? M_WORKLOAD : M_TRACE;
}

/* Every option given applies to the run: 0, or 2 with the first that does not. */
static int applicable(const struct lbs_cli *cli, FILE *err)
{
	unsigned run = run_of(cli), pol = 0, wl = 0;

	for (size_t i = 0; i < cli->npolicy; i++)
		pol |= P(cli->policy[i]);
	for (size_t i = 0; i < cli->nworkload; i++)
		wl |= W(cli->workload[i]);
	for (size_t k = 0; k < NOPTS; k++) {
		const struct opt *o = &opts[k];

		if (!(cli->given >> k & 1u))
			continue;
		if (!(o->modes & run) && (run & (M_FIDELITY | M_PBENCH))) {
			fprintf(err, "lbsim: --%s does not apply to %s\n", o->name,
				run == M_FIDELITY
					? "--fidelity (its runs are fixed: docs/fidelity.md)"
					: "--policy-bench (its runs are fixed: docs/adaptive.md)");
			return 2;
		}
		if (!(o->modes & run) || (o->policies && !(pol & o->policies)) ||
		    (o->workloads && run == M_WORKLOAD && !(wl & o->workloads))) {
			fprintf(err, "lbsim: --%s %s\n", o->name,
				o->why ? o->why : "does not apply to this run");
			return 2;
		}
	}
	if (run == M_TRACE && !cli->boot && given(cli, "seed")) {
		fprintf(err, "lbsim: --seed does nothing with --no-boot (a trace replay draws only "
			     "its boot allocations from the seed)\n");
		return 2;
	}
	return 0;
}

/* Options that exclude each other, values that must agree. */
static int consistent(const struct pstate *s)
{
	const struct lbs_cli *cli = s->cli;

	if (given(cli, "backend") && given(cli, "cost")) {
		fprintf(s->err, "lbsim: --backend and --cost exclude each other (--cost takes a "
				"preset name too)\n");
		return 2;
	}
	if (cli->trace && cli->nworkload) {
		fprintf(s->err, "lbsim: --trace and --workload exclude each other (a run replays "
				"a trace or runs synthetic workloads)\n");
		return 2;
	}
	if (cli->fidelity && cli->policy_bench) {
		fprintf(s->err, "lbsim: --fidelity and --policy-bench exclude each other (each is "
				"a run of its own)\n");
		return 2;
	}
	if (s->pre_arg && cli->sim.pre_accepted_bytes > cli->sim.memory_bytes) {
		char mem[32];

		lbs_size_short(mem, sizeof mem, cli->sim.memory_bytes);
		fprintf(s->err, "lbsim: --pre-accepted %s is more than the guest's memory (%s%s)\n",
			s->pre_arg, s->memory_arg ? s->memory_arg : mem,
			s->memory_arg ? "" : ", the default; see --memory");
		return 2;
	}
	return 0;
}

int lbs_cli_parse(int argc, char *const argv[], struct lbs_cli *cli, FILE *err)
{
	struct pstate s = {cli, err, NULL, NULL};

	memset(cli, 0, sizeof *cli);
	lbs_sim_defaults(&cli->sim);
	for (int i = 0; i < LB_POLICY_COUNT; i++)
		cli->policy[cli->npolicy++] = (enum lb_policy)i;
	cli->boot = 1;
	cli->no_args = argc <= 1;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *val = NULL, *eq;
		const struct opt *o;
		size_t len;

		if (strncmp(a, "--", 2) != 0 || a[2] == '\0') {
			fprintf(err, "lbsim: unexpected argument '%s' (try --help)\n", a);
			return 2;
		}
		a += 2;
		eq = strchr(a, '=');
		len = eq ? (size_t)(eq - a) : strlen(a);
		o = find_opt(a, len);
		if (!o) {
			fprintf(err, "lbsim: unknown option '--%.*s' (try --help)\n",
				len > 64 ? 64 : (int)len, a);
			return 2;
		}
		if (!o->arg && eq) {
			fprintf(err, "lbsim: --%s takes no value\n", o->name);
			return 2;
		}
		if (o->arg) {
			if (eq) {
				val = eq + 1;
			} else if (i + 1 < argc && strncmp(argv[i + 1], "--", 2) == 0 &&
				   argv[i + 1][2] != '\0') {
				/* "--report --json": the value was forgotten */
				fprintf(err, "lbsim: --%s needs a value, not the option %s (write "
					     "--%s=%s for a value that starts with --)\n",
					o->name, argv[i + 1], o->name, argv[i + 1]);
				return 2;
			} else if (i + 1 < argc) {
				val = argv[++i];
			} else {
				fprintf(err, "lbsim: --%s needs a value\n", o->name);
				return 2;
			}
		}
		if (o->parse(&s, o, val))
			return 2;
		cli->given |= UINT64_C(1) << (o - opts);
	}
	if (consistent(&s))
		return 2;
	return applicable(cli, err);
}
