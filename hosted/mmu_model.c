/*
 * mmu_model.c (hosted) - the i386 MMU and TLB in software (mmu_model.h).
 *
 * The state is what the CPU keeps: CR0, CR3, CR4, a TLB and a
 * paging-structure cache.  The page tables themselves live only in the
 * simulated physical memory (hw_phys), where the core writes them; the
 * model reads them there on every walk and writes the A and D bits back
 * there.
 *
 * The TLB has one entry for each 4 KiB page number and one for each 4 MiB
 * region, so nothing is ever evicted for want of room: an entry lives
 * until something the SDM names drops it.  An entry holds what a walk
 * found, in the layout of a PTE: the physical base of the page, the R/W
 * and U/S rights ANDed over both levels, D if the leaf entry was dirty,
 * and G if it is global.  An entry is valid while its generation is the
 * current one of its kind (global or not), so a flush is one increment,
 * however many entries there are.  Nothing in an entry is ever refreshed
 * from memory: only a drop (invlpg, a CR3 load, a control-register change,
 * a page fault, or a write that must set D) makes the model look at the
 * tables again.  That is what lets a host test see a missing invalidation.
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
 * The paging-structure cache (SDM 4.10.3) is modelled for PDEs that point
 * to page tables: one entry per 4 MiB region, holding the PDE as it was
 * read.  A walk takes the table's address and the PDE's rights from the
 * entry when there is one, and reads the directory only when there is
 * not.  Only present PDEs that point to tables are cached.
 *
 * Speculative fills.  A CPU may fill either cache at any moment from the
 * tables as they are then, and keep what it filled until it is
 * invalidated.  The model fills at the moments it sees: right after each
 * invalidation, from the tables of that moment, as described in
 * mmu_model.h.  Fills of the paging-structure cache set A in the PDEs they
 * take, as a CPU does before it caches; fills of the TLB take only
 * translations whose entries already have A, so they write nothing.
 */
#include "lib.h"
#include "mmu_model.h"
#include "seam.h"

/* The rights a translation carries: PG_RW and PG_US of every level, ANDed. */
#define RIGHTS_MASK (PG_RW | PG_US)

/* What a walk found for a page; a TLB entry keeps it packed (struct tlb_entry). */
struct xlat {
	paddr_t base;    /* physical address of the page */
	uint32_t rights; /* RIGHTS_MASK bits granted at every level */
	bool large;      /* a 4 MiB page */
	bool dirty;      /* D was set in the leaf entry */
	bool global;     /* G in the leaf with CR4.PGE set: survives CR3 loads */
};

/*
 * x: the base, the rights, PG_D if dirty and PG_G if global, as in a PTE.
 * Valid while gen is the current generation of its kind (never 0).
 */
struct tlb_entry {
	uint32_t gen;
	uint32_t x;
};

#define SMALL_ENTRIES (1u << (32 - PAGE_SHIFT)) /* one per 4 KiB page number */
#define LARGE_ENTRIES PT_ENTRIES                /* one per 4 MiB region */

/*
 * The paging-structure cache: pde[i] is the cached PDE of region i while
 * gen[i] is the cache's current generation, so dropping every entry (what
 * invlpg does, whatever its address) is one increment.  walked has a bit
 * for each region whose PDE was cached since the last CR3 load: the
 * regions the CPU is using, whose PDEs it caches again after a drop.
 * used lists the same regions, nused of them, in no order, so that a
 * refill visits them without a scan of the bitmap.
 */
struct pdc {
	pde_t pde[PT_ENTRIES];
	uint32_t gen[PT_ENTRIES];
	uint32_t now; /* the current generation, never 0 */
	uint32_t walked[PT_ENTRIES / 32];
	uint16_t used[PT_ENTRIES];
	uint32_t nused;
};

/*
 * What each simulated CPU keeps: its control registers, its TLB and its
 * paging-structure cache.  The page tables are in memory, shared by all.
 * Every function below works on the selected CPU, cpu (mmu_select_cpu).
 */
struct mmu_cpu {
	uint32_t cr0, cr2, cr3, cr4; /* CR2: the address of the last fault */
	struct tlb_entry small_tlb[SMALL_ENTRIES], large_tlb[LARGE_ENTRIES];
	uint32_t gen_local, gen_global; /* the generations valid now */
	struct pdc pdc;
};

static struct mmu_cpu cpus[MMU_CPUS];
/* per host thread: a test may run simulated CPUs on threads of their own (vm_cpus.c) */
static _Thread_local struct mmu_cpu *cpu = &cpus[0];
static struct mmu_counters counters;


/* ---- the TLB ------------------------------------------------------------ */

static bool entry_valid(const struct tlb_entry *e)
{
	return e->gen != 0 && e->gen == ((e->x & PG_G) ? cpu->gen_global : cpu->gen_local);
}

/* The next generation; past the last one every entry is cleared and counting restarts. */
static uint32_t next_gen(uint32_t gen)
{
	if (gen + 1 != 0)
		return gen + 1;
	memset(cpu->small_tlb, 0, sizeof(cpu->small_tlb));
	memset(cpu->large_tlb, 0, sizeof(cpu->large_tlb));
	cpu->gen_local = cpu->gen_global = 1;
	return 1;
}

/* The entry of bank tlb for va (4 KiB or 4 MiB, by shift), valid or not. */
static struct tlb_entry *slot(struct tlb_entry *tlb, unsigned shift, vaddr_t va)
{
	return &tlb[va >> shift];
}

/*
 * The cached translation of va, or NULL.  Should a 4 KiB and a 4 MiB entry
 * both cover va (the PDE changed size without an invlpg), the 4 KiB one is
 * used: the SDM leaves the choice open (4.10, "Details of TLB Use").
 */
static struct tlb_entry *tlb_find(vaddr_t va)
{
	struct tlb_entry *e = slot(cpu->small_tlb, PAGE_SHIFT, va);

	if (entry_valid(e))
		return e;
	e = slot(cpu->large_tlb, PDE_SHIFT, va);
	return entry_valid(e) ? e : NULL;
}

static void tlb_fill(vaddr_t va, const struct xlat *x)
{
	struct tlb_entry *e = x->large ? slot(cpu->large_tlb, PDE_SHIFT, va)
				       : slot(cpu->small_tlb, PAGE_SHIFT, va);

	e->x = x->base | x->rights | (x->dirty ? PG_D : 0) | (x->global ? PG_G : 0);
	e->gen = x->global ? cpu->gen_global : cpu->gen_local;
}

/* The translation entry e holds, for va. */
static struct xlat entry_xlat(const struct tlb_entry *e, vaddr_t va)
{
	bool large = e == slot(cpu->large_tlb, PDE_SHIFT, va);

	return (struct xlat){
		.base = e->x & (large ? PG_LARGE_ADDR_MASK : PG_ADDR_MASK),
		.rights = e->x & RIGHTS_MASK,
		.large = large,
		.dirty = e->x & PG_D,
		.global = e->x & PG_G,
	};
}

/* Drop every entry that translates va, of either size, global or not. */
static void tlb_drop_page(vaddr_t va)
{
	slot(cpu->small_tlb, PAGE_SHIFT, va)->gen = 0;
	slot(cpu->large_tlb, PDE_SHIFT, va)->gen = 0;
}

/* Drop every entry not global, and the global ones too unless keep_global. */
static void tlb_flush(bool keep_global)
{
	cpu->gen_local = next_gen(cpu->gen_local);
	if (!keep_global)
		cpu->gen_global = next_gen(cpu->gen_global);
}

/* ---- the paging-structure cache ------------------------------------------ */

/* Whether a PDE points to a page table (rather than mapping a 4 MiB page). */
static bool points_to_table(pde_t e)
{
	return pde_present(e) && !((e.v & PG_PS) && (cpu->cr4 & CR4_PSE));
}

/* The directory entry of region i in the directory CR3 names. */
static pde_t *dir_entry(uint32_t i)
{
	return hw_phys((cpu->cr3 & PG_ADDR_MASK) + i * sizeof(pde_t));
}

/* The cached PDE of directory index i, or NULL. */
static const pde_t *pdc_find(uint32_t i)
{
	return cpu->pdc.gen[i] == cpu->pdc.now ? &cpu->pdc.pde[i] : NULL;
}

/* Cache PDE e of region i, as read from memory. */
static void pdc_put(uint32_t i, pde_t e)
{
	cpu->pdc.pde[i] = e;
	cpu->pdc.gen[i] = cpu->pdc.now;
	if (!(cpu->pdc.walked[i / 32] & BIT(i % 32))) {
		cpu->pdc.walked[i / 32] |= BIT(i % 32);
		cpu->pdc.used[cpu->pdc.nused++] = (uint16_t)i;
	}
}

static void pdc_drop(uint32_t i)
{
	cpu->pdc.gen[i] = 0;
}

/* Drop every entry: a new generation; past the last one, counting restarts. */
static void pdc_drop_all(void)
{
	if (++cpu->pdc.now == 0) {
		memset(cpu->pdc.gen, 0, sizeof(cpu->pdc.gen));
		cpu->pdc.now = 1;
	}
}

/* Drop every entry and forget the regions in use. */
static void pdc_restart(void)
{
	pdc_drop_all();
	memset(cpu->pdc.walked, 0, sizeof(cpu->pdc.walked));
	cpu->pdc.nused = 0;
}

/*
 * A speculative fill of region i from the directory in CR3: a PDE that
 * points to a table is cached, its A set first as the CPU does.
 */
static void pdc_fill(uint32_t i)
{
	pde_t *mem = dir_entry(i);

	if (!(cpu->cr0 & CR0_PG) || !points_to_table(*mem))
		return;
	mem->v |= PG_A;
	pdc_put(i, *mem);
}

/* Cache region i again from directory dir if its PDE still points to a table; whether it does. */
static bool pdc_recache(pde_t *dir, uint32_t i)
{
	if (!points_to_table(dir[i]))
		return false;
	dir[i].v |= PG_A; /* as the CPU does before it caches */
	cpu->pdc.pde[i] = dir[i];
	cpu->pdc.gen[i] = cpu->pdc.now;
	return true;
}

/*
 * Drop every entry, then cache again, as a CPU may do speculatively at any
 * time, the PDE of each region cached since the last CR3 load that still
 * points to a table; a region that no longer does is forgotten.  The
 * regions in use, from their list, not the whole directory: what an invlpg
 * costs a CPU.
 */
static void pdc_refill(void)
{
	uint32_t n = cpu->pdc.nused, kept = 0;

	if (!(cpu->cr0 & CR0_PG)) {
		pdc_restart();
		return;
	}
	pdc_drop_all();
	pde_t *dir = hw_phys(cpu->cr3 & PG_ADDR_MASK); /* one page: every PDE from one pointer */
	for (uint32_t k = 0; k < n; k++) {
		uint32_t i = cpu->pdc.used[k];
		if (pdc_recache(dir, i))
			cpu->pdc.used[kept++] = (uint16_t)i;
		else
			cpu->pdc.walked[i / 32] &= ~BIT(i % 32);
	}
	cpu->pdc.nused = kept;
}

/*
 * A new address space or new paging rules: drop every entry, then cache
 * every PDE of the directory in CR3 that points to a table, as a CPU may
 * do speculatively at any time.  A read of the whole directory, at the
 * moments that cost a CPU its whole TLB anyway.
 */
static void pdc_fill_all(void)
{
	pdc_restart();
	for (uint32_t i = 0; i < PT_ENTRIES; i++)
		pdc_fill(i);
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
	return !user && !(cpu->cr0 & CR0_WP);
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

/* The translation of a 4 MiB page by PDE e (CR4.PSE and PS). */
static struct xlat large_xlat(pde_t e)
{
	return (struct xlat){
		.base = e.v & PG_LARGE_ADDR_MASK,
		.rights = e.v & RIGHTS_MASK,
		.large = true,
		.dirty = e.v & PG_D,
		.global = (e.v & PG_G) && (cpu->cr4 & CR4_PGE),
	};
}

/* The translation of a 4 KiB page by PDE e (cached or in memory) and PTE p. */
static struct xlat small_xlat(pde_t e, pte_t p)
{
	return (struct xlat){
		.base = pte_addr(p),
		.rights = e.v & p.v & RIGHTS_MASK,
		.dirty = p.v & PG_D,
		.global = (p.v & PG_G) && (cpu->cr4 & CR4_PGE),
	};
}

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
	tlb_fill(va, x);
	return translated(x, va);
}

/* A PDE with PS under CR4.PSE maps a 4 MiB page by itself. */
static struct mmu_result walk_large(pde_t *pde, vaddr_t va, uint32_t access)
{
	struct xlat x = large_xlat(*pde);

	/*
	 * SDM 4.3 with MAXPHYADDR = 32.  QEMU 7.2 differs: it takes bits 20:13
	 * as PSE-36 address bits (only bit 21 faults) and pushes RSVD without
	 * P, so shared test bodies should not rely on these faults.
	 */
	if (pde->v & PG_LARGE_RSVD_MASK)
		return fault(access, PF_P | PF_RSVD);
	return use_leaf(&pde->v, &x, va, access);
}

/* The PTE of va in the table PDE e points to. */
static pte_t *table_entry(pde_t e, vaddr_t va)
{
	return hw_phys(pde_addr(e) + pte_index(va) * sizeof(pte_t));
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
	pte = table_entry(e, va);
	if (!pte_present(*pte))
		return fault(access, 0);
	x = small_xlat(e, *pte);
	return use_leaf(&pte->v, &x, va, access);
}

/*
 * Translate va from the tables (SDM 4.3), caching the result: the PDE comes
 * from the paging-structure cache when it holds it, else from memory.
 */
static struct mmu_result walk(vaddr_t va, uint32_t access)
{
	uint32_t i = pde_index(va);
	pde_t *pde = dir_entry(i);
	const pde_t *cached = pdc_find(i);

	counters.walks++;
	if (cached) {
		counters.pdc_hits++;
		return walk_table(*cached, pde, va, access);
	}
	if (!pde_present(*pde))
		return fault(access, 0);
	if ((pde->v & PG_PS) && (cpu->cr4 & CR4_PSE))
		return walk_large(pde, va, access);
	entry_set(&pde->v, PG_A); /* as walk_table would: cached with it */
	pdc_put(i, *pde);
	return walk_table(*pde, pde, va, access);
}

/*
 * The translation a walk would give va now, if it can be cached without
 * writing anything: every entry on the way present, with A already set, and
 * no reserved bit set.  The PDE comes from the paging-structure cache when
 * it holds it, as in a walk.
 */
static bool peek(vaddr_t va, struct xlat *x)
{
	const pde_t *cached = pdc_find(pde_index(va));
	pde_t e = cached ? *cached : *dir_entry(pde_index(va));
	pte_t p;

	if (!pde_present(e) || !(e.v & PG_A))
		return false;
	if (!cached && (e.v & PG_PS) && (cpu->cr4 & CR4_PSE)) {
		*x = large_xlat(e);
		return !(e.v & PG_LARGE_RSVD_MASK);
	}
	p = *table_entry(e, va);
	*x = small_xlat(e, p);
	return pte_present(p) && (p.v & PG_A);
}

/* A speculative fill of the TLB for va, from the tables as they are now. */
static void tlb_prefill(vaddr_t va)
{
	struct xlat x;

	if ((cpu->cr0 & CR0_PG) && peek(va, &x))
		tlb_fill(va, &x);
}

/*
 * A page fault at va: it drops the TLB entries for va and the cached PDE
 * of its region (SDM 4.10.4.1), which the CPU may then fill again at once.
 */
static struct mmu_result page_fault(vaddr_t va, struct mmu_result r)
{
	uint32_t i = pde_index(va);

	counters.faults++;
	cpu->cr2 = va;
	tlb_drop_page(va);
	pdc_drop(i);
	pdc_fill(i);
	tlb_prefill(va);
	return r;
}

/* ---- the interface ------------------------------------------------------ */

/* Paging off, CR3 = 0, every TLB entry dropped, counters zero. */
void mmu_reset(void)
{
	for (unsigned i = 0; i < MMU_CPUS; i++) {
		cpu = &cpus[i];
		if (cpu->gen_local == 0) /* never used: entries of generation 0 are never valid */
			cpu->gen_local = cpu->gen_global = cpu->pdc.now = 1;
		cpu->cr0 = cpu->cr2 = cpu->cr3 = cpu->cr4 = 0;
		tlb_flush(false);
		pdc_restart();
	}
	cpu = &cpus[0];
	counters = (struct mmu_counters){ 0 };
}

void mmu_select_cpu(unsigned i)
{
	if (i >= MMU_CPUS)
		panic("mmu_select_cpu: no CPU %u (the model has %u)", i, MMU_CPUS);
	cpu = &cpus[i];
}

unsigned mmu_selected_cpu(void) { return (unsigned)(cpu - cpus); }

/* The control registers as last written. */
uint32_t mmu_cr0(void) { return cpu->cr0; }
uint32_t mmu_cr2(void) { return cpu->cr2; }
uint32_t mmu_cr3(void) { return cpu->cr3; }
uint32_t mmu_cr4(void) { return cpu->cr4; }

/* Write CR0; a change of PG or WP drops every entry, global ones too. */
void mmu_set_cr0(uint32_t v)
{
	bool changed = (v ^ cpu->cr0) & (CR0_PG | CR0_WP);

	cpu->cr0 = v;
	if (changed) {
		tlb_flush(false);
		pdc_fill_all();
	}
}

/* Write CR4; a change of PGE or PSE drops every entry, global ones too. */
void mmu_set_cr4(uint32_t v)
{
	bool changed = (v ^ cpu->cr4) & (CR4_PGE | CR4_PSE);

	cpu->cr4 = v;
	if (changed) {
		tlb_flush(false);
		pdc_fill_all();
	}
}

/*
 * Load CR3 with pd; drops every TLB entry but the global ones (none without
 * PGE), and the whole paging-structure cache, which is filled again.
 */
void mmu_load_cr3(paddr_t pd)
{
	counters.cr3_loads++;
	cpu->cr3 = pd;
	tlb_flush(cpu->cr4 & CR4_PGE);
	pdc_fill_all();
}

/*
 * Drop the TLB entries that translate va: 4 KiB or 4 MiB, global or not;
 * and the whole paging-structure cache, whatever va is.  Then, as a CPU
 * may at once, cache again from the tables as they are now the PDEs of
 * the regions in use since the last CR3 load and of va's region, and the
 * TLB entry of va.  The regions come from their list: an invlpg costs the
 * regions in use, not a read of the whole directory (kmap windows make one
 * per page copied or zeroed).
 */
void mmu_invlpg(vaddr_t va)
{
	uint32_t i = pde_index(va);

	counters.invlpgs++;
	tlb_drop_page(va);
	pdc_refill();
	if (!pdc_find(i)) /* a region in use was cached again just now */
		pdc_fill(i);
	tlb_prefill(va);
}

/*
 * One access to va (access: PF_W and/or PF_U).  Served from the TLB when an
 * entry allows it.  A cached entry that refuses the access faults as it
 * stands, whatever the tables say now (the spurious fault of SDM 4.10.4.3).
 * A write through an entry cached clean walks again, to set D.  Otherwise
 * the tables are walked.  Returns the physical address, or the fault and
 * its error code.
 */
struct mmu_result mmu_access(vaddr_t va, uint32_t access)
{
	struct tlb_entry *e;
	struct mmu_result r;

	ASSERT((access & ~(PF_W | PF_U)) == 0);
	counters.accesses++;
	if (!(cpu->cr0 & CR0_PG))
		return (struct mmu_result){ .pa = va };
	e = tlb_find(va);
	if (e) {
		struct xlat x = entry_xlat(e, va);
		if (!rights_allow(x.rights, access))
			return page_fault(va, fault(access, PF_P));
		if (!(access & PF_W) || x.dirty) {
			counters.tlb_hits++;
			return translated(&x, va);
		}
	}
	tlb_drop_page(va);
	r = walk(va, access);
	return r.fault ? page_fault(va, r) : r;
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
