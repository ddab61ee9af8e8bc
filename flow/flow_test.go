package flow_test

import (
	"net/netip"
	"testing"

	"github.com/turtle-sniffer/turtle/capture"
	"github.com/turtle-sniffer/turtle/decode"
	"github.com/turtle-sniffer/turtle/flow"
	"github.com/turtle-sniffer/turtle/follow"
)

func TestKeyEitherWay(t *testing.T) {
	a, b := netip.MustParseAddrPort("10.0.0.2:40000"), netip.MustParseAddrPort("10.0.0.1:80")
	if flow.NewKey(flow.TCP, a, b) != flow.NewKey(flow.TCP, b, a) || flow.NewKey(flow.TCP, a, b).A != b {
		t.Errorf("%v %v", flow.NewKey(flow.TCP, a, b), flow.NewKey(flow.TCP, b, a))
	}
	if flow.NewKey(flow.TCP, a, b) == flow.NewKey(flow.UDP, a, b) {
		t.Error("TCP and UDP share a key")
	}
}

func TestICMPErrors(t *testing.T) {
	for typ, want := range map[uint8]bool{3: true, 4: true, 5: true, 11: true, 12: true, 0: false, 8: false, 13: false} {
		if flow.IsICMPError(typ, false) != want {
			t.Errorf("ICMP type %d: %v", typ, !want)
		}
	}
	// ICMPv6: only the four error types RFC 4443 defines to quote the
	// invoking packet; the other types below 128 are errors of no known
	// body.
	for typ, want := range map[uint8]bool{1: true, 2: true, 3: true, 4: true, 0: false, 5: false, 100: false, 127: false, 128: false, 129: false, 135: false} {
		if flow.IsICMPError(typ, true) != want {
			t.Errorf("ICMPv6 type %d: %v", typ, !want)
		}
	}
}

// The tracker numbers TCP streams as follow does, on every recorded
// fixture that has TCP: the same count, the same client and server.
func TestStreamsAsFollow(t *testing.T) {
	for _, name := range []string{"tcp-echo", "tcp-echo-concurrent", "tcp-echo-iterative"} {
		path := "../testdata/" + name + ".pcap"
		src, err := capture.Open(path, nil, capture.Options{})
		if err != nil {
			t.Fatal(err)
		}
		streams, err := follow.Run(src, follow.Options{})
		src.Close()
		if err != nil {
			t.Fatal(err)
		}
		src, err = capture.Open(path, nil, capture.Options{})
		if err != nil {
			t.Fatal(err)
		}
		tr := flow.NewTracker[struct{}](1<<16, nil)
		var convs []*flow.Conv[struct{}]
		var p decode.Packet
		for {
			data, ci, err := src.ZeroCopyReadPacketData()
			if err != nil {
				break
			}
			p.Decode(ci.LinkType, data)
			from, to, proto, ok := flow.Endpoints(&p)
			if !ok || proto != flow.TCP {
				continue
			}
			f := p.TCP.Flags
			c := tr.Frame(flow.TCP, from, to, f&decode.TCPFlagSYN != 0 && f&decode.TCPFlagACK == 0)
			if c.Stream == len(convs) {
				convs = append(convs, c)
			}
			c.Segment(c.Dir(from), p.TCP.Seq, uint32(len(p.TCP.Payload)), f&decode.TCPFlagSYN != 0,
				f&decode.TCPFlagFIN != 0, f&decode.TCPFlagRST != 0)
		}
		src.Close()
		if len(convs) != len(streams) || tr.Streams() != len(streams) {
			t.Fatalf("%s: %d streams, follow %d", name, len(convs), len(streams))
		}
		for i, s := range streams {
			if convs[i].Client != s.Client || convs[i].Stream != s.Index {
				t.Errorf("%s stream %d: client %v, follow %v", name, i, convs[i].Client, s.Client)
			}
			if !convs[i].FIN[0] || !convs[i].FIN[1] {
				t.Errorf("%s stream %d: FIN %v", name, i, convs[i].FIN)
			}
		}
	}
}

// Start replaces the conversation of a key, numbering a new TCP stream,
// and refuses a new key when the table is full.
func TestStart(t *testing.T) {
	a, b := netip.MustParseAddrPort("10.0.0.1:40000"), netip.MustParseAddrPort("10.0.0.2:7")
	tr := flow.NewTracker[int](1, nil)
	k := flow.NewKey(flow.TCP, a, b)
	c := tr.Start(k, a)
	c.User = 1
	c2 := tr.Start(k, a)
	if c2 == c || c2.User != 0 || c2.Stream != 1 || tr.Lookup(k) != c2 || tr.Len() != 1 || c2.Client != a {
		t.Fatalf("restart: %+v", c2)
	}
	if tr.Start(flow.NewKey(flow.TCP, a, netip.MustParseAddrPort("10.0.0.3:7")), a) != nil {
		t.Error("a full table took a new key")
	}
	if u := tr.Start(flow.NewKey(flow.UDP, a, b), a); u != nil {
		t.Error("a full table took a UDP key")
	}
}
