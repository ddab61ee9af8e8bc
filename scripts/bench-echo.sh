#!/usr/bin/env bash
# bench-echo.sh measures turtle echo's TCP servers on loopback (issue 5):
#
#   lesson      the delay lesson: 50 clients, --delay 1s, wall time per mode
#               (and the classroom's Python servers with the same delay)
#   c10k        event and pool hold 10,000 connections, each gets its echo
#               after --delay 1s; connect and completion time, server peak RSS
#   throughput  100 clients x 1,000 messages of 1 KiB, no delay, every mode
#               next to a goroutine-per-connection io.Copy server
#               (scripts/echo-iocopy; io.Copy splices between TCP sockets,
#               io.Copy-rw copies with read/write) and the classroom's Python servers
#               (scripts/echo_threaded.py, scripts/echo_eventlet.py)
#
# Usage: scripts/bench-echo.sh [lesson] [c10k] [throughput]    (default: all)
# Environment: TURTLE=path of a turtle binary (default: built here),
#   REPEAT=throughput rounds, the median is reported (default 5),
#   PORT_BASE=first loopback port used (default 23000).
# Every run is bounded by `timeout`; only 127.0.0.1 is used. The whole script
# takes about 1.5 minutes, most of it the iterative server's 50 s lesson.
set -euo pipefail

cd "$(dirname "$0")/.."
sections=("$@")
[ ${#sections[@]} -eq 0 ] && sections=(lesson c10k throughput)
REPEAT=${REPEAT:-5}
port=${PORT_BASE:-23000}
tmp=$(mktemp -d)
server_pid=
started=() # every server this script started, killed on exit if still running

cleanup() {
	local p
	for p in "${started[@]}"; do kill -KILL "$p" 2>/dev/null || true; done
	rm -rf "$tmp"
}
trap cleanup EXIT

# The c10k run needs ~10,000 descriptors in the server and as many in the
# bench: raise the soft limit to the hard one (Go programs also do this
# themselves at start-up; Python does not).
ulimit -n "$(ulimit -Hn)"
echo "# $(date -u +%FT%TZ) $(nproc) cores, RLIMIT_NOFILE $(ulimit -n), somaxconn $(cat /proc/sys/net/core/somaxconn 2>/dev/null || echo ?)"

TURTLE=${TURTLE:-}
if [ -z "$TURTLE" ]; then
	TURTLE=$tmp/turtle
	CGO_ENABLED=0 go build -o "$TURTLE" ./cmd/turtle
fi
CGO_ENABLED=0 go build -o "$tmp/iocopy" ./scripts/echo-iocopy

PY=/usr/bin/python3 # Debian's interpreter: the one python3-eventlet is installed for
have_eventlet=no
if $PY -c 'import eventlet' 2>/dev/null; then
	have_eventlet=yes
elif [ "$(id -u)" = 0 ] && apt-get install -y python3-eventlet >"$tmp/apt.log" 2>&1 && $PY -c 'import eventlet' 2>/dev/null; then
	have_eventlet=yes
else
	echo "# python3-eventlet unavailable (apt-get install -y python3-eventlet): skipping the eventlet server"
fi
have_python=no
[ -x $PY ] && have_python=yes

next_port() { port=$((port + 2)); }

# start_server NAME DELAY: starts the server called NAME on $port (stats on
# $port+1 for turtle modes) and waits until it listens.
start_server() {
	local name=$1 delay=$2
	case $name in
	iterative | threaded | pool | event)
		"$TURTLE" echo tcp-server --addr "127.0.0.1:$port" --mode "$name" --delay "$delay" \
			--idle-timeout 2m --stats-addr "127.0.0.1:$((port + 1))" >"$tmp/server.log" 2>&1 &
		;;
	io.Copy) "$tmp/iocopy" -addr "127.0.0.1:$port" >"$tmp/server.log" 2>&1 & ;;
	io.Copy-rw) "$tmp/iocopy" -rw -addr "127.0.0.1:$port" >"$tmp/server.log" 2>&1 & ;;
	py-threaded) $PY scripts/echo_threaded.py "$port" "${delay%s}" >"$tmp/server.log" 2>&1 & ;;
	py-eventlet) $PY scripts/echo_eventlet.py "$port" "${delay%s}" >"$tmp/server.log" 2>&1 & ;;
	esac
	server_pid=$!
	started+=("$server_pid")
	for _ in $(seq 200); do
		if ss -Hltn "sport = :$port" | grep -q .; then return 0; fi
		sleep 0.05
	done
	echo "server $name did not start:" >&2
	cat "$tmp/server.log" >&2
	exit 1
}

# peak_rss_mb prints the server's peak resident set (VmHWM) in MB.
peak_rss_mb() { awk '/^VmHWM/ {printf "%.0f", $2 / 1024}' "/proc/$server_pid/status"; }

stop_server() {
	kill -TERM "$server_pid" 2>/dev/null || true
	for _ in $(seq 100); do
		kill -0 "$server_pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$server_pid" 2>/dev/null || true
	wait "$server_pid" 2>/dev/null || true
	server_pid=
	next_port
}

# to_us turns a Go duration (850µs, 1.2ms, 2s) into microseconds.
to_us() {
	awk '{v = $1 + 0; u = $1; sub(/^[0-9.]+/, "", u)
		if (u == "ns") v /= 1000; else if (u == "ms") v *= 1000; else if (u == "s") v *= 1e6
		printf "%.0f\n", v}'
}

# bench NAME ARGS...: runs turtle echo bench against $port; leaves its
# output in $tmp/bench.out and sets completed failed wall connect rate peak,
# and p50 p99 in microseconds.
bench() {
	local name=$1
	shift
	local stats=()
	case $name in iterative | threaded | pool | event) stats=(--stats-addr "127.0.0.1:$((port + 1))") ;; esac
	timeout 600 "$TURTLE" echo bench --addr "127.0.0.1:$port" --proto tcp "${stats[@]}" "$@" >"$tmp/bench.out" 2>"$tmp/bench.err" || true
	completed=$(awk '/^completed/ {print $2+0}' "$tmp/bench.out")
	failed=$(awk '/^completed/ {print $4+0}' "$tmp/bench.out")
	connect=$(awk '/^connect/ {sub(",", "", $2); print $2}' "$tmp/bench.out")
	wall=$(awk '/^connect/ {sub(",", "", $4); print $4}' "$tmp/bench.out")
	rate=$(awk '/^connect/ {print $5}' "$tmp/bench.out")
	p50=$(awk '/^latency/ {sub(",", "", $3); print $3}' "$tmp/bench.out" | to_us)
	p99=$(awk '/^latency/ {print $5}' "$tmp/bench.out" | to_us)
	peak=$(awk '/^server peak/ {print $3}' "$tmp/bench.out")
	: "${completed:=0}" "${failed:=all}" "${connect:=-}" "${wall:=-}" "${rate:=0}" "${p50:=-}" "${p99:=-}" "${peak:=-}"
	if [ -s "$tmp/bench.err" ]; then sed 's/^/    # /' "$tmp/bench.err"; fi
}

python_servers() {
	[ $have_python = yes ] && echo py-threaded
	[ $have_eventlet = yes ] && echo py-eventlet
	return 0
}

lesson() {
	echo
	echo "## delay lesson: 50 clients, 1 message of 64 B each, server --delay 1s"
	printf "%-12s %10s %9s %7s %5s\n" server wall completed failed peak
	for name in iterative threaded pool event $(python_servers); do
		start_server "$name" 1s
		bench "$name" --clients 50 --messages 1 --size 64 --timeout 120s
		printf "%-12s %10s %9s %7s %5s\n" "$name" "$wall" "$completed" "$failed" "$peak"
		stop_server
	done
}

c10k() {
	echo
	echo "## c10k: 10,000 connections opened at 4,000/s, then each sends 64 B; server --delay 1s"
	printf "%-10s %9s %10s %9s %7s %6s %12s\n" server connect wall completed failed peak peak_RSS_MB
	for name in event pool; do
		start_server "$name" 1s
		bench "$name" --clients 10000 --messages 1 --size 64 --rate 4000 --timeout 120s
		printf "%-10s %9s %10s %9s %7s %6s %12s\n" "$name" "$connect" "$wall" "$completed" "$failed" "$peak" "$(peak_rss_mb)"
		stop_server
	done
}

# cpu_ticks prints the CPU time (user+system, clock ticks) the server used so far.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

throughput() {
	echo
	echo "## throughput: 100 clients x 1,000 messages of 1 KiB, no delay; $REPEAT rounds, servers taken"
	echo "## in turn each round (so passing load hits all alike), median reported; cpu = server CPU per message"
	local names=(io.Copy io.Copy-rw iterative threaded pool event $(python_servers))
	local -A ports pids rates cpus lat50 lat99
	local name i t0 r c
	for name in "${names[@]}"; do
		start_server "$name" 0s
		ports[$name]=$port
		pids[$name]=$server_pid
		server_pid=
		next_port
	done
	for i in $(seq "$REPEAT"); do
		for name in "${names[@]}"; do
			port=${ports[$name]}
			t0=$(cpu_ticks "${pids[$name]}")
			bench "$name" --clients 100 --messages 1000 --size 1024 --timeout 300s
			c=$(($(cpu_ticks "${pids[$name]}") - t0))
			rates[$name]+="$rate "
			cpus[$name]+="$(awk -v c="$c" -v t="$(getconf CLK_TCK)" 'BEGIN {printf "%.1f", c / t * 1e6 / 100000}') "
			lat50[$name]+="$p50 "
			lat99[$name]+="$p99 "
		done
	done
	for name in "${names[@]}"; do
		server_pid=${pids[$name]}
		stop_server
	done
	median() { tr ' ' '\n' | grep . | sort -n | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}'; }
	local ref
	ref=$(echo "${rates[io.Copy]}" | median)
	printf "%-12s %9s %9s %9s %9s %11s   %s\n" server msg/s vs_io.Copy p50 p99 cpu_us/msg "all runs (msg/s)"
	for name in "${names[@]}"; do
		r=$(echo "${rates[$name]}" | median)
		printf "%-12s %9s %9s %9s %9s %11s   %s\n" "$name" "$r" \
			"$(awk -v a="$r" -v b="$ref" 'BEGIN {if (b > 0) printf "%.0f%%", 100 * a / b; else print "-"}')" \
			"$(echo "${lat50[$name]}" | median)us" \
			"$(echo "${lat99[$name]}" | median)us" \
			"$(echo "${cpus[$name]}" | median)" "${rates[$name]}"
	done
}

for s in "${sections[@]}"; do
	case $s in
	lesson | c10k | throughput) "$s" ;;
	*)
		echo "unknown section $s (want lesson, c10k or throughput)" >&2
		exit 2
		;;
	esac
done
