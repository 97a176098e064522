/*
 * demo_pictures.c - with the word "pictures" on the command line, the demo
 * prints what scripts/pictures.py draws (make pictures): the kernel zone
 * at the fullest point of part 1 and at its end (pt_kzone_dump_raw), and,
 * after part 2, one process's address space with its block (pt_vm_dump_raw):
 * spin, its heap grown over a second 4 MiB region, so that its block holds
 * three tables whose order is that of their first use (code, stack, then
 * the heap's second region), not that of their PDEs.
 */
#include "check.h"
#include "lib.h"
#include "proc.h"
#include "runs.h"
#include "vmspace.h"

#define SPIN_PAGES 1100  /* 4.3 MiB of heap: past the code's 4 MiB region */
#define SPIN_TABLES 3    /* code and heap, stack, the heap's second region */
#define MAX_TURNS 10000  /* far more than spin takes to touch its heap */

static bool pictures;

void demo_set_pictures(bool on)
{
	pictures = on;
}

void demo_picture_kzone(const char *tag)
{
	if (pictures)
		pt_kzone_dump_raw(pt_console_sink, NULL, tag);
}

/* The address space of process pid, or -1. */
static int space_of(int pid)
{
	static struct proc_info all[NPROC];
	int n = proc_list(all, NPROC);

	for (int i = 0; i < n; i++)
		if (all[i].pid == pid)
			return all[i].as;
	return -1;
}

/* Whether spin has touched all of its heap: its last page is mapped. */
static bool heap_touched(int as, vaddr_t brk)
{
	struct vm_mapping m;

	return brk > 0 && pt_vm_query(as, brk - PAGE_SIZE, &m) == 0;
}

bool demo_picture_process(void)
{
	struct proc_info all[1];
	int status, pid = pictures ? proc_spawn("spin", SPIN_PAGES) : 0;

	if (pid <= 0)
		return !pictures;
	int as = space_of(pid), turns = 0;
	while (turns++ < MAX_TURNS && proc_step() && proc_list(all, 1) == 1 &&
	       !heap_touched(as, all[0].brk))
		;
	pt_vm_dump_raw(as, pt_console_sink, NULL, "process");
	bool ok = proc_terminate(pid) == 0 && proc_reap(pid, &status) == 0;
	if (!ok || turns > MAX_TURNS)
		kprintf("demo: the picture's process spin did not touch its heap and end\n");
	return ok && turns <= MAX_TURNS;
}
