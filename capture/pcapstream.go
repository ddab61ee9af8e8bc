package capture

import (
	"bufio"
	"fmt"
	"io"
	"os"

	"github.com/turtle-sniffer/turtle/pcapio"
)

// PcapStream is a live capture written as a classic pcap file as frames
// come (sniff -w): nanosecond timestamps, the capture's link type and
// snapshot length, buffered and flushed by the caller (at least once a
// second, so that a reader beside it sees the frames).
type PcapStream struct {
	file *os.File // nil when writing to a writer the caller owns
	bw   *bufio.Writer
	pw   *pcapio.PcapWriter
}

// CreatePcapStream creates path with CreateStream (in place, never
// through a link), or writes to w when path is "-", and writes the pcap
// file header. Errors name path.
func CreatePcapStream(path string, w io.Writer, lt pcapio.LinkType, snaplen int) (*PcapStream, error) {
	s := &PcapStream{}
	if path != "-" {
		f, err := CreateStream(path)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		s.file, w = f, f
	}
	// 1 MiB: each write system call also wakes the Go runtime's monitor
	// thread, which costs more than the write itself on a flood.
	s.bw = bufio.NewWriterSize(w, 1<<20)
	var err error
	s.pw, err = pcapio.NewPcapWriter(s.bw, pcapio.PcapOptions{LinkType: lt, Snaplen: snaplen, Nanosecond: true})
	if err != nil {
		s.Close()
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	return s, nil
}

// WritePacket writes one frame.
func (s *PcapStream) WritePacket(ci pcapio.CaptureInfo, data []byte) error {
	return s.pw.WritePacket(ci, data)
}

// Flush writes out what is buffered.
func (s *PcapStream) Flush() error { return s.bw.Flush() }

// Close closes the file, if CreatePcapStream created one; it does not
// flush. Closing again, or a nil *PcapStream, does nothing.
func (s *PcapStream) Close() error {
	if s == nil || s.file == nil {
		return nil
	}
	f := s.file
	s.file = nil
	return f.Close()
}
