package programs

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/turtle-sniffer/turtle/grade"
	"github.com/turtle-sniffer/turtle/sandbox"
)

func TestCheckFlags(t *testing.T) {
	load := func(lab string) *grade.Rubric {
		r, _, err := grade.LoadRubric(lab, "", nil)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	sniffer, echo := load("turtle-sniffer"), load("tcp-concurrent")
	good := Options{Command: "python3 s.py", Limits: sandbox.Limits{Wall: 1, CPU: 1, Memory: 1, Procs: 1, Output: 1}}
	zero := good
	zero.Limits.Procs = 0
	client := good
	client.Client = true
	for _, c := range []struct {
		name string
		r    *grade.Rubric
		opt  *Options
		pack bool
		want string // "" for no error
	}{
		{"capture lab, no program", echo, nil, false, ""},
		{"sniffer lab, no program", sniffer, nil, false, "lab turtle-sniffer grades a program: give --program 'python3 sniffer.py' and the submission folders"},
		{"sniffer lab, no program, pack", sniffer, nil, true, "lab turtle-sniffer grades a program: give --program 'python3 sniffer.py' to pack the command that runs it"},
		{"a limit of 0", sniffer, &zero, false, "the limits must be positive"},
		{"a limit of 0, pack", sniffer, &zero, true, "the limits must be positive"},
		{"a sniffer as a client", sniffer, &client, false, "lab turtle-sniffer grades a sniffer: give it with --program, not --client"},
		{"a sniffer as a client, pack", sniffer, &client, true, ""},
		{"a concurrent server's client", echo, &client, false, "lab tcp-concurrent judges a server's concurrency: grade a server with --program"},
		{"a sniffer", sniffer, &good, false, ""},
	} {
		err := CheckFlags(c.r, c.opt, c.pack)
		var fe *grade.FlagError
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%s: %v", c.name, err)
		case c.want != "" && (!errors.As(err, &fe) || !strings.HasSuffix(err.Error(), c.want)):
			t.Errorf("%s: %v, want the usage error %q", c.name, err, c.want)
		}
	}
}

func TestGradeFolders(t *testing.T) {
	r, _, err := grade.LoadRubric("turtle-sniffer", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	var msgs []string
	message := func(s string) { msgs = append(msgs, s) }
	file := filepath.Join(t.TempDir(), "alice.py")
	os.WriteFile(file, nil, 0o644)
	if _, _, _, err := GradeFolders(context.Background(), r, []string{file}, Options{Command: "true"}, message); err == nil || !strings.Contains(err.Error(), "not a folder") || len(msgs) != 0 {
		t.Errorf("a file for a folder: %v, messages %q", err, msgs)
	}
	// Cancelled before it starts, and refused by Check (a sniffer lab
	// takes no --client): nothing runs, and both messages are said.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, shown, interrupted, err := GradeFolders(ctx, r, []string{t.TempDir()}, Options{Command: "true", Client: true}, message)
	if len(shown.Checks) != len(r.Checks)+1 {
		t.Errorf("a client's rubric: %d checks, want the lab's %d and its printed lines'", len(shown.Checks), len(r.Checks))
	}
	if err == nil || !interrupted || len(msgs) != 2 || !strings.HasPrefix(msgs[0], "sandbox: ") || !strings.HasPrefix(msgs[1], "interrupted: ") {
		t.Errorf("cancelled: %v, interrupted %v, messages %q", err, interrupted, msgs)
	}
}

func TestGradeFoldersKeepsCapturesForThePages(t *testing.T) {
	if os.Geteuid() != 0 || runtime.GOOS != "linux" {
		t.Skip("grading programs needs root and Linux")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // nothing runs: every submission scores 0, "not run"
	for _, c := range []struct {
		lab, keep string
		want      bool // Pages/captures made
	}{
		{"udp-echo", "", true},
		{"udp-echo", "elsewhere", false},
		{"turtle-sniffer", "", false}, // a sniffer's run has no capture to draw
	} {
		r, _, err := grade.LoadRubric(c.lab, "", nil)
		if err != nil {
			t.Fatal(err)
		}
		pages, sub := t.TempDir(), t.TempDir()
		opt := Options{Command: "true", Pages: pages}
		if c.keep != "" {
			opt.KeepCaptures = filepath.Join(t.TempDir(), c.keep)
		}
		results, _, _, err := GradeFolders(ctx, r, []string{sub}, opt, func(string) {})
		if err != nil || len(results) != 1 || !strings.Contains(results[0].Error, "not run") {
			t.Fatalf("%s: %+v, %v", c.lab, results, err)
		}
		if _, err := os.Stat(filepath.Join(pages, "captures")); (err == nil) != c.want {
			t.Errorf("%s, --keep-captures %q: %s/captures made: %v, want %v", c.lab, c.keep, pages, err == nil, c.want)
		}
	}
}
