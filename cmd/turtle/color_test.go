package main

import (
	"bytes"
	"strings"
	"testing"

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
