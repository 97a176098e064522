/*
 * proc.c - processes: the table, starting programs, fork, exec, exit and
 * wait, and the round-robin scheduler (see proc.h).
 *
 * Each process - each thread of one (procdef.h) - has a kernel stack of
 * its own.  Entering the kernel from ring 3 (a system call, a fault, the
 * timer) the CPU switches to the top of it (the TSS's esp0), so the trap
 * frame of the thread's user state is always at the same place.
 * Switching processes is switching kernel stacks (context_switch) with
 * the scheduler's stack in between:
 *
 *   proc_run()  --context_switch-->  process A's kernel stack
 *       ^                              | yields, blocks, exits or is
 *       +-------context_switch---------+ preempted by the timer
 *
 * A new process's stack is made to look like one that called
 * context_switch from trap_return, so its first switch "returns" into
 * trap_return and irets to ring 3 from the trap frame built for it.
 */
#include "procdef.h"
#include "check.h"
#include "cpu.h"
#include "debug.h"
#include "elf.h"
#include "errors.h"
#include "frame.h"
#include "gdt.h"
#include "layout.h"
#include "lib.h"
#include "pagefault.h"
#include "pager.h"
#include "pressure.h"
#include "programs.h"
#include "seam.h"
#include "spinlock.h"
#include "syserr.h"
#include "timer.h"
#include "tracker.h"
#include "uapi.h"
#include "vmspace.h"

/* slices of 250 us of a process's own time: 250,000 of its instructions under -icount shift=0 */
#define TIMER_HZ 4000
#define EFLAGS_USER (BIT(EFLAGS_IF_BIT) | BIT(1)) /* interrupts on; bit 1 is always set */

extern char trap_return[];
extern void context_switch(uint32_t *save_esp, uint32_t next_esp);

struct proc *running_on[CPU_MAX];
static struct proc_stats proc_counters;
static struct proc procs[NPROC];
static uint32_t sched_esp[CPU_MAX]; /* each CPU's scheduler's stack while a process runs */
static uint32_t open_cpus = 1;      /* CPUs that take processes now: 0 .. open_cpus - 1 */
static uint32_t run_cpus = 1;       /* CPUs proc_run opens (proc_set_cpus) */
static int next_pid = 1;
static int last_run;        /* round-robin position in procs[] */
static uint32_t turns;      /* the scheduler's clock: processes picked to run, and jumps */
static bool verbose = true;

void proc_set_verbose(bool on)
{
	verbose = on;
}

static uint32_t kstack_top(const struct proc *p)
{
	return p->kstack + KSTACK_PAGES * PAGE_SIZE;
}

struct trap_frame *proc_frame(const struct proc *p)
{
	return (struct trap_frame *)kstack_top(p) - 1;
}

static struct proc *find(int pid)
{
	for (int i = 0; i < NPROC; i++)
		if (procs[i].state != P_FREE && procs[i].pid == pid)
			return &procs[i];
	return NULL;
}

/* Whether slot m holds a thread of the process whose leader is g (g itself included). */
static bool of_group(const struct proc *m, const struct proc *g)
{
	return m->state != P_FREE && m->group == g;
}

/* Whether thread p has not ended. */
static bool alive(const struct proc *p)
{
	return p->state != P_FREE && p->state != P_ZOMBIE && p->state != P_ENDING;
}

/* ---- making and freeing processes ---------------------------------------- */

/*
 * Destroy address space `as`, which is not live.  The kernel pins no user
 * frame, so this cannot fail (pt_vm_destroy); if it did, frames would be lost.
 */
static void destroy_space(int as)
{
	int rc = pt_vm_destroy(as);

	if (rc < 0)
		panic("destroy_space: address space %d: %s (%s)", as, err_name(rc),
		      err_cause(rc));
}

/* A free slot with a kernel stack, or NULL. */
static struct proc *alloc_proc(int parent, const char *name)
{
	for (int i = 0; i < NPROC; i++) {
		struct proc *p = &procs[i];
		if (p->state != P_FREE)
			continue;
		paddr_t stack;
		while (pt_frame_alloc_run(KSTACK_PAGES, &stack) < 0)
			if (proc_make_room(current) < 0)
				return NULL;
		*p = (struct proc){ .state = P_NEW, .pid = next_pid++, .parent = parent,
				    .kstack = stack, .as = -1, .group = p, .threads = 1,
				    .pinned = -1,
				    .regions = SPINLOCK_INIT("a process's regions", REGIONS_RANK) };
		ksnprintf(p->name, sizeof(p->name), "%s", name);
		return p;
	}
	return NULL;
}

/* Give back a slot and its kernel stack (its address space is gone already). */
static void free_proc(struct proc *p)
{
	pt_frame_free_run(p->kstack, KSTACK_PAGES);
	p->state = P_FREE;
}

/*
 * Lay out p's kernel stack for its first switch: the callee-saved
 * registers context_switch pops, then trap_return as the return address,
 * then the trap frame (already written at the top).
 */
static void prepare_first_switch(struct proc *p)
{
	uint32_t *sp = (uint32_t *)proc_frame(p);

	*--sp = (uint32_t)trap_return;
	for (int i = 0; i < 4; i++) /* ebp, ebx, esi, edi */
		*--sp = 0;
	p->esp = (uint32_t)sp;
}

/* The user state a program starts in: at entry, EAX = arg, the stack empty. */
static void start_frame(struct proc *p, vaddr_t entry, int arg)
{
	struct trap_frame *tf = proc_frame(p);

	*tf = (struct trap_frame){
		.gs = SEG_UDATA, .fs = SEG_UDATA, .es = SEG_UDATA, .ds = SEG_UDATA,
		.eax = (uint32_t)arg,
		.eip = entry, .cs = SEG_UCODE, .eflags = EFLAGS_USER,
		.user_esp = STACK_TOP, .user_ss = SEG_UDATA,
	};
	if (p == current)
		fpu_reset(); /* exec: the registers are the process's now */
	else
		p->fpu = FPU_INITIAL;
}

/*
 * A new address space holding program `name`: its handle, with the entry
 * point and heap start in *info; or -SYS_ENOENT, -SYS_EINVAL, -SYS_ENOMEM.
 */
static int load_program(const char *name, struct elf_info *info)
{
	const struct program *prog = program_find(name);

	if (!prog)
		return -SYS_ENOENT;
	for (;;) {
		int as = pt_vm_create(), rc = as < 0 ? -SYS_ENOMEM : 0;
		if (as >= 0 && (rc = elf_load(as, prog->image, prog->size, name, info)) < 0)
			destroy_space(as);
		if (rc == 0)
			return as;
		if (rc != -SYS_ENOMEM || proc_make_room(current) < 0)
			return rc;
	}
}

/* Give p the fresh program in address space `as`, starting it with arg. */
static void set_image(struct proc *p, int as, const struct elf_info *info, const char *name,
		      int arg)
{
	p->as = as;
	p->heap_start = p->brk = info->end;
	p->stack_low = STACK_TOP;
	memset(p->maps, 0, sizeof(p->maps));
	ksnprintf(p->name, sizeof(p->name), "%s", name);
	start_frame(p, info->entry, arg);
}

int proc_spawn(const char *name, int arg)
{
	struct elf_info info;
	struct proc *p = alloc_proc(PARENT_KERNEL, name);

	if (!p)
		return -SYS_ENOMEM;
	int as = load_program(name, &info);
	if (as < 0) {
		free_proc(p);
		return as;
	}
	set_image(p, as, &info, name, arg);
	prepare_first_switch(p);
	p->state = P_RUNNABLE;
	proc_counters.processes++;
	return p->pid;
}

/* ---- the scheduler ---------------------------------------------------------- */

/*
 * Make runnable every sleeper whose turn has come; with nothing else to
 * run, nor running on another CPU, the first one's.
 */
static void wake_sleepers(void)
{
	uint32_t first = UINT32_MAX;
	bool busy = false;

	for (int i = 0; i < NPROC; i++) {
		busy |= procs[i].state == P_RUNNABLE || procs[i].state == P_RUNNING;
		if (procs[i].state == P_SLEEPING)
			first = MIN(first, procs[i].wake_at);
	}
	if (!busy && first != UINT32_MAX && first > turns)
		turns = first; /* nothing else to do: the clock jumps to the first wake-up */
	for (int i = 0; i < NPROC; i++)
		if (procs[i].state == P_SLEEPING && procs[i].wake_at <= turns)
			procs[i].state = P_RUNNABLE;
}

/*
 * Whether p may run on CPU me: it is pinned to none, to me, or to a CPU
 * that takes no processes now (proc_set_cpus lowered since it was pinned).
 */
static bool may_run_here(const struct proc *p, int me)
{
	return p->pinned < 0 || p->pinned == me || p->pinned >= (int)open_cpus;
}

/* The next runnable process round-robin that may run on this CPU, or NULL. */
static struct proc *pick_next(void)
{
	int me = (int)smp_self();

	wake_sleepers();
	for (int n = 1; n <= NPROC; n++) {
		int i = (last_run + n) % NPROC;
		if (procs[i].state == P_RUNNABLE && may_run_here(&procs[i], me)) {
			last_run = i;
			turns++;
			return &procs[i];
		}
	}
	return NULL;
}

static void end_process(struct proc *g, int status);

/*
 * Make p's address space live, its block brought back first if it is out.
 * No room for the block: make room (other processes' blocks go out, or one
 * is ended) and try again.  False if p could not be made to run: it has
 * been ended (its block could not be read from swap, or it was chosen to
 * make room).
 */
static bool activate(struct proc *p)
{
	int rc;

	while ((rc = pt_vm_activate(p->as)) == -E_NOMEM)
		if (proc_make_room(p) < 0)
			break;
	if (rc == 0)
		return true;
	if (rc == -E_IO && verbose)
		kprintf("killed: process %d (%s): its page tables could not be read from swap\n",
			proc_pid(p), p->name);
	if (rc != -E_IO && !p->doomed && verbose) /* not chosen: nothing could be freed */
		kprintf("killed: process %d (%s): no room to bring its page tables back\n",
			proc_pid(p), p->name);
	end_process(p->group, KILLED_BIT | (rc == -E_IO ? KILL_IO : KILL_NOMEM));
	return false;
}

/*
 * Run p until it gives the CPU back: it yields, blocks, ends or is
 * preempted; or not at all, if it could not be made to run (activate).
 */
static void run_one(struct proc *p)
{
	uint32_t me = smp_self(); /* this is the CPU's own stack: still this CPU after the switch */

	DEBUG_ASSERT(klock_held());
	if (!activate(p))
		return;
	running_on[me] = p;
	p->state = P_RUNNING;
	tss_set_kernel_stack(kstack_top(p));
	proc_counters.switches++;
	timer_new_slice(me);
	fpu_restore(&p->fpu);
	context_switch(&sched_esp[me], p->esp);
	fpu_save(&p->fpu);
	p->last_ran = turns;
	running_on[me] = NULL;
	if (p->state == P_ZOMBIE && p->parent == PARENT_NONE)
		free_proc(p); /* nobody will wait for it; its stack is free now */
}

/*
 * Whether another CPU has work: a process runs there (this CPU runs its
 * scheduler), or waits to run there alone (pinned).
 */
static bool work_elsewhere(void)
{
	for (int i = 0; i < NPROC; i++)
		if (procs[i].state == P_RUNNING ||
		    (procs[i].state == P_RUNNABLE && !may_run_here(&procs[i], 0)))
			return true;
	return false;
}

/* Leave every space for the master's: a block live on a CPU is neither destroyed nor paged out. */
static void leave_spaces(void)
{
	if (pt_vm_live() != TRK_MASTER)
		pt_vm_activate(0);
}

/*
 * Nothing to run on the boot CPU for now, but processes run elsewhere:
 * give the lock back and sleep until this CPU's timer, a slice from now,
 * or another interrupt.
 */
static void idle(void)
{
	leave_spaces();
	klock_give();
	timer_idle(0);
	wait_for_interrupt();
	klock_take();
}

/*
 * An AP's work (smp_set_ap_work): run what it may until nothing is left
 * for it, then sleep, woken a slice later to look again while processes
 * may run on it.
 */
static void ap_work(uint32_t me)
{
	struct proc *p;

	if (me >= __atomic_load_n(&open_cpus, __ATOMIC_ACQUIRE))
		return; /* no processes for it: it sleeps without the lock (smp_call needs that) */
	klock_take();
	while (me < open_cpus && (p = pick_next()))
		run_one(p);
	leave_spaces();
	if (me < open_cpus)
		timer_idle(me);
	klock_give();
}

void proc_set_cpus(uint32_t n)
{
	run_cpus = MAX(1u, MIN(n, smp_running()));
}

uint32_t proc_cpus(void)
{
	return run_cpus;
}

int proc_run(void)
{
	struct proc *p;
	int blocked = 0;

	__atomic_store_n(&open_cpus, run_cpus, __ATOMIC_RELEASE);
	smp_wake((uint32_t)MASK(open_cpus) & ~1u);
	for (;;) {
		if ((p = pick_next()))
			run_one(p);
		else if (work_elsewhere())
			idle();
		else
			break;
	}
	__atomic_store_n(&open_cpus, 1, __ATOMIC_RELEASE);
	pt_vm_activate(0);
	for (int i = 0; i < NPROC; i++)
		blocked += procs[i].state == P_WAITING;
	return blocked;
}

bool proc_step(void)
{
	struct proc *p = pick_next();

	if (!p)
		return false;
	run_one(p);
	pt_vm_activate(0);
	return true;
}

void proc_yield(void)
{
	struct proc *p = current;

	if (p->state == P_RUNNING)
		p->state = P_RUNNABLE;
	context_switch(&p->esp, sched_esp[smp_self()]);
}

/*
 * A tick of this CPU's timer (its EOI done).  From ring 3: a process
 * marked to end ends (it was running on another CPU when chosen), and one
 * whose slice is over gives the CPU up.  A tick that interrupts the kernel
 * (waiting for the lock, or idle) does nothing.
 */
static bool timer_tick(struct trap_frame *tf)
{
	if (!trap_from_user(tf) || !current)
		return true;
	proc_end_if_doomed();
	if (timer_slice_over(smp_self())) {
		proc_counters.preemptions++;
		proc_yield();
	}
	return true;
}

int proc_pin(int cpu)
{
	struct proc *p = current;

	if (cpu < -1 || cpu >= (int)open_cpus)
		return -SYS_EINVAL;
	p->pinned = cpu;
	if (cpu >= 0 && cpu != (int)smp_self())
		proc_yield(); /* another CPU picks it: the one it may run on */
	return 0;
}

/* ---- ending ------------------------------------------------------------------ */

/* Hand process g's children to nobody: they are freed when they end. */
static void orphan_children(const struct proc *g)
{
	for (int i = 0; i < NPROC; i++) {
		struct proc *c = &procs[i];
		if (c->state == P_FREE || c->parent != g->pid)
			continue;
		if (c->state == P_ZOMBIE)
			free_proc(c);
		else
			c->parent = PARENT_NONE; /* a P_ENDING one too: freed when its last thread ends */
	}
}

/*
 * Debug kernels (PT_DEBUG) run the invariant checker each time a process
 * ends (STYLE 7): its whole address space has just been given back, where
 * a lost reference or a stray entry would show.  pt_vm_check prints the
 * broken invariant; the run stops there.
 */
static void check_after_exit(const struct proc *p)
{
#ifdef PT_DEBUG
	if (pt_vm_check() < 0)
		panic("proc_exit: process %d (%s) ended with a paging invariant broken", p->pid,
		      p->name);
#else
	(void)p;
#endif
}

/* Make runnable every thread of process g that waits (in wait or join): it looks again. */
static void wake_waiting(const struct proc *g)
{
	for (int i = 0; i < NPROC; i++)
		if (of_group(&procs[i], g) && procs[i].state == P_WAITING)
			procs[i].state = P_RUNNABLE;
}

/*
 * Mark every thread of process g that has not ended to end at its next
 * entry to the kernel, with cause (a KILL_xxx) unless it has one already;
 * those asleep or waiting are woken to get there.
 */
static void doom_process(struct proc *g, int cause)
{
	for (int i = 0; i < NPROC; i++) {
		struct proc *m = &procs[i];
		if (!of_group(m, g) || !alive(m))
			continue;
		if (!m->doomed)
			m->doomed = cause;
		if (m->state == P_SLEEPING || m->state == P_WAITING)
			m->state = P_RUNNABLE;
	}
}

/*
 * The threads of g other than its leader, all ended, give back their
 * slots: each but the current one (whose stack is in use: run_one frees
 * it once switched out) at once.
 */
static void free_threads(struct proc *g)
{
	for (int i = 0; i < NPROC; i++) {
		struct proc *m = &procs[i];
		if (!of_group(m, g) || m == g)
			continue;
		m->as = -1;
		m->parent = PARENT_NONE;
		if (m != current)
			free_proc(m);
	}
}

/*
 * The last thread of process g has ended: its address space destroyed
 * (made not live first), its threads' slots given back, its children
 * orphaned, its parent woken with the leader's status.
 */
static void end_space(struct proc *g)
{
	if (g->as >= 0) { /* proc_exit's last thread gave it back already */
		if (pt_vm_live() == g->as)
			pt_vm_activate(0); /* an address space cannot be destroyed while live */
		destroy_space(g->as);
		g->as = -1;
	}
	free_threads(g);
	orphan_children(g);
	check_after_exit(g);
	g->state = P_ZOMBIE;
	struct proc *parent = g->parent > 0 ? find(g->parent) : NULL;
	if (parent)
		wake_waiting(parent->group);
	if (g->status & KILLED_BIT)
		proc_counters.killed++;
	else
		proc_counters.exits++;
	if (g != current && g->parent == PARENT_NONE)
		free_proc(g); /* nobody will wait for it, and it is not on its stack */
}

/*
 * End thread p with status `status` (a thread of a process that is being
 * ended gets its doom's status instead).  p is the current thread
 * (proc_exit), or one that is switched out (end_process): it will never
 * run again, and holds nothing on its kernel stack but its own suspended
 * call.  The leader's end ends the process: the other threads are doomed,
 * and the leader waits for them as P_ENDING.  Another thread's end wakes
 * its process's joiners.  The last thread's end ends the process
 * (end_space).
 */
static void end_proc(struct proc *p, int status)
{
	struct proc *g = p->group;

	if (p->doomed && !(status & KILLED_BIT))
		status = KILLED_BIT | p->doomed; /* its process was killed under it */
	p->status = status;
	p->state = p == g && g->threads > 1 ? P_ENDING : P_ZOMBIE;
	g->threads--;
	if (p == g)
		doom_process(g, KILL_ORDER); /* the others end as on the kernel's order */
	if (g->threads > 0)
		wake_waiting(g);
	else
		end_space(g);
}

/*
 * End process g now, from outside it (a kill to make room, the monitor's
 * kill, a block that could not come back) with status `status`: each of
 * its threads that is switched out ends at once; one running on another
 * CPU is doomed, and ends at its next entry to the kernel.
 */
static void end_process(struct proc *g, int status)
{
	doom_process(g, status & ~KILLED_BIT);
	for (int i = 0; i < NPROC; i++) {
		struct proc *m = &procs[i];
		if (of_group(m, g) && alive(m) && m->state != P_RUNNING)
			end_proc(m, status);
	}
}

/*
 * The space of process g, whose last thread is the caller, destroyed
 * before the thread ends: with several CPUs without the big lock, as the
 * core locks what the destroy touches.  g->as is -1 first, so that no CPU
 * holding the big lock meanwhile names the handle, which a new space may
 * take; g runs here, so nothing ends it or waits for it meanwhile.
 */
static void give_back_space(struct proc *g)
{
	int as = g->as;

	if (pt_vm_live() == as)
		pt_vm_activate(0); /* an address space cannot be destroyed while live */
	g->as = -1;
	if (smp_running() == 1) {
		destroy_space(as);
		return;
	}
	klock_give();
	destroy_space(as);
	klock_take();
	proc_counters.destroys_unlocked++;
}

_Noreturn void proc_exit(int status)
{
	struct proc *p = current;

	if (p->group->threads == 1 && p->group->as >= 0)
		give_back_space(p->group);
	end_proc(p, status);
	context_switch(&p->esp, sched_esp[smp_self()]);
	panic("proc_exit: thread %d of process %d ran after it ended", p->pid, proc_pid(p));
}

_Noreturn void proc_kill_process(int status)
{
	/* the leader too, if it lives: its status, the one its parent gets, is the kill's */
	doom_process(current->group, status & ~KILLED_BIT);
	proc_exit(status);
}

int proc_terminate(int pid)
{
	struct proc *p = find(pid);

	if (!p || p->state == P_ZOMBIE)
		return -SYS_ENOENT;
	if ((current && current->group == p->group) || pt_vm_live() == p->as)
		return -SYS_EINVAL; /* only from the kernel's own context, between slices */
	end_process(p->group, KILLED_BIT | KILL_ORDER); /* freed there if nobody will wait */
	return 0;
}

static const char *state_name(enum proc_state s)
{
	static const char *const names[] = {
		[P_FREE] = "free", [P_NEW] = "new", [P_RUNNABLE] = "runnable",
		[P_RUNNING] = "running", [P_WAITING] = "waiting", [P_SLEEPING] = "sleeping",
		[P_ZOMBIE] = "ended", [P_ENDING] = "ending",
	};

	return names[s];
}

int proc_list(struct proc_info *out, int max)
{
	int n = 0;

	for (int i = 0; i < NPROC && n < max; i++) {
		const struct proc *p = &procs[i];
		if (p->state == P_FREE)
			continue;
		out[n++] = (struct proc_info){ .pid = p->pid, .group = proc_pid(p),
					       .parent = p->group->parent, .as = p->as,
					       .brk = p->group->brk, .state = state_name(p->state) };
		ksnprintf(out[n - 1].name, sizeof(out[n - 1].name), "%s", p->name);
	}
	return n;
}

void proc_end_if_doomed(void)
{
	if (current && current->doomed)
		proc_exit(KILLED_BIT | current->doomed);
}

/* Kill the current process (every thread) for touching `addr`: print why and end it. */
static _Noreturn void proc_kill(int cause, vaddr_t addr, uint32_t err, const char *why)
{
	struct proc *p = current;

	if (cause == KILL_IO && verbose)
		kprintf("killed: process %d (%s): its page at 0x%08x could not be read from swap\n",
			proc_pid(p), p->name, ALIGN_DOWN(addr, PAGE_SIZE));
	else if (verbose)
		kprintf("killed: process %d (%s): %s at 0x%08x: %s\n", proc_pid(p), p->name,
			err & PF_W ? "write" : "read", addr, why);
	proc_kill_process(KILLED_BIT | cause);
}

int proc_reap(int pid, int *status)
{
	struct proc *p = find(pid);

	if (!p || p->parent != PARENT_KERNEL || p->state != P_ZOMBIE)
		return -SYS_ECHILD;
	*status = p->status;
	free_proc(p);
	return 0;
}

/* ---- making room ----------------------------------------------------------------- */

/* Whether every thread of process g that has not ended sleeps or waits (one at least). */
static bool all_idle(const struct proc *g)
{
	int idle = 0;

	for (int i = 0; i < NPROC; i++) {
		const struct proc *m = &procs[i];
		if (!of_group(m, g) || !alive(m))
			continue;
		if (m->state != P_SLEEPING && m->state != P_WAITING)
			return false;
		idle++;
	}
	return idle > 0;
}

/*
 * Whether p is a process's leader whose threads all sleep or wait, with
 * its address space's block in RAM (the tracker says, without the walk
 * pt_vm_info makes of a space in RAM).
 */
static bool idle_in_ram(const struct proc *p)
{
	if (p->state == P_FREE || p->group != p || !all_idle(p))
		return false;
	return p->as > 0 && !pt_trk_out(pt_trk_get(p->as));
}

/*
 * The idle process with its block in RAM that ran the longest ago (ties:
 * lowest pid), skip[] aside, or NULL.
 */
static struct proc *longest_idle(const bool skip[NPROC])
{
	struct proc *best = NULL;

	for (int i = 0; i < NPROC; i++) {
		struct proc *p = &procs[i];
		if (skip[i] || !idle_in_ram(p))
			continue;
		if (!best || p->last_ran < best->last_ran ||
		    (p->last_ran == best->last_ran && p->pid < best->pid))
			best = p;
	}
	return best;
}

static uint32_t free_frames(void)
{
	return pt_frame_free_count(ZONE_KERNEL) + pt_frame_free_count(ZONE_USER);
}

/*
 * Page out whole processes that do not run, those idle the longest first,
 * until `want` user frames are freed or each has been tried: the user
 * frames freed.  A process whose block cannot go (it maps shared memory,
 * or the slots ran out) is passed over, keeping what of it went out.
 */
static uint32_t page_out_idle(uint32_t want)
{
	uint32_t before = pt_frame_free_count(ZONE_USER);
	bool tried[NPROC] = { false };
	struct proc *p;

	while (pt_frame_free_count(ZONE_USER) - before < want && (p = longest_idle(tried))) {
		tried[p - procs] = true;
		pt_pager_block_out(p->as);
	}
	return pt_frame_free_count(ZONE_USER) - before;
}

/* Page out the block of one idle process other than need: true if frames were freed. */
static bool block_out_one(const struct proc *need)
{
	uint32_t before = free_frames();
	bool tried[NPROC] = { false };
	struct proc *p;

	if (need)
		tried[need->group - procs] = true;
	while ((p = longest_idle(tried))) {
		tried[p - procs] = true;
		if (pt_pager_block_out(p->as) == 0 || free_frames() > before)
			return free_frames() > before;
	}
	return false;
}

/* The pages process p holds: resident and in swap. */
static uint32_t holding(const struct proc *p)
{
	struct vm_space_info info;

	return pt_vm_info(p->as, &info) == 0 ? info.mapped : 0;
}

/*
 * Whether the kernel may end p to make room: a process (its leader) that
 * exists and runs (or can), not init: the processes the kernel started
 * itself (proc_spawn: init is pid 1 in the demo) are never chosen.
 */
static bool may_end(const struct proc *p)
{
	if (p->state != P_RUNNABLE && p->state != P_RUNNING && p->state != P_WAITING &&
	    p->state != P_SLEEPING)
		return false;
	return p->group == p && p->pid != 1 && p->parent != PARENT_KERNEL && p->as >= 0;
}

/* Whether a thread of process g runs now (the current one, or one on another CPU). */
static bool any_running(const struct proc *g)
{
	for (int i = 0; i < NPROC; i++)
		if (of_group(&procs[i], g) && procs[i].state == P_RUNNING)
			return true;
	return false;
}

/* The process holding the most pages that may be ended (ties: highest pid), or NULL. */
static struct proc *oom_victim(uint32_t *pages)
{
	struct proc *best = NULL;

	*pages = 0;
	for (int i = 0; i < NPROC; i++) {
		struct proc *p = &procs[i];
		uint32_t n = may_end(p) ? holding(p) : 0;
		if (!may_end(p) || (best && (n < *pages || (n == *pages && p->pid < best->pid))))
			continue;
		best = p;
		*pages = n;
	}
	return best;
}

int proc_make_room(struct proc *need)
{
	uint32_t pages;

	if (pressure_reclaim() > 0 || block_out_one(need))
		return 0;
	if (pt_frame_free_count(ZONE_USER) > 0)
		return -E_NOMEM; /* not out of memory: a run of the kernel zone, or a failure injected */
	struct proc *v = oom_victim(&pages);
	if (!v)
		return -E_NOMEM;
	if (verbose)
		kprintf("killed: process %d (%s): out of memory and swap, holding %u pages\n",
			v->pid, v->name, pages);
	if ((need && need->group == v) || any_running(v)) {
		/* need, or a thread running (here or on another CPU), ends on its way out of (or
		 * next into) the kernel, and the others with it */
		doom_process(v, KILL_NOMEM);
		return -E_NOMEM;
	}
	end_process(v, KILLED_BIT | KILL_NOMEM);
	return 0;
}

static int nomem_handler(struct proc *p)
{
	return proc_make_room(p);
}

/* ---- fork, wait, exec, sleep --------------------------------------------------- */

int proc_sleep(uint32_t turns_asked)
{
	struct proc *p = current;

	p->wake_at = turns + turns_asked;
	p->state = P_SLEEPING;
	proc_yield();
	return 0;
}

/*
 * A forked process is named after what it runs, its parent's program,
 * marked as a fork ("fork of init") until it execs another; a fork of a
 * fork keeps the one mark.
 */
static void fork_name(const char *parent, char *name, size_t size)
{
	bool marked = strncmp(parent, FORK_MARK, sizeof(FORK_MARK) - 1) == 0;

	ksnprintf(name, size, "%s%s", marked ? "" : FORK_MARK, parent);
}

/*
 * The child's space, with several CPUs first without the big lock: the
 * core locks what the clone touches, and the child is P_NEW, which nothing
 * else looks at.  Out of memory is tried again under the lock (proc_fork).
 */
static int clone_space(struct proc *child, struct proc *parent)
{
	if (smp_running() == 1)
		return user_clone_space(child, parent);
	klock_give();
	int as = user_clone_space(child, parent);
	klock_take();
	proc_counters.clones_unlocked += as >= 0;
	return as;
}

/*
 * From any thread: the child is a process of one thread, a copy of the
 * caller (its registers, its stack among the copied memory), whose parent
 * is the caller's process.
 */
int proc_fork(void)
{
	struct proc *caller = current, *parent = caller->group, *child;
	char name[sizeof(parent->name)];

	fork_name(parent->name, name, sizeof(name));
	child = alloc_proc(parent->pid, name);
	if (!child)
		return -SYS_ENOMEM;
	pressure_before_alloc(); /* the copies to come need frames: below the watermark, reclaim */
	int as = clone_space(child, parent);
	while (as == -E_NOMEM && proc_make_room(caller) == 0)
		as = user_clone_space(child, parent);
	if (as < 0) {
		free_proc(child);
		return sys_error(as);
	}
	fpu_save(&child->fpu); /* the caller's registers, as they are now */
	fpu_restore(&child->fpu);
	*proc_frame(child) = *proc_frame(caller);
	proc_frame(child)->eax = 0; /* fork returns 0 in the child */
	prepare_first_switch(child);
	child->state = P_RUNNABLE;
	proc_counters.processes++;
	proc_counters.forks++;
	return child->pid;
}

static struct proc *ended_child(const struct proc *p, bool *any)
{
	*any = false;
	for (int i = 0; i < NPROC; i++) {
		struct proc *c = &procs[i];
		if (c->state == P_FREE || c->parent != p->pid)
			continue;
		*any = true;
		if (c->state == P_ZOMBIE)
			return c;
	}
	return NULL;
}

/* From any thread: the children are its process's. */
int proc_wait(vaddr_t status_ptr)
{
	struct proc *p = current;
	bool any;

	for (;;) {
		struct proc *c = ended_child(p->group, &any);
		if (!any)
			return -SYS_ECHILD;
		/* a bad pointer is refused before a child is collected, so no status is lost */
		int rc = status_ptr ? user_range_ready(p, status_ptr, sizeof(int), true) : 0;
		if (rc < 0)
			return rc;
		if (c) {
			int pid = c->pid, rc = 0;
			if (status_ptr)
				rc = user_copy_out(p, status_ptr, &c->status, sizeof(c->status));
			if (rc < 0)
				return rc;
			free_proc(c);
			return pid;
		}
		if (p->doomed)
			return -SYS_ECHILD; /* its process ends: syscall_trap ends it, unseen */
		p->state = P_WAITING; /* proc_exit of a child makes it runnable */
		proc_yield();
	}
}

int proc_exec(vaddr_t name_ptr, int arg)
{
	struct proc *p = current;
	char name[PROC_NAME_MAX];
	struct elf_info info;

	if (p->group != p || p->threads > 1)
		return -SYS_EBUSY; /* the other threads' code and stacks would go with the image */
	int rc = user_string_in(p, name, name_ptr, sizeof(name));
	if (rc < 0)
		return rc;
	int as = load_program(name, &info);
	if (as < 0)
		return as;
	int old = p->as;
	pt_vm_activate(as);
	destroy_space(old);
	free_threads(p); /* those ended and not joined: they ran the old program */
	set_image(p, as, &info, name, arg);
	proc_counters.execs++;
	return arg; /* the system call's result lands in EAX: main's argument */
}

/* ---- threads ------------------------------------------------------------------------- */

/* The slots process g's threads hold: those alive and those ended but not joined. */
static int thread_slots(const struct proc *g)
{
	int n = 0;

	for (int i = 0; i < NPROC; i++)
		n += of_group(&procs[i], g);
	return n;
}

/*
 * A new thread t of the current thread's process: the caller's segments,
 * eip = entry, esp = esp, the other registers zero, interrupts on, the x87
 * registers fresh.
 */
static void thread_frame(struct proc *t, vaddr_t entry, vaddr_t esp)
{
	const struct trap_frame *from = proc_frame(current);

	*proc_frame(t) = (struct trap_frame){
		.gs = from->gs, .fs = from->fs, .es = from->es, .ds = from->ds,
		.eip = entry, .cs = from->cs, .eflags = EFLAGS_USER,
		.user_esp = esp, .user_ss = from->user_ss,
	};
	t->fpu = FPU_INITIAL;
}

int proc_thread(vaddr_t entry, vaddr_t esp)
{
	struct proc *g = current->group, *t;

	if (!is_user_page(entry) || !is_user_page(esp))
		return -SYS_EINVAL;
	if (thread_slots(g) >= THREADS_MAX)
		return -SYS_EAGAIN;
	if (!(t = alloc_proc(PARENT_THREAD, g->name)))
		return -SYS_ENOMEM;
	t->group = g;
	t->as = g->as;
	thread_frame(t, entry, esp);
	prepare_first_switch(t);
	t->state = P_RUNNABLE;
	g->threads++;
	proc_counters.threads++;
	return t->pid;
}

/* Thread tid of process g, other than `self` and the leader, or NULL. */
static struct proc *find_thread(const struct proc *g, int tid, const struct proc *self)
{
	struct proc *t = find(tid);

	if (!t || t == self || t->group != g || t == g)
		return NULL;
	return t;
}

int proc_join(int tid, vaddr_t status_ptr)
{
	struct proc *p = current;

	for (;;) {
		struct proc *t = find_thread(p->group, tid, p);
		if (!t)
			return -SYS_ESRCH; /* no such thread, or joined already */
		/* as wait: a bad pointer is refused before the status is taken */
		int rc = status_ptr ? user_range_ready(p, status_ptr, sizeof(int), true) : 0;
		if (rc < 0)
			return rc;
		if (t->state == P_ZOMBIE) {
			if (status_ptr &&
			    (rc = user_copy_out(p, status_ptr, &t->status, sizeof(t->status))) < 0)
				return rc;
			free_proc(t);
			return 0;
		}
		if (p->doomed)
			return -SYS_ESRCH; /* its process ends: syscall_trap ends it, unseen */
		p->state = P_WAITING; /* the end of a thread of its process makes it runnable */
		proc_yield();
	}
}

uint32_t proc_faults_unlocked_on(uint32_t cpu)
{
	return user_faults_unlocked(cpu);
}

void proc_get_stats(struct proc_stats *s)
{
	*s = proc_counters;
	s->stack_growths = user_stack_growths();
	s->faults_unlocked = 0;
	for (uint32_t c = 0; c < CPU_MAX; c++)
		s->faults_unlocked += user_faults_unlocked(c);
	s->live = 0;
	for (int i = 0; i < NPROC; i++)
		s->live += procs[i].state != P_FREE;
}

static paddr_t noise_frame; /* proc_set_disk_noise: where the disk's pages land */
static uint32_t noise_reads;

int proc_set_disk_noise(void)
{
	if (hw_disk_pages() == 0)
		return -E_NOENT;
	return noise_frame ? 0 : pt_frame_alloc(ZONE_USER, &noise_frame);
}

/* With proc_set_disk_noise: read the next page of the disk, polling, as paging will. */
static void disk_noise(void)
{
	if (!noise_frame)
		return;
	int rc = hw_disk_read(noise_reads++ % hw_disk_pages(), noise_frame);
	if (rc < 0)
		panic("disk_noise: reading the disk: %s (%s)", err_name(rc), err_cause(rc));
}

/*
 * A page fault from ring 3: ufault.c resolves it or says why the process
 * must end.  With several CPUs it comes without the big lock, which it
 * takes only if ufault.c cannot resolve it without (spinlock.h).
 */
static bool user_page_fault(struct trap_frame *tf, vaddr_t addr, uint32_t err)
{
	(void)tf;
	if (!current)
		return false;
	int tried = -E_AGAIN;
	if (smp_running() > 1 && !klock_held()) { /* with one CPU, CPU 0 always holds it */
		if (!noise_frame && (tried = user_fault_now(current, addr, err)) == 0)
			return true;
		klock_take();
	}
	DEBUG_ASSERT(klock_held());
	disk_noise();
	struct fault_outcome o = user_fault(current, addr, err, tried);
	proc_end_if_doomed(); /* chosen to make room: its line is printed */
	if (o.kill)
		proc_kill(o.kill, addr, err, o.why);
	return true;
}

/* A trap from ring 3 nobody handled: the process did something it may not. */
static bool user_trap(struct trap_frame *tf)
{
	if (!current)
		return false;
	proc_end_if_doomed(); /* its process ends already: no second line */
	if (verbose)
		kprintf("killed: process %d (%s): %s at eip 0x%08x\n", proc_pid(current),
			current->name, trap_name(tf->vector), tf->eip);
	proc_kill_process(KILLED_BIT | KILL_FAULT);
}

void proc_init(void)
{
	memset(procs, 0, sizeof(procs));
	fpu_init();
	pagefault_set_user_handler(user_page_fault);
	user_set_nomem_handler(nomem_handler);
	pressure_init(page_out_idle);
	trap_set_user_fallback(user_trap);
	timer_init(TIMER_HZ, timer_tick);
	smp_set_ap_work(ap_work);
}
