package pcapio

import (
	"encoding/binary"
	"math"
	"strconv"
	"time"
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
	h, got, err := r.take(24)
	if got < 24 {
		return r.headerShortErr(24, got, err)
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
	// Before 2.3 the length fields came in the other order; some 2.3
	// writers used either (libpcap's rule).
	switch {
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
func (r *Reader) nextPcap() ([]byte, CaptureInfo, error) {
	off, n := r.off, r.nrec+1
	h, got, err := r.take(r.hdrLen)
	if got < r.hdrLen {
		return r.fail(r.shortErr("record", n, off, r.hdrLen, got, err))
	}
	r.nrec = n
	sec, frac := r.u32(h), r.u32(h[4:])
	caplen, wire := r.u32(h[8:]), r.u32(h[12:])
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
	if caplen > maxPacketData {
		return r.fail(invalidErr("record", n, off, "captured length "+
			strconv.FormatUint(uint64(caplen), 10)+" exceeds the maximum "+strconv.Itoa(maxPacketData)))
	}
	data, got, err := r.take(int(caplen))
	if got < int(caplen) {
		return r.fail(r.shortErr("record", n, off, r.hdrLen+int(caplen), r.hdrLen+got, err))
	}
	if caplen > r.snapshot {
		caplen = r.snapshot // libpcap reads the snapshot length and skips the rest
	}
	ns := int64(frac)
	if !r.nano {
		ns *= 1000
	}
	return data[:caplen], CaptureInfo{
		Timestamp:     time.Unix(int64(sec), ns).UTC(),
		CaptureLength: int(caplen),
		Length:        int(wire),
		LinkType:      r.linkType,
		Direction:     dir,
	}, nil
}
