//go:build !unix

package main

import "os"

// statsSignals: this system has no SIGUSR1; use --stats or --stats-addr.
var statsSignals []os.Signal
