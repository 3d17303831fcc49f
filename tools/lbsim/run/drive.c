/* SPDX-License-Identifier: MIT */
#include "drive.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include "lazybuddy_backends.h"

static uint64_t wall_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * UINT64_C(1000000000) + (uint64_t)ts.tv_nsec;
}

static uint64_t max_u64(uint64_t a, uint64_t b)
{
	return a > b ? a : b;
}

static void api_error(struct lbs_drive *d, int rc)
{
	if (d->api_errors++ == 0)
		d->first_api_error = rc;
}

static uint64_t firmware_bytes(const struct lb_range *m, size_t n)
{
	uint64_t b = 0;
	for (size_t i = 0; i < n; i++)
		if (m[i].type == LB_MEM_ACCEPTED)
			b += m[i].size;
	return b;
}

static int is_acceptor(const struct lbs_drive *d, unsigned a)
{
	return a >= d->nvcpus && a < d->nvcpus + d->nacc;
}


/* ------------------------------------------------------------- vCPUs */

static void end_phase(struct lbs_drive *d);

/* Give vCPU v its next operation's event, or note that it has none. */
static void schedule_vcpu(struct lbs_drive *d, unsigned v)
{
	const struct lbs_op *op = d->src->peek(d->src->ctx, v);

	/* A vCPU that goes idle when it is due, with nothing to do before,
	 * is idle now: no event, nothing for a background thread to delay. */
	while (op && op->kind == LBS_OP_IDLE && op->busy == 0 &&
	       d->t1 + op->when <= d->free_at[v] && !d->woken_at[v]) {
		d->src->ran(d->src->ctx, v, op, 0, 0, d->free_at[v] - d->t1);
		op = d->src->peek(d->src->ctx, v);
	}
	if (!op) {
		lbs_cpus_idle(&d->cpus, v);
		if (--d->vcpus_left == 0)
			end_phase(d);
		return;
	}
	if (op->kind == LBS_OP_BLOCKED) {
		lbs_cpus_idle(&d->cpus, v);
		d->blocked[v] = 1;
		d->nblocked++;
		return;
	}
	lbs_cpus_schedule(&d->cpus, v, d->free_at[v], d->t1 + op->when, op->busy,
			  d->woken_at[v]);
}

/* source.h's wake(): what blocked v has happened (at the present time). */
static void wake(void *ctx, unsigned v)
{
	struct lbs_drive *d = ctx;

	if (v >= d->nvcpus || !d->blocked[v])
		return;
	d->blocked[v] = 0;
	d->nblocked--;
	/* Its work before the operation went on while it waited. */
	d->woken_at[v] = lbs_sched_now(&d->sched);
	schedule_vcpu(d, v);
}

/*
 * An allocation. The library never spins here (LB_ALLOC_ATOMIC on every
 * call): when only memory in flight could serve, one that may wait sleeps
 * until the first call in flight ends and asks again; an atomic one fails,
 * as in Linux.
 */
static int do_alloc(struct lbs_drive *d, unsigned v, const struct lbs_op *op, uint64_t when,
		    uint64_t *addr)
{
	struct lbs_result *out = d->out;
	uint64_t t0 = lbs_sched_now(&d->sched), busy0 = d->t.busy[v], now;
	int may_wait = !(op->flags & (LB_ALLOC_ATOMIC | LB_ALLOC_NOWAIT)), rc;

	for (;;) {
		rc = lb_alloc(d->z, op->order, op->flags | LB_ALLOC_ATOMIC, addr);
		if (rc != LB_EBUSY || !may_wait || !lbs_timed_wait_in_flight(&d->t))
			break;
	}
	now = lbs_sched_now(&d->sched);
	if (rc == 0) {
		d->live_pages += UINT64_C(1) << op->order;
		d->peak_live_pages = max_u64(d->peak_live_pages, d->live_pages);
	} else if (rc != LB_ENOMEM && rc != LB_EAGAIN && rc != LB_EBUSY) {
		api_error(d, rc);
	}
	if (d->measuring) {
		lbs_series_add(&d->x->series, LBS_S_ALLOCS, t0, 1);
		out->allocations++;
		if (rc) {
			out->alloc_failures++;
			out->nowait_failures += rc == LB_EAGAIN;
			out->busy_failures += rc == LB_EBUSY;
		}
		lbs_hist_record(&d->x->lat, now - t0);
		lbs_hist_record(&d->lag, now > when ? now - when : 0);
		out->max_alloc_accept_ns = max_u64(out->max_alloc_accept_ns, d->t.busy[v] - busy0);
	}
	return rc;
}

/* The vCPU writes the block it was handed, on its own CPU, after the
 * allocation (its latency is the allocation's alone). */
static void first_write(struct lbs_drive *d, unsigned order)
{
	uint64_t pages = UINT64_C(1) << order;
	uint64_t ns = (uint64_t)((double)d->t.host.write_gib_ns * (double)pages /
				 (double)(UINT64_C(1) << (30 - LB_PAGE_SHIFT)));

	if (ns)
		lbs_sched_sleep(&d->sched, lbs_sched_now(&d->sched) + ns, LBS_SLEEP_CALL);
}

static int do_free(struct lbs_drive *d, const struct lbs_op *op)
{
	int rc = lb_free(d->z, op->addr, op->order);

	if (rc) {
		api_error(d, rc); /* the block stays the source's as far as we know */
	} else {
		d->live_pages -= UINT64_C(1) << op->order;
		d->out->frees += (uint64_t)d->measuring;
		lbs_timed_wake_waiters(&d->t); /* as the library's spinning waiters see it */
	}
	return rc;
}

static void vcpu_event(struct lbs_drive *d, unsigned v)
{
	static const struct lb_watermarks none;
	const struct lbs_op *op = d->src->peek(d->src->ctx, v);
	uint64_t addr = 0, now;
	int64_t got;
	int rc = 0;

	lbs_cpus_begin(&d->cpus, v);
	d->woken_at[v] = 0;
	switch (op->kind) {
	case LBS_OP_ALLOC:
		rc = do_alloc(d, v, op, d->t1 + op->when, &addr);
		if (rc == 0 && d->c->sim->first_write)
			first_write(d, op->order);
		break;
	case LBS_OP_FREE:
		rc = do_free(d, op);
		break;
	case LBS_OP_SETUP:
		got = lb_zone_setup_accept(d->z, op->addr);
		if (got < 0) {
			api_error(d, (int)got);
			rc = (int)got;
		}
		addr = got > 0 ? (uint64_t)got : 0;
		break;
	case LBS_OP_WMARKS:
		rc = lb_zone_set_watermarks(d->z, op->addr ? &d->wmarks : &none);
		if (rc)
			api_error(d, rc);
		/* Booted: idle vCPUs stop taking the tick (NO_HZ_IDLE, an
		 * assumption), so their exits no longer slow the host's faults. */
		if (op->addr)
			d->t.model.vcpus = 1;
		break;
	case LBS_OP_ONLINE:
		d->t.model.vcpus = (unsigned)op->addr;
		break;
	default:
		break; /* LBS_OP_NOP, LBS_OP_IDLE: only time passes */
	}
	now = lbs_sched_now(&d->sched);
	d->free_at[v] = now;
	d->last_end = max_u64(d->last_end, now);
	d->src->ran(d->src->ctx, v, op, rc, addr, now - d->t1);
	schedule_vcpu(d, v);
}

/* ------------------------------------------- acceptor and releaser */

/* The next pass of a background actor, unless past the deadline. */
static void schedule_bg(struct lbs_drive *d, unsigned a, uint64_t when)
{
	lbs_sched_set(&d->sched, a, when <= d->bg_deadline ? when : LBS_NEVER);
}

/* The reserve over time, for the report: what the pass just made of it,
 * looked at once per point the chart can show (lb_zone_stats on every
 * pass would cost more than the pass). */
static void record_reserve(struct lbs_drive *d, uint64_t now)
{
	struct lb_stats st;

	if (d->reserve_at && now - d->reserve_at < d->x->series.width)
		return;
	d->reserve_at = now;
	if (lb_zone_stats(d->z, &st) || st.reserve_pages == d->reserve_pages)
		return;
	lbs_series_add(&d->x->series, LBS_S_RESERVE, now,
		       ((int64_t)st.reserve_pages - (int64_t)d->reserve_pages) * LB_PAGE_SIZE);
	d->reserve_pages = st.reserve_pages;
}

static uint64_t bg_period(const struct lbs_drive *d, unsigned a)
{
	return is_acceptor(d, a) ? d->c->acceptor_period_ns : d->c->releaser_period_ns;
}

/* Would actor a's step at now change nothing? Then *until: when it may. */
static int bg_resting(struct lbs_drive *d, unsigned a, uint64_t now, uint64_t *until)
{
	if (is_acceptor(d, a))
		return lb_acceptor_resting(d->z, now, until) > 0;
	return lb_releaser_resting(d->z, now, until) > 0;
}

/* The first step on the grid base + k period (k >= 1) at or after t. */
static uint64_t grid_at(uint64_t base, uint64_t period, uint64_t t)
{
	uint64_t k;

	if (!period)
		return t > base ? t : base;
	k = t > base ? (t - base + period - 1) / period : 1;
	return k > (LBS_NEVER - base) / period ? LBS_NEVER : base + k * period;
}

/* Actor a's step at now found it resting until `until`: its next step a
 * period on (polling), or asleep until its first step at or after until,
 * unless something it looks at changes first (wake_resting). */
static void rest(struct lbs_drive *d, unsigned a, uint64_t now, uint64_t until)
{
	uint64_t p = bg_period(d, a);

	if (d->polling) {
		schedule_bg(d, a, now + p);
		return;
	}
	d->resting[a] = 1;
	d->nresting++;
	d->rest_base[a] = now;
	schedule_bg(d, a, until == UINT64_MAX ? LBS_NEVER : grid_at(now, p, until));
}

/* The latest time at or before now at which a resting acceptor thread,
 * stepping every period as polling ones do, looked before what runs now
 * (at now too if its look comes first, in the order ties are broken); 0
 * if none rests. A polling thread's look tells the library that nothing
 * was handed out by then (lb_acceptor_resting), which a step that comes
 * late needs; sleeping ones must tell it the same, no more. */
static uint64_t last_look(const struct lbs_drive *d, uint64_t now)
{
	uint64_t p = d->c->acceptor_period_ns, x = 0;

	for (unsigned a = d->nvcpus; a < d->nvcpus + d->nacc; a++) {
		uint64_t g;

		if (!d->resting[a] || now < d->rest_base[a])
			continue;
		g = p ? d->rest_base[a] + (now - d->rest_base[a]) / p * p : now;
		if (g == now && g > d->rest_base[a] && lbs_sched_event_after(&d->sched, a))
			g -= p;
		x = g > x ? g : x;
	}
	return x;
}

/* The sched's begin: an actor is about to run at now. The looks that
 * sleeping threads would have made since the last are made now, before
 * it can hand anything out. */
static void look_before(void *ctx)
{
	struct lbs_drive *d = ctx;
	uint64_t x;

	if (!d->nresting)
		return;
	x = last_look(d, lbs_sched_now(&d->sched));
	if (x > d->looked) {
		d->looked = x;
		lb_acceptor_resting(d->z, x, NULL);
	}
}

/* The sched's yield: the running actor lets others see what it did. The
 * resting acceptor thread whose step comes first among those that would
 * find the rest over (as polling threads would: at once where it ended,
 * memory handed out or released or a pass ended; else at its end, which
 * a step may have moved) is woken for it; what that step does comes back
 * here for the others. Others woken earlier only look again. */
static void wake_resting(void *ctx)
{
	struct lbs_drive *d = ctx;
	uint64_t now = lbs_sched_now(&d->sched), p = d->c->acceptor_period_ns, until = 0;
	uint64_t g, first = LBS_NEVER;
	unsigned who = 0;
	int rest;

	if (!d->nresting)
		return;
	/* asked as of the last look, which saw no more than polling would */
	rest = lb_acceptor_resting(d->z, last_look(d, now), &until) > 0;
	if (rest && until == UINT64_MAX)
		return;
	for (unsigned a = d->nvcpus; a < d->nvcpus + d->nacc; a++) {
		if (!d->resting[a])
			continue;
		if (!rest) {
			g = grid_at(d->rest_base[a], p, now);
			if (g == now && !lbs_sched_event_after(&d->sched, a))
				g += p; /* its step now came first */
		} else {
			g = grid_at(d->rest_base[a], p, until);
		}
		if (g < first) { /* ties: the lower actor's step comes first */
			first = g;
			who = a;
		}
	}
	if (first < d->sched.when[who])
		schedule_bg(d, who, first);
}

static void bg_event(struct lbs_drive *d, unsigned a)
{
	uint64_t now = lbs_sched_now(&d->sched), until = 0;
	int acceptor = is_acceptor(d, a);
	int64_t rc;

	d->bg_steps++;
	if (d->resting[a]) {
		d->resting[a] = 0;
		d->nresting--;
	}
	if (d->vcpus_left && d->nblocked == d->vcpus_left) {
		/* Every vCPU left waits for another: a source's bug. Stop
		 * rather than run the background threads for ever. */
		api_error(d, LB_ECORRUPT);
		d->bg_deadline = now;
		return;
	}
	/* A step that would change nothing only looks: no CPU, no trace. */
	if (bg_resting(d, a, now, &until)) {
		rest(d, a, now, until);
		return;
	}
	/* A pass runs on one of the guest's CPUs from its start, before it
	 * claims any memory: a thread that has no CPU yet holds nothing in
	 * flight that a vCPU could be left waiting for. */
	lbs_cpus_take(&d->cpus);
	rc = acceptor ? lb_acceptor_step(d->z, lbs_sched_now(&d->sched))
		      : lb_releaser_step(d->z, lbs_sched_now(&d->sched));
	if (rc < 0)
		api_error(d, (int)rc);
	lbs_cpus_give(&d->cpus);
	now = lbs_sched_now(&d->sched);
	if (acceptor)
		record_reserve(d, now);
	d->free_at[a] = now;
	if (rc <= 0 && bg_resting(d, a, now, &until))
		rest(d, a, now, until);
	else if (acceptor) /* as the library's threads: at once while behind */
		schedule_bg(d, a, now + (rc > 0 ? 0 : d->c->acceptor_period_ns));
	else
		schedule_bg(d, a, now + d->c->releaser_period_ns);
}

/* The vCPUs are done: the background threads run on for the tail. */
static void end_phase(struct lbs_drive *d)
{
	if (!d->bg)
		return;
	d->bg_deadline = d->last_end + d->c->tail_ns;
	for (unsigned a = d->nvcpus; a < d->nactors; a++)
		if (!lbs_sched_asleep(&d->sched, a) && d->sched.when[a] > d->bg_deadline)
			lbs_sched_set(&d->sched, a, LBS_NEVER);
}

static void event(void *ctx, unsigned a)
{
	struct lbs_drive *d = ctx;

	if (a < d->nvcpus)
		vcpu_event(d, a);
	else
		bg_event(d, a);
}

/* ------------------------------------------------------------- phases */

static void phase(struct lbs_drive *d, struct lbs_source *src, int bg)
{
	uint64_t t1 = 0;
	int rc;

	for (unsigned a = 0; a < d->nactors; a++)
		t1 = max_u64(t1, d->free_at[a]);
	for (unsigned a = 0; a < d->nactors; a++)
		d->free_at[a] = t1;
	memset(d->woken_at, 0, d->nvcpus * sizeof *d->woken_at);
	d->t1 = d->last_end = t1;
	d->src = src;
	src->wake = wake;
	src->drive = d;
	d->bg = bg;
	d->bg_deadline = LBS_NEVER;
	d->vcpus_left = src->nvcpus < d->nvcpus ? src->nvcpus : d->nvcpus;
	d->nblocked = 0;
	memset(d->blocked, 0, d->nvcpus);
	for (unsigned v = 0, n = d->vcpus_left; v < n; v++)
		schedule_vcpu(d, v);
	memset(d->resting, 0, d->nactors);
	d->nresting = 0;
	if (bg)
		for (unsigned a = d->nvcpus; a < d->nactors; a++)
			schedule_bg(d, a, t1);
	if (!d->vcpus_left)
		end_phase(d);
	rc = lbs_sched_run(&d->sched);
	if (rc)
		api_error(d, rc);
	if (d->vcpus_left)
		api_error(d, LB_ECORRUPT); /* vCPUs left waiting for each other: a bug */
	d->src = NULL;
}

/* Eager's set-up as a source: each vCPU accepts a share at a time. */
struct setup_src {
	struct lbs_op op;
	uint8_t *finished; /* per vCPU: its last share found nothing */
};

static const struct lbs_op *setup_peek(void *ctx, unsigned v)
{
	struct setup_src *s = ctx;
	return s->finished[v] ? NULL : &s->op;
}

static void setup_ran(void *ctx, unsigned v, const struct lbs_op *op, int rc, uint64_t addr,
		      uint64_t end)
{
	struct setup_src *s = ctx;

	(void)op;
	(void)end;
	s->finished[v] = rc != 0 || addr == 0;
}

static int run_setup(struct lbs_drive *d)
{
	struct setup_src s;
	struct lbs_source src = {0};

	memset(&s, 0, sizeof s);
	s.op.kind = LBS_OP_SETUP;
	s.op.addr = d->setup_chunk;
	s.finished = calloc(d->nvcpus, 1);
	if (!s.finished)
		return LB_ENOMEM;
	src.nvcpus = d->nvcpus;
	src.peek = setup_peek;
	src.ran = setup_ran;
	src.ctx = &s;
	phase(d, &src, 0);
	free(s.finished);
	return 0;
}

/* ------------------------------------------------------- set-up, end */

int lbs_drive_init(struct lbs_drive *d, const struct lbs_drive_config *c, enum lb_policy p,
		   struct lbs_result *out)
{
	const struct lbs_sim_config *sc = c->sim;
	struct lb_range ranges[LBS_MAX_RANGES];
	struct lbs_model mp;
	struct lb_config cfg;
	size_t nranges;
	uint64_t unit = sc->unit_bytes ? sc->unit_bytes : LB_UNIT_DEFAULT, t0, unaccepted;
	int rc;

	memset(d, 0, sizeof *d);
	memset(&cfg, 0, sizeof cfg); /* no CPU lists: one thread steps every vCPU */
	d->c = c;
	d->out = out;
	if ((unsigned)p >= LB_POLICY_COUNT || c->nvcpus == 0 || c->nvcpus > LBS_MAX_VCPUS ||
	    sc->load_pct > 100u || (sc->cpus && sc->cpus < c->nvcpus) || sc->cpus > LBS_MAX_CPUS)
		return LB_EINVAL;
	d->nvcpus = c->nvcpus;
	d->ncpus = sc->cpus ? sc->cpus : c->nvcpus;
	/* What the library would start on a guest of these CPUs. */
	d->nacc = sc->acceptors ? sc->acceptors : lb_acceptor_default_threads(d->ncpus);
	d->nactors = d->nvcpus + d->nacc + 1u;
	out->policy = lb_policy_name(p);
	snprintf(out->backend, sizeof out->backend, "%s", sc->backend);
	snprintf(out->lock, sizeof out->lock, "%s", sc->lock == LBS_LOCK_GLOBAL ? "global" : "unit");
	out->seed = sc->seed;
	out->memory_bytes = sc->memory_bytes;
	out->unit_bytes = unit;
	out->vcpus = d->nvcpus;
	out->cpus = d->ncpus;
	out->load_pct = sc->load_pct;
	out->first_write = sc->first_write != 0;
	out->acceptors = lb_policy_runs_acceptor(p) == 1 ? d->nacc : 0;

	rc = lbs_sim_build_map(sc, ranges, LBS_MAX_RANGES, &nranges);
	if (!rc)
		rc = lbs_sim_model(sc, &mp);
	if (rc)
		return rc;
	d->x = calloc(1, sizeof *d->x);
	d->free_at = calloc(d->nactors, sizeof *d->free_at);
	d->woken_at = calloc(d->nvcpus, sizeof *d->woken_at);
	d->blocked = calloc(d->nvcpus, 1);
	d->resting = calloc(d->nactors, 1);
	d->rest_base = calloc(d->nactors, sizeof *d->rest_base);
	if (!d->x || !d->free_at || !d->woken_at || !d->blocked || !d->resting || !d->rest_base)
		return LB_ENOMEM;
	d->polling = getenv("LBSIM_POLL") && strcmp(getenv("LBSIM_POLL"), "1") == 0;
	lbs_series_init(&d->x->series);
	lbs_hist_init(&d->x->lat);
	lbs_hist_init(&d->lag);
	rc = lbs_timed_init(&d->t, &mp, d->nvcpus, d->nactors, sc->lock, &cfg.backend);
	if (!rc)
		rc = lbs_sched_init(&d->sched, d->nactors, event, d);
	if (!rc) {
		d->sched.fair = d->nvcpus;
		d->sched.yield = wake_resting;
		d->sched.begin = look_before;
	}
	if (!rc)
		rc = lbs_cpus_init(&d->cpus, &d->sched, d->ncpus, d->nvcpus, d->nactors);
	if (rc)
		return rc;
	/* adaptive's threads on a guest of one CPU take it only when idle, as
	 * the library starts them (SCHED_IDLE, src/thread.c) */
	if (p == LB_POLICY_ADAPTIVE && !(sc->adapt_off & LB_ADAPT_IDLE) && d->ncpus == 1)
		for (unsigned a = d->nvcpus; a < d->nactors; a++)
			lbs_cpus_idle_class(&d->cpus, a);
	d->t.series = &d->x->series;
	d->x->series.base = (int64_t)firmware_bytes(ranges, nranges);
	out->pre_accepted_bytes = firmware_bytes(ranges, nranges);

	cfg.ranges = ranges;
	cfg.nranges = nranges;
	cfg.unit = unit;
	cfg.policy = p;
	/* eager's acceptance is shared by the vCPUs below, not done here */
	cfg.flags = LB_CFG_SHADOW | (p == LB_POLICY_EAGER ? LB_CFG_SETUP_LATER : 0u);
	memset(&cfg.wmark, 0, sizeof cfg.wmark);
	rc = lb_zone_meta_size(&cfg, &d->meta_size);
	if (rc)
		return rc;
	/* Anonymous memory: metadata the zone never touches costs nothing. */
	d->meta = mmap(NULL, d->meta_size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (d->meta == MAP_FAILED) { /* no room for the metadata, not a full zone */
		d->meta = NULL;
		return LB_ENOSPACE;
	}
	t0 = wall_ns();
	rc = lb_zone_init(&d->z, d->meta, d->meta_size, &cfg); /* on the boot CPU */
	out->init_ns = wall_ns() - t0;
	if (rc) {
		d->z = NULL;
		return rc;
	}
	out->meta_bytes = d->meta_size;
	lb_zone_watermarks(d->z, &d->wmarks);
	/* A whole boot first costs what is not acceptance (lbs_model:
	 * boot_ns, boot_gib_ns); set-up's accepts so far (pieces below a unit)
	 * ran on the boot CPU alone; everything from here on runs on the
	 * scheduler's clock. */
	if (c->whole_boot)
		out->boot_other_ns = mp.boot_ns + (uint64_t)((double)mp.boot_gib_ns *
							      (double)sc->memory_bytes /
							      (double)(UINT64_C(1) << 30));
	d->free_at[0] = out->boot_other_ns + d->t.setup_ns;
	lbs_timed_attach(&d->t, &d->sched);
	if (p == LB_POLICY_EAGER) {
		/* About eight shares per vCPU, so that they finish together. */
		unaccepted = sc->memory_bytes > sc->pre_accepted_bytes
				     ? sc->memory_bytes - sc->pre_accepted_bytes : 0;
		d->setup_chunk = unaccepted / (8u * d->nvcpus);
		if (d->setup_chunk < unit)
			d->setup_chunk = unit;
		if (d->setup_chunk > (UINT64_C(1) << 30))
			d->setup_chunk = UINT64_C(1) << 30;
		rc = run_setup(d);
		if (rc)
			return rc;
	}
	for (unsigned a = 0; a < d->nactors; a++)
		out->setup_virtual_ns = max_u64(out->setup_virtual_ns, d->free_at[a]);
	return 0;
}

uint64_t lbs_drive_managed_pages(const struct lbs_drive *d)
{
	struct lb_stats st;

	lb_zone_stats(d->z, &st);
	return st.managed_pages;
}

void lbs_drive_fini(struct lbs_drive *d)
{
	struct lbs_result *out = d->out;

	if (d->z)
		lb_zone_fini(d->z);
	if (d->meta)
		munmap(d->meta, d->meta_size);
	if (d->x && d->c && d->c->keep_extra && d->t.wait && out && out->check[0]) {
		d->x->vcpu_wait = calloc(d->nvcpus, sizeof *d->x->vcpu_wait);
		if (d->x->vcpu_wait) {
			d->x->nvcpus = d->nvcpus;
			memcpy(d->x->vcpu_wait, d->t.wait, d->nvcpus * sizeof *d->x->vcpu_wait);
		}
		out->extra = d->x;
		d->x = NULL;
	}
	lbs_cpus_fini(&d->cpus);
	lbs_sched_fini(&d->sched);
	lbs_timed_fini(&d->t);
	free(d->x);
	free(d->free_at);
	free(d->woken_at);
	free(d->blocked);
	free(d->resting);
	free(d->rest_base);
	d->resting = NULL;
	d->rest_base = NULL;
	d->x = NULL;
	d->free_at = NULL;
	d->woken_at = NULL;
	d->blocked = NULL;
	d->z = NULL;
	d->meta = NULL;
}

void lbs_drive_prelude(struct lbs_drive *d, struct lbs_source *src)
{
	d->measuring = 0;
	phase(d, src, 0);
}

static void finish(struct lbs_drive *d)
{
	struct lbs_timed *t = &d->t;
	struct lbs_result *out = d->out;
	struct lb_stats st;
	char msg[LBS_CHECK_MAX] = "";
	uint64_t end = d->last_end, committed = (uint64_t)d->x->series.base, peak, span;
	int crc = lb_zone_check(d->z, msg, sizeof msg);

	lb_zone_stats(d->z, &st);
	out->acceptors_peak = st.acceptor_passes_peak;
	out->reserve_peak_bytes = st.reserve_peak_pages * LB_PAGE_SIZE;
	out->reserve_order = st.reserve_order;
	out->demand_unit_accepts = st.demand_unit_accepts;
	out->demand_own_accepts = st.demand_own_accepts;
	if (crc)
		snprintf(out->check, sizeof out->check, "%s", msg[0] ? msg : lb_strerror(crc));
	else if (d->api_errors)
		snprintf(out->check, sizeof out->check, "lbsim: %llu unexpected API answers, first %s",
			 (unsigned long long)d->api_errors, lb_strerror(d->first_api_error));
	else if (st.allocated_pages != d->live_pages)
		snprintf(out->check, sizeof out->check,
			 "lbsim: zone counts %llu allocated pages, the run holds %llu",
			 (unsigned long long)st.allocated_pages, (unsigned long long)d->live_pages);
	else
		snprintf(out->check, sizeof out->check, "ok");

	for (unsigned a = d->nvcpus; a < d->nactors; a++)
		out->bg_tail_ns = max_u64(out->bg_tail_ns, d->free_at[a] > end ? d->free_at[a] - end : 0);
	for (unsigned v = 0; v < d->nvcpus; v++) {
		out->vcpu_accept_ns += t->busy[v];
		out->wait_ns += t->wait[v];
	}
	for (unsigned a = d->nvcpus; a < d->nvcpus + d->nacc; a++)
		out->acceptor_cpu_ns += t->busy[a];
	out->releaser_cpu_ns = t->busy[d->nactors - 1u];
	out->accept_cpu_ns = out->vcpu_accept_ns + out->acceptor_cpu_ns + out->releaser_cpu_ns;
	out->stolen_ns = d->cpus.stolen_ns;
	out->bg_preemptions = d->cpus.preemptions;
	span = end + out->bg_tail_ns - d->t1;
	if (span)
		out->bg_cpu_share = (uint64_t)((unsigned __int128)d->cpus.held_ns * LBS_PPM /
					       ((unsigned __int128)span * d->ncpus));
	out->max_call_ns = t->max_call_ns;
	lbs_series_extend(&d->x->series, end + out->bg_tail_ns);
	peak = committed;
	for (unsigned i = 0; i < lbs_series_used(&d->x->series); i++) {
		committed += (uint64_t)d->x->series.v[LBS_S_COMMIT][i];
		peak = max_u64(peak, committed);
	}
	out->committed_bytes_end = committed;
	out->committed_bytes_peak = peak;
	out->virtual_time_ns = end;
	out->accept_calls = st.accept_calls;
	out->arch_calls = t->model.arch_calls;
	out->refused_calls = t->model.refused_calls;
	out->accepted_bytes = st.accepted_pages * LB_PAGE_SIZE;
	out->setup_accepted_bytes = st.setup_accepted_pages * LB_PAGE_SIZE;
	out->over_accepted_bytes = st.over_accepted_pages * LB_PAGE_SIZE;
	out->unaccepted_bytes_end = st.free_unaccepted_pages * LB_PAGE_SIZE;
	out->allocated_bytes_end = st.allocated_pages * LB_PAGE_SIZE;
	out->managed_bytes = st.managed_pages * LB_PAGE_SIZE;
	out->release_calls = st.release_calls;
	out->released_bytes = st.released_pages * LB_PAGE_SIZE;
	out->reaccepted_bytes = d->t.reaccepted_bytes;
	out->peak_held_bytes = d->peak_live_pages * LB_PAGE_SIZE;
	out->fits_pre_accepted = out->peak_held_bytes <= out->pre_accepted_bytes;
	out->lat_p50 = lbs_hist_percentile(&d->x->lat, 500000u);
	out->lat_p99 = lbs_hist_percentile(&d->x->lat, 990000u);
	out->lat_p999 = lbs_hist_percentile(&d->x->lat, 999000u);
	out->lat_max = lbs_hist_max(&d->x->lat);
	out->lag_p50 = lbs_hist_percentile(&d->lag, 500000u);
	out->lag_p99 = lbs_hist_percentile(&d->lag, 990000u);
	out->lag_p999 = lbs_hist_percentile(&d->lag, 999000u);
	out->max_lag_ns = lbs_hist_max(&d->lag);
	out->sched_switches = d->sched.switches;
	out->bg_steps = d->bg_steps;
}

void lbs_drive_run(struct lbs_drive *d, struct lbs_source *src)
{
	const struct lbs_sim_config *sc = d->c->sim;
	uint64_t t1 = 0;
	int rc = 0;

	for (unsigned a = 0; a < d->nactors; a++)
		t1 = max_u64(t1, d->free_at[a]);
	/* Acceptance before the run: what lb_zone_init() accepted on the boot
	 * CPU before the scheduler ran, then each vCPU's own calls (eager's
	 * shares, the prelude's allocations) until now. */
	d->out->boot_accept_vcpu_ns = d->t.setup_ns;
	for (unsigned v = 0; v < d->nvcpus; v++)
		d->out->boot_accept_vcpu_ns += d->t.busy[v];
	lbs_timed_reset_times(&d->t); /* what set-up and the prelude cost is boot_ns */
	lbs_cpus_reset(&d->cpus);
	d->out->boot_ns = t1;
	d->measuring = 1;
	if (d->out->acceptors) {
		struct lb_acceptor_cfg acfg;
		struct lb_releaser_cfg rcfg;

		memset(&acfg, 0, sizeof acfg); /* 0: the library's defaults */
		acfg.reserve_bytes = sc->reserve_bytes;
		acfg.batch_bytes = sc->batch_bytes;
		acfg.horizon_ns = sc->horizon_ns;
		acfg.adapt_off = sc->adapt_off;
		acfg.period_ns = d->c->acceptor_period_ns;
		acfg.threads = d->nacc;
		memset(&rcfg, 0, sizeof rcfg); /* 2 s delay, order >= 9, 32 a pass */
		rc = lb_acceptor_config(d->z, &acfg);
		if (!rc)
			rc = lb_releaser_config(d->z, &rcfg);
	}
	if (rc)
		api_error(d, rc);
	else
		phase(d, src, d->out->acceptors != 0);
	finish(d);
}
