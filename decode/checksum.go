package decode

import "encoding/binary"

// ChecksumStatus is the outcome of verifying a checksum.
type ChecksumStatus uint8

const (
	ChecksumUnverified ChecksumStatus = iota // the covered bytes are not all captured
	ChecksumGood
	ChecksumBad
	ChecksumNone // UDP over IPv4 with checksum 0: the sender computed none
)

// Checksum is a header's checksum field and the verdict on it.
type Checksum struct {
	Value  uint16 // as in the header
	Status ChecksumStatus
	Want   uint16 // when Status is ChecksumBad: the value that would be correct
}

// verify checks the Internet checksum over b (which includes the field at
// offset field) plus the pseudo-header sum pseudo.
func (c *Checksum) verify(b []byte, field int, pseudo uint64) {
	s := fold(onesSum(b, pseudo))
	if s == 0xffff {
		c.Status = ChecksumGood
		return
	}
	c.Status = ChecksumBad
	// The correct value is the complement of the sum without the field.
	c.Want = ^fold(uint64(s) + uint64(^binary.BigEndian.Uint16(b[field:field+2])))
}

// onesSum adds b as big-endian 16-bit words to s (RFC 1071); 32-bit words
// are added at a time, which folding makes equivalent.
func onesSum(b []byte, s uint64) uint64 {
	for len(b) >= 8 {
		s += uint64(binary.BigEndian.Uint32(b)) + uint64(binary.BigEndian.Uint32(b[4:]))
		b = b[8:]
	}
	for len(b) >= 2 {
		s += uint64(binary.BigEndian.Uint16(b))
		b = b[2:]
	}
	if len(b) == 1 {
		s += uint64(b[0]) << 8
	}
	return s
}

// fold reduces a one's complement sum to 16 bits.
func fold(s uint64) uint16 {
	for s>>16 != 0 {
		s = s&0xffff + s>>16
	}
	return uint16(s)
}
