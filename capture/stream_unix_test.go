//go:build unix

package capture_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/turtle-sniffer/turtle/capture"
)

// TestCreateStream checks that a live capture's file is there from the
// start (not renamed into place at the end), truncates what was there,
// and is never written through a link planted at its name.
func TestCreateStream(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "live.pcap")
	if err := os.WriteFile(path, []byte("old contents"), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := capture.CreateStream(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString("frames"); err != nil {
		t.Fatal(err)
	}
	// Before Close: what was written is at path already.
	if data, err := os.ReadFile(path); err != nil || string(data) != "frames" {
		t.Errorf("while open: %q, %v; want %q at the path itself", data, err, "frames")
	}
	buf := make([]byte, 6)
	if _, err := f.ReadAt(buf, 0); err != nil || string(buf) != "frames" {
		t.Errorf("read back: %q, %v", buf, err)
	}
	f.Close()
	if left, _ := filepath.Glob(filepath.Join(dir, ".*")); len(left) != 0 {
		t.Errorf("left beside it: %v", left)
	}

	target := filepath.Join(dir, "target")
	if err := os.WriteFile(target, []byte("keep me"), 0o644); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link.pcap")
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
	if f, err := capture.CreateStream(link); err == nil || !strings.Contains(err.Error(), "symbolic link") {
		if f != nil {
			f.Close()
		}
		t.Errorf("through a link: %v; want a refusal", err)
	}
	if data, _ := os.ReadFile(target); string(data) != "keep me" {
		t.Errorf("the link's target became %q", data)
	}

	if _, err := capture.CreateStream(dir); err == nil || !strings.Contains(err.Error(), "directory") {
		t.Errorf("a folder: %v", err)
	}
	if _, err := capture.CreateStream(filepath.Join(dir, "no", "such")); err == nil || strings.Contains(err.Error(), "open ") {
		t.Errorf("missing folder: %v; want the cause alone", err)
	}
}
