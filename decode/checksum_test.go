package decode

import (
	"encoding/binary"
	"math/rand/v2"
	"testing"
)

// onesSum16 is RFC 1071's sum as written: big-endian 16-bit words.
func onesSum16(b []byte, s uint64) uint64 {
	for ; len(b) >= 2; b = b[2:] {
		s += uint64(binary.BigEndian.Uint16(b))
	}
	if len(b) == 1 {
		s += uint64(b[0]) << 8
	}
	return s
}

func TestOnesSumMatchesRFC1071(t *testing.T) {
	rng := rand.New(rand.NewPCG(26, 5))
	buf := make([]byte, 300)
	for n := range 10000 {
		b := buf[:n%len(buf)]
		switch n % 4 {
		case 0: // all ones: the carries wrap at every word
			for i := range b {
				b[i] = 0xff
			}
		case 1:
			clear(b)
		default:
			for i := range b {
				b[i] = byte(rng.Uint32())
			}
		}
		s := uint64(rng.Uint32() >> (n % 33))
		if got, want := fold(onesSum(b, s)), fold(onesSum16(b, s)); got != want {
			t.Fatalf("%d bytes % x, start %#x: got %#04x, want %#04x", len(b), b, s, got, want)
		}
	}
}
