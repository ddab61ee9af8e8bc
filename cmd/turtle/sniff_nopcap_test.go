//go:build linux && !pcap

package main

import (
	"bytes"
	"strings"
	"testing"
)

// Until turtle's own filter compiler is wired in, a build without libpcap
// refuses a filter and says which build has one.
func TestSniffFilterNeedsPcapTag(t *testing.T) {
	var stdout, stderr bytes.Buffer
	code := run([]string{"sniff", "-i", "lo", "udp", "port", "53"}, nil, &stdout, &stderr)
	if code != 1 || strings.Count(stderr.String(), "\n") != 1 || !strings.Contains(stderr.String(), "-tags pcap") {
		t.Fatalf("exit %d, stderr %q", code, &stderr)
	}
}
