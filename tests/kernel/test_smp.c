/*
 * test_smp.c - the CPUs as the kernel started them (smp.h).  Kernel only.
 *
 * Every CPU the MADT lists has an entry, up to CPU_MAX, and started; each
 * then wrote down what it found of itself (smp.c's ap_main): its local
 * APIC's ID, where its stack pointer was, the GDT in its GDTR and the TSS
 * its task register names.  These must be its own and no other CPU's.
 * qemu.sh --smp N tells the kernel N (cpus=N), so the count is checked
 * against what QEMU was given; --no-acpi, that there is no MADT
 * (acpi=off).  The MMIO window the local APIC is mapped in must be out of
 * ring 3's reach, as the gate's table holds it.
 *
 * Then the TLB shootdown on the real CPUs (cpus.h, tlb.h): APs run a space
 * (pt_vm_activate through smp_call) and read and write its pages in a loop,
 * so that their TLBs hold the translations, while the boot CPU unmaps,
 * narrows or moves the space; once the call returns, an AP's next access
 * must see the change.  The boot CPU and a reader take turns with the core:
 * the reader calls it only to activate and to leave, while the boot CPU
 * waits for it.  With one CPU there is no AP: the cases then check that no
 * interrupt was sent.
 */
#include "cmdline.h"
#include "cpu.h"
#include "cpufeat.h"
#include "gdt.h"
#include "apic.h"
#include "kfixture.h"
#include "layout.h"
#include "probe.h"
#include "seam.h"
#include "smp.h"
#include "spinlock.h"
#include "suites.h"
#include "vm_util.h"

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

/* ---- APs reading a space: what a shootdown must reach ------------------- */

#define READ_PAGES 4                 /* a reader's pages, from READ_VA, each filled */
#define READ_VA REGION(0)
#define FILL(i) (0x5A5A0000u + (uint32_t)(i))
#define WAIT_SPINS (1u << 30)        /* for an AP to answer: far longer than it takes */

enum order { KEEP_READING, LOOK, SPIN, LEAVE };

/* What a reader's probes of one page found. */
struct sight {
	uint32_t read, value, write; /* probe results (0 or FAULTED), the word read */
};

/* One AP running a space and reading its pages, and what it saw there. */
struct reader {
	int as;
	volatile uint32_t order;  /* the boot CPU's: enum order */
	volatile uint32_t rounds; /* times it read and wrote back every page */
	volatile uint32_t looks;  /* LOOK orders done */
	volatile uint32_t spins;  /* SPIN orders begun, and done */
	volatile uint32_t spun;
	int activated, left;      /* pt_vm_activate(as), pt_vm_activate(0) */
	struct sight saw[READ_PAGES]; /* at its last look */
	paddr_t cr3;              /* its CR3 at its last look */
	int live_after;           /* pt_vm_live() once back on the master */
	paddr_t cr3_after;
};

static struct reader readers[CPU_MAX];

/* What a reader told to SPIN waits for with interrupts off, while the boot CPU holds it. */
static struct spinlock gate = SPINLOCK_INIT("the smp suite's gate", REGIONS_RANK);
static uint32_t reading; /* the APs running reader_main: bit i for CPU i */

/* The APs: every running CPU but the boot CPU. */
static uint32_t aps(void)
{
	return (uint32_t)MASK(smp_running()) & ~1u;
}

static uint32_t ap_count(void)
{
	return smp_running() - 1;
}

/* Read every page and write back what it holds, so that the TLB caches each, writable. */
static void touch_pages(void)
{
	for (uint32_t i = 0; i < READ_PAGES; i++) {
		uint32_t v = FILL(i);
		if (probe(READ_VA + PAGE(i), PROBE_READ, &v) == 0)
			probe(READ_VA + PAGE(i), PROBE_WRITE, &v);
	}
}

/* One access of each kind to each page, as this CPU's TLB and tables now allow. */
static void look_at_pages(struct reader *r)
{
	for (uint32_t i = 0; i < READ_PAGES; i++) {
		struct sight *s = &r->saw[i];
		uint32_t v = FILL(i);
		s->value = 0;
		s->read = probe(READ_VA + PAGE(i), PROBE_READ, &s->value);
		s->write = probe(READ_VA + PAGE(i), PROBE_WRITE, &v);
	}
	r->cr3 = hw_cr3();
}

/*
 * pt_vm_activate on an AP, under the big kernel lock: the AP's call runs
 * outside it, and the other APs, idle, take it to look for processes.
 */
static int locked_activate(int as)
{
	int rc;

	cli();
	klock_take();
	rc = pt_vm_activate(as);
	klock_give();
	sti();
	return rc;
}

/* An AP's smp_call: run r->as, reading its pages until told to look, and until told to leave. */
static void reader_main(void *arg)
{
	struct reader *r = arg;
	uint32_t o;

	r->activated = locked_activate(r->as);
	while ((o = __atomic_load_n(&r->order, __ATOMIC_ACQUIRE)) != LEAVE) {
		if (o == LOOK) {
			look_at_pages(r);
			__atomic_store_n(&r->order, KEEP_READING, __ATOMIC_RELAXED);
			__atomic_add_fetch(&r->looks, 1, __ATOMIC_RELEASE);
		} else if (o == SPIN) {
			__atomic_store_n(&r->order, KEEP_READING, __ATOMIC_RELAXED);
			cli(); /* before it says so: a shootdown is then answered from the spin */
			__atomic_add_fetch(&r->spins, 1, __ATOMIC_RELEASE);
			spin_lock(&gate); /* the boot CPU has it */
			spin_unlock(&gate);
			sti();
			__atomic_add_fetch(&r->spun, 1, __ATOMIC_RELEASE);
		} else {
			touch_pages();
			__atomic_add_fetch(&r->rounds, 1, __ATOMIC_RELEASE);
		}
	}
	r->left = locked_activate(0);
	r->live_after = pt_vm_live();
	r->cr3_after = hw_cr3();
}

/* Wait for *n to reach want; false if it did not in WAIT_SPINS. */
static bool wait_for(volatile uint32_t *n, uint32_t want)
{
	for (uint32_t i = 0; i < WAIT_SPINS; i++) {
		if (__atomic_load_n(n, __ATOMIC_ACQUIRE) >= want)
			return true;
		pt_cpu_relax();
	}
	return false;
}

/*
 * wait_for with the big kernel lock given back, for an AP that needs it:
 * one leaving its idle look for processes (smp_set_ap_work) to take a call,
 * or a reader activating a space.
 */
static bool wait_unlocked(volatile uint32_t *n, uint32_t want)
{
	klock_give();
	bool ok = wait_for(n, want);
	klock_take();
	return ok;
}

/*
 * Have every AP of the mask run as and read its pages; true once each has
 * read them twice, so that its TLB holds them.
 */
static bool start_readers(uint32_t cpus, int as)
{
	bool ok = true;

	for (uint32_t c = 1; c < smp_running(); c++) {
		struct reader *r = &readers[c];
		if (!(cpus & BIT(c)))
			continue;
		memset(r, 0, sizeof(*r));
		r->as = as;
		r->order = KEEP_READING;
		if (smp_call(c, reader_main, r) < 0) {
			ok = false;
			continue;
		}
		reading |= BIT(c);
		ok = wait_unlocked(&r->rounds, 2) && ok;
	}
	return ok;
}

/* Have AP c make its next accesses now (look_at_pages); true once it has. */
static bool look_from(uint32_t c)
{
	struct reader *r = &readers[c];
	uint32_t n = r->looks;

	__atomic_store_n(&r->order, LOOK, __ATOMIC_RELEASE);
	return wait_for(&r->looks, n + 1);
}

static bool look_from_all(uint32_t cpus)
{
	bool ok = true;

	for (uint32_t c = 1; c < smp_running(); c++)
		if (cpus & BIT(c))
			ok = look_from(c) && ok;
	return ok;
}

/* Every reader back on the master, its call returned. */
static void stop_readers(void)
{
	for (uint32_t c = 1; c < smp_running(); c++) {
		if (!(reading & BIT(c)))
			continue;
		__atomic_store_n(&readers[c].order, LEAVE, __ATOMIC_RELEASE);
		klock_give();
		smp_call_wait(c);
		klock_take();
		reading &= ~BIT(c);
	}
}

/* A space with READ_PAGES writable pages from READ_VA, page i filled with FILL(i); or an error. */
static int reading_space(void)
{
	int as = pt_vm_create();
	int rc = 0;

	if (as < 0)
		return as;
	for (uint32_t i = 0; i < READ_PAGES && rc == 0; i++)
		rc = map_filled(as, READ_VA + PAGE(i), FILL(i), URW, NULL);
	if (rc < 0) {
		pt_vm_destroy(as);
		return rc;
	}
	return as;
}

/* What a probe of one page found is what the page holds, readable and writable. */
static void check_sight_writable(const struct sight *s, uint32_t i)
{
	CHECK_EQ(s->read, 0);
	CHECK_EQ(s->value, FILL(i));
	CHECK_EQ(s->write, 0);
}

/* What every case leaves: the readers stopped, the boot CPU on the master, every frame back. */
static void smp_teardown(void)
{
	stop_readers();
	RUN(fx_teardown());
}

/*
 * What the cases below rely on: a CPU no one tells keeps the translation
 * it cached.  The boot CPU clears an entry behind the core's back, and
 * every CPU that read the page still reads it: so a missing shootdown
 * would show as a read that does not fault.
 */
static void a_cpu_that_is_not_told_keeps_a_stale_translation(void)
{
	int as = reading_space();
	CHECK_GT(as, 0);
	pte_t *e = (pte_t *)hw_phys(pde_addr(pde_of(as, READ_VA))) + pte_index(READ_VA);
	pte_t saved = *e;
	uint32_t v = 0;

	bool started = start_readers(aps(), as);
	int activated = pt_vm_activate(as);
	uint32_t read_before = probe(READ_VA, PROBE_READ, &v);
	*e = (pte_t){ 0 };
	bool looked = look_from_all(aps());
	uint32_t read_stale = probe(READ_VA, PROBE_READ, &v);
	*e = saved; /* the stale translations are right again */
	stop_readers();
	STEP(pt_vm_activate(0));
	CHECK(started);
	CHECK(looked);
	CHECK_OK(activated);
	CHECK_EQ(read_before, 0);
	CHECK_EQ(read_stale, 0);
	CHECK_EQ(v, FILL(0));
	for (uint32_t c = 1; c < smp_running(); c++) {
		CHECK_OK(readers[c].activated);
		RUN(check_sight_writable(&readers[c].saw[0], 0));
	}
	STEP(pt_vm_destroy(as));
}

/*
 * AP c runs a space alone: an unmap and a narrowing each interrupt it and
 * no other, and its next access after the call returns sees the change.
 */
static void one_ap_sees_an_unmap_and_a_narrowing(uint32_t c)
{
	struct reader *r = &readers[c];
	int as = reading_space();
	CHECK_GT(as, 0);

	bool started = start_readers(BIT(c), as);
	struct vm_stats s0 = stats_now();
	int unmapped = pt_vm_unmap(as, READ_VA);
	struct vm_stats s1 = stats_now();
	bool looked = look_from(c);
	struct sight after_unmap = r->saw[0];
	int narrowed = pt_vm_protect(as, READ_VA + PAGE(1), 1, VM_USER);
	struct vm_stats s2 = stats_now();
	looked = look_from(c) && looked;
	stop_readers();
	CHECK(started);
	CHECK(looked);
	CHECK_OK(r->activated);
	CHECK_OK(unmapped);
	CHECK_OK(narrowed);
	CHECK_EQ(s1.shootdowns - s0.shootdowns, 1);
	CHECK_EQ(s1.ipis - s0.ipis, 1);
	CHECK_EQ(s2.shootdowns - s1.shootdowns, 1);
	CHECK_EQ(s2.ipis - s1.ipis, 1);
	CHECK_EQ(after_unmap.read, FAULTED(0));
	CHECK_EQ(after_unmap.write, FAULTED(PF_W));
	CHECK_EQ(r->saw[1].read, 0);
	CHECK_EQ(r->saw[1].value, FILL(1));
	CHECK_EQ(r->saw[1].write, FAULTED(PF_P | PF_W));
	for (uint32_t i = 2; i < READ_PAGES; i++)
		RUN(check_sight_writable(&r->saw[i], i));
	CHECK_OK(r->left);
	STEP(pt_vm_destroy(as));
}

/* The boot CPU runs a space alone: an unmap invalidates here and interrupts no one. */
static void the_boot_cpu_alone_sends_nothing(void)
{
	uint32_t v = 0;
	int as = reading_space();
	CHECK_GT(as, 0);

	STEP(pt_vm_activate(as));
	CHECK_EQ(probe(READ_VA, PROBE_READ, &v), 0);
	struct vm_stats s0 = stats_now();
	STEP(pt_vm_unmap(as, READ_VA));
	struct vm_stats s1 = stats_now();
	CHECK_EQ(s1.shootdowns - s0.shootdowns, 0);
	CHECK_EQ(s1.ipis - s0.ipis, 0);
	CHECK_EQ(s1.invlpgs - s0.invlpgs, 1);
	CHECK_EQ(probe(READ_VA, PROBE_READ, &v), FAULTED(0));
	STEP(pt_vm_activate(0));
	STEP(pt_vm_destroy(as));
}

/* On every AP in turn, then on the boot CPU alone; on one CPU, no interrupt at all. */
static void an_unmap_reaches_the_ap_running_the_space_and_no_other(void)
{
	struct vm_stats s0 = stats_now();

	for (uint32_t c = 1; c < smp_running(); c++)
		RUN(one_ap_sees_an_unmap_and_a_narrowing(c));
	RUN(the_boot_cpu_alone_sends_nothing());
	CHECK_EQ(stats_now().ipis - s0.ipis, 2 * ap_count());
}

/*
 * Every CPU runs the space: one unmap interrupts each AP once, in one
 * shootdown, and the boot CPU invalidates its own entry.
 */
static void an_unmap_reaches_every_ap_at_once(void)
{
	uint32_t v = 0;
	int as = reading_space();
	CHECK_GT(as, 0);
	uint32_t shot = ap_count() > 0 ? 1 : 0;

	bool started = start_readers(aps(), as);
	int activated = pt_vm_activate(as);
	uint32_t read_before = probe(READ_VA, PROBE_READ, &v);
	struct vm_stats s0 = stats_now();
	int unmapped = pt_vm_unmap(as, READ_VA);
	struct vm_stats s1 = stats_now();
	uint32_t read_after = probe(READ_VA, PROBE_READ, &v);
	bool looked = look_from_all(aps());
	stop_readers();
	STEP(pt_vm_activate(0));
	CHECK(started);
	CHECK(looked);
	CHECK_OK(activated);
	CHECK_OK(unmapped);
	CHECK_EQ(read_before, 0);
	CHECK_EQ(read_after, FAULTED(0));
	CHECK_EQ(s1.shootdowns - s0.shootdowns, shot);
	CHECK_EQ(s1.ipis - s0.ipis, ap_count());
	CHECK_EQ(s1.invlpgs - s0.invlpgs, 1);
	for (uint32_t c = 1; c < smp_running(); c++) {
		const struct reader *r = &readers[c];
		CHECK_OK(r->activated);
		CHECK_EQ(r->saw[0].read, FAULTED(0));
		for (uint32_t i = 1; i < READ_PAGES; i++)
			RUN(check_sight_writable(&r->saw[i], i));
		CHECK_OK(r->left);
	}
	STEP(pt_vm_destroy(as));
}

/*
 * The block relocates while every CPU runs on it: each AP is moved onto
 * the new run (its CR3 reloaded from the new base) before the old run is
 * freed, and reads the same words through it.
 */
static void a_block_that_moves_takes_every_ap_along(void)
{
	paddr_t plug = 0;
	int as = reading_space();
	CHECK_GT(as, 0);
	uint32_t shared = ap_count() > 0 ? 1 : 0;

	bool started = start_readers(aps(), as);
	int activated = pt_vm_activate(as);
	struct vm_space_info i0 = info_of(as);
	int blocked = block_the_way(as, &plug);
	struct vm_stats s0 = stats_now();
	int grown = pt_vm_map_zero(as, REGION(3), URW);
	struct vm_stats s1 = stats_now();
	struct vm_space_info i1 = info_of(as);
	bool old_run_free = fx_kframes_free(i0.block, i0.pages);
	paddr_t boot_cr3 = hw_cr3();
	bool looked = look_from_all(aps());
	stop_readers();
	STEP(pt_vm_activate(0));
	give_back_plug(plug);
	CHECK(started);
	CHECK(looked);
	CHECK_OK(activated);
	CHECK_OK(blocked);
	CHECK_OK(grown);
	CHECK_EQ(s1.relocations - s0.relocations, 1);
	CHECK_EQ(s1.relocations_while_shared - s0.relocations_while_shared, shared);
	CHECK_EQ(s1.shootdowns - s0.shootdowns, shared);
	CHECK_EQ(s1.ipis - s0.ipis, ap_count());
	CHECK_NE(i1.block, i0.block);
	CHECK(old_run_free);
	CHECK_EQ(boot_cr3, i1.block);
	for (uint32_t c = 1; c < smp_running(); c++) {
		const struct reader *r = &readers[c];
		CHECK_OK(r->activated);
		CHECK_EQ(r->cr3, i1.block);
		for (uint32_t i = 0; i < READ_PAGES; i++)
			RUN(check_sight_writable(&r->saw[i], i));
		CHECK_OK(r->left);
	}
	STEP(pt_vm_destroy(as));
}

/*
 * A space live on an AP cannot go; once every AP is back on the master
 * (its CR3 the master's) it can, and every frame the case took is back.
 */
static void every_ap_goes_back_to_the_master_and_every_frame_with_it(void)
{
	int as = reading_space();
	CHECK_GT(as, 0);
	paddr_t master = hw_cr3();

	bool started = start_readers(aps(), as);
	int busy = pt_vm_destroy(as);
	stop_readers();
	CHECK(started);
	CHECK_EQ(busy, ap_count() > 0 ? -E_BUSY : 0);
	for (uint32_t c = 1; c < smp_running(); c++) {
		const struct reader *r = &readers[c];
		CHECK_OK(r->activated);
		CHECK_OK(r->left);
		CHECK_EQ(r->live_after, 0);
		CHECK_EQ(r->cr3_after, master);
	}
	if (busy == -E_BUSY)
		STEP(pt_vm_destroy(as));
	RUN(fx_check_back(&fx_start));
}

/*
 * A CPU spinning on a lock with interrupts off answers a shootdown (lock.h,
 * pt_tlb_poll): AP 1 runs a space, turns interrupts off and spins on a lock
 * the boot CPU holds while it unmaps a page of that space.  The unmap
 * returns (without the poll it would wait for ever, and the suite's time
 * run out), one IPI is counted, and the AP's next read of the page faults.
 */
static void a_cpu_spinning_on_a_lock_answers_a_shootdown(void)
{
	struct reader *r = &readers[1];
	int as = reading_space();
	CHECK_GT(as, 0);

	if (smp_running() < 2) {
		STEP(pt_vm_destroy(as));
		return;
	}
	bool started = start_readers(BIT(1), as);
	spin_lock(&gate);
	__atomic_store_n(&r->order, SPIN, __ATOMIC_RELEASE);
	bool spinning = wait_for(&r->spins, 1);
	struct vm_stats s0 = stats_now();
	int unmapped = pt_vm_unmap(as, READ_VA);
	struct vm_stats s1 = stats_now();
	spin_unlock(&gate);
	bool through = wait_for(&r->spun, 1);
	bool looked = look_from(1);
	stop_readers();
	CHECK(started);
	CHECK(spinning);
	CHECK(through);
	CHECK(looked);
	CHECK_OK(unmapped);
	CHECK_EQ(s1.ipis - s0.ipis, 1);
	CHECK_EQ(r->saw[0].read, FAULTED(0));
	STEP(pt_vm_destroy(as));
}

/*
 * The locks' order (spinlock.h): kmain's context holds the big lock alone;
 * a kprintf holds the console's too (once other CPUs have started: with
 * one, nothing), and gives it back; the order checker lets the console's
 * lock be taken after the big one, never the big one after the console's
 * nor either twice.
 */
static void the_locks_are_taken_in_their_order(void)
{
	uint32_t console = smp_numbered ? BIT(CONSOLE_RANK) : 0;

	CHECK(klock_held());
	CHECK_EQ(locks_held(), BIT(KLOCK_RANK));
	console_lock();
	CHECK_EQ(locks_held(), BIT(KLOCK_RANK) | console);
	console_lock(); /* again, as a panic inside a kprintf would */
	console_unlock();
	CHECK_EQ(locks_held(), BIT(KLOCK_RANK) | console);
	console_unlock();
	CHECK_EQ(locks_held(), BIT(KLOCK_RANK));
	CHECK(lock_order_allows(0, KLOCK_RANK));
	CHECK(lock_order_allows(BIT(KLOCK_RANK), CONSOLE_RANK));
	CHECK(!lock_order_allows(BIT(KLOCK_RANK), KLOCK_RANK));
	CHECK(!lock_order_allows(BIT(CONSOLE_RANK), KLOCK_RANK));
	CHECK(!lock_order_allows(BIT(KLOCK_RANK) | BIT(CONSOLE_RANK), CONSOLE_RANK));
}

static const struct test_case cases[] = {
	TEST_CASE(the_madt_lists_the_cpus_qemu_was_given),
	TEST_CASE(every_cpu_started_once_with_an_apic_id_of_its_own),
	TEST_CASE(each_cpu_runs_on_a_stack_of_its_own),
	TEST_CASE(each_cpu_has_its_own_gdt_and_tss),
	TEST_CASE(the_mmio_window_is_the_kernels_alone),
	TEST_CASE(a_cpu_that_is_not_told_keeps_a_stale_translation),
	TEST_CASE(an_unmap_reaches_the_ap_running_the_space_and_no_other),
	TEST_CASE(an_unmap_reaches_every_ap_at_once),
	TEST_CASE(a_block_that_moves_takes_every_ap_along),
	TEST_CASE(every_ap_goes_back_to_the_master_and_every_frame_with_it),
	TEST_CASE(the_locks_are_taken_in_their_order),
	TEST_CASE(a_cpu_spinning_on_a_lock_answers_a_shootdown),
};

DEFINE_SUITE(smp_suite, "smp", cases, fx_setup, smp_teardown);
