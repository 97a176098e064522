/*
 * smp.h - the CPUs: found in the MADT (acpi.h), started, and what each has
 * of its own.
 *
 * CPU 0 is the boot CPU (the BSP), which runs the kernel's own context
 * (kmain).  The others (APs) are numbered 1, 2, ... in the MADT's order.
 * Each is started through the trampoline (trampoline.h) with INIT and
 * startup IPIs (apic.h), turns paging on with the master table, loads a
 * GDT and a TSS of its own and the shared IDT, enables its local APIC and
 * its timer, says so in one line, and waits for work: a function the boot
 * CPU gives it (smp_call), or processes to run (smp_set_ap_work: the
 * scheduler's loop, proc.c).
 *
 * Once the APs have started, the core is told of them (pt_smp_init): its
 * TLB shootdowns reach a CPU through SHOOTDOWN_VECTOR, whose handler runs
 * pt_tlb_ipi and takes no lock (spinlock.h says why).
 *
 * struct cpu is each CPU's own data.  What the scheduler keeps per CPU (the
 * process it runs, its scheduler stack) is proc.c's, indexed by
 * smp_self(); the core keeps its own (live block, kmap windows).
 */
#ifndef PAGETRACK_SMP_H
#define PAGETRACK_SMP_H

#include "apic.h"
#include "types.h"

#define CPU_MAX 8           /* CPUs the kernel takes; more are left halted */
#define AP_STACK_SIZE 8192  /* an AP's own stack: its scheduler's (a process has its own) */

/* Interrupts between CPUs, at the top of the vectors: the handlers take no lock. */
#define SHOOTDOWN_VECTOR 0xF0 /* invalidate what the core asks (pt_tlb_ipi) */
#define WAKE_VECTOR 0xF1      /* only wakes a CPU from hlt */
#define LOCKLESS_VECTORS 0xF0 /* this vector and those above take no lock, not even from ring 3 */

struct cpu {
	uint32_t apic_id;      /* its local APIC's, from the MADT */
	uint32_t stack;        /* its kernel stack: [stack, stack + stack_size) */
	uint32_t stack_size;
	uint32_t gdt, tss;     /* its own GDT and TSS (gdt.c) */
	volatile bool started; /* it reached the kernel and said so */
	/* what it found of itself once started: its LAPIC's ID, ESP, GDTR and TR's TSS */
	uint32_t seen_apic_id, seen_esp, seen_gdt, seen_tss;
	void (*volatile call)(void *); /* smp_call's function for it, until done */
	void *call_arg;
};

/*
 * Read the MADT, while paging is still off (acpi.h says why), and print
 * what it lists in one line, or why there is none: then the kernel runs on
 * the boot CPU alone.  Call once.
 */
void smp_find(void);

/*
 * Start every AP smp_find found, up to CPU_MAX, one at a time, each
 * printing "cpu N: started (apic id A)", and stopping at the first that
 * does not; then print the line "smp: N cpus (MADT), M started", with the
 * reason when some were not.
 * Paging must be on, before any process runs (CR3 holds the master table,
 * which the APs load), and the page at TRAMPOLINE_PA must be free RAM
 * (trampoline_free: the memory map says so); interrupts off.  Call once.
 */
void smp_start(bool trampoline_free);

/* CPUs the MADT lists (1 without a MADT), and whether there was one. */
uint32_t smp_cpus_found(void);
bool smp_have_madt(void);

/* CPUs with an entry: those found, up to CPU_MAX; the boot CPU is 0. */
uint32_t smp_cpus(void);

/* CPU i's entry (i < smp_cpus()). */
const struct cpu *smp_cpu(uint32_t i);

/* Read inline on every trap: smp.c's, through the two calls below. */
extern uint32_t smp_nrunning;       /* CPUs that run */
extern bool smp_numbered;           /* smp_self reads the local APIC's ID */
extern uint8_t smp_apic_index[256]; /* a local APIC ID's CPU number */

/* CPUs that run: the boot CPU and the APs that started (1 before smp_start). */
static inline uint32_t smp_running(void)
{
	return smp_nrunning;
}

/* The CPU running the caller, 0 .. smp_running() - 1: 0 until the APs start. */
static inline uint32_t smp_self(void)
{
	return __builtin_expect(smp_numbered, 0) ? smp_apic_index[lapic_id() & 0xFF] : 0;
}

/*
 * What an AP does when it has nothing else to do: fn(cpu), called with
 * interrupts off and no lock held, returns when it has nothing more to do
 * for now (having armed its timer if it wants to be woken to look again);
 * the AP then sleeps until an interrupt.  Set once, before the APs have
 * work (smp_wake).
 */
void smp_set_ap_work(void (*fn)(uint32_t cpu));

/* Wake the CPUs of the mask (bit i: CPU i) from their sleep, to look for work. */
void smp_wake(uint32_t cpus);

/*
 * Have AP cpu run fn(arg) now, interrupts on, outside the big kernel lock,
 * and return at once.  The caller and fn share the core only by taking
 * turns (the caller waits, or fn waits for it, or fn takes the big lock).
 * For the tests and benchmarks of several CPUs.  Returns -E_INVAL if cpu
 * is not a running AP or has a call already.
 */
int smp_call(uint32_t cpu, void (*fn)(void *), void *arg);

/*
 * Return when AP cpu's call has returned.  Interrupts off on entry and on
 * return; while it waits, the big lock (if the caller holds it) is given
 * back and interrupts are on: the AP may be waiting for the lock before it
 * sees its call, and fn may shoot down a translation the caller's CPU has.
 */
void smp_call_wait(uint32_t cpu);

struct trap_frame;
/*
 * trap.S's calls on every trap from ring 3, before its handler, and on
 * every return to ring 3: the CPU's timer (timer.h), and the big kernel
 * lock taken and given back (spinlock.h), but for LOCKLESS_VECTORS and a
 * page fault, whose handler takes it only if it needs it.
 */
void trap_user_enter(struct trap_frame *tf);
void trap_user_leave(struct trap_frame *tf);

#endif
