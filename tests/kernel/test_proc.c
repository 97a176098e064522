/*
 * test_proc.c - user processes, run by the kernel: every case of the utest
 * program (tests/user/utest_cases.h) in a process of its own, a thousand
 * short-lived processes, programs that run side by side, and the ELF
 * loader's refusals.  Kernel only.
 *
 * Each case starts processes with proc_spawn, runs them to the end with
 * proc_run and collects them with proc_reap, checking the wait() status
 * each ended with.  The teardown (fx_proc_teardown, kfixture.h) checks that
 * no process is left and that every frame, address space and kmap slot
 * came back.  The kernel's "killed: ..." lines are turned off while a case
 * runs; the processes print only when a check of theirs fails.
 */
#include "elf.h"
#include "frame.h"
#include "kfixture.h"
#include "programs.h"
#include "smp.h"
#include "status.h"
#include "suites.h"
#include "timer.h"
#include "uapi.h"
#include "vmspace.h"
#include "utest_cases.h"

#define THOUSAND 1000
#define BATCH 100             /* processes at once in the thousand: fewer than NPROC */
#define ELF_BUF_SIZE KiB(16)  /* room for a copy of hello's ELF file */

/* Say how `program n` ended, and how it should have, in words. */
static void print_status(const char *program, int n, int status, int want)
{
	char got[STATUS_TEXT_MAX], wanted[STATUS_TEXT_MAX];

	kprintf("proc: %s %d %s, want %s\n", program, n,
		wait_status_text(status, got, sizeof(got)),
		wait_status_text(want, wanted, sizeof(wanted)));
}

/* Run `utest n` alone; it must end with status want. */
static void run_utest(int n, int want)
{
	struct proc_stats after;
	int status = -1;

	RUN(fx_run_program("utest", n, &status));
	if (status != want)
		print_status("utest", n, status, want);
	CHECK_EQ(status, want);
	proc_get_stats(&after);
	if (want & KILLED_BIT)
		CHECK_GT(after.killed, fx_proc_start.killed);
}

/* One case of this suite for each case of utest. */
#define UTEST_CASE_FN(n, name, want)                                                   \
	static void utest_##name(void)                                                 \
	{                                                                              \
		run_utest(n, want);                                                    \
	}
UTEST_CASES(UTEST_CASE_FN)

static void utest_unknown_case_says_so(void)
{
	run_utest(9999, UTEST_UNKNOWN);
}

/* ---- starting and collecting ----------------------------------------------------- */

static void spawn_of_an_unknown_program_fails(void)
{
	CHECK_EQ(proc_spawn("nosuch", 0), -SYS_ENOENT);
	CHECK_EQ(proc_spawn("", 0), -SYS_ENOENT);
	CHECK_EQ(proc_run(), 0);
}

static void reap_takes_an_ended_process_once(void)
{
	int status = -1, pid = proc_spawn("hello", 17);

	CHECK_GT(pid, 0);
	CHECK_EQ(proc_reap(pid, &status), -SYS_ECHILD); /* not ended yet */
	CHECK_EQ(proc_run(), 0);
	CHECK_OK(proc_reap(pid, &status));
	CHECK_EQ(status, 17);
	CHECK_EQ(proc_reap(pid, &status), -SYS_ECHILD);
	CHECK_EQ(proc_reap(0, &status), -SYS_ECHILD);
	CHECK_EQ(proc_reap(-1, &status), -SYS_ECHILD);
}

static void every_program_is_embedded(void)
{
	static const char *const names[] = { "init", "worker", "utest", "hello" };

	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		const struct program *p = program_find(names[i]);
		CHECK(p != NULL);
		CHECK_STR_EQ(p->name, names[i]);
		CHECK_GT(p->size, 52); /* an ELF header at least */
		CHECK_EQ(memcmp(p->image, "\177ELF", 4), 0);
	}
	CHECK(program_find("hell") == NULL);
	CHECK(program_find("hello!") == NULL);
}

/* Spawn BATCH hello processes from number `first`, run them, reap and check them. */
static void hello_batch(int first)
{
	int pids[BATCH], status;

	for (int i = 0; i < BATCH; i++) {
		pids[i] = proc_spawn("hello", (first + i) & 0xFF);
		CHECK_GT(pids[i], 0);
	}
	CHECK_EQ(proc_run(), 0);
	for (int i = 0; i < BATCH; i++) {
		CHECK_OK(proc_reap(pids[i], &status));
		CHECK_EQ(status, (first + i) & 0xFF);
	}
}

static void thousand_short_lived_processes_return_every_frame(void)
{
	struct proc_stats after;

	for (int first = 0; first < THOUSAND && !test_failed(); first += BATCH)
		hello_batch(first);
	if (test_failed())
		return;
	proc_get_stats(&after);
	CHECK_EQ(after.processes - fx_proc_start.processes, THOUSAND);
	CHECK_EQ(after.exits - fx_proc_start.exits, THOUSAND);
	CHECK_EQ(after.killed, fx_proc_start.killed);
}

/*
 * utest cases side by side, preempted by the timer and scheduled among
 * each other: copies, growth and kills in one process must not disturb
 * another.
 */
static void utest_cases_run_side_by_side(void)
{
	static const struct {
		int n, want;
	} run[] = {
		{ 14, 0 }, { 16, 0 }, { 17, 0 }, { 18, 0 }, { 33, 0 }, { 52, 0 },
		{ 54, 0 }, { 55, 0 }, { 20, 0 }, { 36, 0 }, { 38, 0 }, { 63, 0 }, { 63, 0 },
		{ 67, 0 }, { 68, 0 }, { 72, 0 }, { 73, 0 }, { 74, 0 },
		{ 41, UTEST_KILLED_FAULT }, { 43, UTEST_KILLED_FAULT },
		{ 47, UTEST_KILLED_FAULT }, { 39, UTEST_KILLED_STACK },
	};
	int pids[ARRAY_SIZE(run)], status;

	for (size_t i = 0; i < ARRAY_SIZE(run); i++) {
		pids[i] = proc_spawn("utest", run[i].n);
		CHECK_GT(pids[i], 0);
	}
	CHECK_EQ(proc_run(), 0);
	for (size_t i = 0; i < ARRAY_SIZE(run); i++) {
		CHECK_OK(proc_reap(pids[i], &status));
		if (status != run[i].want)
			print_status("utest", run[i].n, status, run[i].want);
		CHECK_EQ(status, run[i].want);
	}
}

/* utest 51's orphans run to their end after their parent, none of them killed. */
static void orphans_end_without_a_kill(void)
{
	struct proc_stats before, after;
	int status = -1;

	proc_get_stats(&before);
	RUN(fx_run_program("utest", 51, &status));
	CHECK_EQ(status, 0);
	proc_get_stats(&after);
	CHECK_EQ(after.killed, before.killed);
	CHECK_EQ(after.exits - before.exits, 4); /* the parent and its three orphans */
}

/* ---- threads ------------------------------------------------------------------------ */

/* The counters a run of `utest n` moved, in *d (after - before). */
static void utest_deltas(int n, int want, struct proc_stats *d)
{
	struct proc_stats before, after;
	int status = -1;

	proc_get_stats(&before);
	RUN(fx_run_program("utest", n, &status));
	CHECK_EQ(status, want);
	proc_get_stats(&after);
	*d = (struct proc_stats){
		.processes = after.processes - before.processes,
		.threads = after.threads - before.threads,
		.exits = after.exits - before.exits,
		.killed = after.killed - before.killed,
	};
}

/* Threads are counted as threads; their process's end, once. */
static void threads_are_counted_apart_from_processes(void)
{
	struct proc_stats d;

	RUN(utest_deltas(68, 0, &d));
	CHECK_EQ(d.threads, 8);
	CHECK_EQ(d.processes, 1);
	CHECK_EQ(d.exits, 1);
	CHECK_EQ(d.killed, 0);
	RUN(utest_deltas(73, 0, &d)); /* two children, each with a thread that faults */
	CHECK_EQ(d.threads, 3);
	CHECK_EQ(d.processes, 3);
	CHECK_EQ(d.killed, 2);
	CHECK_EQ(d.exits, 1);
}

/*
 * Start `utest n` (pid in *pid) and run it a turn at a time until it has a
 * thread besides its leader; the thread's tid in *tid.
 */
static void run_until_threads(int n, int *pid, int *tid)
{
	static struct proc_info all[NPROC];

	*pid = proc_spawn("utest", n);
	CHECK_GT(*pid, 0);
	*tid = 0;
	for (int turn = 0; turn < 1000 && *tid == 0 && proc_step(); turn++) {
		int k = proc_list(all, NPROC);
		for (int i = 0; i < k; i++)
			if (all[i].group == *pid && all[i].pid != *pid)
				*tid = all[i].pid;
	}
	CHECK_GT(*tid, 0);
}

/* ps's list: a thread names its process, and shares its address space. */
static void threads_are_listed_with_their_process(void)
{
	static struct proc_info all[NPROC];
	int pid, tid, status = -1, as = -2, thread_as = -3;

	RUN(run_until_threads(68, &pid, &tid));
	int n = proc_list(all, NPROC);

	for (int i = 0; i < n; i++) {
		if (all[i].pid == pid) {
			CHECK_EQ(all[i].group, pid);
			as = all[i].as;
		}
		if (all[i].pid == tid)
			thread_as = all[i].as;
	}
	CHECK_GE(as, 0);
	CHECK_EQ(thread_as, as);
	CHECK_EQ(proc_run(), 0);
	CHECK_OK(proc_reap(pid, &status));
	CHECK_EQ(status, 0);
	CHECK_EQ(proc_reap(tid, &status), -SYS_ECHILD); /* a thread is nobody's child */
}

/* The kernel's kill of a thread's tid ends its whole process at once. */
static void terminating_a_thread_ends_its_process(void)
{
	int pid, tid, status = -1;

	RUN(run_until_threads(68, &pid, &tid));
	CHECK_OK(proc_terminate(tid));
	CHECK_EQ(proc_terminate(pid), -SYS_ENOENT);
	CHECK_OK(proc_reap(pid, &status));
	CHECK_EQ(status, KILLED_BIT | KILL_ORDER);
	CHECK_EQ(proc_run(), 0);
}

/* A spurious IRQ 7 or 15, or an NMI (here raised by int), is counted and changes nothing else. */
/*
 * The demo's part 4 (user/cpus.c) as a stress: a thread on every CPU
 * mapping, writing, protecting, reading back and unmapping regions of its
 * own while the leader unmaps and maps the page they read, then grows the
 * block until it moves under them.  It must end with no data error (a CPU
 * left with a stale translation reads the old page), a shootdown at least
 * for each of the 16 rounds' unmaps of the page they read, none reaching
 * more than the other CPUs (fewer once threads have ended and their CPUs
 * left the space), a block moved while shared and shrunk under them (the
 * far spans unmapped), and every frame back (the teardown).  One CPU: the
 * program refuses to run (status 200) and no CPU is interrupted.
 */
static void threads_on_every_cpu_see_every_change(void)
{
	uint32_t n = smp_running();
	struct vm_stats vs;
	int status = -1;

	pt_vm_reset_stats();
	int pid = proc_spawn("cpus", (int)n);
	CHECK_GT(pid, 0);
	CHECK_EQ(proc_run(), 0);
	CHECK_OK(proc_reap(pid, &status));
	pt_vm_get_stats(&vs);
	if (n < 2) {
		CHECK_EQ(status, 200);
		CHECK_EQ(vs.ipis, 0);
		return;
	}
	CHECK_EQ(status, 0);
	CHECK_GE(vs.shootdowns, 16);
	CHECK_GE(vs.ipis, vs.shootdowns);
	CHECK_LE(vs.ipis, vs.shootdowns * (n - 1));
	CHECK_GT(vs.relocations_while_shared, 0);
	CHECK_GT(vs.shrinks, 0);
}

#define FAULT_PROGRAMS 4
#define FAULT_ROUNDS 2
#define SPAN_PAGES 1024u /* the pages of the 4 MiB each round of faults fills */

/* The CPUs whose unlocked fault counts differ from those of before[]: bit i for CPU i. */
static uint32_t cpus_faulting_since(const uint32_t *before)
{
	uint32_t cpus = 0;

	for (uint32_t c = 0; c < smp_running(); c++)
		if (proc_faults_unlocked_on(c) != before[c])
			cpus |= BIT(c);
	return cpus;
}

/*
 * Page faults on every CPU: FAULT_PROGRAMS faults programs at once, each
 * filling a fresh 4 MiB a round.  With several CPUs, nearly every fill
 * but the first of a span (which makes its page table, under the big
 * lock) comes without the big lock, on two CPUs at least; on one CPU,
 * none.  Every
 * page read back right, and the fixture finds every frame back.
 */
static void page_faults_on_every_cpu_need_no_big_lock(void)
{
	struct proc_stats s0, s1;
	uint32_t before[CPU_MAX];

	for (uint32_t c = 0; c < CPU_MAX; c++)
		before[c] = proc_faults_unlocked_on(c);
	proc_get_stats(&s0);
	RUN(fx_run_copies("faults", FAULT_ROUNDS, FAULT_PROGRAMS));
	proc_get_stats(&s1);
	uint32_t unlocked = s1.faults_unlocked - s0.faults_unlocked;
	uint32_t cpus = cpus_faulting_since(before);
	if (smp_running() < 2) {
		CHECK_EQ(unlocked, 0);
		return;
	}
	/* a few find the space's lock busy (a debug kernel checks every space at each exit) */
	CHECK_GE(unlocked, FAULT_PROGRAMS * FAULT_ROUNDS * (SPAN_PAGES - 1) * 9 / 10);
	CHECK_NE(cpus & (cpus - 1), 0); /* two CPUs or more */
}

#define FORK_PROGRAMS 4
#define FORK_ROUNDS 25

/*
 * Forks and exits on every CPU: FORK_PROGRAMS forkwait programs at once,
 * each forking a child that exits at once, FORK_ROUNDS times.  Each
 * child's status comes back to its parent, and the fixture finds every
 * frame back.  With several CPUs, every clone and every exit's destroy
 * ran without the big lock; on one CPU, none.
 */
static void forks_and_exits_on_every_cpu_clone_and_destroy_without_the_big_lock(void)
{
	struct proc_stats s0, s1;

	proc_get_stats(&s0);
	RUN(fx_run_copies("forkwait", FORK_ROUNDS, FORK_PROGRAMS));
	proc_get_stats(&s1);
	uint32_t forks = s1.forks - s0.forks;
	CHECK_EQ(forks, FORK_PROGRAMS * FORK_ROUNDS);
	uint32_t clones = s1.clones_unlocked - s0.clones_unlocked;
	uint32_t destroys = s1.destroys_unlocked - s0.destroys_unlocked;
	if (smp_running() < 2) {
		CHECK_EQ(clones, 0);
		CHECK_EQ(destroys, 0);
		return;
	}
	CHECK_EQ(clones, forks);
	CHECK_EQ(destroys, forks + FORK_PROGRAMS); /* the children and their parents */
}

static void spurious_interrupts_and_nmis_are_ignored(void)
{
	uint32_t spurious = timer_spurious(), nmis = trap_nmis();

	__asm__ volatile("int %0" : : "i"(IRQ_BASE + 7));
	__asm__ volatile("int %0" : : "i"(IRQ_BASE + 15));
	__asm__ volatile("int %0" : : "i"(EXC_NMI));
	CHECK_EQ(timer_spurious(), spurious + 2);
	CHECK_EQ(trap_nmis(), nmis + 1);
	CHECK_EQ(proc_run(), 0); /* nothing to run, nothing broken */
}

/* ---- the ELF loader ------------------------------------------------------------------ */

/* The fields of an ELF32 file the bad images change (offsets from the ELF spec). */
#define EH_CLASS 4
#define EH_TYPE 16
#define EH_MACHINE 18
#define EH_ENTRY 24
#define EH_PHOFF 28
#define EH_PHNUM 44
#define PH_SIZE 32
#define PH_OFFSET 4
#define PH_VADDR 8
#define PH_FILESZ 16
#define PH_MEMSZ 20
#define PH_FLAGS 24

static uint8_t elf_buf[ELF_BUF_SIZE];
static uint32_t elf_size;

/* elf_buf: a fresh copy of hello's ELF file. */
static bool copy_hello(void)
{
	const struct program *p = program_find("hello");

	if (!p || p->size > sizeof(elf_buf))
		return false;
	memcpy(elf_buf, p->image, p->size);
	elf_size = p->size;
	return true;
}

static void put16(uint32_t off, uint16_t v)
{
	memcpy(elf_buf + off, &v, sizeof(v));
}

static void put32(uint32_t off, uint32_t v)
{
	memcpy(elf_buf + off, &v, sizeof(v));
}

static uint32_t get32(uint32_t off)
{
	uint32_t v;

	memcpy(&v, elf_buf + off, sizeof(v));
	return v;
}

/* The offset of field `field` of program header i. */
static uint32_t ph(uint32_t i, uint32_t field)
{
	return get32(EH_PHOFF) + i * PH_SIZE + field;
}

/* Load elf_buf[0..size) into a new address space; returns elf_load's result. */
static int load(uint32_t size, struct elf_info *info)
{
	int as = pt_vm_create();

	if (as < 0)
		return as;
	int rc = elf_load(as, elf_buf, size, "test", info);
	pt_vm_destroy(as);
	return rc;
}

static void elf_loader_takes_a_good_program(void)
{
	struct elf_info info;

	CHECK(copy_hello());
	CHECK_OK(load(elf_size, &info));
	CHECK_EQ(info.entry, PROGRAM_BASE);
	CHECK_GT(info.end, PROGRAM_BASE);
	CHECK(IS_ALIGNED(info.end, PAGE_SIZE));
}

/* The ways elf_loader_refuses_bad_images breaks a copy of hello. */
enum breakage {
	NOT_ELF, ELF64, NOT_EXECUTABLE, NOT_I386, NO_PHDRS, PHDRS_OUTSIDE,
	SEGMENT_OUTSIDE, SEGMENT_IN_KERNEL, SEGMENT_OVER_MAP_BASE, SEGMENT_ABOVE_MAP_BASE,
	SEGMENT_UNALIGNED,
	FILESZ_OVER_MEMSZ, SEGMENTS_OVERLAP, ENTRY_OUTSIDE_CODE, CODE_NOT_EXECUTABLE,
	BREAKAGES
};

static void break_image(enum breakage b)
{
	switch (b) {
	case NOT_ELF:
		memset(elf_buf, 0, 4);
		break;
	case ELF64:
		elf_buf[EH_CLASS] = 2;
		break;
	case NOT_EXECUTABLE:
		put16(EH_TYPE, 3); /* ET_DYN */
		break;
	case NOT_I386:
		put16(EH_MACHINE, 62); /* x86-64 */
		break;
	case NO_PHDRS:
		put16(EH_PHNUM, 0);
		break;
	case PHDRS_OUTSIDE:
		put32(EH_PHOFF, elf_size - 8);
		break;
	case SEGMENT_OUTSIDE:
		put32(ph(0, PH_OFFSET), elf_size);
		break;
	case SEGMENT_IN_KERNEL:
		put32(ph(0, PH_VADDR), 0x00100000);
		break;
	case SEGMENT_OVER_MAP_BASE:
		put32(ph(0, PH_VADDR), MAP_BASE - PAGE_SIZE);
		put32(ph(0, PH_MEMSZ), 2 * PAGE_SIZE);
		break;
	case SEGMENT_ABOVE_MAP_BASE: /* the data segment, moved to the top half */
		put32(ph(1, PH_VADDR), 0xC0000000u);
		put32(ph(1, PH_FILESZ), 0);
		put32(ph(1, PH_MEMSZ), PAGE_SIZE);
		break;
	case SEGMENT_UNALIGNED:
		put32(ph(0, PH_VADDR), PROGRAM_BASE + 0x10);
		break;
	case FILESZ_OVER_MEMSZ:
		put32(ph(0, PH_MEMSZ), get32(ph(0, PH_FILESZ)) - 1);
		break;
	case SEGMENTS_OVERLAP:
		put32(ph(1, PH_VADDR), PROGRAM_BASE);
		put32(ph(1, PH_MEMSZ), PAGE_SIZE);
		break;
	case ENTRY_OUTSIDE_CODE:
		put32(EH_ENTRY, MAP_BASE);
		break;
	case CODE_NOT_EXECUTABLE:
		put32(ph(0, PH_FLAGS), 4); /* PF_R only */
		break;
	case BREAKAGES:
		break;
	}
}

/* Every broken copy of hello, and one cut inside its header, gets -SYS_EINVAL. */
static void elf_loader_refuses_bad_images(void)
{
	struct elf_info info;

	for (int b = 0; b < BREAKAGES; b++) {
		CHECK(copy_hello());
		break_image(b);
		int rc = load(elf_size, &info);
		if (rc != -SYS_EINVAL)
			kprintf("proc: the ELF loader took broken image %d\n", b);
		CHECK_EQ(rc, -SYS_EINVAL);
	}
	CHECK(copy_hello());
	CHECK_EQ(load(20, &info), -SYS_EINVAL);
}

static const struct test_case cases[] = {
#define UTEST_TEST_CASE(n, name, want) TEST_CASE(utest_##name),
	UTEST_CASES(UTEST_TEST_CASE)
#undef UTEST_TEST_CASE
	TEST_CASE(utest_unknown_case_says_so),
	TEST_CASE(spawn_of_an_unknown_program_fails),
	TEST_CASE(reap_takes_an_ended_process_once),
	TEST_CASE(every_program_is_embedded),
	TEST_CASE(thousand_short_lived_processes_return_every_frame),
	TEST_CASE(utest_cases_run_side_by_side),
	TEST_CASE(orphans_end_without_a_kill),
	TEST_CASE(threads_are_counted_apart_from_processes),
	TEST_CASE(threads_are_listed_with_their_process),
	TEST_CASE(terminating_a_thread_ends_its_process),
	TEST_CASE(threads_on_every_cpu_see_every_change),
	TEST_CASE(page_faults_on_every_cpu_need_no_big_lock),
	TEST_CASE(forks_and_exits_on_every_cpu_clone_and_destroy_without_the_big_lock),
	TEST_CASE(spurious_interrupts_and_nmis_are_ignored),
	TEST_CASE(elf_loader_takes_a_good_program),
	TEST_CASE(elf_loader_refuses_bad_images),
};

DEFINE_SUITE(proc_suite, "proc", cases, fx_proc_setup, fx_proc_teardown);
