#!/usr/bin/env bash
# bench-grade-programs.sh: wall time of `turtle grade --program` on the class
# notes' Turtle Sniffer (grade/programs/testdata/turtle-sniffer): one
# submission, then N copies (default 50) with --jobs 2; then proof that
# nothing was left behind, also after a run stopped with SIGINT (Ctrl-C):
# no network namespace, no veth, no process of a sandbox uid (60100-60899),
# no private folder, no control group. Needs root and python3 (and
# bubblewrap for the mount namespaces). Every submission scores 10/10 or the
# script fails.
#
#   sudo scripts/bench-grade-programs.sh
#   N=20 JOBS=4 sudo scripts/bench-grade-programs.sh
set -euo pipefail
cd "$(dirname "$0")/.."
N=${N:-50}
JOBS=${JOBS:-2}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

go build -o "$tmp/turtle" ./cmd/turtle
for i in $(seq -w 1 "$N"); do
	mkdir -p "$tmp/class/student$i"
	cp grade/programs/testdata/turtle-sniffer/sniffer.py "$tmp/class/student$i/"
done

netns_before=$(ip netns list | awk '{print $1}' | sort)
sandboxed() { ps -e -o uid=,pid=,args= | awk '$1 >= 60100 && $1 < 60900'; }
state() { # what a run could leave behind (other programs' namespaces may come and go)
	echo "  ip netns entries not there before: [$(comm -13 <(echo "$netns_before") <(ip netns list | awk '{print $1}' | sort) | tr '\n' ' ')]"
	echo "  veth of turtle's on the host: [$(ip -o link show | awk -F': ' '{print $2}' | grep -E '^tg[ab]' | tr '\n' ' ' || true)]"
	echo "  processes of sandbox uids: [$(sandboxed | tr '\n' ' ' || true)]"
	echo "  private folders: [$(ls -d "${TMPDIR:-/tmp}"/turtle-grade-* 2>/dev/null | tr '\n' ' ' || true)]"
	echo "  control groups: [$(find /sys/fs/cgroup -maxdepth 5 -name 'turtle-sandbox-*' 2>/dev/null | tr '\n' ' ' || true)]"
}

run() { # label, then folders
	local label=$1
	shift
	local t0 t1
	t0=$(date +%s.%N)
	"$tmp/turtle" grade --lab turtle-sniffer --program 'python3 sniffer.py' --jobs "$JOBS" "$@" >"$tmp/table.txt" 2>"$tmp/stderr.txt"
	t1=$(date +%s.%N)
	local full
	full=$(grep -c ' 10/10 ' "$tmp/table.txt" || true)
	echo "$label: $(echo "$t1 - $t0" | bc) s wall, $full of $# submissions 10/10"
	[ "$full" -eq "$#" ] || { cat "$tmp/table.txt"; exit 1; }
}

echo "before:"
state
"$tmp/turtle" grade --lab turtle-sniffer --program 'python3 sniffer.py' "$tmp/class/student$(seq -w 1 "$N" | head -n 1)" 2>&1 >/dev/null | head -n 1 # warms the caches; prints what holds
run "1 sniffer" "$tmp/class/student$(seq -w 1 "$N" | head -n 1)"
run "$N sniffers, --jobs $JOBS" "$tmp/class"/*
echo "after the runs:"
state

"$tmp/turtle" grade --lab turtle-sniffer --program 'python3 sniffer.py' --jobs "$JOBS" "$tmp/class"/* >"$tmp/table.txt" 2>"$tmp/stderr.txt" &
pid=$!
sleep 2
echo "while grading (turtle pid $pid): $(sandboxed | grep -c 'python3 sniffer.py' || true) sniffers running, $(ls -d "${TMPDIR:-/tmp}"/turtle-grade-"$pid"-* 2>/dev/null | wc -l) private folders"
kill -INT "$pid"
t0=$(date +%s.%N)
code=0
wait "$pid" || code=$?
t1=$(date +%s.%N)
echo "SIGINT: turtle exited $code after $(echo "$t1 - $t0" | bc) s; $(grep -c ' 10/10 ' "$tmp/table.txt" || true) graded before, the rest scored 0 ($(tail -n 1 "$tmp/stderr.txt"))"
echo "after SIGINT:"
state
