package pcapio

// Source yields packets: [Reader] and the live handles implement it, as
// gopacket's PacketDataSource next to its CaptureInfo. The returned data is
// valid until the next call.
type Source interface {
	ZeroCopyReadPacketData() ([]byte, CaptureInfo, error)
}

var _ Source = (*Reader)(nil)

// Frame is one captured frame as its readers (decode's formats, Parquet,
// the drawings) see it. Data is only valid until the next frame is read
// (sources may reuse their buffers).
type Frame struct {
	Number int         // 1-based position in its capture
	Data   []byte      // captured bytes
	Info   CaptureInfo // timestamp, lengths, link type, interface
	Live   *LinkAddr   // set by live handles; nil for capture files
}

// LinkAddr is the address tuple that Python's recvfrom returns with a frame
// read from an AF_PACKET socket; the Basic format prints it for live frames.
type LinkAddr struct {
	Interface    string // interface name, e.g. "lo"
	Protocol     uint16 // EtherType, as ntohs(sll_protocol): 2048 for IPv4
	PacketType   uint8  // PACKET_HOST 0, PACKET_OUTGOING 4, ...
	HardwareType uint16 // ARPHRD_*: 1 Ethernet, 772 loopback
	HardwareAddr []byte // sll_addr[:sll_halen]
}
