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
 *
 * A kernel that takes the core as a library (docs/PORTING.md) writes its
 * own version of every function below, and provides memset, memcpy, memcmp
 * and strlen (the C semantics; the compiler may call the first two by
 * itself).  Nothing else: the core's messages and panics go to hw_putc and
 * hw_fail.
 *
 * What the core assumes of its caller:
 *  - one CPU, or several that the kernel tells the core about (cpus.h),
 *    so that TLB invalidations reach every CPU a space is live on; the
 *    core's calls may then run on several CPUs at once, under the core's
 *    own locks (lock.h), and hw_disk_read and hw_disk_write may be called
 *    from several at once: the kernel serialises its disk;
 *  - no call is re-entered: an interrupt handler must not call the core
 *    while a call is under way (the kernel here runs the core with
 *    interrupts off; a kernel that takes interrupts during a call must keep
 *    its handlers out of the core, or hold the same lock);
 *  - the core never enables or disables interrupts, and never faults on its
 *    own accesses when the seam keeps its contract: it reaches the kernel
 *    zone through hw_phys and user frames only through its kmap windows;
 *  - a call blocks only in the disk transfers (the pager's, through swap.h),
 *    which are synchronous;
 *  - the kernel zone (from 1 MiB to X, frame.h) and the first 1 MiB are
 *    mapped by the master table's kernel part, at kzone_va(pa) (layout.h:
 *    pa itself in the identity layout, PT_PHYS_OFFSET + pa in a
 *    higher-half one), which every address space shares; the kernel runs
 *    in that part and calls the core with CR3 holding the live address
 *    space's block or the master.
 *
 * Paging initialisation (paging.h) in either layout.  "Paging on", for the
 * core, means that pagetrack's own tables are in CR3: hw_paging_enabled()
 * turns true in hw_enable_paging, at step 6, and not before.  Until then
 * the core reaches every frame it touches through hw_phys, and those are
 * kernel-zone frames alone (the tracker page, the master's block and
 * tables, the allocator's metadata): it neither maps nor zeroes a user
 * frame before step 6.  So:
 *  - an identity kernel calls the core with paging off, as this tree's
 *    does; hw_enable_paging turns it on;
 *  - a higher-half kernel boots on page tables of its own, paging on,
 *    which must map the first 1 MiB and the whole kernel zone at
 *    PT_PHYS_OFFSET + pa (hw_phys is then pa + PT_PHYS_OFFSET), and must
 *    run its code there; its hw_paging_enabled answers false until
 *    hw_enable_paging, which only loads CR3 with the master and sets CR0.WP
 *    and CR4.PGE (CR0.PG is already set).  Its boot tables are free to go
 *    after that: nothing of pagetrack's points at them.
 */
#ifndef PAGETRACK_SEAM_H
#define PAGETRACK_SEAM_H

#include "types.h"

/*
 * A pointer through which the core reads and writes physical memory at pa.
 * Preconditions: pa is in the first 1 MiB or the kernel zone (in an
 * identity kernel, before paging is on, any RAM the allocator owns: the
 * host tests of the allocator use that; the core itself does not).  The result
 * keeps pa's alignment (a page-aligned pa gives a page-aligned pointer: the
 * core reads tables and its metadata through it as arrays) and is linear:
 * hw_phys(pa) + n == hw_phys(pa + n) across the kernel zone, which the core
 * indexes from hw_phys(1 MiB).  The core calls it for every page-table,
 * tracker and metadata access, and never for a user frame once paging is
 * on (it goes through kmap windows, kmap.h).
 *   i386:  a cast: the kernel zone is identity-mapped (a higher-half
 *          kernel's: a cast of pa + PT_PHYS_OFFSET).
 *   host:  the buffer of simulated RAM plus pa; panics outside it.
 */
void *hw_phys(paddr_t pa);

/*
 * A pointer through which the kernel reaches kernel virtual address va,
 * with the current translation.  The core calls it only for its kmap
 * windows (pt_kmap_zero, pt_kmap_copy), after it mapped va and invalidated
 * it, or with kzone_va of a kernel-zone frame.
 *   i386:  a cast (the CPU translates).
 *   host:  va translated by the model MMU, so a stale TLB entry shows; a
 *          fault panics.  Before paging is on, in a higher-half layout, the
 *          boot map above: va - PT_PHYS_OFFSET.
 */
void *hw_kva(vaddr_t va);

/*
 * Load CR3 with the page directory at pd (page aligned, a directory whose
 * kernel part is the master's); drops every non-global translation.  The
 * core calls it in pt_vm_activate and when it moves the live block.
 */
void hw_load_cr3(paddr_t pd);

/* The page directory CR3 holds now (the address only, no flag bits): for the checks of the live space. */
paddr_t hw_cr3(void);

/*
 * The address of the last page fault (CR2).  The core does not call it: the
 * kernel's page-fault handler reads it and passes it to pt_vm_fault.
 */
vaddr_t hw_cr2(void);

/*
 * Drop any cached translation of the page that holds va (invlpg), global
 * or not.  The core calls it (tlb.c) for each page of the live space it
 * unmaps, protects or copies, and for each kmap window it reuses.
 */
void hw_invlpg(vaddr_t va);

/* Drop every non-global cached translation (a CR3 reload): tlb.c, for long ranges. */
void hw_flush_tlb(void);

/*
 * Drop every cached translation, global ones included (toggle CR4.PGE, or
 * reload CR3 on a CPU without PGE).  Not called by the core; the kernel's.
 */
void hw_flush_tlb_global(void);

/*
 * Put pagetrack's tables in charge with the page directory at pd: load CR3,
 * set CR0.PG and CR0.WP (the core relies on WP: copy-on-write pages are
 * read-only to the kernel too), then CR4.PGE where the CPU has it.  A
 * kernel whose paging is already on (higher-half, above) only loads CR3
 * and sets WP and PGE.  Called once, by pt_paging_init's sixth step, with
 * the master table; the code running it and its stack must be where the
 * master maps them (the kernel zone at kzone_va, layout.h).  From its
 * return on, hw_paging_enabled() is true.
 */
void hw_enable_paging(paddr_t pd);

/*
 * Whether pagetrack's tables are in CR3 (hw_enable_paging has run): before,
 * the core reaches every frame by hw_phys.  In an identity kernel that is
 * CR0.PG; a higher-half kernel, whose paging is on from boot, keeps a flag.
 */
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

/*
 * Write one character to the console: pt_paging_init's steps when verbose,
 * the dumps' pt_console_sink, the checker's reports, pt_printf and pt_panic.
 * It must work from the first call of the core on, and must not call the
 * core.
 *   i386:  the serial port (COM1).   host:  stdout.
 */
void hw_putc(char c);

/*
 * End the run with a failure status; never returns.  The core calls it only
 * through pt_panic, on a broken invariant, after printing why.
 *   i386:  QEMU's exit device with a failure status, else halt.
 *   host:  flush stdout and abort().
 */
_Noreturn void hw_fail(void);

#endif
