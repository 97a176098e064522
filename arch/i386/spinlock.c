/* spinlock.c - the big kernel lock and the ranked spinlocks (see spinlock.h). */
#include "spinlock.h"
#include "cpu.h"
#include "lib.h"
#include "smp.h"

/* the boot CPU holds the big lock from the start: kmain is kernel code */
static struct pt_lock klock = { .locked = 1, .cpu = 0, .name = "the big kernel lock",
				.rank = KLOCK_RANK };
static uint32_t waits;
static uint32_t sleepers; /* bit i: CPU i sleeps until the big lock is given back */

static bool interrupts_on(void)
{
	return read_eflags() & BIT(EFLAGS_IF_BIT);
}

void klock_boot(void)
{
	pt_lock_ranks[0] |= BIT(KLOCK_RANK);
}

uint32_t locks_held(void)
{
	return pt_lock_ranks[smp_self()];
}

void spin_lock(struct spinlock *l)
{
	ASSERT(!interrupts_on());
	pt_lock_spin(&l->l, smp_self());
}

void spin_unlock(struct spinlock *l)
{
	pt_lock_drop(&l->l, smp_self());
}

bool spin_held(const struct spinlock *l)
{
	return pt_lock_held_by(&l->l, smp_self());
}

/*
 * Wait for the big lock asleep, in hlt with interrupts on: a shootdown from
 * the holder is taken at once, and a CPU that waits costs its host nothing
 * (a spinning virtual CPU would take a host CPU from the holder).  The
 * sleeper's bit is set before its last try, and the holder reads the bits
 * after it gives the lock back, both sequentially consistent: a CPU whose
 * try failed is seen, and woken (klock_give).  Any other interrupt wakes
 * it too, to try again.
 */
static void sleep_for_klock(uint32_t me)
{
	for (;;) {
		__atomic_fetch_or(&sleepers, BIT(me), __ATOMIC_SEQ_CST);
		bool got = pt_lock_try(&klock, me);
		if (!got)
			wait_for_interrupt();
		__atomic_fetch_and(&sleepers, ~BIT(me), __ATOMIC_SEQ_CST);
		if (got || pt_lock_try(&klock, me))
			return;
	}
}

void klock_take(void)
{
	if (smp_running() == 1)
		return; /* CPU 0 holds it from the start, and alone */
	uint32_t me = smp_self();

	ASSERT(!interrupts_on());
	if (!pt_lock_try(&klock, me)) {
		__atomic_fetch_add(&waits, 1, __ATOMIC_RELAXED);
		sleep_for_klock(me);
	}
}

void klock_give(void)
{
	if (smp_running() == 1)
		return;
	pt_lock_drop(&klock, smp_self());
	uint32_t asleep = __atomic_load_n(&sleepers, __ATOMIC_SEQ_CST);
	if (asleep)
		smp_wake(asleep);
}

bool klock_held(void)
{
	return pt_lock_held_by(&klock, smp_self());
}

uint32_t klock_waits(void)
{
	return waits;
}

static struct spinlock console = SPINLOCK_INIT("the console", CONSOLE_RANK);
static uint32_t console_depth[CPU_MAX];   /* calls of the CPU holding it, nested */
static bool console_irqs_were_on[CPU_MAX];

void console_lock(void)
{
	if (!smp_numbered)
		return; /* one CPU: nobody to mix lines with */
	bool on = interrupts_on();

	cli();
	uint32_t me = smp_self();
	if (spin_held(&console)) {
		console_depth[me]++;
		return;
	}
	spin_lock(&console);
	console_depth[me] = 1;
	console_irqs_were_on[me] = on;
}

void console_unlock(void)
{
	if (!smp_numbered)
		return;
	uint32_t me = smp_self();

	if (--console_depth[me] > 0)
		return;
	bool on = console_irqs_were_on[me];
	spin_unlock(&console);
	if (on)
		sti();
}
