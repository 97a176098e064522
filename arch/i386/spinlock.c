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

#define NO_CPU UINT32_MAX

static bool interrupts_on(void)
{
	return read_eflags() & BIT(EFLAGS_IF_BIT);
}

/* The ranked-order check, before this CPU takes l. */
static void check_order(const struct spinlock *l, uint32_t me)
{
	if (spin_held(l))
		panic("spin_lock: %s taken twice on cpu %u", l->name, me);
	if (held_ranks[me] >> l->rank)
		panic("spin_lock: %s (rank %u) taken on cpu %u holding a lock of rank %u or above",
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
			cpu_relax();
	taken(l, me);
}

void spin_unlock(struct spinlock *l)
{
	uint32_t me = smp_self();

	ASSERT(spin_held(l));
	held_ranks[me] &= ~BIT(l->rank);
	l->cpu = NO_CPU; /* before the lock is free: a CPU that takes it next never reads us in it */
	__atomic_store_n(&l->locked, 0, __ATOMIC_RELEASE);
}

bool spin_held(const struct spinlock *l)
{
	return l->locked && l->cpu == smp_self();
}

void klock_take(void)
{
	uint32_t me = smp_self();

	ASSERT(!interrupts_on());
	check_order(&klock, me);
	if (!try_take(&klock)) {
		__atomic_fetch_add(&waits, 1, __ATOMIC_RELAXED);
		do {
			sti(); /* a shootdown may come from the holder: take it while waiting */
			while (__atomic_load_n(&klock.locked, __ATOMIC_RELAXED))
				cpu_relax();
			cli();
		} while (!try_take(&klock));
	}
	taken(&klock, me);
}

void klock_give(void)
{
	spin_unlock(&klock);
}

bool klock_held(void)
{
	return spin_held(&klock);
}

uint32_t klock_waits(void)
{
	return waits;
}
