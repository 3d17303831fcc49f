/* SPDX-License-Identifier: MIT */
/*
 * lbsim: replay a kernel page-allocator trace (or run synthetic workloads)
 * through every acceptance policy of lazybuddy on a modelled confidential
 * guest and print a comparison (table, JSON, CSV, an HTML report).
 * `lbsim record -- COMMAND` records a trace.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/clash.h"
#include "cli/cli.h"
#include "output/csv.h"
#include "bench/calibrate.h"
#include "bench/fidelity.h"
#include "bench/policybench.h"
#include "output/output.h"
#include "cli/paths.h"
#include "cli/preflight.h"
#include "output/progress.h"
#include "record/record.h"
#include "run/replay.h"
#include "report/report.h"
#include "run/sim.h"
#include "run/tracebuf.h"
#include "../common/stdout.h"

/* Heading, table and legend as text, for the terminal and the report. */
struct texts {
	char *heading, *table, *legend;
};

static char *capture(void (*fn)(FILE *, const void *), const void *arg)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return NULL;
	fn(f, arg);
	fclose(f);
	return buf;
}

struct table_args {
	const struct lbs_result *r;
	size_t n;
	const struct lbs_cli *cli;
	const char *path;
};

static void heading_fn(FILE *f, const void *p)
{
	const struct table_args *a = p;
	if (a->r[0].is_trace)
		lbs_print_trace_heading(f, &a->r[0], a->path, &a->cli->sim, a->cli->boot);
	else
		lbs_print_heading(f, &a->cli->sim);
}

static void table_fn(FILE *f, const void *p)
{
	const struct table_args *a = p;
	if (a->r[0].is_trace)
		lbs_print_trace_table(f, a->r, a->n, a->cli->wide);
	else
		lbs_print_table(f, a->r, a->n, a->cli->wide);
}

static void legend_fn(FILE *f, const void *p)
{
	const struct table_args *a = p;
	if (a->r[0].is_trace)
		lbs_print_trace_legend(f);
	else
		lbs_print_legend(f);
}

/* With no options, where the report goes: beside the build (build/report,
 * as make run says) when lbsim runs from its source tree; else, installed,
 * lbsim-report in the current directory: its own directory (PREFIX/bin)
 * is no place to write, nor one make uninstall cleans. */
/* The legend of a workload's table ("w") or a trace's. */
static void legend_of(FILE *f, const void *which)
{
	if (strcmp(which, "w") == 0)
		lbs_print_legend(f);
	else
		lbs_print_trace_legend(f);
}

static int report_dir_default(char *buf, size_t len)
{
	char dir[4096], tree[4200];

	if (lbs_exe_dir(dir, sizeof dir) == 0 &&
	    (size_t)snprintf(tree, sizeof tree, "%s/../data/traces", dir) < sizeof tree &&
	    access(tree, F_OK) == 0)
		return (size_t)snprintf(buf, len, "%s/report", dir) < len ? 0 : -1;
	return (size_t)snprintf(buf, len, "lbsim-report") < len ? 0 : -1;
}

/* Everything after the runs: table or JSON, CSV, report. 0, or 1. */
static int outputs(const struct lbs_cli *cli, const struct lbs_result *r, size_t n,
		   const char *path)
{
	struct table_args a = {r, n, cli, path};
	struct texts t = {NULL, NULL, NULL};
	const char *dir = cli->report_dir;
	char defdir[4200], msg[4400];
	int status = 0;

	if (n == 0)
		return 0;
	t.heading = capture(heading_fn, &a);
	t.table = capture(table_fn, &a);
	t.legend = capture(legend_fn, &a);
	if (!t.heading || !t.table || !t.legend) {
		fprintf(stderr, "lbsim: out of memory\n");
		status = 1;
		goto out;
	}
	if (!dir && cli->no_args && report_dir_default(defdir, sizeof defdir) == 0)
		dir = defdir;
	if (cli->json) {
		lbs_print_json(stdout, r, n);
	} else {
		int ascii = !lbs_locale_utf8();

		lbs_put_text(stdout, t.heading, ascii);
		lbs_put_text(stdout, t.table, ascii);
		if (cli->legend)
			lbs_put_text(stdout, t.legend, ascii);
		/* a report on disk from another run is not this one's: say so */
		if (!cli->legend || !dir)
			printf("(%s%s%s)\n",
			       cli->legend ? "" : "--legend says what each column means",
			       cli->legend || dir ? "" : "; ",
			       dir ? "" : "no report written: --report DIR writes one");
	}
	if (cli->csv_path && lbs_write_csv(cli->csv_path, r, n) != 0) {
		fprintf(stderr, "lbsim: cannot write %s\n", cli->csv_path);
		status = 1;
	}
	if (dir) {
		if (lbs_write_report(dir, t.heading, t.table, t.legend, cli->command, r, n, msg,
				     sizeof msg)) {
			fprintf(stderr, "lbsim: report: %s\n", msg);
			status = 1;
		} else {
			char shown[4096];
			lbs_display_path(msg, shown, sizeof shown);
			fprintf(cli->json ? stderr : stdout, "\nreport: %s\n", shown);
		}
	}
out:
	free(t.heading);
	free(t.table);
	free(t.legend);
	return status;
}

static int ok(const struct lbs_result *r)
{
	return strcmp(r->check, "ok") == 0;
}

static int run_synthetic(struct lbs_cli *cli)
{
	struct lbs_result *res = calloc(cli->npolicy * cli->nworkload, sizeof *res);
	struct lbs_progress pg;
	char label[32];
	size_t n = 0;
	int status = 0;

	if (!res) {
		fprintf(stderr, "lbsim: out of memory\n");
		return 1;
	}
	cli->sim.keep_extra = cli->report_dir != NULL;
	/* Each run weighs the same in the bar. */
	lbs_progress_init(&pg, stderr, isatty(fileno(stderr)),
			  LBS_SIM_PROGRESS * cli->npolicy * cli->nworkload);
	for (size_t i = 0; i < cli->npolicy; i++) {
		for (size_t j = 0; j < cli->nworkload; j++) {
			snprintf(label, sizeof label, "%s %s", lb_policy_name(cli->policy[i]),
				 lbs_workload_name(cli->workload[j]));
			lbs_progress_stage(&pg, LBS_SIM_PROGRESS * n, label);
			int rc = lbs_sim_run_progress(&cli->sim, cli->policy[i], cli->workload[j],
						      &res[n], lbs_progress_update, &pg);
			if (rc) {
				lbs_progress_end(&pg);
				fprintf(stderr, "lbsim: %s/%s: zone set-up failed: %s\n",
					lb_policy_name(cli->policy[i]),
					lbs_workload_name(cli->workload[j]), lb_strerror(rc));
				status = 1;
				goto out;
			}
			if (!ok(&res[n]))
				status = 1;
			n++;
		}
	}
	lbs_progress_end(&pg);
	if (outputs(cli, res, n, NULL))
		status = 1;
out:
	for (size_t i = 0; i < n; i++)
		lbs_result_free(&res[i]);
	free(res);
	return status;
}

static int run_trace(const struct lbs_cli *cli)
{
	struct lbs_replay_config rc;
	struct lbs_tracebuf tb;
	struct lbs_progress pg;
	struct lbs_result *res;
	char path[4096], shown[4096], err[1024];
	size_t n = 0;
	int status = 0;

	if (cli->trace) {
		snprintf(path, sizeof path, "%s", cli->trace);
	} else if (lbs_default_trace(path, sizeof path) != 0) {
		fprintf(stderr, "lbsim: cannot find the shipped trace data/traces/default.txt.zst "
				"beside this executable (or share/lazybuddy/default.txt.zst of an "
				"installed one); give one with --trace FILE (or set "
				"LBSIM_TRACE)\n");
		return 1;
	}
	lbs_display_path(path, shown, sizeof shown);
	if (lbs_tracebuf_load(&tb, path, err, sizeof err) != 0) {
		fprintf(stderr, "lbsim: %s\n", err);
		return 1;
	}
	if (lbs_tracebuf_check(&tb, shown, cli->allow_unknown, err, sizeof err) != 0) {
		fprintf(stderr, "lbsim: %s\n", err);
		lbs_tracebuf_free(&tb);
		return 1;
	}
	if (tb.sum.lost_events || tb.sum.lost_markers)
		fprintf(stderr, "lbsim: warning: %s says %llu events were lost while it was "
				"recorded (%llu [LOST N EVENTS] markers): the replay is of an "
				"incomplete trace; record it again with a larger buffer\n", shown,
			(unsigned long long)tb.sum.lost_events,
			(unsigned long long)tb.sum.lost_markers);
	if (tb.nvcpus > LBS_MAX_VCPUS) {
		fprintf(stderr, "lbsim: %s: the trace shows %u CPUs; lbsim simulates at most %u "
			"vCPUs\n", path, tb.nvcpus, LBS_MAX_VCPUS);
		lbs_tracebuf_free(&tb);
		return 1;
	}
	if (cli->load_given && tb.have_idle) {
		fprintf(stderr, "lbsim: --load applies to traces without idle periods; %s recorded "
			"when its CPUs were idle (sched_switch), and the replay uses that\n", shown);
		lbs_tracebuf_free(&tb);
		return 2;
	}
	if (cli->sim.cpus && cli->sim.cpus < tb.nvcpus) {
		fprintf(stderr, "lbsim: --cpus %u is fewer than the trace's CPUs (%u): each traced "
			"CPU's events run on a CPU of their own\n", cli->sim.cpus, tb.nvcpus);
		lbs_tracebuf_free(&tb);
		return 2;
	}
	lbs_tracebuf_warn(&tb, shown, stderr);
	res = calloc(cli->npolicy, sizeof *res);
	if (!res) {
		fprintf(stderr, "lbsim: out of memory\n");
		lbs_tracebuf_free(&tb);
		return 1;
	}
	lbs_replay_defaults(&rc);
	rc.sim = cli->sim;
	rc.boot = cli->boot;
	rc.keep_extra = cli->report_dir != NULL || cli->no_args;
	lbs_progress_init(&pg, stderr, isatty(fileno(stderr)), (uint64_t)tb.n * cli->npolicy);
	for (size_t i = 0; i < cli->npolicy; i++) {
		lbs_progress_stage(&pg, (uint64_t)tb.n * i, lb_policy_name(cli->policy[i]));
		int e = lbs_replay_run(&rc, &tb, cli->policy[i], &res[n], lbs_progress_update, &pg);
		if (e) {
			lbs_progress_end(&pg);
			fprintf(stderr, "lbsim: %s: zone set-up failed: %s\n",
				lb_policy_name(cli->policy[i]), lb_strerror(e));
			status = 1;
			goto out;
		}
		if (!ok(&res[n]))
			status = 1;
		n++;
	}
	lbs_progress_end(&pg);
	if (outputs(cli, res, n, shown))
		status = 1;
out:
	for (size_t i = 0; i < n; i++)
		lbs_result_free(&res[i]);
	free(res);
	lbs_tracebuf_free(&tb);
	return status;
}

static int run_fidelity(int json, int calibrate)
{
	size_t n;
	struct lbs_fid_row *rows;

	if (calibrate)
		return lbs_calibrate_print(stdout);
	rows = lbs_fidelity_rows(&n);
	if (!rows) {
		fprintf(stderr, "lbsim: out of memory\n");
		return 1;
	}
	lbs_calibrate_cross_validate(rows, n);
	if (json)
		lbs_fidelity_print_json(stdout, rows, n);
	else
		lbs_fidelity_print(stdout, rows, n);
	free(rows);
	return 0;
}

/* No output overwrites an input or another output: 0, or 2 after saying
 * which. */
static int check_clashes(const struct lbs_cli *cli)
{
	struct lbs_named_file f[4];
	char trace[4096], csv[4200], index[4200], report[4400], tr[4200], cost[4200], msg[9000];
	size_t n = 0;

	if (cli->csv_path) {
		snprintf(csv, sizeof csv, "--csv %s", cli->csv_path);
		f[n++] = (struct lbs_named_file){csv, cli->csv_path, 1};
	}
	if (cli->report_dir) {
		int k = (int)strlen(cli->report_dir);

		while (k > 1 && cli->report_dir[k - 1] == '/')
			k--; /* "d/" writes d/index.html */
		snprintf(index, sizeof index, "%.*s/index.html", k, cli->report_dir);
		snprintf(report, sizeof report, "--report %s (its %s)", cli->report_dir, index);
		f[n++] = (struct lbs_named_file){report, index, 1};
	}
	if (n == 0)
		return 0; /* nothing written but the default report, with no option */
	if (!cli->nworkload && cli->trace && strcmp(cli->trace, "-") != 0) {
		snprintf(tr, sizeof tr, "--trace %s", cli->trace);
		f[n++] = (struct lbs_named_file){tr, cli->trace, 0};
	} else if (!cli->nworkload && !cli->trace && lbs_default_trace(trace, sizeof trace) == 0) {
		snprintf(tr, sizeof tr, "the shipped trace %s", trace);
		f[n++] = (struct lbs_named_file){tr, trace, 0};
	}
	if (cli->cost_file) {
		snprintf(cost, sizeof cost, "--cost %s", cli->cost_file);
		f[n++] = (struct lbs_named_file){cost, cli->cost_file, 0};
	}
	if (lbs_check_clashes(f, n, msg, sizeof msg) == 0)
		return 0;
	fprintf(stderr, "lbsim: %s\n", msg);
	return 2;
}

/* --csv and the report can be written: checked before a run, not after
 * it. 0, or 1 after saying why. */
static int check_outputs(const struct lbs_cli *cli, struct lbs_made_dirs *made)
{
	char msg[4400];

	made->path[0] = '\0';
	made->top = 0;
	if (cli->csv_path && lbs_check_writable(cli->csv_path, msg, sizeof msg) != 0) {
		fprintf(stderr, "lbsim: --csv: %s\n", msg);
		return 1;
	}
	if (cli->report_dir && lbs_check_report_dir(cli->report_dir, made, msg, sizeof msg) != 0) {
		fprintf(stderr, "lbsim: --report: %s\n", msg);
		return 1;
	}
	/* with no options, the report goes where report_dir_default() says:
	 * found unwritable now, not after the run */
	if (!cli->report_dir && cli->no_args) {
		char dir[4200];

		if (report_dir_default(dir, sizeof dir) == 0 &&
		    lbs_check_report_dir(dir, made, msg, sizeof msg) != 0) {
			fprintf(stderr, "lbsim: the report: %s (--report DIR writes it elsewhere)\n",
				msg);
			return 1;
		}
	}
	return 0;
}

static int lbsim_main(int argc, char **argv)
{
	struct lbs_cli cli;
	struct lbs_made_dirs made;
	int status;

	if (argc > 1 && strcmp(argv[1], "record") == 0)
		return lbs_record_main(argc - 1, argv + 1);
	status = lbs_cli_parse(argc, argv, &cli, stderr);
	if (status)
		return status; /* 2 for usage, 1 for a --cost file */
	if (cli.help) {
		int ascii = !lbs_locale_utf8();
		char *w = capture(legend_of, "w"), *t = capture(legend_of, "t");

		lbs_cli_usage(stdout, "lbsim");
		fputs("\nThe columns of a workload's table (--workload; --legend prints this under "
		      "it):\n", stdout);
		lbs_put_text(stdout, w ? w : "", ascii);
		fputs("\nThose of a trace's table:\n", stdout);
		lbs_put_text(stdout, t ? t : "", ascii);
		free(w);
		free(t);
		return 0;
	}
	if (cli.version) {
		printf("lbsim %s\n", lb_version());
		return 0;
	}
	if (cli.fidelity)
		return run_fidelity(cli.json, cli.calibrate);
	if (cli.policy_bench)
		return lbs_policy_bench(stdout, cli.json) ? 0 : 1;
	if (check_clashes(&cli))
		return 2;
	if (check_outputs(&cli, &made))
		return 1;
	status = cli.nworkload ? run_synthetic(&cli) : run_trace(&cli);
	if (status)
		lbs_made_dirs_undo(&made); /* those still empty: the run wrote nothing there */
	return status;
}

int main(int argc, char **argv)
{
	/* results that never reached standard output are a failure */
	return lbtools_stdout_status("lbsim", lbsim_main(argc, argv));
}
