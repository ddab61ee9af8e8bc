#!/usr/bin/env bash
# bench-formats.sh: how fast `turtle read --format summary` and `--format
# json` are compared with tcpdump -nn and tshark -T ek on the same IMIX
# capture (scripts/imixgen: 7:4:1 frames of 64, 594 and 1514 bytes; TCP,
# UDP and ICMP over 300 flows).
#
#   summary vs tcpdump -nn -r   on N frames       (default 1,000,000; target >= 5x)
#   json    vs tshark -T ek -r  on NJSON frames   (default   100,000; target >= 100x)
#
# Every command writes to /dev/null with the page cache warm; times are the
# best of RUNS runs (tshark, which takes half a minute, runs once) and the
# peak resident memory is GNU time's when /usr/bin/time exists. turtle uses
# every core, as `turtle read` does by default.
#
# Usage: scripts/bench-formats.sh        (from anywhere; needs tcpdump, tshark)
#        N=200000 NJSON=20000 RUNS=1 scripts/bench-formats.sh
set -euo pipefail
cd "$(dirname "$0")/.."

N=${N:-1000000}
NJSON=${NJSON:-100000}
RUNS=${RUNS:-3}
for tool in tcpdump tshark; do
	command -v "$tool" > /dev/null || {
		echo "bench-formats: $tool not found (apt-get install -y tcpdump tshark)" >&2
		exit 1
	}
done

dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
go build -o "$dir/turtle" ./cmd/turtle
go build -o "$dir/imixgen" ./scripts/imixgen
"$dir/imixgen" -n "$N" -o "$dir/imix.pcap"
"$dir/imixgen" -n "$NJSON" -o "$dir/imix-json.pcap"
cat "$dir/imix.pcap" "$dir/imix-json.pcap" > /dev/null

# measure CMD...: prints "SECONDS MAXRSS_KB" of one run, output to /dev/null.
measure() {
	local t0 t1 rss=-
	if [ -x /usr/bin/time ]; then
		t0=$(date +%s%N)
		/usr/bin/time -f '%M' -o "$dir/rss" "$@" > /dev/null 2> "$dir/stderr" || { cat "$dir/stderr" >&2; exit 1; }
		t1=$(date +%s%N)
		rss=$(tail -n 1 "$dir/rss")
	else
		t0=$(date +%s%N)
		"$@" > /dev/null 2> "$dir/stderr" || { cat "$dir/stderr" >&2; exit 1; }
		t1=$(date +%s%N)
	fi
	awk -v d=$((t1 - t0)) -v r="$rss" 'BEGIN { printf "%.3f %s\n", d / 1e9, r }'
}

# best RUNS CMD...: the fastest of RUNS runs, and its peak memory.
best() {
	local runs=$1 out bs="" br=""
	shift
	for _ in $(seq "$runs"); do
		out=$(measure "$@")
		if [ -z "$bs" ] || awk -v a="${out% *}" -v b="$bs" 'BEGIN { exit !(a < b) }'; then
			bs=${out% *}
			br=${out#* }
		fi
	done
	echo "$bs $br"
}

report() { # NAME FRAMES SECONDS RSS
	awk -v n="$1" -v f="$2" -v s="$3" -v r="$4" 'BEGIN {
		printf "%-34s %9d frames %8.3f s %8.0f ns/frame %10s KB peak\n", n, f, s, s * 1e9 / f, r
	}'
}

read -r s_turtle r_turtle < <(best "$RUNS" "$dir/turtle" read --format summary "$dir/imix.pcap")
read -r s_tcpdump r_tcpdump < <(best "$RUNS" tcpdump -nn -r "$dir/imix.pcap")
read -r j_turtle rj_turtle < <(best "$RUNS" "$dir/turtle" read --format json "$dir/imix-json.pcap")
read -r j_tshark rj_tshark < <(best 1 tshark -T ek -r "$dir/imix-json.pcap")

echo
report "turtle read --format summary" "$N" "$s_turtle" "$r_turtle"
report "tcpdump -nn -r" "$N" "$s_tcpdump" "$r_tcpdump"
report "turtle read --format json" "$NJSON" "$j_turtle" "$rj_turtle"
report "tshark -T ek -r" "$NJSON" "$j_tshark" "$rj_tshark"
echo
awk -v a="$s_tcpdump" -v b="$s_turtle" -v c="$j_tshark" -v d="$j_turtle" 'BEGIN {
	rs = a / b; rj = c / d
	vs = (rs >= 5) ? "ok" : "BELOW TARGET"
	vj = (rj >= 100) ? "ok" : "BELOW TARGET"
	printf "summary vs tcpdump -nn: %6.1fx faster (target >= 5x)   %s\n", rs, vs
	printf "json vs tshark -T ek:   %6.1fx faster (target >= 100x) %s\n", rj, vj
}'
