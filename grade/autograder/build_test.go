package autograder

import (
	"archive/tar"
	"archive/zip"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/turtle-sniffer/turtle/grade"
	"github.com/turtle-sniffer/turtle/grade/programs"
	"github.com/turtle-sniffer/turtle/sandbox"
)

func TestBuildGradescope(t *testing.T) {
	path := filepath.Join(t.TempDir(), "lab.zip")
	p := Package{Kind: "gradescope", Binary: []byte("bin"), Rubric: []byte("lab = 'x'\n"), Sets: []string{"port=7"},
		ProgArgs: " --program 'python3 s.py'", Visibility: "after_due_date"}
	if err := Build(path, p); err != nil {
		t.Fatal(err)
	}
	zr, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	got := map[string]string{}
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(rc)
		rc.Close()
		got[f.Name] = string(b)
	}
	if got["turtle"] != "bin" || got["rubric.toml"] != "lab = 'x'\n" || !strings.Contains(got["setup.sh"], "iproute2") {
		t.Errorf("files: %q", got)
	}
	run := got["run_autograder"]
	for _, want := range []string{"--set 'port=7'", "--program 'python3 s.py'", "--visibility after_due_date", "--autograder-run gradescope"} {
		if !strings.Contains(run, want) {
			t.Errorf("run_autograder lacks %q:\n%s", want, run)
		}
	}
}

func TestBuildAutolab(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "pkg")
	if err := Build(dir, Package{Kind: "autolab", Binary: []byte("bin"), Rubric: []byte("r")}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "autograde-Makefile")); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(filepath.Join(dir, "autograde.tar"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var names []string
	tr := tar.NewReader(f)
	for {
		h, err := tr.Next()
		if err != nil {
			break
		}
		names = append(names, h.Name)
		if h.Name == "autograde/grade.sh" {
			b, _ := io.ReadAll(tr)
			if !strings.Contains(string(b), "--autograder-run autolab \"${AUTOLAB_SUBMISSION:-.}\"") {
				t.Errorf("grade.sh of a capture lab:\n%s", b)
			}
		}
	}
	if strings.Join(names, " ") != "autograde/ autograde/turtle autograde/rubric.toml autograde/grade.sh" {
		t.Errorf("autograde.tar holds %v", names)
	}
}

func TestStaticBinary(t *testing.T) {
	script := filepath.Join(t.TempDir(), "turtle.sh")
	os.WriteFile(script, []byte("#!/bin/sh\n"), 0o755)
	if _, err := StaticBinary(script); err == nil || !strings.HasPrefix(err.Error(), "--turtle-binary "+script+": is not a Linux executable (ELF); build one with CGO_ENABLED=0") {
		t.Errorf("a script: %v", err)
	}
	missing := filepath.Join(t.TempDir(), "none")
	if _, err := StaticBinary(missing); err == nil || !strings.HasPrefix(err.Error(), missing+": ") {
		t.Errorf("a missing file: %v", err)
	}
}

func TestProgramArgs(t *testing.T) {
	r, _, err := grade.LoadRubric("turtle-sniffer", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	opt := programs.Options{Command: "python3 it's.py", User: "student",
		Limits: sandbox.Limits{Wall: 30e9, CPU: 10e9, Memory: 256 << 20, Procs: 32, Output: 1 << 20}, Ready: 10e9, Quiet: 5e8}
	got, err := ProgramArgs(r, opt)
	want := ` --program 'python3 it'\''s.py' --user 'student' --time-limit 30s --cpu-limit 10s --memory-limit 256 --procs-limit 32 --output-limit 1024 --ready 10s --done-after 500ms`
	if err != nil && !errors.Is(err, sandbox.ErrNotSupported) || got != want {
		t.Errorf("ProgramArgs:\n got %s (%v)\nwant %s", got, err, want)
	}
	opt.KeepCaptures = "/tmp/x"
	if _, err := ProgramArgs(r, opt); err == nil || !strings.Contains(err.Error(), "keeps no files") {
		t.Errorf("--keep-captures: %v", err)
	}
	opt.KeepCaptures, opt.User = "", "root"
	if _, err := ProgramArgs(r, opt); err == nil || !strings.Contains(err.Error(), "never run as root") {
		t.Errorf("--user root: %v", err)
	}
}

func TestGradeCapturesAndResults(t *testing.T) {
	r, _, err := grade.LoadRubric("udp-echo", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	sub := t.TempDir()
	_, gradeErr := GradeCaptures(r, []string{sub})
	if gradeErr == nil || !strings.Contains(gradeErr.Error(), "no capture file") {
		t.Fatalf("an empty submission: %v", gradeErr)
	}
	path := filepath.Join(t.TempDir(), "results", "results.json")
	if err := WriteResults(path, Graded{}, gradeErr, "hidden"); err != nil {
		t.Fatal(err)
	}
	var res struct {
		Score      float64
		Visibility string
		Output     string
	}
	b, _ := os.ReadFile(path)
	if err := json.Unmarshal(b, &res); err != nil {
		t.Fatal(err)
	}
	if res.Score != 0 || res.Visibility != "hidden" || !strings.HasPrefix(res.Output, "The autograder could not grade this submission: no capture file") {
		t.Errorf("results.json of an empty submission: %s", b)
	}
	capture, err := os.ReadFile(filepath.Join("..", "testdata", "recorded", "udp-echo-lo.pcapng"))
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(sub, "alice.pcapng"), capture, 0o644)
	g, err := GradeCaptures(r, []string{sub})
	if err != nil || g.Rubric != r || g.Student != "submission" || g.Max != r.MaxScore() || len(g.Checks) != len(r.Checks) {
		t.Fatalf("GradeCaptures: %+v, %v", g, err)
	}
}

func TestGradeProgramOneFolder(t *testing.T) {
	r, _, err := grade.LoadRubric("turtle-sniffer", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	_, err = GradeProgram(t.Context(), r, []string{t.TempDir(), t.TempDir()}, programs.Options{Command: "true"})
	if err == nil || err.Error() != "a program lab grades one submission folder; 2 given" {
		t.Errorf("two folders: %v", err)
	}
}
