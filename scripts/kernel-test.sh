#!/usr/bin/env bash
# kernel-test.sh - run the kernel test suites under QEMU and check the verdict.
#
#   scripts/kernel-test.sh [--timeout S] [--mem MiB] [--swap MiB] [--iso IMAGE.iso]
#                          [--example-hh EXAMPLE.elf] KERNEL.elf
#
# Boots the kernel with the command line "test" and a swap disk of --swap
# MiB (default 256; 0: none), shows its output and keeps a copy beside the
# kernel (kernel-test.log).  Meanwhile scripts/kernel-disk-test.sh boots the
# disk-error suite on a disk of its own, and scripts/kernel-boot-test.sh
# boots the demo on an i486 and a Pentium and with too little memory (the
# user programs it checks are those of the build: ../user/*.elf beside the
# kernel's folder), and scripts/monitor-test.sh holds a scripted session
# with the kernel monitor, and with --iso, scripts/iso-test.sh boots make
# iso's image as a machine without QEMU's exit device, and with
# --example-hh, scripts/example-hh-test.sh boots examples/higher-half (a
# kernel of its own on the higher-half library); their lines follow,
# and they must pass too; so must the pictures make pictures draws, made
# from a demo boot with the word pictures and checked by
# scripts/pictures.py --check (kernel-pictures).  Passes
# only if all of these hold:
#  - QEMU reported success (the kernel's own verdict);
#  - at least one suite printed "kernel-<suite>: <n> passed, 0 failed";
#  - no suite printed "kernel-<suite>: <n> passed, <m> failed" with m > 0;
#  - the kernel's verdict "ktest: pass: N suites" came, with a closing line
#    for each of the N suites;
#  - the line utest's write case writes with write() reached the console;
#  - kernel-disk-test.sh, kernel-boot-test.sh, monitor-test.sh,
#    iso-test.sh and example-hh-test.sh passed.

set -euo pipefail

timeout_s=120
mem=128
swap=256
iso=""
example_hh=""
kernel=""

usage() {
	echo "usage: $0 [--timeout S] [--mem MiB] [--swap MiB] [--iso IMAGE.iso] [--example-hh EXAMPLE.elf] KERNEL.elf" >&2
	exit 2
}

fail() {
	echo "kernel-test.sh: FAIL: $*" >&2
	echo "kernel-test.sh: the whole output is in $log" >&2
	exit 1
}

while [ $# -gt 0 ]; do
	case $1 in
	--timeout) [ $# -ge 2 ] || usage; timeout_s=$2; shift 2 ;;
	--mem) [ $# -ge 2 ] || usage; mem=$2; shift 2 ;;
	--swap) [ $# -ge 2 ] || usage; swap=$2; shift 2 ;;
	--iso) [ $# -ge 2 ] || usage; iso=$2; shift 2 ;;
	--example-hh) [ $# -ge 2 ] || usage; example_hh=$2; shift 2 ;;
	-*) usage ;;
	*) [ -z "$kernel" ] || usage; kernel=$1; shift ;;
	esac
done
[ -n "$kernel" ] || usage

here=$(dirname "$0")
log=$(dirname "$kernel")/kernel-test.log

disk_out=$(dirname "$kernel")/kernel-disk-test.out
"$here/kernel-disk-test.sh" --timeout "$timeout_s" "$kernel" >"$disk_out" 2>&1 &
disk_pid=$!
boot_out=$(dirname "$kernel")/kernel-boot-test.out
"$here/kernel-boot-test.sh" --timeout "$timeout_s" "$kernel" "$(dirname "$kernel")"/../user/*.elf \
	>"$boot_out" 2>&1 &
boot_pid=$!
monitor_out=$(dirname "$kernel")/monitor-test.out
"$here/monitor-test.sh" --timeout "$timeout_s" "$kernel" >"$monitor_out" 2>&1 &
monitor_pid=$!
pictures_dir=$(dirname "$kernel")/pictures-test
pictures_out=$(dirname "$kernel")/pictures-test.out
(mkdir -p "$pictures_dir" &&
	"$here/qemu.sh" --icount --timeout "$timeout_s" --args pictures "$kernel" >"$pictures_dir/demo.log" 2>&1 &&
	python3 "$here/pictures.py" --check "$pictures_dir/demo.log" "$pictures_dir") >"$pictures_out" 2>&1 &
pictures_pid=$!
iso_out=$(dirname "$kernel")/iso-test.out
: >"$iso_out"
iso_pid=""
if [ -n "$iso" ]; then
	"$here/iso-test.sh" --timeout "$timeout_s" "$iso" >"$iso_out" 2>&1 &
	iso_pid=$!
fi
hh_out=$(dirname "$kernel")/example-hh-test.out
: >"$hh_out"
hh_pid=""
if [ -n "$example_hh" ]; then
	"$here/example-hh-test.sh" --timeout "$timeout_s" "$example_hh" >"$hh_out" 2>&1 &
	hh_pid=$!
fi

status=0
"$here/qemu.sh" --timeout "$timeout_s" --mem "$mem" --swap "$swap" \
	--swap-image "$(dirname "$kernel")/swap-test.img" --args test "$kernel" | tee "$log" ||
	status=${PIPESTATUS[0]}
disk_status=0
wait "$disk_pid" || disk_status=$?
cat "$disk_out"
boot_status=0
wait "$boot_pid" || boot_status=$?
cat "$boot_out"
monitor_status=0
wait "$monitor_pid" || monitor_status=$?
cat "$monitor_out"
pictures_status=0
wait "$pictures_pid" || pictures_status=$?
cat "$pictures_out"
iso_status=0
[ -z "$iso_pid" ] || wait "$iso_pid" || iso_status=$?
cat "$iso_out"
hh_status=0
[ -z "$hh_pid" ] || wait "$hh_pid" || hh_status=$?
cat "$hh_out"

# the serial console ends its lines with \r\n
summaries=$(tr -d '\r' <"$log" | grep -E '^kernel-[a-z0-9-]+: [0-9]+ passed, [0-9]+ failed' || true)
passed=$(grep -cE ': [0-9]+ passed, 0 failed' <<<"$summaries" || true)
failed=$(grep -E ': [0-9]+ passed, 0*[1-9][0-9]* failed' <<<"$summaries" || true)

[ -z "$failed" ] || fail "failing suites: $(paste -sd ';' <<<"$failed")"
[ "$disk_status" -eq 0 ] || fail "the disk-error boot failed (kernel-disk-test.sh, above)"
[ "$boot_status" -eq 0 ] || fail "a demo boot failed (kernel-boot-test.sh, above)"
[ "$monitor_status" -eq 0 ] || fail "the monitor session failed (monitor-test.sh, above)"
[ "$pictures_status" -eq 0 ] || fail "the pictures were not made, or not well (above; the demo's log: $pictures_dir/demo.log)"
[ "$iso_status" -eq 0 ] || fail "the boot from the GRUB image failed (iso-test.sh, above)"
[ "$hh_status" -eq 0 ] || fail "examples/higher-half failed (example-hh-test.sh, above)"
[ "$status" -eq 0 ] || fail "QEMU did not report success (see the qemu.sh message above)"
[ "$passed" -gt 0 ] || fail "no kernel suite reported a result"
ran=$(tr -d '\r' <"$log" | sed -n 's/^ktest: pass: \([0-9][0-9]*\) suites$/\1/p' | tail -n 1)
[ -n "$ran" ] || fail "the kernel did not give its verdict (ktest: pass: N suites)"
[ "$passed" -eq "$ran" ] || fail "the kernel ran $ran suites, but $passed closing lines say 0 failed"
# what utest's write_reaches_the_console wrote, in three calls, one across a page boundary
tr -d '\r' <"$log" | grep -qx 'utest: write: fd 1, fd 2, across a page boundary' ||
	fail "the text utest wrote with write() is not on the console"
echo "kernel-test.sh: pass: $passed kernel suites"
