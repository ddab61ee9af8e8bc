package main

import (
	"regexp"
	"strings"
	"testing"
)

// Issue 24: --help says what a value is (DURATION, N, KiB, FILE...), never
// pflag's Go type.
func TestHelpShowsValueKinds(t *testing.T) {
	raw := regexp.MustCompile(`(?m)^\s+(-\w, )?--[a-z0-9-]+ (string|int|int64|uint|uint16|duration|float|strings|stringArray|ints)\s`)
	for _, c := range []string{"read", "sniff", "ifaces", "record", "grade", "follow", "draw", "replay", "edit", "split",
		"anonymize", "echo udp-server", "echo udp-client", "echo tcp-server", "echo tcp-client", "echo bench",
		"golden check", "golden update", "golden add"} {
		code, out, _ := turtle(t, nil, append(strings.Fields(c), "--help")...)
		if code != 0 {
			t.Errorf("%s --help: exit %d", c, code)
		}
		if m := raw.FindString(out); m != "" {
			t.Errorf("%s --help shows a Go type: %q", c, strings.TrimSpace(m))
		}
	}
}
