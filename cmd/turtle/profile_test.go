package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestCPUProfileEnv checks that TURTLE_CPUPROFILE writes a profile of the
// run (pprof's gzipped protocol buffer), and that a file it cannot create
// is named on stderr without stopping the run.
func TestCPUProfileEnv(t *testing.T) {
	name := filepath.Join(t.TempDir(), "cpu.pprof")
	t.Setenv(cpuProfileEnv, name)
	var stderr bytes.Buffer
	stop := startProfile(&stderr)
	if code := run([]string{"read", "--format", "summary", "../../testdata/udp-echo.pcap"}, nil, new(bytes.Buffer), &stderr); code != 0 {
		t.Fatalf("read: exit %d: %s", code, stderr.String())
	}
	stop()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	if len(b) < 2 || b[0] != 0x1f || b[1] != 0x8b {
		t.Fatalf("%s is not a gzipped profile: % x", name, b[:min(len(b), 8)])
	}

	t.Setenv(cpuProfileEnv, filepath.Join(t.TempDir(), "no-such-dir", "cpu.pprof"))
	stderr.Reset()
	startProfile(&stderr)()
	if !strings.Contains(stderr.String(), cpuProfileEnv) || !strings.Contains(stderr.String(), "no-such-dir") {
		t.Fatalf("stderr = %q, want the variable and the path named", stderr.String())
	}
}
