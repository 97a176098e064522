/*
 * swap_model.c - random operations on several address spaces with the
 * pager paging out at random points (a page, the clock, a whole block),
 * against the reference model, on the host: suite swap-model.
 *
 * The run is test_random.c's (random_run): after every operation every
 * page of every space is what the model says (its frame or its slot, its
 * rights, its references) and every DEEP_EVERY operations every byte the
 * model follows, those in swap read from the model disk.  Paging out
 * never changes what a page holds or allows, so the model only follows
 * where the pages went; a page in swap faults "not present", and the
 * fault, or the kernel's pt_vm_resolve, brings it back.
 */
#include "disk.h"
#include "model.h"
#include "random.h"
#include "suites.h"
#include "swap_util.h"

/* A slot's words, from the model disk. */
static void read_slot(uint32_t slot, uint32_t w[3])
{
	const uint32_t *words = (const uint32_t *)disk_page(slot);

	w[0] = words[0];
	w[1] = words[MD_MID_WORD / 4];
	w[2] = words[MD_LAST_WORD / 4];
}

/* A run from seed; the pager must have taken every path of its own, not only been called. */
static void run(uint32_t seed)
{
	struct pager_stats s;

	pt_pager_reset_stats();
	random_run(seed, 30000, read_slot);
	pt_pager_get_stats(&s);
	if (random_print_stats)
		kprintf("swap-model: seed 0x%08x: %u pages out, %u clean drops, %u in, "
			"%u major faults, %u second chances, %u blocks out, %u in\n", seed,
			s.swap_outs, s.clean_drops, s.swap_ins, s.major_faults, s.second_chances,
			s.blocks_out, s.blocks_in);
	CHECK_GT(s.swap_outs, 0);
	CHECK_GT(s.clean_drops, 0);
	CHECK_GT(s.swap_ins, 0);
	CHECK_GT(s.second_chances, 0);
	CHECK_GT(s.blocks_out, 0);
	CHECK_GT(s.blocks_in, 0);
}

static void random_operations_with_page_outs_agree_with_the_model(void)
{
	run(0x5A9E0F71u);
}

static void another_seed_agrees_too(void)
{
	run(0x0BADC0DEu);
}

static const struct test_case cases[] = {
	TEST_CASE(random_operations_with_page_outs_agree_with_the_model),
	TEST_CASE(another_seed_agrees_too),
};

DEFINE_SUITE(swap_model_suite, "swap-model", cases, swap_setup, swap_teardown);
