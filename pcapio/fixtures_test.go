package pcapio

import (
	"encoding/binary"
	"testing"
)

// fixture is a generated capture file with what reading it must give.
type fixture struct {
	name   string
	data   []byte
	ends   []int // offsets where a cut leaves a clean file (record or block ends)
	pends  []int // where each packet ends
	sects  []int // pcapng section of each packet
	want   []pkt // packets as the reader must return them
	format Format
	link   LinkType // Reader.LinkType
}

// expect turns a written packet into what reading it back gives.
func expect(p pkt, ifc Interface, index int) pkt {
	data := p.data
	if ifc.Snaplen > 0 && len(data) > ifc.Snaplen {
		data = data[:ifc.Snaplen]
	}
	wire := p.ci.Length
	if wire == 0 {
		wire = len(p.data)
	}
	return pkt{ci: CaptureInfo{
		Timestamp:      wantTime(p.ci.Timestamp, ifc.TsResolution, ifc.TsOffset),
		CaptureLength:  len(data),
		Length:         wire,
		LinkType:       ifc.LinkType,
		InterfaceIndex: index,
		InterfaceName:  ifc.Name,
		Direction:      p.ci.Direction,
	}, data: data}
}

func pcapFixture(t testing.TB, name string, opt PcapOptions, pkts []pkt) fixture {
	t.Helper()
	var rec recorder
	w, err := NewPcapWriter(&rec, opt)
	if err != nil {
		t.Fatal(err)
	}
	res := ResolutionMicro
	format := FormatPcapMicro
	if opt.Nanosecond {
		res, format = ResolutionNano, FormatPcapNano
	}
	ifc := Interface{LinkType: opt.LinkType, Snaplen: opt.Snaplen, TsResolution: res}
	f := fixture{name: name, format: format, link: opt.LinkType}
	for _, p := range pkts {
		if err := w.WritePacket(p.ci, p.data); err != nil {
			t.Fatal(err)
		}
		f.pends = append(f.pends, rec.Len())
		e := expect(p, ifc, 0)
		e.ci.Direction = DirectionUnknown // classic pcap has no direction
		f.want = append(f.want, e)
	}
	f.data, f.ends = rec.Bytes(), rec.ends
	return f
}

// ngSection is one section of a generated pcapng file.
type ngSection struct {
	order  binary.ByteOrder
	ifaces []Interface
}

// ngFixture writes pkts round-robin over the interfaces of each section in
// turn, with a custom block, a name resolution block and an interface
// statistics block in every section, which the reader must skip.
func ngFixture(t testing.TB, name string, sections []ngSection, pkts []pkt) fixture {
	t.Helper()
	var rec recorder
	var w *NgWriter
	f := fixture{name: name, format: FormatPcapNG, link: sections[0].ifaces[0].LinkType}
	per := (len(pkts) + len(sections) - 1) / len(sections)
	for s, sec := range sections {
		opt := NgOptions{ByteOrder: sec.order, Interfaces: sec.ifaces, Application: "turtle test"}
		var err error
		if s == 0 {
			w, err = NewNgWriter(&rec, opt)
		} else {
			err = w.NewSection(opt)
		}
		if err != nil {
			t.Fatal(err)
		}
		rec.Write(block(sec.order, btCB, enc(sec.order, uint32(32473), "custom data")))
		chunk := pkts[min(s*per, len(pkts)):min((s+1)*per, len(pkts))]
		for i, p := range chunk {
			id := i % len(sec.ifaces)
			p.ci.InterfaceIndex = id
			p.ci.Direction = Direction(i % 3)
			if err := w.WritePacket(p.ci, p.data); err != nil {
				t.Fatal(err)
			}
			f.pends = append(f.pends, rec.Len())
			f.sects = append(f.sects, s)
			f.want = append(f.want, expect(p, sec.ifaces[id], id))
			if i == 2 {
				nrb := enc(sec.order, uint16(1), uint16(8), []byte{10, 0, 0, 1}, "h\x00\x00\x00", uint32(0))
				rec.Write(block(sec.order, btNRB, nrb))
			}
		}
		isb := enc(sec.order, uint32(0), uint32(0), uint32(0), uint32(0))
		rec.Write(block(sec.order, btISB, isb))
	}
	f.data, f.ends = rec.Bytes(), rec.ends
	return f
}

var (
	le = binary.LittleEndian
	be = binary.BigEndian
)

// fixtures returns every generated file the round-trip, truncation and
// fuzz tests use. n scales the packet count.
func fixtures(t testing.TB, n int) []fixture {
	pkts := genPackets(n, 1)
	var fs []fixture
	for _, c := range []struct {
		name string
		opt  PcapOptions
	}{
		{"pcap-us-le", PcapOptions{LinkType: LinkTypeEthernet}},
		{"pcap-us-be", PcapOptions{LinkType: LinkTypeEthernet, ByteOrder: be, Snaplen: 65535}},
		{"pcap-ns-le", PcapOptions{LinkType: LinkTypeLinuxSLL2, Nanosecond: true, Snaplen: 200}},
		{"pcap-ns-be", PcapOptions{LinkType: LinkTypeRaw, Nanosecond: true, ByteOrder: be}},
	} {
		fs = append(fs, pcapFixture(t, c.name, c.opt, pkts))
	}
	eth := Interface{Name: "eth0", LinkType: LinkTypeEthernet, Snaplen: 65535}
	fs = append(fs,
		ngFixture(t, "pcapng-le", []ngSection{{le, []Interface{eth}}}, pkts),
		ngFixture(t, "pcapng-be", []ngSection{{be, []Interface{eth}}}, pkts),
		ngFixture(t, "pcapng-multi", []ngSection{
			{le, []Interface{eth, {Name: "tun0", LinkType: LinkTypeRaw, TsResolution: ResolutionNano}}},
			{be, []Interface{
				{Name: "any", LinkType: LinkTypeLinuxSLL2, Snaplen: 262144, TsResolution: BinaryResolution(20)},
				{Name: "lo", LinkType: LinkTypeNull, Snaplen: 128, TsResolution: DecimalResolution(3), TsOffset: 3600},
				{LinkType: LinkTypeIPv6, TsResolution: DecimalResolution(10)},
				{Name: "b32", LinkType: LinkTypeEthernet, TsResolution: BinaryResolution(32), TsOffset: -7200},
			}},
			{le, []Interface{{Name: "wlan0", LinkType: 127, TsResolution: BinaryResolution(0)}}},
		}, pkts),
	)
	return fs
}

func TestFixturesAreSane(t *testing.T) {
	for _, f := range fixtures(t, 40) {
		if f.ends[len(f.ends)-1] != len(f.data) {
			t.Fatalf("%s: recorder out of step", f.name)
		}
	}
}
