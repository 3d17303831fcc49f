/* SPDX-License-Identifier: MIT */
/* The zone's mechanics and every bad input: set-up, split and merge,
 * accepted-first allocation, free validation, introspection. */
#include "fixture.h"
#include "harness.h"

#include <stdlib.h>
#include <string.h>

static struct lb_null_backend nullb;

static struct lb_config base_cfg(const struct lb_range *r, size_t n)
{
	struct lb_config c;

	memset(&c, 0, sizeof c);
	c.ranges = r;
	c.nranges = n;
	c.policy = LB_POLICY_EXACT;
	lb_null_backend_init(&nullb, &c.backend);
	return c;
}

static int meta_size_of(const struct lb_range *r, size_t n)
{
	struct lb_config c = base_cfg(r, n);
	size_t size;

	return lb_zone_meta_size(&c, &size);
}

TEST(zone_config_errors)
{
	struct lb_range overlap[] = { { 0, 8 * MiB, LB_MEM_ACCEPTED },
				      { 4 * MiB, 8 * MiB, LB_MEM_UNACCEPTED } };
	struct lb_range overlap_reserved[] = { { 0, 8 * MiB, LB_MEM_ACCEPTED },
					       { 8 * MiB - 4096, 4096 * 2, LB_MEM_RESERVED } };
	struct lb_range misaligned[] = { { 100, 8 * MiB, LB_MEM_ACCEPTED } };
	struct lb_range odd_size[] = { { 0, 8 * MiB + 1, LB_MEM_ACCEPTED } };
	struct lb_range empty_range[] = { { 0, 0, LB_MEM_ACCEPTED } };
	struct lb_range only_reserved[] = { { 0, 8 * MiB, LB_MEM_RESERVED } };
	struct lb_range wraps[] = { { UINT64_MAX & ~(LB_PAGE_SIZE - 1), 2 * LB_PAGE_SIZE,
				      LB_MEM_ACCEPTED } };
	struct lb_range bad_type[] = { { 0, 8 * MiB, (enum lb_mem_type)7 } };
	struct lb_range huge[] = { { 0, UINT64_C(1) << 46, LB_MEM_UNACCEPTED } };
	struct lb_config c;
	size_t size;

	CHECK_EQ(meta_size_of(overlap, 2), LB_EOVERLAP);
	CHECK_EQ(meta_size_of(overlap_reserved, 2), LB_EOVERLAP);
	CHECK_EQ(meta_size_of(misaligned, 1), LB_EALIGN);
	CHECK_EQ(meta_size_of(odd_size, 1), LB_EALIGN);
	CHECK_EQ(meta_size_of(empty_range, 1), LB_EINVAL);
	CHECK_EQ(meta_size_of(only_reserved, 1), LB_EEMPTY);
	CHECK_EQ(meta_size_of(fx_map16, 0), LB_EEMPTY);
	CHECK_EQ(meta_size_of(wraps, 1), LB_ERANGE);
	CHECK_EQ(meta_size_of(bad_type, 1), LB_EINVAL);
	CHECK_EQ(meta_size_of(huge, 1), LB_ETOOBIG); /* 64 TiB: beyond 32-bit indices */
	CHECK_EQ(lb_zone_meta_size(NULL, &size), LB_EINVAL);

	c = base_cfg(NULL, 1);
	CHECK_EQ(lb_zone_meta_size(&c, &size), LB_EINVAL);
	c = base_cfg(fx_map16, 2);
	CHECK_EQ(lb_zone_meta_size(&c, NULL), LB_EINVAL);
	c.unit = 3 * MiB;
	CHECK_EQ(lb_zone_meta_size(&c, &size), LB_EUNIT);
	c.unit = 2048;
	CHECK_EQ(lb_zone_meta_size(&c, &size), LB_EUNIT);
	c.unit = 8 * MiB;
	CHECK_EQ(lb_zone_meta_size(&c, &size), LB_EUNIT);
	c.unit = 64 * KiB;
	CHECK_EQ(lb_zone_meta_size(&c, &size), 0);
	c = base_cfg(fx_map16, 2);
	c.policy = LB_POLICY_COUNT;
	CHECK_EQ(lb_zone_meta_size(&c, &size), LB_EINVAL);
	c = base_cfg(fx_map16, 2);
	c.backend.ops = NULL;
	CHECK_EQ(lb_zone_meta_size(&c, &size), LB_EINVAL);
	c = base_cfg(fx_map16, 2);
	c.flags = 0x80;
	CHECK_EQ(lb_zone_meta_size(&c, &size), LB_EINVAL);
	c = base_cfg(fx_map16, 2);
	c.flags = LB_CFG_WMARK;
	c.wmark.min = 10;
	c.wmark.low = 5;
	CHECK_EQ(lb_zone_meta_size(&c, &size), LB_EINVAL);
}

TEST(zone_init_errors)
{
	struct lb_config c = base_cfg(fx_map16, 2);
	struct lb_zone *z = NULL;
	size_t size;
	char *meta;

	REQUIRE(lb_zone_meta_size(&c, &size) == 0);
	/* 12-byte descriptors plus bitmaps: at most 16 bytes per page, and
	 * the zone itself, 13 KiB with the caches' free lists (page.h). */
	CHECK(size <= 14 * 1024 + 16 * (16 * MiB / LB_PAGE_SIZE));
	meta = aligned_alloc(16, size + 16);
	CHECK_EQ(lb_zone_init(&z, meta, size - 1, &c), LB_ENOSPACE);
	CHECK_EQ(lb_zone_init(&z, meta + 8, size, &c), LB_ENOSPACE);
	CHECK_EQ(lb_zone_init(NULL, meta, size, &c), LB_EINVAL);
	CHECK_EQ(lb_zone_init(&z, NULL, size, &c), LB_EINVAL);
	CHECK(z == NULL);
	CHECK_EQ(nullb.accept_calls, 0); /* nothing happened */
	CHECK_EQ(lb_zone_init(&z, meta, size, &c), 0);
	CHECK(z != NULL);
	lb_zone_fini(z);
	free(meta);
}

TEST(zone_alloc_free_merge)
{
	struct fx f;
	struct lb_stats st;
	uint64_t a, b, c;

	REQUIRE(fx_init(&f, fx_map16, 2, LB_POLICY_EXACT) == 0);
	lb_zone_stats(f.z, &st);
	CHECK_EQ(st.managed_pages, 4096);
	CHECK_EQ(st.free_accepted_pages, 1024);
	CHECK_EQ(st.free_unaccepted_pages, 3072);
	CHECK_EQ(st.free_blocks[0][10], 1);
	CHECK_EQ(st.free_blocks[1][10], 3); /* pristine sections count as blocks */

	REQUIRE(lb_alloc(f.z, 0, 0, &a) == 0);
	CHECK_EQ(a, 0);                     /* lowest address first */
	lb_zone_stats(f.z, &st);
	for (unsigned o = 0; o < 10; o++)   /* one split at every order */
		CHECK_EQ(st.free_blocks[0][o], 1);
	CHECK_EQ(st.free_blocks[0][10], 0);
	REQUIRE(lb_alloc(f.z, 0, 0, &b) == 0);
	CHECK_EQ(b, LB_PAGE_SIZE);          /* a's buddy */
	REQUIRE(lb_alloc(f.z, 3, 0, &c) == 0);
	CHECK_EQ(c % (8 * LB_PAGE_SIZE), 0);
	CHECK(fx_ok(&f));
	CHECK_EQ(lb_free(f.z, a, 0), 0);
	CHECK_EQ(lb_free(f.z, b, 0), 0);
	CHECK_EQ(lb_free(f.z, c, 3), 0);
	lb_zone_stats(f.z, &st);
	CHECK_EQ(st.free_blocks[0][10], 1); /* all merged back */
	CHECK_EQ(st.allocated_pages, 0);
	CHECK_EQ(st.accept_calls, 0);       /* accepted memory served all */
	CHECK(fx_ok(&f));
	fx_fini(&f);
}

TEST(zone_accepted_first)
{
	struct fx f;
	struct lb_stats st;
	uint64_t addr;

	REQUIRE(fx_init(&f, fx_map16, 2, LB_POLICY_EXACT) == 0);
	for (int i = 0; i < 1024; i++) {
		REQUIRE(lb_alloc(f.z, 0, 0, &addr) == 0);
		CHECK(addr < 4 * MiB);
	}
	lb_zone_stats(f.z, &st);
	CHECK_EQ(st.accept_calls, 0);
	REQUIRE(lb_alloc(f.z, 0, 0, &addr) == 0); /* now the slow path */
	CHECK(addr >= 4 * MiB);
	CHECK(sb_all_accepted(&f.sb, addr, LB_PAGE_SIZE));
	lb_zone_stats(f.z, &st);
	CHECK_EQ(st.accept_calls, 1);
	CHECK_EQ(st.accepted_pages, 1);
	/* The page freed goes back accepted and is the next one handed out. */
	CHECK_EQ(lb_free(f.z, addr, 0), 0);
	REQUIRE(lb_alloc(f.z, 0, 0, &addr) == 0);
	lb_zone_stats(f.z, &st);
	CHECK_EQ(st.accept_calls, 1);
	CHECK(fx_ok(&f));
	fx_fini(&f);
}

/* Every bad free and bad allocation is refused and changes nothing. */
TEST(zone_bad_input_changes_nothing)
{
	struct fx f;
	struct lb_stats before, after;
	uint64_t a, b, addr;

	REQUIRE(fx_init(&f, fx_map16, 2, LB_POLICY_UNIT) == 0);
	REQUIRE(lb_alloc(f.z, 2, 0, &a) == 0);
	REQUIRE(lb_alloc(f.z, 0, 0, &b) == 0);
	REQUIRE(lb_free(f.z, b, 0) == 0);
	lb_zone_stats(f.z, &before);

	CHECK_EQ(lb_free(f.z, b, 0), LB_EDOUBLEFREE);
	CHECK_EQ(lb_free(f.z, a + LB_PAGE_SIZE, 0), LB_ENOTALLOC); /* inside a block */
	CHECK_EQ(lb_free(f.z, a, 1), LB_ENOTALLOC);                /* wrong order */
	CHECK_EQ(lb_free(f.z, a | (4 * LB_PAGE_SIZE), 3), LB_EALIGN); /* not 8-page aligned */
	CHECK_EQ(lb_free(f.z, a + 1, 2), LB_EALIGN);
	CHECK_EQ(lb_free(f.z, a, LB_MAX_ORDER + 1), LB_EORDER);
	CHECK_EQ(lb_free(f.z, 16 * MiB, 0), LB_ERANGE);
	CHECK_EQ(lb_free(f.z, 8 * MiB, 0), LB_ENOTALLOC);          /* never-touched memory */
	CHECK_EQ(lb_free(NULL, a, 2), LB_EINVAL);
	CHECK_EQ(lb_alloc(f.z, LB_MAX_ORDER + 1, 0, &addr), LB_EORDER);
	CHECK_EQ(lb_alloc(f.z, 0, 0x100, &addr), LB_EINVAL);
	CHECK_EQ(lb_alloc(f.z, 0, 0, NULL), LB_EINVAL);
	CHECK_EQ(lb_zone_set_policy(f.z, LB_POLICY_COUNT), LB_EINVAL);

	lb_zone_stats(f.z, &after);
	CHECK(memcmp(&before, &after, sizeof before) == 0);
	CHECK(fx_ok(&f));
	CHECK_EQ(lb_free(f.z, a, 2), 0);
	fx_fini(&f);
}

TEST(zone_out_of_memory)
{
	struct fx f;
	struct lb_stats st;
	uint64_t addr;
	int n = 0;

	REQUIRE(fx_init(&f, fx_map16, 2, LB_POLICY_EXACT) == 0);
	while (lb_alloc(f.z, 10, 0, &addr) == 0)
		n++;
	CHECK_EQ(n, 4);
	CHECK_EQ(lb_alloc(f.z, 0, 0, &addr), LB_ENOMEM);
	CHECK_EQ(lb_alloc(f.z, 0, LB_ALLOC_NOWAIT, &addr), LB_ENOMEM);
	lb_zone_stats(f.z, &st);
	CHECK_EQ(st.alloc_failures, 3);
	CHECK_EQ(st.free_accepted_pages + st.free_unaccepted_pages, 0);
	CHECK(fx_ok(&f));
	fx_fini(&f);
}

TEST(zone_nowait_never_accepts)
{
	struct fx f;
	struct lb_stats st;
	uint64_t addr;

	REQUIRE(fx_init(&f, fx_map16, 2, LB_POLICY_UNIT) == 0);
	REQUIRE(lb_alloc(f.z, 10, 0, &addr) == 0); /* the accepted 4 MiB */
	CHECK_EQ(lb_alloc(f.z, 0, LB_ALLOC_NOWAIT, &addr), LB_EAGAIN);
	lb_zone_stats(f.z, &st);
	CHECK_EQ(st.accept_calls, 0);
	CHECK_EQ(f.sb.calls, 0);
	REQUIRE(lb_alloc(f.z, 0, 0, &addr) == 0);
	CHECK_EQ(lb_alloc(f.z, 0, LB_ALLOC_NOWAIT, &addr), 0); /* rest of the unit */
	CHECK(fx_ok(&f));
	fx_fini(&f);
}

/* Holes and reserved ranges are never handed out, and blocks never merge
 * across them. */
TEST(zone_holes)
{
	const struct lb_range map[] = {
		{ 0, 640 * KiB, LB_MEM_ACCEPTED },
		{ 640 * KiB, 384 * KiB, LB_MEM_RESERVED },
		{ 1 * MiB, 3 * MiB, LB_MEM_ACCEPTED },
		{ 6 * MiB, 10 * MiB, LB_MEM_UNACCEPTED }, /* 4-6 MiB: a hole */
	};
	struct fx f;
	struct lb_stats st;
	uint64_t addr;

	REQUIRE(fx_init(&f, map, 4, LB_POLICY_EXACT) == 0);
	lb_zone_stats(f.z, &st);
	CHECK_EQ(st.span_pages, 4096);
	CHECK_EQ(st.managed_pages, (640 * KiB + 3 * MiB + 10 * MiB) / LB_PAGE_SIZE);
	CHECK_EQ(st.reserved_pages, st.span_pages - st.managed_pages);
	CHECK_EQ(lb_zone_page_state(f.z, 700 * KiB), LB_PAGE_RESERVED);
	CHECK_EQ(lb_zone_page_state(f.z, 5 * MiB), LB_PAGE_RESERVED);
	CHECK_EQ(lb_zone_page_state(f.z, 7 * MiB), LB_PAGE_FREE_UNACCEPTED);
	CHECK_EQ(lb_zone_page_state(f.z, 9 * MiB), LB_PAGE_FREE_UNACCEPTED);
	CHECK_EQ(lb_zone_page_state(f.z, 64 * MiB), LB_ERANGE);
	CHECK_EQ(lb_alloc(f.z, 10, LB_ALLOC_NOWAIT, &addr), LB_EAGAIN); /* no 4 MiB accepted */
	while (lb_alloc(f.z, 0, 0, &addr) == 0) {
		CHECK(addr < 640 * KiB || addr >= 1 * MiB);
		CHECK(addr < 4 * MiB || addr >= 6 * MiB);
		CHECK_EQ(lb_zone_page_state(f.z, addr), LB_PAGE_ALLOCATED);
	}
	lb_zone_stats(f.z, &st);
	CHECK_EQ(st.allocated_pages, st.managed_pages);
	CHECK(fx_ok(&f));
	fx_fini(&f);
}

TEST(zone_meminfo_and_names)
{
	struct fx f;
	char buf[1024];
	uint64_t addr;
	int n;

	REQUIRE(fx_init(&f, fx_map16, 2, LB_POLICY_EXACT) == 0);
	REQUIRE(lb_alloc(f.z, 0, 0, &addr) == 0);
	n = lb_zone_meminfo(f.z, buf, sizeof buf);
	CHECK(n > 0 && n < (int)sizeof buf);
	CHECK(strstr(buf, "MemTotal:            16384 kB") != NULL);
	CHECK(strstr(buf, "MemFree:             16380 kB") != NULL);
	CHECK(strstr(buf, "Unaccepted:          12288 kB") != NULL);
	CHECK_EQ(lb_zone_meminfo(f.z, NULL, 0), n); /* size query */
	CHECK_EQ(lb_zone_meminfo(NULL, buf, sizeof buf), LB_EINVAL);
	fx_fini(&f);

	for (int e = 0; e > -LB_ERRNO_COUNT; e--) {
		const char *s = lb_strerror(e);

		CHECK(strncmp(s, "LB_", 3) == 0);
	}
	CHECK(strstr(lb_strerror(LB_EDOUBLEFREE), "already free") != NULL);
	CHECK(strcmp(lb_strerror(-999), "unknown lazybuddy error") == 0);
	CHECK(strcmp(lb_strerror(5), "unknown lazybuddy error") == 0);
	for (int p = 0; p < LB_POLICY_COUNT; p++)
		CHECK_EQ(lb_policy_parse(lb_policy_name((enum lb_policy)p)), p);
	CHECK_EQ(lb_policy_parse("lazy"), LB_EINVAL);
	CHECK_EQ(lb_policy_parse(NULL), LB_EINVAL);
	/* The seed's proposal and ours run threads ahead of demand; the rest
	 * accept only when an allocation asks. */
	for (int p = 0; p < LB_POLICY_COUNT; p++)
		CHECK_EQ(lb_policy_runs_acceptor((enum lb_policy)p),
			 p == LB_POLICY_BACKGROUND || p == LB_POLICY_ADAPTIVE);
	CHECK_EQ(lb_policy_runs_acceptor(LB_POLICY_COUNT), LB_EINVAL);
	CHECK_EQ(lb_policy_runs_acceptor((enum lb_policy)-1), LB_EINVAL);
}

/* The checker must see breakage: corrupt descriptors behind its back. */
#include "../src/internal.h"

TEST(zone_checker_catches_corruption)
{
	struct fx f;
	char msg[256];
	uint64_t a, b;

	REQUIRE(fx_init(&f, fx_map16, 2, LB_POLICY_EXACT) == 0);
	REQUIRE(lb_alloc(f.z, 0, 0, &a) == 0);
	REQUIRE(lb_alloc(f.z, 0, 0, &b) == 0);
	CHECK(fx_ok(&f));

	f.z->nr_alloc++; /* I4: a counter off by one */
	CHECK_EQ(lb_zone_check(f.z, msg, sizeof msg), LB_ECORRUPT);
	CHECK(strncmp(msg, "I4", 2) == 0);
	f.z->nr_alloc--;

	/* I5: two free buddies left unmerged (b marked free beside free a). */
	REQUIRE(lb_free(f.z, a, 0) == 0);
	f.z->pages[b >> LB_PAGE_SHIFT].kind = K_FREE;
	f.z->pages[b >> LB_PAGE_SHIFT].state = S_ACCEPTED;
	CHECK_EQ(lb_zone_check(f.z, msg, sizeof msg), LB_ECORRUPT);
	CHECK(strncmp(msg, "I5", 2) == 0 || strncmp(msg, "I4", 2) == 0);
	f.z->pages[b >> LB_PAGE_SHIFT].kind = K_ALLOC;
	CHECK(fx_ok(&f));

	/* I1: the shadow record says an allocated page was never accepted. */
	bit_clear(f.z->shadow, b >> LB_PAGE_SHIFT);
	CHECK_EQ(lb_zone_check(f.z, msg, sizeof msg), LB_ECORRUPT);
	CHECK(strncmp(msg, "I1", 2) == 0);
	bit_set(f.z->shadow, b >> LB_PAGE_SHIFT);
	CHECK(fx_ok(&f));
	fx_fini(&f);
}

/* The shadow record refuses a double accept before the backend sees it. */
TEST(zone_shadow_refuses_double_accept)
{
	struct fx f;
	char msg[256];
	struct lb_stats st;
	uint64_t addr;

	REQUIRE(fx_init(&f, fx_map16, 2, LB_POLICY_EXACT) == 0);
	uint64_t first, bad;

	REQUIRE(lb_alloc(f.z, 10, 0, &addr) == 0); /* use up accepted memory */
	REQUIRE(lb_alloc(f.z, 0, 0, &first) == 0);  /* accepts one page */
	CHECK_EQ(first, 4 * MiB);
	/* Pretend its buddy, still free and unaccepted, was accepted already. */
	bad = first + LB_PAGE_SIZE;
	bit_set(f.z->shadow, bad >> LB_PAGE_SHIFT);
	REQUIRE(lb_alloc(f.z, 0, 0, &addr) == 0);   /* served from other memory */
	CHECK(addr != bad);
	CHECK_EQ(lb_zone_page_state(f.z, bad), LB_PAGE_QUARANTINED);
	lb_zone_stats(f.z, &st);
	CHECK_EQ(st.quarantined_pages, 1);
	CHECK_EQ(f.sb.double_accepts, 0);
	CHECK_EQ(lb_zone_check(f.z, msg, sizeof msg), LB_ECORRUPT);
	CHECK(strncmp(msg, "I2", 2) == 0);
	fx_fini(&f);
}

/* The zone and its CPU lists start on cache lines wherever the 16-byte
 * aligned buffer starts, and lb_zone_meta_size() leaves room for it. */
TEST(zone_in_any_16_byte_aligned_buffer)
{
	for (unsigned off = 0; off < 64; off += 16) {
		struct lb_config c = base_cfg(fx_map16, 2);
		struct lb_zone *z;
		unsigned char *buf;
		size_t size;
		uint64_t a;
		char msg[200];

		c.cpus = 2;
		REQUIRE(lb_zone_meta_size(&c, &size) == 0);
		buf = aligned_alloc(64, (size + 64 + 63) & ~(size_t)63);
		REQUIRE(buf != NULL);
		memset(buf, 0xa5, size + 64);
		REQUIRE(lb_zone_init(&z, buf + off, size, &c) == 0);
		CHECK(((uintptr_t)z & 63) == 0);
		CHECK((unsigned char *)z >= buf + off && (unsigned char *)z < buf + off + 64);
		REQUIRE(lb_alloc(z, 9, 0, &a) == 0);
		REQUIRE(lb_free(z, a, 9) == 0);
		CHECK(lb_zone_check(z, msg, sizeof msg) == 0);
		CHECK(buf[off + size] == 0xa5); /* nothing written past the buffer */
		lb_zone_fini(z);
		free(buf);
	}
}
