package replay_test

import (
	"context"
	"io"
	"runtime"
	"testing"

	"github.com/turtle-sniffer/turtle/internal/fixtures"
	"github.com/turtle-sniffer/turtle/pcapio"
	"github.com/turtle-sniffer/turtle/replay"
)

// countSender sends nowhere and counts.
type countSender struct{ n, bytes int }

func (c *countSender) Send(b []byte) error { c.n++; c.bytes += len(b); return nil }
func (c *countSender) SendBatch(fs [][]byte) (int, error) {
	for _, b := range fs {
		c.Send(b)
	}
	return len(fs), nil
}

// imixStream is an Input whose capture of n IMIX frames (about 300 bytes
// each on average) is written as it is read, so that no file holds it.
func imixStream(t *testing.T, n int) replay.Input {
	return replay.Input{Name: "imix", Open: func() (io.ReadCloser, error) {
		pr, pw := io.Pipe()
		go func() {
			w, err := pcapio.NewPcapWriter(pw, pcapio.PcapOptions{LinkType: pcapio.LinkTypeEthernet})
			g := fixtures.NewIMIX()
			for i := 0; i < n && err == nil; i++ {
				b, ts := g.Next()
				err = w.WritePacket(pcapio.CaptureInfo{Timestamp: ts, CaptureLength: len(b), Length: len(b)}, b)
			}
			pw.CloseWithError(err)
		}()
		return pr, nil
	}}
}

// Replaying streams: 18 MB of capture through Run leave the heap as it
// was (the frames are read in place; --topspeed copies one batch).
func TestReplayStreamsInBoundedMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("streams 18 MB")
	}
	const frames = 50_000
	for _, opt := range []replay.Options{{TopSpeed: true}, {PPS: 1e9}} {
		var s countSender
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		st, err := replay.Run(context.Background(), &s, []replay.Input{imixStream(t, frames)}, opt)
		if err != nil || st.Sent != frames || s.n != frames {
			t.Fatalf("%+v: %v, %+v", opt, err, st)
		}
		runtime.ReadMemStats(&after)
		// HeapInuse after the run, before any GC: every byte Run kept or
		// left for the collector. The capture is about 18 MB.
		if grown := int64(after.HeapInuse) - int64(before.HeapInuse); grown > 6<<20 {
			t.Errorf("%+v: heap grew by %d bytes over a %d-byte capture", opt, grown, s.bytes)
		}
		t.Logf("%+v: %d bytes sent, heap in use %d → %d", opt, s.bytes, before.HeapInuse, after.HeapInuse)
	}
}
