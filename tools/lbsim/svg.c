/* SPDX-License-Identifier: MIT */
#include "svg.h"

#include <math.h>
#include <string.h>

/* Plot area inside the picture. */
#define LEFT 78
#define RIGHT 130 /* the legend goes there */
#define TOP 34
#define BOTTOM 52

void lbs_xml_text(FILE *f, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '&': fputs("&amp;", f); break;
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '"': fputs("&quot;", f); break;
		default: fputc(*s, f);
		}
	}
}

/* Data value -> scale space (where the axis is linear). */
static double to_scale(const struct lbs_axis *a, double v)
{
	switch (a->scale) {
	case LBS_SCALE_LOG:
		return log10(v > 0 ? v : a->lo);
	case LBS_SCALE_NINES:
		if (v >= 1.0)
			v = 1.0 - 1e-12;
		return v <= 0 ? 0 : -log10(1.0 - v);
	default:
		return v;
	}
}

static double frac(const struct lbs_axis *a, double v)
{
	double lo = to_scale(a, a->lo), hi = to_scale(a, a->hi), s = to_scale(a, v);
	double t = hi > lo ? (s - lo) / (hi - lo) : 0;
	return t < 0 ? 0 : t > 1 ? 1 : t;
}

static double px_x(const struct lbs_chart *c, double v)
{
	return LEFT + frac(&c->x, v) * (c->width - LEFT - RIGHT);
}

static double px_y(const struct lbs_chart *c, double v)
{
	return c->height - BOTTOM - frac(&c->y, v) * (c->height - TOP - BOTTOM);
}

/* A round step giving about n ticks over span: 1, 2 or 5 times 10^k. */
static double nice_step(double span, int n)
{
	double raw = span / n, p = pow(10, floor(log10(raw))), m = raw / p;
	return (m < 1.5 ? 1 : m < 3.5 ? 2 : m < 7.5 ? 5 : 10) * p;
}

static void tick_label(char *buf, size_t len, const struct lbs_axis *a, double v)
{
	if (a->scale == LBS_SCALE_NINES) {
		int q = (int)(to_scale(a, v) + 0.5); /* 90% is 1 nine, 99.9% is 3 */
		snprintf(buf, len, "%.*f%%", q > 2 ? q - 2 : 0, 100.0 * v);
	} else if (fabs(v) >= 1e6 || (fabs(v) < 1e-3 && v != 0)) {
		snprintf(buf, len, "%.0e", v);
	} else {
		snprintf(buf, len, "%g", v);
	}
}

/* Tick values of an axis into t[] (at most max); returns the count. */
static int ticks(const struct lbs_axis *a, double *t, int max)
{
	int n = 0;

	if (a->scale == LBS_SCALE_LOG) {
		for (double p = pow(10, ceil(log10(a->lo))); p <= a->hi * 1.0001 && n < max; p *= 10)
			t[n++] = p;
	} else if (a->scale == LBS_SCALE_NINES) {
		for (double q = 0; n < max; q++) {
			double v = 1.0 - pow(10, -q);
			if (to_scale(a, v) > to_scale(a, a->hi) + 1e-9)
				break;
			t[n++] = v;
		}
	} else {
		double step = nice_step(a->hi - a->lo, 5);
		for (double v = ceil(a->lo / step) * step; v <= a->hi + step * 1e-6 && n < max;
		     v += step)
			t[n++] = fabs(v) < step * 1e-9 ? 0 : v;
	}
	return n;
}

void lbs_chart_begin(struct lbs_chart *c)
{
	FILE *f = c->f;
	double t[32];
	char buf[32];
	int n, x0 = LEFT, x1 = c->width - RIGHT, y0 = TOP, y1 = c->height - BOTTOM;

	fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
		"viewBox=\"0 0 %d %d\" role=\"img\" font-family=\"sans-serif\" font-size=\"12\">\n",
		c->width, c->height, c->width, c->height);
	fputs("<title>", f);
	lbs_xml_text(f, c->title);
	fputs("</title>\n", f);
	fprintf(f, "<rect x=\"0\" y=\"0\" width=\"%d\" height=\"%d\" fill=\"#fff\"/>\n", c->width,
		c->height);
	fprintf(f, "<text x=\"%d\" y=\"20\" font-size=\"14\" font-weight=\"bold\">", x0);
	lbs_xml_text(f, c->title);
	fputs("</text>\n", f);

	n = ticks(&c->x, t, 32);
	for (int i = 0; i < n; i++) {
		double x = px_x(c, t[i]);
		tick_label(buf, sizeof buf, &c->x, t[i]);
		fprintf(f, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#ddd\"/>\n", x,
			y0, x, y1);
		fprintf(f, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s</text>\n", x, y1 + 16,
			buf);
	}
	n = ticks(&c->y, t, 32);
	for (int i = 0; i < n; i++) {
		double y = px_y(c, t[i]);
		tick_label(buf, sizeof buf, &c->y, t[i]);
		fprintf(f, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#ddd\"/>\n", x0,
			y, x1, y);
		fprintf(f, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%s</text>\n", x0 - 6,
			y + 4, buf);
	}
	fprintf(f, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" "
		"stroke=\"#444\"/>\n", x0, y0, x1 - x0, y1 - y0);
	fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">", (x0 + x1) / 2,
		c->height - 12);
	lbs_xml_text(f, c->x.label);
	fputs("</text>\n", f);
	fprintf(f, "<text x=\"14\" y=\"%d\" text-anchor=\"middle\" "
		"transform=\"rotate(-90 14 %d)\">", (y0 + y1) / 2, (y0 + y1) / 2);
	lbs_xml_text(f, c->y.label);
	fputs("</text>\n", f);
}

void lbs_chart_line(const struct lbs_chart *c, const double *x, const double *y, size_t n,
		    const char *color, const char *dash, int step, const char *name)
{
	FILE *f = c->f;

	if (!n)
		return;
	fprintf(f, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2\"%s%s%s points=\"",
		color, dash ? " stroke-dasharray=\"" : "", dash ? dash : "", dash ? "\"" : "");
	for (size_t i = 0; i < n; i++) {
		if (step && i)
			fprintf(f, "%.1f,%.1f ", px_x(c, x[i]), px_y(c, y[i - 1]));
		fprintf(f, "%.1f,%.1f ", px_x(c, x[i]), px_y(c, y[i]));
	}
	fputs("\"><title>", f);
	lbs_xml_text(f, name);
	fputs("</title></polyline>\n", f);
}

void lbs_chart_end(const struct lbs_chart *c, const char *const *names,
		   const char *const *colors, const char *const *dashes, size_t n)
{
	FILE *f = c->f;
	int x = c->width - RIGHT + 12, y = TOP + 12;

	for (size_t i = 0; i < n; i++, y += 16) {
		fprintf(f, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"%s\" "
			"stroke-width=\"2\"%s%s%s/>\n", x, y - 4, x + 22, y - 4, colors[i],
			dashes[i] ? " stroke-dasharray=\"" : "", dashes[i] ? dashes[i] : "",
			dashes[i] ? "\"" : "");
		fprintf(f, "<text x=\"%d\" y=\"%d\">", x + 27, y);
		lbs_xml_text(f, names[i]);
		fputs("</text>\n", f);
	}
	fputs("</svg>\n", f);
}

void lbs_bars(FILE *f, const char *title, const char *const *names, const double *a,
	      const double *b, size_t n, const char *label_a, const char *label_b,
	      const char *unit)
{
	const int width = 760, row = 22, x0 = 100, x1 = width - 150;
	int height = TOP + (int)n * row + 40;
	double max = 0;
	char buf[48];

	for (size_t i = 0; i < n; i++)
		if (a[i] + b[i] > max)
			max = a[i] + b[i];
	if (max <= 0)
		max = 1;
	fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
		"viewBox=\"0 0 %d %d\" role=\"img\" font-family=\"sans-serif\" font-size=\"12\">\n",
		width, height, width, height);
	fputs("<title>", f);
	lbs_xml_text(f, title);
	fputs("</title>\n", f);
	fprintf(f, "<rect x=\"0\" y=\"0\" width=\"%d\" height=\"%d\" fill=\"#fff\"/>\n", width,
		height);
	fprintf(f, "<text x=\"%d\" y=\"20\" font-size=\"14\" font-weight=\"bold\">", LEFT);
	lbs_xml_text(f, title);
	fputs("</text>\n", f);
	for (size_t i = 0; i < n; i++) {
		int y = TOP + (int)i * row;
		double wa = a[i] / max * (x1 - x0), wb = b[i] / max * (x1 - x0);
		fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">", x0 - 8, y + 14);
		lbs_xml_text(f, names[i]);
		fputs("</text>\n", f);
		fprintf(f, "<rect x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"16\" fill=\"#4878a8\"/>\n",
			x0, y + 2, wa);
		fprintf(f, "<rect x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"16\" fill=\"#d8604c\"/>\n",
			x0 + wa, y + 2, wb);
		snprintf(buf, sizeof buf, "%.1f + %.1f %s", a[i], b[i], unit);
		fprintf(f, "<text x=\"%.1f\" y=\"%d\">", x0 + wa + wb + 6, y + 14);
		lbs_xml_text(f, buf);
		fputs("</text>\n", f);
	}
	int ly = TOP + (int)n * row + 18;
	fprintf(f, "<rect x=\"%d\" y=\"%d\" width=\"12\" height=\"12\" fill=\"#4878a8\"/>\n", x0,
		ly - 10);
	fprintf(f, "<text x=\"%d\" y=\"%d\">", x0 + 18, ly);
	lbs_xml_text(f, label_a);
	fputs("</text>\n", f);
	fprintf(f, "<rect x=\"%d\" y=\"%d\" width=\"12\" height=\"12\" fill=\"#d8604c\"/>\n",
		x0 + 260, ly - 10);
	fprintf(f, "<text x=\"%d\" y=\"%d\">", x0 + 278, ly);
	lbs_xml_text(f, label_b);
	fputs("</text>\n</svg>\n", f);
}
