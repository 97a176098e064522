/*
 * demo_proc.c - part 2 of what `make run` shows: init and its tree of
 * worker processes (user/init.c, user/worker.c), then a summary line with
 * what the processes made the paging system do.
 */
#include "check.h"
#include "demo_frames.h"
#include "runs.h"
#include "frame.h"
#include "lib.h"
#include "proc.h"
#include "status.h"
#include "uapi.h"
#include "vmspace.h"

bool demo_processes(void)
{
	uint32_t before = demo_free_frames();
	struct vm_stats vs;
	struct proc_stats ps;
	int status = -1;

	kprintf("demo: part 2: user processes; init starts the workers\n");
	pt_vm_reset_stats();
	int pid = proc_spawn("init", 0);
	if (pid < 0) {
		kprintf("demo: cannot start init: %s%s\n", sys_err_text(pid),
			pid == -SYS_ENOMEM ? ": raise MEM, or lower kzone=" : "");
		return false;
	}
	int blocked = proc_run();
	bool reaped = proc_reap(pid, &status) == 0;
	uint32_t leaked = before - demo_free_frames();
	pt_vm_get_stats(&vs);
	proc_get_stats(&ps);
	if (blocked)
		kprintf("demo: %d processes wait for ever\n", blocked);
	char how[STATUS_TEXT_MAX];
	kprintf("demo: init %s\n", wait_status_text(status, how, sizeof(how)));
	bool sound = pt_vm_check() == 0;
	if (!sound)
		kprintf("demo: the invariants do not hold after the processes\n");
	kprintf("summary: processes=%u forks=%u execs=%u exits=%u killed=%u cow_copies=%u "
		"cow_reuses=%u zero_fills=%u stack_growths=%u relocations=%u "
		"inplace_growths=%u shrinks=%u preemptions=%u context_switches=%u "
		"frames_leaked=%u\n", ps.processes, ps.forks, ps.execs, ps.exits, ps.killed,
		vs.cow_copies, vs.cow_reuses, vs.zero_fills, ps.stack_growths, vs.relocations,
		vs.inplace_growths, vs.shrinks, ps.preemptions, ps.switches, leaked);
	return reaped && sound && status == 0 && blocked == 0 && leaked == 0;
}
