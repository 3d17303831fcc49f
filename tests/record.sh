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

# The rest records for real.
if [ "$(id -u)" -ne 0 ]; then
	echo "skipped: not root (recording a kernel trace needs root); a real recording is not tested"
	echo "$passed passed, $failed failed"
	[ $failed -eq 0 ]
	exit
fi

mounts() { awk '$3 == "tracefs" || $3 == "debugfs" { print $2 }' /proc/mounts | sort; }

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
events=$(sed -n 's/^lbsim record: wrote .*: \([0-9]*\) events, .*/\1/p' "$tmp/err")
if [ $rc -eq 0 ] && [ -n "$events" ] && [ -s "$tmp/t.txt.zst" ] && [ "$secs" -le 10 ]; then
	ok "recorded sleep 0.2 in ${secs} s: $events events"
else
	fail "recording sleep 0.2: status $rc, ${secs} s"
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

echo "$passed passed, $failed failed"
[ $failed -eq 0 ]
