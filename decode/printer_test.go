package decode

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/turtle-sniffer/turtle/internal/fixtures"
	"github.com/turtle-sniffer/turtle/pcapio"
)

// memSource yields the forged frames n times over, then err (io.EOF when
// nil).
type memSource struct {
	frames []fixtures.Frame
	n, i   int
	err    error
}

func (s *memSource) ZeroCopyReadPacketData() ([]byte, pcapio.CaptureInfo, error) {
	if s.i >= s.n*len(s.frames) {
		if s.err != nil {
			return nil, pcapio.CaptureInfo{}, s.err
		}
		return nil, pcapio.CaptureInfo{}, io.EOF
	}
	f := s.frames[s.i%len(s.frames)]
	s.i++
	return f.Data, pcapio.CaptureInfo{LinkType: f.LinkType, CaptureLength: len(f.Data), Length: len(f.Data)}, nil
}

func copyAll(t *testing.T, workers, limit int, err error) (string, error) {
	t.Helper()
	var out bytes.Buffer
	p := &Printer{Format: &Turtle{}, W: &out, Workers: workers, NewFormat: func() Format { return &Turtle{} }}
	src := &memSource{frames: fixtures.EthernetBranches(), n: 300, err: err}
	cerr := p.Copy(src, limit)
	return out.String(), cerr
}

// The parallel path writes exactly what the sequential one writes, in
// capture order, with the same limit and error semantics.
func TestCopyParallelMatchesSequential(t *testing.T) {
	damage := errors.New("damaged")
	for _, tc := range []struct {
		limit int
		err   error
	}{{0, nil}, {1, nil}, {4000, nil}, {0, damage}} {
		want, werr := copyAll(t, 1, tc.limit, tc.err)
		for _, workers := range []int{2, 3, 8} {
			got, gerr := copyAll(t, workers, tc.limit, tc.err)
			if got != want {
				t.Errorf("limit %d, %d workers: %d bytes of text, sequential gives %d", tc.limit, workers, len(got), len(want))
			}
			if !errors.Is(gerr, werr) && gerr != werr {
				t.Errorf("limit %d, %d workers: error %v, sequential gives %v", tc.limit, workers, gerr, werr)
			}
		}
	}
}

type failingWriter struct{ n int }

func (w *failingWriter) Write(p []byte) (int, error) {
	if w.n == 0 {
		return 0, errors.New("disk full")
	}
	w.n--
	return len(p), nil
}

func TestCopyReportsWriteErrors(t *testing.T) {
	for _, workers := range []int{1, 2} {
		p := &Printer{Format: &Turtle{}, W: &failingWriter{n: 1}, Workers: workers, NewFormat: func() Format { return &Turtle{} }}
		src := &memSource{frames: fixtures.EthernetBranches(), n: 3000}
		err := p.Copy(src, 0)
		var werr *WriteError
		if !errors.As(err, &werr) {
			t.Fatalf("%d workers: error %v, want a *WriteError", workers, err)
		}
		if src.i == src.n*len(src.frames) {
			t.Errorf("%d workers: read the whole source after the writer failed", workers)
		}
	}
}

func BenchmarkCopyParallel(b *testing.B) {
	frames := fixtures.EthernetBranches()
	p := &Printer{Format: &Turtle{}, W: io.Discard, Workers: 2, NewFormat: func() Format { return &Turtle{} }}
	b.ReportAllocs()
	b.ResetTimer()
	src := &memSource{frames: frames, n: b.N/len(frames) + 1}
	if err := p.Copy(src, b.N); err != nil && !errors.Is(err, ErrLimit) {
		b.Fatal(err)
	}
}

// skipping passes on every frame, or every third, of a mapped capture
// and pins them (so batches mix frames formatted in place with copied
// ones), counting the windows it pinned.
type skipping struct {
	r        *pcapio.Reader
	i, every int
	pins     int
}

func (s *skipping) ZeroCopyReadPacketData() ([]byte, pcapio.CaptureInfo, error) {
	for {
		data, ci, err := s.r.ZeroCopyReadPacketData()
		s.i++
		if err != nil || s.i%s.every == 0 {
			return data, ci, err
		}
	}
}

func (s *skipping) Pin(data []byte) *pcapio.Window {
	w := s.r.Pin(data)
	if w != nil {
		s.pins++
	}
	return w
}

// A capture file big enough to be read through several mapped windows
// prints the same text in parallel, its frames formatted where they are
// mapped, as sequentially from memory; so does every third frame of it,
// and the first 5000.
func TestCopyParallelMapped(t *testing.T) {
	name, file := bigCapture(t)
	print := func(parallel, skip bool, limit int) string {
		var r *pcapio.Reader
		var err error
		if parallel {
			var f *os.File
			if f, err = os.Open(name); err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			r, err = pcapio.NewMappedReader(f)
		} else {
			r, err = pcapio.NewReader(bytes.NewReader(file.Bytes()))
		}
		if err != nil {
			t.Fatal(err)
		}
		src := &skipping{r: r, every: 1}
		if skip {
			src.every = 3
		}
		var out bytes.Buffer
		p := &Printer{Format: &Summary{}, W: &out, Workers: 1, NewFormat: func() Format { return &Summary{} }}
		if parallel {
			p.Workers = 2
		}
		if err := p.Copy(src, limit); err != nil && !errors.Is(err, ErrLimit) {
			t.Fatal(err)
		}
		if parallel && src.pins == 0 && runtime.GOOS == "linux" {
			t.Error("no frame was formatted where it was mapped")
		}
		return out.String()
	}
	for _, c := range []struct {
		skip  bool
		limit int
	}{{false, 0}, {true, 0}, {false, 5000}} {
		want, got := print(false, c.skip, c.limit), print(true, c.skip, c.limit)
		if got != want || len(got) == 0 {
			t.Errorf("skip %v, limit %d: %d bytes of text from the mapped file in parallel, %d sequentially", c.skip, c.limit, len(got), len(want))
		}
	}
}

// bigCapture writes a capture file of 20 MiB of the forged Ethernet frames
// and returns its name and its bytes.
func bigCapture(t *testing.T) (string, *bytes.Buffer) {
	var file bytes.Buffer
	w, err := pcapio.NewPcapWriter(&file, pcapio.PcapOptions{LinkType: pcapio.LinkTypeEthernet})
	if err != nil {
		t.Fatal(err)
	}
	frames := fixtures.EthernetBranches()
	for i := 0; file.Len() < 20<<20; i++ {
		f := frames[i%len(frames)]
		if f.LinkType != pcapio.LinkTypeEthernet {
			continue
		}
		ci := pcapio.CaptureInfo{Timestamp: time.Unix(int64(i), 0), CaptureLength: len(f.Data), Length: len(f.Data)}
		if err := w.WritePacket(ci, f.Data); err != nil {
			t.Fatal(err)
		}
	}
	name := filepath.Join(t.TempDir(), "big.pcap")
	if err := os.WriteFile(name, file.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	return name, &file
}

// cutting cuts its capture file to 1 MiB after 30,000 frames, as another
// program might while the file is read.
type cutting struct {
	skipping
	name string
}

func (c *cutting) ZeroCopyReadPacketData() ([]byte, pcapio.CaptureInfo, error) {
	if c.i == 30000 {
		if err := os.Truncate(c.name, 1<<20); err != nil {
			return nil, pcapio.CaptureInfo{}, err
		}
	}
	return c.skipping.ZeroCopyReadPacketData()
}

// A mapped capture file cut shorter while it is read ends the copy with
// ErrCutWhileRead, not a crash, after text for whole frames only, the
// same as for the file not cut.
func TestCopyMappedFileCut(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("files are not mapped on Windows")
	}
	for _, workers := range []int{1, 2} {
		name, file := bigCapture(t)
		r, err := pcapio.NewReader(bytes.NewReader(file.Bytes()))
		if err != nil {
			t.Fatal(err)
		}
		var whole bytes.Buffer
		if err := (&Printer{Format: &Summary{}, W: &whole}).Copy(r, 0); err != nil {
			t.Fatal(err)
		}
		f, err := os.Open(name)
		if err != nil {
			t.Fatal(err)
		}
		r, err = pcapio.NewMappedReader(f)
		if err != nil {
			t.Fatal(err)
		}
		var out bytes.Buffer
		p := &Printer{Format: &Summary{}, W: &out, Workers: workers, NewFormat: func() Format { return &Summary{} }}
		err = p.Copy(&cutting{skipping{r: r, every: 1}, name}, 0)
		f.Close()
		if !errors.Is(err, ErrCutWhileRead) {
			t.Fatalf("%d workers: error %v, want %v", workers, err, ErrCutWhileRead)
		}
		if out.Len() == 0 || !bytes.HasPrefix(whole.Bytes(), out.Bytes()) || out.Bytes()[out.Len()-1] != '\n' {
			t.Errorf("%d workers: %d bytes of text, not whole lines of the %d bytes of the whole file", workers, out.Len(), whole.Len())
		}
	}
}

// A mapped classic pcap file read in runs (pcapio.Reader.PinRun) and cut
// to 1 MiB once mapped gives the text of every frame lying wholly before
// the cut, not one fewer and not one more, then ErrCutWhileRead: in the
// turtle format, which reads every byte of a frame, and in the summary,
// which reads only headers (the reader loads a record's last byte before
// it returns the record).
func TestCopyMappedFileCutInRuns(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("files are not mapped on Windows")
	}
	const cut = 1 << 20
	for _, c := range []struct {
		workers int
		format  func() Format
		frame   string // what starts each frame's text
	}{
		{1, func() Format { return &Turtle{} }, "\nEthernet Frame:\n"},
		{2, func() Format { return &Turtle{} }, "\nEthernet Frame:\n"},
		{1, func() Format { return &Summary{} }, "\n"},
		{2, func() Format { return &Summary{} }, "\n"},
	} {
		workers := c.workers
		name, file := bigCapture(t)
		// The frames lying wholly before the cut: records after the
		// 24-byte file header, each a 16-byte header and its data.
		whole, off := 0, 24
		for b := file.Bytes(); off+16 <= len(b); whole++ {
			off += 16 + int(binary.LittleEndian.Uint32(b[off+8:]))
			if off > cut {
				break
			}
		}
		f, err := os.Open(name)
		if err != nil {
			t.Fatal(err)
		}
		r, err := pcapio.NewMappedReader(f)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.Truncate(name, cut); err != nil {
			t.Fatal(err)
		}
		var out bytes.Buffer
		p := &Printer{Format: c.format(), W: &out, Workers: workers, NewFormat: c.format}
		err = p.Copy(r, 0)
		f.Close()
		if !errors.Is(err, ErrCutWhileRead) {
			t.Fatalf("%d workers: error %v, want %v", workers, err, ErrCutWhileRead)
		}
		if n := bytes.Count(out.Bytes(), []byte(c.frame)); n != whole {
			t.Errorf("%T, %d workers: %d frames printed, want the %d lying wholly before the cut", c.format(), workers, n, whole)
		}
	}
}
