/* gdt.c - the GDT and the TSS (see gdt.h). */
#include "gdt.h"
#include "cpu.h"
#include "lib.h"

/* A segment descriptor (SDM vol. 3A, figure 3-8), kept as its two words. */
struct seg_desc {
	uint32_t lo, hi;
};

/* Access bytes: present, ring, and the type. */
#define DESC_P BIT(7)
#define DESC_DPL(r) ((uint32_t)(r) << 5)
#define DESC_CODE_DATA BIT(4)  /* S: a code or data segment, not a system one */
#define TYPE_CODE_XR 0xA       /* execute/read */
#define TYPE_DATA_RW 0x2       /* read/write */
#define TYPE_TSS32 0x9         /* 32-bit TSS, available */
#define FLAGS_4K_32 0xC        /* granularity 4 KiB, 32-bit */

/*
 * The 32-bit task-state segment (SDM vol. 3A, figure 7-2).  Of the
 * kernel's, only ss0:esp0 is set (and a double fault saves the state it
 * interrupts there); the double-fault task's is a whole task.
 */
struct tss {
	uint32_t link;
	uint32_t esp0, ss0;
	uint32_t esp1, ss1, esp2, ss2;
	uint32_t cr3, eip, eflags, eax, ecx, edx, ebx, esp, ebp, esi, edi;
	uint32_t es, cs, ss, ds, fs, gs, ldt;
	uint16_t trap, iomap_base;
} __attribute__((packed));
_Static_assert(sizeof(struct tss) == 104, "the 32-bit TSS is 104 bytes");

#define DF_STACK_SIZE 4096
#define EFLAGS_RESERVED BIT(1) /* always set */

static struct tss tss, df_tss;
static struct seg_desc gdt[7] __attribute__((aligned(8)));
static uint8_t df_stack[DF_STACK_SIZE] __attribute__((aligned(16)));

static struct seg_desc make_desc(uint32_t base, uint32_t limit, uint32_t access, uint32_t flags)
{
	return (struct seg_desc){
		.lo = (limit & 0xFFFF) | (base & 0xFFFF) << 16,
		.hi = (base >> 16 & 0xFF) | access << 8 | (limit & 0xF0000) | flags << 20 |
		      (base & 0xFF000000),
	};
}

static struct seg_desc flat(uint32_t ring, uint32_t type)
{
	return make_desc(0, 0xFFFFF, DESC_P | DESC_DPL(ring) | DESC_CODE_DATA | type,
			 FLAGS_4K_32);
}

void gdt_init(void)
{
	static struct pseudo_desc desc;

	gdt[SEG_KCODE >> 3] = flat(0, TYPE_CODE_XR);
	gdt[SEG_KDATA >> 3] = flat(0, TYPE_DATA_RW);
	gdt[SEG_UCODE >> 3] = flat(3, TYPE_CODE_XR);
	gdt[SEG_UDATA >> 3] = flat(3, TYPE_DATA_RW);
	tss.ss0 = SEG_KDATA;
	tss.iomap_base = sizeof(tss); /* no I/O permission bitmap: ring 3 gets no ports */
	gdt[SEG_TSS >> 3] = make_desc((uint32_t)&tss, sizeof(tss) - 1, DESC_P | TYPE_TSS32, 0);
	gdt[SEG_DF_TSS >> 3] = make_desc((uint32_t)&df_tss, sizeof(df_tss) - 1,
					 DESC_P | TYPE_TSS32, 0);
	desc.limit = sizeof(gdt) - 1;
	desc.base = (uint32_t)gdt;
	lgdt(&desc);
	ltr(SEG_TSS);
}

void tss_set_kernel_stack(uint32_t esp0)
{
	tss.esp0 = esp0;
}

uint32_t tss_kernel_stack(void)
{
	return tss.esp0;
}

void tss_set_double_fault(void (*entry)(void))
{
	df_tss = (struct tss){
		.eip = (uint32_t)entry,
		.eflags = EFLAGS_RESERVED, /* interrupts off */
		.esp = (uint32_t)(df_stack + sizeof(df_stack)),
		.cs = SEG_KCODE,
		.ss = SEG_KDATA, .ds = SEG_KDATA, .es = SEG_KDATA, .fs = SEG_KDATA, .gs = SEG_KDATA,
		.cr3 = read_cr3(),
		.iomap_base = sizeof(df_tss),
	};
}

void tss_set_double_fault_cr3(uint32_t cr3)
{
	df_tss.cr3 = cr3;
}

void tss_interrupted(uint32_t *eip, uint32_t *esp, uint32_t *ebp)
{
	*eip = tss.eip;
	*esp = tss.esp;
	*ebp = tss.ebp;
}
