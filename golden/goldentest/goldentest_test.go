package goldentest_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/turtle-sniffer/turtle/decode"
	"github.com/turtle-sniffer/turtle/golden"
	"github.com/turtle-sniffer/turtle/golden/goldentest"
	"github.com/turtle-sniffer/turtle/internal/fixtures"
	"github.com/turtle-sniffer/turtle/pcapio"
)

// The project's own goldens: every case of testdata/golden.list.
// GOLDIE_UPDATE=1 go test ./golden/... (or -update) rewrites them.
func TestProjectManifest(t *testing.T) {
	goldentest.Test(t, filepath.Join("..", "..", "testdata", "golden.list"))
}

// TestHelperManifest is run by the tests below in a child process, on the
// manifest they name; it does nothing otherwise.
func TestHelperManifest(t *testing.T) {
	path := os.Getenv("GOLDENTEST_MANIFEST")
	if path == "" {
		t.Skip("helper for TestFailsOnDifference")
	}
	goldentest.TestWith(t, path, golden.Options{NewFormat: func(name string) (decode.Format, error) {
		if name == "boom" {
			return boom{}, nil
		}
		return decode.NewFormat(name)
	}})
}

type boom struct{}

func (boom) AppendFrame(dst []byte, f *pcapio.Frame) []byte { panic("kaboom") }

// TestHelperAssert is run by TestAssert in a child process, in a folder of
// its own; it does nothing otherwise.
func TestHelperAssert(t *testing.T) {
	if os.Getenv("GOLDENTEST_ASSERT") == "" {
		t.Skip("helper for TestAssert")
	}
	goldentest.AssertWith(t, "decoder", []byte(os.Getenv("GOLDENTEST_ASSERT")), golden.Rule{})
}

// helper runs TestHelperManifest on path in a child test process.
func helper(t *testing.T, path string, args ...string) (string, error) {
	t.Helper()
	run := "-test.run=^TestHelperManifest$"
	if len(args) > 0 && strings.HasPrefix(args[0], "-test.run=") {
		run, args = args[0], args[1:]
	}
	cmd := exec.Command(os.Args[0], append([]string{run, "-test.v"}, args...)...)
	cmd.Env = append(os.Environ(), "GOLDENTEST_MANIFEST="+path, "GOLDIE_UPDATE=")
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func TestFailsOnDifferenceAndUpdates(t *testing.T) {
	dir := t.TempDir()
	var c fixtures.Capture
	for _, c = range fixtures.Captures() {
		if c.Name == "linux-sll" {
			break
		}
	}
	var buf bytes.Buffer
	if err := fixtures.Write(&buf, c, fixtures.PcapMicro); err != nil {
		t.Fatal(err)
	}
	write := func(name, text string) {
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("sll.pcap", buf.String())
	write("golden.list", "sll sll.pcap golden/sll.golden --format basic\n")
	list := filepath.Join(dir, "golden.list")

	// No golden yet: the case fails and says how to write it.
	out, err := helper(t, list)
	if err == nil || !strings.Contains(out, "--- FAIL: TestHelperManifest/sll") ||
		!strings.Contains(out, "golden/sll.golden does not exist: 'go test -run 'TestHelperManifest/sll' -update' writes it") {
		t.Fatalf("missing golden: err %v:\n%s", err, out)
	}
	// goldie's -update flag writes it.
	out, err = helper(t, list, "-update")
	if err != nil || !strings.Contains(out, "updated sll: golden/sll.golden, 6 frames changed (0 → 6 frames)") {
		t.Fatalf("-update: err %v:\n%s", err, out)
	}
	if out, err := helper(t, list); err != nil {
		t.Fatalf("after -update: %v\n%s", err, out)
	}
	// A deliberately edited golden fails, naming the frame.
	text, err := os.ReadFile(filepath.Join(dir, "golden", "sll.golden"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.SplitAfter(string(text), "\n")
	lines[1] = "b'edited'\n"
	write("golden/sll.golden", strings.Join(lines, ""))
	out, err = helper(t, list)
	if err == nil || !strings.Contains(out, "frame 2 differs from golden/sll.golden") || !strings.Contains(out, "-b'edited'") {
		t.Fatalf("edited golden: err %v:\n%s", err, out)
	}
}

// -run selects cases; a case whose format panics fails, named, and the
// others pass.
func TestSubtestsNarrowAndSurvivePanics(t *testing.T) {
	dir := t.TempDir()
	var buf bytes.Buffer
	for _, c := range fixtures.Captures() {
		if c.Name == "linux-sll" {
			if err := fixtures.Write(&buf, c, fixtures.PcapMicro); err != nil {
				t.Fatal(err)
			}
		}
	}
	os.WriteFile(filepath.Join(dir, "sll.pcap"), buf.Bytes(), 0o644)
	list := filepath.Join(dir, "golden.list")
	os.WriteFile(list, []byte("a sll.pcap a.golden --format basic\nb sll.pcap b.golden --format basic\nboom sll.pcap boom.golden --format boom\n"), 0o644)
	if out, err := helper(t, list, "-test.run=^TestHelperManifest$/^[ab]$", "-update"); err != nil {
		t.Fatalf("-update a and b: %v\n%s", err, out)
	}
	out, err := helper(t, list, "-test.run=^TestHelperManifest$/^a$")
	if err != nil || !strings.Contains(out, "--- PASS: TestHelperManifest/a ") || strings.Contains(out, "TestHelperManifest/b") {
		t.Fatalf("-run a: %v\n%s", err, out)
	}
	out, err = helper(t, list)
	if err == nil || !strings.Contains(out, "--- FAIL: TestHelperManifest/boom ") || !strings.Contains(out, "panic (a bug in the decoder): kaboom") ||
		!strings.Contains(out, "--- PASS: TestHelperManifest/a ") || !strings.Contains(out, "--- PASS: TestHelperManifest/b ") {
		t.Fatalf("panic: %v\n%s", err, out)
	}
}

// Assert writes goldie's testdata/NAME.golden with -update, then reports a
// difference with its diff.
func TestAssert(t *testing.T) {
	dir := t.TempDir()
	run := func(text string, args ...string) (string, error) {
		cmd := exec.Command(os.Args[0], append([]string{"-test.run=^TestHelperAssert$", "-test.v"}, args...)...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GOLDENTEST_ASSERT="+text, "GOLDIE_UPDATE=")
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	if out, err := run("one\ntwo\n"); err == nil || !strings.Contains(out, "go test -run 'TestHelperAssert' -update writes it") {
		t.Fatalf("missing golden: %v\n%s", err, out)
	}
	if out, err := run("one\ntwo\n", "-update"); err != nil {
		t.Fatalf("-update: %v\n%s", err, out)
	}
	if got, err := os.ReadFile(filepath.Join(dir, "testdata", "decoder.golden")); err != nil || string(got) != "one\ntwo\n" {
		t.Fatalf("golden %q, %v", got, err)
	}
	if out, err := run("one\ntwo\n"); err != nil {
		t.Fatalf("same text: %v\n%s", err, out)
	}
	out, err := run("one\n2\ntwo\n")
	if err == nil || !strings.Contains(out, "line 2 differs from testdata/decoder.golden (1 line matched before it; 1 added, 0 removed)") ||
		!strings.Contains(out, "@@ -1,2 +1,3 @@") {
		t.Fatalf("difference: %v\n%s", err, out)
	}
}
