/*
 * cpus.h - the CPUs the core serves.
 *
 * A kernel on one CPU calls nothing here: the core then assumes one CPU,
 * CPU 0, and no invalidation ever leaves it.  A kernel with several CPUs
 * tells the core, once paging is on, how many there are, how to ask which
 * one runs a call, and how to interrupt others (pt_smp_init).  From then on:
 *
 *  - each CPU has its own live address space (the block its CR3 holds),
 *    recorded by pt_vm_activate on that CPU (tracker.h);
 *  - a change that removes or narrows a translation of a space live on
 *    other CPUs interrupts exactly those CPUs and returns only when each
 *    has invalidated it (a TLB shootdown, tlb.h); a space live nowhere else
 *    costs no interrupt;
 *  - a block that moves (relocation, shrink) while live on other CPUs gets
 *    each of them onto its new run (CR3 loaded) before the old run is
 *    freed; a block live on any CPU is never paged out nor destroyed.
 *
 * The kernel's interrupt handler for the shootdown vector calls
 * pt_tlb_ipi() (tlb.h) and nothing else of the core.  The core's calls
 * may then run on several CPUs at once, under the core's own locks
 * (lock.h).  A CPU that waits for a lock of the kernel's must keep taking
 * the shootdown interrupt while it waits, or a CPU inside the core waits
 * for it for ever; one spinning on a lock of the core's answers
 * shootdowns itself.
 */
#ifndef PAGETRACK_CPUS_H
#define PAGETRACK_CPUS_H

#include "types.h"

#define PT_MAX_CPUS 8

struct pt_smp_ops {
	uint32_t (*cpu_id)(void);        /* the CPU running the caller: 0 .. ncpus - 1 */
	void (*send_ipi)(uint32_t cpus); /* interrupt each CPU of the mask (never the caller) */
};

/*
 * Serve ncpus CPUs (1 .. PT_MAX_CPUS), numbered by ops->cpu_id; the CPU
 * that ran pt_paging_init is CPU 0.  pt_smp_init(1, NULL) returns to one
 * CPU, once no other CPU has an address space live.  Returns 0, or -E_INVAL
 * (a count out of range, ops missing for more than one CPU) or -E_BUSY (an
 * address space still live on a CPU that would go), changing nothing.
 */
int pt_smp_init(uint32_t ncpus, const struct pt_smp_ops *ops);

/* The CPUs served (1 until pt_smp_init says otherwise); read inline on every table change. */
extern uint32_t pt_ncpus;

/*
 * Whether the core serves one CPU.  Inline, and the case gcc is told to lay
 * the hot paths out for: on one CPU each of them then pays one compare for
 * the others, and no call.
 */
static inline bool pt_one_cpu(void)
{
	return __builtin_expect(pt_ncpus == 1, 1);
}

/* The CPU running the caller: 0 on one CPU. */
uint32_t pt_cpu_self(void);

/* Interrupt the CPUs of the mask (pt_smp_init's send_ipi): tlb.c's only way to reach them. */
void pt_cpu_send_ipi(uint32_t cpus);

/*
 * A spin's body, while the sender of a shootdown waits for its answers:
 * `pause` (rep; nop), which lets another hardware thread run and makes
 * QEMU run its next virtual CPU, so that the targets get to answer; a CPU
 * older than the Pentium 4 takes it for a nop.
 */
static inline void pt_cpu_relax(void)
{
#if defined(__i386__) || defined(__x86_64__)
	__asm__ volatile("pause" : : : "memory");
#endif
}

#endif
