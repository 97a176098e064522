/*
 * vm.h - pagetrack in this kernel: the frames it borrows from the frame
 * manager (frames.h), and its start on top of the boot map.
 */
#ifndef HH_VM_H
#define HH_VM_H

#include <stdint.h>

/*
 * Lend pagetrack the frame manager's frames, with a kernel zone from 1 MiB
 * to the end of the boot map (less on a small machine), then run its
 * paging initialisation: CR3 holds its master table after.  Panics if it
 * cannot start (too little memory).
 */
void vm_init(void);

/* What vm_init found and did, for the boot suite. */
struct vm_boot {
	uint32_t boot_cr3;      /* boot.S's directory, before */
	uint32_t kzone_end;     /* X */
	uint32_t free_before;   /* the frame manager's free frames before pagetrack */
	uint32_t free_after;    /* and after: pagetrack's metadata and master taken */
};
extern struct vm_boot vm_boot;

#endif
