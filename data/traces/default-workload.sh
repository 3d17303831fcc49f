#!/bin/sh
# SPDX-License-Identifier: MIT
# The workload of data/traces/default.txt.zst (see README.md), in four phases
# with a 0.3 s pause before each of the last three: a burst of 60 process
# starts; a compile of lazybuddy's trace reader (gcc -O2, 2 jobs); the same
# at -O0 -g; one memory-hungry command (dd with a 128 MiB buffer, filled
# twice).
# shellcheck disable=SC2034,SC2011  # kept as it was when recorded
set -e
src=$(cd "$(dirname "$0")/../../tools/trace" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
for i in $(seq 60); do /bin/true; done
sleep 0.3
ls "$src"/*.c | xargs -P 2 -n 1 gcc -O2 -c
sleep 0.3
ls "$src"/*.c | xargs -P 2 -n 1 gcc -O0 -g -c
sleep 0.3
dd if=/dev/zero of=/dev/null bs=128M count=2 2>/dev/null
