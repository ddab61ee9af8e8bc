//go:build !pcap

package live

import (
	"errors"

	"golang.org/x/net/bpf"

	"github.com/turtle-sniffer/turtle/pcapio"
)

// ErrNoFilterCompiler is returned by CompileFilter in builds without
// libpcap, until turtle's own filter compiler is wired in.
var ErrNoFilterCompiler = errors.New("filters need libpcap's compiler in this version: build turtle with -tags pcap")

func openLibpcap(name string, c *Config) (capturer, error) { return nil, ErrNoPcap }

func libpcapLinkType(name string, c *Config) (pcapio.LinkType, error) { return 0, ErrNoPcap }

// CompileFilter compiles a tcpdump filter expression for frames of link
// type lt, cut to snaplen bytes, into classic BPF for Config.Filter.
func CompileFilter(expr string, lt pcapio.LinkType, snaplen int) ([]bpf.RawInstruction, error) {
	return nil, ErrNoFilterCompiler
}
