/*
 * vmspace.h - address spaces: the API the kernel uses (DESIGN 7).
 *
 * An address space is named by its tracker index (an int >= 1; 0 is the
 * kernel master table, which is not a user address space).  Its kernel
 * part (the first GiB) is shared with every other; its user part
 * [USER_BASE, 4 GiB) is its own, mapped by page tables in its block.
 *
 * Frames and references: mapping a frame of the allocator takes over one
 * reference the caller holds on it (pt_frame_alloc gives one, pt_frame_ref adds
 * one); unmapping, destroying or replacing the mapping drops it, and the
 * frame is freed with its last reference.  Frames the allocator does not
 * own (device memory, the first MiB) are mapped without references.
 * Kernel-zone frames cannot be mapped into user space.
 *
 * Flags: VM_WRITE and VM_USER (a user page without VM_USER is reachable
 * only by the kernel).  A copy-on-write page (VM_COW) is shared with a
 * clone: its PTE stays read-only, and PG_COW_W remembers whether a write
 * may copy it (pt_vm_fault, pt_vm_resolve).
 *
 * Every call checks its arguments and returns -E_xxx without changing
 * anything:
 *  - a bad handle: -E_BADH;
 *  - an unaligned address or unknown flag bits: -E_INVAL;
 *  - an address outside user space or a range that wraps: -E_RANGE;
 *  - a page already mapped: -E_EXIST; not mapped: -E_NOENT;
 *  - a frame to map that is free: -E_FREE; in the kernel zone: -E_RANGE;
 *  - pt_vm_destroy of the live address space: -E_BUSY;
 *  - pt_vm_unmap, pt_vm_unmap_range or pt_vm_destroy that would drop the last
 *    reference to a pinned frame (pt_frame_pin), which may not be freed: -E_BUSY;
 *  - a copy-on-write pt_vm_clone with a frame at its reference limit, counting
 *    each mapping of it: -E_RANGE.
 * Running out of memory (-E_NOMEM) leaves the address space as it was.
 *
 * TLB: a change that removes or narrows a mapping of the live address
 * space invalidates it (tlb.h); other address spaces cost nothing.
 *
 * Paging out (pager.h).  A page the pager paged out is still mapped: its
 * entry is a swap entry (mmu.h) that keeps its rights and one reference to
 * the slot that holds it.  Every call treats it as the mapping it is:
 *  - pt_vm_map, pt_vm_map_range, pt_vm_map_zero: -E_EXIST, as for a present page;
 *  - pt_vm_unmap, pt_vm_unmap_range, pt_vm_destroy drop the slot reference;
 *  - pt_vm_protect changes the rights the entry keeps;
 *  - pt_vm_query: 0, with VM_SWAPPED in m->flags, m->pa = 0 and m->slot the
 *    slot; pt_vm_translate: -E_NOENT, since no frame holds the page (pt_vm_query
 *    tells a page in swap from one not mapped); pt_vm_iterate lists it as
 *    pt_vm_query reports it;
 *  - a copy-on-write pt_vm_clone shares the slot, as it shares a frame (one
 *    more reference, -E_RANGE at SWAP_REF_MAX), both entries marked COW;
 *    an eager clone shares it too, the child's entry private: a slot
 *    never changes while it is shared, and each side reads its own copy
 *    when it touches the page;
 *  - pt_vm_fault of an access the entry's rights allow, and pt_vm_resolve, bring
 *    the page back (a major fault): a new frame, the slot read into it,
 *    the entry present and private (writable if it was writable or
 *    copy-on-write writable).  -E_NOMEM (no frame) and -E_IO (the read
 *    failed: the slot is retired) leave the entry as it was; the kernel
 *    decides what -E_IO costs the process.
 *
 * A space whose block the pager paged out (pt_pager_block_out) is "out".
 * Every call above that reads or changes its tables (all of them but
 * pt_vm_info and pt_vm_destroy) brings the block back into the kernel zone
 * first, once its arguments are checked, and may therefore also fail with
 * -E_NOMEM (no run of kernel-zone frames for it) or -E_IO (a read failed,
 * or the block is lost); it then changes nothing, and the block stays out.
 * A call that fails after the block came in leaves it in: where the
 * tables lie is not part of what a failing call keeps as it was.
 * pt_vm_info answers from the tracker, without I/O; pt_vm_destroy gives back
 * everything the tables held, reading them one at a time, and never fails
 * on an out space (a table that cannot be read has its slot references
 * counted again without it).
 */
#ifndef PAGETRACK_VMSPACE_H
#define PAGETRACK_VMSPACE_H

#include "layout.h"

#define VM_WRITE PG_RW
#define VM_USER PG_US
#define VM_COW PG_COW       /* in pt_vm_query results: shared copy-on-write */
#define VM_SWAPPED PG_SWAP  /* in pt_vm_query results: in swap, m->slot holds it */
#define VM_MAP_FLAGS (VM_WRITE | VM_USER)

/* For paging initialisation: forget every counter. */
void pt_vm_init(void);

/* A new address space: page A and page B, the kernel part shared.  Returns its handle. */
int pt_vm_create(void);

/* Destroy an address space that is not live; every frame it held is released. */
int pt_vm_destroy(int as);

/* Map the page at va to frame pa. */
int pt_vm_map(int as, vaddr_t va, paddr_t pa, uint32_t flags);

/* Map n pages from va to n contiguous frames from pa; all or nothing. */
int pt_vm_map_range(int as, vaddr_t va, paddr_t pa, uint32_t n, uint32_t flags);

/* Map a freshly allocated, zeroed user frame at va (demand-zero). */
int pt_vm_map_zero(int as, vaddr_t va, uint32_t flags);

/* Unmap the page at va; -E_NOENT if it is not mapped. */
int pt_vm_unmap(int as, vaddr_t va);

/* Unmap whatever is mapped in n pages from va (holes are fine). */
int pt_vm_unmap_range(int as, vaddr_t va, uint32_t n);

/* Give the n mapped pages from va the flags `flags`; -E_NOENT if one is not mapped. */
int pt_vm_protect(int as, vaddr_t va, uint32_t n, uint32_t flags);

struct vm_mapping {
	paddr_t pa;     /* the frame; 0 for a page in swap */
	uint32_t flags; /* VM_WRITE (writable, or copy-on-write writable), VM_USER, VM_COW,
			   VM_SWAPPED */
	uint32_t slot;  /* the slot of a page in swap; 0 for a page in a frame */
};

/* What maps the page that holds va (any address in it): 0 and *m, or -E_NOENT. */
int pt_vm_query(int as, vaddr_t va, struct vm_mapping *m);

/* The physical address va translates to (with its offset), or -E_NOENT (none: in swap too). */
int pt_vm_translate(int as, vaddr_t va, paddr_t *pa);

/* Make as the live address space (load CR3), its block brought in if it is out; 0: the master. */
int pt_vm_activate(int as);

/* The live address space, or -1 if CR3 holds none of them. */
int pt_vm_live(void);

enum vm_clone_mode {
	VM_CLONE_EAGER, /* copy every page now */
	VM_CLONE_COW,   /* share every page copy-on-write */
};

/* A new address space with the user mappings of as; returns its handle. */
int pt_vm_clone(int as, enum vm_clone_mode mode);

/*
 * The hardware fault path.  Resolve a page fault at va with error code err
 * if it is a write to a copy-on-write page: the last owner gets the page
 * writable in place, others a private copy; the CPU retries the access and
 * sets A and D itself.  A fault at a page in swap that its rights allow
 * brings it back (a major fault, above).  A fault the tables already allow
 * (a stale TLB entry) is invalidated.  Returns 0 when resolved, -E_FAULT
 * when the fault is neither (the caller decides: pt_vm_resolve for
 * demand-zero memory), -E_NOMEM, -E_IO.
 */
int pt_vm_fault(int as, vaddr_t va, uint32_t err);

/*
 * One user page, for an access the kernel makes for the process: the
 * physical address va translates to (with its offset) in *pa, once the
 * page allows an access `access` (PF_W for a write, PF_U for an access
 * with the process's rights), which the kernel then makes through a kmap
 * window.  On the way, a write to a copy-on-write page gets it a private
 * frame (as pt_vm_fault), and a page nothing maps gets a zeroed frame mapped
 * with the rights zero_flags, if the kernel says that va is demand-zero
 * memory (zero_flags VM_WRITE and VM_USER as for pt_vm_map_zero; 0 when va is
 * not demand-zero) and those rights allow the access.  The entry is left
 * as the CPU leaves it after such an access: A set, and D on a write,
 * since the CPU never sees the kernel's access through the window.  A
 * page in swap comes back first (a major fault).  The kernel must write to
 * a user page only through a frame pt_vm_resolve gave for a write: the D it
 * sets is what tells the pager that a clean copy went stale.
 * Returns 0; -E_FAULT when the process may not make that access (va
 * outside user space included), -E_NOMEM, -E_IO (nothing changed),
 * -E_BADH, or -E_INVAL for unknown bits in access or zero_flags.
 */
int pt_vm_resolve(int as, vaddr_t va, uint32_t access, uint32_t zero_flags, paddr_t *pa);

/*
 * pt_vm_resolve that waits for no disk and no lock, for a page fault on a
 * CPU that holds none of the kernel's but its own.  It resolves what needs
 * no transfer (a zero fill, a new table, a copy-on-write copy, a page the
 * tables allow already), and returns -E_AGAIN, changing nothing, for a
 * page or a block in swap, and when the space's lock is busy (lock.h):
 * the caller then makes the call with pt_vm_resolve, which may wait.
 * Other errors as pt_vm_resolve's.
 */
int pt_vm_resolve_now(int as, vaddr_t va, uint32_t access, uint32_t zero_flags, paddr_t *pa);

/*
 * Call fn for every mapping of as in address order, until fn returns
 * non-zero (which is then returned).
 */
typedef int (*vm_visit_fn)(vaddr_t va, const struct vm_mapping *m, void *ctx);
int pt_vm_iterate(int as, vm_visit_fn fn, void *ctx);

struct vm_space_info {
	paddr_t block;     /* the block's physical address; 0 when it is out */
	uint32_t pages;    /* pages the block holds in the kernel zone (0 when out) */
	uint32_t tables;   /* page tables in use */
	uint32_t mapped;   /* pages mapped, present or in swap */
	uint32_t swapped;  /* of which in swap */
	bool out;          /* the block is paged out, */
	uint32_t out_slot; /* from this slot on, */
	bool lost;         /* and its tables could not be read back: destroy it */
};

/* Facts about one address space; about one that is out, from its tracker, without I/O. */
int pt_vm_info(int as, struct vm_space_info *info);

struct vm_stats {
	uint32_t spaces, spaces_peak;  /* address spaces (the master not counted) */
	uint32_t tracker_pages;
	uint32_t blocks, block_pages, block_pages_peak;
	uint32_t tables, tables_peak;
	uint32_t relocations, inplace_growths, shrinks, pages_copied, table_moves;
	uint32_t cow_copies, cow_reuses, zero_fills;
	uint32_t major_faults, swap_ins;     /* faults that read a slot; pages read back */
	uint32_t spaces_out;                 /* blocks out now (not counted in blocks) */
	uint32_t blocks_out, blocks_in;      /* blocks paged out; brought back in */
	uint32_t invlpgs, tlb_flushes, invalidations_skipped;
	/* with several CPUs (cpus.h): changes that interrupted others, the CPUs interrupted,
	 * and blocks moved while live on another CPU */
	uint32_t shootdowns, ipis, relocations_while_shared;
};

/* Statistics of the whole paging system. */
void pt_vm_get_stats(struct vm_stats *s);

/* Zero the event counters; peaks restart from the present. */
void pt_vm_reset_stats(void);

#endif
