/*
 * timer.h - the legacy interrupt controllers (8259A PICs) and the interval
 * timer (8254 PIT) that drives preemption.
 *
 * The PICs are moved to vectors 32-47 so that they do not collide with the
 * CPU's exceptions; every line is masked but the timer's.  A spurious
 * interrupt (IRQ 7 or 15) is counted and otherwise ignored.
 */
#ifndef PAGETRACK_TIMER_H
#define PAGETRACK_TIMER_H

#include "idt.h"

#define IRQ_BASE 32             /* vector of IRQ 0 */
#define TIMER_VECTOR IRQ_BASE   /* IRQ 0: the PIT */

/* Program the PICs and the PIT to tick hz times a second, calling fn on each tick. */
void timer_init(uint32_t hz, trap_handler_fn fn);

/* Tell the PIC that the timer interrupt has been handled. */
void timer_eoi(void);

/* Ticks since timer_init. */
uint32_t timer_ticks(void);

/* Spurious interrupts since timer_init. */
uint32_t timer_spurious(void);

#endif
