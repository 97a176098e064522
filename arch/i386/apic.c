/* apic.c - the local and IO APICs' registers (see apic.h). */
#include "apic.h"
#include "errors.h"
#include "lib.h"
#include "paging.h"
#include "timer.h"

/* Local APIC registers, offsets from its base (SDM vol. 3A, table 10-1). */
#define LAPIC_ID 0x020
#define LAPIC_TPR 0x080
#define LAPIC_EOI 0x0B0
#define LAPIC_SVR 0x0F0
#define LAPIC_ESR 0x280
#define LAPIC_ICR_LO 0x300
#define LAPIC_ICR_HI 0x310
#define LAPIC_LVT_TIMER 0x320
#define LAPIC_LVT_LINT0 0x350
#define LAPIC_LVT_LINT1 0x360
#define LAPIC_LVT_ERROR 0x370
#define LAPIC_TIMER_INIT 0x380  /* the timer's initial count: a write starts it */
#define LAPIC_TIMER_COUNT 0x390 /* its current count */
#define LAPIC_TIMER_DIV 0x3E0

#define LAPIC_ID_SHIFT 24
#define LVT_MASKED BIT(16)
#define SVR_ENABLE BIT(8)
#define TIMER_DIV_1 0xB     /* the timer counts at the bus clock itself */
#define ICR_FIXED (0u << 8)
#define ICR_INIT (5u << 8)
#define ICR_STARTUP (6u << 8)
#define ICR_PENDING BIT(12) /* delivery status: the IPI is not sent yet */
#define ICR_ASSERT BIT(14)
#define ICR_DEST_SHIFT 24
#define ICR_POLLS 1000000u  /* reads of the ICR before a send is given up */

#define INIT_DELAY_US 10000u /* after INIT */
#define SIPI_DELAY_US 200u   /* after each startup IPI */

/* IO APIC registers: an index, then a window on the register it names. */
#define IOAPIC_REGSEL 0x00
#define IOAPIC_WIN 0x10
#define IOAPIC_VER 0x01
#define IOAPIC_MAX_REDIR_SHIFT 16

static volatile uint32_t *lapic; /* its registers, in the MMIO window */

static uint32_t lapic_read(uint32_t reg)
{
	return lapic[reg / sizeof(uint32_t)];
}

static void lapic_write(uint32_t reg, uint32_t v)
{
	lapic[reg / sizeof(uint32_t)] = v;
}

int lapic_map(paddr_t pa)
{
	vaddr_t va;
	int rc = pt_paging_map_mmio(pa, &va);

	if (rc == 0)
		lapic = (volatile uint32_t *)va;
	return rc;
}

uint32_t lapic_id(void)
{
	return lapic_read(LAPIC_ID) >> LAPIC_ID_SHIFT;
}

void lapic_enable_masked(void)
{
	lapic_write(LAPIC_LVT_TIMER, LVT_MASKED);
	lapic_write(LAPIC_LVT_LINT0, LVT_MASKED);
	lapic_write(LAPIC_LVT_LINT1, LVT_MASKED);
	lapic_write(LAPIC_LVT_ERROR, LVT_MASKED);
	lapic_write(LAPIC_ESR, 0); /* writes to the ESR latch and clear its errors */
	lapic_write(LAPIC_ESR, 0);
	lapic_write(LAPIC_TPR, 0);
	lapic_write(LAPIC_SVR, SVR_ENABLE | LAPIC_SPURIOUS_VECTOR);
}

/* Send the IPI `low` to the local APIC apic_id: 0, or -E_IO if it stays pending. */
static int send_ipi(uint32_t apic_id, uint32_t low)
{
	lapic_write(LAPIC_ICR_HI, apic_id << ICR_DEST_SHIFT);
	lapic_write(LAPIC_ICR_LO, low); /* this write sends it */
	for (uint32_t i = 0; i < ICR_POLLS; i++)
		if (!(lapic_read(LAPIC_ICR_LO) & ICR_PENDING))
			return 0;
	return -E_IO;
}

int lapic_send(uint32_t apic_id, uint32_t vector)
{
	return send_ipi(apic_id, ICR_FIXED | ICR_ASSERT | vector);
}

void lapic_eoi(void)
{
	lapic_write(LAPIC_EOI, 0);
}

void lapic_timer_vector(uint32_t vector)
{
	lapic_write(LAPIC_TIMER_DIV, TIMER_DIV_1);
	lapic_write(LAPIC_LVT_TIMER, vector); /* one-shot, unmasked */
}

void lapic_timer_arm(uint32_t count)
{
	lapic_write(LAPIC_TIMER_INIT, count);
}

uint32_t lapic_timer_left(void)
{
	return lapic_read(LAPIC_TIMER_COUNT);
}

int lapic_start_ap(uint32_t apic_id, uint32_t vector)
{
	int rc = send_ipi(apic_id, ICR_INIT | ICR_ASSERT);

	if (rc < 0)
		return rc;
	pit_delay_us(INIT_DELAY_US);
	for (int i = 0; i < 2; i++) { /* the second in case the first was lost */
		rc = send_ipi(apic_id, ICR_STARTUP | ICR_ASSERT | vector);
		if (rc < 0)
			return rc;
		pit_delay_us(SIPI_DELAY_US);
	}
	return 0;
}

int ioapic_map(paddr_t pa)
{
	vaddr_t va;
	int rc = pt_paging_map_mmio(ALIGN_DOWN(pa, PAGE_SIZE), &va); /* 1 KiB aligned, may share a page */

	if (rc < 0)
		return rc;
	volatile uint32_t *regs = (volatile uint32_t *)(va + (pa & (PAGE_SIZE - 1)));
	regs[IOAPIC_REGSEL / sizeof(uint32_t)] = IOAPIC_VER;
	return (int)((regs[IOAPIC_WIN / sizeof(uint32_t)] >> IOAPIC_MAX_REDIR_SHIFT) & 0xFF) + 1;
}
