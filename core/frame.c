/*
 * frame.c - the frames pagetrack holds (see frame.h for the plan).
 *
 * The core keeps, per frame below top, what pagetrack must know of the
 * frames it holds; a source lends and takes back the frames themselves.
 * The built-in source is the allocator of a memory map: a free bitmap
 * over every frame, a stack of the free user-zone frames.  The core calls
 * it directly, as the fast paths must not pay an indirect call; a source
 * of one's own is called through its hooks, and what it lends is checked.
 *
 * Metadata, all in one run of kernel-zone frames:
 *
 *   info[nframes]     reference count, pin count and flags of every frame
 *   bitmap[words]     one bit per frame, set when the frame is free (built-in only)
 *   stack[nuser]      the free user-zone frames, as frame numbers (built-in only)
 *   words[kzone_end]  the holder's word of every frame below X (frame.h)
 *   slots[nuser]      the swap slot each user frame keeps a clean copy in, 0: none
 *
 * pt_frame_init places it after the kernel image; pt_frame_init_source
 * takes it, without the built-in parts, from the source.
 */
#include "frame.h"
#include "lock.h"
#include "bitmap.h"
#include "mmu.h"
#include "errors.h"
#include "lib.h"
#include "seam.h"
#include "swap.h"

struct frame_info {
	uint16_t ref;
	uint8_t pin;
	uint8_t flags;
};
#define FI_OWNED BIT(0)       /* built-in: it may hand the frame out; else: the core holds it */
#define FI_SEEN BIT(1)        /* pt_frame_check only: already met on the free stack */
#define FI_SLOT BIT(2)        /* a user frame that keeps a clean copy in slots[] */
#define FI_SHARED_COPY BIT(3) /* its copy was written while it was shared, as it still is */
#define FI_IO BIT(4)          /* a transfer to or from the disk is under way */

#define POISON_BYTE 0x5A

/* The core: what it keeps of every frame, whoever lent it. */
static struct {
	struct frame_info *info;
	uint16_t *words;
	uint32_t *slots;
	uint32_t nframes;     /* frames covered: pfn 0 .. nframes-1 */
	uint32_t kzone_end;   /* first pfn of the user zone */
	const struct pt_frame_source *src;
	bool lent;            /* src is not the built-in source */
	uint32_t held[ZONE_COUNT]; /* a source of one's own: the frames the core holds */
	paddr_t meta_base;
	uint32_t meta_frames;
	uint32_t fail_nth, alloc_calls;
} fa;

/* The built-in source: the free frames of a memory map. */
static struct {
	uint32_t *bitmap;
	uint32_t *stack;
	uint32_t stack_len;
	uint32_t free[ZONE_COUNT], total[ZONE_COUNT];
	uint32_t khint;       /* no free kernel-zone frame lies below word khint */
} bi;

struct pt_frame_public pt_frame_public;

/*
 * With several CPUs (lock.h): the free frames - the bitmap, the stack,
 * the counts, the source's takes and gives, the failure injection - are
 * under this lock, and so are a frame's own counts (references, pins,
 * slot, flags): spaces under different locks share frames copy-on-write.
 */
static struct pt_lock frames_lock = PT_LOCK_INIT("the frame allocator", PT_RANK_FRAMES);

static const struct pt_frame_source builtin_source;

/* Whether the frames come from the built-in source, which the core calls directly. */
static inline bool builtin(void)
{
	return !fa.lent;
}

/* ---- checks on a frame address --------------------------------------- */

/* Inline: the frame paths of creating and destroying a block call these in loops. */
static inline enum zone zone_of(uint32_t pfn)
{
	return pfn < fa.kzone_end ? ZONE_KERNEL : ZONE_USER;
}

static inline bool pfn_owned(uint32_t pfn)
{
	return pfn < fa.nframes && (fa.info[pfn].flags & FI_OWNED);
}

/* 0 if the frame is owned and in use, or a negative error. */
static inline int pfn_in_use(uint32_t pfn)
{
	if (!pfn_owned(pfn))
		return -E_NOTOWN;
	return fa.info[pfn].ref == 0 ? -E_FREE : 0; /* free exactly when unreferenced */
}

/* 0 if pa names an owned frame (its pfn in *pfn), or a negative error. */
static int owned_pfn(paddr_t pa, uint32_t *pfn)
{
	if (!IS_ALIGNED(pa, PAGE_SIZE))
		return -E_INVAL;
	*pfn = pa_to_pfn(pa);
	return pfn_owned(*pfn) ? 0 : -E_NOTOWN;
}

/* 0 if pa names an owned frame in use, or a negative error. */
static inline int used_pfn(paddr_t pa, uint32_t *pfn)
{
	if (!IS_ALIGNED(pa, PAGE_SIZE))
		return -E_INVAL;
	*pfn = pa_to_pfn(pa);
	return pfn_in_use(*pfn);
}

/* 0 if the frame in use can be freed (one reference, not pinned, keeping no slot). */
static int freeable(uint32_t pfn)
{
	if (fa.info[pfn].pin > 0 || fa.info[pfn].ref > 1 || (fa.info[pfn].flags & FI_SLOT))
		return -E_BUSY;
	return 0;
}

/* ---- the built-in source --------------------------------------------- */

static inline bool is_free(uint32_t pfn) { return bitmap_test(bi.bitmap, pfn); }
static inline void set_free(uint32_t pfn) { bitmap_set(bi.bitmap, pfn); }
static inline void set_used(uint32_t pfn) { bitmap_clear(bi.bitmap, pfn); }

/* The first pfn in [from, end) whose free bit equals `want`, or end. */
static inline uint32_t find_bit(uint32_t from, uint32_t end, bool want)
{
	return bitmap_find(bi.bitmap, from, end, want);
}

/* The first run of n free kernel-zone frames, or fa.kzone_end if none. */
static inline uint32_t find_run(uint32_t n)
{
	return bitmap_find_run(bi.bitmap, &bi.khint, fa.kzone_end, n);
}

static inline void bi_take(uint32_t pfn)
{
	set_used(pfn);
	bi.free[zone_of(pfn)]--;
}

/* A free user-zone frame off the stack into *pfn: 0 or -E_NOMEM. */
static inline int bi_take_user(uint32_t *pfn)
{
	if (bi.stack_len == 0)
		return -E_NOMEM;
	*pfn = bi.stack[--bi.stack_len];
	set_used(*pfn);
	bi.free[ZONE_USER]--;
	return 0;
}

/* The first run of n free kernel-zone frames (first fit), or fa.kzone_end if none. */
static inline uint32_t bi_find_run(uint32_t n)
{
	return n > bi.free[ZONE_KERNEL] ? fa.kzone_end : find_run(n);
}

/* Put a frame on the free lists of its zone. */
static inline void bi_give(uint32_t pfn)
{
	enum zone z = zone_of(pfn);

	set_free(pfn);
	bi.free[z]++;
	if (z == ZONE_USER)
		bi.stack[bi.stack_len++] = pfn;
	else if (pfn / 32 < bi.khint)
		bi.khint = pfn / 32;
}

/* The built-in source's hooks, for the calls that need no short path. */
static int builtin_take_run(uint32_t n, paddr_t *pa)
{
	uint32_t start = bi_find_run(n);

	if (start == fa.kzone_end)
		return -E_NOMEM;
	for (uint32_t i = 0; i < n; i++)
		bi_take(start + i);
	*pa = pfn_to_pa(start);
	return 0;
}

static int builtin_take(enum zone z, paddr_t *pa)
{
	uint32_t pfn;

	if (z == ZONE_KERNEL)
		return builtin_take_run(1, pa);
	if (bi_take_user(&pfn) < 0)
		return -E_NOMEM;
	*pa = pfn_to_pa(pfn);
	return 0;
}

static int builtin_extend_run(paddr_t base, uint32_t have, uint32_t more)
{
	uint32_t from = pa_to_pfn(base) + have;

	if (more > fa.kzone_end - from || find_bit(from, from + more, false) != from + more)
		return -E_NOMEM;
	for (uint32_t i = 0; i < more; i++)
		bi_take(from + i);
	return 0;
}

static void builtin_give(paddr_t pa) { bi_give(pa_to_pfn(pa)); }

static void builtin_give_run(paddr_t pa, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		bi_give(pa_to_pfn(pa) + i);
}

static uint32_t builtin_free_count(enum zone z) { return bi.free[z]; }

static bool builtin_next_free_run(paddr_t *pa, uint32_t *n)
{
	uint32_t start = find_bit(MIN(pa_to_pfn(*pa), fa.kzone_end), fa.kzone_end, true);

	if (start == fa.kzone_end)
		return false;
	*pa = pfn_to_pa(start);
	*n = find_bit(start, fa.kzone_end, false) - start;
	return true;
}

static const struct pt_frame_source builtin_source = {
	.take = builtin_take,
	.take_run = builtin_take_run,
	.extend_run = builtin_extend_run,
	.give = builtin_give,
	.give_run = builtin_give_run,
	.free_count = builtin_free_count,
	.next_free_run = builtin_next_free_run,
};

/* ---- frames a source of one's own lends ------------------------------ */

/* Whether pfn is a frame the source may lend for zone z (not yet held). */
static bool lendable(uint32_t pfn, enum zone z)
{
	bool in_zone = z == ZONE_KERNEL
			       ? pfn >= pa_to_pfn(FRAME_LOW_RESERVED) && pfn < fa.kzone_end
			       : pfn >= fa.kzone_end && pfn < fa.nframes;
	uint32_t meta = pa_to_pfn(fa.meta_base);

	return in_zone && !(fa.info[pfn].flags & FI_OWNED) &&
	       (pfn < meta || pfn - meta >= fa.meta_frames);
}

/* The core holds the n frames from pa lent for zone z; one the source may not lend panics. */
static void hold_lent(paddr_t pa, uint32_t n, enum zone z)
{
	uint32_t pfn = pa_to_pfn(pa);

	for (uint32_t i = 0; i < n; i++)
		if (!IS_ALIGNED(pa, PAGE_SIZE) || pfn + i < pfn || !lendable(pfn + i, z))
			panic("pt_frame: the source lent frame 0x%x, outside its zone or held already",
			      pfn_to_pa(pfn + i));
	for (uint32_t i = 0; i < n; i++)
		fa.info[pfn + i].flags = FI_OWNED;
	fa.held[z] += n;
}

/* One frame of zone z from the source, into *pfn: 0 or -E_NOMEM. */
static int lent_take(enum zone z, uint32_t *pfn)
{
	paddr_t pa;

	if (fa.src->take(z, &pa) < 0)
		return -E_NOMEM;
	hold_lent(pa, 1, z);
	*pfn = pa_to_pfn(pa);
	return 0;
}

/* n kernel-zone frames in a run from the source, the first into *pfn: 0 or -E_NOMEM. */
static int lent_take_run(uint32_t n, uint32_t *pfn)
{
	paddr_t pa;

	if (fa.src->take_run(n, &pa) < 0)
		return -E_NOMEM;
	hold_lent(pa, n, ZONE_KERNEL);
	*pfn = pa_to_pfn(pa);
	return 0;
}

/*
 * pt_frame_alloc_run (zone z: user frames come one at a time) from the
 * source; out of line, so that the built-in source's path needs no frame.
 */
static __attribute__((noinline)) int lent_alloc(enum zone z, uint32_t n, paddr_t *pa)
{
	uint32_t pfn;
	int rc = n == 1 ? lent_take(z, &pfn) : lent_take_run(n, &pfn);

	if (rc < 0)
		return rc;
	for (uint32_t i = 0; i < n; i++)
		fa.info[pfn + i].ref = 1;
	*pa = pfn_to_pa(pfn);
	return 0;
}

/* The core lets go of the n frames from pfn, which it holds. */
static void unhold(uint32_t pfn, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++) {
		fa.info[pfn + i].flags = 0;
		fa.held[zone_of(pfn + i)]--;
	}
}

/* The n frames from pfn back to the source, in one run per zone. */
static __attribute__((noinline)) void lent_give_run(uint32_t pfn, uint32_t n)
{
	uint32_t split = MIN(MAX(fa.kzone_end, pfn), pfn + n);

	unhold(pfn, n);
	if (n == 1)
		fa.src->give(pfn_to_pa(pfn));
	else if (split > pfn)
		fa.src->give_run(pfn_to_pa(pfn), split - pfn);
	if (n > 1 && pfn + n > split)
		fa.src->give_run(pfn_to_pa(split), pfn + n - split);
}

/* ---- taking and returning frames ------------------------------------- */

/* Debug builds poison a frame being freed, to catch use after free. */
static inline void poison(uint32_t pfn)
{
#ifdef PT_DEBUG
	/* user frames need a kmap, but before paging in the identity layout (seam.h) */
	if (zone_of(pfn) == ZONE_KERNEL || (PT_PHYS_OFFSET == 0 && !hw_paging_enabled()))
		memset(hw_phys(pfn_to_pa(pfn)), POISON_BYTE, PAGE_SIZE);
#else
	(void)pfn;
#endif
}

static inline void change_pin(uint32_t pfn, bool up);

/* give_back_run over a source of one's own, out of line. */
static __attribute__((noinline)) void lent_give_back_run(uint32_t pfn, uint32_t n, bool unpin)
{
	for (uint32_t i = 0; i < n; i++) {
		if (unpin)
			change_pin(pfn + i, false);
		poison(pfn + i);
		fa.info[pfn + i].ref = 0;
	}
	lent_give_run(pfn, n);
}

/*
 * Free the n frames in use from pfn, taking one pin off each first if
 * `unpin`: back to their source.  One pass over the frames: a block's
 * destruction frees its run through here.
 */
static inline void give_back_run(uint32_t pfn, uint32_t n, bool unpin)
{
	pt_lock_take(&frames_lock);
	if (!builtin()) {
		lent_give_back_run(pfn, n, unpin);
	} else {
		for (uint32_t i = 0; i < n; i++) {
			if (unpin)
				change_pin(pfn + i, false);
			poison(pfn + i);
			fa.info[pfn + i].ref = 0;
			bi_give(pfn + i);
		}
	}
	pt_lock_give(&frames_lock);
}

/* Free a frame in use: the unref paths' one frame, without give_back_run's loops. */
static inline __attribute__((always_inline)) void give_now(uint32_t pfn)
{
	poison(pfn);
	fa.info[pfn].ref = 0;
	if (builtin())
		bi_give(pfn);
	else
		lent_give_run(pfn, 1);
}

/*
 * give_back with several CPUs, under the frame lock, out of line: the
 * unref paths of one CPU then save no register for a call they never make.
 */
static __attribute__((noinline)) void give_back_locked(uint32_t pfn)
{
	pt_lock_take(&frames_lock);
	give_now(pfn);
	pt_lock_give(&frames_lock);
}

static inline void give_back(uint32_t pfn)
{
	if (pt_one_cpu())
		give_now(pfn);
	else
		give_back_locked(pfn);
}

/* Counts an allocation call; false if fault injection says this one fails. */
static bool may_allocate(void)
{
	fa.alloc_calls++;
	if (fa.fail_nth == 0)
		return true;
	if (--fa.fail_nth == 0)
		return false;
	return true;
}

/* A user-zone frame, the frame lock held. */
static inline __attribute__((always_inline)) int take_user(paddr_t *pa)
{
	uint32_t pfn;

	if (!may_allocate())
		return -E_NOMEM;
	if (!builtin())
		return lent_alloc(ZONE_USER, 1, pa);
	if (bi_take_user(&pfn) < 0)
		return -E_NOMEM;
	fa.info[pfn].ref = 1;
	*pa = pfn_to_pa(pfn);
	return 0;
}

/* take_user with several CPUs, under the frame lock, out of line (give_back_locked says why). */
static __attribute__((noinline)) int take_user_locked(paddr_t *pa)
{
	pt_lock_take(&frames_lock);
	int rc = take_user(pa);
	pt_lock_give(&frames_lock);
	return rc;
}

int pt_frame_alloc(enum zone z, paddr_t *pa)
{
	if (z == ZONE_KERNEL)
		return pt_frame_alloc_run(1, pa);
	if (z != ZONE_USER)
		return -E_INVAL;
	return pt_one_cpu() ? take_user(pa) : take_user_locked(pa);
}

/* A run of n kernel-zone frames, the frame lock held. */
static int take_run(uint32_t n, paddr_t *pa)
{
	if (!may_allocate())
		return -E_NOMEM;
	if (!builtin())
		return lent_alloc(ZONE_KERNEL, n, pa);
	uint32_t start = bi_find_run(n);
	if (start == fa.kzone_end)
		return -E_NOMEM;
	for (uint32_t i = 0; i < n; i++) { /* bi_take and the reference in one pass */
		set_used(start + i);
		fa.info[start + i].ref = 1;
	}
	bi.free[ZONE_KERNEL] -= n;
	*pa = pfn_to_pa(start);
	return 0;
}

int pt_frame_alloc_run(uint32_t n, paddr_t *pa)
{
	if (n == 0)
		return -E_INVAL;
	pt_lock_take(&frames_lock);
	int rc = take_run(n, pa);
	pt_lock_give(&frames_lock);
	return rc;
}

int pt_frame_alloc_pinned_run(uint32_t n, paddr_t *pa)
{
	int rc = pt_frame_alloc_run(n, pa);

	if (rc < 0)
		return rc;
	struct frame_info *f = &fa.info[pa_to_pfn(*pa)];
	for (uint32_t i = 0; i < n; i++)
		f[i].pin = 1; /* kernel-zone frames: no user pin to count */
	return 0;
}

/* pt_frame_extend_run's growth of the run at base by `more` frames from pfn from, the lock held. */
static int extend(uint32_t from, paddr_t base, uint32_t have, uint32_t more)
{
	if (!may_allocate())
		return -E_NOMEM;
	if (more > fa.kzone_end - from || fa.src->extend_run(base, have, more) < 0)
		return -E_NOMEM;
	if (!builtin())
		hold_lent(pfn_to_pa(from), more, ZONE_KERNEL);
	for (uint32_t i = 0; i < more; i++)
		fa.info[from + i].ref = 1;
	return 0;
}

/* Whether [pfn, end) are all owned frames in use. */
static bool run_in_use(uint32_t pfn, uint32_t end)
{
	for (; pfn < end; pfn++)
		if (pfn_in_use(pfn) < 0)
			return false;
	return true;
}

int pt_frame_extend_run(paddr_t base, uint32_t have, uint32_t more)
{
	if (!IS_ALIGNED(base, PAGE_SIZE) || have == 0 || more == 0)
		return -E_INVAL;
	uint32_t from = pa_to_pfn(base) + have;
	if (from < pa_to_pfn(base) || from > fa.kzone_end)
		return -E_INVAL;
	/* growing something that is not a run in use would take frames for nobody */
	if (!run_in_use(pa_to_pfn(base), from))
		return -E_INVAL;
	pt_lock_take(&frames_lock);
	int rc = extend(from, base, have, more);
	pt_lock_give(&frames_lock);
	return rc;
}

/* pt_frame_free_run of one frame without its loops: a page-out frees one on every call. */
int pt_frame_free(paddr_t pa)
{
	uint32_t pfn;
	int rc = used_pfn(pa, &pfn);

	if (rc == 0)
		rc = freeable(pfn);
	if (rc < 0)
		return rc;
	give_back(pfn);
	return 0;
}

int pt_frame_free_run(paddr_t pa, uint32_t n)
{
	uint32_t pfn = pa_to_pfn(pa);

	if (!IS_ALIGNED(pa, PAGE_SIZE) || n == 0)
		return -E_INVAL;
	/*
	 * All or nothing: check every frame first.  The walk stops at the
	 * first frame past the end of memory, so a huge n cannot wrap.
	 */
	for (uint32_t i = 0; i < n; i++) {
		int rc = pfn_in_use(pfn + i);
		if (rc == 0)
			rc = freeable(pfn + i);
		if (rc < 0)
			return rc;
	}
	give_back_run(pfn, n, false);
	return 0;
}

/* ---- references and pins --------------------------------------------- */

/*
 * fn(pa) under the frame lock, out of line: the calls that change one
 * frame's counts, with several CPUs.
 */
static __attribute__((noinline)) int locked(int (*fn)(paddr_t), paddr_t pa)
{
	pt_lock_take(&frames_lock);
	int rc = fn(pa);
	pt_lock_give(&frames_lock);
	return rc;
}

/* The same for the calls of a run. */
static __attribute__((noinline)) int locked_run(int (*fn)(paddr_t, uint32_t), paddr_t pa,
						uint32_t n)
{
	pt_lock_take(&frames_lock);
	int rc = fn(pa, n);
	pt_lock_give(&frames_lock);
	return rc;
}

static int ref(paddr_t pa)
{
	uint32_t pfn;
	int rc = used_pfn(pa, &pfn);

	if (rc < 0)
		return rc;
	if (fa.info[pfn].ref == UINT16_MAX)
		return -E_RANGE;
	fa.info[pfn].ref++;
	return 0;
}

int pt_frame_ref(paddr_t pa)
{
	return pt_one_cpu() ? ref(pa) : locked(ref, pa);
}

/* Drop a reference that is not the last; a frame no longer shared has no shared copy. */
static inline int drop_one(struct frame_info *f)
{
	if (--f->ref == 1)
		f->flags &= (uint8_t)~FI_SHARED_COPY;
	return f->ref;
}

/* Drop a reference to frame pfn, in use: its last one frees it, unless it is pinned or keeps a slot. */
static inline int unref_pfn(uint32_t pfn)
{
	struct frame_info *f = &fa.info[pfn];

	if (f->ref > 1)
		return drop_one(f);
	if (f->pin > 0 || (f->flags & FI_SLOT))
		return -E_BUSY;
	give_now(pfn);
	return 0;
}

static int unref(paddr_t pa)
{
	uint32_t pfn;
	int rc = used_pfn(pa, &pfn);

	return rc < 0 ? rc : unref_pfn(pfn);
}

int pt_frame_unref(paddr_t pa)
{
	return pt_one_cpu() ? unref(pa) : locked(unref, pa);
}

/* Frame pfn lets go of its slot: the slot's number, whose reference the caller now holds. */
static inline uint32_t detach_slot(uint32_t pfn)
{
	uint32_t *slot = &fa.slots[pfn - fa.kzone_end], s = *slot;

	fa.info[pfn].flags &= (uint8_t)~(FI_SLOT | FI_SHARED_COPY);
	*slot = 0;
	return s;
}

static int unref_mapping(paddr_t pa, bool dirty, uint32_t *slot)
{
	uint32_t pfn;
	int rc = used_pfn(pa, &pfn);

	*slot = 0;
	if (rc < 0)
		return rc;
	struct frame_info *f = &fa.info[pfn];
	if (f->ref > 1) {
		if (dirty && (f->flags & FI_SLOT)) /* its writes are now seen by no entry */
			*slot = detach_slot(pfn);
		return drop_one(f);
	}
	if (f->pin > 0)
		return -E_BUSY;
	if (f->flags & FI_SLOT)
		*slot = detach_slot(pfn);
	give_now(pfn);
	return 0;
}

int pt_frame_unref_mapping(paddr_t pa, bool dirty, uint32_t *slot)
{
	if (pt_one_cpu())
		return unref_mapping(pa, dirty, slot);
	pt_lock_take(&frames_lock);
	int rc = unref_mapping(pa, dirty, slot);
	pt_lock_give(&frames_lock);
	return rc;
}

/* pt_frame_unref_mapping's common case, with no slot to hand back and no dirty bit to read. */
static inline __attribute__((always_inline)) int unref_slotless(paddr_t pa)
{
	uint32_t pfn;
	int rc = used_pfn(pa, &pfn);

	if (rc < 0)
		return rc;
	if (fa.info[pfn].flags & FI_SLOT) /* shared or not: the caller's slow path decides */
		return -E_BUSY;
	return unref_pfn(pfn);
}

static int unref_slotless_call(paddr_t pa) { return unref_slotless(pa); }

int pt_frame_unref_slotless(paddr_t pa)
{
	return pt_one_cpu() ? unref_slotless(pa) : locked(unref_slotless_call, pa);
}

int pt_frame_unref_slotless_alone(paddr_t pa)
{
	return unref_slotless(pa);
}

int pt_frame_refcount(paddr_t pa)
{
	uint32_t pfn;
	int rc = owned_pfn(pa, &pfn);

	return rc < 0 ? rc : fa.info[pfn].ref;
}

/* Add one pin to frame pfn (up) or take one away, counting pinned user frames. */
static inline void change_pin(uint32_t pfn, bool up)
{
	struct frame_info *f = &fa.info[pfn];

	if (up)
		f->pin++;
	else
		f->pin--;
	if (zone_of(pfn) == ZONE_USER && f->pin == (up ? 1 : 0))
		pt_frame_public.user_pinned += up ? 1 : (uint32_t)-1;
}

static int pin(paddr_t pa)
{
	uint32_t pfn;
	int rc = used_pfn(pa, &pfn);

	if (rc < 0)
		return rc;
	if (fa.info[pfn].pin == UINT8_MAX)
		return -E_RANGE;
	change_pin(pfn, true);
	return 0;
}

int pt_frame_pin(paddr_t pa)
{
	return pt_one_cpu() ? pin(pa) : locked(pin, pa);
}

static int unpin(paddr_t pa)
{
	uint32_t pfn;
	int rc = used_pfn(pa, &pfn);

	if (rc < 0)
		return rc;
	if (fa.info[pfn].pin == 0)
		return -E_INVAL;
	change_pin(pfn, false);
	return 0;
}

int pt_frame_unpin(paddr_t pa)
{
	return pt_one_cpu() ? unpin(pa) : locked(unpin, pa);
}

/*
 * Whether every frame of [pfn, pfn + n) is in use and can take one more
 * pin (`pin`), or has one to give back.  0 or the error of the first that
 * cannot.
 */
static int check_pins(uint32_t pfn, uint32_t n, bool pin)
{
	for (uint32_t i = 0; i < n; i++) {
		int rc = pfn_in_use(pfn + i);
		if (rc < 0)
			return rc;
		if (pin && fa.info[pfn + i].pin == UINT8_MAX)
			return -E_RANGE;
		if (!pin && fa.info[pfn + i].pin == 0)
			return -E_INVAL;
	}
	return 0;
}

static int pin_run(paddr_t pa, uint32_t n)
{
	int rc;

	if (!IS_ALIGNED(pa, PAGE_SIZE))
		return -E_INVAL;
	if ((rc = check_pins(pa_to_pfn(pa), n, true)) < 0)
		return rc;
	for (uint32_t i = 0; i < n; i++)
		change_pin(pa_to_pfn(pa) + i, true);
	return 0;
}

int pt_frame_pin_run(paddr_t pa, uint32_t n)
{
	return pt_one_cpu() ? pin_run(pa, n) : locked_run(pin_run, pa, n);
}

static int unpin_run(paddr_t pa, uint32_t n)
{
	int rc;

	if (!IS_ALIGNED(pa, PAGE_SIZE))
		return -E_INVAL;
	if ((rc = check_pins(pa_to_pfn(pa), n, false)) < 0)
		return rc;
	for (uint32_t i = 0; i < n; i++)
		change_pin(pa_to_pfn(pa) + i, false);
	return 0;
}

int pt_frame_unpin_run(paddr_t pa, uint32_t n)
{
	return pt_one_cpu() ? unpin_run(pa, n) : locked_run(unpin_run, pa, n);
}

int pt_frame_free_pinned_run(paddr_t pa, uint32_t n)
{
	uint32_t pfn = pa_to_pfn(pa);

	if (!IS_ALIGNED(pa, PAGE_SIZE) || n == 0)
		return -E_INVAL;
	for (uint32_t i = 0; i < n; i++) { /* all or nothing, as pt_frame_free_run */
		const struct frame_info *f = &fa.info[pfn + i];
		if (!pfn_owned(pfn + i))
			return -E_NOTOWN;
		if (f->ref != 1 || f->pin != 1) /* a free frame has no reference */
			return f->ref == 0 ? -E_FREE : -E_BUSY;
	}
	give_back_run(pfn, n, true);
	return 0;
}

int pt_frame_pincount(paddr_t pa)
{
	uint32_t pfn;
	int rc = owned_pfn(pa, &pfn);

	return rc < 0 ? rc : fa.info[pfn].pin;
}

/* ---- what the pager keeps per user frame ------------------------------ */

/* The pfn of pa if it is a user frame in use, else 0 (no user frame is pfn 0). */
static uint32_t user_pfn(paddr_t pa)
{
	uint32_t pfn;

	if (used_pfn(pa, &pfn) < 0 || pfn < fa.kzone_end)
		return 0;
	return pfn;
}

uint32_t pt_frame_slot(paddr_t pa)
{
	uint32_t pfn = user_pfn(pa);

	return pfn ? fa.slots[pfn - fa.kzone_end] : 0;
}

bool pt_frame_copy_shared(paddr_t pa)
{
	uint32_t pfn = user_pfn(pa);

	return pfn && (fa.info[pfn].flags & FI_SHARED_COPY);
}

static int keep_slot(paddr_t pa, uint32_t slot, bool shared)
{
	uint32_t pfn = user_pfn(pa);

	if (!pfn || slot == 0 || (shared && fa.info[pfn].ref < 2))
		return -E_INVAL;
	if (fa.info[pfn].flags & FI_SLOT)
		return -E_EXIST;
	fa.slots[pfn - fa.kzone_end] = slot;
	fa.info[pfn].flags |= (uint8_t)(FI_SLOT | (shared ? FI_SHARED_COPY : 0));
	return 0;
}

uint32_t pt_frame_ref_copy(paddr_t pa)
{
	pt_lock_take(&frames_lock);
	uint32_t pfn = user_pfn(pa), slot = 0;
	if (pfn && (fa.info[pfn].flags & FI_SHARED_COPY) && pt_swap_ref(fa.slots[pfn - fa.kzone_end]) == 0)
		slot = fa.slots[pfn - fa.kzone_end];
	pt_lock_give(&frames_lock);
	return slot;
}

int pt_frame_keep_slot(paddr_t pa, uint32_t slot, bool shared)
{
	pt_lock_take(&frames_lock);
	int rc = keep_slot(pa, slot, shared);
	pt_lock_give(&frames_lock);
	return rc;
}

uint32_t pt_frame_take_slot(paddr_t pa)
{
	pt_lock_take(&frames_lock);
	uint32_t pfn = user_pfn(pa);
	uint32_t slot = pfn && (fa.info[pfn].flags & FI_SLOT) ? detach_slot(pfn) : 0;
	pt_lock_give(&frames_lock);
	return slot;
}

int pt_frame_set_io(paddr_t pa)
{
	uint32_t pfn;

	pt_lock_take(&frames_lock);
	int rc = used_pfn(pa, &pfn);
	if (rc == 0)
		fa.info[pfn].flags |= FI_IO;
	pt_lock_give(&frames_lock);
	return rc;
}

void pt_frame_end_io(paddr_t pa)
{
	pt_lock_take(&frames_lock);
	fa.info[pa_to_pfn(pa)].flags &= (uint8_t)~FI_IO;
	pt_lock_give(&frames_lock);
}

bool pt_frame_evictable(paddr_t pa)
{
	uint32_t pfn = user_pfn(pa);
	const struct frame_info *f = &fa.info[pfn];

	return pfn && f->ref == 1 && f->pin == 0 && !(f->flags & FI_IO);
}

bool pt_frame_next_kept(paddr_t *pa, uint32_t *slot)
{
	for (uint32_t pfn = MAX(pa_to_pfn(*pa), fa.kzone_end); pfn < fa.nframes; pfn++) {
		if (fa.info[pfn].flags & FI_SLOT) {
			*pa = pfn_to_pa(pfn);
			*slot = fa.slots[pfn - fa.kzone_end];
			return true;
		}
	}
	return false;
}


/* ---- queries ------------------------------------------------------- */

bool pt_frame_owned(paddr_t pa)
{
	uint32_t pfn;
	return owned_pfn(ALIGN_DOWN(pa, PAGE_SIZE), &pfn) == 0;
}

bool pt_frame_any_free(paddr_t pa, uint32_t n)
{
	uint32_t from = pa_to_pfn(pa);
	uint32_t end = (uint32_t)MIN((uint64_t)from + n, (uint64_t)pt_frame_public.nframes);

	if (from >= end) /* always, over a source of one's own: no bitmap */
		return false;
	/*
	 * An owned frame is free exactly when its bit is set, and a frame not
	 * owned never is: OR the words of the range, without a branch per word.
	 */
	uint32_t first = from / 32, last = (end - 1) / 32;
	uint32_t lo = ~MASK(from % 32), hi = ~0u >> (31 - (end - 1) % 32);
	if (first == last)
		return bi.bitmap[first] & lo & hi;
	uint32_t any = (bi.bitmap[first] & lo) | (bi.bitmap[last] & hi);
	for (uint32_t w = first + 1; w < last; w++)
		any |= bi.bitmap[w];
	return any != 0;
}

bool pt_frame_in_kzone(paddr_t pa) { return pa_to_pfn(pa) < fa.kzone_end; }
paddr_t pt_frame_kzone_end(void) { return pfn_to_pa(fa.kzone_end); }
uint32_t pt_frame_alloc_calls(void) { return fa.alloc_calls; }
uint16_t *pt_frame_kzone_words(void) { return fa.words; }
void pt_frame_fail_nth(uint32_t n) { fa.fail_nth = n; }

void pt_frame_metadata(paddr_t *base, uint32_t *nframes)
{
	*base = fa.meta_base;
	*nframes = fa.meta_frames;
}

uint32_t pt_frame_free_count(enum zone z)
{
	if (z >= ZONE_COUNT || !fa.src)
		return 0;
	return builtin() ? bi.free[z] : fa.src->free_count(z);
}

uint32_t pt_frame_total_count(enum zone z)
{
	if (z >= ZONE_COUNT || !fa.src)
		return 0;
	return builtin() ? bi.total[z] : fa.held[z] + fa.src->free_count(z);
}

bool pt_frame_free_runs_known(void)
{
	return fa.src && fa.src->next_free_run;
}

bool pt_frame_next_free_run(paddr_t *pa, uint32_t *n)
{
	return pt_frame_free_runs_known() && fa.src->next_free_run(pa, n);
}

/* ---- setting up ---------------------------------------------------- */

#define ADDR_LIMIT (1ull << 32) /* no frame lies at or above 4 GiB */

/* The end of a region, cut at 4 GiB (a made-up map may even wrap 64 bits). */
static uint64_t region_end(const struct mem_region *r)
{
	if (r->base >= ADDR_LIMIT || r->len >= ADDR_LIMIT - r->base)
		return ADDR_LIMIT;
	return r->base + r->len;
}

/* The frames [first, last) wholly inside the region (an available one). */
static void clip_region(const struct mem_region *r, uint64_t *first, uint64_t *last)
{
	uint64_t base = MIN(r->base, ADDR_LIMIT);

	*first = (base + PAGE_MASK) >> PAGE_SHIFT;
	*last = region_end(r) >> PAGE_SHIFT;
	if (*last < *first)
		*last = *first;
}

/* One past the last available frame below 4 GiB. */
static uint32_t top_pfn(const struct mem_region *map, size_t n)
{
	uint64_t top = 0, first, last;

	for (size_t i = 0; i < n; i++) {
		if (map[i].type != MEM_AVAILABLE)
			continue;
		clip_region(&map[i], &first, &last);
		if (last > first)
			top = MAX(top, last);
	}
	return (uint32_t)top;
}

paddr_t pt_frame_choose_kzone_end(const struct mem_region *map, size_t n, paddr_t requested)
{
	uint64_t top = (uint64_t)top_pfn(map, n) << PAGE_SHIFT;
	/* the default ends on a page-table boundary: its last kernel table is full */
	uint64_t x = requested ? ALIGN_UP((uint64_t)requested, (uint64_t)PAGE_SIZE)
			       : ALIGN_UP(MAX(top / 4, (uint64_t)KZONE_MIN), (uint64_t)PDE_SPAN);

	x = MIN(x, top);
	return (paddr_t)MIN(x, (uint64_t)KZONE_LIMIT);
}

/* The frames [lo, hi) a reserved region touches (rounded outward; none if empty). */
static void reserved_span(const struct mem_region *r, uint64_t *lo, uint64_t *hi)
{
	*lo = MIN(r->base, ADDR_LIMIT) >> PAGE_SHIFT;
	*hi = (region_end(r) + PAGE_MASK) >> PAGE_SHIFT;
	if (r->len == 0 || *hi < *lo)
		*hi = *lo;
}

/* Mark the owned frames: available regions, minus reserved ones and the low 1 MiB. */
static void mark_owned(const struct mem_region *map, size_t n)
{
	uint64_t first, last;

	for (size_t i = 0; i < n; i++) {
		if (map[i].type != MEM_AVAILABLE)
			continue;
		clip_region(&map[i], &first, &last);
		for (uint64_t p = first; p < last && p < fa.nframes; p++)
			fa.info[p].flags |= FI_OWNED;
	}
	for (size_t i = 0; i < n; i++) { /* reserved wins where regions overlap */
		if (map[i].type == MEM_AVAILABLE)
			continue;
		reserved_span(&map[i], &first, &last);
		for (uint64_t p = first; p < last && p < fa.nframes; p++)
			fa.info[p].flags &= (uint8_t)~FI_OWNED;
	}
}

/*
 * If [p, p + need) overlaps a reserved region, the first frame after that
 * region; otherwise p.
 */
static uint64_t skip_reserved(const struct mem_region *map, size_t n, uint64_t p, uint32_t need)
{
	uint64_t lo, hi;

	for (size_t i = 0; i < n; i++) {
		if (map[i].type == MEM_AVAILABLE)
			continue;
		reserved_span(&map[i], &lo, &hi);
		if (lo < p + need && p < hi)
			return hi;
	}
	return p;
}

/*
 * The first run of `need` frames in [from, to) that the map says is
 * available; 0 if there is none.
 */
static uint32_t place_metadata(const struct mem_region *map, size_t n, uint32_t from,
			       uint32_t to, uint32_t need)
{
	uint64_t first, last, best = 0;

	for (size_t i = 0; i < n; i++) {
		if (map[i].type != MEM_AVAILABLE)
			continue;
		clip_region(&map[i], &first, &last);
		uint64_t p = MAX(first, (uint64_t)from);
		last = MIN(last, (uint64_t)to);
		for (uint64_t q; p + need <= last && (q = skip_reserved(map, n, p, need)) != p;)
			p = q;
		if (p + need <= last && (best == 0 || p < best))
			best = p;
	}
	return (uint32_t)best;
}

static uint32_t metadata_bytes(uint32_t nframes, uint32_t kzone)
{
	uint32_t bytes = nframes * (uint32_t)sizeof(struct frame_info);

	bytes += DIV_ROUND_UP(nframes, 32) * 4;
	bytes += (nframes - kzone) * 4;
	bytes += ALIGN_UP(kzone * (uint32_t)sizeof(uint16_t), 4);
	return bytes + (nframes - kzone) * (uint32_t)sizeof(uint32_t);
}

static void disown(uint32_t from, uint32_t to)
{
	for (uint32_t p = from; p < to && p < fa.nframes; p++)
		fa.info[p].flags &= (uint8_t)~FI_OWNED;
}

/* Hand every owned frame to the built-in source's free lists. */
static void release_owned(void)
{
	for (uint32_t p = fa.nframes; p-- > 0;) { /* stack pops the lowest first */
		if (!(fa.info[p].flags & FI_OWNED))
			continue;
		bi.total[zone_of(p)]++;
		bi_give(p);
	}
}

/* fa and bi as a new core over src, its metadata (need frames) at meta; all zero. */
static void reset(const struct pt_frame_source *src, uint32_t top, uint32_t kzone, uint32_t meta,
		  uint32_t need)
{
	memset(&fa, 0, sizeof(fa));
	memset(&bi, 0, sizeof(bi));
	fa.src = src;
	fa.lent = src != &builtin_source;
	fa.nframes = top;
	fa.kzone_end = kzone;
	fa.meta_base = pfn_to_pa(meta);
	fa.meta_frames = need;
	fa.info = hw_phys(fa.meta_base);
	memset(fa.info, 0, (size_t)need * PAGE_SIZE);
	pt_frame_public = (struct pt_frame_public){ NULL, 0, 0, NULL };
}

int pt_frame_init(const struct mem_region *map, size_t n, paddr_t kimg_start, paddr_t kimg_end,
	       paddr_t kzone_end)
{
	uint32_t low = pa_to_pfn(FRAME_LOW_RESERVED);
	uint32_t top = top_pfn(map, n);

	/* everything is checked before fa is touched: a failed call changes nothing */
	if (top <= low || !IS_ALIGNED(kzone_end, PAGE_SIZE) || kzone_end > KZONE_LIMIT ||
	    kimg_end < kimg_start)
		return -E_INVAL;
	uint32_t kzone = MIN(pa_to_pfn(kzone_end), top);
	uint32_t need = DIV_ROUND_UP(metadata_bytes(top, kzone), PAGE_SIZE);
	uint32_t kend = (uint32_t)(((uint64_t)kimg_end + PAGE_MASK) >> PAGE_SHIFT);
	uint32_t meta = place_metadata(map, n, MAX(low, kend), kzone, need);
	if (meta == 0)
		return -E_NOMEM;

	reset(&builtin_source, top, kzone, meta, need);
	bi.bitmap = (uint32_t *)(fa.info + fa.nframes);
	bi.stack = bi.bitmap + DIV_ROUND_UP(fa.nframes, 32);
	pt_frame_public = (struct pt_frame_public){ bi.bitmap, fa.nframes, 0, bi.free };
	fa.words = (uint16_t *)(bi.stack + (fa.nframes - kzone));
	fa.slots = (uint32_t *)(fa.words + ALIGN_UP(kzone, 2));

	mark_owned(map, n);
	disown(0, low);
	disown(pa_to_pfn(kimg_start), kend);
	disown(meta, meta + need);
	release_owned();
	return 0;
}

/* The core's own metadata over a source of one's own: metadata_bytes without the built-in parts. */
static uint32_t core_bytes(uint32_t nframes, uint32_t kzone)
{
	uint32_t bytes = nframes * (uint32_t)sizeof(struct frame_info);

	bytes += ALIGN_UP(kzone * (uint32_t)sizeof(uint16_t), 4);
	return bytes + (nframes - kzone) * (uint32_t)sizeof(uint32_t);
}

/* Whether src has every hook pagetrack calls (next_free_run may be missing). */
static bool source_complete(const struct pt_frame_source *src)
{
	return src && src->take && src->take_run && src->extend_run && src->give &&
	       src->give_run && src->free_count;
}

int pt_frame_init_source(const struct pt_frame_source *src, paddr_t top, paddr_t kzone_end)
{
	uint32_t low = pa_to_pfn(FRAME_LOW_RESERVED), ntop = pa_to_pfn(top);
	paddr_t pa;

	if (!source_complete(src) || ntop <= low || !IS_ALIGNED(kzone_end, PAGE_SIZE) ||
	    kzone_end > KZONE_LIMIT || pa_to_pfn(kzone_end) <= low)
		return -E_INVAL;
	uint32_t kzone = MIN(pa_to_pfn(kzone_end), ntop);
	uint32_t need = DIV_ROUND_UP(core_bytes(ntop, kzone), PAGE_SIZE);
	if (src->take_run(need, &pa) < 0)
		return -E_NOMEM;
	uint32_t meta = pa_to_pfn(pa);
	if (!IS_ALIGNED(pa, PAGE_SIZE) || meta < low || meta >= kzone || need > kzone - meta) {
		src->give_run(pa, need); /* not where the core can reach it: nothing changes */
		return -E_INVAL;
	}
	reset(src, ntop, kzone, meta, need);
	fa.words = (uint16_t *)(fa.info + fa.nframes);
	fa.slots = (uint32_t *)(fa.words + ALIGN_UP(kzone, 2));
	return 0;
}

/* ---- checking ------------------------------------------------------ */

static int broken(const char *what, uint32_t pfn)
{
	kprintf("pt_frame_check: %s (frame 0x%x)\n", what, pfn_to_pa(pfn));
	return -E_INVAL;
}

/*
 * Whether every entry of the free stack is a free user frame, met once.
 * Marks the frames it meets with FI_SEEN and clears the marks again.
 */
static int check_stack(void)
{
	int rc = 0;
	uint32_t i;

	for (i = 0; i < bi.stack_len && rc == 0; i++) {
		uint32_t p = bi.stack[i];
		if (p >= fa.nframes || p < fa.kzone_end || !is_free(p))
			rc = broken("the free stack holds a frame that is not a free user frame",
				    p);
		else if (fa.info[p].flags & FI_SEEN)
			rc = broken("a frame is on the free stack twice", p);
		else
			fa.info[p].flags |= FI_SEEN;
	}
	while (i-- > 0)
		if (bi.stack[i] < fa.nframes)
			fa.info[bi.stack[i]].flags &= (uint8_t)~FI_SEEN;
	return rc;
}

/* What the pager keeps on frame p (an owned frame) agrees with its state. */
static int check_pager_marks(uint32_t p)
{
	const struct frame_info *fi = &fa.info[p];
	bool user = zone_of(p) == ZONE_USER;
	uint32_t slot = user ? fa.slots[p - fa.kzone_end] : 0;

	if (fi->flags & FI_IO)
		return broken("a frame is under I/O between operations", p);
	if ((fi->flags & FI_SLOT) && (!user || fi->ref == 0 || slot == 0))
		return broken("a frame keeps a slot but is no user frame in use, or the slot is 0", p);
	if (!(fi->flags & FI_SLOT) && slot != 0)
		return broken("a frame that keeps no slot has a slot number", p);
	if ((fi->flags & FI_SHARED_COPY) && (!(fi->flags & FI_SLOT) || fi->ref < 2))
		return broken("a frame has a shared copy but keeps no slot or is not shared", p);
	return 0;
}

/* An owned frame p of the built-in source: its free bit agrees with what the core keeps. */
static int check_builtin_frame(uint32_t p, uint32_t *free)
{
	const struct frame_info *fi = &fa.info[p];

	if (is_free(p) && (fi->ref != 0 || fi->pin != 0))
		return broken("a free frame has references or pins", p);
	if (!is_free(p) && fi->ref == 0)
		return broken("a frame in use has no reference", p);
	if (is_free(p) && zone_of(p) == ZONE_KERNEL && p / 32 < bi.khint)
		return broken("a free kernel frame lies below the search hint", p);
	if (is_free(p))
		free[zone_of(p)]++;
	return 0;
}

/* A frame p the core holds over a source of one's own: in use, where a lent frame may be. */
static int check_lent_frame(uint32_t p, uint32_t *held)
{
	uint32_t meta = pa_to_pfn(fa.meta_base);

	if (fa.info[p].ref == 0)
		return broken("a frame the core holds has no reference", p);
	if (p < pa_to_pfn(FRAME_LOW_RESERVED) || (p >= meta && p - meta < fa.meta_frames))
		return broken("the core holds a frame below 1 MiB or of its metadata", p);
	held[zone_of(p)]++;
	return 0;
}

/* The built-in source's counts and stack agree with its bitmap (free: counted by the walk). */
static int check_builtin_counts(const uint32_t *free)
{
	for (int z = 0; z < ZONE_COUNT; z++)
		if (free[z] != bi.free[z])
			return broken(z == ZONE_KERNEL ? "kernel free count is wrong"
						       : "user free count is wrong", 0);
	if (bi.stack_len != bi.free[ZONE_USER])
		return broken("the free stack does not hold every free user frame", 0);
	return check_stack();
}

/* Frame p as the core keeps it; counts what it finds in count[] (free or held, by zone). */
static int check_frame(uint32_t p, uint32_t *count, uint32_t *user_pinned)
{
	const struct frame_info *fi = &fa.info[p];
	int rc;

	if (!(fi->flags & FI_OWNED)) {
		if (builtin() && is_free(p))
			return broken("a frame not owned is marked free", p);
		if (fi->ref != 0 || fi->pin != 0)
			return broken("a frame not owned has references or pins", p);
		return 0;
	}
	rc = builtin() ? check_builtin_frame(p, count) : check_lent_frame(p, count);
	if (rc == 0)
		rc = check_pager_marks(p);
	*user_pinned += zone_of(p) == ZONE_USER && fi->pin != 0;
	return rc;
}

/* pt_frame_check, the frame lock held. */
static int check_frames(void)
{
	uint32_t count[ZONE_COUNT] = { 0 }, user_pinned = 0;

	for (uint32_t p = 0; p < fa.nframes; p++) {
		int rc = check_frame(p, count, &user_pinned);
		if (rc < 0)
			return rc;
	}
	if (user_pinned != pt_frame_public.user_pinned)
		return broken("the count of pinned user frames is wrong", 0);
	if (!builtin() && (count[ZONE_KERNEL] != fa.held[ZONE_KERNEL] ||
			   count[ZONE_USER] != fa.held[ZONE_USER]))
		return broken("the count of frames the core holds is wrong", 0);
	return builtin() ? check_builtin_counts(count) : 0;
}

int pt_frame_check(void)
{
	pt_lock_take(&frames_lock); /* calls on other CPUs may take frames meanwhile (lock.h) */
	int rc = check_frames();
	pt_lock_give(&frames_lock);
	return rc;
}
