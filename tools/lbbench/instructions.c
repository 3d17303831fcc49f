/* SPDX-License-Identifier: MIT */
/*
 * The library's order-0 paths as instructions, not time: a million rounds
 * of free then allocate over 4096 live pages of a 1 GiB accepted zone
 * (the null backend), through lb_alloc()/lb_free() on a zone without CPU
 * lists ("zone") or through an lb_cache ("cache"). Run under callgrind by
 * instructions.sh, which builds it against each library it is given: a
 * count does not move with the machine's noise, as times do.
 */
#include <lazybuddy.h>
#include <lazybuddy_backends.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LIVE 4096
#define ROUNDS 1000000

static uint64_t next(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

int main(int argc, char **argv)
{
	static uint64_t page[LIVE];
	struct lb_range r = { 0, UINT64_C(1) << 30, LB_MEM_ACCEPTED };
	struct lb_config cfg = { .ranges = &r, .nranges = 1, .policy = LB_POLICY_EAGER };
	struct lb_null_backend nb;
	struct lb_zone *z;
	struct lb_cache *c = NULL;
	size_t size;
	void *meta, *cmem;
	uint64_t s = 1;
	int cache = argc == 2 && strcmp(argv[1], "cache") == 0;

	if (argc != 2 || (!cache && strcmp(argv[1], "zone") != 0)) {
		fprintf(stderr, "usage: instructions zone|cache\n");
		return 2;
	}
	lb_null_backend_init(&nb, &cfg.backend);
	if (lb_zone_meta_size(&cfg, &size) || !(meta = aligned_alloc(64, (size + 63) & ~(size_t)63)) ||
	    lb_zone_init(&z, meta, size, &cfg))
		return 1;
	cmem = aligned_alloc(64, (lb_cache_size() + 63) & ~(size_t)63);
	if (cache && (!cmem || lb_cache_init(&c, z, cmem, lb_cache_size())))
		return 1;
	for (int i = 0; i < LIVE; i++)
		if (c ? lb_cache_alloc(c, 0, 0, &page[i]) : lb_alloc(z, 0, 0, &page[i]))
			return 1;
	for (int k = 0; k < ROUNDS; k++) {
		int j = (int)(next(&s) % LIVE);

		if (c ? lb_cache_free(c, page[j], 0) : lb_free(z, page[j], 0))
			return 1;
		if (c ? lb_cache_alloc(c, 0, 0, &page[j]) : lb_alloc(z, 0, 0, &page[j]))
			return 1;
	}
	return 0;
}
