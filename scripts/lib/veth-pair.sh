# veth-pair.sh is sourced (not run) by the benchmarks that send frames from
# one network namespace to another over a veth pair: bench-replay.sh and
# bench-sniff.sh. One copy of the setup and the teardown, so both measure
# on the same wire and neither leaves a namespace behind.
#
# veth_pair NAME MAC_A MAC_B creates the namespaces $A and $B (named
# turtle-NAME-a-PID and turtle-NAME-b-PID, so runs never collide), each
# with lo up and IPv6 off (so only the benchmark's frames are on the wire),
# joined by a0 (in $A, MAC_A) and b0 (in $B, MAC_B), both up and without
# addresses. It makes $tmp, and an EXIT trap that kills $capture_pid (the
# capture running, if any), deletes both namespaces and removes $tmp.
#
# median prints the median of the numbers on its input, one a line.

veth_cleanup() {
	[ -n "${capture_pid:-}" ] && kill "$capture_pid" 2>/dev/null || true
	[ -n "${A:-}" ] && ip netns del "$A" 2>/dev/null || true
	[ -n "${B:-}" ] && ip netns del "$B" 2>/dev/null || true
	[ -n "${tmp:-}" ] && rm -rf "$tmp"
	return 0
}

veth_pair() {
	local name=$1 mac_a=$2 mac_b=$3 ns
	tmp=$(mktemp -d)
	A=turtle-$name-a-$$
	B=turtle-$name-b-$$
	capture_pid=
	trap veth_cleanup EXIT
	for ns in "$A" "$B"; do
		ip netns add "$ns"
		ip netns exec "$ns" sh -c 'echo 1 > /proc/sys/net/ipv6/conf/all/disable_ipv6; echo 1 > /proc/sys/net/ipv6/conf/default/disable_ipv6'
		ip -n "$ns" link set lo up
	done
	ip link add a0 netns "$A" address "$mac_a" type veth peer name b0 netns "$B" address "$mac_b"
	ip -n "$A" link set a0 up
	ip -n "$B" link set b0 up
}

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
