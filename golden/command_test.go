package golden_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/turtle-sniffer/turtle/golden"
)

func TestSettings(t *testing.T) {
	p, err := golden.NewProgram(`decoder 'a b' {}`, golden.Settings{Timeout: time.Second, MaxOutput: 2048,
		Frames: "-#", Stderr: "fail", StderrOK: "^warning"})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(p.Args, "|") != "decoder|a b|{}" || p.Env[0] != "PYTHONUNBUFFERED=1" || p.Timeout != time.Second ||
		p.MaxOutput != 2048 || p.Stderr != golden.StderrFail || p.StderrOK == nil || !p.StderrOK.MatchString("warning: x") {
		t.Errorf("NewProgram: %+v", p)
	}
	for s, want := range map[golden.Settings]string{
		{Frames: "nonsense"}: "--frames: ",
		{Stderr: "maybe"}:    "--stderr: ",
		{StderrOK: "("}:      "--stderr-ok: ",
	} {
		if err := s.Apply(&golden.Program{}); err == nil || !strings.HasPrefix(err.Error(), want) {
			t.Errorf("%+v: %v, want %s...", s, err, want)
		}
	}
}

// ParseManifestWith gives each !run program of the manifest the settings,
// a copy per program, the manifest's own programs left as parsed.
func TestParseManifestWith(t *testing.T) {
	path := foreignDir(t, "plain a.pcap plain.golden\n!run dec {}\none a.pcap one.out\ntwo a.pcap two.out\n")
	m, err := golden.ParseManifestWith(path, nil, golden.Settings{Timeout: 3 * time.Second, MaxOutput: 1 << 10})
	if err != nil {
		t.Fatal(err)
	}
	one, two := m.Case("one").Program, m.Case("two").Program
	if m.Case("plain").Program != nil || one == nil || one != two || one.Timeout != 3*time.Second || one.MaxOutput != 1<<10 {
		t.Errorf("programs: plain %v, one %+v, two %+v", m.Case("plain").Program, one, two)
	}
	if _, err := golden.ParseManifestWith(path, nil, golden.Settings{Frames: "bad rule"}); err == nil {
		t.Error("a bad --frames was accepted")
	}
}

func TestCasesOfFormatAndList(t *testing.T) {
	path := corpus(t, "")
	m, err := golden.ParseManifest(path)
	if err != nil {
		t.Fatal(err)
	}
	p, _ := golden.NewProgram("dec {}", golden.Settings{})
	only, err := m.CasesOfFormat(p, nil, "basic")
	if err != nil || strings.Join(only, " ") != "eth-basic" {
		t.Errorf("format basic: %v, %v", only, err)
	}
	if only, _ := m.CasesOfFormat(nil, nil, "basic"); only != nil {
		t.Errorf("without a program: %v", only)
	}
	if _, err := m.CasesOfFormat(p, nil, "nosuch"); err == nil || !strings.Contains(err.Error(), "has no case of format nosuch (--run-format)") {
		t.Errorf("no case: %v", err)
	}
	var b bytes.Buffer
	if err := m.List(&b, []string{"eth-basic"}); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Dir(path)
	want := "eth-basic\t" + filepath.Join(dir, "golden/eth-basic.golden") + "\tturtle read " + filepath.Join(dir, "ethernet-branches.pcap") + " --format basic -c 5\n"
	if b.String() != want {
		t.Errorf("List:\n%q\nwant\n%q", b.String(), want)
	}
	if err := m.List(&b, []string{"nosuch"}); err == nil {
		t.Error("List of a missing case")
	}
}

func TestAddCase(t *testing.T) {
	path := corpus(t, "")
	dir := filepath.Dir(path)
	ctx := context.Background()
	capture := filepath.Join(dir, "raw-ip.pcap")
	if _, err := golden.AddCase(ctx, path, "eth", capture, "", nil, nil, golden.Options{}); err == nil || !strings.Contains(err.Error(), `case "eth" already exists`) {
		t.Errorf("a taken name: %v", err)
	}
	var usage *golden.NewCaseError
	if _, err := golden.AddCase(ctx, path, "raw4", capture, "", []string{"--nonsense"}, nil, golden.Options{}); !errors.As(err, &usage) {
		t.Errorf("bad read options: %v, want a NewCaseError", err)
	}
	if _, err := golden.AddCase(ctx, path, "raw4", filepath.Join(dir, "none.pcap"), "", nil, nil, golden.Options{}); err == nil || !strings.HasPrefix(err.Error(), "capture: ") {
		t.Errorf("a missing capture: %v", err)
	}
	a, err := golden.AddCase(ctx, path, "raw3", capture, "", []string{"-c", "3"}, nil, golden.Options{})
	if err != nil || a.Frames != 3 || a.Case.Golden != "golden/raw3.golden" || a.Manifest.Path != path {
		t.Fatalf("AddCase: %+v, %v", a, err)
	}
	var b strings.Builder
	a.Write(&b, nil)
	if want := "added raw3 to " + path + ": 3 frames in golden/raw3.golden\n"; b.String() != want {
		t.Errorf("Write: %q, want %q", b.String(), want)
	}
	b.Reset()
	a.Write(&b, &golden.Program{Args: []string{"/usr/sbin/tcpdump", "-r", "{}"}})
	lines := strings.Count(readFile(t, filepath.Join(dir, "golden", "raw3.golden")), "\n")
	if want := fmt.Sprintf("added raw3 to %s: %d lines of tcpdump's output in golden/raw3.golden\n", path, lines); lines == 0 || b.String() != want {
		t.Errorf("Write for a program: %q, want %q", b.String(), want)
	}
	if !strings.HasSuffix(readFile(t, path), "\nraw3 raw-ip.pcap golden/raw3.golden -c 3\n") {
		t.Errorf("manifest:\n%s", readFile(t, path))
	}
	// Another case onto the same golden with other text is refused.
	if _, err := golden.AddCase(ctx, path, "raw2", capture, filepath.Join(dir, "golden", "raw3.golden"), []string{"-c", "2"}, nil, golden.Options{}); err == nil || !strings.Contains(err.Error(), "exists with other text") {
		t.Errorf("a golden with other text: %v", err)
	}
	// A new manifest is created.
	fresh := filepath.Join(dir, "new.list")
	if _, err := golden.AddCase(ctx, fresh, "raw", capture, "", nil, nil, golden.Options{}); err != nil || readFile(t, fresh) != "raw raw-ip.pcap golden/raw.golden\n" {
		t.Errorf("a new manifest: %v\n%s", err, readFile(t, fresh))
	}
}

func TestWriteReports(t *testing.T) {
	path := corpus(t, "")
	m, _ := golden.ParseManifest(path)
	os.WriteFile(filepath.Join(filepath.Dir(path), "golden", "raw.golden"), []byte("other\n"), 0o644)
	results, err := golden.Check(context.Background(), m, golden.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if failed := golden.WriteCheck(&b, results); failed != 1 || !strings.HasPrefix(b.String(), "FAIL raw") || !strings.HasSuffix(b.String(), "\n6 passed, 1 failed\n") {
		t.Errorf("WriteCheck: %d failed:\n%s", failed, b.String())
	}
	results, err = golden.Update(context.Background(), m, golden.Options{})
	if err != nil {
		t.Fatal(err)
	}
	b.Reset()
	if failed := golden.WriteUpdate(&b, results); failed != 0 || !strings.HasSuffix(b.String(), "\n1 updated, 6 unchanged, 0 failed\n") {
		t.Errorf("WriteUpdate: %d failed:\n%s", failed, b.String())
	}
}

func TestFeatures(t *testing.T) {
	dir := t.TempDir()
	config := filepath.Join(dir, "config.h")
	os.WriteFile(config, []byte("#define HAVE_B 1\n#define HAVE_A 1\n#define NOT_SET 0\n"), 0o644)
	got, note, err := golden.Features([]string{"HAVE_B", "ENABLE_SMB"}, config, filepath.Join(dir, "no-tcpdump"))
	if err != nil || note == nil || strings.Join(got, " ") != "ENABLE_SMB HAVE_A HAVE_B" {
		t.Errorf("Features: %v, note %v, %v", got, note, err)
	}
	if _, _, err := golden.Features(nil, filepath.Join(dir, "none.h"), "tcpdump"); err == nil || !strings.HasPrefix(err.Error(), "--config: ") {
		t.Errorf("a missing config.h: %v", err)
	}
}

func TestRunProgram(t *testing.T) {
	ok := golden.Settings{Timeout: time.Second, MaxOutput: 1 << 10}
	for _, c := range []struct {
		s          golden.Settings
		cmd        string
		containers bool
		err        string
	}{
		{golden.Settings{MaxOutput: 1}, "", false, "--time-limit must be above 0"},
		{golden.Settings{Timeout: time.Second}, "cat {}", false, "--output-limit must be above 0"},
		{golden.Settings{Timeout: time.Second, MaxOutput: 1, Frames: "nonsense"}, "", false, "--frames: "},
		{ok, "cat {}", true, "--containers re-encodes captures"},
	} {
		if _, err := c.s.RunProgram(c.cmd, c.containers); err == nil || !strings.Contains(err.Error(), c.err) {
			t.Errorf("%+v %q: %v, want %q", c.s, c.cmd, err, c.err)
		}
	}
	if p, err := ok.RunProgram("", true); p != nil || err != nil {
		t.Errorf("no command: %v, %v; want nil, nil", p, err)
	}
	p, err := ok.RunProgram("cat {}", false)
	if err != nil || p == nil || p.Args[0] != "cat" || p.Timeout != time.Second || p.MaxOutput != 1<<10 {
		t.Errorf("RunProgram: %+v, %v", p, err)
	}
}
