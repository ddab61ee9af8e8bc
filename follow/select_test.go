package follow

import (
	"errors"
	"strings"
	"testing"

	"github.com/turtle-sniffer/turtle/decode"
)

func TestParseSelection(t *testing.T) {
	s, err := ParseSelection(false, -1, "")
	if err != nil || s.Index != 0 || s.String() != "stream 0" {
		t.Errorf("default: %+v %v", s, err)
	}
	if s, err = ParseSelection(true, 2, ""); err != nil || s.String() != "stream 2" {
		t.Errorf("--stream 2: %+v %v", s, err)
	}
	if s, err = ParseSelection(false, -1, "[::1]:80-10.0.0.1:5000"); err != nil || s.String() != "stream between [::1]:80-10.0.0.1:5000" {
		t.Errorf("--tuple: %+v %v", s, err)
	}
	for _, c := range []struct {
		set    bool
		stream int
		tuple  string
		want   string
	}{{true, 1, "a:1-b:2", "not both"}, {true, -1, "", "--stream -1"}, {false, -1, "10.0.0.1:80", "want SRC:PORT-DST:PORT"},
		{false, -1, "10.0.0.1-10.0.0.2:80", `--tuple "10.0.0.1-10.0.0.2:80"`}} {
		if _, err := ParseSelection(c.set, c.stream, c.tuple); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: %v", c, err)
		}
	}
}

// A tuple selects the streams between its ends either way round, and
// Matched counts them; an index selects one.
func TestSelectionSelects(t *testing.T) {
	streams, err := Run(conversations(), Options{})
	if err != nil || len(streams) < 2 {
		t.Fatalf("%d streams, %v", len(streams), err)
	}
	s0 := streams[0]
	back := s0.Server.String() + "-" + s0.Client.String()
	sel, err := ParseSelection(false, -1, back)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Run(conversations(), Options{Select: sel.Select}); err != nil || sel.Matched != 1 {
		t.Errorf("--tuple %s: %d matched, %v", back, sel.Matched, err)
	}
	sel, _ = ParseSelection(true, 1, "")
	for _, s := range streams {
		if sel.Select(s) != (s.Index == 1) {
			t.Errorf("--stream 1 selects stream %d: %v", s.Index, !sel.Select(s))
		}
	}
}

// Writer.Options wraps an error writing in a *decode.WriteError, which a
// damaged capture's error never is.
func TestWriterOptionsWrapWriteErrors(t *testing.T) {
	full := errors.New("disk full")
	w := &Writer{W: failingWriter{full}, Report: failingWriter{full}}
	opt := w.Options()
	opt.Select = func(s *Stream) bool { return s.Index == 0 }
	_, err := Run(conversations(), opt)
	var werr *decode.WriteError
	if !errors.As(err, &werr) || !errors.Is(err, full) {
		t.Errorf("error %v, want a WriteError of %v", err, full)
	}
}

type failingWriter struct{ err error }

func (w failingWriter) Write([]byte) (int, error) { return 0, w.err }
