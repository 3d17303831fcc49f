/* SPDX-License-Identifier: MIT */
#include "progress.h"

#include <string.h>
#include <time.h>

#define WIDTH 40
#define DELAY_NS UINT64_C(1000000000) /* shorter runs show nothing */
#define EVERY_NS UINT64_C(100000000)  /* redraw at most ten times a second */

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * UINT64_C(1000000000) + (uint64_t)ts.tv_nsec;
}

void lbs_progress_init(struct lbs_progress *p, FILE *f, int tty, uint64_t total)
{
	memset(p, 0, sizeof *p);
	p->f = f;
	p->tty = tty;
	p->total = total ? total : 1u;
	p->start_ns = now_ns();
}

void lbs_progress_stage(struct lbs_progress *p, uint64_t done, const char *label)
{
	p->base = done;
	snprintf(p->label, sizeof p->label, "%s", label);
}

void lbs_progress_update(void *ctx, uint64_t done)
{
	struct lbs_progress *p = ctx;
	uint64_t t, all = p->base + done;
	unsigned fill;

	if (!p->tty)
		return;
	t = now_ns();
	if (t - p->start_ns < DELAY_NS || (p->shown && t - p->last_ns < EVERY_NS))
		return;
	p->last_ns = t;
	p->shown = 1;
	if (all > p->total)
		all = p->total;
	fill = (unsigned)(all * WIDTH / p->total);
	fputs("\r[", p->f);
	for (unsigned i = 0; i < WIDTH; i++)
		fputc(i < fill ? '#' : '.', p->f);
	fprintf(p->f, "] %3u%% %-12s", (unsigned)(all * 100u / p->total), p->label);
	fflush(p->f);
}

void lbs_progress_end(struct lbs_progress *p)
{
	if (!p->shown)
		return;
	/* Erase the line so that the results start clean. */
	fprintf(p->f, "\r%*s\r", WIDTH + 20, "");
	fflush(p->f);
	p->shown = 0;
}
