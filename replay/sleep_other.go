//go:build !linux

package replay

import "time"

const fineSleep = false

func preciseThread() (restore func()) { return func() {} }

func sleepFine(d time.Duration) {}
