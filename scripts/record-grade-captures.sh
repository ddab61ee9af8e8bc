#!/bin/sh
# Records the real captures grade's tests use for the submissions an
# instructor gets and that once drew false verdicts (grade/testdata/recorded,
# README there): turtle's own echo programs in a network namespace of their
# own, captured on its loopback by tcpdump. Needs root, tcpdump, editcap
# (tshark) and gzip. Run from anywhere; it rewrites the files it lists.
set -eu
cd "$(dirname "$0")/.."
out=grade/testdata/recorded
ns=turtle-grade-rec-$$
tmp=$(mktemp -d)
cleanup() {
	ip netns del "$ns" 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT INT TERM
go build -o "$tmp/turtle" ./cmd/turtle
T="$tmp/turtle"
ip netns add "$ns"
ip -n "$ns" link set lo up
inns() { ip netns exec "$ns" "$@"; }

# start FILE SNAPLEN FILTER: tcpdump on the namespace's loopback.
start() {
	ip netns exec "$ns" tcpdump -i lo -s "$2" -B 65536 --immediate-mode -Z root -U -w "$1" "$3" 2>"$tmp/tcpdump.err" &
	cap=$!
	sleep 1
}
stop() {
	sleep 0.5
	kill -INT "$cap"
	wait "$cap" || true
	cat "$tmp/tcpdump.err" >&2
}
server() { # MODE DELAY
	ip netns exec "$ns" "$T" echo tcp-server --mode "$1" --delay "$2" >/dev/null 2>&1 &
	srv=$!
	sleep 0.5
}
client() { inns "$T" echo tcp-client --addr 127.0.0.1:12500 --message "$1" >/dev/null; }

# 1. A correct TCP echo with a 200-byte message, captured with tcpdump -s 80:
#    every data frame keeps only its first 14 payload bytes.
msg=$(printf 'turtle%.0s' $(seq 1 33))__
server threaded 0s
start "$out/tcp-echo-snaplen80-lo.pcap" 80 'tcp port 12500'
client "$msg"
stop
kill "$srv"; wait "$srv" 2>/dev/null || true

# 2. Three clients started by hand about 1.2 s apart against a server that
#    sleeps 3 s before each echo: threaded, then iterative.
for mode in threaded iterative; do
	server "$mode" 3s
	start "$out/tcp-$mode-staggered-lo.pcap" 262144 'tcp port 12500'
	client "hello 1" & c1=$!
	sleep 1.2
	client "hello 2" & c2=$!
	sleep 1.2
	client "hello 3" & c3=$!
	wait "$c1" "$c2" "$c3"
	stop
	kill "$srv"; wait "$srv" 2>/dev/null || true
done

# 3. A correct echo of a 1 MB line, and the same capture with four of the
#    server's data frames deleted (what a capture with kernel drops looks
#    like: sequence numbers skip, the client's ACKs cover the hole).
server threaded 0s
start "$tmp/big.pcap" 262144 'tcp port 12500'
head -c 1048576 /dev/zero | tr '\0' 'x' >"$tmp/line"
echo >>"$tmp/line"
inns "$T" echo tcp-client --addr 127.0.0.1:12500 <"$tmp/line" >/dev/null
stop
kill "$srv"; wait "$srv" 2>/dev/null || true
gzip -9 -n -c "$tmp/big.pcap" >"$out/tcp-echo-1mb-lo.pcap.gz"
drop=$(tshark -r "$tmp/big.pcap" -Y 'tcp.srcport == 12500 && tcp.len > 0' -T fields -e frame.number | sed -n '3p;4p;6p;8p' | tr '\n' ' ')
# shellcheck disable=SC2086
editcap "$tmp/big.pcap" "$tmp/lossy.pcap" $drop
gzip -9 -n -c "$tmp/lossy.pcap" >"$out/tcp-echo-1mb-dropped-lo.pcap.gz"
echo "dropped frames $drop" >&2
# 4. A capture of the wrong interface: dumpcap on a veth while its link
#    comes up holds only IPv6 housekeeping (neighbour discovery, MLD).
ip -n "$ns" link add veth0 type veth peer name veth1
ip -n "$ns" link set veth0 up
ip netns exec "$ns" dumpcap -q -i veth0 -a duration:8 -w "$tmp/nd.pcapng" 2>/dev/null &
nd=$!
sleep 1.5
ip -n "$ns" link set veth1 up
wait "$nd" || true
cp "$tmp/nd.pcapng" "$out/veth-ipv6-only.pcapng"
ls -l "$out"
