/* frame_util.c - the helpers the frame suite's files share (frame_util.h), and the suite. */
#include "frame_util.h"
#include "machine.h"
#include "seam.h"
#include "suites.h"

const struct mem_region std_map[STD_MAP_REGIONS] = {
	{ 0, 0x9FC00, MEM_AVAILABLE },
	{ 0x9FC00, 0x400, MEM_RESERVED },
	{ 0xE8000, 0x18000, MEM_RESERVED },
	{ MiB(8) + 0x10, 0x3000, MEM_RESERVED }, /* before the region it cuts */
	{ MiB(1), MiB(39) - 0x123, MEM_AVAILABLE },
	{ MiB(3), MiB(2), MEM_AVAILABLE },
	{ MiB(24), MiB(1), MEM_RESERVED },
	{ MiB(30) + 0x123, 0, MEM_RESERVED },
	{ MiB(40) + 0x800, MiB(24) - 0x800, MEM_AVAILABLE },
	{ MiB(40) + 0x100, 0x400, MEM_AVAILABLE }, /* a sliver of one frame */
	{ MiB(63), 0x1000, MEM_ACPI },
	{ 0xFEC00000, 0x1000, MEM_RESERVED },
	{ 0x100000000ull, MiB(512), MEM_AVAILABLE },
};

const struct config std_cfg = {
	std_map, ARRAY_SIZE(std_map), MiB(64), MiB(1), MiB(1) + 0x2345A, STD_X,
};

struct config cfg;
uint32_t base_free[ZONE_COUNT];
struct snapshot saved;
static uint8_t seen[MAX_FRAMES]; /* frames handed out by exhaust_zone */

/* ---- booting ------------------------------------------------------------ */

int boot(const struct config *c)
{
	int rc;

	cfg = *c;
	memset(seen, 0, sizeof(seen));
	machine_reset(c->ram);
	rc = pt_frame_init(c->map, c->n, c->kimg_start, c->kimg_end, c->kzone_end);
	if (rc == 0) {
		base_free[ZONE_KERNEL] = pt_frame_free_count(ZONE_KERNEL);
		base_free[ZONE_USER] = pt_frame_free_count(ZONE_USER);
	}
	return rc;
}

static void setup(void)
{
	CHECK_OK(boot(&std_cfg));
}

static void teardown(void)
{
	pt_frame_fail_nth(0);
	CHECK_EQ(pt_frame_check(), 0);
	CHECK_EQ(pt_frame_free_count(ZONE_KERNEL), base_free[ZONE_KERNEL]);
	CHECK_EQ(pt_frame_free_count(ZONE_USER), base_free[ZONE_USER]);
}

uint32_t ram_frames(void) { return cfg.ram / PAGE_SIZE; }
uint32_t kzone_pfn(void) { return pa_to_pfn(pt_frame_kzone_end()); }

/* ---- what the allocator should own, worked out from the map --------------- */

static bool touches(const struct mem_region *r, uint64_t lo, uint64_t hi)
{
	return r->len != 0 && r->base < hi && lo < r->base + r->len;
}

static bool covers(const struct mem_region *r, uint64_t lo, uint64_t hi)
{
	return r->base <= lo && r->base + r->len >= hi;
}

/* Whether the frame lies wholly in an available region and touches no reserved one. */
bool map_available(uint32_t pfn)
{
	uint64_t lo = (uint64_t)pfn << PAGE_SHIFT, hi = lo + PAGE_SIZE;
	bool avail = false;

	for (size_t i = 0; i < cfg.n; i++) {
		const struct mem_region *r = &cfg.map[i];
		if (r->type != MEM_AVAILABLE && touches(r, lo, hi))
			return false;
		if (r->type == MEM_AVAILABLE && covers(r, lo, hi))
			avail = true;
	}
	return avail;
}

static bool in_metadata(uint32_t pfn)
{
	paddr_t base;
	uint32_t n;

	pt_frame_metadata(&base, &n);
	return pfn >= pa_to_pfn(base) && pfn < pa_to_pfn(base) + n;
}

bool expect_owned(uint32_t pfn)
{
	uint64_t lo = (uint64_t)pfn << PAGE_SHIFT, hi = lo + PAGE_SIZE;

	if (lo < FRAME_LOW_RESERVED || in_metadata(pfn))
		return false;
	if (lo < cfg.kimg_end && hi > cfg.kimg_start)
		return false;
	return map_available(pfn);
}

static enum zone zone_of(uint32_t pfn) { return pfn < kzone_pfn() ? ZONE_KERNEL : ZONE_USER; }

uint32_t expected_total(enum zone z)
{
	uint32_t n = 0;

	for (uint32_t p = 0; p < ram_frames(); p++)
		if (expect_owned(p) && zone_of(p) == z)
			n++;
	return n;
}

/* pt_frame_owned agrees with the map for every frame, and the totals with it. */
void check_ownership(void)
{
	for (uint32_t p = 0; p < ram_frames() + 16; p++) {
		bool want = p < ram_frames() && expect_owned(p);
		paddr_t pa = pfn_to_pa(p);
		if (pt_frame_owned(pa) != want || pt_frame_owned(pa + 0x123) != want) {
			test_fail(__FILE__, __LINE__, "frame 0x%x: owned %d, want %d", pa,
				  pt_frame_owned(pa), want);
			return;
		}
	}
	CHECK_EQ(pt_frame_total_count(ZONE_KERNEL), expected_total(ZONE_KERNEL));
	CHECK_EQ(pt_frame_total_count(ZONE_USER), expected_total(ZONE_USER));
	CHECK_EQ(pt_frame_free_count(ZONE_KERNEL), pt_frame_total_count(ZONE_KERNEL));
	CHECK_EQ(pt_frame_free_count(ZONE_USER), pt_frame_total_count(ZONE_USER));
}

/* ---- snapshots: a failing call must change nothing ------------------------- */

void snap_save(void)
{
	saved.free[ZONE_KERNEL] = pt_frame_free_count(ZONE_KERNEL);
	saved.free[ZONE_USER] = pt_frame_free_count(ZONE_USER);
	for (uint32_t p = 0; p < ram_frames(); p++) {
		saved.ref[p] = pt_frame_refcount(pfn_to_pa(p));
		saved.pin[p] = pt_frame_pincount(pfn_to_pa(p));
	}
}

void check_unchanged(const char *file, int line)
{
	if (pt_frame_check() != 0) {
		test_fail(file, line, "pt_frame_check failed");
		return;
	}
	for (int z = 0; z < ZONE_COUNT; z++) {
		if (pt_frame_free_count(z) != saved.free[z]) {
			test_fail(file, line, "free count of zone %d changed: %u, was %u", z,
				  pt_frame_free_count(z), saved.free[z]);
			return;
		}
	}
	for (uint32_t p = 0; p < ram_frames(); p++) {
		int ref = pt_frame_refcount(pfn_to_pa(p)), pin = pt_frame_pincount(pfn_to_pa(p));
		if (ref != saved.ref[p] || pin != saved.pin[p]) {
			test_fail(file, line, "frame 0x%x changed: ref %d pin %d, was %d %d",
				  pfn_to_pa(p), ref, pin, saved.ref[p], saved.pin[p]);
			return;
		}
	}
}

/* A frame in use that cannot be freed: err from every way of freeing it. */
void check_unfreeable(paddr_t pa, int err)
{
	snap_save();
	CHECK_ERR(pt_frame_free(pa), err);
	CHECK_ERR(pt_frame_free_run(pa, 1), err);
	CHECK_UNCHANGED();
}

/* ---- taking and giving back ------------------------------------------------ */

/*
 * Allocate single frames of zone z until there are none left, checking
 * each: distinct, owned, in its zone, ref 1; then scribble over it, which
 * must not disturb the allocator.  *count gets how many were handed out.
 */
void exhaust_zone(enum zone z, uint32_t *count)
{
	paddr_t pa;
	int rc;

	*count = 0;
	while ((rc = pt_frame_alloc(z, &pa)) == 0) {
		uint32_t p = pa_to_pfn(pa);
		CHECK(IS_ALIGNED(pa, PAGE_SIZE));
		CHECK_LT(p, ram_frames());
		CHECK_EQ(seen[p], 0);
		seen[p] = 1;
		CHECK(expect_owned(p));
		CHECK(pt_frame_owned(pa));
		CHECK_EQ(zone_of(p), z);
		CHECK_EQ(pt_frame_in_kzone(pa), z == ZONE_KERNEL);
		CHECK_EQ(pt_frame_refcount(pa), 1);
		CHECK_EQ(pt_frame_pincount(pa), 0);
		memset(hw_phys(pa), 0xA5, PAGE_SIZE);
		(*count)++;
		CHECK_LE(*count, pt_frame_total_count(z));
	}
	CHECK_EQ(rc, -E_NOMEM);
	CHECK_EQ(pt_frame_free_count(z), 0);
}

/* Drop every pin and reference on every frame in use: gives back all a case took. */
void release_all(void)
{
	for (uint32_t p = 0; p < ram_frames(); p++) {
		paddr_t pa = pfn_to_pa(p);
		int pins = pt_frame_pincount(pa);
		if (pt_frame_refcount(pa) <= 0)
			continue;
		while (pins-- > 0)
			CHECK_OK(pt_frame_unpin(pa));
		int left;
		while ((left = pt_frame_unref(pa)) > 0)
			;
		CHECK_EQ(left, 0);
	}
	memset(seen, 0, sizeof(seen));
}

/* Take every free kernel-zone frame. */
void fill_kzone(void)
{
	uint32_t n;

	RUN(exhaust_zone(ZONE_KERNEL, &n));
	CHECK_EQ(n, base_free[ZONE_KERNEL]);
}

/* Free the frames [pa, pa + n frames), each taken before. */
void give(paddr_t pa, uint32_t n)
{
	CHECK_OK(pt_frame_free_run(pa, n));
}

/* ---- the suite ---------------------------------------------------------------- */

static const struct test_part *const parts[] = {
	&frame_boot_part, &frame_alloc_part, &frame_bad_part, &frame_refs_part,
	&frame_inject_part, &frame_walk_part, &frame_random_part, NULL,
};

DEFINE_SUITE_OF_PARTS(frame_suite, "frame", parts, setup, teardown);
