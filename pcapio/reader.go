package pcapio

import (
	"bufio"
	"bytes"
	"compress/flate"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
)

// readBufSize is the bufio buffer: records up to this size are returned
// straight from it; bigger ones are gathered in Reader.big.
const readBufSize = 64 << 10

// Reader reads packets from a classic pcap or pcapng stream; see the package
// comment for what it accepts and how it reports damage. It is not safe for
// concurrent use.
type Reader struct {
	br     *bufio.Reader
	gzip   bool
	format Format
	big    []byte // records larger than br's buffer, reused
	off    int64  // byte offset of the next unread byte
	nrec   int    // records (pcap) or blocks (pcapng) started so far
	err    error  // sticky: io.EOF or the first failure
	be     bool   // fields are big-endian (file, or current pcapng section)

	// classic pcap
	hdrLen   int    // record header: 16, or 24 for the Kuznetzov variant
	nano     bool   // fraction is ns rather than µs
	kuz      bool   // Kuznetzov record header with pkt_type
	snapshot uint32 // caplen above this is cut to it, as libpcap does
	swapLens uint8  // swapNo, swapYes or swapMaybe (versions before 2.4)
	linkType LinkType
	snaplen  int
	fcsLen   int

	// pcapng
	ifaces  []ngIface   // interfaces of the current section
	all     []Interface // every interface seen, for Interfaces
	section int         // current section, 0-based; -1 before the first
}

const (
	swapNo uint8 = iota
	swapYes
	swapMaybe
)

// NewReader reads the file header from r (and, for pcapng, every block up
// to the first Interface Description Block) and returns a Reader positioned
// at the first packet. It returns a *FormatError when r does not start with
// a readable capture file header.
func NewReader(r io.Reader) (*Reader, error) {
	rd := &Reader{br: bufio.NewReaderSize(r, readBufSize), section: -1, fcsLen: -1}
	m, err := rd.br.Peek(4)
	if len(m) >= 2 && m[0] == 0x1f && m[1] == 0x8b {
		gz, err := gzip.NewReader(rd.br)
		if err != nil {
			return nil, gzipHeaderErr(err)
		}
		rd.br = bufio.NewReaderSize(gz, readBufSize)
		rd.gzip = true
		m, err = rd.br.Peek(4)
		if len(m) < 4 {
			return nil, rd.magicErr(m, err)
		}
	} else if len(m) < 4 {
		return nil, rd.magicErr(m, err)
	}
	switch binary.BigEndian.Uint32(m) {
	case 0x0a0d0d0a:
		return rd, rd.openNG()
	case 0xa1b2c3d4, 0xd4c3b2a1, 0xa1b23c4d, 0x4d3cb2a1, 0xa1b2cd34, 0x34cdb2a1:
		if err := rd.openPcap(); err != nil {
			return nil, err
		}
		return rd, nil
	}
	return nil, notCaptureErr(m)
}

// magics are the file starts NewReader knows, for telling a short capture
// file from something else.
var magics = [][]byte{
	{0xd4, 0xc3, 0xb2, 0xa1}, {0xa1, 0xb2, 0xc3, 0xd4},
	{0x4d, 0x3c, 0xb2, 0xa1}, {0xa1, 0xb2, 0x3c, 0x4d},
	{0x34, 0xcd, 0xb2, 0xa1}, {0xa1, 0xb2, 0xcd, 0x34},
	{0x0a, 0x0d, 0x0d, 0x0a}, {0x1f, 0x8b},
}

// magicErr explains an input shorter than a magic number.
func (r *Reader) magicErr(m []byte, err error) error {
	if err != nil && err != io.EOF && err != io.ErrUnexpectedEOF {
		return r.headerShortErr(4, len(m), err)
	}
	for _, k := range magics {
		if bytes.HasPrefix(k, m) {
			return headerTruncatedErr(4, len(m))
		}
	}
	return notCaptureErr(m)
}

func notCaptureErr(m []byte) error {
	return &FormatError{Kind: ErrInvalid, Msg: fmt.Sprintf("invalid: not a capture file (magic 0x%x)", m)}
}

func gzipHeaderErr(err error) error {
	if err == io.EOF || err == io.ErrUnexpectedEOF {
		return &FormatError{Kind: ErrTruncated, Msg: "truncated: gzip header cut short"}
	}
	if errors.Is(err, gzip.ErrHeader) || errors.Is(err, gzip.ErrChecksum) {
		return &FormatError{Kind: ErrInvalid, Msg: "invalid: corrupt gzip stream at byte offset 0: " + err.Error()}
	}
	return fmt.Errorf("read gzip header: %w", err)
}

func isGzipCorrupt(err error) bool {
	var c flate.CorruptInputError
	var ie flate.InternalError
	return errors.Is(err, gzip.ErrChecksum) || errors.Is(err, gzip.ErrHeader) ||
		errors.As(err, &c) || errors.As(err, &ie)
}

// headerShortErr explains a file header that got fewer than need bytes.
func (r *Reader) headerShortErr(need, got int, err error) error {
	switch {
	case err == io.EOF || err == io.ErrUnexpectedEOF:
		return headerTruncatedErr(need, got)
	case r.gzip && isGzipCorrupt(err):
		return r.gzipCorruptErr(0, err)
	}
	return fmt.Errorf("read file header: %w", err)
}

func (r *Reader) gzipCorruptErr(n int, err error) error {
	return &FormatError{Kind: ErrInvalid, Offset: r.off, Record: n,
		Msg: "invalid: corrupt gzip stream at byte offset " + strconv.FormatInt(r.off, 10) + ": " + err.Error()}
}

// shortErr explains a read that got fewer than need bytes of record or
// block n starting at off: io.EOF when it ends cleanly before the record,
// else a truncation, a corrupt gzip stream or the I/O error itself.
func (r *Reader) shortErr(unit string, n int, off int64, need, got int, err error) error {
	switch {
	case err == io.EOF && got == 0:
		return io.EOF
	case r.gzip && err == io.ErrUnexpectedEOF && got == 0:
		prev := unit + " " + strconv.Itoa(n-1)
		if n == 1 {
			prev = "the file header"
		}
		return &FormatError{Kind: ErrTruncated, Offset: off, Record: n,
			Msg: "truncated: gzip stream cut at byte offset " + strconv.FormatInt(off, 10) + " (after " + prev + ")"}
	case err == io.EOF || err == io.ErrUnexpectedEOF:
		return truncatedErr(unit, n, off, need, got)
	case r.gzip && isGzipCorrupt(err):
		return r.gzipCorruptErr(n, err)
	}
	return fmt.Errorf("read %s: %w", where(unit, n, off), err)
}

// take consumes the next n bytes and returns them contiguously, valid until
// the next read. When fewer than n remain it returns nil, the number of
// bytes it consumed and the read error. Memory grows only with the bytes
// that actually arrive, never with n alone.
func (r *Reader) take(n int) ([]byte, int, error) {
	if n <= readBufSize {
		b, err := r.br.Peek(n)
		m := len(b)
		r.br.Discard(m)
		r.off += int64(m)
		if m < n {
			return nil, m, err
		}
		return b, n, nil
	}
	r.big = r.big[:0]
	for len(r.big) < n {
		want := min(n-len(r.big), readBufSize)
		b, err := r.br.Peek(want)
		r.big = append(r.big, b...)
		r.br.Discard(len(b))
		r.off += int64(len(b))
		if len(b) < want {
			return nil, len(r.big), err
		}
	}
	return r.big, n, nil
}

// skip consumes n bytes without keeping them.
func (r *Reader) skip(n int) (int, error) {
	d, err := r.br.Discard(n)
	r.off += int64(d)
	return d, err
}

func (r *Reader) u16(b []byte) uint16 {
	if r.be {
		return binary.BigEndian.Uint16(b)
	}
	return binary.LittleEndian.Uint16(b)
}

func (r *Reader) u32(b []byte) uint32 {
	if r.be {
		return binary.BigEndian.Uint32(b)
	}
	return binary.LittleEndian.Uint32(b)
}

func (r *Reader) u64(b []byte) uint64 {
	if r.be {
		return binary.BigEndian.Uint64(b)
	}
	return binary.LittleEndian.Uint64(b)
}

// ReadPacketData returns the next packet in a fresh slice that the caller
// may keep. At the end of the file it returns io.EOF.
func (r *Reader) ReadPacketData() ([]byte, CaptureInfo, error) {
	data, ci, err := r.ZeroCopyReadPacketData()
	if err != nil {
		return nil, ci, err
	}
	return bytes.Clone(data), ci, nil
}

// ZeroCopyReadPacketData returns the next packet without copying it: the
// data is only valid until the next call on r, which may overwrite it. It
// allocates nothing. At the end of the file it returns io.EOF.
func (r *Reader) ZeroCopyReadPacketData() ([]byte, CaptureInfo, error) {
	if r.err != nil {
		return nil, CaptureInfo{}, r.err
	}
	if r.format == FormatPcapNG {
		return r.nextNG()
	}
	return r.nextPcap()
}

// fail makes err sticky and returns it.
func (r *Reader) fail(err error) ([]byte, CaptureInfo, error) {
	r.err = err
	return nil, CaptureInfo{}, err
}

// Format returns the format of the file.
func (r *Reader) Format() Format { return r.format }

// Compressed reports whether the input was gzip-compressed.
func (r *Reader) Compressed() bool { return r.gzip }

// LinkType returns the link type of the file header (classic pcap) or of
// the first interface (pcapng; 0 if the file has none). Packets carry their
// own interface's link type in CaptureInfo.
func (r *Reader) LinkType() LinkType {
	if r.format == FormatPcapNG {
		if len(r.all) == 0 {
			return 0
		}
		return r.all[0].LinkType
	}
	return r.linkType
}

// Snaplen returns the snapshot length of the file header (classic pcap) or
// of the first interface (pcapng), as the file states it.
func (r *Reader) Snaplen() int {
	if r.format == FormatPcapNG {
		if len(r.all) == 0 {
			return 0
		}
		return r.all[0].Snaplen
	}
	return r.snaplen
}

// FCSLength returns the number of frame check sequence bytes at the end of
// every packet when a classic pcap header states it (its P bit), else -1.
func (r *Reader) FCSLength() int { return r.fcsLen }

// Interfaces returns the interfaces seen so far: for classic pcap the one
// the file header describes, for pcapng every Interface Description Block
// read up to now in every section (at most maxListed).
func (r *Reader) Interfaces() []Interface {
	if r.format == FormatPcapNG {
		return slices.Clone(r.all)
	}
	res := ResolutionMicro
	if r.nano {
		res = ResolutionNano
	}
	return []Interface{{LinkType: r.linkType, Snaplen: r.snaplen, TsResolution: res}}
}
