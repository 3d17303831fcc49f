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

/* The time a cache line written on one CPU takes to reach another, in ns:
 * two threads pinned to the first two CPUs the process may use pass one
 * line back and forth (-1 with one CPU, or where pinning fails). Tens of
 * nanoseconds where the two share a cache, hundreds where they sit on
 * separate chiplets or sockets; the scaling of anything shared (a zone's
 * lock and lists) follows it, and a virtual machine's CPUs can move from
 * one case to the other between runs. */
double lbb_line_transfer_ns(void);

#endif
