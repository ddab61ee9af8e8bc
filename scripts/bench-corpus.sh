#!/usr/bin/env bash
# Times the corpus tools against the tools a user would otherwise pick, on
# the same deterministic IMIX captures, with each one's peak RSS:
#   turtle edit --frames      vs  editcap -r
#   turtle edit (merge of 2)  vs  mergecap
#   turtle anonymize          frames per second on one core (taskset -c 0)
# and peak RSS of edit, merge and anonymize at a fifth of the frames, to show
# that memory does not grow with the capture.
#
#   scripts/bench-corpus.sh [FRAMES]      # default 1000000
#
# Needs editcap and mergecap (apt-get install tshark) and GNU time
# (/usr/bin/time). Each figure is the best of three runs.
set -euo pipefail
cd "$(dirname "$0")/.."
frames=${1:-1000000}
small=$((frames / 5))
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

go build -o "$work/turtle" ./cmd/turtle
go build -o "$work/imixgen" ./scripts/imixgen
"$work/imixgen" -n "$frames" -o "$work/a.pcap"
"$work/imixgen" -n "$frames" -o "$work/b.pcap"
"$work/imixgen" -n "$small" -o "$work/small.pcap"
printf '%064d\n' 7 >"$work/key"
echo "captures: 2 x $frames frames, $(stat -c %s "$work/a.pcap") bytes each; load average: $(cut -d' ' -f1-3 /proc/loadavg)"

measure() { # name command...: prints "name seconds peak-KB cpu-seconds"
  local name=$1; shift
  /usr/bin/time -f "$name %e %M %U %S" -o "$work/time.$name" "$@" >/dev/null 2>"$work/err.$name"
  awk '{printf "%s %s %s %.2f\n", $1, $2, $3, $4 + $5}' "$work/time.$name"
}
best() {
  local name=$1; shift
  for _ in 1 2 3; do measure "$name" "$@"; done | sort -k2 -n | head -1
}
show() { # label "name seconds KB cpu" frames
  echo "$2" | awk -v l="$1" -v n="$3" '{printf "%-28s %6.2f s (cpu %5.2f s)  %6.1f MB peak  %5.2f M frames/s\n", l, $2, $4, $3/1024, n/$2/1e6}'
}
ratio() { awk -v a="$(echo "$1" | cut -d' ' -f2)" -v b="$(echo "$2" | cut -d' ' -f2)" 'BEGIN{printf "%.2f", a/b}'; }

# a selection that reads the whole file: the first quarter and the second half
sel="1-$((frames / 4)),$((frames / 2))-"
esel=("1-$((frames / 4))" "$((frames / 2))-$frames")
t=$(best edit "$work/turtle" edit --frames "$sel" --to-format pcap -o "$work/t.pcap" "$work/a.pcap")
show "turtle edit --frames" "$t" "$frames"
if command -v editcap >/dev/null; then
  e=$(best editcap editcap -F pcap -r "$work/a.pcap" "$work/e.pcap" "${esel[@]}")
  show "editcap -r" "$e" "$frames"
  echo "  edit: turtle is $(ratio "$e" "$t")x editcap's speed (target: at least 1)"
fi
t=$(best merge "$work/turtle" edit --to-format pcap -o "$work/t.pcap" "$work/a.pcap" "$work/b.pcap")
show "turtle edit (merge of 2)" "$t" $((2 * frames))
if command -v mergecap >/dev/null; then
  m=$(best mergecap mergecap -F pcap -w "$work/m.pcap" "$work/a.pcap" "$work/b.pcap")
  show "mergecap" "$m" $((2 * frames))
  echo "  merge: turtle is $(ratio "$m" "$t")x mergecap's speed (target: at least 1)"
fi
one=()
command -v taskset >/dev/null && one=(taskset -c 0)
t=$(best anonymize "${one[@]}" "$work/turtle" anonymize --key-file "$work/key" --macs -o "$work/t.pcap" "$work/a.pcap")
show "turtle anonymize (1 core)" "$t" "$frames"
echo "$t" | awk -v n="$frames" '{printf "  anonymize: %.2f M frames per CPU second (user+sys, which a busy machine does not inflate; target: at least 1)\n", n/$4/1e6}'
rm -f "$work/t.pcap" "$work/e.pcap" "$work/m.pcap"

echo "peak RSS at $small and $frames frames per input (flat memory: the same):"
rss() { # label small-inputs large-inputs command...
  local label=$1 si=$2 li=$3; shift 3
  # shellcheck disable=SC2086
  s=$(measure rss "$work/turtle" "$@" -o "$work/t.pcap" $si | cut -d' ' -f3)
  # shellcheck disable=SC2086
  l=$(measure rss "$work/turtle" "$@" -o "$work/t.pcap" $li | cut -d' ' -f3)
  printf '  %-30s %6.1f MB  %6.1f MB\n' "$label" "$(awk -v k="$s" 'BEGIN{print k/1024}')" "$(awk -v k="$l" 'BEGIN{print k/1024}')"
}
rss "turtle edit --frames" "$work/small.pcap" "$work/a.pcap" edit --frames "$sel"
rss "turtle edit (merge of 2)" "$work/small.pcap $work/small.pcap" "$work/a.pcap $work/b.pcap" edit
rss "turtle anonymize" "$work/small.pcap" "$work/a.pcap" anonymize --key-file "$work/key" --macs
