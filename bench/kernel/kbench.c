/*
 * kbench.c - the kernel benchmarks (kernel/runs.h; docs/PERFORMANCE.md).
 *
 * Every figure is the median of its samples, in TSC cycles per operation.
 * scripts/bench.sh boots this kernel under QEMU with -icount shift=0: the
 * TSC then advances by one for each guest instruction, so the figures are
 * instruction counts, the same on every run and on every host, and blind
 * to caches and TLB misses.
 *
 * The page-fault figures are measured by a process, user/membench.c, on
 * the kernel's own path: the trap, proc.c's handler, ufault.c, vm_resolve,
 * the zeroing or the copy, the return to ring 3 and the retried write.
 * This file measures the parts of that path the kernel can time alone.
 *
 * The paging-out figures need the swap disk (scripts/bench.sh gives the
 * machine one).  A page out and a page back in are timed beside the
 * driver's raw write and read of a page, in the same repetitions: there
 * the cycles are not instruction counts alone, since the driver polls the
 * device while QEMU moves the data on the host, so they move from run to
 * run with the host's load, and the ratios are what to compare.
 */
#include "runs.h"
#include "check.h"
#include "proc.h"
#include "cpu.h"
#include "errors.h"
#include "frame.h"
#include "layout.h"
#include "lib.h"
#include "kmap.h"
#include "mmu.h"
#include "vmspace.h"
#include "disktime.h"
#include "pager.h"
#include "swap.h"
#include "uapi.h"

#define URW (VM_USER | VM_WRITE)
#define REPS 15          /* samples of each batched figure */
#define CD_BATCH 16      /* creates and destroys timed together */
#define SW_BATCH 64      /* pairs of CR3 switches timed together */
#define MU_PAGES 255     /* pages mapped, then unmapped, one at a time */
#define MU_VA 0x48000000u
#define FAULT_VA 0x50000000u

static uint32_t samples[REPS], more[REPS];
static paddr_t frames[MU_PAGES];

static bool failure(const char *what)
{
	kprintf("kbench: %s failed\n", what);
	return false;
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

static void report(const char *key, uint32_t cycles)
{
	kprintf("bench: %s=%u\n", key, cycles);
}

/* A ratio given in thousandths, printed as a decimal. */
static void report_ratio(const char *key, uint32_t thousandths)
{
	kprintf("bench: %s=%u.%03u\n", key, thousandths / 1000, thousandths % 1000);
}

static uint32_t per_op(uint64_t t0, uint64_t t1, uint32_t ops)
{
	return (uint32_t)((t1 - t0) / ops);
}

/* ---- address spaces and pages ------------------------------------------ */

static bool bench_create_destroy(void)
{
	for (int r = -1; r < (int)REPS; r++) { /* repetition -1 warms up */
		uint64_t t0 = rdtsc();
		for (uint32_t i = 0; i < CD_BATCH; i++) {
			int as = vm_create();
			if (as < 0 || vm_destroy(as) < 0)
				return failure("create_destroy");
		}
		if (r >= 0)
			samples[r] = per_op(t0, rdtsc(), CD_BATCH);
	}
	report("kernel_create_destroy_cycles", median(samples, REPS));
	return true;
}

/* Map and unmap MU_PAGES pages, one call each, in a table that stays (its first page). */
static bool map_unmap_rounds(int as)
{
	for (int r = -1; r < (int)REPS; r++) {
		for (uint32_t i = 0; i < MU_PAGES; i++)
			frame_ref(frames[i]); /* the reference each mapping takes over */
		uint64_t t0 = rdtsc();
		for (uint32_t i = 0; i < MU_PAGES; i++)
			if (vm_map(as, MU_VA + (i + 1) * PAGE_SIZE, frames[i], URW) < 0)
				return failure("vm_map");
		uint64_t t1 = rdtsc();
		for (uint32_t i = 0; i < MU_PAGES; i++)
			if (vm_unmap(as, MU_VA + (i + 1) * PAGE_SIZE) < 0)
				return failure("vm_unmap");
		uint64_t t2 = rdtsc();
		if (r >= 0) {
			samples[r] = per_op(t0, t1, MU_PAGES);
			more[r] = per_op(t1, t2, MU_PAGES);
		}
	}
	return true;
}

/* The address space is live, as a process's own is when it maps and unmaps. */
static bool bench_map_unmap(void)
{
	int as = vm_create();
	bool ok = as >= 0 && vm_map_zero(as, MU_VA, URW) == 0;

	for (uint32_t i = 0; ok && i < MU_PAGES; i++)
		ok = frame_alloc(ZONE_USER, &frames[i]) == 0;
	if (!ok || vm_activate(as) < 0)
		return failure("map_unmap setup");
	ok = map_unmap_rounds(as);
	vm_activate(0);
	vm_destroy(as);
	for (uint32_t i = 0; i < MU_PAGES; i++)
		frame_unref(frames[i]);
	if (!ok)
		return false;
	report("kernel_map_cycles", median(samples, REPS));
	report("kernel_unmap_cycles", median(more, REPS));
	return true;
}

static bool bench_cr3_switch(void)
{
	int a = vm_create(), b = vm_create();

	if (a < 0 || b < 0)
		return failure("cr3_switch setup");
	for (int r = -1; r < (int)REPS; r++) {
		uint64_t t0 = rdtsc();
		for (uint32_t i = 0; i < SW_BATCH; i++) {
			vm_activate(a);
			vm_activate(b);
		}
		if (r >= 0)
			samples[r] = per_op(t0, rdtsc(), 2 * SW_BATCH);
	}
	vm_activate(0);
	vm_destroy(a);
	vm_destroy(b);
	report("kernel_cr3_switch_cycles", median(samples, REPS));
	return true;
}

/* ---- the parts of a page fault -------------------------------------------------- */

/*
 * The kernel's side of a user page, part by part: a kmap window taken and
 * released (its invlpg included), a frame zeroed and a frame copied
 * through windows (what a demand-zero and a copy-on-write fault do), and
 * vm_resolve of a page already mapped and allowed (what a system call's
 * copy does per page).
 */
static bool bench_page_parts(void)
{
	int as = vm_create();
	paddr_t a, b, pa;
	bool ok = as >= 0 && vm_map_zero(as, FAULT_VA, URW) == 0 && vm_activate(as) == 0 &&
		  frame_alloc(ZONE_USER, &a) == 0 && frame_alloc(ZONE_USER, &b) == 0;
	uint32_t window[REPS], zero[REPS], copy[REPS], resolve[REPS];

	for (int r = -1; ok && r < (int)REPS; r++) {
		uint64_t t0 = rdtsc();
		kunmap(kmap(a));
		uint64_t t1 = rdtsc();
		kmap_zero(a);
		uint64_t t2 = rdtsc();
		kmap_copy(b, a);
		uint64_t t3 = rdtsc();
		ok = vm_resolve(as, FAULT_VA, PF_U | PF_W, 0, &pa) == 0;
		uint64_t t4 = rdtsc();
		if (r >= 0) {
			window[r] = (uint32_t)(t1 - t0);
			zero[r] = (uint32_t)(t2 - t1);
			copy[r] = (uint32_t)(t3 - t2);
			resolve[r] = (uint32_t)(t4 - t3);
		}
	}
	vm_activate(0);
	vm_destroy(as);
	frame_unref(a);
	frame_unref(b);
	if (!ok)
		return failure("page_parts");
	report("kernel_kmap_window_cycles", median(window, REPS));
	report("kernel_zero_page_cycles", median(zero, REPS));
	report("kernel_copy_page_cycles", median(copy, REPS));
	report("kernel_resolve_cycles", median(resolve, REPS));
	return true;
}

/* ---- the paging part of fork and exit --------------------------------------- */

/* Code and data, heap and stack of the typical process (bench/bench_host.c's). */
static const struct {
	vaddr_t va;
	uint32_t pages;
} typical[] = {
	{ USER_BASE, MiB(1) / PAGE_SIZE },
	{ USER_BASE + MiB(1), MiB(8) / PAGE_SIZE },
	{ USER_LAST + PAGE_SIZE - KiB(64), KiB(64) / PAGE_SIZE },
};

/* A copy-on-write clone of the typical process, and its destruction. */
static bool bench_clone_typical(void)
{
	int as = vm_create();
	bool ok = as >= 0;

	for (size_t i = 0; ok && i < ARRAY_SIZE(typical); i++)
		for (uint32_t p = 0; ok && p < typical[i].pages; p++)
			ok = vm_map_zero(as, typical[i].va + p * PAGE_SIZE, URW) == 0;
	for (int r = -1; ok && r < (int)REPS; r++) {
		uint64_t t0 = rdtsc();
		int child = vm_clone(as, VM_CLONE_COW);
		ok = child >= 0 && vm_destroy(child) == 0;
		if (r >= 0)
			samples[r] = (uint32_t)(rdtsc() - t0);
	}
	vm_destroy(as);
	if (!ok)
		return failure("clone_typical");
	report("kernel_clone_typical_cycles", median(samples, REPS));
	return true;
}

#define CLONE_PAGES (MiB(16) / PAGE_SIZE)

/* Clones of 16 MiB, copy-on-write and eager: the host's figures without the model MMU. */
static bool bench_clone_16m(void)
{
	int as = vm_create();
	bool ok = as >= 0;

	for (uint32_t p = 0; ok && p < CLONE_PAGES; p++)
		ok = vm_map_zero(as, USER_BASE + p * PAGE_SIZE, URW) == 0;
	for (int r = -1; ok && r < (int)REPS; r++) {
		uint64_t t0 = rdtsc();
		int c = vm_clone(as, VM_CLONE_COW);
		uint64_t t1 = rdtsc();
		int e = vm_clone(as, VM_CLONE_EAGER);
		uint64_t t2 = rdtsc();
		ok = c >= 0 && e >= 0 && vm_destroy(c) == 0 && vm_destroy(e) == 0;
		if (r >= 0) {
			samples[r] = (uint32_t)(t1 - t0);
			more[r] = (uint32_t)(t2 - t1);
		}
	}
	vm_destroy(as);
	if (!ok)
		return failure("clone_16m");
	report("kernel_clone_cow_16m_cycles", median(samples, REPS));
	report("kernel_clone_eager_16m_cycles", median(more, REPS));
	return true;
}

/* Cycles to run program `name` with argument arg, from spawn to reap; it must exit 0. */
static int time_program(const char *name, int arg, uint64_t *cycles)
{
	int status = -1;
	uint64_t t0 = rdtsc();
	int pid = proc_spawn(name, arg);

	if (pid < 0)
		return pid;
	proc_run();
	if (proc_reap(pid, &status) < 0 || status != 0)
		return -E_FAULT;
	*cycles = rdtsc() - t0;
	return 0;
}

/*
 * A fork whose child exits at once, and the wait that collects it: the
 * difference between many rounds and none, so that starting and ending
 * the program itself is not counted.
 */
static int fork_exit_wait(uint32_t *cycles)
{
	enum { ROUNDS = 200 };
	uint64_t none, many;
	int rc;

	if ((rc = time_program("forkwait", 0, &none)) < 0 ||
	    (rc = time_program("forkwait", ROUNDS, &many)) < 0)
		return rc;
	*cycles = (uint32_t)((uint32_t)(many - none) / ROUNDS);
	return 0;
}

static void bench_fork_exit_wait(void)
{
	uint32_t cycles;

	if (fork_exit_wait(&cycles) == 0)
		report("kernel_fork_exit_wait_cycles", cycles);
	else
		kprintf("kbench: kernel_fork_exit_wait_cycles: the forkwait program failed\n");
}

/*
 * The figures a process measures itself (user/membench.c): its page
 * faults, taken by the kernel's own path (proc.c, ufault.c, vm_resolve),
 * a write of 64 KiB, a system call that does nothing.  It prints them.
 */
static bool bench_process(void)
{
	uint64_t cycles;

	if (time_program("membench", 0, &cycles) < 0)
		return failure("membench");
	return true;
}

/* ---- paging out ------------------------------------------------------------------- */

#define SWAP_REPS 127         /* samples of each paging-out figure */
#define SWAP_VA 0x58000000u

/* What the paging-out figures found, so as to leave it so. */
static struct {
	bool started;         /* the slots were started here: the boot had not */
	uint32_t free_user, free_kernel, free_slots;
} found;

/*
 * The swap slots, started here if the boot did not start them (without
 * slots swap_get_counts says total 0).  False without a disk to page to.
 */
static bool swap_begin(void)
{
	struct swap_counts c;

	found.free_user = frame_free_count(ZONE_USER);
	found.free_kernel = frame_free_count(ZONE_KERNEL);
	swap_get_counts(&c);
	found.started = c.total == 0;
	if (found.started && swap_init() < 0)
		return failure("swap_init");
	swap_get_counts(&c);
	found.free_slots = c.free;
	if (c.total == 0) {
		kprintf("kbench: no swap disk: the paging-out figures need one (scripts/bench.sh)\n");
		swap_fini();
		found.started = false;
		return false;
	}
	return true;
}

/* Every slot and frame the figures took is free again, and the slots as the boot left them. */
static bool swap_end(void)
{
	struct swap_counts c;
	bool ok = true;

	swap_get_counts(&c);
	if (c.free != found.free_slots || vm_check() < 0)
		ok = failure("paging out: the slots are not back");
	if (found.started && swap_fini() < 0)
		ok = failure("swap_fini");
	if (frame_free_count(ZONE_USER) != found.free_user ||
	    frame_free_count(ZONE_KERNEL) != found.free_kernel)
		ok = failure("paging out: the frames are not back");
	return ok;
}

/* num / den in thousandths, in 32 bits (the kernel has no 64-bit division). */
static uint32_t thousandths(uint32_t num, uint32_t den)
{
	while (num > UINT32_MAX / 1000) {
		num >>= 1;
		den >>= 1;
	}
	return den ? num * 1000 / den : 0;
}

/* The median of n differences kept as uint32_t, read as signed (sorts them). */
static uint32_t median_signed(uint32_t *v, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		v[i] ^= BIT(31); /* signed order as unsigned */
	return median(v, n) ^ BIT(31);
}

/* Transfers since the pager's counters were read into *was: writes, reads. */
static void transfers_since(const struct pager_stats *was, uint32_t *writes, uint32_t *reads)
{
	struct pager_stats now;

	pager_get_stats(&now);
	*writes = now.writes - was->writes;
	*reads = now.reads - was->reads;
}

static struct {
	uint32_t raw_write[SWAP_REPS], out[SWAP_REPS], out_ratio[SWAP_REPS], out_extra[SWAP_REPS];
	uint32_t raw_read[SWAP_REPS], in[SWAP_REPS], in_ratio[SWAP_REPS], in_extra[SWAP_REPS];
} page_samples;

/*
 * One repetition: the raw write of frame f to disk page raw, the page at
 * SWAP_VA paged out (dirty: written), the raw read back, and the page
 * brought back by vm_resolve of a write (a major fault that leaves it
 * dirty for the next round).  Sample r, or none for r < 0.
 */
static bool swap_page_round(int as, uint32_t raw, paddr_t f, int r)
{
	uint64_t w, rd, t0, t1, t2, t3;
	paddr_t pa;
	bool ok = disk_time_write(raw, f, &w) == 0;

	t0 = rdtsc();
	ok = ok && pager_evict(as, SWAP_VA) == 0;
	t1 = rdtsc();
	ok = ok && disk_time_read(raw, f, &rd) == 0;
	t2 = rdtsc();
	ok = ok && vm_resolve(as, SWAP_VA, PF_U | PF_W, 0, &pa) == 0;
	t3 = rdtsc();
	if (ok && r >= 0) {
		page_samples.raw_write[r] = (uint32_t)w;
		page_samples.out[r] = (uint32_t)(t1 - t0);
		page_samples.out_ratio[r] = thousandths((uint32_t)(t1 - t0), (uint32_t)w);
		page_samples.out_extra[r] = (uint32_t)(t1 - t0) - (uint32_t)w;
		page_samples.raw_read[r] = (uint32_t)rd;
		page_samples.in[r] = (uint32_t)(t3 - t2);
		page_samples.in_ratio[r] = thousandths((uint32_t)(t3 - t2), (uint32_t)rd);
		page_samples.in_extra[r] = (uint32_t)(t3 - t2) - (uint32_t)rd;
	}
	return ok;
}

/*
 * The medians, and the pager's cycles beyond the raw transfer (signed: the
 * device's wait differs between the two transfers of a round).
 */
static void report_page_samples(void)
{
	report("kernel_raw_write_page_cycles", median(page_samples.raw_write, SWAP_REPS));
	report("kernel_swap_out_page_cycles", median(page_samples.out, SWAP_REPS));
	report_ratio("swap_out_vs_raw_write", median(page_samples.out_ratio, SWAP_REPS));
	kprintf("bench: kernel_swap_out_extra_cycles=%d\n",
		(int32_t)median_signed(page_samples.out_extra, SWAP_REPS));
	report("kernel_raw_read_page_cycles", median(page_samples.raw_read, SWAP_REPS));
	report("kernel_swap_in_page_cycles", median(page_samples.in, SWAP_REPS));
	report_ratio("swap_in_vs_raw_read", median(page_samples.in_ratio, SWAP_REPS));
	kprintf("bench: kernel_swap_in_extra_cycles=%d\n",
		(int32_t)median_signed(page_samples.in_extra, SWAP_REPS));
}

/*
 * A dirty page of the live space paged out by pager_evict (written to the
 * slot its frame keeps) and brought back by vm_resolve (a major fault),
 * each beside the raw transfer of a page to a slot held for the purpose,
 * so that the pager never hands its disk page out.  The pager's transfer
 * counts prove that every round wrote once and read once.
 */
static bool bench_swap_page(void)
{
	struct pager_stats was;
	uint32_t writes, reads;
	paddr_t f = 0;
	int as = vm_create(), raw = swap_alloc();
	bool ok = as >= 0 && raw > 0 && frame_alloc(ZONE_USER, &f) == 0 &&
		  vm_map_zero(as, SWAP_VA, URW) == 0 && vm_activate(as) == 0;

	pager_get_stats(&was);
	for (int r = -1; ok && r < (int)SWAP_REPS; r++)
		ok = swap_page_round(as, (uint32_t)raw, f, r);
	transfers_since(&was, &writes, &reads);
	vm_activate(0);
	if (as >= 0)
		vm_destroy(as);
	if (f)
		frame_free(f);
	if (raw > 0)
		swap_unref((uint32_t)raw);
	if (!ok || writes != SWAP_REPS + 1 || reads != SWAP_REPS + 1)
		return failure("swap_page");
	report_page_samples();
	return true;
}

/*
 * The demo's init as loaded, the typical process here: its code and
 * read-only data (3 pages), data and bss (1), a small heap (4) and the
 * stack (2): ten pages in two tables, a block of three pages.
 */
static const struct {
	vaddr_t va;
	uint32_t pages;
	uint32_t flags;
} small_process[] = {
	{ USER_BASE, 3, VM_USER },
	{ USER_BASE + 3 * PAGE_SIZE, 1, URW },
	{ USER_BASE + 4 * PAGE_SIZE, 4, URW },
	{ STACK_TOP - 2 * PAGE_SIZE, 2, URW },
};

/* Touch every page of the small process as it runs: read the code, write the rest. */
static bool touch_small_process(int as)
{
	paddr_t pa;

	for (size_t i = 0; i < ARRAY_SIZE(small_process); i++) {
		uint32_t access = PF_U | (small_process[i].flags & VM_WRITE ? PF_W : 0);
		for (uint32_t p = 0; p < small_process[i].pages; p++)
			if (vm_resolve(as, small_process[i].va + p * PAGE_SIZE, access, 0, &pa) < 0)
				return false;
	}
	return true;
}

/*
 * The small process put to sleep and woken: pager_block_out (its pages,
 * then its block) and pager_block_in (the block; the pages come back as
 * they are touched, untimed, before the next round).  From the second
 * round on the code goes out clean, without a write, as it would.
 */
static bool bench_block_out_in(void)
{
	uint32_t out[REPS], in[REPS], both[REPS], writes = 0, reads = 0;
	struct pager_stats was;
	int as = vm_create();
	bool ok = as >= 0;

	for (size_t i = 0; ok && i < ARRAY_SIZE(small_process); i++)
		for (uint32_t p = 0; ok && p < small_process[i].pages; p++)
			ok = vm_map_zero(as, small_process[i].va + p * PAGE_SIZE,
					 small_process[i].flags) == 0;
	for (int r = -1; ok && r < (int)REPS; r++) {
		ok = touch_small_process(as);
		pager_get_stats(&was);
		uint64_t t0 = rdtsc();
		ok = ok && pager_block_out(as) == 0;
		uint64_t t1 = rdtsc();
		ok = ok && pager_block_in(as) == 0;
		uint64_t t2 = rdtsc();
		transfers_since(&was, &writes, &reads);
		if (r >= 0) {
			out[r] = (uint32_t)(t1 - t0);
			in[r] = (uint32_t)(t2 - t1);
			both[r] = (uint32_t)(t2 - t0);
		}
	}
	if (as >= 0)
		vm_destroy(as);
	if (!ok)
		return failure("block_out_in");
	report("kernel_block_out_in_cycles", median(both, REPS));
	report("kernel_block_out_cycles", median(out, REPS));
	report("kernel_block_in_cycles", median(in, REPS));
	report("kernel_block_out_in_writes", writes);
	report("kernel_block_out_in_reads", reads);
	return true;
}

/* ---- the thrash curve -------------------------------------------------------------- */

#define THRASH_RAM 128        /* user frames left free for the working set */
#define THRASH_LOW 8          /* the clock reclaims when fewer are free, */
#define THRASH_HIGH 16        /* up to this many free */
#define THRASH_ACCESSES 2048  /* accesses counted at each point */
#define THRASH_VA 0x60000000u

/* Working sets, in pages: half to twice THRASH_RAM, closer together about the cliff. */
static const uint32_t thrash_pages[] = { 64, 96, 112, 128, 160, 192, 224, 256 };

static paddr_t held; /* the user frames held back, chained through their first word */

/* Take user frames until n are free. */
static bool hold_all_but(uint32_t n)
{
	paddr_t pa;

	while (frame_free_count(ZONE_USER) > n) {
		if (frame_alloc(ZONE_USER, &pa) < 0)
			return false;
		vaddr_t w = kmap(pa);
		*(paddr_t *)(uintptr_t)w = held;
		kunmap(w);
		held = pa;
	}
	return true;
}

static void release_held(void)
{
	while (held) {
		paddr_t pa = held;
		vaddr_t w = kmap(pa);
		held = *(paddr_t *)(uintptr_t)w;
		kunmap(w);
		frame_free(pa);
	}
}

static uint32_t xorshift(uint32_t x)
{
	x ^= x << 13;
	x ^= x >> 17;
	return x ^ (x << 5);
}

/*
 * Page p of the working set accessed as the kernel accesses a process's
 * page (vm_resolve: A set, and D on a write; demand-zero the first time),
 * after the clock has reclaimed up to THRASH_HIGH free frames if fewer
 * than THRASH_LOW were free, as the kernel does before it takes a frame.
 */
static int thrash_access(int as, uint32_t p, bool write)
{
	uint32_t free = frame_free_count(ZONE_USER);
	paddr_t pa;

	if (free < THRASH_LOW)
		pager_reclaim(THRASH_HIGH - free);
	return vm_resolve(as, THRASH_VA + p * PAGE_SIZE, PF_U | (write ? PF_W : 0), URW, &pa);
}

/*
 * Major faults in THRASH_ACCESSES accesses to a working set of `pages`,
 * in turn (cyclic) or at random, one in four a write; after one pass
 * that creates every page and `pages` accesses of the pattern.  -1 if an
 * access failed.
 */
static int thrash_point(uint32_t pages, bool cyclic)
{
	struct vm_stats s;
	uint32_t x = 2463534242u, start = 0;
	int as = vm_create(), rc = as < 0 ? as : 0;

	for (uint32_t p = 0; rc == 0 && p < pages; p++)
		rc = thrash_access(as, p, true);
	for (uint32_t i = 0; rc == 0 && i < pages + THRASH_ACCESSES; i++) {
		if (i == pages) {
			vm_get_stats(&s);
			start = s.major_faults;
		}
		x = xorshift(x);
		rc = thrash_access(as, cyclic ? i % pages : x % pages, (x >> 24 & 3) == 0);
	}
	vm_get_stats(&s);
	if (as >= 0)
		vm_destroy(as);
	return rc < 0 ? -1 : (int)(s.major_faults - start);
}

/* Faults per thousand accesses of each pattern at each working set: bench lines. */
static bool thrash_curve(void)
{
	report("kernel_thrash_ram_pages", THRASH_RAM);
	for (int cyclic = 0; cyclic < 2; cyclic++)
		for (size_t i = 0; i < ARRAY_SIZE(thrash_pages); i++) {
			int faults = thrash_point(thrash_pages[i], cyclic);
			if (faults < 0 || frame_free_count(ZONE_USER) != THRASH_RAM)
				return failure("thrash");
			kprintf("bench: kernel_thrash_%s_ws%u=%u\n", cyclic ? "cyclic" : "random",
				thrash_pages[i], thousandths((uint32_t)faults, THRASH_ACCESSES));
		}
	return true;
}

/*
 * The thrash curve: the working set given THRASH_RAM user frames (every
 * other user frame held), from half that to twice that.
 */
static bool bench_thrash(void)
{
	bool ok = hold_all_but(THRASH_RAM) && frame_free_count(ZONE_USER) == THRASH_RAM;

	ok = ok ? thrash_curve() : failure("thrash: holding the user frames");
	release_held();
	return ok;
}

/* The paging-out figures, with the slots set up and put back as found. */
static bool bench_paging_out(void)
{
	if (!swap_begin())
		return false;
	bool ok = bench_swap_page();
	ok &= bench_block_out_in();
	ok &= bench_thrash();
	return swap_end() && ok;
}

int kbench_run(void)
{
	bool ok = true;

	kprintf("kbench: cycles are TSC ticks (under QEMU -icount shift=0: instructions)\n");
	ok &= bench_create_destroy();
	ok &= bench_map_unmap();
	ok &= bench_cr3_switch();
	ok &= bench_page_parts();
	ok &= bench_process();
	ok &= bench_clone_typical();
	ok &= bench_clone_16m();
	bench_fork_exit_wait();
	ok &= bench_paging_out();
	kprintf("kbench: %s\n", ok ? "done" : "FAIL");
	return ok ? 0 : -1;
}
