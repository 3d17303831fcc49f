/* SPDX-License-Identifier: MIT */
/*
 * lbsim's command line: the options read by the table (opts.h), then
 * the rules that take them together: the run they choose, options that
 * exclude each other or do not apply to it, values that must agree.
 */
#include "cli.h"

#include <string.h>

#include "opts.h"
#include "../../common/args.h"

static const struct lbs_opt *find_opt(const char *name, size_t len)
{
	for (size_t k = 0; k < lbs_nopts; k++)
		if (strlen(lbs_opts[k].name) == len && strncmp(lbs_opts[k].name, name, len) == 0)
			return &lbs_opts[k];
	return NULL;
}

/* argv as one line a shell would read back: each argument quoted when it
 * holds anything but letters, digits and -_./=:,+@%; cut with "..." when
 * it does not fit. */
static void command_text(char *buf, size_t len, int argc, char *const argv[])
{
	size_t at = 0;

	buf[0] = '\0';
	for (int i = 0; i < argc && argv[i]; i++) {
		const char *a = i ? argv[i] : "lbsim";
		int plain = *a != '\0' && a[strspn(a, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTU"
						       "VWXYZ0123456789-_./=:,+@%")] == '\0';
		char word[600];
		int n;

		if (plain)
			n = snprintf(word, sizeof word, "%s%s", i ? " " : "", a);
		else {
			size_t w = 0;

			word[w++] = ' ';
			word[w++] = '\'';
			for (const char *c = a; *c && w + 5 < sizeof word; c++) {
				if (*c == '\'') {
					memcpy(word + w, "'\\''", 4);
					w += 4;
				} else {
					word[w++] = *c;
				}
			}
			word[w++] = '\'';
			word[w] = '\0';
			n = (int)w;
		}
		if (n < 0 || at + (size_t)n + 4 >= len) {
			snprintf(buf + at, len - at, " ...");
			return;
		}
		memcpy(buf + at, word, (size_t)n + 1);
		at += (size_t)n;
	}
}

/* lbtools_next_option()'s look-up: the table's index, or -1. */
static int opt_index(const char *name, size_t len, int *takes_value)
{
	const struct lbs_opt *o = find_opt(name, len);

	*takes_value = o && o->arg;
	return o ? (int)(o - lbs_opts) : -1;
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
		fprintf(s->err, "lbsim: --%s and --policy-bench exclude each other (each is "
				"a run of its own)\n", cli->calibrate ? "calibrate" : "fidelity");
		return 2;
	}
	if (cli->json && (cli->wide || cli->legend)) {
		fprintf(s->err, "lbsim: --%s shapes the table, and --json prints none\n",
			cli->wide ? "wide" : "legend");
		return 2;
	}
	if (cli->calibrate && cli->json) {
		fprintf(s->err, "lbsim: --calibrate prints a table, not JSON (--fidelity --json "
				"has each row's cv_lbsim)\n");
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
	if (cli->sim.reserve_bytes > cli->sim.memory_bytes ||
	    cli->sim.batch_bytes > cli->sim.memory_bytes) {
		char mem[32], v[32];
		int r = cli->sim.reserve_bytes > cli->sim.memory_bytes;

		lbs_size_short(mem, sizeof mem, cli->sim.memory_bytes);
		lbs_size_short(v, sizeof v, r ? cli->sim.reserve_bytes : cli->sim.batch_bytes);
		fprintf(s->err, "lbsim: --%s %s is more than the guest's memory (%s)\n",
			r ? "reserve" : "batch", v, mem);
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
	struct lbtools_args args = {argc, 1, argv, "lbsim", err};
	const char *val;
	int k, got;

	memset(cli, 0, sizeof *cli);
	lbs_sim_defaults(&cli->sim);
	for (int i = 0; i < LB_POLICY_COUNT; i++)
		cli->policy[cli->npolicy++] = (enum lb_policy)i;
	cli->boot = 1;
	cli->no_args = argc <= 1;
	command_text(cli->command, sizeof cli->command, argc, argv);
	while ((got = lbtools_next_option(&args, opt_index, &k, &val)) > 0) {
		const struct lbs_opt *o = &lbs_opts[k];
		int rc = o->parse(&s, o, val);

		if (rc)
			return rc;
		cli->given |= UINT64_C(1) << k;
	}
	if (got < 0)
		return 2;
	if (consistent(&s) || applicable(cli, err))
		return 2;
	return agree(&s);
}
