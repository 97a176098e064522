/*
 * probe.h - touch memory the way a program would, on either platform: on
 * the host through the model MMU, in the kernel with real loads and stores
 * that a fault fixup catches.  The shared test bodies use it to compare
 * what a mapping allows with what the page tables say.
 */
#ifndef PAGETRACK_PROBE_H
#define PAGETRACK_PROBE_H

#include "mmu.h"

#define PROBE_READ 0
#define PROBE_WRITE PF_W /* write instead of read */
#define PROBE_USER PF_U  /* at CPL 3 instead of CPL 0 */
#define PROBE_FAULTED BIT(8)

/*
 * Read the 32-bit word at va into *val, or write *val there with
 * PROBE_WRITE.  Returns 0 if the access succeeded, or PROBE_FAULTED | the
 * page-fault error code if it faulted (and then nothing was read or written).
 */
uint32_t probe(vaddr_t va, uint32_t how, uint32_t *val);

#endif
