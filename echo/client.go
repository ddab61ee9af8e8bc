package echo

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/netip"
	"strconv"
	"unicode/utf8"
)

// TCPClient connects to addr ("host:port"), sends msg and reads back
// exactly len(msg) bytes (the stream may bring them in pieces), then
// closes. Sending and receiving overlap, so a message larger than the
// socket buffers cannot deadlock against the server. ctx bounds the whole
// exchange.
func TCPClient(ctx context.Context, addr string, msg []byte) ([]byte, error) {
	var d net.Dialer
	c, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	stop := context.AfterFunc(ctx, func() { c.Close() })
	defer stop()

	werr := make(chan error, 1)
	go func() {
		_, err := c.Write(msg)
		werr <- err
	}()
	reply := make([]byte, len(msg))
	_, rerr := io.ReadFull(c, reply)
	if rerr != nil {
		c.Close() // ends a write still blocked on a server that stopped reading
	}
	err = <-werr
	if ctx.Err() != nil {
		return nil, fmt.Errorf("echo from %s: %w", addr, ctx.Err())
	}
	if err != nil {
		return nil, fmt.Errorf("send to %s: %w", addr, err)
	}
	if rerr != nil {
		return nil, fmt.Errorf("echo from %s: %w", addr, rerr)
	}
	return reply, nil
}

// UDPClient sends msg in one datagram to addr and waits for one datagram
// back, returning it and the address it came from. ctx bounds the wait; a
// lost datagram is not sent again.
func UDPClient(ctx context.Context, addr string, msg []byte) ([]byte, netip.AddrPort, error) {
	var d net.Dialer
	c, err := d.DialContext(ctx, "udp", addr)
	if err != nil {
		return nil, netip.AddrPort{}, err
	}
	defer c.Close()
	stop := context.AfterFunc(ctx, func() { c.Close() })
	defer stop()
	uc := c.(*net.UDPConn)
	if _, err := uc.Write(msg); err != nil {
		return nil, netip.AddrPort{}, fmt.Errorf("send to %s: %w", addr, err)
	}
	buf := make([]byte, maxDatagram)
	n, from, err := uc.ReadFromUDPAddrPort(buf)
	if err != nil {
		if ctx.Err() != nil {
			err = ctx.Err()
		}
		return nil, netip.AddrPort{}, fmt.Errorf("echo from %s: %w", addr, err)
	}
	return buf[:n], netip.AddrPortFrom(from.Addr().Unmap(), from.Port()), nil
}

// AppendPrintable appends b for a terminal: printable UTF-8 (spaces
// included) as it is; every other byte or rune escaped as strconv.Quote
// does (\n, \t, \x1b, \u200b, \xff for invalid UTF-8); and a backslash
// doubled, so the text is unambiguous and never carries raw control
// bytes to the terminal.
func AppendPrintable(dst, b []byte) []byte {
	for len(b) > 0 {
		r, size := utf8.DecodeRune(b)
		switch {
		case r == utf8.RuneError && size == 1:
			dst = append(dst, `\x`...)
			dst = append(dst, "0123456789abcdef"[b[0]>>4], "0123456789abcdef"[b[0]&15])
		case r == '\\':
			dst = append(dst, `\\`...)
		case r == ' ' || strconv.IsPrint(r):
			dst = append(dst, b[:size]...)
		default:
			q := strconv.AppendQuoteRuneToASCII(dst, r) // '\n' with quotes
			dst = append(q[:len(dst)], q[len(dst)+1:len(q)-1]...)
		}
		b = b[size:]
	}
	return dst
}
