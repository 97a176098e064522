/*
 * proc.h - user processes: each runs in ring 3 in an address space of its
 * own, named by the tracker index of its page-table block ("keep a link to
 * the page table in the process structure") - never by a pointer, since
 * the block moves when it grows.  A process may have several threads
 * (SYS_THREAD, uapi.h), each scheduled on its own, all in its one space;
 * a thread's tid is a pid number (proc_terminate takes it as naming the
 * thread's process; proc_reap, which collects processes, refuses it).
 *
 * The kernel itself never runs with interrupts on: traps and system calls
 * enter with interrupts off and leave by iret, and the timer preempts only
 * code running in ring 3.  proc_run() is the scheduler: it runs processes
 * round-robin, switching kernel stacks and CR3, until none is left that
 * can run.  On several CPUs (proc_set_cpus) each runs the same scheduler
 * on the one process table, under the big kernel lock (spinlock.h): a
 * process runs on one CPU at a time, and on whichever picks it next.
 */
#ifndef PAGETRACK_PROC_H
#define PAGETRACK_PROC_H

#include "types.h"

#define NPROC 128         /* processes at once */
#define PROC_NAME_MAX 16 /* a program name's bytes, the NUL included */

/*
 * Set up the process table, the handling of faults and traps from ring 3,
 * and the timer.  The system calls are opened apart (syscall_init).
 */
void proc_init(void);

/*
 * Start the embedded program `name` in a new process whose parent is the
 * kernel, with `arg` as the argument of its main.  Returns its pid, or
 * -SYS_ENOENT (no such program), -SYS_ENOMEM, -SYS_EINVAL (a bad ELF image;
 * the reason is printed).
 */
int proc_spawn(const char *name, int arg);

/*
 * Run processes until none can run (all have ended, or wait for ever).
 * Returns the number of processes still blocked: 0 unless there is a bug.
 */
int proc_run(void);

/*
 * Run processes on the first n CPUs (1 .. smp_running()) in the next
 * proc_run calls: 1 (the boot CPU alone) until this is called.  Out of
 * range, the nearest.  proc_cpus says how many.
 */
void proc_set_cpus(uint32_t n);
uint32_t proc_cpus(void);

/*
 * Run one process for one turn (until it yields, blocks, ends or its slice
 * is over), the next in round-robin order.  Returns false if none could run.
 * For the kernel monitor, which lets processes run while it waits.
 */
bool proc_step(void);

/*
 * End process pid from the kernel's own context (between proc_step
 * calls), as if killed: its wait() status is KILLED_BIT | KILL_ORDER, and
 * its memory is given back at once.  Returns 0, or -SYS_ENOENT if no
 * process pid exists or it has ended already.
 */
int proc_terminate(int pid);

/* What the monitor's ps shows of a process. */
struct proc_info {
	int pid;           /* a thread's tid */
	int group;         /* the pid of the process it is a thread of (pid: its leader) */
	int parent;        /* pid; 0: the kernel started it; -1: its parent has ended */
	int as;            /* its address space (tracker index); -1 once it has ended */
	uint32_t brk;      /* the end of its heap */
	const char *state; /* "runnable", "running", "waiting", "ended", ... */
	char name[PROC_NAME_MAX + 8];
};

/* Fill out[0..max) with the threads that exist, in table order; returns how many. */
int proc_list(struct proc_info *out, int max);

/*
 * Collect a process started with proc_spawn that has ended: 0 and its
 * wait() status in *status, or -SYS_ECHILD if it is not an ended child of
 * the kernel.
 */
int proc_reap(int pid, int *status);

struct proc_stats {
	uint32_t processes; /* created: spawned, forked */
	uint32_t threads;   /* created by SYS_THREAD (a process's first thread not counted) */
	uint32_t forks;
	uint32_t execs;
	uint32_t exits;     /* processes ended by exit() (of their leader) */
	uint32_t killed;    /* processes ended by the kernel */
	uint32_t live;      /* threads existing now, zombies included */
	uint32_t switches;  /* context switches */
	uint32_t preemptions;
	uint32_t stack_growths; /* stack pages touched below the lowest one before */
	uint32_t faults_unlocked; /* page faults resolved without the big lock (spinlock.h) */
	uint32_t clones_unlocked; /* forks whose clone ran without the big lock */
	uint32_t destroys_unlocked; /* exits whose space went without the big lock */
};

/* The page faults CPU cpu resolved without the big lock, since boot. */
uint32_t proc_faults_unlocked_on(uint32_t cpu);

void proc_get_stats(struct proc_stats *s);

/*
 * From now on, make every page fault from ring 3 read a page of the swap
 * disk first, waiting for it as paging to the disk will (noise=disk): the
 * kernel's time then depends on the host, and the demo's summaries must
 * not change for it (the timer counts a process's own time only).  Returns
 * 0, -E_NOENT without a disk, or -E_NOMEM.
 */
int proc_set_disk_noise(void);

/* Print lines of kill reports ("killed: ...") on the console (default on). */
void proc_set_verbose(bool on);

#endif
