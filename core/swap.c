/*
 * swap.c - the swap slots (see swap.h for the plan).
 *
 * Metadata, all in one run of pinned kernel-zone frames:
 *
 *   refs[nslots]          the reference count of every slot (slot 0's stays 0)
 *   free_map[words]       one bit per slot, set when the slot is free
 *   retired_map[words]    one bit per slot, set when the slot is retired
 *   the bounce page       the last frame, page aligned (pt_swap_bounce)
 */
#include "swap.h"
#include "bitmap.h"
#include "errors.h"
#include "frame.h"
#include "lib.h"
#include "lock.h"
#include "seam.h"

static struct swap_allocator {
	uint16_t *refs;
	uint32_t *free_map, *retired_map;
	uint32_t nslots;       /* slots 0 .. nslots-1 exist; 0: no swap */
	uint32_t words;        /* words in each bitmap */
	struct swap_counts n;
	uint32_t hint;         /* no free slot lies below word hint */
	paddr_t meta_base;
	uint32_t meta_frames;
	uint32_t fail_nth, alloc_calls;
	struct swap_io_counts io;
} sw;

/* ---- setting up ----------------------------------------------------------- */

/* Bytes of metadata for nslots slots: the counts, then the two bitmaps, word aligned. */
static uint32_t metadata_bytes(uint32_t nslots, uint32_t words)
{
	return ALIGN_UP(nslots * (uint32_t)sizeof(uint16_t), 4) + 2 * words * 4;
}

/* Lay the metadata out in the zeroed frames at base: no reference, nothing retired, all free. */
static void lay_out(paddr_t base, uint32_t frames, uint32_t nslots)
{
	uint8_t *m = hw_phys(base);

	memset(m, 0, (size_t)frames * PAGE_SIZE);
	sw.nslots = nslots;
	sw.words = DIV_ROUND_UP(nslots, 32);
	sw.refs = (uint16_t *)m;
	sw.free_map = (uint32_t *)(m + ALIGN_UP(nslots * (uint32_t)sizeof(uint16_t), 4));
	sw.retired_map = sw.free_map + sw.words;
	for (uint32_t s = 1; s < nslots; s++)
		bitmap_set(sw.free_map, s);
	sw.n = (struct swap_counts){ .total = nslots - 1, .free = nslots - 1 };
	sw.meta_base = base;
	sw.meta_frames = frames;
}

/* The disk's pages a swap entry can name: slots 0 .. this - 1. */
static uint32_t slots_on_disk(void)
{
	uint32_t pages = hw_disk_pages();

	return pages < SWAP_SLOTS_MAX ? pages : SWAP_SLOTS_MAX;
}

int pt_swap_init(void)
{
	uint32_t nslots = slots_on_disk();
	paddr_t base;
	int rc;

	sw = (struct swap_allocator){ 0 };
	if (nslots < 2) /* slot 0 is never handed out: one page is no swap */
		return 0;
	uint32_t frames = DIV_ROUND_UP(metadata_bytes(nslots, DIV_ROUND_UP(nslots, 32)), PAGE_SIZE);

	frames++; /* the bounce page */
	if ((rc = pt_frame_alloc_run(frames, &base)) < 0)
		return rc;
	if ((rc = pt_frame_pin_run(base, frames)) < 0) {
		pt_frame_free_run(base, frames);
		return rc;
	}
	lay_out(base, frames, nslots);
	return 0;
}

int pt_swap_fini(void)
{
	for (uint32_t s = 1; s < sw.nslots; s++)
		if (sw.refs[s] > 0)
			return -E_BUSY;
	if (sw.meta_frames > 0) {
		pt_frame_unpin_run(sw.meta_base, sw.meta_frames);
		pt_frame_free_run(sw.meta_base, sw.meta_frames);
	}
	sw = (struct swap_allocator){ 0 };
	return 0;
}

/* ---- handing slots out and taking them back -------------------------------------- */

/*
 * The slot map, the references and the counts: spaces under different
 * locks share slots, and take and give them on several CPUs at once.
 * Not held across a transfer.
 */
static struct pt_lock slots_lock = PT_LOCK_INIT("the swap slots", PT_RANK_SLOTS);

static bool is_slot(uint32_t s)
{
	return s != SWAP_NO_SLOT && s < sw.nslots;
}

/* Counts an allocation call; false if fault injection says this one fails. */
static bool may_allocate(void)
{
	sw.alloc_calls++;
	if (sw.fail_nth == 0)
		return true;
	return --sw.fail_nth != 0;
}

/* The first run of n free slots, or sw.nslots if there is none. */
static uint32_t find_run(uint32_t n)
{
	return bitmap_find_run(sw.free_map, &sw.hint, sw.nslots, n);
}

static void take(uint32_t s)
{
	bitmap_clear(sw.free_map, s);
	sw.refs[s] = 1;
	sw.n.free--;
	sw.n.used++;
}

/* Slot s has just lost its last reference: free again, unless it is retired. */
static void release(uint32_t s)
{
	if (bitmap_test(sw.retired_map, s))
		return;
	bitmap_set(sw.free_map, s);
	sw.n.free++;
	sw.n.used--;
	if (s / 32 < sw.hint)
		sw.hint = s / 32;
}

int pt_swap_alloc(void)
{
	return pt_swap_alloc_run(1);
}

static int alloc_run(uint32_t n)
{
	if (n == 0)
		return -E_INVAL;
	if (!may_allocate() || n > sw.n.free)
		return -E_NOMEM;
	uint32_t start = find_run(n);
	if (start == sw.nslots)
		return -E_NOMEM;
	for (uint32_t i = 0; i < n; i++)
		take(start + i);
	return (int)start;
}

int pt_swap_alloc_run(uint32_t n)
{
	pt_lock_take(&slots_lock);
	int rc = alloc_run(n);
	pt_lock_give(&slots_lock);
	return rc;
}

/* fn(slot) under the slots lock. */
static int locked(int (*fn)(uint32_t), uint32_t slot)
{
	pt_lock_take(&slots_lock);
	int rc = fn(slot);
	pt_lock_give(&slots_lock);
	return rc;
}

static int ref(uint32_t slot)
{
	if (!is_slot(slot))
		return -E_INVAL;
	if (sw.refs[slot] == 0)
		return -E_FREE;
	if (sw.refs[slot] == SWAP_REF_MAX)
		return -E_RANGE;
	sw.refs[slot]++;
	return 0;
}

int pt_swap_ref(uint32_t slot) { return locked(ref, slot); }

static int unref(uint32_t slot)
{
	if (!is_slot(slot))
		return -E_INVAL;
	if (sw.refs[slot] == 0)
		return -E_FREE;
	if (--sw.refs[slot] == 0)
		release(slot);
	return sw.refs[slot];
}

int pt_swap_unref(uint32_t slot) { return locked(unref, slot); }

static int free_run(uint32_t first, uint32_t n)
{
	if (n == 0 || !is_slot(first) || n > sw.nslots - first)
		return -E_INVAL;
	for (uint32_t s = first; s < first + n; s++) { /* all or nothing: check them all first */
		if (sw.refs[s] == 0)
			return -E_FREE;
		if (sw.refs[s] > 1)
			return -E_BUSY;
	}
	for (uint32_t s = first; s < first + n; s++) {
		sw.refs[s] = 0;
		release(s);
	}
	return 0;
}

int pt_swap_free_run(uint32_t first, uint32_t n)
{
	pt_lock_take(&slots_lock);
	int rc = free_run(first, n);
	pt_lock_give(&slots_lock);
	return rc;
}

static int retire(uint32_t slot)
{
	if (!is_slot(slot))
		return -E_INVAL;
	if (sw.refs[slot] == 0)
		return -E_FREE;
	if (bitmap_test(sw.retired_map, slot))
		return -E_EXIST;
	bitmap_set(sw.retired_map, slot);
	sw.n.used--;
	sw.n.retired++;
	return 0;
}

int pt_swap_retire(uint32_t slot) { return locked(retire, slot); }

/* ---- queries ------------------------------------------------------------------ */

int pt_swap_refcount(uint32_t slot)
{
	return is_slot(slot) ? sw.refs[slot] : -E_INVAL;
}

int pt_swap_slot_state(uint32_t slot)
{
	if (!is_slot(slot))
		return -E_INVAL;
	if (bitmap_test(sw.retired_map, slot))
		return SWAP_RETIRED;
	return sw.refs[slot] > 0 ? SWAP_USED : SWAP_FREE;
}

void pt_swap_get_counts(struct swap_counts *c)
{
	*c = sw.n;
}

paddr_t pt_swap_bounce(void)
{
	return sw.meta_frames ? sw.meta_base + (sw.meta_frames - 1) * PAGE_SIZE : 0;
}

/* ---- transfers ------------------------------------------------------------------ */

/* Whether slot s is one a transfer may name: a slot someone holds. */
static bool held(uint32_t s)
{
	return is_slot(s) && sw.refs[s] > 0;
}

/*
 * Move `frame` to or from slot s, the frame marked under I/O meanwhile
 * (looked up once, as it is marked); counted.
 */
static int transfer(uint32_t s, paddr_t frame, bool write)
{
	int rc;

	if (!held(s))
		return -E_INVAL;
	if ((rc = pt_frame_set_io(frame)) < 0)
		return rc;
	rc = write ? hw_disk_write(s, frame) : hw_disk_read(s, frame);
	pt_frame_end_io(frame);
	pt_count(write ? &sw.io.writes : &sw.io.reads);
	if (rc < 0)
		pt_count(write ? &sw.io.write_errors : &sw.io.read_errors);
	return rc;
}

int pt_swap_write(uint32_t slot, paddr_t frame)
{
	return transfer(slot, frame, true);
}

int pt_swap_read(uint32_t slot, paddr_t frame)
{
	return transfer(slot, frame, false);
}

void pt_swap_get_io(struct swap_io_counts *c)
{
	*c = sw.io;
}

void pt_swap_reset_io(void)
{
	sw.io = (struct swap_io_counts){ 0 };
}

/* ---- counting the references again --------------------------------------------- */

void pt_swap_recount_begin(void)
{
	pt_lock_take(&slots_lock);
	for (uint32_t s = 1; s < sw.nslots; s++)
		sw.refs[s] = 0;
	pt_lock_give(&slots_lock);
}

static int recount_hold(uint32_t slot)
{
	if (!is_slot(slot))
		return -E_INVAL;
	if (bitmap_test(sw.free_map, slot))
		return -E_FREE;
	if (sw.refs[slot] == SWAP_REF_MAX)
		return -E_RANGE;
	sw.refs[slot]++;
	return 0;
}

int pt_swap_recount_hold(uint32_t slot) { return locked(recount_hold, slot); }

void pt_swap_recount_unhold(uint32_t slot)
{
	pt_lock_take(&slots_lock);
	if (is_slot(slot) && sw.refs[slot] > 0)
		sw.refs[slot]--;
	pt_lock_give(&slots_lock);
}

void pt_swap_recount_end(void)
{
	pt_lock_take(&slots_lock);
	for (uint32_t s = 1; s < sw.nslots; s++)
		if (sw.refs[s] == 0 && !bitmap_test(sw.free_map, s))
			release(s);
	pt_lock_give(&slots_lock);
}

void pt_swap_metadata(paddr_t *base, uint32_t *nframes)
{
	*base = sw.meta_base;
	*nframes = sw.meta_frames;
}

void pt_swap_fail_nth(uint32_t n) { sw.fail_nth = n; }
uint32_t pt_swap_alloc_calls(void) { return sw.alloc_calls; }

/* ---- the checker -------------------------------------------------------------- */

static int broken(const char *what, uint32_t detail)
{
	kprintf("pt_swap_check: %s (0x%x)\n", what, detail);
	return -E_INVAL;
}

/* Slot s agrees with its bits, and counts towards the state it is in. */
static int check_slot(uint32_t s, struct swap_counts *seen)
{
	bool free = bitmap_test(sw.free_map, s), retired = bitmap_test(sw.retired_map, s);

	if (free && (retired || sw.refs[s] != 0))
		return broken("a free slot is retired or has references", s);
	if (!free && !retired && sw.refs[s] == 0)
		return broken("a slot is neither free, used nor retired", s);
	if (free && s / 32 < sw.hint)
		return broken("a free slot lies below the search hint", s);
	if (free)
		seen->free++;
	else if (retired)
		seen->retired++;
	else
		seen->used++;
	return 0;
}

static int check_metadata(void)
{
	for (uint32_t i = 0; i < sw.meta_frames; i++) {
		paddr_t f = sw.meta_base + i * PAGE_SIZE;
		if (!pt_frame_in_kzone(f) || pt_frame_refcount(f) != 1 || pt_frame_pincount(f) != 1)
			return broken("a metadata frame is not a kernel-zone frame in use, pinned once", f);
	}
	return 0;
}

static int check_all(void)
{
	struct swap_counts seen = { .total = sw.nslots ? sw.nslots - 1 : 0 };
	int rc;

	if (sw.nslots == 0)
		return sw.meta_frames == 0 ? 0 : broken("metadata without slots", sw.meta_frames);
	if ((rc = check_metadata()) < 0)
		return rc;
	if (bitmap_test(sw.free_map, 0) || bitmap_test(sw.retired_map, 0) || sw.refs[0] != 0)
		return broken("slot 0 is in use", sw.refs[0]);
	for (uint32_t s = 1; s < sw.nslots; s++)
		if ((rc = check_slot(s, &seen)) < 0)
			return rc;
	for (uint32_t s = sw.nslots; s < sw.words * 32; s++)
		if (bitmap_test(sw.free_map, s) || bitmap_test(sw.retired_map, s))
			return broken("a bit past the last slot is set", s);
	if (memcmp(&seen, &sw.n, sizeof(seen)) != 0)
		return broken("the counts do not match the slots", sw.n.free);
	return 0;
}

int pt_swap_check(void)
{
	pt_lock_take(&slots_lock);
	int rc = check_all();
	pt_lock_give(&slots_lock);
	return rc;
}
