/* SPDX-License-Identifier: MIT */
/*
 * Inline SVG charts for the report: line charts with round ticks labelled
 * in the axis's unit (format.h's units: µs/ms/s, MiB/GiB, k/M), linear,
 * logarithmic or "nines" scales (for CDFs: 0, 90%, 99%, 99.9% ... equally
 * spaced), an optional zoomed panel under the main one, and stacked
 * horizontal bars.
 * Lines that coincide stay visible: each run has its colour, dash pattern
 * and marker shape, markers are staggered along the lines, lines that lie
 * on top of each other are drawn as halos (the first widest) and the
 * legend says "same as X". A chart with nothing to show carries a note
 * saying why. Output is well-formed XML; the markup names what a test
 * reads: class="chart" on each <svg>, class="run" on each run's name,
 * class="line" on data polylines, class="bar" on bars, class="empty-note"
 * on the note.
 */
#ifndef LBS_SVG_H
#define LBS_SVG_H

#include <stddef.h>
#include <stdio.h>

#include "../results/format.h" /* enum lbs_unit: what axis values are */

enum lbs_scale {
	LBS_SCALE_LINEAR,
	LBS_SCALE_LOG,   /* powers of ten; with lbs_axis.zero, 0 has a place of its own */
	LBS_SCALE_NINES  /* fraction in [0, 1]: -log10(1 - y) */
};

struct lbs_axis {
	const char *label;
	double lo, hi;       /* data range shown */
	enum lbs_scale scale;
	enum lbs_unit unit;
	int zero;            /* log scale: values <= 0 drawn at a "0" left of (below) lo */
};

struct lbs_line {
	char name[48];
	double *x, *y;
	size_t n;
	int step;            /* hold each y until the next x */
	int in_zoom;         /* drawn in the zoomed panel too */
};

struct lbs_chart {
	const char *title;
	struct lbs_axis x, y;
	const char *note;    /* why the chart shows nothing (drawn in it); NULL: none */
	/* A second panel under the main one when zoom.hi > zoom.lo: the same x,
	 * y over [zoom.lo, zoom.hi] (unit, scale from y), the lines in_zoom. */
	struct lbs_axis zoom;
	const char *zoom_title;
	struct lbs_line *lines;
	size_t n, cap;
	int oom;             /* a line could not be stored: written without it */
};

/* An empty chart: title, axes (the caller fills lo/hi later if it likes). */
void lbs_chart_init(struct lbs_chart *c, const char *title, struct lbs_axis x,
		    struct lbs_axis y);

/* A run's line through (x[i], y[i]), copied; n == 0: a legend entry that
 * says the run has no data. Returns the line's index. */
size_t lbs_chart_add(struct lbs_chart *c, const char *name, const double *x, const double *y,
		     size_t n, int step);

/* The whole <svg>: panels, lines, markers, note, legend. */
void lbs_chart_write(FILE *f, const struct lbs_chart *c);
void lbs_chart_free(struct lbs_chart *c);

/* Stacked horizontal bars, one row per name: v[row * nseg + s] for segment
 * s, in unit; each row ends with its total. note: drawn when every value
 * is 0 (why nothing shows), may be NULL. */
struct lbs_bar_seg {
	const char *label;
	const char *color;
};
void lbs_bars(FILE *f, const char *title, const char *const *names, size_t n, const double *v,
	      const struct lbs_bar_seg *segs, size_t nseg, enum lbs_unit unit, const char *note);

/* Text for XML: & < > " escaped. */
void lbs_xml_text(FILE *f, const char *s);

#endif
