//go:build linux

package live_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/turtle-sniffer/turtle/decode"
	"github.com/turtle-sniffer/turtle/live"
	"github.com/turtle-sniffer/turtle/live/livetest"
	"github.com/turtle-sniffer/turtle/pcapio"
)

// memWriter keeps what a Tee writes, and counts flushes.
type memWriter struct {
	frames  [][]byte
	flushes int
}

func (m *memWriter) WritePacket(ci pcapio.CaptureInfo, data []byte) error {
	m.frames = append(m.frames, bytes.Clone(data))
	return nil
}

func (m *memWriter) Flush() error { m.flushes++; return nil }

// A Tee writes every frame, prints it numbered from 1 through the
// printer, and its Flush empties both.
func TestTee(t *testing.T) {
	livetest.RequireRoot(t)
	a, b := livetest.Pair(t)
	frames := livetest.KnownFrames(t)
	h := open(t, b, "b0", nil)
	a.SendFrames(t, "a0", frames...)
	var text bytes.Buffer
	w := &memWriter{}
	f, err := decode.NewFormat("summary")
	if err != nil {
		t.Fatal(err)
	}
	tee := &live.Tee{H: h, Print: &decode.Printer{Format: f, W: &text}, Write: w}
	if err, werr := tee.Run(context.Background(), len(frames)); err != nil || werr != nil {
		t.Fatal(err, werr)
	}
	if tee.Frames() != len(frames) || len(w.frames) != len(frames) || w.flushes == 0 {
		t.Fatalf("%d frames read, %d written, %d flushes; want %d and a flush", tee.Frames(), len(w.frames), w.flushes, len(frames))
	}
	for i := range frames {
		if !bytes.Equal(w.frames[i], frames[i]) {
			t.Errorf("frame %d written as % x, want % x", i+1, w.frames[i], frames[i])
		}
	}
	if lines := strings.Count(text.String(), "\n"); lines != len(frames) {
		t.Errorf("%d lines printed for %d frames:\n%s", lines, len(frames), text.String())
	}

	// Nothing to print or write: the frames are still counted.
	h = open(t, b, "b0", nil)
	a.SendFrames(t, "a0", frames...)
	tee = &live.Tee{H: h}
	if err, werr := tee.Run(context.Background(), 2); err != nil || werr != nil || tee.Frames() != 2 {
		t.Errorf("bare tee: %v, %d frames", err, tee.Frames())
	}
	var end bytes.Buffer
	tee.WriteEnd(&end, true)
	if got := end.String(); got != "turtle> Bye.\n2 packets captured, 0 dropped by kernel\n" {
		t.Errorf("end %q", got)
	}
}
