/* SPDX-License-Identifier: MIT */
/* The machine a run was on, printed with its figures. */
#ifndef LBB_MACHINE_H
#define LBB_MACHINE_H

#include <stddef.h>

/* Online CPUs (at least 1). */
unsigned lbb_ncpu(void);

/* The CPU model from /proc/cpuinfo ("unknown CPU" when there is none). */
void lbb_cpu_model(char *buf, size_t len);

/* The 1-minute load average (-1 when unknown): was the machine busy? */
double lbb_loadavg(void);

#endif
