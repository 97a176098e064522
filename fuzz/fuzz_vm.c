/*
 * fuzz_vm.c - a fuzz target for the address-space API: input bytes become
 * a sequence of operations on up to NSLOTS address spaces, and after each
 * one the core is compared with a reference model and vm_check() runs.
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
 * The model.  For each address space, every page of the universe: mapped
 * or not, its frame, user, write (for a copy-on-write page: whether a write
 * may copy it), copy-on-write; and which regions are demand-zero, with
 * what rights.  For each frame of RAM: the references the model expects
 * (user-zone frames) and its data as three words: the first, the last, and
 * the fill of every other word.  Frames come from the allocator
 * (fx_user_frame, fx_user_run, vm_map_zero, the copies of eager clones and
 * copy-on-write faults), from the first MiB (device memory in RAM: mapped
 * without references, its data followed), and from above RAM (device
 * memory never touched).
 *
 * The operations: create, destroy, map (a new frame, a frame already
 * mapped, device memory), map_range (new frames, device memory, up to
 * 2044 pages), map_zero, unmap, unmap_range (up to all of user space),
 * protect, clone (copy-on-write and eager), activate, translate and query,
 * reads and writes through the model MMU in the live space at CPL 0 and 3
 * (a write to a copy-on-write page goes to vm_fault as a kernel would, a
 * not-present fault in a demand-zero region to vm_map_zero, and the access
 * is retried), vm_fault calls of every kind, probes of kernel memory,
 * marking regions demand-zero, calls with bad arguments (each must return
 * its error and change nothing), and an injected allocation failure for
 * the next operation (-E_NOMEM must leave everything as it was; a call that
 * meets the failure may also recover and succeed).
 *
 * After every operation: every mapping of every space (vm_iterate) against
 * the model, the reference count of every user-zone frame, the free counts
 * of both zones against the blocks and tracker pages, the spaces, the kmap
 * slots, vm_info of each space, and vm_check().  Every DATA_EVERY
 * operations and at the end, the data of every frame in use.  At the end,
 * every space is destroyed and every frame must be free again.
 *
 * The seed corpus (fuzz/corpus) holds the scenario seeds of fuzz/seeds.py,
 * which spells this byte format out, and what libFuzzer's merge kept of
 * longer runs.  docs/RELIABILITY.md says how to run it and reproduce a
 * failure.
 */
#include <stdio.h>
#include <stdlib.h>

#include "check.h"
#include "fixture.h"
#include "frame.h"
#include "fuzz.h"
#include "kmap.h"
#include "machine.h"
#include "probe.h"
#include "seam.h"
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
#define LAST_WORD (PAGE_SIZE - 4)
#define MID_WORD 0x7F0u
#define LOW_DEV_PAGES 255u        /* device frames 0x1000-0xFFFFF, in RAM */
#define HIGH_DEV 0xE0000000u      /* device frames above RAM, never touched */
#define RUN_MAX 8u                /* new frames for one map_range */
#define MAX_FAIL 8u               /* an injected failure hits one of the next 8 allocations */

#define MP_MAPPED BIT(0)
#define MP_USER BIT(1)
#define MP_WRITE BIT(2)
#define MP_COW BIT(3)
#define DZ_ON BIT(7)

static const uint16_t region_pde[NREG] = { 256, 257, 258, 300, 511, 512,
					   640, 767, 768, 900, 1022, 1023 };

struct mpage {
	paddr_t pa;
	uint8_t f; /* MP_xxx */
};

struct mspace {
	int h; /* the handle, or -1: the slot is free */
	uint32_t nmapped;
	uint16_t inreg[NREG]; /* pages mapped in each region */
	uint8_t dz[NREG];     /* DZ_ON | VM_WRITE | VM_USER: a demand-zero region */
	struct mpage page[NPAGES];
};

struct mframe {
	uint32_t refs; /* user zone: references; first MiB: 1 once its data is set */
	uint32_t w0, wlast, fill;
};

enum { OP_CREATE, OP_DESTROY, OP_MAP, OP_MAP_SHARED, OP_MAP_DEVICE, OP_MAP_RANGE,
       OP_MAP_ZERO, OP_UNMAP, OP_UNMAP_RANGE, OP_PROTECT, OP_CLONE_COW, OP_CLONE_EAGER,
       OP_ACTIVATE, OP_ACCESS, OP_FAULT, OP_QUERY, OP_DEMAND_ZERO, OP_BAD, OP_FAIL, OP_KINDS };

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
	uint32_t step;
	char what[160];
	struct mspace sp[NSLOTS];
	int live;  /* the slot of the live space, or -1: the master */
	int dead;  /* a handle destroyed earlier, or -1 */
	struct mframe fr[NPFN];
	uint32_t user_used; /* user-zone frames the model holds */
	paddr_t kzone_end;
	uint32_t user_free0, kernel_free0, block_pages0, tracker_pages0, kmap0;
	uint32_t fail;      /* the failure the next armed call meets, 0: none */
	uint32_t calls0;    /* frame_alloc_calls() when armed */
	int arm_slot;
	struct vm_space_info info0;
	struct vm_stats stats0;
} m;

static struct {
	uint64_t inputs, steps, done[OP_KINDS], nomem, cow_breaks, zero_fills, accesses, bad;
} totals;

/* ---- reporting ------------------------------------------------------------------- */

struct text {
	char *buf;
	size_t size, len;
};

static void text_putc(char c, void *ctx)
{
	struct text *t = ctx;

	if (t->len + 1 < t->size)
		t->buf[t->len++] = c;
}

static void vformat(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct text t = { buf, size, 0 };

	kvformat(text_putc, &t, fmt, ap);
	buf[t.len] = '\0';
}

static void describe(const char *fmt, ...) PRINTF_LIKE(1, 2);

/* What the running operation does, for the trace and failure messages. */
static void describe(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vformat(m.what, sizeof(m.what), fmt, ap);
	va_end(ap);
	if (fz_trace)
		kprintf("fuzz: step %u: %s\n", m.step, m.what);
}

static void fail(int line, const char *fmt, ...) PRINTF_LIKE(2, 3);

static void fail(int line, const char *fmt, ...)
{
	static char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vformat(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	kprintf("fuzz: FAIL at step %u (%s), fuzz_vm.c:%d: %s\n", m.step, m.what, line, msg);
}

#define FCHECK(cond, ...)                                                              \
	do {                                                                           \
		if (!(cond)) {                                                         \
			fail(__LINE__, __VA_ARGS__);                                   \
			return false;                                                  \
		}                                                                      \
	} while (0)

#define FCHECK_RC(rc, want)                                                            \
	FCHECK((rc) == (want), "returned %d (%s), want %d (%s)", rc, err_name(rc), want,       \
	       err_name(want))

/* ---- reading the input ------------------------------------------------------------ */

static uint32_t u8(void)
{
	return m.pos < m.len ? m.data[m.pos++] : 0;
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

	if ((u8() & 1) || s < 0 || m.sp[s].nmapped == 0)
		return start;
	for (uint32_t i = 0; i < NPAGES; i++) {
		uint32_t idx = (start + i) % NPAGES;
		if (m.sp[s].page[idx].f & MP_MAPPED)
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

/* Whether [va, va + n pages) goes past 4 GiB. */
static bool wraps(vaddr_t va, uint32_t n)
{
	return (uint64_t)va + (uint64_t)n * PAGE_SIZE > (1ull << 32);
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

/*
 * Calls fn(s, idx) for each page of the universe in [va, va + n pages)
 * (not past 4 GiB), one region at a time.
 */
static void for_universe(int s, vaddr_t va, uint32_t n, void (*fn)(int s, uint32_t idx, void *ctx),
			 void *ctx)
{
	uint64_t lo = va, hi = MIN((uint64_t)va + (uint64_t)n * PAGE_SIZE, 1ull << 32);

	for (uint32_t r = 0; r < NREG; r++) {
		uint64_t rs = pde_base(region_pde[r]), re = rs + PDE_SPAN;
		uint64_t from = MAX(lo, rs), to = MIN(hi, re);
		for (uint64_t v = from; v < to; v += PAGE_SIZE)
			fn(s, r * PT_ENTRIES + (uint32_t)((v - rs) / PAGE_SIZE), ctx);
	}
}

/* ---- the model: frames ------------------------------------------------------------ */

static bool owned(paddr_t pa)
{
	return pa >= m.kzone_end && pa < MiB(RAM_MIB);
}

static bool has_data(paddr_t pa)
{
	return pa < MiB(RAM_MIB);
}

static struct mframe *fr_of(paddr_t pa)
{
	return &m.fr[pa / PAGE_SIZE];
}

static void frame_hold(paddr_t pa)
{
	if (!owned(pa))
		return;
	if (fr_of(pa)->refs++ == 0)
		m.user_used++;
}

static void frame_drop(paddr_t pa)
{
	if (!owned(pa))
		return;
	if (--fr_of(pa)->refs == 0)
		m.user_used--;
}

static void frame_data(paddr_t pa, uint32_t w0, uint32_t wlast, uint32_t fill)
{
	struct mframe *f = fr_of(pa);

	f->w0 = w0;
	f->wlast = wlast;
	f->fill = fill;
}

/* Fill a frame of RAM with `fill` in every word, and say so in the model. */
static void fill_frame(paddr_t pa, uint32_t fill)
{
	uint32_t *w = hw_phys(pa);

	for (uint32_t i = 0; i < PAGE_SIZE / 4; i++)
		w[i] = fill;
	frame_data(pa, fill, fill, fill);
}

/* A device frame of the first MiB gets its data the first time it is mapped. */
static void touch_low_device(paddr_t pa)
{
	if (pa < FRAME_LOW_RESERVED && fr_of(pa)->refs == 0) {
		fill_frame(pa, 0xD0000000u | pa >> PAGE_SHIFT);
		fr_of(pa)->refs = 1;
	}
}

static uint32_t word_of(paddr_t pa, uint32_t off)
{
	const struct mframe *f = fr_of(pa);

	return off == 0 ? f->w0 : off == LAST_WORD ? f->wlast : f->fill;
}

static void write_word(paddr_t pa, uint32_t off, uint32_t v)
{
	struct mframe *f = fr_of(pa);

	if (off == 0)
		f->w0 = v;
	else
		f->wlast = v;
}

/* ---- the model: pages ------------------------------------------------------------- */

static uint32_t mp_flags(uint32_t flags)
{
	return MP_MAPPED | ((flags & VM_USER) ? MP_USER : 0) | ((flags & VM_WRITE) ? MP_WRITE : 0);
}

static uint32_t vm_flags_of(const struct mpage *p)
{
	return ((p->f & MP_USER) ? VM_USER : 0) | ((p->f & MP_WRITE) ? VM_WRITE : 0) |
	       ((p->f & MP_COW) ? VM_COW : 0);
}

static void page_set(int s, uint32_t idx, paddr_t pa, uint32_t f)
{
	struct mspace *sp = &m.sp[s];

	sp->page[idx] = (struct mpage){ pa, (uint8_t)f };
	sp->nmapped++;
	sp->inreg[idx / PT_ENTRIES]++;
	frame_hold(pa);
}

static void page_clear(int s, uint32_t idx, void *ctx)
{
	struct mspace *sp = &m.sp[s];
	struct mpage *p = &sp->page[idx];

	(void)ctx;
	if (!(p->f & MP_MAPPED))
		return;
	frame_drop(p->pa);
	sp->nmapped--;
	sp->inreg[idx / PT_ENTRIES]--;
	*p = (struct mpage){ 0, 0 };
}

static uint32_t tables_of(int s)
{
	uint32_t n = 0;

	for (uint32_t r = 0; r < NREG; r++)
		n += m.sp[s].inreg[r] > 0;
	return n;
}

/* What probe() must return for an access `how` to page p (NULL: none in the master). */
static uint32_t predict(const struct mpage *p, uint32_t how)
{
	uint32_t access = how & (PF_W | PF_U);

	if (!p || !(p->f & MP_MAPPED))
		return PROBE_FAULTED | access;
	if ((access & PF_U) && !(p->f & MP_USER))
		return PROBE_FAULTED | PF_P | access;
	if ((access & PF_W) && (!(p->f & MP_WRITE) || (p->f & MP_COW)))
		return PROBE_FAULTED | PF_P | access;
	return 0;
}

/* Whether vm_fault must resolve a fault with error err by breaking the sharing. */
static bool breaks_cow(const struct mpage *p, uint32_t err)
{
	return (p->f & MP_MAPPED) && (err & PF_W) && (p->f & MP_COW) && (p->f & MP_WRITE) &&
	       (!(err & PF_U) || (p->f & MP_USER));
}

/* ---- slots ------------------------------------------------------------------------- */

static int handle_of(int s)
{
	return s < 0 ? 0 : m.sp[s].h;
}

static void slot_clear(int s)
{
	memset(&m.sp[s], 0, sizeof(m.sp[s]));
	m.sp[s].h = -1;
}

static int used_slots(int *list)
{
	int n = 0;

	for (int s = 0; s < NSLOTS; s++)
		if (m.sp[s].h > 0)
			list[n++] = s;
	return n;
}

/* A slot in use (the live one when the byte's top bit is set); -1 if none. */
static int pick_used(void)
{
	int list[NSLOTS], n = used_slots(list);
	uint32_t b = u8();

	if (n == 0)
		return -1;
	if (m.live >= 0 && (b & 0x80))
		return m.live;
	return list[b % (uint32_t)n];
}

static int pick_free(void)
{
	uint32_t b = u8();

	for (int i = 0; i < NSLOTS; i++) {
		int s = (int)((b + (uint32_t)i) % NSLOTS);
		if (m.sp[s].h < 0)
			return s;
	}
	return -1;
}

static bool handle_is_new(int h, int except)
{
	for (int s = 0; s < NSLOTS; s++)
		FCHECK(s == except || m.sp[s].h != h, "handle %d is already slot %d's", h, s);
	return true;
}

/* ---- injected allocation failures ------------------------------------------------- */

/* Before a call that may allocate for slot s (-1: none): note the state, arm the failure. */
static void arm(int s)
{
	m.arm_slot = s;
	if (s >= 0)
		vm_info(m.sp[s].h, &m.info0);
	vm_get_stats(&m.stats0);
	m.calls0 = frame_alloc_calls();
	frame_fail_nth(m.fail);
}

/* After it: whether the call met the armed failure.  Only one call meets it. */
static bool disarm(void)
{
	bool met = m.fail > 0 && frame_alloc_calls() - m.calls0 >= m.fail;

	frame_fail_nth(0);
	m.fail = 0;
	return met;
}

/* The call returned -E_NOMEM: it must have met the failure and changed nothing. */
static bool check_nomem(bool met)
{
	struct vm_space_info now;
	struct vm_stats s;

	FCHECK(met, "-E_NOMEM without an injected failure");
	vm_get_stats(&s);
	FCHECK(s.spaces == m.stats0.spaces && s.blocks == m.stats0.blocks &&
		       s.block_pages == m.stats0.block_pages && s.tables == m.stats0.tables &&
		       s.tracker_pages == m.stats0.tracker_pages,
	       "-E_NOMEM changed the counts: spaces %u->%u blocks %u->%u block pages %u->%u "
	       "tables %u->%u tracker pages %u->%u",
	       m.stats0.spaces, s.spaces, m.stats0.blocks, s.blocks, m.stats0.block_pages,
	       s.block_pages, m.stats0.tables, s.tables, m.stats0.tracker_pages, s.tracker_pages);
	if (m.arm_slot >= 0) {
		int rc = vm_info(m.sp[m.arm_slot].h, &now);
		FCHECK(rc == 0 && now.block == m.info0.block && now.pages == m.info0.pages &&
			       now.tables == m.info0.tables && now.mapped == m.info0.mapped,
		       "-E_NOMEM changed the space: block 0x%x/%u pages -> 0x%x/%u", m.info0.block,
		       m.info0.pages, now.block, now.pages);
	}
	totals.nomem++;
	return true;
}

/* ---- checks ------------------------------------------------------------------------ */

struct visit {
	int s;
	uint32_t count;
	vaddr_t bad;
};

static int visit_mapping(vaddr_t va, const struct vm_mapping *q, void *ctx)
{
	struct visit *v = ctx;
	int idx = va_idx(va);

	v->bad = va;
	if (idx < 0)
		return 1;
	const struct mpage *p = &m.sp[v->s].page[idx];
	if (!(p->f & MP_MAPPED) || p->pa != q->pa || vm_flags_of(p) != q->flags)
		return 1;
	v->count++;
	return 0;
}

static bool check_space(int s)
{
	struct visit v = { .s = s };
	struct vm_space_info info;
	const struct mspace *sp = &m.sp[s];
	int rc = vm_iterate(sp->h, visit_mapping, &v);

	if (rc != 0) {
		int idx = va_idx(v.bad);
		const struct mpage *p = idx < 0 ? NULL : &sp->page[idx];
		struct vm_mapping q = { 0, 0 };
		vm_query(sp->h, v.bad, &q);
		FCHECK(false, "space %d maps 0x%x to 0x%x flags 0x%x; the model: %s 0x%x flags 0x%x",
		       sp->h, v.bad, q.pa, q.flags, p && (p->f & MP_MAPPED) ? "mapped" : "nothing",
		       p ? p->pa : 0, p ? vm_flags_of(p) : 0);
	}
	FCHECK(v.count == sp->nmapped, "space %d lists %u mappings, the model has %u", sp->h,
	       v.count, sp->nmapped);
	rc = vm_info(sp->h, &info);
	uint32_t tables = tables_of(s);
	FCHECK(rc == 0 && info.mapped == sp->nmapped && info.tables == tables,
	       "space %d: vm_info says %u pages in %u tables, want %u in %u", sp->h, info.mapped,
	       info.tables, sp->nmapped, tables);
	FCHECK(tables == 0 ? info.pages == 2 : info.pages < 4 * (1 + tables),
	       "space %d: a block of %u pages for %u tables", sp->h, info.pages, tables);
	return true;
}

/*
 * The reference count of every user frame the model holds.  With the free
 * count (check_counts), that covers the frames it does not hold: one the
 * core kept in use without the model would leave a frame short.
 */
static bool check_refs(void)
{
	for (paddr_t pa = m.kzone_end; pa < MiB(RAM_MIB); pa += PAGE_SIZE) {
		if (fr_of(pa)->refs == 0)
			continue;
		int refs = frame_refcount(pa);
		FCHECK(refs == (int)fr_of(pa)->refs, "frame 0x%x has %d references, want %u", pa,
		       refs, fr_of(pa)->refs);
	}
	return true;
}

static bool check_counts(void)
{
	struct vm_stats s;
	int list[NSLOTS];

	vm_get_stats(&s);
	FCHECK(frame_free_count(ZONE_USER) + m.user_used == m.user_free0,
	       "%u free user frames, with %u in use want %u", frame_free_count(ZONE_USER),
	       m.user_used, m.user_free0);
	FCHECK(frame_free_count(ZONE_KERNEL) + (s.block_pages - m.block_pages0) +
			       (s.tracker_pages - m.tracker_pages0) == m.kernel_free0,
	       "%u free kernel frames do not match %u block pages and %u tracker pages",
	       frame_free_count(ZONE_KERNEL), s.block_pages, s.tracker_pages);
	FCHECK(s.spaces == (uint32_t)used_slots(list), "%u address spaces, want %d", s.spaces,
	       used_slots(list));
	FCHECK(kmap_in_use() == m.kmap0, "%u kmap slots in use", kmap_in_use());
	return true;
}

static bool check_all(void)
{
	FCHECK(vm_live() == handle_of(m.live), "live space %d, want %d", vm_live(),
	       handle_of(m.live));
	for (int s = 0; s < NSLOTS; s++)
		if (m.sp[s].h > 0 && !check_space(s))
			return false;
	if (!check_refs() || !check_counts())
		return false;
	FCHECK(vm_check() == 0, "vm_check failed");
	return true;
}

static bool check_frame_data(paddr_t pa)
{
	const uint32_t *w = hw_phys(pa);
	const struct mframe *f = fr_of(pa);

	FCHECK(w[0] == f->w0 && w[MID_WORD / 4] == f->fill && w[LAST_WORD / 4] == f->wlast,
	       "frame 0x%x holds 0x%x..0x%x..0x%x, want 0x%x..0x%x..0x%x", pa, w[0],
	       w[MID_WORD / 4], w[LAST_WORD / 4], f->w0, f->fill, f->wlast);
	return true;
}

static bool check_data(void)
{
	for (paddr_t pa = PAGE_SIZE; pa < FRAME_LOW_RESERVED; pa += PAGE_SIZE)
		if (fr_of(pa)->refs && !check_frame_data(pa))
			return false;
	for (paddr_t pa = m.kzone_end; pa < MiB(RAM_MIB); pa += PAGE_SIZE)
		if (fr_of(pa)->refs && !check_frame_data(pa))
			return false;
	return true;
}

/* ---- operations: address spaces ------------------------------------------------------ */

static bool op_create(void)
{
	int s = pick_free();

	if (s < 0)
		return true;
	describe("create");
	arm(-1);
	int h = vm_create();
	bool met = disarm();
	if (h == -E_NOMEM)
		return check_nomem(met);
	FCHECK(h > 0, "vm_create returned %d", h);
	if (!handle_is_new(h, s))
		return false;
	slot_clear(s);
	m.sp[s].h = h;
	return true;
}

static bool op_destroy(void)
{
	int s = pick_used();
	struct vm_mapping q;

	if (s < 0)
		return op_create();
	int h = m.sp[s].h;
	describe("destroy %d%s", h, s == m.live ? " (live)" : "");
	int rc = vm_destroy(h);
	if (s == m.live) {
		FCHECK_RC(rc, -E_BUSY);
		return true;
	}
	FCHECK_RC(rc, 0);
	for (uint32_t idx = 0; m.sp[s].nmapped > 0 && idx < NPAGES; idx++)
		page_clear(s, idx, NULL);
	slot_clear(s);
	m.dead = h;
	rc = vm_query(h, USER_BASE, &q);
	FCHECK_RC(rc, -E_BADH);
	return true;
}

static bool op_activate(void)
{
	int list[NSLOTS], n = used_slots(list);
	uint32_t b = u8();
	int s = b % (uint32_t)(n + 1) == (uint32_t)n ? -1 : list[b % (uint32_t)(n + 1)];

	describe("activate %d", handle_of(s));
	int rc = vm_activate(handle_of(s));
	FCHECK_RC(rc, 0);
	m.live = s;
	return true;
}

static void copy_page_cow(int s, uint32_t idx, int d)
{
	struct mpage *p = &m.sp[s].page[idx];

	if (owned(p->pa))
		p->f |= MP_COW;
	page_set(d, idx, p->pa, p->f);
}

static bool copy_page_eager(int s, uint32_t idx, int d)
{
	const struct mpage *p = &m.sp[s].page[idx];
	struct vm_mapping q;

	if (!owned(p->pa)) { /* device memory is shared as it is */
		page_set(d, idx, p->pa, p->f);
		return true;
	}
	int rc = vm_query(m.sp[d].h, idx_va(idx), &q);
	FCHECK(rc == 0, "the copy of 0x%x is missing: %d", idx_va(idx), rc);
	FCHECK(owned(q.pa) && fr_of(q.pa)->refs == 0,
	       "the copy of 0x%x is frame 0x%x, not a new user frame", idx_va(idx), q.pa);
	const struct mframe *f = fr_of(p->pa);
	frame_data(q.pa, f->w0, f->wlast, f->fill);
	page_set(d, idx, q.pa, p->f & ~MP_COW);
	return true;
}

static uint32_t owned_pages(int s)
{
	uint32_t n = 0;

	for (uint32_t idx = 0; idx < NPAGES; idx++)
		n += (m.sp[s].page[idx].f & MP_MAPPED) && owned(m.sp[s].page[idx].pa);
	return n;
}

static bool op_clone(enum vm_clone_mode mode)
{
	int s = pick_used(), d = pick_free();

	if (s < 0)
		return op_create();
	if (d < 0 || (mode == VM_CLONE_EAGER && m.user_used + owned_pages(s) > USER_CAP))
		return true;
	describe("clone %d %s", m.sp[s].h, mode == VM_CLONE_COW ? "copy-on-write" : "eager");
	arm(s);
	int h = vm_clone(m.sp[s].h, mode);
	bool met = disarm();
	if (h == -E_NOMEM)
		return check_nomem(met);
	FCHECK(h > 0, "vm_clone returned %d", h);
	if (!handle_is_new(h, d))
		return false;
	slot_clear(d);
	m.sp[d].h = h;
	memcpy(m.sp[d].dz, m.sp[s].dz, sizeof(m.sp[d].dz));
	for (uint32_t idx = 0; idx < NPAGES; idx++) {
		if (!(m.sp[s].page[idx].f & MP_MAPPED))
			continue;
		if (mode == VM_CLONE_COW)
			copy_page_cow(s, idx, d);
		else if (!copy_page_eager(s, idx, d))
			return false;
	}
	return true;
}

/* ---- operations: mapping ------------------------------------------------------------ */

/* Map pa at page idx of slot s; the model follows when it succeeds.  Returns the rc. */
static bool map_one(int s, uint32_t idx, paddr_t pa, uint32_t flags, int *rcp)
{
	const struct mpage *p = &m.sp[s].page[idx];

	arm(s);
	int rc = vm_map(m.sp[s].h, idx_va(idx), pa, flags);
	bool met = disarm();
	*rcp = rc;
	if (rc == -E_NOMEM)
		return check_nomem(met);
	FCHECK_RC(rc, (p->f & MP_MAPPED) ? -E_EXIST : 0);
	if (rc == 0)
		page_set(s, idx, pa, mp_flags(flags));
	return true;
}

static bool op_map(void)
{
	int s = pick_used();
	int rc;

	if (s < 0)
		return op_create();
	uint32_t idx = pick_idx(), flags = pick_flags(), fill = u32();
	if (m.user_used >= USER_CAP)
		return true;
	paddr_t pa = fx_user_frame(fill);
	describe("map %d 0x%x -> new 0x%x flags 0x%x", m.sp[s].h, idx_va(idx), pa, flags);
	FCHECK(owned(pa) && fr_of(pa)->refs == 0, "a new frame 0x%x is one the model holds", pa);
	frame_data(pa, fill, fill, fill);
	if (!map_one(s, idx, pa, flags, &rc))
		return false;
	if (rc < 0)
		frame_unref(pa);
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
	const struct mpage *p = &m.sp[from].page[src];
	if (!(p->f & MP_MAPPED) || !owned(p->pa))
		return true;
	paddr_t pa = p->pa;
	describe("map %d 0x%x -> 0x%x (mapped at 0x%x in %d) flags 0x%x", m.sp[s].h,
		 idx_va(idx), pa, idx_va(src), m.sp[from].h, flags);
	rc = frame_ref(pa);
	FCHECK_RC(rc, 0);
	if (!map_one(s, idx, pa, flags, &rc))
		return false;
	if (rc < 0)
		frame_unref(pa);
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
	describe("map %d 0x%x -> device 0x%x flags 0x%x", m.sp[s].h, idx_va(idx), pa, flags);
	touch_low_device(pa);
	return map_one(s, idx, pa, flags, &rc);
}

/* n new user frames, contiguous, filled from `fill` on; false if there is no such run. */
static bool new_run(uint32_t n, uint32_t fill, paddr_t *pa)
{
	if (m.user_used + n > USER_CAP || fx_user_run(n, pa) < 0)
		return false;
	for (uint32_t i = 0; i < n; i++)
		fill_frame(*pa + i * PAGE_SIZE, fill + i);
	return true;
}

static void unref_run(paddr_t pa, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		frame_unref(pa + i * PAGE_SIZE);
}

static bool any_mapped(int s, uint32_t idx, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		if (m.sp[s].page[idx + i].f & MP_MAPPED)
			return true;
	return false;
}

static bool op_map_range(void)
{
	int s = pick_used();

	if (s < 0)
		return op_create();
	uint32_t idx = pick_idx(), flags = pick_flags(), kind = u8() % 3, b = u8();
	uint32_t n = kind == 0 ? 1 + b % RUN_MAX : kind == 1 ? 1 + b % 64 : pick_n();
	vaddr_t va = idx_va(idx);
	bool wrap = wraps(va, n);
	paddr_t pa;

	if (!wrap)
		n = clamp_to_universe(va, n);
	if (kind == 0 && !new_run(n, u32(), &pa))
		return true;
	if (kind == 1) {
		pa = low_device(u8(), n);
		for (uint32_t i = 0; i < n; i++)
			touch_low_device(pa + i * PAGE_SIZE);
	} else if (kind == 2) {
		pa = HIGH_DEV + u8() * PAGE_SIZE;
	}
	describe("map_range %d 0x%x -> 0x%x, %u pages, flags 0x%x", m.sp[s].h, va, pa, n, flags);
	int want = wrap ? -E_RANGE : any_mapped(s, idx, n) ? -E_EXIST : 0;
	arm(s);
	int rc = vm_map_range(m.sp[s].h, va, pa, n, flags);
	bool met = disarm();
	if (rc == -E_NOMEM && want == 0) {
		if (kind == 0)
			unref_run(pa, n);
		return check_nomem(met);
	}
	FCHECK_RC(rc, want);
	if (rc < 0 && kind == 0)
		unref_run(pa, n);
	for (uint32_t i = 0; rc == 0 && i < n; i++)
		page_set(s, idx + i, pa + i * PAGE_SIZE, mp_flags(flags));
	return true;
}

/* The page vm_map_zero just mapped at idx: a new user frame, all zero. */
static bool follow_zero(int s, uint32_t idx, uint32_t flags)
{
	struct vm_mapping q;
	int rc = vm_query(m.sp[s].h, idx_va(idx), &q);

	FCHECK(rc == 0, "the zeroed page 0x%x is not mapped: %d", idx_va(idx), rc);
	FCHECK(owned(q.pa) && fr_of(q.pa)->refs == 0,
	       "the zeroed page is frame 0x%x, not a new user frame", q.pa);
	frame_data(q.pa, 0, 0, 0);
	page_set(s, idx, q.pa, mp_flags(flags));
	totals.zero_fills++;
	return true;
}

static bool op_map_zero(void)
{
	int s = pick_used();

	if (s < 0)
		return op_create();
	uint32_t idx = pick_idx(), flags = pick_flags();
	if (m.user_used >= USER_CAP)
		return true;
	describe("map_zero %d 0x%x flags 0x%x", m.sp[s].h, idx_va(idx), flags);
	arm(s);
	int rc = vm_map_zero(m.sp[s].h, idx_va(idx), flags);
	bool met = disarm();
	if (rc == -E_NOMEM)
		return check_nomem(met);
	FCHECK_RC(rc, (m.sp[s].page[idx].f & MP_MAPPED) ? -E_EXIST : 0);
	return rc == 0 ? follow_zero(s, idx, flags) : true;
}

/* ---- operations: unmapping and protection ---------------------------------------------- */

static bool op_unmap(void)
{
	int s = pick_used();

	if (s < 0)
		return op_create();
	uint32_t idx = pick_idx_mapped(s);
	describe("unmap %d 0x%x", m.sp[s].h, idx_va(idx));
	int rc = vm_unmap(m.sp[s].h, idx_va(idx));
	FCHECK_RC(rc, (m.sp[s].page[idx].f & MP_MAPPED) ? 0 : -E_NOENT);
	page_clear(s, idx, NULL);
	return true;
}

/* A range start: a page of the universe, or one of a few wide ranges. */
static void pick_range(int s, vaddr_t *va, uint32_t *n)
{
	static const struct {
		vaddr_t va;
		uint32_t n;
	} wide[] = {
		{ 0x40000000u, 3 * PT_ENTRIES }, { 0x40000000u, 0xC0000u }, { 0x403FF000u, 2 },
		{ 0x7FFFF000u, 2 },              { 0xBFC00000u, 2 * PT_ENTRIES },
		{ 0xFF800000u, 2 * PT_ENTRIES }, { 0xFFFFF000u, 1 },
		{ 0x4B000000u, PT_ENTRIES + 1 },
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
	describe("unmap_range %d 0x%x, %u pages", m.sp[s].h, va, n);
	int rc = vm_unmap_range(m.sp[s].h, va, n);
	FCHECK_RC(rc, wraps(va, n) ? -E_RANGE : 0);
	if (rc == 0)
		for_universe(s, va, n, page_clear, NULL);
	return true;
}

static void count_mapped(int s, uint32_t idx, void *ctx)
{
	*(uint32_t *)ctx += (m.sp[s].page[idx].f & MP_MAPPED) != 0;
}

static void set_rights(int s, uint32_t idx, void *ctx)
{
	struct mpage *p = &m.sp[s].page[idx];
	uint32_t flags = *(uint32_t *)ctx;

	p->f = (uint8_t)(mp_flags(flags) | (p->f & MP_COW));
}

static bool op_protect(void)
{
	int s = pick_used();
	vaddr_t va;
	uint32_t n, mapped = 0;

	if (s < 0)
		return op_create();
	pick_range(s, &va, &n);
	uint32_t flags = pick_flags();
	describe("protect %d 0x%x, %u pages, flags 0x%x", m.sp[s].h, va, n, flags);
	int rc = vm_protect(m.sp[s].h, va, n, flags);
	if (wraps(va, n)) {
		FCHECK_RC(rc, -E_RANGE);
		return true;
	}
	for_universe(s, va, n, count_mapped, &mapped);
	FCHECK_RC(rc, mapped == n ? 0 : -E_NOENT);
	if (rc == 0)
		for_universe(s, va, n, set_rights, &flags);
	return true;
}

static bool op_demand_zero(void)
{
	int s = pick_used();

	if (s < 0)
		return op_create();
	uint32_t r = u8() % NREG, b = u8();
	m.sp[s].dz[r] = (b & 1) ? 0 : (uint8_t)(DZ_ON | (b & (VM_WRITE | VM_USER)));
	describe("demand-zero %d region 0x%x: 0x%x", m.sp[s].h, pde_base(region_pde[r]),
		 m.sp[s].dz[r]);
	return true;
}

/* ---- operations: accesses and faults -------------------------------------------------- */

/* The page is copy-on-write and vm_fault broke the sharing: follow it in the model. */
static bool follow_break(int s, uint32_t idx)
{
	struct mpage *p = &m.sp[s].page[idx];
	struct vm_mapping q;
	paddr_t old = p->pa;
	int rc = vm_query(m.sp[s].h, idx_va(idx), &q);

	FCHECK(rc == 0, "the page is gone after the fault: %d", rc);
	p->f &= (uint8_t)~MP_COW;
	totals.cow_breaks++;
	if (fr_of(old)->refs == 1) { /* the last owner keeps the frame */
		FCHECK(q.pa == old, "the last owner got a copy 0x%x of 0x%x", q.pa, old);
		return true;
	}
	FCHECK(owned(q.pa) && fr_of(q.pa)->refs == 0, "the copy 0x%x is not a new user frame",
	       q.pa);
	const struct mframe *f = fr_of(old);
	frame_data(q.pa, f->w0, f->wlast, f->fill);
	frame_drop(old);
	p->pa = q.pa;
	frame_hold(q.pa);
	return true;
}

/* Call vm_fault as a kernel would and check what it did; *broke: it copied or reused. */
static bool fault(int s, uint32_t idx, vaddr_t va, uint32_t err, bool *broke)
{
	const struct mpage *p = &m.sp[s].page[idx];
	bool allowed = (p->f & MP_MAPPED) && predict(p, err) == 0;
	bool cow = breaks_cow(p, err);
	int want = (allowed || cow) ? 0 : -E_FAULT;

	*broke = false;
	arm(s);
	int rc = vm_fault(m.sp[s].h, va, err);
	bool met = disarm();
	if (rc == -E_NOMEM && cow && fr_of(p->pa)->refs > 1)
		return check_nomem(met);
	FCHECK(rc == want, "vm_fault(%d, 0x%x, 0x%x) returned %d (%s), want %d", m.sp[s].h, va,
	       err, rc, err_name(rc), want);
	*broke = rc == 0 && !allowed;
	return *broke ? follow_break(s, idx) : true;
}

static bool access_done(const struct mpage *p, uint32_t off, uint32_t how, uint32_t wrote,
			uint32_t val)
{
	totals.accesses++;
	if (how & PROBE_WRITE) {
		write_word(p->pa, off, wrote);
		return true;
	}
	FCHECK(val == word_of(p->pa, off), "read 0x%x, want 0x%x", val, word_of(p->pa, off));
	return true;
}

/* Retry an access the kernel just resolved: it must succeed now. */
static bool retry(const struct mpage *p, vaddr_t va, uint32_t off, uint32_t how, uint32_t wrote)
{
	uint32_t val = wrote, got;

	FCHECK(predict(p, how) == 0, "the model does not allow the retried access");
	got = probe(va, how, &val);
	FCHECK(got == 0, "the retried access returned 0x%x", got);
	return access_done(p, off, how, wrote, val);
}

/* Whether a fault with error err at idx is one the kernel resolves with a zeroed page. */
static bool demand_zero_fault(int s, uint32_t idx, uint32_t err)
{
	uint32_t dz = m.sp[s].dz[idx / PT_ENTRIES];

	if (!(dz & DZ_ON) || (err & PF_P) || (m.sp[s].page[idx].f & MP_MAPPED))
		return false;
	if ((err & PF_U) && !(dz & VM_USER))
		return false;
	return !(err & PF_W) || (dz & VM_WRITE);
}

/* A not-present fault in a demand-zero region: vm_fault refuses it, vm_map_zero maps. */
static bool resolve_zero(int s, uint32_t idx, vaddr_t va, uint32_t err, uint32_t off, uint32_t how,
			 uint32_t wrote)
{
	uint32_t flags = m.sp[s].dz[idx / PT_ENTRIES] & (VM_WRITE | VM_USER);
	int rc = vm_fault(m.sp[s].h, va, err);

	FCHECK_RC(rc, -E_FAULT);
	if (m.user_used >= USER_CAP)
		return true;
	arm(s);
	rc = vm_map_zero(m.sp[s].h, idx_va(idx), flags);
	bool met = disarm();
	if (rc == -E_NOMEM)
		return check_nomem(met);
	FCHECK_RC(rc, 0);
	if (!follow_zero(s, idx, flags))
		return false;
	return retry(&m.sp[s].page[idx], va, off, how, wrote);
}

/* Probes of kernel memory: the null page, a kmap slot not in use, the live block. */
static bool kernel_probe(uint32_t b)
{
	uint32_t how = (b & 2) ? PROBE_USER : 0, val = 0, got, want;
	struct vm_space_info info;

	switch (b % 3) {
	case 0:
		describe("probe the null page, how 0x%x", how);
		got = probe(4 * (b % (PAGE_SIZE / 4)), how, &val);
		want = PROBE_FAULTED | how;
		break;
	case 1:
		describe("probe the last kmap slot, how 0x%x", how);
		got = probe(KMAP_BASE + (KMAP_SLOTS - 1) * PAGE_SIZE, how, &val);
		want = PROBE_FAULTED | how;
		break;
	default: /* identity-mapped, supervisor only; the kernel only reads it */
		if (m.live < 0 || vm_info(m.sp[m.live].h, &info) < 0)
			return true;
		how |= (how && (b & 1)) ? PROBE_WRITE : 0;
		describe("probe the live block 0x%x, how 0x%x", info.block, how);
		got = probe(info.block, how, &val);
		want = how ? PROBE_FAULTED | PF_P | how : 0;
		break;
	}
	FCHECK(got == want, "probe returned 0x%x, want 0x%x", got, want);
	return true;
}

/* With the master live, an access mostly makes a space live first, as a scheduler would. */
static bool live_for_access(uint32_t b)
{
	int list[NSLOTS], n = used_slots(list);

	if (m.live >= 0 || n == 0 || !(b & 4))
		return true;
	int s = list[(b >> 3) % (uint32_t)n];
	describe("activate %d to access it", m.sp[s].h);
	int rc = vm_activate(m.sp[s].h);
	FCHECK_RC(rc, 0);
	m.live = s;
	return true;
}

static bool op_access(void)
{
	uint32_t b = u8(), r = u8();
	uint32_t how = ((b & 1) ? PROBE_WRITE : 0) | ((b & 2) ? PROBE_USER : 0);

	if (b >= 0xF0)
		return kernel_probe(r);
	if (!live_for_access(b))
		return false;
	int s = m.live;
	if (m.user_used >= USER_CAP)
		return true;
	uint32_t idx = pick_idx_mapped(s), off;
	if (how & PROBE_WRITE)
		off = (r & 1) ? LAST_WORD : 0;
	else
		off = r % 3 == 0 ? 0 : r % 3 == 1 ? LAST_WORD : 4 * (1 + r % (PAGE_SIZE / 4 - 2));
	uint32_t wrote = u32(), val = wrote;
	vaddr_t va = idx_va(idx) + off;
	const struct mpage *p = s < 0 ? NULL : &m.sp[s].page[idx];
	describe("%s%s 0x%x in %d", how & PROBE_USER ? "user " : "kernel ",
		 how & PROBE_WRITE ? "write" : "read", va, handle_of(s));
	uint32_t want = predict(p, how);
	if (want == 0 && !has_data(p->pa))
		return true; /* device memory above RAM is never touched */
	uint32_t got = probe(va, how, &val);
	FCHECK(got == want, "probe returned 0x%x, want 0x%x", got, want);
	if (got == 0)
		return access_done(p, off, how, wrote, val);
	if (s < 0)
		return true;
	uint32_t err = got & ~PROBE_FAULTED;
	if (demand_zero_fault(s, idx, err))
		return resolve_zero(s, idx, va, err, off, how, wrote);
	bool broke;
	if (!fault(s, idx, va, err, &broke))
		return false;
	return broke ? retry(p, va, off, how, wrote) : true;
}

static bool op_fault(void)
{
	int s = pick_used();
	bool broke;

	if (s < 0)
		return op_create();
	uint32_t idx = pick_idx_mapped(s), err = u8() & (PF_P | PF_W | PF_U | PF_RSVD);
	vaddr_t va = idx_va(idx) + 4 * (u8() % (PAGE_SIZE / 4));
	if (m.user_used >= USER_CAP)
		return true;
	describe("fault %d 0x%x err 0x%x", m.sp[s].h, va, err);
	return fault(s, idx, va, err, &broke);
}

static bool op_query(void)
{
	int s = pick_used();
	struct vm_mapping q;
	paddr_t pa = 0;

	if (s < 0)
		return op_create();
	uint32_t idx = pick_idx_mapped(s), off = u16() & PAGE_MASK;
	const struct mpage *p = &m.sp[s].page[idx];
	vaddr_t va = idx_va(idx) + off;
	describe("translate and query %d 0x%x", m.sp[s].h, va);
	int rc = vm_translate(m.sp[s].h, va, &pa);
	if (!(p->f & MP_MAPPED)) {
		FCHECK_RC(rc, -E_NOENT);
		rc = vm_query(m.sp[s].h, va, &q);
		FCHECK_RC(rc, -E_NOENT);
		return true;
	}
	FCHECK(rc == 0 && pa == p->pa + off, "translate gave %d, 0x%x; want 0x%x", rc, pa,
	       p->pa + off);
	rc = vm_query(m.sp[s].h, va, &q);
	FCHECK(rc == 0 && q.pa == p->pa && q.flags == vm_flags_of(p),
	       "query gave %d, 0x%x flags 0x%x; want 0x%x flags 0x%x", rc, q.pa, q.flags, p->pa,
	       vm_flags_of(p));
	return true;
}

/* ---- operations: bad arguments ---------------------------------------------------------- */

static const vaddr_t kernel_va[] = { 0, 0x00001000u, 0x00100000u, GATE_BASE, KMAP_BASE,
				     USER_BASE - PAGE_SIZE };
static const uint32_t bad_flag[] = { PG_P, PG_PWT, PG_PCD, PG_A, PG_D, PG_PS, PG_G,
				     VM_COW, PG_COW_W, BIT(12), BIT(31) };

static bool handle_in_use(int h)
{
	for (int s = 0; s < NSLOTS; s++)
		if (m.sp[s].h == h)
			return true;
	return false;
}

/* A handle that names no user address space; 0 (the master) unless master_valid. */
static int bad_handle(uint32_t b, bool master_valid)
{
	static const int bad[] = { -1, INT32_MIN, (int)TRK_MAX, (int)TRK_MAX - 1, 0x7FFFFFFF,
				   NSLOTS + 1000, 0 };

	if ((b & 8) && m.dead > 0 && !handle_in_use(m.dead))
		return m.dead;
	return bad[b % (master_valid ? ARRAY_SIZE(bad) - 1 : ARRAY_SIZE(bad))];
}

/* Every entry point answers a bad handle with -E_BADH. */
static bool bad_handle_call(uint32_t b, vaddr_t va)
{
	struct vm_mapping q;
	struct vm_space_info info;
	paddr_t pa;
	uint32_t k = (b >> 4) % 12;
	int h = bad_handle(b, k == 11), rc;

	describe("call %u with bad handle %d", k, h);
	switch (k) {
	case 0: rc = vm_map(h, va, HIGH_DEV, 0); break;
	case 1: rc = vm_map_range(h, va, HIGH_DEV, 3, VM_USER); break;
	case 2: rc = vm_map_zero(h, va, 0); break;
	case 3: rc = vm_unmap(h, va); break;
	case 4: rc = vm_unmap_range(h, va, 2); break;
	case 5: rc = vm_protect(h, va, 1, 0); break;
	case 6: rc = vm_query(h, va, &q); break;
	case 7: rc = vm_translate(h, va, &pa); break;
	case 8: rc = vm_clone(h, (b & 1) ? VM_CLONE_COW : VM_CLONE_EAGER); break;
	case 9: rc = vm_fault(h, va, PF_W | PF_P); break;
	case 10: rc = (b & 1) ? vm_info(h, &info) : vm_destroy(h); break;
	default: rc = vm_activate(h); break;
	}
	FCHECK_RC(rc, -E_BADH);
	return true;
}

static int stop_at_first(vaddr_t va, const struct vm_mapping *q, void *ctx)
{
	(void)va, (void)q, (void)ctx;
	return 77;
}

static bool op_bad(void)
{
	int s = pick_used();
	struct vm_mapping q;
	paddr_t pa;

	if (s < 0)
		return op_create();
	uint32_t b = u8(), c = u8(), idx = pick_idx(), flags = pick_flags();
	int h = m.sp[s].h, rc, want;
	vaddr_t va = idx_va(idx), kva = kernel_va[c % ARRAY_SIZE(kernel_va)];
	uint32_t badf = flags | bad_flag[c % ARRAY_SIZE(bad_flag)];

	totals.bad++;
	switch (b % 24) {
	case 0:
		describe("map %d unaligned 0x%x", h, va + 0x800);
		rc = vm_map(h, va + 0x800, HIGH_DEV, flags);
		want = -E_INVAL;
		break;
	case 1:
		describe("map %d kernel address 0x%x", h, kva);
		rc = vm_map(h, kva, HIGH_DEV, flags);
		want = -E_RANGE;
		break;
	case 2:
		describe("map %d 0x%x to unaligned 0x%x", h, va, HIGH_DEV + 4);
		rc = vm_map(h, va, HIGH_DEV + 4, flags);
		want = -E_INVAL;
		break;
	case 3: {
		struct vm_space_info info;
		vm_info(h, &info);
		const paddr_t kz[] = { FRAME_LOW_RESERVED, m.kzone_end - PAGE_SIZE, info.block,
				       trk_page_addr(0) };
		pa = kz[c % ARRAY_SIZE(kz)];
		describe("map %d 0x%x to kernel-zone frame 0x%x", h, va, pa);
		rc = vm_map(h, va, pa, flags);
		want = -E_RANGE;
		break;
	}
	case 4:
		describe("map %d 0x%x with flags 0x%x", h, va, badf);
		rc = vm_map(h, va, HIGH_DEV, badf);
		want = -E_INVAL;
		break;
	case 5:
		pa = fx_user_frame(0);
		frame_free(pa);
		describe("map %d 0x%x to free frame 0x%x", h, va, pa);
		rc = (c & 1) ? vm_map(h, va, pa, flags) : vm_map_range(h, va, pa, 1, flags);
		want = -E_FREE;
		break;
	case 6:
		describe("map_range %d 0x%x of no pages", h, va);
		rc = vm_map_range(h, va, HIGH_DEV, 0, flags);
		want = -E_INVAL;
		break;
	case 7:
		describe("map_range %d past the end of memory", h);
		rc = vm_map_range(h, USER_LAST - PAGE_SIZE * (c % 4), HIGH_DEV, 5, flags);
		want = -E_RANGE;
		break;
	case 8:
		pa = (c & 1) ? 0xFFFFF000u : FRAME_LOW_RESERVED - PAGE_SIZE;
		describe("map_range %d 0x%x to frames from 0x%x that wrap or reach the kernel zone",
			 h, va, pa);
		rc = vm_map_range(h, va, pa, 2, flags);
		want = -E_RANGE;
		break;
	case 9:
		describe("map_range %d 0x%x with flags 0x%x", h, va, badf);
		rc = vm_map_range(h, va, HIGH_DEV, 1, badf);
		want = -E_INVAL;
		break;
	case 10:
		describe("map_zero %d kernel address 0x%x", h, kva);
		rc = vm_map_zero(h, kva, flags);
		want = -E_RANGE;
		break;
	case 11:
		describe("map_zero %d 0x%x with flags 0x%x", h, va, badf);
		rc = vm_map_zero(h, va, badf);
		want = -E_INVAL;
		break;
	case 12:
		describe("map_zero %d unaligned 0x%x", h, va + 4);
		rc = vm_map_zero(h, va + 4, flags);
		want = -E_INVAL;
		break;
	case 13:
		describe("unmap %d unaligned 0x%x", h, va + 4);
		rc = vm_unmap(h, va + 4);
		want = -E_INVAL;
		break;
	case 14:
		describe("unmap %d kernel address 0x%x", h, kva);
		rc = vm_unmap(h, kva);
		want = -E_RANGE;
		break;
	case 15: {
		static const struct {
			vaddr_t va;
			uint32_t n;
			int want;
		} bad[] = {
			{ 0x40000000u, 0, -E_INVAL },
			{ 0x40000004u, 1, -E_INVAL },
			{ USER_BASE - PAGE_SIZE, 2, -E_RANGE },
			{ USER_LAST, 2, -E_RANGE },
			{ 0, 1, -E_RANGE },
			{ 0x80000000u, 0x80001u, -E_RANGE },
		};
		uint32_t i = c % ARRAY_SIZE(bad);
		describe("unmap_range or protect %d 0x%x, %u pages", h, bad[i].va, bad[i].n);
		rc = (b & 0x80) ? vm_unmap_range(h, bad[i].va, bad[i].n)
				: vm_protect(h, bad[i].va, bad[i].n, flags);
		want = bad[i].want;
		break;
	}
	case 16:
		describe("protect %d 0x%x with flags 0x%x", h, va, badf);
		rc = vm_protect(h, va, 1, badf);
		want = -E_INVAL;
		break;
	case 17:
		describe("query %d kernel address 0x%x", h, kva);
		rc = (c & 1) ? vm_query(h, kva, &q) : vm_translate(h, kva, &pa);
		want = -E_RANGE;
		break;
	case 18:
		describe("clone %d with mode %u", h, 2 + c);
		rc = vm_clone(h, (enum vm_clone_mode)(2 + c));
		want = -E_INVAL;
		break;
	case 19:
		describe("fault %d at kernel address 0x%x", h, kva + (c & 0xFFC));
		rc = vm_fault(h, kva + (c & 0xFFC), c & (PF_P | PF_W | PF_U));
		want = -E_FAULT;
		break;
	case 20:
		describe("unmap %d 0x50000000, outside every region used", h);
		rc = vm_unmap(h, 0x50000000u);
		want = -E_NOENT;
		break;
	case 21:
		describe("iterate %d stopping at the first mapping", h);
		rc = vm_iterate(h, stop_at_first, NULL);
		want = m.sp[s].nmapped > 0 ? 77 : 0;
		break;
	default:
		return bad_handle_call(b ^ c, va);
	}
	FCHECK_RC(rc, want);
	return true;
}

static bool op_fail(void)
{
	m.fail = 1 + u8() % MAX_FAIL;
	describe("the next operation's allocation %u fails", m.fail);
	return true;
}

/* ---- the run ------------------------------------------------------------------------------ */

static bool step(void)
{
	uint32_t k = op_of[u8() % ARRAY_SIZE(op_of)];
	bool ok;

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
	m.fail = 0; /* a failure is armed for the one operation after op_fail */
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
	struct vm_stats s;

	memset(&m, 0, sizeof(m));
	init_regions();
	m.data = data;
	m.len = size;
	m.live = -1;
	m.dead = -1;
	for (int i = 0; i < NSLOTS; i++)
		slot_clear(i);
	machine_release(); /* a fresh mapping: untouched pages cost nothing */
	fx_boot(RAM_MIB, KZONE_MIB, true);
	m.kzone_end = frame_kzone_end();
	describe("boot");
	int rc = vm_activate(0);
	FCHECK_RC(rc, 0);
	vm_get_stats(&s);
	m.user_free0 = frame_free_count(ZONE_USER);
	m.kernel_free0 = frame_free_count(ZONE_KERNEL);
	m.block_pages0 = s.block_pages;
	m.tracker_pages0 = s.tracker_pages;
	m.kmap0 = kmap_in_use();
	return true;
}

/* Destroy every space: every frame must be free again, every invariant hold. */
static bool finish(void)
{
	struct vm_stats s;

	describe("finish");
	int rc = vm_activate(0);
	FCHECK_RC(rc, 0);
	m.live = -1;
	for (int i = 0; i < NSLOTS; i++) {
		if (m.sp[i].h < 0)
			continue;
		rc = vm_destroy(m.sp[i].h);
		FCHECK_RC(rc, 0);
		for (uint32_t idx = 0; m.sp[i].nmapped > 0 && idx < NPAGES; idx++)
			page_clear(i, idx, NULL);
		slot_clear(i);
	}
	vm_get_stats(&s);
	FCHECK(m.user_used == 0, "the model still holds %u frames", m.user_used);
	FCHECK(frame_free_count(ZONE_USER) == frame_total_count(ZONE_USER),
	       "%u of %u user frames free at the end", frame_free_count(ZONE_USER),
	       frame_total_count(ZONE_USER));
	FCHECK(frame_free_count(ZONE_KERNEL) == m.kernel_free0 && s.spaces == 0 &&
		       s.tracker_pages == m.tracker_pages0 && s.block_pages == m.block_pages0,
	       "at the end: %u free kernel frames (want %u), %u spaces, %u tracker pages, %u "
	       "block pages", frame_free_count(ZONE_KERNEL), m.kernel_free0, s.spaces,
	       s.tracker_pages, s.block_pages);
	return check_all();
}

bool fz_run(const uint8_t *data, size_t size)
{
	bool ok = start(data, size);

	totals.inputs++;
	for (m.step = 1; ok && m.pos < m.len && m.step <= MAX_STEPS; m.step++) {
		ok = step() && check_all();
		if (ok && m.step % DATA_EVERY == 0)
			ok = check_data();
		totals.steps++;
	}
	ok = ok && check_data() && finish();
	machine_release();
	return ok;
}

void fz_print_totals(void)
{
	kprintf("fuzz: %llu inputs, %llu steps:", (unsigned long long)totals.inputs,
		(unsigned long long)totals.steps);
	for (int k = 0; k < OP_KINDS; k++)
		kprintf(" %s %llu", op_name[k], (unsigned long long)totals.done[k]);
	kprintf("; %llu accesses, %llu copy-on-write breaks, %llu zero fills, %llu bad calls, "
		"%llu injected -E_NOMEM\n",
		(unsigned long long)totals.accesses, (unsigned long long)totals.cow_breaks,
		(unsigned long long)totals.zero_fills, (unsigned long long)totals.bad,
		(unsigned long long)totals.nomem);
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
