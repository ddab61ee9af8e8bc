#!/usr/bin/env bash
# bench-sniff.sh compares live capture under a bounded UDP flood (issue 4):
# two network namespaces joined by a veth pair, a sender in one writing N
# frames of SIZE bytes as fast as it can (scripts/sniff-bench flood; the
# frames go to an address nobody owns, so nothing answers), and in the other,
# in turn:
#
#   turtle      turtle sniff -i b0 -w /dev/null -q          (8 MiB ring)
#   turtle-2M   the same with -B 2048, tcpdump's buffer size
#   tcpdump     tcpdump -i b0 -w /dev/null                 (libpcap, 2 MiB)
#   tcpdump-8M  the same with -B 8192
#   live, afpacket, pcapgo
#               scripts/sniff-bench capture with turtle's ring, gopacket's
#               TPACKET_V3 ring and gopacket's recvmsg socket: the numbers
#               behind live's choice of backend
#
# Each line reports the frames the capture received, those the kernel
# dropped, and the CPU time the capture used. Only the namespaces this script creates see any traffic; they
# are deleted on exit.
#
# Usage: sudo scripts/bench-sniff.sh
# Environment: N frames per flood (default 1000000), SIZE bytes per frame
#   (default 1500: small frames cannot flood fast enough from one sender to
#   make any of these drop), TOOLS (default: all of the above), REPEAT
#   rounds, each running every tool once, medians reported (default 3).
set -euo pipefail

cd "$(dirname "$0")/.."
[ "$(id -u)" = 0 ] || { echo "bench-sniff.sh: needs root (namespaces, packet sockets)" >&2; exit 1; }
N=${N:-1000000}
SIZE=${SIZE:-1500}
TOOLS=${TOOLS:-turtle turtle-2M tcpdump tcpdump-8M live afpacket pcapgo}
REPEAT=${REPEAT:-3}

. scripts/lib/veth-pair.sh
veth_pair bench 02:00:00:c7:09:01 02:00:00:c7:09:02
ip -n "$B" addr add 10.199.9.2/24 dev b0

go build -o "$tmp/turtle" ./cmd/turtle
go build -o "$tmp/sniff-bench" ./scripts/sniff-bench

# wait_ready PID FILE MARKER: until FILE (the capture's stderr) shows
# MARKER, or the process runs as nobody (turtle after opening).
wait_ready() {
	for _ in $(seq 1 500); do
		grep -q "$3" "$2" 2>/dev/null && return 0
		grep -q "^Uid:	65534" "/proc/$1/status" 2>/dev/null && return 0
		kill -0 "$1" 2>/dev/null || { cat "$2" >&2; return 1; }
		sleep 0.01
	done
	echo "bench-sniff.sh: capture never got ready" >&2
	return 1
}

# run TOOL: one capture of one flood; appends "tool received dropped rate"
# to $tmp/results.
run() {
	local tool=$1 err=$tmp/$1.err out=$tmp/$1.out cmd received dropped rate cpu
	case $tool in
	turtle) cmd=("$tmp/turtle" sniff -i b0 -w /dev/null -q) ;;
	turtle-2M) cmd=("$tmp/turtle" sniff -i b0 -w /dev/null -q -B 2048) ;;
	tcpdump) cmd=(tcpdump -i b0 -n -w /dev/null) ;;
	tcpdump-8M) cmd=(tcpdump -i b0 -n -w /dev/null -B 8192) ;;
	live | afpacket | pcapgo) cmd=("$tmp/sniff-bench" capture -i b0 -backend "$tool") ;;
	*) echo "unknown tool $tool" >&2; exit 2 ;;
	esac
	# ip netns exec execs the capture: $! is its pid (killed on exit).
	ip netns exec "$B" "${cmd[@]}" >"$out" 2>"$err" &
	capture_pid=$!
	wait_ready "$capture_pid" "$err" 'listening on\|ready'
	rate=$(timeout 300 ip netns exec "$A" "$tmp/sniff-bench" flood -i a0 -n "$N" -size "$SIZE" | sed 's/.*, //; s/ frames.s//')
	sleep 1 # let the capture empty its buffer
	# CPU time of the capture so far (utime + stime, in clock ticks).
	cpu=$(awk -v hz="$(getconf CLK_TCK)" '{printf "%.2f", ($14 + $15) / hz}' "/proc/$capture_pid/stat")
	kill -INT "$capture_pid"
	wait "$capture_pid" || true
	capture_pid=
	case $tool in
	turtle*) received=$(awk '/packets captured/{print $1}' "$err"); dropped=$(awk '/packets captured/{print $4}' "$err") ;;
	tcpdump*) received=$(awk '/packets captured/{print $1}' "$err"); dropped=$(awk '/dropped by kernel/{print $1}' "$err") ;;
	*) received=$(awk '{print $2}' "$out"); dropped=$(awk '{print $4}' "$out") ;;
	esac
	echo "$tool $received $dropped $rate $cpu" >>"$tmp/results"
	printf '  round %d  %-11s received %8s  dropped %8s  cpu %5ss  flood %s frames/s\n' "$round" "$tool" "$received" "$dropped" "$cpu" "$rate"
}

for tool in $TOOLS; do
	case $tool in tcpdump*) command -v tcpdump >/dev/null || { echo "tcpdump not installed: skipped" >&2; TOOLS=${TOOLS//$tool/}; } ;; esac
done
echo "$N frames of $SIZE bytes per run, $REPEAT rounds (tools interleaved):"
for round in $(seq 1 "$REPEAT"); do
	for tool in $TOOLS; do
		run "$tool"
	done
done

echo
printf '%-11s %10s %16s %16s %10s %14s\n' tool sent "received (med)" "dropped (med)" "cpu (med)" "flood/s (med)"
for tool in $TOOLS; do
	r=$(awk -v t="$tool" '$1==t{print $2}' "$tmp/results" | median)
	d=$(awk -v t="$tool" '$1==t{print $3}' "$tmp/results" | median)
	f=$(awk -v t="$tool" '$1==t{print $4}' "$tmp/results" | median)
	c=$(awk -v t="$tool" '$1==t{print $5}' "$tmp/results" | median)
	printf '%-11s %10s %16s %16s %9ss %14s\n' "$tool" "$N" "$r" "$d" "$c" "$f"
done
