/*
 * worker.c - the work init hands out (worker.h): growing memory in the
 * ways the paging system must follow, forking, and touching what a process
 * may not.  A worker ends with 0 when every check held; a failed check
 * prints one line and ends it with WORK_FAILED; the deliberate faults end
 * it by the kernel's hand.
 */
#include "ucheck.h"
#include "ulib.h"
#include "worker.h"

#define PAGE PAGE_SIZE
#define REGION MiB(4)          /* what one page table maps */
#define KERNEL_ADDR 0x00100000u
#define SPREAD_REGIONS 24      /* regions a spread worker touches before forking */
#define SPREAD_GROWTH 12       /* regions each of its processes adds, one per turn */
#define MAP_PAGES 16           /* pages of each WORK_MAPS region */

static const char *kind_name = "?";

/* len new heap bytes starting at a multiple of align (a power of two). */
static uint8_t *heap_aligned(uint32_t len, uint32_t align)
{
	uint32_t cur = (uint32_t)sbrk(0), pad = ALIGN_UP(cur, align) - cur;
	uint8_t *p = sbrk((int)(pad + len));

	UCHECK(!uerr(p));
	return p + pad;
}

static volatile uint32_t *word(uint8_t *base, uint32_t offset)
{
	return (volatile uint32_t *)(base + offset);
}

/* ---- heap ------------------------------------------------------------------------ */

/* Each page of `mib` MiB of new heap gets a word at each end: a zero fill apiece. */
static int heap(uint32_t mib)
{
	uint32_t pages = mib * (MiB(1) / PAGE);
	uint8_t *p = heap_aligned(pages * PAGE, PAGE);

	for (uint32_t i = 0; i < pages; i++) {
		UCHECK(*word(p, i * PAGE) == 0);
		*word(p, i * PAGE) = i;
		*word(p, i * PAGE + PAGE - 4) = ~i;
	}
	for (uint32_t i = 0; i < pages; i++)
		UCHECK(*word(p, i * PAGE) == i && *word(p, i * PAGE + PAGE - 4) == ~i);
	UCHECK(sbrk(-(int)(pages * PAGE)) == p + pages * PAGE);
	return 0;
}

/* ---- the stack --------------------------------------------------------------------- */

static int stack(uint32_t kib)
{
	UCHECK(stack_dive(kib * 1024 / 16 * 15) == 0); /* frames' own words take the rest */
	return 0;
}

/* ---- map, protect, unmap ------------------------------------------------------------- */

static void mark(uint8_t *p, uint32_t seed)
{
	for (uint32_t i = 0; i < MAP_PAGES; i++)
		*word(p, i * PAGE) = seed + i;
}

static bool marked(uint8_t *p, uint32_t seed)
{
	for (uint32_t i = 0; i < MAP_PAGES; i++)
		if (*word(p, i * PAGE) != seed + i)
			return false;
	return true;
}

/* n regions: odd ones made read-only, even ones unmapped and mapped again. */
static int maps(uint32_t n)
{
	const int rw = PROT_READ | PROT_WRITE;
	uint8_t *m[16];

	UCHECK(n <= ARRAY_SIZE(m));
	for (uint32_t i = 0; i < n; i++) {
		m[i] = map(NULL, MAP_PAGES * PAGE, rw);
		UCHECK(!uerr(m[i]));
		mark(m[i], i << 8);
	}
	for (uint32_t i = 1; i < n; i += 2)
		UCHECK(protect(m[i], MAP_PAGES * PAGE, PROT_READ) == 0);
	for (uint32_t i = 0; i < n; i += 2) {
		UCHECK(unmap(m[i], MAP_PAGES * PAGE) == 0);
		UCHECK(map(m[i], MAP_PAGES * PAGE, rw) == m[i]);
		UCHECK(*word(m[i], 0) == 0);
		mark(m[i], i << 16);
	}
	for (uint32_t i = 0; i < n; i++)
		UCHECK(marked(m[i], i % 2 ? i << 8 : i << 16));
	for (uint32_t i = 0; i < n; i++)
		UCHECK(unmap(m[i], MAP_PAGES * PAGE) == 0);
	return 0;
}

/* ---- spread: page-table blocks that grow in many processes at once -------------------- */

/* Touch regions [from, from + n) of base, one a turn, each marked with tag. */
static void grow(uint8_t *base, uint32_t from, uint32_t n, uint32_t tag)
{
	for (uint32_t r = from; r < from + n; r++) {
		*word(base, r * REGION) = tag + r;
		yield();
	}
}

static bool grown(uint8_t *base, uint32_t from, uint32_t n, uint32_t tag)
{
	for (uint32_t r = from; r < from + n; r++)
		if (*word(base, r * REGION) != tag + r)
			return false;
	return true;
}

/*
 * A child of the spread worker: it sees the regions it was forked with,
 * adds regions of its own a turn at a time (while its brothers do the
 * same, so their blocks keep running into each other), then writes over
 * the shared ones, which copies them.
 */
static int spread_child(uint8_t *base, uint32_t c)
{
	uint32_t tag = (c + 1) << 16, own = SPREAD_REGIONS + c * SPREAD_GROWTH;

	UCHECK(grown(base, 0, SPREAD_REGIONS, 0));
	grow(base, own, SPREAD_GROWTH, tag);
	grow(base, 0, SPREAD_REGIONS, tag);
	UCHECK(grown(base, 0, SPREAD_REGIONS, tag) && grown(base, own, SPREAD_GROWTH, tag));
	return 0;
}

static int spread(uint32_t children)
{
	uint32_t regions = SPREAD_REGIONS + (children + 1) * SPREAD_GROWTH;
	int status = -1;
	uint8_t *base = heap_aligned(regions * REGION, REGION);

	for (uint32_t r = 0; r < SPREAD_REGIONS; r++)
		*word(base, r * REGION) = r;
	for (uint32_t c = 0; c < children; c++) {
		int pid = fork();
		UCHECK(pid >= 0);
		if (pid == 0)
			exit(spread_child(base, c));
	}
	grow(base, SPREAD_REGIONS + children * SPREAD_GROWTH, SPREAD_GROWTH, 0xFF0000);
	for (uint32_t c = 0; c < children; c++) {
		UCHECK(wait(&status) > 0);
		UCHECK_STATUS(status, 0);
	}
	UCHECK(grown(base, 0, SPREAD_REGIONS, 0));
	return 0;
}

/* ---- a chain of forks ------------------------------------------------------------------ */

/* Each link writes the shared page (a copy), forks the next and waits for it. */
static int chain(volatile uint32_t *page, uint32_t depth)
{
	int status = -1;

	*page = depth;
	if (depth == 0)
		return 0;
	int pid = fork();
	UCHECK(pid >= 0);
	if (pid == 0)
		exit(chain(page, depth - 1));
	UCHECK(wait(&status) == pid);
	UCHECK_STATUS(status, 0);
	UCHECK(*page == depth);
	return 0;
}

/* ---- deliberate faults -------------------------------------------------------------------- */

static int fault_read(uint32_t addr)
{
	uint32_t v = *(volatile uint32_t *)opaque(addr);

	printf("worker %s: pid %d: read 0x%08x at 0x%08x and was not killed\n", kind_name,
	       getpid(), v, addr);
	return WORK_FAILED;
}

static int fault_write(uint32_t addr)
{
	*(volatile uint32_t *)opaque(addr) = 0xBAD;
	printf("worker %s: pid %d: wrote to 0x%08x and was not killed\n", kind_name, getpid(),
	       addr);
	return WORK_FAILED;
}

/* ---- main ----------------------------------------------------------------------------------- */

int main(int arg)
{
	static const char *const names[] = {
		[WORK_HEAP] = "heap",
		[WORK_NULL_READ] = "null-read",
		[WORK_KERNEL_READ] = "kernel-read",
		[WORK_CODE_WRITE] = "code-write",
		[WORK_STACK] = "stack",
		[WORK_MAPS] = "maps",
		[WORK_SPREAD] = "spread",
		[WORK_CHAIN] = "chain",
	};
	uint32_t n = WORK_N(arg), kind = (uint32_t)WORK_KIND(arg);

	if (kind < ARRAY_SIZE(names) && names[kind])
		kind_name = names[kind];
	ucheck_setup(WORK_FAILED, "worker %s", kind_name);
	switch (kind) {
	case WORK_HEAP:
		return heap(n);
	case WORK_NULL_READ:
		return fault_read(0);
	case WORK_KERNEL_READ:
		return fault_read(KERNEL_ADDR);
	case WORK_CODE_WRITE:
		return fault_write((uint32_t)(uintptr_t)main);
	case WORK_STACK:
		return stack(n);
	case WORK_MAPS:
		return maps(n);
	case WORK_SPREAD:
		return spread(n);
	case WORK_CHAIN:
		return chain((volatile uint32_t *)heap_aligned(PAGE, PAGE), n);
	}
	printf("worker: no kind %d (argument 0x%x)\n", WORK_KIND(arg), (unsigned)arg);
	return WORK_UNKNOWN;
}
