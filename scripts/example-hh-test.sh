#!/usr/bin/env bash
# example-hh-test.sh - boot examples/higher-half (a kernel of its own on the
# higher-half libpagetrack.a) under QEMU and check its suites.
#
#   scripts/example-hh-test.sh [--timeout S] [--mem MiB] KERNEL.elf
#
# QEMU runs under TCG with the isa-debug-exit device, -no-reboot and the
# serial console written to example-hh-test.log beside the kernel.  Passes
# only if all of these hold:
#  - QEMU exited with 33, the kernel's success (35 is its failure; a
#    triple fault ends QEMU with 0 under -no-reboot);
#  - each suite of SUITES printed "example-hh-<suite>: N passed, 0 failed"
#    with N > 0, and no line says a case failed;
#  - the kernel's last word is "hh: pass".
# Prints "example-hh: pass: N suites" or what failed, with the log's end.

set -uo pipefail

readonly SUITES="boot hw vm oom"
readonly STATUS_OK=33
timeout_s=120
mem=128
kernel=""

usage() {
	echo "usage: $0 [--timeout S] [--mem MiB] KERNEL.elf" >&2
	exit 2
}

while [ $# -gt 0 ]; do
	case $1 in
	--timeout) [ $# -ge 2 ] || usage; timeout_s=$2; shift 2 ;;
	--mem) [ $# -ge 2 ] || usage; mem=$2; shift 2 ;;
	-*) usage ;;
	*) [ -z "$kernel" ] || usage; kernel=$1; shift ;;
	esac
done
[ -n "$kernel" ] || usage
[ -f "$kernel" ] || { echo "example-hh: FAIL: no kernel at $kernel (make example-higher-half)" >&2; exit 1; }

log=$(dirname "$kernel")/example-hh-test.log
rm -f "$log"
timeout --kill-after=5 "$timeout_s" qemu-system-i386 -m "$mem" -display none -monitor none \
	-no-reboot -serial "file:$log" -device isa-debug-exit,iobase=0xf4,iosize=0x04 \
	-kernel "$kernel" </dev/null
status=$?
out=$(tr -d '\r' <"$log" 2>/dev/null)

problems=()
case $status in
"$STATUS_OK") ;;
35) problems+=("the kernel reported failure (QEMU status 35)") ;;
124 | 137) problems+=("timed out after $timeout_s s") ;;
0) problems+=("QEMU stopped without a verdict (a triple fault?)") ;;
*) problems+=("QEMU exited with status $status") ;;
esac
for s in $SUITES; do
	grep -qE "^example-hh-$s: [1-9][0-9]* passed, 0 failed$" <<<"$out" ||
		problems+=("suite $s: $(grep -E "^example-hh-$s: " <<<"$out" || echo 'no closing line')")
done
grep -q '^FAIL ' <<<"$out" && problems+=("failing cases: $(grep -c '^FAIL ' <<<"$out")")
[ "$(tail -n 1 <<<"$out")" = "hh: pass" ] || problems+=("the last line is not 'hh: pass'")

if [ ${#problems[@]} -gt 0 ]; then
	tail -n 30 <<<"$out"
	for p in "${problems[@]}"; do
		echo "example-hh: FAIL: $p"
	done
	echo "example-hh: the whole output is in $log"
	exit 1
fi
grep -E '^example-hh-[a-z0-9-]+: [0-9]+ passed, [0-9]+ failed$' <<<"$out"
echo "example-hh: pass: $(wc -w <<<"$SUITES") suites"
