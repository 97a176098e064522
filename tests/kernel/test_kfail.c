/*
 * test_kfail.c - the process layer out of memory, at every allocation
 * point of each operation, and a thousand processes under load.  Kernel
 * only.
 *
 * The sweep: for N = 1, 2, ... a scenario runs with its Nth allocation
 * failing (pt_frame_fail_nth), until a run ends without reaching it.  Each
 * run must end one of the allowed ways - the operation returned
 * -SYS_ENOMEM and left everything as it was, or a page fault found no
 * frame and the kernel killed the process with KILL_NOMEM, or an
 * allocation that failed had another way out and the operation succeeded
 * - and then every frame, address space and kmap slot must be back, the
 * checker must pass and no process may be left.  One driver, run_sweep(),
 * runs every scenario; a struct sweep holds what differs between them:
 * the case to run, the statuses that say how a run ended, and what else
 * each run must show.
 *
 * Aiming: the kfail program (tests/user/kfail.c) sets up what it needs, then
 * opens a window with the test trap KF_ARM right before the operation and
 * closes it with KF_DONE right after (kfail_cases.h).  The trap's handler
 * here starts the injection when the window opens and ends it when it
 * closes, so N counts the operation's own allocations only.  It also takes
 * a snapshot of the opener's address space (fx_snap), which must still
 * hold (fx_same) when the operation reports -SYS_ENOMEM; where other
 * processes may end inside the window, only its mappings must
 * (fx_same_maps; the counts are checked when the run is over).  spawn is
 * aimed from here, around proc_spawn.
 *
 *   spawn   proc_spawn("hello"): kernel stack, address space, program
 *           pages; then, still armed, the program's first page faults
 *   fork    a process with heap, data and a map forks
 *   exec    the same process execs kfail: fails, or the new image runs
 *           (still armed until it marks KF_DONE after its first faults)
 *   heap    sbrk across a page-table boundary, then the new pages are
 *           touched: by a system call (exec reads a name there) and by
 *           stores, one needing a new page table
 *   cow     a child writes the pages it shares with its parent, which
 *           waits, then checks its own copy and that its mappings are
 *           exactly as before (KF_SAME)
 *   wait    wait() with the status in a page shared copy-on-write: the
 *           kernel's copy of it fails, and no child is lost
 *   thread  a process with heap, data and maps starts a thread
 */
#include "check.h"
#include "frame.h"
#include "idt.h"
#include "kfixture.h"
#include "suites.h"
#include "uapi.h"
#include "vmspace.h"
#include "kfail_cases.h"

#define MAX_SWEEP 200        /* more allocation points than any scenario has */
#define HELLO_STATUS 7
#define STRESS_ROOTS 100     /* each a root and KF_STRESS_CHILDREN children */
#define STRESS_BATCH 10      /* roots at once: their trees fit in NPROC */
#define STRESS_KILLED 4      /* children of a root killed on purpose (kfail_cases.h) */

/* The window of the run in progress: what the test trap has seen. */
struct window {
	uint32_t nth;        /* the allocation of the window that fails (1: its first) */
	int arms;            /* KF_ARM traps seen */
	bool open;           /* injecting now */
	bool done;           /* closed by KF_DONE (not by the end of the run) */
	int as;              /* the address space that opened it */
	uint32_t start;      /* pt_frame_alloc_calls() when it opened */
	uint32_t used;       /* allocations while it was open */
	bool exact;          /* -SYS_ENOMEM must leave the counts as well as the mappings */
	bool have_result;    /* the opener marked KF_DONE */
	int result;          /* ... with this result */
	bool same;           /* ... and, if -SYS_ENOMEM, its state was as at KF_ARM */
	uint32_t signals;
};

static struct window win;
/* too big for a kernel stack */
static struct fx_snapshot at_arm, at_signal;

/* How one run ended. */
struct outcome {
	uint32_t nth; /* the allocation that was to fail (1: the first) */
	int status;   /* the wait() status of the process spawned */
	bool reached; /* the injected failure happened */
};

/* Counts of the ways the runs of one sweep ended. */
struct tally {
	uint32_t runs, enomem, killed, absorbed;
};

/* ---- the test trap -------------------------------------------------------------- */

static void window_open(void)
{
	win.arms++;
	if (win.arms > 1)
		return;
	win.open = true;
	win.as = pt_vm_live();
	fx_snap(win.as, &at_arm);
	win.start = pt_frame_alloc_calls();
	pt_frame_fail_nth(win.nth);
}

/* Stop injecting: at KF_DONE, or when the run ends with the window open. */
static void window_end(void)
{
	if (!win.open)
		return;
	win.used = pt_frame_alloc_calls() - win.start;
	pt_frame_fail_nth(0);
	win.open = false;
}

static void window_close(int result)
{
	if (win.open)
		win.done = true;
	window_end();
	if (win.arms == 0 || pt_vm_live() != win.as || win.have_result)
		return;
	win.have_result = true;
	win.result = result;
	if (result != -SYS_ENOMEM)
		win.same = true;
	else if (win.exact)
		win.same = fx_same(win.as, &at_arm);
	else
		win.same = fx_same_maps(win.as, &at_arm);
}

static bool kf_trap(struct trap_frame *tf)
{
	if (!trap_from_user(tf))
		return false;
	switch (tf->esi) {
	case KF_ARM:
		window_open();
		return true;
	case KF_DONE:
		window_close((int)tf->eax);
		return true;
	case KF_SIGNAL:
		win.signals++;
		fx_snap(pt_vm_live(), &at_signal);
		return true;
	case KF_PEEK:
		tf->eax = win.signals;
		return true;
	case KF_SAME:
		tf->eax = win.signals > 0 && fx_same_maps(pt_vm_live(), &at_signal);
		return true;
	}
	return false; /* an unknown op: the process is killed */
}

/* ---- setup --------------------------------------------------------------------------- */

static void setup(void)
{
	fx_proc_setup();
	idt_enable(KF_VECTOR, 3, kf_trap);
}

static void teardown(void)
{
	trap_set_handler(KF_VECTOR, NULL);
	fx_proc_teardown();
}

/* ---- one run ------------------------------------------------------------------------- */

/*
 * Run `kfail kcase` to the end with the window's nth allocation failing;
 * `exact`: a -SYS_ENOMEM must leave the counts as they were, not only the
 * caller's mappings.
 */
static void run_case(int kcase, uint32_t nth, bool exact, struct outcome *o)
{
	win = (struct window){ .nth = nth, .as = -1, .exact = exact };
	RUN(fx_run_program("kfail", kcase, &o->status));
	window_end(); /* a process killed inside its window never closed it */
	CHECK_EQ(win.arms, 1);
	o->reached = win.used >= nth;
	if (o->status == KF_FAILED || o->status == KF_UNKNOWN)
		kprintf("kfail: case %d with allocation %u failing: the program's check failed\n",
			kcase, nth);
	CHECK(o->status != KF_FAILED && o->status != KF_UNKNOWN);
	fx_proc_check_back();
}

/*
 * spawn of hello with allocation nth failing, aimed from here; the program
 * runs still armed.  A spawn that fails leaves its -SYS_ENOMEM as the status.
 */
static void spawn_once(uint32_t nth, struct outcome *o)
{
	uint32_t start = pt_frame_alloc_calls();
	int pid;

	pt_frame_fail_nth(nth);
	pid = proc_spawn("hello", HELLO_STATUS);
	if (pid < 0) {
		pt_frame_fail_nth(0);
		o->reached = pt_frame_alloc_calls() - start >= nth;
		o->status = pid;
		CHECK_EQ(pid, -SYS_ENOMEM);
		CHECK(o->reached);
		fx_proc_check_back();
		return;
	}
	CHECK_EQ(proc_run(), 0);
	pt_frame_fail_nth(0);
	o->reached = pt_frame_alloc_calls() - start >= nth;
	CHECK_OK(proc_reap(pid, &o->status));
	fx_proc_check_back();
}

/* What a run whose operation returned -SYS_ENOMEM must show: its opener as at KF_ARM. */
static void check_clean(void)
{
	CHECK(win.have_result);
	CHECK_EQ(win.result, -SYS_ENOMEM);
	CHECK(win.same);
}

/* ---- the sweep ----------------------------------------------------------------------- */

#define SPAWN_HELLO 0 /* not a kfail case: spawn_once, aimed from here */

/*
 * What the scenarios' sweeps differ in.  A run that reached its failure
 * ended with status `enomem` (the operation failed cleanly), `killed` (a
 * page fault found no frame) or another (the failure was absorbed), and
 * check_run asserts what else it must show; the run that did not reach its
 * failure ends the sweep, with status `ok`.
 */
struct sweep {
	int kcase;       /* the kfail case, or SPAWN_HELLO */
	bool exact;      /* -SYS_ENOMEM must leave the counts as they were too */
	int enomem, killed, ok;
	void (*check_run)(const struct outcome *o);
};

static void run_once(const struct sweep *sw, uint32_t nth, struct outcome *o)
{
	o->nth = nth;
	if (sw->kcase == SPAWN_HELLO)
		spawn_once(nth, o);
	else
		run_case(sw->kcase, nth, sw->exact, o);
}

/* Count a run that reached its failure by the status it ended with. */
static void count(struct tally *t, const struct outcome *o, const struct sweep *sw)
{
	t->runs++;
	if (o->status == sw->enomem)
		t->enomem++;
	else if (o->status == sw->killed)
		t->killed++;
	else
		t->absorbed++; /* the operation found another way and succeeded */
}

/*
 * Run sw with allocation 1, 2, ... failing, checking each run, until a run
 * does not reach its failure; the ways the others ended are counted in *t.
 */
static void run_sweep(const struct sweep *sw, struct tally *t)
{
	struct outcome o;
	uint32_t n;

	*t = (struct tally){ 0 };
	for (n = 1; n <= MAX_SWEEP; n++) {
		RUN(run_once(sw, n, &o));
		if (!o.reached)
			break;
		count(t, &o, sw);
		RUN(sw->check_run(&o));
	}
	CHECK_LE(n, MAX_SWEEP);
	CHECK_EQ(o.status, sw->ok);
	if (sw->kcase != SPAWN_HELLO)
		CHECK(win.done); /* the window was opened once by the operation, and closed */
}

/* ---- spawn ---------------------------------------------------------------------------- */

static void check_spawn_run(const struct outcome *o)
{
	if (o->status != -SYS_ENOMEM) /* spawn succeeded, and hello ran */
		CHECK(o->status == HELLO_STATUS || o->status == KF_KILLED_NOMEM);
}

static const struct sweep spawn_sweep = {
	.kcase = SPAWN_HELLO, .enomem = -SYS_ENOMEM, .killed = KF_KILLED_NOMEM,
	.ok = HELLO_STATUS, .check_run = check_spawn_run,
};

static void spawn_fails_cleanly_at_every_allocation(void)
{
	struct tally t;

	RUN(run_sweep(&spawn_sweep, &t));
	CHECK_GE(t.enomem, 3); /* kernel stack, address space, a program page at least */
	CHECK_GE(t.killed, 1); /* the first stack page */
}

/* ---- fork ------------------------------------------------------------------------------- */

static void check_fork_run(const struct outcome *o)
{
	if (o->status == KF_CLEAN) {
		check_clean();
	} else {
		CHECK(win.have_result);
		CHECK_EQ(o->status, KF_OK);
		CHECK_GT(win.result, 0);
	}
}

static const struct sweep fork_sweep = {
	.kcase = KF_FORK, .exact = true, .enomem = KF_CLEAN, .killed = KF_KILLED_NOMEM,
	.ok = KF_OK, .check_run = check_fork_run,
};

static void fork_fails_cleanly_at_every_allocation(void)
{
	struct tally t;

	RUN(run_sweep(&fork_sweep, &t));
	CHECK_GT(win.result, 0);
	CHECK_GE(t.enomem, 2); /* the child's kernel stack, its page-table block */
	CHECK_EQ(t.killed, 0); /* nothing but fork ran in the window */
}

/* ---- exec ------------------------------------------------------------------------------- */

static void check_exec_run(const struct outcome *o)
{
	if (o->status == KF_CLEAN)
		check_clean();
	else if (o->status == KF_KILLED_NOMEM)
		CHECK(!win.done); /* killed in the new image, before it marked KF_DONE */
	else
		CHECK_EQ(o->status, KF_LANDED);
}

static const struct sweep exec_sweep = {
	.kcase = KF_EXEC, .exact = true, .enomem = KF_CLEAN, .killed = KF_KILLED_NOMEM,
	.ok = KF_LANDED, .check_run = check_exec_run,
};

static void exec_fails_cleanly_at_every_allocation(void)
{
	struct tally t;

	RUN(run_sweep(&exec_sweep, &t));
	CHECK_GE(t.enomem, 3); /* the address space, and the program's pages */
	CHECK_GE(t.killed, 1); /* the new image's first stack page */
}

/* ---- heap -------------------------------------------------------------------------------- */

static void check_heap_run(const struct outcome *o)
{
	if (o->status == KF_CLEAN) {
		CHECK_EQ(o->nth, 1); /* the page exec reads is the window's first allocation */
		check_clean();
	} else if (o->status == KF_KILLED_NOMEM) {
		CHECK(!win.done);
	} else {
		CHECK_EQ(o->status, KF_OK);
	}
}

static const struct sweep heap_sweep = {
	.kcase = KF_HEAP, .exact = true, .enomem = KF_CLEAN, .killed = KF_KILLED_NOMEM,
	.ok = KF_OK, .check_run = check_heap_run,
};

static void heap_growth_fails_cleanly_at_every_allocation(void)
{
	struct tally t;

	RUN(run_sweep(&heap_sweep, &t));
	CHECK_EQ(t.enomem, 1);
	CHECK_GE(t.killed, 3); /* three stores to new pages (and the new table, if the block grows) */
}

/* ---- copy-on-write ---------------------------------------------------------------------- */

/* The parent saw its child killed, and its own pages unchanged. */
static void check_cow_run(const struct outcome *o)
{
	CHECK_EQ(o->status, KF_CHILD_NOMEM);
	CHECK(!win.done);
	CHECK_EQ(win.signals, 1);
}

static const struct sweep cow_sweep = {
	.kcase = KF_COW, .exact = true, .enomem = KF_CLEAN, .killed = KF_CHILD_NOMEM,
	.ok = KF_OK, .check_run = check_cow_run,
};

static void cow_fault_fails_cleanly_at_every_allocation(void)
{
	struct tally t;

	RUN(run_sweep(&cow_sweep, &t));
	CHECK_EQ(t.enomem, 0);
	CHECK_EQ(t.killed, t.runs);
	CHECK_GE(t.killed, 8); /* one copy for each page the child writes */
}

/* ---- wait -------------------------------------------------------------------------------- */

static void check_wait_run(const struct outcome *o)
{
	CHECK_EQ(o->status, KF_CLEAN);
	check_clean();
}

/* The first child may end inside the window: only the mappings must hold (not exact). */
static const struct sweep wait_sweep = {
	.kcase = KF_WAIT, .exact = false, .enomem = KF_CLEAN, .killed = KF_KILLED_NOMEM,
	.ok = KF_OK, .check_run = check_wait_run,
};

static void wait_fails_cleanly_at_every_allocation(void)
{
	struct tally t;

	RUN(run_sweep(&wait_sweep, &t));
	CHECK_GT(win.result, 0);
	CHECK_EQ(win.signals, 3);
	CHECK_EQ(t.enomem, 1); /* the copy of the status's page */
}

/* ---- thread ------------------------------------------------------------------------------ */

static void check_thread_run(const struct outcome *o)
{
	if (o->status == KF_CLEAN) {
		check_clean();
	} else {
		CHECK_EQ(o->status, KF_OK);
		CHECK(win.have_result);
		CHECK_GT(win.result, 0);
	}
}

static const struct sweep thread_sweep = {
	.kcase = KF_THREAD, .exact = true, .enomem = KF_CLEAN, .killed = KF_KILLED_NOMEM,
	.ok = KF_OK, .check_run = check_thread_run,
};

static void thread_start_fails_cleanly_at_every_allocation(void)
{
	struct tally t;

	RUN(run_sweep(&thread_sweep, &t));
	CHECK_GT(win.result, 0);
	CHECK_EQ(t.enomem, 1); /* the thread's kernel stack: all else is the process's already */
	CHECK_EQ(t.killed, 0);
}

/* ---- stress ---------------------------------------------------------------------------- */

static void stress_batch(void)
{
	int pids[STRESS_BATCH], status;

	for (int i = 0; i < STRESS_BATCH; i++) {
		pids[i] = proc_spawn("kfail", KF_STRESS);
		CHECK_GT(pids[i], 0);
	}
	CHECK_EQ(proc_run(), 0);
	for (int i = 0; i < STRESS_BATCH; i++) {
		CHECK_OK(proc_reap(pids[i], &status));
		CHECK_EQ(status, KF_OK);
	}
	CHECK_OK(pt_vm_check());
}

/*
 * A thousand processes: roots that fork children which share and copy
 * pages, grow heap and stack, or are killed for bad accesses.
 */
static void thousand_forking_faulting_processes_return_every_frame(void)
{
	struct proc_stats after;
	const uint32_t procs = STRESS_ROOTS * (1 + KF_STRESS_CHILDREN);
	const uint32_t killed = STRESS_ROOTS * STRESS_KILLED;

	for (int done = 0; done < STRESS_ROOTS && !test_failed(); done += STRESS_BATCH)
		stress_batch();
	if (test_failed())
		return;
	proc_get_stats(&after);
	CHECK_EQ(after.processes - fx_proc_start.processes, procs);
	CHECK_EQ(after.forks - fx_proc_start.forks, STRESS_ROOTS * KF_STRESS_CHILDREN);
	CHECK_EQ(after.killed - fx_proc_start.killed, killed);
	CHECK_EQ(after.exits - fx_proc_start.exits, procs - killed);
	fx_proc_check_back();
}

static const struct test_case cases[] = {
	TEST_CASE(spawn_fails_cleanly_at_every_allocation),
	TEST_CASE(fork_fails_cleanly_at_every_allocation),
	TEST_CASE(exec_fails_cleanly_at_every_allocation),
	TEST_CASE(heap_growth_fails_cleanly_at_every_allocation),
	TEST_CASE(cow_fault_fails_cleanly_at_every_allocation),
	TEST_CASE(wait_fails_cleanly_at_every_allocation),
	TEST_CASE(thread_start_fails_cleanly_at_every_allocation),
	TEST_CASE(thousand_forking_faulting_processes_return_every_frame),
};

DEFINE_SUITE(kfail_suite, "kfail", cases, setup, teardown);
