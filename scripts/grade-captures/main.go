// Command grade-captures forges a class of tcp-echo lab captures for
// scripts/bench-grade.sh: -n students, each a capture of about -size bytes
// of classroom traffic (TCP echo connections with messages split into
// Ethernet-sized segments, UDP echoes and pings), every student's ports,
// sequence numbers and timestamps different, as real captures are.
package main

import (
	"flag"
	"fmt"
	"log"
	"net/netip"
	"os"
	"path/filepath"
	"time"

	"github.com/turtle-sniffer/turtle/internal/fixtures"
	"github.com/turtle-sniffer/turtle/pcapio"
)

func main() {
	n := flag.Int("n", 200, "captures to write")
	size := flag.Int("size", 1<<20, "approximate bytes per capture")
	out := flag.String("o", "", "directory to write them to (required)")
	flag.Parse()
	if *out == "" {
		log.Fatal("grade-captures: -o DIR is required")
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		log.Fatal(err)
	}
	for i := 0; i < *n; i++ {
		data := student(i, *size)
		path := filepath.Join(*out, fmt.Sprintf("student%03d.pcap", i))
		if err := os.WriteFile(path, data, 0o644); err != nil {
			log.Fatal(err)
		}
	}
}

// student forges one capture of about size bytes.
func student(seed, size int) []byte {
	s := fixtures.NewSession(pcapio.LinkTypeEthernet)
	s.Start = fixtures.Epoch.Add(time.Duration(seed) * time.Minute)
	msg := make([]byte, 3000)
	for i := range msg {
		msg[i] = byte('a' + (i+seed)%26)
	}
	lo := fixtures.Localhost
	// Each round: one TCP echo of 3000 bytes in 1448-byte segments, one
	// UDP echo and one ping: about 7.6 KB of pcap.
	rounds := size / 7640
	at := time.Duration(0)
	for i := 0; i < rounds; i++ {
		client := fixtures.ClientPort(seed, i)
		c := s.TCP(client, fixtures.TCPServer, uint32(seed*7777+i*104729), uint32(seed*3331+i*65537))
		c.Handshake(at)
		c.Send(at+100*time.Microsecond, true, msg, 1448)
		c.Send(at+2*time.Millisecond, false, msg, 1448)
		c.Close(at+3*time.Millisecond, true)
		u := netip.AddrPortFrom(lo, client.Port()+1)
		s.UDP(at+4*time.Millisecond, u, fixtures.UDPServer, msg[:64])
		s.UDP(at+4*time.Millisecond+50*time.Microsecond, fixtures.UDPServer, u, msg[:64])
		s.ICMPEcho(at+5*time.Millisecond, lo, lo, false, uint16(seed), uint16(i), msg[:56])
		s.ICMPEcho(at+5*time.Millisecond+20*time.Microsecond, lo, lo, true, uint16(seed), uint16(i), msg[:56])
		at += 10 * time.Millisecond
	}
	return s.Bytes(fixtures.PcapMicro)
}
