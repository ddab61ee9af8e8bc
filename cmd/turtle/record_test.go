package main

import (
	"path/filepath"
	"strings"
	"testing"
)

func TestRecordList(t *testing.T) {
	code, out, errs := turtle(t, nil, "record", "--list")
	if code != 0 || errs != "" {
		t.Fatalf("exit %d, stderr %q", code, errs)
	}
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	want := []string{"icmp-ping", "tcp-echo", "tcp-echo-concurrent", "tcp-echo-iterative", "udp-echo", "udp-unreachable"}
	if len(lines) != len(want) {
		t.Fatalf("%d scenarios listed, want %d:\n%s", len(lines), len(want), out)
	}
	for i, l := range lines {
		name, about, _ := strings.Cut(l, " ")
		if name != want[i] || strings.TrimSpace(about) == "" {
			t.Errorf("line %d: %q, want %s and what it records", i+1, l, want[i])
		}
	}
}

func TestRecordHelp(t *testing.T) {
	code, out, errs := turtle(t, nil, "record", "--help")
	if code != 0 || errs != "" || !strings.Contains(out, "Example:\n  turtle record udp-echo -o ") {
		t.Fatalf("exit %d, stderr %q, stdout:\n%s", code, errs, out)
	}
}

// Usage errors exit 2 with one line naming what is wrong, before anything
// is captured.
func TestRecordUsageErrors(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"record"}, "no scenario given"},
		{[]string{"record", "udp-echo"}, "-o FILE is required"},
		{[]string{"record", "udp-echo", "tcp-echo", "-o", "x"}, "one scenario at a time"},
		{[]string{"record", "nope", "-o", "x"}, `unknown scenario "nope"`},
		{[]string{"record", "--list", "udp-echo"}, "--list takes no scenario"},
		{[]string{"record", "udp-echo", "-o", "x", "--timeout", "0s"}, "--timeout 0s"},
		{[]string{"record", "udp-echo", "-o", "x", "--attempts", "0"}, "--attempts 0"},
		{[]string{"record", "--bogus"}, "unknown flag: --bogus"},
	} {
		code, out, errs := turtle(t, nil, c.args...)
		if code != 2 || out != "" || strings.Count(errs, "\n") != 1 || !strings.HasPrefix(errs, "turtle record: ") ||
			!strings.Contains(errs, c.want) {
			t.Errorf("%q: exit %d, stdout %q, stderr %q; want 2 and one line with %q", c.args, code, out, errs, c.want)
		}
	}
}

// The bundled capture the README shows: one datagram and its echo.
func TestBundledUDPEcho(t *testing.T) {
	code, out, errs := turtle(t, nil, "read", filepath.Join("..", "..", "testdata", "udp-echo.pcap"))
	if code != 0 || errs != "" {
		t.Fatalf("exit %d, stderr %q", code, errs)
	}
	if n := strings.Count(out, "UDP Segment:"); n != 2 || !strings.Contains(out, "Source Port: 40001, Destination Port: 10001") ||
		!strings.Contains(out, "Source Port: 10001, Destination Port: 40001") {
		t.Errorf("want one datagram to port 10001 and its echo, got:\n%s", out)
	}
}
