/* SPDX-License-Identifier: MIT */
#include "cli.h"

#include <string.h>

#include "cost.h"

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

int lbs_parse_size(const char *s, uint64_t *out)
{
	uint64_t v = 0;
	unsigned shift = 0;

	if (!s || !is_digit(*s))
		return -1;
	for (; is_digit(*s); s++) {
		unsigned d = (unsigned)(*s - '0');
		if (v > (UINT64_MAX - d) / 10u)
			return -1;
		v = v * 10u + d;
	}
	switch (*s) {
	case '\0':
		break;
	case 'k': case 'K': shift = 10; break;
	case 'm': case 'M': shift = 20; break;
	case 'g': case 'G': shift = 30; break;
	case 't': case 'T': shift = 40; break;
	default:
		return -1;
	}
	if (shift) {
		s++;
		if (strcmp(s, "iB") == 0 || strcmp(s, "B") == 0)
			s += strlen(s);
		if (*s)
			return -1;
		if (v > (UINT64_MAX >> shift))
			return -1;
		v <<= shift;
	}
	*out = v;
	return 0;
}

int lbs_parse_u64(const char *s, uint64_t *out)
{
	uint64_t v = 0;
	unsigned base = 10;

	if (!s || !*s)
		return -1;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
		if (!*s)
			return -1;
	}
	for (; *s; s++) {
		unsigned d;
		if (is_digit(*s))
			d = (unsigned)(*s - '0');
		else if (base == 16 && *s >= 'a' && *s <= 'f')
			d = (unsigned)(*s - 'a' + 10);
		else if (base == 16 && *s >= 'A' && *s <= 'F')
			d = (unsigned)(*s - 'A' + 10);
		else
			return -1;
		if (v > (UINT64_MAX - d) / base)
			return -1;
		v = v * base + d;
	}
	*out = v;
	return 0;
}

void lbs_cli_usage(FILE *f, const char *prog)
{
	struct lbs_sim_config def;

	fprintf(f,
		"usage: %s [options]\n"
		"       %s record [-o FILE] -- COMMAND [ARG...]\n"
		"Replay a Linux page-allocator trace (or run synthetic workloads) through\n"
		"lazybuddy's acceptance policies on a modelled confidential guest and\n"
		"compare them. With no options: the shipped trace, every policy, a 16 GiB\n"
		"guest, the report written to build/report/index.html.\n"
		"\n"
		"  --trace FILE         replay FILE (ftrace, trace-cmd or perf script text,\n"
		"                       plain, .gz, .xz or .zst); default: the shipped trace\n"
		"  --workload LIST|all  run synthetic workloads instead, comma-separated:",
		prog, prog);
	for (int w = 0; w < LBS_WL_COUNT; w++)
		fprintf(f, " %s", lbs_workload_name((enum lbs_workload)w));
	fprintf(f,
		"\n"
		"  --memory SIZE        guest memory (default 16G); suffixes K M G T\n"
		"  --pre-accepted SIZE  memory from address 0 accepted by firmware (default 4G)\n"
		"  --unit SIZE          acceptance unit, a power of two in 4K..4M (default 2M)\n"
		"  --policy LIST|all    policies, comma-separated (default all):");
	for (int p = 0; p < LB_POLICY_COUNT; p++)
		fprintf(f, " %s", lb_policy_name((enum lb_policy)p));
	lbs_sim_defaults(&def);
	fprintf(f,
		"\n"
		"  --cost PRESET|FILE   acceptance costs in virtual time: a model preset (tdx,\n"
		"                       snp, free, ...) or a file of key = value lines\n"
		"                       (docs/model.md) (default %s)\n"
		"  --backend NAME       tdx or snp (cost models in virtual time), or null\n"
		"                       (acceptance costs nothing); not with --cost\n"
		"  --accept-lock KIND   unit (different blocks accept in parallel, the default)\n"
		"                       or global (one lock held across every accept, as the\n"
		"                       first Linux code did)\n"
		"  --no-boot            trace replay: no boot allocations before the trace\n"
		"  --seed N             PRNG seed; results are deterministic for a seed (default 1)\n"
		"  --vcpus N            synthetic workloads: vCPUs, 1 to 256, each running its own\n"
		"                       stream of the workload at the rate (default 1); a trace\n"
		"                       has one vCPU per traced CPU\n"
		"  --ops N              churn operations in all (default about 1M for 16G, scaled\n"
		"                       down)\n"
		"  --rate N|max         synthetic workloads: operations per virtual second per\n"
		"                       vCPU, or max (back to back, no idle time); default per\n"
		"                       workload: boot 200000, fill 262144 (1 GiB/s), churn 100000\n"
		"  --acceptors N        background, adaptive: acceptor threads, 1 to 64 (default 1)\n"
		"  --reserve SIZE       background: the acceptor's reserve (default 64M; adaptive\n"
		"                       sizes it from the allocation rate)\n"
		"  --batch SIZE         background: most one acceptor pass accepts (default: a\n"
		"                       quarter of the reserve, 2M to 16M)\n"
		"  --horizon MS         adaptive: the reserve covers this much demand (default 100)\n"
		"  --fidelity           compare lbsim with published measurements (a table of\n"
		"                       figures, sources, PASS or MISS; docs/fidelity.md)\n"
		"  --policy-bench       adaptive against every policy on each workload and\n"
		"                       preset: the targets of docs/adaptive.md, PASS or MISS\n"
		"  --json               print a JSON array, one object per policy and workload\n"
		"  --csv FILE           also write the results as CSV\n"
		"  --report DIR         also write DIR/index.html, charts and the table\n"
		"  --help               this text\n"
		"  --version            lbsim's version (the library's) and exit\n",
		def.backend);
}

typedef int (*name_parser)(const char *);

_Static_assert(LB_POLICY_COUNT <= 16 && LBS_WL_COUNT <= 16, "parse_list's seen[] is too small");

static int parse_policy_name(const char *s)
{
	return lb_policy_parse(s);
}

/* Comma list of names, or "all". Fills out[] in order without repeats. */
static int parse_list(const char *arg, const char *what, name_parser parse, int count,
		      int *out, size_t *n, FILE *err)
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
		fprintf(err, "lbsim: --%s list too long\n", what);
		return 2;
	}
	memcpy(buf, arg, strlen(arg) + 1);
	char *s = buf;
	for (;;) {
		char *comma = strchr(s, ',');
		if (comma)
			*comma = '\0';
		int v = *s ? parse(s) : -1;
		if (v < 0 || v >= count) {
			fprintf(err, "lbsim: unknown %s '%s' (expected all or a comma list of:", what,
				s);
			for (int i = 0; i < count; i++)
				fprintf(err, " %s",
					parse == parse_policy_name ? lb_policy_name((enum lb_policy)i)
								   : lbs_workload_name((enum lbs_workload)i));
			fprintf(err, ")\n");
			return 2;
		}
		if (!seen[v]) {
			seen[v] = 1;
			out[(*n)++] = v;
		}
		if (!comma)
			break;
		s = comma + 1;
	}
	return 0;
}

static int parse_size_opt(const char *opt, const char *val, uint64_t *out, FILE *err)
{
	if (lbs_parse_size(val, out) != 0) {
		fprintf(err,
			"lbsim: --%s: bad size '%s' (bytes, or a number with K, M, G or T)\n",
			opt, val);
		return 2;
	}
	return 0;
}

/* --cost PRESET|FILE: a preset as --backend names it, a file's figures
 * carried in the config (lbs_sim_model). */
static int cost_opt(const char *val, struct lbs_sim_config *c, FILE *err)
{
	struct lb_model_params mp;
	char name[LBS_NAME_MAX], msg[1024];
	int kind;

	if (!*val) {
		fprintf(err, "lbsim: --cost needs a preset name or a file name\n");
		return 2;
	}
	kind = lbs_cost_load(val, &mp, name, sizeof name, msg, sizeof msg);
	if (kind < 0) {
		fprintf(err, "lbsim: --cost: %s\n", msg);
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

/* Options that apply to one mode, some policies or some workloads only. */
#define P(p) (1u << (p))
#define W(w) (1u << (w))
#define ALL_POLICIES 0xffffu
#define ALL_WORKLOADS 0xffffu
static const struct {
	const char *name, *why;
	int trace_ok, workload_ok;
	unsigned policies, workloads; /* one of them must be chosen */
} scope[] = {
	{"rate", "applies to --workload runs (a trace has its own times)", 0, 1,
	 ALL_POLICIES, ALL_WORKLOADS},
	{"ops", "applies to the churn workload (a trace has its own operations)", 0, 1,
	 ALL_POLICIES, W(LBS_WL_CHURN)},
	{"vcpus", "applies to --workload runs (a trace has one vCPU per traced CPU)", 0, 1,
	 ALL_POLICIES, ALL_WORKLOADS},
	{"no-boot", "applies to trace replays (the boot workload is --workload boot)", 1, 0,
	 ALL_POLICIES, ALL_WORKLOADS},
	{"acceptors", "applies to the background and adaptive policies (choose one with "
		      "--policy)", 1, 1, P(LB_POLICY_BACKGROUND) | P(LB_POLICY_ADAPTIVE),
	 ALL_WORKLOADS},
	{"reserve", "applies to the background policy (adaptive sizes its reserve from the "
		    "allocation rate: see --horizon)", 1, 1, P(LB_POLICY_BACKGROUND), ALL_WORKLOADS},
	{"batch", "applies to the background policy (adaptive sizes its batch from its "
		  "reserve)", 1, 1, P(LB_POLICY_BACKGROUND), ALL_WORKLOADS},
	{"horizon", "applies to the adaptive policy (background's reserve is fixed: see "
		    "--reserve)", 1, 1, P(LB_POLICY_ADAPTIVE), ALL_WORKLOADS},
};

static unsigned given_bit(const char *name)
{
	for (size_t k = 0; k < sizeof scope / sizeof scope[0]; k++)
		if (strcmp(name, scope[k].name) == 0)
			return 1u << k;
	return 0;
}

static int applicable(const struct lbs_cli *cli, FILE *err)
{
	unsigned pol = 0, wl = 0;

	for (size_t i = 0; i < cli->npolicy; i++)
		pol |= P(cli->policy[i]);
	for (size_t i = 0; i < cli->nworkload; i++)
		wl |= W(cli->workload[i]);
	for (size_t k = 0; k < sizeof scope / sizeof scope[0]; k++) {
		if (!(cli->given & (1u << k)))
			continue;
		if ((cli->nworkload ? !scope[k].workload_ok : !scope[k].trace_ok) ||
		    !(pol & scope[k].policies) || (cli->nworkload && !(wl & scope[k].workloads))) {
			fprintf(err, "lbsim: --%s %s\n", scope[k].name, scope[k].why);
			return 2;
		}
	}
	return 0;
}

int lbs_cli_parse(int argc, char *const argv[], struct lbs_cli *cli, FILE *err)
{
	int pol[LB_POLICY_COUNT], wl[LBS_WL_COUNT];
	size_t n;
	int rc = 0, backend_given = 0, cost_given = 0;

	memset(cli, 0, sizeof *cli);
	lbs_sim_defaults(&cli->sim);
	for (int i = 0; i < LB_POLICY_COUNT; i++)
		cli->policy[cli->npolicy++] = (enum lb_policy)i;
	cli->boot = 1;
	cli->no_args = argc <= 1;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *val = NULL;
		char name[32];
		const char *eq;

		if (strncmp(a, "--", 2) != 0 || a[2] == '\0') {
			fprintf(err, "lbsim: unexpected argument '%s' (try --help)\n", a);
			return 2;
		}
		a += 2;
		eq = strchr(a, '=');
		size_t len = eq ? (size_t)(eq - a) : strlen(a);
		if (len >= sizeof name) {
			fprintf(err, "lbsim: unknown option '%s' (try --help)\n", argv[i]);
			return 2;
		}
		memcpy(name, a, len);
		name[len] = '\0';

		if (strcmp(name, "help") == 0 || strcmp(name, "json") == 0 ||
		    strcmp(name, "no-boot") == 0 || strcmp(name, "version") == 0 ||
		    strcmp(name, "fidelity") == 0 || strcmp(name, "policy-bench") == 0) {
			if (eq) {
				fprintf(err, "lbsim: --%s takes no value\n", name);
				return 2;
			}
			if (name[0] == 'h')
				cli->help = 1;
			else if (name[0] == 'f')
				cli->fidelity = 1;
			else if (name[0] == 'p')
				cli->policy_bench = 1;
			else if (name[0] == 'v')
				cli->version = 1;
			else if (name[0] == 'j')
				cli->json = 1;
			else
				cli->boot = 0;
			cli->given |= given_bit(name);
			continue;
		}
		static const char *const with_value[] = {
			"memory", "pre-accepted", "unit", "policy", "workload", "backend", "cost", "seed",
			"ops",
			"trace", "accept-lock", "report", "csv", "rate", "vcpus", "acceptors",
			"reserve", "batch", "horizon",
		};
		int known = 0;
		for (size_t k = 0; k < sizeof with_value / sizeof with_value[0]; k++)
			known |= strcmp(name, with_value[k]) == 0;
		if (!known) {
			fprintf(err, "lbsim: unknown option '--%s' (try --help)\n", name);
			return 2;
		}
		if (eq)
			val = eq + 1;
		else if (i + 1 < argc)
			val = argv[++i];
		else {
			fprintf(err, "lbsim: --%s needs a value\n", name);
			return 2;
		}

		if (strcmp(name, "memory") == 0) {
			rc = parse_size_opt(name, val, &cli->sim.memory_bytes, err);
			if (!rc && (cli->sim.memory_bytes < LBS_MIN_MEMORY ||
				    cli->sim.memory_bytes % LB_PAGE_SIZE)) {
				fprintf(err,
					"lbsim: --memory %s: must be a multiple of 4K and at least 4M\n",
					val);
				rc = 2;
			}
		} else if (strcmp(name, "pre-accepted") == 0) {
			rc = parse_size_opt(name, val, &cli->sim.pre_accepted_bytes, err);
			if (!rc && cli->sim.pre_accepted_bytes % LB_PAGE_SIZE) {
				fprintf(err, "lbsim: --pre-accepted %s: must be a multiple of 4K\n",
					val);
				rc = 2;
			}
		} else if (strcmp(name, "unit") == 0) {
			uint64_t u = 0;
			rc = parse_size_opt(name, val, &u, err);
			if (!rc && (u < LB_PAGE_SIZE || u > (LB_PAGE_SIZE << LB_MAX_ORDER) ||
				    (u & (u - 1u)))) {
				fprintf(err, "lbsim: --unit %s: must be a power of two from 4K to 4M\n",
					val);
				rc = 2;
			}
			cli->sim.unit_bytes = u;
		} else if (strcmp(name, "policy") == 0) {
			rc = parse_list(val, "policy", parse_policy_name, LB_POLICY_COUNT, pol, &n,
					err);
			if (!rc) {
				cli->npolicy = n;
				for (size_t k = 0; k < n; k++)
					cli->policy[k] = (enum lb_policy)pol[k];
			}
		} else if (strcmp(name, "workload") == 0) {
			rc = parse_list(val, "workload", lbs_workload_parse, LBS_WL_COUNT, wl, &n,
					err);
			if (!rc) {
				cli->nworkload = n;
				for (size_t k = 0; k < n; k++)
					cli->workload[k] = (enum lbs_workload)wl[k];
			}
		} else if (strcmp(name, "backend") == 0) {
			if (strlen(val) >= sizeof cli->sim.backend || !lbs_backend_valid(val)) {
				fprintf(err, "lbsim: unknown backend '%s' (expected tdx, snp or null)\n",
					val);
				rc = 2;
			} else {
				snprintf(cli->sim.backend, sizeof cli->sim.backend, "%s", val);
				backend_given = 1;
			}
		} else if (strcmp(name, "cost") == 0) {
			rc = cost_opt(val, &cli->sim, err);
			cost_given |= rc == 0;
		} else if (strcmp(name, "seed") == 0) {
			if (lbs_parse_u64(val, &cli->sim.seed) != 0) {
				fprintf(err, "lbsim: --seed '%s': expected a non-negative integer\n",
					val);
				rc = 2;
			}
		} else if (strcmp(name, "trace") == 0 || strcmp(name, "report") == 0 ||
			   strcmp(name, "csv") == 0) {
			if (!*val) {
				fprintf(err, "lbsim: --%s needs a file name\n", name);
				rc = 2;
			} else if (name[0] == 't') {
				cli->trace = val;
			} else if (name[0] == 'r') {
				cli->report_dir = val;
			} else {
				cli->csv_path = val;
			}
		} else if (strcmp(name, "accept-lock") == 0) {
			if (strcmp(val, "unit") == 0) {
				cli->sim.lock = LBS_LOCK_UNIT;
			} else if (strcmp(val, "global") == 0) {
				cli->sim.lock = LBS_LOCK_GLOBAL;
			} else {
				fprintf(err, "lbsim: --accept-lock '%s': expected unit or global\n", val);
				rc = 2;
			}
		} else if (strcmp(name, "rate") == 0) {
			/* At most one operation a nanosecond keeps the times exact. */
			if (strcmp(val, "max") == 0) {
				cli->sim.rate = LBS_RATE_MAX;
			} else if (lbs_parse_u64(val, &cli->sim.rate) != 0 || cli->sim.rate == 0 ||
				   cli->sim.rate > UINT64_C(1000000000)) {
				fprintf(err, "lbsim: --rate '%s': expected operations per second, 1 to "
					     "1000000000, or max\n", val);
				rc = 2;
			}
		} else if (strcmp(name, "ops") == 0) {
			if (lbs_parse_u64(val, &cli->sim.churn_ops) != 0 || cli->sim.churn_ops == 0) {
				fprintf(err, "lbsim: --ops '%s': expected a positive integer\n", val);
				rc = 2;
			}
		} else if (strcmp(name, "vcpus") == 0 || strcmp(name, "acceptors") == 0) {
			uint64_t v = 0, max = name[0] == 'v' ? LBS_MAX_VCPUS : LB_ACCEPTOR_MAX_THREADS;

			if (lbs_parse_u64(val, &v) != 0 || v == 0 || v > max) {
				fprintf(err, "lbsim: --%s '%s': expected 1 to %llu\n", name, val,
					(unsigned long long)max);
				rc = 2;
			} else if (name[0] == 'v') {
				cli->sim.vcpus = (unsigned)v;
			} else {
				cli->sim.acceptors = (unsigned)v;
			}
		} else if (strcmp(name, "reserve") == 0 || strcmp(name, "batch") == 0) {
			uint64_t *dst = name[0] == 'r' ? &cli->sim.reserve_bytes : &cli->sim.batch_bytes;

			rc = parse_size_opt(name, val, dst, err);
			if (!rc && (*dst < LB_PAGE_SIZE || *dst % LB_PAGE_SIZE)) {
				fprintf(err, "lbsim: --%s %s: must be a multiple of 4K, at least 4K\n",
					name, val);
				rc = 2;
			}
		} else if (strcmp(name, "horizon") == 0) {
			uint64_t ms = 0;

			if (lbs_parse_u64(val, &ms) != 0 || ms == 0 || ms > UINT64_C(3600000)) {
				fprintf(err, "lbsim: --horizon '%s': expected milliseconds, 1 to "
					     "3600000\n", val);
				rc = 2;
			}
			cli->sim.horizon_ns = ms * UINT64_C(1000000);
		}
		if (!rc)
			cli->given |= given_bit(name);
		if (rc)
			return rc;
	}
	if (backend_given && cost_given) {
		fprintf(err, "lbsim: --backend and --cost exclude each other (--cost takes a preset "
			     "name too)\n");
		return 2;
	}
	if (cli->trace && cli->nworkload) {
		fprintf(err, "lbsim: --trace and --workload exclude each other (a run replays a "
			     "trace or runs synthetic workloads)\n");
		return 2;
	}
	return applicable(cli, err);
}
