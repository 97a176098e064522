/*
 * kfail_cases.h - what the kfail program and the kernel's fault-injection
 * suite (tests/kernel/test_kfail.c) agree on: the cases, the statuses they end
 * with, and the test trap that marks where an operation starts and ends.
 *
 * The test trap is `int $KF_VECTOR` with ESI = one of the KF_ ops; it
 * keeps every other register, so it can sit right before and right after
 * a system call's `int $0x80`:
 *
 *   KF_ARM     the kernel suite makes an allocation of the operation that
 *              follows fail (pt_frame_fail_nth), and notes the state of the
 *              caller's address space
 *   KF_DONE    the operation is over (EAX: its result): injection ends
 *   KF_SIGNAL  count one signal (a process tells the suite it has settled),
 *              and note what the caller's address space maps
 *   KF_PEEK    EAX = the signals counted so far
 *   KF_SAME    EAX = 1 if the caller's address space maps exactly what it
 *              did at the last KF_SIGNAL (the same pages, frames and
 *              rights), else 0
 *
 * Only the kfail suite handles the vector; anywhere else the trap kills
 * the process, so kfail runs nowhere else.
 */
#ifndef PAGETRACK_KFAIL_CASES_H
#define PAGETRACK_KFAIL_CASES_H

#include "uapi.h"

#define KF_VECTOR 0x90

enum kf_op { KF_ARM = 1, KF_DONE, KF_SIGNAL, KF_PEEK, KF_SAME };

/* kfail's argument: the case to run. */
enum kf_case {
	KF_FORK = 1,     /* set up memory, fork: a failed fork leaves it all as it was */
	KF_EXEC,         /* set up memory, exec kfail KF_EXEC_LANDED: the same if it fails */
	KF_EXEC_LANDED,  /* the image KF_EXEC starts: marks KF_DONE and ends */
	KF_HEAP,         /* sbrk across a page table, then touch the new pages */
	KF_COW,          /* fork, then the child writes the pages it shares */
	KF_STRESS,       /* fork children that fault, grow, share and get killed */
	KF_WAIT,         /* wait with the status in a page shared copy-on-write */
	KF_THREAD,       /* set up memory, start a thread: a failed start leaves it all as it was */
};

/* How a case ends (wait() statuses). */
#define KF_OK 0            /* the operation succeeded and everything checked out */
#define KF_FAILED 1        /* a check failed (the program says which) */
#define KF_CLEAN 64        /* the operation failed with -SYS_ENOMEM, nothing changed */
#define KF_CHILD_OK 65     /* a forked child found its memory as it should be */
#define KF_LANDED 66       /* the image exec started ran */
#define KF_CHILD_NOMEM 67  /* the child was killed for memory, the parent is intact */
#define KF_UNKNOWN 200     /* no such case */
#define KF_KILLED_NOMEM (KILLED_BIT | KILL_NOMEM)
#define KF_KILLED_FAULT (KILLED_BIT | KILL_FAULT)

/*
 * KF_STRESS: a root forks KF_STRESS_CHILDREN children, each doing job
 * (i % KF_STRESS_JOBS), and checks how each ended; it ends with KF_OK.
 */
#define KF_STRESS_CHILDREN 9
enum kf_stress_job {
	KF_JOB_COW,       /* write the shared heap, check its own copy: exits KF_CHILD_OK */
	KF_JOB_GROW,      /* grow the heap and stack, check the new pages: exits KF_CHILD_OK */
	KF_JOB_NULL,      /* write to NULL: killed, KF_KILLED_FAULT */
	KF_JOB_READONLY,  /* write to its code: killed, KF_KILLED_FAULT */
	KF_JOB_READ,      /* only read the shared heap: exits KF_CHILD_OK */
	KF_STRESS_JOBS
};

#endif
