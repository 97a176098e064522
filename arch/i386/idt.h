/*
 * idt.h - the interrupt descriptor table and the trap path.
 *
 * Every CPU exception (vectors 0-31) enters through a stub in trap.S that
 * builds a struct trap_frame on the stack and calls trap_dispatch().  A
 * vector may have a handler (trap_set_handler); when it has none, or the
 * handler declines the trap, the kernel prints a report of the trap and
 * the registers and ends the run with a failure status.  A kernel bug never
 * hangs a run.
 *
 * The page-fault handler (and the fixups of the kernel's probing loads and
 * stores) is the handler of vector 14: it resolves the fault or moves
 * tf->eip to a fixup.  Interrupts and system calls are vectors opened with
 * idt_enable(), which enter through the same path.
 */
#ifndef PAGETRACK_IDT_H
#define PAGETRACK_IDT_H

#include "types.h"

#define IDT_VECTORS 256
#define EXC_VECTORS 32 /* vectors 0-31: the CPU's exceptions */

/* Exception vectors (SDM vol. 3A, table 6-1). */
enum {
	EXC_DE = 0,  /* divide error */
	EXC_DB = 1,  /* debug */
	EXC_NMI = 2, /* non-maskable interrupt */
	EXC_BP = 3,  /* breakpoint (int3) */
	EXC_OF = 4,  /* overflow (into) */
	EXC_BR = 5,  /* bound range exceeded */
	EXC_UD = 6,  /* invalid opcode */
	EXC_NM = 7,  /* device not available */
	EXC_DF = 8,  /* double fault */
	EXC_TS = 10, /* invalid TSS */
	EXC_NP = 11, /* segment not present */
	EXC_SS = 12, /* stack-segment fault */
	EXC_GP = 13, /* general protection */
	EXC_PF = 14, /* page fault */
	EXC_MF = 16, /* x87 floating-point error */
	EXC_AC = 17, /* alignment check */
	EXC_MC = 18, /* machine check */
	EXC_XM = 19, /* SIMD floating-point */
};

/*
 * The stack as trap_common leaves it, lowest address first: what it pushes,
 * what the stub pushes, what the CPU pushes.
 */
struct trap_frame {
	uint32_t gs, fs, es, ds;
	uint32_t edi, esi, ebp, esp_pushal, ebx, edx, ecx, eax; /* pushal; esp_pushal is unused */
	uint32_t vector;
	uint32_t err;             /* the CPU's error code, or 0 */
	uint32_t eip, cs, eflags; /* where the trap happened */
	uint32_t user_esp, user_ss; /* pushed only on a trap from ring 3 */
};

/*
 * A handler gets the frame of the trap.  It returns true if it dealt with
 * the trap (execution resumes from the frame, which it may have changed),
 * or false to have the trap reported as fatal.
 */
typedef bool (*trap_handler_fn)(struct trap_frame *tf);

/*
 * Fill the IDT with the 32 exception stubs and load it.  Call once, early.
 * An NMI is reported and otherwise ignored from then on.
 */
void idt_init(void);

/* Load the IDT on this CPU: every CPU shares the one idt_init filled. */
void idt_load(void);

/* NMIs since idt_init. */
uint32_t trap_nmis(void);

/*
 * Point IDT vector `vector` at entry, an interrupt gate (interrupts off on
 * entry) callable by an int instruction from privilege level dpl (0 or 3).
 */
void idt_set_gate(uint32_t vector, void (*entry)(void), uint32_t dpl);

/*
 * Open vector `vector` (32-255: an interrupt or a software trap) through the
 * common trap path, callable by `int` from ring dpl, with handler fn.
 */
void idt_enable(uint32_t vector, uint32_t dpl, trap_handler_fn fn);

/*
 * Give vector `vector` a handler (NULL removes it); returns 0 or -E_INVAL.
 * A page-fault handler (EXC_PF) that declines a fault has printed it
 * decoded already (trap_print_page_fault): the report does not repeat it.
 */
int trap_set_handler(uint32_t vector, trap_handler_fn fn);

/*
 * The handler of traps from ring 3 that no vector handler took (a user
 * program's #GP, #UD, divide error, stray int): the process layer ends the
 * process there, so that no user program can stop the kernel.
 */
void trap_set_user_fallback(trap_handler_fn fn);

/* Whether a fatal trap is being reported (a handler then keeps quiet). */
bool trap_reporting(void);

/*
 * Make the report of the next fatal trap fault (crash=nested), to show
 * that a trap while reporting one ends the run with one more line.
 */
void trap_fault_in_report(void);

/* Called by trap.S with the frame of every trap; returns to resume it. */
void trap_dispatch(struct trap_frame *tf);

/*
 * Print a page fault at addr with error code err (PF_xxx, mmu.h) decoded,
 * after `lead`: "page fault at 0x00000000: page not present, read,
 * supervisor mode".  The one decoder of the error code, for the report of a
 * trap and the kernel's page-fault handler.
 */
void trap_print_page_fault(const char *lead, vaddr_t addr, uint32_t err);

/* The short name of an exception vector ("#PF page fault"). */
const char *trap_name(uint32_t vector);

/* The value of ESP when the trap happened (the frame does not hold it for ring 0). */
uint32_t trap_esp(const struct trap_frame *tf);

/* Whether the trap came from user mode (ring 3). */
bool trap_from_user(const struct trap_frame *tf);

#endif
