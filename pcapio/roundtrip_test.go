package pcapio

import (
	"bytes"
	"io"
	"os"
	"testing"
	"testing/iotest"
	"time"
)

// TestRoundTrip writes the same packets as pcap µs/ns in both byte orders
// and as pcapng (one or several sections, interfaces of different link
// types, resolutions and byte orders) and reads them back identical, with
// both read paths and through readers that return a few bytes at a time.
func TestRoundTrip(t *testing.T) {
	for _, f := range fixtures(t, 300) {
		t.Run(f.name, func(t *testing.T) {
			for _, src := range []struct {
				name string
				r    func() io.Reader
			}{
				{"bytes", func() io.Reader { return bytes.NewReader(f.data) }},
				{"plain-reader", func() io.Reader { return struct{ io.Reader }{bytes.NewReader(f.data)} }},
				{"one-byte", func() io.Reader { return iotest.OneByteReader(bytes.NewReader(f.data)) }},
				{"half", func() io.Reader { return iotest.HalfReader(bytes.NewReader(f.data)) }},
			} {
				for _, zero := range []bool{false, true} {
					r, err := NewReader(src.r())
					if err != nil {
						t.Fatalf("%s: %v", src.name, err)
					}
					if r.Format() != f.format || r.LinkType() != f.link {
						t.Fatalf("%s: format %v link %d, want %v %d", src.name, r.Format(), r.LinkType(), f.format, f.link)
					}
					got, err := readAll(t, r, zero)
					if err != io.EOF {
						t.Fatalf("%s: ended with %v, want io.EOF", src.name, err)
					}
					samePackets(t, got, f.want, func(i int, g, w pkt) {
						if g.ci != w.ci {
							t.Fatalf("%s packet %d:\n got %+v\nwant %+v", src.name, i+1, g.ci, w.ci)
						}
					})
					if _, _, err := r.ReadPacketData(); err != io.EOF {
						t.Fatalf("%s: read after EOF: %v", src.name, err)
					}
				}
			}
		})
	}
}

// TestResolutionsExact checks if_tsresol conversion against values worked
// out by hand, including binary fractions that floating point gets wrong.
func TestResolutionsExact(t *testing.T) {
	base := int64(1_700_000_000)
	for _, c := range []struct {
		code   byte
		offset int64
		ticks  uint64
		want   time.Time
	}{
		{6, 0, uint64(base)*1e6 + 999999, time.Unix(base, 999999000)},
		{9, 0, uint64(base)*1e9 + 1, time.Unix(base, 1)},
		{3, 10, uint64(base)*1e3 + 7, time.Unix(base+10, 7e6)},
		{0, 0, uint64(base), time.Unix(base, 0)},
		{12, 0, uint64(base/1000)*1e12 + 1_234_567, time.Unix(base/1000, 1234)},
		{19, 0, 1e19 - 1, time.Unix(0, 999_999_999)},
		// 2^-20 s: 1 tick = 953.67431640625 ns
		{0x80 | 20, 0, uint64(base)<<20 + 1, time.Unix(base, 953)},
		{0x80 | 20, 0, uint64(base)<<20 + 3, time.Unix(base, 2861)}, // 2861.02...
		{0x80 | 20, 0, uint64(base)<<20 + 1<<20 - 1, time.Unix(base, 999999046)},
		// 2^-32 s: 2^32-1 ticks = 999999999.767... ns
		{0x80 | 32, 0, uint64(base)<<32 + 1<<32 - 1, time.Unix(base, 999999999)},
		{0x80 | 32, -5, uint64(base)<<32 + 1<<31, time.Unix(base-5, 500000000)},
		// 2^-63 s: a fraction that overflows 64-bit multiplication
		{0x80 | 63, 0, 1<<63 - 1, time.Unix(0, 999999999)},
		{0x80 | 63, 0, 1 << 62, time.Unix(0, 500000000)},
		{0x80, 0, 42, time.Unix(42, 0)},
	} {
		res, ok := resolutionFromCode(c.code)
		if !ok {
			t.Fatalf("code %#x rejected", c.code)
		}
		clk := newClock(res, c.offset)
		if got := clk.time(c.ticks); !got.Equal(c.want) || got.Location() != time.UTC {
			t.Errorf("%v offset %d ticks %d: got %v, want %v", res, c.offset, c.ticks, got, c.want.UTC())
		}
	}
	for _, code := range []byte{20, 99, 0x80 | 64, 0xff} {
		if _, ok := resolutionFromCode(code); ok {
			t.Errorf("code %#x accepted", code)
		}
	}
}

// TestZeroCopyAllocs proves the zero-copy path allocates nothing per packet.
func TestZeroCopyAllocs(t *testing.T) {
	for _, f := range fixtures(t, 50) {
		// repeat the file's packets so AllocsPerRun never reaches the end
		var body []byte
		if f.format == FormatPcapNG {
			body = f.data
		} else {
			body = f.data[24:]
		}
		file := bytes.Clone(f.data)
		for range 40 {
			file = append(file, body...)
		}
		r, err := NewReader(bytes.NewReader(file))
		if err != nil {
			t.Fatal(err)
		}
		allocs := testing.AllocsPerRun(1000, func() {
			if _, _, err := r.ZeroCopyReadPacketData(); err != nil {
				t.Fatal(err)
			}
		})
		if allocs != 0 {
			t.Errorf("%s: %v allocs per packet, want 0", f.name, allocs)
		}
	}
}

// TestPipe reads a capture through an os.Pipe, as from standard input:
// nothing can seek, and the writer sends one record per write.
func TestPipe(t *testing.T) {
	for _, f := range fixtures(t, 100) {
		pr, pw, err := os.Pipe()
		if err != nil {
			t.Fatal(err)
		}
		go func() {
			for i, end := 0, 0; i < len(f.ends); i++ {
				pw.Write(f.data[end:f.ends[i]])
				end = f.ends[i]
			}
			pw.Close()
		}()
		r, err := NewReader(pr)
		if err != nil {
			t.Fatalf("%s: %v", f.name, err)
		}
		got, err := readAll(t, r, true)
		pr.Close()
		if err != io.EOF {
			t.Fatalf("%s: %v", f.name, err)
		}
		samePackets(t, got, f.want, func(i int, g, w pkt) {
			if g.ci != w.ci {
				t.Fatalf("%s packet %d differs", f.name, i+1)
			}
		})
	}
}
