/*
 * spinlock.h - the locks of several CPUs, and the order they are taken in.
 *
 * The kernel runs under one big kernel lock (klock): a CPU holds it
 * whenever it runs kernel code but the paths below, and only then (with
 * one CPU, CPU 0 holds it from the start, and taking and giving it cost a
 * test); it does not hold it in ring 3, nor while it idles, nor on the
 * few instructions of a trap's entry and exit around the lock itself.  So
 * the process table and the scheduler are touched by one CPU at a time.
 * The core's calls need no such lock: they run under the core's own
 * (lock.h), and the disk under its own (DISK_RANK).
 *
 *  - A trap from ring 3 takes the lock (trap_user_enter, smp.h), but a
 *    page fault, and the return to ring 3 gives it back if it holds it
 *    (trap_user_leave).  The scheduler holds it across a switch: the
 *    process switched to gives it back on its way out to ring 3, and takes
 *    it again on its next trap.
 *  - A CPU waits for the lock with interrupts ON, asleep in hlt, and the
 *    CPU giving the lock back wakes the sleepers (WAKE_VECTOR).  The holder
 *    may be sending it a TLB shootdown (cpus.h) and waiting for the answer;
 *    a waiter that took no interrupt would wait for ever, and so would the
 *    holder.  The handlers of what may come then (the shootdown, a wake-up,
 *    a timer tick that finds the kernel interrupted) take no lock.
 *  - An interrupt from ring 3 on a CPU not holding the lock takes it like
 *    any trap; one that interrupts the kernel never does.
 *
 * Three paths run without it, on several CPUs: a page fault from ring 3
 * that needs no disk (the core's pt_vm_resolve_now: a zero fill, a new
 * table, a copy-on-write copy, a fault the tables already allow); a
 * fork's clone of the parent's space (proc.c); and the destruction of an
 * exiting process's space by its last thread.  trap_user_enter leaves the
 * big lock alone for a page fault, and the handler takes it only if the
 * fault needs more (kernel/ufault.c); trap_user_leave gives it back if
 * taken.  The other two give the lock back around the core's call.
 *
 * Every other lock is a spinlock with a rank (the core's struct pt_lock,
 * lock.h): a CPU takes locks in increasing rank only, the big lock first,
 * and every acquisition is checked (a panic names the lock).  A spinlock
 * is held with interrupts off, by code that waits for no other CPU while
 * holding it but for a shootdown's answers, which every spinner gives
 * (pt_tlb_poll); most for a few lines, a process's regions across the
 * core call that a fault or a fork's clone makes under them.  The order,
 * lowest first:
 *
 *   KLOCK_RANK       the big kernel lock  the process table, and what the
 *                                         kernel does but a fault without
 *                                         the disk, a fork's clone and an
 *                                         exit's destroy
 *   REGIONS_RANK     a process's regions  its heap, map() regions and lowest
 *                                         stack page (procdef.h), which a
 *                                         fault without the big lock reads
 *   PT_RANK_PAGER .. PT_RANK_TLB          the core's (lock.h): the pager,
 *                                         an address space, the trackers,
 *                                         the swap slots, the frames, the
 *                                         shootdown request
 *   DISK_RANK        the disk             one transfer (seam.c), which the
 *                                         core asks for holding its locks
 *   CONSOLE_RANK     the console          one kprintf call's text at a time
 *
 * A CPU may print holding the big lock, or not (an AP starting, a trap's
 * report); it may never take the big lock while it prints.
 */
#ifndef PAGETRACK_SPINLOCK_H
#define PAGETRACK_SPINLOCK_H

#include "lock.h"
#include "types.h"

enum lock_rank { KLOCK_RANK = 1, REGIONS_RANK = 2, DISK_RANK = 13, CONSOLE_RANK = 16 };
_Static_assert((int)REGIONS_RANK < (int)PT_RANK_PAGER && (int)DISK_RANK > (int)PT_RANK_TLB &&
		       (int)CONSOLE_RANK > (int)DISK_RANK,
	       "the kernel's locks are ranked around the core's");

struct spinlock {
	struct pt_lock l;
};

#define SPINLOCK_INIT(n, r) { PT_LOCK_INIT(n, r) }

/*
 * Take l, interrupts off, spinning while another CPU holds it.  Panics if
 * this CPU holds l or a lock of the same or a higher rank already.
 */
void spin_lock(struct spinlock *l);

/* Give l back (this CPU holds it). */
void spin_unlock(struct spinlock *l);

/* Whether this CPU holds l. */
bool spin_held(const struct spinlock *l);

/*
 * Take the big kernel lock, interrupts off on entry and on return, taking
 * interrupts while it waits.  Panics if this CPU holds it already.
 */
void klock_take(void);

/* Give the big kernel lock back (this CPU holds it; interrupts off). */
void klock_give(void);

/* Whether this CPU holds the big kernel lock. */
bool klock_held(void);

/* How many times a CPU found the big lock taken and waited: contention. */
uint32_t klock_waits(void);

/*
 * The console's lock, around each kprintf call (lib/printf.c in the
 * kernel's build): interrupts off while held, and taken again by the CPU
 * holding it (a panic or a trap's report inside a kprintf) without waiting.
 */
void console_lock(void);
void console_unlock(void);

/* The ranks of the locks this CPU holds: bit r for rank r. */
uint32_t locks_held(void);

/* Whether a CPU holding the ranks of `held` may take a lock of rank r: all it holds are lower. */
static inline bool lock_order_allows(uint32_t held, uint32_t r)
{
	return pt_lock_order_allows(held, r);
}

/* CPU 0 holds the big lock from the start: its rank, before anything is checked. */
void klock_boot(void);


#endif
