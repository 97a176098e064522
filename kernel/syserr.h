/*
 * syserr.h - a core error (errors.h, -E_xxx) as a system call's
 * (uapi.h, -SYS_Exxx): the one place the kernel turns one into the other.
 * The loader (elf.c) and the process modules (proc.c, ufault.c) report
 * through it, so a program sees the same error for the same failure.
 */
#ifndef PAGETRACK_SYSERR_H
#define PAGETRACK_SYSERR_H

#include "errors.h"
#include "uapi.h"

/*
 * rc as a system call's result: a non-negative rc as it is, -E_NOMEM as
 * -SYS_ENOMEM, -E_FAULT (a bad user address, a fault that is not ours to
 * resolve) as -SYS_EFAULT, -E_IO (a page could not be read from swap) as
 * -SYS_EIO, any other error as -SYS_EINVAL.
 */
static inline int sys_error(int rc)
{
	if (rc >= 0)
		return rc;
	if (rc == -E_NOMEM)
		return -SYS_ENOMEM;
	if (rc == -E_IO)
		return -SYS_EIO;
	return rc == -E_FAULT ? -SYS_EFAULT : -SYS_EINVAL;
}

#endif
