/*
 * status.h - the user interface's numbers in words, for the kernel and
 * the user programs alike: a system call's error (uapi.h, -SYS_Exxx) and a
 * wait() status (an exit status, or KILLED_BIT and a cause).
 *
 *   sys_err_text(-SYS_ENOMEM)          "ENOMEM (out of memory)"
 *   wait_status_text(0x103, buf, n)    "killed: out of memory"
 *   wait_status_text(7, buf, n)        "exited with 7"
 */
#ifndef PAGETRACK_STATUS_H
#define PAGETRACK_STATUS_H

#include "types.h"

#define STATUS_TEXT_MAX 48 /* room for any wait_status_text */

/* A system call's error, positive or negated, as its name and cause. */
const char *sys_err_text(int err);

/*
 * How a process ended, from its wait() status, in words: "exited with N",
 * "killed: out of memory", "killed: fault" (an access it may not make),
 * "killed: stack overflow", "killed: on the kernel's order" (the kernel
 * monitor's kill), or "status 0x..." for a status no process can
 * end with.  Written into buf (size bytes); returns buf.
 */
char *wait_status_text(int status, char *buf, size_t size);

#endif
