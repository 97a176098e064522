/* timer.c - 8259A PICs and the 8254 PIT (see timer.h). */
#include "timer.h"
#include "cpu.h"

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
#define PIT_CMD 0x43
#define PIT_RATE_GEN 0x34   /* channel 0, low then high byte, mode 2 */
#define PIT_HZ 1193182u     /* the PIT's input clock */

static volatile uint32_t ticks;
static uint32_t spurious_irqs;
static trap_handler_fn on_tick;

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

static bool tick(struct trap_frame *tf)
{
	ticks++;
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

void timer_init(uint32_t hz, trap_handler_fn fn)
{
	uint32_t divisor = PIT_HZ / hz;

	on_tick = fn;
	pic_remap();
	outb(PIT_CMD, PIT_RATE_GEN);
	outb(PIT_CH0, (uint8_t)divisor);
	outb(PIT_CH0, (uint8_t)(divisor >> 8));
	idt_enable(TIMER_VECTOR, 0, tick);
	idt_enable(IRQ_BASE + SPURIOUS_IRQ, 0, spurious);
	idt_enable(IRQ_BASE + 8 + SPURIOUS_IRQ, 0, spurious);
}

void timer_eoi(void)
{
	outb(PIC1_CMD, PIC_EOI);
}

uint32_t timer_ticks(void)
{
	return ticks;
}

uint32_t timer_spurious(void)
{
	return spurious_irqs;
}
