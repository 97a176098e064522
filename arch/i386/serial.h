/*
 * serial.h - the COM1 serial port, the kernel's console: 115200 baud, 8 data
 * bits, no parity, 1 stop bit, polled.  Only the kernel monitor reads from
 * it; it may ask for the receive interrupt, to wake it from hlt.
 */
#ifndef PAGETRACK_SERIAL_H
#define PAGETRACK_SERIAL_H

/* Program the UART.  Output before this still goes out, at the BIOS's settings. */
void serial_init(void);

/*
 * Send one byte as it is, once the transmitter can take it.  Gives up after
 * a bounded wait, so that a missing or stuck UART cannot hang the kernel.
 */
void serial_putc(char c);

/* The byte received next (0-255), or -1 if none is waiting.  Never waits. */
int serial_getc(void);

/*
 * Raise COM1's interrupt (IRQ 4) whenever a received byte waits, so that a
 * CPU halted until input comes wakes up; the bytes are still read with
 * serial_getc.  Whoever calls this handles the IRQ (pic_enable_irq).
 */
void serial_rx_interrupt_on(void);

#endif
