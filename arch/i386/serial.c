/* serial.c - the COM1 console, a 16550 UART driven by polling. */
#include "serial.h"
#include "cpu.h"

#define COM1 0x3F8

/* Registers, as offsets from the base port (with DLAB clear unless noted). */
#define UART_DATA 0 /* transmit / receive; with DLAB: divisor low byte */
#define UART_IER 1  /* interrupt enable; with DLAB: divisor high byte */
#define UART_FCR 2  /* FIFO control */
#define UART_LCR 3  /* line control */
#define UART_MCR 4  /* modem control */
#define UART_LSR 5  /* line status */

#define LCR_8N1 0x03      /* 8 data bits, no parity, 1 stop bit */
#define LCR_DLAB BIT(7)   /* the first two registers become the divisor */
#define FCR_ENABLE 0x07   /* enable and clear both FIFOs */
#define MCR_DTR_RTS 0x03
#define MCR_OUT2 BIT(3)   /* on a PC, connects the UART's interrupt line to the PIC */
#define IER_RX BIT(0)     /* interrupt when a received byte is waiting */
#define LSR_DR BIT(0)     /* a received byte is waiting in the data register */
#define LSR_THRE BIT(5)   /* the transmit holding register is empty */

#define UART_CLOCK 115200 /* the divisor is UART_CLOCK / baud */
#define BAUD 115200

/*
 * A port read takes about a microsecond on real hardware, so this waits
 * about 0.1 s: far longer than the 87 us a byte takes at 115200 baud.
 */
#define TX_SPIN_LIMIT 100000

void serial_init(void)
{
	uint16_t divisor = UART_CLOCK / BAUD;

	outb(COM1 + UART_IER, 0);
	outb(COM1 + UART_LCR, LCR_DLAB);
	outb(COM1 + UART_DATA, (uint8_t)divisor);
	outb(COM1 + UART_IER, (uint8_t)(divisor >> 8));
	outb(COM1 + UART_LCR, LCR_8N1);
	outb(COM1 + UART_FCR, FCR_ENABLE);
	outb(COM1 + UART_MCR, MCR_DTR_RTS);
}

void serial_putc(char c)
{
	for (int i = 0; i < TX_SPIN_LIMIT; i++)
		if (inb(COM1 + UART_LSR) & LSR_THRE)
			break;
	outb(COM1 + UART_DATA, (uint8_t)c);
}

int serial_getc(void)
{
	if (!(inb(COM1 + UART_LSR) & LSR_DR))
		return -1;
	return inb(COM1 + UART_DATA);
}

void serial_rx_interrupt_on(void)
{
	outb(COM1 + UART_MCR, MCR_DTR_RTS | MCR_OUT2);
	outb(COM1 + UART_IER, IER_RX);
}
