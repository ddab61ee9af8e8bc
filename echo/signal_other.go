//go:build !unix

package echo

import "os"

// statsSignals: this system has no SIGUSR1; use --stats or --stats-addr.
var statsSignals []os.Signal
