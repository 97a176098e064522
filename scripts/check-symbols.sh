#!/usr/bin/env bash
# check-symbols.sh - hold the library to the names docs/PORTING.md promises.
#
#   scripts/check-symbols.sh [--nm NM] [--name NAME] LIBPAGETRACK.a [LIBPAGETRACK-HOST.a]
#
# Reads the symbol tables (nm) and fails on any other name:
#   - every external symbol libpagetrack.a defines starts with one of
#     PREFIXES or is one of NAMES (the host library may add HOST_PREFIXES:
#     its seam and the simulated machine);
#   - every symbol libpagetrack.a uses and does not define is one the
#     kernel provides: the seam (SEAM) or LIBC.
# These lists are docs/PORTING.md's; change both together.  The script
# first checks itself on names that must fail (a kprintf, a panic, a memset
# defined; a printf used).  Prints "NAME: N passed, M failed" (NAME is
# "symbols" unless --name says otherwise: make test-host checks the
# higher-half pair as symbols-hh).

set -uo pipefail

PREFIXES="pt_"
NAMES=""
HOST_PREFIXES="hw_ mmu_ disk_ machine_"
SEAM="hw_phys hw_kva hw_load_cr3 hw_cr3 hw_cr2 hw_invlpg hw_flush_tlb hw_flush_tlb_global
      hw_enable_paging hw_paging_enabled hw_disk_pages hw_disk_read hw_disk_write hw_putc hw_fail"
LIBC="memset memcpy memcmp strlen"

NM=nm
name=symbols
while [ $# -gt 0 ]; do
	case $1 in
	--nm) NM=$2; shift 2 ;;
	--name) name=$2; shift 2 ;;
	*) break ;;
	esac
done
[ $# -ge 1 ] && [ $# -le 2 ] || { echo "usage: $0 [--nm NM] [--name NAME] LIB.a [LIB-HOST.a]" >&2; exit 2; }

passed=0
failed=0

pass() { passed=$((passed + 1)); }
fail() { echo "$name: FAIL: $*"; failed=$((failed + 1)); }

in_list() { # name, list
	local w
	for w in $2; do [ "$1" = "$w" ] && return 0; done
	return 1
}

has_prefix() { # name, prefixes
	local p
	for p in $2; do [ "${1#"$p"}" != "$1" ] && return 0; done
	return 1
}

# the names among $1 (one a line) that are neither in $2 by prefix nor in $3 by name
bad_defined() {
	local s
	while read -r s; do
		[ -z "$s" ] && continue
		has_prefix "$s" "$2" || in_list "$s" "$3" || echo "$s"
	done <<<"$1"
}

bad_undefined() {
	local s
	while read -r s; do
		[ -z "$s" ] && continue
		in_list "$s" "$SEAM $LIBC" || echo "$s"
	done <<<"$1"
}

defined_of() { "$NM" -g --defined-only "$1" 2>/dev/null | awk 'NF == 3 { print $3 }' | sort -u; }
undefined_of() { "$NM" -u "$1" 2>/dev/null | awk 'NF >= 2 { print $2 }' | sort -u; }

# the checker on names it must refuse, and on names it must take
self_test() {
	local bad
	bad=$(bad_defined $'pt_frame_alloc\nframe_alloc\nkprintf\npanic\nmemset\nkmap\npt_kmap\npt_printf' "$PREFIXES" "$NAMES" |
		tr '\n' ' ')
	if [ "$bad" = "frame_alloc kprintf panic memset kmap " ]; then pass; else fail "self-test: defined names: got '$bad'"; fi
	bad=$(bad_undefined $'hw_phys\nmemcpy\nprintf\nkprintf' | tr '\n' ' ')
	if [ "$bad" = "printf kprintf " ]; then pass; else fail "self-test: used names: got '$bad'"; fi
}

# a pass for each of the N names checked, a failure with WHY for each BAD one: N, BAD, WHY
count() {
	local s nbad
	nbad=$(printf '%s\n' "$2" | grep -c .)
	for ((s = 0; s < $1 - nbad; s++)); do pass; done
	while read -r s; do
		[ -n "$s" ] && fail "$s, $3"
	done <<<"$2"
}

# the checks the self-test has just tried, on a library
check_lib() { # library, extra prefixes, check the undefined too
	local lib=$1 defs undefs n
	if [ ! -f "$lib" ]; then
		fail "$lib: no such library"
		return
	fi
	defs=$(defined_of "$lib")
	n=$(printf '%s\n' "$defs" | grep -c .)
	if [ "$n" -gt 0 ]; then pass; else fail "$lib: defines nothing"; fi
	count "$n" "$(bad_defined "$defs" "$PREFIXES $2" "$NAMES" | sed "s|^|$lib defines |")" \
		"which has none of the documented prefixes"
	[ "$3" = yes ] || return
	undefs=$(comm -23 <(undefined_of "$lib") <(printf '%s\n' "$defs"))
	count "$(printf '%s\n' "$undefs" | grep -c .)" \
		"$(bad_undefined "$undefs" | sed "s|^|$lib uses |")" \
		"which is not among what the kernel provides"
	echo "$name: $(basename "$lib"): $n defined, $(printf '%s\n' "$undefs" | grep -c .) from the kernel"
}

self_test
check_lib "$1" "" yes
# the host library's seam and machine are its own; what it uses is the C library's
[ $# -eq 2 ] && check_lib "$2" "$HOST_PREFIXES" no

echo "$name: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
