package record

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/turtle-sniffer/turtle/pcapio"
)

// Save writes the pcap where asked and the text that 'turtle read' prints
// for it; How says how the recording was made.
func TestSaveAndHow(t *testing.T) {
	data, err := os.ReadFile("../testdata/udp-echo.pcap")
	if err != nil {
		t.Fatal(err)
	}
	rd, err := pcapio.NewReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	r := &Recording{Scenario: "udp-echo", LinkType: rd.LinkType(), Normalized: true, Netns: true}
	for {
		b, ci, err := rd.ReadPacketData()
		if err != nil {
			break
		}
		r.Frames = append(r.Frames, Frame{Info: ci, Data: b})
	}
	dir := t.TempDir()
	out, golden := filepath.Join(dir, "u.pcap"), filepath.Join(dir, "u.golden")
	if err := r.Save(out, nil, golden); err != nil {
		t.Fatal(err)
	}
	var stdout bytes.Buffer
	if err := r.Save("-", &stdout, ""); err != nil {
		t.Fatal(err)
	}
	pcap, _ := os.ReadFile(out)
	if !bytes.Equal(pcap, data) || !bytes.Equal(stdout.Bytes(), data) {
		t.Error("the pcap written differs from the recording's frames")
	}
	text, _ := os.ReadFile(golden)
	want, _ := os.ReadFile("../testdata/golden/udp-echo.golden")
	if !bytes.Equal(text, want) {
		t.Errorf("text\n%s\nwant\n%s", text, want)
	}
	missing := filepath.Join(dir, "no", "u.golden")
	if err := r.Save(out, nil, missing); err == nil || !strings.HasPrefix(err.Error(), missing+": open: ") {
		t.Errorf("golden in a missing folder: %v", err)
	}
	// record runs as root: a link planted at the output's name is
	// replaced, never written through.
	target := filepath.Join(t.TempDir(), "passwd")
	os.WriteFile(target, []byte("root:x:0:0\n"), 0o644)
	linked := filepath.Join(dir, "linked.pcap")
	os.Symlink(target, linked)
	if err := r.Save(linked, nil, ""); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(target); string(b) != "root:x:0:0\n" {
		t.Errorf("Save wrote through a link at its output: the target holds %q", b)
	}
	if st, err := os.Lstat(linked); err != nil || !st.Mode().IsRegular() || st.Size() != int64(len(data)) {
		t.Errorf("the output is %v (%v), want the pcap in place of the link", st, err)
	}
	if got := r.How(); got != "normalized, in a network namespace" {
		t.Errorf("How: %q", got)
	}
	if got := r.Summary(out, golden); got != "udp-echo: 2 frames to "+out+" (normalized, in a network namespace), text to "+golden {
		t.Errorf("Summary: %q", got)
	}
	r.Normalized, r.Netns = false, false
	if got := r.How(); got != "raw, on the host's lo" {
		t.Errorf("How: %q", got)
	}
	if got := r.Summary("-", ""); got != "udp-echo: 2 frames to standard output (raw, on the host's lo)" {
		t.Errorf("Summary: %q", got)
	}
	var list bytes.Buffer
	WriteList(&list)
	if !strings.Contains(list.String(), "\nudp-echo             ") || strings.Count(list.String(), "\n") != len(List()) {
		t.Errorf("list:\n%s", list.String())
	}
}

// A refused capture is said in one line naming the refused system call,
// and is still os.ErrPermission.
func TestPermissionError(t *testing.T) {
	err := error(&permissionError{scenario: "udp-echo", err: fmt.Errorf("udp-echo: open lo: %w", os.NewSyscallError("socket", syscall.EPERM))})
	if got := err.Error(); got != "udp-echo: capturing on lo needs root or CAP_NET_RAW (socket: operation not permitted)" {
		t.Errorf("message %q", got)
	}
	if !errors.Is(err, os.ErrPermission) {
		t.Error("not os.ErrPermission")
	}
}
