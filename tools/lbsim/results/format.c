/* SPDX-License-Identifier: MIT */
#include "format.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>

/* Each kind's units, smallest first. */
static const struct lbs_unit_step ns_units[] = {
	{1, " ns"}, {1e3, " µs"}, {1e6, " ms"}, {1e9, " s"}, {0, NULL}};
static const struct lbs_unit_step byte_units[] = {
	{1, " B"}, {1024.0, " KiB"}, {1048576.0, " MiB"}, {1073741824.0, " GiB"},
	{1099511627776.0, " TiB"}, {0, NULL}};
static const struct lbs_unit_step count_units[] = {
	{1, ""}, {1e3, " k"}, {1e6, " M"}, {1e9, " G"}, {0, NULL}};
static const struct lbs_unit_step plain_units[] = {{1, ""}, {0, NULL}};

static const struct lbs_unit_step *units_of(enum lbs_unit u)
{
	switch (u) {
	case LBS_UNIT_NS: return ns_units;
	case LBS_UNIT_BYTES: return byte_units;
	case LBS_UNIT_COUNT: return count_units;
	default: return plain_units;
	}
}

/* The largest of the units from s on that m reaches, else s. */
static const struct lbs_unit_step *reached(const struct lbs_unit_step *s, double m)
{
	const struct lbs_unit_step *best = s;

	for (; s->suffix; s++)
		if (m >= s->div)
			best = s;
	return best;
}

const struct lbs_unit_step *lbs_unit_for(enum lbs_unit u, double m)
{
	return reached(units_of(u), m);
}

void lbs_bytes_text(char *buf, size_t len, uint64_t bytes)
{
	const struct lbs_unit_step *s = lbs_unit_for(LBS_UNIT_BYTES, (double)bytes);

	if (s == byte_units)
		snprintf(buf, len, "%" PRIu64 "%s", bytes, s->suffix);
	else
		snprintf(buf, len, "%.1f%s", (double)bytes / s->div, s->suffix);
}

void lbs_size_text(char *buf, size_t len, uint64_t bytes)
{
	const struct lbs_unit_step *s = byte_units;

	for (; s[1].suffix && bytes >= 1024u && bytes % 1024u == 0; s++)
		bytes /= 1024u;
	snprintf(buf, len, "%" PRIu64 "%s", bytes, s->suffix);
}

void lbs_duration_text(char *buf, size_t len, uint64_t ns, int decimals)
{
	const struct lbs_unit_step *s = reached(&ns_units[1], (double)ns); /* µs at least */

	snprintf(buf, len, "%.*f%s", decimals, (double)ns / s->div, s->suffix);
}

void lbs_ns_text(char *buf, size_t len, uint64_t ns)
{
	lbs_duration_text(buf, len, ns, 2);
}

void lbs_scaled_text(char *buf, size_t len, uint64_t v, double scale, int decimals)
{
	snprintf(buf, len, "%.*f", decimals, (double)v / scale);
}

void lbs_value_text(char *buf, size_t len, enum lbs_unit u, double v)
{
	const struct lbs_unit_step *s;
	double x;

	if (!isfinite(v)) {
		snprintf(buf, len, "n/a");
		return;
	}
	if (v == 0) {
		snprintf(buf, len, "%s", u == LBS_UNIT_NS ? "0 ms" : u == LBS_UNIT_BYTES ? "0 B" : "0");
		return;
	}
	s = lbs_unit_for(u, fabs(v));
	x = v / s->div;
	/* 999.7 ms reads 1.00 s, not 1000 ms */
	if (fabs(x) >= 999.5 && s[1].suffix && s[1].div / s->div <= 1024.0) {
		s++;
		x = v / s->div;
	}
	if (u == LBS_UNIT_COUNT && s->div == 1 && x == floor(x))
		snprintf(buf, len, "%.0f", x);
	else if (fabs(x) >= 99.95)
		snprintf(buf, len, "%.0f%s", x, s->suffix);
	else if (fabs(x) >= 9.995)
		snprintf(buf, len, "%.1f%s", x, s->suffix);
	else
		snprintf(buf, len, "%.2f%s", x, s->suffix);
}
