//go:build pcap

package live

import (
	"github.com/gopacket/gopacket/pcap"

	"github.com/turtle-sniffer/turtle/pcapio"
)

// libpcapSender sends with pcap_sendpacket, where AF_PACKET does not exist
// (Npcap on Windows, BPF devices on macOS and the BSDs).
type libpcapSender struct {
	h     *pcap.Handle
	iface string
}

func openLibpcapSender(name string) (sender, error) {
	h, err := activate(name, &Config{Snaplen: DefaultSnaplen, BufferSize: minBufferSize})
	if err != nil {
		return nil, err
	}
	return &libpcapSender{h: h, iface: name}, nil
}

func (s *libpcapSender) send(frame []byte) error {
	if err := s.h.WritePacketData(frame); err != nil {
		return &SendError{Iface: s.iface, Len: len(frame), Err: pcapError(err)}
	}
	return nil
}

func (s *libpcapSender) sendBatch(frames [][]byte) (int, error) {
	for i, f := range frames {
		if err := s.send(f); err != nil {
			return i, err
		}
	}
	return len(frames), nil
}

func (s *libpcapSender) linkType() pcapio.LinkType { return pcapio.LinkType(s.h.LinkType()) }

func (s *libpcapSender) mtu() int { return 0 }

func (s *libpcapSender) close() error {
	s.h.Close()
	return nil
}
