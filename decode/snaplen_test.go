package decode

import (
	"bytes"
	"encoding/binary"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/turtle-sniffer/turtle/pcapio"
)

// cutFrames are Ethernet frames of a TCP segment of 4,075 bytes of data, a
// UDP datagram of 1,000 and an ICMP echo of 1,400, each as a snapshot
// length of 149 leaves it; wire gives each frame's length on the wire.
func cutFrames() (frames [][]byte, wire []int) {
	ipv4 := func(proto byte, payload int) []byte {
		ip := []byte{0x45, 0, 0, 0, 0, 1, 0x40, 0, 64, proto, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2}
		binary.BigEndian.PutUint16(ip[2:], uint16(20+payload))
		binary.BigEndian.PutUint16(ip[10:], ^fold(onesSum(ip, 0)))
		return ip
	}
	eth := []byte{0, 1, 2, 3, 4, 5, 0, 1, 2, 3, 4, 6, 8, 0}
	add := func(proto byte, l4 []byte, data int) {
		f := append(append(append([]byte(nil), eth...), ipv4(proto, len(l4)+data)...), l4...)
		w := len(f) + data
		f = append(f, bytes.Repeat([]byte{'x'}, data)...)
		frames = append(frames, f[:149])
		wire = append(wire, w)
	}
	tcp := make([]byte, 20)
	binary.BigEndian.PutUint16(tcp[0:], 51000)
	binary.BigEndian.PutUint16(tcp[2:], 12500)
	binary.BigEndian.PutUint32(tcp[4:], 1000)
	binary.BigEndian.PutUint32(tcp[8:], 5000)
	tcp[12], tcp[13] = 5<<4, 0x18 // PSH ACK
	binary.BigEndian.PutUint16(tcp[14:], 502)
	add(6, tcp, 4075)
	udp := []byte{0x9c, 0x40, 0x27, 0x11, 0, 0, 0, 0}
	binary.BigEndian.PutUint16(udp[4:], 8+1000)
	add(17, udp, 1000)
	add(1, []byte{8, 0, 0, 0, 0, 1, 0, 7}, 1400)
	return frames, wire
}

// Issue 19 item 18: on frames cut by the snapshot length, the summary's
// lengths and sequence range come from the headers, as tcpdump's do.
func TestSummaryLengthsOfCutFrames(t *testing.T) {
	frames, wire := cutFrames()
	want := []string{
		"IP 10.0.0.1.51000 > 10.0.0.2.12500: Flags [P.], seq 1000:5075, ack 5000, win 502, length 4075",
		"IP 10.0.0.1.40000 > 10.0.0.2.10001: UDP, length 1000",
		"IP 10.0.0.1 > 10.0.0.2: ICMP echo request, id 1, seq 7, length 1408",
	}
	var s Summary
	var text []string
	for i, f := range frames {
		line := string(s.AppendFrame(nil, &pcapio.Frame{Number: i + 1, Data: f, Info: pcapio.CaptureInfo{
			Timestamp: time.Unix(0, 0), CaptureLength: len(f), Length: wire[i], LinkType: pcapio.LinkTypeEthernet}}))
		line = strings.TrimSuffix(line[len("00:00:00.000000000 "):], "\n")
		text = append(text, line)
		if line != want[i] {
			t.Errorf("frame %d:\n got %s\nwant %s", i+1, line, want[i])
		}
	}

	// tcpdump says the same of the same file.
	if _, err := exec.LookPath("tcpdump"); err != nil {
		t.Skip("needs tcpdump to compare with: ", err)
	}
	path := filepath.Join(t.TempDir(), "cut.pcap")
	var buf bytes.Buffer
	pw, err := pcapio.NewPcapWriter(&buf, pcapio.PcapOptions{LinkType: pcapio.LinkTypeEthernet, Snaplen: 149})
	if err != nil {
		t.Fatal(err)
	}
	for i, f := range frames {
		if err := pw.WritePacket(pcapio.CaptureInfo{Timestamp: time.Unix(0, 0), Length: wire[i]}, f); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("tcpdump", "-nn", "-S", "-r", path).Output()
	if err != nil {
		t.Fatalf("tcpdump: %v", err)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	for i, l := range lines {
		if _, rest, ok := strings.Cut(l, " "); ok && i < len(text) && rest != text[i] {
			t.Errorf("frame %d: tcpdump says\n%s\nturtle says\n%s", i+1, rest, text[i])
		}
	}
}
