//go:build linux

package live_test

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/turtle-sniffer/turtle/live"
	"github.com/turtle-sniffer/turtle/live/livetest"
	"github.com/turtle-sniffer/turtle/pcapio"
)

// record runs a Recorder on h and returns the frames it handed over.
func record(t *testing.T, ctx context.Context, r *live.Recorder) [][]byte {
	t.Helper()
	var got [][]byte
	r.Frame = func(data []byte, ci pcapio.CaptureInfo) (bool, error) {
		got = append(got, bytes.Clone(data))
		return false, nil
	}
	if err := r.Run(ctx); err != nil {
		t.Fatal(err)
	}
	if r.Frames() != len(got) {
		t.Errorf("Frames() = %d, handed over %d", r.Frames(), len(got))
	}
	return got
}

// TestRecorderDrainsOnStop sends frames and ends the context at once:
// the kernel captured them before the stop, and the drain reads them from
// the ring's block (handed over up to 20 ms later) instead of losing them.
func TestRecorderDrainsOnStop(t *testing.T) {
	livetest.RequireRoot(t)
	a, b := livetest.Pair(t)
	h := open(t, b, "b0", nil)
	frames := livetest.KnownFrames(t)
	a.SendFrames(t, "a0", frames...)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	got := record(t, ctx, &live.Recorder{H: h, Drain: live.DefaultDrain})
	if len(got) != len(frames) {
		t.Fatalf("%d frames recorded after the stop, want the %d captured before it", len(got), len(frames))
	}
	for i := range frames {
		if !bytes.Equal(got[i], frames[i]) {
			t.Errorf("frame %d:\n got % x\nwant % x", i+1, got[i], frames[i])
		}
	}
}

// TestRecorderStops checks the other ends of a run: a count, a frame
// that says stop, a timeout seen at a tick, and a handle stopped from
// elsewhere.
func TestRecorderStops(t *testing.T) {
	livetest.RequireRoot(t)
	a, b := livetest.Pair(t)
	frames := livetest.KnownFrames(t)
	ctx := context.Background()

	h := open(t, b, "b0", nil)
	a.SendFrames(t, "a0", frames...)
	if got := record(t, ctx, &live.Recorder{H: h, Count: 2}); len(got) != 2 {
		t.Errorf("Count 2: %d frames", len(got))
	}

	h = open(t, b, "b0", nil)
	a.SendFrames(t, "a0", frames...)
	r := &live.Recorder{H: h, Frame: func([]byte, pcapio.CaptureInfo) (bool, error) { return true, nil }}
	if err := r.Run(ctx); err != nil || r.Frames() != 1 {
		t.Errorf("a frame saying stop: %v after %d frames", err, r.Frames())
	}

	h = open(t, b, "b0", nil)
	ticks := 0
	r = &live.Recorder{H: h, Every: 10 * time.Millisecond, Timeout: 50 * time.Millisecond,
		Tick: func(time.Time) (bool, error) { ticks++; return false, nil }}
	if got := record(t, ctx, r); len(got) != 0 || ticks == 0 {
		t.Errorf("timeout: %d frames, %d ticks; want 0 frames and ticks", len(got), ticks)
	}

	h = open(t, b, "b0", nil)
	h.Stop()
	if got := record(t, ctx, &live.Recorder{H: h}); len(got) != 0 {
		t.Errorf("stopped handle: %d frames", len(got))
	}
}
