package replay

import (
	"context"
	"math"
	"time"
)

// spinBelow is how close to a frame's time the pacer stops sleeping and
// spins on the clock: Go's timers wake up to about a millisecond late on
// Linux (time.Sleep(50µs) measured 1.05 ms at the median, 1.12 ms at the
// 90th percentile on the 2-core CI machine), which at --pps 10000 is ten
// frames' worth. Sleeping until 2 ms before and spinning the rest keeps
// each frame within a few microseconds of its time, and the schedule is
// absolute (first frame's time plus i/pps, or plus its capture time
// offset), so lateness never accumulates.
const spinBelow = 2 * time.Millisecond

// spinLast is how long before a frame's time the pacer stops a fine sleep
// (nanosleep, where there is one) and spins: a woken thread takes some
// microseconds to run again.
const spinLast = 30 * time.Microsecond

// pacer decides when each frame goes.
type pacer struct {
	pps   float64
	speed float64 // timestamp mode
	top   bool

	start time.Time // --pps: when frame 0 went

	fileStart time.Time // timestamp mode: when the file's first frame went
	tsBase    time.Time // its capture timestamp
	haveBase  bool

	timer *time.Timer
}

func (p *pacer) init(o *Options) {
	p.pps, p.top, p.speed = o.PPS, o.TopSpeed, o.Speed
	if p.speed == 0 {
		p.speed = 1
	}
}

// newFile starts a new timeline: each file (each pass over it) is timed
// from its own first frame.
func (p *pacer) newFile() { p.haveBase = false }

// wait returns when frame number i (over the whole run), captured at ts,
// is due, or with ctx's error.
func (p *pacer) wait(ctx context.Context, i int, ts time.Time) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	var due time.Time
	switch {
	case p.top:
		return nil
	case p.pps > 0:
		if p.start.IsZero() {
			p.start = time.Now()
			return nil
		}
		due = p.start.Add(clampDuration(float64(i) * float64(time.Second) / p.pps))
	default:
		if !p.haveBase {
			p.fileStart, p.tsBase, p.haveBase = time.Now(), ts, true
			return nil
		}
		off := ts.Sub(p.tsBase)
		if off <= 0 {
			return nil // out of order or equal: now
		}
		due = p.fileStart.Add(clampDuration(float64(off) / p.speed))
	}
	return p.until(ctx, due)
}

// clampDuration converts nanoseconds to a Duration, the longest one (292
// years) for more: a very slow pace (--speed 1e-300) then waits until the
// context ends, where converting the float would overflow to the most
// negative Duration and send at top speed.
func clampDuration(ns float64) time.Duration {
	if ns >= math.MaxInt64 {
		return math.MaxInt64
	}
	return time.Duration(ns)
}

func (p *pacer) until(ctx context.Context, due time.Time) error {
	for {
		d := time.Until(due)
		if d <= 0 {
			return nil
		}
		if fineSleep && d > spinLast && d <= spinBelow {
			sleepFine(d - spinLast)
			continue
		}
		if d <= spinBelow {
			for i := 0; time.Now().Before(due); i++ {
				if i&1023 == 1023 && ctx.Err() != nil {
					return ctx.Err()
				}
			}
			return nil
		}
		if p.timer == nil {
			p.timer = time.NewTimer(d - spinBelow)
		} else {
			p.timer.Reset(d - spinBelow)
		}
		select {
		case <-ctx.Done():
			p.timer.Stop()
			return ctx.Err()
		case <-p.timer.C:
		}
	}
}
