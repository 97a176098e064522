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
 * The TLB caches successful translations with their combined rights and
 * keeps using them until invlpg or a CR3 load drops them, even if the
 * tables change meanwhile: a missing invalidation shows as a stale
 * translation, as on a real CPU.  Entries of pages mapped with G survive CR3
 * loads while CR4.PGE is set; changing CR4.PGE drops every entry.  A write
 * through an entry cached before the page was dirty walks again to set D.
 * A cached entry that does not allow an access is dropped and the walk is
 * redone before a fault is reported (as the SDM allows).
 *
 * A paging-structure cache holds the PDEs that point to page tables, per
 * 4 MiB region, as they were read; walks use it instead of the directory.
 * invlpg of any address and CR3 loads drop all of it (SDM 4.10.4.1) and
 * refill it at once from the directory in CR3, as a CPU may do
 * speculatively; a fault drops the faulting region's entry.  A PDE
 * repointed without an invalidation afterwards stays stale, as on a real
 * CPU (QEMU 7.2 has no such cache: tests of it are host-only).
 *
 * Where QEMU 7.2 (whose MMU the kernel tests run on) differs, the model
 * follows the SDM, so tests of these points are host-only:
 *  - QEMU reads bits 20:13 of a 4 MiB PDE as PSE-36 address bits (only bit
 *    21 is reserved) and pushes RSVD without P;
 *  - QEMU drops global entries on every CR3 load too;
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

/* Paging off, CR3 = 0, TLB empty, counters zero. */
void mmu_reset(void);

uint32_t mmu_cr0(void);
uint32_t mmu_cr2(void);        /* the address of the last access that faulted */
uint32_t mmu_cr3(void);
uint32_t mmu_cr4(void);
void mmu_set_cr0(uint32_t v);  /* changing CR0.PG or CR0.WP drops every entry */
void mmu_set_cr4(uint32_t v);  /* changing CR4.PGE or CR4.PSE drops every entry */
void mmu_load_cr3(paddr_t pd); /* drops every entry not global (or all if !PGE), and the PDE cache */
void mmu_invlpg(vaddr_t va);   /* drops the entry for va, global or not, 4 KiB or 4 MiB; the PDE cache */

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
