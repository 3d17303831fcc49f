/* SPDX-License-Identifier: MIT */
/* Numbers as lbsim's headings and tables show them; each format once. */
#ifndef LBS_FORMAT_H
#define LBS_FORMAT_H

#include <stddef.h>
#include <stdint.h>

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

#define LBS_MIB (1024.0 * 1024.0)

#endif
