/* fixture.c - state and checks shared by the paging tests (see fixture.h). */
#include "fixture.h"
#include "check.h"
#include "frame.h"
#include "kmap.h"
#include "seam.h"
#include "tracker.h"
#include "vmspace.h"

struct fx_counts fx_start;

void fx_counts(struct fx_counts *c)
{
	struct vm_stats s;

	pt_vm_get_stats(&s);
	c->free_kernel = pt_frame_free_count(ZONE_KERNEL);
	c->free_user = pt_frame_free_count(ZONE_USER);
	c->spaces = s.spaces;
	c->kmap_slots = pt_kmap_in_use();
}

void fx_check_back(const struct fx_counts *was)
{
	struct fx_counts now;

	CHECK_OK(pt_vm_check());
	fx_counts(&now);
	CHECK_EQ(now.spaces, was->spaces);
	CHECK_EQ(now.free_kernel, was->free_kernel);
	CHECK_EQ(now.free_user, was->free_user);
	CHECK_EQ(now.kmap_slots, was->kmap_slots);
}

void fx_teardown(void)
{
	pt_vm_activate(0);
	pt_frame_fail_nth(0);
	fx_check_back(&fx_start);
}

size_t fx_dump(int as, char *buf, size_t size)
{
	struct strbuf b = { buf, size, 0 };

	pt_vm_dump(as, strbuf_putc, &b);
	return strbuf_end(&b);
}

void fx_snap(int as, struct fx_snapshot *s)
{
	struct vm_space_info info = { 0 };

	s->len = fx_dump(as, s->dump, sizeof(s->dump));
	fx_counts(&s->counts);
	pt_vm_info(as, &info);
	s->block = info.block;
	s->pages = info.pages;
}

/* Whether the dump in snapshot `now` is the one in s; `who` prints both if not. */
static bool same_dump(const char *who, int as, const struct fx_snapshot *now,
		      const struct fx_snapshot *s)
{
	if (now->len == s->len && memcmp(now->dump, s->dump, s->len) == 0)
		return true;
	kprintf("%s: the dump of address space %d changed:\n%s---- now:\n%s", who, as, s->dump,
		now->dump);
	return false;
}

bool fx_same_maps(int as, const struct fx_snapshot *s)
{
	static struct fx_snapshot now;

	now.len = fx_dump(as, now.dump, sizeof(now.dump));
	return same_dump("fx_same_maps", as, &now, s);
}

bool fx_same(int as, const struct fx_snapshot *s)
{
	static struct fx_snapshot now;

	fx_snap(as, &now);
	if (!same_dump("fx_same", as, &now, s))
		return false;
	if (memcmp(&now.counts, &s->counts, sizeof(now.counts)) != 0) {
		kprintf("fx_same: counts changed: free kernel %u -> %u, free user %u -> %u, "
			"spaces %u -> %u, kmap %u -> %u\n", s->counts.free_kernel,
			now.counts.free_kernel, s->counts.free_user, now.counts.free_user,
			s->counts.spaces, now.counts.spaces, s->counts.kmap_slots,
			now.counts.kmap_slots);
		return false;
	}
	if (now.block != s->block || now.pages != s->pages) {
		kprintf("fx_same: the block moved or changed size: 0x%x/%u -> 0x%x/%u\n",
			s->block, s->pages, now.block, now.pages);
		return false;
	}
	return true;
}

paddr_t fx_user_frame(uint32_t fill)
{
	paddr_t pa;

	if (pt_frame_alloc(ZONE_USER, &pa) < 0)
		panic("fx_user_frame: no user frame left");
	vaddr_t va = pt_kmap(pa);
	uint32_t *w = hw_kva(va);
	for (uint32_t i = 0; i < PAGE_SIZE / 4; i++)
		w[i] = fill;
	pt_kunmap(va);
	return pa;
}

uint32_t fx_frame_word(paddr_t pa)
{
	vaddr_t va = pt_kmap(pa);
	uint32_t w = *(uint32_t *)hw_kva(va);

	pt_kunmap(va);
	return w;
}

/* Asked of the frame source's free runs, so that it holds over a kernel's own source too. */
bool fx_kframes_free(paddr_t pa, uint32_t n)
{
	paddr_t at = pa;
	uint32_t len;

	return pt_frame_next_free_run(&at, &len) && at == pa && len >= n;
}

bool fx_frames_kept_free(void)
{
	return pt_frame_public.free != NULL;
}

bool fx_frame_let_go(paddr_t pa)
{
	return pt_frame_refcount(pa) == (fx_frames_kept_free() ? 0 : -E_NOTOWN);
}

int fx_take_kframe(paddr_t pa)
{
	paddr_t below = 0, got; /* the frames taken on the way, chained through their first word */
	int rc;

	if (!fx_kframes_free(pa, 1))
		return -E_BUSY;
	while ((rc = pt_frame_alloc_run(1, &got)) == 0 && got != pa) {
		if (got > pa) { /* not first fit after all */
			pt_frame_free(got);
			rc = -E_BUSY;
			break;
		}
		*(paddr_t *)hw_phys(got) = below;
		below = got;
	}
	while (below != 0) {
		paddr_t next = *(paddr_t *)hw_phys(below);
		pt_frame_free(below);
		below = next;
	}
	return rc;
}

#define FX_MAX_FILLERS 256

int fx_space_with_room(uint32_t room)
{
	static int fillers[FX_MAX_FILLERS];
	struct vm_space_info info;
	uint32_t n = 0;
	int as = -E_NOMEM;

	while (n < FX_MAX_FILLERS) {
		int got = pt_vm_create();
		if (got < 0)
			break;
		pt_vm_info(got, &info);
		if (fx_kframes_free(info.block + info.pages * PAGE_SIZE, room)) {
			as = got;
			break;
		}
		fillers[n++] = got;
	}
	while (n > 0)
		pt_vm_destroy(fillers[--n]);
	return as;
}

/* ---- holding kernel-zone frames ------------------------------------------ */

#define FX_HOG_RUNS 256

static struct {
	paddr_t pa;
	uint32_t n;
} hog[FX_HOG_RUNS];
static uint32_t hog_len;

static void hog_give(paddr_t pa, uint32_t n)
{
	if (n > 0 && pt_frame_free_run(pa, n) < 0)
		panic("fx hog: cannot give back %u frames at 0x%x", n, pa);
}

static void hog_add(paddr_t pa, uint32_t n)
{
	if (n == 0)
		return;
	if (hog_len == FX_HOG_RUNS)
		panic("fx hog: more than %u runs", FX_HOG_RUNS);
	hog[hog_len].pa = pa;
	hog[hog_len].n = n;
	hog_len++;
}

int fx_hog_kzone(void)
{
	paddr_t at = 0, got;
	uint32_t n;
	int total = 0;

	while (pt_frame_next_free_run(&at, &n)) {
		if (hog_len == FX_HOG_RUNS || pt_frame_alloc_run(n, &got) < 0) {
			fx_unhog();
			return -E_NOMEM;
		}
		hog_add(got, n);
		total += (int)n;
		at += n * PAGE_SIZE;
	}
	return total;
}

/* Give back the part of run i inside [lo, hi) and keep the rest. */
static void hog_cut(uint32_t i, paddr_t lo, paddr_t hi)
{
	paddr_t s = hog[i].pa, e = s + hog[i].n * PAGE_SIZE;
	paddr_t from = MAX(s, lo), to = MIN(e, hi);

	if (from >= to)
		return;
	hog_give(from, (to - from) / PAGE_SIZE);
	hog[i].n = (from - s) / PAGE_SIZE;
	if (hog[i].n == 0) {
		hog[i].pa = to;
		hog[i].n = (e - to) / PAGE_SIZE;
	} else {
		hog_add(to, (e - to) / PAGE_SIZE);
	}
}

static void hog_compact(void)
{
	uint32_t j = 0;

	for (uint32_t i = 0; i < hog_len; i++)
		if (hog[i].n > 0)
			hog[j++] = hog[i];
	hog_len = j;
}

void fx_hog_release(paddr_t pa, uint32_t n)
{
	uint32_t len = hog_len; /* runs split off at the end lie outside the range */

	for (uint32_t i = 0; i < len; i++)
		hog_cut(i, pa, pa + n * PAGE_SIZE);
	hog_compact();
}

bool fx_hog_holds(paddr_t pa)
{
	for (uint32_t i = 0; i < hog_len; i++)
		if (pa >= hog[i].pa && pa - hog[i].pa < hog[i].n * PAGE_SIZE)
			return true;
	return false;
}

void fx_unhog(void)
{
	for (uint32_t i = 0; i < hog_len; i++)
		hog_give(hog[i].pa, hog[i].n);
	hog_len = 0;
}

/* ---- frames outside the kernel zone ---------------------------------------- */

#define FX_RUN_TRIES 512

/* The first index of a run of n contiguous frames in the sorted list, or -1. */
static int find_contiguous(const paddr_t *f, uint32_t len, uint32_t n)
{
	uint32_t start = 0;

	for (uint32_t i = 1; i <= len; i++) {
		if (i < len && f[i] == f[i - 1] + PAGE_SIZE)
			continue;
		if (i - start >= n)
			return (int)start;
		start = i;
	}
	return -1;
}

int fx_user_run(uint32_t n, paddr_t *pa)
{
	static paddr_t got[FX_RUN_TRIES];
	uint32_t len = 0;
	int first = -1;

	while (n > 0 && n <= FX_RUN_TRIES && len < FX_RUN_TRIES && first < 0) {
		paddr_t f;
		if (pt_frame_alloc(ZONE_USER, &f) < 0)
			break;
		uint32_t i = len++;
		for (; i > 0 && got[i - 1] > f; i--)
			got[i] = got[i - 1];
		got[i] = f;
		first = find_contiguous(got, len, n);
	}
	for (uint32_t i = 0; i < len; i++)
		if (first < 0 || i < (uint32_t)first || i >= (uint32_t)first + n)
			pt_frame_free(got[i]);
	if (first < 0)
		return -E_NOMEM;
	*pa = got[first];
	return 0;
}

paddr_t fx_unowned_frames(uint32_t n)
{
	for (paddr_t pa = 0xF0000000u; n > 0 && pa >= pt_frame_kzone_end(); pa -= MiB(256)) {
		uint32_t i = 0;
		while (i < n && pa + i * PAGE_SIZE >= pa && !pt_frame_owned(pa + i * PAGE_SIZE))
			i++;
		if (i == n)
			return pa;
	}
	return 0;
}
