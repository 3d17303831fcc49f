/* SPDX-License-Identifier: MIT */
/*
 * `lbsim record [-o FILE] [...] -- COMMAND [ARG...]`: record a page-allocator
 * trace of COMMAND with tools/record/lbsim-record.sh (found beside the
 * executable, or at $LBSIM_RECORD), whose options and messages pass through.
 */
#ifndef LBS_RECORD_H
#define LBS_RECORD_H

/* argv[0] is "record". Returns only on failure, with the exit status. */
int lbs_record_main(int argc, char **argv);

#endif
