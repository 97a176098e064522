/*
 * pagefault.h - the page-fault handler (vector 14).
 *
 * In order: a fault of one of the kernel's probes goes to its fixup; a
 * fault from ring 3 goes to the process layer (when there is one); a
 * kernel fault outside a fixup is a bug: the handler prints the fault
 * decoded and the walk of the address through the live page tables, and
 * the run ends with a failure status.
 */
#ifndef PAGETRACK_PAGEFAULT_H
#define PAGETRACK_PAGEFAULT_H

#include "idt.h"

/* Install the handler. */
void pagefault_init(void);

/*
 * The process layer's handler of faults from ring 3: returns true if it
 * resolved the fault or dealt with the process.
 */
typedef bool (*user_fault_fn)(struct trap_frame *tf, vaddr_t addr, uint32_t err);
void pagefault_set_user_handler(user_fault_fn fn);

/*
 * Print what the page tables of address space `as`, whose directory is at
 * pd, say about va, one line per level, each entry's flags decoded.
 */
void pagefault_print_walk(paddr_t pd, int as, vaddr_t va);

#endif
