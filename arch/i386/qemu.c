/* qemu.c - ending a run under QEMU through the isa-debug-exit device. */
#include "qemu.h"
#include "cpu.h"

_Noreturn void qemu_exit(bool ok)
{
	outb(QEMU_EXIT_PORT, ok ? QEMU_EXIT_OK : QEMU_EXIT_FAIL);
	halt_forever();
}
