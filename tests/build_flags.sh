#!/bin/sh
# SPDX-License-Identifier: MIT
# A packager's flags are added to the build's own, never instead of them:
# with CFLAGS="-O3 -g" (given to make, or from the environment) every
# compile keeps -std=c11 and -fPIC and ends with the user's -O3; -Werror
# only when asked (WERROR=-Werror, as make test and make fuzz do).
# Read from make's dry run (-n -B: every command, nothing built).
# Prints "N passed, M failed" for tests/run.sh.
cd "$(dirname "$0")/.." || exit 1
unset MAKEFLAGS MFLAGS MAKELEVEL WERROR CFLAGS # make test's own settings stay out
passed=0 failed=0

# check NAME: every cc line of the dry run in $tmp/cmds passes the test
check() {
	if [ "$1" = ok ]; then
		echo "ok   $2"
		passed=$((passed + 1))
	else
		echo "FAIL $2"
		failed=$((failed + 1))
	fi
}

compiles() { grep -E '^cc .* -c ' | grep -v freestanding; }

cmds=$(make -n -B CFLAGS="-O3 -g" all 2>/dev/null | compiles)
n=$(printf '%s\n' "$cmds" | grep -c .)
kept=$(printf '%s\n' "$cmds" | grep -c -- '-std=c11 .*-fPIC .*-O3 -g ')
[ "$n" -gt 10 ] && [ "$kept" -eq "$n" ] && ! printf '%s\n' "$cmds" | grep -q -- -Werror &&
	r=ok || r=fail
check $r "make CFLAGS=\"-O3 -g\": $kept of $n compiles keep -std=c11 and -fPIC, the user's -O3 last, no -Werror"

cmds=$(CFLAGS=-O1 make -n -B all 2>/dev/null | compiles)
n=$(printf '%s\n' "$cmds" | grep -c .)
kept=$(printf '%s\n' "$cmds" | grep -c -- '-fPIC .*-O1 ')
[ "$n" -gt 10 ] && [ "$kept" -eq "$n" ] && r=ok || r=fail
check $r "CFLAGS=-O1 from the environment: $kept of $n compiles take it"

cmds=$(make -n -B WERROR=-Werror all 2>/dev/null | compiles)
n=$(printf '%s\n' "$cmds" | grep -c .)
kept=$(printf '%s\n' "$cmds" | grep -c -- -Werror)
[ "$n" -gt 10 ] && [ "$kept" -eq "$n" ] && r=ok || r=fail
check $r "make WERROR=-Werror: $kept of $n compiles with -Werror"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
