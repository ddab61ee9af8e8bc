package pcapio

import (
	"bytes"
	"errors"
	"io"
	"math/rand/v2"
	"testing"
	"testing/iotest"
)

// TestFastPathMatchesBlock damages the fields of pcapng Enhanced Packet
// Blocks at random and reads each file twice: from a bytes.Reader, where
// ZeroCopyReadPacketData reads most blocks inline from the window, and
// through iotest.OneByteReader, where the window never holds more than the
// block just read, so every block goes through block. Both must give the
// same packets and the same error, message and position included.
func TestFastPathMatchesBlock(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for _, f := range fixtures(t, 24) {
		if f.format != FormatPcapNG {
			continue
		}
		start := map[int]int{} // block end -> block start
		for i, end := range f.ends {
			if i > 0 {
				start[end] = f.ends[i-1]
			}
		}
		for range 600 {
			in := bytes.Clone(f.data)
			for range 1 + rng.IntN(2) {
				end := f.pends[rng.IntN(len(f.pends))]
				b := in[start[end]:end]
				// the 28 header bytes or the last 16 (options, trailer)
				i := rng.IntN(28)
				if rng.IntN(2) == 0 {
					i = len(b) - 1 - rng.IntN(min(16, len(b)))
				}
				switch rng.IntN(4) {
				case 0:
					b[i] = byte(rng.Uint32())
				case 1:
					b[i] = byte(rng.IntN(24)) // near the lengths that matter
				case 2:
					b[i] ^= 1 << rng.IntN(8)
				default:
					b[i] += byte(rng.IntN(9)) - 4
				}
			}
			if rng.IntN(4) == 0 {
				in = in[:rng.IntN(len(in)+1)]
			}
			fast, ferr := readEvery(t, bytes.NewReader(in))
			slow, serr := readEvery(t, iotest.OneByteReader(bytes.NewReader(in)))
			if len(fast) != len(slow) {
				t.Fatalf("%s: %d packets inline, %d through block (errors %v; %v)", f.name, len(fast), len(slow), ferr, serr)
			}
			for i := range fast {
				if fast[i].ci != slow[i].ci || !bytes.Equal(fast[i].data, slow[i].data) {
					t.Fatalf("%s packet %d:\ninline %+v\n block %+v", f.name, i+1, fast[i].ci, slow[i].ci)
				}
			}
			var fe, se *FormatError
			if errors.As(ferr, &fe) != errors.As(serr, &se) || fe != nil && *fe != *se ||
				fe == nil && ferr != serr {
				t.Fatalf("%s: inline ends with %v, block with %v", f.name, ferr, serr)
			}
		}
	}
}

// readEvery opens src and reads it to its first error with the zero-copy
// read, keeping copies of the packets.
func readEvery(t *testing.T, src io.Reader) ([]pkt, error) {
	r, err := NewReader(src)
	if err != nil {
		return nil, err
	}
	return readAll(t, r, true)
}
