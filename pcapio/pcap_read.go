package pcapio

import (
	"encoding/binary"
	"math"
	"strconv"
)

// Bits of the classic pcap link-type field above the link type itself
// (draft-ietf-opsawg-pcap): FCS length in 16-bit words (28-31), R (27),
// P "FCS length present" (26), reserved (16-25).
const (
	ltFCSPresent = 0x04000000
	ltReserved   = 0x0bff0000
)

// openPcap reads a classic pcap file header.
func (r *Reader) openPcap() error {
	h := r.take(24)
	if h == nil {
		return r.headerShortErr(24, r.got, r.rerr)
	}
	switch binary.LittleEndian.Uint32(h) {
	case 0xa1b2c3d4:
	case 0xd4c3b2a1:
		r.be = true
	case 0xa1b23c4d:
		r.nano = true
	case 0x4d3cb2a1:
		r.be, r.nano = true, true
	case 0xa1b2cd34:
		r.kuz = true
	case 0x34cdb2a1:
		r.be, r.kuz = true, true
	}
	r.format, r.hdrLen = FormatPcapMicro, 16
	if r.nano {
		r.format = FormatPcapNano
	}
	if r.kuz {
		r.hdrLen = 24
	}
	major, minor := r.u16(h[4:]), r.u16(h[6:])
	if !(major == 2 && minor <= 4 || major == 543 && minor == 0) {
		return headerInvalidErr("unsupported version " + strconv.Itoa(int(major)) + "." +
			strconv.Itoa(int(minor)) + " (want 2.0 to 2.4)")
	}
	switch { // see oddRecord
	case major == 543 || minor < 3:
		r.swapLens = swapYes
	case minor == 3:
		r.swapLens = swapMaybe
	}
	snaplen, lt := r.u32(h[16:]), r.u32(h[20:])
	if lt&ltReserved != 0 {
		return headerInvalidErr("reserved link-type bits set (0x" + hex32(lt) + ")")
	}
	r.linkType = LinkType(lt)
	if lt&ltFCSPresent != 0 {
		r.fcsLen = int(lt>>28) * 2
	}
	r.snaplen = int(snaplen)
	r.snapshot = snaplen
	if snaplen == 0 || snaplen > math.MaxInt32 {
		r.snapshot = maxPacketData
	}
	if r.kuz && r.linkType == LinkTypeEthernet && r.snapshot <= math.MaxInt32-14 {
		r.snapshot += 14 // libpcap: the capture may have added a fake Ethernet header
	}
	r.limit = min(r.snapshot, maxPacketData)
	r.odd = r.kuz || r.swapLens != swapNo
	return nil
}

func hex32(v uint32) string {
	const digits = "0123456789abcdef"
	var b [8]byte
	for i := 7; i >= 0; i-- {
		b[i] = digits[v&0xf]
		v >>= 4
	}
	return string(b[:])
}

// nextPcap reads one classic pcap record.
func (r *Reader) nextPcap() ([]byte, error) {
	n := r.nrec + 1
	// take, inlined by hand: this is the per-packet path
	var h []byte
	if r.hdrLen <= len(r.win) {
		h, r.win = r.win[:r.hdrLen], r.win[r.hdrLen:]
	} else if h = r.takeSlow(r.hdrLen); h == nil {
		return nil, r.shortErr("record", n, r.offset()-int64(r.got), r.hdrLen, r.got, r.rerr)
	}
	r.nrec = n
	sec, frac := r.u32(h), r.u32(h[4:])
	caplen, wire := r.u32(h[8:]), r.u32(h[12:])
	dir := DirectionUnknown
	if r.odd {
		caplen, wire, dir = r.oddRecord(h, caplen, wire)
	}
	keep := caplen
	if caplen > r.limit {
		if caplen > maxPacketData {
			return nil, invalidErr("record", n, r.offset()-int64(r.hdrLen), "captured length "+
				strconv.FormatUint(uint64(caplen), 10)+" exceeds the maximum "+strconv.Itoa(maxPacketData))
		}
		keep = r.snapshot // libpcap reads the snapshot length and skips the rest
	}
	var data []byte
	if int(caplen) <= len(r.win) {
		data, r.win = r.win[:caplen], r.win[caplen:]
	} else if data = r.takeSlow(int(caplen)); data == nil {
		got := r.hdrLen + r.got
		return nil, r.shortErr("record", n, r.offset()-int64(got), r.hdrLen+int(caplen), got, r.rerr)
	}
	if r.mapped != nil && caplen > 0 {
		// Load the record's last byte: in a mapped file cut shorter by
		// another program, a record across the cut faults here, before it
		// is returned, not in a format that reads only its headers (the
		// summary would print a line for a frame whose bytes are gone).
		r.sink += data[caplen-1]
	}
	ns := int64(frac)
	if !r.nano {
		ns *= 1000
	}
	r.cur = packetMeta{sec: int64(sec), nsec: ns, wire: int(wire), dir: dir}
	return data[:keep:keep], nil
}

// oddRecord applies what only some files need: the direction in a
// Kuznetzov record header, and length fields in the order of versions
// before 2.3 (always for those, when they look swapped for 2.3; libpcap's
// rule).
func (r *Reader) oddRecord(h []byte, caplen, wire uint32) (uint32, uint32, Direction) {
	dir := DirectionUnknown
	if r.kuz {
		switch h[22] { // Linux pkt_type
		case 0, 1, 2, 3:
			dir = DirectionInbound
		case 4:
			dir = DirectionOutbound
		}
	}
	if r.swapLens == swapYes || r.swapLens == swapMaybe && caplen > wire {
		caplen, wire = wire, caplen
	}
	return caplen, wire, dir
}
