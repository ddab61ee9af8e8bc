//go:build linux

package echo

import (
	"net/netip"

	"golang.org/x/sys/unix"
)

// sockaddrPort is the address of an accepted socket, for the console.
func sockaddrPort(sa unix.Sockaddr) netip.AddrPort {
	switch sa := sa.(type) {
	case *unix.SockaddrInet4:
		return netip.AddrPortFrom(netip.AddrFrom4(sa.Addr), uint16(sa.Port))
	case *unix.SockaddrInet6:
		return netip.AddrPortFrom(netip.AddrFrom16(sa.Addr).Unmap(), uint16(sa.Port))
	}
	return netip.AddrPort{}
}

// dropAll closes every connection of the loop as dropped for why.
func (l *loop) dropAll(why string) {
	for _, c := range l.conns {
		if c != nil {
			c.ev.Kind, c.ev.Why = Dropped, why
			l.closeConn(c)
		}
	}
}
