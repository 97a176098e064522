#!/usr/bin/env bash
# ksyms.sh - the kernel's symbol table, for its own backtraces.
#
#   scripts/ksyms.sh KERNEL.elf > ksyms.S         the table, as assembly
#   scripts/ksyms.sh --check FIRST.elf FINAL.elf  the code did not move
#
# The kernel is linked twice (Makefile): first without a table, then with
# the table that this script makes from the first link's code symbols (nm's
# t and T).  The table goes into the section .ksyms, which kernel.ld places
# after the code and the read-only data, so adding it moves no code: --check
# compares the code symbols of both links and fails if any differs.
#
# The section holds the number of symbols, then an (address, name offset)
# pair for each in address order, then the names, NUL-terminated, the
# offsets counting from the first name (arch/i386/ksyms.c reads it).

set -euo pipefail

NM=${NM:-nm}

code_symbols() {
	"$NM" -n --defined-only "$1" | awk '$2 == "t" || $2 == "T" { print $1, $3 }'
}

if [ "${1:-}" = "--check" ]; then
	[ $# -eq 3 ] || { echo "usage: $0 --check FIRST.elf FINAL.elf" >&2; exit 2; }
	if ! diff <(code_symbols "$2") <(code_symbols "$3") >/dev/null; then
		echo "ksyms.sh: the symbol table moved the kernel's code: kernel.ld must place .ksyms after it" >&2
		exit 1
	fi
	exit 0
fi
[ $# -eq 1 ] || { echo "usage: $0 KERNEL.elf" >&2; exit 2; }

code_symbols "$1" | awk '
	{ addr[NR] = $1; name[NR] = $2 }
	END {
		print "/* made by scripts/ksyms.sh: the kernel'"'"'s code symbols */"
		print "\t.section .ksyms, \"a\""
		print "\t.balign 4"
		printf "\t.long %d\n", NR
		off = 0
		for (i = 1; i <= NR; i++) {
			printf "\t.long 0x%s, %d\n", addr[i], off
			off += length(name[i]) + 1
		}
		for (i = 1; i <= NR; i++)
			printf "\t.asciz \"%s\"\n", name[i]
		print "\t.section .note.GNU-stack, \"\", @progbits"
	}'
