/* timer.c - 8259A PICs and the 8254 PIT (see timer.h). */
#include "timer.h"
#include "apic.h"
#include "cpu.h"
#include "lib.h"
#include "smp.h"

#define PIC1_CMD 0x20
#define PIC1_DATA 0x21
#define PIC2_CMD 0xA0
#define PIC2_DATA 0xA1
#define PIC_EOI 0x20
#define PIC_READ_ISR 0x0B   /* OCW3: the next read of the command port gives the ISR */
#define SPURIOUS_IRQ 7      /* a PIC's lowest-priority line, where it reports a spurious IRQ */
#define ICW1_INIT_ICW4 0x11 /* edge triggered, cascaded, ICW4 follows */
#define ICW4_8086 0x01

#define PIT_CH0 0x40
#define PIT_CH2 0x42
#define PIT_CH2_ONE_SHOT 0xB0 /* channel 2, low then high byte, mode 0 */
#define PORT_B 0x61           /* the keyboard controller's port B: channel 2's gate and output */
#define PORT_B_GATE2 BIT(0)
#define PORT_B_SPEAKER BIT(1)
#define PORT_B_OUT2 BIT(5)
#define PIT_TICKS_PER_MS 1193u
#define PIT_CMD 0x43
#define PIT_ONE_SHOT 0x30   /* channel 0, low then high byte, mode 0: IRQ 0 at terminal count */
#define PIT_READ_BACK 0xC2  /* latch channel 0's status, then its count */
#define PIT_STATUS_OUT BIT(7) /* the channel's output: high once the count has run out */
#define PIT_HZ 1193182u     /* the PIT's input clock */
#define PIT_MAX_COUNT 0xFFFFu

#define CALIBRATE_US 10000u /* the local APIC timer against the PIT, once */
#define IDLE_SLICES 1        /* an idle AP looks for work again after this */

static volatile uint32_t ticks;
static uint32_t spurious_irqs;
static trap_handler_fn on_tick;
static uint16_t slice_ticks;  /* a whole slice, in PIT input ticks (the boot CPU's) */
static uint32_t lapic_slice;  /* a whole slice, in local APIC timer counts (the APs') */
static uint32_t slice_us;     /* a slice's length */
/* of each CPU's running slice, as of its last entry from ring 3 */
static uint32_t slice_left[CPU_MAX];

static void pic_remap(void)
{
	outb(PIC1_CMD, ICW1_INIT_ICW4);
	outb(PIC2_CMD, ICW1_INIT_ICW4);
	outb(PIC1_DATA, IRQ_BASE);      /* ICW2: vector offsets */
	outb(PIC2_DATA, IRQ_BASE + 8);
	outb(PIC1_DATA, 1 << 2);        /* ICW3: the slave hangs on IRQ 2 */
	outb(PIC2_DATA, 2);
	outb(PIC1_DATA, ICW4_8086);
	outb(PIC2_DATA, ICW4_8086);
	outb(PIC1_DATA, (uint8_t)~1u);  /* only IRQ 0 */
	outb(PIC2_DATA, 0xFF);
}

/* The PIT's IRQ 0, on the boot CPU. */
static bool tick(struct trap_frame *tf)
{
	__atomic_fetch_add(&ticks, 1, __ATOMIC_RELAXED);
	timer_eoi();
	return on_tick(tf);
}

/* An AP's local APIC timer. */
static bool lapic_tick(struct trap_frame *tf)
{
	__atomic_fetch_add(&ticks, 1, __ATOMIC_RELAXED);
	lapic_eoi();
	return on_tick(tf);
}

/*
 * IRQ 7 or 15 with every line but the timer's masked: a spurious interrupt
 * (a request that went away before the CPU took it), which a PIC reports on
 * its lowest-priority line.  It is not in service, so it gets no EOI of its
 * own; a spurious IRQ 15 did reach the master through the cascade, which
 * gets one.  Either way nothing more happens, and a process that was
 * running goes on.
 */
static bool spurious(struct trap_frame *tf)
{
	bool slave = tf->vector == IRQ_BASE + 8 + SPURIOUS_IRQ;
	uint16_t cmd = slave ? PIC2_CMD : PIC1_CMD;

	outb(cmd, PIC_READ_ISR);
	if (inb(cmd) & BIT(SPURIOUS_IRQ)) /* a real request, though the line is masked */
		outb(cmd, PIC_EOI);
	if (slave)
		outb(PIC1_CMD, PIC_EOI);
	spurious_irqs++;
	return true;
}

/* Start channel 0 counting down from count; IRQ 0 rises when it reaches 0. */
static void pit_one_shot(uint16_t count)
{
	outb(PIT_CMD, PIT_ONE_SHOT);
	outb(PIT_CH0, (uint8_t)count);
	outb(PIT_CH0, (uint8_t)(count >> 8));
}

void timer_init(uint32_t hz, trap_handler_fn fn)
{
	on_tick = fn;
	slice_ticks = (uint16_t)MIN(PIT_HZ / hz, PIT_MAX_COUNT);
	slice_us = 1000000u / hz;
	slice_left[0] = slice_ticks;
	pic_remap();
	pit_one_shot(PIT_MAX_COUNT); /* the firmware left it periodic: no more of that */
	idt_enable(TIMER_VECTOR, 0, tick);
	idt_enable(IRQ_BASE + SPURIOUS_IRQ, 0, spurious);
	idt_enable(IRQ_BASE + 8 + SPURIOUS_IRQ, 0, spurious);
}

void timer_eoi(void)
{
	outb(PIC1_CMD, PIC_EOI);
}

void pic_enable_irq(uint32_t irq, trap_handler_fn fn)
{
	ASSERT(irq > 0 && irq < 8 && irq != SPURIOUS_IRQ);
	idt_enable(IRQ_BASE + irq, 0, fn);
	outb(PIC1_DATA, inb(PIC1_DATA) & (uint8_t)~BIT(irq));
}

void timer_init_lapic(void)
{
	lapic_timer_vector(LAPIC_TIMER_VECTOR);
	lapic_timer_arm(UINT32_MAX);
	pit_delay_us(CALIBRATE_US);
	uint32_t per_us = (UINT32_MAX - lapic_timer_left()) / CALIBRATE_US;
	lapic_timer_arm(0);
	lapic_slice = MAX(per_us * slice_us, 1u);
	idt_enable(LAPIC_TIMER_VECTOR, 0, lapic_tick);
}

void timer_start_cpu(void)
{
	lapic_timer_vector(LAPIC_TIMER_VECTOR);
}

void timer_new_slice(uint32_t cpu)
{
	slice_left[cpu] = cpu == 0 ? slice_ticks : lapic_slice;
}

bool timer_slice_over(uint32_t cpu)
{
	return slice_left[cpu] == 0;
}

void timer_idle(uint32_t cpu)
{
	if (cpu == 0)
		pit_one_shot((uint16_t)(slice_ticks * IDLE_SLICES));
	else
		lapic_timer_arm(lapic_slice * IDLE_SLICES);
}

/*
 * Called first thing on every trap from ring 3 (trap_user_enter),
 * interrupts off: what is left of the slice.  The boot CPU's is the PIT
 * channel's count, unless its output says the count ran out (the count
 * then wraps and goes on); an AP's is its local APIC timer's.
 */
void timer_user_enter(uint32_t cpu)
{
	if (cpu != 0) {
		slice_left[cpu] = lapic_timer_left(); /* 0 once it fired: a one-shot stays there */
		return;
	}
	outb(PIT_CMD, PIT_READ_BACK);
	uint8_t status = inb(PIT_CH0), lo = inb(PIT_CH0), hi = inb(PIT_CH0);

	slice_left[0] = status & PIT_STATUS_OUT ? 0 : (uint16_t)(hi << 8 | lo);
}

/*
 * Called last thing before the iret to ring 3 (trap_user_leave): the
 * CPU's timer counts down what is left of the slice from here.  A slice found over by an
 * entry that was not the timer's gets one tick, so the timer still comes.
 */
void timer_user_leave(uint32_t cpu)
{
	if (cpu != 0)
		lapic_timer_arm(MAX(slice_left[cpu], 1u));
	else
		pit_one_shot((uint16_t)MAX(slice_left[0], 1u));
}

uint32_t timer_ticks(void)
{
	return ticks;
}

uint32_t timer_spurious(void)
{
	return spurious_irqs;
}

/*
 * Channel 2, which nothing else uses (its output would drive the speaker,
 * kept off): counted down once from the delay's ticks, its output read
 * until it rises.  Channel 0 and its slices are left alone.
 */
void pit_delay_us(uint32_t us)
{
	uint32_t count = MIN(us, PIT_DELAY_MAX_US) * PIT_TICKS_PER_MS / 1000 + 1;
	uint8_t b = inb(PORT_B) & (uint8_t)~PORT_B_SPEAKER;

	outb(PORT_B, b & (uint8_t)~PORT_B_GATE2);
	outb(PIT_CMD, PIT_CH2_ONE_SHOT);
	outb(PIT_CH2, (uint8_t)count);
	outb(PIT_CH2, (uint8_t)(count >> 8));
	outb(PORT_B, b | PORT_B_GATE2);
	while (!(inb(PORT_B) & PORT_B_OUT2))
		;
}
