/*
 * mmu_model.c (hosted) - the i386 MMU and TLB in software (mmu_model.h).
 *
 * The state is what the CPU keeps: CR0, CR3, CR4, and a TLB.  The page
 * tables themselves live only in the simulated physical memory (hw_phys),
 * where the core writes them; the model reads them there on every walk and
 * writes the A and D bits back there.
 *
 * The TLB is two set-associative banks, one for 4 KiB pages (indexed by
 * the page number) and one for 4 MiB pages (indexed by the directory
 * index), each with a round-robin victim per set, so the same sequence of
 * accesses always leaves the same entries behind.  An entry holds what a
 * walk found: the physical base of the page, the R/W and U/S rights ANDed
 * over both levels, whether the leaf entry was dirty, and whether it is
 * global.  Nothing in an entry is ever refreshed from memory: only a drop
 * (invlpg, a CR3 load, a control-register change, or a walk redone because
 * the entry did not allow an access) makes the model look at the tables
 * again.  That is what lets a host test see a missing invalidation.
 *
 * Accessed bits on a walk that faults.  SDM vol. 3A 4.8 says the CPU sets A
 * in every paging-structure entry it uses for a translation, and a D in the
 * entry that maps the page on a write.  The model does what QEMU 7.2's TCG
 * walk does (target/i386/tcg/sysemu/excp_helper.c, mmu_translate, 32-bit
 * paging branch), since the same test bodies run there:
 *  - a present PDE that points to a page table gets A as soon as it is
 *    used to find the table, before the PTE is looked at, so it keeps that
 *    A even when the PTE is not present or the access is refused;
 *  - the leaf (the PTE, or the PDE of a 4 MiB page) gets A, and D on a
 *    write, only when the access is allowed;
 *  - a PDE that is not present, a 4 MiB PDE with a reserved bit set, or a
 *    4 MiB PDE that refuses the access, is not written at all.
 *
 * A fault drops any TLB entry for the page: SDM 4.10, "Operations that
 * Invalidate TLBs", counts a page fault among them, for the faulting page.
 *
 * The paging-structure cache (SDM 4.10.3) is modelled for PDEs that point
 * to page tables: one entry per 4 MiB region, holding the PDE as it was
 * read.  A walk takes the table's address and the PDE's rights from the
 * entry when there is one, and reads the directory only when there is
 * not.  Only present PDEs that point to tables are cached.  invlpg of any
 * address drops every entry (SDM 4.10.4.1), and so do CR3 loads and
 * changes of CR0.PG, CR0.WP, CR4.PGE and CR4.PSE; a fault drops the entry
 * of the faulting address (4.10.4.2), and a walk that faults through a
 * cached entry is not redone: the fault is reported.  The SDM lets a CPU
 * fill the cache at any time, speculatively; the model does so at every
 * drop of the whole cache, from the directory CR3 names, so that a PDE
 * repointed without an invalidation afterwards stays stale here just as it
 * may on a real CPU.
 */
#include "lib.h"
#include "mmu_model.h"
#include "seam.h"

/* The rights a translation carries: PG_RW and PG_US of every level, ANDed. */
#define RIGHTS_MASK (PG_RW | PG_US)

struct xlat {
	paddr_t base;    /* physical address of the page */
	uint32_t rights; /* RIGHTS_MASK bits granted at every level */
	bool large;      /* a 4 MiB page */
	bool dirty;      /* D was set in the leaf entry */
	bool global;     /* G in the leaf with CR4.PGE set: survives CR3 loads */
};

struct tlb_entry {
	bool valid;
	uint32_t tag; /* va >> the bank's shift */
	struct xlat x;
};

#define TLB_WAYS 4
#define SMALL_SETS 512 /* 2048 entries of 4 KiB pages */
#define LARGE_SETS 16  /* 64 entries of 4 MiB pages */

struct tlb_set {
	struct tlb_entry way[TLB_WAYS];
	unsigned victim; /* the way the next fill replaces when all are valid */
};

struct tlb_bank {
	struct tlb_set *sets;
	uint32_t nsets;
	unsigned shift; /* PAGE_SHIFT or PDE_SHIFT */
};

static struct tlb_set small_sets[SMALL_SETS], large_sets[LARGE_SETS];
static const struct tlb_bank small_bank = { small_sets, SMALL_SETS, PAGE_SHIFT };
static const struct tlb_bank large_bank = { large_sets, LARGE_SETS, PDE_SHIFT };

static uint32_t cr0, cr2, cr3, cr4; /* CR2: the address of the last fault */
static struct mmu_counters counters;

/* The paging-structure cache: a copy of each cached PDE, and which are cached. */
static struct {
	pde_t pde[PT_ENTRIES];
	uint32_t cached[PT_ENTRIES / 32];
} pdc;

/* ---- the TLB ------------------------------------------------------------ */

static struct tlb_set *bank_set(const struct tlb_bank *b, uint32_t tag)
{
	return &b->sets[tag % b->nsets];
}

/* The valid entry of bank b for va, or NULL. */
static struct tlb_entry *bank_find(const struct tlb_bank *b, vaddr_t va)
{
	uint32_t tag = va >> b->shift;
	struct tlb_set *s = bank_set(b, tag);

	for (unsigned i = 0; i < TLB_WAYS; i++)
		if (s->way[i].valid && s->way[i].tag == tag)
			return &s->way[i];
	return NULL;
}

/* Cache x for va in bank b: over a stale entry for va, a free way, or the victim. */
static void bank_fill(const struct tlb_bank *b, vaddr_t va, const struct xlat *x)
{
	uint32_t tag = va >> b->shift;
	struct tlb_set *s = bank_set(b, tag);
	struct tlb_entry *e = bank_find(b, va);

	for (unsigned i = 0; !e && i < TLB_WAYS; i++)
		if (!s->way[i].valid)
			e = &s->way[i];
	if (!e) {
		e = &s->way[s->victim];
		s->victim = (s->victim + 1) % TLB_WAYS;
	}
	*e = (struct tlb_entry){ .valid = true, .tag = tag, .x = *x };
}

static void bank_flush(const struct tlb_bank *b, bool keep_global)
{
	for (uint32_t s = 0; s < b->nsets; s++)
		for (unsigned i = 0; i < TLB_WAYS; i++) {
			struct tlb_entry *e = &b->sets[s].way[i];

			if (!(keep_global && e->x.global))
				e->valid = false;
		}
}

/*
 * The cached translation of va, or NULL.  Should a 4 KiB and a 4 MiB entry
 * both cover va (the PDE changed size without an invlpg), the 4 KiB one is
 * used: the SDM leaves the choice open (4.10, "Details of TLB Use").
 */
static struct tlb_entry *tlb_find(vaddr_t va)
{
	struct tlb_entry *e = bank_find(&small_bank, va);

	return e ? e : bank_find(&large_bank, va);
}

static void tlb_fill(vaddr_t va, const struct xlat *x)
{
	bank_fill(x->large ? &large_bank : &small_bank, va, x);
}

/* Drop every entry that translates va, of either size, global or not. */
static void tlb_drop_page(vaddr_t va)
{
	struct tlb_entry *e;

	if ((e = bank_find(&small_bank, va)))
		e->valid = false;
	if ((e = bank_find(&large_bank, va)))
		e->valid = false;
}

static void tlb_flush(bool keep_global)
{
	bank_flush(&small_bank, keep_global);
	bank_flush(&large_bank, keep_global);
}

/* ---- the paging-structure cache ------------------------------------------ */

/* Whether a PDE points to a page table (rather than mapping a 4 MiB page). */
static bool points_to_table(pde_t e)
{
	return pde_present(e) && !((e.v & PG_PS) && (cr4 & CR4_PSE));
}

static void pdc_put(uint32_t i, pde_t e)
{
	pdc.pde[i] = e;
	pdc.cached[i / 32] |= BIT(i % 32);
}

static void pdc_drop(uint32_t i)
{
	pdc.cached[i / 32] &= ~BIT(i % 32);
}

/* The cached PDE of directory index i, or NULL. */
static const pde_t *pdc_find(uint32_t i)
{
	return (pdc.cached[i / 32] & BIT(i % 32)) ? &pdc.pde[i] : NULL;
}

/*
 * Drop every entry, then cache every PDE of the directory in CR3 that
 * points to a table, as a CPU may do speculatively at any time.
 */
static void pdc_refill(void)
{
	memset(pdc.cached, 0, sizeof(pdc.cached));
	if (!(cr0 & CR0_PG))
		return;
	const pde_t *pd = hw_phys(cr3 & PG_ADDR_MASK);
	for (uint32_t i = 0; i < PT_ENTRIES; i++)
		if (points_to_table(pd[i]))
			pdc_put(i, pd[i]);
}

/* ---- permissions and faults --------------------------------------------- */

/*
 * Whether rights (ANDed over the levels) allow an access, per SDM 4.6:
 * supervisor reads always; supervisor writes with R/W, or any while CR0.WP
 * is clear; user reads with U/S; user writes with U/S and R/W.
 */
static bool rights_allow(uint32_t rights, uint32_t access)
{
	bool user = access & PF_U, write = access & PF_W;

	if (user && !(rights & PG_US))
		return false;
	if (!write || (rights & PG_RW))
		return true;
	return !user && !(cr0 & CR0_WP);
}

static struct mmu_result fault(uint32_t access, uint32_t why)
{
	return (struct mmu_result){ .fault = true, .err = access | why };
}

static struct mmu_result translated(const struct xlat *x, vaddr_t va)
{
	uint32_t offset = va & (x->large ? MASK(PDE_SHIFT) : PAGE_MASK);

	return (struct mmu_result){ .pa = x->base | offset };
}

/* Set flags in a paging entry, writing it only if that changes it. */
static void entry_set(uint32_t *entry, uint32_t flags)
{
	if ((*entry & flags) != flags)
		*entry |= flags;
}

/* ---- the walk ----------------------------------------------------------- */

/*
 * Finish a walk at its leaf entry (a PTE, or a 4 MiB PDE): check the
 * access against the combined rights, then set A (and D on a write) in the
 * leaf and cache the translation.
 */
static struct mmu_result use_leaf(uint32_t *leaf, struct xlat *x, vaddr_t va,
				  uint32_t access)
{
	if (!rights_allow(x->rights, access))
		return fault(access, PF_P);
	entry_set(leaf, (access & PF_W) ? PG_A | PG_D : PG_A);
	x->dirty = *leaf & PG_D;
	x->global = (*leaf & PG_G) && (cr4 & CR4_PGE);
	tlb_fill(va, x);
	return translated(x, va);
}

/* A PDE with PS under CR4.PSE maps a 4 MiB page by itself. */
static struct mmu_result walk_large(pde_t *pde, vaddr_t va, uint32_t access)
{
	struct xlat x = {
		.base = pde->v & PG_LARGE_ADDR_MASK,
		.rights = pde->v & RIGHTS_MASK,
		.large = true,
	};

	/*
	 * SDM 4.3 with MAXPHYADDR = 32.  QEMU 7.2 differs: it takes bits 20:13
	 * as PSE-36 address bits (only bit 21 faults) and pushes RSVD without
	 * P, so shared test bodies should not rely on these faults.
	 */
	if (pde->v & PG_LARGE_RSVD_MASK)
		return fault(access, PF_P | PF_RSVD);
	return use_leaf(&pde->v, &x, va, access);
}

/*
 * Walk through a PDE that points to a table: e is the PDE as cached or just
 * read, mem the directory entry in memory, marked accessed when it is still
 * the entry e was read from.
 */
static struct mmu_result walk_table(pde_t e, pde_t *mem, vaddr_t va, uint32_t access)
{
	pte_t *pte;
	struct xlat x;

	/* the PDE is used to find the table: it is accessed whatever the PTE says */
	if (pde_present(*mem) && pde_addr(*mem) == pde_addr(e))
		entry_set(&mem->v, PG_A);
	pte = hw_phys(pde_addr(e) + pte_index(va) * sizeof(pte_t));
	if (!pte_present(*pte))
		return fault(access, 0);
	x = (struct xlat){
		.base = pte_addr(*pte),
		.rights = e.v & pte->v & RIGHTS_MASK,
	};
	return use_leaf(&pte->v, &x, va, access);
}

/*
 * Translate va from the tables (SDM 4.3), caching the result: the PDE comes
 * from the paging-structure cache when it holds it, else from memory.
 */
static struct mmu_result walk(vaddr_t va, uint32_t access)
{
	uint32_t i = pde_index(va);
	pde_t *pde = hw_phys((cr3 & PG_ADDR_MASK) + i * sizeof(pde_t));
	const pde_t *cached = pdc_find(i);
	struct mmu_result r;

	counters.walks++;
	if (cached) {
		counters.pdc_hits++;
		r = walk_table(*cached, pde, va, access);
	} else if (!pde_present(*pde)) {
		r = fault(access, 0);
	} else if ((pde->v & PG_PS) && (cr4 & CR4_PSE)) {
		r = walk_large(pde, va, access);
	} else {
		pdc_put(i, *pde);
		r = walk_table(*pde, pde, va, access);
	}
	if (r.fault)
		pdc_drop(i);
	return r;
}

/* ---- the interface ------------------------------------------------------ */

/* Paging off, CR3 = 0, every TLB entry dropped, counters zero. */
void mmu_reset(void)
{
	cr0 = cr2 = cr3 = cr4 = 0;
	tlb_flush(false);
	memset(&pdc, 0, sizeof(pdc));
	for (uint32_t s = 0; s < SMALL_SETS; s++)
		small_sets[s].victim = 0;
	for (uint32_t s = 0; s < LARGE_SETS; s++)
		large_sets[s].victim = 0;
	counters = (struct mmu_counters){ 0 };
}

/* The control registers as last written. */
uint32_t mmu_cr0(void) { return cr0; }
uint32_t mmu_cr2(void) { return cr2; }
uint32_t mmu_cr3(void) { return cr3; }
uint32_t mmu_cr4(void) { return cr4; }

/* Write CR0; a change of PG or WP drops every entry, global ones too. */
void mmu_set_cr0(uint32_t v)
{
	bool changed = (v ^ cr0) & (CR0_PG | CR0_WP);

	cr0 = v;
	if (changed) {
		tlb_flush(false);
		pdc_refill();
	}
}

/* Write CR4; a change of PGE or PSE drops every entry, global ones too. */
void mmu_set_cr4(uint32_t v)
{
	bool changed = (v ^ cr4) & (CR4_PGE | CR4_PSE);

	cr4 = v;
	if (changed) {
		tlb_flush(false);
		pdc_refill();
	}
}

/*
 * Load CR3 with pd; drops every TLB entry but the global ones (none without
 * PGE), and the whole paging-structure cache.
 */
void mmu_load_cr3(paddr_t pd)
{
	counters.cr3_loads++;
	cr3 = pd;
	tlb_flush(cr4 & CR4_PGE);
	pdc_refill();
}

/*
 * Drop the TLB entries that translate va: 4 KiB or 4 MiB, global or not;
 * and the whole paging-structure cache, whatever va is.
 */
void mmu_invlpg(vaddr_t va)
{
	counters.invlpgs++;
	tlb_drop_page(va);
	pdc_refill();
}

/*
 * A cached entry serves an access only if its rights allow it and, for a
 * write, the page was already dirty: otherwise the CPU walks again, to set
 * D or to see whether the tables now allow the access.
 */
static bool entry_serves(const struct tlb_entry *e, uint32_t access)
{
	if (!rights_allow(e->x.rights, access))
		return false;
	return !(access & PF_W) || e->x.dirty;
}

/*
 * One access to va (access: PF_W and/or PF_U).  Served from the TLB when an
 * entry allows it; otherwise any entry for va is dropped and the tables are
 * walked.  Returns the physical address, or the fault and its error code.
 */
struct mmu_result mmu_access(vaddr_t va, uint32_t access)
{
	struct tlb_entry *e;
	struct mmu_result r;

	ASSERT((access & ~(PF_W | PF_U)) == 0);
	counters.accesses++;
	if (!(cr0 & CR0_PG))
		return (struct mmu_result){ .pa = va };
	e = tlb_find(va);
	if (e && entry_serves(e, access)) {
		counters.tlb_hits++;
		return translated(&e->x, va);
	}
	tlb_drop_page(va);
	r = walk(va, access);
	if (r.fault) {
		counters.faults++;
		cr2 = va;
	}
	return r;
}

/* Whether an entry for va is cached, allowing any access or not. */
bool mmu_tlb_holds(vaddr_t va)
{
	return tlb_find(va) != NULL;
}

/* Whether the paging-structure cache holds the PDE of va's region. */
bool mmu_pdc_holds(vaddr_t va)
{
	return pdc_find(pde_index(va)) != NULL;
}

/* The counts since the last mmu_reset. */
struct mmu_counters mmu_counters(void)
{
	return counters;
}
