//go:build linux

package live_test

import (
	"bytes"
	"errors"
	"fmt"
	"os/exec"
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

// A full transmit queue (a token bucket on a0 that holds two frames)
// answers ENOBUFS; the Sender waits for room instead of refusing frames
// the device takes a moment later, so every frame leaves a0 once, in the
// order sent, and arrives on b0. The order is checked where a0 transmits
// (a capture on a0 sees frames as the queue hands them to the device, one
// at a time): b0 may receive them out of order, since veth passes each
// frame to the backlog of the CPU that transmits it, and with a token
// bucket that is sometimes the sender's CPU and sometimes the one whose
// timer refills the bucket (seen once in CI: "frame 5 differs or is out
// of order" on b0, every frame there).
func TestSenderWaitsForAFullQueue(t *testing.T) {
	livetest.RequireRoot(t)
	if _, err := exec.LookPath("tc"); err != nil {
		t.Skip("needs tc (iproute2) to give a0 a small queue")
	}
	a, b := livetest.Pair(t)
	if out, err := exec.Command("ip", "netns", "exec", a.Name, "tc", "qdisc", "add", "dev", "a0", "root",
		"tbf", "rate", "8mbit", "burst", "2000", "limit", "3000").CombinedOutput(); err != nil {
		t.Skipf("tc qdisc tbf: %v\n%s", err, out)
	}
	h := open(t, b, "b0", nil)
	tx := open(t, a, "a0", nil)
	s := openSender(t, a, "a0")
	base := livetest.KnownFrames(t)[0]
	var frames [][]byte
	for i := range 200 {
		f := append(append([]byte(nil), base...), bytes.Repeat([]byte{byte(i)}, 1000-len(base))...)
		frames = append(frames, f)
	}
	if n, err := s.SendBatch(frames[:100]); n != 100 || err != nil {
		t.Fatalf("batch: sent %d, %v", n, err)
	}
	for _, f := range frames[100:] {
		if err := s.Send(f); err != nil {
			t.Fatal(err)
		}
	}
	sent := readN(t, tx, len(frames), ipv4Only)
	for i := range frames {
		if !bytes.Equal(sent[i].data, frames[i]) {
			t.Fatalf("a0 transmitted frame %d differing or out of order (its last byte %d)", i+1, sent[i].data[len(sent[i].data)-1])
		}
	}
	got := readN(t, h, len(frames), ipv4Only)
	seen := make([]bool, len(frames))
	for _, c := range got {
		i := int(c.data[len(c.data)-1])
		if i >= len(frames) || seen[i] || !bytes.Equal(c.data, frames[i]) {
			t.Fatalf("b0 received a frame not sent, or twice (its last byte %d)", i)
		}
		seen[i] = true
	}
}
