/*
 * machine.h (hosted) - the simulated machine behind the host seam: a buffer
 * of physical memory, the model MMU (mmu_model.h) and the model disk
 * (disk.h).
 */
#ifndef PAGETRACK_HOSTED_MACHINE_H
#define PAGETRACK_HOSTED_MACHINE_H

#include "cpus.h"
#include "types.h"

/* Give the machine `bytes` of zeroed physical memory, reset the MMU, and take its disk away. */
void machine_reset(uint32_t bytes);

/* Release the memory and the disk (at the end of a run, so that leak checkers are quiet). */
void machine_release(void);

/* Size of physical memory. */
uint32_t machine_ram_bytes(void);

/*
 * Send the console (hw_putc) to buf, of `size` bytes, kept NUL-terminated
 * (what does not fit is dropped), instead of stdout; NULL sends it back.
 * A test that makes the core report something reads the report there.
 */
void machine_capture_console(char *buf, size_t size);

/*
 * Start CPUs 1 .. n-1 of the model as a kernel starts its others: the
 * paging bits of CPU 0, the master's block in CR3, then pt_smp_init(n)
 * with machine_smp_ops and pt_vm_activate(TRK_MASTER) on each.  CPU 0 is
 * selected again after.  machine_stop_cpus() puts the core back on one CPU
 * (every other CPU must be back on the master).  0 or pt_smp_init's error.
 */
int machine_start_cpus(uint32_t n);
int machine_stop_cpus(void);

/* The model's CPU numbers and its interprocessor interrupt (cpus.h). */
extern const struct pt_smp_ops machine_smp_ops;

#endif
