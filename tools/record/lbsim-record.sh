#!/bin/sh
# SPDX-License-Identifier: MIT
#
# lbsim-record.sh: record a Linux page-allocator trace of one command, for
# lbsim --trace. The trace is system-wide (every CPU, every task) while the
# command runs: pages the command frees through kernel threads, the per-CPU
# lists and RCU would otherwise be missing.
#
#   lbsim-record.sh [-o FILE] [-b KB] [-m tracefs|perf] [-z zstd|xz|gzip|none]
#                   [-l LEVEL] [-k] -- COMMAND [ARG...]
#
#   -o FILE   output (default lbsim-trace.txt plus the compressor's suffix);
#             checked before the command runs
#   -b KB     ring buffer per CPU in KiB, 4 to 4194304 (default 256 MiB, or
#             less so that all CPUs' buffers take at most 1/8 of the
#             available memory)
#   -m        how to record: a tracefs instance (default) or perf
#   -z        compression of the output (default zstd when installed)
#   -l LEVEL  compression level (default 3 for zstd, 6 for xz and gzip);
#             zstd -l 19 makes the file about 40% smaller but takes a few
#             hundred times longer (20 s for the shipped trace's 34 MB of text)
#   -k        keep a recording that lost events as a success: the trace is
#             marked and the replay warns as ever, but the status is the
#             command's, not 3
#   -F FD     write the trace uncompressed to file descriptor FD (3 to 9),
#             which the command does not get, instead of -o (lbsim record
#             compresses it as it arrives)
#
# Nothing is written when the command cannot be run (status 127 or 126, as
# the shell's) or no event was recorded. Usage errors exit with 2. When
# events were lost (the tracefs buffer overflowed, or perf lost records)
# the trace is written with a line at its end for each CPU that lost some
# ("CPU:N [LOST M EVENTS]", ftrace's form, which lbsim counts and warns of)
# and the exit status is 3, unless the command's own was not 0 (a command
# that itself exits 3 cannot be told apart: the message on stderr can).
#
# Events: kmem:mm_page_alloc, mm_page_free, mm_page_free_batched,
# mm_page_pcpu_drain, mm_page_alloc_zone_locked (mm_page_free_direct and
# mm_pagevec_free on 2.6.3x kernels), and sched:sched_switch, which tells
# lbsim when each CPU was idle (a kernel without it is recorded without it,
# and a line on stderr says so). A context switch takes about 68 bytes of
# the ring buffer, a kmem event about 45 (256 MiB: 3.9 million switches).
#
# The tracefs way uses a private instance (instances/lazybuddy-PID), so the
# main tracing buffer and other users of tracing are left alone; the
# instance does not overwrite (events that do not fit are dropped and
# counted, the start of the trace is kept). The buffer is read after the
# command ends, so reading it is not itself traced.
#
# The command runs as the user running this script (root, in practice).
# When tracefs (or debugfs) is not mounted, the script mounts it, says so,
# and unmounts it at the end.

set -u

out=""
buf_kb=""
method=tracefs
comp=""
level=""
fd=""
keep_lost=""
events="mm_page_alloc mm_page_free mm_page_free_batched mm_page_pcpu_drain
mm_page_alloc_zone_locked mm_page_free_direct mm_pagevec_free"

usage() {
	sed -n '4,48p' "$0" | sed 's/^# \{0,1\}//' >&2
	exit 2
}

die() {
	printf 'lbsim-record: %s\n' "$*" >&2
	exit 1
}

die_with() { # die_with STATUS MESSAGE
	printf 'lbsim-record: %s\n' "$2" >&2
	exit "$1"
}

bad() { # a usage error, before anything runs
	printf 'lbsim-record: %s\n' "$*" >&2
	exit 2
}

while [ $# -gt 0 ]; do
	case "$1" in
	-o) [ $# -ge 2 ] || usage; out=$2; shift 2 ;;
	-b) [ $# -ge 2 ] || usage; buf_kb=$2; shift 2 ;;
	-m) [ $# -ge 2 ] || usage; method=$2; shift 2 ;;
	-z) [ $# -ge 2 ] || usage; comp=$2; shift 2 ;;
	-l) [ $# -ge 2 ] || usage; level=$2; shift 2 ;;
	-F) [ $# -ge 2 ] || usage; fd=$2; shift 2 ;;
	-k) keep_lost=1; shift ;;
	--) shift; break ;;
	-h|--help) usage ;;
	*) break ;;
	esac
done
[ $# -gt 0 ] || usage
case "$method" in
tracefs | perf) ;;
*) die "-m wants tracefs or perf, not '$method'" ;;
esac
if [ -z "$buf_kb" ]; then
	ncpu=$(getconf _NPROCESSORS_CONF 2>/dev/null || echo 1)
	avail=$(awk '/^MemAvailable:/ { print $2 }' /proc/meminfo 2>/dev/null)
	buf_kb=262144
	if [ -n "$avail" ] && [ $((avail / 8 / ncpu)) -lt $buf_kb ]; then
		buf_kb=$((avail / 8 / ncpu))
	fi
	[ "$buf_kb" -ge 4096 ] || buf_kb=4096
fi
case "$buf_kb" in
*[!0-9]* | "" | ??????????*) bad "-b wants a size in KiB from 4 to 4194304, not '$buf_kb'" ;;
esac
if [ "$buf_kb" -lt 4 ] || [ "$buf_kb" -gt 4194304 ]; then
	bad "-b wants a size in KiB from 4 to 4194304, not '$buf_kb'"
fi

# The command, looked up as the shell will run it: one that cannot be run
# is said now, before tracefs is touched (127 and 126, as the shell's).
case "$1" in
*/*)
	[ -e "$1" ] || { printf 'lbsim-record: cannot run %s: No such file or directory\n' "$1" >&2; exit 127; }
	[ ! -d "$1" ] || { printf 'lbsim-record: cannot run %s: Is a directory\n' "$1" >&2; exit 126; }
	[ -x "$1" ] || { printf 'lbsim-record: cannot run %s: Permission denied\n' "$1" >&2; exit 126; }
	;;
*)
	command -v -- "$1" >/dev/null 2>&1 ||
		{ printf 'lbsim-record: cannot run %s: command not found\n' "$1" >&2; exit 127; }
	;;
esac

case "$fd" in
"") ;;
[3-9]) [ -z "$out$comp$level" ] || die "-F writes the trace itself: no -o, -z or -l with it"
	comp=none ;;
*) die "-F wants a file descriptor from 3 to 9, not '$fd'" ;;
esac
if [ -z "$comp" ]; then
	if command -v zstd >/dev/null 2>&1; then comp=zstd
	elif command -v xz >/dev/null 2>&1; then comp=xz
	else comp=gzip; fi
fi
case "$comp" in
zstd) suffix=.zst; max=19; : "${level:=3}" ;;
xz) suffix=.xz; max=9; : "${level:=6}" ;;
gzip) suffix=.gz; max=9; : "${level:=6}" ;;
none) suffix=""; max=0; [ -z "$level" ] || die "-l needs a compression (-z)" ;;
*) die "-z wants zstd, xz, gzip or none, not '$comp'" ;;
esac
if [ "$max" -gt 0 ]; then
	case "$level" in
	*[!0-9]* | "") die "-l wants a $comp level from 1 to $max, not '$level'" ;;
	esac
	if [ "$level" -lt 1 ] || [ "$level" -gt "$max" ]; then
		die "-l wants a $comp level from 1 to $max, not '$level'"
	fi
fi
case "$comp" in
zstd) zcmd="zstd -q -$level -T0 -c" ;;
xz) zcmd="xz -$level -c" ;;
gzip) zcmd="gzip -$level -c" ;;
*) zcmd="cat" ;;
esac
if [ "$comp" != none ] && ! command -v "$comp" >/dev/null 2>&1; then
	die "$comp is not installed; pick another with -z (zstd, xz, gzip, none)"
fi
[ -n "$out$fd" ] || out=lbsim-trace.txt$suffix

# The output, checked before the command runs: nothing is recorded for a
# file that cannot be written. A file made here is removed on failure.
made_out=""
if [ -n "$out" ]; then
	if [ -d "$out" ]; then
		die "cannot write $out: Is a directory"
	elif [ ! -e "$out" ]; then
		err=$( { : >"$out"; } 2>&1) || die "cannot write $out: ${err##*: }"
		made_out=$out
	else
		err=$( { : >>"$out"; } 2>&1) || die "cannot write $out: ${err##*: }"
	fi
fi

# --- Cleaning up, on every way out ------------------------------------------

inst=""
top=""
have=""
mounted_here="" # what this script mounted, to unmount at the end
out_done=""
cleanup() {
	if [ -n "$top" ]; then
		[ -w "$top/tracing_on" ] && echo 0 >"$top/tracing_on" 2>/dev/null
		for e in $have; do
			echo 0 >"$top/events/$e/enable" 2>/dev/null
		done
		if [ -n "$inst" ]; then
			rmdir "$inst" 2>/dev/null
		else
			echo "$saved_kb" >"$top/buffer_size_kb" 2>/dev/null
			echo >"$top/trace" 2>/dev/null
		fi
		top=""
	fi
	for m in $mounted_here; do
		if umount "$m" 2>/dev/null; then
			echo "lbsim-record: unmounted $m" >&2
		else
			echo "lbsim-record: could not unmount $m (in use?); umount $m when done" >&2
		fi
	done
	mounted_here=""
	if [ -n "$made_out" ] && [ -z "$out_done" ]; then
		rm -f "$made_out"
		made_out=""
	fi
}
trap cleanup EXIT
trap 'cleanup; exit 130' INT
trap 'cleanup; exit 143' TERM
trap 'cleanup; exit 129' HUP

# --- Can we trace at all? Say plainly what is missing. ----------------------

mount_fs() { # mount_fs TYPE DIR: mounts it, says so, and notes it for cleanup
	mount -t "$1" nodev "$2" 2>/dev/null || return 1
	echo "lbsim-record: mounted $1 at $2 (unmounted at the end)" >&2
	mounted_here="$2 $mounted_here" # the last mounted, first unmounted
}

find_tracefs() { # sets tfs
	for d in /sys/kernel/tracing /sys/kernel/debug/tracing; do
		if [ -e "$d/events" ]; then
			tfs=$d
			return 0
		fi
	done
	# Not mounted: try to mount it (works as root on kernels >= 4.1).
	if [ "$(id -u)" -eq 0 ] && [ -d /sys/kernel/tracing ] &&
	    mount_fs tracefs /sys/kernel/tracing; then
		if [ -e /sys/kernel/tracing/events ]; then
			tfs=/sys/kernel/tracing
			return 0
		fi
	fi
	if [ "$(id -u)" -eq 0 ] && [ -d /sys/kernel/debug ] &&
	    mount_fs debugfs /sys/kernel/debug; then
		if [ -e /sys/kernel/debug/tracing/events ]; then
			tfs=/sys/kernel/debug/tracing
			return 0
		fi
	fi
	return 1
}

explain_tracefs() {
	mounted=$(awk '$3 == "tracefs" { print $2; exit }' /proc/mounts 2>/dev/null)
	how=$0
	[ -z "$fd" ] || how="lbsim record"
	{
		echo "lbsim-record: cannot record with tracefs:"
		if [ "$(id -u)" -ne 0 ]; then
			echo "  - you are not root. Kernel tracing needs root (CAP_SYS_ADMIN,"
			echo "    or write access to ${mounted:-/sys/kernel/tracing}). Rerun with sudo."
		fi
		if [ -n "$mounted" ]; then
			[ "$(id -u)" -eq 0 ] &&
				echo "  - tracefs is mounted at $mounted but cannot be written (read-only mount or kernel lockdown?)."
		elif ! grep -qw tracefs /proc/filesystems 2>/dev/null &&
		    ! grep -qw debugfs /proc/filesystems 2>/dev/null; then
			echo "  - this kernel has no tracefs/debugfs (built without"
			echo "    CONFIG_FTRACE / CONFIG_TRACING)."
		else
			echo "  - tracefs is not mounted, and could not be mounted at /sys/kernel/tracing."
			echo "    In a container, run it with --privileged or bind-mount"
			echo "    the host's /sys/kernel/tracing; under kernel lockdown"
			echo "    (Secure Boot, lockdown=confidentiality) tracing is refused."
		fi
		echo "  Record where you are root: sudo $how -- COMMAND"
		echo "  (or with -m perf, if perf is installed and allowed to record tracepoints)."
	} >&2
}

present_events() { # $1: events dir; prints the kmem events this kernel has, as kmem/NAME
	for e in $events; do
		[ -e "$1/kmem/$e/enable" ] && printf 'kmem/%s ' "$e"
	done
}

no_sched_switch() { # the one line said when the kernel lacks it
	echo "lbsim-record: this kernel has no sched:sched_switch event: recording without it (lbsim will not know when each CPU was idle)" >&2
}

# sched:sched_switch, for perf: absent only where a tracefs shows its events
# and not this one (without a tracefs to look at, perf is left to find it).
perf_has_sched_switch() {
	for d in /sys/kernel/tracing /sys/kernel/debug/tracing; do
		if [ -e "$d/events/kmem" ]; then
			[ -e "$d/events/sched/sched_switch" ]
			return
		fi
	done
	return 0
}

# The command, without the descriptor of -F (it holds the trace's reader
# open: a daemon the command leaves behind would keep it waiting).
run_command() {
	if [ -n "$fd" ]; then
		eval '"$@"' "$fd>&-"
	else
		"$@"
	fi
}

# stdin to the output: -o through the compressor, or -F as it is.
write_out() {
	if [ -n "$fd" ]; then
		eval 'cat >&'"$fd"
	else
		$zcmd >"$out"
	fi
}

# --- perf ------------------------------------------------------------------

record_perf() {
	command -v perf >/dev/null 2>&1 ||
		die "perf is not installed (Debian: apt-get install linux-perf)"
	evs=""
	for e in mm_page_alloc mm_page_free mm_page_free_batched \
	    mm_page_pcpu_drain mm_page_alloc_zone_locked; do
		evs="$evs${evs:+,}kmem:$e"
	done
	if perf_has_sched_switch; then
		evs="$evs,sched:sched_switch"
	else
		no_sched_switch
	fi
	tmp=$(mktemp -d) || die "mktemp failed"
	echo "lbsim-record: recording with perf: $evs" >&2
	run_command perf record -q -a -e "$evs" -o "$tmp/perf.data" -- "$@"
	status=$?
	case $status in
	126 | 127)
		rm -rf "$tmp"
		die_with $status "the command could not be run (status $status); no trace written" ;;
	esac
	if [ $status -ne 0 ]; then
		rm -rf "$tmp"
		{
			echo "lbsim-record: perf record failed. System-wide tracepoints need"
			echo "  root, or kernel.perf_event_paranoid <= -1 and read access to"
			echo "  tracefs (sysctl kernel.perf_event_paranoid=-1; see"
			echo "  /proc/sys/kernel/perf_event_paranoid, now $(cat /proc/sys/kernel/perf_event_paranoid 2>/dev/null || echo unknown))."
		} >&2
		exit 1
	fi
	# perf's own loss records, a marker line a CPU as the tracefs path
	# writes them (its PERF_RECORD_LOST lines name the CPU and the count)
	markers=$(perf script -i "$tmp/perf.data" --show-lost-events 2>/dev/null | awk '
		/PERF_RECORD_LOST/ {
			cpu = 0
			for (i = 1; i <= NF; i++) {
				if ($i ~ /^\[[0-9]+\]$/) cpu = substr($i, 2, length($i) - 2) + 0
				if ($i == "lost" && i < NF) n[cpu] += $(i + 1)
			}
		}
		END { for (c in n) if (n[c]) printf "CPU:%d [LOST %d EVENTS]\n", c, n[c] }')
	dropped=$(printf '%s\n' "$markers" | sed -n 's/.*\[LOST \([0-9]*\) EVENTS\]/\1/p' |
		awk '{ n += $1 } END { print n + 0 }')
	{ perf script -i "$tmp/perf.data" 2>/dev/null &&
		{ [ -z "$markers" ] || printf '%s\n' "$markers"; }; } | write_out
	rc=$?
	rm -rf "$tmp"
	[ $rc -eq 0 ] || die "writing ${out:-the trace} failed"
	out_done=1
	[ -n "$fd" ] || echo "lbsim-record: wrote $out" >&2
	if [ "$dropped" -gt 0 ]; then
		echo "lbsim-record: perf lost $dropped events (the trace says so at its end, and" >&2
		echo "  its replay warns); rerun with a shorter command." >&2
		[ -n "$keep_lost" ] || return 3
	fi
}

# --- tracefs instance --------------------------------------------------------

record_tracefs() {
	find_tracefs || { explain_tracefs; exit 1; }
	if [ ! -w "$tfs/tracing_on" ] && [ ! -w "$tfs/instances" ]; then
		explain_tracefs
		exit 1
	fi
	have=$(present_events "$tfs/events")
	if [ -z "$have" ]; then
		die "this kernel has no kmem page-allocator trace events in $tfs/events/kmem (built without CONFIG_TRACEPOINTS?)"
	fi
	if [ -e "$tfs/events/sched/sched_switch/enable" ]; then
		have="${have}sched/sched_switch"
	else
		no_sched_switch
	fi
	if [ -d "$tfs/instances" ] && mkdir "$tfs/instances/lazybuddy-$$" 2>/dev/null; then
		inst="$tfs/instances/lazybuddy-$$"
		top=$inst
	else
		echo "lbsim-record: no tracefs instances here (kernel < 3.10?): using the" >&2
		echo "  main tracing buffer; it is cleared before and after." >&2
		saved_kb=$(sed 's/ .*//' "$tfs/buffer_size_kb")
		top=$tfs
	fi

	echo 0 >"$top/tracing_on"
	echo "$buf_kb" 2>/dev/null >"$top/buffer_size_kb" ||
		die "cannot set a $buf_kb KiB buffer per CPU; try a smaller -b"
	[ -e "$top/options/overwrite" ] && echo 0 >"$top/options/overwrite"
	[ -e "$top/options/record-tgid" ] && echo 0 >"$top/options/record-tgid"
	echo >"$top/trace"
	for e in $have; do
		echo 1 >"$top/events/$e/enable" || die "cannot enable ${e%%/*}:${e#*/}"
	done
	echo "lbsim-record: tracing $(echo "$have" | sed 's|/|:|g') in ${inst:-the main buffer}" >&2
	echo 1 >"$top/tracing_on"
	run_command "$@"
	status=$?
	echo 0 >"$top/tracing_on"
	case $status in
	0) ;;
	126 | 127) die_with $status "the command could not be run (status $status); no trace written" ;;
	*) echo "lbsim-record: the command exited with $status" >&2 ;;
	esac

	# The buffer's counts: events held (one line each), and lost, each
	# CPU's loss as a marker line that the trace reader counts (ftrace's own
	# form), so that the file says it and a replay warns.
	dropped=0 lines="" markers=""
	for s in "$top"/per_cpu/cpu*/stats; do
		[ -e "$s" ] || continue
		e=$(sed -n 's/^entries: *//p' "$s")
		n=$(sed -n 's/^dropped events: *//p' "$s")
		o=$(sed -n 's/^overrun: *//p' "$s")
		lines=$((${lines:-0} + ${e:-0}))
		dropped=$((dropped + ${n:-0} + ${o:-0}))
		cpu=${s%/stats}
		cpu=${cpu##*/cpu}
		[ $((${n:-0} + ${o:-0})) -eq 0 ] ||
			markers="${markers}CPU:$cpu [LOST $((${n:-0} + ${o:-0})) EVENTS]
"
	done
	# (no stats files, on old kernels: the count is unknown, not 0; lines
	# of sched_switch alone are left for lbsim record to refuse)
	if [ "${lines:-1}" -eq 0 ]; then
		[ $status -ne 0 ] || status=1
		die_with $status "no page-allocator event was recorded; no trace written"
	fi
	# Through cat: tracefs says the file is empty, and gzip warns when it is not.
	# shellcheck disable=SC2002
	{ cat "$top/trace" && printf '%s' "$markers"; } | write_out ||
		die "writing ${out:-the trace} failed"
	out_done=1
	[ -n "$fd" ] || echo "lbsim-record: wrote $out: ${lines:-an unknown number of} event lines" >&2
	if [ "$dropped" -gt 0 ]; then
		echo "lbsim-record: $dropped events did not fit the buffer and are missing (the trace" >&2
		echo "  says so at its end, and its replay warns); rerun with a larger -b (now" >&2
		echo "  $buf_kb KiB per CPU) or a shorter command." >&2
		# an incomplete trace: not a success, unless asked (-k)
		[ $status -ne 0 ] || [ -n "$keep_lost" ] || status=3
	fi
	cleanup
	return $status
}

if [ "$method" = perf ]; then
	record_perf "$@"
else
	record_tracefs "$@"
fi
