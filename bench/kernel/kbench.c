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
 */
#include "runs.h"
#include "proc.h"
#include "cpu.h"
#include "errors.h"
#include "frame.h"
#include "layout.h"
#include "lib.h"
#include "kmap.h"
#include "mmu.h"
#include "vmspace.h"

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
	kprintf("kbench: %s\n", ok ? "done" : "FAIL");
	return ok ? 0 : -1;
}
