//go:build linux

package grade

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/turtle-sniffer/turtle/pcapio"
)

// LiveFile writes the file to hand in, a valid capture even when nothing
// was graded, names the result's student as grading that file does, and
// never writes through a link planted at its name.
func TestLiveFile(t *testing.T) {
	r, err := Lab("udp-echo")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "alice.pcapng")
	opt := LiveOptions{Interface: "lo", Timeout: 200 * time.Millisecond}
	res, err := LiveFile(context.Background(), r, path, opt)
	if errors.Is(err, os.ErrPermission) {
		t.Skipf("capturing on lo needs root or CAP_NET_RAW: %v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	if res.Student != "alice" {
		t.Errorf("student %q, want alice", res.Student)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := pcapio.NewReader(f); err != nil {
		t.Errorf("%s is no capture: %v", path, err)
	}

	if res, err := LiveFile(context.Background(), r, "", opt); err != nil || res.Student != "live" {
		t.Errorf("no file: student %q, %v; want live", res.Student, err)
	}

	target := filepath.Join(dir, "target")
	if err := os.WriteFile(target, []byte("keep"), 0o644); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link.pcapng")
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
	if _, err := LiveFile(context.Background(), r, link, opt); err == nil || !strings.HasPrefix(err.Error(), link+": ") {
		t.Errorf("through a link: %v", err)
	}
	if b, _ := os.ReadFile(target); string(b) != "keep" {
		t.Errorf("the link's target was written: %q", b)
	}
}
