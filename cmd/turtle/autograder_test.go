package main

import (
	"archive/zip"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// staticTurtle builds the static linux/amd64 turtle a package ships.
func staticTurtle(t *testing.T) string {
	t.Helper()
	if runtime.GOOS != "linux" || runtime.GOARCH != "amd64" {
		t.Skip("runs the package's linux/amd64 turtle: needs linux/amd64")
	}
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("needs the go command to build the static turtle")
	}
	bin := filepath.Join(t.TempDir(), "turtle")
	cmd := exec.Command(goBin, "build", "-o", bin, ".")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH=amd64")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	data, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(to), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

type gsResults struct {
	Score      float64 `json:"score"`
	Output     string  `json:"output"`
	Visibility string  `json:"visibility"`
	Tests      []struct {
		Name     string  `json:"name"`
		Score    float64 `json:"score"`
		MaxScore float64 `json:"max_score"`
		Status   string  `json:"status"`
		Output   string  `json:"output"`
	} `json:"tests"`
}

// The Gradescope zip, unpacked into a folder standing for /autograder:
// setup.sh, then run_autograder on a correct submission (full marks), a
// broken one (the failed checks with their reasons) and an empty one
// (score 0 and why).
func TestAutograderGradescope(t *testing.T) {
	bin := staticTurtle(t)
	dir := t.TempDir()
	pkg := filepath.Join(dir, "udp-echo.zip")
	code, out, errs := turtle(t, nil, "grade", "--lab", "udp-echo", "--autograder", "gradescope", "--turtle-binary", bin, "-o", pkg)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	t.Log(strings.TrimSpace(out))
	cases := []struct {
		name, capture string
		full          bool
	}{
		{"correct", "../../testdata/udp-echo.pcap", true},
		{"broken", "../../testdata/tcp-echo.pcap", false},
		{"empty", "", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			root := filepath.Join(dir, c.name)
			unzip(t, pkg, filepath.Join(root, "source"))
			if err := os.MkdirAll(filepath.Join(root, "submission"), 0o755); err != nil {
				t.Fatal(err)
			}
			if c.capture != "" {
				copyFile(t, c.capture, filepath.Join(root, "submission", "lab2", "capture.pcap"))
			}
			env := append(os.Environ(), "AUTOGRADER_ROOT="+root)
			for _, script := range []string{"setup.sh", "run_autograder"} {
				cmd := exec.Command("sh", filepath.Join(root, "source", script))
				cmd.Env = env
				if out, err := cmd.CombinedOutput(); err != nil {
					t.Fatalf("%s: %v\n%s", script, err, out)
				}
			}
			data, err := os.ReadFile(filepath.Join(root, "results", "results.json"))
			if err != nil {
				t.Fatal(err)
			}
			var r gsResults
			if err := json.Unmarshal(data, &r); err != nil {
				t.Fatalf("results.json: %v\n%s", err, data)
			}
			if r.Visibility != "visible" {
				t.Errorf("visibility %q", r.Visibility)
			}
			sum, max := 0.0, 0.0
			for _, tc := range r.Tests {
				sum += tc.Score
				max += tc.MaxScore
				if tc.Status == "failed" && tc.Output == "" {
					t.Errorf("test %q failed without a reason", tc.Name)
				}
			}
			switch {
			case c.full && (r.Score != 10 || sum != 10 || max != 10):
				t.Errorf("score %v (tests %v of %v), want 10/10:\n%s", r.Score, sum, max, data)
			case !c.full && r.Score != 0:
				t.Errorf("score %v, want 0:\n%s", r.Score, data)
			case c.name == "broken" && (len(r.Tests) != 2 || !strings.Contains(r.Tests[0].Output, "no datagram to port 10001")):
				t.Errorf("broken submission: want both checks failed with the reason:\n%s", data)
			case c.name == "empty" && !strings.Contains(r.Output, "no capture file"):
				t.Errorf("empty submission: output %q, want why", r.Output)
			}
		})
	}
}

func unzip(t *testing.T, zipFile, dir string) {
	t.Helper()
	zr, err := zip.OpenReader(zipFile)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		data, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(dir, f.Name)
		os.MkdirAll(filepath.Dir(p), 0o755)
		// Modes as Gradescope may leave them: setup.sh makes turtle executable.
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// The Autolab files in a folder as Autolab lays them out (the Makefile,
// autograde.tar, the handin), run with make: the last line is the score.
func TestAutograderAutolab(t *testing.T) {
	makeBin, err := exec.LookPath("make")
	if err != nil {
		t.Skip("needs make: apt-get install make")
	}
	bin := staticTurtle(t)
	dir := t.TempDir()
	pkg := filepath.Join(dir, "pkg")
	if code, _, errs := turtle(t, nil, "grade", "--lab", "tcp-echo", "--autograder", "autolab", "--turtle-binary", bin, "-o", pkg); code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	for _, c := range []struct{ name, capture, want string }{
		{"correct", "../../testdata/tcp-echo.pcap", `{"scores": {"handshake": 2, "data": 2, "echo": 4, "close": 2}}`},
		{"broken", "../../testdata/udp-echo.pcap", `{"scores": {"handshake": 0, "data": 0, "echo": 0, "close": 0}}`},
	} {
		work := filepath.Join(dir, c.name)
		copyFile(t, filepath.Join(pkg, "autograde.tar"), filepath.Join(work, "autograde.tar"))
		copyFile(t, filepath.Join(pkg, "autograde-Makefile"), filepath.Join(work, "Makefile"))
		copyFile(t, c.capture, filepath.Join(work, "handin.pcap"))
		cmd := exec.Command(makeBin, "-s")
		cmd.Dir = work
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("%s: make: %v\n%s", c.name, err, out)
		}
		lines := strings.Split(strings.TrimSpace(string(out)), "\n")
		if last := lines[len(lines)-1]; last != c.want {
			t.Errorf("%s: last line %q, want %q\n%s", c.name, last, c.want, out)
		}
	}
}

// A turtle that cannot run in the autograder images is refused, saying how
// to build one.
func TestAutograderRefusesBinary(t *testing.T) {
	dir := t.TempDir()
	notELF := writeTemp(t, "turtle.exe", []byte("MZ not a linux binary"))
	code, _, errs := turtle(t, nil, "grade", "--lab", "udp-echo", "--autograder", "gradescope", "--turtle-binary", notELF, "-o", filepath.Join(dir, "x.zip"))
	if code != 1 || !strings.Contains(errs, "not a Linux executable") || !strings.Contains(errs, "CGO_ENABLED=0 GOOS=linux GOARCH=amd64") {
		t.Errorf("exit %d, %q", code, errs)
	}
	if code, _, errs := turtle(t, nil, "grade", "--lab", "udp-echo", "--autograder", "moodle", "-o", "x"); code != 2 {
		t.Errorf("--autograder moodle: exit %d, %q", code, errs)
	}
}

// Issue 25 item 13: the README's install section says how to build the
// static turtle --autograder ships, with the very command its refusal
// gives.
func TestReadmeSaysHowToBuildTheAutograderBinary(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	notELF := writeTemp(t, "turtle.exe", []byte("MZ not a linux binary"))
	_, _, errs := turtle(t, nil, "grade", "--lab", "udp-echo", "--autograder", "gradescope", "--turtle-binary", notELF, "-o", filepath.Join(dir, "x.zip"))
	const build = "CGO_ENABLED=0 GOOS=linux GOARCH=amd64 go build -o turtle-linux ./cmd/turtle"
	if !strings.Contains(errs, build) {
		t.Fatalf("the refusal does not give %q: %q", build, errs)
	}
	install, _, _ := strings.Cut(string(readme), "## Commands")
	if !strings.Contains(install, build) || !strings.Contains(install, "CGO_ENABLED=0 go install ./cmd/turtle") ||
		!strings.Contains(install, "--autograder") {
		t.Errorf("README's install section does not say how to build the static binary for --autograder")
	}
}
