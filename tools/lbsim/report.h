/* SPDX-License-Identifier: MIT */
/*
 * The report: DIR/index.html, one self-contained page (inline SVG, inline
 * CSS, no script, no external file) comparing the policies of a run:
 * host-committed memory over time, the allocation latency CDF, accept calls
 * over time, vCPU time lost waiting, and the table.
 */
#ifndef LBS_REPORT_H
#define LBS_REPORT_H

#include <stddef.h>

#include "sim.h"

/*
 * Write dir/index.html (dir is created if missing, parents included).
 * heading and table are the run's heading and table as printed on the
 * terminal; results with extra == NULL get no curves. 0 with the page's
 * path in path (len bytes), or -1 with a message in path.
 */
int lbs_write_report(const char *dir, const char *heading, const char *table,
		     const char *legend, const struct lbs_result *r, size_t n, char *path,
		     size_t len);

#endif
