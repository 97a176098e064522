/*
 * syscall.h - the system calls of uapi.h, on vector SYSCALL_VECTOR
 * (int $0x80, callable from ring 3).  They act on the process that made
 * them; syscall.c calls down into proc.c and ufault.c (procdef.h).
 */
#ifndef PAGETRACK_SYSCALL_H
#define PAGETRACK_SYSCALL_H

/* Open the system-call vector.  Call once, after proc_init. */
void syscall_init(void);

#endif
