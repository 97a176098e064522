/*
 * paging.h - paging initialisation: the notes' steps, in their order
 * (DESIGN 6).  The kernel and the host tests call the same functions.
 *
 *   1. allocate the first tracker page (pg_alloc_page);
 *   2. create the master page-table block, not in CR3 yet;
 *   3. link it in tracker 0;
 *   4. map the first 1 MiB at its kernel addresses (kzone_va, layout.h:
 *      the identity, or PT_PHYS_OFFSET + pa), leaving page 0 out;
 *   5. map the kernel zone [1 MiB, X) the same way: the kernel image and
 *      the structures just made;
 *   6. create the kmap page table (and the user gate's, if the kernel has
 *      one), load CR3, turn paging on with CR0.WP, then CR4.PGE.
 *
 * Kernel pages are supervisor-only and global (their flags are in
 * layout.h).  All kernel page tables exist after step 6, so no kernel PDE
 * ever changes again.  The frame allocator must be initialised first
 * (pt_frame_init).  Each step returns 0, or -E_NOMEM if the kernel zone is too
 * small; steps run in order, once.
 */
#ifndef PAGETRACK_PAGING_H
#define PAGETRACK_PAGING_H

#include "types.h"

int pt_paging_step_tracker_page(void);
int pt_paging_step_master_block(void);
int pt_paging_step_link_master(void);
int pt_paging_step_map_low(void);
int pt_paging_step_map_kzone(void);
int pt_paging_step_enable(void);

/* All six steps; with verbose, each prints one line as it happens. */
int pt_paging_init(bool verbose);

/*
 * Give the kernel a user gate: step 6 then also maps the frame at `frame`
 * at GATE_BASE (layout.h), never writable, in a table of its own.  Call
 * before pt_paging_init; 0 for none.
 */
void pt_paging_set_user_gate(paddr_t frame);

/*
 * Open the gate to ring 3 (readable and executable), or close it again
 * (supervisor-only, as it is between uses): the kernel opens it only while
 * it runs its own code there, so no process can reach it.
 */
void pt_paging_open_gate(bool open);

#endif
