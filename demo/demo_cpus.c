/*
 * demo_cpus.c - part 4 of what `make run SMP=<n>` shows, with more than one
 * CPU: one process with a thread on every CPU (user/cpus.c), its address
 * space live on all of them while its leader unmaps, maps and grows it,
 * then a summary line with what that made the CPUs do: the shootdowns,
 * the CPUs they interrupted, the blocks that moved while live on other
 * CPUs, the blocks that gave pages back (shrinks, the far spans unmapped
 * under the threads), the data errors the threads saw (a CPU left with a stale
 * translation reads the old page) and the frames not given back.
 */
#include "check.h"
#include "demo_frames.h"
#include "frame.h"
#include "lib.h"
#include "proc.h"
#include "runs.h"
#include "smp.h"
#include "status.h"
#include "uapi.h"
#include "vmspace.h"

bool demo_cpus(void)
{
	uint32_t ncpus = smp_running(), before = demo_free_frames();
	struct proc_stats p0, p1;
	struct vm_stats vs;
	int status = -1;

	if (ncpus < 2)
		return true;
	kprintf("demo: part 4: one process, a thread on each of %u cpus\n", ncpus);
	proc_set_cpus(ncpus);
	proc_get_stats(&p0);
	pt_vm_reset_stats();
	int pid = proc_spawn("cpus", (int)ncpus);
	if (pid < 0) {
		kprintf("demo: cannot start cpus: %s\n", sys_err_text(pid));
		return false;
	}
	int blocked = proc_run();
	bool reaped = proc_reap(pid, &status) == 0;
	proc_set_cpus(1);
	uint32_t leaked = before - demo_free_frames();
	pt_vm_get_stats(&vs);
	proc_get_stats(&p1);
	char how[STATUS_TEXT_MAX];
	kprintf("demo: cpus %s\n", wait_status_text(status, how, sizeof(how)));
	bool sound = pt_vm_check() == 0;
	if (!sound)
		kprintf("demo: the invariants do not hold after the threads\n");
	uint32_t errors = reaped && status >= 0 && !(status & KILLED_BIT) ? (uint32_t)status : 1;
	kprintf("summary: cpus=%u threads=%u shootdowns=%u ipis=%u relocations_while_shared=%u "
		"shrinks=%u data_errors=%u frames_leaked=%u\n", ncpus, p1.threads - p0.threads,
		vs.shootdowns, vs.ipis, vs.relocations_while_shared, vs.shrinks, errors, leaked);
	return reaped && sound && errors == 0 && blocked == 0 && leaked == 0;
}
