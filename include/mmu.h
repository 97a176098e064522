/*
 * mmu.h - i386 two-level paging, as the CPU sees it (Intel SDM vol. 3A,
 * chapter 4.3 "32-bit paging").  Every paging bit pagetrack uses is defined
 * here once: as a bit position, with the mask derived from it.
 *
 * A linear address is split in three:
 *
 *   31                 22 21                 12 11                      0
 *  +---------------------+---------------------+-------------------------+
 *  |   directory index   |     table index     |     offset in page      |
 *  +---------------------+---------------------+-------------------------+
 *            |                     |
 *            |   CR3 -> page directory (1024 PDEs, one 4 KiB page)
 *            +-> PDE -> page table (1024 PTEs, one 4 KiB page)
 *                          +-> PTE -> 4 KiB page frame
 *
 * With CR4.PSE set, a PDE with PS set maps a 4 MiB page directly and the
 * low 22 bits of the address are the offset.
 *
 * The CPU combines the permission bits of both levels: an access needs P
 * in the PDE and the PTE; a user access needs U/S in both; a write needs
 * R/W in both, except that a supervisor write ignores R/W when CR0.WP is
 * clear.  A failed access raises #PF (vector 14) with CR2 = the address
 * and the error code below.
 */
#ifndef PAGETRACK_MMU_H
#define PAGETRACK_MMU_H

#include "types.h"

#define PT_ENTRIES 1024u                 /* entries in a directory or a table */
#define PDE_SHIFT 22                     /* a PDE covers 4 MiB */
#define PDE_SPAN (1u << PDE_SHIFT)
#define LARGE_PAGE_SIZE PDE_SPAN         /* a 4 MiB page (CR4.PSE) */

static inline uint32_t pde_index(vaddr_t va) { return va >> PDE_SHIFT; }
static inline uint32_t pte_index(vaddr_t va) { return (va >> PAGE_SHIFT) & MASK(10); }
static inline vaddr_t pde_base(uint32_t pdi) { return (vaddr_t)pdi << PDE_SHIFT; }

/* Bits of a PDE and a PTE (SDM tables 4-4, 4-5, 4-6). */
#define PG_P_BIT 0    /* present */
#define PG_RW_BIT 1   /* writable */
#define PG_US_BIT 2   /* user may access */
#define PG_PWT_BIT 3  /* write-through */
#define PG_PCD_BIT 4  /* cache disable */
#define PG_A_BIT 5    /* accessed: set by the CPU on every walk through it */
#define PG_D_BIT 6    /* dirty: set by the CPU on a write (PTE, 4 MiB PDE) */
#define PG_PS_BIT 7   /* PDE: maps a 4 MiB page (needs CR4.PSE) */
#define PG_G_BIT 8    /* global: survives CR3 loads (needs CR4.PGE) */
#define PG_AVL0_BIT 9 /* three bits the CPU ignores, left to software */
#define PG_AVL1_BIT 10
#define PG_AVL2_BIT 11

#define PG_P BIT(PG_P_BIT)
#define PG_RW BIT(PG_RW_BIT)
#define PG_US BIT(PG_US_BIT)
#define PG_PWT BIT(PG_PWT_BIT)
#define PG_PCD BIT(PG_PCD_BIT)
#define PG_A BIT(PG_A_BIT)
#define PG_D BIT(PG_D_BIT)
#define PG_PS BIT(PG_PS_BIT)
#define PG_G BIT(PG_G_BIT)
#define PG_COW BIT(PG_AVL0_BIT)   /* pagetrack: frame shared copy-on-write; RW stays clear */
#define PG_COW_W BIT(PG_AVL1_BIT) /* pagetrack: with PG_COW, a write may copy the page */
#define PG_SWAP BIT(PG_AVL2_BIT)  /* pagetrack: with P clear, a swap entry (below) */
#define PG_FLAGS_MASK MASK(12)
#define PG_ADDR_MASK (~PG_FLAGS_MASK)

/*
 * A 4 MiB PDE keeps bits 31:22 of the frame address; with MAXPHYADDR = 32
 * bits 21:13 must be zero, and setting one is a reserved-bit fault.
 */
#define PG_LARGE_ADDR_MASK (~MASK(22))
#define PG_LARGE_RSVD_MASK (MASK(22) & ~MASK(13))

typedef struct { uint32_t v; } pde_t;
typedef struct { uint32_t v; } pte_t;

static inline pde_t make_pde(paddr_t table, uint32_t flags) { return (pde_t){ (table & PG_ADDR_MASK) | flags }; }
static inline pte_t make_pte(paddr_t frame, uint32_t flags) { return (pte_t){ (frame & PG_ADDR_MASK) | flags }; }
static inline bool pde_present(pde_t e) { return e.v & PG_P; }
static inline bool pte_present(pte_t e) { return e.v & PG_P; }
static inline paddr_t pde_addr(pde_t e) { return e.v & PG_ADDR_MASK; }
static inline paddr_t pte_addr(pte_t e) { return e.v & PG_ADDR_MASK; }
static inline uint32_t pde_flags(pde_t e) { return e.v & PG_FLAGS_MASK; }
static inline uint32_t pte_flags(pte_t e) { return e.v & PG_FLAGS_MASK; }

/*
 * A swap entry: the PTE of a user page whose contents are in a swap slot
 * (swap.h), not in a frame.  P is clear, so the CPU ignores every other
 * bit and any access faults "not present"; the rest keeps what the page
 * needs to come back:
 *
 *   31                    12  11    10    9    8      3   2    1    0
 *  +------------------------+-----+-----+-----+--------+----+----+---+
 *  |          slot          | SWAP|COW_W| COW |   0    | US | RW | 0 |
 *  +------------------------+-----+-----+-----+--------+----+----+---+
 *
 * The rights are those of the present entry it replaced: RW for a private
 * page, COW and COW_W for one shared copy-on-write.  A and D are not kept:
 * the page was written out (or had a clean copy) when it left.  A present
 * PTE never has SWAP set, so a user PTE is zero, present, or a swap entry,
 * told apart by P and SWAP alone.
 */
#define SWAP_PTE_RIGHTS (PG_RW | PG_US | PG_COW | PG_COW_W)

static inline bool pte_swapped(pte_t e) { return (e.v & (PG_P | PG_SWAP)) == PG_SWAP; }
static inline uint32_t pte_slot(pte_t e) { return e.v >> PAGE_SHIFT; }

static inline pte_t make_swap_pte(uint32_t slot, uint32_t rights)
{
	return (pte_t){ slot << PAGE_SHIFT | PG_SWAP | (rights & SWAP_PTE_RIGHTS) };
}

/* The page-fault error code the CPU pushes (SDM figure 4-12). */
#define PF_P_BIT 0    /* 0: page not present; 1: protection violation */
#define PF_W_BIT 1    /* the access was a write */
#define PF_U_BIT 2    /* the access was made at CPL 3 */
#define PF_RSVD_BIT 3 /* a reserved bit was set in a paging entry */
#define PF_P BIT(PF_P_BIT)
#define PF_W BIT(PF_W_BIT)
#define PF_U BIT(PF_U_BIT)
#define PF_RSVD BIT(PF_RSVD_BIT)

/* Control-register bits pagetrack touches. */
#define CR0_WP BIT(16) /* supervisor writes honour R/W */
#define CR0_PG BIT(31) /* paging on */
#define CR4_PSE BIT(4) /* 4 MiB pages */
#define CR4_PGE BIT(7) /* global pages */

#define PF_VECTOR 14

#endif
