/* SPDX-License-Identifier: MIT */
/*
 * lbbench: wall-clock speed of lazybuddy against glibc, jemalloc, mimalloc
 * and mmap, on memory accepted up front and on lazily accepted memory.
 * Prints a table and the targets of the speed issue, or JSON (--json).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lazybuddy.h"

#include "alloc.h"
#include "cli.h"
#include "clock.h"
#include "machine.h"
#include "../common/stdout.h"
#include "measure.h"
#include "output.h"
#include "paths.h"
#include "targets.h"

/*
 * Debian's libjemalloc.so.2 uses initial-exec TLS (2.6 KiB), more than the
 * surplus glibc keeps for libraries loaded later, so dlopen() refuses it.
 * The surplus is a tunable read only at start-up: run again with it raised.
 */
#define TLS_TUNABLE "glibc.rtld.optional_static_tls=16384"

static void reexec_with_static_tls(char **argv)
{
	const char *old = getenv("GLIBC_TUNABLES");
	char buf[1024], self[4096];
	ssize_t len;

	if (getenv("LBBENCH_REEXEC") || (old && strstr(old, "optional_static_tls")))
		return;
	/* The real path, not /proc/self/exe: the process keeps its name. */
	len = readlink("/proc/self/exe", self, sizeof self - 1);
	if (len <= 0)
		return; /* no /proc: go on; jemalloc's rows say why they are missing */
	self[len] = '\0';
	snprintf(buf, sizeof buf, "%s%s%s", old ? old : "", old ? ":" : "", TLS_TUNABLE);
	if (setenv("GLIBC_TUNABLES", buf, 1) || setenv("LBBENCH_REEXEC", "1", 1))
		return;
	execv(self, argv);
}

/* text's words in lines of at most width columns. */
static void print_wrapped(FILE *f, const char *text, int width)
{
	int col = 0;

	for (const char *w = text; *w;) {
		int wl = (int)strcspn(w, " ");

		if (col && col + 1 + wl > width) {
			fputc('\n', f);
			col = 0;
		}
		col += fprintf(f, "%s%.*s", col ? " " : "", wl, w);
		w += wl;
		w += strspn(w, " ");
	}
	fputc('\n', f);
}

/* Measure bench with the given threads on every allocator that is up,
 * interleaving their runs; results go to res[*n...]. */
static int measure_all(struct lbb_allocator **up, size_t nup, enum lbb_bench b, unsigned threads,
		       const struct lbb_params *p, uint64_t overhead, struct lbb_result *res,
		       size_t *n)
{
	struct lbb_meas *m = calloc(nup, sizeof *m);
	size_t *order = calloc(nup, sizeof *order);
	uint64_t rng = p->seed * 7919 + b * 131 + threads + 1;
	int status = 0;

	if (!m || !order) {
		free(m);
		free(order);
		return -1;
	}
	for (size_t i = 0; i < nup; i++) {
		order[i] = i;
		if (!lbb_meas_begin(&m[i], up[i], b, threads, p))
			lbb_meas_run(&m[i], p, overhead, true);
	}
	/* Every round in a new order, so that no allocator always runs first,
	 * or always right after the same one (whatever that one leaves to the
	 * kernel, e.g. mmap's millions of unmapped pages). */
	for (unsigned r = 0; r < p->repeats; r++) {
		for (size_t i = nup; i > 1; i--) {
			size_t j = lbb_rand_below(&rng, (uint32_t)i), t = order[i - 1];

			order[i - 1] = order[j];
			order[j] = t;
		}
		for (size_t i = 0; i < nup; i++)
			lbb_meas_run(&m[order[i]], p, overhead, false);
	}
	for (size_t i = 0; i < nup; i++) {
		lbb_meas_end(&m[i], &res[*n]);
		status |= res[(*n)++].error[0] != '\0';
	}
	free(m);
	free(order);
	return status;
}

/* lbbench --paths: 0, or 1 when a path failed (its row says why). */
static int run_paths(const struct lbb_cli *cli)
{
	struct lbb_path_result r[LBB_NPATHS];
	uint64_t ops = cli->ops_given ? cli->p.ops : cli->p.paths_ops;
	int rc = lbb_paths_measure(cli->p.repeats, ops, cli->p.seed, r);

	lbb_paths_print(stdout, r, cli->json, cli->p.repeats, ops);
	return rc ? 1 : 0;
}

static int lbbench_main(int argc, char **argv)
{
	struct lbb_cli cli;
	struct lbb_allocator al[LBB_MAX_ALLOCATORS], *up[LBB_MAX_ALLOCATORS];
	struct lbb_result *res;
	size_t na, nup = 0, n = 0;
	uint64_t overhead;
	double load, line_ns[2];
	char line[80];
	char model[128], divided[64] = "", head[1024];
	bool progress = isatty(STDERR_FILENO);
	int status = 0;

	reexec_with_static_tls(argv);
	if (lbb_cli_parse(argc, argv, &cli, stderr))
		return 2;
	if (cli.help) {
		lbb_cli_usage(stdout);
		return 0;
	}
	if (cli.version) {
		printf("lbbench %s\n", lb_version());
		return 0;
	}
	if (cli.paths)
		return run_paths(&cli);
	na = lbb_allocator_list(al, LBB_MAX_ALLOCATORS);
	for (size_t i = 0; i < na; i++) {
		if (!lbb_cli_wants(&cli, &al[i]))
			continue;
		if (al[i].ops->init(&al[i], &cli.p))
			fprintf(stderr, "lbbench: skipping %s (%s): %s\n", al[i].name,
				lbb_memory_name(al[i].memory), al[i].why);
		else
			up[nup++] = &al[i];
	}
	if (nup == 0) { /* an empty table would read as a run */
		fprintf(stderr, "lbbench: none of the allocators chosen could start\n");
		return 1;
	}
	res = calloc(nup * LBB_NBENCH * LBB_MAX_THREAD_COUNTS + 1, sizeof *res);
	if (!res) {
		fprintf(stderr, "lbbench: out of memory\n");
		return 1;
	}
	overhead = lbb_clock_overhead_ns();
	load = lbb_loadavg();
	line_ns[0] = lbb_line_transfer_ns();
	for (int b = 0; b < LBB_NBENCH; b++) {
		const unsigned *threads;
		size_t nt = lbb_cli_threads(&cli, (enum lbb_bench)b, &threads);

		for (size_t k = 0; cli.bench[b] && k < nt; k++) {
			if (progress)
				fprintf(stderr, "\rlbbench: %s, %u threads...  ",
					lbb_bench_name((enum lbb_bench)b), threads[k]);
			if (measure_all(up, nup, (enum lbb_bench)b, threads[k], &cli.p, overhead,
					res, &n))
				status = 1;
		}
	}
	if (progress)
		fprintf(stderr, "\r%40s\r", "");
	for (size_t i = 0; i < nup; i++) /* an allocator that runs a share of --ops */
		if (up[i]->ops_divisor > 1 && !divided[0])
			snprintf(divided, sizeof divided, ", %s 1/%u of it", up[i]->name,
				 up[i]->ops_divisor);
	for (size_t i = 0; i < nup; i++)
		up[i]->ops->fini(up[i]);
	line_ns[1] = lbb_line_transfer_ns();
	lbb_scaling(res, n);
	if (cli.json) {
		lbb_print_json(stdout, res, n);
	} else {
		lbb_cpu_model(model, sizeof model);
		if (line_ns[0] < 0 || line_ns[1] < 0)
			snprintf(line, sizeof line, "not measured (one CPU, or two not to be had)");
		else
			snprintf(line, sizeof line, "%.0f ns before the runs, %.0f ns after",
				 line_ns[0], line_ns[1]);
		snprintf(head, sizeof head,
			 "lbbench: %u CPUs (%s), load average %.2f before the run; a cache "
			 "line passes from one CPU to another in %s (the cost of what threads "
			 "share: tens of ns within a chiplet, hundreds across); median of %u "
			 "runs; one operation in %u timed, clock cost %llu ns subtracted; latencies "
			 "in ns; cpus: CPUs the threads had; x1thr: throughput over the same "
			 "allocator's on one thread; /cpu: that over the CPUs had (1: every CPU "
			 "did what one thread does alone); ops: operations a timed run did, all "
			 "threads together (churn, mixed: --ops %llu%s, but each thread at least "
			 "fills its live set; fill_drain: one fill of %zu pages and its drain)",
			 lbb_ncpu(), model, load, line, cli.p.repeats, cli.p.sample_every,
			 (unsigned long long)overhead, (unsigned long long)cli.p.ops, divided,
			 cli.p.fill_pages);
		print_wrapped(stdout, head, 79);
		putchar('\n');
		lbb_print_table(stdout, res, n);
		putchar('\n');
		lbb_print_targets(stdout, res, n, lbb_ncpu(), cli.p.no_cache);
	}
	free(res);
	return status;
}

int main(int argc, char **argv)
{
	/* results that never reached standard output are a failure */
	return lbtools_stdout_status("lbbench", lbbench_main(argc, argv));
}
