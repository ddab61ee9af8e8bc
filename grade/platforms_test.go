package grade

import (
	"bytes"
	"encoding/binary"
	"net/netip"
	"testing"
	"time"

	"github.com/turtle-sniffer/turtle/internal/fixtures"
	"github.com/turtle-sniffer/turtle/pcapio"
)

// Captures made on the class's own machines grade as Linux ones do: one
// test each for what Windows and macOS write (README: "Windows").

// Wireshark on Windows, capturing on Npcap's loopback adapter, writes
// pcapng with LINKTYPE_NULL frames whose family is 2 (IPv4) or 24 (Npcap's
// AF_INET6), on the interface \Device\NPF_Loopback.
func TestNpcapLoopbackPcapng(t *testing.T) {
	for _, tc := range []struct {
		lab   string
		build func(*fixtures.Session)
	}{
		{"udp-echo", udpGood},
		{"tcp-echo", tcpGood},
		{"udp-echo", func(s *fixtures.Session) {
			s.UDP(0, v6(client1), v6(udpSrv), hello)
			s.UDP(80*time.Microsecond, v6(udpSrv), v6(client1), hello)
		}},
		{"tcp-echo", func(s *fixtures.Session) { s.TCP(v6(client1), v6(tcpSrv), 1000, 900000).Echo(0, hello, 0) }},
	} {
		s := fixtures.NewSession(pcapio.LinkTypeNull)
		s.Family6, s.IfName = 24, `\Device\NPF_Loopback`
		tc.build(s)
		data := s.Bytes(fixtures.PcapNG)
		if !bytes.Contains(data, []byte(`\Device\NPF_Loopback`)) {
			t.Fatal("the interface name is not in the capture")
		}
		r := mustLab(t, tc.lab)
		res := gradeBytes(t, r, data)
		expect(t, res, r.MaxScore(), nil)
		if len(res.Warnings) > 0 {
			t.Errorf("%s: warnings %q", tc.lab, res.Warnings)
		}
	}
}

// tcpdump or Wireshark on macOS's lo0 writes LINKTYPE_NULL with AF_INET6 =
// 30 for IPv6, in classic pcap.
func TestMacOSLoopbackPcap(t *testing.T) {
	s := fixtures.NewSession(pcapio.LinkTypeNull)
	s.TCP(v6(client1), v6(tcpSrv), 1000, 900000).Echo(0, hello, 0)
	data := s.Bytes(fixtures.PcapMicro)
	if !bytes.Contains(data, []byte{30, 0, 0, 0, 0x60}) {
		t.Fatal("no AF_INET6 = 30 header before an IPv6 packet")
	}
	r := mustLab(t, "tcp-echo")
	res := gradeBytes(t, r, data)
	expect(t, res, r.MaxScore(), nil)
}

// Wireshark's "pcap (nanosecond)" and tcpdump's --time-stamp-precision=nano
// write classic pcap with the nanosecond magic: the concurrency lab, which
// judges timing, grades it as microsecond pcap.
func TestNanosecondPcap(t *testing.T) {
	for _, iterative := range []bool{false, true} {
		lab := map[bool]string{false: "tcp-concurrent", true: "tcp-iterative"}[iterative]
		s := fixtures.NewSession(pcapio.LinkTypeEthernet)
		fixtures.TCPEchoLab(s, 1, 3, hello, 2*time.Second, true, iterative)
		data := s.Bytes(fixtures.PcapNano)
		if binary.LittleEndian.Uint32(data) != 0xa1b23c4d {
			t.Fatalf("magic %#x, want the nanosecond one", binary.LittleEndian.Uint32(data))
		}
		r := mustLab(t, lab)
		expect(t, gradeBytes(t, r, data), r.MaxScore(), nil)
	}
}

// A Windows (or macOS) machine that captures its own traffic on a real
// NIC records the TCP checksums of what it sends before the NIC fills
// them in (checksum offload): the field holds the pseudo-header's sum,
// "incorrect, maybe caused by TCP checksum offload" in Wireshark; right on
// the wire. No warning, full marks.
func TestChecksumOffloadOnEthernet(t *testing.T) {
	cli := netip.AddrPortFrom(netip.MustParseAddr("10.0.0.1"), 40001)
	srv := netip.AddrPortFrom(netip.MustParseAddr("10.0.0.2"), tcpSrv.Port())
	s := fixtures.NewSession(pcapio.LinkTypeEthernet)
	s.TCP(cli, srv, 1, 2).Echo(0, hello, 0)
	data := s.Bytes(fixtures.PcapMicro)
	sent := 0
	for n := 1; ; n++ {
		off := recordStart(t, data, fixtures.PcapMicro, n)
		if off >= len(data) {
			break
		}
		frame := data[off+16:]
		if bytes.Equal(frame[6:12], s.ClientMAC) { // sent by the capturing host
			ip := frame[14:]
			tcpLen := int(binary.BigEndian.Uint16(ip[2:])) - 20
			sum := uint32(6 + tcpLen)
			for i := 12; i < 20; i += 2 {
				sum += uint32(binary.BigEndian.Uint16(ip[i:]))
			}
			for sum > 0xffff {
				sum = sum&0xffff + sum>>16
			}
			binary.BigEndian.PutUint16(ip[20+16:], uint16(sum))
			sent++
		}
	}
	if sent < 4 {
		t.Fatalf("%d frames sent by the client", sent)
	}
	r := mustLab(t, "tcp-echo")
	res := gradeBytes(t, r, data)
	expect(t, res, r.MaxScore(), nil)
	if len(res.Warnings) > 0 {
		t.Errorf("warnings on offloaded checksums of sent frames: %q", res.Warnings)
	}
}
