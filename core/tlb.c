/* tlb.c - TLB invalidation, in one place (see tlb.h). */
#include "tlb.h"
#include "debug.h"
#include "seam.h"
#include "cpus.h"
#include "lock.h"
#include "tracker.h"

struct tlb_stats pt_tlb_counts;

/* The one shootdown in flight: posted by the sender, read by its targets. */
static struct {
	const struct pg_tracker *t; /* the block; NULL for a kernel page */
	vaddr_t va;
	uint32_t npages; /* 0: the block moved, load CR3 from its base */
	uint32_t pending; /* bit c: CPU c has yet to answer */
} req;

/* The request: senders on several CPUs at once post one after another (its spinners answer). */
static struct pt_lock req_lock = PT_LOCK_INIT("the shootdown request", PT_RANK_TLB);

void pt_tlb_assert_cr3(void)
{
	DEBUG_ASSERT(pt_trk_live_in_cr3());
}

/* Whether t is this CPU's live block. */
static bool on_this_cpu(const struct pg_tracker *t)
{
	if (pt_one_cpu())
		return t == pt_trk_live_alone;
	return t && t == pt_trk_live_on[pt_cpu_self()];
}

/* Whether a change to block t needs invalidating on this CPU: t is live here, in CR3. */
static bool live_here(const struct pg_tracker *t)
{
	pt_tlb_assert_cr3();
	return on_this_cpu(t);
}

/* The other CPUs where t is live (all others for a kernel page). */
static uint32_t others(const struct pg_tracker *t)
{
	if (pt_one_cpu())
		return 0;
	uint32_t all = t ? pt_trk_live_cpus(t) : (uint32_t)MASK(pt_ncpus);

	return all & ~BIT(pt_cpu_self());
}

/* Have every CPU of cpus do the request, and wait until each has. */
static void shoot(uint32_t cpus, const struct pg_tracker *t, vaddr_t va, uint32_t npages)
{
	uint32_t n = 0;

	if (cpus == 0) /* first: one CPU's calls come here too, and leave at once */
		return;
	for (uint32_t m = cpus; m; m &= m - 1) /* no popcount: an i486 has none, libgcc is not ours */
		n++;
	pt_lock_take(&req_lock);
	req.t = t;
	req.va = va;
	req.npages = npages;
	__atomic_store_n(&req.pending, cpus, __ATOMIC_SEQ_CST);
	pt_cpu_send_ipi(cpus);
	while (__atomic_load_n(&req.pending, __ATOMIC_ACQUIRE) != 0)
		pt_cpu_relax();
	pt_tlb_counts.shootdowns++;
	pt_tlb_counts.ipis += n;
	pt_lock_give(&req_lock);
}

/* The request's work on CPU me, if it waits for me: an interrupt and a poll may both come. */
static void answer(uint32_t me)
{
	if (!(__atomic_load_n(&req.pending, __ATOMIC_ACQUIRE) & BIT(me)))
		return;
	const struct pg_tracker *t = req.t;
	/* not live_here: a block that moved is not yet where this CR3 says */
	bool here = on_this_cpu(t);

	if (req.npages == 0) {
		if (here)
			hw_load_cr3(pt_trk_base(t));
	} else if (req.npages > TLB_RANGE_FLUSH) {
		if (here)
			hw_flush_tlb();
	} else {
		for (uint32_t i = 0; i < req.npages; i++)
			hw_invlpg(req.va + i * PAGE_SIZE);
	}
	__atomic_fetch_and(&req.pending, ~BIT(me), __ATOMIC_RELEASE);
}

void pt_tlb_ipi(void)
{
	answer(pt_cpu_self());
}

void pt_tlb_poll(void)
{
	if (!pt_one_cpu())
		answer(pt_cpu_self());
}

void pt_tlb_page_live(vaddr_t va)
{
	hw_invlpg(va);
	pt_tlb_counts.invlpgs++; /* one CPU's: pt_tlb_page calls here only then */
}

/* pt_tlb_page_live with several CPUs, whose calls may count at once. */
static void page_here(vaddr_t va)
{
	hw_invlpg(va);
	pt_count(&pt_tlb_counts.invlpgs);
}

void pt_tlb_page_cpus(const struct pg_tracker *t, vaddr_t va)
{
	uint32_t cpus = others(t);

	if (live_here(t))
		page_here(va);
	else if (!cpus)
		pt_count(&pt_tlb_counts.skipped);
	shoot(cpus, t, va, 1);
}

void pt_tlb_range(const struct pg_tracker *t, vaddr_t va, uint32_t npages)
{
	if (npages > TLB_RANGE_FLUSH) {
		pt_tlb_all(t);
		return;
	}
	if (pt_one_cpu()) {
		for (uint32_t i = 0; i < npages; i++)
			pt_tlb_page(t, va + i * PAGE_SIZE);
		return;
	}
	if (live_here(t))
		for (uint32_t i = 0; i < npages; i++)
			page_here(va + i * PAGE_SIZE);
	shoot(others(t), t, va, npages); /* one interrupt for the range */
}

void pt_tlb_all(const struct pg_tracker *t)
{
	uint32_t cpus = others(t);

	if (live_here(t)) {
		hw_flush_tlb();
		pt_count(&pt_tlb_counts.flushes);
	} else if (!cpus) {
		pt_count(&pt_tlb_counts.skipped);
	}
	shoot(cpus, t, 0, TLB_RANGE_FLUSH + 1);
}

void pt_tlb_block_moved(const struct pg_tracker *t)
{
	uint32_t cpus = others(t);

	if (on_this_cpu(t)) /* the CPU walks the old block until CR3 moves */
		hw_load_cr3(pt_trk_base(t));
	if (cpus)
		pt_count(&pt_tlb_counts.moves_shared);
	shoot(cpus, t, 0, 0);
}

void pt_tlb_kernel_page(vaddr_t va)
{
	pt_tlb_kmap_page(va); /* kernel mappings are in every address space: always live */
	shoot(others(NULL), NULL, va, 1);
}

void pt_tlb_kmap_page(vaddr_t va)
{
	hw_invlpg(va);
	pt_count(&pt_tlb_counts.invlpgs); /* fills on several CPUs unmap their windows at once */
}

void pt_tlb_get_stats(struct tlb_stats *s) { *s = pt_tlb_counts; }
void pt_tlb_reset_stats(void) { pt_tlb_counts = (struct tlb_stats){ 0 }; }
