/*
 * timer.h - the legacy interrupt controllers (8259A PICs) and the interval
 * timer (8254 PIT) that drives preemption.
 *
 * The PICs are moved to vectors 32-47 so that they do not collide with the
 * CPU's exceptions; every line is masked but the timer's.  A spurious
 * interrupt (IRQ 7 or 15) is counted and otherwise ignored.
 *
 * The PIT measures a process's time in ring 3 only, in slices: it runs as
 * a one-shot (mode 0) armed with what is left of the running slice on
 * every return to ring 3 (timer_user_leave), and read on every entry from
 * ring 3 (timer_user_enter), both called from trap.S's path.  That is the
 * boot CPU's timer; each other CPU has its local APIC's timer, a one-shot
 * used the same way, its slices as long as the PIT's (calibrated against
 * it once, timer_init_lapic).  Whatever the kernel
 * does in between, and however long it takes (a disk, the console, the
 * host's load), the timer interrupts a process after the same number of
 * its own instructions under QEMU's -icount (docs/CHOICES.md).  A tick
 * that comes when the slice is not over (the count ran out while the
 * kernel ran, and the PIC kept the edge) changes nothing.
 */
#ifndef PAGETRACK_TIMER_H
#define PAGETRACK_TIMER_H

#include "idt.h"

#define IRQ_BASE 32             /* vector of IRQ 0 */
#define TIMER_VECTOR IRQ_BASE   /* IRQ 0: the PIT */
#define LAPIC_TIMER_VECTOR 0xE0 /* an AP's local APIC timer */

/*
 * Program the PICs and the PIT for slices of 1/hz s of ring-3 time,
 * calling fn on each tick (after its EOI), of the PIT or of a local APIC.
 */
void timer_init(uint32_t hz, trap_handler_fn fn);

/*
 * Measure this CPU's local APIC timer against the PIT and make its slices
 * as long as the PIT's (timer_init first): on the boot CPU, once its local
 * APIC is mapped, before the APs take processes.  Each AP calls
 * timer_start_cpu as it starts.
 */
void timer_init_lapic(void);
void timer_start_cpu(void);

/* Start a new slice on CPU cpu (smp_self()) for the process about to run. */
void timer_new_slice(uint32_t cpu);

/* Whether CPU cpu's running slice is used up (as of its last entry from ring 3). */
bool timer_slice_over(uint32_t cpu);

/* Arm CPU cpu's timer to wake it from an idle wait a slice from now. */
void timer_idle(uint32_t cpu);

/* The calls on each entry from ring 3 and before each return to it, on CPU cpu. */
void timer_user_enter(uint32_t cpu);
void timer_user_leave(uint32_t cpu);

/* Tell the master PIC that its interrupt (the timer's, or a line of pic_enable_irq) was handled. */
void timer_eoi(void);

/*
 * Unmask line irq (1-6) of the master PIC and handle its interrupts with
 * fn, which ends each with timer_eoi() (the one EOI the master takes).
 */
void pic_enable_irq(uint32_t irq, trap_handler_fn fn);

/* Ticks since timer_init: the PIT's and every local APIC timer's together. */
uint32_t timer_ticks(void);

/* Spurious interrupts since timer_init. */
uint32_t timer_spurious(void);

/*
 * Wait us microseconds, up to PIT_DELAY_MAX_US, by the PIT's channel 2:
 * interrupts may be off, and the clock need not be calibrated.  Longer
 * waits are cut to that.
 */
#define PIT_DELAY_MAX_US 50000u
void pit_delay_us(uint32_t us);

#endif
