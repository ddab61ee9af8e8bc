package main

import (
	"archive/zip"
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/turtle-sniffer/turtle/grade"
)

// writeTestZip writes a zip of name → content.
func writeTestZip(t *testing.T, path string, files map[string][]byte) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	zw := zip.NewWriter(f)
	for name, b := range files {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(b)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	f.Close()
}

// writeFiles writes path → content, making the folders on the way.
func writeFiles(t *testing.T, files map[string][]byte) {
	t.Helper()
	for path, b := range files {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// Issue 14, false verdict 4: every student folder gets a row, in the
// table, the CSV and the JSON — a zip is opened and searched, a folder with
// code only scores 0 with what it holds, and every name on a roster
// appears. The capture is the project's own recording (testdata/udp-echo.pcap,
// made by turtle record), as a Moodle export lays it out.
func TestGradeEveryFolderGetsARow(t *testing.T) {
	echo, err := os.ReadFile(filepath.Join("..", "..", "testdata", "udp-echo.pcap"))
	if err != nil {
		t.Fatal(err)
	}
	echo2, err := os.ReadFile(filepath.Join("..", "..", "grade", "testdata", "recorded", "udp-echo-lo.pcapng"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	sub := filepath.Join(dir, "submissions")
	code := []byte("import socket\n")
	writeFiles(t, map[string][]byte{
		filepath.Join(sub, "Alice Smith_101_assignsubmission_file_", "echo.pcap"): echo,
		filepath.Join(sub, "Carol Jones_103_assignsubmission_file_", "server.py"): code,
		filepath.Join(sub, "Carol Jones_103_assignsubmission_file_", "client.py"): code,
		filepath.Join(sub, "Erin Wu_105_assignsubmission_file_", ".keep"):         nil,
		filepath.Join(dir, "roster.csv"): []byte("Identifier,Full name,Email address\n" +
			"Participant 101,Alice Smith,a@x\nParticipant 102,Bob Brown,b@x\nParticipant 103,Carol Jones,c@x\n" +
			"Participant 104,Dave Lee,d@x\nParticipant 105,Erin Wu,e@x\nParticipant 106,Frank Ng,f@x\n"),
	})
	if err := os.MkdirAll(filepath.Join(sub, "Bob Brown_102_assignsubmission_file_"), 0o755); err != nil {
		t.Fatal(err)
	}
	writeTestZip(t, filepath.Join(sub, "Bob Brown_102_assignsubmission_file_", "lab.zip"), map[string][]byte{"lab/echo.pcapng": echo2, "lab/server.py": code})
	writeTestZip(t, filepath.Join(sub, "Dave Lee_104_assignsubmission_file_.zip"), map[string][]byte{"server.py": code, "client.py": code})

	csvPath, jsonPath := filepath.Join(dir, "g.csv"), filepath.Join(dir, "g.json")
	moodle, canvas, fb := filepath.Join(dir, "moodle.csv"), filepath.Join(dir, "canvas.csv"), filepath.Join(dir, "feedback")
	exit, stdout, stderr := turtle(t, nil, "grade", "--lab", "udp-echo", "--student-from", "moodle",
		"--roster", filepath.Join(dir, "roster.csv"), sub, "--csv", csvPath, "--json", jsonPath, "--jobs", "1",
		"--moodle", moodle, "--canvas", canvas, "--assignment", "Lab 1 (77)", "--feedback", fb)
	if exit != 0 {
		t.Fatalf("exit %d\n%s\n%s", exit, stdout, stderr)
	}
	want := map[string]string{
		"Alice Smith": "10/10",
		"Carol Jones": "0/10   error: no capture found; the folder holds client.py, server.py",
		"Dave Lee":    "0/10   error: no capture found; Dave Lee_104_assignsubmission_file_.zip holds ",
		"Bob Brown ":  "10/10  -",
		"Erin Wu":     "0/10   error: no capture found; the folder is empty",
		"Frank Ng":    "0/10   error: no submission",
	}
	for name, w := range want {
		if !regexp.MustCompile(`(?m)^` + name + ` +` + regexp.QuoteMeta(w)).MatchString(stdout) {
			t.Errorf("table has no row %q %q:\n%s", name, w, stdout)
		}
	}
	f, err := os.Open(csvPath)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(f).ReadAll()
	f.Close()
	if err != nil || len(rows) != 7 {
		t.Fatalf("csv: %v, %d rows; want a header and 6", err, len(rows))
	}
	var doc struct{ Students []grade.Result }
	data, _ := os.ReadFile(jsonPath)
	if err := json.Unmarshal(data, &doc); err != nil || len(doc.Students) != 6 {
		t.Fatalf("json: %v, %d students", err, len(doc.Students))
	}
	ids := map[string]string{}
	for _, s := range doc.Students {
		ids[s.Student] = s.ID
	}
	if ids["Alice Smith"] != "101" || ids["Frank Ng"] != "106" || ids["Dave Lee"] != "104" {
		t.Errorf("ids %v", ids)
	}
	if strings.Contains(stderr, "not on the roster") {
		t.Errorf("stderr: %s", stderr)
	}
	// The LMS round trip: Moodle's worksheet and Canvas's gradebook carry
	// every student back by id, and each student has a feedback file.
	// Last modified (grade) is the time of grading (issue 25 item 12): empty,
	// Moodle's importer skipped every student already graded.
	m, _ := os.ReadFile(moodle)
	stamp := `,\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC,`
	for _, line := range []string{
		regexp.QuoteMeta("Identifier,Full name,Email address,Status,Grade,Maximum Grade,Grade can be changed,Last modified (submission),Last modified (grade),Feedback comments\n"),
		regexp.QuoteMeta("Participant 101,Alice Smith,,,10,10,Yes,") + stamp + regexp.QuoteMeta("All checks passed.\n"),
		regexp.QuoteMeta("Participant 106,Frank Ng,,,0,10,Yes,") + stamp + regexp.QuoteMeta("Your capture could not be graded: no submission.\n"),
	} {
		if !regexp.MustCompile(line).Match(m) {
			t.Errorf("moodle worksheet lacks %q:\n%s", line, m)
		}
	}
	// The ids are Moodle's: a Canvas file of them is warned about.
	if !strings.Contains(stderr, "the ids come from a moodle export") || strings.Contains(stderr, "no --assignment") {
		t.Errorf("canvas warnings: %s", stderr)
	}
	_, _, stderr2 := turtle(t, nil, "grade", "--lab", "udp-echo", "--roster", filepath.Join(dir, "roster.csv"),
		filepath.Join(sub, "Alice Smith_101_assignsubmission_file_", "echo.pcap"), "--canvas", filepath.Join(dir, "canvas2.csv"))
	if !strings.Contains(stderr2, "no --assignment") {
		t.Errorf("--canvas without --assignment: no warning: %s", stderr2)
	}
	c, _ := os.ReadFile(canvas)
	if !strings.HasPrefix(string(c), "Student,ID,SIS User ID,SIS Login ID,Section,Lab 1 (77)\n\"    Points Possible\",,,,,10\n") ||
		!strings.Contains(string(c), "Carol Jones,103,,,,0\n") {
		t.Errorf("canvas gradebook:\n%s", c)
	}
	f2, err := os.ReadFile(filepath.Join(fb, "Carol Jones.md"))
	if err != nil || !strings.Contains(string(f2), "Score: 0 / 10") || !strings.Contains(string(f2), "no capture found; the folder holds client.py, server.py") {
		t.Errorf("feedback file: %v\n%s", err, f2)
	}
}

// Issue 19, item 8: a capture named with a newline and ESC sequences
// cannot forge a line of the report or drive the terminal: the name is
// escaped in the table, the copies summary, the CSV and the feedback files.
func TestGradeEscapesStudentNames(t *testing.T) {
	echo, err := os.ReadFile(filepath.Join("..", "..", "testdata", "udp-echo.pcap"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	evil := "mallory\nalice    full marks  \x1b[2J\x1b[31m"
	writeFiles(t, map[string][]byte{
		filepath.Join(dir, evil+".pcap"): echo,
		filepath.Join(dir, "trent.pcap"): echo, // a copy, for the copies summary
	})
	csvPath, fb := filepath.Join(dir, "out", "g.csv"), filepath.Join(dir, "out", "fb")
	os.MkdirAll(filepath.Dir(csvPath), 0o755)
	exit, stdout, stderr := turtle(t, nil, "grade", "--lab", "udp-echo", dir, "--csv", csvPath, "--feedback", fb)
	if exit != 0 {
		t.Fatalf("exit %d: %s", exit, stderr)
	}
	for _, out := range []string{stdout, stderr} {
		if strings.ContainsAny(out, "\x1b\r") || strings.Contains(out, "\nalice") {
			t.Errorf("raw control bytes or a forged line:\n%s", out)
		}
	}
	if !strings.Contains(stdout, `"mallory\nalice    full marks  \x1b[2J\x1b[31m"`) || !strings.Contains(stdout, `"mallory\nalice    full marks  \x1b[2J\x1b[31m" and trent: all 2 frames identical`) {
		t.Errorf("name not escaped where expected:\n%s", stdout)
	}
	c, _ := os.ReadFile(csvPath)
	if strings.ContainsAny(string(c), "\x1b") {
		t.Errorf("csv has raw ESC: %q", c)
	}
	entries, _ := os.ReadDir(fb)
	for _, e := range entries {
		if strings.ContainsAny(e.Name(), "\n\x1b") {
			t.Errorf("feedback file named %q", e.Name())
		}
		b, _ := os.ReadFile(filepath.Join(fb, e.Name()))
		if strings.ContainsAny(string(b), "\x1b") {
			t.Errorf("feedback %q has raw ESC", e.Name())
		}
	}
}
