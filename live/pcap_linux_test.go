//go:build linux && pcap

package live_test

import (
	"bytes"
	"testing"

	"github.com/turtle-sniffer/turtle/live"
	"github.com/turtle-sniffer/turtle/live/livetest"
	"github.com/turtle-sniffer/turtle/pcapio"
)

// TestLibpcapBackend captures the known frames through libpcap.
func TestLibpcapBackend(t *testing.T) {
	livetest.RequireRoot(t)
	a, b := livetest.Pair(t)
	h := open(t, b, "b0", &live.Config{Libpcap: true})
	frames := livetest.KnownFrames(t)
	a.SendFrames(t, "a0", frames...)
	for i, c := range readN(t, h, len(frames), ipv4Only) {
		if !bytes.Equal(c.data, frames[i]) || c.ci.LinkType != pcapio.LinkTypeEthernet || c.ci.Length != len(frames[i]) {
			t.Errorf("frame %d: %+v % x", i+1, c.ci, c.data)
		}
		if c.addr.Interface != "b0" || c.addr.Protocol != 2048 || !bytes.Equal(c.addr.HardwareAddr, livetest.MACA) {
			t.Errorf("frame %d: link address %+v", i+1, c.addr)
		}
	}
	if st, err := h.Stats(); err != nil || st.Captured != 3 {
		t.Errorf("stats %+v, %v", st, err)
	}
}

// TestCompiledFilter compiles "icmp" with libpcap for Ethernet and for
// SLL2 (run on the cooked socket of "any" after rewriting) and expects only
// the ICMP frame on both.
func TestCompiledFilter(t *testing.T) {
	livetest.RequireRoot(t)
	a, b := livetest.Pair(t)
	var hs []*live.Handle
	for _, name := range []string{"b0", live.Any} {
		var lt pcapio.LinkType
		if err := b.Do(func() (err error) { lt, err = live.LinkTypeOf(name, nil); return err }); err != nil {
			t.Fatal(err)
		}
		prog, err := live.CompileFilter("icmp", lt, live.DefaultSnaplen)
		if err != nil {
			t.Fatal(err)
		}
		hs = append(hs, open(t, b, name, &live.Config{Filter: prog}))
	}
	frames := livetest.KnownFrames(t)
	a.SendFrames(t, "a0", frames...)
	if c := readN(t, hs[0], 1, nil)[0]; !bytes.Equal(c.data, frames[2]) {
		t.Errorf("b0: % x", c.data)
	}
	if c := readN(t, hs[1], 1, nil)[0]; !bytes.Equal(c.data[20:], frames[2][14:]) {
		t.Errorf("any: % x", c.data)
	}
	for _, h := range hs {
		expectNone(t, h, nil)
	}
	if _, err := live.CompileFilter("udp port", pcapio.LinkTypeEthernet, 65535); err == nil {
		t.Error("a broken filter compiled")
	}
}
