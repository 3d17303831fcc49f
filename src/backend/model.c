/* SPDX-License-Identifier: MIT */
/*
 * The model backend: acceptance as a cost in virtual time, no memory.
 *
 * Contract: one backend call for a page-aligned range [addr, addr + size) is
 * split the way a guest kernel drives the platform (lazybuddy_backends.h):
 * at each page the largest aligned chunk that fits is tried first; a size
 * in tries is refused and the same memory is tried smaller; a size in
 * levels (4 KiB always) is accepted in one architectural call. The call
 * costs arch_calls * call_ns + refused * refused_ns + pages * page_ns +
 * pages * fault / 2^host_order, with fault = fault_ns + fault_vcpu_ns *
 * (vcpus - 1), and that cost is added to clock_ns. Release: release_call_ns
 * per levels chunk plus release_page_ns per page. Clock and counters move
 * by atomic adds, so concurrent calls for disjoint ranges sum exactly. A
 * bad range (empty, unaligned, wrapping) is refused with LB_EINVAL and
 * charged nothing.
 *
 * The presets (lb_model_preset): tdx-4k (TDX on today's KVM, which maps
 * private memory at 4 KiB: every 2 MiB accept refused and retried as 512
 * of 4 KiB, each faulting a page in), tdx (a host that maps 2 MiB), snp-4k
 * and snp (SEV-SNP alike), and free (no costs, calls counted as tdx). The
 * figures, in ns for a 4 KiB page, are one table with each one's kind
 * (assumption, derived, fitted) and source: docs/model.md, "The figures",
 * which tests/test_cost.c keeps equal to the ones below;
 * docs/fidelity.md compares the presets with measurements.
 * What a shared host and a whole boot cost is lbsim's model, not a call's
 * (tools/lbsim/model/model.c).
 */
#include "lazybuddy_backends.h"

#define LV_4K (1u << 0)
#define LV_2M (1u << 9)
#define LV_1G (1u << 18)

/* The platform figures the presets share (docs/model.md, "The figures"). */
#define PLATFORM                                                                   \
	.call_ns = 1000, .page_ns = 500, .refused_ns = 1000, .fault_ns = 6500,     \
	.fault_vcpu_ns = 587, .release_call_ns = 5000, .release_page_ns = 500

static const struct lb_model_params presets[] = {
	{ .name = "tdx-4k", PLATFORM, .levels = LV_4K, .tries = LV_2M | LV_1G, .host_order = 0 },
	{ .name = "tdx", PLATFORM, .levels = LV_4K | LV_2M, .tries = LV_1G, .host_order = 9 },
	{ .name = "snp-4k", PLATFORM, .levels = LV_4K, .tries = LV_2M, .host_order = 0 },
	{ .name = "snp", PLATFORM, .levels = LV_4K | LV_2M, .host_order = 9 },
	{ .name = "free", .levels = LV_4K | LV_2M, .tries = LV_1G, .host_order = 9 },
};

/* strcmp's equality, here so that freestanding builds need no libc. */
static int same_name(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return *a == *b;
}

int lb_model_preset(const char *name, struct lb_model_params *p)
{
	if (!name || !p)
		return LB_EINVAL;
	for (size_t i = 0; i < sizeof presets / sizeof presets[0]; i++) {
		if (same_name(name, presets[i].name)) {
			*p = presets[i];
			return LB_OK;
		}
	}
	return LB_EINVAL;
}

static int range_ok(uint64_t addr, uint64_t size)
{
	return size != 0 && ((addr | size) & (LB_PAGE_SIZE - 1)) == 0 &&
	       addr + size > addr;
}

struct split {
	uint64_t calls, refused;
};

/*
 * The architectural calls for pages [s, e): at each page the largest size
 * of levels | tries that is aligned and fits; a size in tries is refused
 * and the same memory is tried with the smaller sizes. The greedy walk
 * uses the top size K exactly on [alignup(s), aligndown(e)) of 2^K:
 * smaller chunks are self-aligned and never straddle a 2^K boundary. So
 * count that stretch (and, for a refused K, walk it again below K) and
 * recurse on the head and the tail: O(levels^2), not O(pages).
 */
static void arch_split(uint64_t s, uint64_t e, unsigned levels, unsigned tries, struct split *out)
{
	unsigned k, refused;
	uint64_t chunk, a, b;

	if (s >= e)
		return;
	k = 31u - (unsigned)__builtin_clz(levels | tries | 1u);
	if (k == 0) {
		out->calls += e - s; /* 4 KiB: always accepted */
		return;
	}
	refused = !(levels & (1u << k));
	chunk = UINT64_C(1) << k;
	a = (s + chunk - 1) & ~(chunk - 1);
	b = e & ~(chunk - 1);
	levels &= ~(1u << k);
	tries &= ~(1u << k);
	if (a >= b) {
		arch_split(s, e, levels, tries, out);
		return;
	}
	if (refused) {
		out->refused += (b - a) >> k;
		arch_split(a, b, levels, tries, out);
	} else {
		out->calls += (b - a) >> k;
	}
	arch_split(s, a, levels, tries, out);
	arch_split(b, e, levels, tries, out);
}

static struct split split_range(uint64_t addr, uint64_t size, unsigned levels, unsigned tries)
{
	struct split sp = { 0, 0 };
	uint64_t s = addr >> LB_PAGE_SHIFT;

	arch_split(s, s + (size >> LB_PAGE_SHIFT), levels, tries, &sp);
	return sp;
}

/* Costs saturate instead of wrapping: a figure from a cost file may be
 * absurd, and a wrapped clock would look valid. */
static uint64_t sat_mul(uint64_t a, uint64_t b)
{
	uint64_t r;

	return __builtin_mul_overflow(a, b, &r) ? UINT64_MAX : r;
}

static uint64_t sat_add(uint64_t a, uint64_t b)
{
	return a + b < a ? UINT64_MAX : a + b;
}

/* What the host's faults cost for pages accepted: a fault per granule,
 * growing with the vCPUs online. */
static uint64_t fault_cost(const struct lb_model_backend *m, uint64_t pages)
{
	unsigned v = __atomic_load_n(&m->vcpus, __ATOMIC_RELAXED);
	uint64_t f = sat_add(m->p.fault_ns, sat_mul(m->p.fault_vcpu_ns, v > 1 ? v - 1u : 0u));
	unsigned shift = m->p.host_order < 64 ? m->p.host_order : 63;

	/* pages * f / 2^shift as whole granules plus the part of one */
	return sat_add(sat_mul(pages >> shift, f),
		       sat_mul(pages & ((UINT64_C(1) << shift) - 1u), f) >> shift);
}

/* What one accept call of [addr, addr + size) charges: the same sum for
 * the call itself and for a caller asking what it would cost. */
static uint64_t accept_charge(const struct lb_model_backend *m, uint64_t addr, uint64_t size,
			      struct split *sp)
{
	uint64_t pages = size >> LB_PAGE_SHIFT;

	*sp = split_range(addr, size, m->p.levels, m->p.tries);
	return sat_add(sat_add(sat_mul(sp->calls, m->p.call_ns), sat_mul(sp->refused, m->p.refused_ns)),
		       sat_add(sat_mul(pages, m->p.page_ns), fault_cost(m, pages)));
}

/* The virtual clock moves on by ns, saturating as the costs do: a clock
 * that wrapped would run backwards. */
static void clock_charge(struct lb_model_backend *m, uint64_t ns)
{
	uint64_t old = __atomic_load_n(&m->clock_ns, __ATOMIC_RELAXED);

	while (!__atomic_compare_exchange_n(&m->clock_ns, &old, sat_add(old, ns), 1,
					    __ATOMIC_RELAXED, __ATOMIC_RELAXED))
		;
}

static int model_accept(void *ctx, uint64_t addr, uint64_t size)
{
	struct lb_model_backend *m = ctx;
	struct split sp;
	uint64_t ns;

	if (!range_ok(addr, size))
		return LB_EINVAL;
	ns = accept_charge(m, addr, size, &sp);
	clock_charge(m, ns);
	__atomic_fetch_add(&m->accept_calls, 1, __ATOMIC_RELAXED);
	__atomic_fetch_add(&m->arch_calls, sp.calls, __ATOMIC_RELAXED);
	__atomic_fetch_add(&m->refused_calls, sp.refused, __ATOMIC_RELAXED);
	__atomic_fetch_add(&m->accepted_pages, size >> LB_PAGE_SHIFT, __ATOMIC_RELAXED);
	return LB_OK;
}

/* The cost of accepting an aligned range of size bytes, charged to no
 * clock (address 0 is aligned to every size). */
static uint64_t model_accept_cost(void *ctx, uint64_t size)
{
	struct split sp;

	return range_ok(0, size) ? accept_charge(ctx, 0, size, &sp) : 0;
}

static int model_release(void *ctx, uint64_t addr, uint64_t size)
{
	struct lb_model_backend *m = ctx;
	uint64_t pages = size >> LB_PAGE_SHIFT;
	struct split sp;

	if (!range_ok(addr, size))
		return LB_EINVAL;
	sp = split_range(addr, size, m->p.levels, 0);
	clock_charge(m, sat_add(sat_mul(sp.calls, m->p.release_call_ns),
				sat_mul(pages, m->p.release_page_ns)));
	__atomic_fetch_add(&m->release_calls, 1, __ATOMIC_RELAXED);
	__atomic_fetch_add(&m->released_pages, pages, __ATOMIC_RELAXED);
	return LB_OK;
}

static const struct lb_backend_ops model_ops = {
	.name = "model",
	.accept = model_accept,
	.release = model_release,
	.accept_cost = model_accept_cost,
};

/* p NULL: the "free" preset. */
void lb_model_backend_init(struct lb_model_backend *m, const struct lb_model_params *p,
			   struct lb_backend *out)
{
	if (p)
		m->p = *p;
	else
		(void)lb_model_preset("free", &m->p);
	m->clock_ns = 0;
	m->accept_calls = m->arch_calls = m->accepted_pages = m->refused_calls = 0;
	m->release_calls = m->released_pages = 0;
	m->vcpus = 1;
	out->ops = &model_ops;
	out->ctx = m;
}

uint64_t lb_model_clock(const struct lb_model_backend *m)
{
	return __atomic_load_n(&m->clock_ns, __ATOMIC_RELAXED);
}
