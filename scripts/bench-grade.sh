#!/usr/bin/env bash
# bench-grade.sh: wall time of `turtle grade` on a class of forged captures
# (default 200 students, 1 MB each, tcp-echo lab), with every CPU and with
# one, so that the report shows the parallel speed-up. The captures are
# generated into a temporary directory (scripts/grade-captures) and removed.
#
#   scripts/bench-grade.sh            # 200 × 1 MB
#   N=50 SIZE=262144 scripts/bench-grade.sh
set -euo pipefail
cd "$(dirname "$0")/.."
N=${N:-200}
SIZE=${SIZE:-1048576}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

go build -o "$tmp/turtle" ./cmd/turtle
go run ./scripts/grade-captures -n "$N" -size "$SIZE" -o "$tmp/class"
total=$(du -sb "$tmp/class" | cut -f1)
echo "class: $N captures, $((total / 1048576)) MiB in all; GOMAXPROCS default $(nproc) CPUs"

run() { # label, then turtle grade flags
	local label=$1
	shift
	local t0 t1 cpu=""
	t0=$(date +%s.%N)
	if [ -x /usr/bin/time ]; then
		/usr/bin/time -o "$tmp/time.txt" -f "user %Us, sys %Ss, max RSS %M KiB" \
			"$tmp/turtle" grade --lab tcp-echo "$@" --csv "$tmp/grades.csv" "$tmp/class" >"$tmp/table.txt"
		cpu="; $(tail -n 1 "$tmp/time.txt")"
	else
		"$tmp/turtle" grade --lab tcp-echo "$@" --csv "$tmp/grades.csv" "$tmp/class" >"$tmp/table.txt"
	fi
	t1=$(date +%s.%N)
	echo "$label: wall $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')s$cpu"
}

run "all CPUs"
run "1 CPU" --jobs 1
graded=$(($(wc -l <"$tmp/grades.csv") - 1))
full=$(grep -c ',10,10,' "$tmp/grades.csv" || true)
echo "graded $graded students, $full with full marks"
