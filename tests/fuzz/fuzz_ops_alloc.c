/* SPDX-License-Identifier: MIT */
/*
 * The fuzz target's operations on blocks: allocations (from the zone or a
 * cache, one or a burst), frees of held blocks, frees the model does not
 * hold (refused, nothing changed) and the caches' life cycle.
 */
#include "fz_internal.h"

/* One allocation; false when it failed. */
static bool alloc_one(unsigned order, unsigned flags, bool bad_flags, struct lb_cache *c)
{
	bool nowait = flags & LB_ALLOC_NOWAIT;
	struct lb_stats st0, st1;
	struct rec_count r0 = S.rec.c;
	uint64_t addr = 0, fails, dacc;
	int rc;

	TRACE("alloc%s order %u flags 0x%x\n", c ? " (cache)" : "", order, flags);
	stats(&st0);
	rc = c ? lb_cache_alloc(c, order, flags, &addr) : lb_alloc(S.z, order, flags, &addr);
	stats(&st1);
	TRACE("  -> %d 0x%llx\n", rc, ULL(addr));
	fails = S.rec.c.accept_fail - r0.accept_fail;
	dacc = S.rec.c.accept_ok_pages - r0.accept_ok_pages;
	if (bad_flags || order > LB_MAX_ORDER) {
		REQUIRE(rc == (bad_flags ? LB_EINVAL : LB_EORDER), "alloc order %u flags 0x%x: %d",
			order, flags, rc);
		REQUIRE(!memcmp(&st0, &st1, sizeof st0), "refused alloc changed the zone");
		return false;
	}
	REQUIRE(!FZ_CHECK_FAILURE_CONTAINED || fails <= fz_failed_bound(FZ_BLOCK_PAGES),
		"alloc order %u: %llu failed accepts in one call", order, ULL(fails));
	if (nowait)
		REQUIRE(S.rec.c.accept_calls == r0.accept_calls, "NOWAIT alloc called the backend");
	if (rc == 0) {
		take(addr, order, c ? "lb_cache_alloc" : "lb_alloc");
		if (fails)
			return true;
		/* Accepted memory first: no accept when a free accepted block fit
		 * (linux tops up to its watermark on any allocation). */
		for (unsigned o = order; o <= LB_MAX_ORDER && S.policy != LB_POLICY_LINUX; o++)
			REQUIRE(!st0.free_blocks[0][o] || !dacc, "alloc order %u accepted %llu pages "
				"with a free accepted block of order %u", order, ULL(dacc), o);
		/* exact, and adaptive on demand: never more than the block (less
		 * on a run that is part accepted); unit: never more than the
		 * block or its unit. */
		if (S.policy == LB_POLICY_EXACT || S.policy == LB_POLICY_ADAPTIVE)
			REQUIRE(dacc <= UINT64_C(1) << order,
				"%s: alloc of order %u accepted %llu pages",
				lb_policy_name((enum lb_policy)S.policy), order, ULL(dacc));
		if (S.policy == LB_POLICY_UNIT)
			REQUIRE(dacc <= (S.unit_pages > UINT64_C(1) << order ? S.unit_pages
									: UINT64_C(1) << order),
				"unit: alloc of order %u accepted %llu pages", order, ULL(dacc));
		return true;
	}
	{
		bool ok = rc == LB_ENOMEM || (rc == LB_EAGAIN && nowait) ||
			  (rc == LB_EBACKEND && fails);

		REQUIRE(ok, "alloc order %u flags 0x%x: unexpected %d (%s)", order, flags, rc,
			lb_strerror(rc));
	}
	/* counted: the answers that say memory was short, not LB_EBACKEND */
	REQUIRE(st1.alloc_failures == st0.alloc_failures + (rc != LB_EBACKEND),
		"a failed alloc (%d) counted %llu", rc,
		ULL(st1.alloc_failures - st0.alloc_failures));
	state_map(S.map_scratch);
	REQUIRE(!free_run(S.map_scratch, order, FA),
		"alloc order %u flags 0x%x failed (%d) with free accepted pages that fit", order,
		flags, rc);
	if (rc == LB_ENOMEM && !nowait) {
		REQUIRE(!free_run(S.map_scratch, order, FU),
			"alloc order %u: LB_ENOMEM with a free unaccepted run that fits", order);
		REQUIRE(!FZ_CHECK_ENOMEM_MIXED_RUN || !free_run(S.map_scratch, order, FA | FU),
			"alloc order %u: LB_ENOMEM with a free run of accepted and unaccepted pages",
			order);
	}
	/* NOWAIT: LB_EAGAIN only where accepting would serve it. */
	if (FZ_CHECK_ENOMEM_MIXED_RUN && nowait)
		REQUIRE((rc == LB_EAGAIN) == free_run(S.map_scratch, order, FA | FU),
			"NOWAIT alloc order %u: %d, yet a free run to accept %s", order, rc,
			rc == LB_EAGAIN ? "is not there" : "is there");
	return false;
}

/* An allocation, or a burst of them (until the first failure). */
void op_alloc(struct in *in, bool cached, bool burst)
{
	unsigned a = u8(in), b = u8(in), rep = burst ? 1 + u8(in) % 128 : 1;
	unsigned order = a % 12, flags = b & 3; /* order 11: LB_EORDER */
	bool bad_flags = (b & 0xc0) == 0xc0;
	struct lb_cache *c = cached ? pick_cache(b >> 2) : NULL;

	if (bad_flags)
		flags |= 4u << (b >> 2 & 3);
	while (rep-- && alloc_one(order, flags, bad_flags, c))
		;
}

static void free_one(size_t k, struct lb_cache *c)
{
	struct blk b = S.held[k];
	struct lb_stats st0, st1;
	int rc;

	TRACE("free%s 0x%llx order %u\n", c ? " (cache)" : "", ULL(b.addr), b.order);
	stats(&st0);
	rc = c ? lb_cache_free(c, b.addr, b.order) : lb_free(S.z, b.addr, b.order);
	REQUIRE(rc == 0, "free of held block 0x%llx order %u: %d (%s)", ULL(b.addr), b.order,
		rc, lb_strerror(rc));
	drop(k);
	stats(&st1);
	REQUIRE(st1.frees == st0.frees + 1, "a free counted %llu", ULL(st1.frees - st0.frees));
	if (!c && !S.cfg.cpus) /* else the block may stay in a cache or a CPU list */
		REQUIRE(lb_zone_page_state(S.z, b.addr) == LB_PAGE_FREE_ACCEPTED,
			"freed block 0x%llx is not free accepted", ULL(b.addr));
}

/* A free of a held block, or a burst of them. */
void op_free(struct in *in, bool burst)
{
	unsigned k = u16(in), route = u8(in), rep = burst ? 1 + u8(in) % 128 : 1;
	struct lb_cache *c = route & 1 ? pick_cache(route >> 1) : NULL;

	while (rep-- && S.nheld) {
		free_one(k % S.nheld, c);
		k = k * 7 + 3;
	}
}

/* A free the model does not hold: refused, nothing changed. */
void op_bad_free(struct in *in)
{
	unsigned kind = u8(in), x = u8(in), y = u16(in);
	struct lb_cache *c = kind & 0x80 ? pick_cache(kind >> 4) : NULL;
	uint64_t addr = S.base;
	unsigned order = x % (LB_MAX_ORDER + 1);
	int want = 0, rc, ps0 = 0, ps1 = 0;
	struct lb_stats st0, st1;
	struct rec_count r0 = S.rec.c;

	switch (kind % 7) {
	case 0: /* a recent double free */
		if (S.nfreed) {
			struct blk b = S.freed[(S.nfreed - 1 - y % NFREED) % NFREED];

			if (y % NFREED >= S.nfreed) /* the ring is not full yet */
				b = S.freed[(S.nfreed - 1) % NFREED];
			addr = b.addr;
			order = b.order;
		}
		break;
	case 1: /* a held block at another order */
		if (S.nheld) {
			struct blk b = S.held[y % S.nheld];

			addr = b.addr;
			order = (b.order + 1 + x % LB_MAX_ORDER) % (LB_MAX_ORDER + 1);
		}
		break;
	case 2: /* inside a held block */
		if (S.nheld) {
			struct blk b = S.held[y % S.nheld];

			if (b.order)
				addr = b.addr + (1 + x % ((UINT64_C(1) << b.order) - 1)) * PG;
			order = 0;
		}
		break;
	case 3: /* anywhere in the span */
		addr = S.base + (uint64_t)y % S.npages * PG;
		break;
	case 4: /* outside it */
		want = LB_ERANGE;
		order = 0;
		addr = x & 1 && S.base >= (1 + (uint64_t)y) * PG ? S.base - (1 + (uint64_t)y) * PG
								 : S.base + (S.npages + y) * PG;
		break;
	case 5: /* not page-aligned */
		want = LB_EALIGN;
		addr = S.base + (uint64_t)y % S.npages * PG + 1 + x % (PG - 1);
		order = 0;
		break;
	default: /* order above the maximum */
		want = LB_EORDER;
		order = LB_MAX_ORDER + 1 + x;
		break;
	}
	for (size_t i = 0; i < S.nheld; i++)
		if (S.held[i].addr == addr && S.held[i].order == order)
			return; /* that one is a valid free */
	TRACE("bad free%s 0x%llx order %u\n", c ? " (cache)" : "", ULL(addr), order);
	stats(&st0);
	if (in_span(addr))
		ps0 = lb_zone_page_state(S.z, addr & ~(PG - 1));
	rc = c ? lb_cache_free(c, addr, order) : lb_free(S.z, addr, order);
	if (want)
		REQUIRE(rc == want, "bad free 0x%llx order %u: %d, expected %d", ULL(addr), order,
			rc, want);
	else
		REQUIRE(rc == LB_EDOUBLEFREE || rc == LB_ENOTALLOC || rc == LB_EALIGN,
			"free of unheld 0x%llx order %u: %d (%s)", ULL(addr), order, rc,
			lb_strerror(rc));
	if (!want && (ps0 == LB_PAGE_FREE_ACCEPTED || ps0 == LB_PAGE_FREE_UNACCEPTED) &&
	    !(addr % PG) &&
	    rc != LB_EALIGN && lb_zone_page_state(S.z, addr) == ps0 && S.managed_map[pidx(addr)] &&
	    !bit_test(S.z->pristine, pidx(addr) / SEC))
		REQUIRE(rc == LB_EDOUBLEFREE, "free of free block 0x%llx order %u: %d", ULL(addr),
			order, rc);
	stats(&st1);
	REQUIRE(!memcmp(&st0, &st1, sizeof st0), "refused free 0x%llx order %u changed the "
		"statistics", ULL(addr), order);
	REQUIRE(!memcmp(&r0, &S.rec.c, sizeof r0), "refused free called the backend");
	if (in_span(addr)) {
		ps1 = lb_zone_page_state(S.z, addr & ~(PG - 1));
		REQUIRE(ps0 == ps1, "refused free changed page 0x%llx from %d to %d", ULL(addr),
			ps0, ps1);
	}
}

void op_cache(struct in *in)
{
	unsigned sel = u8(in), s = (sel >> 3) % NCACHE, what = (sel & 7) % 6;
	struct lb_stats st0, st1;
	struct lb_cache *c = NULL;
	int rc;

	stats(&st0);
	switch (what) {
	case 0: /* init */
		if (S.live[s] && !FZ_CHECK_CACHE_REINIT)
			return;
		TRACE("cache %u init%s\n", s, S.live[s] ? " (live)" : "");
		if (!S.live[s])
			memset(cache_mem[s], 0x5a ^ (int)sel, lb_cache_size()); /* garbage */
		rc = lb_cache_init(&c, S.z, cache_mem[s], lb_cache_size());
		if (S.live[s]) {
			REQUIRE(rc != 0 || c == S.cache[s], "re-init of a live cache: %d", rc);
			break;
		}
		REQUIRE(rc == 0 && c, "lb_cache_init: %d", rc);
		S.cache[s] = c;
		S.live[s] = true;
		break;
	case 1: /* init with bad arguments */
		TRACE("cache init, bad arguments\n");
		REQUIRE(lb_cache_init(NULL, S.z, cache_mem[s], lb_cache_size()) == LB_EINVAL,
			"lb_cache_init(NULL out)");
		REQUIRE(lb_cache_init(&c, NULL, cache_mem[s], lb_cache_size()) == LB_EINVAL,
			"lb_cache_init(NULL zone)");
		REQUIRE(lb_cache_init(&c, S.z, NULL, lb_cache_size()) == LB_EINVAL,
			"lb_cache_init(NULL mem)");
		if (!S.live[s]) {
			REQUIRE(lb_cache_init(&c, S.z, cache_mem[s], lb_cache_size() - 1) ==
					LB_ENOSPACE, "lb_cache_init(short)");
			REQUIRE(lb_cache_init(&c, S.z, (char *)cache_mem[s] + 8, lb_cache_size()) ==
					LB_ENOSPACE, "lb_cache_init(misaligned)");
		}
		break;
	case 2: /* drain */
		TRACE("cache %u drain%s\n", s, S.live[s] ? "" : " (dead)");
		lb_cache_drain(S.live[s] ? S.cache[s] : (struct lb_cache *)cache_mem[s]);
		break;
	case 3: /* fini */
		TRACE("cache %u fini%s\n", s, S.live[s] ? "" : " (dead)");
		lb_cache_fini(S.live[s] ? S.cache[s] : (struct lb_cache *)cache_mem[s]);
		S.live[s] = false;
		break;
	default: { /* a cache that is not live refuses everything */
		uint64_t addr = 0;

		if (S.live[s])
			return;
		TRACE("cache %u (dead) alloc and free\n", s);
		c = cache_mem[s];
		REQUIRE(lb_cache_alloc(c, sel >> 5, 0, &addr) == LB_EINVAL, "dead cache alloc");
		REQUIRE(lb_cache_free(c, S.nheld ? S.held[0].addr : S.base, 0) == LB_EINVAL,
			"dead cache free");
		REQUIRE(lb_cache_alloc(NULL, 0, 0, &addr) == LB_EINVAL, "NULL cache alloc");
		REQUIRE(lb_cache_free(NULL, S.base, 0) == LB_EINVAL, "NULL cache free");
		lb_cache_drain(NULL);
		lb_cache_fini(NULL);
		stats(&st1);
		REQUIRE(!memcmp(&st0, &st1, sizeof st0), "dead cache calls changed the zone");
		return;
	}
	}
	stats(&st1);
	/* Caches move blocks between the zone's free lists and themselves. */
	REQUIRE(st1.allocated_pages == st0.allocated_pages && st1.accept_calls == st0.accept_calls,
		"cache op %u changed allocated or accepted memory", what);
	if (what == 2 || what == 3)
		REQUIRE(st1.cached_pages <= st0.cached_pages &&
			st1.free_accepted_pages - st0.free_accepted_pages ==
				st0.cached_pages - st1.cached_pages,
			"drain: cached %llu -> %llu, free accepted %llu -> %llu",
			ULL(st0.cached_pages), ULL(st1.cached_pages), ULL(st0.free_accepted_pages),
			ULL(st1.free_accepted_pages));
}
