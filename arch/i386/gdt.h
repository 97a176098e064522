/*
 * gdt.h - the kernel's segments and its task-state segment.
 *
 * Segments are flat (base 0, limit 4 GiB): paging does all the protection.
 * Each CPU has a GDT of its own, with code and data segments for ring 0
 * and ring 3 and a TSS of its own, whose only use is to tell the CPU which
 * stack to switch to when an interrupt or exception arrives from ring 3
 * (ss0:esp0); one more TSS, which every GDT names, holds the double-fault
 * task.
 */
#ifndef PAGETRACK_GDT_H
#define PAGETRACK_GDT_H

#include "types.h"

/* Load the boot CPU's GDT and task register; the selectors of boot.S stay valid. */
void gdt_init(void);

/*
 * On CPU cpu (below CPU_MAX), make its own GDT and TSS, with esp0 as the
 * TSS's ring-0 stack, and load them.  gdt_init is gdt_load(0, 0).
 */
void gdt_load(uint32_t cpu, uint32_t esp0);

/* Where CPU cpu's GDT and TSS are. */
uint32_t gdt_cpu_table(uint32_t cpu);
uint32_t gdt_cpu_tss(uint32_t cpu);

/* What the running CPU uses, as it says: its GDTR's base, and its task register's TSS. */
uint32_t gdt_running_table(void);
uint32_t gdt_running_tss(void);

/*
 * The stack a trap from ring 3 switches to: the top of the running task's
 * kernel stack, in the running CPU's TSS.
 */
void tss_set_kernel_stack(uint32_t esp0);

/* The ring-0 stack top the running CPU's TSS holds now. */
uint32_t tss_kernel_stack(void);

/*
 * The double-fault task: a TSS of its own, whose task starts at entry on a
 * stack of its own with interrupts off, so that a fault the CPU cannot
 * deliver (the kernel stack overflowed) is still reported.  The IDT's
 * vector 8 is a task gate to it (idt.c).  Its CR3 is the one in use when
 * this is called, then the one hw_enable_paging loads: the master's, which
 * maps the kernel zone as every address space does.
 */
void tss_set_double_fault(void (*entry)(void));
void tss_set_double_fault_cr3(uint32_t cr3);

/* In the double-fault task: where the kernel was when the CPU left it. */
void tss_interrupted(uint32_t *eip, uint32_t *esp, uint32_t *ebp);

#endif
