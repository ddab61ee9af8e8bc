package inputfile

import (
	"bytes"
	"errors"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
)

// Issue 19 item 4: devices, directories and sockets are refused before a
// byte is read; pseudo files and big files stop at the limit.
func TestRefusesWhatIsNotAFile(t *testing.T) {
	dir := t.TempDir()
	names := map[string]string{dir: "is a directory"}
	if runtime.GOOS != "windows" {
		names["/dev/zero"] = "is a character device"
		names["/dev/urandom"] = "is a character device"
		sock := filepath.Join(dir, "s")
		if l, err := net.Listen("unix", sock); err == nil {
			defer l.Close()
			names[sock] = "is a socket"
		}
		link := filepath.Join(dir, "zero-link")
		if err := os.Symlink("/dev/zero", link); err == nil {
			names[link] = "is a character device"
		}
	}
	for name, want := range names {
		f, err := Open(name)
		if err == nil {
			f.Close()
		}
		if !errors.Is(err, ErrNotFile) || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), name) {
			t.Errorf("Open(%s): %v, want %q", name, err, want)
		}
		if _, err := ReadFile(name, 1<<20); !errors.Is(err, ErrNotFile) {
			t.Errorf("ReadFile(%s): %v", name, err)
		}
	}
}

func TestReadFileLimit(t *testing.T) {
	name := filepath.Join(t.TempDir(), "big.toml")
	if err := os.WriteFile(name, bytes.Repeat([]byte("a"), 1001), 0o644); err != nil {
		t.Fatal(err)
	}
	if data, err := ReadFile(name, 1001); err != nil || len(data) != 1001 {
		t.Errorf("at the limit: %d bytes, %v", len(data), err)
	}
	if _, err := ReadFile(name, 1000); !errors.Is(err, ErrTooBig) || !strings.Contains(err.Error(), "more than 1000 bytes") {
		t.Errorf("over the limit: %v", err)
	}
	// A pseudo file says it has 0 bytes and reads on: the limit holds.
	if runtime.GOOS == "linux" {
		if _, err := ReadFile("/proc/self/maps", 10); !errors.Is(err, ErrTooBig) {
			t.Errorf("/proc/self/maps: %v", err)
		}
	}
}

func TestPipesAreFiles(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	go func() { w.Write([]byte("x")); w.Close() }()
	name := "/dev/fd/" + strconv.Itoa(int(r.Fd()))
	if runtime.GOOS != "linux" {
		t.Skip("/dev/fd of a pipe: Linux only here")
	}
	data, err := ReadFile(name, 10)
	if err != nil || string(data) != "x" {
		t.Errorf("pipe: %q, %v", data, err)
	}
}
