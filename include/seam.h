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
 *
 * The swap disk is part of the seam too: arch/i386/ata.c drives the ATA
 * disk on QEMU's primary IDE channel, and hosted/disk.c is a model disk in
 * a buffer that tests can make fail.
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

/* ---- the swap disk ----------------------------------------------------
 *
 * The disk is an array of 4 KiB pages, numbered from 0; the slot allocator
 * (swap.h) hands them out.  Transfers are synchronous: a call returns when
 * the page has been moved or the disk has failed, and the core never has
 * two in flight (the kernel runs with interrupts off).  A page of the disk
 * that was never written reads as unspecified bytes (zeros on a fresh
 * image).  Nothing is cached above the disk: a write that returned 0 is what
 * the next read of that page returns.
 *
 * Every call checks its arguments before it reaches the device: a page
 * past the end (any page, when there is no disk) gets -E_RANGE and an
 * unaligned frame -E_INVAL, and nothing moves.  A failed transfer returns
 * -E_IO: after a failed read the frame's contents are unspecified, after a
 * failed write the disk page's.  Either way the disk goes on serving the
 * other pages, so the caller decides what the failure costs (the pager
 * retires a slot that failed a write, and ends the process that needed a
 * page that failed a read).
 *
 *   i386:  the ATA disk found at boot (ata.h), 8 sectors a page, by
 *          bus-master DMA straight into the frame when the IDE controller
 *          offers it, else by polled PIO through a kmap window; every wait
 *          on the device is bounded, so a disk that stops answering costs
 *          -E_IO, never a hang.
 *   host:  a buffer of pages the test chooses (disk.h), with failures
 *          injected on demand and counters of reads and writes.
 */

/*
 * The pages of 4 KiB the swap disk holds (a disk's last partial page is not
 * counted), or 0 when there is no disk.  Fixed from boot on (i386: found by
 * ata_init(); host: set by the test fixture).
 */
uint32_t hw_disk_pages(void);

/*
 * Read disk page `page` into the frame at physical address `frame`.
 * Preconditions: the frame is a page-aligned frame of RAM that nothing
 * else reads or writes during the call.  Returns 0, -E_RANGE if page >=
 * hw_disk_pages(), -E_INVAL if frame is not page aligned, or -E_IO if the
 * disk failed (the frame then holds unspecified bytes).  The pager calls it
 * to bring a page or a block back from a slot.
 */
int hw_disk_read(uint32_t page, paddr_t frame);

/*
 * Write the frame at physical address `frame` to disk page `page`.  Same
 * preconditions and errors as hw_disk_read; after -E_IO the disk page holds
 * unspecified bytes.  The frame is not changed.  The pager calls it to put
 * a page or a block out to a slot.
 */
int hw_disk_write(uint32_t page, paddr_t frame);

/* Write one character to the console. */
void hw_putc(char c);

/* End the run with a failure status (QEMU exits, the host test aborts). */
_Noreturn void hw_fail(void);

#endif
