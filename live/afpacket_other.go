//go:build !linux

package live

import "github.com/turtle-sniffer/turtle/pcapio"

// AF_PACKET exists on Linux only; elsewhere libpcap captures (pcap tag).
const haveAFPacket = false

func openAFPacket(name string, c *Config) (capturer, error) { return nil, ErrNotSupported }

func afpacketLinkType(name string) (pcapio.LinkType, error) { return 0, ErrNotSupported }
