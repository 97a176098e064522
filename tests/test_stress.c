/*
 * test_stress.c (host) - load: 1,000,000 random operations across 5,000
 * address spaces, checked against a light model as they go, with the
 * invariant checker every 10,000 operations and every frame free at the
 * end.
 *
 * The machine is bigger than the other suites' (STRESS_RAM_MIB, a kernel
 * zone of STRESS_KZONE_MIB): 5,000 blocks and their tracker pages fill
 * tens of thousands of kernel-zone frames.  All 5,000 spaces are created
 * first; from then on an operation picks one at random:
 *
 *   recreate      destroy it and create a new one in its place
 *   map, map_zero, unmap, unmap_range, protect   one of NCAND pages
 *   clone         copy-on-write or eager, into another slot (destroyed first)
 *   activate      make it live
 *   access        a read or a write through the model MMU in the live
 *                 space (a write to a copy-on-write page goes to vm_fault
 *                 and is retried, as a kernel would)
 *   bad           a call with a bad argument, which must change nothing
 *
 * The model keeps each space's NCAND pages (frame and rights), each user
 * frame's reference count and first word.  Each operation's result is
 * checked, and the space it touched is compared with the model; every
 * CHECK_EVERY operations vm_check() runs and every space and the free
 * counts are compared.  The candidate pages lie in five 4 MiB regions, so
 * blocks grow, move and shrink throughout.
 *
 * A failure names the seed and the operation's number: set stress_seed and
 * stress_ops from a debugger to replay a run.
 */
#include "check.h"
#include "fixture.h"
#include "frame.h"
#include "kmap.h"
#include "probe.h"
#include "seam.h"
#include "suites.h"
#include "tracker.h"
#include "vmspace.h"

uint32_t stress_seed = 0x5EED1234u;
uint32_t stress_ops = 1000000;
bool stress_print_stats; /* for a debugger to set */

#define STRESS_RAM_MIB 512
#define STRESS_KZONE_MIB 256
#define NSPACES 5000
#define CHECK_EVERY 10000u
#define NCAND 8
#define NPFN (MiB(STRESS_RAM_MIB) / PAGE_SIZE)

#define SP_MAPPED BIT(0)
#define SP_USER BIT(1)
#define SP_WRITE BIT(2)
#define SP_COW BIT(3)

static const vaddr_t cand_va[NCAND] = { 0x40000000u, 0x40001000u, 0x403FF000u, 0x40400000u,
					0x80000000u, 0x80001000u, 0xBFFFF000u, 0xFFFFF000u };

struct spage {
	paddr_t pa;
	uint8_t f;
};

struct sspace {
	int h;
	struct spage page[NCAND];
};

enum { S_RECREATE, S_MAP, S_MAP_ZERO, S_UNMAP, S_UNMAP_RANGE, S_PROTECT, S_CLONE_COW,
       S_CLONE_EAGER, S_ACTIVATE, S_ACCESS, S_BAD, S_KINDS };

/* Out of every 100 operations. */
static const uint8_t weight[S_KINDS] = { 5, 16, 8, 12, 4, 8, 3, 2, 5, 34, 3 };

static struct {
	uint32_t rng, op;
	struct sspace sp[NSPACES];
	uint32_t refs[NPFN];
	uint32_t word[NPFN];
	int live; /* the slot of the live space, or -1 */
	uint32_t user_used;
	uint32_t user_free0, kernel_free0, block_pages0, tracker_pages0;
	uint32_t done[S_KINDS], cow_breaks, checks;
} st;

static char what[96];

struct text {
	char *buf;
	size_t size, len;
};

static void text_putc(char c, void *ctx)
{
	struct text *t = ctx;

	if (t->len + 1 < t->size)
		t->buf[t->len++] = c;
}

static void describe(const char *fmt, ...) PRINTF_LIKE(1, 2);

/* What the running operation does, for failure messages. */
static void describe(const char *fmt, ...)
{
	struct text t = { what, sizeof(what), 0 };
	va_list ap;

	va_start(ap, fmt);
	kvformat(text_putc, &t, fmt, ap);
	va_end(ap);
	what[t.len] = '\0';
}

static void sfail(int line, const char *fmt, ...) PRINTF_LIKE(2, 3);

static void sfail(int line, const char *fmt, ...)
{
	static char msg[256];
	struct text t = { msg, sizeof(msg), 0 };
	va_list ap;

	va_start(ap, fmt);
	kvformat(text_putc, &t, fmt, ap);
	va_end(ap);
	msg[t.len] = '\0';
	test_fail(__FILE__, line, "seed 0x%08x op %u (%s): %s", stress_seed, st.op, what, msg);
}

#define SCHECK(cond, ...)                                                              \
	do {                                                                           \
		if (!(cond)) {                                                         \
			sfail(__LINE__, __VA_ARGS__);                                  \
			return false;                                                  \
		}                                                                      \
	} while (0)

#define SCHECK_RC(rc, want)                                                            \
	SCHECK((rc) == (want), "returned %d (%s), want %d (%s)", rc, err_name(rc), want,       \
	       err_name(want))

/* ---- randomness and the model ---------------------------------------------------------- */

static uint32_t rnd(void)
{
	uint32_t x = st.rng;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	return st.rng = x;
}

static uint32_t below(uint32_t n)
{
	return rnd() % n;
}

static uint32_t random_flags(void)
{
	uint32_t r = below(4);

	return ((r & 1) ? VM_WRITE : 0) | ((r & 2) ? VM_USER : 0);
}

static bool owned(paddr_t pa)
{
	return pa >= frame_kzone_end() && pa < MiB(STRESS_RAM_MIB);
}

static void hold(paddr_t pa)
{
	if (st.refs[pa / PAGE_SIZE]++ == 0)
		st.user_used++;
}

static void drop(paddr_t pa)
{
	if (--st.refs[pa / PAGE_SIZE] == 0)
		st.user_used--;
}

static uint32_t sp_flags(uint32_t flags)
{
	return SP_MAPPED | ((flags & VM_USER) ? SP_USER : 0) | ((flags & VM_WRITE) ? SP_WRITE : 0);
}

static uint32_t vm_flags_of(const struct spage *p)
{
	return ((p->f & SP_USER) ? VM_USER : 0) | ((p->f & SP_WRITE) ? VM_WRITE : 0) |
	       ((p->f & SP_COW) ? VM_COW : 0);
}

static void page_set(struct spage *p, paddr_t pa, uint32_t f)
{
	*p = (struct spage){ pa, (uint8_t)f };
	hold(pa);
}

static void page_clear(struct spage *p)
{
	if (p->f & SP_MAPPED)
		drop(p->pa);
	*p = (struct spage){ 0, 0 };
}

/* The first word of frame pa, through kmap. */
static uint32_t frame_word(paddr_t pa)
{
	vaddr_t va = kmap(pa);
	uint32_t w = *(uint32_t *)hw_kva(va);

	kunmap(va);
	return w;
}

/* A slot other than the live one. */
static int pick_not_live(void)
{
	int s = (int)below(NSPACES);

	return s == st.live ? (s + 1) % NSPACES : s;
}

/* ---- checks ---------------------------------------------------------------------------- */

static bool check_space(int s)
{
	const struct sspace *sp = &st.sp[s];
	struct vm_mapping q;

	for (uint32_t c = 0; c < NCAND; c++) {
		const struct spage *p = &sp->page[c];
		int rc = vm_query(sp->h, cand_va[c], &q);
		if (!(p->f & SP_MAPPED)) {
			SCHECK(rc == -E_NOENT, "space %d 0x%x: query returned %d, want E_NOENT", sp->h,
			       cand_va[c], rc);
			continue;
		}
		SCHECK(rc == 0 && q.pa == p->pa && q.flags == vm_flags_of(p),
		       "space %d 0x%x: query returned %d, 0x%x flags 0x%x; want 0x%x flags 0x%x",
		       sp->h, cand_va[c], rc, q.pa, q.flags, p->pa, vm_flags_of(p));
		SCHECK(frame_refcount(p->pa) == (int)st.refs[p->pa / PAGE_SIZE],
		       "frame 0x%x has %d references, want %u", p->pa, frame_refcount(p->pa),
		       st.refs[p->pa / PAGE_SIZE]);
	}
	return true;
}

/* The first word of every frame slot s maps, read through kmap. */
static bool check_data(int s)
{
	for (uint32_t c = 0; c < NCAND; c++) {
		const struct spage *p = &st.sp[s].page[c];
		if (!(p->f & SP_MAPPED))
			continue;
		uint32_t w = frame_word(p->pa);
		SCHECK(w == st.word[p->pa / PAGE_SIZE], "frame 0x%x holds 0x%x, want 0x%x", p->pa,
		       w, st.word[p->pa / PAGE_SIZE]);
	}
	return true;
}

static bool check_counts(void)
{
	struct vm_stats s;

	vm_get_stats(&s);
	SCHECK(frame_free_count(ZONE_USER) + st.user_used == st.user_free0,
	       "%u free user frames, with %u in use want %u", frame_free_count(ZONE_USER),
	       st.user_used, st.user_free0);
	SCHECK(frame_free_count(ZONE_KERNEL) + (s.block_pages - st.block_pages0) +
			       (s.tracker_pages - st.tracker_pages0) == st.kernel_free0,
	       "%u free kernel frames do not match %u block pages and %u tracker pages",
	       frame_free_count(ZONE_KERNEL), s.block_pages, s.tracker_pages);
	SCHECK(s.spaces == NSPACES, "%u address spaces", s.spaces);
	SCHECK(kmap_in_use() == 0, "%u kmap slots in use", kmap_in_use());
	return true;
}

static bool check_everything(void)
{
	describe("the check after %u operations", st.op);
	st.checks++;
	SCHECK(vm_check() == 0, "vm_check failed");
	for (int s = 0; s < NSPACES; s++)
		if (!check_space(s) || !check_data(s))
			return false;
	return check_counts();
}

/* ---- operations -------------------------------------------------------------------------- */

static bool create_in(int s)
{
	int h = vm_create();

	SCHECK(h > 0, "vm_create returned %d", h);
	st.sp[s].h = h;
	for (uint32_t c = 0; c < NCAND; c++)
		st.sp[s].page[c] = (struct spage){ 0, 0 };
	return true;
}

static bool destroy_in(int s)
{
	int rc = vm_destroy(st.sp[s].h);

	SCHECK_RC(rc, 0);
	for (uint32_t c = 0; c < NCAND; c++)
		page_clear(&st.sp[s].page[c]);
	st.sp[s].h = -1;
	return true;
}

static bool op_recreate(int s)
{
	describe("recreate %d", st.sp[s].h);
	if (s == st.live) {
		int rc = vm_destroy(st.sp[s].h);
		SCHECK_RC(rc, -E_BUSY);
		return true;
	}
	return destroy_in(s) && create_in(s);
}

static bool op_map(int s)
{
	uint32_t c = below(NCAND), flags = random_flags();
	struct spage *p = &st.sp[s].page[c];
	uint32_t tag = 0x57000000u ^ st.op;
	paddr_t pa = fx_user_frame(tag);

	describe("map %d 0x%x -> 0x%x flags 0x%x", st.sp[s].h, cand_va[c], pa, flags);
	SCHECK(st.refs[pa / PAGE_SIZE] == 0, "the new frame 0x%x is one the model holds", pa);
	int rc = vm_map(st.sp[s].h, cand_va[c], pa, flags);
	if (p->f & SP_MAPPED) {
		frame_unref(pa);
		SCHECK_RC(rc, -E_EXIST);
		return true;
	}
	SCHECK_RC(rc, 0);
	st.word[pa / PAGE_SIZE] = tag;
	page_set(p, pa, sp_flags(flags));
	return true;
}

static bool op_map_zero(int s)
{
	uint32_t c = below(NCAND), flags = random_flags();
	struct spage *p = &st.sp[s].page[c];
	struct vm_mapping q;

	describe("map_zero %d 0x%x flags 0x%x", st.sp[s].h, cand_va[c], flags);
	int rc = vm_map_zero(st.sp[s].h, cand_va[c], flags);
	if (p->f & SP_MAPPED) {
		SCHECK_RC(rc, -E_EXIST);
		return true;
	}
	SCHECK_RC(rc, 0);
	rc = vm_query(st.sp[s].h, cand_va[c], &q);
	SCHECK(rc == 0 && owned(q.pa) && st.refs[q.pa / PAGE_SIZE] == 0,
	       "map_zero mapped 0x%x (%d), not a new user frame", q.pa, rc);
	st.word[q.pa / PAGE_SIZE] = 0;
	page_set(p, q.pa, sp_flags(flags));
	return true;
}

static bool op_unmap(int s)
{
	uint32_t c = below(NCAND);
	struct spage *p = &st.sp[s].page[c];

	describe("unmap %d 0x%x", st.sp[s].h, cand_va[c]);
	int rc = vm_unmap(st.sp[s].h, cand_va[c]);
	SCHECK_RC(rc, (p->f & SP_MAPPED) ? 0 : -E_NOENT);
	page_clear(p);
	return true;
}

static bool op_unmap_range(int s)
{
	static const struct {
		vaddr_t va;
		uint32_t n;
	} ranges[] = {
		{ 0x40000000u, 2 * PT_ENTRIES }, { 0x40000000u, 2 }, { 0x80000000u, 0x40000u },
		{ 0x40000000u, 0xC0000u },       { 0xBFFFF000u, 0x40001u },
	};
	uint32_t i = below(ARRAY_SIZE(ranges));
	vaddr_t va = ranges[i].va;
	uint64_t end = (uint64_t)va + (uint64_t)ranges[i].n * PAGE_SIZE;

	describe("unmap_range %d 0x%x, %u pages", st.sp[s].h, va, ranges[i].n);
	int rc = vm_unmap_range(st.sp[s].h, va, ranges[i].n);
	SCHECK_RC(rc, 0);
	for (uint32_t c = 0; c < NCAND; c++)
		if (cand_va[c] >= va && cand_va[c] < end)
			page_clear(&st.sp[s].page[c]);
	return true;
}

static bool op_protect(int s)
{
	uint32_t c = below(NCAND), flags = random_flags();
	struct spage *p = &st.sp[s].page[c];

	describe("protect %d 0x%x flags 0x%x", st.sp[s].h, cand_va[c], flags);
	int rc = vm_protect(st.sp[s].h, cand_va[c], 1, flags);
	SCHECK_RC(rc, (p->f & SP_MAPPED) ? 0 : -E_NOENT);
	if (rc == 0)
		p->f = (uint8_t)(sp_flags(flags) | (p->f & SP_COW));
	return true;
}

static bool op_clone(int s, enum vm_clone_mode mode)
{
	int d = pick_not_live();
	struct vm_mapping q;

	if (d == s)
		return true;
	describe("clone %d %s into slot %d", st.sp[s].h, mode == VM_CLONE_COW ? "cow" : "eager",
		 d);
	if (!destroy_in(d))
		return false;
	int h = vm_clone(st.sp[s].h, mode);
	SCHECK(h > 0, "vm_clone returned %d", h);
	st.sp[d].h = h;
	for (uint32_t c = 0; c < NCAND; c++) {
		struct spage *p = &st.sp[s].page[c], *cp = &st.sp[d].page[c];
		*cp = (struct spage){ 0, 0 };
		if (!(p->f & SP_MAPPED))
			continue;
		if (mode == VM_CLONE_COW) {
			p->f |= SP_COW;
			page_set(cp, p->pa, p->f);
			continue;
		}
		int rc = vm_query(h, cand_va[c], &q);
		SCHECK(rc == 0 && owned(q.pa) && st.refs[q.pa / PAGE_SIZE] == 0,
		       "the copy of 0x%x is 0x%x (%d), not a new user frame", cand_va[c], q.pa, rc);
		st.word[q.pa / PAGE_SIZE] = st.word[p->pa / PAGE_SIZE];
		page_set(cp, q.pa, p->f & ~SP_COW);
	}
	return true;
}

static bool op_activate(int s)
{
	describe("activate %d", st.sp[s].h);
	int rc = vm_activate(st.sp[s].h);
	SCHECK_RC(rc, 0);
	st.live = s;
	return true;
}

/* What probe() must return for an access `how` to page p. */
static uint32_t predict(const struct spage *p, uint32_t how)
{
	uint32_t access = how & (PF_W | PF_U);

	if (!(p->f & SP_MAPPED))
		return PROBE_FAULTED | access;
	if ((access & PF_U) && !(p->f & SP_USER))
		return PROBE_FAULTED | PF_P | access;
	if ((access & PF_W) && (!(p->f & SP_WRITE) || (p->f & SP_COW)))
		return PROBE_FAULTED | PF_P | access;
	return 0;
}

/* vm_fault for a refused write to a copy-on-write page: follow what it did. */
static bool break_cow(int s, uint32_t c, uint32_t err)
{
	struct spage *p = &st.sp[s].page[c];
	bool cow = (p->f & SP_COW) && (p->f & SP_WRITE) && (!(err & PF_U) || (p->f & SP_USER));
	struct vm_mapping q;
	int rc = vm_fault(st.sp[s].h, cand_va[c], err);

	SCHECK_RC(rc, cow ? 0 : -E_FAULT);
	if (!cow)
		return true;
	rc = vm_query(st.sp[s].h, cand_va[c], &q);
	SCHECK_RC(rc, 0);
	p->f &= (uint8_t)~SP_COW;
	st.cow_breaks++;
	if (st.refs[p->pa / PAGE_SIZE] == 1) {
		SCHECK(q.pa == p->pa, "the last owner got a copy 0x%x", q.pa);
		return true;
	}
	SCHECK(owned(q.pa) && st.refs[q.pa / PAGE_SIZE] == 0, "the copy 0x%x is not new", q.pa);
	st.word[q.pa / PAGE_SIZE] = st.word[p->pa / PAGE_SIZE];
	drop(p->pa);
	p->pa = q.pa;
	hold(q.pa);
	return true;
}

static bool op_access(void)
{
	int s = st.live;
	uint32_t c = below(NCAND), h = below(4);
	uint32_t how = ((h & 1) ? PROBE_WRITE : 0) | ((h & 2) ? PROBE_USER : 0);
	uint32_t wrote = rnd(), val = wrote;

	if (s < 0)
		return true;
	const struct spage *p = &st.sp[s].page[c];
	describe("%s %s 0x%x in %d", how & PROBE_USER ? "user" : "kernel",
		 how & PROBE_WRITE ? "write" : "read", cand_va[c], st.sp[s].h);
	uint32_t want = predict(p, how), got = probe(cand_va[c], how, &val);
	SCHECK(got == want, "probe returned 0x%x, want 0x%x", got, want);
	if (got != 0 && (got & PF_P) && (how & PROBE_WRITE)) {
		if (!break_cow(s, c, got & ~PROBE_FAULTED))
			return false;
		if (predict(p, how) != 0)
			return true;
		val = wrote;
		got = probe(cand_va[c], how, &val);
		SCHECK(got == 0, "the retried write returned 0x%x", got);
	}
	if (got != 0)
		return true;
	if (how & PROBE_WRITE)
		st.word[p->pa / PAGE_SIZE] = wrote;
	else
		SCHECK(val == st.word[p->pa / PAGE_SIZE], "read 0x%x, want 0x%x", val,
		       st.word[p->pa / PAGE_SIZE]);
	return true;
}

static bool op_bad(int s)
{
	int h = st.sp[s].h, rc, want;
	struct vm_mapping q;

	switch (below(5)) {
	case 0:
		describe("map %d unaligned", h);
		rc = vm_map(h, cand_va[0] + 0x10, 0xF0000000u, VM_USER);
		want = -E_INVAL;
		break;
	case 1:
		describe("map %d kernel address", h);
		rc = vm_map(h, 0x00400000u, 0xF0000000u, VM_USER);
		want = -E_RANGE;
		break;
	case 2:
		describe("query a handle past the last");
		rc = vm_query((int)TRK_MAX - 1, cand_va[0], &q);
		want = -E_BADH;
		break;
	case 3:
		describe("protect %d with unknown flags", h);
		rc = vm_protect(h, cand_va[0], 1, PG_G);
		want = -E_INVAL;
		break;
	default:
		describe("unmap_range %d of no pages", h);
		rc = vm_unmap_range(h, cand_va[0], 0);
		want = -E_INVAL;
		break;
	}
	SCHECK_RC(rc, want);
	return true;
}

static bool step(void)
{
	uint32_t r = below(100), k = 0;
	int s = (int)below(NSPACES);

	while (r >= weight[k]) {
		r -= weight[k];
		k++;
	}
	st.done[k]++;
	switch (k) {
	case S_RECREATE: return op_recreate(s) && check_space(s);
	case S_MAP: return op_map(s) && check_space(s);
	case S_MAP_ZERO: return op_map_zero(s) && check_space(s);
	case S_UNMAP: return op_unmap(s) && check_space(s);
	case S_UNMAP_RANGE: return op_unmap_range(s) && check_space(s);
	case S_PROTECT: return op_protect(s) && check_space(s);
	case S_CLONE_COW: return op_clone(s, VM_CLONE_COW) && check_space(s);
	case S_CLONE_EAGER: return op_clone(s, VM_CLONE_EAGER) && check_space(s);
	case S_ACTIVATE: return op_activate(s);
	case S_ACCESS: return op_access() && (st.live < 0 || check_space(st.live));
	default: return op_bad(s) && check_space(s);
	}
}

/* ---- the run ------------------------------------------------------------------------------ */

static void stress_setup(void)
{
	fx_boot(STRESS_RAM_MIB, STRESS_KZONE_MIB, true);
	fx_counts(&fx_start);
}

static bool start(void)
{
	struct vm_stats s;

	memset(&st, 0, sizeof(st));
	st.rng = stress_seed ? stress_seed : 1;
	st.live = -1;
	describe("start");
	vm_get_stats(&s);
	st.user_free0 = frame_free_count(ZONE_USER);
	st.kernel_free0 = frame_free_count(ZONE_KERNEL);
	st.block_pages0 = s.block_pages;
	st.tracker_pages0 = s.tracker_pages;
	for (int i = 0; i < NSPACES; i++)
		if (!create_in(i))
			return false;
	return true;
}

/* Destroy every space: every user frame is free, the kernel zone as it was at boot. */
static bool finish(void)
{
	struct vm_stats s;

	describe("finish");
	int rc = vm_activate(0);
	SCHECK_RC(rc, 0);
	st.live = -1;
	for (int i = 0; i < NSPACES; i++)
		if (st.sp[i].h > 0 && !destroy_in(i))
			return false;
	vm_get_stats(&s);
	SCHECK(st.user_used == 0, "the model still holds %u frames", st.user_used);
	SCHECK(frame_free_count(ZONE_USER) == frame_total_count(ZONE_USER),
	       "%u of %u user frames free", frame_free_count(ZONE_USER),
	       frame_total_count(ZONE_USER));
	SCHECK(frame_free_count(ZONE_KERNEL) == st.kernel_free0 && s.spaces == 0 &&
		       s.tracker_pages == st.tracker_pages0 && s.block_pages == st.block_pages0,
	       "%u free kernel frames (want %u), %u spaces, %u tracker pages, %u block pages",
	       frame_free_count(ZONE_KERNEL), st.kernel_free0, s.spaces, s.tracker_pages,
	       s.block_pages);
	SCHECK(vm_check() == 0, "vm_check failed at the end");
	return true;
}

static void print_stats(void)
{
	static const char *const names[S_KINDS] = { "recreate", "map", "map_zero", "unmap",
						    "unmap_range", "protect", "clone_cow",
						    "clone_eager", "activate", "access", "bad" };
	struct vm_stats s;

	vm_get_stats(&s);
	kprintf("stress: seed 0x%08x, %u operations, %u checks:", stress_seed, st.op, st.checks);
	for (int k = 0; k < S_KINDS; k++)
		kprintf(" %s %u", names[k], st.done[k]);
	kprintf("\nstress: peak %u spaces, %u block pages, %u tables; %u relocations, %u in-place "
		"growths, %u shrinks, %u table moves, %u cow breaks\n",
		s.spaces_peak, s.block_pages_peak, s.tables_peak, s.relocations, s.inplace_growths,
		s.shrinks, s.table_moves, st.cow_breaks);
}

static void million_operations_on_5000_spaces_end_with_every_frame_free(void)
{
	bool ok = start();

	for (st.op = 0; ok && st.op < stress_ops; st.op++) {
		ok = step();
		if (ok && (st.op + 1) % CHECK_EVERY == 0)
			ok = check_everything();
	}
	if (ok)
		ok = check_everything();
	if (stress_print_stats)
		print_stats();
	if (ok)
		finish();
}

static const struct test_case cases[] = {
	TEST_CASE(million_operations_on_5000_spaces_end_with_every_frame_free),
};

DEFINE_SUITE(stress_suite, "stress", cases, stress_setup, fx_teardown);
