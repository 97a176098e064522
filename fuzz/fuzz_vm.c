/*
 * fuzz_vm.c - a fuzz target for the address-space API: input bytes become
 * a sequence of operations on up to NSLOTS address spaces, and after each
 * one the core is compared with the reference model (tests/model.h) and
 * pt_vm_check() runs.
 *
 * Each input boots a new simulated machine (RAM_MIB of RAM, a kernel zone
 * of KZONE_MIB), so an input replays alone exactly as it ran.
 *
 * The decoding.  A byte picks an operation (op_of[]); the operation takes
 * the bytes it needs for its arguments; a missing byte reads as 0, and the
 * run stops when the input is used up.  Addresses are drawn from a
 * universe of NREG 4 MiB regions of user space (region_pde[]): three
 * adjacent ones at the start, pairs across 2 GiB, 3 GiB and the top, and
 * single ones between, so that ranges cross table boundaries and blocks
 * grow, move and shrink.  Within a region, the first, the middle and the
 * last 16 pages are likely, any page possible.
 *
 * The model follows, in each address space, every page of the universe,
 * and every frame those pages map; here, besides, which regions of each
 * space are demand-zero, and with what rights.  Frames come from the
 * allocator (fx_user_frame, fx_user_run, pt_vm_map_zero, the copies of eager
 * clones and copy-on-write faults), from the first MiB (device memory in
 * RAM: mapped without references, its data followed), and from above RAM
 * (device memory never touched, not in the model).
 *
 * The operations: create, destroy, map (a new frame, a frame already
 * mapped, device memory), map_range (new frames, device memory, up to
 * 2044 pages), map_zero, unmap, unmap_range (up to all of user space),
 * protect, clone (copy-on-write and eager), activate, translate and query,
 * reads and writes through the model MMU in the live space at CPL 0 and 3
 * (a write to a copy-on-write page goes to pt_vm_fault as a kernel would, a
 * not-present fault in a demand-zero region to pt_vm_map_zero, and the access
 * is retried), pt_vm_fault calls of every kind, pt_vm_resolve of reads and
 * writes with the region's demand-zero rights (a fault whose error-code
 * byte has bit 4 set), probes of kernel memory, marking regions
 * demand-zero, calls with bad arguments (each must return
 * its error and change nothing), and an injected allocation failure for
 * the next operation (-E_NOMEM must leave everything as it was; a call that
 * meets the failure may also recover and succeed).
 *
 * Paging out, at any point: the top three bits of an operation's byte,
 * which op_of[] does not read, page out before it (pager_step): a page
 * the run chooses (pt_pager_evict), the clock (pt_pager_reclaim of one, 16, or
 * as many as it can), a space's block or every block but the live one
 * (pt_pager_block_out), or the clock with one of its writes failing.  None of
 * it takes a byte or changes what the model says a page holds or allows:
 * the model follows where the pages went (model.h), and the operation
 * after it finds pages in swap and blocks out, which the calls bring back.
 * Inputs written before paging out existed decode to the same operations
 * (those bits were ignored), with page-outs where their bits ask; the
 * scenario seeds of fuzz/seeds.py have them clear but in its swap-*
 * seeds, so they run as they did.
 *
 * After every operation: every mapping of every space (pt_vm_iterate) against
 * the model, the reference count of every user-zone frame, the free counts
 * of both zones against the blocks and tracker pages, the spaces, the kmap
 * slots, pt_vm_info of each space, and pt_vm_check().  Every DATA_EVERY
 * operations and at the end, the data of every frame in the model.  At the
 * end, every space is destroyed and every frame must be free again.
 *
 * The seed corpus (fuzz/corpus) holds the scenario seeds of fuzz/seeds.py,
 * which spells this byte format out, and what libFuzzer's merge kept of
 * longer runs.  docs/RELIABILITY.md says how to run it and reproduce a
 * failure.
 */
#include <stdio.h>
#include <stdlib.h>

#include "check.h"
#include "disk.h"
#include "fixture.h"
#include "frame.h"
#include "fuzz.h"
#include "kmap.h"
#include "machine.h"
#include "model.h"
#include "pager.h"
#include "probe.h"
#include "seam.h"
#include "swap.h"
#include "tracker.h"
#include "vmspace.h"

#define RAM_MIB 16
#define KZONE_MIB 4
#define NSLOTS 6
#define NREG 12
#define NPAGES (NREG * PT_ENTRIES)
#define NPFN (MiB(RAM_MIB) / PAGE_SIZE)
#define USER_CAP 1500u /* user frames the model may hold: well below the zone */
#define MAX_STEPS 4096u
#define DATA_EVERY 16u
#define LOW_DEV_PAGES 255u        /* device frames 0x1000-0xFFFFF, in RAM */
#define HIGH_DEV 0xE0000000u      /* device frames above RAM, never touched */
#define RUN_MAX 8u                /* new frames for one map_range */
#define MAX_FAIL 8u               /* an injected failure hits one of the next 8 allocations */
#define DISK_PAGES 8192u          /* the swap disk: room for every page the model holds, twice */

#define DZ_ON BIT(7)
#define RESOLVE_BIT BIT(4) /* in a fault's error-code byte: pt_vm_resolve instead */

/*
 * The regions of the universe: at the start of user space, in its middle
 * and at its end, each a region from its first PDE or from past its last;
 * in the identity layout PDEs 256, 257, 258, 300, 511, 512, 640, 767, 768,
 * 900, 1022 and 1023 (the corpus was made there).
 */
#define FROM_START(k) (USER_PDE_FIRST + (k))
#define FROM_END(k) (USER_PDE_END - 768 + (k))
static const uint16_t region_pde[NREG] = { FROM_START(0),   FROM_START(1),   FROM_START(2),
					   FROM_START(44),  FROM_START(255), FROM_START(256),
					   FROM_END(384),   FROM_END(511),   FROM_END(512),
					   FROM_END(644),   FROM_END(766),   FROM_END(767) };

enum { OP_CREATE, OP_DESTROY, OP_MAP, OP_MAP_SHARED, OP_MAP_DEVICE, OP_MAP_RANGE,
       OP_MAP_ZERO, OP_UNMAP, OP_UNMAP_RANGE, OP_PROTECT, OP_CLONE_COW, OP_CLONE_EAGER,
       OP_ACTIVATE, OP_ACCESS, OP_FAULT, OP_QUERY, OP_DEMAND_ZERO, OP_BAD, OP_FAIL, OP_KINDS };

/* What the top three bits of an operation's byte page out before it. */
enum { PO_NONE, PO_EVICT, PO_RECLAIM_ONE, PO_RECLAIM_SOME, PO_BLOCK, PO_BLOCKS, PO_RECLAIM_ALL,
       PO_WRITE_FAILS, PO_KINDS };

static const uint8_t op_of[32] = {
	OP_CREATE,      OP_CREATE,     OP_DESTROY,     OP_MAP,         OP_MAP,
	OP_MAP,         OP_MAP_SHARED, OP_MAP_DEVICE,  OP_MAP_RANGE,   OP_MAP_RANGE,
	OP_MAP_ZERO,    OP_UNMAP,      OP_UNMAP,       OP_UNMAP_RANGE, OP_PROTECT,
	OP_PROTECT,     OP_CLONE_COW,  OP_CLONE_EAGER, OP_ACTIVATE,    OP_ACTIVATE,
	OP_ACCESS,      OP_ACCESS,     OP_ACCESS,      OP_ACCESS,      OP_ACCESS,
	OP_ACCESS,      OP_FAULT,      OP_QUERY,       OP_DEMAND_ZERO, OP_BAD,
	OP_BAD,         OP_FAIL,
};

static const char *const op_name[OP_KINDS] = {
	"create", "destroy", "map", "map_shared", "map_device", "map_range", "map_zero",
	"unmap", "unmap_range", "protect", "clone_cow", "clone_eager", "activate", "access",
	"fault", "query", "demand_zero", "bad", "fail",
};

bool fz_trace;

static int8_t region_of[PT_ENTRIES]; /* PDE index -> region, or -1 */

static struct {
	const uint8_t *data;
	size_t len, pos;
	uint8_t dz[NSLOTS][NREG]; /* DZ_ON | VM_WRITE | VM_USER: a demand-zero region */
	uint32_t fail;          /* the failure the next armed call meets, 0: none */
	uint32_t calls0;        /* pt_frame_alloc_calls() when armed */
	int arm_slot;
	struct vm_space_info info0;
	struct vm_stats stats0;
} fz;

/* Frames and pages in swap the model holds: the room the run leaves for more. */
static uint32_t held(void)
{
	return md.frames_used + md.swapped;
}

static struct {
	uint64_t inputs, steps, done[OP_KINDS], nomem, cow_breaks, zero_fills, accesses, bad;
	uint64_t resolves, paged[PO_KINDS], pages_out, blocks_out;
} totals;

/* ---- reading the input ------------------------------------------------------------ */

static uint32_t u8(void)
{
	return fz.pos < fz.len ? fz.data[fz.pos++] : 0;
}

static uint32_t u16(void)
{
	uint32_t lo = u8();

	return lo | u8() << 8;
}

static uint32_t u32(void)
{
	uint32_t lo = u16();

	return lo | u16() << 16;
}

static uint32_t pick_flags(void)
{
	return u8() & (VM_WRITE | VM_USER);
}

/* ---- the universe of pages ---------------------------------------------------------- */

static vaddr_t idx_va(uint32_t idx)
{
	return pde_base(region_pde[idx / PT_ENTRIES]) + (idx % PT_ENTRIES) * PAGE_SIZE;
}

/* The page index of va, or -1 outside the universe. */
static int va_idx(vaddr_t va)
{
	int r = region_of[pde_index(va)];

	return r < 0 ? -1 : r * (int)PT_ENTRIES + (int)pte_index(va);
}

/* A page of the universe: mostly near the start, middle or end of its region. */
static uint32_t pick_idx(void)
{
	uint32_t r = u8() % NREG, b = u8(), p;

	if (b < 128)
		p = b % 16;
	else if (b < 192)
		p = PT_ENTRIES - 16 + b % 16;
	else if (b < 224)
		p = PT_ENTRIES / 2 - 8 + b % 16;
	else
		p = u16() % PT_ENTRIES;
	return r * PT_ENTRIES + p;
}

/* A mapped page of slot s when the next byte is even and there is one, else any page. */
static uint32_t pick_idx_mapped(int s)
{
	uint32_t start = pick_idx();

	if ((u8() & 1) || s < 0 || md.sp[s].nmapped == 0)
		return start;
	for (uint32_t i = 0; i < NPAGES; i++) {
		uint32_t idx = (start + i) % NPAGES;
		if (md_page(s, idx)->mapped)
			return idx;
	}
	return start;
}

/* A page count: mostly small, sometimes up to two regions. */
static uint32_t pick_n(void)
{
	uint32_t b = u8();

	if (b < 200)
		return 1 + b % 16;
	if (b < 240)
		return 1 + u8() * 4;
	return PT_ENTRIES + u8() * 4;
}

/* The pages of [va, va + n pages) that stay in the universe from va on. */
static uint32_t clamp_to_universe(vaddr_t va, uint32_t n)
{
	uint32_t done = 0;

	while (done < n) {
		vaddr_t v = va + done * PAGE_SIZE;
		if (region_of[pde_index(v)] < 0)
			break;
		done += MIN(n - done, PT_ENTRIES - pte_index(v));
	}
	return done;
}

/* ---- the model ---------------------------------------------------------------------- */

static void report(const char *file, int line, const char *msg)
{
	kprintf("fuzz: FAIL at step %u (%s), %s:%d: %s\n", md.op, md.what, file, line, msg);
}

/*
 * The data of a frame, read from simulated RAM: a window through kmap would
 * invalidate a TLB entry at every check, and the model MMU refills its
 * caches at every invalidation, which would change what the run explores.
 */
static void read_ram(paddr_t pa, uint32_t w[3])
{
	const uint32_t *words = hw_phys(pa);

	w[0] = words[0];
	w[1] = words[MD_MID_WORD / 4];
	w[2] = words[MD_LAST_WORD / 4];
}

/* A slot's words, read from the model disk. */
static void read_slot(uint32_t slot, uint32_t w[3])
{
	const uint32_t *words = (const uint32_t *)disk_page(slot);

	w[0] = words[0];
	w[1] = words[MD_MID_WORD / 4];
	w[2] = words[MD_LAST_WORD / 4];
}

static struct md_space spaces[NSLOTS];
static struct md_page pages[NSLOTS * NPAGES];
static struct md_frame frames[NPFN]; /* an entry for every frame of RAM */

static const struct md_config config = {
	.name = "fuzz",
	.npages = NPAGES,
	.va = idx_va,
	.index = va_idx,
	.read = read_ram,
	.read_slot = read_slot,
	.report = report,
	.spaces = spaces,
	.nspaces = NSLOTS,
	.pages = pages,
	.frames = frames,
	.nframes = NPFN,
};

/* Fill a frame of RAM with `fill` in every word. */
static void fill_ram(paddr_t pa, uint32_t fill)
{
	uint32_t *w = hw_phys(pa);

	for (uint32_t i = 0; i < PAGE_SIZE / 4; i++)
		w[i] = fill;
}

/* A device frame of the first MiB gets its data the first time it is mapped. */
static bool touch_low_device(paddr_t pa)
{
	uint32_t fill = 0xD0000000u | pa >> PAGE_SHIFT;

	if (pa >= FRAME_LOW_RESERVED || md_frame(pa))
		return true;
	fill_ram(pa, fill);
	return md_device_frame(pa, fill);
}

/* ---- slots ------------------------------------------------------------------------- */

/* A slot in use (the live one when the byte's top bit is set); -1 if none. */
static int pick_used(void)
{
	int list[NSLOTS], n = md_used_slots(list);
	uint32_t b = u8();

	if (n == 0)
		return -1;
	if (md.live >= 0 && (b & 0x80))
		return md.live;
	return list[b % (uint32_t)n];
}

static int pick_free(void)
{
	uint32_t b = u8();

	for (int i = 0; i < NSLOTS; i++) {
		int s = (int)((b + (uint32_t)i) % NSLOTS);
		if (md.sp[s].h < 0)
			return s;
	}
	return -1;
}

/* ---- injected allocation failures ------------------------------------------------- */

/* Before a call that may allocate for slot s (-1: none): note the state, arm the failure. */
static void arm(int s)
{
	fz.arm_slot = s;
	if (s >= 0)
		pt_vm_info(md.sp[s].h, &fz.info0);
	pt_vm_get_stats(&fz.stats0);
	fz.calls0 = pt_frame_alloc_calls();
	pt_frame_fail_nth(fz.fail);
}

/* After it: whether the call met the armed failure.  Only one call meets it. */
static bool disarm(void)
{
	bool met = fz.fail > 0 && pt_frame_alloc_calls() - fz.calls0 >= fz.fail;

	pt_frame_fail_nth(0);
	fz.fail = 0;
	return met;
}

/*
 * Whether the armed call may fail for want of memory: it allocates, or its
 * space's block was out and had to come back in first (vmspace.h), which
 * takes a run of the kernel zone before any other check.
 */
static bool may_need_memory(bool allocates)
{
	return allocates || (fz.arm_slot >= 0 && fz.info0.out);
}

/* The call returned -E_NOMEM: it must have met the failure and changed nothing. */
static bool check_nomem(bool met)
{
	struct vm_space_info now;
	struct vm_stats s;

	MD_CHECK(met, "-E_NOMEM without an injected failure");
	pt_vm_get_stats(&s);
	if (fz.stats0.spaces_out > 0) { /* a block brought in stays in (vmspace.h) */
		s.blocks = fz.stats0.blocks;
		s.block_pages = fz.stats0.block_pages;
		s.tables = fz.stats0.tables;
	}
	MD_CHECK(s.spaces == fz.stats0.spaces && s.blocks == fz.stats0.blocks &&
			 s.block_pages == fz.stats0.block_pages && s.tables == fz.stats0.tables &&
			 s.tracker_pages == fz.stats0.tracker_pages,
		 "-E_NOMEM changed the counts: spaces %u->%u blocks %u->%u block pages %u->%u "
		 "tables %u->%u tracker pages %u->%u",
		 fz.stats0.spaces, s.spaces, fz.stats0.blocks, s.blocks, fz.stats0.block_pages,
		 s.block_pages, fz.stats0.tables, s.tables, fz.stats0.tracker_pages,
		 s.tracker_pages);
	if (fz.arm_slot >= 0) {
		int rc = pt_vm_info(md.sp[fz.arm_slot].h, &now);
		if (fz.info0.out && !now.out) /* it came in: where its tables lie is all that moved */
			now = fz.info0;
		MD_CHECK(rc == 0 && now.block == fz.info0.block && now.pages == fz.info0.pages &&
				 now.tables == fz.info0.tables && now.mapped == fz.info0.mapped,
			 "-E_NOMEM changed the space: block 0x%x/%u pages -> 0x%x/%u",
			 fz.info0.block, fz.info0.pages, now.block, now.pages);
	}
	totals.nomem++;
	return true;
}

/* ---- checks ------------------------------------------------------------------------ */

static bool check_all(void)
{
	if (!md_check_live())
		return false;
	for (int s = 0; s < NSLOTS; s++)
		if (md.sp[s].h > 0 && !md_check_listing(s))
			return false;
	if (!md_check_frames() || !md_check_counts())
		return false;
	MD_CHECK(pt_vm_check() == 0, "pt_vm_check failed");
	return true;
}

/* ---- operations: address spaces ------------------------------------------------------ */

static bool op_create(void)
{
	int s = pick_free();

	if (s < 0)
		return true;
	md_describe("create");
	arm(-1);
	int h = pt_vm_create();
	bool met = disarm();
	if (h == -E_NOMEM)
		return check_nomem(met);
	if (!md_check_new_handle(h) || !md_after_create(s, h))
		return false;
	memset(fz.dz[s], 0, sizeof(fz.dz[s]));
	return true;
}

static bool op_destroy(void)
{
	int s = pick_used();

	if (s < 0)
		return op_create();
	int h = md.sp[s].h;
	bool live = s == md.live;
	md_describe("destroy %d%s", h, live ? " (live)" : "");
	return md_after_destroy(s, pt_vm_destroy(h));
}

static bool op_activate(void)
{
	int list[NSLOTS], n = md_used_slots(list);
	uint32_t b = u8();
	int s = b % (uint32_t)(n + 1) == (uint32_t)n ? -1 : list[b % (uint32_t)(n + 1)];

	md_describe("activate %d", md_handle(s));
	return md_after_activate(s, pt_vm_activate(md_handle(s)));
}

/* The pages of slot s that map frames of the allocator: an eager clone copies each. */
static uint32_t user_pages(int s)
{
	uint32_t n = 0;

	for (uint32_t idx = 0; idx < NPAGES; idx++)
		n += md_page(s, idx)->mapped && md_user_frame(md_page(s, idx)->pa);
	return n;
}

static bool op_clone(enum vm_clone_mode mode)
{
	int s = pick_used(), d = pick_free();

	if (s < 0)
		return op_create();
	if (d < 0 || (mode == VM_CLONE_EAGER && held() + user_pages(s) > USER_CAP))
		return true;
	md_describe("clone %d %s", md.sp[s].h, mode == VM_CLONE_COW ? "copy-on-write" : "eager");
	arm(s);
	int h = pt_vm_clone(md.sp[s].h, mode);
	bool met = disarm();
	if (h == -E_NOMEM)
		return check_nomem(met);
	if (!md_check_new_handle(h) || !md_after_clone(s, d, mode, h))
		return false;
	memcpy(fz.dz[d], fz.dz[s], sizeof(fz.dz[d]));
	return true;
}

/* ---- operations: mapping ------------------------------------------------------------ */

/* Map pa at page idx of slot s; the model follows.  *rcp: what pt_vm_map returned. */
static bool map_one(int s, uint32_t idx, paddr_t pa, uint32_t flags, int *rcp)
{
	arm(s);
	int rc = pt_vm_map(md.sp[s].h, idx_va(idx), pa, flags);
	bool met = disarm();
	*rcp = rc;
	if (rc == -E_NOMEM)
		return check_nomem(met);
	return md_after_map(s, idx, pa, flags, rc);
}

static bool op_map(void)
{
	int s = pick_used();
	int rc;

	if (s < 0)
		return op_create();
	uint32_t idx = pick_idx(), flags = pick_flags(), fill = u32();
	if (held() >= USER_CAP)
		return true;
	paddr_t pa = fx_user_frame(fill);
	md_describe("map %d 0x%x -> new 0x%x flags 0x%x", md.sp[s].h, idx_va(idx), pa, flags);
	if (!md_new_frame(pa, fill) || !map_one(s, idx, pa, flags, &rc))
		return false;
	if (rc < 0)
		md_unref(pa);
	return true;
}

/* Map, at a page of slot s, a frame some space maps already (taking a reference). */
static bool op_map_shared(void)
{
	int s = pick_used(), from = pick_used();
	int rc;

	if (s < 0)
		return op_create();
	uint32_t idx = pick_idx(), flags = pick_flags(), src = pick_idx_mapped(from);
	const struct md_page *p = md_page(from, src);
	if (!md_in_frame(p)) /* a page in swap has no frame to share */
		return true;
	paddr_t pa = p->pa;
	md_describe("map %d 0x%x -> 0x%x (mapped at 0x%x in %d) flags 0x%x", md.sp[s].h,
		    idx_va(idx), pa, idx_va(src), md.sp[from].h, flags);
	if (!md_ref(pa) || !map_one(s, idx, pa, flags, &rc))
		return false;
	if (rc < 0)
		md_unref(pa);
	return true;
}

static paddr_t low_device(uint32_t b, uint32_t n)
{
	return (1 + b % (LOW_DEV_PAGES - n + 1)) * PAGE_SIZE;
}

static bool op_map_device(void)
{
	int s = pick_used();
	int rc;

	if (s < 0)
		return op_create();
	uint32_t idx = pick_idx(), flags = pick_flags(), b = u8();
	paddr_t pa = (b & 1) ? HIGH_DEV + (b >> 1) * PAGE_SIZE : low_device(b >> 1, 1);
	md_describe("map %d 0x%x -> device 0x%x flags 0x%x", md.sp[s].h, idx_va(idx), pa, flags);
	return touch_low_device(pa) && map_one(s, idx, pa, flags, &rc);
}

/* n new user frames, contiguous, filled from `fill` on; false if there is no such run. */
static bool new_run(uint32_t n, uint32_t fill, paddr_t *pa)
{
	if (held() + n > USER_CAP || fx_user_run(n, pa) < 0)
		return false;
	for (uint32_t i = 0; i < n; i++)
		fill_ram(*pa + i * PAGE_SIZE, fill + i);
	return true;
}

static void unref_run(paddr_t pa, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		md_unref(pa + i * PAGE_SIZE);
}

/*
 * The n frames of a map_range from *pa: kind 0 new ones (*pa = 0 if there
 * is no such run), 1 device memory in RAM, 2 device memory above RAM.
 */
static bool range_frames(uint32_t kind, uint32_t n, paddr_t *pa)
{
	if (kind == 0) {
		uint32_t fill = u32();
		if (!new_run(n, fill, pa))
			*pa = 0;
		for (uint32_t i = 0; *pa && i < n; i++)
			if (!md_new_frame(*pa + i * PAGE_SIZE, fill + i))
				return false;
	} else if (kind == 1) {
		*pa = low_device(u8(), n);
		for (uint32_t i = 0; i < n; i++)
			if (!touch_low_device(*pa + i * PAGE_SIZE))
				return false;
	} else {
		*pa = HIGH_DEV + u8() * PAGE_SIZE;
	}
	return true;
}

static bool op_map_range(void)
{
	int s = pick_used();
	paddr_t pa;

	if (s < 0)
		return op_create();
	uint32_t idx = pick_idx(), flags = pick_flags(), kind = u8() % 3, b = u8();
	uint32_t n = kind == 0 ? 1 + b % RUN_MAX : kind == 1 ? 1 + b % 64 : pick_n();
	vaddr_t va = idx_va(idx);

	if (!md_wraps(va, n))
		n = clamp_to_universe(va, n);
	if (!range_frames(kind, n, &pa))
		return false;
	if (pa == 0)
		return true;
	md_describe("map_range %d 0x%x -> 0x%x, %u pages, flags 0x%x", md.sp[s].h, va, pa, n,
		    flags);
	int want = md_want_map_range(s, va, n);
	arm(s);
	int rc = pt_vm_map_range(md.sp[s].h, va, pa, n, flags);
	bool met = disarm();
	if (rc == -E_NOMEM && may_need_memory(want == 0)) {
		if (kind == 0)
			unref_run(pa, n);
		return check_nomem(met);
	}
	if (!md_after_map_range(s, va, pa, n, flags, rc))
		return false;
	if (rc < 0 && kind == 0)
		unref_run(pa, n);
	return true;
}

static bool op_map_zero(void)
{
	int s = pick_used();

	if (s < 0)
		return op_create();
	uint32_t idx = pick_idx(), flags = pick_flags();
	if (held() >= USER_CAP)
		return true;
	md_describe("map_zero %d 0x%x flags 0x%x", md.sp[s].h, idx_va(idx), flags);
	arm(s);
	int rc = pt_vm_map_zero(md.sp[s].h, idx_va(idx), flags);
	bool met = disarm();
	if (rc == -E_NOMEM)
		return check_nomem(met);
	return md_after_map_zero(s, idx, flags, rc);
}

/* ---- operations: unmapping and protection ---------------------------------------------- */

static bool op_unmap(void)
{
	int s = pick_used();

	if (s < 0)
		return op_create();
	uint32_t idx = pick_idx_mapped(s);
	md_describe("unmap %d 0x%x", md.sp[s].h, idx_va(idx));
	return md_after_unmap(s, idx, pt_vm_unmap(md.sp[s].h, idx_va(idx)));
}

/* A range start: a page of the universe, or one of a few wide ranges. */
static void pick_range(int s, vaddr_t *va, uint32_t *n)
{
	static const struct {
		vaddr_t va;
		uint32_t n;
	} wide[] = {
		/* identity: from 0x40000000, 0x403FF000, 0x7FFFF000, 0xBFC00000, 0xFF800000 */
		{ USER_BASE, 3 * PT_ENTRIES },
		{ USER_BASE, (USER_LAST - USER_BASE) / PAGE_SIZE + 1 },
		{ USER_BASE + 0x003FF000u, 2 },
		{ USER_BASE + 0x3FFFF000u, 2 },
		{ USER_BASE + 0x7FC00000u, 2 * PT_ENTRIES },
		{ USER_LAST + PAGE_SIZE - 2 * PDE_SPAN, 2 * PT_ENTRIES },
		{ USER_LAST, 1 },
		{ USER_BASE + 0x0B000000u, PT_ENTRIES + 1 },
	};
	uint32_t b = u8();

	if (b >= 224) {
		*va = wide[b % ARRAY_SIZE(wide)].va;
		*n = wide[b % ARRAY_SIZE(wide)].n;
		return;
	}
	*va = idx_va(pick_idx_mapped(s));
	*n = pick_n();
}


static bool op_unmap_range(void)
{
	int s = pick_used();
	vaddr_t va;
	uint32_t n;

	if (s < 0)
		return op_create();
	pick_range(s, &va, &n);
	md_describe("unmap_range %d 0x%x, %u pages", md.sp[s].h, va, n);
	return md_after_unmap_range(s, va, n, pt_vm_unmap_range(md.sp[s].h, va, n));
}

static bool op_protect(void)
{
	int s = pick_used();
	vaddr_t va;
	uint32_t n;

	if (s < 0)
		return op_create();
	pick_range(s, &va, &n);
	uint32_t flags = pick_flags();
	md_describe("protect %d 0x%x, %u pages, flags 0x%x", md.sp[s].h, va, n, flags);
	return md_after_protect(s, va, n, flags, pt_vm_protect(md.sp[s].h, va, n, flags));
}

static bool op_demand_zero(void)
{
	int s = pick_used();

	if (s < 0)
		return op_create();
	uint32_t r = u8() % NREG, b = u8();
	fz.dz[s][r] = (b & 1) ? 0 : (uint8_t)(DZ_ON | (b & (VM_WRITE | VM_USER)));
	md_describe("demand-zero %d region 0x%x: 0x%x", md.sp[s].h, pde_base(region_pde[r]),
		    fz.dz[s][r]);
	return true;
}

/* ---- operations: accesses and faults -------------------------------------------------- */

/* Call pt_vm_fault as a kernel would and check what it did; *broke: it copied or reused. */
static bool fault(int s, uint32_t idx, vaddr_t va, uint32_t err, bool *broke)
{
	const struct md_page *p = md_page(s, idx);
	bool allocates = md_fault_allocates(p, err);

	*broke = false;
	arm(s);
	int rc = pt_vm_fault(md.sp[s].h, va, err);
	bool met = disarm();
	if (rc == -E_NOMEM && may_need_memory(allocates))
		return check_nomem(met);
	return md_after_fault(s, idx, va, err, rc, broke);
}

/* Whether a fault with error err at idx is one the kernel resolves with a zeroed page. */
static bool demand_zero_fault(int s, uint32_t idx, uint32_t err)
{
	uint32_t dz = fz.dz[s][idx / PT_ENTRIES];

	if (!(dz & DZ_ON) || (err & PF_P) || md_page(s, idx)->mapped)
		return false;
	if ((err & PF_U) && !(dz & VM_USER))
		return false;
	return !(err & PF_W) || (dz & VM_WRITE);
}

/* A not-present fault in a demand-zero region: pt_vm_fault refuses it, pt_vm_map_zero maps. */
static bool resolve_zero(int s, uint32_t idx, vaddr_t va, uint32_t err, bool *retry)
{
	uint32_t flags = fz.dz[s][idx / PT_ENTRIES] & (VM_WRITE | VM_USER);
	int rc = pt_vm_fault(md.sp[s].h, va, err);

	*retry = false;
	MD_CHECK_RC(rc, -E_FAULT);
	if (held() >= USER_CAP)
		return true;
	arm(s);
	rc = pt_vm_map_zero(md.sp[s].h, idx_va(idx), flags);
	bool met = disarm();
	if (rc == -E_NOMEM)
		return check_nomem(met);
	*retry = true;
	return md_after_map_zero(s, idx, flags, rc);
}

/* What the kernel does with a fault that an access raised (md_resolve_fn). */
static bool resolve(int s, uint32_t idx, vaddr_t va, uint32_t err, bool *retry)
{
	if (demand_zero_fault(s, idx, err))
		return resolve_zero(s, idx, va, err, retry);
	return fault(s, idx, va, err, retry);
}

/* With the master live, an access mostly makes a space live first, as a scheduler would. */
static bool live_for_access(uint32_t b)
{
	int list[NSLOTS], n = md_used_slots(list);

	if (md.live >= 0 || n == 0 || !(b & 4))
		return true;
	int s = list[(b >> 3) % (uint32_t)n];
	md_describe("activate %d to access it", md.sp[s].h);
	return md_after_activate(s, pt_vm_activate(md.sp[s].h));
}

static bool op_access(void)
{
	uint32_t b = u8(), r = u8();
	uint32_t how = ((b & 1) ? PROBE_WRITE : 0) | ((b & 2) ? PROBE_USER : 0);

	if (b >= 0xF0)
		return md_kernel_probe(r | u8() << 8);
	if (!live_for_access(b))
		return false;
	int s = md.live;
	if (held() >= USER_CAP)
		return true;
	uint32_t idx = pick_idx_mapped(s), off;
	if (how & PROBE_WRITE)
		off = (r & 1) ? MD_LAST_WORD : 0;
	else if (r % 3 < 2)
		off = r % 3 == 0 ? 0 : MD_LAST_WORD;
	else
		off = 4 * (1 + r % (PAGE_SIZE / 4 - 2));
	return md_access(s, idx, off, how, u32(), resolve);
}

/*
 * pt_vm_resolve as a kernel calls it for an access a system call makes for
 * the process, telling it the page's demand-zero rights (its region's, or
 * 0), and check what it did.
 */
static bool resolve_access(int s, uint32_t idx, vaddr_t va, uint32_t access)
{
	uint32_t dz = fz.dz[s][idx / PT_ENTRIES];
	uint32_t zero = (dz & DZ_ON) ? dz & (VM_WRITE | VM_USER) : 0;
	bool allocates = md_resolve_allocates(s, idx, access, zero);
	paddr_t pa = 0;

	md_describe("resolve %d 0x%x access 0x%x zero 0x%x", md.sp[s].h, va, access, zero);
	totals.resolves++;
	arm(s);
	int rc = pt_vm_resolve(md.sp[s].h, va, access, zero, &pa);
	bool met = disarm();
	if (rc == -E_NOMEM && may_need_memory(allocates))
		return check_nomem(met);
	return md_after_resolve(s, idx, va, access, zero, rc, pa);
}

/* pt_vm_fault with an error code from the input, or (bit 4) pt_vm_resolve of that access. */
static bool op_fault(void)
{
	int s = pick_used();
	bool broke;

	if (s < 0)
		return op_create();
	uint32_t idx = pick_idx_mapped(s), b = u8(), err = b & (PF_P | PF_W | PF_U | PF_RSVD);
	vaddr_t va = idx_va(idx) + 4 * (u8() % (PAGE_SIZE / 4));
	if (held() >= USER_CAP)
		return true;
	if (b & RESOLVE_BIT)
		return resolve_access(s, idx, va, err & (PF_W | PF_U));
	md_describe("fault %d 0x%x err 0x%x", md.sp[s].h, va, err);
	return fault(s, idx, va, err, &broke);
}

static bool op_query(void)
{
	int s = pick_used();

	if (s < 0)
		return op_create();
	uint32_t idx = pick_idx_mapped(s), off = u16() & PAGE_MASK;
	md_describe("translate and query %d 0x%x", md.sp[s].h, idx_va(idx) + off);
	return md_check_translate(s, idx, off);
}

/* ---- operations: bad arguments ---------------------------------------------------------- */

/* One of the model's bad calls (md_bad_call), with arguments from the input. */
static bool op_bad(void)
{
	int s = pick_used();

	if (s < 0)
		return op_create();
	struct md_bad a = { .s = s, .pa = HIGH_DEV };
	uint32_t kind = u8() % MD_BAD_KINDS;

	a.va = idx_va(pick_idx());
	a.flags = pick_flags();
	a.pick = u8();
	a.pick |= u8() << 8;
	a.pick |= u8() << 16;
	totals.bad++;
	return md_bad_call(kind, &a);
}

static bool op_fail(void)
{
	fz.fail = 1 + u8() % MAX_FAIL;
	md_describe("the next operation's allocation %u fails", fz.fail);
	return true;
}


/* ---- paging out ------------------------------------------------------------------------- */

/* A number from the operation's position: the pager's choices take no byte of the input. */
static uint32_t position_hash(void)
{
	return md.op * 2654435761u;
}

/* The pages of every space in RAM that the pager may have paged out, followed. */
static bool follow_all(void)
{
	struct vm_space_info info;

	for (int s = 0; s < NSLOTS; s++)
		if (md.sp[s].h > 0 && pt_vm_info(md.sp[s].h, &info) == 0 && !info.out &&
		    !md_follow_swap(s))
			return false;
	return true;
}

static bool po_reclaim(uint32_t want)
{
	md_describe("reclaim %u", want);
	totals.pages_out += pt_pager_reclaim(want);
	return follow_all();
}

/* The clock, with one of its next writes failing: the page stays, its slot retired. */
static bool po_write_fails(void)
{
	md_describe("reclaim 8, write %u failing", 1 + md.op % 4);
	disk_fail_nth(1 + md.op % 4, DISK_WRITE);
	totals.pages_out += pt_pager_reclaim(8);
	disk_fail_nth(0, DISK_WRITE);
	return follow_all();
}

/* The mapped page k of slot s, counted in the layout's order. */
static uint32_t nth_mapped(int s, uint32_t k)
{
	for (uint32_t idx = 0; idx < NPAGES; idx++)
		if (md_page(s, idx)->mapped && k-- == 0)
			return idx;
	return 0;
}

/* What pt_pager_evict of page p must return, a slot being free. */
static int want_evict(const struct md_page *p)
{
	if (md_swapped(p))
		return -E_EXIST;
	return md_in_frame(p) && md_refs(p->pa) == 1 ? 0 : -E_BUSY;
}

static bool po_evict(void)
{
	int list[NSLOTS], n = md_used_slots(list);
	uint32_t h = position_hash();

	if (n == 0)
		return true;
	int s = list[h % (uint32_t)n];
	if (md.sp[s].nmapped == 0)
		return true;
	uint32_t idx = nth_mapped(s, (h >> 16) % md.sp[s].nmapped);
	int want = want_evict(md_page(s, idx));
	md_describe("page out %d 0x%x", md.sp[s].h, idx_va(idx));
	int rc = pt_pager_evict(md.sp[s].h, idx_va(idx));
	MD_CHECK(rc == want || (want == 0 && rc == -E_NOMEM),
		 "pt_pager_evict returned %d (%s), want %d", rc, err_name(rc), want);
	totals.pages_out += rc == 0;
	return md_follow_swap(s);
}

/* Page out the block of slot s (not the live one). */
static bool block_out(int s)
{
	md_describe("page out the block of %d", md.sp[s].h);
	int rc = pt_pager_block_out(md.sp[s].h);
	totals.blocks_out += rc == 0;
	return md_after_block_out(s, rc);
}

static bool po_block(bool all)
{
	int list[NSLOTS], n = md_used_slots(list);
	uint32_t first = position_hash() % NSLOTS;

	for (int k = 0; k < n; k++) {
		int s = list[(first + (uint32_t)k) % (uint32_t)n];
		if (s == md.live)
			continue;
		if (!block_out(s))
			return false;
		if (!all)
			break;
	}
	return true;
}

/* The paging out the top bits of an operation's byte ask for (PO_xxx). */
static bool pager_step(uint32_t po)
{
	totals.paged[po]++;
	switch (po) {
	case PO_EVICT: return po_evict();
	case PO_RECLAIM_ONE: return po_reclaim(1);
	case PO_RECLAIM_SOME: return po_reclaim(16);
	case PO_BLOCK: return po_block(false);
	case PO_BLOCKS: return po_block(true);
	case PO_RECLAIM_ALL: return po_reclaim(UINT32_MAX);
	default: return po_write_fails();
	}
}

/* ---- the run ------------------------------------------------------------------------------ */

static bool step(void)
{
	uint32_t b = u8(), k = op_of[b % ARRAY_SIZE(op_of)];
	bool ok;

	uint32_t po = b / ARRAY_SIZE(op_of);
	if (po != PO_NONE && (!pager_step(po) || !check_all()))
		return false;
	totals.done[k]++;
	switch (k) {
	case OP_CREATE: ok = op_create(); break;
	case OP_DESTROY: ok = op_destroy(); break;
	case OP_MAP: ok = op_map(); break;
	case OP_MAP_SHARED: ok = op_map_shared(); break;
	case OP_MAP_DEVICE: ok = op_map_device(); break;
	case OP_MAP_RANGE: ok = op_map_range(); break;
	case OP_MAP_ZERO: ok = op_map_zero(); break;
	case OP_UNMAP: ok = op_unmap(); break;
	case OP_UNMAP_RANGE: ok = op_unmap_range(); break;
	case OP_PROTECT: ok = op_protect(); break;
	case OP_CLONE_COW: ok = op_clone(VM_CLONE_COW); break;
	case OP_CLONE_EAGER: ok = op_clone(VM_CLONE_EAGER); break;
	case OP_ACTIVATE: ok = op_activate(); break;
	case OP_ACCESS: ok = op_access(); break;
	case OP_FAULT: ok = op_fault(); break;
	case OP_QUERY: ok = op_query(); break;
	case OP_DEMAND_ZERO: ok = op_demand_zero(); break;
	case OP_BAD: ok = op_bad(); break;
	default: return op_fail();
	}
	fz.fail = 0; /* a failure is armed for the one operation after op_fail */
	return ok;
}

static void init_regions(void)
{
	memset(region_of, -1, sizeof(region_of));
	for (uint32_t r = 0; r < NREG; r++)
		region_of[region_pde[r]] = (int8_t)r;
}

static bool start(const uint8_t *data, size_t size)
{
	memset(&fz, 0, sizeof(fz));
	init_regions();
	fz.data = data;
	fz.len = size;
	machine_release(); /* a fresh mapping: untouched pages cost nothing */
	fx_boot(RAM_MIB, KZONE_MIB, true);
	fx_disk(DISK_PAGES);
	md_start(&config);
	md.trace = fz_trace;
	md_describe("boot");
	int rc = pt_vm_activate(0);
	MD_CHECK_RC(rc, 0);
	return true;
}

/* Destroy every space: every frame and slot must be free again, every invariant hold. */
static bool finish(void)
{
	struct swap_counts c;

	md_describe("finish");
	if (!md_destroy_all() || !md_check_no_frames() || !md_check_as_booted())
		return false;
	pt_swap_get_counts(&c);
	MD_CHECK(c.used == 0 && c.free + c.retired == c.total, "%u slots still used", c.used);
	return check_all();
}

bool fz_run(const uint8_t *data, size_t size)
{
	bool ok = start(data, size);

	totals.inputs++;
	for (md.op = 1; ok && fz.pos < fz.len && md.op <= MAX_STEPS; md.op++) {
		ok = step() && check_all();
		if (ok && md.op % DATA_EVERY == 0)
			ok = md_check_data();
		totals.steps++;
	}
	ok = ok && md_check_data() && finish();
	totals.accesses += md.accesses;
	totals.cow_breaks += md.cow_breaks;
	totals.zero_fills += md.zero_fills;
	machine_release();
	return ok;
}

void fz_print_totals(void)
{
	kprintf("fuzz: %llu inputs, %llu steps:", (unsigned long long)totals.inputs,
		(unsigned long long)totals.steps);
	for (int k = 0; k < OP_KINDS; k++)
		kprintf(" %s %llu", op_name[k], (unsigned long long)totals.done[k]);
	kprintf("; %llu accesses, %llu resolves, %llu copy-on-write breaks, %llu zero fills, "
		"%llu bad calls, %llu injected -E_NOMEM\n",
		(unsigned long long)totals.accesses, (unsigned long long)totals.resolves,
		(unsigned long long)totals.cow_breaks, (unsigned long long)totals.zero_fills,
		(unsigned long long)totals.bad, (unsigned long long)totals.nomem);
	kprintf("fuzz: paging out before an operation:");
	for (int k = 1; k < PO_KINDS; k++)
		kprintf(" %llu", (unsigned long long)totals.paged[k]);
	kprintf(" (evict, reclaim 1, 16, block, blocks, reclaim all, a write failing); %llu pages and "
		"%llu blocks out\n", (unsigned long long)totals.pages_out,
		(unsigned long long)totals.blocks_out);
}

#ifdef FUZZ_LIBFUZZER
int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *trace = getenv("PAGETRACK_FUZZ_TRACE");

	(void)argc, (void)argv;
	fz_trace = trace && *trace == '1';
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!fz_run(data, size)) {
		fflush(stdout);
		abort(); /* libFuzzer saves the input as a crash */
	}
	return 0;
}
#endif
