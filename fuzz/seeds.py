#!/usr/bin/env python3
"""seeds.py - write the scenario seeds of the fuzz corpus (fuzz/corpus/scenario-*).

Each seed is a short sequence of operations in the byte format fuzz_vm.c decodes
(see its opening comment and the op_* functions): the sequences a random start
would take long to find, each one a place where a missing invalidation or a
slip in the copy-on-write or out-of-memory paths shows at once.  libFuzzer
mutates them like any other input.

    python3 fuzz/seeds.py [DIR]      (default: fuzz/corpus)
"""
import os
import sys

# indices into op_of[] in fuzz_vm.c
CREATE, DESTROY, MAP, MAP_SHARED, MAP_DEVICE, MAP_RANGE = 0, 2, 3, 6, 7, 8
MAP_ZERO, UNMAP, UNMAP_RANGE, PROTECT, CLONE_COW, CLONE_EAGER = 10, 11, 13, 14, 16, 17
ACTIVATE, ACCESS, FAULT, QUERY, DEMAND_ZERO, BAD, FAIL = 18, 20, 26, 27, 28, 29, 31

W, U = 2, 4          # VM_WRITE, VM_USER as pick_flags reads them
LIVE = 0x80          # pick_used: the live space
READ, WRITE = 0, 1   # access kinds (with U for CPL 3)


def u32(v):
    return [v & 0xFF, (v >> 8) & 0xFF, (v >> 16) & 0xFF, (v >> 24) & 0xFF]


def page(region, p):
    """pick_idx: region 0..11, page 0-15 or 1008-1023 of it."""
    if p < 16:
        return [region, p]
    assert p >= 1008
    return [region, 128 + (p - 1008)]


def mapped(region, p):
    """pick_idx_mapped: exactly that page (the odd byte keeps it)."""
    return page(region, p) + [1]


def create(slot=0):
    return [CREATE, slot]


def activate(b):
    """b % (spaces + 1): that space in order of slots, or the master."""
    return [ACTIVATE, b]


def map_new(region, p, flags, fill, space=LIVE):
    return [MAP, space] + page(region, p) + [flags] + u32(fill)


def map_zero(region, p, flags, space=LIVE):
    return [MAP_ZERO, space] + page(region, p) + [flags]


def access(kind, region, p, value=0, user=True, last_word=False):
    how = kind | (2 if user else 0)
    return [ACCESS, how, 1 if last_word else 0] + mapped(region, p) + u32(value)


def clone(cow=True, space=LIVE, into=0):
    return [CLONE_COW if cow else CLONE_EAGER, space, into]


def unmap(region, p, space=LIVE):
    return [UNMAP, space] + mapped(region, p)


def unmap_range(region, p, n_small, space=LIVE):
    """n_small: 1..16 pages"""
    return [UNMAP_RANGE, space, 0] + mapped(region, p) + [n_small - 1]


def unmap_wide(which, space=LIVE):
    return [UNMAP_RANGE, space, 224 + which]


def protect(region, p, n_small, flags, space=LIVE):
    return [PROTECT, space, 0] + mapped(region, p) + [n_small - 1, flags]


def map_range_device(region, p, flags, n_big, space=LIVE):
    """n_big = 1024 + 4 * k pages of device memory above RAM."""
    k = (n_big - 1024) // 4
    return [MAP_RANGE, space] + page(region, p) + [flags, 2, 0, 240, k, 0]


def map_range_new(region, p, flags, n, fill, space=LIVE):
    """n new contiguous frames, 1..8"""
    return [MAP_RANGE, space] + page(region, p) + [flags, 0, n - 1] + u32(fill)


def demand_zero(region, flags, space=LIVE):
    return [DEMAND_ZERO, space, region, flags]


def fault(region, p, err, space=LIVE):
    return [FAULT, space] + mapped(region, p) + [err, 0]


PF_W, PF_U, RESOLVE = 2, 4, 0x10   # a fault's error-code byte; RESOLVE: pt_vm_resolve instead


def resolve(region, p, acc, space=LIVE):
    """pt_vm_resolve of an access acc (PF_W, PF_U) with the region's demand-zero rights."""
    return fault(region, p, acc | RESOLVE, space)


def fail(n):
    return [FAIL, n - 1]


BAD_KINDS = 23        # MD_BAD_KINDS in tests/model.h; the last is a call with a bad handle


def bad(kind, pick=0):
    """op_bad: md_bad_call(kind) at page 3 of region 0, flags W|U, with these pick bits."""
    return [BAD, LIVE, kind, 0, 3, W | U] + u32(pick)[:3]


def query(region, p, off=0x123, space=LIVE):
    return [QUERY, space] + mapped(region, p) + [off & 0xFF, off >> 8]


# what the top three bits of an operation's byte page out before it (PO_xxx in fuzz_vm.c)
EVICT, RECLAIM_ONE, RECLAIM_SOME, BLOCK, BLOCKS, RECLAIM_ALL, WRITE_FAILS = range(1, 8)


def paged(po, part):
    """part (an operation), with the pager's step po before it."""
    return [part[0] | po << 5] + part[1:]


def seq(*parts):
    out = []
    for part in parts:
        out += part
    return bytes(out)


SEEDS = {
    # a write cached dirty before a copy-on-write clone must fault after it
    "cow-after-write": seq(
        create(), activate(0), map_new(0, 5, W | U, 0x11111111),
        access(WRITE, 0, 5, 0x22), clone(True, LIVE, 1), access(WRITE, 0, 5, 0x33),
        access(READ, 0, 5)),
    # the child copies, the parent is then the last owner and writes in place
    "cow-both-sides": seq(
        create(), activate(0), map_new(0, 1, W | U, 0xA0A0A0A0), map_new(3, 1008, W | U, 0xB),
        clone(True, LIVE, 1), activate(1), access(WRITE, 0, 1, 0x1234),
        access(READ, 3, 1008), activate(0), access(WRITE, 0, 1, 0x5678),
        access(WRITE, 3, 1008, 0x9), access(READ, 0, 1), activate(1), access(READ, 0, 1)),
    "eager-clone": seq(
        create(), activate(0), map_new(0, 2, W | U, 0xC), map_new(7, 3, U, 0xD),
        map_range_new(4, 1020, W | U, 8, 0xE0), clone(False, LIVE, 1), activate(1),
        access(WRITE, 0, 2, 0xF), access(READ, 7, 3), access(READ, 5, 1), activate(0),
        access(READ, 0, 2)),
    # a not-present fault in a demand-zero region, then the page reads zero
    "demand-zero": seq(
        create(), activate(0), demand_zero(0, W | U), demand_zero(9, U),
        access(WRITE, 0, 7, 0x77), access(READ, 0, 8), access(READ, 9, 1),
        access(WRITE, 9, 2, 1), clone(True, LIVE, 1), activate(1), access(READ, 0, 9)),
    # three tables; unlinking the first moves the last into its slot, and a
    # page of the moved table not in the TLB must still translate
    "table-move": seq(
        create(), activate(0), map_new(0, 1, W | U, 1), map_new(3, 1, W | U, 2),
        map_new(6, 1, W | U, 3), map_new(6, 2, W | U, 4), access(READ, 6, 1),
        unmap_range(0, 1, 1), access(READ, 6, 2), access(WRITE, 6, 1, 5),
        access(READ, 3, 1)),
    # the live block outgrows its neighbours again and again
    "relocate-live": seq(
        create(), create(1), activate(0),
        *[map_new(r, r, W | U, 0x100 + r) + access(READ, r, r) for r in range(12)],
        *[access(WRITE, r, r, r) for r in range(0, 12, 3)]),
    # narrowing or removing a live page is seen at once
    "narrow-live": seq(
        create(), activate(0), map_new(1, 4, W | U, 0x44), access(WRITE, 1, 4, 0x45),
        protect(1, 4, 1, U), access(WRITE, 1, 4, 0x46), protect(1, 4, 1, W),
        access(READ, 1, 4), access(READ, 1, 4, user=False), unmap(1, 4),
        access(READ, 1, 4, user=False)),
    # ranges across table boundaries, then wide unmaps
    "ranges": seq(
        create(), activate(0), map_range_device(0, 1008, U, 2044),
        protect(1, 0, 16, W | U), access(READ, 1, 3), unmap_wide(1), access(READ, 1, 3),
        map_range_new(10, 1020, W | U, 8, 0x300), access(WRITE, 11, 2, 3),
        unmap_wide(5), access(READ, 11, 2)),
    # an injected failure in each allocating operation
    "injected-failures": seq(
        create(), activate(0), map_new(0, 1, W | U, 1), fail(1), map_new(5, 1, W | U, 2),
        fail(2), map_new(6, 1, W | U, 3), fail(1), map_zero(7, 1, W | U), fail(3),
        clone(False), fail(1), clone(True, LIVE, 1), clone(True, LIVE, 2),
        fail(1), access(WRITE, 0, 1, 9), demand_zero(8, W | U), fail(1),
        access(WRITE, 8, 3, 4), fail(1), create(3),
        fail(2), map_range_device(2, 1008, U, 2044)),
    # one frame mapped twice, then shared copy-on-write
    "shared-frame": seq(
        create(), activate(0), map_new(0, 3, W | U, 0x5A),
        [MAP_SHARED, LIVE, LIVE] + page(2, 9) + [U] + mapped(0, 3),
        clone(True, LIVE, 1), access(WRITE, 0, 3, 0x5B), access(READ, 2, 9),
        activate(1), access(READ, 0, 3)),
    # every kind of bad call, and destroying the live space
    "bad-calls": seq(
        create(), create(1), activate(0), map_new(0, 1, W | U, 1),
        *[bad(k, pick) for k in range(BAD_KINDS - 1)
          for pick in (0, 1, 0x010108, 0x020209, 0x05030A)],
        *[bad(BAD_KINDS - 1, call << 16 | (call % 3 == 0) << 8 | (call & 1) << 3 | call % 6)
          for call in range(12)],
        [DESTROY, LIVE], fault(0, 1, 7), query(0, 1)),
    # the kernel's accesses for a process: through copy-on-write and demand-zero, or refused;
    # an injected failure at a copy, a zero fill, a block's growth
    "resolves": seq(
        create(), activate(0), map_new(0, 1, W | U, 0x61), map_new(0, 2, U, 0x62),
        map_new(0, 3, W, 0x63), clone(True, LIVE, 1), activate(1), fail(1),
        resolve(0, 1, PF_W | PF_U), resolve(0, 1, PF_W | PF_U), access(READ, 0, 1),
        demand_zero(0, W | U), demand_zero(9, U),
        *[resolve(0, p, a) for p in (1, 2, 3, 4) for a in (0, PF_W, PF_U, PF_W | PF_U)],
        resolve(9, 5, PF_U), resolve(9, 6, PF_W | PF_U), resolve(5, 1, PF_U),
        fail(1), resolve(0, 9, PF_W | PF_U), demand_zero(7, W | U), demand_zero(8, W | U),
        demand_zero(10, W | U), resolve(7, 1, PF_U), fail(2), resolve(8, 1, PF_W | PF_U),
        fail(3), resolve(10, 1, PF_U), resolve(10, 1, PF_U), access(READ, 7, 1),
        access(WRITE, 8, 1, 8), activate(0), access(READ, 0, 1), access(WRITE, 0, 4, 3)),
    # pages in swap shared by a copy-on-write clone, each side reading its own and writing
    "swap-fork": seq(
        create(), activate(0), map_new(0, 1, W | U, 0x71), access(WRITE, 0, 1, 0x72),
        map_new(0, 2, W | U, 0x73), map_new(3, 1008, U, 0x74),
        paged(RECLAIM_ALL, clone(True, LIVE, 1)), activate(1), access(READ, 0, 1),
        access(WRITE, 0, 2, 0x75), activate(0), access(READ, 0, 2), access(WRITE, 0, 1, 0x76),
        paged(RECLAIM_ALL, access(READ, 3, 1008)), paged(EVICT, clone(False, LIVE, 2)),
        activate(2), access(READ, 0, 1), access(READ, 3, 1008), clone(True, LIVE, 3),
        access(WRITE, 0, 1, 0x77), activate(3), access(READ, 0, 1), access(WRITE, 3, 1008, 1)),
    # a block out with a frame shared copy-on-write, back for a write that breaks the sharing
    "swap-block-cow": seq(
        create(), activate(0), map_new(0, 3, W | U, 0x81), map_new(4, 1, W | U, 0x82),
        clone(True, LIVE, 1), paged(BLOCK, activate(1)), access(WRITE, 0, 3, 0x83),
        access(READ, 4, 1), paged(BLOCK, activate(0)), access(READ, 0, 3),
        access(WRITE, 4, 1, 0x84), activate(1), access(READ, 4, 1)),
    # every block but the live one out, brought back by activation, a fault, a query, an unmap
    "swap-blocks": seq(
        create(), create(1), create(2), activate(0), map_new(0, 1, W | U, 0x91),
        map_new(6, 1, W | U, 0x92), activate(1), map_new(0, 1, U, 0x93), activate(2),
        map_new(9, 5, W | U, 0x94), paged(BLOCKS, activate(0)), access(READ, 6, 1),
        paged(BLOCKS, fault(0, 1, PF_W | PF_U, space=1)), paged(BLOCKS, query(0, 1, space=0)),
        paged(BLOCKS, unmap(0, 1, space=2)), paged(BLOCKS, [DESTROY, 1]), activate(1),
        access(READ, 0, 1)),
    # writes failing under the clock, then injected failures for the pages coming back
    "swap-failures": seq(
        create(), activate(0), *[map_new(0, p, W | U, 0xA0 + p) for p in range(1, 9)],
        *[access(WRITE, 0, p, p) for p in (1, 3, 5)],
        paged(WRITE_FAILS, query(0, 2)), paged(WRITE_FAILS, query(0, 4)),
        paged(RECLAIM_ALL, fail(1)), access(READ, 0, 1), fail(1), resolve(0, 2, PF_W | PF_U),
        fail(1), fault(0, 3, PF_U), paged(RECLAIM_SOME, fail(2)), clone(False, LIVE, 1),
        paged(RECLAIM_ONE, activate(1)), *[access(READ, 0, p) for p in range(1, 9)]),
    "faults": seq(
        create(), activate(0), map_new(0, 1, U, 1), map_new(0, 2, W, 2),
        clone(True, LIVE, 1), *[fault(0, p, e) for p in (1, 2, 3) for e in range(16)]),
}


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "corpus")
    os.makedirs(out, exist_ok=True)
    for name, data in SEEDS.items():
        with open(os.path.join(out, "scenario-" + name), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()
