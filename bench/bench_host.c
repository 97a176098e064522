/*
 * bench_host.c - the host benchmarks (docs/PERFORMANCE.md).
 *
 * The core and the hosted seam are built again for this program at -O2,
 * without sanitizers and without PT_DEBUG, so no frame is poisoned.  Each
 * benchmark boots a fresh simulated machine, builds what it measures and
 * prints its figures as `bench: key=value` lines, which scripts/bench.sh
 * collects.  Times are medians over repetitions (timing.h); the two sides
 * of a ratio are measured in alternation, in the same repetitions of the
 * same run.  A single-page call is measured beside the same operation
 * written the plainest way (plain.h) on the same tables.  No address space
 * measured here is live, so the TLB model costs nothing (but for the kmap
 * windows of the zero fills and the eager clone): these are the costs of
 * the tables themselves.
 *
 *   [BENCH_ONLY=name,...] bench-host [directory]
 *
 * With a directory, the growth curves are also written to growth.dat there
 * for the plot.  BENCH_ONLY runs only the benchmarks named (see
 * benchmarks[]), to count their instructions under callgrind, say.
 */
#include <stdio.h>
#include <stdlib.h>

#include "check.h"
#include "errors.h"
#include "frame.h"
#include "layout.h"
#include "lib.h"
#include "machine.h"
#include "naive.h"
#include "paging.h"
#include "plain.h"
#include "ptblock.h"
#include "seam.h"
#include "timing.h"
#include "tracker.h"
#include "vmspace.h"

#define URW (VM_USER | VM_WRITE)
#define KIMG_START MiB(1)
#define KIMG_END (MiB(1) + KiB(256)) /* a pretend kernel image, as in the tests */

static const char *out_dir; /* where growth.dat goes, or NULL */

static _Noreturn void die(const char *what)
{
	fprintf(stderr, "bench-host: %s\n", what);
	exit(1);
}

/* A new machine of ram_mib MiB with a kernel zone ending at kzone_mib MiB, paging on. */
static void boot(uint32_t ram_mib, uint32_t kzone_mib)
{
	const struct mem_region map[] = {
		{ 0, KiB(640), MEM_AVAILABLE },
		{ KiB(640), KiB(384), 2 },
		{ MiB(1), (uint64_t)MiB(ram_mib) - MiB(1), MEM_AVAILABLE },
	};

	machine_release(); /* a new mapping: RAM a benchmark does not touch costs nothing */
	machine_reset(MiB(ram_mib));
	if (pt_frame_init(map, ARRAY_SIZE(map), KIMG_START, KIMG_END, MiB(kzone_mib)) < 0)
		die("boot: pt_frame_init failed");
	if (pt_paging_init(false) < 0)
		die("boot: pt_paging_init failed");
}

/*
 * n user frames with one reference each, in one run: the address of the
 * first.  A fresh machine hands out user frames in address order.
 */
static paddr_t user_run(uint32_t n)
{
	paddr_t first = 0, pa;

	for (uint32_t i = 0; i < n; i++) {
		if (pt_frame_alloc(ZONE_USER, &pa) < 0)
			die("user_run: out of user frames");
		if (i == 0)
			first = pa;
		else if (pa != first + i * PAGE_SIZE)
			die("user_run: the frames are not contiguous");
	}
	return first;
}

/* One more reference on each frame of a run: what a mapping takes over. */
static void ref_run(paddr_t pa, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		if (pt_frame_ref(pa + i * PAGE_SIZE) < 0)
			die("ref_run: pt_frame_ref failed");
}

static int new_space(void)
{
	int as = pt_vm_create();

	if (as < 0)
		die("pt_vm_create failed");
	return as;
}

static double per_op(uint64_t t0, uint64_t t1, uint32_t ops)
{
	return (double)(t1 - t0) / ops;
}

/* ---- create and destroy ------------------------------------------------ */

#define CD_BATCH 2000
#define CD_REPS 31

/*
 * The C library's memset, called as the core calls it: with a size known
 * here, gcc would inline its own string instruction instead.
 */
static void *(*volatile libc_memset)(void *, int, size_t) = memset;

static void bench_create_destroy(void)
{
	double cd[CD_REPS], ms[CD_REPS];
	paddr_t two;

	boot(256, 64);
	if (pt_frame_alloc_run(2, &two) < 0)
		die("create_destroy: no frames for the memset");
	uint8_t *p = hw_phys(two);
	for (int r = -1; r < CD_REPS; r++) { /* repetition -1 warms up, uncounted */
		uint64_t t0 = bench_now_ns();
		for (int i = 0; i < CD_BATCH; i++)
			if (pt_vm_destroy(new_space()) < 0)
				die("pt_vm_destroy failed");
		uint64_t t1 = bench_now_ns();
		for (int i = 0; i < CD_BATCH; i++) {
			libc_memset(p, 0, 2 * PAGE_SIZE);
			bench_clobber(p);
		}
		uint64_t t2 = bench_now_ns();
		if (r >= 0) {
			cd[r] = per_op(t0, t1, CD_BATCH);
			ms[r] = per_op(t1, t2, CD_BATCH);
		}
	}
	double c = bench_median(cd, CD_REPS), m = bench_median(ms, CD_REPS);
	bench_report("create_destroy_ns", c);
	bench_report("memset8k_ns", m);
	bench_report("create_destroy_vs_memset8k", c / m);
}

/* ---- one page where the table exists ----------------------------------- */

#define MU_PAGES (PT_ENTRIES - 1) /* every entry of one table but its first */
#define MU_REPS 51
#define MU_VA 0x48000000u

static vaddr_t mu_va(uint32_t i) { return MU_VA + (i + 1) * PAGE_SIZE; }

/* An address space whose table for MU_VA exists and stays: its first entry is mapped. */
static int space_with_table(void)
{
	int as = new_space();

	if (pt_vm_map(as, MU_VA, user_run(1), URW) < 0)
		die("the first page of the table");
	return as;
}

/* The page directory of as, as a process structure would hold it for plain.h. */
static pde_t *directory(int as)
{
	return pt_ptb_pd(pt_trk_get(as));
}

static void report_pair(const char *name, const char *plain, const char *ratio, double *v,
			double *p, int reps)
{
	double a = bench_median(v, reps), b = bench_median(p, reps);

	bench_report(name, a);
	bench_report(plain, b);
	bench_report(ratio, a / b);
}

/* Time pt_vm_map, then pt_vm_unmap, of the MU_PAGES pages from frames; ns per page into m, u. */
static void time_core_map_unmap(int as, paddr_t frames, double *m, double *u)
{
	ref_run(frames, MU_PAGES);
	uint64_t t0 = bench_now_ns();
	for (uint32_t i = 0; i < MU_PAGES; i++)
		if (pt_vm_map(as, mu_va(i), frames + i * PAGE_SIZE, URW) < 0)
			die("pt_vm_map failed");
	uint64_t t1 = bench_now_ns();
	for (uint32_t i = 0; i < MU_PAGES; i++)
		if (pt_vm_unmap(as, mu_va(i)) < 0)
			die("pt_vm_unmap failed");
	uint64_t t2 = bench_now_ns();
	*m = per_op(t0, t1, MU_PAGES);
	*u = per_op(t1, t2, MU_PAGES);
}

/* The same with plain_map and plain_unmap. */
static void time_plain_map_unmap(pde_t *pd, paddr_t frames, double *m, double *u)
{
	ref_run(frames, MU_PAGES);
	uint64_t t0 = bench_now_ns();
	for (uint32_t i = 0; i < MU_PAGES; i++)
		if (plain_map(pd, mu_va(i), frames + i * PAGE_SIZE, URW) < 0)
			die("plain_map failed");
	uint64_t t1 = bench_now_ns();
	for (uint32_t i = 0; i < MU_PAGES; i++)
		if (plain_unmap(pd, mu_va(i), false) < 0)
			die("plain_unmap failed");
	uint64_t t2 = bench_now_ns();
	*m = per_op(t0, t1, MU_PAGES);
	*u = per_op(t1, t2, MU_PAGES);
}

static void bench_map_unmap(void)
{
	double mp[MU_REPS], um[MU_REPS], pm[MU_REPS], pu[MU_REPS], m, u;

	boot(256, 64);
	int as = space_with_table();
	paddr_t frames = user_run(MU_PAGES);
	pde_t *pd = directory(as); /* the table exists throughout: the block never moves */
	for (int r = -1; r < MU_REPS; r++) {
		time_core_map_unmap(as, frames, &m, &u);
		if (r >= 0)
			mp[r] = m, um[r] = u;
		time_plain_map_unmap(pd, frames, &m, &u);
		if (r >= 0)
			pm[r] = m, pu[r] = u;
	}
	if (pt_vm_check() < 0)
		die("map_unmap: the tables break an invariant");
	report_pair("map_ns", "plain_map_ns", "map_vs_plain", mp, pm, MU_REPS);
	report_pair("unmap_ns", "plain_unmap_ns", "unmap_vs_plain", um, pu, MU_REPS);
}

/* ---- demand-zero: one page where the table exists ------------------------- */

#define MZ_REPS 15

static void bench_map_zero(void)
{
	double mz[MZ_REPS], pz[MZ_REPS];

	boot(256, 64);
	int as = space_with_table();
	pde_t *pd = directory(as);
	for (int r = -1; r < MZ_REPS; r++) {
		uint64_t t0 = bench_now_ns();
		for (uint32_t i = 0; i < MU_PAGES; i++)
			if (pt_vm_map_zero(as, mu_va(i), URW) < 0)
				die("pt_vm_map_zero failed");
		uint64_t t1 = bench_now_ns();
		if (pt_vm_unmap_range(as, mu_va(0), MU_PAGES) < 0)
			die("map_zero: pt_vm_unmap_range failed");
		uint64_t t2 = bench_now_ns();
		for (uint32_t i = 0; i < MU_PAGES; i++)
			if (plain_map_zero(pd, mu_va(i), URW) < 0)
				die("plain_map_zero failed");
		uint64_t t3 = bench_now_ns();
		for (uint32_t i = 0; i < MU_PAGES; i++)
			if (plain_unmap(pd, mu_va(i), false) < 0)
				die("map_zero: plain_unmap failed");
		if (r >= 0) {
			mz[r] = per_op(t0, t1, MU_PAGES);
			pz[r] = per_op(t2, t3, MU_PAGES);
		}
	}
	if (pt_vm_check() < 0)
		die("map_zero: the tables break an invariant");
	report_pair("map_zero_ns", "plain_map_zero_ns", "map_zero_vs_plain", mz, pz, MZ_REPS);
}

/* ---- a 64 MiB range ----------------------------------------------------- */

#define RANGE_PAGES (MiB(64) / PAGE_SIZE)
#define RANGE_REPS 101
#define RANGE_VA 0x50000000u

/*
 * The physical limit: the same entries stored by the simplest loop.  It is
 * run on the tables pt_vm_map_range has just filled, in the same order and
 * with the same values, so it writes the same memory in the same state of
 * the caches and leaves the tables as they were.
 */
static __attribute__((noinline)) void raw_store(uint32_t *t, paddr_t pa, uint32_t n,
						uint32_t flags)
{
	for (uint32_t i = 0; i < n; i++)
		t[i] = (pa + i * PAGE_SIZE) | flags;
}

/* The range's tables, slots 1..16 of the block: the address space maps nothing else. */
static uint32_t *range_tables(int as)
{
	const struct pg_tracker *t = pt_trk_get(as);

	if (pt_trk_ntables(t) != RANGE_PAGES / PT_ENTRIES)
		die("range: the block does not hold the range's tables alone");
	return hw_phys(pt_trk_base(t) + PAGE_SIZE);
}

static void bench_range(void)
{
	double raw[RANGE_REPS], mp[RANGE_REPS], pr[RANGE_REPS], um[RANGE_REPS];
	int as;

	boot(512, 64);
	as = new_space();
	paddr_t frames = user_run(RANGE_PAGES);
	for (int r = -1; r < RANGE_REPS; r++) {
		ref_run(frames, RANGE_PAGES);
		uint64_t t0 = bench_now_ns();
		if (pt_vm_map_range(as, RANGE_VA, frames, RANGE_PAGES, URW) < 0)
			die("pt_vm_map_range failed");
		uint64_t t1 = bench_now_ns();
		uint32_t *t = range_tables(as);
		uint64_t t2 = bench_now_ns();
		raw_store(t, frames, RANGE_PAGES, PG_P | URW);
		bench_clobber(t);
		uint64_t t3 = bench_now_ns();
		if (pt_vm_protect(as, RANGE_VA, RANGE_PAGES, VM_USER) < 0)
			die("pt_vm_protect failed");
		uint64_t t4 = bench_now_ns();
		if (pt_vm_unmap_range(as, RANGE_VA, RANGE_PAGES) < 0)
			die("pt_vm_unmap_range failed");
		uint64_t t5 = bench_now_ns();
		if (r >= 0) {
			mp[r] = per_op(t0, t1, RANGE_PAGES);
			raw[r] = per_op(t2, t3, RANGE_PAGES);
			pr[r] = per_op(t3, t4, RANGE_PAGES);
			um[r] = per_op(t4, t5, RANGE_PAGES);
		}
	}
	if (pt_vm_check() < 0)
		die("range: the tables break an invariant");
	double m = bench_median(mp, RANGE_REPS), s = bench_median(raw, RANGE_REPS);
	bench_report("map_range_ns", m);
	bench_report("raw_store_ns", s);
	bench_report("map_vs_raw_store", m / s);
	bench_report("protect_range_ns", bench_median(pr, RANGE_REPS));
	bench_report("unmap_range_ns", bench_median(um, RANGE_REPS));
}

/* ---- translation ----------------------------------------------------------- */

#define XL_SPAN MiB(1024)
#define XL_ADDRS (1u << 20)
#define XL_REPS 11

/* xorshift32: the same addresses on every run */
static uint32_t next_random(uint32_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 17;
	*x ^= *x << 5;
	return *x;
}

/* The time of translating every address of va[] with pt_vm_translate or plain_translate, per address. */
static double time_translate(int as, pde_t *pd, const vaddr_t *va)
{
	uint64_t sum = 0, t0 = bench_now_ns();

	for (uint32_t i = 0; i < XL_ADDRS; i++) {
		paddr_t pa;
		int rc = pd ? plain_translate(pd, va[i], &pa) : pt_vm_translate(as, va[i], &pa);
		if (rc < 0)
			die("translate failed");
		sum += pa;
	}
	uint64_t t1 = bench_now_ns();
	bench_keep(sum);
	return per_op(t0, t1, XL_ADDRS);
}

static void bench_translate(void)
{
	double xl[XL_REPS], px[XL_REPS];
	uint32_t seed = 0x9E3779B9u;
	int as;

	boot(1536, 128);
	as = new_space();
	if (pt_vm_map_range(as, USER_BASE, user_run(XL_SPAN / PAGE_SIZE), XL_SPAN / PAGE_SIZE,
			 URW) < 0)
		die("translate: mapping 1 GiB failed");
	vaddr_t *va = malloc(XL_ADDRS * sizeof(*va));
	if (!va)
		die("translate: no memory for the addresses");
	for (uint32_t i = 0; i < XL_ADDRS; i++)
		va[i] = USER_BASE + next_random(&seed) % XL_SPAN;
	for (int r = -1; r < XL_REPS; r++) {
		double core = time_translate(as, NULL, va), plain = time_translate(as, directory(as), va);
		if (r >= 0)
			xl[r] = core, px[r] = plain;
	}
	free(va);
	report_pair("translate_ns", "plain_translate_ns", "translate_vs_plain", xl, px, XL_REPS);
}

/* ---- clone --------------------------------------------------------------- */

#define CLONE_REPS 15

/* An address space with `bytes` mapped, writable, from USER_BASE, to the frames from *pa. */
static int mapped_space(uint32_t bytes, paddr_t *pa)
{
	int as = new_space();

	*pa = user_run(bytes / PAGE_SIZE);
	if (pt_vm_map_range(as, USER_BASE, *pa, bytes / PAGE_SIZE, URW) < 0)
		die("clone: mapping failed");
	return as;
}

/* The time of cloning `as` in `mode`, in microseconds; the clone is destroyed untimed. */
static double time_one_clone(int as, enum vm_clone_mode mode)
{
	uint64_t t0 = bench_now_ns();
	int child = pt_vm_clone(as, mode);
	uint64_t t1 = bench_now_ns();

	if (child < 0 || pt_vm_destroy(child) < 0)
		die("pt_vm_clone failed");
	return (double)(t1 - t0) / 1000;
}

/* The median time of cloning `as` in `mode`, in microseconds. */
static double time_clone(int as, enum vm_clone_mode mode)
{
	double us[CLONE_REPS];

	for (int r = -1; r < CLONE_REPS; r++) {
		double t = time_one_clone(as, mode);
		if (r >= 0)
			us[r] = t;
	}
	return bench_median(us, CLONE_REPS);
}

/* The C library's memcpy, called as the core calls it (see libc_memset). */
static void *(*volatile libc_memcpy)(void *, const void *, size_t) = memcpy;

/* The time of copying n pages from the frames at src to those at dst, per page in ns. */
static double time_memcpy(paddr_t dst, paddr_t src, uint32_t n)
{
	uint64_t t0 = bench_now_ns();

	for (uint32_t i = 0; i < n; i++)
		libc_memcpy(hw_phys(dst + i * PAGE_SIZE), hw_phys(src + i * PAGE_SIZE), PAGE_SIZE);
	uint64_t t1 = bench_now_ns();
	bench_clobber(hw_phys(dst));
	return per_op(t0, t1, n);
}

/* The eager clone of 16 MiB per page, beside a memcpy of each of its pages. */
static void bench_clone_eager(int as, paddr_t frames)
{
	double ce[CLONE_REPS], cp[CLONE_REPS], pages = MiB(16) / PAGE_SIZE;
	paddr_t copies = user_run(MiB(16) / PAGE_SIZE);

	for (int r = -1; r < CLONE_REPS; r++) {
		double us = time_one_clone(as, VM_CLONE_EAGER);
		double mc = time_memcpy(copies, frames, MiB(16) / PAGE_SIZE);
		if (r >= 0)
			ce[r] = us, cp[r] = mc;
	}
	double us = bench_median(ce, CLONE_REPS), mc = bench_median(cp, CLONE_REPS);
	bench_report("clone_eager_16m_us", us);
	bench_report("memcpy_page_ns", mc);
	bench_report("clone_eager_vs_memcpy", us * 1000 / pages / mc);
}

static void bench_clone(void)
{
	paddr_t fs, fl;

	boot(512, 64);
	int small = mapped_space(MiB(16), &fs), large = mapped_space(MiB(256), &fl);
	bench_report("clone_cow_16m_us", time_clone(small, VM_CLONE_COW));
	bench_report("clone_cow_256m_us", time_clone(large, VM_CLONE_COW));
	bench_clone_eager(small, fs);
}

/* ---- growth of a block --------------------------------------------------- */

/* Block sizes and pages copied so far, after each table linked. */
struct growth_curve {
	uint32_t pages[PT_ENTRIES];
	uint32_t copied[PT_ENTRIES];
};

/* Take the frame right after block idx if it is free, so the block cannot grow in place. */
static void block_after(int idx, paddr_t *blockers, uint32_t *nblockers)
{
	struct pg_tracker *t = pt_trk_get(idx);
	paddr_t next = pt_trk_base(t) + t->pcount * PAGE_SIZE;

	if (pt_frame_extend_run(pt_trk_base(t), t->pcount, 1) == 0)
		blockers[(*nblockers)++] = next;
}

/*
 * Grow a block (not an address space: every PDE 0..1023 may get a table)
 * from 2 to 1025 pages, one table at a time; returns the pages copied by
 * relocations divided by 1025.
 */
static double grow_block(bool blocked, struct growth_curve *c)
{
	static paddr_t blockers[PT_ENTRIES];
	uint32_t nblockers = 0;
	struct ptb_stats s;

	boot(256, 64);
	int idx = pt_ptb_create(PTB_MIN_PAGES);
	if (idx < 0)
		die("growth: pt_ptb_create failed");
	pt_ptb_reset_stats();
	for (uint32_t pdi = 0; pdi < PT_ENTRIES; pdi++) {
		if (blocked)
			block_after(idx, blockers, &nblockers);
		if (pt_ptb_reserve(pt_trk_get(idx), 1) < 0)
			die("growth: pt_ptb_reserve failed");
		pt_ptb_link(pt_trk_get(idx), pdi, PG_RW);
		pt_ptb_get_stats(&s);
		c->pages[pdi] = pt_trk_get(idx)->pcount;
		c->copied[pdi] = s.pages_copied;
	}
	if (c->pages[PT_ENTRIES - 1] != PTB_MAX_PAGES)
		die("growth: the block did not reach 1025 pages");
	pt_ptb_destroy(idx);
	for (uint32_t i = 0; i < nblockers; i++)
		pt_frame_free(blockers[i]);
	return (double)s.pages_copied / PTB_MAX_PAGES;
}

static void write_growth(const char *dir, const struct growth_curve *worst,
			 const struct growth_curve *inplace)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/growth.dat", dir);
	FILE *f = fopen(path, "w");
	if (!f)
		die("growth: cannot write growth.dat");
	fprintf(f, "# tables block_pages_worst copied_worst block_pages_inplace copied_inplace\n");
	for (uint32_t i = 0; i < PT_ENTRIES; i++)
		fprintf(f, "%u %u %u %u %u\n", i + 1, worst->pages[i], worst->copied[i],
			inplace->pages[i], inplace->copied[i]);
	fclose(f);
}

static void bench_growth(void)
{
	static struct growth_curve worst, inplace;

	bench_report("growth_copy_per_page", grow_block(true, &worst));
	bench_report("growth_copy_per_page_inplace", grow_block(false, &inplace));
	if (out_dir)
		write_growth(out_dir, &worst, &inplace);
}

/* ---- memory: a typical process, and how many fit ---------------------------- */

/*
 * The typical process: 1 MiB of code and data at 0x40000000, an 8 MiB heap
 * right after it, a 64 KiB stack ending at the top of user space.
 */
static const struct {
	vaddr_t va;
	uint32_t pages;
	uint32_t flags;
} typical[] = {
	{ USER_BASE, MiB(1) / PAGE_SIZE, VM_USER },
	{ USER_BASE + MiB(1), MiB(8) / PAGE_SIZE, URW },
	{ USER_LAST + PAGE_SIZE - KiB(64), KiB(64) / PAGE_SIZE, URW },
};

static void bench_typical(void)
{
	struct vm_space_info info;
	struct naive_space ns;
	int as;

	boot(256, 64);
	as = new_space();
	if (naive_create(&ns) < 0)
		die("typical: naive_create failed");
	for (size_t i = 0; i < ARRAY_SIZE(typical); i++) {
		paddr_t pa = user_run(typical[i].pages);
		if (pt_vm_map_range(as, typical[i].va, pa, typical[i].pages, typical[i].flags) < 0)
			die("typical: pt_vm_map_range failed");
		naive_map_range(&ns, typical[i].va, pa, typical[i].pages, typical[i].flags);
	}
	/* both layouts must say the same thing about every page */
	for (size_t i = 0; i < ARRAY_SIZE(typical); i++) {
		for (uint32_t p = 0; p < typical[i].pages; p++) {
			paddr_t a, b;
			vaddr_t va = typical[i].va + p * PAGE_SIZE;
			if (pt_vm_translate(as, va, &a) < 0 || naive_translate(&ns, va, &b) < 0 || a != b)
				die("typical: the two layouts disagree");
		}
	}
	if (pt_vm_info(as, &info) < 0)
		die("typical: pt_vm_info failed");
	bench_report("typical_pt_bytes", (double)info.pages * PAGE_SIZE);
	bench_report("typical_pt_tables", info.tables);
	bench_report("naive_pt_bytes", naive_bytes());
}

#define ZONE_MIB 96

static void bench_capacity(void)
{
	struct naive_space ns;
	uint32_t n = 0;

	boot(128, ZONE_MIB);
	while (pt_vm_create() >= 0)
		n++;
	bench_report("max_as_96m", n);
	boot(128, ZONE_MIB);
	for (n = 0; naive_create(&ns) == 0; n++)
		continue;
	bench_report("naive_max_as_96m", n);
}

/* The benchmarks, in the order they run. */
static const struct {
	const char *name;
	void (*run)(void);
} benchmarks[] = {
	{ "create_destroy", bench_create_destroy }, { "map_unmap", bench_map_unmap },
	{ "map_zero", bench_map_zero },             { "range", bench_range },
	{ "translate", bench_translate },           { "clone", bench_clone },
	{ "growth", bench_growth },                 { "typical", bench_typical },
	{ "capacity", bench_capacity },
};

/* Whether benchmark `name` is one of the comma-separated list `only` (NULL: all). */
static bool selected(const char *name, const char *only)
{
	size_t len = strlen(name);

	for (const char *p = only; p; p = strchr(p, ',') ? strchr(p, ',') + 1 : NULL)
		if (strncmp(p, name, len) == 0 && (p[len] == ',' || p[len] == '\0'))
			return true;
	return !only;
}

int main(int argc, char **argv)
{
	const char *only = getenv("BENCH_ONLY");

	out_dir = argc > 1 ? argv[1] : NULL;
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (size_t i = 0; i < ARRAY_SIZE(benchmarks); i++)
		if (selected(benchmarks[i].name, only))
			benchmarks[i].run();
	machine_release();
	return 0;
}
