package capture

import (
	"bufio"
	"bytes"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/turtle-sniffer/turtle/pcapio"
)

func TestProgressLine(t *testing.T) {
	var buf bytes.Buffer
	if NewProgress(&buf, false) != nil {
		t.Fatal("progress drawn when off")
	}
	p := &Progress{w: &buf}
	p.begin("big\x1b.pcap", strings.NewReader(""))
	p.size, p.bytes, p.n = 8_000_000, 5_000_000, 1234
	p.tick() // not yet due
	if buf.Len() != 0 {
		t.Fatalf("drawn before it was due: %q", buf.String())
	}
	p.next = time.Time{}
	p.tick()
	if got := buf.String(); !strings.HasPrefix(got, "\r\x1b[Kturtle read: big\\x1b.pcap  1234 frames  5.0 of 8.0 MB (62%)  ") || !strings.HasSuffix(got, " MB/s") {
		t.Errorf("line %q", got)
	}
	buf.Reset()
	p.End()
	if buf.String() != "\r\x1b[K" {
		t.Errorf("not erased: %q", buf.String())
	}
	// Small captures get no line.
	buf.Reset()
	p.begin("small.pcap", strings.NewReader(""))
	p.bytes, p.next = 100_000, time.Time{}
	p.tick()
	p.End()
	if buf.Len() != 0 {
		t.Errorf("small capture drew %q", buf.String())
	}
	var none *Progress
	none.End() // no line, nothing to erase
}

// A big regular file keeps the mapped read with a progress line: the
// bytes are where the reader stands in the file, not counted by a
// wrapper that would hide the file from pcapio.
func TestProgressMappedFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "big.pcap")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	bw := bufio.NewWriter(f)
	w, err := pcapio.NewPcapWriter(bw, pcapio.PcapOptions{LinkType: pcapio.LinkTypeEthernet})
	if err != nil {
		t.Fatal(err)
	}
	frame := make([]byte, 1000)
	const frames = 6000 // 6 MB, over progressMin
	for i := range frames {
		ci := pcapio.CaptureInfo{Timestamp: time.Unix(int64(i), 0).UTC(), CaptureLength: len(frame), Length: len(frame)}
		if err := w.WritePacket(ci, frame); err != nil {
			t.Fatal(err)
		}
	}
	if err := bw.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	for _, mapped := range []bool{true, false} {
		progressFile(t, path, frames, mapped)
	}
}

// halfWay is the line half way through: exact when mapped, up to a read
// buffer (256 KiB) ahead when the file is read.
var halfWay = regexp.MustCompile(`big\.pcap  3000 frames  3\.[01] of 6\.1 MB \(5[01]%\)  `)

// progressFile reads the capture at path, mapped or not, and checks the
// progress line half way and at the end.
func progressFile(t *testing.T, path string, frames int, mapped bool) {
	var buf bytes.Buffer
	p := &Progress{w: &buf}
	src, err := Open(path, nil, Options{Mapped: mapped, Progress: p})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	_, got := src.Reader().MappedRead()
	if want := mapped && runtime.GOOS != "windows"; got != want {
		t.Fatalf("mapped %v with a progress line, want %v", got, want)
	}
	// The first half in runs where the file gives them (as the parallel
	// printer reads): they count as frames too.
	var lens []uint32
	inRuns := 0
	for read := 0; read < frames/2; {
		run, w := src.PinRun(lens, frames/2-read, 1<<30)
		lens = run.Lens()
		if run.Len() > 0 {
			w.Release()
			read += run.Len()
			inRuns += run.Len()
			continue
		}
		if _, _, err := src.ZeroCopyReadPacketData(); err != nil {
			t.Fatal(err)
		}
		read++
	}
	if got && inRuns == 0 {
		t.Error("a mapped file gave no runs with a progress line on")
	}
	p.next = time.Time{}
	p.tick()
	if got := buf.String(); !halfWay.MatchString(got) {
		t.Errorf("half way: %q", got)
	}
	for {
		if _, _, err := src.ZeroCopyReadPacketData(); err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
	}
	buf.Reset()
	p.next = time.Time{}
	p.tick()
	if got := buf.String(); !strings.Contains(got, "big.pcap  6000 frames  6.1 of 6.1 MB (100%)") {
		t.Errorf("at the end: %q", got)
	}
	p.End()
}
