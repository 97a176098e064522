/* pci.c - PCI configuration mechanism #1 (see pci.h). */
#include "pci.h"
#include "cpu.h"

#define PCI_ADDR_PORT 0xCF8
#define PCI_DATA_PORT 0xCFC
#define PCI_ENABLE BIT(31)
#define PCI_DEVICES 32
#define PCI_FUNCTIONS 8
#define PCI_NO_VENDOR 0xFFFFu
#define PCI_MULTI_FN BIT(23)

static uint32_t config_address(struct pci_fn f, uint8_t reg)
{
	return PCI_ENABLE | (uint32_t)f.bus << 16 | (uint32_t)f.dev << 11 | (uint32_t)f.fn << 8 |
	       (reg & 0xFCu);
}

uint32_t pci_read(struct pci_fn f, uint8_t reg)
{
	outl(PCI_ADDR_PORT, config_address(f, reg));
	return inl(PCI_DATA_PORT);
}

void pci_write(struct pci_fn f, uint8_t reg, uint32_t v)
{
	outl(PCI_ADDR_PORT, config_address(f, reg));
	outl(PCI_DATA_PORT, v);
}

static bool present(struct pci_fn f)
{
	return (pci_read(f, PCI_ID) & 0xFFFF) != PCI_NO_VENDOR;
}

static bool has_class(struct pci_fn f, uint8_t cls, uint8_t subclass)
{
	uint32_t c = pci_read(f, PCI_CLASS);

	return (c >> 24) == cls && ((c >> 16) & 0xFF) == subclass;
}

/* Function f.fn of a device that is there: functions past 0 only on a multi-function device. */
static bool worth_probing(struct pci_fn f)
{
	if (f.fn == 0)
		return true;
	return pci_read((struct pci_fn){ f.bus, f.dev, 0 }, PCI_HEADER) & PCI_MULTI_FN;
}

bool pci_find_class(uint8_t cls, uint8_t subclass, struct pci_fn *out)
{
	for (uint32_t i = 0; i < PCI_BUSES * PCI_DEVICES * PCI_FUNCTIONS; i++) {
		struct pci_fn f = { (uint8_t)(i / (PCI_DEVICES * PCI_FUNCTIONS)),
				    (uint8_t)(i / PCI_FUNCTIONS % PCI_DEVICES),
				    (uint8_t)(i % PCI_FUNCTIONS) };
		if (present(f) && worth_probing(f) && has_class(f, cls, subclass)) {
			*out = f;
			return true;
		}
	}
	return false;
}
