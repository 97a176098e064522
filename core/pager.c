/*
 * pager.c - paging out (see pager.h for the plan).
 *
 * A page goes out one of three ways, by what its frame keeps (frame.h):
 *
 *   the frame keeps a slot, and D is clear      the copy is good: the entry
 *                                               names that slot, nothing written
 *   otherwise, a private frame                  written to the slot it keeps
 *                                               if nothing else holds that
 *                                               slot, else to a new one
 *   a shared frame (pt_pager_block_out only)       the entry gets the frame's
 *                                               shared copy, written once
 *
 * Only a private frame is freed; a shared one loses one reference.
 */
#include "pager.h"
#include "errors.h"
#include "frame.h"
#include "layout.h"
#include "lib.h"
#include "lock.h"
#include "ptblock.h"
#include "swap.h"
#include "tlb.h"
#include "tracker.h"
#include "vmspace.h"

static struct {
	int as;       /* the clock's hand: a tracker, */
	uint32_t pdi; /* a directory entry of its block, */
	uint32_t idx; /* an entry of that table */
} hand;

static struct {
	uint32_t swap_outs, clean_drops, second_chances;
} counters;

/* The clock's hand: one pt_pager_reclaim at a time, beside every other call. */
static struct pt_lock pager_lock = PT_LOCK_INIT("the pager", PT_RANK_PAGER);

void pt_pager_init(void)
{
	hand.as = 1;
	hand.pdi = USER_PDE_FIRST;
	hand.idx = 0;
	pt_pager_reset_stats();
}

/* The tracker of user space `as`, or NULL. */
static struct pg_tracker *user_space(int as)
{
	return (uint32_t)as - 1 < TRK_MAX - 1 ? pt_trk_get(as) : NULL;
}

static bool have_slots(void)
{
	struct swap_counts c;

	pt_swap_get_counts(&c);
	return c.total > 0;
}

/* ---- one page ---------------------------------------------------------------- */

/* Page va of block t, entry *e (present, or detached), is now in `slot` (its reference taken). */
static void leave(const struct pg_tracker *t, vaddr_t va, pte_t *e, uint32_t slot)
{
	bool cached = pte_present(*e); /* not once detached: no TLB holds it then */

	*e = make_swap_pte(slot, e->v & SWAP_PTE_RIGHTS);
	if (cached)
		pt_tlb_page(t, va); /* before the frame can be used again */
}

/* Write frame pa to slot; a slot that fails is retired, and its reference dropped. */
static int write_out(uint32_t slot, paddr_t pa)
{
	int rc = pt_swap_write(slot, pa);

	if (rc < 0) {
		pt_swap_retire(slot);
		pt_swap_unref(slot);
	}
	return rc;
}

/* The slot to write the private frame pa to: the one it keeps if nothing else holds it. */
static int slot_for(paddr_t pa)
{
	uint32_t kept = pt_frame_take_slot(pa);

	if (kept && pt_swap_refcount(kept) == 1)
		return (int)kept;
	if (kept)
		pt_swap_unref(kept); /* a stale copy others still name: theirs now */
	return pt_swap_alloc();
}

/*
 * The entry *e at va of block t, live on another CPU too, out of every
 * TLB before its frame is read: its present bit cleared atomically, so
 * that a dirty bit another CPU's walk sets meanwhile is in the value
 * returned, then shot down, so that no CPU writes the frame from here on
 * (one that touches it faults, and waits for the kernel to be done).  On
 * one CPU, or a block live nowhere else, nothing runs meanwhile: the entry
 * as it is.
 */
static pte_t detach(const struct pg_tracker *t, vaddr_t va, pte_t *e)
{
	if (pt_one_cpu() || !(pt_trk_live_cpus(t) & ~BIT(pt_cpu_self())))
		return *e;
	pte_t was = { __atomic_fetch_and(&e->v, ~(uint32_t)PG_P, __ATOMIC_SEQ_CST) };
	pt_tlb_page(t, va);
	return was;
}

/* Page out the page va of block t, whose frame (present entry *e) is evictable. */
static int evict_private(const struct pg_tracker *t, vaddr_t va, pte_t *e)
{
	pte_t was = detach(t, va, e);
	paddr_t pa = pte_addr(was);

	if (!(was.v & PG_D) && pt_frame_slot(pa)) { /* D first: a dirty page needs no look at its frame */
		leave(t, va, e, pt_frame_take_slot(pa));
		pt_count(&counters.clean_drops);
	} else {
		int slot = slot_for(pa), rc = slot < 0 ? slot : write_out((uint32_t)slot, pa);
		if (rc < 0) {
			*e = was; /* as it was, on every CPU that touches it again */
			return rc;
		}
		leave(t, va, e, (uint32_t)slot);
		pt_count(&counters.swap_outs);
	}
	pt_frame_free(pa);
	return 0;
}

/*
 * The entry's reference to frame pa goes: if it was the last one (the
 * others went meanwhile, on other CPUs), the frame goes, and the
 * reference it held to its slot.
 */
static void drop_frame(paddr_t pa)
{
	uint32_t slot;

	if (pt_frame_unref_mapping(pa, false, &slot) == 0 && slot)
		pt_swap_unref(slot);
}

/*
 * Page out this space's mapping, *e at va, of a frame shared copy-on-write
 * (ref >= 2 when looked at): the entry names the frame's shared copy,
 * written now if the frame has none, and the frame loses the entry's
 * reference.  A shared frame is read-only everywhere, so the copy stays
 * good while it is shared.  With several CPUs the other holders may let
 * the frame go meanwhile (a copy broken, a space destroyed): the new
 * copy is then the entry's alone, and the frame may go with the entry's
 * reference.
 */
static int evict_shared(const struct pg_tracker *t, vaddr_t va, pte_t *e)
{
	paddr_t pa = pte_addr(*e);
	uint32_t kept = pt_frame_ref_copy(pa); /* one at SWAP_REF_MAX is replaced by a new one */

	if (kept) {
		leave(t, va, e, kept);
		pt_count(&counters.clean_drops);
	} else {
		int slot = pt_swap_alloc(), rc;
		if (slot < 0)
			return slot;
		if ((rc = write_out((uint32_t)slot, pa)) < 0)
			return rc;
		if ((kept = pt_frame_take_slot(pa)) != 0)
			pt_swap_unref(kept); /* a stale copy others still name: theirs now */
		if (pt_frame_keep_slot(pa, (uint32_t)slot, true) == 0)
			pt_swap_ref((uint32_t)slot); /* the entry's, beside the frame's */
		leave(t, va, e, (uint32_t)slot);
		pt_count(&counters.swap_outs);
	}
	drop_frame(pa);
	return 0;
}

/* The entry of va in block t (in RAM), or NULL if no table maps it. */
static pte_t *entry_at(const struct pg_tracker *t, vaddr_t va)
{
	pde_t pde = pt_ptb_pd(t)[pde_index(va)];

	return pde_present(pde) ? &pt_ptb_table(pde_addr(pde))[pte_index(va)] : NULL;
}

static int pager_evict(int as, vaddr_t va)
{
	struct pg_tracker *t = user_space(as);
	int rc;

	if (!t)
		return -E_BADH;
	if (!IS_ALIGNED(va, PAGE_SIZE))
		return -E_INVAL;
	if (!is_user_page(va))
		return -E_RANGE;
	if (pt_trk_out(t) && (rc = pt_ptb_in(t)) < 0)
		return rc;
	pte_t *e = entry_at(t, va);
	if (!e || e->v == 0)
		return -E_NOENT;
	if (pte_swapped(*e))
		return -E_EXIST;
	if (!pt_frame_evictable(pte_addr(*e)))
		return -E_BUSY;
	return evict_private(t, va, e);
}

int pt_pager_evict(int as, vaddr_t va)
{
	pt_lock_space(as);
	int rc = pager_evict(as, va);
	pt_unlock_space(as);
	return rc;
}

/* ---- the clock ---------------------------------------------------------------- */

/* The first present user PDE of block t from index `from`, or USER_PDE_END (none, or t is out). */
static uint32_t first_table(const struct pg_tracker *t, uint32_t from)
{
	if (pt_trk_out(t))
		return USER_PDE_END;
	while (from < USER_PDE_END && !pde_present(pt_ptb_pd(t)[from]))
		from++;
	return from;
}

/*
 * first_table of space as, under its lock: USER_PDE_END if the space is
 * gone, or is a new one being made at the same index, since the index was
 * found (pt_trk_made_and_used).
 */
static uint32_t first_table_of(int as, uint32_t from)
{
	pt_lock_space(as);
	uint32_t i = pt_trk_made_and_used(as) ? first_table(pt_trk_get(as), from) : USER_PDE_END;
	pt_unlock_space(as);
	return i;
}

/*
 * Put the hand on a table: the one it is on if that still exists, else
 * the next present user PDE of a space in RAM, trackers in index order,
 * wrapping once.  False if no space in RAM has a table.
 */
static bool hand_on_table(void)
{
	for (int round = 0; round < 2; round++) {
		for (int as = pt_trk_next(hand.as); as >= 0; as = pt_trk_next(as + 1)) {
			uint32_t from = as == hand.as ? hand.pdi : USER_PDE_FIRST;
			uint32_t i = first_table_of(as, from);
			if (i == USER_PDE_END)
				continue;
			if (as != hand.as || i != hand.pdi)
				hand.idx = 0;
			hand.as = as;
			hand.pdi = i;
			return true;
		}
		hand.as = 1;
		hand.pdi = USER_PDE_FIRST;
		hand.idx = 0;
	}
	return false;
}

/* Give the page of entry *e at va in block t a second chance, or page it out: true if it went. */
static bool tick(const struct pg_tracker *t, vaddr_t va, pte_t *e)
{
	if (!pte_present(*e) || !pt_frame_evictable(pte_addr(*e)))
		return false;
	if (e->v & PG_A) {
		/* atomic: another CPU's walk may set D in the same entry at the same time */
		__atomic_fetch_and(&e->v, ~(uint32_t)PG_A, __ATOMIC_SEQ_CST);
		pt_tlb_page(t, va); /* or the CPU, holding the translation, never sets A again */
		pt_count(&counters.second_chances);
		return false;
	}
	return evict_private(t, va, e) == 0;
}

/*
 * Sweep the table under the hand from its entry on, until `want` frames
 * are freed.  The space's lock was given back since the hand was put
 * there: the space may be gone (and its index a new space's), out, or
 * without that table now.
 */
static uint32_t sweep(uint32_t want)
{
	uint32_t freed = 0;

	pt_lock_space(hand.as);
	const struct pg_tracker *t = pt_trk_get(hand.as);
	if (pt_trk_made_and_used(hand.as) && first_table(t, hand.pdi) == hand.pdi) {
		pte_t *pt = pt_ptb_table(pde_addr(pt_ptb_pd(t)[hand.pdi]));
		for (; hand.idx < PT_ENTRIES && freed < want; hand.idx++)
			freed += tick(t, pde_base(hand.pdi) + hand.idx * PAGE_SIZE, &pt[hand.idx]);
	} else {
		hand.idx = PT_ENTRIES;
	}
	pt_unlock_space(hand.as);
	if (hand.idx == PT_ENTRIES) {
		hand.pdi++;
		hand.idx = 0;
	}
	return freed;
}

static uint32_t reclaim(uint32_t want)
{
	struct vm_stats s;
	uint32_t freed = 0;

	if (!have_slots())
		return 0;
	pt_vm_get_stats(&s);
	/* two rounds of every table (the master's are counted too), and the part-swept one */
	for (uint32_t visits = 2 * s.tables + 1; freed < want && visits > 0; visits--) {
		if (!hand_on_table())
			break;
		freed += sweep(want - freed);
	}
	return freed;
}

uint32_t pt_pager_reclaim(uint32_t want)
{
	pt_lock_take(&pager_lock);
	uint32_t freed = reclaim(want);
	pt_lock_give(&pager_lock);
	return freed;
}

/* ---- blocks ---------------------------------------------------------------------- */

/* Why the present entry e keeps its space's block in RAM, or 0 if it may go out. */
static int keeps_block(pte_t e)
{
	paddr_t pa = pte_addr(e);

	if (!pt_frame_owned(pa) || pt_frame_pincount(pa) > 0)
		return -E_BUSY;
	if (pt_frame_refcount(pa) > 1 && !(e.v & PG_COW))
		return -E_BUSY; /* shared memory */
	return 0;
}

typedef int (*entry_fn)(const struct pg_tracker *t, vaddr_t va, pte_t *e);

/* Whether the eight entries from e are all zero (e a multiple of eight into its table). */
static inline bool eight_zero(const pte_t *e)
{
	return (e[0].v | e[1].v | e[2].v | e[3].v | e[4].v | e[5].v | e[6].v | e[7].v) == 0;
}

/*
 * Call fn on every present entry of table pt, directory entry i of block
 * t, in order, until it fails.  A process's tables are mostly zero: eight
 * zero entries are passed over with one test.
 */
static int each_in_table(const struct pg_tracker *t, uint32_t i, pte_t *pt, entry_fn fn)
{
	for (uint32_t k = 0; k < PT_ENTRIES; k += 8) {
		if (eight_zero(&pt[k]))
			continue;
		for (uint32_t j = k; j < k + 8; j++) {
			int rc = pte_present(pt[j]) ? fn(t, pde_base(i) + j * PAGE_SIZE, &pt[j]) : 0;
			if (rc < 0)
				return rc;
		}
	}
	return 0;
}

/* Call fn on every present entry of block t, in address order, until it fails. */
static int each_present(const struct pg_tracker *t, entry_fn fn)
{
	const pde_t *pd = pt_ptb_pd(t); /* paging out a page never moves the block */

	for (uint32_t i = USER_PDE_FIRST; i < USER_PDE_END; i++) {
		pde_t pde = pd[i];
		int rc = pde_present(pde) ? each_in_table(t, i, pt_ptb_table(pde_addr(pde)), fn) : 0;
		if (rc < 0)
			return rc;
	}
	return 0;
}

static int check_entry(const struct pg_tracker *t, vaddr_t va, pte_t *e)
{
	(void)t, (void)va;
	return keeps_block(*e);
}

static int evict_entry(const struct pg_tracker *t, vaddr_t va, pte_t *e)
{
	if (pt_frame_refcount(pte_addr(*e)) > 1)
		return evict_shared(t, va, e);
	return evict_private(t, va, e);
}

static int pager_block_out(int as)
{
	struct pg_tracker *t = user_space(as);
	int rc;

	if (!t)
		return -E_BADH;
	if (pt_trk_out(t))
		return 0;
	if (pt_trk_is_live(t))
		return -E_BUSY;
	if (!have_slots())
		return -E_NOMEM;
	if ((rc = each_present(t, check_entry)) < 0)
		return rc;
	if ((rc = each_present(t, evict_entry)) < 0)
		return rc;
	return pt_ptb_out(t);
}

int pt_pager_block_out(int as)
{
	pt_lock_space(as);
	int rc = pager_block_out(as);
	pt_unlock_space(as);
	return rc;
}

static int pager_block_in(int as)
{
	struct pg_tracker *t = user_space(as);

	if (!t)
		return -E_BADH;
	return pt_trk_out(t) ? pt_ptb_in(t) : 0;
}

int pt_pager_block_in(int as)
{
	pt_lock_space(as);
	int rc = pager_block_in(as);
	pt_unlock_space(as);
	return rc;
}

/* ---- statistics ------------------------------------------------------------------- */

void pt_pager_get_stats(struct pager_stats *s)
{
	struct vm_stats v;
	struct swap_io_counts io;
	struct swap_counts c;

	pt_vm_get_stats(&v);
	pt_swap_get_io(&io);
	pt_swap_get_counts(&c);
	*s = (struct pager_stats){
		.swap_outs = counters.swap_outs,
		.clean_drops = counters.clean_drops,
		.second_chances = counters.second_chances,
		.swap_ins = v.swap_ins,
		.major_faults = v.major_faults,
		.blocks_out = v.blocks_out,
		.blocks_in = v.blocks_in,
		.spaces_out = v.spaces_out,
		.writes = io.writes,
		.reads = io.reads,
		.write_errors = io.write_errors,
		.read_errors = io.read_errors,
		.slots_total = c.total,
		.slots_free = c.free,
		.slots_used = c.used,
		.slots_retired = c.retired,
	};
}

void pt_pager_reset_stats(void)
{
	counters.swap_outs = counters.clean_drops = counters.second_chances = 0;
	pt_swap_reset_io();
}
