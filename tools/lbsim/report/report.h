/* SPDX-License-Identifier: MIT */
/*
 * The report: DIR/index.html, one self-contained page (inline SVG, inline
 * CSS, no script, no external file) comparing the policies of a run. It
 * opens with a summary (who wins each criterion, by how much, ties named
 * as ties), then for each workload (a trace is one): host-committed memory
 * over time (with a zoomed panel when the lines end close together), the
 * acceptor's reserve over time (policies with one), the allocation latency
 * CDF, accept calls over time, every cost of acceptance
 * (at boot, by vCPUs, waits, background threads) and the waits over time;
 * then the results as an HTML table.
 */
#ifndef LBS_REPORT_H
#define LBS_REPORT_H

#include <stddef.h>

#include "../run/sim.h"

/*
 * Write dir/index.html (dir is created if missing, parents included).
 * heading, table and legend are the run's as printed on the terminal (the
 * table's "note: " lines become notes; the table itself is kept folded);
 * command is the command line that made it (NULL: "lbsim"), stated at the
 * top with lbsim's version and the cost model;
 * results with extra == NULL get no curves (their legends say so). 0 with
 * the page's path in path (len bytes), or -1 with a message in path.
 */
int lbs_write_report(const char *dir, const char *heading, const char *table,
		     const char *legend, const char *command, const struct lbs_result *r,
		     size_t n, char *path, size_t len);

#endif
