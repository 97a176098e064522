/*
 * seam.h - the one place where the portable core meets the machine.
 *
 * The core (core/) calls only these functions to reach hardware.  There are
 * two implementations:
 *
 *   arch/i386/seam.c   the real instructions (mov to CR3, invlpg, ...);
 *   hosted/seam.c      x86-64 Linux: physical memory is one buffer and a
 *                      model of the i386 MMU and TLB (hosted/mmu_model.c) plays
 *                      the CPU, so a missing invalidation fails a host test
 *                      the way it would corrupt a real machine.
 */
#ifndef PAGETRACK_SEAM_H
#define PAGETRACK_SEAM_H

#include "types.h"

/*
 * A pointer to physical memory at pa.  Valid for the kernel zone, which is
 * identity-mapped in every address space; the kernel reaches user-zone
 * frames only through kmap windows (kmap.h).
 */
void *hw_phys(paddr_t pa);

/* A pointer through which the kernel reaches kernel virtual address va. */
void *hw_kva(vaddr_t va);

/* Load CR3 with the page directory at pd; drops every non-global translation. */
void hw_load_cr3(paddr_t pd);

/* The page directory CR3 holds now. */
paddr_t hw_cr3(void);

/* The address of the last page fault (CR2). */
vaddr_t hw_cr2(void);

/* Drop any cached translation of the page that holds va (invlpg). */
void hw_invlpg(vaddr_t va);

/* Drop every non-global cached translation (a CR3 reload). */
void hw_flush_tlb(void);

/* Drop every cached translation, global ones included (toggle CR4.PGE). */
void hw_flush_tlb_global(void);

/*
 * Turn paging on with the page directory at pd: load CR3, set CR0.PG and
 * CR0.WP, then CR4.PGE.
 */
void hw_enable_paging(paddr_t pd);

/* Whether paging is on (CR0.PG). */
bool hw_paging_enabled(void);

/* Write one character to the console. */
void hw_putc(char c);

/* End the run with a failure status (QEMU exits, the host test aborts). */
_Noreturn void hw_fail(void);

#endif
