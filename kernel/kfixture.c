/*
 * kfixture.c - the kernel's side of tests/fixture.h: the paging tests run
 * on the live paging system, so a case starts from whatever the kernel has
 * and must leave it as it found it.
 */
#include "fixture.h"
#include "vmspace.h"

void fx_setup(void)
{
	vm_activate(0);
	fx_counts(&fx_start);
}
