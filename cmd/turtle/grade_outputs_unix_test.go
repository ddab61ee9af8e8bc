//go:build unix

package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Attack 2: turtle's command line is public (/proc/PID/cmdline), so a
// student can plant a link at --csv, or pre-create the --feedback,
// --gradescope and --html folders with links inside, before root writes
// there. Root's file must stay as it was; a folder of the student's is
// refused with a plain reason.
func TestGradeOutputsNeverFollowPlantedLinks(t *testing.T) {
	dir := gradeClass(t)
	out := t.TempDir()
	victim := filepath.Join(out, "victim")
	os.WriteFile(victim, []byte("root's own\n"), 0o600)
	csvPath := filepath.Join(out, "g.csv")
	os.Symlink(victim, csvPath)
	gs := filepath.Join(out, "gs")
	os.MkdirAll(filepath.Join(gs, "alice"), 0o755)
	os.Symlink(victim, filepath.Join(gs, "alice", "results.json"))
	html := filepath.Join(out, "html")
	os.Mkdir(html, 0o755)
	os.Symlink(victim, filepath.Join(html, "index.html"))
	code, _, stderr := turtle(t, nil, "grade", "--lab", "udp-echo", "--student-from", "dirname", dir,
		"--csv", csvPath, "--gradescope", gs, "--html", html)
	if code != 0 || stderr != "" {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	if b, _ := os.ReadFile(victim); string(b) != "root's own\n" {
		t.Fatalf("an output was written through a link: the victim holds %q", b)
	}
	for _, p := range []string{csvPath, filepath.Join(gs, "alice", "results.json"), filepath.Join(html, "index.html")} {
		if fi, err := os.Lstat(p); err != nil || !fi.Mode().IsRegular() {
			t.Errorf("%s: %v, %v: want the link replaced by a regular file", p, fi, err)
		}
	}

	if os.Geteuid() != 0 {
		return
	}
	t.Setenv("SUDO_UID", "")
	// The student's own folders: refused, nothing written.
	for _, flag := range []string{"--feedback", "--gradescope", "--html"} {
		theirs := filepath.Join(t.TempDir(), "out")
		os.Mkdir(theirs, 0o777)
		os.Chown(theirs, 60999, 60999)
		code, _, stderr := turtle(t, nil, "grade", "--lab", "udp-echo", "--student-from", "dirname", dir, flag, theirs)
		if code != 1 || !strings.Contains(stderr, "belongs to uid 60999, not to you") {
			t.Errorf("%s into a student's folder: exit %d, stderr %q", flag, code, stderr)
		}
		if ents, _ := os.ReadDir(theirs); len(ents) != 0 {
			t.Errorf("%s: %d files written into a student's folder", flag, len(ents))
		}
	}
}
