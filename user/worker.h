/*
 * worker.h - what the worker program does, chosen by its argument: a kind
 * in the low 8 bits and a number for it above them.  init starts workers
 * with exec("worker", WORK_ARG(kind, n)).
 */
#ifndef PAGETRACK_WORKER_H
#define PAGETRACK_WORKER_H

enum work_kind {
	WORK_HEAP = 1,    /* grow the heap by n MiB, touch and check every page */
	WORK_NULL_READ,   /* read address 0: killed */
	WORK_KERNEL_READ, /* read the kernel image: killed */
	WORK_CODE_WRITE,  /* write to its own code: killed */
	WORK_STACK,       /* grow the stack by n KiB and check it */
	WORK_MAPS,        /* map n regions, protect, unmap and map them again */
	WORK_SPREAD,      /* a heap over many 4 MiB regions, shared with n children that grow */
	WORK_CHAIN,       /* a chain of n forks, each waiting for the next */
};

#define WORK_ARG(kind, n) ((int)(kind) | (int)((n) << 8))
#define WORK_KIND(arg) ((arg) & 0xFF)
#define WORK_N(arg) ((uint32_t)(arg) >> 8)

#define WORK_FAILED 1     /* a check failed (the worker says which) */
#define WORK_UNKNOWN 200  /* no such kind */

#endif
