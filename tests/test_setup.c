/* SPDX-License-Identifier: MIT */
/* Set-up does no per-page work for memory that has never been accepted:
 * the metadata of never-touched sections is neither written nor read.
 * Eager's set-up can be left to the caller's threads (LB_CFG_SETUP_LATER,
 * lb_zone_setup_accept()). */
#include "fixture.h"
#include "harness.h"

#include "../src/internal.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static bool bytes_are(const void *p, size_t n, unsigned char v)
{
	const unsigned char *b = p;

	for (size_t i = 0; i < n; i++)
		if (b[i] != v)
			return false;
	return true;
}

TEST(setup_leaves_unaccepted_metadata_untouched)
{
	const struct lb_range map[] = {
		{ 0, 4 * MiB, LB_MEM_ACCEPTED },
		{ 4 * MiB, 252 * MiB, LB_MEM_UNACCEPTED },
	};
	struct fx f;
	uint64_t addr;
	size_t sec_bytes = SECTION_PAGES * sizeof(struct lb_page);

	REQUIRE(fx_init(&f, map, 2, LB_POLICY_EXACT) == 0); /* meta poisoned 0xa5 */
	for (uint64_t sec = 1; sec < 64; sec++)
		CHECK(bytes_are(&f.z->pages[sec * SECTION_PAGES], sec_bytes, 0xa5));
	CHECK(!bytes_are(&f.z->pages[0], sec_bytes, 0xa5)); /* accepted: placed */

	/* The first unaccepted allocation activates exactly one section. */
	REQUIRE(lb_alloc(f.z, 10, 0, &addr) == 0);
	REQUIRE(lb_alloc(f.z, 0, 0, &addr) == 0);
	CHECK_EQ(addr, 4 * MiB);
	CHECK(!bytes_are(&f.z->pages[SECTION_PAGES], sec_bytes, 0xa5));
	for (uint64_t sec = 2; sec < 64; sec++)
		CHECK(bytes_are(&f.z->pages[sec * SECTION_PAGES], sec_bytes, 0xa5));
	CHECK(fx_ok(&f));
	fx_fini(&f);
}

static size_t resident_bytes(void *p, size_t len)
{
	long pg = sysconf(_SC_PAGESIZE);
	size_t n = (len + (size_t)pg - 1) / (size_t)pg, res = 0;
	unsigned char *vec = malloc(n);

	if (!vec || mincore(p, len, vec)) {
		free(vec);
		return SIZE_MAX;
	}
	for (size_t i = 0; i < n; i++)
		res += vec[i] & 1;
	free(vec);
	return res * (size_t)pg;
}

/* A 1 TiB guest, 1 GiB accepted: set-up touches metadata in proportion to
 * the accepted gigabyte, not the terabyte. */
TEST(setup_one_tib_guest)
{
	const struct lb_range map[] = {
		{ 0, 1 * GiB, LB_MEM_ACCEPTED },
		{ 1 * GiB, 1023 * GiB, LB_MEM_UNACCEPTED },
	};
	struct lb_null_backend nb;
	struct lb_config c = { .ranges = map, .nranges = 2, .policy = LB_POLICY_UNIT };
	struct lb_zone *z;
	struct lb_stats st;
	size_t size, res;
	void *meta;
	uint64_t addr;

	lb_null_backend_init(&nb, &c.backend);
	REQUIRE(lb_zone_meta_size(&c, &size) == 0);
	/* bytes per page: 12-byte descriptor + 1/8 (fresh) + bitmaps per section */
	CHECK(size <= (size_t)((1024 * GiB / LB_PAGE_SIZE) * 12.2) + 4096);
	meta = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
		    -1, 0);
	REQUIRE(meta != MAP_FAILED);
	REQUIRE(lb_zone_init(&z, meta, size, &c) == 0);
	res = resident_bytes(meta, size);
	/* 1 GiB accepted = 262144 descriptors (3 MiB) plus bitmaps and the zone. */
	CHECK(res < 4 * MiB);
	CHECK(res < size / 500);
	lb_zone_stats(z, &st);
	CHECK_EQ(st.free_unaccepted_pages, 1023 * GiB / LB_PAGE_SIZE);
	CHECK_EQ(nb.accept_calls, 0);
	for (int i = 0; i < 300; i++)
		REQUIRE(lb_alloc(z, 10, 0, &addr) == 0); /* past the accepted GiB */
	CHECK(addr >= 1 * GiB);
	CHECK_EQ(nb.accept_calls, 300 - 256);
	CHECK_EQ(lb_zone_check(z, NULL, 0), 0);
	lb_zone_fini(z);
	munmap(meta, size);
}

/* ------------------------------------------------ set-up shared later */

TEST(setup_later_leaves_eager_set_up_to_the_caller)
{
	struct lb_backend none = { 0 };
	struct fx f;
	struct lb_stats st;
	uint64_t addr;

	REQUIRE(fx_init_with(&f, fx_map16, 2, LB_POLICY_EAGER, 0, LB_CFG_SETUP_LATER, none) == 0);
	lb_zone_stats(f.z, &st);
	CHECK_EQ(st.accept_calls, 0); /* like a lazy zone */
	CHECK_EQ(st.free_unaccepted_pages, 3072);
	CHECK_EQ(st.setup_accepted_pages, 0);
	CHECK_EQ(lb_zone_page_state(f.z, 8 * MiB), LB_PAGE_FREE_UNACCEPTED);
	/* Rounded up to whole pages, one call each, counted as set-up. */
	CHECK_EQ(lb_zone_setup_accept(f.z, 1), LB_PAGE_SIZE);
	CHECK_EQ(lb_zone_setup_accept(f.z, 2 * LB_PAGE_SIZE), 2 * LB_PAGE_SIZE);
	lb_zone_stats(f.z, &st);
	CHECK_EQ(st.accept_calls, 2);
	CHECK_EQ(st.setup_accepted_pages, 3);
	/* Eager's on-demand path meanwhile: one block per shortfall, not set-up. */
	REQUIRE(lb_alloc(f.z, 10, LB_ALLOC_NOWAIT, &addr) == 0);
	REQUIRE(lb_alloc(f.z, 10, 0, &addr) == 0);
	lb_zone_stats(f.z, &st);
	CHECK_EQ(st.accept_calls, 3);
	CHECK_EQ(st.accepted_pages, 1024 + 3);
	CHECK_EQ(st.setup_accepted_pages, 3);
	/* The rest: the pieces of the split section, then the last section
	 * in one call (0: up to 1 GiB). */
	while (lb_zone_setup_accept(f.z, 0) > 0)
		;
	CHECK_EQ(lb_zone_setup_accept(f.z, 0), 0);
	lb_zone_stats(f.z, &st);
	CHECK_EQ(st.free_unaccepted_pages, 0);
	CHECK_EQ(st.accepted_pages, 3072);
	CHECK_EQ(st.setup_accepted_pages, 3072 - 1024);
	CHECK(fx_ok(&f));
	fx_fini(&f);

	/* Without the flag, nothing changes: eager accepts all at set-up. */
	REQUIRE(fx_init(&f, fx_map16, 2, LB_POLICY_EAGER) == 0);
	lb_zone_stats(f.z, &st);
	CHECK_EQ(st.setup_accepted_pages, 3072);
	CHECK_EQ(lb_zone_setup_accept(f.z, 0), 0);
	CHECK_EQ(lb_zone_setup_accept(NULL, 0), LB_EINVAL);
	CHECK(fx_ok(&f));
	fx_fini(&f);
}

TEST(setup_accept_failure_quarantines)
{
	struct lb_fault_backend fb;
	struct lb_null_backend nb;
	struct lb_backend inner, faulty;
	struct fx f;
	struct lb_stats st;

	lb_null_backend_init(&nb, &inner);
	lb_fault_backend_init(&fb, inner, &faulty);
	fb.fail_addr = 9 * MiB;
	REQUIRE(fx_init_with(&f, fx_map16, 2, LB_POLICY_EAGER, 0, LB_CFG_SETUP_LATER, faulty) == 0);
	CHECK_EQ(lb_zone_setup_accept(f.z, 4 * MiB), 4 * MiB);       /* [4M, 8M) */
	/* [8M, 12M) fails, then its halves are tried: [8M, 10M) fails too and
	 * is quarantined, [10M, 12M) is accepted. */
	CHECK_EQ(lb_zone_setup_accept(f.z, 4 * MiB), 2 * MiB);
	CHECK_EQ(lb_zone_setup_accept(f.z, 4 * MiB), 4 * MiB);       /* [12M, 16M) */
	CHECK_EQ(lb_zone_setup_accept(f.z, 4 * MiB), 0);
	lb_zone_stats(f.z, &st);
	CHECK_EQ(st.quarantined_pages, 512);
	CHECK_EQ(st.accept_failures, 2);
	CHECK_EQ(st.setup_accepted_pages, 2560);
	CHECK_EQ(lb_zone_page_state(f.z, 9 * MiB), LB_PAGE_QUARANTINED);
	CHECK(fx_ok(&f));
	fx_fini(&f);
}

/* Four threads share set-up (8 MiB calls over 250 MiB with ragged edges
 * and a hole), on the null backend inside the strict one, with the shadow
 * record; a fifth may allocate meanwhile. */
struct share {
	struct lb_zone *z;
	int64_t bytes;
	int calls, errors;
};

static void *setup_thread(void *p)
{
	struct share *s = p;
	int64_t got;

	while ((got = lb_zone_setup_accept(s->z, 8 * MiB)) != 0) {
		if (got < 0 || got % (int64_t)LB_PAGE_SIZE || got > (int64_t)(8 * MiB)) {
			s->errors++;
			break;
		}
		s->bytes += got;
		s->calls++;
	}
	return NULL;
}

/* Allocates and frees blocks of orders 0-3, keeping up to 6 MiB live
 * (more than the firmware's 4 MiB: some come from the on-demand path). */
static void *alloc_thread(void *p)
{
	struct share *s = p;
	uint64_t live[1536], seed = 7;
	unsigned lo[1536];
	int n = 0;

	for (int i = 0; i < 20000; i++) {
		uint64_t r = fx_rand(&seed);

		if (n == 1536 || (n && r % 3 == 0)) {
			int k = (int)(r / 3 % (uint64_t)n);

			s->errors += lb_free(s->z, live[k], lo[k]) != 0;
			live[k] = live[--n];
			lo[k] = lo[n];
		} else {
			lo[n] = (unsigned)(r >> 40) % 4;
			if (lb_alloc(s->z, lo[n], 0, &live[n]) == 0)
				n++;
			else
				s->errors++;
		}
	}
	while (n--)
		s->errors += lb_free(s->z, live[n], lo[n]) != 0;
	return NULL;
}

static void shared_setup(bool allocating)
{
	static const struct lb_range map[] = {
		{ 0, 4 * MiB, LB_MEM_ACCEPTED },
		{ 4 * MiB + 64 * KiB, 100 * MiB, LB_MEM_UNACCEPTED },
		{ 106 * MiB, 150 * MiB - 12 * KiB, LB_MEM_UNACCEPTED },
	};
	struct lb_null_backend nb;
	struct lb_backend inner;
	struct share s[5];
	pthread_t th[5];
	struct fx f;
	struct lb_stats st0, st;
	int64_t total = 0;
	int nt = allocating ? 5 : 4, workers = 0;

	lb_null_backend_init(&nb, &inner);
	REQUIRE(fx_init_with(&f, map, 3, LB_POLICY_EAGER, 0, LB_CFG_SETUP_LATER, inner) == 0);
	f.sb.check_lock = false;
	lb_zone_stats(f.z, &st0);
	CHECK(st0.setup_accepted_pages > 0); /* the ragged edges, as firmware does */
	for (int i = 0; i < nt; i++) {
		s[i] = (struct share){ f.z, 0, 0, 0 };
		REQUIRE(pthread_create(&th[i], NULL, i < 4 ? setup_thread : alloc_thread,
				       &s[i]) == 0);
	}
	for (int i = 0; i < nt; i++) {
		pthread_join(th[i], NULL);
		CHECK_EQ(s[i].errors, 0);
		if (i < 4) {
			total += s[i].bytes;
			workers += s[i].calls > 0;
		}
	}
	CHECK(workers >= 1);
	lb_zone_stats(f.z, &st);
	CHECK_EQ(st.free_unaccepted_pages, 0);
	CHECK_EQ(st.in_flight_pages, 0);
	CHECK_EQ(st.allocated_pages, 0);
	/* Every unaccepted page accepted once: by the set-up calls, plus
	 * (with the allocating thread) the on-demand path. */
	CHECK_EQ(st.accepted_pages, st.managed_pages - 1024);
	CHECK_EQ(st.setup_accepted_pages, st0.setup_accepted_pages + (uint64_t)total / LB_PAGE_SIZE);
	if (!allocating)
		CHECK_EQ(st.setup_accepted_pages, st.managed_pages - 1024);
	CHECK_EQ(f.sb.double_accepts, 0);
	CHECK(fx_ok(&f));
	fx_fini(&f);
}

TEST_TSAN(threads_setup_accept_shared_by_four)
{
	shared_setup(false);
}

TEST_TSAN(threads_setup_accept_while_allocating)
{
	shared_setup(true);
}
