#!/usr/bin/env bash
# iso-test.sh - boot make iso's GRUB image as a real machine would: from a
# CD-ROM, through GRUB's menu (its default entry, the demo, after the
# menu's timeout), without QEMU's exit device, and check what it says.
#
#   scripts/iso-test.sh [--timeout S] IMAGE.iso
#
# Without the exit device the kernel cannot end QEMU: it prints a last line
# "pagetrack: halted: ..." and halts with interrupts off.  This script
# waits for that line, then ends the QEMU it started.  The cases:
#   grub-menu   GRUB showed the menu's three entries on the serial console
#   demo        the demo ran to its end: two summary lines, "boot: ok"
#   halted      the last line says the demo passed and to switch off; the
#               machine was still there (halted, not reset) when it came
# The output is kept beside the image (iso-test.log).  Prints one line per
# failing case and "kernel-iso: N passed, M failed".

set -uo pipefail

timeout_s=120
iso=""

while [ $# -gt 0 ]; do
	case $1 in
	--timeout) timeout_s=$2; shift 2 ;;
	-*) echo "usage: $0 [--timeout S] IMAGE.iso" >&2; exit 2 ;;
	*) iso=$1; shift ;;
	esac
done
[ -n "$iso" ] || { echo "usage: $0 [--timeout S] IMAGE.iso" >&2; exit 2; }

here=$(dirname "$0")
log=$(dirname "$iso")/iso-test.log
passed=0
failed=0
readonly HALTED='pagetrack: halted:'

result() {
	if [ "$2" = true ]; then
		passed=$((passed + 1))
		return
	fi
	failed=$((failed + 1))
	echo "FAIL kernel-iso/$1: $3"
	tr -d '\r' <"$log" | tail -n 8 | sed 's/^/  | /'
}

has() {
	tr -d '\r' <"$log" | grep -aF -- "$1" >/dev/null
}

: >"$log"
# its own process group, so that QEMU and timeout(1) under qemu.sh end with it
setsid "$here/qemu.sh" --cdrom --no-exit-device --timeout "$timeout_s" "$iso" >"$log" 2>&1 &
qemu_pid=$!
for ((i = 0; i < timeout_s * 5; i++)); do
	has "$HALTED" && break
	kill -0 "$qemu_pid" 2>/dev/null || break
	sleep 0.2
done
running=false
kill -0 "$qemu_pid" 2>/dev/null && running=true
kill -- -"$qemu_pid" 2>/dev/null
wait "$qemu_pid" 2>/dev/null

ok=true
for entry in "the demo" "the kernel test suites" "the kernel monitor"; do
	has "pagetrack: $entry" || ok=false
done
result grub-menu "$ok" "GRUB's menu did not show the three entries"

ok=false
[ "$(tr -d '\r' <"$log" | grep -ac '^summary:')" -eq 2 ] && has "boot: ok" && ok=true
result demo "$ok" "the demo did not end with two summary lines and boot: ok"

# the kernel's last line: QEMU says it was ended after it
last=$(tr -d '\r' <"$log" | grep -avE '^$|^qemu-system-i386: |^qemu\.sh: ' | tail -n 1)
ok=false
[ "$last" = "$HALTED the demo passed; you may switch the machine off" ] && $running && ok=true
result halted "$ok" "the last line is not the halt line, or QEMU had stopped (last line: $last)"

echo "kernel-iso: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
