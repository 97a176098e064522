/*
 * uapi.h - the interface between user programs and the kernel: system-call
 * numbers, their error codes, and the layout of a process's address space.
 *
 * A program makes a system call with `int $0x80`: EAX holds the number,
 * EBX, ECX, EDX the arguments; the result comes back in EAX, a negative
 * value being -SYS_Exxx.  Every pointer and length a program passes is
 * checked: an address outside user space, an unmapped or read-only buffer,
 * or a range that wraps gets -SYS_EFAULT, never a kernel fault.
 *
 * A process's user space:
 *
 *   0x40000000  program segments (code read-only, data read-write), from
 *               its ELF image; then the heap, from the next page, grown
 *               with sbrk and filled with zeroed pages on first touch
 *   MAP_BASE    anonymous memory of map() (demand-zero)
 *   ...
 *   STACK_TOP - STACK_MAX - PAGE_SIZE   guard page: never mapped; touching
 *                                       it kills the process (KILL_STACK)
 *   STACK_TOP - STACK_MAX               the stack, up to STACK_TOP: all of it
 *                                       demand-zero, each page mapped and
 *                                       zeroed on its first touch, wherever
 *                                       ESP is
 *   STACK_TOP   the initial ESP; nothing is mapped at or above it
 *
 * The memory under the guard page, down to MAP_LIMIT, is in no region:
 * touching it kills the process as any unmapped access does (KILL_FAULT).
 */
#ifndef PAGETRACK_UAPI_H
#define PAGETRACK_UAPI_H

#define SYSCALL_VECTOR 0x80

/* System calls: number (arguments) -> result. */
#define SYS_WRITE 1   /* (fd, buf, len) -> bytes written; see FD_xxx below */
#define SYS_EXIT 2    /* (status) -> does not return */
#define SYS_GETPID 3  /* () -> pid */
#define SYS_YIELD 4   /* () -> 0 */
#define SYS_SBRK 5    /* (increment) -> the old end of the heap */
#define SYS_FORK 6    /* () -> the child's pid to the parent, 0 to the child */
#define SYS_WAIT 7    /* (int *status or 0) -> pid of a child that ended */
#define SYS_MAP 8     /* (addr or 0, len, prot) -> address of new zeroed memory */
#define SYS_UNMAP 9   /* (addr, len) -> 0 */
#define SYS_PROTECT 10 /* (addr, len, prot) -> 0 */
#define SYS_EXEC 11   /* (name, arg) -> does not return on success */
#define SYS_SLEEP 12  /* (turns) -> 0, once the scheduler has made that many turns */
#define SYS_THREAD 13 /* (entry, esp) -> tid of a new thread of the caller's process */
#define SYS_JOIN 14   /* (tid, int *status or 0) -> 0, once that thread has ended */
#define SYS_PIN 15    /* (cpu or -1) -> 0: the caller runs on that CPU alone from now on (-1: any) */
#define SYS_COUNT 16

/*
 * Threads.  A process starts with one thread, its leader, whose tid is the
 * process's pid (getpid() gives the pid in every thread).  SYS_THREAD
 * starts another in the same address space at eip = entry, esp = esp (the
 * caller lays out that stack), with the caller's segments and the other
 * registers zero; its tid comes from the pids' numbers.  Every thread sees
 * the same memory, heap and map() regions.  At most THREADS_MAX threads
 * hold a slot at once, the leader and those ended but not joined included
 * (-SYS_EAGAIN beyond).  SYS_EXIT from a thread other than the leader ends
 * that thread alone, with its status (0-255) kept for SYS_JOIN, which any
 * other thread of the process may make, once per thread (the leader is no
 * thread to join: -SYS_ESRCH).  SYS_EXIT from the leader ends every thread
 * of the process: the others end at their next entry to the kernel, and
 * the parent's wait() returns the leader's status once the last has ended.
 * A thread killed by the kernel (a fault) ends the whole process, whose
 * status is the kill's.  fork() from any thread makes a process with one
 * thread, a copy of the caller; exec() with another thread alive fails
 * with -SYS_EBUSY.
 */
#define THREADS_MAX 16

/*
 * File descriptors of write.  FD_NULL takes the console's way, every byte
 * checked and read from the process into the kernel, and drops the bytes
 * where the console would print them: the cost of moving data out of a
 * process, without the console's.
 */
#define FD_STDOUT 1
#define FD_STDERR 2
#define FD_NULL 3

/* prot bits of map and protect */
#define PROT_READ 1
#define PROT_WRITE 2

/* Errors, returned negated (the numbers are Linux's). */
#define SYS_ENOENT 2   /* no program of that name */
#define SYS_ESRCH 3    /* join: no thread of that tid in the caller's process */
#define SYS_EIO 5      /* a page could not be read from swap (the caller is then killed) */
#define SYS_EBADF 9    /* not a file descriptor */
#define SYS_ECHILD 10  /* wait: no children */
#define SYS_EAGAIN 11  /* thread: the process has THREADS_MAX threads already */
#define SYS_ENOMEM 12  /* out of memory */
#define SYS_EFAULT 14  /* a bad user pointer */
#define SYS_EBUSY 16   /* exec: another thread of the process is alive */
#define SYS_EINVAL 22  /* a bad argument */
#define SYS_ENOSYS 38  /* no such system call */

/*
 * How a process ended, as wait() reports it in *status: the exit status
 * (0-255), or KILLED_BIT | the signal-like cause when the kernel killed it.
 */
#define KILLED_BIT 0x100
#define KILL_FAULT 1   /* touched memory it may not */
#define KILL_STACK 2   /* ran past its stack limit */
#define KILL_NOMEM 3   /* needed a page and none was left, or held the most memory */
#define KILL_IO 4      /* a page or page table of its could not be read from swap */
#define KILL_ORDER 8   /* ended on the kernel's order (the monitor's kill) */

/* The address space (see the diagram above). */
#define PROGRAM_BASE 0x40000000u
#define MAP_BASE 0xA0000000u
#define MAP_LIMIT 0xE0000000u
#define STACK_TOP 0xFFFFF000u
#define STACK_MAX 0x00100000u /* 1 MiB */

#endif
