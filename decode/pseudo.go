package decode

// PseudoHeaderSum is the folded one's complement sum (not complemented) of
// the packet's IPv4 or IPv6 pseudo-header for an upper-layer protocol over
// length bytes. A sender that leaves the TCP or UDP checksum to its network
// card (Linux's CHECKSUM_PARTIAL) puts this value in the checksum field, so
// a capture taken on the sending host shows it there: callers that judge
// checksums (turtle grade) recognise offload with it.
func (p *Packet) PseudoHeaderSum(proto uint8, length int) uint16 {
	return fold(p.pseudoSum(proto, length))
}
