package goldentest_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/turtle-sniffer/turtle/golden/goldentest"
	"github.com/turtle-sniffer/turtle/internal/fixtures"
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
	goldentest.Test(t, path)
}

// helper runs TestHelperManifest on path in a child test process.
func helper(t *testing.T, path string, args ...string) (string, error) {
	t.Helper()
	cmd := exec.Command(os.Args[0], append([]string{"-test.run=^TestHelperManifest$", "-test.v"}, args...)...)
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
		!strings.Contains(out, "golden/sll.golden does not exist") {
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
