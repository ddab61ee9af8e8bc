// Package decode turns captured frames into text. One decoding core serves
// capture files and live handles alike: a Source yields frames, a Format
// appends each frame's text to a caller's buffer.
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

// Frame is one captured frame as the formats see it. Data is only valid
// until the next frame is read (sources may reuse their buffers).
type Frame struct {
	Number int                // 1-based position in its capture
	Data   []byte             // captured bytes
	Info   pcapio.CaptureInfo // timestamp, lengths, link type, interface
	Live   *LinkAddr          // set by live handles; nil for capture files
}

// LinkAddr is the address tuple that Python's recvfrom returns with a frame
// read from an AF_PACKET socket; the Basic format prints it for live frames.
type LinkAddr struct {
	Interface    string // interface name, e.g. "lo"
	Protocol     uint16 // EtherType, as ntohs(sll_protocol): 2048 for IPv4
	PacketType   uint8  // PACKET_HOST 0, PACKET_OUTGOING 4, ...
	HardwareType uint16 // ARPHRD_*: 1 Ethernet, 772 loopback
	HardwareAddr []byte // sll_addr[:sll_halen]
}

// Source yields frames: pcapio.Reader and the live handles implement it.
// The returned data is valid until the next call.
type Source interface {
	ZeroCopyReadPacketData() ([]byte, pcapio.CaptureInfo, error)
}

// Format appends the text of one frame to dst and returns the extended
// buffer. Implementations must not retain f or f.Data.
type Format interface {
	AppendFrame(dst []byte, f *Frame) []byte
}

// wireLength is the frame's length on the wire; a source that does not
// know it (0) gets the captured length.
func wireLength(f *Frame) int {
	if f.Info.Length == 0 {
		return len(f.Data)
	}
	return f.Info.Length
}

func interfaceName(f *Frame) string {
	if f.Info.InterfaceName == "" && f.Live != nil {
		return f.Live.Interface
	}
	return f.Info.InterfaceName
}
