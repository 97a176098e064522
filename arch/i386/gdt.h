/*
 * gdt.h - the kernel's segments and its task-state segment.
 *
 * Segments are flat (base 0, limit 4 GiB): paging does all the protection.
 * There are code and data segments for ring 0 and ring 3 and one TSS,
 * whose only use is to tell the CPU which stack to switch to when an
 * interrupt or exception arrives from ring 3 (ss0:esp0).
 */
#ifndef PAGETRACK_GDT_H
#define PAGETRACK_GDT_H

#include "types.h"

/* Load the kernel's GDT and task register; the selectors of boot.S stay valid. */
void gdt_init(void);

/* The stack a trap from ring 3 switches to: the top of the running task's kernel stack. */
void tss_set_kernel_stack(uint32_t esp0);

/* The ring-0 stack top the TSS holds now. */
uint32_t tss_kernel_stack(void);

#endif
