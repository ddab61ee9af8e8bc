//go:build unix

package outfile

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Attack 2: a student pre-creates the output folder with links inside, or
// a link at the output file's path, pointing at a file of root's.
func TestLinksAreReplacedNotFollowed(t *testing.T) {
	dir := t.TempDir()
	victim := filepath.Join(dir, "victim")
	os.WriteFile(victim, []byte("root's own\n"), 0o600)
	out := filepath.Join(dir, "grades.csv")
	if err := os.Symlink(victim, out); err != nil {
		t.Fatal(err)
	}
	if err := WriteFile(out, []byte("student,score\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(victim); string(b) != "root's own\n" {
		t.Fatalf("written through the link: the victim now holds %q", b)
	}
	if fi, err := os.Lstat(out); err != nil || !fi.Mode().IsRegular() || fi.Mode().Perm() != 0o644 {
		t.Fatalf("%s: %v %v, want a regular file 0644", out, fi.Mode(), err)
	}
	ents, _ := os.ReadDir(dir)
	if len(ents) != 2 {
		t.Errorf("left %d entries in the folder, want 2 (no temporary file)", len(ents))
	}
}

func TestFolderOfSomebodyElseRefused(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root (to make a folder of another user's)")
	}
	t.Setenv("SUDO_UID", "")
	base := t.TempDir()
	theirs := filepath.Join(base, "feedback")
	os.Mkdir(theirs, 0o777)
	if err := os.Chown(theirs, 60999, 60999); err != nil {
		t.Fatal(err)
	}
	for _, err := range []error{
		MkdirAll(theirs, 0o755),
		WriteFile(filepath.Join(theirs, "alice.md"), []byte("x"), 0o644),
		MkdirAll(filepath.Join(theirs, "alice"), 0o755),
	} {
		if err == nil || !strings.Contains(err.Error(), "uid 60999") {
			t.Errorf("err %v, want a refusal naming uid 60999", err)
		}
	}
	// A link of theirs to a folder of root's is refused as well.
	link := filepath.Join(base, "html")
	os.Symlink(t.TempDir(), link)
	os.Lchown(link, 60999, 60999)
	if err := MkdirAll(link, 0o755); err == nil || !strings.Contains(err.Error(), "uid 60999") {
		t.Errorf("err %v, want a refusal of a link of uid 60999", err)
	}
	// The user who ran sudo is trusted.
	t.Setenv("SUDO_UID", "60999")
	if err := WriteFile(filepath.Join(theirs, "alice.md"), []byte("x"), 0o644); err != nil {
		t.Errorf("a folder of the user who ran sudo: %v", err)
	}
}

// Create is the one writer behind capture.Create too: an output that is
// one of its inputs (by a link) is refused before anything is written, an
// aborted file leaves nothing, a committed one keeps the mode of the file
// it replaces, and a device is written in place, not replaced.
func TestCreateInputsAbortModeDevice(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "in.pcap")
	os.WriteFile(in, []byte("input"), 0o640)
	link := filepath.Join(dir, "link.pcap")
	if err := os.Symlink(in, link); err != nil {
		t.Fatal(err)
	}
	if _, err := Create(link, Options{Inputs: []string{"-", in}}); !errors.Is(err, ErrOntoInput) {
		t.Errorf("onto the input through a link: %v", err)
	}
	if _, err := Create(dir, Options{}); err == nil {
		t.Error("a folder was accepted")
	}
	f, err := Create(in, Options{})
	if err != nil {
		t.Fatal(err)
	}
	f.Write([]byte("half"))
	f.Abort()
	if b, _ := os.ReadFile(in); string(b) != "input" {
		t.Errorf("aborted: the file holds %q", b)
	}
	f, _ = Create(in, Options{})
	f.Write([]byte("whole"))
	if err := f.Commit(); err != nil {
		t.Fatal(err)
	}
	f.Abort() // after Commit: nothing
	if fi, _ := os.Stat(in); fi.Mode().Perm() != 0o640&^umask {
		t.Errorf("mode %v, want the old file's 0640 (less the umask)", fi.Mode())
	}
	if b, _ := os.ReadFile(in); string(b) != "whole" {
		t.Errorf("committed: %q", b)
	}
	if m, _ := filepath.Glob(filepath.Join(dir, ".*")); len(m) > 0 {
		t.Errorf("temporary files left: %v", m)
	}
	if f, err = Create("/dev/null", Options{}); err != nil {
		t.Fatal(err)
	}
	f.Write([]byte("x"))
	if err := f.Commit(); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat("/dev/null"); err != nil || fi.Mode().IsRegular() {
		t.Errorf("/dev/null was replaced: %v %v", fi.Mode(), err)
	}
}
