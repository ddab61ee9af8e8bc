package live

import (
	"context"
	"errors"
	"os"
	"time"

	"github.com/turtle-sniffer/turtle/pcapio"
)

// DefaultDrain is how long a Recorder goes on reading after its context
// ends (Ctrl-C): frames the kernel captured before it may wait in the
// ring a little longer (AF_PACKET hands a block over at the latest 20 ms
// after its first frame), and stopping at once would lose them.
const DefaultDrain = 100 * time.Millisecond

// Recorder is the one live capture loop of turtle: sniff, grade --live,
// record and grade --program read their handle through it. It reads h's
// frames and hands each to Frame, calls Tick at least every Every while
// frames come in or not, and stops on the first of: ctx done (after
// Drain), Count frames, Timeout, Frame or Tick saying stop, or an error.
//
// Opening the handle (with its filter, see Config.Filter), the file the
// frames go to (capture.CreateStream) and dropping privileges
// (DropPrivileges) are the caller's, in that order, between Open and Run:
// the handle and the file are open before privileges go, and privileges
// are gone before any frame is read. The file's writer is the caller's
// too, in Frame: sniff writes classic pcap, grade --live pcapng that
// starts with the first frame's interface, record and grade --program
// keep frames in memory.
type Recorder struct {
	H *Handle
	// Frame gets each frame with its capture info; data is valid only
	// during the call (it lies in the kernel's ring). stop ends the run
	// after this frame; an error ends it with that error.
	Frame func(data []byte, ci pcapio.CaptureInfo) (stop bool, err error)
	// Tick runs every Every at most a little late, from Run's goroutine:
	// where buffers are flushed and checks judged. Every 0 means no Tick.
	Tick  func(now time.Time) (stop bool, err error)
	Every time.Duration
	// Count stops the run after that many frames; 0 means no limit.
	Count int
	// Timeout stops the run once it has lasted that long (seen at a
	// Tick, so Every must be set); 0 means never.
	Timeout time.Duration
	// Drain is how long reading goes on once ctx is done; 0 stops at once.
	Drain time.Duration

	n int
}

// checkEvery is how many frames pass between two looks at the clock
// while frames keep coming (the read deadline then never fires): reading
// the clock each frame costs a tenth of the loop.
const checkEvery = 16

// Frames is the number of frames Run has handed to Frame.
func (r *Recorder) Frames() int { return r.n }

// Run reads until one of the stops in Recorder's doc. A handle stopped
// from elsewhere (Handle.Stop) ends it too, without an error. Run does
// not close the handle.
func (r *Recorder) Run(ctx context.Context) error {
	done := make(chan struct{})
	watched := make(chan struct{})
	defer func() { close(done); <-watched }()
	go func() {
		defer close(watched)
		select {
		case <-ctx.Done():
			if r.Drain > 0 {
				select {
				case <-time.After(r.Drain):
				case <-done:
				}
			}
			r.H.Stop()
		case <-done:
		}
	}()

	start := time.Now()
	var next, end time.Time
	if r.Every > 0 {
		next = start.Add(r.Every)
		r.H.SetReadDeadline(next)
		if r.Timeout > 0 {
			end = start.Add(r.Timeout)
		}
	}
	for r.Count == 0 || r.n < r.Count {
		data, ci, err := r.H.ZeroCopyReadPacketData()
		switch {
		case err == nil:
			r.n++
			stop, err := r.Frame(data, ci)
			if stop || err != nil {
				return err
			}
			if r.Every == 0 || r.n%checkEvery != 0 {
				continue
			}
		case errors.Is(err, ErrStopped):
			return nil
		case errors.Is(err, os.ErrDeadlineExceeded) && r.Every > 0:
		default:
			return err
		}
		now := time.Now()
		if now.Before(next) {
			continue
		}
		next = now.Add(r.Every)
		r.H.SetReadDeadline(next)
		if r.Tick != nil {
			if stop, err := r.Tick(now); stop || err != nil {
				return err
			}
		}
		if !end.IsZero() && now.After(end) {
			return nil
		}
	}
	return nil
}
