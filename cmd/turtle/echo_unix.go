//go:build unix

package main

import (
	"os"
	"syscall"
)

// statsSignals make a running echo server print its counters.
var statsSignals = []os.Signal{syscall.SIGUSR1}
