package replay

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/turtle-sniffer/turtle/live"
	"github.com/turtle-sniffer/turtle/pcapio"
)

// Inputs are the captures named on a command line, in order: File for a
// file name, and "-" for stdin, named "standard input" (it can be played
// once only).
func Inputs(names []string, stdin io.Reader) []Input {
	var inputs []Input
	for _, name := range names {
		in := File(name)
		if name == "-" {
			in = Input{Name: "standard input", Open: func() (io.ReadCloser, error) { return io.NopCloser(stdin), nil }}
		}
		inputs = append(inputs, in)
	}
	return inputs
}

// OpenSender opens a live.Sender on the interface named or numbered as
// 'turtle ifaces' shows it (see live.Lookup), through libpcap when asked.
// A missing privilege is said in one line with how to grant it, and a
// device that does not take Ethernet frames is refused.
func OpenSender(iface string, libpcap bool) (*live.Sender, error) {
	ifc, err := live.Lookup(iface)
	if err != nil {
		return nil, err
	}
	open := live.OpenSender
	if libpcap {
		open = live.OpenSenderLibpcap
	}
	s, err := open(ifc.Name)
	if errors.Is(err, os.ErrPermission) {
		return nil, fmt.Errorf("sending on %s needs root or CAP_NET_RAW: run it as root, or grant it with: sudo setcap cap_net_raw=eip $(which turtle)", ifc.Name)
	}
	if err != nil {
		return nil, err
	}
	if lt := s.LinkType(); lt != pcapio.LinkTypeEthernet {
		s.Close()
		return nil, fmt.Errorf("%s is not an Ethernet device (link type %d): replay sends Ethernet frames", ifc.Name, lt)
	}
	return s, nil
}
