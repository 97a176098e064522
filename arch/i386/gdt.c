/* gdt.c - the GDT and the TSS (see gdt.h). */
#include "gdt.h"
#include "cpu.h"
#include "lib.h"
#include "smp.h"

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

#define GDT_ENTRIES 7

/*
 * Each CPU's GDT and TSS: a TSS's descriptor is marked busy by the ltr
 * that loads it, so no two CPUs can share one, and each CPU will need its
 * own ring-0 stack in its TSS.  The double-fault task is one for all: only
 * the boot CPU runs anything that could overflow a stack.
 */
struct cpu_segments {
	struct seg_desc gdt[GDT_ENTRIES];
	struct tss tss;
} __attribute__((aligned(8)));

static struct cpu_segments segs[CPU_MAX];
static struct tss df_tss;
static uint8_t df_stack[DF_STACK_SIZE] __attribute__((aligned(16)));
static struct tss *const boot_tss = &segs[0].tss; /* the double fault's report reads it */

/* The running CPU's segments: its GDTR points into them. */
static struct cpu_segments *running_segments(void)
{
	struct pseudo_desc desc;

	sgdt(&desc);
	return (struct cpu_segments *)(uintptr_t)(desc.base - __builtin_offsetof(struct cpu_segments, gdt));
}

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
	gdt_load(0, 0);
}

void gdt_load(uint32_t cpu, uint32_t esp0)
{
	ASSERT(cpu < CPU_MAX);
	struct pseudo_desc desc;
	struct seg_desc *gdt = segs[cpu].gdt;
	struct tss *t = &segs[cpu].tss;

	gdt[SEG_KCODE >> 3] = flat(0, TYPE_CODE_XR);
	gdt[SEG_KDATA >> 3] = flat(0, TYPE_DATA_RW);
	gdt[SEG_UCODE >> 3] = flat(3, TYPE_CODE_XR);
	gdt[SEG_UDATA >> 3] = flat(3, TYPE_DATA_RW);
	*t = (struct tss){ .ss0 = SEG_KDATA, .esp0 = esp0 };
	t->iomap_base = sizeof(*t); /* no I/O permission bitmap: ring 3 gets no ports */
	gdt[SEG_TSS >> 3] = make_desc((uint32_t)t, sizeof(*t) - 1, DESC_P | TYPE_TSS32, 0);
	gdt[SEG_DF_TSS >> 3] = make_desc((uint32_t)&df_tss, sizeof(df_tss) - 1,
					 DESC_P | TYPE_TSS32, 0);
	desc.limit = sizeof(segs[cpu].gdt) - 1;
	desc.base = (uint32_t)gdt;
	lgdt(&desc);
	ltr(SEG_TSS);
}

uint32_t gdt_cpu_table(uint32_t cpu)
{
	return (uint32_t)segs[cpu].gdt;
}

uint32_t gdt_cpu_tss(uint32_t cpu)
{
	return (uint32_t)&segs[cpu].tss;
}

uint32_t gdt_running_tss(void)
{
	struct pseudo_desc desc;
	struct seg_desc d;

	sgdt(&desc);
	memcpy(&d, (const void *)(uintptr_t)(desc.base + (str() & ~7u)), sizeof(d));
	return (d.lo >> 16) | (d.hi & 0xFF) << 16 | (d.hi & 0xFF000000);
}

uint32_t gdt_running_table(void)
{
	struct pseudo_desc desc;

	sgdt(&desc);
	return desc.base;
}

void tss_set_kernel_stack(uint32_t esp0)
{
	running_segments()->tss.esp0 = esp0;
}

uint32_t tss_kernel_stack(void)
{
	return running_segments()->tss.esp0;
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
	*eip = boot_tss->eip;
	*esp = boot_tss->esp;
	*ebp = boot_tss->ebp;
}
