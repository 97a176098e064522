/*
 * test_hw.c - what the page tables make the MMU do: the permission rules of
 * both levels at both privilege levels, stale translations and the core's
 * invalidations, page 0, many address spaces switched in turn, and kmap.
 *
 * These cases are the point of running the same bodies twice: on the host
 * the model MMU answers, in the kernel QEMU's MMU does, through real loads
 * and stores.  Passing on both is what shows the model is faithful.
 *
 * The permission table writes the PDE and the PTE of one test page by hand
 * (the core never makes most of these combinations) and puts them back
 * before anything else looks at the tables:
 *
 *   PD[pde_index(TEST_VA)] = table | P? | RW? | US?     8 combinations
 *   PT[pte_index(TEST_VA)] = frame | P? | RW? | US?     x 8
 *   access: read, write  x  CPL 0, CPL 3                x 4 = 256 probes
 */
#include "check.h"
#include "fixture.h"
#include "frame.h"
#include "kmap.h"
#include "layout.h"
#include "paging.h"
#include "probe.h"
#include "ptblock.h"
#include "seam.h"
#include "suites.h"
#include "tracker.h"
#include "vmspace.h"

#define TEST_VA (USER_BASE + 0x00123000u)
#define URW (VM_USER | VM_WRITE)
#define FAULTED(err) (PROBE_FAULTED | (err))
#define SPACES 100

/* ---- the permission table ------------------------------------------------ */

static const uint32_t rights[] = { 0, PG_RW, PG_US, PG_RW | PG_US };

/*
 * What the SDM (vol. 3A, 4.6 and 4.7) says an access with CR0.WP = 1 does,
 * given the flags of the PDE and the PTE: 0 if it is allowed, or the
 * error code of the page fault.
 */
static uint32_t sdm_outcome(uint32_t pde, uint32_t pte, uint32_t how)
{
	uint32_t err = how & (PF_W | PF_U);
	bool user = how & PROBE_USER, write = how & PROBE_WRITE;

	if (!(pde & PG_P) || !(pte & PG_P))
		return FAULTED(err); /* not present: P clear */
	if (user && !((pde & PG_US) && (pte & PG_US)))
		return FAULTED(PF_P | err);
	if (write && !((pde & PG_RW) && (pte & PG_RW)))
		return FAULTED(PF_P | err); /* a supervisor write too: CR0.WP is set */
	return 0;
}

static pde_t *pde_of(int as, vaddr_t va)
{
	return &pt_ptb_pd(pt_trk_get(as))[pde_index(va)];
}

static void permission_table_at_both_levels_and_privileges(void)
{
	static const uint32_t hows[] = { PROBE_READ, PROBE_WRITE, PROBE_USER,
					 PROBE_USER | PROBE_WRITE };
	int as = pt_vm_create();
	paddr_t frame = fx_user_frame(0x5EED0001);

	CHECK_GT(as, 0);
	CHECK_OK(pt_vm_map(as, TEST_VA, frame, URW));
	CHECK_OK(pt_vm_activate(as));
	pde_t *pde = pde_of(as, TEST_VA), saved_pde = *pde;
	pte_t *pte = &((pte_t *)hw_phys(pde_addr(saved_pde)))[pte_index(TEST_VA)];
	pte_t saved_pte = *pte;

	for (uint32_t p = 0; p < 16; p++) {
		uint32_t pde_fl = (p & 1 ? PG_P : 0) | rights[p >> 2];
		uint32_t pte_fl = (p & 2 ? PG_P : 0);
		for (uint32_t r = 0; r < ARRAY_SIZE(rights); r++) {
			pte_fl = (pte_fl & PG_P) | rights[r];
			*pde = make_pde(pde_addr(saved_pde), pde_fl);
			*pte = make_pte(frame, pte_fl);
			for (uint32_t h = 0; h < ARRAY_SIZE(hows); h++) {
				uint32_t val = 0x77777777;
				hw_flush_tlb(); /* each probe walks the tables as written */
				uint32_t got = probe(TEST_VA, hows[h], &val);
				uint32_t want = sdm_outcome(pde_fl, pte_fl, hows[h]);
				if (got != want) {
					*pde = saved_pde;
					*pte = saved_pte;
					hw_flush_tlb();
					CHECK_EQ(got, want);
				}
			}
		}
	}
	*pde = saved_pde;
	*pte = saved_pte;
	hw_flush_tlb();
	CHECK_OK(pt_vm_check());
	CHECK_OK(pt_vm_activate(0));
	CHECK_OK(pt_vm_destroy(as));
}

/* ---- the TLB ------------------------------------------------------------------ */

static void stale_translation_stays_until_invalidated(void)
{
	int as = pt_vm_create();
	paddr_t old = fx_user_frame(0x01D01D01), new = fx_user_frame(0x0E770E77);
	uint32_t v = 0;

	CHECK_GT(as, 0);
	CHECK_OK(pt_vm_map(as, TEST_VA, old, URW));
	CHECK_OK(pt_vm_activate(as));
	CHECK_EQ(probe(TEST_VA, PROBE_READ, &v), 0);
	CHECK_EQ(v, 0x01D01D01);

	/* point the PTE elsewhere behind the MMU's back: the cached translation stays */
	pte_t *pte = &((pte_t *)hw_phys(pde_addr(*pde_of(as, TEST_VA))))[pte_index(TEST_VA)];
	pte_t saved = *pte;
	*pte = make_pte(new, pte_flags(saved));
	CHECK_EQ(probe(TEST_VA, PROBE_READ, &v), 0);
	uint32_t stale = v;
	hw_invlpg(TEST_VA);
	CHECK_EQ(probe(TEST_VA, PROBE_READ, &v), 0);
	uint32_t fresh = v;
	*pte = saved;
	hw_invlpg(TEST_VA);
	CHECK_EQ(stale, 0x01D01D01);
	CHECK_EQ(fresh, 0x0E770E77);

	/* the core's own changes invalidate: no stale entry survives pt_vm_unmap */
	CHECK_EQ(probe(TEST_VA, PROBE_READ, &v), 0);
	CHECK_OK(pt_vm_unmap(as, TEST_VA));
	CHECK_EQ(probe(TEST_VA, PROBE_READ, &v), FAULTED(0));
	CHECK_OK(pt_vm_map(as, TEST_VA, new, URW));
	CHECK_EQ(probe(TEST_VA, PROBE_USER, &v), 0);
	CHECK_EQ(v, 0x0E770E77);
	CHECK_OK(pt_vm_check());
	CHECK_OK(pt_vm_activate(0));
	CHECK_OK(pt_vm_destroy(as));
}

static void stale_translation_is_dropped_by_a_cr3_load(void)
{
	int as = pt_vm_create();
	paddr_t old = fx_user_frame(0xAAAA0001), new = fx_user_frame(0xBBBB0002);
	uint32_t v = 0;

	CHECK_GT(as, 0);
	CHECK_OK(pt_vm_map(as, TEST_VA, old, URW));
	CHECK_OK(pt_vm_activate(as));
	CHECK_EQ(probe(TEST_VA, PROBE_READ, &v), 0);
	pte_t *pte = &((pte_t *)hw_phys(pde_addr(*pde_of(as, TEST_VA))))[pte_index(TEST_VA)];
	pte_t saved = *pte;
	*pte = make_pte(new, pte_flags(saved));
	hw_flush_tlb();
	CHECK_EQ(probe(TEST_VA, PROBE_READ, &v), 0);
	*pte = saved;
	hw_flush_tlb();
	CHECK_EQ(v, 0xBBBB0002);
	CHECK_OK(pt_vm_activate(0));
	CHECK_OK(pt_vm_destroy(as));
	pt_frame_free(new);
}

/* ---- page 0, kernel pages ---------------------------------------------------- */

static void page_zero_faults_in_every_space(void)
{
	int as = pt_vm_create();
	uint32_t v = 0;

	CHECK_GT(as, 0);
	for (int i = 0; i < 2; i++) {
		CHECK_OK(pt_vm_activate(i == 0 ? 0 : as));
		CHECK_EQ(probe(0, PROBE_READ, &v), FAULTED(0));
		CHECK_EQ(probe(0xFFC, PROBE_WRITE, &v), FAULTED(PF_W));
		CHECK_EQ(probe(0, PROBE_USER, &v), FAULTED(PF_U));
		CHECK_EQ(probe(kzone_va(0), PROBE_READ, &v), FAULTED(0)); /* the kernel's page 0 */
		CHECK_EQ(probe(kzone_va(PAGE_SIZE), PROBE_READ, &v), 0); /* the BIOS area */
	}
	CHECK_OK(pt_vm_activate(0));
	CHECK_OK(pt_vm_destroy(as));
}

static void kernel_pages_are_global_and_supervisor_only(void)
{
	int as = pt_vm_create();
	paddr_t probe_at = pt_frame_kzone_end() - PAGE_SIZE;
	uint32_t v = 0;

	CHECK_GT(as, 0);
	CHECK_OK(pt_vm_activate(as));
	pde_t pde = *pde_of(as, kzone_va(probe_at));
	CHECK(pde_present(pde));
	pte_t pte = ((pte_t *)hw_phys(pde_addr(pde)))[pte_index(kzone_va(probe_at))];
	CHECK_EQ(pte.v & (PG_P | PG_RW | PG_US | PG_G), KERNEL_PTE_FLAGS);
	CHECK_EQ(pte_addr(pte), probe_at);
	CHECK_EQ(probe(kzone_va(probe_at), PROBE_READ, &v), 0);
	CHECK_EQ(probe(kzone_va(probe_at), PROBE_USER, &v), FAULTED(PF_P | PF_U));
	CHECK_EQ(probe(kzone_va(probe_at), PROBE_USER | PROBE_WRITE, &v),
		 FAULTED(PF_P | PF_W | PF_U));
	CHECK_OK(pt_vm_activate(0));
	CHECK_OK(pt_vm_destroy(as));
}

/* ---- many address spaces -------------------------------------------------- */

/* Each space maps its own frame at USER_BASE and one private page of its own. */
static void hundred_spaces_each_see_only_their_own_frames(void)
{
	static int spaces[SPACES];
	uint32_t v;

	for (int i = 0; i < SPACES; i++) {
		spaces[i] = pt_vm_create();
		CHECK_GT(spaces[i], 0);
		CHECK_OK(pt_vm_map(spaces[i], USER_BASE, fx_user_frame(0x1000u + (uint32_t)i), URW));
		CHECK_OK(pt_vm_map(spaces[i], USER_BASE + PDE_SPAN * (uint32_t)(i + 1),
				fx_user_frame(0x2000u + (uint32_t)i), URW));
	}
	CHECK_OK(pt_vm_check());
	for (int round = 0; round < 2; round++) {
		for (int i = 0; i < SPACES; i++) {
			CHECK_OK(pt_vm_activate(spaces[i]));
			CHECK_EQ(probe(USER_BASE, PROBE_USER, &v), 0);
			CHECK_EQ(v, 0x1000u + (uint32_t)i);
			v = 0x3000u + (uint32_t)i; /* each writes its own frame */
			CHECK_EQ(probe(USER_BASE + 4, PROBE_USER | PROBE_WRITE, &v), 0);
			/* its neighbours' private pages are not mapped here */
			int j = (i + 1) % SPACES;
			CHECK_EQ(probe(USER_BASE + PDE_SPAN * (uint32_t)(j + 1), PROBE_USER, &v),
				 FAULTED(PF_U));
			CHECK_EQ(probe(USER_BASE + PDE_SPAN * (uint32_t)(i + 1), PROBE_USER, &v), 0);
			CHECK_EQ(v, 0x2000u + (uint32_t)i);
		}
	}
	for (int i = 0; i < SPACES; i++) {
		paddr_t pa;
		CHECK_OK(pt_vm_translate(spaces[i], USER_BASE + 4, &pa));
		vaddr_t w = pt_kmap(ALIGN_DOWN(pa, PAGE_SIZE));
		v = ((uint32_t *)hw_kva(w))[1];
		pt_kunmap(w);
		CHECK_EQ(v, 0x3000u + (uint32_t)i);
	}
	CHECK_OK(pt_vm_activate(0));
	for (int i = 0; i < SPACES; i++)
		CHECK_OK(pt_vm_destroy(spaces[i]));
}

/* ---- kmap ------------------------------------------------------------------ */

static void kmap_zeroes_and_copies_user_frames(void)
{
	paddr_t a = fx_user_frame(0xDEADBEEF), b = fx_user_frame(0x12345678);

	pt_kmap_zero(a);
	vaddr_t w = pt_kmap(a);
	const uint32_t *words = hw_kva(w);
	for (uint32_t i = 0; i < PAGE_SIZE / 4; i++)
		if (words[i] != 0) {
			pt_kunmap(w);
			CHECK_EQ(words[i], 0);
		}
	pt_kunmap(w);
	pt_kmap_copy(a, b);
	CHECK_EQ(fx_frame_word(a), 0x12345678);
	CHECK_EQ(pt_kmap_in_use(), fx_start.kmap_slots);
	pt_frame_free(a);
	pt_frame_free(b);
}

static void kmap_slot_is_released_and_reused_without_stale_data(void)
{
	paddr_t a = fx_user_frame(0xA0A0A0A0), b = fx_user_frame(0xB0B0B0B0);

	vaddr_t wa = pt_kmap(a);
	CHECK_EQ(pt_kmap_in_use(), fx_start.kmap_slots + 1);
	CHECK_EQ(*(uint32_t *)hw_kva(wa), 0xA0A0A0A0);
	pt_kunmap(wa);
	CHECK_EQ(pt_kmap_in_use(), fx_start.kmap_slots);
	vaddr_t wb = pt_kmap(b);
	uint32_t seen = *(uint32_t *)hw_kva(wb);
	pt_kunmap(wb);
	CHECK_EQ(wb, wa); /* the slot came back */
	CHECK_EQ(seen, 0xB0B0B0B0);
	if (!pt_frame_in_kzone(a)) { /* a window: reachable only while mapped */
		uint32_t v;
		CHECK(wa - KMAP_BASE < KMAP_SLOTS * PAGE_SIZE);
		CHECK_EQ(probe(wa, PROBE_READ, &v), FAULTED(0));
	}
	pt_frame_free(a);
	pt_frame_free(b);
}

static const struct test_case cases[] = {
	TEST_CASE(permission_table_at_both_levels_and_privileges),
	TEST_CASE(stale_translation_stays_until_invalidated),
	TEST_CASE(stale_translation_is_dropped_by_a_cr3_load),
	TEST_CASE(page_zero_faults_in_every_space),
	TEST_CASE(kernel_pages_are_global_and_supervisor_only),
	TEST_CASE(hundred_spaces_each_see_only_their_own_frames),
	TEST_CASE(kmap_zeroes_and_copies_user_frames),
	TEST_CASE(kmap_slot_is_released_and_reused_without_stale_data),
};

DEFINE_SUITE(hw_suite, "hw", cases, fx_setup, fx_teardown);
