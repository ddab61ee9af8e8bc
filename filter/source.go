package filter

import (
	"encoding/binary"

	"github.com/turtle-sniffer/turtle/pcapio"
)

// nativeBigEndian is this machine's byte order.
var nativeBigEndian = binary.NativeEndian.Uint16([]byte{0, 1}) == 1

// FileOptions returns the Options for filtering the packets of a capture
// file: null/loopback headers are in the byte order of the machine that
// wrote the file, which may not be this one's.
func FileOptions(r *pcapio.Reader) Options {
	return Options{Swapped: r.BigEndian() != nativeBigEndian}
}

// Source passes on only the packets of src that match an expression. The
// expression is compiled once for each link type met, since a pcapng file
// may mix interfaces of several; a link type it cannot be compiled for is
// an error, reported when its first packet is read.
type Source struct {
	src     pcapio.Source
	expr    string
	snaplen int
	opts    Options
	last    pcapio.LinkType
	lastF   *Filter
	byLink  map[pcapio.LinkType]*Filter
}

// NewSource returns a Source, or the compile error for linkType (the
// link type of the capture's first interface) so that a bad expression is
// refused before anything is read.
func NewSource(src pcapio.Source, expr string, linkType pcapio.LinkType, opts Options) (*Source, error) {
	s := &Source{src: src, expr: expr, snaplen: pcapio.MaxSnaplen, opts: opts, byLink: map[pcapio.LinkType]*Filter{}}
	f, err := NewOptions(expr, linkType, s.snaplen, opts)
	if err != nil {
		return nil, err
	}
	s.byLink[linkType], s.last, s.lastF = f, linkType, f
	return s, nil
}

// ZeroCopyReadPacketData returns the next matching packet; the data is
// valid until the next call, as with the underlying source.
func (s *Source) ZeroCopyReadPacketData() ([]byte, pcapio.CaptureInfo, error) {
	for {
		data, ci, err := s.src.ZeroCopyReadPacketData()
		if err != nil {
			return data, ci, err
		}
		f := s.lastF
		if ci.LinkType != s.last {
			if f = s.byLink[ci.LinkType]; f == nil {
				if f, err = NewOptions(s.expr, ci.LinkType, s.snaplen, s.opts); err != nil {
					return nil, ci, err
				}
				s.byLink[ci.LinkType] = f
			}
			s.last, s.lastF = ci.LinkType, f
		}
		if f.Matches(data, ci.Length) {
			return data, ci, nil
		}
	}
}
