package grade

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Real recordings (testdata/recorded/README.md) grade as the forged
// sessions do: a threaded server is concurrent, an iterative one is not,
// and loopback's offloaded checksums raise no warning.
func TestRecordedCaptures(t *testing.T) {
	for _, tc := range []struct {
		file, lab string
		score     float64
		failed    string // prefix of the one failed check's message
	}{
		{"tcp-echo-threaded-lo.pcap", "tcp-echo", 10, ""},
		{"tcp-echo-threaded-lo.pcap", "tcp-concurrent", 10, ""},
		{"tcp-echo-threaded-lo.pcap", "tcp-iterative", 5, "iterative: 3 simultaneous requests (frames 4, 9 and 14) were answered together"},
		{"tcp-echo-iterative-any.pcap", "tcp-echo", 10, ""},
		{"tcp-echo-iterative-any.pcap", "tcp-iterative", 10, ""},
		{"tcp-echo-iterative-any.pcap", "tcp-concurrent", 5, "concurrent: 3 simultaneous requests (frames 4, 9 and 14) were answered one after another"},
		{"udp-echo-lo.pcapng", "udp-echo", 10, ""},
		{"udp-echo-lo.pcapng", "sniffer", 3, "frames: the capture has 2 IP frames; the lab needs 10"},
	} {
		t.Run(tc.file+"/"+tc.lab, func(t *testing.T) {
			res := checkRecording(t, filepath.Join("testdata", "recorded", tc.file), tc.lab, tc.score, tc.failed)
			if len(res.Warnings)+len(res.Notes) > 0 {
				t.Errorf("warnings %q notes %q on a clean recording", res.Warnings, res.Notes)
			}
		})
	}
}

// The project's own fixtures, recorded by `turtle record` (../testdata),
// grade as their scenarios say: each lab's own recording scores full marks,
// and the concurrent and iterative recordings fail each other's lab.
func TestTurtleRecordFixtures(t *testing.T) {
	for _, tc := range []struct {
		file, lab string
		score     float64
		failed    string
	}{
		{"udp-echo.pcap", "udp-echo", 10, ""},
		{"tcp-echo.pcap", "tcp-echo", 10, ""},
		{"tcp-echo-concurrent.pcap", "tcp-echo", 10, ""},
		{"tcp-echo-concurrent.pcap", "tcp-concurrent", 10, ""},
		{"tcp-echo-concurrent.pcap", "tcp-iterative", 5, "iterative: 3 simultaneous requests"},
		{"tcp-echo-iterative.pcap", "tcp-iterative", 10, ""},
		{"tcp-echo-iterative.pcap", "tcp-concurrent", 5, "concurrent: 3 simultaneous requests"},
		{"icmp-ping.pcap", "ping", 10, ""},
		{"udp-unreachable.pcap", "udp-echo", 4, "echo: "},
	} {
		t.Run(tc.file+"/"+tc.lab, func(t *testing.T) {
			checkRecording(t, filepath.Join("..", "testdata", tc.file), tc.lab, tc.score, tc.failed)
		})
	}
}

// checkRecording grades the capture at path against lab and checks the
// score and the start of the first failed check's message ("" for none).
func checkRecording(t *testing.T, path, lab string, score float64, failed string) Result {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	res := gradeBytes(t, mustLab(t, lab), data)
	var got []string
	for _, c := range res.Failed() {
		got = append(got, c.ID+": "+c.Message)
	}
	if res.Score != score || (failed == "") != (len(got) == 0) ||
		(failed != "" && !strings.HasPrefix(got[0], failed)) {
		t.Errorf("score %v, failed %q; want %v and %q", res.Score, got, score, failed)
	}
	return res
}
