#!/bin/sh
# SPDX-License-Identifier: MIT
# lbsim record end to end: usage errors, an output that cannot be written
# (refused before the command runs, nothing left), and, as root where the
# kernel can trace, a real recording of a short command that lbsim then
# replays, with tracefs left mounted or not as it was found. Prints
# "N passed, M failed" for tests/run.sh.
lbsim=${1:-build/lbsim}
passed=0 failed=0
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT

ok() { echo "ok   record: $1"; passed=$((passed + 1)); }
fail() {
	echo "FAIL record: $1"
	sed 's/^/    /' "$tmp/err" | head -n 20
	failed=$((failed + 1))
}

# Usage errors: status 2, one line, nothing run.
"$lbsim" record -l 20 -- touch "$tmp/ran" 2>"$tmp/err"
rc=$?
if [ $rc -eq 2 ] && [ "$(wc -l <"$tmp/err")" -eq 1 ] && grep -q "not '20'" "$tmp/err" &&
    [ ! -e "$tmp/ran" ]; then
	ok "a bad -l is a usage error"
else
	fail "a bad -l: status $rc"
fi

# An output in a missing directory: refused with strerror's words before
# the command runs (so without root too).
"$lbsim" record -o "$tmp/missing/t.zst" -- touch "$tmp/ran" 2>"$tmp/err"
rc=$?
if [ $rc -eq 1 ] && [ "$(wc -l <"$tmp/err")" -eq 1 ] &&
    grep -qx "lbsim record: cannot write $tmp/missing/t.zst: No such file or directory" "$tmp/err" &&
    [ ! -e "$tmp/ran" ] && [ ! -e "$tmp/missing" ]; then
	ok "an unwritable -o is refused before the command runs"
else
	fail "an unwritable -o: status $rc"
fi

# -b out of range: a usage error before anything runs (tracefs untouched).
mounts() { awk '$3 == "tracefs" || $3 == "debugfs" { print $2 }' /proc/mounts | sort; }
before=$(mounts)
"$lbsim" record -b 0 -- touch "$tmp/ran" 2>"$tmp/err"
rc=$?
if [ $rc -eq 2 ] && [ "$(wc -l <"$tmp/err")" -eq 1 ] &&
    grep -q "^lbsim record: -b wants a size in KiB from 4 to 4194304, not '0'" "$tmp/err" &&
    [ ! -e "$tmp/ran" ] && [ "$(mounts)" = "$before" ]; then
	ok "-b 0 is a usage error, before tracefs is touched"
else
	fail "-b 0: status $rc"
fi
# The script alone checks it too.
sh "$(dirname "$0")/../tools/record/lbsim-record.sh" -b 0 -o "$tmp/s.txt" -z none -- \
	touch "$tmp/ran" 2>"$tmp/err"
rc=$?
if [ $rc -eq 2 ] && [ "$(wc -l <"$tmp/err")" -eq 1 ] && grep -q "from 4 to 4194304" "$tmp/err" &&
    [ ! -e "$tmp/ran" ] && [ ! -e "$tmp/s.txt" ] && [ "$(mounts)" = "$before" ]; then
	ok "lbsim-record.sh -b 0 is a usage error"
else
	fail "lbsim-record.sh -b 0: status $rc"
fi

# A command that cannot be run: said in one line, before tracefs is
# touched, the shell's status, no output file.
for cmd in "$tmp/nonexistent-cmd" nonexistent-cmd-lbsim "$tmp"; do
	"$lbsim" record -o "$tmp/nc.zst" -- "$cmd" 2>"$tmp/err"
	rc=$?
	if [ $rc -ge 126 ] && [ $rc -le 127 ] && [ "$(wc -l <"$tmp/err")" -eq 1 ] &&
	    grep -q "^lbsim-record: cannot run $cmd: " "$tmp/err" && [ ! -e "$tmp/nc.zst" ] &&
	    [ "$(mounts)" = "$before" ]; then
		ok "record -- ${cmd#"$tmp"/}: status $rc, no output"
	else
		fail "record -- $cmd: status $rc"
	fi
done

# lbsim's own guard, with a stand-in for the script (no root needed): a
# trace without events, or from a command that could not be run, is not
# written.
printf '%s\n' '# tracer: nop' '#' 'printf "# tracer: nop\n#\n" >&3' 'exit "${LBT_STATUS:-0}"' \
	>"$tmp/fake.sh"
for st in 0 127; do
	LBSIM_RECORD=$tmp/fake.sh LBT_STATUS=$st "$lbsim" record -o "$tmp/f.zst" -- true 2>"$tmp/err"
	rc=$?
	want=$st
	[ "$st" -ne 0 ] || want=1
	if [ $rc -eq "$want" ] && [ ! -e "$tmp/f.zst" ] && [ -z "$(find "$tmp" -name 'f.zst*')" ] &&
	    [ "$(wc -l <"$tmp/err")" -eq 1 ] && grep -q "f.zst not written" "$tmp/err"; then
		ok "a recording $( [ "$st" = 0 ] && echo without events || echo of a command not run) leaves no file: $(cat "$tmp/err")"
	else
		fail "a stand-in recording, status $st: lbsim exited $rc"
	fi
done
rm -f "$tmp/fake.sh"

# The rest records for real.
if [ "$(id -u)" -ne 0 ]; then
	echo "skipped: not root (recording a kernel trace needs root); a real recording is not tested"
	echo "$passed passed, $failed failed"
	[ $failed -eq 0 ]
	exit
fi

# One recording at a time on this machine: another one's unmount would
# pull tracefs from under this one.
record() {
	if command -v flock >/dev/null 2>&1; then
		flock /tmp/lazybuddy-record.lock "$lbsim" "$@"
	else
		"$lbsim" "$@"
	fi
}

before=$(mounts)
start=$(date +%s)
record record -b 4096 -o "$tmp/t.txt.zst" -- sleep 0.2 2>"$tmp/err"
rc=$?
secs=$(($(date +%s) - start))
after=$(mounts)
if [ $rc -ne 0 ] && grep -q "cannot record with tracefs\|no kmem page-allocator trace events" "$tmp/err"; then
	echo "skipped: this kernel or container cannot trace; a real recording is not tested:"
	sed 's/^/    /' "$tmp/err"
	echo "$passed passed, $failed failed"
	[ $failed -eq 0 ]
	exit
fi
events=$(sed -n 's/^lbsim record: wrote .*: \([0-9]*\) events[ ,].*/\1/p' "$tmp/err")
sched=$(sed -n 's/^lbsim record: wrote .*: [0-9]* events and \([0-9]*\) sched_switch, .*/\1/p' \
	"$tmp/err")
if [ $rc -eq 0 ] && [ -n "$events" ] && [ -s "$tmp/t.txt.zst" ] && [ "$secs" -le 10 ]; then
	ok "recorded sleep 0.2 in ${secs} s: $events events, ${sched:-no} sched_switch"
else
	fail "recording sleep 0.2: status $rc, ${secs} s"
fi
# sched_switch beside them, where the kernel has it (sleep itself switches
# out); where it does not, one line says so.
if grep -q "no sched:sched_switch event" "$tmp/err"; then
	if [ "$(grep -c "sched_switch" "$tmp/err")" -eq 1 ] && [ -z "$sched" ]; then
		ok "this kernel has no sched_switch: recorded without it, said in one line"
	else
		fail "a kernel without sched_switch: not said in one line, or counted"
	fi
elif [ -n "$sched" ] && [ "$sched" -gt 0 ]; then
	if command -v zstd >/dev/null 2>&1; then
		lines=$(zstd -dc "$tmp/t.txt.zst" | grep -c ' sched_switch: ')
		if [ "$lines" = "$sched" ]; then
			ok "the trace holds the $sched sched_switch lines counted"
		else
			fail "$sched sched_switch counted, $lines in the trace"
		fi
	else
		ok "$sched sched_switch lines recorded (zstd not installed: not read back)"
	fi
else
	fail "no sched_switch line in the recording of sleep 0.2"
fi
if [ "$before" = "$after" ]; then
	ok "tracefs mounts as they were ($(echo "$before" | wc -w) before and after)"
else
	fail "tracefs mounts before: '$before', after: '$after'"
fi
if grep -q "mounted tracefs" "$tmp/err" && ! grep -q "unmounted /sys/kernel/tracing" "$tmp/err"; then
	fail "it mounted tracefs and did not say it unmounted it"
fi
# No temporary left beside the output.
if [ "$(ls "$tmp")" = "$(printf 'err\nt.txt.zst')" ]; then
	ok "nothing but the output written"
else
	ls -la "$tmp" >"$tmp/err"
	fail "files left beside the output"
fi

# lbsim replays it: as many events as the recording counted.
"$lbsim" --trace "$tmp/t.txt.zst" --policy exact >"$tmp/out" 2>"$tmp/err"
rc=$?
replayed=$(sed -n 's/^lbsim: trace .*: \([0-9]*\) events .*/\1/p' "$tmp/out")
if [ $rc -eq 0 ] && [ -n "$events" ] && [ "$replayed" = "$events" ]; then
	ok "lbsim --trace replays it ($replayed events)"
else
	head -n 3 "$tmp/out" >>"$tmp/err"
	fail "lbsim --trace: status $rc, $replayed events of $events"
fi

# A buffer too small for the command: the trace is written with a marker
# a CPU that lost events, and its replay warns; the status is 3, or with
# -k (keep it as a success) 0. lost WANT NAME [OPTION]: one such recording.
lost() {
	want=$1 name=$2
	shift 2
	record record "$@" -b 4 -o "$tmp/small.txt.zst" -- \
		sh -c "head -c 64M /dev/zero >'$tmp/fill'; rm -f '$tmp/fill'" 2>"$tmp/err"
	rc=$?
	if [ $rc -eq "$want" ] && grep -q "events did not fit the buffer" "$tmp/err" &&
		"$lbsim" --trace "$tmp/small.txt.zst" --policy unit 2>&1 >/dev/null |
		grep -q "events were lost while it was recorded"; then
		ok "$name: status $want, marked in the trace, the replay warns"
	elif [ $rc -eq 0 ] && ! grep -q "did not fit" "$tmp/err"; then
		ok "$name: a 4 KiB buffer held this command's events (nothing lost to test)"
	else
		fail "$name: status $rc (want $want), or no marker, or no warning"
	fi
	rm -f "$tmp/small.txt.zst"
}
lost 3 "events lost to a 4 KiB buffer"
lost 0 "events lost, kept with -k" -k

echo "$passed passed, $failed failed"
[ $failed -eq 0 ]
