/*
 * check.h - the invariant checker and the dumps.
 *
 * The invariants (DESIGN 4), checked by pt_vm_check():
 *  - the frame allocator's own invariants hold (pt_frame_check), the
 *    tracker directory's (pt_trk_check) and the swap slots' (pt_swap_check);
 *  - each tracker in use names a block of pcount pinned kernel-zone frames
 *    (pinned once: no two blocks share a frame), with 0 <= ntables < pcount;
 *  - in every address space, the kernel PDEs equal the master's;
 *  - each present user PDE points into its own block, at slots 1..ntables,
 *    and each of those slots is referenced by exactly one PDE;
 *  - a linked table maps something, and its live count is the number of
 *    its entries that are not zero (spare slots are zeroed when linked, and
 *    hold anything until then);
 *  - a present user PTE maps a frame outside the kernel zone, in use if
 *    the allocator owns it; a copy-on-write PTE is read-only; a PTE that
 *    is not present is zero or a swap entry, which keeps only its slot and
 *    rights (read-only if copy-on-write) and names a slot in use;
 *  - the master's user part is empty and its kmap table is linked; the
 *    master is never out, and the tracker pages are pinned kernel-zone
 *    frames (pt_trk_check): neither is ever paged out;
 *  - a space whose block is out is not live, and its run of slots (one a
 *    page of the block) is held by it alone;
 *  - the slots frames keep as clean copies are in use, and no frame is
 *    under I/O (pt_frame_check);
 *  - every slot has as many references as it has holders: the swap
 *    entries of the tables in RAM, the frames that keep it, the runs of the
 *    blocks that are out, and the swap entries of those blocks' tables,
 *    which are on the disk and counted in sum (each has its share at most
 *    the slot's references left over, and the left-overs add up to the
 *    pages the blocks out map, which their trackers keep);
 *  - with paging on, CR3 holds the block of the live address space.
 */
#ifndef PAGETRACK_CHECK_H
#define PAGETRACK_CHECK_H

#include "lib.h"

/* 0 if every invariant holds; otherwise prints the first broken one and returns -E_INVAL. */
int pt_vm_check(void);

/*
 * An address space as ranges of pages with the same rights and contiguous
 * frames, like QEMU's "info mem" with the frames added:
 *
 *     40000000-40003000 00003000 urw- 01a00000
 *
 * (u: user, r: readable, w: writable, c: copy-on-write; then the first frame).
 * Pages in swap have an `s` and their first slot where the frame would be:
 *
 *     40003000-40005000 00002000 urw- s0000012
 *
 * A space whose block is out is one line: the run of slots it lies in.
 */
void pt_vm_dump(int as, putc_fn out, void *ctx);

/*
 * The page-table block of an address space, page by page: the directory,
 * the tables in the order of their first use, each with the PDE that
 * points at it, the 4 MiB it maps and its live entries, then the spare
 * pages:
 *
 *     page 1    00412000  table of PDE 256: 40000000-40400000, 3 entries live
 */
void pt_vm_dump_block(int as, putc_fn out, void *ctx);

/*
 * Every tracker in use as the notes define it (ptPtr, pcount) and decoded
 * (the block's address, its tables in use), after the tracker pages.
 */
void pt_trk_dump(putc_fn out, void *ctx);

/*
 * The kernel zone in address order: frame metadata, swap slot metadata, tracker pages, blocks
 * with their owner and size, free runs, and what else is in use; at most
 * max_lines lines of layout, then totals.
 */
void pt_kzone_dump(putc_fn out, void *ctx, uint32_t max_lines);

/*
 * The same for scripts (scripts/pictures.py), one fact a line, each line
 * "dump <tag> ...": the kernel zone's every item, gaps included, then their
 * count and the blocks' (kind: other, metadata, swap-metadata, trackers,
 * block, free; owner: tracker page or index):
 *
 *     dump <tag> kzone <start> <end>
 *     dump <tag> item <kind> <start> <pages> <owner>
 *     dump <tag> end <n> items <m> blocks
 */
void pt_kzone_dump_raw(putc_fn out, void *ctx, const char *tag);

/*
 * An address space for scripts: its block (base, pages, tables in use), its
 * ranges as pt_vm_dump prints them, and each table in block order with the PDE
 * that points at it and its live entries:
 *
 *     dump <tag> space <as> <block> <pages> <tables>
 *     dump <tag> range 40000000-40002000 00002000 ur-- 02000000
 *     dump <tag> table <slot> <address> <pde index> <live entries>
 *     dump <tag> end
 */
void pt_vm_dump_raw(int as, putc_fn out, void *ctx, const char *tag);

/* A sink for the dumps that prints on the console. */
void pt_console_sink(char c, void *ctx);

#endif
