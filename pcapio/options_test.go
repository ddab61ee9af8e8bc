package pcapio

import (
	"bytes"
	"encoding/binary"
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
