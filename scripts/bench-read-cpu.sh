#!/usr/bin/env bash
# The read goals of issue 26, measured with hyperfine on a shared machine:
#   turtle read --format summary   against  tcpdump -nn          (goal 20x)
#   turtle read (turtle text, hex) against  tcpdump -nn -e -x    (goal 50x)
# on the same deterministic IMIX capture (scripts/imixgen), output to
# /dev/null. For each it prints the wall-clock ratio (fastest run of each,
# then the means) and the CPU ratio (user+sys means), which a busy machine
# disturbs much less than wall time. scripts/bench-read.sh is the
# /usr/bin/time version with peak RSS.
#
#   scripts/bench-read-cpu.sh [FRAMES] [RUNS]    # default 1000000 frames, 5 runs
#
# Needs tcpdump, hyperfine and python3 (to read hyperfine's JSON).
set -euo pipefail
cd "$(dirname "$0")/.."
frames=${1:-1000000}
runs=${2:-5}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for tool in tcpdump hyperfine python3; do
  command -v $tool >/dev/null || { echo "$tool not installed: no ratio"; exit 1; }
done
go build -o "$work/turtle" ./cmd/turtle
go build -o "$work/imixgen" ./scripts/imixgen
"$work/imixgen" -n "$frames" -o "$work/imix.pcap"
echo "capture: $frames frames, $(stat -c %s "$work/imix.pcap") bytes; load average: $(cut -d' ' -f1-3 /proc/loadavg)"

pair() { # name goal turtle-args -- tcpdump-args
  local name=$1 goal=$2; shift 2
  local targs=() dargs=()
  while [ "$1" != -- ]; do targs+=("$1"); shift; done; shift
  dargs=("$@")
  hyperfine -N -w 1 -r "$runs" --output=null --export-json "$work/$name.json" \
    "$work/turtle ${targs[*]} $work/imix.pcap" "tcpdump ${dargs[*]} -r $work/imix.pcap" >/dev/null 2>&1
  python3 - "$work/$name.json" "$name" "$goal" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))["results"]
t, d = r[0], r[1]
cpu = lambda x: x["user"] + x["system"]
print(f"{sys.argv[2]}: turtle {t['min']:.3f} s best, {t['mean']:.3f} s mean, {cpu(t):.3f} s CPU;"
      f" tcpdump {d['min']:.3f} s best, {d['mean']:.3f} s mean, {cpu(d):.3f} s CPU")
print(f"  ratio: wall {d['min']/t['min']:.1f}x (best), {d['mean']/t['mean']:.1f}x (means);"
      f" CPU {cpu(d)/cpu(t):.1f}x (goal: {sys.argv[3]}x wall)")
PY
}
pair summary 20 read --format summary -- -nn
pair turtle 50 read -- -nn -e -x
