package golden_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/turtle-sniffer/turtle/decode"
	"github.com/turtle-sniffer/turtle/golden"
	"github.com/turtle-sniffer/turtle/pcapio"
)

// TestMain makes the test binary a foreign decoder when FAKE_DECODER is
// set: `decoder CAPTURE NAME [OPTIONS...]` prints, as tcpdump -# does, a
// numbered packet line for each option and an indented line after it;
// crash=N stops after N lines with status 3, err=TEXT writes TEXT on
// standard error first.
func TestMain(m *testing.M) {
	if os.Getenv("FAKE_DECODER") == "1" {
		os.Exit(fakeDecoder(os.Args[1:]))
	}
	os.Exit(m.Run())
}

func fakeDecoder(args []string) int {
	st, err := os.Stat(args[0])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	crash := -1
	var lines []string
	for i, o := range args[2:] {
		if v, ok := strings.CutPrefix(o, "err="); ok {
			fmt.Fprintln(os.Stderr, v)
			continue
		}
		if _, err := fmt.Sscanf(o, "crash=%d", &crash); err == nil {
			continue
		}
		lines = append(lines, fmt.Sprintf("%5d  %s option %s of %d bytes", i+1, args[1], o, st.Size()), "\tdetail "+o)
	}
	for i, l := range lines {
		if i == crash {
			return 3
		}
		fmt.Println(l)
	}
	return 0
}

// fakeProgram is the test binary as a decoder taking the options column.
func fakeProgram(t *testing.T) *golden.Program {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	return &golden.Program{Args: []string{exe, "{}", "{name}", "{args}"}, Env: []string{"FAKE_DECODER=1"},
		Frames: mustRule(t, "-#")}
}

func mustRule(t *testing.T, s string) golden.Rule {
	t.Helper()
	r, err := golden.ParseRule(s)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// foreignDir writes a capture and a manifest whose options are the fake
// decoder's (they are not turtle's read options), and returns the
// manifest's path.
func foreignDir(t *testing.T, manifest string) string {
	t.Helper()
	dir := t.TempDir()
	c := capture(t, "linux-sll")
	writePcap(t, filepath.Join(dir, "a.pcap"), c.LinkType, c.Frames)
	path := filepath.Join(dir, "cases.list")
	if err := os.WriteFile(path, []byte(manifest), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// Update with a program writes exactly the program's output, check then
// passes, and a case whose options are the program's reaches it unread.
func TestUpdateWritesProgramOutput(t *testing.T) {
	p := fakeProgram(t)
	path := foreignDir(t, "one a.pcap one.out -v -x 'two words'\ntwo a.pcap two.out -q\n")
	if _, err := golden.ParseManifest(path); err == nil {
		t.Fatal("options that are not turtle's parse without a program")
	}
	m, err := golden.ParseManifestFor(path, p)
	if err != nil {
		t.Fatal(err)
	}
	results, err := golden.Update(context.Background(), m, golden.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range results {
		if r.Failed() || !r.Updated {
			t.Fatalf("%s: %s", r.Case.Name, r.Report())
		}
	}
	// The golden is what the program prints, byte for byte.
	cmd := exec.Command(p.Args[0], filepath.Join(m.Dir, "a.pcap"), "one", "-v", "-x", "two words")
	cmd.Env = append(os.Environ(), p.Env...)
	want, err := cmd.Output()
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(filepath.Join(m.Dir, "one.out"))
	if err != nil || !bytes.Equal(got, want) || !bytes.Contains(got, []byte("option two words of")) {
		t.Fatalf("golden %q (%v), program prints %q", got, err, want)
	}
	results, _ = golden.Check(context.Background(), m, golden.Options{})
	if line, failed := golden.Summary(results); failed != 0 {
		t.Fatalf("after update: %s", line)
	}
}

// Without a program, update refuses a case whose format is not turtle's and
// leaves its golden alone.
func TestUpdateRefusesForeignFormat(t *testing.T) {
	path := foreignDir(t, "s a.pcap s.out --format scapy\n")
	gold := filepath.Join(filepath.Dir(path), "s.out")
	if err := os.WriteFile(gold, []byte("###[ Ethernet ]###\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	m, err := golden.ParseManifest(path)
	if err != nil {
		t.Fatal(err)
	}
	results, err := golden.Update(context.Background(), m, golden.Options{})
	if err != nil {
		t.Fatal(err)
	}
	r := results[0]
	if !r.Failed() || r.Updated || !strings.Contains(r.Report(), "s.out is not turtle's text but another decoder's") {
		t.Fatalf("report: %s", r.Report())
	}
	if got, _ := os.ReadFile(gold); string(got) != "###[ Ethernet ]###\n" {
		t.Fatalf("golden changed: %q", got)
	}
}

// One line inserted in packet 2 is reported as one inserted line in packet
// 2, in a hunk with context, however many lines follow.
func TestProgramReportInsertedLine(t *testing.T) {
	p := fakeProgram(t)
	path := foreignDir(t, "c a.pcap c.out -a -b -c -d -e\n")
	m, err := golden.ParseManifestFor(path, p)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := golden.Update(context.Background(), m, golden.Options{}); err != nil {
		t.Fatal(err)
	}
	gold := filepath.Join(m.Dir, "c.out")
	text, _ := os.ReadFile(gold)
	lines := strings.SplitAfter(string(text), "\n")
	// The golden lacks the output's 4th line (packet 2's detail).
	edited := strings.Join(append(lines[:3:3], lines[4:]...), "")
	if err := os.WriteFile(gold, []byte(edited), 0o644); err != nil {
		t.Fatal(err)
	}
	results, _ := golden.Check(context.Background(), m, golden.Options{})
	rep := results[0].Report()
	d := results[0].Diffs[0]
	if d.Index != 2 || d.Line != 4 || d.Added != 1 || d.Removed != 0 || d.Hunks != 1 || d.Matched != 3 {
		t.Fatalf("diff %+v:\n%s", d, rep)
	}
	want := "FAIL c (" + m.Path + ":1): packet 2 differs from c.out at line 4 (3 lines matched before it; 1 added, 0 removed)\n" +
		"--- c.out\n+++ output\n@@ -1,6 +1,7 @@\n" + prefixLines(" ", lines[:3]) + "+" + lines[3] + prefixLines(" ", lines[4:7])
	if rep != want {
		t.Fatalf("report:\n%s\nwant:\n%s", rep, want)
	}
	// The hunk is diff -u's own.
	if _, err := exec.LookPath("diff"); err == nil {
		out := filepath.Join(m.Dir, "got.out")
		os.WriteFile(out, text, 0o644)
		du, _ := exec.Command("diff", "-u", gold, out).Output()
		hunk := string(du[bytes.Index(du, []byte("@@")):])
		if !strings.HasSuffix(rep, hunk) {
			t.Errorf("hunk differs from diff -u's:\n%s\nwant:\n%s", rep, hunk)
		}
	}
}

func prefixLines(p string, lines []string) string {
	var b strings.Builder
	for _, l := range lines {
		b.WriteString(p + l)
	}
	return b.String()
}

// A program that stops with an error after some lines is reported with how
// far it got and the first line of its standard error, which --stderr fail
// makes a failure on its own.
func TestProgramProgressAndStderr(t *testing.T) {
	p := fakeProgram(t)
	path := foreignDir(t, "c a.pcap c.out -a -b -c\n")
	m, err := golden.ParseManifestFor(path, p)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := golden.Update(context.Background(), m, golden.Options{}); err != nil {
		t.Fatal(err)
	}
	crash := foreignManifest(t, m, p, "c a.pcap c.out -a -b -c crash=4 'err=first complaint' err=second\n")
	results, _ := golden.Check(context.Background(), crash, golden.Options{})
	rep := results[0].Report()
	for _, want := range []string{"exited with status 3; its standard error ends:\n    first complaint\n    second\n",
		"progress: golden.test printed 4 lines matching the golden, then stopped\n"} {
		if !strings.Contains(strings.ReplaceAll(rep, filepath.Base(p.Args[0]), "golden.test"), want) {
			t.Errorf("report lacks %q:\n%s", want, rep)
		}
	}
	// Exit 0 with standard error: ignored, unless --stderr fail.
	noisy := foreignManifest(t, m, p, "!stderr fail\n!stderr-ok ^ok\nc a.pcap c.out -a -b -c err=ok 'err=bad line'\n")
	results, _ = golden.Check(context.Background(), noisy, golden.Options{})
	if rep := results[0].Report(); !strings.Contains(rep, "wrote to its standard error (--stderr fail): bad line") {
		t.Errorf("--stderr fail:\n%s", rep)
	}
	quiet := foreignManifest(t, m, p, "c a.pcap c.out -a -b -c 'err=bad line'\n")
	if results, _ = golden.Check(context.Background(), quiet, golden.Options{}); results[0].Failed() {
		t.Errorf("--stderr ignore:\n%s", results[0].Report())
	}
}

// foreignManifest writes text as another manifest beside m's and parses it
// for p.
func foreignManifest(t *testing.T, m *golden.Manifest, p *golden.Program, text string) *golden.Manifest {
	t.Helper()
	path := filepath.Join(m.Dir, "other.list")
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	m2, err := golden.ParseManifestFor(path, p)
	if err != nil {
		t.Fatal(err)
	}
	return m2
}

// A manifest names its program with !run; !skip skips the next case; the
// options column is the program's only when it takes {args}.
func TestManifestDirectives(t *testing.T) {
	text := "a x.pcap a.out -c 2\n!run dec -r {} {args}\n!env TZ=GMT0\n!frames -#\nb x.pcap b.out -v -x\n!skip HAVE_X not set\nc x.pcap c.out -E 'a b'\n!run\nd x.pcap d.out --format basic\n"
	m, err := golden.ParseManifestData("m", []byte(text))
	if err != nil {
		t.Fatal(err)
	}
	a, b, c, d := m.Cases[0], m.Cases[1], m.Cases[2], m.Cases[3]
	if a.Program != nil || a.Count != 2 || d.Program != nil || d.Format != "basic" {
		t.Fatalf("turtle's cases: %+v %+v", a, d)
	}
	if b.Program == nil || b.Program.Env[0] != "TZ=GMT0" || b.Program.Frames.Name != "-#" || b.Skip != "" ||
		strings.Join(b.Args, "|") != "-v|-x" || c.Skip != "HAVE_X not set" || strings.Join(c.Args, "|") != "-E|a b" {
		t.Fatalf("program's cases: %+v %+v", b, c)
	}
	got := strings.Join(c.Program.Command(m, c, "/cap"), "|")
	if got != "dec|-r|/cap|-E|a b" {
		t.Fatalf("command %q", got)
	}
	for _, bad := range []string{"!run dec\n", "!frames nonsense\n", "!stderr loud\n", "!bogus\n", "!env X\n", "!skip\n"} {
		if _, err := golden.ParseManifestData("m", []byte(bad)); err == nil {
			t.Errorf("%q parses", bad)
		}
	}
}

// A format that panics fails its own case, named, with the panic; the
// other cases run on.
func TestPanicFailsOnlyItsCase(t *testing.T) {
	dir := t.TempDir()
	c := capture(t, "linux-sll")
	writePcap(t, filepath.Join(dir, "a.pcap"), c.LinkType, c.Frames)
	path := filepath.Join(dir, "m.list")
	os.WriteFile(path, []byte("boom a.pcap boom.golden --format boom\nfine a.pcap fine.golden --format basic\n"), 0o644)
	m, err := golden.ParseManifest(path)
	if err != nil {
		t.Fatal(err)
	}
	opt := golden.Options{NewFormat: func(name string) (decode.Format, error) {
		if name == "boom" {
			return boom{}, nil
		}
		return decode.NewFormat(name)
	}}
	if _, err := golden.Update(context.Background(), m, golden.Options{Only: []string{"fine"}}); err != nil {
		t.Fatal(err)
	}
	results, err := golden.Check(context.Background(), m, opt)
	if err != nil {
		t.Fatal(err)
	}
	if rep := results[0].Report(); !strings.HasPrefix(rep, "FAIL boom (") || !strings.Contains(rep, "panic (a bug in the decoder): kaboom") {
		t.Errorf("boom: %s", rep)
	}
	if results[1].Failed() {
		t.Errorf("fine: %s", results[1].Report())
	}
}

type boom struct{}

func (boom) AppendFrame(dst []byte, f *pcapio.Frame) []byte { panic("kaboom") }

// The framing rules place a line in its packet.
func TestRules(t *testing.T) {
	text := []byte("    7  first\n\tmore\n    9  second\n\tmore\n")
	got := []byte("    7  first\n\tmore\n    9  second\n\tchanged\n")
	if d := golden.CompareText("g", text, got, mustRule(t, "-#")); d == nil || d.Index != 9 || d.Line != 4 {
		t.Errorf("-#: %+v", d)
	}
	if d := golden.CompareText("g", text, got, mustRule(t, `regexp:^ +\d+  `)); d == nil || d.Index != 2 {
		t.Errorf("regexp: %+v", d)
	}
	blank := []byte("a\nb\n\nc\nd\n")
	if d := golden.CompareText("g", blank, []byte("a\nb\n\nc\nD\n"), mustRule(t, "blank")); d == nil || d.Index != 2 || d.Line != 5 {
		t.Errorf("blank: %+v", d)
	}
	if d := golden.CompareText("g", text, text, golden.Rule{}); d != nil {
		t.Errorf("equal texts: %+v", d)
	}
	if d := golden.CompareText("g", text, text[:19], golden.Rule{}); d == nil || d.Index != 0 || d.Removed != 2 || d.Added != 0 {
		t.Errorf("cut output: %+v", d)
	}
}
