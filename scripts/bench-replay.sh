#!/usr/bin/env bash
# bench-replay.sh measures turtle replay against tcpreplay (issue 13) on a
# veth pair between two network namespaces it creates (IPv6 off, so only the
# replayed frames are on the wire) and deletes on exit:
#
#   topspeed  turtle replay --topspeed and tcpreplay --topspeed send the same
#             IMIX capture (scripts/imixgen: 7:4:1 frames of 64, 594 and
#             1514 bytes) out of a0, interleaved, REPEAT rounds; frames/s is
#             frames / wall time of the whole command (start-up and reading
#             the file included), medians reported, and b0's receive counter
#             must grow by every frame.
#   pps       turtle replay --pps 10000 and tcpreplay --pps 10000 send
#             PPS_N frames each while tcpdump captures them on b0; the rate
#             is measured twice: by the sender's own report, and from the
#             receiver's timestamps, (frames - 1) / (last - first). Target:
#             within 1 % of 10000.
#
# Usage: sudo scripts/bench-replay.sh
# Environment: N frames per topspeed run (default 200000), REPEAT rounds
#   (default 3), PPS_N frames per pps run (default 20000).
set -euo pipefail

cd "$(dirname "$0")/.."
[ "$(id -u)" = 0 ] || { echo "bench-replay.sh: needs root (namespaces, packet sockets)" >&2; exit 1; }
command -v tcpreplay >/dev/null || { echo "bench-replay.sh: needs tcpreplay (apt-get install tcpreplay)" >&2; exit 1; }
command -v tcpdump >/dev/null || { echo "bench-replay.sh: needs tcpdump" >&2; exit 1; }
N=${N:-200000}
REPEAT=${REPEAT:-3}
PPS_N=${PPS_N:-20000}

tmp=$(mktemp -d)
A=turtle-replay-a-$$
B=turtle-replay-b-$$
capture_pid=
cleanup() {
	[ -n "$capture_pid" ] && kill "$capture_pid" 2>/dev/null || true
	ip netns del "$A" 2>/dev/null || true
	ip netns del "$B" 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT

go build -o "$tmp/turtle" ./cmd/turtle
go build -o "$tmp/imixgen" ./scripts/imixgen
"$tmp/imixgen" -n "$N" -o "$tmp/imix.pcap"

for ns in "$A" "$B"; do
	ip netns add "$ns"
	ip netns exec "$ns" sh -c 'echo 1 > /proc/sys/net/ipv6/conf/all/disable_ipv6; echo 1 > /proc/sys/net/ipv6/conf/default/disable_ipv6'
	ip -n "$ns" link set lo up
done
ip link add a0 netns "$A" address 02:00:00:c7:0a:01 type veth peer name b0 netns "$B" address 02:00:00:c7:0a:02
ip -n "$A" link set a0 up
ip -n "$B" link set b0 up

rx() { ip netns exec "$B" cat /sys/class/net/b0/statistics/rx_packets; }
now() { date +%s.%N; }

# topspeed TOOL: one run; appends "tool frames/s" to $tmp/top.
topspeed() {
	local tool=$1 before after t0 t1 rate
	before=$(rx)
	t0=$(now)
	case $tool in
	turtle) ip netns exec "$A" "$tmp/turtle" replay -i a0 --topspeed "$tmp/imix.pcap" 2>"$tmp/out" ;;
	tcpreplay) ip netns exec "$A" tcpreplay -i a0 --topspeed "$tmp/imix.pcap" >"$tmp/out" 2>&1 ;;
	esac
	t1=$(now)
	after=$(rx)
	[ $((after - before)) -ge "$N" ] || { echo "bench-replay.sh: $tool: b0 received $((after - before)) of $N frames" >&2; cat "$tmp/out" >&2; exit 1; }
	rate=$(awk -v n="$N" -v a="$t0" -v b="$t1" 'BEGIN {printf "%.0f", n / (b - a)}')
	echo "$tool $rate" >>"$tmp/top"
	printf '  round %d  %-9s %9s frames/s (wall)   own report: %s\n' "$round" "$tool" "$rate" \
		"$(grep -Eo '[0-9.]+ frames/s|[0-9.]+ pps' "$tmp/out" | tail -1)"
}

echo "topspeed: $N IMIX frames per run, $REPEAT rounds (tools interleaved):"
for round in $(seq 1 "$REPEAT"); do
	topspeed turtle
	topspeed tcpreplay
done
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
t=$(awk '$1=="turtle"{print $2}' "$tmp/top" | median)
r=$(awk '$1=="tcpreplay"{print $2}' "$tmp/top" | median)
printf 'topspeed median: turtle %s frames/s, tcpreplay %s frames/s, ratio %s\n\n' "$t" "$r" \
	"$(awk -v t="$t" -v r="$r" 'BEGIN {printf "%.2f", t / r}')"

# pps TOOL: PPS_N frames at --pps 10000, captured on b0.
pps() {
	local tool=$1 cap=$tmp/pps-$1.pcap own
	ip netns exec "$B" tcpdump -i b0 -n -B 8192 -w "$cap" 2>"$tmp/tcpdump.err" &
	capture_pid=$!
	for _ in $(seq 1 500); do grep -q 'listening on' "$tmp/tcpdump.err" && break; sleep 0.01; done
	case $tool in
	turtle) own=$(ip netns exec "$A" "$tmp/turtle" replay -i a0 --pps 10000 -c "$PPS_N" --loop 0 "$tmp/imix.pcap" 2>&1 | grep -Eo '[0-9.]+ frames/s') ;;
	tcpreplay) own=$(ip netns exec "$A" tcpreplay -i a0 --pps 10000 -L "$PPS_N" --loop 0 "$tmp/imix.pcap" 2>&1 | grep -Eo '[0-9.]+ pps') ;;
	esac
	sleep 2 # libpcap hands a ring block over after at most 1 s
	kill -INT "$capture_pid"
	wait "$capture_pid" || true
	capture_pid=
	tcpdump -tt -n -r "$cap" 2>/dev/null | awk -v tool="$tool" -v own="$own" -v want="$PPS_N" '
		NR == 1 {f = $1} {l = $1; n++}
		END {
			r = (n - 1) / (l - f)
			printf "  %-9s own report %-18s receiver: %d frames in %.6f s = %.2f frames/s, error %+.3f%%%s\n",
				tool, own, n, l - f, r, (r - 10000) / 100, (n == want ? "" : "  (capture incomplete!)")
		}'
}
echo "pps: $PPS_N frames at --pps 10000:"
pps turtle
pps tcpreplay
