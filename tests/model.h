/*
 * model.h - a reference model of address spaces and frames, and the checks
 * that compare it with the core.
 *
 * The randomized tests (test_random.c, test_stress.c) and the fuzz target
 * (fuzz/fuzz_vm.c) each drive the core with their own mix of operations.
 * They share this model of what the core should hold, so that "what must
 * pt_vm_map return here, and what does it change" is written once:
 *
 *   spaces   nspaces slots, each free (h == -1) or holding the handle of an
 *            address space.  md.live is the slot of the live space, or -1
 *            when the master table is live.
 *
 *   pages    the same npages pages in every space, page i at va(i) (the
 *            test's layout: a few candidate addresses, or whole regions).
 *            Each is mapped or not; if mapped, to a frame, with its rights
 *            (user, write) and whether it is shared copy-on-write (write
 *            then says whether a write may copy it).  Pages outside the
 *            layout are never mapped.
 *
 *   frames   every frame of the allocator that a page maps or the test
 *            holds, with the references the core must count, and its data
 *            as three words: the first, the last, and the fill of every
 *            other word (tests write only the first and the last).  Device
 *            frames (the allocator does not own them) may be entered for
 *            their data alone; a frame entered nowhere is device memory the
 *            test never touches.
 *
 * References follow the core's rules (vmspace.h): a new frame comes with
 * one reference, the test's (md_new_frame, as pt_frame_alloc); mapping it
 * takes that reference over; a copy-on-write clone adds one for each
 * shared page; unmapping drops one, and the frame leaves the model with its
 * last.  Device frames have none.
 *
 * Paging out (pager.h) changes where a page's data is, never what it is or
 * what may be done with it, so a test may page out at any point and the
 * model follows (md_follow_swap, md_after_block_out): the entry of a page
 * whose data is in swap is keyed by its slot (md_slot_key: a slot, not a
 * frame), or, while its space's block is out and the slot cannot be
 * looked up without bringing it in, by a key of its own (MD_OUT).  Such a
 * page faults "not present" on any access; the fault (pt_vm_fault,
 * pt_vm_resolve) brings it back into a frame of its own, private, with its
 * rights, and the model follows that too.  A frame's entry counts the
 * references of the frame; a slot's counts the model's pages that name it
 * (the core's count adds the frame that keeps a clean copy).
 *
 * A run: md_start with the test's layout and storage (static arrays, so
 * that it runs in the kernel too), and md_seed for a randomized one.  Then,
 * for each operation: md_describe it, call the core, and hand what the call
 * returned to the matching md_after_*, which checks it against the model
 * and makes the model follow it.  Between operations, the md_check_* the
 * test chooses compare the model with the core.  Every md_after_* and
 * md_check_* returns true, or false after reporting the first disagreement
 * through the test's report function (MD_CHECK).  At the end,
 * md_destroy_all and the final checks.
 */
#ifndef PAGETRACK_MODEL_H
#define PAGETRACK_MODEL_H

#include "harness.h"
#include "types.h"
#include "vmspace.h"

#define MD_TABLES 16           /* page tables a layout may span */
#define MD_LAST_WORD (PAGE_SIZE - 4)
#define MD_MID_WORD 0x7F0u     /* a word standing for the fill */
#define MD_DIED 64             /* frames freed by one operation that are checked */

struct md_page {
	paddr_t pa;
	bool mapped, user, write, cow; /* write: may be written, or copied on a write */
};

struct md_space {
	int h; /* the handle, or -1: the slot is free */
	uint32_t nmapped;
	uint16_t in_table[MD_TABLES]; /* pages mapped under each page table of the layout */
	struct md_page *page;         /* npages of them */
};

/* Where an entry's data is: a frame, a slot, or a slot not known yet (its block is out). */
enum md_where { MD_FRAME, MD_SLOT, MD_OUT };

/* An entry of the frame table; a free entry is all zero. */
struct md_frame {
	paddr_t pa;  /* the frame, or a key: md_slot_key(slot), or one of MD_OUT's */
	bool used;
	bool device; /* not the allocator's: data only, no references */
	uint8_t where;
	uint32_t refs;
	uint32_t w0, wlast, fill;
};

/* The key of a slot's entry: never a frame's address (those are page aligned). */
static inline paddr_t md_slot_key(uint32_t slot) { return slot << 12 | 0x800; }

struct md_config {
	const char *name;                            /* in the trace: "fuzz" */
	uint32_t npages;                             /* the layout */
	vaddr_t (*va)(uint32_t i);
	int (*index)(vaddr_t va);                    /* the page at va, or -1; NULL: search */
	void (*read)(paddr_t pa, uint32_t w[3]);     /* a frame's words (md_kmap_read) */
	void (*read_slot)(uint32_t slot, uint32_t w[3]); /* a slot's words, or NULL: not read */
	void (*report)(const char *file, int line, const char *msg); /* (md_report_test) */
	struct md_space *spaces;
	uint32_t nspaces;
	struct md_page *pages;                       /* nspaces * npages */
	struct md_frame *frames;
	uint32_t nframes;                            /* a power of two; half may be in use */
};

struct md_counts {
	uint32_t user_free, kernel_free, block_pages, tracker_pages, spaces, kmap;
};

struct md_model {
	const struct md_config *cfg;
	struct md_space *sp;   /* cfg->spaces */
	int live;              /* the slot of the live space, or -1: the master */
	uint32_t seed, rng;    /* the seed of a randomized run, and its generator's state */
	uint32_t op;           /* the operation's number */
	char what[160];        /* what the operation does */
	bool trace;            /* print each operation as md_describe names it */
	uint32_t frames_used;  /* frames of the allocator in the model */
	uint32_t swapped;      /* entries whose data is in swap */
	uint32_t entries;      /* frames in the model, device frames and swap too */
	uint32_t out_keys;     /* MD_OUT keys handed out */
	paddr_t died[MD_DIED]; /* frames whose last reference went since md_check_frames */
	uint32_t ndied;
	uint32_t pde[MD_TABLES], ntables; /* the layout's page tables met so far */
	struct md_counts start;           /* the core's counts at md_start */
	uint32_t accesses, cow_breaks, zero_fills;
	int dead;              /* the handle of the space destroyed last, or -1 */
};

extern struct md_model md;

/* ---- a run ---------------------------------------------------------------- */

/*
 * Start with every slot free and no frame, storage cleared; note the free
 * counts, block and tracker pages, spaces and kmap slots the core has now.
 */
void md_start(const struct md_config *cfg);

/* Make the master live and destroy every space; the model drops their pages. */
bool md_destroy_all(void);

/* ---- randomness, for the randomized tests ------------------------------------- */

/* Start the generator (xorshift32) from seed: the same seed, the same run, on both platforms. */
void md_seed(uint32_t seed);

uint32_t md_rnd(void);

/* A number below n. */
uint32_t md_below(uint32_t n);

/* VM_WRITE and VM_USER, each half of the time. */
uint32_t md_random_flags(void);

/* An operation kind k, drawn with the chances weight[k] out of 100. */
uint32_t md_weighted(const uint8_t *weight);

/* ---- reporting ------------------------------------------------------------ */

/* Name the running operation, for failure messages and the trace. */
void md_describe(const char *fmt, ...) PRINTF_LIKE(1, 2);

/* Report a disagreement through the test's report function. */
void md_fail(const char *file, int line, const char *fmt, ...) PRINTF_LIKE(3, 4);

/* A report function for harness tests: the seed, the operation, what it does. */
void md_report_test(const char *file, int line, const char *msg);

#define MD_CHECK(cond, ...)                                                            \
	do {                                                                           \
		if (!(cond)) {                                                         \
			md_fail(__FILE__, __LINE__, __VA_ARGS__);                      \
			return false;                                                  \
		}                                                                      \
	} while (0)

/* rc is a variable holding what a call returned; want the expected value. */
#define MD_CHECK_RC(rc, want)                                                          \
	MD_CHECK((rc) == (want), "returned %d (%s), want %d (%s)", rc, err_name(rc), want,     \
		 err_name(want))

/* ---- slots and pages ------------------------------------------------------- */

/* The handle of slot s; 0, the master, for -1. */
int md_handle(int s);

/* The slots in use, in order, into list (unless NULL); returns how many. */
int md_used_slots(int *list);

/* The slot holding handle h, or -1. */
int md_slot_of(int h);

/* A handle a call just gave (if it gave one) is no slot's; it reads every slot. */
bool md_check_new_handle(int h);

/* Page i of slot s, and where it is. */
static inline struct md_page *md_page(int s, uint32_t i)
{
	return &md.sp[s].page[i];
}

vaddr_t md_va(uint32_t i);

/* The VM_xxx flags pt_vm_query reports for page p. */
uint32_t md_flags(const struct md_page *p);

/* What probe() must return for an access `how` to page p (NULL: none, the master is live). */
uint32_t md_predict(const struct md_page *p, uint32_t how);

/* Whether pt_vm_fault must resolve a fault with error err at p by breaking the sharing. */
bool md_breaks_cow(const struct md_page *p, uint32_t err);

/* Whether pt_vm_fault of err at p must take a frame: a copy-on-write copy, or a page in swap back. */
bool md_fault_allocates(const struct md_page *p, uint32_t err);

/* Whether [va, va + n pages) goes past the end of user space (in the identity layout, 4 GiB). */
bool md_wraps(vaddr_t va, uint32_t n);

/* What pt_vm_map_range of n pages from va must return in slot s, memory allowing. */
int md_want_map_range(int s, vaddr_t va, uint32_t n);

/* ---- frames ---------------------------------------------------------------- */

/* The model's frame at pa, or NULL. */
struct md_frame *md_frame(paddr_t pa);

/* Whether pa is a frame of the allocator that the model holds, or a page's data in swap. */
bool md_user_frame(paddr_t pa);

/* Whether page p's data is in swap (not in a frame). */
bool md_swapped(const struct md_page *p);

/* Whether page p is in a frame of the allocator: its frame may be referenced again. */
bool md_in_frame(const struct md_page *p);

/* The references the model expects on frame pa (0 if it does not hold it). */
uint32_t md_refs(paddr_t pa);

/* Enter pa, a frame the core just gave out, with one reference and every word `fill`. */
bool md_new_frame(paddr_t pa, uint32_t fill);

/* Enter a device frame of RAM whose every word is `fill`. */
bool md_device_frame(paddr_t pa, uint32_t fill);

/*
 * pt_frame_ref and pt_frame_unref of a frame the model holds: in the core and in
 * the model (the last reference lets go of a clean copy the frame keeps:
 * pt_frame_unref_mapping).
 */
bool md_ref(paddr_t pa);
void md_unref(paddr_t pa);

/* The word at offset off of frame pa, as the model has it; a write (off 0 or the last). */
uint32_t md_word(paddr_t pa, uint32_t off);
void md_write(paddr_t pa, uint32_t off, uint32_t v);

/*
 * A config's read, through kmap on both platforms: the words of frame pa at
 * 0, MD_MID_WORD and MD_LAST_WORD into w.
 */
void md_kmap_read(paddr_t pa, uint32_t w[3]);

/* ---- following the core ----------------------------------------------------- */

/* pt_vm_create returned h, to go in the free slot s (md_check_new_handle first, if wanted). */
bool md_after_create(int s, int h);

/*
 * pt_vm_destroy of slot s returned rc (-E_BUSY if it is live); its handle
 * then names nothing (pt_vm_query and pt_vm_activate refuse it).
 */
bool md_after_destroy(int s, int rc);

/* pt_vm_activate of slot s (-1: the master) returned rc. */
bool md_after_activate(int s, int rc);

/* pt_vm_clone of slot s returned h, to go in the free slot d. */
bool md_after_clone(int s, int d, enum vm_clone_mode mode, int h);

/* pt_vm_map of frame pa at page i of slot s returned rc; on success the page takes the reference. */
bool md_after_map(int s, uint32_t i, paddr_t pa, uint32_t flags, int rc);

/*
 * A whole map of a new frame, every word `fill`, at page i of slot s (for
 * tests that inject no failures): described, called, followed; the frame
 * is given back if pt_vm_map refuses it.
 */
bool md_map_new(int s, uint32_t i, uint32_t flags, uint32_t fill);

/* pt_vm_map_range of n frames from pa at va in slot s returned rc; likewise. */
bool md_after_map_range(int s, vaddr_t va, paddr_t pa, uint32_t n, uint32_t flags, int rc);

/* pt_vm_map_zero at page i of slot s returned rc; the new frame is learnt with pt_vm_query. */
bool md_after_map_zero(int s, uint32_t i, uint32_t flags, int rc);

bool md_after_unmap(int s, uint32_t i, int rc);
bool md_after_unmap_range(int s, vaddr_t va, uint32_t n, int rc);
bool md_after_protect(int s, vaddr_t va, uint32_t n, uint32_t flags, int rc);

/*
 * pt_vm_fault(va, err) at page i of slot s returned rc.  *broke: it resolved
 * the fault by breaking the sharing (the last owner keeps the frame, others
 * get a copy, learnt with pt_vm_query), so the access may be retried.
 */
bool md_after_fault(int s, uint32_t i, vaddr_t va, uint32_t err, int rc, bool *broke);

/*
 * Whether pt_vm_resolve of page i of slot s for an access `access` (PF_W,
 * PF_U), the kernel saying the page is demand-zero with rights zero_flags
 * (0: it is not), must allocate a frame: a zero fill, or a copy-on-write
 * copy of a frame others share.  -E_NOMEM is then allowed.
 */
bool md_resolve_allocates(int s, uint32_t i, uint32_t access, uint32_t zero_flags);

/*
 * pt_vm_resolve(va, access, zero_flags) at page i of slot s returned rc and
 * *pa: the address of va in the frame the access may now use, after the
 * sharing broken or a zeroed frame mapped (learnt with pt_vm_query), or
 * -E_FAULT for an access the page, or the demand-zero rights, refuse.
 */
bool md_after_resolve(int s, uint32_t i, vaddr_t va, uint32_t access, uint32_t zero_flags,
		      int rc, paddr_t pa);

/* ---- paging out ------------------------------------------------------------------ */

/*
 * The pager may have paged pages of slot s out (pt_pager_evict,
 * pt_pager_reclaim, a pt_pager_block_out that failed half way): follow what
 * pt_vm_iterate says, which brings the block in if it is out.  A page may
 * only have gone from a frame to a slot, or a slot be found for a page of
 * a block that was out; anything else is reported.
 */
bool md_follow_swap(int s);

/*
 * What pt_pager_block_out of slot s must return, memory and swap allowing:
 * -E_BUSY if it is live or maps device memory or a frame shared without
 * copy-on-write, else 0.
 */
int md_want_block_out(int s);

/* pt_pager_block_out of slot s returned rc: every page is in swap, or follow what went. */
bool md_after_block_out(int s, int rc);

/* An access to page p at offset off that probe() allowed: a write is kept, a read checked. */
bool md_access_done(const struct md_page *p, uint32_t off, uint32_t how, uint32_t wrote,
		    uint32_t val);

/* Retry at va an access the kernel just resolved: the model allows it, and it succeeds. */
bool md_retry(const struct md_page *p, vaddr_t va, uint32_t off, uint32_t how, uint32_t wrote);

/*
 * What the test's kernel does when an access faults, for md_access: handle
 * the fault with error err at va (page i of slot s), check what it did
 * against the model, and set *retry if the access may now be made again.
 */
typedef bool (*md_resolve_fn)(int s, uint32_t i, vaddr_t va, uint32_t err, bool *retry);

/*
 * An access `how` (PROBE_xxx) at offset off of page i in the live slot s
 * (-1: the master is live), writing `wrote`: probe() must do what the model
 * predicts; a fault goes to resolve, and a resolved one is made again.
 */
bool md_access(int s, uint32_t i, uint32_t off, uint32_t how, uint32_t wrote,
	       md_resolve_fn resolve);

/*
 * A probe of kernel memory that pick chooses: the null page, a kmap slot
 * not in use, or the live block (supervisor reads only), at either level.
 */
bool md_kernel_probe(uint32_t pick);

/* ---- bad arguments ----------------------------------------------------------- */

/*
 * The calls with bad arguments that every test makes the same way: each
 * must return its error and change nothing (the checks the test runs
 * after it say so).  The test chooses the arguments from its layout and
 * its randomness; `pick` chooses among the variants of a kind.
 */
struct md_bad {
	int s;          /* a slot in use */
	vaddr_t va;     /* a page of the layout */
	paddr_t pa;     /* a frame a call may name; no call maps it */
	uint32_t flags; /* good VM_xxx flags */
	uint32_t pick;  /* random bits */
};

#define MD_BAD_KINDS 23

/* Make the bad call `kind` (below MD_BAD_KINDS, a row of model.c's bad_calls); check its error. */
bool md_bad_call(uint32_t kind, const struct md_bad *a);

/* ---- checks ------------------------------------------------------------------- */

/* The live address space is the model's. */
bool md_check_live(void);

/* pt_vm_query of every page of slot s: what it maps, with which flags, or -E_NOENT. */
bool md_check_pages(int s);

/* The reference count of every frame of the allocator that slot s maps. */
bool md_check_page_refs(int s);

/*
 * pt_vm_iterate of slot s lists, in address order, what the model maps and
 * nothing else; pt_vm_info counts as many pages and the page tables they need,
 * in a block not much larger.
 */
bool md_check_listing(int s);

/* pt_vm_translate and pt_vm_query of page i of slot s at offset off. */
bool md_check_translate(int s, uint32_t i, uint32_t off);

/*
 * The reference count of every frame of the allocator in the model, and
 * that each frame it dropped since the last call is free.
 */
bool md_check_frames(void);

/*
 * The free counts of both zones against the frames the model holds and the
 * block and tracker pages added since md_start; the spaces; the kmap slots.
 */
bool md_check_counts(void);

/* The three words of every frame in the model, through cfg->read. */
bool md_check_data(void);

/* The model holds no frame of the allocator. */
bool md_check_no_frames(void);

/*
 * On a machine of the test's own: every user frame is free, and the kernel
 * zone, the tracker and block pages are as they were at md_start, with no
 * address space.
 */
bool md_check_as_booted(void);

#endif
