/* check.c - the invariant checker (see check.h). */
#include "check.h"
#include "errors.h"
#include "frame.h"
#include "layout.h"
#include "lock.h"
#include "ptblock.h"
#include "seam.h"
#include "swap.h"
#include "tracker.h"
#include "vmspace.h"

static int broken(int as, const char *what, uint32_t detail)
{
	kprintf("pt_vm_check: address space %d: %s (0x%x)\n", as, what, detail);
	return -E_INVAL;
}

/* Every frame of the block is a kernel-zone frame in use, pinned once. */
static int check_block_frames(int as, const struct pg_tracker *t)
{
	paddr_t base = pt_trk_base(t);

	if (t->pcount < PTB_MIN_PAGES || t->pcount > PTB_MAX_PAGES)
		return broken(as, "pcount out of range", t->pcount);
	if (pt_trk_ntables(t) >= t->pcount)
		return broken(as, "more tables than the block has room for", pt_trk_ntables(t));
	for (uint32_t i = 0; i < t->pcount; i++) {
		paddr_t f = base + i * PAGE_SIZE;
		if (!pt_frame_in_kzone(f) || pt_frame_refcount(f) != 1 || pt_frame_pincount(f) != 1)
			return broken(as, "a block frame is not in use and pinned once", f);
	}
	return 0;
}

/* The flags PDE i has when present. */
static uint32_t pde_flags_of(uint32_t i)
{
	if (is_user_pde(i))
		return USER_PDE_FLAGS;
	return i == GATE_PDE ? GATE_PDE_FLAGS : KERNEL_PDE_FLAGS;
}

/*
 * The user PDEs of block t (user true), or its kernel PDEs (the master's),
 * point at distinct slots 1..ntables, and every slot is used.
 */
static int check_pdes(int as, const struct pg_tracker *t, bool user)
{
	uint32_t seen[DIV_ROUND_UP(PTB_MAX_PAGES, 32)] = { 0 };
	const pde_t *pd = pt_ptb_pd(t);
	uint32_t n = pt_trk_ntables(t), found = 0;

	for (uint32_t i = 0; i < PT_ENTRIES; i++) {
		if (is_user_pde(i) != user)
			continue;
		if (!pde_present(pd[i])) {
			if (pd[i].v != 0)
				return broken(as, "a PDE that is not present is not zero", i);
			continue;
		}
		uint32_t slot = (pde_addr(pd[i]) - pt_trk_base(t)) / PAGE_SIZE;
		if (pde_addr(pd[i]) < pt_trk_base(t) || slot == 0 || slot > n)
			return broken(as, "a PDE points outside its block's tables", i);
		if ((pde_flags(pd[i]) | PG_A) != (pde_flags_of(i) | PG_A)) /* the CPU may set A */
			return broken(as, "a PDE has the wrong flags", pd[i].v);
		if (seen[slot / 32] & BIT(slot % 32))
			return broken(as, "two PDEs point at the same table", i);
		seen[slot / 32] |= BIT(slot % 32);
		found++;
	}
	if (found != n)
		return broken(as, "ntables does not match the PDEs", found);
	return 0;
}

/* A swap entry keeps only its slot and rights, and its slot is in use. */
static int check_swap_pte(int as, pte_t e)
{
	if (e.v & ~(PG_ADDR_MASK | PG_SWAP | SWAP_PTE_RIGHTS))
		return broken(as, "a swap entry has bits it does not keep", e.v);
	if ((e.v & PG_COW) && (e.v & PG_RW))
		return broken(as, "a copy-on-write swap entry is writable", e.v);
	if ((e.v & PG_COW_W) && !(e.v & PG_COW))
		return broken(as, "COW_W without COW in a swap entry", e.v);
	if (pt_swap_refcount(pte_slot(e)) < 1)
		return broken(as, "a swap entry names a slot that is not in use", e.v);
	return 0;
}

static int check_pte(int as, pte_t e)
{
	paddr_t pa = pte_addr(e);

	if (!pte_present(e) && e.v != 0 && !pte_swapped(e))
		return broken(as, "a PTE that is not present is neither zero nor a swap entry", e.v);
	if (!pte_present(e))
		return e.v == 0 ? 0 : check_swap_pte(as, e);
	if (e.v & (PG_PS | PG_G | PG_SWAP))
		return broken(as, "a user PTE has PS, G or SWAP", e.v);
	if ((e.v & PG_COW) && (e.v & PG_RW))
		return broken(as, "a copy-on-write PTE is writable", e.v);
	if ((e.v & PG_COW_W) && !(e.v & PG_COW))
		return broken(as, "COW_W without COW", e.v);
	if (pa >= FRAME_LOW_RESERVED && pa < pt_frame_kzone_end())
		return broken(as, "a kernel-zone frame is mapped in user space", pa);
	if (pt_frame_owned(pa) && pt_frame_refcount(pa) < 1)
		return broken(as, "a mapped frame is free", pa);
	return 0;
}

/* Every table maps something, and its live count is the number of its entries that are not zero. */
static int check_tables(int as, const struct pg_tracker *t)
{
	for (uint32_t s = 1; s <= pt_trk_ntables(t); s++) {
		paddr_t table = pt_trk_base(t) + s * PAGE_SIZE;
		const pte_t *pt = pt_ptb_table(table);
		uint32_t live = 0;
		for (uint32_t i = 0; i < PT_ENTRIES; i++) {
			int rc = check_pte(as, pt[i]);
			if (rc < 0)
				return rc;
			live += pt[i].v != 0;
		}
		if (live == 0)
			return broken(as, "a linked table maps nothing", s);
		if (*pt_ptb_live(table) != live)
			return broken(as, "a table's live count is not its live entries", *pt_ptb_live(table));
	}
	return 0;
}

/* A space that is out: not live, its tables fit the user part, its run of slots held once. */
static int check_out(int as, const struct pg_tracker *t)
{
	if (pt_trk_is_live(t))
		return broken(as, "a space whose block is out is live", t->ptPtr);
	if (pt_trk_ntables(t) > USER_PDES)
		return broken(as, "a block that is out has more tables than user PDEs", t->ptPtr);
	for (uint32_t i = 0; i < pt_ptb_used(t); i++)
		if (pt_swap_refcount(pt_trk_out_slot(t) + i) != 1)
			return broken(as, "a slot of a block that is out is not held once",
				      pt_trk_out_slot(t) + i);
	return 0;
}

/* The kernel's PDEs of directory pd (all but the user PDEs) are the master's, mpd's. */
static int check_kernel_copies(int as, const pde_t *pd, const pde_t *mpd)
{
	const size_t above = (PT_ENTRIES - USER_PDE_END) * sizeof(pde_t);

	if (memcmp(pd, mpd, USER_PDE_FIRST * sizeof(pde_t)) != 0)
		return broken(as, "kernel PDEs differ from the master's", 0);
	/* the PDEs above user space: none in the identity layout */
	if (USER_PDE_END < PT_ENTRIES && memcmp(&pd[USER_PDE_END], &mpd[USER_PDE_END], above) != 0)
		return broken(as, "kernel PDEs differ from the master's", USER_PDE_END);
	return 0;
}

static int check_space(int as, const struct pg_tracker *t, const struct pg_tracker *m)
{
	int rc;

	if (pt_trk_out(t))
		return check_out(as, t);
	if ((rc = check_block_frames(as, t)) < 0)
		return rc;
	if ((rc = check_kernel_copies(as, pt_ptb_pd(t), pt_ptb_pd(m))) < 0 ||
	    (rc = check_pdes(as, t, true)) < 0)
		return rc;
	return check_tables(as, t);
}

static int check_master(const struct pg_tracker *m)
{
	int rc;

	if ((rc = check_block_frames(TRK_MASTER, m)) < 0)
		return rc;
	if ((rc = check_pdes(TRK_MASTER, m, false)) < 0)
		return rc;
	for (uint32_t i = USER_PDE_FIRST; i < USER_PDE_END; i++)
		if (pt_ptb_pd(m)[i].v != 0)
			return broken(TRK_MASTER, "the master maps user space", i);
	if (!pde_present(pt_ptb_pd(m)[KMAP_PDE]))
		return broken(TRK_MASTER, "the kmap table is missing", KMAP_PDE);
	return 0;
}

/* ---- slot references ------------------------------------------------------ */

/* Slots counted at a time, in the bounce page. */
#define SLOTS_A_PASS (PAGE_SIZE / sizeof(uint16_t))

struct tally {
	uint16_t *seen;     /* holders met of slots [first, first + SLOTS_A_PASS) */
	uint32_t first;
	uint32_t out_mapped; /* the pages the blocks that are out map */
};

static void tally(struct tally *y, uint32_t slot)
{
	if (y->seen && slot - y->first < SLOTS_A_PASS)
		y->seen[slot - y->first]++;
}

/* The slot references block t holds: its run if it is out, else its tables' swap entries. */
static void tally_block(struct tally *y, const struct pg_tracker *t)
{
	if (pt_trk_out(t)) {
		for (uint32_t i = 0; i < pt_ptb_used(t); i++)
			tally(y, pt_trk_out_slot(t) + i);
		y->out_mapped += pt_trk_out_mapped(t);
		return;
	}
	for (uint32_t k = 1; k <= pt_trk_ntables(t); k++) {
		const pte_t *pt = pt_ptb_table(pt_trk_base(t) + k * PAGE_SIZE);
		for (uint32_t i = 0; i < PT_ENTRIES; i++)
			if (pte_swapped(pt[i]))
				tally(y, pte_slot(pt[i]));
	}
}

/*
 * Every holder of a slot reference that is in RAM: the frames' clean
 * copies, the swap entries of the tables in RAM, the runs of the blocks
 * that are out.  The entries of those blocks' tables are on the disk:
 * they are counted by their number alone (out_mapped).
 */
static void tally_holders(struct tally *y)
{
	paddr_t pa = 0;
	uint32_t slot;

	for (; pt_frame_next_kept(&pa, &slot); pa += PAGE_SIZE)
		tally(y, slot);
	y->out_mapped = 0;
	for (int as = pt_trk_next(1); as >= 0; as = pt_trk_next(as + 1))
		tally_block(y, pt_trk_get(as));
}

/* Whether a slot of [first, first + n) has a reference. */
static bool any_held(uint32_t first, uint32_t n)
{
	for (uint32_t s = first; s < first + n; s++)
		if (pt_swap_refcount(s) > 0)
			return true;
	return false;
}

/* Slots [y->first, + n): their holders counted, each slot's references left over added to *left. */
static int check_pass(struct tally *y, uint32_t n, uint32_t *left)
{
	memset(y->seen, 0, SLOTS_A_PASS * sizeof(uint16_t));
	tally_holders(y);
	for (uint32_t i = 0; i < n; i++) {
		int refs = MAX(pt_swap_refcount(y->first + i), 0);
		if (refs < y->seen[i])
			return broken(-1, "a slot has fewer references than holders", y->first + i);
		*left += (uint32_t)refs - y->seen[i];
	}
	return 0;
}

/*
 * Each slot has as many references as holders in RAM name it, and what
 * is left over, summed, is the pages the blocks that are out map.
 */
static int check_slot_refs(void)
{
	struct swap_counts c;
	struct tally y = { .seen = hw_phys(pt_swap_bounce()) };
	uint32_t left = 0;

	pt_swap_get_counts(&c);
	for (y.first = 0; c.total > 0 && y.first <= c.total; y.first += SLOTS_A_PASS) {
		uint32_t n = MIN(SLOTS_A_PASS, c.total + 1 - y.first);
		if (!any_held(y.first, n))
			continue;
		int rc = check_pass(&y, n, &left);
		if (rc < 0)
			return rc;
	}
	y.seen = NULL; /* the blocks' counts alone */
	tally_holders(&y);
	if (left != y.out_mapped)
		return broken(-1, "slot references held by nothing in RAM are not the pages out", left);
	return 0;
}

/* The slots the frames keep are in use. */
static int check_kept_slots(void)
{
	paddr_t pa = 0;
	uint32_t slot;

	for (; pt_frame_next_kept(&pa, &slot); pa += PAGE_SIZE)
		if (pt_swap_refcount(slot) < 1)
			return broken(-1, "a frame keeps a slot that is not in use", pa);
	return 0;
}

static int check_all(void)
{
	const struct pg_tracker *m = pt_trk_get(TRK_MASTER);
	int rc;

	if ((rc = pt_frame_check()) < 0 || (rc = pt_trk_check()) < 0 || (rc = pt_swap_check()) < 0)
		return rc;
	if (!m)
		return broken(TRK_MASTER, "tracker 0 is free", 0);
	if (pt_trk_out(m))
		return broken(TRK_MASTER, "the master is out", m->ptPtr);
	if ((rc = check_master(m)) < 0)
		return rc;
	for (int as = pt_trk_next(1); as >= 0; as = pt_trk_next(as + 1))
		if ((rc = check_space(as, pt_trk_get(as), m)) < 0)
			return rc;
	if ((rc = check_kept_slots()) < 0 || (rc = check_slot_refs()) < 0)
		return rc;
	if (!pt_trk_live_in_cr3())
		return broken(pt_vm_live(), "CR3 does not hold the live address space's block", hw_cr3());
	return 0;
}

/* Every space stopped (lock.h): the slots' references are counted across all of them. */
int pt_vm_check(void)
{
	pt_lock_all_spaces();
	int rc = check_all();
	pt_unlock_all_spaces();
	return rc;
}
