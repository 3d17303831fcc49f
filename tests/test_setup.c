/* SPDX-License-Identifier: MIT */
/* Set-up does no per-page work for memory that has never been accepted:
 * the metadata of never-touched sections is neither written nor read. */
#include "fixture.h"
#include "harness.h"

#include "../src/internal.h"

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
