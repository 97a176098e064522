/*
 * procdef.h - the process structure and what the process modules share
 * (proc.c: lifecycle and scheduling; ufault.c: user memory and faults;
 * syscall.c: system calls).  Not for use outside them.
 */
#ifndef PAGETRACK_PROCDEF_H
#define PAGETRACK_PROCDEF_H

#include "cpu.h"
#include "idt.h"
#include "proc.h"

#define KSTACK_PAGES 2
#define MAX_MAPS 16

enum proc_state { P_FREE, P_NEW, P_RUNNABLE, P_RUNNING, P_WAITING, P_ZOMBIE };

/* A range of anonymous, demand-zero memory made by map(). */
struct region {
	vaddr_t start, end; /* page aligned; end == 0: the slot is free */
	uint32_t flags;     /* VM_USER | VM_WRITE? */
};

#define PARENT_KERNEL 0   /* started by proc_spawn: the kernel reaps it */
#define PARENT_NONE (-1)  /* its parent has ended: nobody waits for it */

struct proc {
	enum proc_state state;
	int pid;
	int parent;               /* pid, PARENT_KERNEL or PARENT_NONE */
	char name[PROC_NAME_MAX];
	int as;                   /* its address space: a tracker index */
	paddr_t kstack;           /* KSTACK_PAGES kernel-zone frames */
	uint32_t esp;             /* saved kernel stack pointer while switched out */
	vaddr_t heap_start, brk;  /* the heap: [heap_start, brk) */
	vaddr_t stack_low;        /* the lowest stack page touched so far (stack_growths) */
	struct region maps[MAX_MAPS];
	int status;               /* wait() status once it has ended */
	struct fpu_state fpu;     /* its x87/MMX registers while another runs */
};

/* The process running now, or NULL in the kernel's own context. */
extern struct proc *current;

/* The trap frame of a process's last entry from ring 3 (at its kernel stack's top). */
struct trap_frame *proc_frame(const struct proc *p);

/* End the current process with wait() status `status`; never returns. */
_Noreturn void proc_exit(int status);

/* Kill the current process for touching `addr`: print why and end it. */
_Noreturn void proc_kill(int cause, vaddr_t addr, uint32_t err, const char *why);

/* Give the CPU to the scheduler; returns when this process runs again. */
void proc_yield(void);

/* System calls of proc.c. */
int proc_fork(void);
int proc_wait(vaddr_t status_ptr);
int proc_exec(vaddr_t name_ptr, int arg);

/* ufault.c: make the user page at va usable for an access (write or not). */
int user_page_ready(struct proc *p, vaddr_t va, bool write);
/* The same for every page of [va, va + len): 0 or the first error, -SYS_EFAULT if it wraps. */
int user_range_ready(struct proc *p, vaddr_t va, uint32_t len, bool write);
bool user_fault(struct trap_frame *tf, vaddr_t addr, uint32_t err);
int user_copy_in(struct proc *p, void *dst, vaddr_t src, uint32_t len);
int user_copy_out(struct proc *p, vaddr_t dst, const void *src, uint32_t len);
int user_string_in(struct proc *p, char *dst, vaddr_t src, uint32_t size);
int user_sbrk(struct proc *p, int32_t incr);
int user_map(struct proc *p, vaddr_t addr, uint32_t len, uint32_t prot);
int user_unmap(struct proc *p, vaddr_t addr, uint32_t len);
int user_protect(struct proc *p, vaddr_t addr, uint32_t len, uint32_t prot);

/* syscall.c */
void syscall_init(void);

extern struct proc_stats proc_counters;

#endif
