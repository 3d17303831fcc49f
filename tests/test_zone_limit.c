/* SPDX-License-Identifier: MIT */
/*
 * The zone size limit: page indices are 32-bit, so a zone spans at most
 * LB_ZONE_MAX_SPAN (16 TiB). Within it, set-up costs what accepted memory
 * costs, whatever the span; above it, LB_ETOOBIG, and nothing changes; a
 * larger guest is several zones side by side. A metadata buffer too small
 * is LB_ENOSPACE, never LB_ENOMEM.
 */
#include "fixture.h"
#include "harness.h"

#include "../src/internal.h"
#include "../tools/lbsim/run/drive.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define TiB (UINT64_C(1) << 40)

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Anonymous, never committed until written: what a guest kernel would
 * reserve for the metadata of memory it may never use. */
static void *map_meta(size_t size)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

struct big {
	struct lb_null_backend nb;
	struct lb_config cfg;
	struct lb_zone *z;
	void *meta;
	size_t size;
	uint64_t init_ns;
};

static int big_init(struct big *b, const struct lb_range *map, size_t n)
{
	int rc;

	memset(b, 0, sizeof *b);
	b->cfg.ranges = map;
	b->cfg.nranges = n;
	b->cfg.policy = LB_POLICY_UNIT;
	b->cfg.flags = LB_CFG_SHADOW;
	lb_null_backend_init(&b->nb, &b->cfg.backend);
	rc = lb_zone_meta_size(&b->cfg, &b->size);
	if (rc)
		return rc;
	b->meta = map_meta(b->size);
	if (!b->meta)
		return LB_ENOSPACE;
	b->init_ns = now_ns();
	rc = lb_zone_init(&b->z, b->meta, b->size, &b->cfg);
	b->init_ns = now_ns() - b->init_ns;
	return rc;
}

static void big_fini(struct big *b)
{
	if (b->z)
		lb_zone_fini(b->z);
	if (b->meta)
		munmap(b->meta, b->size);
}

/* n order-10 blocks, each inside [lo, hi); false on the first that is not. */
static bool alloc_within(struct lb_zone *z, unsigned n, uint64_t lo, uint64_t hi, uint64_t *last)
{
	for (unsigned i = 0; i < n; i++) {
		if (lb_alloc(z, 10, 0, last) != 0 || *last < lo || *last + 4 * MiB > hi)
			return false;
	}
	return true;
}

/* A 12 TiB guest, 4 GiB accepted by firmware: set up in milliseconds, and
 * it allocates, past the accepted part too. */
TEST(zone_12tib_sets_up_fast)
{
	const struct lb_range map[] = {
		{ 0, 4 * GiB, LB_MEM_ACCEPTED },
		{ 4 * GiB, 12 * TiB - 4 * GiB, LB_MEM_UNACCEPTED },
	};
	struct big b;
	struct lb_stats st;
	uint64_t addr;

	REQUIRE(big_init(&b, map, 2) == 0);
	printf("    12 TiB zone (4 GiB accepted): set up in %.2f ms, %.1f GiB of metadata "
	       "address space\n", (double)b.init_ns / 1e6, (double)b.size / (double)GiB);
	CHECK(b.init_ns < 250000000u); /* well under a second, in every variant */
	lb_zone_stats(b.z, &st);
	CHECK_EQ(st.span_pages, 12 * TiB / LB_PAGE_SIZE);
	CHECK_EQ(st.free_unaccepted_pages, (12 * TiB - 4 * GiB) / LB_PAGE_SIZE);
	CHECK_EQ(b.nb.accept_calls, 0);
	CHECK_EQ(lb_zone_page_state(b.z, 12 * TiB - LB_PAGE_SIZE), LB_PAGE_FREE_UNACCEPTED);
	/* 1024 blocks of accepted memory, then 76 accepted on demand. */
	CHECK(alloc_within(b.z, 1100, 0, 12 * TiB, &addr));
	CHECK(addr >= 4 * GiB);
	CHECK_EQ(b.nb.accept_calls, 76);
	CHECK_EQ(lb_free(b.z, addr, 10), 0);
	CHECK_EQ(lb_zone_check(b.z, NULL, 0), 0);
	big_fini(&b);
}

/* Above the limit: LB_ETOOBIG from both calls, never LB_ERANGE, and the
 * buffer, the backend and *out are left alone. */
TEST(zone_32tib_map_refused)
{
	const struct lb_range map[] = {
		{ 0, 4 * GiB, LB_MEM_ACCEPTED },
		{ 4 * GiB, 32 * TiB - 4 * GiB, LB_MEM_UNACCEPTED },
	};
	const struct lb_range just_over[] = { { 0, 16 * TiB + LB_PAGE_SIZE, LB_MEM_ACCEPTED } };
	/* The span counts from the 4 MiB section of the lowest range. */
	const struct lb_range from_section[] = {
		{ 2 * MiB, 16 * TiB, LB_MEM_UNACCEPTED },
	};
	const struct lb_range exactly[] = { { 16 * TiB, 16 * TiB, LB_MEM_UNACCEPTED } };
	struct lb_null_backend nb;
	struct lb_config c = { .ranges = map, .nranges = 2, .policy = LB_POLICY_EAGER };
	struct lb_zone *z = NULL;
	size_t size = 12345, len = 1 << 20;
	unsigned char *meta = aligned_alloc(16, len), *copy = malloc(len);

	REQUIRE(meta && copy);
	lb_null_backend_init(&nb, &c.backend);
	CHECK_EQ(lb_zone_meta_size(&c, &size), LB_ETOOBIG);
	CHECK_EQ(size, 12345);
	memset(meta, 0xa5, len);
	memcpy(copy, meta, len);
	CHECK_EQ(lb_zone_init(&z, meta, len, &c), LB_ETOOBIG);
	CHECK(z == NULL);
	CHECK(memcmp(meta, copy, len) == 0);
	CHECK_EQ(nb.accept_calls, 0);
	CHECK(strcmp(lb_strerror(LB_ETOOBIG),
		     "LB_ETOOBIG: zone spans more than 16 TiB; split the map into zones") == 0);

	c.ranges = just_over;
	c.nranges = 1;
	CHECK_EQ(lb_zone_meta_size(&c, &size), LB_ETOOBIG);
	c.ranges = from_section;
	CHECK_EQ(lb_zone_meta_size(&c, &size), LB_ETOOBIG);
	c.ranges = exactly; /* 2^32 pages: the limit itself fits */
	CHECK_EQ(lb_zone_meta_size(&c, &size), 0);
	CHECK(size >= 16 * TiB / LB_PAGE_SIZE * 12);
	CHECK_EQ(nb.accept_calls, 0);
	free(meta);
	free(copy);
}

/*
 * A 32 TiB guest as two zones of 16 TiB side by side, each at the limit.
 * The first ends on a section of accepted memory, so that its last page,
 * index 2^32 - 1 (every 32-bit value is a page there), goes on a free list
 * between two others and comes back.
 */
TEST(zone_two_16tib_zones_side_by_side)
{
	const uint64_t end = 16 * TiB, last = end - LB_PAGE_SIZE;
	const struct lb_range lo_map[] = {
		{ 0, end - 4 * MiB, LB_MEM_UNACCEPTED },
		{ end - 4 * MiB, 4 * MiB, LB_MEM_ACCEPTED },
	};
	const struct lb_range hi_map[] = {
		{ end, 2 * GiB, LB_MEM_ACCEPTED },
		{ end + 2 * GiB, end - 2 * GiB, LB_MEM_UNACCEPTED },
	};
	static uint64_t page[1024];
	struct big lo, hi;
	struct lb_stats st;
	uint64_t addr, got[3];
	bool seen_last = false;

	REQUIRE(big_init(&lo, lo_map, 2) == 0);
	REQUIRE(big_init(&hi, hi_map, 2) == 0);
	printf("    two 16 TiB zones: set up in %.2f and %.2f ms\n", (double)lo.init_ns / 1e6,
	       (double)hi.init_ns / 1e6);
	CHECK(lo.init_ns < 250000000u && hi.init_ns < 250000000u);

	/* The low zone's accepted section, page by page, without accepting. */
	for (unsigned i = 0; i < 1024; i++) {
		REQUIRE(lb_alloc(lo.z, 0, LB_ALLOC_NOWAIT, &page[i]) == 0);
		CHECK(page[i] >= end - 4 * MiB && page[i] < end);
		seen_last |= page[i] == last;
	}
	CHECK(seen_last);
	CHECK_EQ(lb_alloc(lo.z, 0, LB_ALLOC_NOWAIT, &addr), LB_EAGAIN);
	/* Three order-0 blocks on one list, the last page in the middle. */
	CHECK_EQ(lb_free(lo.z, last - 2 * LB_PAGE_SIZE, 0), 0);
	CHECK_EQ(lb_free(lo.z, last, 0), 0);
	CHECK_EQ(lb_free(lo.z, last - 4 * LB_PAGE_SIZE, 0), 0);
	CHECK_EQ(lb_zone_check(lo.z, NULL, 0), 0);
	for (unsigned i = 0; i < 3; i++)
		CHECK_EQ(lb_alloc(lo.z, 0, LB_ALLOC_NOWAIT, &got[i]), 0);
	CHECK_EQ(got[0], last - 4 * LB_PAGE_SIZE);
	CHECK_EQ(got[1], last);
	CHECK_EQ(got[2], last - 2 * LB_PAGE_SIZE);
	for (unsigned i = 0; i < 1024; i++)
		CHECK_EQ(lb_free(lo.z, page[i], 0), 0);
	lb_zone_stats(lo.z, &st);
	CHECK_EQ(st.free_blocks[S_ACCEPTED][10], 1); /* merged back whole */
	/* And it accepts on demand, from its lowest pristine section. */
	CHECK(alloc_within(lo.z, 2, 0, end, &addr));
	CHECK_EQ(addr, 0);
	CHECK_EQ(lo.nb.accept_calls, 1);
	CHECK_EQ(lb_zone_check(lo.z, NULL, 0), 0);

	/* The high zone: its 2 GiB accepted, then on demand, all above 16 TiB. */
	CHECK(alloc_within(hi.z, 600, end, 2 * end, &addr));
	CHECK(addr >= end + 2 * GiB);
	CHECK_EQ(hi.nb.accept_calls, 600 - 512);
	CHECK_EQ(lb_zone_page_state(hi.z, 2 * end - LB_PAGE_SIZE), LB_PAGE_FREE_UNACCEPTED);
	CHECK_EQ(lb_zone_page_state(hi.z, last), LB_ERANGE);
	CHECK_EQ(lb_zone_page_state(lo.z, end), LB_ERANGE);
	CHECK_EQ(lb_zone_check(hi.z, NULL, 0), 0);
	big_fini(&lo);
	big_fini(&hi);
}

/* A short or misaligned buffer is LB_ENOSPACE for a big zone as for any. */
TEST(zone_short_meta_buffer_is_enospace)
{
	const struct lb_range map[] = {
		{ 0, 4 * GiB, LB_MEM_ACCEPTED },
		{ 4 * GiB, 12 * TiB - 4 * GiB, LB_MEM_UNACCEPTED },
	};
	struct lb_null_backend nb;
	struct lb_config c = { .ranges = map, .nranges = 2, .policy = LB_POLICY_UNIT };
	struct lb_zone *z = NULL;
	size_t size;
	unsigned char *meta;

	lb_null_backend_init(&nb, &c.backend);
	REQUIRE(lb_zone_meta_size(&c, &size) == 0);
	meta = map_meta(size + 16);
	REQUIRE(meta != NULL);
	CHECK_EQ(lb_zone_init(&z, meta, size - 1, &c), LB_ENOSPACE);
	CHECK_EQ(lb_zone_init(&z, meta, size / 2, &c), LB_ENOSPACE);
	CHECK_EQ(lb_zone_init(&z, meta + 8, size, &c), LB_ENOSPACE);
	CHECK(z == NULL);
	CHECK_EQ(nb.accept_calls, 0);
	munmap(meta, size + 16);
}

/* lbsim's zone on a guest whose metadata cannot be mapped (an address
 * space limit): LB_ENOSPACE, not "no free memory of that order". In a
 * child, so that the limit binds nobody else. */
TEST(lbsim_meta_unmappable_is_enospace)
{
	struct lbs_sim_config sc;
	struct lbs_drive_config dc = { .sim = &sc, .nvcpus = 1 };
	pid_t pid;
	int status;

	lbs_sim_defaults(&sc);
	sc.memory_bytes = 4 * TiB; /* 12 GiB of metadata */
	pid = fork();
	REQUIRE(pid >= 0);
	if (pid == 0) {
		struct lbs_drive d;
		struct lbs_result r;
		struct rlimit rl;
		unsigned long vm_pages = 0;
		FILE *f = fopen("/proc/self/statm", "r");

		if (!f || fscanf(f, "%lu", &vm_pages) != 1)
			_exit(2);
		fclose(f);
		/* What the process has (sanitizers reserve a lot) plus 4 GiB. */
		rl.rlim_cur = rl.rlim_max = (rlim_t)vm_pages * (rlim_t)sysconf(_SC_PAGESIZE) +
					    ((rlim_t)4 << 30);
		if (setrlimit(RLIMIT_AS, &rl))
			_exit(2);
		memset(&r, 0, sizeof r);
		_exit(lbs_drive_init(&d, &dc, LB_POLICY_UNIT, &r) == LB_ENOSPACE ? 0 : 1);
	}
	REQUIRE(waitpid(pid, &status, 0) == pid);
	CHECK(WIFEXITED(status));
	CHECK_EQ(WEXITSTATUS(status), 0);
}
