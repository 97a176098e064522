/*
 * pci.h - PCI configuration space through configuration mechanism #1
 * (the address port 0xCF8 and the data port 0xCFC), enough to find a
 * function by its class and switch on what the kernel uses of it.
 *
 * A function is named by its bus, device and function numbers; registers
 * are 32-bit words at offsets that are multiples of 4.
 */
#ifndef PAGETRACK_PCI_H
#define PAGETRACK_PCI_H

#include "types.h"

struct pci_fn {
	uint8_t bus, dev, fn;
};

/* Offsets into the configuration header (type 0). */
#define PCI_ID 0x00         /* device ID << 16 | vendor ID; vendor 0xFFFF: nothing there */
#define PCI_COMMAND 0x04    /* status << 16 | command */
#define PCI_CLASS 0x08      /* class << 24 | subclass << 16 | prog-if << 8 | revision */
#define PCI_HEADER 0x0C     /* bit 23 of this word: a multi-function device */
#define PCI_BAR(n) (0x10 + 4 * (n))

#define PCI_CMD_IO BIT(0)         /* the function answers its I/O BARs */
#define PCI_CMD_BUS_MASTER BIT(2) /* the function may reach memory by DMA */
#define PCI_BAR_IO BIT(0)         /* an I/O-space BAR: the base is bits 31:2 */

uint32_t pci_read(struct pci_fn f, uint8_t reg);
void pci_write(struct pci_fn f, uint8_t reg, uint32_t v);

/*
 * The first function on buses 0..PCI_BUSES-1 whose class and subclass are
 * those given, in bus, device, function order: true with it in *f, or
 * false when there is none (or no PCI at all).
 */
#define PCI_BUSES 8
bool pci_find_class(uint8_t cls, uint8_t subclass, struct pci_fn *f);

#endif
