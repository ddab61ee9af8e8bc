package echo

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"slices"
	"sync"
	"time"
)

// BenchConfig describes a load run: Clients concurrent clients each send
// Messages messages of Size bytes, one at a time, waiting for each echo.
type BenchConfig struct {
	Addr     string
	Proto    string // "tcp" (the default when empty) or "udp"
	Clients  int
	Messages int // per client; zero means 1
	Size     int // bytes per message; zero means 64

	// Rate caps how many connections are opened per second; zero means as
	// fast as MaxDialing dials in flight allow. A listen backlog overflows
	// when thousands of connections arrive at once.
	Rate float64
	// MaxDialing caps the dials in flight at once; zero means 256.
	MaxDialing int
}

// BenchResult is the outcome of a load run.
type BenchResult struct {
	Completed, Failed int           // clients that got every echo, clients that did not
	Messages          int64         // messages echoed intact
	Connect           time.Duration // from the start until the last connection opened
	Wall              time.Duration // from the start to the last echo
	P50, P99          time.Duration // latency of one message, send to full echo
	Err               error         // the first client failure, nil if none
}

// MsgRate is the echoed messages per second over the wall time.
func (r BenchResult) MsgRate() float64 {
	if r.Wall <= 0 {
		return 0
	}
	return float64(r.Messages) / r.Wall.Seconds()
}

// Bench starts every client at once (paced by Rate): each connects and
// sends its messages, so a server that can hold Clients connections
// together does. ctx bounds the run: clients still waiting when
// it ends fail. The error is for a bad configuration; client failures are
// counted in the result.
func Bench(ctx context.Context, cfg BenchConfig) (BenchResult, error) {
	if cfg.Proto == "" {
		cfg.Proto = "tcp"
	}
	if cfg.Messages == 0 {
		cfg.Messages = 1
	}
	if cfg.Size == 0 {
		cfg.Size = 64
	}
	if cfg.MaxDialing <= 0 {
		cfg.MaxDialing = 256
	}
	switch {
	case cfg.Proto != "tcp" && cfg.Proto != "udp":
		return BenchResult{}, fmt.Errorf("bench: protocol %q: want tcp or udp", cfg.Proto)
	case cfg.Clients <= 0:
		return BenchResult{}, fmt.Errorf("bench: %d clients: want at least 1", cfg.Clients)
	case cfg.Messages < 0 || cfg.Size < 0:
		return BenchResult{}, fmt.Errorf("bench: messages and size must not be negative")
	case cfg.Proto == "udp" && cfg.Size > maxDatagram-48:
		return BenchResult{}, fmt.Errorf("bench: %d bytes do not fit in one datagram", cfg.Size)
	}

	msg := make([]byte, cfg.Size)
	for i := range msg {
		msg[i] = 'a' + byte(i%26)
	}
	type client struct {
		lat       []time.Duration
		connected time.Duration // since the start, when its connection opened
		err       error
	}
	cl := make([]client, cfg.Clients)
	dialing := make(chan struct{}, cfg.MaxDialing)
	d := net.Dialer{KeepAlive: -1}
	var wg sync.WaitGroup

	// Each client connects (paced) and sends at once. Opening every
	// connection before any sends would hang against a server that
	// serves one connection at a time with a short backlog (the notes'
	// listen(1)): the connections beyond it wait for the first client,
	// which waits for them.
	start := time.Now()
	for i := range cl {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if cfg.Rate > 0 {
				at := start.Add(time.Duration(float64(i) / cfg.Rate * float64(time.Second)))
				select {
				case <-time.After(time.Until(at)):
				case <-ctx.Done():
					cl[i].err = ctxErr(ctx, nil)
					return
				}
			}
			select {
			case dialing <- struct{}{}:
			case <-ctx.Done():
				cl[i].err = ctxErr(ctx, nil)
				return
			}
			c, err := d.DialContext(ctx, cfg.Proto, cfg.Addr)
			<-dialing
			if err != nil {
				cl[i].err = ctxErr(ctx, explain(cfg.Proto, cfg.Addr, err))
				return
			}
			cl[i].connected = time.Since(start)
			defer c.Close()
			stop := context.AfterFunc(ctx, func() { c.Close() })
			defer stop()
			cl[i].lat = make([]time.Duration, 0, cfg.Messages)
			reply := make([]byte, cfg.Size+1)
			for range cfg.Messages {
				t := time.Now()
				var err error
				if cfg.Proto == "udp" {
					err = benchUDP(c, msg, reply)
				} else {
					err = benchTCP(c, msg, reply[:cfg.Size])
				}
				if err != nil {
					if err == io.EOF || err == io.ErrUnexpectedEOF {
						err = errors.New("the server closed the connection before echoing everything")
					}
					cl[i].err = ctxErr(ctx, explain(cfg.Proto, cfg.Addr, err))
					return
				}
				cl[i].lat = append(cl[i].lat, time.Since(t))
			}
		}()
	}
	wg.Wait()
	res := BenchResult{Wall: time.Since(start)}

	var all []time.Duration
	for i := range cl {
		all = append(all, cl[i].lat...)
		res.Connect = max(res.Connect, cl[i].connected)
		if cl[i].err != nil {
			res.Failed++
			if res.Err == nil {
				res.Err = cl[i].err
			}
		} else {
			res.Completed++
		}
	}
	res.Messages = int64(len(all))
	slices.Sort(all)
	res.P50 = Percentile(all, 50)
	res.P99 = Percentile(all, 99)
	return res, nil
}

// Percentile is the nearest-rank p-th percentile of sorted: the smallest
// value that at least p% of the values do not exceed (sorted[ceil(p/100 ×
// n) - 1]), so the p99 of 5 latencies is the slowest one. Zero for none.
func Percentile(sorted []time.Duration, p int) time.Duration {
	n := len(sorted)
	if n == 0 {
		return 0
	}
	rank := (p*n + 99) / 100 // ceil(p × n / 100)
	return sorted[min(max(rank, 1), n)-1]
}

var errMismatch = errors.New("echo differs from what was sent")

func benchTCP(c net.Conn, msg, reply []byte) error {
	if len(msg) <= 32<<10 {
		// Small enough for the socket buffers: no deadlock if the server
		// echoes before the whole message is sent.
		if _, err := c.Write(msg); err != nil {
			return err
		}
		if _, err := io.ReadFull(c, reply); err != nil {
			return err
		}
	} else {
		werr := make(chan error, 1)
		go func() { _, err := c.Write(msg); werr <- err }()
		_, rerr := io.ReadFull(c, reply)
		if rerr != nil {
			c.Close()
		}
		if err := <-werr; err != nil {
			return err
		}
		if rerr != nil {
			return rerr
		}
	}
	if !bytes.Equal(msg, reply) {
		return errMismatch
	}
	return nil
}

func benchUDP(c net.Conn, msg, reply []byte) error {
	if _, err := c.Write(msg); err != nil {
		return err
	}
	n, err := c.Read(reply)
	if err != nil {
		return err
	}
	if !bytes.Equal(msg, reply[:n]) {
		return errMismatch
	}
	return nil
}
