/* SPDX-License-Identifier: MIT */
/* Numbers as lbsim's headings, tables and report show them; each format once. */
#ifndef LBS_FORMAT_H
#define LBS_FORMAT_H

#include <stddef.h>
#include <stdint.h>

/* What a number is, for the formats that pick its unit. */
enum lbs_unit {
	LBS_UNIT_PLAIN,
	LBS_UNIT_NS,     /* nanoseconds: ns, µs, ms, s */
	LBS_UNIT_BYTES,  /* bytes: B, KiB, MiB, GiB, TiB */
	LBS_UNIT_COUNT   /* a count: 12, 1.2 k, 3.4 M, 5.6 G */
};

/* One unit: what it divides by and its suffix, space included (" MiB"). */
struct lbs_unit_step {
	double div;
	const char *suffix;
};

/* u's largest unit that m reaches (its smallest when m reaches none); the
 * larger ones follow it, up to one whose suffix is NULL. */
const struct lbs_unit_step *lbs_unit_for(enum lbs_unit u, double m);

/* A measured size, in the largest unit it reaches, one decimal: "8.1 GiB",
 * "512 B". */
void lbs_bytes_text(char *buf, size_t len, uint64_t bytes);

/* A size someone set, exactly, in the largest unit that divides it:
 * "16 GiB", "3000 MiB", "0 B". */
void lbs_size_text(char *buf, size_t len, uint64_t bytes);

/* A duration in s, ms or µs, whichever it reaches, with that many
 * decimals: "3.69 ms"; lbs_ns_text with two. */
void lbs_duration_text(char *buf, size_t len, uint64_t ns, int decimals);
void lbs_ns_text(char *buf, size_t len, uint64_t ns);

/* v / scale with that many decimals: a table's MiB, s, ms or µs figure. */
void lbs_scaled_text(char *buf, size_t len, uint64_t v, double scale, int decimals);

/* A figure for prose (the report's sentences and bars): three significant
 * digits in the unit that fits, "9.03 GiB", "5.36 ms", "850 ns", "2.58 k",
 * "16"; 999.7 ms reads "1.00 s"; 0 "0 ms" for times, "0 B" for sizes; "n/a"
 * for a NaN or an infinity. */
void lbs_value_text(char *buf, size_t len, enum lbs_unit u, double v);

#define LBS_MIB (1024.0 * 1024.0)

#endif
