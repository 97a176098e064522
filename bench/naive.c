/* naive.c - the notes' complete page_table_info (see naive.h). */
#include "naive.h"
#include "errors.h"
#include "frame.h"
#include "layout.h"
#include "lib.h"
#include "seam.h"
#include "tracker.h"
#include "ptblock.h"

#define NAIVE_PDE_FLAGS (PG_P | PG_RW | PG_US)

static pde_t *pd_of(const struct naive_space *s) { return hw_phys(s->base); }

/* The table of directory index pdi: always page 1 + pdi of the run. */
static pte_t *table_at(const struct naive_space *s, uint32_t pdi)
{
	return hw_phys(s->base + (1 + pdi) * PAGE_SIZE);
}

int naive_create(struct naive_space *s)
{
	int rc = pt_frame_alloc_run(NAIVE_PAGES, &s->base);

	if (rc < 0)
		return rc;
	/* page A: the kernel's PDEs shared as in pagetrack, the user part empty; page B zeroed */
	pde_t *pd = pd_of(s);
	memcpy(pd, pt_ptb_pd(pt_trk_get(TRK_MASTER)), USER_PDE_FIRST * sizeof(pde_t));
	memset(pd + USER_PDE_FIRST, 0, (PT_ENTRIES - USER_PDE_FIRST) * sizeof(pde_t));
	memset(table_at(s, 0), 0, PAGE_SIZE);
	return 0;
}

void naive_destroy(struct naive_space *s)
{
	if (pt_frame_free_run(s->base, NAIVE_PAGES) < 0)
		panic("naive_destroy: the run at 0x%x is not free-able", s->base);
	s->base = 0;
}

/* The table for va, zeroed and linked at its index on first use. */
static pte_t *table_for(struct naive_space *s, vaddr_t va)
{
	pde_t *pd = pd_of(s);
	uint32_t i = pde_index(va);

	if (!pde_present(pd[i])) {
		memset(table_at(s, i), 0, PAGE_SIZE);
		pd[i] = make_pde(s->base + (1 + i) * PAGE_SIZE, NAIVE_PDE_FLAGS);
	}
	return table_at(s, i);
}

void naive_map_range(struct naive_space *s, vaddr_t va, paddr_t pa, uint32_t n, uint32_t flags)
{
	for (uint32_t i = 0; i < n;) {
		vaddr_t v = va + i * PAGE_SIZE;
		pte_t *pt = table_for(s, v);
		for (uint32_t j = pte_index(v); j < PT_ENTRIES && i < n; j++, i++)
			pt[j] = make_pte(pa + i * PAGE_SIZE, PG_P | flags);
	}
}

int naive_translate(const struct naive_space *s, vaddr_t va, paddr_t *pa)
{
	pde_t pde = pd_of(s)[pde_index(va)];

	if (!is_user_page(va) || !pde_present(pde))
		return -E_NOENT;
	pte_t pte = table_at(s, pde_index(va))[pte_index(va)];
	if (!pte_present(pte))
		return -E_NOENT;
	*pa = pte_addr(pte) | (va & PAGE_MASK);
	return 0;
}
