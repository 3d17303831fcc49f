#!/bin/sh
# SPDX-License-Identifier: MIT
# The workload of data/traces/default.txt.zst (see README.md): a small
# program is built, then seven phases with a pause before each of the last
# six: a burst of 60 process starts; a compile of lazybuddy's trace reader
# (gcc -O2, 2 jobs); the same at -O0 -g; dd with a 64 MiB buffer, filled
# twice; memhog touching 8 GiB of transparent huge pages (order-9
# allocations) and 12 MiB of 4 KiB pages from 2 threads, held for 0.5 s;
# a 2.5 s idle pause (longer than free page reporting's 2 s delay); memhog
# again with 4 GiB and 6 MiB for 0.3 s.
# shellcheck disable=SC2034,SC2011  # kept as it was when recorded
set -e
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../../tools/trace" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
gcc -O2 -pthread -o memhog "$here/memhog.c"
for i in $(seq 60); do /bin/true; done
sleep 0.3
ls "$src"/*.c | xargs -P 2 -n 1 gcc -O2 -c
sleep 0.3
ls "$src"/*.c | xargs -P 2 -n 1 gcc -O0 -g -c
sleep 0.3
dd if=/dev/zero of=/dev/null bs=64M count=2 2>/dev/null
sleep 0.3
./memhog 8192 12 500 2
sleep 2.5
./memhog 4096 6 300 2
