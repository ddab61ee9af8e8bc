#!/bin/sh
# Regenerates the fixtures that `turtle record` made (testdata/*.pcap and
# their goldens, listed under "Recorded" in testdata/golden.list). Needs
# root (a network namespace and a packet socket). Run from anywhere.
set -eu
cd "$(dirname "$0")/.."
go build -o "${TMPDIR:-/tmp}/turtle-record.$$" ./cmd/turtle
trap 'rm -f "${TMPDIR:-/tmp}/turtle-record.$$"' EXIT
names="udp-echo tcp-echo tcp-echo-concurrent tcp-echo-iterative icmp-ping udp-unreachable"
only=""
for name in $names; do
	"${TMPDIR:-/tmp}/turtle-record.$$" record "$name" -o "testdata/$name.pcap"
	only="$only --only $name"
done
# The goldens belong to the manifest (testdata/golden.list): it rewrites them.
"${TMPDIR:-/tmp}/turtle-record.$$" golden update $only
