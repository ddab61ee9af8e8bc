package decode

// ipMissing is how many bytes of the IP packet, per its total (IPv4) or
// payload (IPv6) length, are not in the frame: a snapshot length cuts the
// payload, and the summary, as tcpdump does, gives lengths and sequence
// ranges from the headers, not from what was captured.
func (p *Packet) ipMissing() int {
	switch {
	case p.Layers&LayerIPv6 != 0:
		return p.IPv6.Missing
	case p.Layers&LayerIPv4 != 0:
		return p.IPv4.Missing
	}
	return 0
}
