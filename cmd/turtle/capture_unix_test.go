//go:build unix

package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/turtle-sniffer/turtle/replay"
)

// Issue 24: a named pipe with no writer is refused at once by every
// command that reads captures (opening it would wait for a writer without
// end), instead of hanging.
func TestFIFODoesNotHang(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "f.pcap")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	key := filepath.Join(dir, "key")
	turtleOK(t, "anonymize", "--new-key", key)
	for _, args := range [][]string{
		{"read", fifo},
		{"read", "--format", "parquet", "-o", filepath.Join(dir, "o.parquet"), fifo},
		{"edit", "-o", filepath.Join(dir, "o.pcap"), fifo},
		{"anonymize", "--key-file", key, "-o", filepath.Join(dir, "a.pcap"), fifo},
		{"follow", "--list", fifo},
		{"draw", "--format", "text", fifo},
	} {
		done := make(chan struct{})
		var code int
		var errs string
		go func() {
			code, _, errs = turtle(t, nil, args...)
			close(done)
		}()
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			// Let the goroutine go: a writer ends its open.
			if w, err := os.OpenFile(fifo, os.O_WRONLY, 0); err == nil {
				w.Close()
			}
			t.Fatalf("turtle %s hangs on a FIFO", strings.Join(args, " "))
		}
		if code != 1 || !strings.Contains(errs, "is a named pipe (FIFO), not a file") {
			t.Errorf("turtle %s: exit %d, %q; want 1 and the FIFO named", strings.Join(args, " "), code, errs)
		}
	}
	// A pipe with no name (a shell's <(zcat a.pcap.gz)) is still read.
	if _, err := os.Stat("/proc/self/fd"); err == nil {
		r, w, err := os.Pipe()
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		data, _ := os.ReadFile("../../testdata/udp-echo.pcap")
		go func() { w.Write(data); w.Close() }()
		name := "/proc/self/fd/" + strconv.Itoa(int(r.Fd()))
		if code, out, errs := turtle(t, nil, "read", name); code != 0 || out == "" {
			t.Errorf("turtle read %s (a pipe): exit %d, %s", name, code, errs)
		}
	}
	// replay opens its files through the same capture.OpenFile.
	if _, err := replay.File(fifo).Open(); err == nil || !strings.Contains(err.Error(), "named pipe") {
		t.Errorf("replay.File(fifo).Open: %v", err)
	}
}

// Issue 24: an output that is one of the inputs (by name, through a
// symbolic link or a hard link) is refused before anything is written,
// and the input is left as it was.
func TestOutputOntoInputRefused(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "a.pcap")
	data, err := os.ReadFile("../../testdata/tcp-echo.pcap")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(in, data, 0o644); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link.pcap")
	if err := os.Symlink(in, link); err != nil {
		t.Skipf("symlink: %v", err)
	}
	hard := filepath.Join(dir, "hard.pcap")
	if err := os.Link(in, hard); err != nil {
		t.Skipf("link: %v", err)
	}
	key := filepath.Join(dir, "key")
	turtleOK(t, "anonymize", "--new-key", key)
	for _, args := range [][]string{
		{"edit", "-o", link, in},
		{"edit", "-o", in, in},
		{"edit", "-o", hard, "-", in},
		{"anonymize", "--key-file", key, "-o", in, in},
		{"anonymize", "--key-file", key, "-o", link, in},
		{"read", "--format", "parquet", "-o", in, in},
		{"read", "-o", link, in},
		{"draw", "-o", in, in},
		{"split", "--by", "flow", "-o", filepath.Join(dir, "a{n}.pcap"), filepath.Join(dir, "a0001.pcap")},
	} {
		if args[0] == "split" { // the pattern's first file is the input
			if err := os.WriteFile(args[len(args)-1], data, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		code, _, errs := turtle(t, nil, args...)
		sameName := code == 2 && strings.Contains(errs, "is also an input") // edit's usage check
		if !sameName && (code != 1 || !strings.Contains(errs, "is one of the inputs")) {
			t.Errorf("turtle %s: exit %d, %q; want 1 and 'is one of the inputs'", strings.Join(args, " "), code, errs)
		}
		for _, name := range []string{in, args[len(args)-1]} {
			if got, err := os.ReadFile(name); err != nil || !bytes.Equal(got, data) {
				t.Fatalf("turtle %s: %s changed (%d bytes, %v)", strings.Join(args, " "), name, len(got), err)
			}
		}
		if fi, err := os.Lstat(link); err != nil || fi.Mode()&os.ModeSymlink == 0 {
			t.Fatalf("turtle %s: the link was replaced", strings.Join(args, " "))
		}
	}
	leftovers, _ := filepath.Glob(filepath.Join(dir, ".*.tmp"))
	if len(leftovers) > 0 {
		t.Errorf("temporary files left: %v", leftovers)
	}
}
