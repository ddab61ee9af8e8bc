// Package decode turns captured frames into text. One decoding core serves
// capture files and live handles alike: a pcapio.Source yields frames, a
// Format appends each pcapio.Frame's text to a caller's buffer.
//
// The turtle and Basic formats are written by hand rather than on gopacket's
// layers because they reproduce the classroom sniffer byte for byte,
// including what it gets "wrong" on purpose (a byte-swapped EtherType, an
// IHL below 5 used as is, padding kept in the payload) where gopacket would
// reject or correct the frame; and because the per-frame path must not
// allocate.
package decode

import (
	"github.com/turtle-sniffer/turtle/pcapio"
)

// Format appends the text of one frame to dst and returns the extended
// buffer. Implementations must not retain f or f.Data.
type Format interface {
	AppendFrame(dst []byte, f *pcapio.Frame) []byte
}

// wireLength is the frame's length on the wire; a source that does not
// know it (0) gets the captured length.
func wireLength(f *pcapio.Frame) int {
	if f.Info.Length == 0 {
		return len(f.Data)
	}
	return f.Info.Length
}

func interfaceName(f *pcapio.Frame) string {
	if f.Info.InterfaceName == "" && f.Live != nil {
		return f.Live.Interface
	}
	return f.Info.InterfaceName
}
