/*
 * frame_random.c - random operations against a model of every frame's
 * references and pins, on a small map of its own.
 */
#include "frame_util.h"

/*
 * 8 MiB, X = 3 MiB, a 3-frame hole at 2 MiB and a 16-frame hole in the
 * user zone at 5 MiB.  The map says the first 1 MiB is available too.
 */
static const struct mem_region rand_map[] = {
	{ 0, MiB(8), MEM_AVAILABLE },
	{ MiB(2) + 0x40, 0x2000, MEM_RESERVED },
	{ MiB(5), KiB(64), MEM_RESERVED },
};
static const struct config rand_cfg = {
	rand_map, ARRAY_SIZE(rand_map), MiB(8), MiB(1), MiB(1) + KiB(64), MiB(3),
};

#define RAND_SEED 0x5EED2024u
#define RAND_STEPS 20000
#define RAND_FRAMES (MiB(8) / PAGE_SIZE)

static struct {
	bool owned[RAND_FRAMES];
	uint32_t ref[RAND_FRAMES], pin[RAND_FRAMES];
	uint32_t free[ZONE_COUNT];
	uint32_t live[RAND_FRAMES], pos[RAND_FRAMES], nlive; /* the frames in use */
	uint32_t kend;
	uint32_t rng, step;
} m;

static uint32_t rnd(uint32_t n)
{
	m.rng ^= m.rng << 13;
	m.rng ^= m.rng >> 17;
	m.rng ^= m.rng << 5;
	return m.rng % n;
}

#define MCHECK_EQ(a, b)                                                                \
	do {                                                                           \
		long long a_ = (long long)(a), b_ = (long long)(b);                    \
		if (a_ != b_) {                                                        \
			test_fail(__FILE__, __LINE__,                                  \
				  "seed 0x%x step %u: %s == %s: %lld vs %lld", RAND_SEED, \
				  m.step, #a, #b, a_, b_);                             \
			return;                                                        \
		}                                                                      \
	} while (0)

static enum zone m_zone(uint32_t p) { return p < m.kend ? ZONE_KERNEL : ZONE_USER; }

static void m_take(uint32_t p)
{
	m.ref[p] = 1;
	m.free[m_zone(p)]--;
	m.pos[p] = m.nlive;
	m.live[m.nlive++] = p;
}

static void m_give(uint32_t p)
{
	m.ref[p] = 0;
	m.free[m_zone(p)]++;
	m.live[m.pos[p]] = m.live[--m.nlive];
	m.pos[m.live[m.pos[p]]] = m.pos[p];
}

/* What the allocator should say of a frame that must be in use. */
static int m_in_use(uint32_t p)
{
	if (p >= RAND_FRAMES || !m.owned[p])
		return -E_NOTOWN;
	return m.ref[p] ? 0 : -E_FREE;
}

static int m_freeable(uint32_t p)
{
	int rc = m_in_use(p);
	if (rc == 0 && (m.pin[p] > 0 || m.ref[p] > 1))
		rc = -E_BUSY;
	return rc;
}

static uint32_t m_first_fit(uint32_t n)
{
	uint32_t len = 0;

	for (uint32_t p = 0; p < m.kend; p++) {
		len = (m.owned[p] && m.ref[p] == 0) ? len + 1 : 0;
		if (len == n)
			return p + 1 - n;
	}
	return UINT32_MAX;
}

/* Mostly a frame in use, sometimes any frame (free, not owned, beyond RAM). */
static uint32_t m_pick(void)
{
	if (m.nlive > 0 && rnd(5) != 0)
		return m.live[rnd(m.nlive)];
	return rnd(RAND_FRAMES + 8);
}

static void op_alloc_user(void)
{
	paddr_t pa = 0;
	int rc = pt_frame_alloc(ZONE_USER, &pa);

	if (m.free[ZONE_USER] == 0) {
		MCHECK_EQ(rc, -E_NOMEM);
		return;
	}
	MCHECK_EQ(rc, 0);
	uint32_t p = pa_to_pfn(pa);
	MCHECK_EQ(pa & PAGE_MASK, 0);
	MCHECK_EQ(p < RAND_FRAMES && m.owned[p] && m_zone(p) == ZONE_USER, 1);
	MCHECK_EQ(m.ref[p], 0);
	m_take(p);
}

static void op_alloc_run(void)
{
	uint32_t n = rnd(3) == 0 ? 1 : 1 + rnd(12);
	uint32_t want = m_first_fit(n);
	paddr_t pa = 0;
	int rc = n == 1 && rnd(2) ? pt_frame_alloc(ZONE_KERNEL, &pa) : pt_frame_alloc_run(n, &pa);

	if (want == UINT32_MAX) {
		MCHECK_EQ(rc, -E_NOMEM);
		return;
	}
	MCHECK_EQ(rc, 0);
	MCHECK_EQ(pa, pfn_to_pa(want));
	for (uint32_t i = 0; i < n; i++)
		m_take(want + i);
}

static int m_extend(uint32_t p, uint32_t have, uint32_t more)
{
	uint32_t from = p + have;

	if (from > m.kend)
		return -E_INVAL;
	for (uint32_t q = p; q < from; q++)
		if (m_in_use(q) < 0)
			return -E_INVAL;
	if (from + more > m.kend)
		return -E_NOMEM;
	for (uint32_t q = from; q < from + more; q++)
		if (!m.owned[q] || m.ref[q] != 0)
			return -E_NOMEM;
	return 0;
}

static void op_extend(void)
{
	uint32_t p = m_pick(), have = 1 + rnd(4), more = 1 + rnd(4);
	int want = m_extend(p, have, more);

	MCHECK_EQ(pt_frame_extend_run(pfn_to_pa(p), have, more), want);
	if (want == 0)
		for (uint32_t i = 0; i < more; i++)
			m_take(p + have + i);
}

static void op_free(void)
{
	uint32_t p = m_pick();
	int want = m_freeable(p);

	MCHECK_EQ(pt_frame_free(pfn_to_pa(p)), want);
	if (want == 0)
		m_give(p);
}

static void op_free_run(void)
{
	uint32_t p = m_pick(), n = 1 + rnd(4);
	int want = 0;

	for (uint32_t i = 0; i < n && want == 0; i++)
		want = m_freeable(p + i);
	MCHECK_EQ(pt_frame_free_run(pfn_to_pa(p), n), want);
	if (want == 0)
		for (uint32_t i = 0; i < n; i++)
			m_give(p + i);
}

static void op_ref(void)
{
	uint32_t p = m_pick();
	int want = m_in_use(p);

	if (want == 0 && m.ref[p] == UINT16_MAX)
		want = -E_RANGE;
	MCHECK_EQ(pt_frame_ref(pfn_to_pa(p)), want);
	if (want == 0)
		m.ref[p]++;
}

static void op_unref(void)
{
	uint32_t p = m_pick();
	int want = m_in_use(p);

	if (want == 0 && m.ref[p] == 1 && m.pin[p] > 0)
		want = -E_BUSY;
	else if (want == 0)
		want = (int)m.ref[p] - 1;
	MCHECK_EQ(pt_frame_unref(pfn_to_pa(p)), want);
	if (want == 0)
		m_give(p);
	else if (want > 0)
		m.ref[p]--;
}

static void op_pin(void)
{
	uint32_t p = m_pick();
	int want = m_in_use(p);

	if (want == 0 && m.pin[p] == UINT8_MAX)
		want = -E_RANGE;
	MCHECK_EQ(pt_frame_pin(pfn_to_pa(p)), want);
	if (want == 0)
		m.pin[p]++;
}

static void op_unpin(void)
{
	uint32_t p = m_pick();
	int want = m_in_use(p);

	if (want == 0 && m.pin[p] == 0)
		want = -E_INVAL;
	MCHECK_EQ(pt_frame_unpin(pfn_to_pa(p)), want);
	if (want == 0)
		m.pin[p]--;
}

static void op_query(void)
{
	uint32_t p = m_pick();
	bool owned = p < RAND_FRAMES && m.owned[p];

	MCHECK_EQ(pt_frame_owned(pfn_to_pa(p)), owned);
	MCHECK_EQ(pt_frame_refcount(pfn_to_pa(p)), owned ? (int)m.ref[p] : -E_NOTOWN);
	MCHECK_EQ(pt_frame_pincount(pfn_to_pa(p)), owned ? (int)m.pin[p] : -E_NOTOWN);
}

static void op_unaligned(void)
{
	paddr_t pa = pfn_to_pa(m_pick()) + 1 + rnd(PAGE_SIZE - 1);
	paddr_t out;

	MCHECK_EQ(pt_frame_free(pa), -E_INVAL);
	MCHECK_EQ(pt_frame_free_run(pa, 1 + rnd(4)), -E_INVAL);
	MCHECK_EQ(pt_frame_ref(pa), -E_INVAL);
	MCHECK_EQ(pt_frame_unref(pa), -E_INVAL);
	MCHECK_EQ(pt_frame_pin(pa), -E_INVAL);
	MCHECK_EQ(pt_frame_unpin(pa), -E_INVAL);
	MCHECK_EQ(pt_frame_refcount(pa), -E_INVAL);
	MCHECK_EQ(pt_frame_extend_run(pa, 1, 1), -E_INVAL);
	pt_frame_fail_nth(1); /* and an injected failure, for good measure */
	MCHECK_EQ(rnd(2) ? pt_frame_alloc(ZONE_USER, &out) : pt_frame_alloc_run(1 + rnd(4), &out),
		  -E_NOMEM);
}

typedef void (*rand_op)(void);

static const struct {
	rand_op fn;
	uint32_t weight[2]; /* while filling, while draining */
} rand_ops[] = {
	{ op_alloc_user, { 6, 1 } }, { op_alloc_run, { 6, 1 } }, { op_extend, { 3, 1 } },
	{ op_free, { 2, 6 } },       { op_free_run, { 1, 3 } },  { op_ref, { 2, 2 } },
	{ op_unref, { 2, 5 } },      { op_pin, { 2, 2 } },       { op_unpin, { 2, 3 } },
	{ op_query, { 1, 1 } },      { op_unaligned, { 1, 1 } },
};

static void rand_step(void)
{
	uint32_t phase = (m.step / 2500) % 2, sum = 0, r;

	for (size_t i = 0; i < ARRAY_SIZE(rand_ops); i++)
		sum += rand_ops[i].weight[phase];
	r = rnd(sum);
	for (size_t i = 0; i < ARRAY_SIZE(rand_ops); i++) {
		if (r < rand_ops[i].weight[phase]) {
			rand_ops[i].fn();
			break;
		}
		r -= rand_ops[i].weight[phase];
	}
	if (test_failed())
		return;
	MCHECK_EQ(pt_frame_check(), 0);
	MCHECK_EQ(pt_frame_free_count(ZONE_KERNEL), m.free[ZONE_KERNEL]);
	MCHECK_EQ(pt_frame_free_count(ZONE_USER), m.free[ZONE_USER]);
}

/* Every frame's counts agree with the model. */
static void rand_compare_all(void)
{
	for (uint32_t p = 0; p < RAND_FRAMES; p++) {
		MCHECK_EQ(pt_frame_owned(pfn_to_pa(p)), m.owned[p]);
		if (m.owned[p]) {
			MCHECK_EQ(pt_frame_refcount(pfn_to_pa(p)), m.ref[p]);
			MCHECK_EQ(pt_frame_pincount(pfn_to_pa(p)), m.pin[p]);
		}
	}
}

static void random_operations_match_a_model(void)
{
	CHECK_OK(boot(&rand_cfg));
	memset(&m, 0, sizeof(m));
	m.rng = RAND_SEED;
	m.kend = kzone_pfn();
	for (uint32_t p = 0; p < RAND_FRAMES; p++)
		m.owned[p] = expect_owned(p);
	m.free[ZONE_KERNEL] = expected_total(ZONE_KERNEL);
	m.free[ZONE_USER] = expected_total(ZONE_USER);
	RUN(check_ownership());
	RUN(rand_compare_all());
	for (m.step = 0; m.step < RAND_STEPS; m.step++) {
		RUN(rand_step());
		if (m.step % 512 == 0)
			RUN(rand_compare_all());
	}
	RUN(rand_compare_all());
	while (m.nlive > 0) {
		uint32_t p = m.live[0];
		for (; m.pin[p] > 0; m.pin[p]--)
			MCHECK_EQ(pt_frame_unpin(pfn_to_pa(p)), 0);
		for (; m.ref[p] > 1; m.ref[p]--)
			MCHECK_EQ(pt_frame_unref(pfn_to_pa(p)), m.ref[p] - 1);
		MCHECK_EQ(pt_frame_unref(pfn_to_pa(p)), 0);
		m_give(p);
	}
	RUN(rand_compare_all());
}

static const struct test_case cases[] = {
	TEST_CASE(random_operations_match_a_model),
};

DEFINE_PART(frame_random_part, cases);
