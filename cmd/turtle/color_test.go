package main

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/turtle-sniffer/turtle/internal/fixtures"
)

func protocolsFile(t *testing.T) string {
	t.Helper()
	var buf bytes.Buffer
	if err := fixtures.Write(&buf, fixtures.ProtocolsCapture(), fixtures.PcapNano); err != nil {
		t.Fatal(err)
	}
	return writeTemp(t, "protocols.pcap", buf.Bytes())
}

func TestReadColor(t *testing.T) {
	path := protocolsFile(t)
	for _, tc := range []struct {
		mode    string
		noColor bool
		want    bool
	}{
		{"always", false, true},
		{"always", true, true}, // an explicit flag wins over NO_COLOR
		{"never", false, false},
		{"auto", false, false}, // the output is not a terminal
	} {
		if tc.noColor {
			t.Setenv("NO_COLOR", "1")
		}
		code, out, errs := turtle(t, nil, "read", "--format", "verbose", "--color", tc.mode, path)
		if code != 0 || errs != "" || strings.Contains(out, "\x1b[") != tc.want {
			t.Errorf("--color %s (NO_COLOR %v): exit %d, stderr %q, colour %v", tc.mode, tc.noColor, code, errs, !tc.want)
		}
	}
	// Only verbose colours.
	code, out, _ := turtle(t, nil, "read", "--format", "summary", "--color", "always", path)
	if code != 0 || strings.Contains(out, "\x1b") {
		t.Errorf("summary coloured: exit %d", code)
	}
	code, _, errs := turtle(t, nil, "read", "--color", "sometimes", path)
	if code != 2 || !strings.Contains(errs, `unknown --color "sometimes"`) {
		t.Errorf("bad --color: exit %d, %q", code, errs)
	}
}

func TestColorWantedAuto(t *testing.T) {
	var buf bytes.Buffer
	if on, err := colorWanted("auto", &buf, false); on || err != nil {
		t.Errorf("auto on a buffer: %v, %v", on, err)
	}
	if on, _ := colorWanted("always", &buf, true); !on {
		t.Error("always with -o: off")
	}
}

// Every format reads back the frames of a file through turtle read.
func TestReadNewFormats(t *testing.T) {
	path := protocolsFile(t)
	n := len(fixtures.Protocols())
	for _, format := range []string{"verbose", "summary", "json"} {
		code, out, errs := turtle(t, nil, "read", "--format", format, path)
		if code != 0 || errs != "" {
			t.Fatalf("%s: exit %d, stderr %q", format, code, errs)
		}
		var got int
		switch format {
		case "verbose":
			got = strings.Count(out, "\nFrame ") + 1
		default:
			got = strings.Count(out, "\n")
		}
		if got != n {
			t.Errorf("%s: %d frames, want %d", format, got, n)
		}
	}
}

func TestProgressLine(t *testing.T) {
	var buf bytes.Buffer
	if newProgress(&buf, &buf).on {
		t.Fatal("progress on for a buffer")
	}
	p := &progress{w: &buf, on: true}
	p.begin("big\x1b.pcap", 8_000_000)
	p.bytes, p.n = 5_000_000, 1234
	p.tick() // not yet due
	if buf.Len() != 0 {
		t.Fatalf("drawn before it was due: %q", buf.String())
	}
	p.next = time.Time{}
	p.tick()
	if got := buf.String(); !strings.HasPrefix(got, "\r\x1b[Kturtle read: big\\x1b.pcap  1234 frames  5.0 of 8.0 MB (62%)  ") || !strings.HasSuffix(got, " MB/s") {
		t.Errorf("line %q", got)
	}
	buf.Reset()
	p.end()
	if buf.String() != "\r\x1b[K" {
		t.Errorf("not erased: %q", buf.String())
	}
	// Small captures get no line.
	buf.Reset()
	p.begin("small.pcap", 100_000)
	p.bytes, p.next = 100_000, time.Time{}
	p.tick()
	p.end()
	if buf.Len() != 0 {
		t.Errorf("small capture drew %q", buf.String())
	}
}
