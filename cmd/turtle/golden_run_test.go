package main

import (
	"bytes"
	"encoding/binary"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"
)

// runManifest builds, in a directory whose name has blanks and quotes, a
// manifest of Ethernet captures (copied beside it, some under names with
// blanks and a quote) with goldens written by turtle itself, a -c and a -f case.
func runManifest(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), `run 'it' "now"`)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	manifest := filepath.Join(dir, "cases.list")
	for _, c := range []struct {
		name, capture, copyAs string
		opts                  []string
	}{
		{"udp-echo", "udp-echo.pcap", "udp echo's.pcap", nil},
		{"tcp-echo", "tcp-echo.pcap", "-tcp echo.pcap", nil},
		{"ethernet-branches", "ethernet-branches.pcap", "", nil},
		{"icmp-ping", "icmp-ping.pcap", "", nil},
		{"branches-3", "ethernet-branches.pcap", "", []string{"--", "-c", "3"}},
		{"tcp-syns", "tcp-echo.pcap", "", []string{"--", "-f", "tcp[tcpflags] & tcp-syn != 0"}},
	} {
		capture, err := filepath.Abs(filepath.Join("../../testdata", c.capture))
		if err != nil {
			t.Fatal(err)
		}
		// Every capture is copied beside the manifest: a manifest may
		// name only files inside its folder.
		if c.copyAs == "" {
			c.copyAs = c.capture
		}
		{
			data, err := os.ReadFile(capture)
			if err != nil {
				t.Fatal(err)
			}
			capture = filepath.Join(dir, c.copyAs)
			if err := os.WriteFile(capture, data, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		var stdout, stderr bytes.Buffer
		args := append([]string{"add", c.name, capture, "--manifest", manifest}, c.opts...)
		if code := runGolden(args, nil, &stdout, &stderr); code != 0 {
			t.Fatalf("golden add %s: exit %d\n%s", c.name, code, stderr.String())
		}
	}
	return manifest
}

func needPython(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("python3"); err != nil {
		t.Skip("needs python3: the decoders under test are Python programs")
	}
}

func goldenRun(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := runGolden(append([]string{"check"}, args...), nil, &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

func abs(t *testing.T, p string) string {
	t.Helper()
	a, err := filepath.Abs(p)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// The classroom code's own transcription, a Python program, passes every
// case: plain ones, a -c and a -f case (handed a pcap of their frames), and
// captures whose paths have blanks, quotes and a leading dash.
func TestGoldenRunClassroomPasses(t *testing.T) {
	needPython(t)
	manifest := runManifest(t)
	code, stdout, stderr := goldenRun(t, "--manifest", manifest,
		"--run", "python3 '"+abs(t, "../../scripts/classroom_turtle.py")+"' {}")
	if code != 0 || stdout != "6 passed, 0 failed\n" || stderr != "" {
		t.Fatalf("exit %d, stdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
}

// A decoder with a data-block bug fails the cases whose data blocks wrap,
// each with its first differing frame and that frame's diff, and passes
// the others.
func TestGoldenRunWrongDecoder(t *testing.T) {
	needPython(t)
	manifest := runManifest(t)
	code, stdout, _ := goldenRun(t, "--manifest", manifest, "--run", "python3 "+abs(t, "testdata/golden-run/wrap78.py")+" {}")
	if code != 1 {
		t.Fatalf("exit %d\n%s", code, stdout)
	}
	m := regexp.MustCompile(`(?m)^FAIL ethernet-branches \(.*\): frame (\d+) differs from golden/ethernet-branches.golden`).FindStringSubmatch(stdout)
	if m == nil || !strings.Contains(stdout, "\n--- golden frame "+m[1]+"\n+++ output frame "+m[1]+"\n") {
		t.Fatalf("no report of the first differing frame with its diff:\n%s", stdout)
	}
	summary := regexp.MustCompile(`(?m)^(\d+) passed, (\d+) failed\n\z`).FindStringSubmatch(stdout)
	if summary == nil || summary[2] == "0" || summary[1] == "0" {
		t.Fatalf("summary: %q", stdout[max(0, len(stdout)-200):])
	}
	if strings.Contains(stdout, "FAIL udp-echo ") {
		t.Errorf("udp-echo (a 12-byte data block, nothing to wrap) failed:\n%s", stdout)
	}
}

// A program that crashes fails its case with its exit status and the tail
// of its standard error; one that prints nothing fails every case.
func TestGoldenRunCrashAndSilence(t *testing.T) {
	needPython(t)
	manifest := runManifest(t)
	code, stdout, _ := goldenRun(t, "--manifest", manifest, "--only", "tcp-echo", "--only", "udp-echo",
		"--run", "python3 "+abs(t, "testdata/golden-run/crash_on_tcp.py")+" {}")
	want := "FAIL tcp-echo (" + manifest + ":2): python3 exited with status 1; its standard error ends:\n"
	if code != 1 || !strings.HasPrefix(stdout, want) ||
		!strings.Contains(stdout, "    ValueError: cannot unpack a TCP segment of 40 bytes\n") ||
		!strings.HasSuffix(stdout, "1 passed, 1 failed\n") {
		t.Fatalf("exit %d, stdout:\n%s\nwant it to start %q", code, stdout, want)
	}
	if runtime.GOOS == "windows" {
		return
	}
	code, stdout, _ = goldenRun(t, "--manifest", manifest, "--run", "true {}")
	if code != 1 || strings.Count(stdout, ": true printed nothing (exit status 0); its standard error is empty\n") != 6 ||
		!strings.HasSuffix(stdout, "0 passed, 6 failed\n") {
		t.Fatalf("exit %d, stdout:\n%s", code, stdout)
	}
}

// A program that runs too long is killed with its whole process group; one
// that prints forever is cut at --max-output.
func TestGoldenRunLimits(t *testing.T) {
	needPython(t)
	if runtime.GOOS == "windows" {
		t.Skip("uses sh")
	}
	manifest := runManifest(t)
	pidFile := filepath.Join(t.TempDir(), "child.pid")
	start := time.Now()
	code, stdout, _ := goldenRun(t, "--manifest", manifest, "--only", "udp-echo", "--timeout", "500ms",
		"--run", `sh -c 'sleep 60 & echo $! > "$1"; wait' sh `+pidFile+` {}`)
	if code != 1 || !strings.Contains(stdout, ": sh ran longer than 500ms (--time-limit): stopped\n") || time.Since(start) > 30*time.Second {
		t.Fatalf("exit %d after %v, stdout:\n%s", code, time.Since(start), stdout)
	}
	pid, err := os.ReadFile(pidFile)
	if err != nil {
		t.Fatal(err)
	}
	n, _ := strconv.Atoi(strings.TrimSpace(string(pid)))
	for i := 0; ; i++ {
		st, err := os.ReadFile("/proc/" + strconv.Itoa(n) + "/stat")
		if err != nil || strings.Contains(string(st), ") Z ") {
			break // gone, or a zombie waiting for init
		}
		if i == 200 {
			t.Fatalf("the program's child %d outlived it", n)
		}
		time.Sleep(10 * time.Millisecond)
	}
	code, stdout, _ = goldenRun(t, "--manifest", manifest, "--only", "udp-echo", "--max-output", "10000",
		"--run", "python3 "+abs(t, "testdata/golden-run/forever.py")+" {}")
	if code != 1 || !strings.Contains(stdout, ": python3 printed more than 10000 bytes (--output-limit): stopped\n") {
		t.Fatalf("exit %d, stdout:\n%s", code, stdout)
	}
}

func TestGoldenRunUsage(t *testing.T) {
	for _, args := range [][]string{
		{"--run", "cat"},
		{"--run", "cat {}", "--containers"},
		{"--run", "cat {}", "--time-limit", "0s"},
		{"--run", "cat {}", "--output-limit", "0"},
		{"--run", "'cat {}"},
	} {
		code, _, stderr := goldenRun(t, args...)
		if code != 2 || !strings.HasPrefix(stderr, "turtle golden check: ") {
			t.Errorf("%q: exit %d, %s", args, code, stderr)
		}
	}
	// Issue 24: the old spellings still work, with one line saying so.
	code, _, stderr := goldenRun(t, "--run", "cat {}", "--timeout", "0s")
	if code != 2 || !strings.HasPrefix(stderr, "Flag --timeout has been deprecated, use --time-limit instead\n") ||
		!strings.Contains(stderr, "--time-limit must be above 0") {
		t.Errorf("--timeout: exit %d, %s", code, stderr)
	}
}

// A case that expects a damaged capture judges the program's text only: a
// decoder that prints the frames before the damage and exits non-zero
// passes it, and fails the cases of whole captures.
func TestGoldenRunExpectError(t *testing.T) {
	needPython(t)
	if runtime.GOOS == "windows" {
		t.Skip("uses sh")
	}
	manifest := runManifest(t)
	data, err := os.ReadFile("../../testdata/udp-echo.pcap")
	if err != nil {
		t.Fatal(err)
	}
	cut := filepath.Join(filepath.Dir(manifest), "cut.pcap")
	// Cut inside the second record's header, where the classroom code stops
	// reading as turtle does (cut inside a record, it prints the part).
	end := 24 + 16 + int(binary.LittleEndian.Uint32(data[24+8:])) + 8
	if err := os.WriteFile(cut, data[:end], 0o644); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	if code := runGolden([]string{"add", "cut", cut, "--manifest", manifest, "--", "--expect-error", "truncated"}, nil, &stdout, &stderr); code != 0 {
		t.Fatalf("golden add: %d %s", code, stderr.String())
	}
	classroom := abs(t, "../../scripts/classroom_turtle.py")
	code, out, _ := goldenRun(t, "--manifest", manifest, "--only", "cut", "--only", "udp-echo",
		"--run", `sh -c 'python3 "$0" "$1"; exit 3' `+classroom+` {}`)
	if code != 1 || !strings.HasPrefix(out, "FAIL udp-echo (") || !strings.Contains(out, ": sh exited with status 3; its standard error is empty\n") ||
		!strings.HasSuffix(out, "1 passed, 1 failed\n") {
		t.Fatalf("exit %d, stdout:\n%s", code, out)
	}
}
