#!/bin/sh
# Peak memory of `turtle grade` on the hostile capture of issue 19 item 1:
# 4,096 TCP connections each sending 64 KB never echoed (a .pcap.gz written
# by scripts/grade-hostile), one capture and four at --jobs 2. With a git
# revision as argument, the same is measured for turtle built at that
# revision, for a before/after comparison:
#     scripts/bench-grade-memory.sh 0b15136
# Needs /usr/bin/time (GNU time, for -v).
set -eu
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'git worktree remove --force "$tmp/rev" 2>/dev/null || true; rm -rf "$tmp"' EXIT INT TERM
go build -o "$tmp/turtle" ./cmd/turtle
go run ./scripts/grade-hostile -o "$tmp/flood.pcap.gz"
mkdir "$tmp/class"
for s in a b c d; do cp "$tmp/flood.pcap.gz" "$tmp/class/$s.pcap.gz"; done
echo "capture: $(du -h "$tmp/flood.pcap.gz" | cut -f1) gzip'd"
measure() { # LABEL BINARY
	for run in "one capture:$tmp/flood.pcap.gz:1" "four captures, --jobs 2:$tmp/class:2"; do
		what=${run%%:*}; rest=${run#*:}; path=${rest%:*}; jobs=${rest##*:}
		/usr/bin/time -v "$2" grade --lab tcp-echo --jobs "$jobs" "$path" >/dev/null 2>"$tmp/time"
		rss=$(awk -F: '/Maximum resident/ {gsub(/ /, "", $2); print $2}' "$tmp/time")
		secs=$(awk -F': ' '/Elapsed/ {print $2}' "$tmp/time")
		echo "$1, $what: peak RSS $((rss / 1024)) MB, $secs"
	done
}
measure "turtle $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- grade cmd || echo +changes)" "$tmp/turtle"
if [ $# -gt 0 ]; then
	git worktree add -q --detach "$tmp/rev" "$1"
	(cd "$tmp/rev" && go build -o "$tmp/turtle-rev" ./cmd/turtle)
	measure "turtle $1" "$tmp/turtle-rev"
fi
