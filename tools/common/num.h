/* SPDX-License-Identifier: MIT */
/* Sizes and numbers as the tools' options write them. */
#ifndef LBS_COMMON_NUM_H
#define LBS_COMMON_NUM_H

#include <stddef.h>
#include <stdint.h>

/*
 * A size in bytes: decimal digits, optionally followed by a binary suffix
 * K, M, G or T (either case, optionally followed by "iB" or "B"):
 * "4096", "640K", "16G", "2MiB". Returns 0, or -1 for anything else
 * (empty, sign, spaces, fractions, unknown suffix, overflow).
 */
int lbs_parse_size(const char *s, uint64_t *out);

/* A plain decimal number (or 0x-prefixed hex). 0, or -1. */
int lbs_parse_u64(const char *s, uint64_t *out);

/* bytes as an option would write it: "16G", "640K", "4097". */
void lbs_size_short(char *buf, size_t len, uint64_t bytes);

#endif
