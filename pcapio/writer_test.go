package pcapio

import (
	"bytes"
	"encoding/binary"
	"io"
	"strings"
	"testing"
	"time"
)

// TestWriterErrors checks what the writers refuse rather than write wrong.
func TestWriterErrors(t *testing.T) {
	var buf bytes.Buffer
	pw, err := NewPcapWriter(&buf, PcapOptions{LinkType: LinkTypeEthernet})
	if err != nil {
		t.Fatal(err)
	}
	nw, err := NewNgWriter(&buf, NgOptions{Interfaces: []Interface{{LinkType: LinkTypeEthernet}}})
	if err != nil {
		t.Fatal(err)
	}
	ok := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		w    PacketWriter
		ci   CaptureInfo
		data []byte
		msg  string
	}{
		{pw, CaptureInfo{}, nil, "out of the pcap range"},
		{pw, CaptureInfo{Timestamp: time.Date(2107, 1, 1, 0, 0, 0, 0, time.UTC)}, nil, "out of the pcap range"},
		{pw, CaptureInfo{Timestamp: ok}, make([]byte, maxPacketData+1), "exceeds the maximum"},
		{pw, CaptureInfo{Timestamp: ok, Length: -1}, nil, "wire length -1 out of range"},
		{nw, CaptureInfo{Timestamp: ok, InterfaceIndex: 1}, nil, "interface 1 not in this section"},
		{nw, CaptureInfo{Timestamp: time.Unix(-1, 0)}, nil, "not representable"},
	} {
		if err := c.w.WritePacket(c.ci, c.data); err == nil || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("got %v, want an error containing %q", err, c.msg)
		}
	}
	if _, err := NewPcapWriter(&buf, PcapOptions{Snaplen: maxPacketData + 1}); err == nil {
		t.Error("snaplen above the maximum accepted")
	}
	if _, err := nw.AddInterface(Interface{TsResolution: 0x1ff}); err == nil {
		t.Error("invalid resolution accepted")
	}
}

// TestWriterLayout checks the bytes of a small pcap and pcapng file, so the
// writers cannot drift together with the reader.
func TestWriterLayout(t *testing.T) {
	ts := time.Unix(0x01020304, 5000).UTC()
	var p bytes.Buffer
	pw, _ := NewPcapWriter(&p, PcapOptions{LinkType: LinkTypeLinuxSLL2, Snaplen: 2, ByteOrder: binary.BigEndian})
	pw.WritePacket(CaptureInfo{Timestamp: ts, Length: 60}, []byte{0xaa, 0xbb, 0xcc})
	want := cat(pcapHeader(be, 0xa1b2c3d4, 2, 4, 2, 276), enc(be, 0x01020304, 5, 2, 60, []byte{0xaa, 0xbb}))
	if !bytes.Equal(p.Bytes(), want) {
		t.Errorf("pcap:\n got %x\nwant %x", p.Bytes(), want)
	}
	var n bytes.Buffer
	nw, _ := NewNgWriter(&n, NgOptions{Interfaces: []Interface{{Name: "lo", LinkType: LinkTypeNull, TsResolution: ResolutionNano}}})
	nw.WritePacket(CaptureInfo{Timestamp: ts, Direction: DirectionOutbound}, []byte{1, 2, 3, 4, 5})
	tick := uint64(0x01020304)*1e9 + 5000
	want = cat(shb(le, 1, 0, nil),
		idb(le, LinkTypeNull, 0, cat(opt(le, optIfName, []byte("lo")), opt(le, optTsResol, []byte{9}), opt(le, optEnd, nil))),
		epb(le, 0, tick, []byte{1, 2, 3, 4, 5}, 5, cat(opt(le, optFlags, enc(le, 2)), opt(le, optEnd, nil))))
	if !bytes.Equal(n.Bytes(), want) {
		t.Errorf("pcapng:\n got %x\nwant %x", n.Bytes(), want)
	}
}

// TestManyInterfaces checks the per-section interface bound.
func TestManyInterfaces(t *testing.T) {
	in := shb(le, 1, 0, nil)
	one := idb(le, LinkTypeEthernet, 0, nil)
	for range maxInterfaces + 1 {
		in = append(in, one...)
	}
	r, err := NewReader(bytes.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = r.ReadPacketData()
	want := "invalid: block 4098 at byte offset 81948: more than 4096 interfaces in one section"
	if err == nil || err.Error() != want {
		t.Fatalf("got %v, want %s", err, want)
	}
	if len(r.Interfaces()) != maxInterfaces {
		t.Fatalf("%d interfaces listed", len(r.Interfaces()))
	}
	// a new section starts over
	in = append(in[:28+20*maxInterfaces], cat(shb(le, 1, 0, nil), one)...)
	r, _ = NewReader(bytes.NewReader(in))
	if _, _, err := r.ReadPacketData(); err != io.EOF {
		t.Fatal(err)
	}
}
