// Command synflows writes a capture of N TCP SYNs, each opening a
// conversation of its own (10.x.y.z:port to 10.0.0.1:80, a new source
// for every frame): the worst case for turtle split --by flow, which
// measures its memory and its file limit on it.
//
// Usage:
//
//	go run ./scripts/synflows -n 1000000 -o syn.pcap
//	/usr/bin/time -v turtle split --by flow -o 'out/f-{n}.pcap' syn.pcap
package main

import (
	"bufio"
	"encoding/binary"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/turtle-sniffer/turtle/pcapio"
)

func main() {
	n := flag.Int("n", 1000000, "number of `SYNS` (conversations) to write")
	out := flag.String("o", "", "write the capture to `FILE`")
	flag.Parse()
	if err := run(*n, *out); err != nil {
		fmt.Fprintln(os.Stderr, "synflows:", err)
		os.Exit(1)
	}
}

func run(n int, out string) error {
	if out == "" {
		return fmt.Errorf("-o FILE is required")
	}
	f, err := os.Create(out)
	if err != nil {
		return err
	}
	bw := bufio.NewWriter(f)
	pw, err := pcapio.NewPcapWriter(bw, pcapio.PcapOptions{LinkType: pcapio.LinkTypeEthernet, Snaplen: 65535})
	if err != nil {
		return err
	}
	frame := make([]byte, 54)
	copy(frame, []byte{2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2, 0x08, 0x00})
	ip := frame[14:34]
	ip[0], ip[3], ip[8], ip[9] = 0x45, 40, 64, 6
	copy(ip[16:], []byte{10, 0, 0, 1})
	tcp := frame[34:]
	binary.BigEndian.PutUint16(tcp[2:], 80)
	tcp[12], tcp[13] = 5<<4, 0x02 // SYN
	binary.BigEndian.PutUint16(tcp[14:], 64240)
	t0 := time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
	for i := 0; i < n; i++ {
		host := uint32(i/50000) + 1
		ip[12], ip[13], ip[14], ip[15] = 10, byte(host>>16), byte(host>>8), byte(host)
		binary.BigEndian.PutUint16(tcp[0:], uint16(10000+i%50000))
		binary.BigEndian.PutUint32(tcp[4:], uint32(i))
		ip[10], ip[11] = 0, 0
		var sum uint32
		for j := 0; j < 20; j += 2 {
			sum += uint32(binary.BigEndian.Uint16(ip[j:]))
		}
		for sum > 0xffff {
			sum = sum&0xffff + sum>>16
		}
		binary.BigEndian.PutUint16(ip[10:], ^uint16(sum))
		if err := pw.WritePacket(pcapio.CaptureInfo{Timestamp: t0.Add(time.Duration(i) * time.Microsecond)}, frame); err != nil {
			return err
		}
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	return f.Close()
}
