/*
 * lock.h - the core's locks, and the one order in which a CPU takes locks.
 *
 * On one CPU (cpus.h) every lock here costs one compare and takes
 * nothing.  With several, the core's calls may run on every CPU at once:
 * calls on different address spaces run side by side, calls on one space
 * one after another, each under that space's lock.  What spaces share has
 * locks of its own, which a call takes where it touches it.  In rank
 * order, lowest first:
 *
 *   PT_RANK_PAGER    the pager's clock (pager.c): pt_pager_reclaim, for its
 *                    duration; it takes each space's lock as it visits it.
 *   PT_RANK_SPACE    an address space: its block, tables and tracker
 *                    entry.  Taken by every pt_vm_ call on a space, for its
 *                    duration (pt_vm_clone: the parent's; the child is
 *                    nobody's until it is made, tracker.h), and by the
 *                    pager's calls on one.  Striped: space as has lock
 *                    as % PT_SPACE_LOCKS, so two spaces may share one, and
 *                    no call holds two.  What reads across every space, or
 *                    uses the one bounce page, takes them all at once and
 *                    stops every space (pt_lock_all_spaces): pt_vm_check,
 *                    and pt_vm_destroy of a space whose block is out (a
 *                    table that cannot be read has every slot counted
 *                    again).
 *   PT_RANK_TRACKERS the tracker pages: their directory and counts, each
 *                    claim and release (tracker.c), pt_trk_next.
 *   PT_RANK_FRAMES   the frame allocator (frame.c): the free frames and
 *                    counts, and each frame's own references, pins, kept
 *                    slot and flags, which spaces under different locks
 *                    share copy-on-write.
 *   PT_RANK_SLOTS    the swap slots: the map, every slot's references, the
 *                    counts (swap.c); taken inside the frame lock when an
 *                    entry takes a reference to a frame's kept slot
 *                    (pt_frame_ref_copy), so that the slot cannot go
 *                    between.  Not held across a transfer: the kernel's
 *                    disk hooks (seam.h) may be called from several CPUs
 *                    at once, and serialise the disk.
 *   PT_RANK_TLB      the one shootdown request in flight (tlb.c): a sender
 *                    holds it until every CPU it interrupted has answered.
 *
 * Counters several CPUs share are atomic there (pt_count).
 *
 * pt_vm_resolve_now (vmspace.h) only tries its space's lock, and does not
 * read the disk: a page fault that may not wait long waits for no call
 * that holds the lock across a disk transfer; it still takes the shared
 * locks above, and may wait for a shootdown's answers.  -E_AGAIN says the
 * caller must make the fault with pt_vm_resolve, which may wait.
 *
 * Every lock has a rank, and a CPU takes locks in increasing rank only;
 * each acquisition checks it, and a lock taken twice or out of order is a
 * panic that names it.  The kernel's own locks share the ranks and the
 * check (pt_lock_spin): ranks below PT_RANK_PAGER are for locks a kernel
 * holds while it calls the core, ranks above PT_RANK_TLB for locks it
 * takes inside the core's calls (its disk) or with none held (its
 * console).
 *
 * A CPU spinning on any lock keeps answering shootdowns (pt_tlb_poll):
 * the holder may be waiting for this very CPU to invalidate, and a spinner
 * runs with interrupts off.
 */
#ifndef PAGETRACK_LOCK_H
#define PAGETRACK_LOCK_H

#include "cpus.h"
#include "types.h"

enum pt_rank {
	PT_RANK_PAGER = 7,
	PT_RANK_SPACE = 8,
	PT_RANK_TRACKERS = 9,
	PT_RANK_FRAMES = 10,
	PT_RANK_SLOTS = 11,
	PT_RANK_TLB = 12,
};

#define PT_SPACE_LOCKS 64 /* stripes of the address-space locks */

struct pt_lock {
	volatile uint32_t locked;
	uint32_t cpu;     /* its holder, while locked */
	const char *name; /* for a panic */
	uint32_t rank;
};

#define PT_LOCK_INIT(n, r) { .locked = 0, .cpu = UINT32_MAX, .name = (n), .rank = (r) }

/* The ranks each CPU holds: bit r for a lock of rank r (the kernel's locks too). */
extern uint32_t pt_lock_ranks[PT_MAX_CPUS];

/*
 * Take l on CPU me (the caller's number), spinning while another CPU
 * holds it and answering shootdowns meanwhile.  Panics if me holds l, or
 * a lock of l's rank or above.  For the kernel's locks, whatever the
 * number of CPUs the core serves.
 */
void pt_lock_spin(struct pt_lock *l, uint32_t me);

/* Give l back on CPU me, which holds it. */
void pt_lock_drop(struct pt_lock *l, uint32_t me);

/* Take l once, without spinning: whether it was free.  Checks the order as pt_lock_spin. */
bool pt_lock_try(struct pt_lock *l, uint32_t me);

/* Whether CPU me holds l. */
static inline bool pt_lock_held_by(const struct pt_lock *l, uint32_t me)
{
	return l->locked && l->cpu == me;
}

/* Whether a CPU holding the ranks of `held` may take a lock of rank r: all it holds are lower. */
static inline bool pt_lock_order_allows(uint32_t held, uint32_t r)
{
	return (held >> r) == 0;
}

/* The core's own: nothing on one CPU, pt_lock_spin and pt_lock_drop on the caller's CPU else. */
static inline void pt_lock_take(struct pt_lock *l)
{
	if (!pt_one_cpu())
		pt_lock_spin(l, pt_cpu_self());
}

static inline void pt_lock_give(struct pt_lock *l)
{
	if (!pt_one_cpu())
		pt_lock_drop(l, pt_cpu_self());
}

/* Whether the caller holds l: always, on one CPU. */
static inline bool pt_lock_held(const struct pt_lock *l)
{
	return pt_one_cpu() || pt_lock_held_by(l, pt_cpu_self());
}

extern struct pt_lock pt_space_locks[PT_SPACE_LOCKS];

/* The lock of address space as (a stripe: see PT_RANK_SPACE). */
static inline struct pt_lock *pt_space_lock(int as)
{
	return &pt_space_locks[(uint32_t)as % PT_SPACE_LOCKS];
}

/* pt_lock_space and pt_unlock_space with several CPUs, out of line: one CPU computes no stripe. */
void pt_lock_space_cpus(int as);
void pt_unlock_space_cpus(int as);

/* Take and give address space as's lock. */
static inline void pt_lock_space(int as)
{
	if (!pt_one_cpu())
		pt_lock_space_cpus(as);
}

static inline void pt_unlock_space(int as)
{
	if (!pt_one_cpu())
		pt_unlock_space_cpus(as);
}

/* pt_lock_all_spaces and pt_unlock_all_spaces with several CPUs. */
void pt_lock_all_spaces_cpus(void);
void pt_unlock_all_spaces_cpus(void);

/*
 * Take every space's lock, and give them back: every space stopped, for
 * what reads across all of them (pt_vm_check, a recount of the slots'
 * references) or uses the one bounce page.  In place of one space's lock.
 */
static inline void pt_lock_all_spaces(void)
{
	if (!pt_one_cpu())
		pt_lock_all_spaces_cpus();
}

static inline void pt_unlock_all_spaces(void)
{
	if (!pt_one_cpu())
		pt_unlock_all_spaces_cpus();
}

/*
 * Add n to a counter that calls on several CPUs at once may share: a
 * plain addition on one CPU, an atomic one else.
 */
static inline void pt_count_add(uint32_t *c, uint32_t n)
{
	if (pt_one_cpu())
		*c += n;
	else
		__atomic_add_fetch(c, n, __ATOMIC_RELAXED);
}

static inline void pt_count(uint32_t *c) { pt_count_add(c, 1); }

/* Raise a peak that several CPUs may raise at once to v, if it is lower. */
static inline void pt_count_peak(uint32_t *peak, uint32_t v)
{
	uint32_t was = __atomic_load_n(peak, __ATOMIC_RELAXED);

	if (pt_one_cpu()) {
		*peak = MAX(was, v);
		return;
	}
	while (was < v && !__atomic_compare_exchange_n(peak, &was, v, true, __ATOMIC_RELAXED,
						       __ATOMIC_RELAXED))
		;
}

#endif
