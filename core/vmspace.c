/*
 * vmspace.c - address spaces (see vmspace.h).
 *
 * A user PTE is zero (nothing mapped: a table of zeros can be given back),
 * present, or a swap entry (mmu.h), which the pager leaves where it paged
 * a page out:
 *
 *   frame | P | RW? | US? | A? | D?            a private page
 *   frame | P | US? | COW | COW_W?             shared copy-on-write; never RW
 *   slot | SWAP | RW? | US? | COW? | COW_W?    in swap, with the rights it had
 *
 * An entry that is not zero is a mapping, present or not: it holds one
 * reference to its frame, or to its slot.
 * User PDEs are USER_PDE_FLAGS (layout.h): the PTE alone decides what a
 * page allows.  Each table in use counts its live entries (pt_ptb_live): every
 * change here that makes an entry zero or not zero keeps the count, so an
 * emptied table is given back without a look at its other entries.
 *
 * A call on one page finds its entry as the CPU does, one PDE and one PTE,
 * with one lookup of the handle's tracker and no trip through the range
 * machinery; a call on a range walks it a table at a time (struct span).
 * Both run the same checks, written once with the page count as an
 * argument, so that for one page they fold into a few compares.
 */
#include "vmspace.h"
#include "debug.h"
#include "errors.h"
#include "frame.h"
#include "kmap.h"
#include "layout.h"
#include "lib.h"
#include "lock.h"
#include "ptblock.h"
#include "seam.h"
#include "swap.h"
#include "tlb.h"
#include "tracker.h"

#define USER_PAGES ((USER_LAST - USER_BASE) / PAGE_SIZE + 1) /* the pages of user space */

static struct {
	uint32_t spaces_peak;
	uint32_t cow_copies, cow_reuses, zero_fills;
	uint32_t major_faults, swap_ins;
} counters;

static paddr_t kzone_end; /* pt_frame_kzone_end(), fixed since the frames were set up */

void pt_vm_init(void)
{
	kzone_end = pt_frame_kzone_end();
	counters = (typeof(counters)){ 0 };
}

/* ---- looking things up ---------------------------------------------- */

/* The tracker of user address space `as`, or NULL if the handle is bad. */
static inline struct pg_tracker *space(int as)
{
	/* as - 1 wraps for the master (0) and every negative handle */
	return (uint32_t)as - 1 < TRK_MAX - 1 ? pt_trk_get(as) : NULL;
}

/* The table that maps va's 4 MiB in block t, or NULL. */
static pte_t *table_of(const struct pg_tracker *t, vaddr_t va)
{
	pde_t pde = pt_ptb_pd(t)[pde_index(va)];

	return pde_present(pde) ? pt_ptb_table(pde_addr(pde)) : NULL;
}

/*
 * The entry of va in block t, where the CPU would find it: the PDE, and e
 * in the table it points at when it is present (has_table).  The table's
 * live count changes with the entry.
 */
struct entry_ref {
	pte_t *e;
	pde_t pde;
};

static inline struct entry_ref entry_of(const struct pg_tracker *t, vaddr_t va)
{
	pde_t pde = pt_ptb_pd(t)[pde_index(va)];

	if (!pde_present(pde))
		return (struct entry_ref){ NULL, pde };
	return (struct entry_ref){ &pt_ptb_table(pde_addr(pde))[pte_index(va)], pde };
}

static inline bool has_table(struct entry_ref r) { return pde_present(r.pde); }

/* Whether r is an entry that maps a page, present or in swap. */
static inline bool is_mapped(struct entry_ref r) { return has_table(r) && r.e->v != 0; }

static inline uint16_t *live_of(struct entry_ref r) { return pt_ptb_live(pde_addr(r.pde)); }

/*
 * Slot s (1..n) of a block as a table: walking the slots visits every table
 * once, without looking at the PDEs that do not point into the block.
 */
static pte_t *slot_table(const struct pg_tracker *t, uint32_t slot)
{
	return pt_ptb_table(pt_trk_base(t) + slot * PAGE_SIZE);
}

/*
 * For the walks over whole tables (clone, destroy, iterate), at an entry e
 * of table pt that they pass over: most of a table is zero, and from a
 * multiple of eight, eight zero entries are passed over at once.  Returns
 * the last entry passed over.  The walks step a pointer, not an index,
 * which compilers keep in one register; the entries they stop at cost
 * nothing more.
 */
static inline pte_t *pass_zeros(const pte_t *pt, pte_t *e)
{
	if ((e - pt) % 8 == 0 &&
	    (e[0].v | e[1].v | e[2].v | e[3].v | e[4].v | e[5].v | e[6].v | e[7].v) == 0)
		return e + 7;
	return e;
}

/*
 * A span: the entries [first, end) of table pt, the part of one table that
 * a range covers.  The loop
 *
 *	for (struct span s = span_first(t, va, n); span_valid(&s); span_next(&s))
 *
 * visits in address order the spans of the tables that map part of
 * [va, va + n pages); a 4 MiB region without a table costs one PDE read.
 * The steps are inline so that a span lives in registers: a short range
 * costs what a hand-written loop would.
 */
struct span {
	pte_t *pt;           /* the table, or NULL when the range is done */
	paddr_t table;       /* its physical address, for its live count */
	uint32_t first, end; /* its entries in the range */
	const struct pg_tracker *t;
	vaddr_t va;          /* the rest of the range: from va, */
	uint32_t left;       /* `left` pages */
};

/* Step to the next table of the range that exists; none leaves pt NULL. */
static inline void span_next(struct span *s)
{
	s->pt = NULL;
	while (!s->pt && s->left > 0) {
		uint32_t count = MIN(s->left, PT_ENTRIES - pte_index(s->va));
		pde_t pde = pt_ptb_pd(s->t)[pde_index(s->va)];
		s->pt = pde_present(pde) ? pt_ptb_table(pde_addr(pde)) : NULL;
		s->table = pde_addr(pde);
		s->first = pte_index(s->va);
		s->end = s->first + count;
		s->va += count * PAGE_SIZE;
		s->left -= count;
	}
}

static inline struct span span_first(const struct pg_tracker *t, vaddr_t va, uint32_t n)
{
	struct span s = { .t = t, .va = va, .left = n };

	span_next(&s);
	return s;
}

static bool span_valid(const struct span *s) { return s->pt != NULL; }

/*
 * Whether some page of [va, va + n pages) is mapped (`some`), or every one
 * is.  One pass over the entries of the tables that exist: a region
 * without a table maps nothing and costs nothing.  Inline, because every
 * caller passes `some` as a constant.  A mapped entry is not zero; in the
 * AND, bit 0 of each is P, or SWAP shifted down.
 */
static inline bool range_mapped(const struct pg_tracker *t, vaddr_t va, uint32_t n, bool some)
{
	uint32_t pages = 0, any = 0, all = ~0u; /* the entries that exist, their OR and AND */

	for (struct span s = span_first(t, va, n); span_valid(&s); span_next(&s)) {
		for (uint32_t i = s.first; i < s.end; i++) {
			any |= s.pt[i].v;
			all &= s.pt[i].v | s.pt[i].v >> PG_AVL2_BIT;
		}
		pages += s.end - s.first;
	}
	if (some)
		return any != 0;
	return pages == n && (all & 1);
}

/* What entry e, not zero, maps. */
static void to_mapping(pte_t e, struct vm_mapping *m)
{
	bool swapped = pte_swapped(e);

	m->pa = swapped ? 0 : pte_addr(e);
	m->slot = swapped ? pte_slot(e) : 0;
	m->flags = e.v & (PG_US | PG_COW | PG_SWAP);
	if (e.v & (PG_RW | PG_COW_W))
		m->flags |= VM_WRITE;
}

/* ---- a block that is out ------------------------------------------------ */

/*
 * Every call that reads or changes the tables of an address space whose
 * block the pager paged out brings the block back in first, once the
 * call's arguments are checked; out of line, as the common case never
 * comes here.
 */
static __attribute__((noinline)) int bring_in(struct pg_tracker *t)
{
	return pt_ptb_in(t);
}

/* Block t in RAM: 0, or why it could not be brought in (-E_NOMEM, -E_IO). */
static inline int in_ram(struct pg_tracker *t)
{
	return pt_trk_out(t) ? bring_in(t) : 0;
}

/* ---- argument checks -------------------------------------------------- */

/* The checks take the page count, so that for one page they fold into a few compares. */
static inline int check_range(vaddr_t va, uint32_t n)
{
	if (!IS_ALIGNED(va, PAGE_SIZE) || n == 0)
		return -E_INVAL;
	if (!is_user_page(va) || n - 1 > (USER_LAST - va) / PAGE_SIZE)
		return -E_RANGE;
	return 0;
}

/* Frames [pa, pa + n pages) may be mapped into user space. */
static inline int check_frames(paddr_t pa, uint32_t n)
{
	if (!IS_ALIGNED(pa, PAGE_SIZE))
		return -E_INVAL;
	if (n - 1 > (UINT32_MAX - pa) / PAGE_SIZE)
		return -E_RANGE;
	paddr_t last = pa + (n - 1) * PAGE_SIZE;
	if (pa < kzone_end && last >= FRAME_LOW_RESERVED) /* user frames fail the first test */
		return -E_RANGE; /* page tables and trackers live there */
	if (n == 1 ? pt_frame_is_free(pa) : pt_frame_any_free(pa, n))
		return -E_FREE;
	return 0;
}

/* The checks of every call that takes pages and rights. */
static inline int check_args(const struct pg_tracker *t, vaddr_t va, uint32_t n, uint32_t flags)
{
	int rc;

	if (!t)
		return -E_BADH;
	if ((rc = check_range(va, n)) < 0)
		return rc;
	return (flags & ~VM_MAP_FLAGS) ? -E_INVAL : 0;
}

/* The checks of a map of n frames from pa: all but whether a page is mapped already. */
static inline int check_map(const struct pg_tracker *t, vaddr_t va, paddr_t pa, uint32_t n,
			    uint32_t flags)
{
	int rc = check_args(t, va, n, flags);

	return rc < 0 ? rc : check_frames(pa, n);
}

/* The number of 4 MiB regions in [va, va + n pages) without a table. */
static uint32_t tables_missing(const struct pg_tracker *t, vaddr_t va, uint32_t n)
{
	uint32_t missing = 0;
	uint32_t last = pde_index(va + (n - 1) * PAGE_SIZE);

	for (uint32_t i = pde_index(va); i <= last; i++)
		missing += !pde_present(pt_ptb_pd(t)[i]);
	return missing;
}

/* ---- mapping ---------------------------------------------------------- */

/* The table for va (its address), linking a spare slot if there is none (reserved before). */
static paddr_t table_for(struct pg_tracker *t, vaddr_t va)
{
	pde_t pde = pt_ptb_pd(t)[pde_index(va)];

	return pde_present(pde) ? pde_addr(pde) : pt_ptb_link(t, pde_index(va), USER_PDE_FLAGS);
}

/*
 * Entries pt[0..n) map the n frames from pa with the PTE flags `flags`.
 * The entries step by PAGE_SIZE (the range does not wrap: check_frames).
 */
static inline void fill_entries(pte_t *pt, paddr_t pa, uint32_t n, uint32_t flags)
{
	uint32_t e = make_pte(pa, flags).v;

	for (uint32_t i = 0; i < n; i++)
		pt[i].v = e + i * PAGE_SIZE;
}

/* Entries [first, first + n) of table pt, all zero, map the n frames from pa. */
static void fill_table(pte_t *pt, uint32_t first, paddr_t pa, uint32_t n, uint32_t flags)
{
	/* a whole table has a count known here, which the compiler turns into wide stores */
	if (n == PT_ENTRIES)
		fill_entries(pt, pa, PT_ENTRIES, flags);
	else
		fill_entries(pt + first, pa, n, flags);
}

/* Map n pages from va, none of them mapped, to n frames from pa: checked, all or nothing. */
static int map_pages(struct pg_tracker *t, vaddr_t va, paddr_t pa, uint32_t n, uint32_t flags)
{
	int rc = pt_ptb_reserve(t, tables_missing(t, va, n));

	if (rc < 0)
		return rc;
	for (uint32_t i = 0; i < n;) {
		vaddr_t v = va + i * PAGE_SIZE;
		uint32_t first = pte_index(v), count = MIN(n - i, PT_ENTRIES - first);
		paddr_t table = table_for(t, v);
		fill_table(pt_ptb_table(table), first, pa + i * PAGE_SIZE, count, PG_P | flags);
		*pt_ptb_live(table) += count;
		i += count;
	}
	return 0;
}

static int vm_map_range(int as, vaddr_t va, paddr_t pa, uint32_t n, uint32_t flags)
{
	struct pg_tracker *t = space(as);
	int rc = check_map(t, va, pa, n, flags);

	if (rc < 0 || (rc = in_ram(t)) < 0)
		return rc;
	if (range_mapped(t, va, n, true))
		return -E_EXIST;
	return map_pages(t, va, pa, n, flags);
}

/* Entry r, zero, of va becomes e: counted in its table, or in a new table if r has none. */
static int set_entry(struct pg_tracker *t, vaddr_t va, struct entry_ref r, pte_t e)
{
	if (!has_table(r))
		return map_pages(t, va, pte_addr(e), 1, pte_flags(e));
	*r.e = e;
	(*live_of(r))++;
	return 0;
}

static inline __attribute__((always_inline)) int vm_map(int as, vaddr_t va, paddr_t pa,
							 uint32_t flags)
{
	struct pg_tracker *t = space(as);
	int rc = check_map(t, va, pa, 1, flags);

	if (rc < 0 || (rc = in_ram(t)) < 0)
		return rc;
	struct entry_ref r = entry_of(t, va);
	if (is_mapped(r))
		return -E_EXIST;
	return set_entry(t, va, r, make_pte(pa, PG_P | flags));
}

/*
 * Map a new zeroed frame at va, whose entry r is zero, with the entry
 * flags `flags`: the frame first, then the table if one is needed, so that
 * either failing leaves nothing behind.  Its address in *pa.
 */
static int map_zeroed(struct pg_tracker *t, vaddr_t va, struct entry_ref r, uint32_t flags,
		      paddr_t *pa)
{
	int rc = pt_frame_alloc(ZONE_USER, pa);

	if (rc < 0)
		return rc;
	pt_kmap_zero(*pa);
	if ((rc = set_entry(t, va, r, make_pte(*pa, PG_P | flags))) < 0) {
		pt_frame_unref(*pa);
		return rc;
	}
	pt_count(&counters.zero_fills); /* pt_vm_resolve_now's fills run on several CPUs at once */
	return 0;
}

static int vm_map_zero(int as, vaddr_t va, uint32_t flags)
{
	struct pg_tracker *t = space(as);
	paddr_t pa;
	int rc = check_args(t, va, 1, flags);

	if (rc < 0 || (rc = in_ram(t)) < 0)
		return rc;
	struct entry_ref r = entry_of(t, va);
	if (is_mapped(r))
		return -E_EXIST;
	return map_zeroed(t, va, r, flags, &pa);
}

/* ---- unmapping --------------------------------------------------------- */

/* Whether e maps a frame of the allocator (device memory is shared as it is, uncounted). */
static bool maps_owned_frame(pte_t e)
{
	return pte_present(e) && pt_frame_owned(pte_addr(e));
}

/* Drop a slot reference that an entry or a frame held. */
static void release_slot(uint32_t slot)
{
	if (pt_swap_unref(slot) < 0)
		panic("release_slot: slot %u was held but cannot be released", slot);
}

/*
 * release_entry for an entry in swap or a frame that keeps a slot, and
 * every error: out of line, as the common case never comes here.
 * pt_frame_unref_mapping says whether a frame is one the allocator owns
 * (-E_NOTOWN: it holds no reference), in the same call that drops the
 * reference of those it owns, and hands back the slot of a clean copy the
 * frame let go (with the frame, or because the entry was dirty).
 */
static __attribute__((noinline, cold)) void release_entry_slow(pte_t e)
{
	uint32_t slot;

	if (pte_swapped(e)) {
		release_slot(pte_slot(e));
		return;
	}
	int rc = pt_frame_unref_mapping(pte_addr(e), e.v & PG_D, &slot);
	if (rc < 0 && rc != -E_NOTOWN)
		panic("release_entry: frame 0x%x was mapped but cannot be released (%d)",
		      pte_addr(e), rc);
	if (slot)
		release_slot(slot);
}

/*
 * Drop the reference entry e (not zero, P cleared or not) held: on its
 * frame, or on its slot.  The common case, a frame that keeps no slot,
 * costs one test of the entry and one of the frame's flags more than a
 * pt_frame_unref; anything else was left as it was, and goes the long way.
 */
static inline __attribute__((always_inline)) void release_entry_of(pte_t e, bool alone)
{
	if (!pte_swapped(e)) {
		paddr_t pa = pte_addr(e);
		int rc = alone ? pt_frame_unref_slotless_alone(pa) : pt_frame_unref_slotless(pa);
		if (rc >= 0 || rc == -E_NOTOWN)
			return;
	}
	release_entry_slow(e);
}

/* release_entry_of wherever the CPU count is not known yet. */
static inline void release_entry(pte_t e)
{
	release_entry_of(e, false);
}

/*
 * Unmap pass 1: make the entries of s not present, keeping the frame
 * address; returns how many entries map a page (swap entries too).
 */
static uint32_t clear_present(const struct span *s)
{
	uint32_t count = 0;

	for (uint32_t i = s->first; i < s->end; i++) {
		if (s->pt[i].v != 0) {
			s->pt[i].v &= ~PG_P;
			count++;
		}
	}
	return count;
}

/*
 * Unmap pass 2, once the TLB no longer holds them: drop the frames and
 * slots, zero the entries, and take them off their table's live count.
 */
static void release_entries(const struct span *s)
{
	uint32_t count = 0;

	for (uint32_t i = s->first; i < s->end; i++) {
		if (s->pt[i].v != 0) {
			release_entry(s->pt[i]);
			s->pt[i] = (pte_t){ 0 };
			count++;
		}
	}
	*pt_ptb_live(s->table) -= (uint16_t)count;
}

/* Give back the tables of [va, va + n pages) whose live count fell to zero. */
static void unlink_empty_tables(struct pg_tracker *t, vaddr_t va, uint32_t n)
{
	uint32_t last = pde_index(va + (n - 1) * PAGE_SIZE);

	for (uint32_t i = pde_index(va); i <= last; i++) {
		pde_t pde = pt_ptb_pd(t)[i];
		if (pde_present(pde) && *pt_ptb_live(pde_addr(pde)) == 0)
			pt_ptb_unlink(t, i);
	}
}

/* How many entries of [va, va + n pages) map frame pa. */
static uint32_t entries_mapping(const struct pg_tracker *t, vaddr_t va, uint32_t n, paddr_t pa)
{
	uint32_t count = 0;

	for (struct span s = span_first(t, va, n); span_valid(&s); span_next(&s))
		for (uint32_t i = s.first; i < s.end; i++)
			count += pte_present(s.pt[i]) && pte_addr(s.pt[i]) == pa;
	return count;
}

/* Whether e maps a pinned frame of the allocator. */
static bool maps_pinned_frame(pte_t e)
{
	return maps_owned_frame(e) && pt_frame_pincount(pte_addr(e)) > 0;
}

/* Whether some entry of [va, va + n pages) holds the last reference to a pinned frame. */
static bool holds_a_last_pin(const struct pg_tracker *t, vaddr_t va, uint32_t n)
{
	for (struct span s = span_first(t, va, n); span_valid(&s); span_next(&s))
		for (uint32_t i = s.first; i < s.end; i++)
			if (maps_pinned_frame(s.pt[i]) &&
			    pt_frame_refcount(pte_addr(s.pt[i])) <=
				    (int)entries_mapping(t, va, n, pte_addr(s.pt[i])))
				return true;
	return false;
}

/*
 * Whether unmapping [va, va + n pages) would drop the last reference to a
 * pinned frame, which may not be freed (pt_frame_unref refuses).  A frame the
 * range maps k times loses k references.  With no user frame pinned, the
 * common case, it costs one call.
 */
static inline bool frees_pinned(const struct pg_tracker *t, vaddr_t va, uint32_t n)
{
	return pt_frame_user_pinned() > 0 && holds_a_last_pin(t, va, n);
}

/* The same for the one entry e. */
static inline bool frees_pinned_page(pte_t e)
{
	return pt_frame_user_pinned() > 0 && maps_pinned_frame(e) && pt_frame_refcount(pte_addr(e)) <= 1;
}

/* Unmap [va, va + n pages) of a checked range; returns the pages unmapped. */
static uint32_t unmap_pages(struct pg_tracker *t, vaddr_t va, uint32_t n)
{
	uint32_t count = 0;

	for (struct span s = span_first(t, va, n); span_valid(&s); span_next(&s))
		count += clear_present(&s);
	if (count == 0)
		return 0;
	pt_tlb_range(t, va, n);
	for (struct span s = span_first(t, va, n); span_valid(&s); span_next(&s))
		release_entries(&s);
	unlink_empty_tables(t, va, n);
	return count;
}

static int vm_unmap_range(int as, vaddr_t va, uint32_t n)
{
	struct pg_tracker *t = space(as);
	int rc;

	if (!t)
		return -E_BADH;
	if ((rc = check_range(va, n)) < 0 || (rc = in_ram(t)) < 0)
		return rc;
	if (frees_pinned(t, va, n))
		return -E_BUSY;
	unmap_pages(t, va, n);
	return 0;
}

/*
 * Unmap the entry r of va, not zero: clear it, invalidate it, and only
 * then drop its frame or slot; the table goes when that was its last live
 * entry.  `alone`: the caller knows the core serves one CPU (the copy in
 * pt_vm_unmap's one-CPU path), so the frame's reference goes without a
 * test of the CPU count.
 */
static inline __attribute__((always_inline)) void unmap_entry(struct pg_tracker *t, vaddr_t va,
								  struct entry_ref r, bool alone)
{
	pte_t e = *r.e;

	*r.e = (pte_t){ 0 };
	pt_tlb_page(t, va);
	release_entry_of(e, alone);
	if (--*live_of(r) == 0)
		pt_ptb_unlink(t, pde_index(va));
}

static inline __attribute__((always_inline)) int vm_unmap(int as, vaddr_t va, bool alone)
{
	struct pg_tracker *t = space(as);
	int rc;

	if (!t)
		return -E_BADH;
	if ((rc = check_range(va, 1)) < 0 || (rc = in_ram(t)) < 0)
		return rc;
	struct entry_ref r = entry_of(t, va);
	if (!is_mapped(r))
		return -E_NOENT;
	if (frees_pinned_page(*r.e))
		return -E_BUSY;
	unmap_entry(t, va, r, alone);
	return 0;
}

/* ---- protection -------------------------------------------------------- */

/*
 * Entry e with the access rights `flags`, a copy-on-write page staying
 * one, a page in swap staying there.
 */
static pte_t with_rights(pte_t e, uint32_t flags)
{
	uint32_t keep = e.v & (PG_ADDR_MASK | PG_P | PG_A | PG_D | PG_COW | PG_SWAP);

	if (e.v & PG_COW)
		return (pte_t){ keep | (flags & VM_USER) | ((flags & VM_WRITE) ? PG_COW_W : 0) };
	return (pte_t){ keep | flags };
}

/*
 * Give entry *e the rights `flags`, by compare and swap: another CPU's
 * walk may set A or D in it meanwhile, and a dirty bit lost would let the
 * pager drop the page as clean.
 */
static void set_rights(pte_t *e, uint32_t flags)
{
	uint32_t old = e->v;

	while (!__atomic_compare_exchange_n(&e->v, &old, with_rights((pte_t){ old }, flags).v, false,
					    __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST)) {
	}
}

/* pt_vm_protect of the one page va, checked. */
static int protect_page(const struct pg_tracker *t, vaddr_t va, uint32_t flags)
{
	struct entry_ref r = entry_of(t, va);

	if (!is_mapped(r))
		return -E_NOENT;
	set_rights(r.e, flags);
	pt_tlb_page(t, va);
	return 0;
}

static int vm_protect(int as, vaddr_t va, uint32_t n, uint32_t flags)
{
	struct pg_tracker *t = space(as);
	int rc;

	if ((rc = check_args(t, va, n, flags)) < 0 || (rc = in_ram(t)) < 0)
		return rc;
	if (n == 1)
		return protect_page(t, va, flags);
	if (!range_mapped(t, va, n, false))
		return -E_NOENT;
	for (struct span s = span_first(t, va, n); span_valid(&s); span_next(&s))
		for (uint32_t i = s.first; i < s.end; i++)
			set_rights(&s.pt[i], flags);
	pt_tlb_range(t, va, n);
	return 0;
}

/* ---- queries ----------------------------------------------------------- */

/* The entry, not zero, of the page holding va in user space `as`, into *e: 0 or -E_xxx. */
static inline int mapped_entry(int as, vaddr_t va, pte_t *e)
{
	struct pg_tracker *t = space(as);
	int rc;

	if (!t)
		return -E_BADH;
	if (!is_user_page(va))
		return -E_RANGE;
	if ((rc = in_ram(t)) < 0)
		return rc;
	struct entry_ref r = entry_of(t, va);
	if (!is_mapped(r))
		return -E_NOENT;
	*e = *r.e;
	return 0;
}

static inline __attribute__((always_inline)) int query(int as, vaddr_t va, struct vm_mapping *m)
{
	pte_t e;
	int rc = mapped_entry(as, va, &e);

	if (rc == 0)
		to_mapping(e, m);
	return rc;
}

static inline __attribute__((always_inline)) int translate(int as, vaddr_t va, paddr_t *pa)
{
	pte_t e;
	int rc = mapped_entry(as, va, &e);

	if (rc < 0)
		return rc;
	if (!pte_present(e))
		return -E_NOENT; /* in swap: no frame holds it */
	*pa = pte_addr(e) | (va & PAGE_MASK);
	return 0;
}

/*
 * query and translate with several CPUs, under the space's lock: the
 * block may be brought in, or go out, beside them.  Out of line: one
 * CPU's reads test the CPU count once and call nothing.
 */
static __attribute__((noinline)) int query_locked(int as, vaddr_t va, struct vm_mapping *m)
{
	pt_lock_space(as);
	int rc = query(as, va, m);
	pt_unlock_space(as);
	return rc;
}

static __attribute__((noinline)) int translate_locked(int as, vaddr_t va, paddr_t *pa)
{
	pt_lock_space(as);
	int rc = translate(as, va, pa);
	pt_unlock_space(as);
	return rc;
}

int pt_vm_query(int as, vaddr_t va, struct vm_mapping *m)
{
	return pt_one_cpu() ? query(as, va, m) : query_locked(as, va, m);
}

int pt_vm_translate(int as, vaddr_t va, paddr_t *pa)
{
	return pt_one_cpu() ? translate(as, va, pa) : translate_locked(as, va, pa);
}

static int vm_iterate(int as, vm_visit_fn fn, void *ctx)
{
	struct pg_tracker *t = space(as);
	struct vm_mapping m;
	int rc;

	if (!t)
		return -E_BADH;
	if ((rc = in_ram(t)) < 0)
		return rc;
	for (uint32_t i = USER_PDE_FIRST; i < USER_PDE_END; i++) {
		pte_t *pt = table_of(t, pde_base(i));
		for (pte_t *e = pt; pt && e < pt + PT_ENTRIES; e++) {
			if (e->v == 0) {
				e = pass_zeros(pt, e);
				continue;
			}
			to_mapping(*e, &m);
			rc = fn(pde_base(i) + (uint32_t)(e - pt) * PAGE_SIZE, &m, ctx);
			if (rc)
				return rc;
		}
	}
	return 0;
}

static int count_one(vaddr_t va, const struct vm_mapping *m, void *ctx)
{
	struct vm_space_info *info = ctx;

	(void)va;
	info->mapped++;
	info->swapped += (m->flags & VM_SWAPPED) != 0;
	return 0;
}

int pt_vm_iterate(int as, vm_visit_fn fn, void *ctx)
{
	pt_lock_space(as);
	int rc = vm_iterate(as, fn, ctx);
	pt_unlock_space(as);
	return rc;
}

static int vm_info(int as, struct vm_space_info *info)
{
	struct pg_tracker *t = space(as);

	if (!t)
		return -E_BADH;
	*info = (struct vm_space_info){ .tables = pt_trk_ntables(t) };
	if (pt_trk_out(t)) { /* what the tracker keeps; the tables stay where they are */
		info->out = true;
		info->out_slot = pt_trk_out_slot(t);
		info->mapped = info->swapped = pt_trk_out_mapped(t);
		info->lost = pt_trk_lost(t);
		return 0;
	}
	info->block = pt_trk_base(t);
	info->pages = t->pcount;
	return vm_iterate(as, count_one, info);
}

int pt_vm_info(int as, struct vm_space_info *info)
{
	pt_lock_space(as);
	int rc = vm_info(as, info);
	pt_unlock_space(as);
	return rc;
}

/* ---- creating, destroying, switching ------------------------------------ */

/* A new address space exists: the peak counts every one but the master. */
static void note_spaces_peak(void)
{
	pt_count_peak(&counters.spaces_peak, pt_trk_count() - 1);
	pt_ptb_note_peaks();
}

/*
 * Give the new directory pd, zeroed, the kernel's PDEs, which point at the
 * master's tables: kernel mappings are shared.  Only those of the first
 * 1 MiB and the kernel zone, the user gate and the kmap window can be
 * present (layout.h), so only they are copied: tens of bytes, where all
 * the kernel's would be 1 KiB.
 */
static void share_kernel_pdes(pde_t *pd)
{
	const pde_t *m = pt_ptb_pd(pt_trk_get(TRK_MASTER));
	uint32_t first = pde_index(kzone_va(0)), end = pde_index(kzone_va(kzone_end - 1)) + 1;

	memcpy(&pd[first], &m[first], (end - first) * sizeof(pde_t));
	pd[GATE_PDE] = m[GATE_PDE];
	pd[KMAP_PDE] = m[KMAP_PDE];
}

int pt_vm_create(void)
{
	int as = pt_ptb_create(PTB_MIN_PAGES);

	if (as < 0)
		return as;
	share_kernel_pdes(pt_ptb_pd(pt_trk_get(as)));
	note_spaces_peak();
	pt_trk_made(as);
	return as;
}

/* Drop the references the entries of a table hold. */
static void release_table(pte_t *pt)
{
	for (pte_t *e = pt; e < pt + PT_ENTRIES; e++) {
		if (e->v != 0)
			release_entry(*e);
		else
			e = pass_zeros(pt, e);
	}
}

/* ---- when the tables of a block that is out are lost ------------------- */

/*
 * A table of a block that is out could not be read back, so the slot
 * references its entries held cannot be dropped one by one.  Every holder
 * that is left takes its reference again (swap.h): the swap entries of
 * the tables in RAM and of the other blocks that are out (read through
 * the bounce page), the frames' clean copies, the runs of the blocks that
 * are out.  A block that is out whose table fails now is lost too
 * (TRK_LOST): none of its entries is counted, and the references of its
 * tables read before the failure are given back by reading them again; a
 * table that fails that second read keeps its references, which the lost
 * block's count then says (tracker.h).  Its space can only be destroyed.
 */

static void hold(uint32_t slot)
{
	if (pt_swap_recount_hold(slot) < 0)
		panic("hold: a holder names slot %u, which is not in use", slot);
}

/* Take again (or give back, !take) the references of the swap entries of table pt; how many. */
static uint32_t hold_table(const pte_t *pt, bool take)
{
	uint32_t n = 0;

	for (const pte_t *e = pt; e < pt + PT_ENTRIES; e++) {
		if (!pte_swapped(*e))
			continue;
		if (take)
			hold(pte_slot(*e));
		else
			pt_swap_recount_unhold(pte_slot(*e));
		n++;
	}
	return n;
}

/*
 * Read table k (1..) of block t, which is out, into the bounce page: the
 * table, or NULL when the read failed (its slot is then retired).
 */
static pte_t *read_out_table(const struct pg_tracker *t, uint32_t k)
{
	if (pt_swap_read(pt_trk_out_slot(t) + k, pt_swap_bounce()) < 0) {
		pt_swap_retire(pt_trk_out_slot(t) + k); /* -E_EXIST if it was already */
		return NULL;
	}
	return pt_ptb_table(pt_swap_bounce());
}

/*
 * Block t, out, is lost at table k, after its tables 1..k-1 took `held`
 * references: give back those that can be read again; returns how many
 * stay taken.
 */
static uint32_t lose_block(const struct pg_tracker *t, uint32_t k, uint32_t held)
{
	for (uint32_t j = 1; j < k; j++) {
		const pte_t *pt = read_out_table(t, j);
		if (pt)
			held -= hold_table(pt, false);
	}
	return held;
}

/* The references block t, which is out, holds: its run, and its tables' entries. */
static void hold_out_block(struct pg_tracker *t)
{
	uint32_t held = 0;

	for (uint32_t i = 0; i < pt_ptb_used(t); i++)
		hold(pt_trk_out_slot(t) + i);
	for (uint32_t k = 1; !pt_trk_lost(t) && k <= pt_trk_ntables(t); k++) {
		const pte_t *pt = read_out_table(t, k);
		if (!pt) {
			pt_ptb_set_lost(t, lose_block(t, k, held));
			return;
		}
		held += hold_table(pt, true);
	}
}

static void recount_slots(void)
{
	paddr_t pa = 0;
	uint32_t slot;

	pt_swap_recount_begin();
	for (; pt_frame_next_kept(&pa, &slot); pa += PAGE_SIZE)
		hold(slot);
	for (int as = pt_trk_next(1); as >= 0; as = pt_trk_next(as + 1)) {
		struct pg_tracker *t = pt_trk_get(as);
		if (pt_trk_out(t)) {
			hold_out_block(t);
			continue;
		}
		for (uint32_t s = 1; s <= pt_trk_ntables(t); s++)
			hold_table(slot_table(t, s), true);
	}
	pt_swap_recount_end();
}

/*
 * Destroy space `as`, whose block is out: its tables, read one at a time
 * into the bounce page, give back what they hold (slots: a block out maps
 * no frame), then its run of slots goes.  A table that cannot be read has
 * its references counted again without it, and so do the references a
 * lost block could not give back.
 */
static void destroy_out(int as, struct pg_tracker *t)
{
	bool lost = pt_trk_lost(t) && pt_trk_out_mapped(t) > 0; /* references kept by no one left */

	for (uint32_t k = 1; !pt_trk_lost(t) && k <= pt_trk_ntables(t); k++) {
		pte_t *pt = read_out_table(t, k);
		if (pt)
			release_table(pt);
		lost |= !pt;
	}
	pt_ptb_destroy(as);
	if (lost)
		recount_slots();
}

static int vm_destroy(int as)
{
	struct pg_tracker *t = space(as);

	if (!t)
		return -E_BADH;
	if (pt_trk_out(t)) {
		destroy_out(as, t);
		return 0;
	}
	if (pt_trk_is_live(t) || frees_pinned(t, USER_BASE, USER_PAGES))
		return -E_BUSY;
	for (uint32_t s = 1; s <= pt_trk_ntables(t); s++)
		release_table(slot_table(t, s));
	pt_ptb_destroy(as);
	return 0;
}

static int vm_activate(int as)
{
	struct pg_tracker *t = as == TRK_MASTER ? pt_trk_get(as) : space(as);
	int rc;

	if (!t)
		return -E_BADH;
	if ((rc = in_ram(t)) < 0)
		return rc;
	DEBUG_ASSERT(pt_trk_live_in_cr3());
	pt_trk_set_live(as); /* first: a shootdown must see this CPU before it caches anything */
	hw_load_cr3(pt_trk_base(t));
	return 0;
}

/* vm_activate with several CPUs: the pager may not page the block out between its check and CR3. */
static __attribute__((noinline)) int activate_locked(int as)
{
	pt_lock_space(as);
	int rc = vm_activate(as);
	pt_unlock_space(as);
	return rc;
}

int pt_vm_activate(int as)
{
	return pt_one_cpu() ? vm_activate(as) : activate_locked(as);
}

int pt_vm_live(void)
{
	return pt_trk_live();
}

/* ---- clone and copy-on-write ------------------------------------------- */

/* An entry shared copy-on-write: read-only, COW, and COW_W if it was writable. */
static pte_t cow_entry(pte_t e)
{
	uint32_t w = (e.v & (PG_RW | PG_COW_W)) ? PG_COW_W : 0;

	return (pte_t){ (e.v & ~(PG_RW | PG_COW_W)) | PG_COW | w };
}

/* Drop one reference to each frame and slot that t maps in its tables before slot s, index i. */
static void drop_refs_before(const struct pg_tracker *t, uint32_t s, uint32_t i)
{
	for (uint32_t k = 1; k <= s && k <= pt_trk_ntables(t); k++) {
		pte_t *pt = slot_table(t, k);
		for (uint32_t j = 0; j < (k == s ? i : PT_ENTRIES); j++) {
			if (maps_owned_frame(pt[j]))
				pt_frame_unref(pte_addr(pt[j]));
			else if (pte_swapped(pt[j]))
				pt_swap_unref(pte_slot(pt[j]));
		}
	}
}

/* One more reference to what entry e, not zero, maps: 0, or -E_RANGE at the limit. */
static int take_ref(pte_t e)
{
	int rc;

	if (pte_swapped(e))
		return pt_swap_ref(pte_slot(e)) < 0 ? -E_RANGE : 0;
	rc = pt_frame_ref(pte_addr(e));
	return rc < 0 && rc != -E_NOTOWN ? -E_RANGE : 0;
}

/* Drop the reference take_refs took on every frame and slot that t maps. */
static void drop_refs(const struct pg_tracker *t)
{
	drop_refs_before(t, pt_trk_ntables(t) + 1, 0);
}

/*
 * Take one more reference to each frame and slot that t maps, one per
 * entry (a frame mapped twice takes two), all or none: -E_RANGE if one is
 * at its limit.  A frame the allocator does not own takes none: pt_frame_ref
 * says so (-E_NOTOWN) in the call that takes the others'.
 */
static int take_refs(const struct pg_tracker *t)
{
	for (uint32_t s = 1; s <= pt_trk_ntables(t); s++) {
		pte_t *pt = slot_table(t, s);
		for (pte_t *e = pt; e < pt + PT_ENTRIES; e++) {
			if (e->v == 0) {
				e = pass_zeros(pt, e);
				continue;
			}
			if (take_ref(*e) < 0) {
				drop_refs_before(t, s, (uint32_t)(e - pt));
				return -E_RANGE;
			}
		}
	}
	return 0;
}

/*
 * Share every frame and slot: the references are taken (take_refs); both
 * sides read-only, marked COW.  A slot's contents never change while it is
 * shared, so the swap entries of both sides name it as they are.
 */
static void share_cow(const struct pg_tracker *parent, const struct pg_tracker *child)
{
	bool narrowed = false;

	for (uint32_t s = 1; s <= pt_trk_ntables(parent); s++) {
		pte_t *p = slot_table(parent, s), *c = slot_table(child, s);
		for (pte_t *e = p; e < p + PT_ENTRIES; e++) {
			if (!maps_owned_frame(*e) && !pte_swapped(*e)) {
				e = pass_zeros(p, e);
				continue;
			}
			narrowed |= (e->v & (PG_P | PG_RW)) == (PG_P | PG_RW);
			*e = c[e - p] = cow_entry(*e);
		}
	}
	if (narrowed)
		pt_tlb_all(parent);
}

/* A private entry for a copy, in frame pa, of the page e maps (present or in swap): its rights. */
static pte_t private_entry(pte_t e, paddr_t pa)
{
	uint32_t w = (e.v & (PG_RW | PG_COW_W)) ? PG_RW : 0;

	return make_pte(pa, PG_P | (e.v & PG_US) | w);
}

/* A swap entry of the child's own for the page the swap entry e maps: the slot is shared. */
static pte_t private_swap_entry(pte_t e)
{
	uint32_t w = (e.v & (PG_RW | PG_COW_W)) ? PG_RW : 0;

	return make_swap_pte(pte_slot(e), (e.v & PG_US) | w);
}

/* Zero the child's entries from slot s, index i on: they still name the parent's frames. */
static void forget_from(const struct pg_tracker *child, uint32_t s, uint32_t i)
{
	for (; s <= pt_trk_ntables(child); s++, i = 0)
		memset(&slot_table(child, s)[i], 0, (PT_ENTRIES - i) * sizeof(pte_t));
}

/*
 * Give the child's entry e its own copy of the page: a new frame, or for a
 * page in swap a reference to its slot, whose contents never change while
 * it is shared (the page is read when either side touches it).
 */
static int copy_entry(pte_t *e)
{
	paddr_t old = pte_addr(*e), pa;
	int rc;

	if (pte_swapped(*e)) {
		if (pt_swap_ref(pte_slot(*e)) < 0)
			return -E_RANGE;
		*e = private_swap_entry(*e);
		return 0;
	}
	if ((rc = pt_frame_alloc(ZONE_USER, &pa)) < 0)
		return rc;
	pt_kmap_copy(pa, old);
	*e = private_entry(*e, pa);
	return 0;
}

static int copy_eager(const struct pg_tracker *child)
{
	for (uint32_t s = 1; s <= pt_trk_ntables(child); s++) {
		pte_t *c = slot_table(child, s);
		for (pte_t *e = c; e < c + PT_ENTRIES; e++) {
			if (!maps_owned_frame(*e) && !pte_swapped(*e))
				continue;
			int rc = copy_entry(e);
			if (rc < 0) {
				forget_from(child, s, (uint32_t)(e - c));
				return rc;
			}
		}
	}
	return 0;
}

/* A clone of user space `as` sharing every frame copy-on-write: its handle, or -E_xxx. */
static int clone_cow(int as)
{
	const struct pg_tracker *t = pt_trk_get(as);
	int child, rc;

	if ((rc = take_refs(t)) < 0)
		return rc;
	if ((child = pt_ptb_clone(as)) < 0) {
		rc = child;
		goto out_drop_refs;
	}
	share_cow(t, pt_trk_get(child));
	return child;

out_drop_refs:
	drop_refs(t); /* pt_ptb_clone left the parent's tables as they were */
	return rc;
}

/* A clone of user space `as` with a private copy of every frame: its handle, or -E_xxx. */
static int clone_eager(int as)
{
	int child, rc;

	if ((child = pt_ptb_clone(as)) < 0)
		return child;
	if ((rc = copy_eager(pt_trk_get(child))) < 0)
		goto out_destroy;
	return child;

out_destroy:
	vm_destroy(child); /* copy_eager left it holding only its own copies */
	return rc;
}

static int vm_clone(int as, enum vm_clone_mode mode)
{
	struct pg_tracker *t = space(as);
	int child;

	if (!t)
		return -E_BADH;
	if (mode != VM_CLONE_COW && mode != VM_CLONE_EAGER)
		return -E_INVAL;
	if ((child = in_ram(t)) < 0)
		return child;
	child = mode == VM_CLONE_COW ? clone_cow(as) : clone_eager(as);
	if (child >= 0) {
		note_spaces_peak();
		pt_trk_made(child);
	}
	return child;
}

/* ---- faults, and the kernel's accesses to user pages ------------------------ */

/* Whether entry e allows an access with error-code bits `access` (PF_W, PF_U). */
static bool allows(pte_t e, uint32_t access)
{
	if (!pte_present(e))
		return false;
	if ((access & PF_W) && !(e.v & PG_RW))
		return false;
	return !(access & PF_U) || (e.v & PG_US);
}

/* Whether the access is a write that copy-on-write lets through, with a copy, to e. */
static bool cow_write(pte_t e, uint32_t access)
{
	bool user_ok = !(access & PF_U) || (e.v & PG_US);

	return (access & PF_W) && pte_present(e) && (e.v & PG_COW_W) && user_ok;
}

/*
 * Resolve a write to the copy-on-write page at *e.  The last owner keeps
 * the frame, and the entry its D: a frame that keeps a clean copy is told
 * from it by D alone (frame.h).
 */
static int break_cow(const struct pg_tracker *t, vaddr_t va, pte_t *e)
{
	pte_t was = *e;
	paddr_t old = pte_addr(was), pa;
	int rc;

	if (pt_frame_refcount(old) == 1) { /* the last owner writes in place */
		*e = (pte_t){ private_entry(was, old).v | (was.v & PG_D) };
		pt_tlb_page(t, va);
		pt_count(&counters.cow_reuses);
		return 0;
	}
	if ((rc = pt_frame_alloc(ZONE_USER, &pa)) < 0)
		return rc;
	pt_kmap_copy(pa, old);
	*e = private_entry(was, pa);
	pt_tlb_page(t, va);
	release_entry(was);
	pt_count(&counters.cow_copies);
	return 0;
}

/* Whether the swap entry e allows an access `access` once its page is back: private, then. */
static bool swapped_allows(pte_t e, uint32_t access)
{
	if ((access & PF_W) && !(e.v & (PG_RW | PG_COW_W)))
		return false;
	return !(access & PF_U) || (e.v & PG_US);
}

/*
 * A major fault: bring the page of the swap entry *e back into a new frame,
 * its own (private, with write access if it had any).  When the entry held
 * the slot's only reference, the frame keeps the slot as its clean copy;
 * otherwise the entry's reference goes.  -E_NOMEM (no frame) and -E_IO
 * (the read failed: the slot is retired) leave the entry as it was.  The
 * entry was not present, so no translation of it can be cached.
 */
static __attribute__((noinline)) int swap_in(pte_t *e)
{
	uint32_t slot = pte_slot(*e);
	paddr_t pa;
	int rc;

	if ((rc = pt_frame_alloc(ZONE_USER, &pa)) < 0)
		return rc;
	pt_count(&counters.major_faults);
	if ((rc = pt_swap_read(slot, pa)) < 0) {
		pt_frame_free(pa);
		pt_swap_retire(slot); /* -E_EXIST if it was already */
		return rc;
	}
	if (pt_swap_refcount(slot) == 1)
		pt_frame_keep_slot(pa, slot, false);
	else
		release_slot(slot);
	*e = private_entry(*e, pa);
	pt_count(&counters.swap_ins);
	return 0;
}

/* A fault at the swap entry *e: the page back, if the access is one it allows. */
static int fault_in(pte_t *e, uint32_t access)
{
	return swapped_allows(*e, access) ? swap_in(e) : -E_FAULT;
}

static int vm_fault(int as, vaddr_t va, uint32_t err)
{
	struct pg_tracker *t = space(as);
	int rc;

	if (!t)
		return -E_BADH;
	va = ALIGN_DOWN(va, PAGE_SIZE);
	if (!is_user_page(va))
		return -E_FAULT;
	if ((rc = in_ram(t)) < 0)
		return rc;
	struct entry_ref r = entry_of(t, va);
	if (!has_table(r))
		return -E_FAULT;
	pte_t *e = r.e;
	if (pte_swapped(*e))
		return fault_in(e, err);
	if (allows(*e, err)) { /* stale TLB entry: the tables already allow it */
		pt_tlb_page(t, va);
		return 0;
	}
	if (cow_write(*e, err))
		return break_cow(t, va, e);
	return -E_FAULT;
}

/* The bits the CPU sets in the entry of a page it accesses: A, and D on a write. */
static uint32_t accessed_bits(uint32_t access)
{
	return (access & PF_W) ? PG_A | PG_D : PG_A;
}

/*
 * A zeroed frame for the page va that nothing maps (entry r), in *frame,
 * if the kernel says it is demand-zero memory with rights zero_flags (0:
 * it is not) and those allow the access.
 */
static int resolve_zero(struct pg_tracker *t, vaddr_t va, struct entry_ref r, uint32_t access,
			uint32_t zero_flags, paddr_t *frame)
{
	if (!zero_flags || !allows(make_pte(0, PG_P | zero_flags), access))
		return -E_FAULT;
	return map_zeroed(t, va, r, zero_flags | accessed_bits(access), frame);
}

/*
 * Make the entry *e, which maps page va and does not allow the access,
 * allow it (a page in swap brought back, a copy-on-write page copied), or
 * say why it may not: out of line, as most accesses find their page
 * present and allowed.
 */
static __attribute__((noinline)) int resolve_denied(const struct pg_tracker *t, vaddr_t va,
						    pte_t *e, uint32_t access)
{
	if (pte_swapped(*e)) {
		int rc = fault_in(e, access);
		if (rc < 0 || allows(*e, access))
			return rc;
	}
	if (!cow_write(*e, access))
		return -E_FAULT;
	return break_cow(t, va, e);
}

/*
 * Make the entry *e, which maps page va, allow the access, or say why it
 * may not.  Inline in both copies of vm_resolve.
 */
static inline __attribute__((always_inline)) int resolve_mapped(const struct pg_tracker *t,
								vaddr_t va, pte_t *e,
								uint32_t access, paddr_t *frame)
{
	if (!allows(*e, access)) {
		int rc = resolve_denied(t, va, e, access);
		if (rc < 0)
			return rc;
	}
	if (pt_one_cpu())
		e->v |= accessed_bits(access);
	else /* a CPU running the space may set A or D in it meanwhile */
		__atomic_fetch_or(&e->v, accessed_bits(access), __ATOMIC_RELAXED);
	*frame = pte_addr(*e);
	return 0;
}

/*
 * Whether pt_vm_resolve_now may resolve the access at va itself: anything
 * but a page or a block to read back from the disk.
 */
static bool resolvable_now(const struct pg_tracker *t, vaddr_t va)
{
	if (pt_trk_out(t))
		return false;
	struct entry_ref r = entry_of(t, va);
	return !has_table(r) || !pte_swapped(*r.e);
}

/*
 * pt_vm_resolve, the space's lock held.  Inline in both its callers: the
 * one of every copy across the user boundary keeps the code it had alone.
 */
static inline __attribute__((always_inline)) int vm_resolve(int as, vaddr_t va, uint32_t access,
							    uint32_t zero_flags, paddr_t *pa)
{
	struct pg_tracker *t = space(as);
	vaddr_t page = ALIGN_DOWN(va, PAGE_SIZE);
	paddr_t frame;
	int rc;

	if (!t)
		return -E_BADH;
	if ((access & ~(PF_W | PF_U)) || (zero_flags & ~VM_MAP_FLAGS))
		return -E_INVAL;
	if (!is_user_page(page))
		return -E_FAULT;
	if ((rc = in_ram(t)) < 0)
		return rc;
	struct entry_ref r = entry_of(t, page);
	/* the entry is left as the CPU would leave it, had it made the access itself */
	if (is_mapped(r))
		rc = resolve_mapped(t, page, r.e, access, &frame);
	else
		rc = resolve_zero(t, page, r, access, zero_flags, &frame);
	if (rc == 0)
		*pa = frame | (va & PAGE_MASK);
	return rc;
}

/* ---- the locked doors -------------------------------------------------- */

/*
 * Each call that changes a space holds the space's lock (lock.h) for its
 * duration, and takes no other space's: a clone's child is no one else's
 * until the call returns.  On one CPU the lock is one compare.
 */

int pt_vm_map_range(int as, vaddr_t va, paddr_t pa, uint32_t n, uint32_t flags)
{
	pt_lock_space(as);
	int rc = vm_map_range(as, va, pa, n, flags);
	pt_unlock_space(as);
	return rc;
}

/* pt_vm_map with several CPUs, out of line. */
static __attribute__((noinline)) int map_locked(int as, vaddr_t va, paddr_t pa, uint32_t flags)
{
	pt_lock_space(as);
	int rc = vm_map(as, va, pa, flags);
	pt_unlock_space(as);
	return rc;
}

/* One compare for one CPU, not two: a page's map and unmap are a few instructions more. */
int pt_vm_map(int as, vaddr_t va, paddr_t pa, uint32_t flags)
{
	return pt_one_cpu() ? vm_map(as, va, pa, flags) : map_locked(as, va, pa, flags);
}

int pt_vm_map_zero(int as, vaddr_t va, uint32_t flags)
{
	pt_lock_space(as);
	int rc = vm_map_zero(as, va, flags);
	pt_unlock_space(as);
	return rc;
}

int pt_vm_unmap_range(int as, vaddr_t va, uint32_t n)
{
	pt_lock_space(as);
	int rc = vm_unmap_range(as, va, n);
	pt_unlock_space(as);
	return rc;
}

/* pt_vm_unmap with several CPUs, out of line. */
static __attribute__((noinline)) int unmap_locked(int as, vaddr_t va)
{
	pt_lock_space(as);
	int rc = vm_unmap(as, va, false);
	pt_unlock_space(as);
	return rc;
}

int pt_vm_unmap(int as, vaddr_t va)
{
	return pt_one_cpu() ? vm_unmap(as, va, true) : unmap_locked(as, va);
}

int pt_vm_protect(int as, vaddr_t va, uint32_t n, uint32_t flags)
{
	pt_lock_space(as);
	int rc = vm_protect(as, va, n, flags);
	pt_unlock_space(as);
	return rc;
}

/*
 * vm_destroy of a space whose block is out, with several CPUs: its tables
 * come in through the one bounce page, and a table that cannot be read
 * has every space's slot references counted again.  Every space is
 * stopped meanwhile (lock.h).
 */
static __attribute__((noinline)) int destroy_stopped(int as)
{
	pt_lock_all_spaces();
	int rc = vm_destroy(as);
	pt_unlock_all_spaces();
	return rc;
}

/* vm_destroy with several CPUs: under the space's lock, or every space's for a block out. */
static __attribute__((noinline)) int destroy_locked(int as)
{
	pt_lock_space(as);
	const struct pg_tracker *t = space(as);
	if (t && pt_trk_out(t)) {
		pt_unlock_space(as);
		return destroy_stopped(as);
	}
	int rc = vm_destroy(as);
	pt_unlock_space(as);
	return rc;
}

int pt_vm_destroy(int as)
{
	return pt_one_cpu() ? vm_destroy(as) : destroy_locked(as);
}

int pt_vm_clone(int as, enum vm_clone_mode mode)
{
	pt_lock_space(as);
	int rc = vm_clone(as, mode);
	pt_unlock_space(as);
	return rc;
}

int pt_vm_fault(int as, vaddr_t va, uint32_t err)
{
	pt_lock_space(as);
	int rc = vm_fault(as, va, err);
	pt_unlock_space(as);
	return rc;
}

int pt_vm_resolve(int as, vaddr_t va, uint32_t access, uint32_t zero_flags, paddr_t *pa)
{
	pt_lock_space(as);
	int rc = vm_resolve(as, va, access, zero_flags, pa);
	pt_unlock_space(as);
	return rc;
}

/* pt_vm_resolve_now, the space's lock held: only page faults on several CPUs come here. */
static __attribute__((noinline)) int vm_resolve_now(int as, vaddr_t va, uint32_t access,
						    uint32_t zero_flags, paddr_t *pa)
{
	struct pg_tracker *t = space(as);
	vaddr_t page = ALIGN_DOWN(va, PAGE_SIZE);
	bool args_ok = t && is_user_page(page) && !(access & ~(PF_W | PF_U));

	if (args_ok && !resolvable_now(t, page))
		return -E_AGAIN;
	return vm_resolve(as, va, access, zero_flags, pa); /* or the error it says */
}

/*
 * The space's lock is only tried: another call may hold it across a
 * disk transfer (a page in or out), and a fault would spin that long with
 * interrupts off.  Busy, the fault takes the kernel's lock and waits there.
 */
int pt_vm_resolve_now(int as, vaddr_t va, uint32_t access, uint32_t zero_flags, paddr_t *pa)
{
	if (!pt_one_cpu() && !pt_lock_try(pt_space_lock(as), pt_cpu_self()))
		return -E_AGAIN;
	int rc = vm_resolve_now(as, va, access, zero_flags, pa);
	pt_unlock_space(as);
	return rc;
}

/* ---- statistics ---------------------------------------------------------- */

void pt_vm_get_stats(struct vm_stats *s)
{
	struct ptb_stats b;
	struct tlb_stats tl;

	pt_ptb_get_stats(&b);
	pt_tlb_get_stats(&tl);
	*s = (struct vm_stats){
		.spaces = pt_trk_count() > 0 ? pt_trk_count() - 1 : 0,
		.spaces_peak = counters.spaces_peak,
		.tracker_pages = pt_trk_pages(),
		.blocks = b.blocks,
		.block_pages = b.pages,
		.block_pages_peak = b.pages_peak,
		.tables = b.tables,
		.tables_peak = b.tables_peak,
		.relocations = b.relocations,
		.inplace_growths = b.inplace_growths,
		.shrinks = b.shrinks,
		.pages_copied = b.pages_copied,
		.table_moves = b.table_moves,
		.cow_copies = counters.cow_copies,
		.cow_reuses = counters.cow_reuses,
		.zero_fills = counters.zero_fills,
		.major_faults = counters.major_faults,
		.swap_ins = counters.swap_ins,
		.spaces_out = b.out,
		.blocks_out = b.outs,
		.blocks_in = b.ins,
		.invlpgs = tl.invlpgs,
		.tlb_flushes = tl.flushes,
		.invalidations_skipped = tl.skipped,
		.shootdowns = tl.shootdowns,
		.ipis = tl.ipis,
		.relocations_while_shared = tl.moves_shared,
	};
}

void pt_vm_reset_stats(void)
{
	pt_ptb_reset_stats();
	pt_tlb_reset_stats();
	counters.cow_copies = counters.cow_reuses = counters.zero_fills = 0;
	counters.major_faults = counters.swap_ins = 0;
	counters.spaces_peak = pt_trk_count() > 0 ? pt_trk_count() - 1 : 0;
}
