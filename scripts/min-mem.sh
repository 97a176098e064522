#!/usr/bin/env bash
# min-mem.sh - find the smallest MEM (MiB of RAM) at which the demo passes.
#
#   scripts/min-mem.sh [--timeout S] [--from MiB] [--runs N] [--swap MiB] KERNEL.elf
#
# Boots the demo as `make run` does (under -icount, with a swap disk of
# --swap MiB, default 256) at --from MiB (default 32), then at one MiB less
# each time, --runs times at each size (default 3), until a run fails.
# Prints one line per size, then the smallest size at which every run
# passed, with every size above it down from --from, and why the next one
# down failed.  Exits 0 if a smallest size was found, 1 if the demo fails
# at --from already.
#
# The demo is deterministic (docs/CHOICES.md: the timer), so the runs at one
# size should agree; a size whose runs do not agree is reported as such.

set -euo pipefail

timeout_s=120
from=32
runs=3
swap=256
kernel=""

usage() {
	echo "usage: $0 [--timeout S] [--from MiB] [--runs N] [--swap MiB] KERNEL.elf" >&2
	exit 2
}

while [ $# -gt 0 ]; do
	case $1 in
	--timeout) [ $# -ge 2 ] || usage; timeout_s=$2; shift 2 ;;
	--from) [ $# -ge 2 ] || usage; from=$2; shift 2 ;;
	--runs) [ $# -ge 2 ] || usage; runs=$2; shift 2 ;;
	--swap) [ $# -ge 2 ] || usage; swap=$2; shift 2 ;;
	-*) usage ;;
	*) [ -z "$kernel" ] || usage; kernel=$1; shift ;;
	esac
done
[ -n "$kernel" ] || usage
[[ $from =~ ^[1-9][0-9]*$ && $runs =~ ^[1-9][0-9]*$ ]] || usage

here=$(dirname "$0")
dir=$(dirname "$kernel")
out=$dir/min-mem.out

# What the demo said about why it failed: its own lines, or qemu.sh's.
why() {
	tr -d '\r' <"$out" |
		grep -E '^(init: .*(not|fail)|killed: .*memory|demo: .*(fail|not|cannot|wait)|qemu.sh:|panic:|trap:|kzone:|pt_frame_init:)' |
		head -n 3 | paste -sd ';' | sed 's/;/; /g'
}

# run_size MEM: 0 if every run passed; prints the size's line.
run_size() {
	local mem=$1 passed=0 i reason=""
	for ((i = 0; i < runs; i++)); do
		if "$here/qemu.sh" --icount --timeout "$timeout_s" --mem "$mem" --swap "$swap" \
			--swap-image "$dir/swap-min-mem.img" "$kernel" >"$out" 2>&1; then
			passed=$((passed + 1))
		else
			reason=$(why)
		fi
	done
	rm -f "$dir/swap-min-mem.img"
	echo "min-mem.sh: MEM=$mem: $passed of $runs runs passed${reason:+: $reason}"
	[ "$passed" -eq "$runs" ] || { last_reason=$reason; [ "$passed" -eq 0 ] || mixed=true; return 1; }
}

last_reason=""
mixed=false
smallest=""
for ((mem = from; mem >= 1; mem--)); do
	run_size "$mem" || break
	smallest=$mem
done

if [ -z "$smallest" ]; then
	echo "min-mem.sh: the demo fails at MEM=$from already: start higher (--from)" >&2
	exit 1
fi
$mixed && echo "min-mem.sh: MEM=$mem passed in some runs only: the demo is not deterministic" >&2
if [ "$smallest" -gt 1 ]; then
	echo "min-mem.sh: the smallest MEM is $smallest MiB (every size from $from down to it" \
		"passed $runs runs); at $((smallest - 1)) MiB: ${last_reason:-it failed}"
else
	echo "min-mem.sh: the demo passed at every size from $from down to 1 MiB"
fi
