/* SPDX-License-Identifier: MIT */
/*
 * The fuzz target's set-up and tear-down: the zone from the input's header
 * (the memory map, unit, policy, flags, watermarks, the backend chain and
 * its failure patterns), the configurations lb_zone_meta_size() and
 * lb_zone_init() must refuse, and the final free of everything held.
 */
#include "fz_internal.h"

#include <stdlib.h>

static uint64_t size_pages(unsigned s)
{
	switch (s >> 6) {
	case 0: /* a few pages: below any unit */
		return 1 + (s & 63);
	case 1: /* 256 KiB steps, some off by 3 pages */
		return 64 * (1 + (uint64_t)(s & 15)) + (s & 16 ? 3 : 0);
	case 2: /* whole 2 MiB units */
		return 512 * (1 + (uint64_t)(s & 7));
	default: /* sections, some with a ragged end */
		return SEC * (1 + (uint64_t)(s & 3)) + (uint64_t)(s >> 2 & 15) * 16;
	}
}

static uint64_t gap_pages(unsigned g)
{
	switch (g >> 6) {
	case 0:
		return 0;
	case 1:
		return 1 + (g & 63);
	case 2:
		return 512 * (1 + (uint64_t)(g & 1));
	default:
		return (uint64_t)(g & 15) * 16;
	}
}

/* Configurations lb_zone_meta_size() and lb_zone_init() must refuse. */
static void bad_configs(unsigned sel, size_t meta_size)
{
	struct lb_range r[MAX_RANGES + 1];
	struct lb_config cfg = S.cfg;
	size_t size;
	int want, rc;

	memcpy(r, S.map, S.nmap * sizeof r[0]);
	cfg.ranges = r;
	switch (sel % 9) {
	case 0:
		r[S.nmap] = r[0]; /* overlaps itself */
		cfg.nranges = S.nmap + 1;
		want = LB_EOVERLAP;
		break;
	case 1:
		r[0].start += 8;
		want = LB_EALIGN;
		break;
	case 2:
		r[0].size = 0;
		want = LB_EINVAL;
		break;
	case 3:
		r[0].start = UINT64_MAX & ~(PG - 1);
		r[0].size = 2 * PG; /* wraps */
		want = LB_ERANGE;
		break;
	case 4:
		cfg.unit = sel & 0x10 ? 3 * PG : 8 << 20;
		want = LB_EUNIT;
		break;
	case 5:
		if (sel & 0x10)
			cfg.policy = LB_POLICY_COUNT;
		else
			cfg.flags |= 0x100;
		want = LB_EINVAL;
		break;
	case 6:
		cfg.flags |= LB_CFG_WMARK;
		cfg.wmark = (struct lb_watermarks){ 2, 1, 3, 4 };
		want = LB_EINVAL;
		break;
	case 7:
		if (sel & 0x10) {
			cfg.nranges = 0;
			want = LB_EEMPTY;
		} else {
			cfg.ranges = NULL;
			want = LB_EINVAL;
		}
		break;
	default:
		cfg.backend.ops = NULL;
		want = LB_EINVAL;
		break;
	}
	TRACE("bad config %u: expect %d\n", sel % 9, want);
	rc = lb_zone_meta_size(&cfg, &size);
	REQUIRE(rc == want, "meta_size of bad config %u: %d, expected %d", sel % 9, rc, want);
	rc = lb_zone_init(&S.z, S.meta, meta_size, &cfg);
	REQUIRE(rc == want, "init of bad config %u: %d, expected %d", sel % 9, rc, want);
	/* A good config in a short or misaligned buffer. */
	REQUIRE(lb_zone_init(&S.z, S.meta, meta_size - 1, &S.cfg) == LB_ENOSPACE,
		"init in a short buffer");
	REQUIRE(lb_zone_init(&S.z, (char *)S.meta + 8, meta_size, &S.cfg) == LB_ENOSPACE,
		"init in a misaligned buffer");
	S.z = NULL;
}

bool setup(struct in *in)
{
	unsigned h0 = u8(in), h1 = u8(in), h2 = u8(in), h3 = u8(in), h4 = u8(in), h5 = u8(in);
	unsigned flags = LB_CFG_SHADOW, nr = 1 + (h5 & 7) % MAX_RANGES, rot;
	uint64_t base_pages = (h5 >> 3 & 3) * SEC + (h5 & 0x20 ? UINT64_C(1) << 18 : 0);
	uint64_t cur = base_pages, lo = UINT64_MAX, hi = 0;
	struct lb_range tmp[MAX_RANGES];
	struct lb_backend inner = { 0 };
	struct lb_stats st;
	size_t size;
	int rc;

	S.policy = (int)((h0 & 0x3f) % LB_POLICY_COUNT);
	flags |= h0 & 0x40 ? LB_CFG_SETUP_LATER : 0;
	flags |= h0 & 0x80 ? LB_CFG_WMARK : 0;

	/* The map: ranges in address order with gaps, then rotated. */
	for (unsigned i = 0; i < nr; i++) {
		uint64_t gap = gap_pages(u8(in)), sz = size_pages(u8(in));
		unsigned t = u8(in) % 4;

		if (cur + gap + sz > base_pages + MAX_SPAN_PAGES)
			break;
		S.map[S.nmap++] = (struct lb_range){ (cur + gap) * PG, sz * PG,
						     t == 0 ? LB_MEM_ACCEPTED
						     : t == 3 ? LB_MEM_RESERVED
							      : LB_MEM_UNACCEPTED };
		cur += gap + sz;
	}
	rot = S.nmap ? (h5 >> 6) % S.nmap : 0;
	for (size_t i = 0; i < S.nmap; i++)
		tmp[i] = S.map[(i + rot) % S.nmap];
	memcpy(S.map, tmp, S.nmap * sizeof tmp[0]);
	for (size_t i = 0; i < S.nmap; i++) {
		if (S.map[i].type == LB_MEM_RESERVED)
			continue;
		lo = S.map[i].start < lo ? S.map[i].start : lo;
		hi = S.map[i].start + S.map[i].size > hi ? S.map[i].start + S.map[i].size : hi;
		S.managed += S.map[i].size / PG;
	}

	S.cfg.ranges = S.map;
	S.cfg.nranges = S.nmap;
	S.cfg.unit = h1 % 12 == 11 ? 0 : PG << (h1 % 12); /* 0: the default */
	S.unit_pages = S.cfg.unit ? S.cfg.unit / PG : LB_UNIT_DEFAULT / PG;
	S.cfg.policy = (enum lb_policy)S.policy;
	S.cfg.flags = flags;
	S.cfg.cpus = (h1 / 12) & 1 ? 2 : 0; /* lb_alloc() and lb_free() through CPU lists */
	if (flags & LB_CFG_WMARK) {
		struct lb_watermarks *w = &S.cfg.wmark;

		w->min = u8(in);
		w->low = w->min + u8(in);
		w->high = w->low + u8(in);
		w->promo = w->high + u8(in);
#if FZ_CHECK_WMARK_EXTREMES
		if (h4 & 0x40)
			*w = (struct lb_watermarks){ UINT64_MAX, UINT64_MAX, UINT64_MAX, UINT64_MAX };
#endif
	}
	TRACE("zone: policy %s unit %llu flags 0x%x cpus %u backend mode %u patterns 0x%x/0x%x\n",
	      lb_policy_name((enum lb_policy)S.policy), ULL(S.unit_pages * PG), flags, S.cfg.cpus,
	      h2 & 3, h3, h4);
	for (size_t i = 0; i < S.nmap; i++)
		TRACE("  range [0x%llx, 0x%llx) %s\n", ULL(S.map[i].start),
		      ULL(S.map[i].start + S.map[i].size),
		      S.map[i].type == LB_MEM_ACCEPTED	 ? "accepted"
		      : S.map[i].type == LB_MEM_RESERVED ? "reserved"
							 : "unaccepted");

	/* The recording backend over the span; firmware-accepted pages are
	 * accepted from the start. */
	S.rec.accept_fail_pat = h3 & 0x80 ? h3 : 0;
	S.rec.release_fail_pat = h4 & 0x80 ? h4 : 0;
	switch (h2 & 3) {
	case 1: /* the fault backend over null, failing every n-th call */
		lb_null_backend_init(&S.null, &inner);
		lb_fault_backend_init(&S.fault, inner, &S.rec.inner);
		S.fault.fail_every = h2 >> 2 & 7;
		break;
	case 2: { /* the fault backend over the tdx model, failing one address */
		struct lb_model_params p;

		lb_model_preset("tdx", &p);
		lb_model_backend_init(&S.model, &p, &inner);
		lb_fault_backend_init(&S.fault, inner, &S.rec.inner);
		break;
	}
	default:
		break;
	}
	S.cfg.backend.ops = (h2 & 3) == 3 ? &rec_ops_norelease : &rec_ops;
	S.cfg.backend.ctx = &S.rec;

	if (!S.managed) {
		rc = lb_zone_meta_size(&S.cfg, &size);
		REQUIRE(rc == LB_EEMPTY, "a map with no managed memory: %d", rc);
		return false;
	}
	S.base = lo / PG / SEC * SEC * PG;
	S.npages = hi / PG - S.base / PG;
	S.rec.base = S.base;
	S.rec.npages = S.npages;
	for (size_t i = 0; i < S.nmap; i++) {
		uint64_t s = pidx(S.map[i].start), n = S.map[i].size / PG;

		if (S.map[i].type == LB_MEM_RESERVED)
			continue;
		memset(S.managed_map + s, 1, n);
		if (S.map[i].type == LB_MEM_ACCEPTED)
			bits_assign(S.rec.acc, s, n, 1);
	}
	if ((h2 & 3) == 2 && (h2 & 0x80))
		S.fault.fail_addr = S.base + (uint64_t)(h2 >> 2) * 97 % S.npages * PG;

	rc = lb_zone_meta_size(&S.cfg, &size);
	REQUIRE(rc == 0, "lb_zone_meta_size: %d", rc);
	REQUIRE(!posix_memalign(&S.meta, 64, size), "out of memory");
	memset(S.meta, 0xa5, size); /* the zone must not rely on zeroed metadata */
	if (h1 >= 0xf0)
		bad_configs(h1 >> 1 ^ h0, size);
	S.rec.zone = S.meta; /* where lb_zone_init() puts the zone */
	rc = lb_zone_init(&S.z, S.meta, size, &S.cfg);
	REQUIRE(rc == 0, "lb_zone_init: %d (%s)", rc, lb_strerror(rc));
	S.rel_min_order = 9;
	verify();
	stats(&st);
	if (S.policy == LB_POLICY_EAGER && !(flags & LB_CFG_SETUP_LATER) && !S.rec.c.accept_fail)
		REQUIRE(!st.free_unaccepted_pages, "eager set-up left %llu pages unaccepted",
			ULL(st.free_unaccepted_pages));
	REQUIRE(st.setup_accepted_pages == st.accepted_pages,
		"set-up accepted %llu pages, counted %llu as set-up", ULL(st.accepted_pages),
		ULL(st.setup_accepted_pages));
	return true;
}

/* Give everything back; the zone must be whole again. */
void finish(void)
{
	struct lb_stats st;

	TRACE("finish: %zu blocks held\n", S.nheld);
	for (unsigned s = 0; s < NCACHE; s++)
		if (S.live[s]) {
			lb_cache_fini(S.cache[s]);
			S.live[s] = false;
		}
	verify();
	while (S.nheld) {
		struct blk b = S.held[S.nheld - 1];
		int rc = lb_free(S.z, b.addr, b.order);

		REQUIRE(rc == 0, "final free of 0x%llx order %u: %d", ULL(b.addr), b.order, rc);
		drop(S.nheld - 1);
	}
	REQUIRE(lb_zone_drain_lists(S.z) >= 0, "drain of the CPU lists");
	verify();
	sweep();
	stats(&st);
	REQUIRE(!st.allocated_pages && !st.cached_pages &&
			st.free_accepted_pages + st.free_unaccepted_pages + st.quarantined_pages ==
				S.managed,
		"after everything was freed: allocated %llu cached %llu", ULL(st.allocated_pages),
		ULL(st.cached_pages));
	lb_zone_fini(S.z);
	S.z = NULL;
	free(S.meta);
	S.meta = NULL;
}
