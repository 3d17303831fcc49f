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

/* Is it time to draw? Not in the first second, then ten times a second. */
static int due(struct lbs_progress *p)
{
	uint64_t t;

	if (!p->tty)
		return 0;
	t = now_ns();
	if (t - p->start_ns < DELAY_NS || (p->shown && t - p->last_ns < EVERY_NS))
		return 0;
	p->last_ns = t;
	return 1;
}

/* Replace the line on screen by line (padded over a longer one). */
static void draw(struct lbs_progress *p, const char *line)
{
	size_t n = strlen(line);

	if (n > LBS_PROGRESS_LINE)
		n = LBS_PROGRESS_LINE;
	fprintf(p->f, "\r%.*s", (int)n, line);
	if (p->drawn > n)
		fprintf(p->f, "%*s", (int)(p->drawn - n), "");
	fflush(p->f);
	p->drawn = n;
	p->shown = 1;
}

void lbs_progress_update(void *ctx, uint64_t done)
{
	struct lbs_progress *p = ctx;
	uint64_t all = p->base + done;
	char line[LBS_PROGRESS_LINE + 1];
	unsigned fill;

	if (!due(p))
		return;
	if (all > p->total)
		all = p->total;
	fill = (unsigned)((double)all / (double)p->total * WIDTH);
	line[0] = '[';
	for (unsigned i = 0; i < WIDTH; i++)
		line[1 + i] = i < fill ? '#' : '.';
	snprintf(line + 1 + WIDTH, sizeof line - 1 - WIDTH, "] %3u%% %s",
		 (unsigned)((double)all / (double)p->total * 100.0), p->label);
	draw(p, line);
}

void lbs_progress_text(struct lbs_progress *p, const char *text)
{
	if (due(p))
		draw(p, text);
}

void lbs_progress_end(struct lbs_progress *p)
{
	if (!p->shown)
		return;
	/* Erase the line so that the results start clean. */
	fprintf(p->f, "\r%*s\r", (int)p->drawn, "");
	fflush(p->f);
	p->shown = 0;
	p->drawn = 0;
}
