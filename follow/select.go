package follow

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"

	"github.com/turtle-sniffer/turtle/decode"
)

// Selection is the streams followed: stream Index, or, when Tuple is set,
// every stream between its two ends, either way round. Use its Select as
// Options.Select.
type Selection struct {
	Index int
	Tuple string // "SRC:PORT-DST:PORT" as given, or ""
	a, b  netip.AddrPort
	// Matched counts the streams selected.
	Matched int
}

// ParseSelection reads --stream and --tuple: stream when streamSet (from
// 0), or tuple "SRC:PORT-DST:PORT" ([IPv6]:PORT for IPv6); neither is
// stream 0. The error names the flag and says what it wants.
func ParseSelection(streamSet bool, stream int, tuple string) (*Selection, error) {
	switch {
	case streamSet && tuple != "":
		return nil, errors.New("give --stream or --tuple, not both")
	case streamSet && stream < 0:
		return nil, fmt.Errorf("--stream %d: stream numbers start at 0", stream)
	}
	s := &Selection{Index: max(stream, 0), Tuple: tuple}
	if tuple != "" {
		var err error
		if s.a, s.b, err = ParseTuple(tuple); err != nil {
			return nil, fmt.Errorf("--tuple %q: %v", tuple, err)
		}
	}
	return s, nil
}

// ParseTuple reads "SRC:PORT-DST:PORT".
func ParseTuple(s string) (a, b netip.AddrPort, err error) {
	left, right, ok := strings.Cut(s, "-")
	if !ok {
		return a, b, errors.New("want SRC:PORT-DST:PORT")
	}
	if a, err = netip.ParseAddrPort(left); err != nil {
		return a, b, err
	}
	if b, err = netip.ParseAddrPort(right); err != nil {
		return a, b, err
	}
	return a, b, nil
}

// Select reports whether st is selected, counting it in Matched.
func (s *Selection) Select(st *Stream) bool {
	ok := st.Index == s.Index
	if s.Tuple != "" {
		ok = (st.Client == s.a && st.Server == s.b) || (st.Client == s.b && st.Server == s.a)
	}
	if ok {
		s.Matched++
	}
	return ok
}

// String names the selection: "stream N" or "stream between TUPLE".
func (s *Selection) String() string {
	if s.Tuple != "" {
		return "stream between " + s.Tuple
	}
	return fmt.Sprintf("stream %d", s.Index)
}

// Options returns the Options that write the selected streams' chunks
// and ends through w. An error writing is a *decode.WriteError, so that a
// caller tells a full disk from a damaged capture.
func (w *Writer) Options() Options {
	return Options{
		Chunk: func(s *Stream, c Chunk) error { return writeErr(w.Chunk(s, c)) },
		End:   func(s *Stream) error { return writeErr(w.End(s)) },
	}
}

func writeErr(err error) error {
	if err != nil {
		return &decode.WriteError{Err: err}
	}
	return nil
}
