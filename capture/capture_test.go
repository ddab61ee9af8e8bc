package capture

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestOpenFiltersAndCloses(t *testing.T) {
	const name = "../testdata/tcp-echo.pcap"
	all, err := Open(name, nil, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer all.Close()
	n := count(t, all)
	syn, err := Open(name, nil, Options{Filter: "tcp[tcpflags] & tcp-syn != 0"})
	if err != nil {
		t.Fatal(err)
	}
	defer syn.Close()
	if run, w := syn.PinRun(nil, 10, 1<<20); run.Len() != 0 || w != nil {
		t.Error("a filtered source gave a run of frames the filter did not see")
	}
	if m := count(t, syn); m == 0 || m >= n {
		t.Errorf("%d SYN frames of %d", m, n)
	}
	if all.Size() == 0 || all.LinkType() != all.Reader().LinkType() {
		t.Errorf("size %d, link type %v", all.Size(), all.LinkType())
	}
	data, _ := os.ReadFile(name)
	in, err := Open(Stdin, bytes.NewReader(data), Options{})
	if err != nil || count(t, in) != n {
		t.Errorf("stdin: %v", err)
	}
	if _, err := Open(name, nil, Options{Filter: "tcp port"}); err == nil {
		t.Error("a bad expression was accepted")
	}
	if err := CheckFilter("tcp port"); err == nil {
		t.Error("CheckFilter accepted a bad expression")
	}
	if _, err := Open(t.TempDir(), nil, Options{}); err == nil || !strings.Contains(err.Error(), "is a directory") {
		t.Errorf("a folder: %v", err)
	}
}

func count(t *testing.T, s *Source) int {
	n := 0
	for {
		_, _, err := s.ZeroCopyReadPacketData()
		if err == io.EOF {
			return n
		}
		if err != nil {
			t.Fatal(err)
		}
		n++
	}
}

func TestCreateCommitAbort(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "in.pcap")
	if err := os.WriteFile(in, []byte("input"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Create(in, CreateOptions{Inputs: []string{in}}); !errors.Is(err, ErrOntoInput) {
		t.Errorf("onto the input: %v", err)
	}
	if _, err := Create(dir, CreateOptions{}); err == nil {
		t.Error("a folder was accepted as output")
	}
	out := filepath.Join(dir, "out.pcap")
	o, err := Create(out, CreateOptions{Inputs: []string{in}})
	if err != nil {
		t.Fatal(err)
	}
	o.Write([]byte("half"))
	o.Abort()
	if _, err := os.Stat(out); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("aborted output exists: %v", err)
	}
	o, _ = Create(out, CreateOptions{})
	o.Write([]byte("whole"))
	if err := o.Commit(); err != nil {
		t.Fatal(err)
	}
	o.Abort() // after Commit: nothing
	if b, _ := os.ReadFile(out); string(b) != "whole" {
		t.Errorf("output %q", b)
	}
	if m, _ := filepath.Glob(filepath.Join(dir, ".*")); len(m) > 0 {
		t.Errorf("temporary files left: %v", m)
	}
	var buf bytes.Buffer
	o, _ = Create(Stdin, CreateOptions{Stdout: &buf})
	o.Write([]byte("x"))
	if o.Commit() != nil || buf.String() != "x" {
		t.Errorf("stdout: %q", buf.String())
	}
}

func TestDisplayNameAndFileSize(t *testing.T) {
	if DisplayName(Stdin) != "standard input" || DisplayName("a.pcap") != "a.pcap" {
		t.Errorf("%q %q", DisplayName(Stdin), DisplayName("a.pcap"))
	}
	f, err := os.Open("../testdata/udp-echo.pcap")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	fi, _ := f.Stat()
	if got := FileSize(f); got != fi.Size() || got == 0 {
		t.Errorf("FileSize %d, want %d", got, fi.Size())
	}
	if got := FileSize(bytes.NewReader([]byte("x"))); got != 0 {
		t.Errorf("a reader in memory: %d", got)
	}
}
