/*
 * vm_util.h - what the address-space tests (the vm suite) share: names for
 * user-space addresses and probes, the step and access checks, and small
 * helpers around vmspace.h.
 *
 * The suite's cases, one subject per file, in the order they run:
 *
 *   vm_map.c      map, unmap, query, translate, and what each access does
 *   vm_grow.c     growing the block: in place, or by relocation
 *   vm_shrink.c   unlinking tables and shrinking the block
 *   vm_bad.c      bad input: an error code, and nothing changes
 *   vm_tlb.c      the TLB sees every change to the live space
 *   vm_clone.c    clones and copy-on-write
 *   vm_resolve.c  the kernel's accesses to user pages (pt_vm_resolve)
 *   vm_iterate.c  iteration and dumps
 *
 * The bodies are written to run on the host (through the model MMU, a fresh
 * 64 MiB machine per case) and in the kernel on the live paging system: no
 * physical address is assumed, memory is touched only through probe() with
 * the address space live, every case destroys what it made, and pt_vm_check()
 * runs after every step.  Frames of DEVICE_PA and up lie above RAM: the
 * allocator does not own them, so they are mapped without references.
 *
 * Where user space starts, and how the cases name its 4 MiB regions:
 *
 *   0x40000000  REGION(0)  one page table maps each region
 *   0x40400000  REGION(1)
 *   ...
 *   0xFFC00000  REGION(767), whose last page is USER_LAST (0xFFFFF000)
 */
#ifndef PAGETRACK_VM_UTIL_H
#define PAGETRACK_VM_UTIL_H

#include "check.h"
#include "fixture.h"
#include "harness.h"
#include "layout.h"
#include "mmu.h"
#include "probe.h"
#include "types.h"
#include "vmspace.h"

#define URW (VM_USER | VM_WRITE)
#define REGION(i) (USER_BASE + (uint32_t)(i) * PDE_SPAN)
#define PAGE(i) ((uint32_t)(i) * PAGE_SIZE)
#define DEVICE_PA 0xF0000000u

/* Probe kinds, and the outcome of a probe that faulted with error code err. */
#define SUP_RD PROBE_READ
#define SUP_WR PROBE_WRITE
#define USR_RD PROBE_USER
#define USR_WR (PROBE_USER | PROBE_WRITE)
#define FAULTED(err) (PROBE_FAULTED | (err))

/* An action that must succeed, followed by the invariant check. */
#define STEP(expr)                                                                     \
	do {                                                                           \
		CHECK_OK(expr);                                                        \
		CHECK_OK(pt_vm_check());                                                  \
	} while (0)

/* The live address space reads `want` at va with a probe of kind how. */
#define CHECK_READS(va, how, want)                                                     \
	do {                                                                           \
		uint32_t v_ = ~(uint32_t)(want);                                      \
		CHECK_EQ(probe((va), (how), &v_), 0);                                  \
		CHECK_EQ(v_, (uint32_t)(want));                                        \
	} while (0)

/* The live address space lets a probe of kind how write val at va. */
#define CHECK_WRITES(va, how, val)                                                     \
	do {                                                                           \
		uint32_t v_ = (val);                                                   \
		CHECK_EQ(probe((va), (how) | PROBE_WRITE, &v_), 0);                    \
	} while (0)

/* A probe of kind how at va faults with error code err. */
#define CHECK_FAULTS(va, how, err)                                                     \
	do {                                                                           \
		uint32_t v_ = 0x0BADBAD0;                                              \
		CHECK_EQ(probe((va), (how), &v_), FAULTED(err));                      \
	} while (0)

/* The snapshot the cases take around calls that must change nothing (too big for a stack). */
extern struct fx_snapshot snap;

/* Map a new user frame holding `fill` in every word at va; its address in *pa. */
int map_filled(int as, vaddr_t va, uint32_t fill, uint32_t flags, paddr_t *pa);

/* What pt_vm_query says of va: its flags, or its frame (0xFFFFFFFF if not mapped). */
uint32_t query_flags(int as, vaddr_t va);
paddr_t query_pa(int as, vaddr_t va);

/* pt_vm_query's result alone. */
int query_rc(int as, vaddr_t va);

struct vm_space_info info_of(int as);
struct vm_stats stats_now(void);

/* The PDE of va in address space as. */
pde_t pde_of(int as, vaddr_t va);

/* The entry of va in address space as: zero if no table maps it or the handle is bad. */
pte_t pte_of(int as, vaddr_t va);

/* The block slot the table of va sits in (0: none). */
uint32_t slot_of(int as, vaddr_t va);

/* A space with something in it, to snapshot around calls that must fail; or an error. */
int populated_space(void);

/*
 * Put a frame right after the block of as, so that it cannot grow in place
 * and its next growth relocates it; *plug is that frame (0 if the frame
 * after the block was not free anyway), for give_back_plug.
 */
int block_the_way(int as, paddr_t *plug);
void give_back_plug(paddr_t plug);

/* The cases of each file, run in the order vm_util.c lists them. */
extern const struct test_part vm_map_part, vm_grow_part, vm_shrink_part, vm_bad_part,
	vm_tlb_part, vm_clone_part, vm_resolve_part, vm_iterate_part;

#endif
