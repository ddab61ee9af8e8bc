package decode

import (
	"bytes"
	"errors"
	"io"
	"testing"

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
