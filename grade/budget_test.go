package grade

import (
	"bytes"
	"strings"
	"testing"
)

// Issue 19, item 1: 4,096 connections each sending 64 KB never echoed are
// graded within the capture's budget (the bytes awaiting echoes never pass
// pendBudget), with a note and a review reason saying the capture was too
// large to grade fully. The capture is built here, streaming.
// scripts/bench-grade-memory.sh measures the peak RSS of the same input.
func TestUnechoedFloodStaysInBudget(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("writes and grades 270 MB of capture: not with -short or the race detector (it runs no goroutines)")
	}
	var gz bytes.Buffer
	if err := WriteUnechoedFlood(&gz, 4096, 64<<10); err != nil {
		t.Fatal(err)
	}
	cr, err := compile(mustLab(t, "tcp-echo"))
	if err != nil {
		t.Fatal(err)
	}
	res, c := cr.gradeCapture("flood.pcap.gz", bytes.NewReader(gz.Bytes()))
	if b := c.tcp.budget; !b.over || b.peak > pendBudget {
		t.Errorf("budget over %v, peak %d bytes; want over, peak at most %d", b.over, b.peak, pendBudget)
	}
	found := false
	for _, r := range res.Review {
		found = found || strings.HasPrefix(r, "capture too large to grade fully: ")
	}
	if !found || res.Checks[2].Passed {
		t.Errorf("review %q, echo %+v; want the budget's reason and the echo failed (never echoed)", res.Review, res.Checks[2])
	}
}
