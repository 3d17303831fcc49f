#!/bin/sh
# The library as its users get it: make install into a temporary DESTDIR
# and PREFIX, then the README's library example (the first ```c block
# under "## The library in brief", taken from README.md itself so the two
# cannot drift) built against the installed copy through pkg-config,
# shared and static, with -Wall -Wextra -Werror and every compiler at hand,
# and run; the installed lbsim and lbbench; make uninstall, after which
# nothing may be left. Prints "N passed, M failed" for tests/run.sh.
root=$(cd "$(dirname "$0")/.." && pwd)
make=${MAKE:-make}
pkgconfig=${PKG_CONFIG:-pkg-config}
prefix=/opt/lazybuddy-test
cflags="-std=c11 -Wall -Wextra -Werror -Wpedantic"
passed=0 failed=0

ok() { echo "ok   install: $1"; passed=$((passed + 1)); }
fail() { echo "FAIL install: $1"; failed=$((failed + 1)); }
check() { # check NAME COMMAND...: passes when COMMAND succeeds; its status
	name=$1
	shift
	if "$@" >"$tmp/out" 2>&1; then
		ok "$name"
	else
		fail "$name"
		sed 's/^/    /' "$tmp/out" | head -n 20
		return 1
	fi
}

tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
dest=$tmp/dest
inst=$dest$prefix
part() { sed -n "s/^#define LB_VERSION_$1  *\([0-9][0-9]*\).*/\1/p" "$root/include/lazybuddy.h"; }
version=$(part MAJOR).$(part MINOR).$(part PATCH)

# A sub-make must not join the jobs of the make running this script.
check "make install DESTDIR=... PREFIX=$prefix" \
	env MAKEFLAGS= MFLAGS= "$make" -s -C "$root" install DESTDIR="$dest" PREFIX="$prefix"

installed() {
	for f in include/lazybuddy.h include/lazybuddy_backends.h lib/liblazybuddy.a \
		"lib/liblazybuddy.so.$version" lib/pkgconfig/lazybuddy.pc bin/lbsim bin/lbbench \
		share/lazybuddy/lbsim-record.sh share/lazybuddy/default.txt.zst; do
		[ -f "$inst/$f" ] || { echo "missing $f"; return 1; }
	done
	major=${version%%.*}
	if [ "$(readlink "$inst/lib/liblazybuddy.so.$major")" != "liblazybuddy.so.$version" ] ||
		[ "$(readlink "$inst/lib/liblazybuddy.so")" != "liblazybuddy.so.$major" ]; then
		echo "bad symlinks"
		ls -l "$inst/lib"
		return 1
	fi
	if command -v readelf >/dev/null 2>&1; then
		readelf -d "$inst/lib/liblazybuddy.so.$version" |
			grep -q "Library soname: \[liblazybuddy.so.$major\]" || { echo "bad soname"; return 1; }
	fi
}
check "installed files, symlinks and soname ($version)" installed

tool_version() { # tool_version TOOL: prints "TOOL VERSION", from the install
	out=$("$inst/bin/$1" --version) && echo "$out" && [ "$out" = "$1 $version" ]
}
check "lbsim --version" tool_version lbsim
check "lbbench --version" tool_version lbbench

# The installed lbsim finds its data in share/lazybuddy, not in this tree.
installed_lbsim() {
	env -u LBSIM_TRACE -u LBSIM_RECORD "$inst/bin/lbsim" --policy unit --backend null ||
		return 1
	env -u LBSIM_RECORD "$inst/bin/lbsim" record --help 2>&1 | tee "$tmp/record"
	grep -q "record a Linux page-allocator trace" "$tmp/record"
}
check "installed lbsim replays the installed trace, finds lbsim-record.sh" installed_lbsim

# With no options an installed lbsim writes its report where it is run,
# never beside itself in PREFIX/bin (a small trace, for speed).
installed_report() {
	mkdir -p "$tmp/cwd" && (cd "$tmp/cwd" && env -u LBSIM_RECORD \
		LBSIM_TRACE="$root/tests/fixtures/replay-causal.txt" "$inst/bin/lbsim") || return 1
	[ -f "$tmp/cwd/lbsim-report/index.html" ] && [ ! -e "$inst/bin/report" ]
}
check "installed lbsim with no options: ./lbsim-report, nothing in bin/" installed_report

# The example, as the README shows it.
awk '/^## The library in brief/ { under = 1; next }
     under && /^## / { exit }
     under && !inside && /^```c$/ { inside = 1; next }
     inside && /^```$/ { exit }
     inside { print }' "$root/README.md" >"$tmp/example.c"
check "README example found (README.md, \"## The library in brief\")" \
	grep -q "int main" "$tmp/example.c"

if ! command -v "$pkgconfig" >/dev/null 2>&1; then
	echo "skipped: $pkgconfig not installed (make deps installs it): the example" \
		"is not built against the installed library"
else
	# The .pc holds PREFIX; the sysroot puts DESTDIR in front of its paths.
	pc() {
		PKG_CONFIG_PATH=$inst/lib/pkgconfig PKG_CONFIG_LIBDIR=$inst/lib/pkgconfig \
			PKG_CONFIG_SYSROOT_DIR=$dest "$pkgconfig" "$@"
	}
	# run_example BINARY shared|static: linked as it should be, and runs.
	run_example() {
		if command -v readelf >/dev/null 2>&1; then
			readelf -d "$1" >"$tmp/dyn" || return 1
			if [ "$2" = shared ]; then
				grep "NEEDED.*\[liblazybuddy.so.${version%%.*}\]" "$tmp/dyn" || return 1
			elif grep liblazybuddy "$tmp/dyn"; then
				return 1
			fi
		fi
		if [ "$2" = shared ]; then
			LD_LIBRARY_PATH=$inst/lib "./$1"
		else
			env -u LD_LIBRARY_PATH "./$1"
		fi
	}
	check "pkg-config --modversion lazybuddy" test "$(pc --modversion lazybuddy)" = "$version"
	seen=""
	for cc in ${CC:-cc} gcc clang; do
		path=$(command -v "$cc") || continue
		real=$(readlink -f "$path")
		case " $seen " in *" $real "*) continue ;; esac
		seen="$seen $real"
		cd "$tmp" || exit 1
		# Shared: the program needs liblazybuddy.so.MAJOR, found through
		# LD_LIBRARY_PATH in the staging tree.
		# shellcheck disable=SC2046,SC2086 # flag lists split on purpose
		check "$cc: example built against the shared library" \
			"$cc" $cflags example.c -o "example-$cc" $(pc --cflags --libs lazybuddy) &&
			check "$cc: example runs (shared)" run_example "example-$cc" shared
		# Static: --static adds Libs.private; -Bstatic makes -llazybuddy the .a.
		# shellcheck disable=SC2046,SC2086
		check "$cc: example built against the static library" \
			"$cc" $cflags example.c -o "example-$cc-static" $(pc --cflags lazybuddy) \
			-Wl,-Bstatic $(pc --static --libs lazybuddy) -Wl,-Bdynamic &&
			check "$cc: example runs (static)" run_example "example-$cc-static" static
		cd "$root" || exit 1
	done
fi

check "make uninstall DESTDIR=... PREFIX=$prefix" \
	env MAKEFLAGS= MFLAGS= "$make" -s -C "$root" uninstall DESTDIR="$dest" PREFIX="$prefix"
nothing_left() {
	left=$(find "$dest" ! -type d)
	[ -z "$left" ] || { echo "left behind:"; echo "$left"; return 1; }
	[ ! -e "$inst/share/lazybuddy" ] || { echo "left behind: share/lazybuddy/"; return 1; }
}
check "nothing left after uninstall" nothing_left

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
