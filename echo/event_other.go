//go:build !linux

package echo

import (
	"context"
	"fmt"
	"net"
	"runtime"
)

// serveEvent: the event loop is written against Linux epoll; elsewhere the
// Event mode reports that it is not supported.
func serveEvent(ctx context.Context, ln net.Listener, c config, st *counters) error {
	ln.Close()
	return fmt.Errorf("event mode on %s: %w (use iterative, threaded or pool)", runtime.GOOS, ErrNotSupported)
}
