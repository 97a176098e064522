/*
 * ulib.h - the user library: a wrapper for every system call of uapi.h
 * and a printf on the console (lib/printf.c's formatter, compiled for
 * user space).  The memory and string functions of lib.h come with it,
 * from lib/string.c as in the kernel.
 *
 * A call that fails returns -SYS_Exxx.  The two calls that return an
 * address, sbrk and map, return the error as a pointer too: uerr() tells
 * one from the other.
 */
#ifndef PAGETRACK_ULIB_H
#define PAGETRACK_ULIB_H

#include <stdarg.h>
#include "lib.h"
#include "types.h"
#include "uapi.h"

/* The most negative error a system call returns, as an unsigned word. */
#define MAX_ERRNO 4095u

/* The program: crt0.S calls it with the argument the program was started with. */
int main(int arg);

/* A raw system call: number n with arguments a, b, c; returns EAX. */
int syscall(int n, int a, int b, int c);

/* Write len bytes of buf to fd (1 and 2: the console); returns bytes written. */
int write(int fd, const void *buf, uint32_t len);

/* End the process with exit status `status` (0-255). */
_Noreturn void exit(int status);

/* The process's pid. */
int getpid(void);

/* Let the other processes run; returns 0. */
int yield(void);

/*
 * Sleep until the scheduler has picked `turns` processes to run (when
 * every process sleeps, the clock jumps to the first wake-up); returns 0.
 * A process asleep may be paged out whole under memory pressure.
 */
int sleep(uint32_t turns);

/* Move the end of the heap by increment bytes; returns the old end. */
void *sbrk(int increment);

/* A copy of this process: the child's pid in the parent, 0 in the child. */
int fork(void);

/* Wait for a child to end: its pid, and how it ended in *status if status is not NULL. */
int wait(int *status);

/* New zeroed memory of len bytes at addr (or anywhere in the map area if addr is NULL). */
void *map(void *addr, uint32_t len, int prot);

/* Remove [addr, addr + len) from the map area; holes are fine. */
int unmap(void *addr, uint32_t len);

/* Give the mapped memory [addr, addr + len) the rights prot. */
int protect(void *addr, uint32_t len, int prot);

/* Replace this process by the program `name`, started with arg; returns only on failure. */
int exec(const char *name, int arg);

/*
 * Threads (uapi.h says what the kernel does).  thread_create maps a stack
 * of stack_size bytes (a page at least, rounded up to pages) with map(),
 * and starts fn(arg) on it in a new thread of this process: its tid, or
 * -SYS_Exxx (the stack's map fails with -SYS_ENOMEM or -SYS_EINVAL).  What
 * fn returns is the thread's status, as if it called thread_exit.  The
 * stack has no guard page: a thread that overflows it writes below it.
 * thread_join waits for thread tid to end and puts its status in *status
 * (if status is not NULL), then unmaps its stack; a thread never joined
 * keeps its stack until the process ends.  The library remembers the
 * stacks of THREADS_MAX threads at most: a process forked from one with
 * threads keeps, in its copy of that memory, the record of threads it does
 * not have, which join cannot free (their tids are not its).
 */
int thread_create(int (*fn)(void *arg), void *arg, uint32_t stack_size);
int thread_join(int tid, int *status);
_Noreturn void thread_exit(int status);

/*
 * Run this thread on CPU cpu alone from now on (-1: on any CPU again): 0,
 * or -SYS_EINVAL if processes do not run on that CPU.
 */
int pin(int cpu);

/* The raw calls: a new thread at entry with ESP = esp; join without the stack's unmap. */
int thread(void *entry, void *esp);
int join(int tid, int *status);

/*
 * Lay out the top of a new thread's stack, which ends at `top`, for
 * thread(fn, ...): fn's argument and, as its return address, a way into
 * thread_exit with what fn returns.  Returns the ESP to start it with.
 */
void *thread_stack(void *top, void *arg);

/* The error a returned address stands for (-SYS_Exxx), or 0 if it is an address. */
static inline int uerr(const void *p)
{
	uint32_t v = (uint32_t)(uintptr_t)p;

	return v >= (uint32_t)-MAX_ERRNO ? (int)v : 0;
}

/* printf on fd 1; each call is one write, so lines of processes do not mix. */
int printf(const char *fmt, ...) PRINTF_LIKE(1, 2);
int vprintf(const char *fmt, va_list ap);

/* Write s and a newline on fd 1. */
int puts(const char *s);

#endif
