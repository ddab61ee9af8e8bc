package echo

import (
	"context"
	"io"
	"net"
	"runtime"
	"sync"
	"testing"
	"time"
)

// Issue 19 item 13: 60 clients that each send a byte every 500 ms (and
// reconnect when dropped) against a server of 50 slots: every slot is held
// by an attacker, yet a good client that connects after them is served,
// because the attackers never move MinRate × IdleTimeout bytes in a window.
func TestSlowlorisDoesNotHoldEverySlot(t *testing.T) {
	modes := []Mode{Pool}
	if runtime.GOOS == "linux" {
		modes = append(modes, Event)
	}
	for _, mode := range modes {
		t.Run(mode.String(), func(t *testing.T) {
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			srv := &TCPServer{Mode: mode, MaxConns: 50, IdleTimeout: 2 * time.Second, MinRate: 10}
			ctx, cancel := context.WithCancel(context.Background())
			served := make(chan error, 1)
			go func() { served <- srv.Serve(ctx, ln) }()
			addr := ln.Addr().String()

			var wg sync.WaitGroup
			attack, stop := context.WithCancel(ctx)
			for range 60 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for attack.Err() == nil {
						c, err := net.Dial("tcp", addr)
						if err != nil {
							time.Sleep(100 * time.Millisecond)
							continue
						}
						go func() { io.Copy(io.Discard, c) }() // read the one-byte echoes
						for attack.Err() == nil {
							if _, err := c.Write([]byte{'x'}); err != nil {
								break
							}
							select {
							case <-time.After(500 * time.Millisecond):
							case <-attack.Done():
							}
						}
						c.Close()
					}
				}()
			}
			// Every slot taken by the attack before the good client comes.
			for deadline := time.Now().Add(10 * time.Second); srv.Stats().Active < 50; {
				if time.Now().After(deadline) {
					t.Fatalf("the attack did not take the 50 slots: %+v", srv.Stats())
				}
				time.Sleep(20 * time.Millisecond)
			}
			c, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			msg := []byte("hello from a good client\n")
			c.SetDeadline(time.Now().Add(30 * time.Second)) // a failure bound, not a measurement
			if _, err := c.Write(msg); err != nil {
				t.Fatal(err)
			}
			got := make([]byte, len(msg))
			_, rerr := io.ReadFull(c, got)
			c.Close()
			stop()
			wg.Wait()
			st := srv.Stats()
			cancel()
			if err := <-served; err != nil {
				t.Errorf("Serve: %v", err)
			}
			if rerr != nil || string(got) != string(msg) {
				t.Fatalf("the good client was not served: %v (%q); stats %+v", rerr, got, st)
			}
			if st.IdleDropped == 0 {
				t.Errorf("no slow client was dropped: %+v", st)
			}
			t.Logf("%s: good client served; %d slow connections dropped", mode, st.IdleDropped)
		})
	}
}
