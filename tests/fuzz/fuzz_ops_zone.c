/* SPDX-License-Identifier: MIT */
/*
 * The fuzz target's operations on the zone as a whole: accepting ahead,
 * set-up acceptance, the policy, the watermarks, the acceptor's and the
 * releaser's steps on the virtual clock, the page-state and meminfo
 * queries, calls with bad arguments, and the backend's failure knobs.
 */
#include "fz_internal.h"

#include <stdlib.h>

static uint64_t round_pages(uint64_t bytes)
{
	return bytes / PG + !!(bytes % PG);
}

static uint64_t sat_add(uint64_t a, uint64_t b)
{
	return a + b < a ? UINT64_MAX : a + b;
}

static uint64_t pick_bytes(unsigned sel)
{
	if (sel < 16)
		return 0;
	if (sel < 96)
		return (uint64_t)(sel - 15) * PG + (sel & 1 ? 123 : 0); /* odd sizes round up */
	if (sel < 200)
		return (uint64_t)(sel - 95) * 64 * PG;
	return (uint64_t)(sel - 199) * SEC * PG;
}

void op_accept(struct in *in)
{
	uint64_t max = pick_bytes(u8(in)), maxp = round_pages(max), pages, fails, dq;
	struct lb_stats st0, st1;
	struct rec_count r0 = S.rec.c;
	int64_t got;

	TRACE("zone accept %llu bytes\n", ULL(max));
	stats(&st0);
	got = lb_zone_accept(S.z, max);
	stats(&st1);
	TRACE("  -> %lld\n", (long long)got);
	fails = S.rec.c.accept_fail - r0.accept_fail;
	REQUIRE(!FZ_CHECK_FAILURE_CONTAINED || fails <= fz_failed_bound(FZ_RUN_PAGES),
		"lb_zone_accept: %llu failed calls", ULL(fails));
	if (got == LB_EBACKEND && fails)
		return;
	REQUIRE(got >= 0 && !(got % (int64_t)PG), "lb_zone_accept(%llu): %lld", ULL(max),
		(long long)got);
	pages = (uint64_t)got / PG;
	dq = st1.quarantined_pages - st0.quarantined_pages;
	REQUIRE(!max || pages <= maxp, "lb_zone_accept(%llu pages) accepted %llu", ULL(maxp),
		ULL(pages));
	REQUIRE(st0.free_unaccepted_pages - st1.free_unaccepted_pages == pages + dq,
		"lb_zone_accept: unaccepted %llu -> %llu, accepted %llu, quarantined %llu",
		ULL(st0.free_unaccepted_pages), ULL(st1.free_unaccepted_pages), ULL(pages), ULL(dq));
	if (!max && !fails)
		REQUIRE(!st1.free_unaccepted_pages, "lb_zone_accept(0) left %llu pages unaccepted",
			ULL(st1.free_unaccepted_pages));
	else if (!fails)
		REQUIRE(pages == (maxp < st0.free_unaccepted_pages ? maxp
								   : st0.free_unaccepted_pages),
			"lb_zone_accept(%llu pages) accepted %llu of %llu", ULL(maxp), ULL(pages),
			ULL(st0.free_unaccepted_pages));
}

void op_setup_accept(struct in *in)
{
	uint64_t max = pick_bytes(u8(in)), maxp = max ? round_pages(max) : SEC * 256, pages;
	uint64_t fails, dq;
	struct lb_stats st0, st1;
	struct rec_count r0 = S.rec.c;
	int64_t got;

	TRACE("setup accept %llu bytes\n", ULL(max));
	stats(&st0);
	got = lb_zone_setup_accept(S.z, max);
	stats(&st1);
	TRACE("  -> %lld\n", (long long)got);
	fails = S.rec.c.accept_fail - r0.accept_fail;
	dq = st1.quarantined_pages - st0.quarantined_pages;
	REQUIRE(!FZ_CHECK_FAILURE_CONTAINED || fails <= fz_failed_bound(FZ_RUN_PAGES),
		"lb_zone_setup_accept: %llu failed calls", ULL(fails));
	if (got == LB_EBACKEND && fails)
		return;
	REQUIRE(got >= 0 && !(got % (int64_t)PG), "lb_zone_setup_accept(%llu): %lld", ULL(max),
		(long long)got);
	pages = (uint64_t)got / PG;
	REQUIRE(pages <= maxp && pages <= SEC * 256, "lb_zone_setup_accept(%llu pages): %llu",
		ULL(maxp), ULL(pages));
	REQUIRE(st1.setup_accepted_pages - st0.setup_accepted_pages == pages &&
			st0.free_unaccepted_pages - st1.free_unaccepted_pages == pages + dq,
		"lb_zone_setup_accept: %llu pages, counted %llu, unaccepted %llu -> %llu",
		ULL(pages), ULL(st1.setup_accepted_pages - st0.setup_accepted_pages),
		ULL(st0.free_unaccepted_pages), ULL(st1.free_unaccepted_pages));
	if (!pages && !fails)
		REQUIRE(!st1.free_unaccepted_pages, "lb_zone_setup_accept: 0 with %llu pages left",
			ULL(st1.free_unaccepted_pages));
}

void op_policy(struct in *in)
{
	unsigned p = u8(in) % (LB_POLICY_COUNT + 1);
	struct lb_stats st0, st1;
	struct rec_count r0 = S.rec.c;
	uint64_t fails;
	int rc;

	TRACE("set policy %u\n", p);
	stats(&st0);
	rc = lb_zone_set_policy(S.z, (enum lb_policy)p);
	stats(&st1);
	fails = S.rec.c.accept_fail - r0.accept_fail;
	REQUIRE(!FZ_CHECK_FAILURE_CONTAINED || fails <= fz_failed_bound(FZ_RUN_PAGES),
		"set_policy(%u): %llu failed calls", p, ULL(fails));
	if (p == LB_POLICY_COUNT) {
		REQUIRE(rc == LB_EINVAL, "set_policy(%u): %d", p, rc);
		REQUIRE(!memcmp(&st0, &st1, sizeof st0), "refused set_policy changed the zone");
	} else {
		REQUIRE(rc == 0, "set_policy(%u): %d", p, rc);
		S.policy = (int)p;
		if (p == LB_POLICY_EAGER)
			REQUIRE(fails || !st1.free_unaccepted_pages,
				"eager left %llu pages unaccepted", ULL(st1.free_unaccepted_pages));
		else
			REQUIRE(st1.accept_calls == st0.accept_calls &&
				st1.accept_failures == st0.accept_failures,
				"set_policy(%u) accepted memory", p);
	}
	REQUIRE((int)lb_zone_policy(S.z) == S.policy, "lb_zone_policy: %d, set %d",
		(int)lb_zone_policy(S.z), S.policy);
}

void op_watermarks(struct in *in)
{
	unsigned mode = u8(in), a = u8(in), b = u8(in), c = u8(in), d = u8(in);
	struct lb_watermarks w, old, now;
	bool valid = true;
	int rc;

	lb_zone_watermarks(S.z, &old);
	switch (mode % 4) {
	case 0: /* ordered, small */
		w.min = a;
		w.low = w.min + b;
		w.high = w.low + c;
		w.promo = w.high + d;
		break;
	case 1: /* out of order */
		w = (struct lb_watermarks){ (uint64_t)a + 1, a, b, c };
		valid = false;
		break;
	case 2: /* not set yet */
		w = (struct lb_watermarks){ 0, 0, 0, 0 };
		break;
	default: /* large: up to all of memory, or past it (refused once fixed) */
		w.min = S.managed * a / 1024;
		w.low = w.min + S.managed * b / 4096;
		w.high = w.low;
		w.promo = w.high;
#if FZ_CHECK_WMARK_EXTREMES
		if (d & 1) {
			w.promo = d & 2 ? UINT64_MAX : S.managed + 1 + c;
			w.high = d & 4 ? w.promo : w.high;
			valid = false;
		}
#endif
		break;
	}
	if (valid && w.promo > S.managed) { /* scale into the zone: promo <= managed */
		w.min = w.min * S.managed / w.promo;
		w.low = w.low * S.managed / w.promo;
		w.high = w.high * S.managed / w.promo;
		w.promo = S.managed;
	}
	TRACE("set watermarks %llu %llu %llu %llu\n", ULL(w.min), ULL(w.low), ULL(w.high),
	      ULL(w.promo));
	rc = lb_zone_set_watermarks(S.z, &w);
	lb_zone_watermarks(S.z, &now);
	if (valid) {
		REQUIRE(rc == 0, "set_watermarks(ordered): %d", rc);
		REQUIRE(!memcmp(&now, &w, sizeof w), "watermarks read back differ");
	} else {
		REQUIRE(rc == LB_EINVAL, "set_watermarks(invalid): %d", rc);
		REQUIRE(!memcmp(&now, &old, sizeof w), "refused watermarks changed them");
	}
	REQUIRE(lb_zone_set_watermarks(S.z, NULL) == LB_EINVAL, "set_watermarks(NULL)");
}

static uint64_t advance(unsigned sel)
{
	/* Mostly short steps, some past the releaser's delays. */
	S.now += sel & 0x80 ? (uint64_t)(sel & 0x7f) * 50000000 : (uint64_t)sel * 10000;
	return S.now;
}

void op_acceptor(struct in *in)
{
	unsigned sel = u8(in), a = u8(in), b = u8(in);

	if (sel & 1) { /* configure */
		struct lb_acceptor_cfg cfg = {
			.reserve_bytes = a & 1 ? 0 : (uint64_t)a * 16 * PG,
			.batch_bytes = b & 1 ? 0 : (uint64_t)b * 8 * PG + (b & 2 ? 5 : 0),
			.period_ns = (uint64_t)a * 1000,
			.horizon_ns = (uint64_t)(b >> 2) * 1000000,
			.threads = (sel >> 1) % 70, /* above 64: refused */
		};
		int rc = lb_acceptor_config(S.z, &cfg);

		TRACE("acceptor config reserve %llu batch %llu threads %u\n",
		      ULL(cfg.reserve_bytes), ULL(cfg.batch_bytes), cfg.threads);
		REQUIRE(rc == (cfg.threads > LB_ACCEPTOR_MAX_THREADS ? LB_EINVAL : 0),
			"lb_acceptor_config(threads %u): %d", cfg.threads, rc);
		REQUIRE(lb_acceptor_config(S.z, NULL) == LB_EINVAL, "lb_acceptor_config(NULL)");
		return;
	}
	{
		struct lb_stats st0, st1;
		struct rec_count r0 = S.rec.c;
		uint64_t now = advance(a), pages, dq, unit = S.unit_pages, have, blk;
		int64_t got;

		TRACE("acceptor step at %llu\n", ULL(now));
		stats(&st0);
		got = lb_acceptor_step(S.z, now);
		stats(&st1);
		TRACE("  -> %lld\n", (long long)got);
		/* One call a pass (lazybuddy.h), one per part when the batch
		 * holds a suspect, which only an earlier failure leaves; one
		 * failed call at most, or, once the zone's suspects are all
		 * taken, one a halving of the batch more (16 MiB at most: the
		 * configured batches here are smaller). */
		REQUIRE((r0.accept_fail || S.rec.c.accept_calls - r0.accept_calls <= 1) &&
				(!FZ_CHECK_FAILURE_CONTAINED ||
				 S.rec.c.accept_fail - r0.accept_fail <=
					 fz_pass_failed_bound(FZ_PASS_PAGES)),
			"acceptor pass made %llu backend calls, %llu failed",
			ULL(S.rec.c.accept_calls - r0.accept_calls),
			ULL(S.rec.c.accept_fail - r0.accept_fail));
		if (got == LB_EBACKEND && S.rec.c.accept_fail != r0.accept_fail)
			return;
		REQUIRE(got >= 0 && !(got % (int64_t)PG), "lb_acceptor_step: %lld", (long long)got);
		pages = (uint64_t)got / PG;
		dq = st1.quarantined_pages - st0.quarantined_pages;
		REQUIRE(st0.free_unaccepted_pages - st1.free_unaccepted_pages == pages + dq &&
				st1.background_accepted_pages - st0.background_accepted_pages == pages,
			"acceptor pass: %llu pages, unaccepted %llu -> %llu, background %llu",
			ULL(pages), ULL(st0.free_unaccepted_pages), ULL(st1.free_unaccepted_pages),
			ULL(st1.background_accepted_pages - st0.background_accepted_pages));
		/* Only below the reserve, at most the shortfall in whole blocks
		 * (units; for adaptive, blocks of the reserve's order), and
		 * adaptive counts only free blocks of that order or more. */
		have = st0.free_accepted_pages;
		blk = unit;
		if (S.policy == LB_POLICY_ADAPTIVE) {
			blk = UINT64_C(1) << st1.reserve_order;
			have = 0;
			for (unsigned o = 0; o <= LB_MAX_ORDER; o++)
				if ((UINT64_C(1) << o) >= blk)
					have += st0.free_blocks[0][o] << o;
		}
		if (pages || dq)
			REQUIRE(have < st1.reserve_pages &&
					pages <= (st1.reserve_pages - have + blk - 1) / blk * blk,
				"acceptor pass took %llu pages with %llu free accepted (%llu "
				"counted), reserve %llu",
				ULL(pages + dq), ULL(st0.free_accepted_pages), ULL(have),
				ULL(st1.reserve_pages));
	}
}

void op_releaser(struct in *in)
{
	unsigned sel = u8(in), a = u8(in), b = u8(in);

	if (sel & 1) { /* configure */
		struct lb_releaser_cfg cfg = {
			.delay_ns = a & 1 ? 0 : (uint64_t)a * 1000000,
			.min_order = b % 12, /* 11: refused */
			.batch = (sel >> 1) % 70, /* above 64: refused */
		};
		int rc = lb_releaser_config(S.z, &cfg);
		bool bad = cfg.min_order > LB_MAX_ORDER || cfg.batch > 64;

		TRACE("releaser config delay %llu min order %u batch %u\n", ULL(cfg.delay_ns),
		      cfg.min_order, cfg.batch);
		REQUIRE(rc == (bad ? LB_EINVAL : 0), "lb_releaser_config: %d", rc);
		if (!bad)
			S.rel_min_order = cfg.min_order ? cfg.min_order : 9;
		REQUIRE(lb_releaser_config(S.z, NULL) == LB_EINVAL, "lb_releaser_config(NULL)");
		return;
	}
	{
		struct lb_stats st0, st1;
		struct lb_watermarks w;
		uint64_t now = advance(a), pages, failed;
		int64_t got;

		TRACE("releaser step at %llu\n", ULL(now));
		stats(&st0);
		S.rec.c.min_release_pages = UINT64_MAX;
		got = lb_releaser_step(S.z, now);
		stats(&st1);
		TRACE("  -> %lld\n", (long long)got);
		if (!S.cfg.backend.ops->release) {
			REQUIRE(got == LB_ENOTSUP, "lb_releaser_step without release: %lld",
				(long long)got);
			return;
		}
		REQUIRE(got >= 0 && !(got % (int64_t)PG), "lb_releaser_step: %lld", (long long)got);
		pages = (uint64_t)got / PG;
		failed = st1.quarantined_pages - st0.quarantined_pages;
		REQUIRE(st1.free_unaccepted_pages - st0.free_unaccepted_pages == pages &&
				st0.free_accepted_pages - st1.free_accepted_pages == pages + failed &&
				st1.released_pages - st0.released_pages == pages,
			"releaser pass: %llu pages (%llu failed), free %llu/%llu -> %llu/%llu",
			ULL(pages), ULL(failed), ULL(st0.free_accepted_pages),
			ULL(st0.free_unaccepted_pages), ULL(st1.free_accepted_pages),
			ULL(st1.free_unaccepted_pages));
		REQUIRE(S.rec.c.min_release_pages == UINT64_MAX ||
				S.rec.c.min_release_pages >= UINT64_C(1) << S.rel_min_order,
			"releaser released a block of %llu pages, min order %u",
			ULL(S.rec.c.min_release_pages), S.rel_min_order);
		/* Never below the floor: the low watermark plus the reserve. */
		lb_zone_watermarks(S.z, &w);
		if (pages + failed)
			REQUIRE(st1.free_accepted_pages >= sat_add(w.low, st1.reserve_pages),
				"releaser left %llu pages free accepted, floor %llu + %llu",
				ULL(st1.free_accepted_pages), ULL(w.low), ULL(st1.reserve_pages));
	}
}

void op_page_state(struct in *in)
{
	unsigned sel = u8(in), y = u16(in);

	switch (sel % 4) {
	case 0:
		TRACE("sweep\n");
		sweep();
		break;
	case 1:
		if (S.nheld) {
			struct blk b = S.held[y % S.nheld];

			check_page(b.addr + (y >> 4) % (UINT64_C(1) << b.order) * PG);
		}
		break;
	case 2:
		check_page(S.base + (uint64_t)y * PG);
		check_page(S.base - (S.base >= PG ? PG : 0));
		break;
	default:
		REQUIRE(lb_zone_page_state(NULL, S.base) == LB_EINVAL, "page_state(NULL)");
		check_page(S.base + (uint64_t)y % S.npages * PG);
		break;
	}
}

static uint64_t meminfo_kb(const char *buf, const char *key)
{
	const char *p = strstr(buf, key);

	REQUIRE(p, "meminfo has no %s", key);
	return strtoull(p + strlen(key) + 1, NULL, 10);
}

void op_meminfo(struct in *in)
{
	char buf[1024];
	unsigned sel = u8(in);
	size_t len = sel % 8 ? sizeof buf : sel % 64; /* some too short */
	struct lb_stats st;
	int need, rc;

	TRACE("meminfo into %zu bytes\n", len);
	stats(&st);
	need = lb_zone_meminfo(S.z, NULL, 0);
	REQUIRE(need > 0 && (size_t)need < sizeof buf, "meminfo needs %d", need);
	memset(buf, 'x', sizeof buf);
	rc = lb_zone_meminfo(S.z, buf, len);
	REQUIRE(rc == need, "meminfo into %zu: %d, needs %d", len, rc, need);
	if (len)
		REQUIRE(memchr(buf, 0, len) && (len == sizeof buf || buf[len] == 'x'),
			"meminfo overran %zu bytes", len);
	REQUIRE(lb_zone_meminfo(S.z, NULL, 5) == LB_EINVAL, "meminfo(NULL, 5)");
	REQUIRE(lb_zone_meminfo(NULL, buf, sizeof buf) == LB_EINVAL, "meminfo(NULL zone)");
	if (len < sizeof buf)
		return;
	REQUIRE(meminfo_kb(buf, "MemTotal:") == S.managed * 4 &&
			meminfo_kb(buf, "MemFree:") ==
				(st.free_accepted_pages + st.free_unaccepted_pages) * 4 &&
			meminfo_kb(buf, "Unaccepted:") == st.free_unaccepted_pages * 4 &&
			meminfo_kb(buf, "Quarantined:") == st.quarantined_pages * 4 &&
			meminfo_kb(buf, "InFlight:") == 0,
		"meminfo disagrees with the statistics:\n%s", buf);
}

/* Calls with bad arguments: refused, nothing changed. */
void op_misc(struct in *in)
{
	unsigned sel = u8(in);
	struct lb_stats st0, st1, junk;
	struct lb_watermarks w;
	uint64_t addr;
	size_t size;

	TRACE("bad arguments\n");
	stats(&st0);
	REQUIRE(lb_strerror((int)(int8_t)sel) != NULL, "lb_strerror");
	REQUIRE(lb_policy_name((enum lb_policy)(sel % 10)) != NULL, "lb_policy_name");
	if (sel % 10 < LB_POLICY_COUNT)
		REQUIRE(lb_policy_parse(lb_policy_name((enum lb_policy)(sel % 10))) ==
				(int)(sel % 10), "lb_policy_parse");
	REQUIRE(lb_policy_parse("nope") == LB_EINVAL && lb_policy_parse(NULL) == LB_EINVAL,
		"lb_policy_parse(bad)");
	REQUIRE(lb_alloc(NULL, 0, 0, &addr) == LB_EINVAL, "lb_alloc(NULL)");
	REQUIRE(lb_alloc(S.z, 0, 0, NULL) == LB_EINVAL, "lb_alloc(NULL addr)");
	REQUIRE(lb_free(NULL, S.base, 0) == LB_EINVAL, "lb_free(NULL)");
	REQUIRE(lb_zone_accept(NULL, 0) == LB_EINVAL, "lb_zone_accept(NULL)");
	REQUIRE(lb_zone_setup_accept(NULL, 0) == LB_EINVAL, "lb_zone_setup_accept(NULL)");
	REQUIRE(lb_zone_set_policy(NULL, LB_POLICY_UNIT) == LB_EINVAL, "set_policy(NULL)");
	REQUIRE(lb_zone_set_policy(S.z, (enum lb_policy)-1) == LB_EINVAL, "set_policy(-1)");
	w = (struct lb_watermarks){ 0, 0, 0, 0 };
	REQUIRE(lb_zone_set_watermarks(NULL, &w) == LB_EINVAL, "set_watermarks(NULL)");
	REQUIRE(lb_zone_check(NULL, NULL, 0) == LB_EINVAL, "lb_zone_check(NULL)");
	REQUIRE(lb_zone_check(S.z, NULL, 0) == 0, "lb_zone_check(no message)");
	REQUIRE(lb_acceptor_step(NULL, S.now) == LB_EINVAL, "lb_acceptor_step(NULL)");
	REQUIRE(lb_releaser_step(NULL, S.now) == LB_EINVAL, "lb_releaser_step(NULL)");
	REQUIRE(lb_acceptor_config(NULL, NULL) == LB_EINVAL, "lb_acceptor_config(NULL)");
	REQUIRE(lb_releaser_config(NULL, NULL) == LB_EINVAL, "lb_releaser_config(NULL)");
	REQUIRE(lb_zone_meta_size(NULL, &size) == LB_EINVAL, "lb_zone_meta_size(NULL)");
	REQUIRE(lb_zone_meta_size(&S.cfg, NULL) == LB_EINVAL, "lb_zone_meta_size(cfg, NULL)");
	REQUIRE(lb_zone_init(NULL, S.meta, 1 << 20, &S.cfg) == LB_EINVAL, "lb_zone_init(NULL)");
	lb_zone_stats(NULL, &junk);
	lb_zone_fini(NULL);
#if FZ_CHECK_NULL_ARGS
	REQUIRE(lb_zone_policy(NULL) == LB_EINVAL, "lb_zone_policy(NULL)");
	REQUIRE(lb_zone_watermarks(NULL, &w) == LB_EINVAL, "lb_zone_watermarks(NULL, w)");
	REQUIRE(lb_zone_watermarks(S.z, NULL) == LB_EINVAL, "lb_zone_watermarks(z, NULL)");
	REQUIRE(lb_zone_stats(S.z, NULL) == LB_EINVAL, "lb_zone_stats(z, NULL)");
	REQUIRE(lb_zone_stats(NULL, &junk) == LB_EINVAL, "lb_zone_stats(NULL, st)");
#endif
	stats(&st1);
	REQUIRE(!memcmp(&st0, &st1, sizeof st0), "calls with bad arguments changed the zone");
}

/* Change which backend calls fail, mid-run. */
void op_knobs(struct in *in)
{
	unsigned a = u8(in), b = u8(in);

	S.rec.accept_fail_pat = a & 0x80 ? a : 0;
	S.rec.release_fail_pat = b & 0x80 ? b : 0;
	S.fault.fail_every = a & 0x80 ? 0 : a % 5;
	S.fault.fail_addr = b & 0x40 ? S.base + (uint64_t)(b & 0x3f) * 128 * PG : UINT64_MAX;
	TRACE("knobs: accept pattern 0x%x release pattern 0x%x fault every %llu addr 0x%llx\n",
	      S.rec.accept_fail_pat, S.rec.release_fail_pat, ULL(S.fault.fail_every),
	      ULL(S.fault.fail_addr));
}
