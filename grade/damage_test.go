package grade

import (
	"encoding/binary"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/turtle-sniffer/turtle/internal/fixtures"
	"github.com/turtle-sniffer/turtle/pcapio"
)

// A capture cut inside its last record is graded on the frames before the
// cut, with a note saying so; here the FIN exchange is lost.
func TestTruncatedCaptureGradedOnWhatIsRead(t *testing.T) {
	s := fixtures.NewSession(pcapio.LinkTypeEthernet)
	tcpGood(s) // 10 frames; 8 to 10 are the close
	for _, enc := range []fixtures.Encoding{fixtures.PcapMicro, fixtures.PcapNG} {
		t.Run(string(enc), func(t *testing.T) {
			data := s.Bytes(enc)
			cut := data[:recordStart(t, data, enc, 8)+20]
			res := gradeBytes(t, mustLab(t, "tcp-echo"), cut)
			expect(t, res, 8, map[string]string{
				"close": "the capture ends before the connection from port 40001 closes (its last segment is frame 7)",
			})
			if len(res.Notes) != 1 || !strings.HasPrefix(res.Notes[0], "the capture is cut short after frame 7 (truncated: ") ||
				!strings.HasSuffix(res.Notes[0], "): graded on the 7 frames before") {
				t.Errorf("notes %q, want one saying the capture is cut short after frame 7", res.Notes)
			}
		})
	}
}

// recordStart returns the byte offset of frame n (1-based) in a file
// written by fixtures.
func recordStart(t *testing.T, data []byte, enc fixtures.Encoding, n int) int {
	t.Helper()
	if enc == fixtures.PcapMicro {
		off := 24
		for i := 1; i < n; i++ {
			off += 16 + int(binary.LittleEndian.Uint32(data[off+8:]))
		}
		return off
	}
	off, pkt := 0, 0
	for off+8 <= len(data) {
		typ := binary.LittleEndian.Uint32(data[off:])
		if typ == 6 {
			pkt++
			if pkt == n {
				return off
			}
		}
		off += int(binary.LittleEndian.Uint32(data[off+4:]))
	}
	t.Fatalf("no frame %d", n)
	return 0
}

func TestUnreadableCaptureScoresZeroWithTheError(t *testing.T) {
	r := mustLab(t, "udp-echo")
	for _, tc := range []struct {
		data []byte
		err  string
	}{
		{[]byte("Hello, this is my capture"), "the file is text, not a capture (a tshark or Wireshark text export?): save the capture itself, as pcapng (Wireshark: File → Save As; tshark or tcpdump: -w FILE)"},
		{[]byte("\x00\x01\x02\x03 binary junk"), "invalid: not a capture file (magic 0x00010203)"},
		{nil, "the file is empty: the capture was not saved (stop the capture with Ctrl-C, or save it in Wireshark, before handing it in)"},
		{[]byte{0xd4, 0xc3, 0xb2, 0xa1, 2, 0}, "truncated: file header needs 24 bytes, file ends after 6"},
	} {
		res := gradeBytes(t, r, tc.data)
		if res.Error != tc.err || res.Score != 0 || len(res.Checks) != 2 || res.Checks[0].Passed {
			t.Errorf("got error %q score %v checks %+v, want error %q and every check failed", res.Error, res.Score, res.Checks, tc.err)
		}
	}
}

// One bad file never stops the batch, and a missing one is graded 0 too.
func TestBatchSurvivesBadFiles(t *testing.T) {
	dir := t.TempDir()
	good := fixtures.NewSession(pcapio.LinkTypeEthernet)
	udpGood(good)
	writeFile(t, filepath.Join(dir, "a.pcap"), []byte("not a capture"))
	writeFile(t, filepath.Join(dir, "b.pcap"), good.Bytes(fixtures.PcapMicro))
	subs := []Submission{
		{Student: "a", Files: []string{filepath.Join(dir, "a.pcap")}},
		{Student: "b", Files: []string{filepath.Join(dir, "b.pcap")}},
		{Student: "c", Files: []string{filepath.Join(dir, "c.pcap")}},
	}
	res, err := Grade(mustLab(t, "udp-echo"), subs, Options{Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	got := []string{}
	for _, r := range res {
		got = append(got, r.Student+" "+score(r.Score)+" "+r.Error)
	}
	want := []string{"a 0 the file is text, not a capture (a tshark or Wireshark text export?): save the capture itself, as pcapng (Wireshark: File → Save As; tshark or tcpdump: -w FILE)", "b 10 ", "c 0 open: no such file or directory"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("got %q, want %q", got, want)
	}
}

func writeFile(t *testing.T, path string, data []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// A student with several captures gets the best one, and a note naming
// the others.
func TestBestOfSeveralCaptures(t *testing.T) {
	dir := t.TempDir()
	bad := fixtures.NewSession(pcapio.LinkTypeEthernet)
	bad.UDP(0, client1, udpSrv, hello)
	good := fixtures.NewSession(pcapio.LinkTypeEthernet)
	udpGood(good)
	writeFile(t, filepath.Join(dir, "try1.pcap"), bad.Bytes(fixtures.PcapMicro))
	writeFile(t, filepath.Join(dir, "try2.pcap"), good.Bytes(fixtures.PcapMicro))
	writeFile(t, filepath.Join(dir, "notes.pcap"), []byte("x"))
	files := []string{filepath.Join(dir, "notes.pcap"), filepath.Join(dir, "try1.pcap"), filepath.Join(dir, "try2.pcap")}
	res, err := Grade(mustLab(t, "udp-echo"), []Submission{{Student: "s", Files: files}}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := "3 captures: graded " + files[2] + "; also " + files[0] + " (unreadable) " + files[1] + " (4/10)"
	if res[0].Score != 10 || len(res[0].Notes) == 0 || res[0].Notes[0] != want {
		t.Errorf("score %v notes %q, want 10 and %q", res[0].Score, res[0].Notes, want)
	}
}

// Loopback captures carry TCP and UDP checksums left to the NIC: not
// errors. A received packet with a wrong checksum, and an ICMP message
// with a wrong one anywhere, are warnings.
func TestChecksums(t *testing.T) {
	a := netip.MustParseAddr("10.0.0.1")
	b := netip.MustParseAddr("10.0.0.2")
	cli, srv := netip.AddrPortFrom(a, 40001), netip.AddrPortFrom(b, 12500)
	s := fixtures.NewSession(pcapio.LinkTypeEthernet)
	s.TCP(cli, srv, 1, 2).Echo(0, hello, 0)
	data := s.Bytes(fixtures.PcapMicro)
	r := mustLab(t, "tcp-echo")
	res := gradeBytes(t, r, data)
	expect(t, res, 10, nil)
	if len(res.Warnings) != 0 {
		t.Errorf("warnings on correct checksums: %q", res.Warnings)
	}

	// Frame 6 is the server's echo, received by the client: break its TCP
	// checksum (Ethernet 14 + IPv4 20 + offset 16).
	bad := append([]byte(nil), data...)
	bad[recordStart(t, bad, fixtures.PcapMicro, 6)+16+14+20+16] ^= 0x5a
	res = gradeBytes(t, r, bad)
	want := []string{"bad TCP checksum in received frame 6 (not offload: the packets came in from the network)"}
	if strings.Join(res.Warnings, "|") != strings.Join(want, "|") {
		t.Errorf("warnings %q, want %q", res.Warnings, want)
	}

	// On loopback the same damage is what offload looks like: no warning;
	// a broken ICMP checksum still is one (a raw-socket ping's bug).
	s = fixtures.NewSession(pcapio.LinkTypeEthernet)
	tcpGood(s)
	s.ICMPEcho(time.Second, lo, lo, false, 7, 1, hello)
	data = s.Bytes(fixtures.PcapMicro)
	data[recordStart(t, data, fixtures.PcapMicro, 6)+16+14+20+16] ^= 0x5a
	data[recordStart(t, data, fixtures.PcapMicro, 11)+16+14+20+2] ^= 0x5a
	res = gradeBytes(t, r, data)
	want = []string{"bad ICMP checksum in frame 11: the receiver drops these packets"}
	if strings.Join(res.Warnings, "|") != strings.Join(want, "|") {
		t.Errorf("warnings %q, want %q", res.Warnings, want)
	}
}

// Copies: the same capture under two names, a pcap saved again as pcapng,
// and a capture whose payloads were edited but whose timestamps were not,
// are flagged; students who did the lab themselves are not.
func TestCopyDetection(t *testing.T) {
	dir := t.TempDir()
	lab := func(seed int) *fixtures.Session {
		s := fixtures.NewSession(pcapio.LinkTypeEthernet)
		s.Start = fixtures.Epoch.Add(time.Duration(seed) * 7919 * time.Microsecond)
		fixtures.TCPEchoLab(s, seed, 3, hello, time.Second, true, false)
		return s
	}
	alice := lab(1).Bytes(fixtures.PcapMicro)
	dave := lab(4)
	// erin edited dave's payloads: other bytes, the same timestamps.
	erin := fixtures.NewSession(pcapio.LinkTypeEthernet)
	fixtures.TCPEchoLab(erin, 4, 3, []byte("HELLO TURTLE\n"), time.Second, true, false)
	erin.Start = dave.Start
	files := map[string][]byte{
		"alice": alice,
		"bob":   lab(2).Bytes(fixtures.PcapMicro),
		"carol": alice,
		"dave":  dave.Bytes(fixtures.PcapMicro),
		"erin":  erin.Bytes(fixtures.PcapNano),
		"frank": dave.Bytes(fixtures.PcapNG),
		"gina":  lab(7).Bytes(fixtures.PcapMicro),
	}
	var subs []Submission
	for _, name := range []string{"alice", "bob", "carol", "dave", "erin", "frank", "gina"} {
		path := filepath.Join(dir, name+".pcap")
		writeFile(t, path, files[name])
		subs = append(subs, Submission{Student: name, Files: []string{path}})
	}
	res, err := Grade(mustLab(t, "tcp-concurrent"), subs, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range res {
		for _, c := range r.Copies {
			got = append(got, r.Student+"~"+c.Student+": "+c.Evidence)
		}
	}
	want := []string{
		"alice~carol: all 30 frames identical",
		"carol~alice: all 30 frames identical",
		"dave~erin: 24 of 30 frames identical; all 30 frames with identical MAC addresses and timestamps",
		"dave~frank: all 30 frames identical",
		"erin~dave: 24 of 30 frames identical; all 30 frames with identical MAC addresses and timestamps",
		"erin~frank: 24 of 30 frames identical; all 30 frames with identical MAC addresses and timestamps",
		"frank~dave: all 30 frames identical",
		"frank~erin: 24 of 30 frames identical; all 30 frames with identical MAC addresses and timestamps",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("copies:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
