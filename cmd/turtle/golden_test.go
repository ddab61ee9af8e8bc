package main

import (
	"bytes"
	"encoding/binary"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/turtle-sniffer/turtle/internal/fixtures"
)

// goldenDir writes the forged captures as pcap files into a temp dir, plus
// cut.pcap: ethernet-branches' first 6 frames, cut inside record 4.
func goldenDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for _, c := range fixtures.Captures() {
		var buf bytes.Buffer
		if err := fixtures.Write(&buf, c, fixtures.PcapMicro); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, c.Name+".pcap"), buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		if c.Name == "ethernet-branches" {
			c.Frames = c.Frames[:6]
			buf.Reset()
			if err := fixtures.Write(&buf, c, fixtures.PcapMicro); err != nil {
				t.Fatal(err)
			}
			file := buf.Bytes()
			off := 24
			for range 3 {
				off += 16 + int(binary.LittleEndian.Uint32(file[off+8:]))
			}
			if err := os.WriteFile(filepath.Join(dir, "cut.pcap"), file[:off+16+5], 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	return dir
}

func TestGoldenAddCheckUpdate(t *testing.T) {
	dir := goldenDir(t)
	list := filepath.Join(dir, "golden.list")
	add := func(args ...string) (int, string, string) {
		t.Helper()
		return turtle(t, nil, append([]string{"golden", "add", "--manifest", list}, args...)...)
	}
	for _, args := range [][]string{
		{"eth", filepath.Join(dir, "ethernet-branches.pcap")},
		{"eth-basic", filepath.Join(dir, "ethernet-branches.pcap"), "--", "--format", "basic", "-c", "5"},
		{"sll", filepath.Join(dir, "linux-sll.pcap")},
		{"cut-expected", filepath.Join(dir, "cut.pcap"), "--", "--expect-error", "truncated: record 4"},
	} {
		code, out, errs := add(args...)
		if code != 0 || errs != "" {
			t.Fatalf("add %s: exit %d, stderr %q", args[0], code, errs)
		}
		if !strings.HasPrefix(out, "added "+args[0]+" to "+list) {
			t.Errorf("add %s: %q", args[0], out)
		}
	}
	wantList := "eth ethernet-branches.pcap golden/eth.golden\n" +
		"eth-basic ethernet-branches.pcap golden/eth-basic.golden --format basic -c 5\n" +
		"sll linux-sll.pcap golden/sll.golden\n" +
		"cut-expected cut.pcap golden/cut-expected.golden --expect-error 'truncated: record 4'\n"
	if got := readText(t, list); got != wantList {
		t.Fatalf("manifest:\n%s\nwant\n%s", got, wantList)
	}
	if got := strings.Count(readText(t, filepath.Join(dir, "golden", "cut-expected.golden")), "\nEthernet Frame:\n"); got != 3 {
		t.Errorf("cut-expected.golden has %d frames, want the 3 before the damage", got)
	}

	// add refuses a damaged capture it was not told about, and a taken name.
	code, _, errs := add("cut", filepath.Join(dir, "cut.pcap"))
	if code != 1 || !strings.HasPrefix(errs, "turtle golden add: read cut.pcap: truncated: record 4 at byte offset") {
		t.Errorf("add of a damaged capture: exit %d, stderr %q", code, errs)
	}
	code, _, errs = add("eth", filepath.Join(dir, "raw-ip.pcap"))
	if code != 1 || !strings.Contains(errs, `case "eth" already exists`) {
		t.Errorf("add of a taken name: exit %d, stderr %q", code, errs)
	}
	if got := readText(t, list); got != wantList {
		t.Errorf("refused adds changed the manifest:\n%s", got)
	}

	check := func(args ...string) (int, string, string) {
		t.Helper()
		return turtle(t, nil, append([]string{"golden", "check", "--manifest", list}, args...)...)
	}
	if code, out, errs := check(); code != 0 || out != "4 passed, 0 failed\n" || errs != "" {
		t.Fatalf("check: exit %d, stdout %q, stderr %q", code, out, errs)
	}
	if code, out, _ := check("--containers"); code != 0 || out != "4 passed, 0 failed\n" {
		t.Errorf("check --containers: exit %d, stdout %q", code, out)
	}

	// A deliberately edited golden: frame 3 of linux-sll.
	sllGolden := filepath.Join(dir, "golden", "sll.golden")
	good := readText(t, sllGolden)
	bad := strings.Replace(good, "Hardware Type: 1, Source: -", "Hardware Type: 1, Source: ?", 1)
	if err := os.WriteFile(sllGolden, []byte(bad), 0o644); err != nil {
		t.Fatal(err)
	}
	// A damaged capture the case does not expect.
	f, err := os.OpenFile(list, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString("cut cut.pcap golden/cut-expected.golden\n")
	f.Close()

	code, out, errs := check()
	if code != 1 || errs != "" {
		t.Errorf("check: exit %d, stderr %q", code, errs)
	}
	wantOut := "FAIL sll (" + list + ":3): frame 3 differs from golden/sll.golden (1 frame changed; expected 6, got 6)\n" +
		"--- golden frame 3\n" +
		"+++ output frame 3\n" +
		"@@ -1,6 +1,6 @@\n" +
		" \n" +
		" Linux Cooked Capture:\n" +
		"-\t - Packet Type: 0, Hardware Type: 1, Source: ?, Protocol: 8\n" +
		"+\t - Packet Type: 0, Hardware Type: 1, Source: -, Protocol: 8\n" +
		" \t - IPv4 Packet:\n"
	if !strings.HasPrefix(out, wantOut) {
		t.Errorf("check output starts\n%s\nwant\n%s", out, wantOut)
	}
	if !strings.Contains(out, "FAIL cut ("+list+":5): read cut.pcap: truncated: record 4 at byte offset") {
		t.Errorf("no read error for cut:\n%s", out)
	}
	if !strings.HasSuffix(out, "\n3 passed, 2 failed\n") {
		t.Errorf("check output ends:\n%s", out)
	}
	if code, out, _ := check("--only", "sll", "--only", "eth"); code != 1 || !strings.HasSuffix(out, "\n1 passed, 1 failed\n") {
		t.Errorf("check --only: exit %d:\n%s", code, out)
	}

	// update rewrites the edited golden, says by how much, and check passes.
	code, out, errs = turtle(t, nil, "golden", "update", "--manifest", list, "--only", "sll")
	wantUpdate := "updated sll: golden/sll.golden, 1 frame changed (6 → 6 frames)\n1 updated, 0 unchanged, 0 failed\n"
	if code != 0 || out != wantUpdate || errs != "" {
		t.Errorf("update: exit %d, stdout %q, stderr %q", code, out, errs)
	}
	if readText(t, sllGolden) != good {
		t.Error("update did not restore sll.golden")
	}
	if code, out, _ := check("--only", "sll"); code != 0 || out != "1 passed, 0 failed\n" {
		t.Errorf("check after update: exit %d, stdout %q", code, out)
	}
	// update of everything still fails the damaged case and leaves its golden.
	code, out, _ = turtle(t, nil, "golden", "update", "--manifest", list)
	if code != 1 || !strings.HasSuffix(out, "0 updated, 4 unchanged, 1 failed\n") {
		t.Errorf("update all: exit %d:\n%s", code, out)
	}
}

func TestGoldenUsage(t *testing.T) {
	list := filepath.Join(goldenDir(t), "golden.list")
	if err := os.WriteFile(list, []byte("raw raw-ip.pcap raw.golden\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		args   []string
		code   int
		stderr string
	}{
		{[]string{"golden"}, 2, "Golden regression-tests"},
		{[]string{"golden", "bogus"}, 2, `turtle golden: unknown command "bogus"`},
		{[]string{"golden", "check", "--manifest", list, "extra"}, 2, `turtle golden check: unexpected argument "extra"`},
		{[]string{"golden", "check", "--manifest", list, "--only", "nope"}, 2, `no case named "nope"`},
		{[]string{"golden", "check", "--manifest", list + ".missing"}, 1, "turtle golden check: read manifest: open "},
		{[]string{"golden", "check", "--bogus"}, 2, "turtle golden check: unknown flag: --bogus"},
		{[]string{"golden", "update", "--manifest", list, "--only", "nope"}, 2, `no case named "nope"`},
		{[]string{"golden", "add", "--manifest", list, "x"}, 2, "turtle golden add: want NAME CAPTURE, got 1 argument(s)"},
		{[]string{"golden", "add", "--manifest", list, "x", "raw-ip.pcap", "-c", "3"}, 2, "turtle golden add: unknown shorthand flag: 'c'"},
		{[]string{"golden", "add", "--manifest", list, "x", "raw-ip.pcap", "--", "--nope"}, 2, "turtle golden add: case x: read options: unknown flag: --nope"},
		{[]string{"golden", "add", "--manifest", list, "x", list + ".none", "--", "-c", "1"}, 1, "turtle golden add: capture: "},
	}
	for _, tc := range tests {
		code, _, errs := turtle(t, nil, tc.args...)
		if code != tc.code || !strings.Contains(errs, tc.stderr) {
			t.Errorf("%q: exit %d, stderr %q; want %d, %q", tc.args, code, errs, tc.code, tc.stderr)
		}
	}
	for _, sub := range []string{"check", "update", "add"} {
		code, out, errs := turtle(t, nil, "golden", sub, "--help")
		if code != 0 || errs != "" || !strings.Contains(out, "Example:\n  turtle golden "+sub) {
			t.Errorf("golden %s --help: exit %d, stderr %q:\n%s", sub, code, errs, out)
		}
	}
	if code, out, _ := turtle(t, nil, "golden", "--help"); code != 0 || !strings.Contains(out, "turtle golden add NAME CAPTURE") {
		t.Errorf("golden --help: exit %d:\n%s", code, out)
	}
}

func readText(t *testing.T, path string) string {
	t.Helper()
	return string(mustRead(t, path))
}
