/*
 * layout.h - the virtual layout, the same in every address space (DESIGN 2).
 *
 * The layout is chosen when pagetrack is built, by pagetrack-config.h: the
 * build puts one of config/<layout>/ on the include path (make LAYOUT=...),
 * and the installed headers of a library carry the one it was built with.
 * That file gives five values; everything below is derived from them and
 * checked, so a kernel may write its own the same way.
 *
 *   PT_PHYS_OFFSET  the kernel reaches physical address pa (in the first
 *                   1 MiB or the kernel zone) at PT_PHYS_OFFSET + pa
 *   USER_BASE       the first user page, USER_LAST the last: whole 4 MiB
 *                   regions, private to each address space
 *   GATE_BASE       the user gate's page, in a PDE of its own
 *   KMAP_BASE       the kmap window: 1024 slots, one page table
 *
 * The two layouts of this tree:
 *
 *   identity (default)                    higher-half
 *   0x00000000 not present (page 0)       0x00000000 not present (PDE 0)
 *   0x00001000 first 1 MiB, VA = PA       0x00400000 user space, PDEs 1..767
 *   0x00100000 kernel zone [1 MiB, X)     0xC0000000 page 0 not present
 *   0x3F800000 user gate (PDE 254)        0xC0001000 first 1 MiB, 0xC0000000 + pa
 *   0x3FC00000 kmap window (PDE 255)      0xC0100000 kernel zone, 0xC0000000 + pa
 *   0x40000000 user space, PDEs 256..1023 0xFF800000 user gate (PDE 1022)
 *                                         0xFFC00000 kmap window (PDE 1023)
 *
 *   kernel zone: supervisor, global: the kernel image, frame metadata,
 *                tracker pages, page-table blocks, stacks
 *   user gate:   one read-only page, supervisor-only but while a probe runs
 *                (code the kernel runs at CPL 3 to probe memory; optional)
 *   kmap window: supervisor, global
 *   user space:  PDEs USER_PDE_FIRST..USER_PDE_END-1, pointing into the
 *                address space's own block
 *
 * Every other PDE is the kernel's: every address space holds copies of the
 * master table's, pointing at the master's page tables, so kernel mappings
 * are shared and never change after paging initialisation.  Those of the
 * higher-half layout's PDE 0 and the gap above the kernel zone are not
 * present.
 */
#ifndef PAGETRACK_LAYOUT_H
#define PAGETRACK_LAYOUT_H

#include "mmu.h"
#include "pagetrack-config.h"

#define KMAP_SLOTS PT_ENTRIES

#define USER_PDE_FIRST (USER_BASE >> PDE_SHIFT)     /* identity 256, higher-half 1 */
#define USER_PDE_END ((USER_LAST >> PDE_SHIFT) + 1) /* identity 1024, higher-half 768 */
#define USER_PDES (USER_PDE_END - USER_PDE_FIRST)    /* the most tables a block holds */
#define KMAP_PDE (KMAP_BASE >> PDE_SHIFT)
#define GATE_PDE (GATE_BASE >> PDE_SHIFT)

/*
 * The kernel zone [1 MiB, X) lies at PT_PHYS_OFFSET + pa: X may not pass
 * KZONE_LIMIT, so that the zone ends below the user gate (both layouts of
 * the tree: 0x3F800000, a zone of up to 1018 MiB).
 */
#define KZONE_LIMIT (GATE_BASE - PT_PHYS_OFFSET)

/* What a layout must be for the core's tables and checks to hold. */
_Static_assert(USER_BASE != 0 && IS_ALIGNED(USER_BASE, PDE_SPAN) &&
		       IS_ALIGNED(USER_LAST + PAGE_SIZE, PDE_SPAN) && USER_BASE <= USER_LAST,
	       "layout: user space is whole 4 MiB regions, page 0 not among them");
_Static_assert(IS_ALIGNED(KMAP_BASE, PDE_SPAN) && IS_ALIGNED(GATE_BASE, PAGE_SIZE) &&
		       GATE_PDE < KMAP_PDE,
	       "layout: the kmap window is one table, the gate below it in a PDE of its own");
_Static_assert((GATE_PDE < USER_PDE_FIRST || GATE_PDE >= USER_PDE_END) &&
		       (KMAP_PDE < USER_PDE_FIRST || KMAP_PDE >= USER_PDE_END),
	       "layout: the gate and the kmap window are in kernel PDEs");
_Static_assert(IS_ALIGNED(PT_PHYS_OFFSET, PDE_SPAN) && GATE_BASE > PT_PHYS_OFFSET &&
		       KZONE_LIMIT >= MiB(16),
	       "layout: a kernel zone of 16 MiB at least fits between PT_PHYS_OFFSET and the gate");
_Static_assert(USER_PDE_END <= (PT_PHYS_OFFSET >> PDE_SHIFT) || USER_BASE > KMAP_BASE,
	       "layout: the kernel part and user space do not overlap");

/* Whether va is in user space.  In the identity layout the second test folds away. */
static inline bool is_user_page(vaddr_t va)
{
	return va >= USER_BASE && va <= USER_LAST + PAGE_MASK;
}

/* Whether PDE i maps user space (and points into the block): the others are the kernel's. */
static inline bool is_user_pde(uint32_t i) { return i >= USER_PDE_FIRST && i < USER_PDE_END; }

/* The kernel's address of physical address pa, in the first 1 MiB or the kernel zone. */
static inline vaddr_t kzone_va(paddr_t pa) { return PT_PHYS_OFFSET + pa; }

/* The entries of each part.  Kernel PTEs: present, writable, supervisor, global. */
#define KERNEL_PTE_FLAGS (PG_P | PG_RW | PG_G)
#define KERNEL_PDE_FLAGS (PG_P | PG_RW | PG_A) /* A preset: the CPU never writes a shared PDE */
/* The gate's: its one page, supervisor-only until pt_paging_open_gate lets ring 3 in. */
#define GATE_PTE_FLAGS (PG_P | PG_G)
#define GATE_PDE_FLAGS (PG_P | PG_RW | PG_US | PG_A)
/* User PDEs allow everything: the PTE alone decides what a user page allows. */
#define USER_PDE_FLAGS (PG_P | PG_RW | PG_US)

#endif
