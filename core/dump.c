/* dump.c - an address space as ranges, and the kernel zone's layout (see check.h). */
#include "check.h"
#include "frame.h"
#include "layout.h"
#include "ptblock.h"
#include "seam.h"
#include "swap.h"
#include "tracker.h"
#include "vmspace.h"

static void emit(putc_fn out, void *ctx, const char *fmt, ...) PRINTF_LIKE(3, 4);

static void emit(putc_fn out, void *ctx, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	kvformat(out, ctx, fmt, ap);
	va_end(ap);
}

void pt_console_sink(char c, void *ctx)
{
	(void)ctx;
	hw_putc(c);
}

/* ---- one address space --------------------------------------------------- */

struct range {
	putc_fn out;
	void *ctx;
	const char *lead; /* before each line, or NULL */
	vaddr_t start;
	uint32_t pages;
	struct vm_mapping first;
};

static void flush_range(struct range *r)
{
	uint32_t f = r->first.flags;

	if (r->pages == 0)
		return;
	emit(r->out, r->ctx, "%s%08x-%08llx %08x %c%c%c%c ", r->lead ? r->lead : "", r->start,
	     (unsigned long long)r->start + (unsigned long long)r->pages * PAGE_SIZE,
	     r->pages * PAGE_SIZE, f & VM_USER ? 'u' : '-',
	     'r', f & VM_WRITE ? 'w' : '-', f & VM_COW ? 'c' : '-');
	if (f & VM_SWAPPED)
		emit(r->out, r->ctx, "s%07x\n", r->first.slot);
	else
		emit(r->out, r->ctx, "%08x\n", r->first.pa);
}

static int add_page(vaddr_t va, const struct vm_mapping *m, void *ctx)
{
	struct range *r = ctx;
	bool next = (m->flags & VM_SWAPPED) ? m->slot == r->first.slot + r->pages
					    : m->pa == r->first.pa + r->pages * PAGE_SIZE;
	bool joins = r->pages > 0 && va == r->start + r->pages * PAGE_SIZE &&
		     m->flags == r->first.flags && next;

	if (!joins) {
		flush_range(r);
		r->start = va;
		r->pages = 0;
		r->first = *m;
	}
	r->pages++;
	return 0;
}

void pt_vm_dump(int as, putc_fn out, void *ctx)
{
	struct vm_space_info info;
	struct range r = { .out = out, .ctx = ctx };

	if (pt_vm_info(as, &info) < 0) {
		emit(out, ctx, "address space %d: no such address space\n", as);
		return;
	}
	if (info.out) { /* the dump brings nothing in */
		emit(out, ctx, "address space %d: out in slots %u-%u, %u tables, %u pages in swap%s\n",
		     as, info.out_slot, info.out_slot + info.tables, info.tables, info.swapped,
		     info.lost ? ", lost" : "");
		return;
	}
	emit(out, ctx, "address space %d: block 0x%08x, %u pages, %u tables, %u pages mapped", as,
	     info.block, info.pages, info.tables, info.mapped);
	if (info.swapped > 0)
		emit(out, ctx, ", %u in swap", info.swapped);
	emit(out, ctx, "\n");
	pt_vm_iterate(as, add_page, &r);
	flush_range(&r);
}

/* ---- one block ------------------------------------------------------------ */

/* The user PDE of t's directory that points at block page `slot`, or 0 if none does. */
static uint32_t pde_of_slot(const struct pg_tracker *t, uint32_t slot)
{
	const pde_t *pd = pt_ptb_pd(t);
	paddr_t table = pt_trk_base(t) + slot * PAGE_SIZE;

	for (uint32_t pdi = USER_PDE_FIRST; pdi < USER_PDE_END; pdi++)
		if (pde_present(pd[pdi]) && pde_addr(pd[pdi]) == table)
			return pdi;
	return 0;
}

/* One page of a block: the directory, a table with the 4 MiB it maps, or a spare page. */
static void print_block_page(putc_fn out, void *ctx, const struct pg_tracker *t, uint32_t slot)
{
	paddr_t pa = pt_trk_base(t) + slot * PAGE_SIZE;
	uint32_t pdi = slot > 0 && slot <= pt_trk_ntables(t) ? pde_of_slot(t, slot) : 0;

	emit(out, ctx, "  page %-4u %08x  ", slot, pa);
	if (slot == 0)
		emit(out, ctx, "directory\n");
	else if (slot > pt_trk_ntables(t))
		emit(out, ctx, "spare\n");
	else
		emit(out, ctx, "table of PDE %u: %08x-%08llx, %u entr%s live\n", pdi,
		     pde_base(pdi), (unsigned long long)pde_base(pdi) + PDE_SPAN,
		     *pt_ptb_live(pa), *pt_ptb_live(pa) == 1 ? "y" : "ies");
}

void pt_vm_dump_block(int as, putc_fn out, void *ctx)
{
	const struct pg_tracker *t = as > TRK_MASTER ? pt_trk_get(as) : NULL;

	if (!t) {
		emit(out, ctx, "address space %d: no such address space\n", as);
		return;
	}
	if (pt_trk_out(t)) { /* its pages are on the disk: nothing here to show */
		emit(out, ctx, "block of address space %d: out in swap, slots %u-%u, %u tables\n",
		     as, pt_trk_out_slot(t), pt_trk_out_slot(t) + pt_trk_ntables(t), pt_trk_ntables(t));
		return;
	}
	emit(out, ctx, "block of address space %d at %08x: %u pages: the directory, %u tables "
	     "in order of first use, %u spare\n", as, pt_trk_base(t), t->pcount, pt_trk_ntables(t),
	     t->pcount - pt_ptb_used(t));
	for (uint32_t slot = 0; slot < t->pcount; slot++)
		print_block_page(out, ctx, t, slot);
}

/* ---- the trackers ------------------------------------------------------- */

void pt_trk_dump(putc_fn out, void *ctx)
{
	emit(out, ctx, "trackers: %u in use on %u tracker pages of %u\n", pt_trk_count(), pt_trk_pages(),
	     TRK_PER_PAGE);
	for (uint32_t p = 0; p < TRK_MAX_PAGES; p++)
		if (pt_trk_page_addr(p))
			emit(out, ctx, "  tracker page %u at %08x: trackers %u-%u\n", p,
			     pt_trk_page_addr(p), p * TRK_PER_PAGE, p * TRK_PER_PAGE + TRK_PER_PAGE - 1);
	emit(out, ctx, "  tracker  ptPtr     pcount  = block at  tables\n");
	for (int as = pt_trk_next(0); as >= 0; as = pt_trk_next(as + 1)) {
		const struct pg_tracker *t = pt_trk_get(as);
		if (pt_trk_out(t))
			emit(out, ctx, "  %7d  %08x  %6u    out: slot %u, %u tables, %u pages in swap\n",
			     as, t->ptPtr, t->pcount, pt_trk_out_slot(t), pt_trk_ntables(t),
			     pt_trk_out_mapped(t));
		else
			emit(out, ctx, "  %7d  %08x  %6u    %08x  %6u%s\n", as, t->ptPtr, t->pcount,
			     pt_trk_base(t), pt_trk_ntables(t),
			     as == TRK_MASTER ? "  (the kernel master table)" : "");
	}
}

/* ---- the kernel zone ------------------------------------------------------ */

enum item_kind {
	ITEM_NONE, ITEM_METADATA, ITEM_SWAP_METADATA, ITEM_TRACKERS, ITEM_BLOCK, ITEM_FREE
};

struct item {
	enum item_kind kind;
	paddr_t start;
	uint32_t pages;
	uint32_t owner; /* tracker page number or tracker index */
};

static void consider(struct item *best, enum item_kind kind, paddr_t start, uint32_t pages,
		     uint32_t owner, paddr_t from)
{
	if (start >= from && (best->kind == ITEM_NONE || start < best->start))
		*best = (struct item){ kind, start, pages, owner };
}

/* The known item with the lowest address at or after `from`. */
static struct item next_item(paddr_t from)
{
	struct item best = { .kind = ITEM_NONE };
	paddr_t meta, run = from;
	uint32_t meta_pages, n;

	pt_frame_metadata(&meta, &meta_pages);
	consider(&best, ITEM_METADATA, meta, meta_pages, 0, from);
	pt_swap_metadata(&meta, &meta_pages);
	if (meta_pages > 0)
		consider(&best, ITEM_SWAP_METADATA, meta, meta_pages, 0, from);
	for (uint32_t p = 0; p < TRK_MAX_PAGES; p++)
		if (pt_trk_page_addr(p))
			consider(&best, ITEM_TRACKERS, pt_trk_page_addr(p), 1, p, from);
	for (int as = pt_trk_next(0); as >= 0; as = pt_trk_next(as + 1)) {
		const struct pg_tracker *t = pt_trk_get(as);
		if (!pt_trk_out(t)) /* a block that is out holds nothing here */
			consider(&best, ITEM_BLOCK, pt_trk_base(t), t->pcount, (uint32_t)as, from);
	}
	if (pt_frame_next_free_run(&run, &n))
		consider(&best, ITEM_FREE, run, n, 0, from);
	return best;
}

/* The item that starts at `at` (below end): a known one, or a gap up to the next. */
static struct item item_at(paddr_t at, paddr_t end)
{
	struct item it = next_item(at);

	if (it.kind != ITEM_NONE && it.start == at)
		return it;
	paddr_t gap_end = it.kind == ITEM_NONE ? end : it.start; /* something else in use */
	return (struct item){ ITEM_NONE, at, (gap_end - at) / PAGE_SIZE, 0 };
}

static void print_item(putc_fn out, void *ctx, const struct item *it)
{
	emit(out, ctx, "  %08x-%08x %6u  ", it->start, it->start + it->pages * PAGE_SIZE,
	     it->pages);
	switch (it->kind) {
	case ITEM_METADATA:
		emit(out, ctx, "frame allocator metadata\n");
		break;
	case ITEM_SWAP_METADATA: {
		struct swap_counts c;
		pt_swap_get_counts(&c);
		emit(out, ctx, "swap slot metadata (%u slots)\n", c.total);
		break;
	}
	case ITEM_TRACKERS:
		emit(out, ctx, "tracker page %u (trackers %u-%u)\n", it->owner,
		     it->owner * TRK_PER_PAGE, it->owner * TRK_PER_PAGE + TRK_PER_PAGE - 1);
		break;
	case ITEM_BLOCK: {
		const struct pg_tracker *t = pt_trk_get((int)it->owner);
		emit(out, ctx, "block of %s %u: directory + %u table%s + %u spare\n",
		     it->owner == TRK_MASTER ? "master table" : "address space", it->owner,
		     pt_trk_ntables(t), pt_trk_ntables(t) == 1 ? "" : "s", t->pcount - pt_ptb_used(t));
		break;
	}
	case ITEM_FREE:
		emit(out, ctx, "free\n");
		break;
	case ITEM_NONE:
		if (pt_frame_free_runs_known())
			emit(out, ctx, "in use: kernel image, kernel allocations or reserved\n");
		else /* the frame source keeps its free frames to itself */
			emit(out, ctx, "not pagetrack's: the frame source's, in use or free\n");
		break;
	}
}

static void print_totals(putc_fn out, void *ctx)
{
	struct vm_stats s;
	paddr_t run = 0;
	uint32_t n, runs = 0, largest = 0;

	while (pt_frame_next_free_run(&run, &n)) {
		runs++;
		largest = MAX(largest, n);
		run += n * PAGE_SIZE;
	}
	pt_vm_get_stats(&s);
	emit(out, ctx, "  totals: %u blocks (%u pages, %u tables), %u tracker pages, %u free pages",
	     s.blocks, s.block_pages, s.tables, s.tracker_pages, pt_frame_free_count(ZONE_KERNEL));
	if (pt_frame_free_runs_known())
		emit(out, ctx, " in %u runs (largest %u)", runs, largest);
	else
		emit(out, ctx, " (the frame source does not say where)");
	if (s.spaces_out > 0)
		emit(out, ctx, "; %u blocks out in swap", s.spaces_out);
	emit(out, ctx, "\n");
}

void pt_kzone_dump(putc_fn out, void *ctx, uint32_t max_lines)
{
	paddr_t at = FRAME_LOW_RESERVED, end = pt_frame_kzone_end();
	uint32_t lines = 0;

	emit(out, ctx, "kernel zone 0x%08x-0x%08x (%u KiB):\n", at, end, (end - at) >> 10);
	while (at < end && lines < max_lines) {
		struct item it = item_at(at, end);
		print_item(out, ctx, &it);
		lines++;
		at = it.start + it.pages * PAGE_SIZE;
	}
	if (at < end)
		emit(out, ctx, "  ... (%u KiB more)\n", (end - at) >> 10);
	print_totals(out, ctx);
}

/* ---- the same, for scripts ------------------------------------------------ */

static const char *const item_names[] = {
	[ITEM_NONE] = "other", [ITEM_METADATA] = "metadata", [ITEM_SWAP_METADATA] = "swap-metadata",
	[ITEM_TRACKERS] = "trackers", [ITEM_BLOCK] = "block", [ITEM_FREE] = "free",
};

void pt_kzone_dump_raw(putc_fn out, void *ctx, const char *tag)
{
	paddr_t at = FRAME_LOW_RESERVED, end = pt_frame_kzone_end();
	uint32_t items = 0, blocks = 0;

	emit(out, ctx, "dump %s kzone %08x %08x\n", tag, at, end);
	while (at < end) {
		struct item it = item_at(at, end);
		emit(out, ctx, "dump %s item %s %08x %u %u\n", tag, item_names[it.kind], it.start,
		     it.pages, it.owner);
		items++;
		blocks += it.kind == ITEM_BLOCK;
		at = it.start + it.pages * PAGE_SIZE;
	}
	emit(out, ctx, "dump %s end %u items %u blocks\n", tag, items, blocks);
}

void pt_vm_dump_raw(int as, putc_fn out, void *ctx, const char *tag)
{
	const struct pg_tracker *t = as > TRK_MASTER ? pt_trk_get(as) : NULL;

	if (!t) {
		emit(out, ctx, "dump %s none %d\n", tag, as);
		return;
	}
	if (pt_trk_out(t)) { /* the dump brings nothing in */
		emit(out, ctx, "dump %s out %d %u %u\n", tag, as, pt_trk_out_slot(t), pt_trk_ntables(t));
		return;
	}
	emit(out, ctx, "dump %s space %d %08x %u %u\n", tag, as, pt_trk_base(t), t->pcount,
	     pt_trk_ntables(t));
	char lead[48];
	struct range r = { .out = out, .ctx = ctx, .lead = lead };
	ksnprintf(lead, sizeof(lead), "dump %s range ", tag);
	pt_vm_iterate(as, add_page, &r);
	flush_range(&r);
	for (uint32_t slot = 1; slot <= pt_trk_ntables(t); slot++) {
		paddr_t pa = pt_trk_base(t) + slot * PAGE_SIZE;
		emit(out, ctx, "dump %s table %u %08x %u %u\n", tag, slot, pa, pde_of_slot(t, slot),
		     *pt_ptb_live(pa));
	}
	emit(out, ctx, "dump %s end\n", tag);
}
