/* SPDX-License-Identifier: MIT */
/*
 * lbsim's command line: the options read by the table (opts.h), then
 * the rules that take them together: the run they choose, options that
 * exclude each other or do not apply to it, values that must agree.
 */
#include "cli.h"

#include <string.h>

#include "opts.h"

static const struct lbs_opt *find_opt(const char *name, size_t len)
{
	for (size_t k = 0; k < lbs_nopts; k++)
		if (strlen(lbs_opts[k].name) == len && strncmp(lbs_opts[k].name, name, len) == 0)
			return &lbs_opts[k];
	return NULL;
}

static int given(const struct lbs_cli *c, const char *name)
{
	const struct lbs_opt *o = find_opt(name, strlen(name));
	return o && (c->given >> (o - lbs_opts) & 1u);
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

/* "--ops applies to the churn workload, which --workload boot,fill does not
 * run (add it to the list)". */
static void workloads_missing(const struct lbs_cli *cli, const struct lbs_opt *o, FILE *err)
{
	int n = 0;

	fprintf(err, "lbsim: --%s applies to the", o->name);
	for (int w = 0; w < LBS_WL_COUNT; w++)
		if (o->workloads & WL(w))
			fprintf(err, "%s %s", n++ ? " or" : "", lbs_workload_name((enum lbs_workload)w));
	fprintf(err, " workload%s, which --workload ", n > 1 ? "s" : "");
	for (size_t i = 0; i < cli->nworkload; i++)
		fprintf(err, "%s%s", i ? "," : "", lbs_workload_name(cli->workload[i]));
	fprintf(err, " does not run (add %s to the list)\n", n > 1 ? "one" : "it");
}

/* Every option given applies to the run: 0, or 2 with the first that does not. */
static int applicable(const struct lbs_cli *cli, FILE *err)
{
	unsigned run = run_of(cli), pol = 0, wl = 0;

	for (size_t i = 0; i < cli->npolicy; i++)
		pol |= POL(cli->policy[i]);
	for (size_t i = 0; i < cli->nworkload; i++)
		wl |= WL(cli->workload[i]);
	for (size_t k = 0; k < lbs_nopts; k++) {
		const struct lbs_opt *o = &lbs_opts[k];

		if (!(cli->given >> k & 1u))
			continue;
		if (!(o->modes & run) && (run & (M_FIDELITY | M_PBENCH))) {
			fprintf(err, "lbsim: --%s does not apply to %s\n", o->name,
				run == M_FIDELITY
					? "--fidelity (its runs are fixed: docs/fidelity.md)"
					: "--policy-bench (its runs are fixed: docs/adaptive.md)");
			return 2;
		}
		if ((o->modes & run) && o->workloads && run == M_WORKLOAD && !(wl & o->workloads) &&
		    !(o->policies && !(pol & o->policies))) {
			/* o->why speaks of a trace: say which workloads were chosen */
			workloads_missing(cli, o, err);
			return 2;
		}
		if (!(o->modes & run) || (o->policies && !(pol & o->policies))) {
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

/* Options that exclude each other. */
static int consistent(const struct lbs_opt_state *s)
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
	return 0;
}

/* Values that must agree with each other. */
static int agree(const struct lbs_opt_state *s)
{
	const struct lbs_cli *cli = s->cli;

	if (s->pre_arg && cli->sim.pre_accepted_bytes > cli->sim.memory_bytes) {
		char mem[32];

		lbs_size_short(mem, sizeof mem, cli->sim.memory_bytes);
		fprintf(s->err, "lbsim: --pre-accepted %s is more than the guest's memory (%s%s)\n",
			s->pre_arg, s->memory_arg ? s->memory_arg : mem,
			s->memory_arg ? "" : ", the default; see --memory");
		return 2;
	}
	if (cli->nworkload && cli->sim.cpus && cli->sim.cpus < (cli->sim.vcpus ? cli->sim.vcpus : 1u)) {
		fprintf(s->err, "lbsim: --cpus %u is fewer than the vCPUs (%u): each vCPU's stream "
				"runs on a CPU of its own\n", cli->sim.cpus,
			cli->sim.vcpus ? cli->sim.vcpus : 1u);
		return 2;
	}
	return 0;
}

int lbs_cli_parse(int argc, char *const argv[], struct lbs_cli *cli, FILE *err)
{
	struct lbs_opt_state s = {cli, err, NULL, NULL};

	memset(cli, 0, sizeof *cli);
	lbs_sim_defaults(&cli->sim);
	for (int i = 0; i < LB_POLICY_COUNT; i++)
		cli->policy[cli->npolicy++] = (enum lb_policy)i;
	cli->boot = 1;
	cli->no_args = argc <= 1;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *val = NULL, *eq;
		const struct lbs_opt *o;
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
		int rc = o->parse(&s, o, val);
		if (rc)
			return rc;
		cli->given |= UINT64_C(1) << (o - lbs_opts);
	}
	if (consistent(&s) || applicable(cli, err))
		return 2;
	return agree(&s);
}
