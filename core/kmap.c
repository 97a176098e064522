/* kmap.c - the kmap window (see kmap.h). */
#include "kmap.h"
#include "frame.h"
#include "layout.h"
#include "lib.h"
#include "seam.h"
#include "cpus.h"
#include "tlb.h"

static paddr_t table;             /* the kmap page table, 0 before paging init */
static pte_t *entries;            /* hw_phys(table): a kernel-zone frame, which stays where it is */
static uint32_t used[KMAP_SLOTS / 32];

void pt_kmap_init(paddr_t table_pa)
{
	table = table_pa;
	entries = table_pa ? hw_phys(table_pa) : NULL;
	memset(used, 0, sizeof(used));
}

static bool direct(paddr_t pa)
{
	return table == 0 || !hw_paging_enabled() || pt_frame_in_kzone(pa);
}

/* A free slot in the share of `share` words of the bitmap from word `first`. */
static inline uint32_t take_slot_in(uint32_t first, uint32_t share)
{
	for (uint32_t w = first; w < first + share; w++) {
		if (used[w] == UINT32_MAX)
			continue;
		uint32_t bit = (uint32_t)__builtin_ctz(~used[w]);
		used[w] |= BIT(bit);
		return w * 32 + bit;
	}
	panic("kmap: all %u slots of CPU %u are in use", share * 32, pt_cpu_self());
}

/*
 * A free slot of this CPU's share: with several CPUs (cpus.h) each takes its
 * windows from its own words of the bitmap, so that a window's invalidation
 * concerns its CPU alone (pt_tlb_kmap_page).  Out of line, or gcc merges its
 * loop with the one-CPU loop in pt_kmap and that one pays for the bounds.
 */
static __attribute__((noinline)) uint32_t take_slot_cpus(void)
{
	uint32_t share = ARRAY_SIZE(used) / pt_ncpus;

	return take_slot_in(pt_cpu_self() * share, share);
}

/*
 * A free slot.  One CPU's share is the whole bitmap, known at compile time:
 * every window of a fault or of a copy from a process comes here, and on one
 * CPU finds its slot without a division or a call.
 */
static uint32_t take_slot(void)
{
	if (pt_one_cpu())
		return take_slot_in(0, ARRAY_SIZE(used));
	return take_slot_cpus();
}

vaddr_t pt_kmap(paddr_t pa)
{
	if (direct(pa))
		return kzone_va(pa);
	uint32_t slot = take_slot();

	entries[slot] = make_pte(pa, PG_P | PG_RW | PG_G);
	return KMAP_BASE + slot * PAGE_SIZE;
}

void pt_kunmap(vaddr_t va)
{
	/*
	 * A direct address: nothing to release.  Before paging every frame is
	 * direct, and a user frame may then lie at the window's addresses.
	 */
	if (table == 0 || !hw_paging_enabled() || va - KMAP_BASE >= KMAP_SLOTS * PAGE_SIZE)
		return;
	uint32_t slot = (va - KMAP_BASE) / PAGE_SIZE;
	if (!(used[slot / 32] & BIT(slot % 32)))
		panic("pt_kunmap: slot %u is not in use", slot);
	entries[slot] = (pte_t){ 0 };
	pt_tlb_kmap_page(va);
	used[slot / 32] &= ~BIT(slot % 32);
}

void pt_kmap_zero(paddr_t pa)
{
	vaddr_t va = pt_kmap(pa);

	memset(hw_kva(va), 0, PAGE_SIZE);
	pt_kunmap(va);
}

void pt_kmap_copy(paddr_t dst, paddr_t src)
{
	vaddr_t d = pt_kmap(dst), s = pt_kmap(src);

	memcpy(hw_kva(d), hw_kva(s), PAGE_SIZE);
	pt_kunmap(s);
	pt_kunmap(d);
}

/* Counted when asked, from the bitmap: no count for every window to keep, on every CPU. */
uint32_t pt_kmap_in_use(void)
{
	uint32_t n = 0;

	for (uint32_t w = 0; w < ARRAY_SIZE(used); w++)
		for (uint32_t m = used[w]; m; m &= m - 1) /* no popcount: an i486 has none */
			n++;
	return n;
}
