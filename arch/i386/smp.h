/*
 * smp.h - the CPUs: found in the MADT (acpi.h), started, and what each has
 * of its own.
 *
 * CPU 0 is the boot CPU (the BSP), and everything runs on it.  The others
 * (APs) are numbered 1, 2, ... in the MADT's order.  Each is started
 * through the trampoline (trampoline.h) with INIT and startup IPIs
 * (apic.h), turns paging on with the master table, loads a GDT and a TSS
 * of its own and the shared IDT, enables its local APIC with every local
 * interrupt masked, says so in one line, and halts with interrupts off:
 * nothing runs on an AP yet.
 *
 * struct cpu is each CPU's own data; it will grow (the process it runs, its
 * kmap windows) as the APs come to run processes.
 */
#ifndef PAGETRACK_SMP_H
#define PAGETRACK_SMP_H

#include "types.h"

#define CPU_MAX 8           /* CPUs the kernel takes; more are left halted */
#define AP_STACK_SIZE 4096  /* an AP's kernel stack: it only starts and halts, for now */

struct cpu {
	uint32_t apic_id;      /* its local APIC's, from the MADT */
	uint32_t stack;        /* its kernel stack: [stack, stack + stack_size) */
	uint32_t stack_size;
	uint32_t gdt, tss;     /* its own GDT and TSS (gdt.c) */
	volatile bool started; /* it reached the kernel and said so */
	/* what it found of itself once started: its LAPIC's ID, ESP, GDTR and TR's TSS */
	uint32_t seen_apic_id, seen_esp, seen_gdt, seen_tss;
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

#endif
