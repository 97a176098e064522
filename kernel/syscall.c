/*
 * syscall.c - the system calls (numbers and arguments in uapi.h).  Each
 * takes its arguments from the trap frame of `int $0x80` and returns its
 * result, which lands in the caller's EAX.  Every user pointer goes through
 * ufault.c's checked copies.
 */
#include "debug.h"
#include "errors.h"
#include "idt.h"
#include "lib.h"
#include "procdef.h"
#include "seam.h"
#include "spinlock.h"
#include "syscall.h"
#include "uapi.h"

typedef int (*syscall_fn)(struct proc *p, uint32_t a, uint32_t b, uint32_t c);

/*
 * What write reads from the process, a page of it at a time: one resolve
 * and one kmap window per user page (ufault.c).  One buffer serves every
 * process: a system call runs with interrupts off (interrupt gates) and
 * write never yields, so no other call can reach it meanwhile.
 */
static char write_buf[PAGE_SIZE];

static int sys_write(struct proc *p, uint32_t fd, uint32_t buf, uint32_t len)
{
	if (fd != FD_STDOUT && fd != FD_STDERR && fd != FD_NULL)
		return -SYS_EBADF;
	if (len > INT32_MAX)
		return -SYS_EINVAL;
	int rc = user_range_ready(p, buf, len, false); /* all of it, before printing any */
	if (rc < 0)
		return rc;
	for (uint32_t done = 0; done < len;) {
		/* up to the end of buf's page, so that each piece is one page of it */
		uint32_t n = MIN(len - done, PAGE_SIZE - ((buf + done) & PAGE_MASK));
		if ((rc = user_copy_in(p, write_buf, buf + done, n)) < 0)
			return rc;
		for (uint32_t i = 0; fd != FD_NULL && i < n; i++)
			hw_putc(write_buf[i]);
		done += n;
	}
	return (int)len;
}

static int sys_exit(struct proc *p, uint32_t status, uint32_t b, uint32_t c)
{
	(void)p, (void)b, (void)c;
	proc_exit((int)(status & 0xFF));
}

static int sys_getpid(struct proc *p, uint32_t a, uint32_t b, uint32_t c)
{
	(void)a, (void)b, (void)c;
	return proc_pid(p); /* the process's, in every thread */
}

static int sys_yield(struct proc *p, uint32_t a, uint32_t b, uint32_t c)
{
	(void)p, (void)a, (void)b, (void)c;
	proc_yield();
	return 0;
}

static int sys_sbrk(struct proc *p, uint32_t incr, uint32_t b, uint32_t c)
{
	(void)b, (void)c;
	return user_sbrk(p, (int32_t)incr);
}

static int sys_fork(struct proc *p, uint32_t a, uint32_t b, uint32_t c)
{
	(void)p, (void)a, (void)b, (void)c;
	return proc_fork();
}

static int sys_wait(struct proc *p, uint32_t status, uint32_t b, uint32_t c)
{
	(void)p, (void)b, (void)c;
	return proc_wait(status);
}

static int sys_map(struct proc *p, uint32_t addr, uint32_t len, uint32_t prot)
{
	return user_map(p, addr, len, prot);
}

static int sys_unmap(struct proc *p, uint32_t addr, uint32_t len, uint32_t c)
{
	(void)c;
	return user_unmap(p, addr, len);
}

static int sys_protect(struct proc *p, uint32_t addr, uint32_t len, uint32_t prot)
{
	return user_protect(p, addr, len, prot);
}

static int sys_exec(struct proc *p, uint32_t name, uint32_t arg, uint32_t c)
{
	(void)p, (void)c;
	return proc_exec(name, (int)arg);
}

static int sys_sleep(struct proc *p, uint32_t turns, uint32_t b, uint32_t c)
{
	(void)p, (void)b, (void)c;
	return proc_sleep(turns);
}

static int sys_thread(struct proc *p, uint32_t entry, uint32_t esp, uint32_t c)
{
	(void)p, (void)c;
	return proc_thread(entry, esp);
}

static int sys_join(struct proc *p, uint32_t tid, uint32_t status, uint32_t c)
{
	(void)p, (void)c;
	return proc_join((int)tid, status);
}

static int sys_pin(struct proc *p, uint32_t cpu, uint32_t b, uint32_t c)
{
	(void)p, (void)b, (void)c;
	return proc_pin((int)cpu);
}

static const syscall_fn calls[SYS_COUNT] = {
	[SYS_WRITE] = sys_write,     [SYS_EXIT] = sys_exit,   [SYS_GETPID] = sys_getpid,
	[SYS_YIELD] = sys_yield,     [SYS_SBRK] = sys_sbrk,   [SYS_FORK] = sys_fork,
	[SYS_WAIT] = sys_wait,       [SYS_MAP] = sys_map,     [SYS_UNMAP] = sys_unmap,
	[SYS_PROTECT] = sys_protect, [SYS_EXEC] = sys_exec,   [SYS_SLEEP] = sys_sleep,
	[SYS_THREAD] = sys_thread,   [SYS_JOIN] = sys_join,   [SYS_PIN] = sys_pin,
};

/*
 * A page a system call needed could not be read from swap: the process
 * ends, as it would have had it touched the page itself (KILL_IO).
 */
static void end_if_disk_failed(struct proc *p)
{
	if (!p->lost_page)
		return;
	kprintf("killed: process %d (%s): its page at 0x%08x could not be read from swap\n",
		proc_pid(p), p->name, p->lost_va);
	proc_kill_process(KILLED_BIT | KILL_IO);
}

static bool syscall_trap(struct trap_frame *tf)
{
	uint32_t n = tf->eax;

	if (!current || !trap_from_user(tf))
		return false;
	DEBUG_ASSERT(klock_held()); /* every call uses the process table or the core */
	if (n >= SYS_COUNT || !calls[n])
		tf->eax = (uint32_t)-SYS_ENOSYS;
	else
		tf->eax = (uint32_t)calls[n](current, tf->ebx, tf->ecx, tf->edx);
	proc_end_if_doomed(); /* chosen to make room while in the call: its line is printed */
	end_if_disk_failed(current);
	return true;
}

void syscall_init(void)
{
	idt_enable(SYSCALL_VECTOR, 3, syscall_trap);
}
