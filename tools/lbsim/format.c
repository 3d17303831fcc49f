/* SPDX-License-Identifier: MIT */
#include "format.h"

#include <inttypes.h>
#include <stdio.h>

static const char *const byte_units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
enum { TOP_UNIT = sizeof byte_units / sizeof byte_units[0] - 1 };

/* exact: the largest unit that divides bytes, whole; else the largest
 * unit bytes reaches, one decimal (bytes alone, whole). */
static void bytes_in_unit(char *buf, size_t len, uint64_t bytes, int exact)
{
	double v = (double)bytes;
	unsigned i = 0;

	if (exact) {
		for (; i < TOP_UNIT && bytes >= 1024u && bytes % 1024u == 0; i++)
			bytes /= 1024u;
		snprintf(buf, len, "%" PRIu64 " %s", bytes, byte_units[i]);
		return;
	}
	for (; i < TOP_UNIT && v >= 1024.0; i++)
		v /= 1024.0;
	if (i == 0)
		snprintf(buf, len, "%" PRIu64 " B", bytes);
	else
		snprintf(buf, len, "%.1f %s", v, byte_units[i]);
}

void lbs_bytes_text(char *buf, size_t len, uint64_t bytes)
{
	bytes_in_unit(buf, len, bytes, 0);
}

void lbs_size_text(char *buf, size_t len, uint64_t bytes)
{
	bytes_in_unit(buf, len, bytes, 1);
}

void lbs_duration_text(char *buf, size_t len, uint64_t ns, int decimals)
{
	if (ns >= UINT64_C(1000000000))
		snprintf(buf, len, "%.*f s", decimals, (double)ns / 1e9);
	else if (ns >= UINT64_C(1000000))
		snprintf(buf, len, "%.*f ms", decimals, (double)ns / 1e6);
	else
		snprintf(buf, len, "%.*f µs", decimals, (double)ns / 1e3);
}

void lbs_ns_text(char *buf, size_t len, uint64_t ns)
{
	lbs_duration_text(buf, len, ns, 2);
}

void lbs_scaled_text(char *buf, size_t len, uint64_t v, double scale, int decimals)
{
	snprintf(buf, len, "%.*f", decimals, (double)v / scale);
}
