/* SPDX-License-Identifier: MIT */
#include "series.h"

#include <string.h>

void lbs_series_init(struct lbs_series *s)
{
	memset(s, 0, sizeof *s);
	s->width = LBS_SERIES_WIDTH0;
	while ((UINT64_C(1) << s->shift) < s->width)
		s->shift++;
}

static void grow_to(struct lbs_series *s, uint64_t t)
{
	/* Shifts, not divisions: this runs for every allocation. */
	while ((t >> s->shift) >= LBS_SERIES_N && s->width <= UINT64_MAX / 2u) {
		for (unsigned k = 0; k < LBS_S_NKINDS; k++) {
			for (unsigned i = 0; i < LBS_SERIES_N / 2u; i++)
				s->v[k][i] = s->v[k][2u * i] + s->v[k][2u * i + 1u];
			memset(&s->v[k][LBS_SERIES_N / 2u], 0,
			       LBS_SERIES_N / 2u * sizeof s->v[k][0]);
		}
		s->width *= 2u;
		s->shift++;
	}
	if (t > s->end)
		s->end = t;
}

void lbs_series_add(struct lbs_series *s, enum lbs_series_kind k, uint64_t t, int64_t v)
{
	uint64_t i;

	grow_to(s, t);
	i = t >> s->shift;
	if (i >= LBS_SERIES_N) /* only past 2^63 ns */
		i = LBS_SERIES_N - 1u;
	s->v[k][i] += v;
}

void lbs_series_extend(struct lbs_series *s, uint64_t t)
{
	grow_to(s, t);
}

unsigned lbs_series_used(const struct lbs_series *s)
{
	uint64_t i = s->end / s->width + 1u;
	return i > LBS_SERIES_N ? LBS_SERIES_N : (unsigned)i;
}
