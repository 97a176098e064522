/*
 * overcommit.c - the demo's part 3 (demo/demo_swap.c starts it): WORKERS
 * children that together touch more memory than the machine has, so that
 * the kernel must page out to make room.  Each worker grows its heap by
 * `arg` pages, writes a pattern of its own into every word of every page,
 * yields and sleeps (the others go on filling memory, and the sleeper may
 * be paged out whole), then checks every word of every page.
 *
 * A worker ends with the number of pages that did not read back as written
 * (at most BAD_MAX), or NO_HEAP when it could not grow its heap.  This
 * program ends with the sum of its workers' bad pages (at most BAD_MAX),
 * or FAILED when a worker could not be started, was killed or had no heap.
 */
#include "status.h"
#include "ulib.h"

#define PAGE PAGE_SIZE
#define WORDS (PAGE / 4)
#define WORKERS 8
#define SLEEP_TURNS (4 * WORKERS) /* worker w sleeps (w + 1) times this: they wake one by one */
#define BAD_MAX 250
#define NO_HEAP 251
#define FAILED 252

/* Word i of page n of worker w: every word of every page its own. */
static uint32_t pattern(uint32_t w, uint32_t n, uint32_t i)
{
	return (w << 28) ^ (n * 0x9E3779B1u) ^ (i * 0x85EBCA6Bu);
}

static void fill(volatile uint32_t *page, uint32_t w, uint32_t n)
{
	for (uint32_t i = 0; i < WORDS; i++)
		page[i] = pattern(w, n, i);
}

static bool intact(const volatile uint32_t *page, uint32_t w, uint32_t n)
{
	for (uint32_t i = 0; i < WORDS; i++)
		if (page[i] != pattern(w, n, i))
			return false;
	return true;
}

static int work(uint32_t w, uint32_t pages)
{
	uint32_t cur = (uint32_t)sbrk(0), pad = ALIGN_UP(cur, PAGE) - cur, bad = 0;
	uint8_t *heap = sbrk((int)(pad + pages * PAGE));

	if (uerr(heap))
		return NO_HEAP;
	volatile uint32_t *base = (volatile uint32_t *)(heap + pad);
	for (uint32_t n = 0; n < pages; n++)
		fill(base + n * WORDS, w, n);
	yield();
	sleep(SLEEP_TURNS * (w + 1));
	for (uint32_t n = 0; n < pages; n++)
		bad += !intact(base + n * WORDS, w, n);
	if (bad)
		printf("overcommit: worker %u (pid %d): %u of %u pages did not read back\n", w,
		       getpid(), bad, pages);
	return (int)MIN(bad, BAD_MAX);
}

int main(int arg)
{
	uint32_t pages = (uint32_t)arg, bad = 0, failed = 0;
	int status;

	printf("overcommit: pid %d: %d workers, %u pages each\n", getpid(), WORKERS, pages);
	for (uint32_t w = 0; w < WORKERS; w++) {
		int pid = fork();
		if (pid == 0)
			exit(work(w, pages));
		if (pid < 0) {
			printf("overcommit: fork failed: %s\n", sys_err_text(pid));
			failed++;
		}
	}
	for (int pid; (pid = wait(&status)) > 0;) {
		if (status >= 0 && status <= BAD_MAX) {
			bad += (uint32_t)status;
			continue;
		}
		char how[STATUS_TEXT_MAX];
		printf("overcommit: worker pid %d %s\n", pid, wait_status_text(status, how, sizeof(how)));
		failed++;
	}
	printf("overcommit: every worker ended; %u pages did not read back\n", bad);
	return failed ? FAILED : (int)MIN(bad, BAD_MAX);
}
