/*
 * idt.c - the interrupt descriptor table, trap dispatch, and the report of
 * a trap nobody handles.
 */
#include "idt.h"
#include "cpu.h"
#include "errors.h"
#include "gdt.h"
#include "ksyms.h"
#include "lib.h"
#include "mmu.h"
#include "qemu.h"

/* An IDT entry (SDM vol. 3A, figure 6-2). */
struct idt_gate {
	uint16_t offset_lo;
	uint16_t selector;
	uint8_t zero;
	uint8_t type;  /* present, DPL, gate type */
	uint16_t offset_hi;
} __attribute__((packed));
_Static_assert(sizeof(struct idt_gate) == 8, "an IDT gate is 8 bytes");
_Static_assert(__builtin_offsetof(struct trap_frame, cs) == 60, "trap.S's FRAME_CS");

#define GATE_PRESENT BIT(7)
#define GATE_DPL_SHIFT 5
#define GATE_INTR32 0xE /* 32-bit interrupt gate: clears IF on entry */
#define GATE_TASK 0x5   /* task gate: a switch to the task of its TSS selector */

/* Bits of the error code of #TS, #NP, #SS and #GP (SDM vol. 3A, 6.13). */
#define SEL_ERR_EXT BIT(0) /* raised while delivering an external event */
#define SEL_ERR_IDT BIT(1) /* the index is into the IDT */
#define SEL_ERR_LDT BIT(2) /* the index is into the LDT (when not IDT) */
#define SEL_ERR_INDEX_SHIFT 3

#define BACKTRACE_MAX 12

extern void (*const trap_stubs[IDT_VECTORS])(void);
extern char boot_stack_bottom[], boot_stack_top[];

static struct idt_gate idt[IDT_VECTORS] __attribute__((aligned(8)));
static trap_handler_fn handlers[IDT_VECTORS];
static trap_handler_fn user_fallback; /* traps from ring 3 nobody else took */
static bool fault_in_report;          /* trap_fault_in_report */
static int depth;                     /* fatal traps being reported: trap_fatal */

static const char *const exc_names[EXC_VECTORS] = {
	[0] = "#DE divide error",
	[1] = "#DB debug",
	[2] = "NMI non-maskable interrupt",
	[3] = "#BP breakpoint",
	[4] = "#OF overflow",
	[5] = "#BR bound range exceeded",
	[6] = "#UD invalid opcode",
	[7] = "#NM device not available",
	[8] = "#DF double fault",
	[9] = "coprocessor segment overrun",
	[10] = "#TS invalid TSS",
	[11] = "#NP segment not present",
	[12] = "#SS stack-segment fault",
	[13] = "#GP general protection",
	[14] = "#PF page fault",
	[16] = "#MF x87 floating-point error",
	[17] = "#AC alignment check",
	[18] = "#MC machine check",
	[19] = "#XM SIMD floating-point",
	[20] = "#VE virtualization exception",
	[21] = "#CP control protection",
	[28] = "#HV hypervisor injection",
	[29] = "#VC VMM communication",
	[30] = "#SX security exception",
};

void idt_set_gate(uint32_t vector, void (*entry)(void), uint32_t dpl)
{
	uint32_t off = (uint32_t)entry;

	ASSERT(vector < IDT_VECTORS && dpl <= 3);
	idt[vector] = (struct idt_gate){
		.offset_lo = (uint16_t)off,
		.selector = SEG_KCODE,
		.type = (uint8_t)(GATE_PRESENT | dpl << GATE_DPL_SHIFT | GATE_INTR32),
		.offset_hi = (uint16_t)(off >> 16),
	};
}

static uint32_t nmis;

/*
 * A non-maskable interrupt comes from the machine (a memory or bus error,
 * a watchdog), not from the code it interrupts: it is reported and the
 * interrupted code goes on, whether kernel or process.
 */
static bool nmi(struct trap_frame *tf)
{
	nmis++;
	kprintf("nmi: at eip 0x%08x, going on\n", tf->eip);
	return true;
}

uint32_t trap_nmis(void)
{
	return nmis;
}

/*
 * The double-fault task (gdt.h), entered by a task switch on its own stack
 * whatever state the kernel's stack is in: report where the kernel was,
 * and stop.  The error code the CPU pushed (always 0) is left where a
 * return address would be: this never returns.
 */
static _Noreturn void double_fault_task(void)
{
	uint32_t eip, esp, ebp;

	tss_interrupted(&eip, &esp, &ebp);
	kprintf("\ntrap: #DF double fault (vector 8): a fault while the CPU was delivering "
		"another (a kernel stack that overflowed, or a broken trap path)\n  at ");
	ksym_print(eip);
	kprintf(", esp 0x%08x, ebp 0x%08x\ntrap: unhandled exception, stopping\n", esp, ebp);
	qemu_exit(false);
}

/* Vector 8 as a task gate to the double-fault task. */
static void set_double_fault_gate(void)
{
	tss_set_double_fault(double_fault_task);
	idt[EXC_DF] = (struct idt_gate){
		.selector = SEG_DF_TSS,
		.type = GATE_PRESENT | GATE_TASK,
	};
}

void idt_init(void)
{
	for (uint32_t v = 0; v < EXC_VECTORS; v++)
		idt_set_gate(v, trap_stubs[v], 0);
	set_double_fault_gate();
	handlers[EXC_NMI] = nmi;
	idt_load();
}

void idt_load(void)
{
	static struct pseudo_desc desc;

	desc.limit = sizeof(idt) - 1;
	desc.base = (uint32_t)idt;
	lidt(&desc);
}

void idt_enable(uint32_t vector, uint32_t dpl, trap_handler_fn fn)
{
	ASSERT(vector >= EXC_VECTORS && vector < IDT_VECTORS);
	handlers[vector] = fn;
	idt_set_gate(vector, trap_stubs[vector], dpl);
}

int trap_set_handler(uint32_t vector, trap_handler_fn fn)
{
	if (vector >= IDT_VECTORS)
		return -E_INVAL;
	handlers[vector] = fn;
	return 0;
}

const char *trap_name(uint32_t vector)
{
	if (vector >= EXC_VECTORS)
		return "interrupt";
	return exc_names[vector] ? exc_names[vector] : "reserved";
}

bool trap_from_user(const struct trap_frame *tf)
{
	return (tf->cs & 3) == 3;
}

uint32_t trap_esp(const struct trap_frame *tf)
{
	/* without a privilege change the CPU pushed no ESP: it was just above EFLAGS */
	if (trap_from_user(tf))
		return tf->user_esp;
	return (uint32_t)&tf->user_esp;
}

static bool has_selector_error(uint32_t vector)
{
	return vector == EXC_TS || vector == EXC_NP || vector == EXC_SS || vector == EXC_GP;
}

void trap_print_page_fault(const char *lead, vaddr_t addr, uint32_t err)
{
	kprintf("%spage fault at 0x%08x: %s, %s, %s mode%s\n", lead, addr,
		err & PF_P ? "protection violation" : "page not present",
		err & PF_W ? "write" : "read", err & PF_U ? "user" : "supervisor",
		err & PF_RSVD ? ", reserved bit set in a paging entry" : "");
}

static void report_selector_error(uint32_t err)
{
	const char *table = err & SEL_ERR_IDT ? "IDT" : err & SEL_ERR_LDT ? "LDT" : "GDT";

	if (err == 0)
		return;
	kprintf("  error code names %s entry %u%s\n", table, err >> SEL_ERR_INDEX_SHIFT,
		err & SEL_ERR_EXT ? " (while delivering an external event)" : "");
}

static bool on_boot_stack(uint32_t addr)
{
	return addr >= (uint32_t)boot_stack_bottom && addr + 8 <= (uint32_t)boot_stack_top;
}

/*
 * Where the trap happened, then the return addresses along the EBP chain
 * as far as it stays on the boot stack, one a line with its function.
 */
static void report_backtrace(uint32_t eip, uint32_t ebp)
{
	kprintf("  backtrace:\n    ");
	ksym_print(eip);
	kprintf("\n");
	for (int i = 0; i < BACKTRACE_MAX && on_boot_stack(ebp) && IS_ALIGNED(ebp, 4); i++) {
		const uint32_t *frame = (const uint32_t *)ebp;
		kprintf("    ");
		ksym_print(frame[1]);
		kprintf("\n");
		if (frame[0] <= ebp) /* callers' frames lie higher: anything else is garbage */
			break;
		ebp = frame[0];
	}
}

static void report_registers(const struct trap_frame *tf, uint32_t cr2)
{
	kprintf("  eip 0x%08x  cs 0x%04x  eflags 0x%08x  cr2 0x%08x\n", tf->eip, tf->cs,
		tf->eflags, cr2);
	kprintf("  eax 0x%08x  ebx 0x%08x  ecx 0x%08x  edx 0x%08x\n", tf->eax, tf->ebx,
		tf->ecx, tf->edx);
	kprintf("  esi 0x%08x  edi 0x%08x  ebp 0x%08x  esp 0x%08x\n", tf->esi, tf->edi,
		tf->ebp, trap_esp(tf));
	kprintf("  ds 0x%04x  es 0x%04x  fs 0x%04x  gs 0x%04x", tf->ds, tf->es, tf->fs, tf->gs);
	if (trap_from_user(tf))
		kprintf("  ss 0x%04x", tf->user_ss);
	kprintf("\n");
}

static void trap_report(const struct trap_frame *tf)
{
	uint32_t cr2 = read_cr2();

	kprintf("\ntrap: %s (vector %u) in %s mode, error code 0x%x\n", trap_name(tf->vector),
		tf->vector, trap_from_user(tf) ? "user" : "kernel", tf->err);
	if (tf->vector == EXC_PF && !handlers[EXC_PF]) /* a handler printed it already */
		trap_print_page_fault("  ", cr2, tf->err);
	else if (has_selector_error(tf->vector))
		report_selector_error(tf->err);
	report_registers(tf, cr2);
	if (!trap_from_user(tf))
		report_backtrace(tf->eip, tf->ebp);
}

/*
 * A trap nobody handled: report it and end the run.  A trap while the
 * report is being printed gets one line, with as little code as can be;
 * one more while printing that line stops the machine without a word: the
 * report never loops.
 */
static _Noreturn void trap_fatal(const struct trap_frame *tf)
{
	if (depth == 2)
		qemu_exit(false);
	if (depth++ == 1) {
		kprintf("\ntrap: vector %u at eip 0x%08x while reporting a trap; stopping\n",
			tf->vector, tf->eip);
		qemu_exit(false);
	}
	if (fault_in_report) { /* crash=nested: the report faults on purpose */
		fault_in_report = false;
		kprintf("trap: reporting it faults on purpose: %u\n", *(volatile uint32_t *)0);
	}
	trap_report(tf);
	kprintf("trap: unhandled %s, stopping\n", tf->vector < EXC_VECTORS ? "exception" :
									"interrupt");
	qemu_exit(false);
}

bool trap_reporting(void)
{
	return depth > 0;
}

void trap_fault_in_report(void)
{
	fault_in_report = true;
}

void trap_set_user_fallback(trap_handler_fn fn)
{
	user_fallback = fn;
}

void trap_dispatch(struct trap_frame *tf)
{
	trap_handler_fn fn = tf->vector < IDT_VECTORS ? handlers[tf->vector] : NULL;

	if (fn && fn(tf))
		return;
	if (trap_from_user(tf) && user_fallback && user_fallback(tf))
		return;
	trap_fatal(tf);
}
