package grade

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"io"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/turtle-sniffer/turtle/internal/fixtures"
	"github.com/turtle-sniffer/turtle/pcapio"
)

// readCapture returns the frames of a capture file (gzip'd or not).
func readCapture(t *testing.T, path string) ([][]byte, []pcapio.CaptureInfo) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r, err := pcapio.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	var frames [][]byte
	var cis []pcapio.CaptureInfo
	for {
		data, ci, err := r.ReadPacketData()
		if err == io.EOF {
			return frames, cis
		}
		if err != nil {
			t.Fatal(err)
		}
		frames, cis = append(frames, data), append(cis, ci)
	}
}

// writePcap writes Ethernet frames as a classic pcap file.
func writePcap(t *testing.T, frames [][]byte, cis []pcapio.CaptureInfo) []byte {
	t.Helper()
	var b bytes.Buffer
	w, err := pcapio.NewPcapWriter(&b, pcapio.PcapOptions{LinkType: pcapio.LinkTypeEthernet})
	if err != nil {
		t.Fatal(err)
	}
	for i, f := range frames {
		ci := cis[i]
		ci.CaptureLength, ci.Length = len(f), len(f)
		if err := w.WritePacket(ci, f); err != nil {
			t.Fatal(err)
		}
	}
	return b.Bytes()
}

// Issue 17: grade reads frames through decode.Packet, so a UDP echo inside
// any VLAN tag turtle decodes grades as it does untagged. The echo is the
// project's own recording (testdata/udp-echo.pcap, made by turtle record);
// the tag is inserted after the MAC addresses, as a switch would (no
// program on Linux can put a 0x9100 tag on a frame: it knows only 802.1Q and
// 802.1ad).
func TestVLANTaggedEcho(t *testing.T) {
	frames, cis := readCapture(t, filepath.Join("..", "testdata", "udp-echo.pcap"))
	for _, tpid := range []uint16{0x8100, 0x88a8, 0x9100} {
		tagged := make([][]byte, len(frames))
		for i, f := range frames {
			tag := []byte{byte(tpid >> 8), byte(tpid), 0x00, 0x64} // VLAN 100
			tagged[i] = append(append(append([]byte{}, f[:12]...), tag...), f[12:]...)
		}
		res := gradeBytes(t, mustLab(t, "udp-echo"), writePcap(t, tagged, cis))
		if res.Score != 10 || len(res.Notes) > 0 {
			t.Errorf("tag %#04x: score %v, failed %+v, notes %q; want 10/10", tpid, res.Score, res.Failed(), res.Notes)
		}
	}
}

// Issue 14, false verdict 1: a correct TCP echo captured with a short
// snapshot length (tcpdump -s 80, grade/testdata/recorded; and editcap -s 80
// of a full capture) is not failed: the wire lengths prove the count, the
// captured bytes match, and the result is flagged for review with the reason.
func TestSnaplenCutEcho(t *testing.T) {
	check := func(t *testing.T, data []byte) {
		res := gradeBytes(t, mustLab(t, "tcp-echo"), data)
		if res.Score != 10 {
			t.Fatalf("score %v, failed %+v; want 10/10", res.Score, res.Failed())
		}
		want := "the capture keeps only the first 80 bytes of each frame (snapshot length): "
		if len(res.Review) != 1 || !strings.HasPrefix(res.Review[0], want) {
			t.Fatalf("review %q, want one reason starting %q", res.Review, want)
		}
	}
	t.Run("tcpdump -s 80", func(t *testing.T) {
		data, err := os.ReadFile(filepath.Join("testdata", "recorded", "tcp-echo-snaplen80-lo.pcap"))
		if err != nil {
			t.Fatal(err)
		}
		check(t, data)
		res := gradeBytes(t, mustLab(t, "tcp-echo"), data)
		if got, want := res.Review[0], "the capture keeps only the first 80 bytes of each frame (snapshot length): 186 of the 200 bytes echoed (frames 4 and 6) were counted from the headers, not compared"; got != want {
			t.Errorf("review\n got %s\nwant %s", got, want)
		}
	})
	t.Run("the lab's message, cut", func(t *testing.T) {
		data, err := os.ReadFile(filepath.Join("testdata", "recorded", "tcp-echo-snaplen80-lo.pcap"))
		if err != nil {
			t.Fatal(err)
		}
		msg := strings.Repeat("turtle", 33) + "__" // what scripts/record-grade-captures.sh sends
		res := gradeBytes(t, mustLab(t, "tcp-echo", "message="+msg), data)
		if res.Score != 10 || len(res.Review) != 2 || res.Review[0] != "the capture keeps only the first 80 bytes of each frame (snapshot length): the message was compared on its first 14 bytes captured (frame 4), its length from the headers" {
			t.Errorf("score %v failed %+v review %q", res.Score, res.Failed(), res.Review)
		}
		res = gradeBytes(t, mustLab(t, "tcp-echo", "message=turtleturtle?"), data)
		if res.Score != 8 {
			t.Errorf("a wrong message passed: score %v", res.Score)
		}
	})
	t.Run("editcap -s 80", func(t *testing.T) {
		if _, err := exec.LookPath("editcap"); err != nil {
			t.Skip("needs editcap (tshark): ", err)
		}
		// A long message, so that 80 bytes cut into the payload.
		out := filepath.Join(t.TempDir(), "cut.pcap")
		cmd := exec.Command("editcap", "-F", "pcap", "-s", "80", filepath.Join("testdata", "recorded", "tcp-echo-1mb-lo.pcap.gz"), out)
		if b, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("editcap: %v\n%s", err, b)
		}
		data, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		check(t, data)
	})
	t.Run("wrong echo past the cut is still caught where captured", func(t *testing.T) {
		data, err := os.ReadFile(filepath.Join("testdata", "recorded", "tcp-echo-snaplen80-lo.pcap"))
		if err != nil {
			t.Fatal(err)
		}
		// Frame 6 is the echo; its last captured byte is the frame's 80th.
		bad := append([]byte(nil), data...)
		bad[recordStart(t, bad, fixtures.PcapMicro, 6)+16+79] ^= 0x20
		res := gradeBytes(t, mustLab(t, "tcp-echo"), bad)
		if res.Score != 6 || !strings.Contains(res.Failed()[0].Message, "in frame 6 where the client sent") {
			t.Errorf("score %v, failed %+v; want the echo failed naming frame 6", res.Score, res.Failed())
		}
	})
}

// Issue 14, false verdict 3: a correct echo whose capture lost packets
// (turtle's 1 MB echo with four of the server's data frames deleted, as
// tcpdump's kernel drops do) is not blamed on the server: the holes are the
// capture's, counted by sequence numbers and flagged for review.
func TestCaptureHolesNotBlamedOnServer(t *testing.T) {
	full := readGz(t, filepath.Join("testdata", "recorded", "tcp-echo-1mb-lo.pcap.gz"))
	res := gradeBytes(t, mustLab(t, "tcp-echo"), full)
	if res.Score != 10 || len(res.Review) != 0 {
		t.Fatalf("full capture: score %v review %q", res.Score, res.Review)
	}
	lossy := readGz(t, filepath.Join("testdata", "recorded", "tcp-echo-1mb-dropped-lo.pcap.gz"))
	res = gradeBytes(t, mustLab(t, "tcp-echo"), lossy)
	if res.Score != 10 {
		t.Fatalf("score %v, failed %+v; want 10/10", res.Score, res.Failed())
	}
	want := "the capture misses 16384 bytes the server sent (3 holes, the first right before frame 15, acknowledged by the client): packets the capture dropped, not the server's fault; the echo was counted by sequence numbers"
	if len(res.Review) != 1 || res.Review[0] != want {
		t.Fatalf("review %q\nwant [%s]", res.Review, want)
	}
	// The frame numbers check out: frames 11 and 15 of the lossy file are
	// the server's, and 8192 bytes of sequence space lie between the end
	// of 11 and the start of 15 (the two deleted frames of 4096 bytes).
	frames, _ := readCapture(t, filepath.Join("testdata", "recorded", "tcp-echo-1mb-dropped-lo.pcap.gz"))
	seg := func(n int) (port uint16, seq uint32, size int) {
		f := frames[n-1]
		tcp := f[14+20:]
		return binary.BigEndian.Uint16(tcp), binary.BigEndian.Uint32(tcp[4:]), len(tcp) - int(tcp[12]>>4)*4
	}
	p11, s11, n11 := seg(11)
	p15, s15, _ := seg(15)
	if p11 != 12500 || p15 != 12500 || s15-(s11+uint32(n11)) != 8192 {
		t.Errorf("frames 11 and 15: ports %d, %d, hole %d bytes; want the server's, 8192", p11, p15, s15-(s11+uint32(n11)))
	}
	// The total: 16384 bytes are 4 deleted frames of 4096.
	full16 := readCaptureCount(t, filepath.Join("testdata", "recorded", "tcp-echo-1mb-lo.pcap.gz"))
	if full16-len(frames) != 4 {
		t.Errorf("%d frames deleted, want 4", full16-len(frames))
	}
}

func readCaptureCount(t *testing.T, path string) int {
	f, _ := readCapture(t, path)
	return len(f)
}

func readGz(t *testing.T, path string) []byte {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Issue 14, feedback a student understands: each case from the project's
// own recordings where a real capture can show it.
func TestFeedbackWording(t *testing.T) {
	firstFrames := func(path string, n int) []byte {
		frames, cis := readCapture(t, path)
		return writePcap(t, frames[:n], cis[:n])
	}
	t.Run("udp capture ends after the request", func(t *testing.T) {
		res := gradeBytes(t, mustLab(t, "udp-echo"), firstFrames(filepath.Join("..", "testdata", "udp-echo.pcap"), 1))
		expect(t, res, 4, map[string]string{"echo": "the capture ends in frame 1, right after the request: keep capturing until the client has its echo"})
	})
	t.Run("tcp capture ends after the request", func(t *testing.T) {
		// testdata/tcp-echo.pcap: handshake 1–3, the request in frame 4.
		res := gradeBytes(t, mustLab(t, "tcp-echo"), firstFrames(filepath.Join("..", "testdata", "tcp-echo.pcap"), 4))
		if got := res.Checks[2].Message; got != "the capture ends in frame 4, right after the request (frame 4): keep capturing until the client has its echo" {
			t.Errorf("echo: %s", got)
		}
	})
	t.Run("text export saved as .pcap", func(t *testing.T) {
		if _, err := exec.LookPath("tshark"); err != nil {
			t.Skip("needs tshark: ", err)
		}
		text, err := exec.Command("tshark", "-r", filepath.Join("..", "testdata", "udp-echo.pcap")).Output()
		if err != nil {
			t.Fatal(err)
		}
		res := gradeBytes(t, mustLab(t, "udp-echo"), text)
		if !strings.HasPrefix(res.Error, "the file is text, not a capture (a tshark or Wireshark text export?)") {
			t.Errorf("error %q", res.Error)
		}
	})
	t.Run("none of the lab's traffic, on another interface", func(t *testing.T) {
		// dumpcap on a veth in a namespace while its link came up
		// (scripts/record-grade-captures.sh): only IPv6 housekeeping.
		data, err := os.ReadFile(filepath.Join("testdata", "recorded", "veth-ipv6-only.pcapng"))
		if err != nil {
			t.Fatal(err)
		}
		res := gradeBytes(t, mustLab(t, "udp-echo"), data)
		want := "no datagram to port 10001; the capture has 14 frames on veth0, none of the lab's traffic: " +
			"6 IPv6 neighbour-discovery frames and 8 IPv6 multicast listener reports; capture on the interface the lab's traffic uses (lo for 127.0.0.1)"
		if res.Checks[0].Message != want {
			t.Errorf("got  %s\nwant %s", res.Checks[0].Message, want)
		}
	})
	t.Run("reply to the wrong port, refused", func(t *testing.T) {
		s := fixtures.NewSession(pcapio.LinkTypeEthernet)
		wrong := netip.AddrPortFrom(lo, 10002)
		s.UDP(0, client1, udpSrv, hello)
		s.UDP(time.Millisecond, udpSrv, wrong, hello)
		s.PortUnreachable(2*time.Millisecond, udpSrv, wrong, hello)
		res := gradeBytes(t, mustLab(t, "udp-echo"), s.Bytes(fixtures.PcapMicro))
		expect(t, res, 4, map[string]string{"echo": "the reply in frame 2 went to port 10002, not to the client's port 40001 (the request in frame 1 came from it); " +
			"the client's host answered ICMP port unreachable (frame 3): nothing listened there; reply to the address recvfrom() returned"})
	})
}

// Issue 14, partial credit: with [penalty] wrong_port, a correct echo on
// the wrong port is graded on the port it used, and the penalty taken off
// once, with the reason; without it, the checks fail as before.
func TestWrongPortPenalty(t *testing.T) {
	src, err := LabSource("tcp-echo")
	if err != nil {
		t.Fatal(err)
	}
	r, err := ParseRubric("lab.toml", append(src, "\n[penalty]\nwrong_port = 2\n"...))
	if err != nil {
		t.Fatal(err)
	}
	s := fixtures.NewSession(pcapio.LinkTypeEthernet)
	s.TCP(client1, netip.AddrPortFrom(lo, 12501), 1000, 2000).Echo(0, hello, 0)
	data := s.Bytes(fixtures.PcapMicro)
	res := gradeBytes(t, r, data)
	if res.Score != 8 || res.Penalty != 2 || len(res.Failed()) != 0 ||
		res.Notes[0] != "the traffic used port 12501, not the lab's 12500: graded on that port, 2 points off" {
		t.Errorf("score %v penalty %v failed %+v notes %q", res.Score, res.Penalty, res.Failed(), res.Notes)
	}
	if res := gradeBytes(t, mustLab(t, "tcp-echo"), data); res.Score != 0 {
		t.Errorf("without a penalty rule: score %v, want 0", res.Score)
	}
	if _, err := ParseRubric("lab.toml", append(src, "\n[penalty]\nwrong_port = 20\n"...)); err == nil ||
		!strings.Contains(err.Error(), "penalty.wrong_port 20: want a number from 0 to the rubric's 10 points") {
		t.Errorf("err %v", err)
	}
}

// The UDP lab cut by editcap -s 50 (turtle record's udp-echo.pcap keeps 8
// of its 12 payload bytes): the echo passes on what was captured and the
// grade is flagged for review.
func TestSnaplenCutUDPEcho(t *testing.T) {
	if _, err := exec.LookPath("editcap"); err != nil {
		t.Skip("needs editcap (tshark): ", err)
	}
	out := filepath.Join(t.TempDir(), "cut.pcap")
	if b, err := exec.Command("editcap", "-F", "pcap", "-s", "50", filepath.Join("..", "testdata", "udp-echo.pcap"), out).CombinedOutput(); err != nil {
		t.Fatalf("editcap: %v\n%s", err, b)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	res := gradeBytes(t, mustLab(t, "udp-echo"), data)
	want := "the capture keeps only the first 50 bytes of each frame (snapshot length): the echo of the datagram in frame 1 (12 bytes) was compared on the bytes captured, its length from the headers"
	if res.Score != 10 || len(res.Review) != 1 || res.Review[0] != want {
		t.Errorf("score %v review %q", res.Score, res.Review)
	}
}

// [penalty] wrong_address: the echo between other addresses than the
// rubric's is graded without them, the penalty taken off once.
func TestWrongAddressPenalty(t *testing.T) {
	src, err := LabSource("udp-echo")
	if err != nil {
		t.Fatal(err)
	}
	r, err := ParseRubric("lab.toml", append(src, "\n[penalty]\nwrong_address = 3\n"...))
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Set("server=10.0.0.1"); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join("..", "testdata", "udp-echo.pcap"))
	if err != nil {
		t.Fatal(err)
	}
	res := gradeBytes(t, r, data)
	if res.Score != 7 || res.Penalty != 3 || res.Notes[0] != "the traffic went between other addresses than the lab's: graded without them, 3 points off" {
		t.Errorf("score %v penalty %v notes %q failed %+v", res.Score, res.Penalty, res.Notes, res.Failed())
	}
}
