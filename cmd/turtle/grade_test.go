package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/turtle-sniffer/turtle/grade"
	"github.com/turtle-sniffer/turtle/internal/fixtures"
	"github.com/turtle-sniffer/turtle/pcapio"
)

// gradeClass writes a class of UDP echo captures, one folder per student
// with a capture named alike in each, and returns the folder.
func gradeClass(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	files := map[string][]byte{filepath.Join(dir, "bob", "README.txt"): []byte("my notes")}
	for i, name := range []string{"alice", "bob"} {
		s := fixtures.NewSession(pcapio.LinkTypeEthernet)
		s.Start = fixtures.Epoch.Add(time.Duration(i) * time.Hour)
		c := fixtures.ClientPort(i, 0)
		s.UDP(0, c, fixtures.UDPServer, []byte("hello"))
		if name == "alice" {
			s.UDP(time.Millisecond, fixtures.UDPServer, c, []byte("hello"))
		}
		files[filepath.Join(dir, name, "lab1.pcap")] = s.Bytes(fixtures.PcapMicro)
	}
	writeFiles(t, files)
	return dir
}

func TestGradeCommand(t *testing.T) {
	dir := gradeClass(t)
	out := t.TempDir()
	csvPath, jsonPath, gs := filepath.Join(out, "g.csv"), filepath.Join(out, "g.json"), filepath.Join(out, "gs")
	code, stdout, stderr := turtle(t, nil, "grade", "--lab", "udp-echo", "--student-from", "dirname", dir,
		"--csv", csvPath, "--json", jsonPath, "--gradescope", gs)
	if code != 0 || stderr != "" {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	for _, want := range []string{"alice    10/10  -\n", "bob      4/10   echo 0/6: the capture ends in frame 1, right after the request: keep capturing until the client has its echo\n"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("table lacks %q:\n%s", want, stdout)
		}
	}
	csvData, err := os.ReadFile(csvPath)
	if err != nil || !strings.HasPrefix(string(csvData), "student,file,score,max_score,request,echo,") {
		t.Errorf("csv %q, %v", csvData, err)
	}
	var doc struct{ Students []grade.Result }
	if data, err := os.ReadFile(jsonPath); err != nil || json.Unmarshal(data, &doc) != nil || len(doc.Students) != 2 {
		t.Errorf("json: %v, %d students", err, len(doc.Students))
	}
	for _, s := range []string{"alice", "bob"} {
		if _, err := os.Stat(filepath.Join(gs, s, "results.json")); err != nil {
			t.Error(err)
		}
	}

	// The same class by file name: both captures are "lab1", so the
	// command warns, and grades the best.
	code, stdout, stderr = turtle(t, nil, "grade", "--lab", "udp-echo", dir)
	if code != 0 || !strings.Contains(stderr, `both name student lab1:`) || !strings.Contains(stdout, "lab1     10/10") {
		t.Errorf("filename mode: exit %d\nstdout %s\nstderr %s", code, stdout, stderr)
	}

	// One student for Autolab and a single Gradescope file: the score line
	// ends the output.
	single := filepath.Join(out, "results.json")
	code, stdout, stderr = turtle(t, nil, "grade", "--lab", "udp-echo", "--autolab", "--gradescope", single,
		"--set", "port=10001", filepath.Join(dir, "bob", "lab1.pcap"))
	if code != 0 || stderr != "" || !strings.HasSuffix(stdout, "\n"+`{"scores": {"request": 4, "echo": 0}}`+"\n") {
		t.Errorf("autolab: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	if _, err := os.Stat(single); err != nil {
		t.Error(err)
	}
}

func TestGradeCommandErrors(t *testing.T) {
	dir := gradeClass(t)
	bad := writeTemp(t, "rubric.toml", []byte("lab = \"x\"\n[[check]]\nid = \"a\"\nkind = \"udp-echo\"\nport = 1\ncolor = 1\n"))
	for _, tc := range []struct {
		args   []string
		code   int
		stderr string
	}{
		{[]string{"grade", dir}, 2, "turtle grade: no lab: give --lab LAB or --rubric FILE (run 'turtle grade --help')\n"},
		{[]string{"grade", "--lab", "x", dir}, 2, `turtle grade: --lab: no lab "x" (labs: basic-sniffer, basic-sniffer-windows, ping, sniffer, tcp-concurrent, tcp-echo, tcp-iterative, turtle-sniffer, turtle-sniffer-windows, udp-echo) (run 'turtle grade --help')` + "\n"},
		{[]string{"grade", "--lab", "ping", "--rubric", bad, dir}, 2, "turtle grade: --lab and --rubric both given: choose one (run 'turtle grade --help')\n"},
		{[]string{"grade", "--lab", "ping"}, 2, "turtle grade: no capture given (PATH: a file or a directory) (run 'turtle grade --help')\n"},
		{[]string{"grade", "--lab", "ping", "--student-from", "path", dir}, 2, "turtle grade: --student-from \"path\": want filename, dirname, moodle, canvas, blackboard or gradescope (run 'turtle grade --help')\n"},
		{[]string{"grade", "--lab", "ping", "--autolab", "--student-from", "dirname", dir}, 2, "turtle grade: --autolab grades one student; 2 given (run 'turtle grade --help')\n"},
		{[]string{"grade", "--lab", "ping", "--set", "portt=1", dir}, 2, `turtle grade: --set "portt=1": unknown parameter "portt" (parameters: port, server, client, message, delay, min_delay, clients, count, interface) (run 'turtle grade --help')` + "\n"},
		{[]string{"grade", "--rubric", bad, dir}, 1, "turtle grade: " + bad + `:6: unknown key "check.color"` + "\n"},
		{[]string{"grade", "--rubric", bad + ".missing", dir}, 1, "turtle grade: " + bad + ".missing: open: no such file or directory\n"},
		{[]string{"grade", "--lab", "ping", filepath.Join(dir, "nobody")}, 1, "turtle grade: no capture file in " + filepath.Join(dir, "nobody") + "\n"},
	} {
		if tc.args[len(tc.args)-1] == filepath.Join(dir, "nobody") {
			os.MkdirAll(filepath.Join(dir, "nobody"), 0o755)
		}
		code, _, stderr := turtle(t, nil, tc.args...)
		if code != tc.code || stderr != tc.stderr {
			t.Errorf("%q: exit %d, stderr %q; want %d, %q", tc.args, code, stderr, tc.code, tc.stderr)
		}
	}
}

func TestGradeShowLabAndHelp(t *testing.T) {
	code, stdout, _ := turtle(t, nil, "grade", "--show-lab", "tcp-echo")
	src, _ := grade.LabSource("tcp-echo")
	if code != 0 || stdout != string(src) {
		t.Errorf("--show-lab: exit %d", code)
	}
	// What --show-lab prints is a rubric --rubric reads back.
	path := writeTemp(t, "tcp-echo.toml", []byte(stdout))
	if _, err := grade.ParseRubric(path, []byte(stdout)); err != nil {
		t.Error(err)
	}
	code, stdout, _ = turtle(t, nil, "grade", "--help")
	if code != 0 || !strings.Contains(stdout, "Labs: basic-sniffer, basic-sniffer-windows, ping, sniffer, tcp-concurrent, tcp-echo, tcp-iterative, turtle-sniffer, turtle-sniffer-windows, udp-echo.") ||
		!strings.Contains(stdout, "Example:\n  turtle grade --lab tcp-echo") {
		t.Errorf("--help: exit %d\n%s", code, stdout)
	}
}
