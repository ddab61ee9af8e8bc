package grade

import (
	"compress/gzip"
	"io"
	"net/netip"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"

	"github.com/turtle-sniffer/turtle/pcapio"
)

// WriteUnechoedFlood writes, gzip'd, the capture of issue 19 item 1: conns
// TCP connections to port 12500 on loopback, each sending size bytes the
// server never echoes. It streams (one frame in memory at a time), so tests
// and scripts/bench-grade-memory.sh can make a capture of any size: it is
// the input that once made one capture take half a gigabyte to grade.
func WriteUnechoedFlood(w io.Writer, conns, size int) error {
	zw, _ := gzip.NewWriterLevel(w, gzip.BestSpeed)
	pw, err := pcapio.NewPcapWriter(zw, pcapio.PcapOptions{LinkType: pcapio.LinkTypeEthernet})
	if err != nil {
		return err
	}
	lo := netip.MustParseAddr("127.0.0.1").AsSlice()
	payload := make([]byte, 65483)
	for i := range payload {
		payload[i] = byte('a' + i%26)
	}
	buf := gopacket.NewSerializeBuffer()
	at := time.Date(2026, 12, 3, 0, 0, 0, 0, time.UTC)
	frame := func(sport, dport uint16, seq, ack uint32, syn, isAck bool, data []byte) error {
		eth := &layers.Ethernet{SrcMAC: make([]byte, 6), DstMAC: make([]byte, 6), EthernetType: layers.EthernetTypeIPv4}
		ip := &layers.IPv4{Version: 4, TTL: 64, Protocol: layers.IPProtocolTCP, SrcIP: lo, DstIP: lo}
		tcp := &layers.TCP{SrcPort: layers.TCPPort(sport), DstPort: layers.TCPPort(dport), Seq: seq, Ack: ack,
			SYN: syn, ACK: isAck, PSH: len(data) > 0, Window: 65535}
		tcp.SetNetworkLayerForChecksum(ip)
		if err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true},
			eth, ip, tcp, gopacket.Payload(data)); err != nil {
			return err
		}
		at = at.Add(10 * time.Microsecond)
		b := buf.Bytes()
		return pw.WritePacket(pcapio.CaptureInfo{Timestamp: at, CaptureLength: len(b), Length: len(b)}, b)
	}
	for i := 0; i < conns; i++ {
		cport := uint16(20000 + i%40000)
		cisn, sisn := uint32(i)*7919, uint32(i)*104729
		if err := frame(cport, 12500, cisn, 0, true, false, nil); err != nil {
			return err
		}
		if err := frame(12500, cport, sisn, cisn+1, true, true, nil); err != nil {
			return err
		}
		if err := frame(cport, 12500, cisn+1, sisn+1, false, true, nil); err != nil {
			return err
		}
		for off := 0; off < size; off += len(payload) {
			n := min(len(payload), size-off)
			if err := frame(cport, 12500, cisn+1+uint32(off), sisn+1, false, true, payload[:n]); err != nil {
				return err
			}
		}
	}
	return zw.Close()
}
