/*
 * ksyms.h - the kernel's code symbols, for backtraces: a table that the
 * build adds to the image (scripts/ksyms.sh, in the section .ksyms).  A
 * kernel linked without it (the benchmarks' kernel) finds no names.
 */
#ifndef PAGETRACK_KSYMS_H
#define PAGETRACK_KSYMS_H

#include "types.h"

/*
 * The name of the kernel function holding code address addr, with addr's
 * offset into it in *offset; NULL if addr is not in the kernel's code or
 * the image has no table.
 */
const char *ksym_find(uint32_t addr, uint32_t *offset);

/* Print addr as "0x00101234 kmain+0x34", or as the bare address without a name. */
void ksym_print(uint32_t addr);

#endif
