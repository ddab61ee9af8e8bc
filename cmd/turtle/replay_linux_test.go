//go:build linux

package main

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"

	"github.com/turtle-sniffer/turtle/live"
	"github.com/turtle-sniffer/turtle/live/livetest"
	"github.com/turtle-sniffer/turtle/pcapio"
)

// peer captures what arrives on b0 (inbound frames only: b0's own answers,
// an ARP reply or a TCP reset, are not the replay's).
type peer struct {
	h *live.Handle
}

func capturePeer(t *testing.T, b *livetest.NS) *peer {
	t.Helper()
	var h *live.Handle
	if err := b.Do(func() (err error) { h, err = live.Open("b0", nil); return err }); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close() })
	return &peer{h: h}
}

// frames reads inbound frames until none has come for quiet.
func (p *peer) frames(t *testing.T, quiet time.Duration) [][]byte {
	t.Helper()
	var out [][]byte
	for {
		p.h.SetReadDeadline(time.Now().Add(quiet))
		data, ci, err := p.h.ZeroCopyReadPacketData()
		if errors.Is(err, os.ErrDeadlineExceeded) {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		if ci.Direction == pcapio.DirectionInbound {
			out = append(out, append([]byte(nil), data...))
		}
	}
}

// replayIn runs turtle replay inside ns (the command opens its socket on
// the namespace's thread) and returns its exit code and stderr.
func replayIn(t *testing.T, ns *livetest.NS, args ...string) (int, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := 0
	if err := ns.Do(func() error {
		code = runReplay(args, strings.NewReader(""), &stdout, &stderr)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if stdout.Len() > 0 {
		t.Errorf("replay wrote to standard output: %q", stdout.String())
	}
	return code, stderr.String()
}

// expectedEthernet is the reference for what replay must put on the wire
// for a captured frame, built apart from package replay: the link header
// lengths of the link types' specifications, the EtherType as gopacket
// decodes the link header. ok is false for frames that must be refused.
func expectedEthernet(lt pcapio.LinkType, data []byte) (want []byte, ok bool) {
	hdr := map[pcapio.LinkType]int{pcapio.LinkTypeLinuxSLL: 16, pcapio.LinkTypeLinuxSLL2: 20,
		pcapio.LinkTypeNull: 4, pcapio.LinkTypeLoop: 4, pcapio.LinkTypeRaw: 0, pcapio.LinkTypeIPv4: 0}
	if lt == pcapio.LinkTypeEthernet {
		return data, len(data) >= 14
	}
	n, known := hdr[lt]
	if !known || len(data) < n || len(data) == 0 {
		return nil, false
	}
	var etype layers.EthernetType
	pkt := gopacket.NewPacket(data, layers.LinkType(lt), gopacket.NoCopy)
	switch l := pkt.Layers()[0].(type) {
	case *layers.LinuxSLL:
		etype = l.EthernetType
	case *layers.LinuxSLL2:
		etype = l.ProtocolType
	case *layers.Loopback:
		etype = map[layers.ProtocolFamily]layers.EthernetType{layers.ProtocolFamilyIPv4: layers.EthernetTypeIPv4,
			layers.ProtocolFamilyIPv6BSD: layers.EthernetTypeIPv6, layers.ProtocolFamilyIPv6FreeBSD: layers.EthernetTypeIPv6,
			layers.ProtocolFamilyIPv6Darwin: layers.EthernetTypeIPv6}[l.Family]
	}
	switch { // raw IP, cut short or not: the version nibble (RFC 791, 8200)
	case lt == pcapio.LinkTypeIPv4 || lt == pcapio.LinkTypeRaw && data[0]>>4 == 4:
		etype = layers.EthernetTypeIPv4
	case lt == pcapio.LinkTypeRaw && data[0]>>4 == 6:
		etype = layers.EthernetTypeIPv6
	}
	if etype < 0x0600 {
		return nil, false
	}
	want = []byte{2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1}
	want = binary.BigEndian.AppendUint16(want, uint16(etype))
	return append(want, data[n:]...), true
}

var finalLine = regexp.MustCompile(`(?m)^turtle replay: (\d+) frames \((\d+) bytes\) sent, (\d+) failed, [0-9.]+ s, [0-9.]+ frames/s, [0-9.]+ Mbit/s( \(interrupted\))?\n\z`)

func parseFinal(t *testing.T, stderr string) (sent, bytes, failed int) {
	t.Helper()
	m := finalLine.FindStringSubmatch(stderr)
	if m == nil {
		t.Fatalf("no final line in stderr:\n%s", stderr)
	}
	fmt.Sscan(m[1], &sent)
	fmt.Sscan(m[2], &bytes)
	fmt.Sscan(m[3], &failed)
	return
}

// Every capture in testdata, of every link type, arrives on the peer byte
// for byte (behind the synthesized header where it needs one), in order;
// the radiotap file is refused in one line and the run goes on.
func TestReplayEveryLinkType(t *testing.T) {
	livetest.RequireRoot(t)
	names, _ := filepath.Glob("../../testdata/*.pcap")
	for _, pace := range [][]string{{"--topspeed"}, {"--pps", "5000"}} {
		t.Run(pace[0], func(t *testing.T) {
			a, b := livetest.Pair(t)
			p := capturePeer(t, b)
			var want [][]byte
			refused, failed, byteCount := 0, 0, 0
			for _, name := range names {
				frames := readRecs(t, name)
				if len(frames) > 0 && frames[0].link == 127 { // radiotap
					refused++
					continue
				}
				for _, f := range frames {
					if w, ok := expectedEthernet(f.link, []byte(f.data)); ok {
						want = append(want, w)
						byteCount += len(w)
					} else {
						failed++
					}
				}
			}
			code, stderr := replayIn(t, a, append(append([]string{"-i", "a0"}, pace...), names...)...)
			if code != 1 || refused != 1 || !strings.Contains(stderr, "radiotap.pcap: frame 1: link type 127 cannot be sent out of an Ethernet device; the rest of the file is skipped\n") {
				t.Errorf("exit %d, stderr:\n%s", code, stderr)
			}
			sent, nbytes, nfailed := parseFinal(t, stderr)
			if sent != len(want) || nbytes != byteCount || nfailed != failed {
				t.Errorf("final line says %d frames, %d bytes, %d failed; want %d, %d, %d", sent, nbytes, nfailed, len(want), byteCount, failed)
			}
			got := p.frames(t, 500*time.Millisecond)
			if len(got) != len(want) {
				t.Fatalf("%d frames arrived, %d sent", len(got), len(want))
			}
			for i := range want {
				if !bytes.Equal(got[i], want[i]) {
					t.Errorf("frame %d arrived as\n% x\nwant\n% x", i+1, got[i], want[i])
				}
			}
		})
	}
}

// writeReplayCapture writes Ethernet frames into a pcap file, 1 ms apart.
func writeReplayCapture(t *testing.T, frames ...[]byte) string {
	t.Helper()
	ts := time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)
	fs := make([]testFrame, len(frames))
	for i, d := range frames {
		fs[i] = testFrame{ts: ts.Add(time.Duration(i) * time.Millisecond), data: d}
	}
	return writeCapture(t, "frames.pcap", pcapio.FormatPcapMicro, false, fs)
}

// A frame longer than the MTU allows is refused by the device, named with
// its file, frame number and length, counted; the frames after it go.
func TestReplayMTURefusalCountLoopFilter(t *testing.T) {
	livetest.RequireRoot(t)
	a, b := livetest.Pair(t)
	p := capturePeer(t, b)
	known := livetest.KnownFrames(t) // UDP, TCP, ICMP
	big := append(append([]byte(nil), known[0]...), make([]byte, 1600)...)
	file := writeReplayCapture(t, known[0], big, known[1], known[2])

	code, stderr := replayIn(t, a, "-i", "a0", "--speed", "10", file)
	wantErr := fmt.Sprintf("turtle replay: %s: frame 2: a0 refused a %d-byte frame: send: message too long\n", file, len(big))
	if code != 1 || !strings.HasPrefix(stderr, wantErr) {
		t.Errorf("exit %d, stderr:\n%s\nwant first line %s", code, stderr, wantErr)
	}
	if sent, _, failed := parseFinal(t, stderr); sent != 3 || failed != 1 {
		t.Errorf("sent %d, failed %d", sent, failed)
	}
	check := func(what string, want ...[]byte) {
		t.Helper()
		got := p.frames(t, 300*time.Millisecond)
		if len(got) != len(want) {
			t.Fatalf("%s: %d frames arrived, want %d", what, len(got), len(want))
		}
		for i := range want {
			if !bytes.Equal(got[i], want[i]) {
				t.Errorf("%s: frame %d differs", what, i+1)
			}
		}
	}
	check("MTU", known...)

	small := writeReplayCapture(t, known...)
	if code, stderr := replayIn(t, a, "-i", "a0", "--pps", "1000", "-c", "2", small); code != 0 {
		t.Errorf("-c: exit %d\n%s", code, stderr)
	}
	check("-c 2", known[0], known[1])
	if code, stderr := replayIn(t, a, "-i", "a0", "--topspeed", "--loop", "3", small); code != 0 {
		t.Errorf("--loop: exit %d\n%s", code, stderr)
	}
	check("--loop 3", append(append(append([][]byte(nil), known...), known...), known...)...)
	if code, stderr := replayIn(t, a, "-i", "a0", "--topspeed", "--loop", "0", "-c", "5", small); code != 0 {
		t.Errorf("--loop 0 -c 5: exit %d\n%s", code, stderr)
	}
	check("--loop 0 -c 5", known[0], known[1], known[2], known[0], known[1])
	if code, stderr := replayIn(t, a, "-i", "a0", "-f", "tcp or icmp", "--pps", "1000", small); code != 0 {
		t.Errorf("-f: exit %d\n%s", code, stderr)
	}
	check("-f", known[1], known[2])
}

// --pps: the order and count are asserted; the rate is measured and logged
// (a shared machine makes timing a benchmark's job: scripts/bench-replay.sh).
func TestReplayPPSMeasured(t *testing.T) {
	livetest.RequireRoot(t)
	a, b := livetest.Pair(t)
	p := capturePeer(t, b)
	known := livetest.KnownFrames(t)
	file := writeReplayCapture(t, known...)
	start := time.Now()
	code, stderr := replayIn(t, a, "-i", "a0", "--pps", "2000", "--loop", "200", file)
	wall := time.Since(start)
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	sent, _, _ := parseFinal(t, stderr)
	got := p.frames(t, 300*time.Millisecond)
	if sent != 600 || len(got) != 600 {
		t.Fatalf("sent %d, %d arrived; want 600", sent, len(got))
	}
	for i, f := range got {
		if !bytes.Equal(f, known[i%3]) {
			t.Fatalf("frame %d out of order", i+1)
		}
	}
	t.Logf("600 frames at --pps 2000 (schedule 299.5 ms), wall %v: %s", wall, strings.TrimSpace(stderr))
}

// Ctrl-C (SIGINT to the built binary) ends a run that would never end by
// itself, cleanly, with the final line.
func TestReplayInterrupt(t *testing.T) {
	livetest.RequireRoot(t)
	a, b := livetest.Pair(t)
	pr := capturePeer(t, b)
	file := writeReplayCapture(t, livetest.KnownFrames(t)...)
	p := start(t, a, nil, "replay", "-i", "a0", "--pps", "200", "--loop", "0", file)
	pr.h.SetReadDeadline(time.Now().Add(10 * time.Second))
	for n := 0; n < 5; {
		_, ci, err := pr.h.ZeroCopyReadPacketData()
		if err != nil {
			t.Fatalf("waiting for replayed frames: %v", err)
		}
		if ci.Direction == pcapio.DirectionInbound {
			n++
		}
	}
	if err := p.cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := p.wait(t)
	if code != 0 || stdout != "" || !strings.HasSuffix(stderr, " (interrupted)\n") {
		t.Fatalf("exit %d, stdout %q, stderr:\n%s", code, stdout, stderr)
	}
	if sent, _, failed := parseFinal(t, stderr); sent < 5 || failed != 0 {
		t.Errorf("sent %d, failed %d", sent, failed)
	}
}

func TestReplayUsage(t *testing.T) {
	for _, args := range [][]string{
		{"x.pcap"},
		{"-i", "lo"},
		{"-i", "lo", "--pps", "10", "--topspeed", "x.pcap"},
		{"-i", "lo", "--pps", "-1", "x.pcap"},
		{"-i", "lo", "--speed", "0", "x.pcap"},
		{"-i", "lo", "--loop", "2", "-"},
		{"-i", "lo", "-f", "tcp port", "x.pcap"},
	} {
		var stdout, stderr bytes.Buffer
		if code := runReplay(args, strings.NewReader(""), &stdout, &stderr); code != 2 || !strings.HasPrefix(stderr.String(), "turtle replay: ") {
			t.Errorf("%q: exit %d, %s", args, code, stderr.String())
		}
	}
	var stdout, stderr bytes.Buffer
	if code := runReplay([]string{"--help"}, nil, &stdout, &stderr); code != 0 || !strings.Contains(stdout.String(), "turtle replay -i") {
		t.Errorf("--help: exit %d\n%s", code, stdout.String())
	}
}

// Without the privilege, replay says what is missing in one line.
func TestReplayUnprivileged(t *testing.T) {
	livetest.RequireRoot(t) // to become nobody
	file := writeReplayCapture(t, livetest.KnownFrames(t)...)
	if err := os.Chmod(filepath.Dir(file), 0o755); err != nil {
		t.Fatal(err)
	}
	p := start(t, nil, &syscall.Credential{Uid: 65534, Gid: 65534}, "replay", "-i", "lo", file)
	code, stdout, stderr := p.wait(t)
	if code != 1 || stdout != "" || stderr != "turtle replay: sending on lo needs root or CAP_NET_RAW: run it as root, or grant it with: sudo setcap cap_net_raw=eip $(which turtle)\n" {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
}

// A device that takes no Ethernet frames (a tun device: raw IP) is refused
// before anything is sent.
func TestReplayNotEthernet(t *testing.T) {
	livetest.RequireRoot(t)
	ns := livetest.New(t)
	if out, err := execIPNS(ns, "tuntap", "add", "dev", "tun0", "mode", "tun"); err != nil {
		t.Skipf("no tun device here: %v\n%s", err, out)
	}
	ns.IP(t, "link", "set", "tun0", "up")
	code, stderr := replayIn(t, ns, "-i", "tun0", "../../testdata/udp-echo.pcap")
	if code != 1 || stderr != "turtle replay: tun0 is not an Ethernet device (link type 101): replay sends Ethernet frames\n" {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
}

func execIPNS(ns *livetest.NS, args ...string) ([]byte, error) {
	return exec.Command("ip", append([]string{"-n", ns.Name}, args...)...).CombinedOutput()
}
