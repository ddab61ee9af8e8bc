package echo

import (
	"context"
	"net"
	"os"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// emfileListener fails its first accepts with EMFILE, as accept(2) does
// when the process is out of descriptors, then accepts as usual.
type emfileListener struct {
	net.Listener
	fails atomic.Int32
}

func (l *emfileListener) Accept() (net.Conn, error) {
	if l.fails.Add(-1) >= 0 {
		return nil, &net.OpError{Op: "accept", Net: "tcp", Err: os.NewSyscallError("accept4", syscall.EMFILE)}
	}
	return l.Listener.Accept()
}

// Issue 19 item 14: the stats listener survives descriptor exhaustion
// and answers once descriptors are back.
func TestServeStatsSurvivesEMFILE(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	el := &emfileListener{Listener: ln}
	el.fails.Store(5)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- ServeStats(ctx, el, func() Stats { return Stats{Accepted: 42} }) }()
	fctx, fcancel := context.WithTimeout(ctx, 30*time.Second)
	defer fcancel()
	st, err := FetchStats(fctx, ln.Addr().String())
	if err != nil || st.Accepted != 42 {
		t.Errorf("after EMFILE: %+v, %v", st, err)
	}
	select {
	case err := <-done:
		t.Fatalf("ServeStats returned during the run: %v", err)
	default:
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("ServeStats: %v", err)
	}
}
