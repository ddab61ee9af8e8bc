//go:build linux

package echo

import (
	"runtime"
	"testing"
	"time"
)

// The event mode runs one loop per GOMAXPROCS: with four loops, held
// clients are all served at once (connections handed out by the acceptor
// are served by the others), MaxConns bounds all loops together, and
// everything stops on cancel.
func TestEventLoopsShareWork(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(4))
	const n = 12
	t.Run("held", func(t *testing.T) {
		srv := &TCPServer{Mode: Event, Delay: 10 * time.Millisecond}
		addr := startTCP(t, "127.0.0.1", srv)
		runClients(t, addr, n, true)
		if st := srv.Stats(); st.Peak != n {
			t.Errorf("peak %d concurrent over four loops, want %d (%v)", st.Peak, n, st)
		}
	})
	t.Run("max3", func(t *testing.T) {
		srv := &TCPServer{Mode: Event, MaxConns: 3, Delay: 10 * time.Millisecond}
		addr := startTCP(t, "127.0.0.1", srv)
		runClients(t, addr, n, false)
		waitFor(t, "every connection to end", func() bool { return srv.Stats().Served == n })
		if st := srv.Stats(); st.Peak > 3 {
			t.Errorf("peak %d over four loops, want at most MaxConns 3", st.Peak)
		}
	})
}
