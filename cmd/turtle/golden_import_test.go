package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// suite writes, in a temporary tests folder, a small tcpdump-style suite:
// a TESTLIST excerpt (a comment, SPECIAL_t, a filter after --, @TESTDIR@
// in a *.tests file and a case that needs a missing feature) over the
// project's own captures, and returns the folder.
func suite(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "tests")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, c := range []string{"udp-echo.pcap", "tcp-echo.pcap"} {
		data, err := os.ReadFile(filepath.Join("../../testdata", c))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, c), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	files := map[string]string{
		"TESTLIST": "# tcpdump's format: name input output options\n" +
			"udp-v\tudp-echo.pcap\t\tudp-v.out\t-v\n" +
			"tcp-t\ttcp-echo.pcap\t\ttcp-t.out\t-t -q SPECIAL_t\n" +
			"tcp-syn\ttcp-echo.pcap\t\ttcp-syn.out\t-- 'tcp[tcpflags] & tcp-syn != 0'\n",
		"more.tests": "$testlist = [\n {\n  name => 'udp-F',\n  input => 'udp-echo.pcap',\n  output => 'udp-F.out',\n" +
			"  args => '-F @TESTDIR@/filter.txt'\n },\n {\n  config_set => 'HAVE_NOPE',\n  name => 'nope',\n" +
			"  input => 'udp-echo.pcap',\n  output => 'nope.out',\n  args => '-v'\n },\n];\n1;\n",
		"filter.txt": "udp\n",
	}
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func goldenCmd(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := runGolden(args, nil, &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

// Import applies TESTrun's rules; it needs no tcpdump.
func TestGoldenImportTcpdumpRules(t *testing.T) {
	dir := suite(t)
	list := filepath.Join(dir, "turtle.list")
	code, out, stderr := goldenCmd(t, "import", "tcpdump", filepath.Join(dir, "TESTLIST"), "-o", list, "--tcpdump", "/nonexistent/tcpdump")
	if code != 0 || !strings.Contains(out, "skip nope: HAVE_NOPE not set\n") || !strings.Contains(out, ": 5 cases (1 skipped)") ||
		!strings.Contains(stderr, "features from --config and --have only") {
		t.Fatalf("exit %d\n%s\n%s", code, out, stderr)
	}
	text, _ := os.ReadFile(list)
	for _, want := range []string{
		"!run /nonexistent/tcpdump -# -n -r {} {args}\n!env TZ=GMT0\n!frames -#\n!stderr fail\n!stderr-ok '^reading from file '\n",
		"\nudp-v udp-echo.pcap udp-v.out -tttt -v\n",
		"\ntcp-t tcp-echo.pcap tcp-t.out -t -q\n",
		"\ntcp-syn tcp-echo.pcap tcp-syn.out -tttt -- 'tcp[tcpflags] & tcp-syn != 0'\n",
		"\nudp-F udp-echo.pcap udp-F.out -tttt -F {dir}/filter.txt\n",
		"\n!skip HAVE_NOPE not set\nnope udp-echo.pcap nope.out -tttt -v\n",
	} {
		if !strings.Contains(string(text), want) {
			t.Errorf("manifest lacks %q:\n%s", want, text)
		}
	}
	code, out, _ = goldenCmd(t, "check", "--manifest", list, "--list", "--only", "tcp-syn", "--only", "nope")
	if code != 0 || !strings.Contains(out, "tcp-syn\t"+filepath.Join(dir, "tcp-syn.out")+"\t/nonexistent/tcpdump -# -n -r "+filepath.Join(dir, "tcp-echo.pcap")+" -tttt -- 'tcp[tcpflags] & tcp-syn != 0'\n") ||
		!strings.Contains(out, "nope\t"+filepath.Join(dir, "nope.out")+"\tskip: HAVE_NOPE not set\n") {
		t.Fatalf("--list: exit %d\n%s", code, out)
	}
	// Reading the TESTLIST as a turtle manifest refuses, naming the line.
	code, _, stderr = goldenCmd(t, "update", "--manifest", filepath.Join(dir, "TESTLIST"))
	if code != 1 || !strings.Contains(stderr, "TESTLIST:2: case udp-v: read options: unknown shorthand flag: 'v'") {
		t.Fatalf("update of a TESTLIST: exit %d %s", code, stderr)
	}
}

// With tcpdump: the imported suite passes on goldens tcpdump wrote as
// TESTrun runs it; an inserted line is one diff hunk in its packet; update
// --run writes tcpdump's output byte for byte.
func TestGoldenImportTcpdumpRuns(t *testing.T) {
	tcpdump, err := exec.LookPath("tcpdump")
	if err != nil {
		t.Skip("needs tcpdump")
	}
	dir := suite(t)
	tcpdumpOut := func(capture string, args ...string) []byte {
		cmd := exec.Command(tcpdump, append([]string{"-#", "-n", "-r", filepath.Join(dir, capture)}, args...)...)
		cmd.Env = append(os.Environ(), "TZ=GMT0")
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("tcpdump %s %q: %v", capture, args, err)
		}
		return out
	}
	outs := map[string][]byte{
		"udp-v.out":   tcpdumpOut("udp-echo.pcap", "-tttt", "-v"),
		"tcp-t.out":   tcpdumpOut("tcp-echo.pcap", "-t", "-q"),
		"tcp-syn.out": tcpdumpOut("tcp-echo.pcap", "-tttt", "--", "tcp[tcpflags] & tcp-syn != 0"),
		"udp-F.out":   tcpdumpOut("udp-echo.pcap", "-tttt", "-F", filepath.Join(dir, "filter.txt")),
	}
	for name, text := range outs {
		if err := os.WriteFile(filepath.Join(dir, name), text, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	list := filepath.Join(dir, "turtle.list")
	if code, out, stderr := goldenCmd(t, "import", "tcpdump", filepath.Join(dir, "TESTLIST"), "-o", list, "--tcpdump", tcpdump); code != 0 {
		t.Fatalf("import: %d %s %s", code, out, stderr)
	}
	code, out, _ := goldenCmd(t, "check", "--manifest", list)
	if code != 0 || !strings.HasSuffix(out, "4 passed, 0 failed, 1 skipped\n") {
		t.Fatalf("check: exit %d\n%s", code, out)
	}
	// The golden loses packet 1's second line (tcpdump -v prints two):
	// the output then has one line more, in packet 1.
	lines := strings.SplitAfter(string(outs["udp-v.out"]), "\n")
	os.WriteFile(filepath.Join(dir, "udp-v.out"), []byte(lines[0]+strings.Join(lines[2:], "")), 0o644)
	code, out, _ = goldenCmd(t, "check", "--manifest", list, "--only", "udp-v")
	after := lines[2:min(5, len(lines)-1)] // up to 3 lines of context after
	want := "FAIL udp-v (" + list + ":9): packet 1 differs from udp-v.out at line 2 (1 line matched before it; 1 added, 0 removed)\n" +
		"--- udp-v.out\n+++ output\n@@ -1," + strconv.Itoa(1+len(after)) + " +1," + strconv.Itoa(2+len(after)) + " @@\n " + lines[0] + "+" + lines[1]
	for _, l := range after {
		want += " " + l
	}
	if code != 1 || !strings.HasPrefix(out, want) {
		t.Fatalf("exit %d\n%s\nwant it to start\n%s", code, out, want)
	}
	code, out, _ = goldenCmd(t, "update", "--manifest", list, "--only", "udp-v", "--run", tcpdump+" -# -n -r {} {args}")
	if got, _ := os.ReadFile(filepath.Join(dir, "udp-v.out")); code != 0 || !bytes.Equal(got, outs["udp-v.out"]) {
		t.Fatalf("update --run: exit %d\n%s\ngolden:\n%s", code, out, got)
	}
	// A tcpdump that fails says so with its first line of stderr.
	code, out, _ = goldenCmd(t, "check", "--manifest", list, "--only", "tcp-t", "--run", tcpdump+" -# -n -r {} --no-such-option {args}")
	if code != 1 || !strings.Contains(out, "tcpdump exited with status 1; its standard error ends:\n") || !strings.Contains(out, "unrecognized option") {
		t.Fatalf("bad option: exit %d\n%s", code, out)
	}
}
