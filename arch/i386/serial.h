/*
 * serial.h - the COM1 serial port, the kernel's console: 115200 baud, 8 data
 * bits, no parity, 1 stop bit, polled (no interrupts).
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

#endif
