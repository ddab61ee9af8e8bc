//go:build unix

package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Issue 19 item 6: a manifest cannot make golden update write outside its
// folder (.., absolute paths, a folder that is a symbolic link out), and an
// update replaces a golden that is a symbolic link rather than writing
// through it.
func TestGoldenStaysInsideTheManifestFolder(t *testing.T) {
	dir := goldenDir(t)
	outside := t.TempDir()
	victim := filepath.Join(outside, "victim.txt")
	const precious = "precious, not a golden\n"
	write := func(path, text string) {
		t.Helper()
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(victim, precious)
	rel, err := filepath.Rel(dir, victim)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, filepath.Join(dir, "out")); err != nil {
		t.Fatal(err)
	}
	list := filepath.Join(dir, "golden.list")
	for _, tc := range []struct{ name, line, want string }{
		{"dotdot", "dotdot raw-ip.pcap " + filepath.ToSlash(rel), "case dotdot: " + filepath.ToSlash(rel) + " is outside the manifest's folder"},
		{"abs", "abs raw-ip.pcap " + filepath.ToSlash(victim), "is outside the manifest's folder"},
		{"newdir", "newdir raw-ip.pcap ../../../../tmp/turtle-made-this/x.golden", "is outside the manifest's folder"},
		{"linkdir", "linkdir raw-ip.pcap out/victim.txt", "case linkdir: out/victim.txt leads outside the manifest's folder " + dir + " through a symbolic link"},
		{"capture", "capture ../raw-ip.pcap raw.golden", "case capture: ../raw-ip.pcap is outside"},
	} {
		write(list, tc.line+"\n")
		code, out, _ := turtle(t, nil, "golden", "update", "--manifest", list)
		if code != 1 || !strings.Contains(out, tc.want) || !strings.Contains(out, "(--allow-outside allows it)") {
			t.Errorf("%s: exit %d, output %q; want 1 and %q", tc.name, code, out, tc.want)
		}
		if got := readText(t, victim); got != precious {
			t.Fatalf("%s: the file outside was overwritten: %q", tc.name, got)
		}
	}
	if _, err := os.Stat("/tmp/turtle-made-this"); err == nil {
		t.Error("update made a folder outside the manifest's")
	}
	// golden add refuses a golden outside as well.
	write(list, "")
	code, out, errs := turtle(t, nil, "golden", "add", "--manifest", list, "--golden", victim, "x", filepath.Join(dir, "raw-ip.pcap"))
	if code != 1 || !strings.Contains(errs, "is outside the manifest's folder") || readText(t, victim) != precious {
		t.Errorf("add outside: exit %d, %q %q", code, out, errs)
	}

	// A golden inside that is a symbolic link to a file outside: the
	// update replaces the link with a file and the target keeps its text.
	if err := os.Symlink(victim, filepath.Join(dir, "link.golden")); err != nil {
		t.Fatal(err)
	}
	write(list, "link raw-ip.pcap link.golden\n")
	if code, out, _ := turtle(t, nil, "golden", "update", "--manifest", list); code != 0 || !strings.Contains(out, "updated link") {
		t.Fatalf("update of a symlinked golden: exit %d:\n%s", code, out)
	}
	if got := readText(t, victim); got != precious {
		t.Errorf("update wrote through the symbolic link: %q", got)
	}
	if fi, err := os.Lstat(filepath.Join(dir, "link.golden")); err != nil || !fi.Mode().IsRegular() {
		t.Errorf("link.golden is not a regular file now: %v %v", fi.Mode(), err)
	}
	if code, out, _ := turtle(t, nil, "golden", "check", "--manifest", list); code != 0 {
		t.Errorf("check after the update: exit %d\n%s", code, out)
	}

	// --allow-outside: the honest case of a golden kept elsewhere.
	elsewhere := filepath.Join(outside, "kept.golden")
	write(list, "kept raw-ip.pcap "+filepath.ToSlash(elsewhere)+"\n")
	if code, out, _ := turtle(t, nil, "golden", "update", "--allow-outside", "--manifest", list); code != 0 {
		t.Errorf("--allow-outside: exit %d\n%s", code, out)
	}
	if code, out, _ := turtle(t, nil, "golden", "check", "--allow-outside", "--manifest", list); code != 0 {
		t.Errorf("check --allow-outside: exit %d\n%s", code, out)
	}
	left, _ := filepath.Glob(filepath.Join(dir, ".*.tmp*"))
	if len(left) > 0 {
		t.Errorf("temporary files left: %v", left)
	}
}
