/*
 * cpu.h - the i386 instructions the kernel needs, as small inline functions.
 *
 * Together with seam.c this is the only place that holds inline assembly:
 * everything else calls these.  The selector constants are shared with the
 * assembly files (boot.S, trap.S), so they come first and plain.
 */
#ifndef PAGETRACK_CPU_H
#define PAGETRACK_CPU_H

/*
 * Selectors.  The boot GDT (boot.S) has the first two; the kernel's GDT
 * (gdt.c) keeps them at the same places and adds ring-3 code and data (a
 * selector names its ring in its low two bits), the TSS, and the TSS of the
 * double-fault task.
 */
#define SEG_KCODE 0x08
#define SEG_KDATA 0x10
#define SEG_UCODE (0x18 | 3)
#define SEG_UDATA (0x20 | 3)
#define SEG_TSS 0x28
#define SEG_DF_TSS 0x30 /* the double-fault task's TSS */

#define EFLAGS_IF_BIT 9 /* interrupts enabled */

#ifndef __ASSEMBLER__

#include "types.h"

/* The operand of lgdt and lidt: limit, then linear base. */
struct pseudo_desc {
	uint16_t limit;
	uint32_t base;
} __attribute__((packed));

static inline uint8_t inb(uint16_t port)
{
	uint8_t v;
	__asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline void outb(uint16_t port, uint8_t v)
{
	__asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

static inline void outw(uint16_t port, uint16_t v)
{
	__asm__ volatile("outw %0, %1" : : "a"(v), "Nd"(port));
}

static inline uint16_t inw(uint16_t port)
{
	uint16_t v;
	__asm__ volatile("inw %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline uint32_t inl(uint16_t port)
{
	uint32_t v;
	__asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline void outl(uint16_t port, uint32_t v)
{
	__asm__ volatile("outl %0, %1" : : "a"(v), "Nd"(port));
}

/* Read n doublewords from port into dst (DF is clear in the kernel: trap.S clears it). */
static inline void insl(uint16_t port, void *dst, uint32_t n)
{
	__asm__ volatile("rep insl" : "+D"(dst), "+c"(n) : "d"(port) : "memory");
}

/* Write n doublewords from src to port. */
static inline void outsl(uint16_t port, const void *src, uint32_t n)
{
	__asm__ volatile("rep outsl" : "+S"(src), "+c"(n) : "d"(port) : "memory");
}

/* Keep the compiler from moving memory accesses across this point (a device reads or wrote them). */
static inline void compiler_barrier(void)
{
	__asm__ volatile("" : : : "memory");
}

static inline uint32_t read_cr0(void)
{
	uint32_t v;
	__asm__ volatile("mov %%cr0, %0" : "=r"(v));
	return v;
}

/* The clobber keeps the compiler from moving memory accesses across a paging change. */
static inline void write_cr0(uint32_t v)
{
	__asm__ volatile("mov %0, %%cr0" : : "r"(v) : "memory");
}

static inline uint32_t read_cr2(void)
{
	uint32_t v;
	__asm__ volatile("mov %%cr2, %0" : "=r"(v));
	return v;
}

static inline uint32_t read_cr3(void)
{
	uint32_t v;
	__asm__ volatile("mov %%cr3, %0" : "=r"(v));
	return v;
}

static inline void write_cr3(uint32_t v)
{
	__asm__ volatile("mov %0, %%cr3" : : "r"(v) : "memory");
}

static inline uint32_t read_cr4(void)
{
	uint32_t v;
	__asm__ volatile("mov %%cr4, %0" : "=r"(v));
	return v;
}

static inline void write_cr4(uint32_t v)
{
	__asm__ volatile("mov %0, %%cr4" : : "r"(v) : "memory");
}

static inline void invlpg(uint32_t va)
{
	__asm__ volatile("invlpg (%0)" : : "r"(va) : "memory");
}

static inline void lidt(const struct pseudo_desc *d)
{
	__asm__ volatile("lidt (%0)" : : "r"(d) : "memory");
}

static inline void lgdt(const struct pseudo_desc *d)
{
	__asm__ volatile("lgdt (%0)" : : "r"(d) : "memory");
}

static inline void ltr(uint16_t sel)
{
	__asm__ volatile("ltr %0" : : "r"(sel) : "memory");
}

/* Where this CPU's GDT is: its base and limit. */
static inline void sgdt(struct pseudo_desc *d)
{
	__asm__ volatile("sgdt %0" : "=m"(*d));
}

/* The selector in this CPU's task register. */
static inline uint16_t str(void)
{
	uint16_t sel;
	__asm__ volatile("str %0" : "=r"(sel));
	return sel;
}

static inline void cli(void)
{
	__asm__ volatile("cli" : : : "memory");
}

static inline void sti(void)
{
	__asm__ volatile("sti" : : : "memory");
}

static inline void hlt(void)
{
	__asm__ volatile("hlt");
}

/*
 * Sleep until an interrupt comes, taking it, then go on with interrupts
 * off again.  sti delays interrupts by one instruction, so one that comes
 * after the caller's last check still wakes the hlt.
 */
static inline void wait_for_interrupt(void)
{
	__asm__ volatile("sti; hlt; cli" : : : "memory");
}

static inline uint32_t read_ebp(void)
{
	uint32_t v;
	__asm__ volatile("mov %%ebp, %0" : "=r"(v));
	return v;
}

#define EFLAGS_AC BIT(18) /* alignment check: an i386 cannot set it */
#define EFLAGS_ID BIT(21) /* a CPU that can change it has CPUID */

static inline uint32_t read_eflags(void)
{
	uint32_t v;
	__asm__ volatile("pushfl; popl %0" : "=r"(v));
	return v;
}

static inline void write_eflags(uint32_t v)
{
	__asm__ volatile("pushl %0; popfl" : : "r"(v) : "memory", "cc");
}

/* CPUID leaf `leaf` into r[0..3]: EAX, EBX, ECX, EDX (only where cpu_has_cpuid says so). */
static inline void cpuid(uint32_t leaf, uint32_t r[4])
{
	__asm__ volatile("cpuid" : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3]) : "a"(leaf), "c"(0));
}

/* The time-stamp counter (under QEMU with -icount it counts instructions). */
static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;
	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return (uint64_t)hi << 32 | lo;
}

/*
 * The x87 and MMX registers of a process while it is switched out: the
 * 108-byte image FNSAVE writes and FRSTOR reads in 32-bit protected mode.
 * The kernel itself never uses them (it is built -mgeneral-regs-only).
 */
struct fpu_state {
	uint32_t cw, sw, tw;     /* control, status and tag words, in the low 16 bits */
	uint32_t ip, cs, dp, ds; /* where the last instruction and its operand were */
	uint8_t st[80];          /* st(0) to st(7), 10 bytes each */
};
_Static_assert(sizeof(struct fpu_state) == 108, "FNSAVE writes 108 bytes");

/* What FNINIT leaves: every exception masked, round to nearest, all registers empty. */
#define FPU_INITIAL ((struct fpu_state){ .cw = 0x037F, .tw = 0xFFFF })

#define CR0_MP BIT(1) /* WAIT obeys CR0.TS */
#define CR0_EM BIT(2) /* x87 instructions trap (#NM) */
#define CR0_TS BIT(3) /* the next x87 instruction traps (#NM) */
#define CR0_NE BIT(5) /* x87 errors raise #MF, not the legacy IRQ 13 */

/* Empty the registers: as FNINIT leaves them. */
static inline void fpu_reset(void)
{
	__asm__ volatile("fninit");
}

/* Let ring 3 use the x87 and MMX, with errors as #MF, and start them empty. */
static inline void fpu_init(void)
{
	write_cr0((read_cr0() & ~(CR0_EM | CR0_TS)) | CR0_MP | CR0_NE);
	fpu_reset();
}

/* Save the registers into *s; they are then as FNINIT leaves them. */
static inline void fpu_save(struct fpu_state *s)
{
	__asm__ volatile("fnsave %0" : "=m"(*s));
}

static inline void fpu_restore(const struct fpu_state *s)
{
	__asm__ volatile("frstor %0" : : "m"(*s));
}

/*
 * For crash=double: a page fault the CPU cannot deliver.  With ESP in page
 * 0, which nothing maps, pushing the fault's frame faults again: a double
 * fault.
 */
static inline void fault_without_a_stack(void)
{
	__asm__ volatile("movl $0x1000, %%esp; pushl $0" : : : "memory");
}

/* Stop this CPU for good; the loop catches an NMI waking it from hlt. */
static inline _Noreturn void halt_forever(void)
{
	for (;;) {
		cli();
		hlt();
	}
}

#endif /* __ASSEMBLER__ */

#endif
