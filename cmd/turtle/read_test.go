package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/turtle-sniffer/turtle/golden"
	"github.com/turtle-sniffer/turtle/internal/fixtures"
	"github.com/turtle-sniffer/turtle/internal/testcorpus"
	"github.com/turtle-sniffer/turtle/pcapio"
)

// turtle runs the command in process and returns its exit code, stdout
// and stderr.
func turtle(t *testing.T, stdin []byte, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(args, bytes.NewReader(stdin), &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

func writeTemp(t *testing.T, name string, data []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// Every forged capture prints its golden text through `turtle read`, in
// every container encoding of golden.DefaultContainers. The goldens belong
// to the manifest (testdata/golden.list): this test only reads them, and
// a forged capture or format without a manifest case fails.
func TestReadGolden(t *testing.T) {
	const manifest = "../../testdata/golden.list"
	m, err := golden.ParseManifest(manifest)
	if err != nil {
		t.Fatal(err)
	}
	goldens := map[[2]string]string{} // capture and format to golden path
	for _, c := range m.Cases {
		if len(c.Args) == 0 || len(c.Args) == 2 && c.Args[0] == "--format" {
			goldens[[2]string{c.Capture, c.Format}] = filepath.Join(filepath.Dir(manifest), c.Golden)
		}
	}
	for _, c := range fixtures.Captures() {
		frames := make([]golden.Frame, len(c.Frames))
		for i, f := range c.Frames {
			frames[i] = golden.Frame{Data: f.Data, Info: pcapio.CaptureInfo{Timestamp: fixtures.Timestamp(i),
				CaptureLength: len(f.Data), Length: max(f.Length, len(f.Data)), LinkType: c.LinkType}}
		}
		for _, format := range []string{"turtle", "basic"} {
			t.Run(c.Name+"."+format, func(t *testing.T) {
				path, ok := goldens[[2]string{c.Name + ".pcap", format}]
				if !ok {
					t.Fatalf("%s has no case for %s.pcap --format %s: add one (turtle golden add)", manifest, c.Name, format)
				}
				want, err := os.ReadFile(path)
				if err != nil {
					t.Fatal(err)
				}
				for _, enc := range golden.DefaultContainers() {
					var buf bytes.Buffer
					if err := enc.Encode(&buf, frames); err != nil {
						t.Fatalf("%s: %v", enc.Name, err)
					}
					file := writeTemp(t, c.Name+"."+enc.Name, buf.Bytes())
					code, out, errs := turtle(t, nil, "read", "--format", format, file)
					if code != 0 || errs != "" {
						t.Fatalf("%s: exit %d, stderr %q", enc.Name, code, errs)
					}
					if out != string(want) {
						t.Errorf("%s as %s prints differently from %s (the manifest owns it: "+
							"turtle golden update, or GOLDIE_UPDATE=1 go test ./golden/goldentest/):\n%s",
							c.Name, enc.Name, path, firstDifference(out, string(want)))
					}
				}
			})
		}
	}
}

// The committed capture prints exactly what an independent Python
// transcription of the classroom code prints (skipped without python3).
func TestReadMatchesClassroomPython(t *testing.T) {
	python, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 not installed: the classroom reference cannot run")
	}
	for _, tc := range []struct{ capture, format string }{
		{"ethernet-branches", "turtle"},
		{"ethernet-branches", "basic"},
		{"linux-sll2", "basic"},
	} {
		path := "../../testdata/" + tc.capture + ".pcap"
		args := []string{"../../scripts/classroom_turtle.py", path}
		if tc.format == "basic" {
			args = []string{"../../scripts/classroom_turtle.py", "--basic", path}
		}
		want, err := exec.Command(python, args...).Output()
		if err != nil {
			t.Fatalf("classroom_turtle.py %v: %v", args, err)
		}
		code, got, errs := turtle(t, nil, "read", "--format", tc.format, path)
		if code != 0 || errs != "" {
			t.Fatalf("exit %d, stderr %q", code, errs)
		}
		if got != string(want) {
			t.Errorf("%s --format %s differs from the classroom code:\n%s", tc.capture, tc.format, firstDifference(got, string(want)))
		}
	}
}

func firstDifference(got, want string) string {
	g, w := strings.Split(got, "\n"), strings.Split(want, "\n")
	for i := 0; i < len(g) && i < len(w); i++ {
		if g[i] != w[i] {
			return fmt.Sprintf("line %d:\n got  %q\n want %q", i+1, g[i], w[i])
		}
	}
	return fmt.Sprintf("lengths differ: %d and %d lines", len(g), len(w))
}

// readCapture returns the committed forged capture of the given name.
func readCapture(t *testing.T, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("../../testdata", name+".pcap"))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// recordEnds returns the end offset of each record of a classic pcap.
func recordEnds(t *testing.T, data []byte) []int {
	t.Helper()
	var ends []int
	for off := 24; off+16 <= len(data); {
		caplen := int(uint32(data[off+8]) | uint32(data[off+9])<<8 | uint32(data[off+10])<<16 | uint32(data[off+11])<<24)
		off += 16 + caplen
		ends = append(ends, off)
	}
	return ends
}

// A capture cut at any byte prints every complete frame, exactly as the
// whole file prints them, then one error line naming the file; a cut at a
// record boundary is a clean end.
func TestReadTruncatedCapture(t *testing.T) {
	data := readCapture(t, "ethernet-branches")
	_, full, _ := turtle(t, data, "read", "-", "--format", "basic")
	fullLines := strings.SplitAfter(full, "\n")
	ends := recordEnds(t, data)
	for cut := 0; cut < len(data); cut++ {
		complete := 0
		for complete < len(ends) && ends[complete] <= cut {
			complete++
		}
		code, out, errs := turtle(t, data[:cut], "read", "--format", "basic", "-")
		atBoundary := cut == 24 || (complete > 0 && ends[complete-1] == cut)
		if want := strings.Join(fullLines[:complete], ""); out != want {
			t.Fatalf("cut at %d: printed %d bytes, want the %d complete frames", cut, len(out), complete)
		}
		if atBoundary {
			if code != 0 || errs != "" {
				t.Fatalf("cut at record boundary %d: exit %d, stderr %q", cut, code, errs)
			}
			continue
		}
		if code != 1 || strings.Count(errs, "\n") != 1 || !strings.HasPrefix(errs, "turtle read: standard input: ") {
			t.Fatalf("cut at %d: exit %d, stderr %q; want exit 1 and one line naming standard input", cut, code, errs)
		}
		if cut >= 24 && !strings.Contains(errs, "truncated") {
			t.Fatalf("cut at %d: %q does not say truncated", cut, errs)
		}
	}
}

// A damaged file does not stop the next one, and the exit status says a
// file could not be read completely.
func TestReadGoesOnAfterDamage(t *testing.T) {
	data := readCapture(t, "ethernet-branches")
	cut := writeTemp(t, "cut.pcap", data[:len(data)-5])
	whole := "../../testdata/linux-sll.pcap"
	code, out, errs := turtle(t, nil, "read", cut, "missing.pcap", whole)
	if code != 1 {
		t.Errorf("exit %d, want 1", code)
	}
	lines := strings.Split(strings.TrimSuffix(errs, "\n"), "\n")
	if len(lines) != 2 || !strings.Contains(lines[0], cut+": truncated") ||
		!strings.Contains(lines[1], "missing.pcap: open: no such file or directory") {
		t.Errorf("stderr %q: want one line for the cut file and one for the missing one", errs)
	}
	_, sll, _ := turtle(t, nil, "read", whole)
	if !strings.HasSuffix(out, sll) {
		t.Error("the file after the damaged one was not printed completely")
	}
}

func TestReadFlags(t *testing.T) {
	path := "../../testdata/ethernet-branches.pcap"
	_, all, _ := turtle(t, nil, "read", path)

	code, out, _ := turtle(t, nil, "read", "-c", "3", path, path)
	if code != 0 || strings.Count(out, "\nEthernet Frame:\n") != 3 || !strings.HasPrefix(all, out) {
		t.Errorf("-c 3: exit %d, %d frames", code, strings.Count(out, "\nEthernet Frame:\n"))
	}
	n := strings.Count(all, "\nEthernet Frame:\n")
	code, out, _ = turtle(t, nil, "read", "-c", fmt.Sprint(n+2), path, path)
	if code != 0 || strings.Count(out, "\nEthernet Frame:\n") != n+2 {
		t.Errorf("-c counts across files: exit %d, %d frames, want %d", code, strings.Count(out, "\nEthernet Frame:\n"), n+2)
	}

	outFile := filepath.Join(t.TempDir(), "out.txt")
	code, out, errs := turtle(t, nil, "read", "-o", outFile, path)
	written, _ := os.ReadFile(outFile)
	if code != 0 || out != "" || errs != "" || string(written) != all {
		t.Errorf("-o: exit %d, stdout %d bytes, file %d bytes, want %d", code, len(out), len(written), len(all))
	}

	data := readCapture(t, "ethernet-branches")
	if code, out, _ := turtle(t, data, "read", "-"); code != 0 || out != all {
		t.Errorf("standard input: exit %d, %d bytes, want %d", code, len(out), len(all))
	}

	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"read", "--help"}, 0, "Example:\n  turtle read"},
		{[]string{"read"}, 2, "turtle read: no capture file given"},
		{[]string{"read", "--format", "xml", path}, 2, `unknown --format "xml"`},
		{[]string{"read", "-c", "-1", path}, 2, "-c -1"},
		{[]string{"read", "--bogus", path}, 2, "unknown flag: --bogus"},
		{[]string{"read", "../../README.md"}, 1, "README.md: invalid: not a capture file"},
		{[]string{"read", "../../testdata"}, 1, "turtle read: ../../testdata: open: is a directory, not a file\n"},
		{[]string{"frobnicate"}, 2, `unknown command "frobnicate"`},
		{[]string{"--help"}, 0, "Commands:"},
	} {
		code, out, errs := turtle(t, nil, tc.args...)
		if code != tc.code || !strings.Contains(out+errs, tc.want) {
			t.Errorf("turtle %v: exit %d, output %q; want exit %d and %q", tc.args, code, out+errs, tc.code, tc.want)
		}
	}
}

// Every file of tcpdump's test corpus reads without a panic and ends in
// success or in exactly one error line (TURTLE_CORPUS=../shared/corpus).
func TestReadCorpus(t *testing.T) {
	files := testcorpus.Files(t, "*.pcap*")
	failed := 0
	for _, file := range files {
		for _, format := range []string{"turtle", "basic"} {
			var stderr bytes.Buffer
			code := run([]string{"read", "--format", format, file}, nil, discard{}, &stderr)
			lines := strings.Count(stderr.String(), "\n")
			if (code == 0 && lines != 0) || (code == 1 && lines != 1) || code > 1 {
				t.Errorf("%s (%s): exit %d, stderr %q", file, format, code, stderr.String())
			}
			if code != 0 && format == "turtle" {
				failed++
			}
		}
	}
	t.Logf("%d corpus files, %d end in an error line", len(files), failed)
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }

// -f keeps only the frames a tcpdump filter matches, compiled for each
// file's link type; a bad expression is a usage error before any file is
// read, and a link type it cannot be compiled for is that file's error.
func TestReadFilter(t *testing.T) {
	code, out, errs := turtle(t, nil, "read", "-f", "icmp", "../../testdata/ethernet-branches.pcap", "../../testdata/linux-sll.pcap")
	if code != 0 || errs != "" {
		t.Fatalf("exit %d, stderr %q", code, errs)
	}
	// The forged captures hold one whole ICMP echo request, one ICMP
	// message under an IHL of 15, one ICMP cut at 2 bytes, and one on SLL.
	if n := strings.Count(out, "\t - ICMP Packet"); n != 4 {
		t.Errorf("printed %d ICMP blocks, want 4:\n%s", n, out)
	}
	if strings.Contains(out, "UDP Segment") || strings.Contains(out, "TCP Segment") {
		t.Errorf("the filter let other protocols through:\n%s", out)
	}

	code, _, errs = turtle(t, nil, "read", "-f", "tcp port", "../../testdata/ethernet-branches.pcap")
	if code != 2 || !strings.Contains(errs, `filter "tcp port": syntax error at column`) {
		t.Errorf("bad expression: exit %d, stderr %q", code, errs)
	}
	code, out, errs = turtle(t, nil, "read", "-f", "udp", "../../testdata/radiotap.pcap", "../../testdata/udp-echo.pcap")
	if code != 1 || strings.Count(errs, "\n") != 1 || !strings.Contains(errs, "radiotap.pcap: filter \"udp\"") ||
		strings.Count(out, "UDP Segment") != 2 {
		t.Errorf("unsupported link type: exit %d, stderr %q, %d UDP blocks", code, errs, strings.Count(out, "UDP Segment"))
	}
}
