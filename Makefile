# pagetrack - one Makefile for the i386 kernel and the host build.
#
#   make run      boot the demo kernel under QEMU (MEM=<MiB> ARGS='<command line>')
#   make test     the host suites (with the fuzz corpus replay), the kernel
#                 under QEMU, the fuzz smoke run, valgrind, then lint
#   make bench    benchmarks
#   make debug    QEMU stopped with a gdb stub; gdb -x build/kernel/gdbinit attaches
#   make clean    remove build/
#
# The portable core (core/) is compiled twice: freestanding for the kernel
# image and hosted, with sanitizers, for the tests.  Outputs go under build/.

BUILD    := build
KBUILD   := $(BUILD)/kernel
HBUILD   := $(BUILD)/host

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
ARGS     ?=
TIMEOUT  ?= 120

# ---- sources ----------------------------------------------------------

CORE_SRCS   := core/errors.c core/printf.c core/frame.c core/tracker.c core/ptblock.c \
               core/tlb.c core/kmap.c core/vmspace.c core/paging.c core/check.c core/dump.c
ARCH_SRCS   := arch/i386/boot.S arch/i386/trap.S arch/i386/probe.S arch/i386/switch.S \
               arch/i386/idt.c arch/i386/gdt.c arch/i386/timer.c arch/i386/serial.c \
               arch/i386/seam.c arch/i386/qemu.c arch/i386/string.c
KERNEL_SRCS := kernel/main.c kernel/multiboot.c kernel/cmdline.c \
               kernel/pagefault.c kernel/probe.c kernel/elf.c kernel/proc.c kernel/ufault.c \
               kernel/syscall.c kernel/demo.c kernel/demo_proc.c kernel/ktest.c kernel/kfixture.c \
               kernel/kbench.c kernel/test_kframe.c kernel/test_proc.c kernel/programs.S \
               kernel/program_find.c kernel/test_kfail.c
HOSTED_SRCS := hosted/seam.c hosted/mmu_model.c hosted/probe.c
# test bodies that run on both platforms
SHARED_TEST_SRCS := tests/harness.c tests/fixture.c tests/test_printf.c tests/test_hw.c \
                    tests/test_vm.c tests/test_oom.c tests/test_random.c tests/model.c
# host-only tests and the host runner
HOST_TEST_SRCS   := tests/host_main.c tests/host_fixture.c tests/test_frame.c \
                    tests/test_mmu.c tests/test_paging.c tests/test_stress.c

# ---- flags ------------------------------------------------------------

WARN     := -Wall -Wextra -Werror
INCLUDES := -Iinclude -Itests

KCFLAGS  := -std=gnu11 -m32 -march=i686 -ffreestanding -fno-pic -fno-stack-protector \
            -nostdlib -mgeneral-regs-only -fno-omit-frame-pointer -O2 -g $(WARN) \
            $(INCLUDES) -Iarch/i386 -Ikernel -DPT_DEBUG=1
KASFLAGS := -m32 -g $(INCLUDES) -Iarch/i386
KLDFLAGS := -m elf_i386 -T arch/i386/kernel.ld -nostdlib
# gcc may turn the loops of memset and memcpy into calls to themselves
$(KBUILD)/arch/i386/string.o: KCFLAGS += -fno-tree-loop-distribute-patterns

HCFLAGS  := -std=gnu11 -g -O1 -fno-omit-frame-pointer -fsanitize=address,undefined \
            -fno-sanitize-recover=undefined $(WARN) $(INCLUDES) -Ihosted -DPT_DEBUG=1
HLDFLAGS := -fsanitize=address,undefined

DEPFLAGS  = -MMD -MP

# ---- objects ----------------------------------------------------------

kobj = $(patsubst %,$(KBUILD)/%.o,$(basename $(1)))
hobj = $(patsubst %,$(HBUILD)/%.o,$(basename $(1)))

KERNEL_OBJS := $(call kobj,$(ARCH_SRCS) $(CORE_SRCS) $(KERNEL_SRCS) $(SHARED_TEST_SRCS))
HOST_OBJS   := $(call hobj,$(CORE_SRCS) $(HOSTED_SRCS) $(SHARED_TEST_SRCS) $(HOST_TEST_SRCS))

KERNEL_ELF  := $(KBUILD)/pagetrack.elf
HOST_TESTS  := $(HBUILD)/pagetrack-tests

.PHONY: all kernel host run test test-host test-kernel bench debug clean deps-run deps-test

all: kernel host

kernel: $(KERNEL_ELF) $(KBUILD)/kernel.sym $(KBUILD)/kernel.asm
host: $(HOST_TESTS)

$(KBUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(call show,CC-i386,$<)
	$(Q)$(CC) $(KCFLAGS) $(DEPFLAGS) -c $< -o $@

$(KBUILD)/%.o: %.S
	@mkdir -p $(dir $@)
	$(call show,AS-i386,$<)
	$(Q)$(CC) $(KASFLAGS) $(DEPFLAGS) -c $< -o $@

$(HBUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(call show,CC-host,$<)
	$(Q)$(CC) $(HCFLAGS) $(DEPFLAGS) -c $< -o $@

$(KERNEL_ELF): $(KERNEL_OBJS) arch/i386/kernel.ld
	$(call show,LD,$@)
	$(Q)$(LD) $(KLDFLAGS) -o $@ $(KERNEL_OBJS)

$(KBUILD)/kernel.sym: $(KERNEL_ELF)
	$(call show,NM,$@)
	$(Q)$(NM) -n $< > $@

$(KBUILD)/kernel.asm: $(KERNEL_ELF)
	$(call show,OBJDUMP,$@)
	$(Q)$(OBJDUMP) -d -S -M intel $< > $@

$(HOST_TESTS): $(HOST_OBJS)
	$(call show,LD-host,$@)
	$(Q)$(CC) $(HLDFLAGS) -o $@ $^

# ---- user programs ----------------------------------------------------
#
# Freestanding ring-3 programs, linked at PROGRAM_BASE by user/user.ld and
# embedded in the kernel image (kernel/programs.S).  Each links crt0, the
# user library and the core's formatter, compiled for user space.

UBUILD        := $(BUILD)/user
USER_PROGS    := init worker utest hello forkwait kfail
USER_LIB_SRCS := user/crt0.S user/ulib.c user/ucheck.c core/printf.c arch/i386/string.c
USER_CFLAGS   := -std=gnu11 -m32 -march=i686 -ffreestanding -fno-pic -fno-stack-protector \
                 -nostdlib -mgeneral-regs-only -fno-omit-frame-pointer \
                 -fno-tree-loop-distribute-patterns -fno-asynchronous-unwind-tables -O2 \
                 $(WARN) -Iinclude -Iuser
USER_ASFLAGS  := -m32 -Iinclude -Iuser
USER_LDFLAGS  := -m elf_i386 -T user/user.ld -nostdlib

uobj = $(patsubst %,$(UBUILD)/%.o,$(basename $(1)))

USER_LIB_OBJS := $(call uobj,$(USER_LIB_SRCS))
USER_OBJS     := $(USER_LIB_OBJS) $(call uobj,$(patsubst %,user/%.c,$(USER_PROGS)))
USER_ELFS     := $(patsubst %,$(UBUILD)/%.elf,$(USER_PROGS))

.PHONY: user
user: $(USER_ELFS)

# the objects are kept: make would delete them as intermediate files
.SECONDARY: $(USER_OBJS)

$(UBUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(call show,CC-user,$<)
	$(Q)$(CC) $(USER_CFLAGS) $(DEPFLAGS) -c $< -o $@

$(UBUILD)/%.o: %.S
	@mkdir -p $(dir $@)
	$(call show,AS-user,$<)
	$(Q)$(CC) $(USER_ASFLAGS) $(DEPFLAGS) -c $< -o $@

$(UBUILD)/%.elf: $(UBUILD)/user/%.o $(USER_LIB_OBJS) user/user.ld
	$(call show,LD-user,$@)
	$(Q)$(LD) $(USER_LDFLAGS) -o $@ $< $(USER_LIB_OBJS)

# the kernel image holds the programs: it is rebuilt when one changes
$(KBUILD)/kernel/programs.o: $(USER_ELFS)

-include $(USER_OBJS:.o=.d)

# ---- running ----------------------------------------------------------

deps-run:
	@scripts/deps.sh run
deps-test:
	@scripts/deps.sh test

run: deps-run kernel
	@scripts/qemu.sh --timeout $(TIMEOUT) --mem $(MEM) --args '$(ARGS)' $(KERNEL_ELF)

test: deps-test test-host test-kernel test-fuzz valgrind lint

test-host: $(HOST_TESTS)
	@$(HOST_TESTS)
	@$(REPLAY) $(FUZZ_DIRS)

test-kernel: deps-run kernel
	@scripts/kernel-test.sh --timeout $(TIMEOUT) --mem $(MEM) $(KERNEL_ELF)
	@scripts/kernel-crash-test.sh --timeout $(TIMEOUT) $(KERNEL_ELF)

debug: deps-run kernel $(KBUILD)/gdbinit
	@echo "QEMU waits for gdb on localhost:1234; in another terminal: gdb -x $(KBUILD)/gdbinit"
	@scripts/qemu.sh --debug --timeout 0 --mem $(MEM) --args '$(ARGS)' $(KERNEL_ELF)

$(KBUILD)/gdbinit: scripts/gdbinit
	@mkdir -p $(dir $@)
	sed 's|@KERNEL@|$(abspath $(KERNEL_ELF))|' $< > $@

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
BKBUILD       := $(BUILD)/bench-kernel
BENCH_SRCS    := bench/bench_host.c bench/naive.c bench/timing.c
# Loops start on a 64-byte line, so that a short loop (the table fills of
# vm_map_range and the raw store they are measured against) never straddles
# two and its speed does not depend on where the linker happened to put it.
BENCH_CFLAGS  := -std=gnu11 -O2 -g -falign-loops=64 $(WARN) $(INCLUDES) -Ihosted -Ibench
BENCH_KCFLAGS := $(filter-out -DPT_DEBUG=1,$(KCFLAGS))

bobj = $(patsubst %,$(BBUILD)/obj/%.o,$(basename $(1)))

BENCH_OBJS        := $(call bobj,$(CORE_SRCS) $(HOSTED_SRCS) $(BENCH_SRCS))
BENCH_HOST        := $(BBUILD)/bench-host
BENCH_KERNEL_OBJS := $(patsubst $(KBUILD)/%,$(BKBUILD)/%,$(KERNEL_OBJS))
BENCH_KERNEL      := $(BKBUILD)/pagetrack.elf

.PHONY: deps-bench bench-build
deps-bench:
	@scripts/deps.sh bench

bench-build: $(BENCH_HOST) $(BENCH_KERNEL)

bench: deps-bench bench-build
	@scripts/bench.sh --timeout $(TIMEOUT) $(BENCH_HOST) $(BENCH_KERNEL)

$(BBUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(call show,CC-bench,$<)
	$(Q)$(CC) $(BENCH_CFLAGS) $(DEPFLAGS) -c $< -o $@

$(BENCH_HOST): $(BENCH_OBJS)
	$(call show,LD-bench,$@)
	$(Q)$(CC) -o $@ $^

$(BKBUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(call show,CC-bench,$<)
	$(Q)$(CC) $(BENCH_KCFLAGS) $(DEPFLAGS) -c $< -o $@

$(BKBUILD)/%.o: %.S
	@mkdir -p $(dir $@)
	$(call show,AS-bench,$<)
	$(Q)$(CC) $(KASFLAGS) $(DEPFLAGS) -c $< -o $@

$(BKBUILD)/arch/i386/string.o: BENCH_KCFLAGS += -fno-tree-loop-distribute-patterns
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

FUZZ_LIB_SRCS := $(CORE_SRCS) $(HOSTED_SRCS) tests/harness.c tests/fixture.c tests/host_fixture.c \
                 tests/model.c
FUZZ_DIRS     := fuzz/corpus fuzz/regressions

FCFLAGS  := -std=gnu11 -g -O2 -flto=thin -fno-omit-frame-pointer \
            -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined \
            -fsanitize-coverage-ignorelist=fuzz/coverage-ignore.txt \
            $(WARN) $(INCLUDES) -Ihosted -Ifuzz -DPT_DEBUG=1
FLDFLAGS := -flto=thin -fsanitize=fuzzer,address,undefined
# the host build without sanitizers, for valgrind
VCFLAGS  := -std=gnu11 -g -O1 -fno-omit-frame-pointer $(WARN) $(INCLUDES) -Ihosted -Ifuzz \
            -DPT_DEBUG=1
VALGRIND_FLAGS := -q --error-exitcode=1 --leak-check=full --show-leak-kinds=all \
                  --errors-for-leak-kinds=all

fobj = $(patsubst %,$(FBUILD)/%.o,$(basename $(1)))
vobj = $(patsubst %,$(VBUILD)/%.o,$(basename $(1)))

FUZZ_BIN     := $(FBUILD)/fuzz-vm
FUZZ_OBJS    := $(call fobj,$(FUZZ_LIB_SRCS) fuzz/fuzz_vm.c)
REPLAY       := $(HBUILD)/fuzz-replay
REPLAY_OBJS  := $(call hobj,$(FUZZ_LIB_SRCS) fuzz/fuzz_vm.c fuzz/replay.c)
VHOST_OBJS   := $(call vobj,$(CORE_SRCS) $(HOSTED_SRCS) $(SHARED_TEST_SRCS) $(HOST_TEST_SRCS))
VREPLAY_OBJS := $(call vobj,$(FUZZ_LIB_SRCS) fuzz/fuzz_vm.c fuzz/replay.c)

.PHONY: fuzz test-fuzz valgrind lint

$(HBUILD)/fuzz/%.o: HCFLAGS += -Ifuzz
$(FBUILD)/fuzz/fuzz_vm.o: FCFLAGS += -DFUZZ_LIBFUZZER

$(FBUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(call show,CC-fuzz,$<)
	$(Q)$(CLANG) $(FCFLAGS) $(DEPFLAGS) -c $< -o $@

$(VBUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(call show,CC-vg,$<)
	$(Q)$(CC) $(VCFLAGS) $(DEPFLAGS) -c $< -o $@

$(FUZZ_BIN): $(FUZZ_OBJS)
	$(call show,LD-fuzz,$@)
	$(Q)$(CLANG) $(FLDFLAGS) -o $@ $^

$(REPLAY): $(REPLAY_OBJS)
	$(call show,LD-host,$@)
	$(Q)$(CC) $(HLDFLAGS) -o $@ $^

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

test-host: $(REPLAY)

valgrind: deps-test $(VBUILD)/pagetrack-tests $(VBUILD)/fuzz-replay
	@PAGETRACK_TEST_PLATFORM=valgrind $(VALGRIND) $(VALGRIND_FLAGS) $(VBUILD)/pagetrack-tests
	@PAGETRACK_TEST_PLATFORM=valgrind $(VALGRIND) $(VALGRIND_FLAGS) \
		$(VBUILD)/fuzz-replay $(FUZZ_DIRS)

lint: deps-test
	@scripts/lint.sh --cppcheck $(CPPCHECK) --clang-tidy $(CLANG_TIDY) $(CORE_SRCS)

-include $(FUZZ_OBJS:.o=.d) $(REPLAY_OBJS:.o=.d) $(VHOST_OBJS:.o=.d) $(VREPLAY_OBJS:.o=.d)
