//go:build linux

package main

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// Without the privilege to capture, recording prints one line that says
// what is missing and exits 1, writing nothing. As root the binary runs as
// nobody; otherwise the command runs as the current user.
func TestRecordAsNobody(t *testing.T) {
	var (
		code         int
		stdout, errs string
		out          string
	)
	if os.Geteuid() == 0 {
		bin := turtleBinary(t) // in a directory nobody may enter
		out = filepath.Join(filepath.Dir(bin), "nobody.pcap")
		cmd := exec.Command(bin, "record", "udp-echo", "-o", out)
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
		var so, se bytes.Buffer
		cmd.Stdout, cmd.Stderr = &so, &se
		err := cmd.Run()
		var ee *exec.ExitError
		if err != nil && !errors.As(err, &ee) {
			t.Fatal(err)
		}
		code, stdout, errs = cmd.ProcessState.ExitCode(), so.String(), se.String()
	} else {
		out = filepath.Join(t.TempDir(), "nobody.pcap")
		code, stdout, errs = turtle(t, nil, "record", "udp-echo", "-o", out)
	}
	if code != 1 || stdout != "" || strings.Count(errs, "\n") != 1 ||
		!strings.HasPrefix(errs, "turtle record: udp-echo: capturing on lo needs root or CAP_NET_RAW") {
		t.Errorf("exit %d, stdout %q, stderr %q; want 1 and one line saying root or CAP_NET_RAW is needed", code, stdout, errs)
	}
	if _, err := os.Stat(out); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("%s was written: %v", out, err)
	}
}

// As root: the recorded capture prints, through turtle read, the text
// written next to it, which is the committed fixture's golden.
func TestRecordWritesFixture(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("recording needs root (a network namespace and a packet socket); CI runs as root")
	}
	dir := t.TempDir()
	pcap, golden := filepath.Join(dir, "udp-echo.pcap"), filepath.Join(dir, "udp-echo.golden")
	code, out, errs := turtle(t, nil, "record", "udp-echo", "-o", pcap, "--golden", golden)
	if code != 0 || errs != "" {
		t.Fatalf("exit %d, stderr %q", code, errs)
	}
	if want := "udp-echo: 2 frames to " + pcap + " (normalized, in a network namespace), text to " + golden + "\n"; out != want {
		t.Errorf("stdout %q, want %q", out, want)
	}
	code, text, errs := turtle(t, nil, "read", pcap)
	if code != 0 || errs != "" {
		t.Fatalf("read: exit %d, stderr %q", code, errs)
	}
	written, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	committed, err := os.ReadFile(filepath.Join("..", "..", "testdata", "golden", "udp-echo.golden"))
	if err != nil {
		t.Fatal(err)
	}
	if text != string(written) || text != string(committed) {
		t.Errorf("turtle read prints\n%s\n--golden wrote\n%s\nthe committed golden is\n%s", text, written, committed)
	}
}
