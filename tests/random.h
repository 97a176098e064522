/*
 * random.h - the randomized run of test_random.c, for the suites that run
 * it another way (swap_model.c).
 */
#ifndef PAGETRACK_RANDOM_H
#define PAGETRACK_RANDOM_H

#include "types.h"

/* Set from a debugger: the random suite's seed and length, and whether it prints its figures. */
extern uint32_t random_seed, random_ops;
extern bool random_print_stats;

/*
 * `ops` random operations from `seed` on several address spaces, each
 * checked against the reference model (model.h), then everything
 * destroyed; with read_slot (which reads a slot's words, for the model's
 * data checks), the pager pages out at random points too.  Reports
 * through the harness.
 */
void random_run(uint32_t seed, uint32_t ops, void (*read_slot)(uint32_t slot, uint32_t w[3]));

#endif
