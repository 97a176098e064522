/*
 * spin.c - a process that stays: it grows its heap by n pages (n, its
 * argument, at most 4096), writes to each, then yields for ever.  The kernel
 * monitor's `run spin <n>` gives a learner a process to look at, and to kill.
 */
#include "ulib.h"

#define SPIN_MAX_PAGES 4096

int main(int arg)
{
	if (arg < 0 || arg > SPIN_MAX_PAGES)
		return 1;
	char *heap = sbrk(arg * PAGE_SIZE);
	if (uerr(heap))
		return 2;
	for (int i = 0; i < arg; i++)
		heap[i * PAGE_SIZE] = (char)i;
	for (;;)
		yield();
}
