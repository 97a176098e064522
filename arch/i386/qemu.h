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
 * the device (real hardware, another emulator) the CPU halts for good with
 * interrupts off.
 */
_Noreturn void qemu_exit(bool ok);

#endif
