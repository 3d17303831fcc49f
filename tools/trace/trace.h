/* SPDX-License-Identifier: MIT */
/*
 * Reading Linux page-allocator traces (kmem:mm_page_* events), and the
 * scheduler's sched:sched_switch events beside them (when each CPU is idle).
 *
 * Layers, one file each:
 *   input.c        bytes of a file, plain or gzip/xz/zstd (by magic bytes)
 *   reader.c       lines out of the input; the reader tying it all together
 *   parse.c        one text line -> one event (ftrace, trace-cmd, perf script)
 *   fields.c       the key=value part of a line (pfn, order, gfp flags...)
 *   sched.c        the fields of a sched_switch line (who leaves, who runs)
 *   pfnmap.c       an open-addressing hash map keyed by pfn
 *   pagebits.c     per-page state bits, in chunks of 512 pages
 *   consistency.c  the rules that turn a raw event stream into a clean one
 *   summary.c      what was read, and printing it
 *
 * Formats (detected per line, any mix is fine):
 *   ftrace text     "TASK-PID [CPU] FLAGS TIMESTAMP: EVENT: FIELDS", with no,
 *                   4 ("d..1") or 5 ("d..1.") irq-flag columns, the optional
 *                   tgid column "(  PID)", from the top-level `trace` file,
 *                   `trace_pipe` or an instance's (instances/NAME/trace)
 *   trace-cmd report the same, event names padded to 20 columns, optional
 *                   instance-name prefix, latency form "TASK-PID CPUFLAGS",
 *                   " (+N)" time diffs, "cpus=N" header, "[N EVENTS DROPPED]"
 *   perf script     "COMM PID [CPU] TIMESTAMP: [PERIOD] kmem:EVENT: FIELDS"
 *
 * sched_switch fields, in any of the three: the kernel's key=value form
 * "prev_comm=bash prev_pid=1234 prev_prio=120 prev_state=S ==> next_comm=
 * swapper/1 next_pid=0 next_prio=120" (ftrace; perf and trace-cmd without
 * libtraceevent's sched_switch plugin), the plugin's "bash:1234 [120] S ==>
 * swapper/1:0 [120]" (trace-cmd report, older perf), and 2.6.3x kernels'
 * "task bash:1234 [120] (S) ==> swapper:0 [140]". pid 0 is the idle task.
 *
 * pfn rule: a pfn is hex when written "pfn=0x..." (kernels >= 5.14 print
 * "pfn=0x%lx") and decimal when written with digits only (older kernels print
 * "pfn=%lu"); decided per line, so mixed files are read right. Anything else
 * (hex digits without 0x, a sign) makes the line unknown.
 * page= is never used for identity (it may be hashed, raw, pfn-valued or
 * "(null)"): events are keyed on pfn. A failed allocation is an alloc event
 * with pfn 0 or pfn -1 (the kernel prints 0 for "no page"; raw readers may
 * print the -1 it stores); it is delivered with failed = 1 and pfn 0.
 */
#ifndef LB_TRACE_H
#define LB_TRACE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* ---- events ---------------------------------------------------------------- */

enum lb_trace_kind {
	LB_TRACE_ALLOC,             /* mm_page_alloc: pages handed to a caller */
	LB_TRACE_FREE,              /* mm_page_free (2.6.3x: mm_page_free_direct) */
	LB_TRACE_FREE_BATCHED,      /* mm_page_free_batched (2.6.3x: mm_pagevec_free) */
	LB_TRACE_PCPU_DRAIN,        /* mm_page_pcpu_drain: per-CPU list -> buddy */
	LB_TRACE_ALLOC_ZONE_LOCKED, /* mm_page_alloc_zone_locked: buddy -> caller/pcp */
	LB_TRACE_NKINDS,            /* the page kinds: per-kind counts have this many */
	/* sched_switch: not a page event. It never reaches the consistency
	 * layer nor a per-kind count, and lb_trace_next() delivers it only
	 * when asked (LB_TRACE_SCHED). */
	LB_TRACE_SCHED_SWITCH = LB_TRACE_NKINDS
};

enum lb_trace_format {
	LB_TRACE_FMT_UNKNOWN,
	LB_TRACE_FMT_FTRACE,    /* the tracing `trace` file (or trace_pipe) */
	LB_TRACE_FMT_TRACE_CMD, /* trace-cmd report */
	LB_TRACE_FMT_PERF,      /* perf script */
	LB_TRACE_NFORMATS
};

#define LB_TRACE_MAX_ORDER 20 /* larger orders make the line unknown */
#define LB_TRACE_CPU_NONE UINT32_MAX /* line without a CPU column */
#define LB_TRACE_CPU_MAX (UINT32_MAX - 1u) /* larger: LB_TRACE_EV_CPU_RANGE */
/* The longest line read, newline not counted: a longer one is not text (binary
 * data, /dev/zero) and ends the reading with an error. */
#define LB_TRACE_MAX_LINE (64u << 10)

/* lb_trace_event.gfp_form */
enum lb_trace_gfp_form {
	LB_TRACE_GFP_ABSENT,   /* no gfp_flags field (all but mm_page_alloc) */
	LB_TRACE_GFP_NONE,     /* "none" (or empty): no flags */
	LB_TRACE_GFP_SYMBOLIC, /* "GFP_KERNEL|__GFP_ZERO" */
	LB_TRACE_GFP_HEX       /* "0x400cc0": value in gfp, bits vary by kernel */
};

/* lb_trace_event.flags */
#define LB_TRACE_EV_SYNTHETIC 0x01 /* made by the consistency layer, no line */
#define LB_TRACE_EV_MERGED    0x02 /* a FREE of a whole block, delivered when
				      the last of its pieces was freed */
#define LB_TRACE_EV_PFN_HEX   0x04 /* the line wrote pfn=0x... */
#define LB_TRACE_EV_TRYLOCK   0x08 /* gfp holds __GFP_TRYLOCK: an allocation
				      that may not even take a lock
				      (alloc_pages_nolock, on kernels whose
				      gfp names show it) */
#define LB_TRACE_EV_CPU_RANGE 0x10 /* the CPU column's number is above
				      LB_TRACE_CPU_MAX (cpu is then
				      LB_TRACE_CPU_NONE): the reader stops
				      with an error naming it */
#define LB_TRACE_EV_IDLE_PREV 0x20 /* sched_switch: prev_pid 0, the CPU leaves
				      the idle task */
#define LB_TRACE_EV_IDLE_NEXT 0x40 /* sched_switch: next_pid 0, the CPU enters
				      it (neither: one task to another) */

/* A sched_switch event has kind LB_TRACE_SCHED_SWITCH, its ts_ns, line, cpu,
 * pid (the line's task), format, flag_cols and LB_TRACE_EV_IDLE_* flags; the
 * page fields are 0 (gfp_form absent, may_sleep, migratetype and
 * percpu_refill -1). */
struct lb_trace_event {
	uint64_t ts_ns;     /* timestamp; "S.FRAC" in ns, a plain count as is */
	uint64_t pfn;       /* first page; 0 for a failed allocation */
	uint64_t id;        /* checked stream: the block's allocation id
			       (ALLOC and its FREE share it; 1, 2, ...); 0 otherwise */
	uint64_t gfp;       /* the value when gfp_form is LB_TRACE_GFP_HEX */
	uint64_t line;      /* line number (1-based) the event came from */
	uint32_t cpu;       /* CPU column, or LB_TRACE_CPU_NONE */
	int32_t pid;        /* task pid, -1 when absent */
	uint8_t kind;       /* enum lb_trace_kind */
	uint8_t order;      /* 2^order pages */
	uint8_t failed;     /* allocation that returned no page */
	uint8_t format;     /* enum lb_trace_format of the line; a hint: a
			       trace-cmd line of a name of 19+ characters
			       (no padding) reads as ftrace */
	uint8_t flag_cols;  /* irq-flag columns on the line: 0, 4 or 5 */
	uint8_t gfp_form;   /* enum lb_trace_gfp_form */
	int8_t may_sleep;   /* from gfp: 1 may reclaim/sleep, 0 may not, -1 unknown */
	int8_t migratetype; /* -1 when absent */
	int8_t percpu_refill; /* zone_locked: 1 refill of a per-CPU list, 0 not,
				 -1 absent */
	uint8_t flags;      /* LB_TRACE_EV_* */
};

const char *lb_trace_kind_name(enum lb_trace_kind kind);
const char *lb_trace_format_name(enum lb_trace_format fmt);

/* ---- input: plain or compressed bytes ------------------------------------- */

enum lb_trace_compression {
	LB_TRACE_PLAIN,
	LB_TRACE_GZIP, /* 1f 8b (zlib) */
	LB_TRACE_XZ,   /* fd 37 7a 58 5a 00 (liblzma) */
	LB_TRACE_ZSTD, /* 28 b5 2f fd (libzstd) */
	LB_TRACE_NCOMPRESSIONS
};

struct lb_trace_input;

/* Open a file ("-" is stdin); the compression is found from its first bytes,
 * never from its name. NULL on failure, with a message in err. */
struct lb_trace_input *lb_trace_input_open(const char *path, char *err,
					   size_t errlen);
/* The same over an open stream; closes it at the end if owned. */
struct lb_trace_input *lb_trace_input_open_file(FILE *f, int owned, char *err,
						size_t errlen);
/* Up to n decompressed bytes; 0 at the end, -1 on error (see _error()). */
long lb_trace_input_read(struct lb_trace_input *in, void *buf, size_t n);
enum lb_trace_compression lb_trace_input_compression(const struct lb_trace_input *in);
const char *lb_trace_compression_name(enum lb_trace_compression c);
uint64_t lb_trace_input_bytes_in(const struct lb_trace_input *in); /* read from file */
const char *lb_trace_input_error(const struct lb_trace_input *in); /* NULL if none */
void lb_trace_input_close(struct lb_trace_input *in);

/* ---- parsing one line ------------------------------------------------------ */

enum lb_trace_line {
	LB_TRACE_LINE_EVENT,   /* one of the five kinds; *ev filled */
	LB_TRACE_LINE_SCHED,   /* a sched_switch; *ev filled (LB_TRACE_SCHED_SWITCH) */
	LB_TRACE_LINE_COMMENT, /* blank, "# ...", "cpus=N", "version = N" */
	LB_TRACE_LINE_LOST,    /* "CPU:N [LOST M EVENTS]", "[M EVENTS DROPPED]" */
	LB_TRACE_LINE_OTHER,   /* a well-formed line of another event */
	LB_TRACE_LINE_UNKNOWN  /* anything else, or a kmem:mm_page_* or
				  sched_switch line with missing or malformed
				  fields */
};

/* Parse line[0..len) (no newline needed, not NUL-terminated). On
 * LB_TRACE_LINE_LOST, *lost gets M (0 when not given). */
enum lb_trace_line lb_trace_parse_line(const char *line, size_t len,
				       struct lb_trace_event *ev, uint64_t *lost);

/* Where the CPU number of line[0..len) is written: its length (0 when the
 * line has no CPU column or is no event, page or sched_switch), *at its
 * first digit. For quoting a number lb_trace_parse_line() found out of
 * range. */
size_t lb_trace_cpu_text(const char *line, size_t len, const char **at);

/* The key=value part after "EVENT: " (used by lb_trace_parse_line). Returns 0
 * when pfn and order were found and well formed, -1 otherwise. */
int lb_trace_parse_fields(const char *p, const char *end,
			  struct lb_trace_event *ev);
/* The fields a line may leave out, as none given: no gfp flags, may_sleep,
 * migratetype and percpu_refill unknown (-1), not failed. */
void lb_trace_clear_fields(struct lb_trace_event *ev);
/* The part after "sched_switch: ", in either form (see the top): sets
 * LB_TRACE_EV_IDLE_PREV / _NEXT in ev->flags. 0 when both pids were found
 * and well formed, -1 otherwise. */
int lb_trace_parse_sched(const char *p, const char *end, struct lb_trace_event *ev);
/* Classify symbolic gfp flags "A|B|C": 1 if any flag lets the allocation
 * reclaim/sleep (__GFP_DIRECT_RECLAIM, old __GFP_WAIT, GFP_KERNEL...), else 0. */
int lb_trace_gfp_may_sleep(const char *p, const char *end);

/* ---- pfn map --------------------------------------------------------------- */

/* Open addressing, linear probing, keys are pfns (any value but UINT64_MAX),
 * values are two uint32. Removal shifts the entries after the hole back
 * (no tombstones). */
struct lb_trace_map_slot {
	uint64_t key;
	uint32_t a, b;
};

struct lb_trace_map {
	struct lb_trace_map_slot *slots;
	size_t cap;   /* power of two */
	size_t count;
	unsigned shift; /* 64 - log2(cap) */
};

int lb_trace_map_init(struct lb_trace_map *m, size_t initial);
void lb_trace_map_destroy(struct lb_trace_map *m);
/* The slot of key, or NULL. */
struct lb_trace_map_slot *lb_trace_map_find(const struct lb_trace_map *m,
					    uint64_t key);
/* The slot of key, inserted with a = b = 0 if new (*is_new says); NULL only
 * when memory runs out. Pointers are valid until the next insertion. */
struct lb_trace_map_slot *lb_trace_map_get(struct lb_trace_map *m, uint64_t key,
					   int *is_new);
/* Remove key: 1 if it was there, else 0. Slot pointers are invalid after. */
int lb_trace_map_remove(struct lb_trace_map *m, uint64_t key);

/* ---- page bits (for the consistency layer) -------------------------------- */

/* 64 pages, one bit each: allocated (in a live block), else freed since the
 * last allocation (a by bit), else neither; touched: covered by any event. */
struct lb_trace_pword {
	uint64_t touched;
	uint64_t alloc;
	uint64_t by[2]; /* freed by mm_page_free [0], mm_page_free_batched [1] */
};

struct lb_trace_chunk;

struct lb_trace_pages {
	struct lb_trace_map map;        /* pfn / 512 -> chunks[a] */
	struct lb_trace_chunk **chunks; /* never move once made */
	uint32_t n, cap;
	uint64_t last_key;              /* the last chunk looked up: events */
	struct lb_trace_chunk *last;    /* cluster, so it is often the next */
};

int lb_trace_pages_init(struct lb_trace_pages *pg);
void lb_trace_pages_destroy(struct lb_trace_pages *pg);
/* The word holding page x, zeroed on first use; NULL when memory runs out.
 * The pointer stays valid until destroy. */
struct lb_trace_pword *lb_trace_pages_word(struct lb_trace_pages *pg, uint64_t x);
/* The pages of [x, end) that lie in x's word, as bits of that word; the next
 * word starts at (x | 63) + 1. */
uint64_t lb_trace_word_mask(uint64_t x, uint64_t end);

/* ---- consistency ----------------------------------------------------------- */

/*
 * The rules (applied per page of an event's 2^order pages; each event is
 * counted at most once, under the first kind that applies, in this order):
 *
 *  BAD_PFN          pfn not a multiple of 2^order, or at or above 2^52 (no
 *                   such page on any machine): the event is dropped.
 *  FREE_UNSEEN      free of a page never seen allocated (the trace started
 *                   after its allocation): dropped; the page is now known free.
 *  DOUBLE_FREE      free of a page already freed by an event of the same kind
 *                   since its last allocation: dropped.
 *  BATCHED_REPEAT   mm_page_free_batched of a page freed by mm_page_free, or
 *                   mm_page_free of a page freed by mm_page_free_batched, since
 *                   its last allocation. Kernels >= 3.3 emit both events for one
 *                   free (free first since 5.x, batched first before): the
 *                   first frees, the second is dropped and counted here.
 *  ALLOC_ALLOCATED  allocation of a page still allocated (its free was lost):
 *                   each live block it overlaps is freed first by a synthetic
 *                   FREE (LB_TRACE_EV_SYNTHETIC), then the allocation is applied.
 *
 * Not inconsistencies: a block allocated at order k and freed in pieces
 * (split_page, THP split) is freed as a whole, by one FREE with its own pfn,
 * order and id (LB_TRACE_EV_MERGED), when its last piece is freed; a free
 * covering several blocks frees each. PCPU_DRAIN, ALLOC_ZONE_LOCKED and failed
 * allocations pass through unchanged (id 0): they move free pages between the
 * buddy and per-CPU lists and do not change what callers hold.
 *
 * So the checked stream holds: every ALLOC gets a new id and overlaps no live
 * block; every FREE/FREE_BATCHED frees exactly one live block, with the pfn,
 * order and id of its ALLOC.
 */
enum lb_trace_incons {
	LB_TRACE_INC_FREE_UNSEEN,
	LB_TRACE_INC_DOUBLE_FREE,
	LB_TRACE_INC_BATCHED_REPEAT,
	LB_TRACE_INC_ALLOC_ALLOCATED,
	LB_TRACE_INC_BAD_PFN,
	LB_TRACE_NINCONS
};

const char *lb_trace_incons_name(enum lb_trace_incons k);

struct lb_trace_check;

struct lb_trace_check_stats {
	uint64_t incons[LB_TRACE_NINCONS];
	uint64_t delivered[LB_TRACE_NKINDS];
	uint64_t dropped;         /* events not delivered: inconsistent ones and
				     frees of pieces of a still-live block */
	uint64_t synthetic_frees; /* from ALLOC_ALLOCATED */
	uint64_t split_frees;     /* frees of part of a block (not delivered) */
	uint64_t merged_frees;    /* whole-block FREEs those completed */
	uint64_t live_blocks;     /* allocated now */
	uint64_t live_pages;
	uint64_t pages_distinct;  /* distinct pfns any event touched */
};

struct lb_trace_check *lb_trace_check_new(void);
void lb_trace_check_free(struct lb_trace_check *c);
/* Apply the rules to one raw event; 0, or -1 when memory ran out. */
int lb_trace_check_push(struct lb_trace_check *c, const struct lb_trace_event *ev);
/* The next checked event: 1, or 0 when none is pending. */
int lb_trace_check_pop(struct lb_trace_check *c, struct lb_trace_event *ev);
const struct lb_trace_check_stats *lb_trace_check_stats(const struct lb_trace_check *c);

/* ---- summary --------------------------------------------------------------- */

#define LB_TRACE_MAX_CPUS 4096 /* CPUs counted individually */

struct lb_trace_summary {
	uint64_t lines;          /* lines read */
	uint64_t comment_lines;  /* headers, blank lines */
	uint64_t other_lines;    /* other events */
	uint64_t sched_lines;    /* sched_switch events: counted here only, not
				    in other_lines nor in events[] */
	uint64_t unknown_lines;  /* not understood, skipped */
	uint64_t lost_markers;   /* "[LOST N EVENTS]" lines */
	uint64_t lost_events;    /* sum of their N */
	uint64_t long_lines;     /* longer than LB_TRACE_MAX_LINE: 1, the line that
				    ended the reading (also unknown) */
	uint64_t first_unknown_line; /* its number, 0 if none */
	char first_unknown[120]; /* its start, escaped for quoting between '"'
				    (\\, \", \t, \r, \xNN), "..." when cut */

	uint64_t events[LB_TRACE_NKINDS]; /* parsed, by kind */
	uint64_t failed_allocs;
	uint64_t pfn_hex_events, pfn_dec_events;
	uint64_t format_lines[LB_TRACE_NFORMATS]; /* event lines by format */
	uint64_t flag_cols_lines[3];              /* 0, 4, 5 flag columns */
	uint64_t gfp_forms[4];                    /* by lb_trace_gfp_form */

	uint64_t pfn_min, pfn_max; /* lowest, highest page of any event's pages,
				      pfns >= 2^52 left out (min > max: none) */
	uint64_t pages_distinct;   /* distinct pfns (checked mode only) */
	unsigned max_order;
	uint64_t ts_first, ts_last; /* ns; first and last event */
	uint64_t ts_backwards;      /* events older than one before them */
	uint64_t ts_backwards_line; /* the first such event's line, 0 if none */
	uint32_t cpus_seen;         /* distinct CPU numbers */
	uint32_t cpu_max;
	uint8_t cpu_bits[LB_TRACE_MAX_CPUS / 8];

	enum lb_trace_compression compression;
	uint64_t bytes_in, bytes_out; /* file bytes, text bytes */
	int checked;                  /* the consistency layer ran */
	struct lb_trace_check_stats check;
};

void lb_trace_summary_init(struct lb_trace_summary *s);
/* Account one parsed event (raw, before the consistency layer). */
void lb_trace_summary_event(struct lb_trace_summary *s, const struct lb_trace_event *ev);
/* Total inconsistencies. */
uint64_t lb_trace_summary_incons(const struct lb_trace_summary *s);
void lb_trace_summary_print(const struct lb_trace_summary *s, FILE *out);

/* ---- the reader ------------------------------------------------------------ */

#define LB_TRACE_RAW 0x1   /* deliver parsed events as they are, no checks */
#define LB_TRACE_SCHED 0x2 /* deliver sched_switch events too (kind
			      LB_TRACE_SCHED_SWITCH, in file order among the
			      page events); without it they are only counted */

struct lb_trace_reader;

/* Open a trace ("-" is stdin). NULL on failure, with a message in err. */
struct lb_trace_reader *lb_trace_open(const char *path, unsigned flags, char *err,
				      size_t errlen);
struct lb_trace_reader *lb_trace_open_file(FILE *f, int owned, unsigned flags,
					   char *err, size_t errlen);
/* The next event: 1; 0 at the end; -1 on an input error (decompression,
 * I/O, memory, a line longer than LB_TRACE_MAX_LINE, a CPU number above
 * LB_TRACE_CPU_MAX) with lb_trace_error() saying which ("line N: ..." for
 * the last two). Unknown lines are counted and skipped, never an error. */
int lb_trace_next(struct lb_trace_reader *r, struct lb_trace_event *ev);
const char *lb_trace_error(const struct lb_trace_reader *r);
/* Up to date after each lb_trace_next(). */
const struct lb_trace_summary *lb_trace_get_summary(struct lb_trace_reader *r);
void lb_trace_close(struct lb_trace_reader *r);

/* Read a whole trace, only for its summary; 0, or -1 with err filled. */
int lb_trace_summarize(const char *path, unsigned flags,
		       struct lb_trace_summary *out, char *err, size_t errlen);

#endif
