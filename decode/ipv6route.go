package decode

// finalDst is the destination address the upper-layer checksum's
// pseudo-header uses (RFC 8200 §8.1): with a Routing header that still has
// segments left, the final destination, which is the last address of a
// type 0 or type 2 header and the first entry, Segment List[0], of a
// Segment Routing Header (type 4, RFC 8754, whose list is in reverse
// order); otherwise the Destination Address field. tcpdump and tshark
// verify the checksums of tcpdump's ipv6-routing-header.pcap and
// ipv6-srh-insert-cksum.pcap this way.
func (ip *IPv6Header) finalDst() [16]byte {
	dst, _ := ip.routedDst()
	return dst
}

// RoutedDst reports whether the upper-layer pseudo-header takes its
// destination from a Routing header (see finalDst) rather than from the
// Destination Address field: a rewriter that changes one of the two knows
// from it whether the transport checksum follows.
func (ip *IPv6Header) RoutedDst() bool {
	_, routed := ip.routedDst()
	return routed
}

func (ip *IPv6Header) routedDst() (dst [16]byte, routed bool) {
	dst = ip.Dst.As16()
	for i := range ip.NumExt {
		e := &ip.Ext[i]
		if e.Type != 43 || len(e.Data) < 8 || e.Data[3] == 0 {
			continue
		}
		switch e.Data[2] {
		case 0, 2:
			if n := (len(e.Data) - 8) / 16; n > 0 {
				dst, routed = [16]byte(e.Data[8+16*(n-1):]), true
			}
		case 4:
			if len(e.Data) >= 24 {
				dst, routed = [16]byte(e.Data[8:24]), true
			}
		}
	}
	return dst, routed
}
