//go:build linux && pcap

package live_test

import (
	"bytes"
	"errors"
	"testing"

	"github.com/turtle-sniffer/turtle/live"
	"github.com/turtle-sniffer/turtle/live/livetest"
)

// TestLibpcapSender sends the known frames through pcap_sendpacket and
// expects them byte for byte on the peer; an oversize frame is refused
// with its length named, and the Sender goes on.
func TestLibpcapSender(t *testing.T) {
	livetest.RequireRoot(t)
	a, b := livetest.Pair(t)
	h := open(t, b, "b0", nil)
	var s *live.Sender
	if err := a.Do(func() (err error) { s, err = live.OpenSenderLibpcap("a0"); return err }); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	known := livetest.KnownFrames(t)
	big := append(append([]byte(nil), known[0]...), make([]byte, 1600)...)
	var se *live.SendError
	if err := s.Send(big); !errors.As(err, &se) || se.Len != len(big) {
		t.Fatalf("oversize frame: %v", err)
	}
	if n, err := s.SendBatch(known); n != len(known) || err != nil {
		t.Fatalf("sent %d, %v", n, err)
	}
	for i, c := range readN(t, h, len(known), ipv4Only) {
		if !bytes.Equal(c.data, known[i]) {
			t.Errorf("frame %d arrived as % x", i+1, c.data)
		}
	}
}
