package pcapio

import (
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"testing"
	"time"
)

// FuzzReader feeds arbitrary bytes to the reader: it must never panic,
// return packets consistent with their CaptureInfo, keep its error, and
// allocate no more than 8 MiB plus twice the bytes it consumed (what
// decompression can add) for any input.
func FuzzReader(f *testing.F) {
	for _, fx := range fixtures(f, 8) {
		f.Add(fx.data)
		f.Add(fx.data[:len(fx.data)*2/3])
		var z bytes.Buffer
		zw := gzip.NewWriter(&z)
		zw.Write(fx.data)
		zw.Close()
		f.Add(z.Bytes())
	}
	okSHB := shb(le, 1, 0, nil)
	f.Add(cat(okSHB, idb(le, 1, 0, opt(le, optTsResol, []byte{0x80 | 20})), epb(le, 0, 1<<40, []byte{1, 2, 3}, 3, opt(le, optFlags, enc(le, 1)))))
	f.Add(cat(okSHB, idb(le, 1, 8, nil), block(le, btSPB, enc(le, 20, make([]byte, 20)))))
	f.Add(cat(pcapHeader(le, 0xa1b2cd34, 2, 3, 64, 0x24000001), enc(le, 1, 0, 10, 100, 3, uint16(0x800), uint8(4), uint8(0), make([]byte, 100))))
	// Absurd lengths: a section, blocks, a packet, an option and a pcap
	// record claiming far more than the file holds.
	okIDB := idb(le, 1, 0, nil)
	for _, in := range [][]byte{
		enc(be, btSHB, uint32(0x7ffffff0), uint32(0x1a2b3c4d), make([]byte, 64)),
		cat(okSHB, enc(le, btIDB, 2<<20), make([]byte, 64)),
		cat(okSHB, okIDB, enc(le, 0x1234, 0xfffffff0), make([]byte, 64)),
		cat(okSHB, okIDB, block(le, btEPB, enc(le, 0, 0, 0, 0xffffffff, 0xffffffff, make([]byte, 8)))),
		cat(okSHB, okIDB, epb(le, 0, 0, []byte{1, 2, 3, 4}, 4, enc(le, uint16(1), uint16(0xfff0)))),
		cat(okSHB, okIDB, block(le, btSPB, enc(le, 0xffffffff, make([]byte, 8)))),
		cat(pcapHeader(le, 0xa1b2c3d4, 2, 4, 0xffffffff, 1), enc(le, 1, 0, 0xffffffff, 0xffffffff), make([]byte, 100)),
	} {
		f.Add(in)
	}

	f.Fuzz(func(t *testing.T, in []byte) {
		var zero []pkt
		var zerr error
		var consumed int64
		var total uint64
		measure(func() {
			r, err := NewReader(bytes.NewReader(in))
			if err != nil {
				zerr = err
				return
			}
			for range 100000 {
				data, ci, err := r.ZeroCopyReadPacketData()
				if err != nil {
					zerr = err
					break
				}
				if len(data) != ci.CaptureLength || len(data) > maxPacketData || ci.Timestamp.Location() != time.UTC {
					t.Fatalf("packet %d: %d bytes, CaptureInfo %+v", len(zero)+1, len(data), ci)
				}
				if len(zero) < 64 {
					zero = append(zero, pkt{ci, bytes.Clone(data)})
				}
			}
			consumed = r.offset()
			if zerr != nil {
				if _, _, again := r.ZeroCopyReadPacketData(); again != zerr {
					t.Fatalf("error %v, then %v", zerr, again)
				}
			}
		}, &total)
		if limit := uint64(8<<20 + 2*consumed); total > limit {
			t.Fatalf("input of %d bytes allocated %d bytes (limit %d)", len(in), total, limit)
		}
		if zerr != nil && zerr != io.EOF {
			var fe *FormatError
			if !errors.As(zerr, &fe) || errors.Is(zerr, ErrTruncated) == errors.Is(zerr, ErrInvalid) {
				t.Fatalf("error %v is not exactly one of truncated or invalid", zerr)
			}
		}
		// The copying read sees the same packets.
		r, err := NewReader(bytes.NewReader(in))
		if err != nil {
			return
		}
		for i := range zero {
			data, ci, err := r.ReadPacketData()
			if err != nil || ci != zero[i].ci || !bytes.Equal(data, zero[i].data) {
				t.Fatalf("copying read differs at packet %d: %v", i+1, err)
			}
		}
	})
}
