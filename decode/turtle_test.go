package decode

import (
	"fmt"
	"strings"
	"testing"

	"github.com/turtle-sniffer/turtle/internal/fixtures"
	"github.com/turtle-sniffer/turtle/pcapio"
)

// A UDP datagram on loopback, in turtle text with its tabs (docs/turtle-format.md).
const specExample = "\nEthernet Frame:\n" +
	"\t - Destination: 00:00:00:00:00:00, Source: 00:00:00:00:00:00, Protocol: 8\n" +
	"\t - IPv4 Packet:\n" +
	"\t\t - Version: 4, Header Length: 20, TTL: 64\n" +
	"\t\t - Protocol: 17, Source: 127.0.0.1, Target: 127.0.0.1\n" +
	"\t - UDP Segment:\n" +
	"\t\t - Source Port: 39441, Destination Port: 10001, Length: 20\n" +
	"\t\t - Data:\n" +
	"\t\t\t   \\x48\\x65\\x6c\\x6c\\x6f\\x20\\x74\\x75\\x72\\x74\\x6c\\x65\n"

func TestTurtleSpecExample(t *testing.T) {
	f := fixtures.EthernetBranches()[0]
	var tt Turtle
	if got := string(tt.Append(nil, f.LinkType, f.Data)); got != specExample {
		t.Errorf("got\n%q\nwant\n%q", got, specExample)
	}
}

func TestDataBlock(t *testing.T) {
	esc := func(from, to int) string {
		var sb strings.Builder
		for i := from; i < to; i++ {
			sb.WriteString(string(escapes[i][:]))
		}
		return sb.String()
	}
	all := esc(0, 40)
	tests := []struct {
		name   string
		prefix string
		n      int
		want   string
	}{
		{"empty is one empty line", dataTab3, 0, "\n"},
		{"one byte", dataTab3, 1, dataTab3 + `\x00` + "\n"},
		{"18 bytes fill 72 of 74", dataTab3, 18, dataTab3 + all[:72] + "\n"},
		{"19 bytes split the last escape", dataTab3, 19, dataTab3 + all[:74] + "\n" + dataTab3 + all[74:76] + "\n"},
		{"37 bytes end exactly at 148", dataTab3, 37, dataTab3 + all[:74] + "\n" + dataTab3 + all[74:148] + "\n"},
		{"38 bytes", dataTab3, 38, dataTab3 + all[:74] + "\n" + dataTab3 + all[74:148] + "\n" + dataTab3 + all[148:152] + "\n"},
		{"data tab 2: width 75 made even", dataTab2, 19, dataTab2 + all[:74] + "\n" + dataTab2 + all[74:76] + "\n"},
		{"data tab 1: width 76", "\t   ", 20, "\t   " + all[:76] + "\n" + "\t   " + all[76:80] + "\n"},
	}
	data := make([]byte, 40)
	for i := range data {
		data[i] = byte(i)
	}
	for _, tc := range tests {
		if got := string(appendDataBlock(nil, tc.prefix, data[:tc.n])); got != tc.want {
			t.Errorf("%s: got\n%q\nwant\n%q", tc.name, got, tc.want)
		}
	}
}

func TestTurtleTruncationLines(t *testing.T) {
	var tt Turtle
	frames := fixtures.EthernetBranches()
	want := map[string]string{
		"frame of 10 bytes":           "\t - Ethernet Frame: truncated (10 of 14 bytes)\n",
		"frame of 0 bytes":            "\t - Ethernet Frame: truncated (0 of 14 bytes)\n",
		"ethernet header only":        "\t - IPv4 Packet: truncated (0 of 20 bytes)\n",
		"ipv4 cut at 12 bytes":        "\t - IPv4 Packet: truncated (12 of 20 bytes)\n",
		"icmp cut at 2 bytes":         "\t - ICMP Packet: truncated (2 of 4 bytes)\n",
		"tcp cut at 10 bytes":         "\t - TCP Segment: truncated (10 of 14 bytes)\n",
		"udp cut at 5 bytes":          "\t - UDP Segment: truncated (5 of 8 bytes)\n",
		"tcp cut at exactly 14 bytes": "\t\t - Data:\n\n",
	}
	for _, f := range frames {
		suffix, ok := want[f.Name]
		if !ok {
			continue
		}
		delete(want, f.Name)
		got := string(tt.Append(nil, f.LinkType, f.Data))
		if !strings.HasPrefix(got, "\nEthernet Frame:\n") || !strings.HasSuffix(got, suffix) {
			t.Errorf("%s: got %q, want it to end in %q", f.Name, got, suffix)
		}
		if strings.Count(got, "truncated") > 1 {
			t.Errorf("%s: more than one truncation line: %q", f.Name, got)
		}
	}
	for name := range want {
		t.Errorf("fixture %q is missing", name)
	}
}

func TestTurtleProtocolSwap(t *testing.T) {
	for _, tc := range []struct {
		etherType uint16
		want      uint16
	}{{0x0800, 8}, {0x0806, 1544}, {0x86dd, 56710}, {0x8100, 129}} {
		if got := swappedEtherType(tc.etherType); got != tc.want {
			t.Errorf("swappedEtherType(%#04x) = %d, want %d", tc.etherType, got, tc.want)
		}
	}
}

// Every frame of every forged capture formats without allocating once the
// buffer has grown.
func TestTurtleZeroAllocs(t *testing.T) {
	var tt Turtle
	var basic Basic
	buf := make([]byte, 0, 1<<16)
	for _, c := range fixtures.Captures() {
		for _, f := range c.Frames {
			frame := &pcapio.Frame{Data: f.Data, Info: pcapio.CaptureInfo{LinkType: f.LinkType}}
			live := &pcapio.Frame{Data: f.Data, Live: &pcapio.LinkAddr{Interface: "lo", Protocol: 2048, HardwareType: 772, HardwareAddr: make([]byte, 6)}}
			allocs := testing.AllocsPerRun(100, func() {
				buf = tt.AppendFrame(buf[:0], frame)
				buf = basic.AppendFrame(buf[:0], frame)
				buf = basic.AppendFrame(buf[:0], live)
			})
			if allocs != 0 {
				t.Errorf("%s/%s: %.1f allocs per frame, want 0", c.Name, f.Name, allocs)
			}
		}
	}
}

func TestBasicRepr(t *testing.T) {
	tests := []struct {
		in   string
		want string
	}{
		{"", `b''`},
		{"Hello", `b'Hello'`},
		{"it's", `b"it's"`},
		{`it's "quoted"`, `b'it\'s "quoted"'`},
		{`say "hi"`, `b'say "hi"'`},
		{"tab\tnl\ncr\r", `b'tab\tnl\ncr\r'`},
		{"back\\slash", `b'back\\slash'`},
		{"\x00\x1f\x7f\x80\xff~ ", `b'\x00\x1f\x7f\x80\xff~ '`},
	}
	for _, tc := range tests {
		if got := string(AppendBytesRepr(nil, []byte(tc.in))); got != tc.want {
			t.Errorf("repr(%q) = %s, want %s", tc.in, got, tc.want)
		}
	}
	live := &pcapio.Frame{Data: []byte("E\x00"), Live: &pcapio.LinkAddr{Interface: "lo", Protocol: 2048, PacketType: 4,
		HardwareType: 772, HardwareAddr: make([]byte, 6)}}
	want := `(b'E\x00', ('lo', 2048, 4, 772, b'\x00\x00\x00\x00\x00\x00'))` + "\n"
	if got := string(Basic{}.AppendFrame(nil, live)); got != want {
		t.Errorf("live basic = %s, want %s", got, want)
	}
}

// FuzzTurtle feeds arbitrary bytes of every link type to both formats: no
// input may panic, and every frame starts a block.
func FuzzTurtle(f *testing.F) {
	for _, c := range fixtures.Captures() {
		for _, fr := range c.Frames {
			f.Add(uint16(c.LinkType), fr.Data)
		}
	}
	hardSeeds(f)
	var tt Turtle
	f.Fuzz(func(t *testing.T, link uint16, data []byte) {
		out := tt.Append(nil, pcapio.LinkType(link), data)
		if len(out) < 2 || out[0] != '\n' || out[len(out)-1] != '\n' {
			t.Fatalf("block %q does not start with an empty line and end a line", out)
		}
		Basic{}.AppendFrame(nil, &pcapio.Frame{Data: data})
	})
}

func BenchmarkTurtle(b *testing.B) {
	frames := fixtures.EthernetBranches()
	var tt Turtle
	buf := make([]byte, 0, 1<<16)
	total := 0
	for _, f := range frames {
		total += len(f.Data)
	}
	b.SetBytes(int64(total / len(frames)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		f := &frames[i%len(frames)]
		buf = tt.Append(buf[:0], f.LinkType, f.Data)
	}
}

// imixFrames returns n frames of the IMIX mix (fixtures.NewIMIX).
func imixFrames(n int) [][]byte {
	g := fixtures.NewIMIX()
	frames := make([][]byte, n)
	for i := range frames {
		b, _ := g.Next()
		frames[i] = append([]byte(nil), b...)
	}
	return frames
}

// BenchmarkTurtleIMIX formats a realistic frame mix (58% 64 B, 33% 594 B,
// 8% 1514 B; TCP, UDP and ICMP): ns/frame and allocs/frame of the turtle
// writer alone.
func BenchmarkTurtleIMIX(b *testing.B) {
	frames := imixFrames(4096)
	var tt Turtle
	buf := make([]byte, 0, 1<<16)
	total := 0
	for _, f := range frames {
		total += len(f)
	}
	b.SetBytes(int64(total / len(frames)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		buf = tt.Append(buf[:0], pcapio.LinkTypeEthernet, frames[i%len(frames)])
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N), "ns/frame")
}

func TestTurtleIMIXZeroAllocs(t *testing.T) {
	frames := imixFrames(512)
	var tt Turtle
	buf := make([]byte, 0, 1<<16)
	i := 0
	allocs := testing.AllocsPerRun(2000, func() {
		buf = tt.Append(buf[:0], pcapio.LinkTypeEthernet, frames[i%len(frames)])
		i++
	})
	if allocs != 0 {
		t.Errorf("%.2f allocs per IMIX frame, want 0", allocs)
	}
}

// referenceDataBlock is format_multi_line written the obvious way: the
// whole escape text, then cut into pieces of the width.
func referenceDataBlock(prefix string, data []byte) string {
	width := 80 - len(prefix)
	if width%2 == 1 {
		width--
	}
	var text strings.Builder
	for _, c := range data {
		fmt.Fprintf(&text, `\x%02x`, c)
	}
	s := text.String()
	var out strings.Builder
	for len(s) > 0 {
		n := min(width, len(s))
		out.WriteString(prefix + s[:n] + "\n")
		s = s[n:]
	}
	if len(data) == 0 {
		return "\n"
	}
	return out.String()
}

// FuzzDataBlock checks the word-at-a-time data block against the obvious
// one for every prefix the formats use, appended after existing text.
func FuzzDataBlock(f *testing.F) {
	for _, n := range []int{0, 1, 17, 18, 19, 36, 37, 38, 100, 1500} {
		f.Add(seqBytes(n), uint8(n))
	}
	f.Fuzz(func(t *testing.T, data []byte, pre uint8) {
		head := []byte("head")[:pre%5]
		for _, prefix := range []string{"\t   ", dataTab2, dataTab3} {
			got := string(appendDataBlock(append([]byte(nil), head...), prefix, data))
			if want := string(head) + referenceDataBlock(prefix, data); got != want {
				t.Fatalf("prefix %q, %d bytes:\n got %q\nwant %q", prefix, len(data), got, want)
			}
		}
	})
}

func seqBytes(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i * 7)
	}
	return b
}
