/* spinlock.c - the big kernel lock and the ranked spinlocks (see spinlock.h). */
#include "spinlock.h"
#include "cpu.h"
#include "lib.h"
#include "smp.h"

/* the boot CPU holds the big lock from the start: kmain is kernel code */
static struct spinlock klock = { .locked = 1, .cpu = 0, .name = "the big kernel lock",
				 .rank = KLOCK_RANK };
static uint32_t held_ranks[CPU_MAX] = { BIT(KLOCK_RANK) }; /* bit r: it holds a lock of rank r */
static uint32_t waits;
static uint32_t sleepers; /* bit i: CPU i sleeps until the big lock is given back */

#define NO_CPU UINT32_MAX

static bool interrupts_on(void)
{
	return read_eflags() & BIT(EFLAGS_IF_BIT);
}

uint32_t locks_held(void)
{
	return held_ranks[smp_self()];
}

bool lock_order_allows(uint32_t held, enum lock_rank r)
{
	return (held >> r) == 0;
}

/* The ranked-order check, before this CPU takes l. */
static void check_order(const struct spinlock *l, uint32_t me)
{
	if (spin_held(l))
		panic("check_order: %s taken twice on cpu %u", l->name, me);
	if (!lock_order_allows(held_ranks[me], l->rank))
		panic("check_order: %s (rank %u) taken on cpu %u holding a lock of rank %u or above",
		      l->name, l->rank, me, l->rank);
}

static bool try_take(struct spinlock *l)
{
	return __atomic_exchange_n(&l->locked, 1, __ATOMIC_ACQUIRE) == 0;
}

static void taken(struct spinlock *l, uint32_t me)
{
	l->cpu = me;
	held_ranks[me] |= BIT(l->rank);
}

void spin_lock(struct spinlock *l)
{
	uint32_t me = smp_self();

	ASSERT(!interrupts_on());
	check_order(l, me);
	while (!try_take(l))
		while (__atomic_load_n(&l->locked, __ATOMIC_RELAXED))
			pt_cpu_relax();
	taken(l, me);
}

void spin_unlock(struct spinlock *l)
{
	uint32_t me = smp_self();

	ASSERT(spin_held(l));
	held_ranks[me] &= ~BIT(l->rank);
	l->cpu = NO_CPU; /* before the lock is free: a CPU that takes it next never reads us in it */
	__atomic_store_n(&l->locked, 0, __ATOMIC_SEQ_CST); /* before klock_give reads the sleepers */
}

bool spin_held(const struct spinlock *l)
{
	return l->locked && l->cpu == smp_self();
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
		bool got = try_take(&klock);
		if (!got)
			wait_for_interrupt();
		__atomic_fetch_and(&sleepers, ~BIT(me), __ATOMIC_SEQ_CST);
		if (got || try_take(&klock))
			return;
	}
}

void klock_take(void)
{
	if (smp_running() == 1)
		return; /* CPU 0 holds it from the start, and alone */
	uint32_t me = smp_self();

	ASSERT(!interrupts_on());
	check_order(&klock, me);
	if (!try_take(&klock)) {
		__atomic_fetch_add(&waits, 1, __ATOMIC_RELAXED);
		sleep_for_klock(me);
	}
	taken(&klock, me);
}

void klock_give(void)
{
	if (smp_running() == 1)
		return;
	spin_unlock(&klock);
	uint32_t asleep = __atomic_load_n(&sleepers, __ATOMIC_SEQ_CST);
	if (asleep)
		smp_wake(asleep);
}

bool klock_held(void)
{
	return spin_held(&klock);
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
