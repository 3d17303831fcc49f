/* SPDX-License-Identifier: MIT */
/* Units, scales, ticks, panels and the bar chart (line charts: svg_lines.c). */
#include "svg.h"

#include <math.h>
#include <string.h>

#include "svg_axis.h"

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

/* ------------------------------------------------------------ scales */

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

/* Position of v along an axis len pixels long, 0 at lo. */
static double along(const struct lbs_axis *a, double v, double len, int clamp)
{
	double lo = to_scale(a, a->lo), hi = to_scale(a, a->hi), t, g = 0;

	if (a->scale == LBS_SCALE_LOG && a->zero) {
		g = len > 3 * LBS_SVG_ZGAP ? LBS_SVG_ZGAP / len : 0;
		if (v <= 0)
			return 0;
		if (v < a->lo)
			v = a->lo;
	}
	t = hi > lo ? (to_scale(a, v) - lo) / (hi - lo) : 0;
	if (clamp)
		t = t < 0 ? 0 : t > 1 ? 1 : t;
	else /* the zoomed panel clips; keep coordinates sane */
		t = t < -2 ? -2 : t > 3 ? 3 : t;
	return (g + t * (1 - g)) * len;
}

double lbs_px_x(const struct lbs_panel *p, double v)
{
	double x0 = p->fx0 + LBS_SVG_PAD, x1 = p->fx1 - LBS_SVG_PAD;
	return x0 + along(p->x, v, x1 - x0, p->clamp);
}

double lbs_px_y(const struct lbs_panel *p, double v)
{
	double y0 = p->fy0 + LBS_SVG_PAD, y1 = p->fy1 - LBS_SVG_PAD;
	return y1 - along(p->y, v, y1 - y0, p->clamp);
}

/* ------------------------------------------------------------- ticks */

/*
 * Tick labels take their units from format.h but not its number formats:
 * an axis's labels share one unit (the one its largest value reaches) and
 * as many decimals as the step needs ("0.5 s", "1.0 s", "1.5 s"), and log
 * ticks are powers of ten ("100 µs", "1 ms"), where lbs_value_text() would
 * give each its own unit and three digits ("500 ms", "1.00 s").
 */

/* A round step giving about n ticks over span: 1, 2 or 5 times 10^k. */
static double nice_step(double span, int n)
{
	double raw = span / n, p = pow(10, floor(log10(raw))), m = raw / p;
	return (m < 1.5 ? 1 : m < 3.5 ? 2 : m < 7.5 ? 5 : 10) * p;
}

struct ticks {
	double v[40];
	char label[40][24];
	int n;
};

static void tick_add(struct ticks *t, double v, const char *label)
{
	if (t->n == 40)
		return;
	t->v[t->n] = v;
	snprintf(t->label[t->n], sizeof t->label[0], "%s", label);
	t->n++;
}

static void linear_ticks(const struct lbs_axis *a, struct ticks *t, int want)
{
	double m = fmax(fabs(a->lo), fabs(a->hi));
	const struct lbs_unit_step *s = lbs_unit_for(a->unit, m);
	double lo = a->lo / s->div, hi = a->hi / s->div, step;
	int dec;
	char buf[24];

	if (!(hi > lo))
		hi = lo + 1;
	step = nice_step(hi - lo, want);
	dec = step >= 1 ? 0 : (int)ceil(-log10(step) - 1e-9);
	for (double v = ceil(lo / step - 1e-9) * step; v <= hi + step * 1e-6; v += step) {
		double r = fabs(v) < step * 1e-9 ? 0 : v;
		if (r == 0)
			snprintf(buf, sizeof buf, "0");
		else
			snprintf(buf, sizeof buf, "%.*f%s", dec, r, s->suffix);
		tick_add(t, r * s->div, buf);
	}
}

static void log_ticks(const struct lbs_axis *a, struct ticks *t)
{
	char buf[24];

	if (a->zero)
		tick_add(t, 0, "0");
	for (double p = pow(10, ceil(log10(a->lo) - 1e-9)); p <= a->hi * 1.0001; p *= 10) {
		const struct lbs_unit_step *s = lbs_unit_for(a->unit, p);
		snprintf(buf, sizeof buf, "%g%s", p / s->div, s->suffix);
		tick_add(t, p, buf);
	}
}

static void nines_ticks(const struct lbs_axis *a, struct ticks *t)
{
	char buf[24];

	for (int q = 0; q < 16; q++) {
		double v = 1.0 - pow(10, -q);
		if (to_scale(a, v) > to_scale(a, a->hi) + 1e-9)
			break;
		snprintf(buf, sizeof buf, "%.*f%%", q > 2 ? q - 2 : 0, 100.0 * v);
		tick_add(t, v, buf);
	}
}

static void axis_ticks(const struct lbs_axis *a, struct ticks *t, int want)
{
	t->n = 0;
	if (a->scale == LBS_SCALE_LOG)
		log_ticks(a, t);
	else if (a->scale == LBS_SCALE_NINES)
		nines_ticks(a, t);
	else
		linear_ticks(a, t, want);
}

/* ------------------------------------------------------------ panels */

void lbs_svg_open(FILE *f, int width, int height, const char *title)
{
	fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" width=\"%d\" "
		"height=\"%d\" viewBox=\"0 0 %d %d\" role=\"img\" font-family=\"sans-serif\" "
		"font-size=\"12\">\n<title>", width, height, width, height);
	lbs_xml_text(f, title);
	fprintf(f, "</title>\n<rect x=\"0\" y=\"0\" width=\"%d\" height=\"%d\" fill=\"#fff\"/>\n"
		"<text x=\"12\" y=\"20\" font-size=\"14\" font-weight=\"bold\">", width, height);
	lbs_xml_text(f, title);
	fputs("</text>\n", f);
}

void lbs_panel_axes(FILE *f, const struct lbs_panel *p, int xlabel)
{
	struct ticks t;
	double cy = (p->fy0 + p->fy1) / 2;

	axis_ticks(p->x, &t, 8);
	for (int i = 0; i < t.n; i++) {
		double x = lbs_px_x(p, t.v[i]);
		fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#e4e4e4\"/>\n"
			"<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%s</text>\n",
			x, p->fy0, x, p->fy1, x, p->fy1 + 15, t.label[i]);
	}
	axis_ticks(p->y, &t, 5);
	for (int i = 0; i < t.n; i++) {
		double y = lbs_px_y(p, t.v[i]);
		fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#e4e4e4\"/>\n"
			"<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%s</text>\n",
			p->fx0, y, p->fx1, y, p->fx0 - 5, y + 4, t.label[i]);
	}
	fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"none\" "
		"stroke=\"#888\"/>\n", p->fx0, p->fy0, p->fx1 - p->fx0, p->fy1 - p->fy0);
	if (xlabel) {
		fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">",
			(p->fx0 + p->fx1) / 2, p->fy1 + 33);
		lbs_xml_text(f, p->x->label);
		fputs("</text>\n", f);
	}
	fprintf(f, "<text x=\"14\" y=\"%.1f\" text-anchor=\"middle\" "
		"transform=\"rotate(-90 14 %.1f)\">", cy, cy);
	lbs_xml_text(f, p->y->label);
	fputs("</text>\n", f);
}

/* Up to 8 lines of at most 76 characters, broken at spaces. */
static int wrap(const char *s, char out[8][96])
{
	int n = 0;
	size_t len = strlen(s);

	while (len && n < 8) {
		size_t take = len, w = 0, i;
		for (i = 0; i < len; i++) {
			w += ((unsigned char)s[i] & 0xc0u) != 0x80u;
			if (w > 76)
				break;
		}
		if (i < len) { /* break at the last space that fits */
			take = i;
			while (take && s[take] != ' ')
				take--;
			if (!take)
				take = i;
		}
		if (take > 95)
			take = 95;
		memcpy(out[n], s, take);
		out[n++][take] = '\0';
		s += take;
		len -= take;
		while (len && *s == ' ') {
			s++;
			len--;
		}
	}
	return n;
}

void lbs_svg_note_size(const char *text, double *w, double *h)
{
	char lines[8][96];
	int n = wrap(text, lines);
	double chars = 0;

	for (int i = 0; i < n; i++) {
		double lw = 0;
		for (const char *p = lines[i]; *p; p++)
			lw += ((unsigned char)*p & 0xc0u) != 0x80u;
		chars = lw > chars ? lw : chars;
	}
	*w = chars * 6.9 + 24;
	*h = n * 17 + 14;
}

void lbs_svg_note(FILE *f, double cx, double cy, const char *text)
{
	char lines[8][96];
	int n = wrap(text, lines);
	double w, h;

	lbs_svg_note_size(text, &w, &h);
	fprintf(f, "<g class=\"empty-note\"><rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
		"height=\"%.1f\" fill=\"#fffbe6\" fill-opacity=\"0.95\" stroke=\"#b59b2c\"/>\n",
		cx - w / 2, cy - h / 2, w, h);
	for (int i = 0; i < n; i++) {
		fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" font-size=\"13\">",
			cx, cy - h / 2 + 21 + 17 * i);
		lbs_xml_text(f, lines[i]);
		fputs("</text>\n", f);
	}
	fputs("</g>\n", f);
}

/* -------------------------------------------------------------- bars */

void lbs_bars(FILE *f, const char *title, const char *const *names, size_t n, const double *v,
	      const struct lbs_bar_seg *segs, size_t nseg, enum lbs_unit unit, const char *note)
{
	const int width = 900, row = 24, x0 = 110, x1 = width - 250, top = 40;
	const struct lbs_axis ax = {"", 0, 1, LBS_SCALE_LINEAR, unit, 0};
	int legend_rows = (int)(nseg + 1) / 2;
	int y_axis = top + (int)n * row + 6;
	int below = 24; /* the tick labels, or the note when nothing was spent */
	int height;
	double max = 0, note_w = 0, note_h = 0;
	struct lbs_axis scale = ax;
	struct lbs_panel p = {x0 - LBS_SVG_PAD, top - 4, x1 + LBS_SVG_PAD, y_axis, &scale, &ax, 1};
	struct ticks t;
	char buf[48];

	for (size_t i = 0; i < n; i++) {
		double sum = 0;
		for (size_t s = 0; s < nseg; s++)
			sum += v[i * nseg + s] > 0 ? v[i * nseg + s] : 0;
		max = sum > max ? sum : max;
	}
	scale.hi = max > 0 ? max : 1;
	/* Every value 0: no scale (its ticks would be made up), and the note
	 * gets a band of its own under the rows, where it hides nothing. */
	if (max <= 0 && note) {
		lbs_svg_note_size(note, &note_w, &note_h);
		below = (int)ceil(note_h) + 16;
	}
	height = y_axis + below + legend_rows * 18 + 10;
	lbs_svg_open(f, width, height, title);
	t.n = 0;
	if (max > 0)
		axis_ticks(&scale, &t, 6);
	for (int i = 0; i < t.n; i++) {
		double x = lbs_px_x(&p, t.v[i]);
		if (t.v[i] > scale.hi * 1.0001)
			break;
		fprintf(f, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#e4e4e4\"/>\n"
			"<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s</text>\n",
			x, top - 4, x, y_axis, x, y_axis + 15, t.label[i]);
	}
	for (size_t i = 0; i < n; i++) {
		int y = top + (int)i * row;
		double x = x0, sum = 0;
		int parts = 0;

		fprintf(f, "<text class=\"run\" x=\"%d\" y=\"%d\" text-anchor=\"end\">", x0 - 8, y + 15);
		lbs_xml_text(f, names[i]);
		fputs("</text>\n", f);
		for (size_t s = 0; s < nseg; s++) {
			double val = v[i * nseg + s], w = val > 0 ? val / scale.hi * (x1 - x0) : 0;
			if (val <= 0)
				continue;
			lbs_value_text(buf, sizeof buf, unit, val);
			fprintf(f, "<rect class=\"bar\" x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"17\" "
				"fill=\"%s\"><title>", x, y + 3, w, segs[s].color);
			lbs_xml_text(f, segs[s].label);
			fprintf(f, ": %s</title></rect>\n", buf);
			x += w;
			sum += val;
			parts++;
		}
		lbs_value_text(buf, sizeof buf, unit, sum);
		fprintf(f, "<text x=\"%.1f\" y=\"%d\">%s", x + 6, y + 15, buf);
		if (parts > 1) { /* the parts, in the segments' order */
			int k = 0;
			fputs(" =", f);
			for (size_t s = 0; s < nseg; s++) {
				if (v[i * nseg + s] <= 0)
					continue;
				lbs_value_text(buf, sizeof buf, unit, v[i * nseg + s]);
				fprintf(f, "%s %s", k++ ? " +" : "", buf);
			}
		}
		fputs("</text>\n", f);
	}
	fprintf(f, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#888\"/>\n", x0,
		top - 4, x0, y_axis);
	for (size_t s = 0; s < nseg; s++) {
		int lx = x0 + (int)(s % 2) * 390, ly = y_axis + below + 16 + (int)(s / 2) * 18;
		fprintf(f, "<rect x=\"%d\" y=\"%d\" width=\"12\" height=\"12\" fill=\"%s\"/>\n"
			"<text x=\"%d\" y=\"%d\">", lx, ly - 10, segs[s].color, lx + 17, ly);
		lbs_xml_text(f, segs[s].label);
		fputs("</text>\n", f);
	}
	if (max <= 0 && note) /* left-aligned with the bars, clear of the names */
		lbs_svg_note(f, x0 + note_w / 2, y_axis + 8 + note_h / 2, note);
	fputs("</svg>\n", f);
}
