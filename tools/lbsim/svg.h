/* SPDX-License-Identifier: MIT */
/*
 * Inline SVG line charts for the report: axes with round ticks, linear,
 * logarithmic or "nines" scales (for CDFs: 0, 90%, 99%, 99.9% ... equally
 * spaced), polylines and a legend. Output is well-formed XML.
 */
#ifndef LBS_SVG_H
#define LBS_SVG_H

#include <stddef.h>
#include <stdio.h>

enum lbs_scale {
	LBS_SCALE_LINEAR,
	LBS_SCALE_LOG,   /* powers of ten; values <= 0 sit on the lower edge */
	LBS_SCALE_NINES  /* fraction in [0, 1): -log10(1 - y) */
};

struct lbs_axis {
	const char *label;
	double lo, hi;      /* data range shown */
	enum lbs_scale scale;
};

struct lbs_chart {
	FILE *f;
	const char *title;
	struct lbs_axis x, y;
	int width, height;  /* pixels, the whole picture */
};

/* <svg ...>, title, frame, grid, ticks and axis labels. */
void lbs_chart_begin(struct lbs_chart *c);

/* A polyline through (x[i], y[i]); step: hold each y until the next x. */
void lbs_chart_line(const struct lbs_chart *c, const double *x, const double *y, size_t n,
		    const char *color, const char *dash, int step, const char *name);

/* Legend entries in the top left corner, then </svg>. */
void lbs_chart_end(const struct lbs_chart *c, const char *const *names,
		   const char *const *colors, const char *const *dashes, size_t n);

/* Horizontal bars, one row per name: a[i] then b[i] stacked, in unit. */
void lbs_bars(FILE *f, const char *title, const char *const *names, const double *a,
	      const double *b, size_t n, const char *label_a, const char *label_b,
	      const char *unit);

/* Text for XML: & < > " escaped. */
void lbs_xml_text(FILE *f, const char *s);

#endif
