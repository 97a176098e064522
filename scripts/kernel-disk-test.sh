#!/usr/bin/env bash
# kernel-disk-test.sh - the swap disk when it fails: boot the kernel with
# the suite swap-disk-errors alone, on a disk that QEMU's blkdebug driver
# makes fail, and check the verdict; then, on a second boot, the suite
# swap-proc-errors, whose processes page to a disk that fails every read of
# one page (BAD_READ_PAGE, told to the kernel with disk_bad_read=).
#
#   scripts/kernel-disk-test.sh [--timeout S] KERNEL.elf
#
# The disk is 130 GiB, more than 28-bit LBA reaches (a sparse image: only
# the pages written take room).  blkdebug fails with EIO every read and
# every write that touches one sector of page BAD_PAGE, which lies past the
# 28-bit line; the kernel is told that page (disk_bad=).  The second boot's
# disk is 64 MiB, and only reads of BAD_READ_PAGE fail: a page written there
# goes out, and cannot come back.  Passes if QEMU reports success and each
# suite's closing line says 0 failed.  The output goes to
# kernel-disk-test.log and kernel-proc-disk-test.log beside the kernel; only
# the closing lines and this script's verdict are printed, unless it fails.

set -euo pipefail

readonly DISK_MIB=133120               # 130 GiB: 2^28 sectors are 128 GiB
readonly BAD_PAGE=33555432             # 2^25 + 1000: its sectors need 48-bit LBAs
readonly BAD_SECTOR=$((BAD_PAGE * 8 + 3))
readonly EIO=5
readonly PROC_DISK_MIB=64
readonly BAD_READ_PAGE=40             # a low slot: the pager hands out the lowest free one
readonly BAD_READ_SECTOR=$((BAD_READ_PAGE * 8 + 5))

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
proc_log=$dir/kernel-proc-disk-test.log
proc_rules=$dir/blkdebug-read.conf

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

cat >"$proc_rules" <<RULES
[inject-error]
event = "read_aio"
iotype = "read"
errno = "$EIO"
sector = "$BAD_READ_SECTOR"
RULES

# both boots at once, each on its own image
proc_status=0
"$here/qemu.sh" --timeout "$timeout_s" --swap "$PROC_DISK_MIB" --swap-image "$dir/swap-read-errors.img" \
	--blkdebug "$proc_rules" --args "test only=swap-proc-errors disk_bad_read=$BAD_READ_PAGE" \
	"$kernel" >"$proc_log" 2>&1 &
proc_pid=$!
status=0
"$here/qemu.sh" --timeout "$timeout_s" --swap "$DISK_MIB" --swap-image "$dir/swap-errors.img" \
	--blkdebug "$rules" --args "test only=swap-disk-errors disk_bad=$BAD_PAGE" "$kernel" \
	>"$log" 2>&1 || status=$?
wait "$proc_pid" || proc_status=$?
rm -f "$dir/swap-errors.img" "$dir/swap-read-errors.img"

summary=$(tr -d '\r' <"$log" | grep -E '^kernel-swap-disk-errors: [0-9]+ passed, [0-9]+ failed' || true)
[ -n "$summary" ] || fail "the suite swap-disk-errors gave no closing line"
echo "$summary"
grep -qE ': [1-9][0-9]* passed, 0 failed$' <<<"$summary" || fail "the suite failed"
[ "$status" -eq 0 ] || fail "QEMU did not report success"

log=$proc_log
summary=$(tr -d '\r' <"$log" | grep -E '^kernel-swap-proc-errors: [0-9]+ passed, [0-9]+ failed' || true)
[ -n "$summary" ] || fail "the suite swap-proc-errors gave no closing line"
echo "$summary"
grep -qE ': [1-9][0-9]* passed, 0 failed$' <<<"$summary" || fail "the suite swap-proc-errors failed"
[ "$proc_status" -eq 0 ] || fail "QEMU did not report success for swap-proc-errors"
tr -d '\r' <"$log" |
	grep -qE '^killed: process [0-9]+ \(uswap\): its page at 0x[0-9a-f]{8} could not be read from swap$' ||
	fail "no line saying which process was killed for the page it could not read"
tr -d '\r' <"$log" |
	grep -qE '^killed: process [0-9]+ \(uswap\): its page tables could not be read from swap$' ||
	fail "no line saying which process was killed for the page tables it could not read"
echo "kernel-disk-test.sh: pass: a failing disk page costs -E_IO, the others work; a page or a block that cannot be read back ends only its process"
