package draw

import (
	"bytes"
	"encoding/xml"
	"io"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sebdah/goldie/v2"

	"github.com/turtle-sniffer/turtle/follow"
	"github.com/turtle-sniffer/turtle/internal/fixtures"
	"github.com/turtle-sniffer/turtle/pcapio"
)

func collectBytes(t testing.TB, data []byte, opt Options) *Diagram {
	t.Helper()
	r, err := pcapio.NewReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	d, err := Collect(r, opt)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func collectFile(t testing.TB, path string, opt Options) *Diagram {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return collectBytes(t, data, opt)
}

// pictures renders every kind and format of d, by golden-file suffix.
func pictures(t testing.TB, d *Diagram) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	for _, p := range []struct {
		name  string
		write func(io.Writer) error
	}{
		{"ladder.svg", func(w io.Writer) error { return WriteLadderSVG(w, d, SVGOptions{}) }},
		{"ladder.mmd", func(w io.Writer) error { return WriteLadderMermaid(w, d) }},
		{"ladder.txt", func(w io.Writer) error { return WriteLadderText(w, d, false) }},
		{"ladder.ascii.txt", func(w io.Writer) error { return WriteLadderText(w, d, true) }},
		{"timeline.svg", func(w io.Writer) error { return WriteTimelineSVG(w, d, SVGOptions{}) }},
		{"timeline.mmd", func(w io.Writer) error { return WriteTimelineMermaid(w, d) }},
		{"timeline.txt", func(w io.Writer) error { return WriteTimelineText(w, d, false) }},
	} {
		var b bytes.Buffer
		if err := p.write(&b); err != nil {
			t.Fatalf("%s: %v", p.name, err)
		}
		out[p.name] = b.Bytes()
	}
	return out
}

// wellFormed parses an SVG picture with encoding/xml: well-formed, an svg
// root, a title and a description (its text alternative), no script.
func wellFormed(t testing.TB, name string, svg []byte) {
	t.Helper()
	dec := xml.NewDecoder(bytes.NewReader(svg))
	dec.Strict = true
	var root string
	seen := map[string]bool{}
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("%s: not well-formed XML: %v", name, err)
		}
		if se, ok := tok.(xml.StartElement); ok {
			if root == "" {
				root = se.Name.Local
				if se.Name.Space != "http://www.w3.org/2000/svg" {
					t.Errorf("%s: root namespace %q", name, se.Name.Space)
				}
			}
			seen[se.Name.Local] = true
			for _, a := range se.Attr {
				if strings.HasPrefix(strings.ToLower(a.Name.Local), "on") || strings.Contains(a.Value, "http") && a.Name.Local != "xmlns" {
					t.Errorf("%s: attribute %s=%q reaches out or runs code", name, a.Name.Local, a.Value)
				}
			}
		}
	}
	if root != "svg" || !seen["title"] || !seen["desc"] {
		t.Errorf("%s: root %q, title %v, desc %v", name, root, seen["title"], seen["desc"])
	}
	for _, bad := range []string{"script", "image", "foreignObject", "use"} {
		if seen[bad] {
			t.Errorf("%s: has a <%s> element", name, bad)
		}
	}
}

// The recorded fixtures, drawn every way: golden files, well-formed SVG.
func TestGoldenRecorded(t *testing.T) {
	files, err := filepath.Glob("../testdata/*-echo*.pcap")
	if err != nil || len(files) < 4 {
		t.Fatalf("recorded fixtures: %v %v", files, err)
	}
	files = append(files, "../testdata/udp-unreachable.pcap", "../testdata/icmp-ping.pcap")
	g := goldie.New(t, goldie.WithFixtureDir("testdata/golden"), goldie.WithNameSuffix(".golden"))
	for _, f := range files {
		base := strings.TrimSuffix(filepath.Base(f), ".pcap")
		d := collectFile(t, f, Options{Stream: -1, Title: base + ".pcap"})
		for suffix, pic := range pictures(t, d) {
			if strings.HasSuffix(suffix, ".svg") {
				wellFormed(t, base+"."+suffix, pic)
			}
			g.Assert(t, base+"."+suffix, pic)
		}
	}
}

// The ladder says what a person says, column by column.
func TestLadderTCPEcho(t *testing.T) {
	d := collectFile(t, "../testdata/tcp-echo.pcap", Options{Stream: -1})
	want := []string{"SYN", "SYN-ACK", "ACK", `"Hello turtle" (12 B)`, "ACK", `"Hello turtle" (12 B)`, "ACK", "FIN-ACK", "ACK", "FIN-ACK", "ACK"}
	if len(d.Arrows) != len(want) {
		t.Fatalf("%d arrows, want %d", len(d.Arrows), len(want))
	}
	if len(d.Endpoints) != 2 || d.Endpoints[0].Name != "127.0.0.1:40001" || d.Endpoints[1].Name != "127.0.0.1:12500" || !d.Endpoints[1].Server {
		t.Fatalf("columns %+v: want the client left, the server's port 12500 right", d.Endpoints)
	}
	for i, a := range d.Arrows {
		if a.Label != want[i] || a.Frame != i+1 || a.Problems != 0 {
			t.Errorf("arrow %d: frame %d %q problems %v, want frame %d %q", i, a.Frame, a.Label, a.Problems, i+1, want[i])
		}
	}
	if d.Arrows[0].From != 0 || d.Arrows[1].From != 1 {
		t.Error("SYN should go right, SYN-ACK left")
	}
	if got := seconds(d.Arrows[3].At); got != "0.000169" {
		t.Errorf("frame 4 at %s, want 0.000169 (as turtle read --format summary says)", got)
	}
}

// The iterative server's lesson: each client's echo waits for the one
// before; the concurrent server answers all three after one delay.
func TestTimelineStaircase(t *testing.T) {
	it := collectFile(t, "../testdata/tcp-echo-iterative.pcap", Options{Stream: -1})
	co := collectFile(t, "../testdata/tcp-echo-concurrent.pcap", Options{Stream: -1})
	if len(it.Rows) != 3 || len(co.Rows) != 3 {
		t.Fatalf("rows: iterative %d, concurrent %d, want 3 each", len(it.Rows), len(co.Rows))
	}
	for i := range 3 {
		ri, rc := it.Rows[i], co.Rows[i]
		if !ri.HasEcho || !rc.HasEcho {
			t.Fatalf("row %d has no echo", i)
		}
		if d := rc.Delay(); d < 550*time.Millisecond || d > 700*time.Millisecond {
			t.Errorf("concurrent row %d delay %v, want one delay (0.6 s)", i, d)
		}
		if i > 0 && it.Rows[i].Delay() < it.Rows[i-1].Delay()+400*time.Millisecond {
			t.Errorf("iterative row %d delay %v, want a step above %v", i, it.Rows[i].Delay(), it.Rows[i-1].Delay())
		}
		if i > 0 && ri.Echo <= it.Rows[i-1].Last {
			t.Errorf("iterative row %d echo at %v before the previous connection ended at %v", i, ri.Echo, it.Rows[i-1].Last)
		}
	}
	// Idle gaps of the iterative capture are marked.
	idle := 0
	for _, a := range it.Arrows {
		if a.Idle > 0 {
			idle++
		}
	}
	if idle != 3 {
		t.Errorf("%d break marks in the iterative ladder, want 3 (before each echo)", idle)
	}
}

// problemCapture forges a session with every problem a picture marks: a
// retransmission, a reset, an ICMP port unreachable and a frame cut by the
// snapshot length (frame 4, the data segment).
func problemCapture(t testing.TB) []byte {
	s := fixtures.NewSession(pcapio.LinkTypeEthernet)
	c := s.TCP(fixtures.ClientPort(3, 0), fixtures.TCPServer, 1000, 5000)
	c.Handshake(0)
	c.Send(100*time.Microsecond, true, []byte("Hello turtle"), 0)
	c.Retransmit(700*time.Millisecond, true, []byte("Hello turtle"))
	c.Reset(2*time.Second, false)
	s.UDP(2100*time.Millisecond, fixtures.ClientPort(3, 1), fixtures.UDPServer, []byte("<b>hi</b>\x00\n\"]]>"))
	s.PortUnreachable(2100*time.Millisecond+20*time.Microsecond, fixtures.ClientPort(3, 1), fixtures.UDPServer, []byte("<b>hi</b>\x00\n\"]]>"))
	r, err := pcapio.NewReader(bytes.NewReader(s.Bytes(fixtures.PcapMicro)))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	w, err := pcapio.NewPcapWriter(&out, pcapio.PcapOptions{LinkType: pcapio.LinkTypeEthernet, Snaplen: 262144})
	if err != nil {
		t.Fatal(err)
	}
	for n := 1; ; n++ {
		data, ci, err := r.ReadPacketData()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if n == 4 {
			data = data[:70]
			ci.CaptureLength = 70
		}
		if err := w.WritePacket(ci, data); err != nil {
			t.Fatal(err)
		}
	}
	return out.Bytes()
}

func TestProblems(t *testing.T) {
	d := collectBytes(t, problemCapture(t), Options{Stream: -1, Title: "problems.pcap"})
	find := func(frame int) Arrow {
		for _, a := range d.Arrows {
			if a.Frame == frame {
				return a
			}
		}
		t.Fatalf("no arrow for frame %d", frame)
		return Arrow{}
	}
	for _, c := range []struct {
		frame int
		p     Problem
		label string
	}{
		{4, ProblemCut, `"Hell"... (12 B) (cut: 70 of 78 B)`},
		{6, ProblemRetransmit, `"Hello turtle" (12 B) retransmission`},
		{7, ProblemRST, "RST-ACK"},
		{9, ProblemICMPError, "ICMP port unreachable"},
		{8, 0, `"<b>hi</b>\x00\n\"]]>" (15 B)`},
	} {
		a := find(c.frame)
		if a.Problems != c.p || a.Label != c.label {
			t.Errorf("frame %d: problems %v label %q, want %v %q", c.frame, a.Problems, a.Label, c.p, c.label)
		}
	}
	if a := find(9); d.Endpoints[a.From].Name != "127.0.0.1:10001" || !strings.HasPrefix(d.Endpoints[a.To].Name, "127.0.0.1:") || a.To == a.From {
		t.Errorf("the ICMP error goes %s to %s, want from the server's port to the client", d.Endpoints[a.From].Name, d.Endpoints[a.To].Name)
	}
	if a := find(6); a.Idle < 690*time.Millisecond {
		t.Errorf("no break mark before the retransmission 0.7 s later: idle %v", a.Idle)
	}
	pics := pictures(t, d)
	g := goldie.New(t, goldie.WithFixtureDir("testdata/golden"), goldie.WithNameSuffix(".golden"))
	for suffix, pic := range pics {
		if strings.HasSuffix(suffix, ".svg") {
			wellFormed(t, suffix, pic)
			if bytes.Contains(pic, []byte("<b>")) {
				t.Errorf("%s: payload markup reached the SVG unescaped", suffix)
			}
		}
		if strings.HasSuffix(suffix, ".txt") {
			for _, b := range pic {
				if b < 0x20 && b != '\n' || b == 0x7f {
					t.Fatalf("%s: control byte %#02x in text", suffix, b)
				}
			}
		}
		g.Assert(t, "problems."+suffix, pic)
	}
	for _, legend := range []string{"RST: connection reset", "retransmission", "ICMP error", "cut by the snapshot length"} {
		if !bytes.Contains(pics["ladder.svg"], []byte(legend)) || !bytes.Contains(pics["ladder.txt"], []byte(legend)) {
			t.Errorf("legend lacks %q", legend)
		}
	}
	if bytes.Contains(pics["ladder.mmd"], []byte(";\n")) || bytes.Contains(pics["ladder.mmd"], []byte("<b>")) {
		t.Error("mermaid: payload not escaped")
	}
}

// A name that is markup (a student's file) stays text in the SVG.
func TestSVGEscapesTitle(t *testing.T) {
	d := collectFile(t, "../testdata/udp-echo.pcap", Options{Stream: -1, Title: "<script>alert(1)</script>&\x01\xff\"'.pcap"})
	for suffix, pic := range pictures(t, d) {
		if strings.HasSuffix(suffix, ".svg") {
			wellFormed(t, suffix, pic)
			if bytes.Contains(pic, []byte("<script")) {
				t.Errorf("%s: title markup unescaped", suffix)
			}
		}
	}
}

// imixSource serves n IMIX frames, streaming.
type imixSource struct {
	g *fixtures.IMIX
	n int
}

func (s *imixSource) ZeroCopyReadPacketData() ([]byte, pcapio.CaptureInfo, error) {
	if s.n == 0 {
		return nil, pcapio.CaptureInfo{}, io.EOF
	}
	s.n--
	b, ts := s.g.Next()
	return b, pcapio.CaptureInfo{Timestamp: ts, CaptureLength: len(b), Length: len(b), LinkType: pcapio.LinkTypeEthernet}, nil
}

// --max-frames bounds what is kept, and the picture says what was cut.
func TestMaxFrames(t *testing.T) {
	d, err := Collect(&imixSource{g: fixtures.NewIMIX(), n: 100000}, Options{Stream: -1, MaxFrames: 200})
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Arrows) != 200 || d.Omitted != d.Drawn-200 || d.Frames != 100000 {
		t.Fatalf("arrows %d, omitted %d, drawn %d, frames %d", len(d.Arrows), d.Omitted, d.Drawn, d.Frames)
	}
	if len(d.Rows) > 200 || len(d.Endpoints) > maxColumns+1 {
		t.Fatalf("rows %d, columns %d: not bounded", len(d.Rows), len(d.Endpoints))
	}
	var b bytes.Buffer
	WriteLadderText(&b, d, false)
	want := itoa(d.Omitted) + " more frames not drawn: at most 200 arrows (--max-frames)"
	if !strings.Contains(b.String(), want) {
		t.Errorf("text ladder does not state the cut %q", want)
	}
	b.Reset()
	WriteLadderSVG(&b, d, SVGOptions{})
	wellFormed(t, "imix", b.Bytes())
	if !strings.Contains(b.String(), want) {
		t.Errorf("SVG ladder does not state the cut %q", want)
	}
}

func itoa(n int) string { return string(appendInt(nil, int64(n))) }

// Streams are numbered as turtle follow numbers them, a tuple used again
// after a close included.
func TestStreamsMatchFollow(t *testing.T) {
	s := fixtures.NewSession(pcapio.LinkTypeEthernet)
	a := s.TCP(fixtures.ClientPort(5, 0), fixtures.TCPServer, 100, 200)
	a.Echo(0, []byte("one"), time.Millisecond)
	b := s.TCP(fixtures.ClientPort(5, 1), fixtures.TCPServer, 300, 400)
	b.Echo(500*time.Microsecond, []byte("two"), time.Millisecond)
	again := s.TCP(fixtures.ClientPort(5, 0), fixtures.TCPServer, 9000, 9100)
	again.Echo(20*time.Millisecond, []byte("three"), time.Millisecond)
	data := s.Bytes(fixtures.PcapMicro)
	r, err := pcapio.NewReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	streams, err := follow.Run(r, follow.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(streams) != 3 {
		t.Fatalf("follow found %d streams", len(streams))
	}
	for _, st := range streams {
		d := collectBytes(t, data, Options{Stream: st.Index})
		if len(d.Rows) != 1 || d.Rows[0].Client != st.Client.String() || d.Rows[0].Server != st.Server.String() {
			t.Fatalf("stream %d: rows %+v, follow says %v to %v", st.Index, d.Rows, st.Client, st.Server)
		}
		if d.Drawn != st.Packets[0]+st.Packets[1] {
			t.Errorf("stream %d: %d frames drawn, follow counts %d", st.Index, d.Drawn, st.Packets[0]+st.Packets[1])
		}
	}
}

// FrameLink makes frame numbers links, for a page that lists the frames.
func TestSVGFrameLinks(t *testing.T) {
	d := collectFile(t, "../testdata/tcp-echo.pcap", Options{Stream: -1})
	var b bytes.Buffer
	err := WriteLadderSVG(&b, d, SVGOptions{FrameLink: func(n int) string {
		if n%2 == 0 {
			return "f" + itoa(n)
		}
		return ""
	}})
	if err != nil {
		t.Fatal(err)
	}
	wellFormed(t, "links", b.Bytes())
	if got := strings.Count(b.String(), `<a href="#f`); got != 5 || !strings.Contains(b.String(), `<a href="#f4"><text`) {
		t.Errorf("%d links, want 5 (the even frames)", got)
	}
}

// IPv6 endpoints are named as addresses with ports are ([::1]:12500),
// in Linux cooked captures (tcpdump -i any) too.
func TestIPv6(t *testing.T) {
	s := fixtures.NewSession(pcapio.LinkTypeLinuxSLL2)
	server := netip.MustParseAddrPort("[2001:db8::2]:12500")
	client := netip.MustParseAddrPort("[2001:db8::1]:51000")
	s.TCP(client, server, 1, 2).Echo(0, []byte("hi"), time.Millisecond)
	d := collectBytes(t, s.Bytes(fixtures.PcapNG), Options{Stream: -1})
	if len(d.Endpoints) != 2 || d.Endpoints[0].Name != "[2001:db8::1]:51000" || d.Endpoints[1].Name != "[2001:db8::2]:12500" {
		t.Fatalf("columns %+v", d.Endpoints)
	}
	if len(d.Arrows) != 10 || d.Arrows[3].Label != `"hi" (2 B)` || len(d.Rows) != 1 || !d.Rows[0].HasEcho {
		t.Fatalf("%d arrows, frame 4 %q, rows %+v", len(d.Arrows), d.Arrows[3].Label, d.Rows)
	}
}

// Issue 25 item 11: a sub-millisecond timeline's ticks read in µs (they
// all read "0.000 s"), longer ones stay in seconds.
func TestTickLabels(t *testing.T) {
	for _, c := range []struct {
		t, step time.Duration
		want    string
	}{
		{0, 100 * time.Microsecond, "0 µs"},
		{300 * time.Microsecond, 100 * time.Microsecond, "300 µs"},
		{7500 * time.Nanosecond, 2500 * time.Nanosecond, "7.5 µs"},
		{750 * time.Nanosecond, 250 * time.Nanosecond, "0.75 µs"},
		{25 * time.Millisecond, 8500 * time.Microsecond, "0.025 s"},
		{2 * time.Second, 500 * time.Millisecond, "2.000 s"},
	} {
		if got := tickLabel(c.t, c.step); got != c.want {
			t.Errorf("tickLabel(%v, %v) = %q, want %q", c.t, c.step, got, c.want)
		}
	}
}
