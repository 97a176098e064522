/*
 * qemu.h - ending a run under QEMU.
 *
 * QEMU is started with an isa-debug-exit device at port 0xf4.  Writing v to
 * it makes QEMU exit with status (v << 1) | 1: 33 for success and 35 for
 * failure, which scripts/qemu.sh turns back into 0 and 1.  QEMU's own exit
 * statuses are 0 and 1 (a triple fault under -no-reboot gives 0), so a run
 * that crashes cannot pass for one that succeeded.
 */
#ifndef PAGETRACK_QEMU_H
#define PAGETRACK_QEMU_H

#include "types.h"

#define QEMU_EXIT_PORT 0xf4
#define QEMU_EXIT_OK 0x10   /* QEMU exit status 33 */
#define QEMU_EXIT_FAIL 0x11 /* QEMU exit status 35 */

/*
 * End the run: QEMU exits with the success or the failure status.  Without
 * the device (real hardware, Bochs, QEMU without it) the kernel prints a
 * last line, "pagetrack: halted: the demo passed; you may switch the
 * machine off", and the CPU halts for good with interrupts off.
 */
_Noreturn void qemu_exit(bool ok);

/*
 * What that last line says of a run that succeeded and of one that failed
 * ("the demo passed", "the demo failed"); by default "the run passed" and
 * "the run failed".  The strings must last.
 */
void qemu_name_verdicts(const char *passed, const char *failed);

#endif
