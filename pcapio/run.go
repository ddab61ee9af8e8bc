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

// touchAhead is how far PinRun loads the mapped file ahead of the record
// it reads, one byte per cache line. Walking the records' lengths is a
// chain of dependent loads, each a cache miss that waits for the one
// before (a fifth of `turtle read --format summary`, stalled on the load
// of the length); loads at fixed addresses ahead do not depend on it, so
// the processor has many lines in flight at once and the walk finds them
// in the cache. The loads go in steps of half of it, a call to touch
// each. Go has no prefetch instruction for user code: a load whose value
// is summed into a field nobody reads does the same. 2, 4, 8 and 16 KiB
// measured alike; 32 KiB was slower (the lines leave L1 before use).
const touchAhead = 4 << 10

// touch loads one byte per cache line of w[from:to] and returns to (see
// touchAhead). When a load faults, the file having been cut shorter by
// another program since it was mapped (the caller turned faults into
// panics with debug.SetPanicOnFault), it sets r.faulted and returns how
// far the loads reached: PinRun then ends its run at the last line loaded,
// and takes no more, so the records before the cut are read one by one
// and the fault is met where it lies, no record before it lost. Any other
// panic is raised again (IsFault).
func (r *Reader) touch(w []byte, from, to int) (reached int) {
	t := from
	defer func() {
		if IsFault(recover()) {
			r.faulted = true
			reached = t
		}
	}()
	var sink byte
	for ; t < to; t += cacheLine {
		sink += w[t]
	}
	r.sink += sink
	return t
}

// IsFault reports whether r, a recovered panic value, is the fault of
// reading a mapped file's page that is gone (the file cut shorter by
// another program, with debug.SetPanicOnFault on). Any other panic is a
// bug and is raised again. Callers that read packets of a mapped file
// recover with it: IsFault(recover()).
func IsFault(r any) bool {
	if r == nil {
		return false
	}
	if _, ok := r.(interface{ Addr() uintptr }); ok {
		return true
	}
	panic(r)
}

// cacheLine is the line size of the processors Go runs on (64 bytes on
// amd64 and arm64 alike, bar Apple's 128, where every other load is wasted).
const cacheLine = 64

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
		r.hdrLen != pcapRecordHeader || r.faulted {
		return Run{lens: lens}, nil
	}
	w := r.win
	le, be, limit := binary.LittleEndian, r.be, uint64(r.limit)
	pos, bytes := 0, 0
	// Records must end by stop: the window's end, or where loads ahead
	// found the file cut (see touch).
	stop, t := len(w), max(r.touched, 0)
	for len(lens) < maxFrames && bytes < maxBytes && stop-pos >= pcapRecordHeader {
		if t-pos < touchAhead/2 && !r.faulted {
			t = r.touch(w, max(t, pos), min(pos+touchAhead, len(w)))
			if r.faulted {
				stop = min(stop, max(t-cacheLine+1, pos))
				continue
			}
		}
		caplen := le.Uint32(w[pos+8:])
		if be {
			caplen = bits.ReverseBytes32(caplen)
		}
		if uint64(caplen) > limit || uint64(caplen) > uint64(stop-pos-pcapRecordHeader) {
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
	r.touched = t - pos
	r.nrec += len(lens)
	return Run{b: w[:pos:pos], lens: lens, link: r.linkType, be: be, nano: r.nano}, win
}
