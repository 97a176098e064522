# pagetrack - one Makefile for the i386 kernel and the host build.
#
#   make run      boot the demo kernel under QEMU (MEM=<MiB> SWAP=<MiB> CPU=<model>
#                 SMP=<cpus> ARGS='<command line>')
#   make shell    the kernel monitor: a prompt on the serial console (this terminal)
#   make pictures SVG drawings of the kernel zone and of a process, from the demo's dumps
#   make iso      a GRUB rescue image (make run-iso boots it)
#   make min-mem  the smallest MEM the demo passes at
#   make test     the host suites (with the fuzz corpus replay), the kernel
#                 under QEMU, the fuzz smoke run, valgrind, then lint
#   make bench    benchmarks
#   make lib      libpagetrack.a and libpagetrack-host.a, with their headers (docs/PORTING.md)
#   make debug    QEMU stopped with a gdb stub on 127.0.0.1:GDBPORT (default 1234);
#                 gdb -x build/kernel/gdbinit attaches
#   make clean    remove build/
#
# The portable core (core/) is compiled twice: freestanding for the kernel
# image and hosted, with sanitizers, for the tests.  Outputs go under build/.

BUILD    := build
KBUILD   := $(BUILD)/kernel
HBUILD   := $(BUILD)/host
BKBUILD  := $(BUILD)/bench-kernel

CC       := gcc
LD       := ld
OBJDUMP  := objdump
NM       := nm
QEMU     := qemu-system-i386

# V=1 shows the commands in full
V        ?= 0
Q        := $(if $(filter 1,$(V)),,@)
show      = $(if $(filter 1,$(V)),,@printf '  %-7s %s\n' $(1) $(2))

MEM      ?= 128
CPU      ?=
# CPUs of the machine, 1 to 8 (two by default: the demo's part 4 runs on them); with 1 QEMU is
# given no -smp, as before several CPUs
SMP      ?= 2
SMPOPT    = $(if $(filter-out 1,$(SMP)),--smp $(SMP))
# make test-kernel's main boot: one CPU unless SMP= is given (its suites run on 4 beside it)
TEST_SMP  = $(if $(filter command line environment,$(origin SMP)),$(SMP),1)
SWAP     ?= 512
ARGS     ?=
TIMEOUT  ?= 120
# make test-kernel's boots run side by side on a machine's few cores: a longer bound
TEST_TIMEOUT ?= 600
GDBPORT  ?= 1234

# ---- sources ----------------------------------------------------------

# the freestanding C library: the formatter, error names, the memory functions
# (string.c in the i386 builds only: the host has its C library's), and the
# user interface's errors and statuses in words (status.c)
LIB_SRCS    := lib/errors.c lib/printf.c lib/status.c
ILIB_SRCS   := $(LIB_SRCS) lib/string.c
CORE_SRCS   := core/frame.c core/cpus.c core/lock.c core/tracker.c core/ptblock.c core/tlb.c core/kmap.c \
               core/vmspace.c core/paging.c core/check.c core/dump.c core/swap.c core/pager.c
ARCH_SRCS   := arch/i386/boot.S arch/i386/trap.S arch/i386/probe.S arch/i386/switch.S \
               arch/i386/idt.c arch/i386/gdt.c arch/i386/timer.c arch/i386/serial.c \
               arch/i386/seam.c arch/i386/qemu.c arch/i386/ata.c arch/i386/pci.c arch/i386/ksyms.c \
               arch/i386/cpufeat.c arch/i386/acpi.c arch/i386/apic.c arch/i386/smp.c arch/i386/spinlock.c \
               arch/i386/trampoline.S
KERNEL_SRCS := kernel/main.c kernel/multiboot.c kernel/cmdline.c kernel/pagefault.c \
               kernel/elf.c kernel/proc.c kernel/ufault.c kernel/syscall.c \
               kernel/programs.S kernel/program_find.c kernel/disktime.c kernel/monitor.c \
               kernel/pressure.c
DEMO_SRCS   := demo/demo.c demo/demo_proc.c demo/demo_pictures.c demo/demo_swap.c demo/demo_cpus.c
HOSTED_SRCS := hosted/seam.c hosted/mmu_model.c hosted/probe.c hosted/disk.c
# test bodies that run on both platforms
SHARED_TEST_SRCS := tests/harness.c tests/fixture.c tests/test_printf.c tests/test_hw.c \
                    tests/vm_util.c tests/vm_map.c tests/vm_grow.c tests/vm_shrink.c \
                    tests/vm_bad.c tests/vm_tlb.c tests/vm_clone.c tests/vm_resolve.c \
                    tests/vm_iterate.c \
                    tests/test_oom.c tests/test_random.c tests/model.c \
                    tests/swap_util.c tests/swap_pager.c
# host-only tests and the host runner
HOST_TEST_SRCS   := tests/host_main.c tests/host_fixture.c tests/frame_util.c \
                    tests/frame_boot.c tests/frame_alloc.c tests/frame_bad.c tests/frame_refs.c \
                    tests/frame_inject.c tests/frame_walk.c tests/frame_random.c \
                    tests/frame_source.c \
                    tests/test_mmu.c tests/test_paging.c tests/test_stress.c \
                    tests/disk_model.c tests/swap_slots.c tests/swap_io.c \
                    tests/swap_model.c tests/vm_cpus.c
# kernel-only tests, their fixture, the runner and the kernel's probe()
KTEST_SRCS  := tests/kernel/ktest.c tests/kernel/kfixture.c tests/kernel/probe.c \
               tests/kernel/test_kframe.c tests/kernel/test_proc.c tests/kernel/test_kfail.c \
               tests/kernel/test_disk.c tests/kernel/test_swap.c tests/kernel/test_smp.c
KBENCH_SRCS := bench/kernel/kbench.c

# ---- flags ------------------------------------------------------------

WARN     := -Wall -Wextra -Werror
# The layout (include/layout.h) is config/<layout>/pagetrack-config.h: this
# tree's kernel and its default builds are identity; make lib and make
# test-host build the higher-half one too (HH_ below).
INCLUDES := -Iinclude -Ilib -Iconfig/identity
hh_flags  = $(subst -Iconfig/identity,-Iconfig/higher-half,$(1))

# The i386 builds: the kernel proper sees only the core's headers, its own
# and arch/i386's; the demo, the tests and the benchmarks each add theirs
# (XINC, set per folder below).
KCFLAGS  = -std=gnu11 -m32 -march=i486 -ffreestanding -fno-pic -fno-stack-protector \
           -nostdlib -mgeneral-regs-only -fno-omit-frame-pointer -O2 -g $(WARN) \
           $(INCLUDES) -Iarch/i386 -Ikernel $(XINC) -DPT_DEBUG=1
KASFLAGS := -m32 -g $(INCLUDES) -Iarch/i386
KLDFLAGS := -m elf_i386 -T arch/i386/kernel.ld -nostdlib

HCFLAGS  := -std=gnu11 -g -O1 -fno-omit-frame-pointer -fsanitize=address,undefined \
            -fno-sanitize-recover=undefined $(WARN) $(INCLUDES) -Itests -Ihosted -DPT_DEBUG=1
HLDFLAGS := -fsanitize=address,undefined

DEPFLAGS  = -MMD -MP

# ---- one compile rule per build flavour ---------------------------------
#
# $(call compile_rules,DIR,COMPILER,CFLAGS-VAR,ASFLAGS-VAR,LABEL): objects
# DIR/<source>.o from <source>.c and <source>.S.  DIR/.flags holds the
# command line they are built with and changes only when it does, so that
# a change of compiler or flags rebuilds every object of the flavour.

define compile_rules
$(1)/.flags: FORCE
	@mkdir -p $$(dir $$@)
	@echo '$(2) $$($(3)) $$($(4))' | cmp -s - $$@ || echo '$(2) $$($(3)) $$($(4))' > $$@

$(1)/%.o: %.c $(1)/.flags
	@mkdir -p $$(dir $$@)
	$$(call show,$(5),$$<)
	$$(Q)$(2) $$($(3)) $$(DEPFLAGS) -c $$< -o $$@

$(1)/%.o: %.S $(1)/.flags
	@mkdir -p $$(dir $$@)
	$$(call show,$(5),$$<)
	$$(Q)$(2) $$($(4)) $$(DEPFLAGS) -c $$< -o $$@
endef

# ---- objects ----------------------------------------------------------

kobj = $(patsubst %,$(KBUILD)/%.o,$(basename $(1)))
hobj = $(patsubst %,$(HBUILD)/%.o,$(basename $(1)))

KERNEL_OBJS := $(call kobj,$(ARCH_SRCS) $(ILIB_SRCS) $(CORE_SRCS) $(KERNEL_SRCS) $(DEMO_SRCS) \
                           $(SHARED_TEST_SRCS) $(KTEST_SRCS) $(KBENCH_SRCS))
HOST_OBJS   := $(call hobj,$(LIB_SRCS) $(CORE_SRCS) $(HOSTED_SRCS) $(SHARED_TEST_SRCS) \
                           $(HOST_TEST_SRCS))

KERNEL_ELF  := $(KBUILD)/pagetrack.elf
HOST_TESTS  := $(HBUILD)/pagetrack-tests
REPLAY      := $(HBUILD)/fuzz-replay
FUZZ_DIRS   := fuzz/corpus fuzz/regressions

.PHONY: FORCE all kernel host run shell min-mem test test-host test-kernel bench debug clean deps-run deps-test \
        deps-debug

all: kernel host

kernel: $(KERNEL_ELF) $(KBUILD)/kernel.sym $(KBUILD)/kernel.asm
host: $(HOST_TESTS)

$(eval $(call compile_rules,$(KBUILD),$(CC),KCFLAGS,KASFLAGS,CC-i386))
$(eval $(call compile_rules,$(HBUILD),$(CC),HCFLAGS,HCFLAGS,CC-host))

# what each folder of the i386 builds includes beyond the kernel's headers
$(KBUILD)/demo/%.o $(BKBUILD)/demo/%.o: XINC := -Idemo
# the kernel's kprintf holds the console's lock for a call (arch/i386/spinlock.h)
$(KBUILD)/lib/%.o $(BKBUILD)/lib/%.o: XINC := -DPT_CONSOLE_LOCK
$(KBUILD)/tests/%.o $(BKBUILD)/tests/%.o: XINC := -Itests -Itests/kernel -Itests/user
$(KBUILD)/bench/%.o $(BKBUILD)/bench/%.o: XINC := -Itests -Ibench/kernel

# Linked twice: the first link gives the code's addresses, from which
# scripts/ksyms.sh makes the symbol table the kernel's backtraces read; the
# second adds it after the code (kernel.ld), and the script checks that no
# code moved.
KERNEL_NOSYMS := $(KBUILD)/pagetrack-nosyms.elf

$(KERNEL_NOSYMS): $(KERNEL_OBJS) arch/i386/kernel.ld
	$(call show,LD,$@)
	$(Q)$(LD) $(KLDFLAGS) -o $@ $(KERNEL_OBJS)

$(KBUILD)/ksyms.S: $(KERNEL_NOSYMS) scripts/ksyms.sh
	$(call show,KSYMS,$@)
	$(Q)NM=$(NM) scripts/ksyms.sh $< > $@

$(KBUILD)/ksyms.o: $(KBUILD)/ksyms.S
	$(call show,AS,$@)
	$(Q)$(CC) $(KASFLAGS) -c $< -o $@

$(KERNEL_ELF): $(KERNEL_NOSYMS) $(KBUILD)/ksyms.o
	$(call show,LD,$@)
	$(Q)$(LD) $(KLDFLAGS) -o $@ $(KERNEL_OBJS) $(KBUILD)/ksyms.o
	$(Q)NM=$(NM) scripts/ksyms.sh --check $(KERNEL_NOSYMS) $@

$(KBUILD)/kernel.sym: $(KERNEL_ELF)
	$(call show,NM,$@)
	$(Q)$(NM) -n $< > $@

$(KBUILD)/kernel.asm: $(KERNEL_ELF)
	$(call show,OBJDUMP,$@)
	$(Q)$(OBJDUMP) -d -S -M intel $< > $@

$(HOST_TESTS): $(HOST_OBJS)
	$(call show,LD-host,$@)
	$(Q)$(CC) $(HLDFLAGS) -o $@ $^

# The host tests again in the higher-half layout: make test-host runs the
# suites of HH_SUITES from it, as host-hh-<suite>.
HHBUILD    := $(BUILD)/host-hh
HH_HCFLAGS := $(call hh_flags,$(HCFLAGS))
HH_TESTS   := $(HHBUILD)/pagetrack-tests
HH_REPLAY  := $(HHBUILD)/fuzz-replay
HH_SUITES  := paging mmu hw vm oom swap-pager swap-io frame-source cpus
hhobj       = $(patsubst %,$(HHBUILD)/%.o,$(basename $(1)))
HH_OBJS    := $(call hhobj,$(LIB_SRCS) $(CORE_SRCS) $(HOSTED_SRCS) $(SHARED_TEST_SRCS) \
                           $(HOST_TEST_SRCS))

$(eval $(call compile_rules,$(HHBUILD),$(CC),HH_HCFLAGS,HH_HCFLAGS,CC-hosthh))

$(HH_TESTS): $(HH_OBJS)
	$(call show,LD-host,$@)
	$(Q)$(CC) $(HLDFLAGS) -o $@ $^

-include $(HH_OBJS:.o=.d)

# ---- the library ------------------------------------------------------
#
# make lib: pagetrack for other kernels (docs/PORTING.md).
#   build/lib/libpagetrack.a       i386, freestanding: the core and what it
#                                  calls of lib/ (the formatter, error names)
#   build/lib/libpagetrack-host.a  x86-64: the same, with the hosted seam, the
#                                  model MMU and the model disk
#   build/lib/include/pagetrack/   the public headers (lib/public.h as lib.h;
#                                  the hosted machine's three for the host library)
# Every object is compiled with lib/libnames.h first, which gives lib/'s
# functions prefixed names (pt_printf, pt_panic), so the library defines no
# name a kernel has of its own; scripts/check-symbols.sh holds it to the
# documented list.  No PT_DEBUG: a build for use, as make bench measures.

LBUILD      := $(BUILD)/lib
AR          := ar
LIB_I386    := $(LBUILD)/libpagetrack.a
LIB_HOST    := $(LBUILD)/libpagetrack-host.a
LIB_LIB_SRCS := lib/printf.c lib/errors.c
LIB_HOSTED_SRCS := hosted/seam.c hosted/mmu_model.c hosted/disk.c
LIB_HDRS    := types.h errors.h mmu.h layout.h seam.h frame.h cpus.h tracker.h ptblock.h vmspace.h \
               kmap.h tlb.h paging.h pager.h swap.h check.h
LIB_HOST_HDRS := machine.h mmu_model.h disk.h
LIB_INC     := $(LBUILD)/include/pagetrack
LIB_HEADERS := $(addprefix $(LIB_INC)/,$(LIB_HDRS) $(LIB_HOST_HDRS) lib.h pagetrack-config.h)

LIB_KCFLAGS := -std=gnu11 -m32 -march=i486 -ffreestanding -fno-pic -fno-stack-protector \
               -mgeneral-regs-only -fno-omit-frame-pointer -O2 -g $(WARN) $(INCLUDES) \
               -include lib/libnames.h
LIB_HCFLAGS := -std=gnu11 -O2 -g -fno-omit-frame-pointer $(WARN) $(INCLUDES) -Ihosted \
               -include lib/libnames.h

lkobj = $(patsubst %,$(LBUILD)/i386/%.o,$(basename $(1)))
lhobj = $(patsubst %,$(LBUILD)/host/%.o,$(basename $(1)))

LIB_I386_OBJS := $(call lkobj,$(CORE_SRCS) $(LIB_LIB_SRCS))
LIB_HOST_OBJS := $(call lhobj,$(CORE_SRCS) $(LIB_LIB_SRCS) $(LIB_HOSTED_SRCS))

.PHONY: lib example-hosted
lib: $(LIB_I386) $(LIB_HOST) $(LIB_HEADERS) lib-hh

$(eval $(call compile_rules,$(LBUILD)/i386,$(CC),LIB_KCFLAGS,LIB_KCFLAGS,CC-lib))
$(eval $(call compile_rules,$(LBUILD)/host,$(CC),LIB_HCFLAGS,LIB_HCFLAGS,CC-libh))

$(LIB_I386_OBJS) $(LIB_HOST_OBJS): lib/libnames.h

$(LIB_I386): $(LIB_I386_OBJS)
	$(call show,AR,$@)
	$(Q)rm -f $@ && $(AR) rcs $@ $^

$(LIB_HOST): $(LIB_HOST_OBJS)
	$(call show,AR,$@)
	$(Q)rm -f $@ && $(AR) rcs $@ $^

$(LIB_INC)/%.h: include/%.h
	@mkdir -p $(dir $@)
	$(Q)cp $< $@
$(LIB_INC)/%.h: hosted/%.h
	@mkdir -p $(dir $@)
	$(Q)cp $< $@
$(LIB_INC)/lib.h: lib/public.h
	@mkdir -p $(dir $@)
	$(Q)cp $< $@
$(LIB_INC)/pagetrack-config.h: config/identity/pagetrack-config.h
	@mkdir -p $(dir $@)
	$(Q)cp $< $@

-include $(LIB_I386_OBJS:.o=.d) $(LIB_HOST_OBJS:.o=.d)

# The same two libraries in the higher-half layout, under build/lib/higher-half/,
# their headers carrying config/higher-half/pagetrack-config.h: a kernel that
# includes them gets the constants the library was built with.
LBUILD_HH      := $(LBUILD)/higher-half
LIB_HH_I386    := $(LBUILD_HH)/libpagetrack.a
LIB_HH_HOST    := $(LBUILD_HH)/libpagetrack-host.a
LIB_HH_INC     := $(LBUILD_HH)/include/pagetrack
LIB_HH_HEADERS := $(addprefix $(LIB_HH_INC)/,$(LIB_HDRS) $(LIB_HOST_HDRS) lib.h pagetrack-config.h)
LIB_HH_KCFLAGS := $(call hh_flags,$(LIB_KCFLAGS))
LIB_HH_HCFLAGS := $(call hh_flags,$(LIB_HCFLAGS))

LIB_HH_I386_OBJS := $(patsubst $(LBUILD)/%,$(LBUILD_HH)/%,$(LIB_I386_OBJS))
LIB_HH_HOST_OBJS := $(patsubst $(LBUILD)/%,$(LBUILD_HH)/%,$(LIB_HOST_OBJS))

.PHONY: lib-hh
lib-hh: $(LIB_HH_I386) $(LIB_HH_HOST) $(LIB_HH_HEADERS)

$(eval $(call compile_rules,$(LBUILD_HH)/i386,$(CC),LIB_HH_KCFLAGS,LIB_HH_KCFLAGS,CC-lib-hh))
$(eval $(call compile_rules,$(LBUILD_HH)/host,$(CC),LIB_HH_HCFLAGS,LIB_HH_HCFLAGS,CC-libhh))

$(LIB_HH_I386_OBJS) $(LIB_HH_HOST_OBJS): lib/libnames.h

$(LIB_HH_I386): $(LIB_HH_I386_OBJS)
	$(call show,AR,$@)
	$(Q)rm -f $@ && $(AR) rcs $@ $^

$(LIB_HH_HOST): $(LIB_HH_HOST_OBJS)
	$(call show,AR,$@)
	$(Q)rm -f $@ && $(AR) rcs $@ $^

$(LIB_HH_INC)/%.h: include/%.h
	@mkdir -p $(dir $@)
	$(Q)cp $< $@
$(LIB_HH_INC)/%.h: hosted/%.h
	@mkdir -p $(dir $@)
	$(Q)cp $< $@
$(LIB_HH_INC)/lib.h: lib/public.h
	@mkdir -p $(dir $@)
	$(Q)cp $< $@
$(LIB_HH_INC)/pagetrack-config.h: config/higher-half/pagetrack-config.h
	@mkdir -p $(dir $@)
	$(Q)cp $< $@

-include $(LIB_HH_I386_OBJS:.o=.d) $(LIB_HH_HOST_OBJS:.o=.d)

# examples/hosted: a program of plain user space on libpagetrack-host.a, built
# the way a user builds it, with nothing of the tree but the installed headers
EXAMPLE_HOSTED := $(LBUILD)/example-hosted

example-hosted: $(EXAMPLE_HOSTED)
	@$(EXAMPLE_HOSTED)

$(EXAMPLE_HOSTED): examples/hosted/main.c $(LIB_HOST) $(LIB_HEADERS)
	$(call show,CC-ex,$<)
	$(Q)$(CC) -std=gnu11 -O1 -g $(WARN) -I$(LBUILD)/include -o $@ $< $(LIB_HOST)

# examples/higher-half: a minimal higher-half multiboot kernel of its own (boot,
# console, IDT, frame manager, seam) on the higher-half library and its
# installed headers alone; its suites run inside it (scripts/example-hh-test.sh).
# The shared test bodies are built the same way, with a lib.h of the example's
# own (examples/higher-half/shim/) in place of lib/lib.h.
EX_HH_DIR      := examples/higher-half
EX_HH_BUILD    := $(BUILD)/examples/higher-half
EX_HH_LIB      := $(LIB_HH_I386)
EX_HH_INC      := $(LBUILD_HH)/include
EX_HH_ELF      := $(EX_HH_BUILD)/kernel.elf
EX_HH_SRCS     := $(addprefix $(EX_HH_DIR)/,boot.S isr.S probe_cpu.S console.c idt.c frames.c \
                    string.c seam.c fault.c vm.c main.c)
EX_HH_TEST_SRCS := $(addprefix $(EX_HH_DIR)/,tests.c test_boot.c probe.c ring3.c) \
                   tests/harness.c tests/fixture.c tests/vm_util.c tests/vm_map.c \
                   tests/vm_grow.c tests/vm_shrink.c tests/vm_bad.c tests/vm_tlb.c \
                   tests/vm_clone.c tests/vm_resolve.c tests/vm_iterate.c tests/test_oom.c \
                   tests/test_hw.c
EX_HH_CFLAGS   := -std=gnu11 -m32 -march=i486 -ffreestanding -fno-pic -fno-stack-protector \
                  -mgeneral-regs-only -fno-omit-frame-pointer -fno-asynchronous-unwind-tables \
                  -O2 -g $(WARN) -I$(EX_HH_INC) -I$(EX_HH_DIR)
EX_HH_TCFLAGS  := $(EX_HH_CFLAGS) -I$(EX_HH_DIR)/shim -I$(EX_HH_INC)/pagetrack -Itests
EX_HH_ASFLAGS  := -m32 -g -I$(EX_HH_DIR)

exhhobj  = $(patsubst %,$(EX_HH_BUILD)/obj/%.o,$(basename $(1)))
exhhtobj = $(patsubst %,$(EX_HH_BUILD)/tobj/%.o,$(basename $(1)))
EX_HH_OBJS := $(call exhhobj,$(EX_HH_SRCS)) $(call exhhtobj,$(EX_HH_TEST_SRCS))

.PHONY: example-higher-half
example-higher-half: $(EX_HH_ELF)

$(eval $(call compile_rules,$(EX_HH_BUILD)/obj,$(CC),EX_HH_CFLAGS,EX_HH_ASFLAGS,CC-hh))
$(eval $(call compile_rules,$(EX_HH_BUILD)/tobj,$(CC),EX_HH_TCFLAGS,EX_HH_ASFLAGS,CC-hht))

$(EX_HH_OBJS): $(LIB_HH_HEADERS)

$(EX_HH_ELF): $(EX_HH_OBJS) $(EX_HH_LIB) $(EX_HH_DIR)/link.ld
	$(call show,LD-hh,$@)
	$(Q)$(LD) -m elf_i386 -T $(EX_HH_DIR)/link.ld -nostdlib -o $@ $(EX_HH_OBJS) $(EX_HH_LIB)

-include $(EX_HH_OBJS:.o=.d)

# ---- user programs ----------------------------------------------------
#
# Freestanding ring-3 programs, linked at PROGRAM_BASE by user/user.ld and
# embedded in the kernel image (kernel/programs.S): the demo's and the
# benchmark's in user/, the test programs (which share their case tables
# with tests/kernel/) in tests/user/.  Each links crt0, the user library and
# lib/, compiled for user space.

UBUILD        := $(BUILD)/user
USER_PROG_SRCS := user/init.c user/worker.c user/hello.c user/forkwait.c user/membench.c user/spin.c user/cpus.c user/faults.c \
                  user/overcommit.c \
                  tests/user/utest.c tests/user/kfail.c tests/user/uswap.c
USER_LIB_SRCS := user/crt0.S user/ulib.c user/ucheck.c lib/printf.c lib/string.c lib/status.c
USER_CFLAGS   := -std=gnu11 -m32 -march=i486 -ffreestanding -fno-pic -fno-stack-protector \
                 -nostdlib -mgeneral-regs-only -fno-omit-frame-pointer \
                 -fno-asynchronous-unwind-tables -O2 \
                 $(WARN) $(INCLUDES) -Iuser
USER_ASFLAGS  := -m32 $(INCLUDES) -Iuser
USER_LDFLAGS  := -m elf_i386 -T user/user.ld -nostdlib

uobj = $(patsubst %,$(UBUILD)/%.o,$(basename $(1)))

USER_LIB_OBJS := $(call uobj,$(USER_LIB_SRCS))
USER_OBJS     := $(USER_LIB_OBJS) $(call uobj,$(USER_PROG_SRCS))
USER_ELFS     := $(patsubst %,$(UBUILD)/%.elf,$(basename $(notdir $(USER_PROG_SRCS))))

.PHONY: user
user: $(USER_ELFS)

# the objects are kept: make would delete them as intermediate files
.SECONDARY: $(USER_OBJS)

$(eval $(call compile_rules,$(UBUILD),$(CC),USER_CFLAGS,USER_ASFLAGS,CC-user))

# each program: its own object, then the library
$(foreach p,$(USER_PROG_SRCS),$(eval \
  $(UBUILD)/$(basename $(notdir $(p))).elf: $(call uobj,$(p)) $(USER_LIB_OBJS) user/user.ld))
$(USER_ELFS):
	$(call show,LD-user,$@)
	$(Q)$(LD) $(USER_LDFLAGS) -o $@ $(filter %.o,$^)

# the kernel image holds the programs: it is rebuilt when one changes
$(KBUILD)/kernel/programs.o: $(USER_ELFS)

-include $(USER_OBJS:.o=.d)

# ---- running ----------------------------------------------------------

deps-run:
	@scripts/deps.sh run
deps-test:
	@scripts/deps.sh test

run: deps-run kernel
	@scripts/qemu.sh --icount --timeout $(TIMEOUT) --mem $(MEM) --swap $(SWAP) --swap-image $(BUILD)/swap.img \
		$(if $(CPU),--cpu $(CPU)) $(SMPOPT) $(if $(filter monitor,$(ARGS)),--stdin --timeout 0) \
		--args '$(ARGS)' $(KERNEL_ELF)

# the kernel monitor: a prompt on the serial console, which is this terminal
shell: deps-run kernel
	@scripts/qemu.sh --stdin --timeout 0 --mem $(MEM) --swap $(SWAP) --swap-image $(BUILD)/swap.img \
		$(if $(CPU),--cpu $(CPU)) $(SMPOPT) --args 'monitor $(ARGS)' $(KERNEL_ELF)

# make pictures: the demo with the word pictures prints its dumps for
# scripts; scripts/pictures.py draws them from the serial log as SVG under
# build/pictures/ (the kernel zone at part 1's fullest and at its end, a
# process's address space and its block)
PICTURES := $(BUILD)/pictures

.PHONY: pictures deps-pictures
deps-pictures:
	@scripts/deps.sh pictures

pictures: deps-pictures kernel
	@mkdir -p $(PICTURES)
	@scripts/qemu.sh --icount --timeout $(TIMEOUT) --mem $(MEM) --args 'pictures $(ARGS)' \
		$(KERNEL_ELF) > $(PICTURES)/demo.log || { tail -n 20 $(PICTURES)/demo.log; exit 1; }
	@python3 scripts/pictures.py $(PICTURES)/demo.log $(PICTURES)

# make iso: a GRUB rescue image (grub-mkrescue) holding the kernel, with a
# menu (scripts/grub.cfg) of the demo, the tests and the monitor; make
# run-iso boots it from QEMU's CD-ROM drive, with the swap disk make run
# gives, the serial console in this terminal (pick an entry there).
ISO     := $(BUILD)/pagetrack.iso
ISOROOT := $(BUILD)/iso

.PHONY: iso run-iso deps-iso
deps-iso:
	@scripts/deps.sh iso

$(ISO): $(KERNEL_ELF) scripts/grub.cfg
	$(call show,ISO,$@)
	$(Q)rm -rf $(ISOROOT) && mkdir -p $(ISOROOT)/boot/grub
	$(Q)cp $(KERNEL_ELF) $(ISOROOT)/boot/pagetrack.elf
	$(Q)cp scripts/grub.cfg $(ISOROOT)/boot/grub/grub.cfg
	$(Q)grub-mkrescue -o $@ $(ISOROOT) >$(BUILD)/grub-mkrescue.log 2>&1 || \
		{ cat $(BUILD)/grub-mkrescue.log; exit 1; }

iso: deps-iso $(ISO)

run-iso: deps-run deps-iso $(ISO)
	@scripts/qemu.sh --cdrom --stdin --timeout 0 --mem $(MEM) --swap $(SWAP) \
		--swap-image $(BUILD)/swap.img $(if $(CPU),--cpu $(CPU)) $(SMPOPT) $(ISO)

# the smallest MEM the demo passes at, each size booted 3 times (scripts/min-mem.sh)
min-mem: deps-run kernel
	@scripts/min-mem.sh --timeout $(TIMEOUT) --swap $(SWAP) $(KERNEL_ELF)

test: deps-test test-host test-kernel test-fuzz valgrind lint

test-host: $(HOST_TESTS) $(HH_TESTS) $(REPLAY) $(HH_REPLAY) lib $(EXAMPLE_HOSTED)
	@$(HOST_TESTS)
	@PAGETRACK_TEST_PLATFORM=host-hh $(HH_TESTS) $(HH_SUITES)
	@$(REPLAY) $(FUZZ_DIRS)
	@PAGETRACK_TEST_PLATFORM=host-hh $(HH_REPLAY) $(FUZZ_DIRS)
	@scripts/check-symbols.sh --nm $(NM) $(LIB_I386) $(LIB_HOST)
	@scripts/check-symbols.sh --nm $(NM) --name symbols-hh $(LIB_HH_I386) $(LIB_HH_HOST)
	@scripts/example-hosted-test.sh $(EXAMPLE_HOSTED)

test-kernel: deps-run deps-iso kernel $(ISO) $(EX_HH_ELF)
	@scripts/kernel-test.sh --timeout $(TEST_TIMEOUT) --mem $(MEM) --swap $(SWAP) --smp $(TEST_SMP) --iso $(ISO) \
		--example-hh $(EX_HH_ELF) $(KERNEL_ELF)
	@scripts/kernel-crash-test.sh --timeout $(TEST_TIMEOUT) $(KERNEL_ELF)

deps-debug:
	@scripts/deps.sh debug

# gdbinit is written afresh each time: it holds GDBPORT
debug: deps-debug kernel
	@mkdir -p $(KBUILD)
	@sed -e 's|@KERNEL@|$(abspath $(KERNEL_ELF))|' -e 's|@PORT@|$(GDBPORT)|' scripts/gdbinit \
		> $(KBUILD)/gdbinit
	@echo "QEMU waits for gdb on 127.0.0.1:$(GDBPORT); in another terminal: gdb -x $(KBUILD)/gdbinit"
	@scripts/qemu.sh --debug --gdb-port $(GDBPORT) --icount --timeout 0 --mem $(MEM) --swap $(SWAP) \
		--swap-image $(BUILD)/swap.img $(SMPOPT) --args '$(ARGS)' $(KERNEL_ELF)

clean:
	rm -rf $(BUILD)

# ---- benchmarks -------------------------------------------------------
#
# make bench measures what a build for use costs, not a debug build: the
# core and the hosted seam are compiled again at -O2 without sanitizers or
# PT_DEBUG (no poisoning of freed frames) for bench-host, and the kernel is
# linked again without PT_DEBUG under build/bench-kernel.  scripts/bench.sh
# runs both, the kernel under QEMU with -icount, and writes
# build/bench/results.json and build/bench/bench.svg (docs/PERFORMANCE.md).

BBUILD        := $(BUILD)/bench
BENCH_SRCS    := bench/bench_host.c bench/naive.c bench/plain.c bench/timing.c
# Loops start on a 64-byte line, so that a short loop (the table fills of
# pt_vm_map_range and the raw store they are measured against) never straddles
# two and its speed does not depend on where the linker happened to put it.
BENCH_CFLAGS  := -std=gnu11 -O2 -g -falign-loops=64 $(WARN) $(INCLUDES) -Itests -Ihosted -Ibench
BENCH_KCFLAGS  = $(filter-out -DPT_DEBUG=1,$(KCFLAGS))

bobj = $(patsubst %,$(BBUILD)/obj/%.o,$(basename $(1)))

BENCH_OBJS        := $(call bobj,$(LIB_SRCS) $(CORE_SRCS) $(HOSTED_SRCS) $(BENCH_SRCS))
BENCH_HOST        := $(BBUILD)/bench-host
BENCH_KERNEL_OBJS := $(patsubst $(KBUILD)/%,$(BKBUILD)/%,$(KERNEL_OBJS))
BENCH_KERNEL      := $(BKBUILD)/pagetrack.elf

.PHONY: deps-bench bench-build
deps-bench:
	@scripts/deps.sh bench

bench-build: $(BENCH_HOST) $(BENCH_KERNEL)

bench: deps-bench bench-build
	@scripts/bench.sh --timeout $(TIMEOUT) $(BENCH_HOST) $(BENCH_KERNEL)

$(eval $(call compile_rules,$(BBUILD)/obj,$(CC),BENCH_CFLAGS,BENCH_CFLAGS,CC-bench))
$(eval $(call compile_rules,$(BKBUILD),$(CC),BENCH_KCFLAGS,KASFLAGS,CC-bench))

$(BENCH_HOST): $(BENCH_OBJS)
	$(call show,LD-bench,$@)
	$(Q)$(CC) -o $@ $^

# as for the debug kernel: the image holds the user programs
$(BKBUILD)/kernel/programs.o: $(USER_ELFS)

$(BENCH_KERNEL): $(BENCH_KERNEL_OBJS) arch/i386/kernel.ld
	$(call show,LD-bench,$@)
	$(Q)$(LD) $(KLDFLAGS) -o $@ $(BENCH_KERNEL_OBJS)

-include $(BENCH_OBJS:.o=.d) $(BENCH_KERNEL_OBJS:.o=.d)

-include $(KERNEL_OBJS:.o=.d) $(HOST_OBJS:.o=.d)

# ---- reliability: fuzzing, valgrind, lint -------------------------------
#
#   make fuzz SECONDS=N   the libFuzzer target for N seconds (default 60), from
#                         the committed seed corpus and regressions
#   make valgrind         the host suites and the fuzz replay, built without
#                         sanitizers, under memcheck (add --track-origins=yes
#                         to VALGRIND_FLAGS to chase an error)
#   make lint             cppcheck and clang-tidy on the core
#
# The fuzz target (fuzz/fuzz_vm.c) is built twice: with clang 14 and
# libFuzzer into build/fuzz/fuzz-vm, and with gcc into the replay runner
# build/host/fuzz-replay, which test-host runs over fuzz/corpus and
# fuzz/regressions.  docs/RELIABILITY.md says how to reproduce a failure.

CLANG       := clang-14
CLANG_TIDY  := clang-tidy-14
CPPCHECK    := cppcheck
VALGRIND    := valgrind
SECONDS     ?= 60

FBUILD      := $(BUILD)/fuzz
VBUILD      := $(BUILD)/valgrind

FUZZ_LIB_SRCS := $(LIB_SRCS) $(CORE_SRCS) $(HOSTED_SRCS) tests/harness.c tests/fixture.c \
                 tests/host_fixture.c tests/model.c

FCFLAGS  := -std=gnu11 -g -O2 -fno-omit-frame-pointer \
            -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined \
            -fsanitize-coverage-ignorelist=fuzz/coverage-ignore.txt \
            $(WARN) $(INCLUDES) -Itests -Ihosted -Ifuzz -DPT_DEBUG=1
FLDFLAGS := -fsanitize=fuzzer,address,undefined
# the host build without sanitizers, for valgrind
VCFLAGS  := -std=gnu11 -g -O1 -fno-omit-frame-pointer $(WARN) $(INCLUDES) -Itests -Ihosted -Ifuzz \
            -DPT_DEBUG=1
VALGRIND_FLAGS := -q --error-exitcode=1 --leak-check=full --show-leak-kinds=all \
                  --errors-for-leak-kinds=all

fobj = $(patsubst %,$(FBUILD)/%.o,$(basename $(1)))
vobj = $(patsubst %,$(VBUILD)/%.o,$(basename $(1)))

FUZZ_BIN     := $(FBUILD)/fuzz-vm
FUZZ_OBJS    := $(call fobj,$(FUZZ_LIB_SRCS) fuzz/fuzz_vm.c)
REPLAY_OBJS  := $(call hobj,$(FUZZ_LIB_SRCS) fuzz/fuzz_vm.c fuzz/replay.c)
VHOST_OBJS   := $(call vobj,$(LIB_SRCS) $(CORE_SRCS) $(HOSTED_SRCS) $(SHARED_TEST_SRCS) $(HOST_TEST_SRCS))
VREPLAY_OBJS := $(call vobj,$(FUZZ_LIB_SRCS) fuzz/fuzz_vm.c fuzz/replay.c)

.PHONY: fuzz test-fuzz valgrind lint

$(HBUILD)/fuzz/%.o: HCFLAGS += -Ifuzz
$(FBUILD)/fuzz/fuzz_vm.o: FCFLAGS += -DFUZZ_LIBFUZZER

$(eval $(call compile_rules,$(FBUILD),$(CLANG),FCFLAGS,FCFLAGS,CC-fuzz))
$(eval $(call compile_rules,$(VBUILD),$(CC),VCFLAGS,VCFLAGS,CC-vg))

$(FUZZ_BIN): $(FUZZ_OBJS)
	$(call show,LD-fuzz,$@)
	$(Q)$(CLANG) $(FLDFLAGS) -o $@ $^

$(REPLAY): $(REPLAY_OBJS)
	$(call show,LD-host,$@)
	$(Q)$(CC) $(HLDFLAGS) -o $@ $^

# the corpus replayed in the higher-half layout too (its universe is named by the layout)
HH_REPLAY_OBJS := $(call hhobj,$(FUZZ_LIB_SRCS) fuzz/fuzz_vm.c fuzz/replay.c)
$(HHBUILD)/fuzz/%.o: HH_HCFLAGS += -Ifuzz

$(HH_REPLAY): $(HH_REPLAY_OBJS)
	$(call show,LD-host,$@)
	$(Q)$(CC) $(HLDFLAGS) -o $@ $^

-include $(HH_REPLAY_OBJS:.o=.d)

$(VBUILD)/pagetrack-tests: $(VHOST_OBJS)
	$(call show,LD-vg,$@)
	$(Q)$(CC) -o $@ $^

$(VBUILD)/fuzz-replay: $(VREPLAY_OBJS)
	$(call show,LD-vg,$@)
	$(Q)$(CC) -o $@ $^

fuzz: deps-test $(FUZZ_BIN)
	@scripts/fuzz.sh --seconds $(SECONDS) $(FUZZ_BIN) $(FUZZ_DIRS)

# make test's smoke run: always 60 seconds
test-fuzz: deps-test $(FUZZ_BIN)
	@scripts/fuzz.sh --seconds 60 $(FUZZ_BIN) $(FUZZ_DIRS)

valgrind: deps-test $(VBUILD)/pagetrack-tests $(VBUILD)/fuzz-replay
	@PAGETRACK_TEST_PLATFORM=valgrind $(VALGRIND) $(VALGRIND_FLAGS) $(VBUILD)/pagetrack-tests
	@PAGETRACK_TEST_PLATFORM=valgrind $(VALGRIND) $(VALGRIND_FLAGS) \
		$(VBUILD)/fuzz-replay $(FUZZ_DIRS)

lint: deps-test
	@scripts/lint.sh --cppcheck $(CPPCHECK) --clang-tidy $(CLANG_TIDY) $(LIB_SRCS) $(CORE_SRCS)

-include $(FUZZ_OBJS:.o=.d) $(REPLAY_OBJS:.o=.d) $(VHOST_OBJS:.o=.d) $(VREPLAY_OBJS:.o=.d)
