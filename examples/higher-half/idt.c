/*
 * idt.c - the IDT and the TSS.  Every CPU exception goes to trap(); a page
 * fault to page_fault() (fault.c), which may resolve it; anything else, and
 * a page fault it cannot resolve, ends the run with the registers printed.
 * The kernel runs with interrupts off throughout: no device interrupts.
 */
#include "idt.h"
#include "console.h"
#include "cpu.h"
#include "kernel.h"
#include "ring3.h"

#define GATE_INTERRUPT 0x8E /* present, ring 0, 32-bit interrupt gate */
#define GATE_DPL3 0x60
#define VECTOR_PF 14

struct idt_entry {
	uint16_t off_lo, sel;
	uint8_t zero, type;
	uint16_t off_hi;
} __attribute__((packed));

struct desc_ptr {
	uint16_t limit;
	uint32_t base;
} __attribute__((packed));

/* The 32-bit TSS: only ss0:esp0 matter here (no task switches). */
struct tss {
	uint32_t link, esp0, ss0, unused[22];
	uint16_t trap, iomap;
} __attribute__((packed));

extern const uint32_t isr_table[32];
extern char isr_probe_return[];
extern uint64_t gdt[];

static struct idt_entry idt[256];
static struct tss tss;

static void set_gate(int v, uint32_t handler, uint8_t type)
{
	idt[v] = (struct idt_entry){ (uint16_t)handler, KCODE_SEL, 0, type,
				     (uint16_t)(handler >> 16) };
}

/* The TSS descriptor in GDT slot TSS_SEL: base, limit, type 9 (available 32-bit TSS). */
static void tss_init(void)
{
	uint64_t base = (uint32_t)&tss, limit = sizeof(tss) - 1;

	tss.ss0 = KDATA_SEL;
	tss.iomap = sizeof(tss); /* no I/O bitmap: ring 3 may use no port */
	gdt[TSS_SEL / 8] = (limit & 0xFFFF) | (base & 0xFFFFFF) << 16 | 0x89ull << 40 |
			   ((limit >> 16) & 0xF) << 48 | (base >> 24) << 56;
	__asm__ volatile("ltr %w0" : : "r"(TSS_SEL));
}

void tss_set_kernel_stack(uint32_t esp0)
{
	tss.esp0 = esp0;
}

void idt_init(void)
{
	struct desc_ptr p = { sizeof(idt) - 1, (uint32_t)idt };

	for (int v = 0; v < 32; v++)
		set_gate(v, isr_table[v], GATE_INTERRUPT);
	set_gate(PROBE_RETURN_VECTOR, (uint32_t)isr_probe_return, GATE_INTERRUPT | GATE_DPL3);
	__asm__ volatile("lidt %0" : : "m"(p));
	tss_init();
}

static _Noreturn void fatal(const struct trap_frame *tf)
{
	kprintf("trap %u, error 0x%x, at eip 0x%08x cs 0x%x eflags 0x%x; cr2 0x%08x\n",
		tf->vector, tf->err, tf->eip, tf->cs, tf->eflags, read_cr2());
	kprintf("  eax 0x%08x ebx 0x%08x ecx 0x%08x edx 0x%08x esi 0x%08x edi 0x%08x ebp 0x%08x\n",
		tf->eax, tf->ebx, tf->ecx, tf->edx, tf->esi, tf->edi, tf->ebp);
	panic("unexpected trap");
}

void trap(struct trap_frame *tf)
{
	if (tf->vector == VECTOR_PF && page_fault(tf))
		return;
	if (tf->vector == PROBE_RETURN_VECTOR)
		ring3_returned(tf);
	fatal(tf);
}
