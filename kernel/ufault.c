/*
 * ufault.c - a process's user memory: which addresses it may use, the page
 * faults that fill them, and the copies system calls make across the
 * user/kernel boundary.
 *
 * A process may use (uapi.h), from any of its threads alike (the heap,
 * the regions and stack_low are its leader's, procdef.h):
 *   its program's pages                mapped at load, some read-only
 *   the heap [heap_start, brk)         demand-zero, read-write
 *   its map() regions                  demand-zero, with their own rights
 *   the stack [STACK_LIMIT, STACK_TOP) demand-zero, any page of it,
 *                                      whatever ESP is; the guard page
 *                                      under it is never mapped
 * A page of these is mapped the first time it is touched (a zero fill); a
 * write to a copy-on-write page gets its own copy.  Both go through one
 * call of the core per page, pt_vm_resolve, for faults and copies alike.  For anything
 * else user_fault says why the access was not allowed, and proc.c ends the
 * process with that reason: this file kills nobody and calls nothing of
 * proc.c or syscall.c (procdef.h draws the order).
 *
 * System calls reach user memory the same way, a page at a time: one
 * pt_vm_resolve, then one kmap window onto the frame it gives.  A bad pointer
 * is an error returned to the caller, never a fault in the kernel.
 *
 * With several CPUs a page fault comes here without the big lock first
 * (user_fault_now, spinlock.h), and reads the process's regions under
 * their own lock.  So every change to the heap, the regions or stack_low
 * is made under that lock too, and a change that takes memory away
 * (unmap, a smaller heap, narrower rights) changes the regions first and
 * the tables after: a fault that read the old regions has then finished,
 * and its page is unmapped or narrowed with the rest.
 */
#include "errors.h"
#include "kmap.h"
#include "layout.h"
#include "lib.h"
#include "pressure.h"
#include "procdef.h"
#include "seam.h"
#include "syserr.h"
#include "uapi.h"
#include "vmspace.h"

#define HEAP_LIMIT MAP_BASE
#define STACK_LIMIT (STACK_TOP - STACK_MAX) /* the lowest stack page */
#define GUARD_PAGE (STACK_LIMIT - PAGE_SIZE)

static uint32_t stack_growths; /* stack pages touched below a process's lowest one */
static uint32_t faults_unlocked[CPU_MAX]; /* page faults resolved without the big lock, per CPU */
static int (*nomem_handler)(struct proc *p);

void user_set_nomem_handler(int (*fn)(struct proc *p))
{
	nomem_handler = fn;
}

uint32_t user_stack_growths(void)
{
	return stack_growths;
}

/* The rights demand-zero memory at va gets, or 0 if va is in no region. */
static uint32_t region_flags(const struct proc *p, vaddr_t va)
{
	const struct proc *g = p->group; /* the regions are the process's, not a thread's */

	if (va >= g->heap_start && va < ALIGN_UP(g->brk, PAGE_SIZE))
		return VM_USER | VM_WRITE;
	if (va >= STACK_LIMIT && va < STACK_TOP)
		return VM_USER | VM_WRITE;
	for (int i = 0; i < MAX_MAPS; i++)
		if (g->maps[i].end && va >= g->maps[i].start && va < g->maps[i].end)
			return g->maps[i].flags;
	return 0;
}

/* Take and give the regions lock of process g (its leader): nothing to take on one CPU. */
static void lock_regions(struct proc *g)
{
	if (smp_running() > 1)
		spin_lock(&g->regions);
}

static void unlock_regions(struct proc *g)
{
	if (smp_running() > 1)
		spin_unlock(&g->regions);
}

/* A stack page of process g below its lowest one so far has just been touched: count it. */
static void note_stack_locked(struct proc *g, vaddr_t page)
{
	if (page >= STACK_LIMIT && page < g->stack_low) {
		g->stack_low = page;
		__atomic_add_fetch(&stack_growths, 1, __ATOMIC_RELAXED);
	}
}

/* note_stack's rare case, out of line: a new lowest stack page, noted under the lock. */
static __attribute__((noinline)) void note_stack_lower(struct proc *g, vaddr_t page)
{
	lock_regions(g);
	note_stack_locked(g, page);
	unlock_regions(g);
}

static inline void note_stack(struct proc *p, vaddr_t page)
{
	if (page >= STACK_LIMIT && page < p->group->stack_low)
		note_stack_lower(p->group, page);
}

/*
 * resolve's call of pt_vm_resolve failed with rc: while no frame was left and
 * the handler proc.c registered made room, the call again; a page that
 * could not be read from swap is noted for the system call's end.  The
 * last call's result, 0 or -E_xxx.  Out of line: most calls succeed.
 */
static __attribute__((noinline)) int resolve_again(struct proc *p, vaddr_t va, uint32_t access,
						   uint32_t zero_flags, paddr_t *pa, int rc)
{
	while (rc == -E_NOMEM && nomem_handler && nomem_handler(p) >= 0) {
		pressure_before_alloc();
		rc = pt_vm_resolve(p->as, va, access, zero_flags, pa);
	}
	if (rc == -E_IO) {
		p->lost_page = true;
		p->lost_va = ALIGN_DOWN(va, PAGE_SIZE);
	}
	return rc;
}

/*
 * resolve's end, once a call of pt_vm_resolve returned rc: the calls again
 * it needs, if any.  Inline, or every copy across the boundary pays a call
 * more a page.
 */
static inline __attribute__((always_inline)) int resolve_from(struct proc *p, vaddr_t va,
							      uint32_t access, uint32_t zero_flags,
							      paddr_t *pa, int rc)
{
	if (rc < 0 && (rc = resolve_again(p, va, access, zero_flags, pa, rc)) < 0)
		return sys_error(rc);
	note_stack(p, ALIGN_DOWN(va, PAGE_SIZE));
	return 0;
}

/*
 * The frame behind va for an access `access` (PF_U, and PF_W for a write)
 * by p, its physical address (with va's offset) in *pa: pt_vm_resolve fills
 * the page if it is demand-zero with the rights zero_flags (0: it is not),
 * copies it if it is copy-on-write and the access a write, and reads it
 * back if it is in swap.  Below the low watermark the kernel reclaims
 * first; when no frame is left, the handler proc.c registered makes room
 * and the call is made again, until it succeeds or nothing more can be
 * freed.  Returns 0, -SYS_EFAULT (p may not make that access),
 * -SYS_ENOMEM or -SYS_EIO (the page could not be read from swap).
 */
static int resolve(struct proc *p, vaddr_t va, uint32_t access, uint32_t zero_flags, paddr_t *pa)
{
	pressure_before_alloc();
	return resolve_from(p, va, access, zero_flags, pa,
			    pt_vm_resolve(p->as, va, access, zero_flags, pa));
}

/* resolve for an access of p's own, demand-zero wherever its regions say. */
static int resolve_user(struct proc *p, vaddr_t va, bool write, paddr_t *pa)
{
	uint32_t access = PF_U | (write ? PF_W : 0);

	return resolve(p, va, access, region_flags(p, ALIGN_DOWN(va, PAGE_SIZE)), pa);
}

/*
 * Make the page at va ready for an access: fill it if it is demand-zero
 * memory not touched yet, copy it if it is copy-on-write and the access a
 * write, read it back if it is in swap.  Returns 0, -SYS_EFAULT (the
 * process may not make that access), -SYS_ENOMEM or -SYS_EIO.
 */
int user_page_ready(struct proc *p, vaddr_t va, bool write)
{
	paddr_t pa;

	return resolve_user(p, va, write, &pa);
}

/* ---- page faults ------------------------------------------------------- */

static const char *why_not(const struct proc *p, vaddr_t addr, uint32_t err)
{
	struct vm_mapping m;

	if (addr < PAGE_SIZE)
		return "null pointer";
	if (!is_user_page(addr))
		return "kernel address";
	if (pt_vm_query(p->as, ALIGN_DOWN(addr, PAGE_SIZE), &m) == 0 && (err & PF_W))
		return addr < p->group->heap_start ? "the page is read-only (program code)"
					    : "the page is read-only";
	return "nothing is mapped there";
}

struct fault_outcome user_fault(struct proc *p, vaddr_t addr, uint32_t err, int tried)
{
	paddr_t pa;
	uint32_t access = err & (PF_W | PF_U);
	int rc;

	if (addr >= GUARD_PAGE && addr < STACK_LIMIT)
		return (struct fault_outcome){ KILL_STACK, "stack overflow: past the stack limit" };
	/*
	 * Only a page that is not present may be demand-zero.  A fault on a
	 * present page is a write to a copy-on-write page, or an access the
	 * tables allow through an entry the TLB kept from before they did: the
	 * fault itself dropped that entry (SDM vol. 3A 4.10.4.1), so the
	 * retried access walks the tables as they are.
	 */
	uint32_t zero = (err & PF_P) ? 0 : region_flags(p, ALIGN_DOWN(addr, PAGE_SIZE));
	if (tried == -E_NOMEM) /* its allocation failed: that one is not made twice */
		rc = resolve_from(p, addr, access, zero, &pa, tried);
	else
		rc = resolve(p, addr, access, zero, &pa);
	if (rc == -SYS_ENOMEM)
		return (struct fault_outcome){ KILL_NOMEM, "out of memory" };
	if (rc == -SYS_EIO)
		return (struct fault_outcome){ KILL_IO, "its page could not be read from swap" };
	if (rc < 0)
		return (struct fault_outcome){ KILL_FAULT, why_not(p, addr, err) };
	return (struct fault_outcome){ 0, NULL };
}

int user_fault_now(struct proc *p, vaddr_t addr, uint32_t err)
{
	struct proc *g = p->group;
	vaddr_t page = ALIGN_DOWN(addr, PAGE_SIZE);
	paddr_t pa;

	if (p->doomed || pt_frame_user_free() < pressure_low_mark)
		return -E_AGAIN;
	lock_regions(g);
	uint32_t zero = (err & PF_P) ? 0 : region_flags(p, page);
	int rc = pt_vm_resolve_now(p->as, addr, err & (PF_W | PF_U), zero, &pa);
	if (rc == 0) {
		note_stack_locked(g, page);
		faults_unlocked[smp_self()]++; /* each CPU its own */
	}
	unlock_regions(g);
	return rc;
}

uint32_t user_faults_unlocked(uint32_t cpu)
{
	return cpu < CPU_MAX ? faults_unlocked[cpu] : 0;
}

/* ---- copies across the boundary ---------------------------------------- */

/* Whether [va, va + len) is a range of user addresses that does not wrap. */
static bool user_range(vaddr_t va, uint32_t len)
{
	return len == 0 || (is_user_page(va) && len - 1 <= UINT32_MAX - va);
}

int user_range_ready(struct proc *p, vaddr_t va, uint32_t len, bool write)
{
	if (!user_range(va, len))
		return -SYS_EFAULT;
	if (len == 0)
		return 0;
	for (vaddr_t page = ALIGN_DOWN(va, PAGE_SIZE); page <= va + (len - 1); page += PAGE_SIZE) {
		int rc = user_page_ready(p, page, write);
		if (rc < 0)
			return rc;
		if (page == ALIGN_DOWN(UINT32_MAX, PAGE_SIZE))
			break; /* the last page: page += PAGE_SIZE would wrap */
	}
	return 0;
}

/*
 * A kmap window onto p's page of va, ready for an access (write or not):
 * the kernel's address for va in *at, the window to release in *w.
 * Returns 0, -SYS_EFAULT or -SYS_ENOMEM (and no window then).
 */
static int user_window(struct proc *p, vaddr_t va, bool write, uint8_t **at, vaddr_t *w)
{
	paddr_t pa;
	int rc = resolve_user(p, va, write, &pa);

	if (rc < 0)
		return rc;
	*w = pt_kmap(ALIGN_DOWN(pa, PAGE_SIZE));
	*at = (uint8_t *)hw_kva(*w) + (va & PAGE_MASK);
	return 0;
}

/* Copy len bytes between user address va and kernel buffer buf, in either direction. */
static int user_copy(struct proc *p, vaddr_t va, void *buf, uint32_t len, bool out)
{
	if (!user_range(va, len))
		return -SYS_EFAULT;
	while (len > 0) {
		uint32_t chunk = MIN(len, PAGE_SIZE - (va & PAGE_MASK));
		uint8_t *at;
		vaddr_t w;
		int rc = user_window(p, va, out, &at, &w);
		if (rc < 0)
			return rc;
		if (out)
			memcpy(at, buf, chunk);
		else
			memcpy(buf, at, chunk);
		pt_kunmap(w);
		va += chunk;
		buf = (uint8_t *)buf + chunk;
		len -= chunk;
	}
	return 0;
}

int user_copy_in(struct proc *p, void *dst, vaddr_t src, uint32_t len)
{
	return user_copy(p, src, dst, len, false);
}

int user_copy_out(struct proc *p, vaddr_t dst, const void *src, uint32_t len)
{
	return user_copy(p, dst, (void *)src, len, true);
}

/* How many of the n bytes at s come before a NUL; n if none does. */
static uint32_t before_nul(const uint8_t *s, uint32_t n)
{
	uint32_t i = 0;

	while (i < n && s[i] != 0)
		i++;
	return i;
}

/*
 * A page at a time, as the bytes would be read one by one: a page that
 * cannot be read before the NUL is -SYS_EFAULT, and so is an address that
 * wraps past the top of memory (no user page).
 */
int user_string_in(struct proc *p, char *dst, vaddr_t src, uint32_t size)
{
	for (uint32_t done = 0; done < size;) {
		vaddr_t va = src + done;
		uint32_t n = MIN(size - done, PAGE_SIZE - (va & PAGE_MASK));
		uint8_t *at;
		vaddr_t w;
		int rc = user_window(p, va, false, &at, &w);
		if (rc < 0)
			return rc;
		uint32_t len = before_nul(at, n);
		memcpy(dst + done, at, len < n ? len + 1 : n);
		pt_kunmap(w);
		if (len < n)
			return 0;
		done += n;
	}
	return -SYS_EINVAL; /* no end within size */
}

/* ---- the heap ------------------------------------------------------------ */

/*
 * Unmap the n pages from va, checked already.  The kernel pins no user
 * frame, so this cannot fail (pt_vm_unmap_range); if it did, the process would
 * keep pages its regions no longer cover.
 */
static void unmap_pages(struct proc *p, vaddr_t va, uint32_t n)
{
	int rc = pt_vm_unmap_range(p->as, va, n);

	if (rc < 0)
		panic("unmap_pages: 0x%x, %u pages: %s (%s)", va, n, err_name(rc), err_cause(rc));
}

int user_sbrk(struct proc *p, int32_t incr)
{
	p = p->group; /* the heap is the process's: every thread moves the one break */
	vaddr_t old = p->brk, new = old + (uint32_t)incr;

	if (incr > 0 && (new < old || new > HEAP_LIMIT))
		return -SYS_ENOMEM;
	if (incr < 0 && (new > old || new < p->heap_start))
		return -SYS_EINVAL;
	lock_regions(p);
	p->brk = new;
	unlock_regions(p);
	if (incr < 0) {
		vaddr_t from = ALIGN_UP(new, PAGE_SIZE), to = ALIGN_UP(old, PAGE_SIZE);
		if (to > from)
			unmap_pages(p, from, (to - from) / PAGE_SIZE);
	}
	return (int)old;
}

int user_clone_space(struct proc *child, struct proc *parent)
{
	/* one snapshot: no other thread of the parent changes a region between the two */
	lock_regions(parent);
	int as = pt_vm_clone(parent->as, VM_CLONE_COW);
	if (as >= 0) {
		child->as = as;
		child->heap_start = parent->heap_start;
		child->brk = parent->brk;
		child->stack_low = parent->stack_low;
		memcpy(child->maps, parent->maps, sizeof(child->maps));
	}
	unlock_regions(parent);
	return as;
}

/* ---- map, unmap, protect ---------------------------------------------------- */

static uint32_t prot_flags(uint32_t prot)
{
	return VM_USER | ((prot & PROT_WRITE) ? VM_WRITE : 0);
}

/* Whether [a, b) overlaps a map() region. */
static bool overlaps(const struct proc *p, vaddr_t a, vaddr_t b)
{
	for (int i = 0; i < MAX_MAPS; i++)
		if (p->maps[i].end && a < p->maps[i].end && p->maps[i].start < b)
			return true;
	return false;
}

static struct region *free_slot(struct proc *p)
{
	for (int i = 0; i < MAX_MAPS; i++)
		if (!p->maps[i].end)
			return &p->maps[i];
	return NULL;
}

/* A free range of len bytes in the map area, or 0. */
static vaddr_t find_room(const struct proc *p, uint32_t len)
{
	for (vaddr_t a = MAP_BASE; a <= MAP_LIMIT - len;) {
		vaddr_t next = a;
		for (int i = 0; i < MAX_MAPS; i++)
			if (p->maps[i].end && a < p->maps[i].end && p->maps[i].start < a + len)
				next = MAX(next, p->maps[i].end);
		if (next == a)
			return a;
		a = next;
	}
	return 0;
}

/* A range checked for map, unmap and protect: [a, a + len) in the map area. */
static int map_range_ok(vaddr_t a, uint32_t len)
{
	if (!IS_ALIGNED(a, PAGE_SIZE) || len == 0)
		return -SYS_EINVAL;
	if (a < MAP_BASE || a > MAP_LIMIT || len > MAP_LIMIT - a)
		return -SYS_EINVAL;
	return 0;
}

int user_map(struct proc *p, vaddr_t addr, uint32_t len, uint32_t prot)
{
	p = p->group; /* the regions are the process's: every thread sees each one */
	struct region *r = free_slot(p);

	if (len == 0 || len > MAP_LIMIT - MAP_BASE || !(prot & PROT_READ) ||
	    (prot & ~(PROT_READ | PROT_WRITE)))
		return -SYS_EINVAL;
	len = ALIGN_UP(len, PAGE_SIZE);
	if (addr == 0 && !(addr = find_room(p, len)))
		return -SYS_ENOMEM;
	if (map_range_ok(addr, len) < 0 || overlaps(p, addr, addr + len))
		return -SYS_EINVAL;
	if (!r)
		return -SYS_ENOMEM;
	lock_regions(p);
	*r = (struct region){ addr, addr + len, prot_flags(prot) };
	unlock_regions(p);
	return (int)addr;
}

/* Whether x lies strictly inside a region (so a boundary there needs a split). */
static bool inside(const struct proc *p, vaddr_t x)
{
	for (int i = 0; i < MAX_MAPS; i++)
		if (p->maps[i].end && x > p->maps[i].start && x < p->maps[i].end)
			return true;
	return false;
}

/* Split the region x lies inside at x; a free slot must exist. */
static void cut_at(struct proc *p, vaddr_t x)
{
	for (int i = 0; i < MAX_MAPS; i++) {
		struct region *r = &p->maps[i];
		if (r->end && x > r->start && x < r->end) {
			*free_slot(p) = (struct region){ x, r->end, r->flags };
			r->end = x;
			return;
		}
	}
}

/*
 * Split regions so that a and b fall on region boundaries; -SYS_ENOMEM
 * (and nothing changed) if that needs more free slots than there are.
 */
static int carve(struct proc *p, vaddr_t a, vaddr_t b)
{
	int free_slots = 0, needed = inside(p, a) + inside(p, b);

	for (int i = 0; i < MAX_MAPS; i++)
		free_slots += !p->maps[i].end;
	if (needed > free_slots)
		return -SYS_ENOMEM;
	cut_at(p, a);
	cut_at(p, b);
	return 0;
}

/* Whether region r is one in use that lies within [a, b). */
static bool within(const struct region *r, vaddr_t a, vaddr_t b)
{
	return r->end && r->start >= a && r->end <= b;
}

/* Whether every page of [a, b) lies in a map() region. */
static bool covered(const struct proc *p, vaddr_t a, vaddr_t b)
{
	for (vaddr_t va = a; va < b; va += PAGE_SIZE)
		if (!region_flags(p, va))
			return false;
	return true;
}

int user_unmap(struct proc *p, vaddr_t addr, uint32_t len)
{
	p = p->group;
	int rc = map_range_ok(addr, len);

	if (rc < 0)
		return rc;
	len = ALIGN_UP(len, PAGE_SIZE);
	lock_regions(p);
	if ((rc = carve(p, addr, addr + len)) == 0)
		for (int i = 0; i < MAX_MAPS; i++)
			if (within(&p->maps[i], addr, addr + len))
				p->maps[i] = (struct region){ 0 };
	unlock_regions(p);
	if (rc == 0)
		unmap_pages(p, addr, len / PAGE_SIZE);
	return rc;
}

/*
 * Give the mapped pages of [start, end) the rights flags, a run of mapped
 * pages in one call: one invalidation a run, which on several CPUs is one
 * shootdown a run rather than one a page.  The holes (pages never touched)
 * have no entry to change.
 */
static void protect_mapped_runs(int as, vaddr_t start, vaddr_t end, uint32_t flags)
{
	struct vm_mapping m;
	vaddr_t va = start;

	while (va < end) {
		vaddr_t run = va;
		while (va < end && pt_vm_query(as, va, &m) == 0)
			va += PAGE_SIZE;
		if (va > run)
			pt_vm_protect(as, run, (va - run) / PAGE_SIZE, flags);
		else
			va += PAGE_SIZE; /* a hole */
	}
}

int user_protect(struct proc *p, vaddr_t addr, uint32_t len, uint32_t prot)
{
	p = p->group;
	int rc = map_range_ok(addr, len);

	if (rc < 0 || !(prot & PROT_READ) || (prot & ~(PROT_READ | PROT_WRITE)))
		return -SYS_EINVAL;
	len = ALIGN_UP(len, PAGE_SIZE);
	if (!covered(p, addr, addr + len))
		return -SYS_EINVAL;
	lock_regions(p);
	if ((rc = carve(p, addr, addr + len)) == 0)
		for (int i = 0; i < MAX_MAPS; i++)
			if (within(&p->maps[i], addr, addr + len))
				p->maps[i].flags = prot_flags(prot);
	unlock_regions(p);
	if (rc == 0)
		protect_mapped_runs(p->as, addr, addr + len, prot_flags(prot));
	return rc;
}
