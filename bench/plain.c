/* plain.c - single-page operations, the plainest way (see plain.h). */
#include "plain.h"
#include "errors.h"
#include "frame.h"
#include "kmap.h"
#include "lib.h"
#include "seam.h"

pte_t *plain_walk(pde_t *pd, vaddr_t va)
{
	pde_t pde = pd[pde_index(va)];

	if (!pde_present(pde))
		return NULL;
	return &((pte_t *)hw_phys(pde_addr(pde)))[pte_index(va)];
}

int plain_map(pde_t *pd, vaddr_t va, paddr_t pa, uint32_t flags)
{
	pte_t *e = plain_walk(pd, va);

	if (!e)
		return -E_NOENT;
	if (pte_present(*e))
		return -E_EXIST;
	*e = make_pte(pa, PG_P | flags);
	return 0;
}

int plain_unmap(pde_t *pd, vaddr_t va, bool live)
{
	pte_t *e = plain_walk(pd, va);

	if (!e || !pte_present(*e))
		return -E_NOENT;
	paddr_t pa = pte_addr(*e);
	*e = (pte_t){ 0 };
	if (live)
		hw_invlpg(va);
	pt_frame_unref(pa);
	return 0;
}

int plain_translate(pde_t *pd, vaddr_t va, paddr_t *pa)
{
	pte_t *e = plain_walk(pd, va);

	if (!e || !pte_present(*e))
		return -E_NOENT;
	*pa = pte_addr(*e) | (va & PAGE_MASK);
	return 0;
}

int plain_map_zero(pde_t *pd, vaddr_t va, uint32_t flags)
{
	paddr_t pa;
	int rc = pt_frame_alloc(ZONE_USER, &pa);

	if (rc < 0)
		return rc;
	vaddr_t w = pt_kmap(pa);
	memset(hw_kva(w), 0, PAGE_SIZE);
	pt_kunmap(w);
	if ((rc = plain_map(pd, va, pa, flags)) < 0)
		pt_frame_unref(pa);
	return rc;
}
