/* vm_util.c - the helpers the vm suite's files share (vm_util.h), and the suite. */
#include "frame.h"
#include "ptblock.h"
#include "suites.h"
#include "tracker.h"
#include "vm_util.h"

struct fx_snapshot snap;

/* Map a new user frame holding `fill` in every word at va; its address in *pa. */
int map_filled(int as, vaddr_t va, uint32_t fill, uint32_t flags, paddr_t *pa)
{
	paddr_t f = fx_user_frame(fill);
	int rc = pt_vm_map(as, va, f, flags);

	if (rc < 0)
		pt_frame_free(f);
	else if (pa)
		*pa = f;
	return rc;
}

uint32_t query_flags(int as, vaddr_t va)
{
	struct vm_mapping m = { 0 };

	return pt_vm_query(as, va, &m) == 0 ? m.flags : 0xFFFFFFFFu;
}

paddr_t query_pa(int as, vaddr_t va)
{
	struct vm_mapping m = { 0 };

	return pt_vm_query(as, va, &m) == 0 ? m.pa : 0xFFFFFFFFu;
}

/* pt_vm_query's result alone. */
int query_rc(int as, vaddr_t va)
{
	struct vm_mapping m;

	return pt_vm_query(as, va, &m);
}

struct vm_space_info info_of(int as)
{
	struct vm_space_info info = { 0 };

	pt_vm_info(as, &info);
	return info;
}

struct vm_stats stats_now(void)
{
	struct vm_stats s;

	pt_vm_get_stats(&s);
	return s;
}

/* The PDE of va in address space as. */
pde_t pde_of(int as, vaddr_t va)
{
	return pt_ptb_pd(pt_trk_get(as))[pde_index(va)];
}

pte_t pte_of(int as, vaddr_t va)
{
	const struct pg_tracker *t = as == TRK_MASTER ? NULL : pt_trk_get(as);
	pde_t e = t ? pt_ptb_pd(t)[pde_index(va)] : (pde_t){ 0 };

	return pde_present(e) ? pt_ptb_table(pde_addr(e))[pte_index(va)] : (pte_t){ 0 };
}

/* The block slot the table of va sits in (0: none). */
uint32_t slot_of(int as, vaddr_t va)
{
	pde_t e = pde_of(as, va);

	return pde_present(e) ? (pde_addr(e) - pt_trk_base(pt_trk_get(as))) / PAGE_SIZE : 0;
}

/* A space with something in it, to snapshot around calls that must fail. */
int populated_space(void)
{
	int as = pt_vm_create();

	if (as < 0)
		return as;
	int rc = map_filled(as, REGION(0) + PAGE(3), 0x77, URW, NULL);
	if (rc == 0)
		rc = pt_vm_map_range(as, REGION(2) - PAGE(1), DEVICE_PA, 2, VM_USER);
	if (rc < 0) {
		pt_vm_destroy(as);
		return rc;
	}
	return as;
}

/*
 * Put a frame right after the block of as, so that it cannot grow in place.
 * Sets *plug to it (0 if the frame after the block was not free anyway).
 */
int block_the_way(int as, paddr_t *plug)
{
	struct vm_space_info info = info_of(as);
	paddr_t end = info.block + PAGE(info.pages);

	*plug = 0;
	if (!fx_kframes_free(end, 1))
		return 0;
	*plug = end;
	return fx_take_kframe(end);
}

void give_back_plug(paddr_t plug)
{
	if (plug)
		pt_frame_free(plug);
}

/* ---- the suite ------------------------------------------------------------ */

static const struct test_part *const parts[] = {
	&vm_map_part, &vm_grow_part, &vm_shrink_part, &vm_bad_part,
	&vm_tlb_part, &vm_clone_part, &vm_resolve_part, &vm_iterate_part, NULL,
};

DEFINE_SUITE_OF_PARTS(vm_suite, "vm", parts, fx_setup, fx_teardown);
