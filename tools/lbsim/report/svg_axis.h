/* SPDX-License-Identifier: MIT */
/*
 * svg.c's and svg_lines.c's shared part: a panel (a frame with a data area
 * inside it) and where values go in it, ticks and their labels, the note
 * box. Internal to the report's SVG code.
 */
#ifndef LBS_SVG_AXIS_H
#define LBS_SVG_AXIS_H

#include <stdio.h>

#include "svg.h"

#define LBS_SVG_PAD 8.0   /* data area inside the frame: lines at a range's end stay visible */
#define LBS_SVG_ZGAP 36.0 /* log axes with zero: room for "0" before lo */

struct lbs_panel {
	double fx0, fy0, fx1, fy1;   /* the frame */
	const struct lbs_axis *x, *y;
	int clamp;                   /* values outside the range sit on its edge */
};

double lbs_px_x(const struct lbs_panel *p, double v);
double lbs_px_y(const struct lbs_panel *p, double v);

/* Frame, grid, tick labels, axis labels (x label when xlabel is set). */
void lbs_panel_axes(FILE *f, const struct lbs_panel *p, int xlabel);

/* A boxed note centred on (cx, cy), wrapped to lines; its box's size. */
void lbs_svg_note(FILE *f, double cx, double cy, const char *text);
void lbs_svg_note_size(const char *text, double *w, double *h);

/* <svg ...>, <title>, white background, the title in bold. */
void lbs_svg_open(FILE *f, int width, int height, const char *title);

#endif
