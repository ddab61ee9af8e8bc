package main

import (
	"bytes"
	"strings"
	"testing"
)

// TestGradeLiveUsage: what --live cannot do is a usage error (exit 2) in
// plain words, before any capture is opened.
func TestGradeLiveUsage(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--live", "--lab", "turtle-sniffer"}, "lab turtle-sniffer grades what a program prints, which a capture cannot show: grade it with --program (or --client), not --live"},
		{[]string{"--live", "--lab", "udp-echo", "--program", "python3 s.py"}, "--live grades a capture as it is made; --program and --client run programs: choose one"},
		{[]string{"--live", "--lab", "udp-echo", "x.pcap"}, "--live captures; it takes no PATH (got x.pcap)"},
		{[]string{"--lab", "udp-echo", "-i", "lo", "x.pcap"}, "--interface goes with --live"},
		{[]string{"--lab", "udp-echo", "--until-done", "x.pcap"}, "--until-done goes with --live"},
		{[]string{"--live", "--lab", "udp-echo", "--timeout", "-1s"}, "--timeout -1s: cannot be negative"},
		{[]string{"--live", "--lab", "udp-echo", "-w", "-"}, "-w -: --live writes the capture to a file"},
		{[]string{"--live"}, "no lab: give --lab LAB or --rubric FILE"},
	} {
		var out, errb bytes.Buffer
		code := runGrade(tc.args, nil, &out, &errb)
		if code != 2 || !strings.Contains(errb.String(), tc.want) || out.Len() != 0 {
			t.Errorf("grade %s: exit %d, stderr %q; want 2 and %q", strings.Join(tc.args, " "), code, errb.String(), tc.want)
		}
	}
}
