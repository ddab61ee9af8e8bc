//go:build linux || darwin || freebsd || netbsd || openbsd

package pcapio

import (
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/turtle-sniffer/turtle/internal/testcorpus"
)

// smallWindows maps every file, one page at a time, so that records and
// blocks straddle windows all the time.
func smallWindows(t *testing.T) {
	w, m := mapWindow, mapMin
	mapWindow, mapMin = int64(os.Getpagesize()), 0
	t.Cleanup(func() { mapWindow, mapMin = w, m })
}

// readMapped reads b from a file through a mapped Reader (with a junk
// prefix the file offset is left past, as a redirected stdin may be).
func readMapped(t *testing.T, b []byte) ([]pkt, error) {
	t.Helper()
	name := filepath.Join(t.TempDir(), "f")
	if err := os.WriteFile(name, append([]byte("junk"), b...), 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.Seek(4, io.SeekStart); err != nil {
		t.Fatal(err)
	}
	r, err := NewMappedReader(f)
	if err != nil {
		return nil, err
	}
	if r.mapped == nil && !r.gzip {
		t.Fatal("the file was not mapped")
	}
	pkts, err := readAll(t, r, true)
	if err == io.EOF {
		err = nil
	}
	return pkts, err
}

// sameRead fails unless the mapped read of b gives what a plain read does:
// the same packets and the same error, to the byte.
func sameRead(t *testing.T, what string, b []byte) {
	t.Helper()
	want, werr := readFile(t, b)
	got, gerr := readMapped(t, b)
	if errString(gerr) != errString(werr) {
		t.Fatalf("%s: mapped read ends with %q, plain read with %q", what, errString(gerr), errString(werr))
	}
	if len(got) != len(want) {
		t.Fatalf("%s: mapped read gives %d packets, plain read %d", what, len(got), len(want))
	}
	for i := range got {
		if !bytes.Equal(got[i].data, want[i].data) || got[i].ci.Timestamp != want[i].ci.Timestamp || got[i].ci.Length != want[i].ci.Length {
			t.Fatalf("%s: packet %d differs", what, i+1)
		}
	}
}

// TestMappedSameAsRead reads every fixture, cut at every record end and
// inside records, gzip-compressed, and every corpus file through one-page
// windows, and expects exactly what reading through bufio gives.
func TestMappedSameAsRead(t *testing.T) {
	smallWindows(t)
	for _, f := range fixtures(t, 60) {
		sameRead(t, f.name, f.data)
		for i, end := range f.ends {
			if i%7 == 0 {
				sameRead(t, f.name+" cut at a record end", f.data[:end])
				sameRead(t, f.name+" cut inside a record", f.data[:end-1-i%5])
			}
		}
		var gz bytes.Buffer
		zw := gzip.NewWriter(&gz)
		zw.Write(f.data)
		zw.Close()
		sameRead(t, f.name+".gz", gz.Bytes())
	}
	if testing.Short() {
		return
	}
	for _, name := range testcorpus.Files(t, "*") {
		b, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		sameRead(t, filepath.Base(name), b)
	}
}

// TestPin holds a window while the reader moves on through many more, and
// expects the pinned packets unchanged after the reader is done.
func TestPin(t *testing.T) {
	smallWindows(t)
	f := fixtures(t, 200)[0]
	name := filepath.Join(t.TempDir(), "f")
	if err := os.WriteFile(name, f.data, 0o600); err != nil {
		t.Fatal(err)
	}
	in, err := os.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	r, err := NewMappedReader(in)
	if err != nil {
		t.Fatal(err)
	}
	type held struct {
		w    *Window
		data []byte
		want []byte
	}
	var hs []held
	pinned := 0
	for {
		data, _, err := r.ZeroCopyReadPacketData()
		if err != nil {
			break
		}
		if w := r.Pin(data); w != nil {
			if !w.Contains(data) {
				t.Fatal("a window does not contain the data it was pinned for")
			}
			pinned++
			hs = append(hs, held{w, data, bytes.Clone(data)})
		}
	}
	if pinned < len(f.want)/2 {
		t.Fatalf("only %d of %d packets could be pinned", pinned, len(f.want))
	}
	for i, h := range hs { // the reader has released its own holds by now
		if !bytes.Equal(h.data, h.want) {
			t.Fatalf("pinned packet %d changed", i)
		}
		h.w.Release()
	}
	if r.Pin(nil) != nil {
		t.Fatal("Pin after the end of the file")
	}
}
