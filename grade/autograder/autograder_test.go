package autograder

import (
	"archive/zip"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

func TestNotStaticLinuxAMD64(t *testing.T) {
	if why := NotStaticLinuxAMD64([]byte("#!/bin/sh\n")); !strings.Contains(why, "not a Linux executable") {
		t.Errorf("a script: %q", why)
	}
	if runtime.GOOS == "linux" && runtime.GOARCH == "amd64" {
		if sh, err := os.ReadFile("/bin/sh"); err == nil {
			if why := NotStaticLinuxAMD64(sh); why == "" {
				t.Error("/bin/sh passes for a static executable")
			}
		}
	}
}

func TestShellQuoteRoundTrip(t *testing.T) {
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no sh")
	}
	for _, s := range []string{"python3 sniffer.py", "it's", `a "b" $c \d`} {
		out, err := exec.Command(sh, "-c", "printf %s "+ShellQuote(s)).Output()
		if err != nil || string(out) != s {
			t.Errorf("%q came back as %q (%v)", s, out, err)
		}
	}
	if got := shellSets([]string{"a=1", "b='x'"}); got != ` --set 'a=1' --set 'b='\''x'\'''` {
		t.Errorf("shellSets: %s", got)
	}
}

func TestWriteZip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "p.zip")
	files := []File{{Name: "run_autograder", Data: []byte(GradescopeRun(nil, "", "hidden")), Mode: 0o755}}
	if err := WriteZip(path, files); err != nil {
		t.Fatal(err)
	}
	zr, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	if len(zr.File) != 1 || zr.File[0].Name != "run_autograder" || zr.File[0].Mode().Perm() != 0o755 {
		t.Fatalf("%+v", zr.File)
	}
	if err := WriteZip(filepath.Join(t.TempDir(), "no", "p.zip"), files); err == nil || !strings.Contains(err.Error(), "p.zip") {
		t.Errorf("a zip in a missing folder: %v", err)
	}
}
