// Package anonymize rewrites captured frames so that a capture can be shared
// without saying who was in it: IPv4 and IPv6 addresses by Crypto-PAn
// (prefix-preserving, one-to-one, the same across files for the same key),
// inside ARP, ICMP and ICMPv6 error quotes, ICMP redirects and router
// advertisements, neighbour discovery options (prefixes, DNS servers,
// redirected headers), MLD group records, DHCP/BOOTP messages and DNS
// A/AAAA records (of any class UPDATE uses) too; MAC
// addresses, ports and payloads optionally. Every checksum is updated
// incrementally (RFC 1624) over exactly the bytes changed, so one that was
// right stays right and one that was wrong stays wrong by the same amount.
//
// It is a package of its own because rewriting is neither decoding (decode
// finds the fields: this package only writes where decode.Packet says they
// are) nor file handling (edit and pcapio). A frame whose addresses cannot
// all be found is reported with a Reason, never silently passed.
package anonymize

import (
	"crypto/aes"
	"crypto/cipher"
	"encoding/binary"
	"errors"

	"github.com/turtle-sniffer/turtle/decode"
	"github.com/turtle-sniffer/turtle/pcapio"
)

// IPMode says what becomes of IP addresses.
type IPMode uint8

const (
	IPsPrefix IPMode = iota // Crypto-PAn
	IPsZero                 // 0.0.0.0 and ::
	IPsKeep
)

// PayloadMode says what becomes of what follows the headers.
type PayloadMode uint8

const (
	PayloadKeep PayloadMode = iota
	PayloadZero             // same length, zero bytes
	PayloadDrop             // the frame is cut after its headers; its wire length is kept
)

// Options choose what is rewritten.
type Options struct {
	IPs     IPMode
	MACs    bool // map unicast MAC addresses (group addresses are kept)
	KeepOUI bool // with MACs: keep the first three bytes
	Ports   bool // map TCP and UDP ports from 1024 up (lower ports are kept, so protocols stay recognisable)
	Payload PayloadMode
}

// Reason says why part of a frame could not be rewritten.
type Reason uint8

const (
	ReasonNone          Reason = iota
	ReasonLinkType             // a link type turtle does not decode
	ReasonNetwork              // a network protocol other than IPv4, IPv6 and ARP
	ReasonTruncated            // the network header is cut or invalid
	ReasonIPProtocol           // an IP protocol other than TCP, UDP, ICMP, ICMPv6 (its payload)
	ReasonIPOptions            // IPv4 options or an IPv6 routing header that may hold addresses
	ReasonQuote                // an ICMP error's quoted packet could not be parsed
	ReasonDNS                  // a DNS message cut, invalid or with more records than decoded
	ReasonICMPv6Options        // ICMPv6 neighbour discovery or MLD addresses or options cut or invalid
	ReasonDHCP                 // a DHCP/BOOTP message or its options cut or invalid
	numReasons
)

// String describes the reason in the summary's words.
func (r Reason) String() string {
	return [...]string{"", "link type not decoded", "network protocol not IP or ARP", "network header cut or invalid",
		"IP protocol not parsed", "IP options or routing header", "ICMP error quote not parsed",
		"DNS message not fully parsed", "ICMPv6 options or MLD records not parsed", "DHCP/BOOTP message not fully parsed"}[r]
}

// Stats sum up what was done, for the summary.
type Stats struct {
	Frames     int
	IPv4, IPv6 int // mappings computed (distinct addresses, while the cache holds them)
	MACs       int
	Unchanged  [numReasons]int // frames left partly unchanged, by reason
	Dropped    [numReasons]int // frames whose unparsed part was zeroed or cut (with --payload zero or drop)
}

// Anonymizer rewrites frames. It is not safe for concurrent use.
type Anonymizer struct {
	opt   Options
	cp    *CryptoPAn
	mac   cipher.Block
	macs  map[uint64][6]byte // by the address as a number: faster to hash than [6]byte
	ports []uint16
	pkt   decode.Packet
	inner decode.Packet
	buf   []byte
	Stats
}

// ParseKey reads a key file's content: 64 hex digits (a trailing newline
// allowed) or 32 raw bytes.
func ParseKey(b []byte) ([]byte, error) {
	if len(b) == 32 {
		return b, nil
	}
	s := b
	for len(s) > 0 && (s[len(s)-1] == '\n' || s[len(s)-1] == '\r') {
		s = s[:len(s)-1]
	}
	if len(s) != 64 {
		return nil, errors.New("want 64 hex digits or 32 raw bytes, the file has " + itoa(len(b)) + " bytes")
	}
	key := make([]byte, 32)
	for i := range key {
		h, ok1 := unhex(s[2*i])
		l, ok2 := unhex(s[2*i+1])
		if !ok1 || !ok2 {
			return nil, errors.New("not hex at character " + itoa(2*i+1) + " (want 64 hex digits or 32 raw bytes)")
		}
		key[i] = h<<4 | l
	}
	return key, nil
}

func unhex(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

func itoa(n int) string {
	var b [20]byte
	i := len(b)
	for {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
		if n == 0 {
			return string(b[i:])
		}
	}
}

// New returns an Anonymizer for a 32-byte Crypto-PAn key. MAC addresses
// and ports are mapped with keys derived from it, so one key file makes
// every mapping consistent across files.
func New(key []byte, opt Options) (*Anonymizer, error) {
	cp, err := NewCryptoPAn(key)
	if err != nil {
		return nil, err
	}
	// Derived keys: AES under the Crypto-PAn key of fixed labels, so that
	// the MAC and port mappings reveal nothing about the address mapping.
	blk, _ := aes.NewCipher(key[:16])
	var mk [16]byte
	blk.Encrypt(mk[:], []byte("turtle MAC map  "))
	mac, _ := aes.NewCipher(mk[:])
	a := &Anonymizer{opt: opt, cp: cp, mac: mac, macs: map[uint64][6]byte{}}
	a.pkt.SkipChecksums(true)
	a.inner.SkipChecksums(true)
	if opt.Ports {
		a.ports = make([]uint16, 65536)
		for i := range a.ports {
			a.ports[i] = uint16(i)
		}
		// Fisher-Yates over 1024..65535 driven by AES in counter mode.
		var ctr, out [16]byte
		copy(ctr[:], "turtle port map ")
		for i := 65535; i > 1024; i-- {
			binary.BigEndian.PutUint32(ctr[12:], uint32(i))
			blk.Encrypt(out[:], ctr[:])
			j := 1024 + int(binary.BigEndian.Uint64(out[:8])%uint64(i-1024+1))
			a.ports[i], a.ports[j] = a.ports[j], a.ports[i]
		}
	}
	return a, nil
}

// Frame rewrites one frame and returns the bytes to write (valid until the
// next call; shorter than data when payloads are dropped) and why part of
// it was left as it was, if any part was.
func (a *Anonymizer) Frame(link pcapio.LinkType, data []byte) ([]byte, Reason) {
	a.Frames++
	b := append(a.buf[:0], data...)
	a.buf = b
	p := &a.pkt
	p.Decode(link, b)
	if a.opt.MACs {
		switch {
		case link == pcapio.LinkTypeEthernet && len(b) >= 14:
			a.mapMAC(b[0:6])
			a.mapMAC(b[6:12])
		case p.Layers&decode.LayerSLL != 0 && len(p.SLL.Addr) == 6:
			a.mapMAC(p.SLL.Addr)
		case p.Layers&decode.LayerSLL2 != 0 && len(p.SLL2.Addr) == 6:
			a.mapMAC(p.SLL2.Addr)
		}
	}
	net := p.Network()
	cut := len(b) // where the headers end, for PayloadDrop
	reason, stop := ReasonNone, len(b)
	switch {
	case p.Layers&(decode.LayerIPv4|decode.LayerIPv6) != 0:
		var end int
		reason, end, stop = a.ip(p, b, net, false)
		cut = end
	case p.Layers&decode.LayerARP != 0:
		a.arp(&p.ARP)
	case net == nil && !decodedLink(link):
		reason, stop, cut = ReasonLinkType, 0, 0
	case p.Problem.Kind != decode.ProblemNone:
		reason, stop = ReasonTruncated, len(b)-len(net)
		if net == nil {
			stop = 0
		}
		cut = stop
	default: // LLC, LLDP, an EtherType not decoded: from after the link header
		reason, stop = ReasonNetwork, len(b)-len(net)
		if net == nil {
			stop = len(b) - len(p.Payload)
		}
		cut = stop
	}
	if a.opt.Payload != PayloadKeep {
		if t := p.Trailer; len(t) > 0 {
			clear(t) // padding is not covered by a checksum; some NICs leak memory into it
		}
	}
	if reason != ReasonNone {
		if a.opt.Payload == PayloadKeep || stop >= len(b) { // nothing after it to remove (IP options)
			a.Unchanged[reason]++
		} else {
			a.Dropped[reason]++
			if a.opt.Payload == PayloadZero {
				clear(b[stop:])
			} else {
				cut = min(cut, stop)
			}
		}
	}
	if a.opt.Payload == PayloadDrop {
		b = b[:min(cut, len(b))]
	}
	return b, reason
}

func decodedLink(l pcapio.LinkType) bool {
	switch l {
	case pcapio.LinkTypeEthernet, pcapio.LinkTypeLinuxSLL, pcapio.LinkTypeLinuxSLL2, pcapio.LinkTypeNull,
		pcapio.LinkTypeLoop, pcapio.LinkTypeRaw, pcapio.LinkTypeIPv4, pcapio.LinkTypeIPv6:
		return true
	}
	return false
}

// mapMAC rewrites a unicast MAC address in place.
func (a *Anonymizer) mapMAC(m []byte) {
	if m[0]&1 != 0 { // group: broadcast and multicast say nothing about a host
		return
	}
	k := [6]byte(m)
	n := uint64(binary.BigEndian.Uint16(m))<<32 | uint64(binary.BigEndian.Uint32(m[2:]))
	r, ok := a.macs[n]
	if !ok {
		var in, out [16]byte
		copy(in[:], k[:])
		a.mac.Encrypt(out[:], in[:])
		copy(r[:], out[:6])
		r[0] = r[0]&^3 | k[0]&3 // keep the group and local bits
		if a.opt.KeepOUI {
			copy(r[:3], k[:3])
		}
		if len(a.macs) >= maxCache {
			clear(a.macs)
		}
		a.macs[n] = r
		a.MACs++
	}
	copy(m, r[:])
}

// addr rewrites an IPv4 or IPv6 address in place.
func (a *Anonymizer) addr(b []byte) {
	switch a.opt.IPs {
	case IPsKeep:
	case IPsZero:
		clear(b)
	default:
		if len(b) == 4 {
			n := len(a.cp.cache4)
			r := a.cp.Map4([4]byte(b))
			if len(a.cp.cache4) != n {
				a.IPv4++
			}
			copy(b, r[:])
		} else {
			n := len(a.cp.cache6)
			r := a.cp.Map16([16]byte(b))
			if len(a.cp.cache6) != n {
				a.IPv6++
			}
			copy(b, r[:])
		}
	}
}

func (a *Anonymizer) arp(r *decode.ARP) {
	if a.opt.MACs && r.HLen == 6 {
		a.mapMAC(r.SenderHW)
		a.mapMAC(r.TargetHW)
	}
	if r.PType == 0x0800 && r.PLen == 4 || r.PType == 0x86dd && r.PLen == 16 {
		a.addr(r.SenderProto)
		a.addr(r.TargetProto)
	}
}

func (a *Anonymizer) port(b []byte) {
	if a.ports != nil {
		binary.BigEndian.PutUint16(b, a.ports[binary.BigEndian.Uint16(b)])
	}
}
