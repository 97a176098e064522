/*
 * naive.h - the notes' page_table_info taken literally: the baseline the
 * benchmarks hold pagetrack against.
 *
 * Every address space reserves the complete structure, 4 MiB + 4 KiB of
 * kernel zone in one run: the page directory, then one page table for
 * every directory index, at that index.
 *
 *   page:  0      1          2              1 + i          1024
 *        +------+----------+----------+---+----------+---+------------+
 *        |  PD  | PT of 0  | PT of 1  |...| PT of i  |...| PT of 1023 |
 *        +------+----------+----------+---+----------+---+------------+
 *         page A page B
 *
 * As the notes say, only page A and page B are touched at creation; the
 * table of directory index i is zeroed when a mapping first needs it.  The
 * reservation is what the notes call a problem: "4MB * max proc number
 * must be reserved in the kernel address space".
 *
 * This is a model of the layout for measuring, not a second paging system:
 * it keeps no frame references and no trackers, and does not invalidate.
 */
#ifndef PAGETRACK_BENCH_NAIVE_H
#define PAGETRACK_BENCH_NAIVE_H

#include "mmu.h"

#define NAIVE_PAGES (1u + PT_ENTRIES) /* 1025 pages: 4 MiB + 4 KiB */

struct naive_space {
	paddr_t base; /* the first of NAIVE_PAGES kernel-zone frames */
};

/* Reserve and set up a naive address space: 0, or -E_NOMEM when the kernel zone is full. */
int naive_create(struct naive_space *s);

/* Give its frames back. */
void naive_destroy(struct naive_space *s);

/* Map n pages from user address va to the frames from pa (no checks beyond the range). */
void naive_map_range(struct naive_space *s, vaddr_t va, paddr_t pa, uint32_t n, uint32_t flags);

/* The physical address va translates to: 0 and *pa, or -E_NOENT. */
int naive_translate(const struct naive_space *s, vaddr_t va, paddr_t *pa);

/* The kernel-zone bytes one naive address space holds. */
static inline uint32_t naive_bytes(void) { return NAIVE_PAGES * PAGE_SIZE; }

#endif
