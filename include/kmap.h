/*
 * kmap.h - temporary kernel windows onto frames outside the kernel zone.
 *
 * User-zone frames are not mapped in the kernel's part of the address
 * space; to zero or copy one, the kernel maps it at one of the 1024 slots
 * of the kmap window (KMAP_BASE, layout.h: one page table of the master,
 * shared by every address space).  Slot entries are global; unmapping
 * invalidates the slot so that its next use cannot see the old frame.
 *
 * A kernel-zone frame needs no window: kmap returns its kernel address
 * (kzone_va: the identity, or PT_PHYS_OFFSET + pa).  Before paging is on
 * (seam.h), every frame is reached at kzone_va(pa): in the identity layout
 * that is its physical address; a higher-half kernel's own boot map covers
 * only the kernel zone, and the core touches no other frame before then.
 */
#ifndef PAGETRACK_KMAP_H
#define PAGETRACK_KMAP_H

#include "types.h"

/* Start with every slot free; the kmap table is at table_pa. */
void pt_kmap_init(paddr_t table_pa);

/*
 * A kernel virtual address at which frame pa can be read and written
 * (through hw_kva) until pt_kunmap.  Panics when all slots are in use: slots
 * are held only for the length of one copy, so that is a leak.
 */
vaddr_t pt_kmap(paddr_t pa);

/* Release a window returned by kmap. */
void pt_kunmap(vaddr_t va);

/* Zero a frame; copy one frame to another. */
void pt_kmap_zero(paddr_t pa);
void pt_kmap_copy(paddr_t dst, paddr_t src);

/* Slots in use now. */
uint32_t pt_kmap_in_use(void);

#endif
