package pcapio

import (
	"bufio"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// benchPackets is the size of the benchmark files: 1,000,000 packets of 40
// to 200 bytes (about 135 MB as pcap, 150 MB as pcapng), written once per
// process into $PCAPIO_BENCH_DIR when set (scripts/bench-pcapio.sh keeps
// them there to time cat on the same files) or else into a temporary
// directory that TestMain removes.
const benchPackets = 1_000_000

var bench struct {
	once     sync.Once
	dir, tmp string
	pcap, ng string
	err      error
}

func TestMain(m *testing.M) {
	code := m.Run()
	if bench.tmp != "" {
		os.RemoveAll(bench.tmp)
	}
	os.Exit(code)
}

// benchFile returns the path of the pcap (ng false) or pcapng benchmark file.
func benchFile(b *testing.B, ng bool) string {
	bench.once.Do(func() {
		bench.dir = os.Getenv("PCAPIO_BENCH_DIR")
		if bench.dir == "" {
			bench.tmp, bench.err = os.MkdirTemp("", "pcapio-bench")
			bench.dir = bench.tmp
		}
		bench.pcap = filepath.Join(bench.dir, "bench.pcap")
		bench.ng = filepath.Join(bench.dir, "bench.pcapng")
		if bench.err == nil {
			bench.err = writeBenchFile(bench.pcap, false)
		}
		if bench.err == nil {
			bench.err = writeBenchFile(bench.ng, true)
		}
	})
	if bench.err != nil {
		b.Fatal(bench.err)
	}
	if ng {
		return bench.ng
	}
	return bench.pcap
}

func writeBenchFile(path string, ng bool) error {
	if st, err := os.Stat(path); err == nil && st.Size() > 0 {
		return nil // kept from an earlier run
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(f, 1<<20)
	var w PacketWriter
	if ng {
		w, err = NewNgWriter(bw, NgOptions{Interfaces: []Interface{{Name: "eth0", LinkType: LinkTypeEthernet, TsResolution: ResolutionNano}}})
	} else {
		w, err = NewPcapWriter(bw, PcapOptions{LinkType: LinkTypeEthernet, Nanosecond: true})
	}
	if err != nil {
		f.Close()
		return err
	}
	rng := rand.New(rand.NewPCG(1, 2))
	data := make([]byte, 200)
	for i := range data {
		data[i] = byte(rng.Uint32())
	}
	ts := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range benchPackets {
		n := 40 + rng.IntN(161)
		ts = ts.Add(time.Duration(rng.IntN(100_000)))
		dir := Direction(i % 3)
		if err := w.WritePacket(CaptureInfo{Timestamp: ts, Length: n, Direction: dir}, data[:n]); err != nil {
			f.Close()
			return err
		}
	}
	if err := bw.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// benchRead reads packets with the zero-copy path, starting over at the end
// of the file; one op is one packet.
func benchRead(b *testing.B, path string) {
	f, err := os.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	r, err := NewReader(f)
	if err != nil {
		b.Fatal(err)
	}
	var bytes int64
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		data, _, err := r.ZeroCopyReadPacketData()
		if err == io.EOF {
			b.StopTimer()
			f.Seek(0, io.SeekStart)
			if r, err = NewReader(f); err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
			data, _, err = r.ZeroCopyReadPacketData()
		}
		if err != nil {
			b.Fatal(err)
		}
		bytes += int64(len(data))
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N), "ns/packet")
	b.ReportMetric(float64(bytes)/float64(b.N), "bytes/packet")
}

func BenchmarkReadPcap(b *testing.B)   { benchRead(b, benchFile(b, false)) }
func BenchmarkReadPcapNG(b *testing.B) { benchRead(b, benchFile(b, true)) }
