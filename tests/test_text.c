/* SPDX-License-Identifier: MIT */
/*
 * The text hosted builds write, exactly: every message of the checker
 * (lb_zone_check), the shadow record's notes it reports, and
 * lb_zone_meminfo(). The core keeps findings as codes and numbers; the
 * text is made apart from them (src/format.c), and must not change.
 * Each case breaks one thing behind the zone's back, reads the message,
 * and mends it.
 */
#include "fixture.h"
#include "harness.h"

#include "../src/internal.h"

#include <stdio.h>
#include <string.h>

/* 0-8 MiB accepted, 8-10 MiB unaccepted (an order-9 block on a list),
 * 12-16 MiB unaccepted (a pristine section). */
static const struct lb_range text_map[] = {
	{ 0, 8 * MiB, LB_MEM_ACCEPTED },
	{ 8 * MiB, 2 * MiB, LB_MEM_UNACCEPTED },
	{ 12 * MiB, 4 * MiB, LB_MEM_UNACCEPTED },
};

static bool says(struct fx *f, const char *want)
{
	char msg[256];
	int rc = lb_zone_check(f->z, msg, sizeof msg);

	if (rc != LB_ECORRUPT || strcmp(msg, want) != 0) {
		printf("    check answered %d, \"%s\"\n    wanted \"%s\"\n", rc, msg, want);
		return false;
	}
	return true;
}

TEST(text_checker_messages)
{
	struct fx f;
	struct lb_zone *z;
	uint64_t a, b, d, head, saved;
	unsigned o;

	REQUIRE(fx_init(&f, text_map, 3, LB_POLICY_EXACT) == 0);
	z = f.z;
	REQUIRE(lb_alloc(z, 0, 0, &a) == 0);
	REQUIRE(lb_alloc(z, 0, 0, &b) == 0);
	REQUIRE(lb_alloc(z, 1, 0, &d) == 0);
	REQUIRE(a == 0 && b == 0x1000 && d == 0x2000);
	REQUIRE(fx_ok(&f));

	/* Counters against the walk, and their sum against the managed pages. */
	z->nr_alloc++;
	CHECK(says(&f, "I4: counters disagree with the walk (free 2044/512, allocated 4 "
		       "(cached 0), in flight 0, quarantined 0, fresh 0)"));
	z->nr_alloc--;
	z->managed_pages++;
	CHECK(says(&f, "I4: 3584 pages accounted for, 3585 managed"));
	z->managed_pages--;
	z->acc_inflight = 5;
	CHECK(says(&f, "I4: the acceptor has 5 pages in flight, the zone 0"));
	z->acc_inflight = 0;
	saved = z->rel_next;
	z->rel_next = a >> LB_PAGE_SHIFT;
	CHECK(says(&f, "I4: the releaser's cursor 0x0 is not on the accepted list of order 10"));
	z->rel_next = saved;

	/* Blocks. */
	z->pages[0].order = 11;
	CHECK(says(&f, "I4: block at 0x0 of order 11 misplaced"));
	z->pages[0].order = 0;
	z->pages[3].kind = K_ALLOC;
	CHECK(says(&f, "I4: page 0x3000 inside block 0x2000 is a head"));
	z->pages[3].kind = K_NONE;
	z->pages[1].kind = 9;
	CHECK(says(&f, "I4: page 0x1000 has unknown kind 9"));
	z->pages[1].kind = K_ALLOC;
	bit_clear(z->shadow, 1);
	CHECK(says(&f, "I1: allocated block 0x1000 holds unaccepted pages"));
	bit_set(z->shadow, 1);

	/* Free blocks: 0x4000 (order 2) is the first free accepted one. */
	REQUIRE(pg_kind(&z->pages[4]) == K_FREE && z->pages[4].order == 2);
	z->pages[4].state = 2;
	CHECK(says(&f, "I4: free block 0x4000 has bad state"));
	z->pages[4].state = S_ACCEPTED;
	bit_clear(z->shadow, 5);
	CHECK(says(&f, "I1: free block 0x4000 marked accepted holds unaccepted pages"));
	bit_set(z->shadow, 5);
	head = 2048; /* 8 MiB: the unaccepted order-9 block */
	REQUIRE(pg_kind(&z->pages[head]) == K_FREE && z->pages[head].state == S_UNACCEPTED);
	bit_set(z->shadow, head + 7);
	CHECK(says(&f, "I2: free block 0x800000 marked unaccepted holds accepted pages"));
	bit_clear(z->shadow, head + 7);
	REQUIRE(lb_free(z, a, 0) == 0);
	z->pages[1].kind = K_FREE;
	z->pages[1].state = S_ACCEPTED;
	CHECK(says(&f, "I5: free buddies 0x0 and 0x1000 of order 0 not merged"));
	z->pages[1].kind = K_ALLOC;
	REQUIRE(lb_alloc(z, 0, 0, &a) == 0 && a == 0);

	/* Sections and lists. */
	bit_set(z->active, 3);
	CHECK(says(&f, "I4: pristine section at 0xc00000 is misfiled"));
	bit_clear(z->active, 3);
	o = 2;
	REQUIRE(z->lists[0].area[o].head == 4);
	z->lists[0].area[o].head = UINT64_C(1) << 20;
	CHECK(says(&f, "I4: free list accepted/2 links outside the zone"));
	z->lists[0].area[o].head = 4;
	z->pages[4].prev = 8;
	CHECK(says(&f, "I4: free list accepted/2 corrupt at 0x4000"));
	z->pages[4].prev = 4;
	z->pages[4].flags = tag_flags(1); /* on anyone's list, saying it is tag 1's */
	CHECK(says(&f, "I4: free list accepted/2 corrupt at 0x4000"));
	z->pages[4].flags = tag_flags(0);

	z->lists[LIST_UNACC].area[9].nr++;
	CHECK(says(&f, "I4: free list unaccepted/9 holds 2 blocks, 1 free blocks found"));
	z->lists[LIST_UNACC].area[9].nr--;
	CHECK(fx_ok(&f));
	CHECK_EQ(lb_zone_check(z, NULL, 0), 0);
	fx_fini(&f);
}

/* The shadow record's notes, reported first by the checker from then on. */
TEST(text_shadow_notes)
{
	struct fx f;
	struct lb_releaser_cfg rc = { .delay_ns = 1, .min_order = 9, .batch = 1 };
	struct lb_watermarks none = { 0 };
	uint64_t addr, first;

	/* I2: an accept of a page the shadow says is accepted already. */
	REQUIRE(fx_init(&f, text_map, 3, LB_POLICY_EXACT) == 0);
	REQUIRE(lb_alloc(f.z, 10, 0, &addr) == 0 && lb_alloc(f.z, 10, 0, &addr) == 0);
	REQUIRE(lb_alloc(f.z, 0, 0, &first) == 0 && first == 8 * MiB);
	bit_set(f.z->shadow, (first >> LB_PAGE_SHIFT) + 1);
	REQUIRE(lb_alloc(f.z, 0, 0, &addr) == 0);
	CHECK(says(&f, "I2: accept of pages already accepted: [0x801000, 0x802000)"));
	fx_fini(&f);

	/* I1: a hand-out of a page the shadow says is unaccepted. */
	REQUIRE(fx_init(&f, text_map, 3, LB_POLICY_EXACT) == 0);
	bit_clear(f.z->shadow, 0);
	CHECK_EQ(lb_alloc(f.z, 0, 0, &addr), LB_ECORRUPT);
	CHECK(says(&f, "I1: hand-out of unaccepted pages: [0x0, 0x1000)"));
	fx_fini(&f);

	/* I2: a release of pages the shadow says are unaccepted. */
	REQUIRE(fx_init(&f, text_map, 3, LB_POLICY_EXACT) == 0);
	REQUIRE(lb_zone_set_watermarks(f.z, &none) == 0);
	REQUIRE(lb_releaser_config(f.z, &rc) == 0);
	bit_clear(f.z->shadow, 1024 + 3);
	lb_releaser_step(f.z, 1000);
	lb_releaser_step(f.z, 2000);
	CHECK(says(&f, "I2: release of pages not accepted: [0x400000, 0x800000)"));
	fx_fini(&f);
}

TEST(text_meminfo)
{
	struct fx f;
	char buf[1024];
	uint64_t addr;
	const char *want = "MemTotal:            14336 kB\n"
			   "MemFree:             10224 kB\n"
			   "MemAccepted:         12288 kB\n"
			   "Unaccepted:           2048 kB\n"
			   "Allocated:            4112 kB\n"
			   "InFlight:                0 kB\n"
			   "Quarantined:             0 kB\n"
			   "OverAccepted:            0 kB\n"
			   "AcceptCalls:             1\n";

	REQUIRE(fx_init(&f, text_map, 3, LB_POLICY_EXACT) == 0);
	REQUIRE(lb_alloc(f.z, 1, 0, &addr) == 0);
	REQUIRE(lb_alloc(f.z, 10, 0, &addr) == 0 && lb_alloc(f.z, 10, 0, &addr) == 0);
	REQUIRE(lb_free(f.z, addr, 10) == 0);
	REQUIRE(lb_alloc(f.z, 1, 0, &addr) == 0);
	CHECK_EQ(lb_zone_meminfo(f.z, buf, sizeof buf), (int)strlen(want));
	if (strcmp(buf, want))
		printf("    meminfo:\n%s", buf);
	CHECK(strcmp(buf, want) == 0);
	CHECK_EQ(lb_zone_meminfo(f.z, NULL, 0), (int)strlen(want));
	CHECK_EQ(lb_zone_meminfo(f.z, buf, 9), (int)strlen(want));
	CHECK(strcmp(buf, "MemTotal") == 0);
	CHECK(fx_ok(&f));
	fx_fini(&f);
}
