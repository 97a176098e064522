/*
 * test_mmu.c (host) - the model MMU and TLB (hosted/mmu_model.c): the walk,
 * the access rights of SDM 4.6, 4 MiB pages, the A and D bits, which
 * translations the TLB and the paging-structure cache keep, which they
 * drop, and what they fill again at once (mmu_model.h).
 *
 * Physical memory, as every case sets it up (8 MiB, zeroed by the setup):
 *
 *   0x001000  PD       the page directory CR3 points at
 *   0x002000  PD2      a second page directory (CR3 switches)
 *   0x003000  PT       the page table of VA's 4 MiB
 *   0x005000  PT2      another table for VA's 4 MiB (a PDE repointed)
 *   0x010000  PERM_PT  8 page tables of the permission table, one per PDE
 *   0x100000  FRAME1   data frames
 *   0x101000  FRAME2
 *   0x120000  PERM_FRAME  64 data frames of the permission table
 *   0x400000  LARGE_FRAME  a 4 MiB page (and PS_PT, a table at the same place)
 *
 * Linear addresses: VA = 0x40000000 (4 KiB pages through PT), LARGE_VA =
 * 0x80000000 (a 4 MiB page), PERM_VA = 0xC0000000 (the permission table).
 */
#include "harness.h"
#include "machine.h"
#include "mmu_model.h"
#include "probe.h"
#include "seam.h"
#include "suites.h"

#define RAM MiB(8)
#define PD 0x1000u
#define PD2 0x2000u
#define PT 0x3000u
#define PT2 0x5000u
#define PERM_PT 0x10000u
#define FRAME1 0x100000u
#define FRAME2 0x101000u
#define PERM_FRAME 0x120000u
#define LARGE_FRAME MiB(4)
#define PS_PT MiB(4) /* 4 MiB aligned, so that no reserved bit shows under PSE */

#define VA 0x40000000u
#define LARGE_VA 0x80000000u
#define PERM_VA 0xC0000000u

#define SUP_READ 0u
#define SUP_WRITE PF_W
#define USER_READ PF_U
#define USER_WRITE (PF_U | PF_W)

#define PG_URW (PG_P | PG_RW | PG_US)

/* An access's outcome as one number: the physical address, or FAULTED + the error code. */
#define FAULTED (1ll << 32)

static long long outcome(vaddr_t va, uint32_t access)
{
	struct mmu_result r = mmu_access(va, access);

	return r.fault ? FAULTED + r.err : (long long)r.pa;
}

static pde_t *pde_at(paddr_t pd, vaddr_t va)
{
	return hw_phys(pd + pde_index(va) * sizeof(pde_t));
}

static pte_t *pte_at(paddr_t pt, vaddr_t va)
{
	return hw_phys(pt + pte_index(va) * sizeof(pte_t));
}

/* Map the 4 KiB page at va (in PD, through PT) to frame. */
static void map_page(vaddr_t va, paddr_t frame, uint32_t pde_flags, uint32_t pte_flags)
{
	*pde_at(PD, va) = make_pde(PT, pde_flags);
	*pte_at(PT, va) = make_pte(frame, pte_flags);
}

/* Map the 4 MiB page at va (in PD) to frame. */
static void map_large(vaddr_t va, paddr_t frame, uint32_t flags)
{
	*pde_at(PD, va) = make_pde(frame, flags | PG_PS);
}

static void paging_on(uint32_t cr0_bits, uint32_t cr4_bits)
{
	mmu_load_cr3(PD);
	mmu_set_cr4(cr4_bits);
	mmu_set_cr0(CR0_PG | cr0_bits);
}

static void fresh_machine(void)
{
	machine_reset(RAM);
}

/* ---- the walk ----------------------------------------------------------- */

static void paging_off_is_identity_and_never_faults(void)
{
	CHECK_EQ(outcome(0x12345678, USER_WRITE), 0x12345678);
	CHECK_EQ(outcome(0xFFFFFFFC, SUP_READ), 0xFFFFFFFC);
	CHECK(!mmu_tlb_holds(0x12345678));
}

static void small_page_translates_with_12_bit_offset(void)
{
	map_page(VA, FRAME1, PG_URW, PG_URW);
	map_page(VA + PAGE_SIZE, FRAME2, PG_URW, PG_URW);
	paging_on(CR0_WP, 0);
	CHECK_EQ(outcome(VA + 0xABC, SUP_READ), FRAME1 + 0xABC);
	CHECK_EQ(outcome(VA + PAGE_SIZE + 0xFFF, USER_WRITE), FRAME2 + 0xFFF);
}

static void not_present_pde_faults_without_p(void)
{
	/* everything but P: the CPU looks at nothing else in the entry */
	*pde_at(PD, VA) = make_pde(PT, PG_RW | PG_US);
	*pte_at(PT, VA) = make_pte(FRAME1, PG_URW);
	paging_on(CR0_WP, 0);
	CHECK_EQ(outcome(VA, SUP_READ), FAULTED + 0);
	CHECK_EQ(outcome(VA, USER_WRITE), FAULTED + (PF_U | PF_W));
}

static void not_present_pte_faults_without_p(void)
{
	map_page(VA, FRAME1, PG_URW, PG_RW | PG_US);
	paging_on(CR0_WP, 0);
	CHECK_EQ(outcome(VA, SUP_WRITE), FAULTED + PF_W);
	CHECK_EQ(outcome(VA, USER_READ), FAULTED + PF_U);
}

/* CR2 (hw_cr2) holds the address of the last access that faulted, offset and all. */
static void fault_address_lands_in_cr2(void)
{
	map_page(VA, FRAME1, PG_URW, PG_P | PG_RW | PG_US);
	paging_on(CR0_WP, 0);
	CHECK_EQ(outcome(VA + PAGE_SIZE + 0x123, SUP_READ), FAULTED);
	CHECK_EQ(hw_cr2(), VA + PAGE_SIZE + 0x123);
	CHECK_EQ(outcome(VA, SUP_READ), FRAME1); /* an access that succeeds leaves it */
	CHECK_EQ(hw_cr2(), VA + PAGE_SIZE + 0x123);
}

/* ---- access rights (SDM vol. 3A 4.6) ------------------------------------ */

/*
 * The outcome SDM 4.6 and 4.7 give for an access through paging entries
 * pde and pte (their P, R/W and U/S bits) that would reach pa: written from
 * the manual's sentences for 32-bit paging without SMEP, SMAP or protection
 * keys, not from the model.  For a 4 MiB page, pass PG_URW as pte: the PDE
 * is then the only entry that restricts the access.
 */
static long long sdm_outcome(uint32_t pde, uint32_t pte, uint32_t access, bool wp, paddr_t pa)
{
	bool user = access & PF_U, write = access & PF_W;
	bool rw_everywhere = (pde & PG_RW) && (pte & PG_RW);
	bool us_everywhere = (pde & PG_US) && (pte & PG_US);
	bool allowed;

	/* 4.7: P clear in an entry used: no translation, and error bit P is 0 */
	if (!(pde & PG_P) || !(pte & PG_P))
		return FAULTED + access;
	if (!user) {
		/*
		 * 4.6.1, supervisor-mode access: data may be read from any
		 * address with a valid translation; with CR0.WP = 0 data may be
		 * written to any such address, with CR0.WP = 1 only where R/W
		 * is 1 in every paging-structure entry of the translation.
		 */
		allowed = !write || !wp || rw_everywhere;
	} else {
		/*
		 * 4.6.1, user-mode access: only to user-mode addresses (U/S is
		 * 1 in every entry); a write also needs R/W = 1 in every
		 * entry, whatever CR0.WP says.
		 */
		allowed = us_everywhere && (!write || rw_everywhere);
	}
	/* 4.7: a refused access faults with P = 1; W and U describe the access */
	return allowed ? (long long)pa : FAULTED + (access | PF_P);
}

/* The mismatches of a table of cases, and the first of them in words. */
struct mismatches {
	unsigned count;
	char first[160];
};

static void note_case(struct mismatches *m, uint32_t pde, uint32_t pte, uint32_t access,
		      bool wp, long long got, long long want)
{
	if (got != want && m->count++ == 0)
		ksnprintf(m->first, sizeof(m->first),
			  "pde %x pte %x access %x wp %d: got %llx, want %llx", pde, pte,
			  access, wp, got, want);
}

#define CHECK_NO_MISMATCH(m, ncases)                                                   \
	do {                                                                           \
		if ((m).count) {                                                       \
			test_fail(__FILE__, __LINE__, "%u of %u cases differ; first: %s", \
				  (m).count, (unsigned)(ncases), (m).first);            \
			return;                                                        \
		}                                                                      \
	} while (0)

/*
 * Case i of the permission table: bits 2:0 are the PDE's P, R/W, U/S (the
 * positions they have in the entry), bits 5:3 the PTE's, bit 6 a write,
 * bit 7 a user access, bit 8 CR0.WP.
 */
#define PERM_CASES 512u

struct perm_case {
	uint32_t pde, pte, access;
	bool wp;
	vaddr_t va;
	paddr_t pa;
};

static struct perm_case perm_case(unsigned i)
{
	uint32_t pdef = i & 7, ptef = (i >> 3) & 7;

	return (struct perm_case){
		.pde = pdef,
		.pte = ptef,
		.access = ((i & BIT(6)) ? PF_W : 0) | ((i & BIT(7)) ? PF_U : 0),
		.wp = i & BIT(8),
		/* one PDE per PDE value, one PTE per PTE value: every case its own page */
		.va = PERM_VA + pde_base(pdef) + ptef * PAGE_SIZE + 0x7F4,
		.pa = PERM_FRAME + (pdef * 8 + ptef) * PAGE_SIZE + 0x7F4,
	};
}

/* Write the case's entries afresh, make sure the TLB must walk, and access. */
static long long perm_case_run(const struct perm_case *c)
{
	paddr_t pt = PERM_PT + (c->pde & 7) * PAGE_SIZE;

	*pde_at(PD, c->va) = make_pde(pt, c->pde);
	*pte_at(pt, c->va) = make_pte(c->pa & PG_ADDR_MASK, c->pte);
	mmu_set_cr0(CR0_PG | (c->wp ? CR0_WP : 0));
	mmu_invlpg(c->va);
	if (mmu_tlb_holds(c->va))
		return -1;
	return outcome(c->va, c->access);
}

static void permission_table_follows_sdm_4_6(void)
{
	struct mismatches m = { 0 };

	paging_on(0, 0);
	for (unsigned i = 0; i < PERM_CASES; i++) {
		struct perm_case c = perm_case(i);

		note_case(&m, c.pde, c.pte, c.access, c.wp, perm_case_run(&c),
			  sdm_outcome(c.pde, c.pte, c.access, c.wp, c.pa));
	}
	CHECK_NO_MISMATCH(m, PERM_CASES);
}

static void faulting_access_leaves_no_tlb_entry(void)
{
	map_page(VA, FRAME1, PG_URW, PG_P);
	paging_on(CR0_WP, 0);
	CHECK_EQ(outcome(VA, USER_READ), FAULTED + (PF_P | PF_U));
	CHECK(!mmu_tlb_holds(VA));
	CHECK_EQ(outcome(VA, SUP_WRITE), FAULTED + (PF_P | PF_W));
	CHECK(!mmu_tlb_holds(VA));
}

/* ---- 4 MiB pages ---------------------------------------------------------- */

static void large_page_translates_with_22_bit_offset(void)
{
	map_large(LARGE_VA, LARGE_FRAME, PG_URW);
	paging_on(CR0_WP, CR4_PSE);
	CHECK_EQ(outcome(LARGE_VA + 0x123456, SUP_READ), LARGE_FRAME + 0x123456);
	CHECK_EQ(outcome(LARGE_VA + 0x3FFFFC, USER_WRITE), LARGE_FRAME + 0x3FFFFC);
	CHECK_EQ(outcome(LARGE_VA, USER_READ), LARGE_FRAME);
}

/*
 *   PD[LARGE_VA] = PS_PT | PS | P | RW
 *   without CR4.PSE:  PS_PT is a page table, its PTE 5 maps FRAME1
 *   with CR4.PSE:     PS_PT is the base of a 4 MiB page
 */
static void ps_is_ignored_without_cr4_pse(void)
{
	*pde_at(PD, LARGE_VA) = make_pde(PS_PT, PG_PS | PG_P | PG_RW);
	*pte_at(PS_PT, LARGE_VA + 5 * PAGE_SIZE) = make_pte(FRAME1, PG_P | PG_RW);
	paging_on(CR0_WP, 0);
	CHECK_EQ(outcome(LARGE_VA + 5 * PAGE_SIZE + 0x123, SUP_READ), FRAME1 + 0x123);
	mmu_set_cr4(CR4_PSE);
	CHECK_EQ(outcome(LARGE_VA + 5 * PAGE_SIZE + 0x123, SUP_READ),
		 PS_PT + 5 * PAGE_SIZE + 0x123);
}

static void large_page_reserved_bits_fault_with_rsvd(void)
{
	static const uint32_t accesses[] = { SUP_READ, SUP_WRITE, USER_READ, USER_WRITE };

	paging_on(CR0_WP, CR4_PSE);
	for (unsigned bit = 13; bit <= 21; bit++) {
		uint32_t pde = LARGE_FRAME | BIT(bit) | PG_PS | PG_URW;

		*pde_at(PD, LARGE_VA) = (pde_t){ pde };
		for (unsigned i = 0; i < ARRAY_SIZE(accesses); i++) {
			mmu_invlpg(LARGE_VA);
			CHECK_EQ(outcome(LARGE_VA + 0x1000, accesses[i]),
				 FAULTED + (accesses[i] | PF_P | PF_RSVD));
			/* a reserved-bit fault writes nothing back */
			CHECK_EQ(pde_at(PD, LARGE_VA)->v, pde);
		}
	}
	/* bit 12 is PAT in a 4 MiB PDE, not reserved and not part of the address */
	*pde_at(PD, LARGE_VA) = (pde_t){ LARGE_FRAME | BIT(12) | PG_PS | PG_URW };
	mmu_invlpg(LARGE_VA);
	CHECK_EQ(outcome(LARGE_VA + 0x1000, USER_WRITE), LARGE_FRAME + 0x1000);
}

/* As the permission table, for a 4 MiB PDE: its P, R/W, U/S x access x mode x WP. */
static void large_page_permissions_follow_sdm_4_6(void)
{
	struct mismatches m = { 0 };

	paging_on(0, CR4_PSE);
	for (unsigned i = 0; i < 64; i++) {
		uint32_t flags = i & 7, access = ((i & 8) ? PF_W : 0) | ((i & 16) ? PF_U : 0);
		bool wp = i & 32;

		mmu_set_cr0(CR0_PG | (wp ? CR0_WP : 0));
		*pde_at(PD, LARGE_VA) = (pde_t){ LARGE_FRAME | PG_PS | flags };
		mmu_invlpg(LARGE_VA);
		note_case(&m, flags | PG_PS, PG_URW, access, wp,
			  outcome(LARGE_VA + 0x2345C, access),
			  sdm_outcome(flags, PG_URW, access, wp, LARGE_FRAME + 0x2345C));
	}
	CHECK_NO_MISMATCH(m, 64);
}

/* ---- accessed and dirty bits ---------------------------------------------- */

static void read_sets_accessed_in_pde_and_pte_but_not_dirty(void)
{
	map_page(VA, FRAME1, PG_URW, PG_URW);
	paging_on(CR0_WP, 0);
	CHECK_EQ(outcome(VA, USER_READ), FRAME1);
	CHECK_EQ(pde_flags(*pde_at(PD, VA)), PG_URW | PG_A);
	CHECK_EQ(pte_flags(*pte_at(PT, VA)), PG_URW | PG_A);
}

static void write_sets_dirty_in_the_pte_only(void)
{
	map_page(VA, FRAME1, PG_URW, PG_URW);
	paging_on(CR0_WP, 0);
	CHECK_EQ(outcome(VA, SUP_WRITE), FRAME1);
	CHECK_EQ(pde_flags(*pde_at(PD, VA)), PG_URW | PG_A);
	CHECK_EQ(pte_flags(*pte_at(PT, VA)), PG_URW | PG_A | PG_D);
}

static void large_page_gets_accessed_and_dirty_in_its_pde(void)
{
	map_large(LARGE_VA, LARGE_FRAME, PG_URW);
	paging_on(CR0_WP, CR4_PSE);
	CHECK_EQ(outcome(LARGE_VA + 0x10, USER_READ), LARGE_FRAME + 0x10);
	CHECK_EQ(pde_flags(*pde_at(PD, LARGE_VA)), PG_URW | PG_PS | PG_A);
	CHECK_EQ(outcome(LARGE_VA + 0x10, USER_WRITE), LARGE_FRAME + 0x10);
	CHECK_EQ(pde_flags(*pde_at(PD, LARGE_VA)), PG_URW | PG_PS | PG_A | PG_D);
}

static void supervisor_write_to_read_only_page_without_wp_sets_dirty(void)
{
	map_page(VA, FRAME1, PG_P, PG_P);
	paging_on(0, 0);
	CHECK_EQ(outcome(VA, SUP_WRITE), FRAME1);
	CHECK_EQ(pte_flags(*pte_at(PT, VA)), PG_P | PG_A | PG_D);
}

/*
 * On a faulting walk the model does what QEMU's does (see mmu_model.c): a
 * PDE used to reach a page table keeps its A; the leaf gets nothing.
 */
static void not_present_pde_is_not_written(void)
{
	*pde_at(PD, VA) = make_pde(PT, PG_RW | PG_US);
	paging_on(CR0_WP, 0);
	CHECK_EQ(outcome(VA, USER_WRITE), FAULTED + (PF_U | PF_W));
	CHECK_EQ(pde_at(PD, VA)->v, PT | PG_RW | PG_US);
}

static void not_present_pte_still_marks_the_pde_accessed(void)
{
	map_page(VA, FRAME1, PG_URW, PG_RW | PG_US);
	paging_on(CR0_WP, 0);
	CHECK_EQ(outcome(VA, SUP_READ), FAULTED + 0);
	CHECK_EQ(pde_flags(*pde_at(PD, VA)), PG_URW | PG_A);
	CHECK_EQ(pte_at(PT, VA)->v, FRAME1 | PG_RW | PG_US);
}

static void refused_access_leaves_the_pte_untouched(void)
{
	map_page(VA, FRAME1, PG_URW, PG_P | PG_RW); /* supervisor page */
	paging_on(CR0_WP, 0);
	CHECK_EQ(outcome(VA, USER_READ), FAULTED + (PF_P | PF_U));
	CHECK_EQ(pde_flags(*pde_at(PD, VA)), PG_URW | PG_A);
	CHECK_EQ(pte_flags(*pte_at(PT, VA)), PG_P | PG_RW);

	/* refused by the PDE this time: the PTE is still not written */
	map_page(VA, FRAME1, PG_P | PG_US, PG_URW);
	mmu_invlpg(VA);
	CHECK_EQ(outcome(VA, USER_WRITE), FAULTED + (PF_P | PF_U | PF_W));
	CHECK_EQ(pde_flags(*pde_at(PD, VA)), PG_P | PG_US | PG_A);
	CHECK_EQ(pte_flags(*pte_at(PT, VA)), PG_URW);
}

static void refused_write_sets_neither_accessed_nor_dirty(void)
{
	map_page(VA, FRAME1, PG_URW, PG_P | PG_US);
	paging_on(CR0_WP, 0);
	CHECK_EQ(outcome(VA, SUP_WRITE), FAULTED + (PF_P | PF_W));
	CHECK_EQ(pte_flags(*pte_at(PT, VA)), PG_P | PG_US);
}

static void refused_large_page_access_leaves_its_pde_untouched(void)
{
	map_large(LARGE_VA, LARGE_FRAME, PG_P | PG_US);
	paging_on(CR0_WP, CR4_PSE);
	CHECK_EQ(outcome(LARGE_VA, USER_WRITE), FAULTED + (PF_P | PF_U | PF_W));
	CHECK_EQ(pde_flags(*pde_at(PD, LARGE_VA)), PG_P | PG_US | PG_PS);
}

static void write_through_entry_cached_by_read_sets_dirty(void)
{
	map_page(VA, FRAME1, PG_URW, PG_URW);
	paging_on(CR0_WP, 0);
	CHECK_EQ(outcome(VA, USER_READ), FRAME1);
	CHECK(mmu_tlb_holds(VA));
	CHECK_EQ(pte_flags(*pte_at(PT, VA)), PG_URW | PG_A);
	CHECK_EQ(mmu_counters().walks, 1);

	CHECK_EQ(outcome(VA + 4, USER_WRITE), FRAME1 + 4);
	CHECK_EQ(pte_flags(*pte_at(PT, VA)), PG_URW | PG_A | PG_D);
	CHECK_EQ(mmu_counters().walks, 2);

	/* now cached dirty: further writes need no walk */
	CHECK_EQ(outcome(VA + 8, USER_WRITE), FRAME1 + 8);
	CHECK_EQ(mmu_counters().walks, 2);
}

static void tlb_hit_does_not_set_accessed_again(void)
{
	map_page(VA, FRAME1, PG_URW, PG_URW);
	paging_on(CR0_WP, 0);
	CHECK_EQ(outcome(VA, SUP_READ), FRAME1);
	pte_at(PT, VA)->v &= ~PG_A;
	CHECK_EQ(outcome(VA, SUP_READ), FRAME1);
	CHECK_EQ(pte_flags(*pte_at(PT, VA)), PG_URW);
	mmu_invlpg(VA);
	CHECK_EQ(outcome(VA, SUP_READ), FRAME1);
	CHECK_EQ(pte_flags(*pte_at(PT, VA)), PG_URW | PG_A);
}

/* ---- the TLB -------------------------------------------------------------- */

static void changed_pte_stays_stale_until_invlpg(void)
{
	map_page(VA, FRAME1, PG_URW, PG_URW);
	paging_on(CR0_WP, 0);
	CHECK(!mmu_tlb_holds(VA));
	CHECK_EQ(outcome(VA + 0x10, USER_READ), FRAME1 + 0x10);
	CHECK(mmu_tlb_holds(VA + 0xFFF));
	CHECK(!mmu_tlb_holds(VA + PAGE_SIZE));

	*pte_at(PT, VA) = make_pte(FRAME2, PG_URW);
	CHECK_EQ(outcome(VA + 0x10, USER_READ), FRAME1 + 0x10);
	mmu_invlpg(VA + 0x800);
	CHECK(!mmu_tlb_holds(VA));
	CHECK_EQ(outcome(VA + 0x10, USER_READ), FRAME2 + 0x10);
}

static void cr3_reload_drops_stale_translation(void)
{
	map_page(VA, FRAME1, PG_URW, PG_URW);
	paging_on(CR0_WP, CR4_PGE);
	CHECK_EQ(outcome(VA, SUP_READ), FRAME1);
	*pte_at(PT, VA) = make_pte(FRAME2, PG_URW);
	mmu_load_cr3(PD);
	CHECK(!mmu_tlb_holds(VA));
	CHECK_EQ(outcome(VA, SUP_READ), FRAME2);
}

static void cr3_load_switches_address_space(void)
{
	map_page(VA, FRAME1, PG_URW, PG_URW);
	*pde_at(PD2, VA) = make_pde(PT + PAGE_SIZE, PG_URW);
	*pte_at(PT + PAGE_SIZE, VA) = make_pte(FRAME2, PG_URW);
	paging_on(CR0_WP, 0);
	CHECK_EQ(outcome(VA, USER_READ), FRAME1);
	mmu_load_cr3(PD2);
	CHECK_EQ(mmu_cr3(), PD2);
	CHECK_EQ(outcome(VA, USER_READ), FRAME2);
}

static void global_entry_survives_cr3_reload_with_pge(void)
{
	map_page(VA, FRAME1, PG_URW, PG_URW | PG_G);
	paging_on(CR0_WP, CR4_PGE);
	CHECK_EQ(outcome(VA, SUP_READ), FRAME1);
	*pte_at(PT, VA) = make_pte(FRAME2, PG_URW | PG_G);
	mmu_load_cr3(PD);
	CHECK(mmu_tlb_holds(VA));
	CHECK_EQ(outcome(VA, SUP_READ), FRAME1);
}

static void global_entry_does_not_survive_cr3_reload_without_pge(void)
{
	map_page(VA, FRAME1, PG_URW, PG_URW | PG_G);
	paging_on(CR0_WP, 0);
	CHECK_EQ(outcome(VA, SUP_READ), FRAME1);
	*pte_at(PT, VA) = make_pte(FRAME2, PG_URW | PG_G);
	mmu_load_cr3(PD);
	CHECK(!mmu_tlb_holds(VA));
	CHECK_EQ(outcome(VA, SUP_READ), FRAME2);
}

static void g_in_a_pde_that_points_to_a_table_is_ignored(void)
{
	map_page(VA, FRAME1, PG_URW | PG_G, PG_URW);
	paging_on(CR0_WP, CR4_PGE);
	CHECK_EQ(outcome(VA, SUP_READ), FRAME1);
	mmu_load_cr3(PD);
	CHECK(!mmu_tlb_holds(VA));
}

static void invlpg_drops_global_entry(void)
{
	map_page(VA, FRAME1, PG_URW, PG_URW | PG_G);
	paging_on(CR0_WP, CR4_PGE);
	CHECK_EQ(outcome(VA, SUP_READ), FRAME1);
	*pte_at(PT, VA) = make_pte(FRAME2, PG_URW | PG_G);
	mmu_invlpg(VA);
	CHECK(!mmu_tlb_holds(VA));
	CHECK_EQ(outcome(VA, SUP_READ), FRAME2);
}

static void changing_cr4_pge_drops_global_entries(void)
{
	map_page(VA, FRAME1, PG_URW, PG_URW | PG_G);
	paging_on(CR0_WP, CR4_PGE);
	CHECK_EQ(outcome(VA, SUP_READ), FRAME1);
	mmu_set_cr4(0);
	CHECK(!mmu_tlb_holds(VA));

	CHECK_EQ(outcome(VA, SUP_READ), FRAME1);
	mmu_set_cr4(CR4_PGE);
	CHECK(!mmu_tlb_holds(VA));
}

static void changing_cr0_wp_or_cr4_pse_drops_every_entry(void)
{
	map_page(VA, FRAME1, PG_URW, PG_URW | PG_G);
	paging_on(CR0_WP, CR4_PGE);
	CHECK_EQ(outcome(VA, SUP_READ), FRAME1);
	mmu_set_cr0(CR0_PG);
	CHECK(!mmu_tlb_holds(VA));

	CHECK_EQ(outcome(VA, SUP_READ), FRAME1);
	mmu_set_cr4(CR4_PGE | CR4_PSE);
	CHECK(!mmu_tlb_holds(VA));

	/* a CR0 bit that has nothing to do with paging (MP) keeps the TLB */
	CHECK_EQ(outcome(VA, SUP_READ), FRAME1);
	mmu_set_cr0(CR0_PG | BIT(1));
	CHECK(mmu_tlb_holds(VA));
}

static void not_present_pte_still_translates_until_invlpg(void)
{
	map_page(VA, FRAME1, PG_URW, PG_URW);
	paging_on(CR0_WP, 0);
	CHECK_EQ(outcome(VA, USER_READ), FRAME1);
	*pte_at(PT, VA) = (pte_t){ 0 };
	CHECK_EQ(outcome(VA, USER_READ), FRAME1);
	mmu_invlpg(VA);
	CHECK_EQ(outcome(VA, USER_READ), FAULTED + PF_U);
}

static void write_after_read_only_change_rewalks_and_faults(void)
{
	map_page(VA, FRAME1, PG_URW, PG_URW);
	paging_on(CR0_WP, 0);
	CHECK_EQ(outcome(VA, USER_READ), FRAME1); /* cached writable, not dirty */
	*pte_at(PT, VA) = make_pte(FRAME1, PG_P | PG_US | PG_A);
	CHECK_EQ(outcome(VA, USER_READ), FRAME1);
	CHECK_EQ(outcome(VA, USER_WRITE), FAULTED + (PF_P | PF_U | PF_W));
	CHECK_EQ(pte_flags(*pte_at(PT, VA)), PG_P | PG_US | PG_A);
	/* the fault dropped the entry, and it was filled again, read-only */
	CHECK(mmu_tlb_holds(VA));
	CHECK_EQ(mmu_counters().walks, 2);
	CHECK_EQ(outcome(VA, USER_WRITE), FAULTED + (PF_P | PF_U | PF_W));
	CHECK_EQ(mmu_counters().walks, 2);
}

static void dirty_writable_entry_allows_writes_until_invlpg(void)
{
	map_page(VA, FRAME1, PG_URW, PG_URW);
	paging_on(CR0_WP, 0);
	CHECK_EQ(outcome(VA, USER_WRITE), FRAME1); /* cached writable and dirty */
	*pte_at(PT, VA) = make_pte(FRAME1, PG_P | PG_US | PG_A | PG_D);
	CHECK_EQ(outcome(VA, USER_WRITE), FRAME1);
	mmu_invlpg(VA);
	CHECK_EQ(outcome(VA, USER_WRITE), FAULTED + (PF_P | PF_U | PF_W));
}

static void refused_cached_entry_faults_once_then_serves(void)
{
	map_page(VA, FRAME1, PG_URW, PG_P | PG_RW); /* supervisor page */
	paging_on(CR0_WP, 0);
	CHECK_EQ(outcome(VA, SUP_READ), FRAME1);
	/* the tables now let the user in, though the cached entry does not */
	*pte_at(PT, VA) = make_pte(FRAME1, PG_URW | PG_A);
	CHECK_EQ(outcome(VA, USER_READ), FAULTED + (PF_P | PF_U)); /* spurious, SDM 4.10.4.3 */
	CHECK_EQ(mmu_counters().walks, 1);
	/* the fault dropped the entry and it was filled from the tables */
	CHECK_EQ(outcome(VA, USER_READ), FRAME1);
	CHECK_EQ(mmu_counters().walks, 1);
}

static void large_entry_dropped_by_invlpg_anywhere_inside(void)
{
	map_large(LARGE_VA, LARGE_FRAME, PG_URW);
	paging_on(CR0_WP, CR4_PSE);
	CHECK_EQ(outcome(LARGE_VA + 0x10, SUP_READ), LARGE_FRAME + 0x10);
	CHECK(mmu_tlb_holds(LARGE_VA + 0x3FF000));
	map_large(LARGE_VA, 0, PG_URW);
	CHECK_EQ(outcome(LARGE_VA + 0x10, SUP_READ), LARGE_FRAME + 0x10);
	mmu_invlpg(LARGE_VA + 0x2FE123);
	CHECK(!mmu_tlb_holds(LARGE_VA));
	CHECK_EQ(outcome(LARGE_VA + 0x10, SUP_READ), 0x10);
}

static void large_global_entry_survives_cr3_reload_with_pge(void)
{
	map_large(LARGE_VA, LARGE_FRAME, PG_URW | PG_G);
	paging_on(CR0_WP, CR4_PSE | CR4_PGE);
	CHECK_EQ(outcome(LARGE_VA + 0x10, SUP_READ), LARGE_FRAME + 0x10);
	mmu_load_cr3(PD);
	CHECK(mmu_tlb_holds(LARGE_VA + 0x10));
	*pde_at(PD, LARGE_VA) = (pde_t){ 0 };
	mmu_invlpg(LARGE_VA + 0x3FFFFF);
	CHECK(!mmu_tlb_holds(LARGE_VA + 0x10));
}

/* The 8 tables at PERM_PT map the 8192 pages from PERM_VA, each to frame. */
static void map_perm_region(paddr_t frame)
{
	for (uint32_t t = 0; t < 8; t++) {
		*pde_at(PD, PERM_VA + t * PDE_SPAN) = make_pde(PERM_PT + t * PAGE_SIZE, PG_URW);
		for (uint32_t i = 0; i < PT_ENTRIES; i++)
			((pte_t *)hw_phys(PERM_PT + t * PAGE_SIZE))[i] = make_pte(frame, PG_URW);
	}
}

/* How many of the 8192 pages from PERM_VA a user read translates to frame. */
static uint32_t perm_pages_reading(paddr_t frame)
{
	uint32_t n = 0;

	for (uint32_t i = 0; i < 8 * PT_ENTRIES; i++)
		n += outcome(PERM_VA + i * PAGE_SIZE, USER_READ) == frame;
	return n;
}

static void tlb_keeps_every_entry_until_it_is_invalidated(void)
{
	map_perm_region(FRAME1);
	paging_on(CR0_WP, 0);
	CHECK_EQ(perm_pages_reading(FRAME1), 8 * PT_ENTRIES);
	/* no entry makes room for another: all 8192 stay stale */
	map_perm_region(FRAME2);
	CHECK_EQ(perm_pages_reading(FRAME1), 8 * PT_ENTRIES);
	CHECK_EQ(mmu_counters().walks, 8 * PT_ENTRIES);
	mmu_load_cr3(PD);
	CHECK_EQ(perm_pages_reading(FRAME2), 8 * PT_ENTRIES);
}

static void invlpg_fills_the_entry_again_from_the_tables(void)
{
	map_page(VA, FRAME1, PG_URW, PG_URW);
	paging_on(CR0_WP, 0);
	CHECK_EQ(outcome(VA, USER_READ), FRAME1); /* the PTE is accessed now */
	mmu_invlpg(VA);
	CHECK(mmu_tlb_holds(VA));
	/* changed after the invlpg: the entry filled at the invlpg is stale */
	*pte_at(PT, VA) = make_pte(FRAME2, PG_URW | PG_A);
	CHECK_EQ(outcome(VA, USER_READ), FRAME1);
	CHECK_EQ(mmu_counters().walks, 1);
}

static void speculative_fills_take_only_accessed_entries(void)
{
	map_page(VA, FRAME1, PG_URW, PG_URW);
	paging_on(CR0_WP, 0);
	mmu_invlpg(VA);
	CHECK(!mmu_tlb_holds(VA));
	CHECK_EQ(pte_flags(*pte_at(PT, VA)), PG_URW); /* a fill writes no A */
	CHECK_EQ(outcome(VA, USER_READ), FRAME1);
	mmu_invlpg(VA);
	CHECK(mmu_tlb_holds(VA)); /* accessed now: taken */
}

static void fault_fills_the_entry_again_from_the_tables(void)
{
	map_page(VA, FRAME1, PG_URW, PG_P | PG_US); /* shared copy-on-write, say */
	paging_on(CR0_WP, 0);
	CHECK_EQ(outcome(VA, USER_READ), FRAME1);
	CHECK_EQ(outcome(VA, USER_WRITE), FAULTED + (PF_P | PF_W | PF_U));
	CHECK(mmu_tlb_holds(VA));
	/* the page copied and the PTE repointed, without an invlpg */
	*pte_at(PT, VA) = make_pte(FRAME2, PG_URW);
	CHECK_EQ(outcome(VA, USER_READ), FRAME1);
	CHECK_EQ(outcome(VA, USER_WRITE), FAULTED + (PF_P | PF_W | PF_U));
	/* that second fault dropped the stale entry: the retry walks */
	CHECK_EQ(outcome(VA, USER_WRITE), FRAME2);
	CHECK_EQ(outcome(VA, USER_READ), FRAME2);
}

/* ---- the paging-structure cache ---------------------------------------- */

/*
 * VA's first three pages through PT to FRAME1, and through PT2 to FRAME2;
 * the PDE points at PT.
 */
static void two_tables_for_va(void)
{
	for (uint32_t i = 0; i < 3; i++) {
		*pte_at(PT, VA + i * PAGE_SIZE) = make_pte(FRAME1, PG_URW);
		*pte_at(PT2, VA + i * PAGE_SIZE) = make_pte(FRAME2, PG_URW);
	}
	*pde_at(PD, VA) = make_pde(PT, PG_URW);
}

static void repointed_pde_stays_stale_until_invlpg_of_any_address(void)
{
	two_tables_for_va();
	paging_on(CR0_WP, 0);
	CHECK_EQ(outcome(VA, USER_READ), FRAME1);
	CHECK(mmu_pdc_holds(VA));
	*pde_at(PD, VA) = make_pde(PT2, PG_URW);
	/* a page the TLB does not hold: the walk still takes the cached PDE */
	CHECK(!mmu_tlb_holds(VA + PAGE_SIZE));
	CHECK_EQ(outcome(VA + PAGE_SIZE, USER_READ), FRAME1);
	mmu_invlpg(PERM_VA); /* an address of another region */
	CHECK_EQ(outcome(VA + 2 * PAGE_SIZE, USER_READ), FRAME2);
	/* what the TLB held before survives: invlpg dropped PERM_VA's page only */
	CHECK_EQ(outcome(VA + PAGE_SIZE, USER_READ), FRAME1);
}

static void cr3_load_drops_the_pde_cache(void)
{
	two_tables_for_va();
	paging_on(CR0_WP, 0);
	CHECK_EQ(outcome(VA, USER_READ), FRAME1);
	*pde_at(PD, VA) = make_pde(PT2, PG_URW);
	CHECK_EQ(outcome(VA + PAGE_SIZE, USER_READ), FRAME1);
	mmu_load_cr3(PD);
	CHECK_EQ(outcome(VA + PAGE_SIZE, USER_READ), FRAME2);
	CHECK(mmu_pdc_holds(VA));
}

static void pde_cache_fills_without_an_access(void)
{
	two_tables_for_va();
	paging_on(CR0_WP, 0);
	/* never walked, yet cached when paging went on, as a CPU may do speculatively */
	CHECK(mmu_pdc_holds(VA));
	CHECK_EQ(pde_flags(*pde_at(PD, VA)), PG_URW | PG_A); /* A set before caching */
	*pde_at(PD, VA) = make_pde(PT2, PG_URW);
	CHECK_EQ(outcome(VA, USER_READ), FRAME1);
	CHECK_EQ(mmu_counters().pdc_hits, 1);
}

static void fault_through_a_stale_pde_is_not_rewalked_but_drops_it(void)
{
	two_tables_for_va();
	*pte_at(PT, VA) = (pte_t){ 0 };
	paging_on(CR0_WP, 0);
	*pde_at(PD, VA) = make_pde(PT2, PG_URW);
	CHECK_EQ(outcome(VA, USER_READ), FAULTED + PF_U); /* PT said not present */
	CHECK_EQ(mmu_counters().walks, 1);
	/* the fault dropped the stale PDE; the one filled since is the new one */
	CHECK(mmu_pdc_holds(VA));
	CHECK_EQ(outcome(VA, USER_READ), FRAME2);
}

static void cleared_pde_stays_cached_until_invlpg_of_any_address(void)
{
	two_tables_for_va();
	paging_on(CR0_WP, 0);
	CHECK_EQ(outcome(VA, USER_READ), FRAME1);
	*pde_at(PD, VA) = (pde_t){ 0 }; /* the table unlinked */
	CHECK_EQ(outcome(VA + PAGE_SIZE, USER_READ), FRAME1);
	mmu_invlpg(PERM_VA);
	CHECK(!mmu_pdc_holds(VA));
	CHECK_EQ(outcome(VA + 2 * PAGE_SIZE, USER_READ), FAULTED + PF_U);
}

static void not_present_and_large_pdes_are_never_cached(void)
{
	map_large(LARGE_VA, LARGE_FRAME, PG_URW);
	two_tables_for_va();
	pde_at(PD, VA)->v &= ~PG_P;
	paging_on(CR0_WP, CR4_PSE);
	CHECK(!mmu_pdc_holds(VA));
	CHECK(!mmu_pdc_holds(LARGE_VA));
	CHECK_EQ(outcome(LARGE_VA, USER_READ), LARGE_FRAME);
	CHECK(!mmu_pdc_holds(LARGE_VA));
	/* not present to present needs no invalidation */
	*pde_at(PD, VA) = make_pde(PT2, PG_URW);
	CHECK_EQ(outcome(VA, USER_READ), FRAME2);
	CHECK(mmu_pdc_holds(VA));
}

static void pde_cache_keeps_the_rights_it_read(void)
{
	two_tables_for_va();
	paging_on(CR0_WP, 0);
	pde_at(PD, VA)->v &= ~PG_US; /* narrowed without an invalidation */
	CHECK_EQ(outcome(VA, USER_READ), FRAME1);
	mmu_invlpg(PERM_VA);
	CHECK_EQ(outcome(VA + PAGE_SIZE, USER_READ), FAULTED + (PF_P | PF_U));
}

static void counters_count_every_event(void)
{
	struct mmu_counters c;

	map_page(VA, FRAME1, PG_URW, PG_URW);
	CHECK_EQ(outcome(VA, SUP_READ), VA); /* paging off: counted, not walked */
	paging_on(CR0_WP, 0);
	CHECK_EQ(outcome(VA, SUP_READ), FRAME1);
	CHECK_EQ(outcome(VA, SUP_READ), FRAME1);
	CHECK_EQ(outcome(VA + PAGE_SIZE, SUP_READ), FAULTED + 0);
	mmu_invlpg(VA);
	c = mmu_counters();
	CHECK_EQ(c.accesses, 4);
	CHECK_EQ(c.tlb_hits, 1);
	CHECK_EQ(c.walks, 2);
	CHECK_EQ(c.faults, 1);
	CHECK_EQ(c.invlpgs, 1);
	CHECK_EQ(c.cr3_loads, 1);
	CHECK_EQ(c.pdc_hits, 2); /* the PDE was cached when paging went on */
}

/* ---- probe() ------------------------------------------------------------- */

static void probe_reads_and_writes_words_through_the_model(void)
{
	uint32_t *word = hw_phys(FRAME1 + 8);
	uint32_t v = 0xDEADBEEF;

	map_page(VA, FRAME1, PG_URW, PG_URW);
	map_page(VA + PAGE_SIZE, FRAME2, PG_URW, PG_P | PG_US);
	paging_on(CR0_WP, 0);
	CHECK_EQ(probe(VA + 8, PROBE_WRITE | PROBE_USER, &v), 0);
	CHECK_EQ(*word, 0xDEADBEEF);
	*word = 0x12345678;
	CHECK_EQ(probe(VA + 8, PROBE_READ, &v), 0);
	CHECK_EQ(v, 0x12345678);
}

static void probe_reports_faults_and_touches_nothing(void)
{
	uint32_t *word = hw_phys(FRAME2);
	uint32_t v = 0xDEADBEEF;

	map_page(VA, FRAME2, PG_URW, PG_P | PG_US);
	paging_on(CR0_WP, 0);
	CHECK_EQ(probe(VA, PROBE_WRITE | PROBE_USER, &v), PROBE_FAULTED | PF_P | PF_W | PF_U);
	CHECK_EQ(*word, 0);
	CHECK_EQ(probe(VA + PAGE_SIZE * 2, PROBE_READ, &v), PROBE_FAULTED);
	CHECK_EQ(v, 0xDEADBEEF);
}

static const struct test_case cases[] = {
	TEST_CASE(paging_off_is_identity_and_never_faults),
	TEST_CASE(small_page_translates_with_12_bit_offset),
	TEST_CASE(not_present_pde_faults_without_p),
	TEST_CASE(not_present_pte_faults_without_p),
	TEST_CASE(fault_address_lands_in_cr2),
	TEST_CASE(permission_table_follows_sdm_4_6),
	TEST_CASE(faulting_access_leaves_no_tlb_entry),
	TEST_CASE(large_page_translates_with_22_bit_offset),
	TEST_CASE(ps_is_ignored_without_cr4_pse),
	TEST_CASE(large_page_reserved_bits_fault_with_rsvd),
	TEST_CASE(large_page_permissions_follow_sdm_4_6),
	TEST_CASE(read_sets_accessed_in_pde_and_pte_but_not_dirty),
	TEST_CASE(write_sets_dirty_in_the_pte_only),
	TEST_CASE(large_page_gets_accessed_and_dirty_in_its_pde),
	TEST_CASE(supervisor_write_to_read_only_page_without_wp_sets_dirty),
	TEST_CASE(not_present_pde_is_not_written),
	TEST_CASE(not_present_pte_still_marks_the_pde_accessed),
	TEST_CASE(refused_access_leaves_the_pte_untouched),
	TEST_CASE(refused_write_sets_neither_accessed_nor_dirty),
	TEST_CASE(refused_large_page_access_leaves_its_pde_untouched),
	TEST_CASE(write_through_entry_cached_by_read_sets_dirty),
	TEST_CASE(tlb_hit_does_not_set_accessed_again),
	TEST_CASE(changed_pte_stays_stale_until_invlpg),
	TEST_CASE(cr3_reload_drops_stale_translation),
	TEST_CASE(cr3_load_switches_address_space),
	TEST_CASE(global_entry_survives_cr3_reload_with_pge),
	TEST_CASE(global_entry_does_not_survive_cr3_reload_without_pge),
	TEST_CASE(g_in_a_pde_that_points_to_a_table_is_ignored),
	TEST_CASE(invlpg_drops_global_entry),
	TEST_CASE(changing_cr4_pge_drops_global_entries),
	TEST_CASE(changing_cr0_wp_or_cr4_pse_drops_every_entry),
	TEST_CASE(not_present_pte_still_translates_until_invlpg),
	TEST_CASE(write_after_read_only_change_rewalks_and_faults),
	TEST_CASE(dirty_writable_entry_allows_writes_until_invlpg),
	TEST_CASE(refused_cached_entry_faults_once_then_serves),
	TEST_CASE(large_entry_dropped_by_invlpg_anywhere_inside),
	TEST_CASE(large_global_entry_survives_cr3_reload_with_pge),
	TEST_CASE(tlb_keeps_every_entry_until_it_is_invalidated),
	TEST_CASE(invlpg_fills_the_entry_again_from_the_tables),
	TEST_CASE(speculative_fills_take_only_accessed_entries),
	TEST_CASE(fault_fills_the_entry_again_from_the_tables),
	TEST_CASE(repointed_pde_stays_stale_until_invlpg_of_any_address),
	TEST_CASE(cr3_load_drops_the_pde_cache),
	TEST_CASE(pde_cache_fills_without_an_access),
	TEST_CASE(fault_through_a_stale_pde_is_not_rewalked_but_drops_it),
	TEST_CASE(cleared_pde_stays_cached_until_invlpg_of_any_address),
	TEST_CASE(not_present_and_large_pdes_are_never_cached),
	TEST_CASE(pde_cache_keeps_the_rights_it_read),
	TEST_CASE(counters_count_every_event),
	TEST_CASE(probe_reads_and_writes_words_through_the_model),
	TEST_CASE(probe_reports_faults_and_touches_nothing),
};

DEFINE_SUITE(mmu_suite, "mmu", cases, fresh_machine, NULL);
