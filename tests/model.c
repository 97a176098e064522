/*
 * model.c - the reference model of address spaces and frames (model.h).
 *
 * The frames are kept in the table the test provides, by open addressing:
 * frame pa goes in entry pfn % nframes, or the next free one after it.  A
 * table with an entry for every frame of RAM is then indexed by frame
 * number alone; a small one (the kernel's, which does not know how much RAM
 * it will have) still finds a frame in a probe or two while it stays at
 * most half full.
 */
#include "model.h"
#include "check.h"
#include "fixture.h"
#include "frame.h"
#include "kmap.h"
#include "pager.h"
#include "probe.h"
#include "seam.h"
#include "swap.h"
#include "tracker.h"

struct md_model md;

/* ---- randomness ------------------------------------------------------------------- */

void md_seed(uint32_t seed)
{
	md.seed = seed;
	md.rng = seed ? seed : 1; /* xorshift never leaves 0 */
}

uint32_t md_rnd(void)
{
	uint32_t x = md.rng;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	return md.rng = x;
}

uint32_t md_below(uint32_t n)
{
	return md_rnd() % n;
}

uint32_t md_random_flags(void)
{
	uint32_t r = md_below(4);

	return ((r & 1) ? VM_WRITE : 0) | ((r & 2) ? VM_USER : 0);
}

uint32_t md_weighted(const uint8_t *weight)
{
	uint32_t r = md_below(100), k = 0;

	while (r >= weight[k]) {
		r -= weight[k];
		k++;
	}
	return k;
}

/* ---- reporting -------------------------------------------------------------------- */

void md_describe(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	kvsnprintf(md.what, sizeof(md.what), fmt, ap);
	va_end(ap);
	if (md.trace)
		kprintf("%s: step %u: %s\n", md.cfg->name, md.op, md.what);
}

void md_fail(const char *file, int line, const char *fmt, ...)
{
	static char msg[256];
	va_list ap;

	va_start(ap, fmt);
	kvsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	md.cfg->report(file, line, msg);
}

void md_report_test(const char *file, int line, const char *msg)
{
	test_fail(file, line, "seed 0x%08x op %u (%s): %s", md.seed, md.op, md.what, msg);
}

/* ---- the frame table ----------------------------------------------------------------- */

static uint32_t home_of(paddr_t pa)
{
	return pa_to_pfn(pa) & (md.cfg->nframes - 1);
}

/* The entry holding pa, or the free entry where it would go. */
static struct md_frame *entry_of(paddr_t pa)
{
	uint32_t mask = md.cfg->nframes - 1, i = home_of(pa);

	while (md.cfg->frames[i].used && md.cfg->frames[i].pa != pa)
		i = (i + 1) & mask;
	return &md.cfg->frames[i];
}

/*
 * Free entry i.  An entry after it (up to the next free one) that was put
 * there because i was taken moves into i, so that every frame can still be
 * found from its home entry without passing a free one.
 */
static void remove_entry(uint32_t i)
{
	struct md_frame *t = md.cfg->frames;
	uint32_t mask = md.cfg->nframes - 1;

	for (uint32_t j = (i + 1) & mask; t[j].used; j = (j + 1) & mask) {
		uint32_t home = home_of(t[j].pa);
		if (((j - home) & mask) < ((j - i) & mask))
			continue; /* its home lies after i: it stays */
		t[i] = t[j];
		i = j;
	}
	t[i] = (struct md_frame){ 0 };
}

/* Count an entry of kind `where` (not a device's) in or out of the totals. */
static void count_entry(uint8_t where, int by)
{
	if (where == MD_FRAME)
		md.frames_used += (uint32_t)by;
	else
		md.swapped += (uint32_t)by;
}

static bool add_entry(paddr_t pa, bool device, uint32_t w0, uint32_t wlast, uint32_t fill)
{
	struct md_frame *f = entry_of(pa);

	MD_CHECK(!f->used, "frame 0x%x is in the model already", pa);
	MD_CHECK(md.entries < md.cfg->nframes / 2, "the model has no room for another frame");
	*f = (struct md_frame){ pa, true, device, MD_FRAME, device ? 0 : 1, w0, wlast, fill };
	md.entries++;
	md.frames_used += !device;
	return true;
}

struct md_frame *md_frame(paddr_t pa)
{
	struct md_frame *f = entry_of(pa);

	return f->used ? f : NULL;
}

bool md_user_frame(paddr_t pa)
{
	const struct md_frame *f = md_frame(pa);

	return f && !f->device;
}

bool md_swapped(const struct md_page *p)
{
	const struct md_frame *f = p->mapped ? md_frame(p->pa) : NULL;

	return f && f->where != MD_FRAME;
}

bool md_in_frame(const struct md_page *p)
{
	const struct md_frame *f = p->mapped ? md_frame(p->pa) : NULL;

	return f && !f->device && f->where == MD_FRAME;
}

uint32_t md_refs(paddr_t pa)
{
	const struct md_frame *f = md_frame(pa);

	return f ? f->refs : 0;
}

/* Whether pa is a frame the allocator has just given out: above the kernel zone, not held. */
static bool check_new(paddr_t pa)
{
	MD_CHECK(!md_frame(pa) && pa >= pt_frame_kzone_end() && pt_frame_refcount(pa) > 0,
		 "frame 0x%x is not a new user frame (%d references, the model %s it)", pa,
		 pt_frame_refcount(pa), md_frame(pa) ? "holds" : "does not hold");
	return true;
}

bool md_new_frame(paddr_t pa, uint32_t fill)
{
	return check_new(pa) && add_entry(pa, false, fill, fill, fill);
}

/* A new frame holding a copy of frame `from`. */
static bool new_copy(paddr_t pa, paddr_t from)
{
	const struct md_frame *f = md_frame(from);

	return check_new(pa) && add_entry(pa, false, f->w0, f->wlast, f->fill);
}

bool md_device_frame(paddr_t pa, uint32_t fill)
{
	return add_entry(pa, true, fill, fill, fill);
}

static void hold(paddr_t pa)
{
	struct md_frame *f = md_frame(pa);

	if (f && !f->device)
		f->refs++;
}

static void drop(paddr_t pa)
{
	struct md_frame *f = md_frame(pa);

	if (!f || f->device || --f->refs > 0)
		return;
	uint8_t where = f->where;
	remove_entry((uint32_t)(f - md.cfg->frames));
	md.entries--;
	count_entry(where, -1);
	if (where == MD_FRAME && md.ndied < MD_DIED)
		md.died[md.ndied++] = pa;
}

bool md_ref(paddr_t pa)
{
	int rc = pt_frame_ref(pa);

	MD_CHECK_RC(rc, 0);
	hold(pa);
	return true;
}

/*
 * The test's own reference, which writes nothing: its last lets go of the
 * clean copy the pager may have given the frame while it was shared.
 */
void md_unref(paddr_t pa)
{
	uint32_t slot = 0;

	pt_frame_unref_mapping(pa, false, &slot);
	if (slot != 0)
		pt_swap_unref(slot);
	drop(pa);
}

uint32_t md_word(paddr_t pa, uint32_t off)
{
	const struct md_frame *f = md_frame(pa);

	return off == 0 ? f->w0 : off == MD_LAST_WORD ? f->wlast : f->fill;
}

void md_write(paddr_t pa, uint32_t off, uint32_t v)
{
	struct md_frame *f = md_frame(pa);

	if (off == 0)
		f->w0 = v;
	else
		f->wlast = v;
}

void md_kmap_read(paddr_t pa, uint32_t w[3])
{
	vaddr_t va = pt_kmap(pa);
	const uint32_t *words = hw_kva(va);

	w[0] = words[0];
	w[1] = words[MD_MID_WORD / 4];
	w[2] = words[MD_LAST_WORD / 4];
	pt_kunmap(va);
}

/* ---- slots and pages ------------------------------------------------------------------ */

int md_handle(int s)
{
	return s < 0 ? 0 : md.sp[s].h;
}

int md_used_slots(int *list)
{
	int n = 0;

	for (int s = 0; s < (int)md.cfg->nspaces; s++) {
		if (md.sp[s].h < 0)
			continue;
		if (list)
			list[n] = s;
		n++;
	}
	return n;
}

int md_slot_of(int h)
{
	for (int s = 0; s < (int)md.cfg->nspaces; s++)
		if (md.sp[s].h == h)
			return s;
	return -1;
}

bool md_check_new_handle(int h)
{
	int s = h > 0 ? md_slot_of(h) : -1;

	MD_CHECK(s < 0, "handle %d is already slot %d's", h, s);
	return true;
}

vaddr_t md_va(uint32_t i)
{
	return md.cfg->va(i);
}

/* The page at va, or -1 if the layout has none there. */
static int index_of(vaddr_t va)
{
	if (md.cfg->index)
		return md.cfg->index(va);
	for (uint32_t i = 0; i < md.cfg->npages; i++)
		if (md_va(i) == va)
			return (int)i;
	return -1;
}

/*
 * Which page table of the layout maps page i: its index in md.pde, which
 * lists the tables in the order pages under them were first mapped.
 */
static uint32_t table_of_page(uint32_t i)
{
	uint32_t pdi = pde_index(md_va(i)), t = 0;

	while (t < md.ntables && md.pde[t] != pdi)
		t++;
	if (t == md.ntables) {
		ASSERT(md.ntables < MD_TABLES); /* the layout spans too many tables */
		md.pde[md.ntables++] = pdi;
	}
	return t;
}

uint32_t md_flags(const struct md_page *p)
{
	return (p->user ? VM_USER : 0) | (p->write ? VM_WRITE : 0) | (p->cow ? VM_COW : 0);
}

/* Page i of slot s maps pa with VM_xxx flags, taking over a reference to it. */
static void set_page(int s, uint32_t i, paddr_t pa, uint32_t flags)
{
	struct md_space *sp = &md.sp[s];

	sp->page[i] = (struct md_page){ pa, true, flags & VM_USER, flags & VM_WRITE,
					flags & VM_COW };
	sp->nmapped++;
	sp->in_table[table_of_page(i)]++;
}

static void clear_page(int s, uint32_t i, void *ctx)
{
	struct md_space *sp = &md.sp[s];
	struct md_page *p = &sp->page[i];

	(void)ctx;
	if (!p->mapped)
		return;
	drop(p->pa);
	sp->nmapped--;
	sp->in_table[table_of_page(i)]--;
	*p = (struct md_page){ 0 };
}

/* Slot s holds h now, with nothing mapped. */
static void take_slot(int s, int h)
{
	struct md_space *sp = &md.sp[s];

	memset(sp->page, 0, md.cfg->npages * sizeof(*sp->page));
	memset(sp->in_table, 0, sizeof(sp->in_table));
	sp->nmapped = 0;
	sp->h = h;
}

/* Unmap every page of slot s and free it. */
static void free_slot(int s)
{
	for (uint32_t i = 0; md.sp[s].nmapped > 0 && i < md.cfg->npages; i++)
		clear_page(s, i, NULL);
	md.sp[s].h = -1;
}

uint32_t md_predict(const struct md_page *p, uint32_t how)
{
	uint32_t access = how & (PF_W | PF_U);

	if (!p || !p->mapped || md_swapped(p))
		return PROBE_FAULTED | access;
	if ((access & PF_U) && !p->user)
		return PROBE_FAULTED | PF_P | access;
	if ((access & PF_W) && (!p->write || p->cow))
		return PROBE_FAULTED | PF_P | access;
	return 0;
}

bool md_breaks_cow(const struct md_page *p, uint32_t err)
{
	return p->mapped && !md_swapped(p) && (err & PF_W) && p->cow && p->write &&
	       (!(err & PF_U) || p->user);
}

/* Whether page p, in swap, lets an access in once it is back (private, with its rights). */
static bool swap_allows(const struct md_page *p, uint32_t access)
{
	return (!(access & PF_W) || p->write) && (!(access & PF_U) || p->user);
}

bool md_fault_allocates(const struct md_page *p, uint32_t err)
{
	if (md_swapped(p))
		return swap_allows(p, err);
	return md_breaks_cow(p, err) && md_refs(p->pa) > 1;
}

bool md_wraps(vaddr_t va, uint32_t n)
{
	return (uint64_t)va + (uint64_t)n * PAGE_SIZE > (uint64_t)USER_LAST + PAGE_SIZE;
}

/*
 * Call fn(s, i, ctx) for each mapped page i of slot s in [va, va + n
 * pages), below 4 GiB: along the range when that is the shorter walk and
 * the layout finds pages by address, else along the layout.
 */
static void for_mapped_in(int s, vaddr_t va, uint32_t n, void (*fn)(int s, uint32_t i, void *ctx),
			  void *ctx)
{
	uint64_t end = MIN((uint64_t)va + (uint64_t)n * PAGE_SIZE, 1ull << 32);

	if (md.cfg->index && n < md.cfg->npages) {
		for (uint64_t v = va; v < end; v += PAGE_SIZE) {
			int i = md.cfg->index((vaddr_t)v);
			if (i >= 0 && md_page(s, (uint32_t)i)->mapped)
				fn(s, (uint32_t)i, ctx);
		}
		return;
	}
	for (uint32_t i = 0; i < md.cfg->npages; i++)
		if (md_page(s, i)->mapped && md_va(i) >= va && md_va(i) < end)
			fn(s, i, ctx);
}

static void count_page(int s, uint32_t i, void *ctx)
{
	(void)s, (void)i;
	(*(uint32_t *)ctx)++;
}

/* The pages of slot s in [va, va + n pages) that are mapped. */
static uint32_t mapped_in(int s, vaddr_t va, uint32_t n)
{
	uint32_t count = 0;

	for_mapped_in(s, va, n, count_page, &count);
	return count;
}

int md_want_map_range(int s, vaddr_t va, uint32_t n)
{
	if (md_wraps(va, n))
		return -E_RANGE;
	return mapped_in(s, va, n) > 0 ? -E_EXIST : 0;
}

/* ---- a run ----------------------------------------------------------------------------- */

static void count(struct md_counts *c)
{
	struct vm_stats s;

	pt_vm_get_stats(&s);
	c->user_free = pt_frame_free_count(ZONE_USER);
	c->kernel_free = pt_frame_free_count(ZONE_KERNEL);
	c->block_pages = s.block_pages;
	c->tracker_pages = s.tracker_pages;
	c->spaces = s.spaces;
	c->kmap = pt_kmap_in_use();
}

void md_start(const struct md_config *cfg)
{
	memset(&md, 0, sizeof(md));
	md.cfg = cfg;
	md.sp = cfg->spaces;
	md.live = -1;
	md.dead = -1;
	memset(cfg->pages, 0, cfg->nspaces * cfg->npages * sizeof(*cfg->pages));
	memset(cfg->frames, 0, cfg->nframes * sizeof(*cfg->frames));
	for (uint32_t s = 0; s < cfg->nspaces; s++)
		md.sp[s] = (struct md_space){ .h = -1, .page = cfg->pages + s * cfg->npages };
	count(&md.start);
}

bool md_destroy_all(void)
{
	int rc = pt_vm_activate(0);

	MD_CHECK_RC(rc, 0);
	md.live = -1;
	for (int s = 0; s < (int)md.cfg->nspaces; s++) {
		if (md.sp[s].h < 0)
			continue;
		rc = pt_vm_destroy(md.sp[s].h);
		MD_CHECK_RC(rc, 0);
		free_slot(s);
	}
	return true;
}

/* ---- following the core --------------------------------------------------------------- */

bool md_after_create(int s, int h)
{
	MD_CHECK(h > 0, "pt_vm_create returned %d", h);
	take_slot(s, h);
	return true;
}

bool md_after_destroy(int s, int rc)
{
	int h = md.sp[s].h;
	struct vm_mapping q;

	if (s == md.live) {
		MD_CHECK_RC(rc, -E_BUSY);
		return true;
	}
	MD_CHECK_RC(rc, 0);
	free_slot(s);
	md.dead = h;
	rc = pt_vm_query(h, USER_BASE, &q);
	MD_CHECK_RC(rc, -E_BADH);
	rc = pt_vm_activate(h);
	MD_CHECK_RC(rc, -E_BADH);
	return true;
}

bool md_after_activate(int s, int rc)
{
	MD_CHECK_RC(rc, 0);
	md.live = s;
	return true;
}

/* A copy-on-write clone shares the frame; device memory is shared as it is. */
static void share_page(int s, uint32_t i, int d)
{
	struct md_page *p = md_page(s, i);

	if (md_user_frame(p->pa)) {
		p->cow = true;
		hold(p->pa);
	}
	set_page(d, i, p->pa, md_flags(p));
}

/* An eager clone copies the frame (learnt with pt_vm_query); device memory is shared. */
static bool copy_page(int s, uint32_t i, int d)
{
	const struct md_page *p = md_page(s, i);
	struct vm_mapping q;

	if (!md_user_frame(p->pa)) {
		set_page(d, i, p->pa, md_flags(p));
		return true;
	}
	if (md_swapped(p)) { /* the child's own entry names the slot: it never changes while shared */
		hold(p->pa);
		set_page(d, i, p->pa, md_flags(p) & ~VM_COW);
		return true;
	}
	int rc = pt_vm_query(md.sp[d].h, md_va(i), &q);
	MD_CHECK(rc == 0, "the copy of 0x%x is missing: %d", md_va(i), rc);
	if (!new_copy(q.pa, p->pa))
		return false;
	set_page(d, i, q.pa, md_flags(p) & ~VM_COW);
	return true;
}

bool md_after_clone(int s, int d, enum vm_clone_mode mode, int h)
{
	MD_CHECK(h > 0, "pt_vm_clone returned %d", h);
	take_slot(d, h);
	for (uint32_t i = 0; i < md.cfg->npages; i++) {
		if (!md_page(s, i)->mapped)
			continue;
		if (mode == VM_CLONE_COW)
			share_page(s, i, d);
		else if (!copy_page(s, i, d))
			return false;
	}
	return true;
}

bool md_after_map(int s, uint32_t i, paddr_t pa, uint32_t flags, int rc)
{
	MD_CHECK_RC(rc, md_page(s, i)->mapped ? -E_EXIST : 0);
	if (rc == 0)
		set_page(s, i, pa, flags);
	return true;
}

bool md_map_new(int s, uint32_t i, uint32_t flags, uint32_t fill)
{
	paddr_t pa = fx_user_frame(fill);

	md_describe("map %d 0x%x -> 0x%x flags 0x%x", md.sp[s].h, md_va(i), pa, flags);
	if (!md_new_frame(pa, fill))
		return false;
	int rc = pt_vm_map(md.sp[s].h, md_va(i), pa, flags);
	if (!md_after_map(s, i, pa, flags, rc))
		return false;
	if (rc < 0)
		md_unref(pa);
	return true;
}

bool md_after_map_range(int s, vaddr_t va, paddr_t pa, uint32_t n, uint32_t flags, int rc)
{
	MD_CHECK_RC(rc, md_want_map_range(s, va, n));
	for (uint32_t k = 0; rc == 0 && k < n; k++) {
		int i = index_of(va + k * PAGE_SIZE);
		MD_CHECK(i >= 0, "0x%x is not a page of the layout", va + k * PAGE_SIZE);
		set_page(s, (uint32_t)i, pa + k * PAGE_SIZE, flags);
	}
	return true;
}

bool md_after_map_zero(int s, uint32_t i, uint32_t flags, int rc)
{
	struct vm_mapping q;

	MD_CHECK_RC(rc, md_page(s, i)->mapped ? -E_EXIST : 0);
	if (rc < 0)
		return true;
	rc = pt_vm_query(md.sp[s].h, md_va(i), &q);
	MD_CHECK(rc == 0, "the zeroed page 0x%x is not mapped: %d", md_va(i), rc);
	if (!md_new_frame(q.pa, 0))
		return false;
	set_page(s, i, q.pa, flags);
	md.zero_fills++;
	return true;
}

bool md_after_unmap(int s, uint32_t i, int rc)
{
	MD_CHECK_RC(rc, md_page(s, i)->mapped ? 0 : -E_NOENT);
	clear_page(s, i, NULL);
	return true;
}

bool md_after_unmap_range(int s, vaddr_t va, uint32_t n, int rc)
{
	MD_CHECK_RC(rc, md_wraps(va, n) ? -E_RANGE : 0);
	if (rc == 0)
		for_mapped_in(s, va, n, clear_page, NULL);
	return true;
}

static void set_rights(int s, uint32_t i, void *ctx)
{
	struct md_page *p = md_page(s, i);
	uint32_t flags = *(const uint32_t *)ctx;

	p->user = flags & VM_USER;
	p->write = flags & VM_WRITE;
}

/* Every page of the range must be mapped; each then gets the rights, and stays copy-on-write. */
bool md_after_protect(int s, vaddr_t va, uint32_t n, uint32_t flags, int rc)
{
	if (md_wraps(va, n)) {
		MD_CHECK_RC(rc, -E_RANGE);
		return true;
	}
	MD_CHECK_RC(rc, mapped_in(s, va, n) == n ? 0 : -E_NOENT);
	if (rc == 0)
		for_mapped_in(s, va, n, set_rights, &flags);
	return true;
}

/* ---- paging out -------------------------------------------------------------------- */

/* Enter key, where the data of `was` is now, with one reference. */
static bool add_moved(paddr_t key, uint8_t where, const struct md_frame *was)
{
	if (!add_entry(key, false, was->w0, was->wlast, was->fill))
		return false;
	struct md_frame *f = md_frame(key);
	count_entry(MD_FRAME, -1); /* add_entry counted a frame */
	count_entry(where, 1);
	f->where = where;
	return true;
}

/*
 * Page i of slot s has its data at `key` (of kind `where`) now: its
 * reference moves there from the entry it had.  A key the model does not
 * have takes the old entry's data, and the old entry itself goes when the
 * page was its only holder; a key it has must hold the same data.
 */
static bool move_page(int s, uint32_t i, paddr_t key, uint8_t where)
{
	struct md_page *p = md_page(s, i);
	struct md_frame *old = md_frame(p->pa), *to = md_frame(key);

	MD_CHECK(old && !old->device, "page 0x%x of %d moved from 0x%x, which is not followed",
		 md_va(i), md.sp[s].h, p->pa);
	if (old->pa == key)
		return true;
	struct md_frame was = *old;
	if (to) {
		MD_CHECK(to->w0 == was.w0 && to->wlast == was.wlast && to->fill == was.fill,
			 "0x%x and 0x%x, the same page's data, differ", to->pa, was.pa);
		to->refs++;
		drop(was.pa);
	} else {
		drop(was.pa); /* gone if the page was its only holder */
		if (!add_moved(key, where, &was))
			return false;
	}
	p->pa = key;
	return true;
}

/* Page i of slot s came back from swap into a frame of its own, private (learnt with pt_vm_query). */
static bool follow_in(int s, uint32_t i)
{
	struct md_page *p = md_page(s, i);
	struct vm_mapping q;
	int rc = pt_vm_query(md.sp[s].h, md_va(i), &q);

	MD_CHECK(rc == 0 && !(q.flags & VM_SWAPPED), "page 0x%x is not back: %d, flags 0x%x",
		 md_va(i), rc, q.flags);
	MD_CHECK(!md_frame(q.pa) && q.pa >= pt_frame_kzone_end() && pt_frame_refcount(q.pa) == 1,
		 "page 0x%x came back in 0x%x, which is not a new frame", md_va(i), q.pa);
	p->cow = false;
	return move_page(s, i, q.pa, MD_FRAME);
}

/* pt_vm_resolve of a page in swap returned rc and pa: brought back if its rights allow the access. */
static bool resolved_in(int s, uint32_t i, vaddr_t va, uint32_t access, int rc, paddr_t pa)
{
	const struct md_page *p = md_page(s, i);
	int want = swap_allows(p, access) ? 0 : -E_FAULT;

	MD_CHECK(rc == want, "pt_vm_resolve(%d, 0x%x, 0x%x) of a page in swap returned %d (%s), want %d",
		 md.sp[s].h, va, access, rc, err_name(rc), want);
	if (rc < 0)
		return true;
	if (!follow_in(s, i))
		return false;
	MD_CHECK(pa == (p->pa | (va & PAGE_MASK)), "pt_vm_resolve gave 0x%x for 0x%x, want 0x%x", pa,
		 va, p->pa | (va & PAGE_MASK));
	return true;
}

/*
 * Whether q, what the core reports of mapped page i of slot s, is what the
 * model has; a page whose block was out learns its slot here.
 */
static bool same_mapping(int s, uint32_t i, const struct vm_mapping *q)
{
	const struct md_page *p = md_page(s, i);

	if (!md_swapped(p))
		return !(q->flags & VM_SWAPPED) && q->pa == p->pa && q->flags == md_flags(p);
	if (q->flags != (md_flags(p) | VM_SWAPPED) || q->pa != 0 || q->slot == 0)
		return false;
	if (md_frame(p->pa)->where == MD_OUT)
		return move_page(s, i, md_slot_key(q->slot), MD_SLOT);
	return p->pa == md_slot_key(q->slot);
}

struct follow {
	int s;
	vaddr_t va;
	const char *what;
};

static int follow_one(vaddr_t va, const struct vm_mapping *q, void *ctx)
{
	struct follow *x = ctx;
	int i = index_of(va);
	const struct md_page *p = i < 0 ? NULL : md_page(x->s, (uint32_t)i);
	const struct md_frame *f = p && p->mapped ? md_frame(p->pa) : NULL;

	x->va = va;
	if (!p || !p->mapped) {
		x->what = "a page the model does not map";
		return 1;
	}
	/* what is in a frame, and what was in a slot already, the checks compare */
	if (!(q->flags & VM_SWAPPED) || !f || f->device || f->where == MD_SLOT)
		return 0;
	x->what = "a page that could not follow";
	return move_page(x->s, (uint32_t)i, md_slot_key(q->slot), MD_SLOT) ? 0 : 1;
}

bool md_follow_swap(int s)
{
	struct follow x = { .s = s };
	int rc = pt_vm_iterate(md.sp[s].h, follow_one, &x);

	MD_CHECK(rc == 0, "space %d at 0x%x: %s (%d)", md.sp[s].h, x.va, x.what, rc);
	return true;
}

int md_want_block_out(int s)
{
	if (s == md.live)
		return -E_BUSY;
	for (uint32_t i = 0; i < md.cfg->npages; i++) {
		const struct md_page *p = md_page(s, i);
		const struct md_frame *f = p->mapped ? md_frame(p->pa) : NULL;
		if (!p->mapped)
			continue;
		if (!f || f->device)
			return -E_BUSY; /* device memory */
		if (f->where == MD_FRAME && f->refs > 1 && !p->cow)
			return -E_BUSY; /* shared memory */
	}
	return 0;
}

bool md_after_block_out(int s, int rc)
{
	int want = md_want_block_out(s);
	struct vm_space_info info;

	if (want < 0) {
		MD_CHECK_RC(rc, want);
		return true;
	}
	MD_CHECK(rc == 0 || rc == -E_NOMEM || rc == -E_IO, "pt_pager_block_out returned %d (%s)", rc,
		 err_name(rc));
	if (rc < 0) /* some pages went; the block stays */
		return md_follow_swap(s);
	MD_CHECK(pt_vm_info(md.sp[s].h, &info) == 0 && info.out, "space %d is not out",
		 md.sp[s].h);
	for (uint32_t i = 0; i < md.cfg->npages; i++)
		if (md_in_frame(md_page(s, i)) &&
		    !move_page(s, i, ++md.out_keys << PAGE_SHIFT | 0x400, MD_OUT))
			return false;
	return true;
}

/* The page is copy-on-write and pt_vm_fault broke the sharing: follow it. */
static bool follow_break(int s, uint32_t i)
{
	struct md_page *p = md_page(s, i);
	struct vm_mapping q;
	paddr_t old = p->pa;
	int rc = pt_vm_query(md.sp[s].h, md_va(i), &q);

	MD_CHECK(rc == 0, "the page is gone after the fault: %d", rc);
	p->cow = false;
	md.cow_breaks++;
	if (md_refs(old) == 1) { /* the last owner keeps the frame */
		MD_CHECK(q.pa == old, "the last owner got a copy 0x%x of 0x%x", q.pa, old);
		return true;
	}
	if (!new_copy(q.pa, old))
		return false;
	drop(old);
	p->pa = q.pa;
	return true;
}

bool md_after_fault(int s, uint32_t i, vaddr_t va, uint32_t err, int rc, bool *broke)
{
	const struct md_page *p = md_page(s, i);

	if (md_swapped(p)) {
		int want = swap_allows(p, err) ? 0 : -E_FAULT;
		MD_CHECK(rc == want, "pt_vm_fault(%d, 0x%x, 0x%x) of a page in swap returned %d (%s), "
			 "want %d", md.sp[s].h, va, err, rc, err_name(rc), want);
		*broke = rc == 0;
		return rc == 0 ? follow_in(s, i) : true;
	}
	bool allowed = p->mapped && md_predict(p, err) == 0;
	int want = (allowed || md_breaks_cow(p, err)) ? 0 : -E_FAULT;

	*broke = false;
	MD_CHECK(rc == want, "pt_vm_fault(%d, 0x%x, 0x%x) returned %d (%s), want %d", md.sp[s].h,
		 va, err, rc, err_name(rc), want);
	*broke = rc == 0 && !allowed;
	return *broke ? follow_break(s, i) : true;
}

/* Whether demand-zero memory with rights zero_flags (0: none) lets the access in. */
static bool zero_allows(uint32_t access, uint32_t zero_flags)
{
	struct md_page z = { 0, true, zero_flags & VM_USER, zero_flags & VM_WRITE, false };

	return zero_flags && md_predict(&z, access) == 0;
}

bool md_resolve_allocates(int s, uint32_t i, uint32_t access, uint32_t zero_flags)
{
	const struct md_page *p = md_page(s, i);

	if (!p->mapped)
		return zero_allows(access, zero_flags);
	if (md_swapped(p))
		return swap_allows(p, access);
	return md_predict(p, access) != 0 && md_breaks_cow(p, access) && md_refs(p->pa) > 1;
}

bool md_after_resolve(int s, uint32_t i, vaddr_t va, uint32_t access, uint32_t zero_flags,
		      int rc, paddr_t pa)
{
	const struct md_page *p = md_page(s, i);

	if (md_swapped(p))
		return resolved_in(s, i, va, access, rc, pa);
	bool allowed = p->mapped && md_predict(p, access) == 0;
	bool breaks = p->mapped && !allowed && md_breaks_cow(p, access);
	bool zero = !p->mapped && zero_allows(access, zero_flags);
	int want = (allowed || breaks || zero) ? 0 : -E_FAULT;

	MD_CHECK(rc == want, "pt_vm_resolve(%d, 0x%x, 0x%x, 0x%x) returned %d (%s), want %d",
		 md.sp[s].h, va, access, zero_flags, rc, err_name(rc), want);
	if (rc < 0)
		return true;
	if (breaks && !follow_break(s, i))
		return false;
	if (zero && !md_after_map_zero(s, i, zero_flags, 0))
		return false;
	MD_CHECK(pa == (p->pa | (va & PAGE_MASK)), "pt_vm_resolve gave 0x%x for 0x%x, want 0x%x", pa,
		 va, p->pa | (va & PAGE_MASK));
	return true;
}

bool md_access_done(const struct md_page *p, uint32_t off, uint32_t how, uint32_t wrote,
		    uint32_t val)
{
	md.accesses++;
	if (how & PROBE_WRITE) {
		md_write(p->pa, off, wrote);
		return true;
	}
	MD_CHECK(val == md_word(p->pa, off), "read 0x%x, want 0x%x", val, md_word(p->pa, off));
	return true;
}

bool md_retry(const struct md_page *p, vaddr_t va, uint32_t off, uint32_t how, uint32_t wrote)
{
	uint32_t val = wrote, got;

	MD_CHECK(md_predict(p, how) == 0, "the model does not allow the retried access");
	got = probe(va, how, &val);
	MD_CHECK(got == 0, "the retried access returned 0x%x", got);
	return md_access_done(p, off, how, wrote, val);
}

bool md_access(int s, uint32_t i, uint32_t off, uint32_t how, uint32_t wrote,
	       md_resolve_fn resolve)
{
	const struct md_page *p = s < 0 ? NULL : md_page(s, i);
	vaddr_t va = md_va(i) + off;
	uint32_t val = wrote, want = md_predict(p, how), got;
	bool retry;

	md_describe("%s%s 0x%x in %d", how & PROBE_USER ? "user " : "kernel ",
		    how & PROBE_WRITE ? "write" : "read", va, md_handle(s));
	if (want == 0 && !md_frame(p->pa))
		return true; /* device memory that is not RAM: never touched */
	got = probe(va, how, &val);
	MD_CHECK(got == want, "probe returned 0x%x, want 0x%x", got, want);
	if (got == 0)
		return md_access_done(p, off, how, wrote, val);
	if (s < 0)
		return true;
	if (!resolve(s, i, va, got & ~PROBE_FAULTED, &retry))
		return false;
	return retry ? md_retry(p, va, off, how, wrote) : true;
}

bool md_kernel_probe(uint32_t pick)
{
	uint32_t how = (pick & 4) ? PROBE_USER : 0, val = 0, got, want;
	struct vm_space_info info;

	switch (pick % 3) {
	case 0:
		md_describe("probe the null page, how 0x%x", how);
		got = probe(4 * ((pick >> 4) % (PAGE_SIZE / 4)), how, &val);
		want = PROBE_FAULTED | how;
		break;
	case 1:
		md_describe("probe the last kmap slot, how 0x%x", how);
		got = probe(KMAP_BASE + (KMAP_SLOTS - 1) * PAGE_SIZE, how, &val);
		want = PROBE_FAULTED | how;
		break;
	default: /* at kzone_va, supervisor only; the kernel only reads it */
		if (md.live < 0 || pt_vm_info(md.sp[md.live].h, &info) < 0)
			return true;
		how |= (how && (pick & 8)) ? PROBE_WRITE : 0;
		md_describe("probe the live block 0x%x, how 0x%x", info.block, how);
		got = probe(kzone_va(info.block), how, &val);
		want = how ? PROBE_FAULTED | PF_P | how : 0;
		break;
	}
	MD_CHECK(got == want, "probe returned 0x%x, want 0x%x", got, want);
	return true;
}

/* ---- bad arguments ----------------------------------------------------------------------- */

/* Addresses outside user space (the kernel at PT_PHYS_OFFSET + pa): no user mapping there. */
static const vaddr_t kernel_va[] = { 0, PT_PHYS_OFFSET + 0x00001000u, PT_PHYS_OFFSET + 0x00100000u,
				     GATE_BASE, KMAP_BASE, USER_BASE - PAGE_SIZE };

/* Bits a caller's flags may not hold: hardware bits the core owns, its own marks, reserved. */
static const uint32_t bad_flag[] = { PG_P, PG_PWT, PG_PCD, PG_A, PG_D, PG_PS, PG_G,
				     VM_COW, PG_COW_W, BIT(12), BIT(31) };

/* The calls a bad call makes. */
enum bad_fn {
	F_MAP, F_MAP_RANGE, F_MAP_ZERO, F_UNMAP, F_UNMAP_RANGE, F_PROTECT, F_QUERY, F_TRANSLATE,
	F_CLONE, F_FAULT, F_ITERATE, F_INFO, F_DESTROY, F_ACTIVATE,
	F_ANY, /* each of the above, by the pick (handle_calls) */
};

/* The argument a bad call gets wrong, and how; the pick chooses among the variants. */
enum bad_arg {
	B_VA_HALF,      /* va half a page in */
	B_VA_WORD,      /* va a word in */
	B_VA_KERNEL,    /* va below user space (kernel_va) */
	B_VA_UNMAPPED,  /* va outside the layout, never mapped */
	B_PA_WORD,      /* the frame a word in */
	B_PA_KZONE,     /* a kernel-zone frame: low, the last, the space's block, a tracker page */
	B_PA_FREE,      /* a frame the test just freed */
	B_PA_WRAP,      /* 2 frames that wrap past 4 GiB or reach the kernel zone */
	B_FLAGS,        /* a flag bit callers may not give (bad_flag) */
	B_NO_PAGES,     /* n == 0 */
	B_PAST_END,     /* 5 pages from one of the last 4 pages of memory */
	B_RANGE,        /* a range unaligned, empty or outside user space (bad_ranges) */
	B_MODE,         /* a clone mode that is none */
	B_FAULT_KERNEL, /* a fault at a kernel address */
	B_STOP,         /* nothing bad: the visitor stops at the first mapping, with 77 */
	B_HANDLE,       /* a handle that names no space (bad_handle) */
};

/*
 * The bad calls, by kind: the call (or `alt`, when the pick has alt_bit),
 * the argument it gets wrong, and the error it must return (0: the bad
 * argument's variant says).  Row `kind` keeps its place: the fuzz inputs
 * (fuzz/seeds.py, fuzz/corpus, fuzz/regressions) name calls by it.
 */
static const struct bad_call {
	enum bad_fn fn;
	enum bad_arg bad;
	int want;
	enum bad_fn alt;
	uint32_t alt_bit;
} bad_calls[] = {
	/*         call         bad argument    error     or alt,        with alt_bit */
	/*  0 */ { F_MAP,       B_VA_HALF,      -E_INVAL, F_MAP,         0     },
	/*  1 */ { F_MAP,       B_VA_KERNEL,    -E_RANGE, F_MAP,         0     },
	/*  2 */ { F_MAP,       B_PA_WORD,      -E_INVAL, F_MAP,         0     },
	/*  3 */ { F_MAP,       B_PA_KZONE,     -E_RANGE, F_MAP,         0     },
	/*  4 */ { F_MAP,       B_FLAGS,        -E_INVAL, F_MAP,         0     },
	/*  5 */ { F_MAP_RANGE, B_PA_FREE,      -E_FREE,  F_MAP,         0x1   },
	/*  6 */ { F_MAP_RANGE, B_NO_PAGES,     -E_INVAL, F_MAP_RANGE,   0     },
	/*  7 */ { F_MAP_RANGE, B_PAST_END,     -E_RANGE, F_MAP_RANGE,   0     },
	/*  8 */ { F_MAP_RANGE, B_PA_WRAP,      -E_RANGE, F_MAP_RANGE,   0     },
	/*  9 */ { F_MAP_RANGE, B_FLAGS,        -E_INVAL, F_MAP_RANGE,   0     },
	/* 10 */ { F_MAP_ZERO,  B_VA_KERNEL,    -E_RANGE, F_MAP_ZERO,    0     },
	/* 11 */ { F_MAP_ZERO,  B_FLAGS,        -E_INVAL, F_MAP_ZERO,    0     },
	/* 12 */ { F_MAP_ZERO,  B_VA_WORD,      -E_INVAL, F_MAP_ZERO,    0     },
	/* 13 */ { F_UNMAP,     B_VA_WORD,      -E_INVAL, F_UNMAP,       0     },
	/* 14 */ { F_UNMAP,     B_VA_KERNEL,    -E_RANGE, F_UNMAP,       0     },
	/* 15 */ { F_PROTECT,   B_RANGE,        0,        F_UNMAP_RANGE, 0x100 },
	/* 16 */ { F_PROTECT,   B_FLAGS,        -E_INVAL, F_PROTECT,     0     },
	/* 17 */ { F_TRANSLATE, B_VA_KERNEL,    -E_RANGE, F_QUERY,       0x1   },
	/* 18 */ { F_CLONE,     B_MODE,         -E_INVAL, F_CLONE,       0     },
	/* 19 */ { F_FAULT,     B_FAULT_KERNEL, -E_FAULT, F_FAULT,       0     },
	/* 20 */ { F_UNMAP,     B_VA_UNMAPPED,  -E_NOENT, F_UNMAP,       0     },
	/* 21 */ { F_ITERATE,   B_STOP,         0,        F_ITERATE,     0     },
	/* 22 */ { F_ANY,       B_HANDLE,       -E_BADH,  F_ANY,         0     },
};

_Static_assert(ARRAY_SIZE(bad_calls) == MD_BAD_KINDS, "a row for every kind of bad call");

/* Ranges for pt_vm_unmap_range and pt_vm_protect (B_RANGE), with their errors. */
static const struct {
	vaddr_t va;
	uint32_t n;
	int want;
} bad_ranges[] = {
	{ USER_BASE, 0, -E_INVAL },
	{ USER_BASE + 4, 1, -E_INVAL },
	{ USER_BASE - PAGE_SIZE, 2, -E_RANGE },
	{ USER_LAST, 2, -E_RANGE },
	{ 0, 1, -E_RANGE },
	{ USER_BASE + 0x40000000u, 0x80001u, -E_RANGE }, /* identity: from 0x80000000 past 4 GiB */
};

/* The calls B_HANDLE makes, chosen by the pick's bits 16 and up (or `alt` with bit 8). */
static const struct {
	enum bad_fn fn, alt;
	uint32_t n, flags;
} handle_calls[] = {
	{ F_MAP, F_MAP, 1, 0 },
	{ F_MAP_RANGE, F_MAP_RANGE, 3, VM_USER },
	{ F_MAP_ZERO, F_MAP_ZERO, 1, 0 },
	{ F_UNMAP, F_UNMAP, 1, 0 },
	{ F_UNMAP_RANGE, F_UNMAP_RANGE, 2, 0 },
	{ F_PROTECT, F_PROTECT, 1, 0 },
	{ F_QUERY, F_QUERY, 1, 0 },
	{ F_TRANSLATE, F_TRANSLATE, 1, 0 },
	{ F_CLONE, F_CLONE, 1, 0 },
	{ F_FAULT, F_FAULT, 1, 0 },
	{ F_DESTROY, F_INFO, 1, 0 },
	{ F_ACTIVATE, F_ACTIVATE, 1, 0 },
};

/* One call's arguments: each call reads those it takes. */
struct bad_args {
	enum bad_fn fn;
	int h;
	vaddr_t va;
	paddr_t pa;
	uint32_t n, flags;
	enum vm_clone_mode mode;
	uint32_t err; /* pt_vm_fault's error code */
	int want;     /* what the call must return */
};

/* A handle that names no user address space; 0, the master's, only if zero_ok. */
static int bad_handle(uint32_t pick, bool zero_ok)
{
	static const int bad[] = { -1, (int)0x80000000u, (int)TRK_MAX, (int)TRK_MAX - 1,
				   0x7FFFFFFF, 0 };

	if ((pick & 8) && md.dead > 0 && md_slot_of(md.dead) < 0)
		return md.dead;
	return bad[pick % (zero_ok ? ARRAY_SIZE(bad) : ARRAY_SIZE(bad) - 1)];
}

/* B_HANDLE: the call handle_calls chooses, with a bad handle (the master may be activated). */
static void handle_call(struct bad_args *x, uint32_t pick)
{
	uint32_t k = (pick >> 16) % ARRAY_SIZE(handle_calls);

	x->fn = (pick & 0x100) ? handle_calls[k].alt : handle_calls[k].fn;
	x->h = bad_handle(pick, x->fn != F_ACTIVATE);
	x->n = handle_calls[k].n;
	x->flags = handle_calls[k].flags;
	x->mode = (pick & 0x100) ? VM_CLONE_COW : VM_CLONE_EAGER;
	x->err = PF_W | PF_P;
}

/* A frame of the kernel zone, chosen by c: never a user mapping's. */
static paddr_t kzone_frame(int h, uint32_t c)
{
	struct vm_space_info info;

	pt_vm_info(h, &info);
	const paddr_t kz[] = { FRAME_LOW_RESERVED, pt_frame_kzone_end() - PAGE_SIZE,
			       info.block ? info.block : pt_trk_page_addr(0), pt_trk_page_addr(0) };
	return kz[c % ARRAY_SIZE(kz)];
}

/* Make argument `bad` of x bad, in the variant the pick chooses. */
static void make_bad(enum bad_arg bad, struct bad_args *x, const struct md_bad *a)
{
	uint32_t c = a->pick & 0xFF;
	vaddr_t kva = kernel_va[(a->pick >> 16) % ARRAY_SIZE(kernel_va)];

	switch (bad) {
	case B_VA_HALF: x->va += 0x800; break;
	case B_VA_WORD: x->va += 4; break;
	case B_VA_KERNEL: x->va = kva; break;
	case B_VA_UNMAPPED:
		ASSERT(index_of(0x50000000u) < 0); /* the layout leaves it out */
		x->va = 0x50000000u;
		break;
	case B_PA_WORD: x->pa += 4; break;
	case B_PA_KZONE: x->pa = kzone_frame(x->h, c); break;
	case B_PA_FREE:
		x->pa = fx_user_frame(0);
		pt_frame_free(x->pa);
		break;
	case B_PA_WRAP:
		x->pa = (c & 1) ? 0xFFFFF000u : FRAME_LOW_RESERVED - PAGE_SIZE;
		x->n = 2;
		break;
	case B_FLAGS: x->flags |= bad_flag[(a->pick >> 8) % ARRAY_SIZE(bad_flag)]; break;
	case B_NO_PAGES: x->n = 0; break;
	case B_PAST_END:
		x->va = USER_LAST - PAGE_SIZE * (c % 4);
		x->n = 5;
		break;
	case B_RANGE: {
		uint32_t i = c % ARRAY_SIZE(bad_ranges);
		x->va = bad_ranges[i].va;
		x->n = bad_ranges[i].n;
		x->want = bad_ranges[i].want;
		break;
	}
	case B_MODE: x->mode = (enum vm_clone_mode)(2 + c); break;
	case B_FAULT_KERNEL:
		x->va = kva + (c & 0xFFC);
		x->err = c & (PF_P | PF_W | PF_U);
		break;
	case B_STOP: x->want = md.sp[a->s].nmapped > 0 ? 77 : 0; break;
	case B_HANDLE: handle_call(x, a->pick); break;
	}
}

static int stop_at_first(vaddr_t va, const struct vm_mapping *q, void *ctx)
{
	(void)va, (void)q, (void)ctx;
	return 77;
}

/* Make the call x names; returns what it returned. */
static int make_call(const struct bad_args *x)
{
	struct vm_mapping q;
	struct vm_space_info info;
	paddr_t pa;

	switch (x->fn) {
	case F_MAP: return pt_vm_map(x->h, x->va, x->pa, x->flags);
	case F_MAP_RANGE: return pt_vm_map_range(x->h, x->va, x->pa, x->n, x->flags);
	case F_MAP_ZERO: return pt_vm_map_zero(x->h, x->va, x->flags);
	case F_UNMAP: return pt_vm_unmap(x->h, x->va);
	case F_UNMAP_RANGE: return pt_vm_unmap_range(x->h, x->va, x->n);
	case F_PROTECT: return pt_vm_protect(x->h, x->va, x->n, x->flags);
	case F_QUERY: return pt_vm_query(x->h, x->va, &q);
	case F_TRANSLATE: return pt_vm_translate(x->h, x->va, &pa);
	case F_CLONE: return pt_vm_clone(x->h, x->mode);
	case F_FAULT: return pt_vm_fault(x->h, x->va, x->err);
	case F_ITERATE: return pt_vm_iterate(x->h, stop_at_first, NULL);
	case F_INFO: return pt_vm_info(x->h, &info);
	case F_DESTROY: return pt_vm_destroy(x->h);
	default: return pt_vm_activate(x->h); /* F_ACTIVATE; make_bad replaces F_ANY */
	}
}

/* The arguments after the handle a call may take, in its order. */
#define A_VA BIT(0)
#define A_PA BIT(1)
#define A_N BIT(2)
#define A_FLAGS BIT(3)
#define A_MODE BIT(4)
#define A_ERR BIT(5)

/* Each call's name, and the arguments it takes. */
static const struct {
	const char *name;
	uint32_t takes;
} fn_info[] = {
	[F_MAP] = { "pt_vm_map", A_VA | A_PA | A_FLAGS },
	[F_MAP_RANGE] = { "pt_vm_map_range", A_VA | A_PA | A_N | A_FLAGS },
	[F_MAP_ZERO] = { "pt_vm_map_zero", A_VA | A_FLAGS },
	[F_UNMAP] = { "pt_vm_unmap", A_VA },
	[F_UNMAP_RANGE] = { "pt_vm_unmap_range", A_VA | A_N },
	[F_PROTECT] = { "pt_vm_protect", A_VA | A_N | A_FLAGS },
	[F_QUERY] = { "pt_vm_query", A_VA },
	[F_TRANSLATE] = { "pt_vm_translate", A_VA },
	[F_CLONE] = { "pt_vm_clone", A_MODE },
	[F_FAULT] = { "pt_vm_fault", A_VA | A_ERR },
	[F_ITERATE] = { "pt_vm_iterate", 0 },
	[F_INFO] = { "pt_vm_info", 0 },
	[F_DESTROY] = { "pt_vm_destroy", 0 },
	[F_ACTIVATE] = { "pt_vm_activate", 0 },
};

/* Name the call: "bad call 4: pt_vm_map(3, 0x40003000, 0xf0000000, 0x80000006)". */
static void describe(uint32_t kind, const struct bad_args *x)
{
	const uint32_t arg[] = { x->va, x->pa, x->n, x->flags, x->mode, x->err }; /* A_xxx order */
	char args[80] = "";
	size_t len = 0;

	for (uint32_t i = 0; i < ARRAY_SIZE(arg); i++)
		if (fn_info[x->fn].takes & BIT(i))
			len += ksnprintf(args + len, sizeof(args) - len, ", 0x%x", arg[i]);
	md_describe("bad call %u: %s(%d%s)", kind, fn_info[x->fn].name, x->h, args);
}

bool md_bad_call(uint32_t kind, const struct md_bad *a)
{
	ASSERT(kind < MD_BAD_KINDS);
	const struct bad_call *b = &bad_calls[kind];
	struct bad_args x = {
		.fn = (a->pick & b->alt_bit) ? b->alt : b->fn,
		.h = md.sp[a->s].h, .va = a->va, .pa = a->pa, .n = 1, .flags = a->flags,
		.mode = VM_CLONE_EAGER, .want = b->want,
	};
	int rc;

	make_bad(b->bad, &x, a);
	describe(kind, &x);
	rc = make_call(&x);
	MD_CHECK_RC(rc, x.want);
	return true;
}

/* ---- checks ----------------------------------------------------------------------------- */

bool md_check_live(void)
{
	MD_CHECK(pt_vm_live() == md_handle(md.live), "live space %d, want %d", pt_vm_live(),
		 md_handle(md.live));
	return true;
}

bool md_check_pages(int s)
{
	const struct md_space *sp = &md.sp[s];
	struct vm_mapping q;

	for (uint32_t i = 0; i < md.cfg->npages; i++) {
		const struct md_page *p = &sp->page[i];
		int rc = pt_vm_query(sp->h, md_va(i), &q);
		if (!p->mapped) {
			MD_CHECK(rc == -E_NOENT,
				 "space %d page 0x%x: query returned %d, want E_NOENT", sp->h,
				 md_va(i), rc);
			continue;
		}
		MD_CHECK(rc == 0 && same_mapping(s, i, &q),
			 "space %d page 0x%x: query returned %d, 0x%x flags 0x%x; "
			 "want 0x%x flags 0x%x",
			 sp->h, md_va(i), rc, q.pa, q.flags, p->pa, md_flags(p));
	}
	return true;
}

bool md_check_page_refs(int s)
{
	for (uint32_t i = 0; i < md.cfg->npages; i++) {
		const struct md_page *p = md_page(s, i);
		if (!md_in_frame(p))
			continue;
		MD_CHECK(pt_frame_refcount(p->pa) == (int)md_refs(p->pa),
			 "frame 0x%x has %d references, want %u", p->pa, pt_frame_refcount(p->pa),
			 md_refs(p->pa));
	}
	return true;
}

struct visit {
	int s;
	uint32_t count;
	vaddr_t last, bad;
	bool unordered;
};

static int visit_mapping(vaddr_t va, const struct vm_mapping *q, void *ctx)
{
	struct visit *v = ctx;
	int i = index_of(va);

	v->bad = va;
	v->unordered = v->count > 0 && va <= v->last;
	if (v->unordered || i < 0)
		return 1;
	const struct md_page *p = md_page(v->s, (uint32_t)i);
	if (!p->mapped || !same_mapping(v->s, (uint32_t)i, q))
		return 1;
	v->last = va;
	v->count++;
	return 0;
}

/* pt_vm_iterate stopped at v->bad: out of order, or a mapping the model does not have. */
static bool report_listing(const struct visit *v)
{
	int h = md.sp[v->s].h, i = index_of(v->bad);
	const struct md_page *p = i < 0 ? NULL : md_page(v->s, (uint32_t)i);
	struct vm_mapping q = { 0 };

	MD_CHECK(!v->unordered, "space %d: pt_vm_iterate went back to 0x%x", h, v->bad);
	pt_vm_query(h, v->bad, &q);
	md_fail(__FILE__, __LINE__,
		"space %d maps 0x%x to 0x%x flags 0x%x; the model: %s 0x%x flags 0x%x", h, v->bad,
		q.pa, q.flags, p && p->mapped ? "mapped" : "nothing", p ? p->pa : 0,
		p ? md_flags(p) : 0);
	return false;
}

/* A space whose block is out: what its tracker says, and every page in swap in the model. */
static bool check_out_listing(int s, const struct vm_space_info *info, uint32_t tables)
{
	const struct md_space *sp = &md.sp[s];

	MD_CHECK(info->mapped == sp->nmapped && info->swapped == sp->nmapped &&
			 info->tables == tables && info->pages == 0 && !info->lost,
		 "space %d, out: pt_vm_info says %u pages (%u in swap) in %u tables, want %u in %u",
		 sp->h, info->mapped, info->swapped, info->tables, sp->nmapped, tables);
	for (uint32_t i = 0; i < md.cfg->npages; i++)
		MD_CHECK(!sp->page[i].mapped || md_swapped(&sp->page[i]),
			 "space %d is out, but the model has page 0x%x in a frame", sp->h, md_va(i));
	return true;
}

bool md_check_listing(int s)
{
	const struct md_space *sp = &md.sp[s];
	struct visit v = { .s = s };
	struct vm_space_info info;
	uint32_t tables = 0;

	for (uint32_t t = 0; t < md.ntables; t++)
		tables += sp->in_table[t] > 0;
	if (pt_vm_info(sp->h, &info) == 0 && info.out)
		return check_out_listing(s, &info, tables);
	if (pt_vm_iterate(sp->h, visit_mapping, &v) != 0)
		return report_listing(&v);
	MD_CHECK(v.count == sp->nmapped, "space %d lists %u mappings, the model has %u", sp->h,
		 v.count, sp->nmapped);
	int rc = pt_vm_info(sp->h, &info);
	MD_CHECK(rc == 0 && info.mapped == sp->nmapped && info.tables == tables,
		 "space %d: pt_vm_info says %u pages in %u tables, want %u in %u", sp->h, info.mapped,
		 info.tables, sp->nmapped, tables);
	MD_CHECK(tables == 0 ? info.pages == 2 : info.pages < 4 * (1 + tables),
		 "space %d: a block of %u pages for %u tables", sp->h, info.pages, tables);
	return true;
}

bool md_check_translate(int s, uint32_t i, uint32_t off)
{
	const struct md_page *p = md_page(s, i);
	int h = md.sp[s].h;
	vaddr_t va = md_va(i) + off;
	struct vm_mapping q;
	paddr_t pa = 0;
	int rc = pt_vm_translate(h, va, &pa);

	if (!p->mapped) {
		MD_CHECK_RC(rc, -E_NOENT);
		rc = pt_vm_query(h, va, &q);
		MD_CHECK_RC(rc, -E_NOENT);
		return true;
	}
	if (md_swapped(p)) /* no frame holds it */
		MD_CHECK_RC(rc, -E_NOENT);
	else
		MD_CHECK(rc == 0 && pa == p->pa + off,
			 "translate 0x%x in %d gave %d, 0x%x; want 0x%x", va, h, rc, pa,
			 p->pa + off);
	rc = pt_vm_query(h, va, &q);
	MD_CHECK(rc == 0 && same_mapping(s, i, &q),
		 "query 0x%x in %d gave %d, 0x%x flags 0x%x; want 0x%x flags 0x%x", va, h, rc,
		 q.pa, q.flags, p->pa, md_flags(p));
	return true;
}

/*
 * With the free count (md_check_counts), the frames the model holds cover
 * those it does not: one the core kept without the model would leave a
 * frame short.
 */
bool md_check_frames(void)
{
	for (uint32_t e = 0; e < md.cfg->nframes; e++) {
		const struct md_frame *f = &md.cfg->frames[e];
		if (!f->used || f->device || f->where != MD_FRAME)
			continue;
		int refs = pt_frame_refcount(f->pa);
		MD_CHECK(refs == (int)f->refs, "frame 0x%x has %d references, want %u", f->pa, refs,
			 f->refs);
	}
	for (uint32_t k = 0; k < md.ndied; k++)
		MD_CHECK(md_frame(md.died[k]) || pt_frame_refcount(md.died[k]) == 0,
			 "frame 0x%x lost its last mapping but is not free", md.died[k]);
	md.ndied = 0;
	return true;
}

bool md_check_counts(void)
{
	uint32_t spaces = md.start.spaces + (uint32_t)md_used_slots(NULL);
	struct md_counts now;

	count(&now);
	MD_CHECK(now.user_free + md.frames_used == md.start.user_free,
		 "%u free user frames, with %u in use want %u", now.user_free, md.frames_used,
		 md.start.user_free);
	MD_CHECK(now.kernel_free + (now.block_pages - md.start.block_pages) +
				 (now.tracker_pages - md.start.tracker_pages) ==
			 md.start.kernel_free,
		 "%u free kernel frames do not match %u block pages and %u tracker pages",
		 now.kernel_free, now.block_pages, now.tracker_pages);
	MD_CHECK(now.spaces == spaces, "%u address spaces, want %u", now.spaces, spaces);
	MD_CHECK(now.kmap == md.start.kmap, "%u kmap slots in use", now.kmap);
	return true;
}

bool md_check_data(void)
{
	for (uint32_t e = 0; e < md.cfg->nframes; e++) {
		const struct md_frame *f = &md.cfg->frames[e];
		uint32_t w[3];
		if (!f->used || f->where == MD_OUT || (f->where == MD_SLOT && !md.cfg->read_slot))
			continue;
		if (f->where == MD_SLOT)
			md.cfg->read_slot(f->pa >> PAGE_SHIFT, w);
		else
			md.cfg->read(f->pa, w);
		MD_CHECK(w[0] == f->w0 && w[1] == f->fill && w[2] == f->wlast,
			 "frame 0x%x holds 0x%x..0x%x..0x%x, want 0x%x..0x%x..0x%x", f->pa, w[0],
			 w[1], w[2], f->w0, f->fill, f->wlast);
	}
	return true;
}

bool md_check_no_frames(void)
{
	MD_CHECK(md.frames_used == 0 && md.swapped == 0, "the model still holds %u frames and %u "
		 "pages in swap", md.frames_used, md.swapped);
	return true;
}

bool md_check_as_booted(void)
{
	struct md_counts now;

	count(&now);
	MD_CHECK(now.user_free == pt_frame_total_count(ZONE_USER), "%u of %u user frames free",
		 now.user_free, pt_frame_total_count(ZONE_USER));
	MD_CHECK(now.kernel_free == md.start.kernel_free && now.spaces == 0 &&
			 now.tracker_pages == md.start.tracker_pages &&
			 now.block_pages == md.start.block_pages,
		 "%u free kernel frames (want %u), %u spaces, %u tracker pages (want %u), %u block "
		 "pages (want %u)",
		 now.kernel_free, md.start.kernel_free, now.spaces, now.tracker_pages,
		 md.start.tracker_pages, now.block_pages, md.start.block_pages);
	return true;
}
