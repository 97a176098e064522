/* paging.c - paging initialisation (see paging.h). */
#include "paging.h"
#include "errors.h"
#include "frame.h"
#include "kmap.h"
#include "layout.h"
#include "lib.h"
#include "pager.h"
#include "ptblock.h"
#include "seam.h"
#include "tlb.h"
#include "tracker.h"
#include "vmspace.h"

static paddr_t master; /* the master block, between steps 2 and 3 */
static paddr_t gate;   /* the frame of the user gate's code, or 0 */

int pt_paging_step_tracker_page(void)
{
	pt_ptb_init();
	pt_vm_init();
	pt_pager_init();
	pt_tlb_reset_stats(); /* a new paging system has invalidated nothing yet */
	pt_kmap_init(0);
	return pt_trk_init();
}

int pt_paging_step_master_block(void)
{
	return pt_ptb_alloc(PTB_MIN_PAGES, &master);
}

int pt_paging_step_link_master(void)
{
	int idx = pt_trk_claim(master, 0, PTB_MIN_PAGES);

	if (idx >= 0 && idx != TRK_MASTER)
		panic("pt_paging_step_link_master: the master got tracker %d", idx);
	return idx < 0 ? idx : 0;
}

/*
 * Map physical [from, to) in the master with kernel flags at its kernel
 * address (kzone_va: the identity, or PT_PHYS_OFFSET above), adding its
 * tables.
 */
static int map_kernel(paddr_t from, paddr_t to)
{
	struct pg_tracker *t = pt_trk_get(TRK_MASTER);
	uint32_t missing = 0;

	for (uint32_t i = pde_index(kzone_va(from)); i <= pde_index(kzone_va(to - 1)); i++)
		missing += !pde_present(pt_ptb_pd(t)[i]);
	int rc = pt_ptb_reserve(t, missing);
	if (rc < 0)
		return rc;
	for (paddr_t pa = from; pa < to; pa += PAGE_SIZE) {
		vaddr_t va = kzone_va(pa);
		pde_t pde = pt_ptb_pd(t)[pde_index(va)];
		paddr_t table = pde_present(pde) ? pde_addr(pde)
			: pt_ptb_link(t, pde_index(va), KERNEL_PDE_FLAGS);
		pt_ptb_table(table)[pte_index(va)] = make_pte(pa, KERNEL_PTE_FLAGS);
	}
	return 0;
}

int pt_paging_step_map_low(void)
{
	return map_kernel(PAGE_SIZE, FRAME_LOW_RESERVED); /* page 0 stays out */
}

int pt_paging_step_map_kzone(void)
{
	return map_kernel(FRAME_LOW_RESERVED, pt_frame_kzone_end());
}

void pt_paging_set_user_gate(paddr_t frame)
{
	gate = frame;
}

/* The gate's PTE in the master's gate table. */
static pte_t *gate_pte(void)
{
	pde_t pde = pt_ptb_pd(pt_trk_get(TRK_MASTER))[GATE_PDE];

	if (!gate || !pde_present(pde))
		panic("pt_paging_open_gate: there is no user gate");
	return &pt_ptb_table(pde_addr(pde))[pte_index(GATE_BASE)];
}

void pt_paging_open_gate(bool open)
{
	pte_t *e = gate_pte();

	e->v = open ? e->v | PG_US : e->v & ~PG_US;
	pt_tlb_kernel_page(GATE_BASE);
}

int pt_paging_step_enable(void)
{
	struct pg_tracker *m = pt_trk_get(TRK_MASTER);
	int rc = pt_ptb_reserve(m, gate ? 2 : 1);

	if (rc < 0)
		return rc;
	pt_kmap_init(pt_ptb_link(m, KMAP_PDE, KERNEL_PDE_FLAGS));
	if (gate) {
		paddr_t table = pt_ptb_link(m, GATE_PDE, GATE_PDE_FLAGS);
		pt_ptb_table(table)[pte_index(GATE_BASE)] = make_pte(gate, GATE_PTE_FLAGS);
	}
	pt_ptb_trim(m); /* the master never grows again */
	hw_enable_paging(pt_trk_base(m));
	pt_trk_set_live(TRK_MASTER);
	return 0;
}

static void log_step(int n)
{
	struct pg_tracker *m = pt_trk_get(TRK_MASTER);
	paddr_t x = pt_frame_kzone_end();
	const char *how = PT_PHYS_OFFSET == 0 ? "identity" : "at PT_PHYS_OFFSET + pa";

	switch (n) {
	case 1:
		kprintf("paging: 1. tracker page: the first pg_alloc_page at 0x%08x "
			"(512 trackers, pinned)\n", pt_trk_page_addr(0));
		break;
	case 2:
		kprintf("paging: 2. master table: page A (directory) at 0x%08x, page B at "
			"0x%08x; not in CR3 yet\n", master, master + PAGE_SIZE);
		break;
	case 3:
		kprintf("paging: 3. tracker 0 links the master table: ptPtr=0x%08x pcount=%u\n",
			m->ptPtr, m->pcount);
		break;
	case 4:
		kprintf("paging: 4. first 1 MiB mapped, %s, supervisor: 0x%08x-0x%08x "
			"(page 0 left out)\n", how, kzone_va(PAGE_SIZE),
			kzone_va(FRAME_LOW_RESERVED));
		break;
	case 5:
		kprintf("paging: 5. kernel zone mapped, %s, supervisor, global: "
			"0x%08x-0x%08x (%u MiB, %u page tables)\n", how,
			kzone_va(FRAME_LOW_RESERVED), kzone_va(x), x >> 20, pt_trk_ntables(m));
		break;
	case 6:
		kprintf("paging: 6. kmap table for 0x%08x%s; CR3=0x%08x; paging on "
			"(CR0.PG, CR0.WP, and CR4.PGE where the CPU has it); master block %u pages\n", KMAP_BASE,
			gate ? " and the user gate" : "", hw_cr3(), m->pcount);
		break;
	}
}

int pt_paging_init(bool verbose)
{
	static int (*const steps[])(void) = {
		pt_paging_step_tracker_page, pt_paging_step_master_block, pt_paging_step_link_master,
		pt_paging_step_map_low,      pt_paging_step_map_kzone,    pt_paging_step_enable,
	};

	for (int i = 0; i < (int)ARRAY_SIZE(steps); i++) {
		int rc = steps[i]();
		if (rc < 0) {
			kprintf("paging: step %d failed: %s (%s)\n", i + 1, err_name(rc),
				err_cause(rc));
			return rc;
		}
		if (verbose)
			log_step(i + 1);
	}
	return 0;
}
