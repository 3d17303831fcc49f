/* SPDX-License-Identifier: MIT */
/* Line charts: panels, lines that stay visible when they coincide, legend. */
#include "svg.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "svg_axis.h"

#define WIDTH 900
#define LEFT 84
#define RIGHT 24
#define TOP 34
#define PLOT_H 280
#define AXIS_H 46      /* tick labels and the x label under a panel */
#define ZOOM_TITLE_H 30
#define ZOOM_H 190
#define LEGEND_ROW 19
#define LEGEND_COL 272
#define MARK_EVERY 84.0 /* pixels between a line's markers */
#define CLOSE_PX 2.0    /* lines nearer than this everywhere coincide */
#define NSTYLE 8

/* One colour, dash pattern and marker per run, readable in grey too. */
static const char *const colors[NSTYLE] = {"#1b9e77", "#d95f02", "#7570b3", "#e7298a",
					   "#66a61e", "#1f78b4", "#666666", "#a6761d"};
static const char *const dashes[NSTYLE] = {NULL, "7 3", "2 2", "10 3 2 3", "4 4", "12 4 2 4",
					   "1 3", "6 2 1 2"};

void lbs_chart_init(struct lbs_chart *c, const char *title, struct lbs_axis x,
		    struct lbs_axis y)
{
	memset(c, 0, sizeof *c);
	c->title = title;
	c->x = x;
	c->y = y;
}

size_t lbs_chart_add(struct lbs_chart *c, const char *name, const double *x, const double *y,
		     size_t n, int step)
{
	struct lbs_line *l;

	if (c->n == c->cap) {
		size_t cap = c->cap ? 2 * c->cap : 8;
		struct lbs_line *p = realloc(c->lines, cap * sizeof *p);
		if (!p) {
			c->oom = 1;
			return c->n;
		}
		c->lines = p;
		c->cap = cap;
	}
	l = &c->lines[c->n];
	memset(l, 0, sizeof *l);
	snprintf(l->name, sizeof l->name, "%s", name);
	if (n) {
		l->x = malloc(n * sizeof *l->x);
		l->y = malloc(n * sizeof *l->y);
		if (!l->x || !l->y) {
			free(l->x);
			free(l->y);
			l->x = l->y = NULL;
			c->oom = 1;
			n = 0;
		} else {
			memcpy(l->x, x, n * sizeof *x);
			memcpy(l->y, y, n * sizeof *y);
		}
	}
	l->n = n;
	l->step = step;
	return c->n++;
}

void lbs_chart_free(struct lbs_chart *c)
{
	for (size_t i = 0; i < c->n; i++) {
		free(c->lines[i].x);
		free(c->lines[i].y);
	}
	free(c->lines);
	c->lines = NULL;
	c->n = c->cap = 0;
}

/* ------------------------------------------------- lines in pixels */

struct pix {
	double *x, *y;
	size_t n;
};

/* A line's points in the panel, step corners included. 0, or -1. */
static int to_pixels(const struct lbs_panel *p, const struct lbs_line *l, struct pix *out)
{
	size_t m = 0;

	out->n = 0;
	out->x = malloc((2 * l->n + 1) * sizeof *out->x);
	out->y = malloc((2 * l->n + 1) * sizeof *out->y);
	if (!out->x || !out->y)
		return -1;
	for (size_t i = 0; i < l->n; i++) {
		double x = lbs_px_x(p, l->x[i]), y = lbs_px_y(p, l->y[i]);
		if (l->step && i) { /* hold the last y until x */
			out->x[m] = x;
			out->y[m] = out->y[m - 1];
			m++;
		}
		out->x[m] = x;
		out->y[m++] = y;
	}
	out->n = m;
	return 0;
}

static void pix_free(struct pix *p)
{
	free(p->x);
	free(p->y);
}

/* The line's y at pixel column x: its last point at or left of x. */
static int pix_at(const struct pix *p, double x, double *y)
{
	size_t lo = 0, hi = p->n;

	if (!p->n || x < p->x[0] - 0.05 || x > p->x[p->n - 1] + 0.05)
		return 0;
	while (hi - lo > 1) { /* x is nondecreasing */
		size_t mid = (lo + hi) / 2;
		if (p->x[mid] <= x + 0.05)
			lo = mid;
		else
			hi = mid;
	}
	*y = p->y[lo];
	return 1;
}

/* Do a and b lie within CLOSE_PX of each other across the panel? */
static int coincide(const struct pix *a, const struct pix *b, double x0, double x1)
{
	int both = 0, either = 0;

	if (!a->n || !b->n)
		return 0;
	for (int i = 0; i <= 300; i++) {
		double x = x0 + (x1 - x0) * i / 300.0, ya, yb;
		int ha = pix_at(a, x, &ya), hb = pix_at(b, x, &yb);
		either += ha || hb;
		if (ha && hb) {
			if (fabs(ya - yb) > CLOSE_PX)
				return 0;
			both++;
		}
	}
	return either && both * 10 >= either * 9;
}

static int same_data(const struct lbs_line *a, const struct lbs_line *b)
{
	return a->n && a->n == b->n && a->step == b->step &&
	       memcmp(a->x, b->x, a->n * sizeof *a->x) == 0 &&
	       memcmp(a->y, b->y, a->n * sizeof *a->y) == 0;
}

/* ---------------------------------------------------------- markers */

static void marker(FILE *f, int shape, double x, double y, const char *color)
{
	switch (shape % NSTYLE) {
	case 0:
		fprintf(f, "<circle class=\"marker\" cx=\"%.1f\" cy=\"%.1f\" r=\"3.6\" fill=\"%s\" "
			"stroke=\"#fff\" stroke-width=\"0.8\"/>\n", x, y, color);
		return;
	case 1:
		fprintf(f, "<rect class=\"marker\" x=\"%.1f\" y=\"%.1f\" width=\"7\" height=\"7\" "
			"fill=\"%s\" stroke=\"#fff\" stroke-width=\"0.8\"/>\n", x - 3.5, y - 3.5, color);
		return;
	case 5:
		fprintf(f, "<path class=\"marker\" d=\"M%.1f %.1fl8 8m0 -8l-8 8\" stroke=\"%s\" "
			"stroke-width=\"2.2\" fill=\"none\"/>\n", x - 4, y - 4, color);
		return;
	case 6:
		fprintf(f, "<path class=\"marker\" d=\"M%.1f %.1fh10m-5 -5v10\" stroke=\"%s\" "
			"stroke-width=\"2.2\" fill=\"none\"/>\n", x - 5, y, color);
		return;
	default:
		break;
	}
	fputs("<path class=\"marker\" d=\"", f);
	switch (shape % NSTYLE) {
	case 2: fprintf(f, "M%.1f %.1fl4.5 7.5h-9z", x, y - 4.5); break;        /* triangle */
	case 3: fprintf(f, "M%.1f %.1fl4.5 4.5l-4.5 4.5l-4.5 -4.5z", x, y - 4.5); break;
	case 4: fprintf(f, "M%.1f %.1fl4.5 -7.5h-9z", x, y + 4.5); break;       /* upside down */
	default: fprintf(f, "M%.1f %.1fh10v4h-10z", x - 5, y - 2); break;       /* a dash */
	}
	fprintf(f, "\" fill=\"%s\" stroke=\"#fff\" stroke-width=\"0.8\"/>\n", color);
}

/* Markers every MARK_EVERY pixels along the line from phase: lines that
 * coincide get theirs at different places. */
static void markers(FILE *f, const struct pix *p, int shape, double phase, const char *color)
{
	double next = phase, run = 0;
	int left = 60;

	for (size_t i = 1; i < p->n && left; i++) {
		double dx = p->x[i] - p->x[i - 1], dy = p->y[i] - p->y[i - 1];
		double len = sqrt(dx * dx + dy * dy);
		while (len > 0 && next <= run + len && left) {
			double t = (next - run) / len;
			marker(f, shape, p->x[i - 1] + t * dx, p->y[i - 1] + t * dy, color);
			next += MARK_EVERY;
			left--;
		}
		run += len;
	}
}

/* ----------------------------------------------------------- panels */

/* The lines of one panel: halos for coinciding lines (the first of each
 * group widest, under the rest), then every line's markers. rel[i]: the
 * first earlier line i coincides with, or -1 (set when rel is not NULL). */
static void draw_lines(FILE *f, const struct lbs_chart *c, const struct lbs_panel *p,
		       int zoom, int *rel)
{
	size_t n = c->n;
	struct pix *px = calloc(n ? n : 1, sizeof *px);
	int *group = calloc(n ? n : 1, sizeof *group);
	size_t *gsize = calloc(n ? n : 1, sizeof *gsize), *rank = calloc(n ? n : 1, sizeof *rank);

	if (!px || !group || !gsize || !rank)
		goto out;
	for (size_t i = 0; i < n; i++) {
		if ((zoom && !c->lines[i].in_zoom) || to_pixels(p, &c->lines[i], &px[i]) != 0)
			px[i].n = 0;
		group[i] = (int)i;
		if (rel)
			rel[i] = -1;
	}
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < i; j++)
			if (group[j] == (int)j && coincide(&px[i], &px[j], p->fx0, p->fx1)) {
				group[i] = (int)j;
				if (rel)
					rel[i] = (int)j;
				break;
			}
	for (size_t i = 0; i < n; i++)
		rank[i] = gsize[group[i]]++;
	for (size_t i = 0; i < n; i++) {
		size_t m = gsize[group[i]];
		double grow = m > 1 ? fmin(2.5, 8.0 / (double)(m - 1)) : 0;
		double width = 2.0 + grow * (double)(m - 1 - rank[i]);
		const char *dash = dashes[i % NSTYLE];
		if (!px[i].n)
			continue;
		fprintf(f, "<polyline class=\"line\" fill=\"none\" stroke=\"%s\" stroke-width=\"%.1f\""
			" stroke-linejoin=\"round\"%s%s%s points=\"", colors[i % NSTYLE], width,
			dash ? " stroke-dasharray=\"" : "", dash ? dash : "", dash ? "\"" : "");
		for (size_t k = 0; k < px[i].n; k++)
			fprintf(f, "%.1f,%.1f ", px[i].x[k], px[i].y[k]);
		fputs("\"><title>", f);
		lbs_xml_text(f, c->lines[i].name);
		fputs("</title></polyline>\n", f);
	}
	for (size_t i = 0; i < n; i++)
		if (px[i].n)
			markers(f, &px[i], (int)(i % NSTYLE),
				MARK_EVERY * ((double)i + 0.5) / (double)n, colors[i % NSTYLE]);
out:
	for (size_t i = 0; px && i < n; i++)
		pix_free(&px[i]);
	free(px);
	free(group);
	free(gsize);
	free(rank);
}

static void legend(FILE *f, const struct lbs_chart *c, const int *rel, double y0)
{
	int cols = (WIDTH - LEFT) / LEGEND_COL;

	for (size_t i = 0; i < c->n; i++) {
		const struct lbs_line *l = &c->lines[i];
		double x = LEFT + (double)(i % (size_t)cols) * LEGEND_COL;
		double y = y0 + (double)(i / (size_t)cols) * LEGEND_ROW;
		const char *dash = dashes[i % NSTYLE];

		fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" "
			"stroke-width=\"2\"%s%s%s/>\n", x, y - 4, x + 30, y - 4, colors[i % NSTYLE],
			dash ? " stroke-dasharray=\"" : "", dash ? dash : "", dash ? "\"" : "");
		marker(f, (int)(i % NSTYLE), x + 15, y - 4, colors[i % NSTYLE]);
		fprintf(f, "<text class=\"run\" x=\"%.1f\" y=\"%.1f\">", x + 36, y);
		lbs_xml_text(f, l->name);
		fputs("</text>", f);
		if (!l->n) {
			fputs("<text class=\"legend-note\" font-size=\"11\" fill=\"#a33\" ", f);
			fprintf(f, "x=\"%.1f\" y=\"%.1f\">(no data for this run)</text>",
				x + 42 + 6.8 * (double)strlen(l->name), y);
		} else if (rel && rel[i] >= 0) {
			const struct lbs_line *o = &c->lines[rel[i]];
			fprintf(f, "<text class=\"legend-note\" font-size=\"11\" fill=\"#555\" "
				"x=\"%.1f\" y=\"%.1f\">(%s ", x + 42 + 6.8 * (double)strlen(l->name), y,
				same_data(l, o) ? "same as" : "on top of");
			lbs_xml_text(f, o->name);
			fputs(")</text>", f);
		}
		fputc('\n', f);
	}
}

/* ------------------------------------------------------------- note */

#define NOTE_CLEAR 8.0 /* room between the note and a line (markers, halos) */

struct span {
	double lo, hi;
};

static int span_cmp(const void *a, const void *b)
{
	double x = ((const struct span *)a)->lo, y = ((const struct span *)b)->lo;
	return (x > y) - (x < y);
}

/* Where the note's centre goes in the main panel: in the band of height
 * free of lines (across the note's width) nearest the middle that holds
 * it, else the widest band. Lines are often flat at different heights
 * when nothing happened; the middle is where one of them may be. */
static double note_y(const struct lbs_chart *c, const struct lbs_panel *p, double w, double h)
{
	double nx0 = (p->fx0 + p->fx1 - w) / 2 - NOTE_CLEAR, nx1 = nx0 + w + 2 * NOTE_CLEAR;
	double mid = (p->fy0 + p->fy1) / 2, best = mid, best_gap = -1, best_dist = INFINITY;
	double top = p->fy0 + 2, bottom = p->fy1 - 2, y;
	struct span *sp = NULL;
	size_t ns = 0, cap = 0;

	for (size_t i = 0; i < c->n; i++) {
		struct pix px;
		if (to_pixels(p, &c->lines[i], &px) != 0) {
			pix_free(&px);
			continue;
		}
		for (size_t k = 0; k < px.n; k++) {
			/* the segment from point k-1 (or the point alone) clipped to the note's columns */
			double xa = px.x[k ? k - 1 : 0], ya = px.y[k ? k - 1 : 0];
			double xb = px.x[k], yb = px.y[k], lo, hi;
			if (xa > xb) {
				double tx = xa, ty = ya;
				xa = xb, ya = yb, xb = tx, yb = ty;
			}
			if (xb < nx0 || xa > nx1)
				continue;
			if (xb - xa > 1e-9) {
				double ta = xa < nx0 ? (nx0 - xa) / (xb - xa) : 0;
				double tb = xb > nx1 ? (nx1 - xa) / (xb - xa) : 1;
				double y0 = ya + ta * (yb - ya), y1 = ya + tb * (yb - ya);
				lo = fmin(y0, y1), hi = fmax(y0, y1);
			} else {
				lo = fmin(ya, yb), hi = fmax(ya, yb);
			}
			if (ns == cap) {
				size_t ncap = cap ? 2 * cap : 64;
				struct span *q = realloc(sp, ncap * sizeof *q);
				if (!q)
					break;
				sp = q;
				cap = ncap;
			}
			sp[ns].lo = lo - NOTE_CLEAR;
			sp[ns++].hi = hi + NOTE_CLEAR;
		}
		pix_free(&px);
	}
	if (ns)
		qsort(sp, ns, sizeof *sp, span_cmp);
	y = top;
	for (size_t k = 0; k <= ns; k++) { /* the free bands between the spans */
		double end = k < ns ? fmin(sp[k].lo, bottom) : bottom, gap = end - y;
		if (gap > 0) {
			double c_at = fmin(fmax(mid, y + h / 2), end - h / 2); /* nearest the middle */
			if (gap >= h && fabs(c_at - mid) < best_dist) {
				best_dist = fabs(c_at - mid);
				best = c_at;
				best_gap = INFINITY; /* a band that holds it beats any that does not */
			} else if (gap < h && best_gap < gap) {
				best_gap = gap;
				best = y + gap / 2;
			}
		}
		if (k < ns)
			y = fmax(y, sp[k].hi);
	}
	free(sp);
	return best;
}

static int has_zoom(const struct lbs_chart *c)
{
	return c->zoom.hi > c->zoom.lo;
}

void lbs_chart_write(FILE *f, const struct lbs_chart *c)
{
	int cols = (WIDTH - LEFT) / LEGEND_COL;
	int rows = c->n ? (int)((c->n + (size_t)cols - 1) / (size_t)cols) : 0;
	double main_bottom = TOP + PLOT_H, zoom_top = main_bottom + AXIS_H + ZOOM_TITLE_H;
	double legend_top = (has_zoom(c) ? zoom_top + ZOOM_H : main_bottom) + AXIS_H + 12;
	int height = (int)legend_top + rows * LEGEND_ROW + 6;
	struct lbs_panel main = {LEFT, TOP, WIDTH - RIGHT, main_bottom, &c->x, &c->y, 1};
	int *rel = calloc(c->n ? c->n : 1, sizeof *rel);

	lbs_svg_open(f, WIDTH, height, c->title);
	lbs_panel_axes(f, &main, 1);
	draw_lines(f, c, &main, 0, rel);
	if (c->note) {
		double w, h;
		lbs_svg_note_size(c->note, &w, &h);
		lbs_svg_note(f, (main.fx0 + main.fx1) / 2, note_y(c, &main, w, h), c->note);
	}
	if (has_zoom(c)) {
		static unsigned clip_id; /* ids are the page's: one per zoomed panel */
		struct lbs_axis zy = c->zoom;
		struct lbs_panel z = {LEFT, zoom_top, WIDTH - RIGHT, zoom_top + ZOOM_H, &c->x, &zy, 0};

		zy.scale = c->y.scale;
		zy.unit = c->y.unit;
		if (!zy.label)
			zy.label = c->y.label;
		clip_id++;
		fprintf(f, "<text x=\"%d\" y=\"%.1f\" font-size=\"13\" font-weight=\"bold\">", LEFT,
			zoom_top - 10);
		lbs_xml_text(f, c->zoom_title ? c->zoom_title : "zoomed");
		fputs("</text>\n", f);
		lbs_panel_axes(f, &z, 1);
		fprintf(f, "<clipPath id=\"lbs-zoom-%u\"><rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
			"height=\"%.1f\"/></clipPath>\n<g clip-path=\"url(#lbs-zoom-%u)\">\n", clip_id,
			z.fx0, z.fy0, z.fx1 - z.fx0, z.fy1 - z.fy0, clip_id);
		draw_lines(f, c, &z, 1, NULL);
		fputs("</g>\n", f);
	}
	legend(f, c, rel, legend_top);
	fputs("</svg>\n", f);
	free(rel);
}
