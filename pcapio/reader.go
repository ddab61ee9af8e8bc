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
	"math/bits"
	"runtime"
	"slices"
	"strconv"
	"time"
)

// readBufSize is the bufio buffer: records up to this size are returned
// straight from it; bigger ones are gathered in Reader.big. 256 KiB makes a
// quarter of the read calls 64 KiB did (worth about 1 ns a packet on small
// packets) and still leaves the buffer in a core's L2 cache when the parser
// reads back what the kernel just copied there.
const readBufSize = 256 << 10

// Reader reads packets from a classic pcap or pcapng stream; see the package
// comment for what it accepts and how it reports damage. It is not safe for
// concurrent use.
type Reader struct {
	br     source // a bufio.Reader, or the mapped file itself
	mapped *mappedFile
	gzip   bool
	format Format
	big    []byte // records larger than br's buffer, reused
	win    []byte // peeked from br, not yet consumed: see take
	winLen int    // len(win) when peeked
	base   int64  // byte offset of the start of the window
	got    int    // after a short take: bytes it consumed
	rerr   error  // after a short take: the read error
	nrec   int    // records (pcap) or blocks (pcapng) started so far
	err    error  // sticky: io.EOF or the first failure
	be     bool   // fields are big-endian (file, or current pcapng section)

	cur  packetMeta // the packet being returned
	opts []byte     // pcapng: the options of the packet returned; see PacketOptions

	// classic pcap
	hdrLen   int    // record header: 16, or 24 for the Kuznetzov variant
	nano     bool   // fraction is ns rather than µs
	kuz      bool   // Kuznetzov record header with pkt_type
	snapshot uint32 // caplen above this is cut to it, as libpcap does
	swapLens uint8  // swapNo, swapYes or swapMaybe (versions before 2.4)
	odd      bool   // kuz or swapLens: see oddRecord
	limit    uint32 // min(snapshot, maxPacketData): caplen above needs a look
	linkType LinkType
	snaplen  int
	fcsLen   int
	touched  int  // PinRun: bytes of win already loaded into the cache
	sink     byte // PinRun's loads ahead and nextPcap's of a record's end add into it: the compiler keeps them
	faulted  bool // PinRun: a load ahead met the file cut shorter: no more runs

	// pcapng
	ifaces   []ngIface         // interfaces of the current section
	all      []Interface       // every interface seen, for Interfaces
	names    map[string]string // interned if_name values
	section  int               // current section, 0-based; -1 before the first
	comments []string          // the current section's opt_comment values
	shbOpts  []byte            // the current section header's raw options
	rawKept  int               // bytes of raw IDB options kept in all
	// CustomBlock, when set, is called with every copyable Custom Block
	// (type 0x00000BAD, at most 1 MiB) as it is passed over after NewReader
	// (EarlyCustomBlocks has those before the first interface): the whole
	// block in the current section's byte order (BigEndian), valid during
	// the call. Copying tools write it back (NgWriter.WriteCustomBlock);
	// blocks marked not to be copied (0x40000BAD) are never handed over.
	CustomBlock func(block []byte)
	opening     bool     // NewReader is reading ahead to the first interface
	early       [][]byte // copyable Custom Blocks read then, for EarlyCustomBlocks
	earlyBytes  int
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
func NewReader(r io.Reader) (*Reader, error) { return newReader(r, false) }

// NewMappedReader is NewReader, except that a regular file of 1 MiB or more
// is mapped rather than read where the system can (see the package doc):
// packets are then sliced from the kernel's pages and Pin works. If
// another program cuts the file shorter while it is read, touching a page
// past its new end faults: a caller that cannot have its process killed
// for that (every caller) turns the fault into a panic it recovers, with
// debug.SetPanicOnFault in each goroutine touching the packets, as
// decode.Printer does.
func NewMappedReader(r io.Reader) (*Reader, error) { return newReader(r, true) }

func newReader(r io.Reader, mapped bool) (*Reader, error) {
	rd := &Reader{section: -1, fcsLen: -1}
	if m := mapFileIf(mapped, r); m != nil {
		// Unmapped at the end of the file, or once the Reader is dropped.
		rd.br, rd.mapped = m, m
		runtime.AddCleanup(rd, (*mappedFile).drop, m)
	} else {
		rd.br = bufio.NewReaderSize(r, readBufSize)
	}
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
		err = rd.openNG()
	case 0xa1b2c3d4, 0xd4c3b2a1, 0xa1b23c4d, 0x4d3cb2a1, 0xa1b2cd34, 0x34cdb2a1:
		err = rd.openPcap()
	default:
		err = notCaptureErr(m)
	}
	if err != nil {
		return nil, err
	}
	return rd, nil
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
	off := r.offset()
	return &FormatError{Kind: ErrInvalid, Offset: off, Record: n,
		Msg: "invalid: corrupt gzip stream at byte offset " + strconv.FormatInt(off, 10) + ": " + err.Error()}
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
// the next read. When fewer than n remain it returns nil and leaves the
// number of bytes it consumed in r.got and the read error in r.rerr.
// Memory grows only with the bytes that actually arrive, never with n alone.
//
// The fast path slices win, the part of br's buffer already peeked and not
// yet consumed, so a record costs no call into bufio; consumed bytes are
// discarded from br only when the window runs dry (sync).
func (r *Reader) take(n int) []byte {
	if n <= len(r.win) {
		b := r.win[:n]
		r.win = r.win[n:]
		return b
	}
	return r.takeSlow(n)
}

func (r *Reader) takeSlow(n int) []byte {
	r.sync()
	if n <= readBufSize {
		b, err := r.br.Peek(n)
		if len(b) < n {
			r.got, r.rerr = len(b), err
			r.br.Discard(len(b))
			r.base += int64(len(b))
			return nil
		}
		r.refill()
		b = r.win[:n:n]
		r.win = r.win[n:]
		return b
	}
	r.big = r.big[:0]
	for len(r.big) < n {
		want := min(n-len(r.big), readBufSize)
		b, err := r.br.Peek(want)
		r.big = append(r.big, b...)
		r.br.Discard(len(b))
		r.base += int64(len(b))
		if len(b) < want {
			r.got, r.rerr = len(r.big), err
			return nil
		}
	}
	return r.big
}

// peek returns the next n bytes (n <= readBufSize) without consuming them,
// or fewer and the read error.
func (r *Reader) peek(n int) ([]byte, error) {
	if n <= len(r.win) {
		return r.win[:n:n], nil
	}
	r.sync()
	b, err := r.br.Peek(n)
	if len(b) == n {
		r.refill()
	}
	return b, err
}

// sync discards from br what was consumed from the window.
func (r *Reader) sync() {
	if used := r.winLen - len(r.win); used > 0 {
		r.br.Discard(used)
		r.base += int64(used)
	}
	r.win, r.winLen = nil, 0
}

// refill makes everything br holds the window.
func (r *Reader) refill() {
	r.win, _ = r.br.Peek(r.br.Buffered())
	r.winLen = len(r.win)
}

// offset returns the byte offset of the next unread byte.
func (r *Reader) offset() int64 { return r.base + int64(r.winLen-len(r.win)) }

// skip consumes n bytes without keeping them.
func (r *Reader) skip(n int) (int, error) {
	if n <= len(r.win) {
		r.win = r.win[n:]
		return n, nil
	}
	r.sync()
	d, err := r.br.Discard(n)
	r.base += int64(d)
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
// allocates nothing per packet (only a new pcapng interface may). At the
// end of the file it returns io.EOF.
func (r *Reader) ZeroCopyReadPacketData() ([]byte, CaptureInfo, error) {
	if r.err != nil {
		return nil, CaptureInfo{}, r.err
	}
	// The parsers leave scalars in r.cur and CaptureInfo is built only in
	// these returns: passing the struct itself through more returns or
	// pointers costs copies and write barriers that show on this path.
	c := &r.cur
	if r.format == FormatPcapNG {
		for { // until a block holds a packet
			// The common case, a whole and well-formed Enhanced Packet Block
			// of a known interface in the window, is read right here, not in
			// a function: returning its fields from a call measured 1 ns a
			// packet slower, and returning a CaptureInfo from one 6 ns (the
			// copy reloads the struct in wider pieces than it was stored).
			// Fields are read little-endian and swapped once when the
			// section is big-endian, rather than through r.u32 (a load of
			// r.be and a branch) each. Anything else, including any framing
			// the checks below reject, goes to block, which reads it or
			// reports it exactly as for any other block.
			if w := r.win; len(w) >= 32 {
				le, be := binary.LittleEndian, r.be
				btype, blen := le.Uint32(w), le.Uint32(w[4:])
				if be {
					btype, blen = bits.ReverseBytes32(btype), bits.ReverseBytes32(blen)
				}
				if btype != btEPB || blen < 32 || blen%4 != 0 || blen > uint32(len(w)) || blen > maxParsedBlock {
					goto general
				}
				blk := w[:blen]
				trail, id, hi, lo := le.Uint32(blk[blen-4:]), le.Uint32(blk[8:]), le.Uint32(blk[12:]), le.Uint32(blk[16:])
				caplen, wire := le.Uint32(blk[20:]), le.Uint32(blk[24:])
				if be {
					trail, id = bits.ReverseBytes32(trail), bits.ReverseBytes32(id)
					hi, lo = bits.ReverseBytes32(hi), bits.ReverseBytes32(lo)
					caplen, wire = bits.ReverseBytes32(caplen), bits.ReverseBytes32(wire)
				}
				if trail != blen || id >= uint32(len(r.ifaces)) || caplen > maxPacketData || caplen > blen-32 {
					goto general
				}
				// packet's option walk: the options lie between the padded
				// data and the trailer, a multiple of 4 bytes like blen.
				dir := DirectionUnknown
				r.opts = blk[28+pad4(int(caplen)) : blen-4]
				for opts := r.opts; len(opts) >= 4; {
					code, l := le.Uint16(opts), le.Uint16(opts[2:])
					if be {
						code, l = bits.ReverseBytes16(code), bits.ReverseBytes16(l)
					}
					if code == optEnd {
						break
					}
					next := 4 + pad4(int(l))
					if next > len(opts) {
						goto general // overruns the block
					}
					if code == optFlags && l == 4 {
						flags := le.Uint32(opts[4:])
						if be {
							flags = bits.ReverseBytes32(flags)
						}
						switch flags & 3 {
						case 1:
							dir = DirectionInbound
						case 2:
							dir = DirectionOutbound
						}
					}
					opts = opts[next:]
				}
				r.nrec++
				r.win = w[blen:]
				// clock.split, its common cases inlined: a constant divisor
				// compiles to a multiplication.
				f, t := &r.ifaces[id], uint64(hi)<<32|uint64(lo)
				var sec, ns int64
				switch f.units {
				case 1_000_000_000:
					sec, ns = int64(t/1_000_000_000)+f.offset, int64(t%1_000_000_000)
				case 1_000_000:
					sec, ns = int64(t/1_000_000)+f.offset, int64(t%1_000_000)*1000
				default:
					sec, ns = f.split(t)
				}
				return blk[28 : 28+caplen : 28+caplen], CaptureInfo{
					Timestamp:      time.Unix(sec, ns).UTC(),
					CaptureLength:  int(caplen),
					Length:         int(wire),
					LinkType:       f.link,
					InterfaceIndex: int(id),
					InterfaceName:  f.name,
					Direction:      dir,
				}, nil
			}
		general:
			data, err := r.block()
			if err != nil {
				r.fail(err) // sticky: no read after an error
				return nil, CaptureInfo{}, err
			}
			if data != nil {
				return data, CaptureInfo{
					Timestamp:      time.Unix(c.sec, c.nsec).UTC(),
					CaptureLength:  len(data),
					Length:         c.wire,
					LinkType:       c.link,
					InterfaceIndex: c.index,
					InterfaceName:  r.ifaces[c.index].name,
					Direction:      c.dir,
					NoTimestamp:    c.noTime,
				}, nil
			}
		}
	}
	data, err := r.nextPcap()
	if err != nil {
		r.fail(err)
		return nil, CaptureInfo{}, err
	}
	return data, CaptureInfo{
		Timestamp:     time.Unix(c.sec, c.nsec).UTC(),
		CaptureLength: len(data),
		Length:        c.wire,
		LinkType:      r.linkType,
		Direction:     c.dir,
	}, nil
}

// fail makes err sticky and unmaps a mapped file: nothing is read after.
func (r *Reader) fail(err error) {
	r.err = err
	if r.mapped != nil {
		r.base, r.win, r.winLen = r.offset(), nil, 0
		r.mapped.release()
		r.mapped = nil
	}
}

// packetMeta is what a parser found out about the packet it returns.
type packetMeta struct {
	sec, nsec int64
	wire      int
	index     int
	link      LinkType
	dir       Direction
	noTime    bool // a Simple Packet Block
}

// Format returns the format of the file.
func (r *Reader) Format() Format { return r.format }

// Section returns the 0-based pcapng section of the packet just returned
// (with CaptureInfo.InterfaceIndex it names the packet's interface among
// those Interfaces lists); 0 for classic pcap.
func (r *Reader) Section() int { return max(r.section, 0) }

// SectionComments returns the comments (opt_comment) of the current pcapng
// section's header, the first 64; nil for classic pcap.
func (r *Reader) SectionComments() []string { return r.comments }

// KeepLong makes later reads return classic pcap records longer than the
// file header's snapshot length whole (up to the 256 KiB any record may
// have), as editcap copies them, instead of cut to it as libpcap and
// tcpdump show them. Tools that copy records call it, so that nothing the
// user did not ask to cut is lost; pcapng packets are always returned whole.
func (r *Reader) KeepLong() {
	if r.format != FormatPcapNG {
		r.limit = maxPacketData
	}
}

// EarlyCustomBlocks returns the copyable Custom Blocks NewReader read
// before the first interface (the first 1 MiB of them), before CustomBlock
// could be set: a copying tool writes these first.
func (r *Reader) EarlyCustomBlocks() [][]byte { return r.early }

// SectionOptions returns the raw option list of the current pcapng
// section's header, in its byte order (BigEndian); nil for classic pcap.
// NgOptions.Options writes it back.
func (r *Reader) SectionOptions() []byte { return r.shbOpts }

// PacketOptions returns the option list of the pcapng Enhanced or Packet
// Block just returned, raw and in the section's byte order (BigEndian says
// which), possibly with padding after opt_endofopt; nil for classic pcap and
// Simple Packet Blocks. Like zero-copy data it is valid only until the next
// read. Copying tools use it to keep comments and flags; NgWriter's
// WritePacketOptions writes it back in any byte order.
func (r *Reader) PacketOptions() []byte { return r.opts }

// BigEndian reports whether the file (classic pcap) or its current section
// (pcapng) was written big-endian. Null/loopback link headers are in the
// writer's byte order, so filters over them need it.
func (r *Reader) BigEndian() bool { return r.be }

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
// read up to now in every section (the first 4096).
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
