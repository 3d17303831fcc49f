#!/bin/sh
# The block states and their transitions are written once, in
# docs/protocol.md ("Block states", "Transitions"); this checks that table
# against the code: the states are exactly the K_* kinds of src/page.h
# (and pristine), every K_* a transition names is one of them, and every
# function its "where" column names is defined in the file named before
# it. Then it shows it can fail: a copy of the page with a kind and a
# function that do not exist must be refused. Prints "N passed, M failed"
# for tests/run.sh.
dir=$(dirname "$0")/..
doc=${1:-$dir/docs/protocol.md}
src=$dir/src
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
passed=0 failed=0

# The rows of the table under heading $2 in file $1, one a line.
rows() {
	awk -v h="## $2" '$0 == h { on = 1; next } on && /^## / { exit }
		on && /^\| / && !/^\|---/ && !/^\| (state|from) \|/' "$1"
}

# check DOC: the problems found, one a line, on stdout.
check() {
	cat "$src"/*.h | sed -n 's/^enum { *\(K_NONE = 0,[^}]*\)};.*/\1/p' | grep -o 'K_[A-Z]*' |
		sort -u >"$tmp/kinds"
	[ -s "$tmp/kinds" ] || echo "states: no enum of K_* kinds in src/*.h"
	rows "$1" "Block states" | cut -d'|' -f2 | grep -o 'K_[A-Z]*' | sort -u >"$tmp/states"
	cmp -s "$tmp/kinds" "$tmp/states" ||
		echo "states: the table's (>) are not the code's K_* kinds (<): $(diff "$tmp/kinds" \
			"$tmp/states" | grep '^[<>]' | tr '\n' ' ')"
	rows "$1" "Transitions" >"$tmp/moves"
	[ -s "$tmp/moves" ] || echo "transitions: no table"
	cut -d'|' -f2,3 "$tmp/moves" | grep -o 'K_[A-Z]*' | sort -u | while read -r k; do
		grep -qx "$k" "$tmp/states" || echo "transitions: $k is no state"
	done
	# where: `file.c`, `function` [and `function`]..., a file then its functions
	cut -d'|' -f5 "$tmp/moves" | grep -o '`[a-z_.]*`' | tr -d '`' | {
		file=
		while read -r w; do
			case $w in
			*.c) file=$w ;;
			*)
				if [ -z "$file" ] || [ ! -f "$src/$file" ]; then
					echo "where: $w, but no file src/$file"
				elif ! grep -Eq "^[a-z].*[ *]$w\(" "$src/$file"; then
					echo "where: $w is not defined in src/$file"
				fi
				;;
			esac
		done
	}
}

result() { # NAME PROBLEMS-FILE EXPECT-EMPTY(1|0)
	if { [ "$3" = 1 ] && [ ! -s "$2" ]; } || { [ "$3" = 0 ] && [ -s "$2" ]; }; then
		echo "ok   $1"
		passed=$((passed + 1))
	else
		echo "FAIL $1"
		sed 's/^/    /' "$2"
		failed=$((failed + 1))
	fi
}

check "$doc" >"$tmp/found"
result "state table: docs/protocol.md agrees with src/ ($(wc -l <"$tmp/moves") transitions)" \
	"$tmp/found" 1
sed -e 's/| `K_CACHED` | in a per-CPU cache/| `K_LOST` | in a per-CPU cache/' \
	-e 's/`drain.c`, `lbi_cache_drain`/`drain.c`, `lbi_no_such_drain`/' "$doc" >"$tmp/bad.md"
check "$tmp/bad.md" >"$tmp/bad"
grep -q 'K_LOST' "$tmp/bad" && grep -q 'lbi_no_such_drain' "$tmp/bad" || : >"$tmp/bad"
result "state table: a wrong state and a missing function are caught" "$tmp/bad" 0
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
