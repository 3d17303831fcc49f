/* SPDX-License-Identifier: MIT */
/* The reader targets' hooks and checks (fz_reader.h). */
#include "fz_reader.h"

#include <stdio.h>
#include <stdlib.h>

static void (*fail_handler)(void);
static uint64_t inputs;

void fz_set_fail_handler(void (*fn)(void))
{
	fail_handler = fn;
}

void fz_set_trace(int on)
{
	(void)on; /* one call an input: nothing to trace */
}

void fz_counts(uint64_t *in, uint64_t *ops)
{
	*in = inputs;
	*ops = inputs;
}

void fz_reset(void)
{
}

void fzr_count(void)
{
	inputs++;
}

void fzr_fail(const char *what, const char *detail)
{
	fprintf(stderr, "lbfuzz: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
	if (fail_handler)
		fail_handler(); /* longjmps */
	abort();
}

bool fzr_printable(const char *msg)
{
	if (!msg || !*msg)
		return false;
	for (const unsigned char *p = (const unsigned char *)msg; *p; p++)
		if ((*p < 0x20 && *p != '\t') || *p >= 0x7f) /* a tab moves no terminal state */
			return false;
	return true;
}
