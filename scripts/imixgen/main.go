// Command imixgen writes a deterministic IMIX capture for benchmarks: the
// simple IMIX of 7:4:1 frames of 64, 594 and 1514 bytes (58.3%, 33.3% and
// 8.3%), Ethernet/IPv4 carrying TCP (70%), UDP (25%) and ICMP echo (5%)
// over 300 flows between 10.1.0.0/16 hosts, every checksum correct, 10 µs
// apart. The same flags always give the same bytes. It streams: memory
// stays flat whatever -n is.
//
// Usage:
//
//	go run ./scripts/imixgen -n 1000000 -o imix.pcap [-format pcap|pcapng]
package main

import (
	"bufio"
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"time"

	"github.com/turtle-sniffer/turtle/pcapio"
)

func main() {
	n := flag.Int("n", 1000000, "number of `FRAMES` to write")
	out := flag.String("o", "", "write the capture to `FILE` (- for standard output)")
	format := flag.String("format", "pcap", "capture format: pcap or pcapng")
	flag.Parse()
	if err := run(*n, *out, *format); err != nil {
		fmt.Fprintln(os.Stderr, "imixgen:", err)
		os.Exit(1)
	}
}

func run(n int, out, format string) error {
	if out == "" {
		return errors.New("-o FILE is required")
	}
	if n < 0 {
		return fmt.Errorf("-n %d: cannot be negative", n)
	}
	var w io.Writer = os.Stdout
	if out != "-" {
		f, err := os.Create(out)
		if err != nil {
			return err
		}
		defer f.Close()
		w = f
	}
	bw := bufio.NewWriterSize(w, 1<<20)
	var pw pcapio.PacketWriter
	var err error
	switch format {
	case "pcap":
		pw, err = pcapio.NewPcapWriter(bw, pcapio.PcapOptions{LinkType: pcapio.LinkTypeEthernet, Snaplen: 65535})
	case "pcapng":
		pw, err = pcapio.NewNgWriter(bw, pcapio.NgOptions{Application: "turtle imixgen",
			Interfaces: []pcapio.Interface{{Name: "imix0", LinkType: pcapio.LinkTypeEthernet, Snaplen: 65535}}})
	default:
		return fmt.Errorf("-format %q: want pcap or pcapng", format)
	}
	if err != nil {
		return err
	}
	if err := generate(pw, n); err != nil {
		return fmt.Errorf("write %s: %w", out, err)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write %s: %w", out, err)
	}
	if c, ok := w.(io.Closer); ok && out != "-" {
		return c.Close()
	}
	return nil
}

const nflows = 300

// flow is one conversation; seq holds each direction's next TCP sequence
// number.
type flow struct {
	proto      uint8 // 1, 6 or 17
	a, b       [4]byte
	macA, macB [6]byte
	pa, pb     uint16
	seq        [2]uint32
	icmpSeq    uint16
}

func generate(pw pcapio.PacketWriter, n int) error {
	rng := rand.New(rand.NewPCG(2026, 1))
	flows := make([]flow, nflows)
	for i := range flows {
		f := &flows[i]
		switch r := rng.IntN(100); {
		case r < 70:
			f.proto = 6
		case r < 95:
			f.proto = 17
		default:
			f.proto = 1
		}
		f.a = [4]byte{10, 1, byte(i >> 8), byte(i)}
		f.b = [4]byte{10, 1, 200 + byte(rng.IntN(50)), byte(1 + rng.IntN(250))}
		f.macA = [6]byte{0x02, 0, 0, 0, byte(i >> 8), byte(i)}
		f.macB = [6]byte{0x02, 0, 0, 1, f.b[2], f.b[3]}
		f.pa = uint16(32768 + rng.IntN(28000))
		f.pb = [...]uint16{80, 443, 9000, 8080, 5201, 22, 123, 3306}[rng.IntN(8)]
		f.seq = [2]uint32{rng.Uint32(), rng.Uint32()}
	}
	// A fixed block of payload bytes, sliced at varying offsets.
	pattern := make([]byte, 4096)
	for i := range pattern {
		pattern[i] = byte(rng.IntN(256))
	}
	frame := make([]byte, 1514)
	ts := time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
	for i := range n {
		size := 64
		switch r := rng.IntN(12); {
		case r >= 11:
			size = 1514
		case r >= 7:
			size = 594
		}
		f := &flows[rng.IntN(nflows)]
		dir := rng.IntN(2)
		b := frame[:size]
		build(b, f, dir, pattern[rng.IntN(len(pattern)-1514):])
		ts = ts.Add(10*time.Microsecond + time.Duration(rng.IntN(1000))*time.Nanosecond)
		if err := pw.WritePacket(pcapio.CaptureInfo{Timestamp: ts, CaptureLength: size, Length: size}, b); err != nil {
			return fmt.Errorf("frame %d: %w", i+1, err)
		}
	}
	return nil
}

// build fills b (its whole length) with one frame of flow f in direction
// dir: Ethernet, IPv4, then TCP, UDP or ICMP with the payload from pattern.
func build(b []byte, f *flow, dir int, pattern []byte) {
	src, dst, smac, dmac, sport, dport := f.a, f.b, f.macA, f.macB, f.pa, f.pb
	if dir == 1 {
		src, dst, smac, dmac, sport, dport = f.b, f.a, f.macB, f.macA, f.pb, f.pa
	}
	copy(b[0:6], dmac[:])
	copy(b[6:12], smac[:])
	binary.BigEndian.PutUint16(b[12:14], 0x0800)
	ip := b[14:]
	ip[0], ip[1] = 0x45, 0
	binary.BigEndian.PutUint16(ip[2:4], uint16(len(ip)))
	binary.BigEndian.PutUint16(ip[4:6], uint16(f.seq[0]))
	binary.BigEndian.PutUint16(ip[6:8], 0x4000)
	ip[8], ip[9] = 64, f.proto
	ip[10], ip[11] = 0, 0
	copy(ip[12:16], src[:])
	copy(ip[16:20], dst[:])
	binary.BigEndian.PutUint16(ip[10:12], checksum(ip[:20], 0))
	l4 := ip[20:]
	switch f.proto {
	case 6:
		payload := l4[20:]
		copy(payload, pattern)
		binary.BigEndian.PutUint16(l4[0:2], sport)
		binary.BigEndian.PutUint16(l4[2:4], dport)
		binary.BigEndian.PutUint32(l4[4:8], f.seq[dir])
		binary.BigEndian.PutUint32(l4[8:12], f.seq[1-dir])
		l4[12], l4[13] = 5<<4, 0x18 // PSH ACK
		binary.BigEndian.PutUint16(l4[14:16], 64240)
		l4[16], l4[17], l4[18], l4[19] = 0, 0, 0, 0
		binary.BigEndian.PutUint16(l4[16:18], checksum(l4, pseudo(src, dst, 6, len(l4))))
		f.seq[dir] += uint32(len(payload))
	case 17:
		copy(l4[8:], pattern)
		binary.BigEndian.PutUint16(l4[0:2], sport)
		binary.BigEndian.PutUint16(l4[2:4], dport)
		binary.BigEndian.PutUint16(l4[4:6], uint16(len(l4)))
		l4[6], l4[7] = 0, 0
		sum := checksum(l4, pseudo(src, dst, 17, len(l4)))
		if sum == 0 {
			sum = 0xffff
		}
		binary.BigEndian.PutUint16(l4[6:8], sum)
	default:
		copy(l4[8:], pattern)
		l4[0], l4[1], l4[2], l4[3] = 8, 0, 0, 0 // echo request
		if dir == 1 {
			l4[0] = 0 // echo reply
		}
		binary.BigEndian.PutUint16(l4[4:6], f.pa)
		binary.BigEndian.PutUint16(l4[6:8], f.icmpSeq)
		f.icmpSeq++
		binary.BigEndian.PutUint16(l4[2:4], checksum(l4, 0))
	}
}

func pseudo(src, dst [4]byte, proto uint8, n int) uint32 {
	return uint32(binary.BigEndian.Uint16(src[0:2])) + uint32(binary.BigEndian.Uint16(src[2:4])) +
		uint32(binary.BigEndian.Uint16(dst[0:2])) + uint32(binary.BigEndian.Uint16(dst[2:4])) +
		uint32(proto) + uint32(n)
}

// checksum is the Internet checksum (RFC 1071) of b plus an initial sum.
func checksum(b []byte, s uint32) uint16 {
	sum := uint64(s)
	for len(b) >= 2 {
		sum += uint64(binary.BigEndian.Uint16(b))
		b = b[2:]
	}
	if len(b) == 1 {
		sum += uint64(b[0]) << 8
	}
	for sum>>16 != 0 {
		sum = sum&0xffff + sum>>16
	}
	return ^uint16(sum)
}
