//go:build linux

package replay

import (
	"runtime"
	"time"

	"golang.org/x/sys/unix"
)

// fineSleep is true where sleepFine is precise to tens of microseconds.
const fineSleep = true

// preciseThread locks the calling goroutine to its thread and sets the
// thread's timer slack to 1 ns (50 µs by default), so that nanosleep wakes
// it when asked rather than up to 50 µs later; the returned func undoes
// both. A pacer that sleeps instead of spinning is also a sleeper to the
// kernel's scheduler, which wakes it ahead of the busy processes on a
// loaded machine: spinning the whole interval made --pps 10000 end
// 0.25-0.5 % slow at a load average of 13-27 (scripts/bench-replay.sh).
func preciseThread() (restore func()) {
	runtime.LockOSThread()
	old, err := unix.PrctlRetInt(unix.PR_GET_TIMERSLACK, 0, 0, 0, 0)
	if err != nil || unix.Prctl(unix.PR_SET_TIMERSLACK, 1, 0, 0, 0) != nil {
		return runtime.UnlockOSThread
	}
	return func() {
		unix.Prctl(unix.PR_SET_TIMERSLACK, uintptr(old), 0, 0, 0)
		runtime.UnlockOSThread()
	}
}

// sleepFine blocks the thread for d with nanosleep (an hrtimer), not Go's
// timers, which wake up to a millisecond late.
func sleepFine(d time.Duration) {
	ts := unix.NsecToTimespec(int64(d))
	for unix.Nanosleep(&ts, &ts) == unix.EINTR {
	}
}
