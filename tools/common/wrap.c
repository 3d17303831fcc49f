/* SPDX-License-Identifier: MIT */
#include "wrap.h"

#include <string.h>

void lbtools_wrap(FILE *f, int col, const char *text, int indent, int width)
{
	for (const char *w = text; *w;) {
		size_t wl = strcspn(w, " ");

		if (col > indent && col + 1 + (int)wl > width) {
			fputc('\n', f);
			col = 0;
		}
		if (col < indent) {
			fprintf(f, "%*s", indent - col, "");
			col = indent;
		} else {
			fputc(' ', f);
			col++;
		}
		for (size_t k = 0; k < wl; k++)
			fputc(w[k] == '~' ? ' ' : w[k], f);
		col += (int)wl;
		w += wl;
		while (*w == ' ')
			w++;
	}
	fputc('\n', f);
}
