package anonymize

import (
	"crypto/aes"
	"crypto/cipher"
	"encoding/binary"
	"errors"
)

// CryptoPAn is the prefix-preserving address mapping of Xu, Fan, Ammar and
// Moon ("Prefix-Preserving IP Address Anonymization", ICNP 2002), with AES
// as the pseudo-random function, as in the authors' reference
// implementation: the key is 16 bytes of AES key then 16 bytes of pad; bit
// i of the output is bit i of the input XOR the first bit of
// AES(first i input bits, then the encrypted pad's remaining bits). IPv6
// extends the same rule to 128 bits, as yacryptopan and libanon do, so an
// IPv6 address whose first 32 bits are an IPv4 address maps to one whose
// first 32 bits are that IPv4 address's mapping.
//
// Written here on crypto/aes rather than taken from a library: the one Go
// package found (github.com/Yawning/cryptopan, 2014, no release since)
// returns a fresh net.IP per call, an allocation per address on the
// per-frame path, and has no cache; the algorithm is 30 lines. The tests
// check the reference implementation's sample (IPv4) and that package's
// IPv6 vectors.
type CryptoPAn struct {
	block  cipher.Block
	padHi  uint64 // the encrypted pad, as two big-endian halves
	padLo  uint64
	in     [16]byte
	out    [16]byte
	cache4 map[uint32]uint32
	cache6 map[[16]byte][16]byte
}

// maxCache bounds each address cache; it is emptied when full, so memory
// stays flat on captures with millions of addresses.
const maxCache = 1 << 16

// NewCryptoPAn returns the mapping for a 32-byte key.
func NewCryptoPAn(key []byte) (*CryptoPAn, error) {
	if len(key) != 32 {
		return nil, errors.New("Crypto-PAn key must be 32 bytes")
	}
	b, err := aes.NewCipher(key[:16])
	if err != nil {
		return nil, err
	}
	c := &CryptoPAn{block: b, cache4: map[uint32]uint32{}, cache6: map[[16]byte][16]byte{}}
	var pad [16]byte
	b.Encrypt(pad[:], key[16:32])
	c.padHi, c.padLo = binary.BigEndian.Uint64(pad[:8]), binary.BigEndian.Uint64(pad[8:])
	return c, nil
}

// bit returns the first bit of AES(hi, lo).
func (c *CryptoPAn) bit(hi, lo uint64) uint64 {
	binary.BigEndian.PutUint64(c.in[:8], hi)
	binary.BigEndian.PutUint64(c.in[8:], lo)
	c.block.Encrypt(c.out[:], c.in[:])
	return uint64(c.out[0] >> 7)
}

// mask returns the first n bits set, of 64 (n in 0..64).
func mask(n int) uint64 {
	if n == 0 {
		return 0
	}
	return ^uint64(0) << (64 - n)
}

// map128 maps the first n bits (32 or 128) of the address hi:lo.
func (c *CryptoPAn) map128(hi, lo uint64, n int) (uint64, uint64) {
	var otpHi, otpLo uint64
	for i := 0; i < n; i++ {
		var inHi, inLo uint64
		if i < 64 {
			m := mask(i)
			inHi, inLo = hi&m|c.padHi&^m, c.padLo
			otpHi |= c.bit(inHi, inLo) << (63 - i)
		} else {
			m := mask(i - 64)
			inHi, inLo = hi, lo&m|c.padLo&^m
			otpLo |= c.bit(inHi, inLo) << (127 - i)
		}
	}
	return hi ^ otpHi, lo ^ otpLo
}

// Map4 maps an IPv4 address.
func (c *CryptoPAn) Map4(a [4]byte) [4]byte {
	v := binary.BigEndian.Uint32(a[:])
	r, ok := c.cache4[v]
	if !ok {
		hi, _ := c.map128(uint64(v)<<32, 0, 32)
		r = uint32(hi >> 32)
		if len(c.cache4) >= maxCache {
			clear(c.cache4)
		}
		c.cache4[v] = r
	}
	var out [4]byte
	binary.BigEndian.PutUint32(out[:], r)
	return out
}

// Map16 maps an IPv6 address.
func (c *CryptoPAn) Map16(a [16]byte) [16]byte {
	if r, ok := c.cache6[a]; ok {
		return r
	}
	hi, lo := c.map128(binary.BigEndian.Uint64(a[:8]), binary.BigEndian.Uint64(a[8:]), 128)
	var r [16]byte
	binary.BigEndian.PutUint64(r[:8], hi)
	binary.BigEndian.PutUint64(r[8:], lo)
	if len(c.cache6) >= maxCache {
		clear(c.cache6)
	}
	c.cache6[a] = r
	return r
}
