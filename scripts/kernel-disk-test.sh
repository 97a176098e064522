#!/usr/bin/env bash
# kernel-disk-test.sh - the swap disk when it fails: boot the kernel with
# the suite swap-disk-errors alone, on a disk that QEMU's blkdebug driver
# makes fail, and check the verdict.
#
#   scripts/kernel-disk-test.sh [--timeout S] KERNEL.elf
#
# The disk is 130 GiB, more than 28-bit LBA reaches (a sparse image: only
# the pages written take room).  blkdebug fails with EIO every read and
# every write that touches one sector of page BAD_PAGE, which lies past the
# 28-bit line; the kernel is told that page (disk_bad=).  Passes if QEMU
# reports success and the suite's closing line says 0 failed.  The output
# goes to kernel-disk-test.log beside the kernel; only the closing line and
# this script's verdict are printed, unless it fails.

set -euo pipefail

readonly DISK_MIB=133120               # 130 GiB: 2^28 sectors are 128 GiB
readonly BAD_PAGE=33555432             # 2^25 + 1000: its sectors need 48-bit LBAs
readonly BAD_SECTOR=$((BAD_PAGE * 8 + 3))
readonly EIO=5

timeout_s=60
kernel=""

usage() {
	echo "usage: $0 [--timeout S] KERNEL.elf" >&2
	exit 2
}

while [ $# -gt 0 ]; do
	case $1 in
	--timeout) [ $# -ge 2 ] || usage; timeout_s=$2; shift 2 ;;
	-*) usage ;;
	*) [ -z "$kernel" ] || usage; kernel=$1; shift ;;
	esac
done
[ -n "$kernel" ] || usage

here=$(dirname "$0")
dir=$(dirname "$kernel")
log=$dir/kernel-disk-test.log
rules=$dir/blkdebug.conf

fail() {
	echo "kernel-disk-test.sh: FAIL: $*" >&2
	tail -n 20 "$log" | sed 's/^/  | /' >&2
	echo "kernel-disk-test.sh: the whole output is in $log" >&2
	exit 1
}

cat >"$rules" <<RULES
[inject-error]
event = "read_aio"
errno = "$EIO"
sector = "$BAD_SECTOR"

[inject-error]
event = "write_aio"
errno = "$EIO"
sector = "$BAD_SECTOR"
RULES

status=0
"$here/qemu.sh" --timeout "$timeout_s" --swap "$DISK_MIB" --swap-image "$dir/swap-errors.img" \
	--blkdebug "$rules" --args "test only=swap-disk-errors disk_bad=$BAD_PAGE" "$kernel" \
	>"$log" 2>&1 || status=$?
rm -f "$dir/swap-errors.img"

summary=$(tr -d '\r' <"$log" | grep -E '^kernel-swap-disk-errors: [0-9]+ passed, [0-9]+ failed' || true)
[ -n "$summary" ] || fail "the suite swap-disk-errors gave no closing line"
echo "$summary"
grep -qE ': [1-9][0-9]* passed, 0 failed$' <<<"$summary" || fail "the suite failed"
[ "$status" -eq 0 ] || fail "QEMU did not report success"
echo "kernel-disk-test.sh: pass: a failing disk page costs -E_IO, the others work"
