/*
 * test_smp.c - the CPUs as the kernel started them (smp.h).  Kernel only.
 *
 * Every CPU the MADT lists has an entry, up to CPU_MAX, and started; each
 * then wrote down what it found of itself (smp.c's ap_main): its local
 * APIC's ID, where its stack pointer was, the GDT in its GDTR and the TSS
 * its task register names.  These must be its own and no other CPU's.
 * qemu.sh --smp N tells the kernel N (cpus=N), so the count is checked
 * against what QEMU was given; --no-acpi, that there is no MADT (acpi=off).  The MMIO window the local APIC is mapped in
 * must be out of ring 3's reach, as the gate's table holds it.
 */
#include "cmdline.h"
#include "cpufeat.h"
#include "gdt.h"
#include "apic.h"
#include "kfixture.h"
#include "layout.h"
#include "probe.h"
#include "smp.h"
#include "suites.h"

#define LAPIC_ID_REG 0x20
#define OPTION_MAX 16

/* Whether the CPUs beside the boot CPU could be started: a MADT, and a local APIC. */
static bool can_start(void)
{
	return smp_have_madt() && cpu_features()->apic;
}

/*
 * With acpi=off (qemu.sh --no-acpi) the machine has no tables: the kernel
 * runs on one CPU, however many QEMU was given.
 */
static void the_madt_lists_the_cpus_qemu_was_given(void)
{
	char val[OPTION_MAX];
	uint32_t n = 0;

	if (cmdline_option(ktest_cmdline, "acpi", val, sizeof(val)) == 0 && strcmp(val, "off") == 0) {
		CHECK(!smp_have_madt());
		CHECK_EQ(smp_cpus_found(), 1u);
	} else if (cmdline_option(ktest_cmdline, "cpus", val, sizeof(val)) == 0) {
		CHECK_OK(cmdline_parse_size(val, &n));
		CHECK(smp_have_madt());
		CHECK_EQ(smp_cpus_found(), n);
	}
	CHECK(smp_cpus_found() >= 1);
	CHECK_EQ(smp_cpus(), can_start() ? MIN(smp_cpus_found(), (uint32_t)CPU_MAX) : 1u);
}

static void every_cpu_started_once_with_an_apic_id_of_its_own(void)
{
	for (uint32_t i = 0; i < smp_cpus(); i++) {
		const struct cpu *c = smp_cpu(i);
		CHECK(c->started);
		CHECK_EQ(c->seen_apic_id, c->apic_id);
		for (uint32_t j = 0; j < i; j++)
			CHECK(smp_cpu(j)->apic_id != c->apic_id);
	}
	if (can_start())
		CHECK_EQ(lapic_id(), smp_cpu(0)->apic_id);
}

static void each_cpu_runs_on_a_stack_of_its_own(void)
{
	for (uint32_t i = 0; i < smp_cpus(); i++) {
		const struct cpu *c = smp_cpu(i);
		CHECK(c->stack_size >= AP_STACK_SIZE);
		CHECK(c->seen_esp > c->stack && c->seen_esp < c->stack + c->stack_size);
		for (uint32_t j = 0; j < i; j++) {
			const struct cpu *o = smp_cpu(j);
			CHECK(c->stack + c->stack_size <= o->stack || o->stack + o->stack_size <= c->stack);
		}
	}
}

static void each_cpu_has_its_own_gdt_and_tss(void)
{
	for (uint32_t i = 0; i < smp_cpus(); i++) {
		const struct cpu *c = smp_cpu(i);
		CHECK_EQ(c->seen_gdt, c->gdt);
		CHECK_EQ(c->seen_tss, c->tss);
		CHECK_EQ(c->gdt, gdt_cpu_table(i));
		CHECK_EQ(c->tss, gdt_cpu_tss(i));
		for (uint32_t j = 0; j < i; j++) {
			CHECK(smp_cpu(j)->gdt != c->gdt);
			CHECK(smp_cpu(j)->tss != c->tss);
		}
	}
	/* the boot CPU still runs on its own, whose ring-0 stack the processes set */
	CHECK_EQ(gdt_running_table(), smp_cpu(0)->gdt);
	CHECK_EQ(gdt_running_tss(), smp_cpu(0)->tss);
}

/* The local APIC is the window's first page: the kernel reads its ID there, ring 3 nothing. */
static void the_mmio_window_is_the_kernels_alone(void)
{
	uint32_t v = 0;

	if (!can_start())
		return;
	CHECK_EQ(probe(MMIO_BASE + LAPIC_ID_REG, PROBE_READ, &v), 0);
	CHECK_EQ(v >> 24, smp_cpu(0)->apic_id);
	CHECK_EQ(probe(MMIO_BASE + LAPIC_ID_REG, PROBE_USER, &v), PROBE_FAULTED | PF_P | PF_U);
	CHECK_EQ(probe(MMIO_BASE + LAPIC_ID_REG, PROBE_USER | PROBE_WRITE, &v),
		 PROBE_FAULTED | PF_P | PF_U | PF_W);
	CHECK_EQ(probe(MMIO_BASE + (MMIO_PAGES - 1) * PAGE_SIZE, PROBE_READ, &v), PROBE_FAULTED);
}

static const struct test_case cases[] = {
	TEST_CASE(the_madt_lists_the_cpus_qemu_was_given),
	TEST_CASE(every_cpu_started_once_with_an_apic_id_of_its_own),
	TEST_CASE(each_cpu_runs_on_a_stack_of_its_own),
	TEST_CASE(each_cpu_has_its_own_gdt_and_tss),
	TEST_CASE(the_mmio_window_is_the_kernels_alone),
};

DEFINE_SUITE(smp_suite, "smp", cases, NULL, NULL);
