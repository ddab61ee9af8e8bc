//go:build linux

package live_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/sebdah/goldie/v2"
	"golang.org/x/net/bpf"

	"github.com/turtle-sniffer/turtle/decode"
	"github.com/turtle-sniffer/turtle/live"
	"github.com/turtle-sniffer/turtle/live/livetest"
	"github.com/turtle-sniffer/turtle/pcapio"
)

// open opens a handle inside ns and closes it at the end of the test.
func open(t *testing.T, ns *livetest.NS, name string, cfg *live.Config) *live.Handle {
	t.Helper()
	var h *live.Handle
	err := ns.Do(func() (err error) {
		h, err = live.Open(name, cfg)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close() })
	return h
}

type captured struct {
	data []byte
	ci   pcapio.CaptureInfo
	addr pcapio.LinkAddr
}

// readN reads n frames, copied, or fails after a generous wait (a missing
// frame is a failure, not a timing).
func readN(t *testing.T, h *live.Handle, n int, keep func([]byte) bool) []captured {
	t.Helper()
	h.SetReadDeadline(time.Now().Add(10 * time.Second))
	var out []captured
	for len(out) < n {
		data, ci, err := h.ZeroCopyReadPacketData()
		if err != nil {
			t.Fatalf("after %d of %d frames: %v", len(out), n, err)
		}
		if keep != nil && !keep(data) {
			t.Logf("skipped a frame the test did not send: % x", data[:min(len(data), 34)])
			continue
		}
		var c captured
		c.data, c.ci = append([]byte(nil), data...), ci
		h.LinkAddr(&c.addr)
		c.addr.HardwareAddr = append([]byte(nil), c.addr.HardwareAddr...)
		out = append(out, c)
	}
	return out
}

// expectNone checks that no further frame arrives before a short deadline.
func expectNone(t *testing.T, h *live.Handle, keep func([]byte) bool) {
	t.Helper()
	h.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
	for {
		data, _, err := h.ZeroCopyReadPacketData()
		if errors.Is(err, os.ErrDeadlineExceeded) {
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		if keep == nil || keep(data) {
			t.Fatalf("unexpected extra frame: % x", data[:min(len(data), 64)])
		}
	}
}

// ipv4Only keeps IPv4 frames (and VLAN-tagged ones) on Ethernet.
func ipv4Only(b []byte) bool {
	return len(b) >= 14 && (binary.BigEndian.Uint16(b[12:]) == 0x0800 || binary.BigEndian.Uint16(b[12:]) == 0x8100)
}

func TestVethFramesTurtleText(t *testing.T) {
	livetest.RequireRoot(t)
	a, b := livetest.Pair(t)
	h := open(t, b, "b0", nil)
	if h.LinkType() != pcapio.LinkTypeEthernet {
		t.Fatalf("link type %d, want Ethernet", h.LinkType())
	}
	frames := livetest.KnownFrames(t)
	t.Cleanup(func() { // where lost frames went: a0's TX and b0's RX counters
		if t.Failed() {
			st, _ := h.Stats()
			t.Logf("a0: %s\nb0: %s\nhandle: %+v", a.IP(t, "-s", "-o", "link", "show", "dev", "a0"),
				b.IP(t, "-s", "-o", "link", "show", "dev", "b0"), st)
		}
	})
	a.SendFrames(t, "a0", frames...)
	got := readN(t, h, len(frames), ipv4Only)

	var text []byte
	tf := &decode.Turtle{}
	for i, c := range got {
		if !bytes.Equal(c.data, frames[i]) {
			t.Errorf("frame %d:\n got % x\nwant % x", i+1, c.data, frames[i])
		}
		if c.ci.CaptureLength != len(frames[i]) || c.ci.Length != len(frames[i]) {
			t.Errorf("frame %d: lengths %d/%d, want %d", i+1, c.ci.CaptureLength, c.ci.Length, len(frames[i]))
		}
		if c.ci.InterfaceName != "b0" || c.ci.Direction != pcapio.DirectionInbound || c.ci.LinkType != pcapio.LinkTypeEthernet {
			t.Errorf("frame %d: capture info %+v", i+1, c.ci)
		}
		if c.ci.Timestamp.IsZero() || time.Since(c.ci.Timestamp) > time.Hour {
			t.Errorf("frame %d: timestamp %v is not now", i+1, c.ci.Timestamp)
		}
		want := pcapio.LinkAddr{Interface: "b0", Protocol: 2048, PacketType: 0, HardwareType: 1, HardwareAddr: livetest.MACA}
		if fmt.Sprint(c.addr) != fmt.Sprint(want) {
			t.Errorf("frame %d: link address %+v, want %+v", i+1, c.addr, want)
		}
		text = tf.AppendFrame(text, &pcapio.Frame{Number: i + 1, Data: c.data, Info: c.ci})
	}
	g := goldie.New(t, goldie.WithFixtureDir("testdata/golden"), goldie.WithNameSuffix(".golden"))
	g.Assert(t, "veth-known-frames", text)

	st, err := h.Stats()
	if err != nil {
		t.Fatal(err)
	}
	if st.Captured != uint64(len(frames)) || st.Received < st.Captured || st.Dropped != 0 {
		t.Errorf("stats %+v, want %d captured, none dropped", st, len(frames))
	}
}

func TestFullSizeFramesAndSnaplen(t *testing.T) {
	livetest.RequireRoot(t)
	a, b := livetest.Pair(t)
	a.IP(t, "link", "set", "a0", "mtu", "9000")
	b.IP(t, "link", "set", "b0", "mtu", "9000")
	whole := open(t, b, "b0", nil)
	cut := open(t, b, "b0", &live.Config{Snaplen: 100})

	big := livetest.Frame(t,
		&layers.Ethernet{SrcMAC: livetest.MACA, DstMAC: livetest.MACB, EthernetType: layers.EthernetTypeIPv4},
		&layers.IPv4{Version: 4, IHL: 5, TTL: 64, Protocol: layers.IPProtocolUDP, SrcIP: livetest.IPA, DstIP: livetest.IPC},
		&layers.UDP{SrcPort: 40003, DstPort: 9}, gopacket.Payload(bytes.Repeat([]byte("T"), 8972)))
	if len(big) != 9014 {
		t.Fatalf("test frame is %d bytes", len(big))
	}
	a.SendFrames(t, "a0", big)

	w := readN(t, whole, 1, ipv4Only)[0]
	if !bytes.Equal(w.data, big) || w.ci.Length != len(big) {
		t.Errorf("9014-byte frame captured as %d of %d bytes", w.ci.CaptureLength, w.ci.Length)
	}
	c := readN(t, cut, 1, ipv4Only)[0]
	if !bytes.Equal(c.data, big[:100]) || c.ci.CaptureLength != 100 || c.ci.Length != len(big) {
		t.Errorf("with snaplen 100: %d of %d bytes", c.ci.CaptureLength, c.ci.Length)
	}
}

// TestLoopbackOnce sends datagrams over the loopback device, which hands a
// packet socket every packet twice, and expects each once: on lo itself
// and on "any" (where the duplicate is dropped in user space).
func TestLoopbackOnce(t *testing.T) {
	livetest.RequireRoot(t)
	ns := livetest.New(t)
	onLo := open(t, ns, "lo", nil)
	onAny := open(t, ns, live.Any, nil)

	var recv, send *net.UDPConn
	err := ns.Do(func() (err error) {
		if recv, err = net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 40010}); err != nil {
			return err
		}
		send, err = net.DialUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 40011}, recv.LocalAddr().(*net.UDPAddr))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	defer recv.Close()
	defer send.Close()
	const n = 5
	for i := range n {
		if _, err := fmt.Fprintf(send, "turtle lo %d", i); err != nil {
			t.Fatal(err)
		}
	}

	for _, tc := range []struct {
		h       *live.Handle
		payload int // offset of the UDP payload
		link    pcapio.LinkType
	}{
		{onLo, 14 + 20 + 8, pcapio.LinkTypeEthernet},
		{onAny, 20 + 20 + 8, pcapio.LinkTypeLinuxSLL2},
	} {
		got := readN(t, tc.h, n, nil)
		for i, c := range got {
			want := fmt.Sprintf("turtle lo %d", i)
			if len(c.data) < tc.payload || string(c.data[tc.payload:]) != want {
				t.Errorf("%s frame %d: % x, want payload %q", tc.h.Name(), i+1, c.data, want)
			}
			if c.ci.LinkType != tc.link || c.ci.InterfaceName != "lo" {
				t.Errorf("%s frame %d: %+v", tc.h.Name(), i+1, c.ci)
			}
			if c.addr.Interface != "lo" || c.addr.HardwareType != 772 || c.addr.Protocol != 2048 || c.addr.PacketType != 0 {
				t.Errorf("%s frame %d: link address %+v", tc.h.Name(), i+1, c.addr)
			}
		}
		expectNone(t, tc.h, nil)
	}
}

func TestAnyCookedHeader(t *testing.T) {
	livetest.RequireRoot(t)
	a, b := livetest.Pair(t)
	h := open(t, b, live.Any, nil)
	frames := livetest.KnownFrames(t)
	a.SendFrames(t, "a0", frames[0])
	c := readN(t, h, 1, nil)[0]
	var s pcapio.LinuxSLL2
	if !s.Decode(c.data) {
		t.Fatalf("short SLL2 frame % x", c.data)
	}
	idx := b.Index(t, "b0")
	if s.Protocol != 0x0800 || s.InterfaceIndex != uint32(idx) || s.HardwareType != 1 || s.PacketType != 0 ||
		s.AddrLen != 6 || !bytes.Equal(s.Addr, livetest.MACA) || !bytes.Equal(s.Payload, frames[0][14:]) {
		t.Errorf("SLL2 header %+v for % x", s, c.data)
	}
	if c.ci.Length != len(frames[0])-14+20 || c.ci.InterfaceName != "b0" {
		t.Errorf("capture info %+v", c.ci)
	}
}

// TestVLANTagSurvives sends 802.1Q-tagged frames, whose tag the kernel
// strips into metadata before packet sockets see them, and expects the tag
// back in place on the receiving and the sending side.
func TestVLANTagSurvives(t *testing.T) {
	livetest.RequireRoot(t)
	a, b := livetest.Pair(t)
	rx := open(t, b, "b0", nil)
	tx := open(t, a, "a0", nil)
	tagged := livetest.Frame(t,
		&layers.Ethernet{SrcMAC: livetest.MACA, DstMAC: livetest.MACB, EthernetType: layers.EthernetTypeDot1Q},
		&layers.Dot1Q{Priority: 5, VLANIdentifier: 100, Type: layers.EthernetTypeIPv4},
		&layers.IPv4{Version: 4, IHL: 5, TTL: 64, Protocol: layers.IPProtocolUDP, SrcIP: livetest.IPA, DstIP: livetest.IPC},
		&layers.UDP{SrcPort: 40004, DstPort: 9}, gopacket.Payload("turtle vlan 100"))
	a.SendFrames(t, "a0", tagged)
	for _, h := range []*live.Handle{rx, tx} {
		c := readN(t, h, 1, ipv4Only)[0]
		if !bytes.Equal(c.data, tagged) || c.ci.Length != len(tagged) {
			t.Errorf("%s: tagged frame captured as\n% x\nwant\n% x", h.Name(), c.data, tagged)
		}
	}
}

// TestVLANSubinterface sends through a kernel VLAN device and captures the
// tagged frames on the parent veth.
func TestVLANSubinterface(t *testing.T) {
	livetest.RequireRoot(t)
	a, b := livetest.Pair(t)
	if out, err := execIP(a, "link", "add", "link", "a0", "name", "a0.100", "type", "vlan", "id", "100"); err != nil {
		t.Skipf("no 802.1Q devices here (the 8021q module): %v %s", err, out)
	}
	b.IP(t, "link", "add", "link", "b0", "name", "b0.100", "type", "vlan", "id", "100")
	a.IP(t, "addr", "add", "10.199.100.1/24", "dev", "a0.100")
	b.IP(t, "addr", "add", "10.199.100.2/24", "dev", "b0.100")
	a.IP(t, "link", "set", "a0.100", "up")
	b.IP(t, "link", "set", "b0.100", "up")
	a.IP(t, "neigh", "add", "10.199.100.2", "lladdr", livetest.MACB.String(), "dev", "a0.100", "nud", "permanent")
	h := open(t, b, "b0", nil)

	var conn *net.UDPConn
	err := a.Do(func() (err error) {
		conn, err = net.DialUDP("udp4", nil, &net.UDPAddr{IP: net.IPv4(10, 199, 100, 2), Port: 9})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.Write([]byte("turtle vlan device")); err != nil {
		t.Fatal(err)
	}
	c := readN(t, h, 1, ipv4Only)[0]
	if len(c.data) < 18 || binary.BigEndian.Uint16(c.data[12:]) != 0x8100 ||
		binary.BigEndian.Uint16(c.data[14:])&0xfff != 100 || binary.BigEndian.Uint16(c.data[16:]) != 0x0800 {
		t.Errorf("no 802.1Q tag 100 in % x", c.data[:min(len(c.data), 34)])
	}
}

func execIP(ns *livetest.NS, args ...string) (string, error) {
	out, err := exec.Command("ip", append([]string{"-n", ns.Name}, args...)...).CombinedOutput()
	return strings.TrimSpace(string(out)), err
}

// TestKernelFilter attaches a hand-written classic BPF program (UDP over
// IPv4 on Ethernet) and expects only the UDP frame.
func TestKernelFilter(t *testing.T) {
	livetest.RequireRoot(t)
	a, b := livetest.Pair(t)
	udpOnly, err := bpf.Assemble([]bpf.Instruction{
		bpf.LoadAbsolute{Off: 12, Size: 2},
		bpf.JumpIf{Cond: bpf.JumpEqual, Val: 0x0800, SkipFalse: 3},
		bpf.LoadAbsolute{Off: 23, Size: 1},
		bpf.JumpIf{Cond: bpf.JumpEqual, Val: 17, SkipFalse: 1},
		bpf.RetConstant{Val: 65535},
		bpf.RetConstant{Val: 0},
	})
	if err != nil {
		t.Fatal(err)
	}
	// The same program for SLL2 frames, which the cooked socket of "any"
	// runs with its header offsets rewritten.
	udpOnlySLL2, err := bpf.Assemble([]bpf.Instruction{
		bpf.LoadAbsolute{Off: 0, Size: 2},
		bpf.JumpIf{Cond: bpf.JumpEqual, Val: 0x0800, SkipFalse: 3},
		bpf.LoadAbsolute{Off: 20 + 9, Size: 1},
		bpf.JumpIf{Cond: bpf.JumpEqual, Val: 17, SkipFalse: 1},
		bpf.RetConstant{Val: 65535},
		bpf.RetConstant{Val: 0},
	})
	if err != nil {
		t.Fatal(err)
	}
	eth := open(t, b, "b0", &live.Config{Filter: udpOnly})
	anyh := open(t, b, live.Any, &live.Config{Filter: udpOnlySLL2})
	frames := livetest.KnownFrames(t)
	a.SendFrames(t, "a0", frames...)
	if c := readN(t, eth, 1, nil)[0]; !bytes.Equal(c.data, frames[0]) {
		t.Errorf("b0 filter let through % x", c.data)
	}
	expectNone(t, eth, nil)
	if c := readN(t, anyh, 1, nil)[0]; !bytes.Equal(c.data[20:], frames[0][14:]) {
		t.Errorf("any filter let through % x", c.data)
	}
	expectNone(t, anyh, nil)
}

func TestStopAndDeadline(t *testing.T) {
	livetest.RequireRoot(t)
	ns := livetest.New(t)
	h := open(t, ns, "lo", nil)
	h.SetReadDeadline(time.Now().Add(50 * time.Millisecond))
	if _, _, err := h.ZeroCopyReadPacketData(); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("read past the deadline: %v", err)
	}
	h.SetReadDeadline(time.Time{})
	done := make(chan error, 1)
	go func() {
		_, _, err := h.ZeroCopyReadPacketData()
		done <- err
	}()
	time.Sleep(50 * time.Millisecond) // let the read block; the result does not depend on it
	h.Stop()
	if err := <-done; !errors.Is(err, live.ErrStopped) {
		t.Fatalf("read after Stop: %v", err)
	}
	if _, _, err := h.ZeroCopyReadPacketData(); !errors.Is(err, live.ErrStopped) {
		t.Fatalf("second read after Stop: %v", err)
	}
	if err := h.Close(); err != nil {
		t.Fatal(err)
	}
	if _, _, err := h.ZeroCopyReadPacketData(); !errors.Is(err, live.ErrStopped) {
		t.Fatalf("read after Close: %v", err)
	}
}

func TestNoSuchInterface(t *testing.T) {
	if _, err := live.Open("turtle-none0", nil); err == nil || !strings.Contains(err.Error(), "turtle-none0") {
		t.Fatalf("open of a missing interface: %v", err)
	}
	if _, err := live.Lookup("turtle-none0"); err == nil {
		t.Fatal("lookup of a missing interface succeeded")
	}
	lo, err := live.Lookup("lo")
	if err != nil {
		t.Fatal(err)
	}
	byNumber, err := live.Lookup(fmt.Sprint(lo.Index))
	if err != nil || byNumber.Name != "lo" || !byNumber.Loopback {
		t.Fatalf("lookup of lo by number %d: %+v, %v", lo.Index, byNumber, err)
	}
	if a, ok := live.Address(lo); !ok || a.String() != "127.0.0.1" {
		t.Errorf("address of lo: %v %v", a, ok)
	}
}

// TestReadAllocs proves the read path allocates nothing per frame.
func TestReadAllocs(t *testing.T) {
	livetest.RequireRoot(t)
	a, b := livetest.Pair(t)
	h := open(t, b, "b0", nil)
	const runs = 200
	f := livetest.KnownFrames(t)[0]
	frames := make([][]byte, runs+10)
	for i := range frames {
		frames[i] = f
	}
	a.SendFrames(t, "a0", frames...)
	readN(t, h, 1, nil) // warm up: first block, interface name
	var addr pcapio.LinkAddr
	allocs := testing.AllocsPerRun(runs, func() {
		if _, _, err := h.ZeroCopyReadPacketData(); err != nil {
			t.Fatal(err)
		}
		h.LinkAddr(&addr)
	})
	if allocs != 0 {
		t.Errorf("%.1f allocations per frame, want 0", allocs)
	}
}

func TestPromiscuous(t *testing.T) {
	livetest.RequireRoot(t)
	_, b := livetest.Pair(t)
	promiscuity := func() string {
		out := b.IP(t, "-d", "link", "show", "b0")
		if i := strings.Index(out, "promiscuity "); i >= 0 {
			return strings.Fields(out[i:])[1]
		}
		t.Fatalf("no promiscuity in %s", out)
		return ""
	}
	var h *live.Handle
	if err := b.Do(func() (err error) { h, err = live.Open("b0", &live.Config{Promiscuous: true}); return err }); err != nil {
		t.Fatal(err)
	}
	if got := promiscuity(); got != "1" {
		t.Errorf("promiscuity %s while open, want 1", got)
	}
	h.Close()
	if got := promiscuity(); got != "0" {
		t.Errorf("promiscuity %s after Close, want 0", got)
	}
	if _, err := live.Open(live.Any, &live.Config{Promiscuous: true}); err == nil {
		t.Error("promiscuous any opened")
	}
}

// TestUnboundAsTheNotes: Unbound is the notes' socket: a veth frame with
// its Ethernet header and its interface, and each loopback packet twice,
// outgoing then incoming.
func TestUnboundAsTheNotes(t *testing.T) {
	livetest.RequireRoot(t)
	a, b := livetest.Pair(t)
	h := open(t, b, live.Unbound, nil)
	if h.LinkType() != pcapio.LinkTypeEthernet {
		t.Fatalf("link type %v", h.LinkType())
	}
	frames := livetest.KnownFrames(t)
	a.SendFrames(t, "a0", frames[0])
	c := readN(t, h, 1, nil)[0]
	if !bytes.Equal(c.data, frames[0]) || c.ci.InterfaceName != "b0" || c.addr.Interface != "b0" || c.addr.PacketType != 0 {
		t.Errorf("veth frame % x, %+v, %+v", c.data, c.ci, c.addr)
	}

	var send *net.UDPConn
	err := b.Do(func() (err error) {
		send, err = net.DialUDP("udp4", nil, &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 40012})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	defer send.Close()
	if _, err := send.Write([]byte("turtle unbound")); err != nil {
		t.Fatal(err)
	}
	isUDP := func(d []byte) bool { return len(d) > 23 && d[12] == 8 && d[13] == 0 && d[23] == 17 }
	got := readN(t, h, 2, isUDP)
	for i, want := range []uint8{4, 0} { // PACKET_OUTGOING, then PACKET_HOST
		c := got[i]
		if string(c.data[42:]) != "turtle unbound" || c.addr.Interface != "lo" || c.addr.PacketType != want || c.ci.InterfaceName != "lo" {
			t.Errorf("loopback copy %d: % x, %+v, %+v", i+1, c.data, c.ci, c.addr)
		}
	}
	if got[0].ci.Direction != pcapio.DirectionOutbound || got[1].ci.Direction != pcapio.DirectionInbound {
		t.Errorf("directions %v, %v", got[0].ci.Direction, got[1].ci.Direction)
	}
}
