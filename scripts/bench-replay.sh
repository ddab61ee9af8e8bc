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
#             within 1 % of 10000. The same for the default pacing, the
#             capture's timestamps (about 10 us apart) slowed ten times:
#             turtle --speed 0.1 and tcpreplay --multiplier 0.1, against
#             the rate the timestamps give.
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

. scripts/lib/veth-pair.sh
veth_pair replay 02:00:00:c7:0a:01 02:00:00:c7:0a:02

go build -o "$tmp/turtle" ./cmd/turtle
go build -o "$tmp/imixgen" ./scripts/imixgen
"$tmp/imixgen" -n "$N" -o "$tmp/imix.pcap"

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
	turtle-ts) own=$(ip netns exec "$A" "$tmp/turtle" replay -i a0 --speed 0.1 -c "$PPS_N" --loop 0 "$tmp/imix.pcap" 2>&1 | grep -Eo '[0-9.]+ frames/s') ;;
	tcpreplay-ts) own=$(ip netns exec "$A" tcpreplay -i a0 --multiplier 0.1 -L "$PPS_N" --loop 0 "$tmp/imix.pcap" 2>&1 | grep -Eo '[0-9.]+ pps') ;;
	esac
	sleep 2 # libpcap hands a ring block over after at most 1 s
	kill -INT "$capture_pid"
	wait "$capture_pid" || true
	capture_pid=
	local target=10000
	case $tool in *-ts) target=$ts_rate ;; esac
	tcpdump -tt -n -r "$cap" 2>/dev/null | awk -v tool="$tool" -v own="$own" -v want="$PPS_N" -v target="$target" '
		NR == 1 {f = $1} {l = $1; n++}
		END {
			r = (n - 1) / (l - f)
			printf "  %-12s own report %-18s receiver: %d frames in %.6f s = %.2f frames/s, error %+.3f%%%s\n",
				tool, own, n, l - f, r, (r - target) / target * 100, (n == want ? "" : "  (capture incomplete!)")
		}'
}
# The rate the capture's own timestamps give its first PPS_N frames, slowed
# ten times: the target of the -ts runs.
ts_rate=$(tcpdump -tt -n -r "$tmp/imix.pcap" -c "$PPS_N" 2>/dev/null | awk 'NR == 1 {f = $1} {l = $1; n++} END {printf "%.4f", (n - 1) / ((l - f) * 10)}')
echo "pps: $PPS_N frames at --pps 10000, then at the capture's own timestamps (about 10 us apart)"
echo "slowed ten times (turtle --speed 0.1, tcpreplay --multiplier 0.1): $ts_rate frames/s:"
pps turtle
pps tcpreplay
pps turtle-ts
pps tcpreplay-ts
