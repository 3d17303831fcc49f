/* SPDX-License-Identifier: MIT */
#include "machine.h"

#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

unsigned lbb_ncpu(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n > 0 ? (unsigned)n : 1;
}

void lbb_cpu_model(char *buf, size_t len)
{
	FILE *f = fopen("/proc/cpuinfo", "r");
	char line[256];

	snprintf(buf, len, "unknown CPU");
	if (!f)
		return;
	while (fgets(line, sizeof line, f)) {
		char *colon = strchr(line, ':');

		if (strncmp(line, "model name", 10) || !colon)
			continue;
		colon++;
		while (*colon == ' ' || *colon == '\t')
			colon++;
		colon[strcspn(colon, "\n")] = '\0';
		snprintf(buf, len, "%s", colon);
		break;
	}
	fclose(f);
}

double lbb_loadavg(void)
{
	FILE *f = fopen("/proc/loadavg", "r");
	double l = -1;

	if (f) {
		if (fscanf(f, "%lf", &l) != 1)
			l = -1;
		fclose(f);
	}
	return l;
}

#define PINGPONG_TRIPS 100000

struct pingpong {
	long turn __attribute__((aligned(64))); /* the one line passed back and forth */
	int cpu;
};

static int pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return pthread_setaffinity_np(pthread_self(), sizeof set, &set);
}

/* The partner: answers each odd turn with the next even one. */
static void *pong(void *arg)
{
	struct pingpong *pp = arg;

	if (pin(pp->cpu)) {
		__atomic_store_n(&pp->turn, -1, __ATOMIC_RELEASE);
		return NULL;
	}
	for (long i = 0; i < PINGPONG_TRIPS; i++) {
		while (__atomic_load_n(&pp->turn, __ATOMIC_ACQUIRE) != 2 * i + 1)
			;
		__atomic_store_n(&pp->turn, 2 * i + 2, __ATOMIC_RELEASE);
	}
	return NULL;
}

double lbb_line_transfer_ns(void)
{
	static struct pingpong pp; /* one run at a time: lbbench's main thread */
	cpu_set_t had;
	int cpus[2], n = 0;
	pthread_t t;
	struct timespec a, b;
	double ns = -1;

	if (sched_getaffinity(0, sizeof had, &had))
		return -1;
	for (int c = 0; c < CPU_SETSIZE && n < 2; c++)
		if (CPU_ISSET(c, &had))
			cpus[n++] = c;
	if (n < 2 || pin(cpus[0]))
		goto out;
	pp.turn = 0;
	pp.cpu = cpus[1];
	if (pthread_create(&t, NULL, pong, &pp))
		goto out;
	clock_gettime(CLOCK_MONOTONIC, &a);
	for (long i = 0; i < PINGPONG_TRIPS; i++) {
		long v;

		while ((v = __atomic_load_n(&pp.turn, __ATOMIC_ACQUIRE)) != 2 * i && v >= 0)
			;
		/* a swap, not a store: the -1 of a partner that could not pin
		 * itself, stored meanwhile, is never overwritten, so this loop
		 * cannot wait for ever */
		if (v < 0 || !__atomic_compare_exchange_n(&pp.turn, &v, 2 * i + 1, false,
							  __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
			break;
	}
	clock_gettime(CLOCK_MONOTONIC, &b);
	pthread_join(t, NULL);
	if (pp.turn >= 0)
		ns = ((double)(b.tv_sec - a.tv_sec) * 1e9 + (double)(b.tv_nsec - a.tv_nsec)) /
		     (2.0 * PINGPONG_TRIPS);
out:
	sched_setaffinity(0, sizeof had, &had);
	return ns;
}
