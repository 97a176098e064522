/*
 * test_random.c - random operations on several address spaces, each one
 * checked against a reference model.
 *
 * The model keeps, for each of NSLOTS address spaces, the state of NCAND
 * candidate pages (mapped, frame, rights, copy-on-write), and for each frame
 * those pages use its data and its reference count.  The candidates are
 * four groups of four consecutive pages, for ranges:
 *
 *   0x40000000-0x40003fff   the first user pages             (PDE 256)
 *   0x403fe000-0x40401fff   across two regions               (PDEs 256, 257)
 *   0xbfffe000-0xc0001fff   across two regions               (PDEs 767, 768)
 *   0xffffc000-0xffffffff   the last user pages              (PDE 1023)
 *
 * and eight single pages in eight more regions, so that a space may need
 * thirteen page tables, and its block grows, moves and shrinks.
 *
 * A frame's data is modelled as three words: the first, the last, and the
 * fill of every other word.  Frames come from fx_user_frame, map_zero, the
 * copies of eager clones and copy-on-write faults (whose addresses are
 * learnt with vm_query and must be frames nothing else uses), and a pool of
 * runs of four contiguous frames the test holds for map_range.
 *
 * Operations: create, destroy, map, map_range, map_zero, unmap,
 * unmap_range, protect, clone (copy-on-write and eager), activate, reads and
 * writes through probe() at CPL 0 and 3 in the live space (a refused write
 * to a copy-on-write page goes to vm_fault as a kernel would, and is
 * retried), vm_fault calls of every kind, probes of kernel addresses, and
 * bad arguments, which must return the exact error and change nothing.
 * After every operation every candidate page of every space is compared
 * with the model, with every frame's reference count and the free counts;
 * every DEEP_EVERY operations vm_check runs, every mapping is listed with
 * vm_iterate, the block sizes are checked and every frame's data is read.
 *
 * A failure names the seed, the operation's number and what it was; set
 * random_seed (and random_ops) from a debugger to replay a run or to
 * explore another sequence.
 */
#include "check.h"
#include "fixture.h"
#include "frame.h"
#include "kmap.h"
#include "probe.h"
#include "seam.h"
#include "suites.h"
#include "tracker.h"
#include "vmspace.h"

uint32_t random_seed = 0x2F6B1D35u;
uint32_t random_ops = 100000;
bool random_print_stats; /* print what the run did, for a debugger to set */

#define NSLOTS 8
#define NGROUPS 4
#define GROUP_PAGES 4
#define NGROUPED (NGROUPS * GROUP_PAGES)
#define NSINGLES 8
#define NCAND (NGROUPED + NSINGLES)
#define NPOOL 4 /* runs of GROUP_PAGES frames */
#define NFRAMES 512
#define DEEP_EVERY 64
#define LAST_WORD (PAGE_SIZE - 4)
#define MID_WORD 0x7F0u

static const vaddr_t group_va[NGROUPS] = { 0x40000000u, 0x403FE000u, 0xBFFFE000u, 0xFFFFC000u };
static const vaddr_t single_va[NSINGLES] = { 0x50400000u, 0x5FFFF000u, 0x6A400000u, 0x7FFFF000u,
					     0x80400000u, 0x9FC01000u, 0xE0000000u, 0xF7FFF000u };

struct mframe {
	bool used;
	paddr_t pa;
	uint32_t w0, wlast, fill; /* the first word, the last, every other one */
	uint32_t refs;            /* mappings, and the test's hold on pool frames */
};

struct mpage {
	bool mapped, user, write, cow; /* write: may be written, or copied on a write */
	int frame;
};

struct mspace {
	int h; /* the handle, or -1: the slot is free */
	struct mpage page[NCAND];
};

enum { OP_CREATE, OP_DESTROY, OP_MAP, OP_MAP_RANGE, OP_MAP_ZERO, OP_UNMAP, OP_UNMAP_RANGE,
       OP_PROTECT, OP_CLONE_COW, OP_CLONE_EAGER, OP_ACTIVATE, OP_ACCESS, OP_FAULT,
       OP_KERNEL_PROBE, OP_BAD, OP_KINDS };

/* Out of every 100 operations. */
static const uint8_t weight[OP_KINDS] = { 4, 3, 14, 5, 6, 9, 5, 7, 3, 2, 5, 24, 4, 2, 7 };

static struct {
	uint32_t seed, rng, op;
	char what[128];
	struct mframe frame[NFRAMES];
	uint32_t frames_used;
	struct mspace sp[NSLOTS];
	int live; /* the slot of the live address space, or -1: the master */
	paddr_t pool_pa[NPOOL];
	int pool[NPOOL][GROUP_PAGES];
	paddr_t died[2 * NCAND + 2]; /* frames whose last reference this operation dropped */
	uint32_t ndied;
	uint32_t user_free0, kernel_free0, block_pages0, tracker_pages0, spaces0, kmap0;
	uint32_t done[OP_KINDS], accesses_ok, cow_breaks, faults_refused, errors_checked;
} m;

/* ---- reporting -------------------------------------------------------------------- */

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

/* What the running operation does, for failure messages. */
static void describe(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vformat(m.what, sizeof(m.what), fmt, ap);
	va_end(ap);
}

static void rfail(int line, const char *fmt, ...) PRINTF_LIKE(2, 3);

static void rfail(int line, const char *fmt, ...)
{
	static char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vformat(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	test_fail(__FILE__, line, "seed 0x%08x op %u (%s): %s", m.seed, m.op, m.what, msg);
}

#define RCHECK(cond, ...)                                                              \
	do {                                                                           \
		if (!(cond)) {                                                         \
			rfail(__LINE__, __VA_ARGS__);                                  \
			return false;                                                  \
		}                                                                      \
	} while (0)

/* rc is a variable holding what a call returned; want the expected value. */
#define RCHECK_RC(rc, want)                                                            \
	RCHECK((rc) == (want), "returned %d (%s), want %d (%s)", rc, err_name(rc), want,       \
	       err_name(want))

/* ---- randomness ---------------------------------------------------------------------- */

static uint32_t rnd(void)
{
	uint32_t x = m.rng;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	return m.rng = x;
}

static uint32_t below(uint32_t n)
{
	return rnd() % n;
}

static uint32_t random_flags(void)
{
	uint32_t r = below(4);

	return ((r & 1) ? VM_WRITE : 0) | ((r & 2) ? VM_USER : 0);
}

/* ---- the model --------------------------------------------------------------------- */

static vaddr_t cand_va(uint32_t c)
{
	if (c >= NGROUPED)
		return single_va[c - NGROUPED];
	return group_va[c / GROUP_PAGES] + (c % GROUP_PAGES) * PAGE_SIZE;
}

static int frame_find(paddr_t pa)
{
	for (int f = 0; f < NFRAMES; f++)
		if (m.frame[f].used && m.frame[f].pa == pa)
			return f;
	return -1;
}

static int frame_new(paddr_t pa, uint32_t w0, uint32_t wlast, uint32_t fill)
{
	for (int f = 0; f < NFRAMES; f++) {
		if (m.frame[f].used)
			continue;
		m.frame[f] = (struct mframe){ true, pa, w0, wlast, fill, 1 };
		m.frames_used++;
		return f;
	}
	return -1;
}

static int frame_copy(paddr_t pa, int from)
{
	const struct mframe *s = &m.frame[from];

	return frame_new(pa, s->w0, s->wlast, s->fill);
}

static void frame_drop(int f)
{
	if (--m.frame[f].refs > 0)
		return;
	m.frame[f].used = false;
	m.frames_used--;
	if (m.ndied < ARRAY_SIZE(m.died))
		m.died[m.ndied++] = m.frame[f].pa;
}

static void page_drop(struct mpage *p)
{
	if (p->mapped)
		frame_drop(p->frame);
	*p = (struct mpage){ .frame = -1 };
}

static uint32_t page_flags(const struct mpage *p)
{
	return (p->user ? VM_USER : 0) | (p->write ? VM_WRITE : 0) | (p->cow ? VM_COW : 0);
}

/* The word at offset off of a page's frame, as the model says. */
static uint32_t model_word(const struct mpage *p, uint32_t off)
{
	const struct mframe *f = &m.frame[p->frame];

	return off == 0 ? f->w0 : off == LAST_WORD ? f->wlast : f->fill;
}

static void model_write(const struct mpage *p, uint32_t off, uint32_t v)
{
	struct mframe *f = &m.frame[p->frame];

	if (off == 0)
		f->w0 = v;
	else
		f->wlast = v;
}

/* What probe() must return for an access `how` to page p (NULL: none in the master). */
static uint32_t predict_probe(const struct mpage *p, uint32_t how)
{
	uint32_t access = how & (PF_W | PF_U);

	if (!p || !p->mapped)
		return PROBE_FAULTED | access;
	if ((access & PF_U) && !p->user)
		return PROBE_FAULTED | PF_P | access;
	if ((access & PF_W) && (!p->write || p->cow))
		return PROBE_FAULTED | PF_P | access;
	return 0;
}

static bool page_allows(const struct mpage *p, uint32_t err)
{
	return predict_probe(p, err & (PF_W | PF_U)) == 0;
}

/* Whether vm_fault must resolve a fault with error err by breaking the sharing. */
static bool breaks_cow(const struct mpage *p, uint32_t err)
{
	return p->mapped && (err & PF_W) && p->cow && p->write && (!(err & PF_U) || p->user);
}

static int handle_of(int s)
{
	return s < 0 ? 0 : m.sp[s].h;
}

static int used_slots(int *list)
{
	int n = 0;

	for (int s = 0; s < NSLOTS; s++)
		if (m.sp[s].h > 0)
			list[n++] = s;
	return n;
}

/* A slot in use, the live one half of the time; -1 if none. */
static int pick_used(void)
{
	int list[NSLOTS], n = used_slots(list);

	if (n == 0)
		return -1;
	if (m.live >= 0 && below(2))
		return m.live;
	return list[below((uint32_t)n)];
}

static int pick_free(void)
{
	int list[NSLOTS], n = 0;

	for (int s = 0; s < NSLOTS; s++)
		if (m.sp[s].h < 0)
			list[n++] = s;
	return n == 0 ? -1 : list[below((uint32_t)n)];
}

/* ---- frames through kmap ------------------------------------------------------------ */

static uint32_t frame_word(paddr_t pa, uint32_t off)
{
	vaddr_t va = kmap(pa);
	uint32_t w = *(uint32_t *)((char *)hw_kva(va) + off);

	kunmap(va);
	return w;
}

static void frame_fill(paddr_t pa, uint32_t fill)
{
	vaddr_t va = kmap(pa);
	uint32_t *w = hw_kva(va);

	for (uint32_t i = 0; i < PAGE_SIZE / 4; i++)
		w[i] = fill;
	kunmap(va);
}

/* ---- checks ---------------------------------------------------------------------------- */

static bool check_space(int s)
{
	const struct mspace *sp = &m.sp[s];
	struct vm_mapping q;

	for (uint32_t c = 0; c < NCAND; c++) {
		const struct mpage *p = &sp->page[c];
		int rc = vm_query(sp->h, cand_va(c), &q);
		if (!p->mapped) {
			RCHECK(rc == -E_NOENT, "space %d page 0x%x: query returned %d, want E_NOENT",
			       sp->h, cand_va(c), rc);
			continue;
		}
		RCHECK(rc == 0, "space %d page 0x%x: query returned %d, want a mapping", sp->h,
		       cand_va(c), rc);
		RCHECK(q.pa == m.frame[p->frame].pa && q.flags == page_flags(p),
		       "space %d page 0x%x maps 0x%x flags 0x%x, want 0x%x flags 0x%x", sp->h,
		       cand_va(c), q.pa, q.flags, m.frame[p->frame].pa, page_flags(p));
	}
	return true;
}

/* One translation with an offset, chosen by the operation's number. */
static bool check_translate(void)
{
	int s = (int)(m.op % NSLOTS);
	uint32_t c = (m.op / NSLOTS) % NCAND, off = (m.op * 4) & PAGE_MASK;
	const struct mpage *p = &m.sp[s].page[c];
	paddr_t pa = 0;

	if (m.sp[s].h < 0 || !p->mapped)
		return true;
	int rc = vm_translate(m.sp[s].h, cand_va(c) + off, &pa);
	RCHECK(rc == 0 && pa == m.frame[p->frame].pa + off,
	       "translate 0x%x in %d: %d, 0x%x", cand_va(c) + off, m.sp[s].h, rc, pa);
	return true;
}

static bool check_counts(void)
{
	struct vm_stats s;
	int list[NSLOTS];

	vm_get_stats(&s);
	RCHECK(frame_free_count(ZONE_USER) + m.frames_used == m.user_free0,
	       "free user frames %u, with %u in use want %u", frame_free_count(ZONE_USER),
	       m.frames_used, m.user_free0);
	RCHECK(frame_free_count(ZONE_KERNEL) + (s.block_pages - m.block_pages0) +
			       (s.tracker_pages - m.tracker_pages0) == m.kernel_free0,
	       "free kernel frames %u do not match block pages %u and tracker pages %u",
	       frame_free_count(ZONE_KERNEL), s.block_pages, s.tracker_pages);
	RCHECK(s.spaces == m.spaces0 + (uint32_t)used_slots(list), "%u address spaces",
	       s.spaces);
	RCHECK(kmap_in_use() == m.kmap0, "%u kmap slots in use", kmap_in_use());
	return true;
}

static bool check_all(void)
{
	RCHECK(vm_live() == handle_of(m.live), "live space %d, want %d", vm_live(),
	       handle_of(m.live));
	for (int s = 0; s < NSLOTS; s++)
		if (m.sp[s].h > 0 && !check_space(s))
			return false;
	for (int f = 0; f < NFRAMES; f++)
		RCHECK(!m.frame[f].used || frame_refcount(m.frame[f].pa) == (int)m.frame[f].refs,
		       "frame 0x%x has %d references, want %u", m.frame[f].pa,
		       frame_refcount(m.frame[f].pa), m.frame[f].refs);
	for (uint32_t i = 0; i < m.ndied; i++)
		RCHECK(frame_find(m.died[i]) >= 0 || frame_refcount(m.died[i]) == 0,
		       "frame 0x%x lost its last mapping but is not free", m.died[i]);
	m.ndied = 0;
	return check_counts() && check_translate();
}

struct visit {
	int s;
	uint32_t count;
	vaddr_t last, bad;
};

static int visit_mapping(vaddr_t va, const struct vm_mapping *q, void *ctx)
{
	struct visit *v = ctx;

	v->bad = va;
	if (v->count > 0 && va <= v->last)
		return 1; /* not in address order */
	v->last = va;
	v->count++;
	for (uint32_t c = 0; c < NCAND; c++) {
		const struct mpage *p = &m.sp[v->s].page[c];
		if (cand_va(c) == va && p->mapped && q->pa == m.frame[p->frame].pa &&
		    q->flags == page_flags(p))
			return 0;
	}
	return 1;
}

/*
 * The space maps what the model does, `listed` pages as vm_iterate saw;
 * its block holds the tables they need, and not far more.
 */
static bool check_block(int s, uint32_t listed)
{
	struct vm_space_info info;
	uint32_t pdes[NCAND], tables = 0, mapped = 0;

	for (uint32_t c = 0; c < NCAND; c++) {
		uint32_t i = 0, pdi = pde_index(cand_va(c));
		if (!m.sp[s].page[c].mapped)
			continue;
		mapped++;
		while (i < tables && pdes[i] != pdi)
			i++;
		if (i == tables)
			pdes[tables++] = pdi;
	}
	int rc = vm_info(m.sp[s].h, &info);
	RCHECK(rc == 0 && info.mapped == mapped && listed == mapped && info.tables == tables,
	       "space %d: %u pages mapped (%u listed) in %u tables, want %u in %u", m.sp[s].h,
	       info.mapped, listed, info.tables, mapped, tables);
	RCHECK(tables == 0 ? info.pages == 2 : info.pages < 4 * (1 + tables),
	       "space %d: a block of %u pages for %u tables", m.sp[s].h, info.pages, tables);
	return true;
}

static bool check_frames_data(void)
{
	for (int f = 0; f < NFRAMES; f++) {
		const struct mframe *x = &m.frame[f];
		if (!x->used)
			continue;
		RCHECK(frame_word(x->pa, 0) == x->w0 && frame_word(x->pa, LAST_WORD) == x->wlast &&
			       frame_word(x->pa, MID_WORD) == x->fill,
		       "frame 0x%x holds 0x%x..0x%x..0x%x, want 0x%x..0x%x..0x%x", x->pa,
		       frame_word(x->pa, 0), frame_word(x->pa, MID_WORD),
		       frame_word(x->pa, LAST_WORD), x->w0, x->fill, x->wlast);
	}
	return true;
}

static bool check_deep(void)
{
	int rc = vm_check();

	RCHECK(rc == 0, "vm_check failed (checked every %u operations)", DEEP_EVERY);
	for (int s = 0; s < NSLOTS; s++) {
		struct visit v = { .s = s };
		if (m.sp[s].h < 0)
			continue;
		rc = vm_iterate(m.sp[s].h, visit_mapping, &v);
		RCHECK(rc == 0, "space %d: vm_iterate met 0x%x, which the model does not map so",
		       m.sp[s].h, v.bad);
		if (!check_block(s, v.count))
			return false;
	}
	return check_frames_data();
}

/* ---- operations: address spaces ----------------------------------------------------- */

static bool handle_is_new(int h, int except)
{
	for (int s = 0; s < NSLOTS; s++)
		RCHECK(s == except || m.sp[s].h != h, "handle %d is already slot %d's", h, s);
	return true;
}

static void slot_clear(int s)
{
	m.sp[s].h = -1;
	for (uint32_t c = 0; c < NCAND; c++)
		m.sp[s].page[c] = (struct mpage){ .frame = -1 };
}

static bool op_destroy(void);

static bool op_create(void)
{
	int s = pick_free();

	if (s < 0)
		return op_destroy();
	describe("create");
	int h = vm_create();
	RCHECK(h > 0, "vm_create returned %d", h);
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
		RCHECK_RC(rc, -E_BUSY);
		return true;
	}
	RCHECK_RC(rc, 0);
	for (uint32_t c = 0; c < NCAND; c++)
		page_drop(&m.sp[s].page[c]);
	slot_clear(s);
	rc = vm_query(h, USER_BASE, &q);
	RCHECK_RC(rc, -E_BADH);
	rc = vm_activate(h);
	RCHECK_RC(rc, -E_BADH);
	return true;
}

static bool op_activate(void)
{
	int list[NSLOTS], n = used_slots(list);
	int s = (n == 0 || below(5) == 0) ? -1 : list[below((uint32_t)n)];

	describe("activate %d", handle_of(s));
	int rc = vm_activate(handle_of(s));
	RCHECK_RC(rc, 0);
	m.live = s;
	return true;
}

static bool op_clone(enum vm_clone_mode mode)
{
	int s = pick_used(), d = pick_free();
	struct vm_mapping q;

	if (s < 0)
		return op_create();
	if (d < 0)
		return op_destroy();
	describe("clone %d %s", m.sp[s].h, mode == VM_CLONE_COW ? "copy-on-write" : "eager");
	int h = vm_clone(m.sp[s].h, mode);
	RCHECK(h > 0, "vm_clone returned %d", h);
	if (!handle_is_new(h, d))
		return false;
	slot_clear(d);
	m.sp[d].h = h;
	for (uint32_t c = 0; c < NCAND; c++) {
		struct mpage *p = &m.sp[s].page[c], *cp = &m.sp[d].page[c];
		if (!p->mapped)
			continue;
		if (mode == VM_CLONE_COW) {
			m.frame[p->frame].refs++;
			p->cow = true;
			*cp = *p;
			continue;
		}
		int rc = vm_query(h, cand_va(c), &q);
		RCHECK(rc == 0, "the copy of 0x%x is missing: %d", cand_va(c), rc);
		RCHECK(frame_find(q.pa) < 0, "the copy of 0x%x is in frame 0x%x, already in use",
		       cand_va(c), q.pa);
		int f = frame_copy(q.pa, p->frame);
		RCHECK(f >= 0, "the model has no room for another frame");
		*cp = (struct mpage){ true, p->user, p->write, false, f };
	}
	return true;
}

/* ---- operations: mapping --------------------------------------------------------------- */

static bool op_map(void)
{
	int s = pick_used();

	if (s < 0)
		return op_create();
	uint32_t c = below(NCAND), flags = random_flags(), fill = rnd();
	struct mpage *p = &m.sp[s].page[c];
	paddr_t pa = fx_user_frame(fill);
	describe("map %d 0x%x -> 0x%x flags 0x%x", m.sp[s].h, cand_va(c), pa, flags);
	RCHECK(frame_find(pa) < 0, "a new frame is one the model has mapped");
	int rc = vm_map(m.sp[s].h, cand_va(c), pa, flags);
	if (p->mapped) {
		frame_unref(pa);
		RCHECK_RC(rc, -E_EXIST);
		return true;
	}
	RCHECK_RC(rc, 0);
	int f = frame_new(pa, fill, fill, fill);
	RCHECK(f >= 0, "the model has no room for another frame");
	*p = (struct mpage){ true, flags & VM_USER, flags & VM_WRITE, false, f };
	return true;
}

static bool op_map_range(void)
{
	int s = pick_used();

	if (s < 0)
		return op_create();
	uint32_t g = below(NGROUPS), k = below(GROUP_PAGES);
	uint32_t n = 1 + below(GROUP_PAGES - k), r = below(NPOOL);
	uint32_t o = below(GROUP_PAGES - n + 1), flags = random_flags();
	uint32_t c0 = g * GROUP_PAGES + k;
	paddr_t pa = m.pool_pa[r] + o * PAGE_SIZE;
	bool exists = false;
	int rc;

	describe("map_range %d 0x%x -> 0x%x, %u pages, flags 0x%x", m.sp[s].h, cand_va(c0), pa,
		 n, flags);
	for (uint32_t i = 0; i < n; i++) {
		exists |= m.sp[s].page[c0 + i].mapped;
		rc = frame_ref(pa + i * PAGE_SIZE);
		RCHECK_RC(rc, 0);
	}
	rc = vm_map_range(m.sp[s].h, cand_va(c0), pa, n, flags);
	if (exists) {
		for (uint32_t i = 0; i < n; i++)
			frame_unref(pa + i * PAGE_SIZE);
		RCHECK_RC(rc, -E_EXIST);
		return true;
	}
	RCHECK_RC(rc, 0);
	for (uint32_t i = 0; i < n; i++) {
		int f = m.pool[r][o + i];
		m.frame[f].refs++;
		m.sp[s].page[c0 + i] = (struct mpage){ true, flags & VM_USER, flags & VM_WRITE,
						       false, f };
	}
	return true;
}

static bool op_map_zero(void)
{
	int s = pick_used();
	struct vm_mapping q;

	if (s < 0)
		return op_create();
	uint32_t c = below(NCAND), flags = random_flags();
	struct mpage *p = &m.sp[s].page[c];
	describe("map_zero %d 0x%x flags 0x%x", m.sp[s].h, cand_va(c), flags);
	int rc = vm_map_zero(m.sp[s].h, cand_va(c), flags);
	if (p->mapped) {
		RCHECK_RC(rc, -E_EXIST);
		return true;
	}
	RCHECK_RC(rc, 0);
	rc = vm_query(m.sp[s].h, cand_va(c), &q);
	RCHECK(rc == 0, "the new page is not mapped: %d", rc);
	RCHECK(frame_find(q.pa) < 0, "the zeroed frame 0x%x is one the model has mapped", q.pa);
	int f = frame_new(q.pa, 0, 0, 0);
	RCHECK(f >= 0, "the model has no room for another frame");
	*p = (struct mpage){ true, flags & VM_USER, flags & VM_WRITE, false, f };
	return true;
}

static bool op_unmap(void)
{
	int s = pick_used();

	if (s < 0)
		return op_create();
	uint32_t c = below(NCAND);
	struct mpage *p = &m.sp[s].page[c];
	describe("unmap %d 0x%x", m.sp[s].h, cand_va(c));
	int rc = vm_unmap(m.sp[s].h, cand_va(c));
	RCHECK_RC(rc, p->mapped ? 0 : -E_NOENT);
	page_drop(p);
	return true;
}

static bool op_unmap_range(void)
{
	static const struct {
		vaddr_t va;
		uint32_t n;
	} wide[] = {
		{ 0x40000000u, 0x402 }, { 0x40000000u, 2048 }, { 0x40002000u, 0x400 },
		{ 0xBFC00000u, 2048 },  { 0xBFFFF000u, 2 },    { 0xFFC00000u, 1024 },
		{ 0xFFFFE000u, 2 },     { 0x40001000u, 3 },    { 0x80000000u, 0x1000 },
		{ 0x5FFFF000u, 1 },     { 0x50000000u, 0x40000 },
	};
	int s = pick_used();
	vaddr_t va;
	uint32_t n;

	if (s < 0)
		return op_create();
	if (below(2)) {
		uint32_t i = below(ARRAY_SIZE(wide));
		va = wide[i].va;
		n = wide[i].n;
	} else {
		uint32_t g = below(NGROUPS), k = below(GROUP_PAGES);
		n = 1 + below(GROUP_PAGES - k);
		va = cand_va(g * GROUP_PAGES + k);
	}
	describe("unmap_range %d 0x%x, %u pages", m.sp[s].h, va, n);
	int rc = vm_unmap_range(m.sp[s].h, va, n);
	RCHECK_RC(rc, 0);
	for (uint32_t c = 0; c < NCAND; c++)
		if (cand_va(c) >= va && (uint64_t)cand_va(c) < va + (uint64_t)n * PAGE_SIZE)
			page_drop(&m.sp[s].page[c]);
	return true;
}

static bool op_protect(void)
{
	int s = pick_used();

	if (s < 0)
		return op_create();
	uint32_t g = below(NGROUPS), k = below(GROUP_PAGES);
	uint32_t n = 1 + below(GROUP_PAGES - k), flags = random_flags();
	uint32_t c0 = g * GROUP_PAGES + k;
	bool hole = false;

	for (uint32_t i = 0; i < n; i++)
		hole |= !m.sp[s].page[c0 + i].mapped;
	describe("protect %d 0x%x, %u pages, flags 0x%x", m.sp[s].h, cand_va(c0), n, flags);
	int rc = vm_protect(m.sp[s].h, cand_va(c0), n, flags);
	RCHECK_RC(rc, hole ? -E_NOENT : 0);
	for (uint32_t i = 0; !hole && i < n; i++) {
		m.sp[s].page[c0 + i].user = flags & VM_USER;
		m.sp[s].page[c0 + i].write = flags & VM_WRITE;
	}
	return true;
}

/* ---- operations: accesses and faults ----------------------------------------------------- */

/* The page is copy-on-write and vm_fault broke the sharing: follow it in the model. */
static bool follow_break(int s, uint32_t c)
{
	struct mpage *p = &m.sp[s].page[c];
	struct vm_mapping q;
	int old = p->frame;
	int rc = vm_query(m.sp[s].h, cand_va(c), &q);

	RCHECK(rc == 0, "the page is gone after the fault: %d", rc);
	p->cow = false;
	m.cow_breaks++;
	if (m.frame[old].refs == 1) { /* the last owner keeps the frame */
		RCHECK(q.pa == m.frame[old].pa, "the last owner got a copy 0x%x", q.pa);
		return true;
	}
	RCHECK(frame_find(q.pa) < 0, "the copy 0x%x is a frame already in use", q.pa);
	p->frame = frame_copy(q.pa, old);
	RCHECK(p->frame >= 0, "the model has no room for another frame");
	frame_drop(old);
	return true;
}

/* Call vm_fault as a kernel would, and check what it did; *broke: it copied or reused. */
static bool fault(int s, uint32_t c, vaddr_t va, uint32_t err, bool *broke)
{
	const struct mpage *p = &m.sp[s].page[c];
	bool allowed = p->mapped && page_allows(p, err);
	int want = (allowed || breaks_cow(p, err)) ? 0 : -E_FAULT;
	int rc = vm_fault(m.sp[s].h, va, err);

	RCHECK(rc == want, "vm_fault(%d, 0x%x, 0x%x) returned %d (%s), want %d", m.sp[s].h, va,
	       err, rc, err_name(rc), want);
	*broke = rc == 0 && !allowed;
	if (rc < 0)
		m.faults_refused++;
	return *broke ? follow_break(s, c) : true;
}

static bool access_done(const struct mpage *p, uint32_t off, uint32_t how, uint32_t wrote,
			uint32_t val)
{
	m.accesses_ok++;
	if (how & PROBE_WRITE) {
		model_write(p, off, wrote);
		return true;
	}
	RCHECK(val == model_word(p, off), "read 0x%x, want 0x%x", val, model_word(p, off));
	return true;
}

/* A candidate page of slot s, three times out of four one that is mapped. */
static uint32_t pick_page(int s)
{
	uint32_t list[NCAND], n = 0;

	for (uint32_t c = 0; s >= 0 && c < NCAND; c++)
		if (m.sp[s].page[c].mapped)
			list[n++] = c;
	return (n > 0 && below(4) > 0) ? list[below(n)] : below(NCAND);
}

static bool op_access(void)
{
	int s = m.live;
	uint32_t c = pick_page(s), h = below(4), off, r = below(3);
	uint32_t how = ((h & 1) ? PROBE_WRITE : 0) | ((h & 2) ? PROBE_USER : 0);
	const struct mpage *p = s < 0 ? NULL : &m.sp[s].page[c];

	if (how & PROBE_WRITE)
		off = r ? 0 : LAST_WORD;
	else
		off = r == 0 ? 0 : r == 1 ? LAST_WORD : 4 * (1 + below(PAGE_SIZE / 4 - 2));
	uint32_t wrote = rnd(), val = wrote;
	vaddr_t va = cand_va(c) + off;
	describe("%s%s 0x%x in %d", how & PROBE_USER ? "user " : "kernel ",
		 how & PROBE_WRITE ? "write" : "read", va, handle_of(s));
	uint32_t want = predict_probe(p, how), got = probe(va, how, &val);
	RCHECK(got == want, "probe returned 0x%x, want 0x%x", got, want);
	if (got == 0)
		return access_done(p, off, how, wrote, val);
	if (s < 0)
		return true;
	bool broke;
	if (!fault(s, c, va, got & ~PROBE_FAULTED, &broke))
		return false;
	if (!broke)
		return true;
	val = wrote;
	got = probe(va, how, &val);
	RCHECK(got == 0, "the retried write returned 0x%x", got);
	return access_done(p, off, how, wrote, val);
}

static bool op_fault(void)
{
	int s = pick_used();
	bool broke;

	if (s < 0)
		return op_create();
	uint32_t c = below(NCAND), err = below(8) & (PF_P | PF_W | PF_U);
	vaddr_t va = cand_va(c) + 4 * below(PAGE_SIZE / 4);
	describe("fault %d 0x%x err 0x%x", m.sp[s].h, va, err);
	return fault(s, c, va, err, &broke);
}

static bool op_kernel_probe(void)
{
	uint32_t how = below(2) ? PROBE_USER : 0, val = 0, got, want;
	struct vm_space_info info;

	switch (below(3)) {
	case 0: /* the null guard */
		describe("probe the null page, how 0x%x", how);
		got = probe(4 * below(PAGE_SIZE / 4), how, &val);
		want = PROBE_FAULTED | how;
		break;
	case 1: /* a kmap slot not in use */
		describe("probe the last kmap slot, how 0x%x", how);
		got = probe(KMAP_BASE + (KMAP_SLOTS - 1) * PAGE_SIZE, how, &val);
		want = PROBE_FAULTED | how;
		break;
	default: /* a page-table block: identity-mapped, supervisor only */
		if (m.live < 0 || vm_info(m.sp[m.live].h, &info) < 0)
			return true;
		how |= (how && below(2)) ? PROBE_WRITE : 0;
		describe("probe the live block 0x%x, how 0x%x", info.block, how);
		got = probe(info.block, how, &val);
		want = how ? PROBE_FAULTED | PF_P | how : 0;
		break;
	}
	RCHECK(got == want, "probe returned 0x%x, want 0x%x", got, want);
	return true;
}

/* ---- operations: bad arguments ----------------------------------------------------------- */

static int bad_handle(bool zero_ok)
{
	static const int bad[] = { -1, 0x7FFFFFFF, (int)TRK_MAX, 0 };

	return bad[below(zero_ok ? 4 : 3)];
}

/* A call with a bad handle: every entry point answers -E_BADH. */
static bool bad_handle_call(uint32_t va)
{
	static const char *const calls[] = { "map",   "map_zero", "unmap", "unmap_range",
					     "protect", "query", "clone", "fault",
					     "info",  "activate" };
	struct vm_mapping q;
	struct vm_space_info info;
	uint32_t k = below(ARRAY_SIZE(calls));
	int h = bad_handle(k != 9), rc; /* 0 names the master, which may be activated */

	describe("%s with bad handle %d", calls[k], h);
	switch (k) {
	case 0:
		rc = vm_map(h, va, m.pool_pa[0], 0);
		break;
	case 1:
		rc = vm_map_zero(h, va, 0);
		break;
	case 2:
		rc = vm_unmap(h, va);
		break;
	case 3:
		rc = vm_unmap_range(h, va, 2);
		break;
	case 4:
		rc = vm_protect(h, va, 1, 0);
		break;
	case 5:
		rc = vm_query(h, va, &q);
		break;
	case 6:
		rc = vm_clone(h, VM_CLONE_COW);
		break;
	case 7:
		rc = vm_fault(h, va, PF_W);
		break;
	case 8:
		rc = vm_info(h, &info);
		break;
	default:
		rc = vm_activate(h);
		break;
	}
	RCHECK_RC(rc, -E_BADH);
	return true;
}

static bool op_bad(void)
{
	static const vaddr_t kernel_va[] = { 0, 0x00100000u, KMAP_BASE, USER_BASE - PAGE_SIZE };
	static const uint32_t bad_flags[] = { PG_P, VM_COW, PG_COW_W, PG_G, PG_PCD, PG_D, BIT(12) };
	int s = pick_used();
	struct vm_mapping q;
	struct vm_space_info info;

	if (s < 0)
		return op_create();
	int h = m.sp[s].h, rc, want;
	uint32_t c = below(NCAND), g = below(NGROUPS - 1), flags = random_flags();
	vaddr_t va = cand_va(c), kva = kernel_va[below(ARRAY_SIZE(kernel_va))];
	paddr_t pool = m.pool_pa[below(NPOOL)], pa;

	m.errors_checked++;
	switch (below(19)) {
	case 0:
		describe("map %d unaligned 0x%x", h, va + 0x800);
		rc = vm_map(h, va + 0x800, pool, flags);
		want = -E_INVAL;
		break;
	case 1:
		describe("map %d kernel address 0x%x", h, kva);
		rc = vm_map(h, kva, pool, flags);
		want = -E_RANGE;
		break;
	case 2:
		describe("map %d 0x%x to unaligned 0x%x", h, va, pool + 4);
		rc = vm_map(h, va, pool + 4, flags);
		want = -E_INVAL;
		break;
	case 3:
		pa = below(2) ? frame_kzone_end() - PAGE_SIZE : (vm_info(h, &info), info.block);
		describe("map %d 0x%x to kernel-zone frame 0x%x", h, va, pa);
		rc = vm_map(h, va, pa, flags);
		want = -E_RANGE;
		break;
	case 4:
		flags |= bad_flags[below(ARRAY_SIZE(bad_flags))];
		describe("map %d 0x%x with flags 0x%x", h, va, flags);
		rc = vm_map(h, va, pool, flags);
		want = -E_INVAL;
		break;
	case 5:
		pa = fx_user_frame(0);
		frame_free(pa);
		describe("map %d 0x%x to free frame 0x%x", h, va, pa);
		rc = vm_map(h, va, pa, flags);
		want = -E_FREE;
		break;
	case 6:
		return bad_handle_call(va);
	case 7:
		describe("map_range %d 0x%x of no pages", h, va);
		rc = vm_map_range(h, va, pool, 0, flags);
		want = -E_INVAL;
		break;
	case 8:
		describe("map_range %d past the end of memory", h);
		rc = vm_map_range(h, USER_LAST - PAGE_SIZE, pool, 3, flags);
		want = -E_RANGE;
		break;
	case 9:
		pa = below(2) ? 0xFFFFF000u : FRAME_LOW_RESERVED - PAGE_SIZE;
		describe("map_range %d 0x%x to frames 0x%x that wrap or reach the kernel zone", h,
			 va, pa);
		rc = vm_map_range(h, 0x50000000u, pa, 2, flags);
		want = -E_RANGE;
		break;
	case 10:
		describe("unmap %d unaligned 0x%x", h, va + 4);
		rc = vm_unmap(h, va + 4);
		want = -E_INVAL;
		break;
	case 11:
		describe("unmap %d kernel address 0x%x", h, kva);
		rc = vm_unmap(h, kva);
		want = -E_RANGE;
		break;
	case 12:
		describe("unmap %d 0x50000000, never mapped", h);
		rc = vm_unmap(h, 0x50000000u);
		want = -E_NOENT;
		break;
	case 13: {
		static const struct {
			vaddr_t va;
			uint32_t n;
			int want;
		} bad[] = {
			{ 0x40000000u, 0, -E_INVAL },
			{ USER_BASE - PAGE_SIZE, 2, -E_RANGE },
			{ USER_LAST, 2, -E_RANGE },
		};
		uint32_t i = below(ARRAY_SIZE(bad));
		describe("unmap_range %d 0x%x, %u pages", h, bad[i].va, bad[i].n);
		rc = vm_unmap_range(h, bad[i].va, bad[i].n);
		want = bad[i].want;
		break;
	}
	case 14:
		describe("protect %d 0x%x, 5 pages: the last is never mapped", h, group_va[g]);
		rc = vm_protect(h, group_va[g], 5, flags);
		want = -E_NOENT;
		break;
	case 15:
		flags |= bad_flags[below(ARRAY_SIZE(bad_flags))];
		describe("protect %d 0x%x with flags 0x%x", h, va, flags);
		rc = vm_protect(h, va, 1, flags);
		want = -E_INVAL;
		break;
	case 16:
		describe("query %d kernel address 0x%x, clone with a bad mode", h, kva);
		rc = vm_query(h, kva, &q);
		RCHECK_RC(rc, -E_RANGE);
		rc = vm_clone(h, (enum vm_clone_mode)7);
		want = -E_INVAL;
		break;
	case 17:
		if (below(2)) {
			describe("map_zero %d kernel address 0x%x", h, kva);
			rc = vm_map_zero(h, kva, flags);
			want = -E_RANGE;
		} else {
			flags |= bad_flags[below(ARRAY_SIZE(bad_flags))];
			describe("map_zero %d 0x%x with flags 0x%x", h, va, flags);
			rc = vm_map_zero(h, va, flags);
			want = -E_INVAL;
		}
		break;
	default:
		describe("fault %d at kernel address 0x%x", h, kva);
		rc = vm_fault(h, kva, PF_P | PF_W);
		want = -E_FAULT;
		break;
	}
	RCHECK_RC(rc, want);
	return true;
}

/* ---- the run ------------------------------------------------------------------------------- */

static bool step(void)
{
	uint32_t r = below(100), k = 0;

	while (r >= weight[k]) {
		r -= weight[k];
		k++;
	}
	m.done[k]++;
	switch (k) {
	case OP_CREATE: return op_create();
	case OP_DESTROY: return op_destroy();
	case OP_MAP: return op_map();
	case OP_MAP_RANGE: return op_map_range();
	case OP_MAP_ZERO: return op_map_zero();
	case OP_UNMAP: return op_unmap();
	case OP_UNMAP_RANGE: return op_unmap_range();
	case OP_PROTECT: return op_protect();
	case OP_CLONE_COW: return op_clone(VM_CLONE_COW);
	case OP_CLONE_EAGER: return op_clone(VM_CLONE_EAGER);
	case OP_ACTIVATE: return op_activate();
	case OP_ACCESS: return op_access();
	case OP_FAULT: return op_fault();
	case OP_KERNEL_PROBE: return op_kernel_probe();
	default: return op_bad();
	}
}

static bool start(void)
{
	struct vm_stats s;

	memset(&m, 0, sizeof(m));
	m.seed = random_seed ? random_seed : 1; /* xorshift never leaves 0 */
	m.rng = m.seed;
	m.live = -1;
	describe("start");
	for (int i = 0; i < NSLOTS; i++)
		slot_clear(i);
	int rc = vm_activate(0);
	RCHECK_RC(rc, 0);
	vm_get_stats(&s);
	m.user_free0 = frame_free_count(ZONE_USER);
	m.kernel_free0 = frame_free_count(ZONE_KERNEL);
	m.block_pages0 = s.block_pages;
	m.tracker_pages0 = s.tracker_pages;
	m.spaces0 = s.spaces;
	m.kmap0 = kmap_in_use();
	for (uint32_t r = 0; r < NPOOL; r++) {
		rc = fx_user_run(GROUP_PAGES, &m.pool_pa[r]);
		RCHECK_RC(rc, 0);
		for (uint32_t i = 0; i < GROUP_PAGES; i++) {
			paddr_t pa = m.pool_pa[r] + i * PAGE_SIZE;
			uint32_t fill = rnd();
			frame_fill(pa, fill);
			m.pool[r][i] = frame_new(pa, fill, fill, fill);
		}
	}
	return true;
}

/* Destroy every space and give back the pool; the model must end empty. */
static bool finish(void)
{
	vm_activate(0);
	m.live = -1;
	describe("finish");
	for (int s = 0; s < NSLOTS; s++) {
		if (m.sp[s].h < 0)
			continue;
		int rc = vm_destroy(m.sp[s].h);
		RCHECK_RC(rc, 0);
		for (uint32_t c = 0; c < NCAND; c++)
			page_drop(&m.sp[s].page[c]);
		slot_clear(s);
	}
	for (uint32_t r = 0; r < NPOOL; r++) {
		for (uint32_t i = 0; i < GROUP_PAGES; i++) {
			frame_unref(m.pool_pa[r] + i * PAGE_SIZE);
			frame_drop(m.pool[r][i]);
		}
	}
	RCHECK(m.frames_used == 0, "the model still holds %u frames", m.frames_used);
	return check_all();
}

static void print_stats(void)
{
	static const char *const names[OP_KINDS] = {
		"create", "destroy", "map", "map_range", "map_zero", "unmap", "unmap_range",
		"protect", "clone_cow", "clone_eager", "activate", "access", "fault",
		"kernel_probe", "bad",
	};
	struct vm_stats s;

	vm_get_stats(&s);
	kprintf("random: seed 0x%08x, %u operations:", m.seed, m.op);
	for (int k = 0; k < OP_KINDS; k++)
		kprintf(" %s %u", names[k], m.done[k]);
	kprintf("\nrandom: %u accesses allowed, %u copy-on-write breaks, %u faults refused, "
		"%u bad calls; "
		"core: %u relocations, %u in-place growths, %u shrinks, %u table moves, "
		"%u cow copies, %u cow reuses, %u zero fills, %u invlpgs, %u flushes\n",
		m.accesses_ok, m.cow_breaks, m.faults_refused, m.errors_checked, s.relocations,
		s.inplace_growths, s.shrinks, s.table_moves, s.cow_copies, s.cow_reuses,
		s.zero_fills, s.invlpgs, s.tlb_flushes);
}

static void random_operations_agree_with_the_model(void)
{
	bool ok = start();

	vm_reset_stats();
	for (m.op = 0; ok && m.op < random_ops; m.op++) {
		ok = step() && check_all();
		if (ok && (m.op + 1) % DEEP_EVERY == 0)
			ok = check_deep();
	}
	if (ok)
		ok = check_deep();
	if (random_print_stats)
		print_stats();
	finish();
}

static const struct test_case cases[] = {
	TEST_CASE(random_operations_agree_with_the_model),
};

DEFINE_SUITE(random_suite, "random", cases, fx_setup, fx_teardown);
