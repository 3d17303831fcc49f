/* SPDX-License-Identifier: MIT */
/*
 * Help text for the tools' --help: words wrapped into a column, so that
 * each option's text can live beside its name in one table.
 */
#ifndef LBTOOLS_WRAP_H
#define LBTOOLS_WRAP_H

#include <stdio.h>

/* Print text's words from column col (what the line holds already), each
 * line's text starting at column indent and ending by column width, then
 * a newline. A '~' prints as a space that does not break a line. */
void lbtools_wrap(FILE *f, int col, const char *text, int indent, int width);

#endif
