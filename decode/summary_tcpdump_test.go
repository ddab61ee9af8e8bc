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

// dnsMsg is a DNS message: a header with the given flags and one question
// (example.com, type A or SOA) and, for a response, an empty authority
// section count.
func dnsMsg(id, flags uint16, qtype uint16, ns uint16) []byte {
	m := binary.BigEndian.AppendUint16(nil, id)
	m = binary.BigEndian.AppendUint16(m, flags)
	m = binary.BigEndian.AppendUint16(m, 1)
	m = binary.BigEndian.AppendUint16(m, 0)
	m = binary.BigEndian.AppendUint16(m, ns)
	m = binary.BigEndian.AppendUint16(m, 0)
	m = append(m, "\x07example\x03com\x00"...)
	m = binary.BigEndian.AppendUint16(m, qtype)
	m = binary.BigEndian.AppendUint16(m, 1)
	if ns > 0 { // an SOA-less authority record: a NULL record at the root
		m = append(m, 0, 0, 10, 0, 1, 0, 0, 0, 60, 0, 0)
	}
	return m
}

// summaryFrames are Ethernet frames whose summary lines issue 25 found
// disagreeing with tcpdump's: ICMPv6 cut by the snaplen inside its first 8
// bytes, DNS flags, DNS over TCP. wire gives each frame's wire length.
func summaryFrames() (frames [][]byte, wire []int) {
	eth := func(typ uint16) []byte {
		return binary.BigEndian.AppendUint16([]byte{0, 1, 2, 3, 4, 5, 0, 1, 2, 3, 4, 6}, typ)
	}
	ipv4 := func(proto byte, payload []byte) []byte {
		ip := []byte{0x45, 0, 0, 0, 0, 1, 0x40, 0, 64, proto, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2}
		binary.BigEndian.PutUint16(ip[2:], uint16(20+len(payload)))
		binary.BigEndian.PutUint16(ip[10:], ^fold(onesSum(ip, 0)))
		return append(append(eth(0x0800), ip...), payload...)
	}
	udp := func(sport, dport uint16, data []byte) []byte {
		u := binary.BigEndian.AppendUint16(nil, sport)
		u = binary.BigEndian.AppendUint16(u, dport)
		u = binary.BigEndian.AppendUint16(u, uint16(8+len(data)))
		return append(append(u, 0, 0), data...)
	}
	add := func(f []byte, cut int) {
		wire = append(wire, len(f))
		if cut > 0 {
			f = f[:cut]
		}
		frames = append(frames, f)
	}
	// ICMPv6 router solicitation with a 40-byte option area, cut 6 bytes in.
	rs := append([]byte{133, 0, 0, 0, 0, 0, 0, 0}, make([]byte, 40)...)
	ip6 := []byte{0x60, 0, 0, 0, 0, byte(len(rs)), 58, 255}
	ip6 = append(ip6, []byte{0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}...)
	ip6 = append(ip6, []byte{0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2}...)
	add(append(append(eth(0x86dd), ip6...), rs...), 14+40+6)
	// DNS: NXDomain, authoritative, recursion available.
	add(ipv4(17, udp(53, 40000, dnsMsg(58748, 0x8483, 1, 1))), 0)
	// Recursion not available, truncated, authenticated, ServFail.
	add(ipv4(17, udp(53, 40000, dnsMsg(4660, 0x8222, 1, 0))), 0)
	// A query with recursion desired and checking disabled; an UPDATE.
	add(ipv4(17, udp(40000, 53, dnsMsg(4661, 0x0110, 1, 0))), 0)
	add(ipv4(17, udp(40000, 53, dnsMsg(4662, 0x2800, 6, 0))), 0)
	// DNS over TCP: a 2-byte length, then the query.
	q := dnsMsg(17177, 0x0100, 1, 0)
	tcp := make([]byte, 20)
	binary.BigEndian.PutUint16(tcp[0:], 33779)
	binary.BigEndian.PutUint16(tcp[2:], 53)
	binary.BigEndian.PutUint32(tcp[4:], 1000)
	binary.BigEndian.PutUint32(tcp[8:], 5000)
	tcp[12], tcp[13] = 5<<4, 0x18
	binary.BigEndian.PutUint16(tcp[14:], 502)
	tcp = binary.BigEndian.AppendUint16(tcp, uint16(len(q)))
	add(ipv4(6, append(tcp, q...)), 0)
	return frames, wire
}

// Issue 25 items 6 and 7: the ICMPv6 length of a cut message is the one its
// IPv6 header gives, DNS flags come in tcpdump's order, and DNS over TCP
// follows "length N" without a colon, as tcpdump 4.99 prints them.
func TestSummaryAgreesWithTcpdumpOnCutICMPv6AndDNS(t *testing.T) {
	frames, wire := summaryFrames()
	want := []string{
		"IP6 2001:db8::1 > ff02::2: ICMP6, router solicitation, length 48",
		"IP 10.0.0.1.53 > 10.0.0.2.40000: 58748 NXDomain* 0/1/0 (40)",
		"IP 10.0.0.1.53 > 10.0.0.2.40000: 4660 ServFail-|$ 0/0/0 (29)",
		"IP 10.0.0.1.40000 > 10.0.0.2.53: 4661+% A? example.com. (29)",
		"IP 10.0.0.1.40000 > 10.0.0.2.53: 4662 update SOA? example.com. (29)",
		"IP 10.0.0.1.33779 > 10.0.0.2.53: Flags [P.], seq 1000:1031, ack 5000, win 502, length 31 17177+ A? example.com. (29)",
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
	if _, err := exec.LookPath("tcpdump"); err != nil {
		t.Skip("needs tcpdump to compare with: ", err)
	}
	path := filepath.Join(t.TempDir(), "summary.pcap")
	var buf bytes.Buffer
	pw, err := pcapio.NewPcapWriter(&buf, pcapio.PcapOptions{LinkType: pcapio.LinkTypeEthernet})
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
	if len(lines) != len(text) {
		t.Fatalf("tcpdump printed %d lines for %d frames:\n%s", len(lines), len(text), out)
	}
	for i, l := range lines {
		if _, rest, ok := strings.Cut(l, " "); ok && rest != text[i] {
			t.Errorf("frame %d: tcpdump says\n%s\nturtle says\n%s", i+1, rest, text[i])
		}
	}
}
