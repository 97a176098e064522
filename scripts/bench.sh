#!/usr/bin/env bash
# bench.sh - run the benchmarks and gather their figures (docs/PERFORMANCE.md).
#
#   scripts/bench.sh [--timeout S] BENCH-HOST KERNEL.elf
#
# Runs the host benchmarks (BENCH-HOST: the core at -O2, no sanitizers, no
# PT_DEBUG) HOST_RUNS times, then boots KERNEL.elf (a kernel built without
# PT_DEBUG) once under QEMU with -icount and the command line "bench": its
# figures count instructions and do not change from run to run.  Then it
# boots it again without -icount and with "bench only=disk": the paging-out
# figures in the host's time, where a disk transfer costs what QEMU's disk
# emulation costs (under -icount it costs almost nothing), and the goals of
# the swap ratios are judged there.  A third boot, on 4 CPUs (--smp 4) without
# -icount, "bench only=smp": TLB shootdowns, and four forkwait and four faults
# programs on one CPU against four, in host time (under -icount the virtual CPUs share one
# instruction clock: no speed-up can show, and an IPI's answer waits for the
# sender's slice to end).  The -icount boot stays on one CPU: with four, every
# TLB change takes the path of several CPUs, and its figures would move.
# All print lines `bench: key=value`.  A host figure is the median of its values over
# the runs (a ratio is measured within each run, then the median taken).
# This script gathers them in the directory of BENCH-HOST:
#
#   results.json   one flat JSON object of named numbers
#   bench.svg      the plot
#   machine.txt    the machine the figures come from
#   host-<n>.log, kernel.log, kernel-disk.log, kernel-smp.log, growth.dat, plot/
#                  what the runs wrote
#
# and prints every figure with its goal.  Exits 1 if a run fails or a
# figure is missing.

set -euo pipefail

# key                          unit    goal      what
FIGURES="
create_destroy_ns              ns      -         create and destroy an empty address space
memset8k_ns                    ns      -         memset of two 4 KiB pages, the reference
create_destroy_vs_memset8k     x       <=1.5     create_destroy_ns / memset8k_ns
map_ns                         ns      -         map one page where the table exists
plain_map_ns                   ns      -         the same the plainest way: a two-level walk and a store
map_vs_plain                   x       <=1.3     map_ns / plain_map_ns
unmap_ns                       ns      -         unmap one page, the table stays
plain_unmap_ns                 ns      -         the same: a walk, a clear, invlpg if live, pt_frame_unref
unmap_vs_plain                 x       <=1.5     unmap_ns / plain_unmap_ns
map_zero_ns                    ns      -         pt_vm_map_zero of one page where the table exists
plain_map_zero_ns              ns      -         the same: pt_frame_alloc, zeroed through kmap, a store
map_zero_vs_plain              x       <=1.5     map_zero_ns / plain_map_zero_ns
map_range_ns                   ns      -         per page, mapping a 64 MiB range
raw_store_ns                   ns      -         per entry, a raw loop storing the same entries
map_vs_raw_store               x       <=2       map_range_ns / raw_store_ns
protect_range_ns               ns      -         per page, protecting the 64 MiB range
unmap_range_ns                 ns      -         per page, unmapping the 64 MiB range
translate_ns                   ns      -         one translation, random addresses in 1 GiB
plain_translate_ns             ns      -         the same the plainest way: a walk and a load
translate_vs_plain             x       <=1.3     translate_ns / plain_translate_ns
clone_cow_16m_us               us      -         copy-on-write clone of 16 MiB, tables only
clone_cow_256m_us              us      -         copy-on-write clone of 256 MiB, tables only
clone_eager_16m_us             us      -         eager clone of 16 MiB, data copied
memcpy_page_ns                 ns      -         memcpy of one 4 KiB page, over the same 16 MiB
clone_eager_vs_memcpy          x       <=1.5     clone_eager_16m_us per page / memcpy_page_ns
growth_copy_per_page           pages   <=2       copies per page growing 2 to 1025 pages, blocked
growth_copy_per_page_inplace   pages   -         the same, free frames after the block
typical_pt_bytes               bytes   <=12288   page tables of the typical process
typical_pt_tables              tables  -         page tables it needs
naive_pt_bytes                 bytes   -         the same process in the notes' 4 MiB + 4 KiB
max_as_96m                     spaces  >=10000   address spaces in a 96 MiB kernel zone
naive_max_as_96m               spaces  -         the same with the naive layout
kernel_create_destroy_cycles   cycles  -         create and destroy an address space
kernel_map_cycles              cycles  -         map one page in the live address space
kernel_unmap_cycles            cycles  -         unmap one page of the live address space
kernel_cr3_switch_cycles       cycles  -         switch address space (pt_vm_activate)
kernel_kmap_window_cycles      cycles  -         kmap and pt_kunmap of a user frame, its invlpg
kernel_zero_page_cycles        cycles  -         a frame zeroed through a kmap window
kernel_copy_page_cycles        cycles  -         a frame copied through two kmap windows
kernel_resolve_cycles          cycles  -         pt_vm_resolve of a mapped page that allows the access
kernel_syscall_cycles          cycles  -         a system call that does nothing, from ring 3
kernel_zero_fault_cycles       cycles  <=2000    demand-zero fault of a process, end to end
kernel_cow_fault_cycles        cycles  <=2500    copy-on-write fault of a process, end to end
kernel_write_64k_cycles        cycles  <=400     per KiB, write of 64 KiB from a process to FD_NULL
kernel_clone_typical_cycles    cycles  -         clone of the typical process and its destruction
kernel_clone_cow_16m_cycles    cycles  -         copy-on-write clone of 16 MiB, tables only
kernel_clone_eager_16m_cycles  cycles  -         eager clone of 16 MiB, data copied
kernel_fork_exit_wait_cycles   cycles  <=50000   fork, exit and wait, from ring 3
kernel_raw_write_page_cycles   cycles  -         -icount: the driver's write of a 4 KiB page, instructions and polls
kernel_swap_out_page_cycles    cycles  -         -icount: a dirty page paged out (pt_pager_evict), the same
kernel_swap_out_extra_cycles   cycles  -         -icount: the page-out's instructions beyond the raw write
kernel_raw_read_page_cycles    cycles  -         -icount: the driver's read of a 4 KiB page
kernel_swap_in_page_cycles     cycles  -         -icount: the page brought back (pt_vm_resolve: a major fault)
kernel_swap_in_extra_cycles    cycles  -         -icount: the page-in's instructions beyond the raw read
kernel_block_out_in_cycles     cycles  -         -icount: an init-sized process out and back (pt_pager_block_out, _in)
kernel_block_out_cycles        cycles  -         -icount: its pages, then its block, out
kernel_block_in_cycles         cycles  -         -icount: its block back in (its pages come back as touched)
kernel_tcg_tsc_mhz             MHz     -         host time: the TSC QEMU gives without -icount, against the PIT
kernel_raw_write_page_ns       ns      -         host time: the driver's write of a 4 KiB page to QEMU's disk
kernel_swap_out_page_ns        ns      -         host time: a dirty page paged out (pt_pager_evict)
swap_out_vs_raw_write          x       <=1.3     host time: the two, per round, side by side; the median
swap_out_vs_raw_write_q1       x       -         its first quartile
swap_out_vs_raw_write_q3       x       -         its third quartile
kernel_swap_out_extra_ns       ns      -         host time: the page-out beyond the raw write, per round
kernel_raw_read_page_ns        ns      -         host time: the driver's read of a 4 KiB page
kernel_swap_in_page_ns         ns      -         host time: the page brought back (a major fault)
swap_in_vs_raw_read            x       <=1.3     host time: the two, per round, side by side; the median
swap_in_vs_raw_read_q1         x       -         its first quartile
swap_in_vs_raw_read_q3         x       -         its third quartile
kernel_swap_in_extra_ns        ns      -         host time: the page-in beyond the raw read, per round
kernel_block_out_in_ns         ns      -         host time: the init-sized process out and back
kernel_block_out_ns            ns      -         host time: its pages, then its block, out
kernel_block_in_ns             ns      -         host time: its block back in
kernel_block_out_in_writes     pages   -         pages written by one round out and in
kernel_block_out_in_reads      pages   -         pages read by it
kernel_thrash_ram_pages        pages   -         user frames the thrash curve's working set has
kernel_unmap_4cpu_cycles       ticks   -         host time, 4 CPUs: unmap one page of a space live here alone
kernel_shootdown_1_cycles      ticks   -         host time, 4 CPUs: the same, the space live on 1 other CPU too
kernel_shootdown_3_cycles      ticks   -         host time, 4 CPUs: the same, live on 3 other CPUs too
kernel_forkwait_4cpu_speedup   x       -         host time: 4 forkwait programs on 1 CPU / on 4 CPUs
kernel_faults_4cpu_speedup     x       -         host time: 4 faults programs on 1 CPU / on 4 CPUs
"

timeout_s=120
readonly HOST_RUNS=5
readonly SWAP_MIB=64 # the kernel's swap disk, for the paging-out figures

usage() {
	echo "usage: $0 [--timeout S] BENCH-HOST KERNEL.elf" >&2
	exit 2
}

die() {
	echo "bench.sh: $*" >&2
	exit 1
}

while [ $# -gt 0 ]; do
	case $1 in
	--timeout) [ $# -ge 2 ] || usage; timeout_s=$2; shift 2 ;;
	-*) usage ;;
	*) break ;;
	esac
done
[ $# -eq 2 ] || usage
host_bench=$1
kernel=$2
out=$(dirname "$host_bench")
here=$(dirname "$0")
start=$(date +%s)

describe_machine() {
	echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
	echo "cpus: $(nproc)"
	echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
	echo "os: $(uname -sr)"
	echo "gcc: $(gcc --version | head -1)"
	echo "qemu: $(qemu-system-i386 --version | head -1)"
	echo "cpu MHz: $(grep -m1 'cpu MHz' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
}

run_benchmarks() {
	for i in $(seq "$HOST_RUNS"); do
		echo "bench.sh: host benchmarks, run $i of $HOST_RUNS ($host_bench)"
		"$host_bench" "$out" >"$out/host-$i.log" ||
			die "the host benchmarks failed (see $out/host-$i.log)"
	done
	echo "bench.sh: kernel benchmarks under QEMU -icount ($kernel)"
	"$here/qemu.sh" --icount --swap "$SWAP_MIB" --timeout "$timeout_s" --args bench "$kernel" >"$out/kernel.log" ||
		die "the kernel benchmarks failed (see $out/kernel.log)"
	echo "bench.sh: kernel disk benchmarks under QEMU in host time ($kernel)"
	"$here/qemu.sh" --swap "$SWAP_MIB" --timeout "$timeout_s" --args "bench only=disk" "$kernel" >"$out/kernel-disk.log" ||
		die "the kernel disk benchmarks failed (see $out/kernel-disk.log)"
	echo "bench.sh: kernel benchmarks of 4 CPUs under QEMU in host time ($kernel)"
	"$here/qemu.sh" --smp 4 --timeout "$timeout_s" --args "bench only=smp" "$kernel" >"$out/kernel-smp.log" ||
		die "the kernel benchmarks of 4 CPUs failed (see $out/kernel-smp.log)"
}

# The `bench: key=value` lines of a log, as "key value".
figures_of() {
	tr -d '\r' <"$1" | sed -n 's/^bench: \([a-z0-9_]*\)=\([-0-9.]*\)$/\1 \2/p'
}

# Every figure as "key value": the host's the median over the runs, in order.
collect() {
	for i in $(seq "$HOST_RUNS"); do
		figures_of "$out/host-$i.log"
	done | awk '
		!($1 in n) { order[++keys] = $1 }
		{ v[$1, ++n[$1]] = $2 }
		END {
			for (k = 1; k <= keys; k++) {
				key = order[k]
				for (i = 2; i <= n[key]; i++) # insertion sort, numerically
					for (j = i; j > 1 && v[key, j - 1] + 0 > v[key, j] + 0; j--) {
						t = v[key, j]; v[key, j] = v[key, j - 1]; v[key, j - 1] = t
					}
				m = n[key]
				print key, (m % 2) ? v[key, (m + 1) / 2] : (v[key, m / 2] + v[key, m / 2 + 1]) / 2
			}
		}'
	figures_of "$out/kernel.log"
	figures_of "$out/kernel-disk.log"
	figures_of "$out/kernel-smp.log"
}

value_of() {
	awk -v k="$1" '$1 == k { print $2 }' "$out/values"
}

# The figures in the order of FIGURES, then any others the runs printed.
write_json() {
	local keys
	keys=$( (awk 'NF { print $1 }' <<<"$FIGURES"; awk '{ print $1 }' "$out/values") |
		awk '!seen[$1]++')
	{
		echo "{"
		for k in $keys; do
			v=$(value_of "$k")
			if [ -n "$v" ]; then
				printf '  "%s": %s,\n' "$k" "$v"
			fi
		done | sed '$ s/,$//'
		echo "}"
	} >"$out/results.json"
}

# Whether value v meets goal g ("<=2", ">=10000" or "-").
verdict() {
	awk -v v="$1" -v g="$2" 'BEGIN {
		if (g == "-") { print "" ; exit }
		op = substr(g, 1, 2); lim = substr(g, 3) + 0
		ok = (op == "<=") ? (v + 0 <= lim) : (v + 0 >= lim)
		print ok ? "met" : "MISSED"
	}'
}

print_table() {
	local missing=""
	printf '%-31s %14s %-7s %-9s %s\n' figure value unit goal ""
	while read -r key unit goal _; do
		[ -n "$key" ] || continue
		v=$(value_of "$key")
		if [ -z "$v" ]; then
			missing+=" $key"
			continue
		fi
		printf '%-31s %14s %-7s %-9s %s\n' "$key" "$v" "$unit" "$goal" "$(verdict "$v" "$goal")"
	done <<<"$FIGURES"
	print_thrash
	[ -z "$missing" ] || die "figures missing:$missing"
}

# The thrash curve's points, "pattern pages faults-per-1000", by pattern then working set.
thrash_points() {
	sed -n 's/^kernel_thrash_\([a-z]*\)_ws\([0-9]*\) /\1 \2 /p' "$out/values" | sort -k1,1 -k2,2n
}

print_thrash() {
	local n
	n=$(thrash_points | wc -l)
	[ "$n" -gt 0 ] || {
		missing+=" kernel_thrash_*"
		return
	}
	echo "thrash curve: major faults per 1000 accesses, working set in pages of $(value_of kernel_thrash_ram_pages)"
	thrash_points | awk '{ printf "  %-7s %4d pages %5d\n", $1, $2, $3 }'
}

# "label" value lines for one panel of the plot.
panel_data() {
	local file=$1
	shift
	: >"$out/plot/$file"
	while [ $# -ge 2 ]; do
		v=$(value_of "$2")
		if [ -n "$v" ]; then
			printf '"%s" %s\n' "$1" "$v" >>"$out/plot/$file"
		fi
		shift 2
	done
}

# The host-time swap ratios as "label median q1 q3" lines, for the plot.
quartile_data() {
	: >"$out/plot/disk_ratios.dat"
	for k in swap_out_vs_raw_write swap_in_vs_raw_read; do
		m=$(value_of "$k") q1=$(value_of "${k}_q1") q3=$(value_of "${k}_q3")
		if [ -n "$m" ] && [ -n "$q1" ] && [ -n "$q3" ]; then
			printf '"%s" %s %s %s\n' "${k//_/ }" "$m" "$q1" "$q3" >>"$out/plot/disk_ratios.dat"
		fi
	done
}

# The thrash curve's points as "ws/ram random cyclic" lines, for the plot.
thrash_data() {
	local ram
	ram=$(value_of kernel_thrash_ram_pages)
	thrash_points | awk -v ram="$ram" '
		!($2 in seen) { seen[$2] = 1; order[++n] = $2 }
		{ v[$1, $2] = $3 }
		END { for (i = 1; i <= n; i++) print order[i] / ram, v["random", order[i]], v["cyclic", order[i]] }
	' >"$out/plot/thrash.dat"
}

plot() {
	mkdir -p "$out/plot"
	panel_data ratios.dat "create+destroy / memset" create_destroy_vs_memset8k \
		"map / plain" map_vs_plain "unmap / plain" unmap_vs_plain \
		"map_zero / plain" map_zero_vs_plain "translate / plain" translate_vs_plain \
		"eager clone / memcpy" clone_eager_vs_memcpy \
		"map 64 MiB / raw stores" map_vs_raw_store \
		"growth, blocked" growth_copy_per_page \
		"growth, in place" growth_copy_per_page_inplace \
		"swap out / raw write" swap_out_vs_raw_write \
		"swap in / raw read" swap_in_vs_raw_read
	panel_data bytes.dat "pagetrack" typical_pt_bytes "notes' naive layout" naive_pt_bytes
	panel_data spaces.dat "pagetrack" max_as_96m "notes' naive layout" naive_max_as_96m
	panel_data host.dat "raw store" raw_store_ns "map (range)" map_range_ns \
		"protect (range)" protect_range_ns "unmap (range)" unmap_range_ns \
		"translate" translate_ns "plain translate" plain_translate_ns \
		"map one" map_ns "plain map" plain_map_ns "unmap one" unmap_ns \
		"plain unmap" plain_unmap_ns "memset 8 KiB" memset8k_ns \
		"create+destroy" create_destroy_ns
	panel_data clone.dat "COW 16 MiB" clone_cow_16m_us "COW 256 MiB" clone_cow_256m_us \
		"eager 16 MiB" clone_eager_16m_us
	panel_data kernel.dat "cr3 switch" kernel_cr3_switch_cycles \
		"system call" kernel_syscall_cycles "kmap window" kernel_kmap_window_cycles \
		"write, per KiB" kernel_write_64k_cycles "map" kernel_map_cycles \
		"unmap" kernel_unmap_cycles "zero fault" kernel_zero_fault_cycles \
		"COW fault" kernel_cow_fault_cycles "create+destroy" kernel_create_destroy_cycles \
		"raw write, 4 KiB" kernel_raw_write_page_cycles \
		"swap out" kernel_swap_out_page_cycles \
		"raw read, 4 KiB" kernel_raw_read_page_cycles \
		"swap in" kernel_swap_in_page_cycles \
		"fork+exit+wait" kernel_fork_exit_wait_cycles \
		"block out+in" kernel_block_out_in_cycles \
		"clone typical" kernel_clone_typical_cycles \
		"clone COW 16 MiB" kernel_clone_cow_16m_cycles \
		"clone eager 16 MiB" kernel_clone_eager_16m_cycles
	panel_data disk.dat "raw write" kernel_raw_write_page_ns "swap out" kernel_swap_out_page_ns \
		"raw read" kernel_raw_read_page_ns "swap in" kernel_swap_in_page_ns \
		"block out" kernel_block_out_ns "block in" kernel_block_in_ns \
		"block out+in" kernel_block_out_in_ns
	quartile_data
	thrash_data
	write_plot_script >"$out/plot/bench.gp"
	gnuplot "$out/plot/bench.gp" || die "gnuplot failed"
}

# The gnuplot script that draws bench.svg: ten panels, five rows of two.
write_plot_script() {
	cat <<EOF
set terminal svg size 1400,2250 dynamic enhanced font "sans,11" background "white"
set output "$out/bench.svg"
set multiplot layout 5,2 title "pagetrack benchmarks - $(sed -n 's/^cpu: //p' "$out/machine.txt"), $(sed -n 's/^date: //p' "$out/machine.txt")"
set style fill solid 0.7 border -1
set boxwidth 0.6
set grid ytics
set lmargin 15
set bmargin 8
set xtics rotate by 30 right font ",10" nomirror noenhanced
set key top left Left reverse
bars = "using 0:2:xtic(1) with boxes lc rgb '#4878a8' notitle"
goal = "with lines lw 2 lc rgb '#c03030' title 'goal'"

set title "Ratios to their yardsticks (goals: at most 1.3, 1.5 or 2; the table says which)"
set ylabel "ratio"
set yrange [0:*]
set offsets 0, 0, graph 0.15, 0
plot "$out/plot/ratios.dat" @bars, \\
     "" using 0:2:(sprintf("%.3f", \$2)) with labels offset 0,0.7 font ",9" notitle, \\
     1.3 with lines lw 1 dt 2 lc rgb '#c03030' title 'goals 1.3, 1.5, 2', \\
     1.5 with lines lw 1 dt 2 lc rgb '#c03030' notitle, \\
     2 with lines lw 1 dt 2 lc rgb '#c03030' notitle
set offsets 0, 0, 0, 0

set title "Growing a block from 2 to 1025 pages: pages copied by relocations"
set xtics norotate
set bmargin 4
set xrange [0:1025]
# below 0, so that the line at 0 (in place: nothing copied) stays in sight
set yrange [-60:*]
set offsets 0, 0, graph 0.2, 0
set xlabel "page tables linked"
set ylabel "pages copied, in all"
plot "$out/growth.dat" using 1:3 with steps lw 2 lc rgb "#c03030" title "a frame taken after the block at every step", \\
     "" using 1:5 with steps lw 3 dt 2 lc rgb "#4878a8" title "free frames after the block (in place: 0)", \\
     "" using 1:(2 * \$2) with steps lw 1 lc rgb "#808080" title "2 x block pages"
set offsets 0, 0, 0, 0
unset xlabel
set xrange [*:*]
set xtics rotate by 30 right
set bmargin 8
set key top right

set logscale y
set title "Page tables of the typical process, KiB (goal: 12 KiB)"
set ylabel "KiB"
set yrange [1:10000]
plot "$out/plot/bytes.dat" using 0:(\$2 / 1024):xtic(1) with boxes lc rgb '#4878a8' notitle, \\
     "" using 0:(\$2 / 1024):(sprintf("%d", \$2 / 1024)) with labels offset 0,0.7 notitle, \\
     12 @goal

set title "Address spaces in a 96 MiB kernel zone (goal: at least 10,000)"
set ylabel "address spaces"
set yrange [1:100000]
plot "$out/plot/spaces.dat" @bars, \\
     "" using 0:2:(sprintf("%d", \$2)) with labels offset 0,0.7 notitle, \\
     10000 @goal

set title "Host, x86-64 -O2: nanoseconds per operation (range: per page)"
set ylabel "ns"
set yrange [*:*]
set offsets 0, 0, graph 0.1, 0
plot "$out/plot/host.dat" @bars, \\
     "" using 0:2:(sprintf("%.3g", \$2)) with labels offset 0,0.7 font ",9" notitle

set title "Host: clones, microseconds"
set ylabel "us"
plot "$out/plot/clone.dat" @bars, \\
     "" using 0:2:(sprintf("%.4g", \$2)) with labels offset 0,0.7 notitle

set title "Kernel under QEMU -icount shift=0: cycles (= instructions; the disk's a few polls)"
set ylabel "cycles"
set offsets 0, 0, graph 0.2, 0
plot "$out/plot/kernel.dat" @bars, \\
     "" using 0:2:(sprintf("%d", \$2)) with labels rotate by 90 left offset 0,0.5 font ",9" notitle
set offsets 0, 0, 0, 0

unset logscale y
set title "Thrash curve: the clock with $(value_of kernel_thrash_ram_pages) user frames for the working set"
set xtics norotate
set bmargin 4
set xrange [0.4:2.1]
set yrange [-30:1100]
set xlabel "working set / user frames it has"
set ylabel "major faults per 1000 accesses"
set key at graph 0.97, graph 0.78 right top Left reverse
plot "$out/plot/thrash.dat" using 1:3 with linespoints lw 2 pt 7 lc rgb "#c03030" title "cyclic", \\
     "" using 1:2 with linespoints lw 2 pt 5 lc rgb "#4878a8" title "uniform random", \\
     (x > 1 ? 1000 * (1 - 1 / x) : 0) with lines lw 1 dt 2 lc rgb "#808080" title "1000 (1 - frames / set)"

set title "The swap disk in host time (QEMU without -icount): microseconds, medians"
set ylabel "us"
set xtics rotate by 30 right
set bmargin 8
set xrange [*:*]
set logscale y
set yrange [*:*]
set offsets 0, 0, graph 0.15, 0
unset xlabel
plot "$out/plot/disk.dat" using 0:(\$2 / 1000):xtic(1) with boxes lc rgb '#4878a8' notitle, \\
     "" using 0:(\$2 / 1000):(sprintf("%.1f", \$2 / 1000)) with labels offset 0,0.7 font ",9" notitle
unset logscale y
set offsets 0, 0, 0, 0

set title "Pager / raw transfer in host time: each round's ratio, median and quartiles (goal: at most 1.3)"
set ylabel "ratio"
set xtics norotate
set xrange [-0.6:1.6]
set yrange [0:*]
set offsets 0, 0, graph 0.2, 0
set key top right
plot "$out/plot/disk_ratios.dat" using 0:2:xtic(1) with boxes lc rgb '#4878a8' notitle, \\
     "" using 0:2:3:4 with yerrorbars lw 2 pt 0 lc rgb '#202020' title 'quartiles', \\
     "" using 0:4:(sprintf("%.3f", \$2)) with labels offset 0,1 notitle, \\
     1.3 @goal

unset multiplot
EOF
}

mkdir -p "$out"
describe_machine >"$out/machine.txt"
run_benchmarks
collect >"$out/values"
write_json
print_table
plot
echo
sed 's/^/machine: /' "$out/machine.txt"
echo "bench.sh: $out/results.json, $out/bench.svg ($(($(date +%s) - start)) s)"
