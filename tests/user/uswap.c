/*
 * uswap.c - the user side of the kernel suite swap-proc
 * (tests/kernel/test_swap.c): `uswap USWAP_ARG(case, n)` runs one case of
 * uswap_cases.h.  Every page a case writes holds a pattern of its address
 * and a seed in every word (ucheck.h), so a page that came back from swap
 * wrong, or a stale translation to another frame, shows.
 */
#include "status.h"
#include "ucheck.h"
#include "ulib.h"
#include "uswap_cases.h"

#define PAGE PAGE_SIZE
#define SLEEPER_PAGES 8

/* The suite's trap: op with its argument; the suite's result. */
static int swap_trap(int op, uint32_t arg)
{
	int eax;

	asm volatile("int %[v]" : "=a"(eax) : [v] "i"(USWAP_VECTOR), "b"(arg), "c"(op) : "memory");
	return eax;
}

/* Page out the page at p now: 0 or the pager's error. */
static int evict(volatile void *p)
{
	return swap_trap(USWAP_OP_EVICT, (uint32_t)p);
}

/* n new heap pages from a page boundary. */
static uint8_t *heap_pages(uint32_t n)
{
	uint32_t cur = (uint32_t)sbrk(0), pad = ALIGN_UP(cur, PAGE) - cur;
	uint8_t *p = sbrk((int)(pad + n * PAGE));

	UCHECK(!uerr(p));
	return p + pad;
}

/* Each page out of the live space, then read, written, out again and read: the data holds. */
static int evict_live(uint32_t n)
{
	uint8_t *p = heap_pages(n);

	pattern_fill(p, n, 1);
	for (uint32_t i = 0; i < n; i++) {
		uint8_t *page = p + i * PAGE;
		UCHECK_EQ(evict(page), 0);
		UCHECK(pattern_holds(page, 1, 1)); /* the next touch faults: no stale entry */
		pattern_fill(page, 1, 2);
		UCHECK_EQ(evict(page), 0);         /* dirty: written again */
		UCHECK(pattern_holds(page, 1, 2));
		UCHECK_EQ(evict(page), 0);         /* clean: dropped, its copy good */
		UCHECK(pattern_holds(page, 1, 2));
	}
	return 0;
}

/* n pages out, then a fork: both sides read them, write their own, and see only theirs. */
static int fork_out(uint32_t n)
{
	uint8_t *p = heap_pages(n);
	int status = -1;

	pattern_fill(p, n, 3);
	for (uint32_t i = 0; i < n; i++)
		UCHECK_EQ(evict(p + i * PAGE), 0);
	int pid = fork();
	UCHECK(pid >= 0);
	uint32_t mine = pid == 0 ? 5 : 4;
	UCHECK(pattern_holds(p, n, 3)); /* both read the shared slot */
	pattern_fill(p, n / 2, mine);    /* the first half written after coming back */
	for (uint32_t i = 0; i < n; i++)  /* each side's pages its own now: out again */
		UCHECK_EQ(evict(p + i * PAGE), 0);
	yield();
	UCHECK(pattern_holds(p, n / 2, mine));
	UCHECK(pattern_holds(p + n / 2 * PAGE, n - n / 2, 3));
	if (pid == 0)
		exit(0);
	UCHECK_EQ(wait(&status), pid);
	UCHECK_STATUS(status, 0);
	return 0;
}

/* Fill n pages, check, write again, check again: under pressure, all through swap. */
static int fill(uint32_t n)
{
	uint8_t *p = heap_pages(n);

	pattern_fill(p, n, 6);
	UCHECK(pattern_holds(p, n, 6));
	pattern_fill(p, n, 7);
	UCHECK(pattern_holds(p, n, 7));
	return 0;
}

static int sleeper(uint32_t n, uint32_t turns)
{
	uint8_t *p = heap_pages(n);

	pattern_fill(p, n, 8);
	UCHECK_EQ(sleep(turns), 0);
	UCHECK(pattern_holds(p, n, 8));
	return 0;
}

/* A page at a time, for ever: the kernel ends it when memory and swap are full. */
static int hog(void)
{
	for (uint32_t seed = 9;; seed++) {
		uint8_t *p = sbrk(PAGE);
		if (uerr(p))
			return USWAP_HOG_SURVIVED;
		pattern_fill(p, 1, seed);
	}
}

/* A sleeper and a hog: the hog is ended, the sleeper's pages hold, and this one lives on. */
static int oom_init(uint32_t n)
{
	int sleeper_pid = fork(), status = -1;

	if (sleeper_pid == 0)
		exit(sleeper(n, USWAP_SLEEP_TURNS));
	int hog_pid = fork();
	if (hog_pid == 0)
		exit(hog());
	UCHECK(sleeper_pid > 0 && hog_pid > 0);
	for (int i = 0; i < 2; i++) {
		int pid = wait(&status);
		if (pid == hog_pid)
			UCHECK_STATUS(status, KILLED_BIT | KILL_NOMEM);
		else
			UCHECK_STATUS(status, 0);
	}
	UCHECK_EQ(wait(NULL), -SYS_ECHILD);
	return 0;
}

/*
 * n children alive at once, each with a page of its own, all asleep (each
 * runs to its sleep before the next fork): more
 * address spaces than the kernel zone holds, for the suite that leaves it
 * little room.  Each must end with 0.
 */
static int many_sleepers(uint32_t n)
{
	int status = -1;

	for (uint32_t i = 0; i < n; i++) {
		int pid = fork();
		if (pid == 0)
			exit(sleeper(1, USWAP_SHORT_SLEEP));
		if (pid < 0)
			printf("uswap: fork %u of %u: %s\n", i + 1, n, sys_err_text(pid));
		UCHECK(pid > 0);
		yield(); /* the child runs, and falls asleep: a process the kernel may page out */
	}
	for (uint32_t i = 0; i < n; i++) {
		UCHECK(wait(&status) > 0);
		UCHECK_STATUS(status, 0);
	}
	UCHECK_EQ(wait(NULL), -SYS_ECHILD);
	return 0;
}

/*
 * A child that runs a new program (so that it shares no frame) and falls
 * asleep; its block goes out onto the page that cannot be read; when it
 * wakes it must be ended for it, and this process goes on.
 */
static int block_lost(void)
{
	int status = -1, pid = fork();

	if (pid == 0) {
		exec("uswap", USWAP_ARG(USWAP_SLEEPER, 4));
		exit(USWAP_FAILED);
	}
	UCHECK(pid > 0);
	for (int i = 0; i < 8; i++)
		yield(); /* the child runs to its sleep */
	UCHECK_EQ(swap_trap(USWAP_OP_BLOCK_LOW, (uint32_t)pid), 0);
	UCHECK_EQ(wait(&status), pid);
	UCHECK_STATUS(status, KILLED_BIT | KILL_IO);
	return 0;
}

int main(int arg)
{
	uint32_t n = USWAP_N(arg);

	ucheck_setup(USWAP_FAILED, "uswap %d (pid %d)", USWAP_CASE(arg), getpid());
	switch (USWAP_CASE(arg)) {
	case USWAP_EVICT_LIVE:
		return evict_live(n);
	case USWAP_FORK_OUT:
		return fork_out(n);
	case USWAP_FILL:
		return fill(n);
	case USWAP_SLEEPER:
		return sleeper(n, USWAP_SLEEP_TURNS);
	case USWAP_HOG:
		return hog();
	case USWAP_OOM_INIT:
		return oom_init(n);
	case USWAP_MANY_SLEEPERS:
		return many_sleepers(n);
	case USWAP_BLOCK_LOST:
		return block_lost();
	default:
		printf("uswap: no case %d\n", USWAP_CASE(arg));
		return USWAP_FAILED;
	}
}
