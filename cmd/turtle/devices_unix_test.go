//go:build linux

package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Issue 19 item 4: every file a command reads refuses a device (and a
// symlink to one) in one line, instead of reading /dev/zero for ever.
func TestDevicesRefusedEverywhere(t *testing.T) {
	dir := goldenDir(t)
	list := filepath.Join(dir, "golden.list")
	zero := filepath.Join(dir, "zero.golden")
	if err := os.Symlink("/dev/zero", zero); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(list, []byte("raw raw-ip.pcap zero.golden\nzcap zero.golden raw.golden\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"golden", "check", "--manifest", "/dev/zero"}, "turtle golden check: read manifest: open /dev/zero: is a character device, not a file"},
		{[]string{"golden", "check", "--manifest", list, "--only", "raw"}, "zero.golden: is a character device, not a file"},
		{[]string{"golden", "check", "--manifest", list, "--only", "zcap"}, "zero.golden: is a character device, not a file"},
		{[]string{"golden", "update", "--manifest", list, "--only", "zcap"}, "zero.golden: is a character device, not a file"},
		{[]string{"golden", "add", "--manifest", "/dev/urandom", "x", filepath.Join(dir, "raw-ip.pcap")}, "/dev/urandom: is a character device, not a file"},
		{[]string{"grade", "--rubric", "/dev/urandom", dir}, "turtle grade: /dev/urandom: open: is a character device, not a file"},
		{[]string{"grade", "--rubric", "/dev/zero", dir}, "turtle grade: /dev/zero: open: is a character device, not a file"},
		{[]string{"read", "/dev/zero"}, "turtle read: /dev/zero: open: is a character device, not a file"},
		{[]string{"follow", "--list", "/dev/zero"}, "/dev/zero: open: is a character device, not a file"},
		{[]string{"anonymize", "--key-file", "/dev/zero", "-o", filepath.Join(dir, "anon.pcap"), filepath.Join(dir, "raw-ip.pcap")}, "--key-file: open: is a character device, not a file"},
		{[]string{"read", "--format", "parquet", "-o", filepath.Join(dir, "x.parquet"), "/dev/zero"}, "/dev/zero: open: is a character device, not a file"},
		{[]string{"grade", "--rubric", "/dev/zero", "--autograder", "gradescope", "-o", filepath.Join(dir, "ag.zip")}, "/dev/zero: open: is a character device, not a file"},
		{[]string{"draw", "/dev/zero"}, "/dev/zero: open: is a character device, not a file"},
		{[]string{"edit", "-o", filepath.Join(dir, "e.pcap"), "/dev/zero"}, "/dev/zero: open: is a character device, not a file"},
	} {
		code, stdout, stderr := turtle(t, nil, tc.args...)
		stderr += stdout // golden reports a failing case on standard output
		if code != 1 || !strings.Contains(stderr, tc.want) {
			t.Errorf("%q: exit %d, stderr %q; want 1 and %q", tc.args, code, stderr, tc.want)
		}
	}
}
