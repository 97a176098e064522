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
 * the kernel's own path: the trap, proc.c's handler, ufault.c, pt_vm_resolve,
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
#include "cmdline.h"
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
#include "smp.h"
#include "spinlock.h"

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

/*
 * Cycles per operation, divided in 32 bits (the kernel links no 64-bit
 * division: gcc happened to need none here, clang calls __udivdi3); a batch
 * longer than 2^32 cycles is halved with its count until it fits.
 */
static uint32_t per_op(uint64_t t0, uint64_t t1, uint32_t ops)
{
	uint64_t d = t1 - t0;

	while (d > UINT32_MAX && ops > 1) {
		d >>= 1;
		ops >>= 1;
	}
	return d > UINT32_MAX ? UINT32_MAX : (uint32_t)d / ops;
}

/* ---- address spaces and pages ------------------------------------------ */

static bool bench_create_destroy(void)
{
	for (int r = -1; r < (int)REPS; r++) { /* repetition -1 warms up */
		uint64_t t0 = rdtsc();
		for (uint32_t i = 0; i < CD_BATCH; i++) {
			int as = pt_vm_create();
			if (as < 0 || pt_vm_destroy(as) < 0)
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
			pt_frame_ref(frames[i]); /* the reference each mapping takes over */
		uint64_t t0 = rdtsc();
		for (uint32_t i = 0; i < MU_PAGES; i++)
			if (pt_vm_map(as, MU_VA + (i + 1) * PAGE_SIZE, frames[i], URW) < 0)
				return failure("pt_vm_map");
		uint64_t t1 = rdtsc();
		for (uint32_t i = 0; i < MU_PAGES; i++)
			if (pt_vm_unmap(as, MU_VA + (i + 1) * PAGE_SIZE) < 0)
				return failure("pt_vm_unmap");
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
	int as = pt_vm_create();
	bool ok = as >= 0 && pt_vm_map_zero(as, MU_VA, URW) == 0;

	for (uint32_t i = 0; ok && i < MU_PAGES; i++)
		ok = pt_frame_alloc(ZONE_USER, &frames[i]) == 0;
	if (!ok || pt_vm_activate(as) < 0)
		return failure("map_unmap setup");
	ok = map_unmap_rounds(as);
	pt_vm_activate(0);
	pt_vm_destroy(as);
	for (uint32_t i = 0; i < MU_PAGES; i++)
		pt_frame_unref(frames[i]);
	if (!ok)
		return false;
	report("kernel_map_cycles", median(samples, REPS));
	report("kernel_unmap_cycles", median(more, REPS));
	return true;
}

static bool bench_cr3_switch(void)
{
	int a = pt_vm_create(), b = pt_vm_create();

	if (a < 0 || b < 0)
		return failure("cr3_switch setup");
	for (int r = -1; r < (int)REPS; r++) {
		uint64_t t0 = rdtsc();
		for (uint32_t i = 0; i < SW_BATCH; i++) {
			pt_vm_activate(a);
			pt_vm_activate(b);
		}
		if (r >= 0)
			samples[r] = per_op(t0, rdtsc(), 2 * SW_BATCH);
	}
	pt_vm_activate(0);
	pt_vm_destroy(a);
	pt_vm_destroy(b);
	report("kernel_cr3_switch_cycles", median(samples, REPS));
	return true;
}

/* ---- the parts of a page fault -------------------------------------------------- */

/*
 * The kernel's side of a user page, part by part: a kmap window taken and
 * released (its invlpg included), a frame zeroed and a frame copied
 * through windows (what a demand-zero and a copy-on-write fault do), and
 * pt_vm_resolve of a page already mapped and allowed (what a system call's
 * copy does per page).
 */
static bool bench_page_parts(void)
{
	int as = pt_vm_create();
	paddr_t a, b, pa;
	bool ok = as >= 0 && pt_vm_map_zero(as, FAULT_VA, URW) == 0 && pt_vm_activate(as) == 0 &&
		  pt_frame_alloc(ZONE_USER, &a) == 0 && pt_frame_alloc(ZONE_USER, &b) == 0;
	uint32_t window[REPS], zero[REPS], copy[REPS], resolve[REPS];

	for (int r = -1; ok && r < (int)REPS; r++) {
		uint64_t t0 = rdtsc();
		pt_kunmap(pt_kmap(a));
		uint64_t t1 = rdtsc();
		pt_kmap_zero(a);
		uint64_t t2 = rdtsc();
		pt_kmap_copy(b, a);
		uint64_t t3 = rdtsc();
		ok = pt_vm_resolve(as, FAULT_VA, PF_U | PF_W, 0, &pa) == 0;
		uint64_t t4 = rdtsc();
		if (r >= 0) {
			window[r] = (uint32_t)(t1 - t0);
			zero[r] = (uint32_t)(t2 - t1);
			copy[r] = (uint32_t)(t3 - t2);
			resolve[r] = (uint32_t)(t4 - t3);
		}
	}
	pt_vm_activate(0);
	pt_vm_destroy(as);
	pt_frame_unref(a);
	pt_frame_unref(b);
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
	int as = pt_vm_create();
	bool ok = as >= 0;

	for (size_t i = 0; ok && i < ARRAY_SIZE(typical); i++)
		for (uint32_t p = 0; ok && p < typical[i].pages; p++)
			ok = pt_vm_map_zero(as, typical[i].va + p * PAGE_SIZE, URW) == 0;
	for (int r = -1; ok && r < (int)REPS; r++) {
		uint64_t t0 = rdtsc();
		int child = pt_vm_clone(as, VM_CLONE_COW);
		ok = child >= 0 && pt_vm_destroy(child) == 0;
		if (r >= 0)
			samples[r] = (uint32_t)(rdtsc() - t0);
	}
	pt_vm_destroy(as);
	if (!ok)
		return failure("clone_typical");
	report("kernel_clone_typical_cycles", median(samples, REPS));
	return true;
}

#define CLONE_PAGES (MiB(16) / PAGE_SIZE)

/* Clones of 16 MiB, copy-on-write and eager: the host's figures without the model MMU. */
static bool bench_clone_16m(void)
{
	int as = pt_vm_create();
	bool ok = as >= 0;

	for (uint32_t p = 0; ok && p < CLONE_PAGES; p++)
		ok = pt_vm_map_zero(as, USER_BASE + p * PAGE_SIZE, URW) == 0;
	for (int r = -1; ok && r < (int)REPS; r++) {
		uint64_t t0 = rdtsc();
		int c = pt_vm_clone(as, VM_CLONE_COW);
		uint64_t t1 = rdtsc();
		int e = pt_vm_clone(as, VM_CLONE_EAGER);
		uint64_t t2 = rdtsc();
		ok = c >= 0 && e >= 0 && pt_vm_destroy(c) == 0 && pt_vm_destroy(e) == 0;
		if (r >= 0) {
			samples[r] = (uint32_t)(t1 - t0);
			more[r] = (uint32_t)(t2 - t1);
		}
	}
	pt_vm_destroy(as);
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
 * faults, taken by the kernel's own path (proc.c, ufault.c, pt_vm_resolve),
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

#define SWAP_REPS 127         /* rounds of the page figures under -icount: they count alike */
#define DISK_REPS 511         /* rounds of the page figures in host time, which is noisy */
#define DISK_BLOCK_REPS 63    /* rounds of the block figures in host time */
#define SWAP_VA 0x58000000u

/*
 * The unit of the paging-out figures.  Under -icount (`bench`) they are
 * TSC cycles, that is instructions, printed as kernel_*_cycles.  With
 * `bench only=disk`, which scripts/bench.sh boots without -icount, QEMU's
 * TSC follows the host's clock and a transfer takes what the emulated
 * disk takes: they are nanoseconds, printed as kernel_*_ns, the TSC
 * measured against the PIT.
 */
static struct {
	bool wall;         /* host time */
	uint32_t tsc_mhz;  /* TSC cycles per microsecond, when wall */
} unit;

/* What the paging-out figures found, so as to leave it so. */
static struct {
	bool started;         /* the slots were started here: the boot had not */
	uint32_t free_user, free_kernel, free_slots;
} found;

/*
 * The swap slots, started here if the boot did not start them (without
 * slots pt_swap_get_counts says total 0).  False without a disk to page to.
 */
static bool swap_begin(void)
{
	struct swap_counts c;

	found.free_user = pt_frame_free_count(ZONE_USER);
	found.free_kernel = pt_frame_free_count(ZONE_KERNEL);
	pt_swap_get_counts(&c);
	found.started = c.total == 0;
	if (found.started && pt_swap_init() < 0)
		return failure("pt_swap_init");
	pt_swap_get_counts(&c);
	found.free_slots = c.free;
	if (c.total == 0) {
		kprintf("kbench: no swap disk: the paging-out figures need one (scripts/bench.sh)\n");
		pt_swap_fini();
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

	pt_swap_get_counts(&c);
	if (c.free != found.free_slots || pt_vm_check() < 0)
		ok = failure("paging out: the slots are not back");
	if (found.started && pt_swap_fini() < 0)
		ok = failure("pt_swap_fini");
	if (pt_frame_free_count(ZONE_USER) != found.free_user ||
	    pt_frame_free_count(ZONE_KERNEL) != found.free_kernel)
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

/* A paging-out time of `cycles` TSC cycles, in the unit of this run, as line kernel_<name>_<unit>. */
static void report_time(const char *name, uint32_t cycles)
{
	if (unit.wall)
		kprintf("bench: kernel_%s_ns=%u\n", name, thousandths(cycles, unit.tsc_mhz));
	else
		kprintf("bench: kernel_%s_cycles=%u\n", name, cycles);
}

/* The same for a difference, which may be negative. */
static void report_time_signed(const char *name, int32_t cycles)
{
	const char *sign = cycles < 0 ? "-" : "";
	uint32_t size = cycles < 0 ? -(uint32_t)cycles : (uint32_t)cycles;

	if (unit.wall)
		kprintf("bench: kernel_%s_ns=%s%u\n", name, sign, thousandths(size, unit.tsc_mhz));
	else
		kprintf("bench: kernel_%s_cycles=%s%u\n", name, sign, size);
}

/* n ratios in thousandths: their median as line key, their quartiles as key_q1 and key_q3 (sorts them). */
static void report_quartiles(const char *key, uint32_t *v, uint32_t n)
{
	median(v, n);
	kprintf("bench: %s=%u.%03u\n", key, v[n / 2] / 1000, v[n / 2] % 1000);
	kprintf("bench: %s_q1=%u.%03u\n", key, v[n / 4] / 1000, v[n / 4] % 1000);
	kprintf("bench: %s_q3=%u.%03u\n", key, v[3 * n / 4] / 1000, v[3 * n / 4] % 1000);
}

/* Transfers since the pager's counters were read into *was: writes, reads. */
static void transfers_since(const struct pager_stats *was, uint32_t *writes, uint32_t *reads)
{
	struct pager_stats now;

	pt_pager_get_stats(&now);
	*writes = now.writes - was->writes;
	*reads = now.reads - was->reads;
}

/* The cycles of each round, and room for what is worked out of them. */
static struct {
	uint32_t raw_write[DISK_REPS], out[DISK_REPS], raw_read[DISK_REPS], in[DISK_REPS];
	uint32_t ratio[DISK_REPS], diff[DISK_REPS];
} swap_samples;

/* Rounds of the page figures in this run. */
static uint32_t page_reps(void)
{
	return unit.wall ? DISK_REPS : SWAP_REPS;
}

/* pt_pager_evict of the page at SWAP_VA (dirty: it is written), its cycles in *t. */
static bool time_evict(int as, uint32_t *t)
{
	uint64_t t0 = rdtsc();
	int rc = pt_pager_evict(as, SWAP_VA);

	*t = (uint32_t)(rdtsc() - t0);
	return rc == 0;
}

/* The page at SWAP_VA brought back by pt_vm_resolve of a write (a major fault), its cycles in *t. */
static bool time_resolve(int as, uint32_t *t)
{
	paddr_t pa;
	uint64_t t0 = rdtsc();
	int rc = pt_vm_resolve(as, SWAP_VA, PF_U | PF_W, 0, &pa);

	*t = (uint32_t)(rdtsc() - t0);
	return rc == 0;
}

/* The raw write or read of frame f to or from disk page raw, its cycles in *t. */
static bool time_raw(uint32_t raw, paddr_t f, bool write, uint32_t *t)
{
	uint64_t c;
	int rc = write ? disk_time_write(raw, f, &c) : disk_time_read(raw, f, &c);

	*t = (uint32_t)c;
	return rc == 0;
}

/*
 * One round: the raw write of frame f to disk page raw beside the page at
 * SWAP_VA paged out (dirty: written), then the raw read beside the page
 * brought back by a write (which leaves it dirty for the next round).
 * Which of a pair goes first alternates from round to round, so that
 * neither always follows the other's transfer.  Sample r, or none for r < 0.
 */
static bool swap_page_round(int as, uint32_t raw, paddr_t f, int r)
{
	bool pager_first = r & 1;
	uint32_t w, out, rd, in;
	bool ok;

	if (pager_first)
		ok = time_evict(as, &out) && time_raw(raw, f, true, &w) &&
		     time_resolve(as, &in) && time_raw(raw, f, false, &rd);
	else
		ok = time_raw(raw, f, true, &w) && time_evict(as, &out) &&
		     time_raw(raw, f, false, &rd) && time_resolve(as, &in);
	if (ok && r >= 0) {
		swap_samples.raw_write[r] = w;
		swap_samples.out[r] = out;
		swap_samples.raw_read[r] = rd;
		swap_samples.in[r] = in;
	}
	return ok;
}

/*
 * One side of the page figures, from n rounds of cycles, under names[0]
 * to [3]: the raw transfer's median, the pager's, the median of the rounds' differences
 * (the pager's work beyond the transfer; signed: under -icount the
 * device's wait differs between the two transfers of a round) and, in
 * host time, the ratio of each round, with its quartiles.
 */
static void report_side(const char *const names[4], uint32_t *raw, uint32_t *pager, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++) {
		swap_samples.ratio[i] = thousandths(pager[i], raw[i]);
		swap_samples.diff[i] = pager[i] - raw[i];
	}
	report_time(names[0], median(raw, n));
	report_time(names[1], median(pager, n));
	report_time_signed(names[2], (int32_t)median_signed(swap_samples.diff, n));
	if (unit.wall)
		report_quartiles(names[3], swap_samples.ratio, n);
}

static const char *const out_names[4] = { "raw_write_page", "swap_out_page", "swap_out_extra",
					  "swap_out_vs_raw_write" };
static const char *const in_names[4] = { "raw_read_page", "swap_in_page", "swap_in_extra",
					 "swap_in_vs_raw_read" };

/*
 * A dirty page of the live space paged out by pt_pager_evict (written to the
 * slot its frame keeps) and brought back by pt_vm_resolve (a major fault),
 * each beside the raw transfer of a page to a slot held for the purpose,
 * so that the pager never hands its disk page out.  The pager's transfer
 * counts prove that every round wrote once and read once.
 */
static bool bench_swap_page(void)
{
	struct pager_stats was;
	uint32_t writes, reads, n = page_reps();
	paddr_t f = 0;
	int as = pt_vm_create(), raw = pt_swap_alloc();
	bool ok = as >= 0 && raw > 0 && pt_frame_alloc(ZONE_USER, &f) == 0 &&
		  pt_vm_map_zero(as, SWAP_VA, URW) == 0 && pt_vm_activate(as) == 0;

	pt_pager_get_stats(&was);
	for (int r = -1; ok && r < (int)n; r++)
		ok = swap_page_round(as, (uint32_t)raw, f, r);
	transfers_since(&was, &writes, &reads);
	pt_vm_activate(0);
	if (as >= 0)
		pt_vm_destroy(as);
	if (f)
		pt_frame_free(f);
	if (raw > 0)
		pt_swap_unref((uint32_t)raw);
	if (!ok || writes != n + 1 || reads != n + 1)
		return failure("swap_page");
	report_side(out_names, swap_samples.raw_write, swap_samples.out, n);
	report_side(in_names, swap_samples.raw_read, swap_samples.in, n);
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
			if (pt_vm_resolve(as, small_process[i].va + p * PAGE_SIZE, access, 0, &pa) < 0)
				return false;
	}
	return true;
}

/*
 * The small process put to sleep and woken: pt_pager_block_out (its pages,
 * then its block) and pt_pager_block_in (the block; the pages come back as
 * they are touched, untimed, before the next round).  From the second
 * round on the code goes out clean, without a write, as it would.
 */
static bool bench_block_out_in(void)
{
	uint32_t *out = swap_samples.out, *in = swap_samples.in, *both = swap_samples.diff;
	uint32_t n = unit.wall ? DISK_BLOCK_REPS : REPS, writes = 0, reads = 0;
	struct pager_stats was;
	int as = pt_vm_create();
	bool ok = as >= 0;

	for (size_t i = 0; ok && i < ARRAY_SIZE(small_process); i++)
		for (uint32_t p = 0; ok && p < small_process[i].pages; p++)
			ok = pt_vm_map_zero(as, small_process[i].va + p * PAGE_SIZE,
					 small_process[i].flags) == 0;
	for (int r = -1; ok && r < (int)n; r++) {
		ok = touch_small_process(as);
		pt_pager_get_stats(&was);
		uint64_t t0 = rdtsc();
		ok = ok && pt_pager_block_out(as) == 0;
		uint64_t t1 = rdtsc();
		ok = ok && pt_pager_block_in(as) == 0;
		uint64_t t2 = rdtsc();
		transfers_since(&was, &writes, &reads);
		if (r >= 0) {
			out[r] = (uint32_t)(t1 - t0);
			in[r] = (uint32_t)(t2 - t1);
			both[r] = (uint32_t)(t2 - t0);
		}
	}
	if (as >= 0)
		pt_vm_destroy(as);
	if (!ok)
		return failure("block_out_in");
	report_time("block_out_in", median(both, n));
	report_time("block_out", median(out, n));
	report_time("block_in", median(in, n));
	if (!unit.wall) { /* the same in both runs */
		report("kernel_block_out_in_writes", writes);
		report("kernel_block_out_in_reads", reads);
	}
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

	while (pt_frame_free_count(ZONE_USER) > n) {
		if (pt_frame_alloc(ZONE_USER, &pa) < 0)
			return false;
		vaddr_t w = pt_kmap(pa);
		*(paddr_t *)(uintptr_t)w = held;
		pt_kunmap(w);
		held = pa;
	}
	return true;
}

static void release_held(void)
{
	while (held) {
		paddr_t pa = held;
		vaddr_t w = pt_kmap(pa);
		held = *(paddr_t *)(uintptr_t)w;
		pt_kunmap(w);
		pt_frame_free(pa);
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
 * page (pt_vm_resolve: A set, and D on a write; demand-zero the first time),
 * after the clock has reclaimed up to THRASH_HIGH free frames if fewer
 * than THRASH_LOW were free, as the kernel does before it takes a frame.
 */
static int thrash_access(int as, uint32_t p, bool write)
{
	uint32_t free = pt_frame_free_count(ZONE_USER);
	paddr_t pa;

	if (free < THRASH_LOW)
		pt_pager_reclaim(THRASH_HIGH - free);
	return pt_vm_resolve(as, THRASH_VA + p * PAGE_SIZE, PF_U | (write ? PF_W : 0), URW, &pa);
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
	int as = pt_vm_create(), rc = as < 0 ? as : 0;

	for (uint32_t p = 0; rc == 0 && p < pages; p++)
		rc = thrash_access(as, p, true);
	for (uint32_t i = 0; rc == 0 && i < pages + THRASH_ACCESSES; i++) {
		if (i == pages) {
			pt_vm_get_stats(&s);
			start = s.major_faults;
		}
		x = xorshift(x);
		rc = thrash_access(as, cyclic ? i % pages : x % pages, (x >> 24 & 3) == 0);
	}
	pt_vm_get_stats(&s);
	if (as >= 0)
		pt_vm_destroy(as);
	return rc < 0 ? -1 : (int)(s.major_faults - start);
}

/* Faults per thousand accesses of each pattern at each working set: bench lines. */
static bool thrash_curve(void)
{
	report("kernel_thrash_ram_pages", THRASH_RAM);
	for (int cyclic = 0; cyclic < 2; cyclic++)
		for (size_t i = 0; i < ARRAY_SIZE(thrash_pages); i++) {
			int faults = thrash_point(thrash_pages[i], cyclic);
			if (faults < 0 || pt_frame_free_count(ZONE_USER) != THRASH_RAM)
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
	bool ok = hold_all_but(THRASH_RAM) && pt_frame_free_count(ZONE_USER) == THRASH_RAM;

	ok = ok ? thrash_curve() : failure("thrash: holding the user frames");
	release_held();
	return ok;
}

/* The paging-out figures, with the slots set up and put back as found; the thrash curve counts faults alone. */
static bool bench_paging_out(bool thrash)
{
	if (!swap_begin())
		return false;
	bool ok = bench_swap_page();
	ok &= bench_block_out_in();
	if (thrash)
		ok &= bench_thrash();
	return swap_end() && ok;
}

/* ---- the TSC in host time ----------------------------------------------------------- */

#define PIT_HZ 1193182u        /* the PIT's input clock */
#define PIT_CMD 0x43
#define PIT_CH2 0x42
#define PIT_CH2_ONE_SHOT 0xB0  /* channel 2, low then high byte, mode 0: OUT rises at 0 */
#define PORT_B 0x61            /* the PC's system control port B */
#define PORT_B_GATE2 BIT(0)    /* channel 2 counts */
#define PORT_B_SPEAKER BIT(1)  /* channel 2 drives the speaker */
#define PORT_B_OUT2 BIT(5)     /* channel 2's output */
#define CAL_US 50000u          /* one measurement: 50 ms of the PIT */
#define CAL_REPS 9
#define CAL_POLLS 50000000u    /* reads of port B before giving up (seconds, even under TCG) */

/*
 * TSC cycles while channel 2 of the PIT (the speaker's, which nothing else
 * uses; the speaker kept off) counts CAL_US down; 0 if it never ends.
 */
static uint32_t time_pit_count(void)
{
	uint16_t count = (uint16_t)(PIT_HZ / (1000000u / CAL_US));

	outb(PORT_B, (uint8_t)((inb(PORT_B) & ~PORT_B_SPEAKER) | PORT_B_GATE2));
	outb(PIT_CMD, PIT_CH2_ONE_SHOT);
	outb(PIT_CH2, (uint8_t)count);
	outb(PIT_CH2, (uint8_t)(count >> 8));
	uint64_t t0 = rdtsc();
	for (uint32_t i = 0; i < CAL_POLLS; i++)
		if (inb(PORT_B) & PORT_B_OUT2)
			return (uint32_t)(rdtsc() - t0);
	return 0;
}

/*
 * TSC cycles per microsecond, or 0.  Without -icount, QEMU's TSC and its
 * PIT both follow the host's clock, but a measurement comes out long when
 * the host runs something else as the count ends (the poll sees the end
 * late), never short: the least of CAL_REPS.
 */
static uint32_t tsc_mhz(void)
{
	uint32_t least = UINT32_MAX;

	for (uint32_t i = 0; i < CAL_REPS; i++)
		least = MIN(least, time_pit_count() / CAL_US);
	return least;
}

/* ---- several CPUs ------------------------------------------------------------------ */

#define SD_VA 0x60000000u
#define SD_SPARES 2u     /* pages that keep the table in place while one comes and goes */
#define FW_PROGRAMS 4u   /* forkwait or faults programs run side by side */
#define FW_ROUNDS 400    /* forks of each forkwait */
#define FAULT_ROUNDS 4   /* 4 MiB spans each faults program fills */
#define FW_REPS 5        /* timings of each CPU count, alternated */

/* The space the APs run while the boot CPU times its unmaps, and when they may leave it. */
static struct {
	int as;
	volatile uint32_t leave;
	volatile uint32_t on; /* APs running it */
} sd;

/* pt_vm_activate on an AP, whose call runs outside the big kernel lock. */
static void ap_activate(int as)
{
	cli();
	klock_take();
	pt_vm_activate(as);
	klock_give();
	sti();
}

/*
 * An AP's call: run sd.as and sleep until told to leave.  Asleep in hlt it
 * executes nothing, so that under -icount the boot CPU's clock counts the
 * shootdown and no AP's spinning.
 */
static void sd_ap(void *arg)
{
	(void)arg;
	ap_activate(sd.as);
	__atomic_add_fetch(&sd.on, 1, __ATOMIC_RELEASE);
	cli();
	while (!__atomic_load_n(&sd.leave, __ATOMIC_ACQUIRE))
		wait_for_interrupt(); /* a shootdown wakes it, and it sleeps again */
	sti();
	ap_activate(0);
}

static void nothing(void *arg)
{
	(void)arg;
}

/*
 * Have APs 1 .. n run sd_ap, and wait with the big lock given back, which
 * an AP needs to activate and which an idle AP takes to look for processes
 * before it can take a call.  Returns false if one could not be called.
 */
static bool sd_start(uint32_t n)
{
	sd.leave = 0;
	sd.on = 0;
	for (uint32_t c = 1; c <= n; c++)
		if (smp_call(c, sd_ap, NULL) < 0)
			return false;
	klock_give();
	while (__atomic_load_n(&sd.on, __ATOMIC_ACQUIRE) < n)
		pt_cpu_relax();
	klock_take();
	return true;
}

static void sd_stop(uint32_t n)
{
	__atomic_store_n(&sd.leave, 1, __ATOMIC_RELEASE);
	smp_wake((uint32_t)MASK(n + 1) & ~1u);
	klock_give();
	for (uint32_t c = 1; c <= n; c++)
		smp_call_wait(c);
	klock_take();
}

/* Every AP out of its idle look for processes and asleep, before any timing. */
static bool settle_aps(void)
{
	for (uint32_t c = 1; c < smp_running(); c++)
		if (smp_call(c, nothing, NULL) < 0)
			return false;
	klock_give();
	for (uint32_t c = 1; c < smp_running(); c++)
		smp_call_wait(c);
	klock_take();
	return true;
}

/* REPS unmaps of one page of sd.as, live here and on others APs; the cycles of each in samples. */
static bool unmap_rounds(paddr_t f)
{
	for (int r = -1; r < (int)REPS; r++) {
		pt_frame_ref(f); /* the reference the mapping takes over */
		if (pt_vm_map(sd.as, SD_VA, f, URW) < 0)
			return failure("shootdown map");
		uint64_t t0 = rdtsc();
		int rc = pt_vm_unmap(sd.as, SD_VA);
		uint64_t t1 = rdtsc();
		if (rc < 0)
			return failure("shootdown unmap");
		if (r >= 0)
			samples[r] = (uint32_t)(t1 - t0);
	}
	return true;
}

/* pt_vm_unmap of one page in a space live here and on `others` APs; key's figure. */
static bool bench_unmap_shared(uint32_t others, const char *key)
{
	paddr_t f;
	bool ok = pt_frame_alloc(ZONE_USER, &f) == 0;

	sd.as = pt_vm_create();
	ok = ok && sd.as >= 0;
	for (uint32_t i = 1; ok && i <= SD_SPARES; i++)
		ok = pt_vm_map_zero(sd.as, SD_VA + i * PAGE_SIZE, URW) == 0;
	ok = ok && pt_vm_activate(sd.as) == 0 && sd_start(others);
	struct vm_stats s0, s1;
	pt_vm_get_stats(&s0);
	ok = ok && unmap_rounds(f);
	pt_vm_get_stats(&s1);
	sd_stop(others);
	pt_vm_activate(0);
	pt_vm_destroy(sd.as);
	pt_frame_unref(f);
	if (!ok)
		return failure(key);
	if (s1.ipis - s0.ipis != (REPS + 1) * others) {
		kprintf("kbench: %s: %u IPIs, not %u\n", key, s1.ipis - s0.ipis, (REPS + 1) * others);
		return false;
	}
	report(key, median(samples, REPS));
	return true;
}

/* TSC ticks for FW_PROGRAMS programs `name` (arg) run together on `cpus` CPUs; 0 if one failed. */
static uint64_t time_together(const char *name, int arg, uint32_t cpus)
{
	int pids[FW_PROGRAMS];
	bool ok = true;

	proc_set_cpus(cpus);
	uint64_t t0 = rdtsc();
	for (uint32_t i = 0; i < FW_PROGRAMS; i++)
		ok = (pids[i] = proc_spawn(name, arg)) >= 0 && ok;
	proc_run();
	for (uint32_t i = 0; i < FW_PROGRAMS; i++) {
		int status = -1;
		ok = pids[i] >= 0 && proc_reap(pids[i], &status) == 0 && status == 0 && ok;
	}
	uint64_t t = rdtsc() - t0;
	proc_set_cpus(1);
	return ok ? t : 0;
}

/*
 * Four programs `name` (arg) on one CPU against four, in host time: the
 * ratio of the medians, in hundredths, as key's figure.
 */
static bool bench_4cpu(const char *name, int arg, const char *key)
{
	uint32_t one[FW_REPS], four[FW_REPS];

	for (uint32_t r = 0; r < FW_REPS; r++) {
		uint64_t a = time_together(name, arg, 1), b = time_together(name, arg, 4);
		if (a == 0 || b == 0)
			return failure(key);
		one[r] = (uint32_t)(a >> 10); /* TSC ticks / 1024: fits, ratios keep */
		four[r] = (uint32_t)(b >> 10);
	}
	uint32_t m1 = median(one, FW_REPS), m4 = median(four, FW_REPS);
	uint32_t x100 = m4 ? m1 / m4 * 100 + m1 % m4 * 100 / m4 : 0; /* no 64-bit division */
	kprintf("kbench: %u %s programs (%d): 1 cpu %u, 4 cpus %u (TSC ticks / 1024)\n",
		FW_PROGRAMS, name, arg, m1, m4);
	kprintf("bench: %s=%u.%02u\n", key, x100 / 100, x100 % 100);
	return true;
}

/*
 * `bench only=smp`, on 4 CPUs without -icount, in host time (TSC ticks at
 * kernel_tcg_tsc_mhz): an unmap that interrupts no other CPU, one and
 * three, and the speed-up of four forkwait programs (fork, exit and wait,
 * all under the big lock) and of four faults programs (page faults, all
 * but a few without it).  Not under -icount:
 * there the virtual CPUs share one instruction clock, so none can be
 * faster, and QEMU passes from one to the next only when a slice of it
 * ends, so that an IPI's answer takes a slice's worth of the waiter's
 * spinning.
 */
static int kbench_smp(void)
{
	bool ok;

	if (smp_running() < 4) {
		kprintf("kbench: only=smp wants 4 cpus, not %u\n", smp_running());
		return -1;
	}
	kprintf("kbench: smp: TSC ticks of the host's clock (QEMU without -icount)\n");
	ok = settle_aps();
	ok = ok && bench_unmap_shared(0, "kernel_unmap_4cpu_cycles");
	ok = ok && bench_unmap_shared(1, "kernel_shootdown_1_cycles");
	ok = ok && bench_unmap_shared(3, "kernel_shootdown_3_cycles");
	ok = ok && bench_4cpu("forkwait", FW_ROUNDS, "kernel_forkwait_4cpu_speedup");
	ok = ok && bench_4cpu("faults", FAULT_ROUNDS, "kernel_faults_4cpu_speedup");
	kprintf("kbench: %s\n", ok ? "done" : "FAIL");
	return ok ? 0 : -1;
}

/*
 * `bench only=disk`: the paging-out figures in host time, in a boot
 * without -icount, where a transfer costs what QEMU's disk costs.
 */
static int kbench_disk(void)
{
	unit.wall = true;
	unit.tsc_mhz = tsc_mhz();
	if (unit.tsc_mhz == 0) {
		failure("timing the TSC against the PIT");
		return -1;
	}
	kprintf("kbench: disk: times in ns of the host's clock (QEMU without -icount)\n");
	report("kernel_tcg_tsc_mhz", unit.tsc_mhz);
	bool ok = bench_paging_out(false);
	kprintf("kbench: %s\n", ok ? "done" : "FAIL");
	return ok ? 0 : -1;
}

int kbench_run(const char *cmdline)
{
	char only[8];
	bool ok = true;

	if (cmdline_option(cmdline, "only", only, sizeof(only)) == 0) {
		if (strcmp(only, "disk") == 0)
			return kbench_disk();
		if (strcmp(only, "smp") == 0)
			return kbench_smp();
		kprintf("kbench: only=%s: the benchmarks know only=disk and only=smp\n", only);
		return -1;
	}
	kprintf("kbench: cycles are TSC ticks (under QEMU -icount shift=0: instructions)\n");
	ok &= bench_create_destroy();
	ok &= bench_map_unmap();
	ok &= bench_cr3_switch();
	ok &= bench_page_parts();
	ok &= bench_process();
	ok &= bench_clone_typical();
	ok &= bench_clone_16m();
	bench_fork_exit_wait();
	ok &= bench_paging_out(true);
	kprintf("kbench: %s\n", ok ? "done" : "FAIL");
	return ok ? 0 : -1;
}
