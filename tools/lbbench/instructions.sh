#!/bin/sh
# SPDX-License-Identifier: MIT
# The library's order-0 paths in instructions (callgrind), for each
# checkout given (each already built: its build/liblazybuddy.a):
#   sh tools/lbbench/instructions.sh /path/to/old/checkout .
# prints, per checkout, the instructions of a million rounds of free and
# allocate through lb_alloc/lb_free ("zone", no CPU lists) and through an
# lb_cache ("cache"). Needs valgrind.
set -eu
command -v valgrind >/dev/null || { echo "instructions.sh: needs valgrind" >&2; exit 2; }
[ $# -ge 1 ] || { echo "usage: instructions.sh CHECKOUT..." >&2; exit 2; }
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
printf '%-40s %16s %16s\n' checkout zone cache
for d in "$@"; do
	lib="$d/build/liblazybuddy.a"
	[ -f "$lib" ] || { echo "instructions.sh: no $lib (build it first)" >&2; exit 2; }
	${CC:-cc} -O2 -I"$d/include" -o "$tmp/run" "$here/instructions.c" "$lib" -lpthread
	line=$(printf '%-40s' "$d")
	for path in zone cache; do
		n=$(valgrind --tool=callgrind --callgrind-out-file=/dev/null "$tmp/run" "$path" 2>&1 |
			sed -n 's/.*Collected : *\([0-9]*\).*/\1/p')
		line="$line $(printf '%16s' "$n")"
	done
	echo "$line"
done
