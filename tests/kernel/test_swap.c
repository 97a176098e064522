/*
 * test_swap.c - paging out in the running kernel: processes whose pages go
 * to swap and come back, under the kernel's own policy (pressure.h,
 * proc.c).  Kernel only.  Two suites:
 *
 *   swap-proc         the main test boot, on the disk QEMU was given: a
 *                     page paged out of the live space faults on the next
 *                     touch; a fork after a page-out shares the slot and
 *                     each side then reads and writes its own copy; a
 *                     process's data round-trips through swap under
 *                     pressure; a sleeping process goes out whole (its
 *                     block too) and comes back; more processes live at once
 *                     than the kernel zone holds; memory and swap full, the
 *                     process holding the most is ended and init lives on,
 *                     with swap and without; faults on every CPU while
 *                     the pager pages out;
 *   swap-proc-errors  a boot of its own (scripts/kernel-disk-test.sh,
 *                     only=swap-proc-errors disk_bad_read=<page>), on a disk
 *                     whose page fails every read: the process whose page,
 *                     or page-table block, lies there is ended, and only
 *                     that one.
 *
 * Pressure is made by holding user frames (all but a few: hog_user) and
 * retiring swap slots (all but a few: hog_slots), with watermarks to match
 * (pressure_set_marks).  Every case checks that the free frames (the
 * fixture) and the free swap slots come back to where they started.
 */
#include "cmdline.h"
#include "frame.h"
#include "idt.h"
#include "kfixture.h"
#include "kmap.h"
#include "pager.h"
#include "pressure.h"
#include "proc.h"
#include "seam.h"
#include "smp.h"
#include "suites.h"
#include "swap.h"
#include "vmspace.h"
#include "uswap_cases.h"

#define SWAP_PAGES 4096   /* the least disk the cases need */
#define MARK_LOW 16       /* the watermarks while frames are held */
#define MARK_HIGH 32
#define OPTION_MAX 16

static paddr_t held;       /* user frames held, each naming the next in its first word */
static struct swap_counts slots_start;
static bool swap_on;

/* ---- the test trap: page out the caller's page now ---------------------------- */

#define PAGES_MAX 64 /* pages of a small process block_low pages out */

struct page_list {
	vaddr_t va[PAGES_MAX];
	uint32_t n;
};

static int note_present(vaddr_t va, const struct vm_mapping *m, void *ctx)
{
	struct page_list *l = ctx;

	if (!(m->flags & VM_SWAPPED) && l->n < PAGES_MAX)
		l->va[l->n++] = va;
	return 0;
}

/* The address space of process pid, or -1. */
static int space_of(int pid)
{
	static struct proc_info list[NPROC];
	int n = proc_list(list, NPROC);

	for (int i = 0; i < n; i++)
		if (list[i].pid == pid)
			return list[i].as;
	return -1;
}

#define BLOCK_ROOM 8 /* slots kept for the block: more than a small process's block has */

/*
 * Page out process pid whole, its block on the lowest free slots: its
 * pages go first, one by one, while the lowest BLOCK_ROOM free slots are
 * held, then those are let go and the block takes its run from the first.
 */
static int block_low(int pid)
{
	struct page_list l = { .n = 0 };
	int as = space_of(pid), rc = 0, held;

	if (as < 0)
		return -E_BADH;
	pt_vm_iterate(as, note_present, &l);
	if ((held = pt_swap_alloc_run(BLOCK_ROOM)) < 0)
		return held;
	for (uint32_t i = 0; i < l.n && rc == 0; i++)
		rc = pt_pager_evict(as, l.va[i]);
	pt_swap_free_run((uint32_t)held, BLOCK_ROOM);
	return rc < 0 ? rc : pt_pager_block_out(as);
}

static bool evict_trap(struct trap_frame *tf)
{
	if (!trap_from_user(tf))
		return false;
	if (tf->ecx == USWAP_OP_EVICT)
		tf->eax = (uint32_t)pt_pager_evict(pt_vm_live(), tf->ebx);
	else if (tf->ecx == USWAP_OP_BLOCK_LOW)
		tf->eax = (uint32_t)block_low((int)tf->ebx);
	else
		return false; /* an unknown op: the process is killed */
	return true;
}

/* ---- holding frames and slots -------------------------------------------------- */

/* Hold free user frames until `leave` are free. */
static void hog_user(uint32_t leave)
{
	paddr_t pa;

	while (pt_frame_free_count(ZONE_USER) > leave && pt_frame_alloc(ZONE_USER, &pa) == 0) {
		vaddr_t w = pt_kmap(pa);
		*(paddr_t *)hw_kva(w) = held;
		pt_kunmap(w);
		held = pa;
	}
}

static void unhog_user(void)
{
	while (held) {
		vaddr_t w = pt_kmap(held);
		paddr_t next = *(paddr_t *)hw_kva(w);
		pt_kunmap(w);
		pt_frame_free(held);
		held = next;
	}
}

/*
 * Take n free slots out of use, the lowest ones, as a disk that failed
 * there would: retired, with no reference (a reference no entry holds
 * would break pt_vm_check's count).  The next pt_swap_init has them back.
 */
static void retire_slots(uint32_t n)
{
	int first = n ? pt_swap_alloc_run(n) : 1;

	CHECK_GT(first, 0);
	for (uint32_t s = (uint32_t)first; first > 0 && s < (uint32_t)first + n; s++) {
		CHECK_OK(pt_swap_retire(s));
		CHECK_EQ(pt_swap_unref(s), 0);
	}
}

/* Retire free slots until `leave` are free. */
static void hog_slots(uint32_t leave)
{
	struct swap_counts c;

	pt_swap_get_counts(&c);
	retire_slots(c.free > leave ? c.free - leave : 0);
}

/* ---- setup -------------------------------------------------------------------------- */

static void setup(void)
{
	fx_proc_setup();
	idt_enable(USWAP_VECTOR, 3, evict_trap);
	swap_on = false;
	held = 0;
}

/* Start the swap slots for a case; false (and the case fails) without a disk. */
static bool with_swap(void)
{
	if (fx_swap_on(SWAP_PAGES) < 0) {
		test_fail(__FILE__, __LINE__, "no swap disk of 16 MiB or more (qemu.sh --swap)");
		return false;
	}
	swap_on = true;
	pt_swap_get_counts(&slots_start);
	return true;
}

/* What the case held back, the slots checked back where they started, the swap stopped. */
static void teardown(void)
{
	struct swap_counts c;

	pressure_default_marks();
	unhog_user();
	if (swap_on) {
		pt_swap_get_counts(&c);
		CHECK_EQ(c.free + c.retired, slots_start.free);
		CHECK_OK(fx_swap_off());
	}
	trap_set_handler(USWAP_VECTOR, NULL);
	fx_proc_teardown();
}

/* ---- running -------------------------------------------------------------------------- */

/* Spawn `uswap arg`; its pid (run_expect checks it). */
static int spawn(enum uswap_case c, uint32_t n)
{
	return proc_spawn("uswap", USWAP_ARG(c, n));
}

/* Run everything to the end; the status of pid must be want. */
static void run_expect(int pid, int want)
{
	int status = -1;

	CHECK_GT(pid, 0);
	CHECK_EQ(proc_run(), 0);
	CHECK_OK(proc_reap(pid, &status));
	CHECK_EQ(status, want);
}

static void stats(struct pager_stats *s)
{
	pt_pager_get_stats(s);
}

/* ---- the cases ------------------------------------------------------------------------ */

/* Each page out of the live space: the next touch faults and reads it back, as written. */
static void live_page_out_faults_on_next_touch(void)
{
	struct pager_stats a, b;
	const uint32_t n = 16;

	if (!with_swap())
		return;
	stats(&a);
	run_expect(spawn(USWAP_EVICT_LIVE, n), 0);
	stats(&b);
	CHECK_GE(b.major_faults - a.major_faults, 3 * n);
	CHECK_GE(b.swap_outs - a.swap_outs, 2 * n);      /* written, and written again once dirty */
	CHECK_GE(b.clean_drops - a.clean_drops, n);      /* the third time: its copy was good */
}

/* A fork after a page-out shares the slots; each side reads them and writes its own copy. */
static void fork_after_page_out_shares_the_slot(void)
{
	struct pager_stats a, b;
	const uint32_t n = 16;

	if (!with_swap())
		return;
	stats(&a);
	run_expect(spawn(USWAP_FORK_OUT, n), 0);
	stats(&b);
	CHECK_GE(b.swap_ins - a.swap_ins, 2 * n); /* both sides read every page */
}

/* With a few frames left, a process's pages go out and come back, all of them intact. */
static void data_round_trips_through_swap_under_pressure(void)
{
	struct pager_stats a, b;

	if (!with_swap())
		return;
	pressure_set_marks(MARK_LOW, MARK_HIGH);
	hog_user(128);
	stats(&a);
	run_expect(spawn(USWAP_FILL, 600), 0);
	stats(&b);
	CHECK_GT(b.swap_outs - a.swap_outs, 600);
	CHECK_GT(b.major_faults - a.major_faults, 600);
}

/* A sleeping process goes out whole, its block too, and comes back to find its pages. */
static void a_sleeper_goes_out_whole_and_comes_back(void)
{
	struct pager_stats a, b;

	if (!with_swap())
		return;
	pressure_set_marks(MARK_LOW, MARK_HIGH);
	hog_user(256);
	stats(&a);
	int sleeper = spawn(USWAP_SLEEPER, 64), filler = spawn(USWAP_FILL, 400), status = -1;
	run_expect(filler, 0);
	CHECK_OK(proc_reap(sleeper, &status));
	CHECK_EQ(status, 0);
	stats(&b);
	CHECK_GE(b.blocks_out - a.blocks_out, 1);
	CHECK_GE(b.blocks_in - a.blocks_in, 1);
	CHECK_EQ(b.spaces_out, 0);
}

/*
 * The kernel zone left room for the blocks and kernel stacks of 33
 * processes: 48 sleepers exist at once all the same, the blocks of those
 * asleep paged out to make room for the next fork, and brought back (for
 * each, room made again) when they wake.
 */
static void more_spaces_than_the_kernel_zone_holds(void)
{
	struct pager_stats a, b;
	const uint32_t sleepers = 48, room = 200; /* 6 frames a process in RAM: 33 */

	if (!with_swap())
		return;
	CHECK_GT(fx_hog_kzone(), 0);
	fx_hog_release(pt_frame_kzone_end() - room * PAGE_SIZE, room);
	CHECK_EQ(pt_frame_free_count(ZONE_KERNEL), room); /* the top of the zone was free */
	proc_set_verbose(true); /* a process ended for want of room says why */
	stats(&a);
	run_expect(spawn(USWAP_MANY_SLEEPERS, sleepers), 0);
	stats(&b);
	fx_unhog();
	CHECK_GE(b.blocks_out - a.blocks_out, sleepers / 4); /* a quarter of them, at least */
	CHECK_EQ(b.blocks_in - b.blocks_out, a.blocks_in - a.blocks_out); /* every one came back */
}

/* Memory full and no swap: the hog is ended, the sleeper and init (its parent) live on. */
static void out_of_memory_ends_the_hog_not_init_without_swap(void)
{
	struct proc_stats before, after;

	proc_get_stats(&before);
	hog_user(400);
	run_expect(spawn(USWAP_OOM_INIT, 8), 0);
	proc_get_stats(&after);
	CHECK_EQ(after.killed - before.killed, 1);
}

/* Memory and swap full: the same, the sleeper's pages in swap meanwhile. */
static void out_of_memory_and_swap_ends_the_hog_not_init(void)
{
	struct proc_stats before, after;

	if (!with_swap())
		return;
	pressure_set_marks(MARK_LOW, MARK_HIGH);
	proc_get_stats(&before);
	hog_slots(300);
	hog_user(400);
	run_expect(spawn(USWAP_OOM_INIT, 8), 0);
	proc_get_stats(&after);
	CHECK_EQ(after.killed - before.killed, 1);
}

#define FAULTERS 4          /* faults programs at once, one a CPU on four */
#define FAULTERS_LEAVE 512 /* user frames left: half of what one of them fills */

/*
 * Page faults on every CPU while the pager pages out: FAULTERS faults
 * programs each fill 4 MiB and read it back, in half the frames one of
 * them needs, whether they run one after the other or side by side.  The fills above the low watermark come without the big lock
 * (with several CPUs), the others reclaim first, and the clock pages out
 * the pages of spaces other CPUs are filling; every page reads back what
 * was written, and every frame and slot comes back.
 */
static void faults_on_every_cpu_round_trip_through_swap(void)
{
	struct pager_stats a, b;
	struct proc_stats before, after;

	if (!with_swap())
		return;
	pressure_set_marks(MARK_LOW, MARK_HIGH);
	hog_user(FAULTERS_LEAVE);
	stats(&a);
	proc_get_stats(&before);
	RUN(fx_run_copies("faults", 1, FAULTERS));
	stats(&b);
	proc_get_stats(&after);
	CHECK_GT(b.swap_outs - a.swap_outs, FAULTERS * FAULTERS_LEAVE / 2);
	CHECK_GT(b.major_faults - a.major_faults, FAULTERS * FAULTERS_LEAVE / 2);
	if (smp_running() > 1)
		CHECK_GT(after.faults_unlocked - before.faults_unlocked, 0);
	else
		CHECK_EQ(after.faults_unlocked - before.faults_unlocked, 0);
}

#define FORKERS 4 /* uswap fork_out programs at once, one a CPU on four */
#define FORKER_PAGES 32

/*
 * Forks on every CPU through swap: FORKERS programs at once each page out
 * FORKER_PAGES pages, fork, and both sides read them back (sharing the
 * slots), write half, page them out again and read them back; the child
 * exits, the parent waits.  With several CPUs the clones and the exits'
 * destroys take and drop the slots' references side by side, without the
 * big lock.  Every page reads back, every status is 0, and every frame
 * and slot comes back (the teardown).
 */
static void forks_on_every_cpu_round_trip_through_swap(void)
{
	struct pager_stats a, b;
	struct proc_stats before, after;

	if (!with_swap())
		return;
	stats(&a);
	proc_get_stats(&before);
	RUN(fx_run_copies("uswap", USWAP_ARG(USWAP_FORK_OUT, FORKER_PAGES), FORKERS));
	stats(&b);
	proc_get_stats(&after);
	CHECK_GE(b.swap_ins - a.swap_ins, FORKERS * 2 * FORKER_PAGES); /* both sides of each */
	uint32_t clones = after.clones_unlocked - before.clones_unlocked;
	uint32_t destroys = after.destroys_unlocked - before.destroys_unlocked;
	if (smp_running() > 1) {
		CHECK_EQ(clones, FORKERS);
		CHECK_EQ(destroys, 2 * FORKERS);
	} else {
		CHECK_EQ(clones + destroys, 0);
	}
}

static const struct test_case cases[] = {
	TEST_CASE(live_page_out_faults_on_next_touch),
	TEST_CASE(fork_after_page_out_shares_the_slot),
	TEST_CASE(data_round_trips_through_swap_under_pressure),
	TEST_CASE(a_sleeper_goes_out_whole_and_comes_back),
	TEST_CASE(more_spaces_than_the_kernel_zone_holds),
	TEST_CASE(out_of_memory_ends_the_hog_not_init_without_swap),
	TEST_CASE(out_of_memory_and_swap_ends_the_hog_not_init),
	TEST_CASE(faults_on_every_cpu_round_trip_through_swap),
	TEST_CASE(forks_on_every_cpu_round_trip_through_swap),
};

DEFINE_SUITE(swap_proc_suite, "swap-proc", cases, setup, teardown);

/* ---- a disk that fails reads: only=swap-proc-errors -------------------------------- */

/* The page blkdebug fails every read of (disk_bad_read=), or 0 after failing the case. */
static uint32_t bad_read_page(void)
{
	char val[OPTION_MAX];
	uint32_t page = 0;

	if (cmdline_option(ktest_cmdline, "disk_bad_read", val, sizeof(val)) < 0 ||
	    cmdline_parse_size(val, &page) < 0 || page < 2 || page >= SWAP_PAGES) {
		test_fail(__FILE__, __LINE__, "no disk_bad_read=<page> (2 .. 4095) on the command line");
		return 0;
	}
	return page;
}

/*
 * The slots below the bad page held, the first page the pager writes lands
 * on it: its process is ended when it reads it back (KILL_IO), and a
 * process beside it runs to its end; the slot is retired.
 */
static void a_page_that_cannot_be_read_ends_only_its_process(void)
{
	struct swap_counts c;
	uint32_t bad = bad_read_page();

	if (!bad || !with_swap())
		return;
	retire_slots(bad - 1); /* the next slot handed out is the bad page */
	proc_set_verbose(true); /* the kill's line, for kernel-disk-test.sh to check */
	int victim = spawn(USWAP_EVICT_LIVE, 4), other = spawn(USWAP_FILL, 64), status = -1;
	run_expect(other, 0);
	CHECK_OK(proc_reap(victim, &status));
	CHECK_EQ(status, KILLED_BIT | KILL_IO);
	pt_swap_get_counts(&c);
	CHECK_EQ(c.retired, bad); /* those retired on purpose, and the bad one */
	CHECK_EQ(pt_swap_slot_state(bad), SWAP_RETIRED);
}

/*
 * The same for a block: a child asleep goes out whole, its block on the
 * page that cannot be read; when it wakes, it is ended before it runs, and
 * its parent goes on.
 */
static void a_block_that_cannot_be_read_ends_only_its_process(void)
{
	uint32_t bad = bad_read_page();
	struct pager_stats a, b;

	if (!bad || !with_swap())
		return;
	retire_slots(bad - 1); /* the next slot handed out is the bad page */
	proc_set_verbose(true);
	stats(&a);
	run_expect(spawn(USWAP_BLOCK_LOST, 0), 0);
	stats(&b);
	CHECK_EQ(b.blocks_out - a.blocks_out, 1);
	CHECK_EQ(b.blocks_in - a.blocks_in, 0);
	CHECK_GE(b.read_errors - a.read_errors, 1);
	CHECK_EQ(pt_swap_slot_state(bad), SWAP_RETIRED);
}

static const struct test_case error_cases[] = {
	TEST_CASE(a_page_that_cannot_be_read_ends_only_its_process),
	TEST_CASE(a_block_that_cannot_be_read_ends_only_its_process),
};

DEFINE_SUITE(swap_proc_errors_suite, "swap-proc-errors", error_cases, setup, teardown);
