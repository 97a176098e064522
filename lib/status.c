/* status.c - system-call errors and wait() statuses in words (see status.h). */
#include "status.h"
#include "lib.h"
#include "uapi.h"

const char *sys_err_text(int err)
{
	switch (err < 0 ? -err : err) {
	case SYS_ENOENT:
		return "ENOENT (no program of that name)";
	case SYS_ESRCH:
		return "ESRCH (no such thread)";
	case SYS_EIO:
		return "EIO (a page could not be read from swap)";
	case SYS_EBADF:
		return "EBADF (not a file descriptor)";
	case SYS_ECHILD:
		return "ECHILD (no child to wait for)";
	case SYS_EAGAIN:
		return "EAGAIN (too many threads)";
	case SYS_ENOMEM:
		return "ENOMEM (out of memory)";
	case SYS_EFAULT:
		return "EFAULT (a bad address)";
	case SYS_EBUSY:
		return "EBUSY (another thread is alive)";
	case SYS_EINVAL:
		return "EINVAL (a bad argument)";
	case SYS_ENOSYS:
		return "ENOSYS (no such system call)";
	default:
		return "E? (not an error a system call returns)";
	}
}

/* The cause of a kill (KILL_xxx) in words, or NULL. */
static const char *kill_cause(int cause)
{
	switch (cause) {
	case KILL_FAULT:
		return "fault";
	case KILL_STACK:
		return "stack overflow";
	case KILL_NOMEM:
		return "out of memory";
	case KILL_IO:
		return "disk error";
	case KILL_ORDER:
		return "on the kernel's order";
	default:
		return NULL;
	}
}

char *wait_status_text(int status, char *buf, size_t size)
{
	const char *cause = kill_cause(status & ~KILLED_BIT);

	if (status >= 0 && status <= 0xFF)
		ksnprintf(buf, size, "exited with %d", status);
	else if ((status & KILLED_BIT) && (status & ~(KILLED_BIT | 0xFF)) == 0 && cause)
		ksnprintf(buf, size, "killed: %s", cause);
	else
		ksnprintf(buf, size, "status 0x%x", (unsigned)status);
	return buf;
}
