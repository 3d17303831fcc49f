#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Write the seed corpus (tests/fuzz/corpus/) for the fuzz target.

Each seed is one scenario in the input format of tests/fuzz/fuzz_zone.c:
6 header bytes, 3 per range, 4 of watermarks with LB_CFG_WMARK, then
operations. Rerun after changing that format:
    python3 tests/fuzz/mkseeds.py tests/fuzz/corpus
"""
import os
import sys

EAGER, UNIT, EXACT, LINUX, BACKGROUND, ADAPTIVE = range(6)
SETUP_LATER, WMARK = 0x40, 0x80
ACC, UNACC, RESV = 0, 1, 3
SEC4M, SEC8M, UNIT2M, PAGES8 = 0xC0, 0xC1, 0x80, 0x07  # range size selectors


def header(policy, flags=0, unit=11, mode=0, apat=0, rpat=0, ranges=(), base=0, wm=None):
    """unit: log2(unit / 4 KiB), 11 for the default; mode: backend chain."""
    nr = len(ranges)
    h5 = (nr - 1) | base << 3  # ranges, base section
    out = [policy | flags, unit, mode, apat, rpat, h5]
    for gap, size, kind in ranges:
        out += [gap, size, kind]
    if flags & WMARK:
        out += list(wm)
    return out


def alloc(order, flags=0, cache=None, burst=None):
    b = flags | ((cache << 2) if cache is not None else 0)
    op = 3 if cache is not None else 0
    if burst:
        return [op + 140, order, b, burst - 1]
    return [op, order, b]


def free(k=0, cache=None, burst=None):
    route = 1 | cache << 1 if cache is not None else 0
    if burst:
        return [144, k & 0xff, k >> 8, route, burst - 1]
    return [4, k & 0xff, k >> 8, route]


def bad_free(kind, x=0, y=0):
    return [6, kind, x, y & 0xff, y >> 8]


def cache(slot, action):  # 0 init, 1 bad init, 2 drain, 3 fini, 4 dead ops
    return [7, slot << 3 | action]


def zone_accept(sel):
    return [9, sel]


def setup_accept(sel):
    return [10, sel]


def policy(p):
    return [11, p]


def watermarks(mode, a=0, b=0, c=0, d=0):
    return [12, mode, a, b, c, d]


def acceptor_config(threads, a, b):
    return [13, threads << 1 | 1, a, b]


def acceptor_step(dt):
    return [13, 0, dt, 0]


def releaser_config(batch, a, b):
    return [15, batch << 1 | 1, a, b]


def releaser_step(dt):
    return [15, 0, dt, 0]


def sweep():
    return [17, 0, 0, 0]


def meminfo(sel=1):
    return [18, sel]


def misc(sel=0):
    return [19, sel]


def knobs(a, b):
    return [139, a, b]


SEEDS = {
    # unit: allocations of every order over firmware-accepted and lazy memory
    "unit-orders": header(UNIT, ranges=[(0, SEC4M, ACC), (0, SEC8M, UNACC)])
    + sum((alloc(o) for o in range(11)), [])
    + alloc(11) + alloc(0, 4 | 0xc0) + free(3) + free(0) + sweep()
    + sum((alloc(o, 1) for o in (0, 3, 10)), []) + free(1) + meminfo(),
    # exact with two caches: bursts through them, frees across them, drain, fini
    "exact-caches": header(EXACT, ranges=[(0, SEC4M, ACC), (0, SEC4M, UNACC)])
    + cache(0, 0) + cache(1, 0) + alloc(0, 0, 0, burst=100) + alloc(2, 0, 1, burst=20)
    + alloc(5, 2, 0) + free(7, 1, burst=60) + free(3, 0, burst=40) + cache(0, 2)
    + cache(1, 1) + cache(2, 4) + cache(0, 3) + alloc(0, 0, 1) + cache(1, 3) + sweep(),
    # linux with watermarks from the config, then changed at run time
    "linux-wmark": header(LINUX, WMARK, ranges=[(0, 0x20, ACC), (0, SEC8M, UNACC)],
                          wm=(16, 16, 16, 16))
    + alloc(0, burst=50) + watermarks(0, 64, 64, 64, 64) + alloc(4) + watermarks(1, 5, 3, 9)
    + watermarks(2) + alloc(1) + alloc(0, 1) + watermarks(3, 10, 10) + alloc(2) + sweep(),
    # background: the acceptor fills its reserve, a unit at a time
    "background-reserve": header(BACKGROUND, ranges=[(0, SEC4M, ACC), (0, 0xC3, UNACC)])
    + acceptor_config(1, 128, 16) + acceptor_step(10) + acceptor_step(10) + alloc(10)
    + acceptor_step(10) + acceptor_config(2, 1, 1) + acceptor_step(0x81) + sweep() + meminfo(),
    # unit: idle accepted memory goes back to the host, then is accepted again
    "unit-release": header(UNIT, ranges=[(0, SEC4M, ACC), (0, 0xC3, UNACC)])
    + zone_accept(203) + releaser_config(8, 2, 0) + releaser_step(0x90) + releaser_step(0x90)
    + alloc(9) + releaser_step(0x90) + releaser_step(0x90) + alloc(10) + alloc(10)
    + free(0) + releaser_step(0x90) + releaser_step(0x90) + sweep(),
    # eager set-up shared by callers, a backend failing every third call
    "eager-setup-faults": header(EAGER, SETUP_LATER, mode=1 | 3 << 2,
                                 ranges=[(0, PAGES8, ACC), (0, SEC8M, UNACC)])
    + setup_accept(0) + setup_accept(100) + alloc(3) + setup_accept(250)
    + setup_accept(0) + setup_accept(0) + alloc(0) + policy(UNIT) + alloc(10) + sweep(),
    # adaptive over the tdx model, one failing address, holes and a reserved range
    "adaptive-badpage": header(ADAPTIVE, unit=4, mode=2 | 0x80 | 5 << 2,
                               ranges=[(0, 0x45, ACC), (0x41, 0x10, RESV),
                                       (0x42, SEC8M, UNACC)], base=1)
    + zone_accept(40) + alloc(6) + bad_free(0) + bad_free(1, 2) + bad_free(2, 5)
    + bad_free(3, 0, 77) + bad_free(4, 1, 3) + bad_free(5, 9) + bad_free(6, 2)
    + zone_accept(0) + alloc(6) + meminfo(0) + sweep() + misc(3),
    # a bad config refused first, then failing accepts and releases mid-run
    "badcfg-knobs": header(UNIT, unit=0xF4, ranges=[(0, SEC4M, UNACC), (0x40, UNIT2M, ACC)])
    + alloc(0) + knobs(0x83, 0x85) + alloc(9) + alloc(4) + releaser_config(4, 2, 9)
    + releaser_step(0x90) + releaser_step(0x90) + knobs(0, 0) + alloc(2) + policy(EAGER)
    + policy(6) + misc(7) + sweep(),
    # a free run half accepted, half not: order 0 out and back, then order 10
    "mixed-run": header(EXACT, ranges=[(0, SEC4M, UNACC)])
    + alloc(0) + free(0) + alloc(10, 1) + alloc(10) + free(0) + alloc(9, 2) + sweep(),
}


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "corpus")
    os.makedirs(out, exist_ok=True)
    for name, data in SEEDS.items():
        with open(os.path.join(out, name), "wb") as f:
            f.write(bytes(data))


if __name__ == "__main__":
    main()
