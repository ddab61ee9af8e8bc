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
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/turtle-sniffer/turtle/internal/fixtures"
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
	g := fixtures.NewIMIX()
	for i := range n {
		b, ts := g.Next()
		if err := pw.WritePacket(pcapio.CaptureInfo{Timestamp: ts, CaptureLength: len(b), Length: len(b)}, b); err != nil {
			return fmt.Errorf("write %s: frame %d: %w", out, i+1, err)
		}
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write %s: %w", out, err)
	}
	if c, ok := w.(io.Closer); ok && out != "-" {
		return c.Close()
	}
	return nil
}
