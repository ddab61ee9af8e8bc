//go:build unix

package echo

import (
	"os"
	"syscall"
)

// statsSignals make a running echo server (Console) print its counters.
var statsSignals = []os.Signal{syscall.SIGUSR1}
