package decode

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/sebdah/goldie/v2"

	"github.com/turtle-sniffer/turtle/internal/fixtures"
	"github.com/turtle-sniffer/turtle/pcapio"
)

// allCaptures is every forged capture: one per link type, plus the
// protocols the verbose, summary and json formats decode.
func allCaptures() []fixtures.Capture {
	return append(fixtures.Captures(), fixtures.ProtocolsCapture())
}

// frameOf is fixture frame i as a source would yield it.
func frameOf(i int, f fixtures.Frame) *pcapio.Frame {
	wire := f.Length
	if wire == 0 {
		wire = len(f.Data)
	}
	return &pcapio.Frame{Number: i + 1, Data: f.Data, Info: pcapio.CaptureInfo{
		Timestamp: fixtures.Timestamp(i), CaptureLength: len(f.Data), Length: wire, LinkType: f.LinkType}}
}

// render formats every frame of c.
func render(t testing.TB, format string, c fixtures.Capture) []byte {
	t.Helper()
	f, err := NewFormat(format)
	if err != nil {
		t.Fatal(err)
	}
	var out []byte
	for i, fr := range c.Frames {
		out = f.AppendFrame(out, frameOf(i, fr))
	}
	return out
}

var newFormats = []string{"verbose", "summary", "json"}

// The golden files pin every format over every forged capture:
// testdata/golden/<format>-<capture>.golden.
func TestFormatsGolden(t *testing.T) {
	g := goldie.New(t, goldie.WithFixtureDir("testdata/golden"), goldie.WithNameSuffix(".golden"))
	for _, format := range newFormats {
		for _, c := range allCaptures() {
			g.Assert(t, format+"-"+c.Name, render(t, format, c))
		}
	}
}

// jsonFrame is the json format's schema as far as the tests check types:
// decoding fails if a number is written as a string or the reverse.
type jsonFrame struct {
	Frame         int     `json:"frame"`
	Time          string  `json:"time"`
	Caplen        int     `json:"caplen"`
	Len           int     `json:"len"`
	LinkType      int     `json:"link_type"`
	Interface     int     `json:"interface"`
	PayloadLength int     `json:"payload_length"`
	Payload       string  `json:"payload"`
	Trailer       *string `json:"trailer"`
	Eth           *struct {
		Src, Dst string
		Type     *int
		Length   *int
	} `json:"eth"`
	VLAN []struct {
		TPID, ID, PCP, Type int
		DEI                 bool
	} `json:"vlan"`
	ARP *struct {
		Op          int    `json:"op"`
		SenderProto string `json:"sender_proto"`
	} `json:"arp"`
	IPv4 *struct {
		Version, IHL, TTL, Protocol, Checksum int
		Flags                                 []string
		ChecksumOK                            *bool  `json:"checksum_ok"`
		ChecksumWant                          *int   `json:"checksum_want"`
		Src                                   string `json:"src"`
		Dst                                   string `json:"dst"`
		FragOffset                            int    `json:"frag_offset"`
	} `json:"ipv4"`
	IPv6 *struct {
		Src, Dst string
		Ext      []struct {
			Type, Next, Length int
			Data               *string
		}
	} `json:"ipv6"`
	ICMP *struct {
		Type, Code int
		ChecksumOK *bool `json:"checksum_ok"`
	} `json:"icmp"`
	ICMPv6 *struct {
		Type, Code int
		ChecksumOK *bool   `json:"checksum_ok"`
		Target     *string `json:"target"`
	} `json:"icmpv6"`
	TCP *struct {
		SrcPort    int      `json:"src_port"`
		DstPort    int      `json:"dst_port"`
		Seq        uint32   `json:"seq"`
		Ack        uint32   `json:"ack"`
		Flags      []string `json:"flags"`
		ChecksumOK *bool    `json:"checksum_ok"`
		Options    *struct {
			MSS    *int       `json:"mss"`
			WScale *int       `json:"wscale"`
			SACK   [][2]int64 `json:"sack"`
			TSVal  *int64     `json:"ts_val"`
		} `json:"options"`
	} `json:"tcp"`
	UDP *struct {
		SrcPort    int   `json:"src_port"`
		DstPort    int   `json:"dst_port"`
		ChecksumOK *bool `json:"checksum_ok"`
	} `json:"udp"`
	DNS *struct {
		ID        int
		QR        bool
		Questions []struct {
			Name       string
			Type       int
			Class      int
			TypeName   string `json:"type_name"`
			TTL        *int
			Additional *string
		}
		Answers []struct {
			Name, Data string
			TTL        int
		}
	} `json:"dns"`
	HTTP *struct {
		Line     string
		Response bool
	} `json:"http"`
	Truncated *struct {
		Layer      string
		Have, Need int
	} `json:"truncated"`
	Invalid *struct {
		Layer, Field string
		Value        int
	} `json:"invalid"`
}

// Every json line decodes back with encoding/json into the documented
// types, one object per line, and carries what the frame holds.
func TestJSONDecodesBack(t *testing.T) {
	for _, c := range allCaptures() {
		out := render(t, "json", c)
		lines := strings.Split(strings.TrimSuffix(string(out), "\n"), "\n")
		if len(lines) != len(c.Frames) || !bytes.HasSuffix(out, []byte("\n")) {
			t.Fatalf("%s: %d lines for %d frames", c.Name, len(lines), len(c.Frames))
		}
		for i, line := range lines {
			fr := c.Frames[i]
			var loose map[string]any
			if err := json.Unmarshal([]byte(line), &loose); err != nil {
				t.Fatalf("%s/%s: not JSON: %v\n%s", c.Name, fr.Name, err, line)
			}
			var jf jsonFrame
			if err := json.Unmarshal([]byte(line), &jf); err != nil {
				t.Fatalf("%s/%s: wrong types: %v\n%s", c.Name, fr.Name, err, line)
			}
			if jf.Frame != i+1 || jf.Caplen != len(fr.Data) || jf.LinkType != int(fr.LinkType) {
				t.Errorf("%s/%s: frame %d caplen %d link %d", c.Name, fr.Name, jf.Frame, jf.Caplen, jf.LinkType)
			}
			ts, err := time.Parse(time.RFC3339Nano, jf.Time)
			if err != nil || !ts.Equal(fixtures.Timestamp(i)) {
				t.Errorf("%s/%s: time %q: %v", c.Name, fr.Name, jf.Time, err)
			}
			payload, err := hex.DecodeString(jf.Payload)
			if err != nil || len(payload) != jf.PayloadLength || !bytes.Contains(fr.Data, payload) {
				t.Errorf("%s/%s: payload %q is not %d bytes of the frame: %v", c.Name, fr.Name, jf.Payload, jf.PayloadLength, err)
			}
		}
	}
}

// Spot checks of the json values against the frames they come from.
func TestJSONValues(t *testing.T) {
	byName := map[string]jsonFrame{}
	c := fixtures.ProtocolsCapture()
	out := render(t, "json", c)
	for i, line := range strings.Split(strings.TrimSuffix(string(out), "\n"), "\n") {
		var jf jsonFrame
		if err := json.Unmarshal([]byte(line), &jf); err != nil {
			t.Fatal(err)
		}
		byName[c.Frames[i].Name] = jf
	}
	f := byName["dns response: cname, a, aaaa, mx, txt (compressed names)"]
	if f.DNS == nil || len(f.DNS.Answers) != 5 || f.DNS.Answers[1].Data != "93.184.216.34" ||
		f.DNS.Answers[0].Data != "example.com." || f.DNS.Answers[4].Data != `"hello \"dns\"" "\027[2Jx"` {
		t.Errorf("dns answers: %+v", f.DNS)
	}
	f = byName["tcp options: timestamps, sack, mptcp"]
	if f.TCP == nil || f.TCP.Options == nil || len(f.TCP.Options.SACK) != 2 || f.TCP.Options.SACK[1] != [2]int64{3000, 4000} ||
		f.TCP.Options.TSVal == nil || *f.TCP.Options.TSVal != 100 {
		t.Errorf("tcp options: %+v", f.TCP)
	}
	f = byName["http request line"]
	if f.HTTP == nil || f.HTTP.Line != "GET /index.html?q=1 HTTP/1.1" || f.HTTP.Response {
		t.Errorf("http: %+v", f.HTTP)
	}
	f = byName["qinq: 802.1ad outer tag, 802.1q inner"]
	if len(f.VLAN) != 2 || f.VLAN[0].TPID != 0x88a8 || f.VLAN[0].ID != 200 || !f.VLAN[0].DEI || f.VLAN[1].ID != 100 {
		t.Errorf("vlan: %+v", f.VLAN)
	}
	f = byName["ipv4 version 6 under ethertype 0x0800"]
	if f.Invalid == nil || f.Invalid.Layer != "ipv4" || f.Invalid.Field != "version" || f.Invalid.Value != 6 || f.Truncated != nil {
		t.Errorf("invalid: %+v", f.Invalid)
	}
	f = byName["tcp options cut by the capture"]
	if f.Truncated == nil || f.Truncated.Layer != "tcp" || f.Truncated.Have != 30 || f.Truncated.Need != 40 || f.Invalid != nil {
		t.Errorf("truncated: %+v", f.Truncated)
	}
}

func TestJSONString(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", `""`},
		{"plain", `"plain"`},
		{"q\"b\\", `"q\"b\\"`},
		{"\n\r\t\x00\x1b\x7f", `"\n\r\t\u0000\u001b\u007f"`},
		{"é€", `"é€"`},
		{"\xc2\x9b", `"\u009b"`},       // C1 CSI, valid UTF-8: escaped all the same
		{"a\xffb", `"a\ufffdb"`},       // invalid UTF-8 byte
		{"\xe2\x82", `"\ufffd\ufffd"`}, // cut sequence
	}
	for _, tc := range tests {
		got := string(appendJSONString(nil, tc.in))
		if got != tc.want {
			t.Errorf("appendJSONString(%q) = %s, want %s", tc.in, got, tc.want)
		}
		var back string
		if err := json.Unmarshal([]byte(got), &back); err != nil {
			t.Errorf("%s does not decode: %v", got, err)
		}
	}
}

// Checksums are verified on frames forged with good and bad ones.
func TestChecksums(t *testing.T) {
	type want struct {
		layer  string
		status ChecksumStatus
		want   uint16 // for bad checksums: the correct value
	}
	cases := map[string][]want{
		"udp: ipv4 and udp checksums correct":                                {{"ipv4", ChecksumGood, 0}, {"udp", ChecksumGood, 0}},
		"ipv4 header checksum incorrect":                                     {{"ipv4", ChecksumBad, 0x0a7d}, {"udp", ChecksumGood, 0}},
		"udp checksum incorrect":                                             {{"ipv4", ChecksumGood, 0}, {"udp", ChecksumBad, 0xb130}},
		"udp checksum 0: none computed":                                      {{"udp", ChecksumNone, 0}},
		"tcp checksum incorrect":                                             {{"tcp", ChecksumBad, 0xb183}},
		"icmp checksum incorrect":                                            {{"icmp", ChecksumBad, 0x7d7c}},
		"icmpv6 checksum incorrect":                                          {{"icmpv6", ChecksumBad, 0x7998}},
		"icmpv6 echo request":                                                {{"icmpv6", ChecksumGood, 0}},
		"ipv6 extension headers: hop-by-hop, routing, fragment, destination": {{"udp", ChecksumGood, 0}},
		"ipv4 first fragment (more fragments)":                               {{"udp", ChecksumUnverified, 0}},
		"udp cut by the snapshot length":                                     {{"udp", ChecksumUnverified, 0}},
	}
	var p Packet
	for _, f := range fixtures.Protocols() {
		ws, ok := cases[f.Name]
		if !ok {
			continue
		}
		delete(cases, f.Name)
		p.Decode(f.LinkType, f.Data)
		for _, w := range ws {
			var c Checksum
			switch w.layer {
			case "ipv4":
				c = p.IPv4.Checksum
			case "udp":
				c = p.UDP.Checksum
			case "tcp":
				c = p.TCP.Checksum
			case "icmp":
				c = p.ICMP.Checksum
			case "icmpv6":
				c = p.ICMPv6.Checksum
			}
			if c.Status != w.status || (w.status == ChecksumBad && c.Want != w.want) {
				t.Errorf("%s: %s checksum %#04x: status %d want %#04x, expected status %d want %#04x",
					f.Name, w.layer, c.Value, c.Status, c.Want, w.status, w.want)
			}
		}
	}
	for name := range cases {
		t.Errorf("fixture %q is missing", name)
	}
}

// Every checksum verdict agrees with gopacket's own verification of the
// same frame.
func TestChecksumsAgreeWithGopacket(t *testing.T) {
	var p Packet
	checked := 0
	for _, c := range allCaptures() {
		if c.LinkType != pcapio.LinkTypeEthernet {
			continue
		}
		for _, f := range c.Frames {
			p.Decode(f.LinkType, f.Data)
			pkt := gopacket.NewPacket(f.Data, layers.LayerTypeEthernet, gopacket.Default)
			if pkt.ErrorLayer() != nil {
				continue // gopacket refused a layer: its fields are not to be trusted
			}
			var netLayer gopacket.NetworkLayer
			if ip, ok := pkt.Layer(layers.LayerTypeIPv4).(*layers.IPv4); ok {
				netLayer = ip
				compare(t, f.Name, "ipv4", p.IPv4.Checksum, ip.VerifyChecksum)
				checked++
			}
			if ip, ok := pkt.Layer(layers.LayerTypeIPv6).(*layers.IPv6); ok {
				netLayer = ip
			}
			if l, ok := pkt.Layer(layers.LayerTypeTCP).(*layers.TCP); ok && p.Layers&LayerTCP != 0 {
				l.SetNetworkLayerForChecksum(netLayer)
				compare(t, f.Name, "tcp", p.TCP.Checksum, l.VerifyChecksum)
				checked++
			}
			if l, ok := pkt.Layer(layers.LayerTypeUDP).(*layers.UDP); ok && p.Layers&LayerUDP != 0 && l.Checksum != 0 {
				l.SetNetworkLayerForChecksum(netLayer)
				compare(t, f.Name, "udp", p.UDP.Checksum, l.VerifyChecksum)
				checked++
			}
			if l, ok := pkt.Layer(layers.LayerTypeICMPv4).(*layers.ICMPv4); ok && p.Layers&LayerICMP != 0 {
				compare(t, f.Name, "icmp", p.ICMP.Checksum, l.VerifyChecksum)
				checked++
			}
			if l, ok := pkt.Layer(layers.LayerTypeICMPv6).(*layers.ICMPv6); ok && p.Layers&LayerICMPv6 != 0 {
				l.SetNetworkLayerForChecksum(netLayer)
				compare(t, f.Name, "icmpv6", p.ICMPv6.Checksum, l.VerifyChecksum)
				checked++
			}
		}
	}
	if checked < 50 {
		t.Errorf("only %d checksums compared", checked)
	}
}

func compare(t *testing.T, frame, layer string, ours Checksum, verify func() (error, gopacket.ChecksumVerificationResult)) {
	t.Helper()
	if ours.Status != ChecksumGood && ours.Status != ChecksumBad {
		return // not verifiable from the frame: gopacket would judge the cut segment
	}
	err, res := verify()
	if err != nil {
		t.Errorf("%s: gopacket cannot verify %s: %v", frame, layer, err)
		return
	}
	if res.Valid != (ours.Status == ChecksumGood) {
		t.Errorf("%s: %s checksum %#04x: ours good=%v, gopacket valid=%v", frame, layer, ours.Value, ours.Status == ChecksumGood, res.Valid)
	}
	if !res.Valid && uint32(ours.Want) != res.Correct {
		t.Errorf("%s: %s correct checksum: ours %#04x, gopacket %#04x", frame, layer, ours.Want, res.Correct)
	}
}

// A header cut by the capture and a field with an impossible value are
// shown differently, in every format.
func TestTruncatedAndInvalidDiffer(t *testing.T) {
	want := map[string][3]string{
		"tcp options cut by the capture":        {"[truncated tcp options: 30 of 40 bytes]", "[|tcp]", `"truncated":{"layer":"tcp","part":"options","have":30,"need":40}`},
		"ipv4 version 6 under ethertype 0x0800": {"[invalid ipv4 version: 6, want 4]", "[invalid ipv4 version 6]", `"invalid":{"layer":"ipv4","field":"version","value":6,"note":"want 4"}`},
		"dns message cut inside the question":   {"[truncated dns name: 20 of 21 bytes]", "[|dns]", `"truncated":{"layer":"dns"`},
		"dns name compression loop":             {"[invalid dns name: 12, compression loop]", "[invalid dns name 12]", `"invalid":{"layer":"dns"`},
	}
	for i, f := range fixtures.Protocols() {
		w, ok := want[f.Name]
		if !ok {
			continue
		}
		delete(want, f.Name)
		for k, format := range newFormats {
			nf, _ := NewFormat(format)
			got := string(nf.AppendFrame(nil, frameOf(i, f)))
			if !strings.Contains(got, w[k]) {
				t.Errorf("%s, %s: %q does not contain %q", f.Name, format, got, w[k])
			}
		}
	}
	for name := range want {
		t.Errorf("fixture %q is missing", name)
	}
}

// No format lets a control byte through: only '\n' ends lines, and the
// only escape is the colour of the verbose format when asked for.
func TestNoControlBytes(t *testing.T) {
	for _, c := range allCaptures() {
		for _, format := range newFormats {
			out := render(t, format, c)
			for i, b := range out {
				if (b < 0x20 && b != '\n') || b == 0x7f {
					t.Fatalf("%s/%s: control byte %#02x at %d: %q", format, c.Name, b, i, out[max(0, i-40):i+1])
				}
			}
			if format != "json" {
				for i, b := range out {
					if b >= 0x80 {
						t.Fatalf("%s/%s: non-ASCII byte %#02x at %d", format, c.Name, b, i)
					}
				}
			}
		}
	}
}

func TestVerboseColor(t *testing.T) {
	f := fixtures.Protocols()[0]
	v := &Verbose{Color: true}
	got := string(v.AppendFrame(nil, frameOf(0, f)))
	if !strings.Contains(got, ansiCyan+"IPv4"+ansiReset+": ") || !strings.HasPrefix(got, ansiBold+"Frame 1") {
		t.Errorf("no colour: %q", got)
	}
	plain := string((&Verbose{}).AppendFrame(nil, frameOf(0, f)))
	if strings.Contains(plain, "\x1b") {
		t.Errorf("colour without Color: %q", plain)
	}
}

func TestFrameLineInterface(t *testing.T) {
	f := &pcapio.Frame{Number: 7, Data: fixtures.Protocols()[0].Data, Info: pcapio.CaptureInfo{
		Timestamp: time.Date(2026, 1, 5, 9, 0, 0, 1, time.UTC), Length: 100, LinkType: pcapio.LinkTypeEthernet,
		InterfaceIndex: 2, InterfaceName: "eth\x1b0", Direction: pcapio.DirectionOutbound}}
	got := string((&Verbose{}).AppendFrame(nil, f))
	want := "Frame 7: 2026-01-05T09:00:00.000000001Z, 54 bytes captured, 100 on the wire, link type 1 (Ethernet), interface 2 (eth.0), outbound\n"
	if !strings.HasPrefix(got, want) {
		t.Errorf("got %q, want %q", got[:strings.IndexByte(got, '\n')+1], want)
	}
	js := string((&JSON{}).AppendFrame(nil, f))
	if !strings.Contains(js, `"interface":2,"interface_name":"eth\u001b0","direction":"out"`) {
		t.Errorf("json frame fields: %s", js)
	}
}

// The new formats allocate nothing per frame once their buffers have grown.
func TestFormatsZeroAllocs(t *testing.T) {
	formats := []Format{&Verbose{}, &Verbose{Color: true}, &Summary{}, &JSON{}}
	buf := make([]byte, 0, 1<<16)
	for _, c := range allCaptures() {
		for i, f := range c.Frames {
			frame := frameOf(i, f)
			for _, format := range formats {
				buf = format.AppendFrame(buf[:0], frame) // grow scratch buffers first
				allocs := testing.AllocsPerRun(50, func() {
					buf = format.AppendFrame(buf[:0], frame)
				})
				if allocs != 0 {
					t.Errorf("%T %s/%s: %.1f allocs per frame, want 0", format, c.Name, f.Name, allocs)
				}
			}
		}
	}
}

func fuzzSeeds(f *testing.F) {
	for _, c := range allCaptures() {
		for _, fr := range c.Frames {
			f.Add(uint16(c.LinkType), fr.Data)
		}
	}
	hardSeeds(f)
}

// hardSeeds adds fixtures.Hard cut at every length: errors quoting cut
// packets, IPv6 chains, ICMP second words.
func hardSeeds(f *testing.F) {
	for _, fr := range fixtures.Hard() {
		for _, c := range fixtures.EveryCut(fr, 14) {
			f.Add(uint16(c.LinkType), c.Data)
		}
		f.Add(uint16(pcapio.LinkTypeRaw), fr.Data[14:])
	}
}

func fuzzFrame(link uint16, data []byte) *pcapio.Frame {
	return &pcapio.Frame{Number: 1, Data: data, Info: pcapio.CaptureInfo{LinkType: pcapio.LinkType(link), Length: len(data)}}
}

// FuzzVerbose: no bytes of any link type panic, and every frame is one
// block ending in an empty line.
func FuzzVerbose(f *testing.F) {
	fuzzSeeds(f)
	var v Verbose
	f.Fuzz(func(t *testing.T, link uint16, data []byte) {
		out := v.AppendFrame(nil, fuzzFrame(link, data))
		if !bytes.HasPrefix(out, []byte("Frame 1: ")) || !bytes.HasSuffix(out, []byte("\n\n")) || bytes.Contains(out[:len(out)-1], []byte("\n\n")) {
			t.Fatalf("not one block: %q", out)
		}
	})
}

// FuzzSummary: one line per frame whatever the bytes.
func FuzzSummary(f *testing.F) {
	fuzzSeeds(f)
	var s Summary
	f.Fuzz(func(t *testing.T, link uint16, data []byte) {
		out := s.AppendFrame(nil, fuzzFrame(link, data))
		if bytes.Count(out, []byte("\n")) != 1 || out[len(out)-1] != '\n' {
			t.Fatalf("not one line: %q", out)
		}
	})
}

// FuzzJSON: one valid JSON object per frame whatever the bytes.
func FuzzJSON(f *testing.F) {
	fuzzSeeds(f)
	var j JSON
	f.Fuzz(func(t *testing.T, link uint16, data []byte) {
		out := j.AppendFrame(nil, fuzzFrame(link, data))
		if bytes.Count(out, []byte("\n")) != 1 || out[len(out)-1] != '\n' || !json.Valid(out) {
			t.Fatalf("not one JSON line: %q", out)
		}
		var m map[string]any
		if err := json.Unmarshal(out, &m); err != nil {
			t.Fatal(err)
		}
	})
}

func benchmarkFormat(b *testing.B, f Format) {
	frames := fixtures.Protocols()
	fs := make([]*pcapio.Frame, len(frames))
	total := 0
	for i, fr := range frames {
		fs[i] = frameOf(i, fr)
		total += len(fr.Data)
	}
	buf := make([]byte, 0, 1<<16)
	b.SetBytes(int64(total / len(frames)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		buf = f.AppendFrame(buf[:0], fs[i%len(fs)])
	}
}

func BenchmarkVerbose(b *testing.B) { benchmarkFormat(b, &Verbose{}) }
func BenchmarkSummary(b *testing.B) { benchmarkFormat(b, &Summary{}) }
func BenchmarkJSON(b *testing.B)    { benchmarkFormat(b, &JSON{}) }
