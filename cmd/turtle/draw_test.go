package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestDrawCommand(t *testing.T) {
	code, out, errs := turtle(t, nil, "draw", "--help")
	if code != 0 || errs != "" || !strings.Contains(out, "Example:\n  turtle draw --format text testdata/tcp-echo.pcap") {
		t.Errorf("--help: exit %d, stderr %q\n%s", code, errs, out)
	}
	const capture = "../../testdata/tcp-echo.pcap"
	code, out, errs = turtle(t, nil, "draw", "--format", "text", capture)
	if code != 0 || errs != "" || !strings.Contains(out, "    2  0.000017") || !strings.Contains(out, `"Hello turtle" (12 B)`) {
		t.Errorf("text: exit %d, stderr %q\n%s", code, errs, out)
	}
	code, out, _ = turtle(t, nil, "draw", "--format", "text", "--ascii", "--kind", "timeline", capture)
	if code != 0 || !strings.Contains(out, "echo after") || strings.ContainsFunc(out, func(r rune) bool { return r > 0x7e }) {
		t.Errorf("ascii timeline: exit %d\n%s", code, out)
	}
	code, out, _ = turtle(t, nil, "draw", "--format", "mermaid", "-f", "tcp[tcpflags] & tcp-syn != 0", capture)
	if code != 0 || !strings.HasPrefix(out, "sequenceDiagram\n") || strings.Count(out, "->>") != 2 {
		t.Errorf("mermaid -f: exit %d\n%s", code, out)
	}
	svg := filepath.Join(t.TempDir(), "ladder.svg")
	code, out, errs = turtle(t, nil, "draw", "-o", svg, capture)
	data, err := os.ReadFile(svg)
	if code != 0 || out != "" || errs != "" || err != nil || !strings.HasPrefix(string(data), "<svg ") {
		t.Errorf("-o: exit %d, stdout %q, stderr %q, %v", code, out, errs, err)
	}
	code, out, _ = turtle(t, nil, "draw", "--format", "text", "--max-frames", "3", capture)
	if code != 0 || !strings.Contains(out, "8 more frames not drawn: at most 3 arrows (--max-frames)") {
		t.Errorf("--max-frames 3: exit %d\n%s", code, out)
	}
	for _, c := range []struct {
		args []string
		code int
		err  string
	}{
		{[]string{"draw"}, 2, "want one capture file"},
		{[]string{"draw", "--kind", "pie", capture}, 2, `unknown --kind "pie"`},
		{[]string{"draw", "--format", "png", capture}, 2, `unknown --format "png"`},
		{[]string{"draw", "--ascii", capture}, 2, "--ascii is for --format text"},
		{[]string{"draw", "--max-frames", "0", capture}, 2, "--max-frames 0"},
		{[]string{"draw", "-f", "tcp port", capture}, 2, "turtle draw:"},
		{[]string{"draw", "--stream", "7", capture}, 1, "no TCP stream 7"},
		{[]string{"draw", "no-such.pcap"}, 1, "no-such.pcap"},
	} {
		code, _, errs := turtle(t, nil, c.args...)
		if code != c.code || !strings.Contains(errs, c.err) || strings.Count(errs, "\n") != 1 {
			t.Errorf("%q: exit %d, stderr %q; want %d and %q", c.args, code, errs, c.code, c.err)
		}
	}
}
