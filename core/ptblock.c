/*
 * ptblock.c - growable page-table blocks (see ptblock.h for the plan).
 */
#include "ptblock.h"
#include "debug.h"
#include "errors.h"
#include "frame.h"
#include "layout.h"
#include "lib.h"
#include "lock.h"
#include "seam.h"
#include "swap.h"
#include "tlb.h"
#include "tracker.h"

static struct ptb_stats stats;

uint16_t *pt_ptb_live_counts;
uint8_t *pt_ptb_kzone;

void pt_ptb_init(void)
{
	stats = (struct ptb_stats){ 0 };
	pt_ptb_live_counts = pt_frame_kzone_words();
	pt_ptb_kzone = hw_phys(FRAME_LOW_RESERVED);
}

static void *page_of(paddr_t base, uint32_t i) { return pt_ptb_kzone_ptr(base + i * PAGE_SIZE); }


/* The tracker of block idx, which callers know to be in use (vmspace checks handles). */
static struct pg_tracker *block_in_use(int idx)
{
	struct pg_tracker *t = pt_trk_get(idx);

	DEBUG_ASSERT(t != NULL);
	return t;
}

/* Copy the live counts of the n pages from src to the n pages from dst. */
static void copy_counts(paddr_t dst, paddr_t src, uint32_t n)
{
	memcpy(pt_ptb_live(dst), pt_ptb_live(src), (size_t)n * sizeof(*pt_ptb_live_counts));
}

static void pin_pages(paddr_t base, uint32_t from, uint32_t to)
{
	if (to > from && pt_frame_pin_run(base + from * PAGE_SIZE, to - from) < 0)
		panic("pin_pages: block frames at 0x%x cannot be pinned", base);
}

/* Unpin and free pages [from, to) of the run at base. */
static void release_pages(paddr_t base, uint32_t from, uint32_t to)
{
	if (pt_frame_free_pinned_run(base + from * PAGE_SIZE, to - from) < 0)
		panic("release_pages: block frames at 0x%x cannot be freed", base);
}

void pt_ptb_note_peaks(void)
{
	pt_count_peak(&stats.pages_peak, __atomic_load_n(&stats.pages, __ATOMIC_RELAXED));
	pt_count_peak(&stats.tables_peak, __atomic_load_n(&stats.tables, __ATOMIC_RELAXED));
}

/* Change the totals; the peaks follow, but not for a block being made (pt_ptb_note_peaks). */
static void count_pages_quietly(int32_t pages, int32_t tables)
{
	pt_count_add(&stats.pages, (uint32_t)pages);
	pt_count_add(&stats.tables, (uint32_t)tables);
}

static void count_pages(int32_t pages, int32_t tables)
{
	count_pages_quietly(pages, tables);
	pt_ptb_note_peaks();
}


/* A new block's run: its directory zeroed; its other pages are spares, zeroed when linked. */
static int alloc_block(uint32_t pages, paddr_t *base)
{
	int rc;

	if (pages < PTB_MIN_PAGES || pages > PTB_MAX_PAGES)
		return -E_INVAL;
	if ((rc = pt_frame_alloc_pinned_run(pages, base)) < 0)
		return rc;
	memset(page_of(*base, 0), 0, PAGE_SIZE);
	pt_count(&stats.blocks);
	count_pages_quietly((int32_t)pages, 0);
	return 0;
}

int pt_ptb_alloc(uint32_t pages, paddr_t *base)
{
	int rc = alloc_block(pages, base);

	pt_ptb_note_peaks();
	return rc;
}

/* Undo alloc_block. */
static void unalloc(paddr_t base, uint32_t pages)
{
	release_pages(base, 0, pages);
	pt_count_add(&stats.blocks, (uint32_t)-1);
	count_pages_quietly(-(int32_t)pages, 0);
}

int pt_ptb_create(uint32_t pages)
{
	paddr_t base;
	int rc, idx;

	if ((rc = alloc_block(pages, &base)) < 0)
		return rc;
	if ((idx = pt_trk_claim(base, 0, pages)) < 0)
		unalloc(base, pages);
	return idx;
}

/* Give back the run of slots a block that is out lies in. */
static void free_run(const struct pg_tracker *t)
{
	if (pt_swap_free_run(pt_trk_out_slot(t), pt_ptb_used(t)) < 0)
		panic("free_run: the slots of a block out at %u cannot be freed", pt_trk_out_slot(t));
}

void pt_ptb_destroy(int idx)
{
	struct pg_tracker *t = pt_trk_get(idx);

	if (!t || pt_trk_is_live(t))
		panic("pt_ptb_destroy: block %d is %s", idx, t ? "live" : "not in use");
	if (pt_trk_out(t)) {
		free_run(t);
		pt_count_add(&stats.out, (uint32_t)-1);
	} else { /* the undoing of a clone raises nothing */
		count_pages_quietly(0, -(int32_t)pt_trk_ntables(t));
		unalloc(pt_trk_base(t), t->pcount);
	}
	pt_trk_release(idx);
}

void pt_ptb_copy_kernel_pdes(pde_t *dst, const pde_t *src)
{
	memcpy(dst, src, USER_PDE_FIRST * sizeof(pde_t));
	if (USER_PDE_END < PT_ENTRIES) /* a higher-half layout's: none in the identity one */
		memcpy(&dst[USER_PDE_END], &src[USER_PDE_END],
		       (PT_ENTRIES - USER_PDE_END) * sizeof(pde_t));
}

/* ---- growth --------------------------------------------------------- */

/*
 * Point every PDE of [first, end) of the directory at `pd` that points
 * into [old, old + n pages) into new.
 */
static void rebase_pdes_in(pde_t *pd, uint32_t first, uint32_t end, paddr_t old, uint32_t n,
			   paddr_t new)
{
	for (uint32_t i = first; i < end; i++) {
		paddr_t a = pde_addr(pd[i]);
		if (pde_present(pd[i]) && !(pd[i].v & PG_PS) && a >= old &&
		    a < old + n * PAGE_SIZE)
			pd[i] = make_pde(a - old + new, pde_flags(pd[i]));
	}
}

static void rebase_pdes(pde_t *pd, paddr_t old, uint32_t n, paddr_t new)
{
	rebase_pdes_in(pd, 0, PT_ENTRIES, old, n, new);
}

/* The same for the user PDEs alone: the tables of a block of a user space. */
static void rebase_user_pdes(pde_t *pd, paddr_t old, uint32_t n, paddr_t new)
{
	rebase_pdes_in(pd, USER_PDE_FIRST, USER_PDE_END, old, n, new);
}

/*
 * Copy the used pages of block t, and their live counts, to the start of
 * the run at dst, and point the copy's PDEs into it.  The rest of the run
 * is spare.
 */
static void copy_block(const struct pg_tracker *t, paddr_t dst)
{
	paddr_t src = pt_trk_base(t);
	uint32_t used = pt_ptb_used(t);

	memcpy(page_of(dst, 0), page_of(src, 0), (size_t)used * PAGE_SIZE);
	copy_counts(dst, src, used);
	rebase_pdes(page_of(dst, 0), src, t->pcount, dst);
}

/* Move block t to a new run of `pages` pages. */
static int relocate(struct pg_tracker *t, uint32_t pages)
{
	paddr_t old = pt_trk_base(t), new;
	uint32_t oldcount = t->pcount;
	int rc = pt_frame_alloc_pinned_run(pages, &new);

	DEBUG_ASSERT(pt_trk_live_in_cr3());
	if (rc < 0)
		return rc;
	copy_block(t, new);
	pt_trk_set(t, new, pt_trk_ntables(t), pages);
	pt_tlb_block_moved(t); /* every CPU on it walks the old block until its CR3 moves */
	release_pages(old, 0, oldcount);
	pt_count(&stats.relocations);
	pt_count_add(&stats.pages_copied, pt_ptb_used(t));
	count_pages((int32_t)pages - (int32_t)oldcount, 0);
	return 0;
}

/* Try to extend block t in place to `pages` pages. */
static int extend(struct pg_tracker *t, uint32_t pages)
{
	paddr_t base = pt_trk_base(t);
	uint32_t old = t->pcount;
	int rc = pt_frame_extend_run(base, old, pages - old);

	if (rc < 0)
		return rc;
	pin_pages(base, old, pages);
	t->pcount = pages;
	pt_count(&stats.inplace_growths);
	count_pages((int32_t)(pages - old), 0);
	return 0;
}

int pt_ptb_reserve(struct pg_tracker *t, uint32_t more)
{
	uint32_t need = pt_ptb_used(t) + more;

	DEBUG_ASSERT(!pt_trk_out(t));
	if (need <= t->pcount)
		return 0;
	if (need > PTB_MAX_PAGES)
		return -E_RANGE;
	if (extend(t, need) == 0) /* in place costs no copy: take only what is needed */
		return 0;
	/* a move takes room to double, so that n growths copy O(n) pages in all */
	return relocate(t, MIN(PTB_MAX_PAGES, MAX(need, 2 * t->pcount)));
}

/* ---- linking and unlinking tables ------------------------------------ */

paddr_t pt_ptb_link(struct pg_tracker *t, uint32_t pdi, uint32_t pde_flags)
{
	pde_t *pd = pt_ptb_pd(t);
	uint32_t n = pt_trk_ntables(t) + 1;
	paddr_t table = pt_trk_base(t) + n * PAGE_SIZE;

	if (n >= t->pcount || pde_present(pd[pdi]))
		panic("pt_ptb_link: block 0x%x has no spare slot or PDE %u is present", pt_trk_base(t),
		      pdi);
	memset(pt_ptb_table(table), 0, PAGE_SIZE); /* a spare page holds what it held before */
	*pt_ptb_live(table) = 0;
	pd[pdi] = make_pde(table, pde_flags | PG_P);
	pt_trk_set(t, pt_trk_base(t), n, t->pcount);
	count_pages(0, 1);
	return table;
}

/* The index of the PDE that points at table, or PT_ENTRIES. */
static uint32_t pde_pointing_at(const pde_t *pd, paddr_t table)
{
	for (uint32_t i = 0; i < PT_ENTRIES; i++)
		if (pde_present(pd[i]) && !(pd[i].v & PG_PS) && pde_addr(pd[i]) == table)
			return i;
	return PT_ENTRIES;
}

/* Move the table in slot `from` into slot `to` and repoint its PDE. */
static void move_table(struct pg_tracker *t, uint32_t from, uint32_t to)
{
	paddr_t base = pt_trk_base(t);
	pde_t *pd = pt_ptb_pd(t);
	uint32_t j = pde_pointing_at(pd, base + from * PAGE_SIZE);

	if (j == PT_ENTRIES)
		panic("move_table: no PDE points at slot %u of block 0x%x", from, base);
	/* copy, repoint, invalidate, and only then let the old slot go */
	memcpy(page_of(base, to), page_of(base, from), PAGE_SIZE);
	copy_counts(base + to * PAGE_SIZE, base + from * PAGE_SIZE, 1);
	pd[j] = make_pde(base + to * PAGE_SIZE, pde_flags(pd[j]));
	pt_tlb_page(t, pde_base(j));
	pt_count(&stats.table_moves);
}

/* How many pages a block with `used` pages in use should keep. */
static uint32_t keep_pages(uint32_t used, uint32_t pcount)
{
	if (used == 1)
		return PTB_MIN_PAGES;
	if (used * 4 <= pcount)
		return MAX(PTB_MIN_PAGES, used * 2);
	return pcount;
}

/* Give back the pages of block t past its first `keep`. */
static void cut(struct pg_tracker *t, uint32_t keep)
{
	count_pages(-(int32_t)(t->pcount - keep), 0);
	release_pages(pt_trk_base(t), keep, t->pcount);
	t->pcount = keep;
}

static void shrink(struct pg_tracker *t)
{
	uint32_t keep = keep_pages(pt_ptb_used(t), t->pcount);

	if (keep < t->pcount) {
		cut(t, keep);
		pt_count(&stats.shrinks);
	}
}

void pt_ptb_unlink(struct pg_tracker *t, uint32_t pdi)
{
	pde_t *pd = pt_ptb_pd(t);
	paddr_t base = pt_trk_base(t);
	uint32_t last = pt_trk_ntables(t);
	uint32_t slot = (pde_addr(pd[pdi]) - base) / PAGE_SIZE;

	if (!pde_present(pd[pdi]) || slot == 0 || slot > last || *pt_ptb_live(pde_addr(pd[pdi])))
		panic("pt_ptb_unlink: PDE %u of block 0x%x does not hold an empty table of it", pdi,
		      base);
	pd[pdi] = (pde_t){ 0 };
	pt_tlb_page(t, pde_base(pdi));
	if (slot != last)
		move_table(t, last, slot);
	pt_trk_set(t, base, last - 1, t->pcount);
	count_pages(0, -1);
	shrink(t);
}

int pt_ptb_clone(int src)
{
	struct pg_tracker *s = block_in_use(src);

	DEBUG_ASSERT(!pt_trk_out(s));
	uint32_t pages = MIN(PTB_MAX_PAGES, MAX(PTB_MIN_PAGES, pt_ptb_used(s) + 1));
	paddr_t base;
	int rc, idx;

	if ((rc = pt_frame_alloc_pinned_run(pages, &base)) < 0)
		return rc;
	if ((idx = pt_trk_claim(base, pt_trk_ntables(s), pages)) < 0) {
		release_pages(base, 0, pages);
		return idx;
	}
	copy_block(s, base);
	pt_count(&stats.blocks);
	count_pages_quietly((int32_t)pages, (int32_t)pt_trk_ntables(s));
	return idx;
}

void pt_ptb_trim(struct pg_tracker *t)
{
	uint32_t keep = MAX(PTB_MIN_PAGES, pt_ptb_used(t));

	if (keep < t->pcount)
		cut(t, keep);
}

/* ---- paging a block out and in --------------------------------------------- */

/* The live entries of block t's tables: the pages its space maps. */
static uint32_t mapped_pages(const struct pg_tracker *t)
{
	uint32_t n = 0;

	for (uint32_t s = 1; s <= pt_trk_ntables(t); s++)
		n += *pt_ptb_live(pt_trk_base(t) + s * PAGE_SIZE);
	return n;
}

/*
 * Write the used pages of block t to the run from `first`; the user PDEs
 * say, meanwhile, which page of the block each table is (base 0).  On a
 * failure the slot that failed is retired, the PDEs point into the block
 * again, and the error is returned.
 */
static int write_block(struct pg_tracker *t, uint32_t first)
{
	paddr_t base = pt_trk_base(t);
	pde_t *pd = pt_ptb_pd(t);
	int rc = 0;

	rebase_user_pdes(pd, base, t->pcount, 0);
	for (uint32_t i = 0; i < pt_ptb_used(t) && rc == 0; i++) {
		rc = pt_swap_write(first + i, base + i * PAGE_SIZE);
		if (rc < 0)
			pt_swap_retire(first + i);
	}
	if (rc < 0)
		rebase_user_pdes(pd, 0, pt_ptb_used(t), base);
	return rc;
}

int pt_ptb_out(struct pg_tracker *t)
{
	uint32_t used = pt_ptb_used(t), mapped = mapped_pages(t);
	int first, rc;

	DEBUG_ASSERT(!pt_trk_out(t));
	if (pt_trk_is_live(t))
		return -E_BUSY;
	if ((first = pt_swap_alloc_run(used)) < 0)
		return first;
	if ((rc = write_block(t, (uint32_t)first)) < 0) {
		pt_swap_free_run((uint32_t)first, used);
		return rc;
	}
	count_pages(-(int32_t)t->pcount, -(int32_t)pt_trk_ntables(t));
	release_pages(pt_trk_base(t), 0, t->pcount);
	pt_count_add(&stats.blocks, (uint32_t)-1);
	pt_count(&stats.out);
	pt_count(&stats.outs);
	pt_trk_set_out(t, (uint32_t)first, pt_trk_ntables(t), mapped);
	return 0;
}

/*
 * Read the used pages of block t, which is out, into the run at base; a
 * slot that fails is retired.
 */
static int read_block(const struct pg_tracker *t, paddr_t base)
{
	for (uint32_t i = 0; i < pt_ptb_used(t); i++) {
		int rc = pt_swap_read(pt_trk_out_slot(t) + i, base + i * PAGE_SIZE);
		if (rc < 0) {
			pt_swap_retire(pt_trk_out_slot(t) + i); /* -E_EXIST if it was already */
			return rc;
		}
	}
	return 0;
}

/* Count the live entries of each table of the block at base, with n tables. */
static void recount_live(paddr_t base, uint32_t n)
{
	for (uint32_t s = 1; s <= n; s++) {
		const pte_t *pt = pt_ptb_table(base + s * PAGE_SIZE);
		uint16_t live = 0;
		for (uint32_t i = 0; i < PT_ENTRIES; i++)
			live += pt[i].v != 0;
		*pt_ptb_live(base + s * PAGE_SIZE) = live;
	}
}

int pt_ptb_in(struct pg_tracker *t)
{
	uint32_t ntables = pt_trk_ntables(t), used = 1 + ntables;
	uint32_t pages = MAX(PTB_MIN_PAGES, used);
	paddr_t base;
	int rc;

	if (pt_trk_lost(t))
		return -E_IO;
	if ((rc = pt_frame_alloc_pinned_run(pages, &base)) < 0)
		return rc;
	if ((rc = read_block(t, base)) < 0) {
		release_pages(base, 0, pages);
		return rc;
	}
	pde_t *pd = page_of(base, 0);
	/* the kernel's PDEs are the master's, wherever the block went */
	pt_ptb_copy_kernel_pdes(pd, pt_ptb_pd(pt_trk_get(TRK_MASTER)));
	rebase_user_pdes(pd, 0, used, base);
	recount_live(base, ntables);
	free_run(t);
	pt_trk_set(t, base, ntables, pages);
	pt_count(&stats.blocks);
	count_pages((int32_t)pages, (int32_t)ntables);
	pt_count_add(&stats.out, (uint32_t)-1);
	pt_count(&stats.ins);
	return 0;
}

void pt_ptb_set_lost(struct pg_tracker *t, uint32_t kept)
{
	t->pcount = TRK_LOST | kept;
}

void pt_ptb_get_stats(struct ptb_stats *s) { *s = stats; }

void pt_ptb_reset_stats(void)
{
	stats.relocations = stats.inplace_growths = stats.shrinks = 0;
	stats.pages_copied = stats.table_moves = 0;
	stats.outs = stats.ins = 0;
	stats.pages_peak = stats.pages;
	stats.tables_peak = stats.tables;
}
