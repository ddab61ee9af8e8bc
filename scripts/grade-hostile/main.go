// Command grade-hostile writes the capture of issue 19 item 1 for
// scripts/bench-grade-memory.sh: -conns TCP connections each sending -size
// bytes never echoed, as a .pcap.gz (grade.WriteUnechoedFlood).
package main

import (
	"flag"
	"log"
	"os"

	"github.com/turtle-sniffer/turtle/grade"
)

func main() {
	conns := flag.Int("conns", 4096, "connections")
	size := flag.Int("size", 64<<10, "bytes each connection sends, never echoed")
	out := flag.String("o", "", "the .pcap.gz to write (required)")
	flag.Parse()
	if *out == "" {
		log.Fatal("grade-hostile: -o FILE is required")
	}
	f, err := os.Create(*out)
	if err != nil {
		log.Fatal(err)
	}
	if err := grade.WriteUnechoedFlood(f, *conns, *size); err != nil {
		log.Fatal(err)
	}
	if err := f.Close(); err != nil {
		log.Fatal(err)
	}
}
