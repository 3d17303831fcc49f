/* SPDX-License-Identifier: MIT */
/* Files lbsim finds relative to its own executable (build/lbsim, or
 * PREFIX/bin/lbsim after make install). */
#ifndef LBS_PATHS_H
#define LBS_PATHS_H

#include <stddef.h>

/* The directory holding the running executable. 0, or -1. */
int lbs_exe_dir(char *buf, size_t len);

/*
 * The file named by environment variable env if that is set (even if it
 * does not exist: the caller reports it), else the first of rel[0..n)
 * (relative to the executable's directory) that exists. 0 with buf filled,
 * or -1 when none exists.
 */
int lbs_find_file(const char *env, const char *const *rel, size_t n, char *buf, size_t len);

/* path for people: without "dir/../" detours, relative to the current
 * directory when inside it. */
void lbs_display_path(const char *path, char *buf, size_t len);

/* data/traces/default.txt.zst (or $LBSIM_TRACE); installed, in
 * PREFIX/share/lazybuddy. */
int lbs_default_trace(char *buf, size_t len);

/* tools/record/lbsim-record.sh (or $LBSIM_RECORD); installed, in
 * PREFIX/share/lazybuddy. */
int lbs_record_script(char *buf, size_t len);

#endif
