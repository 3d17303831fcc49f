#!/bin/sh
# The scaling table of docs/scaling.md on a machine with more CPUs (issue
# 23 asks for 1, 2, 4, 8 and 16 threads on 16 cores), as one prepared run
# that fits one 10-minute call on a lent machine: build lbbench if it is
# not built, then order-0 churn, mixed orders and cross-CPU frees through
# caches and through CPU lists, against jemalloc, mimalloc and glibc
# (those not installed are skipped and said so), on accepted memory.
#
#   sh tools/lbbench/scaling.sh [--quick] [OUT]
#
# OUT (default build/scaling) gets caches.txt and lists.txt, lbbench's
# tables (their headers give the CPUs, the load and how long a cache line
# takes between two CPUs), and caches.json and lists.json. Thread counts
# are 1, 2, 4, 8 and 16, and the machine's CPU count if it is not one of
# them, none above 64; --quick runs a tiny smoke version (the figures mean
# nothing). Medians of 5 runs.
set -eu
quick= out=build/scaling
for a in "$@"; do
	case $a in
	--quick) quick=--quick ;;
	-*) echo "scaling.sh: unknown option $a" >&2; exit 2 ;;
	*) out=$a ;;
	esac
done
cpus=$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo 1)
threads=1,2,4,8,16
case ",$threads," in *",$cpus,"*) ;; *) [ "$cpus" -le 64 ] && threads=$threads,$cpus ;; esac
[ -n "$quick" ] && threads=1,2
[ -x build/lbbench ] || make -j"$cpus" VARIANT=release build/lbbench >/dev/null
mkdir -p "$out"
for mode in caches lists; do
	flag=
	[ $mode = lists ] && flag=--no-cache
	for fmt in txt json; do
		json=
		[ $fmt = json ] && json=--json
		# shellcheck disable=SC2086 # empty options vanish on purpose
		./build/lbbench $quick $flag $json --repeats 5 --bench churn,mixed,handoff \
			--memory accepted --allocator lazybuddy-eager,jemalloc,mimalloc,glibc \
			--threads "$threads" >"$out/$mode.$fmt" 2>"$out/$mode.$fmt.log"
	done
	echo "scaling.sh: $out/$mode.txt, $out/$mode.json (threads $threads)"
done
