package decode

import (
	"encoding/binary"
	"math/bits"
)

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

// onesSum adds b as big-endian 16-bit words to s (RFC 1071). It adds
// 64-bit little-endian words with end-around carry, four at a time, and
// swaps the folded sum's bytes at the end (RFC 1071 2(B): the sum does not
// depend on byte order): a third of the instructions of 32-bit big-endian
// words, and verifying checksums is most of decoding a TCP or UDP frame.
func onesSum(b []byte, s uint64) uint64 {
	if len(b) <= 16 { // addresses for the pseudo-header: no folding
		for ; len(b) >= 2; b = b[2:] {
			s += uint64(binary.BigEndian.Uint16(b))
		}
		if len(b) == 1 {
			s += uint64(b[0]) << 8
		}
		return s
	}
	var acc, c uint64
	for len(b) >= 32 {
		acc, c = bits.Add64(acc, binary.LittleEndian.Uint64(b), c)
		acc, c = bits.Add64(acc, binary.LittleEndian.Uint64(b[8:]), c)
		acc, c = bits.Add64(acc, binary.LittleEndian.Uint64(b[16:]), c)
		acc, c = bits.Add64(acc, binary.LittleEndian.Uint64(b[24:]), c)
		b = b[32:]
	}
	for len(b) >= 8 {
		acc, c = bits.Add64(acc, binary.LittleEndian.Uint64(b), c)
		b = b[8:]
	}
	acc, c = bits.Add64(acc, 0, c)
	acc += c // 2^64 is 1 in one's complement; acc was 0 if c is 1
	t := uint64(fold(acc))
	for len(b) >= 2 {
		t += uint64(binary.LittleEndian.Uint16(b))
		b = b[2:]
	}
	if len(b) == 1 {
		t += uint64(b[0])
	}
	return s + uint64(bits.ReverseBytes16(fold(t)))
}

// fold reduces a one's complement sum to 16 bits.
func fold(s uint64) uint16 {
	for s>>16 != 0 {
		s = s&0xffff + s>>16
	}
	return uint16(s)
}
