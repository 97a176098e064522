/*
 * layout.h - the virtual layout, the same in every address space (DESIGN 2).
 *
 *   0x00000000 +---------------------------+
 *              | not present (null guard)  |  page 0
 *   0x00001000 +---------------------------+
 *              | BIOS area, identity       |  supervisor
 *   0x00100000 +---------------------------+
 *              | kernel zone, identity     |  supervisor, global: kernel image,
 *              |                           |  frame metadata, tracker pages,
 *            X +---------------------------+  page-table blocks, stacks
 *              | not present               |
 *   0x3F800000 +---------------------------+
 *              | user gate: one page       |  read-only, global; user only
 *              | (kernel only, optional)   |  while a probe runs: code the
 *              | then not present          |  kernel runs at CPL 3 to probe
 *              |                           |  memory (tests)
 *   0x3FC00000 +---------------------------+
 *              | kmap window: 1024 slots   |  supervisor, global
 *   0x40000000 +---------------------------+
 *              | user space, private to    |  PDEs 256..1023 point into the
 *              | each address space        |  address space's own block
 *   0xFFFFFFFF +---------------------------+
 *
 * PDEs 0..255 (the first GiB) are the kernel's: every address space holds
 * copies of the master table's, pointing at the master's page tables, so
 * kernel mappings are shared and never change after paging initialisation.
 */
#ifndef PAGETRACK_LAYOUT_H
#define PAGETRACK_LAYOUT_H

#include "mmu.h"

#define GATE_BASE 0x3F800000u
#define KMAP_BASE 0x3FC00000u
#define KMAP_SLOTS PT_ENTRIES
#define USER_BASE 0x40000000u
#define USER_LAST 0xFFFFF000u /* the last user page */

#define KERNEL_PDES (USER_BASE >> PDE_SHIFT) /* 256 */
#define KMAP_PDE (KMAP_BASE >> PDE_SHIFT)    /* 255 */
#define GATE_PDE (GATE_BASE >> PDE_SHIFT)    /* 254 */

static inline bool is_user_page(vaddr_t va) { return va >= USER_BASE; }

/* The entries of each part.  Kernel PTEs: present, writable, supervisor, global. */
#define KERNEL_PTE_FLAGS (PG_P | PG_RW | PG_G)
#define KERNEL_PDE_FLAGS (PG_P | PG_RW | PG_A) /* A preset: the CPU never writes a shared PDE */
/* The gate's: its one page, supervisor-only until pt_paging_open_gate lets ring 3 in. */
#define GATE_PTE_FLAGS (PG_P | PG_G)
#define GATE_PDE_FLAGS (PG_P | PG_RW | PG_US | PG_A)
/* User PDEs allow everything: the PTE alone decides what a user page allows. */
#define USER_PDE_FLAGS (PG_P | PG_RW | PG_US)

#endif
