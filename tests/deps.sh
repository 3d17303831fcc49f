#!/bin/sh
# SPDX-License-Identifier: MIT
# make deps as a user who is not root, for a package that is not installed:
# with a sudo that needs no password it goes through sudo -n; with one that
# wants a password, or without sudo, it says in one line what to install,
# and fails. (A stub sudo stands in; nothing is installed.) As root, the
# checks run as nobody. Prints "N passed, M failed" for tests/run.sh.
root=$(cd "$(dirname "$0")/.." && pwd)
make=${MAKE:-make}
pkg=lazybuddy-test-no-such-package
passed=0 failed=0
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
chmod 755 "$tmp"

ok() { echo "ok   deps: $1"; passed=$((passed + 1)); }
fail() {
	echo "FAIL deps: $1"
	sed 's/^/    /' "$tmp/out" | head -n 20
	failed=$((failed + 1))
}

# as_user CMD...: CMD as this user, or as nobody when this is root.
as_user() {
	if [ "$(id -u)" -ne 0 ]; then
		"$@"
	elif command -v setpriv >/dev/null 2>&1; then
		setpriv --reuid=nobody --regid="$(id -g nobody)" --clear-groups "$@"
	else
		su nobody -s /bin/sh -c '"$@"' sh "$@"
	fi
}

# deps PATH_FIRST: make deps for the missing package, a stub dir first in PATH.
deps() {
	as_user env PATH="$1:$PATH" MAKEFLAGS= MFLAGS= \
		"$make" -s -C "$root" deps DEB_PKGS="$pkg" >"$tmp/out" 2>&1
}

if ! command -v dpkg >/dev/null 2>&1 || ! command -v apt-get >/dev/null 2>&1; then
	echo "skipped: no dpkg or apt-get here"
	echo "0 passed, 0 failed"
	exit 0
fi

# shellcheck disable=SC2016 # $1 is the inner shell's
if ! as_user sh -c 'cd "$1" && test -r Makefile' sh "$root" 2>/dev/null; then
	echo "skipped: nobody cannot read $root (make deps is not tried as a user)"
	echo "0 passed, 0 failed"
	exit 0
fi

mkdir "$tmp/pw" "$tmp/nopw" "$tmp/none"
printf '#!/bin/sh\nexit 1\n' >"$tmp/pw/sudo"
printf '#!/bin/sh\n[ "$*" = "-n true" ] || echo "sudo $*"\n' >"$tmp/nopw/sudo"
chmod 755 "$tmp/pw/sudo" "$tmp/nopw/sudo" "$tmp/pw" "$tmp/nopw" "$tmp/none"

if deps "$tmp/pw"; then
	fail "sudo wanting a password: make deps succeeded"
elif [ "$(grep -c . "$tmp/out")" -le 2 ] &&
    grep -qx "make deps: not root and sudo wants a password; install: sudo apt-get install $pkg" "$tmp/out"; then
	ok "sudo wanting a password: one line saying what to install"
else
	fail "sudo wanting a password: not the expected line"
fi

if deps "$tmp/nopw" && grep -q "^sudo -n apt-get update" "$tmp/out" &&
    grep -q "^sudo -n env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $pkg\$" "$tmp/out"; then
	ok "sudo without a password: apt-get through sudo -n"
else
	fail "sudo without a password: no sudo -n apt-get"
fi

if command -v sudo >/dev/null 2>&1; then
	echo "skipped: sudo is installed, so 'no sudo' is not tested"
elif deps "$tmp/none"; then
	fail "no sudo: make deps succeeded"
elif grep -qx "make deps: not root and no sudo; install: apt-get install $pkg" "$tmp/out"; then
	ok "no sudo: one line saying what to install"
else
	fail "no sudo: not the expected line"
fi

# What is installed needs nothing, and asks nothing.
if as_user env MAKEFLAGS= MFLAGS= "$make" -s -C "$root" deps DEB_PKGS=dpkg >"$tmp/out" 2>&1 &&
    [ ! -s "$tmp/out" ]; then
	ok "nothing missing: silent, status 0"
else
	fail "nothing missing: not silent or failed"
fi

# make run's and make test's deps-build asks for the build's own packages
# (DEB_BUILD) and nothing optional (DEB_PKGS' others: clang, chromium...).
if as_user env PATH="$tmp/nopw:$PATH" MAKEFLAGS= MFLAGS= "$make" -s -C "$root" deps-build \
	DEB_BUILD="$pkg" BUILD_HEADERS=lazybuddy-no-such-header.h >"$tmp/out" 2>&1 &&
    grep -q "^sudo -n env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $pkg\$" \
	"$tmp/out" && ! grep -q "chromium\|clang\|spin" "$tmp/out"; then
	ok "deps-build (make run, make test): the build's packages only"
else
	fail "deps-build (make run, make test): not the build's packages alone"
fi

# With the headers there, deps-build asks nothing of any package manager.
if as_user env PATH="$tmp/nopw:$PATH" MAKEFLAGS= MFLAGS= "$make" -s -C "$root" deps-build \
	DEB_BUILD="$pkg" BUILD_HEADERS=stdio.h >"$tmp/out" 2>&1 && [ ! -s "$tmp/out" ]; then
	ok "deps-build with the headers there: silent, nothing asked"
else
	fail "deps-build with the headers there: asked or failed"
fi

echo "$passed passed, $failed failed"
[ $failed -eq 0 ]
