//go:build linux

package golden_test

import (
	"compress/gzip"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/turtle-sniffer/turtle/golden"
	"github.com/turtle-sniffer/turtle/internal/fixtures"
	"github.com/turtle-sniffer/turtle/pcapio"
)

// bombFrames and bombFrameLen make a capture of about 40 MB that gzip
// squeezes into a few hundred kilobytes: the same 1,514-byte frame over
// and over.
const (
	bombFrames   = 26_000
	bombFrameLen = 1514
)

// writeBomb writes the gzip-compressed capture to path.
func writeBomb(t *testing.T, path string) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zw, _ := gzip.NewWriterLevel(f, gzip.BestSpeed)
	pw, err := pcapio.NewPcapWriter(zw, pcapio.PcapOptions{LinkType: pcapio.LinkTypeEthernet})
	if err != nil {
		t.Fatal(err)
	}
	frame := make([]byte, bombFrameLen)
	copy(frame, fixtures.EthernetBranches()[0].Data)
	for i := range bombFrames {
		if err := pw.WritePacket(pcapio.CaptureInfo{Timestamp: fixtures.Timestamp(i), Length: len(frame)}, frame); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
}

// Issue 19 item 2: golden check streams. A small .pcap.gz that expands to
// some 40 MB of capture (about 200 MB of turtle text), checked against a
// golden that holds none of it, is checked in flat memory, containers
// included: the peak RSS of a process that does only that stays under a
// bound far below the size of the text. (Before, the whole text and every
// packet were held: over 600 MB.)
func TestGoldenCheckMemoryIsFlat(t *testing.T) {
	if os.Getenv("TURTLE_GOLDEN_BOMB") != "" {
		m, err := golden.ParseManifest(os.Getenv("TURTLE_GOLDEN_BOMB"))
		if err != nil {
			fmt.Println(err)
			os.Exit(3)
		}
		results, err := golden.Check(context.Background(), m, golden.Options{Containers: true, Parallel: 1})
		if err != nil {
			fmt.Println(err)
			os.Exit(3)
		}
		r := results[0]
		if r.Err != nil || len(r.Diffs) != 1 || r.Diffs[0].Changed != bombFrames || r.Diffs[0].Got != bombFrames || r.Diffs[0].Index != 1 {
			fmt.Printf("unexpected result: %v %+v\n", r.Err, r.Diffs)
			os.Exit(4)
		}
		os.Exit(0)
	}
	if testing.Short() || raceEnabled {
		t.Skip("-short or -race: builds and checks a 40 MB capture and measures memory")
	}
	dir := t.TempDir()
	writeBomb(t, filepath.Join(dir, "bomb.pcap.gz"))
	if err := os.WriteFile(filepath.Join(dir, "bomb.golden"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	list := filepath.Join(dir, "golden.list")
	if err := os.WriteFile(list, []byte("bomb bomb.pcap.gz bomb.golden\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestGoldenCheckMemoryIsFlat$")
	cmd.Env = append(os.Environ(), "TURTLE_GOLDEN_BOMB="+list, "GOMAXPROCS=2")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("check in a subprocess: %v\n%s", err, out)
	}
	peak := cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss // KiB on Linux
	t.Logf("peak RSS of golden check --containers over %d frames: %d MB", bombFrames, peak>>10)
	if limit := int64(100 << 10); peak > limit {
		t.Errorf("peak RSS %d MB, want under %d MB: the check holds the text or the packets", peak>>10, limit>>10)
	}
}
