package pcapio

import (
	"bytes"
	"encoding/binary"
	"strings"
	"testing"
	"time"
)

// Packet options written with WritePacketOptions read back through
// PacketOptions, swapped into the section's byte order where pcapng defines
// their numbers; interface descriptions round-trip.
func TestPacketOptionsRoundTrip(t *testing.T) {
	for _, inBE := range []bool{false, true} {
		for _, outBE := range []bool{false, true} {
			in := orderOf(inBE)
			var opts []byte
			opts = in.AppendUint16(opts, 1) // opt_comment
			opts = in.AppendUint16(opts, 5)
			opts = append(opts, "hello\x00\x00\x00"...)
			opts = in.AppendUint16(opts, optFlags)
			opts = in.AppendUint16(opts, 4)
			opts = in.AppendUint32(opts, 2) // outbound
			opts = in.AppendUint16(opts, 5) // epb_packetid
			opts = in.AppendUint16(opts, 8)
			opts = in.AppendUint64(opts, 0x0102030405060708)
			opts = in.AppendUint32(opts, 0)

			var buf bytes.Buffer
			var o binary.ByteOrder = binary.LittleEndian
			if outBE {
				o = binary.BigEndian
			}
			w, err := NewNgWriter(&buf, NgOptions{ByteOrder: o, Interfaces: []Interface{{Name: "eth0", Description: "the uplink", LinkType: 1}}})
			if err != nil {
				t.Fatal(err)
			}
			if err := w.WritePacketOptions(CaptureInfo{Timestamp: time.Unix(1, 0)}, []byte{1, 2, 3}, opts, inBE); err != nil {
				t.Fatal(err)
			}
			r, err := NewReader(&buf)
			if err != nil {
				t.Fatal(err)
			}
			_, ci, err := r.ZeroCopyReadPacketData()
			if err != nil {
				t.Fatal(err)
			}
			got, out := r.PacketOptions(), orderOf(outBE)
			if ci.Direction != DirectionOutbound || !bytes.Contains(got, []byte("hello")) ||
				out.Uint64(got[4+8+4+4+4:]) != 0x0102030405060708 || r.Interfaces()[0].Description != "the uplink" {
				t.Errorf("in BE %v out BE %v: direction %v, options % x, interfaces %+v", inBE, outBE, ci.Direction, got, r.Interfaces())
			}
			if r.Section() != 0 {
				t.Errorf("section %d", r.Section())
			}
		}
	}
	var buf bytes.Buffer
	w, _ := NewNgWriter(&buf, NgOptions{Interfaces: []Interface{{LinkType: 1}}})
	if err := w.WritePacketOptions(CaptureInfo{Timestamp: time.Unix(1, 0)}, nil, []byte{1, 0, 9, 0, 'x'}, false); err == nil {
		t.Error("an option overrunning its list was written")
	}
}

func TestSectionAndInterfaceComments(t *testing.T) {
	var buf bytes.Buffer
	w, err := NewNgWriter(&buf, NgOptions{Comments: []string{"one", "two"}, Application: "app",
		Interfaces: []Interface{{LinkType: 1, Comment: "port 7"}}})
	if err != nil {
		t.Fatal(err)
	}
	w.WritePacket(CaptureInfo{Timestamp: time.Unix(1, 0)}, []byte{1})
	r, err := NewReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if c := r.SectionComments(); len(c) != 2 || c[0] != "one" || c[1] != "two" || r.Interfaces()[0].Comment != "port 7" {
		t.Errorf("comments %q, interface %+v", c, r.Interfaces()[0])
	}
}

// FuzzCopyPacketOptions copies every packet of any readable pcapng, with its
// options, into a section of the other byte order, each on an interface of
// the source's link type, timestamp resolution and offset (what turtle edit
// does): the copy never fails on what the reader accepted, and reads back
// with the same data, direction and comments.
func FuzzCopyPacketOptions(f *testing.F) {
	for _, fx := range fixtures(f, 8) {
		f.Add(fx.data)
	}
	okSHB := shb(le, 1, 0, nil)
	f.Add(cat(okSHB, idb(le, 1, 0, nil), epb(le, 0, 1<<40, []byte{1, 2, 3}, 3,
		cat(opt(le, 1, []byte("a comment")), opt(le, optFlags, enc(le, 1)), opt(le, 5, enc(le, uint64(7)))))))
	// A timestamp in whole seconds (if_tsresol 2^0) that microseconds cannot
	// hold in 64 bits: found by the fuzzer when the copy went to one
	// interface of the default resolution whatever the source's was.
	f.Add(cat(okSHB, idb(le, 1, 0, nil), idb(le, 127, 0, opt(le, optTsResol, []byte{0x80})),
		epb(le, 0, 1<<40, []byte{1, 2, 3}, 3, nil), epb(le, 1, 1<<55, []byte{4, 5, 6}, 3, nil)))
	// Whole seconds past 2^63, which the reader wraps (found next).
	f.Add(cat(okSHB, idb(le, 127, 0, opt(le, optTsResol, []byte{0x80})), epb(le, 0, 1<<63|5, []byte{4, 5, 6}, 3, nil)))
	f.Fuzz(func(t *testing.T, in []byte) {
		r, err := NewReader(bytes.NewReader(in))
		if err != nil || r.Format() != FormatPcapNG {
			return
		}
		type rec struct {
			data string
			dir  Direction
			opts int // bytes of options, end-of-options and padding aside
		}
		var want []rec
		var buf bytes.Buffer
		var w *NgWriter
		copied := map[[2]int]int{} // source section and interface -> the copy's interface
		for {
			data, ci, err := r.ZeroCopyReadPacketData()
			if err != nil {
				break
			}
			if w == nil {
				var o binary.ByteOrder = binary.BigEndian
				if r.BigEndian() {
					o = binary.LittleEndian
				}
				if w, err = NewNgWriter(&buf, NgOptions{ByteOrder: o}); err != nil {
					t.Fatal(err)
				}
			}
			src := [2]int{r.Section(), ci.InterfaceIndex}
			ifc := Interface{LinkType: ci.LinkType}
			for _, s := range r.Interfaces() {
				if s.Section == src[0] && s.Index == src[1] {
					ifc.TsResolution, ifc.TsOffset = s.TsResolution, s.TsOffset
				}
			}
			offset := ifc.TsOffset
			idx, ok := copied[src]
			if !ok {
				if idx, err = w.AddInterface(ifc); err != nil {
					t.Fatal(err)
				}
				copied[src] = idx
			}
			ci.InterfaceIndex = idx
			err = w.WritePacketOptions(ci, data, r.PacketOptions(), r.BigEndian())
			// Whole seconds past 2^63 (ticks of 1 s beyond int64) read as a
			// time before the offset, wrapped as libpcap and tshark wrap
			// them; the writer refuses such a time, and says so.
			if wrapped := ci.Timestamp.Unix()-offset < 0; wrapped {
				if err == nil || !strings.Contains(err.Error(), "not representable") {
					t.Fatalf("a timestamp wrapped past 2^63 s (%v): %v, want it refused", ci.Timestamp, err)
				}
				continue
			}
			if err != nil {
				t.Fatalf("copy of an accepted packet failed: %v", err)
			}
			want = append(want, rec{string(data), ci.Direction, optLen(r.PacketOptions(), r.BigEndian())})
		}
		if w == nil {
			return
		}
		back, err := NewReader(&buf)
		if err != nil {
			t.Fatal(err)
		}
		for i, wr := range want {
			data, ci, err := back.ZeroCopyReadPacketData()
			if err != nil {
				t.Fatalf("packet %d: %v", i+1, err)
			}
			got := rec{string(data), ci.Direction, optLen(back.PacketOptions(), back.BigEndian())}
			if got != wr {
				t.Fatalf("packet %d: %d bytes dir %v opts %d, want %d bytes dir %v opts %d", i+1,
					len(got.data), got.dir, got.opts, len(wr.data), wr.dir, wr.opts)
			}
		}
	})
}

// optLen sums the value lengths of an option list up to opt_endofopt.
func optLen(o []byte, be bool) int {
	bo := orderOf(be)
	n := 0
	for len(o) >= 4 {
		code, l := bo.Uint16(o), int(bo.Uint16(o[2:]))
		if code == optEnd || 4+l > len(o) {
			break
		}
		n += 4 + l
		o = o[min(4+pad4(l), len(o)):]
	}
	return n
}

// ExactLength copies a wire length of 0 as 0; without it 0 means len(data).
func TestExactLength(t *testing.T) {
	for _, exact := range []bool{false, true} {
		var buf bytes.Buffer
		w, _ := NewPcapWriter(&buf, PcapOptions{LinkType: 1, ExactLength: exact})
		w.WritePacket(CaptureInfo{Timestamp: time.Unix(1, 0)}, []byte{1, 2, 3})
		var ng bytes.Buffer
		nw, _ := NewNgWriter(&ng, NgOptions{ExactLength: exact, Interfaces: []Interface{{LinkType: 1}}})
		nw.WritePacket(CaptureInfo{Timestamp: time.Unix(1, 0)}, []byte{1, 2, 3})
		for _, b := range [][]byte{buf.Bytes(), ng.Bytes()} {
			r, _ := NewReader(bytes.NewReader(b))
			_, ci, err := r.ReadPacketData()
			if want := map[bool]int{false: 3, true: 0}[exact]; err != nil || ci.Length != want {
				t.Errorf("exact %v: wire %d (%v), want %d", exact, ci.Length, err, want)
			}
		}
	}
}
