/*
 * procdef.h - the process structure and what the process modules share
 * (syscall.c: system calls; proc.c: lifecycle and scheduling; ufault.c:
 * user memory and faults).  Not for use outside them.
 *
 * Each module calls only those below it, never back up:
 *
 *   main.c --> syscall.c   decodes int $0x80, calls down    (syscall_init by main.c)
 *      |          |
 *      |          v
 *      +----> proc.c       processes: table, scheduler, fork, exec, exit, wait;
 *                 |        takes the page faults from ring 3 and decides on kills
 *                 v
 *             ufault.c     user memory: regions, fault resolution, checked copies;
 *                 |        returns 0, -SYS_Exxx or a fault_outcome, kills nobody
 *                 v
 *   core (vmspace, frame, kmap) and arch/i386 (idt, cpu, timer, gdt)
 *
 * The upward ways are registered handlers, not calls: the trap vectors
 * (idt.h), the page-fault handler's user hook (pagefault.h).
 */
#ifndef PAGETRACK_PROCDEF_H
#define PAGETRACK_PROCDEF_H

#include "cpu.h"
#include "idt.h"
#include "proc.h"
#include "smp.h"
#include "spinlock.h"

#define KSTACK_PAGES 2
#define FORK_MARK "fork of " /* before the program's name in a forked process's */
#define MAX_MAPS 16

/*
 * P_ENDING: a process's leader that has ended while other threads of it
 * live; it keeps the process's memory and status until the last ends, and
 * is then a P_ZOMBIE for its parent's wait().
 */
enum proc_state { P_FREE, P_NEW, P_RUNNABLE, P_RUNNING, P_WAITING, P_SLEEPING, P_ZOMBIE,
		  P_ENDING };

/* A range of anonymous, demand-zero memory made by map(). */
struct region {
	vaddr_t start, end; /* page aligned; end == 0: the slot is free */
	uint32_t flags;     /* VM_USER | VM_WRITE? */
};

#define PARENT_KERNEL 0   /* started by proc_spawn: the kernel reaps it */
#define PARENT_NONE (-1)  /* its parent has ended: nobody waits for it */
#define PARENT_THREAD (-2) /* a thread other than the leader: its process's threads join it */

/*
 * A struct proc is one thread: its kernel stack, registers and state.  A
 * process is the threads of one leader (`group`, which is the thread
 * itself for a process's first thread): the leader's struct holds what
 * belongs to the process - its pid, parent, memory bookkeeping (heap,
 * stack_low, maps), the count of its threads alive - and lives, as
 * P_ENDING, until the last of them has ended.  Each thread keeps a copy of
 * `as` (the same tracker index) and of the name.
 */
struct proc {
	enum proc_state state;
	int pid;
	int parent;               /* pid, PARENT_KERNEL or PARENT_NONE */
	char name[PROC_NAME_MAX + sizeof(FORK_MARK) - 1]; /* the program, or FORK_MARK and it */
	int as;                   /* its address space: a tracker index */
	struct proc *group;       /* its process's leader: itself for the leader */
	int threads;              /* the leader: threads of the process not ended, it included */
	int pinned;               /* the one CPU it runs on (proc_pin), or -1: any */
	paddr_t kstack;           /* KSTACK_PAGES kernel-zone frames */
	uint32_t esp;             /* saved kernel stack pointer while switched out */
	vaddr_t heap_start, brk;  /* the leader: the heap, [heap_start, brk) */
	vaddr_t stack_low;        /* the leader: the lowest stack page touched so far */
	struct region maps[MAX_MAPS]; /* the leader: its process's map() regions */
	struct spinlock regions;  /* the leader: around changes to the heap, maps and stack_low */
	int status;               /* wait() status once it has ended */
	uint32_t wake_at;         /* P_SLEEPING: the scheduler's turn it wakes at */
	uint32_t last_ran;        /* the scheduler's turn it last ran in (idle the longest: lowest) */
	int doomed;               /* a KILL_xxx cause: it ends at its next entry to the kernel */
	bool lost_page;           /* a page of its could not be read from swap, */
	vaddr_t lost_va;          /* this one (ufault.c notes it; the caller ends it) */
	struct fpu_state fpu;     /* its x87/MMX registers while another runs */
};

/* ---- proc.c, for syscall.c ----------------------------------------------- */

/* The process each CPU runs, or NULL in its own context (its scheduler's, or kmain's). */
extern struct proc *running_on[CPU_MAX];

/* The process running now on this CPU, or NULL in the kernel's own context. */
#define current (running_on[smp_self()])

/* The pid of the process thread p belongs to (its leader's). */
static inline int proc_pid(const struct proc *p)
{
	return p->group->pid;
}

/* The trap frame of a process's last entry from ring 3 (at its kernel stack's top). */
struct trap_frame *proc_frame(const struct proc *p);

/*
 * End the current thread with status `status` (SYS_EXIT); never returns.
 * The leader's end ends its whole process: the other threads end at their
 * next entry to the kernel.
 */
_Noreturn void proc_exit(int status);

/*
 * End the current thread's whole process, killed: status is KILLED_BIT |
 * a KILL_xxx cause, which its parent's wait() gets; the other threads end
 * at their next entry to the kernel.  The "killed:" line is the caller's.
 */
_Noreturn void proc_kill_process(int status);

/* Give the CPU to the scheduler; returns when this process runs again. */
void proc_yield(void);

/*
 * Make room after an allocation for process `need` (NULL: the kernel's
 * own) failed for lack of memory: reclaim user frames, page out a process
 * that does not run, or, when no user frame is left (RAM and swap full),
 * end the process holding the most memory (the "killed: ... out of memory
 * and swap" line).  Returns 0 when something
 * was freed (try again), or -E_NOMEM: nothing could be, or `need` itself
 * was chosen (then need->doomed is set: it ends on its way back to ring 3).
 */
int proc_make_room(struct proc *need);

/* If the current thread is doomed, end it (the reason was printed); else return. */
void proc_end_if_doomed(void);

/* System calls of proc.c. */
int proc_sleep(uint32_t turns);
int proc_fork(void);
int proc_wait(vaddr_t status_ptr);
int proc_exec(vaddr_t name_ptr, int arg);
int proc_thread(vaddr_t entry, vaddr_t esp);
int proc_join(int tid, vaddr_t status_ptr);
/*
 * Run the current thread on CPU cpu alone from now on (-1: on any), moving
 * there at once: 0, or -SYS_EINVAL if cpu is not one of the CPUs processes
 * run on now (proc_set_cpus).  A fork's child, and a new thread, run on any.
 */
int proc_pin(int cpu);

/* ---- ufault.c, for proc.c and syscall.c ---------------------------------- */

/* Make the user page at va usable for an access (write or not). */
int user_page_ready(struct proc *p, vaddr_t va, bool write);
/* The same for every page of [va, va + len): 0 or the first error, -SYS_EFAULT if it wraps. */
int user_range_ready(struct proc *p, vaddr_t va, uint32_t len, bool write);

/* How a page fault from ring 3 came out. */
struct fault_outcome {
	int kill;        /* 0: resolved, the process goes on; else its KILL_xxx cause (uapi.h) */
	const char *why; /* with kill: what the access broke, for the "killed:" line */
};

/*
 * Resolve p's page fault at addr with error code err (PF_xxx): map the
 * demand-zero page, copy the copy-on-write one, or say why p must end.
 * tried is what user_fault_now returned for it (-E_AGAIN if it was not
 * called): after its -E_NOMEM, no first allocation is tried again, so
 * that a fault makes the allocations it makes on one CPU.
 */
struct fault_outcome user_fault(struct proc *p, vaddr_t addr, uint32_t err, int tried);

/*
 * Resolve p's page fault at addr without the big lock, if it can be done
 * so (spinlock.h): anything that needs no disk (a zero fill, a new table,
 * a copy-on-write copy, an access the tables already allow).  0 if it
 * was; else the fault needs the big lock and user_fault: -E_AGAIN (a page
 * or a block in swap, the space's lock busy, p doomed, or free frames
 * below the low watermark, pressure.h), -E_NOMEM (no frame), -E_FAULT.
 */
int user_fault_now(struct proc *p, vaddr_t addr, uint32_t err);

/* The page faults user_fault_now resolved on CPU cpu, since boot. */
uint32_t user_faults_unlocked(uint32_t cpu);

int user_copy_in(struct proc *p, void *dst, vaddr_t src, uint32_t len);
int user_copy_out(struct proc *p, vaddr_t dst, const void *src, uint32_t len);
int user_string_in(struct proc *p, char *dst, vaddr_t src, uint32_t size);
int user_sbrk(struct proc *p, int32_t incr);

/*
 * A fork's child gets a copy-on-write clone of parent's address space
 * (parent a leader), and its heap, regions and stack_low as they were at
 * the clone, under parent's regions lock: the clone's handle, or
 * pt_vm_clone's error, with nothing changed.  Needs no big lock.
 */
int user_clone_space(struct proc *child, struct proc *parent);
int user_map(struct proc *p, vaddr_t addr, uint32_t len, uint32_t prot);
int user_unmap(struct proc *p, vaddr_t addr, uint32_t len);
int user_protect(struct proc *p, vaddr_t addr, uint32_t len, uint32_t prot);

/* What ufault.c calls when an allocation for p failed with -E_NOMEM (proc_make_room). */
void user_set_nomem_handler(int (*fn)(struct proc *p));

/* Stack pages touched below a process's lowest one so far, over all processes. */
uint32_t user_stack_growths(void);

#endif
