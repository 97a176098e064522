/* smp.c - finding and starting the CPUs (see smp.h). */
#include "smp.h"
#include "acpi.h"
#include "apic.h"
#include "cpu.h"
#include "cpufeat.h"
#include "errors.h"
#include "gdt.h"
#include "idt.h"
#include "lib.h"
#include "seam.h"
#include "spinlock.h"
#include "timer.h"
#include "tlb.h"
#include "cpus.h"
#include "trampoline.h"

#define START_WAIT_MS 2000 /* for an AP to say it started, after its IPIs */

extern char boot_stack_bottom[], boot_stack_top[]; /* boot.S: the BSP's stack */

static struct madt_info madt;
static bool have_madt;
static struct cpu cpus[CPU_MAX];
static uint32_t ncpus = 1; /* entries of cpus[] in use */
uint32_t smp_nrunning = 1;   /* CPUs that run: cpus[0 .. smp_nrunning) */
bool smp_numbered;           /* smp_self may read the local APIC: smp_apic_index[] is filled */
static bool serving;         /* the APs are counted in: they may take work */
uint8_t smp_apic_index[256];
static void (*ap_work)(uint32_t cpu);
static uint8_t ap_stacks[CPU_MAX - 1][AP_STACK_SIZE] __attribute__((aligned(16)));

/*
 * The lowest word of each AP's stack, which only an overflow writes: the
 * stacks lie side by side with no guard page between them, so an AP checks
 * its own each time round its loop, and the run stops with a line rather
 * than with the stack below silently broken.
 */
#define STACK_CANARY 0x57AC0CA7u
void smp_find(void)
{
	const char *why = "";

	have_madt = acpi_read_madt(&madt, &why) == 0;
	if (!have_madt) {
		kprintf("acpi: %s: one cpu\n", why);
		return;
	}
	kprintf("acpi: MADT at 0x%08x: %u cpu%s, local APICs at 0x%08x, %u IO APIC%s\n", madt.where,
		madt.ncpus, madt.ncpus == 1 ? "" : "s", madt.lapic, madt.nioapics,
		madt.nioapics == 1 ? "" : "s");
}

uint32_t smp_cpus_found(void)
{
	return have_madt ? madt.ncpus : 1;
}

bool smp_have_madt(void)
{
	return have_madt;
}

uint32_t smp_cpus(void)
{
	return ncpus;
}

const struct cpu *smp_cpu(uint32_t i)
{
	ASSERT(i < ncpus);
	return &cpus[i];
}

/* pt_smp_ops wants a function: smp_self is inline. */
static uint32_t cpu_id(void)
{
	return smp_self();
}

void smp_set_ap_work(void (*fn)(uint32_t cpu))
{
	ap_work = fn;
}

void smp_wake(uint32_t mask)
{
	for (uint32_t i = 0; i < smp_nrunning; i++)
		if ((mask & BIT(i)) && i != smp_self())
			lapic_send(cpus[i].apic_id, WAKE_VECTOR);
}

int smp_call(uint32_t cpu, void (*fn)(void *), void *arg)
{
	if (cpu == 0 || cpu >= smp_nrunning || cpus[cpu].call)
		return -E_INVAL;
	cpus[cpu].call_arg = arg;
	__atomic_store_n(&cpus[cpu].call, fn, __ATOMIC_RELEASE);
	lapic_send(cpus[cpu].apic_id, WAKE_VECTOR);
	return 0;
}

void smp_call_wait(uint32_t cpu)
{
	bool held = klock_held();

	ASSERT(cpu > 0 && cpu < smp_nrunning);
	if (held)
		klock_give(); /* the AP may be waiting for it, or fn may take it */
	sti();            /* and fn may shoot down a translation this CPU holds */
	while (__atomic_load_n(&cpus[cpu].call, __ATOMIC_ACQUIRE))
		pt_cpu_relax();
	cli();
	if (held)
		klock_take();
}

/* An AP's life once started: a call, the work it was given, or sleep. */
static _Noreturn void ap_loop(struct cpu *c, uint32_t index)
{
	volatile uint32_t *canary = (volatile uint32_t *)c->stack;

	for (;;) {
		if (*canary != STACK_CANARY)
			panic("ap_loop: cpu %u overflowed its %u-byte stack", index, c->stack_size);
		void (*fn)(void *) = __atomic_load_n(&c->call, __ATOMIC_ACQUIRE);
		if (fn) {
			sti();
			fn(c->call_arg);
			cli();
			__atomic_store_n(&c->call, NULL, __ATOMIC_RELEASE);
			continue;
		}
		if (ap_work && __atomic_load_n(&serving, __ATOMIC_ACQUIRE))
			ap_work(index);
		if (!__atomic_load_n(&c->call, __ATOMIC_ACQUIRE))
			wait_for_interrupt();
	}
}

/* Where an AP arrives from the trampoline, on its own stack, with paging on. */
static _Noreturn void ap_main(uint32_t index)
{
	struct cpu *c = &cpus[index];

	gdt_load(index, c->stack + c->stack_size);
	idt_load();
	lapic_enable_masked();
	timer_start_cpu();
	c->seen_esp = (uint32_t)(uintptr_t)__builtin_frame_address(0);
	c->seen_gdt = gdt_running_table();
	c->seen_tss = gdt_running_tss();
	c->seen_apic_id = lapic_id();
	kprintf("cpu %u: started (apic id %u)\n", index, c->seen_apic_id);
	__atomic_store_n(&c->started, true, __ATOMIC_RELEASE);
	ap_loop(c, index);
}

/* ---- interrupts between CPUs ---------------------------------------------- */

static bool shootdown(struct trap_frame *tf)
{
	(void)tf;
	pt_tlb_ipi();
	lapic_eoi();
	return true;
}

static bool wake(struct trap_frame *tf)
{
	(void)tf;
	lapic_eoi();
	return true;
}

static bool spurious(struct trap_frame *tf)
{
	(void)tf;
	return true; /* the local APIC's spurious vector is never in service: no EOI */
}

/* pt_smp_ops: the core's way to the CPUs. */
static void send_shootdown(uint32_t mask)
{
	for (uint32_t i = 0; i < smp_nrunning; i++)
		if (mask & BIT(i))
			if (lapic_send(cpus[i].apic_id, SHOOTDOWN_VECTOR) < 0)
				panic("shootdown: cpu %u's local APIC took no IPI", i);
}

static const struct pt_smp_ops core_ops = { .cpu_id = cpu_id, .send_ipi = send_shootdown };

/* The APs run: open their vectors, and tell the core of them. */
static void serve_cpus(uint32_t n)
{
	idt_enable(SHOOTDOWN_VECTOR, 0, shootdown);
	idt_enable(WAKE_VECTOR, 0, wake);
	idt_enable(LAPIC_SPURIOUS_VECTOR, 0, spurious);
	timer_init_lapic();
	smp_nrunning = n;
	__atomic_store_n(&serving, true, __ATOMIC_RELEASE);
	int rc = pt_smp_init(n, &core_ops);
	if (rc < 0)
		panic("smp: the core takes no %u cpus: %s", n, err_name(rc));
}

/* ---- trap entry and exit from ring 3 -------------------------------------- */

/*
 * Whether this trap from ring 3 takes the big lock on entry: not with one
 * CPU (CPU 0 holds it), nor for a page fault, whose handler takes it only
 * when the fault needs it (spinlock.h).
 */
static bool takes_klock(const struct trap_frame *tf)
{
	return smp_running() > 1 && tf->vector < LOCKLESS_VECTORS && tf->vector != EXC_PF;
}

void trap_user_enter(struct trap_frame *tf)
{
	timer_user_enter(smp_self());
	if (takes_klock(tf))
		klock_take();
}

/* Give the lock back if the trap holds it: a page fault's may not, nor a LOCKLESS_VECTORS one. */
void trap_user_leave(struct trap_frame *tf)
{
	(void)tf;
	if (smp_running() > 1 && klock_held())
		klock_give();
	timer_user_leave(smp_self());
}

/* The boot CPU's entry, cpu 0: local APIC ID me. */
static void number_boot_cpu(uint32_t me)
{
	cpus[0] = (struct cpu){
		.apic_id = me, .stack = (uint32_t)boot_stack_bottom,
		.stack_size = (uint32_t)(boot_stack_top - boot_stack_bottom),
		.gdt = gdt_cpu_table(0), .tss = gdt_cpu_tss(0), .started = true,
		.seen_apic_id = me, .seen_gdt = gdt_running_table(), .seen_tss = gdt_running_tss(),
		.seen_esp = (uint32_t)(uintptr_t)__builtin_frame_address(0),
	};
}

/* The MADT's CPUs but the boot CPU, as 1, 2, ... up to CPU_MAX: false if the boot CPU is absent. */
static bool number_aps(void)
{
	bool found = false;

	for (uint32_t i = 0; i < MIN(madt.ncpus, (uint32_t)MADT_CPUS_MAX); i++) {
		if (madt.apic_ids[i] == cpus[0].apic_id) {
			found = true;
		} else if (ncpus < CPU_MAX) {
			uint32_t n = ncpus++;
			cpus[n] = (struct cpu){
				.apic_id = madt.apic_ids[i], .stack = (uint32_t)ap_stacks[n - 1],
				.stack_size = AP_STACK_SIZE, .gdt = gdt_cpu_table(n), .tss = gdt_cpu_tss(n),
			};
			smp_apic_index[madt.apic_ids[i] & 0xFF] = (uint8_t)n;
			*(uint32_t *)(uintptr_t)cpus[n].stack = STACK_CANARY;
		}
	}
	return found;
}

static void copy_trampoline(void)
{
	memcpy(hw_phys(TRAMPOLINE_PA), trampoline_start, (size_t)(trampoline_end - trampoline_start));
}

/* Start AP index through the trampoline; whether it said so in time. */
static bool start_ap(uint32_t index)
{
	struct cpu *c = &cpus[index];
	volatile struct trampoline_params *p =
		hw_phys(TRAMPOLINE_PA + (paddr_t)(trampoline_params - trampoline_start));

	*p = (struct trampoline_params){
		.cr3 = read_cr3(), .cr4 = cpu_features()->pge ? read_cr4() : 0,
		.esp = c->stack + c->stack_size, .entry = (uint32_t)ap_main, .arg = index,
	};
	int rc = lapic_start_ap(c->apic_id, TRAMPOLINE_VECTOR);
	if (rc < 0) {
		kprintf("cpu %u: not started (apic id %u): the IPIs were not sent: %s\n", index,
			c->apic_id, err_name(rc));
		return false;
	}
	for (uint32_t ms = 0; ms < START_WAIT_MS && !__atomic_load_n(&c->started, __ATOMIC_ACQUIRE);
	     ms++)
		pit_delay_us(1000);
	if (!c->started)
		kprintf("cpu %u: not started (apic id %u): no word from it in %u ms\n", index,
			c->apic_id, START_WAIT_MS);
	return c->started;
}

/* Map the IO APICs and say what each has; nothing is routed through them yet. */
static void map_ioapics(void)
{
	for (uint32_t i = 0; i < MIN(madt.nioapics, (uint32_t)MADT_IOAPICS_MAX); i++) {
		const struct madt_ioapic *io = &madt.ioapics[i];
		int n = ioapic_map(io->base);
		if (n < 0)
			kprintf("ioapic: id %u at 0x%08x: not mapped: %s\n", io->id, io->base, err_name(n));
		else
			kprintf("ioapic: id %u at 0x%08x: %d inputs from GSI %u, unused\n", io->id,
				io->base, n, io->gsi_base);
	}
}

/* Why no AP can be started, or NULL if they can (lapic: its registers are mapped). */
static const char *cannot_start(bool lapic, bool trampoline_free)
{
	if (!have_madt)
		return NULL;
	if (!cpu_features()->apic)
		return "the boot cpu has no local APIC";
	if (!lapic)
		return "the local APICs' registers could not be mapped";
	if (!trampoline_free)
		return "the trampoline's page (0x8000) is not free RAM";
	if (!number_aps())
		return "the boot cpu's APIC id is not in the MADT";
	return NULL;
}

void smp_start(bool trampoline_free)
{
	bool lapic = have_madt && cpu_features()->apic && lapic_map(madt.lapic) == 0;
	uint32_t started = 0, found = smp_cpus_found();

	number_boot_cpu(lapic ? lapic_id() : 0);
	if (lapic)
		kprintf("cpu 0: the boot cpu (apic id %u)\n", cpus[0].apic_id);
	const char *why = cannot_start(lapic, trampoline_free);
	if (have_madt)
		map_ioapics();
	if (!why && ncpus > 1) {
		copy_trampoline();
		smp_apic_index[cpus[0].apic_id & 0xFF] = 0;
		__atomic_store_n(&smp_numbered, true, __ATOMIC_RELEASE); /* each AP knows itself from the start */
		/* one that did not answer may still come and read the next one's parameters */
		while (started + 1 < ncpus && start_ap(started + 1))
			started++;
		if (started + 1 < ncpus)
			why = "a cpu did not start, and those after it were left alone";
		if (started > 0)
			serve_cpus(started + 1);
	}
	kprintf("smp: %u cpu%s (%s), %u started", found, found == 1 ? "" : "s",
		have_madt ? "MADT" : "no MADT", started);
	if (why && found > 1)
		kprintf(": %s", why);
	else if (found > ncpus)
		kprintf(": the kernel takes %u cpus at most", CPU_MAX);
	kprintf("\n");
}
