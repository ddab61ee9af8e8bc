//go:build linux || darwin || freebsd || netbsd || openbsd

package pcapio

import (
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
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

// openMapped writes b to a file and returns a mapped Reader of it and the
// open file, for the caller to close.
func openMapped(t *testing.T, b []byte) (*Reader, *os.File, error) {
	t.Helper()
	f, err := os.Create(filepath.Join(t.TempDir(), "f"))
	if err == nil {
		_, err = f.Write(b)
	}
	if err == nil {
		_, err = f.Seek(0, io.SeekStart)
	}
	if err != nil {
		t.Fatal(err)
	}
	r, err := NewMappedReader(f)
	return r, f, err
}

// readRuns reads b as a parallel consumer does: a run while PinRun gives
// one (holding its window until the end), else one packet with
// ZeroCopyReadPacketData. It returns the packets, how many of them came in
// runs and the final error.
func readRuns(t *testing.T, b []byte, maxFrames, maxBytes int) ([]pkt, int, error) {
	t.Helper()
	r, f, err := openMapped(t, b)
	defer f.Close()
	if err != nil {
		return nil, 0, err
	}
	var out []pkt
	var held []*Window
	defer func() {
		for _, w := range held {
			w.Release()
		}
	}()
	var lens []uint32
	inRuns := 0
	for {
		run, w := r.PinRun(lens, maxFrames, maxBytes)
		lens = run.Lens()
		if n := run.Len(); n > 0 {
			if w == nil || n > maxFrames {
				t.Fatalf("a run of %d packets (at most %d) with window %v", n, maxFrames, w)
			}
			held = append(held, w)
			var fr Frame
			fr.Info.InterfaceName, fr.Info.Direction = "stale", DirectionOutbound // Next must reset them
			sum := 0
			for run.Next(&fr) {
				if !w.Contains(fr.Data) {
					t.Fatal("a run's packet lies outside its window")
				}
				out = append(out, pkt{fr.Info, bytes.Clone(fr.Data)})
				sum += len(fr.Data)
				n--
			}
			if n != 0 || sum-len(out[len(out)-1].data) >= maxBytes {
				t.Fatalf("run: Next gave %d packets too few, %d bytes for at most %d", n, sum, maxBytes)
			}
			inRuns += run.Len()
			continue
		}
		if w != nil {
			t.Fatal("an empty run holds a window")
		}
		data, ci, err := r.ZeroCopyReadPacketData()
		if err != nil {
			if err == io.EOF {
				err = nil
			}
			return out, inRuns, err
		}
		out = append(out, pkt{ci, bytes.Clone(data)})
	}
}

// TestPinRunSameAsRead reads every fixture, whole and cut, in runs as far
// as they go, through one-page and through 4 MiB windows, and expects the
// same packets, CaptureInfo to the field, and the same error as reading
// through bufio; classic pcap must come mostly in runs, pcapng never.
func TestPinRunSameAsRead(t *testing.T) {
	// A record longer than the snapshot length (cut by the reader, so left
	// to ZeroCopyReadPacketData) and empty records, between ordinary ones.
	odd := pcapHeader(le, 0xa1b2c3d4, 2, 4, 100, 1)
	for i := range 300 {
		n := (i * 37) % 100
		switch i % 50 {
		case 7:
			n = 150
		case 8:
			n = 0
		}
		odd = append(odd, pcapRecord(le, uint32(i), uint32(i*1000), bytes.Repeat([]byte{byte(i)}, n), uint32(n+4))...)
	}
	type file struct {
		name string
		data []byte
	}
	files := []file{{"snapshot-cut", odd}, {"snapshot-cut, cut", odd[:len(odd)-30]}}
	for _, f := range fixtures(t, 300) {
		files = append(files, file{f.name, f.data})
		for i, end := range f.ends {
			if i%41 == 5 {
				files = append(files, file{f.name + " cut at a record end", f.data[:end]},
					file{f.name + " cut inside a record", f.data[:end-1-i%5]})
			}
		}
	}
	check := func(windows string) {
		for _, f := range files {
			for _, max := range [][2]int{{512, 64 << 10}, {3, 1 << 30}, {1 << 20, 500}} {
				want, werr := readFile(t, f.data)
				got, inRuns, gerr := readRuns(t, f.data, max[0], max[1])
				what := windows + ", " + f.name
				if errString(gerr) != errString(werr) {
					t.Fatalf("%s: runs end with %q, a plain read with %q", what, errString(gerr), errString(werr))
				}
				if len(got) != len(want) {
					t.Fatalf("%s: runs give %d packets, a plain read %d", what, len(got), len(want))
				}
				for i := range got {
					if got[i].ci != want[i].ci || !bytes.Equal(got[i].data, want[i].data) {
						t.Fatalf("%s: packet %d: %+v, want %+v", what, i+1, got[i].ci, want[i].ci)
					}
				}
				pcapng := bytes.HasPrefix(f.data, []byte{0x0a, 0x0d, 0x0d, 0x0a})
				if pcapng && inRuns > 0 || !pcapng && inRuns < len(got)/2 {
					t.Fatalf("%s: %d of %d packets came in runs", what, inRuns, len(got))
				}
			}
		}
	}
	m := mapMin
	mapMin = 0 // map these small files too
	defer func() { mapMin = m }()
	check("4 MiB windows")
	smallWindows(t)
	check("one-page windows")
}

// TestPinRunFileCutWhileRead cuts a mapped file to 1 MiB while it is read
// in runs, as another program might, and expects every record lying
// wholly before the cut, not one fewer, then the fault where the cut is:
// the loads PinRun makes ahead of its walk meet the cut 4 KiB before the
// walk does, and must not end the reading there.
func TestPinRunFileCutWhileRead(t *testing.T) {
	const cut = 1 << 20
	data := pcapHeader(le, 0xa1b2c3d4, 2, 4, 65535, 1)
	var whole []int // records ending at or before the cut
	for i := 0; len(data) < 2*cut; i++ {
		n := 60 + (i*131)%1400
		data = append(data, pcapRecord(le, uint32(i), 0, bytes.Repeat([]byte{byte(i)}, n), uint32(n))...)
		if len(data) <= cut {
			whole = append(whole, n)
		}
	}
	r, f, err := openMapped(t, data)
	defer f.Close()
	if err != nil {
		t.Fatal(err)
	}
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	var got []int
	var held []*Window
	defer func() {
		for _, w := range held {
			w.Release()
		}
	}()
	// step reads a run or one packet; it reports false at the fault or
	// the end.
	step := func() (more bool) {
		defer func() {
			if e := recover(); e != nil {
				if _, ok := e.(interface{ Addr() uintptr }); !ok {
					panic(e)
				}
				more = false
			}
		}()
		run, w := r.PinRun(nil, 64, 1<<30)
		if run.Len() > 0 {
			held = append(held, w)
			var fr Frame
			for run.Next(&fr) {
				if fr.Data[len(fr.Data)-1] != byte(len(got)) {
					t.Fatalf("packet %d holds the bytes of another", len(got)+1)
				}
				got = append(got, len(fr.Data))
			}
			return true
		}
		data, _, err := r.ZeroCopyReadPacketData()
		if err != nil {
			t.Logf("ended with %v, not a fault", err)
			return false
		}
		if len(data) > 0 && data[len(data)-1] != byte(len(got)) {
			t.Fatalf("packet %d holds the bytes of another", len(got)+1)
		}
		got = append(got, len(data))
		return true
	}
	// The first packet maps the window; then the file is cut.
	if !step() || len(held) != 1 {
		t.Fatal("the first packet did not come in a run")
	}
	if err := f.Truncate(cut); err != nil {
		t.Fatal(err)
	}
	for step() {
	}
	if len(got) != len(whole) {
		t.Fatalf("%d packets read before the cut, want the %d lying wholly before it", len(got), len(whole))
	}
}
