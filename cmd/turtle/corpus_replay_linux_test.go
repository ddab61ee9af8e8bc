//go:build linux

package main

import (
	"strings"
	"testing"

	"github.com/turtle-sniffer/turtle/internal/testcorpus"
	"github.com/turtle-sniffer/turtle/live/livetest"
)

// Every capture of tcpdump's corpus, and damaged copies of some, replay
// out of a veth of a namespace this test makes, without a panic: the run
// goes through every file, each line on stderr names the command and is
// about one file (a link type refused, a frame the device refused, the
// damage) or is the final count.
func TestReplayCorpus(t *testing.T) {
	files := testcorpus.Files(t, "*.pcap*")
	livetest.RequireRoot(t)
	files = append(files, damagedCopies(t, files, t.TempDir())...)
	a, _ := livetest.Pair(t)
	code, stderr := replayIn(t, a, append([]string{"-i", "a0", "--topspeed"}, files...)...)
	sent, _, failed := parseFinal(t, stderr)
	lines := strings.SplitAfter(strings.TrimSuffix(stderr, "\n"), "\n")
	for _, line := range lines[:len(lines)-1] {
		if !strings.HasPrefix(line, "turtle replay: ") || !strings.Contains(line, ".pcap") {
			t.Errorf("line %q", line)
		}
	}
	if code != 1 || sent < 5000 {
		t.Errorf("exit %d, %d frames sent, %d failed; stderr:\n%s", code, sent, failed, stderr)
	}
	t.Logf("%d files: %d frames sent, %d refused by the device, %d lines on stderr", len(files), sent, failed, len(lines))
}
