/* SPDX-License-Identifier: MIT */
/* lbsim's results as CSV (RFC 4180): a header line, one line per result. */
#ifndef LBS_CSV_H
#define LBS_CSV_H

#include <stddef.h>
#include <stdio.h>

#include "../run/sim.h"

void lbs_print_csv(FILE *f, const struct lbs_result *r, size_t n);

/* Write to path; 0, or -1 with errno set. */
int lbs_write_csv(const char *path, const struct lbs_result *r, size_t n);

#endif
