/* idt.h - the interrupt descriptor table, the TSS, and what a trap saves. */
#ifndef HH_IDT_H
#define HH_IDT_H

#include <stdbool.h>
#include <stdint.h>

/* What isr.S leaves on the stack, lowest address first. */
struct trap_frame {
	uint32_t gs, fs, es, ds;
	uint32_t edi, esi, ebp, esp_at_pushal, ebx, edx, ecx, eax;
	uint32_t vector, err;
	uint32_t eip, cs, eflags;
	uint32_t user_esp, user_ss; /* only when the trap came from ring 3 */
};

static inline bool trap_from_user(const struct trap_frame *tf)
{
	return (tf->cs & 3) == 3;
}

/* Load the IDT (exceptions, and the probe's way back from ring 3) and the TSS. */
void idt_init(void);

/* Where the CPU puts the ring 0 stack when a trap comes from ring 3. */
void tss_set_kernel_stack(uint32_t esp0);

/* The page-fault handler (fault.c); false: the fault is fatal. */
bool page_fault(struct trap_frame *tf);

#endif
