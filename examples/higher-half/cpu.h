/* cpu.h - the few instructions this kernel needs, as inline functions. */
#ifndef HH_CPU_H
#define HH_CPU_H

#include <stdbool.h>
#include <stdint.h>

#define CR0_WRITE_PROTECT (1u << 16)
#define CR4_GLOBAL_PAGES (1u << 7)
#define EFLAGS_IF (1u << 9)

static inline void outb(uint16_t port, uint8_t v)
{
	__asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

static inline uint8_t inb(uint16_t port)
{
	uint8_t v;
	__asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

#define CR_READ(n)                                                                     \
	static inline uint32_t read_cr##n(void)                                        \
	{                                                                              \
		uint32_t v;                                                            \
		__asm__ volatile("mov %%cr" #n ", %0" : "=r"(v));                      \
		return v;                                                              \
	}
#define CR_WRITE(n)                                                                    \
	static inline void write_cr##n(uint32_t v)                                     \
	{                                                                              \
		__asm__ volatile("mov %0, %%cr" #n : : "r"(v) : "memory");             \
	}
CR_READ(0)
CR_WRITE(0)
CR_READ(2)
CR_READ(3)
CR_WRITE(3)
CR_READ(4)
CR_WRITE(4)

static inline void invlpg(uint32_t va)
{
	__asm__ volatile("invlpg (%0)" : : "r"(va) : "memory");
}

/* CPUID leaf 1's EDX; the caller knows the CPU has CPUID (every QEMU model but the 486 does). */
static inline uint32_t cpuid1_edx(void)
{
	uint32_t a = 1, b, c = 0, d;
	__asm__ volatile("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d));
	return d;
}

/* Whether EFLAGS.ID can be flipped: the CPU has CPUID. */
static inline bool has_cpuid(void)
{
	uint32_t now, was;
	__asm__ volatile("pushfl\n\tpopl %0\n\tmovl %0, %1\n\txorl $0x200000, %0\n\t"
			 "pushl %0\n\tpopfl\n\tpushfl\n\tpopl %0\n\tpushl %1\n\tpopfl"
			 : "=&r"(now), "=&r"(was));
	return (now ^ was) & 0x200000;
}

static inline _Noreturn void halt_forever(void)
{
	for (;;)
		__asm__ volatile("cli; hlt");
}

/*
 * End the run through QEMU's isa-debug-exit device at port 0xf4: QEMU
 * exits with (v << 1) | 1, 33 for success and 35 for failure (what
 * scripts/qemu.sh expects).  Without the device the CPU halts.
 */
static inline _Noreturn void qemu_exit(bool ok)
{
	outb(0xf4, ok ? 0x10 : 0x11);
	halt_forever();
}

#endif
