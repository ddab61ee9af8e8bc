package echo

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"syscall"
)

// Dial connects to addr ("host:port") over network ("tcp" or "udp") as
// the notes' clients do. Their sockets are AF_INET, so a host name is
// tried at its IPv4 addresses first, in order, then at its IPv6 ones: on a
// hosts file with "::1 localhost" a client still reaches a server that
// listens on IPv4 only. (Go's own order puts ::1 first, and a UDP "connect"
// to it succeeds whether or not anything listens there.) A TCP dial tries
// each address until one answers; a UDP socket takes the first one.
func Dial(ctx context.Context, network, addr string) (net.Conn, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, err
	}
	var d net.Dialer
	if _, err := netip.ParseAddr(host); err == nil || host == "" {
		c, err := d.DialContext(ctx, network, addr)
		return c, explain(network, addr, err)
	}
	ips, err := net.DefaultResolver.LookupNetIP(ctx, "ip", host)
	if err != nil {
		return nil, fmt.Errorf("cannot find the host %q: %w", host, err)
	}
	var v4, v6 []netip.Addr
	for _, ip := range ips {
		if ip = ip.Unmap(); ip.Is4() {
			v4 = append(v4, ip)
		} else {
			v6 = append(v6, ip)
		}
	}
	var first error
	for _, ip := range append(v4, v6...) {
		c, err := d.DialContext(ctx, network, net.JoinHostPort(ip.String(), port))
		if err == nil {
			return c, nil
		}
		if first == nil {
			first = err
		}
		if ctx.Err() != nil {
			break
		}
	}
	return nil, explain(network, addr, first)
}

// Exchange sends msg on c and reads back up to len(msg) bytes over TCP
// (the stream may bring them in pieces), or one datagram over UDP, the
// way the notes' clients wait for their echo. Sending and receiving
// overlap, so a message larger than the socket buffers cannot deadlock
// against the server. ctx bounds the wait (cancel it for a time limit; the
// notes' clients have none). What arrived is returned even with an error:
// the notes' client prints the 1,024 bytes a recv(1024) server echoed
// before it reset the connection. from is the datagram's sender (UDP).
func Exchange(ctx context.Context, c net.Conn, msg []byte) (reply []byte, from netip.AddrPort, err error) {
	stop := context.AfterFunc(ctx, func() { c.Close() })
	defer stop()
	addr := c.RemoteAddr().String()
	if uc, ok := c.(*net.UDPConn); ok {
		network := "udp"
		if _, err := uc.Write(msg); err != nil {
			return nil, from, ctxErr(ctx, explain(network, addr, err))
		}
		buf := make([]byte, maxDatagram)
		n, ap, err := uc.ReadFromUDPAddrPort(buf)
		if err != nil {
			return nil, from, ctxErr(ctx, explain(network, addr, err))
		}
		return buf[:n], netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port()), nil
	}
	werr := make(chan error, 1)
	go func() {
		_, err := c.Write(msg)
		werr <- err
	}()
	reply = make([]byte, len(msg))
	n, rerr := io.ReadFull(c, reply)
	reply = reply[:n]
	if rerr != nil {
		c.Close() // ends a write still blocked on a server that stopped reading
	}
	err = <-werr
	switch {
	case ctx.Err() != nil:
		return reply, from, ctxErr(ctx, nil)
	case rerr == io.EOF || rerr == io.ErrUnexpectedEOF:
		return reply, from, fmt.Errorf("%w after echoing %d of the %d bytes sent", ErrClosed, n, len(msg))
	case rerr != nil && n > 0:
		return reply, from, fmt.Errorf("after echoing %d of the %d bytes sent, %w", n, len(msg), explain("tcp", addr, rerr))
	case rerr != nil:
		return reply, from, explain("tcp", addr, rerr)
	case err != nil:
		return reply, from, explain("tcp", addr, err)
	}
	return reply, from, nil
}

// ErrClosed is returned (wrapped) by Exchange when the server closed the
// connection before echoing everything; the notes' client then prints
// what did arrive, perhaps nothing.
var ErrClosed = errors.New("the server closed the connection")

// ErrTimeout is returned (wrapped) by Exchange when its context ends
// before the echo arrives.
var ErrTimeout = errors.New("no echo came back in time")

func ctxErr(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return fmt.Errorf("%w (%v)", ErrTimeout, context.Cause(ctx))
	}
	return err
}

// explain words a socket error as a student would say it, keeping the
// system's words in brackets and the error for errors.Is.
func explain(network, addr string, err error) error {
	if err == nil {
		return nil
	}
	host, port, _ := net.SplitHostPort(addr)
	var what string
	switch {
	case errors.Is(err, syscall.ECONNREFUSED) && network == "udp":
		what = "no server answered on port " + port + " (ICMP port unreachable)"
	case errors.Is(err, syscall.ECONNREFUSED):
		what = "no server is listening on " + host + " port " + port + " (connection refused)"
	case errors.Is(err, syscall.ECONNRESET):
		what = "the server reset the connection (connection reset by peer)"
	case errors.Is(err, syscall.EPIPE):
		what = "the server closed the connection before reading everything (broken pipe)"
	case errors.Is(err, syscall.ENETUNREACH), errors.Is(err, syscall.EHOSTUNREACH):
		what = "no route to " + host + " (network unreachable)"
	case errors.Is(err, syscall.ETIMEDOUT), errors.Is(err, os.ErrDeadlineExceeded):
		what = "no answer from " + addr + " (timed out)"
	default:
		return err
	}
	return &plainError{what: what, err: err}
}

type plainError struct {
	what string
	err  error
}

func (e *plainError) Error() string { return e.what }
func (e *plainError) Unwrap() error { return e.err }

// TCPClient connects to addr ("host:port", see Dial), sends msg and reads
// back len(msg) bytes, then closes. ctx bounds the whole exchange.
func TCPClient(ctx context.Context, addr string, msg []byte) ([]byte, error) {
	c, err := Dial(ctx, "tcp", addr)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	reply, _, err := Exchange(ctx, c, msg)
	if err != nil {
		return nil, err
	}
	return reply, nil
}

// UDPClient sends msg in one datagram to addr (see Dial) and waits for one
// datagram back, returning it and the address it came from. ctx bounds the
// wait; a lost datagram is not sent again.
func UDPClient(ctx context.Context, addr string, msg []byte) ([]byte, netip.AddrPort, error) {
	c, err := Dial(ctx, "udp", addr)
	if err != nil {
		return nil, netip.AddrPort{}, err
	}
	defer c.Close()
	return Exchange(ctx, c, msg)
}
