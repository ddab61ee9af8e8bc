//go:build linux

package live_test

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/turtle-sniffer/turtle/live"
	"github.com/turtle-sniffer/turtle/live/livetest"
	"github.com/turtle-sniffer/turtle/pcapio"
)

func openSender(t *testing.T, ns *livetest.NS, name string) *live.Sender {
	t.Helper()
	var s *live.Sender
	err := ns.Do(func() (err error) {
		s, err = live.OpenSender(name)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// Frames sent one by one and in a batch arrive on the peer byte for byte,
// in order; a frame above the MTU is refused with EMSGSIZE, named by its
// length, and the frames after it still go out.
func TestSenderBytesAndRefusal(t *testing.T) {
	livetest.RequireRoot(t)
	a, b := livetest.Pair(t)
	h := open(t, b, "b0", nil)
	s := openSender(t, a, "a0")
	if s.LinkType() != pcapio.LinkTypeEthernet || s.MTU() != 1500 {
		t.Fatalf("link type %v, MTU %d; want Ethernet, 1500", s.LinkType(), s.MTU())
	}
	known := livetest.KnownFrames(t)
	for _, f := range known {
		if err := s.Send(f); err != nil {
			t.Fatal(err)
		}
	}
	big := append(append([]byte(nil), known[0]...), make([]byte, 1600)...)
	err := s.Send(big)
	var se *live.SendError
	if !errors.As(err, &se) || se.Len != len(big) || !errors.Is(err, unix.EMSGSIZE) ||
		!strings.Contains(err.Error(), fmt.Sprintf("%d-byte frame", len(big))) {
		t.Fatalf("oversize frame: got %v", err)
	}
	batch := [][]byte{known[2], known[1], big, known[0]}
	n, err := s.SendBatch(batch)
	if n != 2 || !errors.As(err, &se) || se.Len != len(big) {
		t.Fatalf("batch: sent %d, %v; want 2 and the %d-byte refusal", n, err, len(big))
	}
	if n, err := s.SendBatch(batch[3:]); n != 1 || err != nil {
		t.Fatalf("rest of the batch: %d, %v", n, err)
	}
	want := append(append([][]byte(nil), known...), known[2], known[1], known[0])
	got := readN(t, h, len(want), ipv4Only)
	for i := range want {
		if !bytes.Equal(got[i].data, want[i]) {
			t.Errorf("frame %d arrived as\n% x\nwant\n% x", i+1, got[i].data, want[i])
		}
	}
	expectNone(t, h, ipv4Only)
}

func TestSenderNoInterface(t *testing.T) {
	if _, err := live.OpenSender("any"); err == nil {
		t.Fatal("OpenSender(any) succeeded")
	}
	livetest.RequireRoot(t)
	ns := livetest.New(t)
	err := ns.Do(func() error { _, err := live.OpenSender("nosuch0"); return err })
	if err == nil || !strings.Contains(err.Error(), "nosuch0") {
		t.Fatalf("got %v", err)
	}
}
