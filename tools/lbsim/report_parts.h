/* SPDX-License-Identifier: MIT */
/*
 * The report's parts besides the charts (report.c): the runs grouped by
 * workload, the summary of who wins each criterion (report_summary.c), the
 * results as an HTML table (report_table.c). Internal to the report.
 */
#ifndef LBS_REPORT_PARTS_H
#define LBS_REPORT_PARTS_H

#include <stddef.h>
#include <stdio.h>

#include "sim.h"

/* The runs of one workload (a trace replay is one group), in run order. */
struct lbs_rgroup {
	const char *workload;
	size_t *idx;
	size_t n;
};

/* Group r by workload into g (at most max groups, each idx allocated);
 * returns the count, or 0 when out of memory. */
size_t lbs_rgroups(const struct lbs_result *r, size_t n, struct lbs_rgroup *g, size_t max);
void lbs_rgroups_free(struct lbs_rgroup *g, size_t n);

/*
 * vCPU time acceptance took before the measured run: eager's set-up
 * acceptance, which every vCPU shares (drive.h: as firmware accepts on
 * every CPU), counted once per vCPU; the boot allocations' acceptance, as
 * the time it delayed the boot (at least that much vCPU time). Set-up's
 * other costs (boot_other_ns) are not acceptance.
 */
double lbs_boot_accept_ns(const struct lbs_result *r);

/* Every cost of acceptance: boot's, vCPUs' own after boot, their waits,
 * the acceptor's and releaser's threads. */
double lbs_accept_work_ns(const struct lbs_result *r);

/* <ul class="summary">: one sentence per criterion, lower is better. */
void lbs_report_summary(FILE *f, const struct lbs_result *r, const struct lbs_rgroup *g);

/* <table class="results">, one row per run, the best of each group's
 * criterion columns in bold. */
void lbs_report_table(FILE *f, const struct lbs_result *r, const struct lbs_rgroup *g,
		      size_t ng);

void lbs_html_text(FILE *f, const char *s);

#endif
