//go:build unix

package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Issue 19 item 7: a -Z user that does not exist fails before the -w file
// is touched; the file keeps every byte it had.
func TestSniffUnknownUserKeepsOutputFile(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root: -Z is looked up only when turtle starts as root")
	}
	keep := filepath.Join(t.TempDir(), "keep.pcap")
	want := bytes.Repeat([]byte("precious capture "), 100)
	if err := os.WriteFile(keep, want, 0o644); err != nil {
		t.Fatal(err)
	}
	user := fmt.Sprintf("nosuchuser%d", os.Getpid())
	var stdout, stderr bytes.Buffer
	code := runSniff([]string{"-i", "lo", "-c", "1", "-w", keep, "-Z", user}, nil, &stdout, &stderr)
	if code != 1 || !strings.Contains(stderr.String(), "-Z "+user+": no such user") || strings.Count(stderr.String(), "\n") != 1 {
		t.Errorf("exit %d, stderr %q", code, stderr.String())
	}
	if got, err := os.ReadFile(keep); err != nil || !bytes.Equal(got, want) {
		t.Errorf("keep.pcap changed: %d bytes (had %d), %v", len(got), len(want), err)
	}
}
