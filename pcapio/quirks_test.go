package pcapio

import (
	"bytes"
	"errors"
	"io"
	"reflect"
	"testing"
	"time"
)

// TestPcapQuirks reads classic pcap files the way libpcap 1.10 does.
func TestPcapQuirks(t *testing.T) {
	d100 := bytes.Repeat([]byte{0xab}, 100)
	d10 := d100[:10]
	type want struct {
		caplen, wire int
		ts           time.Time
		dir          Direction
	}
	for _, c := range []struct {
		name   string
		file   []byte
		link   LinkType
		fcs    int
		format Format
		want   []want
	}{
		{"link type above 255 with junk high bits",
			cat(pcapHeader(le, 0xa1b2c3d4, 2, 4, 0, 0x30000000|276), pcapRecord(le, 5, 7, d10, 10)),
			LinkTypeLinuxSLL2, -1, FormatPcapMicro, []want{{10, 10, time.Unix(5, 7000), 0}}},
		{"fcs length present",
			cat(pcapHeader(be, 0xa1b2c3d4, 2, 4, 0, 0x24000001), pcapRecord(be, 5, 7, d10, 10)),
			LinkTypeEthernet, 4, FormatPcapMicro, []want{{10, 10, time.Unix(5, 7000), 0}}},
		{"caplen above snaplen is cut to it, the next record stays aligned",
			cat(pcapHeader(le, 0xa1b2c3d4, 2, 4, 64, 1), pcapRecord(le, 1, 0, d100, 1500), pcapRecord(le, 2, 0, d10, 10)),
			LinkTypeEthernet, -1, FormatPcapMicro, []want{{64, 1500, time.Unix(1, 0), 0}, {10, 10, time.Unix(2, 0), 0}}},
		{"snaplen 0 means no limit",
			cat(pcapHeader(le, 0xa1b2c3d4, 2, 4, 0, 1), pcapRecord(le, 1, 0, d100, 100)),
			LinkTypeEthernet, -1, FormatPcapMicro, []want{{100, 100, time.Unix(1, 0), 0}}},
		{"caplen above wire length and caplen 0 kept",
			cat(pcapHeader(le, 0xa1b2c3d4, 2, 4, 65535, 1), pcapRecord(le, 1, 0, d100, 60), pcapRecord(le, 2, 0, nil, 0), pcapRecord(le, 3, 0, nil, 1514)),
			LinkTypeEthernet, -1, FormatPcapMicro, []want{{100, 60, time.Unix(1, 0), 0}, {0, 0, time.Unix(2, 0), 0}, {0, 1514, time.Unix(3, 0), 0}}},
		{"version 2.2 has the lengths the other way round",
			cat(pcapHeader(le, 0xa1b2c3d4, 2, 2, 65535, 1), enc(le, 1, 0, 200, 10, d10)),
			LinkTypeEthernet, -1, FormatPcapMicro, []want{{10, 200, time.Unix(1, 0), 0}}},
		{"version 2.3 swaps only when caplen exceeds the wire length",
			cat(pcapHeader(le, 0xa1b2c3d4, 2, 3, 65535, 1), enc(le, 1, 0, 200, 10, d10), enc(le, 2, 0, 10, 200, d10)),
			LinkTypeEthernet, -1, FormatPcapMicro, []want{{10, 200, time.Unix(1, 0), 0}, {10, 200, time.Unix(2, 0), 0}}},
		{"kuznetzov records carry the packet type",
			cat(pcapHeader(le, 0xa1b2cd34, 2, 4, 65535, 1),
				enc(le, 1, 0, 10, 10, 3, uint16(0x800), uint8(4), uint8(0), d10),
				enc(le, 2, 0, 10, 10, 3, uint16(0x800), uint8(0), uint8(0), d10)),
			LinkTypeEthernet, -1, FormatPcapMicro, []want{{10, 10, time.Unix(1, 0), DirectionOutbound}, {10, 10, time.Unix(2, 0), DirectionInbound}}},
		{"fraction of a second or more, seconds beyond 2038",
			cat(pcapHeader(le, 0xa1b2c3d4, 2, 4, 65535, 1), pcapRecord(le, 10, 1500000, d10, 10), pcapRecord(le, 0xfffffff0, 0, d10, 10)),
			LinkTypeEthernet, -1, FormatPcapMicro, []want{{10, 10, time.Unix(11, 5e8), 0}, {10, 10, time.Unix(0xfffffff0, 0), 0}}},
		{"big-endian nanoseconds",
			cat(pcapHeader(be, 0xa1b23c4d, 2, 4, 65535, 101), pcapRecord(be, 10, 999999999, d10, 10)),
			LinkTypeRaw, -1, FormatPcapNano, []want{{10, 10, time.Unix(10, 999999999), 0}}},
		{"543.0 as DG/UX writes it",
			cat(pcapHeader(le, 0xa1b2c3d4, 543, 0, 65535, 1), enc(le, 1, 0, 200, 10, d10)),
			LinkTypeEthernet, -1, FormatPcapMicro, []want{{10, 200, time.Unix(1, 0), 0}}},
	} {
		t.Run(c.name, func(t *testing.T) {
			r, err := NewReader(bytes.NewReader(c.file))
			if err != nil {
				t.Fatal(err)
			}
			if r.LinkType() != c.link || r.FCSLength() != c.fcs || r.Format() != c.format {
				t.Fatalf("link %d fcs %d format %v, want %d %d %v", r.LinkType(), r.FCSLength(), r.Format(), c.link, c.fcs, c.format)
			}
			got, err := readAll(t, r, false)
			if err != io.EOF {
				t.Fatal(err)
			}
			if len(got) != len(c.want) {
				t.Fatalf("%d packets, want %d", len(got), len(c.want))
			}
			for i, w := range c.want {
				ci := got[i].ci
				if ci.CaptureLength != w.caplen || ci.Length != w.wire || !ci.Timestamp.Equal(w.ts) ||
					ci.Direction != w.dir || ci.LinkType != c.link || got[i].data == nil {
					t.Errorf("packet %d: %+v, want %+v", i+1, ci, w)
				}
			}
		})
	}
}

// TestPcapngBlocks covers the blocks the writer does not produce: simple
// and obsolete packet blocks, version 1.2, NUL-padded names, and an EPB
// longer than its interface's snapshot length.
func TestPcapngBlocks(t *testing.T) {
	d20 := bytes.Repeat([]byte{0xcd}, 20)
	name := opt(le, optIfName, []byte("em1\x00\x00"))
	file := cat(
		shb(le, 1, 2, opt(le, 3, []byte("a test os"))),
		idb(le, LinkTypeEthernet, 8, cat(name, opt(le, optTsResol, []byte{3}), opt(le, optEnd, nil))),
		block(le, btSPB, enc(le, 20, d20)),
		block(le, btSPB, enc(le, 3, d20[:4])),
		idb(le, LinkTypeRaw, 0, nil),
		block(le, btPB, enc(le, uint16(1), uint16(7), 0, 1500, 20, 20, d20, opt(le, optFlags, enc(le, 2)), opt(le, 0, nil))),
		epb(le, 0, 2500, d20, 1000, opt(le, optFlags, enc(le, 1))),
		block(le, btDSB, enc(le, 0x544c534b, 4, "keys")),
	)
	r, err := NewReader(bytes.NewReader(file))
	if err != nil {
		t.Fatal(err)
	}
	got, err := readAll(t, r, true)
	if err != io.EOF {
		t.Fatal(err)
	}
	want := []CaptureInfo{
		{time.Unix(0, 0).UTC(), 8, 20, LinkTypeEthernet, 0, "em1", 0, true}, // SPBs: no timestamp
		{time.Unix(0, 0).UTC(), 3, 3, LinkTypeEthernet, 0, "em1", 0, true},
		{time.Unix(0, 1500000).UTC(), 20, 20, LinkTypeRaw, 1, "", DirectionOutbound, false},
		{time.Unix(2, 500000000).UTC(), 20, 1000, LinkTypeEthernet, 0, "em1", DirectionInbound, false},
	}
	if len(got) != len(want) {
		t.Fatalf("%d packets, want %d", len(got), len(want))
	}
	for i, w := range want {
		if got[i].ci != w {
			t.Errorf("packet %d: %+v\nwant %+v", i+1, got[i].ci, w)
		}
	}
	ifs := r.Interfaces()
	for i := range ifs {
		ifs[i].Options, ifs[i].OptionsBE = nil, false // raw lists: TestCopyKeepsOptions
	}
	wantIfs := []Interface{
		{Name: "em1", LinkType: LinkTypeEthernet, Snaplen: 8, TsResolution: DecimalResolution(3)},
		{LinkType: LinkTypeRaw, Index: 1},
	}
	if !reflect.DeepEqual(ifs, wantIfs) {
		t.Errorf("interfaces %+v, want %+v", ifs, wantIfs)
	}
}

// TestPcapngOpen checks what NewReader reads ahead: up to the first
// interface, keeping any failure after the section header for the first
// read, and a file with no interface at all.
func TestPcapngOpen(t *testing.T) {
	okSHB := shb(be, 1, 0, nil)
	r, err := NewReader(bytes.NewReader(cat(okSHB, block(be, btNRB, nil), idb(be, 276, 0, nil), idb(be, 1, 0, nil))))
	if err != nil || r.LinkType() != LinkTypeLinuxSLL2 || len(r.Interfaces()) != 1 {
		t.Fatalf("%v, link %d, %d interfaces", err, r.LinkType(), len(r.Interfaces()))
	}
	if _, _, err := r.ReadPacketData(); err != io.EOF || len(r.Interfaces()) != 2 {
		t.Fatalf("%v, %d interfaces", err, len(r.Interfaces()))
	}

	r, err = NewReader(bytes.NewReader(okSHB))
	if err != nil || r.LinkType() != 0 || r.Snaplen() != 0 {
		t.Fatalf("section header only: %v", err)
	}
	if _, _, err := r.ReadPacketData(); err != io.EOF {
		t.Fatalf("section header only: %v", err)
	}

	r, err = NewReader(bytes.NewReader(cat(okSHB, idb(be, 1, 0, nil)[:10])))
	if err != nil {
		t.Fatalf("cut interface: NewReader: %v", err)
	}
	if _, _, err := r.ReadPacketData(); !errors.Is(err, ErrTruncated) {
		t.Fatalf("cut interface: %v", err)
	}
}

// TestHugeClaims checks that absurd lengths cost neither memory nor time.
func TestHugeClaims(t *testing.T) {
	okSHB := shb(le, 1, 0, nil)
	for _, in := range [][]byte{
		cat(pcapHeader(le, 0xa1b2c3d4, 2, 4, 0xffffffff, 1), enc(le, 1, 0, 262144, 262144), make([]byte, 100)),
		cat(okSHB, idb(le, 1, 0, nil), enc(le, btEPB, 1<<20), make([]byte, 100)),
		cat(okSHB, enc(le, btIDB, 1<<20), make([]byte, 100)),
		cat(okSHB, enc(le, 0x77, 16<<20), make([]byte, 100)),
	} {
		var total uint64
		measure(func() {
			if _, err := readFile(t, in); !errors.Is(err, ErrTruncated) {
				t.Fatalf("%v", err)
			}
		}, &total)
		if total > 1<<20 {
			t.Errorf("input of %d bytes claiming a huge record allocated %d bytes", len(in), total)
		}
	}
}
