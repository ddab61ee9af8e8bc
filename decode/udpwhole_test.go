package decode

import (
	"encoding/binary"
	"os"
	"testing"

	"github.com/turtle-sniffer/turtle/internal/testcorpus"
	"github.com/turtle-sniffer/turtle/pcapio"
)

// Issue 19 item 19: a UDP datagram captured whole is judged even when the
// IPv4 total length claims one byte more (ipv4_invalid_total_length.pcap
// frame 1, which tcpdump and tshark both call correct); a TCP segment in
// the same packet stays unverified, its checksum covering what the total
// length says.
func TestUDPJudgedWhenTotalLengthClaimsMore(t *testing.T) {
	udp := []byte{0x98, 0xb7, 0, 53, 0, 12, 0, 0, 'a', 'b', 'c', 'd'}
	ip := []byte{0x45, 0, 0, byte(20 + len(udp) + 1), 0xf1, 0xa6, 0, 0, 64, 17, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2}
	s := onesSum(ip[12:20], 17+uint64(len(udp)))
	binary.BigEndian.PutUint16(udp[6:], ^fold(onesSum(udp, s)))
	binary.BigEndian.PutUint16(ip[10:], ^fold(onesSum(ip, 0)))
	eth := []byte{0, 1, 2, 3, 4, 5, 0, 1, 2, 3, 4, 6, 8, 0}
	frame := append(append(append([]byte(nil), eth...), ip...), udp...)
	var p Packet
	p.Decode(pcapio.LinkTypeEthernet, frame)
	if p.IPv4.Missing != 1 || p.UDP.Checksum.Status != ChecksumGood {
		t.Errorf("UDP: missing %d, status %d, want 1 and good", p.IPv4.Missing, p.UDP.Checksum.Status)
	}
	udp[8] ^= 1 // now wrong, and said so
	frame = append(append(append([]byte(nil), eth...), ip...), udp...)
	p.Decode(pcapio.LinkTypeEthernet, frame)
	if p.UDP.Checksum.Status != ChecksumBad {
		t.Errorf("wrong UDP checksum: status %d, want bad", p.UDP.Checksum.Status)
	}
	// A UDP length beyond the capture still leaves it unverified.
	udp[5] = 40
	frame = append(append(append([]byte(nil), eth...), ip...), udp...)
	p.Decode(pcapio.LinkTypeEthernet, frame)
	if p.UDP.Checksum.Status != ChecksumUnverified {
		t.Errorf("UDP cut short: status %d, want unverified", p.UDP.Checksum.Status)
	}
	// TCP in a packet whose total length claims more: unverified.
	tcp := make([]byte, 20)
	tcp[12] = 5 << 4
	ip[9] = 6
	ip[3] = byte(20 + len(tcp) + 1)
	frame = append(append(append([]byte(nil), eth...), ip...), tcp...)
	p.Decode(pcapio.LinkTypeEthernet, frame)
	if p.Layers&LayerTCP == 0 || p.TCP.Checksum.Status != ChecksumUnverified {
		t.Errorf("TCP: status %d, want unverified", p.TCP.Checksum.Status)
	}

	f, err := os.Open(testcorpus.File(t, "ipv4_invalid_total_length.pcap"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r, err := pcapio.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	data, ci, err := r.ReadPacketData()
	if err != nil {
		t.Fatal(err)
	}
	p.Decode(ci.LinkType, data)
	if p.UDP.Checksum.Status != ChecksumGood {
		t.Errorf("ipv4_invalid_total_length.pcap frame 1: status %d, tcpdump and tshark say correct", p.UDP.Checksum.Status)
	}
}
