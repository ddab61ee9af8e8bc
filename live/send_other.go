//go:build !linux

package live

// AF_PACKET exists on Linux only; elsewhere libpcap sends (pcap tag).
func openAFPacketSender(name string) (sender, error) { return nil, ErrSendNotSupported }
