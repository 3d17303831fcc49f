/* SPDX-License-Identifier: MIT */
/*
 * lbsim's result fields, listed once: LBS_RESULT_FIELDS declares the
 * members of struct lbs_result (sim.h) and drives the JSON, the CSV, both
 * text tables (synthetic workloads, trace replays) and the HTML report's
 * table (report/html_table.c).
 *
 * Each entry is X(type, name, json, scope, csv, synth, trace):
 *
 *   type   how the member is stored: STR (const char *), NAME (a short
 *          string, char[LBS_NAME_MAX]), MSG (char[LBS_CHECK_MAX]), U64, UINT
 *          (unsigned), BOOL (int, JSON true/false), SHARE (uint64_t
 *          millionths of one, JSON and CSV "0.250000"), INCONS (uint64_t per
 *          inconsistency kind of the trace reader, named by
 *          lb_trace_incons_name()), or CALC: not stored, computed from the
 *          other members by calc_<name>() in fields.c.
 *   name   the member.
 *   json   its JSON key, or NULL for none. "group.key" puts it in the object
 *          "group" with its neighbours of the same group, on one line; an
 *          INCONS field's key is a group with a member per kind.
 *   scope  which JSON objects have it: ANY, SYNTH (synthetic workloads
 *          only) or TRACE (trace replays only). CSV rows have every column.
 *   csv    CSV: it has CSV columns, named as its JSON key with "." as "_"
 *          (alloc_latency_ns.p50: alloc_latency_ns_p50; INCONS: one
 *          "<key>_<kind>" each), so the two outputs never name one value
 *          twice; NOCSV: none (a JSON alias).
 *   synth, trace  its column in each table: TAB(rank, heading, second
 *          heading line, unit, decimals); RTAB(the same) for a column only
 *          the HTML report's table has (a superset of the terminal's: the
 *          boot's and acceptance's totals, say); or NOTAB. Ranks order the
 *          columns, 1, 2, 3... without gaps, RTAB's counted (the terminal
 *          skips them); the last is the check text, printed in full.
 *          Units: TEXT (left-aligned), INT, TIME (in s, ms or µs, whichever
 *          it reaches, the unit shown), MIB, S, MS, US (bytes or ns as a
 *          number of that unit), PCT (a SHARE in percent); decimals for
 *          all but TEXT and INT.
 *
 * JSON members, CSV columns and struct members follow the list's order.
 * Every stored field must have a JSON key and a CSV column (a test checks
 * that); CALC fields are for what only a table shows (or a JSON alias).
 *
 * Adding a result: one line here, then set it where the runs fill the
 * struct (drive.c, replay.c); a CALC one needs calc_<name>() in fields.c.
 *
 * Using the list elsewhere: either walk lbs_fields[] (lbs_table_columns()
 * gives a mode's terminal table columns in order, lbs_report_columns() the
 * report's, lbs_field_cell() a cell's text, lbs_field_u64()/lbs_field_text()
 * the raw values, lbs_field_named() a field by name), or expand
 * LBS_RESULT_FIELDS with an X macro of your own; one that uses the synth or
 * trace argument must define TAB, WTAB, RTAB and NOTAB first.
 * A table as the terminal's:
 *
 *	enum lbs_mode m = lbs_result_mode(&r[0]);
 *	const struct lbs_field *cols[32];
 *	size_t n = lbs_table_columns(m, wide, cols, 32);
 *	for (size_t c = 0; c < n; c++)    headings: cols[c]->col[m].head, .sub
 *	for each result x, column c:      lbs_field_cell(cols[c], m, x, buf, len)
 *
 * (cols[c]->col[m].unit == LBS_COL_TEXT: a name, left-aligned; the last
 * column, check, can be long.)
 */
#ifndef LBS_FIELDS_H
#define LBS_FIELDS_H

#include <stddef.h>
#include <stdint.h>

/* The JSON and CSV format's version, each result's "schema": raised when a
 * key or column is renamed or removed or its meaning changes (adding one
 * does not). 1: CSV columns named after the JSON keys. */
#define LBS_SCHEMA 1

/* clang-format off */
#define LBS_RESULT_FIELDS(X)                                                                       \
	/* LBS_SCHEMA */                                                                           \
	X(CALC, schema, "schema", ANY, CSV, NOTAB, NOTAB)                                          \
	/* lb_policy_name() */                                                                     \
	X(STR, policy, "policy", ANY, CSV,                                                         \
	  TAB(1, "policy", "", TEXT, 0), TAB(1, "policy", "", TEXT, 0))                            \
	/* lbs_workload_name(), or "trace" */                                                      \
	X(STR, workload, "workload", ANY, CSV,                                                     \
	  TAB(2, "workload", "", TEXT, 0), NOTAB)                                                  \
	X(NAME, backend, "backend", ANY, CSV, NOTAB, NOTAB)                                        \
	X(U64, seed, "seed", ANY, CSV, NOTAB, NOTAB)                                               \
	X(U64, memory_bytes, "memory_bytes", ANY, CSV, NOTAB, NOTAB)                               \
	X(U64, managed_bytes, "managed_bytes", ANY, CSV, NOTAB, NOTAB)                             \
	X(U64, pre_accepted_bytes, "pre_accepted_bytes", ANY, CSV, NOTAB, NOTAB)                   \
	X(U64, unit_bytes, "unit_bytes", ANY, CSV, NOTAB, NOTAB)                                   \
	X(U64, meta_bytes, "meta_bytes", ANY, CSV, NOTAB, NOTAB)                                   \
	/* backend accept calls of the zone */                                                     \
	X(U64, accept_calls, "accept_calls", ANY, CSV,                                             \
	  WTAB(3, "accept", "calls", INT, 0), WTAB(2, "accept", "calls", INT, 0))                  \
	/* architectural calls the model split them into */                                        \
	X(U64, arch_calls, "arch_calls", ANY, CSV, NOTAB, NOTAB)                                   \
	/* tries the platform refused (1 GiB on TDX, 2 MiB on a host that maps 4 KiB) */           \
	X(U64, refused_calls, "refused_calls", ANY, CSV, NOTAB, NOTAB)                             \
	/* accepted by the zone (set-up included) */                                               \
	X(U64, accepted_bytes, "accepted_bytes", ANY, CSV,                                         \
	  TAB(4, "accepted", "MiB", MIB, 1), TAB(3, "accepted", "MiB", MIB, 1))                    \
	X(U64, setup_accepted_bytes, "setup_accepted_bytes", ANY, CSV,                             \
	  NOTAB, NOTAB)                                                                            \
	/* accepted, not handed out since */                                                       \
	X(U64, over_accepted_bytes, "over_accepted_bytes", ANY, CSV,                               \
	  TAB(6, "over-acc", "MiB", MIB, 1), TAB(7, "over-acc", "MiB", MIB, 1))                    \
	/* free unaccepted memory after the workload */                                            \
	X(U64, unaccepted_bytes_end, "unaccepted_bytes_end", ANY, CSV,                             \
	  NOTAB, NOTAB)                                                                            \
	X(U64, allocated_bytes_end, "allocated_bytes_end", ANY, CSV,                               \
	  NOTAB, NOTAB)                                                                            \
	/* wall clock of lb_zone_init() (not deterministic) */                                     \
	X(U64, init_ns, "init_ns", ANY, CSV, NOTAB, NOTAB)                                         \
	/* virtual time when set-up ended (eager's shared by the vCPUs) */                         \
	X(U64, setup_virtual_ns, "setup_virtual_ns", ANY, CSV, NOTAB, NOTAB)                       \
	/* when the vCPUs' last operation ended, set-up included (the background                   \
	 * threads' tail apart) */                                                                 \
	X(U64, virtual_time_ns, "virtual_time_ns", ANY, CSV,                                       \
	  WTAB(9, "virtual", "time", TIME, 2), NOTAB)                                              \
	/* how long after it the acceptor and releaser last did something */                       \
	X(U64, bg_tail_ns, "bg_tail_ns", ANY, CSV, NOTAB, NOTAB)                                   \
	X(UINT, vcpus, "vcpus", ANY, CSV, NOTAB, NOTAB)                                            \
	/* the guest's CPUs (cpus.h): one per vCPU stream, or more (--cpus) */                     \
	X(UINT, cpus, "cpus", ANY, CSV, NOTAB, NOTAB)                                              \
	/* --load: the share of a stream's time between operations its CPU is busy,                \
	 * in percent (a trace with its idle periods: not used) */                                 \
	X(UINT, load_pct, "load_pct", ANY, CSV, NOTAB, NOTAB)                                      \
	/* --first-write: each vCPU wrote the pages it was handed (model.h) */                      \
	X(BOOL, first_write, "first_write", ANY, CSV, NOTAB, NOTAB)                                \
	/* the trace's recorded idle periods were replayed (sched_switch) */                       \
	X(BOOL, trace_idle, "trace_idle", TRACE, CSV, NOTAB, NOTAB)                                \
	/* acceptor threads; 0 for policies without the acceptor */                                \
	X(UINT, acceptors, "acceptors", ANY, CSV, NOTAB, NOTAB)                                    \
	/* adaptive: the most acceptor passes it allowed at once */                                \
	X(UINT, acceptors_peak, "acceptors_peak", ANY, CSV, NOTAB, NOTAB)                          \
	/* the acceptor's reserve at its highest, and the order adaptive keeps                     \
	 * it in (the unit, or the largest order allocated recently) */                            \
	X(U64, reserve_peak_bytes, "reserve_peak_bytes", ANY, CSV, NOTAB, NOTAB)                   \
	X(UINT, reserve_order, "reserve_order", ANY, CSV, NOTAB, NOTAB)                            \
	/* allocations that accepted for themselves: a whole unit (or adaptive's                   \
	 * larger block), or their own pages (adaptive chooses by what the                         \
	 * backend says each costs per page) */                                                    \
	X(U64, demand_unit_accepts, "demand_unit_accepts", ANY, CSV, NOTAB,                        \
	  NOTAB)                                                                                   \
	X(U64, demand_own_accepts, "demand_own_accepts", ANY, CSV, NOTAB, NOTAB)                   \
	/* coroutine switches the scheduler made */                                                \
	X(U64, sched_switches, "sched_switches", ANY, CSV, NOTAB, NOTAB)                           \
	/* acceptor and releaser steps lbsim ran (those of resting threads are                     \
	   skipped, LBSIM_POLL=1 runs them: drive.h) */                                            \
	X(U64, bg_steps, "bg_steps", ANY, CSV, NOTAB, NOTAB)                                       \
	/* "unit" or "global" */                                                                   \
	X(NAME, lock, "accept_lock", ANY, CSV, NOTAB, NOTAB)                                       \
	/* ns charged per allocation */                                                            \
	X(U64, lat_p50, "alloc_latency_ns.p50", ANY, CSV,                                          \
	  WTAB(11, "p50", "µs", US, 2), NOTAB)                                                     \
	X(U64, lat_p99, "alloc_latency_ns.p99", ANY, CSV,                                          \
	  WTAB(12, "p99", "µs", US, 2), WTAB(12, "p99", "µs", US, 2))                              \
	X(U64, lat_p999, "alloc_latency_ns.p999", ANY, CSV,                                        \
	  TAB(13, "p99.9", "µs", US, 1), TAB(13, "p99.9", "µs", US, 1))                            \
	X(U64, lat_max, "alloc_latency_ns.max", ANY, CSV,                                          \
	  TAB(14, "max", "µs", US, 1), TAB(14, "max", "µs", US, 1))                                \
	/* allocations: completion - arrival; the max is max_lag_ns */                             \
	X(U64, lag_p50, "lag_ns.p50", ANY, CSV, NOTAB, NOTAB)                                      \
	X(U64, lag_p99, "lag_ns.p99", ANY, CSV,                                                    \
	  WTAB(15, "lag p99", "s", S, 2), WTAB(15, "lag p99", "ms", MS, 2))                        \
	X(U64, lag_p999, "lag_ns.p999", ANY, CSV, NOTAB, NOTAB)                                    \
	X(CALC, lag_max, "lag_ns.max", ANY, NOCSV, NOTAB, NOTAB)                                   \
	/* longest backend call from its start (after any lock wait) to its end,                   \
	 * contention included */                                                                  \
	X(U64, max_call_ns, "max_call_ns", ANY, CSV, NOTAB, NOTAB)                                 \
	/* most one allocation spent accepting itself */                                           \
	X(U64, max_alloc_accept_ns, "max_alloc_accept_ns", ANY, CSV,                               \
	  NOTAB, NOTAB)                                                                            \
	/* that fits in the memory firmware accepted */                                            \
	X(BOOL, fits_pre_accepted, "fits_pre_accepted", ANY, CSV, NOTAB, NOTAB)                    \
	/* most the run's callers held at once (boot included) */                                  \
	X(U64, peak_held_bytes, "peak_held_bytes", ANY, CSV, NOTAB, NOTAB)                         \
	/* lb_alloc() calls, failures included */                                                  \
	X(U64, allocations, "allocations", ANY, CSV, NOTAB, NOTAB)                                 \
	X(U64, alloc_failures, "alloc_failures", ANY, CSV,                                         \
	  TAB(25, "alloc", "fails", INT, 0), TAB(22, "alloc", "fails", INT, 0))                    \
	/* allocations that may not sleep, refused */                                              \
	X(U64, nowait_failures, "nowait_failures", ANY, CSV, NOTAB, NOTAB)                         \
	/* atomic allocations that found only memory in flight */                                  \
	X(U64, busy_failures, "busy_failures", ANY, CSV, NOTAB, NOTAB)                             \
	/* virtual time when the measured run starts */                                            \
	X(U64, boot_ns, "boot_ns", ANY, CSV,                                                       \
	  RTAB(10, "boot", "time", TIME, 2), TAB(8, "boot", "s", S, 2))                            \
	/* of it, the boot's time that is not acceptance (lb_model_params.boot_ns,                 \
	 * boot_gib_ns), in runs that include a boot */                                            \
	X(U64, boot_other_ns, "boot_other_ns", ANY, CSV, NOTAB, NOTAB)                             \
	/* vCPU time spent accepting before the measured run (set-up, eager's shares               \
	 * on the vCPUs that accepted them, and a trace's boot allocations), summed */             \
	X(U64, boot_accept_vcpu_ns, "boot_accept_vcpu_ns", ANY, CSV,                               \
	  RTAB(17, "boot acc", "ms", MS, 1), RTAB(9, "boot acc", "ms", MS, 1))                     \
	X(U64, frees, "frees", ANY, CSV, NOTAB, NOTAB)                                             \
	/* churn operations */                                                                     \
	X(U64, ops, "ops", ANY, CSV, NOTAB, NOTAB)                                                 \
	/* vCPU time spent accepting (and releasing) */                                            \
	X(U64, vcpu_accept_ns, "vcpu_accept_ns", ANY, CSV,                                         \
	  RTAB(18, "vCPU acc", "ms", MS, 1), RTAB(10, "vCPU acc", "ms", MS, 1))                    \
	/* vCPU time lost waiting for others' acceptance */                                        \
	X(U64, wait_ns, "wait_ns", ANY, CSV,                                                       \
	  WTAB(19, "wait", "ms", MS, 1), WTAB(11, "wait", "ms", MS, 1))                            \
	/* furthest a vCPU fell behind its operations' times */                                    \
	X(U64, max_lag_ns, "max_lag_ns", ANY, CSV,                                                 \
	  TAB(16, "max lag", "s", S, 2), TAB(16, "max lag", "ms", MS, 2))                          \
	X(U64, acceptor_cpu_ns, "acceptor_cpu_ns", ANY, CSV, NOTAB, NOTAB)                         \
	X(U64, releaser_cpu_ns, "releaser_cpu_ns", ANY, CSV, NOTAB, NOTAB)                         \
	/* CPU time in accept and release calls in the measured run: the vCPUs'                    \
	 * and the background threads' (vcpu_accept_ns + acceptor + releaser) */                   \
	X(U64, accept_cpu_ns, "accept_cpu_ns", ANY, CSV,                                           \
	  TAB(21, "acc cpu", "ms", MS, 1), TAB(18, "acc cpu", "ms", MS, 1))                        \
	/* the CPU the background threads held (their calls, and spinning for the                  \
	 * global accept lock) over cpus x the measured run's time, tail included */               \
	X(SHARE, bg_cpu_share, "bg_cpu_share", ANY, CSV,                                           \
	  TAB(22, "bg cpu", "%", PCT, 1), TAB(19, "bg cpu", "%", PCT, 1))                          \
	/* how much later the vCPUs' operations ran because a background pass held                 \
	 * their CPU (cpus.h) */                                                                   \
	X(U64, stolen_ns, "stolen_ns", ANY, CSV,                                                   \
	  WTAB(23, "stolen", "ms", MS, 1), WTAB(20, "stolen", "ms", MS, 1))                        \
	/* background passes that preempted a busy vCPU and delayed it */                          \
	X(U64, bg_preemptions, "bg_preemptions", ANY, CSV, NOTAB, NOTAB)                           \
	X(U64, release_calls, "release_calls", ANY, CSV, NOTAB, NOTAB)                             \
	X(U64, released_bytes, "released_bytes", ANY, CSV,                                         \
	  RTAB(5, "released", "MiB", MIB, 1), WTAB(4, "released", "MiB", MIB, 1))                  \
	/* of the memory accepted, what had been released earlier in the run:                      \
	 * the host's work done twice */                                                           \
	X(U64, reaccepted_bytes, "reaccepted_bytes", ANY, CSV, NOTAB, NOTAB)                       \
	/* accepted memory the host backs: the most at once, at the end */                         \
	X(U64, committed_bytes_peak, "committed_bytes_peak", ANY, CSV,                             \
	  TAB(7, "committed", "peak MiB", MIB, 1), TAB(5, "committed", "peak MiB", MIB, 1))        \
	X(U64, committed_bytes_end, "committed_bytes_end", ANY, CSV,                               \
	  RTAB(8, "committed", "end MiB", MIB, 1), WTAB(6, "committed", "end MiB", MIB, 1))        \
	/* operations per second; 0: back to back */                                               \
	X(U64, rate, "rate_ops_per_sec", SYNTH, CSV, NOTAB, NOTAB)                                 \
	/* events read from the trace */                                                           \
	X(U64, trace_events, "trace_events", TRACE, CSV, NOTAB, NOTAB)                             \
	/* allocations and frees replayed */                                                       \
	X(U64, replayed_events, "replayed_events", TRACE, CSV, NOTAB, NOTAB)                       \
	X(U64, unknown_lines, "unknown_lines", TRACE, CSV, NOTAB, NOTAB)                           \
	/* events the recording lost (its buffer overflowed): an incomplete trace */               \
	X(U64, lost_events, "lost_events", TRACE, CSV, NOTAB, NOTAB)                               \
	X(INCONS, incons, "inconsistencies", TRACE, CSV, NOTAB, NOTAB)                             \
	/* batched_repeat excluded */                                                              \
	X(U64, incons_total, "inconsistencies.total", TRACE, CSV, NOTAB, NOTAB)                    \
	/* above order 10, left out */                                                             \
	X(U64, trace_allocs_too_large, "allocs_too_large", TRACE, CSV,                             \
	  NOTAB, NOTAB)                                                                            \
	/* distinct pages the trace touched */                                                     \
	X(U64, footprint_bytes, "footprint_bytes", TRACE, CSV, NOTAB, NOTAB)                       \
	/* most the trace held at once */                                                          \
	X(U64, peak_live_bytes, "peak_live_bytes", TRACE, CSV, NOTAB, NOTAB)                       \
	/* from its first event to its last */                                                     \
	X(U64, trace_span_ns, "trace_span_ns", TRACE, CSV, NOTAB, NOTAB)                           \
	/* wall clock of the replay (not deterministic) */                                         \
	X(U64, replay_wall_ns, "replay_wall_ns", TRACE, CSV, NOTAB, NOTAB)                         \
	/* trace_events / replay wall time (idem) */                                               \
	X(U64, events_per_sec, "events_per_sec", TRACE, CSV, NOTAB, NOTAB)                         \
	/* the acceptor's and releaser's time */                                                   \
	X(CALC, bg_cpu_ns, NULL, ANY, NOCSV,                                                       \
	  RTAB(20, "bg cpu", "ms", MS, 1), RTAB(17, "bg cpu", "ms", MS, 1))                        \
	/* every cost of acceptance: boot_accept_vcpu_ns, vcpu_accept_ns, wait_ns,                 \
	 * bg_cpu_ns (the report's "Time spent on acceptance") */                                  \
	X(CALC, accept_work_ns, NULL, ANY, NOCSV,                                                  \
	  RTAB(24, "acc total", "ms", MS, 1), RTAB(21, "acc total", "ms", MS, 1))                  \
	/* "ok" or the first broken invariant */                                                   \
	X(MSG, check, "check", ANY, CSV,                                                           \
	  TAB(26, "check", "", TEXT, 0), TAB(23, "check", "", TEXT, 0))
/* clang-format on */

/* The members the list declares, for struct lbs_result. */
#define LBS_DECL_STR(name)    const char *name;
#define LBS_DECL_NAME(name)   char name[LBS_NAME_MAX];
#define LBS_DECL_MSG(name)    char name[LBS_CHECK_MAX];
#define LBS_DECL_U64(name)    uint64_t name;
#define LBS_DECL_UINT(name)   unsigned name;
#define LBS_DECL_BOOL(name)   int name;
#define LBS_DECL_SHARE(name)  uint64_t name;
#define LBS_DECL_INCONS(name) uint64_t name[LB_TRACE_NINCONS];
#define LBS_DECL_CALC(name)
#define LBS_RESULT_MEMBER(type, name, json, scope, csv, synth, trace) LBS_DECL_##type(name)

struct lbs_result;

enum lbs_ftype {
	LBS_FT_STR, LBS_FT_NAME, LBS_FT_MSG, LBS_FT_U64, LBS_FT_UINT, LBS_FT_BOOL,
	LBS_FT_SHARE, LBS_FT_INCONS, LBS_FT_CALC
};

/* Which results' JSON objects have a field. */
enum lbs_scope { LBS_IN_ANY, LBS_IN_SYNTH, LBS_IN_TRACE };

/* The two tables: synthetic workloads, trace replays. */
enum lbs_mode { LBS_MODE_SYNTH, LBS_MODE_TRACE, LBS_NMODES };

enum lbs_col_unit {
	LBS_COL_NONE, LBS_COL_TEXT, LBS_COL_INT, LBS_COL_TIME, LBS_COL_MIB, LBS_COL_S,
	LBS_COL_MS, LBS_COL_US, LBS_COL_PCT
};

/* A SHARE's unit: millionths. */
#define LBS_PPM UINT64_C(1000000)

/* A field's column in one table; rank 0: not in it. */
struct lbs_column {
	unsigned rank;
	const char *head, *sub;      /* the two heading lines */
	enum lbs_col_unit unit;
	int decimals;
	int report_only;             /* RTAB: the report's table only */
	int wide_only;               /* WTAB: the terminal's with --wide, and the report's */
};

struct lbs_field {
	const char *name;            /* the struct member (or the CALC's name) */
	const char *json;            /* NULL: not in the JSON */
	int csv;                     /* has CSV columns (lbs_field_csv_name) */
	enum lbs_ftype type;
	enum lbs_scope scope;
	size_t offset;               /* of the member; stored fields */
	uint64_t (*calc)(const struct lbs_result *r); /* CALC fields */
	struct lbs_column col[LBS_NMODES];
};

/* The list, in its order. */
extern const struct lbs_field lbs_fields[];
extern const size_t lbs_nfields;

/* The mode of r's table: LBS_MODE_TRACE for a trace replay. */
enum lbs_mode lbs_result_mode(const struct lbs_result *r);

/* Does r's JSON object have f (a JSON key, in r's scope)? */
int lbs_field_in_json(const struct lbs_field *f, const struct lbs_result *r);

/* Is f read from the wall clock (init_ns, replay_wall_ns, events_per_sec):
 * the only fields two runs of the same input may differ in? */
int lbs_field_wall_clock(const struct lbs_field *f);

/* Do a and b agree on every field but the wall clock's? 1, or 0 with
 * *differs (if not NULL) the first field that does not. The rule of
 * determinism the tests and tools/lbsim/bench/same_results.sh apply. */
int lbs_results_same(const struct lbs_result *a, const struct lbs_result *b,
		     const struct lbs_field **differs);

/* How many values f holds: LB_TRACE_NINCONS for INCONS, else 1; and the
 * name of value k of an INCONS field (lb_trace_incons_name()), else NULL. */
size_t lbs_field_len(const struct lbs_field *f);
const char *lbs_field_part(const struct lbs_field *f, size_t k);

/* The CSV column of value k of f: its JSON key, "." as "_", and for an
 * INCONS field "_<kind>". */
void lbs_field_csv_name(const struct lbs_field *f, size_t k, char *buf, size_t len);

/* Value k of a numeric field (U64, UINT, BOOL as 0 or 1, SHARE in
 * millionths, INCONS, CALC); 0 for a text field. */
uint64_t lbs_field_u64(const struct lbs_field *f, const struct lbs_result *r, size_t k);

/* A numeric field's value k as JSON and CSV write it: an integer, a SHARE
 * as a decimal fraction ("0.250000"). */
void lbs_field_number(char *buf, size_t len, const struct lbs_field *f,
		      const struct lbs_result *r, size_t k);

/* A text field's value ("" for a NULL STR); NULL for a numeric field. */
const char *lbs_field_text(const struct lbs_field *f, const struct lbs_result *r);

/* Mode m's table columns in order: fills cols with at most max fields and
 * returns how many the table has (more than max: cols holds the first).
 * lbs_table_columns: the terminal's (its WTAB columns too when wide);
 * lbs_report_columns: the HTML report's, all of those with the RTAB
 * columns among them. */
size_t lbs_table_columns(enum lbs_mode m, int wide, const struct lbs_field **cols, size_t max);
size_t lbs_report_columns(enum lbs_mode m, const struct lbs_field **cols, size_t max);

/* The field whose member (or CALC) is called name; NULL if none. */
const struct lbs_field *lbs_field_named(const char *name);

/* f's cell in mode m's table for r, as its column's unit says ("12.5",
 * "3.69 ms", "eager"); empty when f has no column there. */
void lbs_field_cell(const struct lbs_field *f, enum lbs_mode m, const struct lbs_result *r,
		    char *buf, size_t len);

#endif
