package decode

// loopbackEtherType maps a BSD address family to the EtherType of its
// payload: AF_INET is 2 everywhere; AF_INET6 is 10 on Linux, 24 on
// NetBSD/OpenBSD, 28 on FreeBSD, 30 on macOS. Other families map to 0.
func loopbackEtherType(family uint32) uint16 {
	switch family {
	case 2:
		return 0x0800
	case 10, 24, 28, 30:
		return 0x86dd
	}
	return 0
}

// rawEtherType is the EtherType of a raw IP packet, from its version nibble.
func rawEtherType(b []byte) uint16 {
	if len(b) == 0 {
		return 0
	}
	switch b[0] >> 4 {
	case 4:
		return 0x0800
	case 6:
		return 0x86dd
	}
	return 0
}
