/*
 * init.c - the first process of the demo's part 2.  It forks a tree of
 * workers, waits for every one, checks how each ended, prints a line per
 * kind of work and a last line, and ends with 0 only if all went as
 * expected.
 *
 *   init
 *    +- heap x3            exec worker: 4 MiB of heap each, every page touched
 *    +- cow x4             forked code: 1 MiB shared with a child, then both
 *    |   +- child            write all of it and check they see only their own
 *    +- null-read          exec worker: killed reading NULL
 *    +- kernel-read        exec worker: killed reading the kernel image
 *    +- code-write         exec worker: killed writing its code
 *    +- stack              exec worker: 512 KiB of stack
 *    +- stack-overflow     forked code: killed past the stack limit
 *    +- maps               exec worker: map, protect, unmap, map again
 *    +- spread x2          exec worker: heap over 24 4 MiB regions; 4 children
 *    |   +- child x4         add 12 regions each a turn at a time: blocks grow
 *    |                       and move
 *    +- chain              exec worker: 16 forks deep, each waiting for the next
 *    |   +- ... +- child
 *    +- swarm              forked code: 64 short children, 16 at a time
 *        +- child x64
 *
 * Some workers run the worker program (fork, then exec), others run code
 * of init's in the forked child: both ways of starting a process show.
 */
#include "status.h"
#include "ucheck.h"
#include "ulib.h"
#include "worker.h"

#define PAGE PAGE_SIZE
#define COW_PAGES 256       /* 1 MiB */
#define SPREAD_CHILDREN 4
#define CHAIN_DEPTH 16
#define SWARM 64
#define SWARM_BATCH 16
#define SWARM_STATUS 100    /* a swarm child i ends with SWARM_STATUS + i % SWARM_BATCH */
#define MAX_WORKERS 32
#define FAILED 1
#define KILLED_FAULT (KILLED_BIT | KILL_FAULT)
#define KILLED_STACK (KILLED_BIT | KILL_STACK)

struct job {
	const char *kind;
	uint32_t count;
	int work;          /* the worker's argument, or 0: the child runs fn */
	int (*fn)(void);
	int want;          /* the wait() status each must end with */
	uint32_t procs;    /* processes each one makes, itself included */
};

struct worker {
	int pid;
	const struct job *job;
	int status;
};

static int cow_pair(void);
static int overflow(void);
static int swarm(void);

static const struct job jobs[] = {
	{ "heap", 3, WORK_ARG(WORK_HEAP, 4), NULL, 0, 1 },
	{ "cow", 4, 0, cow_pair, 0, 2 },
	{ "null-read", 1, WORK_ARG(WORK_NULL_READ, 0), NULL, KILLED_FAULT, 1 },
	{ "kernel-read", 1, WORK_ARG(WORK_KERNEL_READ, 0), NULL, KILLED_FAULT, 1 },
	{ "code-write", 1, WORK_ARG(WORK_CODE_WRITE, 0), NULL, KILLED_FAULT, 1 },
	{ "stack", 1, WORK_ARG(WORK_STACK, 512), NULL, 0, 1 },
	{ "stack-overflow", 1, 0, overflow, KILLED_STACK, 1 },
	{ "maps", 1, WORK_ARG(WORK_MAPS, 8), NULL, 0, 1 },
	{ "spread", 2, WORK_ARG(WORK_SPREAD, SPREAD_CHILDREN), NULL, 0, 1 + SPREAD_CHILDREN },
	{ "chain", 1, WORK_ARG(WORK_CHAIN, CHAIN_DEPTH), NULL, 0, 1 + CHAIN_DEPTH },
	{ "swarm", 1, 0, swarm, 0, 1 + SWARM },
};

static struct worker workers[MAX_WORKERS];
static uint32_t nworkers;

/* n new heap pages from a page boundary. */
static volatile uint32_t *heap_pages(uint32_t n)
{
	uint32_t cur = (uint32_t)sbrk(0), pad = ALIGN_UP(cur, PAGE) - cur;
	uint8_t *p = sbrk((int)(pad + n * PAGE));

	return uerr(p) ? NULL : (volatile uint32_t *)(p + pad);
}

/* ---- work done by forked children of init ---------------------------------------- */

/* Write a word of seed into each of n pages from p. */
static void mark(volatile uint32_t *p, uint32_t n, uint32_t seed)
{
	for (uint32_t i = 0; i < n; i++)
		p[i * (PAGE / 4)] = seed << 16 | i;
}

static bool marked(volatile uint32_t *p, uint32_t n, uint32_t seed)
{
	for (uint32_t i = 0; i < n; i++)
		if (p[i * (PAGE / 4)] != (seed << 16 | i))
			return false;
	return true;
}

/*
 * Share COW_PAGES with a child, then both write every page: each write
 * copies a page (the second writer of each finds itself the last owner
 * and writes in place).  Each must see only its own writes.
 */
static int cow_pair(void)
{
	volatile uint32_t *p = heap_pages(COW_PAGES);
	int status = -1;

	if (!p)
		return FAILED;
	mark(p, COW_PAGES, 1);
	int pid = fork();
	if (pid == 0) {
		bool saw_parent = marked(p, COW_PAGES, 1);
		mark(p, COW_PAGES, 3);
		yield();
		exit(saw_parent && marked(p, COW_PAGES, 3) ? 0 : FAILED);
	}
	if (pid < 0) {
		printf("init: cow: pid %d: fork failed: %s\n", getpid(), sys_err_text(pid));
		return FAILED;
	}
	mark(p, COW_PAGES, 2);
	yield();
	bool mine = marked(p, COW_PAGES, 2);
	int waited = wait(&status);
	if (waited != pid) {
		printf("init: cow: pid %d: wait gave %d, not the child %d\n", getpid(), waited, pid);
		return FAILED;
	}
	if (status != 0) { /* the child saw the parent's pages, or its own, wrong, or was killed */
		char how[STATUS_TEXT_MAX];
		printf("init: cow: pid %d: the child %d %s\n", getpid(), pid,
		       wait_status_text(status, how, sizeof(how)));
		return FAILED;
	}
	if (!mine || !marked(p, COW_PAGES, 2)) {
		printf("init: cow: pid %d: its pages do not hold what it wrote\n", getpid());
		return FAILED;
	}
	return 0;
}

/* Recurse until the stack passes its limit and the kernel ends the process. */
static int overflow(void)
{
	stack_dive(UINT32_MAX);
	return FAILED;
}

/* A swarm child: it writes the shared page (a copy) and ends with its number. */
static _Noreturn void swarm_child(volatile uint32_t *page, int i)
{
	*page = (uint32_t)i;
	exit(*page == (uint32_t)i ? SWARM_STATUS + i : FAILED);
}

/* Fork SWARM_BATCH children and check that each ends with its number. */
static bool swarm_batch(volatile uint32_t *page)
{
	int pids[SWARM_BATCH], status = -1;
	bool ok = true;

	for (int i = 0; i < SWARM_BATCH; i++)
		if ((pids[i] = fork()) == 0)
			swarm_child(page, i);
	for (int n = 0; n < SWARM_BATCH; n++) {
		int pid = wait(&status), i = 0;
		while (i < SWARM_BATCH && pids[i] != pid)
			i++;
		if (i < SWARM_BATCH && status == SWARM_STATUS + i)
			continue;
		char how[STATUS_TEXT_MAX];
		printf("init: swarm: child %d %s, not exited with %d\n", pid,
		       wait_status_text(status, how, sizeof(how)), SWARM_STATUS + i);
		ok = false;
	}
	return ok && wait(NULL) == -SYS_ECHILD;
}

static int swarm(void)
{
	volatile uint32_t *page = heap_pages(1);

	if (!page)
		return FAILED;
	*page = 0xFFFF;
	for (int b = 0; b < SWARM / SWARM_BATCH; b++) {
		if (!swarm_batch(page)) {
			printf("init: swarm: batch %d did not end as expected\n", b);
			return FAILED;
		}
	}
	return *page == 0xFFFF ? 0 : FAILED;
}

/* ---- starting and collecting ------------------------------------------------------ */

static void start(const struct job *job)
{
	int pid = fork();

	if (pid == 0) {
		if (job->fn)
			exit(job->fn());
		int rc = exec("worker", job->work);
		printf("init: exec(\"worker\") failed: %s\n", sys_err_text(rc));
		exit(FAILED);
	}
	if (pid < 0) {
		printf("init: fork failed for %s: %s\n", job->kind, sys_err_text(pid));
		return;
	}
	workers[nworkers++] = (struct worker){ pid, job, -1 };
}

static void start_all(void)
{
	for (uint32_t j = 0; j < ARRAY_SIZE(jobs); j++)
		for (uint32_t i = 0; i < jobs[j].count && nworkers < MAX_WORKERS; i++)
			start(&jobs[j]);
}

static struct worker *find(int pid)
{
	for (uint32_t i = 0; i < nworkers; i++)
		if (workers[i].pid == pid)
			return &workers[i];
	return NULL;
}

static void collect_all(void)
{
	int status, pid;

	while ((pid = wait(&status)) > 0) {
		struct worker *w = find(pid);
		if (w)
			w->status = status;
		else
			printf("init: wait gave pid %d, not one of the workers\n", pid);
	}
}

/* ---- the report --------------------------------------------------------------------- */

/* One line for a job; returns how many of its workers ended as expected. */
static uint32_t report(const struct job *job)
{
	char want[STATUS_TEXT_MAX], how[STATUS_TEXT_MAX];
	uint32_t started = 0, ok = 0;

	wait_status_text(job->want, want, sizeof(want));
	for (uint32_t i = 0; i < nworkers; i++) {
		if (workers[i].job != job)
			continue;
		started++;
		if (workers[i].status == job->want)
			ok++;
		else
			printf("init: %s: pid %d %s, not %s\n", job->kind, workers[i].pid,
			       wait_status_text(workers[i].status, how, sizeof(how)), want);
	}
	printf("init: %-14s workers=%u (%s) processes=%-3u as_expected=%u/%u (%s)\n",
	       job->kind, job->count, job->fn ? "forked code" : "exec worker",
	       job->count * job->procs, ok, job->count, want);
	return started == job->count ? ok : 0;
}

int main(int arg)
{
	uint32_t expected = 0, ok = 0, procs = 1;

	(void)arg;
	printf("init: pid %d: starting the workers\n", getpid());
	start_all();
	collect_all();
	for (uint32_t j = 0; j < ARRAY_SIZE(jobs); j++) {
		ok += report(&jobs[j]);
		expected += jobs[j].count;
		procs += jobs[j].count * jobs[j].procs;
	}
	if (ok != expected) {
		printf("init: %u of %u workers did not end as expected\n", expected - ok,
		       expected);
		return FAILED;
	}
	printf("init: all %u workers ended as expected; %u processes with init, %u forks\n",
	       expected, procs, procs - 1);
	return 0;
}
