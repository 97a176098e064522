/*
 * membench.c - the kernel benchmarks a process makes itself
 * (bench/kernel/kbench.c runs it; docs/PERFORMANCE.md): its page faults,
 * a write of 64 KiB and a system call that does nothing, timed with rdtsc
 * around the access or the call.  Under QEMU -icount the TSC counts
 * instructions, so each figure is the instructions from the access to its
 * completion: the trap, the kernel's work and the way back.
 *
 * Each figure is printed as `bench: key=value`, the median of its samples.
 * A fault is timed on the first write to a page, and the second write to
 * the same page, which does not fault, is subtracted: what is left is the
 * fault, its resolution, the return to ring 3 and the retried write.
 * Exits 0 when every measurement went as it should, 1 otherwise.
 */
#include "ulib.h"

#define PAGES 32         /* faults timed, one sample each */
#define WRITE_LEN KiB(64)
#define WRITE_REPS 15    /* writes timed */

static uint32_t samples[PAGES], more[PAGES];

/* The low word of the TSC; the compiler moves no memory access across it. */
static inline uint32_t tsc(void)
{
	uint32_t lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi) : : "memory");
	return lo;
}

/* The median of n samples (sorts them). */
static uint32_t median(uint32_t *v, uint32_t n)
{
	for (uint32_t i = 1; i < n; i++) {
		uint32_t x = v[i], j = i;
		for (; j > 0 && v[j - 1] > x; j--)
			v[j] = v[j - 1];
		v[j] = x;
	}
	return v[n / 2];
}

/* n new heap pages, starting on a page boundary, or NULL. */
static uint8_t *heap_pages(uint32_t n)
{
	uint32_t cur = (uint32_t)sbrk(0);
	uint32_t pad = ALIGN_UP(cur, PAGE_SIZE) - cur;
	uint8_t *p = sbrk((int)(pad + n * PAGE_SIZE));

	return uerr(p) ? NULL : p + pad;
}

static uint32_t time_write(volatile uint8_t *at)
{
	uint32_t t0 = tsc();

	*at = 1;
	return tsc() - t0;
}

/*
 * Write to each of the PAGES pages from p twice, timing each write: the
 * first faults, the second does not.  The median fault less the median
 * write, as `bench: key=value`.
 */
static void time_faults(uint8_t *p, const char *key)
{
	memset(samples, 0, sizeof(samples)); /* their pages are ours before timing */
	memset(more, 0, sizeof(more));
	for (uint32_t i = 0; i < PAGES; i++)
		samples[i] = time_write(p + i * PAGE_SIZE);
	for (uint32_t i = 0; i < PAGES; i++)
		more[i] = time_write(p + i * PAGE_SIZE);
	printf("bench: %s=%u\n", key, median(samples, PAGES) - median(more, PAGES));
}

/* First writes to heap pages nothing maps yet: each gets a zeroed frame. */
static int zero_faults(void)
{
	uint8_t *p = heap_pages(PAGES);

	if (!p)
		return 1;
	time_faults(p, "kernel_zero_fault_cycles");
	return 0;
}

/* A child's first writes to pages it shares with its parent: each is copied. */
static int cow_faults(void)
{
	uint8_t *p = heap_pages(PAGES);
	int status = -1, pid;

	if (!p)
		return 1;
	for (uint32_t i = 0; i < PAGES; i++)
		p[i * PAGE_SIZE] = 1;
	if ((pid = fork()) == 0) {
		time_faults(p, "kernel_cow_fault_cycles");
		exit(0);
	}
	return pid < 0 || wait(&status) != pid || status != 0;
}

/* write of 64 KiB from the heap to FD_NULL, per KiB. */
static int write_64k(void)
{
	uint8_t *p = heap_pages(WRITE_LEN / PAGE_SIZE);

	if (!p)
		return 1;
	memset(p, 'x', WRITE_LEN);
	for (uint32_t r = 0; r < WRITE_REPS; r++) {
		uint32_t t0 = tsc();
		if (write(FD_NULL, p, WRITE_LEN) != (int)WRITE_LEN)
			return 1;
		samples[r] = tsc() - t0;
	}
	printf("bench: kernel_write_64k_cycles=%u\n", median(samples, WRITE_REPS) / 64);
	return 0;
}

/* The round trip of a system call that does nothing (getpid). */
static void syscall_round_trip(void)
{
	for (uint32_t i = 0; i < PAGES; i++) {
		uint32_t t0 = tsc();
		getpid();
		samples[i] = tsc() - t0;
	}
	printf("bench: kernel_syscall_cycles=%u\n", median(samples, PAGES));
}

int main(int arg)
{
	(void)arg;
	syscall_round_trip();
	if (zero_faults() || cow_faults() || write_64k())
		return 1;
	return 0;
}
