/*
 * ufault.c - a process's user memory: which addresses it may use, the page
 * faults that fill them, and the copies system calls make across the
 * user/kernel boundary.
 *
 * A process may use (uapi.h):
 *   its program's pages                mapped at load, some read-only
 *   the heap [heap_start, brk)         demand-zero, read-write
 *   its map() regions                  demand-zero, with their own rights
 *   the stack [STACK_LIMIT, STACK_TOP) demand-zero, any page of it,
 *                                      whatever ESP is; the guard page
 *                                      under it is never mapped
 * A page of these is mapped the first time it is touched (a zero fill); a
 * write to a copy-on-write page gets its own copy (vm_fault).  For anything
 * else user_fault says why the access was not allowed, and proc.c ends the
 * process with that reason: this file kills nobody and calls nothing of
 * proc.c or syscall.c (procdef.h draws the order).
 *
 * System calls reach user memory the same way, page by page, through the
 * page tables and kmap windows: a bad pointer is an error returned to the
 * caller, never a fault in the kernel.
 */
#include "errors.h"
#include "kmap.h"
#include "layout.h"
#include "lib.h"
#include "procdef.h"
#include "seam.h"
#include "syserr.h"
#include "uapi.h"
#include "vmspace.h"

#define HEAP_LIMIT MAP_BASE
#define STACK_LIMIT (STACK_TOP - STACK_MAX) /* the lowest stack page */
#define GUARD_PAGE (STACK_LIMIT - PAGE_SIZE)

static uint32_t stack_growths; /* stack pages touched below a process's lowest one */

uint32_t user_stack_growths(void)
{
	return stack_growths;
}

/* The rights demand-zero memory at va gets, or 0 if va is in no region. */
static uint32_t region_flags(const struct proc *p, vaddr_t va)
{
	if (va >= p->heap_start && va < ALIGN_UP(p->brk, PAGE_SIZE))
		return VM_USER | VM_WRITE;
	if (va >= STACK_LIMIT && va < STACK_TOP)
		return VM_USER | VM_WRITE;
	for (int i = 0; i < MAX_MAPS; i++)
		if (p->maps[i].end && va >= p->maps[i].start && va < p->maps[i].end)
			return p->maps[i].flags;
	return 0;
}

/*
 * Make the page at va ready for an access: fill it if it is demand-zero
 * memory not touched yet, copy it if it is copy-on-write and the access a
 * write.  Returns 0, -SYS_EFAULT (the process may not make that access),
 * or -SYS_ENOMEM.
 */
int user_page_ready(struct proc *p, vaddr_t va, bool write)
{
	struct vm_mapping m;

	va = ALIGN_DOWN(va, PAGE_SIZE);
	if (!is_user_page(va))
		return -SYS_EFAULT;
	if (vm_query(p->as, va, &m) == 0) {
		if (!(m.flags & VM_USER) || (write && !(m.flags & VM_WRITE)))
			return -SYS_EFAULT;
		if (write && (m.flags & VM_COW)) {
			return sys_error(vm_fault(p->as, va, PF_P | PF_W | PF_U));
		}
		return 0;
	}
	uint32_t flags = region_flags(p, va);
	if (!flags || (write && !(flags & VM_WRITE)))
		return -SYS_EFAULT;
	int rc = sys_error(vm_map_zero(p->as, va, flags));
	if (rc < 0)
		return rc;
	if (va >= STACK_LIMIT && va < p->stack_low) {
		p->stack_low = va;
		stack_growths++;
	}
	return 0;
}

/* ---- page faults ------------------------------------------------------- */

static const char *why_not(const struct proc *p, vaddr_t addr, uint32_t err)
{
	struct vm_mapping m;

	if (addr < PAGE_SIZE)
		return "null pointer";
	if (!is_user_page(addr))
		return "kernel address";
	if (vm_query(p->as, ALIGN_DOWN(addr, PAGE_SIZE), &m) == 0 && (err & PF_W))
		return addr < p->heap_start ? "the page is read-only (program code)"
					    : "the page is read-only";
	return "nothing is mapped there";
}

struct fault_outcome user_fault(struct proc *p, vaddr_t addr, uint32_t err)
{
	if (addr >= GUARD_PAGE && addr < STACK_LIMIT)
		return (struct fault_outcome){ KILL_STACK, "stack overflow: past the stack limit" };
	/* a page that is there: copy-on-write, or a translation the TLB kept */
	int rc = (err & PF_P) && is_user_page(addr) ? sys_error(vm_fault(p->as, addr, err))
						     : user_page_ready(p, addr, err & PF_W);
	if (rc == -SYS_ENOMEM)
		return (struct fault_outcome){ KILL_NOMEM, "out of memory" };
	if (rc < 0)
		return (struct fault_outcome){ KILL_FAULT, why_not(p, addr, err) };
	return (struct fault_outcome){ 0, NULL };
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

/* Copy len bytes between user address va and kernel buffer buf, in either direction. */
static int user_copy(struct proc *p, vaddr_t va, void *buf, uint32_t len, bool out)
{
	if (!user_range(va, len))
		return -SYS_EFAULT;
	while (len > 0) {
		uint32_t chunk = MIN(len, PAGE_SIZE - (va & PAGE_MASK));
		paddr_t pa;
		int rc = user_page_ready(p, va, out);
		if (rc < 0)
			return rc;
		vm_translate(p->as, va, &pa);
		vaddr_t w = kmap(ALIGN_DOWN(pa, PAGE_SIZE));
		uint8_t *at = (uint8_t *)hw_kva(w) + (va & PAGE_MASK);
		if (out)
			memcpy(at, buf, chunk);
		else
			memcpy(buf, at, chunk);
		kunmap(w);
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

int user_string_in(struct proc *p, char *dst, vaddr_t src, uint32_t size)
{
	for (uint32_t i = 0; i < size; i++) {
		int rc = user_copy_in(p, &dst[i], src + i, 1);
		if (rc < 0)
			return rc;
		if (dst[i] == '\0')
			return 0;
	}
	return -SYS_EINVAL; /* no end within size */
}

/* ---- the heap ------------------------------------------------------------ */

/*
 * Unmap the n pages from va, checked already.  The kernel pins no user
 * frame, so this cannot fail (vm_unmap_range); if it did, the process would
 * keep pages its regions no longer cover.
 */
static void unmap_pages(struct proc *p, vaddr_t va, uint32_t n)
{
	int rc = vm_unmap_range(p->as, va, n);

	if (rc < 0)
		panic("unmap_pages: 0x%x, %u pages: %s", va, n, err_name(rc));
}

int user_sbrk(struct proc *p, int32_t incr)
{
	vaddr_t old = p->brk, new = old + (uint32_t)incr;

	if (incr > 0 && (new < old || new > HEAP_LIMIT))
		return -SYS_ENOMEM;
	if (incr < 0 && (new > old || new < p->heap_start))
		return -SYS_EINVAL;
	if (incr < 0) {
		vaddr_t from = ALIGN_UP(new, PAGE_SIZE), to = ALIGN_UP(old, PAGE_SIZE);
		if (to > from)
			unmap_pages(p, from, (to - from) / PAGE_SIZE);
	}
	p->brk = new;
	return (int)old;
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
	*r = (struct region){ addr, addr + len, prot_flags(prot) };
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
	int rc = map_range_ok(addr, len);

	if (rc < 0)
		return rc;
	len = ALIGN_UP(len, PAGE_SIZE);
	if ((rc = carve(p, addr, addr + len)) < 0)
		return rc;
	for (int i = 0; i < MAX_MAPS; i++)
		if (p->maps[i].end && p->maps[i].start >= addr && p->maps[i].end <= addr + len)
			p->maps[i] = (struct region){ 0 };
	unmap_pages(p, addr, len / PAGE_SIZE);
	return 0;
}

int user_protect(struct proc *p, vaddr_t addr, uint32_t len, uint32_t prot)
{
	int rc = map_range_ok(addr, len);
	struct vm_mapping m;

	if (rc < 0 || !(prot & PROT_READ) || (prot & ~(PROT_READ | PROT_WRITE)))
		return -SYS_EINVAL;
	len = ALIGN_UP(len, PAGE_SIZE);
	if (!covered(p, addr, addr + len))
		return -SYS_EINVAL;
	if ((rc = carve(p, addr, addr + len)) < 0)
		return rc;
	for (int i = 0; i < MAX_MAPS; i++)
		if (p->maps[i].end && p->maps[i].start >= addr && p->maps[i].end <= addr + len)
			p->maps[i].flags = prot_flags(prot);
	for (vaddr_t va = addr; va < addr + len; va += PAGE_SIZE)
		if (vm_query(p->as, va, &m) == 0)
			vm_protect(p->as, va, 1, prot_flags(prot));
	return 0;
}
