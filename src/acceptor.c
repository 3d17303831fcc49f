/* SPDX-License-Identifier: MIT */
/*
 * The background acceptor: accepted memory ahead of demand, bounded.
 *
 * The seed's proposal, with the answer to its objection. A pass takes free
 * unaccepted memory, up to a batch, accepts it in one backend call outside
 * the lock (inflight.c's protocol) and frees it to the FRONT of
 * the lists, where the next allocations look first; its thread makes
 * passes back to back while behind. It stops when free accepted memory
 * reaches the reserve, so the host commits only what the guest is about
 * to use. One call a pass keeps each batch in flight no longer than its
 * own acceptance, and lets a simulator interleave passes with vCPUs.
 *
 * How much to keep ahead (the reserve) is demand.c's, how many passes may
 * run at once scale.c's: a fixed reserve for background, predicted from the
 * allocation rate for adaptive, whose threads also scale with demand. The
 * batch (pages per pass and call) is fixed or a quarter of the reserve
 * shared among the passes allowed at once, from one block (a unit, or for
 * adaptive the reserve's order, demand.c) to 16 MiB, so a
 * pass holds no memory in flight for long.
 *
 * Passes may run concurrently (lb_acceptor_cfg.threads). Each takes other
 * memory off the lists under the lock, and counts what it takes in
 * acc_inflight until its call returns; a pass accepts only while free
 * accepted memory plus acc_inflight is below the reserve, at most that
 * shortfall rounded up to a whole block (the unit, or adaptive's reserve
 * order). So however many passes run at once, the acceptor never lifts
 * free accepted memory (as counted) plus its batches in flight above the
 * reserve plus one block less a page (exactly to the reserve when reserve
 * and free memory are whole blocks).
 *
 * A pass makes one failed backend call at most (PASS_FAILS; once the
 * zone's suspects are all taken, log2 of its batch more, retry.c): a
 * batch that fails goes back to the lists, and the next passes try its
 * halves, so a bad page costs a failed call per pass and, in the end,
 * its unit, and a failing host makes a pass answer LB_EBACKEND, on which
 * the acceptor's threads pause for a period.
 */
#include "internal.h"

#define MAX_BATCH_PAGES (UINT64_C(16) << (20 - LB_PAGE_SHIFT))
/* A configured batch: 1 GiB at most, so that a pass that fails and halves
 * down to a bad unit makes at most 18 more failed calls (4 KiB units). */
#define MAX_CFG_BATCH_PAGES (UINT64_C(1) << (30 - LB_PAGE_SHIFT))

/* Adaptive's batch, by the backend's word (accept_cost), takes at most
 * this long, or one block where that alone takes longer: the call holds
 * its CPU to the end (TDG.MEM.PAGE.ACCEPT and PVALIDATE are not
 * preempted), and a vCPU that needs that CPU waits it out, so no longer
 * than the scheduler would let another task run before it: EEVDF's
 * normalized base slice, 0.75 ms (kernel/sched/fair.c scales it up with
 * the CPUs, to 3 ms at 8; we take the one-CPU value). Where the host maps
 * 4 KiB the reserve's block comes down to what the allocations need once
 * demand.c has seen them (no dearer per page), and a pass to at most
 * 0.75 ms (64 pages from a 2 MiB batch) where a 2 MiB unit held a vCPU's
 * CPU 4.1 ms. A 16 MiB call, 33 ms under contention, once made single
 * calls the worst lag a vCPU saw. */
#define MAX_CALL_NS UINT64_C(750000)

static uint64_t call_bounded(const struct lb_zone *z, uint64_t b, uint64_t unit)
{
	const struct lb_backend_ops *ops = z->backend.ops;

	while (ops->accept_cost && b > unit &&
	       ops->accept_cost(z->backend.ctx, b << LB_PAGE_SHIFT) > MAX_CALL_NS)
		b = (b / 2) & ~(unit - 1);
	return b > unit ? b : unit;
}

/* Pages a pass takes: fixed (background's batch_bytes), or a quarter of
 * the reserve shared by the passes that may run at once, one block of
 * the reserve's order to 16 MiB, and for adaptive no longer a call than
 * MAX_CALL_NS. Adaptive takes one unit (or what of it fits in a call)
 * while free accepted memory is below a quarter of the reserve: vCPUs are
 * starving, and a smaller batch is back in the lists sooner. */
static uint64_t batch_pages(const struct lb_zone *z, unsigned passes)
{
	uint64_t unit = UINT64_C(1) << lbi_demand_order(z), b;
	bool adapts = lbi_pol(z)->adapts;

	if (z->acc_cfg.batch_bytes >= LB_PAGE_SIZE && !adapts) {
		b = z->acc_cfg.batch_bytes >> LB_PAGE_SHIFT;
		return b < MAX_CFG_BATCH_PAGES ? b : MAX_CFG_BATCH_PAGES;
	}
	if (adapts && lbi_demand_free(z) < z->reserve_pages / 4)
		/* counted as the reserve is, whole blocks: the zone's unit, or
		 * a slice of it where the reserve's block is smaller */
		return call_bounded(z, UINT64_C(1) << z->unit_order > unit
					       ? UINT64_C(1) << z->unit_order : unit, unit);
	b = z->reserve_pages / 4;
	if (adapts)
		b /= passes; /* the passes at once share the reserve */
	if (b < unit)
		b = unit;
	if (b > MAX_BATCH_PAGES)
		b = MAX_BATCH_PAGES;
	return adapts ? call_bounded(z, b, unit) : b;
}

int64_t lb_acceptor_step(struct lb_zone *z, uint64_t now_ns)
{
	struct acc_op op = { .fails = PASS_FAILS, .why = ACC_ACCEPTOR };
	uint64_t reserve, have, want, unit;
	unsigned passes;
	int64_t done = 0;

	if (!z || z->magic != LB_ZONE_MAGIC)
		return LB_EINVAL;
	zone_lock(z);
	if (lbi_acceptor_resting(z, now_ns)) {
		zone_unlock(z);
		return 0;
	}
	lbi_acceptor_wake(z, now_ns);
	reserve = lbi_acceptor_reserve(z, now_ns);
	unit = UINT64_C(1) << lbi_demand_order(z); /* the unit, or adaptive's larger */
	/* Batches of other passes still in flight will be free memory soon. */
	have = lbi_demand_free(z) + z->acc_inflight;
	passes = lbi_demand_passes(z, now_ns, have < reserve);
	if (have >= reserve)
		lbi_acceptor_rest(z, now_ns, have);
	if (have < reserve && z->demand.passes < passes) {
		want = reserve - have;
		if (want > batch_pages(z, passes))
			want = batch_pages(z, passes);
		want = (want + unit - 1) & ~(unit - 1); /* whole units: no 4 KiB calls */
		z->demand.passes++;
		done = lbi_accept_call(z, want, &op);
		z->demand.passes--;
		z->demand.passes_done++;
		z->demand.rest_on = false; /* what it took or gave back may wake the others */
	}
	zone_unlock(z);
	if (done < 0) /* the next pass goes on with the halves or other memory */
		return done == LB_ECORRUPT ? LB_ECORRUPT : LB_EBACKEND;
	return done << LB_PAGE_SHIFT;
}

int lb_acceptor_resting(struct lb_zone *z, uint64_t now_ns, uint64_t *until_ns)
{
	int rest;

	if (!z || z->magic != LB_ZONE_MAGIC)
		return LB_EINVAL;
	zone_lock(z);
	rest = lbi_acceptor_resting(z, now_ns);
	if (rest && until_ns)
		*until_ns = z->demand.rest_until;
	zone_unlock(z);
	return rest;
}

int lb_acceptor_config(struct lb_zone *z, const struct lb_acceptor_cfg *cfg)
{
	if (!z || z->magic != LB_ZONE_MAGIC || !cfg || cfg->threads > LB_ACCEPTOR_MAX_THREADS)
		return LB_EINVAL;
	zone_lock(z);
	z->acc_cfg = *cfg;
	/* a new period: the steps skipped so far are not replayed by it */
	z->demand.rest_on = z->demand.rested = false;
	zone_unlock(z);
	return 0;
}

unsigned lb_acceptor_default_threads(unsigned ncpus)
{
	/* Half the CPUs, at least one: background acceptance is free only
	 * on a CPU that would idle, and every thread beyond the idle CPUs
	 * takes time from the guest's own work; half is our assumption of
	 * what a guest can spare (docs/model.md). */
	unsigned n = ncpus / 2;

	if (n < 1)
		return 1;
	return n > LB_ACCEPTOR_MAX_THREADS ? LB_ACCEPTOR_MAX_THREADS : n;
}
