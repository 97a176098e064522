/*
 * tracker.c - tracker pages and the trackers in them (see tracker.h).
 *
 * The directory dir[] holds the physical address of each tracker page; its
 * low 12 bits, free because tracker pages are page aligned, count the
 * trackers in use in that page (0..512).
 */
#include "tracker.h"
#include "debug.h"
#include "errors.h"
#include "frame.h"
#include "lib.h"
#include "lock.h"
#include "seam.h"

static uint32_t dir[TRK_MAX_PAGES];
struct pg_alloc_page *pt_trk_page_ptrs[TRK_MAX_PAGES]; /* hw_phys of each page, for pt_trk_get */
static uint32_t npages;   /* dir[0 .. npages-1] may be in use; the rest are 0 */
static uint32_t nused;    /* trackers in use */
static uint32_t hint;     /* no free tracker lies below this index */
static int live[PT_MAX_CPUS]; /* on each CPU, the tracker whose block its CR3 holds, or -1 */
struct pg_tracker *pt_trk_live_on[PT_MAX_CPUS]; /* pt_trk_get(live[c]): a tracker stays put while in use */
static const struct pg_tracker nobody;          /* pt_trk_live_alone when it names no tracker */
const struct pg_tracker *pt_trk_live_alone = &nobody;
static int making[PT_MAX_CPUS]; /* on each CPU, a tracker claimed and not yet made, or -1 */

/* The directory, its counts, the hint and making[]: claims and releases on several CPUs at once. */
static struct pt_lock trackers_lock = PT_LOCK_INIT("the trackers", PT_RANK_TRACKERS);

static paddr_t page_addr(uint32_t p) { return dir[p] & ~MASK(12); }
static uint32_t page_used(uint32_t p) { return dir[p] & MASK(12); }

static struct pg_alloc_page *page_ptr(uint32_t p)
{
	return pt_trk_page_ptrs[p];
}

/* What pt_trk_live_alone must be, from pt_ncpus and CPU 0's record. */
static const struct pg_tracker *live_alone(void)
{
	return pt_one_cpu() && pt_trk_live_on[0] ? pt_trk_live_on[0] : &nobody;
}

/* Allocate, zero and pin tracker page p. */
static int add_page(uint32_t p)
{
	paddr_t pa;
	int rc = pt_frame_alloc(ZONE_KERNEL, &pa);

	if (rc < 0)
		return rc;
	memset(hw_phys(pa), 0, PAGE_SIZE);
	pt_frame_pin(pa);
	dir[p] = pa;
	pt_trk_page_ptrs[p] = hw_phys(pa);
	if (p >= npages)
		npages = p + 1;
	return 0;
}

static void drop_page(uint32_t p)
{
	paddr_t pa = page_addr(p);

	pt_frame_unpin(pa);
	pt_frame_free(pa);
	dir[p] = 0;
	pt_trk_page_ptrs[p] = NULL;
	while (npages > 0 && dir[npages - 1] == 0)
		npages--;
}

int pt_trk_init(void)
{
	memset(dir, 0, sizeof(dir));
	memset(pt_trk_page_ptrs, 0, sizeof(pt_trk_page_ptrs));
	npages = nused = hint = 0;
	for (uint32_t c = 0; c < PT_MAX_CPUS; c++) {
		live[c] = making[c] = -1;
		pt_trk_live_on[c] = NULL;
	}
	pt_trk_live_alone = live_alone();
	return add_page(0);
}

/* The index of a free tracker at or after `from` in a page that exists, or -1. */
static int find_free(uint32_t from)
{
	for (uint32_t p = from / TRK_PER_PAGE; p < npages; p++) {
		if (page_addr(p) == 0 || page_used(p) == TRK_PER_PAGE)
			continue;
		struct pg_tracker *t = page_ptr(p)->pagetables;
		uint32_t first = p == from / TRK_PER_PAGE ? from % TRK_PER_PAGE : 0;
		for (uint32_t i = first; i < TRK_PER_PAGE; i++)
			if (!pt_trk_in_use(&t[i]))
				return (int)(p * TRK_PER_PAGE + i);
	}
	return -1;
}

/* The first directory slot without a page, or TRK_MAX_PAGES. */
static uint32_t first_missing_page(void)
{
	uint32_t p = 0;

	while (p < TRK_MAX_PAGES && page_addr(p) != 0)
		p++;
	return p;
}

static int claim(paddr_t base, uint32_t ntables, uint32_t pcount)
{
	int idx = find_free(hint);

	if (idx < 0) {
		uint32_t p = first_missing_page();
		if (p == TRK_MAX_PAGES)
			return -E_NOMEM;
		int rc = add_page(p);
		if (rc < 0)
			return rc;
		idx = (int)(p * TRK_PER_PAGE);
	}
	uint32_t p = (uint32_t)idx / TRK_PER_PAGE;
	pt_trk_set(&page_ptr(p)->pagetables[idx % TRK_PER_PAGE], base, ntables, pcount);
	dir[p]++;
	nused++;
	hint = (uint32_t)idx + 1;
	return idx;
}

int pt_trk_claim(paddr_t base, uint32_t ntables, uint32_t pcount)
{
	pt_lock_take(&trackers_lock);
	int idx = claim(base, ntables, pcount);
	if (idx >= 0 && !pt_one_cpu())
		making[pt_cpu_self()] = idx;
	pt_lock_give(&trackers_lock);
	return idx;
}

void pt_trk_made(int idx)
{
	if (pt_one_cpu())
		return;
	pt_lock_take(&trackers_lock);
	DEBUG_ASSERT(making[pt_cpu_self()] == idx);
	making[pt_cpu_self()] = -1;
	pt_lock_give(&trackers_lock);
}

/* Forget idx among the trackers being made, if it is one: a space undone before it was made. */
static void unmake(int idx)
{
	for (uint32_t c = 0; c < PT_MAX_CPUS; c++)
		if (making[c] == idx)
			making[c] = -1;
}

void pt_trk_release(int idx)
{
	struct pg_tracker *t = pt_trk_get(idx);
	uint32_t p = (uint32_t)idx / TRK_PER_PAGE;

	if (!t)
		panic("pt_trk_release: tracker %d is not in use", idx);
	pt_lock_take(&trackers_lock);
	if (!pt_one_cpu())
		unmake(idx);
	pt_trk_set(t, 0, 0, 0);
	dir[p]--;
	nused--;
	if ((uint32_t)idx < hint)
		hint = (uint32_t)idx;
	if (page_used(p) == 0 && p != 0)
		drop_page(p);
	pt_lock_give(&trackers_lock);
}

/* Whether tracker idx is being made on some CPU: no one else may see it yet. */
static bool being_made(int idx)
{
	for (uint32_t c = 0; c < pt_ncpus; c++)
		if (making[c] == idx)
			return true;
	return false;
}

static int next(int from)
{
	for (uint32_t i = (uint32_t)MAX(from, 0); i < npages * TRK_PER_PAGE; i++) {
		uint32_t p = i / TRK_PER_PAGE;
		if (page_addr(p) == 0 || page_used(p) == 0) {
			i = (p + 1) * TRK_PER_PAGE - 1; /* skip the page */
			continue;
		}
		if (pt_trk_in_use(&page_ptr(p)->pagetables[i % TRK_PER_PAGE]) &&
		    (pt_one_cpu() || !being_made((int)i)))
			return (int)i;
	}
	return -1;
}

bool pt_trk_made_and_used(int idx)
{
	pt_lock_take(&trackers_lock);
	bool shown = pt_trk_get(idx) && (pt_one_cpu() || !being_made(idx));
	pt_lock_give(&trackers_lock);
	return shown;
}

int pt_trk_next(int from)
{
	pt_lock_take(&trackers_lock);
	int idx = next(from);
	pt_lock_give(&trackers_lock);
	return idx;
}

uint32_t pt_trk_count(void) { return nused; }

uint32_t pt_trk_pages(void)
{
	uint32_t n = 0;

	for (uint32_t p = 0; p < npages; p++)
		n += page_addr(p) != 0;
	return n;
}

paddr_t pt_trk_page_addr(uint32_t i)
{
	return i < TRK_MAX_PAGES ? page_addr(i) : 0;
}

int pt_trk_live(void) { return live[pt_one_cpu() ? 0 : pt_cpu_self()]; }

/* pt_trk_set_live with several CPUs: out of line, so that one CPU's needs no frame. */
static __attribute__((noinline)) void set_live_cpus(int idx, struct pg_tracker *t)
{
	uint32_t c = pt_cpu_self();

	live[c] = idx;
	pt_trk_live_on[c] = t;
	/* seen by every CPU before this one can cache a translation of the block (tlb.h) */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
}

void pt_trk_set_live(int idx)
{
	/* every CR3 switch comes here with a tracker in use: no need to check it again */
	DEBUG_ASSERT(pt_trk_get(idx) != NULL);
	uint32_t i = (uint32_t)idx;
	struct pg_tracker *t = &page_ptr(i / TRK_PER_PAGE)->pagetables[i % TRK_PER_PAGE];

	if (!pt_one_cpu()) {
		set_live_cpus(idx, t);
		return;
	}
	/* one CPU: no other to see the record before CR3 is loaded */
	live[0] = idx;
	pt_trk_live_on[0] = t;
	pt_trk_live_alone = t;
}

void pt_trk_ncpus_changed(void)
{
	pt_trk_live_alone = live_alone();
}

uint32_t pt_trk_live_cpus(const struct pg_tracker *t)
{
	uint32_t cpus = 0;

	for (uint32_t c = 0; c < pt_ncpus; c++)
		if (t && __atomic_load_n(&pt_trk_live_on[c], __ATOMIC_RELAXED) == t)
			cpus |= BIT(c);
	return cpus;
}

bool pt_trk_live_in_cr3(void)
{
	int idx = pt_trk_live();
	const struct pg_tracker *t = pt_trk_get(idx);

	/* a CPU that has run nothing of the core's yet (a CPU just started) has nothing to hold */
	return !hw_paging_enabled() || (idx < 0 && pt_cpu_self() > 0) || (t && pt_trk_base(t) == hw_cr3());
}

static int broken(const char *what, uint32_t p)
{
	kprintf("pt_trk_check: %s (tracker page %u)\n", what, p);
	return -E_INVAL;
}

static int check(void)
{
	uint32_t total = 0;

	if (npages == 0 || page_addr(0) == 0)
		return broken("the first tracker page is missing", 0);
	for (uint32_t p = 0; p < TRK_MAX_PAGES; p++) {
		if (page_addr(p) == 0)
			continue;
		if (p >= npages)
			return broken("a page lies past the directory's end", p);
		if (!pt_frame_in_kzone(page_addr(p)) || pt_frame_pincount(page_addr(p)) < 1)
			return broken("a tracker page is not a pinned kernel-zone frame", p);
		uint32_t used = 0;
		for (uint32_t i = 0; i < TRK_PER_PAGE; i++) {
			const struct pg_tracker *t = &page_ptr(p)->pagetables[i];
			used += pt_trk_in_use(t);
			if (!pt_trk_in_use(t) && t->pcount != 0)
				return broken("a free tracker has a page count", p);
			if (!pt_trk_in_use(t) && p * TRK_PER_PAGE + i < hint)
				return broken("a free tracker lies below the search hint", p);
		}
		if (used != page_used(p))
			return broken("the directory's count is wrong", p);
		if (used == 0 && p != 0)
			return broken("an empty tracker page was kept", p);
		total += used;
	}
	if (total != nused)
		return broken("the count of trackers in use is wrong", 0);
	if (pt_trk_live_alone != live_alone())
		return broken("the lone CPU's live tracker is not CPU 0's", 0);
	return 0;
}

int pt_trk_check(void)
{
	pt_lock_take(&trackers_lock);
	int rc = check();
	pt_lock_give(&trackers_lock);
	return rc;
}
