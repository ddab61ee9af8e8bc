//go:build linux

package sandbox

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/turtle-sniffer/turtle/sandbox/sandboxtest"
)

// copyUID and copyGID stand for a student's uid, which copyTree hands the copy to.
const copyUID, copyGID = 60177, 60177

// TestCopyTreeKeepsFilesOnly copies a hand-in with files, folders, links
// and a FIFO: the files and folders arrive, the student's, with the
// execute bits kept; no link is followed and the FIFO is left out.
func TestCopyTreeKeepsFilesOnly(t *testing.T) {
	sandboxtest.Require(t)
	secret := filepath.Join(t.TempDir(), "shadow")
	os.WriteFile(secret, []byte("root's secret\n"), 0o600)
	src := t.TempDir()
	os.MkdirAll(filepath.Join(src, "lab", "deeper"), 0o755)
	os.WriteFile(filepath.Join(src, "run.sh"), []byte("#!/bin/sh\necho hi\n"), 0o755)
	os.WriteFile(filepath.Join(src, "lab", "deeper", "echo.py"), []byte("print(1)\n"), 0o444)
	os.Symlink(secret, filepath.Join(src, "lab", "answer.txt"))
	os.Symlink(filepath.Dir(secret), filepath.Join(src, "notes"))
	syscall.Mkfifo(filepath.Join(src, "pipe"), 0o644)
	dst := t.TempDir()
	if err := copyTree(src, dst, copyUID, copyGID); err != nil {
		t.Fatal(err)
	}
	var got []string
	filepath.WalkDir(dst, func(path string, d os.DirEntry, err error) error {
		if err != nil || path == dst {
			return err
		}
		info, _ := d.Info()
		st := info.Sys().(*syscall.Stat_t)
		rel, _ := filepath.Rel(dst, path)
		got = append(got, rel+" "+info.Mode().String()+" "+strconv.Itoa(int(st.Uid)))
		return nil
	})
	want := []string{
		"lab drwxr-xr-x 60177",
		"lab/deeper drwxr-xr-x 60177",
		"lab/deeper/echo.py -rw-r--r-- 60177",
		"run.sh -rwxr-xr-x 60177",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("the copy holds\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if b, _ := os.ReadFile(filepath.Join(dst, "run.sh")); string(b) != "#!/bin/sh\necho hi\n" {
		t.Errorf("run.sh holds %q", b)
	}
}

// TestCopyTreeBounds: a hand-in past the bounds is refused with the bound
// named, not copied without end.
func TestCopyTreeBounds(t *testing.T) {
	sandboxtest.Require(t)
	deep := t.TempDir()
	p := deep
	for range maxCopyDepth + 2 {
		p = filepath.Join(p, "d")
	}
	if err := os.MkdirAll(p, 0o755); err != nil {
		t.Fatal(err)
	}
	big := t.TempDir()
	f, _ := os.Create(filepath.Join(big, "core"))
	f.Truncate(maxCopyBytes + 1) // sparse: no disk taken
	f.Close()
	defer func(n int) { maxCopyEntries = n }(maxCopyEntries)
	maxCopyEntries = 100
	many := t.TempDir()
	for i := range maxCopyEntries + 1 {
		os.WriteFile(filepath.Join(many, strconv.Itoa(i)), nil, 0o644)
	}
	for _, c := range []struct{ src, want string }{
		{deep, "more than 64 folders deep"},
		{big, "core: more than 64 MiB"},
		{many, "more than 100 files"},
	} {
		err := copyTree(c.src, t.TempDir(), copyUID, copyGID)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want %q", c.src, err, c.want)
		}
	}
	link := filepath.Join(t.TempDir(), "handin")
	os.Symlink(deep, link)
	for _, name := range []string{link, link + "/"} { // with a slash, as a shell's submissions/*/
		if err := copyTree(name, t.TempDir(), copyUID, copyGID); err == nil || !strings.Contains(err.Error(), "a link, not a folder") {
			t.Errorf("%s: a hand-in folder that is a link: error %v", name, err)
		}
	}
}

// Attack 1, at the copy itself: folders swapped for links on both sides
// while root copies. On the copy's side, each folder made is renamed and
// a link to a root-owned folder put in its place, so that a copy made by
// paths would create and chown files in root's folder; on the hand-in's
// side, folders are swapped for a link to a folder of root's secrets and
// back, so that a copy made by paths would read them. copyTree's copy is
// reachable by no student (root's, 0700), but it must hold even if one
// could: nothing may land in root's folder, and no secret in a copy.
func TestCopyTreeFollowsNoSwappedFolder(t *testing.T) {
	sandboxtest.Require(t)
	target := t.TempDir()
	os.WriteFile(filepath.Join(target, "keep"), []byte("root's\n"), 0o600)
	secrets := t.TempDir()
	os.WriteFile(filepath.Join(secrets, "f0.py"), []byte("root's secret\n"), 0o600)
	src := t.TempDir()
	for i := range 20 {
		d := filepath.Join(src, "sub", strconv.Itoa(i), "deeper")
		os.MkdirAll(d, 0o755)
		for k := range 20 { // the more files, the longer each folder's copy is open to the swap
			os.WriteFile(filepath.Join(d, "f"+strconv.Itoa(k)+".py"), []byte("print(1)\n"), 0o644)
		}
	}
	copies := t.TempDir()
	var stop atomic.Bool
	var current atomic.Value // the folder being copied into, as an attacker watching /tmp would find it
	current.Store("")
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { // the copy's side
		defer wg.Done()
		for !stop.Load() {
			dst := current.Load().(string)
			for i := range 20 {
				for _, d := range []string{filepath.Join(dst, "sub", strconv.Itoa(i), "deeper"), filepath.Join(dst, "sub", strconv.Itoa(i))} {
					if st, err := os.Lstat(d); err == nil && st.IsDir() && os.Rename(d, d+".moved") == nil {
						os.Symlink(target, d)
					}
				}
			}
		}
	}()
	go func() { // the hand-in's side
		defer wg.Done()
		for n := 0; !stop.Load(); n++ {
			d := filepath.Join(src, "sub", strconv.Itoa(n%20))
			if os.Rename(d, d+".real") == nil {
				os.Symlink(secrets, d)
				time.Sleep(50 * time.Microsecond)
				os.Remove(d)
				os.Rename(d+".real", d)
			}
		}
	}()
	deadline := time.Now().Add(2 * time.Second)
	n := 0
	for ; time.Now().Before(deadline); n++ {
		dst := filepath.Join(copies, strconv.Itoa(n))
		os.Mkdir(dst, 0o700)
		current.Store(dst)
		copyTree(src, dst, copyUID, copyGID) // may fail: a folder went away
	}
	stop.Store(true)
	wg.Wait()
	entries, _ := os.ReadDir(target)
	if len(entries) != 1 {
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		t.Errorf("root's folder now holds %v after %d copies: root wrote through a planted link", names, n)
	}
	for _, f := range []string{target, filepath.Join(target, "keep")} {
		st, _ := os.Lstat(f)
		if s := st.Sys().(*syscall.Stat_t); s.Uid != 0 {
			t.Errorf("%s now belongs to uid %d: root chowned through a planted link", f, s.Uid)
		}
	}
	filepath.WalkDir(copies, func(path string, d os.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			if b, _ := os.ReadFile(path); strings.Contains(string(b), "secret") {
				t.Errorf("%s holds root's secret: the copy read through a planted link", path)
			}
		}
		return nil
	})
	t.Logf("%d copies raced", n)
}
