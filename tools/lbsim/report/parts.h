/* SPDX-License-Identifier: MIT */
/*
 * The report's parts besides the charts (report.c): the runs grouped by
 * workload, the summary of who wins each criterion (summary.c), the
 * results as an HTML table from the field list (html_table.c). Internal
 * to the report.
 */
#ifndef LBS_REPORT_PARTS_H
#define LBS_REPORT_PARTS_H

#include <stddef.h>
#include <stdio.h>

#include "../run/sim.h"

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

/* Is f one of the summary's criteria (the table marks their best)? */
int lbs_report_criterion(const struct lbs_field *f);

/* <ul class="summary">: one sentence per criterion, lower is better. */
void lbs_report_summary(FILE *f, const struct lbs_result *r, const struct lbs_rgroup *g);

/* <table class="results">: lbs_report_columns(), one row per run, the best
 * of each group's criterion columns in bold. */
void lbs_report_table(FILE *f, const struct lbs_result *r, const struct lbs_rgroup *g,
		      size_t ng);

void lbs_html_text(FILE *f, const char *s);

#endif
