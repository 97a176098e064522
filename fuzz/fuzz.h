/*
 * fuzz.h - the address-space fuzz target (fuzz_vm.c), for its two
 * drivers: libFuzzer (LLVMFuzzerTestOneInput, in fuzz_vm.c) and the replay
 * runner (replay.c), which runs saved inputs in the host build.
 */
#ifndef PAGETRACK_FUZZ_H
#define PAGETRACK_FUZZ_H

#include <stddef.h>
#include <stdint.h>

#include "types.h"

/*
 * Boot a fresh simulated machine, decode data into operations, run them
 * against the core and the reference model, and destroy everything.
 * Returns true when every step agreed with the model, every check held and
 * every frame was free at the end; false after printing the first
 * disagreement.  A broken invariant inside the core panics instead.
 */
bool fz_run(const uint8_t *data, size_t size);

/* Print each operation as it runs (PAGETRACK_FUZZ_TRACE=1 sets it). */
extern bool fz_trace;

/* What the runs so far did, one line, for the replay runner's -v. */
void fz_print_totals(void);

#endif
