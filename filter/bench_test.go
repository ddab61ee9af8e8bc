package filter

import (
	"bytes"
	"os"
	"strconv"
	"testing"

	"github.com/gopacket/gopacket/pcapgo"
	"golang.org/x/net/bpf"
)

// benchExprs are typical capture filters.
var benchExprs = []string{
	"tcp port 80",
	"host 10.1.0.7 and tcp port 443",
	"udp port 53 or icmp",
	"tcp[tcpflags] & tcp-syn != 0",
	"net 10.1.0.0/16 and not port 22",
	"ip6 or arp",
	"portrange 1-1023 and greater 500",
}

// benchFrames returns the frames to filter: the first FILTER_BENCH_FRAMES
// (default 4096) of the capture named by FILTER_BENCH_CAPTURE (e.g. the
// IMIX capture of scripts/imixgen), else an IMIX-like mix of forged
// Ethernet frames (7:4:1 frames of 64, 594 and 1514 bytes; TCP, UDP, ICMP
// and some IPv6/ARP). The default sample stays in the CPU caches, as a
// frame the reader has just read does; a large one measures memory
// latency instead (about 50-90 ns more per frame on a 75 MB sample).
func benchFrames(b *testing.B) []testPacket {
	if name := os.Getenv("FILTER_BENCH_CAPTURE"); name != "" {
		raw, err := os.ReadFile(name)
		if err != nil {
			b.Fatal(err)
		}
		r, err := pcapgo.NewReader(bytes.NewReader(raw))
		if err != nil {
			b.Fatal(err)
		}
		limit := 4096
		if v, err := strconv.Atoi(os.Getenv("FILTER_BENCH_FRAMES")); err == nil && v > 0 {
			limit = v
		}
		var out []testPacket
		for len(out) < limit {
			data, ci, err := r.ReadPacketData()
			if err != nil {
				break
			}
			out = append(out, testPacket{"", data, ci.Length})
		}
		return out
	}
	var base [][]byte
	for _, p := range forgedPackets(eth) {
		if len(p.data) >= 42 {
			base = append(base, p.data)
		}
	}
	var out []testPacket
	sizes := []int{64, 64, 64, 64, 64, 64, 64, 594, 594, 594, 594, 1514}
	for i := 0; i < 1200; i++ {
		d := append([]byte(nil), base[(i*7)%len(base)]...)
		if n := sizes[i%len(sizes)]; len(d) < n {
			d = append(d, make([]byte, n-len(d))...)
		}
		out = append(out, testPacket{"", d, len(d)})
	}
	return out
}

// BenchmarkMatches is the offline cost of filtering one frame (ns/op is
// ns/frame).
func BenchmarkMatches(b *testing.B) {
	frames := benchFrames(b)
	for _, e := range benchExprs {
		f, err := New(e, eth, 262144)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(e, func(b *testing.B) {
			b.ReportAllocs()
			n := 0
			for i := 0; i < b.N; i++ {
				p := &frames[i%len(frames)]
				if f.Matches(p.data, p.wire) {
					n++
				}
			}
			_ = n
		})
	}
}

// BenchmarkXNetVM is the same with golang.org/x/net/bpf's VM, for
// comparison (it is why this package has its own interpreter).
func BenchmarkXNetVM(b *testing.B) {
	frames := benchFrames(b)
	for _, e := range benchExprs {
		prog, err := Compile(e, eth, 262144)
		if err != nil {
			b.Fatal(err)
		}
		vm, err := bpf.NewVM(prog)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(e, func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				vm.Run(frames[i%len(frames)].data)
			}
		})
	}
}

// BenchmarkCompile is the cost of compiling an expression.
func BenchmarkCompile(b *testing.B) {
	exprs := append(append([]string(nil), benchExprs...),
		"(tcp and port 80) or (udp and port 53) or (icmp and icmp[icmptype] = icmp-echo) or (ip6 and tcp[tcpflags] & tcp-syn != 0)",
		"host 10.0.0.1 or host 10.0.0.2 or host 10.0.0.3 or host 10.0.0.4 or host 10.0.0.5 or host 10.0.0.6 or host 10.0.0.7 or host 10.0.0.8")
	for _, e := range exprs {
		b.Run(e, func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				if _, err := Compile(e, eth, 262144); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
