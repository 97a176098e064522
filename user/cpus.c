/*
 * cpus.c - one process with a thread on every CPU (the demo's part 4,
 * `make run SMP=4`): its address space is live on all of them at once, and
 * every change the kernel makes to it must reach them all before the call
 * that made it returns.
 *
 * main(n): the leader stays on CPU 0 and starts a thread on each of CPUs
 * 1 .. n-1 (pin).  Each thread keeps reading a page of its own, to check
 * it, and the probe page, so that its CPU's TLB holds both.  Once all are
 * there:
 *
 *  1. ROUNDS rounds of unmap and map again.  The leader writes the round's
 *     value into the probe page, waits until every thread has read it
 *     there, unmaps the page, maps a zeroed page at the same address, and
 *     tells them.  Each thread's next read of the probe must give 0: a CPU
 *     that kept the old translation would still read the round's value (a
 *     missing shootdown), which counts as a data error.  In each round
 *     every thread also maps a region of its own in a page table of its
 *     own, writes it, makes it read-only, reads it back, and unmaps it.
 *  2. The leader touches one page in each of FAR_TABLES 4 MiB spans: each
 *     needs a page table of its own, so the block grows, in place or into
 *     a new run, while the threads run on it; then it unmaps them all, and
 *     the block, mostly empty, gives pages back (shrinks).  The threads go
 *     on checking their pages through it all.
 *
 * The leader then stops the threads, joins them (their stacks go with the
 * process) and ends with the number of data errors (0 is success).  Every
 * change to the space is made while it is live on every CPU, so the
 * kernel's counts are the same on every run under -icount: the shared
 * pages are written before the threads start (a page first read would be
 * the zero page, replaced at its first write, before or after another
 * thread's read), and nothing is unmapped after the first thread ends.
 * Every thread spins with `pause`, and waits for the others only in ring
 * 3, so that each CPU keeps the space live from the start line to the end.
 */
#include "ulib.h"

#define CPUS_MAX 8
#define ROUNDS 16
#define FAR_TABLES 40
#define SPAN (4u << 20) /* what a page table maps */
#define MAGIC 0x5EED0000u
#define WORDS (PAGE_SIZE / sizeof(uint32_t))
#define REGION_PAGES 8
#define REGION_TOP 0xE0000000u /* MAP_LIMIT: thread c's region is in the span c below it */
#define STACK_PAGES 2
/* the shared page, a page of each thread's own, and the threads' stacks: one region of map() */
#define MEM_PAGES (1 + CPUS_MAX + CPUS_MAX * STACK_PAGES)

struct shared {
	volatile int arrived;             /* threads at the start line */
	volatile int go;                  /* all are there: the rounds begin */
	volatile int round;               /* the round whose value the probe holds */
	volatile int fresh;               /* the round whose probe was mapped again */
	volatile int seen[CPUS_MAX];      /* the last round each thread read the value of */
	volatile int checked[CPUS_MAX];   /* the last round each thread read the fresh page of */
	volatile int errors[CPUS_MAX];
	volatile int quit;
};

static struct shared *sh;
static volatile uint32_t *probe;                /* a page of its own: unmapped and mapped again */
static volatile uint32_t *own[CPUS_MAX];        /* each thread's page, which it checks */

static void relax(void)
{
	__asm__ volatile("pause" ::: "memory");
}

static uint32_t pattern(int cpu, uint32_t i)
{
	return MAGIC ^ (uint32_t)cpu << 24 ^ i * 2654435761u;
}

/* Check this thread's page: the words that are not what it wrote. */
static int check_own(int cpu)
{
	int bad = 0;

	for (uint32_t i = 0; i < WORDS; i += 64)
		bad += own[cpu][i] != pattern(cpu, i);
	return bad;
}

/*
 * Thread cpu's round r in a region of its own: mapped, written, made
 * read-only, read back and unmapped (each of the last two a shootdown to
 * every other CPU).  The words that did not read back, or 1 if a call failed.
 */
static int own_region(int cpu, int r)
{
	uint32_t len = REGION_PAGES * PAGE_SIZE;
	volatile uint32_t *m = (volatile uint32_t *)(REGION_TOP - (uint32_t)(cpu + 1) * SPAN);
	int bad = 0;

	if (map((void *)m, len, PROT_READ | PROT_WRITE) != (void *)m)
		return 1;
	for (uint32_t p = 0; p < REGION_PAGES; p++)
		m[p * WORDS] = pattern(cpu, p) + (uint32_t)r;
	if (protect((void *)m, len, PROT_READ) < 0)
		return 1;
	for (uint32_t p = 0; p < REGION_PAGES; p++)
		bad += m[p * WORDS] != pattern(cpu, p) + (uint32_t)r;
	return bad + (unmap((void *)m, len) < 0);
}

/* Wait for the leader's `what` to reach r, checking this thread's page meanwhile. */
static void wait_for(volatile int *what, int r, int cpu)
{
	while (*what < r && !sh->quit) {
		sh->errors[cpu] += check_own(cpu);
		relax();
	}
}

static int worker(void *arg)
{
	int cpu = (int)(uint32_t)arg;

	if (pin(cpu) < 0)
		return 1;
	for (uint32_t i = 0; i < WORDS; i += 64)
		own[cpu][i] = pattern(cpu, i);
	__atomic_fetch_add(&sh->arrived, 1, __ATOMIC_SEQ_CST);
	wait_for(&sh->go, 1, cpu);
	for (int r = 1; r <= ROUNDS && !sh->quit; r++) {
		sh->errors[cpu] += own_region(cpu, r);
		wait_for(&sh->round, r, cpu);
		while (*probe != MAGIC + (uint32_t)r && !sh->quit) /* now its TLB holds the probe */
			relax();
		sh->seen[cpu] = r;
		wait_for(&sh->fresh, r, cpu);
		if (*probe != 0) /* the old page's value: this CPU was not told */
			sh->errors[cpu]++;
		sh->checked[cpu] = r;
	}
	while (!sh->quit) {
		sh->errors[cpu] += check_own(cpu);
		relax();
	}
	sh->errors[cpu] += check_own(cpu);
	return 0;
}

/* Wait until every thread's slot of `what` reaches r. */
static void wait_all(volatile int *what, int n, int r)
{
	for (int c = 1; c < n; c++)
		while (what[c] < r)
			relax();
}

/* Part 1: the probe unmapped and mapped again under the threads' reads. */
static int rounds(int n)
{
	int bad = 0;

	for (int r = 1; r <= ROUNDS; r++) {
		bad += own_region(0, r);
		*probe = MAGIC + (uint32_t)r;
		sh->round = r;
		wait_all(sh->seen, n, r);
		if (unmap((void *)probe, PAGE_SIZE) < 0 ||
		    map((void *)probe, PAGE_SIZE, PROT_READ | PROT_WRITE) != (void *)probe)
			return 1;
		sh->fresh = r;
		wait_all(sh->checked, n, r);
	}
	return bad;
}

/* Part 2: the block grows under the threads; the far pages read back. */
static int grow(void)
{
	volatile uint32_t *far = map(NULL, FAR_TABLES * SPAN, PROT_READ | PROT_WRITE);
	int bad = 0;

	if (uerr((void *)far))
		return 1;
	for (uint32_t i = 0; i < FAR_TABLES; i++)
		far[i * (SPAN / sizeof(uint32_t))] = MAGIC + i;
	for (uint32_t i = 0; i < FAR_TABLES; i++)
		bad += far[i * (SPAN / sizeof(uint32_t))] != MAGIC + i;
	return bad + (unmap((void *)far, FAR_TABLES * SPAN) < 0);
}

int main(int n)
{
	int tids[CPUS_MAX], errors = 0;

	if (n < 2 || n > CPUS_MAX || pin(0) < 0)
		return 200;
	/*
	 * Few regions (a process has 16): the probe one of its own, so that its
	 * unmap splits nothing; the stacks in the shared one, as every thread's
	 * region takes one more at times.
	 */
	char *mem = map(NULL, MEM_PAGES * PAGE_SIZE, PROT_READ | PROT_WRITE);
	probe = map(NULL, PAGE_SIZE, PROT_READ | PROT_WRITE);
	if (uerr(mem) || uerr((void *)probe))
		return 201;
	sh = (struct shared *)mem;
	for (int c = 0; c < CPUS_MAX; c++)
		own[c] = (volatile uint32_t *)(mem + (1 + c) * PAGE_SIZE);
	/* every shared page written now: none is first read as the zero page, then replaced */
	for (uint32_t p = 0; p < MEM_PAGES; p++)
		mem[p * PAGE_SIZE] = 0;
	*probe = 0;
	for (int c = 1; c < n; c++) {
		char *top = mem + (1 + CPUS_MAX + c * STACK_PAGES) * PAGE_SIZE;
		if ((tids[c] = thread((void *)worker, thread_stack(top, (void *)(uint32_t)c))) < 0)
			return 202;
	}
	while (sh->arrived < n - 1)
		relax();
	sh->go = 1;
	errors += rounds(n);
	errors += grow();
	sh->quit = 1;
	/* join without unmapping stacks: with threads still ending, who is told would vary */
	for (int c = 1; c < n; c++) {
		int status = 0;
		if (join(tids[c], &status) < 0 || status != 0)
			errors++;
		errors += sh->errors[c];
	}
	printf("cpus: %d threads on %d cpus, %d rounds, %d far tables: %d data errors\n", n - 1,
	       n, ROUNDS, FAR_TABLES, errors);
	return errors > 199 ? 199 : errors;
}
