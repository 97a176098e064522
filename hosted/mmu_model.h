/*
 * mmu_model.h (hosted) - a model of the i386 MMU and TLB, playing the CPU for the
 * host tests and benchmarks.
 *
 * It walks the tables in the simulated physical memory exactly as 32-bit
 * paging does (Intel SDM vol. 3A, 4.3 and 4.6-4.10):
 *  - P, R/W and U/S are combined over the PDE and the PTE;
 *  - a supervisor write honours R/W only when CR0.WP is set; a user access
 *    needs U/S at both levels, a user write R/W at both;
 *  - with CR4.PSE, a PDE with PS maps a 4 MiB page; a set reserved bit
 *    (21:13) in such a PDE faults with RSVD;
 *  - a walk sets A in the PDE and the PTE it uses, and a write sets D in
 *    the entry that maps the page (the PTE, or the 4 MiB PDE);
 *  - a failed access yields the error code the CPU pushes: P (protection,
 *    not "not present"), W/R, U/S, RSVD.
 *
 * What the CPU caches, and when it lets go (SDM 4.10.2-4.10.4).  The model
 * is as strict as those rules allow, and deterministic: it keeps every
 * entry as long as a CPU may, and fills entries whenever it can see a CPU
 * could, so that a missing invalidation shows as a stale translation.
 *
 *  - The TLB caches translations with their combined rights, the leaf's D
 *    and G.  It has an entry for every page number and every 4 MiB region,
 *    so it never evicts: a CPU may keep any entry until it is invalidated
 *    (4.10.2.2).  Entries are dropped only by invlpg of the page (4 KiB or
 *    4 MiB, global or not), a CR3 load (all but global ones while CR4.PGE
 *    is set), a change of CR0.PG, CR0.WP, CR4.PGE or CR4.PSE (all), and a
 *    page fault (the faulting page's entries, 4.10.4.1).
 *  - A cached entry that refuses an access faults as it stands, even if
 *    the tables now allow the access: the "spurious" fault of 4.10.4.3,
 *    which a widening without an invalidation may cause, at most once per
 *    page since the fault drops the entry.  A write through an entry cached
 *    clean walks again to set D.
 *  - The paging-structure cache holds the PDEs that point to page tables,
 *    one per 4 MiB region, as they were read; walks use it instead of the
 *    directory (4.10.3).  invlpg of any address drops all of it, and so do
 *    CR3 loads and the control-register changes above (4.10.4.1); a page
 *    fault drops the faulting region's entry, and a walk that faults
 *    through a stale entry is not redone: the fault is reported.
 *  - Speculative fills (4.10.2.2, 4.10.3.1: any present entry, at any
 *    time).  Right after each drop the model fills again from the tables
 *    as they are at that moment, so that a change made after an
 *    invalidation but not followed by one stays stale:
 *      a CR3 load or a change of the control registers above refills the
 *      paging-structure cache with every PDE of the directory in CR3 that
 *      points to a table; an invlpg refills the PDEs of the regions cached
 *      since the last CR3 load (the regions in use) and of its own address,
 *      so that it costs a few entries, not a read of the whole directory;
 *      a fault refills the faulting region's; as a CPU does before caching,
 *      the fill sets A in each PDE it takes;
 *      invlpg(va) and a fault at va fill the TLB entry of va, if the walk
 *      would succeed for some access and every entry on the way already
 *      has A: such a fill writes nothing.
 *
 * The freedoms the model takes, each one a thing a CPU may do:
 *  - it fills the TLB speculatively only at invlpg and faults, for the page
 *    concerned, and not at CR3 loads: filling every mapped page at every
 *    switch would cost a walk of every table;
 *  - its speculative TLB fills skip entries whose A is clear rather than
 *    set it, so that the leaf's A and D stay where the walk of an access
 *    leaves them, which the host tests check against QEMU's walk below;
 *  - it never drops an entry on its own: a CPU may (4.10.2.2), which can
 *    only hide a missing invalidation, never cause a failure.
 *
 * Where QEMU 7.2 (whose MMU the kernel tests run on) differs, the model
 * follows the SDM, so tests of these points are host-only:
 *  - QEMU reads bits 20:13 of a 4 MiB PDE as PSE-36 address bits (only bit
 *    21 is reserved) and pushes RSVD without P;
 *  - QEMU drops global entries on every CR3 load too;
 *  - QEMU has no paging-structure cache, and it walks again where a cached
 *    entry refuses an access instead of faulting: stale PDEs and spurious
 *    faults are seen only on the host;
 *  - QEMU keeps the entry of a page read before one of its writes faulted,
 *    as the model does when it fills the entry again after the fault;
 *  - QEMU may drop any TLB entry at any time, so a stale translation can be
 *    asserted only on the host; shared tests check the state after an
 *    invalidation.
 * On accessed bits both agree: a PDE used to reach a table gets A even if
 * the access then faults; the leaf gets A (and D) only when it succeeds.
 */
#ifndef PAGETRACK_HOSTED_MMU_MODEL_H
#define PAGETRACK_HOSTED_MMU_MODEL_H

#include "mmu.h"

/* The outcome of one access. */
struct mmu_result {
	bool fault;   /* true: the access faults with error code err */
	uint32_t err; /* PF_P | PF_W | PF_U | PF_RSVD, as the CPU would push */
	paddr_t pa;   /* the physical address, when it did not fault */
};

/* Paging off, CR3 = 0, TLB empty, counters zero, on every CPU; CPU 0 selected. */
void mmu_reset(void);

/*
 * Several CPUs: each has its own control registers, TLB and
 * paging-structure cache, over the one memory.  Every other function here
 * acts on the selected CPU, as an instruction runs on the CPU that runs it;
 * a test (or the host seam, for an interprocessor interrupt) selects the
 * CPU that is to run next.
 */
#define MMU_CPUS 4
void mmu_select_cpu(unsigned i);
unsigned mmu_selected_cpu(void);

uint32_t mmu_cr0(void);
uint32_t mmu_cr2(void);        /* the address of the last access that faulted */
uint32_t mmu_cr3(void);
uint32_t mmu_cr4(void);
void mmu_set_cr0(uint32_t v);  /* changing CR0.PG or CR0.WP drops every entry */
void mmu_set_cr4(uint32_t v);  /* changing CR4.PGE or CR4.PSE drops every entry */
void mmu_load_cr3(paddr_t pd); /* drops every entry not global (or all if !PGE), and the PDE cache */
void mmu_invlpg(vaddr_t va);   /* drops the entries for va, global or not, 4 KiB or 4 MiB; the PDE cache */

/*
 * Translate one access to va; `access` is a mask of PF_W (write) and PF_U
 * (made at CPL 3).  With paging off, the address is the physical address.
 * Counts the access and updates the TLB and the A/D bits.
 */
struct mmu_result mmu_access(vaddr_t va, uint32_t access);

/* Whether the TLB holds a translation for va (for tests of the TLB itself). */
bool mmu_tlb_holds(vaddr_t va);

/* Whether the paging-structure cache holds the PDE of va's 4 MiB region. */
bool mmu_pdc_holds(vaddr_t va);

struct mmu_counters {
	uint64_t accesses, tlb_hits, walks, faults, invlpgs, cr3_loads;
	uint64_t pdc_hits; /* walks that took their PDE from the paging-structure cache */
};
struct mmu_counters mmu_counters(void);

#endif
