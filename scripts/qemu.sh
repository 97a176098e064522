#!/usr/bin/env bash
# qemu.sh - boot a pagetrack kernel under QEMU and turn the kernel's verdict
# into an exit status.
#
#   scripts/qemu.sh [--timeout S] [--mem MiB] [--args 'cmdline'] [--debug] [--icount] KERNEL.elf
#
# The kernel reports through QEMU's isa-debug-exit device: QEMU exits with
# 33 when the kernel succeeded and 35 when it failed.  This script exits 0
# for 33 and 1 for everything else, saying why: the kernel's failure, a
# timeout, or QEMU ending some other way (a triple fault ends it with 0,
# because of -no-reboot).
#
# The serial console is this script's standard output.  QEMU needs no
# terminal and reads nothing (its standard input is /dev/null), so it runs
# the same under CI.  --debug makes QEMU wait for gdb on localhost:1234 and
# leaves standard input alone; --timeout 0 means no time limit.  --icount
# drives QEMU's clock by the instructions executed (-icount shift=0: one
# nanosecond, and one TSC tick, per instruction), so that the kernel
# benchmarks count the same on every run.

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
icount=false
kernel=""

usage() {
	echo "usage: $0 [--timeout S] [--mem MiB] [--args 'cmdline'] [--debug] [--icount] KERNEL.elf" >&2
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
	--icount) icount=true; shift ;;
	-h | --help) usage ;;
	-*) echo "qemu.sh: unknown option $1" >&2; usage ;;
	*) [ -z "$kernel" ] || usage; kernel=$1; shift ;;
	esac
done

[ -n "$kernel" ] || usage
[ -f "$kernel" ] || die "no kernel at $kernel (run make kernel first)"
is_number "$timeout_s" || die "--timeout wants whole seconds, not '$timeout_s'"
if ! is_number "$mem" || [ "$mem" -eq 0 ]; then
	die "--mem wants MiB, not '$mem'"
fi
command -v qemu-system-i386 >/dev/null || die "qemu-system-i386 is missing (scripts/deps.sh run installs it)"

# shellcheck disable=SC2054 # the commas belong to QEMU's option syntax
qemu=(qemu-system-i386
	-kernel "$kernel"
	-append "$args"
	-m "$mem"
	-display none
	-serial stdio
	-monitor none
	-device isa-debug-exit,iobase=0xf4,iosize=0x04
	-no-reboot)

if $debug; then
	qemu+=(-s -S)
fi
if $icount; then
	qemu+=(-icount shift=0)
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
if $debug; then
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
