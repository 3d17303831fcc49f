#!/bin/sh
# SPDX-License-Identifier: MIT
# Bad input to the programs themselves: lbsim and lbbench refuse it with one
# line on stderr naming what was wrong, a nonzero exit, and nothing on
# stdout (never a table of nothing). Usage: bad_input.sh [LBSIM [LBBENCH]].
# Prints "ok   NAME" or "FAIL NAME" per case, then "N passed, M failed".
lbsim=${1:-build/lbsim}
lbbench=${2:-build/lbbench}
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
passed=0 failed=0

# expect NAME RC PATTERN CMD...: CMD exits RC, its stderr is one line
# matching the extended regex PATTERN, its stdout is empty.
expect() {
	name=$1 want=$2 pat=$3
	shift 3
	"$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	lines=$(wc -l <"$tmp/err")
	if [ "$rc" -eq "$want" ] && [ "$lines" -eq 1 ] && grep -Eq -- "$pat" "$tmp/err" &&
		[ ! -s "$tmp/out" ]; then
		echo "ok   $name"
		passed=$((passed + 1))
	else
		echo "FAIL $name: exit $rc (want $want), $lines stderr lines, stdout $(wc -c <"$tmp/out") bytes:"
		head -c 600 "$tmp/err"
		failed=$((failed + 1))
	fi
}

# runs NAME PATTERN CMD...: CMD exits 0 with a table on stdout, and its
# stderr matches PATTERN (one line) or is empty when PATTERN is "".
runs() {
	name=$1 pat=$2
	shift 2
	"$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	if [ "$rc" -eq 0 ] && grep -q '^policy ' "$tmp/out" &&
		{ { [ -z "$pat" ] && [ ! -s "$tmp/err" ]; } ||
			{ [ -n "$pat" ] && [ "$(wc -l <"$tmp/err")" -eq 1 ] &&
				grep -Eq -- "$pat" "$tmp/err"; }; }; then
		echo "ok   $name"
		passed=$((passed + 1))
	else
		echo "FAIL $name: exit $rc, stderr:"
		head -c 600 "$tmp/err"
		failed=$((failed + 1))
	fi
}

small="--policy unit --no-boot --memory 64M --pre-accepted 0"
expected='expected ftrace, trace-cmd or perf script text with kmem:mm_page_alloc and mm_page_free events'

# ---- traces that are not traces
: >"$tmp/empty.txt"
expect "empty trace" 1 "^lbsim: .*empty\.txt is empty; $expected\$" \
	"$lbsim" --trace "$tmp/empty.txt"
expect "binary trace (an executable)" 1 \
	"^lbsim: .*: not a page-allocator trace: [0-9]+ of [0-9]+ lines unknown \(the first on line 1: \"\\\\x7fELF.*\"\); $expected\$" \
	"$lbsim" --trace "$lbsim"
awk 'BEGIN { for (i = 1; i <= 983; i++) print "random line " i }' >"$tmp/random.txt"
expect "random text" 1 \
	"^lbsim: .*random\.txt: not a page-allocator trace: 983 of 983 lines unknown \(the first on line 1: \"random line 1\"\)" \
	"$lbsim" --trace "$tmp/random.txt"

# ---- a partial trace: refused, or replayed with --allow-unknown
cp "$here/fixtures/replay-same-moment.txt" "$tmp/partial.txt"
awk 'BEGIN { for (i = 1; i <= 25; i++) print "cut off " i }' >>"$tmp/partial.txt"
expect "mostly unknown lines" 1 \
	"^lbsim: .*partial\.txt: 25 of 45 lines unknown \(the first on line 21: \"cut off 1\"\); $expected \(--allow-unknown replays the 6 events understood\)\$" \
	"$lbsim" --trace "$tmp/partial.txt" $small
# shellcheck disable=SC2086 # $small splits on purpose
runs "--allow-unknown replays a partial trace" "" \
	"$lbsim" --trace "$tmp/partial.txt" --allow-unknown $small

# ---- time going backwards: a warning, the run goes on
sed -e 's/101\.000001:/99.000001:/' -e 's/101\.000100:/99.000100:/' \
	"$here/fixtures/replay-same-moment.txt" >"$tmp/back.txt"
# shellcheck disable=SC2086
runs "timestamps going backwards" \
	"^lbsim: warning: .*back\.txt line 19: time goes backwards \(an event before it has a later timestamp\), and on 1 more line; each CPU's events replay in file order\$" \
	"$lbsim" --trace "$tmp/back.txt" $small

# The table's microseconds: "µs" in a UTF-8 locale, "us" in any other.
table_units() { # LOCALE: the table's units line
	env -u LC_ALL -u LC_CTYPE LANG="$1" "$lbsim" --workload fill --memory 64M \
		--pre-accepted 16M --policy unit 2>/dev/null | sed -n '6p'
}
if table_units C | grep -q ' us ' && ! table_units C | grep -q 'µ' &&
	table_units C.UTF-8 | grep -q ' µs '; then
	echo "ok   the table's µs: us under LANG=C, µs under C.UTF-8"
	passed=$((passed + 1))
else
	echo "FAIL the table's µs: '$(table_units C)' / '$(table_units C.UTF-8)'"
	failed=$((failed + 1))
fi

# The legend under the table only when asked (--help has it too).
small_fill="--workload fill --memory 64M --pre-accepted 16M --policy unit"
# shellcheck disable=SC2086
if "$lbsim" $small_fill | grep -q '^(--legend says what each column means; ' &&
	! "$lbsim" $small_fill | grep -q '^Each row is one workload run' &&
	"$lbsim" $small_fill --legend | grep -q '^Each row is one workload run' &&
	"$lbsim" --help | grep -q '^Each row is one workload run'; then
	echo "ok   the legend: with --legend and in --help, one line saying so otherwise"
	passed=$((passed + 1))
else
	echo "FAIL the legend: printed without --legend, or not with it, or not in --help"
	failed=$((failed + 1))
fi

# Without --report, the run says no report was written (one on disk is
# another run's); with it, where it went.
# shellcheck disable=SC2086
if "$lbsim" $small_fill | grep -q 'no report written: --report DIR writes one)$' &&
	"$lbsim" $small_fill --legend --report "$tmp/rep" | grep -q "^report: .*/rep/index.html" &&
	! "$lbsim" $small_fill --legend --report "$tmp/rep" | grep -q 'no report written'; then
	echo "ok   a run without --report says it wrote none"
	passed=$((passed + 1))
else
	echo "FAIL a run without --report does not say it wrote none, or one with it does"
	failed=$((failed + 1))
fi

# With no options, a report that could not be written is found before the
# run, not after it: a copy of lbsim (no data/ beside it, so the report
# would go to ./lbsim-report, as an installed one's) run in /proc.
cp "$lbsim" "$tmp/lbsim-copy"
# shellcheck disable=SC2016
expect "no options, the report's place unwritable" 1 'the report: cannot create lbsim-report' \
	sh -c 'cd /proc && exec "$0"' "$tmp/lbsim-copy"
rm -f "$tmp/lbsim-copy"

# The table fits 100 columns, headings included; --wide shows every column.
widest() { awk '{ if (length($0) > m) m = length($0) } END { print m + 0 }'; }
synth="--workload boot,fill,churn --memory 2G --pre-accepted 1G --vcpus 4"
# shellcheck disable=SC2086
w1=$(LC_ALL=C "$lbsim" --trace "$here/../data/traces/default.txt.zst" | widest)
# shellcheck disable=SC2086
w2=$(LC_ALL=C "$lbsim" $synth | widest)
# shellcheck disable=SC2086
if [ "$w1" -le 100 ] && [ "$w2" -le 100 ] &&
	"$lbsim" $small_fill --wide | grep -q '^policy .* stolen' &&
	! "$lbsim" $small_fill | grep -q '^policy .* stolen'; then
	echo "ok   the table fits 100 columns ($w1 and $w2), every column with --wide"
	passed=$((passed + 1))
else
	echo "FAIL the table: $w1 and $w2 columns wide (100 at most), or --wide not wider"
	failed=$((failed + 1))
fi

# Sizes beyond the guest: refused in one line.
expect "--reserve above the guest's memory" 2 \
	"^lbsim: --reserve 100T is more than the guest's memory \(64M\)\$" \
	"$lbsim" --workload fill --memory 64M --policy background --reserve 100T

# A trace that lost events while recorded: replayed, and said so on stderr
# and in the table's heading.
# shellcheck disable=SC2086
runs "a trace that lost events" \
	"^lbsim: warning: .*replay-lost\.txt says 12 events were lost while it was recorded" \
	"$lbsim" --trace "$here/fixtures/replay-lost.txt" $small
grep -q 'warning: 12 events were lost while the trace was recorded' "$tmp/out" ||
	{ echo "FAIL a trace that lost events: not in the heading"; failed=$((failed + 1)); }

# ---- CPU numbers: sparse ones are distinct vCPUs, too large ones refused
line() { # CPU PFN: an allocation on CPU
	printf '  x-1 [%s] .... 100.%06d: mm_page_alloc: pfn=%d order=0 migratetype=0 gfp_flags=GFP_KERNEL\n' "$1" "$2" "$2"
}
{ line 0 4096; line 4096 4097; } >"$tmp/sparse.txt"
# shellcheck disable=SC2086
runs "CPUs 0 and 4096: two vCPUs" "" "$lbsim" --trace "$tmp/sparse.txt" $small
grep -q ' on 2 CPUs;' "$tmp/out" || { echo "FAIL CPUs 0 and 4096: $(head -1 "$tmp/out")"; failed=$((failed + 1)); }
for cpu in 4294967296 18446744073709551615; do
	{ line 0 4096; line $cpu 4097; } >"$tmp/cpu.txt"
	# shellcheck disable=SC2086
	expect "CPU $cpu" 1 \
		"^lbsim: .*cpu\.txt: line 2: CPU number $cpu is out of range \(at most 4294967294\)\$" \
		"$lbsim" --trace "$tmp/cpu.txt" $small
done
awk 'BEGIN { for (i = 0; i <= 256; i++) printf "  x-1 [%d] .... 100.%06d: mm_page_alloc: pfn=%d order=0 migratetype=0 gfp_flags=GFP_KERNEL\n", i * 4096, i + 1, 4096 + i }' >"$tmp/cpus.txt"
# shellcheck disable=SC2086
expect "257 sparse CPUs" 1 "^lbsim: .*cpus\.txt: the trace shows 257 CPUs; lbsim simulates at most 256 vCPUs\$" \
	"$lbsim" --trace "$tmp/cpus.txt" $small

# ---- inputs that are no file of text
mkdir "$tmp/dir"
expect "a directory as the trace" 1 "^lbsim: $tmp/dir: read error: Is a directory\$" \
	"$lbsim" --trace "$tmp/dir"
expect "/dev/zero as the trace (no newline ever)" 1 \
	"^lbsim: /dev/zero: not a page-allocator trace: line 1 is longer than 64 KiB \(it starts \"(\\\\x00)+\.\.\.\"\); $expected\$" \
	timeout 60 "$lbsim" --trace /dev/zero
# shellcheck disable=SC2086
runs "the trace on stdin" "" sh -c "\"\$0\" --trace - $small <\"\$1\"" "$lbsim" "$tmp/sparse.txt"
mkfifo "$tmp/fifo"
cat "$tmp/sparse.txt" >"$tmp/fifo" &
# shellcheck disable=SC2086
runs "the trace from a FIFO" "" "$lbsim" --trace "$tmp/fifo" $small
wait

# ---- a guest too small for the trace: no note that it fits
awk 'BEGIN { for (i = 0; i < 1500; i++) printf "  x-1 [000] .... 100.%06d: mm_page_alloc: pfn=%d order=0 migratetype=0 gfp_flags=GFP_KERNEL\n", i + 1, 4096 + i }' >"$tmp/big.txt"
for boot in "" --no-boot; do
	# shellcheck disable=SC2086
	runs "4M guest, 5.9M trace $boot" "" "$lbsim" --trace "$tmp/big.txt" --memory 4M --policy unit $boot
	want="^note: the 4\.0 MiB guest is too small for the trace$([ -z "$boot" ] && echo ' \(with boot\)'): allocations failed for lack of memory \([0-9]+ under unit\); try a larger --memory\$"
	# the note's lines joined (it wraps at 100 columns)
	sed -e ':a' -e '/^note:/N' -e 's/\n      / /' -e 'ta' "$tmp/out" >"$tmp/joined"
	if grep -q 'never need to accept' "$tmp/out" || ! grep -Eq -- "$want" "$tmp/joined"; then
		echo "FAIL 4M guest note $boot: $(grep note "$tmp/out")"
		failed=$((failed + 1))
	fi
done
# shellcheck disable=SC2086
runs "the note without boot" "" "$lbsim" --trace "$tmp/big.txt" --memory 64M --policy unit --no-boot
grep -q '^note: the trace never holds more than 5\.9 MiB' "$tmp/out" ||
	{ echo "FAIL the note without boot: $(grep note "$tmp/out")"; failed=$((failed + 1)); }

# ---- options
# shellcheck disable=SC2086
expect "--load with a trace that recorded its idle periods" 2 \
	"^lbsim: --load applies to traces without idle periods; .*idle-cpus\\.txt recorded when its CPUs were idle \\(sched_switch\\), and the replay uses that\$" \
	"$lbsim" --trace "$here/fixtures/idle-cpus.txt" --load 20 $small
# shellcheck disable=SC2086
expect "--cpus fewer than the trace's CPUs" 2 \
	"^lbsim: --cpus 1 is fewer than the trace's CPUs \\(2\\): each traced CPU's events run on a CPU of their own\$" \
	"$lbsim" --trace "$here/fixtures/replay-same-moment.txt" --cpus 1 $small
expect "--cpus fewer than --vcpus" 2 \
	"^lbsim: --cpus 2 is fewer than the vCPUs \\(4\\): each vCPU's stream runs on a CPU of its own\$" \
	"$lbsim" --workload fill --vcpus 4 --cpus 2
expect "--pre-accepted beyond the guest" 2 \
	"^lbsim: --pre-accepted 32G is more than the guest's memory \(16G, the default; see --memory\)\$" \
	"$lbsim" --pre-accepted 32G
expect "--ops with a trace" 2 "^lbsim: --ops applies to the churn workload" "$lbsim" --ops 5
expect "--rate with a trace" 2 "^lbsim: --rate applies to --workload runs" "$lbsim" --rate 5
expect "--no-boot with workloads" 2 "^lbsim: --no-boot applies to trace replays" \
	"$lbsim" --workload fill --no-boot
# --json goes with --fidelity and --policy-bench (tests/fidelity.sh runs
# it); the run options still do not.
expect "--fidelity --json with --csv" 2 "^lbsim: --csv does not apply to --fidelity" \
	"$lbsim" --fidelity --json --csv "$tmp/f.csv"
expect "--policy-bench --json with --report" 2 \
	"^lbsim: --report does not apply to --policy-bench" \
	"$lbsim" --policy-bench --json --report "$tmp/pb"
expect "--ops without churn" 2 \
	"^lbsim: --ops applies to the churn workload, which --workload boot does not run \(add it to the list\)\$" \
	"$lbsim" --workload boot --memory 64M --ops 100
for m in 17T 1000T; do
	expect "--memory $m" 2 "^lbsim: --memory $m: must be a multiple of 4K, 4M to 16T \(the most one lazybuddy zone spans\)\$" \
		"$lbsim" --memory $m --policy unit
done
# --cost: 1 for a file that cannot be used, 2 for a name that is no preset
expect "--cost a directory" 1 "^lbsim: --cost: $tmp/dir: Is a directory\$" "$lbsim" --cost "$tmp/dir"
printf 'preset = tdx\nfrob = 1\n' >"$tmp/cost.txt"
expect "--cost a bad file" 1 "^lbsim: --cost: $tmp/cost\.txt:2: " "$lbsim" --cost "$tmp/cost.txt"
expect "--cost a missing file" 1 "^lbsim: --cost: $tmp/none\.txt: not a preset, and cannot be read" \
	"$lbsim" --cost "$tmp/none.txt"
expect "--cost a misspelt preset" 2 "^lbsim: --cost: tdx4k: not a preset \(tdx, tdx-4k, snp, snp-4k, free\) nor a file\$" \
	"$lbsim" --cost tdx4k

# ---- outputs that cannot be written: found before the run, nothing made
expect "--csv in a missing directory" 1 \
	"^lbsim: --csv: cannot write $tmp/none/x\.csv: No such file or directory\$" \
	"$lbsim" --csv "$tmp/none/x.csv"
expect "--report under a file" 1 \
	"^lbsim: --report: cannot create $tmp/empty\.txt/r: Not a directory\$" \
	"$lbsim" --report "$tmp/empty.txt/r"
expect "--report with a bad trace" 1 "random\.txt: not a page-allocator trace" \
	"$lbsim" --report "$tmp/new/report" --trace "$tmp/random.txt"
if [ -e "$tmp/new" ]; then
	echo "FAIL --report with a bad trace: $tmp/new left behind"
	failed=$((failed + 1))
fi

# ---- outputs onto inputs or onto each other: refused before the run,
# nothing written
cp "$tmp/sparse.txt" "$tmp/same.txt"
# shellcheck disable=SC2086
expect "--csv onto the trace" 2 \
	"^lbsim: --csv $tmp/same\.txt and --trace $tmp/same\.txt are the same file \(an output may not overwrite an input\)\$" \
	"$lbsim" --trace "$tmp/same.txt" $small --csv "$tmp/same.txt"
cmp -s "$tmp/same.txt" "$tmp/sparse.txt" || { echo "FAIL --csv onto the trace: the trace changed"; failed=$((failed + 1)); }
ln -s same.txt "$tmp/link.txt"
# shellcheck disable=SC2086
expect "--csv onto the trace through a link" 2 "are the same file \(an output may not overwrite an input\)\$" \
	"$lbsim" --trace "$tmp/link.txt" $small --csv "$tmp/./same.txt"
mkdir "$tmp/r"
cp "$here/fixtures/cost-tdx.txt" "$tmp/r/index.html"
expect "--report onto the --cost file" 2 \
	"^lbsim: --report $tmp/r/\./ \(its $tmp/r/\./index\.html\) and --cost $tmp/r/index\.html are the same file \(an output may not overwrite an input\)\$" \
	"$lbsim" --cost "$tmp/r/index.html" --report "$tmp/r/./" --workload boot --memory 64M
cmp -s "$here/fixtures/cost-tdx.txt" "$tmp/r/index.html" ||
	{ echo "FAIL --report onto the --cost file: the file changed"; failed=$((failed + 1)); }
# shellcheck disable=SC2086
expect "--report and --csv onto one file" 2 \
	"^lbsim: --csv $tmp/d/index\.html and --report $tmp/d \(its $tmp/d/index\.html\) are the same file \(two outputs may not share one\)\$" \
	"$lbsim" --trace "$tmp/same.txt" $small --report "$tmp/d" --csv "$tmp/d/index.html"
if [ -e "$tmp/d" ]; then
	echo "FAIL --report and --csv onto one file: $tmp/d made"
	failed=$((failed + 1))
fi

# ---- lbbench
names='lazybuddy lazybuddy-eager .* glibc jemalloc mimalloc mmap \(try --help\)$'
expect "lbbench --allocator bogus" 2 \
	"^lbbench: --allocator bogus: unknown allocator 'bogus'; expected a comma list of: $names" \
	"$lbbench" --allocator bogus
expect "lbbench --allocator lazybuddy-bogus" 2 \
	"^lbbench: --allocator lazybuddy-bogus: unknown allocator 'lazybuddy-bogus'; expected a comma list of: $names" \
	"$lbbench" --allocator lazybuddy-bogus
expect "lbbench --ops out of range" 2 \
	"^lbbench: --ops 99999999999999999999999: must be a whole number, 1 to 1000000000 \(try --help\)\$" \
	"$lbbench" --ops 99999999999999999999999
expect "lbbench --threads 0" 2 "^lbbench: --threads 0: must be 1 to 1024 \(try --help\)\$" \
	"$lbbench" --threads 0
expect "lbbench --repeats x" 2 "^lbbench: --repeats x: must be a whole number, 1 to 1000" \
	"$lbbench" --repeats x
expect "lbbench, no allocator on the memory" 2 \
	"^lbbench: --allocator glibc --memory lazy-mmap: none of those runs on lazy-mmap memory" \
	"$lbbench" --allocator glibc --memory lazy-mmap
for list in "--bench churn," "--bench ,churn" "--allocator glibc," "--threads 1," \
	"--threads 1,,2"; do
	# shellcheck disable=SC2086 # the option and its value, split
	expect "lbbench $list" 2 "^lbbench: ${list% *} ${list#* }: an empty item in the comma list \(try --help\)\$" \
		"$lbbench" --quick $list
done
expect "lbbench --ops with fill_drain alone" 2 "^lbbench: --ops applies to churn, mixed and handoff" \
	"$lbbench" --quick --bench fill_drain --ops 5
expect "lbbench --paths with --threads" 2 \
	"^lbbench: --threads does not apply to --paths \(it takes --repeats, --ops, --seed and --json\)\$" \
	"$lbbench" --quick --paths --threads 2
expect "lbbench --no-cache without lazybuddy" 2 \
	"^lbbench: --no-cache applies to lazybuddy allocators \(--allocator glibc,mmap chooses none\)\$" \
	"$lbbench" --quick --no-cache --allocator glibc,mmap

# lbbench says what ran: a thread count given twice is one row; the header,
# the table's ops column and the JSON agree on the operations.
bench_rows() {
	"$lbbench" --quick --bench churn --allocator glibc,glibc "$@" 2>"$tmp/err"
}
rows=$(bench_rows --threads 2,2,1 | grep -c '^churn  *glibc ')
if [ "$rows" = 2 ]; then
	echo "ok   lbbench --threads 2,2,1: 2 rows"
	passed=$((passed + 1))
else
	echo "FAIL lbbench --threads 2,2,1: $rows rows, want 2"
	failed=$((failed + 1))
fi
table=$(bench_rows --threads 1 --ops 4001)
json=$(bench_rows --threads 3 --ops 4001 --json)
if printf '%s\n' "$table" | grep -q -- '--ops 4001' &&
	printf '%s\n' "$table" | grep -Eq '^churn +glibc .* 4001$' &&
	printf '%s\n' "$json" | grep -q '"ops": 4001,'; then
	echo "ok   lbbench --ops 4001: the header, the ops column and the JSON say 4001"
	passed=$((passed + 1))
else
	echo "FAIL lbbench --ops 4001: the header, the table or the JSON says otherwise:"
	printf '%s\n%s\n' "$table" "$json" | head -20
	failed=$((failed + 1))
fi

# Results that cannot reach standard output are a failure, not exit 0.
if [ -w /dev/full ]; then
	for cmd in "$lbsim --version" "$lbsim --fidelity --json" \
		"$lbsim --workload fill --memory 64M --pre-accepted 16M --policy unit --json" \
		"$lbbench --version"; do
		# shellcheck disable=SC2086 # the command line splits on purpose
		$cmd >/dev/full 2>"$tmp/err"
		rc=$?
		if [ "$rc" -eq 1 ] && grep -q ': cannot write standard output: ' "$tmp/err"; then
			echo "ok   ${cmd##*/} > /dev/full: exit 1, said so"
			passed=$((passed + 1))
		else
			echo "FAIL ${cmd##*/} > /dev/full: exit $rc:"
			head -c 300 "$tmp/err"
			failed=$((failed + 1))
		fi
	done
else
	echo "skipped: no writable /dev/full"
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
