/*
 * faults.c - page faults and nothing else: `arg` rounds of map 4 MiB,
 * write a word to each of its pages, read them all back, and unmap.  The
 * first write of a round makes the span's page table; every other one is
 * a zero fill into that table, which with several CPUs the kernel
 * resolves without its big lock (spinlock.h).  What the proc suite's
 * case of faults on every CPU and the kernel benchmark of faults on four
 * CPUs run.  Exits 0 if every page read back what was written, 1
 * otherwise.
 */
#include "ulib.h"

#define SPAN (4u << 20) /* what one page table maps */
#define PAGES (SPAN / PAGE_SIZE)

/* One round at the span's base: 0, or 1 if a page read back wrong. */
static int round_at(volatile uint32_t *base, uint32_t round)
{
	int bad = 0;

	for (uint32_t i = 0; i < PAGES; i++)
		base[i * (PAGE_SIZE / sizeof(uint32_t))] = round * PAGES + i;
	for (uint32_t i = 0; i < PAGES; i++)
		bad |= base[i * (PAGE_SIZE / sizeof(uint32_t)) + 1] != 0 ||
		       base[i * (PAGE_SIZE / sizeof(uint32_t))] != round * PAGES + i;
	return bad;
}

int main(int arg)
{
	for (uint32_t r = 0; r < (uint32_t)arg; r++) {
		volatile uint32_t *base = map(NULL, SPAN, PROT_READ | PROT_WRITE);
		if (uerr((void *)base) || round_at(base, r) || unmap((void *)base, SPAN) < 0)
			return 1;
	}
	return 0;
}
