/* cpufeat.c - what this CPU can do (see cpufeat.h). */
#include "cpufeat.h"
#include "cpu.h"
#include "lib.h"

#define CPUID_FPU BIT(0)  /* leaf 1, EDX */
#define CPUID_PSE BIT(3)
#define CPUID_TSC BIT(4)
#define CPUID_APIC BIT(9)
#define CPUID_PGE BIT(13)
#define FPU_ABSENT 0x5A5A /* what the status word keeps when no x87 writes it */

static struct cpu_features feat;

/* Whether bit `flag` of EFLAGS can be changed: CPUs that lack a flag keep it fixed. */
static bool eflags_can_flip(uint32_t flag)
{
	uint32_t old = read_eflags();

	write_eflags(old ^ flag);
	bool flipped = (read_eflags() ^ old) & flag;
	write_eflags(old);
	return flipped;
}

/* Without CPUID: an x87 is there if FNINIT and FNSTSW write its status word. */
static bool probe_fpu(void)
{
	uint16_t sw = FPU_ABSENT;

	write_cr0(read_cr0() & ~(CR0_EM | CR0_TS));
	__asm__ volatile("fninit; fnstsw %0" : "+m"(sw));
	return sw == 0;
}

static void read_cpuid(void)
{
	uint32_t r[4];

	cpuid(0, r);
	memcpy(feat.vendor, &r[1], 4); /* EBX, EDX, ECX: the vendor's 12 characters */
	memcpy(feat.vendor + 4, &r[3], 4);
	memcpy(feat.vendor + 8, &r[2], 4);
	feat.vendor[12] = '\0';
	if (r[0] < 1) {
		feat.fpu = probe_fpu();
		return;
	}
	cpuid(1, r);
	feat.stepping = r[0] & 0xF;
	feat.model = (r[0] >> 4) & 0xF;
	feat.family = (r[0] >> 8) & 0xF;
	feat.fpu = r[3] & CPUID_FPU;
	feat.pse = r[3] & CPUID_PSE;
	feat.tsc = r[3] & CPUID_TSC;
	feat.pge = r[3] & CPUID_PGE;
	feat.apic = r[3] & CPUID_APIC;
}

static const char *yes_no(bool b)
{
	return b ? "yes" : "no";
}

static void print_cpu(void)
{
	if (feat.cpuid)
		kprintf("cpu: %s family %u model %u stepping %u: ", feat.vendor, feat.family,
			feat.model, feat.stepping);
	else
		kprintf("cpu: an i486 without CPUID (EFLAGS.ID cannot change): ");
	kprintf("x87 %s, global pages (PGE) %s, 4 MiB pages (PSE) %s, TSC %s; pagetrack uses "
		"invlpg, CR0.WP%s and 4 KiB pages\n", yes_no(feat.fpu), yes_no(feat.pge),
		yes_no(feat.pse), yes_no(feat.tsc), feat.pge ? ", global pages" : "");
}

int cpu_detect(void)
{
	feat = (struct cpu_features){ .family = 4 };
	feat.is_386 = !eflags_can_flip(EFLAGS_AC);
	if (feat.is_386) {
		kprintf("cpu: an i386 (EFLAGS.AC cannot change): pagetrack needs an i486 or later, "
			"for invlpg and CR0.WP, which copy-on-write relies on\n");
		return -1;
	}
	feat.cpuid = eflags_can_flip(EFLAGS_ID);
	if (feat.cpuid)
		read_cpuid();
	else
		feat.fpu = probe_fpu();
	print_cpu();
	if (!feat.fpu) {
		kprintf("cpu: no x87 (an i486SX?): pagetrack needs one, for each process's x87 "
			"registers\n");
		return -1;
	}
	return 0;
}

const struct cpu_features *cpu_features(void)
{
	return &feat;
}
