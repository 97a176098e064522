/* lock.c - the core's spinlocks and the rank check every lock shares (see lock.h). */
#include "lock.h"
#include "lib.h"
#include "tlb.h"

uint32_t pt_lock_ranks[PT_MAX_CPUS];

struct pt_lock pt_space_locks[PT_SPACE_LOCKS] = {
	[0 ... PT_SPACE_LOCKS - 1] = PT_LOCK_INIT("an address space", PT_RANK_SPACE),
};

/* The rank check, before CPU me takes l. */
static void check_order(const struct pt_lock *l, uint32_t me)
{
	if (pt_lock_held_by(l, me))
		panic("lock: %s taken twice on cpu %u", l->name, me);
	if (!pt_lock_order_allows(pt_lock_ranks[me], l->rank))
		panic("lock: %s (rank %u) taken on cpu %u holding a lock of rank %u or above",
		      l->name, l->rank, me, l->rank);
}

static bool try_take(struct pt_lock *l)
{
	return __atomic_exchange_n(&l->locked, 1, __ATOMIC_ACQUIRE) == 0;
}

/* Spin until l is ours, answering shootdowns meanwhile. */
static void spin(struct pt_lock *l)
{
	while (!try_take(l))
		while (__atomic_load_n(&l->locked, __ATOMIC_RELAXED)) {
			pt_tlb_poll(); /* the holder may be waiting for this CPU */
			pt_cpu_relax();
		}
}

static void taken(struct pt_lock *l, uint32_t me)
{
	l->cpu = me;
	pt_lock_ranks[me] |= BIT(l->rank);
}

void pt_lock_spin(struct pt_lock *l, uint32_t me)
{
	check_order(l, me);
	spin(l);
	taken(l, me);
}

bool pt_lock_try(struct pt_lock *l, uint32_t me)
{
	check_order(l, me);
	if (!try_take(l))
		return false;
	taken(l, me);
	return true;
}

void pt_lock_drop(struct pt_lock *l, uint32_t me)
{
	if (!pt_lock_held_by(l, me))
		panic("lock: %s given back on cpu %u, which does not hold it", l->name, me);
	pt_lock_ranks[me] &= ~BIT(l->rank);
	l->cpu = UINT32_MAX; /* before the lock is free: the next holder never reads us in it */
	__atomic_store_n(&l->locked, 0, __ATOMIC_SEQ_CST);
}

void pt_lock_space_cpus(int as)
{
	pt_lock_spin(pt_space_lock(as), pt_cpu_self());
}

void pt_unlock_space_cpus(int as)
{
	pt_lock_drop(pt_space_lock(as), pt_cpu_self());
}

/*
 * Every stripe, in index order: a CPU holding one never waits for
 * another, so this order is every taker's.  Their one rank, once.
 */
void pt_lock_all_spaces_cpus(void)
{
	uint32_t me = pt_cpu_self();

	check_order(&pt_space_locks[0], me);
	for (uint32_t i = 0; i < PT_SPACE_LOCKS; i++) {
		spin(&pt_space_locks[i]);
		pt_space_locks[i].cpu = me;
	}
	pt_lock_ranks[me] |= BIT(PT_RANK_SPACE);
}

void pt_unlock_all_spaces_cpus(void)
{
	uint32_t me = pt_cpu_self();

	pt_lock_ranks[me] &= ~BIT(PT_RANK_SPACE);
	for (uint32_t i = 0; i < PT_SPACE_LOCKS; i++) {
		pt_space_locks[i].cpu = UINT32_MAX;
		__atomic_store_n(&pt_space_locks[i].locked, 0, __ATOMIC_SEQ_CST);
	}
}
