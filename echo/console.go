package echo

import (
	"context"
	"net"
	"net/netip"
	"strconv"
	"time"
)

// EventKind is what happened to a connection, for a server's console.
type EventKind uint8

const (
	// Accepted: the connection was taken into service.
	Accepted EventKind = iota + 1
	// Served: the client closed and everything it sent was echoed (or
	// the client reset the connection: see Why).
	Served
	// Refused: accepted and closed at once, MaxConns being in service.
	Refused
	// Dropped: the server closed the connection (see Why).
	Dropped
	// Echoed: a UDP datagram was sent back.
	Echoed
)

var kindNames = [...]string{Accepted: "accepted", Served: "served", Refused: "refused", Dropped: "dropped", Echoed: "echoed"}

// ConnEvent is one line of a server's console: a connection accepted,
// served, refused or dropped, with the reason, as a student watching the
// notes' servers would want to see it.
type ConnEvent struct {
	Kind   EventKind
	Remote netip.AddrPort
	Bytes  int64  // bytes echoed to this client so far (Served, Dropped, Echoed)
	Why    string // Refused, Dropped, and Served when not a plain close
}

// AppendText appends the event as one line without its line end, for
// example "served 127.0.0.1:40312: 5 bytes echoed".
func (e ConnEvent) AppendText(b []byte) []byte {
	if int(e.Kind) < len(kindNames) && kindNames[e.Kind] != "" {
		b = append(b, kindNames[e.Kind]...)
	} else {
		b = append(b, "event"...)
	}
	if e.Kind == Echoed {
		b = append(b, ' ')
		b = strconv.AppendInt(b, e.Bytes, 10)
		b = append(b, " bytes to "...)
		return e.Remote.AppendTo(b)
	}
	b = append(b, ' ')
	b = e.Remote.AppendTo(b)
	if e.Kind == Served || e.Kind == Dropped {
		b = append(b, ": "...)
		b = strconv.AppendInt(b, e.Bytes, 10)
		b = append(b, " bytes echoed"...)
	}
	if e.Why != "" {
		if e.Kind == Refused || e.Kind == Accepted {
			b = append(b, ':')
		} else {
			b = append(b, ',')
		}
		b = append(b, ' ')
		b = append(b, e.Why...)
	}
	return b
}

// String returns the text form.
func (e ConnEvent) String() string { return string(e.AppendText(nil)) }

// addrPort is the address of a net.Addr, IPv4-mapped addresses unmapped.
func addrPort(a net.Addr) netip.AddrPort {
	var ap netip.AddrPort
	switch a := a.(type) {
	case *net.TCPAddr:
		ap = a.AddrPort()
	case *net.UDPAddr:
		ap = a.AddrPort()
	}
	return netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())
}

// Reasons a connection is dropped, in the console's words.
func whySilent(idle time.Duration) string {
	return "it sent nothing for " + idle.String() + " (--idle-timeout; 0 turns this off)"
}

func whySlow(moved int64, idle time.Duration, rate int) string {
	return "it moved " + strconv.FormatInt(moved, 10) + " bytes in " + idle.String() +
		", under --min-rate " + strconv.Itoa(rate) + " B/s (-1 turns this off)"
}

func whyNotReading(idle time.Duration) string {
	return "it did not read its echo for " + idle.String() + " (--idle-timeout; 0 turns this off)"
}

const (
	whyStopping = "the server stopped and --grace was over"
	whyReset    = "the client reset the connection"
)

func whyFull(maxConns int) string {
	return strconv.Itoa(maxConns) + " connections in service (--max-conns)"
}

// Listen listens on the TCP address addr. A backlog above zero sets the
// kernel's queue of connections waiting to be accepted, as the notes'
// s.listen(1) does (Go's own listeners ask for the system's maximum). ctx
// bounds the setup only.
func Listen(ctx context.Context, addr string, backlog int) (net.Listener, error) {
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", addr)
	if err != nil || backlog <= 0 {
		return ln, err
	}
	if err := setBacklog(ln, backlog); err != nil {
		ln.Close()
		return nil, err
	}
	return ln, nil
}

// idleWhy is why a connection was dropped at the end of an idle window:
// it did not read its echo (output still pending), moved some bytes but
// fewer than the quota, or sent nothing.
func (c config) idleWhy(pending bool, moved int64) string {
	switch {
	case pending:
		return whyNotReading(c.idle)
	case moved > 0:
		return whySlow(moved, c.idle, c.rate)
	}
	return whySilent(c.idle)
}
