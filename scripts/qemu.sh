#!/usr/bin/env bash
# qemu.sh - boot a pagetrack kernel under QEMU and turn the kernel's verdict
# into an exit status.
#
#   scripts/qemu.sh [--timeout S] [--mem MiB] [--args 'cmdline'] [--debug [--gdb-port N]] [--icount]
#                   [--swap MiB [--swap-image PATH] [--blkdebug CONF]] [--cpu MODEL] [--smp N]
#                   [--no-acpi] [--stdin] [--cdrom] [--no-exit-device] KERNEL.elf|IMAGE.iso
#
# The kernel reports through QEMU's isa-debug-exit device: QEMU exits with
# 33 when the kernel succeeded and 35 when it failed.  This script exits 0
# for 33 and 1 for everything else, saying why: the kernel's failure, a
# timeout, or QEMU ending some other way (a triple fault ends it with 0,
# because of -no-reboot).
#
# The serial console is this script's standard output.  QEMU needs no
# terminal and reads nothing (its standard input is /dev/null), so it runs
# the same under CI.  --debug makes QEMU wait, stopped, for gdb on
# 127.0.0.1 only, port --gdb-port (default 1234), and leaves standard input
# alone; --timeout 0 means no time limit.  --icount
# drives QEMU's clock by the instructions executed (-icount shift=0: one
# nanosecond, and one TSC tick, per instruction), so that the kernel
# benchmarks count the same on every run.
#
# --swap MiB gives the machine a swap disk of that size on the primary IDE
# channel (device 0): a sparse raw image, made afresh for each boot with
# truncate(1), so it costs nothing until written.  It lies at --swap-image
# (default: swap.img beside the kernel); runs at the same time need images
# of their own, because QEMU locks the image it writes.  --swap 0 boots
# with no disk, as does no --swap.  With --swap the kernel command line
# gets disk_mib=MiB, so that the kernel tests know what the kernel should
# find.  Disk errors go to the kernel (rerror and werror=report): QEMU never
# stops the machine for one, not even when the host's disk is full.
# --blkdebug CONF puts QEMU's blkdebug driver between the disk and its
# image, with the error-injection rules in CONF (docs/devel/blkdebug.txt in
# QEMU's sources), so that a test can make chosen sectors fail.  --cpu
# MODEL gives QEMU's -cpu (486, pentium, ...: qemu-system-i386 -cpu help).
# --smp N (1 to 8) gives the machine N CPUs (QEMU's -smp), and the kernel
# command line cpus=N, so that the kernel tests know how many the kernel
# should find; without it the machine has one, and the command line says
# nothing.  --no-acpi gives the machine no ACPI tables (-machine acpi=off),
# so no MADT, and the kernel the command line acpi=off, so that its tests
# know it.
#
# --stdin hands this script's standard input to the serial console, for the
# kernel monitor (make shell; scripts/monitor-test.sh feeds it from a pipe).
# --cdrom boots IMAGE.iso (make iso: GRUB, which loads the kernel) from a
# CD-ROM drive instead of handing QEMU the kernel; its menu picks the
# command line, so --args and --swap's disk_mib= do not reach the kernel.
# --no-exit-device leaves out isa-debug-exit, as on a real machine: the
# kernel then ends with a line "pagetrack: halted: ..." and halts, and QEMU
# runs on until the timeout or until it is killed (scripts/iso-test.sh).

set -euo pipefail

readonly STATUS_OK=33
readonly STATUS_FAIL=35
readonly STATUS_TIMEOUT=124 # timeout(1): the time ran out
readonly STATUS_KILLED=137  # timeout(1): and QEMU had to be killed
readonly KILL_GRACE=5       # seconds between SIGTERM and SIGKILL on timeout

timeout_s=120
mem=128
args=""
debug=false
gdb_port=1234
icount=false
swap_mib=""
swap_image=""
blkdebug=""
cpu=""
smp=""
acpi=true
stdin=false
cdrom=false
exit_device=true
kernel=""

usage() {
	echo "usage: $0 [--timeout S] [--mem MiB] [--args 'cmdline'] [--debug [--gdb-port N]] [--icount]" >&2
	echo "          [--swap MiB [--swap-image PATH] [--blkdebug CONF]] [--cpu MODEL] [--smp N]" >&2
	echo "          [--no-acpi] [--stdin] [--cdrom] [--no-exit-device] KERNEL.elf|IMAGE.iso" >&2
	exit 2
}

die() {
	echo "qemu.sh: $*" >&2
	exit 1
}

is_number() {
	[[ $1 =~ ^[0-9]+$ ]]
}

while [ $# -gt 0 ]; do
	case $1 in
	--timeout) [ $# -ge 2 ] || usage; timeout_s=$2; shift 2 ;;
	--mem) [ $# -ge 2 ] || usage; mem=$2; shift 2 ;;
	--args) [ $# -ge 2 ] || usage; args=$2; shift 2 ;;
	--debug) debug=true; shift ;;
	--gdb-port) [ $# -ge 2 ] || usage; gdb_port=$2; shift 2 ;;
	--icount) icount=true; shift ;;
	--swap) [ $# -ge 2 ] || usage; swap_mib=$2; shift 2 ;;
	--swap-image) [ $# -ge 2 ] || usage; swap_image=$2; shift 2 ;;
	--blkdebug) [ $# -ge 2 ] || usage; blkdebug=$2; shift 2 ;;
	--cpu) [ $# -ge 2 ] || usage; cpu=$2; shift 2 ;;
	--smp) [ $# -ge 2 ] || usage; smp=$2; shift 2 ;;
	--no-acpi) acpi=false; shift ;;
	--stdin) stdin=true; shift ;;
	--cdrom) cdrom=true; shift ;;
	--no-exit-device) exit_device=false; shift ;;
	-h | --help) usage ;;
	-*) echo "qemu.sh: unknown option $1" >&2; usage ;;
	*) [ -z "$kernel" ] || usage; kernel=$1; shift ;;
	esac
done

[ -n "$kernel" ] || usage
[ -f "$kernel" ] || die "no kernel at $kernel (run make kernel first)"
if ! is_number "$gdb_port" || [ "$gdb_port" -lt 1 ] || [ "$gdb_port" -gt 65535 ]; then
	die "--gdb-port wants a TCP port (1-65535), not '$gdb_port'"
fi
is_number "$timeout_s" || die "--timeout wants whole seconds, not '$timeout_s'"
if ! is_number "$mem" || [ "$mem" -eq 0 ]; then
	die "--mem wants MiB, not '$mem'"
fi
# QEMU loads the image at 1 MiB, and its firmware keeps the top 128 KiB of
# RAM: with less memory than that takes, QEMU would wait silently until the
# timeout.  nm comes with binutils, which building the kernel needs.
if ! $cdrom && end=$(nm "$kernel" 2>/dev/null | awk '$3 == "kernel_end" { print $1 }') && [ -n "$end" ]; then
	need=$(((0x$end + 128 * 1024 + (1 << 20) - 1) >> 20))
	[ "$mem" -ge "$need" ] ||
		die "MEM=$mem MiB (--mem): too little to boot this kernel, whose image ends at 0x$end (QEMU keeps the top 128 KiB of RAM): give at least $need MiB; the demo needs more (make min-mem)"
fi
if [ -n "$swap_mib" ]; then
	is_number "$swap_mib" || die "--swap wants MiB, not '$swap_mib'"
	args="${args:+$args }disk_mib=$swap_mib"
fi
if [ -n "$smp" ]; then
	if ! is_number "$smp" || [ "$smp" -lt 1 ] || [ "$smp" -gt 8 ]; then
		die "--smp wants a number of CPUs from 1 to 8, not '$smp'"
	fi
	args="${args:+$args }cpus=$smp"
fi
$acpi || args="${args:+$args }acpi=off"
[ -n "$swap_image" ] || swap_image=$(dirname "$kernel")/swap.img
if [ -n "$blkdebug" ]; then
	[ "${swap_mib:-0}" -gt 0 ] || die "--blkdebug needs a disk: give --swap MiB too"
	[ -f "$blkdebug" ] || die "no blkdebug rules at $blkdebug"
fi
command -v qemu-system-i386 >/dev/null || die "qemu-system-i386 is missing (scripts/deps.sh run installs it)"

# The image of a --swap disk, made afresh, and the -drive option that attaches it.
swap_drive() {
	local file=$swap_image
	case $swap_image$blkdebug in
	*[,:]*) die "QEMU cannot take a comma or a colon in $swap_image or $blkdebug" ;;
	esac
	rm -f "$swap_image"
	truncate -s "${swap_mib}M" "$swap_image" || die "cannot make the swap image $swap_image"
	[ -z "$blkdebug" ] || file="blkdebug:$blkdebug:$swap_image"
	echo "file=$file,format=raw,if=ide,index=0,media=disk,rerror=report,werror=report"
}

# shellcheck disable=SC2054 # the commas belong to QEMU's option syntax
qemu=(qemu-system-i386
	-m "$mem"
	-display none
	-serial stdio
	-monitor none
	-no-reboot)

if $exit_device; then
	qemu+=(-device isa-debug-exit,iobase=0xf4,iosize=0x04)
fi

if $cdrom; then
	qemu+=(-cdrom "$kernel" -boot d)
else
	qemu+=(-kernel "$kernel" -append "$args")
fi
if $debug; then
	# the stub on the loopback interface alone: gdb can change anything in the machine
	qemu+=(-gdb "tcp:127.0.0.1:$gdb_port" -S)
fi
if [ -n "$cpu" ]; then
	qemu+=(-cpu "$cpu")
fi
if [ -n "$smp" ]; then
	qemu+=(-smp "$smp")
fi
if ! $acpi; then
	qemu+=(-machine acpi=off)
fi
if $icount; then
	qemu+=(-icount shift=0,sleep=off,align=off)
fi
if [ "${swap_mib:-0}" -gt 0 ]; then
	drive=$(swap_drive) || exit 1
	qemu+=(-drive "$drive")
fi

# --foreground keeps QEMU in this process group, so that ^C reaches it
run() {
	if [ "$timeout_s" -eq 0 ]; then
		"${qemu[@]}"
	else
		timeout --foreground --kill-after="$KILL_GRACE" "$timeout_s" "${qemu[@]}"
	fi
}

status=0
if $debug || $stdin; then
	run || status=$?
else
	run </dev/null || status=$?
fi

case $status in
"$STATUS_OK")
	exit 0 ;;
"$STATUS_FAIL")
	die "the kernel reported failure" ;;
"$STATUS_TIMEOUT" | "$STATUS_KILLED")
	die "timed out after $timeout_s s" ;;
0)
	if $debug; then
		die "QEMU stopped without a verdict from the kernel (ended from gdb, or a triple fault)"
	fi
	die "QEMU stopped without a verdict from the kernel (a triple fault: with -no-reboot the reset ends QEMU)" ;;
*)
	die "QEMU exited with status $status without a verdict from the kernel" ;;
esac
