/*
 * plain.h - one page at a time, written the plainest way: what a teaching
 * kernel does (xv6's walkpgdir, mappages, uvmunmap and allocuvm), the
 * yardstick the host benchmarks hold pagetrack's single-page calls against.
 *
 * They work on pagetrack's own tables, in the same simulated memory,
 * through the same seam (hw_phys, hw_invlpg), frame allocator and kmap
 * window.  They take the page directory as a pointer, as a process
 * structure holds it, and check what such a kernel checks: that a table
 * is there and whether the entry is present.  They keep no counts, grow no
 * block, give no table back, and trust their arguments.
 */
#ifndef PAGETRACK_BENCH_PLAIN_H
#define PAGETRACK_BENCH_PLAIN_H

#include "mmu.h"

/* The entry of va, or NULL if no table maps its 4 MiB (walkpgdir without alloc). */
pte_t *plain_walk(pde_t *pd, vaddr_t va);

/* Map frame pa at va in a table that exists: 0, -E_NOENT (no table) or -E_EXIST. */
int plain_map(pde_t *pd, vaddr_t va, paddr_t pa, uint32_t flags);

/*
 * Unmap va: clear the entry, invalidate it if the directory is live, drop
 * the frame's reference.  0 or -E_NOENT.
 */
int plain_unmap(pde_t *pd, vaddr_t va, bool live);

/* The physical address va translates to: 0 and *pa, or -E_NOENT. */
int plain_translate(pde_t *pd, vaddr_t va, paddr_t *pa);

/* A new frame, zeroed through a kmap window, mapped at va: 0, -E_NOMEM, -E_NOENT, -E_EXIST. */
int plain_map_zero(pde_t *pd, vaddr_t va, uint32_t flags);

#endif
