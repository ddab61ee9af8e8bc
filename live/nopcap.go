//go:build !pcap && !windows

package live

import (
	"golang.org/x/net/bpf"

	"github.com/turtle-sniffer/turtle/filter"
	"github.com/turtle-sniffer/turtle/pcapio"
)

func openLibpcap(name string, c *Config) (capturer, error) { return nil, ErrNoPcap }

func libpcapLinkType(name string, c *Config) (pcapio.LinkType, error) { return 0, ErrNoPcap }

// CompileFilter compiles a tcpdump filter expression for frames of link
// type lt, cut to snaplen bytes, into classic BPF for Config.Filter. Builds
// without libpcap use turtle's own compiler, which emits libpcap's program
// instruction for instruction (see package filter).
func CompileFilter(expr string, lt pcapio.LinkType, snaplen int) ([]bpf.RawInstruction, error) {
	f, err := filter.New(expr, lt, snaplen)
	if err != nil {
		return nil, err
	}
	return f.RawInstructions(), nil
}

func openLibpcapSender(name string) (sender, error) {
	if haveAFPacket {
		return nil, ErrNoPcap // asked for by OpenSenderLibpcap
	}
	return nil, ErrSendNotSupported
}
