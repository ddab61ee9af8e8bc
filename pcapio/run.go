package pcapio

import (
	"encoding/binary"
	"math/bits"
	"time"
)

// Run is a run of whole classic pcap records lying in one mapped window,
// taken by [Reader.PinRun] for a parallel consumer. The goroutine that
// reads the file then only walks the records' lengths; the goroutines
// that format the packets build each one's CaptureInfo themselves with
// [Run.Next], off the reading goroutine's path. Next yields exactly what
// ZeroCopyReadPacketData would have returned for the same records.
type Run struct {
	b    []byte   // the records: header, data, header, data...
	lens []uint32 // captured length of each record, as the reader checked it
	off  int      // byte offset in b of the next record
	i    int      // index of the next record
	link LinkType
	be   bool // big-endian headers
	nano bool // nanosecond fractions
}

// Len is the number of packets in the run.
func (u *Run) Len() int { return len(u.lens) }

// Lens returns the slice of lengths the run was built on, for reuse in the
// next call to PinRun.
func (u *Run) Lens() []uint32 { return u.lens }

// Next sets f.Data and f.Info to the run's next packet, and reports false
// when there is none left. f.Number is left to the caller. Data lies in the
// window PinRun returned and is readable while it is held.
func (u *Run) Next(f *Frame) bool {
	if u.i >= len(u.lens) {
		return false
	}
	// The lengths come from u.lens, which the reader checked against the
	// window, never from the mapped header again: another program writing
	// the file meanwhile changes what a packet holds, never where it is.
	caplen := int(u.lens[u.i])
	h := u.b[u.off : u.off+pcapRecordHeader]
	le := binary.LittleEndian
	sec, frac, wire := le.Uint32(h), le.Uint32(h[4:]), le.Uint32(h[12:])
	if u.be {
		sec, frac, wire = bits.ReverseBytes32(sec), bits.ReverseBytes32(frac), bits.ReverseBytes32(wire)
	}
	ns := int64(frac)
	if !u.nano {
		ns *= 1000
	}
	start := u.off + pcapRecordHeader
	end := start + caplen
	f.Data = u.b[start:end:end]
	// Field by field: a CaptureInfo built whole and then copied is read
	// back in wider pieces than it was written, which stalls the copy.
	ci := &f.Info
	ci.Timestamp = time.Unix(int64(sec), ns).UTC()
	ci.CaptureLength, ci.Length, ci.LinkType = caplen, int(wire), u.link
	ci.InterfaceIndex, ci.Direction, ci.NoTimestamp = 0, DirectionUnknown, false
	if ci.InterfaceName != "" {
		ci.InterfaceName = ""
	}
	u.off = end
	u.i++
	return true
}

// pcapRecordHeader is the size of a classic pcap record header (not the
// Kuznetzov variant's, which runs never hold).
const pcapRecordHeader = 16

// PinRun takes the next packets, up to maxFrames of them and until
// maxBytes of captured data are reached (the record that reaches it
// included), when they are whole classic pcap records lying in the mapped
// window that need nothing but their lengths checked: a file read by
// NewMappedReader, not gzip, not the Kuznetzov variant nor a version
// whose lengths may be swapped, each record's captured length within the
// snapshot length. It appends their lengths to lens for the Run, and
// returns the window held once more, as Pin does: the packets stay
// readable until Release. It returns an empty Run and nil when the next
// record is not such a one (the end of the window or of the file, a
// damaged record, one to cut to the snapshot length): the caller reads
// that one with ZeroCopyReadPacketData, which reads or reports it as
// always, and may then try PinRun again.
func (r *Reader) PinRun(lens []uint32, maxFrames, maxBytes int) (Run, *Window) {
	lens = lens[:0]
	if r.mapped == nil || r.gzip || r.err != nil || r.format == FormatPcapNG || r.odd ||
		r.hdrLen != pcapRecordHeader {
		return Run{lens: lens}, nil
	}
	w := r.win
	le, be, limit := binary.LittleEndian, r.be, uint64(r.limit)
	pos, bytes := 0, 0
	for len(lens) < maxFrames && bytes < maxBytes && len(w)-pos >= pcapRecordHeader {
		caplen := le.Uint32(w[pos+8:])
		if be {
			caplen = bits.ReverseBytes32(caplen)
		}
		if uint64(caplen) > limit || uint64(caplen) > uint64(len(w)-pos-pcapRecordHeader) {
			break
		}
		lens = append(lens, caplen)
		pos += pcapRecordHeader + int(caplen)
		bytes += int(caplen)
	}
	if len(lens) == 0 {
		return Run{lens: lens}, nil
	}
	win := r.Pin(w[:pos])
	if win == nil {
		return Run{lens: lens[:0]}, nil
	}
	r.win = w[pos:]
	r.nrec += len(lens)
	return Run{b: w[:pos:pos], lens: lens, link: r.linkType, be: be, nano: r.nano}, win
}
